using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using MelGenre.Dsp;
using Xunit;

namespace MelGenre.Tests.Dsp;

public class MelSpectrogramTests
{
    [Theory]
    [InlineData(110250, 2048, 512, true, 216)]
    [InlineData(661500, 2048, 512, true, 1292)]
    [InlineData(661500, 2048, 1024, true, 646)]
    [InlineData(1000, 2048, 512, true, 2)]
    [InlineData(0, 2048, 512, true, 1)]
    [InlineData(1, 2048, 512, true, 1)]
    [InlineData(512, 2048, 512, true, 2)]
    [InlineData(1000, 5, 3, true, 334)]      // odd n_fft: 1 + (len - 1) // hop
    [InlineData(2048, 2048, 512, false, 1)]
    [InlineData(4095, 2048, 512, false, 4)]
    [InlineData(4096, 2048, 512, false, 5)]
    public void GetFrameCount_MatchesLibrosa(int length, int nfft, int hop, bool center, int expected)
    {
        var ex = new MelSpectrogram(new MelSpectrogramSettings { FftSize = nfft, HopLength = hop, Center = center, MelCount = 8 });

        Assert.Equal(expected, ex.GetFrameCount(length));
        if (center && nfft % 2 == 0)
        {
            Assert.Equal(1 + (length / hop), expected);
        }

        Assert.Equal(8 * expected, ex.Compute(new float[length]).Length);
    }

