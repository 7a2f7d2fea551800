using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using MelGenre.Recipes;
using Microsoft.ML;
using Spectre.Console;

namespace MelGenre.Cli;

/// <summary>
/// The no-argument job: makes a small synthetic "music" dataset in code (five genres that differ in spectral and
/// temporal pattern, eight 6-s clips each, as folder-per-genre WAV files), then runs features (log-mels and FMA vectors)
/// → train (both networks, few epochs, and LightGBM on the FMA vectors) → evaluate (with the ensemble of all three) →
/// predict (a longer song, in sliding windows) → report, and checks that saved models (a network and LightGBM) load in a
/// fresh MLContext and give the same probabilities.
/// </summary>
internal static class DemoCommand
{
    public sealed record Options(string Out, int Epochs, int ClipsPerGenre, int Seed);

    public static int Run(Options o)
    {
        var watch = Stopwatch.StartNew();
        var ws = new Workspace(o.Out);
        string audio = Path.Combine(ws.Root, "demo-audio"), songs = Path.Combine(ws.Root, "demo-songs");
        AnsiConsole.Write(new Rule("[bold]MelGenre demo[/]: synthetic genres, both networks + LightGBM, ensemble, whole-song prediction").LeftJustified());
        AnsiConsole.MarkupLineInterpolated($"Writing {SyntheticMusic.Genres.Count} x {o.ClipsPerGenre} clips of {SyntheticMusic.ClipSeconds} s to {audio} (one folder per genre) ...");
        SyntheticMusic.WriteDataset(audio, o.ClipsPerGenre, o.Seed);
        string song = SyntheticMusic.WriteSong(songs, "chirps", 20, o.Seed + 1000);

        var features = new FeatureOptions { DurationSeconds = SyntheticMusic.ClipSeconds, HopLength = 512, PadMode = "constant" };
        Step("features");
        FeaturesCommand.Run(new FeaturesCommand.Options(new DatasetSource(null, null, "small", audio, null, null), ws.Root, null, features,
            o.Seed, 0.2, 0.2, null, "half", false, "both", new FmaOptions { SampleRate = SyntheticMusic.Rate }));
        Step("train");
        TrainCommand.Run(new TrainCommand.Options(ws.Root, "crnn,cnnrnn,lightgbm", o.Epochs, 8, null, o.Seed, null, null));
        Step("evaluate");
        var metrics = EvaluateCommand.Run(new EvaluateCommand.Options(ws.Root, "test", null));
        Step("predict");
        var predictions = PredictCommand.Run(new PredictCommand.Options(songs, ws.Root, null, null, 3, 64));
        Step("report");
        var pngs = ReportCommand.Run(new ReportCommand.Options(ws.Root, 3000));

        Step("reload");
        bool same = ReloadCheck(ws, "crnn", song) & ReloadCheck(ws, "lightgbm", song);
        AnsiConsole.Write(new Rule("[bold]Done[/]").LeftJustified());
        var ensemble = metrics.Last();
        AnsiConsole.MarkupLineInterpolated($"Test accuracy: {string.Join(", ", metrics.Select(m => $"{m.Title} {m.TopKAccuracy[0]:P0}"))}.");
        AnsiConsole.MarkupLineInterpolated($"The 20-s 'chirps' song was classified as {predictions[0].Top[0].Genre} ({predictions[0].Top[0].Probability:P0}) over {predictions[0].Windows} windows.");
        AnsiConsole.MarkupLineInterpolated($"Finished in {watch.Elapsed.TotalSeconds:0} s. Outputs in {ws.Root}:");
        AnsiConsole.MarkupLineInterpolated($"  models:   {ws.ModelPath("crnn")}, {ws.ModelPath("cnnrnn")}, {ws.ModelPath("lightgbm")} (load with mlContext.RegisterMelGenre().Model.Load)");
        AnsiConsole.MarkupLineInterpolated($"  metrics:  {Path.Combine(ws.Metrics, "metrics.json")}, metrics.md, confusion-*.png");
        AnsiConsole.MarkupLineInterpolated($"  report:   {ws.Report} ({pngs.Count} PNGs)");
        AnsiConsole.MarkupLineInterpolated($"  features: {ws.ManifestPath}, cache in {ws.DefaultCache}");
        AnsiConsole.MarkupLine("Your own music: melgenre features --folder <root with one folder per genre> --out DIR, then train/evaluate/predict/report --out DIR (see --help).");
        return same && ensemble.TopKAccuracy[0] > 1.0 / SyntheticMusic.Genres.Count ? 0 : 1;
    }

    private static void Step(string name) => AnsiConsole.Write(new Rule($"[bold]{name}[/]").LeftJustified());

    /// <summary>
    /// Loads a saved model in a fresh MLContext (as another application would), classifies a file through the whole
    /// pipeline and compares the probabilities with the CLI's own path (features computed outside ML.NET, then the model's
    /// scoring part): both must agree, or cached-feature evaluation would not describe the saved model.
    /// </summary>
    private static bool ReloadCheck(Workspace ws, string name, string file)
    {
        var ml = new MLContext(1);
        var original = ModelFiles.Load(ml, name, ws.ModelPath(name));
        float[] features = original.Kind == FeatureKind.Mel ? new ClipFeaturizer(original.Mel!).Extract(file) : new ClipFeaturizer(original.Fma!).Extract(file);
        var expected = ModelFiles.Score(ml, original, new[] { features })[0];

        var fresh = new MLContext(seed: 7).RegisterMelGenre();
        var model = fresh.Model.Load(ws.ModelPath(name), out _);
        using var engine = fresh.Model.CreatePredictionEngine<PathRow, GenrePrediction>(model);
        var prediction = engine.Predict(new PathRow { Path = file });
        bool same = prediction.Score.Length == expected.Length && prediction.Score.Zip(expected).All(p => Math.Abs(p.First - p.Second) < 1e-5f);
        AnsiConsole.MarkupLineInterpolated($"Reloaded {Path.GetFileName(ws.ModelPath(name))} in a fresh MLContext: '{Path.GetFileName(file)}' → {prediction.PredictedGenre} ({prediction.Score.Max():P0}); probabilities {(same ? "equal (within 1e-5)" : "[red]DIFFERENT[/]")} to the in-process model.");
        return same;
    }

