using System;
using System.IO;
using System.Linq;
using MelGenre.Networks;
using MelGenre.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace MelGenre.Tests.Training;

/// <summary>Chunked training, test-time window averaging, batch augmentation and the short-chunk ResNet trainer.</summary>
[Collection(TorchCollection.Name)]
public sealed class ChunkingAndAugmentationTests
{
    private readonly ITestOutputHelper _output;

    public ChunkingAndAugmentationTests(ITestOutputHelper output) => _output = output;

    internal static ShortChunkResNetTrainer.Options SmallResNet(int epochs = 12) => new()
    {
        Epochs = epochs, BatchSize = 8, Channels = new[] { 8, 16, 16 }, Dropout = 0.1, Seed = 7, LearningRate = 3e-3,
        ChunkFrames = 64, TestWindows = 4,
    };

    private static float[] Scores(ITransformer model, IDataView data)
        => model.Transform(data).GetColumn<float[]>("Score").SelectMany(s => s).ToArray();

    [Fact]
    public void Window_offsets_are_evenly_spaced_from_the_first_to_the_last_frame()
    {
        Assert.Equal(new[] { 0, 32, 64, 96 }, Chunking.WindowOffsets(128, 32, 4));
        Assert.Equal(new[] { 0, 256, 512 }, Chunking.WindowOffsets(640, 128, 3));
        Assert.Equal(new[] { 48 }, Chunking.WindowOffsets(128, 32, 1));
        Assert.Equal(new[] { 0, 0 }, Chunking.WindowOffsets(32, 32, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Chunking.WindowOffsets(16, 32, 1));
    }

    [Fact]
    public void Random_crops_are_the_slices_at_their_offsets_differ_between_passes_and_are_seeded()
    {
        using var x = torch.arange(3 * 20 * 2, dtype: ScalarType.Float32).view(3, 20, 2);
        var rng = new Random(5);
        var first = new int[3];
        var second = new int[3];
        using var a = Chunking.RandomCrops(x, 8, rng, first);
        using var b = Chunking.RandomCrops(x, 8, rng, second);
        Assert.Equal(new long[] { 3, 8, 2 }, a.shape);
        for (int i = 0; i < 3; i++)
        {
            Assert.InRange(first[i], 0, 12);
            Assert.True(ModelTestSupportLocal.Identical(a[i], x[i].narrow(0, first[i], 8)));
            Assert.True(ModelTestSupportLocal.Identical(b[i], x[i].narrow(0, second[i], 8)));
        }
        Assert.NotEqual(first, second); // a fresh crop each pass (epoch)
        var again = new int[3];
        using var c = Chunking.RandomCrops(x, 8, new Random(5), again);
        Assert.Equal(first, again);
    }

    [Fact]
    public void Probabilities_average_the_softmax_over_the_windows()
    {
        torch.manual_seed(1);
        using var net = new ShortChunkResNet(new ShortChunkResNetOptions { Frames = 16, Mels = 8, Classes = 3, Channels = new[] { 4 } });
        net.eval();
        using var mode = torch.inference_mode();
        using var x = torch.randn(2, 40, 8);
        using var averaged = Chunking.Probabilities(net, x, 16, 3);
        using var manual = (nn.functional.softmax(net.forward(x.narrow(1, 0, 16).contiguous()), 1)
            + nn.functional.softmax(net.forward(x.narrow(1, 12, 16).contiguous()), 1)
            + nn.functional.softmax(net.forward(x.narrow(1, 24, 16).contiguous()), 1)) / 3;
        Assert.True(averaged.allclose(manual, rtol: 1e-6, atol: 1e-7));
        using var whole = Chunking.Probabilities(net, x, null, 1);
        Assert.True(whole.allclose(nn.functional.softmax(net.forward(x), 1), rtol: 0, atol: 0));
    }

    [Fact]
    public void Augmentation_is_off_by_default_and_options_are_validated()
    {
        foreach (NetworkTrainerOptions o in new NetworkTrainerOptions[] { new CrnnTrainer.Options(), new ParallelCnnRnnTrainer.Options(), new ShortChunkResNetTrainer.Options() })
        {
            Assert.False(o.Augments);
            Assert.Equal(0, o.TimeMaskCount);
            Assert.Equal(0, o.FrequencyMaskCount);
            Assert.Equal(0, o.MixupAlpha);
            Assert.Equal(0, o.RandomGainDecibels);
        }
        Assert.Null(new CrnnTrainer.Options().ChunkFrames);
        Assert.Null(new ParallelCnnRnnTrainer.Options().TestWindows);
        Assert.Equal(128, new ShortChunkResNetTrainer.Options().ChunkFrames);
        Assert.Equal(8, new ShortChunkResNetTrainer.Options().TestWindows);

        var ml = new MLContext(1);
        var bad = TrainerTests.SmallCrnn(1);
        bad.TestWindows = 4;
        bad.MixupAlpha = -1;
        bad.TimeMaskCount = -2;
        var ex = Assert.Throws<ArgumentException>(() => ml.MulticlassClassification.Trainers.Crnn(bad));
        Assert.Contains("TestWindows = 4 needs ChunkFrames", ex.Message);
        Assert.Contains("MixupAlpha", ex.Message);
        Assert.Contains("TimeMaskCount", ex.Message);

        var tooLong = TrainerTests.SmallCrnn(1);
        tooLong.ChunkFrames = SyntheticGenres.Frames + 1;
        var data = SyntheticGenres.Load(ml, SyntheticGenres.Make(2, seed: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.Crnn(tooLong).Fit(data));
    }

    private static Tensor RandomBatch(int n = 4, int frames = 30, int mels = 12)
    {
        var generator = new Generator(9);
        return torch.randn(new long[] { n, frames, mels }, generator: generator);
    }

    [Fact]
    public void Time_masks_blank_runs_of_frames_with_the_example_mean_and_leave_the_rest()
    {
        var o = new CrnnTrainer.Options { TimeMaskCount = 1, TimeMaskMaxFrames = 30 };
        using var x = RandomBatch();
        using var y = torch.zeros(4, dtype: ScalarType.Int64);
        var (masked, partners, lambda) = new BatchAugmenter(o, new Random(2)).Apply(x, y);
        Assert.Null(partners);
        Assert.Equal(1.0, lambda);
        int changedExamples = 0;
        for (int i = 0; i < 4; i++)
        {
            float mean = x[i].mean().item<float>();
            var changedFrames = Enumerable.Range(0, 30).Where(t => !ModelTestSupportLocal.Identical(masked[i][t], x[i][t])).ToArray();
            foreach (int t in changedFrames)
                Assert.True(masked[i][t].allclose(torch.full(12, mean), atol: 1e-6));
            if (changedFrames.Length > 0)
            {
                changedExamples++;
                Assert.Equal(changedFrames.Length, changedFrames[^1] - changedFrames[0] + 1); // one contiguous run
            }
        }
        Assert.True(changedExamples > 0);
        var (again, _, _) = new BatchAugmenter(o, new Random(2)).Apply(x, y);
        Assert.True(ModelTestSupportLocal.Identical(again, masked)); // seeded
    }

    [Fact]
    public void Frequency_masks_blank_runs_of_mel_bins_across_all_frames()
    {
        var o = new CrnnTrainer.Options { FrequencyMaskCount = 2, FrequencyMaskMaxBins = 4 };
        using var x = RandomBatch();
        using var y = torch.zeros(4, dtype: ScalarType.Int64);
        var (masked, _, _) = new BatchAugmenter(o, new Random(3)).Apply(x, y);
        int total = 0;
        for (int i = 0; i < 4; i++)
        {
            float mean = x[i].mean().item<float>();
            var changedBins = Enumerable.Range(0, 12).Where(m => !ModelTestSupportLocal.Identical(masked[i][.., m], x[i][.., m])).ToArray();
            Assert.True(changedBins.Length <= 8);
            foreach (int m in changedBins)
                Assert.True(masked[i][.., m].allclose(torch.full(30, mean), atol: 1e-6));
            total += changedBins.Length;
        }
        Assert.True(total > 0);
    }

    [Fact]
    public void Random_gain_shifts_each_example_by_one_constant_within_the_range_in_feature_units()
    {
        var o = new CrnnTrainer.Options { RandomGainDecibels = 6, FeatureUnitsPerDecibel = Math.Log(10) / 10 };
        using var x = RandomBatch();
        using var y = torch.zeros(4, dtype: ScalarType.Int64);
        var (shifted, _, _) = new BatchAugmenter(o, new Random(4)).Apply(x, y);
        using var diff = shifted - x;
        var shifts = new float[4];
        for (int i = 0; i < 4; i++)
        {
            shifts[i] = diff[i].mean().item<float>();
            Assert.True(diff[i].allclose(torch.full(new long[] { 30, 12 }, shifts[i]), atol: 1e-5));
            Assert.InRange(shifts[i], -6 * Math.Log(10) / 10, 6 * Math.Log(10) / 10);
        }
        Assert.True(shifts.Distinct().Count() > 1);
    }

    [Fact]
    public void Mixup_mixes_each_example_with_its_partner_by_lambda()
    {
        var o = new CrnnTrainer.Options { MixupAlpha = 0.4 };
        // Example i is the constant i and has label i, so the partner label tells which example it was mixed with.
        using var x = torch.arange(6, dtype: ScalarType.Float32).view(6, 1, 1).expand(6, 5, 3).contiguous();
        using var y = torch.arange(6, dtype: ScalarType.Int64);
        var (mixed, partners, lambda) = new BatchAugmenter(o, new Random(6)).Apply(x, y);
        Assert.NotNull(partners);
        Assert.InRange(lambda, 0, 1);
        Assert.NotEqual(1.0, lambda);
        var p = partners!.data<long>().ToArray();
        Assert.Equal(Enumerable.Range(0, 6).Select(i => (long)i), p.OrderBy(v => v));
        for (int i = 0; i < 6; i++)
            Assert.True(mixed[i].allclose(torch.full(new long[] { 5, 3 }, (float)(lambda * i + (1 - lambda) * p[i])), atol: 1e-5));
        // The mixup weights of many draws follow Beta(0.4, 0.4): mean 0.5, mostly near 0 or 1.
        var rng = new Random(1);
        var aug = new BatchAugmenter(o, rng);
        var lambdas = Enumerable.Range(0, 400).Select(_ => aug.Apply(x, y).Lambda).ToArray();
        Assert.InRange(lambdas.Average(), 0.44, 0.56);
        Assert.True(lambdas.Count(l => l < 0.1 || l > 0.9) > lambdas.Count(l => l > 0.4 && l < 0.6));
    }

    [Fact]
    public void ResNet_learns_the_synthetic_genres_and_reports_its_parameters()
    {
        var ml = new MLContext(1);
        var train = SyntheticGenres.Load(ml, SyntheticGenres.Make(10, seed: 1));
        var test = SyntheticGenres.Load(ml, SyntheticGenres.Make(6, seed: 2));
        var model = ml.MulticlassClassification.Trainers.ShortChunkResNet(SmallResNet()).Fit(train);
        var trainMetrics = ml.MulticlassClassification.Evaluate(model.Transform(train));
        var testMetrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
        _output.WriteLine($"resnet: {model.History.ParameterCount:N0} parameters, train {trainMetrics.MicroAccuracy:P1}, test {testMetrics.MicroAccuracy:P1}");
        Assert.Equal("ShortChunkResNet", model.Architecture);
        Assert.Equal(64, model.ChunkFrames);
        Assert.Equal(4, model.TestWindows);
        Assert.True(trainMetrics.MicroAccuracy >= 0.95, $"training accuracy {trainMetrics.MicroAccuracy:P1}");
        Assert.True(testMetrics.MicroAccuracy >= 0.75, $"held-out accuracy {testMetrics.MicroAccuracy:P1} (chance is 25 %)");
        Assert.Equal(ModelTestSupportLocal.ParameterCount(model.Network), model.History.ParameterCount);
    }

    [Fact]
    public void Chunked_augmented_training_is_seeded_and_differs_from_whole_input_training()
    {
        var ml = new MLContext(1);
        var train = SyntheticGenres.Load(ml, SyntheticGenres.Make(4, seed: 1));
        float[] Run(int seed, bool chunked)
        {
            var o = TrainerTests.SmallCrnn(2);
            o.Seed = seed;
            if (chunked)
            {
                o.ChunkFrames = 64;
                o.TestWindows = 3;
                o.TimeMaskCount = 1;
                o.TimeMaskMaxFrames = 8;
                o.FrequencyMaskCount = 1;
                o.FrequencyMaskMaxBins = 4;
                o.MixupAlpha = 0.3;
                o.RandomGainDecibels = 3;
            }
            return Scores(ml.MulticlassClassification.Trainers.Crnn(o).Fit(train), train);
        }
        var a = Run(5, true);
        Assert.Equal(a, Run(5, true));
        Assert.NotEqual(a, Run(6, true));
        Assert.NotEqual(a, Run(5, false));
    }

    [Fact]
    public void Scores_average_the_softmax_of_the_test_windows()
    {
        var ml = new MLContext(1);
        var rows = SyntheticGenres.Make(2, seed: 3);
        var data = SyntheticGenres.Load(ml, rows);
        var o = SmallResNet(1);
        o.ChunkFrames = 32;
        o.TestWindows = 4;
        var model = ml.MulticlassClassification.Trainers.ShortChunkResNet(o).Fit(data);
        var scores = model.Transform(data).GetColumn<float[]>("Score").ToArray();

        var net = model.Network;
        using var mode = torch.inference_mode();
        for (int r = 0; r < rows.Count; r++)
        {
            // [mels, frames] -> [1, frames, mels]; windows at frames 0, 32, 64, 96.
            using var clip = torch.tensor(rows[r].Features, new long[] { 1, SyntheticGenres.Mels, SyntheticGenres.Frames }).transpose(1, 2).contiguous();
            var manual = new double[4];
            foreach (int start in new[] { 0, 32, 64, 96 })
            {
                using var p = nn.functional.softmax(net.forward(clip.narrow(1, start, 32).contiguous()), 1);
                var values = p.data<float>().ToArray();
                for (int k = 0; k < 4; k++)
                    manual[k] += values[k] / 4;
            }
            for (int k = 0; k < 4; k++)
                Assert.Equal(manual[k], scores[r][k], 5);
        }
    }

    [Fact]
    public void A_saved_chunked_model_loads_with_its_windows_and_scores_the_same()
    {
        var ml = new MLContext(1);
        var data = SyntheticGenres.Load(ml, SyntheticGenres.Make(3, seed: 4));
        var o = SmallResNet(2);
        o.TestWindows = 5;
        var model = ml.MulticlassClassification.Trainers.ShortChunkResNet(o).Fit(data);
        string path = Path.Combine(Path.GetTempPath(), $"melgenre-resnet-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(model, data.Schema, path);
            var loaded = new MLContext(2).RegisterMelGenre().Model.Load(path, out _);
            var classifier = Assert.IsType<GenreClassifierTransformer>(loaded);
            Assert.Equal("ShortChunkResNet", classifier.Architecture);
            Assert.Equal(64, classifier.ChunkFrames);
            Assert.Equal(5, classifier.TestWindows);
            Assert.Equal(Scores(model, data), Scores(loaded, data));
        }
        finally
        {
            File.Delete(path);
        }
    }
}

internal static class ModelTestSupportLocal
{
    public static long ParameterCount(nn.Module module) => MelGenre.Tests.Networks.ModelTestSupport.ParameterCount(module);

    public static bool Identical(Tensor a, Tensor b) => MelGenre.Tests.Networks.ModelTestSupport.Identical(a, b);
}
