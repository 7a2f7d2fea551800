using System;
using System.Collections.Generic;
using System.Globalization;

namespace MelGenre.Dsp;

/// <summary>
/// Statistics over the frames of a feature row, as FMA's <c>features.py</c> computes them: numpy's mean, std, median,
/// min and max and scipy.stats' skew and kurtosis with their defaults (biased; kurtosis in Fisher's definition, 0 for a
/// normal distribution). Combine them as flags; outputs always follow the order of the members
/// (FMA's <c>moments</c> order).
/// </summary>
[Flags]
public enum FrameStatistic
{
    /// <summary>No statistic.</summary>
    None = 0,

    /// <summary><c>np.mean</c>.</summary>
    Mean = 1,

    /// <summary><c>np.std</c> (population standard deviation, ddof = 0).</summary>
    StandardDeviation = 2,

    /// <summary><c>scipy.stats.skew</c> (biased): <c>m3 / m2^1.5</c>.</summary>
    Skewness = 4,

    /// <summary><c>scipy.stats.kurtosis</c> (Fisher, biased): <c>m4 / m2² - 3</c>.</summary>
    Kurtosis = 8,

    /// <summary><c>np.median</c> (mean of the two middle values for an even count).</summary>
    Median = 16,

    /// <summary><c>np.min</c>.</summary>
    Minimum = 32,

    /// <summary><c>np.max</c>.</summary>
    Maximum = 64,

    /// <summary>All seven, FMA's set.</summary>
    All = Mean | StandardDeviation | Skewness | Kurtosis | Median | Minimum | Maximum,
}

/// <summary>
/// Per-row statistics over time of a <c>[row, frame]</c> feature matrix (FMA's <c>feature_stats</c>), the step that
/// turns frame-wise features into a fixed-length clip vector for classical classifiers.
/// </summary>
internal static class FrameStatistics
{
    /// <summary>
    /// Below this relative variance (<c>m2 &lt;= (1e-6 · mean)²</c>, scipy's test at float32 resolution) a row counts as
    /// constant, and its skewness and kurtosis are undefined.
    /// </summary>
    public const double ConstantRowResolution = 1e-6;

    private static readonly (FrameStatistic Statistic, string Name)[] Order =
    [
        (FrameStatistic.Mean, "mean"),
        (FrameStatistic.StandardDeviation, "std"),
        (FrameStatistic.Skewness, "skew"),
        (FrameStatistic.Kurtosis, "kurtosis"),
        (FrameStatistic.Median, "median"),
        (FrameStatistic.Minimum, "min"),
        (FrameStatistic.Maximum, "max"),
    ];

    /// <summary>The statistics in <paramref name="statistics"/>, in output order.</summary>
    /// <param name="statistics">A combination of flags.</param>
    /// <returns>The single flags, in FMA's order (mean, std, skew, kurtosis, median, min, max).</returns>
    public static IReadOnlyList<FrameStatistic> Expand(FrameStatistic statistics)
    {
        var list = new List<FrameStatistic>();
        foreach ((FrameStatistic s, _) in Order)
        {
            if ((statistics & s) != 0)
            {
                list.Add(s);
            }
        }

        return list;
    }

