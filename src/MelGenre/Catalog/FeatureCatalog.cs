using System;
using MelGenre.Audio;
using MelGenre.Dsp;
using MelGenre.Persistence;
using MelGenre.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace MelGenre;

/// <summary>
/// MelGenre's feature transforms for classical classifiers, on <c>mlContext.Transforms</c>: MFCCs, FMA's frame-wise
/// spectral features, their statistics over time, and the FMA-style clip vector that combines them
/// (<c>using MelGenre;</c>). Every transform follows librosa 0.11 (and numpy/scipy for the statistics) exactly.
/// </summary>
/// <example>
/// The FMA paper's classical road, from audio files to a LightGBM model:
/// <code>
/// var pipeline = ml.Transforms.ExtractFmaFeaturesFromFiles("Features", "Path", sampleRate: 44100)
///     .Append(ml.Transforms.Conversion.MapValueToKey("Label", "Genre"))
///     .Append(ml.Transforms.NormalizeMeanVariance("Features"))
///     .AppendCacheCheckpoint(ml) // decode and extract once, not on every pass of the trainer
///     .Append(ml.MulticlassClassification.Trainers.LightGbm());
/// </code>
/// </example>
public static class FeatureCatalog
{
    /// <summary>
    /// Computes <c>librosa.feature.mfcc(S=dB, n_mfcc)</c> (DCT type 2, orthonormal, no liftering) from a decibel mel
    /// spectrogram <c>Vector&lt;Single, nMels, nFrames&gt;</c> (as <c>ExtractMelSpectrogram</c> then
    /// <c>ConvertToDecibels</c> with the constant reference give); output <c>Vector&lt;Single, mfccCount, nFrames&gt;</c>.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">Name of the output column.</param>
    /// <param name="inputColumnName">Name of the dB mel column; null means <paramref name="outputColumnName"/>.</param>
    /// <param name="mfccCount">Number of coefficients (n_mfcc), at most the number of mel bands. Default 20 (FMA's).</param>
    public static ExtractMfccEstimator ExtractMfcc(this TransformsCatalog catalog, string outputColumnName, string? inputColumnName = null, int mfccCount = 20)
        => ExtractMfcc(catalog, new ExtractMfccEstimator.Options { OutputColumnName = outputColumnName, InputColumnName = inputColumnName, Settings = MfccSettings.Default with { MfccCount = mfccCount } });

    /// <summary>Computes MFCCs with all options (normalisation, liftering).</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="options">The options; copied, never modified.</param>
    public static ExtractMfccEstimator ExtractMfcc(this TransformsCatalog catalog, ExtractMfccEstimator.Options options)
        => new(Environment(catalog), options);

    /// <summary>
    /// Computes <c>librosa.feature.zero_crossing_rate(y, frame_length=fftSize, hop_length)</c> of a mono audio vector:
    /// <c>Vector&lt;Single, 1, nFrames&gt;</c>.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">Name of the output column.</param>
    /// <param name="inputColumnName">Name of the audio column; null means <paramref name="outputColumnName"/>.</param>
    /// <param name="sampleRate">Sample rate of the audio in Hz (must match LoadAudio's). Default 22,050.</param>
    /// <param name="fftSize">Frame length. Default 2,048.</param>
    /// <param name="hopLength">Hop between frames. Default 512.</param>
    public static ExtractSpectralFeatureEstimator ExtractZeroCrossingRate(this TransformsCatalog catalog, string outputColumnName, string? inputColumnName = null,
        int sampleRate = 22050, int fftSize = 2048, int hopLength = 512)
        => Spectral(catalog, SpectralFeature.ZeroCrossingRate, outputColumnName, inputColumnName, sampleRate, fftSize, hopLength);

