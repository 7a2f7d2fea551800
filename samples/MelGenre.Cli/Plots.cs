using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using MelGenre.Training;
using ScottPlot;

namespace MelGenre.Cli;

/// <summary>The PNGs (ScottPlot 5 on SkiaSharp): confusion matrices, training curves, mel spectrograms, PCA scatter.</summary>
internal static class Plots
{
    private const string Font = "DejaVu Sans";

    private static Plot NewPlot(string title)
    {
        var plt = new Plot();
        plt.Font.Set(Font);
        plt.Title(title);
        plt.Axes.Title.Label.FontSize = 18;
        return plt;
    }

    public static void Confusion(ClassificationMetrics m, string path)
    {
        int k = m.Classes.Count;
        var plt = NewPlot($"{m.Title}: confusion on {m.Split} ({m.Count} clips, top-1 {m.TopKAccuracy[0]:P1})");
        // Colour = share of the true genre's clips (row-normalised), so rare genres are as visible as common ones.
        var share = new double[k, k];
        for (int r = 0; r < k; r++)
        {
            int total = m.Confusion[r].Sum();
            for (int c = 0; c < k; c++)
                share[r, c] = total == 0 ? 0 : (double)m.Confusion[r][c] / total;
        }
        var hm = plt.Add.Heatmap(share);
        hm.Colormap = new ScottPlot.Colormaps.Blues().Reversed(); // white = none, dark blue = all of the row
        hm.ManualRange = new ScottPlot.Range(0, 1);
        hm.Rectangle = new CoordinateRect(-0.5, k - 0.5, -0.5, k - 0.5);
        for (int r = 0; r < k; r++)
        {
            for (int c = 0; c < k; c++)
            {
                // Heatmap row 0 is drawn at the top: true genre r sits at y = k - 1 - r.
                var t = plt.Add.Text(m.Confusion[r][c].ToString(CultureInfo.InvariantCulture), c, k - 1 - r);
                t.LabelFontSize = k > 10 ? 11 : 15;
                t.LabelBold = r == c;
                t.LabelFontColor = share[r, c] > 0.5 ? Colors.White : Colors.Black;
                t.LabelAlignment = Alignment.MiddleCenter;
            }
        }
        var ticks = Enumerable.Range(0, k).Select(i => (double)i).ToArray();
        plt.Axes.Bottom.SetTicks(ticks, m.Classes.ToArray());
        int longest = m.Classes.Max(c => c.Length);
        if (longest * k > 60)
        {
            plt.Axes.Bottom.TickLabelStyle.Rotation = 40;
            plt.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
            plt.Axes.Bottom.MinimumSize = 40 + 8 * longest;
        }
        plt.Axes.Bottom.TickLabelStyle.FontSize = 14;
        plt.Axes.Left.TickLabelStyle.FontSize = 14;
        plt.Axes.Left.SetTicks(ticks.Select(v => k - 1 - v).ToArray(), m.Classes.ToArray());
        plt.Axes.Bottom.Label.Text = "predicted genre";
        plt.Axes.Left.Label.Text = "true genre";
        plt.Axes.SetLimits(-0.5, k - 0.5, -0.5, k - 0.5);
        plt.Grid.IsVisible = false;
        var bar = plt.Add.ColorBar(hm);
        bar.Label = "share of the true genre's clips";
        plt.SavePng(path, 900 + 20 * k, 760 + 20 * k);
    }

