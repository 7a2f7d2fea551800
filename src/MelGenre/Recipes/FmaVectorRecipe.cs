using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using MelGenre.Caching;
using MelGenre.Dsp;
using MelGenre.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MelGenre.Recipes;

/// <summary>
/// Everything that determines a clip's FMA-style feature vector (<see cref="FmaFeatureVector"/>, 308 values): the
/// <c>LoadAudio</c> settings (sample rate, offset, duration) and the <see cref="FmaFeatureSettings"/>. Like
/// <see cref="LogMelRecipe"/> for the log-mel features, the same object builds the ML.NET front end
/// (<see cref="CreateFrontEnd"/>), computes the vector directly (<see cref="FmaVectorExtractor"/>) and keys the on-disk
/// cache (<see cref="Fingerprint"/>, <see cref="FmaFeatureCache"/>), so the three always agree. Immutable.
/// </summary>
public sealed class FmaVectorRecipe
{
    /// <summary>
    /// Version of the FMA-vector code, part of <see cref="Fingerprint"/>: raised whenever a change to the decoder,
    /// resampler, STFT features or statistics changes the numbers, so that caches made by older code are not reused.
    /// History: 1 = librosa 0.11-exact features and scipy statistics (MelGenre 0.1).
    /// </summary>
    public const int FeatureCodeVersion = 1;

    /// <summary>Sample rate the audio is decoded (and resampled) to, in Hz. Default 44,100: FMA computes its features at
    /// each MP3's native rate, which is almost always 44.1 kHz.</summary>
    public int SampleRate { get; init; } = 44100;

    /// <summary>Start of the excerpt in seconds. Default 0.</summary>
    public double OffsetSeconds { get; init; }

    /// <summary>Length of the excerpt in seconds (shorter audio is padded with zeros). Default 30.</summary>
    public double DurationSeconds { get; init; } = 30;

    /// <summary>FFT, hop, chroma and statistics settings; their <see cref="FmaFeatureSettings.SampleRate"/> is replaced by <see cref="SampleRate"/>.</summary>
    public FmaFeatureSettings Features { get; init; } = new();

    /// <summary>Number of audio samples of a clip: floor(duration × rate), as <c>LoadAudio</c>.</summary>
    public int SampleCount => (int)Math.Floor(DurationSeconds * SampleRate);

    /// <summary>The feature settings actually used (with <see cref="SampleRate"/>).</summary>
    public FmaFeatureSettings EffectiveFeatures => Features.SampleRate == SampleRate ? Features : new FmaFeatureSettings
    {
        SampleRate = SampleRate,
        FftSize = Features.FftSize,
        HopLength = Features.HopLength,
        ChromaSampleRate = Features.ChromaSampleRate,
        ConstantRowMoment = Features.ConstantRowMoment,
    };

    /// <summary>The feature column's type: <c>Vector&lt;Single, 308&gt;</c>.</summary>
    public static VectorDataViewType FeatureType { get; } = new(NumberDataViewType.Single, FmaFeatureVector.Length);

