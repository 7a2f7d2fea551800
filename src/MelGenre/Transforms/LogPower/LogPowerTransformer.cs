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
public sealed class LogPowerEstimator : VectorEstimatorBase<LogPowerTransformer>
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

    private readonly DecibelSettings _settings;

    internal LogPowerEstimator(IHostEnvironment env, Options options)
        : this(env, Check(options), options.Settings)
    {
    }

    private LogPowerEstimator(IHostEnvironment env, (string Output, string Input) columns, DecibelSettings settings)
        : base(env, columns.Output, columns.Input, slotNames: false)
    {
        _settings = settings;
    }

    private static (string, string) Check(Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Columns(options, LogPowerTransformer.Component, options.Settings?.Validate() ?? Array.Empty<string>());
    }

    private protected override LogPowerTransformer CreateTransformer(IHostEnvironment env) => new(env, OutputColumnName, InputColumnName, _settings);
}

/// <summary>
/// The design's LogPowerTransform: converts a power vector (for example a mel spectrogram) to decibels like
/// <c>librosa.power_to_db</c>, optionally in the original work's natural-log scaling. Each row is converted on its own
/// (ref = max and top_db use that row's maximum). The output has the input's type and shape. Immutable and safe for
/// concurrent use.
/// </summary>
public sealed class LogPowerTransformer : VectorTransformerBase
{
    internal const string LoaderSignatureValue = "MelGenre.Decibels";
    internal const string Component = "ConvertToDecibels";

    // Payload history: 1 = MelGenre 0.1.0, the options as JSON; 2 = MelGenre 0.2.0, explicit fields (LogPowerPayload).
    private const int CurrentPayloadVersion = 2;

    internal LogPowerTransformer(IHostEnvironment env, string output, string input, DecibelSettings settings)
        : base(env, nameof(LogPowerTransformer), output, input)
    {
        Settings = settings;
    }

    /// <summary>The settings in effect.</summary>
    public DecibelSettings Settings { get; }

    private protected override string LoaderSignature => LoaderSignatureValue;

    private protected override int PayloadVersion => CurrentPayloadVersion;

    private protected override void SaveSettings(BinaryWriter writer) => LogPowerPayload.Write(writer, Settings);

    private static LogPowerTransformer Create(IHostEnvironment env, object loadContext)
    {
        var reader = OpenPayload(loadContext, LoaderSignatureValue, CurrentPayloadVersion, out int version);
        var (output, input, settings) = LogPowerPayload.Read(reader, version);
        var errors = settings.Validate();
        if (errors.Count > 0)
            throw new InvalidDataException($"The saved {LoaderSignatureValue} component has invalid settings: {string.Join("; ", errors)}.");
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

/// <summary>
/// Saved form of <see cref="LogPowerTransformer"/>. Version 2 (after the header and the column names): reference,
/// ref value, amin, top_db?, scale. Version 1 (MelGenre 0.1.0): the estimator options as JSON, upgraded here.
/// </summary>
internal static class LogPowerPayload
{
    public static void Write(BinaryWriter w, DecibelSettings s)
    {
        Payload.WriteEnum(w, s.Reference);
        w.Write(s.ReferenceValue);
        w.Write(s.MinimumPower);
        Payload.WriteNullable(w, s.TopDecibels);
        Payload.WriteEnum(w, s.Scale);
    }

    public static (string Output, string Input, DecibelSettings Settings) Read(BinaryReader r, int version)
    {
        const string c = LogPowerTransformer.LoaderSignatureValue;
        if (version == 1)
        {
            var j = Payload.ReadLegacyJson(r, c, new[] { "OutputColumnName", "InputColumnName", "Reference", "ReferenceValue", "MinimumPower", "TopDecibels", "Scale" });
            string output = j.RequiredString("OutputColumnName");
            return (output, j.String("InputColumnName") ?? output, new DecibelSettings
            {
                Reference = j.Enum<DecibelReference>("Reference"), ReferenceValue = j.Single("ReferenceValue"), MinimumPower = j.Single("MinimumPower"),
                TopDecibels = j.NullableSingle("TopDecibels"), Scale = j.Enum<DecibelScale>("Scale"),
            });
        }

        var (o, i) = (r.ReadString(), r.ReadString());
        return (o, i, new DecibelSettings
        {
            Reference = Payload.ReadEnum<DecibelReference>(r, c), ReferenceValue = r.ReadSingle(), MinimumPower = r.ReadSingle(),
            TopDecibels = Payload.ReadNullableSingle(r), Scale = Payload.ReadEnum<DecibelScale>(r, c),
        });
    }
}
