using System;
using System.IO;

namespace MelGenre.Tests.Pipeline;

/// <summary>Synthetic audio written as WAV files for pipeline tests.</summary>
internal static class TestAudio
{
    /// <summary>A fresh temporary folder, deleted by the caller (or left to the OS).</summary>
    public static string NewFolder()
    {
        string dir = Path.Combine(Path.GetTempPath(), "melgenre-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Writes 16-bit PCM; <paramref name="signal"/>(channel, frame) in [-1, 1].</summary>
    public static string WriteWav(string path, int rate, int channels, int frames, Func<int, int, double> signal)
    {
        using var w = new BinaryWriter(File.Create(path));
        int dataBytes = frames * channels * 2;
        w.Write("RIFF"u8); w.Write(36 + dataBytes); w.Write("WAVE"u8);
        w.Write("fmt "u8); w.Write(16); w.Write((short)1); w.Write((short)channels); w.Write(rate);
        w.Write(rate * channels * 2); w.Write((short)(channels * 2)); w.Write((short)16);
        w.Write("data"u8); w.Write(dataBytes);
        for (int i = 0; i < frames; i++)
        {
            for (int c = 0; c < channels; c++)
                w.Write((short)Math.Round(Math.Clamp(signal(c, i), -1, 1) * 32767));
        }
        return path;
    }

    /// <summary>A sine of <paramref name="hz"/> at amplitude 0.5 on every channel.</summary>
    public static string WriteSine(string path, int rate, double seconds, double hz, int channels = 1)
        => WriteWav(path, rate, channels, (int)(rate * seconds), (_, i) => 0.5 * Math.Sin(2 * Math.PI * hz * i / rate));
}

internal sealed class PathRow
{
    public string Path { get; set; } = "";
}
