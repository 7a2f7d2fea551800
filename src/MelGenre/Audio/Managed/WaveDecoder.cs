using System;
using System.Buffers;
using System.Buffers.Binary;
using System.IO;
using NAudio.Wave;

namespace MelGenre.Audio.Managed;

/// <summary>
/// WAV (RIFF, RF64, WAVE_FORMAT_EXTENSIBLE) and AIFF/AIFF-C through NAudio.Core's header parsers
/// (<see cref="WaveFileReader"/>, <see cref="AiffFileReader.ReadAiffHeader"/>); the sample bytes are converted here with
/// libsndfile's exact int→float scaling (8-bit: (u−128)/128, 16/24-bit: s/2^(n−1), 32-bit: (float)s·2^−31, double:
/// (float)d), so the output is bit-identical to the native path. ADPCM, µ-law, A-law and other codecs are refused
/// with an error naming the file and the encoding.
/// </summary>
internal sealed class WaveDecoder : IAudioFormatDecoder
{
    internal static readonly WaveDecoder Wav = new(aiff: false);
    internal static readonly WaveDecoder Aiff = new(aiff: true);

    private readonly bool _aiff;

    private WaveDecoder(bool aiff) => _aiff = aiff;

    /// <inheritdoc />
    public string Name => _aiff ? "AIFF" : "WAV";

    /// <inheritdoc />
    public IManagedAudioReader Open(string path, Stream stream, long fileBytes)
    {
        try
        {
            return _aiff ? OpenAiff(path, stream, fileBytes) : OpenWav(path, stream, fileBytes);
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or EndOfStreamException or ArgumentException or NotSupportedException or OverflowException)
        {
            throw new AudioDecodeException(path, AudioErrorKind.Corrupt,
                $"the file is damaged or malformed (managed {Name} decoder: {e.Message.TrimEnd('.')}).", e);
        }
    }

    private IManagedAudioReader OpenWav(string path, Stream stream, long fileBytes)
    {
        Span<byte> magic = stackalloc byte[4];
        stream.ReadExactly(magic);
        bool rf64 = magic.SequenceEqual("RF64"u8);
        stream.Position = 0;

        // NAudio parses the RIFF/RF64 chunks (ds64 included) and leaves the stream at the start of the data chunk.
        var chunks = new WaveFileReader(stream);
        WaveFormat format = chunks.WaveFormat;
        long dataStart = stream.Position;
        int extensibleSubFormat = format.Encoding == WaveFormatEncoding.Extensible ? ReadExtensibleSubFormat(stream) : -1;
        stream.Position = dataStart;
        Sample kind = Classify(path, format, aiff: false, extensibleSubFormat);
        string major = rf64 ? "RF64" : "WAV";
        int majorCode = rf64 ? SfConst.Rf64 : format.Encoding == WaveFormatEncoding.Extensible ? SfConst.WavEx : SfConst.Wav;
        return new PcmReader(stream, format, kind, dataStart, chunks.Length, fileBytes, major, majorCode, bigEndian: false);
    }

    private IManagedAudioReader OpenAiff(string path, Stream stream, long fileBytes)
    {
        Span<byte> form = stackalloc byte[12];
        stream.ReadExactly(form);
        stream.Position = 0;
        if (form[8..12].SequenceEqual("AIFC"u8))
        {
            // NAudio.Core refuses every AIFF-C file ("Compressed AIFC is not supported"), even the uncompressed
            // 'NONE'/'sowt' and the float 'fl32'/'fl64' kinds libsndfile writes; those are read here.
            return OpenAifc(path, stream, fileBytes);
        }

        WaveFormat format;
        long dataStart;
        int dataLength;
        try
        {
            AiffFileReader.ReadAiffHeader(stream, out format, out dataStart, out dataLength,
                new System.Collections.Generic.List<AiffFileReader.AiffChunk>());
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or EndOfStreamException or ArgumentException or OverflowException or IndexOutOfRangeException)
        {
            // libsndfile reports an AIFF it cannot parse as an unrecognised format.
            throw new AudioDecodeException(path, AudioErrorKind.UnsupportedFormat,
                $"the content ({fileBytes} bytes) is not a recognised audio format (managed AIFF decoder: {e.Message.TrimEnd('.')}).", e);
        }

        if (format.Channels < 1 || format.SampleRate < 1 || format.BitsPerSample is not (8 or 16 or 24 or 32) || dataStart <= 0 || dataStart > fileBytes)
        {
            throw new AudioDecodeException(path, AudioErrorKind.UnsupportedFormat,
                $"the content ({fileBytes} bytes) is not a recognised audio format (managed AIFF decoder: no valid COMM/SSND chunks).");
        }

        Sample kind = Classify(path, format, aiff: true, -1);
        return new PcmReader(stream, format, kind, dataStart, dataLength, fileBytes, "AIFF", SfConst.Aiff, bigEndian: true);
    }

