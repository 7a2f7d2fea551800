using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using MelGenre.Dsp;
using MelGenre.Tests.Dsp;
using Xunit;
using Xunit.Abstractions;

namespace MelGenre.Tests.Dsp;

/// <summary>
/// Parity of the CQT-based FMA features with librosa 0.11 (<c>Golden/fma-cqt-librosa-0.11</c>, made by
/// <c>make_golden_cqt.py</c>): estimated tuning, |CQT| (84 bins, hop 512), chroma_cqt, chroma_cens, tonnetz and their 7
/// statistics, for the 5-s chirp at 22,050 Hz and the real clip fma_small 000002 at its native 44,100 Hz.
/// </summary>
/// <remarks>
/// <para>A value passes when <c>|ours - librosa| &lt;= Relative × |librosa| + Absolute</c>. Measured maxima are printed
/// by each test (and recorded in <c>src/MelGenre/Dsp/Cqt/README.md</c>); the tolerances leave a margin of 3-10×.</para>
/// <para><b>Why |CQT| is not bit-exact.</b> librosa sums the sparse filter products in complex64 (scipy's CSR kernel).
/// The same complex64 filters, the same complex64 STFT and the same float32 accumulation order are used here, but
/// each |CQT| value is a sum of about a dozen complex products that largely cancel (the STFT bins around a filter carry
/// energy at nearby frequencies), so one-ulp differences in any double-precision intermediate (FFTs, cos/sin, the
/// filter norm) surface as errors of about 2e-7 of the clip's largest |CQT| value, whatever the value itself. The
/// chirp's top octave, which is not resampled at all, shows the same level, so the resampler is not the source. Hence the absolute part of the |CQT|
/// tolerance is relative to the clip maximum. Chroma inherits this: chroma_cqt divides by the frame maximum, so in
/// frames where the chirp has left the CQT's range (above B7) the leakage left is small and its relative error larger.</para>
/// </remarks>
public sealed class CqtGoldenTests
{
    internal const string Set = "fma-cqt-librosa-0.11";

    private const double Relative = 1e-4;

    /// <summary>|CQT| absolute floor as a fraction of the clip's largest |CQT| value (measured at most 2.5e-7).</summary>
    private const double CqtAbsoluteOfClipMax = 1e-6;

    /// <summary>chroma_cqt absolute tolerance (measured 2.4e-5 on the chirp's out-of-range frames, 3.6e-7 on 000002).</summary>
    private const double ChromaCqtAbsolute = 1e-4;

    /// <summary>
    /// chroma_cens absolute tolerance. CENS quantises the L1 chroma at 0.05/0.1/0.2/0.4 before smoothing; the chroma
    /// agrees to ~1e-7, no value of these clips lies that close to a step, and CENS is reproduced exactly (measured 0).
    /// </summary>
    private const double CensAbsolute = 1e-6;

    /// <summary>tonnetz absolute tolerance (measured 7.5e-9: float32 rounding of the golden file).</summary>
    private const double TonnetzAbsolute = 1e-6;

    private readonly ITestOutputHelper _output;

    public CqtGoldenTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<string> Clips() => new() { "cqt_chirp_5s", "fma_000002_native" };

    [Theory]
    [MemberData(nameof(Clips))]
    public void Tuning_matches_librosa_estimate_tuning(string clip)
    {
        (float[] y, int sr) = Load(clip);
        double ours = TuningEstimator.EstimateTuning(y, sr, 12);
        double golden = GoldenTuning(clip);
        _output.WriteLine($"{clip}: tuning {ours:R}, librosa {golden:R}");

        // A histogram edge, i * 0.01 - 0.5 in double: exactly the same value when the same bin wins.
        Assert.Equal(golden, ours, 1e-12);
    }