    /// <summary>FMA's name of a single statistic (<c>mean</c>, <c>std</c>, <c>skew</c>, <c>kurtosis</c>, <c>median</c>, <c>min</c>, <c>max</c>).</summary>
    /// <param name="statistic">One flag.</param>
    /// <returns>The name.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="statistic"/> is not a single defined flag.</exception>
    public static string NameOf(FrameStatistic statistic)
    {
        foreach ((FrameStatistic s, string name) in Order)
        {
            if (s == statistic)
            {
                return name;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(statistic), statistic, "Expected a single statistic flag.");
    }

    /// <summary>
    /// Computes the statistics of every row of a row-major <c>[rows, frames]</c> matrix. The output is statistic-major:
    /// <c>destination[s * rows + r]</c> is statistic s (in <see cref="Expand"/> order) of row r, FMA's
    /// <c>(statistic, number)</c> column order.
    /// </summary>
    /// <param name="values">The matrix, <c>rows * frames</c> values.</param>
    /// <param name="rows">Number of rows (at least 1).</param>
    /// <param name="statistics">Which statistics (at least one).</param>
    /// <param name="destination">Receives <c>statistics count * rows</c> values.</param>
    /// <param name="constantRowMoment">
    /// Skewness and kurtosis of a constant row (see <see cref="ConstantRowResolution"/>). scipy returns NaN; the default 0
    /// keeps feature vectors usable by trainers that reject NaN.
    /// </param>
    /// <exception cref="ArgumentException">The sizes do not agree, or there are no frames or no statistics.</exception>
    public static void Summarize(ReadOnlySpan<float> values, int rows, FrameStatistic statistics, Span<float> destination, float constantRowMoment = 0f)
    {
        IReadOnlyList<FrameStatistic> order = Expand(statistics);
        CultureInfo ci = CultureInfo.InvariantCulture;
        if (rows < 1 || values.Length % rows != 0 || values.Length == 0)
        {
            throw new ArgumentException(string.Format(ci, "values must hold rows * frames values with rows >= 1 and frames >= 1, got {0} values for {1} rows", values.Length, rows), nameof(values));
        }

        if (order.Count == 0)
        {
            throw new ArgumentException("At least one statistic is needed.", nameof(statistics));
        }

        if (destination.Length != order.Count * rows)
        {
            throw new ArgumentException(string.Format(ci, "destination must hold {0} statistics * {1} rows = {2} values, got {3}", order.Count, rows, order.Count * rows, destination.Length), nameof(destination));
        }

        int frames = values.Length / rows;
        float[]? scratch = (statistics & FrameStatistic.Median) != 0 ? new float[frames] : null;
        Span<double> row = stackalloc double[7];
        for (int r = 0; r < rows; r++)
        {
            SummarizeRow(values.Slice(r * frames, frames), scratch, constantRowMoment, row);
            for (int s = 0; s < order.Count; s++)
            {
                destination[(s * rows) + r] = (float)row[IndexOf(order[s])];
            }
        }
    }

    /// <summary>All seven statistics of one row into <paramref name="result"/> (FMA order); the median needs <paramref name="scratch"/>.</summary>
    internal static void SummarizeRow(ReadOnlySpan<float> x, float[]? scratch, float constantRowMoment, Span<double> result)
    {
        int n = x.Length;
        double sum = 0;
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        for (int i = 0; i < n; i++)
        {
            float v = x[i];
            sum += v;
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        double mean = sum / n;
        double m2 = 0, m3 = 0, m4 = 0;
        for (int i = 0; i < n; i++)
        {
            double d = x[i] - mean;
            double d2 = d * d;
            m2 += d2;
            m3 += d2 * d;
            m4 += d2 * d2;
        }

        m2 /= n;
        m3 /= n;
        m4 /= n;
        bool constant = m2 <= (ConstantRowResolution * mean) * (ConstantRowResolution * mean);
        result[0] = mean;
        result[1] = Math.Sqrt(m2);
        result[2] = constant ? constantRowMoment : m3 / Math.Pow(m2, 1.5);
        result[3] = constant ? constantRowMoment : (m4 / (m2 * m2)) - 3.0;
        result[5] = min;
        result[6] = max;
        if (scratch is not null)
        {
            Span<float> copy = scratch.AsSpan(0, n);
            x.CopyTo(copy);
            int upper = n / 2;
            double hi = Selection.Select(copy, upper);
            if (n % 2 == 1)
            {
                result[4] = hi;
            }
            else
            {
                float lo = float.NegativeInfinity;
                for (int i = 0; i < upper; i++)
                {
                    lo = Math.Max(lo, copy[i]);
                }

                result[4] = (lo + hi) / 2.0;
            }
        }
        else
        {
            result[4] = double.NaN;
        }
    }

    /// <summary>Position of a single statistic in FMA's order.</summary>
    internal static int IndexOf(FrameStatistic statistic) => statistic switch
    {
        FrameStatistic.Mean => 0,
        FrameStatistic.StandardDeviation => 1,
        FrameStatistic.Skewness => 2,
        FrameStatistic.Kurtosis => 3,
        FrameStatistic.Median => 4,
        FrameStatistic.Minimum => 5,
        FrameStatistic.Maximum => 6,
        _ => throw new ArgumentOutOfRangeException(nameof(statistic), statistic, "Expected a single statistic flag."),
    };
}
