using static TorchSharp.torch;
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Runtime.InteropServices;
using MelGenre.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using TorchSharp;

namespace MelGenre.Training;

/// <summary>Examples read into memory: dense feature rows and zero-based class indices.</summary>
internal sealed class ExampleSet
{
    public required float[][] Features { get; init; }
    public required long[] Labels { get; init; }
    public int SkippedMissingLabels { get; init; }
    public int Count => Labels.Length;
}

/// <summary>The shape facts of a feature column, checked at Fit and stored with the model.</summary>
internal sealed record FeatureShape(int Rows, int Columns, FeatureLayout Layout, int FramesUsed)
{
    public int Mels => Layout == FeatureLayout.MelsByFrames ? Rows : Columns;
    public int FramesAvailable => Layout == FeatureLayout.MelsByFrames ? Columns : Rows;
    public int Size => Rows * Columns;
    public VectorDataViewType Type => new(NumberDataViewType.Single, Rows, Columns);

    /// <summary>Turns a [batch, rows, columns] tensor into the networks' [batch, framesUsed, mels] (contiguous).</summary>
    public Tensor ToNetworkInput(Tensor batch) => Layout == FeatureLayout.MelsByFrames
        ? batch.narrow(2, 0, FramesUsed).transpose(1, 2).contiguous()
        : batch.narrow(1, 0, FramesUsed).contiguous();
}

/// <summary>
/// The training loop shared by the network trainers: Adam, per-epoch metrics over all batches, best weights
/// by validation accuracy, Keras-style ReduceLROnPlateau, optional early stopping, seeded and reproducible on CPU.
/// </summary>
internal static class TrainingLoop
{
    /// <summary>torch's random generator is process-wide: trainings are serialised so that a seed means one result.</summary>
    private static readonly object TorchRandomLock = new();

    internal static ExampleSet ReadExamples(IDataView data, string featureColumn, string labelColumn, FeatureShape shape, string what)
    {
        var features = data.Schema[featureColumn];
        var label = data.Schema[labelColumn];
        var rows = new List<float[]>();
        var labels = new List<long>();
        int skipped = 0;
        var identity = RowIdentity.Of(data.Schema);
        using var cursor = data.GetRowCursor(identity.With(features, label));
        var row = identity.Describer(cursor);
        var getFeatures = cursor.GetGetter<VBuffer<float>>(features);
        var getLabel = cursor.GetGetter<uint>(label);
        VBuffer<float> buffer = default;
        uint key = 0;
        while (cursor.MoveNext())
        {
            getLabel(ref key);
            if (key == 0)
            {
                skipped++;
                continue;
            }
            getFeatures(ref buffer);
            if (buffer.Length != shape.Size)
                throw new InvalidOperationException($"{what} row {cursor.Position}: feature vector has {buffer.Length} values, the schema promised {shape.Size}.");
            var dense = new float[shape.Size];
            buffer.CopyTo(dense);
            if (float.IsNaN(dense[0]) && dense.All(float.IsNaN))
            {
                throw new InvalidOperationException(
                    $"{what} {row()} has missing (NaN) features, as LoadAudio produces for files it could not read under " +
                    "AudioErrorPolicy.EmitMissing. Drop such rows first: mlContext.Data.FilterRowsByMissingValues(data, \"<audio column>\").");
            }
            RowIdentity.RequireFinite(dense, what, row);
            rows.Add(dense);
            labels.Add(key - 1);
        }
        return new ExampleSet { Features = rows.ToArray(), Labels = labels.ToArray(), SkippedMissingLabels = skipped };
    }

    /// <summary>Builds a [n, rows, columns] batch tensor of the given examples on <paramref name="device"/>.</summary>
    /// <remarks>The examples are copied straight into the tensor's native memory. Building a managed batch array
    /// and handing it to <c>torch.tensor</c> (which clones it) made two 10 MB large-object arrays per 32 x 640 x 128
    /// batch; the GC let gigabytes of them pile up during an epoch (6.1 GB peak for a 6,400-clip CRNN epoch).</remarks>
    internal static Tensor Batch(ExampleSet set, ReadOnlySpan<int> indices, FeatureShape shape, Device device)
    {
        using var cpu = torch.empty(new long[] { indices.Length, shape.Rows, shape.Columns }, ScalarType.Float32);
        Span<float> destination = MemoryMarshal.Cast<byte, float>(cpu.bytes);
        for (int i = 0; i < indices.Length; i++)
            set.Features[indices[i]].CopyTo(destination.Slice(i * shape.Size, shape.Size));
        return shape.ToNetworkInput(cpu).to(device);
    }

