using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using MelGenre.Dsp;
using MelGenre.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace MelGenre.Transforms;

/// <summary>
/// Estimator for <see cref="LogPowerTransformer"/>: <c>librosa.power_to_db</c> on a vector column,
/// shape preserved. Created by <c>mlContext.Transforms.ConvertToDecibels(...)</c>.
/// </summary>
public sealed class LogPowerEstimator : MelGenreEstimatorBase<LogPowerTransformer>
{
    /// <summary>Options of <see cref="LogPowerEstimator"/>; defaults are librosa 0.11's.</summary>
    public sealed class Options
    {
        /// <summary>Name of the output column. Required.</summary>
        public string OutputColumnName = "Decibels";

        /// <summary>Name of the input column (a known-size vector of Single powers); null means <see cref="OutputColumnName"/>.</summary>
        public string? InputColumnName;

        /// <summary>What 0 dB stands for. Default: the constant <see cref="ReferenceValue"/>.</summary>
        public DecibelReference Reference = DecibelReference.Constant;

        /// <summary>Reference power (ref) when <see cref="Reference"/> is Constant; must be > 0. Default 1.</summary>
        public float ReferenceValue = 1f;

        /// <summary>Smallest power considered (amin); must be > 0. Default 1e-10 (-100 dB).</summary>
        public float MinimumPower = 1e-10f;

        /// <summary>Dynamic range kept below each row's maximum in dB (top_db), >= 0; null keeps all. Default 80.</summary>
        public float? TopDecibels = 80f;

        /// <summary>Output unit. Default decibels.</summary>
        public DecibelScale Scale = DecibelScale.Decibels;

        internal Options Clone() => (Options)MemberwiseClone();

        internal List<string> Validate()
        {
            var errors = new List<string>();
            if (string.IsNullOrWhiteSpace(OutputColumnName))
                errors.Add("OutputColumnName must be a non-empty column name");
            if (!Enum.IsDefined(Reference))
                errors.Add($"Reference must be Constant or Maximum, got {(int)Reference}");
            if (Reference == DecibelReference.Constant && !(ReferenceValue > 0 && float.IsFinite(ReferenceValue)))
                errors.Add($"ReferenceValue must be a finite number > 0, got {ReferenceValue.ToString(CultureInfo.InvariantCulture)}");
            if (!(MinimumPower > 0 && float.IsFinite(MinimumPower)))
                errors.Add($"MinimumPower (amin) must be strictly positive, got {MinimumPower.ToString(CultureInfo.InvariantCulture)}");
            if (TopDecibels is float top && !(top >= 0 && float.IsFinite(top)))
                errors.Add($"TopDecibels (top_db) must be non-negative, got {top.ToString(CultureInfo.InvariantCulture)}");
            if (!Enum.IsDefined(Scale))
                errors.Add($"Scale must be Decibels or NaturalLog, got {(int)Scale}");
            return errors;
        }
    }

    private readonly Options _options;

    internal LogPowerEstimator(IHostEnvironment env, Options options)
        : base(env)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = LogPowerTransformer.Normalize(options);
    }

    private protected override LogPowerTransformer CreateTransformer(IHostEnvironment env) => new(env, _options);

    /// <summary>Checks that the input is a known-size vector of Single and adds the output column.</summary>
    public override SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return SchemaErrors.AppendSingleVector(inputSchema, _options.InputColumnName!, _options.OutputColumnName);
    }
}

/// <summary>
/// Converts a power vector (for example a mel spectrogram) to decibels like <c>librosa.power_to_db</c>,
/// optionally in the original work's natural-log scaling. Each row is converted on its own (ref = max
/// and top_db use that row's maximum). The output has the input's type and shape. Immutable and
/// safe for concurrent use.
/// </summary>
public sealed class LogPowerTransformer : MelGenreTransformerBase
{
    internal const string LoaderSignatureValue = "MelGenre.Decibels";
    private const int CurrentPayloadVersion = 1; // 1: initial (options as JSON)

