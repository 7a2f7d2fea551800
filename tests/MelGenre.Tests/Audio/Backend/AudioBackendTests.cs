using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using MelGenre.Audio;
using MelGenre.Dsp;
using MelGenre.Recipes;
using MelGenre.Tests.Audio.Managed;
using MelGenre.Tests.Dsp;
using MelGenre.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Xunit;

namespace MelGenre.Tests.Audio.Backend;

/// <summary>The backend selection rules, the log message, save/load, and managed parity with native and librosa.</summary>
public sealed class AudioBackendTests
{
    private static readonly Func<string?> NativeLoads = () => null;
    private static readonly Func<string?> NativeMissing = () => "libsndfile could not be loaded";

    [Fact]
    public void Auto_picks_native_when_both_libraries_load_and_managed_otherwise()
    {
        var native = AudioBackendSelector.Resolve(AudioBackend.Auto, null, NativeLoads);
        Assert.Equal(AudioBackend.Native, native.Backend);
        var managed = AudioBackendSelector.Resolve(AudioBackend.Auto, "", NativeMissing);
        Assert.Equal(AudioBackend.Managed, managed.Backend);
        Assert.Contains("libsndfile could not be loaded", managed.Message);
        Assert.Contains("managed", managed.Message);
    }

    [Theory]
    [InlineData("managed", AudioBackend.Native, AudioBackend.Managed)]
    [InlineData(" Native ", AudioBackend.Managed, AudioBackend.Native)]
    [InlineData("MANAGED", AudioBackend.Auto, AudioBackend.Managed)]
    public void The_environment_variable_beats_the_option(string env, AudioBackend option, AudioBackend expected)
    {
        var choice = AudioBackendSelector.Resolve(option, env, NativeLoads);
        Assert.Equal(expected, choice.Backend);
        Assert.Contains("MELGENRE_AUDIO_BACKEND", choice.Reason);
    }

    [Theory]
    [InlineData(null, AudioBackend.Managed)]
    [InlineData("auto", AudioBackend.Managed)]
    [InlineData("  ", AudioBackend.Native)]
    [InlineData("auto", AudioBackend.Native)]
    public void Without_a_forcing_variable_the_option_decides_even_if_native_is_missing_or_present(string? env, AudioBackend option)
    {
        Assert.Equal(option, AudioBackendSelector.Resolve(option, env, NativeMissing).Backend);
        Assert.Equal(option, AudioBackendSelector.Resolve(option, env, NativeLoads).Backend);
    }

    [Fact]
    public void A_bad_variable_or_enum_value_is_an_error_that_names_it()
    {
        var e = Assert.Throws<ArgumentException>(() => AudioBackendSelector.Resolve(AudioBackend.Auto, "ffmpeg", NativeLoads));
        Assert.Contains("MELGENRE_AUDIO_BACKEND", e.Message);
        Assert.Contains("ffmpeg", e.Message);
        Assert.Throws<ArgumentException>(() => AudioBackendSelector.Resolve((AudioBackend)7, null, NativeLoads));
        var ml = new MLContext();
        Assert.Throws<ArgumentException>(() => ml.Transforms.LoadAudio(new AudioLoadingEstimator.Options { InputColumnName = "Path", Backend = (AudioBackend)7 }));
    }

    [Fact]
    public void The_cache_description_names_the_managed_backend_and_keeps_the_native_words()
    {
        Assert.Equal("resampler=soxr_hq", AudioBackendSelector.DescribeLoad(AudioBackend.Native));
        Assert.Equal("resampler=managed_soxr_hq decoder=managed", AudioBackendSelector.DescribeLoad(AudioBackend.Managed));
        string load = AudioBackendSelector.DescribeLoad();
        Assert.Contains(load, new LogMelRecipe().Describe());
        Assert.Contains(load, new FmaVectorRecipe().Describe());
    }

    [NativeAudioFact]
    public void LoadMono_managed_matches_native_after_resampling()
    {
        // Tolerance: same length, SNR >= 110 dB (MP3 decode ~130 dB and resampler ~131 dB combined; measured below).
        float[] native = AudioDecoder.LoadMono(AudioTestData.RealClip, 22050, 0, null, AudioBackend.Native);
        float[] managed = AudioDecoder.LoadMono(AudioTestData.RealClip, 22050, 0, null, AudioBackend.Managed);
        Assert.Equal(native.Length, managed.Length);
        double snr = ManagedTestSupport.SnrDb(native, managed);
        Assert.True(snr >= 110, $"SNR {snr:F1} dB");
    }

