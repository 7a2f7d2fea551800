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
/// Estimator for <see cref="MelSpectrogramTransformer"/>: <c>librosa.feature.melspectrogram</c>
/// of a fixed-length mono audio vector, output as <c>Vector&lt;Single, nMels, nFrames&gt;</c> laid out like
/// librosa's <c>S[mel, frame]</c>. Created by <c>mlContext.Transforms.ExtractMelSpectrogram(...)</c>.
/// </summary>
public sealed class MelSpectrogramEstimator : MelGenreEstimatorBase<MelSpectrogramTransformer>
{
    /// <summary>Options of <see cref="MelSpectrogramEstimator"/>; defaults are librosa 0.11's.</summary>
    public sealed class Options
    {
        /// <summary>Name of the output column. Required.</summary>
        public string OutputColumnName = "Mel";

        /// <summary>Name of the input column (a known-size vector of Single samples); null means <see cref="OutputColumnName"/>.</summary>
        public string? InputColumnName;

        /// <summary>Sample rate of the input in Hz (sr). Default 22,050. When the input column has a
        /// <c>SampleRate</c> annotation (as LoadAudio's output has), it must agree.</summary>
        public int SampleRate = 22050;

        /// <summary>FFT size (n_fft). Default 2,048.</summary>
        public int FftSize = 2048;

        /// <summary>Hop between frames in samples (hop_length). Default 512.</summary>
        public int HopLength = 512;

        /// <summary>Window length (win_length), at most <see cref="FftSize"/>; null means <see cref="FftSize"/>.</summary>
        public int? WindowLength;

        /// <summary>Window function (window). Default Hann.</summary>
        public WindowType Window = WindowType.Hann;

        /// <summary>Centre frames on their time stamps by padding the signal by n_fft/2 on both sides (center). Default true.</summary>
        public bool Center = true;

        /// <summary>How the signal is padded when <see cref="Center"/> is true (pad_mode). Default constant (zeros), as librosa >= 0.9; the original work (librosa &lt; 0.9) used reflect.</summary>
        public PadMode PadMode = PadMode.Constant;

        /// <summary>Exponent of the magnitude (power): 2 = power, 1 = magnitude. Default 2.</summary>
        public float Power = 2f;

        /// <summary>Number of mel bands (n_mels). Default 128.</summary>
        public int MelCount = 128;

        /// <summary>Lowest frequency in Hz (fmin). Default 0.</summary>
        public float MinFrequency;

        /// <summary>Highest frequency in Hz (fmax); null means SampleRate / 2.</summary>
        public float? MaxFrequency;

        /// <summary>Use the HTK mel formula instead of Slaney's (htk). Default false.</summary>
        public bool Htk;

        /// <summary>Filter normalisation (norm). Default Slaney (area normalisation).</summary>
        public MelNormalization Normalization = MelNormalization.Slaney;

        internal Options Clone() => (Options)MemberwiseClone();

        internal MelSpectrogramSettings ToSettings() => new()
        {
            SampleRate = SampleRate,
            FftSize = FftSize,
            HopLength = HopLength,
            WindowLength = WindowLength,
            Window = Window,
            Center = Center,
            PadMode = PadMode,
            Power = Power,
            MelCount = MelCount,
            MinFrequency = MinFrequency,
            MaxFrequency = MaxFrequency,
            Htk = Htk,
            Normalization = Normalization,
        };
    }

    private readonly Options _options;
    private readonly MelSpectrogram _extractor;

    internal MelSpectrogramEstimator(IHostEnvironment env, Options options)
        : base(env)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = MelSpectrogramTransformer.Normalize(options);
        _extractor = MelSpectrogramTransformer.CreateExtractor(env, _options);
    }

    private protected override MelSpectrogramTransformer CreateTransformer(IHostEnvironment env) => new(env, _options, _extractor);

    /// <summary>Checks that the input is a known-size vector of Single and adds the output column.</summary>
    public override SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return SchemaErrors.AppendSingleVector(inputSchema, _options.InputColumnName!, _options.OutputColumnName);
    }
}

/// <summary>
/// Computes librosa-compatible mel power spectrograms of a fixed-length audio vector. Output:
/// <c>Vector&lt;Single, MelCount, FrameCount&gt;</c>, row-major <c>[mel, frame]</c> (librosa's layout).
/// Immutable and safe for concurrent use.
/// </summary>
public sealed class MelSpectrogramTransformer : MelGenreTransformerBase
{
    internal const string LoaderSignatureValue = "MelGenre.MelSpectrogram";
    private const int CurrentPayloadVersion = 1; // 1: initial (options as JSON)

    private readonly MelSpectrogramEstimator.Options _options;
    private readonly MelSpectrogram _extractor;

    internal MelSpectrogramTransformer(IHostEnvironment env, MelSpectrogramEstimator.Options options, MelSpectrogram extractor)
        : base(env, nameof(MelSpectrogramTransformer))
    {
        _options = options;
        _extractor = extractor;
    }

    /// <summary>Name of the output column.</summary>
    public string OutputColumnName => _options.OutputColumnName;

    /// <summary>Name of the input column.</summary>
    public string InputColumnName => _options.InputColumnName!;

    /// <summary>The spectrogram settings in effect.</summary>
    public MelSpectrogramSettings Settings => _extractor.Settings;

