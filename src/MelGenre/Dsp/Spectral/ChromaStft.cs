using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MelGenre.Dsp;

/// <summary>
/// <c>librosa.feature.chroma_stft(S=power, sr, n_chroma, tuning)</c> of librosa 0.11: the tuning estimate
/// (<c>estimate_tuning</c> = <c>piptrack</c> + <c>pitch_tuning</c>), the chroma filter bank (<c>filters.chroma</c>) and
/// the per-frame max-normalised projection.
/// </summary>
/// <remarks>
/// <para>The tuning estimate is a histogram argmax over 0.01-wide bins, a discrete output, so its inputs are rounded
/// to float32 exactly where numpy and numba round them (the parabolic shift, the pitch, the interpolated magnitude, the
/// median and the octave residual), including numba's promotion of <c>2 * x</c> to double inside the stencil.</para>
/// <para>As in librosa, <c>n_fft</c> is inferred from the spectrogram as <c>2 (bins - 1)</c>.</para>
/// <para>Immutable. The projection <see cref="Project"/> is thread-safe; tuning estimation uses the caller's buffers.</para>
/// </remarks>
internal sealed class ChromaStft
{
    private const double PiptrackMinFrequency = 150.0;
    private const double PiptrackMaxFrequency = 4000.0;
    private const float PiptrackThreshold = 0.1f;
    private const double TuningResolution = 0.01;

    private readonly int _bins;
    private readonly int _fftSize;
    private readonly double _sampleRate;
    private readonly int _firstPitchBin;
    private readonly int _endPitchBin;
    private readonly double[] _histogramEdges;

    public ChromaStft(int sampleRate, int bins, int chromaCount)
    {
        _bins = bins;
        _fftSize = 2 * (bins - 1);
        _sampleRate = sampleRate;
        ChromaCount = chromaCount;

        // piptrack's freq_mask: fmin <= fft_freqs < min(fmax, sr / 2).
        double[] freq = SpectralKernels.FftFrequencies(sampleRate, _fftSize);
        double fmax = Math.Min(PiptrackMaxFrequency, sampleRate / 2.0);
        _firstPitchBin = bins;
        _endPitchBin = 0;
        for (int k = 0; k < bins; k++)
        {
            if (freq[k] >= PiptrackMinFrequency && freq[k] < fmax)
            {
                _firstPitchBin = Math.Min(_firstPitchBin, k);
                _endPitchBin = k + 1;
            }
        }

        _histogramEdges = MelFilterBank.Linspace(-0.5, 0.5, (int)Math.Ceiling(1.0 / TuningResolution) + 1);
    }

    /// <summary>n_chroma.</summary>
    public int ChromaCount { get; }

    /// <summary>
    /// Adds the piptrack peaks of one power frame (float32 <c>|stft|²</c>) to <paramref name="pitches"/> and
    /// <paramref name="magnitudes"/>: every local maximum above 0.1 × the frame maximum with 150 Hz &lt;= f &lt; 4 kHz,
    /// its parabolically interpolated frequency and magnitude.
    /// </summary>
    public void AddPeaks(ReadOnlySpan<float> power, List<float> pitches, List<float> magnitudes)
    {
        float reference = PiptrackThreshold * Max(power);
        int from = Math.Max(_firstPitchBin, 1);
        int k = from;
        if (Vector256.IsHardwareAccelerated)
        {
            // A peak needs S[k] > ref (else it is thresholded to 0 and cannot exceed its neighbour): test 8 bins at once.
            ref float p = ref MemoryMarshal.GetReference(power);
            Vector256<float> threshold = Vector256.Create(reference);
            for (; k + 8 <= _endPitchBin; k += 8)
            {
                uint mask = Vector256.GreaterThan(Vector256.LoadUnsafe(ref p, (nuint)k), threshold).ExtractMostSignificantBits();
                while (mask != 0)
                {
                    TryPeak(power, k + BitOperations.TrailingZeroCount(mask), reference, pitches, magnitudes);
                    mask &= mask - 1;
                }
            }
        }

        for (; k < _endPitchBin; k++)
        {
            TryPeak(power, k, reference, pitches, magnitudes);
        }
    }

    /// <summary>Adds bin <paramref name="k"/> (&gt;= 1) if it is a peak of the thresholded frame.</summary>
    private void TryPeak(ReadOnlySpan<float> power, int k, float reference, List<float> pitches, List<float> magnitudes)
    {
        int last = power.Length - 1;

        // localmax of S * (S > ref): x[k] > x[k-1] and x[k] >= x[k+1] (the last bin: x[k] > x[k-1]).
        float x = power[k] > reference ? power[k] : 0f;
        float xm = power[k - 1] > reference ? power[k - 1] : 0f;
        if (!(x > xm))
        {
            return;
        }

        if (k < last)
        {
            float xp = power[k + 1] > reference ? power[k + 1] : 0f;
            if (!(x >= xp))
            {
                return;
            }
        }

        float shift = 0f, avg;
        if (k < last)
        {
            shift = ParabolicShift(power[k - 1], power[k], power[k + 1]);
            avg = (power[k + 1] - power[k - 1]) / 2f;
        }
        else
        {
            avg = power[k] - power[k - 1];
        }

        float dskew = 0.5f * avg * shift;
        pitches.Add((float)((k + (double)shift) * _sampleRate / _fftSize));
        magnitudes.Add(power[k] + dskew);
    }

