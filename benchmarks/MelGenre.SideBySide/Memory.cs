using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using MelGenre.BenchmarkSupport;
using MelGenre.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;

namespace MelGenre.SideBySide;

/// <summary>
/// (e) Peak memory, each measured in a dedicated process (<c>memory --kind ...</c>): the peak resident set size
/// (VmHWM of /proc/self/status, the same figure as <c>/usr/bin/time -v</c>'s "Maximum resident set size") at the
/// end of the work, and the resident size before the work started (runtime and libraries loaded) for reference.
/// </summary>
internal static class Memory
{
    /// <summary>Network features of every FMA sample clip (decode + resample + features, 2 workers), all kept in memory.</summary>
    public static void Features(Inputs inputs, Report report, int workers)
    {
        var (before, _) = Measure.ResidentMiB();
        var results = new float[inputs.Mp3s.Length][];
        var perWorker = new ThreadLocal<NetworkFeatures>(() => new NetworkFeatures());
        long start = Stopwatch.GetTimestamp();
        Parallel.For(0, inputs.Mp3s.Length, new ParallelOptions { MaxDegreeOfParallelism = workers },
            i => results[i] = perWorker.Value!.FromFile(inputs.Mp3s[i]));
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var (_, peak) = Measure.ResidentMiB();
        GC.KeepAlive(results);
        report.Add(new Result("mem_features_peak", peak, "MiB")
        {
            Threads = workers,
            Extra = new Dictionary<string, double> { ["baseline_mib"] = before, ["seconds"] = seconds, ["clips"] = inputs.Mp3s.Length },
        });
    }

    private sealed class Row
    {
        public string Genre { get; set; } = "";

        [VectorType(NetworkFeatures.Frames, NetworkFeatures.Mels)]
        public float[] Features { get; set; } = Array.Empty<float>();
    }

    private sealed class KeyRow
    {
        public string Genre { get; set; } = "";
    }

    /// <summary>
    /// One CRNN training epoch through the public ML.NET trainer (<c>Trainers.Crnn</c>, batch 32, the original
    /// settings) on <paramref name="clips"/> examples: the 62 real clips' features repeated, 8 labels in turn.
    /// The IDataView rows share the 62 arrays; the trainer reads them into its own dense copy, as it always does.
    /// </summary>
    public static void Epoch(Inputs inputs, Report report, int clips, int threads)
    {
        torch.set_num_threads(threads);
        var (seconds, fitSeconds, before, peak) = TrainEpoch(inputs, "crnn", clips, threads);
        report.Add(new Result("mem_epoch_peak", peak, "MiB")
        {
            Threads = threads,
            Extra = new Dictionary<string, double>
            {
                ["baseline_mib"] = before,
                ["clips"] = clips,
                ["epoch_seconds"] = seconds,
                ["fit_seconds"] = fitSeconds,
            },
        });
        report.Add(new Result($"epoch_measured_crnn_t{threads}", seconds, "s")
        {
            Threads = threads,
            Note = $"one epoch of {clips} clips through the ML.NET trainer (batch assembly included; Fit {fitSeconds:0.0} s with data loading)",
        });
    }

    /// <summary>
    /// One training epoch of <paramref name="model"/> (crnn or pcrnn) through its public ML.NET trainer; threads null =
    /// the trainer's default. Returns the epoch's duration, Fit's, and the resident MiB before and at the peak.
    /// </summary>
    public static (double Seconds, double FitSeconds, double BeforeMiB, double PeakMiB) TrainEpoch(Inputs inputs, string model, int clips, int? threads)
    {
        using (var warm = torch.zeros(1)) { } // load libtorch before the baseline
        var (before, _) = Measure.ResidentMiB();
        string[] genres = { "Electronic", "Experimental", "Folk", "Hip-Hop", "Instrumental", "International", "Pop", "Rock" };
        var ml = new MLContext(seed: 1);
        var rows = Enumerable.Range(0, clips).Select(i => new Row { Genre = genres[i % genres.Length], Features = inputs.Features[i % inputs.Features.Length] });
        var data = ml.Data.LoadFromEnumerable(rows);
        var keys = ml.Data.LoadFromEnumerable(genres.Select(g => new KeyRow { Genre = g }));
        data = ml.Transforms.Conversion.MapValueToKey("Label", "Genre", keyData: keys).Fit(data).Transform(data);

        var epochs = new List<EpochMetrics>();
        IEstimator<ITransformer> trainer = model switch
        {
            "crnn" => ml.MulticlassClassification.Trainers.Crnn(new CrnnTrainer.Options
            {
                Epochs = 1,
                BatchSize = Networks.BatchSize,
                Layout = FeatureLayout.FramesByMels,
                Threads = threads,
                Seed = 1,
                Progress = new SyncProgress(epochs.Add),
            }),
            "pcrnn" => ml.MulticlassClassification.Trainers.ParallelCnnRnn(new ParallelCnnRnnTrainer.Options
            {
                Epochs = 1,
                BatchSize = Networks.BatchSize,
                Layout = FeatureLayout.FramesByMels,
                Threads = threads,
                Seed = 1,
                Progress = new SyncProgress(epochs.Add),
            }),
            _ => throw new ArgumentException($"unknown network '{model}' (crnn, pcrnn)"),
        };
        long start = Stopwatch.GetTimestamp();
        _ = trainer.Fit(data);
        double fitSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var (_, peak) = Measure.ResidentMiB();
        return (epochs.Single().Duration.TotalSeconds, fitSeconds, before, peak);
    }

    private sealed class SyncProgress(Action<EpochMetrics> action) : IProgress<EpochMetrics>
    {
        public void Report(EpochMetrics value) => action(value);
    }
}
