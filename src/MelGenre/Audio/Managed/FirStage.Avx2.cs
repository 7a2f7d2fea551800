using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MelGenre.Audio.Managed;

/// <summary>
/// AVX2 versions of the overlap-save load and store for 8-lane batches: 8 x 8 transposes instead of strided scalar
/// accesses. Used when every lane of a batch is a full interior block (the scalar code handles the rest).
/// </summary>
internal sealed partial class FirStage
{
    private static bool Transposes => Avx2.IsSupported && Vector<float>.Count == 8;

    // re[j] lane b = x[s_b + 2j], im[j] lane b = x[s_b + 2j + 1] for j < nc, s_b = s0 + b * hop.
    private static void GatherTransposed(ReadOnlySpan<float> input, long s0, long hop, Span<float> reF, Span<float> imF, int nc)
    {
        ref float x = ref MemoryMarshal.GetReference(input);
        ref float re = ref MemoryMarshal.GetReference(reF);
        ref float im = ref MemoryMarshal.GetReference(imF);
        Span<Vector256<float>> evens = stackalloc Vector256<float>[8];
        Span<Vector256<float>> odds = stackalloc Vector256<float>[8];
        for (int tile = 0; tile < nc; tile += 8)
        {
            for (int b = 0; b < 8; b++)
            {
                ref float src = ref Unsafe.Add(ref x, (nint)(s0 + b * hop + 2L * tile));
                Vector256<float> lo = Vector256.LoadUnsafe(ref src);
                Vector256<float> hi = Vector256.LoadUnsafe(ref src, 8);

                // (l0 l2 h0 h2 | l4 l6 h4 h6) -> (l0 l2 l4 l6 h0 h2 h4 h6), and the same for the odd samples.
                Vector256<float> e = Avx.Shuffle(lo, hi, 0x88);
                Vector256<float> o = Avx.Shuffle(lo, hi, 0xDD);
                evens[b] = Avx2.Permute4x64(e.AsDouble(), 0xD8).AsSingle();
                odds[b] = Avx2.Permute4x64(o.AsDouble(), 0xD8).AsSingle();
            }

            Transpose8(evens, ref Unsafe.Add(ref re, tile * 8));
            Transpose8(odds, ref Unsafe.Add(ref im, tile * 8));
        }
    }

    // For lane b: dst_b[2i] = re[r0 + i] lane b, dst_b[2i + 1] = im[r0 + i] lane b, for 2i + 1 < count (count even);
    // dst_b starts at output[k0 + b * count].
    private static void ScatterTransposed(ReadOnlySpan<float> reF, ReadOnlySpan<float> imF, int r0, Span<float> output, int k0, int count)
    {
        ref float re = ref MemoryMarshal.GetReference(reF);
        ref float im = ref MemoryMarshal.GetReference(imF);
        ref float y = ref MemoryMarshal.GetReference(output);
        Span<Vector256<float>> rows = stackalloc Vector256<float>[8];
        Span<Vector256<float>> reCols = stackalloc Vector256<float>[8];
        Span<Vector256<float>> imCols = stackalloc Vector256<float>[8];
        int pairs = count / 2;
        int i = 0;
        for (; i + 8 <= pairs; i += 8)
        {
            for (int r = 0; r < 8; r++)
            {
                rows[r] = Vector256.LoadUnsafe(ref re, (nuint)((r0 + i + r) * 8));
            }

            Transpose8(rows, ref Unsafe.As<Vector256<float>, float>(ref MemoryMarshal.GetReference(reCols)));
            for (int r = 0; r < 8; r++)
            {
                rows[r] = Vector256.LoadUnsafe(ref im, (nuint)((r0 + i + r) * 8));
            }

            Transpose8(rows, ref Unsafe.As<Vector256<float>, float>(ref MemoryMarshal.GetReference(imCols)));
            for (int b = 0; b < 8; b++)
            {
                Vector256<float> lo = Avx.UnpackLow(reCols[b], imCols[b]);
                Vector256<float> hi = Avx.UnpackHigh(reCols[b], imCols[b]);
                ref float dst = ref Unsafe.Add(ref y, k0 + b * count + 2 * i);
                Avx.Permute2x128(lo, hi, 0x20).StoreUnsafe(ref dst);
                Avx.Permute2x128(lo, hi, 0x31).StoreUnsafe(ref dst, 8);
            }
        }

        for (; i < pairs; i++)
        {
            for (int b = 0; b < 8; b++)
            {
                Unsafe.Add(ref y, k0 + b * count + 2 * i) = Unsafe.Add(ref re, (r0 + i) * 8 + b);
                Unsafe.Add(ref y, k0 + b * count + 2 * i + 1) = Unsafe.Add(ref im, (r0 + i) * 8 + b);
            }
        }
    }

    // Writes column c of the 8 x 8 matrix whose rows are rows[0..7] to destination[8c .. 8c + 8).
    private static void Transpose8(ReadOnlySpan<Vector256<float>> rows, ref float destination)
    {
        Vector256<float> t0 = Avx.UnpackLow(rows[0], rows[1]), t1 = Avx.UnpackHigh(rows[0], rows[1]);
        Vector256<float> t2 = Avx.UnpackLow(rows[2], rows[3]), t3 = Avx.UnpackHigh(rows[2], rows[3]);
        Vector256<float> t4 = Avx.UnpackLow(rows[4], rows[5]), t5 = Avx.UnpackHigh(rows[4], rows[5]);
        Vector256<float> t6 = Avx.UnpackLow(rows[6], rows[7]), t7 = Avx.UnpackHigh(rows[6], rows[7]);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Permute2x128(u0, u4, 0x20).StoreUnsafe(ref destination, 0);
        Avx.Permute2x128(u1, u5, 0x20).StoreUnsafe(ref destination, 8);
        Avx.Permute2x128(u2, u6, 0x20).StoreUnsafe(ref destination, 16);
        Avx.Permute2x128(u3, u7, 0x20).StoreUnsafe(ref destination, 24);
        Avx.Permute2x128(u0, u4, 0x31).StoreUnsafe(ref destination, 32);
        Avx.Permute2x128(u1, u5, 0x31).StoreUnsafe(ref destination, 40);
        Avx.Permute2x128(u2, u6, 0x31).StoreUnsafe(ref destination, 48);
        Avx.Permute2x128(u3, u7, 0x31).StoreUnsafe(ref destination, 56);
    }
}
