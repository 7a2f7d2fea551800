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
public sealed class ExtractSpectralFeatureEstimator : MelGenreEstimatorBase<ExtractSpectralFeatureTransformer>
{
    /// <summary>Options of <see cref="ExtractSpectralFeatureEstimator"/>; defaults are librosa 0.11's.</summary>
    public sealed class Options
    {
        /// <summary>Name of the output column. Required.</summary>
        public string OutputColumnName = "Spectral";

        /// <summary>Name of the input column (a known-size vector of mono samples); null means <see cref="OutputColumnName"/>.</summary>
        public string? InputColumnName;

        /// <summary>The feature to compute. Default <see cref="SpectralFeature.Centroid"/>.</summary>
        public SpectralFeature Feature = SpectralFeature.Centroid;

        /// <summary>Sample rate of the input in Hz (sr); must agree with the input's <c>SampleRate</c> annotation if it has one. Default 22,050.</summary>
        public int SampleRate = 22050;

        /// <summary>FFT size (n_fft; also the zero-crossing frame_length). Default 2,048.</summary>
        public int FftSize = 2048;

        /// <summary>Hop between frames (hop_length). Default 512.</summary>
        public int HopLength = 512;

        /// <summary>STFT window. Default Hann.</summary>
        public WindowType Window = WindowType.Hann;

        /// <summary>Centre frames (center). Default true.</summary>
        public bool Center = true;

        /// <summary>STFT padding when centred (pad_mode). Default constant (zeros).</summary>
        public PadMode PadMode = PadMode.Constant;

        /// <summary>The sr given to chroma_stft; null (default) means <see cref="SampleRate"/>. FMA's code leaves it at librosa's 22050.</summary>
        public int? ChromaSampleRate;

        /// <summary>Number of chroma bins (n_chroma). Default 12.</summary>
        public int ChromaCount = 12;

        /// <summary>Chroma tuning in fractions of a bin, in [-0.5, 0.5); null (default) estimates it per clip.</summary>
        public float? ChromaTuning;

        /// <summary>Octave bands of the spectral contrast (n_bands); the output has one more row. Default 6.</summary>
        public int ContrastBands = 6;

        /// <summary>Upper edge of the contrast's first band in Hz (fmin). Default 200.</summary>
        public float ContrastMinFrequency = 200f;

        /// <summary>Quantile defining the contrast's peaks and valleys (quantile). Default 0.02.</summary>
        public float ContrastQuantile = 0.02f;

        /// <summary>Roll-off fraction (roll_percent). Default 0.85.</summary>
        public float RolloffPercent = 0.85f;

        internal Options Clone() => (Options)MemberwiseClone();

        internal SpectralFeatureSettings ToSettings() => new()
        {
            SampleRate = SampleRate,
            FftSize = FftSize,
            HopLength = HopLength,
            Window = Window,
            Center = Center,
            PadMode = PadMode,
            ChromaSampleRate = ChromaSampleRate,
            ChromaCount = ChromaCount,
            ChromaTuning = ChromaTuning,
            ContrastBands = ContrastBands,
            ContrastMinFrequency = ContrastMinFrequency,
            ContrastQuantile = ContrastQuantile,
            RolloffPercent = RolloffPercent,
        };
    }

    private readonly Options _options;
    private readonly SpectralFeatures _extractor;

    internal ExtractSpectralFeatureEstimator(IHostEnvironment env, Options options)
        : base(env)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = ExtractSpectralFeatureTransformer.Normalize(options);
        _extractor = ExtractSpectralFeatureTransformer.CreateExtractor(_options);
    }

    private protected override ExtractSpectralFeatureTransformer CreateTransformer(IHostEnvironment env) => new(env, _options, _extractor);

    /// <summary>Checks that the input is a known-size vector of Single and adds the output column.</summary>
    public override SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return SchemaErrors.AppendSingleVector(inputSchema, _options.InputColumnName!, _options.OutputColumnName);
    }
}

/// <summary>
/// Computes one of FMA's frame-wise features (<see cref="SpectralFeature"/>) of a fixed-length mono audio vector exactly
/// like librosa 0.11. Output: <c>Vector&lt;Single, rows, nFrames&gt;</c>, row-major <c>[row, frame]</c> (librosa's
/// layout), with frames = 1 + samples / hop_length when centred. Immutable and safe for concurrent use.
/// </summary>
public sealed class ExtractSpectralFeatureTransformer : MelGenreTransformerBase
{
    internal const string LoaderSignatureValue = "MelGenre.SpectralFeature";
    private const int CurrentPayloadVersion = 1; // 1: initial (options as JSON)

