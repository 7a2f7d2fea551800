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

/// <summary>The FMA-vector cache: same numbers as the ML.NET front end, resume and failures, a data view with slot names, settings from a model.</summary>
public sealed class FmaFeatureCacheTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("melgenre-fmacache-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // Short clips keep the tests fast: 1.5 s at 22,050 Hz.
    private static readonly FmaVectorRecipe Small = new() { Excerpt = new ExcerptSettings { SampleRate = 22050, DurationSeconds = 1.5 } };

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
    public void Cache_and_extractor_match_the_ml_net_front_end_bit_for_bit_and_the_model_gives_back_its_settings()
    {
        var clips = Clips();
        var ml = new MLContext(1);
        var rows = ml.Data.LoadFromEnumerable(clips.Take(2).Select(c => new FeatureCacheTests.PathRow { Path = c.Path }));
        var frontEnd = Small.CreateFrontEnd(ml, "Path", "Features").Fit(rows);
        var transformed = frontEnd.Transform(rows);
        Assert.Equal(FmaVectorRecipe.VectorType, transformed.Schema["Features"].Type);
        var viaMlNet = transformed.GetColumn<float[]>("Features").ToArray();

        var cache = new FmaFeatureCache(Path.Combine(_dir, "cache"), Small);
        var report = cache.Build(clips, new FeatureCacheBuildOptions { DegreeOfParallelism = 2 });
        Assert.Equal((2, 0), (report.Computed, report.Reused));
        Assert.Equal(clips[2].Path, Assert.Single(report.Failures).Path);
        Assert.Equal((0, 2, 1), (cache.Build(clips).Computed, cache.Build(clips).Reused, cache.Build(clips).Failures.Count)); // resumed
        for (int i = 0; i < 2; i++)
        {
            Assert.True(cache.TryRead(clips[i].Path, out var cached));
            Assert.Equal(viaMlNet[i], cached);
            Assert.Equal(viaMlNet[i], new ClipFeaturizer(Small).Extract(clips[i].Path));
        }

        // The data view serves the same column ExtractFmaFeatures makes: type and slot names, so a normaliser and trainer
        // fitted on it can be appended to the front end.
        var view = cache.LoadDataView(ml, clips, new[] { "high", "low" });
        Assert.Equal(FmaVectorRecipe.VectorType, view.Schema["Features"].Type);
        VBuffer<ReadOnlyMemory<char>> names = default;
        view.Schema["Features"].GetSlotNames(ref names);
        Assert.Equal(FmaFeatureVector.SlotNames, names.DenseValues().Select(n => n.ToString()));
        Assert.Equal(new uint[] { 2, 1 }, view.GetColumn<uint>("Label").ToArray());

        var recovered = FmaVectorRecipe.FromModel(frontEnd);
        Assert.Equal(Small.Fingerprint, recovered.Fingerprint);
        Assert.StartsWith("fma-" + Small.Fingerprint, Path.GetFileName(cache.Folder));
    }

    [Fact]
    public void Fingerprint_changes_with_every_setting_and_windows_cover_a_song()
    {
        var variants = new[]
        {
            Small,
            new FmaVectorRecipe { Excerpt = new ExcerptSettings { SampleRate = 44100, DurationSeconds = 1.5 } },
            new FmaVectorRecipe { Excerpt = new ExcerptSettings { SampleRate = 22050, DurationSeconds = 1.6 } },
            new FmaVectorRecipe { Excerpt = new ExcerptSettings { SampleRate = 22050, DurationSeconds = 1.5, OffsetSeconds = 0.1 } },
            new FmaVectorRecipe { Features = new FmaFeatureSettings { HopLength = 256 }, Excerpt = new ExcerptSettings { SampleRate = 22050, DurationSeconds = 1.5 } },
            new FmaVectorRecipe { Features = new FmaFeatureSettings { ChromaSampleRate = null }, Excerpt = new ExcerptSettings { SampleRate = 22050, DurationSeconds = 1.5 } },
        };
        Assert.Equal(variants.Length, variants.Select(v => v.Fingerprint).Distinct().Count());
        Assert.Empty(Small.Validate());
        Assert.Contains("DurationSeconds", string.Join(";", new FmaVectorRecipe { Excerpt = new ExcerptSettings { DurationSeconds = 0 } }.Validate()));

        string song = WriteWav("song.wav", 440, 22050, 4.0);
        var windows = new ClipFeaturizer(Small).ExtractWindows(song, 0.75);
        Assert.Equal(new[] { 0, 0.75, 1.5, 2.25 }, windows.Select(w => Math.Round(w.StartSeconds, 3))); // hop rounded to whole samples
        Assert.All(windows, w => Assert.Equal(FmaFeatureVector.Length, w.Features.Length));
    }
}