    /// <summary>
    /// Computes <c>librosa.feature.chroma_stft(S=|stft|**2, sr, n_chroma, tuning=None)</c> of a mono audio vector:
    /// <c>Vector&lt;Single, chromaCount, nFrames&gt;</c>, each frame scaled to a maximum of 1.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">Name of the output column.</param>
    /// <param name="inputColumnName">Name of the audio column; null means <paramref name="outputColumnName"/>.</param>
    /// <param name="sampleRate">Sample rate of the audio in Hz (also chroma_stft's sr; see <see cref="SpectralFeatureSettings.ChromaSampleRate"/> for FMA's 22,050). Default 22,050.</param>
    /// <param name="fftSize">FFT size. Default 2,048.</param>
    /// <param name="hopLength">Hop between frames. Default 512.</param>
    /// <param name="chromaCount">Number of chroma bins (n_chroma). Default 12.</param>
    public static ExtractSpectralFeatureEstimator ExtractChroma(this TransformsCatalog catalog, string outputColumnName, string? inputColumnName = null,
        int sampleRate = 22050, int fftSize = 2048, int hopLength = 512, int chromaCount = 12)
        => ExtractSpectralFeature(catalog, new ExtractSpectralFeatureEstimator.Options
        {
            Feature = SpectralFeature.Chroma,
            OutputColumnName = outputColumnName,
            InputColumnName = inputColumnName,
            Settings = new SpectralFeatureSettings { SampleRate = sampleRate, FftSize = fftSize, HopLength = hopLength, ChromaCount = chromaCount },
        });

    /// <summary>Computes <c>librosa.feature.rms(S=|stft|)</c> of a mono audio vector: <c>Vector&lt;Single, 1, nFrames&gt;</c>.</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">Name of the output column.</param>
    /// <param name="inputColumnName">Name of the audio column; null means <paramref name="outputColumnName"/>.</param>
    /// <param name="sampleRate">Sample rate of the audio in Hz (must match LoadAudio's). Default 22,050.</param>
    /// <param name="fftSize">FFT size (frame_length). Default 2,048.</param>
    /// <param name="hopLength">Hop between frames. Default 512.</param>
    public static ExtractSpectralFeatureEstimator ExtractRms(this TransformsCatalog catalog, string outputColumnName, string? inputColumnName = null,
        int sampleRate = 22050, int fftSize = 2048, int hopLength = 512)
        => Spectral(catalog, SpectralFeature.Rms, outputColumnName, inputColumnName, sampleRate, fftSize, hopLength);

    /// <summary>Computes <c>librosa.feature.spectral_centroid(S=|stft|, sr)</c> (Hz) of a mono audio vector: <c>Vector&lt;Single, 1, nFrames&gt;</c>.</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">Name of the output column.</param>
    /// <param name="inputColumnName">Name of the audio column; null means <paramref name="outputColumnName"/>.</param>
    /// <param name="sampleRate">Sample rate of the audio in Hz (must match LoadAudio's). Default 22,050.</param>
    /// <param name="fftSize">FFT size. Default 2,048.</param>
    /// <param name="hopLength">Hop between frames. Default 512.</param>
    public static ExtractSpectralFeatureEstimator ExtractSpectralCentroid(this TransformsCatalog catalog, string outputColumnName, string? inputColumnName = null,
        int sampleRate = 22050, int fftSize = 2048, int hopLength = 512)
        => Spectral(catalog, SpectralFeature.Centroid, outputColumnName, inputColumnName, sampleRate, fftSize, hopLength);

    /// <summary>Computes <c>librosa.feature.spectral_bandwidth(S=|stft|, sr)</c> (Hz, p = 2) of a mono audio vector: <c>Vector&lt;Single, 1, nFrames&gt;</c>.</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">Name of the output column.</param>
    /// <param name="inputColumnName">Name of the audio column; null means <paramref name="outputColumnName"/>.</param>
    /// <param name="sampleRate">Sample rate of the audio in Hz (must match LoadAudio's). Default 22,050.</param>
    /// <param name="fftSize">FFT size. Default 2,048.</param>
    /// <param name="hopLength">Hop between frames. Default 512.</param>
    public static ExtractSpectralFeatureEstimator ExtractSpectralBandwidth(this TransformsCatalog catalog, string outputColumnName, string? inputColumnName = null,
        int sampleRate = 22050, int fftSize = 2048, int hopLength = 512)
        => Spectral(catalog, SpectralFeature.Bandwidth, outputColumnName, inputColumnName, sampleRate, fftSize, hopLength);

