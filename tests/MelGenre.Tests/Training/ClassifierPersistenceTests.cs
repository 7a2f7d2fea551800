using System;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using MelGenre.Dsp;
using MelGenre.Tests.Pipeline;
using MelGenre.Training;
using MelGenre.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace MelGenre.Tests.Training;

/// <summary>A whole pipeline, audio files to genre, saved as one ML.NET zip and loaded elsewhere.</summary>
[Collection(TorchCollection.Name)]
public sealed class ClassifierPersistenceTests : IDisposable
{
    private readonly string _dir = TestAudio.NewFolder();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class Clip
    {
        public string Path { get; set; } = "";
        public string Genre { get; set; } = "";
    }

    private sealed class Prediction
    {
        [VectorType]
        public float[] Score { get; set; } = Array.Empty<float>();

        [KeyType(3)]
        public uint PredictedLabel { get; set; }
    }

    /// <summary>Twelve 1-s clips of three "genres": a low tone, a high tone, clicks.</summary>
    private (MLContext Ml, IDataView Data, ITransformer Model, Clip[] Clips) TrainPipeline()
    {
        var rng = new Random(3);
        var clips = Enumerable.Range(0, 12).Select(i =>
        {
            string genre = new[] { "low", "high", "clicks" }[i % 3];
            double f = (i % 3 == 0 ? 150 : 3000) * (1 + (0.1 * rng.NextDouble()));
            string path = TestAudio.WriteWav(System.IO.Path.Combine(_dir, $"{i}.wav"), 22050, 1, 22050, (_, n) => genre == "clicks"
                ? (n % 2205 < 40 ? 0.8 * (rng.NextDouble() - 0.5) : 0)
                : 0.4 * Math.Sin(2 * Math.PI * f * n / 22050));
            return new Clip { Path = path, Genre = genre };
        }).ToArray();

        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(clips);
        data = ml.Transforms.Conversion.MapValueToKey("Label", "Genre").Fit(data).Transform(data);
        var pipeline = ml.Transforms.LoadAudio("Audio", "Path", durationSeconds: 1)
            .Append(ml.Transforms.ExtractMelSpectrogram(new MelSpectrogramEstimator.Options { InputColumnName = "Audio", OutputColumnName = "Mel", Settings = new MelSpectrogramSettings { MelCount = 32 } }))
            .Append(ml.Transforms.ConvertToDecibels("Features", "Mel", DecibelReference.Maximum))
            .Append(ml.MulticlassClassification.Trainers.Crnn(Options()));
        return (ml, data, pipeline.Fit(data), clips);
    }

    private static CrnnTrainer.Options Options()
    {
        var options = TrainerTests.SmallCrnn(20);
        options.BatchSize = 4;
        return options;
    }

    [Fact]
    public void Trained_pipeline_saves_and_reloads_in_a_fresh_context_and_a_fresh_process_with_identical_scores()
    {
        var (ml, data, model, clips) = TrainPipeline();
        var expected = model.Transform(data).GetColumn<float[]>("Score").ToArray();
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(data));
        Assert.True(metrics.MicroAccuracy >= 0.9, $"training accuracy {metrics.MicroAccuracy:P0}");
        string zip = Path.Combine(_dir, "genre.zip");
        ml.Model.Save(model, data.Schema, zip);

        // Fresh MLContext: same scores via Transform (batched) and via PredictionEngine (one row).
        var fresh = new MLContext(42).RegisterMelGenre();
        var loaded = fresh.Model.Load(zip, out _);
        Assert.Equal(expected, loaded.Transform(data).GetColumn<float[]>("Score").ToArray());
        // One row at a time runs libtorch with batch 1, whose kernels may round differently from batch 12:
        // equal to float precision, not bit for bit.
        using var engine = fresh.Model.CreatePredictionEngine<Clip, Prediction>(loaded, ignoreMissingColumns: true);
        for (int i = 0; i < clips.Length; i += 5)
        {
            var single = engine.Predict(clips[i]);
            Assert.Equal(expected[i].Length, single.Score.Length);
            for (int k = 0; k < single.Score.Length; k++)
                Assert.Equal(expected[i][k], single.Score[k], 5);
            Assert.Equal((uint)(Array.IndexOf(expected[i], expected[i].Max()) + 1), single.PredictedLabel);
        }
        var classifier = ((TransformerChain<ITransformer>)loaded).OfType<GenreClassifierTransformer>().Single();
        Assert.Equal(20, classifier.History.Epochs.Count);
        Assert.Equal(new[] { "low", "high", "clicks" }, classifier.ClassNames);

        // Fresh process: scores one clip, so compare with this process scoring that clip alone.
        var one = ml.Data.LoadFromEnumerable(new[] { clips[4] });
        var expectedOne = model.Transform(one).GetColumn<float[]>("Score").Single();
        string outFile = Path.Combine(_dir, "score.f32");
        var (code, stderr) = RunHost(zip, clips[4].Path, "Score", outFile);
        Assert.True(code == 0, $"child process failed ({code}): {stderr}");
        var bytes = File.ReadAllBytes(outFile);
        var actual = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, actual, 0, bytes.Length);
        Assert.Equal(expectedOne, actual);
    }

    [Fact]
    public void A_damaged_model_file_gives_a_clear_error()
    {
        var (ml, data, model, _) = TrainPipeline();
        string zip = Path.Combine(_dir, "genre.zip");
        ml.Model.Save(model, data.Schema, zip);
        string damaged = Path.Combine(_dir, "damaged.zip");
        File.Copy(zip, damaged);
        using (var archive = ZipFile.Open(damaged, ZipArchiveMode.Update))
        {
            var weights = archive.Entries.Single(e => e.FullName.EndsWith("Weights.bin", StringComparison.Ordinal));
            string name = weights.FullName;
            weights.Delete();
            var replacement = archive.CreateEntry(name);
            using var s = replacement.Open();
            s.Write(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 });
        }
        var ex = Assert.ThrowsAny<Exception>(() => new MLContext(1).RegisterMelGenre().Model.Load(damaged, out _));
        var messages = string.Join(" | ", Chain(ex).Select(e => e.Message));
        Assert.Contains("weights could not be read", messages);
    }

    private static System.Collections.Generic.IEnumerable<Exception> Chain(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            yield return e;
    }

    internal static (int Code, string Stderr) RunHost(params string[] args)
    {
        string host = Path.Combine(AppContext.BaseDirectory, "MelGenre.ModelHost.dll");
        // Run the host with the test project's dependency manifest, which lists the native libtorch backend
        // (the host itself references only the managed MelGenre package, as a library user's app might not).
        string deps = Path.Combine(AppContext.BaseDirectory, "MelGenre.Tests.deps.json");
        string runtimeConfig = Path.Combine(AppContext.BaseDirectory, "MelGenre.ModelHost.runtimeconfig.json");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "exec", "--depsfile", deps, "--runtimeconfig", runtimeConfig, host }.Concat(args))
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string stderr = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(120_000), "child process hung");
        return (p.ExitCode, stderr);
    }
}