    private readonly LogPowerEstimator.Options _options;

    internal LogPowerTransformer(IHostEnvironment env, LogPowerEstimator.Options options)
        : base(env, nameof(LogPowerTransformer))
    {
        _options = Normalize(options);
    }

    /// <summary>Name of the output column.</summary>
    public string OutputColumnName => _options.OutputColumnName;

    /// <summary>Name of the input column.</summary>
    public string InputColumnName => _options.InputColumnName!;

    /// <summary>What 0 dB stands for.</summary>
    public DecibelReference Reference => _options.Reference;

    /// <summary>Reference power when <see cref="Reference"/> is Constant.</summary>
    public float ReferenceValue => _options.ReferenceValue;

    /// <summary>Smallest power considered (amin).</summary>
    public float MinimumPower => _options.MinimumPower;

    /// <summary>Dynamic range kept in dB (top_db), or null.</summary>
    public float? TopDecibels => _options.TopDecibels;

    /// <summary>Output unit.</summary>
    public DecibelScale Scale => _options.Scale;

    private protected override string LoaderSignature => LoaderSignatureValue;

    private protected override int PayloadVersion => CurrentPayloadVersion;

    private protected override void SavePayload(BinaryWriter writer) => WriteJson(writer, _options);

    private static LogPowerTransformer Create(IHostEnvironment env, object loadContext)
    {
        var reader = OpenPayload(loadContext, LoaderSignatureValue, CurrentPayloadVersion, out _);
        return new LogPowerTransformer(env, ReadJson<LogPowerEstimator.Options>(reader, LoaderSignatureValue));
    }

    internal static LogPowerEstimator.Options Normalize(LogPowerEstimator.Options options)
    {
        var copy = options.Clone();
        var errors = copy.Validate();
        if (errors.Count > 0)
            throw new ArgumentException("Invalid ConvertToDecibels options: " + string.Join("; ", errors) + ".", nameof(options));
        copy.InputColumnName ??= copy.OutputColumnName;
        return copy;
    }

    /// <summary>Converts one row.</summary>
    internal void Convert(ReadOnlySpan<float> power, Span<float> destination)
    {
        Decibels.PowerToDb(power, destination, _options.ReferenceValue, _options.Reference == DecibelReference.Maximum, _options.MinimumPower, _options.TopDecibels);
        if (_options.Scale == DecibelScale.NaturalLog)
            Decibels.DecibelsToNaturalLog(destination, destination);
    }

    private protected override ColumnMapper CreateMapper(DataViewSchema inputSchema) => new Mapper(this, inputSchema);

    private sealed class Mapper : ColumnMapper
    {
        private readonly LogPowerTransformer _parent;
        private readonly int _inputIndex;
        private readonly int _size;
        private readonly DataViewSchema.DetachedColumn[] _added;

        public Mapper(LogPowerTransformer parent, DataViewSchema inputSchema)
            : base(inputSchema)
        {
            _parent = parent;
            var input = SchemaErrors.Find(inputSchema, parent.InputColumnName);
            if (input.Type is not VectorDataViewType vec || vec.ItemType != NumberDataViewType.Single || !vec.IsKnownSize)
                throw SchemaErrors.Mismatch(parent.InputColumnName, "known-size Vector<Single>", input.Type.ToString()!);
            _inputIndex = input.Index;
            _size = vec.Size;
            _added = new[] { new DataViewSchema.DetachedColumn(parent.OutputColumnName, vec) };
        }

        public override IReadOnlyList<DataViewSchema.DetachedColumn> AddedColumns => _added;

        public override IEnumerable<int> GetDependencies(Func<int, bool> isAddedColumnActive)
            => isAddedColumnActive(0) ? new[] { _inputIndex } : Array.Empty<int>();

        public override RowComputation CreateComputation(DataViewRow input, Func<int, bool> isAddedColumnActive)
            => new VectorComputation(input, _inputIndex, _size, _size, _parent.Convert);
    }
}
