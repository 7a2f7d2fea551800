using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace MelGenre.Audio.Managed;

/// <summary>
/// Radix-2 complex FFTs of one power-of-two size, computed "vertically": every element is a <see cref="Vector{T}"/>
/// whose lanes hold the same point of <see cref="Vector{T}.Count"/> independent transforms, so the butterflies are
/// plain vector arithmetic with broadcast twiddles. Real and imaginary parts are in separate arrays.
/// The forward transform is decimation in frequency (natural order in, bit-reversed out, <c>e^{-2 pi i nk/N}</c>); the
/// inverse is decimation in time (bit-reversed in, natural out, <c>e^{+2 pi i nk/N}</c>, unscaled).
/// Immutable after construction, so one instance serves every thread.
/// </summary>
internal sealed class VerticalFft
{
    private readonly float[] _cos;
    private readonly float[] _sin;
    private readonly int[] _stageOffset;

    public VerticalFft(int size)
    {
        if (size < 2 || (size & (size - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "The FFT size must be a power of two >= 2.");
        }

        Size = size;
        Log2 = BitOperations.Log2((uint)size);
        _stageOffset = new int[Log2];
        _cos = new float[size];
        _sin = new float[size];

        // Stage s (0 = first forward stage) has half-span h = size >> (s + 1) and twiddles e^{-2 pi i j / (2h)}, j < h.
        int offset = 0;
        for (int s = 0; s < Log2; s++)
        {
            int h = size >> (s + 1);
            _stageOffset[s] = offset;
            for (int j = 0; j < h; j++)
            {
                (double sin, double cos) = Math.SinCos(Math.PI * j / h);
                _cos[offset + j] = (float)cos;
                _sin[offset + j] = (float)sin;
            }

            offset += h;
        }

        BitReverse = new int[size];
        for (int k = 0; k < size; k++)
        {
            BitReverse[k] = (int)(ReverseBits((uint)k) >> (32 - Log2));
        }
    }

    /// <summary>Number of complex points.</summary>
    public int Size { get; }

    /// <summary>log2 of <see cref="Size"/>.</summary>
    public int Log2 { get; }

    /// <summary>Where spectrum bin k ends up after <see cref="Forward"/> (and where <see cref="Inverse"/> expects it).</summary>
    public int[] BitReverse { get; }

    /// <summary>In-place forward transform: natural order in, bit-reversed order out.</summary>
    public void Forward(ref Vector<float> re, ref Vector<float> im)
    {
        int n = Size;
        for (int s = 0; s < Log2; s++)
        {
            int h = n >> (s + 1);
            int offset = _stageOffset[s];
            for (int g = 0; g < n; g += 2 * h)
            {
                ref Vector<float> ar = ref Unsafe.Add(ref re, g);
                ref Vector<float> ai = ref Unsafe.Add(ref im, g);
                ref Vector<float> br = ref Unsafe.Add(ref re, g + h);
                ref Vector<float> bi = ref Unsafe.Add(ref im, g + h);
                for (int j = 0; j < h; j++)
                {
                    Vector<float> xr = Unsafe.Add(ref ar, j), xi = Unsafe.Add(ref ai, j);
                    Vector<float> yr = Unsafe.Add(ref br, j), yi = Unsafe.Add(ref bi, j);
                    Unsafe.Add(ref ar, j) = xr + yr;
                    Unsafe.Add(ref ai, j) = xi + yi;
                    Vector<float> dr = xr - yr, di = xi - yi;
                    var c = new Vector<float>(_cos[offset + j]);
                    var sn = new Vector<float>(_sin[offset + j]);

                    // (dr + i di)(c - i s)
                    Unsafe.Add(ref br, j) = dr * c + di * sn;
                    Unsafe.Add(ref bi, j) = di * c - dr * sn;
                }
            }
        }
    }

    /// <summary>In-place inverse transform (no 1/N scaling): bit-reversed order in, natural order out.</summary>
    public void Inverse(ref Vector<float> re, ref Vector<float> im)
    {
        int n = Size;
        for (int s = Log2 - 1; s >= 0; s--)
        {
            int h = n >> (s + 1);
            int offset = _stageOffset[s];
            for (int g = 0; g < n; g += 2 * h)
            {
                ref Vector<float> ar = ref Unsafe.Add(ref re, g);
                ref Vector<float> ai = ref Unsafe.Add(ref im, g);
                ref Vector<float> br = ref Unsafe.Add(ref re, g + h);
                ref Vector<float> bi = ref Unsafe.Add(ref im, g + h);
                for (int j = 0; j < h; j++)
                {
                    var c = new Vector<float>(_cos[offset + j]);
                    var sn = new Vector<float>(_sin[offset + j]);
                    Vector<float> yr0 = Unsafe.Add(ref br, j), yi0 = Unsafe.Add(ref bi, j);

                    // (yr + i yi)(c + i s)
                    Vector<float> yr = yr0 * c - yi0 * sn;
                    Vector<float> yi = yr0 * sn + yi0 * c;
                    Vector<float> xr = Unsafe.Add(ref ar, j), xi = Unsafe.Add(ref ai, j);
                    Unsafe.Add(ref ar, j) = xr + yr;
                    Unsafe.Add(ref ai, j) = xi + yi;
                    Unsafe.Add(ref br, j) = xr - yr;
                    Unsafe.Add(ref bi, j) = xi - yi;
                }
            }
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
}
