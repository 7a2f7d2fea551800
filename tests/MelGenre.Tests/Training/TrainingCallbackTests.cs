using System.Collections.Generic;
using System.Linq;
using MelGenre.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace MelGenre.Tests.Training;

/// <summary>The end-of-epoch callbacks on their own, fed hand-made sequences of epoch metrics.</summary>
public sealed class TrainingCallbackTests
{
    /// <summary>Metrics of one epoch: the validation accuracy, or (null) none and the training accuracy.</summary>
    private static EpochMetrics Epoch(int epoch, double? validation, double train = 0.1)
        => new() { Epoch = epoch, TrainAccuracy = train, ValidationAccuracy = validation, ValidationLoss = validation is null ? null : 1.0 };

    /// <summary>Feeds the validation accuracies as epochs 1, 2, ...; returns the learning rate after each epoch and the log.</summary>
    private static (double[] Rates, List<string> Log) Plateau(ReduceLearningRateOnPlateau callback, double learningRate, params double[] accuracies)
    {
        var log = new List<string>();
        var state = new TrainingState(100, learningRate, log.Add);
        var rates = new double[accuracies.Length];
        for (int i = 0; i < accuracies.Length; i++)
        {
            Assert.Equal(CallbackAction.Continue, callback.OnEpochEnd(Epoch(i + 1, accuracies[i]), state));
            rates[i] = state.LearningRate;
        }
        return (rates, log);
    }

    [Fact]
    public void Plateau_counts_gains_up_to_min_delta_as_no_improvement()
    {
        // min_delta 0.25: 0.5 after 0.25 is a gain of exactly min_delta, not more, so it does not count (Keras: a > best + min_delta).
        var (rates, log) = Plateau(new ReduceLearningRateOnPlateau(0.5, patience: 2, minDelta: 0.25, minLearningRate: 0), 1.0,
            0.25, 0.5, 0.5, 0.875, 1.0, 1.0);
        // Epochs 2 and 3 do not improve on 0.25 by more than 0.25: reduced after epoch 3. 0.875 improves; 1.0 (twice) does not: reduced again.
        Assert.Equal(new[] { 1.0, 1.0, 0.5, 0.5, 0.5, 0.25 }, rates);
        Assert.Equal(new[] { "reducing the learning rate to 0.5", "reducing the learning rate to 0.25" }, log);
    }

    [Fact]
    public void Plateau_patience_starts_again_after_an_improvement_and_after_a_reduction()
    {
        var (rates, _) = Plateau(new ReduceLearningRateOnPlateau(0.5, patience: 3, minDelta: 0, minLearningRate: 0), 1.0,
            0.5, 0.4, 0.4, 0.6, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5);
        // Two epochs without a gain, then a gain (epoch 4): the count starts again, so the first reduction follows epoch 7,
        // and the next one three epochs later, after epoch 10.
        Assert.Equal(new[] { 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25 }, rates);
    }

    [Fact]
    public void Plateau_never_lowers_the_learning_rate_below_its_floor()
    {
        var (rates, log) = Plateau(new ReduceLearningRateOnPlateau(0.1, patience: 1, minDelta: 0, minLearningRate: 0.25), 1.0,
            0.5, 0.5, 0.5, 0.5);
        // 1 * 0.1 is below the floor: the rate becomes the floor, and then stays there without another message.
        Assert.Equal(new[] { 1.0, 0.25, 0.25, 0.25 }, rates);
        Assert.Single(log);
    }

    [Fact]
    public void Plateau_with_factor_one_never_changes_the_learning_rate()
    {
        var (rates, log) = Plateau(new ReduceLearningRateOnPlateau(1, patience: 1, minDelta: 0, minLearningRate: 0), 0.125, 0.5, 0.5, 0.5);
        Assert.All(rates, r => Assert.Equal(0.125, r));
        Assert.Empty(log);
    }

    [Fact]
    public void Without_validation_data_the_callbacks_monitor_training_accuracy()
    {
        var plateau = new ReduceLearningRateOnPlateau(0.5, patience: 1, minDelta: 0, minLearningRate: 0);
        var stop = new EarlyStopping(patience: 2);
        var state = new TrainingState(10, 1.0);
        // No validation: the training accuracy rises, so nothing happens.
        for (int epoch = 1; epoch <= 3; epoch++)
        {
            Assert.Equal(CallbackAction.Continue, plateau.OnEpochEnd(Epoch(epoch, validation: null, train: 0.1 * epoch), state));
            Assert.Equal(CallbackAction.Continue, stop.OnEpochEnd(Epoch(epoch, validation: null, train: 0.1 * epoch), state));
        }
        Assert.Equal(1.0, state.LearningRate);

        // With validation, a rising training accuracy does not help a flat validation accuracy.
        var withValidation = new ReduceLearningRateOnPlateau(0.5, patience: 1, minDelta: 0, minLearningRate: 0);
        var early = new EarlyStopping(patience: 2);
        var other = new TrainingState(10, 1.0);
        var actions = new List<CallbackAction>();
        for (int epoch = 1; epoch <= 3; epoch++)
        {
            withValidation.OnEpochEnd(Epoch(epoch, validation: 0.5, train: 0.1 * epoch), other);
            actions.Add(early.OnEpochEnd(Epoch(epoch, validation: 0.5, train: 0.1 * epoch), other));
        }
        Assert.Equal(0.25, other.LearningRate);
        Assert.Equal(new[] { CallbackAction.Continue, CallbackAction.Continue, CallbackAction.Stop }, actions);
    }

