using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace MelGenre.Cli;

internal sealed class ClassMetrics
{
    public string Genre { get; set; } = "";
    public int Support { get; set; }
    public double? Precision { get; set; }
    public double? Recall { get; set; }
    public double? F1 { get; set; }
}

/// <summary>Multiclass metrics from class probabilities: top-k accuracy, per-class P/R/F1, macro-F1, log-loss, confusion.</summary>
internal sealed class ClassificationMetrics
{
    public string Model { get; set; } = "";
    public string Split { get; set; } = "";
    public int Count { get; set; }
    public List<double> TopKAccuracy { get; set; } = new();
    public double MacroF1 { get; set; }
    public double LogLoss { get; set; }
    public List<ClassMetrics> PerClass { get; set; } = new();
    public List<string> Classes { get; set; } = new();

    /// <summary>For the ensemble: the models whose probabilities it averages.</summary>
    public List<string>? Members { get; set; }

    /// <summary>The model's display name; the ensemble's says what it averages.</summary>
    public string Title => Members is { Count: > 0 } ? $"Ensemble (mean of {string.Join(" + ", Members.Select(ModelFiles.ShortName))})" : ModelFiles.Display(Model);

    /// <summary>Rows = true genre, columns = predicted genre.</summary>
    public int[][] Confusion { get; set; } = Array.Empty<int[]>();

    public static ClassificationMetrics Compute(string model, string split, IReadOnlyList<float[]> probabilities, IReadOnlyList<int> labels, IReadOnlyList<string> classes)
    {
        int k = classes.Count, n = labels.Count;
        var confusion = Enumerable.Range(0, k).Select(_ => new int[k]).ToArray();
        var topHits = new int[Math.Min(5, k)];
        double logLoss = 0;
        for (int i = 0; i < n; i++)
        {
            var p = probabilities[i];
            int truth = labels[i];
            int[] order = Enumerable.Range(0, k).OrderByDescending(c => p[c]).ThenBy(c => c).ToArray();
            confusion[truth][order[0]]++;
            int rank = Array.IndexOf(order, truth);
            for (int t = rank; t < topHits.Length; t++)
                topHits[t]++;
            logLoss -= Math.Log(Math.Max(p[truth], 1e-15));
        }
        var perClass = new List<ClassMetrics>();
        for (int c = 0; c < k; c++)
        {
            int tp = confusion[c][c], support = confusion[c].Sum(), predicted = confusion.Sum(r => r[c]);
            double? precision = predicted > 0 ? (double)tp / predicted : null;
            double? recall = support > 0 ? (double)tp / support : null;
            double? f1 = precision is double pr && recall is double re ? (pr + re > 0 ? 2 * pr * re / (pr + re) : 0) : null;
            perClass.Add(new ClassMetrics { Genre = classes[c], Support = support, Precision = precision, Recall = recall, F1 = f1 ?? (support > 0 ? 0 : null) });
        }
        var present = perClass.Where(c => c.Support > 0).ToList();
        return new ClassificationMetrics
        {
            Model = model,
            Split = split,
            Count = n,
            TopKAccuracy = topHits.Select(h => n == 0 ? 0 : (double)h / n).ToList(),
            MacroF1 = present.Count == 0 ? 0 : present.Average(c => c.F1 ?? 0),
            LogLoss = n == 0 ? 0 : logLoss / n,
            PerClass = perClass,
            Classes = classes.ToList(),
            Confusion = confusion,
        };
    }

    public string ToMarkdown()
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(ci, $"## {Title} — {Split} split, {Count} clips").AppendLine();
        sb.AppendLine("| " + string.Join(" | ", TopKAccuracy.Select((_, i) => $"top-{i + 1}")) + " | macro-F1 | log-loss |");
        sb.AppendLine("|" + string.Concat(Enumerable.Repeat("---:|", TopKAccuracy.Count + 2)));
        sb.AppendLine("| " + string.Join(" | ", TopKAccuracy.Select(a => a.ToString("P1", ci))) + string.Format(ci, " | {0:0.000} | {1:0.000} |", MacroF1, LogLoss)).AppendLine();
        sb.AppendLine("| genre | support | precision | recall | F1 |").AppendLine("|---|---:|---:|---:|---:|");
        foreach (var c in PerClass)
            sb.AppendLine(ci, $"| {c.Genre} | {c.Support} | {F(c.Precision)} | {F(c.Recall)} | {F(c.F1)} |");
        sb.AppendLine().AppendLine("Confusion matrix (rows: true genre, columns: predicted):").AppendLine();
        sb.AppendLine("| true \\ predicted | " + string.Join(" | ", Classes) + " |");
        sb.AppendLine("|---|" + string.Concat(Enumerable.Repeat("---:|", Classes.Count)));
        for (int r = 0; r < Classes.Count; r++)
            sb.AppendLine($"| {Classes[r]} | " + string.Join(" | ", Confusion[r]) + " |");
        return sb.AppendLine().ToString();

        static string F(double? v) => v is double d ? d.ToString("0.000", CultureInfo.InvariantCulture) : "n/a";
    }
}
