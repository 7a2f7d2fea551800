using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using MelGenre.Audio;
using MelGenre.Audio.Managed;
using MelGenre.Dsp;
using Xunit;
using Xunit.Abstractions;

namespace MelGenre.Tests.Audio.Managed;

/// <summary>
/// The managed soxr-HQ resampler against native libsoxr (<see cref="Resampler"/>), which is the reference: same plan
/// and filters as soxr's own trace reports, same lengths and edge cases, sample-level SNR, and the acceptance
/// criterion of issue 9: log-mel dB (128 mels, n_fft 2048, hop 512 and 1024, ref = max, librosa's default top_db 80)
/// of managed vs native output, over every band and every frame, max |diff| &lt;= 0.01 dB and median &lt;= 0.001 dB.
/// </summary>
public sealed class ManagedResamplerTests(ITestOutputHelper log)
{
    /// <summary>Log-mel acceptance limits (issue 9): over every band and frame.</summary>
    private const double MaxDbDiff = 0.01;

    private const double MedianDbDiff = 0.001;

    /// <summary>
    /// Sample-level limit vs native: float32 rounding of two different FFT implementations only (measured 127-132 dB);
    /// 120 dB is still far above anything a filter difference would give (a 1-ulp change of soxr's passband edge
    /// alone costs more).
    /// </summary>
    private const double MinSnrDb = 120;

    // ---------------------------------------------------------------- plan = soxr's own trace

