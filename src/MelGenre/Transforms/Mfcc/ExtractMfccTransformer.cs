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
/// Estimator for <see cref="ExtractMfccTransformer"/>: <c>librosa.feature.mfcc(S=dB)</c> of a decibel mel spectrogram
/// (<c>Vector&lt;Single, nMels, nFrames&gt;</c>, as <c>ExtractMelSpectrogram</c> + <c>ConvertToDecibels</c> give), output as
/// <c>Vector&lt;Single, nMfcc, nFrames&gt;</c>. Created by <c>mlContext.Transforms.ExtractMfcc(...)</c>.
/// </summary>
public sealed class ExtractMfccEstimator : MelGenreEstimatorBase<ExtractMfccTransformer>
{
    /// <summary>Options of <see cref="ExtractMfccEstimator"/>; defaults are librosa 0.11's (and FMA's n_mfcc = 20).</summary>
    public sealed class Options
    {
        /// <summary>Name of the output column. Required.</summary>
        public string OutputColumnName = "Mfcc";

        /// <summary>Name of the input column (a dB mel spectrogram, <c>Vector&lt;Single, nMels, nFrames&gt;</c>); null means <see cref="OutputColumnName"/>.</summary>
        public string? InputColumnName;

        /// <summary>Number of coefficients kept (n_mfcc), between 1 and the number of mel bands. Default 20.</summary>
        public int MfccCount = 20;

        /// <summary>DCT normalisation (norm). Default orthonormal. The DCT is always type 2 (librosa's default dct_type).</summary>
        public DctNormalization Normalization = DctNormalization.Ortho;

        /// <summary>Sinusoidal liftering (lifter), >= 0; 0 (default) disables it.</summary>
        public float Lifter;

        internal Options Clone() => (Options)MemberwiseClone();

        internal List<string> Validate()
        {
            var errors = new List<string>();
            if (string.IsNullOrWhiteSpace(OutputColumnName))
                errors.Add("OutputColumnName must be a non-empty column name");
            if (MfccCount < 1)
                errors.Add($"MfccCount (n_mfcc) must be a positive integer, got {MfccCount}");
            if (!Enum.IsDefined(Normalization))
                errors.Add($"Normalization (norm) must be Ortho or None, got {(int)Normalization}");
            if (!(Lifter >= 0) || !float.IsFinite(Lifter))
                errors.Add($"Lifter must be a non-negative number, got {Lifter.ToString(CultureInfo.InvariantCulture)}");
            return errors;
        }
    }

    private readonly Options _options;

    internal ExtractMfccEstimator(IHostEnvironment env, Options options)
        : base(env)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = ExtractMfccTransformer.Normalize(options);
    }

    private protected override ExtractMfccTransformer CreateTransformer(IHostEnvironment env) => new(env, _options);

    /// <summary>Checks that the input is a known-size vector of Single and adds the output column.</summary>
    public override SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return SchemaErrors.AppendSingleVector(inputSchema, _options.InputColumnName!, _options.OutputColumnName);
    }
}

/// <summary>
/// Computes MFCCs exactly like <c>librosa.feature.mfcc(S=dB, n_mfcc, dct_type=2, norm, lifter)</c>: a DCT-II of every
/// frame of a dB mel spectrogram along the mel axis, the first n_mfcc coefficients, optional liftering. Output:
/// <c>Vector&lt;Single, MfccCount, nFrames&gt;</c>, row-major <c>[coefficient, frame]</c>. Immutable and safe for concurrent use.
/// </summary>
public sealed class ExtractMfccTransformer : MelGenreTransformerBase
{
    internal const string LoaderSignatureValue = "MelGenre.Mfcc";
    private const int CurrentPayloadVersion = 1; // 1: initial (options as JSON)

    private readonly ExtractMfccEstimator.Options _options;

