using System;
using System.Collections.Generic;
using System.Globalization;
using MelGenre.Dsp;
using Xunit;
using Xunit.Abstractions;

namespace MelGenre.Tests.Dsp;

/// <summary>Parity with librosa 0.11 on the golden outputs in <c>Golden/librosa-0.11</c>.</summary>
public class LibrosaGoldenTests
{
    /// <summary>Filter banks: max |ours - librosa| per row, relative to the row maximum.</summary>
    private const double FilterBankRelativeTolerance = 1e-6;

    /// <summary>Mel spectrograms: relative error where the golden value exceeds this fraction of the golden maximum...</summary>
    private const double MelSignificantFraction = 1e-8;

    /// <summary>... must be at most this; elsewhere the absolute error must be at most MelSignificantFraction * max.</summary>
    private const double MelRelativeTolerance = 1e-4;

    /// <summary>Decibels: absolute error in dB.</summary>
    private const double DbTolerance = 1e-3;

    /// <summary>Natural-log scaling: absolute error.</summary>
    private const double LogTolerance = 1e-4;

    private static readonly Dictionary<string, (string Signal, MelSpectrogramSettings Settings)> MelCases = new()
    {
        ["mel_sine440_5s_hop512"] = ("signal_sine440_5s", new MelSpectrogramSettings()),
        ["mel_chirp_5s_hop512"] = ("signal_chirp_5s", new MelSpectrogramSettings()),
        ["mel_noise_5s_hop512"] = ("signal_noise_5s", new MelSpectrogramSettings()),
        ["mel_short_1000_hop512"] = ("signal_short_1000", new MelSpectrogramSettings()),
        ["mel_chirp_5s_hop1024_reflect"] = ("signal_chirp_5s", new MelSpectrogramSettings { HopLength = 1024, PadMode = PadMode.Reflect }),
        ["mel_sine440_5s_nfft1024_hop256_nmels64_fmin50_fmax8000_hamming_power1"] = ("signal_sine440_5s", new MelSpectrogramSettings
        {
            FftSize = 1024,
            HopLength = 256,
            MelCount = 64,
            MinFrequency = 50,
            MaxFrequency = 8000,
            Window = WindowType.Hamming,
            Power = 1,
        }),
    };

    private readonly ITestOutputHelper _output;

    public LibrosaGoldenTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<string> MelCaseNames() => new(MelCases.Keys);

    [Theory]
    [InlineData("melfb_sr22050_nfft2048_nmels128_htk0_normnone", 22050, 2048, 128, 0.0, null, false, MelNormalization.None)]
    [InlineData("melfb_sr22050_nfft2048_nmels128_htk0_normslaney", 22050, 2048, 128, 0.0, null, false, MelNormalization.Slaney)]
    [InlineData("melfb_sr22050_nfft2048_nmels128_htk1_normslaney", 22050, 2048, 128, 0.0, null, true, MelNormalization.Slaney)]
    [InlineData("melfb_sr44100_nfft2048_nmels128_fmin20_fmax11025", 44100, 2048, 128, 20.0, 11025.0, false, MelNormalization.Slaney)]
    public void Filter_bank_matches_librosa(string name, int sr, int nfft, int nmels, double fmin, double? fmax, bool htk, MelNormalization norm)
    {
        (float[] golden, GoldenEntry entry) = GoldenData.Read(name);
        float[,] ours = MelFilterBank.Create(sr, nfft, nmels, fmin, fmax, htk, norm);

        Assert.Equal(entry.Shape, new[] { ours.GetLength(0), ours.GetLength(1) });
        int bins = entry.Shape[1];
        double worst = 0;
        for (int m = 0; m < nmels; m++)
        {
            double rowMax = 0, rowErr = 0;
            for (int k = 0; k < bins; k++)
            {
                rowMax = Math.Max(rowMax, Math.Abs(golden[(m * bins) + k]));
                rowErr = Math.Max(rowErr, Math.Abs(ours[m, k] - golden[(m * bins) + k]));
            }

            double rel = rowMax > 0 ? rowErr / rowMax : rowErr;
            Assert.True(rel <= FilterBankRelativeTolerance, $"{name} row {m}: max error {rowErr:G3} relative to row max {rowMax:G3} is {rel:G3} > {FilterBankRelativeTolerance:G3}");
            worst = Math.Max(worst, rel);
        }

        _output.WriteLine($"{name}: max row-relative error {worst:G3}");
    }

