using System;
using System.Collections.Generic;
using MelGenre.Audio;
using Xunit;

namespace MelGenre.Tests.Audio;

/// <summary>
/// Every format the decoder must read, written in code through libsndfile from synthetic sines, then decoded
/// and compared with what was written: exactly for PCM and FLAC, by amplitude and frequency for lossy codecs.
/// </summary>
public sealed class AudioDecoderFormatTests : IClassFixture<TempFolder>
{
    private readonly TempFolder _temp;

    public AudioDecoderFormatTests(TempFolder temp) => _temp = temp;

    public static IEnumerable<object[]> IntegerFormats()
    {
        var formats = new (int Format, int Bits, string Name)[]
        {
            (Fmt.WavU8, 8, "WAV (PCM 8-bit)"),
            (Fmt.Wav16, 16, "WAV (PCM 16-bit)"),
            (Fmt.Wav24, 24, "WAV (PCM 24-bit)"),
            (Fmt.Wav32, 32, "WAV (PCM 32-bit)"),
            (Fmt.Flac8, 8, "FLAC"),
            (Fmt.Flac16, 16, "FLAC"),
            (Fmt.Flac24, 24, "FLAC"),
        };
        foreach (var f in formats)
        {
            foreach (int channels in new[] { 1, 2, 4, 6 })
            {
                yield return new object[] { f.Format, f.Bits, f.Name, channels };
            }
        }
    }

    [NativeAudioTheory]
    [MemberData(nameof(IntegerFormats))]
    public void Integer_pcm_decodes_to_the_written_samples_exactly(int format, int bits, string formatName, int channels)
    {
        const int sampleRate = 22050;
        const int frames = 22050 + 77; // not a multiple of any block size
        double fullScale = Math.Pow(2, bits - 1);

        // Channel c: a sine of its own frequency and level, quantised to the file's bit depth.
        var written = new int[channels][];
        var expected = new float[channels][];
        for (int c = 0; c < channels; c++)
        {
            written[c] = new int[frames];
            expected[c] = new float[frames];
            for (int i = 0; i < frames; i++)
            {
                long q = (long)Math.Round(AudioTestData.Sine(i, 220 * (c + 1), sampleRate, 0.9 / (c + 1)) * (fullScale - 1));
                written[c][i] = (int)(q << (32 - bits));             // libsndfile's int API is left-justified
                expected[c][i] = (float)q / (float)fullScale;         // libsndfile's int -> float scaling
            }
        }

        string path = _temp.File($"pcm_{format:X}_{channels}.{(formatName == "FLAC" ? "flac" : "wav")}");
        SndFileWriter.WriteInt(path, format, sampleRate, channels, AudioTestData.Interleave(written));

        AudioInfo info = AudioDecoder.GetInfo(path);
        Assert.Equal(sampleRate, info.SampleRate);
        Assert.Equal(channels, info.Channels);
        Assert.Equal(frames, info.Frames);
        Assert.Equal(formatName, info.Format);
        Assert.Equal(path, info.Path);
        Assert.Equal((double)frames / sampleRate, info.Duration.TotalSeconds, 6);

        float[] mono = AudioDecoder.ReadMono(path, out int sr);
        Assert.Equal(sampleRate, sr);
        Assert.Equal(frames, mono.Length);
        float[] expectedMono = MeanLikeNumpy(expected);
        AssertExactlyEqual(expectedMono, mono);
    }

    [NativeAudioTheory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(6)]
    public void Float_wav_decodes_bit_exact(int channels)
    {
        const int sampleRate = 48000;
        const int frames = 9601;
        var signal = new float[channels][];
        for (int c = 0; c < channels; c++)
        {
            signal[c] = new float[frames];
            for (int i = 0; i < frames; i++)
            {
                signal[c][i] = (float)AudioTestData.Sine(i, 1000 + 300 * c, sampleRate, 0.7, phase: c);
            }
        }

        string path = _temp.File($"float_{channels}.wav");
        SndFileWriter.WriteFloat(path, Fmt.WavFloat, sampleRate, channels, AudioTestData.Interleave(signal));

        AudioInfo info = AudioDecoder.GetInfo(path);
        Assert.Equal("WAV (32-bit float)", info.Format);
        Assert.Equal(channels, info.Channels);
        Assert.Equal(frames, info.Frames);

        float[] mono = AudioDecoder.ReadMono(path, out int sr);
        Assert.Equal(sampleRate, sr);
        AssertExactlyEqual(MeanLikeNumpy(signal), mono);
    }

