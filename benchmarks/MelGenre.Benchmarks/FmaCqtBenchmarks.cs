using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using MelGenre.Audio;
using MelGenre.Dsp;

namespace MelGenre.Benchmarks;

/// <summary>
/// The CQT-based part of the FMA vector (210 values: 7 statistics of chroma_cens, chroma_cqt and tonnetz from
/// <c>|cqt(tuning=None)|</c>, 84 bins, hop 512) for a 30-s clip at 44.1 kHz, single-threaded, plus its two main parts:
/// the tuning estimate (piptrack on a 2048-point STFT) and the |CQT| itself (early downsampling to 22.05 kHz, seven
/// octaves of sparse filters, six 2:1 soxr resamplings). Same input as <see cref="FmaFeatureBenchmarks"/>: the real
/// FMA clip at its native 44.1 kHz, zero-padded to 30 s (1,323,000 samples).
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class FmaCqtBenchmarks
{
    private const int Rate = 44100;

    private float[] _clip = Array.Empty<float>();
    private float[] _vector = Array.Empty<float>();
    private float[] _cqt = Array.Empty<float>();
    private FmaCqtFeatures _features = null!;
    private ConstantQTransform _transform = null!;

    [GlobalSetup]
    public void Setup()
    {
        float[] native = AudioDecoder.ReadMono(RepoPaths.TestClip, out int rate);
        if (rate != Rate)
            throw new InvalidOperationException($"expected a 44.1 kHz clip, got {rate} Hz");
        _clip = new float[Rate * 30];
        native.AsSpan(0, Math.Min(native.Length, _clip.Length)).CopyTo(_clip);
        _features = new FmaCqtFeatures();
        _vector = new float[FmaCqtFeatures.Length];
        _transform = FmaCqtFeatures.PlanFor(Rate, TuningEstimator.EstimateTuning(_clip, Rate));
        _cqt = new float[FmaCqtFeatures.BinCount * _transform.GetFrameCount(_clip.Length)];
    }

    [Benchmark(Description = "FMA CQT vector (210 values), 30 s at 44.1 kHz"), BenchmarkCategory("FMA CQT")]
    public float[] CqtVector()
    {
        _features.Compute(_clip, Rate, _vector);
        return _vector;
    }

    [Benchmark(Description = "estimate_tuning only"), BenchmarkCategory("FMA CQT")]
    public double TuningOnly() => TuningEstimator.EstimateTuning(_clip, Rate);

    [Benchmark(Description = "|CQT| only (84 bins, hop 512, tuning known)"), BenchmarkCategory("FMA CQT")]
    public float[] CqtOnly()
    {
        _transform.ComputeMagnitude(_clip, _cqt);
        return _cqt;
    }
}
