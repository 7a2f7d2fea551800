using System;
using System.Collections.Generic;
using NLayer;

namespace MelGenre.Audio.Managed;

/// <summary>One MPEG audio frame header, decoded.</summary>
internal readonly struct MpegHeader
{
    private static readonly short[][] Bitrates =
    [
        [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448], // MPEG-1 layer I
        [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],    // MPEG-1 layer II
        [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],     // MPEG-1 layer III
        [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],    // MPEG-2/2.5 layer I
        [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],         // MPEG-2/2.5 layers II, III
    ];

    private static readonly int[] Rates = [44100, 48000, 32000];

    private MpegHeader(uint raw, int version, int layer, int sampleRate, int frameBytes, int samples, int bytesWithoutPadding)
    {
        BytesWithoutPadding = bytesWithoutPadding;
        Raw = raw;
        VersionCode = version;
        Layer = layer;
        SampleRate = sampleRate;
        FrameBytes = frameBytes;
        Samples = samples;
    }

    /// <summary>The 32 header bits.</summary>
    internal uint Raw { get; }

    /// <summary>The 2-bit version field: 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5.</summary>
    internal int VersionCode { get; }

    /// <summary>1, 2 or 3.</summary>
    internal int Layer { get; }

    internal int SampleRate { get; }

    /// <summary>Whole frame length in bytes, header included.</summary>
    internal int FrameBytes { get; }

    /// <summary>The frame length this bitrate and rate give without the padding slot (mpg123's compute_bpf, truncated).</summary>
    internal int BytesWithoutPadding { get; }

    /// <summary>Samples per channel the frame decodes to (384, 576 or 1152).</summary>
    internal int Samples { get; }

    internal int Channels => ChannelModeBits == 3 ? 1 : 2;

    internal int ChannelModeBits => (int)(Raw >> 6) & 3;

    internal bool HasCrc => (Raw & 0x10000) == 0;

    internal MpegVersion Version => VersionCode switch { 3 => MpegVersion.Version1, 2 => MpegVersion.Version2, _ => MpegVersion.Version25 };

    /// <summary>Bytes of layer III side information after the header (and CRC).</summary>
    internal int SideInfoBytes => VersionCode == 3 ? (Channels == 1 ? 17 : 32) : (Channels == 1 ? 9 : 17);

    /// <summary>Whether another header belongs to the same stream (mpg123's rule: same version, layer and rate).</summary>
    internal bool IsCompatible(MpegHeader other) => (Raw & 0xFFFE0C00) == (other.Raw & 0xFFFE0C00);

    /// <summary>Parses 4 bytes; false for anything that is not a decodable header (free-format bitrates included).</summary>
    internal static bool TryParse(ReadOnlySpan<byte> b, out MpegHeader header)
    {
        header = default;
        if (b.Length < 4 || b[0] != 0xFF || (b[1] & 0xE0) != 0xE0)
        {
            return false;
        }

        uint raw = (uint)(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]);
        int version = (b[1] >> 3) & 3;
        int layerBits = (b[1] >> 1) & 3;
        int bitrateIndex = b[2] >> 4;
        int rateIndex = (b[2] >> 2) & 3;
        if (version == 1 || layerBits == 0 || bitrateIndex == 0 || bitrateIndex == 15 || rateIndex == 3 || (b[3] & 3) == 2)
        {
            return false;
        }

        int layer = 4 - layerBits;
        bool v1 = version == 3;
        int table = v1 ? layer - 1 : (layer == 1 ? 3 : 4);
        int kbps = Bitrates[table][bitrateIndex];
        int rate = Rates[rateIndex] >> (v1 ? 0 : version == 2 ? 1 : 2);
        int padding = (b[2] >> 1) & 1;
        int samples;
        int bytes;
        if (layer == 1)
        {
            samples = 384;
            bytes = (12 * kbps * 1000 / rate + padding) * 4;
        }
        else
        {
            samples = layer == 3 && !v1 ? 576 : 1152;
            bytes = samples / 8 * kbps * 1000 / rate + padding;
        }

        int unpadded = layer == 1 ? 12 * kbps * 1000 / rate * 4 : samples / 8 * kbps * 1000 / rate;
        header = new MpegHeader(raw, version, layer, rate, bytes, samples, unpadded);
        return bytes > 4;
    }
}

/// <summary>An <see cref="IMpegFrame"/> over a frame's bytes in the file buffer, handed to NLayer's frame decoder.</summary>
internal sealed class MpegFrameView : IMpegFrame
{
    private byte[] _data = [];
    private int _start;
    private int _end;
    private int _read;
    private ulong _bucket;
    private int _bucketBits;
    private MpegHeader _header;

