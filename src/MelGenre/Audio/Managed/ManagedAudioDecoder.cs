using System;
using System.Buffers;
using System.Globalization;
using System.IO;

namespace MelGenre.Audio.Managed;

/// <summary>
/// Thrown by a format reader when the data is damaged in a way libsndfile reports as a read error;
/// <see cref="ManagedAudioDecoder"/> turns it into an <see cref="AudioDecodeException"/> that says how far decoding got.
/// </summary>
internal sealed class ManagedDecodeError : Exception
{
    internal ManagedDecodeError(string detail)
        : base(detail)
    {
    }
}

/// <summary>
/// Decodes audio files with managed code only (NAudio.Core for WAV/AIFF, NVorbis for Ogg Vorbis, NLayer for MP3
/// frames, MelGenre's own FLAC decoder), with the contract of <see cref="AudioDecoder.ReadMono(string, out int, double, double?)"/> and
/// <see cref="AudioDecoder.GetInfo(string)"/>: the same samples (bit-identical for PCM and FLAC), the same offset/duration
/// rules and the same <see cref="AudioDecodeException"/> kinds and wording for bad input. The decoder is chosen
/// by the file's content, never its extension (except that, like libsndfile, a file named *.mp3 without any
/// signature is searched for MPEG frames). Thread-safe: every call works on its own stream.
/// </summary>
internal static class ManagedAudioDecoder
{
    private const int BlockFrames = 32768;
    private const long TrustedFramesPerByte = 64;
    private const long MinTrustedFrames = 1 << 22;

    /// <summary>Reads the header of an audio file (for MP3 the frame count comes from a scan of the frame headers).</summary>
    /// <param name="path">The file to inspect.</param>
    /// <returns>Sample rate, channels, length and format.</returns>
    internal static AudioInfo GetInfo(string path)
    {
        using IManagedAudioReader reader = Open(path, out _);
        return new AudioInfo(path, reader.SampleRate, reader.Channels, reader.Frames, reader.Format, reader.FormatCode);
    }

    /// <summary>The managed twin of <see cref="AudioDecoder.ReadMono(string, out int, double, double?)"/> (same arguments, results and exceptions).</summary>
    /// <param name="path">The audio file.</param>
    /// <param name="sampleRate">The file's native sample rate in Hz.</param>
    /// <param name="offsetSeconds">Where to start reading, in seconds.</param>
    /// <param name="durationSeconds">How much to read, in seconds; null reads to the end.</param>
    /// <returns>The mono samples; never empty.</returns>
    internal static float[] ReadMono(string path, out int sampleRate, double offsetSeconds = 0, double? durationSeconds = null)
    {
        AudioFileChecks.CheckRange(offsetSeconds, durationSeconds);
        using IManagedAudioReader reader = Open(path, out long fileBytes);
        sampleRate = reader.SampleRate;
        return ReadMonoCore(path, reader, fileBytes, offsetSeconds, durationSeconds);
    }

    private static string Seconds(double s) => AudioFileChecks.Seconds(s);

