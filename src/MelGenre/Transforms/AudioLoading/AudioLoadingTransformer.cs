using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using MelGenre.Audio;
using MelGenre.Persistence;
using MelGenre.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace MelGenre.Transforms;

/// <summary>A file that <see cref="AudioLoadingTransformer"/> could not use, and why.</summary>
/// <param name="Path">The resolved path of the file.</param>
/// <param name="Reason">What went wrong, in words.</param>
public sealed record AudioLoadFailure(string Path, string Reason);

/// <summary>
/// Reads audio files named by a text column into fixed-length mono sample vectors
/// (<c>Vector&lt;Single, N&gt;</c>), decoding and resampling in process with libsndfile + libsoxr or managed code
/// (see <see cref="AudioBackend"/>).
/// The output column carries the annotation <c>SampleRate</c> (Int32) so that downstream transforms
/// can check they were configured for the same rate. Immutable and safe for concurrent use.
/// </summary>
public sealed class AudioLoadingTransformer : MelGenreTransformerBase
{
    internal const string LoaderSignatureValue = "MelGenre.LoadAudio";
    // Payload history: 1 = MelGenre 0.1.0, the options as JSON; 2 = MelGenre 0.2.0, explicit fields (see SavePayload).
    private const int CurrentPayloadVersion = 2;

    /// <summary>Name of the Int32 annotation carrying the sample rate of an audio column.</summary>
    public const string SampleRateAnnotation = "SampleRate";

    internal const string Component = "LoadAudio";

    /// <summary>Everything a LoadAudio transformer is configured with (validated by the estimator or the loader).</summary>
    internal sealed record Config(string OutputColumnName, string InputColumnName, ExcerptSettings Settings, string? BaseFolder,
        ShortAudioPolicy ShortAudio, AudioErrorPolicy OnError, string? ErrorColumnName, AudioBackend Backend = AudioBackend.Auto);

    // Backends already announced, per MLContext (the environment the transformer was created in): "once per MLContext".
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<IHostEnvironment, ConcurrentDictionary<string, bool>> Announced = new();

    private readonly Config _options;
    private readonly ConcurrentDictionary<string, AudioLoadFailure> _failures = new();
    private readonly ConcurrentDictionary<string, bool> _announced;

    internal AudioLoadingTransformer(IHostEnvironment env, Config config)
        : base(env, nameof(AudioLoadingTransformer))
    {
        _options = config;
        _announced = Announced.GetValue(env, _ => new ConcurrentDictionary<string, bool>(StringComparer.Ordinal));
    }

    /// <summary>
    /// The backend asked for (<see cref="AudioBackend.Auto"/> for a loaded model: the backend is a run-time choice and
    /// is not saved). Which one really decodes is logged once per MLContext as an ML.NET info message.
    /// </summary>
    public AudioBackend Backend => _options.Backend;

    /// <summary>Resolves <see cref="Backend"/> and, the first time this MLContext sees that choice, logs it.</summary>
    private AudioBackend ResolveBackend()
    {
        AudioBackendChoice choice = AudioBackendSelector.Resolve(_options.Backend);
        string message = choice.Message;
        if (_announced.TryAdd(message, true))
        {
            using var ch = Host.Start(nameof(AudioLoadingTransformer));
            ch.Info(MessageSensitivity.None, "LoadAudio: {0}", message);
        }
        return choice.Backend;
    }

    /// <summary>Name of the output column.</summary>
    public string OutputColumnName => _options.OutputColumnName;

    /// <summary>Name of the input (path) column.</summary>
    public string InputColumnName => _options.InputColumnName;

    /// <summary>Folder relative paths are resolved against (null: the current directory).</summary>
    public string? BaseFolder => _options.BaseFolder;

    /// <summary>Output sample rate in Hz.</summary>
    public int SampleRate => _options.Settings.SampleRate;

    /// <summary>Excerpt start in seconds.</summary>
    public double OffsetSeconds => _options.Settings.OffsetSeconds;

    /// <summary>Excerpt length in seconds.</summary>
    public double DurationSeconds => _options.Settings.DurationSeconds;

    /// <summary>Number of samples per output vector.</summary>
    public int SampleCount => _options.Settings.SampleCount;

    /// <summary>Policy for audio shorter than the excerpt.</summary>
    public ShortAudioPolicy ShortAudio => _options.ShortAudio;

    /// <summary>Policy for files that cannot be used.</summary>
    public AudioErrorPolicy OnError => _options.OnError;

    /// <summary>Name of the optional error column.</summary>
    public string? ErrorColumnName => _options.ErrorColumnName;

    /// <summary>
    /// Files that failed so far under <see cref="AudioErrorPolicy.EmitMissing"/> (one entry per file, sorted by path).
    /// </summary>
    public IReadOnlyList<AudioLoadFailure> Failures => _failures.Values.OrderBy(f => f.Path, StringComparer.Ordinal).ToArray();

