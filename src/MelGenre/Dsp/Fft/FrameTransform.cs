using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MelGenre.Dsp;

/// <summary>Four frames of <c>n_fft</c> float samples each, transformed together (one per SIMD lane).</summary>
internal readonly ref struct FrameQuad
{
    public readonly ReadOnlySpan<float> F0;
    public readonly ReadOnlySpan<float> F1;
    public readonly ReadOnlySpan<float> F2;
    public readonly ReadOnlySpan<float> F3;

    public FrameQuad(ReadOnlySpan<float> f0, ReadOnlySpan<float> f1, ReadOnlySpan<float> f2, ReadOnlySpan<float> f3)
    {
        F0 = f0;
        F1 = f1;
        F2 = f2;
        F3 = f3;
    }
}

/// <summary>
/// Windowed real DFT of four frames at once, bins <c>0 .. n/2</c>, in double precision. Implementations keep only
/// immutable plan data; all working memory is the caller's scratch.
/// </summary>
internal abstract class FrameTransform
{
    protected FrameTransform(int size)
    {
        Size = size;
        BinCount = (size / 2) + 1;
    }

    /// <summary>DFT length (n_fft).</summary>
    public int Size { get; }

    /// <summary>Number of non-negative frequency bins, <c>n / 2 + 1</c>.</summary>
    public int BinCount { get; }

    /// <summary>Number of <see cref="Vector256{T}"/> elements of scratch that <see cref="Transform"/> needs.</summary>
    public abstract int ScratchLength { get; }

    /// <summary>Offset in the scratch where the imaginary parts of the result start (real parts start at 0).</summary>
    public abstract int ImaginaryOffset { get; }

    /// <summary>
    /// Computes <c>X[k] = sum_j window[j] frame[j] exp(-2 pi i j k / n)</c> for <c>k = 0 .. n/2</c> of four frames. Lane
    /// <c>q</c> of <c>scratch[k]</c> receives Re X[k] of frame q, lane q of <c>scratch[ImaginaryOffset + k]</c> Im X[k].
    /// </summary>
    public abstract void Transform(in FrameQuad frames, ReadOnlySpan<double> window, Span<Vector256<double>> scratch);

    /// <summary>Creates the fastest transform for the size: split-radix real FFT for powers of two &gt;= 4, Bluestein otherwise.</summary>
    public static FrameTransform Create(int size) =>
        size >= 4 && BitOperations.IsPow2(size) ? new RealFftTransform(size) : new BluesteinTransform(size);
}

/// <summary>
/// Real FFT of a power-of-two size <c>n &gt;= 4</c> via a complex FFT of size <c>n/2</c> on
/// <c>z[j] = x[2j] + i x[2j+1]</c> followed by the usual split post-processing.
/// </summary>
internal sealed class RealFftTransform : FrameTransform
{
    private readonly VerticalComplexFft _fft;
    private readonly int _half;
    private readonly double[] _post; // cos, -sin of 2 pi k / n for k = 0 .. n/4

