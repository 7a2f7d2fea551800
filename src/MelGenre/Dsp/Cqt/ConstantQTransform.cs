using System;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using MelGenre.Audio;

namespace MelGenre.Dsp;

/// <summary>
/// The constant-Q transform magnitude <c>np.abs(librosa.cqt(y, sr, hop_length, fmin, n_bins, bins_per_octave,
/// tuning))</c> of librosa 0.11 with its defaults (<c>filter_scale=1, norm=1, sparsity=0.01, window="hann",
/// scale=True, pad_mode="constant", res_type="soxr_hq"</c>), for one sampling rate and one tuning.
/// </summary>
/// <remarks>
/// <para><b>Algorithm (librosa's <c>vqt</c> with <c>gamma=0</c>).</b> Frequencies <c>fmin 2^(k / bpo)</c> with
/// <c>fmin = C1 · 2^(tuning / bpo)</c>; relative bandwidths from the log-frequency spacing; filter lengths
/// <c>Q sr / f</c>. When the top filter's cutoff leaves room and the hop has enough factors of two, the signal is first
/// downsampled ("early downsampling", 44.1 kHz to 22.05 kHz for FMA's settings). Then octave by octave from the top:
/// the 12 filters of the octave (Hann-windowed complex exponentials, L1-normalised, centred in a power-of-two FFT
/// length, scaled by <c>length / n_fft</c>, transformed, sparsified to 99 % of each row's L1 mass and rounded to
/// complex64) are applied to <c>stft(y, n_fft, hop, window="ones")</c> of the current signal; then the hop is halved
/// and the signal is resampled by 1/2 (libsoxr HQ through <see cref="Resampler"/>, scaled by <c>sqrt 2</c> as
/// librosa's <c>resample(scale=True)</c>). Octaves are stacked, trimmed to the shortest and divided by
/// <c>sqrt(length)</c>.</para>
/// <para><b>Precision.</b> librosa rounds the filters and the STFT to complex64 and accumulates the sparse products in
/// complex64 (scipy's CSR kernel); the same roundings and the same float32 accumulation order are reproduced here, so
/// the result differs from librosa's only where a double-precision intermediate (the FFTs, cos/sin, the filter norm)
/// rounds to a different float32 neighbour.</para>
/// <para>Immutable; <see cref="ComputeMagnitude(ReadOnlySpan{float}, float[])"/> is thread-safe.</para>
/// </remarks>
internal sealed class ConstantQTransform
{
    /// <summary>librosa's <c>window_bandwidth("hann")</c> (its tabulated value).</summary>
    private const double HannBandwidth = 1.50018310546875;

    /// <summary>librosa's <c>sparsity</c> default: the quantile of each filter's L1 mass dropped.</summary>
    private const double Sparsity = 0.01;

    /// <summary><c>np.finfo(np.float64).tiny</c>, librosa's normalisation threshold for the float64 filters.</summary>
    private const double TinyDouble = 2.2250738585072014e-308;

    private readonly Octave[] _octaves;
    private readonly double[] _sqrtLengths;

