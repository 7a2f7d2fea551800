using System;

namespace MelGenre.Dsp;

/// <summary>
/// Chroma features from a CQT magnitude as librosa 0.11 computes them from <c>C</c>: <c>chroma_cqt(C=C, n_chroma=12,
/// n_octaves=7)</c>, <c>chroma_cens(C=C, n_chroma=12, n_octaves=7)</c> and <c>tonnetz(chroma=...)</c>. All matrices are
/// row-major <c>[row, frame]</c>, as librosa's.
/// </summary>
/// <remarks>
/// <para><b>bins_per_octave.</b> Both chroma functions keep their default <c>bins_per_octave=36</c> even when given
/// a 12-bin-per-octave CQT (FMA's call does exactly that), so <c>cq_to_chroma(84, bins_per_octave=36)</c> folds every
/// three consecutive CQT bins (rolled by one) into one chroma class over a 36-bin "octave". This is reproduced as is:
/// it is what FMA's published features contain.</para>
/// <para><b>Precision.</b> Sums are taken in double and rounded to float32 where librosa stores float32 (the chroma, the
/// L1-normalised chroma, the smoothed CENS before its L2 normalisation); tonnetz stays double as librosa's einsum with
/// a float64 transform gives float64.</para>
/// </remarks>
internal static class CqtChroma
{
    /// <summary>Number of chroma classes.</summary>
    public const int ChromaCount = 12;

    /// <summary>Number of tonnetz dimensions.</summary>
    public const int TonnetzCount = 6;

    /// <summary><c>np.finfo(np.float32).tiny</c>, librosa's normalisation threshold for float32 input.</summary>
    private const double TinyFloat = 1.1754943508222875e-38;

    /// <summary>DBL_EPSILON: scipy.ndimage skips filter weights at or below it.</summary>
    private const double DoubleEpsilon = 2.220446049250313e-16;

    /// <summary>chroma_cens' smoothing window length (win_len_smooth).</summary>
    private const int SmoothingLength = 41;

    private static readonly double[] CensWindow = CreateCensWindow();
    private static readonly double[,] TonnetzTransform = CreateTonnetzTransform();

    /// <summary>
    /// The chroma class of every CQT bin in <c>librosa.filters.cq_to_chroma(binCount, bins_per_octave, n_chroma,
    /// fmin=C1, base_c=True)</c> (each column of that 0/1 matrix has exactly one 1).
    /// </summary>
    public static int[] ChromaOfBin(int binCount, int binsPerOctave = 36, int chromaCount = ChromaCount)
    {
        if (binsPerOctave % chromaCount != 0)
        {
            throw new ArgumentException("Incompatible CQ merge: input bins must be an integer multiple of output bins.", nameof(binsPerOctave));
        }

        int merge = binsPerOctave / chromaCount;

        // np.mod(hz_to_midi(C1), 12), rounded (to even) in units of chroma classes: the roll that puts C first.
        double midi = (12 * (Math.Log2(ConstantQTransform.C1) - Math.Log2(440.0))) + 69;
        double midi0 = midi % 12;
        if (midi0 < 0)
        {
            midi0 += 12;
        }

        int roll = (int)Math.Round(midi0 * (chromaCount / 12.0), MidpointRounding.ToEven);
        var map = new int[binCount];
        for (int j = 0; j < binCount; j++)
        {
            // repeat(eye, merge, axis=1), rolled left by merge // 2, tiled over octaves, rolled down by `roll`.
            int m = ((j % binsPerOctave) + (merge / 2)) % binsPerOctave;
            map[j] = (((m / merge) + roll) % chromaCount + chromaCount) % chromaCount;
        }

        return map;
    }

