using System;

namespace MelGenre.Dsp;

/// <summary>
/// Where librosa's STFT frames start and which sample stands at each position outside the signal, reproducing
/// librosa 0.11 <c>stft</c> padding exactly (numpy <c>pad</c> semantics included).
/// </summary>
internal readonly struct FrameGeometry
{
    private readonly int _length;
    private readonly bool _reflect;

    public FrameGeometry(int length, int fftSize, int hop, bool center, bool reflect)
    {
        FftSize = fftSize;
        Hop = hop;
        Pad = center ? fftSize / 2 : 0;
        _length = length;
        _reflect = reflect;

        // librosa 0.11 stft(center=True) pads head and tail separately when they do not overlap (tail_k > start_k).
        // The tail is then np.pad(y[tail_k * hop - n_fft // 2:], (0, n_fft // 2)), which reflects within that slice
        // only: this differs from reflecting the whole signal when the slice is not longer than the padding. The head
        // slice is always longer than the padding, so whole-signal reflection is exact there.
        int half = fftSize / 2;
        int startK = (half + hop - 1) / hop;
        long tailK = FloorDiv((long)length + half - fftSize, hop) + 1;
        TailSliceStart = center && tailK > startK ? (int)((tailK * hop) - half) : 0;
    }

    /// <summary>n_fft.</summary>
    public int FftSize { get; }

    /// <summary>hop_length.</summary>
    public int Hop { get; }

    /// <summary>Samples of padding before the signal (n_fft // 2 when centred, else 0).</summary>
    public int Pad { get; }

    /// <summary>Start of the slice that the right padding reflects (0 when librosa pads the whole signal at once).</summary>
    public int TailSliceStart { get; }

    /// <summary>Index in the signal of the first sample of frame <paramref name="t"/> (negative inside the left padding).</summary>
    public long FrameStart(int t) => ((long)t * Hop) - Pad;

    /// <summary>Sample at signal index <paramref name="i"/> of the conceptually padded signal.</summary>
    public float SampleAt(ReadOnlySpan<float> samples, long i)
    {
        if (i >= 0 && i < _length)
        {
            return samples[(int)i];
        }

        if (!_reflect)
        {
            return 0f;
        }

        return i < 0
            ? samples[ReflectIndex(i, 0, _length)]
            : samples[ReflectIndex(i, TailSliceStart, _length - TailSliceStart)];
    }

    /// <summary>
    /// numpy 'reflect' source index for position <paramref name="i"/> around the segment <c>[start, start + count)</c>:
    /// reflection without repeating the edge, periodic with period <c>2 (count - 1)</c> (numpy keeps reflecting when the
    /// padding is longer than the segment); a single-sample segment is repeated (numpy's legacy behaviour).
    /// </summary>
    public static int ReflectIndex(long i, int start, int count)
    {
        if (count <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "Cannot reflect an empty segment.");
        }

        if (count == 1)
        {
            return start;
        }

        long period = 2L * (count - 1);
        long local = (i - start) % period;
        if (local < 0)
        {
            local += period;
        }

        if (local >= count)
        {
            local = period - local;
        }

        return start + (int)local;
    }

    /// <summary><c>numpy.pad(y, (left, right), mode)</c> for the two modes librosa's stft uses.</summary>
    public static float[] NumpyPad(ReadOnlySpan<float> y, int left, int right, PadMode mode)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(left);
        ArgumentOutOfRangeException.ThrowIfNegative(right);
        var result = new float[left + y.Length + right];
        if (mode == PadMode.Constant)
        {
            y.CopyTo(result.AsSpan(left));
            return result;
        }

        if (y.IsEmpty && left + right > 0)
        {
            throw new ArgumentException("numpy cannot reflect-pad an empty array.", nameof(y));
        }

        for (int p = 0; p < result.Length; p++)
        {
            long i = p - left;
            result[p] = i >= 0 && i < y.Length ? y[(int)i] : y[ReflectIndex(i, 0, y.Length)];
        }

        return result;
    }

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : -((-a + b - 1) / b);
}