    internal static (nn.Module<Tensor, Tensor> Network, TrainingHistory History) Train(
        IHost host, NetworkSpec spec, NetworkTrainerOptions options, FeatureShape shape, int classes,
        ExampleSet train, ExampleSet? validation, int seed)
    {
        using var ch = host.Start("Training");
        lock (TorchRandomLock)
        {
            if (options.Threads is int threads)
                torch.set_num_threads(threads);
            var device = DeviceSelector.Resolve(host, options.Device, options.AllowCpuFallback, ch);
            torch.manual_seed(seed);
            var network = spec.Build(shape.FramesUsed, shape.Mels, classes);
            network.to(device);
            long parameterCount = network.parameters().Sum(p => p.numel());
            ch.Info(MessageSensitivity.None, "{0}: {1:N0} trainable parameters, {2} training clips{3}, {4} classes, input {5} x {6}, device {7}",
                spec.Architecture, parameterCount, train.Count, validation is null ? "" : $", {validation.Count} validation clips",
                classes, shape.FramesUsed, shape.Mels, device);

            using var optimizer = torch.optim.Adam(network.parameters(), lr: options.LearningRate, eps: 1e-7);
            var rng = new Random(seed);
            var order = Enumerable.Range(0, train.Count).ToArray();
            var history = new List<EpochMetrics>();
            double learningRate = options.LearningRate;
            double bestMonitored = double.NegativeInfinity, plateauBest = double.NegativeInfinity, stopBest = double.NegativeInfinity;
            int plateauWait = 0, stopWait = 0, selectedEpoch = 0;
            bool stoppedEarly = false;
            Dictionary<string, Tensor>? bestState = null;
            bool keepBest = validation is not null && options.RestoreBestWeights;

            try
            {
                for (int epoch = 1; epoch <= options.Epochs; epoch++)
                {
                    var watch = Stopwatch.StartNew();
                    Shuffle(order, rng);
                    network.train();
                    double lossSum = 0;
                    long correct = 0;
                    for (int start = 0; start < order.Length; start += options.BatchSize)
                    {
                        options.CancellationToken.ThrowIfCancellationRequested();
                        var idx = order.AsSpan(start, Math.Min(options.BatchSize, order.Length - start));
                        using var scope = torch.NewDisposeScope();
                        var x = Batch(train, idx, shape, device);
                        var y = torch.tensor(idx.ToArray().Select(i => train.Labels[i]).ToArray(), device: device);
                        optimizer.zero_grad();
                        var logits = network.forward(x);
                        var ce = nn.functional.cross_entropy(logits, y);
                        var penalty = spec.Penalty(network);
                        var loss = penalty is null ? ce : ce + penalty;
                        loss.backward();
                        optimizer.step();
                        lossSum += ce.item<float>() * idx.Length;
                        correct += logits.argmax(1).eq(y).sum().item<long>();
                    }

                    double penaltyValue = 0;
                    using (torch.no_grad())
                    using (var scope = torch.NewDisposeScope())
                    {
                        var p = spec.Penalty(network);
                        if (p is not null)
                            penaltyValue = p.item<float>();
                    }

                    network.eval();
                    (double Loss, double Accuracy)? val = validation is null ? null : Evaluate(network, validation, shape, device, options.InferenceBatchSize, options);
                    double trainAcc = (double)correct / Math.Max(1, train.Count);
                    double monitored = val?.Accuracy ?? trainAcc;
                    bool isBest = monitored > bestMonitored;
                    if (isBest)
                    {
                        bestMonitored = monitored;
                        selectedEpoch = epoch;
                        if (keepBest)
                        {
                            DisposeState(bestState);
                            bestState = Snapshot(network);
                        }
                    }

                    var metrics = new EpochMetrics
                    {
                        Epoch = epoch,
                        TrainLoss = lossSum / Math.Max(1, train.Count),
                        TrainAccuracy = trainAcc,
                        ValidationLoss = val?.Loss,
                        ValidationAccuracy = val?.Accuracy,
                        L2Penalty = penaltyValue,
                        LearningRate = learningRate,
                        Duration = watch.Elapsed,
                        IsBest = isBest,
                    };
                    history.Add(metrics);
                    ch.Info(MessageSensitivity.None, "epoch {0}/{1}: loss {2:0.0000} acc {3:0.0000}{4} lr {5:G3} ({6:0.0} s){7}",
                        epoch, options.Epochs, metrics.TrainLoss, metrics.TrainAccuracy,
                        val is null ? "" : $" val_loss {val.Value.Loss:0.0000} val_acc {val.Value.Accuracy:0.0000}",
                        learningRate, watch.Elapsed.TotalSeconds, isBest ? " *" : "");
                    options.Progress?.Report(metrics);

                    // Keras ReduceLROnPlateau(mode='max', factor, patience, min_delta, cooldown=0, min_lr).
                    if (monitored > plateauBest + options.PlateauMinDelta)
                    {
                        plateauBest = monitored;
                        plateauWait = 0;
                    }
                    else if (++plateauWait >= options.PlateauPatience)
                    {
                        double reduced = Math.Max(learningRate * options.PlateauFactor, options.MinLearningRate);
                        if (reduced < learningRate)
                        {
                            learningRate = reduced;
                            foreach (var group in optimizer.ParamGroups)
                                group.LearningRate = learningRate;
                            ch.Info(MessageSensitivity.None, "reducing the learning rate to {0:G3}", learningRate);
                        }
                        plateauWait = 0;
                    }

                    // Keras EarlyStopping(mode='max', min_delta=0, patience).
                    if (options.EarlyStoppingPatience is int patience)
                    {
                        if (monitored > stopBest)
                        {
                            stopBest = monitored;
                            stopWait = 0;
                        }
                        else if (++stopWait >= patience && epoch < options.Epochs)
                        {
                            stoppedEarly = true;
                            ch.Info(MessageSensitivity.None, "stopping early after epoch {0}: no improvement for {1} epochs", epoch, patience);
                            break;
                        }
                    }
                }

                if (keepBest && bestState is not null)
                    network.load_state_dict(bestState);
                else
                    selectedEpoch = history.Count;
            }
            catch
            {
                network.Dispose();
                throw;
            }
            finally
            {
                DisposeState(bestState);
            }

            network.eval();
            var result = new TrainingHistory
            {
                Epochs = history,
                SelectedEpoch = selectedEpoch,
                StoppedEarly = stoppedEarly,
                TrainingExamples = train.Count,
                ValidationExamples = validation?.Count ?? 0,
                ParameterCount = parameterCount,
                Seed = seed,
            };
            return (network, result);
        }
    }