    internal ExtractMfccTransformer(IHostEnvironment env, ExtractMfccEstimator.Options options)
        : base(env, nameof(ExtractMfccTransformer))
    {
        _options = Normalize(options);
    }

    /// <summary>Name of the output column.</summary>
    public string OutputColumnName => _options.OutputColumnName;

    /// <summary>Name of the input column.</summary>
    public string InputColumnName => _options.InputColumnName!;

    /// <summary>Number of coefficients (n_mfcc).</summary>
    public int MfccCount => _options.MfccCount;

    /// <summary>DCT normalisation.</summary>
    public DctNormalization Normalization => _options.Normalization;

    /// <summary>Liftering coefficient (0: none).</summary>
    public float Lifter => _options.Lifter;

    private protected override string LoaderSignature => LoaderSignatureValue;

    private protected override int PayloadVersion => CurrentPayloadVersion;

    private protected override void SavePayload(BinaryWriter writer) => WriteJson(writer, _options);

    private static ExtractMfccTransformer Create(IHostEnvironment env, object loadContext)
    {
        var reader = OpenPayload(loadContext, LoaderSignatureValue, CurrentPayloadVersion, out _);
        return new ExtractMfccTransformer(env, ReadJson<ExtractMfccEstimator.Options>(reader, LoaderSignatureValue));
    }

    internal static ExtractMfccEstimator.Options Normalize(ExtractMfccEstimator.Options options)
    {
        var copy = options.Clone();
        var errors = copy.Validate();
        if (errors.Count > 0)
            throw new ArgumentException("Invalid ExtractMfcc options: " + string.Join("; ", errors) + ".", nameof(options));
        copy.InputColumnName ??= copy.OutputColumnName;
        return copy;
    }

    private protected override ColumnMapper CreateMapper(DataViewSchema inputSchema) => new Mapper(this, inputSchema);

    private sealed class Mapper : ColumnMapper
    {
        private readonly int _inputIndex;
        private readonly int _frames;
        private readonly int _inputSize;
        private readonly MfccTransform _dct;
        private readonly DataViewSchema.DetachedColumn[] _added;

        public Mapper(ExtractMfccTransformer parent, DataViewSchema inputSchema)
            : base(inputSchema)
        {
            string name = parent.InputColumnName;
            var (index, mels, frames) = FeatureSchema.BindMatrix(inputSchema, name, "Vector<Single, nMels, nFrames> (a dB mel spectrogram)");
            if (inputSchema[index].Type is VectorDataViewType { Dimensions.Length: 1 })
                throw SchemaErrors.Mismatch(name, "Vector<Single, nMels, nFrames> (a dB mel spectrogram)", inputSchema[index].Type.ToString()!);
            if (parent.MfccCount > mels)
            {
                throw new ArgumentOutOfRangeException("inputSchema",
                    $"Input column '{name}' has {mels} mel bands, fewer than MfccCount = {parent.MfccCount}; n_mfcc must be at most n_mels");
            }

            _inputIndex = index;
            _frames = frames;
            _inputSize = mels * frames;
            _dct = new MfccTransform(mels, parent.MfccCount, parent.Normalization, parent.Lifter);
            var type = new VectorDataViewType(NumberDataViewType.Single, parent.MfccCount, frames);
            _added = new[] { new DataViewSchema.DetachedColumn(parent.OutputColumnName, type) };
        }

        public override IReadOnlyList<DataViewSchema.DetachedColumn> AddedColumns => _added;

        public override IEnumerable<int> GetDependencies(Func<int, bool> isAddedColumnActive)
            => isAddedColumnActive(0) ? new[] { _inputIndex } : Array.Empty<int>();

        public override RowComputation CreateComputation(DataViewRow input, Func<int, bool> isAddedColumnActive)
            => new VectorComputation(input, _inputIndex, _inputSize, ((VectorDataViewType)_added[0].Type).Size,
                (src, dst) => _dct.Compute(src, dst, _frames));
    }
}
