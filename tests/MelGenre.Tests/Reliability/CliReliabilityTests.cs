using System;
using System.IO;
using System.Linq;
using MelGenre.Cli;
using Xunit;

namespace MelGenre.Tests.Reliability;

/// <summary>A small trained working folder shared by the CLI reliability tests (features + crnn, lightgbm, linear).</summary>
public sealed class TrainedWorkspace : IDisposable
{
    public TrainedWorkspace()
    {
        Root = Directory.CreateTempSubdirectory("melgenre-rel-ws-").FullName;
        Audio = Path.Combine(Root, "audio");
        Work = Path.Combine(Root, "work");
        SyntheticMusic.WriteDataset(Audio, 4, seed: 11);
        Huge = BadFiles.FloatWav(Path.Combine(Audio, "drone", "huge.wav"), 1e30f, rate: 22050, seconds: 6);
        FeaturesExit = CliApp.Run(new[] { "features", "--folder", Audio, "--out", Work, "--duration", "6", "--hop", "512", "--pad", "constant",
            "--validation", "0.25", "--test", "0.25", "--fma-sample-rate", "22050" });
        TrainExit = CliApp.Run(new[] { "train", "--out", Work, "--model", "crnn,lightgbm,linear", "--epochs", "1", "--batch-size", "8", "--threads", "1", "--iterations", "5" });
    }

    public string Root { get; }
    public string Audio { get; }
    public string Work { get; }
    public string Huge { get; }
    public int FeaturesExit { get; }
    public int TrainExit { get; }

    public string Model(string name) => Path.Combine(Work, "models", name + ".zip");

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

/// <summary>Issue 13 through the CLI, in process: user errors are one line with exit code 2; bad files fail alone.</summary>
[Collection(TorchCollection.Name)]
public sealed class CliReliabilityTests : IClassFixture<TrainedWorkspace>, IDisposable
{
    private readonly TrainedWorkspace _ws;
    private readonly string _dir = Directory.CreateTempSubdirectory("melgenre-rel-cli-").FullName;

    public CliReliabilityTests(TrainedWorkspace ws) => _ws = ws;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_file_with_absurd_samples_is_listed_as_failed_and_every_model_trains_without_it()
    {
        Assert.Equal(0, _ws.FeaturesExit);
        Assert.Equal(0, _ws.TrainExit);
        var failed = File.ReadAllLines(Path.Combine(_ws.Work, "failed-files.txt"));
        Assert.StartsWith(_ws.Huge + "\t", Assert.Single(failed));
        var manifest = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(_ws.Work, "features.json"))).RootElement;
        Assert.DoesNotContain(manifest.GetProperty("clips").EnumerateArray(), c => c.GetProperty("path").GetString() == _ws.Huge);
        Assert.Equal(_ws.Huge, Assert.Single(manifest.GetProperty("failedFiles").EnumerateArray()).GetString());
        foreach (var m in new[] { "crnn", "lightgbm", "linear" })
            Assert.True(File.Exists(_ws.Model(m)), m);
    }

    [Fact]
    public void Predict_writes_predictions_for_the_good_files_when_one_has_absurd_samples()
    {
        string songs = Path.Combine(_dir, "songs");
        string good = SyntheticMusic.WriteSong(songs, "drone", 8, seed: 3);
        string huge = BadFiles.FloatWav(Path.Combine(songs, "huge.wav"), 1e30f, rate: 22050, seconds: 7);
        var (code, errors) = CliRun.Run("predict", songs, "--out", _ws.Work, "--model", _ws.Model("crnn"), _ws.Model("linear"));
        Assert.True(code == 0, errors);
        var lines = File.ReadAllLines(Path.Combine(_ws.Work, "predictions.csv"));
        Assert.Equal(3, lines.Length);
        Assert.Contains(lines, l => l.StartsWith(good + ",", StringComparison.Ordinal) && !l.Contains("not finite"));
        Assert.Contains(lines, l => l.StartsWith(huge + ",0,", StringComparison.Ordinal) && l.Contains("not finite"));
    }

    [Fact]
    public void Predict_exits_2_when_every_file_failed()
    {
        string songs = Path.Combine(_dir, "bad");
        Directory.CreateDirectory(songs);
        File.WriteAllText(Path.Combine(songs, "a.mp3"), "not audio");
        BadFiles.FloatWav(Path.Combine(songs, "b.wav"), 1e30f, rate: 22050);
        CliRun.UserError(new[] { "predict", songs, "--out", _ws.Work, "--model", _ws.Model("crnn") }, "none of the 2 file(s)");
        Assert.Equal(3, File.ReadAllLines(Path.Combine(_ws.Work, "predictions.csv")).Length); // still written, with the reasons
    }
}

/// <summary>Issue 13, item 6: a model remembers its split; evaluate refuses it after a re-split.</summary>
[Collection(TorchCollection.Name)]
public sealed class SplitStampTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("melgenre-rel-split-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Evaluate_refuses_a_model_trained_on_another_split()
    {
        string audio = Path.Combine(_dir, "audio"), work = Path.Combine(_dir, "work");
        SyntheticMusic.WriteDataset(audio, 4, seed: 2);
        string[] Features(string seed) => new[] { "features", "--folder", audio, "--out", work, "--duration", "2", "--hop", "512", "--kind", "fma",
            "--fma-sample-rate", "22050", "--validation", "0.25", "--test", "0.25", "--seed", seed };
        Assert.Equal(0, CliRun.Run(Features("1")).Code);
        var (code, errors) = CliRun.Run("train", "--out", work, "--model", "linear");
        Assert.True(code == 0, errors);
        Assert.Equal(0, CliRun.Run("evaluate", "--out", work).Code);

        Assert.Equal(0, CliRun.Run(Features("2")).Code); // re-split: warned
        CliRun.UserError(new[] { "evaluate", "--out", work }, "linear.zip", "another split");
        Assert.Equal(0, CliRun.Run("evaluate", "--out", work, "--split", "training").Code);

        Assert.Equal(0, CliRun.Run("train", "--out", work, "--model", "linear").Code); // retrained: accepted again
        Assert.Equal(0, CliRun.Run("evaluate", "--out", work).Code);
    }
}
