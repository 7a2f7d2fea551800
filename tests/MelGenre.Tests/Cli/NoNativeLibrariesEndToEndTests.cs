using System;
using System.Diagnostics;
using System.IO;
using Xunit;

namespace MelGenre.Tests.Cli;

/// <summary>
/// The CLI in a child process whose native audio libraries cannot load (MELGENRE_LIBSNDFILE and MELGENRE_LIBSOXR point
/// at a file that does not exist): Auto must fall back to the managed backend and the whole pipeline must work.
/// </summary>
public sealed class NoNativeLibrariesEndToEndTests : IDisposable
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), "melgenre-nonative-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_work))
            Directory.Delete(_work, recursive: true);
    }

    /// <summary>
    /// The demo does features (log-mel and FMA vectors, through the caches) -> train (CRNN, CNN-RNN, LightGBM) -> evaluate
    /// -> save -> load in a fresh MLContext (probabilities compared with the in-process model) -> predict a song; then
    /// `predict` runs again as its own command on the saved models. All with Auto and no native library.
    /// </summary>
    [Fact]
    public void Demo_and_predict_run_with_the_managed_backend_when_libsndfile_and_libsoxr_cannot_load()
    {
        var demo = RunCli("demo", "--out", _work, "--epochs", "1", "--clips", "4");
        Assert.True(demo.ExitCode == 0, $"demo exit code {demo.ExitCode}\n{demo.Output}");
        Assert.Contains("Audio is decoded by the managed", demo.Output);
        Assert.Contains("The native library libsndfile could not be loaded (tried: /nonexistent/libsndfile.so.1)", demo.Output);
        Assert.Contains("probabilities equal", demo.Output);
        foreach (string model in new[] { "crnn.zip", "cnnrnn.zip", "lightgbm.zip" })
            Assert.True(File.Exists(Path.Combine(_work, "models", model)), model + " was not saved");

        string song = Directory.GetFiles(_work, "*song*.wav", SearchOption.AllDirectories)[0];
        var predict = RunCli("predict", song, "--out", _work);
        Assert.True(predict.ExitCode == 0, $"predict exit code {predict.ExitCode}\n{predict.Output}");
        Assert.Contains("Audio is decoded by the managed", predict.Output);

        // Asking for native explicitly where it cannot load is not a silent fallback: the file fails (predict lists
        // per-file failures in its table) with the install hint.
        var native = RunCli("predict", song, "--out", _work, "--audio-backend", "native");
        Assert.Contains("Audio is decoded by the native (libsndfile + libsoxr) backend: forced by MELGENRE_AUDIO_BACKEND=native", native.Output);
        Assert.Contains("libsndfile1", native.Output);
        Assert.DoesNotContain("Audio is decoded by the managed", native.Output);
    }

    private static (int ExitCode, string Output) RunCli(params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "MelGenre.Cli.dll");
        Assert.True(File.Exists(dll), dll + " is missing");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        foreach (string a in args)
            start.ArgumentList.Add(a);
        start.Environment["MELGENRE_LIBSNDFILE"] = "/nonexistent/libsndfile.so.1";
        start.Environment["MELGENRE_LIBSOXR"] = "/nonexistent/libsoxr.so.0";
        start.Environment.Remove("MELGENRE_AUDIO_BACKEND");
        start.Environment["COLUMNS"] = "400";
        using var p = Process.Start(start)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout + "\n" + stderr.Result);
    }
}
