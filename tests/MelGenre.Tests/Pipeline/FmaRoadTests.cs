using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using MelGenre.Dsp;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.LightGbm;
using Xunit;

namespace MelGenre.Tests.Pipeline;

/// <summary>
/// The FMA paper's classical road in ML.NET on a tiny synthetic dataset: audio files -> LoadAudio -> FMA-style features
/// -> NormalizeMeanVariance -> LightGBM (and a linear model), evaluated, saved and reloaded in a fresh MLContext.
/// </summary>
public sealed class FmaRoadTests : IDisposable
{
    private const int Rate = 22050;
    private const double Seconds = 1.5;

    private static readonly string[] Genres = ["tonal-low", "tonal-high", "noise"];

    private readonly string _dir = TestAudio.NewFolder();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class ClipRow
    {
        public string Path { get; set; } = "";

        public string Genre { get; set; } = "";
    }

    private sealed class Prediction
    {
        public string PredictedGenre { get; set; } = "";
    }

    /// <summary>
    /// Three "genres": a low tone with harmonics (random pitch 110-220 Hz), a high tone (1.5-3 kHz), and noise bursts;
    /// random level and some noise in every clip, so the classes are separable but not by one number.
    /// </summary>
    private List<ClipRow> MakeClips(int perGenre, int seed)
    {
        var rng = new Random(seed);
        var rows = new List<ClipRow>();
        int n = (int)(Rate * Seconds);
        for (int i = 0; i < perGenre; i++)
        {
            for (int g = 0; g < Genres.Length; g++)
            {
                double level = 0.2 + (0.3 * rng.NextDouble());
                double f = g == 0 ? 110 + (110 * rng.NextDouble()) : 1500 + (1500 * rng.NextDouble());
                var noise = new Random(rng.Next());
                string path = TestAudio.WriteWav(Path.Combine(_dir, $"{seed}_{i}_{g}.wav"), Rate, 1, n, (_, t) =>
                {
                    double hiss = 0.02 * ((noise.NextDouble() * 2) - 1);
                    return g switch
                    {
                        0 => (level * Math.Sin(2 * Math.PI * f * t / Rate)) + (0.5 * level * Math.Sin(4 * Math.PI * f * t / Rate)) + hiss,
                        1 => (level * Math.Sin(2 * Math.PI * f * t / Rate)) + hiss,
                        _ => (t / 2048 % 2 == 0 ? level : 0.1 * level) * ((noise.NextDouble() * 2) - 1),
                    };
                });
                rows.Add(new ClipRow { Path = path, Genre = Genres[g] });
            }
        }

        return rows;
    }

    private IEstimator<ITransformer> Road(MLContext ml, IEstimator<ITransformer> trainer) =>
        ml.Transforms.ExtractFmaFeaturesFromFiles("Features", "Path", sampleRate: Rate, durationSeconds: Seconds)
            .Append(ml.Transforms.Conversion.MapValueToKey("Label", "Genre"))
            .Append(ml.Transforms.NormalizeMeanVariance("Features"))
            .AppendCacheCheckpoint(ml) // features are computed once, not on every pass of the trainer
            .Append(trainer)
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedGenre", "PredictedLabel"));

    [Fact]
    public void Light_gbm_on_FMA_features_learns_evaluates_saves_and_reloads()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(MakeClips(8, seed: 1));
        var test = ml.Data.LoadFromEnumerable(MakeClips(3, seed: 2));
        var lightGbm = ml.MulticlassClassification.Trainers.LightGbm(new LightGbmMulticlassTrainer.Options
        {
            NumberOfIterations = 30,
            NumberOfLeaves = 4,
            MinimumExampleCountPerLeaf = 2,
            LearningRate = 0.3,
            NumberOfThreads = 1,
            Seed = 1,
        });
        var model = Road(ml, lightGbm).Fit(train);

        var scored = model.Transform(test);
        var metrics = ml.MulticlassClassification.Evaluate(scored);
        Assert.True(metrics.MacroAccuracy >= 0.85, $"macro accuracy {metrics.MacroAccuracy:F3} on held-out clips");
        Assert.Equal(3, metrics.ConfusionMatrix.NumberOfClasses);

        // The normaliser keeps the feature slot names, so a trained model can be explained in FMA's terms.
        VBuffer<ReadOnlyMemory<char>> names = default;
        scored.Schema["Features"].Annotations.GetValue("SlotNames", ref names);
        Assert.Equal(FmaFeatureVector.SlotNames, names.DenseValues().Select(n => n.ToString()));

        string zip = Path.Combine(_dir, "fma-lightgbm.zip");
        ml.Model.Save(model, train.Schema, zip);
        var fresh = new MLContext(seed: 99).RegisterMelGenre();
        var loaded = fresh.Model.Load(zip, out var inputSchema);
        Assert.Equal(TextDataViewType.Instance, inputSchema["Path"].Type);
        var rescored = loaded.Transform(test);
        Assert.Equal(scored.GetColumn<float[]>("Score").ToArray(), rescored.GetColumn<float[]>("Score").ToArray());
        Assert.Equal(scored.GetColumn<string>("PredictedGenre").ToArray(), rescored.GetColumn<string>("PredictedGenre").ToArray());

        // One clip at a time, as an application would.
        using var engine = fresh.Model.CreatePredictionEngine<ClipRow, Prediction>(loaded);
        var first = MakeClips(1, seed: 3)[0];
        Assert.Equal(first.Genre, engine.Predict(first).PredictedGenre);
    }

    [Fact]
    public void Linear_model_on_FMA_features_learns_the_synthetic_genres()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(MakeClips(6, seed: 4));
        var test = ml.Data.LoadFromEnumerable(MakeClips(3, seed: 5));
        var model = Road(ml, ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new LbfgsMaximumEntropyMulticlassTrainer.Options
        {
            L2Regularization = 0.1f,
            NumberOfThreads = 1,
        })).Fit(train);
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
        Assert.True(metrics.MacroAccuracy >= 0.85, $"macro accuracy {metrics.MacroAccuracy:F3} on held-out clips");
        Assert.True(metrics.LogLoss < 1.0, $"log-loss {metrics.LogLoss:F3}");
    }
}
