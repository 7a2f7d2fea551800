using System;
using System.Buffers.Binary;
using System.IO;
using System.Numerics;

namespace MelGenre.Audio.Managed;

/// <summary>
/// MelGenre's own FLAC decoder (no managed FLAC package is served): STREAMINFO, frame headers with CRC-8, constant /
/// verbatim / fixed / LPC subframes, Rice residuals with 4- and 5-bit parameters and escapes, wasted bits,
/// left/side, right/side and mid/side decorrelation, 4-32-bit samples, 1-8 channels, CRC-16 per frame. Output is
/// libsndfile's: each sample divided by 2^(bits−1), which is exact, so the result is bit-identical to the native path.
/// <para>
/// Damage: a frame with a bad header, bad CRC or impossible content ends the decode. Before any good frame that is a
/// <see cref="ManagedDecodeError"/> (Corrupt, like libsndfile's error on a FLAC damaged from its first frame); after
/// good frames the intact start is returned, as the native path does for a FLAC damaged in the middle.
/// </para>
/// </summary>
internal sealed class FlacDecoder : IAudioFormatDecoder
{
    internal static readonly FlacDecoder Instance = new();

    /// <inheritdoc />
    public string Name => "FLAC";

    /// <inheritdoc />
    public IManagedAudioReader Open(string path, Stream stream, long fileBytes)
    {
        byte[] data = ManagedAudioDecoder.ReadAll(path, stream, fileBytes, Name);
        try
        {
            return new Reader(data);
        }
        catch (FlacFormatException e)
        {
            throw new AudioDecodeException(path, AudioErrorKind.Corrupt, $"the file is damaged or malformed (managed FLAC decoder: {e.Message}).", e);
        }
    }

    /// <summary>A malformed header or frame.</summary>
    private sealed class FlacFormatException : Exception
    {
        internal FlacFormatException(string message)
            : base(message)
        {
        }
    }

    private sealed class Reader : IManagedAudioReader
    {
        private readonly byte[] _data;
        private readonly int _bitsPerSample;
        private int _pos;              // byte position of the next frame
        private int[][] _channelData = [];
        private int _blockSize;        // samples per channel in the current decoded frame
        private int _blockPos;         // next sample of the current frame to hand out
        private float _scale;
        private long _delivered;
        private bool _ended;
        private int _goodFrames;

        internal Reader(byte[] data)
        {
            _data = data;
            if (data.Length < 4 || data[0] != 'f' || data[1] != 'L' || data[2] != 'a' || data[3] != 'C')
            {
                throw new FlacFormatException("no 'fLaC' marker");
            }

            int p = 4;
            bool last = false;
            bool haveInfo = false;
            while (!last)
            {
                if (p + 4 > data.Length)
                {
                    throw new FlacFormatException("the metadata blocks run past the end of the file");
                }

                last = (data[p] & 0x80) != 0;
                int type = data[p] & 0x7F;
                int length = data[p + 1] << 16 | data[p + 2] << 8 | data[p + 3];
                p += 4;
                if (p + length > data.Length)
                {
                    throw new FlacFormatException($"metadata block {type} ({length} bytes) runs past the end of the file");
                }

                if (type == 0)
                {
                    if (length < 34)
                    {
                        throw new FlacFormatException("STREAMINFO is shorter than 34 bytes");
                    }

                    ReadOnlySpan<byte> si = data.AsSpan(p, 34);
                    ulong packed = BinaryPrimitives.ReadUInt64BigEndian(si[10..]);
                    SampleRate = (int)(packed >> 44);
                    Channels = (int)((packed >> 41) & 7) + 1;
                    _bitsPerSample = (int)((packed >> 36) & 31) + 1;
                    Frames = (long)(packed & 0xF_FFFF_FFFF);
                    haveInfo = true;
                }
                else if (type == 127)
                {
                    throw new FlacFormatException("invalid metadata block type 127");
                }

                p += length;
            }

            if (!haveInfo)
            {
                throw new FlacFormatException("no STREAMINFO block");
            }

            if (Frames == 0)
            {
                // Unknown length (streamed encoders): read to the end.
                Frames = -1;
            }

            _pos = p;
        }

        public int SampleRate { get; }

        public int Channels { get; }

        public long Frames { get; private set; }

        public string Format => "FLAC";