    internal void Set(byte[] data, int start, MpegHeader header)
    {
        _data = data;
        _start = start;
        _end = Math.Min(data.Length, start + header.FrameBytes);
        _header = header;
        Reset();
    }

    public int SampleRate => _header.SampleRate;

    public int SampleRateIndex => (int)(_header.Raw >> 10) & 3;

    public int FrameLength => _header.FrameBytes;

    public int BitRate => 0;

    public MpegVersion Version => _header.Version;

    public MpegLayer Layer => (MpegLayer)_header.Layer;

    public MpegChannelMode ChannelMode => (MpegChannelMode)_header.ChannelModeBits;

    public int ChannelModeExtension => (int)(_header.Raw >> 4) & 3;

    public int SampleCount => _header.Samples;

    public int BitRateIndex => (int)(_header.Raw >> 12) & 15;

    public bool IsCopyrighted => (_header.Raw & 8) != 0;

    public bool HasCrc => _header.HasCrc;

    public bool IsCorrupted => false;

    public void Reset()
    {
        _read = _start + 4 + (_header.HasCrc ? 2 : 0);
        _bucket = 0;
        _bucketBits = 0;
    }

    public int ReadBits(int bitCount)
    {
        while (_bucketBits < bitCount)
        {
            if (_read >= _end)
            {
                return -1;
            }

            _bucket = (_bucket << 8) | _data[_read++];
            _bucketBits += 8;
        }

        _bucketBits -= bitCount;
        return (int)((_bucket >> _bucketBits) & ((1UL << bitCount) - 1));
    }
}

/// <summary>
/// The frame layout of an MPEG audio file: where each audio frame starts, and the Xing/Info/LAME tag of the first
/// frame (a tag frame holds no audio). Frames are found as mpg123 finds them: a header counts only if the next
/// header (or the end of the data) follows where its length says; damage in between is skipped by resyncing.
/// </summary>
internal sealed class MpegLayout
{
    private MpegLayout(List<int> offsets, List<MpegHeader> headers, int tagFrames, long xingFrames, int delay, int padding, bool hasLame)
    {
        Offsets = offsets;
        Headers = headers;
        XingFrames = xingFrames;
        EncoderDelay = delay;
        EncoderPadding = padding;
        HasLameTag = hasLame;
        TagFrames = tagFrames;
    }

    /// <summary>Byte offsets of the audio frames (tag frame excluded).</summary>
    internal List<int> Offsets { get; }

    internal List<MpegHeader> Headers { get; }

    /// <summary>1 when the first frame is a Xing/Info/VBRI tag frame, else 0.</summary>
    internal int TagFrames { get; }

    /// <summary>The Xing frame count, or -1.</summary>
    internal long XingFrames { get; }

    internal int EncoderDelay { get; }

    internal int EncoderPadding { get; }

    /// <summary>Whether a LAME/Lavf extension with encoder delay and padding follows the Xing fields.</summary>
    internal bool HasLameTag { get; }

    /// <summary>
    /// Index in <see cref="Offsets"/> of the first frame found only by resyncing past damaged data (bytes that are not
    /// a frame between two runs of frames), or -1. libsndfile fails the read there, so the managed decoder does too.
    /// </summary>
    internal int DamagedFrame { get; private init; } = -1;

    /// <summary>Byte offset of <see cref="DamagedFrame"/>.</summary>
    internal int DamagedByte { get; private init; } = -1;

    /// <summary>
    /// The length libsndfile reports (mpg123_length): with a Xing frame count, <c>frames × samples</c> adjusted by
    /// mpg123's gapless window when a LAME tag is present; without one, mpg123's estimate <c>⌊file bytes / bytes
    /// of the first frame without padding × samples⌋</c> (which libsndfile then also uses as the read limit).
    /// </summary>
    internal long NativeFrames(long fileBytes, long decodedTotal)
    {
        if (Headers.Count == 0)
        {
            return 0;
        }

        MpegHeader first = Headers[0];
        int spf = first.Samples;
        if (XingFrames > 0)
        {
            long x = XingFrames * spf;
            if (!HasLameTag)
            {
                return x;
            }

            long begin = EncoderDelay + Mp3Decoder.DecoderDelay;
            long end = x - EncoderPadding + Mp3Decoder.DecoderDelay;
            long full = x;
            long adjusted = x > end ? (x < full ? end - begin : x - (full - end + begin)) : x - begin;
            return Math.Max(0, adjusted);
        }

        if (XingFrames == 0 || first.BytesWithoutPadding <= 0)
        {
            return decodedTotal;
        }

        return (long)((double)fileBytes / first.BytesWithoutPadding * spf);
    }

