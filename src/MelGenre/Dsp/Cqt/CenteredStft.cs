using System;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MelGenre.Dsp;

/// <summary>Receives the spectra of four consecutive STFT frames at a time (see <see cref="CenteredStft"/>).</summary>
internal interface IStftQuadSink
{
    /// <summary>
    /// Called for frames <c>t0 .. t0 + count - 1</c>; lane q of <c>re[k]</c> / <c>im[k]</c> holds bin k of frame
    /// <c>t0 + q</c> (lanes at and above <paramref name="count"/> are zero frames). The spans may be modified.
    /// </summary>
    void Consume(int t0, int count, Span<Vector256<double>> re, Span<Vector256<double>> im);
}

/// <summary>
/// <c>librosa.stft(y, n_fft, hop_length, window, center=True, pad_mode="constant")</c> frame by frame: <c>n_fft // 2</c>
/// zeros on both sides, <c>1 + len // hop</c> frames for an even <c>n_fft</c>, the double-precision real FFT of
/// <see cref="FrameTransform"/> (four frames per SIMD vector). Results go to a struct sink, so nothing is stored that
/// the caller does not need.
/// </summary>
/// <remarks>
/// librosa 0.11 pads head and tail separately when they do not overlap; with zero padding that is the same signal, and
/// its frame count is <c>1 + len // hop</c> in every case (including hop &gt; n_fft / 2, the CQT's top octave).
/// Transforms are cached per size; they hold immutable plans only, so this type is thread-safe.
/// </remarks>
internal static class CenteredStft
{
    private static readonly ConcurrentDictionary<int, FrameTransform> Transforms = new();

    /// <summary>The (shared, immutable) real transform of size <paramref name="fftSize"/>.</summary>
    public static FrameTransform TransformOf(int fftSize) => Transforms.GetOrAdd(fftSize, FrameTransform.Create);

    /// <summary>Number of centred frames for an even <paramref name="fftSize"/>: <c>1 + length // hop</c>.</summary>
    public static int FrameCount(int length, int fftSize, int hop)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfLessThan(hop, 1);
        long padded = length + (2L * (fftSize / 2));
        return padded < fftSize ? 0 : (int)(1 + ((padded - fftSize) / hop));
    }

    /// <summary>Runs the STFT of <paramref name="y"/> and hands every group of four frames to <paramref name="sink"/>.</summary>
    /// <param name="y">Signal.</param>
    /// <param name="fftSize">n_fft (even).</param>
    /// <param name="hop">hop_length.</param>
    /// <param name="window">Window of <paramref name="fftSize"/> points.</param>
    /// <param name="sink">Receives the spectra.</param>
    /// <returns>The number of frames.</returns>
    public static int Run<TSink>(ReadOnlySpan<float> y, int fftSize, int hop, ReadOnlySpan<double> window, ref TSink sink)
        where TSink : struct, IStftQuadSink
    {
        FrameTransform transform = TransformOf(fftSize);
        int frames = FrameCount(y.Length, fftSize, hop);
        // 64-byte aligned scratch (pinned, so the alignment holds): unaligned 32-byte vectors split cache lines.
        double[] raw = GC.AllocateUninitializedArray<double>((4 * transform.ScratchLength) + 8, pinned: true);
        int start;
        unsafe
        {
            fixed (double* p = raw)
            {
                start = (int)((64 - ((long)p & 63)) & 63) / sizeof(double);
            }
        }

        Span<Vector256<double>> scratch = MemoryMarshal.Cast<double, Vector256<double>>(raw.AsSpan(start, 4 * transform.ScratchLength));
        var edge = new float[4 * fftSize];
        var zeros = new float[fftSize];
        int bins = transform.BinCount;
        int imOffset = transform.ImaginaryOffset;
        int half = fftSize / 2;
        for (int t0 = 0; t0 < frames; t0 += 4)
        {
            var quad = new FrameQuad(
                Frame(y, t0, frames, hop, half, fftSize, edge.AsSpan(0, fftSize), zeros),
                Frame(y, t0 + 1, frames, hop, half, fftSize, edge.AsSpan(fftSize, fftSize), zeros),
                Frame(y, t0 + 2, frames, hop, half, fftSize, edge.AsSpan(2 * fftSize, fftSize), zeros),
                Frame(y, t0 + 3, frames, hop, half, fftSize, edge.AsSpan(3 * fftSize, fftSize), zeros));
            transform.Transform(quad, window, scratch);
            sink.Consume(t0, Math.Min(4, frames - t0), scratch.Slice(0, bins), scratch.Slice(imOffset, bins));
        }

        return frames;
    }

    private static ReadOnlySpan<float> Frame(ReadOnlySpan<float> y, int t, int frames, int hop, int half, int n, Span<float> edge, float[] zeros)
    {
        if (t >= frames)
        {
            return zeros;
        }

        long begin = ((long)t * hop) - half;
        if (begin >= 0 && begin + n <= y.Length)
        {
            return y.Slice((int)begin, n);
        }

        edge.Clear();
        long from = Math.Max(0, begin);
        long to = Math.Min(y.Length, begin + n);
        if (to > from)
        {
            y.Slice((int)from, (int)(to - from)).CopyTo(edge.Slice((int)(from - begin)));
        }

        return edge;
    }
}
