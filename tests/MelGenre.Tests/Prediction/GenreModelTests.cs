using System;
using System.IO;
using System.Linq;
using MelGenre.Audio;
using MelGenre.Prediction;
using MelGenre.Recipes;
using MelGenre.Tests.Pipeline;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace MelGenre.Tests.Prediction;

/// <summary>
/// <see cref="GenreModel"/> on a real (tiny) classical model: assembled behind the FMA front end, saved, loaded, its
/// classes and features recognised, its scores equal to the whole pipeline's, and clear errors for zips that are not
/// genre classifiers.
/// </summary>
public sealed class GenreModelTests : IDisposable
{
    private const int Rate = 22050;
    private readonly string _dir = TestAudio.NewFolder();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class VectorRow
    {
        public string Genre { get; set; } = "";

        [VectorType(308)]
        public float[] Features { get; set; } = Array.Empty<float>();
    }

    private sealed class PathInput
    {
        public string Path { get; set; } = "";
    }

    /// <summary>L-BFGS maximum entropy on random vectors; the genres appear as rock, folk, pop (their key order).</summary>
    private static GenreModel TrainLinear(MLContext ml)
    {
        var rng = new Random(3);
        string[] genres = { "rock", "folk", "pop" };
        var rows = Enumerable.Range(0, 30).Select(i => new VectorRow
        {
            Genre = genres[i % 3],
            Features = Enumerable.Range(0, 308).Select(j => (float)(rng.NextDouble() + (j % 3 == i % 3 ? 0.5 : 0))).ToArray(),
        });
        var data = ml.Data.LoadFromEnumerable(rows);
        var key = ml.Transforms.Conversion.MapValueToKey("Label", "Genre").Fit(data);
        var keyed = key.Transform(data);
        var normaliser = ml.Transforms.NormalizeMeanVariance("Features").Fit(keyed);
        var trainer = ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new Microsoft.ML.Trainers.LbfgsMaximumEntropyMulticlassTrainer.Options { MaximumNumberOfIterations = 5, NumberOfThreads = 1 })
            .Fit(normaliser.Transform(keyed));
        return GenreModel.FromClassical(ml, new FmaVectorRecipe { Excerpt = new ExcerptSettings { SampleRate = Rate, DurationSeconds = 1 } }, new ITransformer[] { normaliser, trainer }, "linear");
    }

    [Fact]
    public void A_classical_model_is_saved_loaded_and_scores_windows_as_its_whole_pipeline_scores_the_file()
    {
        var ml = new MLContext(1);
        string zip = Path.Combine(_dir, "models", "linear.zip");
        TrainLinear(ml).Save(zip);
        Assert.False(File.Exists(zip + ".tmp"));

        var model = GenreModel.Load(new MLContext(2), zip);
        Assert.Equal("linear", model.Name);
        Assert.Equal(zip, model.File);
        Assert.Equal(GenreFeatureKind.FmaVector, model.Kind);
        Assert.Equal(new[] { "rock", "folk", "pop" }, model.Classes);
        Assert.Equal("Features", model.FeatureColumnName);
        Assert.Equal(Rate, model.FmaVector!.Excerpt.SampleRate);
        Assert.Null(model.LogMel);
        Assert.Null(model.Network);
        Assert.Equal(1.0, model.WindowSeconds);
        Assert.StartsWith("fma:", model.FeatureKey);

        string song = TestAudio.WriteWav(Path.Combine(_dir, "song.wav"), Rate, 1, (int)(2.3 * Rate), (_, i) => 0.4 * Math.Sin(2 * Math.PI * (200 + i / 100.0) * i / Rate));
        var viaPipeline = model.Pipeline.Transform(new MLContext(4).Data.LoadFromEnumerable(new[] { new PathInput { Path = song } }));
        float[] pipelineScore = viaPipeline.GetColumn<float[]>("Score").Single();
        Assert.Equal(model.Classes[Array.IndexOf(pipelineScore, pipelineScore.Max())], viaPipeline.GetColumn<string>(GenreModel.PredictedGenreColumnName).Single());
        float[] byFile = Assert.Single(model.ScoreFiles(new[] { song }));
        Assert.Equal(pipelineScore, byFile, new SongPredictorTests.Close());

        var result = new SongPredictor(new[] { model }).Predict(song);
        Assert.Equal(4, result.WindowCount); // 0, 0.5, 1 and 1.3 s
        // The first window is the excerpt the pipeline reads.
        Assert.Equal(pipelineScore, result.Models[0].WindowProbabilities[0], new SongPredictorTests.Close());
        Assert.Equal(1f, result.Probabilities.Sum(), 4);

        // An ensemble over a view of cached-style vectors: the model and its own reload, both reading "Features".
        var vectors = new MLContext(5).Data.LoadFromEnumerable(Enumerable.Range(0, 4).Select(i => new VectorRow { Features = Enumerable.Range(0, 308).Select(j => (float)Math.Sin(i + j)).ToArray() }));
        var twin = GenreModel.Load(new MLContext(6), zip, "twin");
        var ensemble = new EnsembleScorer(new[] { model, twin }, new[] { "pop", "rock", "folk" });
        var own = GenreScores.Align(model.Classes, model.Score(vectors), ensemble.Classes, model.Name);
        var mean = ensemble.Score(_ => vectors);
        Assert.Equal(4, mean.Length);
        for (int i = 0; i < mean.Length; i++)
            Assert.Equal(own[i], mean[i], new SongPredictorTests.Close());
    }

    [Fact]
    public void A_zip_that_is_not_a_genre_classifier_gives_one_error_naming_the_file()
    {
        var ml = new MLContext(1);
        var view = ml.Data.LoadFromEnumerable(new[] { new PathInput { Path = "x.wav" } });
        string copy = Path.Combine(_dir, "copy.zip");
        ml.Model.Save(ml.Transforms.CopyColumns("Other", "Path").Fit(view), view.Schema, copy);
        var e = Assert.Throws<InvalidDataException>(() => GenreModel.Load(ml, copy));
        Assert.Contains(copy, e.Message);
        Assert.Contains("no Score column", e.Message);

        // A Score without genre names: a model trained on a numeric key.
        var numeric = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 12).Select(i => new VectorRow { Genre = "g", Features = Enumerable.Range(0, 308).Select(j => (float)((i + j) % 5)).ToArray() }));
        var scoreOnly = ml.Transforms.Concatenate("Score", "Features").Fit(numeric);
        string unnamed = Path.Combine(_dir, "unnamed.zip");
        ml.Model.Save(scoreOnly, numeric.Schema, unnamed);
        e = Assert.Throws<InvalidDataException>(() => GenreModel.Load(ml, unnamed));
        Assert.Contains(unnamed, e.Message);
        Assert.Contains("does not name its classes", e.Message);

        Assert.Throws<FileNotFoundException>(() => GenreModel.Load(ml, Path.Combine(_dir, "missing.zip")));
    }
}
