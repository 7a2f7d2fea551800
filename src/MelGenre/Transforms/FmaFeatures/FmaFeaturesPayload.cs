using System.Collections.Generic;
using System.IO;
using MelGenre.Dsp;

namespace MelGenre.Transforms;

/// <summary>
/// Saved form of <see cref="ExtractFmaFeaturesTransformer"/>'s settings. Version 2: sr, n_fft, hop, chroma sr?, constant-row
/// moment, include-CQT flag. Version 1 (MelGenre 0.1.0): JSON.
/// </summary>
internal sealed class FmaFeaturesPayload : ISettingsPayload<FmaFeatureSettings>
{
    public static FmaFeaturesPayload Instance { get; } = new();

    public IReadOnlyCollection<string> Version1Members { get; } = new[] { "SampleRate", "FftSize", "HopLength", "ChromaSampleRate", "ConstantRowMoment" };

    public FmaFeatureSettings ReadVersion1(LegacyJson j) => new()
    {
        SampleRate = j.Int32("SampleRate"), FftSize = j.Int32("FftSize"), HopLength = j.Int32("HopLength"),
        ChromaSampleRate = j.NullableInt32("ChromaSampleRate"), ConstantRowMoment = j.Single("ConstantRowMoment"),
    };

    public void Write(BinaryWriter w, FmaFeatureSettings s)
    {
        w.Write(s.SampleRate);
        w.Write(s.FftSize);
        w.Write(s.HopLength);
        Payload.WriteNullable(w, s.ChromaSampleRate);
        w.Write(s.ConstantRowMoment);
        w.Write(s.IncludeCqt);
    }

    public FmaFeatureSettings Read(BinaryReader r) => new()
    {
        SampleRate = r.ReadInt32(), FftSize = r.ReadInt32(), HopLength = r.ReadInt32(), ChromaSampleRate = Payload.ReadNullableInt32(r), ConstantRowMoment = r.ReadSingle(),
        IncludeCqt = r.ReadBoolean(),
    };

    public IReadOnlyList<string> Validate(FmaFeatureSettings settings) => settings.Validate();
}
