using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using MelGenre.Datasets;
using MelGenre.Features;
using MelGenre.Training;
using Microsoft.ML;
using Spectre.Console;

namespace MelGenre.Cli;

internal static class ReportCommand
{
    public sealed record Options(string Out, int MaxPcaClips);

    public static List<string> Run(Options o)
    {
        var ws = new Workspace(o.Out);
        var manifest = ws.Load();
        var dataset = manifest.ToDataset();
        var cache = manifest.OpenCache();
        var settings = cache.Settings;
        Directory.CreateDirectory(ws.Report);
        var written = new List<string>();

        // 1. Training curves of the trained models.
        var histories = new List<(string, TrainingHistory)>();
        foreach (var name in ModelFiles.Networks)
        {
            string json = Path.Combine(ws.Models, name + ".history.json");
            if (File.Exists(json))
                histories.Add((name, InputChecks.ReadJson<TrainingHistory>(json, "run `melgenre train` again or delete it")));
        }
        if (histories.Count > 0)
        {
            string path = Path.Combine(ws.Report, "training-curves.png");
            Plots.TrainingCurves(histories, path);
            written.Add(path);
        }
        else
        {
            AnsiConsole.MarkupLine("[yellow]No trained models yet: training curves skipped (run `melgenre train`).[/]");
        }

        // 2. One log-mel spectrogram per genre: the first clip of the genre (training split first).
        string unit = settings.Scale == DecibelScale.NaturalLog ? "ln power (0 = clip maximum)" : "dB (0 = clip maximum)";
        double secondsPerFrame = (double)settings.Mel.HopLength / settings.SampleRate;
        foreach (var genre in dataset.Genres)
        {
            var clip = dataset.Clips.Where(c => c.Genre == genre).OrderBy(c => c.Split == DatasetSplit.Training ? 0 : 1).FirstOrDefault(c => cache.Contains(c.Path));
            if (clip is null || !cache.TryRead(clip.Path, out var features) || features is null)
                continue;
            string path = Path.Combine(ws.Report, $"mel-{Safe(genre)}.png");
            Plots.MelSpectrogram(features, cache.Mels, cache.Frames, secondsPerFrame, $"{genre}: {Path.GetFileName(clip.Path)}", unit, path);
            written.Add(path);
        }

        // 3. PCA of per-clip summaries (mean and standard deviation of each mel band over time), coloured by genre.
        var clips = dataset.Clips.Where(c => cache.Contains(c.Path)).ToList();
        if (clips.Count > o.MaxPcaClips)
            clips = Enumerable.Range(0, o.MaxPcaClips).Select(i => clips[(int)((long)i * clips.Count / o.MaxPcaClips)]).ToList();
        if (clips.Count >= 3)
        {
            var rows = new List<double[]>();
            foreach (var c in clips)
            {
                cache.TryRead(c.Path, out var f);
                rows.Add(Summary(f!, cache.Mels, cache.Frames));
            }
            var (projected, explained) = Pca.TopTwo(rows);
            var points = projected.Select((p, i) => (p.X, p.Y, clips[i].Genre)).ToList();
            string path = Path.Combine(ws.Report, "pca.png");
            Plots.Scatter(points, dataset.Genres, $"PCA of {clips.Count} clips (per-band mean and std of the log-mel spectrogram)",
                $"PC1 ({explained.X:P0} of variance)", $"PC2 ({explained.Y:P0} of variance)", path);
            written.Add(path);
        }

        AnsiConsole.MarkupLineInterpolated($"Wrote {written.Count} PNGs to {ws.Report}:");
        foreach (var w in written)
            AnsiConsole.MarkupLineInterpolated($"  {Path.GetFileName(w)}");
        return written;
    }

    private static double[] Summary(float[] f, int mels, int frames)
    {
        var s = new double[2 * mels];
        for (int m = 0; m < mels; m++)
        {
            double sum = 0, sq = 0;
            for (int t = 0; t < frames; t++)
            {
                double v = f[m * frames + t];
                sum += v;
                sq += v * v;
            }
            double mean = sum / frames;
            s[m] = mean;
            s[mels + m] = Math.Sqrt(Math.Max(0, sq / frames - mean * mean));
        }
        return s;
    }

    private static string Safe(string s) => string.Concat(s.Select(ch => char.IsLetterOrDigit(ch) || ch is '-' or '_' ? ch : '_'));
}

/// <summary>The two leading principal components of standardised rows (power iteration with deflation).</summary>
internal static class Pca
{
    public static (List<(double X, double Y)> Points, (double X, double Y) Explained) TopTwo(List<double[]> rows)
    {
        int n = rows.Count, d = rows[0].Length;
        var mean = new double[d];
        var std = new double[d];
        foreach (var r in rows)
        {
            for (int j = 0; j < d; j++)
                mean[j] += r[j] / n;
        }
        foreach (var r in rows)
        {
            for (int j = 0; j < d; j++)
                std[j] += (r[j] - mean[j]) * (r[j] - mean[j]) / Math.Max(1, n - 1);
        }
        var z = rows.Select(r => Enumerable.Range(0, d).Select(j => std[j] > 1e-12 ? (r[j] - mean[j]) / Math.Sqrt(std[j]) : 0).ToArray()).ToList();
        var cov = new double[d, d];
        foreach (var r in z)
        {
            for (int a = 0; a < d; a++)
            {
                if (r[a] == 0)
                    continue;
                for (int b = a; b < d; b++)
                    cov[a, b] += r[a] * r[b] / Math.Max(1, n - 1);
            }
        }
        double trace = 0;
        for (int a = 0; a < d; a++)
        {
            trace += cov[a, a];
            for (int b = 0; b < a; b++)
                cov[a, b] = cov[b, a];
        }
        var (v1, l1) = Leading(cov, d, 1);
        for (int a = 0; a < d; a++)
        {
            for (int b = 0; b < d; b++)
                cov[a, b] -= l1 * v1[a] * v1[b];
        }
        var (v2, l2) = Leading(cov, d, 2);
        var points = z.Select(r => (Dot(r, v1), Dot(r, v2))).ToList();
        return (points, (trace > 0 ? l1 / trace : 0, trace > 0 ? l2 / trace : 0));
    }

    private static (double[] Vector, double Value) Leading(double[,] m, int d, int seed)
    {
        var rng = new Random(seed);
        var v = Enumerable.Range(0, d).Select(_ => rng.NextDouble() - 0.5).ToArray();
        double value = 0;
        for (int it = 0; it < 300; it++)
        {
            var w = new double[d];
            for (int a = 0; a < d; a++)
            {
                double s = 0;
                for (int b = 0; b < d; b++)
                    s += m[a, b] * v[b];
                w[a] = s;
            }
            double norm = Math.Sqrt(Dot(w, w));
            if (norm < 1e-15)
                break;
            value = Dot(v, w);
            for (int a = 0; a < d; a++)
                v[a] = w[a] / norm;
        }
        return (v, value);
    }

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++)
            s += a[i] * b[i];
        return s;
    }
}
