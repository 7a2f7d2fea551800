using System;
using System.Collections.Generic;

namespace MelGenre.Dsp;

/// <summary>
/// A mel filter bank (<see cref="MelFilterBank.Build"/>, row-major <c>[mel, bin]</c>) stored sparsely: for each band the
/// first non-zero bin, the number of bins up to its last non-zero one, and those weights packed back to back. Products
/// with a power spectrum then visit only the bins a triangle covers (about 2 % of a 128 x 1025 bank). Immutable.
/// </summary>
internal sealed class SparseMelBasis
{
    public SparseMelBasis(float[] basis, int melCount, int bins)
    {
        MelCount = melCount;
        Start = new int[melCount];
        Length = new int[melCount];
        Offset = new int[melCount];
        var weights = new List<float>();
        for (int m = 0; m < melCount; m++)
        {
            int first = -1, last = -1;
            for (int k = 0; k < bins; k++)
            {
                if (basis[(m * bins) + k] != 0f)
                {
                    first = first < 0 ? k : first;
                    last = k;
                }
            }

            Offset[m] = weights.Count;
            if (first >= 0)
            {
                Start[m] = first;
                Length[m] = last - first + 1;
                weights.AddRange(basis.AsSpan((m * bins) + first, last - first + 1).ToArray());
            }
        }

        Weights = weights.ToArray();
    }

    /// <summary>Bands.</summary>
    public int MelCount { get; }

    /// <summary>First bin of each band.</summary>
    public int[] Start { get; }

    /// <summary>Bins of each band, from its first to its last non-zero weight.</summary>
    public int[] Length { get; }

    /// <summary>Where each band's weights start in <see cref="Weights"/>.</summary>
    public int[] Offset { get; }

    /// <summary>The packed weights.</summary>
    public float[] Weights { get; }

    /// <summary>One frame: <c>mel[m] = sum_k basis[m, k] power[k]</c> in float32 (numpy's pairwise order: see <see cref="ChromaStft.Dot"/>).</summary>
    public void Apply(ReadOnlySpan<float> power, Span<float> mel)
    {
        ReadOnlySpan<float> w = Weights;
        for (int m = 0; m < MelCount; m++)
            mel[m] = ChromaStft.Dot(w.Slice(Offset[m], Length[m]), power.Slice(Start[m], Length[m]));
    }
}
