using System;
using System.Collections.Generic;
using System.IO;
using MelGenre.Dsp;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace MelGenre.Transforms;

/// <summary>
/// Estimator of the design's MelSpectrogramTransform (<see cref="MelSpectrogramTransformer"/>):
/// <c>librosa.feature.melspectrogram</c> of a fixed-length mono audio vector, output as
/// <c>Vector&lt;Single, nMels, nFrames&gt;</c> laid out like librosa's <c>S[mel, frame]</c>.
/// Created by <c>mlContext.Transforms.ExtractMelSpectrogram(...)</c>.
/// </summary>
public sealed class MelSpectrogramEstimator : VectorEstimatorBase<MelSpectrogramTransformer, MelSpectrogramSettings>
{
    /// <summary>
    /// Options of <see cref="MelSpectrogramEstimator"/>: the columns and a <see cref="MelSpectrogramSettings"/> record
    /// (librosa 0.11's defaults). Its <see cref="MelSpectrogramSettings.SampleRate"/> must agree with the input column's
    /// <c>SampleRate</c> annotation when it has one (as LoadAudio's output has).
    /// </summary>
    public sealed class Options : ColumnTransformOptions<MelSpectrogramSettings>
    {
        /// <summary>Output column "Mel", librosa's defaults.</summary>
        public Options()
            : base("Mel", MelSpectrogramSettings.Default)
        {
        }
    }

    private readonly Dsp.MelSpectrogram _kernel;

    internal MelSpectrogramEstimator(IHostEnvironment env, Options options)
        : base(env, options, MelSpectrogramTransformer.Component, slotNames: false, s => s.Validate())
    {
        _kernel = MelSpectrogramTransformer.CreateKernel(env, Settings);
    }

    private protected override MelSpectrogramTransformer CreateTransformer(IHostEnvironment env) => new(env, OutputColumnName, InputColumnName, Settings, _kernel);
}

/// <summary>
/// The design's MelSpectrogramTransform: librosa-exact mel power spectrograms of a fixed-length audio vector. Output
/// <c>Vector&lt;Single, MelCount, FrameCount&gt;</c>, row-major <c>[mel, frame]</c> (librosa's layout). Immutable and
/// safe for concurrent use.
/// </summary>
public sealed class MelSpectrogramTransformer : VectorTransformerBase<MelSpectrogramSettings>
{
    internal const string LoaderSignatureValue = "MelGenre.MelSpectrogram";
    internal const string Component = "ExtractMelSpectrogram";

    private readonly Dsp.MelSpectrogram _kernel;

    internal MelSpectrogramTransformer(IHostEnvironment env, string output, string input, MelSpectrogramSettings settings, Dsp.MelSpectrogram kernel)
        : base(env, nameof(MelSpectrogramTransformer), output, input, settings, LoaderSignatureValue, MelSpectrogramPayload.Instance)
    {
        _kernel = kernel;
    }


    /// <summary>Warnings about legal but degenerate settings (for example empty mel filters).</summary>
    public IReadOnlyList<string> Warnings => _kernel.Warnings;

    private static MelSpectrogramTransformer Create(IHostEnvironment env, object loadContext)
    {
        var (output, input, settings) = LoadPayload(loadContext, LoaderSignatureValue, CurrentPayloadVersion, MelSpectrogramPayload.Instance);
        return new MelSpectrogramTransformer(env, output, input, settings, CreateKernel(env, settings));
    }

    /// <summary>Builds the DSP kernel (the settings are valid); its warnings go to the MLContext log.</summary>
    internal static Dsp.MelSpectrogram CreateKernel(IHostEnvironment env, MelSpectrogramSettings settings)
    {
        var kernel = new Dsp.MelSpectrogram(settings);
        LogWarnings(env, nameof(MelSpectrogramTransformer), kernel.Warnings);
        return kernel;
    }

    private protected override VectorBinding Bind(DataViewSchema inputSchema)
    {
        var (_, samples) = FeatureSchema.BindAudio(inputSchema, InputColumnName, Settings.SampleRate, Component);
        int frames = FeatureSchema.FrameCount(InputColumnName, samples, _kernel.GetFrameCount);
        return new VectorBinding(samples, new VectorDataViewType(NumberDataViewType.Single, Settings.MelCount, frames), () => _kernel.Compute);
    }
}