    /// <summary>Creates the transform.</summary>
    /// <param name="sampleRate">Sampling rate of the input in Hz.</param>
    /// <param name="tuning">Tuning deviation in fractions of a bin (see <see cref="TuningEstimator"/>).</param>
    /// <param name="hopLength">hop_length (512 in FMA).</param>
    /// <param name="binCount">n_bins (84 in FMA).</param>
    /// <param name="binsPerOctave">bins_per_octave (12 in FMA).</param>
    /// <param name="minFrequency">fmin before tuning; null is librosa's default C1.</param>
    /// <exception cref="ArgumentException">The top filter would exceed the Nyquist frequency, or an argument is out of range.</exception>
    public ConstantQTransform(double sampleRate, double tuning, int hopLength = 512, int binCount = 84, int binsPerOctave = 12, double? minFrequency = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(sampleRate, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(hopLength, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(binCount, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(binsPerOctave, 1);
        SampleRate = sampleRate;
        Tuning = tuning;
        HopLength = hopLength;
        BinCount = binCount;
        BinsPerOctave = binsPerOctave;

        int octaves = (binCount + binsPerOctave - 1) / binsPerOctave;
        int filtersPerOctave = Math.Min(binsPerOctave, binCount);
        double fmin = (minFrequency ?? C1) * Math.Pow(2.0, tuning / binsPerOctave);
        Frequencies = Frequencies_(fmin, binCount, binsPerOctave);
        double[] alpha = RelativeBandwidth(Frequencies);

        // wavelet_lengths: Q = filter_scale / alpha, cutoff = max(f (1 + 0.5 bw / Q)), lengths = Q sr / f.
        double cutoff = double.NegativeInfinity;
        for (int k = 0; k < binCount; k++)
        {
            double q = 1.0 / alpha[k];
            cutoff = Math.Max(cutoff, (Frequencies[k] * (1 + (0.5 * HannBandwidth / q))) + 0.0);
        }

        double nyquist = sampleRate / 2.0;
        if (cutoff > nyquist)
        {
            throw new ArgumentException(string.Format(
                CultureInfo.InvariantCulture,
                "Wavelet basis with max frequency={0} would exceed the Nyquist frequency={1}. Try reducing the number of frequency bins.",
                Frequencies[^1],
                nyquist));
        }

        // __early_downsample_count.
        int count1 = Math.Max(0, (int)Math.Ceiling(Math.Log2(nyquist / cutoff)) - 1 - 1);
        int count2 = Math.Max(0, TwoFactors(hopLength) - octaves + 1);
        int early = Math.Min(count1, count2);
        EarlyFactor = 1 << early;
        double sr = sampleRate / EarlyFactor;
        int hop = hopLength / EarlyFactor;
        ScaledSampleRate = sr;

        _octaves = new Octave[octaves];
        double mySr = sr;
        int myHop = hop;
        for (int i = 0; i < octaves; i++)
        {
            int end = binCount - (filtersPerOctave * i);
            int start = Math.Max(0, end - filtersPerOctave);
            bool halve = myHop % 2 == 0;
            _octaves[i] = new Octave(
                start,
                Frequencies.AsSpan(start, end - start),
                alpha.AsSpan(start, end - start),
                mySr,
                myHop,
                Math.Sqrt(sr / mySr),
                halve && i < octaves - 1);
            if (halve)
            {
                myHop /= 2;
                mySr /= 2.0;
            }
        }

        // scale=True: divide by sqrt(lengths) at the (early-downsampled) rate.
        _sqrtLengths = new double[binCount];
        for (int k = 0; k < binCount; k++)
        {
            _sqrtLengths[k] = Math.Sqrt((1.0 / alpha[k]) * sr / Frequencies[k]);
        }
    }

    /// <summary>librosa's default fmin, <c>note_to_hz("C1") = 440 · 2^((24 - 69) / 12)</c>.</summary>
    public static double C1 { get; } = 440.0 * Math.Pow(2.0, (24 - 69.0) / 12.0);

    /// <summary>Input sampling rate in Hz.</summary>
    public double SampleRate { get; }

    /// <summary>Tuning in fractions of a bin.</summary>
    public double Tuning { get; }

    /// <summary>hop_length.</summary>
    public int HopLength { get; }

    /// <summary>n_bins.</summary>
    public int BinCount { get; }

    /// <summary>bins_per_octave.</summary>
    public int BinsPerOctave { get; }

    /// <summary>Centre frequencies of the bins in Hz (tuning applied).</summary>
    public double[] Frequencies { get; }

    /// <summary>Early downsampling factor (1 when there is none; 2 for 44.1 kHz with FMA's settings).</summary>
    public int EarlyFactor { get; }

    /// <summary>Sampling rate after early downsampling, the rate of the <c>sqrt(length)</c> scaling.</summary>
    public double ScaledSampleRate { get; }

    /// <summary>Number of stored filter coefficients over all octaves (the sparse basis' size).</summary>
    public int NonZeroCount
    {
        get
        {
            int n = 0;
            foreach (Octave o in _octaves)
            {
                n += o.Cols.Length;
            }

            return n;
        }
    }

    /// <summary>Number of CQT frames for <paramref name="sampleCount"/> input samples (librosa's stack trimmed to its shortest octave).</summary>
    public int GetFrameCount(int sampleCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sampleCount);
        long length = sampleCount;
        if (EarlyFactor > 1)
        {
            length = Resampler.OutputLength(length, EarlyFactor, 1);
        }

        int frames = int.MaxValue;
        foreach (Octave o in _octaves)
        {
            frames = Math.Min(frames, CenteredStft.FrameCount((int)length, o.FftSize, o.Hop));
            if (o.HalveAfter)
            {
                length = Resampler.OutputLength(length, 2, 1);
            }
        }

        return frames;
    }

    /// <summary>Writes <c>|CQT|</c>, row-major <c>[bin, frame]</c> as librosa returns it, to <paramref name="destination"/>.</summary>
    /// <param name="samples">Mono signal at <see cref="SampleRate"/>.</param>
    /// <param name="destination">Exactly <c>BinCount * GetFrameCount(samples.Length)</c> values.</param>
    /// <exception cref="ArgumentException">Wrong destination size, or a signal too short for early downsampling.</exception>
    public void ComputeMagnitude(ReadOnlySpan<float> samples, Span<float> destination)
    {
        var output = new float[destination.Length];
        ComputeMagnitude(samples, output);
        output.CopyTo(destination);
    }

    /// <summary>Writes <c>|CQT|</c>, row-major <c>[bin, frame]</c>, straight into <paramref name="destination"/> (no copy).</summary>
    /// <param name="samples">Mono signal at <see cref="SampleRate"/>.</param>
    /// <param name="destination">Exactly <c>BinCount * GetFrameCount(samples.Length)</c> values.</param>
    /// <exception cref="ArgumentException">Wrong destination size, or a signal too short for early downsampling.</exception>
    public void ComputeMagnitude(ReadOnlySpan<float> samples, float[] destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        int frames = GetFrameCount(samples.Length);
        if (destination.Length != (long)BinCount * frames)
        {
            throw new ArgumentException(string.Format(CultureInfo.InvariantCulture, "destination must hold {0} bins * {1} frames, got {2}", BinCount, frames, destination.Length), nameof(destination));
        }

        if (samples.Length < EarlyFactor)
        {
            throw new ArgumentException(string.Format(CultureInfo.InvariantCulture, "Input signal length={0} is too short for {1}-octave CQT", samples.Length, _octaves.Length), nameof(samples));
        }

        float[]? owned = EarlyFactor > 1 ? HalveRate(samples, EarlyFactor) : null;
        ReadOnlySpan<float> y = owned ?? samples;
        foreach (Octave o in _octaves)
        {
            var sink = new ResponseSink(o, destination, frames, _sqrtLengths);
            CenteredStft.Run(y, o.FftSize, o.Hop, o.Ones, ref sink);
            if (o.HalveAfter)
            {
                owned = HalveRate(y, 2);
                y = owned;
            }
        }
    }

    /// <summary>
    /// <c>librosa.resample(y, orig_sr=factor, target_sr=1, res_type="soxr_hq", scale=True)</c>: soxr HQ, then
    /// <c>y /= np.sqrt(1 / factor)</c> in float32 (numpy 1.x casts the float64 scalar to the array's float32).
    /// </summary>
    internal static float[] HalveRate(ReadOnlySpan<float> y, int factor)
    {
        float[] r = Resampler.Resample(y, factor, 1, AudioBackend.Auto);
        float s = (float)Math.Sqrt(1.0 / factor);
        for (int i = 0; i < r.Length; i++)
        {
            r[i] /= s;
        }

        return r;
    }

    /// <summary>interval_frequencies(n_bins, fmin, intervals="equal", bins_per_octave): 2^octave · 2^(j / bpo) · fmin.</summary>
    private static double[] Frequencies_(double fmin, int binCount, int binsPerOctave)
    {
        var f = new double[binCount];
        for (int k = 0; k < binCount; k++)
        {
            int octave = k / binsPerOctave, j = k % binsPerOctave;
            double ratio = Math.Pow(2.0, (0.0 + j) / binsPerOctave);
            f[k] = Math.Pow(2.0, octave) * ratio * fmin;
        }

        return f;
    }

    /// <summary>librosa.filters._relative_bandwidth: alpha from the local octave resolution (one-sided at the ends).</summary>
    private static double[] RelativeBandwidth(double[] freqs)
    {
        int n = freqs.Length;
        var logf = new double[n];
        for (int k = 0; k < n; k++)
        {
            logf[k] = Math.Log2(freqs[k]);
        }

        var bpo = new double[n];
        bpo[0] = 1 / (logf[1] - logf[0]);
        bpo[n - 1] = 1 / (logf[n - 1] - logf[n - 2]);
        for (int k = 1; k < n - 1; k++)
        {
            bpo[k] = 2 / (logf[k + 1] - logf[k - 1]);
        }

        var alpha = new double[n];
        for (int k = 0; k < n; k++)
        {
            double p = Math.Pow(2.0, 2 / bpo[k]);
            alpha[k] = (p - 1) / (p + 1);
        }

        return alpha;
    }

    private static int TwoFactors(int x)
    {
        if (x <= 0)
        {
            return 0;
        }

        return BitOperations.TrailingZeroCount(x);
    }

    /// <summary>The sparse complex64 filter basis of one octave, in CSR form, and its STFT geometry.</summary>
    private sealed class Octave
    {
        public Octave(int firstBin, ReadOnlySpan<double> freqs, ReadOnlySpan<double> alpha, double sr, int hop, double scale, bool halveAfter)
        {
            FirstBin = firstBin;
            Count = freqs.Length;
            Hop = hop;
            HalveAfter = halveAfter;

            // filters.wavelet(freqs, sr, norm=1, pad_fft=True, window="hann", alpha), cast to complex64.
            int count = freqs.Length;
            var lengths = new double[count];
            double maxLength = 0;
            for (int j = 0; j < count; j++)
            {
                lengths[j] = (1.0 / alpha[j]) * sr / (freqs[j] + 0.0);
                maxLength = Math.Max(maxLength, lengths[j]);
            }

            int n = (int)Math.Pow(2.0, Math.Ceiling(Math.Log2(maxLength)));
            FftSize = n;
            Ones = new double[n];
            Array.Fill(Ones, 1.0);
            int bins = (n / 2) + 1;
            var fft = new VerticalComplexFft(n);
            var re = new Vector256<double>[n];
            var im = new Vector256<double>[n];
            var rowStart = new int[count + 1];
            var cols = new System.Collections.Generic.List<int>();
            var values = new System.Collections.Generic.List<float>();
            var filterRe = new double[4, n];
            var filterIm = new double[4, n];
            for (int j0 = 0; j0 < count; j0 += 4)
            {
                Array.Clear(re);
                Array.Clear(im);
                int lanes = Math.Min(4, count - j0);
                for (int lane = 0; lane < lanes; lane++)
                {
                    int j = j0 + lane;
                    Filter(lengths[j], freqs[j], sr, n, out double[] fr, out double[] fi);
                    for (int m = 0; m < n; m++)
                    {
                        int p = fft.BitReverse[m];
                        re[p] = re[p].WithElement(lane, fr[m]);
                        im[p] = im[p].WithElement(lane, fi[m]);
                    }
                }

                fft.Forward(re, im);
                for (int lane = 0; lane < lanes; lane++)
                {
                    var xr = new double[bins];
                    var xi = new double[bins];
                    for (int k = 0; k < bins; k++)
                    {
                        xr[k] = re[k].GetElement(lane);
                        xi[k] = im[k].GetElement(lane);
                    }

                    Sparsify(xr, xi, scale, cols, values);
                    rowStart[j0 + lane + 1] = cols.Count;
                }
            }

            RowStart = rowStart;
            Cols = cols.ToArray();
            Values = values.ToArray();
        }

        /// <summary>First CQT bin of the octave.</summary>
        public int FirstBin { get; }

        /// <summary>Number of filters.</summary>
        public int Count { get; }

        /// <summary>FFT length of the octave's STFT.</summary>
        public int FftSize { get; }

        /// <summary>Hop at the octave's rate.</summary>
        public int Hop { get; }

        /// <summary>Whether the signal is resampled by 1/2 after this octave (and it is not the last one).</summary>
        public bool HalveAfter { get; }

        /// <summary>The all-ones STFT window.</summary>
        public double[] Ones { get; }

        /// <summary>CSR row starts (Count + 1 entries).</summary>
        public int[] RowStart { get; }

        /// <summary>CSR column (FFT bin) of each non-zero.</summary>
        public int[] Cols { get; }

        /// <summary>Re, Im of each non-zero (complex64), interleaved.</summary>
        public float[] Values { get; }

        /// <summary>One filter, padded to n and scaled by length / n, rounded to complex64 as librosa stores it.</summary>
        private static void Filter(double length, double freq, double sr, int n, out double[] re, out double[] im)
        {
            // np.arange(-ilen // 2, ilen // 2, dtype=float): python floor division of a float by 2.
            double start = Math.Floor(-length / 2);
            double stop = Math.Floor(length / 2);
            int count = (int)Math.Ceiling(stop - start);
            double[] window = WindowFunctions.Create(WindowType.Hann, count);
            var sr_ = new double[count];
            var si = new double[count];
            var mags = new double[count];
            for (int m = 0; m < count; m++)
            {
                double angle = (start + m) * 2 * Math.PI * freq / sr;
                (double sin, double cos) = Math.SinCos(angle);
                sr_[m] = cos * window[m];
                si[m] = sin * window[m];
                mags[m] = double.Hypot(sr_[m], si[m]);
            }

            // util.normalize(sig, norm=1): divide by the L1 norm (numpy's pairwise sum), unless below tiny.
            double norm = NumpyMath.PairwiseSum(mags);
            if (norm < TinyDouble)
            {
                norm = 1.0;
            }

            re = new double[n];
            im = new double[n];
            int lpad = (n - count) / 2;
            double factor = length / n;
            for (int m = 0; m < count; m++)
            {
                // pad_center + cast to complex64; then basis *= lengths / n_fft (in double, stored as complex64).
                float r32 = (float)(sr_[m] / norm);
                float i32 = (float)(si[m] / norm);
                re[lpad + m] = (float)(r32 * factor);
                im[lpad + m] = (float)(i32 * factor);
            }
        }

        /// <summary>util.sparsify_rows(quantile=0.01, dtype=complex64), then the octave's sqrt(sr / my_sr) rescaling.</summary>
        private static void Sparsify(double[] re, double[] im, double scale, System.Collections.Generic.List<int> cols, System.Collections.Generic.List<float> values)
        {
            int bins = re.Length;
            var mags = new double[bins];
            for (int k = 0; k < bins; k++)
            {
                mags[k] = double.Hypot(re[k], im[k]);
            }

            double norm = NumpyMath.PairwiseSum(mags);
            double[] sorted = (double[])mags.Clone();
            Array.Sort(sorted);
            double cumulative = 0;
            int threshold = 0;
            for (int k = 0; k < bins; k++)
            {
                cumulative += sorted[k] / norm;
                if (!(cumulative < Sparsity))
                {
                    threshold = k;
                    break;
                }
            }

            double keep = sorted[threshold];
            float s32 = (float)scale;
            for (int k = 0; k < bins; k++)
            {
                if (mags[k] >= keep)
                {
                    float r = (float)re[k], i = (float)im[k];

                    // fft_basis[:] *= np.sqrt(sr / my_sr): numpy 1.x multiplies the complex64 data by the float32 scalar.
                    if (scale != 1.0)
                    {
                        r *= s32;
                        i *= s32;
                    }

                    cols.Add(k);
                    values.Add(r);
                    values.Add(i);
                }
            }
        }
    }

    /// <summary>
    /// Applies an octave's sparse basis to four STFT frames at a time and stores the scaled magnitudes, with librosa's
    /// arithmetic: scipy's <c>csr_matvecs</c> on complex64 (<c>y += a * x</c> per stored entry in column order, each
    /// complex product and sum rounded to float32, no fused multiply-add), then <c>V /= sqrt(lengths)</c> in complex128
    /// rounded to complex64 and <c>np.abs</c> (hypotf).
    /// </summary>
    private readonly struct ResponseSink : IStftQuadSink
    {
        private readonly Octave _octave;
        private readonly float[] _output;
        private readonly int _frames;
        private readonly double[] _sqrtLengths;
        private readonly Vector128<float>[] _dRe;
        private readonly Vector128<float>[] _dIm;

        public ResponseSink(Octave octave, float[] output, int frames, double[] sqrtLengths)
        {
            _octave = octave;
            _output = output;
            _frames = frames;
            _sqrtLengths = sqrtLengths;
            int bins = (octave.FftSize / 2) + 1;
            _dRe = new Vector128<float>[bins];
            _dIm = new Vector128<float>[bins];
        }

        public void Consume(int t0, int count, Span<Vector256<double>> re, Span<Vector256<double>> im)
        {
            if (t0 >= _frames)
            {
                return;
            }

            // librosa's STFT matrix is complex64: round both parts of the four frames.
            Vector128<float>[] dRe = _dRe, dIm = _dIm;
            for (int k = 0; k < re.Length; k++)
            {
                Vector256<float> narrow = Vector256.Narrow(re[k], im[k]);
                dRe[k] = narrow.GetLower();
                dIm[k] = narrow.GetUpper();
            }

            Octave o = _octave;
            ref float v = ref MemoryMarshal.GetArrayDataReference(o.Values);
            ref int col = ref MemoryMarshal.GetArrayDataReference(o.Cols);
            ref Vector128<float> r0 = ref MemoryMarshal.GetArrayDataReference(dRe);
            ref Vector128<float> i0 = ref MemoryMarshal.GetArrayDataReference(dIm);
            int valid = Math.Min(count, _frames - t0);
            for (int j = 0; j < o.Count; j++)
            {
                Vector128<float> accR = Vector128<float>.Zero, accI = Vector128<float>.Zero;
                for (int p = o.RowStart[j]; p < o.RowStart[j + 1]; p++)
                {
                    int k = Unsafe.Add(ref col, p);
                    Vector128<float> br = Vector128.Create(Unsafe.Add(ref v, 2 * p));
                    Vector128<float> bi = Vector128.Create(Unsafe.Add(ref v, (2 * p) + 1));
                    Vector128<float> dr = Unsafe.Add(ref r0, k), di = Unsafe.Add(ref i0, k);
                    accR += (br * dr) - (bi * di);
                    accI += (br * di) + (bi * dr);
                }

                int bin = o.FirstBin + j;
                double scale = _sqrtLengths[bin];
                int row = bin * _frames;
                for (int q = 0; q < valid; q++)
                {
                    double vr = (float)(accR.GetElement(q) / scale);
                    double vi = (float)(accI.GetElement(q) / scale);
                    _output[row + t0 + q] = (float)Math.Sqrt((vr * vr) + (vi * vi));
                }
            }
        }
    }
}
