using System.Collections.Generic;
using System.IO;
using MelGenre.Dsp;

namespace MelGenre.Transforms;

/// <summary>
/// Saved form of <see cref="LogPowerTransformer"/>'s settings. Version 2: reference, ref value, amin, top_db?, scale.
/// Version 1 (MelGenre 0.1.0): the estimator options as JSON.
/// </summary>
internal sealed class LogPowerPayload : ISettingsPayload<DecibelSettings>
{
    private const string C = LogPowerTransformer.LoaderSignatureValue;

    public static LogPowerPayload Instance { get; } = new();

    public IReadOnlyCollection<string> Version1Members { get; } = new[] { "Reference", "ReferenceValue", "MinimumPower", "TopDecibels", "Scale" };

    public DecibelSettings ReadVersion1(LegacyJson j) => new()
    {
        Reference = j.Enum<DecibelReference>("Reference"), ReferenceValue = j.Single("ReferenceValue"), MinimumPower = j.Single("MinimumPower"),
        TopDecibels = j.NullableSingle("TopDecibels"), Scale = j.Enum<DecibelScale>("Scale"),
    };

    public void Write(BinaryWriter w, DecibelSettings s)
    {
        Payload.WriteEnum(w, s.Reference);
        w.Write(s.ReferenceValue);
        w.Write(s.MinimumPower);
        Payload.WriteNullable(w, s.TopDecibels);
        Payload.WriteEnum(w, s.Scale);
    }

    public DecibelSettings Read(BinaryReader r) => new()
    {
        Reference = Payload.ReadEnum<DecibelReference>(r, C), ReferenceValue = r.ReadSingle(), MinimumPower = r.ReadSingle(),
        TopDecibels = Payload.ReadNullableSingle(r), Scale = Payload.ReadEnum<DecibelScale>(r, C),
    };

    public IReadOnlyList<string> Validate(DecibelSettings settings) => settings.Validate();
}
