using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace MelGenre.Audio;

/// <summary>One vectorised pass over decoded samples looking for values that real audio cannot have.</summary>
internal readonly struct SignalScan
{
    private SignalScan(long firstNonFinite, long firstOverLimit, bool anyNonZero)
    {
        FirstNonFinite = firstNonFinite;
        FirstOverLimit = firstOverLimit;
        AnyNonZero = anyNonZero;
    }

    /// <summary>Index of the first NaN or infinity, or -1.</summary>
    internal long FirstNonFinite { get; }

    /// <summary>Index of the first finite sample with magnitude above the limit, or -1.</summary>
    internal long FirstOverLimit { get; }

    /// <summary>Whether any sample differs from zero.</summary>
    internal bool AnyNonZero { get; }

    internal static SignalScan Run(ReadOnlySpan<float> x, float limit)
    {
        bool anyNonZero = false;
        int i = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<float>.Count)
        {
            ReadOnlySpan<Vector<float>> vectors = MemoryMarshal.Cast<float, Vector<float>>(x);
            var limitV = new Vector<float>(limit);
            Vector<int> nonZero = Vector<int>.Zero;
            for (int v = 0; v < vectors.Length; v++)
            {
                Vector<float> s = vectors[v];
                // NaN fails every comparison, so "not (|s| <= limit)" catches NaN, ±∞ and too-large values.
                Vector<int> suspicious = ~Vector.LessThanOrEqual(Vector.Abs(s), limitV);
                if (suspicious != Vector<int>.Zero)
                {
                    i = v * Vector<float>.Count;
                    return Scalar(x, i, limit, anyNonZero || nonZero != Vector<int>.Zero);
                }

                nonZero |= ~Vector.Equals(s, Vector<float>.Zero);
            }

            anyNonZero = nonZero != Vector<int>.Zero;
            i = vectors.Length * Vector<float>.Count;
        }

        return Scalar(x, i, limit, anyNonZero);
    }

    private static SignalScan Scalar(ReadOnlySpan<float> x, int start, float limit, bool anyNonZero)
    {
        long overLimit = -1;
        for (int i = start; i < x.Length; i++)
        {
            float s = x[i];
            if (!float.IsFinite(s))
            {
                return new SignalScan(i, overLimit, true);
            }

            if (overLimit < 0 && Math.Abs(s) > limit)
            {
                overLimit = i;
            }

            anyNonZero |= s != 0f;
        }

        return new SignalScan(-1, overLimit, anyNonZero);
    }
}
