using System;
using System.IO;
using MelGenre.Dsp;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace MelGenre.Transforms;

/// <summary>
/// Estimator for <see cref="ExtractMfccTransformer"/>: <c>librosa.feature.mfcc(S=dB)</c> of a decibel mel spectrogram
/// (<c>Vector&lt;Single, nMels, nFrames&gt;</c>, as <c>ExtractMelSpectrogram</c> + <c>ConvertToDecibels</c> give), output as
/// <c>Vector&lt;Single, nMfcc, nFrames&gt;</c>. Created by <c>mlContext.Transforms.ExtractMfcc(...)</c>.
/// </summary>
public sealed class ExtractMfccEstimator : VectorEstimatorBase<ExtractMfccTransformer, MfccSettings>
{
    /// <summary>Options of <see cref="ExtractMfccEstimator"/>: the columns and an <see cref="MfccSettings"/> record (librosa's defaults, FMA's 20 coefficients).</summary>
    public sealed class Options : ColumnTransformOptions<MfccSettings>
    {
        /// <summary>Output column "Mfcc", 20 coefficients.</summary>
        public Options()
            : base("Mfcc", MfccSettings.Default)
        {
        }
    }

    internal ExtractMfccEstimator(IHostEnvironment env, Options options)
        : base(env, options, ExtractMfccTransformer.Component, slotNames: false, s => s.Validate())
    {
    }

    private protected override ExtractMfccTransformer CreateTransformer(IHostEnvironment env) => new(env, OutputColumnName, InputColumnName, Settings);
}

/// <summary>
/// Computes MFCCs exactly like <c>librosa.feature.mfcc(S=dB, n_mfcc, dct_type=2, norm, lifter)</c>: a DCT-II of every
/// frame of a dB mel spectrogram along the mel axis, the first n_mfcc coefficients, optional liftering. Output:
/// <c>Vector&lt;Single, MfccCount, nFrames&gt;</c>, row-major <c>[coefficient, frame]</c>. Immutable and safe for concurrent use.
/// </summary>
public sealed class ExtractMfccTransformer : VectorTransformerBase<MfccSettings>
{
    internal const string LoaderSignatureValue = "MelGenre.Mfcc";
    internal const string Component = "ExtractMfcc";

    internal ExtractMfccTransformer(IHostEnvironment env, string output, string input, MfccSettings settings)
        : base(env, nameof(ExtractMfccTransformer), output, input, settings, LoaderSignatureValue, MfccPayload.Instance)
    {
    }

    private static ExtractMfccTransformer Create(IHostEnvironment env, object loadContext)
    {
        var (output, input, settings) = LoadPayload(loadContext, LoaderSignatureValue, CurrentPayloadVersion, MfccPayload.Instance);
        return new ExtractMfccTransformer(env, output, input, settings);
    }

    private protected override VectorBinding Bind(DataViewSchema inputSchema)
    {
        const string expected = "Vector<Single, nMels, nFrames> (a dB mel spectrogram)";
        var (index, mels, frames) = FeatureSchema.BindMatrix(inputSchema, InputColumnName, expected);
        if (inputSchema[index].Type is VectorDataViewType { Dimensions.Length: 1 })
            throw SchemaErrors.Mismatch(InputColumnName, expected, inputSchema[index].Type.ToString()!);
        if (Settings.MfccCount > mels)
        {
            throw new ArgumentOutOfRangeException("inputSchema",
                $"Input column '{InputColumnName}' has {mels} mel bands, fewer than MfccCount = {Settings.MfccCount}; n_mfcc must be at most n_mels");
        }

        var dct = new MfccTransform(mels, Settings.MfccCount, Settings.Normalization, Settings.Lifter);
        return new VectorBinding(mels * frames, new VectorDataViewType(NumberDataViewType.Single, Settings.MfccCount, frames),
            () => (src, dst) => dct.Compute(src, dst, frames));
    }
}
