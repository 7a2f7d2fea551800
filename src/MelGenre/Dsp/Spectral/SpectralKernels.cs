using System;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MelGenre.Dsp;

/// <summary>
/// Per-frame kernels of librosa 0.11's spectral features on a frame-major magnitude spectrogram (<c>|stft|</c>, bins
/// <c>0 .. n_fft/2</c>). Arithmetic is in double unless a comment says that librosa's float32 rounding is reproduced
/// because the result depends on it discretely (roll-off threshold, contrast quantile means).
/// </summary>
internal static class SpectralKernels
{
    /// <summary>Smallest normal float32, librosa's <c>util.tiny</c> of a float32 spectrogram (normalisation threshold).</summary>
    public const double TinyFloat32 = 1.1754943508222875e-38;

    /// <summary><c>librosa.fft_frequencies(sr, n_fft)</c> = <c>np.fft.rfftfreq(n_fft, 1 / sr)</c>, numpy's rounding included.</summary>
    public static double[] FftFrequencies(double sampleRate, int fftSize)
    {
        int bins = (fftSize / 2) + 1;
        double d = 1.0 / sampleRate;
        double val = 1.0 / (fftSize * d);
        var f = new double[bins];
        for (int k = 0; k < bins; k++)
        {
            f[k] = k * val;
        }

        return f;
    }

    /// <summary>
    /// <c>librosa.feature.rms(S=|stft|, frame_length=n_fft)</c> of one frame: <c>sqrt(2 sum(x) / n_fft²)</c> with
    /// <c>x = |S|²</c> and the DC (and, for even n_fft, Nyquist) terms halved.
    /// </summary>
    public static double Rms(ReadOnlySpan<float> magnitude, int fftSize)
    {
        int last = magnitude.Length - 1;
        double sum = SumOfSquares(magnitude);
        double m0 = magnitude[0];
        sum -= 0.5 * m0 * m0;
        if (last > 0 && fftSize % 2 == 0)
        {
            double ml = magnitude[last];
            sum -= 0.5 * ml * ml;
        }

        return Math.Sqrt(2.0 * sum / ((double)fftSize * fftSize));
    }

