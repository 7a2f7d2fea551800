using System;
using System.Collections.Generic;
using System.IO;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace MelGenre.Transforms;

/// <summary>
/// Options shared by every transform that computes one column from another: the two column names and the settings
/// record of the computation. Settings are immutable records: change one with a <c>with</c> expression, e.g.
/// <c>Settings = MelSpectrogramSettings.Default with { HopLength = 1024 }</c>.
/// </summary>
/// <typeparam name="TSettings">The settings record.</typeparam>
public abstract class ColumnTransformOptions<TSettings>
    where TSettings : class
{
    private protected ColumnTransformOptions(string outputColumnName, TSettings settings)
    {
        OutputColumnName = outputColumnName;
        Settings = settings;
    }

    /// <summary>Name of the output column. Required.</summary>
    public string OutputColumnName { get; set; }

    /// <summary>Name of the input column; null means <see cref="OutputColumnName"/>.</summary>
    public string? InputColumnName { get; set; }

    /// <summary>The settings of the computation (immutable).</summary>
    public TSettings Settings { get; set; }
}

/// <summary>What a vector transform computes for one bound input column.</summary>
/// <param name="InputSize">Values per input row.</param>
/// <param name="OutputType">The output column's type (with its dimensions).</param>
/// <param name="CreateKernel">Creates the per-cursor row kernel (may hold scratch; one cursor uses it from one thread).</param>
/// <param name="Annotations">The output column's annotations (e.g. slot names), or null.</param>
internal sealed record VectorBinding(int InputSize, VectorDataViewType OutputType, Func<VectorKernel> CreateKernel, DataViewSchema.Annotations? Annotations = null);

/// <summary>
/// Base of the transforms that compute one known-size <c>Vector&lt;Single&gt;</c> column from another (mel spectrogram,
/// log-power, MFCC, spectral features, frame statistics, FMA vector): the schema binding, the lazy per-row computation,
/// the column names in the payload and the settings warnings all live here once. Immutable and thread-safe.
/// </summary>
public abstract class VectorTransformerBase : MelGenreTransformerBase
{
    private protected VectorTransformerBase(IHostEnvironment env, string name, string outputColumnName, string inputColumnName)
        : base(env, name)
    {
        OutputColumnName = outputColumnName;
        InputColumnName = inputColumnName;
    }

    /// <summary>Name of the output column.</summary>
    public string OutputColumnName { get; }

    /// <summary>Name of the input column.</summary>
    public string InputColumnName { get; }

    /// <summary>Binds the input column (validating its type and shape with ML.NET's wording) to the computation.</summary>
    private protected abstract VectorBinding Bind(DataViewSchema inputSchema);

    /// <summary>Writes the settings after the column names.</summary>
    private protected abstract void SaveSettings(BinaryWriter writer);

    private protected sealed override void SavePayload(BinaryWriter writer)
    {
        writer.Write(OutputColumnName);
        writer.Write(InputColumnName);
        SaveSettings(writer);
    }

    /// <summary>
    /// Reads a saved vector transform: the header (refusing newer versions), the column names and the settings, upgrading
    /// version 1 explicitly, and validating the result as strictly as constructing.
    /// </summary>
    private protected static (string Output, string Input, TSettings Settings) LoadPayload<TSettings>(object loadContext, string loaderSignature,
        int currentVersion, ISettingsPayload<TSettings> payload)
    {
        var reader = OpenPayload(loadContext, loaderSignature, currentVersion, out int version);
        string output, input;
        TSettings settings;
        if (version == 1)
        {
            var members = new List<string> { "OutputColumnName", "InputColumnName" };
            members.AddRange(payload.Version1Members);
            var json = Payload.ReadLegacyJson(reader, loaderSignature, members);
            output = json.RequiredString("OutputColumnName");
            input = json.String("InputColumnName") ?? output;
            settings = payload.ReadVersion1(json);
        }
        else
        {
            output = reader.ReadString();
            input = reader.ReadString();
            settings = payload.Read(reader);
        }

        var errors = payload.Validate(settings);
        if (errors.Count > 0)
            throw new InvalidDataException($"The saved {loaderSignature} component has invalid settings: {string.Join("; ", errors)}.");
        return (output, input, settings);
    }

    private protected sealed override ColumnMapper CreateMapper(DataViewSchema inputSchema) => new VectorMapper(inputSchema, OutputColumnName, InputColumnName, Bind(inputSchema));

    /// <summary>Logs legal but degenerate settings (e.g. empty mel filters) to the MLContext log, the same way for every transform.</summary>
    private protected static void LogWarnings(IHostEnvironment env, string component, IReadOnlyList<string> warnings)
    {
        if (warnings.Count == 0)
            return;
        var host = env.Register(component);
        using var ch = host.Start("Settings");
        foreach (var warning in warnings)
            ch.Warning(MessageSensitivity.None, "{0}", warning);
    }

    private sealed class VectorMapper : ColumnMapper
    {
        private readonly int _inputIndex;
        private readonly VectorBinding _binding;
        private readonly DataViewSchema.DetachedColumn[] _added;

        public VectorMapper(DataViewSchema inputSchema, string output, string input, VectorBinding binding)
            : base(inputSchema)
        {
            _inputIndex = SchemaErrors.Find(inputSchema, input).Index;
            _binding = binding;
            _added = new[] { new DataViewSchema.DetachedColumn(output, binding.OutputType, binding.Annotations) };
        }

