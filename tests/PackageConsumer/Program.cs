// A user's application: references the MelGenre package only, builds the audio front end, saves the
// model, loads it in a fresh MLContext and checks it gives the same features.
using System;
using System.IO;
using System.Linq;
using MelGenre;
using Microsoft.ML;
using Microsoft.ML.Data;

string dir = Path.Combine(Path.GetTempPath(), "melgenre-consumer-" + Environment.ProcessId);
Directory.CreateDirectory(dir);
string wav = Path.Combine(dir, "tone.wav");
WriteWav(wav, 44100, 2, 3.0);

var ml = new MLContext(seed: 1);
var data = ml.Data.LoadFromEnumerable(new[] { new Clip { Path = wav } });
var pipeline = ml.Transforms.LoadAudio("Audio", "Path", durationSeconds: 2)
    .Append(ml.Transforms.ExtractMelSpectrogram("Mel", "Audio"))
    .Append(ml.Transforms.ConvertToDecibels("Features", "Mel"));
var model = pipeline.Fit(data);
var features = model.Transform(data).GetColumn<float[]>("Features").Single();
var type = model.GetOutputSchema(data.Schema)["Features"].Type;
string zip = Path.Combine(dir, "frontend.zip");
ml.Model.Save(model, data.Schema, zip);

var fresh = new MLContext(seed: 2).RegisterMelGenre();
var loaded = fresh.Model.Load(zip, out _);
var again = loaded.Transform(data).GetColumn<float[]>("Features").Single();
bool same = features.SequenceEqual(again);
Console.WriteLine($"consumer: Features {type}, max {features.Max():0.00} dB, reloaded identical: {same}");
Directory.Delete(dir, recursive: true);
return same && features.Length == 128 * 87 ? 0 : 1;

// 16-bit PCM WAV with a 440 Hz tone on the left channel and 880 Hz on the right.
static void WriteWav(string path, int rate, int channels, double seconds)
{
    int frames = (int)(rate * seconds);
    using var w = new BinaryWriter(File.Create(path));
    int dataBytes = frames * channels * 2;
    w.Write("RIFF"u8); w.Write(36 + dataBytes); w.Write("WAVE"u8);
    w.Write("fmt "u8); w.Write(16); w.Write((short)1); w.Write((short)channels); w.Write(rate);
    w.Write(rate * channels * 2); w.Write((short)(channels * 2)); w.Write((short)16);
    w.Write("data"u8); w.Write(dataBytes);
    for (int i = 0; i < frames; i++)
        for (int c = 0; c < channels; c++)
            w.Write((short)(16000 * Math.Sin(2 * Math.PI * 440 * (c + 1) * i / rate)));
}

internal sealed class Clip
{
    public string Path { get; set; } = "";
}