    /// <summary>
    /// <c>estimate_tuning</c>'s result from all peaks of a clip: the pitches whose magnitude reaches the median peak
    /// magnitude, their deviation from the equal-tempered grid (in bins), and the left edge of the most populated 0.01-wide
    /// histogram bin. 0 when there is no peak (librosa warns and returns 0.0 too).
    /// </summary>
    public double EstimateTuning(List<float> pitches, List<float> magnitudes)
    {
        var valid = new List<float>(magnitudes.Count);
        for (int i = 0; i < pitches.Count; i++)
        {
            if (pitches[i] > 0f)
            {
                valid.Add(magnitudes[i]);
            }
        }

        if (valid.Count == 0)
        {
            return 0.0;
        }

        float threshold = MedianFloat32(CollectionsMarshal.AsSpan(valid));
        var counts = new int[_histogramEdges.Length - 1];
        int selected = 0;
        for (int i = 0; i < pitches.Count; i++)
        {
            float f = pitches[i];
            if (!(f > 0f) || !(magnitudes[i] >= threshold))
            {
                continue;
            }

            // residual = mod(n_chroma * log2(f / 27.5), 1) in float32; values >= 0.5 wrap to the next tone.
            float octs = (float)Math.Log2((float)(f / 27.5));
            float bins = ChromaCount * octs;
            float residual = bins - MathF.Floor(bins);
            if (residual >= 0.5f)
            {
                residual -= 1f;
            }

            int bin = HistogramBin(residual);
            if (bin >= 0)
            {
                counts[bin]++;
                selected++;
            }
        }

        if (selected == 0)
        {
            return _histogramEdges[0];
        }

        int best = 0;
        for (int i = 1; i < counts.Length; i++)
        {
            if (counts[i] > counts[best])
            {
                best = i;
            }
        }

        return _histogramEdges[best];
    }

    /// <summary>
    /// <c>librosa.filters.chroma(sr, n_fft, n_chroma, tuning, ctroct=5, octwidth=2, norm=2, base_c=True)</c> restricted
    /// to the spectrogram's bins, float32, row-major <c>[chroma, bin]</c>.
    /// </summary>
    public float[] FilterBank(double tuning)
    {
        int n = _fftSize;
        int nChroma = ChromaCount;
        int columns = _bins;
        double a440 = 440.0 * Math.Pow(2.0, tuning / nChroma);

        // frqbins for FFT bins 1 .. columns (one past the kept columns, for the bin widths); bin 0 is made up.
        var frqbins = new double[columns + 1];
        double step = _sampleRate / n;
        for (int i = 1; i <= Math.Min(columns, n - 1); i++)
        {
            double f = i * step;
            frqbins[i] = nChroma * Math.Log2(f / (a440 / 16));
        }

        if (columns >= n)
        {
            // Only for n_fft <= 2: keep widths finite (librosa's arrays end here).
            frqbins[columns] = frqbins[columns - 1] + 1;
        }

        frqbins[0] = frqbins[1] - (1.5 * nChroma);
        double half = Math.Round(nChroma / 2.0, MidpointRounding.ToEven);
        int roll = 3 * (nChroma / 12);
        var weights = new double[nChroma];
        var fb = new float[nChroma * columns];
        for (int i = 0; i < columns; i++)
        {
            double width = i + 1 < n ? Math.Max(frqbins[i + 1] - frqbins[i], 1.0) : 1.0;
            double sumSquares = 0;
            for (int c = 0; c < nChroma; c++)
            {
                double d = frqbins[i] - c + half + (10 * nChroma);
                d = (d % nChroma) - half;
                double z = 2 * d / width;
                double w = Math.Exp(-0.5 * (z * z));
                weights[c] = w;
                sumSquares += w * w;
            }

            double length = Math.Pow(sumSquares, 0.5);
            if (length < 2.2250738585072014e-308)
            {
                // Below numpy's tiny (2.2e-308): left unnormalised.
                length = 1.0;
            }

            double octave = (frqbins[i] / nChroma) - 5.0;
            octave /= 2.0;
            double scale = Math.Exp(-0.5 * (octave * octave));
            for (int c = 0; c < nChroma; c++)
            {
                int row = ((c - roll) % nChroma + nChroma) % nChroma;
                fb[(row * columns) + i] = (float)(weights[c] / length * scale);
            }
        }

        return fb;
    }

