using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using MelGenre.Audio;
using MelGenre.BenchmarkSupport;

namespace MelGenre.SideBySide;

/// <summary>
/// The inputs both sides read, written once by <c>prepare</c>: the 30-s test clip resampled to 22,050 Hz
/// (<c>clip22k.f32</c>, 661,500 samples), the list of FMA sample clips (<c>clips.txt</c>) and their network features computed by
/// MelGenre (<c>features.f32</c>, clips x 640 x 128 float32) for the train-step and inference timings.
/// </summary>
internal sealed class Inputs
{
    public required float[] Clip { get; init; }
    public required string[] Mp3s { get; init; }
    /// <summary>The prepared network features (empty when loaded without them).</summary>
    public required float[][] Features { get; init; }

    public static void Prepare(string clip, string dataDir, string outDir)
    {
        Directory.CreateDirectory(outDir);
        // Exactly 30 s (661,500 samples, zero-padded like the BenchmarkDotNet suite: the clip has 29.98 s).
        float[] decoded = AudioDecoder.LoadMono(clip, NetworkFeatures.SampleRate, 0, 30);
        var y = new float[NetworkFeatures.SampleRate * 30];
        decoded.AsSpan(0, Math.Min(decoded.Length, y.Length)).CopyTo(y);
        File.WriteAllBytes(Path.Combine(outDir, "clip22k.f32"), MemoryMarshal.AsBytes(y.AsSpan()).ToArray());

        if (!Directory.Exists(dataDir))
            throw new DirectoryNotFoundException($"FMA sample folder '{dataDir}' not found (expected ../shared/data/fma-sample/fma_small beside the repository)");
        string[] mp3s = Directory.EnumerateFiles(dataDir, "*.mp3", SearchOption.AllDirectories).Select(Path.GetFullPath).OrderBy(p => p, StringComparer.Ordinal).ToArray();
        if (mp3s.Length == 0)
            throw new FileNotFoundException($"no MP3 files under '{dataDir}'");
        File.WriteAllLines(Path.Combine(outDir, "clips.txt"), mp3s);

        var features = new NetworkFeatures();
        using var stream = File.Create(Path.Combine(outDir, "features.f32"));
        foreach (string mp3 in mp3s)
            stream.Write(MemoryMarshal.AsBytes(features.FromFile(mp3).AsSpan()));
        Console.Error.WriteLine($"prepared {outDir}: 30-s clip at 22,050 Hz, {mp3s.Length} MP3s and their 640 x 128 features");
    }

    /// <summary>Reads the prepared inputs; <paramref name="withSignals"/> false skips the clip and the features
    /// (the feature-memory process must not count them).</summary>
    public static Inputs Load(string dir, bool withSignals = true)
    {
        string[] mp3s = File.ReadAllLines(Path.Combine(dir, "clips.txt")).Where(l => l.Length > 0).ToArray();
        if (!withSignals)
            return new Inputs { Clip = Array.Empty<float>(), Mp3s = mp3s, Features = Array.Empty<float[]>() };
        float[] clip = ReadFloats(Path.Combine(dir, "clip22k.f32"));
        float[] all = ReadFloats(Path.Combine(dir, "features.f32"));
        if (all.Length != mp3s.Length * NetworkFeatures.Size)
            throw new InvalidDataException($"features.f32 holds {all.Length} values, expected {mp3s.Length} x {NetworkFeatures.Size}; run prepare again");
        var features = new float[mp3s.Length][];
        for (int i = 0; i < mp3s.Length; i++)
            features[i] = all.AsSpan(i * NetworkFeatures.Size, NetworkFeatures.Size).ToArray();
        return new Inputs { Clip = clip, Mp3s = mp3s, Features = features };
    }

    private static float[] ReadFloats(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }
}