    [Fact]
    public void Early_stopping_stops_after_patience_epochs_without_any_gain()
    {
        var log = new List<string>();
        var callback = new EarlyStopping(patience: 2);
        var state = new TrainingState(10, 1e-3, log.Add);
        double[] accuracies = { 0.5, 0.6, 0.6, 0.6000001, 0.6, 0.6 };
        var actions = accuracies.Select((a, i) => callback.OnEpochEnd(Epoch(i + 1, a), state)).ToArray();
        // Epoch 4's tiny gain counts (min_delta 0) and starts the count again: the stop comes after epoch 6, not 4.
        Assert.Equal(new[] { CallbackAction.Continue, CallbackAction.Continue, CallbackAction.Continue, CallbackAction.Continue, CallbackAction.Continue, CallbackAction.Stop }, actions);
        Assert.Equal(new[] { "stopping early after epoch 6: no improvement for 2 epochs" }, log);
    }

    [Fact]
    public void Early_stopping_does_not_stop_on_the_last_planned_epoch()
    {
        var callback = new EarlyStopping(patience: 1);
        var state = new TrainingState(2, 1e-3);
        Assert.Equal(CallbackAction.Continue, callback.OnEpochEnd(Epoch(1, 0.5), state));
        Assert.Equal(CallbackAction.Continue, callback.OnEpochEnd(Epoch(2, 0.5), state));
    }

    [Fact]
    public void Best_so_far_is_strict_so_the_first_of_equal_values_stays_best()
    {
        var best = new BestSoFar();
        Assert.True(best.Offer(0.5));
        Assert.False(best.Offer(0.5));
        Assert.True(best.Offer(0.75));
        Assert.False(best.Offer(0.25));
        Assert.Equal(0.75, best.Best);
    }
}

/// <summary><see cref="BestWeightsCallback"/> on a one-weight module whose weight is set to the epoch number each epoch.</summary>
[Collection(TorchCollection.Name)]
public sealed class BestWeightsCallbackTests
{
    private static float Weight(nn.Module<Tensor, Tensor> module) => module.parameters().Single().item<float>();

    /// <summary>Runs epochs with the given validation accuracies; returns the weight after training and the state.</summary>
    private static (float Weight, TrainingState State, int BestEpoch) Run(params double?[] accuracies)
    {
        using var module = nn.Linear(1, 1, hasBias: false);
        var state = new TrainingState(accuracies.Length, 1e-3);
        using (var callback = new BestWeightsCallback(module))
        {
            for (int epoch = 1; epoch <= accuracies.Length; epoch++)
            {
                using (torch.no_grad())
                    module.parameters().Single().fill_(epoch);
                state.WeightsEpoch = epoch;
                var metrics = new EpochMetrics { Epoch = epoch, TrainAccuracy = 0.1 * epoch, ValidationAccuracy = accuracies[epoch - 1] };
                Assert.Equal(CallbackAction.Continue, callback.OnEpochEnd(metrics, state));
            }
            callback.OnTrainEnd(state);
            return (Weight(module), state, callback.BestEpoch);
        }
    }

    [Fact]
    public void The_first_of_equal_best_epochs_wins_and_its_weights_are_restored()
    {
        var (weight, state, best) = Run(0.5, 0.75, 0.75, 0.5);
        Assert.Equal(2, best);
        Assert.Equal(2, state.WeightsEpoch);
        Assert.Equal(2f, weight);
    }

    [Fact]
    public void A_later_strictly_better_epoch_replaces_the_kept_weights()
    {
        var (weight, state, _) = Run(0.5, 0.75, 0.25, 1.0, 1.0);
        Assert.Equal(4, state.WeightsEpoch);
        Assert.Equal(4f, weight);
    }

    [Fact]
    public void Without_validation_data_training_accuracy_picks_the_epoch()
    {
        // Training accuracy rises every epoch (0.1 x epoch): the last epoch is the best.
        var (weight, state, _) = Run(null, null, null);
        Assert.Equal(3, state.WeightsEpoch);
        Assert.Equal(3f, weight);
    }

    [Fact]
    public void With_no_epoch_nothing_is_restored()
    {
        using var module = nn.Linear(1, 1, hasBias: false);
        float before = Weight(module);
        var state = new TrainingState(1, 1e-3);
        using (var callback = new BestWeightsCallback(module))
            callback.OnTrainEnd(state);
        Assert.Equal(0, state.WeightsEpoch);
        Assert.Equal(before, Weight(module));
    }

    [Theory]
    [InlineData(true, true, null, "BestWeightsCallback,ReduceLearningRateOnPlateau")]
    [InlineData(false, true, null, "ReduceLearningRateOnPlateau")]
    [InlineData(true, false, 3, "ReduceLearningRateOnPlateau,EarlyStopping")]
    [InlineData(true, true, 3, "BestWeightsCallback,ReduceLearningRateOnPlateau,EarlyStopping")]
    public void The_options_choose_the_callbacks(bool hasValidation, bool restoreBestWeights, int? earlyStoppingPatience, string expected)
    {
        using var module = nn.Linear(1, 1);
        var options = new CrnnTrainer.Options { RestoreBestWeights = restoreBestWeights, EarlyStoppingPatience = earlyStoppingPatience };
        var callbacks = TrainingLoop.StandardCallbacks(options, hasValidation, module);
        Assert.Equal(expected, string.Join(",", callbacks.Select(c => c.GetType().Name)));
        foreach (var callback in callbacks.OfType<System.IDisposable>())
            callback.Dispose();
    }
}
