using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using MelGenre.Caching;
using MelGenre.Datasets;
using MelGenre.Tests.Reliability;
using MelGenre.Training;
using Microsoft.ML;
using TorchSharp;
using Xunit;

namespace MelGenre.Tests.Training;

/// <summary>Issue 11, item 1: trainers stream a cache's view entry by entry, with the same model as the in-memory path.</summary>
public sealed class StreamingTrainingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("melgenre-stream-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static readonly string[] Genres = { "low", "high", "unused" };

    /// <summary>A small cache: <paramref name="perGenre"/> sines per genre, plus one clip of a genre not in the list.</summary>
    internal static (FeatureCache Cache, List<GenreClip> Clips) MakeCache(string dir, int perGenre = 6)
    {
        var clips = new List<GenreClip>();
        for (int i = 0; i < perGenre; i++)
        {
            clips.Add(new GenreClip(BadFiles.Sine(Path.Combine(dir, $"low{i}.wav"), 150 + (20 * i)), "low", DatasetSplit.Training));
            clips.Add(new GenreClip(BadFiles.Sine(Path.Combine(dir, $"high{i}.wav"), 2000 + (90 * i)), "high", DatasetSplit.Training));
        }
        clips.Add(new GenreClip(BadFiles.Sine(Path.Combine(dir, "odd.wav"), 700), "not-a-genre", DatasetSplit.Training));
        var cache = new FeatureCache(Path.Combine(dir, "cache"), CacheReliabilityTests.Small);
        Assert.Equal(clips.Count, cache.Build(clips).Computed);
        return (cache, clips);
    }

    internal static CrnnTrainer.Options Options(bool stream, int epochs = 3) => new()
    {
        Epochs = epochs, BatchSize = 4, Filters = 8, LstmUnits = 8, DenseUnits = 8, Dropout = 0.2, Seed = 11, LearningRate = 3e-3,
        PlateauPatience = 1, PlateauMinDelta = 0.5, StreamFromCache = stream, ReadAheadExamples = 3,
    };

    internal static void AssertSameWeights(GenreClassifierTransformer a, GenreClassifierTransformer b)
    {
        var wa = a.Network.state_dict();
        var wb = b.Network.state_dict();
        Assert.Equal(wa.Keys.OrderBy(k => k), wb.Keys.OrderBy(k => k));
        foreach (var (name, tensor) in wa)
        {
            var x = tensor.cpu().contiguous().bytes.ToArray();
            var y = wb[name].cpu().contiguous().bytes.ToArray();
            Assert.True(x.AsSpan().SequenceEqual(y), $"weights '{name}' differ");
        }
    }

    [Fact]
    public void A_cache_view_is_streamed_and_a_transform_of_it_is_not()
    {
        var (cache, clips) = MakeCache(_dir, perGenre: 2);
        var ml = new MLContext(1);
        var view = cache.LoadDataView(ml, clips, Genres);
        var shape = new FeatureShape(cache.Mels, cache.Frames, FeatureLayout.MelsByFrames, cache.Frames);
        var source = StreamingBatchSource.TryCreate(view, "Features", "Label", shape, 2);
        Assert.NotNull(source);
        Assert.Equal(4, source!.Count);
        Assert.Equal(1, source.SkippedMissingLabels);
        Assert.Null(StreamingBatchSource.TryCreate(ml.Data.Cache(view), "Features", "Label", shape, 2));

        // Same values as the data view serves, in the order asked for.
        var memory = ExampleSet.Read(view, "Features", "Label", shape, "test");
        int[] order = { 3, 0, 2, 1 };
        using var reader = source.Start(order);
        var streamed = new float[4 * shape.Size];
        var labels = new long[4];
        reader.Read(streamed, labels);
        Assert.Equal(order.Select(i => memory.Labels[i]), labels);
        Assert.Equal(order.SelectMany(i => memory.Features[i]), streamed);
    }

    [Fact]
    public void Streaming_training_gives_bit_identical_weights_and_history_to_the_in_memory_loop()
    {
        var (cache, clips) = MakeCache(_dir);
        var ml = new MLContext(1);
        var train = cache.LoadDataView(ml, clips.Take(9).Append(clips[^1]), Genres);
        var validation = cache.LoadDataView(ml, clips.Skip(9), Genres);
        var inMemory = Options(stream: false);
        inMemory.ValidationSet = validation;
        var streaming = Options(stream: true);
        streaming.ValidationSet = validation;
        var a = ml.MulticlassClassification.Trainers.Crnn(inMemory).Fit(train);
        var b = ml.MulticlassClassification.Trainers.Crnn(streaming).Fit(train);
        AssertSameWeights(a, b);
        Assert.Equal(a.History.Epochs.Select(e => e with { Duration = default }), b.History.Epochs.Select(e => e with { Duration = default }));
        Assert.Equal(9, b.History.TrainingExamples);

        // And it can fail: another seed gives other weights.
        var other = Options(stream: true);
        other.Seed = 12;
        var c = ml.MulticlassClassification.Trainers.Crnn(other).Fit(train);
        Assert.ThrowsAny<Exception>(() => AssertSameWeights(b, c));
    }

    [Fact]
    public void Streaming_reads_the_disk_on_every_pass_and_reports_an_entry_damaged_since()
    {
        var (cache, clips) = MakeCache(_dir, perGenre: 2);
        var ml = new MLContext(1);
        var train = cache.LoadDataView(ml, clips, Genres);
        foreach (var entry in Directory.GetFiles(cache.Folder, "*.mgf", SearchOption.AllDirectories))
        {
            var bytes = File.ReadAllBytes(entry);
            bytes[^40] ^= 0x5A; // a value byte: only the checksum can tell
            File.WriteAllBytes(entry, bytes);
        }
        var e = Assert.ThrowsAny<Exception>(() => ml.MulticlassClassification.Trainers.Crnn(Options(stream: true, epochs: 1)).Fit(train));
        Assert.Contains("damaged", e.ToString());
    }
}
