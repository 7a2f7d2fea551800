using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using MelGenre.Audio;
using Xunit;

namespace MelGenre.Tests.Audio;

/// <summary>The real FMA clip against librosa 0.11's own decode of it.</summary>
public sealed class AudioDecoderGoldenTests
{
    [NativeAudioFact]
    public void Real_clip_info()
    {
        AudioInfo info = AudioDecoder.GetInfo(AudioTestData.RealClip);
        Assert.Equal(44100, info.SampleRate);
        Assert.Equal(2, info.Channels);
        Assert.Equal(1321967, info.Frames);
        Assert.Equal("MP3", info.Format);
        Assert.Equal(1321967 / 44100.0, info.Duration.TotalSeconds, 6);
    }

    /// <summary>
    /// librosa.load(path, sr=None, mono=True)[0][:44100]. Tolerance: exact (max abs error 0) — the same
    /// libsndfile/mpg123 float path and the same float32 (L + R) / 2.
    /// </summary>
    [NativeAudioFact]
    public void Real_clip_first44100samples_match_librosa_exactly()
    {
        float[] golden = AudioTestData.ReadF32(Path.Combine(AudioTestData.GoldenDir, "fma_000002_native_mono_first44100.f32"));
        Assert.Equal(44100, golden.Length);

        float[] mono = AudioDecoder.ReadMono(AudioTestData.RealClip, out int sr);
        Assert.Equal(44100, sr);

        double maxAbs = 0;
        for (int i = 0; i < golden.Length; i++)
        {
            maxAbs = Math.Max(maxAbs, Math.Abs(golden[i] - mono[i]));
        }

        Assert.Equal(0.0, maxAbs);
    }

    /// <summary>Length exact; sum and RMS (accumulated in float64) to 1e-9 relative; max |x| exact.</summary>
    [NativeAudioFact]
    public void Real_clip_whole_signal_stats_match_librosa()
    {
        using JsonDocument manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(AudioTestData.GoldenDir, "manifest.json")));
        JsonElement stats = manifest.RootElement.GetProperty("files").GetProperty("fma_000002_native_mono_stats");

        float[] mono = AudioDecoder.ReadMono(AudioTestData.RealClip, out _);
        Assert.Equal(stats.GetProperty("length").GetInt64(), mono.Length);

        double sum = 0, squares = 0, maxAbs = 0;
        foreach (float v in mono)
        {
            sum += v;
            squares += (double)v * v;
            maxAbs = Math.Max(maxAbs, Math.Abs(v));
        }

        double rms = Math.Sqrt(squares / mono.Length);
        AssertRelative(stats.GetProperty("sum").GetDouble(), sum, 1e-9);
        AssertRelative(stats.GetProperty("rms").GetDouble(), rms, 1e-9);
        Assert.Equal(stats.GetProperty("max_abs").GetDouble(), maxAbs);
    }

    [NativeAudioFact]
    public void Real_clip_offset_and_duration_are_sample_accurate_slices()
    {
        float[] full = AudioTestData.RealClipMono;

        // mpg123 seeks sample-accurately (gapless, with its frame index), so seeking == slicing the full decode.
        float[] part = AudioDecoder.ReadMono(AudioTestData.RealClip, out _, offsetSeconds: 1.0, durationSeconds: 2.0);
        Assert.Equal(full.AsSpan(44100, 88200).ToArray(), part);

        float[] tail = AudioDecoder.ReadMono(AudioTestData.RealClip, out _, offsetSeconds: 12.3456);
        long start = (long)(12.3456 * 44100);
        Assert.Equal(full.Length - start, tail.Length);
        Assert.Equal(full.AsSpan((int)start).ToArray(), tail);
    }

    [NativeAudioFact]
    public void Real_clip_concurrent_decodes_are_identical()
    {
        float[] reference = AudioTestData.RealClipMono;
        var results = new float[8][];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            // Mix in offset reads and header reads so different code paths run at once.
            results[i] = AudioDecoder.ReadMono(AudioTestData.RealClip, out _);
            Assert.Equal(1321967, AudioDecoder.GetInfo(AudioTestData.RealClip).Frames);
            Assert.Equal(4410, AudioDecoder.ReadMono(AudioTestData.RealClip, out _, 0.5 + i, 0.1).Length);
        });

        foreach (float[] r in results)
        {
            Assert.True(reference.AsSpan().SequenceEqual(r), "a concurrent decode differs from the sequential one");
        }
    }

    [NativeAudioFact]
    public void Load_mono_at_native_rate_is_read_mono_and_otherwise_resamples()
    {
        float[] full = AudioTestData.RealClipMono;
        Assert.Equal(full, AudioDecoder.LoadMono(AudioTestData.RealClip, 44100));

        float[] at22k = AudioDecoder.LoadMono(AudioTestData.RealClip, 22050);
        Assert.Equal((int)Math.Ceiling(full.Length / 2.0), at22k.Length);
        Assert.Equal(Resampler.Resample(full, 44100, 22050), at22k);

        float[] window = AudioDecoder.LoadMono(AudioTestData.RealClip, 16000, offsetSeconds: 3, durationSeconds: 5);
        Assert.Equal(80000, window.Length);
        Assert.Equal(Resampler.Resample(full.AsSpan(3 * 44100, 5 * 44100), 44100, 16000), window);
    }

    private static void AssertRelative(double expected, double actual, double tolerance)
    {
        double rel = Math.Abs(actual - expected) / Math.Abs(expected);
        Assert.True(rel <= tolerance, $"expected {expected:R}, got {actual:R} (relative difference {rel:E2} > {tolerance:E0})");
    }
}
