using System;
using System.Collections.Generic;
using System.IO;
using MelGenre.Dsp;
using MelGenre.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace MelGenre.Transforms;

/// <summary>
/// Estimator for <see cref="ExtractFmaFeaturesTransformer"/>: the FMA paper's clip features (STFT-based part) from a mono
/// audio vector, as <c>Vector&lt;Single, 308&gt;</c> with slot names like <c>mfcc/mean/01</c>, ready for
/// <c>NormalizeMeanVariance</c> and a classical trainer. Created by <c>mlContext.Transforms.ExtractFmaFeatures(...)</c>.
/// </summary>
public sealed class ExtractFmaFeaturesEstimator : MelGenreEstimatorBase<ExtractFmaFeaturesTransformer>
{
    /// <summary>Options of <see cref="ExtractFmaFeaturesEstimator"/>; defaults reproduce FMA's <c>features.py</c> at 44.1 kHz.</summary>
    public sealed class Options
    {
        /// <summary>Name of the output column. Required. Default "Features", the name ML.NET trainers read.</summary>
        public string OutputColumnName = "Features";

        /// <summary>Name of the input column (a known-size vector of mono samples); null means <see cref="OutputColumnName"/>.</summary>
        public string? InputColumnName;

        /// <summary>Sample rate of the input in Hz; must agree with the input's <c>SampleRate</c> annotation if it has one. Default 44,100.</summary>
        public int SampleRate = 44100;

        /// <summary>FFT size (n_fft). Default 2,048.</summary>
        public int FftSize = 2048;

        /// <summary>Hop between frames (hop_length). Default 512.</summary>
        public int HopLength = 512;

        /// <summary>The sr given to chroma_stft. Default 22,050 as in FMA's code (which omits it); null means <see cref="SampleRate"/>.</summary>
        public int? ChromaSampleRate = 22050;

        /// <summary>Skewness and kurtosis of a constant row (scipy: NaN). Default 0.</summary>
        public float ConstantRowMoment;

        internal Options Clone() => (Options)MemberwiseClone();

        internal FmaFeatureSettings ToSettings() => new()
        {
            SampleRate = SampleRate,
            FftSize = FftSize,
            HopLength = HopLength,
            ChromaSampleRate = ChromaSampleRate,
            ConstantRowMoment = ConstantRowMoment,
        };
    }

    private readonly Options _options;
    private readonly FmaFeatureVector _extractor;

    internal ExtractFmaFeaturesEstimator(IHostEnvironment env, Options options)
        : base(env)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = ExtractFmaFeaturesTransformer.Normalize(options);
        _extractor = ExtractFmaFeaturesTransformer.CreateExtractor(_options);
    }

    private protected override ExtractFmaFeaturesTransformer CreateTransformer(IHostEnvironment env) => new(env, _options, _extractor);

    /// <summary>Checks that the input is a known-size vector of Single and adds the output column (with slot names).</summary>
    public override SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return SchemaErrors.AppendSingleVector(inputSchema, _options.InputColumnName!, _options.OutputColumnName, slotNames: true);
    }
}

/// <summary>
/// Computes the FMA-style clip feature vector (<see cref="FmaFeatureVector"/>: 7 statistics of zcr, chroma_stft, rms,
/// spectral centroid, bandwidth, contrast, roll-off and 20 MFCCs, all from one STFT, librosa 0.11-exact) of a
/// fixed-length mono audio vector. Output: <c>Vector&lt;Single, 308&gt;</c> in FMA's <c>features.csv</c> column order,
/// with slot names (<see cref="FmaFeatureVector.SlotNames"/>). Immutable and safe for concurrent use.
/// </summary>
public sealed class ExtractFmaFeaturesTransformer : MelGenreTransformerBase
{
    internal const string LoaderSignatureValue = "MelGenre.FmaFeatures";
    private const int CurrentPayloadVersion = 1; // 1: initial (options as JSON)

    private static readonly DataViewSchema.Annotations SlotNameAnnotations = FeatureSchema.SlotNames(FmaFeatureVector.SlotNames);

    private readonly ExtractFmaFeaturesEstimator.Options _options;
    private readonly FmaFeatureVector _extractor;

