using System;
using System.IO;
using NLayer;

namespace MelGenre.Audio.Managed;

/// <summary>
/// MPEG audio (layers I-III, MPEG-1/2/2.5) with NLayer's frame decoder driven frame by frame, so the output lines up
/// with mpg123's (what libsndfile uses): MelGenre finds the frames itself (<see cref="MpegLayout"/>), skips the
/// Xing/Info tag frame, emits a frame of silence wherever NLayer cannot decode a frame (a frame whose bit reservoir
/// lies before the start of the file, which mpg123 also turns into silence), and applies mpg123's gapless rule when a
/// LAME/Lavf tag is present: drop the first <c>encoder delay + 529</c> samples and end <c>padding − 529</c> samples
/// before the last frame's end. Without such a tag every decoded sample is kept, as mpg123 does. iTunSMPB tags are
/// ignored (mpg123 ignores them too).
/// </summary>
internal sealed class Mp3Decoder : IAudioFormatDecoder
{
    internal static readonly Mp3Decoder Instance = new();

    /// <summary>Whether NLayer's 24 kHz scalefactor-band table was corrected (see <see cref="FixNLayerTables"/>).</summary>
    internal static readonly bool Patched24kHzTable = FixNLayerTables();

    /// <summary>mpg123's decoder delay (GAPLESS_DELAY): the synthesis filterbank's 528 + 1 samples.</summary>
    internal const int DecoderDelay = 529;

    /// <inheritdoc />
    public string Name => "MP3";

    /// <inheritdoc />
    public IManagedAudioReader Open(string path, Stream stream, long fileBytes)
    {
        stream.Position = 0;
        byte[] data = ManagedAudioDecoder.ReadAll(path, stream, fileBytes, Name);

        int start = 0;
        while (start + 10 <= data.Length && data[start] == 'I' && data[start + 1] == 'D' && data[start + 2] == '3')
        {
            long end = start + Id3v2.TagEnd(data.AsSpan(start, 10));
            if (end > data.Length)
            {
                break;
            }

            start = (int)end;
        }

        MpegLayout layout = MpegLayout.Scan(data, start);
        if (layout.Offsets.Count == 0)
        {
            FileSignature signature = FileSignatureSniffer.Classify(data.AsSpan(0, Math.Min(12, data.Length)));
            if (signature == FileSignature.Other)
            {
                throw new AudioDecodeException(path, AudioErrorKind.UnsupportedFormat,
                    $"the content ({fileBytes} bytes) is not a recognised audio format: it has no audio header, and the MP3 decoder " +
                    "(tried because of the file name) found no MPEG audio frames (managed MP3 decoder).");
            }

            throw new AudioDecodeException(path, AudioErrorKind.Corrupt,
                $"it looks like MP3 ({(signature == FileSignature.Id3 ? "it starts with an ID3 tag" : "it starts with an MPEG frame header")}) " +
                $"but the MP3 decoder found no decodable MPEG audio frames in its {fileBytes} bytes (managed MP3 decoder).");
        }

        if (HasEightKilohertzShortBlocks(data, layout))
        {
            throw new AudioDecodeException(path, AudioErrorKind.UnsupportedFormat,
                "the audio encoding is not supported (managed MP3 decoder: MPEG-2.5 at 8 kHz with short blocks, whose Huffman region " +
                "boundary NLayer 3.0.1 puts at line 36 where mpg123 and LAME use 72, so those frames would decode wrongly; " +
                "the native libsndfile backend reads it).");
        }

        return new Reader(path, data, layout);
    }

    /// <summary>
    /// NLayer 3.0.1's long-block scalefactor band table for MPEG-2 24 kHz has 330 where ISO 13818-3 (and mpg123) have
    /// 332 (band 18 starts at line 332), which mis-decodes every 24 kHz frame with energy in bands 17-19. The table is
    /// a private static array; its element is corrected once, only if it still holds the wrong value.
    /// </summary>
    private static bool FixNLayerTables()
    {
        try
        {
            System.Reflection.FieldInfo? field = typeof(MpegFrameDecoder).Assembly.GetType("NLayer.Decoder.LayerIIIDecoder")?
                .GetField("_sfBandIndexLTable", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static);
            if (field?.GetValue(null) is int[][] tables && tables.Length > 4 && tables[4].Length == 23 && tables[4][18] == 330)
            {
                tables[4][18] = 332;
                return true;
            }
        }
        catch (Exception e) when (e is MemberAccessException or System.Reflection.TargetException or NotSupportedException)
        {
            // Trimmed or changed NLayer: decode with its own table.
        }

        return false;
    }

