using System;
using System.Buffers;
using System.Globalization;

namespace MelGenre.Audio;

/// <summary>
/// Decodes audio files in-process with the semantics of <c>librosa.load</c> 0.11: with libsndfile (WAV, FLAC, Ogg
/// Vorbis/Opus, MP3 via mpg123, AIFF, …) or managed decoders, as <see cref="AudioBackend"/> chooses. The overloads
/// without a backend argument of <see cref="GetInfo(string)"/> and <see cref="ReadMono(string, out int, double, double?)"/>
/// are libsndfile's; <see cref="LoadMono(string, int, double, double?)"/> uses <see cref="AudioBackend.Auto"/>. All methods are thread-safe: any number of files
/// may be decoded concurrently.
/// </summary>
public static class AudioDecoder
{
    /// <summary>Frames per libsndfile read call: large enough to amortise the native call, small enough for L2.</summary>
    private const int BlockFrames = 32768;

    /// <summary>
    /// A header's frame count is trusted for one up-front allocation only up to this many frames per byte of
    /// file (plus <see cref="MinTrustedFrames"/>): a damaged FLAC/WAV header may claim billions of frames, and
    /// allocating that blindly would kill the process. Beyond it, the buffer grows with what really decodes.
    /// </summary>
    private const long TrustedFramesPerByte = 64;

    private const long MinTrustedFrames = 1 << 22;

    /// <summary>Reads the header of an audio file without decoding it.</summary>
    /// <param name="path">The file to inspect.</param>
    /// <returns>Sample rate, channels, length and format.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="AudioDecodeException">The file is missing, empty, not audio, damaged or holds no samples,
    /// or libsndfile is not installed; <see cref="AudioDecodeException.Kind"/> says which.</exception>
    public static AudioInfo GetInfo(string path)
    {
        using SndFileReader reader = SndFileReader.Open(path);
        if (reader.Info.Frames == long.MaxValue)
        {
            throw new AudioDecodeException(path, AudioErrorKind.Corrupt,
                $"libsndfile cannot tell its length (it reports 2^63-1 frames of {reader.Info.Format}): the file is truncated or damaged.");
        }
        return reader.Info;
    }

    /// <summary>
    /// Decodes a file at its native sample rate and averages its channels to mono, exactly like
    /// <c>librosa.load(path, sr=None, mono=True, offset=offsetSeconds, duration=durationSeconds)</c>:
    /// samples are libsndfile's float conversion (as python-soundfile's <c>read(dtype='float32')</c>),
    /// the start is <c>(long)(offsetSeconds * sampleRate)</c> frames, the length
    /// <c>(long)(durationSeconds * sampleRate)</c> frames or up to the end, and the mono mix is the float32
    /// mean of the channels, summed left to right as numpy does.
    /// <para>
    /// A file that is cut short, or damaged after some intact frames, yields the samples decoded before the
    /// damage, as librosa does (compare the length with <see cref="GetInfo(string)"/>'s <see cref="AudioInfo.Frames"/>
    /// to detect that). Everything that cannot be real audio is an <see cref="AudioDecodeException"/> instead:
    /// no decodable frame at all, a decoder error flagged by libsndfile, NaN/infinite samples, lossy-codec
    /// samples far beyond full scale (garbage frames), or a whole MP3/Ogg file decoding to exact zeros.
    /// </para>
    /// </summary>
    /// <param name="path">The audio file.</param>
    /// <param name="sampleRate">The file's native sample rate in Hz.</param>
    /// <param name="offsetSeconds">Where to start reading, in seconds (default: the beginning).</param>
    /// <param name="durationSeconds">How much to read, in seconds; null reads to the end. Shorter files give fewer samples.</param>
    /// <returns>The mono samples; never empty.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An offset or duration is negative, NaN or infinite.</exception>
    /// <exception cref="AudioDecodeException">The file cannot be decoded, or the requested range holds no samples
    /// (<see cref="AudioErrorKind.NoAudio"/>).</exception>
    public static float[] ReadMono(string path, out int sampleRate, double offsetSeconds = 0, double? durationSeconds = null)
    {
        AudioFileChecks.CheckRange(offsetSeconds, durationSeconds);
        using SndFileReader reader = SndFileReader.Open(path);
        sampleRate = reader.Native.SampleRate;
        return ReadMonoCore(reader, offsetSeconds, durationSeconds);
    }

