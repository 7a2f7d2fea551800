using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using MelGenre.Audio;
using MelGenre.Audio.Managed;
using MelGenre.Tests.Audio;
using Xunit;

namespace MelGenre.Tests.Audio.Managed;

/// <summary>
/// The bad-input catalogue (src/MelGenre/Audio/README.md) through both decoders. Tolerance: where native throws, managed
/// throws the same exception type, and for <see cref="AudioDecodeException"/> the same Kind, FilePath and message
/// word for word except the decoder's own parenthesised detail ("(libsndfile: …)" vs "(managed … decoder: …)");
/// where native decodes, managed returns the same number of samples (bit-identical for lossless formats, SNR ≥ 100 dB
/// for MP3/Vorbis). GetInfo is compared the same way.
/// </summary>
public sealed class ManagedDecoderBadInputTests : IClassFixture<TempFolder>
{
    private static readonly byte[] Id3Header = [(byte)'I', (byte)'D', (byte)'3', 4, 0, 0, 0, 0, 0, 0];
    private static readonly byte[] Mp3FrameHeader = [0xFF, 0xFB, 0x90, 0x64];

    private readonly TempFolder _temp;

    public ManagedDecoderBadInputTests(TempFolder temp) => _temp = temp;

    public static IEnumerable<object[]> Cases() => new[]
    {
        "missing", "directory", "blank-path", "nul-path", "empty", "text.mp3", "text.txt", "random.mp3", "random.wav", "random.flac",
        "random.bin", "id3-garbage", "mp3-first-1000-bytes", "mp3-first-4096-bytes", "mp3-first-16384-bytes", "mp3-corrupt-middle",
        "garbage-frames", "zero-frames", "wav-zero-frames", "wav-truncated", "wav-claims-gigabytes", "wav-nan", "wav-infinity",
        "wav-huge-float", "flac-garbled-start", "flac-garbled-middle", "flac-truncated", "flac-absurd-length", "ogg-cut-in-half",
        "offset-beyond-end", "offset-at-end", "duration-below-one-sample", "offset-beyond-end-flac", "offset-beyond-end-ogg",
        "riff-not-wave", "fuzz-riff", "fuzz-flac", "fuzz-ogg", "fuzz-aiff", "fuzz-mpeg-header",
    }.Select(c => new object[] { c });

    [NativeAudioTheory]
    [MemberData(nameof(Cases))]
    public void Managed_fails_or_decodes_exactly_like_native(string name)
    {
        (string path, double offset, double? duration) = Make(name);
        Compare(name, path, offset, duration);
    }

    /// <summary>Random content behind every signature, many sizes: the same outcome as native (kind and wording, or length).</summary>
    [NativeAudioFact]
    public void Fuzz_random_content_behind_signatures_same_outcome_as_native()
    {
        byte[][] prefixes =
        [
            [], Id3Header, Mp3FrameHeader, "RIFF\x00\x10\x00\x00WAVEfmt "u8.ToArray(), "fLaC"u8.ToArray(),
            "OggS"u8.ToArray(), "FORM\x00\x00\x10\x00AIFF"u8.ToArray(), [0xFF, 0xF3, 0x48, 0xC4],
        ];
        string[] extensions = [".mp3", ".wav", ".flac", ".ogg", ".aiff"];
        var rng = new Random(2024);
        for (int i = 0; i < 40; i++)
        {
            byte[] body = new byte[rng.Next(1, 20_000)];
            rng.NextBytes(body);
            string path = _temp.File($"fuzz{i}{extensions[i % extensions.Length]}");
            File.WriteAllBytes(path, [.. prefixes[i % prefixes.Length], .. body]);
            Compare($"fuzz {i}", path, 0, null);
        }
    }

