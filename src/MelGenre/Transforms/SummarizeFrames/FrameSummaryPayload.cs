using System.Collections.Generic;
using System.IO;
using MelGenre.Dsp;

namespace MelGenre.Transforms;

/// <summary>
/// Saved form of <see cref="SummarizeFramesTransformer"/>'s settings. Version 2: statistics, slot-name prefix, constant-row
/// moment. Version 1 (MelGenre 0.1.0): JSON.
/// </summary>
internal sealed class FrameSummaryPayload : ISettingsPayload<FrameSummarySettings>
{
    public static FrameSummaryPayload Instance { get; } = new();

    public IReadOnlyCollection<string> Version1Members { get; } = new[] { "Statistics", "SlotNamePrefix", "ConstantRowMoment" };

    public FrameSummarySettings ReadVersion1(LegacyJson j)
        => new() { Statistics = j.Enum<FrameStatistic>("Statistics"), SlotNamePrefix = j.String("SlotNamePrefix"), ConstantRowMoment = j.Single("ConstantRowMoment") };

    public void Write(BinaryWriter w, FrameSummarySettings s)
    {
        Payload.WriteEnum(w, s.Statistics);
        Payload.WriteNullable(w, s.SlotNamePrefix);
        w.Write(s.ConstantRowMoment);
    }

    public FrameSummarySettings Read(BinaryReader r)
        => new() { Statistics = Payload.ReadEnum<FrameStatistic>(r, SummarizeFramesTransformer.LoaderSignatureValue), SlotNamePrefix = Payload.ReadNullableString(r), ConstantRowMoment = r.ReadSingle() };

    public IReadOnlyList<string> Validate(FrameSummarySettings settings) => settings.Validate();
}
