using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using MelGenre.Datasets;
using Microsoft.ML;
using Microsoft.ML.Data;
using Spectre.Console;

namespace MelGenre.Cli;

internal static class EvaluateCommand
{
    public sealed record Options(string Out, string Split, IReadOnlyList<string>? ModelFilesGiven);

    public static List<ClassificationMetrics> Run(Options o)
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
        var classes = models[0].Classifier.ClassNames?.ToList() ?? manifest.Genres;
        var cache = manifest.OpenCache();
        var view = cache.LoadDataView(ml, clips, classes);
        var labels = ReadLabels(view);

        var results = new List<ClassificationMetrics>();
        var probabilities = new List<float[][]>();
        foreach (var m in models)
        {
            var p = ModelFiles.Score(m.Classifier, view);
            if (p.Length != labels.Count || p.Any(row => row.Length != classes.Count))
                throw new InvalidOperationException($"{m.Name}: {p.Length} score rows of {p.FirstOrDefault()?.Length} for {labels.Count} labels of {classes.Count} classes");
            probabilities.Add(p);
            results.Add(ClassificationMetrics.Compute(m.Name, split.Value.ToName(), p, labels, classes));
        }
        if (models.Count > 1)
            results.Add(ClassificationMetrics.Compute("ensemble", split.Value.ToName(), ModelFiles.Average(probabilities), labels, classes));

        Directory.CreateDirectory(ws.Metrics);
        foreach (var r in results)
        {
            Print(r);
            Plots.Confusion(r, Path.Combine(ws.Metrics, $"confusion-{r.Model}.png"));
        }
        File.WriteAllText(Path.Combine(ws.Metrics, "metrics.json"), JsonSerializer.Serialize(results, Workspace.Json));
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# MelGenre evaluation: {dataset.Source}").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Split: {split.Value.ToName()} ({labels.Count} clips). The ensemble averages the networks' class probabilities.").AppendLine();
        foreach (var r in results)
            md.Append(r.ToMarkdown());
        File.WriteAllText(Path.Combine(ws.Metrics, "metrics.md"), md.ToString());
        AnsiConsole.MarkupLineInterpolated($"Wrote {Path.Combine(ws.Metrics, "metrics.json")}, metrics.md and confusion-*.png in {ws.Metrics}");
        return results;
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
        AnsiConsole.MarkupLineInterpolated($"[bold]{ModelFiles.Display(r.Model)}[/] on {r.Split} ({r.Count} clips): {summary}");
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
