using System;

namespace MelGenre.Audio;

/// <summary>What an audio file holds, as reported by its header (see <see cref="AudioDecoder.GetInfo(string)"/>).</summary>
public sealed class AudioInfo
{
    internal AudioInfo(string path, int sampleRate, int channels, long frames, string format, int formatCode)
    {
        Path = path;
        SampleRate = sampleRate;
        Channels = channels;
        Frames = frames;
        Format = format;
        FormatCode = formatCode;
        // A truncated Ogg makes libsndfile report INT64_MAX frames (length unknown): more seconds than a TimeSpan holds.
        double seconds = sampleRate > 0 ? (double)frames / sampleRate : 0;
        Duration = seconds >= TimeSpan.MaxValue.TotalSeconds / 2 ? TimeSpan.MaxValue : TimeSpan.FromSeconds(seconds);
    }

    /// <summary>The path the information was read from.</summary>
    public string Path { get; }

    /// <summary>Native sample rate in Hz.</summary>
    public int SampleRate { get; }

    /// <summary>Number of interleaved channels.</summary>
    public int Channels { get; }

    /// <summary>
    /// Length in frames (samples per channel). Exact for PCM, FLAC and Ogg; for MP3 it is what the
    /// decoder (mpg123) reports from the Xing/LAME header or its scan of the file.
    /// </summary>
    public long Frames { get; }

    /// <summary>Container and encoding, e.g. "MP3", "WAV (PCM 16-bit)", "WAV (32-bit float)", "FLAC", "OGG (Vorbis)".</summary>
    public string Format { get; }

    /// <summary><see cref="Frames"/> divided by <see cref="SampleRate"/> (<see cref="TimeSpan.MaxValue"/> when the length is unknown).</summary>
    public TimeSpan Duration { get; }

    /// <summary>The raw libsndfile SF_FORMAT_* code (major type | subtype).</summary>
    internal int FormatCode { get; }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Format}, {SampleRate} Hz, {Channels} ch, {Frames} frames ({Duration.TotalSeconds:0.###} s)";
}