    /// <summary>Encodings the managed WAV path does not decode: an error that names the file and the encoding (documented difference: native decodes them).</summary>
    [NativeAudioTheory]
    [InlineData(SfConst.Ulaw, "u-law")]
    [InlineData(SfConst.Alaw, "A-law")]
    [InlineData(SfConst.ImaAdpcm, "IMA ADPCM")]
    [InlineData(SfConst.MsAdpcm, "MS ADPCM")]
    [InlineData(SfConst.Gsm610, "GSM 6.10")]
    public void Wav_codecs_are_refused_by_name(int sub, string encoding)
    {
        string path = _temp.File($"codec_{sub:X}.wav");
        SndFileWriter.WriteFloat(path, SfConst.Wav | sub, 8000, 1, ManagedTestSupport.Music(8000, 4000, 1).SelectManyInterleaved());
        Assert.NotEmpty(AudioDecoder.ReadMono(path, out _)); // native reads it
        var e = Assert.Throws<AudioDecodeException>(() => ManagedAudioDecoder.ReadMono(path, out _));
        Assert.Equal(AudioErrorKind.UnsupportedFormat, e.Kind);
        Assert.StartsWith($"Cannot decode '{path}': the audio encoding is not supported", e.Message);
        Assert.Contains(encoding, e.Message);
        Assert.Equal(AudioErrorKind.UnsupportedFormat, Assert.Throws<AudioDecodeException>(() => ManagedAudioDecoder.GetInfo(path)).Kind);
    }

    /// <summary>Ogg Opus is not decoded by the managed path (no managed Opus decoder is served): an error naming it.</summary>
    [NativeAudioFact]
    public void Ogg_opus_is_refused_by_name()
    {
        string path = _temp.File("opus.opus");
        SndFileWriter.WriteFloat(path, SfConst.Ogg | SfConst.Opus, 48000, 2, ManagedTestSupport.Music(48000, 9600, 2).SelectManyInterleaved());
        var e = Assert.Throws<AudioDecodeException>(() => ManagedAudioDecoder.ReadMono(path, out _));
        Assert.Equal(AudioErrorKind.UnsupportedFormat, e.Kind);
        Assert.Contains("Ogg Opus", e.Message);
    }

    [NativeAudioFact]
    public void Null_path_throws_argument_null()
    {
        Assert.Throws<ArgumentNullException>(() => ManagedAudioDecoder.ReadMono(null!, out _));
        Assert.Throws<ArgumentNullException>(() => ManagedAudioDecoder.GetInfo(null!));
    }

    [NativeAudioTheory]
    [InlineData(-0.001, null)]
    [InlineData(double.NaN, null)]
    [InlineData(double.PositiveInfinity, null)]
    [InlineData(0.0, -1.0)]
    [InlineData(0.0, double.NaN)]
    public void Bad_offset_or_duration_throws_like_native(double offset, double? duration)
    {
        var native = Assert.Throws<ArgumentOutOfRangeException>(() => AudioDecoder.ReadMono(_temp.File("x.mp3"), out _, offset, duration));
        var managed = Assert.Throws<ArgumentOutOfRangeException>(() => ManagedAudioDecoder.ReadMono(_temp.File("x.mp3"), out _, offset, duration));
        Assert.Equal(native.ParamName, managed.ParamName);
        Assert.Equal(native.Message, managed.Message);
    }

    /// <summary>Every file handle is closed on success and failure (Linux: count open descriptors).</summary>
    [ProcFdFact]
    public void No_file_handles_leak()
    {
        string good = Make("wav-truncated").Path;
        string bad = Make("id3-garbage").Path;
        string flac = Make("flac-garbled-start").Path;
        void Round()
        {
            for (int i = 0; i < 20; i++)
            {
                ManagedAudioDecoder.GetInfo(good);
                ManagedAudioDecoder.ReadMono(good, out _);
                Assert.Throws<AudioDecodeException>(() => ManagedAudioDecoder.ReadMono(bad, out _));
                Assert.Throws<AudioDecodeException>(() => ManagedAudioDecoder.ReadMono(flac, out _));
            }
        }

        Round();
        int before = Directory.GetFiles("/proc/self/fd").Length;
        Round();
        Round();
        int after = Directory.GetFiles("/proc/self/fd").Length;
        Assert.True(after - before < 20, $"open file descriptors grew from {before} to {after}");
    }

