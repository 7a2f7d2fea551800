using System.Collections.Generic;
using System.IO;
using MelGenre.Dsp;

namespace MelGenre.Transforms;

/// <summary>
/// Saved form of <see cref="ExtractSpectralFeatureTransformer"/>'s feature and settings. Version 2: feature, sr, n_fft, hop,
/// window, center, pad_mode, chroma sr?, n_chroma, tuning?, contrast bands, contrast fmin, quantile, roll percent.
/// Version 1 (MelGenre 0.1.0): JSON.
/// </summary>
internal sealed class SpectralFeaturePayload : ISettingsPayload<(SpectralFeature Feature, SpectralFeatureSettings Settings)>
{
    private const string C = ExtractSpectralFeatureTransformer.LoaderSignatureValue;

    public static SpectralFeaturePayload Instance { get; } = new();

    public IReadOnlyCollection<string> Version1Members { get; } = new[]
    {
        "Feature", "SampleRate", "FftSize", "HopLength", "Window", "Center", "PadMode", "ChromaSampleRate", "ChromaCount", "ChromaTuning",
        "ContrastBands", "ContrastMinFrequency", "ContrastQuantile", "RolloffPercent",
    };

    public (SpectralFeature Feature, SpectralFeatureSettings Settings) ReadVersion1(LegacyJson j) => (j.Enum<SpectralFeature>("Feature"), new SpectralFeatureSettings
    {
        SampleRate = j.Int32("SampleRate"), FftSize = j.Int32("FftSize"), HopLength = j.Int32("HopLength"), Window = j.Enum<WindowType>("Window"),
        Center = j.Boolean("Center"), PadMode = j.Enum<PadMode>("PadMode"), ChromaSampleRate = j.NullableInt32("ChromaSampleRate"),
        ChromaCount = j.Int32("ChromaCount"), ChromaTuning = j.NullableSingle("ChromaTuning"), ContrastBands = j.Int32("ContrastBands"),
        ContrastMinFrequency = j.Single("ContrastMinFrequency"), ContrastQuantile = j.Single("ContrastQuantile"), RolloffPercent = j.Single("RolloffPercent"),
    });

    public void Write(BinaryWriter w, (SpectralFeature Feature, SpectralFeatureSettings Settings) value)
    {
        var s = value.Settings;
        Payload.WriteEnum(w, value.Feature);
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

    public (SpectralFeature Feature, SpectralFeatureSettings Settings) Read(BinaryReader r) => (Payload.ReadEnum<SpectralFeature>(r, C), new SpectralFeatureSettings
    {
        SampleRate = r.ReadInt32(), FftSize = r.ReadInt32(), HopLength = r.ReadInt32(), Window = Payload.ReadEnum<WindowType>(r, C),
        Center = r.ReadBoolean(), PadMode = Payload.ReadEnum<PadMode>(r, C), ChromaSampleRate = Payload.ReadNullableInt32(r),
        ChromaCount = r.ReadInt32(), ChromaTuning = Payload.ReadNullableSingle(r), ContrastBands = r.ReadInt32(),
        ContrastMinFrequency = r.ReadSingle(), ContrastQuantile = r.ReadSingle(), RolloffPercent = r.ReadSingle(),
    });

    public IReadOnlyList<string> Validate((SpectralFeature Feature, SpectralFeatureSettings Settings) value)
        => ExtractSpectralFeatureTransformer.Validate(value.Feature, value.Settings);
}
