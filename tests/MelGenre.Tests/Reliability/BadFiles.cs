using System;
using System.IO;

namespace MelGenre.Tests.Reliability;

/// <summary>Generated bad inputs for the reliability tests (docs/bad-input.md).</summary>
internal static class BadFiles
{
    /// <summary>A 16-bit PCM sine WAV of amplitude 0.4.</summary>
    public static string Sine(string path, double hz, int rate = 8000, double seconds = 1.5)
    {
        int n = (int)(rate * seconds);
        using var w = new BinaryWriter(File.Create(path));
        w.Write("RIFF"u8); w.Write(36 + n * 2); w.Write("WAVE"u8); w.Write("fmt "u8); w.Write(16); w.Write((short)1); w.Write((short)1);
        w.Write(rate); w.Write(rate * 2); w.Write((short)2); w.Write((short)16); w.Write("data"u8); w.Write(n * 2);
        for (int i = 0; i < n; i++)
            w.Write((short)(13000 * Math.Sin(2 * Math.PI * hz * i / rate)));
        return path;
    }

    /// <summary>A 32-bit float WAV: a quiet sine, with <paramref name="spike"/> at one sample (finite but absurd, e.g. 1e30).</summary>
    public static string FloatWav(string path, float spike, int rate = 8000, double seconds = 1.5, double amplitude = 0.3)
    {
        int n = (int)(rate * seconds);
        using var w = new BinaryWriter(File.Create(path));
        w.Write("RIFF"u8); w.Write(36 + n * 4); w.Write("WAVE"u8); w.Write("fmt "u8); w.Write(16); w.Write((short)3); w.Write((short)1);
        w.Write(rate); w.Write(rate * 4); w.Write((short)4); w.Write((short)32); w.Write("data"u8); w.Write(n * 4);
        for (int i = 0; i < n; i++)
            w.Write(i == n / 2 ? spike : (float)(amplitude * Math.Sin(2 * Math.PI * 440 * i / rate)));
        return path;
    }
}
