using System;
using System.Globalization;

namespace MelGenre.Training;

/// <summary>What a callback asks of the training loop at the end of an epoch.</summary>
internal enum CallbackAction
{
    /// <summary>Go on with the next epoch (if any are left).</summary>
    Continue,

    /// <summary>End training after this epoch (Keras' <c>model.stop_training = True</c>).</summary>
    Stop,
}

/// <summary>
/// A step of the training loop's end-of-epoch logic, in the manner of a Keras callback: the loop measures an epoch,
/// records and reports it, then hands its metrics to every callback in order (all of them, even after one asked to stop).
/// </summary>
internal interface ITrainingCallback
{
    /// <summary>Sees the finished epoch's metrics; may lower <see cref="TrainingState.LearningRate"/> and ask to stop.</summary>
    CallbackAction OnEpochEnd(EpochMetrics metrics, TrainingState state);

    /// <summary>Runs once after the last epoch (not when training fails or is cancelled).</summary>
    void OnTrainEnd(TrainingState state)
    {
    }
}

/// <summary>The part of a training run that the callbacks read and change. Not thread-safe: one per run.</summary>
internal sealed class TrainingState
{
    private readonly Action<string> _log;

    /// <param name="epochs">Planned number of epochs (>= 1).</param>
    /// <param name="learningRate">Adam's learning rate for the first epoch (> 0).</param>
    /// <param name="log">Receives the callbacks' messages (one line each); null drops them.</param>
    public TrainingState(int epochs, double learningRate, Action<string>? log = null)
    {
        Epochs = epochs;
        LearningRate = learningRate;
        _log = log ?? (_ => { });
    }

    /// <summary>Planned number of epochs.</summary>
    public int Epochs { get; }

    /// <summary>Adam's learning rate for the next epoch. When a callback changes it, the loop sets the optimizer's
    /// before the next epoch starts.</summary>
    public double LearningRate { get; set; }

    /// <summary>1-based epoch whose weights the network holds: the loop sets it to each finished epoch, a callback that
    /// restores other weights at the end sets it to theirs. 0 before the first epoch ends.</summary>
    public int WeightsEpoch { get; set; }

    /// <summary>Writes one line to the training channel (formatted with the invariant culture).</summary>
    public void Log(string format, params object[] args) => _log(string.Format(CultureInfo.InvariantCulture, format, args));

    /// <summary>
    /// The value every callback monitors (Keras' <c>monitor</c>, mode <c>max</c>): the validation accuracy when the
    /// epoch has one, else the training accuracy.
    /// </summary>
    public static double Monitored(EpochMetrics metrics) => metrics.ValidationAccuracy ?? metrics.TrainAccuracy;
}

/// <summary>
/// Keras' improvement test in mode <c>max</c>: a value improves on the best so far when it is greater than the best
/// plus <c>minDelta</c> (strictly, so on a tie the earlier value stays the best). The first value always improves.
/// </summary>
internal sealed class BestSoFar
{
    private readonly double _minDelta;

    /// <param name="minDelta">Smallest gain that counts as an improvement (>= 0; 0 means any gain).</param>
    public BestSoFar(double minDelta = 0) => _minDelta = minDelta;

    /// <summary>The best value so far; negative infinity before the first.</summary>
    public double Best { get; private set; } = double.NegativeInfinity;

    /// <summary>Offers a value; true (and it becomes the best) when it improves on the best so far.</summary>
    public bool Offer(double value)
    {
        if (!(value > Best + _minDelta))
            return false;
        Best = value;
        return true;
    }
}
