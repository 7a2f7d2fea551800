using System;
using MelGenre.Audio;
using Xunit;

namespace MelGenre.Tests.Audio;

public sealed class ResamplerTests
{
    [NativeAudioTheory]
    [InlineData(44100, 22050, 1321967, 660984)]   // ceil(660983.5)
    [InlineData(44100, 22050, 1321966, 660983)]   // exact
    [InlineData(44100, 16000, 1321967, 479626)]
    [InlineData(22050, 44100, 999, 1998)]
    [InlineData(48000, 22050, 500000, 229688)]
    [InlineData(8000, 44100, 1, 6)]
    [InlineData(44100, 22050, 3, 2)]
    [InlineData(44100, 22050, 0, 0)]
    public void OutputLength_IsCeilOfLengthTimesRatio(int from, int to, int inputLength, int expected)
    {
        Assert.Equal(expected, Resampler.OutputLength(inputLength, from, to));
        Assert.Equal((long)Math.Ceiling(inputLength * ((double)to / from)), expected);

        var input = new float[inputLength];
        for (int i = 0; i < input.Length; i++)
        {
            input[i] = (float)Math.Sin(i * 0.01);
        }

        Assert.Equal(expected, Resampler.Resample(input, from, to).Length);
    }

    [NativeAudioTheory]
    [InlineData(44100, 22050, 1000.0)]
    [InlineData(22050, 44100, 1000.0)]
    [InlineData(48000, 22050, 1000.0)]
    [InlineData(44100, 16000, 3000.0)]
    [InlineData(8000, 44100, 440.0)]
    public void Sine_keeps_amplitude_and_frequency(int from, int to, double frequency)
    {
        // 2 s: longer than python-soxr's 48000 * from / to chunk, so chunk boundaries are crossed.
        var input = new float[2 * from];
        for (int i = 0; i < input.Length; i++)
        {
            input[i] = (float)AudioTestData.Sine(i, frequency, from);
        }

        float[] output = Resampler.Resample(input, from, to);

        // soxr's HQ filter is linear-phase with its delay removed: the output is the same sine sampled at the
        // new rate, sample for sample, away from the edges. The 20-bit recipe keeps the error far below 1e-3.
        int start = to / 10, end = output.Length - to / 10;
        double maxError = 0;
        for (int k = start; k < end; k++)
        {
            maxError = Math.Max(maxError, Math.Abs(output[k] - AudioTestData.Sine(k, frequency, to)));
        }

        Assert.True(maxError < 1e-3, $"max deviation from the ideal sine {maxError:E2}");
        ReadOnlySpan<float> middle = output.AsSpan(start, end - start);
        Assert.InRange(AudioTestData.Peak(middle), 0.999, 1.001);
        Assert.InRange(AudioTestData.ZeroCrossingFrequency(middle, to), frequency * 0.999, frequency * 1.001);
    }

    [NativeAudioFact]
    public void Downsampling_removes_content_above_the_new_nyquist()
    {
        // 15 kHz cannot exist at 22.05 kHz (Nyquist 11.025 kHz): the anti-alias filter must remove it rather
        // than fold it to 7.05 kHz.
        const int from = 44100, to = 22050;
        var input = new float[from];
        for (int i = 0; i < input.Length; i++)
        {
            input[i] = (float)AudioTestData.Sine(i, 15000, from);
        }

        float[] output = Resampler.Resample(input, from, to);
        Assert.True(AudioTestData.Peak(output.AsSpan(to / 10, to * 8 / 10)) < 1e-3);
    }

    [NativeAudioFact]
    public void Same_rate_returns_a_copy()
    {
        float[] input = [0.1f, -0.2f, 0.3f];
        float[] output = Resampler.Resample(input, 22050, 22050);
        Assert.Equal(input, output);
        Assert.NotSame(input, output);
        output[0] = 9f;
        Assert.Equal(0.1f, input[0]);
    }

    [NativeAudioFact]
    public void Empty_input_gives_empty_output() =>
        Assert.Empty(Resampler.Resample(ReadOnlySpan<float>.Empty, 44100, 22050));

    [NativeAudioTheory]
    [InlineData(0, 22050, "fromRate")]
    [InlineData(-44100, 22050, "fromRate")]
    [InlineData(44100, 0, "toRate")]
    [InlineData(44100, -1, "toRate")]
    public void Invalid_rates_throw_with_value_and_rule(int from, int to, string parameter)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Resampler.Resample(new float[10], from, to));
        Assert.Equal(parameter, e.ParamName);
        Assert.Equal(parameter == "fromRate" ? from : to, e.ActualValue);
        Assert.Contains("must be a positive number of Hz", e.Message);
        Assert.Contains((parameter == "fromRate" ? from : to).ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message);

        Assert.Throws<ArgumentOutOfRangeException>(() => Resampler.OutputLength(10, from, to));
    }

    [NativeAudioFact]
    public void Is_deterministic_and_thread_safe()
    {
        float[] clip = AudioTestData.RealClipMono.AsSpan(0, 10 * 44100).ToArray();
        float[] reference = Resampler.Resample(clip, 44100, 22050);
        var results = new float[6][];
        System.Threading.Tasks.Parallel.For(0, results.Length, i => results[i] = Resampler.Resample(clip, 44100, 22050));
        foreach (float[] r in results)
        {
            Assert.Equal(reference, r);
        }
    }

    [NativeAudioFact]
    public void End_of_signal_is_flushed_not_zeroed()
    {
        // The last output samples come from the flush call; a missing flush would leave them 0.
        var input = new float[44100];
        Array.Fill(input, 0.5f);
        float[] output = Resampler.Resample(input, 44100, 22050);
        Assert.Equal(22050, output.Length);
        Assert.InRange(output[22050 - 200], 0.499f, 0.501f);
        Assert.NotEqual(0f, output[^2]);
    }
}
