using System;
using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MelGenre.Audio.Managed;

/// <summary>
/// soxr's half-band decimator: <c>y[k] = x[2k] / 2 + sum_j c[j] (x[2k - 2j - 1] + x[2k + 2j + 1])</c>, centred on
/// input sample 2k (no delay).
/// </summary>
internal sealed class HalfBandStage : IResampleStage
{
    private readonly float[] _coefs;

    public HalfBandStage(float[] coefs) => _coefs = coefs;

    public long InputExtent(long outputCount) => outputCount == 0 ? 0 : 2 * outputCount + 2 * _coefs.Length - 2;

    public void Process(ReadOnlySpan<float> input, Span<float> output)
    {
        int n = _coefs.Length;
        int count = output.Length;
        if (count == 0)
        {
            return;
        }

        // Split into even and odd samples, the odd ones with n zeros of history before and enough after:
        // odd[n + m] = x[2m + 1], even[k] = x[2k].
        int width = Vector<float>.Count;
        int oddLength = n + count + n + width;
        float[] oddArray = ArrayPool<float>.Shared.Rent(oddLength);
        float[] evenArray = ArrayPool<float>.Shared.Rent(count);
        try
        {
            Span<float> odd = oddArray.AsSpan(0, oddLength);
            Span<float> even = evenArray.AsSpan(0, count);
            odd.Clear();
            for (int k = 0; k < count; k++)
            {
                long e = 2L * k;
                even[k] = e < input.Length ? input[(int)e] : 0f;
            }

            for (int m = 0; m < count + n && 2L * m + 1 < input.Length; m++)
            {
                odd[n + m] = input[2 * m + 1];
            }

            // y[k] = even[k] / 2 + sum_j c[j] (odd[n + k + j] + odd[n + k - j - 1]).
            ref float o = ref MemoryMarshal.GetReference(odd);
            ref float ev = ref MemoryMarshal.GetReference(even);
            ref float y = ref MemoryMarshal.GetReference(output);
            var halfV = new Vector<float>(.5f);
            int k0 = 0;
            for (; k0 + width <= count; k0 += width)
            {
                Vector<float> sum = Vector.LoadUnsafe(ref ev, (nuint)k0) * halfV;
                for (int j = 0; j < n; j++)
                {
                    Vector<float> pair = Vector.LoadUnsafe(ref o, (nuint)(n + k0 + j)) + Vector.LoadUnsafe(ref o, (nuint)(n + k0 - j - 1));
                    sum += pair * new Vector<float>(_coefs[j]);
                }

                sum.StoreUnsafe(ref y, (nuint)k0);
            }

            for (; k0 < count; k0++)
            {
                float sum = Unsafe.Add(ref ev, k0) * .5f;
                for (int j = 0; j < n; j++)
                {
                    sum += (Unsafe.Add(ref o, n + k0 + j) + Unsafe.Add(ref o, n + k0 - j - 1)) * _coefs[j];
                }

                Unsafe.Add(ref y, k0) = sum;
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(oddArray);
            ArrayPool<float>.Shared.Return(evenArray);
        }
    }
}
