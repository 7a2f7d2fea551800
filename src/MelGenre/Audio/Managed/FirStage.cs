using System;

namespace MelGenre.Audio.Managed;

/// <summary>
/// soxr's FIR ("DFT") stage: up-sample by L (zero stuffing), filter with an odd-length linear-phase low-pass whose taps
/// already include the gain L, keep every M-th sample. With <c>v = taps * u</c> (u the zero-stuffed input),
/// <c>y[k] = v[k M + c]</c> where c = (taps - 1) / 2 is the filter centre, so output k is centred on input time
/// <c>k M / L</c>.
/// </summary>
internal sealed partial class FirStage : IResampleStage
{
    private readonly float[] _taps;
    private readonly int _l;
    private readonly int _m;
    private readonly int _center;

    public FirStage(float[] taps, int l, int m, int center)
    {
        _taps = taps;
        _l = l;
        _m = m;
        _center = center;
        _fft = new Lazy<FftTables>(() => new FftTables(taps, m), System.Threading.LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The number of taps.</summary>
    public int Length => _taps.Length;

    /// <summary>Up-sampling factor.</summary>
    public int L => _l;

    /// <summary>Down-sampling factor.</summary>
    public int M => _m;

    public long InputExtent(long outputCount) =>
        outputCount == 0 ? 0 : ((outputCount - 1) * _m + _center) / _l + 1;

    public void Process(ReadOnlySpan<float> input, Span<float> output)
    {
        // Short outputs: the direct form is cheaper than one batch of FFT blocks.
        if ((long)output.Length * _taps.Length / _m < 1L << 16)
        {
            ProcessDirect(input, output);
        }
        else
        {
            ProcessFft(input, output);
        }
    }

    /// <summary>Direct-form evaluation (the reference; also used for short outputs).</summary>
    internal void ProcessDirect(ReadOnlySpan<float> input, Span<float> output)
    {
        int n = _taps.Length;
        for (int k = 0; k < output.Length; k++)
        {
            long position = (long)k * _m + _center;
            long j = position / _l;
            int i = (int)(position - j * _l);
            float sum = 0;
            for (; i < n; i += _l, j--)
            {
                if (j >= 0 && j < input.Length)
                {
                    sum += _taps[i] * input[(int)j];
                }
            }

            output[k] = sum;
        }
    }
}