    /// <summary>The un-normalised chroma <c>cq_to_chroma @ C</c> (float32), <c>[12, frames]</c>.</summary>
    public static void RawChroma(ReadOnlySpan<float> cqt, int bins, int frames, Span<float> chroma)
    {
        CheckSizes(cqt.Length, bins, frames, chroma.Length, ChromaCount);
        int[] map = ChromaOfBin(bins);
        var sums = new double[ChromaCount * frames];
        for (int j = 0; j < bins; j++)
        {
            ReadOnlySpan<float> row = cqt.Slice(j * frames, frames);
            Span<double> target = sums.AsSpan(map[j] * frames, frames);
            for (int t = 0; t < frames; t++)
            {
                target[t] += row[t];
            }
        }

        for (int i = 0; i < sums.Length; i++)
        {
            chroma[i] = (float)sums[i];
        }
    }

    /// <summary><c>chroma_cqt(C=C, n_chroma=12, n_octaves=7)</c>: the chroma divided by its per-frame maximum (norm=inf).</summary>
    public static void ChromaCqt(ReadOnlySpan<float> cqt, int bins, int frames, Span<float> chroma)
    {
        RawChroma(cqt, bins, frames, chroma);
        for (int t = 0; t < frames; t++)
        {
            double max = 0;
            for (int c = 0; c < ChromaCount; c++)
            {
                max = Math.Max(max, Math.Abs((double)chroma[(c * frames) + t]));
            }

            if (max < TinyFloat)
            {
                max = 1.0;
            }

            for (int c = 0; c < ChromaCount; c++)
            {
                chroma[(c * frames) + t] = (float)(chroma[(c * frames) + t] / max);
            }
        }
    }

    /// <summary>
    /// <c>chroma_cens(C=C, n_chroma=12, n_octaves=7)</c>: L1-normalised chroma quantised at 0.4, 0.2, 0.1, 0.05 (a quarter
    /// each), smoothed over time with a 41-point Hann window (<c>scipy.ndimage.convolve</c>, zero outside), L2-normalised.
    /// </summary>
    public static void ChromaCens(ReadOnlySpan<float> cqt, int bins, int frames, Span<float> cens)
    {
        var chroma = new float[ChromaCount * frames];
        RawChroma(cqt, bins, frames, chroma);
        NormalizeL1(chroma, frames);

        // Quantise: float32 comparisons with the float32 steps (numpy casts the Python float to the array's type).
        ReadOnlySpan<float> steps = [0.4f, 0.2f, 0.1f, 0.05f];
        var quant = new float[chroma.Length];
        for (int i = 0; i < chroma.Length; i++)
        {
            float q = 0f;
            foreach (float step in steps)
            {
                if (chroma[i] > step)
                {
                    q += 0.25f;
                }
            }

            quant[i] = q;
        }

        // scipy.ndimage.convolve(quant, win[None, :], mode="constant"): the flipped window correlated around its centre.
        double[] w = CensWindow;
        int half = w.Length / 2;
        for (int c = 0; c < ChromaCount; c++)
        {
            ReadOnlySpan<float> row = quant.AsSpan(c * frames, frames);
            Span<float> outRow = cens.Slice(c * frames, frames);
            for (int t = 0; t < frames; t++)
            {
                double sum = 0.0;
                for (int j = 0; j < w.Length; j++)
                {
                    double weight = w[w.Length - 1 - j];
                    long i = (long)t + j - half;
                    if (Math.Abs(weight) > DoubleEpsilon && i >= 0 && i < frames)
                    {
                        sum += row[(int)i] * weight;
                    }
                }

                outRow[t] = (float)sum;
            }
        }

        // util.normalize(norm=2, axis=-2).
        for (int t = 0; t < frames; t++)
        {
            double squares = 0;
            for (int c = 0; c < ChromaCount; c++)
            {
                double m = Math.Abs((double)cens[(c * frames) + t]);
                squares += m * m;
            }

            double length = Math.Sqrt(squares);
            if (length < TinyFloat)
            {
                length = 1.0;
            }

            for (int c = 0; c < ChromaCount; c++)
            {
                cens[(c * frames) + t] = (float)(cens[(c * frames) + t] / length);
            }
        }
    }

