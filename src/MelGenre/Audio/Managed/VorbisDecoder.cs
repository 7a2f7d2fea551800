using System;
using System.IO;
using NVorbis;

namespace MelGenre.Audio.Managed;

/// <summary>
/// Ogg Vorbis through NVorbis 0.10.5 with <see cref="VorbisReader.ClipSamples"/> off (librosa does not clip; NVorbis
/// clips to ±1 by default). Other Ogg codecs (Opus, FLAC-in-Ogg, Speex) are refused as unsupported encodings. Like
/// libsndfile, a stream whose last page is not an end-of-stream page (a file cut short) is rejected as damaged.
/// 6-channel (5.1) streams are refused: NVorbis decodes libvorbis' 5.1 mapping wrongly (3, 4, 5, 7, 8 channels are exact).
/// </summary>
internal sealed class VorbisDecoder : IAudioFormatDecoder
{
    internal static readonly VorbisDecoder Instance = new();

    /// <inheritdoc />
    public string Name => "Ogg Vorbis";

    /// <inheritdoc />
    public IManagedAudioReader Open(string path, Stream stream, long fileBytes)
    {
        Span<byte> first = stackalloc byte[64];
        int n = stream.ReadAtLeast(first, first.Length, throwOnEndOfStream: false);
        first = first[..n];
        stream.Position = 0;
        if (n < 28)
        {
            throw new AudioDecodeException(path, AudioErrorKind.Corrupt, "the file is damaged or malformed (managed Ogg decoder: the first Ogg page is cut short).");
        }

        int packetStart = 27 + first[26];
        ReadOnlySpan<byte> packet = packetStart < n ? first[packetStart..] : [];
        if (!(packet.Length >= 7 && packet[0] == 1 && packet[1..7].SequenceEqual("vorbis"u8)))
        {
            string? codec = packet.StartsWith("OpusHead"u8) ? "Opus" : packet.Length >= 5 && packet[1..5].SequenceEqual("FLAC"u8) ? "FLAC" : packet.StartsWith("Speex"u8) ? "Speex" : null;
            if (codec is null)
            {
                // libsndfile: "File contains data in an unimplemented format" on an Ogg page it cannot identify.
                throw new AudioDecodeException(path, AudioErrorKind.Corrupt,
                    "the file is damaged or malformed (managed Ogg decoder: the first Ogg packet is not a Vorbis, Opus, FLAC or Speex header).");
            }

            throw new AudioDecodeException(path, AudioErrorKind.UnsupportedFormat,
                $"the audio encoding is not supported (managed Ogg decoder: Ogg {codec} is decoded by the native libsndfile backend only).");
        }

        if (!LastPageEndsTheStream(stream, fileBytes))
        {
            throw new AudioDecodeException(path, AudioErrorKind.Corrupt,
                "the file is damaged or malformed (managed Ogg decoder: the last Ogg page does not end the stream; the file is cut short).");
        }

        stream.Position = 0;
        VorbisReader vorbis;
        try
        {
            vorbis = new VorbisReader(stream, closeOnDispose: true) { ClipSamples = false };
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or EndOfStreamException or IndexOutOfRangeException or NullReferenceException)
        {
            throw new AudioDecodeException(path, AudioErrorKind.Corrupt, $"the file is damaged or malformed (managed Ogg decoder: {e.Message.TrimEnd('.')}).", e);
        }

        if (vorbis.Channels == 6)
        {
            int channels = vorbis.Channels;
            vorbis.Dispose();
            throw new AudioDecodeException(path, AudioErrorKind.UnsupportedFormat,
                $"the audio encoding is not supported (managed Ogg decoder: NVorbis 0.10.5 mis-decodes {channels}-channel (5.1) Vorbis, " +
                "which libvorbis encodes with a separate LFE submap; the native libsndfile backend reads it).");
        }

        return new Reader(vorbis);
    }

    /// <summary>Finds the last "OggS" page in the final 64 KiB and checks its end-of-stream flag.</summary>
    private static bool LastPageEndsTheStream(Stream stream, long fileBytes)
    {
        int tail = (int)Math.Min(fileBytes, 65536);
        byte[] buf = new byte[tail];
        stream.Position = fileBytes - tail;
        stream.ReadExactly(buf);
        for (int i = tail - 27; i >= 0; i--)
        {
            if (buf[i] == 'O' && buf[i + 1] == 'g' && buf[i + 2] == 'g' && buf[i + 3] == 'S' && buf[i + 4] == 0)
            {
                // The page must also be complete: header + segment table + payload.
                int segments = buf[i + 26];
                if (i + 27 + segments > tail)
                {
                    return false;
                }

                int payload = 0;
                for (int s = 0; s < segments; s++)
                {
                    payload += buf[i + 27 + s];
                }

                return (buf[i + 5] & 0x04) != 0 && i + 27 + segments + payload <= tail;
            }
        }

        return false;
    }

    private sealed class Reader : IManagedAudioReader
    {
        private readonly VorbisReader _vorbis;
        private float[] _buffer = [];

        internal Reader(VorbisReader vorbis)
        {
            _vorbis = vorbis;
            SampleRate = vorbis.SampleRate;
            Channels = vorbis.Channels;
            Frames = vorbis.TotalSamples;
        }

        public int SampleRate { get; }

        public int Channels { get; }

        public long Frames { get; }

        public string Format => "OGG (Vorbis)";

        public int FormatCode => SfConst.Ogg | SfConst.Vorbis;

        public bool Lossy => true;

        public int Read(Span<float> destination)
        {
            int total = 0;
            int want = destination.Length - destination.Length % Channels;
            try
            {
                if (_buffer.Length < want)
                {
                    _buffer = new float[want];
                }

                while (total < want)
                {
                    // The array overload: NVorbis 0.10.5's Span overload garbles streams with more than two channels.
                    int n = _vorbis.ReadSamples(_buffer, total, want - total);
                    if (n <= 0)
                    {
                        break;
                    }

                    total += n;
                }

                _buffer.AsSpan(0, total).CopyTo(destination);
            }
            catch (Exception e) when (e is InvalidDataException or IndexOutOfRangeException or ArgumentException or NullReferenceException)
            {
                throw new ManagedDecodeError(e.Message.TrimEnd('.'));
            }

            return total / Channels;
        }

        public long Skip(long frames) => ManagedAudioDecoder.SkipByReading(this, frames);

        public void Dispose() => _vorbis.Dispose();
    }
}
