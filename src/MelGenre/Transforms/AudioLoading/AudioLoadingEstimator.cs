using System;
using System.Collections.Generic;
using System.Globalization;
using MelGenre.Persistence;
using MelGenre.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace MelGenre.Transforms;

/// <summary>What <see cref="AudioLoadingTransformer"/> does with audio shorter than the requested duration.</summary>
public enum ShortAudioPolicy
{
    /// <summary>Pad the end with zeros (silence) up to the requested length. The default.</summary>
    PadWithZeros,

    /// <summary>Treat the file as failed; what happens then is decided by <see cref="AudioErrorPolicy"/>.</summary>
    Fail,
}

/// <summary>What <see cref="AudioLoadingTransformer"/> does when a file cannot be used.</summary>
public enum AudioErrorPolicy
{
    /// <summary>Throw an exception that names the file and the problem. The default.</summary>
    Throw,

    /// <summary>
    /// Keep going: the row's audio becomes a vector of NaN (ML.NET's missing value, which
    /// <c>mlContext.Data.FilterRowsByMissingValues</c> drops), the optional error column carries the reason,
    /// the failure is logged to <c>MLContext.Log</c> and listed in <see cref="AudioLoadingTransformer.Failures"/>.
    /// Made for long runs over thousands of files, some of them bad.
    /// </summary>
    EmitMissing,
}

/// <summary>
/// Estimator for <see cref="AudioLoadingTransformer"/>: reads the audio file named by a text column and
/// outputs a fixed-length vector of mono samples (<c>Vector&lt;Single, N&gt;</c>, N = duration × sample rate)
/// like <c>librosa.load(path, sr, mono=True, offset, duration)</c>. Created by
/// <see cref="MelGenreCatalog.LoadAudio(TransformsCatalog, string, string?, string?, int, double, double)"/>.
/// </summary>
public sealed class AudioLoadingEstimator : MelGenreEstimatorBase<AudioLoadingTransformer>
{
    /// <summary>Options of <see cref="AudioLoadingEstimator"/>.</summary>
    public sealed class Options
    {
        /// <summary>Name of the output column (mono samples). Required.</summary>
        public string OutputColumnName = "Audio";

        /// <summary>Name of the input text column holding file paths; null means <see cref="OutputColumnName"/>.</summary>
        public string? InputColumnName;

        /// <summary>Folder that relative paths are resolved against; null means the current directory.</summary>
        public string? BaseFolder;

        /// <summary>Output sample rate in Hz (1 to 768,000). Default 22,050, librosa's. Audio at another rate is resampled with libsoxr's high-quality recipe (librosa's default <c>soxr_hq</c>).</summary>
        public int SampleRate = 22050;

        /// <summary>Start of the excerpt in seconds (>= 0). Default 0.</summary>
        public double OffsetSeconds;

        /// <summary>Length of the excerpt in seconds (> 0). Default 30. The output has <c>floor(DurationSeconds × SampleRate)</c> samples.</summary>
        public double DurationSeconds = 30;

        /// <summary>What to do with audio shorter than the excerpt. Default: pad with zeros.</summary>
        public ShortAudioPolicy ShortAudio = ShortAudioPolicy.PadWithZeros;

        /// <summary>What to do with a file that cannot be used. Default: throw.</summary>
        public AudioErrorPolicy OnError = AudioErrorPolicy.Throw;

        /// <summary>Optional name of a text column that receives the reason a row failed (empty when it did not).</summary>
        public string? ErrorColumnName;

        internal Options Clone() => (Options)MemberwiseClone();

        /// <summary>Number of samples in the output vector.</summary>
        internal int SampleCount => (int)Math.Floor(DurationSeconds * SampleRate);

        /// <summary>All configuration errors, each with the value and the rule.</summary>
        internal List<string> Validate()
        {
            var errors = new List<string>();
            if (string.IsNullOrWhiteSpace(OutputColumnName))
                errors.Add("OutputColumnName must be a non-empty column name");
            if (InputColumnName is not null && InputColumnName.Length == 0)
                errors.Add("InputColumnName must be null (same as the output) or a non-empty column name");
            if (SampleRate < 1 || SampleRate > 768_000)
                errors.Add($"SampleRate must be between 1 and 768000 Hz, got {SampleRate}");
            if (!double.IsFinite(OffsetSeconds) || OffsetSeconds < 0)
                errors.Add($"OffsetSeconds must be a finite number >= 0, got {OffsetSeconds.ToString(CultureInfo.InvariantCulture)}");
            if (!double.IsFinite(DurationSeconds) || DurationSeconds <= 0)
                errors.Add($"DurationSeconds must be a finite number > 0, got {DurationSeconds.ToString(CultureInfo.InvariantCulture)}");
            else if (SampleRate >= 1)
            {
                double n = Math.Floor(DurationSeconds * SampleRate);
                if (n < 1)
                    errors.Add($"DurationSeconds x SampleRate must give at least one sample, got {DurationSeconds.ToString(CultureInfo.InvariantCulture)} s x {SampleRate} Hz");
                else if (n > int.MaxValue / 2)
                    errors.Add($"DurationSeconds x SampleRate must be at most {int.MaxValue / 2} samples, got {n.ToString(CultureInfo.InvariantCulture)}");
            }
            if (!Enum.IsDefined(ShortAudio))
                errors.Add($"ShortAudio must be PadWithZeros or Fail, got {(int)ShortAudio}");
            if (!Enum.IsDefined(OnError))
                errors.Add($"OnError must be Throw or EmitMissing, got {(int)OnError}");
            if (ErrorColumnName is not null && (ErrorColumnName.Length == 0 || ErrorColumnName == OutputColumnName))
                errors.Add($"ErrorColumnName must be null or a non-empty name different from OutputColumnName, got '{ErrorColumnName}'");
            return errors;
        }
    }

    private readonly Options _options;

    internal AudioLoadingEstimator(IHostEnvironment env, Options options)
        : base(env)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Clone();
        _options.InputColumnName ??= _options.OutputColumnName;
        AudioLoadingTransformer.ThrowIfInvalid(_options);
    }

    private protected override AudioLoadingTransformer CreateTransformer(IHostEnvironment env) => new(env, _options);

    /// <summary>Checks that the input column is text and adds the output (and error) columns.</summary>
    public override SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var input = SchemaErrors.Find(inputSchema, _options.InputColumnName!);
        if (input.Kind != SchemaShape.Column.VectorKind.Scalar || input.ItemType is not TextDataViewType)
            throw SchemaErrors.Mismatch(_options.InputColumnName!, TextDataViewType.Instance.ToString(), SchemaErrors.Describe(input));
        var added = new List<SchemaShape.Column>
        {
            Persistence.MlNetBridge.CreateColumn(_options.OutputColumnName, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false),
        };
        if (_options.ErrorColumnName is not null)
            added.Add(Persistence.MlNetBridge.CreateColumn(_options.ErrorColumnName, SchemaShape.Column.VectorKind.Scalar, TextDataViewType.Instance, false));
        return SchemaErrors.Append(inputSchema, added.ToArray());
    }
}