    [Fact]
    public void Get_frame_count_throws_when_no_frame_fits()
    {
        var uncentred = new MelSpectrogram(new MelSpectrogramSettings { Center = false });
        var e = Assert.Throws<ArgumentException>(() => uncentred.GetFrameCount(1000));
        Assert.Contains("center=false needs at least n_fft = 2048 samples, got 1000", e.Message);

        var reflect = new MelSpectrogram(new MelSpectrogramSettings { PadMode = PadMode.Reflect });
        e = Assert.Throws<ArgumentException>(() => reflect.GetFrameCount(0));
        Assert.Contains("pad_mode=reflect needs at least 1 sample, got 0", e.Message);

        var odd = new MelSpectrogram(new MelSpectrogramSettings { FftSize = 5, HopLength = 2, MelCount = 2 });
        Assert.Throws<ArgumentException>(() => odd.GetFrameCount(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => odd.GetFrameCount(-1));
        Assert.Throws<ArgumentException>(() => uncentred.Compute(new float[100]));
    }

    [Fact]
    public void Compute_rejects_destination_of_wrong_length()
    {
        var ex = new MelSpectrogram(new MelSpectrogramSettings());
        var e = Assert.Throws<ArgumentException>(() => ex.Compute(new float[5000], new float[(128 * 10) + 1]));
        Assert.Contains("n_mels * frames = 128 * 10 = 1280", e.Message);
    }

    [Fact]
    public void Numpy_pad_reflect_matches_numpy_including_padding_longer_than_signal()
    {
        // numpy documentation: np.pad([1, 2, 3, 4, 5], (2, 3), 'reflect')
        Assert.Equal([3f, 2, 1, 2, 3, 4, 5, 4, 3, 2], FrameGeometry.NumpyPad([1f, 2, 3, 4, 5], 2, 3, PadMode.Reflect));

        // numpy reflects repeatedly when the padding exceeds the signal: np.pad([1, 2, 3], 4, 'reflect')
        Assert.Equal([1f, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3], FrameGeometry.NumpyPad([1f, 2, 3], 4, 4, PadMode.Reflect));

        // a single sample is repeated (numpy's legacy behaviour for singleton axes)
        Assert.Equal([7f, 7, 7, 7, 7], FrameGeometry.NumpyPad([7f], 2, 2, PadMode.Reflect));
        Assert.Equal([0f, 0, 1, 2, 0], FrameGeometry.NumpyPad([1f, 2], 2, 1, PadMode.Constant));
        Assert.Throws<ArgumentException>(() => FrameGeometry.NumpyPad([], 1, 1, PadMode.Reflect));
    }

    [Fact]
    public void Split_head_tail_padding_equals_whole_signal_padding_when_hop_is_below_half_the_frame()
    {
        var rng = new Random(5);
        foreach (int length in new[] { 1, 2, 3, 7, 31, 32, 33, 64, 100, 257 })
        {
            float[] y = Enumerable.Range(0, length).Select(_ => (float)rng.NextDouble()).ToArray();
            foreach (int hop in new[] { 1, 5, 15 })
            {
                var g = new FrameGeometry(length, 32, hop, center: true, reflect: true);
                float[] padded = FrameGeometry.NumpyPad(y, 16, 16, PadMode.Reflect);
                for (int p = 0; p < padded.Length; p++)
                {
                    Assert.Equal(padded[p], g.SampleAt(y, p - 16));
                }
            }
        }
    }

    [Fact]
    public void Tail_padding_reflects_within_librosas_tail_slice()
    {
        // librosa 0.11 stft: n_fft=8, hop=4, len=16 -> start_k=1, tail_k=4, so the last frame is taken from
        // np.pad(y[12:], (0, 4), 'reflect') = y[12..15], y[14], y[13], y[12], y[13] (not y[11] as whole-signal reflection gives).
        float[] y = Enumerable.Range(0, 16).Select(i => (float)i).ToArray();
        var g = new FrameGeometry(16, 8, 4, center: true, reflect: true);

        Assert.Equal(12, g.TailSliceStart);
        Assert.Equal([12f, 13, 14, 15, 14, 13, 12, 13], Enumerable.Range(0, 8).Select(j => g.SampleAt(y, g.FrameStart(4) + j)).ToArray());
        Assert.Equal([4f, 3, 2, 1, 0, 1, 2, 3], Enumerable.Range(0, 8).Select(j => g.SampleAt(y, g.FrameStart(0) + j)).ToArray());
    }

    public static TheoryData<int, int, int?, bool, PadMode, WindowType, float, int> ReferenceCases() => new()
    {
        { 64, 16, null, true, PadMode.Constant, WindowType.Hann, 2f, 300 },
        { 64, 16, null, true, PadMode.Reflect, WindowType.Hann, 2f, 300 },
        { 64, 16, null, true, PadMode.Reflect, WindowType.Hamming, 1f, 1 },
        { 64, 16, null, true, PadMode.Reflect, WindowType.Hann, 2f, 3 },
        { 64, 16, null, true, PadMode.Reflect, WindowType.Hann, 2f, 40 },
        { 64, 16, 50, true, PadMode.Constant, WindowType.Hann, 2f, 200 },
        { 64, 20, null, false, PadMode.Constant, WindowType.Rectangular, 1.5f, 300 },
        { 60, 16, null, true, PadMode.Reflect, WindowType.Hann, 2f, 300 },
        { 63, 10, 41, true, PadMode.Constant, WindowType.Hamming, 2f, 250 },
        { 2, 1, null, true, PadMode.Constant, WindowType.Hann, 2f, 9 },
        { 3, 1, null, false, PadMode.Constant, WindowType.Rectangular, 2f, 9 },
    };

    /// <summary>The whole pipeline against a slow, independent reference (numpy-style padding, naive DFT, dense mel product in double).</summary>
    [Theory]
    [MemberData(nameof(ReferenceCases))]
    public void Compute_matches_naive_reference(int nfft, int hop, int? win, bool center, PadMode pad, WindowType window, float power, int length)
    {
        var settings = new MelSpectrogramSettings
        {
            SampleRate = 8000,
            FftSize = nfft,
            HopLength = hop,
            WindowLength = win,
            Center = center,
            PadMode = pad,
            Window = window,
            Power = power,
            MelCount = 12,
            MinFrequency = 30,
        };
        var rng = new Random(nfft + length);
        float[] y = Enumerable.Range(0, length).Select(_ => (float)((rng.NextDouble() * 2) - 1)).ToArray();

        float[] ours = new MelSpectrogram(settings).Compute(y);
        double[] reference = ReferenceMel(settings, y);

        Assert.Equal(reference.Length, ours.Length);
        double max = reference.Max();
        for (int i = 0; i < ours.Length; i++)
        {
            Assert.True(Math.Abs(ours[i] - reference[i]) <= (1e-5 * Math.Abs(reference[i])) + (1e-9 * max), $"value {i}: ours {ours[i]}, reference {reference[i]}");
        }
    }

    [Theory]
    [InlineData(300.0)]
    [InlineData(1000.0)]
    [InlineData(2500.0)]
    [InlineData(6000.0)]
    public void Pure_sine_puts_its_energy_in_the_mel_band_containing_its_frequency(double frequency)
    {
        const int sr = 22050;
        float[] y = Enumerable.Range(0, sr).Select(i => (float)Math.Sin(2 * Math.PI * frequency * i / sr)).ToArray();
        var ex = new MelSpectrogram(new MelSpectrogramSettings());
        float[] mel = ex.Compute(y);
        int frames = ex.GetFrameCount(y.Length);
        int t = frames / 2;
        int best = 0;
        for (int m = 1; m < 128; m++)
        {
            if (mel[(m * frames) + t] > mel[(best * frames) + t])
            {
                best = m;
            }
        }

        double[] edges = MelFilterBank.MelFrequencies(130, 0, sr / 2.0);
        Assert.InRange(frequency, edges[best], edges[best + 2]);
        double total = Enumerable.Range(0, 128).Sum(m => (double)mel[(m * frames) + t]);
        Assert.True(mel[(best * frames) + t] > 0.3 * total, "the best band should hold a large share of the energy");
    }

    [Fact]
    public void Compute_is_thread_safe_and_deterministic()
    {
        float[] y = GoldenData.Read("signal_chirp_5s").Values;
        var ex = new MelSpectrogram(new MelSpectrogramSettings());
        var other = new MelSpectrogram(new MelSpectrogramSettings { FftSize = 1000, HopLength = 700, PadMode = PadMode.Reflect });
        float[] expected = ex.Compute(y);
        float[] expectedOther = other.Compute(y);
        var results = new float[24][];

        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            // Alternate extractors of different sizes on the same threads so that per-thread scratch is resized and reused.
            results[i] = (i % 3 == 2 ? other : ex).Compute(y);
        });

