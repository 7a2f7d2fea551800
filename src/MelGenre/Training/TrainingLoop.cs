using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using Microsoft.ML.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace MelGenre.Training;

/// <summary>
/// The training loop shared by the network trainers: Adam over shuffled batches, per-epoch metrics over every batch,
/// then the end-of-epoch callbacks (<see cref="StandardCallbacks"/>: best weights by validation accuracy, Keras-style
/// ReduceLROnPlateau, optional early stopping). Seeded and reproducible on the CPU: the same seed gives bit-identical
/// weights and history.
/// </summary>
internal static partial class TrainingLoop
{
    /// <summary>torch's random generator is process-wide: trainings are serialised so that a seed means one result.</summary>
    private static readonly object TorchRandomLock = new();

    /// <summary>
    /// The callbacks the trainer options ask for, in the order they run: <see cref="BestWeightsCallback"/> (with a
    /// validation set and <see cref="NetworkTrainerOptions.RestoreBestWeights"/>), <see cref="ReduceLearningRateOnPlateau"/>
    /// (always; factor 1 never reduces), <see cref="EarlyStopping"/> (with <see cref="NetworkTrainerOptions.EarlyStoppingPatience"/>).
    /// </summary>
    internal static List<ITrainingCallback> StandardCallbacks(NetworkTrainerOptions options, bool hasValidation, nn.Module network)
    {
        var callbacks = new List<ITrainingCallback>();
        if (hasValidation && options.RestoreBestWeights)
            callbacks.Add(new BestWeightsCallback(network));
        callbacks.Add(new ReduceLearningRateOnPlateau(options.PlateauFactor, options.PlateauPatience, options.PlateauMinDelta, options.MinLearningRate));
        if (options.EarlyStoppingPatience is int patience)
            callbacks.Add(new EarlyStopping(patience));
        return callbacks;
    }

