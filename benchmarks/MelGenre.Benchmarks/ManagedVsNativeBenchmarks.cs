using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using MelGenre.Audio;
using MelGenre.Audio.Managed;
using MelGenre.Dsp;

namespace MelGenre.Benchmarks;

/// <summary>
/// Issue 9 item 9: the managed audio path (ManagedAudioDecoder.ReadMono + ManagedResampler.Resample, what Windows and
/// macOS get) against the native one (libsndfile + libsoxr) in one run. Per 30-s clip, single-threaded, on the repo
/// clip fma_000002.mp3: decode, resample 44.1 -> 22.05 kHz, and the whole front end (decode + resample + mel + dB,
/// hop 512, 128 mels). On the first <see cref="FmaClips"/> clips of the FMA sample (../shared/data/fma-sample, or
/// MELGENRE_FMA_SAMPLE): decode + resample one clip after another, and the whole front end on 2 threads (time per clip;
/// clips/s = 1 / that). Native is each category's baseline, so Ratio = managed / native.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ManagedVsNativeBenchmarks
{
    /// <summary>FMA clips per invocation (the sample has 62; the first 8 by name keep a run short).</summary>
    public const int FmaClips = 8;

    private string _clip = "";
    private float[] _decoded = Array.Empty<float>();
    private string[] _fma = Array.Empty<string>();
    private MelSpectrogram _mel = null!;

    [GlobalSetup]
    public void Setup()
    {
        _clip = RepoPaths.TestClip;
        _decoded = AudioDecoder.ReadMono(_clip, out int rate);
        if (rate != 44100)
            throw new InvalidOperationException($"expected a 44.1 kHz clip, got {rate} Hz");
        _fma = Directory.GetFiles(FmaSampleFolder(), "*.mp3", SearchOption.AllDirectories)
            .OrderBy(p => p, StringComparer.Ordinal).Take(FmaClips).ToArray();
        if (_fma.Length < FmaClips)
            throw new InvalidOperationException($"the FMA sample has {_fma.Length} MP3s, the benchmark needs {FmaClips}");
        _mel = new MelSpectrogram(new MelSpectrogramSettings { HopLength = 512 });

        // Resampler plans (filters, spectra) are built once per rate pair and cached, as in a long-running process.
        ManagedResampler.Resample(_decoded, 44100, 22050);
    }

    private static string FmaSampleFolder()
    {
        string? env = Environment.GetEnvironmentVariable("MELGENRE_FMA_SAMPLE");
        if (!string.IsNullOrEmpty(env))
            return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "data", "fma-sample", "fma_small");
            if (Directory.Exists(candidate))
                return candidate;
        }
        throw new DirectoryNotFoundException("shared/data/fma-sample/fma_small not found above " + AppContext.BaseDirectory + " (set MELGENRE_FMA_SAMPLE)");
    }

    private static float[] NativeLoad(string path) => AudioDecoder.LoadMono(path, 22050, 0, 30);

    private static float[] ManagedLoad(string path)
    {
        float[] mono = ManagedAudioDecoder.ReadMono(path, out int rate, 0, 30);
        return rate == 22050 ? mono : ManagedResampler.Resample(mono, rate, 22050);
    }

    private float[] Features(float[] audio)
    {
        var mel = _mel.Compute(audio);
        Decibels.PowerToDb(mel, mel, referenceIsMax: true);
        return mel;
    }

    [Benchmark(Baseline = true, Description = "native decode (libsndfile), fma_000002"), BenchmarkCategory("1 decode")]
    public float[] NativeDecode() => AudioDecoder.ReadMono(_clip, out _);

    [Benchmark(Description = "managed decode (NLayer), fma_000002"), BenchmarkCategory("1 decode")]
    public float[] ManagedDecode() => ManagedAudioDecoder.ReadMono(_clip, out _);

    [Benchmark(Baseline = true, Description = "native resample (libsoxr HQ) 44.1 -> 22.05"), BenchmarkCategory("2 resample")]
    public float[] NativeResample() => Resampler.Resample(_decoded, 44100, 22050);

    [Benchmark(Description = "managed resample 44.1 -> 22.05"), BenchmarkCategory("2 resample")]
    public float[] ManagedResample() => ManagedResampler.Resample(_decoded, 44100, 22050);

    [Benchmark(Baseline = true, Description = "native decode+resample+mel+dB, fma_000002"), BenchmarkCategory("3 features")]
    public float[] NativeFeatures() => Features(NativeLoad(_clip));

    [Benchmark(Description = "managed decode+resample+mel+dB, fma_000002"), BenchmarkCategory("3 features")]
    public float[] ManagedFeatures() => Features(ManagedLoad(_clip));

    [Benchmark(Baseline = true, OperationsPerInvoke = FmaClips, Description = "native decode+resample, per FMA clip"), BenchmarkCategory("4 FMA load")]
    public int NativeFmaLoad()
    {
        int n = 0;
        foreach (string path in _fma)
            n += NativeLoad(path).Length;
        return n;
    }

    [Benchmark(OperationsPerInvoke = FmaClips, Description = "managed decode+resample, per FMA clip"), BenchmarkCategory("4 FMA load")]
    public int ManagedFmaLoad()
    {
        int n = 0;
        foreach (string path in _fma)
            n += ManagedLoad(path).Length;
        return n;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = FmaClips, Description = "native features, 2 threads, per FMA clip"), BenchmarkCategory("5 FMA 2 cores")]
    public int NativeFmaTwoThreads() => TwoThreads(NativeLoad);

    [Benchmark(OperationsPerInvoke = FmaClips, Description = "managed features, 2 threads, per FMA clip"), BenchmarkCategory("5 FMA 2 cores")]
    public int ManagedFmaTwoThreads() => TwoThreads(ManagedLoad);

    private int TwoThreads(Func<string, float[]> load)
    {
        int total = 0;
        Parallel.ForEach(_fma, new ParallelOptions { MaxDegreeOfParallelism = 2 }, path =>
        {
            int n = Features(load(path)).Length;
            System.Threading.Interlocked.Add(ref total, n);
        });
        return total;
    }
}