    private protected override string LoaderSignature => LoaderSignatureValue;

    private protected override int PayloadVersion => CurrentPayloadVersion;

    /// <summary>The excerpt in effect (rate, offset, duration).</summary>
    public ExcerptSettings Settings => _options.Settings;

    // Version 2 fields, after the header: output, input, base folder?, sr, offset, duration, short-audio policy, error policy, error column?.
    private protected override void SavePayload(BinaryWriter writer)
    {
        writer.Write(_options.OutputColumnName);
        writer.Write(_options.InputColumnName);
        Payload.WriteNullable(writer, _options.BaseFolder);
        writer.Write(_options.Settings.SampleRate);
        writer.Write(_options.Settings.OffsetSeconds);
        writer.Write(_options.Settings.DurationSeconds);
        Payload.WriteEnum(writer, _options.ShortAudio);
        Payload.WriteEnum(writer, _options.OnError);
        Payload.WriteNullable(writer, _options.ErrorColumnName);
    }

    private static AudioLoadingTransformer Create(IHostEnvironment env, object loadContext)
    {
        const string c = LoaderSignatureValue;
        var r = OpenPayload(loadContext, c, CurrentPayloadVersion, out int version);
        var o = new AudioLoadingEstimator.Options();
        if (version == 1)
        {
            var j = Payload.ReadLegacyJson(r, c, new[]
            {
                "OutputColumnName", "InputColumnName", "BaseFolder", "SampleRate", "OffsetSeconds", "DurationSeconds", "ShortAudio", "OnError", "ErrorColumnName",
            });
            o.OutputColumnName = j.RequiredString("OutputColumnName");
            o.InputColumnName = j.String("InputColumnName");
            o.BaseFolder = j.String("BaseFolder");
            o.Settings = new ExcerptSettings { SampleRate = j.Int32("SampleRate"), OffsetSeconds = j.Double("OffsetSeconds"), DurationSeconds = j.Double("DurationSeconds") };
            o.ShortAudio = j.Enum<ShortAudioPolicy>("ShortAudio");
            o.OnError = j.Enum<AudioErrorPolicy>("OnError");
            o.ErrorColumnName = j.String("ErrorColumnName");
        }
        else
        {
            o.OutputColumnName = r.ReadString();
            o.InputColumnName = r.ReadString();
            o.BaseFolder = Payload.ReadNullableString(r);
            o.Settings = new ExcerptSettings { SampleRate = r.ReadInt32(), OffsetSeconds = r.ReadDouble(), DurationSeconds = r.ReadDouble() };
            o.ShortAudio = Payload.ReadEnum<ShortAudioPolicy>(r, c);
            o.OnError = Payload.ReadEnum<AudioErrorPolicy>(r, c);
            o.ErrorColumnName = Payload.ReadNullableString(r);
        }

        var errors = o.Validate();
        if (errors.Count > 0)
            throw new InvalidDataException($"The saved {c} component has invalid settings: {string.Join("; ", errors)}.");
        return new AudioLoadingTransformer(env, new Config(o.OutputColumnName, o.InputColumnName ?? o.OutputColumnName, o.Settings, o.BaseFolder, o.ShortAudio, o.OnError, o.ErrorColumnName));
    }

    private protected override ColumnMapper CreateMapper(DataViewSchema inputSchema) => new Mapper(this, inputSchema);

    /// <summary>Resolves a path from the input column against <see cref="BaseFolder"/>.</summary>
    internal string ResolvePath(string path)
        => _options.BaseFolder is null || Path.IsPathRooted(path) ? path : Path.Combine(_options.BaseFolder, path);

    /// <summary>
    /// Loads one file into <paramref name="destination"/> (length <see cref="SampleCount"/>). Returns null on success,
    /// or the failure reason under <see cref="AudioErrorPolicy.EmitMissing"/> (destination is then NaN).
    /// </summary>
    internal string? LoadInto(string rawPath, long row, Span<float> destination)
    {
        string path = rawPath.Length == 0 ? rawPath : ResolvePath(rawPath);
        string? failure;
        try
        {
            failure = TryLoad(path, row, destination);
        }
        catch (Exception ex) when (_options.OnError == AudioErrorPolicy.EmitMissing && ex is IOException or UnauthorizedAccessException or ArgumentException or InvalidDataException)
        {
            failure = ex.Message;
        }
        if (failure is null)
            return null;
        if (_options.OnError == AudioErrorPolicy.Throw)
            throw new InvalidDataException(failure);
        destination.Fill(float.NaN);
        var entry = new AudioLoadFailure(path, failure);
        if (_failures.TryAdd(path.Length == 0 ? $"<empty path, row {row}>" : path, entry))
        {
            using var ch = Host.Start(nameof(AudioLoadingTransformer));
            ch.Warning(MessageSensitivity.UserData, "LoadAudio skipped a file (its row gets missing values): {0}", failure);
        }
        return failure;
    }

