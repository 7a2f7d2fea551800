using System;
using System.IO;
using System.Linq;
using MelGenre.Audio;
using Xunit;

namespace MelGenre.Tests.Audio;

/// <summary>A fact that is skipped, with the reason, where the process cannot list its open file descriptors (/proc/self/fd).</summary>
/// <remarks>
/// How this project skips (issue 10, item 8): a test that cannot run here is reported as Skipped with the reason, never
/// as passed by returning early. xunit 2.9 has no dynamic skip, so a <see cref="FactAttribute"/> subclass evaluates the
/// condition when the test is discovered and sets <see cref="FactAttribute.Skip"/> (as <c>FmaSampleFactAttribute</c>
/// in Cli/CliIntegrationTests.cs does); the test body then asserts unconditionally.
/// </remarks>
public sealed class ProcSelfFdFactAttribute : FactAttribute
{
    public ProcSelfFdFactAttribute()
    {
        if (!Directory.Exists("/proc/self/fd"))
            Skip = "No /proc/self/fd on this system: open file handles cannot be counted.";
    }
}

/// <summary>
/// Bad input never crashes, hangs or yields a silent all-zero signal: it gives an
/// <see cref="AudioDecodeException"/> whose Kind fits and whose message names the file and the problem.
/// </summary>
public sealed class AudioDecoderBadInputTests : IClassFixture<TempFolder>
{
    private static readonly byte[] Id3Header = [(byte)'I', (byte)'D', (byte)'3', 4, 0, 0, 0, 0, 0, 0];

    /// <summary>MPEG-1 layer III, 128 kbit/s, 44.1 kHz, no padding, joint stereo: a valid header of a 417-byte frame.</summary>
    private static readonly byte[] Mp3FrameHeader = [0xFF, 0xFB, 0x90, 0x64];

    private readonly TempFolder _temp;

    public AudioDecoderBadInputTests(TempFolder temp) => _temp = temp;

    [NativeAudioFact]
    public void Missing_file_is_file_not_found()
    {
        string path = _temp.File("nope.mp3");
        AudioDecodeException e = AssertFails(path, AudioErrorKind.FileNotFound, "does not exist");
        Assert.Equal(path, e.FilePath);
    }

    [NativeAudioFact]
    public void Directory_is_file_not_found()
    {
        string path = _temp.File("a-folder.mp3");
        Directory.CreateDirectory(path);
        AssertFails(path, AudioErrorKind.FileNotFound, "is a directory");
    }

    [NativeAudioFact]
    public void Empty_path_is_file_not_found_null_throws_argument_null()
    {
        AssertFails("  ", AudioErrorKind.FileNotFound, "path is empty");
        Assert.Throws<ArgumentNullException>(() => AudioDecoder.ReadMono(null!, out _));
    }

    [NativeAudioFact]
    public void Path_with_nul_character_is_file_not_found() =>
        AssertFails(_temp.File("a\0b.wav"), AudioErrorKind.FileNotFound, "NUL character");

    [NativeAudioFact]
    public void Non_ascii_path_decodes()
    {
        string path = _temp.File("Björk – Jóga ♫ 日本.wav");
        SndFileWriter.WriteInt(path, Fmt.Wav16, 8000, 1, [1 << 16, 2 << 16, 3 << 16]);
        Assert.Equal([1 / 32768f, 2 / 32768f, 3 / 32768f], AudioDecoder.ReadMono(path, out _));
    }

    /// <summary>Every SNDFILE handle is closed, on success and on every failure path (Linux: count open fds).</summary>
    [ProcSelfFdFact]
    public void No_file_handles_leak()
    {
        string bad = _temp.File("leak_garbage.mp3");
        File.WriteAllBytes(bad, [.. Id3Header, .. new byte[5000]]);
        string noAudio = _temp.File("leak_empty.wav");
        SndFileWriter.WriteInt(noAudio, Fmt.Wav16, 8000, 1, ReadOnlySpan<int>.Empty);

        void Round()
        {
            for (int i = 0; i < 20; i++)
            {
                AudioDecoder.GetInfo(AudioTestData.RealClip);
                AudioDecoder.ReadMono(AudioTestData.RealClip, out _, 10, 0.1);
                Assert.Throws<AudioDecodeException>(() => AudioDecoder.ReadMono(AudioTestData.RealClip, out _, 40));
                Assert.Throws<AudioDecodeException>(() => AudioDecoder.ReadMono(bad, out _));
                Assert.Throws<AudioDecodeException>(() => AudioDecoder.GetInfo(noAudio));
            }
        }

        Round(); // warm-up: lazily opened runtime files
        int before = Directory.GetFiles("/proc/self/fd").Length;
        Round();
        Round();
        int after = Directory.GetFiles("/proc/self/fd").Length;
        Assert.True(after - before < 20, $"open file descriptors grew from {before} to {after}");
    }

