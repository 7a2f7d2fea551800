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
/// The managed decoders against the native (libsndfile) path on files generated in code. Tolerances: WAV, AIFF and FLAC
/// must be bit-identical (lossless, and libsndfile's int→float scaling is exact); Ogg Vorbis: same length and
/// SNR ≥ 120 dB; MP3: same length (and GetInfo frames), zero lag, SNR ≥ 100 dB.
/// </summary>
public sealed class ManagedDecoderParityTests : IClassFixture<TempFolder>
{
    private readonly TempFolder _temp;

    public ManagedDecoderParityTests(TempFolder temp) => _temp = temp;

    public static IEnumerable<object[]> PcmFormats()
    {
        int[] majors = [SfConst.Wav, SfConst.WavEx, SfConst.Rf64, SfConst.Aiff];
        foreach (int major in majors)
        {
            int[] subs = major == SfConst.Aiff
                ? [SfConst.PcmS8, SfConst.PcmU8, SfConst.Pcm16, SfConst.Pcm24, SfConst.Pcm32, SfConst.Float, SfConst.Double]
                : [SfConst.PcmU8, SfConst.Pcm16, SfConst.Pcm24, SfConst.Pcm32, SfConst.Float, SfConst.Double];
            foreach (int sub in subs)
            {
                foreach (int channels in new[] { 1, 2, 3, 8 })
                {
                    yield return [major | sub, channels];
                }
            }
        }
    }

    /// <summary>Tolerance: bit-identical samples, identical GetInfo (rate, channels, frames, format text).</summary>
    [NativeAudioTheory]
    [MemberData(nameof(PcmFormats))]
    public void Wav_aiff_rf64_are_bit_identical_to_native(int format, int channels)
    {
        const int frames = 5003;
        var rng = new Random(format ^ channels);
        int[] samples = new int[frames * channels];
        for (int i = 0; i < samples.Length; i++)
        {
            samples[i] = i switch { 0 => int.MinValue, 1 => int.MaxValue, 2 => 0, 3 => -1, _ => rng.Next(int.MinValue, int.MaxValue) };
        }

        string path = _temp.File($"pcm_{format:X}_{channels}.{((format & SfConst.TypeMask) == SfConst.Aiff ? "aiff" : "wav")}");
        int sub = format & SfConst.SubMask;
        if (sub is SfConst.Float or SfConst.Double)
        {
            float[] f = samples.Select(s => s / 2147483648f * 1.5f).ToArray(); // beyond ±1 on purpose: no clipping either side
            SndFileWriter.WriteFloat(path, format, 44100, channels, f);
        }
        else
        {
            SndFileWriter.WriteInt(path, format, 44100, channels, samples);
        }

        AssertSameInfo(path);
        ManagedTestSupport.AssertBitIdentical(AudioDecoder.ReadMono(path, out int nsr), ManagedAudioDecoder.ReadMono(path, out int msr), path);
        Assert.Equal(nsr, msr);
    }

    /// <summary>AIFF-C with an encoding the managed path does not decode (u-law): an error naming the compression type.</summary>
    [NativeAudioFact]
    public void Aifc_ulaw_is_refused_by_name()
    {
        string path = _temp.File("aifc_ulaw.aiff");
        SndFileWriter.WriteFloat(path, SfConst.Aiff | SfConst.Ulaw, 8000, 1, ManagedTestSupport.Music(8000, 3000, 1).SelectManyInterleaved());
        Assert.NotEmpty(AudioDecoder.ReadMono(path, out _));
        var e = Assert.Throws<AudioDecodeException>(() => ManagedAudioDecoder.ReadMono(path, out _));
        Assert.Equal(AudioErrorKind.UnsupportedFormat, e.Kind);
        Assert.Contains("'ulaw'", e.Message);
    }

    public static IEnumerable<object[]> FlacCases()
    {
        foreach (int sub in new[] { SfConst.PcmS8, SfConst.Pcm16, SfConst.Pcm24 })
        {
            foreach (int channels in new[] { 1, 2, 3, 4, 5, 6, 7, 8 })
            {
                yield return [sub, channels, 44100, 0.5, "music"];
            }

            foreach (double level in new[] { 0.0, 1.0 })
            {
                foreach (string signal in new[] { "music", "noise", "silence", "wasted", "steps" })
                {
                    yield return [sub, 2, 48000, level, signal];
                }
            }
        }

        foreach (int rate in new[] { 8000, 11025, 22050, 32000, 37800, 88200, 96000, 192000, 44056, 50000 })
        {
            yield return [SfConst.Pcm16, 2, rate, 0.5, "music"];
        }
    }

