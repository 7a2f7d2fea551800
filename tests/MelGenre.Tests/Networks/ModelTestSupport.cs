using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace MelGenre.Tests.Networks;

internal static class ModelTestSupport
{
    public static long ParameterCount(nn.Module module) => module.parameters().Sum(p => p.numel());

    /// <summary>Every state entry (parameters and buffers) of two modules is bitwise equal.</summary>
    public static bool SameState(nn.Module a, nn.Module b)
    {
        var sa = a.state_dict();
        var sb = b.state_dict();
        if (!sa.Keys.SequenceEqual(sb.Keys)) return false;
        return sa.Keys.All(k => Identical(sa[k], sb[k]));
    }

    /// <summary>Same shape and bitwise-equal values.</summary>
    public static bool Identical(Tensor a, Tensor b) =>
        a.shape.SequenceEqual(b.shape) && a.allclose(b, rtol: 0, atol: 0);

    /// <summary>
    /// Synthetic classification data: one random [frames, mels] template per class plus Gaussian noise of
    /// <paramref name="noise"/> standard deviations; labels 0..classes-1, <paramref name="perClass"/> each.
    /// </summary>
    public static (Tensor X, Tensor Y) TemplateData(int classes, int perClass, int frames, int mels, double noise, long seed)
    {
        var generator = new Generator((ulong)seed);
        using var scope = torch.NewDisposeScope();
        var templates = torch.randn(new long[] { classes, frames, mels }, generator: generator);
        var y = torch.arange(classes, dtype: ScalarType.Int64).repeat_interleave(perClass);
        var x = templates.index_select(0, y) + noise * torch.randn(new long[] { classes * perClass, frames, mels }, generator: generator);
        return (x.MoveToOuterDisposeScope(), y.MoveToOuterDisposeScope());
    }

    /// <summary>Full-batch Adam on (x, y) until the eval-mode training accuracy is 1 or the epochs run out.
    /// Returns the final accuracy and the epochs used.</summary>
    public static (double Accuracy, int Epochs) FitUntilPerfect(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, double lr, int maxEpochs)
    {
        using var optimizer = torch.optim.Adam(model.parameters(), lr: lr);
        double accuracy = 0;
        for (int epoch = 1; epoch <= maxEpochs; epoch++)
        {
            model.train();
            using (torch.NewDisposeScope())
            {
                optimizer.zero_grad();
                var loss = nn.functional.cross_entropy(model.call(x), y);
                loss.backward();
                optimizer.step();
            }
            if (epoch % 5 != 0 && epoch != maxEpochs) continue;
            accuracy = Accuracy(model, x, y);
            if (accuracy == 1.0) return (accuracy, epoch);
        }
        return (accuracy, maxEpochs);
    }

    public static double Accuracy(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y)
    {
        model.eval();
        using var scope = torch.NewDisposeScope();
        using var inference = torch.inference_mode();
        return model.call(x).argmax(1).eq(y).to_type(ScalarType.Float32).mean().item<float>();
    }

    public static IEnumerable<string> Names(nn.Module module) => module.state_dict().Keys;
}
