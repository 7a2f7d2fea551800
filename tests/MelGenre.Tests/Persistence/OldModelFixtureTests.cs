using System;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace MelGenre.Tests.Persistence;

/// <summary>
/// Model zips saved by MelGenre 0.1.0 (TestData/models-0.1.0, see its README) load in this version and give the
/// values that version computed. Tolerance: exact for the transforms (the DSP code is deterministic and unchanged);
/// 1e-6 absolute for the networks' probabilities (libtorch kernels may round the last bits differently between
/// batched and one-row inference).
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class OldModelFixtureTests
{
    private static string Dir => Path.Combine(AppContext.BaseDirectory, "TestData", "models-0.1.0");

    private sealed class PathRow
    {
        public string Path { get; set; } = "";
    }

    public static TheoryData<string, string, double> Cases() => new()
    {
        { "frontend", "Mel", 0 },
        { "frontend", "Features", 0 },
        { "features", "Mfcc", 0 },
        { "features", "Chroma", 0 },
        { "features", "Contrast", 0 },
        { "features", "MfccStats", 0 },
        { "features", "Fma", 0 },
        { "crnn", "Score", 1e-6 },
        { "cnnrnn", "Score", 1e-6 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Zip_saved_by_0_1_0_loads_and_gives_the_saved_values(string model, string column, double tolerance)
    {
        var ml = new MLContext(1).RegisterMelGenre();
        var loaded = ml.Model.Load(Path.Combine(Dir, model + ".zip"), out _);
        var input = ml.Data.LoadFromEnumerable(new[] { new PathRow { Path = Path.Combine(Dir, "clip0.wav") } });
        var output = loaded.Transform(input);
        var col = output.Schema[column];
        using var cursor = output.GetRowCursor(new[] { col });
        var getter = cursor.GetGetter<VBuffer<float>>(col);
        Assert.True(cursor.MoveNext());
        VBuffer<float> values = default;
        getter(ref values);
        float[] actual = values.DenseValues().ToArray();
        float[] expected = ReadF32(Path.Combine(Dir, $"{model}.{column}.f32"));
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
            worst = Math.Max(worst, Math.Abs((double)expected[i] - actual[i]));
        Assert.True(worst <= tolerance, $"{model}.{column}: max |diff| {worst:g3} > {tolerance:g3}");
    }

    private static float[] ReadF32(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var values = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        return values;
    }
}