    /// <summary>
    /// Managed decode of FMA clip 000002 at its native 44.1 kHz against librosa 0.11's mel spectrogram (hop 1024), in dB
    /// (power_to_db, ref = max, top_db = 80): every band and frame within 0.01 dB, median within 0.001 dB.
    /// </summary>
    [Fact]
    public void Managed_decode_mel_matches_the_librosa_golden_within_0_01_dB()
    {
        float[] y = AudioDecoder.LoadMono(AudioTestData.RealClip, 44100, 0, null, AudioBackend.Managed);
        var (golden, _) = GoldenData.Read("mel_fma_000002_native_sr44100_hop1024");
        float[] ours = new MelSpectrogram(new MelSpectrogramSettings { SampleRate = 44100, HopLength = 1024 }).Compute(y);
        Assert.Equal(golden.Length, ours.Length);
        double[] g = ToDb(golden), o = ToDb(ours);
        var diffs = g.Zip(o, (a, b) => Math.Abs(a - b)).OrderBy(d => d).ToArray();
        double max = diffs[^1], median = diffs[diffs.Length / 2];
        Assert.True(max <= 0.01, $"max |dB diff| {max:G4}");
        Assert.True(median <= 0.001, $"median |dB diff| {median:G4}");
    }

    private static double[] ToDb(float[] power)
    {
        double reference = power.Max();
        double[] db = power.Select(p => 10 * Math.Log10(Math.Max(p, 1e-10)) - 10 * Math.Log10(reference)).ToArray();
        double floor = db.Max() - 80;
        return db.Select(d => Math.Max(d, floor)).ToArray();
    }

    private sealed class Row
    {
        public string Path { get; set; } = "";
    }

    [Fact]
    public void LoadAudio_logs_the_backend_once_per_MLContext_and_a_saved_model_does_not_pin_it()
    {
        var ml = new MLContext(seed: 1);
        var messages = new List<string>();
        ml.Log += (_, e) => { lock (messages) messages.Add(e.RawMessage); };
        var data = ml.Data.LoadFromEnumerable(new[] { new Row { Path = AudioTestData.RealClip } });
        var options = new AudioLoadingEstimator.Options
        {
            InputColumnName = "Path",
            Settings = ExcerptSettings.Default with { DurationSeconds = 1 },
            Backend = AudioBackend.Managed,
        };
        var model = ml.Transforms.LoadAudio(options).Fit(data);
        Assert.Equal(AudioBackend.Managed, model.Backend);
        float[] first = model.Transform(data).GetColumn<float[]>("Audio").Single();
        float[] again = ml.Transforms.LoadAudio(options).Fit(data).Transform(data).GetColumn<float[]>("Audio").Single();
        Assert.Equal(first, again);

        string expected = AudioBackendSelector.Resolve(AudioBackend.Managed).Message;
        string[] announced = messages.Where(m => m.Contains("Audio is decoded by the", StringComparison.Ordinal)).ToArray();
        Assert.Single(announced);
        Assert.Contains(expected, announced[0]);

        using var stream = new MemoryStream();
        ml.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        var ml2 = new MLContext().RegisterMelGenre();
        var loaded = ml2.Model.Load(stream, out _);
        var loader = Assert.IsType<AudioLoadingTransformer>(loaded is TransformerChain<ITransformer> chain ? chain.Single() : loaded);
        Assert.Equal(AudioBackend.Auto, loader.Backend);
        float[] reloaded = loaded.Transform(data).GetColumn<float[]>("Audio").Single();
        Assert.Equal(first.Length, reloaded.Length);
        if (AudioBackendSelector.Resolve(AudioBackend.Auto).Backend == AudioBackend.Managed)
            Assert.Equal(first, reloaded);
        else
            Assert.True(ManagedTestSupport.SnrDb(reloaded, first) >= 110, "native and managed decodes of the reloaded model differ by more than 110 dB SNR");
    }
}
