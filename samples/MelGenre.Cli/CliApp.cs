using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using System.Threading;
using MelGenre.Datasets;
using Spectre.Console;

namespace MelGenre.Cli;

/// <summary>The command line: features, train, evaluate, predict, report, download, demo (the default).</summary>
public static class CliApp
{
    private const string DefaultOut = "melgenre-output";

    /// <summary>Runs the CLI; returns the exit code (0 ok, 1 failed check, 2 user error).</summary>
    public static int Run(string[] args)
    {
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
            Console.Error.WriteLine("\nStopping after the current step (a second Ctrl+C kills the process) ...");
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            var parsed = Build(cancel.Token).Parse(args);
            if (parsed.Errors.Count > 0)
                return InputChecks.ParseError(parsed);
            ApplyAudioBackend(parsed);
            return parsed.Invoke();
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    /// <summary>Name of the option that picks the audio backend (every command takes it).</summary>
    internal const string AudioBackendOptionName = "--audio-backend";

    /// <summary>
    /// --audio-backend auto|native|managed: sets MELGENRE_AUDIO_BACKEND for this process (so the flag beats an inherited
    /// variable, and everything that decodes, LoadAudio, the caches and prediction alike, sees the same choice), then
    /// says on stderr which backend decodes and why.
    /// </summary>
    internal static void ApplyAudioBackend(ParseResult parsed)
    {
        string? value = parsed.GetValue<string?>(AudioBackendOptionName);
        if (value is not null)
            Environment.SetEnvironmentVariable("MELGENRE_AUDIO_BACKEND", value);
        if (parsed.Errors.Count > 0 || parsed.CommandResult.Command.Name is "download" or "report" || parsed.Tokens.Any(t => t.Value is "--help" or "-h" or "-?"))
            return;
        try
        {
            Console.Error.WriteLine(MelGenre.Audio.AudioDecoder.DescribeBackend());
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
        }
    }

    internal static RootCommand Build(CancellationToken cancel)
    {
        var audioBackend = new Option<string?>(AudioBackendOptionName)
        {
            Description = "Who decodes and resamples audio: auto (native libsndfile + libsoxr when both load, else managed), native or managed. "
                + "Sets MELGENRE_AUDIO_BACKEND for this run. Models do not depend on it.",
            Recursive = true,
        };
        audioBackend.AcceptOnlyFromAmong("auto", "native", "managed");
        var outOption = new Option<string>("--out", "-o") { Description = "Working folder: features.json, cache/, models/, metrics/, report/.", DefaultValueFactory = _ => DefaultOut };
        var seed = new Option<int>("--seed") { Description = "Seed of splits, weight initialisation and shuffling.", DefaultValueFactory = _ => 1 };
        var threads = new Option<int?>("--threads") { Description = "Threads (default: all cores; at most 4 per core)." };
        threads.Validators.Add(InputChecks.ValidateThreads);
        var models = new Option<string[]>("--model", "-m") { Description = "Model zip(s) to use instead of those in <out>/models (evaluate, predict).", AllowMultipleArgumentsPerToken = true };

        // features
        var fma = new Option<string?>("--fma") { Description = "FMA: the extracted fma_metadata folder (or its tracks.csv); official split." };
        var audio = new Option<string?>("--audio") { Description = "FMA: the extracted audio folder, e.g. fma_small." };
        var subset = new Option<string>("--subset") { Description = "FMA subset.", DefaultValueFactory = _ => "small" };
        subset.AcceptOnlyFromAmong(FmaDataset.Subsets.ToArray());
        var folder = new Option<string?>("--folder") { Description = "Folder-per-genre dataset: <folder>/<genre>/**/*.mp3|wav|flac|ogg." };
        var csv = new Option<string?>("--csv") { Description = "CSV dataset with a header: path,genre[,split][,artist]." };
        var csvBase = new Option<string?>("--base") { Description = "Folder that relative CSV paths are resolved against (default: the CSV's folder)." };
        var cacheDir = new Option<string?>("--cache") { Description = "Feature cache folder (default <out>/cache); share it between working folders." };
        var duration = new Option<double>("--duration") { Description = "Clip length in seconds (padded/cut).", DefaultValueFactory = _ => 30 };
        var offset = new Option<double>("--offset") { Description = "Start of the clip in seconds.", DefaultValueFactory = _ => 0 };
        var hop = new Option<int>("--hop") { Description = "STFT hop length in samples (original: 1024).", DefaultValueFactory = _ => 1024 };
        var mels = new Option<int>("--mels") { Description = "Mel bands (1 to 1024).", DefaultValueFactory = _ => 128 };
        mels.Validators.Add(r => InputChecks.InRange(r, 1, 1024));
        var fft = new Option<int>("--fft") { Description = "FFT size (16 to 65536).", DefaultValueFactory = _ => 2048 };
        fft.Validators.Add(r => InputChecks.InRange(r, 16, 65536));
        var rate = new Option<int>("--sample-rate") { Description = "Resample to this rate (Hz).", DefaultValueFactory = _ => 22050 };
        var pad = new Option<string>("--pad") { Description = "STFT edge padding: reflect (librosa < 0.9, the original) or constant (librosa >= 0.9).", DefaultValueFactory = _ => "reflect" };
        pad.AcceptOnlyFromAmong("reflect", "constant");
        var validation = new Option<double>("--validation") { Description = "Share for validation when the data has no split (or no validation part).", DefaultValueFactory = _ => 0.1 };
        var test = new Option<double>("--test") { Description = "Share for test when the data has no split.", DefaultValueFactory = _ => 0.1 };
        var precision = new Option<string>("--precision") { Description = "Cache precision: half (float16, max error 0.008 in ln units) or single.", DefaultValueFactory = _ => "half" };
        precision.AcceptOnlyFromAmong("half", "single");
        var retry = new Option<bool>("--retry-failed") { Description = "Decode files again that failed in an earlier run." };
        var kind = new Option<string>("--kind") { Description = "Features to compute: mel (log-mel spectrograms, for the networks), fma (the 308-value FMA vector, 518 with --fma-cqt, for lightgbm/linear/rbf) or both. A kind left out is computed by train/evaluate when a model needs it.", DefaultValueFactory = _ => "both" };
        kind.AcceptOnlyFromAmong("mel", "fma", "both");
        var fmaRate = new Option<int>("--fma-sample-rate") { Description = "Sample rate of the FMA vector in Hz (FMA: the MP3s' native 44,100).", DefaultValueFactory = _ => 44100 };
        var fmaCqt = new Option<bool>("--fma-cqt") { Description = "FMA vector with the CQT features too (chroma_cens, chroma_cqt, tonnetz): FMA's full 518 values instead of 308; train and evaluate use it." };
        var shard = ShardOption.Create();
        var features = new Command("features", "Decode every clip, compute its log-mel features and/or FMA feature vector in parallel and cache them; writes <out>/features.json.")
        {
            fma, audio, subset, folder, csv, csvBase, outOption, cacheDir, duration, offset, hop, mels, fft, rate, pad, validation, test, seed, threads, precision, retry, kind, fmaRate, shard, fmaCqt,
        };
        features.SetAction(r => Guard(() => FeaturesCommand.Run(new FeaturesCommand.Options(
            new DatasetSource(r.GetValue(fma), r.GetValue(audio), r.GetValue(subset)!, r.GetValue(folder), r.GetValue(csv), r.GetValue(csvBase)),
            r.GetValue(outOption)!, r.GetValue(cacheDir),
            new FeatureOptions
            {
                SampleRate = r.GetValue(rate), OffsetSeconds = r.GetValue(offset), DurationSeconds = r.GetValue(duration),
                FftSize = r.GetValue(fft), HopLength = r.GetValue(hop), MelCount = r.GetValue(mels), PadMode = r.GetValue(pad)!,
            },
            r.GetValue(seed), r.GetValue(validation), r.GetValue(test), InputChecks.Threads(r.GetValue(threads)), r.GetValue(precision)!, r.GetValue(retry),
            r.GetValue(kind)!, new FmaOptions { SampleRate = r.GetValue(fmaRate), IncludeCqt = r.GetValue(fmaCqt) }, ShardOption.Parse(r.GetValue(shard))), cancel)));

        // train
        var model = new Option<string>("--model", "-m") { Description = $"Model(s) to train, comma-separated: {ModelFiles.Choices}.", DefaultValueFactory = _ => "both" };
        model.Validators.Add(result =>
        {
            try
            {
                ModelFiles.Resolve(result.GetValueOrDefault<string>() ?? "");
            }
            catch (CliException e)
            {
                result.AddError(e.Message);
            }
        });
        var iterations = new Option<int?>("--iterations") { Description = "LightGBM: most boosting rounds (default 500; stops after 50 rounds without a validation log-loss gain)." };
        iterations.Validators.Add(r => InputChecks.AtLeast(r, 1));
        var epochs = new Option<int?>("--epochs") { Description = "Epochs (default: the original 70 for the CRNN, 50 for the CNN-RNN)." };
        var batch = new Option<int?>("--batch-size") { Description = "Batch size (default: the original 32 / 64)." };
        var frames = new Option<int?>("--frames") { Description = "Frames the networks see (default: 640 at hop 1024, as the original; else all)." };
        var patience = new Option<int?>("--patience") { Description = "Stop after this many epochs without a validation gain (default: never)." };
        var resume = new Option<bool>("--resume") { Description = "Continue an interrupted run from its last finished epoch (<out>/checkpoints/<model>; same seed and options); gives the model an uninterrupted run would." };
        var train = new Command("train", "Train the networks (CRNN, parallel CNN-RNN) on the cached log-mels and/or ML.NET classical models (LightGBM, logistic regression) on the FMA vectors; saves <out>/models/<model>.zip.")
        {
            outOption, model, epochs, batch, frames, seed, threads, patience, iterations, resume,
        };
        train.SetAction(r => Guard(() => TrainCommand.Run(new TrainCommand.Options(r.GetValue(outOption)!, r.GetValue(model)!, r.GetValue(epochs),
            r.GetValue(batch), r.GetValue(frames), r.GetValue(seed), InputChecks.Threads(r.GetValue(threads)), r.GetValue(patience), r.GetValue(iterations), r.GetValue(resume)), cancel)));

        // evaluate
        var split = new Option<string>("--split") { Description = "Split to evaluate on.", DefaultValueFactory = _ => "test" };
        split.AcceptOnlyFromAmong("test", "validation", "training");
        var ensemble = new Option<string?>("--ensemble") { Description = "Models the ensemble averages, comma-separated (e.g. crnn,cnnrnn,lightgbm; default: every evaluated model; none: no ensemble)." };
        var evaluate = new Command("evaluate", "Top-1..5 accuracy, per-genre precision/recall/F1 and confusion (table + PNG) of each model and of their ensemble (mean probabilities).")
        {
            outOption, split, models, ensemble, threads,
        };
        evaluate.SetAction(r => Guard(() =>
        {
            EvaluateCommand.Run(new EvaluateCommand.Options(r.GetValue(outOption)!, r.GetValue(split)!, r.GetValue(models), r.GetValue(ensemble), InputChecks.Threads(r.GetValue(threads))), cancel);
            return 0;
        }));

        // predict
        var target = new Argument<string>("file-or-folder") { Description = "An audio file or a folder of them." };
        var windowHop = new Option<double?>("--hop") { Description = "Seconds between sliding windows (default: half the clip length)." };
        var top = new Option<int>("--top") { Description = "Genres to show per file.", DefaultValueFactory = _ => 3 };
        var maxWindows = new Option<int>("--max-windows") { Description = "At most this many windows per file, spread over it.", DefaultValueFactory = _ => 64 };
        var predict = new Command("predict", "Top genres of whole songs: sliding windows of the clip length, probabilities averaged over windows and models.")
        {
            target, outOption, models, windowHop, top, maxWindows,
        };
        predict.SetAction(r => Guard(() =>
        {
            var results = PredictCommand.Run(new PredictCommand.Options(r.GetValue(target)!, r.GetValue(outOption)!, r.GetValue(models), r.GetValue(windowHop), r.GetValue(top), r.GetValue(maxWindows)));
            return InputChecks.PredictExitCode(results);
        }));

        // report
        var pcaClips = new Option<int>("--pca-clips") { Description = "At most this many clips in the PCA scatter.", DefaultValueFactory = _ => 3000 };
        var report = new Command("report", "PNGs: training curves, a log-mel spectrogram per genre, a 2-D PCA scatter of clips by genre.")
        {
            outOption, pcaClips,
        };
        report.SetAction(r => Guard(() =>
        {
            ReportCommand.Run(new ReportCommand.Options(r.GetValue(outOption)!, r.GetValue(pcaClips)));
            return 0;
        }));

        // download
        var to = new Option<string>("--to") { Description = "Where to put the archives and the extracted data.", DefaultValueFactory = _ => "fma" };
        var baseUrl = new Option<string>("--base-url") { Description = "Where the archives are published.", DefaultValueFactory = _ => FmaDownloader.DefaultBaseUrl };
        var metadataOnly = new Option<bool>("--metadata-only") { Description = "Only fma_metadata.zip (342 MiB), not fma_small.zip (7.2 GiB)." };
        var download = new Command("download", "Download fma_metadata.zip and fma_small.zip (SHA-1 checked, resumable) and extract them.")
        {
            to, baseUrl, metadataOnly,
        };
        download.SetAction(r => Guard(() => DownloadCommand.Run(r.GetValue(to)!, r.GetValue(baseUrl)!, r.GetValue(metadataOnly), cancel)));

        // demo
        var demoOut = new Option<string>("--out", "-o") { Description = "Working folder of the demo.", DefaultValueFactory = _ => Path.Combine(DefaultOut, "demo") };
        var demoEpochs = new Option<int>("--epochs") { Description = "Epochs per network.", DefaultValueFactory = _ => 20 };
        var demoClips = new Option<int>("--clips") { Description = "Clips per synthetic genre.", DefaultValueFactory = _ => 8 };
        var demo = new Command("demo", "The built-in demo on synthetic audio (what `melgenre` with no arguments runs).") { demoOut, demoEpochs, demoClips, seed };
        demo.SetAction(r => Guard(() => DemoCommand.Run(new DemoCommand.Options(r.GetValue(demoOut)!, r.GetValue(demoEpochs), r.GetValue(demoClips), r.GetValue(seed)))));

        var root = new RootCommand("MelGenre: music-genre classification with ML.NET + TorchSharp. Reproduces the FMA-small CRNN and parallel CNN-RNN "
            + "and the FMA paper's classical baselines (LightGBM, logistic regression on FMA features), or trains on your own music. With no command, runs the built-in demo.")
        {
            features, train, evaluate, predict, report, download, demo, audioBackend,
        };
        root.SetAction(_ => Guard(() => DemoCommand.Run(new DemoCommand.Options(Path.Combine(DefaultOut, "demo"), 20, 8, 1))));
        return root;
    }

    /// <summary>Turns the errors a user can fix into one clear line and exit code 2.</summary>
    private static int Guard(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is CliException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException
            or IOException or UnauthorizedAccessException or ArgumentException)
        {
            Console.Error.WriteLine($"error: {e.Message.ReplaceLineEndings(" ")}");
            return 2;
        }
        catch (AggregateException e) when (InputChecks.UserErrorInside(e) is Exception inner)
        {
            // Parallel work (the feature cache build) wraps e.g. a full disk in an AggregateException.
            Console.Error.WriteLine($"error: {inner.Message.ReplaceLineEndings(" ")}");
            return 2;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("Cancelled. Finished work is kept: run the same command again to continue.");
            return 130;
        }
    }
}

