using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace MelGenre.Training;

/// <summary>
/// Keeps a copy of the network's weights (parameters and buffers) from the epoch with the best
/// <see cref="TrainingState.Monitored"/> accuracy (the first of equal bests, as Keras in mode <c>max</c>) and loads
/// them back when training ends, setting <see cref="TrainingState.WeightsEpoch"/> to that epoch. The copy lives on the
/// network's device; <see cref="Dispose"/> frees it.
/// </summary>
internal sealed class BestWeightsCallback : ITrainingCallback, IDisposable
{
    private readonly nn.Module _network;
    private readonly BestSoFar _best = new();
    private Dictionary<string, Tensor>? _weights;

    /// <param name="network">The network being trained; the callback copies and restores its state, never disposes it.</param>
    public BestWeightsCallback(nn.Module network) => _network = network;

    /// <summary>1-based epoch of the weights held; 0 before the first epoch.</summary>
    public int BestEpoch { get; private set; }

    /// <inheritdoc/>
    public CallbackAction OnEpochEnd(EpochMetrics metrics, TrainingState state)
    {
        if (_best.Offer(TrainingState.Monitored(metrics)))
        {
            BestEpoch = metrics.Epoch;
            Free();
            using var noGrad = torch.no_grad();
            var copy = new Dictionary<string, Tensor>();
            foreach (var (name, tensor) in _network.state_dict())
            {
                using var detached = tensor.detach();
                copy.Add(name, detached.clone().DetachFromDisposeScope());
            }
            _weights = copy;
        }
        return CallbackAction.Continue;
    }

    /// <inheritdoc/>
    public void OnTrainEnd(TrainingState state)
    {
        if (_weights is null)
            return;
        _network.load_state_dict(_weights);
        state.WeightsEpoch = BestEpoch;
    }

    /// <summary>Frees the copy of the weights.</summary>
    public void Dispose() => Free();

    private void Free()
    {
        if (_weights is null)
            return;
        foreach (var tensor in _weights.Values)
            tensor.Dispose();
        _weights = null;
    }
}
