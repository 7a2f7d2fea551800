namespace MelGenre.Training;

/// <summary>
/// Keras <c>EarlyStopping(mode='max', min_delta=0, patience)</c> on <see cref="TrainingState.Monitored"/>: stops when
/// the monitored accuracy has not risen above its best for <c>patience</c> epochs in a row. It never asks to stop
/// after the last planned epoch, so a run that ends on schedule is not reported as stopped early.
/// </summary>
internal sealed class EarlyStopping : ITrainingCallback
{
    private readonly BestSoFar _best = new();
    private int _wait;

    /// <param name="patience">Epochs without improvement before stopping (>= 1).</param>
    public EarlyStopping(int patience) => Patience = patience;

    /// <summary>Epochs without improvement before stopping.</summary>
    public int Patience { get; }

    /// <inheritdoc/>
    public CallbackAction OnEpochEnd(EpochMetrics metrics, TrainingState state)
    {
        if (_best.Offer(TrainingState.Monitored(metrics)))
        {
            _wait = 0;
            return CallbackAction.Continue;
        }
        if (++_wait < Patience || metrics.Epoch >= state.Epochs)
            return CallbackAction.Continue;
        state.Log("stopping early after epoch {0}: no improvement for {1} epochs", metrics.Epoch, Patience);
        return CallbackAction.Stop;
    }
}