    /// <summary>
    /// Builds the network with <paramref name="seed"/>, trains it on <paramref name="train"/> (validating each epoch on
    /// <paramref name="validation"/>) and returns it in eval mode on the training device with its history.
    /// </summary>
    internal static (nn.Module<Tensor, Tensor> Network, TrainingHistory History) Train(
        IHost host, NetworkSpec spec, NetworkTrainerOptions options, FeatureShape shape, int classes,
        IBatchSource train, IBatchSource? validation, int seed)
    {
        using var ch = host.Start("Training");
        lock (TorchRandomLock)
        {
            torch.set_num_threads(options.Threads ?? MelGenreRuntime.DefaultThreads);
            var device = DeviceSelector.Resolve(host, options.Device, options.AllowCpuFallback, ch);
            torch.manual_seed(seed);
            var network = spec.Build(options.ChunkFrames ?? shape.FramesUsed, shape.Mels, classes);
            network.to(device);
            long parameterCount = network.parameters().Sum(p => p.numel());
            ch.Info(MessageSensitivity.None, "{0}: {1:N0} trainable parameters, {2} training clips{3}, {4} classes, input {5} x {6}, device {7}",
                spec.Architecture, parameterCount, train.Count, validation is null ? "" : $", {validation.Count} validation clips",
                classes, shape.FramesUsed, shape.Mels, device);

            using var optimizer = torch.optim.Adam(network.parameters(), lr: options.LearningRate, eps: 1e-7);
            var state = new TrainingState(options.Epochs, options.LearningRate, message => ch.Info(MessageSensitivity.None, "{0}", message));
            var callbacks = StandardCallbacks(options, validation is not null, network);
            var rng = new Random(seed);
            var order = Enumerable.Range(0, train.Count).ToArray();
            // Crops and augmentation draw from generators of their own, so with both off the shuffle and torch's
            // generator see exactly the draws they saw before these options existed.
            var batchRandom = new BatchRandom(
                options.ChunkFrames is null ? null : new Random(DerivedSeed(seed, 1)),
                options.Augments ? new BatchAugmenter(options, new Random(DerivedSeed(seed, 2))) : null);
            var history = new List<EpochMetrics>();
            var best = new BestSoFar();
            bool stoppedEarly = false;
            var checkpoint = options.CheckpointDirectory is null ? null
                : new CheckpointStore(options.CheckpointDirectory, CheckpointIdentity(spec, network, options, shape, classes, train, validation, seed));
            int firstEpoch = 1;
            try
            {
                if (checkpoint is not null && options.Resume)
                    (firstEpoch, stoppedEarly) = ResumeFrom(checkpoint, network, optimizer, state, callbacks, order, rng, history, best, options, ch);
                for (int epoch = firstEpoch; epoch <= options.Epochs && !stoppedEarly; epoch++)
                {
                    var watch = Stopwatch.StartNew();
                    Shuffle(order, rng);
                    double learningRate = state.LearningRate;
                    var (trainLoss, trainAccuracy) = TrainEpoch(network, optimizer, spec, train, order, shape, device, options, batchRandom);
                    double penalty = PenaltyValue(spec, network);
                    network.eval();
                    (double Loss, double Accuracy)? val = validation is null
                        ? null
                        : Evaluate(network, validation, shape, device, options.InferenceBatchSize, options.CancellationToken,
                            options.ChunkFrames, options.TestWindows ?? 1);
                    var metrics = new EpochMetrics
                    {
                        Epoch = epoch,
                        TrainLoss = trainLoss,
                        TrainAccuracy = trainAccuracy,
                        ValidationLoss = val?.Loss,
                        ValidationAccuracy = val?.Accuracy,
                        L2Penalty = penalty,
                        LearningRate = learningRate,
                        Duration = watch.Elapsed,
                    };
                    metrics = metrics with { IsBest = best.Offer(TrainingState.Monitored(metrics)) };
                    state.WeightsEpoch = epoch;
                    history.Add(metrics);
                    if (metrics.IsBest)
                        checkpoint?.RememberBest(network);
                    ch.Info(MessageSensitivity.None, "epoch {0}/{1}: loss {2:0.0000} acc {3:0.0000}{4} lr {5:G3} ({6:0.0} s){7}",
                        epoch, options.Epochs, metrics.TrainLoss, metrics.TrainAccuracy,
                        val is null ? "" : $" val_loss {val.Value.Loss:0.0000} val_acc {val.Value.Accuracy:0.0000}",
                        learningRate, watch.Elapsed.TotalSeconds, metrics.IsBest ? " *" : "");
                    options.Progress?.Report(metrics);

                    var action = CallbackAction.Continue;
                    foreach (var callback in callbacks)
                    {
                        if (callback.OnEpochEnd(metrics, state) == CallbackAction.Stop)
                            action = CallbackAction.Stop;
                    }
                    if (state.LearningRate != learningRate)
                    {
                        foreach (var group in optimizer.ParamGroups)
                            group.LearningRate = state.LearningRate;
                    }
                    checkpoint?.Write(epoch, action == CallbackAction.Stop, state.LearningRate, history, network, optimizer);
                    if (action == CallbackAction.Stop)
                    {
                        stoppedEarly = true;
                        break;
                    }
                }
                foreach (var callback in callbacks)
                    callback.OnTrainEnd(state);
            }
            catch
            {
                network.Dispose();
                throw;
            }
            finally
            {
                foreach (var callback in callbacks)
                    (callback as IDisposable)?.Dispose();
            }

            network.eval();
            var result = new TrainingHistory
            {
                Epochs = history,
                SelectedEpoch = state.WeightsEpoch,
                StoppedEarly = stoppedEarly,
                TrainingExamples = train.Count,
                ValidationExamples = validation?.Count ?? 0,
                ParameterCount = parameterCount,
                Seed = seed,
            };
            return (network, result);
        }
    }

    /// <summary>One pass over <paramref name="train"/> in <paramref name="order"/>: mean cross-entropy (without the
    /// penalty) and accuracy over every example, from the training passes themselves (dropout active).</summary>
    private static (double Loss, double Accuracy) TrainEpoch(
        nn.Module<Tensor, Tensor> network, optim.Optimizer optimizer, NetworkSpec spec, IBatchSource train, int[] order,
        FeatureShape shape, Device device, NetworkTrainerOptions options, BatchRandom batchRandom)
    {
        network.train();
        double lossSum = 0;
        long correct = 0;
        using var reader = train.Start(order);
        for (int start = 0; start < order.Length; start += options.BatchSize)
        {
            options.CancellationToken.ThrowIfCancellationRequested();
            int count = Math.Min(options.BatchSize, order.Length - start);
            using var scope = torch.NewDisposeScope();
            var (x, y) = NextBatch(reader, count, shape, device);
            optimizer.zero_grad();
            if (options.ChunkFrames is int chunk)
                x = Chunking.RandomCrops(x, chunk, batchRandom.Crops!);
            Tensor? partners = null;
            double lambda = 1;
            if (batchRandom.Augmenter is { } augmenter)
                (x, partners, lambda) = augmenter.Apply(x, y);
            var logits = network.forward(x);
            var ce = partners is null
                ? nn.functional.cross_entropy(logits, y)
                : nn.functional.cross_entropy(logits, y) * lambda + nn.functional.cross_entropy(logits, partners) * (1 - lambda);
            var penalty = spec.Penalty(network);
            var loss = penalty is null ? ce : ce + penalty;
            loss.backward();
            optimizer.step();
            lossSum += ce.item<float>() * count;
            correct += logits.argmax(1).eq(y).sum().item<long>();
        }
        return (lossSum / Math.Max(1, order.Length), (double)correct / Math.Max(1, order.Length));
    }

