using System;
using System.Collections.Generic;
using System.IO;
using MelGenre.Dsp;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace MelGenre.Transforms;

/// <summary>
/// Estimator for <see cref="ExtractSpectralFeatureTransformer"/>: one of FMA's frame-wise features
/// (<see cref="SpectralFeature"/>: zero-crossing rate, chroma_stft, RMS, spectral centroid, bandwidth, contrast,
/// roll-off) of a fixed-length mono audio vector, computed like librosa 0.11 from <c>|stft|</c> and output as
/// <c>Vector&lt;Single, rows, nFrames&gt;</c>. Created by <c>mlContext.Transforms.ExtractChroma(...)</c>,
/// <c>ExtractSpectralCentroid(...)</c> and the other catalog methods in <c>FeatureCatalog</c>.
/// </summary>
/// <remarks>
/// Each such transform computes its own STFT. To get several of them (and the MFCCs) from one STFT, use
/// <c>ExtractFmaFeatures</c>, which also summarises them into a clip vector.
/// </remarks>
public sealed class ExtractSpectralFeatureEstimator : VectorEstimatorBase<ExtractSpectralFeatureTransformer, SpectralFeatureSettings>
{
    /// <summary>Options of <see cref="ExtractSpectralFeatureEstimator"/>: the columns, the feature and a <see cref="SpectralFeatureSettings"/> record (librosa's defaults).</summary>
    public sealed class Options : ColumnTransformOptions<SpectralFeatureSettings>
    {
        /// <summary>Output column "Spectral", the spectral centroid, librosa's defaults.</summary>
        public Options()
            : base("Spectral", new SpectralFeatureSettings())
        {
        }

        /// <summary>Which feature to compute. Default the spectral centroid.</summary>
        public SpectralFeature Feature { get; set; } = SpectralFeature.Centroid;
    }

    private readonly SpectralFeature _feature;
    private readonly SpectralFeatures _kernel;

    internal ExtractSpectralFeatureEstimator(IHostEnvironment env, Options options)
        : base(env, options, ExtractSpectralFeatureTransformer.Component, slotNames: false, s => ExtractSpectralFeatureTransformer.Validate(options.Feature, s))
    {
        _feature = options.Feature;
        _kernel = new SpectralFeatures(Settings);
    }

    private protected override ExtractSpectralFeatureTransformer CreateTransformer(IHostEnvironment env) => new(env, OutputColumnName, InputColumnName, _feature, _kernel);
}

/// <summary>
/// Computes one of FMA's frame-wise features (<see cref="SpectralFeature"/>) of a fixed-length mono audio vector exactly
/// like librosa 0.11. Output: <c>Vector&lt;Single, rows, nFrames&gt;</c>, row-major <c>[row, frame]</c> (librosa's
/// layout), with frames = 1 + samples / hop_length when centred. Immutable and safe for concurrent use.
/// </summary>
public sealed class ExtractSpectralFeatureTransformer : VectorTransformerBase
{
    internal const string LoaderSignatureValue = "MelGenre.SpectralFeature";
    internal const string Component = "ExtractSpectralFeature";

    // Payload history: 1 = MelGenre 0.1.0, the options as JSON; 2 = MelGenre 0.2.0, explicit fields (feature, then the settings in declaration order).
    private const int CurrentPayloadVersion = 2;

    private readonly SpectralFeatures _kernel;

    internal ExtractSpectralFeatureTransformer(IHostEnvironment env, string output, string input, SpectralFeature feature, SpectralFeatures kernel)
        : base(env, nameof(ExtractSpectralFeatureTransformer), output, input)
    {
        Feature = feature;
        _kernel = kernel;
    }

    /// <summary>The feature computed.</summary>
    public SpectralFeature Feature { get; }

    /// <summary>The feature settings in effect.</summary>
    public SpectralFeatureSettings Settings => _kernel.Settings;

    private protected override string LoaderSignature => LoaderSignatureValue;

    private protected override int PayloadVersion => CurrentPayloadVersion;

    private protected override void SaveSettings(BinaryWriter writer) => SpectralFeaturePayload.Instance.Write(writer, (Feature, Settings));

    private static ExtractSpectralFeatureTransformer Create(IHostEnvironment env, object loadContext)
    {
        var (output, input, saved) = LoadPayload(loadContext, LoaderSignatureValue, CurrentPayloadVersion, SpectralFeaturePayload.Instance);
        return new ExtractSpectralFeatureTransformer(env, output, input, saved.Feature, new SpectralFeatures(saved.Settings));
    }

    /// <summary>The settings' rules plus the feature's.</summary>
    internal static IReadOnlyList<string> Validate(SpectralFeature feature, SpectralFeatureSettings settings)
    {
        var errors = new List<string>(settings.Validate());
        if (!Enum.IsDefined(feature))
            errors.Add($"Feature must be one of {string.Join(", ", Enum.GetNames<SpectralFeature>())}, got {(int)feature}");
        return errors;
    }

    private protected override VectorBinding Bind(DataViewSchema inputSchema)
    {
        var (_, samples) = FeatureSchema.BindAudio(inputSchema, InputColumnName, Settings.SampleRate, Component);
        int frames = FeatureSchema.FrameCount(InputColumnName, samples, _kernel.GetFrameCount);
        var feature = Feature;
        return new VectorBinding(samples, new VectorDataViewType(NumberDataViewType.Single, _kernel.RowCount(feature), frames),
            () => (src, dst) => _kernel.Compute(feature, src, dst));
    }
}
