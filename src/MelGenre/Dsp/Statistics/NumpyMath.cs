using System;
using System.Numerics;

namespace MelGenre.Dsp;

/// <summary>Small numpy reproductions (the mono mix and the CQT features need numpy's summation order).</summary>
internal static class NumpyMath
{
    /// <summary>
    /// <c>np.sum</c> (numpy's <c>add.reduce</c>) of a contiguous float32 or float64 array, in the array's own precision: numpy's pairwise summation (blocks of 128 split in halves; inside a
    /// block eight interleaved partial sums combined as <c>((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))</c>, then the
    /// remainder added in order; fewer than eight values are added in order).
    /// </summary>
    public static T PairwiseSum<T>(ReadOnlySpan<T> a)
        where T : struct, IFloatingPointIeee754<T>
    {
        int n = a.Length;
        if (n < 8)
        {
            T s = T.Zero;
            for (int i = 0; i < n; i++)
            {
                s += a[i];
            }

            return s;
        }

        if (n <= 128)
        {
            T r0 = a[0], r1 = a[1], r2 = a[2], r3 = a[3], r4 = a[4], r5 = a[5], r6 = a[6], r7 = a[7];
            int i;
            for (i = 8; i < n - (n % 8); i += 8)
            {
                r0 += a[i];
                r1 += a[i + 1];
                r2 += a[i + 2];
                r3 += a[i + 3];
                r4 += a[i + 4];
                r5 += a[i + 5];
                r6 += a[i + 6];
                r7 += a[i + 7];
            }

            T res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
            for (; i < n; i++)
            {
                res += a[i];
            }

            return res;
        }

        int n2 = n / 2;
        n2 -= n2 % 8;
        return PairwiseSum(a.Slice(0, n2)) + PairwiseSum(a.Slice(n2));
    }
}
