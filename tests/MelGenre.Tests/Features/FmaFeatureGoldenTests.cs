using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using MelGenre.Audio;
using MelGenre.Features;
using Xunit;
using Xunit.Abstractions;

namespace MelGenre.Tests.Features;

/// <summary>
/// Parity of the FMA-style features with librosa 0.11 + numpy/scipy (<c>Golden/fma-features-librosa-0.11</c>): per-frame
/// features and the 7 statistics, for the 5-s chirp at 22,050 Hz and the real clip fma_small 000002 at 44,100 Hz.
/// </summary>
public sealed class FmaFeatureGoldenTests
{
    internal const string Set = "fma-features-librosa-0.11";

    private readonly ITestOutputHelper _output;

    public FmaFeatureGoldenTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<string> Clips() => new() { "fma_chirp_5s", "fma_000002_native" };

    [Theory]
    [MemberData(nameof(Clips))]
    public void Report(string clip)
    {
        (float[] y, int sr) = Load(clip);
        var fma = new FmaFeatureExtractor(new FmaFeatureSettings { SampleRate = sr });
        int frames = fma.GetFrameCount(y.Length);
        var matrix = new float[44 * frames];
        fma.ComputeFrames(y, matrix, frames);
        foreach ((string name, int offset, int rows) in Layout)
        {
            var (golden, entry) = GoldenData.Read($"{clip}_{name}", Set);
            Assert.Equal(new[] { rows, frames }, entry.Shape);
            float[] ours = matrix.AsSpan(offset * frames, rows * frames).ToArray();
            double maxAbs = 0, maxRel = 0, scale = golden.Max(Math.Abs);
            int worst = 0;
            for (int i = 0; i < golden.Length; i++)
            {
                double e = Math.Abs(ours[i] - golden[i]);
                if (e > maxAbs)
                {
                    maxAbs = e;
                    worst = i;
                }

                if (Math.Abs(golden[i]) > 1e-3 * scale)
                {
                    maxRel = Math.Max(maxRel, e / Math.Abs(golden[i]));
                }
            }

            _output.WriteLine($"{name}: max abs {maxAbs:G3} (at row {worst / frames} frame {worst % frames}: {ours[worst]} vs {golden[worst]}), max rel {maxRel:G3}, scale {scale:G3}");
        }

        float[] vector = fma.Compute(y);
        var names = FmaFeatureExtractor.SlotNames;
        foreach ((string name, _, int rows) in Layout)
        {
            var (golden, _) = GoldenData.Read($"{clip}_{name}_stats", Set);
            string fmaName = name == "rms" ? "rmse" : name;
            string[] stats = ["mean", "std", "skew", "kurtosis", "median", "min", "max"];
            for (int s = 0; s < 7; s++)
            {
                double maxAbs = 0, maxRel = 0;
                for (int r = 0; r < rows; r++)
                {
                    int slot = names.ToList().IndexOf($"{fmaName}/{stats[s]}/{r + 1:00}");
                    double g = golden[(s * rows) + r];
                    double e = Math.Abs(vector[slot] - g);
                    maxAbs = Math.Max(maxAbs, e);
                    maxRel = Math.Max(maxRel, e / Math.Max(Math.Abs(g), 1e-30));
                }

                _output.WriteLine($"  {name}/{stats[s]}: max abs {maxAbs:G3}, max rel {maxRel:G3}");
            }
        }
    }

    internal static readonly (string Name, int Offset, int Rows)[] Layout =
    [
        ("chroma_stft", 0, 12),
        ("mfcc", 12, 20),
        ("rms", 32, 1),
        ("spectral_bandwidth", 33, 1),
        ("spectral_centroid", 34, 1),
        ("spectral_contrast", 35, 7),
        ("spectral_rolloff", 42, 1),
        ("zcr", 43, 1),
    ];

    internal static (float[] Samples, int SampleRate) Load(string clip)
    {
        if (clip == "fma_chirp_5s")
        {
            return (GoldenData.ReadF32("signal_chirp_5s"), 22050);
        }

        float[] y = AudioDecoder.ReadMono(Path.Combine(AppContext.BaseDirectory, "TestData", "fma_000002.mp3"), out int rate);
        return (y, rate);
    }
}