    /// <summary>
    /// Tolerance: bit-identical. Covers 8/16/24-bit, 1-8 channels, compression 0 (fixed predictors, block 1152),
    /// 0.5 and 1 (LPC, block 4096, stereo decorrelation), noise (verbatim/escape partitions), silence (constant
    /// subframes), samples with zero low bits (wasted bits), steps (constant runs), and header-coded sample rates.
    /// </summary>
    [NativeAudioTheory]
    [MemberData(nameof(FlacCases))]
    public void Flac_is_bit_identical_to_native(int sub, int channels, int rate, double level, string signal)
    {
        int frames = rate / 2 + 4321;
        int bits = sub == SfConst.PcmS8 ? 8 : sub == SfConst.Pcm16 ? 16 : 24;
        var rng = new Random(bits * 100 + channels);
        float[][] music = ManagedTestSupport.Music(rate, frames, channels, 0.7, 0.02, seed: channels);
        int[] samples = new int[frames * channels];
        for (int i = 0; i < frames; i++)
        {
            for (int c = 0; c < channels; c++)
            {
                int q = 32 - bits;
                long v = signal switch
                {
                    "noise" => rng.Next(int.MinValue, int.MaxValue) >> q,
                    "silence" => 0,
                    "wasted" => ((long)(music[c][i] * ((1L << (bits - 1)) - 1)) >> 3) << 3,
                    "steps" => (i / 700 % 5 - 2) * ((1L << (bits - 1)) / 3) + c,
                    _ => (long)Math.Round(music[c][i] * ((1L << (bits - 1)) - 1)),
                };
                // Channel 1 is the left channel plus a little: side channels stay small (decorrelation modes).
                if (signal == "music" && c == 1 && channels == 2)
                {
                    v = Math.Clamp((long)Math.Round(music[0][i] * ((1L << (bits - 1)) - 1)) + (long)(music[1][i] * 40), -(1L << (bits - 1)), (1L << (bits - 1)) - 1);
                }

                samples[i * channels + c] = (int)(v << q);
            }
        }

        string path = _temp.File($"flac_{sub}_{channels}_{rate}_{level}_{signal}.flac");
        WriteFlac(path, sub, rate, channels, samples, level);
        AssertSameInfo(path);
        float[] native = AudioDecoder.ReadMono(path, out _);
        float[] managed = ManagedAudioDecoder.ReadMono(path, out int sr);
        Assert.Equal(rate, sr);
        ManagedTestSupport.AssertBitIdentical(native, managed, path);
    }

    private static unsafe void WriteFlac(string path, int sub, int rate, int channels, int[] samples, double level)
    {
        SndFileNative api = SndFileNative.Api;
        var info = new SfInfo { Format = SfConst.Flac | sub, SampleRate = rate, Channels = channels };
        IntPtr h = api.Open(path, SfConst.Write, ref info);
        Assert.True(h != IntPtr.Zero, api.ErrorText(IntPtr.Zero));
        try
        {
            api.sf_command(h, SfConst.CmdSetCompressionLevel, &level, sizeof(double));
            fixed (int* p = samples)
            {
                Assert.Equal(samples.Length / channels, api.sf_writef_int(h, p, samples.Length / channels));
            }
        }
        finally
        {
            api.sf_close(h);
        }
    }

    /// <summary>Tolerance: same GetInfo frames and decoded length as native, SNR ≥ 120 dB (NVorbis vs libvorbis float rounding).</summary>
    [NativeAudioTheory]
    [InlineData(44100, 1)]
    [InlineData(44100, 2)]
    [InlineData(22050, 2)]
    [InlineData(48000, 4)]
    [InlineData(48000, 8)]
    [InlineData(8000, 1)]
    public void Vorbis_matches_native_within120_d_b(int rate, int channels)
    {
        float[] signal = ManagedTestSupport.Music(rate, rate * 2 + 333, channels, amplitude: 0.9).SelectManyInterleaved();
        string path = _temp.File($"vorbis_{rate}_{channels}.ogg");
        SndFileWriter.WriteFloat(path, SfConst.Ogg | SfConst.Vorbis, rate, channels, signal);
        AssertSameInfo(path);
        float[] native = AudioDecoder.ReadMono(path, out _);
        float[] managed = ManagedAudioDecoder.ReadMono(path, out _);
        Assert.Equal(native.Length, managed.Length);
        double snr = ManagedTestSupport.SnrDb(native, managed);
        Assert.True(snr >= 120, $"SNR {snr:F1} dB");
    }

