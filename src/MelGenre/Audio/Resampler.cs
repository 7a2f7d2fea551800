using System;
using System.Buffers;
using System.Runtime.InteropServices;

namespace MelGenre.Audio;

/// <summary>
/// Sample-rate conversion with libsoxr, reproducing
/// <c>librosa.resample(y, orig_sr, target_sr, res_type='soxr_hq')</c> (librosa 0.11, python-soxr).
/// Thread-safe: every call uses its own libsoxr resampler.
/// </summary>
public static class Resampler
{
    /// <summary>
    /// <see cref="Resample(ReadOnlySpan{float}, int, int)"/> with the chosen backend: libsoxr under
    /// <see cref="AudioBackend.Native"/>, MelGenre's managed soxr-HQ resampler (same response and output length,
    /// ~131 dB SNR against libsoxr) under <see cref="AudioBackend.Managed"/>; <see cref="AudioBackend.Auto"/> picks
    /// native when libsndfile and libsoxr load (see <see cref="AudioBackend"/> for the precedence rules).
    /// </summary>
    /// <param name="input">Mono samples at <paramref name="fromRate"/>.</param>
    /// <param name="fromRate">Sample rate of <paramref name="input"/> in Hz; must be positive.</param>
    /// <param name="toRate">Sample rate of the result in Hz; must be positive.</param>
    /// <param name="backend">Which resampler runs.</param>
    /// <returns><c>ceil(input.Length * toRate / fromRate)</c> samples at <paramref name="toRate"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A rate is zero or negative.</exception>
    /// <exception cref="DllNotFoundException">Native was asked for and libsoxr is not installed.</exception>
    public static float[] Resample(ReadOnlySpan<float> input, int fromRate, int toRate, AudioBackend backend)
        => AudioBackendSelector.Resolve(backend).Backend == AudioBackend.Managed
            ? Managed.ManagedResampler.Resample(input, fromRate, toRate)
            : Resample(input, fromRate, toRate);

    /// <summary>
    /// Resamples mono float32 audio the way librosa 0.11 does with its default <c>res_type='soxr_hq'</c>,
    /// <c>fix=True</c>, <c>scale=False</c>:
    /// <list type="bullet">
    /// <item>libsoxr with <c>soxr_quality_spec(SOXR_HQ, 0)</c>, float32 in and out, default runtime spec
    /// (one thread), as python-soxr's <c>soxr.resample(x, in, out, 'HQ')</c>;</item>
    /// <item>input fed in chunks of <c>max(1000, 48000 * fromRate / toRate)</c> frames into an output buffer
    /// of <c>len * toRate / fromRate + 1</c> frames, then one flush, as python-soxr does (the chunking is
    /// reproduced because it can change the last bits of the output);</item>
    /// <item>the result cut or zero-padded to <c>ceil(len * toRate / fromRate)</c> samples (librosa's fix_length).</item>
    /// </list>
    /// When the rates are equal a copy of the input is returned.
    /// </summary>
    /// <param name="input">Mono samples at <paramref name="fromRate"/>.</param>
    /// <param name="fromRate">Sample rate of <paramref name="input"/> in Hz; must be positive.</param>
    /// <param name="toRate">Sample rate of the result in Hz; must be positive.</param>
    /// <returns><c>ceil(input.Length * toRate / fromRate)</c> samples at <paramref name="toRate"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A rate is zero or negative.</exception>
    /// <exception cref="DllNotFoundException">libsoxr is not installed (the message says how to install it).</exception>
    /// <exception cref="InvalidOperationException">libsoxr reported an error.</exception>
    public static unsafe float[] Resample(ReadOnlySpan<float> input, int fromRate, int toRate)
    {
        if (fromRate <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(fromRate), fromRate, "The input sample rate must be a positive number of Hz.");
        }

