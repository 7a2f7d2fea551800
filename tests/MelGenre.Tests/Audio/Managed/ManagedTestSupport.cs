using System;
using System.IO;
using System.Text;
using MelGenre.Audio;
using Xunit;

namespace MelGenre.Tests.Audio.Managed;

/// <summary>Comparisons of managed against native decodes, and writers for test files the native writer cannot make directly.</summary>
internal static class ManagedTestSupport
{
    /// <summary>Fails at the first sample whose bits differ (float equality; NaN never appears in these tests).</summary>
    public static void AssertBitIdentical(float[] native, float[] managed, string what)
    {
        Assert.True(native.Length == managed.Length, $"{what}: native {native.Length} samples, managed {managed.Length}");
        for (int i = 0; i < native.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(native[i]) != BitConverter.SingleToInt32Bits(managed[i]))
            {
                Assert.Fail($"{what}: sample {i} native {native[i]:R}, managed {managed[i]:R}");
            }
        }
    }

    /// <summary>Signal-to-noise ratio in dB of <paramref name="managed"/> against <paramref name="native"/>, no shift (alignment is part of the test).</summary>
    public static double SnrDb(float[] native, float[] managed)
    {
        double signal = 0, noise = 0;
        int n = Math.Min(native.Length, managed.Length);
        for (int i = 0; i < n; i++)
        {
            signal += (double)native[i] * native[i];
            double d = native[i] - managed[i];
            noise += d * d;
        }

        return noise == 0 ? double.PositiveInfinity : 10 * Math.Log10(signal / noise);
    }

    /// <summary>
    /// A message with the decoder-specific parenthesised detail removed: native messages end in "(libsndfile: …)" or
    /// "(libsndfile error 7)", managed ones in "(managed … decoder…)"; everything else must match word for word.
    /// </summary>
    public static string Stem(string message)
    {
        var sb = new StringBuilder(message.Length);
        int i = 0;
        while (i < message.Length)
        {
            if (message[i] == '(' && (Starts(message, i + 1, "libsndfile") || Starts(message, i + 1, "managed")))
            {
                int depth = 0;
                int j = i;
                for (; j < message.Length; j++)
                {
                    depth += message[j] == '(' ? 1 : message[j] == ')' ? -1 : 0;
                    if (depth == 0)
                    {
                        break;
                    }
                }

                sb.Append("(…)");
                i = j + 1;
                continue;
            }

            sb.Append(message[i]);
            i++;
        }

        return sb.ToString();
    }

    private static bool Starts(string s, int at, string prefix) => string.CompareOrdinal(s, at, prefix, 0, prefix.Length) == 0;

    /// <summary>Writes an MP3 through libsndfile/LAME with a bitrate mode (0 constant, 1 average, 2 variable).</summary>
    public static unsafe void WriteMp3(string path, int sampleRate, int channels, ReadOnlySpan<float> interleaved, int bitrateMode, double compression)
    {
        SndFileNative api = SndFileNative.Api;
        var info = new SfInfo { Format = SfConst.Mpeg | SfConst.MpegLayerIII, SampleRate = sampleRate, Channels = channels };
        IntPtr h = api.Open(path, SfConst.Write, ref info);
        Assert.True(h != IntPtr.Zero, $"cannot create {path}: {api.ErrorText(IntPtr.Zero)}");
        try
        {
            const int SetBitrateMode = 0x1305;
            int mode = bitrateMode;
            api.sf_command(h, SetBitrateMode, &mode, sizeof(int));
            double level = compression;
            api.sf_command(h, SfConst.CmdSetCompressionLevel, &level, sizeof(double));
            fixed (float* p = interleaved)
            {
                long frames = interleaved.Length / channels;
                Assert.Equal(frames, api.sf_writef_float(h, p, frames));
            }
        }
        finally
        {
            api.sf_close(h);
        }
    }

    /// <summary>A test signal: a few sines per channel plus seeded noise at <paramref name="noise"/> of full scale.</summary>
    public static float[][] Music(int sampleRate, int frames, int channels, double amplitude = 0.5, double noise = 0.01, int seed = 1)
    {
        var rng = new Random(seed);
        var result = new float[channels][];
        for (int c = 0; c < channels; c++)
        {
            result[c] = new float[frames];
            double f1 = 110 * (c + 1), f2 = 1234.5 + 321 * c, f3 = sampleRate * 0.31;
            for (int i = 0; i < frames; i++)
            {
                double env = 0.5 + 0.5 * Math.Sin(2 * Math.PI * 1.3 * i / sampleRate);
                double v = amplitude * (0.6 * AudioTestData.Sine(i, f1, sampleRate) + 0.3 * env * AudioTestData.Sine(i, f2, sampleRate, 1, c) +
                    0.1 * AudioTestData.Sine(i, f3, sampleRate));
                result[c][i] = (float)(v + noise * (rng.NextDouble() * 2 - 1));
            }
        }

        return result;
    }

    /// <summary>Builds an ID3v2.3 tag holding a title and an APIC picture of <paramref name="pictureBytes"/> random bytes.</summary>
    public static byte[] Id3WithPicture(int pictureBytes, int seed)
    {
        var body = new MemoryStream();
        void Frame(string id, byte[] content)
        {
            body.Write(Encoding.ASCII.GetBytes(id));
            body.Write([(byte)(content.Length >> 24), (byte)(content.Length >> 16), (byte)(content.Length >> 8), (byte)content.Length, 0, 0]);
            body.Write(content);
        }

        Frame("TIT2", [0, .. "Managed decoder test"u8]);
        byte[] picture = new byte[pictureBytes];
        new Random(seed).NextBytes(picture);
        picture[0] = 0xFF; // JPEG-ish start: 0xFF 0xD8 ... contains false MPEG syncs on purpose
        picture[1] = 0xFB;
        Frame("APIC", [0, .. "image/jpeg"u8, 0, 3, 0, .. picture]);
        int size = (int)body.Length;
        byte[] header = [(byte)'I', (byte)'D', (byte)'3', 3, 0, 0, (byte)((size >> 21) & 0x7F), (byte)((size >> 14) & 0x7F), (byte)((size >> 7) & 0x7F), (byte)(size & 0x7F)];
        return [.. header, .. body.ToArray()];
    }
}