    /// <summary>5.1 Vorbis (6 channels): NVorbis 0.10.5 decodes libvorbis' LFE submap wrongly, so the managed path refuses it by name.</summary>
    [NativeAudioFact]
    public void Vorbis_six_channels_is_refused_with_a_clear_error()
    {
        string path = _temp.File("vorbis_51.ogg");
        SndFileWriter.WriteFloat(path, SfConst.Ogg | SfConst.Vorbis, 48000, 6, ManagedTestSupport.Music(48000, 9600, 6).SelectManyInterleaved());
        Assert.NotEmpty(AudioDecoder.ReadMono(path, out _));
        var e = Assert.Throws<AudioDecodeException>(() => ManagedAudioDecoder.ReadMono(path, out _));
        Assert.Equal(AudioErrorKind.UnsupportedFormat, e.Kind);
        Assert.Contains("6-channel", e.Message);
        Assert.Contains(path, e.Message);
    }

    /// <summary>Loud Vorbis (peaks above full scale) is not clipped, as in librosa: NVorbis' ClipSamples is off.</summary>
    [NativeAudioFact]
    public void Vorbis_above_full_scale_is_not_clipped()
    {
        float[] signal = ManagedTestSupport.Music(44100, 44100, 1, amplitude: 1.6, noise: 0).SelectManyInterleaved();
        string path = _temp.File("vorbis_loud.ogg");
        SndFileWriter.WriteFloat(path, SfConst.Ogg | SfConst.Vorbis, 44100, 1, signal);
        float[] managed = ManagedAudioDecoder.ReadMono(path, out _);
        Assert.True(AudioTestData.Peak(managed) > 1.2, $"peak {AudioTestData.Peak(managed)}");
        Assert.True(ManagedTestSupport.SnrDb(AudioDecoder.ReadMono(path, out _), managed) >= 120);
    }

    public static IEnumerable<object[]> Mp3Cases()
    {
        (int Rate, int Channels)[] shapes =
        [
            (44100, 1), (44100, 2), (48000, 2), (32000, 1), (24000, 2), (22050, 1), (22050, 2), (16000, 1),
            (12000, 1), (11025, 2), (8000, 1), (8000, 2),
        ];
        // An 8 kHz stream of steady tones (no transients) has no short blocks and decodes normally: see Mp3_8kHz_WithoutShortBlocks.
        foreach (var s in shapes)
        {
            yield return [s.Rate, s.Channels, 0, "cbr"];
            yield return [s.Rate, s.Channels, 2, "vbr"];
        }

        yield return [44100, 2, 1, "abr"];
        yield return [44100, 2, 0, "id3-picture"];
        yield return [44100, 2, 2, "no-xing"];
        yield return [22050, 1, 0, "no-xing"];
        yield return [44100, 2, 0, "id3v1"];
    }

