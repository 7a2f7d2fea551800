using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MelGenre.Audio.Managed;

/// <summary>
/// Fast convolution for <see cref="FirStage"/>: overlap-save with a real FFT of <c>fftSize</c> points (a complex FFT of
/// half that size on packed even/odd samples), <see cref="Vector{T}.Count"/> blocks at a time in the lanes of a
/// <see cref="VerticalFft"/>. Decimation by 2 is done in the frequency domain (the inverse transform is half size),
/// other factors by picking samples. Mathematically the same linear convolution as <see cref="FirStage.ProcessDirect"/>;
/// the float32 rounding differs at the 1e-7 level, as soxr's own FFT rounding does.
/// </summary>
internal sealed partial class FirStage
{
    // Built on first use (a direct-form-only caller never pays for it), once, even when threads race.
    private readonly Lazy<FftTables> _fft;

    private FftTables Fft => _fft.Value;

    /// <summary>The real FFT size used for fast convolution (soxr's rule: about 4x the filter length).</summary>
    internal int FftSize => Fft.Size;

    /// <summary>Overlap-save evaluation.</summary>
    internal void ProcessFft(ReadOnlySpan<float> input, Span<float> output)
    {
        FftTables t = Fft;
        int lanes = Vector<float>.Count;
        int nc = t.Size / 2;
        int n = _taps.Length;
        int valid = t.Valid;               // v samples per block (a multiple of M)
        int perBlock = valid / _m;         // outputs per block
        int blocks = (output.Length + perBlock - 1) / perBlock;

        Scratch scratch = Scratch.Get(nc + 1, lanes);
        ref Vector<float> re = ref scratch.Re;
        ref Vector<float> im = ref scratch.Im;
        ref Vector<float> yr = ref scratch.Yr;
        ref Vector<float> yi = ref scratch.Yi;
        Span<float> reF = MemoryMarshal.CreateSpan(ref Unsafe.As<Vector<float>, float>(ref re), nc * lanes);
        Span<float> imF = MemoryMarshal.CreateSpan(ref Unsafe.As<Vector<float>, float>(ref im), nc * lanes);

        for (int first = 0; first < blocks; first += lanes)
        {
            // 1. Load: lane b holds block first + b, u[s .. s + fftSize) with s = c + block * valid - (n - 1),
            //    packed as z[j] = u[s + 2j] + i u[s + 2j + 1].
            long firstStart = _center + (long)first * valid - (n - 1);
            bool fullBatch = first + lanes <= blocks;
            if (Transposes && _l == 1 && fullBatch && firstStart >= 0 && firstStart + (lanes - 1L) * valid + 2L * nc <= input.Length)
            {
                GatherTransposed(input, firstStart, valid, reF, imF, nc);
            }
            else
            {
                for (int b = 0; b < lanes; b++)
                {
                    long block = first + b;
                    long s = _center + block * valid - (n - 1);
                    if (block >= blocks)
                    {
                        for (int j = 0; j < nc; j++)
                        {
                            reF[j * lanes + b] = 0;
                            imF[j * lanes + b] = 0;
                        }

                        continue;
                    }

                    Gather(input, s, reF, imF, b, lanes, nc);
                }
            }

            // 2. Forward FFT (bit-reversed out), 3. real split, filter, repack for the inverse.
            t.Transform.Forward(ref re, ref im);
            int[] rev = t.Transform.BitReverse;
            ref float hr = ref MemoryMarshal.GetArrayDataReference(t.Hr);
            ref float hi = ref MemoryMarshal.GetArrayDataReference(t.Hi);
            ref float wc = ref MemoryMarshal.GetArrayDataReference(t.SplitCos);
            ref float ws = ref MemoryMarshal.GetArrayDataReference(t.SplitSin);
            for (int k = 0; k <= nc; k++)
            {
                int ia = rev[k & (nc - 1)], ib = rev[(nc - k) & (nc - 1)];
                Vector<float> ar = Unsafe.Add(ref re, ia), ai = Unsafe.Add(ref im, ia);
                Vector<float> br = Unsafe.Add(ref re, ib), bi = Unsafe.Add(ref im, ib);
                Vector<float> pr = ar + br, pi = ai - bi, qr = ar - br, qi = ai + bi;
                var c = new Vector<float>(Unsafe.Add(ref wc, k));
                var sn = new Vector<float>(Unsafe.Add(ref ws, k));

                // X[k] (times 2) = P - i W^k Q with W^k = c - i s.
                Vector<float> xr = pr - sn * qr + c * qi;
                Vector<float> xi = pi - c * qr - sn * qi;
                var fr = new Vector<float>(Unsafe.Add(ref hr, k));
                var fi = new Vector<float>(Unsafe.Add(ref hi, k));
                Unsafe.Add(ref yr, k) = xr * fr - xi * fi;
                Unsafe.Add(ref yi, k) = xr * fi + xi * fr;
            }

            if (_m == 2)
            {
                // Even samples only: E[k] = Y[k] + conj(Y[nc - k]) is their spectrum (nc points, real signal), in place.
                for (int k = 0; k <= nc / 2; k++)
                {
                    Vector<float> ar = Unsafe.Add(ref yr, k), ai = Unsafe.Add(ref yi, k);
                    Vector<float> br = Unsafe.Add(ref yr, nc - k), bi = Unsafe.Add(ref yi, nc - k);
                    Unsafe.Add(ref yr, k) = ar + br;
                    Unsafe.Add(ref yi, k) = ai - bi;
                }

                Repack(ref yr, ref yi, ref re, ref im, nc / 2, t.HalfCos, t.HalfSin, t.HalfTransform!.BitReverse);
                t.HalfTransform.Inverse(ref re, ref im);
            }
            else
            {
                Repack(ref yr, ref yi, ref re, ref im, nc, t.SplitCos, t.SplitSin, rev);
                t.Transform.Inverse(ref re, ref im);
            }

            // 4. Store: block-local v index L0 = n - 1 + tau (tau < valid) is sample L0 of the block; the inverse holds
            //    v[2j] + i v[2j+1] (M != 2) or v[4j] + i v[4j+2] (M == 2).
            int firstRow = _m == 2 ? (n - 1) / 4 : (n - 1) / 2;
            if (Transposes && _m <= 2 && fullBatch && (long)(first + lanes) * perBlock <= output.Length && (perBlock & 1) == 0 && ((n - 1) & 3) == 0)
            {
                ScatterTransposed(reF, imF, firstRow, output, first * perBlock, perBlock);
                continue;
            }

            for (int b = 0; b < lanes; b++)
            {
                long block = first + b;
                if (block >= blocks)
                {
                    break;
                }

                int k0 = (int)(block * perBlock);
                int count = Math.Min(perBlock, output.Length - k0);
                Span<float> dst = output.Slice(k0, count);
                if (_m == 2)
                {
                    int e0 = (n - 1) / 2;
                    for (int q = 0; q < count; q++)
                    {
                        int e = e0 + q;
                        dst[q] = ((e & 1) == 0 ? reF : imF)[(e >> 1) * lanes + b];
                    }
                }
                else
                {
                    for (int q = 0; q < count; q++)
                    {
                        int l0 = n - 1 + q * _m;
                        dst[q] = ((l0 & 1) == 0 ? reF : imF)[(l0 >> 1) * lanes + b];
                    }
                }
            }
        }
    }