    /// <summary>Warnings about legal but degenerate settings (for example empty mel filters).</summary>
    public IReadOnlyList<string> Warnings => _extractor.Warnings;

    private protected override string LoaderSignature => LoaderSignatureValue;

    private protected override int PayloadVersion => CurrentPayloadVersion;

    private protected override void SavePayload(BinaryWriter writer) => WriteJson(writer, _options);

    private static MelSpectrogramTransformer Create(IHostEnvironment env, object loadContext)
    {
        var reader = OpenPayload(loadContext, LoaderSignatureValue, CurrentPayloadVersion, out _);
        var options = Normalize(ReadJson<MelSpectrogramEstimator.Options>(reader, LoaderSignatureValue));
        return new MelSpectrogramTransformer(env, options, CreateExtractor(env, options));
    }

    internal static MelSpectrogramEstimator.Options Normalize(MelSpectrogramEstimator.Options options)
    {
        var copy = options.Clone();
        if (string.IsNullOrWhiteSpace(copy.OutputColumnName))
            throw new ArgumentException("Invalid ExtractMelSpectrogram options: OutputColumnName must be a non-empty column name.", nameof(options));
        copy.InputColumnName ??= copy.OutputColumnName;
        return copy;
    }

    /// <summary>Builds (and so validates) the extractor; warnings go to the MLContext log.</summary>
    internal static MelSpectrogram CreateExtractor(IHostEnvironment env, MelSpectrogramEstimator.Options options)
    {
        var settings = options.ToSettings();
        var errors = settings.Validate();
        if (errors.Count > 0)
            throw new ArgumentException("Invalid ExtractMelSpectrogram options: " + string.Join("; ", errors) + ".", nameof(options));
        var extractor = new MelSpectrogram(settings);
        if (extractor.Warnings.Count > 0)
        {
            var host = env.Register(nameof(MelSpectrogramTransformer));
            using var ch = host.Start("Settings");
            foreach (var warning in extractor.Warnings)
                ch.Warning(MessageSensitivity.None, "{0}", warning);
        }
        return extractor;
    }

    private protected override ColumnMapper CreateMapper(DataViewSchema inputSchema) => new Mapper(this, inputSchema);

    private sealed class Mapper : ColumnMapper
    {
        private readonly MelSpectrogramTransformer _parent;
        private readonly int _inputIndex;
        private readonly int _sampleCount;
        private readonly DataViewSchema.DetachedColumn[] _added;

        public Mapper(MelSpectrogramTransformer parent, DataViewSchema inputSchema)
            : base(inputSchema)
        {
            _parent = parent;
            string name = parent.InputColumnName;
            var input = SchemaErrors.Find(inputSchema, name);
            if (input.Type is not VectorDataViewType vec || vec.ItemType != NumberDataViewType.Single || !vec.IsKnownSize)
                throw SchemaErrors.Mismatch(name, "known-size Vector<Single>", input.Type.ToString()!);
            if (vec.Dimensions.Length != 1)
                throw SchemaErrors.Mismatch(name, $"Vector<Single, N> (one dimension: mono samples)", input.Type.ToString()!);
            int? annotatedRate = ReadSampleRate(input);
            if (annotatedRate is int rate && rate != parent.Settings.SampleRate)
            {
                throw new ArgumentOutOfRangeException("inputSchema",
                    $"Schema mismatch for input column '{name}': its audio is at {rate} Hz ({AudioLoadingTransformer.SampleRateAnnotation} annotation) but ExtractMelSpectrogram is configured for SampleRate = {parent.Settings.SampleRate} Hz");
            }
            _inputIndex = input.Index;
            _sampleCount = vec.Size;
            int frames;
            try
            {
                frames = parent._extractor.GetFrameCount(_sampleCount);
            }
            catch (ArgumentException ex)
            {
                throw new ArgumentOutOfRangeException("inputSchema", $"Input column '{name}' has {_sampleCount} samples, too few for these settings: {ex.Message}");
            }
            var type = new VectorDataViewType(NumberDataViewType.Single, parent.Settings.MelCount, frames);
            _added = new[] { new DataViewSchema.DetachedColumn(parent.OutputColumnName, type) };
        }

        private static int? ReadSampleRate(DataViewSchema.Column column)
        {
            var ann = column.Annotations.Schema.GetColumnOrNull(AudioLoadingTransformer.SampleRateAnnotation);
            if (ann is null || ann.Value.Type != NumberDataViewType.Int32)
                return null;
            int value = 0;
            column.Annotations.GetValue(AudioLoadingTransformer.SampleRateAnnotation, ref value);
            return value;
        }

        public override IReadOnlyList<DataViewSchema.DetachedColumn> AddedColumns => _added;

        public override IEnumerable<int> GetDependencies(Func<int, bool> isAddedColumnActive)
            => isAddedColumnActive(0) ? new[] { _inputIndex } : Array.Empty<int>();

        public override RowComputation CreateComputation(DataViewRow input, Func<int, bool> isAddedColumnActive)
            => new VectorComputation(input, _inputIndex, _sampleCount, ((VectorDataViewType)_added[0].Type).Size,
                (src, dst) => _parent._extractor.Compute(src, dst));
    }
}
