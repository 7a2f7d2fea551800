using System;
using System.Collections.Generic;
using System.Runtime.Intrinsics;

namespace MelGenre.Dsp;

/// <summary>
/// <c>librosa.estimate_tuning(y=y, sr=sr, bins_per_octave=...)</c> of librosa 0.11 with its defaults (what
/// <c>librosa.cqt(tuning=None)</c> calls): <c>piptrack</c> on <c>|stft(y, n_fft=2048, hop_length=512, window="hann",
/// center=True, pad_mode="constant")|</c> with <c>fmin=150, fmax=4000, threshold=0.1</c>, the peaks whose magnitude
/// reaches the median, then <c>pitch_tuning</c>: the peak of a histogram (101 edges from -0.5 to 0.5) of the deviations
/// of the peak frequencies from the equal-tempered grid, in fractions of a bin.
/// </summary>
/// <remarks>
/// The result is discrete (a histogram edge), so it is reproduced exactly when the same peaks fall into the same
/// histogram bins. librosa computes in float32 from the (double-precision) FFT rounded to complex64; every float32
/// step is repeated here in float32 and in the same order (the STFT rounded to complex64 before the magnitude,
/// numba's mixed float32/float64 parabolic interpolation, float32 <c>log2</c> of the frequency ratio, and so on), so
/// a peak can only change bins when it lies within an ulp of a histogram edge.
/// </remarks>
internal static class TuningEstimator
{
    private const int FftSize = 2048;
    private const int Hop = 512;
    private const double MinFrequency = 150.0;
    private const double MaxFrequency = 4000.0;
    private const float PeakThreshold = 0.1f;

    /// <summary>Estimated tuning deviation from A440 in fractions of a bin (a multiple of 0.01 in [-0.5, 0.5]).</summary>
    /// <param name="y">Mono signal.</param>
    /// <param name="sampleRate">Its sampling rate in Hz.</param>
    /// <param name="binsPerOctave">Bins per octave of the grid (12 for the CQT of FMA).</param>
    /// <returns>The tuning; 0 when no peak is found (silence), like librosa.</returns>
    public static double EstimateTuning(ReadOnlySpan<float> y, double sampleRate, int binsPerOctave = 12)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(sampleRate, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(binsPerOctave, 1);
        (float[] pitches, float[] mags, int count) = Piptrack(y, sampleRate);
        float threshold = count == 0 ? 0f : Median(mags.AsSpan(0, count));
        var selected = new List<float>(count);
        for (int i = 0; i < count; i++)
        {
            if (mags[i] >= threshold && pitches[i] > 0)
            {
                selected.Add(pitches[i]);
            }
        }

        return PitchTuning(selected, binsPerOctave);
    }

    /// <summary>
    /// The non-zero entries of librosa's <c>piptrack</c> (every bin of every frame that is a thresholded local maximum
    /// between fmin and fmax): interpolated pitch in Hz and interpolated magnitude, both float32 as in librosa.
    /// </summary>
    internal static (float[] Pitches, float[] Magnitudes, int Count) Piptrack(ReadOnlySpan<float> y, double sampleRate)
    {
        double[] window = WindowFunctions.Create(WindowType.Hann, FftSize);
        var sink = new PiptrackSink(sampleRate);
        CenteredStft.Run(y, FftSize, Hop, window, ref sink);
        return (sink.Pitches, sink.Mags, sink.Count);
    }

    /// <summary>
    /// <c>librosa.pitch_tuning(frequencies, resolution=0.01, bins_per_octave)</c>: the left edge of the fullest histogram
    /// bin of the residuals <c>mod(bins_per_octave * log2(f / 27.5), 1)</c>, folded into [-0.5, 0.5).
    /// </summary>
    internal static double PitchTuning(IReadOnlyList<float> frequencies, int binsPerOctave)
    {
        // np.linspace(-0.5, 0.5, int(np.ceil(1.0 / resolution)) + 1): edges[i] = i * 0.01 + (-0.5), last edge 0.5.
        double[] edges = MelFilterBank.Linspace(-0.5, 0.5, 101);
        var counts = new int[edges.Length - 1];
        int total = 0;
        float bins = binsPerOctave;
        for (int i = 0; i < frequencies.Count; i++)
        {
            float f = frequencies[i];
            if (!(f > 0))
            {
                continue;
            }

            // hz_to_octs in float32: log2(f / (440 / 16)); then bins_per_octave * octs, np.mod(., 1.0).
            float octs = MathF.Log2(f / 27.5f);
            float residual = (bins * octs) % 1.0f;
            if (residual < 0)
            {
                residual += 1.0f;
            }

            if (residual >= 0.5f)
            {
                residual -= 1.0f;
            }

            // np.histogram with explicit edges: bin i holds edges[i] <= r < edges[i + 1], the last bin includes 0.5.
            double r = residual;
            int b = HistogramBin(edges, r);
            if (b >= 0)
            {
                counts[b]++;
                total++;
            }
        }

        if (total == 0)
        {
            // No positive frequency: librosa warns and returns 0.0.
            return 0.0;
        }

        int best = 0;
        for (int i = 1; i < counts.Length; i++)
        {
            if (counts[i] > counts[best])
            {
                best = i;
            }
        }

        return edges[best];
    }