    private IManagedAudioReader OpenAifc(string path, Stream stream, long fileBytes)
    {
        Span<byte> head = stackalloc byte[8];
        Span<byte> comm = stackalloc byte[22];
        Span<byte> ssnd = stackalloc byte[8];
        long position = 12;
        int channels = 0, bits = 0;
        double rate = 0;
        string compression = "";
        long dataStart = -1, dataLength = 0;
        while (position + 8 <= fileBytes)
        {
            stream.Position = position;
            stream.ReadExactly(head);
            long size = BinaryPrimitives.ReadUInt32BigEndian(head[4..]);
            if (head[..4].SequenceEqual("COMM"u8) && size >= 22)
            {
                stream.ReadExactly(comm);
                channels = BinaryPrimitives.ReadInt16BigEndian(comm);
                bits = BinaryPrimitives.ReadInt16BigEndian(comm[6..]);
                int exponent = BinaryPrimitives.ReadUInt16BigEndian(comm[8..]) & 0x7FFF;
                ulong mantissa = BinaryPrimitives.ReadUInt64BigEndian(comm[10..]);
                rate = mantissa * Math.Pow(2, exponent - 16383 - 63);
                compression = System.Text.Encoding.ASCII.GetString(comm[18..22]);
            }
            else if (head[..4].SequenceEqual("SSND"u8) && size >= 8)
            {
                stream.ReadExactly(ssnd);
                dataStart = position + 16 + BinaryPrimitives.ReadUInt32BigEndian(ssnd);
                dataLength = size - 8 - BinaryPrimitives.ReadUInt32BigEndian(ssnd);
            }

            position += 8 + size + (size & 1);
        }

        if (channels < 1 || rate < 1 || dataStart < 0 || compression.Length != 4)
        {
            throw new AudioDecodeException(path, AudioErrorKind.UnsupportedFormat,
                $"the content ({fileBytes} bytes) is not a recognised audio format (managed AIFF decoder: no valid COMM/SSND chunks in the AIFF-C file).");
        }

        (Sample kind, bool bigEndian) = compression switch
        {
            "NONE" or "twos" => (bits <= 8 ? Sample.S8 : bits <= 16 ? Sample.S16 : bits <= 24 ? Sample.S24 : Sample.S32, true),
            "sowt" => (bits <= 8 ? Sample.S8 : bits <= 16 ? Sample.S16 : bits <= 24 ? Sample.S24 : Sample.S32, false),
            "raw " => (Sample.U8, true),
            "fl32" or "FL32" => (Sample.F32, true),
            "fl64" or "FL64" => (Sample.F64, true),
            _ => throw Unsupported(path, $"AIFF-C compression '{compression}'"),
        };
        var format = new WaveFormat((int)Math.Round(rate), Math.Max(8, bits), channels);
        return new PcmReader(stream, format, kind, dataStart, dataLength, fileBytes, "AIFF", SfConst.Aiff, bigEndian);
    }

    internal enum Sample
    {
        U8,
        S8,
        S16,
        S24,
        S32,
        F32,
        F64,
    }

    /// <summary>
    /// The format code in a WAVE_FORMAT_EXTENSIBLE sub-format GUID (its first two bytes; 1 = PCM, 3 = float), read from
    /// the fmt chunk directly because NAudio.Core's <see cref="WaveFileReader"/> exposes it only as a generic
    /// <see cref="WaveFormat"/>. -1 when the chunk is too short.
    /// </summary>
    private static int ReadExtensibleSubFormat(Stream stream)
    {
        Span<byte> head = stackalloc byte[8];
        long position = 12;
        while (position + 8 <= stream.Length)
        {
            stream.Position = position;
            stream.ReadExactly(head);
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(head[4..]);
            if (head[..4].SequenceEqual("fmt "u8))
            {
                if (size < 26)
                {
                    return -1;
                }

                Span<byte> fmt = stackalloc byte[26];
                stream.ReadExactly(fmt);
                return BinaryPrimitives.ReadUInt16LittleEndian(fmt[24..]);
            }

            position += 8 + size + (size & 1);
        }

        return -1;
    }