internal static class DownloadCommand
{
    public static int Run(string to, string baseUrl, bool metadataOnly, CancellationToken cancel)
    {
        string root = Path.GetFullPath(to);
        var progress = new ProgressLine("download");
        var downloader = new FmaDownloader(baseUrl)
        {
            Progress = new SyncProgress<DownloadProgress>(p => Console.Error.Write(
                $"\r  {p.Phase} {p.FileName}: {p.Bytes / 1048576.0:N0} MiB{(p.TotalBytes is long t ? $" of {t / 1048576.0:N0} MiB" : "")}{(p.BytesPerSecond > 0 ? $"  {p.BytesPerSecond / 1048576.0:0.0} MiB/s" : "")}     ")),
        };
        var archives = metadataOnly ? new[] { FmaArchive.Metadata } : new[] { FmaArchive.Metadata, FmaArchive.Small };
        foreach (var a in archives)
        {
            AnsiConsole.MarkupLineInterpolated($"{a.FileName} (~{a.ApproximateBytes / 1048576.0:N0} MiB, SHA-1 {a.Sha1}) from {baseUrl}");
            string zip = downloader.DownloadAsync(a, root, cancel).GetAwaiter().GetResult();
            Console.Error.WriteLine();
            int n = FmaDownloader.ExtractSafely(zip, root, downloader.Progress, cancel);
            Console.Error.WriteLine();
            AnsiConsole.MarkupLineInterpolated($"  verified and extracted ({n} files written) into {root}");
        }
        progress.Dispose();
        AnsiConsole.MarkupLineInterpolated($"Next: melgenre features --fma {Path.Combine(root, "fma_metadata")} --audio {Path.Combine(root, "fma_small")} --out <work folder>");
        return 0;
    }
}