    public RealFftTransform(int size)
        : base(size)
    {
        if (size < 4 || !BitOperations.IsPow2(size))
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "size must be a power of two >= 4.");
        }

        _half = size / 2;
        _fft = new VerticalComplexFft(_half);
        int quarter = _half / 2;
        _post = new double[2 * (quarter + 1)];
        for (int k = 0; k <= quarter; k++)
        {
            (double sin, double cos) = double.SinCosPi((double)k / _half);
            _post[2 * k] = cos;
            _post[(2 * k) + 1] = -sin;
        }
    }

    // The imaginary array starts a few vectors after the real one ends: re[k] and im[k] then sit 128 bytes apart modulo
    // 4 KiB, which avoids the cache-set and store-forwarding conflicts that the tight layout (32 bytes apart) causes.
    public override int ScratchLength => ImaginaryOffset + _half + 1;

    public override int ImaginaryOffset => _half + 4;

    public override void Transform(in FrameQuad frames, ReadOnlySpan<double> window, Span<Vector256<double>> scratch)
    {
        int n = Size;
        if (window.Length < n || frames.F0.Length < n || frames.F1.Length < n || frames.F2.Length < n || frames.F3.Length < n)
        {
            throw new ArgumentException("Frames and window must hold n_fft samples.");
        }

        Span<Vector256<double>> re = scratch.Slice(0, _half + 1);
        Span<Vector256<double>> im = scratch.Slice(ImaginaryOffset, _half + 1);
        Load(frames, window, re, im);
        _fft.Forward(re, im);
        PostProcess(re, im);
    }

    /// <summary>Windows four frames, packs even/odd samples as complex values and stores them bit-reversed.</summary>
    private void Load(in FrameQuad frames, ReadOnlySpan<double> window, Span<Vector256<double>> re, Span<Vector256<double>> im)
    {
        ref float f0 = ref MemoryMarshal.GetReference(frames.F0);
        ref float f1 = ref MemoryMarshal.GetReference(frames.F1);
        ref float f2 = ref MemoryMarshal.GetReference(frames.F2);
        ref float f3 = ref MemoryMarshal.GetReference(frames.F3);
        ref double w = ref MemoryMarshal.GetReference(window);
        ref Vector256<double> r = ref MemoryMarshal.GetReference(re);
        ref Vector256<double> i = ref MemoryMarshal.GetReference(im);
        ref int br = ref MemoryMarshal.GetArrayDataReference(_fft.BitReverse);
        int quads = Size / 4;
        for (int q = 0; q < quads; q++)
        {
            int s = 4 * q;
            Vector128<float> a0 = Vector128.LoadUnsafe(ref f0, (nuint)s);
            Vector128<float> a1 = Vector128.LoadUnsafe(ref f1, (nuint)s);
            Vector128<float> a2 = Vector128.LoadUnsafe(ref f2, (nuint)s);
            Vector128<float> a3 = Vector128.LoadUnsafe(ref f3, (nuint)s);
            Vector128<float> s0, s1, s2, s3;
            if (Sse.IsSupported)
            {
                Vector128<float> t0 = Sse.UnpackLow(a0, a1);
                Vector128<float> t1 = Sse.UnpackLow(a2, a3);
                Vector128<float> t2 = Sse.UnpackHigh(a0, a1);
                Vector128<float> t3 = Sse.UnpackHigh(a2, a3);
                s0 = Sse.MoveLowToHigh(t0, t1);
                s1 = Sse.MoveHighToLow(t1, t0);
                s2 = Sse.MoveLowToHigh(t2, t3);
                s3 = Sse.MoveHighToLow(t3, t2);
            }
            else
            {
                s0 = Vector128.Create(a0[0], a1[0], a2[0], a3[0]);
                s1 = Vector128.Create(a0[1], a1[1], a2[1], a3[1]);
                s2 = Vector128.Create(a0[2], a1[2], a2[2], a3[2]);
                s3 = Vector128.Create(a0[3], a1[3], a2[3], a3[3]);
            }

            (Vector256<double> d0, Vector256<double> d1) = Vector256.Widen(Vector256.Create(s0, s1));
            (Vector256<double> d2, Vector256<double> d3) = Vector256.Widen(Vector256.Create(s2, s3));
            int p0 = Unsafe.Add(ref br, 2 * q);
            int p1 = Unsafe.Add(ref br, (2 * q) + 1);
            Unsafe.Add(ref r, p0) = d0 * Vector256.Create(Unsafe.Add(ref w, s));
            Unsafe.Add(ref i, p0) = d1 * Vector256.Create(Unsafe.Add(ref w, s + 1));
            Unsafe.Add(ref r, p1) = d2 * Vector256.Create(Unsafe.Add(ref w, s + 2));
            Unsafe.Add(ref i, p1) = d3 * Vector256.Create(Unsafe.Add(ref w, s + 3));
        }
    }

    /// <summary>Turns the half-size complex spectrum Z into the real spectrum X[0 .. n/2], in place.</summary>
    private void PostProcess(Span<Vector256<double>> re, Span<Vector256<double>> im)
    {
        int m = _half;
        ref Vector256<double> r = ref MemoryMarshal.GetReference(re);
        ref Vector256<double> i = ref MemoryMarshal.GetReference(im);
        ref double tw = ref MemoryMarshal.GetArrayDataReference(_post);
        Vector256<double> half = Vector256.Create(0.5);

        Vector256<double> z0r = r, z0i = i;
        r = z0r + z0i;
        i = Vector256<double>.Zero;
        Unsafe.Add(ref r, m) = z0r - z0i;
        Unsafe.Add(ref i, m) = Vector256<double>.Zero;

        for (int k = 1; k <= m / 2; k++)
        {
            ref Vector256<double> rk = ref Unsafe.Add(ref r, k);
            ref Vector256<double> ik = ref Unsafe.Add(ref i, k);
            ref Vector256<double> rm = ref Unsafe.Add(ref r, m - k);
            ref Vector256<double> imk = ref Unsafe.Add(ref i, m - k);
            Vector256<double> zkr = rk, zki = ik, zmr = rm, zmi = imk;
            Vector256<double> wr = Vector256.Create(Unsafe.Add(ref tw, 2 * k));
            Vector256<double> wi = Vector256.Create(Unsafe.Add(ref tw, (2 * k) + 1));

            // E = (Z[k] + conj Z[m-k]) / 2, O = (Z[k] - conj Z[m-k]) / 2i, X[k] = E + W^k O, X[m-k] = conj(E - W^k O).
            Vector256<double> er = (zkr + zmr) * half;
            Vector256<double> ei = (zki - zmi) * half;
            Vector256<double> or = (zki + zmi) * half;
            Vector256<double> oi = (zmr - zkr) * half;
            Vector256<double> tr = Vector256.MultiplyAddEstimate(or, wr, -(oi * wi));
            Vector256<double> ti = Vector256.MultiplyAddEstimate(or, wi, oi * wr);
            rm = er - tr;
            imk = ti - ei;
            rk = er + tr;
            ik = ei + ti;
        }
    }
}

