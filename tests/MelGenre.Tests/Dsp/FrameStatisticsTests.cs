using System;
using System.Linq;
using MelGenre.Dsp;
using Xunit;

namespace MelGenre.Tests.Dsp;

/// <summary>FrameStatistics against hand-computed numpy/scipy values (scipy.stats defaults: biased, Fisher kurtosis).</summary>
public sealed class FrameStatisticsTests
{
    [Fact]
    public void Matches_numpy_and_scipy_on_small_rows()
    {
        // Row 0: [1, 2, 3, 4]; row 1: [0, 0, 0, 1] (skew 2/sqrt(3), kurtosis -2/3 in scipy).
        float[] values = [1, 2, 3, 4, 0, 0, 0, 1];
        var result = new float[14];
        FrameStatistics.Summarize(values, 2, FrameStatistic.All, result);
        float[] expected =
        [
            2.5f, 0.25f,                         // mean
            1.118034f, 0.4330127f,               // std
            0f, 1.1547005f,                      // skew
            -1.36f, -0.6666667f,                 // kurtosis
            2.5f, 0f,                            // median
            1f, 0f,                              // min
            4f, 1f,                              // max
        ];
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(result[i] - expected[i]) <= 1e-6, $"value {i}: {result[i]} vs {expected[i]}");
    }

    [Fact]
    public void Subsets_keep_FMA_order_and_constant_rows_get_the_chosen_moment()
    {
        float[] values = [5, 5, 5, 7, 1, 4];
        var result = new float[6];
        FrameStatistics.Summarize(values, 2, FrameStatistic.Maximum | FrameStatistic.Skewness | FrameStatistic.Median, result);
        Assert.Equal(new[] { 0f, 0f, 5f, 4f, 5f, 7f }, result); // [skew; median; max] x rows; row 0 is constant
        Assert.Equal(["skew", "median", "max"], FrameStatistics.Expand(FrameStatistic.Maximum | FrameStatistic.Skewness | FrameStatistic.Median).Select(FrameStatistics.NameOf));

        FrameStatistics.Summarize(values.AsSpan(0, 3), 1, FrameStatistic.Skewness | FrameStatistic.Kurtosis, result.AsSpan(0, 2), float.NaN);
        Assert.True(float.IsNaN(result[0]) && float.IsNaN(result[1]), "scipy's NaN for a constant row on request");
    }

    [Fact]
    public void Median_of_an_odd_count_is_the_middle_value()
    {
        float[] values = [9, 1, 5, 3, 7];
        var result = new float[1];
        FrameStatistics.Summarize(values, 1, FrameStatistic.Median, result);
        Assert.Equal(5f, result[0]);
    }
}
