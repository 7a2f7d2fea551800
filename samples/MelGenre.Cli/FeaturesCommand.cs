using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using MelGenre.Caching;
using MelGenre.Datasets;
using MelGenre.Dsp;
using Spectre.Console;

namespace MelGenre.Cli;

/// <summary>Where the clips come from: exactly one of FMA metadata + audio, a folder per genre, or a CSV.</summary>
internal sealed record DatasetSource(string? FmaMetadata, string? FmaAudio, string FmaSubset, string? Folder, string? Csv, string? CsvBase)
{
    public GenreDataset Load()
    {
        int given = (FmaMetadata is not null ? 1 : 0) + (Folder is not null ? 1 : 0) + (Csv is not null ? 1 : 0);
        if (given != 1)
            throw new CliException("Give exactly one dataset: --fma <fma_metadata> --audio <fma_small>, --folder <root with one folder per genre>, or --csv <file>.");
        if (FmaMetadata is not null)
        {
            if (FmaAudio is null)
                throw new CliException("--fma needs --audio <the extracted fma_small folder>.");
            return FmaDataset.Load(FmaMetadata, FmaAudio, FmaSubset);
        }
        if (FmaAudio is not null)
            throw new CliException("--audio goes with --fma.");
        return Folder is not null ? FolderDataset.Load(Folder) : CsvDataset.Load(Csv!, CsvBase);
    }

    /// <summary>The folder clip paths are relative to, for `--shard` (DatasetShard.KeyOf): FMA's audio folder, the genre-folder root, or the CSV base.</summary>
    public string Root => Path.GetFullPath(FmaAudio ?? Folder ?? CsvBase ?? Path.GetDirectoryName(Path.GetFullPath(Csv!))!);
}

internal static class FeaturesCommand
{
    public sealed record Options(DatasetSource Source, string Out, string? Cache, FeatureOptions Features, int Seed,
        double ValidationFraction, double TestFraction, int? Threads, string Precision, bool RetryFailed, string Kind = "both", FmaOptions? Fma = null,
        DatasetShard? Shard = null);

    /// <summary>
    /// mel: the log-mel spectrograms the networks read; fma: the 308-value FMA vector the classical models read; both
    /// (default). A kind left out here is computed by `train`/`evaluate` when a model needs it.
    /// </summary>
    public static List<FeatureKind> ParseKinds(string kind) => kind switch
    {
        "mel" => new() { FeatureKind.Mel },
        "fma" => new() { FeatureKind.Fma },
        "both" => new() { FeatureKind.Mel, FeatureKind.Fma },
        _ => throw new CliException($"Unknown feature kind '{kind}': use mel, fma or both."),
    };