        if (toRate <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(toRate), toRate, "The output sample rate must be a positive number of Hz.");
        }

        if (fromRate == toRate)
        {
            return input.ToArray();
        }

        long outputLength = OutputLength(input.Length, fromRate, toRate);
        if (input.Length == 0)
        {
            return [];
        }

        if (outputLength > Array.MaxLength)
        {
            throw new ArgumentException(
                $"Resampling {input.Length} samples from {fromRate} Hz to {toRate} Hz would give {outputLength} samples, more than an array can hold.",
                nameof(input));
        }

        SoxrNative api = SoxrNative.Api;

        // python-soxr (csoxr_divide_proc / csoxr_split_ch): size_t olen = ilen * out_rate / in_rate + 1;
        // size_t div_len = max(1000., 48000 * in_rate / out_rate) — double arithmetic, truncated.
        double inRate = fromRate;
        double outRate = toRate;
        long bufferLength = (long)(input.Length * outRate / inRate + 1);
        long chunk = (long)Math.Max(1000.0, 48000 * inRate / outRate);

        float[] result = new float[outputLength];

        // soxr needs room for bufferLength samples; that is outputLength or outputLength + 1 (when the exact
        // length is an integer). Write into the result directly when it fits, else into a pooled scratch buffer.
        float[]? scratch = bufferLength > outputLength ? ArrayPool<float>.Shared.Rent((int)bufferLength) : null;
        try
        {
            SoxrIoSpec io = api.soxr_io_spec(SoxrNative.Float32Interleaved, SoxrNative.Float32Interleaved);
            SoxrQualitySpec quality = api.soxr_quality_spec(new CULong(SoxrNative.RecipeHQ), new CULong(0));
            byte* error = null;
            IntPtr soxr = api.soxr_create(inRate, outRate, 1, &error, &io, &quality, null);
            if (error != null || soxr == IntPtr.Zero)
            {
                throw new InvalidOperationException(
                    $"libsoxr could not create a resampler from {fromRate} Hz to {toRate} Hz: {NativeLibraryLoader.FromUtf8(error) ?? "unknown error"}.");
            }

            long produced = 0;
            try
            {
                Span<float> output = scratch is null ? result : scratch.AsSpan(0, (int)bufferLength);
                fixed (float* inPtr = input)
                fixed (float* outPtr = output)
                {
                    nuint done = 0;
                    for (long index = 0; index < input.Length; index += chunk)
                    {
                        long count = Math.Min(chunk, input.Length - index);
                        error = api.soxr_process(soxr, inPtr + index, (nuint)count, null,
                            outPtr + produced, (nuint)(bufferLength - produced), &done);
                        ThrowIfError(error, fromRate, toRate);
                        produced += (long)done;
                    }

                    // Flush: no more input; collect what is still inside the filter.
                    error = api.soxr_process(soxr, null, 0, null, outPtr + produced, (nuint)(bufferLength - produced), &done);
                    ThrowIfError(error, fromRate, toRate);
                    produced += (long)done;
                }
            }
            finally
            {
                api.soxr_delete(soxr);
            }

            // librosa.util.fix_length: trim to outputLength, or zero-pad. The result array is fresh, so any
            // tail soxr did not write is already zero.
            if (scratch is not null)
            {
                scratch.AsSpan(0, (int)Math.Min(produced, outputLength)).CopyTo(result);
            }
        }
        finally
        {
            if (scratch is not null)
            {
                ArrayPool<float>.Shared.Return(scratch);
            }
        }

        return result;
    }

    /// <summary>
    /// librosa's output length for resampling <paramref name="inputLength"/> samples:
    /// <c>int(np.ceil(n * (float(toRate) / fromRate)))</c>.
    /// </summary>
    /// <param name="inputLength">Number of input samples.</param>
    /// <param name="fromRate">Input sample rate in Hz.</param>
    /// <param name="toRate">Output sample rate in Hz.</param>
    /// <returns>Number of output samples.</returns>
    public static long OutputLength(long inputLength, int fromRate, int toRate)
    {
        if (fromRate <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(fromRate), fromRate, "The input sample rate must be a positive number of Hz.");
        }

        if (toRate <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(toRate), toRate, "The output sample rate must be a positive number of Hz.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(inputLength);
        if (fromRate == toRate)
        {
            return inputLength;
        }

        double ratio = (double)toRate / fromRate;
        return (long)Math.Ceiling(inputLength * ratio);
    }

    private static unsafe void ThrowIfError(byte* error, int fromRate, int toRate)
    {
        if (error != null)
        {
            throw new InvalidOperationException(
                $"libsoxr failed resampling from {fromRate} Hz to {toRate} Hz: {NativeLibraryLoader.FromUtf8(error)}.");
        }
    }
}
