using System;
using System.IO;
using MelGenre.Dsp;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace MelGenre.Transforms;

/// <summary>
/// Estimator of the design's LogPowerTransform (<see cref="LogPowerTransformer"/>): <c>librosa.power_to_db</c> on a
/// vector column, shape preserved, optionally in the original work's natural-log scaling.
/// Created by <c>mlContext.Transforms.ConvertToDecibels(...)</c>.
/// </summary>
public sealed class LogPowerEstimator : VectorEstimatorBase<LogPowerTransformer, DecibelSettings>
{
    /// <summary>Options of <see cref="LogPowerEstimator"/>: the columns and a <see cref="DecibelSettings"/> record (librosa's defaults).</summary>
    public sealed class Options : ColumnTransformOptions<DecibelSettings>
    {
        /// <summary>Output column "Decibels", librosa's defaults.</summary>
        public Options()
            : base("Decibels", DecibelSettings.Default)
        {
        }
    }

    internal LogPowerEstimator(IHostEnvironment env, Options options)
        : base(env, options, LogPowerTransformer.Component, slotNames: false, s => s.Validate())
    {
    }

    private protected override LogPowerTransformer CreateTransformer(IHostEnvironment env) => new(env, OutputColumnName, InputColumnName, Settings);
}

/// <summary>
/// The design's LogPowerTransform: converts a power vector (for example a mel spectrogram) to decibels like
/// <c>librosa.power_to_db</c>, optionally in the original work's natural-log scaling. Each row is converted on its own
/// (ref = max and top_db use that row's maximum). The output has the input's type and shape. Immutable and safe for
/// concurrent use.
/// </summary>
public sealed class LogPowerTransformer : VectorTransformerBase<DecibelSettings>
{
    internal const string LoaderSignatureValue = "MelGenre.Decibels";
    internal const string Component = "ConvertToDecibels";

    internal LogPowerTransformer(IHostEnvironment env, string output, string input, DecibelSettings settings)
        : base(env, nameof(LogPowerTransformer), output, input, settings, LoaderSignatureValue, LogPowerPayload.Instance)
    {
    }

    private static LogPowerTransformer Create(IHostEnvironment env, object loadContext)
    {
        var (output, input, settings) = LoadPayload(loadContext, LoaderSignatureValue, CurrentPayloadVersion, LogPowerPayload.Instance);
        return new LogPowerTransformer(env, output, input, settings);
    }

    private protected override VectorBinding Bind(DataViewSchema inputSchema)
    {
        var input = SchemaErrors.Find(inputSchema, InputColumnName);
        if (input.Type is not VectorDataViewType vec || vec.ItemType != NumberDataViewType.Single || !vec.IsKnownSize)
            throw SchemaErrors.Mismatch(InputColumnName, "known-size Vector<Single>", input.Type.ToString()!);
        return new VectorBinding(vec.Size, vec, () => Settings.Apply);
    }
}