    private readonly ExtractSpectralFeatureEstimator.Options _options;
    private readonly SpectralFeatures _extractor;

    internal ExtractSpectralFeatureTransformer(IHostEnvironment env, ExtractSpectralFeatureEstimator.Options options, SpectralFeatures extractor)
        : base(env, nameof(ExtractSpectralFeatureTransformer))
    {
        _options = options;
        _extractor = extractor;
    }

    /// <summary>Name of the output column.</summary>
    public string OutputColumnName => _options.OutputColumnName;

    /// <summary>Name of the input column.</summary>
    public string InputColumnName => _options.InputColumnName!;

    /// <summary>The feature computed.</summary>
    public SpectralFeature Feature => _options.Feature;

    /// <summary>The feature settings in effect.</summary>
    public SpectralFeatureSettings Settings => _extractor.Settings;

    private protected override string LoaderSignature => LoaderSignatureValue;

    private protected override int PayloadVersion => CurrentPayloadVersion;

    private protected override void SavePayload(BinaryWriter writer) => WriteJson(writer, _options);

    private static ExtractSpectralFeatureTransformer Create(IHostEnvironment env, object loadContext)
    {
        var reader = OpenPayload(loadContext, LoaderSignatureValue, CurrentPayloadVersion, out _);
        var options = Normalize(ReadJson<ExtractSpectralFeatureEstimator.Options>(reader, LoaderSignatureValue));
        return new ExtractSpectralFeatureTransformer(env, options, CreateExtractor(options));
    }

    internal static ExtractSpectralFeatureEstimator.Options Normalize(ExtractSpectralFeatureEstimator.Options options)
    {
        var copy = options.Clone();
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(copy.OutputColumnName))
            errors.Add("OutputColumnName must be a non-empty column name");
        if (!Enum.IsDefined(copy.Feature))
            errors.Add($"Feature must be a SpectralFeature, got {(int)copy.Feature}");
        if (errors.Count > 0)
            throw new ArgumentException("Invalid ExtractSpectralFeature options: " + string.Join("; ", errors) + ".", nameof(options));
        copy.InputColumnName ??= copy.OutputColumnName;
        return copy;
    }

    /// <summary>Builds (and so validates) the extractor.</summary>
    internal static SpectralFeatures CreateExtractor(ExtractSpectralFeatureEstimator.Options options)
    {
        var settings = options.ToSettings();
        var errors = settings.Validate();
        if (errors.Count > 0)
            throw new ArgumentException("Invalid ExtractSpectralFeature options: " + string.Join("; ", errors) + ".", nameof(options));
        try
        {
            return new SpectralFeatures(settings);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException("Invalid ExtractSpectralFeature options: " + ex.Message, nameof(options), ex);
        }
    }

    private protected override ColumnMapper CreateMapper(DataViewSchema inputSchema) => new Mapper(this, inputSchema);

    private sealed class Mapper : ColumnMapper
    {
        private readonly ExtractSpectralFeatureTransformer _parent;
        private readonly int _inputIndex;
        private readonly int _sampleCount;
        private readonly DataViewSchema.DetachedColumn[] _added;

        public Mapper(ExtractSpectralFeatureTransformer parent, DataViewSchema inputSchema)
            : base(inputSchema)
        {
            _parent = parent;
            string name = parent.InputColumnName;
            (_inputIndex, _sampleCount) = FeatureSchema.BindAudio(inputSchema, name, parent.Settings.SampleRate, "ExtractSpectralFeature");
            int frames;
            try
            {
                frames = parent._extractor.GetFrameCount(_sampleCount);
            }
            catch (ArgumentException ex)
            {
                throw new ArgumentOutOfRangeException("inputSchema", $"Input column '{name}' has {_sampleCount} samples, too few for these settings: {ex.Message}");
            }

            var type = new VectorDataViewType(NumberDataViewType.Single, parent._extractor.RowCount(parent.Feature), frames);
            _added = new[] { new DataViewSchema.DetachedColumn(parent.OutputColumnName, type) };
        }

        public override IReadOnlyList<DataViewSchema.DetachedColumn> AddedColumns => _added;

        public override IEnumerable<int> GetDependencies(Func<int, bool> isAddedColumnActive)
            => isAddedColumnActive(0) ? new[] { _inputIndex } : Array.Empty<int>();

        public override RowComputation CreateComputation(DataViewRow input, Func<int, bool> isAddedColumnActive)
            => new VectorComputation(input, _inputIndex, _sampleCount, ((VectorDataViewType)_added[0].Type).Size,
                (src, dst) => _parent._extractor.Compute(_parent.Feature, src, dst));
    }
}
