using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using MelGenre.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;
using Xunit.Abstractions;

namespace MelGenre.Tests.Training;

/// <summary>A fact that is skipped, with the reason, on a machine where TorchSharp sees a CUDA device.</summary>
/// <remarks>
/// How this project skips (issue 10, item 8): a test that cannot run here is reported as Skipped with the reason, never
/// as passed by returning early. xunit 2.9 has no dynamic skip, so a <see cref="FactAttribute"/> subclass evaluates the
/// condition when the test is discovered and sets <see cref="FactAttribute.Skip"/> (as <c>FmaSampleFactAttribute</c>
/// in Cli/CliIntegrationTests.cs does); the test body then asserts unconditionally.
/// TorchSharp is asked at discovery; if it cannot even load, the test is not skipped and fails on its own terms.
/// </remarks>
public sealed class NoCudaFactAttribute : FactAttribute
{
    public NoCudaFactAttribute()
    {
        bool cuda;
        try
        {
            cuda = TorchSharp.torch.cuda.is_available();
        }
        catch (Exception)
        {
            cuda = false;
        }

        if (cuda)
            Skip = "A CUDA device is available: this test checks the behaviour without a CUDA backend.";
    }
}

/// <summary>The CRNN and parallel CNN-RNN trainers on tiny synthetic genres.</summary>
[Collection(TorchCollection.Name)]
public sealed class TrainerTests
{
    private readonly ITestOutputHelper _output;

    public TrainerTests(ITestOutputHelper output) => _output = output;

    internal static CrnnTrainer.Options SmallCrnn(int epochs = 12) => new()
    {
        Epochs = epochs, BatchSize = 8, Filters = 16, LstmUnits = 16, DenseUnits = 16, Dropout = 0.1, Seed = 7, LearningRate = 3e-3,
    };

    internal static ParallelCnnRnnTrainer.Options SmallCnnRnn(int epochs = 12) => new()
    {
        Epochs = epochs, BatchSize = 8, ConvFilters = new[] { 8, 16, 16 }, PoolSizes = new[] { (2, 2), (2, 2), (4, 4) },
        GruUnits = 16, Seed = 7, LearningRate = 3e-3,
    };

    public static TheoryData<string> Architectures() => new() { "crnn", "cnnrnn" };

    private static IEstimator<GenreClassifierTransformer> Trainer(MLContext ml, string architecture, int epochs = 12, Action<NetworkTrainerOptions>? tweak = null)
    {
        if (architecture == "crnn")
        {
            var o = SmallCrnn(epochs);
            tweak?.Invoke(o);
            return ml.MulticlassClassification.Trainers.Crnn(o);
        }
        var p = SmallCnnRnn(epochs);
        tweak?.Invoke(p);
        return ml.MulticlassClassification.Trainers.ParallelCnnRnn(p);
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Learns_synthetic_genres_and_generalises(string architecture)
    {
        var ml = new MLContext(1);
        var train = SyntheticGenres.Load(ml, SyntheticGenres.Make(10, seed: 1));
        var test = SyntheticGenres.Load(ml, SyntheticGenres.Make(6, seed: 2));
        var model = Trainer(ml, architecture).Fit(train);

        var trainMetrics = ml.MulticlassClassification.Evaluate(model.Transform(train));
        var testMetrics = ml.MulticlassClassification.Evaluate(model.Transform(test), topKPredictionCount: 2);
        _output.WriteLine($"{architecture}: train {trainMetrics.MicroAccuracy:P1}, test {testMetrics.MicroAccuracy:P1}, top-2 {testMetrics.TopKAccuracy:P1}, log-loss {testMetrics.LogLoss:0.000}");
        Assert.True(trainMetrics.MicroAccuracy >= 0.95, $"training accuracy {trainMetrics.MicroAccuracy:P1}");
        Assert.True(testMetrics.MicroAccuracy >= 0.75, $"held-out accuracy {testMetrics.MicroAccuracy:P1} (chance is 25 %)");
        Assert.Equal(4, testMetrics.ConfusionMatrix.NumberOfClasses);
        Assert.Equal(12, model.History.Epochs.Count);
    }

    [Fact]
    public void Score_and_predicted_label_carry_the_label_key_type_and_class_names()
    {
        var ml = new MLContext(1);
        var train = SyntheticGenres.Load(ml, SyntheticGenres.Make(4, seed: 1));
        var model = ml.MulticlassClassification.Trainers.Crnn(SmallCrnn(1)).Fit(train);
        var output = model.Transform(train);
        Assert.Equal(train.Schema["Label"].Type, output.Schema["PredictedLabel"].Type);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 4), output.Schema["Score"].Type);
        VBuffer<ReadOnlyMemory<char>> slots = default;
        output.Schema["Score"].GetSlotNames(ref slots);
        Assert.Equal(SyntheticGenres.Names, slots.DenseValues().Select(s => s.ToString()).ToArray());
        Assert.Equal(SyntheticGenres.Names, model.ClassNames);