/// <summary>
/// DFT of any size (odd and non-power-of-two included) with Bluestein's chirp-z algorithm on a power-of-two complex FFT
/// of size <c>m &gt;= 2n - 1</c>. About 3 complex FFTs of size m per four frames: correct but several times slower than
/// <see cref="RealFftTransform"/>.
/// </summary>
internal sealed class BluesteinTransform : FrameTransform
{
    private readonly VerticalComplexFft _fft;
    private readonly int _m;
    private readonly double[] _chirp;   // c[k] = exp(-i pi k^2 / n): re, im interleaved, k < n
    private readonly double[] _filter;  // FFT of conj chirp, already divided by m: re, im interleaved, k < m

    public BluesteinTransform(int size)
        : base(size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        int n = size;
        _m = (int)BitOperations.RoundUpToPowerOf2((uint)((2 * n) - 1));
        _fft = new VerticalComplexFft(_m);
        _chirp = new double[2 * n];
        long twoN = 2L * n;
        for (int k = 0; k < n; k++)
        {
            // k^2 mod 2n keeps the angle small and exact before the (correctly rounded) SinCosPi.
            long k2 = (long)k * k % twoN;
            (double sin, double cos) = double.SinCosPi((double)k2 / n);
            _chirp[2 * k] = cos;
            _chirp[(2 * k) + 1] = -sin;
        }

        // b[k] = conj(c[k]) for |k| < n (circularly), transformed once with the same engine (all lanes equal).
        var re = new Vector256<double>[_m];
        var im = new Vector256<double>[_m];
        int[] br = _fft.BitReverse;
        for (int k = 0; k < n; k++)
        {
            re[br[k]] = Vector256.Create(_chirp[2 * k]);
            im[br[k]] = Vector256.Create(-_chirp[(2 * k) + 1]);
            if (k > 0)
            {
                re[br[_m - k]] = re[br[k]];
                im[br[_m - k]] = im[br[k]];
            }
        }

        _fft.Forward(re, im);
        _filter = new double[2 * _m];
        for (int k = 0; k < _m; k++)
        {
            _filter[2 * k] = re[k].GetElement(0) / _m;
            _filter[(2 * k) + 1] = im[k].GetElement(0) / _m;
        }
    }

    // Four arrays of m vectors, each starting 4 vectors (128 bytes) later modulo 4 KiB than a tight layout would, to
    // avoid cache-set and store-forwarding conflicts between re[k] and im[k] (m is a power of two).
    public override int ScratchLength => (4 * _m) + 12;

    public override int ImaginaryOffset => _m + 4;

    public override void Transform(in FrameQuad frames, ReadOnlySpan<double> window, Span<Vector256<double>> scratch)
    {
        int n = Size;
        if (window.Length < n || frames.F0.Length < n || frames.F1.Length < n || frames.F2.Length < n || frames.F3.Length < n)
        {
            throw new ArgumentException("Frames and window must hold n_fft samples.");
        }

        Span<Vector256<double>> re = scratch.Slice(0, _m);
        Span<Vector256<double>> im = scratch.Slice(_m + 4, _m);
        Span<Vector256<double>> re2 = scratch.Slice((2 * _m) + 8, _m);
        Span<Vector256<double>> im2 = scratch.Slice((3 * _m) + 12, _m);
        int[] br = _fft.BitReverse;

        // a[k] = x[k] w[k] c[k], zero-padded to m, stored bit-reversed.
        re.Clear();
        im.Clear();
        for (int k = 0; k < n; k++)
        {
            Vector256<double> x = Vector256.Create((double)frames.F0[k], frames.F1[k], frames.F2[k], frames.F3[k]) * window[k];
            re[br[k]] = x * _chirp[2 * k];
            im[br[k]] = x * _chirp[(2 * k) + 1];
        }

        _fft.Forward(re, im);

        // Multiply by the chirp filter; the inverse FFT is computed as conj(FFT(conj(.))), bit-reversed on the way.
        for (int k = 0; k < _m; k++)
        {
            double fr = _filter[2 * k], fi = _filter[(2 * k) + 1];
            Vector256<double> ar = re[k], ai = im[k];
            re2[br[k]] = (ar * fr) - (ai * fi);
            im2[br[k]] = -((ar * fi) + (ai * fr));
        }

        _fft.Forward(re2, im2);

        // X[k] = c[k] conj(conv[k]) for k = 0 .. n/2.
        for (int k = 0; k < BinCount; k++)
        {
            double cr = _chirp[2 * k], ci = _chirp[(2 * k) + 1];
            Vector256<double> vr = re2[k], vi = -im2[k];
            re[k] = (vr * cr) - (vi * ci);
            im[k] = (vr * ci) + (vi * cr);
        }
    }
}
