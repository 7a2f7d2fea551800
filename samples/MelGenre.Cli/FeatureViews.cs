using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using MelGenre.Caching;
using MelGenre.Datasets;
using Microsoft.ML;
using Spectre.Console;

namespace MelGenre.Cli;

/// <summary>
/// The cached features of a set of clips for the kinds of models at hand, as ML.NET views with the same rows in the same
/// order (so that the probabilities of a network and of a classical model can be averaged clip by clip). A kind that is
/// not cached yet (e.g. `features --kind mel`, or a workspace from before the FMA vector) is computed here first, in
/// parallel with a progress line, exactly as `features` would.
/// </summary>
internal static class FeatureViews
{
    /// <summary>Builds whatever of <paramref name="kinds"/> is missing for <paramref name="clips"/>; returns the clips every kind has.</summary>
    public static List<GenreClip> Ensure(FeatureManifest manifest, IReadOnlyList<GenreClip> clips, IEnumerable<FeatureKind> kinds, int? threads, CancellationToken cancel)
    {
        var usable = clips.ToList();
        foreach (var kind in kinds.Distinct())
        {
            var (report, contains) = kind == FeatureKind.Mel
                ? Build(manifest.OpenCache(), clips, threads, cancel)
                : Build(manifest.OpenFmaCache(), clips, threads, cancel);
            if (report.Failures.Count > 0)
            {
                AnsiConsole.MarkupLineInterpolated($"[yellow]{report.Failures.Count} clip(s) have no {Name(kind)} and are left out:[/]");
                foreach (var f in report.Failures.Take(10))
                    AnsiConsole.MarkupLineInterpolated($"  {f.Reason}");
            }
            usable = usable.Where(c => contains(c.Path)).ToList();
        }
        return usable;
    }

    public static string Name(FeatureKind kind) => kind == FeatureKind.Mel ? "log-mel features" : "FMA feature vector";

    public static (FeatureCacheReport Report, Func<string, bool> Contains) Build(FeatureCache cache, IReadOnlyList<GenreClip> clips, int? threads, CancellationToken cancel, bool retry = false)
        => (Run(FeatureKind.Mel, threads, cancel, retry, o => cache.Build(clips, o)), cache.Contains);

    public static (FeatureCacheReport Report, Func<string, bool> Contains) Build(FmaFeatureCache cache, IReadOnlyList<GenreClip> clips, int? threads, CancellationToken cancel, bool retry = false)
        => (Run(FeatureKind.Fma, threads, cancel, retry, o => cache.Build(clips, o)), cache.Contains);

    /// <summary>One cache build with the progress line; prints a summary when something was computed.</summary>
    private static FeatureCacheReport Run(FeatureKind kind, int? threads, CancellationToken cancel, bool retry, Func<FeatureCacheBuildOptions, FeatureCacheReport> build)
    {
        int n = threads ?? Environment.ProcessorCount;
        using var progress = new ProgressLine(kind == FeatureKind.Mel ? "log-mel" : "FMA vector");
        var report = build(new FeatureCacheBuildOptions
        {
            DegreeOfParallelism = n,
            RetryFailures = retry,
            CancellationToken = cancel,
            Progress = new SyncProgress<FeatureCacheProgress>(p => progress.Update(p.Done, p.Total, p.ClipsPerSecond, p.Eta, p.Failed > 0 ? $"{p.Failed} failed" : null)),
        });
        progress.Done();
        foreach (var r in report.Repaired)
            AnsiConsole.MarkupLineInterpolated($"[yellow]warning:[/] {r.Reason}");
        if (report.Computed > 0 || report.Failures.Count > 0)
            AnsiConsole.MarkupLineInterpolated($"{Name(kind)}: {report.Computed} clips computed in {report.Elapsed.TotalSeconds:0.0} s ([bold]{report.ClipsPerSecond:0.0} clips/s[/] on {n} threads), {report.Reused} already cached, {report.Failures.Count} failed.");
        return report;
    }

    /// <summary>The view of <paramref name="clips"/> (all cached) for one kind of model.</summary>
    public static IDataView Load(MLContext ml, FeatureManifest manifest, FeatureKind kind, IReadOnlyList<GenreClip> clips, IReadOnlyList<string> classes)
        => kind == FeatureKind.Mel ? manifest.OpenCache().LoadDataView(ml, clips, classes) : manifest.OpenFmaCache().LoadDataView(ml, clips, classes);

    /// <summary>Checks that a model was trained on the features this workspace caches (else its cached views would be wrong).</summary>
    public static void RequireSameFeatures(FeatureManifest manifest, LoadedModel model)
    {
        bool same = model.Kind == FeatureKind.Mel
            ? model.Mel!.Fingerprint == manifest.OpenCache().Settings.Fingerprint
            : model.Fma!.Fingerprint == manifest.OpenFmaCache().Settings.Fingerprint;
        if (!same)
            throw new CliException($"{Path.GetFileName(model.File)} was trained on other {Name(model.Kind)} settings than this working folder's features.json; evaluate it with its own working folder.");
    }
}