    /// <summary>Reads the header of an audio file with the chosen backend (see <see cref="AudioBackend"/> for the precedence rules).</summary>
    /// <param name="path">The file to inspect.</param>
    /// <param name="backend">Which decoder reads it; <see cref="AudioBackend.Auto"/> picks native when libsndfile and libsoxr load.</param>
    /// <returns>Sample rate, channels, length and format.</returns>
    /// <exception cref="AudioDecodeException">The file is missing, empty, not audio, damaged or holds no samples.</exception>
    public static AudioInfo GetInfo(string path, AudioBackend backend)
        => AudioBackendSelector.Resolve(backend).Backend == AudioBackend.Managed ? Managed.ManagedAudioDecoder.GetInfo(path) : GetInfo(path);

    /// <summary>
    /// <see cref="ReadMono(string, out int, double, double?)"/> with the chosen backend: the same arguments, rules and
    /// exceptions; the managed decoders give bit-identical samples for PCM and FLAC and ~130 dB SNR for MP3/Vorbis.
    /// </summary>
    /// <param name="path">The audio file.</param>
    /// <param name="sampleRate">The file's native sample rate in Hz.</param>
    /// <param name="offsetSeconds">Where to start reading, in seconds.</param>
    /// <param name="durationSeconds">How much to read, in seconds; null reads to the end.</param>
    /// <param name="backend">Which decoder reads it (see <see cref="AudioBackend"/>).</param>
    /// <returns>The mono samples; never empty.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An offset or duration is negative, NaN or infinite.</exception>
    /// <exception cref="AudioDecodeException">The file cannot be decoded, or the range holds no samples.</exception>
    public static float[] ReadMono(string path, out int sampleRate, double offsetSeconds, double? durationSeconds, AudioBackend backend)
        => AudioBackendSelector.Resolve(backend).Backend == AudioBackend.Managed
            ? Managed.ManagedAudioDecoder.ReadMono(path, out sampleRate, offsetSeconds, durationSeconds)
            : ReadMono(path, out sampleRate, offsetSeconds, durationSeconds);

    /// <summary>
    /// <c>librosa.load(path, sr=targetSampleRate, mono=True, offset=offsetSeconds, duration=durationSeconds)</c> with the
    /// backend <see cref="AudioBackend.Auto"/> chooses (native when libsndfile and libsoxr load, else managed; the
    /// environment variable <c>MELGENRE_AUDIO_BACKEND</c> can force one): see
    /// <see cref="LoadMono(string, int, double, double?, AudioBackend)"/>.
    /// </summary>
    /// <param name="path">The audio file.</param>
    /// <param name="targetSampleRate">The sample rate of the result in Hz.</param>
    /// <param name="offsetSeconds">Where to start reading, in seconds of the original file.</param>
    /// <param name="durationSeconds">How much to read, in seconds; null reads to the end.</param>
    /// <returns>Mono samples at <paramref name="targetSampleRate"/>; never empty.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="targetSampleRate"/> is not positive, or an offset or
    /// duration is negative, NaN or infinite.</exception>
    /// <exception cref="AudioDecodeException">The file cannot be decoded or holds no samples in the range.</exception>
    public static float[] LoadMono(string path, int targetSampleRate, double offsetSeconds = 0, double? durationSeconds = null)
        => LoadMono(path, targetSampleRate, offsetSeconds, durationSeconds, AudioBackend.Auto);

