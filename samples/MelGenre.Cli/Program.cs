// MelGenre's main job, for now: the audio front end (LoadAudio -> ExtractMelSpectrogram -> ConvertToDecibels)
// on built-in synthetic clips, or on a folder of audio files given as the first argument.
// Usage: melgenre [folder-with-audio] [--out DIR]
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using MelGenre;
using MelGenre.Audio;
using MelGenre.Cli;
using Microsoft.ML;

string? folder = null;
string outDir = Path.Combine(Directory.GetCurrentDirectory(), "melgenre-output");
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--out" && i + 1 < args.Length)
        outDir = Path.GetFullPath(args[++i]);
    else if (args[i] is "-h" or "--help")
    {
        Console.WriteLine("usage: melgenre [folder-with-audio-files] [--out DIR]");
        Console.WriteLine("Without a folder, runs on built-in synthetic clips. Outputs go to DIR (default ./melgenre-output).");
        return 0;
    }
    else
        folder = args[i];
}
Directory.CreateDirectory(outDir);

List<string> files;
if (folder is null)
{
    Console.WriteLine("No folder given: making three 30-s synthetic clips (built-in demo data).");
    files = SyntheticClips.Write(Path.Combine(outDir, "clips"));
}
else
{
    if (!Directory.Exists(folder))
    {
        Console.Error.WriteLine($"error: folder '{folder}' does not exist.");
        return 2;
    }
    var extensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { ".mp3", ".wav", ".flac", ".ogg", ".oga" };
    files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Where(f => extensions.Contains(Path.GetExtension(f))).OrderBy(f => f, StringComparer.Ordinal).ToList();
    if (files.Count == 0)
    {
        Console.Error.WriteLine($"error: no .mp3/.wav/.flac/.ogg files under '{folder}'.");
        return 2;
    }
    Console.WriteLine($"Found {files.Count} audio files under {folder}.");
}

var ml = new MLContext(seed: 1);
var options = new LoadAudioEstimator.Options
{
    InputColumnName = "Path",
    OutputColumnName = "Audio",
    OnError = AudioErrorPolicy.EmitMissing, // a long run over many files must finish and say which ones failed
    ErrorColumnName = "Error",
};
var pipeline = ml.Transforms.LoadAudio(options)
    .Append(ml.Transforms.ExtractMelSpectrogram("Mel", "Audio"))
    .Append(ml.Transforms.ConvertToDecibels("LogMel", "Mel", reference: MelGenre.Features.DecibelReference.Maximum));
var schemaSource = ml.Data.LoadFromEnumerable(new[] { new ClipRow { Path = files[0] } });
var model = pipeline.Fit(schemaSource);
var melType = model.GetOutputSchema(schemaSource.Schema)["LogMel"].Type;
Console.WriteLine($"Pipeline: LoadAudio(22,050 Hz, 30 s) -> ExtractMelSpectrogram(n_fft 2048, hop 512, 128 mels) -> ConvertToDecibels(ref=max, top_db 80): {melType}");

// Extract in parallel: one PredictionEngine per thread (engines are not thread-safe; the model is).
var results = new ClipFeatures[files.Count];
var engines = new ThreadLocal<PredictionEngine<ClipRow, ClipFeatures>>(() => ml.Model.CreatePredictionEngine<ClipRow, ClipFeatures>(model, ignoreMissingColumns: true), trackAllValues: true);
var watch = Stopwatch.StartNew();
int done = 0;
var progress = new Progress(files.Count);
Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
{
    results[i] = engines.Value!.Predict(new ClipRow { Path = files[i] });
    progress.Report(Interlocked.Increment(ref done), watch.Elapsed);
});
progress.Finish(watch.Elapsed);
foreach (var e in engines.Values)
    e.Dispose();

var ok = Enumerable.Range(0, files.Count).Where(i => results[i].Error.Length == 0).ToList();
var failed = Enumerable.Range(0, files.Count).Where(i => results[i].Error.Length != 0).ToList();
Console.WriteLine($"Extracted {ok.Count} of {files.Count} clips in {watch.Elapsed.TotalSeconds:0.0} s ({files.Count / watch.Elapsed.TotalSeconds:0.0} clips/s on {Environment.ProcessorCount} cores).");
foreach (int i in ok.Take(folder is null ? 3 : 5))
{
    var f = results[i].LogMel;
    Console.WriteLine($"  {Path.GetFileName(files[i]),-24} min {f.Min(),7:0.0} dB  mean {f.Average(),7:0.0} dB  max {f.Max(),5:0.0} dB");
}
if (ok.Count > 0)
{
    Console.WriteLine($"Log-mel spectrogram of {Path.GetFileName(files[ok[0]])} (time ->, low mels at the bottom):");
    AsciiSpectrogram.Print(results[ok[0]].LogMel, 128, results[ok[0]].LogMel.Length / 128);
}
if (failed.Count > 0)
{
    string failedList = Path.Combine(outDir, "failed-files.txt");
    File.WriteAllLines(failedList, failed.Select(i => $"{files[i]}\t{results[i].Error}"));
    Console.WriteLine($"{failed.Count} files could not be used (listed in {failedList}):");
    foreach (int i in failed.Take(10))
        Console.WriteLine($"  {results[i].Error}");
}

// Save the front end as an ML.NET model, load it in a fresh MLContext, and check it gives the same features.
string zip = Path.Combine(outDir, "frontend.zip");
ml.Model.Save(model, schemaSource.Schema, zip);
var fresh = new MLContext(seed: 2).RegisterMelGenre();
var loaded = fresh.Model.Load(zip, out _);
using var reloadedEngine = fresh.Model.CreatePredictionEngine<ClipRow, ClipFeatures>(loaded, ignoreMissingColumns: true);
int check = ok.Take(5).Count(i => reloadedEngine.Predict(new ClipRow { Path = files[i] }).LogMel.AsSpan().SequenceEqual(results[i].LogMel));
Console.WriteLine($"Saved the pipeline to {zip}; reloaded in a fresh MLContext: {check} of {Math.Min(5, ok.Count)} clips give identical features.");
Console.WriteLine($"Outputs are in {outDir}");
return check == Math.Min(5, ok.Count) && ok.Count > 0 ? 0 : 1;
