using static TorchSharp.torch;
using System;
using MelGenre.Networks;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;

namespace MelGenre.Tests.Networks;

/// <summary>
/// A training loop with one dispose scope per batch (the pattern the trainer will use) leaves the number of live
/// tensors (TorchSharp's process-wide <c>Tensor.TotalCount</c>) unchanged from batch to batch, for both networks;
/// forward inside the networks creates its intermediates in its own scope.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class TensorLeakTests
{
    private readonly ITestOutputHelper _log;

    public TensorLeakTests(ITestOutputHelper log) => _log = log;

    public static TheoryData<string> Networks => new() { nameof(Crnn), nameof(ParallelCnnRnn) };

    [Theory]
    [MemberData(nameof(Networks))]
    public void LiveTensorCount_IsStableAcrossBatches(string network)
    {
        // Tensors of earlier tests that are only released by finalizers would change the process-wide count
        // in the middle of the measurement: finish them first, and again before each reading.
        Settle();
        // The measure is meaningful: one tensor outside a scope counts once, disposing it uncounts it.
        long before = Tensor.TotalCount;
        var probe = torch.zeros(1);
        Assert.Equal(before + 1, Tensor.TotalCount);
        probe.Dispose();
        Assert.Equal(before, Tensor.TotalCount);

        torch.manual_seed(1);
        using nn.Module<Tensor, Tensor> model = network == nameof(Crnn)
            ? new Crnn(new CrnnOptions { Frames = 64, Mels = 32, Classes = 3 })
            : new ParallelCnnRnn(new ParallelCnnRnnOptions
            {
                Frames = 64, Mels = 32, Classes = 3, ConvFilters = new[] { 8, 16, 16 }, PoolSizes = new[] { (2, 2), (2, 2), (2, 2) }, GruUnits = 16,
            });
        using var optimizer = torch.optim.Adam(model.parameters(), lr: 1e-3);
        var counts = new long[12];
        for (int batch = 0; batch < counts.Length; batch++)
        {
            using (torch.NewDisposeScope())
            {
                model.train();
                var x = torch.randn(8, 64, 32);
                var y = torch.randint(0, 3, new long[] { 8 });
                optimizer.zero_grad();
                var loss = nn.functional.cross_entropy(model.call(x), y);
                if (model is Crnn crnn) loss = loss + crnn.L2Penalty();
                loss.backward();
                optimizer.step();

                model.eval();
                using (torch.inference_mode()) model.call(x).argmax(1);
            }
            Settle();
            counts[batch] = Tensor.TotalCount;
        }
        _log.WriteLine($"{network}: live tensors after each batch: {string.Join(", ", counts)}");
        // Batch 0 creates the optimizer state and the gradients; from then on nothing may accumulate.
        for (int batch = 2; batch < counts.Length; batch++) Assert.Equal(counts[1], counts[batch]);
    }

    /// <summary>Runs pending finalizers (of tensors other tests left to the garbage collector).</summary>
    internal static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