    [Theory]
    [MemberData(nameof(MelCaseNames))]
    public void Mel_spectrogram_matches_librosa(string name)
    {
        (string signalName, MelSpectrogramSettings settings) = MelCases[name];
        float[] signal = GoldenData.Read(signalName).Values;
        (float[] golden, GoldenEntry entry) = GoldenData.Read(name);
        var extractor = new MelSpectrogram(settings);

        Assert.Equal(entry.Shape, new[] { settings.MelCount, extractor.GetFrameCount(signal.Length) });
        float[] ours = extractor.Compute(signal);
        (double rel, double abs) = CompareMel(name, ours, golden);
        _output.WriteLine($"{name}: max relative error {rel:G3} (significant values), max absolute error elsewhere {abs:G3} x max");
    }

    /// <summary>
    /// The FMA clip's golden mel needs the full decoded track (left to the integration layer); but frames 0..42 at
    /// hop 1024 only read the first 44,100 samples, which are in the golden set, so those frames are checked here.
    /// </summary>
    [Fact]
    public void Mel_spectrogram_fma_clip_prefix_matches_librosa_frames_that_only_use_the_prefix()
    {
        float[] prefix = GoldenData.Read("fma_000002_native_mono_first44100").Values;
        (float[] golden, GoldenEntry entry) = GoldenData.Read("mel_fma_000002_native_sr44100_hop1024");
        var extractor = new MelSpectrogram(new MelSpectrogramSettings { SampleRate = 44100, HopLength = 1024 });
        int goldenFrames = entry.Shape[1];
        float[] ours = extractor.Compute(prefix);
        int ourFrames = extractor.GetFrameCount(prefix.Length);

        // Frame t covers samples [t * 1024 - 1024, t * 1024 + 1024): it depends on the prefix only while that end <= 44100.
        int usable = ((prefix.Length - 1024) / 1024) + 1;
        Assert.Equal(43, usable);
        var oursPart = new float[128 * usable];
        var goldPart = new float[128 * usable];
        for (int m = 0; m < 128; m++)
        {
            Array.Copy(ours, m * ourFrames, oursPart, m * usable, usable);
            Array.Copy(golden, m * goldenFrames, goldPart, m * usable, usable);
        }

        (double rel, double abs) = CompareMel("fma_000002 frames 0..42", oursPart, goldPart);
        _output.WriteLine($"fma_000002 first {usable} frames: max relative error {rel:G3}, max absolute error elsewhere {abs:G3} x max");
    }

    [Theory]
    [InlineData("db_sine440_5s_hop512_ref1", false)]
    [InlineData("db_chirp_5s_hop512_ref1", false)]
    [InlineData("db_noise_5s_hop512_ref1", false)]
    [InlineData("db_short_1000_hop512_ref1", false)]
    [InlineData("db_chirp_5s_hop1024_reflect_refmax", true)]
    public void Power_to_db_on_golden_mel_matches_librosa(string name, bool refMax)
    {
        (float[] golden, GoldenEntry entry) = GoldenData.Read(name);
        float[] mel = GoldenData.Read(entry.Input!).Values;
        var ours = new float[mel.Length];

        Decibels.PowerToDb(mel, ours, reference: 1f, referenceIsMax: refMax, amin: 1e-10f, topDb: 80f);

        double worst = MaxAbsDiff(ours, golden);
        _output.WriteLine($"{name}: max |dB error| {worst:G3}");
        Assert.True(worst <= DbTolerance, $"{name}: max dB error {worst:G3} > {DbTolerance}");
    }

