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
/// The classical models' features: <c>LoadAudio</c> (<see cref="Excerpt"/>, 44.1 kHz by default, as FMA computes at
/// each MP3's native rate) → <c>ExtractFmaFeatures</c> (<see cref="Features"/>, at the excerpt's rate): the 308-value
/// FMA-style vector, or FMA's full 518 values with <see cref="FmaFeatureSettings.IncludeCqt"/>. Immutable; derive variants with <c>with</c>.
/// </summary>
public sealed record FmaVectorRecipe : IFeatureRecipe
{
    /// <summary>
    /// Version of the FMA-vector code, part of <see cref="Fingerprint"/>: raised whenever a change to the decoder,
    /// resampler, STFT features or statistics changes the numbers, so that caches made by older code are not reused.
    /// History: 1 = librosa 0.11-exact features and scipy statistics (MelGenre 0.1).
    /// </summary>
    public const int FeatureCodeVersion = 1;

    /// <summary>FMA's clips: 44.1 kHz, from 0 s, 30 s; FMA's feature settings.</summary>
    public static FmaVectorRecipe Default { get; } = new();

    /// <summary>The audio of a clip. Default 44,100 Hz, 0 s, 30 s.</summary>
    public ExcerptSettings Excerpt { get; init; } = ExcerptSettings.Default with { SampleRate = 44100 };

    /// <summary>FFT, hop, chroma and statistics settings; their <see cref="FmaFeatureSettings.SampleRate"/> is replaced by the excerpt's.</summary>
    public FmaFeatureSettings Features { get; init; } = new();

    /// <summary>The feature settings actually used (at the excerpt's rate).</summary>
    public FmaFeatureSettings EffectiveFeatures => Features.SampleRate == Excerpt.SampleRate ? Features : Features with { SampleRate = Excerpt.SampleRate };

    /// <summary>The feature column's type of the default (308-value) vector: <c>Vector&lt;Single, 308&gt;</c>; see <see cref="FeatureType"/>.</summary>
    public static VectorDataViewType VectorType { get; } = new(NumberDataViewType.Single, FmaFeatureVector.Length);

    /// <summary>The feature column's type of the full vector (<see cref="FmaFeatureSettings.IncludeCqt"/>): <c>Vector&lt;Single, 518&gt;</c>.</summary>
    public static VectorDataViewType FullVectorType { get; } = new(NumberDataViewType.Single, FmaFeatureVector.FullLength);

    /// <summary>The feature column's type: <c>Vector&lt;Single, 308&gt;</c>, or 518 with <see cref="FmaFeatureSettings.IncludeCqt"/>.</summary>
    public VectorDataViewType FeatureType => Features is { IncludeCqt: true } ? FullVectorType : VectorType;

    /// <inheritdoc/>
    public IReadOnlyList<string>? SlotNames => Features is { IncludeCqt: true } ? FmaCqtFeatures.FullSlotNames : FmaFeatureVector.SlotNames;

    /// <inheritdoc/>
    public string Kind => "fma";

    /// <inheritdoc/>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Excerpt is null || Features is null)
        {
            errors.Add("Excerpt and Features must be set");
            return errors;
        }

        errors.AddRange(Excerpt.Validate());
        if (errors.Count > 0)
            return errors;
        var effective = EffectiveFeatures;
        errors.AddRange(effective.Validate());
        if (errors.Count == 0 && Excerpt.SampleCount < (effective.FftSize / 2) + 1)
        {
            errors.Add(string.Format(CultureInfo.InvariantCulture, "DurationSeconds × SampleRate must give at least n_fft / 2 + 1 = {0} samples, got {1}",
                (effective.FftSize / 2) + 1, Excerpt.SampleCount));
        }

        return errors;
    }

    /// <inheritdoc/>
    public string Describe()
    {
        var f = EffectiveFeatures;
        var ci = CultureInfo.InvariantCulture;
        var parts = new List<string>
        {
            $"fma features v{FeatureCodeVersion} ({f.VectorLength} values)",
            string.Format(ci, "load: sr={0} offset={1:R} duration={2:R} mono=mean {3} pad=zeros", Excerpt.SampleRate, Excerpt.OffsetSeconds, Excerpt.DurationSeconds, AudioBackendSelector.DescribeLoad()),
            string.Format(ci, "stft: n_fft={0} hop={1} chroma_sr={2} n_mels={3} n_mfcc={4} constant_row_moment={5:R}",
                f.FftSize, f.HopLength, f.ChromaSampleRate?.ToString(ci) ?? "sr", FmaFeatureVector.MelCount, FmaFeatureVector.MfccCount, f.ConstantRowMoment),
        };
        if (f.IncludeCqt)
        {
            // Only when on, so that 308-value caches keep their fingerprint.
            parts.Add(string.Format(ci, "cqt: hop={0} bins={1} bins_per_octave={2} tuning=estimated chroma_cqt chroma_cens tonnetz(cens)",
                FmaCqtFeatures.HopLength, FmaCqtFeatures.BinCount, FmaCqtFeatures.BinsPerOctave));
        }

        return string.Join("; ", parts);
    }

    /// <inheritdoc/>
    public string Fingerprint => FeatureRecipes.Sha256Prefix(Describe());

    /// <inheritdoc/>
    public IEstimator<ITransformer> CreateFrontEnd(MLContext mlContext, string inputColumnName = "Path", string outputColumnName = "Features",
        string? baseFolder = null, AudioErrorPolicy onError = AudioErrorPolicy.Throw)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        this.EnsureValid();
        string audio = outputColumnName + ".Audio";
        return mlContext.Transforms.LoadAudio(new AudioLoadingEstimator.Options
        {
            OutputColumnName = audio, InputColumnName = inputColumnName, BaseFolder = baseFolder, Settings = Excerpt, OnError = onError,
        })
        .Append(mlContext.Transforms.ExtractFmaFeatures(new ExtractFmaFeaturesEstimator.Options { OutputColumnName = outputColumnName, InputColumnName = audio, Settings = EffectiveFeatures }));
    }

    VectorKernel IFeatureRecipe.CreateKernel() => new FmaFeatureVector(EffectiveFeatures).ComputeVector;

    /// <summary>
    /// Recovers the recipe from a fitted front end (for example the first transformers of a loaded model): the
    /// <c>LoadAudio</c> transformer that feeds the first <c>ExtractFmaFeatures</c>.
    /// </summary>
    /// <param name="model">A transformer chain holding a LoadAudio and an ExtractFmaFeatures transformer.</param>
    /// <returns>The recipe.</returns>
    /// <exception cref="ArgumentException">The model has no such front end.</exception>
    public static FmaVectorRecipe FromModel(ITransformer model)
        => TryFromModel(model) ?? throw new ArgumentException("The model has no MelGenre FMA front end (LoadAudio → ExtractFmaFeatures).", nameof(model));

    internal static FmaVectorRecipe? TryFromModel(ITransformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var parts = FeatureRecipes.Flatten(model).ToList();
        var fma = parts.OfType<ExtractFmaFeaturesTransformer>().FirstOrDefault();
        var load = fma is null ? null : parts.OfType<AudioLoadingTransformer>().FirstOrDefault(l => l.OutputColumnName == fma.InputColumnName);
        return load is null ? null : new FmaVectorRecipe { Excerpt = load.Settings, Features = fma!.Settings };
    }

    /// <inheritdoc/>
    public override string ToString() => Describe();
}