    private Sample Classify(string path, WaveFormat format, bool aiff, int extensibleSubFormat)
    {
        WaveFormatEncoding encoding = format.Encoding;
        if (encoding == WaveFormatEncoding.Extensible)
        {
            encoding = extensibleSubFormat switch
            {
                1 => WaveFormatEncoding.Pcm,
                3 => WaveFormatEncoding.IeeeFloat,
                _ => throw Unsupported(path, $"WAVE_FORMAT_EXTENSIBLE with sub-format 0x{extensibleSubFormat:X4}"),
            };
        }

        int channels = Math.Max(1, format.Channels);
        int bytesPerSample = format.BlockAlign / channels;
        switch (encoding)
        {
            case WaveFormatEncoding.Pcm:
                return bytesPerSample switch
                {
                    1 => aiff ? Sample.S8 : Sample.U8,
                    2 => Sample.S16,
                    3 => Sample.S24,
                    4 => Sample.S32,
                    _ => throw Unsupported(path, $"PCM with {format.BitsPerSample} bits in {bytesPerSample}-byte samples"),
                };
            case WaveFormatEncoding.IeeeFloat:
                return bytesPerSample switch
                {
                    4 => Sample.F32,
                    8 => Sample.F64,
                    _ => throw Unsupported(path, $"{format.BitsPerSample}-bit float"),
                };
            case WaveFormatEncoding.MuLaw:
                throw Unsupported(path, "u-law (G.711 mu-law)");
            case WaveFormatEncoding.ALaw:
                throw Unsupported(path, "A-law (G.711)");
            case WaveFormatEncoding.Adpcm:
                throw Unsupported(path, "MS ADPCM");
            case WaveFormatEncoding.DviAdpcm:
                throw Unsupported(path, "IMA ADPCM");
            case WaveFormatEncoding.Gsm610:
                throw Unsupported(path, "GSM 6.10");
            default:
                throw Unsupported(path, $"format tag 0x{(int)format.Encoding:X4} ({format.Encoding})");
        }
    }

    private AudioDecodeException Unsupported(string path, string encoding) =>
        new(path, AudioErrorKind.UnsupportedFormat,
            $"the audio encoding is not supported (managed {Name} decoder: {encoding} is not decoded by the managed backend; the native libsndfile backend reads it).");

    /// <summary>Integer or float samples read straight from the data chunk.</summary>
    private sealed class PcmReader : IManagedAudioReader
    {
        private readonly Stream _stream;
        private readonly Sample _kind;
        private readonly int _bytesPerSample;
        private readonly bool _bigEndian;
        private long _remainingFrames;

        internal PcmReader(Stream stream, WaveFormat format, Sample kind, long dataStart, long dataLength, long fileBytes,
            string major, int majorCode, bool bigEndian)
        {
            _stream = stream;
            _kind = kind;
            _bigEndian = bigEndian;
            SampleRate = format.SampleRate;
            Channels = format.Channels;
            _bytesPerSample = kind switch
            {
                Sample.U8 or Sample.S8 => 1,
                Sample.S16 => 2,
                Sample.S24 => 3,
                Sample.S32 or Sample.F32 => 4,
                _ => 8,
            };

            // libsndfile trusts the data chunk only as far as the file really goes (a cut or lying header).
            long available = Math.Max(0, fileBytes - dataStart);
            long bytes = dataLength < 0 ? available : Math.Min(dataLength, available);
            int frameBytes = Math.Max(1, _bytesPerSample * Math.Max(1, Channels));
            Frames = bytes / frameBytes;
            _remainingFrames = Frames;

            (string name, int sub) = kind switch
            {
                Sample.U8 => ("PCM 8-bit", SfConst.PcmU8),
                Sample.S8 => ("PCM 8-bit", SfConst.PcmS8),
                Sample.S16 => ("PCM 16-bit", SfConst.Pcm16),
                Sample.S24 => ("PCM 24-bit", SfConst.Pcm24),
                Sample.S32 => ("PCM 32-bit", SfConst.Pcm32),
                Sample.F32 => ("32-bit float", SfConst.Float),
                _ => ("64-bit float", SfConst.Double),
            };
            Format = $"{major} ({name})";
            FormatCode = majorCode | sub;
            _stream.Position = dataStart;
        }