    /// <summary>Scans <paramref name="data"/> from <paramref name="start"/> for frames.</summary>
    internal static MpegLayout Scan(byte[] data, int start)
    {
        var offsets = new List<int>(data.Length / 400 + 4);
        var headers = new List<MpegHeader>(data.Length / 400 + 4);
        int end = AudioEnd(data);
        int p = start;
        MpegHeader reference = default;
        bool haveReference = false;
        bool resyncing = false;
        int damagedFrame = -1;
        int damagedByte = -1;
        while (p + 4 <= end)
        {
            if (!MpegHeader.TryParse(data.AsSpan(p, 4), out MpegHeader h) || (haveReference && !reference.IsCompatible(h)))
            {
                p++;
                resyncing |= haveReference;
                continue;
            }

            int next = p + h.FrameBytes;
            if (next > end)
            {
                if (haveReference && !resyncing)
                {
                    break; // an incomplete last frame: mpg123 does not decode it
                }

                p++;
                continue;
            }

            bool followed = next == end ||
                (next + 4 <= end && MpegHeader.TryParse(data.AsSpan(next, 4), out MpegHeader following) && h.IsCompatible(following));
            if (!followed && (!haveReference || resyncing))
            {
                // The first frame, and the first after damage, must be confirmed by the next header.
                p++;
                continue;
            }

            if (resyncing && damagedFrame < 0)
            {
                damagedFrame = offsets.Count;
                damagedByte = p;
            }

            offsets.Add(p);
            headers.Add(h);
            if (!haveReference)
            {
                reference = h;
                haveReference = true;
            }

            resyncing = !followed;
            p = next;
        }

        int tagFrames = 0;
        long xingFrames = -1;
        int delay = 0, padding = 0;
        bool lame = false;
        if (offsets.Count > 0 && headers[0].Layer == 3)
        {
            int o = offsets[0] + 4 + (headers[0].HasCrc ? 2 : 0) + headers[0].SideInfoBytes;
            int frameEnd = offsets[0] + headers[0].FrameBytes;
            if (o + 8 <= frameEnd && (Is(data, o, "Xing") || Is(data, o, "Info")))
            {
                tagFrames = 1;
                uint flags = Be32(data, o + 4);
                int q = o + 8;
                if ((flags & 1) != 0 && q + 4 <= frameEnd)
                {
                    xingFrames = Be32(data, q);
                    q += 4;
                }

                if ((flags & 2) != 0)
                {
                    q += 4;
                }

                if ((flags & 4) != 0)
                {
                    q += 100;
                }

                if ((flags & 8) != 0)
                {
                    q += 4;
                }

                if (q + 24 <= frameEnd && IsEncoderName(data, q))
                {
                    lame = true;
                    delay = data[q + 21] << 4 | data[q + 22] >> 4;
                    padding = (data[q + 22] & 15) << 8 | data[q + 23];
                }
            }
            else if (offsets[0] + 36 + 4 <= frameEnd && Is(data, offsets[0] + 36, "VBRI"))
            {
                tagFrames = 1;
            }
        }

        if (tagFrames == 1)
        {
            offsets.RemoveAt(0);
            headers.RemoveAt(0);
            damagedFrame = damagedFrame > 0 ? damagedFrame - 1 : damagedFrame;
        }

        if (damagedFrame == 0)
        {
            // Junk between the tag frame and the first audio frame is leading junk, which mpg123 skips silently.
            damagedFrame = -1;
            damagedByte = -1;
        }

        return new MpegLayout(offsets, headers, tagFrames, xingFrames, delay, padding, lame)
        {
            DamagedFrame = damagedFrame,
            DamagedByte = damagedByte,
        };
    }

    /// <summary>End of the audio data: before a trailing ID3v1 tag ("TAG", 128 bytes) if there is one.</summary>
    private static int AudioEnd(byte[] data)
    {
        int end = data.Length;
        if (end >= 128 && Is(data, end - 128, "TAG"))
        {
            end -= 128;
        }

        return end;
    }

    /// <summary>A LAME-style extension starts with a printable encoder name ("LAME3.100", "Lavf", "Lavc", …).</summary>
    private static bool IsEncoderName(byte[] data, int q)
    {
        for (int i = 0; i < 4; i++)
        {
            byte c = data[q + i];
            if (c < 0x20 || c > 0x7E)
            {
                return false;
            }
        }

        return true;
    }

    private static bool Is(byte[] d, int o, string s)
    {
        for (int i = 0; i < s.Length; i++)
        {
            if (o + i >= d.Length || d[o + i] != s[i])
            {
                return false;
            }
        }

        return true;
    }

    private static uint Be32(byte[] d, int o) => (uint)(d[o] << 24 | d[o + 1] << 16 | d[o + 2] << 8 | d[o + 3]);
}
