using System;
using System.Linq;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using MelGenre.BenchmarkSupport;
using MelGenre.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace MelGenre.Benchmarks;

/// <summary>
/// The networks' jobs run in process (BenchmarkDotNet's in-process toolchain): the host's build output already has
/// the patched libLibTorchSharp.so and libtorch, so no ~500 MB copy is built per benchmark. Few iterations: one
/// parallel CNN-RNN train step takes about a second.
/// </summary>
public sealed class TorchConfig : ManualConfig
{
    public TorchConfig()
    {
        AddJob(Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithWarmupCount(3)
            .WithIterationCount(10)
            .WithId("InProcess"));
    }
}

/// <summary>
/// One training step of the original networks, batch 32 x 640 x 128 (the real test clip's features, 32 times), as
/// MelGenre's training loop does it: zero_grad, forward in training mode, cross-entropy (+ the CRNN's L2 penalty),
/// backward, Adam (lr 1e-3, eps 1e-7), loss and accuracy read back. Intra-op threads: <see cref="Threads"/>.
/// </summary>
[Config(typeof(TorchConfig))]
[MemoryDiagnoser]
public class TrainStepBenchmarks
{
    private nn.Module<Tensor, Tensor> _net = null!;
    private optim.Optimizer _optimizer = null!;
    private Tensor _x = null!;
    private Tensor _y = null!;

    [Params("crnn", "pcrnn")]
    public string Network { get; set; } = "crnn";

    [Params(1, 2)]
    public int Threads { get; set; } = 1;

    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(Threads);
        _net = NetworkInputs.Build(Network);
        _net.train();
        _optimizer = torch.optim.Adam(_net.parameters(), lr: 1e-3, eps: 1e-7);
        _x = NetworkInputs.Batch(32);
        _y = torch.tensor(Enumerable.Range(0, 32).Select(i => (long)(i % 8)).ToArray());
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _x.Dispose();
        _y.Dispose();
        _optimizer.Dispose();
        _net.Dispose();
    }

    [Benchmark(Description = "train step, batch 32")]
    public float TrainStep()
    {
        using var scope = torch.NewDisposeScope();
        _optimizer.zero_grad();
        var logits = _net.forward(_x);
        var ce = nn.functional.cross_entropy(logits, _y);
        var loss = _net is Crnn crnn ? ce + crnn.L2Penalty() : ce;
        loss.backward();
        _optimizer.step();
        _ = logits.argmax(1).eq(_y).sum().item<long>();
        return ce.item<float>();
    }
}

/// <summary>
/// Inference of one 30-s clip in evaluation mode: from its features ([1, 640, 128] tensor, forward, softmax, arg-max)
/// and from the MP3 (decode + resample + features + the same), the real FMA test clip.
/// </summary>
[Config(typeof(TorchConfig))]
[MemoryDiagnoser]
public class InferenceBenchmarks
{
    private nn.Module<Tensor, Tensor> _net = null!;
    private float[] _features = Array.Empty<float>();
    private NetworkFeatures _extractor = null!;
    private string _mp3 = "";

    [Params("crnn", "pcrnn")]
    public string Network { get; set; } = "crnn";

    [Params(1, 2)]
    public int Threads { get; set; } = 1;

    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(Threads);
        _net = NetworkInputs.Build(Network);
        _net.eval();
        _mp3 = RepoPaths.TestClip;
        _extractor = new NetworkFeatures();
        _features = _extractor.FromFile(_mp3);
    }

    [GlobalCleanup]
    public void Cleanup() => _net.Dispose();

    private int Predict(float[] features)
    {
        using var mode = torch.inference_mode();
        using var scope = torch.NewDisposeScope();
        var x = torch.empty(new long[] { 1, NetworkFeatures.Frames, NetworkFeatures.Mels }, ScalarType.Float32);
        features.CopyTo(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(x.bytes)); // as GenreClassifierTransformer.Score
        return (int)nn.functional.softmax(_net.forward(x), 1).argmax(1).item<long>();
    }

    [Benchmark(Description = "inference from features")]
    public int FromFeatures() => Predict(_features);

    [Benchmark(Description = "inference from the MP3 (decode + features + network)")]
    public int FromMp3() => Predict(_extractor.FromFile(_mp3));
}

internal static class NetworkInputs
{
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

    /// <summary>The test clip's network features, <paramref name="n"/> times: [n, 640, 128].</summary>
    public static Tensor Batch(int n)
    {
        float[] one = new NetworkFeatures().FromFile(RepoPaths.TestClip);
        var buffer = new float[n * one.Length];
        for (int i = 0; i < n; i++)
            one.CopyTo(buffer, i * one.Length);
        return torch.tensor(buffer, new long[] { n, NetworkFeatures.Frames, NetworkFeatures.Mels });
    }
}
