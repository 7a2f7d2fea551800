using System;
using System.IO;
using System.Linq;
using System.Threading;
using MelGenre.Training;
using Microsoft.ML;
using Xunit;

namespace MelGenre.Tests.Training;

/// <summary>Issue 11, item 5: a run interrupted after an epoch resumes from its checkpoint to the same model.</summary>
public sealed class ResumeTrainingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("melgenre-resume-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static CrnnTrainer.Options Options(int epochs, string checkpoints, IDataView validation) => new()
    {
        Epochs = epochs, BatchSize = 8, Filters = 8, LstmUnits = 8, DenseUnits = 8, Dropout = 0.3, Seed = 5, LearningRate = 3e-3,
        PlateauPatience = 1, PlateauMinDelta = 0.2, ValidationSet = validation, CheckpointDirectory = checkpoints,
    };

    private sealed class Sync<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Stopping_after_an_epoch_and_resuming_gives_the_uninterrupted_model_bit_for_bit(int stopAfter)
    {
        var ml = new MLContext(1);
        var train = SyntheticGenres.Load(ml, SyntheticGenres.Make(5, seed: 1));
        var validation = SyntheticGenres.Load(ml, SyntheticGenres.Make(2, seed: 2));
        const int epochs = 5;
        var whole = ml.MulticlassClassification.Trainers.Crnn(Options(epochs, Path.Combine(_dir, "whole"), validation)).Fit(train);
        Assert.True(File.Exists(Path.Combine(_dir, "whole", CheckpointStore.FileName)));

        // Interrupted: cancelled once epoch `stopAfter` is reported (its checkpoint is still written), like Ctrl-C.
        string folder = Path.Combine(_dir, "interrupted");
        using var cts = new CancellationTokenSource();
        var first = Options(epochs, folder, validation);
        first.CancellationToken = cts.Token;
        first.Progress = new Sync<EpochMetrics>(m => { if (m.Epoch == stopAfter) cts.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => ml.MulticlassClassification.Trainers.Crnn(first).Fit(train));

        var resumed = Options(epochs, folder, validation);
        resumed.Resume = true;
        var ran = new System.Collections.Generic.List<int>();
        resumed.Progress = new Sync<EpochMetrics>(m => ran.Add(m.Epoch));
        var model = ml.MulticlassClassification.Trainers.Crnn(resumed).Fit(train);

        Assert.Equal(Enumerable.Range(stopAfter + 1, epochs - stopAfter), ran);
        StreamingTrainingTests.AssertSameWeights(whole, model);
        Assert.Equal(whole.History.Epochs.Select(e => e with { Duration = default }), model.History.Epochs.Select(e => e with { Duration = default }));
        Assert.Equal(whole.History.SelectedEpoch, model.History.SelectedEpoch);
        Assert.Contains(whole.History.Epochs, e => e.LearningRate != whole.History.Epochs[0].LearningRate); // the schedule was exercised
    }

    [Fact]
    public void A_checkpoint_of_another_run_is_refused()
    {
        var ml = new MLContext(1);
        var train = SyntheticGenres.Load(ml, SyntheticGenres.Make(3, seed: 1));
        var validation = SyntheticGenres.Load(ml, SyntheticGenres.Make(1, seed: 2));
        string folder = Path.Combine(_dir, "x");
        ml.MulticlassClassification.Trainers.Crnn(Options(1, folder, validation)).Fit(train);
        var other = Options(2, folder, validation);
        other.Seed = 6;
        other.Resume = true;
        var e = Assert.Throws<InvalidOperationException>(() => ml.MulticlassClassification.Trainers.Crnn(other).Fit(train));
        Assert.Contains("another run", e.Message);
    }
}
