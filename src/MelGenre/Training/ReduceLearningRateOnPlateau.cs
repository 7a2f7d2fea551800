using System;

namespace MelGenre.Training;

/// <summary>
/// Keras <c>ReduceLROnPlateau(mode='max', factor, patience, min_delta, cooldown=0, min_lr)</c> on
/// <see cref="TrainingState.Monitored"/>: after <c>patience</c> epochs in a row whose monitored accuracy is not
/// greater than the best by more than <c>minDelta</c>, multiplies the learning rate by <c>factor</c> (never below
/// <c>minLearningRate</c>) and starts counting again. The rate of the epoch that triggers it is unchanged; the next
/// epoch uses the reduced one.
/// </summary>
internal sealed class ReduceLearningRateOnPlateau : ITrainingCallback
{
    private readonly BestSoFar _best;
    private readonly double _factor;
    private readonly int _patience;
    private readonly double _minLearningRate;
    private int _wait;

    /// <param name="factor">Multiplier of the learning rate on a plateau, in (0, 1]; 1 never reduces.</param>
    /// <param name="patience">Epochs without improvement before a reduction (>= 1).</param>
    /// <param name="minDelta">Smallest accuracy gain (a fraction, e.g. 0.01 = 1 point) that counts as an improvement (>= 0).</param>
    /// <param name="minLearningRate">Floor of the learning rate (>= 0).</param>
    public ReduceLearningRateOnPlateau(double factor, int patience, double minDelta, double minLearningRate)
    {
        _best = new BestSoFar(minDelta);
        _factor = factor;
        _patience = patience;
        _minLearningRate = minLearningRate;
    }

    /// <inheritdoc/>
    public CallbackAction OnEpochEnd(EpochMetrics metrics, TrainingState state)
    {
        if (_best.Offer(TrainingState.Monitored(metrics)))
        {
            _wait = 0;
        }
        else if (++_wait >= _patience)
        {
            double reduced = Math.Max(state.LearningRate * _factor, _minLearningRate);
            if (reduced < state.LearningRate)
            {
                state.LearningRate = reduced;
                state.Log("reducing the learning rate to {0:G3}", reduced);
            }
            _wait = 0;
        }
        return CallbackAction.Continue;
    }
}