    [NativeAudioFact]
    public void Stereo_left_sine_right_silence_mixes_to_half_amplitude()
    {
        const int sampleRate = 44100;
        const int frames = 44100;
        var left = new float[frames];
        var right = new float[frames];
        for (int i = 0; i < frames; i++)
        {
            left[i] = (float)AudioTestData.Sine(i, 440, sampleRate, 0.8);
        }

        string path = _temp.File("left_only.wav");
        SndFileWriter.WriteFloat(path, Fmt.WavFloat, sampleRate, 2, AudioTestData.Interleave(left, right));

        float[] mono = AudioDecoder.ReadMono(path, out _);
        for (int i = 0; i < frames; i++)
        {
            Assert.Equal(left[i] / 2f, mono[i]);
        }

        Assert.Equal(0.4, AudioTestData.Peak(mono), 3);
    }

    [NativeAudioTheory]
    [InlineData(44100, 1)]
    [InlineData(44100, 2)]
    [InlineData(22050, 2)]
    [InlineData(48000, 6)]
    public void Ogg_vorbis_decodes_close_to_the_written_sine(int sampleRate, int channels)
    {
        int frames = sampleRate; // 1 s
        float[][] signal = LeftSineOthersSilent(sampleRate, frames, channels, 440, 0.8);
        string path = _temp.File($"vorbis_{sampleRate}_{channels}.ogg");
        SndFileWriter.WriteFloat(path, Fmt.OggVorbis, sampleRate, channels, AudioTestData.Interleave(signal));

        AudioInfo info = AudioDecoder.GetInfo(path);
        Assert.Equal("OGG (Vorbis)", info.Format);
        Assert.Equal(sampleRate, info.SampleRate);
        Assert.Equal(channels, info.Channels);
        Assert.Equal(frames, info.Frames); // Ogg granule positions make the length exact

        float[] mono = AudioDecoder.ReadMono(path, out int sr);
        Assert.Equal(sampleRate, sr);
        Assert.Equal(frames, mono.Length);
        AssertSine(mono, sampleRate, 440, 0.8 / channels, amplitudeTolerance: 0.05);
    }

    [NativeAudioFact]
    public void Ogg_opus_decodes()
    {
        const int sampleRate = 48000;
        float[][] signal = LeftSineOthersSilent(sampleRate, sampleRate, 2, 1000, 0.8);
        string path = _temp.File("opus.opus");
        SndFileWriter.WriteFloat(path, Fmt.OggOpus, sampleRate, 2, AudioTestData.Interleave(signal));

        AudioInfo info = AudioDecoder.GetInfo(path);
        Assert.Equal("OGG (Opus)", info.Format);
        float[] mono = AudioDecoder.ReadMono(path, out int sr);
        Assert.Equal(48000, sr);
        Assert.InRange(mono.Length, sampleRate - 960, sampleRate + 960);
        AssertSine(mono, sampleRate, 1000, 0.4, amplitudeTolerance: 0.1);
    }

