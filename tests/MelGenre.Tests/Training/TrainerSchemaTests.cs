using System;
using MelGenre.Persistence;
using MelGenre.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace MelGenre.Tests.Training;

/// <summary>Trainer schema checks, at GetOutputSchema and at Fit, with ML.NET's wording.</summary>
[Collection(TorchCollection.Name)]
public sealed class TrainerSchemaTests
{
    private sealed class FlatRow
    {
        public string Genre { get; set; } = "";
        public float Number { get; set; }

        [VectorType(64)]
        public float[] Features { get; set; } = new float[64];
    }

    private static IDataView Flat(MLContext ml)
    {
        var data = ml.Data.LoadFromEnumerable(new[] { new FlatRow { Genre = "a" }, new FlatRow { Genre = "b" } });
        return ml.Transforms.Conversion.MapValueToKey("Label", "Genre").Fit(data).Transform(data);
    }

    [Fact]
    public void Missing_columns_fail_in_get_output_schema_and_fit()
    {
        var ml = new MLContext(1);
        var data = SyntheticGenres.Load(ml, SyntheticGenres.Make(1, seed: 1));
        var trainer = ml.MulticlassClassification.Trainers.Crnn(featureColumnName: "LogMel", epochs: 1);
        Assert.StartsWith("Could not find feature column 'LogMel'",
            Assert.Throws<ArgumentOutOfRangeException>(() => trainer.GetOutputSchema(MlNetBridge.ToSchemaShape(data.Schema))).Message);
        Assert.StartsWith("Could not find feature column 'LogMel'", Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Fit(data)).Message);

        var noLabel = ml.MulticlassClassification.Trainers.ParallelCnnRnn(labelColumnName: "Genre2", epochs: 1);
        Assert.StartsWith("Could not find label column 'Genre2'",
            Assert.Throws<ArgumentOutOfRangeException>(() => noLabel.GetOutputSchema(MlNetBridge.ToSchemaShape(data.Schema))).Message);
        Assert.StartsWith("Could not find label column 'Genre2'", Assert.Throws<ArgumentOutOfRangeException>(() => noLabel.Fit(data)).Message);
    }

    [Fact]
    public void A_text_label_is_rejected_as_not_a_key()
    {
        var ml = new MLContext(1);
        var data = SyntheticGenres.Load(ml, SyntheticGenres.Make(1, seed: 1));
        var trainer = ml.MulticlassClassification.Trainers.Crnn(labelColumnName: "Genre", epochs: 1);
        Assert.StartsWith("Schema mismatch for label column 'Genre': expected Key, got String",
            Assert.Throws<ArgumentOutOfRangeException>(() => trainer.GetOutputSchema(MlNetBridge.ToSchemaShape(data.Schema))).Message);
        Assert.StartsWith("Schema mismatch for label column 'Genre': expected Key<UInt32>, got String",
            Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Fit(data)).Message);
    }

    [Fact]
    public void Features_must_be_a_two_dimensional_known_size_vector()
    {
        var ml = new MLContext(1);
        var data = Flat(ml);
        var trainer = ml.MulticlassClassification.Trainers.Crnn(epochs: 1);
        Assert.StartsWith("Schema mismatch for feature column 'Features': expected known-size Vector<Single, mels, frames>, got Vector<Single, 64>",
            Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Fit(data)).Message);
        var scalar = ml.MulticlassClassification.Trainers.Crnn(featureColumnName: "Number", epochs: 1);
        Assert.StartsWith("Schema mismatch for feature column 'Number': expected known-size Vector<Single, mels, frames>, got Single",
            Assert.Throws<ArgumentOutOfRangeException>(() => scalar.GetOutputSchema(MlNetBridge.ToSchemaShape(data.Schema))).Message);
    }

    [Fact]
    public void Invalid_options_and_too_many_frames_are_reported_with_their_values()
    {
        var ml = new MLContext(1);
        var ex = Assert.Throws<ArgumentException>(() => ml.MulticlassClassification.Trainers.Crnn(new CrnnTrainer.Options { Epochs = 0, BatchSize = -1, Dropout = 1.5, Device = "tpu" }));
        Assert.Contains("Epochs must be >= 1, got 0", ex.Message);
        Assert.Contains("BatchSize must be >= 1, got -1", ex.Message);
        Assert.Contains("Dropout must be in [0, 1), got 1.5", ex.Message);
        Assert.Contains("Device must be \"cpu\", \"cuda\" or \"cuda:N\", got \"tpu\"", ex.Message);

        var data = SyntheticGenres.Load(ml, SyntheticGenres.Make(1, seed: 1));
        var tooMany = ml.MulticlassClassification.Trainers.Crnn(epochs: 1, framesUsed: 640);
        Assert.Contains("FramesUsed = 640 but the feature column 'Features'", Assert.Throws<ArgumentOutOfRangeException>(() => tooMany.Fit(data)).Message);
    }

    [Fact]
    public void A_trained_model_rejects_features_of_another_shape()
    {
        var ml = new MLContext(1);
        var model = ml.MulticlassClassification.Trainers.Crnn(TrainerTests.SmallCrnn(1)).Fit(SyntheticGenres.Load(ml, SyntheticGenres.Make(1, seed: 1)));
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => model.GetOutputSchema(Flat(ml).Schema));
        Assert.StartsWith("Schema mismatch for input column 'Features': expected Vector<Single, 32, 128>, got Vector<Single, 64>", ex.Message);
    }
}