    [NativeAudioFact]
    public void Empty_file_is_empty_file()
    {
        string path = _temp.File("empty.mp3");
        File.WriteAllBytes(path, []);
        AudioDecodeException e = AssertFails(path, AudioErrorKind.EmptyFile, "the file is empty (0 bytes)");
        Assert.Equal($"Cannot decode '{path}': the file is empty (0 bytes).", e.Message);
    }

    [NativeAudioFact]
    public void Text_file_named_mp3_is_unsupported_format()
    {
        string path = _temp.File("lyrics.mp3");
        File.WriteAllText(path, "This is not audio.\nJust some lyrics in a text file that was renamed.\n");
        AssertFails(path, AudioErrorKind.UnsupportedFormat, "not a recognised audio format");
    }

    [NativeAudioTheory]
    [InlineData("noise.mp3")]
    [InlineData("noise.wav")]
    [InlineData("noise.flac")]
    [InlineData("noise.bin")]
    public void Random_bytes_are_unsupported_format(string name)
    {
        string path = _temp.File(name);
        byte[] bytes = new byte[64 * 1024];
        new Random(42).NextBytes(bytes);
        bytes[0] = 0x00; // make sure the file does not start with an ID3 tag or an MPEG frame header by chance
        File.WriteAllBytes(path, bytes);
        AssertFails(path, AudioErrorKind.UnsupportedFormat, "not a recognised audio format");
    }

    /// <summary>
    /// A truncated MP3 decodes what is there (as librosa would): the result is exactly the start of the full
    /// decode. Only when not even one frame is left is it Corrupt.
    /// </summary>
    [NativeAudioTheory]
    [InlineData(4096)]
    [InlineData(16384)]
    public void Truncated_mp3_decodes_what_is_there(int bytes)
    {
        string path = _temp.File($"trunc{bytes}.mp3");
        File.WriteAllBytes(path, File.ReadAllBytes(AudioTestData.RealClip)[..bytes]);

        // The Xing header still announces the full length; the decode stops where the data does.
        Assert.Equal(1321967, AudioDecoder.GetInfo(path).Frames);
        float[] partial = AudioDecoder.ReadMono(path, out _);
        Assert.InRange(partial.Length, 1000, 1321967L * bytes / 960738 + 2 * 1152);
        Assert.True(AudioTestData.RealClipMono.AsSpan(0, partial.Length).SequenceEqual(partial));
        Assert.Contains(partial, v => v != 0f);
    }

    [NativeAudioFact]
    public void Truncated_mp3_without_a_complete_frame_is_corrupt()
    {
        string path = _temp.File("trunc1000.mp3");
        File.WriteAllBytes(path, File.ReadAllBytes(AudioTestData.RealClip)[..1000]);
        AssertFails(path, AudioErrorKind.Corrupt, "no decodable MPEG audio frames");
    }

    [NativeAudioFact]
    public void Id3_tag_followed_by_garbage_is_corrupt()
    {
        string path = _temp.File("id3_garbage.mp3");
        byte[] garbage = new byte[200_000];
        new Random(7).NextBytes(garbage);
        File.WriteAllBytes(path, [.. Id3Header, .. garbage]);
        AssertFails(path, AudioErrorKind.Corrupt, "starts with an ID3 tag");
    }

    [NativeAudioFact]
    public void Id3_tag_followed_by_valid_frame_headers_with_garbage_payload_is_corrupt()
    {
        // mpg123 accepts these frames and "decodes" the random bits into values in the thousands or millions.
        string path = _temp.File("garbage_frames.mp3");
        var rng = new Random(3);
        using (var stream = File.Create(path))
        {
            stream.Write(Id3Header);
            for (int frame = 0; frame < 100; frame++)
            {
                byte[] payload = new byte[413];
                rng.NextBytes(payload);
                stream.Write(Mp3FrameHeader);
                stream.Write(payload);
            }
        }

        AssertFails(path, AudioErrorKind.Corrupt, "damaged or garbage");
    }