        public int FormatCode => SfConst.Flac | (_bitsPerSample <= 8 ? SfConst.PcmS8 : _bitsPerSample <= 16 ? SfConst.Pcm16 : _bitsPerSample <= 24 ? SfConst.Pcm24 : SfConst.Pcm32);

        public bool Lossy => false;

        public int Read(Span<float> destination)
        {
            int channels = Channels;
            int want = destination.Length / channels;
            if (Frames > 0)
            {
                want = (int)Math.Min(want, Frames - _delivered);
            }

            int written = 0;
            while (written < want)
            {
                if (_blockPos == _blockSize)
                {
                    if (_ended || !NextFrame())
                    {
                        break;
                    }
                }

                int n = Math.Min(want - written, _blockSize - _blockPos);
                float scale = _scale;
                Span<float> dst = destination.Slice(written * channels, n * channels);
                for (int c = 0; c < channels; c++)
                {
                    int[] src = _channelData[c];
                    for (int i = 0, j = c; i < n; i++, j += channels)
                    {
                        dst[j] = src[_blockPos + i] * scale;
                    }
                }

                _blockPos += n;
                written += n;
            }

            _delivered += written;
            return written;
        }

        public long Skip(long frames) => ManagedAudioDecoder.SkipByReading(this, frames);

        public void Dispose()
        {
        }

        /// <summary>Decodes the frame at <see cref="_pos"/>; false at the end of the data or at a damaged frame after good ones.</summary>
        private bool NextFrame()
        {
            if (_pos + 2 > _data.Length)
            {
                _ended = true;
                return false;
            }

            try
            {
                DecodeFrame();
                _goodFrames++;
                return true;
            }
            catch (FlacFormatException e)
            {
                _ended = true;
                if (_goodFrames == 0)
                {
                    throw new ManagedDecodeError($"the first audio frame is damaged: {e.Message}");
                }

                return false;
            }
        }

        private void DecodeFrame()
        {
            byte[] d = _data;
            int start = _pos;
            if (start + 6 > d.Length)
            {
                throw new FlacFormatException($"truncated frame at byte {start}");
            }

            if (d[start] != 0xFF || (d[start + 1] & 0xFE) != 0xF8)
            {
                throw new FlacFormatException($"no frame sync code at byte {start}");
            }

            int bsCode = d[start + 2] >> 4;
            int srCode = d[start + 2] & 15;
            int chCode = d[start + 3] >> 4;
            int ssCode = (d[start + 3] >> 1) & 7;
            if ((d[start + 3] & 1) != 0 || bsCode == 0 || srCode == 15 || ssCode == 3 || chCode > 10)
            {
                throw new FlacFormatException($"invalid frame header at byte {start}");
            }

            int p = start + 4;

            // The frame/sample number, UTF-8 style: 1 to 7 bytes.
            int lead = d[p++];
            int extra = lead < 0x80 ? 0 : lead >= 0xFE ? 6 : BitOperations.LeadingZeroCount((uint)(~lead & 0xFF)) - 24 - 1;
            if (lead >= 0x80 && (lead & 0xC0) == 0x80 || extra < 0 || lead == 0xFF)
            {
                throw new FlacFormatException($"invalid frame number at byte {start}");
            }

            for (int i = 0; i < extra; i++)
            {
                if (p >= d.Length || (d[p++] & 0xC0) != 0x80)
                {
                    throw new FlacFormatException($"invalid frame number at byte {start}");
                }
            }

            int blockSize = bsCode switch
            {
                1 => 192,
                >= 2 and <= 5 => 576 << (bsCode - 2),
                6 => -1,
                7 => -2,
                _ => 256 << (bsCode - 8),
            };
            if (blockSize == -1)
            {
                blockSize = Byte(p++) + 1;
            }
            else if (blockSize == -2)
            {
                blockSize = (Byte(p) << 8 | Byte(p + 1)) + 1;
                p += 2;
            }

            if (srCode == 12)
            {
                p += 1;
            }
            else if (srCode is 13 or 14)
            {
                p += 2;
            }

            if (p >= d.Length)
            {
                throw new FlacFormatException($"truncated frame header at byte {start}");
            }

            if (Crc.Crc8(d.AsSpan(start, p - start)) != d[p])
            {
                throw new FlacFormatException($"frame header CRC-8 mismatch at byte {start}");
            }

            p++;

            int bps = ssCode switch
            {
                0 => _bitsPerSample,
                1 => 8,
                2 => 12,
                4 => 16,
                5 => 20,
                6 => 24,
                _ => 32,
            };
            if (bps > 30)
            {
                throw new FlacFormatException($"{bps}-bit samples are not supported by the managed FLAC decoder");
            }

            int channels = chCode <= 7 ? chCode + 1 : 2;
            if (channels != Channels)
            {
                throw new FlacFormatException($"a frame has {channels} channels where STREAMINFO says {Channels}");
            }

            if (_channelData.Length != channels || _channelData[0].Length < blockSize)
            {
                _channelData = new int[channels][];
                for (int c = 0; c < channels; c++)
                {
                    _channelData[c] = new int[Math.Max(blockSize, 4608)];
                }
            }

            var bits = new BitReader(d, p);
            for (int c = 0; c < channels; c++)
            {
                int subBps = bps;
                if ((chCode == 8 && c == 1) || (chCode == 9 && c == 0) || (chCode == 10 && c == 1))
                {
                    subBps++; // the side channel carries one more bit
                }

                DecodeSubframe(ref bits, subBps, blockSize, _channelData[c]);
            }

            int end = bits.AlignedBytePosition();
            if (end + 2 > d.Length)
            {
                throw new FlacFormatException($"truncated frame at byte {start}");
            }

            ushort crc = (ushort)(d[end] << 8 | d[end + 1]);
            if (Crc.Crc16(d.AsSpan(start, end - start)) != crc)
            {
                throw new FlacFormatException($"frame CRC-16 mismatch at byte {start}");
            }

            Decorrelate(chCode, blockSize);
            _pos = end + 2;
            _blockSize = blockSize;
            _blockPos = 0;
            _scale = 1f / (1 << (bps - 1));
        }

