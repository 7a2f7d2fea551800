using System;
using System.IO;
using System.Linq;
using MelGenre.Audio;
using MelGenre.Dsp;
using MelGenre.Persistence;
using MelGenre.Tests.Dsp;
using MelGenre.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;
using Xunit.Abstractions;

namespace MelGenre.Tests.Pipeline;

/// <summary>
/// The feature transforms as ML.NET components: shapes and slot names, the estimator "workout" (promised schema =
/// delivered schema, bad schemas fail in GetOutputSchema and Fit with ML.NET's wording), save/load, and the ML.NET
/// route (LoadAudio -> mel -> dB -> MFCC -> SummarizeFrames) against librosa's golden values.
/// </summary>
public sealed class FeaturePipelineTests : IDisposable
{
    private readonly string _dir = TestAudio.NewFolder();
    private readonly ITestOutputHelper _output;

    public FeaturePipelineTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Clip => Path.Combine(AppContext.BaseDirectory, "TestData", "fma_000002.mp3");

    private (MLContext Ml, IDataView Data) TwoSecondsOfSound(int rate = 22050)
    {
        var ml = new MLContext(1);
        string wav = TestAudio.WriteWav(Path.Combine(_dir, "mix.wav"), rate, 1, rate * 2,
            (_, i) => (0.3 * Math.Sin(2 * Math.PI * 440 * i / rate)) + (0.1 * Math.Sin(2 * Math.PI * 3000 * i / rate)));
        return (ml, ml.Data.LoadFromEnumerable(new[] { new PathRow { Path = wav } }));
    }

    private IEstimator<ITransformer> AllFeatures(MLContext ml) =>
        ml.Transforms.LoadAudio("Audio", "Path", durationSeconds: 2)
            .Append(ml.Transforms.ExtractChroma("Chroma", "Audio"))
            .Append(ml.Transforms.ExtractSpectralContrast("Contrast", "Audio"))
            .Append(ml.Transforms.ExtractZeroCrossingRate("Zcr", "Audio"))
            .Append(ml.Transforms.ExtractRms("Rms", "Audio"))
            .Append(ml.Transforms.ExtractSpectralCentroid("Centroid", "Audio"))
            .Append(ml.Transforms.ExtractSpectralBandwidth("Bandwidth", "Audio"))
            .Append(ml.Transforms.ExtractSpectralRolloff("Rolloff", "Audio"))
            .Append(ml.Transforms.ExtractMelSpectrogram("Mel", "Audio"))
            .Append(ml.Transforms.ConvertToDecibels("Db", "Mel"))
            .Append(ml.Transforms.ExtractMfcc("Mfcc", "Db"))
            .Append(ml.Transforms.SummarizeFrames("MfccStats", "Mfcc"))
            .Append(ml.Transforms.SummarizeFrames(new SummarizeFramesEstimator.Options
            {
                OutputColumnName = "ChromaStats",
                InputColumnName = "Chroma",
                Settings = new FrameSummarySettings { Statistics = FrameStatistic.Mean | FrameStatistic.Maximum, SlotNamePrefix = "chroma_stft" },
            }))
            .Append(ml.Transforms.ExtractFmaFeatures("Fma", "Audio", sampleRate: 22050));

