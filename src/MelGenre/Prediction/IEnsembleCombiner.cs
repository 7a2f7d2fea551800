using System.Collections.Generic;

namespace MelGenre.Prediction;

/// <summary>
/// How an ensemble turns its members' probability rows into one set of rows: the seam for other rules (e.g. fitted weights).
/// </summary>
public interface IEnsembleCombiner
{
    /// <summary>Combines the members' probabilities row by row.</summary>
    /// <param name="members">One entry per member, in the ensemble's member order: rows × classes probabilities, all aligned to one class order and with the same row count.</param>
    /// <returns>Rows × classes combined probabilities.</returns>
    float[][] Combine(IReadOnlyList<float[][]> members);
}