        private int Byte(int i) => i < _data.Length ? _data[i] : throw new FlacFormatException("truncated frame header");

        private void Decorrelate(int chCode, int n)
        {
            if (chCode < 8)
            {
                return;
            }

            int[] a = _channelData[0];
            int[] b = _channelData[1];
            switch (chCode)
            {
                case 8: // left/side: right = left - side
                    for (int i = 0; i < n; i++)
                    {
                        b[i] = a[i] - b[i];
                    }

                    break;
                case 9: // side/right: left = side + right
                    for (int i = 0; i < n; i++)
                    {
                        a[i] += b[i];
                    }

                    break;
                default: // mid/side
                    for (int i = 0; i < n; i++)
                    {
                        int side = b[i];
                        int mid = (a[i] << 1) | (side & 1);
                        a[i] = (mid + side) >> 1;
                        b[i] = (mid - side) >> 1;
                    }

                    break;
            }
        }

        private static void DecodeSubframe(ref BitReader bits, int bps, int n, int[] output)
        {
            if (bits.ReadBits(1) != 0)
            {
                throw new FlacFormatException("subframe padding bit is set");
            }

            int type = (int)bits.ReadBits(6);
            int wasted = 0;
            if (bits.ReadBits(1) != 0)
            {
                wasted = bits.ReadUnary() + 1;
                if (wasted >= bps)
                {
                    throw new FlacFormatException("wasted bits exceed the sample size");
                }

                bps -= wasted;
            }

            if (type == 0)
            {
                int v = bits.ReadSigned(bps);
                output.AsSpan(0, n).Fill(v);
            }
            else if (type == 1)
            {
                for (int i = 0; i < n; i++)
                {
                    output[i] = bits.ReadSigned(bps);
                }
            }
            else if (type >= 8 && type <= 12)
            {
                int order = type - 8;
                if (order > n)
                {
                    throw new FlacFormatException("fixed predictor order exceeds the block size");
                }

                for (int i = 0; i < order; i++)
                {
                    output[i] = bits.ReadSigned(bps);
                }

                ReadResidual(ref bits, n, order, output);
                RestoreFixed(output, n, order);
            }
            else if (type >= 32)
            {
                int order = type - 31;
                if (order > n)
                {
                    throw new FlacFormatException("LPC order exceeds the block size");
                }

                for (int i = 0; i < order; i++)
                {
                    output[i] = bits.ReadSigned(bps);
                }

                int precision = (int)bits.ReadBits(4) + 1;
                if (precision == 16)
                {
                    throw new FlacFormatException("invalid LPC precision");
                }

                int shift = bits.ReadSigned(5);
                if (shift < 0)
                {
                    throw new FlacFormatException("negative LPC shift");
                }

                Span<int> coefs = stackalloc int[32];
                for (int i = 0; i < order; i++)
                {
                    coefs[i] = bits.ReadSigned(precision);
                }

                ReadResidual(ref bits, n, order, output);
                RestoreLpc(output, n, coefs[..order], shift);
            }
            else
            {
                throw new FlacFormatException($"reserved subframe type {type}");
            }

            if (wasted > 0)
            {
                for (int i = 0; i < n; i++)
                {
                    output[i] <<= wasted;
                }
            }
        }

