using System;
using System.IO;

namespace MelGenre.Audio;

/// <summary>
/// Writes audio files through libsndfile (WAV, FLAC, Ogg Vorbis, and MP3 when libsndfile was built with
/// LAME). Internal: it exists so tests and tools can make real files in every format the decoder must read.
/// </summary>
internal static unsafe class SndFileWriter
{
    /// <summary>Whether libsndfile can write this format/rate/channel combination (sf_format_check).</summary>
    internal static bool CanWrite(int format, int sampleRate, int channels)
    {
        var info = new SfInfo { Format = format, SampleRate = sampleRate, Channels = channels };
        return SndFileNative.Api.sf_format_check(&info) != 0;
    }

    /// <summary>
    /// Writes interleaved float samples. For integer PCM targets libsndfile scales by 0x7F…, so a round trip
    /// through an integer format is not bit-exact; use <see cref="WriteInt"/> when exact values matter.
    /// </summary>
    internal static void WriteFloat(string path, int format, int sampleRate, int channels, ReadOnlySpan<float> interleaved, double? compressionLevel = null)
    {
        CheckShape(interleaved.Length, channels);
        using SndFileHandle handle = Create(path, format, sampleRate, channels, compressionLevel);
        fixed (float* p = interleaved)
        {
            long frames = interleaved.Length / channels;
            long written = SndFileNative.Api.sf_writef_float(handle.DangerousGetHandle(), p, frames);
            CheckWritten(path, handle, written, frames);
        }
    }

    /// <summary>
    /// Writes interleaved 32-bit integer samples, left-justified as libsndfile's int API expects: a 16-bit file
    /// stores <c>value &gt;&gt; 16</c>, a 24-bit file <c>value &gt;&gt; 8</c>, an 8-bit file <c>value &gt;&gt; 24</c>.
    /// </summary>
    internal static void WriteInt(string path, int format, int sampleRate, int channels, ReadOnlySpan<int> interleaved)
    {
        CheckShape(interleaved.Length, channels);
        using SndFileHandle handle = Create(path, format, sampleRate, channels, null);
        fixed (int* p = interleaved)
        {
            long frames = interleaved.Length / channels;
            long written = SndFileNative.Api.sf_writef_int(handle.DangerousGetHandle(), p, frames);
            CheckWritten(path, handle, written, frames);
        }
    }

    private static void CheckShape(int samples, int channels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        if (samples % channels != 0)
        {
            throw new ArgumentException($"{samples} samples do not divide into {channels} channels.");
        }
    }

    private static SndFileHandle Create(string path, int format, int sampleRate, int channels, double? compressionLevel)
    {
        SndFileNative api = SndFileNative.Api;
        var info = new SfInfo { Format = format, SampleRate = sampleRate, Channels = channels };
        if (api.sf_format_check(&info) == 0)
        {
            throw new NotSupportedException(
                $"libsndfile cannot write {SndFileFormat.Describe(format)} at {sampleRate} Hz with {channels} channels (format 0x{format:X8}).");
        }

        IntPtr raw = api.Open(path, SfConst.Write, ref info);
        if (raw == IntPtr.Zero)
        {
            throw new IOException($"Cannot create '{path}': {api.ErrorText(IntPtr.Zero)}");
        }

        var handle = new SndFileHandle(raw);
        if (compressionLevel is double level)
        {
            api.sf_command(raw, SfConst.CmdSetCompressionLevel, &level, sizeof(double));
        }

        return handle;
    }

    private static void CheckWritten(string path, SndFileHandle handle, long written, long frames)
    {
        if (written != frames)
        {
            throw new IOException(
                $"Cannot write '{path}': wrote {written} of {frames} frames ({SndFileNative.Api.ErrorText(handle.DangerousGetHandle())}).");
        }
    }
}
