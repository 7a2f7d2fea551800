using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using MelGenre.Cli;
using Xunit;

namespace MelGenre.Tests.Cli;

/// <summary>Issue 11, item 5 through the CLI: <c>train</c> checkpoints every epoch and <c>--resume</c> continues from it.</summary>
public sealed class ResumeCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("melgenre-cli-resume-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static void Ok(params string[] args) => Assert.Equal(0, CliApp.Run(args));

    /// <summary>The network weights inside a saved model (the history beside them holds wall-clock durations).</summary>
    private static byte[] Weights(string model)
    {
        using var zip = ZipFile.OpenRead(model);
        var entry = Assert.Single(zip.Entries, e => e.Name == "Weights.bin");
        using var stream = entry.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    [Fact]
    public void Train_resume_continues_from_the_last_checkpoint_to_the_uninterrupted_model()
    {
        string audio = Path.Combine(_dir, "audio"), work = Path.Combine(_dir, "work");
        SyntheticMusic.WriteDataset(audio, 4, seed: 5);
        Ok("features", "--folder", audio, "--out", work, "--duration", "6", "--hop", "512", "--pad", "constant", "--validation", "0.25", "--test", "0.25", "--kind", "mel");
        string model = Path.Combine(work, "models", "crnn.zip");

        Ok("train", "--out", work, "--model", "crnn", "--epochs", "3", "--batch-size", "8", "--threads", "1");
        var whole = Weights(model);
        string folder = Path.Combine(work, "checkpoints", "crnn");
        var wholeEnd = new MelGenre.Training.CheckpointStore(folder, null).TryRead()!;
        Assert.Equal(3, wholeEnd.Epoch);

        // A run that ended after epoch 2 (as a kill during epoch 3 leaves it), then --resume to 3.
        Directory.Delete(Path.Combine(work, "checkpoints"), recursive: true);
        Ok("train", "--out", work, "--model", "crnn", "--epochs", "2", "--batch-size", "8", "--threads", "1");
        var stopped = new MelGenre.Training.CheckpointStore(folder, null).TryRead()!;
        Assert.Equal(2, stopped.Epoch);
        Assert.False(stopped.Weights.SequenceEqual(wholeEnd.Weights)); // epoch 3 changes the weights: the comparison below can fail
        Ok("train", "--out", work, "--model", "crnn", "--epochs", "3", "--batch-size", "8", "--threads", "1", "--resume");
        Assert.Equal(whole, Weights(model)); // the saved model (best epoch's weights)
        var resumed = new MelGenre.Training.CheckpointStore(folder, null).TryRead()!;
        Assert.Equal(3, resumed.Epoch);
        Assert.Equal(wholeEnd.Weights, resumed.Weights); // and the last epoch's weights, Adam state and generator
        Assert.Equal(wholeEnd.Optimizer, resumed.Optimizer);
        Assert.Equal(wholeEnd.RandomState, resumed.RandomState);
        Assert.Equal(wholeEnd.History.Select(e => e with { Duration = default }), resumed.History.Select(e => e with { Duration = default }));
    }
}