        private static void ReadResidual(ref BitReader bits, int n, int order, int[] output)
        {
            int method = (int)bits.ReadBits(2);
            if (method > 1)
            {
                throw new FlacFormatException("reserved residual coding method");
            }

            int paramBits = method == 0 ? 4 : 5;
            int escape = method == 0 ? 15 : 31;
            int partitionOrder = (int)bits.ReadBits(4);
            int partitions = 1 << partitionOrder;
            int perPartition = n >> partitionOrder;
            if ((perPartition << partitionOrder) != n || perPartition < order)
            {
                throw new FlacFormatException("the residual partitions do not fit the block");
            }

            int i = order;
            for (int part = 0; part < partitions; part++)
            {
                int end = (part + 1) * perPartition;
                int k = (int)bits.ReadBits(paramBits);
                if (k == escape)
                {
                    int raw = (int)bits.ReadBits(5);
                    for (; i < end; i++)
                    {
                        output[i] = raw == 0 ? 0 : bits.ReadSigned(raw);
                    }
                }
                else
                {
                    bits.ReadRice(output.AsSpan(i, end - i), k);
                    i = end;
                }
            }
        }

        private static void RestoreFixed(int[] s, int n, int order)
        {
            switch (order)
            {
                case 0:
                    break;
                case 1:
                    for (int i = 1; i < n; i++)
                    {
                        s[i] += s[i - 1];
                    }

                    break;
                case 2:
                    for (int i = 2; i < n; i++)
                    {
                        s[i] += 2 * s[i - 1] - s[i - 2];
                    }

                    break;
                case 3:
                    for (int i = 3; i < n; i++)
                    {
                        s[i] += 3 * (s[i - 1] - s[i - 2]) + s[i - 3];
                    }

                    break;
                default:
                    for (int i = 4; i < n; i++)
                    {
                        s[i] += 4 * (s[i - 1] + s[i - 3]) - 6 * s[i - 2] - s[i - 4];
                    }

                    break;
            }
        }

        private static unsafe void RestoreLpc(int[] s, int n, ReadOnlySpan<int> coefs, int shift)
        {
            int order = coefs.Length;
            fixed (int* sp = s)
            fixed (int* cp = coefs)
            {
                if (order == 8)
                {
                    // The most common order (libFLAC's default levels use up to 8 and 12): unrolled.
                    long c0 = cp[0], c1 = cp[1], c2 = cp[2], c3 = cp[3], c4 = cp[4], c5 = cp[5], c6 = cp[6], c7 = cp[7];
                    for (int i = 8; i < n; i++)
                    {
                        int* h = sp + i;
                        long sum = c0 * h[-1] + c1 * h[-2] + c2 * h[-3] + c3 * h[-4] + c4 * h[-5] + c5 * h[-6] + c6 * h[-7] + c7 * h[-8];
                        *h += (int)(sum >> shift);
                    }

                    return;
                }

                for (int i = order; i < n; i++)
                {
                    int* h = sp + i - 1;
                    long sum = 0;
                    for (int j = 0; j < order; j++)
                    {
                        sum += (long)cp[j] * h[-j];
                    }

                    sp[i] += (int)(sum >> shift);
                }
            }
        }
    }

    /// <summary>Big-endian bit reader over a byte array (MSB first), as FLAC frames are packed.</summary>
    private struct BitReader
    {
        private readonly byte[] _data;
        private long _bit;

        internal BitReader(byte[] data, int bytePosition)
        {
            _data = data;
            _bit = (long)bytePosition * 8;
        }