    /// <summary>
    /// Computes <c>librosa.feature.spectral_contrast(S=|stft|, sr, n_bands)</c> (dB) of a mono audio vector:
    /// <c>Vector&lt;Single, bands + 1, nFrames&gt;</c>.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">Name of the output column.</param>
    /// <param name="inputColumnName">Name of the audio column; null means <paramref name="outputColumnName"/>.</param>
    /// <param name="sampleRate">Sample rate of the audio in Hz (must match LoadAudio's). Default 22,050.</param>
    /// <param name="fftSize">FFT size. Default 2,048.</param>
    /// <param name="hopLength">Hop between frames. Default 512.</param>
    /// <param name="bands">Number of octave bands (n_bands). Default 6.</param>
    public static ExtractSpectralFeatureEstimator ExtractSpectralContrast(this TransformsCatalog catalog, string outputColumnName, string? inputColumnName = null,
        int sampleRate = 22050, int fftSize = 2048, int hopLength = 512, int bands = 6)
        => ExtractSpectralFeature(catalog, new ExtractSpectralFeatureEstimator.Options
        {
            Feature = SpectralFeature.Contrast,
            OutputColumnName = outputColumnName,
            InputColumnName = inputColumnName,
            Settings = new SpectralFeatureSettings { SampleRate = sampleRate, FftSize = fftSize, HopLength = hopLength, ContrastBands = bands },
        });

    /// <summary>Computes <c>librosa.feature.spectral_rolloff(S=|stft|, sr, roll_percent)</c> (Hz) of a mono audio vector: <c>Vector&lt;Single, 1, nFrames&gt;</c>.</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">Name of the output column.</param>
    /// <param name="inputColumnName">Name of the audio column; null means <paramref name="outputColumnName"/>.</param>
    /// <param name="sampleRate">Sample rate of the audio in Hz (must match LoadAudio's). Default 22,050.</param>
    /// <param name="fftSize">FFT size. Default 2,048.</param>
    /// <param name="hopLength">Hop between frames. Default 512.</param>
    /// <param name="rollPercent">Fraction of the magnitude below the roll-off, in (0, 1). Default 0.85.</param>
    public static ExtractSpectralFeatureEstimator ExtractSpectralRolloff(this TransformsCatalog catalog, string outputColumnName, string? inputColumnName = null,
        int sampleRate = 22050, int fftSize = 2048, int hopLength = 512, float rollPercent = 0.85f)
        => ExtractSpectralFeature(catalog, new ExtractSpectralFeatureEstimator.Options
        {
            Feature = SpectralFeature.Rolloff,
            OutputColumnName = outputColumnName,
            InputColumnName = inputColumnName,
            Settings = new SpectralFeatureSettings { SampleRate = sampleRate, FftSize = fftSize, HopLength = hopLength, RolloffPercent = rollPercent },
        });

    /// <summary>Computes any <see cref="SpectralFeature"/> with all of librosa's options.</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="options">The options; copied, never modified.</param>
    public static ExtractSpectralFeatureEstimator ExtractSpectralFeature(this TransformsCatalog catalog, ExtractSpectralFeatureEstimator.Options options)
        => new(Environment(catalog), options);

    /// <summary>
    /// Summarises a <c>[row, frame]</c> feature column over time (FMA's <c>feature_stats</c>): for each row, the
    /// <paramref name="statistics"/> among mean, std, skew, kurtosis, median, min and max (numpy/scipy defaults), as a
    /// flat <c>Vector&lt;Single, statistics × rows&gt;</c> with slot names <c>inputColumnName/statistic/NN</c>.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">Name of the output column.</param>
    /// <param name="inputColumnName">Name of the feature column; null means <paramref name="outputColumnName"/>.</param>
    /// <param name="statistics">Which statistics. Default all seven.</param>
    public static SummarizeFramesEstimator SummarizeFrames(this TransformsCatalog catalog, string outputColumnName, string? inputColumnName = null,
        FrameStatistic statistics = FrameStatistic.All)
        => SummarizeFrames(catalog, new SummarizeFramesEstimator.Options { OutputColumnName = outputColumnName, InputColumnName = inputColumnName, Settings = FrameSummarySettings.Default with { Statistics = statistics } });

    /// <summary>Summarises frames with all options (slot name prefix, value for constant rows).</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="options">The options; copied, never modified.</param>
    public static SummarizeFramesEstimator SummarizeFrames(this TransformsCatalog catalog, SummarizeFramesEstimator.Options options)
        => new(Environment(catalog), options);

