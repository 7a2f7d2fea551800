using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using MelGenre.Audio;
using MelGenre.Datasets;
using MelGenre.Prediction;
using MelGenre.Recipes;
using Microsoft.ML;
using Spectre.Console;

namespace MelGenre.Cli;

internal sealed record SongPrediction(string Path, int Windows, double Seconds, IReadOnlyList<(string Genre, float Probability)> Top, string? Error);

internal static class PredictCommand
{
    public sealed record Options(string Target, string Out, IReadOnlyList<string>? ModelFilesGiven, double? HopSeconds, int Top, int MaxWindows);

    public static List<SongPrediction> Run(Options o)
    {
        var ws = new Workspace(o.Out);
        var files = File.Exists(o.Target) ? new List<string> { Path.GetFullPath(o.Target) }
            : Directory.Exists(o.Target) ? AudioFiles.Find(o.Target).ToList()
            : throw new CliException($"'{o.Target}' is neither a file nor a folder.");
        if (files.Count == 0)
            throw new CliException($"No audio files ({string.Join(", ", AudioFiles.Extensions)}) under '{o.Target}'.");
        var ml = new MLContext(1);
        var models = ModelFiles.LoadAll(ml, ws, o.ModelFilesGiven);
        // Models of one kind share the windows' features; the kinds' settings must agree within a kind.
        var groups = models.GroupBy(m => m.Kind).ToList();
        foreach (var g in groups)
        {
            if (g.Select(m => m.FeatureKey).Distinct().Count() > 1)
                throw new CliException($"The models were trained on different {FeatureViews.Name(g.Key)} settings; predict with one at a time (--model).");
        }
        double clipSeconds = models[0].Model.WindowSeconds;
        // Windows as long as the training clips (what the models know), half overlapping by default: see SongPredictor.
        double hop = o.HopSeconds ?? clipSeconds / 2;
        string what = models.Count > 1 ? "the ensemble of " + string.Join(", ", models.Select(m => ModelFiles.Display(m.Name))) : ModelFiles.Display(models[0].Name);
        AnsiConsole.MarkupLineInterpolated($"Predicting {files.Count} file(s) with {what}: windows of {clipSeconds:0.##} s every {hop:0.##} s, probabilities averaged.");
        var predictor = new SongPredictor(models.Select(m => m.Model).ToList(), hop, o.MaxWindows);

        var results = new List<SongPrediction>();
        foreach (var file in files)
        {
            Prediction.SongPrediction song;
            try
            {
                song = predictor.Predict(file);
            }
            catch (Exception e) when (e is AudioDecodeException or InvalidDataException)
            {
                results.Add(new SongPrediction(file, 0, 0, Array.Empty<(string, float)>(), e.Message));
                continue;
            }
            var top = song.Top(o.Top).Select(g => (g.Genre, g.Probability)).ToList();
            results.Add(new SongPrediction(file, song.WindowCount, song.EndSeconds, top, null));
        }

        var table = new Table().AddColumns("file", "windows").AddColumns(Enumerable.Range(1, o.Top).Select(i => $"#{i}").ToArray());
        foreach (var r in results)
        {
            var cells = new List<string> { Markup.Escape(Path.GetFileName(r.Path)), r.Error is null ? r.Windows.ToString(CultureInfo.InvariantCulture) : "-" };
            if (r.Error is not null)
                cells.Add("[red]" + Markup.Escape(r.Error) + "[/]");
            else
                cells.AddRange(r.Top.Select(t => Markup.Escape($"{t.Genre} {t.Probability.ToString("P0", CultureInfo.InvariantCulture)}")));
            while (cells.Count < 2 + o.Top)
                cells.Add("");
            table.AddRow(cells.ToArray());
        }
        AnsiConsole.Write(table);
        Directory.CreateDirectory(ws.Root);
        string csv = Path.Combine(ws.Root, "predictions.csv");
        File.WriteAllLines(csv, new[] { "path,windows," + string.Join(",", Enumerable.Range(1, o.Top).Select(i => $"genre{i},probability{i}")) + ",error" }
            .Concat(results.Select(r => Csv(r.Path) + "," + r.Windows.ToString(CultureInfo.InvariantCulture) + "," +
                string.Join(",", Enumerable.Range(0, o.Top).Select(i => i < r.Top.Count ? Csv(r.Top[i].Genre) + "," + r.Top[i].Probability.ToString("0.0000", CultureInfo.InvariantCulture) : ",")) +
                "," + Csv(r.Error ?? ""))));
        AnsiConsole.MarkupLineInterpolated($"Wrote {csv}");
        return results;
    }

    private static string Csv(string s) => s.Contains(',') || s.Contains('"') || s.Contains('\n') ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
}
