using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using MelGenre.Audio;
using MelGenre.Dsp;

namespace MelGenre.Benchmarks;

/// <summary>
/// The FMA-style clip vector (308 values: 7 statistics of zcr, chroma_stft, rms, spectral centroid, bandwidth,
/// contrast, roll-off and 20 MFCCs, one shared STFT) for a 30-s clip at 44.1 kHz, single-threaded, plus its two main
/// parts: the STFT magnitude alone and all per-frame features without the statistics. Input: the real FMA clip
/// decoded at its native 44.1 kHz, zero-padded to 30 s as LoadAudio does (1,323,000 samples, 2,584 frames).
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class FmaFeatureBenchmarks
{
    private const int Rate = 44100;

    private float[] _clip = Array.Empty<float>();
    private float[] _vector = Array.Empty<float>();
    private float[] _frames = Array.Empty<float>();
    private float[] _magnitude = Array.Empty<float>();
    private int _frameCount;
    private FmaFeatureVector _fma = null!;
    private StftMagnitude _stft = null!;

    [GlobalSetup]
    public void Setup()
    {
        float[] native = AudioDecoder.ReadMono(RepoPaths.TestClip, out int rate);
        if (rate != Rate)
            throw new InvalidOperationException($"expected a 44.1 kHz clip, got {rate} Hz");
        _clip = new float[Rate * 30];
        native.AsSpan(0, Math.Min(native.Length, _clip.Length)).CopyTo(_clip);
        _fma = new FmaFeatureVector(new FmaFeatureSettings { SampleRate = Rate });
        _frameCount = _fma.GetFrameCount(_clip.Length);
        _vector = new float[FmaFeatureVector.Length];
        _frames = new float[44 * _frameCount];
        _stft = new StftMagnitude(2048, 512, WindowType.Hann, center: true, PadMode.Constant);
        _magnitude = new float[_frameCount * _stft.BinCount];
    }

    [Benchmark(Description = "FMA vector (308 values), 30 s at 44.1 kHz"), BenchmarkCategory("FMA")]
    public float[] FmaVector()
    {
        _fma.Compute(_clip, _vector);
        return _vector;
    }

    [Benchmark(Description = "per-frame features only (no statistics)"), BenchmarkCategory("FMA")]
    public float[] FrameFeatures()
    {
        _fma.ComputeFrames(_clip, _frames, _frameCount);
        return _frames;
    }

    [Benchmark(Description = "|STFT| only (n_fft 2048, hop 512)"), BenchmarkCategory("FMA")]
    public float[] StftOnly()
    {
        _stft.Compute(_clip, _magnitude);
        return _magnitude;
    }
}