        public override IReadOnlyList<DataViewSchema.DetachedColumn> AddedColumns => _added;

        public override IEnumerable<int> GetDependencies(Func<int, bool> isAddedColumnActive)
            => isAddedColumnActive(0) ? new[] { _inputIndex } : Array.Empty<int>();

        public override RowComputation CreateComputation(DataViewRow input, Func<int, bool> isAddedColumnActive)
            => new VectorComputation(input, _inputIndex, _binding.InputSize, _binding.OutputType.Size, _binding.CreateKernel());
    }
}

/// <summary>
/// A <see cref="VectorTransformerBase"/> whose whole configuration is one settings record, saved by one
/// <see cref="ISettingsPayload{TSettings}"/> (payload version <see cref="CurrentPayloadVersion"/>).
/// </summary>
/// <typeparam name="TSettings">The settings record.</typeparam>
public abstract class VectorTransformerBase<TSettings> : VectorTransformerBase
    where TSettings : class
{
    /// <summary>The payload version every settings-record transform writes: 2 = MelGenre 0.2.0's explicit fields (1 = 0.1.0's JSON).</summary>
    private protected const int CurrentPayloadVersion = 2;

    private readonly string _loaderSignature;
    private readonly ISettingsPayload<TSettings> _payload;

    private protected VectorTransformerBase(IHostEnvironment env, string name, string outputColumnName, string inputColumnName, TSettings settings,
        string loaderSignature, ISettingsPayload<TSettings> payload)
        : base(env, name, outputColumnName, inputColumnName)
    {
        Settings = settings;
        _loaderSignature = loaderSignature;
        _payload = payload;
    }

    /// <summary>The settings in effect (immutable).</summary>
    public TSettings Settings { get; }

    private protected sealed override string LoaderSignature => _loaderSignature;

    private protected sealed override int PayloadVersion => CurrentPayloadVersion;

    private protected sealed override void SaveSettings(BinaryWriter writer) => _payload.Write(writer, Settings);
}

/// <summary>
/// How one transform's settings are saved: the fields of payload version 2 (after the header and the column names),
/// and the upgrade of version 1 (MelGenre 0.1.0's JSON of the options). One implementation per transform, in its folder.
/// </summary>
/// <typeparam name="TSettings">The settings record.</typeparam>
internal interface ISettingsPayload<TSettings>
{
    /// <summary>The members 0.1.0 wrote besides the column names (anything else is refused).</summary>
    IReadOnlyCollection<string> Version1Members { get; }

    /// <summary>Reads a version-1 payload's settings.</summary>
    TSettings ReadVersion1(LegacyJson json);

    /// <summary>Writes the settings (payload version 2).</summary>
    void Write(BinaryWriter writer, TSettings settings);

    /// <summary>Reads what <see cref="Write"/> wrote.</summary>
    TSettings Read(BinaryReader reader);

    /// <summary>Every broken rule of loaded settings (a damaged or hand-edited model).</summary>
    IReadOnlyList<string> Validate(TSettings settings);
}

/// <summary>
/// Base of the estimators of <see cref="VectorTransformerBase"/> transforms: the options are validated when the estimator
/// is created (every broken rule listed, the caller's options object is never kept or changed); <c>GetOutputSchema</c>
/// checks the input column's kind and adds the output.
/// </summary>
/// <typeparam name="TTransformer">The transformer produced.</typeparam>
/// <typeparam name="TSettings">The settings record.</typeparam>
public abstract class VectorEstimatorBase<TTransformer, TSettings> : MelGenreEstimatorBase<TTransformer>
    where TTransformer : VectorTransformerBase
    where TSettings : class
{
    private readonly bool _slotNames;

    private protected VectorEstimatorBase(IHostEnvironment env, ColumnTransformOptions<TSettings> options, string component, bool slotNames,
        Func<TSettings, IReadOnlyList<string>> validate)
        : base(env)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        OptionErrors.RequireColumnName(errors, nameof(options.OutputColumnName), options.OutputColumnName);
        if (options.InputColumnName is not null && string.IsNullOrWhiteSpace(options.InputColumnName))
            errors.Add($"{nameof(options.InputColumnName)} must be null (same as the output) or a non-empty column name");
        if (options.Settings is null)
            errors.Add($"{nameof(options.Settings)} must be set");
        else
            errors.AddRange(validate(options.Settings));
        OptionErrors.ThrowIfAny(component + " options", errors, nameof(options));
        OutputColumnName = options.OutputColumnName;
        InputColumnName = options.InputColumnName ?? options.OutputColumnName;
        Settings = options.Settings!;
        _slotNames = slotNames;
    }

    /// <summary>Name of the output column.</summary>
    public string OutputColumnName { get; }

    /// <summary>Name of the input column.</summary>
    public string InputColumnName { get; }

    /// <summary>The settings (immutable).</summary>
    public TSettings Settings { get; }

    /// <summary>Checks that the input is a known-size vector of Single and adds the output column.</summary>
    /// <param name="inputSchema">The schema shape before this estimator.</param>
    /// <returns>The schema shape after it.</returns>
    public sealed override SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return SchemaErrors.AppendSingleVector(inputSchema, InputColumnName, OutputColumnName, _slotNames);
    }
}