    /// <summary>
    /// libsndfile writes MP3 through LAME, which picks the MPEG version from the sample rate: MPEG-1 for
    /// 32/44.1/48 kHz, MPEG-2 for 16/22.05/24 kHz and MPEG-2.5 for 8/11.025/12 kHz. Each is decoded back by mpg123.
    /// </summary>
    [NativeAudioTheory]
    [InlineData(44100, 1, "1")]
    [InlineData(44100, 2, "1")]
    [InlineData(48000, 2, "1")]
    [InlineData(32000, 1, "1")]
    [InlineData(24000, 2, "2")]
    [InlineData(22050, 1, "2")]
    [InlineData(22050, 2, "2")]
    [InlineData(16000, 1, "2")]
    [InlineData(12000, 1, "2.5")]
    [InlineData(11025, 2, "2.5")]
    [InlineData(8000, 1, "2.5")]
    [InlineData(8000, 2, "2.5")]
    public void Mp3_all_mpeg_versions_decode(int sampleRate, int channels, string mpegVersion)
    {
        int frames = sampleRate; // 1 s
        float[][] signal = LeftSineOthersSilent(sampleRate, frames, channels, 440, 0.8);
        string path = _temp.File($"mp3_{sampleRate}_{channels}.mp3");
        SndFileWriter.WriteFloat(path, Fmt.Mp3, sampleRate, channels, AudioTestData.Interleave(signal), compressionLevel: 0.0);
        Assert.Equal(mpegVersion, AudioTestData.MpegVersion(path));

        AudioInfo info = AudioDecoder.GetInfo(path);
        Assert.Equal("MP3", info.Format);
        Assert.Equal(sampleRate, info.SampleRate);
        Assert.Equal(channels, info.Channels);
        // LAME writes a Xing/LAME tag with encoder delay and padding, and mpg123 decodes gaplessly, so the
        // length comes back exact here; allow one MPEG frame for decoders that do not honour the tag.
        Assert.InRange(info.Frames, frames - 1152, frames + 1152);

        float[] mono = AudioDecoder.ReadMono(path, out int sr);
        Assert.Equal(sampleRate, sr);
        Assert.Equal(info.Frames, mono.Length);
        AssertSine(mono, sampleRate, 440, 0.8 / channels, amplitudeTolerance: 0.12);
    }

    [NativeAudioFact]
    public void Read_mono_offset_and_duration_truncate_like_librosa()
    {
        const int sampleRate = 22050;
        const int frames = 22050;
        var ramp = new int[frames];
        for (int i = 0; i < frames; i++)
        {
            ramp[i] = (i - 11025) << 16; // every sample distinct: positions are checkable
        }

        string path = _temp.File("ramp.wav");
        SndFileWriter.WriteInt(path, Fmt.Wav16, sampleRate, 1, ramp);
        float[] all = AudioDecoder.ReadMono(path, out _);

        // 0.1 s * 22050 = 2205.0000000000005 -> 2205; 0.0333 s -> 734.265 -> 734.
        float[] part = AudioDecoder.ReadMono(path, out _, offsetSeconds: 0.1, durationSeconds: 0.0333);
        Assert.Equal(734, part.Length);
        Assert.Equal(all.AsSpan(2205, 734).ToArray(), part);

        // Duration past the end: what is there.
        float[] tail = AudioDecoder.ReadMono(path, out _, offsetSeconds: 0.9, durationSeconds: 10);
        Assert.Equal(frames - (int)(0.9 * sampleRate), tail.Length);
        Assert.Equal(all[^1], tail[^1]);

        // Duration only.
        Assert.Equal(all.AsSpan(0, 100).ToArray(), AudioDecoder.ReadMono(path, out _, durationSeconds: 100.0 / sampleRate + 1e-9));
    }

    [NativeAudioFact]
    public void Longer_than_one_read_block_multi_channel_is_exact()
    {
        // 3 channels and ~2.2 read blocks: exercises the block loop and the odd-channel-count mixing path.
        const int sampleRate = 16000;
        const int frames = 70001;
        var channels = new float[3][];
        for (int c = 0; c < 3; c++)
        {
            channels[c] = new float[frames];
            for (int i = 0; i < frames; i++)
            {
                channels[c][i] = (float)AudioTestData.Sine(i, 100 * (c + 1), sampleRate, 0.3 + 0.2 * c);
            }
        }

        string path = _temp.File("three.wav");
        SndFileWriter.WriteFloat(path, Fmt.WavFloat, sampleRate, 3, AudioTestData.Interleave(channels));
        AssertExactlyEqual(MeanLikeNumpy(channels), AudioDecoder.ReadMono(path, out _));
    }

