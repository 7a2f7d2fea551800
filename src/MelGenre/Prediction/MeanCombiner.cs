using System;
using System.Collections.Generic;
using System.Linq;

namespace MelGenre.Prediction;

/// <summary>The equal-weight ensemble: the element-wise mean of the members' probabilities.</summary>
public sealed class MeanCombiner : IEnsembleCombiner
{
    /// <summary>The one instance (stateless).</summary>
    public static MeanCombiner Instance { get; } = new();

    private MeanCombiner()
    {
    }

    /// <inheritdoc/>
    /// <remarks>Computed in single precision as Σ<sub>m</sub> p<sub>m</sub> / M, adding members in order (the numbers the CLI has always written).</remarks>
    /// <exception cref="ArgumentException">No member, or members with different row or class counts.</exception>
    public float[][] Combine(IReadOnlyList<float[][]> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        if (members.Count == 0)
            throw new ArgumentException("An ensemble needs at least one member.", nameof(members));
        int n = members[0].Length;
        if (members.Any(m => m.Length != n))
            throw new ArgumentException($"The members score different numbers of rows ({string.Join(", ", members.Select(m => m.Length))}).", nameof(members));
        var result = new float[n][];
        for (int i = 0; i < n; i++)
        {
            int k = members[0][i].Length;
            if (members.Any(m => m[i].Length != k))
                throw new ArgumentException($"Row {i}: the members give different numbers of classes.", nameof(members));
            result[i] = new float[k];
            foreach (var m in members)
            {
                for (int c = 0; c < k; c++)
                    result[i][c] += m[i][c] / members.Count;
            }
        }
        return result;
    }
}
