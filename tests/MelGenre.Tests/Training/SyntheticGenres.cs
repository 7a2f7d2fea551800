using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MelGenre.Tests.Training;

/// <summary>One clip's log-mel-like features ([mels, frames], like ExtractMelSpectrogram) and its genre.</summary>
public sealed class FeatureRow
{
    public string Genre { get; set; } = "";

    [VectorType(SyntheticGenres.Mels, SyntheticGenres.Frames)]
    public float[] Features { get; set; } = Array.Empty<float>();
}

internal sealed class KeyRow
{
    public string Genre { get; set; } = "";
}

/// <summary>
/// Tiny synthetic "genres" that differ in spectral and temporal pattern, as dB-like values in [-80, 0]:
/// "bass" = steady energy in the low bands, "treble" = steady energy in the high bands,
/// "pulse" = mid bands switching on and off every 8 frames, "sweep" = a band rising over time.
/// Random level, offset and noise per clip keep it from being trivial.
/// </summary>
internal static class SyntheticGenres
{
    public const int Mels = 32;
    public const int Frames = 128;
    public static readonly string[] Names = { "bass", "treble", "pulse", "sweep" };

    public static List<FeatureRow> Make(int perClass, int seed, int classes = 4)
    {
        var rng = new Random(seed);
        var rows = new List<FeatureRow>();
        for (int i = 0; i < perClass; i++)
        {
            for (int c = 0; c < classes; c++)
                rows.Add(new FeatureRow { Genre = Names[c], Features = Clip(c, rng) });
        }
        return rows;
    }

    private static float[] Clip(int genre, Random rng)
    {
        var x = new float[Mels * Frames];
        double level = -20 + 10 * rng.NextDouble();
        int shift = rng.Next(8);
        for (int m = 0; m < Mels; m++)
        {
            for (int t = 0; t < Frames; t++)
            {
                bool on = genre switch
                {
                    0 => m < 8,
                    1 => m >= 24,
                    2 => m >= 12 && m < 20 && ((t + shift) / 8) % 2 == 0,
                    _ => Math.Abs(m - ((t + shift) * Mels / Frames)) < 3,
                };
                double v = (on ? level : -60) + 6 * (rng.NextDouble() - 0.5);
                x[(m * Frames) + t] = (float)Math.Clamp(v, -80, 0);
            }
        }
        return x;
    }

    /// <summary>The rows as an IDataView with a key-typed Label (values "bass", "treble", ... in that order).</summary>
    public static IDataView Load(MLContext ml, IEnumerable<FeatureRow> rows)
    {
        var data = ml.Data.LoadFromEnumerable(rows);
        var keys = ml.Data.LoadFromEnumerable(Names.Select(n => new KeyRow { Genre = n }));
        return ml.Transforms.Conversion.MapValueToKey("Label", "Genre", keyData: keys).Fit(data).Transform(data);
    }
}