        public int SampleRate { get; }

        public int Channels { get; }

        public long Frames { get; }

        public string Format { get; }

        public int FormatCode { get; }

        public bool Lossy => false;

        public int Read(Span<float> destination)
        {
            int frames = (int)Math.Min(destination.Length / Channels, _remainingFrames);
            if (frames <= 0)
            {
                return 0;
            }

            int frameBytes = _bytesPerSample * Channels;
            if (_kind == Sample.F32 && !_bigEndian && BitConverter.IsLittleEndian)
            {
                // Little-endian float: the bytes are the result.
                Span<byte> direct = System.Runtime.InteropServices.MemoryMarshal.AsBytes(destination[..(frames * Channels)]);
                int read = _stream.ReadAtLeast(direct, direct.Length, throwOnEndOfStream: false);
                int whole = read / frameBytes;
                _remainingFrames = whole == 0 ? 0 : _remainingFrames - whole;
                return whole;
            }

            byte[] raw = ArrayPool<byte>.Shared.Rent(frames * frameBytes);
            try
            {
                int got = _stream.ReadAtLeast(raw.AsSpan(0, frames * frameBytes), frames * frameBytes, throwOnEndOfStream: false);
                frames = got / frameBytes;
                Convert(raw.AsSpan(0, frames * frameBytes), destination[..(frames * Channels)]);
                _remainingFrames = frames == 0 ? 0 : _remainingFrames - frames;
                return frames;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(raw);
            }
        }

        public long Skip(long frames)
        {
            long skip = Math.Min(frames, _remainingFrames);
            long position = _stream.Position + skip * _bytesPerSample * Channels;
            _stream.Position = position;
            _remainingFrames -= skip;
            return skip;
        }

        private void Convert(ReadOnlySpan<byte> src, Span<float> dst)
        {
            switch (_kind)
            {
                case Sample.U8:
                    for (int i = 0; i < dst.Length; i++)
                    {
                        dst[i] = (src[i] - 128) * (1f / 0x80);
                    }

                    break;
                case Sample.S8:
                    for (int i = 0; i < dst.Length; i++)
                    {
                        dst[i] = (sbyte)src[i] * (1f / 0x80);
                    }

                    break;
                case Sample.S16:
                    for (int i = 0, j = 0; i < dst.Length; i++, j += 2)
                    {
                        short s = _bigEndian ? BinaryPrimitives.ReadInt16BigEndian(src[j..]) : BinaryPrimitives.ReadInt16LittleEndian(src[j..]);
                        dst[i] = s * (1f / 0x8000);
                    }

                    break;
                case Sample.S24:
                    for (int i = 0, j = 0; i < dst.Length; i++, j += 3)
                    {
                        int s = _bigEndian
                            ? (src[j] << 24) | (src[j + 1] << 16) | (src[j + 2] << 8)
                            : (src[j + 2] << 24) | (src[j + 1] << 16) | (src[j] << 8);
                        dst[i] = (float)s * (1f / 0x80000000u);
                    }

                    break;
                case Sample.S32:
                    for (int i = 0, j = 0; i < dst.Length; i++, j += 4)
                    {
                        int s = _bigEndian ? BinaryPrimitives.ReadInt32BigEndian(src[j..]) : BinaryPrimitives.ReadInt32LittleEndian(src[j..]);
                        dst[i] = (float)s * (1f / 0x80000000u);
                    }

                    break;
                case Sample.F32:
                    for (int i = 0, j = 0; i < dst.Length; i++, j += 4)
                    {
                        dst[i] = _bigEndian ? BinaryPrimitives.ReadSingleBigEndian(src[j..]) : BinaryPrimitives.ReadSingleLittleEndian(src[j..]);
                    }

                    break;
                default:
                    for (int i = 0, j = 0; i < dst.Length; i++, j += 8)
                    {
                        dst[i] = (float)(_bigEndian ? BinaryPrimitives.ReadDoubleBigEndian(src[j..]) : BinaryPrimitives.ReadDoubleLittleEndian(src[j..]));
                    }

                    break;
            }
        }

        public void Dispose() => _stream.Dispose();
    }
}