    [NativeAudioTheory]
    [InlineData(1)]
    [InlineData(2)]
    public void Buffer_growth_when_the_header_is_not_trusted_gives_the_same_samples(int channels)
    {
        // With a tiny trusted allocation the decoder must grow its buffer block by block and trim at the end.
        const int frames = 100_003;
        var signal = new float[channels][];
        for (int c = 0; c < channels; c++)
        {
            signal[c] = new float[frames];
            for (int i = 0; i < frames; i++)
            {
                signal[c][i] = (float)AudioTestData.Sine(i, 330 * (c + 1), 44100, 0.5);
            }
        }

        string path = _temp.File($"growth_{channels}.wav");
        SndFileWriter.WriteFloat(path, Fmt.WavFloat, 44100, channels, AudioTestData.Interleave(signal));
        float[] normal = AudioDecoder.ReadMono(path, out _);
        using SndFileReader reader = SndFileReader.Open(path);
        float[] grown = AudioDecoder.ReadMonoCore(reader, 0, null, trustedFrames: 1000);
        AssertExactlyEqual(normal, grown);
        AssertExactlyEqual(MeanLikeNumpy(signal), grown);
    }

    [NativeAudioFact]
    public void Numpy_sum_matches_numpy_pairwise_order()
    {
        // Fewer than 8 terms: a plain left-to-right running sum.
        float[] few = [1e8f, 1f, -1e8f, 1f];
        Assert.Equal(((1e8f + 1f) + -1e8f) + 1f, AudioDecoder.NumpySum(few));

        // 8..128 terms: eight interleaved partial sums combined pairwise, then the remainder.
        var many = new float[19];
        for (int i = 0; i < many.Length; i++)
        {
            many[i] = 1f / (i + 1);
        }

        var r = new float[8];
        Array.Copy(many, r, 8);
        for (int i = 8; i < 16; i++)
        {
            r[i - 8] += many[i];
        }

        float expected = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        expected += many[16];
        expected += many[17];
        expected += many[18];
        Assert.Equal(expected, AudioDecoder.NumpySum(many));
    }

    /// <summary>np.mean(y, axis=0) on a float32 (channels, frames) array: running sum left to right, then / channels.</summary>
    private static float[] MeanLikeNumpy(float[][] channels)
    {
        int frames = channels[0].Length;
        var mean = new float[frames];
        for (int i = 0; i < frames; i++)
        {
            float sum = 0f;
            for (int c = 0; c < channels.Length; c++)
            {
                sum += channels[c][i];
            }

            mean[i] = sum / channels.Length;
        }

        return mean;
    }

    private static float[][] LeftSineOthersSilent(int sampleRate, int frames, int channels, double frequency, double amplitude)
    {
        var signal = new float[channels][];
        for (int c = 0; c < channels; c++)
        {
            signal[c] = new float[frames];
        }

        for (int i = 0; i < frames; i++)
        {
            signal[0][i] = (float)AudioTestData.Sine(i, frequency, sampleRate, amplitude);
        }

        return signal;
    }

    /// <summary>Checks the middle half of a decoded sine: peak level within tolerance, frequency within 0.5 %.</summary>
    private static void AssertSine(float[] decoded, int sampleRate, double frequency, double amplitude, double amplitudeTolerance)
    {
        ReadOnlySpan<float> middle = decoded.AsSpan(decoded.Length / 4, decoded.Length / 2);
        double peak = AudioTestData.Peak(middle);
        Assert.InRange(peak, amplitude * (1 - amplitudeTolerance), amplitude * (1 + amplitudeTolerance));
        double f = AudioTestData.ZeroCrossingFrequency(middle, sampleRate);
        Assert.InRange(f, frequency * 0.995, frequency * 1.005);
    }

    private static void AssertExactlyEqual(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (expected[i] != actual[i])
            {
                Assert.Fail($"Sample {i}: expected {expected[i]:R}, decoded {actual[i]:R} (diff {Math.Abs(expected[i] - actual[i]):E3}).");
            }
        }
    }
}