    // Builds Z'[k] = E + i O (k < size) from the spectrum S[0..size] of a real signal of 2*size points, where
    // E = S[k] + conj(S[size-k]), O = (S[k] - conj(S[size-k])) W^-k, W = e^{-i pi / size}; stores at bit-reversed k.
    private static void Repack(
        ref Vector<float> sr,
        ref Vector<float> si,
        ref Vector<float> re,
        ref Vector<float> im,
        int size,
        float[] cosTable,
        float[] sinTable,
        int[] rev)
    {
        for (int k = 0; k < size; k++)
        {
            Vector<float> ar = Unsafe.Add(ref sr, k), ai = Unsafe.Add(ref si, k);
            Vector<float> br = Unsafe.Add(ref sr, size - k), bi = Unsafe.Add(ref si, size - k);
            Vector<float> pr = ar + br, pi = ai - bi, qr = ar - br, qi = ai + bi;
            var c = new Vector<float>(cosTable[k]);
            var sn = new Vector<float>(sinTable[k]);
            int at = rev[k];
            Unsafe.Add(ref re, at) = pr - sn * qr - c * qi;
            Unsafe.Add(ref im, at) = pi + c * qr - sn * qi;
        }
    }

    private void Gather(ReadOnlySpan<float> input, long s, Span<float> reF, Span<float> imF, int lane, int lanes, int nc)
    {
        if (_l == 1 && s >= 0 && s + 2L * nc <= input.Length)
        {
            ReadOnlySpan<float> src = input.Slice((int)s, 2 * nc);
            for (int j = 0; j < nc; j++)
            {
                reF[j * lanes + lane] = src[2 * j];
                imF[j * lanes + lane] = src[2 * j + 1];
            }

            return;
        }

        for (int j = 0; j < nc; j++)
        {
            reF[j * lanes + lane] = Sample(input, s + 2 * j);
            imF[j * lanes + lane] = Sample(input, s + 2 * j + 1);
        }
    }