    /// <summary>The regularisation term at the end of an epoch (0 for networks without one).</summary>
    private static double PenaltyValue(NetworkSpec spec, nn.Module<Tensor, Tensor> network)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        return spec.Penalty(network) is { } penalty ? penalty.item<float>() : 0;
    }

    /// <summary>Mean cross-entropy and accuracy over every example of <paramref name="set"/> (all batches of
    /// <paramref name="batchSize"/>, in order), in inference mode.</summary>
    /// <remarks>With <paramref name="chunk"/>, the probabilities are the mean softmax over <paramref name="windows"/>
    /// evenly spaced windows (<see cref="Chunking.Probabilities"/>) and the loss is their negative log-likelihood.</remarks>
    internal static (double Loss, double Accuracy) Evaluate(
        nn.Module<Tensor, Tensor> network, IBatchSource set, FeatureShape shape, Device device, int batchSize, CancellationToken cancellation,
        int? chunk = null, int windows = 1)
    {
        double lossSum = 0;
        long correct = 0;
        var all = Enumerable.Range(0, set.Count).ToArray();
        using var mode = torch.inference_mode();
        using var reader = set.Start(all);
        for (int start = 0; start < all.Length; start += batchSize)
        {
            cancellation.ThrowIfCancellationRequested();
            int count = Math.Min(batchSize, all.Length - start);
            using var scope = torch.NewDisposeScope();
            var (x, y) = NextBatch(reader, count, shape, device);
            if (chunk is int c)
            {
                var probabilities = Chunking.Probabilities(network, x, c, windows);
                lossSum += nn.functional.nll_loss(probabilities.clamp_min(1e-12).log(), y, reduction: nn.Reduction.Sum).item<float>();
                correct += probabilities.argmax(1).eq(y).sum().item<long>();
                continue;
            }
            var logits = network.forward(x);
            lossSum += nn.functional.cross_entropy(logits, y, reduction: nn.Reduction.Sum).item<float>();
            correct += logits.argmax(1).eq(y).sum().item<long>();
        }
        return (lossSum / Math.Max(1, set.Count), (double)correct / Math.Max(1, set.Count));
    }

    /// <summary>Builds a [n, rows, columns] batch tensor of the given examples of <paramref name="set"/> as network input on <paramref name="device"/>.</summary>
    internal static Tensor Batch(ExampleSet set, ReadOnlySpan<int> indices, FeatureShape shape, Device device)
    {
        using var reader = set.Start(indices.ToArray());
        var (x, y) = NextBatch(reader, indices.Length, shape, device);
        y.Dispose();
        return x;
    }

    /// <summary>
    /// The next <paramref name="count"/> examples of a pass: the network input [count, framesUsed, mels] and the
    /// class indices [count] on <paramref name="device"/>, in the caller's dispose scope.
    /// </summary>
    /// <remarks>The reader writes straight into the native memory of a CPU tensor, so no managed batch array exists
    /// (<c>torch.tensor(float[])</c> would clone one: two large-object arrays per batch, which the GC lets pile up).</remarks>
    private static (Tensor X, Tensor Y) NextBatch(IBatchReader reader, int count, FeatureShape shape, Device device)
    {
        var labels = new long[count];
        Tensor x;
        using (var cpu = torch.empty(new long[] { count, shape.Rows, shape.Columns }, ScalarType.Float32))
        {
            reader.Read(MemoryMarshal.Cast<byte, float>(cpu.bytes), labels);
            x = shape.ToNetworkInput(cpu).to(device);
        }
        return (x, torch.tensor(labels, device: device));
    }

    /// <summary>A seed for one of the loop's own generators (<paramref name="stream"/> 1 = crops, 2 = augmentation), distinct from the shuffle's.</summary>
    internal static int DerivedSeed(int seed, int stream) => unchecked((seed * 1_000_003) ^ (stream * 0x5bd1e995));

    /// <summary>The generators of the per-batch random operations: crops (with chunking) and augmentation (when on).</summary>
    private sealed record BatchRandom(Random? Crops, BatchAugmenter? Augmenter);

    private static void Shuffle(int[] order, Random rng)
    {
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
    }
}
