using System;
using System.Collections.Generic;
using System.Linq;
using MelGenre.BenchmarkSupport;
using MelGenre.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace MelGenre.SideBySide;

/// <summary>Sections (c) train step and (d) inference of the two networks, TorchSharp on the CPU.</summary>
internal static class Networks
{
    public const int BatchSize = 32;
    public const int EpochClips = 6400;

    public static nn.Module<Tensor, Tensor> Build(string name)
    {
        torch.manual_seed(1);
        return name switch
        {
            "crnn" => new Crnn(),
            "pcrnn" => new ParallelCnnRnn(),
            _ => throw new ArgumentException($"unknown network '{name}'"),
        };
    }

    public static long ParameterCount(nn.Module<Tensor, Tensor> net) => net.parameters().Sum(p => p.numel());

    /// <summary>[n, 640, 128] float32 tensor of clips start .. start + n - 1 (wrapping around).</summary>
    public static Tensor Batch(Inputs inputs, int start, int n)
    {
        var buffer = new float[n * NetworkFeatures.Size];
        for (int i = 0; i < n; i++)
            inputs.Features[(start + i) % inputs.Features.Length].CopyTo(buffer, i * NetworkFeatures.Size);
        return torch.tensor(buffer, new long[] { n, NetworkFeatures.Frames, NetworkFeatures.Mels });
    }

    /// <summary>
    /// (c) One training step as MelGenre's TrainingLoop does it, batch 32 x 640 x 128 of real FMA features: zero_grad,
    /// forward (training mode: dropout, batch statistics), cross-entropy (+ the CRNN's L2 penalty 1e-3 on the conv
    /// and dense kernels), backward, Adam (lr 1e-3, eps 1e-7), loss and accuracy read back. The batch tensor is
    /// built once (batch assembly is not part of the step).
    /// </summary>
    public static void Train(Inputs inputs, Report report, int reps, int[] threadCounts, string[] models)
    {
        foreach (string name in models)
        {
            using var net = Build(name);
            report.Add(new Result($"params_{name}", ParameterCount(net), "parameters"));
        }

        foreach (int threads in threadCounts)
        {
            torch.set_num_threads(threads);
            foreach (string name in models)
            {
                using var net = Build(name);
                net.train();
                using var optimizer = torch.optim.Adam(net.parameters(), lr: 1e-3, eps: 1e-7);
                using var x = Batch(inputs, 0, BatchSize);
                using var y = torch.tensor(Enumerable.Range(0, BatchSize).Select(i => (long)(i % 8)).ToArray());
                var crnn = net as Crnn;
                var samples = Measure.Times(3, reps, () =>
                {
                    using var scope = torch.NewDisposeScope();
                    optimizer.zero_grad();
                    var logits = net.forward(x);
                    var ce = nn.functional.cross_entropy(logits, y);
                    var loss = crnn is null ? ce : ce + crnn.L2Penalty();
                    loss.backward();
                    optimizer.step();
                    _ = ce.item<float>();
                    _ = logits.argmax(1).eq(y).sum().item<long>();
                });
                double median = Measure.Median(samples);
                report.Add(new Result($"train_{name}_t{threads}", median, "ms") { Threads = threads, Samples = samples });
                if (name == "crnn")
                {
                    int steps = (EpochClips + BatchSize - 1) / BatchSize;
                    report.Add(new Result($"epoch_estimate_crnn_t{threads}", median * steps / 1000.0, "s")
                    {
                        Threads = threads,
                        Note = $"{steps} steps x median step",
                    });
                }
            }
        }
    }

    /// <summary>
    /// (d) Inference of one clip, evaluation mode under inference_mode: from its features (a [1, 640, 128] tensor
    /// built from the float array, forward, softmax, arg-max), and from its MP3 (decode + resample + features + the same).
    /// Clips cycle through the 62 FMA clips.
    /// </summary>
    public static void Infer(Inputs inputs, Report report, int reps, int[] threadCounts, string[] models)
    {
        var features = new NetworkFeatures();
        foreach (int threads in threadCounts)
        {
            torch.set_num_threads(threads);
            foreach (string name in models)
            {
                using var net = Build(name);
                net.eval();
                int next = 0;
                int Predict(float[] clip)
                {
                    using var mode = torch.inference_mode();
                    using var scope = torch.NewDisposeScope();
                    // As GenreClassifierTransformer.Score does: copy into the tensor's memory (torch.tensor(float[]) clones;
                    // the Python side's torch.from_numpy does not copy at all).
                    var x = torch.empty(new long[] { 1, NetworkFeatures.Frames, NetworkFeatures.Mels }, ScalarType.Float32);
                    clip.CopyTo(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(x.bytes));
                    var probabilities = nn.functional.softmax(net.forward(x), 1);
                    return (int)probabilities.argmax(1).item<long>();
                }

                var fromFeatures = Measure.Times(5, reps, () => Predict(inputs.Features[next++ % inputs.Features.Length]));
                report.Add(new Result($"infer_features_{name}_t{threads}", Measure.Median(fromFeatures), "ms") { Threads = threads, Samples = fromFeatures });

                next = 0;
                var fromMp3 = Measure.Times(3, reps, () => Predict(features.FromFile(inputs.Mp3s[next++ % inputs.Mp3s.Length])));
                report.Add(new Result($"infer_mp3_{name}_t{threads}", Measure.Median(fromMp3), "ms") { Threads = threads, Samples = fromMp3 });
            }
        }
    }
}