    private static string Count(long n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>Checks the path exactly as the native path does, sniffs the content and opens the matching decoder.</summary>
    internal static IManagedAudioReader Open(string path, out long fileBytes)
    {
        long bytes = AudioFileChecks.CheckPath(path);
        fileBytes = bytes;

        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AudioDecodeException(path, File.Exists(path) ? AudioErrorKind.Corrupt : AudioErrorKind.FileNotFound,
                $"the file cannot be opened (managed decoder: {e.Message.TrimEnd('.')}).", e);
        }

        try
        {
            IManagedAudioReader reader = Dispatch(path, stream, bytes);
            Validate(path, reader);
            return reader;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Chooses the decoder from the first bytes, as libsndfile's format guess does.</summary>
    private static IManagedAudioReader Dispatch(string path, Stream stream, long bytes)
    {
        Span<byte> head = stackalloc byte[36];
        int n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        head = head[..n];
        stream.Position = 0;

        if (n >= 10 && head[0] == 'I' && head[1] == 'D' && head[2] == '3')
        {
            // libsndfile skips an ID3v2 tag and looks again: FLAC files sometimes carry one.
            long tagEnd = Id3v2.TagEnd(head);
            if (tagEnd + 4 <= bytes)
            {
                stream.Position = tagEnd;
                Span<byte> magic = stackalloc byte[4];
                stream.ReadExactly(magic);
                if (magic.SequenceEqual("fLaC"u8))
                {
                    stream.Position = tagEnd;
                    return FlacDecoder.Instance.Open(path, stream, bytes);
                }
            }

            // libsndfile reads MPEG after an ID3 tag only if a frame header follows the tag or the name says MP3.
            bool mpegAfterTag = false;
            if (tagEnd + 4 <= bytes)
            {
                stream.Position = tagEnd;
                Span<byte> sync = stackalloc byte[4];
                stream.ReadExactly(sync);
                mpegAfterTag = FileSignatureSniffer.IsMpegFrameHeader(sync);
            }

            stream.Position = 0;
            if (mpegAfterTag || HasMpegExtension(path))
            {
                return Mp3Decoder.Instance.Open(path, stream, bytes);
            }

            throw new AudioDecodeException(path, AudioErrorKind.UnsupportedFormat,
                $"the content ({bytes} bytes) is not a recognised audio format (managed decoders: an ID3 tag followed by no known audio data).");
        }

        if (n >= 12 && (head[..4].SequenceEqual("RIFF"u8) || head[..4].SequenceEqual("RF64"u8)) && head[8..12].SequenceEqual("WAVE"u8))
        {
            return WaveDecoder.Wav.Open(path, stream, bytes);
        }

        if (n >= 12 && head[..4].SequenceEqual("FORM"u8) && (head[8..12].SequenceEqual("AIFF"u8) || head[8..12].SequenceEqual("AIFC"u8)))
        {
            return WaveDecoder.Aiff.Open(path, stream, bytes);
        }

        if (n >= 4 && head[..4].SequenceEqual("fLaC"u8))
        {
            return FlacDecoder.Instance.Open(path, stream, bytes);
        }

        if (n >= 4 && head[..4].SequenceEqual("OggS"u8))
        {
            return VorbisDecoder.Instance.Open(path, stream, bytes);
        }

        if (FileSignatureSniffer.IsMpegFrameHeader(head))
        {
            return Mp3Decoder.Instance.Open(path, stream, bytes);
        }

        if (HasMpegExtension(path))
        {
            // libsndfile hands files named *.mp3 without any header to mpg123, which searches them for frames.
            return Mp3Decoder.Instance.Open(path, stream, bytes);
        }

        if (FileSignatureSniffer.Classify(head) == FileSignature.Container)
        {
            string magic = System.Text.Encoding.ASCII.GetString(head[..4]);
            throw new AudioDecodeException(path, AudioErrorKind.UnsupportedFormat,
                $"the content ({bytes} bytes) is not a recognised audio format (managed decoders: the '{magic}' container is read by the native backend only).");
        }

        throw new AudioDecodeException(path, AudioErrorKind.UnsupportedFormat,
            $"the content ({bytes} bytes) is not a recognised audio format (managed decoders: no WAV, AIFF, FLAC, Ogg or MPEG signature).");
    }

    private static bool HasMpegExtension(string path)
    {
        string ext = Path.GetExtension(path);
        return ext.Equals(".mp3", StringComparison.OrdinalIgnoreCase) || ext.Equals(".mp2", StringComparison.OrdinalIgnoreCase) ||
               ext.Equals(".mp1", StringComparison.OrdinalIgnoreCase) || ext.Equals(".mpga", StringComparison.OrdinalIgnoreCase) ||
               ext.Equals(".mpeg", StringComparison.OrdinalIgnoreCase);
    }

    private static void Validate(string path, IManagedAudioReader reader)
    {
        if (reader.Channels < 1)
        {
            throw new AudioDecodeException(path, AudioErrorKind.Corrupt, $"the header reports {reader.Channels} channels.");
        }

        if (reader.SampleRate < 1)
        {
            throw new AudioDecodeException(path, AudioErrorKind.Corrupt, $"the header reports a sample rate of {reader.SampleRate} Hz.");
        }

        if (reader.Frames == 0)
        {
            throw new AudioDecodeException(path, AudioErrorKind.NoAudio,
                $"the file contains no audio samples (0 frames; {reader.Format}).");
        }
    }

    /// <param name="path">The path for messages.</param>
    /// <param name="reader">The open file.</param>
    /// <param name="fileBytes">Size of the file.</param>
    /// <param name="offsetSeconds">Validated offset.</param>
    /// <param name="durationSeconds">Validated duration or null.</param>
    /// <param name="trustedFrames">Most frames allocated up front on the header's word (tests lower it).</param>
    internal static float[] ReadMonoCore(string path, IManagedAudioReader reader, long fileBytes, double offsetSeconds,
        double? durationSeconds, long? trustedFrames = null)
    {
        int sr = reader.SampleRate;
        int channels = reader.Channels;
        long frames = reader.Frames;
        bool lengthKnown = frames > 0 && frames < long.MaxValue;

        long start = 0;
        if (offsetSeconds > 0)
        {
            start = (long)(offsetSeconds * sr);
            if (lengthKnown && start >= frames)
            {
                throw new AudioDecodeException(path, AudioErrorKind.NoAudio,
                    $"the offset {Seconds(offsetSeconds)} (frame {start}) is at or beyond the end of the audio " +
                    $"({frames} frames, {Seconds((double)frames / sr)}).");
            }
        }

        long wanted = lengthKnown ? frames - start : long.MaxValue;
        if (durationSeconds is double duration)
        {
            long durationFrames = (long)(duration * sr);
            if (durationFrames == 0)
            {
                throw new AudioDecodeException(path, AudioErrorKind.NoAudio,
                    $"the duration {Seconds(duration)} is shorter than one sample at {sr} Hz.");
            }

            wanted = Math.Min(wanted, durationFrames);
        }

        long trusted = trustedFrames ?? Math.Max(MinTrustedFrames, fileBytes * TrustedFramesPerByte);
        long capacity = Math.Min(Math.Min(wanted, trusted), Array.MaxLength);
        float[] mono = new float[capacity];
        long got = 0;
        bool started = true;

        float[]? block = channels == 1 ? null : ArrayPool<float>.Shared.Rent(BlockFrames * channels);
        try
        {
            if (start > 0)
            {
                started = reader.Skip(start) == start;
            }

            while (started && got < wanted)
            {
                if (got == mono.Length)
                {
                    if (mono.Length >= Array.MaxLength)
                    {
                        throw new AudioDecodeException(path, AudioErrorKind.Corrupt,
                            $"the audio is longer than the largest array .NET can hold ({Array.MaxLength} samples).");
                    }

                    long grown = Math.Min(Math.Min(wanted, (long)mono.Length * 2), Array.MaxLength);
                    Array.Resize(ref mono, (int)grown);
                }

                int request = (int)Math.Min(Math.Min(BlockFrames, wanted - got), mono.Length - got);
                int n;
                if (block is null)
                {
                    n = reader.Read(mono.AsSpan((int)got, request));
                }
                else
                {
                    n = reader.Read(block.AsSpan(0, request * channels));
                    if (n > 0)
                    {
                        AudioDecoder.MixToMono(block.AsSpan(0, n * channels), channels, mono.AsSpan((int)got, n));
                    }
                }

                if (n <= 0)
                {
                    break;
                }

                got += n;
            }
        }
        catch (ManagedDecodeError e)
        {
            throw new AudioDecodeException(path, AudioErrorKind.Corrupt,
                $"decoding failed after {got} of {(lengthKnown ? Count(frames) : "?")} frames " +
                $"(managed {reader.Format} decoder: {e.Message}).", e);
        }
        finally
        {
            if (block is not null)
            {
                ArrayPool<float>.Shared.Return(block);
            }
        }

        if (got == 0)
        {
            throw new AudioDecodeException(path, start > 0 ? AudioErrorKind.NoAudio : AudioErrorKind.Corrupt,
                start > 0
                    ? $"no audio samples after the offset {Seconds(offsetSeconds)} (frame {start})."
                    : $"no audio samples could be decoded although the header announces {(lengthKnown ? Count(frames) : "an unknown number of")} frames ({reader.Format}).");
        }

        if (got < mono.Length)
        {
            Array.Resize(ref mono, (int)got);
        }

        CheckPlausible(path, reader, mono, wholeFile: start == 0 && durationSeconds is null);
        return mono;
    }

    /// <summary>The native path's plausibility checks (see <c>AudioDecoder.CheckPlausible</c>), with the same messages.</summary>
    private static void CheckPlausible(string path, IManagedAudioReader reader, ReadOnlySpan<float> mono, bool wholeFile)
    {
        float limit = reader.Lossy ? AudioDecoder.LossyAmplitudeLimit : float.MaxValue;
        SignalScan scan = SignalScan.Run(mono, limit);
        if (scan.FirstNonFinite >= 0)
        {
            throw new AudioDecodeException(path, AudioErrorKind.Corrupt,
                $"the decoder produced a non-finite sample ({mono[(int)scan.FirstNonFinite]}) at sample {scan.FirstNonFinite} of {mono.Length}.");
        }

        if (scan.FirstOverLimit >= 0)
        {
            throw new AudioDecodeException(path, AudioErrorKind.Corrupt,
                $"the decoded {reader.Format} audio reaches {Math.Abs(mono[(int)scan.FirstOverLimit]).ToString("G4", CultureInfo.InvariantCulture)} " +
                $"at sample {scan.FirstOverLimit} (full scale is 1.0): the compressed frames are damaged or garbage.");
        }

        if (reader.Lossy && wholeFile && !scan.AnyNonZero)
        {
            throw new AudioDecodeException(path, AudioErrorKind.NoAudio,
                $"all {mono.Length} decoded samples are exactly zero: the {reader.Format} frames hold no audio (damaged, or pure digital silence).");
        }
    }

    /// <summary>
    /// Reads the rest of the stream into one array (the FLAC and MP3 decoders work on the whole file), or an
    /// <see cref="AudioDecodeException"/> when it cannot fit in one .NET array.
    /// </summary>
    internal static byte[] ReadAll(string path, Stream stream, long fileBytes, string decoder)
    {
        long length = fileBytes - stream.Position;
        if (length > Array.MaxLength)
        {
            throw new AudioDecodeException(path, AudioErrorKind.UnsupportedFormat,
                $"the audio encoding is not supported (managed {decoder} decoder: the file ({fileBytes} bytes) is larger than the {Array.MaxLength} bytes it can buffer; the native libsndfile backend streams it).");
        }

        byte[] data = new byte[length];
        stream.ReadExactly(data);
        stream.Dispose();
        return data;
    }

    /// <summary>Skips frames by decoding them into a scratch buffer (for formats without exact seeking).</summary>
    internal static long SkipByReading(IManagedAudioReader reader, long frames)
    {
        int channels = reader.Channels;
        float[] scratch = ArrayPool<float>.Shared.Rent(4096 * channels);
        try
        {
            long skipped = 0;
            while (skipped < frames)
            {
                int want = (int)Math.Min(4096, frames - skipped);
                int n = reader.Read(scratch.AsSpan(0, want * channels));
                if (n <= 0)
                {
                    break;
                }

                skipped += n;
            }

            return skipped;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
        }
    }
}

/// <summary>ID3v2 tag size (the 10-byte header's syncsafe size, plus a footer when flagged).</summary>
internal static class Id3v2
{
    /// <summary>Byte offset just past the tag that starts at <paramref name="head"/>[0].</summary>
    internal static long TagEnd(ReadOnlySpan<byte> head)
    {
        long size = (head[6] & 0x7F) << 21 | (head[7] & 0x7F) << 14 | (head[8] & 0x7F) << 7 | (head[9] & 0x7F);
        bool footer = (head[5] & 0x10) != 0;
        return 10 + size + (footer ? 10 : 0);
    }
}