    internal ExtractFmaFeaturesTransformer(IHostEnvironment env, ExtractFmaFeaturesEstimator.Options options, FmaFeatureVector extractor)
        : base(env, nameof(ExtractFmaFeaturesTransformer))
    {
        _options = options;
        _extractor = extractor;
    }

    /// <summary>Name of the output column.</summary>
    public string OutputColumnName => _options.OutputColumnName;

    /// <summary>Name of the input column.</summary>
    public string InputColumnName => _options.InputColumnName!;

    /// <summary>The settings in effect.</summary>
    public FmaFeatureSettings Settings => _extractor.Settings;

    private protected override string LoaderSignature => LoaderSignatureValue;

    private protected override int PayloadVersion => CurrentPayloadVersion;

    private protected override void SavePayload(BinaryWriter writer) => WriteJson(writer, _options);

    private static ExtractFmaFeaturesTransformer Create(IHostEnvironment env, object loadContext)
    {
        var reader = OpenPayload(loadContext, LoaderSignatureValue, CurrentPayloadVersion, out _);
        var options = Normalize(ReadJson<ExtractFmaFeaturesEstimator.Options>(reader, LoaderSignatureValue));
        return new ExtractFmaFeaturesTransformer(env, options, CreateExtractor(options));
    }

    internal static ExtractFmaFeaturesEstimator.Options Normalize(ExtractFmaFeaturesEstimator.Options options)
    {
        var copy = options.Clone();
        if (string.IsNullOrWhiteSpace(copy.OutputColumnName))
            throw new ArgumentException("Invalid ExtractFmaFeatures options: OutputColumnName must be a non-empty column name.", nameof(options));
        copy.InputColumnName ??= copy.OutputColumnName;
        return copy;
    }

    /// <summary>Builds (and so validates) the extractor.</summary>
    internal static FmaFeatureVector CreateExtractor(ExtractFmaFeaturesEstimator.Options options)
    {
        var settings = options.ToSettings();
        var errors = settings.Validate();
        if (errors.Count > 0)
            throw new ArgumentException("Invalid ExtractFmaFeatures options: " + string.Join("; ", errors) + ".", nameof(options));
        try
        {
            return new FmaFeatureVector(settings);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException("Invalid ExtractFmaFeatures options: " + ex.Message, nameof(options), ex);
        }
    }

    private protected override ColumnMapper CreateMapper(DataViewSchema inputSchema) => new Mapper(this, inputSchema);

    private sealed class Mapper : ColumnMapper
    {
        private readonly ExtractFmaFeaturesTransformer _parent;
        private readonly int _inputIndex;
        private readonly int _sampleCount;
        private readonly DataViewSchema.DetachedColumn[] _added;

        public Mapper(ExtractFmaFeaturesTransformer parent, DataViewSchema inputSchema)
            : base(inputSchema)
        {
            _parent = parent;
            string name = parent.InputColumnName;
            (_inputIndex, _sampleCount) = FeatureSchema.BindAudio(inputSchema, name, parent.Settings.SampleRate, "ExtractFmaFeatures");
            try
            {
                parent._extractor.GetFrameCount(_sampleCount);
            }
            catch (ArgumentException ex)
            {
                throw new ArgumentOutOfRangeException("inputSchema", $"Input column '{name}' has {_sampleCount} samples, too few for these settings: {ex.Message}");
            }

            var type = new VectorDataViewType(NumberDataViewType.Single, FmaFeatureVector.Length);
            _added = new[] { new DataViewSchema.DetachedColumn(parent.OutputColumnName, type, SlotNameAnnotations) };
        }

        public override IReadOnlyList<DataViewSchema.DetachedColumn> AddedColumns => _added;

        public override IEnumerable<int> GetDependencies(Func<int, bool> isAddedColumnActive)
            => isAddedColumnActive(0) ? new[] { _inputIndex } : Array.Empty<int>();

        public override RowComputation CreateComputation(DataViewRow input, Func<int, bool> isAddedColumnActive)
            => new VectorComputation(input, _inputIndex, _sampleCount, FmaFeatureVector.Length,
                (src, dst) => _parent._extractor.Compute(src, dst));
    }
}
