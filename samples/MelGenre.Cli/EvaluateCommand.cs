using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using MelGenre.Datasets;
using MelGenre.Prediction;
using Microsoft.ML;
using Microsoft.ML.Data;
using Spectre.Console;

namespace MelGenre.Cli;

internal static class EvaluateCommand
{
    // Ensemble: models whose probabilities the ensemble averages (comma-separated names); null = every model evaluated;
    // "none" = no ensemble.
    public sealed record Options(string Out, string Split, IReadOnlyList<string>? ModelFilesGiven, string? Ensemble = null, int? Threads = null);

    public static List<ClassificationMetrics> Run(Options o, CancellationToken cancel = default)
    {
        var ws = new Workspace(o.Out);
        var manifest = ws.Load();
        var dataset = manifest.ToDataset();
        if (!DatasetSplits.TryParse(o.Split, out var split) || split is null)
            throw new CliException($"Unknown split '{o.Split}': use test, validation or training.");
        var clips = dataset.Get(split.Value);
        if (clips.Count == 0)
            throw new CliException($"The dataset has no {split.Value.ToName()} clips.");
        var ml = new MLContext(1);
        var models = ModelFiles.LoadAll(ml, ws, o.ModelFilesGiven);
        foreach (var m in models)
            FeatureViews.RequireSameFeatures(manifest, m);
        SplitStamp.RequireSameSplit(manifest, models, split.Value);
        var members = EnsembleMembers(o.Ensemble, models);
        // One class order for every table: the first model's. Other models' scores are matched to it by genre name.
        var classes = models[0].Classes;
        // The same clips, in the same order, for every kind of model (a clip that lacks one kind's features is left out).
        var usable = FeatureViews.Ensure(manifest, clips, models.Select(m => m.Kind), o.Threads, cancel);
        if (usable.Count == 0)
            throw new CliException($"No {split.Value.ToName()} clip has cached features.");
        var views = models.Select(m => m.Kind).Distinct().ToDictionary(k => k, k => FeatureViews.Load(ml, manifest, k, usable, classes));
        var labels = ReadLabels(views.Values.First());

        var results = new List<ClassificationMetrics>();
        var probabilities = new Dictionary<string, float[][]>();
        foreach (var m in models)
        {
            var p = ModelFiles.Align(m, ModelFiles.Score(m, views[m.Kind]), classes);
            if (p.Length != labels.Count || p.Any(row => row.Length != classes.Count))
                throw new InvalidOperationException($"{m.Name}: {p.Length} score rows of {p.FirstOrDefault()?.Length} for {labels.Count} labels of {classes.Count} classes");
            probabilities[m.Name] = p;
            results.Add(ClassificationMetrics.Compute(m.Name, split.Value.ToName(), p, labels, classes));
        }
        if (members.Count > 1)
        {
            // The equal-weight ensemble (the library's EnsembleScorer; its combination rule is a seam for fitted weights).
            var scorer = new EnsembleScorer(members.Select(n => models.First(m => m.Name == n).Model).ToList(), classes);
            var ensemble = ClassificationMetrics.Compute("ensemble", split.Value.ToName(), scorer.Combine(members.Select(n => probabilities[n]).ToList()), labels, classes);
            ensemble.Members = members;
            results.Add(ensemble);
        }

        Directory.CreateDirectory(ws.Metrics);
        foreach (var r in results)
        {
            Print(r);
            Plots.Confusion(r, Path.Combine(ws.Metrics, $"confusion-{r.Model}.png"));
        }
        File.WriteAllText(Path.Combine(ws.Metrics, "metrics.json"), JsonSerializer.Serialize(results, Workspace.Json));
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# MelGenre evaluation: {dataset.Source}").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Split: {split.Value.ToName()} ({labels.Count} clips).{(members.Count > 1 ? $" The ensemble averages the class probabilities of {string.Join(", ", members.Select(ModelFiles.Display))}." : "")}").AppendLine();
        md.AppendLine("| model | " + string.Join(" | ", results[0].TopKAccuracy.Select((_, i) => $"top-{i + 1}")) + " | macro-F1 |");
        md.AppendLine("|---|" + string.Concat(Enumerable.Repeat("---:|", results[0].TopKAccuracy.Count + 1)));
        foreach (var r in results)
            md.AppendLine($"| {r.Title} | " + string.Join(" | ", r.TopKAccuracy.Select(a => a.ToString("P1", CultureInfo.InvariantCulture))) + $" | {r.MacroF1.ToString("0.000", CultureInfo.InvariantCulture)} |");
        md.AppendLine();
        foreach (var r in results)
            md.Append(r.ToMarkdown());
        File.WriteAllText(Path.Combine(ws.Metrics, "metrics.md"), md.ToString());
        AnsiConsole.MarkupLineInterpolated($"Wrote {Path.Combine(ws.Metrics, "metrics.json")}, metrics.md and confusion-*.png in {ws.Metrics}");
        return results;
    }

