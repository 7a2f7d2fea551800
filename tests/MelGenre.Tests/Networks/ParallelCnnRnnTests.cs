using System;
using System.Diagnostics;
using System.Linq;
using MelGenre.Networks;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static MelGenre.Tests.Networks.ModelTestSupport;
using static TorchSharp.torch;

namespace MelGenre.Tests.Networks;

[Collection(TorchCollection.Name)]
public sealed class ParallelCnnRnnTests
{
    private readonly ITestOutputHelper _log;

    public ParallelCnnRnnTests(ITestOutputHelper log) => _log = log;

    /// <summary>A 3-block CNN branch that fits a 64 x 32 input (the default 5 blocks need about 300 frames).</summary>
    private static ParallelCnnRnnOptions Small(int classes = 8) => new()
    {
        Frames = 64, Mels = 32, Classes = classes,
        ConvFilters = new[] { 8, 16, 16 },
        PoolSizes = new[] { (2, 2), (2, 2), (2, 2) },
        GruUnits = 16,
    };

    [Fact]
    public void Parameter_count_matches_the_original_for_eight_classes_and_640x128()
    {
        using var model = new ParallelCnnRnn();
        // Keras: 85,160 = this - 384 (PyTorch's GRU has a second bias vector per direction).
        Assert.Equal(85_544, ParameterCount(model));
        Assert.Equal((64, 4, 1), model.CnnOutputShape);
        Assert.Equal(160, model.RnnSteps);
        Assert.Empty(model.Warnings);
    }