    /// <summary>Mean cross-entropy and accuracy over every example (all batches), in inference mode.</summary>
    internal static (double Loss, double Accuracy) Evaluate(nn.Module<Tensor, Tensor> network, ExampleSet set, FeatureShape shape, Device device, int batchSize, NetworkTrainerOptions options)
    {
        double lossSum = 0;
        long correct = 0;
        var all = Enumerable.Range(0, set.Count).ToArray();
        using var mode = torch.inference_mode();
        for (int start = 0; start < all.Length; start += batchSize)
        {
            options.CancellationToken.ThrowIfCancellationRequested();
            var idx = all.AsSpan(start, Math.Min(batchSize, all.Length - start));
            using var scope = torch.NewDisposeScope();
            var logits = network.forward(Batch(set, idx, shape, device));
            var y = torch.tensor(idx.ToArray().Select(i => set.Labels[i]).ToArray(), device: device);
            lossSum += nn.functional.cross_entropy(logits, y, reduction: nn.Reduction.Sum).item<float>();
            correct += logits.argmax(1).eq(y).sum().item<long>();
        }
        return (lossSum / Math.Max(1, set.Count), (double)correct / Math.Max(1, set.Count));
    }

    private static void Shuffle(int[] order, Random rng)
    {
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
    }

    private static Dictionary<string, Tensor> Snapshot(nn.Module<Tensor, Tensor> network)
    {
        using var noGrad = torch.no_grad();
        return network.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone().DetachFromDisposeScope());
    }

    private static void DisposeState(Dictionary<string, Tensor>? state)
    {
        if (state is null)
            return;
        foreach (var t in state.Values)
            t.Dispose();
    }
}
