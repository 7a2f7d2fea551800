using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using MelGenre.Datasets;
using MelGenre.Dsp;
using MelGenre.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
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
        string unit = settings.Decibels.Scale == DecibelScale.NaturalLog ? "ln power (0 = clip maximum)" : "dB (0 = clip maximum)";
        double secondsPerFrame = (double)settings.Mel.HopLength / settings.Excerpt.SampleRate;
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

/// <summary>
/// The two leading principal components of standardised rows, through ML.NET: <c>NormalizeMeanVariance</c> (z-scores; a
/// constant column becomes 0) then <c>ProjectToPrincipalComponents</c> (randomized PCA, rank 2, fixed seed).
/// </summary>
/// <remarks>
/// The explained-variance shares are the variance of each projected coordinate over the total variance of the
/// standardised rows. The hand-written PCA this replaces used exact eigenvalues (power iteration) and the n − 1 sample
/// variance for the z-scores; ML.NET's randomized solver approximates the subspace and its normaliser uses its own
/// variance estimate, so the percentages in the axis titles can differ by about a point, and an axis may be mirrored
/// (a component's sign is arbitrary). The picture (clips by genre on the first two components) is the same kind.
/// </remarks>
internal static class Pca
{
    private const int Seed = 1;

    public static (List<(double X, double Y)> Points, (double X, double Y) Explained) TopTwo(List<double[]> rows)
    {
        int d = rows[0].Length;
        var ml = new MLContext(Seed);
        var schema = SchemaDefinition.Create(typeof(SummaryRow));
        schema[nameof(SummaryRow.Values)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, d);
        var data = ml.Data.LoadFromEnumerable(rows.Select(r => new SummaryRow { Values = r.Select(v => (float)v).ToArray() }), schema);
        var pipeline = ml.Transforms.NormalizeMeanVariance("Standard", nameof(SummaryRow.Values), fixZero: false)
            .Append(ml.Transforms.ProjectToPrincipalComponents("Projected", "Standard", rank: 2, seed: Seed));
        var output = pipeline.Fit(data).Transform(data);
        var standard = output.GetColumn<float[]>("Standard").ToList();
        var projected = output.GetColumn<float[]>("Projected").Select(p => ((double)p[0], (double)p[1])).ToList();

        double total = 0;
        for (int j = 0; j < d; j++)
            total += Variance(standard.Select(r => (double)r[j]));
        double x = Variance(projected.Select(p => p.Item1)), y = Variance(projected.Select(p => p.Item2));
        return (projected, (total > 0 ? x / total : 0, total > 0 ? y / total : 0));
    }

    private static double Variance(IEnumerable<double> values)
    {
        var v = values.ToArray();
        double mean = v.Average();
        return v.Sum(a => (a - mean) * (a - mean)) / Math.Max(1, v.Length - 1);
    }

    private sealed class SummaryRow
    {
        public float[] Values { get; set; } = Array.Empty<float>();
    }
}