    // Returns a failure message for problems found here (empty path, short audio); decoder errors propagate as exceptions.
    private string? TryLoad(string path, long row, Span<float> destination)
    {
        if (path.Length == 0)
            return $"Row {row} of column '{InputColumnName}' has an empty path.";
        float[] samples = AudioDecoder.LoadMono(path, _options.Settings.SampleRate, _options.Settings.OffsetSeconds, _options.Settings.DurationSeconds, ResolveBackend());
        int n = destination.Length;
        if (samples.Length >= n)
        {
            samples.AsSpan(0, n).CopyTo(destination);
            return null;
        }
        if (_options.ShortAudio == ShortAudioPolicy.Fail)
        {
            return string.Format(CultureInfo.InvariantCulture,
                "'{0}' is too short: {1:0.###} s of audio from offset {2:0.###} s, {3:0.###} s requested (ShortAudio = Fail).",
                path, samples.Length / (double)_options.Settings.SampleRate, _options.Settings.OffsetSeconds, _options.Settings.DurationSeconds);
        }
        samples.CopyTo(destination);
        destination[samples.Length..].Clear();
        return null;
    }

    private sealed class Mapper : ColumnMapper
    {
        private readonly AudioLoadingTransformer _parent;
        private readonly int _inputIndex;
        private readonly DataViewSchema.DetachedColumn[] _added;

        public Mapper(AudioLoadingTransformer parent, DataViewSchema inputSchema)
            : base(inputSchema)
        {
            _parent = parent;
            var input = SchemaErrors.Find(inputSchema, parent.InputColumnName);
            if (input.Type is not TextDataViewType)
                throw SchemaErrors.Mismatch(parent.InputColumnName, TextDataViewType.Instance.ToString(), input.Type.ToString()!);
            _inputIndex = input.Index;

            var annotations = new DataViewSchema.Annotations.Builder();
            int rate = parent.SampleRate;
            annotations.Add(SampleRateAnnotation, NumberDataViewType.Int32, (ValueGetter<int>)((ref int value) => value = rate));
            var added = new List<DataViewSchema.DetachedColumn>
            {
                new(parent.OutputColumnName, new VectorDataViewType(NumberDataViewType.Single, parent.SampleCount), annotations.ToAnnotations()),
            };
            if (parent.ErrorColumnName is not null)
                added.Add(new DataViewSchema.DetachedColumn(parent.ErrorColumnName, TextDataViewType.Instance));
            _added = added.ToArray();
        }

        public override IReadOnlyList<DataViewSchema.DetachedColumn> AddedColumns => _added;

        public override IEnumerable<int> GetDependencies(Func<int, bool> isAddedColumnActive)
        {
            for (int i = 0; i < _added.Length; i++)
            {
                if (isAddedColumnActive(i))
                    return new[] { _inputIndex };
            }
            return Array.Empty<int>();
        }

        public override RowComputation CreateComputation(DataViewRow input, Func<int, bool> isAddedColumnActive)
            => new Computation(_parent, input, _inputIndex, isAddedColumnActive);
    }

    private sealed class Computation : RowComputation
    {
        private readonly AudioLoadingTransformer _parent;
        private readonly DataViewRow _input;
        private readonly ValueGetter<ReadOnlyMemory<char>>? _pathGetter;
        private readonly float[] _samples;
        private ReadOnlyMemory<char> _path;
        private string _error = "";
        private long _position = -1;

        public Computation(AudioLoadingTransformer parent, DataViewRow input, int inputIndex, Func<int, bool> isActive)
        {
            _parent = parent;
            _input = input;
            bool any = isActive(0) || (parent.ErrorColumnName is not null && isActive(1));
            _pathGetter = any ? input.GetGetter<ReadOnlyMemory<char>>(input.Schema[inputIndex]) : null;
            _samples = any ? new float[parent.SampleCount] : Array.Empty<float>();
        }

        private void Ensure()
        {
            if (_position == _input.Position)
                return;
            _pathGetter!(ref _path);
            _error = _parent.LoadInto(_path.ToString().Trim(), _input.Position, _samples) ?? "";
            _position = _input.Position;
        }

        public override Delegate GetGetter(int addedIndex)
        {
            if (addedIndex == 0)
            {
                return (ValueGetter<VBuffer<float>>)((ref VBuffer<float> dst) =>
                {
                    Ensure();
                    var editor = VBufferEditor.Create(ref dst, _samples.Length);
                    _samples.CopyTo(editor.Values);
                    dst = editor.Commit();
                });
            }
            return (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> dst) =>
            {
                Ensure();
                dst = _error.AsMemory();
            });
        }
    }
}