    /// <summary>
    /// <c>spectral_centroid</c> of one frame: <c>sum(freq * S / sum(S))</c>; a frame whose sum is below the float32
    /// tiny value is not normalised (librosa's <c>util.normalize</c> with <c>fill=None</c>), so silence gives 0.
    /// Also returns the normaliser for <see cref="Bandwidth"/>.
    /// </summary>
    public static double Centroid(ReadOnlySpan<float> magnitude, ReadOnlySpan<double> frequencies, out double length)
    {
        int n = magnitude.Length;
        int i = 0;
        double sum = 0, weighted = 0;
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            ref float m = ref MemoryMarshal.GetReference(magnitude);
            ref double f = ref MemoryMarshal.GetReference(frequencies);
            Vector256<double> s0 = Vector256<double>.Zero, s1 = Vector256<double>.Zero;
            Vector256<double> w0 = Vector256<double>.Zero, w1 = Vector256<double>.Zero;
            for (; i <= n - 8; i += 8)
            {
                (Vector256<double> lo, Vector256<double> hi) = Vector256.Widen(Vector256.LoadUnsafe(ref m, (nuint)i));
                s0 += lo;
                s1 += hi;
                w0 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref f, (nuint)i), lo, w0);
                w1 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref f, (nuint)(i + 4)), hi, w1);
            }

            sum = Vector256.Sum(s0 + s1);
            weighted = Vector256.Sum(w0 + w1);
        }

        for (; i < n; i++)
        {
            double v = magnitude[i];
            sum += v;
            weighted += frequencies[i] * v;
        }

        length = sum < TinyFloat32 ? 1.0 : sum;
        return weighted / length;
    }

    /// <summary><c>spectral_bandwidth(p=2, norm=True)</c> of one frame: <c>sqrt(sum(S / length * (freq - centroid)²))</c>.</summary>
    public static double Bandwidth(ReadOnlySpan<float> magnitude, ReadOnlySpan<double> frequencies, double centroid, double length)
    {
        int n = magnitude.Length;
        int i = 0;
        double sum = 0;
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            ref float m = ref MemoryMarshal.GetReference(magnitude);
            ref double f = ref MemoryMarshal.GetReference(frequencies);
            Vector256<double> c = Vector256.Create(centroid);
            Vector256<double> a0 = Vector256<double>.Zero, a1 = Vector256<double>.Zero;
            for (; i <= n - 8; i += 8)
            {
                (Vector256<double> lo, Vector256<double> hi) = Vector256.Widen(Vector256.LoadUnsafe(ref m, (nuint)i));
                Vector256<double> d0 = Vector256.LoadUnsafe(ref f, (nuint)i) - c;
                Vector256<double> d1 = Vector256.LoadUnsafe(ref f, (nuint)(i + 4)) - c;
                a0 = Vector256.MultiplyAddEstimate(lo, d0 * d0, a0);
                a1 = Vector256.MultiplyAddEstimate(hi, d1 * d1, a1);
            }

            sum = Vector256.Sum(a0 + a1);
        }

        for (; i < n; i++)
        {
            double d = frequencies[i] - centroid;
            sum += magnitude[i] * (d * d);
        }

        return Math.Sqrt(sum / length);
    }

    /// <summary>
    /// <c>spectral_rolloff</c> of consecutive frames (<paramref name="destination"/>.Length of them, frame-major rows of
    /// <paramref name="bins"/>): the first bin frequency where the running sum of S reaches <c>roll_percent</c> of the
    /// total. The running sum and the threshold are float32 and sequential, as numpy's <c>cumsum</c> on a float32
    /// spectrogram, because the chosen bin depends on that rounding; four frames run side by side to hide the latency
    /// of that dependency chain.
    /// </summary>
    public static void Rolloff(ReadOnlySpan<float> magnitude, int bins, ReadOnlySpan<double> frequencies, float rollPercent, Span<float> destination)
    {
        int frames = destination.Length;
        int t = 0;
        for (; t + 4 <= frames; t += 4)
        {
            ReadOnlySpan<float> r0 = magnitude.Slice(t * bins, bins);
            ReadOnlySpan<float> r1 = magnitude.Slice((t + 1) * bins, bins);
            ReadOnlySpan<float> r2 = magnitude.Slice((t + 2) * bins, bins);
            ReadOnlySpan<float> r3 = magnitude.Slice((t + 3) * bins, bins);
            float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
            for (int k = 0; k < bins; k++)
            {
                s0 += r0[k];
                s1 += r1[k];
                s2 += r2[k];
                s3 += r3[k];
            }

            destination[t] = (float)FirstReaching(r0, frequencies, rollPercent * s0);
            destination[t + 1] = (float)FirstReaching(r1, frequencies, rollPercent * s1);
            destination[t + 2] = (float)FirstReaching(r2, frequencies, rollPercent * s2);
            destination[t + 3] = (float)FirstReaching(r3, frequencies, rollPercent * s3);
        }

        for (; t < frames; t++)
        {
            ReadOnlySpan<float> row = magnitude.Slice(t * bins, bins);
            float total = 0f;
            for (int k = 0; k < bins; k++)
            {
                total += row[k];
            }

            destination[t] = (float)FirstReaching(row, frequencies, rollPercent * total);
        }
    }

    /// <summary>The first bin frequency where the float32 running sum is not below <paramref name="threshold"/>.</summary>
    private static double FirstReaching(ReadOnlySpan<float> row, ReadOnlySpan<double> frequencies, float threshold)
    {
        float running = 0f;
        for (int k = 0; k < row.Length; k++)
        {
            running += row[k];
            if (!(running < threshold))
            {
                return frequencies[k];
            }
        }

        // Only reachable with NaN input: librosa's nanmin of an all-NaN column is NaN.
        return double.NaN;
    }

    /// <summary>
    /// Zero-crossing rate of every frame like <c>librosa.feature.zero_crossing_rate(y, frame_length, hop_length,
    /// center)</c>: the signal is edge-padded by <c>frame_length // 2</c> on both sides when centred; within each frame,
    /// position j &gt; 0 counts when the signs of samples j-1 and j differ, where values within ±1e-10 of zero (float32)
    /// count as positive; the count is divided by <c>frame_length</c> (exact in float64, like numpy's mean of booleans).
    /// </summary>
    public static void ZeroCrossingRate(ReadOnlySpan<float> y, int frameLength, int hopLength, bool center, Span<float> destination)
    {
        int pad = center ? frameLength / 2 : 0;
        long padded = y.Length + (2L * pad);
        if (y.Length == 0 || padded < frameLength)
        {
            throw new ArgumentException(
                string.Format(CultureInfo.InvariantCulture, "zero_crossing_rate needs at least frame_length = {0} samples after padding, got {1}", frameLength, padded),
                nameof(y));
        }

        int frames = (int)(1 + ((padded - frameLength) / hopLength));
        if (destination.Length != frames)
        {
            throw new ArgumentException(string.Format(CultureInfo.InvariantCulture, "destination must hold {0} frames, got {1}", frames, destination.Length), nameof(destination));
        }

        // With C(i) = number of crossings between y[j-1] and y[j] for 1 <= j <= i (edge padding never crosses), frame t
        // counts C(min(b, n-1)) - C(max(a, 0)) with a = t*hop - pad (its first sample) and b = a + frame_length - 1.
        // Both ends increase with t, so one sweep over the signal answers every query.
        var counter = new CrossingCounter(y);
        for (int t = 0; t < frames; t++)
        {
            long a = ((long)t * hopLength) - pad;
            long b = a + frameLength - 1;
            int hi = (int)Math.Clamp(b, 0, y.Length - 1);
            int lo = (int)Math.Clamp(a, 0, y.Length - 1);
            int count = counter.CountUpTo(hi) - counter.CountAt(lo);
            destination[t] = (float)((double)count / frameLength);
        }
    }

    /// <summary><c>destination[k] = values[k]²</c> in float32 (numpy's <c>S**2</c> on a float32 array).</summary>
    public static void Square(ReadOnlySpan<float> values, Span<float> destination)
    {
        if (destination.Length < values.Length)
        {
            throw new ArgumentException("destination is shorter than values.", nameof(destination));
        }

        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float src = ref MemoryMarshal.GetReference(values);
            ref float dst = ref MemoryMarshal.GetReference(destination);
            for (; i <= values.Length - 8; i += 8)
            {
                Vector256<float> v = Vector256.LoadUnsafe(ref src, (nuint)i);
                (v * v).StoreUnsafe(ref dst, (nuint)i);
            }
        }

        for (; i < values.Length; i++)
        {
            destination[i] = values[i] * values[i];
        }
    }

    private static double SumOfSquares(ReadOnlySpan<float> values)
    {
        int n = values.Length;
        int i = 0;
        double sum = 0;
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            ref float m = ref MemoryMarshal.GetReference(values);
            Vector256<double> a0 = Vector256<double>.Zero, a1 = Vector256<double>.Zero;
            for (; i <= n - 8; i += 8)
            {
                (Vector256<double> lo, Vector256<double> hi) = Vector256.Widen(Vector256.LoadUnsafe(ref m, (nuint)i));
                a0 = Vector256.MultiplyAddEstimate(lo, lo, a0);
                a1 = Vector256.MultiplyAddEstimate(hi, hi, a1);
            }

            sum = Vector256.Sum(a0 + a1);
        }

        for (; i < n; i++)
        {
            double v = values[i];
            sum += v * v;
        }

        return sum;
    }

    /// <summary>
    /// Running count of sign changes of a signal, queried at non-decreasing positions. Two sweeping cursors (one for
    /// each end of the frames) each advance monotonically, eight samples at a time with SIMD.
    /// </summary>
    private ref struct CrossingCounter
    {
        private const float Threshold = 1e-10f;

        private readonly ReadOnlySpan<float> _y;
        private int _endPosition;
        private int _endCount;
        private int _startPosition;
        private int _startCount;

        public CrossingCounter(ReadOnlySpan<float> y)
        {
            _y = y;
        }

        /// <summary>C(i) for the frame ends (non-decreasing i).</summary>
        public int CountUpTo(int i)
        {
            _endCount += Count(_y, _endPosition + 1, i);
            _endPosition = Math.Max(_endPosition, i);
            return _endCount;
        }

        /// <summary>C(i) for the frame starts (non-decreasing i).</summary>
        public int CountAt(int i)
        {
            _startCount += Count(_y, _startPosition + 1, i);
            _startPosition = Math.Max(_startPosition, i);
            return _startCount;
        }

        /// <summary>Crossings between y[j-1] and y[j] for j in [from, to].</summary>
        private static int Count(ReadOnlySpan<float> y, int from, int to)
        {
            int count = 0;
            int j = from;
            if (Vector256.IsHardwareAccelerated)
            {
                ref float p = ref MemoryMarshal.GetReference(y);
                Vector256<float> negative = Vector256.Create(-Threshold);
                for (; j + 8 <= to + 1; j += 8)
                {
                    Vector256<float> current = Vector256.LessThan(Vector256.LoadUnsafe(ref p, (nuint)j), negative);
                    Vector256<float> previous = Vector256.LessThan(Vector256.LoadUnsafe(ref p, (nuint)(j - 1)), negative);
                    count += BitOperations.PopCount((current ^ previous).ExtractMostSignificantBits());
                }
            }

            for (; j <= to; j++)
            {
                if ((y[j] < -Threshold) != (y[j - 1] < -Threshold))
                {
                    count++;
                }
            }

            return count;
        }
    }
}
