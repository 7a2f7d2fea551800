using System;
using System.Linq;
using MelGenre.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace MelGenre.SideBySide;

/// <summary>
/// <c>profile</c>: where the parallel CNN-RNN's time goes, op by op, in TorchSharp (benchmarks/python/profile_ops.py
/// does the same in PyTorch). The ops replicate <see cref="ParallelCnnRnn.forward"/> with the module's own layers,
/// forward only under inference_mode, batch 1 and batch 32, then the whole forward and a whole train step.
/// </summary>
internal static class Profile
{
    public static void Run(int threads)
    {
        torch.set_num_threads(threads);
        using var net = (ParallelCnnRnn)Networks.Build("pcrnn");
        net.eval();
        var convs = net.named_children().Single(c => c.name == "conv").module.children().Cast<nn.Module<Tensor, Tensor>>().ToArray();
        var gru = (TorchSharp.Modules.GRU)net.named_children().Single(c => c.name == "gru").module;
        long[][] pools = { new long[] { 2, 2 }, new long[] { 2, 2 }, new long[] { 2, 2 }, new long[] { 4, 4 }, new long[] { 4, 4 } };
        foreach (int batch in new[] { 1, 32 })
        {
            int n = batch == 1 ? 20 : 5;
            using var mode = torch.inference_mode();
            using var scope = torch.NewDisposeScope();
            torch.manual_seed(2);
            var x = torch.randn(batch, 640, 128);
            var image = x.unsqueeze(1);
            var y = image;
            for (int i = 0; i < convs.Length; i++)
            {
                var input = y;
                var z = Time($"B{batch} conv{i} [{string.Join(", ", input.shape)}]", n, () => convs[i].call(input));
                var z2 = Time($"B{batch} relu{i}", n, () => nn.functional.relu(z));
                var pool = pools[i];
                y = Time($"B{batch} pool{i}", n, () => nn.functional.max_pool2d(z2, pool, pool));
            }
            var seq = Time($"B{batch} rnnpool", n, () => nn.functional.max_pool2d(image, new long[] { 4, 2 }, new long[] { 4, 2 }).squeeze(1));
            Time($"B{batch} gru", n, () => gru.call(seq, null!).Item1);
            Time($"B{batch} total forward", n, () => net.call(x));
        }
    }

    private static Tensor Time(string name, int n, Func<Tensor> f)
    {
        // Each result is disposed before the next call, as Python's reference counting frees it.
        Tensor r = f();
        for (int i = 0; i < 2; i++)
        {
            r.Dispose();
            r = f();
        }
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        for (int i = 0; i < n; i++)
        {
            r.Dispose();
            r = f();
        }
        Console.WriteLine($"{name,-34} {System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds / n,8:0.000} ms");
        return r;
    }
}