    /// <summary>Every broken rule, with its value (empty when the settings are usable).</summary>
    /// <returns>The errors.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        var ci = CultureInfo.InvariantCulture;
        if (SampleRate <= 0)
            errors.Add(string.Format(ci, "SampleRate must be > 0 Hz, got {0}", SampleRate));
        if (!(OffsetSeconds >= 0) || double.IsInfinity(OffsetSeconds))
            errors.Add(string.Format(ci, "OffsetSeconds must be a finite number >= 0, got {0}", OffsetSeconds));
        if (!(DurationSeconds > 0) || double.IsInfinity(DurationSeconds) || DurationSeconds * SampleRate >= int.MaxValue)
            errors.Add(string.Format(ci, "DurationSeconds must be > 0 and fit in an array at the sample rate, got {0}", DurationSeconds));
        if (Features is null)
        {
            errors.Add("Features must be set");
            return errors;
        }
        if (SampleRate > 0)
        {
            var effective = EffectiveFeatures;
            errors.AddRange(effective.Validate());
            if (errors.Count == 0 && SampleCount < effective.FftSize / 2 + 1)
                errors.Add(string.Format(ci, "DurationSeconds × SampleRate must give at least n_fft / 2 + 1 = {0} samples, got {1}", effective.FftSize / 2 + 1, SampleCount));
        }
        return errors;
    }

    /// <summary>Throws one <see cref="ArgumentException"/> listing every broken rule.</summary>
    /// <exception cref="ArgumentException">The settings are invalid.</exception>
    public void EnsureValid()
    {
        var errors = Validate();
        if (errors.Count > 0)
            throw new ArgumentException("Invalid FMA feature settings: " + string.Join("; ", errors) + ".");
    }

    /// <summary>
    /// A canonical, human-readable description of every setting and <see cref="FeatureCodeVersion"/>; two settings
    /// give the same text exactly when they give the same features.
    /// </summary>
    /// <returns>The description.</returns>
    public string Describe()
    {
        var f = EffectiveFeatures;
        var ci = CultureInfo.InvariantCulture;
        return string.Join("; ", new[]
        {
            $"fma features v{FeatureCodeVersion} ({FmaFeatureVector.Length} values)",
            string.Format(ci, "load: sr={0} offset={1:R} duration={2:R} mono=mean resampler=soxr_hq pad=zeros", SampleRate, OffsetSeconds, DurationSeconds),
            string.Format(ci, "stft: n_fft={0} hop={1} chroma_sr={2} n_mels={3} n_mfcc={4} constant_row_moment={5:R}",
                f.FftSize, f.HopLength, f.ChromaSampleRate?.ToString(ci) ?? "sr", FmaFeatureVector.MelCount, FmaFeatureVector.MfccCount, f.ConstantRowMoment),
        });
    }

    /// <summary>First 16 hex digits of the SHA-256 of <see cref="Describe"/>: the cache key of these settings.</summary>
    public string Fingerprint => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Describe())))[..16];

    /// <summary>
    /// The ML.NET front end with these settings: <c>LoadAudio</c> (into <c>{output}.Audio</c>) → <c>ExtractFmaFeatures</c>
    /// (into <paramref name="outputColumnName"/>, <c>Vector&lt;Single, 308&gt;</c> with slot names). Its output equals
    /// <see cref="FmaVectorExtractor.Extract(string)"/> bit for bit; append <c>NormalizeMeanVariance</c> and a trainer.
    /// </summary>
    /// <param name="mlContext">The context.</param>
    /// <param name="inputColumnName">Column of file paths.</param>
    /// <param name="outputColumnName">Column of features.</param>
    /// <param name="baseFolder">Folder relative paths are resolved against.</param>
    /// <param name="onError">What to do with files that cannot be decoded.</param>
    /// <returns>The estimator chain.</returns>
    public EstimatorChain<ExtractFmaFeaturesTransformer> CreateFrontEnd(MLContext mlContext, string inputColumnName = "Path",
        string outputColumnName = "Features", string? baseFolder = null, AudioErrorPolicy onError = AudioErrorPolicy.Throw)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        EnsureValid();
        var f = EffectiveFeatures;
        string audio = outputColumnName + ".Audio";
        return mlContext.Transforms.LoadAudio(new AudioLoadingEstimator.Options
        {
            OutputColumnName = audio,
            InputColumnName = inputColumnName,
            BaseFolder = baseFolder,
            SampleRate = SampleRate,
            OffsetSeconds = OffsetSeconds,
            DurationSeconds = DurationSeconds,
            OnError = onError,
        })
        .Append(mlContext.Transforms.ExtractFmaFeatures(new ExtractFmaFeaturesEstimator.Options
        {
            OutputColumnName = outputColumnName,
            InputColumnName = audio,
            SampleRate = SampleRate,
            FftSize = f.FftSize,
            HopLength = f.HopLength,
            ChromaSampleRate = f.ChromaSampleRate,
            ConstantRowMoment = f.ConstantRowMoment,
        }));
    }

    /// <summary>
    /// Recovers the settings from a fitted front end (for example the first transformers of a loaded model): the
    /// <c>LoadAudio</c> transformer that feeds the first <c>ExtractFmaFeatures</c>.
    /// </summary>
    /// <param name="model">A transformer chain holding a LoadAudio and an ExtractFmaFeatures transformer.</param>
    /// <returns>The settings.</returns>
    /// <exception cref="ArgumentException">The model has no such front end.</exception>
    public static FmaVectorRecipe FromModel(ITransformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var parts = LogMelRecipe.Flatten(model).ToList();
        var fma = parts.OfType<ExtractFmaFeaturesTransformer>().FirstOrDefault();
        var load = fma is null ? null : parts.OfType<AudioLoadingTransformer>().FirstOrDefault(l => l.OutputColumnName == fma.InputColumnName);
        if (fma is null || load is null)
            throw new ArgumentException("The model has no MelGenre FMA front end (LoadAudio → ExtractFmaFeatures).", nameof(model));
        return new FmaVectorRecipe
        {
            SampleRate = load.SampleRate,
            OffsetSeconds = load.OffsetSeconds,
            DurationSeconds = load.DurationSeconds,
            Features = fma.Settings,
        };
    }

    /// <inheritdoc/>
    public override string ToString() => Describe();
}
