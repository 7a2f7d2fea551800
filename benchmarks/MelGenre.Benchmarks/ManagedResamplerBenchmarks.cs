using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using MelGenre.Audio;
using MelGenre.Audio.Managed;

namespace MelGenre.Benchmarks;

/// <summary>
/// The managed soxr-HQ resampler against native libsoxr on a 30-s clip, single-threaded: the real FMA clip 000002
/// (44.1 kHz, decoded to mono) to 22.05 kHz, and the same music at 48 kHz (made with native soxr) to 22.05 kHz.
/// Native soxr is each category's baseline, so the Ratio column is managed time / native time (issue 9: at most 3).
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ManagedResamplerBenchmarks
{
    private float[] _clip44 = Array.Empty<float>();
    private float[] _clip48 = Array.Empty<float>();

    [GlobalSetup]
    public void Setup()
    {
        float[] decoded = AudioDecoder.ReadMono(RepoPaths.TestClip, out int rate);
        if (rate != 44100)
            throw new InvalidOperationException($"expected a 44.1 kHz clip, got {rate} Hz");
        _clip44 = decoded.AsSpan(0, Math.Min(decoded.Length, 30 * 44100)).ToArray();
        _clip48 = Resampler.Resample(_clip44, 44100, 48000);

        // Build (and cache) the managed plans outside the measurement, as a long-running process would.
        ManagedResampler.Resample(_clip44, 44100, 22050);
        ManagedResampler.Resample(_clip48, 48000, 22050);
    }

    [Benchmark(Baseline = true, Description = "native soxr HQ 44.1 -> 22.05 kHz"), BenchmarkCategory("44.1k")]
    public float[] Native44() => Resampler.Resample(_clip44, 44100, 22050);

    [Benchmark(Description = "managed 44.1 -> 22.05 kHz"), BenchmarkCategory("44.1k")]
    public float[] Managed44() => ManagedResampler.Resample(_clip44, 44100, 22050);

    [Benchmark(Baseline = true, Description = "native soxr HQ 48 -> 22.05 kHz"), BenchmarkCategory("48k")]
    public float[] Native48() => Resampler.Resample(_clip48, 48000, 22050);

    [Benchmark(Description = "managed 48 -> 22.05 kHz"), BenchmarkCategory("48k")]
    public float[] Managed48() => ManagedResampler.Resample(_clip48, 48000, 22050);
}