    public static void TrainingCurves(IReadOnlyList<(string Name, TrainingHistory History)> histories, string path)
    {
        var multi = new Multiplot();
        var loss = NewPlot("Loss (cross-entropy)");
        var acc = NewPlot("Accuracy");
        var palette = new ScottPlot.Palettes.Category10();
        int colour = 0;
        foreach (var (name, h) in histories)
        {
            var epochs = h.Epochs.Select(e => (double)e.Epoch).ToArray();
            var c = palette.GetColor(colour++);
            Line(loss, epochs, h.Epochs.Select(e => e.TrainLoss).ToArray(), c, $"{ModelFiles.Display(name)} training", false);
            Line(acc, epochs, h.Epochs.Select(e => e.TrainAccuracy * 100).ToArray(), c, $"{ModelFiles.Display(name)} training", false);
            if (h.Epochs.All(e => e.ValidationAccuracy is not null))
            {
                Line(loss, epochs, h.Epochs.Select(e => e.ValidationLoss ?? 0).ToArray(), c, $"{ModelFiles.Display(name)} validation", true);
                Line(acc, epochs, h.Epochs.Select(e => (e.ValidationAccuracy ?? 0) * 100).ToArray(), c, $"{ModelFiles.Display(name)} validation", true);
                var mark = acc.Add.VerticalLine(h.SelectedEpoch, 1, c);
                mark.LinePattern = LinePattern.Dotted;
                mark.LabelText = $"kept {h.SelectedEpoch}";
                mark.LabelFontSize = 12;
            }
        }
        loss.XLabel("epoch");
        loss.YLabel("loss");
        acc.XLabel("epoch");
        acc.YLabel("accuracy (%)");
        acc.Axes.SetLimitsY(0, 100);
        foreach (var p in new[] { loss, acc })
        {
            p.ShowLegend(Edge.Bottom);
            p.Legend.FontSize = 12;
        }
        while (multi.Count() > 0)
            multi.RemovePlot(multi.GetPlot(0)); // a new Multiplot starts with one empty plot
        multi.AddPlot(loss);
        multi.AddPlot(acc);
        multi.Layout = new ScottPlot.MultiplotLayouts.Columns();
        multi.SavePng(path, 1400, 560);
    }

    private static void Line(Plot plt, double[] x, double[] y, Color c, string label, bool dashed)
    {
        var s = plt.Add.Scatter(x, y, c);
        s.LegendText = label;
        s.LineWidth = 2;
        s.MarkerSize = x.Length > 40 ? 0 : 5;
        if (dashed)
            s.LinePattern = LinePattern.Dashed;
    }

    /// <summary>A log-mel spectrogram ([mel, frame] row-major) with time in seconds and mel bands, low bands at the bottom.</summary>
    public static void MelSpectrogram(float[] features, int mels, int frames, double secondsPerFrame, string title, string valueLabel, string path)
    {
        var data = new double[mels, frames];
        for (int m = 0; m < mels; m++)
        {
            for (int t = 0; t < frames; t++)
                data[mels - 1 - m, t] = features[m * frames + t]; // heatmap row 0 is the top: put the highest band there
        }
        var plt = NewPlot(title);
        var hm = plt.Add.Heatmap(data);
        hm.Colormap = new ScottPlot.Colormaps.Viridis();
        hm.Rectangle = new CoordinateRect(0, frames * secondsPerFrame, 0, mels);
        var bar = plt.Add.ColorBar(hm);
        bar.Label = valueLabel;
        plt.XLabel("time (s)");
        plt.YLabel("mel band");
        plt.Axes.SetLimits(0, frames * secondsPerFrame, 0, mels);
        plt.Grid.IsVisible = false;
        plt.SavePng(path, 1100, 520);
    }

    public static void Scatter(IReadOnlyList<(double X, double Y, string Genre)> points, IReadOnlyList<string> genres, string title, string xLabel, string yLabel, string path)
    {
        var plt = NewPlot(title);
        var palette = new ScottPlot.Palettes.Category10();
        int i = 0;
        foreach (var g in genres)
        {
            var mine = points.Where(p => p.Genre == g).ToArray();
            if (mine.Length == 0)
            {
                i++;
                continue;
            }
            var s = plt.Add.ScatterPoints(mine.Select(p => p.X).ToArray(), mine.Select(p => p.Y).ToArray(), palette.GetColor(i++));
            s.MarkerSize = points.Count > 1000 ? 5 : 9;
            s.LegendText = $"{g} ({mine.Length})";
        }
        plt.XLabel(xLabel);
        plt.YLabel(yLabel);
        plt.ShowLegend(Alignment.UpperRight);
        plt.Legend.FontSize = 13;
        plt.SavePng(path, 1000, 760);
    }
}
