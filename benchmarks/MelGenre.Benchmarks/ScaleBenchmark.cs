using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using MelGenre.Caching;
using MelGenre.Datasets;
using MelGenre.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace MelGenre.Benchmarks;

/// <summary>
/// Issue 11, item 4: peak RSS, time to first batch and per-clip train-step time, streaming from a float16 cache vs
/// today's in-memory loop, at a given number of cached clips. Not BenchmarkDotNet: one process per measurement, so
/// that the peak RSS (VmHWM) is that configuration's own.
/// <code>
/// dotnet run -c Release --project benchmarks/MelGenre.Benchmarks -- scale build &lt;dir&gt; &lt;clips&gt; &lt;frames&gt;
/// dotnet run -c Release --project benchmarks/MelGenre.Benchmarks -- scale run &lt;dir&gt; &lt;clips&gt; &lt;frames&gt; crnn|cnnrnn stream|memory &lt;batches&gt;
/// </code>
/// The cache holds real cache entries (format 2, float16, checksummed) of generated log-mels (8 genres, a genre band
/// plus noise); the sources are hard links of one small file, so each clip has its own key at no disk cost.
/// </summary>
internal static class ScaleBenchmark
{
    private const int Mels = 128;
    private static readonly string[] Genres = Enumerable.Range(0, 8).Select(g => "g" + g).ToArray();

    public static int Run(string[] args)
    {
        string dir = Path.GetFullPath(args[1]);
        int clips = int.Parse(args[2], CultureInfo.InvariantCulture);
        int frames = int.Parse(args[3], CultureInfo.InvariantCulture);
        var store = Store(dir, frames);
        var list = Clips(dir, clips);
        if (args[0] == "build")
        {
            var watch = Stopwatch.StartNew();
            var report = store.Build(list, new FeatureCacheBuildOptions());
            Console.WriteLine($"built {report.Computed} (reused {report.Reused}) in {watch.Elapsed.TotalSeconds:0.0} s");
            return 0;
        }
        string arch = args[4];
        bool stream = args[5] == "stream";
        int batches = int.Parse(args[6], CultureInfo.InvariantCulture);
        return Measure(store, list, frames, arch, stream, batches);
    }

    private static ClipStore Store(string dir, int frames)
        => new(Path.Combine(dir, "cache"), "scale-bench-" + frames, "generated log-mels", Mels, frames, FeaturePrecision.Half, path =>
        {
            int i = int.Parse(Path.GetFileNameWithoutExtension(path)[4..], CultureInfo.InvariantCulture);
            var rng = new Random(i);
            var values = new float[Mels * frames];
            int band = i % Genres.Length * (Mels / Genres.Length);
            for (int m = 0; m < Mels; m++)
            {
                float level = m >= band && m < band + (Mels / Genres.Length) ? -2f : -8f;
                for (int t = 0; t < frames; t++)
                    values[(m * frames) + t] = level + rng.NextSingle();
            }
            return values;
        });

    private static GenreClip[] Clips(string dir, int count)
    {
        string sources = Path.Combine(dir, "sources");
        Directory.CreateDirectory(sources);
        var clips = new GenreClip[count];
        for (int i = 0; i < count; i++)
        {
            // ext4 allows 65,000 links per file: one seed file per 50,000 clips.
            string seed = Path.Combine(sources, string.Create(CultureInfo.InvariantCulture, $"seed{i / 50000}.bin"));
            if (!File.Exists(seed))
                File.WriteAllBytes(seed, new byte[16]);
            string path = Path.Combine(sources, string.Create(CultureInfo.InvariantCulture, $"clip{i:D6}.wav"));
            if (!File.Exists(path) && link(seed, path) != 0)
                throw new IOException($"link {path} failed: errno {Marshal.GetLastPInvokeError()}");
            clips[i] = new GenreClip(path, Genres[i % Genres.Length], DatasetSplit.Training);
        }
        return clips;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int link(string oldpath, string newpath);

    private static int Measure(ClipStore store, GenreClip[] clips, int frames, string arch, bool stream, int batches)
    {
        torch.set_num_threads(2);
        var ml = new MLContext(1);
        var watch = Stopwatch.StartNew();
        var view = store.LoadDataView(ml, clips, Genres, new VectorDataViewType(NumberDataViewType.Single, Mels, frames), null);
        double viewSeconds = watch.Elapsed.TotalSeconds;
        long rssBefore = Rss("VmRSS");

        NetworkTrainerOptions options = arch == "crnn" ? new CrnnTrainer.Options() : new ParallelCnnRnnTrainer.Options();
        var spec = options.CreateSpec();
        var shape = new FeatureShape(Mels, frames, FeatureLayout.MelsByFrames, frames);
        torch.manual_seed(1);
        var network = spec.Build(frames, Mels, Genres.Length);
        using var optimizer = torch.optim.Adam(network.parameters(), lr: 1e-3, eps: 1e-7);
        network.train();

        watch.Restart();
        IBatchSource source = stream
            ? StreamingBatchSource.TryCreate(view, "Features", "Label", shape, options.ReadAheadExamples) ?? throw new InvalidOperationException("not a cache view")
            : ExampleSet.Read(view, "Features", "Label", shape, "bench");
        var order = Enumerable.Range(0, source.Count).ToArray();
        var rng = new Random(1);
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        using var reader = source.Start(order);
        double firstBatch = 0, readSeconds = 0;
        var steps = Stopwatch.StartNew();
        int batch = options.BatchSize;
        for (int b = 0; b < batches; b++)
        {
            using var scope = torch.NewDisposeScope();
            var labels = new long[batch];
            var r = Stopwatch.StartNew();
            using var cpu = torch.empty(new long[] { batch, Mels, frames }, ScalarType.Float32);
            reader.Read(MemoryMarshal.Cast<byte, float>(cpu.bytes), labels);
            readSeconds += r.Elapsed.TotalSeconds;
            if (b == 0)
            {
                firstBatch = watch.Elapsed.TotalSeconds;
                steps.Restart();
                readSeconds = 0;
            }
            var x = shape.ToNetworkInput(cpu);
            var y = torch.tensor(labels);
            optimizer.zero_grad();
            var logits = network.forward(x);
            var loss = nn.functional.cross_entropy(logits, y);
            var penalty = spec.Penalty(network);
            (penalty is null ? loss : loss + penalty).backward();
            optimizer.step();
        }
        double stepSeconds = steps.Elapsed.TotalSeconds;
        int timedClips = (batches - 1) * batch; // batch 1's step is timed with the first batch, not here
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT arch={arch} mode={(stream ? "stream" : "memory")} clips={clips.Length} frames={frames} batch={batch} batches={batches} " +
            $"view_s={viewSeconds:0.00} first_batch_s={firstBatch:0.00} ms_per_clip={stepSeconds * 1000 / timedClips:0.00} " +
            $"wait_ms_per_clip={readSeconds * 1000 / timedClips:0.000} rss_before_mb={rssBefore / 1024} peak_rss_mb={Rss("VmHWM") / 1024}"));
        return 0;
    }

    /// <summary>A /proc/self/status figure in KiB.</summary>
    private static long Rss(string field)
        => long.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}