    [Fact]
    public void Outputs_are_shaped_like_librosa_with_slot_names()
    {
        var (ml, data) = TwoSecondsOfSound();
        var output = AllFeatures(ml).Fit(data).Transform(data);
        const int frames = 1 + (44100 / 512);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 12, frames), output.Schema["Chroma"].Type);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 7, frames), output.Schema["Contrast"].Type);
        foreach (var name in new[] { "Zcr", "Rms", "Centroid", "Bandwidth", "Rolloff" })
            Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 1, frames), output.Schema[name].Type);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 20, frames), output.Schema["Mfcc"].Type);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 140), output.Schema["MfccStats"].Type);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 24), output.Schema["ChromaStats"].Type);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 308), output.Schema["Fma"].Type);

        Assert.Equal(new[] { "Mfcc/mean/01", "Mfcc/mean/02" }, SlotNames(output, "MfccStats").Take(2));
        Assert.Equal("Mfcc/max/20", SlotNames(output, "MfccStats")[^1]);
        Assert.Equal("chroma_stft/mean/01", SlotNames(output, "ChromaStats")[0]);
        Assert.Equal("chroma_stft/max/12", SlotNames(output, "ChromaStats")[^1]);
        Assert.Equal(FmaFeatureVector.SlotNames, SlotNames(output, "Fma"));

        // The 440 Hz tone dominates: chroma A is the frame maximum (1) in the middle of the clip.
        float[] chroma = output.GetColumn<float[]>("Chroma").Single();
        Assert.Equal(1f, chroma[(9 * frames) + (frames / 2)]);
        float[] centroid = output.GetColumn<float[]>("Centroid").Single();
        Assert.InRange(centroid[frames / 2], 440, 3000);
    }

    [Fact]
    public void Estimators_promise_what_the_transformers_deliver()
    {
        var (ml, data) = TwoSecondsOfSound();
        var estimator = AllFeatures(ml);
        var promised = estimator.GetOutputSchema(MlNetBridge.ToSchemaShape(data.Schema));
        var delivered = estimator.Fit(data).GetOutputSchema(data.Schema);
        foreach (var name in new[] { "Chroma", "Contrast", "Zcr", "Rms", "Centroid", "Bandwidth", "Rolloff", "Mfcc", "MfccStats", "ChromaStats", "Fma" })
        {
            var col = promised.Single(c => c.Name == name);
            Assert.Equal(SchemaShape.Column.VectorKind.Vector, col.Kind);
            Assert.Equal(NumberDataViewType.Single, col.ItemType);
            Assert.True(delivered[name].Type is VectorDataViewType { IsKnownSize: true });
            bool promisedSlots = col.Annotations.Any(a => a.Name == "SlotNames");
            bool deliveredSlots = delivered[name].Annotations.Schema.GetColumnOrNull("SlotNames") is not null;
            Assert.Equal(deliveredSlots, promisedSlots);
        }
    }

    private sealed class BadRow
    {
        public float Path { get; set; }

        [VectorType]
        public float[] Samples { get; set; } = new float[4096];

        [VectorType(4096)]
        public float[] Fixed { get; set; } = new float[4096];
    }

    [Fact]
    public void Bad_input_columns_fail_in_get_output_schema_and_fit_with_MLNET_wording()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[] { new BadRow() });
        var shape = MlNetBridge.ToSchemaShape(data.Schema);
        IEstimator<ITransformer>[] estimators =
        [
            ml.Transforms.ExtractMfcc("M", "Samples"),
            ml.Transforms.ExtractSpectralCentroid("C", "Samples"),
            ml.Transforms.SummarizeFrames("S", "Samples"),
            ml.Transforms.ExtractFmaFeatures("F", "Samples", 22050),
        ];
        foreach (var estimator in estimators)
        {
            Assert.StartsWith("Schema mismatch for input column 'Samples': expected known-size Vector<Single>, got VarVector<Single>",
                Assert.Throws<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(shape)).Message);
            Assert.StartsWith("Schema mismatch for input column 'Samples': expected",
                Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(data)).Message);
        }

        Assert.StartsWith("Could not find input column 'Nope'",
            Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.ExtractFmaFeatures("F", "Nope").Fit(data)).Message);
        Assert.StartsWith("Schema mismatch for input column 'Path': expected known-size Vector<Single>, got Single",
            Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.ExtractChroma("C", "Path").GetOutputSchema(shape)).Message);

        // MFCCs need a [mels, frames] matrix, not mono samples.
        Assert.StartsWith("Schema mismatch for input column 'Fixed': expected Vector<Single, nMels, nFrames> (a dB mel spectrogram), got Vector<Single, 4096>",
            Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.ExtractMfcc("M", "Fixed").Fit(data)).Message);
    }

    [Fact]
    public void Sample_rate_and_band_count_mismatches_are_caught_at_Fit()
    {
        var (ml, data) = TwoSecondsOfSound();
        var wrongRate = ml.Transforms.LoadAudio("Audio", "Path", sampleRate: 22050, durationSeconds: 1)
            .Append(ml.Transforms.ExtractFmaFeatures("Features", "Audio"));
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => wrongRate.Fit(data));
        Assert.Contains("22050 Hz", ex.Message);
        Assert.Contains("ExtractFmaFeatures is configured for SampleRate = 44100 Hz", ex.Message);

        var tooManyCoefficients = ml.Transforms.LoadAudio("Audio", "Path", durationSeconds: 1)
            .Append(ml.Transforms.ExtractMelSpectrogram("Mel", "Audio", melCount: 16))
            .Append(ml.Transforms.ExtractMfcc("Mfcc", "Mel", mfccCount: 20));
        Assert.Contains("has 16 mel bands, fewer than MfccCount = 20",
            Assert.Throws<ArgumentOutOfRangeException>(() => tooManyCoefficients.Fit(data)).Message);
    }

    [Fact]
    public void Invalid_options_fail_at_construction_listing_every_error()
    {
        var ml = new MLContext(1);
        var spectral = Assert.Throws<ArgumentException>(() => ml.Transforms.ExtractSpectralFeature(new ExtractSpectralFeatureEstimator.Options
        {
            OutputColumnName = "S",
            Settings = new SpectralFeatureSettings { ContrastQuantile = 1.5f, RolloffPercent = 0, HopLength = 0 },
        }));
        Assert.Contains("quantile must lie in the range (0, 1), got 1.5", spectral.Message);
        Assert.Contains("roll_percent must lie in the range (0, 1), got 0", spectral.Message);
        Assert.Contains("hop_length must be a positive integer, got 0", spectral.Message);

        var nyquist = Assert.Throws<ArgumentException>(() => ml.Transforms.ExtractSpectralContrast("C", "Audio", sampleRate: 8000, bands: 6));
        Assert.Contains("Frequency band exceeds Nyquist", nyquist.Message);

        var mfcc = Assert.Throws<ArgumentException>(() => ml.Transforms.ExtractMfcc(new ExtractMfccEstimator.Options { OutputColumnName = "M", Settings = new MfccSettings { MfccCount = 0, Lifter = -1 } }));
        Assert.Contains("MfccCount (n_mfcc) must be a positive integer, got 0", mfcc.Message);
        Assert.Contains("Lifter must be a non-negative number, got -1", mfcc.Message);

        var stats = Assert.Throws<ArgumentException>(() => ml.Transforms.SummarizeFrames("S", "X", FrameStatistic.None));
        Assert.Contains("Statistics must be a non-empty combination", stats.Message);
    }

    [Fact]
    public void Saved_feature_pipeline_reloads_with_identical_outputs_and_settings()
    {
        var (ml, data) = TwoSecondsOfSound();
        var model = AllFeatures(ml).Fit(data);
        var before = model.Transform(data);
        string zip = Path.Combine(_dir, "features.zip");
        ml.Model.Save(model, data.Schema, zip);

        var fresh = new MLContext(7).RegisterMelGenre();
        var loaded = fresh.Model.Load(zip, out _);
        var after = loaded.Transform(data);
        foreach (var name in new[] { "Chroma", "Contrast", "Zcr", "Rms", "Centroid", "Bandwidth", "Rolloff", "Mfcc", "MfccStats", "ChromaStats", "Fma" })
        {
            Assert.Equal(before.Schema[name].Type, after.Schema[name].Type);
            Assert.Equal(before.GetColumn<float[]>(name).Single(), after.GetColumn<float[]>(name).Single());
        }

        Assert.Equal(SlotNames(before, "ChromaStats"), SlotNames(after, "ChromaStats"));
        var chain = Assert.IsType<TransformerChain<ITransformer>>(loaded);
        Assert.Equal(FrameStatistic.Mean | FrameStatistic.Maximum, chain.OfType<SummarizeFramesTransformer>().Single(t => t.OutputColumnName == "ChromaStats").Settings.Statistics);
        Assert.Equal(SpectralFeature.Contrast, chain.OfType<ExtractSpectralFeatureTransformer>().Single(t => t.OutputColumnName == "Contrast").Feature);
        Assert.Equal(22050, chain.OfType<ExtractFmaFeaturesTransformer>().Single().Settings.SampleRate);
        Assert.Equal(20, chain.OfType<ExtractMfccTransformer>().Single().Settings.MfccCount);
    }

    private sealed class AudioRow
    {
        [VectorType(1321967)]
        public float[] Audio { get; set; } = Array.Empty<float>();
    }

    [Fact]
    public void MLNET_route_to_MFCC_statistics_matches_librosa_on_the_real_clip()
    {
        // librosa.feature.mfcc(S=power_to_db(melspectrogram(sr=44100, S=|stft|**2)), n_mfcc=20) and its statistics,
        // through ExtractMelSpectrogram -> ConvertToDecibels -> ExtractMfcc -> SummarizeFrames.
        float[] y = AudioDecoder.ReadMono(Clip, out int rate);
        Assert.Equal(44100, rate);
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[] { new AudioRow { Audio = y } });
        var output = ml.Transforms.ExtractMelSpectrogram("Mel", "Audio", sampleRate: 44100)
            .Append(ml.Transforms.ConvertToDecibels("Db", "Mel"))
            .Append(ml.Transforms.ExtractMfcc("Mfcc", "Db"))
            .Append(ml.Transforms.SummarizeFrames("Stats", "Mfcc"))
            .Fit(data).Transform(data);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 20, 2582), output.Schema["Mfcc"].Type);

        // Same tolerances as the golden tests: 1e-4 relative plus 1e-3 (scipy's float32 DCT) absolute.
        var (mfcc, _) = GoldenData.Read("fma_000002_native_mfcc", FmaFeatureGoldenTests.Set);
        AssertClose(output.GetColumn<float[]>("Mfcc").Single(), mfcc, 1e-4, 1e-3, "mfcc");

        // SummarizeFrames' layout ([statistic, row], FMA's moment order) is the golden file's.
        var (stats, _) = GoldenData.Read("fma_000002_native_mfcc_stats", FmaFeatureGoldenTests.Set);
        AssertClose(output.GetColumn<float[]>("Stats").Single(), stats, 1e-4, 1e-3, "mfcc statistics");
    }

    private void AssertClose(float[] ours, float[] golden, double relative, double absolute, string what)
    {
        Assert.Equal(golden.Length, ours.Length);
        double worst = 0;
        for (int i = 0; i < golden.Length; i++)
        {
            double e = Math.Abs(ours[i] - golden[i]);
            worst = Math.Max(worst, e);
            Assert.True(e <= (relative * Math.Abs(golden[i])) + absolute, $"{what}[{i}]: {ours[i]} vs librosa {golden[i]}");
        }

        _output.WriteLine($"{what}: max abs error {worst:G3}");
    }

    private static string[] SlotNames(IDataView view, string column)
    {
        VBuffer<ReadOnlyMemory<char>> names = default;
        view.Schema[column].Annotations.GetValue("SlotNames", ref names);
        return names.DenseValues().Select(n => n.ToString()).ToArray();
    }
}
