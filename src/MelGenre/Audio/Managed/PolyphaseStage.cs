using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MelGenre.Audio.Managed;

/// <summary>
/// soxr's poly-phase "arbitrary ratio" stage. The prototype low-pass has <c>numCoefs * phases - 1</c> taps (gain =
/// phases); phase p, coefficient t is prototype tap <c>(numCoefs - 1 - t) * phases + p - 1</c> (tap -1 is 0).
/// <list type="bullet">
/// <item>Rational (<see cref="CreateRational"/>): output i is at <c>at_i = at_0 + i * step</c> in units of 1/L input
/// samples; it uses phase <c>at_i mod L</c> and input samples from <c>at_i / L - (numCoefs - 1) / 2</c> on.</item>
/// <item>Interpolated (<see cref="CreateInterpolated"/>): <c>at_i</c> is a 32.32 fixed-point input position; the
/// top <c>phaseBits</c> bits of its fraction pick the phase and the rest is the argument x of a polynomial
/// (order 1 to 3) through neighbouring prototype taps, like soxr's <c>prepare_poly_fir_coefs</c>.</item>
/// </list>
/// The sums run over coefficients padded with zeros to a multiple of the vector width.
/// </summary>
internal sealed class PolyphaseStage : IResampleStage
{
    private readonly int _numCoefs;
    private readonly int _paddedCoefs;
    private readonly int _history;

    // Rational: per output of one period, the coefficients (padded) and the input offset relative to the period start.
    private readonly float[]? _periodCoefs;
    private readonly int[]? _periodOffsets;
    private readonly int _periodOutputs;
    private readonly long _periodInputs;

    // Interpolated: polynomial coefficients [phase][order + 1][padded]: highest power first.
    private readonly float[]? _polyCoefs;
    private readonly int _order;
    private readonly int _phaseBits;
    private readonly long _step;
    private readonly long _at0;

    private PolyphaseStage(int numCoefs)
    {
        _numCoefs = numCoefs;
        int width = Vector<float>.Count;
        _paddedCoefs = (numCoefs + width - 1) / width * width;
        _history = (numCoefs - 1) >> 1;
    }

    private PolyphaseStage(int numCoefs, float[] periodCoefs, int[] periodOffsets, int periodOutputs, long periodInputs)
        : this(numCoefs)
    {
        _periodCoefs = periodCoefs;
        _periodOffsets = periodOffsets;
        _periodOutputs = periodOutputs;
        _periodInputs = periodInputs;
    }

    private PolyphaseStage(int numCoefs, float[] polyCoefs, int order, int phaseBits, long step, long at0)
        : this(numCoefs)
    {
        _polyCoefs = polyCoefs;
        _order = order;
        _phaseBits = phaseBits;
        _step = step;
        _at0 = at0;
    }

    /// <summary>Rational stage: <paramref name="l"/> phases (= <paramref name="phases"/>), step <paramref name="m"/> in 1/L units, first position <paramref name="at0"/>.</summary>
    public static PolyphaseStage CreateRational(double[] h, int numCoefs, int phases, int l, long m, long at0)
    {
        var probe = new PolyphaseStage(numCoefs);
        int padded = probe._paddedCoefs;
        long g = Gcd(m, l);
        int periodOutputs = (int)(l / g);
        long periodInputs = m / g;
        var coefs = new float[periodOutputs * padded];
        var offsets = new int[periodOutputs];
        for (int i = 0; i < periodOutputs; i++)
        {
            long at = at0 + i * m;
            offsets[i] = (int)(at / l);
            int phase = (int)(at % l);
            for (int t = 0; t < numCoefs; t++)
            {
                coefs[i * padded + t] = (float)Tap(h, (numCoefs - 1 - t) * phases + phase - 1);
            }
        }

        return new PolyphaseStage(numCoefs, coefs, offsets, periodOutputs, periodInputs);
    }

    /// <summary>Interpolated stage (irrational ratio): 2^<paramref name="phaseBits"/> phases, polynomial <paramref name="order"/>, 32.32 fixed-point step and start.</summary>
    public static PolyphaseStage CreateInterpolated(double[] h, int numCoefs, int phases, int phaseBits, int order, long step, long at0)
    {
        var probe = new PolyphaseStage(numCoefs);
        int padded = probe._paddedCoefs;
        var coefs = new float[phases * (order + 1) * padded];
        for (int p = 0; p < phases; p++)
        {
            for (int t = 0; t < numCoefs; t++)
            {
                int pos = (numCoefs - 1 - t) * phases + p - 1;
                double f0 = Tap(h, pos), f1 = Tap(h, pos + 1), f2 = Tap(h, pos + 2), fm1 = Tap(h, pos - 1);
                double b, c = 0, d = 0;
                switch (order)
                {
                    case 1:
                        b = f1 - f0;
                        break;
                    case 2:
                        b = f1 - (.5 * (f2 + f0) - f1) - f0;
                        c = .5 * (f2 + f0) - f1;
                        break;
                    default:
                        c = .5 * (f1 + fm1) - f0;
                        d = (1 / 6.0) * (f2 - f1 + fm1 - f0 - 4 * c);
                        b = f1 - f0 - d - c;
                        break;
                }

                // Highest power first: value = ((d x + c) x + b) x + a.
                int row = p * (order + 1);
                double[] powers = order switch { 1 => [b, f0], 2 => [c, b, f0], _ => [d, c, b, f0] };
                for (int r = 0; r <= order; r++)
                {
                    coefs[(row + r) * padded + t] = (float)powers[r];
                }
            }
        }

        return new PolyphaseStage(numCoefs, coefs, order, phaseBits, step, at0);
    }