    private void Compare(string name, string path, double offset, double? duration)
    {
        object native = Run(() => AudioDecoder.ReadMono(path, out _, offset, duration));
        object managed = Run(() => ManagedAudioDecoder.ReadMono(path, out _, offset, duration));
        AssertSameOutcome(name + " ReadMono", path, native, managed, Wording(name));

        object nativeInfo = Run(() => AudioDecoder.GetInfo(path));
        object managedInfo = Run(() => ManagedAudioDecoder.GetInfo(path));
        AssertSameOutcome(name + " GetInfo", path, nativeInfo, managedInfo, Wording(name));
    }

    /// <summary>How strictly messages must agree.</summary>
    private enum Match
    {
        /// <summary>Word for word, decoder detail in parentheses aside.</summary>
        Exact,

        /// <summary>Word for word except numbers: the sample count where decoding stopped differs (native reads in 32768-frame blocks).</summary>
        ExceptNumbers,

        /// <summary>
        /// Same kind and the same closing clause ("…: the compressed frames are damaged or garbage."): mpg123 decodes garbage
        /// frames into huge values (the native message quotes them), NLayer refuses them (the managed message counts them).
        /// </summary>
        SameConclusion,
    }

    private static Match Wording(string name) => name switch
    {
        "mp3-corrupt-middle" => Match.ExceptNumbers,
        "garbage-frames" => Match.SameConclusion,
        _ => Match.Exact,
    };

    private static string MaskDigits(string s) => System.Text.RegularExpressions.Regex.Replace(s, "[0-9]+", "#");

    private static object Run(Func<object> f)
    {
        try
        {
            return f();
        }
        catch (Exception e)
        {
            return e;
        }
    }

    private static void AssertSameOutcome(string what, string path, object native, object managed, Match match = Match.Exact)
    {
        switch (native)
        {
            case AudioDecodeException n:
                var m = managed as AudioDecodeException;
                Assert.True(m is not null, $"{what}: native threw {n.Kind} '{n.Message}', managed gave {Describe(managed)}");
                Assert.True(n.Kind == m!.Kind, $"{what}: native {n.Kind} '{n.Message}', managed {m.Kind} '{m.Message}'");
                string ns = ManagedTestSupport.Stem(n.Message), ms = ManagedTestSupport.Stem(m.Message);
                switch (match)
                {
                    case Match.Exact:
                        Assert.Equal(ns, ms);
                        break;
                    case Match.ExceptNumbers:
                        Assert.Equal(MaskDigits(ns), MaskDigits(ms));
                        break;
                    default:
                        Assert.Equal(ns[ns.LastIndexOf(": ", StringComparison.Ordinal)..], ms[ms.LastIndexOf(": ", StringComparison.Ordinal)..]);
                        break;
                }

                Assert.Equal(n.FilePath, m.FilePath);
                break;
            case Exception n:
                Assert.True(managed is Exception me && me.GetType() == n.GetType(), $"{what}: native threw {n.GetType().Name}, managed gave {Describe(managed)}");
                break;
            case float[] n:
                var samples = managed as float[];
                Assert.True(samples is not null, $"{what}: native decoded {n.Length} samples, managed gave {Describe(managed)}");
                bool lossy = path.EndsWith(".mp3", StringComparison.Ordinal) || path.EndsWith(".ogg", StringComparison.Ordinal);
                if (lossy)
                {
                    Assert.True(n.Length == samples!.Length, $"{what}: native {n.Length} samples, managed {samples.Length}");
                    double snr = ManagedTestSupport.SnrDb(n, samples);
                    Assert.True(snr >= 100, $"{what}: SNR {snr:F1} dB");
                }
                else
                {
                    ManagedTestSupport.AssertBitIdentical(n, samples!, what);
                }

                break;
            case AudioInfo n:
                var info = managed as AudioInfo;
                Assert.True(info is not null, $"{what}: native gave {n}, managed gave {Describe(managed)}");
                Assert.Equal(n.ToString(), info!.ToString());
                break;
        }
    }

    private static string Describe(object o) => o switch
    {
        AudioDecodeException e => $"{e.Kind} '{e.Message}'",
        Exception e => $"{e.GetType().Name} '{e.Message}'",
        float[] f => $"{f.Length} samples",
        _ => o.ToString() ?? "null",
    };

