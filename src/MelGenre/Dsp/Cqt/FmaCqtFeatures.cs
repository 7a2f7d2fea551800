using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;

namespace MelGenre.Dsp;

/// <summary>The per-frame CQT features of one clip (see <see cref="FmaCqtFeatures.ComputeFrames"/>).</summary>
/// <param name="Tuning">The estimated tuning the CQT used (fractions of a bin).</param>
/// <param name="FrameCount">Number of frames.</param>
/// <param name="Cqt"><c>|CQT|</c>, <c>[84, frames]</c>.</param>
/// <param name="ChromaCqt">chroma_cqt, <c>[12, frames]</c>.</param>
/// <param name="ChromaCens">chroma_cens, <c>[12, frames]</c>.</param>
/// <param name="Tonnetz">tonnetz of the CENS chroma, <c>[6, frames]</c> (float64 like librosa's).</param>
internal sealed record CqtFrames(double Tuning, int FrameCount, float[] Cqt, float[] ChromaCqt, float[] ChromaCens, double[] Tonnetz);

/// <summary>
/// The CQT-based part of FMA's clip features (<c>features.py</c>) as one vector of 210 values: the 7 statistics over time
/// of chroma_cens (12 rows), chroma_cqt (12) and tonnetz (6), librosa 0.11-exact:
/// <code>
/// cqt = np.abs(librosa.cqt(x, sr=sr, hop_length=512, bins_per_octave=12, n_bins=7*12, tuning=None))
/// chroma_cqt(C=cqt, n_chroma=12, n_octaves=7); f = chroma_cens(C=cqt, n_chroma=12, n_octaves=7); tonnetz(chroma=f)
/// </code>
/// </summary>
/// <remarks>
/// <para><b>Order and names.</b> FMA's <c>features.csv</c> sorts its columns by (feature, statistic, number). These three
/// features are sorted the same way among themselves (chroma_cens, chroma_cqt, tonnetz; statistics kurtosis, max, mean,
/// median, min, skew, std; numbers 01 ...), and <see cref="SlotNames"/> are the column names joined with '/'
/// (<c>chroma_cens/kurtosis/01</c> ... <c>tonnetz/std/06</c>). In the full 518-value vector they are the slots
/// 0-83 (chroma_cens), 84-167 (chroma_cqt) and 469-510 (tonnetz); <see cref="FullSlotNames"/> and
/// <see cref="FullVectorIndex"/> give the whole layout.</para>
/// <para>Immutable and thread-safe; CQT plans are cached per (sampling rate, tuning).</para>
/// </remarks>
internal sealed class FmaCqtFeatures
{
    /// <summary>Number of values: 7 statistics × (12 + 12 + 6) rows.</summary>
    public const int Length = 210;

    /// <summary>hop_length of FMA's CQT.</summary>
    public const int HopLength = 512;

    /// <summary>n_bins of FMA's CQT (7 octaves of 12).</summary>
    public const int BinCount = 84;

    /// <summary>bins_per_octave of FMA's CQT.</summary>
    public const int BinsPerOctave = 12;

    private const int PlanCacheLimit = 256;

    private static readonly (string Name, int Rows)[] Blocks =
    [
        ("chroma_cens", CqtChroma.ChromaCount),
        ("chroma_cqt", CqtChroma.ChromaCount),
        ("tonnetz", CqtChroma.TonnetzCount),
    ];

    /// <summary>FMA's statistic names as sorted in features.csv, with their index in <see cref="FrameStatistics"/>' order.</summary>
    private static readonly (string Name, int Index)[] SortedStatistics =
    [
        ("kurtosis", 3),
        ("max", 6),
        ("mean", 0),
        ("median", 4),
        ("min", 5),
        ("skew", 2),
        ("std", 1),
    ];

    /// <summary>All eleven features of FMA's features.py with their row counts.</summary>
    private static readonly (string Name, int Rows)[] AllFmaFeatures =
    [
        ("chroma_stft", 12), ("chroma_cqt", 12), ("chroma_cens", 12), ("tonnetz", 6), ("mfcc", 20), ("rmse", 1), ("zcr", 1),
        ("spectral_centroid", 1), ("spectral_bandwidth", 1), ("spectral_contrast", 7), ("spectral_rolloff", 1),
    ];

    private static readonly string[] Names = BuildNames(Blocks);
    private static readonly string[] FullNames = BuildNames(AllFmaFeatures);
    private static readonly int[] FullIndex = BuildFullIndex();
    private static readonly ConcurrentDictionary<(double Rate, double Tuning), ConstantQTransform> Plans = new();

    /// <summary>Creates the extractor.</summary>
    /// <param name="constantRowMoment">Skewness and kurtosis of a row constant over the clip (scipy: NaN); default 0 as in <see cref="FmaFeatureSettings.ConstantRowMoment"/>.</param>
    public FmaCqtFeatures(float constantRowMoment = 0f) => ConstantRowMoment = constantRowMoment;

    /// <summary>Skewness and kurtosis given to constant rows.</summary>
    public float ConstantRowMoment { get; }

    /// <summary>Names of the 210 values, e.g. <c>chroma_cqt/mean/01</c>.</summary>
    public static IReadOnlyList<string> SlotNames => Names;

    /// <summary>The 518 column names of FMA's features.csv in its (sorted) order.</summary>
    public static IReadOnlyList<string> FullSlotNames => FullNames;