    [Fact]
    public void State_names_are_stable()
    {
        using var model = new ParallelCnnRnn();
        var expected = Enumerable.Range(0, 5).SelectMany(i => new[] { $"conv.{i}.weight", $"conv.{i}.bias" })
            .Concat(new[] { "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0" }.SelectMany(n => new[] { "gru." + n, "gru." + n + "_reverse" }))
            .Concat(new[] { "output.weight", "output.bias" });
        Assert.Equal(expected.OrderBy(n => n, StringComparer.Ordinal), Names(model).OrderBy(n => n, StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(640, 128, 4, 1, 0)]
    [InlineData(1292, 128, 9, 1, 0)]
    [InlineData(646, 96, 4, 1, 1)] // the last (4,4) pool meets 3 mel columns: reduced to (4,3), reported
    public void Output_is_batch_by_classes(int frames, int mels, int cnnFrames, int cnnMels, int warnings)
    {
        using var model = new ParallelCnnRnn(new ParallelCnnRnnOptions { Frames = frames, Mels = mels });
        model.eval();
        using var scope = torch.NewDisposeScope();
        var input = torch.randn(2, frames, mels);
        var logits = model.call(input);
        Assert.Equal(new long[] { 2, 8 }, logits.shape);
        Assert.Equal((64, cnnFrames, cnnMels), model.CnnOutputShape);
        Assert.Equal(warnings, model.Warnings.Count);
        Assert.Equal(frames / 4, model.RnnSteps);
        foreach (var w in model.Warnings) _log.WriteLine(w);
    }

    [Fact]
    public void Rnn_branch_is_forward_final_state_and_backward_output_at_time_zero()
    {
        // Keras' Bidirectional(GRU) without return_sequences = [forward output at T-1, backward output at 0].
        torch.manual_seed(5);
        using var gru = nn.GRU(6, 4, batchFirst: true, bidirectional: true);
        using var scope = torch.NewDisposeScope();
        var x = torch.randn(3, 7, 6);
        var (sequence, final) = gru.call(x, null!);
        var keras = torch.cat(new[] { sequence[.., -1, ..4], sequence[.., 0, 4..] }, 1);
        Assert.True(keras.allclose(torch.cat(new[] { final[0], final[1] }, 1), rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void Same_seed_gives_identical_weights_other_seed_does_not()
    {
        torch.manual_seed(99);
        using var a = new ParallelCnnRnn();
        torch.manual_seed(99);
        using var b = new ParallelCnnRnn();
        torch.manual_seed(100);
        using var c = new ParallelCnnRnn();
        Assert.True(SameState(a, b));
        Assert.False(SameState(a, c));
    }

    [Fact]
    public void Initialisation_follows_keras_defaults()
    {
        torch.manual_seed(8);
        using var model = new ParallelCnnRnn();
        var p = model.named_parameters().ToDictionary(t => t.name, t => t.parameter);
        using var scope = torch.NewDisposeScope();
        double bound = Math.Sqrt(6.0 / (16 * 3 + 32 * 3)); // conv 16 -> 32, kernel 3 x 1
        Assert.True(p["conv.1.weight"].abs().max().item<float>() <= bound + 1e-6);
        foreach (var name in p.Keys.Where(n => n.Contains("bias")))
            Assert.Equal(0f, p[name].abs().sum().item<float>());
        var w = p["gru.weight_hh_l0_reverse"]; // [3*64, 64]
        Assert.True(w.t().matmul(w).allclose(torch.eye(64), rtol: 0, atol: 1e-4));
    }

    [Fact]
    public void Training_and_evaluation_mode_compute_the_same_function()
    {
        torch.manual_seed(4);
        using var model = new ParallelCnnRnn(Small());
        using var scope = torch.NewDisposeScope();
        var x = torch.randn(3, 64, 32);
        model.train();
        var t = model.call(x);
        model.eval();
        var e = model.call(x);
        Assert.True(Identical(t, e));
    }

    [Fact]
    public void Invalid_options_are_all_reported_at_once()
    {
        var e = Assert.Throws<ArgumentException>(() => new ParallelCnnRnn(new ParallelCnnRnnOptions
        {
            ConvFilters = new[] { 16, 0 }, GruUnits = 0, Classes = 1,
        }));
        Assert.Contains("ConvFilters must all be positive", e.Message);
        Assert.Contains("PoolSizes must have one entry per convolution (2), got 5", e.Message);
        Assert.Contains("GruUnits must be positive, got 0", e.Message);
        Assert.Contains("Classes must be at least 2", e.Message);

        var s = Assert.Throws<ArgumentException>(() => new ParallelCnnRnn(new ParallelCnnRnnOptions { Frames = 64, Mels = 32 }));
        Assert.Contains("Frames = 64 is too short for the CNN branch", s.Message);
    }

    [Fact]
    public void Wrong_input_shape_is_rejected_with_the_expected_shape()
    {
        using var model = new ParallelCnnRnn();
        using var x = torch.zeros(2, 128, 640);
        var e = Assert.Throws<ArgumentException>(() => model.call(x));
        Assert.Contains("expected [batch, 640, 128], got [2, 128, 640]", e.Message);
    }

    [Fact]
    public void Options_are_copied()
    {
        var filters = new[] { 8, 16, 16 };
        var options = Small();
        options.ConvFilters = filters;
        using var model = new ParallelCnnRnn(options);
        filters[0] = 1;
        options.GruUnits = 1;
        Assert.Equal(8, model.Options.ConvFilters[0]);
        Assert.Equal(16, model.Options.GruUnits);
    }

    [Fact]
    public void Overfits_three_synthetic_classes()
    {
        var watch = Stopwatch.StartNew();
        torch.manual_seed(2024);
        using var model = new ParallelCnnRnn(Small(classes: 3));
        var (x, y) = TemplateData(classes: 3, perClass: 10, frames: 64, mels: 32, noise: 1.0, seed: 6);
        using (x) using (y)
        {
            var (accuracy, epochs) = FitUntilPerfect(model, x, y, lr: 3e-3, maxEpochs: 200);
            _log.WriteLine($"CNN-RNN: train accuracy {accuracy:P0} after {epochs} epochs, {watch.ElapsedMilliseconds} ms");
            Assert.Equal(1.0, accuracy);
        }
    }
}