    // u[m] of the zero-stuffed input.
    private float Sample(ReadOnlySpan<float> input, long m)
    {
        if (m < 0)
        {
            return 0;
        }

        long j = Math.DivRem(m, _l, out long r);
        return r == 0 && j < input.Length ? input[(int)j] : 0f;
    }

    /// <summary>Per-filter FFT tables: the filter's spectrum (with every scale factor folded in) and split twiddles.</summary>
    private sealed class FftTables
    {
        public FftTables(float[] taps, int m)
        {
            int n = taps.Length;
            double d = Math.Log(n) / Math.Log(2.0);
            Size = 1 << Math.Clamp((int)(d + 2.77), 10, Math.Max((int)(d + 1.77), 17));
            int nc = Size / 2;
            Valid = (Size - n + 1) / m * m;
            Transform = new VerticalFft(nc);
            if (m == 2)
            {
                HalfTransform = new VerticalFft(nc / 2);
            }

            // The spectrum pipeline multiplies by 2 (split), 2 (repack), 2 more for M = 2 (the even-sample fold), and
            // the inverse FFT by its size; undo all of it in the filter.
            double scale = m == 2 ? 1.0 / (2 * 2 * 2 * (nc / 2)) : 1.0 / (2 * 2 * nc);
            Hr = new float[nc + 1];
            Hi = new float[nc + 1];
            for (int k = 0; k <= nc; k++)
            {
                double sumR = 0, sumI = 0;
                for (int i = 0; i < n; i++)
                {
                    long phase = (long)i * k % Size;
                    (double sin, double cos) = Math.SinCos(2 * Math.PI * phase / Size);
                    sumR += taps[i] * cos;
                    sumI -= taps[i] * sin;
                }

                Hr[k] = (float)(sumR * scale);
                Hi[k] = (float)(sumI * scale);
            }

            SplitCos = new float[nc + 1];
            SplitSin = new float[nc + 1];
            for (int k = 0; k <= nc; k++)
            {
                (double sin, double cos) = Math.SinCos(Math.PI * k / nc);
                SplitCos[k] = (float)cos;
                SplitSin[k] = (float)sin;
            }

            HalfCos = new float[nc / 2 + 1];
            HalfSin = new float[nc / 2 + 1];
            for (int k = 0; k <= nc / 2; k++)
            {
                (double sin, double cos) = Math.SinCos(2 * Math.PI * k / nc);
                HalfCos[k] = (float)cos;
                HalfSin[k] = (float)sin;
            }
        }

        public int Size { get; }

        public int Valid { get; }

        public VerticalFft Transform { get; }

        public VerticalFft? HalfTransform { get; }

        public float[] Hr { get; }

        public float[] Hi { get; }

        public float[] SplitCos { get; }

        public float[] SplitSin { get; }

        public float[] HalfCos { get; }

        public float[] HalfSin { get; }
    }

    /// <summary>Per-thread, 64-byte aligned work buffers (pinned, reused across calls).</summary>
    private sealed class Scratch
    {
        [ThreadStatic]
        private static Scratch? t_current;

        private readonly float[] _memory;
        private readonly int _offset;
        private readonly int _stride;

        private Scratch(int points, int lanes)
        {
            Points = points;
            Lanes = lanes;
            _stride = (points * lanes + 15) & ~15;
            _memory = GC.AllocateUninitializedArray<float>(4 * _stride + 16, pinned: true);
            unsafe
            {
                fixed (float* p = _memory)
                {
                    long misalignment = (long)p & 63;
                    _offset = misalignment == 0 ? 0 : (int)((64 - misalignment) / sizeof(float));
                }
            }
        }

        public int Points { get; }

        public int Lanes { get; }

        public ref Vector<float> Re => ref Slot(0);

        public ref Vector<float> Im => ref Slot(1);

        public ref Vector<float> Yr => ref Slot(2);

        public ref Vector<float> Yi => ref Slot(3);

        public static Scratch Get(int points, int lanes)
        {
            Scratch? s = t_current;
            if (s is null || s.Points < points || s.Lanes != lanes)
            {
                t_current = s = new Scratch(points, lanes);
            }

            return s;
        }

        private ref Vector<float> Slot(int index) =>
            ref Unsafe.As<float, Vector<float>>(ref _memory[_offset + index * _stride]);
    }
}
