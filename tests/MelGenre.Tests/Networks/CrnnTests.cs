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
public sealed class CrnnTests
{
    private readonly ITestOutputHelper _log;

    public CrnnTests(ITestOutputHelper log) => _log = log;

    [Fact]
    public void Parameter_count_matches_the_original_for_eight_classes_and_640x128()
    {
        using var model = new Crnn();
        // Keras: 133,520 = this - 384 (second LSTM bias vector) + 336 (BatchNorm moving statistics).
        Assert.Equal(133_568, ParameterCount(model));
        Assert.Equal(76, model.SequenceLength);
    }

    [Fact]
    public void State_names_are_stable()
    {
        using var model = new Crnn();
        var expected = new[] { 0, 1, 2 }.SelectMany(i => new[] { $"conv.{i}.weight", $"conv.{i}.bias" })
            .Concat(new[] { 0, 1, 2 }.SelectMany(i => new[] { $"norm.{i}.weight", $"norm.{i}.bias", $"norm.{i}.running_mean", $"norm.{i}.running_var", $"norm.{i}.num_batches_tracked" }))
            .Concat(new[] { "lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0", "dense.weight", "dense.bias", "output.weight", "output.bias" });
        Assert.Equal(expected.OrderBy(n => n, StringComparer.Ordinal), Names(model).OrderBy(n => n, StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(640, 128, 76)]
    [InlineData(1292, 128, 158)]
    [InlineData(646, 96, 77)]
    [InlineData(64, 32, 4)]
    public void Output_is_batch_by_classes(int frames, int mels, int steps)
    {
        using var model = new Crnn(new CrnnOptions { Frames = frames, Mels = mels });
        model.eval();
        using var scope = torch.NewDisposeScope();
        var input = torch.randn(3, frames, mels);
        var logits = model.call(input);
        Assert.Equal(new long[] { 3, 8 }, logits.shape);
        Assert.Equal(steps, model.SequenceLength);
        Assert.False(input.IsInvalid); // the caller's tensor is not disposed
    }

    [Fact]
    public void Same_seed_gives_identical_weights_other_seed_does_not()
    {
        torch.manual_seed(1234);
        using var a = new Crnn();
        torch.manual_seed(1234);
        using var b = new Crnn();
        torch.manual_seed(4321);
        using var c = new Crnn();
        Assert.True(SameState(a, b));
        Assert.False(SameState(a, c));
    }

    [Fact]
    public void Initialisation_follows_keras_defaults()
    {
        torch.manual_seed(7);
        using var model = new Crnn();
        var p = model.named_parameters().ToDictionary(t => t.name, t => t.parameter);
        using var scope = torch.NewDisposeScope();
        // glorot_uniform bound sqrt(6 / (fan_in + fan_out)), fan = channels x kernel
        double bound = Math.Sqrt(6.0 / (128 * 5 + 56 * 5));
        Assert.True(p["conv.0.weight"].abs().max().item<float>() <= bound + 1e-6);
        Assert.True(p["conv.0.weight"].abs().max().item<float>() > 0.9 * bound);
        foreach (var name in new[] { "conv.0.bias", "conv.2.bias", "dense.bias", "output.bias", "lstm.bias_hh_l0" })
            Assert.Equal(0f, p[name].abs().sum().item<float>());
        var bias = p["lstm.bias_ih_l0"];
        Assert.Equal(96f, bias.sum().item<float>());
        Assert.Equal(96f, bias[TensorIndex.Slice(96, 192)].sum().item<float>()); // forget gate (i, f, g, o order)
        var w = p["lstm.weight_hh_l0"]; // [4*96, 96], orthonormal columns
        Assert.True(w.t().matmul(w).allclose(torch.eye(96), rtol: 0, atol: 1e-4));
        Assert.Equal(1f, p["norm.0.weight"].mean().item<float>());
    }

    [Fact]
    public void Dropout_is_active_in_training_mode_only_and_batch_norm_statistics_follow_the_mode()
    {
        torch.manual_seed(3);
        using var model = new Crnn(new CrnnOptions { Frames = 64, Mels = 32 });
        using var scope = torch.NewDisposeScope();
        var x = torch.randn(4, 64, 32);
        var runningMean = model.state_dict()["norm.0.running_mean"];

        model.eval();
        var e1 = model.call(x);
        var e2 = model.call(x);
        Assert.True(Identical(e1, e2));
        Assert.Equal(0f, runningMean.abs().sum().item<float>());

        model.train();
        var t1 = model.call(x);
        var t2 = model.call(x);
        Assert.False(t1.allclose(t2));
        Assert.True(runningMean.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void L2_regularized_parameters_are_the_conv_and_dense_kernels_and_the_penalty_is_keras_L2()
    {
        torch.manual_seed(11);
        using var model = new Crnn();
        var shapes = model.L2RegularizedParameters.Select(p => string.Join("x", p.shape)).ToArray();
        Assert.Equal(new[] { "56x128x5", "56x56x5", "56x56x5", "64x96" }, shapes);

        using var scope = torch.NewDisposeScope();
        double expected = 1e-3 * model.L2RegularizedParameters.Sum(p => p.pow(2).sum().item<float>());
        var penalty = model.L2Penalty();
        Assert.Equal(expected, penalty.item<float>(), 1e-5);
        penalty.backward();
        var conv = model.L2RegularizedParameters.First();
        Assert.True(conv.grad!.allclose(conv * 2e-3, rtol: 1e-4, atol: 1e-7));
        Assert.Null(model.named_parameters().Single(t => t.name == "output.weight").parameter.grad);
    }

    [Fact]
    public void Invalid_options_are_all_reported_at_once()
    {
        var e = Assert.Throws<ArgumentException>(() => new Crnn(new CrnnOptions { Filters = 0, Dropout = 1, Classes = 1 }));
        Assert.Contains("Filters must be positive, got 0", e.Message);
        Assert.Contains("Dropout must be in [0, 1), got 1", e.Message);
        Assert.Contains("Classes must be at least 2, got 1", e.Message);

        var s = Assert.Throws<ArgumentException>(() => new Crnn(new CrnnOptions { Frames = 20 }));
        Assert.Contains("Frames = 20 is too short", s.Message);
    }

    [Fact]
    public void Wrong_input_shape_is_rejected_with_the_expected_shape()
    {
        using var model = new Crnn();
        using var x = torch.zeros(2, 640, 96);
        var e = Assert.Throws<ArgumentException>(() => model.call(x));
        Assert.Contains("expected [batch, 640, 128]", e.Message);
        Assert.Contains("got [2, 640, 96]", e.Message);
    }

    [Fact]
    public void Options_are_copied()
    {
        var options = new CrnnOptions { Frames = 64, Mels = 32 };
        using var model = new Crnn(options);
        options.Frames = 1;
        Assert.Equal(64, model.Options.Frames);
    }

    [Fact]
    public void Overfits_three_synthetic_classes()
    {
        var watch = Stopwatch.StartNew();
        torch.manual_seed(2024);
        using var model = new Crnn(new CrnnOptions { Frames = 64, Mels = 32, Classes = 3 });
        var (x, y) = TemplateData(classes: 3, perClass: 10, frames: 64, mels: 32, noise: 1.0, seed: 5);
        using (x) using (y)
        {
            var (accuracy, epochs) = FitUntilPerfect(model, x, y, lr: 3e-3, maxEpochs: 200);
            _log.WriteLine($"CRNN: train accuracy {accuracy:P0} after {epochs} epochs, {watch.ElapsedMilliseconds} ms");
            Assert.Equal(1.0, accuracy);
        }
    }
}
