using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using MelGenre.Dsp;
using MelGenre.Persistence;
using MelGenre.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace MelGenre.Tests.Pipeline;

/// <summary>mlContext.Model.Save / Load of the front end, in this process and in a fresh one.</summary>
public sealed class PersistenceTests : IDisposable
{
    private readonly string _dir = TestAudio.NewFolder();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class Features
    {
        [VectorType]
        public float[] LogMel { get; set; } = Array.Empty<float>();
    }

    private (MLContext Ml, IDataView Data, ITransformer Model, string Wav) Build()
    {
        var ml = new MLContext(1);
        string wav = TestAudio.WriteWav(Path.Combine(_dir, "mix.wav"), 44100, 2, 44100 * 2,
            (c, i) => 0.4 * Math.Sin(2 * Math.PI * (c == 0 ? 330 : 2500) * i / 44100.0));
        var data = ml.Data.LoadFromEnumerable(new[] { new PathRow { Path = wav } });
        var pipeline = ml.Transforms.LoadAudio("Audio", "Path", durationSeconds: 1.5)
            .Append(ml.Transforms.ExtractMelSpectrogram(new MelSpectrogramEstimator.Options
            {
                InputColumnName = "Audio",
                OutputColumnName = "Mel",
                Settings = new MelSpectrogramSettings { HopLength = 1024, PadMode = PadMode.Reflect, MelCount = 96 },
            }))
            .Append(ml.Transforms.ConvertToDecibels("LogMel", "Mel", DecibelReference.Maximum, scale: DecibelScale.NaturalLog));
        return (ml, data, pipeline.Fit(data), wav);
    }

    [Fact]
    public void Saved_pipeline_reloads_in_a_fresh_MLContext_with_identical_outputs_and_settings()
    {
        var (ml, data, model, _) = Build();
        var expected = model.Transform(data).GetColumn<float[]>("LogMel").Single();
        string zip = Path.Combine(_dir, "model.zip");
        ml.Model.Save(model, data.Schema, zip);

        var fresh = new MLContext(99).RegisterMelGenre();
        var loaded = fresh.Model.Load(zip, out var inputSchema);
        Assert.Equal(TextDataViewType.Instance, inputSchema["Path"].Type);
        var output = loaded.Transform(data);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 96, 33), output.Schema["LogMel"].Type);
        Assert.Equal(expected, output.GetColumn<float[]>("LogMel").Single());

        var chain = Assert.IsType<TransformerChain<ITransformer>>(loaded);
        var mel = chain.OfType<MelSpectrogramTransformer>().Single();
        Assert.Equal(PadMode.Reflect, mel.Settings.PadMode);
        Assert.Equal(1024, mel.Settings.HopLength);
        var db = chain.OfType<LogPowerTransformer>().Single();
        Assert.Equal(DecibelScale.NaturalLog, db.Settings.Scale);
        Assert.Equal(DecibelReference.Maximum, db.Settings.Reference);
    }

    [Fact]
    public void Prediction_engine_works_on_the_loaded_model()
    {
        var (ml, data, model, wav) = Build();
        string zip = Path.Combine(_dir, "model.zip");
        ml.Model.Save(model, data.Schema, zip);
        var fresh = new MLContext(5).RegisterMelGenre();
        var loaded = fresh.Model.Load(zip, out _);
        using var engine = fresh.Model.CreatePredictionEngine<PathRow, Features>(loaded);
        var viaEngine = engine.Predict(new PathRow { Path = wav }).LogMel;
        Assert.Equal(model.Transform(data).GetColumn<float[]>("LogMel").Single(), viaEngine);
        Assert.Equal(96 * 33, viaEngine.Length); // 1 + 33075 // 1024 frames
        Assert.InRange(viaEngine.Min(), -80 * Decibels.NaturalLogPerDecibel - 1e-4, 0);
    }

    [Fact]
    public void Loading_without_registration_explains_what_to_call()
    {
        var (ml, data, model, _) = Build();
        string zip = Path.Combine(_dir, "model.zip");
        ml.Model.Save(model, data.Schema, zip);
        var ex = Assert.ThrowsAny<Exception>(() => new MLContext(3).Model.Load(zip, out _));
        var messages = string.Join(" | ", Chain(ex).Select(e => e.Message));
        Assert.Contains("mlContext.RegisterMelGenre()", messages);
    }

    [Fact]
    public void Model_reloads_in_a_fresh_process_with_identical_outputs()
    {
        var (ml, data, model, wav) = Build();
        var expected = model.Transform(data).GetColumn<float[]>("LogMel").Single();
        string zip = Path.Combine(_dir, "model.zip");
        ml.Model.Save(model, data.Schema, zip);
        string outFile = Path.Combine(_dir, "out.f32");

        var (code, stderr) = RunHost(zip, wav, "LogMel", outFile);
        Assert.True(code == 0, $"child process failed ({code}): {stderr}");
        var bytes = File.ReadAllBytes(outFile);
        var actual = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, actual, 0, bytes.Length);
        Assert.Equal(expected, actual);

        var (code2, stderr2) = RunHost(zip, wav, "LogMel", outFile, "--no-register");
        Assert.Equal(3, code2);
        Assert.Contains("RegisterMelGenre", stderr2);
    }

    [Fact]
    public void Bridge_resolves_every_MLNET_internal_it_needs()
    {
        // Fails loudly (naming the member) if a Microsoft.ML update moves an internal the bridge uses.
        var members = MlNetBridge.Members;
        Assert.NotNull(members.AddClass);
        Assert.Equal(8, MelGenreComponents.All.Count);
        Assert.All(MelGenreComponents.All, l => Assert.InRange(l.LoaderSignature.Length, 1, 24));
    }

    private static (int Code, string Stderr) RunHost(params string[] args)
    {
        string host = Path.Combine(AppContext.BaseDirectory, "MelGenre.ModelHost.dll");
        Assert.True(File.Exists(host), $"{host} missing");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(host);
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string stderr = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(120_000), "child process hung");
        return (p.ExitCode, stderr);
    }

    private static System.Collections.Generic.IEnumerable<Exception> Chain(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            yield return e;
    }
}