    [NativeAudioFact]
    public void Id3_tag_followed_by_empty_frames_is_no_audio_not_an_all_zero_signal()
    {
        string path = _temp.File("zero_frames.mp3");
        using (var stream = File.Create(path))
        {
            stream.Write(Id3Header);
            for (int frame = 0; frame < 100; frame++)
            {
                stream.Write(Mp3FrameHeader);
                stream.Write(new byte[413]);
            }
        }

        AssertFails(path, AudioErrorKind.NoAudio, "exactly zero");
    }

    [NativeAudioFact]
    public void Wav_with_zero_frames_is_no_audio()
    {
        string path = _temp.File("no_frames.wav");
        SndFileWriter.WriteInt(path, Fmt.Wav16, 44100, 2, ReadOnlySpan<int>.Empty);
        Assert.Equal(44, new FileInfo(path).Length); // header only
        AssertFails(path, AudioErrorKind.NoAudio, "no audio samples");
    }

    [NativeAudioFact]
    public void Wav_truncated_inside_the_data_decodes_what_is_there()
    {
        string path = _temp.File("cut.wav");
        int[] samples = Enumerable.Range(1, 1000).Select(i => i << 16).ToArray();
        SndFileWriter.WriteInt(path, Fmt.Wav16, 8000, 1, samples);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(44 + 2 * 300)]); // header still says 1000 frames

        float[] y = AudioDecoder.ReadMono(path, out _);
        Assert.Equal(300, y.Length);
        Assert.Equal(300f / 32768f, y[^1]);
    }

    [NativeAudioFact]
    public void Wav_header_claiming_gigabytes_does_not_allocate_them()
    {
        string path = _temp.File("liar.wav");
        SndFileWriter.WriteInt(path, Fmt.Wav16, 8000, 1, Enumerable.Range(1, 500).Select(i => i << 16).ToArray());
        byte[] bytes = File.ReadAllBytes(path);
        BitConverter.GetBytes(0x7FFF_0000).CopyTo(bytes, 40); // data chunk size: ~2 GB
        BitConverter.GetBytes(0x7FFF_0000 + 36).CopyTo(bytes, 4);
        File.WriteAllBytes(path, bytes);

        float[] y = AudioDecoder.ReadMono(path, out _);
        Assert.Equal(500, y.Length);
    }

    [NativeAudioFact]
    public void Flac_garbled_from_the_first_frame_is_corrupt()
    {
        byte[] bytes = WriteFlac(out int[] _);
        int firstFrame = FirstFlacFrame(bytes);
        Garble(bytes, firstFrame + 4);
        string path = _temp.File("garbled_start.flac");
        File.WriteAllBytes(path, bytes);
        AssertFails(path, AudioErrorKind.Corrupt, "libsndfile: ", infoToo: false);
    }

    /// <summary>
    /// Damage after some intact frames: like python-soundfile (which raises only when libsndfile flags an
    /// error, and it does not here) the intact start is returned. Compare with GetInfo().Frames to detect this.
    /// </summary>
    [NativeAudioFact]
    public void Flac_garbled_after_intact_frames_decodes_the_intact_start()
    {
        byte[] bytes = WriteFlac(out int[] samples);
        Garble(bytes, bytes.Length / 2);
        string path = _temp.File("garbled_middle.flac");
        File.WriteAllBytes(path, bytes);

        Assert.Equal(samples.Length, AudioDecoder.GetInfo(path).Frames);
        float[] y = AudioDecoder.ReadMono(path, out _);
        Assert.InRange(y.Length, 1, samples.Length - 1);
        for (int i = 0; i < y.Length; i++)
        {
            Assert.Equal((samples[i] >> 16) / 32768f, y[i]);
        }
    }

    [NativeAudioFact]
    public void Flac_header_claiming_an_absurd_length_decodes_what_is_there()
    {
        byte[] bytes = WriteFlac(out int[] samples);
        // STREAMINFO's 36-bit total-samples field: low nibble of byte 21, bytes 22..25. Claim 2^36 - 1 frames
        // (~18 days at 44.1 kHz, a 275 GB float array): the decoder must not trust that for its allocation.
        bytes[21] |= 0x0F;
        bytes.AsSpan(22, 4).Fill(0xFF);
        string path = _temp.File("absurd_length.flac");
        File.WriteAllBytes(path, bytes);

        Assert.Equal((1L << 36) - 1, AudioDecoder.GetInfo(path).Frames);
        float[] y = AudioDecoder.ReadMono(path, out _);
        Assert.Equal(samples.Length, y.Length);
        Assert.Equal((samples[^1] >> 16) / 32768f, y[^1]);
    }

    private byte[] WriteFlac(out int[] samples)
    {
        string path = _temp.File($"flac-{Guid.NewGuid():N}.flac");
        samples = Enumerable.Range(0, 40000).Select(i => (int)(Math.Sin(i * 0.05) * 1e9)).ToArray();
        SndFileWriter.WriteInt(path, Fmt.Flac16, 22050, 1, samples);
        return File.ReadAllBytes(path);
    }

    /// <summary>Offset of the first FLAC frame: the 14-bit sync code 0xFFF8 after the metadata blocks.</summary>
    private static int FirstFlacFrame(byte[] flac)
    {
        int offset = 4; // "fLaC"
        bool last;
        do
        {
            last = (flac[offset] & 0x80) != 0;
            int length = flac[offset + 1] << 16 | flac[offset + 2] << 8 | flac[offset + 3];
            offset += 4 + length;
        }
        while (!last);

        Assert.Equal(0xFF, flac[offset]);
        Assert.Equal(0xF8, flac[offset + 1] & 0xFE);
        return offset;
    }

    private static void Garble(byte[] bytes, int from)
    {
        var rng = new Random(5);
        for (int i = from; i < bytes.Length; i++)
        {
            bytes[i] = (byte)rng.Next(256);
        }
    }

    [NativeAudioFact]
    public void Ogg_cut_in_half_is_corrupt()
    {
        string path = _temp.File("half.ogg");
        float[] samples = Enumerable.Range(0, 22050).Select(i => (float)Math.Sin(i * 0.05) * 0.5f).ToArray();
        SndFileWriter.WriteFloat(path, Fmt.OggVorbis, 22050, 1, samples);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        AssertFails(path, AudioErrorKind.Corrupt, "malformed");
    }

    [NativeAudioTheory]
    [InlineData(31.0)]       // past the end
    [InlineData(29.97658)]   // (long)(29.97658 * 44100) = 1321967 = exactly the length
    public void OffsetAtOrBeyondTheEnd_IsNoAudio(double offset)
    {
        var e = Assert.Throws<AudioDecodeException>(() => AudioDecoder.ReadMono(AudioTestData.RealClip, out _, offset));
        Assert.Equal(AudioErrorKind.NoAudio, e.Kind);
        Assert.Contains(AudioTestData.RealClip, e.Message);
        Assert.Contains("beyond the end", e.Message);
    }

    [NativeAudioFact]
    public void Duration_shorter_than_one_sample_is_no_audio()
    {
        var e = Assert.Throws<AudioDecodeException>(() => AudioDecoder.ReadMono(AudioTestData.RealClip, out _, 1.0, 0.00001));
        Assert.Equal(AudioErrorKind.NoAudio, e.Kind);
        Assert.Contains("shorter than one sample", e.Message);
    }

    [NativeAudioTheory]
    [InlineData(-0.001, null)]
    [InlineData(double.NaN, null)]
    [InlineData(double.PositiveInfinity, null)]
    [InlineData(0.0, -1.0)]
    [InlineData(0.0, double.NaN)]
    public void Negative_or_non_finite_offset_or_duration_throws_argument_out_of_range(double offset, double? duration)
    {
        // Checked before the file is touched: the path does not even need to exist.
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => AudioDecoder.ReadMono(_temp.File("x.mp3"), out _, offset, duration));
        Assert.Equal(double.IsNaN(offset) || offset != 0 ? "offsetSeconds" : "durationSeconds", e.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => AudioDecoder.LoadMono(_temp.File("x.mp3"), 22050, offset, duration));
    }

    [NativeAudioTheory]
    [InlineData(0)]
    [InlineData(-22050)]
    public void Load_mono_non_positive_target_rate_throws_argument_out_of_range(int rate)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => AudioDecoder.LoadMono(AudioTestData.RealClip, rate));
        Assert.Equal(rate, e.ActualValue);
        Assert.Contains("positive", e.Message);
    }

    /// <summary>
    /// Random bytes behind every signature the decoders look for, at many sizes: each must give either an
    /// AudioDecodeException or plausible non-empty audio — never a crash, hang or other exception.
    /// </summary>
    [NativeAudioFact]
    public void Fuzz_random_content_behind_audio_signatures_never_crashes()
    {
        byte[][] prefixes =
        [
            [], Id3Header, Mp3FrameHeader, "RIFF\x00\x10\x00\x00WAVEfmt "u8.ToArray(), "fLaC"u8.ToArray(),
            "OggS"u8.ToArray(), "FORM\x00\x00\x10\x00AIFF"u8.ToArray(), [0xFF, 0xF3, 0x48, 0xC4],
        ];
        string[] extensions = [".mp3", ".wav", ".flac", ".ogg", ".aiff"];
        var rng = new Random(2024);
        int decoded = 0, rejected = 0;
        for (int i = 0; i < 60; i++)
        {
            byte[] prefix = prefixes[i % prefixes.Length];
            byte[] body = new byte[rng.Next(1, 20_000)];
            rng.NextBytes(body);
            string path = _temp.File($"fuzz{i}{extensions[i % extensions.Length]}");
            File.WriteAllBytes(path, [.. prefix, .. body]);
            try
            {
                float[] y = AudioDecoder.ReadMono(path, out int sr);
                Assert.NotEmpty(y);
                Assert.True(sr > 0);
                decoded++;
            }
            catch (AudioDecodeException e)
            {
                Assert.Contains(path, e.Message);
                rejected++;
            }
        }

        Assert.Equal(60, decoded + rejected);
    }

    [NativeAudioFact]
    public void Missing_native_library_says_which_and_how_to_install()
    {
        var missing = Assert.Throws<DllNotFoundException>(() =>
            NativeLibraryLoader.Load("libsndfile", ["libmelgenre-no-such-library.so.1"]));
        Assert.Contains("libsndfile", missing.Message);
        Assert.Contains("libmelgenre-no-such-library.so.1", missing.Message);
        Assert.Contains("apt-get install libsndfile1 libsoxr0", missing.Message);

        AudioDecodeException wrapped = SndFileReader.MissingLibrary("/data/x.mp3", missing);
        Assert.Equal(AudioErrorKind.NativeLibraryMissing, wrapped.Kind);
        Assert.StartsWith("Cannot decode '/data/x.mp3': ", wrapped.Message);
        Assert.Contains("apt-get install libsndfile1 libsoxr0", wrapped.Message);
        Assert.Same(missing, wrapped.InnerException);
    }

    [NativeAudioFact]
    public void Native_libraries_are_present_here()
    {
        Assert.StartsWith("libsndfile-1.", SndFileNative.Api.Version);
        Assert.StartsWith("libsoxr-0.1", SoxrNative.Api.Version);
    }

    private static AudioDecodeException AssertFails(string path, AudioErrorKind kind, string problem, bool infoToo = true)
    {
        var e = Assert.Throws<AudioDecodeException>(() => AudioDecoder.ReadMono(path, out _));
        Assert.True(kind == e.Kind, $"expected {kind}, got {e.Kind}: {e.Message}");
        Assert.Equal(path, e.FilePath);
        Assert.StartsWith($"Cannot decode '{path}': ", e.Message);
        Assert.Contains(problem, e.Message);
        Assert.IsAssignableFrom<IOException>(e);

        // LoadMono fails the same way; GetInfo too unless the problem only shows while decoding.
        Assert.Equal(kind, Assert.Throws<AudioDecodeException>(() => AudioDecoder.LoadMono(path, 22050)).Kind);
        if (infoToo && kind is not AudioErrorKind.NoAudio and not AudioErrorKind.Corrupt)
        {
            Assert.Equal(kind, Assert.Throws<AudioDecodeException>(() => AudioDecoder.GetInfo(path)).Kind);
        }

        return e;
    }
}
