using System;
using System.Numerics;
using MelGenre.Dsp;

namespace MelGenre.Benchmarks;

/// <summary>
/// The same straightforward mel route as <see cref="MathNetMelBaseline"/> (centred zero-padded frames, periodic Hann
/// window, one complex FFT per frame, |X|^2, dense filterbank product, power_to_db) with FftSharp 2.2.0's FFT
/// (<c>FftSharp.FFT.Forward(Span&lt;Complex&gt;)</c>, in place): the other FFT package a .NET developer would reach for.
/// </summary>
internal sealed class FftSharpMelBaseline
{
    private readonly int _nFft;
    private readonly int _hop;
    private readonly int _mels;
    private readonly float[,] _filters;
    private readonly double[] _window;

    public FftSharpMelBaseline(int sampleRate, int nFft, int hop, int mels)
    {
        _nFft = nFft;
        _hop = hop;
        _mels = mels;
        _filters = MelFilterBank.Create(sampleRate, nFft, mels);
        _window = new double[nFft];
        for (int i = 0; i < nFft; i++)
            _window[i] = 0.5 - 0.5 * Math.Cos(2 * Math.PI * i / nFft);
    }

    public float[] MelDb(float[] y)
    {
        int pad = _nFft / 2;
        int frames = 1 + y.Length / _hop;
        int bins = _nFft / 2 + 1;
        var result = new float[_mels * frames];
        var buffer = new Complex[_nFft];
        var power = new float[bins];
        for (int t = 0; t < frames; t++)
        {
            int start = t * _hop - pad;
            for (int i = 0; i < _nFft; i++)
            {
                int k = start + i;
                buffer[i] = new Complex(k >= 0 && k < y.Length ? y[k] * _window[i] : 0, 0);
            }
            FftSharp.FFT.Forward(buffer.AsSpan());
            for (int b = 0; b < bins; b++)
                power[b] = (float)(buffer[b].Real * buffer[b].Real + buffer[b].Imaginary * buffer[b].Imaginary);
            for (int m = 0; m < _mels; m++)
            {
                float sum = 0;
                for (int b = 0; b < bins; b++)
                    sum += _filters[m, b] * power[b];
                result[m * frames + t] = sum;
            }
        }
        float max = 1e-10f;
        foreach (float v in result)
            max = Math.Max(max, v);
        for (int i = 0; i < result.Length; i++)
            result[i] = Math.Max(10f * MathF.Log10(Math.Max(1e-10f, result[i]) / max), -80f);
        return result;
    }
}
