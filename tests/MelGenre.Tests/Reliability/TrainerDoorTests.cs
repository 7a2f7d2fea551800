using System;
using System.Linq;
using MelGenre.Tests.Training;
using MelGenre.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace MelGenre.Tests.Reliability;

/// <summary>Issue 13, items 2-3: the network trainers refuse non-finite inputs and name the clip's file.</summary>
[Collection(TorchCollection.Name)]
public sealed class TrainerDoorTests
{
    public sealed class PathFeatureRow
    {
        public string Genre { get; set; } = "";

        public string Path { get; set; } = "";

        [VectorType(SyntheticGenres.Mels, SyntheticGenres.Frames)]
        public float[] Features { get; set; } = Array.Empty<float>();
    }

    private static IDataView Load(MLContext ml, float poison, bool withPath)
    {
        var rows = SyntheticGenres.Make(3, seed: 2).Select((r, i) => new PathFeatureRow { Genre = r.Genre, Path = $"/music/clip{i:D2}.mp3", Features = r.Features }).ToList();
        rows[4].Features[123] = poison;
        IDataView data = ml.Data.LoadFromEnumerable(rows);
        if (!withPath)
            data = ml.Transforms.DropColumns("Path").Fit(data).Transform(data);
        var keys = ml.Data.LoadFromEnumerable(SyntheticGenres.Names.Select(n => new { Genre = n }));
        return ml.Transforms.Conversion.MapValueToKey("Label", "Genre", keyData: keys).Fit(data).Transform(data);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void One_non_finite_value_is_refused_naming_the_clip_file(float poison)
    {
        var ml = new MLContext(1);
        var e = Assert.Throws<InvalidOperationException>(() => ml.MulticlassClassification.Trainers.Crnn(TrainerTests.SmallCrnn(1)).Fit(Load(ml, poison, withPath: true)));
        Assert.Contains("'/music/clip04.mp3'", e.Message);
        Assert.Contains("non-finite", e.Message);
        Assert.Contains("value 123", e.Message);
    }

    [Fact]
    public void Without_a_path_column_the_row_is_named_by_position()
    {
        var ml = new MLContext(1);
        var e = Assert.Throws<InvalidOperationException>(() => ml.MulticlassClassification.Trainers.Crnn(TrainerTests.SmallCrnn(1)).Fit(Load(ml, float.NaN, withPath: false)));
        Assert.Contains("row 4", e.Message);
    }
}