    /// <summary>
    /// Whether an MPEG-2.5 8 kHz layer III stream has any granule with short blocks (window switching, block type 2):
    /// read from the side information, 63 bits per channel after main_data_begin (8 bits) and the private bits.
    /// </summary>
    internal static bool HasEightKilohertzShortBlocks(byte[] data, MpegLayout layout)
    {
        for (int f = 0; f < layout.Offsets.Count; f++)
        {
            MpegHeader h = layout.Headers[f];
            if (h.Layer != 3 || h.SampleRate != 8000)
            {
                continue;
            }

            int side = layout.Offsets[f] + 4 + (h.HasCrc ? 2 : 0);
            int channels = h.Channels;
            for (int ch = 0; ch < channels; ch++)
            {
                int bit = 8 + (channels == 1 ? 1 : 2) + ch * 63 + 38;
                int windowSwitching = Bit(data, side, bit);
                int blockType = Bit(data, side, bit + 1) << 1 | Bit(data, side, bit + 2);
                if (windowSwitching == 1 && blockType == 2)
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static int Bit(byte[] data, int start, int bit)
    {
        int i = start + (bit >> 3);
        return i < data.Length ? (data[i] >> (7 - (bit & 7))) & 1 : 0;
    }

    private static readonly System.Reflection.FieldInfo? LayerIIIField = typeof(MpegFrameDecoder)
        .GetField("_layerIIIDecoder", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance);

    /// <summary>
    /// NLayer 3.0.1 builds its short-block window map (which of the three windows each of the 576 lines belongs to)
    /// for scalefactor bands 0-11 only, leaving band 12 (the top band, which has no scalefactor but does have a
    /// per-window subblock gain) all "window 0". Frames with short blocks and unequal subblock gains (LAME's VBR modes
    /// use them) then decode those lines with the wrong gain. This completes the map of one decoder instance, after
    /// NLayer has built it for the stream's sample rate; true if it was patched (or already right).
    /// </summary>
    internal static bool FixShortWindowMap(MpegFrameDecoder decoder)
    {
        try
        {
            object? layer3 = LayerIIIField?.GetValue(decoder);
            if (layer3 is null)
            {
                return false;
            }

            Type t = layer3.GetType();
            const System.Reflection.BindingFlags Flags = System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance;
            if (t.GetField("_sfBandIndexS", Flags)?.GetValue(layer3) is not int[] bands || bands.Length < 14 ||
                t.GetField("_cbwLookupS", Flags)?.GetValue(layer3) is not byte[] windows || windows.Length < 576)
            {
                return false;
            }

            int width = bands[13] - bands[12];
            int start = bands[12] * 3;
            for (int w = 0; w < 3; w++)
            {
                for (int j = 0; j < width; j++)
                {
                    windows[start + w * width + j] = (byte)w;
                }
            }

            return true;
        }
        catch (Exception e) when (e is MemberAccessException or System.Reflection.TargetException or NotSupportedException or ArgumentException)
        {
            return false;
        }
    }

    private sealed class Reader : IManagedAudioReader
    {
        private readonly string _path;
        private readonly byte[] _data;
        private readonly MpegLayout _layout;
        private int _undecodable;         // frames NLayer rejected with an exception (not reservoir starvation)
        private readonly MpegFrameDecoder _decoder = new();
        private readonly MpegFrameView _view = new();
        private readonly float[] _frame = new float[1152 * 2];
        private readonly long _begin;     // first sample (per channel) of the decoded stream that is output
        private readonly long _end;       // one past the last one
        private int _next;                // next frame to decode
        private long _decoded;            // samples per channel decoded so far (position of _frame's start)
        private int _frameSamples;        // samples per channel in _frame
        private int _framePos;            // next sample of _frame to hand out

        internal Reader(string path, byte[] data, MpegLayout layout)
        {
            _ = Patched24kHzTable;
            _path = path;
            _data = data;
            _layout = layout;
            MpegHeader first = layout.Headers[0];
            SampleRate = first.SampleRate;
            Channels = first.Channels;
            Layer = first.Layer;

            long total = 0;
            foreach (MpegHeader h in layout.Headers)
            {
                total += h.Samples;
            }

            if (layout.HasLameTag)
            {
                _begin = layout.EncoderDelay + DecoderDelay;
                long end = layout.XingFrames > 0
                    ? layout.XingFrames * first.Samples - layout.EncoderPadding + DecoderDelay
                    : total - layout.EncoderPadding + DecoderDelay;
                _end = Math.Min(end, total);
            }
            else
            {
                _begin = 0;
                _end = total;
            }

            Frames = layout.NativeFrames(data.Length, Math.Max(0, _end - _begin));

            if (Layer == 3)
            {
                // Let NLayer build its tables for this rate on the first frame, complete its short-block window map,
                // then start again from a clean decoder state.
                try
                {
                    _view.Set(_data, _layout.Offsets[0], first);
                    _decoder.DecodeFrame(_view, _frame, 0);
                }
                catch (Exception e) when (e is InvalidDataException or IndexOutOfRangeException or ArgumentException or EndOfStreamException)
                {
                    // The real decode meets the same frame again and handles it.
                }

                FixShortWindowMap(_decoder);
                _decoder.Reset();
            }
        }

        public int SampleRate { get; }

        public int Channels { get; }

        private int Layer { get; }

        public long Frames { get; }

        public string Format => Layer switch { 1 => "MP1", 2 => "MP2", _ => "MP3" };

        public int FormatCode => SfConst.Mpeg | (Layer switch { 1 => SfConst.MpegLayerI, 2 => SfConst.MpegLayerII, _ => SfConst.MpegLayerIII });

        public bool Lossy => true;

        public int Read(Span<float> destination)
        {
            int channels = Channels;
            int want = destination.Length / channels;
            int written = 0;
            while (written < want)
            {
                if (_framePos == _frameSamples)
                {
                    if (!DecodeNext())
                    {
                        break;
                    }

                    continue;
                }

                long position = _decoded + _framePos;
                if (position < _begin)
                {
                    _framePos = (int)Math.Min(_frameSamples, _begin - _decoded);
                    continue;
                }

                if (position >= _end)
                {
                    break;
                }

                int n = (int)Math.Min(Math.Min(want - written, _frameSamples - _framePos), _end - position);
                _frame.AsSpan(_framePos * channels, n * channels).CopyTo(destination[(written * channels)..]);
                _framePos += n;
                written += n;
            }

            return written;
        }

        /// <summary>Decodes the next frame into <see cref="_frame"/>; false after the last frame.</summary>
        private bool DecodeNext()
        {
            _decoded += _frameSamples;
            _frameSamples = 0;
            _framePos = 0;
            if (_next >= _layout.Offsets.Count || _decoded >= _end)
            {
                return false;
            }

            if (_next == _layout.DamagedFrame)
            {
                // libsndfile (mpg123) fails the read where the frame chain breaks inside the file.
                throw new ManagedDecodeError($"the MPEG frame chain breaks before byte {_layout.DamagedByte}: the data in between is damaged");
            }

            MpegHeader h = _layout.Headers[_next];
            _view.Set(_data, _layout.Offsets[_next], h);
            _next++;
            int count;
            try
            {
                count = h.Channels == Channels ? _decoder.DecodeFrame(_view, _frame, 0) : 0;
            }
            catch (Exception e) when (e is InvalidDataException or IndexOutOfRangeException or ArgumentException or EndOfStreamException)
            {
                count = 0;
                _undecodable++;
                if (_undecodable >= 3 && _undecodable * 10 >= _next)
                {
                    // mpg123 "decodes" such frames into values far beyond full scale, which the native path rejects.
                    throw new AudioDecodeException(_path, AudioErrorKind.Corrupt,
                        $"{_undecodable} of the first {_next} MPEG frames cannot be decoded (managed MP3 decoder: {e.Message.TrimEnd('.')}): " +
                        "the compressed frames are damaged or garbage.", e);
                }
            }

            int expected = h.Samples * Channels;
            if (count != expected)
            {
                // Bit reservoir before the start of the data, or a frame NLayer rejects: mpg123 outputs silence.
                _frame.AsSpan(0, expected).Clear();
            }

            _frameSamples = h.Samples;
            return true;
        }

        public long Skip(long frames) => ManagedAudioDecoder.SkipByReading(this, frames);

        public void Dispose()
        {
        }
    }
}
