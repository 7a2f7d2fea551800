using System.Collections.Generic;
using System.IO;
using MelGenre.Dsp;

namespace MelGenre.Transforms;

/// <summary>Saved form of <see cref="ExtractMfccTransformer"/>'s settings. Version 2: n_mfcc, norm, lifter. Version 1 (MelGenre 0.1.0): JSON.</summary>
internal sealed class MfccPayload : ISettingsPayload<MfccSettings>
{
    public static MfccPayload Instance { get; } = new();

    public IReadOnlyCollection<string> Version1Members { get; } = new[] { "MfccCount", "Normalization", "Lifter" };

    public MfccSettings ReadVersion1(LegacyJson j)
        => new() { MfccCount = j.Int32("MfccCount"), Normalization = j.Enum<DctNormalization>("Normalization"), Lifter = j.Single("Lifter") };

    public void Write(BinaryWriter w, MfccSettings s)
    {
        w.Write(s.MfccCount);
        Payload.WriteEnum(w, s.Normalization);
        w.Write(s.Lifter);
    }

    public MfccSettings Read(BinaryReader r)
        => new() { MfccCount = r.ReadInt32(), Normalization = Payload.ReadEnum<DctNormalization>(r, ExtractMfccTransformer.LoaderSignatureValue), Lifter = r.ReadSingle() };

    public IReadOnlyList<string> Validate(MfccSettings settings) => settings.Validate();
}