    public static int Run(Options o, CancellationToken cancel = default)
    {
        var ws = new Workspace(o.Out);
        var settings = o.Features.ToSettings();
        var dataset = o.Source.Load();
        foreach (var warning in dataset.Warnings)
            InputChecks.Warn(warning);
        AnsiConsole.MarkupLineInterpolated($"[bold]Dataset:[/] {dataset.Source}");
        if (!dataset.HasSplit)
        {
            dataset = dataset.WithStratifiedSplit(o.Seed, o.ValidationFraction, o.TestFraction);
            bool artists = dataset.Clips.All(c => c.Artist is not null);
            AnsiConsole.MarkupLineInterpolated($"No split in the data: made a stratified{(artists ? ", artist-disjoint" : "")} split with seed {o.Seed} (validation {o.ValidationFraction:P0}, test {o.TestFraction:P0}).");
        }
        else if (!dataset.Clips.Any(c => c.Split == DatasetSplit.Validation))
        {
            dataset = dataset.EnsureValidationSplit(o.Seed, o.ValidationFraction);
            AnsiConsole.MarkupLineInterpolated($"The split has no validation clips: moved about {o.ValidationFraction:P0} of each genre's training clips to validation (seed {o.Seed}).");
        }
        PrintCounts(dataset);
        int total = dataset.Clips.Count;
        if (o.Shard is not null)
        {
            if (ShardOption.Select(o.Shard, dataset, o.Source.Root) is not { } part)
                return 0; // more shards than clips: this one has nothing to compute (Select says so)
            dataset = part; // from here on, this shard's clips only
        }

        var kinds = ParseKinds(o.Kind);
        var fmaOptions = o.Fma ?? new FmaOptions();
        var cacheRoot = Path.GetFullPath(o.Cache ?? ws.DefaultCache);
        var failures = new List<FeatureFailure>();
        if (kinds.Contains(FeatureKind.Mel))
        {
            var cache = new FeatureCache(cacheRoot, settings, o.Precision == "single" ? FeaturePrecision.Single : FeaturePrecision.Half);
            AnsiConsole.MarkupLineInterpolated($"Log-mel features (networks): {settings.MelCount} mels x {cache.Frames} frames ({settings.Excerpt.DurationSeconds:0.##} s at {settings.Excerpt.SampleRate} Hz, hop {settings.Mel.HopLength}); cache {cache.Folder}");
            failures.AddRange(FeatureViews.Build(cache, dataset.Clips, o.Threads, cancel, o.RetryFailed).Report.Failures);
        }
        if (kinds.Contains(FeatureKind.Fma))
        {
            var cache = new FmaFeatureCache(cacheRoot, fmaOptions.ToSettings(o.Features));
            AnsiConsole.MarkupLineInterpolated($"FMA feature vector (classical models): 7 statistics of zcr, chroma, rms, centroid, bandwidth, contrast, roll-off and 20 MFCCs = {Recipes.FmaVectorRecipe.VectorType.Size} values at {fmaOptions.SampleRate} Hz (n_fft {fmaOptions.FftSize}, hop {fmaOptions.HopLength}); cache {cache.Folder}");
            failures.AddRange(FeatureViews.Build(cache, dataset.Clips, o.Threads, cancel, o.RetryFailed).Report.Failures);
        }
        // A file that fails for one kind fails for both (same decoder); list it once.
        var report = new FeatureCacheReport { Failures = failures.GroupBy(f => f.Path).Select(g => g.First()).OrderBy(f => f.Path, StringComparer.Ordinal).ToArray() };
        if (o.Shard is null) // shards leave the working folder alone: the final run without --shard writes it
        {
            Directory.CreateDirectory(ws.Root); // not there yet when --cache points elsewhere
            report.WriteFailures(ws.FailedFiles);
        }
        if (report.Failures.Count > 0)
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]{report.Failures.Count} file(s) could not be used and are left out{(o.Shard is null ? $" (listed in {ws.FailedFiles})" : "")}:[/]");
            foreach (var f in report.Failures.Take(20))
                AnsiConsole.MarkupLineInterpolated($"  {f.Reason}");
            InputChecks.RetryHint(report.Failures);
        }
        if (o.Shard is not null)
            return ShardOption.Finish(o.Shard, dataset.Clips.Count, total, cacheRoot, ws);

        var failed = new HashSet<string>(report.Failures.Select(f => f.Path), StringComparer.Ordinal);
        var kept = dataset.Clips.Where(c => !failed.Contains(Path.GetFullPath(c.Path))).ToList();
        var emptyTraining = dataset.Genres.Where(g => !kept.Any(c => c.Genre == g && c.Split == DatasetSplit.Training)).ToList();
        if (emptyTraining.Count > 0)
            throw new CliException($"No usable training clip for genre(s) {string.Join(", ", emptyTraining)}: every class needs training clips.");
        SplitStamp.WarnStaleModels(ws, SplitStamp.Compute(dataset.Clips));
        ws.Save(new FeatureManifest
        {
            SplitFingerprint = SplitStamp.Compute(dataset.Clips),
            Source = dataset.Source,
            CacheDirectory = cacheRoot,
            Features = o.Features,
            FmaFeatures = fmaOptions,
            Kinds = kinds.Select(k => k == FeatureKind.Mel ? "mel" : "fma").ToList(),
            Precision = o.Precision,
            Genres = dataset.Genres.ToList(),
            Clips = kept.Select(c => new ClipEntry { Path = Path.GetFullPath(c.Path), Genre = c.Genre, Split = c.Split?.ToName() ?? "", Artist = c.Artist, TrackId = c.TrackId }).ToList(),
            FailedFiles = report.Failures.Select(f => f.Path).ToList(),
        });
        AnsiConsole.MarkupLineInterpolated($"Wrote {ws.ManifestPath} ({kept.Count} clips). Next: melgenre train --out {ws.Root} --model all");
        return 0;
    }

    private static void PrintCounts(GenreDataset dataset)
    {
        var table = new Table().AddColumn("genre");
        foreach (var s in Enum.GetValues<DatasetSplit>())
            table.AddColumn(new TableColumn(s.ToName()).RightAligned());
        var counts = dataset.Counts();
        foreach (var g in dataset.Genres)
        {
            table.AddRow(new[] { Markup.Escape(g) }.Concat(Enum.GetValues<DatasetSplit>().Select(s =>
                counts.TryGetValue((g, s), out int n) ? n.ToString(CultureInfo.InvariantCulture) : "0")).ToArray());
        }
        table.AddRow(new[] { "[bold]total[/]" }.Concat(Enum.GetValues<DatasetSplit>().Select(s =>
            dataset.Clips.Count(c => c.Split == s).ToString(CultureInfo.InvariantCulture))).ToArray());
        AnsiConsole.Write(table);
    }
}

/// <summary>A progress line on stderr (count, rate, ETA): redrawn in place on a terminal, a line every 5 s otherwise.</summary>
internal sealed class ProgressLine : IDisposable
{
    private readonly string _what;
    private readonly object _lock = new();
    private readonly System.Diagnostics.Stopwatch _watch = System.Diagnostics.Stopwatch.StartNew();
    private readonly bool _interactive = !Console.IsErrorRedirected;
    private long _lastMs = -100_000;
    private bool _wrote;

    public ProgressLine(string what) => _what = what;

    public void Update(int done, int total, double perSecond, TimeSpan? eta, string? extra = null)
    {
        lock (_lock)
        {
            long now = _watch.ElapsedMilliseconds;
            if (done < total && now - _lastMs < (_interactive ? 200 : 5000))
                return;
            _lastMs = now;
            string line = string.Format(CultureInfo.InvariantCulture, "  {0}: {1}/{2}  {3:0.0} clips/s  ETA {4}{5}", _what, done, total, perSecond,
                eta is TimeSpan t ? t.ToString(t.TotalHours >= 1 ? @"h\:mm\:ss" : @"m\:ss", CultureInfo.InvariantCulture) : "?", extra is null ? "" : "  " + extra);
            if (_interactive)
                Console.Error.Write("\r" + line.PadRight(Math.Min(Console.WindowWidth - 1, 100)));
            else
                Console.Error.WriteLine(line);
            _wrote = true;
        }
    }

    public void Done()
    {
        lock (_lock)
        {
            if (_wrote && _interactive)
                Console.Error.WriteLine();
            _wrote = false;
        }
    }

    public void Dispose() => Done();
}

/// <summary>IProgress that calls back synchronously on the reporting thread (Progress&lt;T&gt; posts to the thread pool).</summary>
internal sealed class SyncProgress<T>(Action<T> action) : IProgress<T>
{
    public void Report(T value) => action(value);
}