    [Theory]
    [MemberData(nameof(Clips))]
    public void Cqt_features_match_librosa_frame_by_frame(string clip)
    {
        (float[] y, int sr) = Load(clip);
        CqtFrames f = FmaCqtFeatures.ComputeFrames(y, sr);
        Assert.Equal(GoldenTuning(clip), f.Tuning, 1e-12);

        var (cqt, entry) = GoldenData.Read($"{clip}_cqt_abs", Set);
        Assert.Equal(new[] { 84, f.FrameCount }, entry.Shape);
        double clipMax = cqt.Max();
        AssertClose($"{clip} |cqt|", f.Cqt, cqt, Relative, CqtAbsoluteOfClipMax * clipMax, f.FrameCount);

        Compare("chroma_cqt", f.ChromaCqt, 12, ChromaCqtAbsolute);
        Compare("chroma_cens", f.ChromaCens, 12, CensAbsolute);
        Compare("tonnetz", f.Tonnetz.Select(v => (float)v).ToArray(), 6, TonnetzAbsolute);

        void Compare(string name, float[] ours, int rows, double absolute)
        {
            var (golden, e) = GoldenData.Read($"{clip}_{name}", Set);
            Assert.Equal(new[] { rows, f.FrameCount }, e.Shape);
            AssertClose($"{clip} {name}", ours, golden, Relative, absolute, f.FrameCount);
        }
    }

