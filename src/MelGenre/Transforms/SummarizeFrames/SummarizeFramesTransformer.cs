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
/// Estimator for <see cref="SummarizeFramesTransformer"/>: per-row statistics over time of a <c>[row, frame]</c> feature
/// column (FMA's <c>feature_stats</c>), output as a flat <c>Vector&lt;Single, statistics × rows&gt;</c> with slot names
/// such as <c>mfcc/mean/01</c>. Created by <c>mlContext.Transforms.SummarizeFrames(...)</c>.
/// </summary>
public sealed class SummarizeFramesEstimator : MelGenreEstimatorBase<SummarizeFramesTransformer>
{
    /// <summary>Options of <see cref="SummarizeFramesEstimator"/>.</summary>
    public sealed class Options
    {
        /// <summary>Name of the output column. Required.</summary>
        public string OutputColumnName = "Statistics";

        /// <summary>
        /// Name of the input column: <c>Vector&lt;Single, rows, frames&gt;</c> (or <c>Vector&lt;Single, frames&gt;</c>, one
        /// row); null means <see cref="OutputColumnName"/>.
        /// </summary>
        public string? InputColumnName;

        /// <summary>Which statistics, any non-empty combination. Default all seven (FMA's).</summary>
        public FrameStatistic Statistics = FrameStatistic.All;

        /// <summary>First part of the slot names (<c>prefix/statistic/NN</c>); null means the input column's name.</summary>
        public string? SlotNamePrefix;

        /// <summary>Skewness and kurtosis of a constant row, where scipy returns NaN. Default 0 (trainers reject NaN); set NaN for scipy's value.</summary>
        public float ConstantRowMoment;

        internal Options Clone() => (Options)MemberwiseClone();

        internal List<string> Validate()
        {
            var errors = new List<string>();
            if (string.IsNullOrWhiteSpace(OutputColumnName))
                errors.Add("OutputColumnName must be a non-empty column name");
            if ((Statistics & FrameStatistic.All) == 0 || (Statistics & ~FrameStatistic.All) != 0)
                errors.Add($"Statistics must be a non-empty combination of FrameStatistic flags, got {((int)Statistics).ToString(CultureInfo.InvariantCulture)}");
            return errors;
        }
    }

    private readonly Options _options;

    internal SummarizeFramesEstimator(IHostEnvironment env, Options options)
        : base(env)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = SummarizeFramesTransformer.Normalize(options);
    }

    private protected override SummarizeFramesTransformer CreateTransformer(IHostEnvironment env) => new(env, _options);

    /// <summary>Checks that the input is a known-size vector of Single and adds the output column (with slot names).</summary>
    public override SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return SchemaErrors.AppendSingleVector(inputSchema, _options.InputColumnName!, _options.OutputColumnName, slotNames: true);
    }
}

/// <summary>
/// Summarises a <c>[row, frame]</c> feature (for example MFCCs or chroma) over time with numpy's mean, std, median, min,
/// max and scipy.stats' skew and kurtosis (Fisher, biased), as FMA's <c>features.py</c> does. The output is
/// statistic-major, <c>[statistic, row]</c> flattened, with slot names <c>prefix/statistic/NN</c> (rows numbered from 01,
/// FMA's <c>features.csv</c> naming), ready for ML.NET's trainers. Immutable and safe for concurrent use.
/// </summary>
public sealed class SummarizeFramesTransformer : MelGenreTransformerBase
{
    internal const string LoaderSignatureValue = "MelGenre.SummarizeFrames";
    private const int CurrentPayloadVersion = 1; // 1: initial (options as JSON)

    private readonly SummarizeFramesEstimator.Options _options;

    internal SummarizeFramesTransformer(IHostEnvironment env, SummarizeFramesEstimator.Options options)
        : base(env, nameof(SummarizeFramesTransformer))
    {
        _options = Normalize(options);
    }

    /// <summary>Name of the output column.</summary>
    public string OutputColumnName => _options.OutputColumnName;

