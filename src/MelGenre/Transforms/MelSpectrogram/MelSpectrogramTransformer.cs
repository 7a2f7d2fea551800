using System;
using System.Collections.Generic;
using System.IO;
using MelGenre.Dsp;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace MelGenre.Transforms;

/// <summary>
/// Estimator of the design's MelSpectrogramTransform (<see cref="MelSpectrogramTransformer"/>):
/// <c>librosa.feature.melspectrogram</c> of a fixed-length mono audio vector, output as
/// <c>Vector&lt;Single, nMels, nFrames&gt;</c> laid out like librosa's <c>S[mel, frame]</c>.
/// Created by <c>mlContext.Transforms.ExtractMelSpectrogram(...)</c>.
/// </summary>
public sealed class MelSpectrogramEstimator : VectorEstimatorBase<MelSpectrogramTransformer>
{
    /// <summary>
    /// Options of <see cref="MelSpectrogramEstimator"/>: the columns and a <see cref="MelSpectrogramSettings"/> record
    /// (librosa 0.11's defaults). Its <see cref="MelSpectrogramSettings.SampleRate"/> must agree with the input column's
    /// <c>SampleRate</c> annotation when it has one (as LoadAudio's output has).
    /// </summary>
    public sealed class Options : ColumnTransformOptions<MelSpectrogramSettings>
    {
        /// <summary>Output column "Mel", librosa's defaults.</summary>
        public Options()
            : base("Mel", MelSpectrogramSettings.Default)
        {
        }
    }

    private readonly MelSpectrogramSettings _settings;
    private readonly Dsp.MelSpectrogram _kernel;

    internal MelSpectrogramEstimator(IHostEnvironment env, Options options)
        : this(env, Check(options), options.Settings)
    {
    }

    private MelSpectrogramEstimator(IHostEnvironment env, (string Output, string Input) columns, MelSpectrogramSettings settings)
        : base(env, columns.Output, columns.Input, slotNames: false)
    {
        _settings = settings;
        _kernel = MelSpectrogramTransformer.CreateKernel(env, settings);
    }

    private static (string, string) Check(Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Columns(options, MelSpectrogramTransformer.Component, options.Settings?.Validate() ?? Array.Empty<string>());
    }

    private protected override MelSpectrogramTransformer CreateTransformer(IHostEnvironment env) => new(env, OutputColumnName, InputColumnName, _settings, _kernel);
}

/// <summary>
/// The design's MelSpectrogramTransform: librosa-exact mel power spectrograms of a fixed-length audio vector. Output
/// <c>Vector&lt;Single, MelCount, FrameCount&gt;</c>, row-major <c>[mel, frame]</c> (librosa's layout). Immutable and
/// safe for concurrent use.
/// </summary>
public sealed class MelSpectrogramTransformer : VectorTransformerBase
{
    internal const string LoaderSignatureValue = "MelGenre.MelSpectrogram";
    internal const string Component = "ExtractMelSpectrogram";

    // Payload history: 1 = MelGenre 0.1.0, the options as JSON; 2 = MelGenre 0.2.0, explicit fields (MelSpectrogramPayload).
    private const int CurrentPayloadVersion = 2;

    private readonly Dsp.MelSpectrogram _kernel;

    internal MelSpectrogramTransformer(IHostEnvironment env, string output, string input, MelSpectrogramSettings settings, Dsp.MelSpectrogram kernel)
        : base(env, nameof(MelSpectrogramTransformer), output, input)
    {
        Settings = settings;
        _kernel = kernel;
    }

    /// <summary>The spectrogram settings in effect.</summary>
    public MelSpectrogramSettings Settings { get; }

    /// <summary>Warnings about legal but degenerate settings (for example empty mel filters).</summary>
    public IReadOnlyList<string> Warnings => _kernel.Warnings;

    private protected override string LoaderSignature => LoaderSignatureValue;

    private protected override int PayloadVersion => CurrentPayloadVersion;

    private protected override void SaveSettings(BinaryWriter writer) => MelSpectrogramPayload.Write(writer, Settings);

    private static MelSpectrogramTransformer Create(IHostEnvironment env, object loadContext)
    {
        var reader = OpenPayload(loadContext, LoaderSignatureValue, CurrentPayloadVersion, out int version);
        var (output, input, settings) = MelSpectrogramPayload.Read(reader, version);
        var errors = settings.Validate();
        if (errors.Count > 0)
            throw new InvalidDataException($"The saved {LoaderSignatureValue} component has invalid settings: {string.Join("; ", errors)}.");
        return new MelSpectrogramTransformer(env, output, input, settings, CreateKernel(env, settings));
    }

