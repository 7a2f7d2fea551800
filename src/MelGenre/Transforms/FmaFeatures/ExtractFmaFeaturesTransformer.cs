using System;
using System.IO;
using MelGenre.Dsp;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace MelGenre.Transforms;

/// <summary>
/// Estimator for <see cref="ExtractFmaFeaturesTransformer"/>: the FMA paper's clip features (STFT-based part) from a mono
/// audio vector, as <c>Vector&lt;Single, 308&gt;</c> (518 with <c>FmaFeatureSettings.IncludeCqt</c>) with slot names like <c>mfcc/mean/01</c>, ready for
/// <c>NormalizeMeanVariance</c> and a classical trainer. Created by <c>mlContext.Transforms.ExtractFmaFeatures(...)</c>.
/// </summary>
public sealed class ExtractFmaFeaturesEstimator : VectorEstimatorBase<ExtractFmaFeaturesTransformer, FmaFeatureSettings>
{
    /// <summary>Options of <see cref="ExtractFmaFeaturesEstimator"/>: the columns and an <see cref="FmaFeatureSettings"/> record (FMA's <c>features.py</c> at 44.1 kHz). Output column default "Features", the name ML.NET trainers read.</summary>
    public sealed class Options : ColumnTransformOptions<FmaFeatureSettings>
    {
        /// <summary>Output column "Features", FMA's settings at 44.1 kHz.</summary>
        public Options()
            : base("Features", new FmaFeatureSettings())
        {
        }
    }

    internal ExtractFmaFeaturesEstimator(IHostEnvironment env, Options options)
        : base(env, options, ExtractFmaFeaturesTransformer.Component, slotNames: true, s => s.Validate())
    {
    }

    private protected override ExtractFmaFeaturesTransformer CreateTransformer(IHostEnvironment env) => new(env, OutputColumnName, InputColumnName, new FmaFeatureVector(Settings));
}

/// <summary>
/// Computes the FMA-style clip feature vector (<see cref="FmaFeatureVector"/>: 7 statistics of zcr, chroma_stft, rms,
/// spectral centroid, bandwidth, contrast, roll-off and 20 MFCCs, all from one STFT, librosa 0.11-exact) of a
/// fixed-length mono audio vector. Output: <c>Vector&lt;Single, 308&gt;</c> (518 with the CQT features) in FMA's <c>features.csv</c> column order,
/// with slot names (<see cref="FmaFeatureVector.SlotNames"/>); with <see cref="FmaFeatureSettings.IncludeCqt"/>
/// FMA's full <c>Vector&lt;Single, 518&gt;</c> (adds chroma_cens, chroma_cqt and tonnetz). Immutable and safe for concurrent use.
/// </summary>
public sealed class ExtractFmaFeaturesTransformer : VectorTransformerBase<FmaFeatureSettings>
{
    internal const string LoaderSignatureValue = "MelGenre.FmaFeatures";
    internal const string Component = "ExtractFmaFeatures";

    private static readonly DataViewSchema.Annotations SlotNameAnnotations = FeatureSchema.SlotNames(FmaFeatureVector.SlotNames);
    private static readonly DataViewSchema.Annotations FullSlotNameAnnotations = FeatureSchema.SlotNames(FmaCqtFeatures.FullSlotNames);

    private readonly FmaFeatureVector _kernel;

    internal ExtractFmaFeaturesTransformer(IHostEnvironment env, string output, string input, FmaFeatureVector kernel)
        : base(env, nameof(ExtractFmaFeaturesTransformer), output, input, kernel.Settings, LoaderSignatureValue, FmaFeaturesPayload.Instance)
    {
        _kernel = kernel;
    }

    private static ExtractFmaFeaturesTransformer Create(IHostEnvironment env, object loadContext)
    {
        var (output, input, settings) = LoadPayload(loadContext, LoaderSignatureValue, CurrentPayloadVersion, FmaFeaturesPayload.Instance);
        return new ExtractFmaFeaturesTransformer(env, output, input, new FmaFeatureVector(settings));
    }

    private protected override VectorBinding Bind(DataViewSchema inputSchema)
    {
        var (_, samples) = FeatureSchema.BindAudio(inputSchema, InputColumnName, Settings.SampleRate, Component);
        FeatureSchema.FrameCount(InputColumnName, samples, _kernel.GetFrameCount);
        return new VectorBinding(samples, new VectorDataViewType(NumberDataViewType.Single, _kernel.VectorLength), () => _kernel.ComputeVector,
            Settings.IncludeCqt ? FullSlotNameAnnotations : SlotNameAnnotations);
    }
}
