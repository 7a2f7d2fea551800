using System;
using System.Linq;
using MelGenre.Networks;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace MelGenre.Tests.Networks;

[Collection(TorchCollection.Name)]
public sealed class ShortChunkResNetTests
{
    private readonly ITestOutputHelper _output;

    public ShortChunkResNetTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void Default_network_has_the_documented_parameter_count_for_any_input_size()
    {
        using var net = new ShortChunkResNet();
        long count = ModelTestSupport.ParameterCount(net);
        _output.WriteLine($"ShortChunkResNet (8/16/32/64, 128 mels, 8 classes): {count:N0} parameters");
        Assert.Equal(ExpectedDefaultParameters, count);
        using var wide = new ShortChunkResNet(new ShortChunkResNetOptions { Frames = 640 });
        Assert.Equal(count, ModelTestSupport.ParameterCount(wide));
    }

    internal const long ExpectedDefaultParameters = 77_674;

    [Fact]
    public void Maps_a_batch_of_chunks_to_logits_and_accepts_other_lengths()
    {
        torch.manual_seed(1);
        using var net = new ShortChunkResNet(new ShortChunkResNetOptions { Frames = 64, Mels = 32, Classes = 5, Channels = new[] { 8, 16 } });
        net.eval();
        using var x = torch.randn(3, 64, 32);
        using var y = net.forward(x);
        Assert.Equal(new long[] { 3, 5 }, y.shape);
        using var longer = torch.randn(2, 100, 32);
        using var z = net.forward(longer);
        Assert.Equal(new long[] { 2, 5 }, z.shape);
    }

    [Fact]
    public void Same_seed_builds_the_same_weights()
    {
        var o = new ShortChunkResNetOptions { Frames = 32, Mels = 32, Classes = 4, Channels = new[] { 8, 8 } };
        torch.manual_seed(3);
        using var a = new ShortChunkResNet(o);
        torch.manual_seed(3);
        using var b = new ShortChunkResNet(o);
        Assert.True(ModelTestSupport.SameState(a, b));
    }

    [Fact]
    public void Invalid_options_are_reported_together()
    {
        var ex = Assert.Throws<ArgumentException>(() => new ShortChunkResNet(new ShortChunkResNetOptions
        {
            Frames = 4, Classes = 1, Channels = new[] { 8, 8, 8 }, Dropout = 1,
        }));
        Assert.Contains("Frames must be >= 8", ex.Message);
        Assert.Contains("Classes", ex.Message);
        Assert.Contains("Dropout", ex.Message);
    }

    [Fact]
    public void Learns_template_classes()
    {
        var (x, y) = ModelTestSupport.TemplateData(classes: 3, perClass: 6, frames: 32, mels: 16, noise: 0.5, seed: 2);
        torch.manual_seed(2);
        using var net = new ShortChunkResNet(new ShortChunkResNetOptions { Frames = 32, Mels = 16, Classes = 3, Channels = new[] { 8, 16 }, Dropout = 0 });
        using var optimizer = torch.optim.Adam(net.parameters(), lr: 3e-3);
        for (int epoch = 0; epoch < 30; epoch++)
        {
            net.train();
            using var scope = torch.NewDisposeScope();
            optimizer.zero_grad();
            var loss = nn.functional.cross_entropy(net.forward(x), y);
            loss.backward();
            optimizer.step();
        }
        net.eval();
        using var noGrad = torch.no_grad();
        using var predicted = net.forward(x).argmax(1);
        double accuracy = predicted.eq(y).sum().item<long>() / (double)y.shape[0];
        Assert.True(accuracy >= 0.9, $"training accuracy {accuracy:P0}");
    }
}