    /// <summary>
    /// One frame of chroma: <c>raw = fb · power</c> (float32 products, float32 accumulation as BLAS does), then divided by
    /// its largest value unless that is below the float32 tiny value.
    /// </summary>
    public void Project(float[] filterBank, ReadOnlySpan<float> power, Span<float> chroma)
    {
        int columns = _bins;
        double max = 0;
        for (int c = 0; c < ChromaCount; c++)
        {
            float raw = Dot(filterBank.AsSpan(c * columns, columns), power);
            chroma[c] = raw;
            max = Math.Max(max, Math.Abs((double)raw));
        }

        double length = max < SpectralKernels.TinyFloat32 ? 1.0 : max;
        for (int c = 0; c < ChromaCount; c++)
        {
            chroma[c] = (float)(chroma[c] / length);
        }
    }

    /// <summary>Largest value (<c>np.max</c> of a NaN-free frame).</summary>
    internal static float Max(ReadOnlySpan<float> values)
    {
        int i = 0;
        float max = float.NegativeInfinity;
        if (Vector256.IsHardwareAccelerated && values.Length >= 8)
        {
            ref float p = ref MemoryMarshal.GetReference(values);
            Vector256<float> m = Vector256.Create(float.NegativeInfinity);
            for (; i <= values.Length - 8; i += 8)
            {
                m = Vector256.Max(m, Vector256.LoadUnsafe(ref p, (nuint)i));
            }

            for (int lane = 0; lane < 8; lane++)
            {
                max = Math.Max(max, m.GetElement(lane));
            }
        }

        for (; i < values.Length; i++)
        {
            max = Math.Max(max, values[i]);
        }

        return max;
    }

    /// <summary>Dot product of two float32 vectors with float32 SIMD accumulation (as BLAS sdot).</summary>
    internal static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int n = a.Length;
        int i = 0;
        float sum = 0f;
        if (Vector256.IsHardwareAccelerated && n >= 16)
        {
            ref float pa = ref MemoryMarshal.GetReference(a);
            ref float pb = ref MemoryMarshal.GetReference(b);
            Vector256<float> acc0 = Vector256<float>.Zero, acc1 = Vector256<float>.Zero;
            for (; i <= n - 16; i += 16)
            {
                acc0 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref pa, (nuint)i), Vector256.LoadUnsafe(ref pb, (nuint)i), acc0);
                acc1 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref pa, (nuint)(i + 8)), Vector256.LoadUnsafe(ref pb, (nuint)(i + 8)), acc1);
            }

            sum = Vector256.Sum(acc0 + acc1);
        }

        for (; i < n; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    /// <summary>
    /// numba's <c>_pi_stencil</c> on float32 input: <c>a = x[1] + x[-1] - 2 * x[0]</c> (the sum in float32, the rest in
    /// double because <c>2 * x</c> is int64 × float32), <c>b = (x[1] - x[-1]) / 2</c> (float32 difference, double
    /// quotient), 0 when <c>|b| &gt;= |a|</c>, else <c>-b / a</c> stored as float32.
    /// </summary>
    private static float ParabolicShift(float previous, float current, float next)
    {
        double a = (double)(next + previous) - (2.0 * current);
        double b = (double)(next - previous) / 2.0;
        if (Math.Abs(b) >= Math.Abs(a))
        {
            return 0f;
        }

        return (float)(-b / a);
    }

    /// <summary>numpy's median of float32 values: the middle value, or the float32 mean of the two middle values.</summary>
    private static float MedianFloat32(Span<float> values)
    {
        int n = values.Length;
        int upper = n / 2;
        float hi = Selection.Select(values, upper);
        if (n % 2 == 1)
        {
            return hi;
        }

        // After selection, values[..upper] are <= hi: the lower middle is their maximum.
        float lo = float.NegativeInfinity;
        for (int i = 0; i < upper; i++)
        {
            lo = Math.Max(lo, values[i]);
        }

        return (lo + hi) / 2f;
    }

    /// <summary>numpy.histogram's bin of <paramref name="value"/> for the edges (left-closed, the last bin closed), or -1 outside.</summary>
    private int HistogramBin(float value)
    {
        double v = value;
        double[] edges = _histogramEdges;
        if (!(v >= edges[0]) || v > edges[^1])
        {
            return -1;
        }

        int lo = 0, hi = edges.Length - 1;

        // Largest i with edges[i] <= v.
        while (hi - lo > 1)
        {
            int mid = (lo + hi) >> 1;
            if (edges[mid] <= v)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        if (v >= edges[^1])
        {
            return edges.Length - 2;
        }

        return lo;
    }
}
