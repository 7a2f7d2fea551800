using System;
using System.IO;
using System.Runtime.InteropServices;
using MelGenre.Audio;

namespace MelGenre.Tests.Audio;

/// <summary>A private temp folder per test class, deleted afterwards.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Root = Path.Combine(Path.GetTempPath(), "melgenre-audio-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string File(string name) => Path.Combine(Root, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a file still held open elsewhere must not fail the run.
        }
    }
}

internal static class AudioTestData
{
    /// <summary>The real FMA clip 000002 (44.1 kHz stereo MP3, ~30 s).</summary>
    public static string RealClip => Path.Combine(AppContext.BaseDirectory, "TestData", "fma_000002.mp3");

    public static string GoldenDir => Path.Combine(AppContext.BaseDirectory, "Golden", "librosa-0.11");

    public static float[] ReadF32(string path)
    {
        byte[] bytes = System.IO.File.ReadAllBytes(path);
        return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }

    /// <summary>Cached full decode of the real clip (decoding takes ~25 ms; many tests compare against it).</summary>
    public static float[] RealClipMono => LazyRealClip.Value;

    private static readonly Lazy<float[]> LazyRealClip = new(() => AudioBackendSelector.NativeUnavailableReason is null
        ? AudioDecoder.ReadMono(RealClip, out _)                                // native, as the native-path tests compare against it
        : AudioDecoder.ReadMono(RealClip, out _, 0, null, AudioBackend.Auto)); // no native libraries here: the managed path

    /// <summary>amplitude * sin(2π f n / sr + phase).</summary>
    public static double Sine(int n, double frequency, int sampleRate, double amplitude = 1.0, double phase = 0) =>
        amplitude * Math.Sin(2 * Math.PI * frequency * n / sampleRate + phase);

    /// <summary>Interleaves per-channel signals into one array (frame-major, as audio files store them).</summary>
    public static T[] Interleave<T>(params T[][] channels)
    {
        int frames = channels[0].Length;
        var result = new T[frames * channels.Length];
        for (int c = 0; c < channels.Length; c++)
        {
            for (int i = 0; i < frames; i++)
            {
                result[i * channels.Length + c] = channels[c][i];
            }
        }

        return result;
    }

    /// <summary>
    /// Frequency estimated from zero crossings (with linear interpolation) over a slice: robust against a
    /// small amplitude error and any phase, exact enough (≪ 1 %) for a few hundred cycles.
    /// </summary>
    public static double ZeroCrossingFrequency(ReadOnlySpan<float> x, int sampleRate)
    {
        double first = -1, last = -1;
        int crossings = 0;
        for (int i = 1; i < x.Length; i++)
        {
            if (x[i - 1] < 0 && x[i] >= 0)
            {
                double t = i - 1 + (-x[i - 1] / (double)(x[i] - x[i - 1]));
                if (first < 0)
                {
                    first = t;
                }
                else
                {
                    crossings++;
                }

                last = t;
            }
        }

        return crossings * (double)sampleRate / (last - first);
    }

    /// <summary>Largest |x| over a slice.</summary>
    public static double Peak(ReadOnlySpan<float> x)
    {
        double peak = 0;
        foreach (float v in x)
        {
            peak = Math.Max(peak, Math.Abs(v));
        }

        return peak;
    }

    /// <summary>Reads the MPEG version of the first audio frame after an optional ID3v2 tag: "1", "2" or "2.5".</summary>
    public static string MpegVersion(string path)
    {
        byte[] b = System.IO.File.ReadAllBytes(path);
        int offset = 0;
        if (b.Length > 10 && b[0] == 'I' && b[1] == 'D' && b[2] == '3')
        {
            offset = 10 + ((b[6] & 0x7F) << 21 | (b[7] & 0x7F) << 14 | (b[8] & 0x7F) << 7 | (b[9] & 0x7F));
        }

        if (b[offset] != 0xFF || (b[offset + 1] & 0xE0) != 0xE0)
        {
            throw new InvalidDataException($"No MPEG frame header at byte {offset} of '{path}'.");
        }

        return ((b[offset + 1] >> 3) & 3) switch
        {
            3 => "1",
            2 => "2",
            0 => "2.5",
            _ => "reserved",
        };
    }
}

/// <summary>libsndfile format codes for the writer, named for readability.</summary>
internal static class Fmt
{
    public const int WavU8 = SfConst.Wav | SfConst.PcmU8;
    public const int Wav16 = SfConst.Wav | SfConst.Pcm16;
    public const int Wav24 = SfConst.Wav | SfConst.Pcm24;
    public const int Wav32 = SfConst.Wav | SfConst.Pcm32;
    public const int WavFloat = SfConst.Wav | SfConst.Float;
    public const int Flac8 = SfConst.Flac | SfConst.PcmS8;
    public const int Flac16 = SfConst.Flac | SfConst.Pcm16;
    public const int Flac24 = SfConst.Flac | SfConst.Pcm24;
    public const int OggVorbis = SfConst.Ogg | SfConst.Vorbis;
    public const int OggOpus = SfConst.Ogg | SfConst.Opus;
    public const int Mp3 = SfConst.Mpeg | SfConst.MpegLayerIII;
}