    /// <summary>Builds the DSP kernel (the settings are valid); its warnings go to the MLContext log.</summary>
    internal static Dsp.MelSpectrogram CreateKernel(IHostEnvironment env, MelSpectrogramSettings settings)
    {
        var kernel = new Dsp.MelSpectrogram(settings);
        LogWarnings(env, nameof(MelSpectrogramTransformer), kernel.Warnings);
        return kernel;
    }

    private protected override VectorBinding Bind(DataViewSchema inputSchema)
    {
        var (_, samples) = FeatureSchema.BindAudio(inputSchema, InputColumnName, Settings.SampleRate, Component);
        int frames = FeatureSchema.FrameCount(InputColumnName, samples, _kernel.GetFrameCount);
        return new VectorBinding(samples, new VectorDataViewType(NumberDataViewType.Single, Settings.MelCount, frames), () => _kernel.Compute);
    }
}

/// <summary>
/// Saved form of <see cref="MelSpectrogramTransformer"/>. Version 2 (after the header and the column names): sr, n_fft,
/// hop_length, win_length?, window, center, pad_mode, power, n_mels, fmin, fmax?, htk, norm. Version 1 (MelGenre 0.1.0):
/// the estimator options as JSON, upgraded here.
/// </summary>
internal static class MelSpectrogramPayload
{
    public static void Write(BinaryWriter w, MelSpectrogramSettings s)
    {
        w.Write(s.SampleRate);
        w.Write(s.FftSize);
        w.Write(s.HopLength);
        Payload.WriteNullable(w, s.WindowLength);
        Payload.WriteEnum(w, s.Window);
        w.Write(s.Center);
        Payload.WriteEnum(w, s.PadMode);
        w.Write(s.Power);
        w.Write(s.MelCount);
        w.Write(s.MinFrequency);
        Payload.WriteNullable(w, s.MaxFrequency);
        w.Write(s.Htk);
        Payload.WriteEnum(w, s.Normalization);
    }

    public static (string Output, string Input, MelSpectrogramSettings Settings) Read(BinaryReader r, int version)
    {
        const string c = MelSpectrogramTransformer.LoaderSignatureValue;
        if (version == 1)
        {
            var j = Payload.ReadLegacyJson(r, c, new[]
            {
                "OutputColumnName", "InputColumnName", "SampleRate", "FftSize", "HopLength", "WindowLength", "Window", "Center", "PadMode",
                "Power", "MelCount", "MinFrequency", "MaxFrequency", "Htk", "Normalization",
            });
            string output = j.RequiredString("OutputColumnName");
            return (output, j.String("InputColumnName") ?? output, new MelSpectrogramSettings
            {
                SampleRate = j.Int32("SampleRate"), FftSize = j.Int32("FftSize"), HopLength = j.Int32("HopLength"),
                WindowLength = j.NullableInt32("WindowLength"), Window = j.Enum<WindowType>("Window"), Center = j.Boolean("Center"),
                PadMode = j.Enum<PadMode>("PadMode"), Power = j.Single("Power"), MelCount = j.Int32("MelCount"),
                MinFrequency = j.Single("MinFrequency"), MaxFrequency = j.NullableSingle("MaxFrequency"), Htk = j.Boolean("Htk"),
                Normalization = j.Enum<MelNormalization>("Normalization"),
            });
        }

        var (o, i) = (r.ReadString(), r.ReadString());
        return (o, i, new MelSpectrogramSettings
        {
            SampleRate = r.ReadInt32(), FftSize = r.ReadInt32(), HopLength = r.ReadInt32(), WindowLength = Payload.ReadNullableInt32(r),
            Window = Payload.ReadEnum<WindowType>(r, c), Center = r.ReadBoolean(), PadMode = Payload.ReadEnum<PadMode>(r, c),
            Power = r.ReadSingle(), MelCount = r.ReadInt32(), MinFrequency = r.ReadSingle(), MaxFrequency = Payload.ReadNullableSingle(r),
            Htk = r.ReadBoolean(), Normalization = Payload.ReadEnum<MelNormalization>(r, c),
        });
    }
}
