using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using MelGenre.Cli;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace MelGenre.Tests.Cli;

/// <summary>Where the shared 62-clip FMA sample is: ../shared/data/fma-sample from the repository root, found by walking up.</summary>
internal static class FmaSample
{
    public static string? Folder { get; } = Find();

    private static string? Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "data", "fma-sample");
            if (File.Exists(Path.Combine(candidate, "labels.csv")))
                return candidate;
        }
        return null;
    }
}

/// <summary>A fact that is skipped, with the reason, when the FMA sample is not next to the repository (a fresh clone).</summary>
public sealed class FmaSampleFactAttribute : FactAttribute
{
    public FmaSampleFactAttribute()
    {
        if (FmaSample.Folder is null)
            Skip = "The FMA sample (shared/data/fma-sample, beside the repository) is not present; this end-to-end test needs its real MP3s.";
    }
}

/// <summary>The CLI end to end, in process: features → train → evaluate → predict → report.</summary>
[Collection(TorchCollection.Name)]
public sealed class CliIntegrationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("melgenre-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static void Ok(params string[] args) => Assert.Equal(0, CliApp.Run(args));

    [FmaSampleFact]
    public void Real_fma_clips_from_a_csv_go_through_every_command()
    {
        string work = Path.Combine(_dir, "work");
        Ok("features", "--csv", Path.Combine(FmaSample.Folder!, "labels.csv"), "--out", work);
        var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(work, "features.json"))).RootElement;
        Assert.Equal(62, manifest.GetProperty("clips").GetArrayLength());
        Assert.Equal(6, manifest.GetProperty("genres").GetArrayLength());
        Assert.Contains(manifest.GetProperty("clips").EnumerateArray(), c => c.GetProperty("split").GetString() == "validation");
        Assert.Equal("", File.ReadAllText(Path.Combine(work, "failed-files.txt")));

        // Tiny training: one epoch on the first 256 frames (both networks need >= 222), and the two classical models on the
        // cached FMA vectors (computed by `features`, default --kind both).
        Assert.Equal(2, Directory.GetDirectories(Path.Combine(work, "cache")).Length); // log-mel and fma-<fingerprint>
        Ok("train", "--out", work, "--model", "all", "--epochs", "1", "--frames", "256", "--batch-size", "16", "--threads", "1");
        foreach (var name in new[] { "crnn", "cnnrnn", "lightgbm", "linear", "rbf" })
            Assert.True(File.Exists(Path.Combine(work, "models", name + ".zip")), name);

        Ok("evaluate", "--out", work);
        var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(work, "metrics", "metrics.json"))).RootElement;
        Assert.Equal(new[] { "crnn", "cnnrnn", "lightgbm", "linear", "rbf", "ensemble" }, metrics.EnumerateArray().Select(m => m.GetProperty("model").GetString()));
        Assert.Equal(new[] { "crnn", "cnnrnn", "lightgbm", "linear", "rbf" }, metrics[5].GetProperty("members").EnumerateArray().Select(m => m.GetString()));
        foreach (var m in metrics.EnumerateArray())
        {
            Assert.Equal(9, m.GetProperty("count").GetInt32());
            var topK = m.GetProperty("topKAccuracy").EnumerateArray().Select(a => a.GetDouble()).ToArray();
            Assert.Equal(5, topK.Length);
            Assert.True(topK.Zip(topK.Skip(1)).All(p => p.First <= p.Second), "top-k accuracy must not fall with k");
            Assert.Equal(9, m.GetProperty("confusion").EnumerateArray().Sum(r => r.EnumerateArray().Sum(c => c.GetInt32())));
            Assert.Equal(6, m.GetProperty("perClass").GetArrayLength());
        }
        Assert.Contains("Ensemble", File.ReadAllText(Path.Combine(work, "metrics", "metrics.md")));
        AssertPng(Path.Combine(work, "metrics", "confusion-ensemble.png"));
        AssertPng(Path.Combine(work, "metrics", "confusion-lightgbm.png"));

        // An ensemble of a chosen subset: a network and a classical model.
        Ok("evaluate", "--out", work, "--ensemble", "crnn,lightgbm");
        metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(work, "metrics", "metrics.json"))).RootElement;
        Assert.Equal(new[] { "crnn", "lightgbm" }, metrics[5].GetProperty("members").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(2, CliApp.Run(new[] { "evaluate", "--out", work, "--ensemble", "crnn,resnet" }));

        // The saved classical model is the whole pipeline from a path, loadable like the networks, and its Score is already
        // a probability distribution (LightGBM's multiclass model applies a softmax).
        var ml = new MLContext(3).RegisterMelGenre();
        var lightgbm = ml.Model.Load(Path.Combine(work, "models", "lightgbm.zip"), out var input);
        Assert.Equal("Path", Assert.Single(input).Name);
        var paths = ml.Data.LoadFromEnumerable(new[] { "000002.mp3", "000140.mp3" }.Select(f => new PathRow { Path = Path.Combine(FmaSample.Folder!, "fma_small", "000", f) }));
        foreach (var score in lightgbm.Transform(paths).GetColumn<float[]>("Score"))
        {
            Assert.Equal(6, score.Length);
            Assert.InRange(score.Sum(), 0.9999f, 1.0001f);
        }

        string songs = Path.Combine(_dir, "songs");
        Directory.CreateDirectory(songs);
        foreach (var f in new[] { "000002.mp3", "000140.mp3" })
            File.Copy(Path.Combine(FmaSample.Folder!, "fma_small", "000", f), Path.Combine(songs, f));
        Ok("predict", songs, "--out", work); // all five models
        var lines = File.ReadAllLines(Path.Combine(work, "predictions.csv"));
        Assert.Equal(3, lines.Length);
        foreach (var line in lines.Skip(1))
        {
            var cells = line.Split(',');
            Assert.Equal("1", cells[1]); // a 30-s clip is one window
            float p1 = float.Parse(cells[3], System.Globalization.CultureInfo.InvariantCulture), p2 = float.Parse(cells[5], System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(p1, 1f / 6, 1f);
            Assert.True(p1 >= p2);
        }

        Ok("report", "--out", work);
        foreach (var png in new[] { "training-curves.png", "pca.png", "mel-Folk.png", "mel-Rock.png" })
            AssertPng(Path.Combine(work, "report", png));
        Assert.Equal(6, Directory.GetFiles(Path.Combine(work, "report"), "mel-*.png").Length);
    }

    [Fact]
    public void A_folder_per_genre_tree_goes_through_every_command()
    {
        string audio = Path.Combine(_dir, "audio"), work = Path.Combine(_dir, "work");
        SyntheticMusic.WriteDataset(audio, 4, seed: 5);
        // Only the log-mels here: `train` computes the FMA vectors when a classical model first needs them.
        Ok("features", "--folder", audio, "--out", work, "--duration", "6", "--hop", "512", "--pad", "constant", "--validation", "0.25", "--test", "0.25",
            "--kind", "mel", "--fma-sample-rate", "22050", "--fma-cqt");
        Assert.Single(Directory.GetDirectories(Path.Combine(work, "cache")));
        Ok("train", "--out", work, "--model", "crnn,lightgbm,linear,rbf", "--epochs", "2", "--batch-size", "8", "--threads", "1");
        Assert.False(File.Exists(Path.Combine(work, "models", "cnnrnn.zip")));
        Assert.Equal(2, Directory.GetDirectories(Path.Combine(work, "cache")).Length);
        Ok("evaluate", "--out", work, "--split", "validation", "--ensemble", "classical");
        var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(work, "metrics", "metrics.json"))).RootElement;
        Assert.Equal(new[] { "crnn", "lightgbm", "linear", "rbf", "ensemble" }, metrics.EnumerateArray().Select(m => m.GetProperty("model").GetString()));
        Assert.Equal(new[] { "lightgbm", "linear", "rbf" }, metrics[4].GetProperty("members").EnumerateArray().Select(m => m.GetString()));
        Ok("evaluate", "--out", work, "--split", "validation", "--model", Path.Combine(work, "models", "crnn.zip"));
        metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(work, "metrics", "metrics.json"))).RootElement;
        Assert.Equal("crnn", Assert.Single(metrics.EnumerateArray()).GetProperty("model").GetString()); // one model: no ensemble
        string song = SyntheticMusic.WriteSong(Path.Combine(_dir, "song"), "drone", 14, seed: 9);
        Ok("predict", song, "--out", work, "--hop", "3");
        Assert.StartsWith(song + ",4,", File.ReadAllLines(Path.Combine(work, "predictions.csv"))[1]); // 0, 3, 6 and, for the 2-s tail, 8
        Ok("predict", song, "--out", work, "--hop", "3", "--model", Path.Combine(work, "models", "linear.zip")); // a classical model alone
        Assert.StartsWith(song + ",4,", File.ReadAllLines(Path.Combine(work, "predictions.csv"))[1]);
        Ok("predict", song, "--out", work, "--hop", "3", "--model", Path.Combine(work, "models", "rbf.zip")); // the kernel model alone, on the 518 values
        Assert.StartsWith(song + ",4,", File.ReadAllLines(Path.Combine(work, "predictions.csv"))[1]);
        Assert.Equal(518, MelGenre.Prediction.GenreModel.Load(new MLContext(), Path.Combine(work, "models", "rbf.zip")).FeatureType.Size);
        Ok("report", "--out", work);
        Assert.Equal(5, Directory.GetFiles(Path.Combine(work, "report"), "mel-*.png").Length);
    }

    [Fact]
    public void User_errors_exit_with_code_2_and_no_stack_trace()
    {
        Assert.Equal(2, CliApp.Run(new[] { "features", "--folder", Path.Combine(_dir, "does-not-exist"), "--out", _dir }));
        Assert.Equal(2, CliApp.Run(new[] { "train", "--out", Path.Combine(_dir, "empty") }));
        Assert.Equal(2, CliApp.Run(new[] { "features", "--csv", "a.csv", "--folder", _dir }));
        Assert.NotEqual(0, CliApp.Run(new[] { "train", "--model", "resnet" }));
        Assert.NotEqual(0, CliApp.Run(new[] { "train", "--model", "crnn,svm" }));
    }

    private static void AssertPng(string path)
    {
        Assert.True(File.Exists(path), path);
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 5_000, $"{path} is only {bytes.Length} bytes");
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, bytes.Take(4));
    }
}