        for (int i = 0; i < results.Length; i++)
        {
            float[] want = i % 3 == 2 ? expectedOther : expected;
            Assert.True(MemoryMarshal.AsBytes(want.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(results[i].AsSpan())), $"run {i} differs");
        }
    }

    [Fact]
    public void Validate_collects_every_error_and_the_constructor_reports_them_all()
    {
        var bad = new MelSpectrogramSettings
        {
            FftSize = 0,
            HopLength = 0,
            WindowLength = 0,
            Power = 0,
            MelCount = 0,
            MinFrequency = -1,
            MaxFrequency = 12000,
        };
        string[] expected =
        [
            "n_fft must be a positive integer, got 0",
            "hop_length must be a positive integer, got 0",
            "win_length must be between 1 and n_fft, got 0",
            "power must be a positive finite number, got 0",
            "n_mels must be a positive integer, got 0",
            "fmin must be a finite number >= 0 Hz, got -1",
            "fmax must be <= sr/2 = 11025 Hz, got 12000",
        ];

        IReadOnlyList<string> errors = bad.Validate();
        Assert.Equal(expected.Length, errors.Count);
        var e = Assert.Throws<ArgumentException>(() => new MelSpectrogram(bad));
        foreach (string message in expected)
        {
            Assert.Contains(message, errors);
            Assert.Contains(message, e.Message);
        }

        Assert.Empty(new MelSpectrogramSettings().Validate());
        Assert.Equal(
            ["win_length must be between 1 and n_fft = 1024, got 2048", "fmax must be greater than fmin = 500 Hz, got 400"],
            new MelSpectrogramSettings { FftSize = 1024, WindowLength = 2048, MinFrequency = 500, MaxFrequency = 400 }.Validate());
        Assert.Equal(
            ["sr must be a positive number of Hz, got -5", "window must be one of Hann, Hamming, Rectangular, got 9"],
            new MelSpectrogramSettings { SampleRate = -5, Window = (WindowType)9 }.Validate());
        Assert.Equal(
            ["fmin must be less than fmax = sr/2 = 4000 Hz, got 4000"],
            new MelSpectrogramSettings { SampleRate = 8000, MinFrequency = 4000 }.Validate());
    }

    [Fact]
    public void Warnings_report_empty_mel_filters_only_for_degenerate_settings()
    {
        Assert.Empty(new MelSpectrogram(new MelSpectrogramSettings()).Warnings);

        var ex = new MelSpectrogram(new MelSpectrogramSettings { FftSize = 512, MelCount = 256 });
        string warning = Assert.Single(ex.Warnings);
        Assert.StartsWith("Empty filters detected in mel frequency basis. Some channels will produce empty responses. Try increasing your sampling rate (and fmax) or reducing n_mels.", warning);

        // The named channels are exactly the all-zero rows (other than a row starting at 0 Hz, which librosa exempts).
        float[,] fb = MelFilterBank.Create(22050, 512, 256);
        var empty = Enumerable.Range(1, 255).Where(m => Enumerable.Range(0, 257).All(k => fb[m, k] == 0f)).ToList();
        Assert.NotEmpty(empty);
        Assert.EndsWith($"Empty channels ({empty.Count} of 256): {string.Join(", ", empty)}.", warning);
    }

    [Fact]
    public void Settings_widen_float_frequencies_by_their_decimal_value()
    {
        var s = new MelSpectrogramSettings { MinFrequency = 0.1f, MaxFrequency = 8000.3f };
        Assert.Equal(0.1, s.EffectiveMinFrequency);
        Assert.Equal(8000.3, s.EffectiveMaxFrequency);
        Assert.Equal(11025.0, new MelSpectrogramSettings().EffectiveMaxFrequency);
        Assert.Equal(2048, new MelSpectrogramSettings().EffectiveWindowLength);
    }

    private static double[] ReferenceMel(MelSpectrogramSettings s, float[] y)
    {
        int n = s.FftSize;
        float[] padded = s.Center ? FrameGeometry.NumpyPad(y, n / 2, n / 2, s.PadMode) : y;
        int frames = 1 + ((padded.Length - n) / s.HopLength);
        int win = s.WindowLength ?? n;
        var window = new double[n];
        for (int j = 0; j < win; j++)
        {
            double a = s.Window switch { WindowType.Hann => 0.5, WindowType.Hamming => 0.54, _ => 1.0 };
            window[((n - win) / 2) + j] = win == 1 ? 1.0 : a - ((1 - a) * Math.Cos(2 * Math.PI * j / win));
        }

        int bins = (n / 2) + 1;
        float[,] fb = MelFilterBank.Create(s.SampleRate, n, s.MelCount, s.MinFrequency, s.MaxFrequency, s.Htk, s.Normalization);
        var mel = new double[s.MelCount * frames];
        var p = new double[bins];
        for (int t = 0; t < frames; t++)
        {
            for (int k = 0; k < bins; k++)
            {
                double re = 0, im = 0;
                for (int j = 0; j < n; j++)
                {
                    double v = padded[(t * s.HopLength) + j] * window[j];
                    double angle = 2 * Math.PI * ((long)j * k % n) / n;
                    re += v * Math.Cos(angle);
                    im -= v * Math.Sin(angle);
                }

                p[k] = Math.Pow(Math.Sqrt((re * re) + (im * im)), s.Power);
            }

            for (int m = 0; m < s.MelCount; m++)
            {
                double acc = 0;
                for (int k = 0; k < bins; k++)
                {
                    acc += fb[m, k] * p[k];
                }

                mel[(m * frames) + t] = acc;
            }
        }

        return mel;
    }
}
