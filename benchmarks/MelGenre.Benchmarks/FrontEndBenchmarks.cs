using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using MelGenre.Audio;
using MelGenre.Dsp;

namespace MelGenre.Benchmarks;

/// <summary>
/// Per 30-s clip: decoding a real 44.1 kHz stereo FMA MP3, resampling to 22.05 kHz, mel spectrograms
/// (hop 512 and 1024, n_fft 2048, 128 mels) and dB, single-threaded. The mel category's baseline is the
/// straightforward managed route (MathNet.Numerics FFT per frame + dense filterbank product) measured in
/// the same run, so the ratio column says how much faster MelGenre is than that.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class FrontEndBenchmarks
{
    private string _mp3 = "";
    private float[] _native = Array.Empty<float>();
    private float[] _clip = Array.Empty<float>();
    private float[] _mel512 = Array.Empty<float>();
    private float[] _db = Array.Empty<float>();
    private MelSpectrogram _hop512 = null!;
    private MelSpectrogram _hop1024 = null!;
    private MathNetMelBaseline _baseline = null!;

    [GlobalSetup]
    public void Setup()
    {
        _mp3 = RepoPaths.TestClip;
        _native = AudioDecoder.ReadMono(_mp3, out int rate);
        if (rate != 44100)
            throw new InvalidOperationException($"expected a 44.1 kHz clip, got {rate} Hz");
        _clip = new float[22050 * 30];
        var resampled = Resampler.Resample(_native, 44100, 22050);
        resampled.AsSpan(0, Math.Min(resampled.Length, _clip.Length)).CopyTo(_clip);
        _hop512 = new MelSpectrogram(new MelSpectrogramSettings { HopLength = 512 });
        _hop1024 = new MelSpectrogram(new MelSpectrogramSettings { HopLength = 1024 });
        _mel512 = _hop512.Compute(_clip);
        _db = new float[_mel512.Length];
        _baseline = new MathNetMelBaseline(22050, 2048, 512, 128);
    }

    [Benchmark(Description = "decode MP3 (44.1 kHz stereo -> mono)"), BenchmarkCategory("Audio")]
    public float[] DecodeMp3() => AudioDecoder.ReadMono(_mp3, out _);

    [Benchmark(Description = "resample 44.1 -> 22.05 kHz (soxr HQ)"), BenchmarkCategory("Audio")]
    public float[] Resample() => Resampler.Resample(_native, 44100, 22050);

    [Benchmark(Description = "decode + resample (LoadMono)"), BenchmarkCategory("Audio")]
    public float[] DecodeAndResample() => AudioDecoder.LoadMono(_mp3, 22050, 0, 30);

    [Benchmark(Baseline = true, Description = "baseline: MathNet FFT + dense mel + dB, hop 512"), BenchmarkCategory("Mel")]
    public float[] BaselineMelDbHop512() => _baseline.MelDb(_clip);

    [Benchmark(Description = "mel + dB, hop 512"), BenchmarkCategory("Mel")]
    public float[] MelDbHop512()
    {
        var mel = _hop512.Compute(_clip);
        Decibels.PowerToDb(mel, mel, referenceIsMax: true);
        return mel;
    }

    [Benchmark(Description = "mel, hop 512"), BenchmarkCategory("Mel")]
    public float[] MelHop512() => _hop512.Compute(_clip);

    [Benchmark(Description = "mel, hop 1024"), BenchmarkCategory("Mel")]
    public float[] MelHop1024() => _hop1024.Compute(_clip);

    [Benchmark(Description = "dB of a 128 x 1292 mel"), BenchmarkCategory("Mel")]
    public float[] PowerToDb()
    {
        Decibels.PowerToDb(_mel512, _db, referenceIsMax: true);
        return _db;
    }
}