        // Probabilities, and the predicted key is the arg-max.
        var scores = output.GetColumn<float[]>("Score").ToList();
        var predicted = output.GetColumn<uint>("PredictedLabel").ToList();
        for (int i = 0; i < scores.Count; i++)
        {
            Assert.Equal(1.0, scores[i].Sum(), 4);
            Assert.Equal((uint)(Array.IndexOf(scores[i], scores[i].Max()) + 1), predicted[i]);
        }
    }

    [Fact]
    public void Class_count_comes_from_the_key_type_not_from_the_labels_seen()
    {
        var ml = new MLContext(1);
        // Only two of the four genres appear in the training rows; the key type still has four values.
        var rows = SyntheticGenres.Make(4, seed: 1).Where(r => r.Genre is "bass" or "treble").ToList();
        var model = ml.MulticlassClassification.Trainers.Crnn(SmallCrnn(1)).Fit(SyntheticGenres.Load(ml, rows));
        Assert.Equal(4, model.ClassCount);
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Same_seed_gives_the_same_model_and_another_seed_does_not(string architecture)
    {
        var ml = new MLContext(1);
        var train = SyntheticGenres.Load(ml, SyntheticGenres.Make(4, seed: 1));
        float[] Scores(int seed) => Trainer(new MLContext(seed), architecture, 2, o => o.Seed = seed)
            .Fit(train).Transform(train).GetColumn<float[]>("Score").SelectMany(s => s).ToArray();
        Assert.Equal(Scores(5), Scores(5));
        Assert.NotEqual(Scores(5), Scores(6));
    }

    [Fact]
    public void Validation_metrics_are_summed_over_all_batches_and_agree_with_MLNET_Evaluate()
    {
        var ml = new MLContext(1);
        var train = SyntheticGenres.Load(ml, SyntheticGenres.Make(6, seed: 1));
        var validation = SyntheticGenres.Load(ml, SyntheticGenres.Make(5, seed: 3)); // 20 rows
        var options = SmallCrnn(3);
        options.RestoreBestWeights = false;  // the model keeps the last epoch's weights
        options.InferenceBatchSize = 3;       // 20 rows = 7 batches, the last one of 2
        options.ValidationSet = validation;
        var model = ml.MulticlassClassification.Trainers.Crnn(options).Fit(train);
        var last = model.History.Epochs[^1];
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(validation));
        _output.WriteLine($"history: val acc {last.ValidationAccuracy}, val loss {last.ValidationLoss}; ML.NET: acc {metrics.MicroAccuracy}, log-loss {metrics.LogLoss}");
        Assert.Equal(metrics.MicroAccuracy, last.ValidationAccuracy!.Value, 6);
        Assert.Equal(metrics.LogLoss, last.ValidationLoss!.Value, 3);
        Assert.Equal(20, model.History.ValidationExamples);
        // Accuracy over 20 rows is a multiple of 1/20: a last-batch-only figure (2 rows) would not be, in general.
        Assert.Equal(0, Math.Round(last.ValidationAccuracy.Value * 20, 6) % 1);
    }

    [Fact]
    public void Best_weights_are_restored_and_progress_is_reported_every_epoch()
    {
        var ml = new MLContext(1);
        var reported = new List<EpochMetrics>();
        var options = SmallCrnn(6);
        options.ValidationSet = SyntheticGenres.Load(ml, SyntheticGenres.Make(3, seed: 3));
        options.Progress = new SyncProgress<EpochMetrics>(reported.Add);
        var model = ml.MulticlassClassification.Trainers.Crnn(options).Fit(SyntheticGenres.Load(ml, SyntheticGenres.Make(6, seed: 1)));
        Assert.Equal(Enumerable.Range(1, 6), reported.Select(r => r.Epoch));
        var best = model.History.Epochs.MaxBy(e => e.ValidationAccuracy!.Value)!;
        Assert.Equal(model.History.Epochs.First(e => e.ValidationAccuracy == best.ValidationAccuracy).Epoch, model.History.SelectedEpoch);
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(options.ValidationSet));
        Assert.Equal(best.ValidationAccuracy!.Value, metrics.MicroAccuracy, 6);
    }

    [Fact]
    public void Learning_rate_is_halved_on_a_plateau_and_training_can_stop_early()
    {
        var ml = new MLContext(1);
        var options = SmallCrnn(8);
        options.LearningRate = 1e-9; // nothing improves
        options.PlateauPatience = 2;
        options.EarlyStoppingPatience = 5;
        var model = ml.MulticlassClassification.Trainers.Crnn(options).Fit(SyntheticGenres.Load(ml, SyntheticGenres.Make(2, seed: 1)));
        var rates = model.History.Epochs.Select(e => e.LearningRate).ToArray();
        _output.WriteLine(string.Join(", ", rates));
        Assert.Equal(1e-9, rates[0]);
        Assert.Equal(1e-9, rates[2]);        // epochs 2 and 3 without improvement -> reduced after epoch 3
        Assert.Equal(0.5e-9, rates[3], 15);
        Assert.True(model.History.StoppedEarly);
        Assert.Equal(6, model.History.Epochs.Count);
    }

    [Fact]
    public void Cancellation_stops_training()
    {
        var ml = new MLContext(1);
        using var cts = new CancellationTokenSource();
        var options = SmallCrnn(50);
        options.CancellationToken = cts.Token;
        options.Progress = new SyncProgress<EpochMetrics>(_ => cts.Cancel());
        var trainer = ml.MulticlassClassification.Trainers.Crnn(options);
        Assert.ThrowsAny<OperationCanceledException>(() => trainer.Fit(SyntheticGenres.Load(ml, SyntheticGenres.Make(2, seed: 1))));
    }

    [NoCudaFact]
    public void Cuda_without_a_cuda_backend_fails_clearly_or_falls_back_when_allowed()
    {
        var ml = new MLContext(1);
        var data = SyntheticGenres.Load(ml, SyntheticGenres.Make(2, seed: 1));
        var options = SmallCrnn(1);
        options.Device = "cuda:0";
        var ex = Assert.Throws<InvalidOperationException>(() => ml.MulticlassClassification.Trainers.Crnn(options).Fit(data));
        Assert.Contains("TorchSharp-cuda-linux", ex.Message);
        options.AllowCpuFallback = true;
        Assert.Single(ml.MulticlassClassification.Trainers.Crnn(options).Fit(data).History.Epochs);
    }

    [Theory]
    [InlineData("crnn", 133_568)]
    [InlineData("cnnrnn", 85_544)]
    public void Default_networks_on_640_x_128_with_8_classes_have_the_expected_parameter_counts(string architecture, long expected)
    {
        var ml = new MLContext(1);
        var rng = new Random(1);
        var rows = Enumerable.Range(0, 8).Select(i => new BigRow { Genre = $"g{i}", Features = Enumerable.Range(0, 128 * 640).Select(_ => (float)rng.NextDouble()).ToArray() });
        var data = ml.Data.LoadFromEnumerable(rows);
        data = ml.Transforms.Conversion.MapValueToKey("Label", "Genre").Fit(data).Transform(data);
        IEstimator<GenreClassifierTransformer> trainer = architecture == "crnn"
            ? ml.MulticlassClassification.Trainers.Crnn(new CrnnTrainer.Options { Epochs = 1, BatchSize = 8, Seed = 1 })
            : ml.MulticlassClassification.Trainers.ParallelCnnRnn(new ParallelCnnRnnTrainer.Options { Epochs = 1, BatchSize = 8, Seed = 1 });
        var model = trainer.Fit(data);
        Assert.Equal(expected, model.History.ParameterCount);
        Assert.Equal(640, model.FramesUsed);
    }

    public sealed class BigRow
    {
        public string Genre { get; set; } = "";

        [VectorType(128, 640)]
        public float[] Features { get; set; } = Array.Empty<float>();
    }

    /// <summary>IProgress that reports synchronously (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SyncProgress<T> : IProgress<T>
    {
        private readonly Action<T> _report;
        public SyncProgress(Action<T> report) => _report = report;
        public void Report(T value) => _report(value);
    }
}