    /// <summary>Name of the input column.</summary>
    public string InputColumnName => _options.InputColumnName!;

    /// <summary>The statistics computed, in output order (mean, std, skew, kurtosis, median, min, max).</summary>
    public FrameStatistic Statistics => _options.Statistics;

    /// <summary>First part of the slot names.</summary>
    public string SlotNamePrefix => _options.SlotNamePrefix!;

    private protected override string LoaderSignature => LoaderSignatureValue;

    private protected override int PayloadVersion => CurrentPayloadVersion;

    private protected override void SavePayload(BinaryWriter writer) => WriteJson(writer, _options);

    private static SummarizeFramesTransformer Create(IHostEnvironment env, object loadContext)
    {
        var reader = OpenPayload(loadContext, LoaderSignatureValue, CurrentPayloadVersion, out _);
        return new SummarizeFramesTransformer(env, ReadJson<SummarizeFramesEstimator.Options>(reader, LoaderSignatureValue));
    }

    internal static SummarizeFramesEstimator.Options Normalize(SummarizeFramesEstimator.Options options)
    {
        var copy = options.Clone();
        var errors = copy.Validate();
        if (errors.Count > 0)
            throw new ArgumentException("Invalid SummarizeFrames options: " + string.Join("; ", errors) + ".", nameof(options));
        copy.InputColumnName ??= copy.OutputColumnName;
        copy.SlotNamePrefix ??= copy.InputColumnName;
        return copy;
    }

    /// <summary>Slot names <c>prefix/statistic/NN</c> in output order.</summary>
    internal static string[] SlotNames(string prefix, FrameStatistic statistics, int rows)
    {
        var stats = FrameStatistics.Expand(statistics);
        var names = new string[stats.Count * rows];
        for (int s = 0; s < stats.Count; s++)
        {
            for (int r = 0; r < rows; r++)
                names[(s * rows) + r] = string.Format(CultureInfo.InvariantCulture, "{0}/{1}/{2:00}", prefix, FrameStatistics.NameOf(stats[s]), r + 1);
        }

        return names;
    }

    private protected override ColumnMapper CreateMapper(DataViewSchema inputSchema) => new Mapper(this, inputSchema);

    private sealed class Mapper : ColumnMapper
    {
        private readonly SummarizeFramesTransformer _parent;
        private readonly int _inputIndex;
        private readonly int _rows;
        private readonly int _inputSize;
        private readonly DataViewSchema.DetachedColumn[] _added;

        public Mapper(SummarizeFramesTransformer parent, DataViewSchema inputSchema)
            : base(inputSchema)
        {
            _parent = parent;
            (_inputIndex, _rows, int frames) = FeatureSchema.BindMatrix(inputSchema, parent.InputColumnName, "Vector<Single, rows, frames> or Vector<Single, frames>");
            if (frames < 1 || _rows < 1)
                throw SchemaErrors.Mismatch(parent.InputColumnName, "a vector with at least one frame", inputSchema[_inputIndex].Type.ToString()!);
            _inputSize = _rows * frames;
            string[] names = SlotNames(parent.SlotNamePrefix, parent.Statistics, _rows);
            var type = new VectorDataViewType(NumberDataViewType.Single, names.Length);
            _added = new[] { new DataViewSchema.DetachedColumn(parent.OutputColumnName, type, FeatureSchema.SlotNames(names)) };
        }

        public override IReadOnlyList<DataViewSchema.DetachedColumn> AddedColumns => _added;

        public override IEnumerable<int> GetDependencies(Func<int, bool> isAddedColumnActive)
            => isAddedColumnActive(0) ? new[] { _inputIndex } : Array.Empty<int>();

        public override RowComputation CreateComputation(DataViewRow input, Func<int, bool> isAddedColumnActive)
            => new VectorComputation(input, _inputIndex, _inputSize, ((VectorDataViewType)_added[0].Type).Size,
                (src, dst) => FrameStatistics.Summarize(src, _rows, _parent.Statistics, dst, _parent._options.ConstantRowMoment));
    }
}