        /// <summary>The next 64 bits from the current position (zeros past the end, which the callers check).</summary>
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        private readonly ulong Peek64()
        {
            int index = (int)(_bit >> 3);
            int shift = (int)(_bit & 7);
            ulong word;
            if (index + 9 <= _data.Length)
            {
                word = BinaryPrimitives.ReverseEndianness(System.Runtime.CompilerServices.Unsafe.ReadUnaligned<ulong>(ref _data[index]));
                if (shift != 0)
                {
                    word = (word << shift) | ((ulong)_data[index + 8] >> (8 - shift));
                }

                return word;
            }

            // Near the end of the data: assemble byte by byte, zeros past the end.
            ulong hi = 0;
            for (int i = 0; i < 8; i++)
            {
                hi = (hi << 8) | (index + i < _data.Length ? _data[index + i] : 0UL);
            }

            ulong next = index + 8 < _data.Length ? _data[index + 8] : 0UL;
            return shift == 0 ? hi : (hi << shift) | (next >> (8 - shift));
        }

        private void Advance(int n)
        {
            _bit += n;
            if (_bit > (long)_data.Length * 8)
            {
                throw new FlacFormatException("the frame runs past the end of the file");
            }
        }

        internal uint ReadBits(int n)
        {
            if (n == 0)
            {
                return 0;
            }

            uint v = (uint)(Peek64() >> (64 - n));
            Advance(n);
            return v;
        }

        internal int ReadSigned(int n)
        {
            if (n == 0)
            {
                return 0;
            }

            long v = (long)Peek64() >> (64 - n);
            Advance(n);
            return (int)v;
        }

        internal int ReadUnary()
        {
            int count = 0;
            while (true)
            {
                ulong w = Peek64();
                if (w != 0)
                {
                    int z = BitOperations.LeadingZeroCount(w);
                    Advance(z + 1);
                    return count + z;
                }

                Advance(64);
                count += 64;
                if (count > (1 << 24))
                {
                    throw new FlacFormatException("runaway unary code");
                }
            }
        }

        /// <summary>Rice-coded residuals with parameter <paramref name="k"/>, zig-zag decoded.</summary>
        internal void ReadRice(Span<int> dst, int k)
        {
            long limit = (long)_data.Length * 8;
            for (int i = 0; i < dst.Length; i++)
            {
                ulong w = Peek64();
                int q;
                if (w != 0)
                {
                    q = BitOperations.LeadingZeroCount(w);
                    int used = q + 1;
                    if (used + k <= 64)
                    {
                        uint low = k == 0 ? 0u : (uint)((w << used) >> (64 - k));
                        _bit += used + k;
                        uint u = ((uint)q << k) | low;
                        dst[i] = (int)(u >> 1) ^ -(int)(u & 1);
                        continue;
                    }

                    _bit += used;
                }
                else
                {
                    q = ReadUnary();
                }

                uint lo = ReadBits(k);
                uint uu = ((uint)q << k) | lo;
                dst[i] = (int)(uu >> 1) ^ -(int)(uu & 1);
            }

            if (_bit > limit)
            {
                throw new FlacFormatException("the frame runs past the end of the file");
            }
        }

        internal readonly int AlignedBytePosition() => (int)((_bit + 7) >> 3);
    }

    private static class Crc
    {
        private static readonly byte[] Table8 = Build8();
        private static readonly ushort[] Table16 = Build16();

        private static byte[] Build8()
        {
            var t = new byte[256];
            for (int i = 0; i < 256; i++)
            {
                int c = i;
                for (int b = 0; b < 8; b++)
                {
                    c = (c & 0x80) != 0 ? (c << 1) ^ 0x07 : c << 1;
                }

                t[i] = (byte)c;
            }

            return t;
        }

        private static ushort[] Build16()
        {
            var t = new ushort[256];
            for (int i = 0; i < 256; i++)
            {
                int c = i << 8;
                for (int b = 0; b < 8; b++)
                {
                    c = (c & 0x8000) != 0 ? (c << 1) ^ 0x8005 : c << 1;
                }

                t[i] = (ushort)c;
            }

            return t;
        }

        internal static byte Crc8(ReadOnlySpan<byte> data)
        {
            byte c = 0;
            foreach (byte b in data)
            {
                c = Table8[c ^ b];
            }

            return c;
        }

        internal static ushort Crc16(ReadOnlySpan<byte> data)
        {
            int c = 0;
            foreach (byte b in data)
            {
                c = ((c << 8) ^ Table16[(c >> 8) ^ b]) & 0xFFFF;
            }

            return (ushort)c;
        }
    }
}
