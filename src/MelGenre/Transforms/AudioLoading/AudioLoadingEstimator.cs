using System;
using System.Collections.Generic;
using System.Globalization;
using MelGenre.Audio;
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
    /// <summary>
    /// Options of <see cref="AudioLoadingEstimator"/>: the columns, an <see cref="ExcerptSettings"/> record (rate, offset,
    /// duration) and what to do with short or bad files.
    /// </summary>
    public sealed class Options : ColumnTransformOptions<ExcerptSettings>
    {
        /// <summary>Output column "Audio", 30 s at 22,050 Hz.</summary>
        public Options()
            : base("Audio", ExcerptSettings.Default)
        {
        }

        /// <summary>Folder that relative paths are resolved against; null means the current directory.</summary>
        public string? BaseFolder { get; set; }

        /// <summary>What to do with audio shorter than the excerpt. Default: pad with zeros.</summary>
        public ShortAudioPolicy ShortAudio { get; set; } = ShortAudioPolicy.PadWithZeros;

        /// <summary>What to do with a file that cannot be used. Default: throw.</summary>
        public AudioErrorPolicy OnError { get; set; } = AudioErrorPolicy.Throw;

        /// <summary>Optional name of a text column that receives the reason a row failed (empty when it did not).</summary>
        public string? ErrorColumnName { get; set; }

        /// <summary>
        /// Which implementation decodes and resamples: <see cref="AudioBackend.Auto"/> (the default: native when libsndfile
        /// and libsoxr both load, otherwise managed), <see cref="AudioBackend.Native"/> or <see cref="AudioBackend.Managed"/>.
        /// The environment variable <c>MELGENRE_AUDIO_BACKEND</c> (native or managed) overrides it. A run-time choice: it is
        /// not saved with the model, so a loaded model decodes with <see cref="AudioBackend.Auto"/>.
        /// </summary>
        public AudioBackend Backend { get; set; } = AudioBackend.Auto;

        /// <summary>All configuration errors, each with the value and the rule.</summary>
        internal List<string> Validate()
        {
            var errors = new List<string>();
            OptionErrors.RequireColumnName(errors, nameof(OutputColumnName), OutputColumnName);
            if (InputColumnName is not null && InputColumnName.Length == 0)
                errors.Add("InputColumnName must be null (same as the output) or a non-empty column name");
            if (Settings is null)
                errors.Add("Settings must be set");
            else
                errors.AddRange(Settings.Validate());
            if (!Enum.IsDefined(ShortAudio))
                errors.Add($"ShortAudio must be PadWithZeros or Fail, got {(int)ShortAudio}");
            if (!Enum.IsDefined(OnError))
                errors.Add($"OnError must be Throw or EmitMissing, got {(int)OnError}");
            if (!Enum.IsDefined(Backend))
                errors.Add($"Backend must be Auto, Native or Managed, got {(int)Backend}");
            if (ErrorColumnName is not null && (ErrorColumnName.Length == 0 || ErrorColumnName == OutputColumnName))
                errors.Add($"ErrorColumnName must be null or a non-empty name different from OutputColumnName, got '{ErrorColumnName}'");
            return errors;
        }
    }

    // A snapshot of the caller's options (which stay the caller's to change).
    private readonly AudioLoadingTransformer.Config _options;

    internal AudioLoadingEstimator(IHostEnvironment env, Options options)
        : base(env)
    {
        ArgumentNullException.ThrowIfNull(options);
        OptionErrors.ThrowIfAny(AudioLoadingTransformer.Component + " options", options.Validate(), nameof(options));
        _options = new AudioLoadingTransformer.Config(options.OutputColumnName, options.InputColumnName ?? options.OutputColumnName, options.Settings,
            options.BaseFolder, options.ShortAudio, options.OnError, options.ErrorColumnName, options.Backend);
    }

    private protected override AudioLoadingTransformer CreateTransformer(IHostEnvironment env) => new(env, _options);

    /// <summary>Checks that the input column is text and adds the output (and error) columns.</summary>
    public override SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var input = SchemaErrors.Find(inputSchema, _options.InputColumnName);
        if (input.Kind != SchemaShape.Column.VectorKind.Scalar || input.ItemType is not TextDataViewType)
            throw SchemaErrors.Mismatch(_options.InputColumnName, TextDataViewType.Instance.ToString(), SchemaErrors.Describe(input));
        var added = new List<SchemaShape.Column>
        {
            Persistence.MlNetBridge.CreateColumn(_options.OutputColumnName, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false),
        };
        if (_options.ErrorColumnName is not null)
            added.Add(Persistence.MlNetBridge.CreateColumn(_options.ErrorColumnName, SchemaShape.Column.VectorKind.Scalar, TextDataViewType.Instance, false));
        return SchemaErrors.Append(inputSchema, added.ToArray());
    }
}
