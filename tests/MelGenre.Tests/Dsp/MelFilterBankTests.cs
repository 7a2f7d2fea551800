using System;
using MelGenre.Dsp;
using Xunit;

namespace MelGenre.Tests.Dsp;

public class MelFilterBankTests
{
    [Theory]
    [InlineData(0.0)]
    [InlineData(440.0)]
    [InlineData(999.0)]
    [InlineData(1000.0)]
    [InlineData(4000.0)]
    [InlineData(11025.0)]
    public void Hz_to_mel_and_mel_to_hz_are_inverse(double hz)
    {
        Assert.Equal(hz, MelFilterBank.MelToHz(MelFilterBank.HzToMel(hz)), 9);
        Assert.Equal(hz, MelFilterBank.MelToHz(MelFilterBank.HzToMel(hz, htk: true), htk: true), 9);
    }

    [Fact]
    public void Hz_to_mel_uses_slaney_linear_then_log_scale_and_htk_formula()
    {
        Assert.Equal(15.0, MelFilterBank.HzToMel(1000), 12);           // 1000 / (200 / 3)
        Assert.Equal(6.0, MelFilterBank.HzToMel(400), 12);             // linear below 1 kHz
        Assert.Equal(15.0 + 27.0, MelFilterBank.HzToMel(6400), 12);    // log step ln(6.4) / 27 per mel
        Assert.Equal(2595.0 * Math.Log10(1 + (440.0 / 700.0)), MelFilterBank.HzToMel(440, htk: true), 12);
    }

    [Fact]
    public void Mel_frequencies_has_linspace_endpoints_exactly()
    {
        double[] f = MelFilterBank.MelFrequencies(130, 20, 11025);
        Assert.Equal(130, f.Length);
        Assert.Equal(20.0, f[0], 10);
        Assert.Equal(11025.0, f[^1], 9);
        for (int i = 1; i < f.Length; i++)
        {
            Assert.True(f[i] > f[i - 1]);
        }
    }

    [Fact]
    public void Slaney_filters_are_non_negative_triangles_with_peaks_in_order_and_unit_area()
    {
        const int sr = 22050, nfft = 2048, nmels = 128;
        float[,] fb = MelFilterBank.Create(sr, nfft, nmels);
        double binHz = (double)sr / nfft;
        double[] edges = MelFilterBank.MelFrequencies(nmels + 2, 0, sr / 2.0);
        int previousPeak = -1;
        int checkedArea = 0;
        for (int m = 0; m < nmels; m++)
        {
            int peak = 0;
            double sum = 0;
            for (int k = 0; k < fb.GetLength(1); k++)
            {
                Assert.True(fb[m, k] >= 0, $"row {m} bin {k} negative");
                double f = k * binHz;
                if (f <= edges[m] || f >= edges[m + 2])
                {
                    Assert.Equal(0f, fb[m, k]);
                }

                if (fb[m, k] > fb[m, peak])
                {
                    peak = k;
                }

                sum += fb[m, k];
            }

            Assert.True(fb[m, peak] > 0, $"row {m} is empty");
            Assert.True(peak >= previousPeak, $"row {m} peaks at bin {peak}, before row {m - 1} at {previousPeak}");
            previousPeak = peak;

            // Slaney normalisation: height 2 / (f[m+2] - f[m]) makes each triangle's area 1 (in Hz); sampled on the
            // bin grid this holds well once the triangle spans enough bins.
            if ((edges[m + 2] - edges[m]) / binHz >= 10)
            {
                Assert.InRange(sum * binHz, 0.98, 1.02);
                checkedArea++;
            }
        }

        Assert.True(checkedArea > 50);
    }

    [Fact]
    public void Unnormalised_filters_peak_at_most_one()
    {
        float[,] fb = MelFilterBank.Create(22050, 2048, 40, normalization: MelNormalization.None);
        for (int m = 0; m < 40; m++)
        {
            float max = 0;
            for (int k = 0; k < fb.GetLength(1); k++)
            {
                max = Math.Max(max, fb[m, k]);
            }

            Assert.InRange(max, 0.5f, 1f);
        }
    }

    [Fact]
    public void Create_rejects_impossible_arguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MelFilterBank.Create(0, 2048));
        Assert.Throws<ArgumentOutOfRangeException>(() => MelFilterBank.Create(22050, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => MelFilterBank.Create(22050, 2048, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => MelFilterBank.Create(22050, 2048, 128, minFrequency: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => MelFilterBank.Create(22050, 2048, 128, minFrequency: 500, maxFrequency: 400));
    }
}