    /// <summary>
    /// Computes the FMA paper's clip features (STFT-based part of FMA's <c>features.py</c>, librosa 0.11-exact) of a mono
    /// audio vector: 7 statistics of zcr, chroma_stft (12), rms, spectral centroid, bandwidth, contrast (7), roll-off and
    /// 20 MFCCs, from one STFT, as <c>Vector&lt;Single, 308&gt;</c> (518 with the CQT features: <c>FmaFeatureSettings.IncludeCqt</c>) with slot names (<see cref="FmaFeatureVector.SlotNames"/>).
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">Name of the output column. Default "Features".</param>
    /// <param name="inputColumnName">Name of the audio column; null means <paramref name="outputColumnName"/>.</param>
    /// <param name="sampleRate">Sample rate of the audio in Hz (must match LoadAudio's). Default 44,100 (FMA's clips).</param>
    public static ExtractFmaFeaturesEstimator ExtractFmaFeatures(this TransformsCatalog catalog, string outputColumnName = "Features", string? inputColumnName = null,
        int sampleRate = 44100)
        => ExtractFmaFeatures(catalog, new ExtractFmaFeaturesEstimator.Options { OutputColumnName = outputColumnName, InputColumnName = inputColumnName, Settings = new FmaFeatureSettings { SampleRate = sampleRate } });

    /// <summary>Computes the FMA-style clip features with all options.</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="options">The options; copied, never modified.</param>
    public static ExtractFmaFeaturesEstimator ExtractFmaFeatures(this TransformsCatalog catalog, ExtractFmaFeaturesEstimator.Options options)
        => new(Environment(catalog), options);

    /// <summary>
    /// The FMA-feature estimator chain from audio files: <c>LoadAudio</c> (mono, <paramref name="sampleRate"/>, the first
    /// <paramref name="durationSeconds"/> seconds, shorter files zero-padded) into <paramref name="audioColumnName"/>, then
    /// <c>ExtractFmaFeatures</c> into <paramref name="outputColumnName"/> (<c>Vector&lt;Single, 308&gt;</c>, or 518 with the CQT features, with slot names).
    /// Append <c>NormalizeMeanVariance</c> and any ML.NET trainer (LightGbm, SdcaMaximumEntropy, ...) to reproduce the FMA
    /// paper's classical baselines.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">Name of the feature column. Default "Features".</param>
    /// <param name="pathColumnName">Name of the text column of file paths. Default "Path".</param>
    /// <param name="baseFolder">Folder that relative paths are resolved against; null means the current directory.</param>
    /// <param name="sampleRate">Rate the audio is decoded (and resampled) to, in Hz. Default 44,100 (FMA's clips).</param>
    /// <param name="durationSeconds">Length of audio used, in seconds. Default 30 (FMA's clips).</param>
    /// <param name="audioColumnName">Name of the intermediate audio column. Default "Audio".</param>
    /// <returns>The two-step chain; append normalisation and a trainer to it.</returns>
    public static EstimatorChain<ExtractFmaFeaturesTransformer> ExtractFmaFeaturesFromFiles(this TransformsCatalog catalog, string outputColumnName = "Features",
        string pathColumnName = "Path", string? baseFolder = null, int sampleRate = 44100, double durationSeconds = 30, string audioColumnName = "Audio")
    {
        var load = catalog.LoadAudio(new AudioLoadingEstimator.Options
        {
            OutputColumnName = audioColumnName,
            InputColumnName = pathColumnName,
            BaseFolder = baseFolder,
            Settings = new ExcerptSettings { SampleRate = sampleRate, DurationSeconds = durationSeconds },
        });
        return load.Append(catalog.ExtractFmaFeatures(outputColumnName, audioColumnName, sampleRate));
    }

    private static ExtractSpectralFeatureEstimator Spectral(TransformsCatalog catalog, SpectralFeature feature, string outputColumnName, string? inputColumnName,
        int sampleRate, int fftSize, int hopLength)
        => ExtractSpectralFeature(catalog, new ExtractSpectralFeatureEstimator.Options
        {
            Feature = feature,
            OutputColumnName = outputColumnName,
            InputColumnName = inputColumnName,
            Settings = new SpectralFeatureSettings { SampleRate = sampleRate, FftSize = fftSize, HopLength = hopLength },
        });

    private static IHostEnvironment Environment(object catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var env = MlNetBridge.GetEnvironment(catalog);
        MelGenreComponents.Register(env);
        return env;
    }
}
