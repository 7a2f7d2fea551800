using System.Collections.Generic;
using System.IO;
using MelGenre.Dsp;

namespace MelGenre.Transforms;

/// <summary>
/// Saved form of <see cref="MelSpectrogramTransformer"/>'s settings. Version 2: sr, n_fft, hop_length, win_length?, window,
/// center, pad_mode, power, n_mels, fmin, fmax?, htk, norm. Version 1 (MelGenre 0.1.0): the estimator options as JSON.
/// </summary>
internal sealed class MelSpectrogramPayload : ISettingsPayload<MelSpectrogramSettings>
{
    private const string C = MelSpectrogramTransformer.LoaderSignatureValue;

    public static MelSpectrogramPayload Instance { get; } = new();

    public IReadOnlyCollection<string> Version1Members { get; } = new[]
    {
        "SampleRate", "FftSize", "HopLength", "WindowLength", "Window", "Center", "PadMode", "Power", "MelCount", "MinFrequency", "MaxFrequency", "Htk", "Normalization",
    };

    public MelSpectrogramSettings ReadVersion1(LegacyJson j) => new()
    {
        SampleRate = j.Int32("SampleRate"), FftSize = j.Int32("FftSize"), HopLength = j.Int32("HopLength"),
        WindowLength = j.NullableInt32("WindowLength"), Window = j.Enum<WindowType>("Window"), Center = j.Boolean("Center"),
        PadMode = j.Enum<PadMode>("PadMode"), Power = j.Single("Power"), MelCount = j.Int32("MelCount"),
        MinFrequency = j.Single("MinFrequency"), MaxFrequency = j.NullableSingle("MaxFrequency"), Htk = j.Boolean("Htk"),
        Normalization = j.Enum<MelNormalization>("Normalization"),
    };

    public void Write(BinaryWriter w, MelSpectrogramSettings s)
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

    public MelSpectrogramSettings Read(BinaryReader r) => new()
    {
        SampleRate = r.ReadInt32(), FftSize = r.ReadInt32(), HopLength = r.ReadInt32(), WindowLength = Payload.ReadNullableInt32(r),
        Window = Payload.ReadEnum<WindowType>(r, C), Center = r.ReadBoolean(), PadMode = Payload.ReadEnum<PadMode>(r, C),
        Power = r.ReadSingle(), MelCount = r.ReadInt32(), MinFrequency = r.ReadSingle(), MaxFrequency = Payload.ReadNullableSingle(r),
        Htk = r.ReadBoolean(), Normalization = Payload.ReadEnum<MelNormalization>(r, C),
    };

    public IReadOnlyList<string> Validate(MelSpectrogramSettings settings) => settings.Validate();
}
