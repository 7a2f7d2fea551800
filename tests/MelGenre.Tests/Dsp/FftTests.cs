using System;
using System.Runtime.Intrinsics;
using MelGenre.Dsp;
using Xunit;

namespace MelGenre.Tests.Dsp;

public class FftTests
{
    /// <summary>Max |FFT - DFT| relative to max |DFT| (both double; the naive DFT itself carries ~n eps of error).</summary>
    private const double RelativeTolerance = 1e-12;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(12)]
    [InlineData(16)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(64)]
    [InlineData(100)]
    [InlineData(127)]
    [InlineData(128)]
    [InlineData(256)]
    [InlineData(360)]
    [InlineData(512)]
    [InlineData(1000)]
    [InlineData(1024)]
    [InlineData(2000)]
    [InlineData(2047)]
    [InlineData(2048)]
    [InlineData(4096)]
    public void Transform_matches_naive_dft_on_four_independent_frames(int n)
    {
        var rng = new Random(n);
        var frames = new float[4][];
        for (int q = 0; q < 4; q++)
        {
            frames[q] = new float[n];
            for (int j = 0; j < n; j++)
            {
                frames[q][j] = (float)((rng.NextDouble() * 2) - 1);
            }
        }

        var window = new double[n];
        for (int j = 0; j < n; j++)
        {
            window[j] = 0.5 + rng.NextDouble();
        }

        FrameTransform transform = FrameTransform.Create(n);
        Assert.Equal((n / 2) + 1, transform.BinCount);
        var scratch = new Vector256<double>[transform.ScratchLength];
        transform.Transform(new FrameQuad(frames[0], frames[1], frames[2], frames[3]), window, scratch);

        for (int q = 0; q < 4; q++)
        {
            (double[] re, double[] im) = NaiveDft(frames[q], window);
            double scale = 0, err = 0;
            for (int k = 0; k < transform.BinCount; k++)
            {
                double gotRe = scratch[k].GetElement(q);
                double gotIm = scratch[transform.ImaginaryOffset + k].GetElement(q);
                scale = Math.Max(scale, Math.Sqrt((re[k] * re[k]) + (im[k] * im[k])));
                err = Math.Max(err, Math.Sqrt(((gotRe - re[k]) * (gotRe - re[k])) + ((gotIm - im[k]) * (gotIm - im[k]))));
            }

            Assert.True(err <= RelativeTolerance * scale, $"n={n} lane {q}: max error {err:G3} vs scale {scale:G3} (relative {err / scale:G3})");
        }
    }

    [Fact]
    public void Transform_of_unit_impulse_is_flat_and_of_cosine_is_two_spikes()
    {
        const int n = 64;
        var impulse = new float[n];
        impulse[0] = 1;
        var cosine = new float[n];
        for (int j = 0; j < n; j++)
        {
            cosine[j] = (float)Math.Cos(2 * Math.PI * 5 * j / n);
        }

        var ones = new double[n];
        Array.Fill(ones, 1.0);
        FrameTransform transform = FrameTransform.Create(n);
        var scratch = new Vector256<double>[transform.ScratchLength];
        transform.Transform(new FrameQuad(impulse, cosine, impulse, cosine), ones, scratch);

        for (int k = 0; k < transform.BinCount; k++)
        {
            Assert.Equal(1.0, scratch[k].GetElement(0), 12);
            Assert.Equal(0.0, scratch[transform.ImaginaryOffset + k].GetElement(0), 12);
            Assert.Equal(k == 5 ? n / 2.0 : 0.0, scratch[k].GetElement(1), 5);
        }
    }

    private static (double[] Re, double[] Im) NaiveDft(float[] x, double[] window)
    {
        int n = x.Length;
        var cos = new double[n];
        var sin = new double[n];
        for (int j = 0; j < n; j++)
        {
            (sin[j], cos[j]) = double.SinCosPi(2.0 * j / n);
        }

        int bins = (n / 2) + 1;
        var re = new double[bins];
        var im = new double[bins];
        for (int k = 0; k < bins; k++)
        {
            double sr = 0, si = 0;
            long idx = 0;
            for (int j = 0; j < n; j++)
            {
                double v = x[j] * window[j];
                sr += v * cos[idx];
                si -= v * sin[idx];
                idx += k;
                if (idx >= n)
                {
                    idx -= n;
                }
            }

            re[k] = sr;
            im[k] = si;
        }

        return (re, im);
    }
}
