using System;
using System.IO;
using System.Linq;
using MelGenre.Audio;
using MelGenre.Caching;
using MelGenre.Datasets;
using MelGenre.Dsp;
using MelGenre.Recipes;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace MelGenre.Tests.Caching;

/// <summary>The feature cache: same numbers as the ML.NET front end, resume, invalidation, failures, the data view.</summary>
public sealed class FeatureCacheTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("melgenre-cache-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // Short clips keep the tests fast: 1.5 s at 8 kHz, 32 mels, hop 256.
    private static readonly LogMelRecipe Small = new()
    {
        Excerpt = new ExcerptSettings { SampleRate = 8000, DurationSeconds = 1.5 },
        Mel = new MelSpectrogramSettings { SampleRate = 8000, FftSize = 512, HopLength = 256, MelCount = 32 },
    };

    private GenreClip[] Clips()
    {
        var clips = new[]
        {
            new GenreClip(WriteWav("low.wav", 220, 16000, 2.0), "low", DatasetSplit.Training, "a"),
            new GenreClip(WriteWav("high.wav", 3000, 44100, 1.0), "high", DatasetSplit.Test, "b"),  // shorter: padded
            new GenreClip(Path.Combine(_dir, "broken.mp3"), "high", DatasetSplit.Training),
        };
        File.WriteAllText(clips[2].Path, "this is not an mp3");
        return clips;
    }

    private string WriteWav(string name, double hz, int rate, double seconds)
    {
        string path = Path.Combine(_dir, name);
        int n = (int)(rate * seconds);
        using var w = new BinaryWriter(File.Create(path));
        w.Write("RIFF"u8); w.Write(36 + n * 2); w.Write("WAVE"u8); w.Write("fmt "u8); w.Write(16); w.Write((short)1); w.Write((short)1);
        w.Write(rate); w.Write(rate * 2); w.Write((short)2); w.Write((short)16); w.Write("data"u8); w.Write(n * 2);
        for (int i = 0; i < n; i++)
            w.Write((short)(12000 * Math.Sin(2 * Math.PI * hz * i / rate) * (1 + 0.5 * Math.Sin(2 * Math.PI * 3 * i / rate)) / 1.5));
        return path;
    }

    [Fact]
    public void Extractor_matches_the_ml_net_front_end_bit_for_bit()
    {
        var clips = Clips();
        var ml = new MLContext(1);
        var rows = ml.Data.LoadFromEnumerable(clips.Take(2).Select(c => new PathRow { Path = c.Path }));
        var transformed = Small.CreateFrontEnd(ml, "Path", "Features").Fit(rows).Transform(rows);
        Assert.Equal(Small.FeatureType, transformed.Schema["Features"].Type);
        var viaMlNet = transformed.GetColumn<float[]>("Features").ToArray();
        var extractor = new ClipFeaturizer(Small);
        for (int i = 0; i < 2; i++)
            Assert.Equal(viaMlNet[i], extractor.Extract(clips[i].Path));
    }

    [Fact]
    public void Build_caches_in_parallel_reports_bad_files_and_resumes()
    {
        var clips = Clips();
        var cache = new FeatureCache(Path.Combine(_dir, "cache"), Small);
        int reports = 0;
        var first = cache.Build(clips, new FeatureCacheBuildOptions { DegreeOfParallelism = 2, Progress = new Sync<FeatureCacheProgress>(_ => System.Threading.Interlocked.Increment(ref reports)) });
        Assert.Equal(2, first.Computed);
        Assert.Equal(3, reports);
        var failure = Assert.Single(first.Failures);
        Assert.Equal(clips[2].Path, failure.Path);
        Assert.Contains("broken.mp3", failure.Reason);
        Assert.Empty(Directory.EnumerateFiles(cache.Folder, "*.tmp", SearchOption.AllDirectories));

        var second = cache.Build(clips);
        Assert.Equal((0, 2, 1), (second.Computed, second.Reused, second.Failures.Count)); // resumed: nothing recomputed, failure remembered

        // A changed source file (new modification time) is recomputed; the others are reused.
        File.SetLastWriteTimeUtc(clips[0].Path, DateTime.UtcNow.AddMinutes(1));
        Assert.False(cache.Contains(clips[0].Path));
        var third = cache.Build(clips);
        Assert.Equal((1, 1), (third.Computed, third.Reused));

        string list = Path.Combine(_dir, "failed.txt");
        third.WriteFailures(list);
        Assert.StartsWith(clips[2].Path + "\t", File.ReadAllText(list));
    }

    [Fact]
    public void Cached_values_are_float16_of_the_exact_features_or_exact_in_single_precision()
    {
        var clips = Clips();
        var exact = new ClipFeaturizer(Small).Extract(clips[0].Path);
        var half = new FeatureCache(Path.Combine(_dir, "h"), Small);
        half.Build(clips.Take(1));
        Assert.True(half.TryRead(clips[0].Path, out var h));
        for (int i = 0; i < exact.Length; i++)
            Assert.True(Math.Abs(h![i] - exact[i]) <= Math.Abs(exact[i]) * 4.9e-4 + 1e-7, $"value {i}: {h[i]} vs {exact[i]}");
        var single = new FeatureCache(Path.Combine(_dir, "s"), Small, FeaturePrecision.Single);
        single.Build(clips.Take(1));
        Assert.True(single.TryRead(clips[0].Path, out var s));
        Assert.Equal(exact, s);
    }

    [Fact]
    public void Settings_fingerprint_changes_with_every_feature_parameter()
    {
        var variants = new[]
        {
            Small,
            new LogMelRecipe { Mel = Small.Mel, Excerpt = new ExcerptSettings { SampleRate = Small.Excerpt.SampleRate, DurationSeconds = 1.6 } },
            new LogMelRecipe { Mel = Small.Mel, Excerpt = new ExcerptSettings { SampleRate = Small.Excerpt.SampleRate, DurationSeconds = 1.5, OffsetSeconds = 0.1 } },
            new LogMelRecipe { Mel = new MelSpectrogramSettings { SampleRate = 8000, FftSize = 512, HopLength = 128, MelCount = 32 }, Excerpt = new ExcerptSettings { SampleRate = Small.Excerpt.SampleRate, DurationSeconds = 1.5 } },
            new LogMelRecipe { Mel = new MelSpectrogramSettings { SampleRate = 8000, FftSize = 512, HopLength = 256, MelCount = 32, PadMode = PadMode.Reflect }, Excerpt = new ExcerptSettings { SampleRate = Small.Excerpt.SampleRate, DurationSeconds = 1.5 } },
            new LogMelRecipe { Mel = Small.Mel, Excerpt = new ExcerptSettings { SampleRate = Small.Excerpt.SampleRate, DurationSeconds = 1.5 }, Decibels = DecibelSettings.Original with { Scale = DecibelScale.Decibels } },
            new LogMelRecipe { Mel = Small.Mel, Excerpt = new ExcerptSettings { SampleRate = Small.Excerpt.SampleRate, DurationSeconds = 1.5 }, Decibels = DecibelSettings.Original with { TopDecibels = 60 } },
            new LogMelRecipe { Mel = Small.Mel, Excerpt = new ExcerptSettings { SampleRate = Small.Excerpt.SampleRate, DurationSeconds = 1.5 }, Decibels = DecibelSettings.Original with { Reference = DecibelReference.Constant } },
        };
        Assert.Equal(variants.Length, variants.Select(v => v.Fingerprint).Distinct().Count());
        Assert.Equal(Small.Fingerprint, new LogMelRecipe { Mel = Small.Mel, Excerpt = new ExcerptSettings { SampleRate = 8000, DurationSeconds = 1.5 } }.Fingerprint);
        Assert.Contains("features v" + LogMelRecipe.FeatureCodeVersion, Small.Describe());
    }

    [Fact]
    public void Data_view_has_shaped_features_and_a_key_label_with_genre_names()
    {
        var clips = Clips();
        var cache = new FeatureCache(Path.Combine(_dir, "cache"), Small);
        cache.Build(clips);
        var ml = new MLContext(1);
        var genres = new[] { "high", "low", "mid" };
        var view = cache.LoadDataView(ml, clips.Append(clips[0] with { Genre = "unknown" }), genres);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 32, cache.Frames), view.Schema["Features"].Type);
        var labelType = Assert.IsType<KeyDataViewType>(view.Schema["Label"].Type);
        Assert.Equal(3UL, labelType.Count);
        VBuffer<ReadOnlyMemory<char>> names = default;
        view.Schema["Label"].GetKeyValues(ref names);
        Assert.Equal(genres, names.DenseValues().Select(n => n.ToString()));
        // The broken file is left out; keys are 1-based in the view (0 = a genre not in the list).
        Assert.Equal(new uint[] { 2, 1, 0 }, view.GetColumn<uint>("Label").ToArray());
        Assert.Equal(new[] { "training", "test", "training" }, view.GetColumn<string>("Split").ToArray());
        Assert.True(cache.TryRead(clips[1].Path, out var f));
        Assert.Equal(f, view.GetColumn<float[]>("Features").ElementAt(1));
    }

    [Fact]
    public void Whole_song_windows_cover_the_song()
    {
        Assert.Equal(new[] { 0 }, SongWindows.Starts(50, 100, 50, 64));
        Assert.Equal(new[] { 0, 50, 100 }, SongWindows.Starts(200, 100, 50, 64));
        Assert.Equal(new[] { 0, 50, 100, 130 }, SongWindows.Starts(230, 100, 50, 64)); // tail of 30 > a quarter: end-aligned window
        Assert.Equal(new[] { 0, 50, 100 }, SongWindows.Starts(210, 100, 50, 64));     // tail of 10: covered enough
        Assert.Equal(3, SongWindows.Starts(100_000, 100, 50, 3).Count);

        var song = Path.Combine(_dir, "song.wav");
        File.Copy(WriteWav("long.wav", 440, 8000, 4.0), song);
        var windows = new ClipFeaturizer(Small).ExtractWindows(song, 0.75);
        Assert.Equal(new[] { 0, 0.75, 1.5, 2.25 }, windows.Select(w => w.StartSeconds));
        Assert.All(windows, w => Assert.Equal(32 * Small.FrameCount, w.Features.Length));
    }

    public sealed class PathRow
    {
        public string Path { get; set; } = "";
    }

    private sealed class Sync<T>(Action<T> a) : IProgress<T>
    {
        public void Report(T value) => a(value);
    }
}