    /// <summary>
    /// <c>librosa.load(path, sr=targetSampleRate, mono=True, offset=offsetSeconds, duration=durationSeconds)</c>:
    /// decode and mix to mono (<see cref="ReadMono(string, out int, double, double?, AudioBackend)"/>), then resample
    /// with soxr "HQ" (librosa's default 'soxr_hq') when the native rate differs from <paramref name="targetSampleRate"/>:
    /// libsndfile + libsoxr under <see cref="AudioBackend.Native"/>, the managed decoders and the managed soxr-HQ
    /// resampler under <see cref="AudioBackend.Managed"/>. This is the entry point LoadAudio, the featurizers, the
    /// caches and song prediction all use.
    /// </summary>
    /// <param name="path">The audio file.</param>
    /// <param name="targetSampleRate">The sample rate of the result in Hz.</param>
    /// <param name="offsetSeconds">Where to start reading, in seconds of the original file.</param>
    /// <param name="durationSeconds">How much to read, in seconds; null reads to the end.</param>
    /// <param name="backend">Which implementation decodes and resamples (see <see cref="AudioBackend"/> for the precedence).</param>
    /// <returns>Mono samples at <paramref name="targetSampleRate"/>; never empty.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="targetSampleRate"/> is not positive, or an offset or
    /// duration is negative, NaN or infinite.</exception>
    /// <exception cref="AudioDecodeException">The file cannot be decoded, holds no samples in the range, or the native
    /// backend was asked for and libsndfile/libsoxr is not installed.</exception>
    public static float[] LoadMono(string path, int targetSampleRate, double offsetSeconds, double? durationSeconds, AudioBackend backend)
    {
        if (targetSampleRate <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(targetSampleRate), targetSampleRate,
                "The target sample rate must be a positive number of Hz.");
        }

        if (AudioBackendSelector.Resolve(backend).Backend == AudioBackend.Managed)
        {
            float[] decoded = Managed.ManagedAudioDecoder.ReadMono(path, out int rate, offsetSeconds, durationSeconds);
            return rate == targetSampleRate ? decoded : Managed.ManagedResampler.Resample(decoded, rate, targetSampleRate);
        }

        float[] native = ReadMono(path, out int nativeRate, offsetSeconds, durationSeconds);
        if (nativeRate == targetSampleRate)
        {
            return native;
        }

