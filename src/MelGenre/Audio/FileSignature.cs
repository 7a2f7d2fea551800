using System;
using System.IO;

namespace MelGenre.Audio;

/// <summary>
/// What the first bytes of a file look like. Used only to explain a failed open: whether a file that
/// libsndfile rejected is damaged audio (Corrupt) or not audio at all (UnsupportedFormat).
/// </summary>
internal enum FileSignature
{
    /// <summary>No known audio signature.</summary>
    Other,

    /// <summary>An ID3v2 tag ("ID3"), which in practice precedes MP3 data.</summary>
    Id3,

    /// <summary>A plausible MPEG audio frame header (11-bit sync, valid version, layer, bitrate and rate).</summary>
    MpegFrame,

    /// <summary>A container magic: RIFF/RF64/FORM/fLaC/OggS/caff/.snd and the like.</summary>
    Container,
}

/// <summary>Reads the first bytes of a file and classifies them as a <see cref="FileSignature"/>.</summary>
internal static class FileSignatureSniffer
{
    internal static FileSignature Sniff(string path)
    {
        Span<byte> head = stackalloc byte[12];
        int n;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1);
            n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return FileSignature.Other;
        }

        return Classify(head[..n]);
    }

    internal static FileSignature Classify(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 3 && head[0] == 'I' && head[1] == 'D' && head[2] == '3')
        {
            return FileSignature.Id3;
        }

        if (head.Length >= 4)
        {
            ReadOnlySpan<byte> magic = head[..4];
            if (magic.SequenceEqual("RIFF"u8) || magic.SequenceEqual("RIFX"u8) || magic.SequenceEqual("RF64"u8) ||
                magic.SequenceEqual("FORM"u8) || magic.SequenceEqual("fLaC"u8) || magic.SequenceEqual("OggS"u8) ||
                magic.SequenceEqual("caff"u8) || magic.SequenceEqual(".snd"u8) || magic.SequenceEqual("riff"u8))
            {
                return FileSignature.Container;
            }

            if (IsMpegFrameHeader(head))
            {
                return FileSignature.MpegFrame;
            }
        }

        return FileSignature.Other;
    }

    /// <summary>11 sync bits, a defined version and layer, a bitrate index that is neither free nor bad, a defined sample rate.</summary>
    internal static bool IsMpegFrameHeader(ReadOnlySpan<byte> h) =>
        h.Length >= 4 &&
        h[0] == 0xFF && (h[1] & 0xE0) == 0xE0 &&
        ((h[1] >> 3) & 3) != 1 &&      // version: 00 = 2.5, 10 = 2, 11 = 1; 01 reserved
        ((h[1] >> 1) & 3) != 0 &&      // layer: 00 reserved
        (h[2] >> 4) != 0xF &&          // bitrate index 1111 is invalid
        ((h[2] >> 2) & 3) != 3;        // sample-rate index 11 reserved
}