    /// <summary>
    /// Tolerance: the same GetInfo frame count and decoded length as native (mpg123, including its no-Xing length
    /// estimate), no lag, SNR ≥ 100 dB (measured 127.9-130.7 dB). Exception (documented in Audio/Managed/README.md):
    /// MPEG-2.5 at 8 kHz with short blocks, which NLayer decodes wrongly (≈13 dB): the managed path refuses it by name.
    /// </summary>
    [NativeAudioTheory]
    [MemberData(nameof(Mp3Cases))]
    public void Mp3_same_length_and_alignment_as_native(int rate, int channels, int bitrateMode, string variant)
    {
        float[] signal = ManagedTestSupport.Music(rate, rate * 3 / 2 + 77, channels, amplitude: 0.6).SelectManyInterleaved();
        string path = _temp.File($"mp3_{rate}_{channels}_{variant}.mp3");
        ManagedTestSupport.WriteMp3(path, rate, channels, signal, bitrateMode, compression: bitrateMode == 2 ? 0.3 : 0.5);
        byte[] bytes = File.ReadAllBytes(path);
        switch (variant)
        {
            case "id3-picture":
                bytes = [.. ManagedTestSupport.Id3WithPicture(30_000, rate), .. bytes];
                break;
            case "no-xing":
                bytes = RemoveTagFrame(bytes);
                break;
            case "id3v1":
                byte[] tag = new byte[128];
                "TAG"u8.CopyTo(tag);
                "A title"u8.CopyTo(tag.AsSpan(3));
                bytes = [.. bytes, .. tag];
                break;
        }

        File.WriteAllBytes(path, bytes);
        if (rate == 8000)
        {
            // The test signal starts and stops abruptly, so LAME uses short blocks there.
            Assert.NotEmpty(AudioDecoder.ReadMono(path, out _));
            var e = Assert.Throws<AudioDecodeException>(() => ManagedAudioDecoder.ReadMono(path, out _));
            Assert.Equal(AudioErrorKind.UnsupportedFormat, e.Kind);
            Assert.Contains("MPEG-2.5 at 8 kHz with short blocks", e.Message);
            Assert.Equal(AudioErrorKind.UnsupportedFormat, Assert.Throws<AudioDecodeException>(() => ManagedAudioDecoder.GetInfo(path)).Kind);
            return;
        }

        AssertSameInfo(path);
        float[] native = AudioDecoder.ReadMono(path, out _);
        float[] managed = ManagedAudioDecoder.ReadMono(path, out _);
        Assert.Equal(native.Length, managed.Length);
        double snr = ManagedTestSupport.SnrDb(native, managed);
        Assert.True(snr >= 100, $"SNR {snr:F1} dB (required 100)");
    }

    /// <summary>
    /// 8 kHz MPEG-2.5 without short blocks (a 200 Hz tone faded in and out over 1.5 s: LAME then keeps long blocks)
    /// is decoded, at ≥ 100 dB against native.
    /// </summary>
    [NativeAudioFact]
    public void Mp3_8kHz_without_short_blocks_matches_native()
    {
        const int rate = 8000;
        float[] tone = new float[rate * 4];
        for (int i = 0; i < tone.Length; i++)
        {
            double fade = Math.Min(1, Math.Min(i, tone.Length - i) / (1.5 * rate));
            tone[i] = (float)(0.3 * fade * Math.Sin(2 * Math.PI * 200 * i / rate));
        }

        string path = _temp.File("mp3_8k_tone.mp3");
        ManagedTestSupport.WriteMp3(path, rate, 1, tone, 0, 0.5);
        Assert.False(Mp3Decoder.HasEightKilohertzShortBlocks(File.ReadAllBytes(path), MpegLayout.Scan(File.ReadAllBytes(path), 0)));
        AssertSameInfo(path);
        float[] native = AudioDecoder.ReadMono(path, out _);
        float[] managed = ManagedAudioDecoder.ReadMono(path, out _);
        Assert.Equal(native.Length, managed.Length);
        double snr = ManagedTestSupport.SnrDb(native, managed);
        Assert.True(snr >= 100, $"SNR {snr:F1} dB");
    }

    /// <summary>Cuts the first MPEG frame (LAME's Xing/Info frame) out of a file, leaving a stream without any tag.</summary>
    private static byte[] RemoveTagFrame(byte[] bytes)
    {
        int start = 0;
        if (bytes[0] == 'I' && bytes[1] == 'D' && bytes[2] == '3')
        {
            start = (int)Id3v2.TagEnd(bytes);
        }

        Assert.True(MpegHeader.TryParse(bytes.AsSpan(start), out MpegHeader h));
        int side = start + 4 + (h.HasCrc ? 2 : 0) + h.SideInfoBytes;
        string tag = System.Text.Encoding.ASCII.GetString(bytes, side, 4);
        Assert.True(tag is "Xing" or "Info", $"expected a LAME tag frame, found '{tag}'");
        return [.. bytes.AsSpan(0, start), .. bytes.AsSpan(start + h.FrameBytes)];
    }

