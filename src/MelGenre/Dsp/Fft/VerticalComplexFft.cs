using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MelGenre.Dsp;

/// <summary>
/// Forward complex FFT of a power-of-two size in double precision, computed "vertically": every lane of a
/// <see cref="Vector256{T}"/> holds a different, independent transform (four at once), so the algorithm is the plain
/// scalar one applied to vectors, without shuffles.
/// </summary>
/// <remarks>
/// Decimation in time on bit-reversed input (the caller stores element <c>j</c> at <see cref="BitReverse"/>[j]), one
/// radix-2 stage when <c>log2(size)</c> is odd, then radix-4 stages. Data are split into real and imaginary arrays.
/// Twiddles are computed once with <see cref="double.SinCosPi(double)"/> on exact binary fractions, so they are correctly
/// rounded to double. Output is in natural order, unnormalised (<c>X[k] = sum x[j] exp(-2 pi i j k / N)</c>).
/// </remarks>
internal sealed class VerticalComplexFft
{
    private readonly double[] _twiddles;
    private readonly int[] _stageQuarter;
    private readonly int[] _stageTwiddleOffset;
    private readonly bool _leadingRadix2;

    // Elements per block for the depth-first early stages: 2 arrays x 256 x 32 bytes = 16 KB, half of a typical L1d.
    private const int CacheBlock = 256;