    /// <summary>For each of the 210 values, its index in FMA's 518-value vector (<see cref="FullSlotNames"/>).</summary>
    public static IReadOnlyList<int> FullVectorIndex => FullIndex;

    /// <summary>Computes the 210 values of a clip.</summary>
    /// <param name="samples">Mono signal.</param>
    /// <param name="sampleRate">Its sampling rate in Hz (FMA: the MP3's native rate).</param>
    /// <returns>The values in <see cref="SlotNames"/> order.</returns>
    public float[] Compute(ReadOnlySpan<float> samples, int sampleRate)
    {
        var result = new float[Length];
        Compute(samples, sampleRate, result);
        return result;
    }

    /// <summary>Computes the 210 values of a clip into <paramref name="destination"/>.</summary>
    /// <param name="samples">Mono signal.</param>
    /// <param name="sampleRate">Its sampling rate in Hz.</param>
    /// <param name="destination">Exactly <see cref="Length"/> values, in <see cref="SlotNames"/> order.</param>
    /// <exception cref="ArgumentException">Wrong destination length, or an empty or too short signal.</exception>
    public void Compute(ReadOnlySpan<float> samples, int sampleRate, Span<float> destination)
    {
        if (destination.Length != Length)
        {
            throw new ArgumentException(string.Format(CultureInfo.InvariantCulture, "destination must hold {0} values, got {1}", Length, destination.Length), nameof(destination));
        }

        CqtFrames f = ComputeFrames(samples, sampleRate);
        int frames = f.FrameCount;
        var tonnetz = new float[f.Tonnetz.Length];
        for (int i = 0; i < tonnetz.Length; i++)
        {
            tonnetz[i] = (float)f.Tonnetz[i];
        }

        float[][] matrices = [f.ChromaCens, f.ChromaCqt, tonnetz];
        Span<double> stats = stackalloc double[7];
        var scratch = new float[frames];
        int slot = 0;
        for (int b = 0; b < Blocks.Length; b++)
        {
            int rows = Blocks[b].Rows;
            for (int r = 0; r < rows; r++)
            {
                FrameStatistics.SummarizeRow(matrices[b].AsSpan(r * frames, frames), scratch, ConstantRowMoment, stats);
                for (int s = 0; s < SortedStatistics.Length; s++)
                {
                    destination[slot + (s * rows) + r] = (float)stats[SortedStatistics[s].Index];
                }
            }

            slot += rows * SortedStatistics.Length;
        }
    }

    /// <summary>Tuning, |CQT|, chroma_cqt, chroma_cens and tonnetz of a clip, frame by frame.</summary>
    /// <param name="samples">Mono signal.</param>
    /// <param name="sampleRate">Its sampling rate in Hz.</param>
    /// <returns>The per-frame features.</returns>
    public static CqtFrames ComputeFrames(ReadOnlySpan<float> samples, int sampleRate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(sampleRate, 0);
        if (samples.IsEmpty)
        {
            throw new ArgumentException("The signal is empty.", nameof(samples));
        }

        double tuning = TuningEstimator.EstimateTuning(samples, sampleRate, BinsPerOctave);
        ConstantQTransform cqt = PlanFor(sampleRate, tuning);
        int frames = cqt.GetFrameCount(samples.Length);
        var magnitude = new float[BinCount * frames];
        cqt.ComputeMagnitude(samples, magnitude);
        var chromaCqt = new float[CqtChroma.ChromaCount * frames];
        CqtChroma.ChromaCqt(magnitude, BinCount, frames, chromaCqt);
        var cens = new float[CqtChroma.ChromaCount * frames];
        CqtChroma.ChromaCens(magnitude, BinCount, frames, cens);
        var tonnetz = new double[CqtChroma.TonnetzCount * frames];
        CqtChroma.Tonnetz(cens, frames, tonnetz);
        return new CqtFrames(tuning, frames, magnitude, chromaCqt, cens, tonnetz);
    }

    /// <summary>The (cached) CQT of FMA's settings for a rate and a tuning.</summary>
    internal static ConstantQTransform PlanFor(double sampleRate, double tuning)
    {
        if (Plans.Count > PlanCacheLimit)
        {
            Plans.Clear();
        }

        return Plans.GetOrAdd((sampleRate, tuning), key => new ConstantQTransform(key.Rate, key.Tuning, HopLength, BinCount, BinsPerOctave));
    }

    private static string[] BuildNames((string Name, int Rows)[] features)
    {
        var entries = new List<(string Feature, string Statistic, string Number)>();
        foreach ((string feature, int rows) in features)
        {
            foreach ((string statistic, _) in SortedStatistics)
            {
                for (int r = 0; r < rows; r++)
                {
                    entries.Add((feature, statistic, (r + 1).ToString("00", CultureInfo.InvariantCulture)));
                }
            }
        }

        // features.csv: columns sorted by (feature, statistic, number), ordinal string order.
        entries.Sort((a, b) =>
        {
            int c = string.CompareOrdinal(a.Feature, b.Feature);
            c = c != 0 ? c : string.CompareOrdinal(a.Statistic, b.Statistic);
            return c != 0 ? c : string.CompareOrdinal(a.Number, b.Number);
        });
        return entries.ConvertAll(e => $"{e.Feature}/{e.Statistic}/{e.Number}").ToArray();
    }

    private static int[] BuildFullIndex()
    {
        var position = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < FullNames.Length; i++)
        {
            position[FullNames[i]] = i;
        }

        return Array.ConvertAll(Names, n => position[n]);
    }
}
