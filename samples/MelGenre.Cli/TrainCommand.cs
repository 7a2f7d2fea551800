using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using MelGenre.Datasets;
using MelGenre.Training;
using Microsoft.ML;
using Spectre.Console;

namespace MelGenre.Cli;

internal static class TrainCommand
{
    public sealed record Options(string Out, string Model, int? Epochs, int? BatchSize, int? Frames, int Seed, int? Threads, int? Patience);

    public static int Run(Options o, CancellationToken cancel = default)
    {
        var ws = new Workspace(o.Out);
        var manifest = ws.Load();
        var dataset = manifest.ToDataset();
        var cache = manifest.OpenCache();
        var settings = manifest.Features.ToSettings();
        var ml = new MLContext(o.Seed);
        var genres = manifest.Genres;
        var train = cache.LoadDataView(ml, dataset.Get(DatasetSplit.Training), genres);
        var validationClips = dataset.Get(DatasetSplit.Validation);
        IDataView? validation = validationClips.Count > 0 ? cache.LoadDataView(ml, validationClips, genres) : null;
        // The original networks read 640 frames (29.7 s at hop 1024); shorter clips use all their frames.
        int? frames = o.Frames ?? (cache.Frames > 640 && settings.Mel.HopLength == 1024 ? 640 : null);
        AnsiConsole.MarkupLineInterpolated($"Training on {dataset.Get(DatasetSplit.Training).Count} clips, validating on {validationClips.Count}; {genres.Count} genres; input {cache.Mels} mels x {frames ?? cache.Frames} frames.");

        var names = o.Model == "both" ? ModelFiles.Names : new[] { o.Model };
        foreach (var name in names)
        {
            AnsiConsole.MarkupLineInterpolated($"[bold]{ModelFiles.Display(name)}[/]");
            var progress = new SyncProgress<EpochMetrics>(e => AnsiConsole.MarkupLineInterpolated(
                $"  epoch {e.Epoch,3}  loss {e.TrainLoss:0.000}  acc {e.TrainAccuracy:P1}  val loss {Fmt(e.ValidationLoss, "0.000")}  val acc {Pct(e.ValidationAccuracy)}  lr {e.LearningRate:0.######}  {e.Duration.TotalSeconds:0.0}s{(e.IsBest ? "  *" : "")}"));
            NetworkTrainerOptions options = name == "crnn" ? new CrnnTrainer.Options() : new ParallelCnnRnnTrainer.Options();
            if (o.Epochs is int ep) options.Epochs = ep;
            if (o.BatchSize is int bs) options.BatchSize = bs;
            options.FramesUsed = frames;
            options.Seed = o.Seed;
            options.Threads = o.Threads ?? Environment.ProcessorCount;
            options.EarlyStoppingPatience = o.Patience;
            options.Progress = progress;
            options.CancellationToken = cancel;
            options.LabelColumnName = "Label";
            options.FeatureColumnName = "Features";
            var watch = System.Diagnostics.Stopwatch.StartNew();
            GenreClassifierTransformer classifier = name == "crnn"
                ? ml.MulticlassClassification.Trainers.Crnn((CrnnTrainer.Options)options).Fit(train, validation)
                : ml.MulticlassClassification.Trainers.ParallelCnnRnn((ParallelCnnRnnTrainer.Options)options).Fit(train, validation);
            var h = classifier.History;
            var best = h.Epochs.FirstOrDefault(e => e.Epoch == h.SelectedEpoch);
            string path = ws.ModelPath(name);
            ModelFiles.Save(ml, settings, classifier, path);
            File.WriteAllText(Path.Combine(ws.Models, name + ".history.json"), JsonSerializer.Serialize(h, Workspace.Json));
            AnsiConsole.MarkupLineInterpolated($"  {h.ParameterCount:N0} parameters, {watch.Elapsed.TotalSeconds:0} s; kept epoch {h.SelectedEpoch} (validation accuracy {Pct(best?.ValidationAccuracy)}). Saved {path}");
        }
        AnsiConsole.MarkupLineInterpolated($"Next: melgenre evaluate --out {ws.Root}");
        return 0;
    }

    internal static string Pct(double? v) => v is double d ? d.ToString("P1", System.Globalization.CultureInfo.InvariantCulture) : "-";

    internal static string Fmt(double? v, string format) => v is double d ? d.ToString(format, System.Globalization.CultureInfo.InvariantCulture) : "-";
}