        try
        {
            return Resampler.Resample(native, nativeRate, targetSampleRate);
        }
        catch (Exception e) when (NativeLibraryLoader.IsMissingLibrary(e))
        {
            throw new AudioDecodeException(path, AudioErrorKind.NativeLibraryMissing,
                $"resampling from {nativeRate} Hz to {targetSampleRate} Hz needs libsoxr. {e.Message}", e);
        }
    }

    /// <summary>
    /// Which backend a request resolves to in this process and why, in one sentence (e.g. "Audio is decoded by the
    /// managed (...) backend: Auto, and the native libraries are unavailable (...)."); the same words LoadAudio logs.
    /// </summary>
    /// <param name="backend">The request; <see cref="AudioBackend.Auto"/> by default.</param>
    /// <returns>The sentence.</returns>
    /// <exception cref="ArgumentException"><c>MELGENRE_AUDIO_BACKEND</c> holds something other than auto, native or managed.</exception>
    public static string DescribeBackend(AudioBackend backend = AudioBackend.Auto) => AudioBackendSelector.Resolve(backend).Message;

    private static string Seconds(double s) => AudioFileChecks.Seconds(s);

    /// <param name="reader">The open file.</param>
    /// <param name="offsetSeconds">Validated offset.</param>
    /// <param name="durationSeconds">Validated duration or null.</param>
    /// <param name="trustedFrames">Most frames allocated up front on the header's word (tests lower it to exercise growth).</param>
    internal static unsafe float[] ReadMonoCore(SndFileReader reader, double offsetSeconds, double? durationSeconds, long? trustedFrames = null)
    {
        SndFileNative api = SndFileNative.Api;
        SfInfo info = reader.Native;
        string path = reader.DisplayPath;
        int sr = info.SampleRate;
        int channels = info.Channels;
        IntPtr h = reader.Handle;

        // libsndfile says SF_COUNT_MAX when it cannot know the length (e.g. a pipe); then read to EOF.
        bool lengthKnown = info.Frames > 0 && info.Frames < long.MaxValue;

        // librosa: sf.seek(int(offset * sr)) only when offset is truthy; int() truncates.
        long start = 0;
        if (offsetSeconds > 0)
        {
            start = (long)(offsetSeconds * sr);
            if (lengthKnown && start >= info.Frames)
            {
                throw new AudioDecodeException(path, AudioErrorKind.NoAudio,
                    $"the offset {Seconds(offsetSeconds)} (frame {start}) is at or beyond the end of the audio " +
                    $"({info.Frames} frames, {Seconds((double)info.Frames / sr)}).");
            }

            if (start > 0 && api.sf_seek(h, start, SfConst.SeekSet) < 0)
            {
                string why = reader.CurrentError() ?? "seek failed";
                throw new AudioDecodeException(path, lengthKnown ? AudioErrorKind.Corrupt : AudioErrorKind.NoAudio,
                    $"cannot seek to {Seconds(offsetSeconds)} (frame {start}) (libsndfile: {why}).");
            }
        }

        long wanted = lengthKnown ? info.Frames - start : long.MaxValue;
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

        long trusted = trustedFrames ?? Math.Max(MinTrustedFrames, reader.FileBytes * TrustedFramesPerByte);
        long capacity = Math.Min(Math.Min(wanted, trusted), Array.MaxLength);
        float[] mono = new float[capacity];
        long got = 0;

        float[]? block = channels == 1 ? null : ArrayPool<float>.Shared.Rent(BlockFrames * channels);
        try
        {
            while (got < wanted)
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
                long n;
                if (block is null)
                {
                    // Mono: libsndfile writes straight into the result.
                    fixed (float* dst = &mono[got])
                    {
                        n = api.sf_readf_float(h, dst, request);
                    }
                }
                else
                {
                    fixed (float* src = block)
                    {
                        n = api.sf_readf_float(h, src, request);
                    }

                    if (n > 0)
                    {
                        MixToMono(block.AsSpan(0, (int)n * channels), channels, mono.AsSpan((int)got, (int)n));
                    }
                }

                if (n <= 0)
                {
                    break;
                }

                got += n;
            }
        }
        finally
        {
            if (block is not null)
            {
                ArrayPool<float>.Shared.Return(block);
            }
        }

        // python-soundfile raises whenever libsndfile flags an error during a read; so do we, rather than
        // hand back a silently shortened or zero-filled signal.
        string? readError = reader.CurrentError();
        if (readError is not null)
        {
            throw new AudioDecodeException(path, AudioErrorKind.Corrupt,
                $"decoding failed after {got} of {(lengthKnown ? info.Frames.ToString(CultureInfo.InvariantCulture) : "?")} frames " +
                $"(libsndfile: {readError}).");
        }

        if (got == 0)
        {
            throw new AudioDecodeException(path, start > 0 ? AudioErrorKind.NoAudio : AudioErrorKind.Corrupt,
                start > 0
                    ? $"no audio samples after the offset {Seconds(offsetSeconds)} (frame {start})."
                    : $"no audio samples could be decoded although the header announces {(lengthKnown ? info.Frames.ToString(CultureInfo.InvariantCulture) : "an unknown number of")} frames ({reader.Info.Format}).");
        }

        if (got < mono.Length)
        {
            Array.Resize(ref mono, (int)got);
        }

        // The whole file was read when no duration was asked for, or when it ended before the duration: a silent MP3 of
        // 10 s is then NoAudio whether it is read whole (predict) or as a 30-s clip (features), one rule for both.
        bool reachedEnd = durationSeconds is null || got < (long)(durationSeconds.Value * sr);
        CheckPlausible(reader, mono, wholeFile: start == 0 && reachedEnd);
        return mono;
    }

    /// <summary>
    /// Largest magnitude a lossy decoder may plausibly produce (+18 dBFS). Real MP3/Vorbis peaks exceed full
    /// scale (1.0) by a few dB at most (the 62 FMA sample clips peak at 1.13 after the mono mix); garbage frames
    /// that happen to carry valid headers decode to values in the thousands to millions within a few frames.
    /// </summary>
    internal const float LossyAmplitudeLimit = 8f;

    /// <summary>
    /// Rejects decoder output that cannot be real audio: NaN or infinite samples (any format); for lossy
    /// formats (MP3, Vorbis, Opus), samples far beyond full scale, and a whole file that decodes to nothing
    /// but exact zeros (which is what mpg123 emits for frames it could not decode).
    /// </summary>
    private static void CheckPlausible(SndFileReader reader, ReadOnlySpan<float> mono, bool wholeFile)
    {
        int format = reader.Native.Format;
        int major = format & SfConst.TypeMask;
        int sub = format & SfConst.SubMask;
        bool lossy = major == SfConst.Mpeg || (major == SfConst.Ogg && (sub == SfConst.Vorbis || sub == SfConst.Opus));
        float limit = lossy ? LossyAmplitudeLimit : float.MaxValue;

        SignalScan scan = SignalScan.Run(mono, limit);
        if (scan.FirstNonFinite >= 0)
        {
            throw new AudioDecodeException(reader.DisplayPath, AudioErrorKind.Corrupt,
                $"the decoder produced a non-finite sample ({mono[(int)scan.FirstNonFinite]}) at sample {scan.FirstNonFinite} of {mono.Length}.");
        }

        if (scan.FirstOverLimit >= 0)
        {
            throw new AudioDecodeException(reader.DisplayPath, AudioErrorKind.Corrupt,
                $"the decoded {reader.Info.Format} audio reaches {Math.Abs(mono[(int)scan.FirstOverLimit]).ToString("G4", CultureInfo.InvariantCulture)} " +
                $"at sample {scan.FirstOverLimit} (full scale is 1.0): the compressed frames are damaged or garbage.");
        }

        if (lossy && wholeFile && !scan.AnyNonZero)
        {
            throw new AudioDecodeException(reader.DisplayPath, AudioErrorKind.NoAudio,
                $"all {mono.Length} decoded samples are exactly zero: the {reader.Info.Format} frames hold no audio (damaged, or pure digital silence).");
        }
    }

    /// <summary>
    /// Averages interleaved frames to mono in float32, as <c>np.mean(y, axis=0)</c> on librosa's
    /// (channels, frames) array: the channel sum is formed left to right (numpy's pairwise summation,
    /// which for fewer than 8 terms is a plain running sum) and then divided by the channel count.
    /// </summary>
    internal static void MixToMono(ReadOnlySpan<float> interleaved, int channels, Span<float> mono)
    {
        int frames = mono.Length;
        switch (channels)
        {
            case 1:
                interleaved[..frames].CopyTo(mono);
                return;
            case 2:
                for (int i = 0, j = 0; i < frames; i++, j += 2)
                {
                    mono[i] = (interleaved[j] + interleaved[j + 1]) / 2f;
                }

                return;
            default:
                float count = channels;
                for (int i = 0, j = 0; i < frames; i++, j += channels)
                {
                    mono[i] = NumpySum(interleaved.Slice(j, channels)) / count;
                }

                return;
        }
    }

    /// <summary>numpy's float32 pairwise sum (used by add.reduce along a contiguous axis), starting from 0.</summary>
    internal static float NumpySum(ReadOnlySpan<float> a) => Dsp.NumpyMath.PairwiseSum(a);
}
