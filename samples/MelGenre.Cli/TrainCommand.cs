using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using MelGenre.Datasets;
using MelGenre.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.LightGbm;
using Spectre.Console;

namespace MelGenre.Cli;

internal static class TrainCommand
{
    // Model: names and groups (ModelFiles.Choices). Iterations: LightGBM's most boosting rounds (default 500, stopped early
    // on the validation log-loss).
    public sealed record Options(string Out, string Model, int? Epochs, int? BatchSize, int? Frames, int Seed, int? Threads, int? Patience, int? Iterations = null, bool Resume = false);

    public static int Run(Options o, CancellationToken cancel = default)
    {
        var names = ModelFiles.Resolve(o.Model);
        var ws = new Workspace(o.Out);
        var manifest = ws.Load();
        InputChecks.RequireWritable(ws.Models); // before hours of training, not after
        var dataset = manifest.ToDataset();
        var ml = new MLContext(o.Seed);
        var genres = manifest.Genres;
        var trainClips = dataset.Get(DatasetSplit.Training);
        var validationClips = dataset.Get(DatasetSplit.Validation);
        // Features a model needs and `features` did not compute (e.g. --kind mel) are computed now.
        var usable = FeatureViews.Ensure(manifest, trainClips.Concat(validationClips).ToList(), names.Select(ModelFiles.KindOf), o.Threads, cancel).Select(c => c.Path).ToHashSet();
        (trainClips, validationClips) = (trainClips.Where(c => usable.Contains(c.Path)).ToList(), validationClips.Where(c => usable.Contains(c.Path)).ToList());

        foreach (var name in names)
        {
            AnsiConsole.MarkupLineInterpolated($"[bold]{ModelFiles.Display(name)}[/]");
            if (ModelFiles.KindOf(name) == FeatureKind.Mel)
                TrainNetwork(o, ws, manifest, ml, name, trainClips, validationClips, cancel);
            else
                TrainClassical(o, ws, manifest, ml, name, trainClips, validationClips);
        }
        AnsiConsole.MarkupLineInterpolated($"Next: melgenre evaluate --out {ws.Root}");
        return 0;
    }

    private static void TrainNetwork(Options o, Workspace ws, FeatureManifest manifest, MLContext ml, string name,
        IReadOnlyList<GenreClip> trainClips, IReadOnlyList<GenreClip> validationClips, CancellationToken cancel)
    {
        var cache = manifest.OpenCache();
        var settings = cache.Settings;
        var train = cache.LoadDataView(ml, trainClips, manifest.Genres);
        IDataView? validation = validationClips.Count > 0 ? cache.LoadDataView(ml, validationClips, manifest.Genres) : null;
        // The original networks read 640 frames (29.7 s at hop 1024); shorter clips use all their frames.
        int? frames = o.Frames ?? (cache.Frames > 640 && settings.Mel.HopLength == 1024 ? 640 : null);
        AnsiConsole.MarkupLineInterpolated($"  {trainClips.Count} training clips, {validationClips.Count} validation; {manifest.Genres.Count} genres; input {cache.Mels} mels x {frames ?? cache.Frames} frames.");
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
        // A checkpoint after every epoch, so an interrupted run continues with --resume (same model as uninterrupted).
        options.CheckpointDirectory = Path.Combine(ws.Root, "checkpoints", name);
        options.Resume = o.Resume;
        options.LabelColumnName = "Label";
        options.FeatureColumnName = "Features";
        var watch = Stopwatch.StartNew();
        GenreClassifierTransformer classifier = name == "crnn"
            ? ml.MulticlassClassification.Trainers.Crnn((CrnnTrainer.Options)options).Fit(train, validation)
            : ml.MulticlassClassification.Trainers.ParallelCnnRnn((ParallelCnnRnnTrainer.Options)options).Fit(train, validation);
        var h = classifier.History;
        var best = h.Epochs.FirstOrDefault(e => e.Epoch == h.SelectedEpoch);
        string path = ws.ModelPath(name);
        ModelFiles.SaveNetwork(ml, settings, classifier, path);
        SplitStamp.Write(path, SplitStamp.Of(manifest));
        File.WriteAllText(Path.Combine(ws.Models, name + ".history.json"), JsonSerializer.Serialize(h, Workspace.Json));
        AnsiConsole.MarkupLineInterpolated($"  {h.ParameterCount:N0} parameters, {watch.Elapsed.TotalSeconds:0} s; kept epoch {h.SelectedEpoch} (validation accuracy {Pct(best?.ValidationAccuracy)}). Saved {path}");
    }

    /// <summary>
    /// A classical model on the cached FMA vectors: LightGBM (trees need no scaling; with 100 or more validation clips,
    /// boosting stops when the validation log-loss has not improved for 50 rounds) or multinomial logistic regression by L-BFGS (ML.NET's
    /// LbfgsMaximumEntropy) after NormalizeMeanVariance, which it needs (the 308 values range from 1e-3 to 1e4).
    /// </summary>
    private const int MinimumValidationForEarlyStopping = 100;