    /// <summary>Output row of a saved model.</summary>
    public sealed class GenrePrediction
    {
        public string PredictedGenre { get; set; } = "";
        public float[] Score { get; set; } = Array.Empty<float>();
    }
}

/// <summary>
/// Synthetic "genres" written as 22,050-Hz mono 16-bit WAV. Each differs in spectrum and rhythm, with random pitch,
/// tempo, level and noise per clip: drone (low sustained tones, slow swell), chirps (rising sweeps), beats (decaying
/// noise bursts on a tempo), bells (high decaying partials at random onsets), hiss (steady high-passed noise).
/// </summary>
internal static class SyntheticMusic
{
    public const int Rate = 22050;
    public const int ClipSeconds = 6;
    public static readonly IReadOnlyList<string> Genres = new[] { "beats", "bells", "chirps", "drone", "hiss" };

    public static void WriteDataset(string root, int perGenre, int seed)
    {
        var rng = new Random(seed);
        foreach (var genre in Genres)
        {
            string folder = Path.Combine(root, genre);
            Directory.CreateDirectory(folder);
            for (int i = 0; i < perGenre; i++)
                WriteWav(Path.Combine(folder, $"{genre}-{i:D2}.wav"), Make(genre, ClipSeconds * Rate, rng));
        }
    }

    public static string WriteSong(string folder, string genre, int seconds, int seed)
    {
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, $"{genre}-song-{seconds}s.wav");
        WriteWav(path, Make(genre, seconds * Rate, new Random(seed)));
        return path;
    }

    private static float[] Make(string genre, int n, Random rng)
    {
        var x = new float[n];
        double level = 0.2 + 0.3 * rng.NextDouble();
        switch (genre)
        {
            case "drone":
            {
                double f0 = 60 + 80 * rng.NextDouble();
                double swell = 0.1 + 0.3 * rng.NextDouble();
                for (int i = 0; i < n; i++)
                {
                    double t = (double)i / Rate;
                    double env = 0.6 + 0.4 * Math.Sin(2 * Math.PI * swell * t);
                    x[i] = (float)(level * env * (Math.Sin(2 * Math.PI * f0 * t) + 0.5 * Math.Sin(2 * Math.PI * 1.5 * f0 * t) + 0.3 * Math.Sin(2 * Math.PI * 2 * f0 * t)) / 1.8);
                }
                break;
            }
            case "chirps":
            {
                double period = 0.4 + 0.4 * rng.NextDouble(), lo = 300 + 300 * rng.NextDouble(), hi = 2500 + 2500 * rng.NextDouble();
                double phase = 0;
                for (int i = 0; i < n; i++)
                {
                    double u = ((double)i / Rate % period) / period;
                    phase += 2 * Math.PI * (lo + (hi - lo) * u) / Rate;
                    x[i] = (float)(level * Math.Sin(phase) * Math.Sin(Math.PI * u));
                }
                break;
            }
            case "beats":
            {
                double beat = 60.0 / (90 + 60 * rng.NextDouble());
                for (int i = 0; i < n; i++)
                {
                    double t = (double)i / Rate;
                    double env = Math.Exp(-25 * (t % beat));
                    x[i] = (float)(level * env * (2 * rng.NextDouble() - 1) + level * 0.5 * env * Math.Sin(2 * Math.PI * 55 * t));
                }
                break;
            }
            case "bells":
            {
                double f = 1800 + 2500 * rng.NextDouble(), t0 = 0;
                for (int i = 0; i < n; i++)
                {
                    double t = (double)i / Rate;
                    if (t - t0 > 0.3 + 0.5 * rng.NextDouble() && rng.NextDouble() < 0.001)
                        t0 = t;
                    double env = Math.Exp(-4 * (t - t0));
                    x[i] = (float)(level * env * (Math.Sin(2 * Math.PI * f * t) + 0.6 * Math.Sin(2 * Math.PI * 2.76 * f * t)) / 1.6);
                }
                break;
            }
            default: // hiss: white noise minus its one-sample delay = a gentle high-pass
            {
                double prev = 0;
                for (int i = 0; i < n; i++)
                {
                    double w = 2 * rng.NextDouble() - 1;
                    x[i] = (float)(level * 0.5 * (w - prev));
                    prev = w;
                }
                break;
            }
        }
        for (int i = 0; i < n; i++)
            x[i] += (float)(0.003 * (2 * rng.NextDouble() - 1)); // a little background noise in every genre
        return x;
    }

    private static void WriteWav(string path, float[] samples)
    {
        using var w = new BinaryWriter(File.Create(path));
        int bytes = samples.Length * 2;
        w.Write("RIFF"u8);
        w.Write(36 + bytes);
        w.Write("WAVE"u8);
        w.Write("fmt "u8);
        w.Write(16);
        w.Write((short)1);
        w.Write((short)1);
        w.Write(Rate);
        w.Write(Rate * 2);
        w.Write((short)2);
        w.Write((short)16);
        w.Write("data"u8);
        w.Write(bytes);
        foreach (float s in samples)
            w.Write((short)Math.Clamp(Math.Round(s * 32767), -32768, 32767));
    }
}
