using System;
using System.Collections.Generic;
using System.Globalization;
using Microsoft.ML.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace MelGenre.Training;

internal static partial class TrainingLoop
{
    /// <summary>What a checkpoint must match to be resumed: everything that changes the model except the epoch count
    /// (a finished run can be continued to more epochs).</summary>
    private static string CheckpointIdentity(NetworkSpec spec, nn.Module<Tensor, Tensor> network, NetworkTrainerOptions options, FeatureShape shape, int classes,
        IBatchSource train, IBatchSource? validation, int seed)
        => string.Create(CultureInfo.InvariantCulture,
            $"{spec.Architecture} {spec.OptionsJson(network)} input {shape.Rows}x{shape.Columns} {shape.Layout} {shape.FramesUsed}, {classes} classes, " +
            $"{train.Count} training / {validation?.Count ?? 0} validation clips, batch {options.BatchSize}, lr {options.LearningRate:R}, seed {seed}, " +
            $"plateau {options.PlateauFactor:R}/{options.PlateauPatience}/{options.PlateauMinDelta:R}/{options.MinLearningRate:R}, " +
            $"early stopping {options.EarlyStoppingPatience?.ToString(CultureInfo.InvariantCulture) ?? "off"}, restore best {options.RestoreBestWeights}");

    /// <summary>
    /// Restores the state at the end of the checkpoint's epoch: the shuffle generator (its shuffles replayed from the
    /// seed), the callbacks and best-so-far (the saved metrics replayed while the network holds the best weights, so the
    /// best-weights callback copies exactly those), then the weights, Adam's state, the learning rate and last torch's
    /// generator. Returns the first epoch to run and whether the run had already stopped early.
    /// </summary>
    private static (int FirstEpoch, bool Stopped) ResumeFrom(CheckpointStore checkpoint, nn.Module network, TorchSharp.Modules.OptimizerHelper optimizer,
        TrainingState state, List<ITrainingCallback> callbacks, int[] order, Random rng, List<EpochMetrics> history, BestSoFar best,
        NetworkTrainerOptions options, IChannel ch)
    {
        var saved = checkpoint.TryRead();
        if (saved is null)
        {
            ch.Info(MessageSensitivity.None, "No checkpoint to resume from: training from the start.");
            return (1, false);
        }
        for (int e = 0; e < saved.Epoch; e++)
            Shuffle(order, rng);
        if (saved.BestWeights.Length > 0)
            CheckpointStore.LoadWeights(network, saved.BestWeights);
        var replay = new TrainingState(options.Epochs, options.LearningRate);
        foreach (var metrics in saved.History)
        {
            best.Offer(TrainingState.Monitored(metrics));
            replay.WeightsEpoch = metrics.Epoch;
            foreach (var callback in callbacks)
                callback.OnEpochEnd(metrics, replay);
        }
        if (replay.LearningRate != saved.LearningRate)
            throw new InvalidOperationException($"Replaying the checkpoint's history gives learning rate {replay.LearningRate:R}, it saved {saved.LearningRate:R}: the checkpoint does not match these options.");
        state.LearningRate = saved.LearningRate;
        state.WeightsEpoch = saved.Epoch;
        history.AddRange(saved.History);
        CheckpointStore.LoadWeights(network, saved.Weights);
        CheckpointStore.LoadOptimizer(optimizer, saved.Optimizer);
        foreach (var group in optimizer.ParamGroups)
            group.LearningRate = state.LearningRate;
        CheckpointStore.LoadRandomState(saved.RandomState);
        ch.Info(MessageSensitivity.None, "Resumed from the checkpoint of epoch {0}{1}.", saved.Epoch, saved.Stopped ? " (that run had stopped early)" : "");
        return (saved.Epoch + 1, saved.Stopped);
    }
}