    /// <summary>Our mel followed by our dB against librosa's dB of librosa's mel, over every value (clipped ones included).</summary>
    [Theory]
    [InlineData("db_sine440_5s_hop512_ref1", false)]
    [InlineData("db_chirp_5s_hop512_ref1", false)]
    [InlineData("db_noise_5s_hop512_ref1", false)]
    [InlineData("db_short_1000_hop512_ref1", false)]
    [InlineData("db_chirp_5s_hop1024_reflect_refmax", true)]
    public void Full_pipeline_mel_then_db_matches_librosa(string name, bool refMax)
    {
        (float[] golden, GoldenEntry entry) = GoldenData.Read(name);
        (string signalName, MelSpectrogramSettings settings) = MelCases[entry.Input!];
        float[] signal = GoldenData.Read(signalName).Values;
        float[] db = new MelSpectrogram(settings).Compute(signal);

        Decibels.PowerToDb(db, db, referenceIsMax: refMax, topDb: 80f);

        Assert.Equal(golden.Length, db.Length);
        double worst = MaxAbsDiff(db, golden);
        _output.WriteLine($"{name} (own mel -> own dB): max |dB error| {worst:G3}");
        Assert.True(worst <= DbTolerance, $"{name}: max dB error {worst:G3} > {DbTolerance}");
    }

    [Fact]
    public void Decibels_to_natural_log_matches_original_works_log_scaling()
    {
        (float[] golden, GoldenEntry entry) = GoldenData.Read("origlog_chirp_5s_hop1024_reflect");
        float[] db = GoldenData.Read(entry.Input!).Values;
        var ours = new float[db.Length];

        Decibels.DecibelsToNaturalLog(db, ours);

        double worst = MaxAbsDiff(ours, golden);
        _output.WriteLine($"origlog_chirp_5s_hop1024_reflect: max abs error {worst:G3}");
        Assert.True(worst <= LogTolerance, $"max error {worst:G3} > {LogTolerance}");
    }

    private static (double Relative, double AbsoluteOverMax) CompareMel(string name, float[] ours, float[] golden)
    {
        Assert.Equal(golden.Length, ours.Length);
        double max = 0;
        foreach (float g in golden)
        {
            max = Math.Max(max, g);
        }

        Assert.True(max > 0, $"{name}: golden maximum must be positive");
        double threshold = MelSignificantFraction * max;
        double worstRel = 0, worstAbs = 0;
        for (int i = 0; i < golden.Length; i++)
        {
            double g = golden[i], o = ours[i], err = Math.Abs(o - g);
            Assert.False(double.IsNaN(o), $"{name}[{i}] is NaN");
            if (g > threshold)
            {
                double rel = err / g;
                Assert.True(rel <= MelRelativeTolerance, string.Format(CultureInfo.InvariantCulture, "{0}[{1}]: ours {2:G9}, librosa {3:G9}, relative error {4:G3} > {5}", name, i, o, g, rel, MelRelativeTolerance));
                worstRel = Math.Max(worstRel, rel);
            }
            else
            {
                Assert.True(err <= threshold, string.Format(CultureInfo.InvariantCulture, "{0}[{1}]: ours {2:G9}, librosa {3:G9}, absolute error {4:G3} > {5:G3}", name, i, o, g, err, threshold));
                worstAbs = Math.Max(worstAbs, err / max);
            }
        }

        return (worstRel, worstAbs);
    }

    private static double MaxAbsDiff(float[] a, float[] b)
    {
        Assert.Equal(b.Length, a.Length);
        double worst = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double d = Math.Abs((double)a[i] - b[i]);
            Assert.False(double.IsNaN(d), $"value {i} is NaN");
            worst = Math.Max(worst, d);
        }

        return worst;
    }
}
