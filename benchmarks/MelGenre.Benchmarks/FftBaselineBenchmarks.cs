using System;
using BenchmarkDotNet.Attributes;
using MelGenre.Audio;
using MelGenre.Dsp;

namespace MelGenre.Benchmarks;

/// <summary>
/// Why MelGenre keeps its own FFT (docs/dependencies.md): mel + dB of the 30-s FMA clip 000002 at 22.05 kHz (n_fft 2048,
/// hop 512, 128 mels, ref = max), single-threaded, MelGenre's STFT as the baseline and the same route with MathNet.Numerics
/// 5.0.0 and with FftSharp 2.2.0 in the same run, so the Ratio column is "times slower than MelGenre".
/// </summary>
[MemoryDiagnoser]
public class FftBaselineBenchmarks
{
    private float[] _clip = Array.Empty<float>();
    private MelSpectrogram _mel = null!;
    private MathNetMelBaseline _mathNet = null!;
    private FftSharpMelBaseline _fftSharp = null!;

    [GlobalSetup]
    public void Setup()
    {
        _clip = AudioDecoder.LoadMono(RepoPaths.TestClip, 22050, 0, 30);
        _mel = new MelSpectrogram(new MelSpectrogramSettings { HopLength = 512 });
        _mathNet = new MathNetMelBaseline(22050, 2048, 512, 128);
        _fftSharp = new FftSharpMelBaseline(22050, 2048, 512, 128);
    }

    [Benchmark(Baseline = true, Description = "MelGenre STFT: mel + dB, hop 512")]
    public float[] MelGenre()
    {
        var mel = _mel.Compute(_clip);
        Decibels.PowerToDb(mel, mel, referenceIsMax: true);
        return mel;
    }

    [Benchmark(Description = "MathNet.Numerics 5.0.0 FFT: mel + dB, hop 512")]
    public float[] MathNet() => _mathNet.MelDb(_clip);

    [Benchmark(Description = "FftSharp 2.2.0 FFT: mel + dB, hop 512")]
    public float[] FftSharp() => _fftSharp.MelDb(_clip);
}