    public VerticalComplexFft(int size)
    {
        if (size < 1 || !BitOperations.IsPow2(size))
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "size must be a positive power of two.");
        }

        Size = size;
        int log2 = BitOperations.Log2((uint)size);
        BitReverse = new int[size];
        for (int j = 0; j < size; j++)
        {
            BitReverse[j] = log2 == 0 ? 0 : (int)(ReverseBits((uint)j) >> (32 - log2));
        }

        _leadingRadix2 = (log2 & 1) == 1;
        int radix4Stages = log2 / 2;
        _stageQuarter = new int[radix4Stages];
        _stageTwiddleOffset = new int[radix4Stages];
        int quarter = _leadingRadix2 ? 2 : 1;
        int twiddleCount = 0;
        for (int s = 0; s < radix4Stages; s++)
        {
            _stageQuarter[s] = quarter;
            _stageTwiddleOffset[s] = twiddleCount;
            twiddleCount += 6 * quarter;
            quarter *= 4;
        }

        _twiddles = new double[twiddleCount];
        for (int s = 0; s < radix4Stages; s++)
        {
            int l = _stageQuarter[s];
            int n = 4 * l;
            int o = _stageTwiddleOffset[s];
            for (int k = 0; k < l; k++)
            {
                for (int r = 1; r <= 3; r++)
                {
                    // W_n^(r k) = exp(-2 pi i r k / n); 2 r k / n is an exact binary fraction (n is a power of two).
                    (double sin, double cos) = double.SinCosPi(2.0 * r * k / n);
                    _twiddles[o + (6 * k) + (2 * (r - 1))] = cos;
                    _twiddles[o + (6 * k) + (2 * (r - 1)) + 1] = -sin;
                }
            }
        }
    }

    /// <summary>Transform size.</summary>
    public int Size { get; }

    /// <summary>Input permutation: element <c>j</c> of the sequence must be stored at index <c>BitReverse[j]</c>.</summary>
    public int[] BitReverse { get; }

    /// <summary>Transforms four independent sequences in place (bit-reversed input, natural-order output).</summary>
    public void Forward(Span<Vector256<double>> re, Span<Vector256<double>> im)
    {
        int n = Size;
        if (re.Length < n || im.Length < n)
        {
            throw new ArgumentException("Buffers are shorter than the transform size.");
        }

        ref Vector256<double> r = ref MemoryMarshal.GetReference(re);
        ref Vector256<double> i = ref MemoryMarshal.GetReference(im);

        // Early stages only combine elements within small spans: run them block by block (depth first) so that each
        // block stays in L1 across those stages instead of sweeping the whole working set once per stage.
        int block = Math.Min(n, CacheBlock);
        int firstWideStage = 0;
        while (firstWideStage < _stageQuarter.Length && 4 * _stageQuarter[firstWideStage] <= block)
        {
            firstWideStage++;
        }

        for (int b = 0; b < n; b += block)
        {
            ref Vector256<double> rb = ref Unsafe.Add(ref r, b);
            ref Vector256<double> ib = ref Unsafe.Add(ref i, b);
            int stage = 0;
            if (_leadingRadix2)
            {
                Radix2First(ref rb, ref ib, block);
            }
            else if (_stageQuarter.Length > 0)
            {
                Radix4First(ref rb, ref ib, block);
                stage = 1;
            }

            for (; stage < firstWideStage; stage++)
            {
                Radix4(ref rb, ref ib, block, _stageQuarter[stage], _stageTwiddleOffset[stage]);
            }
        }

        for (int stage = Math.Max(firstWideStage, _leadingRadix2 ? 0 : 1); stage < _stageQuarter.Length; stage++)
        {
            Radix4(ref r, ref i, n, _stageQuarter[stage], _stageTwiddleOffset[stage]);
        }
    }

    private static uint ReverseBits(uint v)
    {
        v = ((v >> 1) & 0x55555555u) | ((v & 0x55555555u) << 1);
        v = ((v >> 2) & 0x33333333u) | ((v & 0x33333333u) << 2);
        v = ((v >> 4) & 0x0F0F0F0Fu) | ((v & 0x0F0F0F0Fu) << 4);
        v = ((v >> 8) & 0x00FF00FFu) | ((v & 0x00FF00FFu) << 8);
        return (v >> 16) | (v << 16);
    }

    private static void Radix2First(ref Vector256<double> r, ref Vector256<double> i, int n)
    {
        for (int b = 0; b < n; b += 2)
        {
            ref Vector256<double> r0 = ref Unsafe.Add(ref r, b);
            ref Vector256<double> i0 = ref Unsafe.Add(ref i, b);
            ref Vector256<double> r1 = ref Unsafe.Add(ref r, b + 1);
            ref Vector256<double> i1 = ref Unsafe.Add(ref i, b + 1);
            Vector256<double> ar = r0, ai = i0, br = r1, bi = i1;
            r0 = ar + br;
            i0 = ai + bi;
            r1 = ar - br;
            i1 = ai - bi;
        }
    }

    private static void Radix4First(ref Vector256<double> r, ref Vector256<double> i, int n)
    {
        // Quarter length 1: all twiddles are 1. Quarters hold the sub-DFTs of x[4m], x[4m+2], x[4m+1], x[4m+3].
        for (int b = 0; b < n; b += 4)
        {
            Vector256<double> ar = Unsafe.Add(ref r, b), ai = Unsafe.Add(ref i, b);
            Vector256<double> br = Unsafe.Add(ref r, b + 1), bi = Unsafe.Add(ref i, b + 1);
            Vector256<double> cr = Unsafe.Add(ref r, b + 2), ci = Unsafe.Add(ref i, b + 2);
            Vector256<double> dr = Unsafe.Add(ref r, b + 3), di = Unsafe.Add(ref i, b + 3);
            Butterfly4(ar, ai, br, bi, cr, ci, dr, di, ref Unsafe.Add(ref r, b), ref Unsafe.Add(ref i, b), 1);
        }
    }

    private void Radix4(ref Vector256<double> r, ref Vector256<double> i, int n, int l, int twiddleOffset)
    {
        ref double tw = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_twiddles), twiddleOffset);
        for (int b = 0; b < n; b += 4 * l)
        {
            ref Vector256<double> rb = ref Unsafe.Add(ref r, b);
            ref Vector256<double> ib = ref Unsafe.Add(ref i, b);
            for (int k = 0; k < l; k++)
            {
                ref double t = ref Unsafe.Add(ref tw, 6 * k);
                Vector256<double> w1r = Vector256.Create(t);
                Vector256<double> w1i = Vector256.Create(Unsafe.Add(ref t, 1));
                Vector256<double> w2r = Vector256.Create(Unsafe.Add(ref t, 2));
                Vector256<double> w2i = Vector256.Create(Unsafe.Add(ref t, 3));
                Vector256<double> w3r = Vector256.Create(Unsafe.Add(ref t, 4));
                Vector256<double> w3i = Vector256.Create(Unsafe.Add(ref t, 5));

                Vector256<double> ar = Unsafe.Add(ref rb, k), ai = Unsafe.Add(ref ib, k);
                Vector256<double> xr = Unsafe.Add(ref rb, k + l), xi = Unsafe.Add(ref ib, k + l);
                Vector256<double> yr = Unsafe.Add(ref rb, k + (2 * l)), yi = Unsafe.Add(ref ib, k + (2 * l));
                Vector256<double> zr = Unsafe.Add(ref rb, k + (3 * l)), zi = Unsafe.Add(ref ib, k + (3 * l));

                // Second quarter is the r = 2 sub-DFT, third r = 1, fourth r = 3 (radix-2 bit-reversed order).
                Vector256<double> br = Vector256.MultiplyAddEstimate(xr, w2r, -(xi * w2i));
                Vector256<double> bi = Vector256.MultiplyAddEstimate(xr, w2i, xi * w2r);
                Vector256<double> cr = Vector256.MultiplyAddEstimate(yr, w1r, -(yi * w1i));
                Vector256<double> ci = Vector256.MultiplyAddEstimate(yr, w1i, yi * w1r);
                Vector256<double> dr = Vector256.MultiplyAddEstimate(zr, w3r, -(zi * w3i));
                Vector256<double> di = Vector256.MultiplyAddEstimate(zr, w3i, zi * w3r);

                Butterfly4(ar, ai, br, bi, cr, ci, dr, di, ref Unsafe.Add(ref rb, k), ref Unsafe.Add(ref ib, k), l);
            }
        }
    }

    /// <summary>
    /// Radix-4 butterfly on already twiddled inputs a (r=0), b (r=2), c (r=1), d (r=3); writes X[k], X[k+L], X[k+2L], X[k+3L].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Butterfly4(
        Vector256<double> ar,
        Vector256<double> ai,
        Vector256<double> br,
        Vector256<double> bi,
        Vector256<double> cr,
        Vector256<double> ci,
        Vector256<double> dr,
        Vector256<double> di,
        ref Vector256<double> outR,
        ref Vector256<double> outI,
        int l)
    {
        Vector256<double> t0r = ar + br, t0i = ai + bi;
        Vector256<double> t1r = ar - br, t1i = ai - bi;
        Vector256<double> t2r = cr + dr, t2i = ci + di;
        Vector256<double> t3r = cr - dr, t3i = ci - di;
        outR = t0r + t2r;
        outI = t0i + t2i;
        Unsafe.Add(ref outR, 2 * l) = t0r - t2r;
        Unsafe.Add(ref outI, 2 * l) = t0i - t2i;

        // X[k+L] = t1 - i t3, X[k+3L] = t1 + i t3.
        Unsafe.Add(ref outR, l) = t1r + t3i;
        Unsafe.Add(ref outI, l) = t1i - t3r;
        Unsafe.Add(ref outR, 3 * l) = t1r - t3i;
        Unsafe.Add(ref outI, 3 * l) = t1i + t3r;
    }
}