    /// <summary>
    /// <c>tonnetz(chroma=chroma)</c>: the L1-normalised chroma projected on the fifths, minor-thirds and major-thirds
    /// circles (<c>[6, frames]</c>, float64 like librosa's result).
    /// </summary>
    public static void Tonnetz(ReadOnlySpan<float> chroma, int frames, Span<double> tonnetz)
    {
        if (chroma.Length != ChromaCount * frames || tonnetz.Length != TonnetzCount * frames)
        {
            throw new ArgumentException("chroma must hold 12 * frames values and tonnetz 6 * frames values.");
        }

        var normalized = chroma.ToArray();
        NormalizeL1(normalized, frames);
        double[,] phi = TonnetzTransform;
        tonnetz.Clear();
        for (int p = 0; p < TonnetzCount; p++)
        {
            Span<double> outRow = tonnetz.Slice(p * frames, frames);
            for (int c = 0; c < ChromaCount; c++)
            {
                double f = phi[p, c];
                ReadOnlySpan<float> row = normalized.AsSpan(c * frames, frames);
                for (int t = 0; t < frames; t++)
                {
                    outRow[t] += f * row[t];
                }
            }
        }
    }

    /// <summary><c>util.normalize(S, norm=1, axis=-2)</c> of a float32 <c>[12, frames]</c> matrix, in place.</summary>
    private static void NormalizeL1(Span<float> chroma, int frames)
    {
        for (int t = 0; t < frames; t++)
        {
            double length = 0;
            for (int c = 0; c < ChromaCount; c++)
            {
                length += Math.Abs((double)chroma[(c * frames) + t]);
            }

            if (length < TinyFloat)
            {
                length = 1.0;
            }

            for (int c = 0; c < ChromaCount; c++)
            {
                chroma[(c * frames) + t] = (float)(chroma[(c * frames) + t] / length);
            }
        }
    }

    private static void CheckSizes(int cqtLength, int bins, int frames, int outLength, int rows)
    {
        if (bins < 1 || frames < 0 || cqtLength != (long)bins * frames || outLength != (long)rows * frames)
        {
            throw new ArgumentException($"Expected a [{bins}, {frames}] CQT and a [{rows}, {frames}] output, got {cqtLength} and {outLength} values.");
        }
    }

    /// <summary><c>get_window("hann", 43, fftbins=False)</c> divided by its (pairwise) sum.</summary>
    private static double[] CreateCensWindow()
    {
        int n = SmoothingLength + 2;
        double[] fac = MelFilterBank.Linspace(-Math.PI, Math.PI, n);
        var w = new double[n];
        for (int i = 0; i < n; i++)
        {
            w[i] = 0.0 + (0.5 * 1.0) + (0.5 * Math.Cos(fac[i]));
        }

        double sum = NumpyMath.PairwiseSum(w);
        for (int i = 0; i < n; i++)
        {
            w[i] /= sum;
        }

        return w;
    }

    /// <summary>tonnetz's <c>phi = R[:, None] * cos(pi * V)</c>, V = outer(scale, 0..11) with 0.5 taken off the even rows.</summary>
    private static double[,] CreateTonnetzTransform()
    {
        double[] scale = [7.0 / 6, 7.0 / 6, 3.0 / 2, 3.0 / 2, 2.0 / 3, 2.0 / 3];
        double[] r = [1, 1, 1, 1, 0.5, 0.5];
        var phi = new double[TonnetzCount, ChromaCount];
        for (int p = 0; p < TonnetzCount; p++)
        {
            for (int c = 0; c < ChromaCount; c++)
            {
                double v = scale[p] * c;
                if (p % 2 == 0)
                {
                    v -= 0.5;
                }

                phi[p, c] = r[p] * Math.Cos(Math.PI * v);
            }
        }

        return phi;
    }
}
