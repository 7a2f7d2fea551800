using System;
using System.Collections.Generic;
using System.IO;
using MelGenre.Dsp;
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
public sealed class ExtractSpectralFeatureEstimator : VectorEstimatorBase<ExtractSpectralFeatureTransformer>
{
    /// <summary>Options of <see cref="ExtractSpectralFeatureEstimator"/>: the columns, the feature and a <see cref="SpectralFeatureSettings"/> record (librosa's defaults).</summary>
    public sealed class Options : ColumnTransformOptions<SpectralFeatureSettings>
    {
        /// <summary>Output column "Spectral", the spectral centroid, librosa's defaults.</summary>
        public Options()
            : base("Spectral", new SpectralFeatureSettings())
        {
        }

        /// <summary>Which feature to compute. Default the spectral centroid.</summary>
        public SpectralFeature Feature { get; set; } = SpectralFeature.Centroid;
    }

    private readonly SpectralFeature _feature;
    private readonly SpectralFeatures _kernel;

    internal ExtractSpectralFeatureEstimator(IHostEnvironment env, Options options)
        : this(env, Check(options), options.Feature, options.Settings)
    {
    }

    private ExtractSpectralFeatureEstimator(IHostEnvironment env, (string Output, string Input) columns, SpectralFeature feature, SpectralFeatureSettings settings)
        : base(env, columns.Output, columns.Input, slotNames: false)
    {
        _feature = feature;
        _kernel = new SpectralFeatures(settings);
    }

    private static (string, string) Check(Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>(options.Settings?.Validate() ?? Array.Empty<string>());
        if (!Enum.IsDefined(options.Feature))
            errors.Add($"Feature must be one of {string.Join(", ", Enum.GetNames<SpectralFeature>())}, got {(int)options.Feature}");
        return Columns(options, ExtractSpectralFeatureTransformer.Component, errors);
    }

    private protected override ExtractSpectralFeatureTransformer CreateTransformer(IHostEnvironment env) => new(env, OutputColumnName, InputColumnName, _feature, _kernel);
}

/// <summary>
/// Computes one of FMA's frame-wise features (<see cref="SpectralFeature"/>) of a fixed-length mono audio vector exactly
/// like librosa 0.11. Output: <c>Vector&lt;Single, rows, nFrames&gt;</c>, row-major <c>[row, frame]</c> (librosa's
/// layout), with frames = 1 + samples / hop_length when centred. Immutable and safe for concurrent use.
/// </summary>
public sealed class ExtractSpectralFeatureTransformer : VectorTransformerBase
{
    internal const string LoaderSignatureValue = "MelGenre.SpectralFeature";
    internal const string Component = "ExtractSpectralFeature";

    // Payload history: 1 = MelGenre 0.1.0, the options as JSON; 2 = MelGenre 0.2.0, explicit fields (feature, then the settings in declaration order).
    private const int CurrentPayloadVersion = 2;

    private readonly SpectralFeatures _kernel;

    internal ExtractSpectralFeatureTransformer(IHostEnvironment env, string output, string input, SpectralFeature feature, SpectralFeatures kernel)
        : base(env, nameof(ExtractSpectralFeatureTransformer), output, input)
    {
        Feature = feature;
        _kernel = kernel;
    }

    /// <summary>The feature computed.</summary>
    public SpectralFeature Feature { get; }

    /// <summary>The feature settings in effect.</summary>
    public SpectralFeatureSettings Settings => _kernel.Settings;

    private protected override string LoaderSignature => LoaderSignatureValue;

    private protected override int PayloadVersion => CurrentPayloadVersion;

    private protected override void SaveSettings(BinaryWriter w)
    {
        var s = Settings;
        Payload.WriteEnum(w, Feature);
        w.Write(s.SampleRate);
        w.Write(s.FftSize);
        w.Write(s.HopLength);
        Payload.WriteEnum(w, s.Window);
        w.Write(s.Center);
        Payload.WriteEnum(w, s.PadMode);
        Payload.WriteNullable(w, s.ChromaSampleRate);
        w.Write(s.ChromaCount);
        Payload.WriteNullable(w, s.ChromaTuning);
        w.Write(s.ContrastBands);
        w.Write(s.ContrastMinFrequency);
        w.Write(s.ContrastQuantile);
        w.Write(s.RolloffPercent);
    }

    private static ExtractSpectralFeatureTransformer Create(IHostEnvironment env, object loadContext)
    {
        const string c = LoaderSignatureValue;
        var r = OpenPayload(loadContext, c, CurrentPayloadVersion, out int version);
        string output, input;
        SpectralFeature feature;
        SpectralFeatureSettings settings;
        if (version == 1)
        {
            var j = Payload.ReadLegacyJson(r, c, new[]
            {
                "OutputColumnName", "InputColumnName", "Feature", "SampleRate", "FftSize", "HopLength", "Window", "Center", "PadMode",
                "ChromaSampleRate", "ChromaCount", "ChromaTuning", "ContrastBands", "ContrastMinFrequency", "ContrastQuantile", "RolloffPercent",
            });
            output = j.RequiredString("OutputColumnName");
            input = j.String("InputColumnName") ?? output;
            feature = j.Enum<SpectralFeature>("Feature");
            settings = new SpectralFeatureSettings
            {
                SampleRate = j.Int32("SampleRate"), FftSize = j.Int32("FftSize"), HopLength = j.Int32("HopLength"), Window = j.Enum<WindowType>("Window"),
                Center = j.Boolean("Center"), PadMode = j.Enum<PadMode>("PadMode"), ChromaSampleRate = j.NullableInt32("ChromaSampleRate"),
                ChromaCount = j.Int32("ChromaCount"), ChromaTuning = j.NullableSingle("ChromaTuning"), ContrastBands = j.Int32("ContrastBands"),
                ContrastMinFrequency = j.Single("ContrastMinFrequency"), ContrastQuantile = j.Single("ContrastQuantile"), RolloffPercent = j.Single("RolloffPercent"),
            };
        }
        else
        {
            (output, input) = ReadColumns(r);
            feature = Payload.ReadEnum<SpectralFeature>(r, c);
            settings = new SpectralFeatureSettings
            {
                SampleRate = r.ReadInt32(), FftSize = r.ReadInt32(), HopLength = r.ReadInt32(), Window = Payload.ReadEnum<WindowType>(r, c),
                Center = r.ReadBoolean(), PadMode = Payload.ReadEnum<PadMode>(r, c), ChromaSampleRate = Payload.ReadNullableInt32(r),
                ChromaCount = r.ReadInt32(), ChromaTuning = Payload.ReadNullableSingle(r), ContrastBands = r.ReadInt32(),
                ContrastMinFrequency = r.ReadSingle(), ContrastQuantile = r.ReadSingle(), RolloffPercent = r.ReadSingle(),
            };
        }

        var errors = settings.Validate();
        if (errors.Count > 0)
            throw new InvalidDataException($"The saved {c} component has invalid settings: {string.Join("; ", errors)}.");
        return new ExtractSpectralFeatureTransformer(env, output, input, feature, new SpectralFeatures(settings));
    }

    private protected override VectorBinding Bind(DataViewSchema inputSchema)
    {
        var (_, samples) = FeatureSchema.BindAudio(inputSchema, InputColumnName, Settings.SampleRate, Component);
        int frames = FeatureSchema.FrameCount(InputColumnName, samples, _kernel.GetFrameCount);
        var feature = Feature;
        return new VectorBinding(samples, new VectorDataViewType(NumberDataViewType.Single, _kernel.RowCount(feature), frames),
            () => (src, dst) => _kernel.Compute(feature, src, dst));
    }
}