    /// <summary>The names the ensemble averages: the given ones (checked), else every model; none when "none".</summary>
    internal static List<string> EnsembleMembers(string? spec, IReadOnlyList<LoadedModel> models)
    {
        var available = models.Select(m => m.Name).ToList();
        if (string.IsNullOrWhiteSpace(spec) || spec.Trim() == "all")
            return available;
        if (spec.Trim() == "none")
            return new List<string>();
        var names = spec.Split(new[] { ',', ' ', '+' }, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .SelectMany(n => n switch { "both" or "networks" => ModelFiles.Networks, "classical" => ModelFiles.Classical, _ => new[] { n } })
            .Distinct().ToList();
        var missing = names.Where(n => !available.Contains(n)).ToList();
        if (missing.Count > 0)
            throw new CliException($"--ensemble names {string.Join(", ", missing)}, which {(missing.Count == 1 ? "is" : "are")} not among the evaluated models ({string.Join(", ", available)}).");
        if (names.Count < 2)
            throw new CliException("--ensemble needs at least two models (or 'none').");
        return available.Where(names.Contains).ToList();
    }

    internal static List<int> ReadLabels(IDataView view)
    {
        var labels = new List<int>();
        var column = view.Schema["Label"];
        using var cursor = view.GetRowCursor(new[] { column });
        var getter = cursor.GetGetter<uint>(column);
        uint key = 0;
        while (cursor.MoveNext())
        {
            getter(ref key);
            if (key == 0)
                throw new CliException("A clip's genre is not among the model's genres: evaluate with models trained on this dataset.");
            labels.Add((int)key - 1);
        }
        return labels;
    }

    private static void Print(ClassificationMetrics r)
    {
        var ci = CultureInfo.InvariantCulture;
        string summary = string.Join(", ", r.TopKAccuracy.Select((a, i) => $"top-{i + 1} {a.ToString("P1", ci)}")) + $", macro-F1 {r.MacroF1.ToString("0.000", ci)}";
        AnsiConsole.MarkupLineInterpolated($"[bold]{r.Title}[/] on {r.Split} ({r.Count} clips): {summary}");
        var table = new Table().AddColumns("genre", "support", "precision", "recall", "F1");
        foreach (var c in r.PerClass)
            table.AddRow(Markup.Escape(c.Genre), c.Support.ToString(ci), F(c.Precision), F(c.Recall), F(c.F1));
        AnsiConsole.Write(table);
        var confusion = new Table().Title("confusion (rows: true, columns: predicted)").AddColumn("");
        foreach (var c in r.Classes)
            confusion.AddColumn(new TableColumn(Markup.Escape(Abbreviate(c))).RightAligned());
        for (int i = 0; i < r.Classes.Count; i++)
            confusion.AddRow(new[] { Markup.Escape(r.Classes[i]) }.Concat(r.Confusion[i].Select((n, j) => i == j ? $"[bold]{n}[/]" : n.ToString(ci))).ToArray());
        AnsiConsole.Write(confusion);

        static string F(double? v) => v is double d ? d.ToString("0.000", CultureInfo.InvariantCulture) : "n/a";
    }

    private static string Abbreviate(string s) => s.Length <= 6 ? s : s[..5] + ".";
}
