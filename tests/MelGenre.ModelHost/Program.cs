// usage: MelGenre.ModelHost <model.zip> <audio-file> <column> <output.f32> [--no-register]
// Loads the model in this fresh process, runs it on one file through a PredictionEngine-free
// Transform, and writes the column's values as raw little-endian float32.
using System;
using System.IO;
using System.Linq;
using MelGenre;
using Microsoft.ML;
using Microsoft.ML.Data;

if (args.Length < 4)
{
    Console.Error.WriteLine("usage: MelGenre.ModelHost <model.zip> <audio-file> <column> <output.f32> [--no-register]");
    return 2;
}
var ml = new MLContext(seed: 7);
if (!args.Contains("--no-register"))
    ml.RegisterMelGenre();
try
{
    var model = ml.Model.Load(args[0], out var inputSchema);
    var data = ml.Data.LoadFromEnumerable(new[] { new Row { Path = args[1] } });
    var values = model.Transform(data).GetColumn<float[]>(args[2]).Single();
    using var w = new BinaryWriter(File.Create(args[3]));
    foreach (float v in values)
        w.Write(v);
    return 0;
}
catch (Exception ex)
{
    var inner = ex;
    while (inner.InnerException is not null)
        inner = inner.InnerException;
    Console.Error.WriteLine($"load failed: {inner.Message}");
    return 3;
}

internal sealed class Row
{
    public string Path { get; set; } = "";
}
