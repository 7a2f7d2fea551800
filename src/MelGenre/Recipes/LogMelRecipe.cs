using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using MelGenre.Audio;
using MelGenre.Dsp;
using MelGenre.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MelGenre.Recipes;

/// <summary>
/// The networks' features: <c>LoadAudio</c> (<see cref="Excerpt"/>) → <c>ExtractMelSpectrogram</c> (<see cref="Mel"/>,
/// at the excerpt's rate) → <c>ConvertToDecibels</c> (<see cref="Decibels"/>). <see cref="Original"/> is the original
/// FMA-small work's front end. Immutable; derive variants with <c>with</c>, e.g.
/// <c>LogMelRecipe.Original with { Mel = LogMelRecipe.Original.Mel with { MelCount = 96 } }</c>.
/// </summary>
public sealed record LogMelRecipe : IFeatureRecipe
{
    /// <summary>
    /// Version of MelGenre's feature code, part of <see cref="Fingerprint"/>: raised whenever a change to the decoder,
    /// resampler, mel or dB code changes the numbers, so that caches made by older code are not reused.
    /// History: 1 = librosa 0.11-exact decode/soxr-HQ/mel/dB (MelGenre 0.1).
    /// </summary>
    public const int FeatureCodeVersion = 1;

    /// <summary>
    /// The original FMA-small work's front end: 22,050 Hz mono, 30 s, n_fft 2048, hop 1024, 128 Slaney mels with
    /// reflect padding (librosa &lt; 0.9, which the 2020 code ran on), <c>power_to_db(ref=np.max)</c> then
    /// <c>np.log(db_to_power(x))</c>. Output 128 x 646; the networks use the first 640 frames.
    /// </summary>
    public static LogMelRecipe Original { get; } = new() { Mel = MelSpectrogramSettings.Original };

    /// <summary>The audio of a clip. Default 22,050 Hz, 0 s, 30 s.</summary>
    public ExcerptSettings Excerpt { get; init; } = ExcerptSettings.Default;

    /// <summary>Mel spectrogram settings; their <see cref="MelSpectrogramSettings.SampleRate"/> is replaced by the excerpt's. Default librosa's (hop 512, zero padding).</summary>
    public MelSpectrogramSettings Mel { get; init; } = MelSpectrogramSettings.Default;

    /// <summary>Decibel conversion. Default the original work's (ref max, natural-log scale).</summary>
    public DecibelSettings Decibels { get; init; } = DecibelSettings.Original;

    /// <summary>The mel settings actually used (at the excerpt's rate).</summary>
    public MelSpectrogramSettings EffectiveMel => Mel.SampleRate == Excerpt.SampleRate ? Mel : Mel with { SampleRate = Excerpt.SampleRate };

    /// <summary>Mel bands (rows of the feature matrix).</summary>
    public int MelCount => Mel.MelCount;

    /// <summary>Frames of a clip (columns of the feature matrix).</summary>
    public int FrameCount => new Dsp.MelSpectrogram(EffectiveMel).GetFrameCount(Excerpt.SampleCount);

    /// <inheritdoc/>
    public VectorDataViewType FeatureType => new(NumberDataViewType.Single, MelCount, FrameCount);

    /// <inheritdoc/>
    public IReadOnlyList<string>? SlotNames => null;

    /// <inheritdoc/>
    public string Kind => "mel";

    /// <inheritdoc/>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Excerpt is null || Mel is null || Decibels is null)
        {
            errors.Add("Excerpt, Mel and Decibels must be set");
            return errors;
        }

        errors.AddRange(Excerpt.Validate());
        errors.AddRange(EffectiveMel.Validate());
        errors.AddRange(Decibels.Validate());
        return errors;
    }

    /// <inheritdoc/>
    public string Describe()
    {
        var m = EffectiveMel;
        var d = Decibels;
        var ci = CultureInfo.InvariantCulture;
        return string.Join("; ", new[]
        {
            $"features v{FeatureCodeVersion}",
            string.Format(ci, "load: sr={0} offset={1:R} duration={2:R} mono=mean {3} pad=zeros", Excerpt.SampleRate, Excerpt.OffsetSeconds, Excerpt.DurationSeconds, AudioBackendSelector.DescribeLoad()),
            string.Format(ci, "mel: n_fft={0} hop={1} win={2} window={3} center={4} pad_mode={5} power={6:R} n_mels={7} fmin={8:R} fmax={9:R} htk={10} norm={11}",
                m.FftSize, m.HopLength, m.EffectiveWindowLength, m.Window, m.Center, m.PadMode, m.Power, m.MelCount, m.EffectiveMinFrequency, m.EffectiveMaxFrequency, m.Htk, m.Normalization),
            "db: " + d,
        });
    }

    /// <inheritdoc/>
    public string Fingerprint => FeatureRecipes.Sha256Prefix(Describe());

    /// <inheritdoc/>
    public IEstimator<ITransformer> CreateFrontEnd(MLContext mlContext, string inputColumnName = "Path", string outputColumnName = "Features",
        string? baseFolder = null, AudioErrorPolicy onError = AudioErrorPolicy.Throw)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        this.EnsureValid();
        string audio = outputColumnName + ".Audio", mel = outputColumnName + ".Mel";
        return mlContext.Transforms.LoadAudio(new AudioLoadingEstimator.Options
        {
            OutputColumnName = audio, InputColumnName = inputColumnName, BaseFolder = baseFolder, Settings = Excerpt, OnError = onError,
        })
        .Append(mlContext.Transforms.ExtractMelSpectrogram(new MelSpectrogramEstimator.Options { OutputColumnName = mel, InputColumnName = audio, Settings = EffectiveMel }))
        .Append(mlContext.Transforms.ConvertToDecibels(new LogPowerEstimator.Options { OutputColumnName = outputColumnName, InputColumnName = mel, Settings = Decibels }));
    }

    VectorKernel IFeatureRecipe.CreateKernel()
    {
        var mel = new Dsp.MelSpectrogram(EffectiveMel);
        var db = Decibels;
        return (samples, destination) =>
        {
            mel.Compute(samples, destination);
            db.Apply(destination, destination);
        };
    }

    /// <summary>
    /// Recovers the recipe from a fitted front end (for example the first transformers of a loaded model), so that a
    /// saved model can be applied to windows of whole songs with exactly the features it was trained on.
    /// </summary>
    /// <param name="model">A transformer chain holding a LoadAudio, an ExtractMelSpectrogram and a ConvertToDecibels transformer.</param>
    /// <returns>The recipe.</returns>
    /// <exception cref="ArgumentException">The model has no such front end.</exception>
    public static LogMelRecipe FromModel(ITransformer model)
        => TryFromModel(model) ?? throw new ArgumentException("The model has no MelGenre front end (LoadAudio → ExtractMelSpectrogram → ConvertToDecibels).", nameof(model));

    internal static LogMelRecipe? TryFromModel(ITransformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var parts = FeatureRecipes.Flatten(model).ToList();
        var db = parts.OfType<LogPowerTransformer>().FirstOrDefault();
        var mel = db is null ? null : parts.OfType<MelSpectrogramTransformer>().FirstOrDefault(m => m.OutputColumnName == db.InputColumnName);
        var load = mel is null ? null : parts.OfType<AudioLoadingTransformer>().FirstOrDefault(l => l.OutputColumnName == mel.InputColumnName);
        if (load is null)
            return null;
        return new LogMelRecipe { Excerpt = load.Settings, Mel = mel!.Settings, Decibels = db!.Settings };
    }

    /// <inheritdoc/>
    public override string ToString() => Describe();
}
