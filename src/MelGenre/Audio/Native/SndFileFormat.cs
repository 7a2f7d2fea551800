
namespace MelGenre.Audio;

/// <summary>Turns libsndfile format codes into short human-readable names.</summary>
internal static class SndFileFormat
{
    /// <summary>
    /// "MP3", "FLAC", "OGG (Vorbis)" for formats whose container already says the codec;
    /// "WAV (PCM 16-bit)", "AIFF (32-bit float)" … for containers that hold several encodings.
    /// </summary>
    internal static string Describe(int format)
    {
        int major = format & SfConst.TypeMask;
        int sub = format & SfConst.SubMask;
        switch (major)
        {
            case SfConst.Mpeg:
                return sub switch
                {
                    SfConst.MpegLayerI => "MP1",
                    SfConst.MpegLayerII => "MP2",
                    _ => "MP3",
                };
            case SfConst.Flac:
                return "FLAC";
            case SfConst.Ogg:
                return sub switch
                {
                    SfConst.Vorbis => "OGG (Vorbis)",
                    SfConst.Opus => "OGG (Opus)",
                    _ => $"OGG ({SubtypeName(sub)})",
                };
            default:
                return $"{MajorName(major)} ({SubtypeName(sub)})";
        }
    }

    internal static string MajorName(int major) => major switch
    {
        SfConst.Wav => "WAV",
        SfConst.WavEx => "WAV",
        SfConst.Rf64 => "RF64",
        SfConst.W64 => "W64",
        SfConst.Aiff => "AIFF",
        SfConst.Au => "AU",
        SfConst.Raw => "RAW",
        SfConst.Paf => "PAF",
        SfConst.Svx => "8SVX",
        SfConst.Nist => "NIST",
        SfConst.Voc => "VOC",
        SfConst.Ircam => "IRCAM",
        SfConst.Mat4 => "MAT4",
        SfConst.Mat5 => "MAT5",
        SfConst.Pvf => "PVF",
        SfConst.Xi => "XI",
        SfConst.Htk => "HTK",
        SfConst.Sds => "SDS",
        SfConst.Avr => "AVR",
        SfConst.Sd2 => "SD2",
        SfConst.Flac => "FLAC",
        SfConst.Caf => "CAF",
        SfConst.Wve => "WVE",
        SfConst.Ogg => "OGG",
        SfConst.Mpc2k => "MPC2K",
        SfConst.Mpeg => "MPEG",
        _ => $"format 0x{major:X6}",
    };

    internal static string SubtypeName(int sub) => sub switch
    {
        SfConst.PcmS8 => "PCM 8-bit",
        SfConst.PcmU8 => "PCM 8-bit",
        SfConst.Pcm16 => "PCM 16-bit",
        SfConst.Pcm24 => "PCM 24-bit",
        SfConst.Pcm32 => "PCM 32-bit",
        SfConst.Float => "32-bit float",
        SfConst.Double => "64-bit float",
        SfConst.Ulaw => "u-law",
        SfConst.Alaw => "A-law",
        SfConst.ImaAdpcm => "IMA ADPCM",
        SfConst.MsAdpcm => "MS ADPCM",
        SfConst.Gsm610 => "GSM 6.10",
        SfConst.VoxAdpcm => "VOX ADPCM",
        SfConst.NmsAdpcm16 or SfConst.NmsAdpcm24 or SfConst.NmsAdpcm32 => "NMS ADPCM",
        SfConst.G721_32 => "G.721",
        SfConst.G723_24 or SfConst.G723_40 => "G.723",
        SfConst.Dwvw12 or SfConst.Dwvw16 or SfConst.Dwvw24 or SfConst.DwvwN => "DWVW",
        SfConst.Dpcm8 or SfConst.Dpcm16 => "DPCM",
        SfConst.Vorbis => "Vorbis",
        SfConst.Opus => "Opus",
        SfConst.Alac16 or SfConst.Alac20 or SfConst.Alac24 or SfConst.Alac32 => "ALAC",
        SfConst.MpegLayerI => "MPEG layer I",
        SfConst.MpegLayerII => "MPEG layer II",
        SfConst.MpegLayerIII => "MPEG layer III",
        _ => $"encoding 0x{sub:X4}",
    };
}
