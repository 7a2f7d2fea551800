using System;
using System.IO;

namespace MelGenre.Audio.Managed;

/// <summary>
/// One managed decoder for one file format (WAV/AIFF, FLAC, Ogg Vorbis, MP3). <see cref="ManagedAudioDecoder"/>
/// picks the decoder by the file's content signature and drives the returned <see cref="IManagedAudioReader"/>.
/// </summary>
internal interface IAudioFormatDecoder
{
    /// <summary>Short name used in messages, e.g. "FLAC".</summary>
    string Name { get; }

    /// <summary>Opens the stream (positioned at the format's first byte) and reads its header.</summary>
    /// <param name="path">The path as the caller gave it (for messages).</param>
    /// <param name="stream">The file, positioned where the format starts (after any ID3v2 tag for FLAC/MP3).</param>
    /// <param name="fileBytes">Total size of the file in bytes.</param>
    /// <returns>A reader that owns <paramref name="stream"/>.</returns>
    /// <exception cref="AudioDecodeException">The header is damaged, or the encoding is not supported.</exception>
    IManagedAudioReader Open(string path, Stream stream, long fileBytes);
}

/// <summary>An open audio stream that yields interleaved float32 frames with libsndfile's scaling.</summary>
internal interface IManagedAudioReader : IDisposable
{
    /// <summary>Sample rate in Hz.</summary>
    int SampleRate { get; }

    /// <summary>Interleaved channels per frame.</summary>
    int Channels { get; }

    /// <summary>Length in frames as the header says (what libsndfile reports), or -1 when unknown.</summary>
    long Frames { get; }

    /// <summary>libsndfile-style description, e.g. "WAV (PCM 16-bit)", "FLAC", "MP3".</summary>
    string Format { get; }

    /// <summary>The equivalent libsndfile SF_FORMAT_* code (major | subtype).</summary>
    int FormatCode { get; }

    /// <summary>Whether the codec is lossy (MP3, Vorbis): then garbage output is detected by amplitude.</summary>
    bool Lossy { get; }

    /// <summary>
    /// Decodes up to <c>destination.Length / Channels</c> frames. Returns the number of frames written; 0 at the end
    /// of the audio (or where damaged data stops the decode after intact frames, as libsndfile does).
    /// </summary>
    /// <exception cref="AudioDecodeException">The data is damaged in a way libsndfile reports as an error.</exception>
    int Read(Span<float> destination);

    /// <summary>
    /// Skips <paramref name="frames"/> frames (decoding them when the format cannot seek exactly).
    /// Returns how many were skipped (fewer at the end of the audio).
    /// </summary>
    long Skip(long frames);
}
