using System;
using System.IO;
using System.Linq;
using MelGenre.Audio;
using MelGenre.Dsp;
using MelGenre.Persistence;
using MelGenre.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace MelGenre.Tests.Pipeline;

/// <summary>LoadAudio -> ExtractMelSpectrogram -> ConvertToDecibels as an ML.NET pipeline.</summary>
public sealed class FrontEndPipelineTests : IDisposable
{
    private readonly string _dir = TestAudio.NewFolder();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static IEstimator<ITransformer> FrontEnd(MLContext ml, double seconds = 2) =>
        ml.Transforms.LoadAudio("Audio", "Path", durationSeconds: seconds)
            .Append(ml.Transforms.ExtractMelSpectrogram("Mel", "Audio"))
            .Append(ml.Transforms.ConvertToDecibels("Features", "Mel", DecibelReference.Maximum));

    [Fact]
    public void Output_columns_are_shaped_like_librosa()
    {
        var ml = new MLContext(1);
        string wav = TestAudio.WriteSine(Path.Combine(_dir, "a.wav"), 44100, 3, 440, channels: 2);
        var data = ml.Data.LoadFromEnumerable(new[] { new PathRow { Path = wav } });
        var output = FrontEnd(ml).Fit(data).Transform(data);

        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 44100), output.Schema["Audio"].Type);
        // librosa: 1 + 44100 // 512 = 87 frames
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 128, 87), output.Schema["Mel"].Type);
        Assert.Equal(output.Schema["Mel"].Type, output.Schema["Features"].Type);
        var features = output.GetColumn<float[]>("Features").Single();
        Assert.Equal(0f, features.Max());            // ref = max
        Assert.True(features.Min() >= -80f - 1e-4f);  // top_db 80
    }

    [Fact]
    public void Estimator_output_schema_promises_what_the_transformer_delivers()
    {
        var ml = new MLContext(1);
        string wav = TestAudio.WriteSine(Path.Combine(_dir, "a.wav"), 22050, 2, 440);
        var data = ml.Data.LoadFromEnumerable(new[] { new PathRow { Path = wav } });
        var estimator = FrontEnd(ml);
        var promised = estimator.GetOutputSchema(MlNetBridge.ToSchemaShape(data.Schema));
        var delivered = estimator.Fit(data).GetOutputSchema(data.Schema);
        foreach (var name in new[] { "Audio", "Mel", "Features" })
        {
            var col = promised.Single(c => c.Name == name);
            Assert.Equal(SchemaShape.Column.VectorKind.Vector, col.Kind);
            Assert.Equal(NumberDataViewType.Single, col.ItemType);
            Assert.True(delivered[name].Type is VectorDataViewType { IsKnownSize: true });
        }
    }

    [Fact]
    public void Missing_input_column_fails_in_get_output_schema_and_fit_with_MLNET_wording()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[] { new PathRow { Path = "x.wav" } });
        var estimator = ml.Transforms.LoadAudio("Audio", "File");
        var e1 = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(MlNetBridge.ToSchemaShape(data.Schema)));
        Assert.StartsWith("Could not find input column 'File'", e1.Message);
        var e2 = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(data));
        Assert.StartsWith("Could not find input column 'File'", e2.Message);

        var mel = ml.Transforms.ExtractMelSpectrogram("Mel", "Samples");
        Assert.StartsWith("Could not find input column 'Samples'",
            Assert.Throws<ArgumentOutOfRangeException>(() => mel.Fit(data)).Message);
    }

    private sealed class NumberRow
    {
        public float Path { get; set; }

        [VectorType]
        public float[] Samples { get; set; } = new float[4096];
    }

    [Fact]
    public void Wrong_column_types_fail_with_expected_and_actual_types()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[] { new NumberRow(), new NumberRow { Samples = new float[10] } });
        var shape = MlNetBridge.ToSchemaShape(data.Schema);

        var load = ml.Transforms.LoadAudio("Audio", "Path");
        Assert.StartsWith("Schema mismatch for input column 'Path': expected String, got Single",
            Assert.Throws<ArgumentOutOfRangeException>(() => load.GetOutputSchema(shape)).Message);
        Assert.StartsWith("Schema mismatch for input column 'Path': expected String, got Single",
            Assert.Throws<ArgumentOutOfRangeException>(() => load.Fit(data)).Message);

        // A variable-size vector has no fixed frame count: rejected at both stages.
        var mel = ml.Transforms.ExtractMelSpectrogram("Mel", "Samples");
        Assert.StartsWith("Schema mismatch for input column 'Samples': expected known-size Vector<Single>, got VarVector<Single>",
            Assert.Throws<ArgumentOutOfRangeException>(() => mel.GetOutputSchema(shape)).Message);
        Assert.StartsWith("Schema mismatch for input column 'Samples': expected known-size Vector<Single>, got Vector<Single>",
            Assert.Throws<ArgumentOutOfRangeException>(() => mel.Fit(data)).Message);

        var db = ml.Transforms.ConvertToDecibels("Db", "Path");
        Assert.StartsWith("Schema mismatch for input column 'Path': expected known-size Vector<Single>, got Single",
            Assert.Throws<ArgumentOutOfRangeException>(() => db.GetOutputSchema(shape)).Message);
    }

    [Fact]
    public void Sample_rate_mismatch_between_load_audio_and_mel_is_caught_at_fit()
    {
        var ml = new MLContext(1);
        string wav = TestAudio.WriteSine(Path.Combine(_dir, "a.wav"), 22050, 1, 440);
        var data = ml.Data.LoadFromEnumerable(new[] { new PathRow { Path = wav } });
        var pipeline = ml.Transforms.LoadAudio("Audio", "Path", sampleRate: 16000, durationSeconds: 1)
            .Append(ml.Transforms.ExtractMelSpectrogram("Mel", "Audio", sampleRate: 22050));
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => pipeline.Fit(data));
        Assert.Contains("16000 Hz", ex.Message);
        Assert.Contains("SampleRate = 22050", ex.Message);
    }

    [Fact]
    public void Invalid_options_fail_at_construction_listing_every_error()
    {
        var ml = new MLContext(1);
        var ex = Assert.Throws<ArgumentException>(() => ml.Transforms.LoadAudio(new AudioLoadingEstimator.Options
        {
            OutputColumnName = "Audio",
            Settings = new ExcerptSettings { SampleRate = 0, DurationSeconds = -1, OffsetSeconds = double.NaN },
        }));
        Assert.Contains("SampleRate must be between 1 and 768000 Hz, got 0", ex.Message);
        Assert.Contains("DurationSeconds must be a finite number > 0, got -1", ex.Message);
        Assert.Contains("OffsetSeconds must be a finite number >= 0, got NaN", ex.Message);

        var db = Assert.Throws<ArgumentException>(() => ml.Transforms.ConvertToDecibels(new LogPowerEstimator.Options
        {
            OutputColumnName = "Db",
            Settings = new DecibelSettings { MinimumPower = 0, TopDecibels = -5, ReferenceValue = -1 },
        }));
        Assert.Contains("MinimumPower (amin) must be strictly positive, got 0", db.Message);
        Assert.Contains("TopDecibels (top_db) must be non-negative, got -5", db.Message);
        Assert.Contains("ReferenceValue must be a finite number > 0, got -1", db.Message);
    }

    [Fact]
    public void Options_objects_are_copied_not_mutated()
    {
        var ml = new MLContext(1);
        var options = new AudioLoadingEstimator.Options { OutputColumnName = "Audio", InputColumnName = "Path", Settings = new ExcerptSettings { DurationSeconds = 1 } };
        var estimator = ml.Transforms.LoadAudio(options);
        options.Settings = options.Settings with { SampleRate = 8000 }; // changing the caller's object afterwards must not change the estimator
        string wav = TestAudio.WriteSine(Path.Combine(_dir, "a.wav"), 22050, 1, 440);
        var data = ml.Data.LoadFromEnumerable(new[] { new PathRow { Path = wav } });
        var transformer = estimator.Fit(data);
        Assert.Equal(22050, transformer.SampleRate);

        var defaults = new AudioLoadingEstimator.Options { OutputColumnName = "Audio" };
        ml.Transforms.LoadAudio(defaults);
        Assert.Null(defaults.InputColumnName); // the default (input = output) is not written back
    }
}