    [Theory]
    // Expected values are libsoxr 0.1.3's own SOXR_TRACE=2 output for soxr_quality_spec(SOXR_HQ, 0), float32.
    [InlineData(44100, 22050, "fir 389 L=1 M=2")]
    [InlineData(48000, 22050, "fir 445 L=1 M=1", "poly 14x147 order=0 L=147 M=320")]
    [InlineData(96000, 22050, "half 9", "fir 465 L=1 M=1", "poly 14x147 order=0 L=147 M=320")]
    [InlineData(8000, 22050, "fir 409 L=2 M=1", "poly 15x882 order=0 L=882 M=640")]
    [InlineData(32000, 22050, "fir 589 L=2 M=1", "poly 12x441 order=0 L=441 M=1280")]
    [InlineData(88200, 22050, "half 8", "fir 409 L=1 M=2")]
    [InlineData(8000, 44100, "fir 429 L=2 M=1", "poly 15x882 order=0 L=882 M=1280", "fir 129 L=4 M=1")]
    [InlineData(48000, 22051, "fir 445 L=1 M=1", "poly 14x128 order=2 L=1")]
    public void Plan_HasSoxrsStagesAndFilterLengths(int from, int to, params string[] stages)
    {
        string description = ManagedResampler.GetPlan(from, to).Description;
        string[] parts = description.Split("; ").Skip(1).ToArray();
        Assert.Equal(stages.Length, parts.Length);
        for (int i = 0; i < stages.Length; i++)
        {
            Assert.StartsWith(stages[i], parts[i], StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Passband_edge_is_soxrs_hq_value()
    {
        // soxr_quality_spec(SOXR_HQ, 0).passband_end as libsoxr 0.1.3 returns it (printed with %.17g).
        Assert.Equal(0.91374365327330664, SoxrHqDesign.PassbandEnd, 15);
        Assert.Equal(0.91374365327330664, SoxrHqDesign.PassbandEnd);
    }

    [Fact]
    public void Plans_are_cached_per_rate_pair()
    {
        Assert.Same(ManagedResampler.GetPlan(44100, 22050), ManagedResampler.GetPlan(44100, 22050));
        Assert.NotSame(ManagedResampler.GetPlan(44100, 22050), ManagedResampler.GetPlan(48000, 22050));
    }

    [Theory]
    [InlineData(44100, 22050)]
    [InlineData(48000, 22050)]
    [InlineData(22050, 44100)]
    [InlineData(8000, 44100)]
    public void Fft_convolution_equals_direct_form(int from, int to)
    {
        // The overlap-save path against the direct form of the same stage: float32 rounding only (max |diff| <= 2e-6
        // for a signal of peak 0.5; measured below 5e-7).
        float[] x = Signals.Noise(40000, seed: 3);
        foreach (FirStage stage in ManagedResampler.GetPlan(from, to).Stages.OfType<FirStage>())
        {
            int count = (int)Math.Min(30000, (long)x.Length * stage.L / stage.M);
            var fft = new float[count];
            var direct = new float[count];
            stage.ProcessFft(x, fft);
            stage.ProcessDirect(x, direct);
            for (int i = 0; i < count; i++)
            {
                Assert.True(Math.Abs(fft[i] - direct[i]) <= 2e-6, $"sample {i}: fft {fft[i]} direct {direct[i]}");
            }
        }
    }

    // ---------------------------------------------------------------- same API semantics as Resampler

    [Fact]
    public void Same_rate_returns_a_copy()
    {
        float[] input = [0.1f, -0.2f, 0.3f];
        float[] output = ManagedResampler.Resample(input, 22050, 22050);
        Assert.Equal(input, output);
        Assert.NotSame(input, output);
    }

    [Fact]
    public void Empty_input_gives_empty_output() =>
        Assert.Empty(ManagedResampler.Resample(ReadOnlySpan<float>.Empty, 44100, 22050));

    [Theory]
    [InlineData(0, 22050, "fromRate")]
    [InlineData(-44100, 22050, "fromRate")]
    [InlineData(44100, 0, "toRate")]
    [InlineData(44100, -1, "toRate")]
    public void Invalid_rates_throw_like_native(int from, int to, string parameter)
    {
        var managed = Assert.Throws<ArgumentOutOfRangeException>(() => ManagedResampler.Resample(new float[10], from, to));
        var native = Assert.Throws<ArgumentOutOfRangeException>(() => Resampler.Resample(new float[10], from, to));
        Assert.Equal(parameter, managed.ParamName);
        Assert.Equal(native.ParamName, managed.ParamName);
        Assert.Equal(native.ActualValue, managed.ActualValue);
        Assert.Equal(native.Message, managed.Message);
    }

    [SoxrTheory]
    [InlineData(44100, 22050)]
    [InlineData(48000, 22050)]
    [InlineData(22050, 44100)]
    [InlineData(8000, 22050)]
    [InlineData(96000, 22050)]
    [InlineData(44100, 16000)]
    public void Tiny_and_odd_lengths_match_native_lengths_and_values(int from, int to)
    {
        // Lengths 1..40 and a few around soxr's input chunk (48000 * from / to): the same length (ceil rule), the same
        // zero padding where soxr's flush (round rule) stops one sample short, values within 1e-6 of native.
        var lengths = Enumerable.Range(1, 40).Concat([999, 1000, 1001, 4097, (int)(48000L * from / to) + 1]);
        foreach (int n in lengths)
        {
            float[] x = Signals.Noise(n, seed: n);
            float[] managed = ManagedResampler.Resample(x, from, to);
            float[] native = Resampler.Resample(x, from, to);
            Assert.Equal(native.Length, managed.Length);
            for (int i = 0; i < native.Length; i++)
            {
                Assert.True(Math.Abs(native[i] - managed[i]) <= 1e-6, $"n={n} sample {i}: native {native[i]} managed {managed[i]}");
                Assert.Equal(native[i] == 0f, managed[i] == 0f);
            }
        }
    }

    [Fact]
    public void Is_deterministic_and_thread_safe()
    {
        float[] clip = Signals.Music(10 * 44100, 44100, seed: 5);
        float[] reference = ManagedResampler.Resample(clip, 44100, 22050);
        var results = new float[6][];
        Parallel.For(0, results.Length, i => results[i] = ManagedResampler.Resample(clip, 44100, i % 2 == 0 ? 22050 : 22051));
        for (int i = 0; i < results.Length; i += 2)
        {
            Assert.Equal(reference, results[i]);
        }
    }

    [Fact]
    public void Sine_keeps_amplitude_and_phase()
    {
        // Linear phase with the delay removed: the output is the same sine sampled at the new rate (as for native).
        foreach ((int from, int to, double f) in new[] { (44100, 22050, 1000.0), (48000, 22050, 1000.0), (8000, 44100, 440.0), (44100, 22051, 3000.0) })
        {
            var x = new float[2 * from];
            for (int i = 0; i < x.Length; i++)
            {
                x[i] = (float)Math.Sin(2 * Math.PI * f * i / from);
            }

            float[] y = ManagedResampler.Resample(x, from, to);
            double maxError = 0;
            for (int k = to / 10; k < y.Length - to / 10; k++)
            {
                maxError = Math.Max(maxError, Math.Abs(y[k] - Math.Sin(2 * Math.PI * f * k / to)));
            }

            Assert.True(maxError < 1e-3, $"{from}->{to}: max deviation from the ideal sine {maxError:E2}");
        }
    }

    // ---------------------------------------------------------------- parity with native soxr

    [SoxrTheory]
    [InlineData(44100, 22050)]
    [InlineData(48000, 22050)]
    [InlineData(8000, 22050)]
    [InlineData(16000, 22050)]
    [InlineData(32000, 22050)]
    [InlineData(96000, 22050)]
    [InlineData(88200, 22050)]
    [InlineData(11025, 22050)]
    [InlineData(22050, 44100)]
    [InlineData(8000, 44100)]
    [InlineData(44100, 16000)]
    [InlineData(44100, 48000)]
    [InlineData(48000, 22051)]
    public void Samples_match_native(int from, int to)
    {
        foreach ((string name, float[] x) in Signals.All(from, seconds: 4))
        {
            float[] managed = ManagedResampler.Resample(x, from, to);
            float[] native = Resampler.Resample(x, from, to);
            Assert.Equal(native.Length, managed.Length);
            double snr = Snr(native, managed, out double maxDiff);
            log.WriteLine($"{from}->{to} {name}: SNR {snr:F1} dB, max |diff| {maxDiff:E2}");
            Assert.True(snr >= MinSnrDb, $"{from}->{to} {name}: SNR {snr:F1} dB < {MinSnrDb} dB");
            Assert.True(maxDiff <= 2e-6, $"{from}->{to} {name}: max |diff| {maxDiff:E2} > 2e-6");
        }
    }

    [SoxrTheory]
    [InlineData(44100)]
    [InlineData(48000)]
    public void Log_mel_matches_native_on_generated_signals(int from)
    {
        foreach ((string name, float[] x) in Signals.All(from, seconds: 12))
        {
            float[] managed = ManagedResampler.Resample(x, from, 22050);
            float[] native = Resampler.Resample(x, from, 22050);
            foreach (int hop in new[] { 512, 1024 })
            {
                (double max, double median) = LogMelDiff(native, managed, hop);
                log.WriteLine($"{from}->22050 {name} hop {hop}: max {max:F5} dB, median {median:F6} dB");
                Assert.True(max <= MaxDbDiff, $"{name} hop {hop}: max |diff| {max} dB > {MaxDbDiff}");
                Assert.True(median <= MedianDbDiff, $"{name} hop {hop}: median |diff| {median} dB > {MedianDbDiff}");
            }
        }
    }

    [FmaClipsWithSoxrFact]
    public void Log_mel_matches_native_on_the_fma_sample_clips()
    {
        string[] files = Directory.GetFiles(FmaClipsWithSoxrFactAttribute.Folder!, "*.mp3", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(62, files.Length);
        double worstMax = 0, worstMedian = 0, worstSnr = double.PositiveInfinity;
        var rates = new SortedSet<int>();
        foreach (string file in files)
        {
            float[] x = AudioDecoder.ReadMono(file, out int rate);
            rates.Add(rate);
            float[] managed = ManagedResampler.Resample(x, rate, 22050);
            float[] native = Resampler.Resample(x, rate, 22050);
            Assert.Equal(native.Length, managed.Length);
            double snr = Snr(native, managed, out double maxSampleDiff);
            worstSnr = Math.Min(worstSnr, snr);
            Assert.True(snr >= MinSnrDb, $"{Path.GetFileName(file)}: SNR {snr:F1} dB");
            Assert.True(maxSampleDiff <= 2e-6, $"{Path.GetFileName(file)}: max sample |diff| {maxSampleDiff:E2}");
            foreach (int hop in new[] { 512, 1024 })
            {
                (double max, double median) = LogMelDiff(native, managed, hop);
                worstMax = Math.Max(worstMax, max);
                worstMedian = Math.Max(worstMedian, median);
                Assert.True(max <= MaxDbDiff, $"{Path.GetFileName(file)} hop {hop}: max |diff| {max} dB > {MaxDbDiff}");
                Assert.True(median <= MedianDbDiff, $"{Path.GetFileName(file)} hop {hop}: median |diff| {median} dB > {MedianDbDiff}");
            }
        }

        log.WriteLine($"{files.Length} clips at {string.Join("/", rates)} Hz: worst log-mel max |diff| {worstMax:F5} dB, worst median {worstMedian:F6} dB, worst SNR {worstSnr:F1} dB");
    }

    // ---------------------------------------------------------------- helpers

    private static double Snr(float[] reference, float[] test, out double maxDiff)
    {
        double signal = 0, noise = 0;
        maxDiff = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            double d = (double)test[i] - reference[i];
            signal += (double)reference[i] * reference[i];
            noise += d * d;
            maxDiff = Math.Max(maxDiff, Math.Abs(d));
        }

        return noise == 0 ? double.PositiveInfinity : 10 * Math.Log10(signal / noise);
    }

    /// <summary>Max and median |dB difference| over all bands and frames of the two log-mel spectrograms.</summary>
    private static (double Max, double Median) LogMelDiff(float[] reference, float[] test, int hop)
    {
        var extractor = new MelSpectrogram(new MelSpectrogramSettings { SampleRate = 22050, FftSize = 2048, HopLength = hop, MelCount = 128 });
        float[] a = extractor.Compute(reference);
        float[] b = extractor.Compute(test);
        Decibels.PowerToDb(a, a, referenceIsMax: true);
        Decibels.PowerToDb(b, b, referenceIsMax: true);
        var diffs = new double[a.Length];
        for (int i = 0; i < a.Length; i++)
        {
            diffs[i] = Math.Abs((double)a[i] - b[i]);
        }

        Array.Sort(diffs);
        return (diffs[^1], diffs[diffs.Length / 2]);
    }

    /// <summary>Deterministic test signals.</summary>
    internal static class Signals
    {
        public static IEnumerable<(string Name, float[] Samples)> All(int rate, int seconds)
        {
            yield return ("noise", Noise(seconds * rate, seed: rate));
            yield return ("chirp to Nyquist", Chirp(seconds * rate, rate));
            yield return ("music-like", Music(seconds * rate, rate, seed: rate + 1));
        }

        /// <summary>Uniform white noise in [-0.5, 0.5).</summary>
        public static float[] Noise(int length, int seed)
        {
            var rng = new Random(seed);
            var x = new float[length];
            for (int i = 0; i < x.Length; i++)
            {
                x[i] = (float)(rng.NextDouble() - .5);
            }

            return x;
        }

        /// <summary>A linear sweep from 20 Hz to the input Nyquist frequency, amplitude 0.5.</summary>
        public static float[] Chirp(int length, int rate)
        {
            var x = new float[length];
            double f0 = 20, f1 = rate / 2.0, duration = (double)length / rate;
            for (int i = 0; i < x.Length; i++)
            {
                double t = (double)i / rate;
                x[i] = (float)(.5 * Math.Sin(2 * Math.PI * (f0 * t + (f1 - f0) * t * t / (2 * duration))));
            }

            return x;
        }

        /// <summary>
        /// Notes with harmonics up to the input Nyquist frequency and decaying envelopes, noise-burst "drums", a quiet
        /// passage, digital silence at the start and a hard cut at the end (the edge frames matter).
        /// </summary>
        public static float[] Music(int length, int rate, int seed)
        {
            var rng = new Random(seed);
            var x = new double[length];
            int noteLength = rate / 4;
            int start = rate / 20;
            for (int onset = start; onset < length; onset += noteLength)
            {
                double f = 110 * Math.Pow(2, rng.Next(0, 36) / 12.0);
                double gain = onset > length / 2 && onset < length * 5 / 8 ? .01 : .3;
                for (int h = 1; h * f < rate / 2.0; h++)
                {
                    double a = gain / h;
                    double phase = rng.NextDouble() * 2 * Math.PI;
                    for (int i = onset; i < Math.Min(length, onset + 2 * noteLength); i++)
                    {
                        double t = (double)(i - onset) / rate;
                        x[i] += a * Math.Exp(-t * 6) * Math.Sin(2 * Math.PI * h * f * t + phase);
                    }
                }

                if (rng.Next(0, 2) == 0)
                {
                    for (int i = onset; i < Math.Min(length, onset + rate / 20); i++)
                    {
                        x[i] += gain * (rng.NextDouble() - .5) * Math.Exp(-(i - onset) * 60.0 / rate);
                    }
                }
            }

            return x.Select(v => (float)v).ToArray();
        }
    }
}

/// <summary>A theory that is skipped when native libsoxr (the reference) cannot be loaded.</summary>
public sealed class SoxrTheoryAttribute : TheoryAttribute
{
    public SoxrTheoryAttribute()
    {
        if (!NativeSoxr.Available)
        {
            Skip = "Native libsoxr (the reference these parity tests compare against) is not installed.";
        }
    }
}

/// <summary>A fact that is skipped when the 62-clip FMA sample (../shared/data/fma-sample) or native libsoxr is absent.</summary>
public sealed class FmaClipsWithSoxrFactAttribute : FactAttribute
{
    public FmaClipsWithSoxrFactAttribute()
    {
        if (Folder is null)
        {
            Skip = "The FMA sample (shared/data/fma-sample, beside the repository) is not present; this parity test needs its real MP3s.";
        }
        else if (!NativeSoxr.Available)
        {
            Skip = "Native libsoxr (the reference) is not installed.";
        }
    }

    /// <summary>The sample folder, found by walking up from the test binaries, or <see langword="null"/>.</summary>
    public static string? Folder { get; } = Find();

    private static string? Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "data", "fma-sample");
            if (File.Exists(Path.Combine(candidate, "labels.csv")))
            {
                return candidate;
            }
        }

        return null;
    }
}

internal static class NativeSoxr
{
    public static bool Available { get; } = Probe();

    private static bool Probe()
    {
        try
        {
            return Resampler.Resample(new float[16], 44100, 22050).Length == 8;
        }
        catch (DllNotFoundException)
        {
            return false;
        }
    }
}