    [Theory]
    [MemberData(nameof(Clips))]
    public void Clip_statistics_match_numpy_and_scipy(string clip)
    {
        (float[] y, int sr) = Load(clip);
        float[] vector = new FmaCqtFeatures().Compute(y, sr);
        Assert.Equal(FmaCqtFeatures.Length, vector.Length);
        var slots = FmaCqtFeatures.SlotNames.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i);
        string[] stats = ["mean", "std", "skew", "kurtosis", "median", "min", "max"];
        foreach ((string name, int rows, double absolute) in new[] { ("chroma_cens", 12, 1e-6), ("chroma_cqt", 12, 1e-5), ("tonnetz", 6, 1e-6) })
        {
            var (golden, entry) = GoldenData.Read($"{clip}_{name}_stats", Set);
            Assert.Equal(new[] { 7, rows }, entry.Shape);
            for (int s = 0; s < 7; s++)
            {
                // Skewness and kurtosis are ratios of central moments (dimensionless); numpy/scipy compute the chroma
                // statistics in float32, which leaves ~1e-6 absolute noise on them.
                bool moment = stats[s] is "skew" or "kurtosis";
                float[] ours = Enumerable.Range(0, rows).Select(r => vector[slots[$"{name}/{stats[s]}/{r + 1:00}"]]).ToArray();
                float[] expected = golden.AsSpan(s * rows, rows).ToArray();
                AssertClose($"{clip} {name} {stats[s]}", ours, expected, Relative, moment ? 1e-4 : absolute, rows);
            }
        }
    }

    [Fact]
    public void Slot_names_follow_features_csv_order_and_complete_the_518_vector()
    {
        IReadOnlyList<string> names = FmaCqtFeatures.SlotNames;
        Assert.Equal(210, names.Count);
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.Equal("chroma_cens/kurtosis/01", names[0]);
        Assert.Equal("chroma_cens/std/12", names[83]);
        Assert.Equal("chroma_cqt/kurtosis/01", names[84]);
        Assert.Equal("tonnetz/kurtosis/01", names[168]);
        Assert.Equal("tonnetz/std/06", names[^1]);

        // The full features.csv layout: sorted (feature, statistic, number) columns; the STFT part is exactly the
        // existing 308-value vector, the CQT part these 210 values.
        IReadOnlyList<string> full = FmaCqtFeatures.FullSlotNames;
        Assert.Equal(518, full.Count);
        Assert.Equal(full.OrderBy(n => n, StringComparer.Ordinal), full);
        Assert.Equal(full.Except(names).ToList(), FmaFeatureVector.SlotNames.ToList());
        for (int i = 0; i < names.Count; i++)
        {
            Assert.Equal(names[i], full[FmaCqtFeatures.FullVectorIndex[i]]);
        }

        Assert.Equal(Enumerable.Range(0, 168), FmaCqtFeatures.FullVectorIndex.Take(168));
        Assert.Equal(Enumerable.Range(469, 42), FmaCqtFeatures.FullVectorIndex.Skip(168));
    }

    [Fact]
    public void Chroma_folding_reproduces_cq_to_chroma_with_36_bins_per_octave()
    {
        // librosa.filters.cq_to_chroma(84, bins_per_octave=36): repeat(eye(12), 3) rolled left by one, tiled. FMA's
        // 12-bin CQT goes through it unchanged, so class 0 gathers CQT bins 0, 1, 35, 36, 37, 71, 72 and 73.
        int[] map = CqtChroma.ChromaOfBin(84);
        Assert.Equal(new[] { 0, 1, 35, 36, 37, 71, 72, 73 }, Enumerable.Range(0, 84).Where(j => map[j] == 0));
        Assert.Equal(new[] { 32, 33, 34, 68, 69, 70 }, Enumerable.Range(0, 84).Where(j => map[j] == 11));
        Assert.Equal(Enumerable.Range(0, 12).Select(c => c / 3 % 12), CqtChroma.ChromaOfBin(12, 12).Select(c => c / 3 % 12));
        Assert.Equal(Enumerable.Range(0, 12), CqtChroma.ChromaOfBin(12, 12));
    }

    [Fact]
    public void A_detuned_tone_gives_its_tuning_and_its_cqt_bin()
    {
        // A4 raised by a quarter of a semitone: estimate_tuning finds +0.25 bins, and the tuned CQT puts the tone in
        // the A4 bin (36 + 9 semitones above C1).
        const int sr = 22050;
        double f0 = 440.0 * Math.Pow(2, 0.25 / 12);
        float[] y = Enumerable.Range(0, 3 * sr).Select(n => (float)(0.5 * Math.Sin(2 * Math.PI * f0 * n / sr))).ToArray();
        CqtFrames f = FmaCqtFeatures.ComputeFrames(y, sr);
        Assert.InRange(f.Tuning, 0.24 - 1e-9, 0.26 + 1e-9);
        int middle = f.FrameCount / 2;
        int peak = Enumerable.Range(0, 84).MaxBy(b => f.Cqt[(b * f.FrameCount) + middle]);
        Assert.Equal(45, peak);
    }

    [Fact]
    public void Silence_gives_finite_features()
    {
        float[] vector = new FmaCqtFeatures().Compute(new float[44100], 44100);
        Assert.All(vector, v => Assert.True(float.IsFinite(v)));
        Assert.Equal(0.0, TuningEstimator.EstimateTuning(new float[44100], 44100));
        Assert.All(vector, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Compute_checks_its_destination()
    {
        Assert.Throws<ArgumentException>(() => new FmaCqtFeatures().Compute(new float[22050], 22050, new float[209]));
        Assert.Throws<ArgumentException>(() => FmaCqtFeatures.ComputeFrames(Array.Empty<float>(), 22050));
    }

    internal static (float[] Samples, int SampleRate) Load(string clip) =>
        clip == "cqt_chirp_5s" ? (GoldenData.ReadF32("signal_chirp_5s", Set), 22050) : FmaFeatureGoldenTests.Load("fma_000002_native");

    private static double GoldenTuning(string clip)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(GoldenData.DirectoryOf(Set), "manifest.json")));
        return doc.RootElement.GetProperty("files").GetProperty($"{clip}_tuning").GetProperty("value").GetDouble();
    }

    private void AssertClose(string what, float[] ours, float[] golden, double relative, double absolute, int frames)
    {
        Assert.Equal(golden.Length, ours.Length);
        double maxAbs = 0, maxRel = 0, maxGolden = 0;
        foreach (float g in golden)
        {
            maxGolden = Math.Max(maxGolden, Math.Abs(g));
        }

        for (int i = 0; i < golden.Length; i++)
        {
            double g = golden[i], e = Math.Abs(ours[i] - g);
            maxAbs = Math.Max(maxAbs, e);
            if (Math.Abs(g) > 1e-3 * maxGolden)
            {
                maxRel = Math.Max(maxRel, e / Math.Abs(g));
            }

            Assert.True(e <= (relative * Math.Abs(g)) + absolute,
                $"{what} [row {i / frames}, col {i % frames}]: {ours[i]} vs librosa {g} (error {e:G3} > {relative:G2} relative + {absolute:G2})");
        }

        _output.WriteLine($"{what}: max abs error {maxAbs:G3} ({maxAbs / Math.Max(maxGolden, double.Epsilon):G3} of the largest value), max rel error {maxRel:G3} (values above 1e-3 of the largest)");
    }
}