    public long InputExtent(long outputCount)
    {
        if (outputCount == 0)
        {
            return 0;
        }

        long last = outputCount - 1;
        long baseIndex;
        if (_periodCoefs is not null)
        {
            baseIndex = last / _periodOutputs * _periodInputs + _periodOffsets![last % _periodOutputs];
        }
        else
        {
            baseIndex = (long)((Int128)_at0 + (Int128)last * _step >> 32);
        }

        return Math.Max(0, baseIndex - _history + _numCoefs);
    }

    public void Process(ReadOnlySpan<float> input, Span<float> output)
    {
        if (output.IsEmpty)
        {
            return;
        }

        // Input with _history zeros before it and zeros after, so every sum reads inside the buffer.
        long extent = InputExtent(output.Length);
        int paddedLength = checked((int)(_history + Math.Max(extent, input.Length) + _paddedCoefs + 1));
        float[] buffer = System.Buffers.ArrayPool<float>.Shared.Rent(paddedLength);
        try
        {
            Span<float> x = buffer.AsSpan(0, paddedLength);
            x.Clear();
            input.CopyTo(x[_history..]);
            if (_periodCoefs is not null)
            {
                ProcessRational(x, output);
            }
            else
            {
                ProcessInterpolated(x, output);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(buffer);
        }
    }

    private void ProcessRational(ReadOnlySpan<float> x, Span<float> output)
    {
        int padded = _paddedCoefs;
        int width = Vector<float>.Count;
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float cr = ref MemoryArrayRef(_periodCoefs!);
        int[] offsets = _periodOffsets!;
        long periodStart = 0;
        int i = 0;
        while (i < output.Length)
        {
            int inPeriod = Math.Min(_periodOutputs, output.Length - i);
            for (int q = 0; q < inPeriod; q++)
            {
                ref float xs = ref Unsafe.Add(ref xr, (nint)(periodStart + offsets[q]));
                ref float cs = ref Unsafe.Add(ref cr, q * padded);
                var acc = Vector<float>.Zero;
                for (int t = 0; t < padded; t += width)
                {
                    acc += Vector.LoadUnsafe(ref cs, (nuint)t) * Vector.LoadUnsafe(ref xs, (nuint)t);
                }

                output[i + q] = Vector.Sum(acc);
            }

            i += inPeriod;
            periodStart += _periodInputs;
        }
    }

    private void ProcessInterpolated(ReadOnlySpan<float> x, Span<float> output)
    {
        int padded = _paddedCoefs;
        int width = Vector<float>.Count;
        int rows = _order + 1;
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float cr = ref MemoryArrayRef(_polyCoefs!);
        long at = _at0;
        for (int i = 0; i < output.Length; i++, at += _step)
        {
            long integer = at >> 32;
            uint frac = (uint)at;
            int phase = (int)(frac >> (32 - _phaseBits));
            float xf = (float)((uint)(frac << _phaseBits) * (1 / 4294967296.0));
            var xv = new Vector<float>(xf);
            ref float xs = ref Unsafe.Add(ref xr, (nint)integer);
            ref float cs = ref Unsafe.Add(ref cr, phase * rows * padded);
            var acc = Vector<float>.Zero;
            for (int t = 0; t < padded; t += width)
            {
                Vector<float> coef = Vector.LoadUnsafe(ref cs, (nuint)t);
                for (int r = 1; r < rows; r++)
                {
                    coef = coef * xv + Vector.LoadUnsafe(ref cs, (nuint)(r * padded + t));
                }

                acc += coef * Vector.LoadUnsafe(ref xs, (nuint)t);
            }

            output[i] = Vector.Sum(acc);
        }
    }

    private static ref float MemoryArrayRef(float[] array) => ref MemoryMarshal.GetArrayDataReference(array);

    private static double Tap(double[] h, int index) => index >= 0 && index < h.Length ? h[index] : 0;

    private static long Gcd(long a, long b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }
}