    private static void TrainClassical(Options o, Workspace ws, FeatureManifest manifest, MLContext ml, string name,
        IReadOnlyList<GenreClip> trainClips, IReadOnlyList<GenreClip> validationClips)
    {
        var cache = manifest.OpenFmaCache();
        // The vectors are small (1.2 KB per clip): keep them in memory for the trainer's passes.
        var train = ml.Data.Cache(cache.LoadDataView(ml, trainClips, manifest.Genres));
        IDataView? validation = validationClips.Count > 0 ? ml.Data.Cache(cache.LoadDataView(ml, validationClips, manifest.Genres)) : null;
        int trainCount = train.GetColumn<uint>("Label").Count(); // clips with a cached vector (LoadFromEnumerable views have no row count)
        int validationCount = validation?.GetColumn<uint>("Label").Count() ?? 0;
        AnsiConsole.MarkupLineInterpolated($"  {trainCount} training clips, {validationCount} validation; {manifest.Genres.Count} genres; input the {cache.Settings.FeatureType.Size}-value FMA vector at {cache.Settings.Excerpt.SampleRate} Hz.");
        int threads = o.Threads ?? Environment.ProcessorCount;
        var fitted = new List<ITransformer>();
        var watch = Stopwatch.StartNew();
        string detail;
        if (name == "lightgbm")
        {
            var options = new LightGbmMulticlassTrainer.Options
            {
                NumberOfIterations = o.Iterations ?? 500,
                LearningRate = 0.05,
                NumberOfLeaves = 31,
                // LightGBM's default of 20 clips per leaf leaves tiny datasets (the demo, the 62-clip sample) without a split.
                MinimumExampleCountPerLeaf = Math.Clamp(trainCount / (4 * manifest.Genres.Count), 2, 20),
                UseSoftmax = true,
                EvaluationMetric = LightGbmMulticlassTrainer.Options.EvaluateMetricType.LogLoss,
                // Early stopping on the validation log-loss needs a validation set that measures it (FMA-small: 800
                // clips); on a handful of clips it would stop at round 1 by chance.
                EarlyStoppingRound = validationCount >= MinimumValidationForEarlyStopping ? 50 : 0,
                NumberOfThreads = threads,
                Seed = o.Seed,
                Silent = true,
            };
            var model = options.EarlyStoppingRound > 0
                ? ml.MulticlassClassification.Trainers.LightGbm(options).Fit(train, validation)
                : ml.MulticlassClassification.Trainers.LightGbm(options).Fit(train);
            fitted.Add(model);
            detail = $"{(options.EarlyStoppingRound > 0 ? "at most " : "")}{options.NumberOfIterations} rounds "
                + (options.EarlyStoppingRound > 0 ? "(stopped after 50 without a validation log-loss gain)" : $"(no early stopping: fewer than {MinimumValidationForEarlyStopping} validation clips)")
                + $", learning rate {options.LearningRate}, {options.NumberOfLeaves} leaves, >= {options.MinimumExampleCountPerLeaf} clips per leaf";
        }
        else if (name == "rbf")
        {
            var options = new RbfKernelOptions { Seed = o.Seed, Threads = threads };
            var fit = RbfKernelClassifier.Fit(ml, train, validation, options);
            fitted.AddRange(fit.Transformers);
            detail = RbfKernelClassifier.Describe(fit, options);
        }
        else
        {
            var normalizer = ml.Transforms.NormalizeMeanVariance("Features").Fit(train);
            fitted.Add(normalizer);
            var options = new LbfgsMaximumEntropyMulticlassTrainer.Options { L2Regularization = 1f, L1Regularization = 0f, NumberOfThreads = threads };
            fitted.Add(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(options).Fit(normalizer.Transform(train)));
            detail = $"NormalizeMeanVariance, L2 {options.L2Regularization}";
        }
        ITransformer chain = new TransformerChain<ITransformer>(fitted.ToArray());
        double trainAcc = ml.MulticlassClassification.Evaluate(chain.Transform(train)).MicroAccuracy;
        double? validationAcc = validation is null ? null : ml.MulticlassClassification.Evaluate(chain.Transform(validation)).MicroAccuracy;
        string path = ws.ModelPath(name);
        ModelFiles.SaveClassical(ml, cache.Settings, fitted, path);
        SplitStamp.Write(path, SplitStamp.Of(manifest));
        AnsiConsole.MarkupLineInterpolated($"  {detail}; {watch.Elapsed.TotalSeconds:0.0} s; training accuracy {Pct(trainAcc)}, validation accuracy {Pct(validationAcc)}. Saved {path}");
    }

    internal static string Pct(double? v) => v is double d ? d.ToString("P1", System.Globalization.CultureInfo.InvariantCulture) : "-";

    internal static string Fmt(double? v, string format) => v is double d ? d.ToString(format, System.Globalization.CultureInfo.InvariantCulture) : "-";
}
