using System;

namespace MelGenre.Dsp;

/// <summary>Order statistics without a full sort.</summary>
internal static class Selection
{
    /// <summary>
    /// Rearranges <paramref name="values"/> so that <c>values[k]</c> is the k-th smallest (0-based), everything before it
    /// is &lt;= and everything after it is &gt;= (Hoare partitioning around a median of three; O(n) expected). NaN-free
    /// input is assumed; NaNs end up in unspecified positions.
    /// </summary>
    public static float Select(Span<float> values, int k)
    {
        if ((uint)k >= (uint)values.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, "k must index the values.");
        }

        int left = 0, right = values.Length - 1;
        while (right - left > 16)
        {
            int mid = left + ((right - left) >> 1);

            // Median of three as the pivot, which also puts sentinels at both ends.
            if (values[mid] < values[left])
            {
                Swap(values, mid, left);
            }

            if (values[right] < values[left])
            {
                Swap(values, right, left);
            }

            if (values[right] < values[mid])
            {
                Swap(values, right, mid);
            }

            float pivot = values[mid];
            int i = left, j = right;
            while (i <= j)
            {
                while (values[i] < pivot)
                {
                    i++;
                }

                while (values[j] > pivot)
                {
                    j--;
                }

                if (i <= j)
                {
                    Swap(values, i, j);
                    i++;
                    j--;
                }
            }

            if (k <= j)
            {
                right = j;
            }
            else if (k >= i)
            {
                left = i;
            }
            else
            {
                return values[k];
            }
        }

        // Small range: insertion sort.
        for (int i = left + 1; i <= right; i++)
        {
            float v = values[i];
            int j = i - 1;
            while (j >= left && values[j] > v)
            {
                values[j + 1] = values[j];
                j--;
            }

            values[j + 1] = v;
        }

        return values[k];
    }

    private static void Swap(Span<float> values, int a, int b) => (values[a], values[b]) = (values[b], values[a]);
}