    private (string Path, double Offset, double? Duration) Make(string name)
    {
        string path = _temp.File(name.Replace('-', '_'));
        var rng = new Random(name.Length * 7919 + name[0]);
        byte[] Random(int n)
        {
            byte[] b = new byte[n];
            rng.NextBytes(b);
            return b;
        }

        byte[] realClip = File.ReadAllBytes(AudioTestData.RealClip);
        switch (name)
        {
            case "missing":
                return (_temp.File("nope.mp3"), 0, null);
            case "directory":
                Directory.CreateDirectory(path + ".mp3");
                return (path + ".mp3", 0, null);
            case "blank-path":
                return ("  ", 0, null);
            case "nul-path":
                return (_temp.File("a\0b.wav"), 0, null);
            case "empty":
                File.WriteAllBytes(path + ".mp3", []);
                return (path + ".mp3", 0, null);
            case "text.mp3":
            case "text.txt":
                File.WriteAllText(path, "This is not audio.\nJust some lyrics in a text file that was renamed.\n");
                return (path, 0, null);
            case "random.mp3":
            case "random.wav":
            case "random.flac":
            case "random.bin":
                byte[] noise = Random(64 * 1024);
                noise[0] = 0;
                File.WriteAllBytes(path, noise);
                return (path, 0, null);
            case "id3-garbage":
                File.WriteAllBytes(path + ".mp3", [.. Id3Header, .. Random(200_000)]);
                return (path + ".mp3", 0, null);
            case "mp3-first-1000-bytes":
            case "mp3-first-4096-bytes":
            case "mp3-first-16384-bytes":
                int cut = int.Parse(name.Split('-')[2], System.Globalization.CultureInfo.InvariantCulture);
                File.WriteAllBytes(path + ".mp3", realClip[..cut]);
                return (path + ".mp3", 0, null);
            case "mp3-corrupt-middle":
                byte[] damaged = (byte[])realClip.Clone();
                Random(5000).CopyTo(damaged, damaged.Length / 2);
                File.WriteAllBytes(path + ".mp3", damaged);
                return (path + ".mp3", 0, null);
            case "garbage-frames":
            case "zero-frames":
                using (FileStream s = File.Create(path + ".mp3"))
                {
                    s.Write(Id3Header);
                    for (int f = 0; f < 100; f++)
                    {
                        s.Write(Mp3FrameHeader);
                        s.Write(name == "zero-frames" ? new byte[413] : Random(413));
                    }
                }

                return (path + ".mp3", 0, null);
            case "wav-zero-frames":
                SndFileWriter.WriteInt(path + ".wav", SfConst.Wav | SfConst.Pcm16, 44100, 2, ReadOnlySpan<int>.Empty);
                return (path + ".wav", 0, null);
            case "wav-truncated":
            {
                SndFileWriter.WriteInt(path + ".wav", SfConst.Wav | SfConst.Pcm16, 8000, 1, Enumerable.Range(1, 1000).Select(i => i << 16).ToArray());
                byte[] b = File.ReadAllBytes(path + ".wav");
                File.WriteAllBytes(path + ".wav", b[..(44 + 2 * 300 + 1)]);
                return (path + ".wav", 0, null);
            }

            case "wav-claims-gigabytes":
            {
                SndFileWriter.WriteInt(path + ".wav", SfConst.Wav | SfConst.Pcm16, 8000, 1, Enumerable.Range(1, 500).Select(i => i << 16).ToArray());
                byte[] b = File.ReadAllBytes(path + ".wav");
                BitConverter.GetBytes(0x7FFF_0000).CopyTo(b, 40);
                BitConverter.GetBytes(0x7FFF_0000 + 36).CopyTo(b, 4);
                File.WriteAllBytes(path + ".wav", b);
                return (path + ".wav", 0, null);
            }

            case "wav-nan":
            case "wav-infinity":
            case "wav-huge-float":
            {
                float[] f = Enumerable.Range(0, 2000).Select(i => (float)Math.Sin(i * 0.1)).ToArray();
                f[1234] = name == "wav-nan" ? float.NaN : name == "wav-infinity" ? float.PositiveInfinity : 3e30f;
                SndFileWriter.WriteFloat(path + ".wav", SfConst.Wav | SfConst.Float, 8000, 2, f);
                return (path + ".wav", 0, null);
            }

            case "flac-garbled-start":
            case "flac-garbled-middle":
            case "flac-truncated":
            case "flac-absurd-length":
            {
                int[] samples = Enumerable.Range(0, 40000).Select(i => (int)(Math.Sin(i * 0.05) * 1e9)).ToArray();
                SndFileWriter.WriteInt(path + ".flac", SfConst.Flac | SfConst.Pcm16, 22050, 1, samples);
                byte[] b = File.ReadAllBytes(path + ".flac");
                int first = FirstFlacFrame(b);
                if (name == "flac-garbled-start")
                {
                    Random(b.Length - first - 4).CopyTo(b, first + 4);
                }
                else if (name == "flac-garbled-middle")
                {
                    Random(b.Length - b.Length / 2).CopyTo(b, b.Length / 2);
                }
                else if (name == "flac-truncated")
                {
                    b = b[..(b.Length * 2 / 3)];
                }
                else
                {
                    b[21] |= 0x0F;
                    b.AsSpan(22, 4).Fill(0xFF);
                }

                File.WriteAllBytes(path + ".flac", b);
                return (path + ".flac", 0, null);
            }

            case "ogg-cut-in-half":
            {
                float[] f = Enumerable.Range(0, 22050).Select(i => (float)Math.Sin(i * 0.05) * 0.5f).ToArray();
                SndFileWriter.WriteFloat(path + ".ogg", SfConst.Ogg | SfConst.Vorbis, 22050, 1, f);
                byte[] b = File.ReadAllBytes(path + ".ogg");
                File.WriteAllBytes(path + ".ogg", b[..(b.Length / 2)]);
                return (path + ".ogg", 0, null);
            }

            case "offset-beyond-end":
                return (AudioTestData.RealClip, 31.0, null);
            case "offset-at-end":
                return (AudioTestData.RealClip, 29.97658, null);
            case "duration-below-one-sample":
                return (AudioTestData.RealClip, 1.0, 0.00001);
            case "offset-beyond-end-flac":
            {
                SndFileWriter.WriteInt(path + ".flac", SfConst.Flac | SfConst.Pcm16, 8000, 1, Enumerable.Range(0, 800).Select(i => i << 16).ToArray());
                return (path + ".flac", 0.1, null);
            }

            case "offset-beyond-end-ogg":
            {
                float[] f = Enumerable.Range(0, 8000).Select(i => (float)Math.Sin(i * 0.05) * 0.5f).ToArray();
                SndFileWriter.WriteFloat(path + ".ogg", SfConst.Ogg | SfConst.Vorbis, 8000, 1, f);
                return (path + ".ogg", 1.0, null);
            }

            case "riff-not-wave":
                File.WriteAllBytes(path + ".wav", [.. "RIFF\x00\x10\x00\x00AVI LIST"u8, .. Random(4000)]);
                return (path + ".wav", 0, null);
            default:
            {
                byte[] prefix = name switch
                {
                    "fuzz-riff" => "RIFF\x00\x10\x00\x00WAVEfmt "u8.ToArray(),
                    "fuzz-flac" => "fLaC"u8.ToArray(),
                    "fuzz-ogg" => "OggS"u8.ToArray(),
                    "fuzz-aiff" => "FORM\x00\x00\x10\x00AIFF"u8.ToArray(),
                    _ => Mp3FrameHeader,
                };
                File.WriteAllBytes(path + ".bin", [.. prefix, .. Random(10_000)]);
                return (path + ".bin", 0, null);
            }
        }
    }

    private static int FirstFlacFrame(byte[] flac)
    {
        int offset = 4;
        bool last;
        do
        {
            last = (flac[offset] & 0x80) != 0;
            offset += 4 + (flac[offset + 1] << 16 | flac[offset + 2] << 8 | flac[offset + 3]);
        }
        while (!last);

        return offset;
    }
}

/// <summary>A fact skipped (with the reason) where /proc/self/fd does not exist to count open file descriptors.</summary>
public sealed class ProcFdFactAttribute : FactAttribute
{
    public ProcFdFactAttribute()
    {
        if (!Directory.Exists("/proc/self/fd"))
        {
            Skip = "Needs /proc/self/fd (Linux) to count open file descriptors.";
        }
    }
}
