using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using MelGenre.Tests.Training;
using MelGenre.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace MelGenre.Tests.Networks;

/// <summary>
/// The real trainer (<c>TrainingLoop</c> with validation, best weights, full and partial batches) and the real scorer
/// leave no live tensors behind (TorchSharp's process-wide <c>Tensor.TotalCount</c>): the count is the same at the end
/// of every epoch, unchanged by scoring, and back to where it started once the model is released.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class TensorLeakTests
{
    private readonly ITestOutputHelper _log;

    public TensorLeakTests(ITestOutputHelper log) => _log = log;

    public static TheoryData<string> Architectures => new() { "crnn", "cnnrnn" };

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Training_and_scoring_leave_no_live_tensors(string architecture)
    {
        var ml = new MLContext(1);
        var train = SyntheticGenres.Load(ml, SyntheticGenres.Make(5, seed: 1));      // 20 rows: batches of 8, 8 and 4
        var validation = SyntheticGenres.Load(ml, SyntheticGenres.Make(2, seed: 3)); // 8 rows: inference batches of 3, 3 and 2
        var perEpoch = new List<long>();
        var perEpochRaw = new List<long>();
        NetworkTrainerOptions options = architecture == "crnn" ? TrainerTests.SmallCrnn(4) : TrainerTests.SmallCnnRnn(4);
        options.ValidationSet = validation;
        options.InferenceBatchSize = 3;
        options.Progress = new CountingProgress(() =>
        {
            perEpochRaw.Add(Tensor.TotalCount);
            perEpoch.Add(LiveTensors());
        });
        IEstimator<GenreClassifierTransformer> trainer = architecture == "crnn"
            ? ml.MulticlassClassification.Trainers.Crnn((CrnnTrainer.Options)options)
            : ml.MulticlassClassification.Trainers.ParallelCnnRnn((ParallelCnnRnnTrainer.Options)options);

        // TorchSharp 0.107's own Conv/BatchNorm/Linear constructors keep two tensors each alive for good (even after
        // Dispose); that is theirs, not the loop's. Measure it on the same network, built and disposed alone.
        long layerResidue = ConstructionResidue(options);
        long before = LiveTensors();
        // The measure is meaningful: one tensor outside a scope counts once, disposing it uncounts it.
        var probe = torch.zeros(1);
        Assert.Equal(before + 1, Tensor.TotalCount);
        probe.Dispose();
        Assert.Equal(before, Tensor.TotalCount);

        var (afterTraining, afterScoring, scores) = TrainAndScore(trainer, train, validation);
        // The model is unreachable now: what its network held goes with it.
        long afterRelease = LiveTensors();
        _log.WriteLine($"{architecture}: before {before}, each epoch {string.Join(", ", perEpoch)} (uncollected {string.Join(", ", perEpochRaw)}), after training {afterTraining}, after scoring {afterScoring}, model released {afterRelease}, layer residue {layerResidue}");

        Assert.Equal(8, scores);
        Assert.Equal(4, perEpoch.Count);
        // Epoch 1 creates the optimizer state; the first copy of the best weights is made after its report. From
        // epoch 2 on nothing may be added: a replaced copy of the best weights must free the one before.
        Assert.All(perEpoch.Skip(1), count => Assert.Equal(perEpoch[1], count));
        Assert.True(perEpoch[1] > perEpoch[0], "the copy of the best weights is counted");
        // Nor may the loop leave tensors to the finalizer: counted without a collection, nothing rises after epoch 2
        // (a collection in between can only lower the count, by finishing the layer constructors' garbage).
        Assert.All(perEpochRaw.Skip(1), count => Assert.True(count <= perEpochRaw[1], $"{count} live tensors after epoch 2's {perEpochRaw[1]}"));
        Assert.True(afterTraining > before, "the trained network holds its weights");
        Assert.Equal(afterTraining, afterScoring);
        Assert.Equal(before + layerResidue, afterRelease);
    }

    /// <summary>Live tensors that building and disposing the trainer's network leaves behind.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long ConstructionResidue(NetworkTrainerOptions options)
    {
        long before = LiveTensors();
        options.CreateSpec().Build(SyntheticGenres.Frames, SyntheticGenres.Mels, SyntheticGenres.Names.Length).Dispose();
        return LiveTensors() - before;
    }

    /// <summary>Trains and scores in a frame of its own, so that nothing of the model stays reachable from the test.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (long AfterTraining, long AfterScoring, int Scores) TrainAndScore(IEstimator<GenreClassifierTransformer> trainer, IDataView train, IDataView validation)
    {
        var model = trainer.Fit(train);
        long afterTraining = LiveTensors();
        int scores = model.Transform(validation).GetColumn<float[]>(GenreClassifierTransformer.ScoreColumnName).Count();
        long afterScoring = LiveTensors();
        model.Network.Dispose();
        return (afterTraining, afterScoring, scores);
    }

    /// <summary>
    /// Tensors still referenced: pending finalizers run first, so that tensors released only by the garbage collector
    /// (earlier tests', and the few TorchSharp's own layer constructors create) cannot change the count at random.
    /// </summary>
    private static long LiveTensors()
    {
        Settle();
        return Tensor.TotalCount;
    }

    /// <summary>Runs pending finalizers (of tensors other tests left to the garbage collector).</summary>
    internal static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private sealed class CountingProgress : IProgress<EpochMetrics>
    {
        private readonly Action _count;

        public CountingProgress(Action count) => _count = count;

        public void Report(EpochMetrics value) => _count();
    }
}