    /// <summary>
    /// Offset and duration: the same truncation as native, for every format (bit-identical where lossless, SNR ≥ 100 dB
    /// for MP3). Vorbis is compared with the matching slice of the native full decode: libsndfile 1.2's Vorbis seek into
    /// the last page returns wrong samples (measured: 2.999 s into a 3-s file), which the managed path does not copy.
    /// </summary>
    [NativeAudioTheory]
    [InlineData("wav")]
    [InlineData("flac")]
    [InlineData("ogg")]
    [InlineData("mp3")]
    public void Offset_and_duration_match_native(string kind)
    {
        const int rate = 22050;
        float[] signal = ManagedTestSupport.Music(rate, rate * 3, 2).SelectManyInterleaved();
        string path = _temp.File($"range.{kind}");
        switch (kind)
        {
            case "wav": SndFileWriter.WriteFloat(path, SfConst.Wav | SfConst.Pcm16, rate, 2, signal); break;
            case "flac": SndFileWriter.WriteFloat(path, SfConst.Flac | SfConst.Pcm24, rate, 2, signal); break;
            case "ogg": SndFileWriter.WriteFloat(path, SfConst.Ogg | SfConst.Vorbis, rate, 2, signal); break;
            default: ManagedTestSupport.WriteMp3(path, rate, 2, signal, 0, 0.5); break;
        }

        foreach ((double offset, double? duration) in new (double, double?)[] { (0.1, 0.0333), (0.9, 10), (0, 0.5), (1.7, null), (2.999, null) })
        {
            float[] native = AudioDecoder.ReadMono(path, out _, offset, duration);
            if (kind == "ogg")
            {
                float[] full = AudioDecoder.ReadMono(path, out _);
                native = full.AsSpan((int)(offset * rate), native.Length).ToArray();
            }

            float[] managed = ManagedAudioDecoder.ReadMono(path, out _, offset, duration);
            string what = $"{kind} offset {offset} duration {duration}";
            if (kind is "wav" or "flac")
            {
                ManagedTestSupport.AssertBitIdentical(native, managed, what);
            }
            else
            {
                Assert.True(native.Length == managed.Length, $"{what}: {native.Length} vs {managed.Length}");
                double snr = ManagedTestSupport.SnrDb(native, managed);
                Assert.True(snr >= 100, $"{what}: SNR {snr:F1} dB");
            }
        }
    }

    /// <summary>Dispatch is by content: a WAV named .mp3 and an MP3 named .wav decode as what they are.</summary>
    [NativeAudioFact]
    public void Format_is_chosen_by_content_not_extension()
    {
        string wav = _temp.File("really_a_wav.mp3");
        SndFileWriter.WriteInt(wav, SfConst.Wav | SfConst.Pcm16, 8000, 1, [1 << 16, 2 << 16, -3 << 16]);
        Assert.Equal([1 / 32768f, 2 / 32768f, -3 / 32768f], ManagedAudioDecoder.ReadMono(wav, out _));
        Assert.Equal("WAV (PCM 16-bit)", ManagedAudioDecoder.GetInfo(wav).Format);

        string mp3 = _temp.File("really_an_mp3.wav");
        ManagedTestSupport.WriteMp3(mp3, 44100, 1, ManagedTestSupport.Music(44100, 30000, 1).SelectManyInterleaved(), 0, 0.5);
        Assert.Equal("MP3", ManagedAudioDecoder.GetInfo(mp3).Format);
        Assert.Equal(AudioDecoder.ReadMono(mp3, out _).Length, ManagedAudioDecoder.ReadMono(mp3, out _).Length);
    }

    private static void AssertSameInfo(string path)
    {
        AudioInfo native = AudioDecoder.GetInfo(path);
        AudioInfo managed = ManagedAudioDecoder.GetInfo(path);
        Assert.Equal(native.SampleRate, managed.SampleRate);
        Assert.Equal(native.Channels, managed.Channels);
        Assert.Equal(native.Frames, managed.Frames);
        Assert.Equal(native.Format, managed.Format);
        Assert.Equal(native.FormatCode, managed.FormatCode);
        Assert.Equal(path, managed.Path);
    }
}

internal static class InterleaveExtensions
{
    /// <summary>Per-channel arrays to one interleaved array.</summary>
    public static float[] SelectManyInterleaved(this float[][] channels) => AudioTestData.Interleave(channels);
}
