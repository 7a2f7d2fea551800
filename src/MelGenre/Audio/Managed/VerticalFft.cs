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
        // Radix-2 stages fused in pairs (one pass over memory per two stages); an odd stage count starts with a single one.
        int s = 0;
        if ((Log2 & 1) != 0)
        {
            ForwardRadix2(ref re, ref im, 0);
            s = 1;
        }

        for (; s < Log2; s += 2)
        {
            ForwardPair(ref re, ref im, s);
        }
    }

    /// <summary>In-place inverse transform (no 1/N scaling): bit-reversed order in, natural order out.</summary>
    public void Inverse(ref Vector<float> re, ref Vector<float> im)
    {
        int last = (Log2 & 1) != 0 ? 1 : 0;
        for (int s = Log2 - 2; s >= last; s -= 2)
        {
            InversePair(ref re, ref im, s);
        }

        if (last == 1)
        {
            InverseRadix2(ref re, ref im, 0);
        }
    }

    // Decimation-in-frequency stage s: half-span h = Size >> (s + 1), (a, b) -> (a + b, (a - b) W_{2h}^j).
    private void ForwardRadix2(ref Vector<float> re, ref Vector<float> im, int s)
    {
        int n = Size;
        int h = n >> (s + 1);
        ref float cr = ref _cos[_stageOffset[s]];
        ref float sr = ref _sin[_stageOffset[s]];
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
                var c = new Vector<float>(Unsafe.Add(ref cr, j));
                var sn = new Vector<float>(Unsafe.Add(ref sr, j));

                // (dr + i di)(c - i s)
                Unsafe.Add(ref br, j) = dr * c + di * sn;
                Unsafe.Add(ref bi, j) = di * c - dr * sn;
            }
        }
    }

    // Stages s and s + 1 in one pass: quarter-span q = Size >> (s + 2); points j, j + q, j + 2q, j + 3q of each group.
    private void ForwardPair(ref Vector<float> re, ref Vector<float> im, int s)
    {
        int n = Size;
        int q = n >> (s + 2);
        ref float c1 = ref _cos[_stageOffset[s]];
        ref float s1 = ref _sin[_stageOffset[s]];
        ref float c2 = ref _cos[_stageOffset[s + 1]];
        ref float s2 = ref _sin[_stageOffset[s + 1]];
        for (int g = 0; g < n; g += 4 * q)
        {
            ref Vector<float> r0 = ref Unsafe.Add(ref re, g);
            ref Vector<float> i0 = ref Unsafe.Add(ref im, g);
            for (int j = 0; j < q; j++)
            {
                Vector<float> x0r = Unsafe.Add(ref r0, j), x0i = Unsafe.Add(ref i0, j);
                Vector<float> x1r = Unsafe.Add(ref r0, j + q), x1i = Unsafe.Add(ref i0, j + q);
                Vector<float> x2r = Unsafe.Add(ref r0, j + 2 * q), x2i = Unsafe.Add(ref i0, j + 2 * q);
                Vector<float> x3r = Unsafe.Add(ref r0, j + 3 * q), x3i = Unsafe.Add(ref i0, j + 3 * q);

                // Stage s (half-span 2q): pairs (x0, x2) with W^j and (x1, x3) with W^(j+q).
                Vector<float> y0r = x0r + x2r, y0i = x0i + x2i;
                Vector<float> y1r = x1r + x3r, y1i = x1i + x3i;
                Vector<float> dr = x0r - x2r, di = x0i - x2i;
                var ca = new Vector<float>(Unsafe.Add(ref c1, j));
                var sa = new Vector<float>(Unsafe.Add(ref s1, j));
                Vector<float> y2r = dr * ca + di * sa, y2i = di * ca - dr * sa;
                dr = x1r - x3r;
                di = x1i - x3i;
                var cb = new Vector<float>(Unsafe.Add(ref c1, j + q));
                var sb = new Vector<float>(Unsafe.Add(ref s1, j + q));
                Vector<float> y3r = dr * cb + di * sb, y3i = di * cb - dr * sb;

                // Stage s + 1 (half-span q): pairs (y0, y1) and (y2, y3) with W^j of that stage.
                var cc = new Vector<float>(Unsafe.Add(ref c2, j));
                var sc = new Vector<float>(Unsafe.Add(ref s2, j));
                Unsafe.Add(ref r0, j) = y0r + y1r;
                Unsafe.Add(ref i0, j) = y0i + y1i;
                dr = y0r - y1r;
                di = y0i - y1i;
                Unsafe.Add(ref r0, j + q) = dr * cc + di * sc;
                Unsafe.Add(ref i0, j + q) = di * cc - dr * sc;
                Unsafe.Add(ref r0, j + 2 * q) = y2r + y3r;
                Unsafe.Add(ref i0, j + 2 * q) = y2i + y3i;
                dr = y2r - y3r;
                di = y2i - y3i;
                Unsafe.Add(ref r0, j + 3 * q) = dr * cc + di * sc;
                Unsafe.Add(ref i0, j + 3 * q) = di * cc - dr * sc;
            }
        }
    }

    // Decimation-in-time stage s (the transpose-conjugate of ForwardRadix2): (a, b) -> (a + b W*, a - b W*).
    private void InverseRadix2(ref Vector<float> re, ref Vector<float> im, int s)
    {
        int n = Size;
        int h = n >> (s + 1);
        ref float cr = ref _cos[_stageOffset[s]];
        ref float sr = ref _sin[_stageOffset[s]];
        for (int g = 0; g < n; g += 2 * h)
        {
            ref Vector<float> ar = ref Unsafe.Add(ref re, g);
            ref Vector<float> ai = ref Unsafe.Add(ref im, g);
            ref Vector<float> br = ref Unsafe.Add(ref re, g + h);
            ref Vector<float> bi = ref Unsafe.Add(ref im, g + h);
            for (int j = 0; j < h; j++)
            {
                var c = new Vector<float>(Unsafe.Add(ref cr, j));
                var sn = new Vector<float>(Unsafe.Add(ref sr, j));
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

    // Stages s + 1 then s in one pass (the reverse of ForwardPair).
    private void InversePair(ref Vector<float> re, ref Vector<float> im, int s)
    {
        int n = Size;
        int q = n >> (s + 2);
        ref float c1 = ref _cos[_stageOffset[s]];
        ref float s1 = ref _sin[_stageOffset[s]];
        ref float c2 = ref _cos[_stageOffset[s + 1]];
        ref float s2 = ref _sin[_stageOffset[s + 1]];
        for (int g = 0; g < n; g += 4 * q)
        {
            ref Vector<float> r0 = ref Unsafe.Add(ref re, g);
            ref Vector<float> i0 = ref Unsafe.Add(ref im, g);
            for (int j = 0; j < q; j++)
            {
                Vector<float> x0r = Unsafe.Add(ref r0, j), x0i = Unsafe.Add(ref i0, j);
                Vector<float> x1r = Unsafe.Add(ref r0, j + q), x1i = Unsafe.Add(ref i0, j + q);
                Vector<float> x2r = Unsafe.Add(ref r0, j + 2 * q), x2i = Unsafe.Add(ref i0, j + 2 * q);
                Vector<float> x3r = Unsafe.Add(ref r0, j + 3 * q), x3i = Unsafe.Add(ref i0, j + 3 * q);

                // Stage s + 1 (half-span q): (x0, x1) and (x2, x3) with conj(W^j).
                var cc = new Vector<float>(Unsafe.Add(ref c2, j));
                var sc = new Vector<float>(Unsafe.Add(ref s2, j));
                Vector<float> tr = x1r * cc - x1i * sc, ti = x1r * sc + x1i * cc;
                Vector<float> y0r = x0r + tr, y0i = x0i + ti, y1r = x0r - tr, y1i = x0i - ti;
                tr = x3r * cc - x3i * sc;
                ti = x3r * sc + x3i * cc;
                Vector<float> y2r = x2r + tr, y2i = x2i + ti, y3r = x2r - tr, y3i = x2i - ti;

                // Stage s (half-span 2q): (y0, y2) with conj(W^j), (y1, y3) with conj(W^(j+q)).
                var ca = new Vector<float>(Unsafe.Add(ref c1, j));
                var sa = new Vector<float>(Unsafe.Add(ref s1, j));
                tr = y2r * ca - y2i * sa;
                ti = y2r * sa + y2i * ca;
                Unsafe.Add(ref r0, j) = y0r + tr;
                Unsafe.Add(ref i0, j) = y0i + ti;
                Unsafe.Add(ref r0, j + 2 * q) = y0r - tr;
                Unsafe.Add(ref i0, j + 2 * q) = y0i - ti;
                var cb = new Vector<float>(Unsafe.Add(ref c1, j + q));
                var sb = new Vector<float>(Unsafe.Add(ref s1, j + q));
                tr = y3r * cb - y3i * sb;
                ti = y3r * sb + y3i * cb;
                Unsafe.Add(ref r0, j + q) = y1r + tr;
                Unsafe.Add(ref i0, j + q) = y1i + ti;
                Unsafe.Add(ref r0, j + 3 * q) = y1r - tr;
                Unsafe.Add(ref i0, j + 3 * q) = y1i - ti;
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
