using System;
using System.Collections.Generic;
using System.IO;
using Microsoft.ML.Data;

namespace MelGenre.Cli;

/// <summary>Input row: the path of an audio file.</summary>
internal sealed class ClipRow
{
    public string Path { get; set; } = "";
}

/// <summary>Output row of the front end.</summary>
internal sealed class ClipFeatures
{
    [VectorType]
    public float[] LogMel { get; set; } = Array.Empty<float>();

    public string Error { get; set; } = "";
}

/// <summary>Built-in demo data: three 30-s clips made in code, written as 44.1 kHz stereo WAV.</summary>
internal static class SyntheticClips
{
    public static List<string> Write(string folder)
    {
        Directory.CreateDirectory(folder);
        const int rate = 44100;
        int n = rate * 30;
        var rng = new Random(42);
        var clips = new (string Name, Func<int, double> Signal)[]
        {
            ("tones.wav", i => 0.3 * Math.Sin(2 * Math.PI * 220 * i / rate) + 0.2 * Math.Sin(2 * Math.PI * 1760 * i / rate)),
            ("chirp.wav", i => { double t = (double)i / rate; return 0.5 * Math.Sin(2 * Math.PI * (100 * t + 0.5 * (8000 - 100) / 30.0 * t * t)); }),
            ("beat.wav", i => { double t = (double)i / rate; double env = Math.Exp(-20 * (t % 0.5)); return 0.6 * env * (rng.NextDouble() * 2 - 1); }),
        };
        var paths = new List<string>();
        foreach (var (name, signal) in clips)
        {
            string path = Path.Combine(folder, name);
            using var w = new BinaryWriter(File.Create(path));
            int dataBytes = n * 2 * 2;
            w.Write("RIFF"u8); w.Write(36 + dataBytes); w.Write("WAVE"u8);
            w.Write("fmt "u8); w.Write(16); w.Write((short)1); w.Write((short)2); w.Write(rate);
            w.Write(rate * 4); w.Write((short)4); w.Write((short)16);
            w.Write("data"u8); w.Write(dataBytes);
            for (int i = 0; i < n; i++)
            {
                short s = (short)Math.Clamp(signal(i) * 32767, -32768, 32767);
                w.Write(s);
                w.Write(s);
            }
            paths.Add(path);
        }
        return paths;
    }
}

/// <summary>Progress line on stderr: count, rate and time left.</summary>
internal sealed class Progress
{
    private readonly int _total;
    private readonly object _lock = new();
    private TimeSpan _last = TimeSpan.Zero;

    public Progress(int total) => _total = total;

    public void Report(int done, TimeSpan elapsed)
    {
        lock (_lock)
        {
            if (done < _total && (elapsed - _last).TotalMilliseconds < 500)
                return;
            _last = elapsed;
            double rate = done / Math.Max(elapsed.TotalSeconds, 1e-9);
            double eta = (_total - done) / Math.Max(rate, 1e-9);
            Console.Error.Write($"\r  {done}/{_total} clips  {rate:0.0} clips/s  ETA {eta:0}s   ");
        }
    }

    public void Finish(TimeSpan elapsed) => Console.Error.WriteLine();
}

/// <summary>Prints a dB spectrogram ([mel, frame], row-major) as characters.</summary>
internal static class AsciiSpectrogram
{
    public static void Print(float[] db, int mels, int frames, int rows = 16, int cols = 72)
    {
        const string shades = " .:-=+*#%@";
        float max = float.MinValue, min = float.MaxValue;
        foreach (float v in db) { max = Math.Max(max, v); min = Math.Min(min, v); }
        for (int r = rows - 1; r >= 0; r--)
        {
            var line = new char[cols];
            for (int c = 0; c < cols; c++)
            {
                int m0 = r * mels / rows, m1 = (r + 1) * mels / rows, f0 = c * frames / cols, f1 = Math.Max(f0 + 1, (c + 1) * frames / cols);
                double sum = 0; int count = 0;
                for (int m = m0; m < m1; m++)
                    for (int f = f0; f < f1; f++) { sum += db[m * frames + f]; count++; }
                double level = (sum / count - min) / Math.Max(max - min, 1e-6);
                line[c] = shades[Math.Clamp((int)(level * (shades.Length - 1)), 0, shades.Length - 1)];
            }
            Console.WriteLine("  |" + new string(line));
        }
    }
}