    private static int HistogramBin(double[] edges, double r)
    {
        int last = edges.Length - 1;
        if (!(r >= edges[0] && r <= edges[last]))
        {
            return -1;
        }

        if (r == edges[last])
        {
            return last - 1;
        }

        // Binary search for the last edge <= r (edges are increasing).
        int lo = 0, hi = last;
        while (hi - lo > 1)
        {
            int mid = (lo + hi) >> 1;
            if (edges[mid] <= r)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    /// <summary>np.median of float32 values (mean of the two middle values, in float32, for an even count).</summary>
    private static float Median(Span<float> values)
    {
        float[] copy = values.ToArray();
        int n = copy.Length;
        int upper = n / 2;
        float hi = Selection.Select(copy, upper);
        if (n % 2 == 1)
        {
            return hi;
        }

        float lo = float.NegativeInfinity;
        for (int i = 0; i < upper; i++)
        {
            lo = Math.Max(lo, copy[i]);
        }

        return (lo + hi) / 2f;
    }

    /// <summary>Collects piptrack's peaks frame by frame from the STFT.</summary>
    private struct PiptrackSink : IStftQuadSink
    {
        private readonly double _sampleRate;
        private readonly int _kMin;
        private readonly int _kMax;
        private readonly int _bins;
        private readonly float[] _s;
        private readonly float[] _masked;

        public PiptrackSink(double sampleRate)
        {
            _sampleRate = sampleRate;
            int bins = (FftSize / 2) + 1;
            _bins = bins;
            _s = new float[4 * bins];
            _masked = new float[bins];

            // fft_frequencies = np.fft.rfftfreq(n_fft, d=1/sr) = k * (1 / (n_fft * (1 / sr))); fmin <= f < fmax.
            double fmax = Math.Min(MaxFrequency, sampleRate / 2);
            double val = 1.0 / (FftSize * (1.0 / sampleRate));
            _kMin = bins;
            _kMax = -1;
            for (int k = 0; k < bins; k++)
            {
                double f = k * val;
                if (MinFrequency <= f && f < fmax)
                {
                    _kMin = Math.Min(_kMin, k);
                    _kMax = Math.Max(_kMax, k);
                }
            }

            Pitches = new float[1024];
            Mags = new float[1024];
            Count = 0;
        }

        public float[] Pitches;
        public float[] Mags;
        public int Count;

        public void Consume(int t0, int count, Span<Vector256<double>> re, Span<Vector256<double>> im)
        {
            // librosa's STFT is stored as complex64, then np.abs (hypotf, computed in double) gives float32: round both
            // parts of the four frames, take the magnitude in double, round it.
            float[] s = _s;
            int n = _bins;

            // The frame maximum needs every bin, but float(sqrt(.)) is monotonic: take the largest squared magnitude
            // and its square root once; the magnitudes themselves are only needed around the fmin..fmax bins.
            Vector256<double> maxSquare = Vector256<double>.Zero;
            int from = Math.Max(0, _kMin - 1), to = Math.Min(n - 1, _kMax + 1);
            for (int k = 0; k < n; k++)
            {
                (Vector256<double> r, Vector256<double> i) = Vector256.Widen(Vector256.Narrow(re[k], im[k]));
                Vector256<double> square = (r * r) + (i * i);
                maxSquare = Vector256.Max(maxSquare, square);
                if (k >= from && k <= to)
                {
                    Vector256<double> mag = Vector256.Sqrt(square);
                    Vector128<float> m32 = Vector256.Narrow(mag, mag).GetLower();
                    s[k] = m32.GetElement(0);
                    s[n + k] = m32.GetElement(1);
                    s[(2 * n) + k] = m32.GetElement(2);
                    s[(3 * n) + k] = m32.GetElement(3);
                }
            }

            Vector256<double> maxMag = Vector256.Sqrt(maxSquare);
            Vector128<float> max = Vector256.Narrow(maxMag, maxMag).GetLower();

            for (int q = 0; q < count; q++)
            {
                Frame(s.AsSpan(q * n, n), max.GetElement(q));
            }
        }

        /// <summary>One frame's peaks; <paramref name="max"/> is the frame's largest magnitude (magnitudes are non-negative).</summary>
        private void Frame(ReadOnlySpan<float> s, float max)
        {
            int n = s.Length;

            // ref_value = threshold * np.max(S, axis=-2), in float32; localmax over S * (S > ref_value).
            float refValue = PeakThreshold * max;
            float[] m = _masked;
            int from = Math.Max(0, _kMin - 1), to = Math.Min(n - 1, _kMax + 1);
            for (int k = from; k <= to; k++)
            {
                m[k] = s[k] > refValue ? s[k] : 0f;
            }

            for (int k = _kMin; k <= _kMax; k++)
            {
                bool peak = k == 0 ? false : k == n - 1 ? m[k] > m[k - 1] : m[k] > m[k - 1] && m[k] >= m[k + 1];
                if (!peak)
                {
                    continue;
                }

                float shift = 0f;
                float avg;
                if (k == 0)
                {
                    avg = s[1] - s[0];
                }
                else if (k == n - 1)
                {
                    avg = s[k] - s[k - 1];
                }
                else
                {
                    // numba stencil: float32 sums, mixed with float64 through the integer constants.
                    double a = (double)(s[k + 1] + s[k - 1]) - (2.0 * s[k]);
                    double b = (double)(s[k + 1] - s[k - 1]) / 2.0;
                    shift = Math.Abs(b) >= Math.Abs(a) ? 0f : (float)(-b / a);
                    avg = (s[k + 1] - s[k - 1]) / 2f;
                }

                float dskew = 0.5f * avg * shift;
                float pitch = (float)((k + (double)shift) * _sampleRate / FftSize);
                float mag = s[k] + dskew;
                if (Count == Pitches.Length)
                {
                    Array.Resize(ref Pitches, 2 * Count);
                    Array.Resize(ref Mags, 2 * Count);
                }

                Pitches[Count] = pitch;
                Mags[Count] = mag;
                Count++;
            }
        }
    }
}
