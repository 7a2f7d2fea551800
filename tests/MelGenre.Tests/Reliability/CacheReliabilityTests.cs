using System;
using System.IO;
using System.Linq;
using MelGenre.Caching;
using MelGenre.Datasets;
using MelGenre.Audio;
using MelGenre.Dsp;
using MelGenre.Recipes;
using Microsoft.ML.Data;
using Xunit;

namespace MelGenre.Tests.Reliability;

/// <summary>Issue 13, items 1-3: the cache never serves stale, corrupt or non-finite features without saying so.</summary>
public sealed class CacheReliabilityTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("melgenre-rel-cache-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static readonly LogMelRecipe Small = new()
    {
        Excerpt = new ExcerptSettings { SampleRate = 8000, DurationSeconds = 1.5 },
        Mel = new MelSpectrogramSettings { SampleRate = 8000, FftSize = 512, HopLength = 256, MelCount = 32 },
    };

    [Fact]
    public void A_symlinked_clip_is_keyed_by_its_target_so_replacing_the_target_recomputes_it()
    {
        string target = BadFiles.Sine(Path.Combine(_dir, "target.wav"), 220);
        string link = Path.Combine(_dir, "link.wav");
        File.CreateSymbolicLink(link, target);
        var clips = new[] { new GenreClip(link, "a") };
        var cache = new FeatureCache(Path.Combine(_dir, "cache"), Small);
        Assert.Equal(1, cache.Build(clips).Computed);
        Assert.True(cache.TryRead(link, out var before));

        // Another song copied over the target, keeping the link (and its own size and time) as it was.
        var linkInfo = new FileInfo(link);
        var (linkTime, linkSize) = (linkInfo.LastWriteTimeUtc, linkInfo.Length);
        BadFiles.Sine(Path.Combine(_dir, "other.wav"), 2500, seconds: 1.2);
        File.Copy(Path.Combine(_dir, "other.wav"), target, overwrite: true);
        File.SetLastWriteTimeUtc(target, DateTime.UtcNow.AddMinutes(2));
        Assert.Equal((linkTime, linkSize), (new FileInfo(link).LastWriteTimeUtc, new FileInfo(link).Length)); // the link itself did not change

        Assert.False(cache.Contains(link));
        Assert.Equal(1, cache.Build(clips).Computed);
        Assert.True(cache.TryRead(link, out var after));
        Assert.NotEqual(before, after);
        Assert.Equal(new ClipFeaturizer(Small).Extract(target), after!, new HalfTolerance());
    }

    [Theory]
    [InlineData(1e30f)]
    [InlineData(3e38f)]
    public void Finite_but_absurd_samples_fail_the_file_with_its_name_instead_of_caching_nan(float spike)
    {
        string good = BadFiles.Sine(Path.Combine(_dir, "good.wav"), 330);
        string huge = BadFiles.FloatWav(Path.Combine(_dir, "huge.wav"), spike);
        var clips = new[] { new GenreClip(good, "a", DatasetSplit.Training), new GenreClip(huge, "b", DatasetSplit.Training) };
        var cache = new FeatureCache(Path.Combine(_dir, "cache"), Small);
        var report = cache.Build(clips);
        Assert.Equal(1, report.Computed);
        var failure = Assert.Single(report.Failures);
        Assert.Equal(huge, failure.Path);
        Assert.Contains("huge.wav", failure.Reason);
        Assert.Contains("not finite", failure.Reason);
        Assert.False(cache.Contains(huge));
        Assert.Single(cache.LoadDataView(new Microsoft.ML.MLContext(1), clips, new[] { "a", "b" }).GetColumn<string>("Path"));
        // Remembered like any failure, and the retry hint is in the reason.
        Assert.Single(cache.Build(clips).Failures);
    }

    [Fact]
    public void Finite_but_absurd_samples_fail_the_fma_vector_too()
    {
        string huge = BadFiles.FloatWav(Path.Combine(_dir, "huge.wav"), 1e30f, rate: 22050);
        var cache = new FmaFeatureCache(Path.Combine(_dir, "cache"), new FmaVectorRecipe { Excerpt = new ExcerptSettings { SampleRate = 22050, DurationSeconds = 1.5 } });
        var report = cache.Build(new[] { new GenreClip(huge, "b") });
        Assert.Contains("huge.wav", Assert.Single(report.Failures).Reason);
        Assert.False(cache.Contains(huge));
    }

    [Theory]
    [InlineData("overwrite")]
    [InlineData("one-nan")]
    [InlineData("truncate")]
    public void A_damaged_entry_is_detected_by_its_checksum_recomputed_and_reported(string damage)
    {
        string clip = BadFiles.Sine(Path.Combine(_dir, "clip.wav"), 440);
        var clips = new[] { new GenreClip(clip, "a") };
        var cache = new FeatureCache(Path.Combine(_dir, "cache"), Small, FeaturePrecision.Single);
        cache.Build(clips);
        Assert.True(cache.TryRead(clip, out var good));
        string entry = Directory.GetFiles(cache.Folder, "*.mgf", SearchOption.AllDirectories).Single();
        var bytes = File.ReadAllBytes(entry);
        int valuesStart = bytes.Length - 32 - good!.Length * 4; // header | float32 values | SHA-256
        switch (damage)
        {
            case "overwrite":
                for (int i = 0; i < 64; i++)
                    bytes[valuesStart + 400 + i] = 0x3F;
                break;
            case "one-nan":
                BitConverter.GetBytes(float.NaN).CopyTo(bytes, valuesStart + 40);
                break;
            default:
                Array.Resize(ref bytes, bytes.Length - 100);
                break;
        }
        File.WriteAllBytes(entry, bytes);

        Assert.False(cache.TryRead(clip, out _)); // never served
        var report = cache.Build(clips);
        Assert.Equal(1, report.Computed);
        var repaired = Assert.Single(report.Repaired);
        Assert.Equal(clip, repaired.Path);
        Assert.Contains("damaged", repaired.Reason);
        Assert.True(cache.TryRead(clip, out var again));
        Assert.Equal(good, again);
    }

    [Fact]
    public void Entries_of_the_previous_format_are_recomputed_not_crashed_on()
    {
        string clip = BadFiles.Sine(Path.Combine(_dir, "clip.wav"), 440);
        var clips = new[] { new GenreClip(clip, "a") };
        var cache = new FeatureCache(Path.Combine(_dir, "cache"), Small);
        cache.Build(clips);
        string entry = Directory.GetFiles(cache.Folder, "*.mgf", SearchOption.AllDirectories).Single();
        var bytes = File.ReadAllBytes(entry);
        BitConverter.GetBytes(1).CopyTo(bytes, 4); // format version 1 (no checksum)
        File.WriteAllBytes(entry, bytes);
        Assert.False(cache.Contains(clip));
        var report = cache.Build(clips);
        Assert.Equal((1, 0), (report.Computed, report.Repaired.Count)); // an old entry is stale, not damaged
        Assert.True(cache.Contains(clip));
    }

    private sealed class HalfTolerance : System.Collections.Generic.IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) <= Math.Abs(b) * 4.9e-4 + 1e-7;

        public int GetHashCode(float v) => 0;
    }
}
