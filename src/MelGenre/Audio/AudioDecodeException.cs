using System;
using System.IO;

namespace MelGenre.Audio;

/// <summary>
/// An audio file could not be decoded. <see cref="Exception.Message"/> always names the file and the
/// problem, e.g. <c>Cannot decode '/data/x.mp3': the file is empty (0 bytes).</c>
/// </summary>
public sealed class AudioDecodeException : IOException
{
    /// <summary>Creates the exception; the message becomes <c>Cannot decode '{filePath}': {problem}</c>.</summary>
    /// <param name="filePath">The file that failed (as given by the caller, or its full path).</param>
    /// <param name="kind">What went wrong.</param>
    /// <param name="problem">A human-readable description of the problem, ending in a period.</param>
    /// <param name="innerException">The underlying exception, if any.</param>
    public AudioDecodeException(string filePath, AudioErrorKind kind, string problem, Exception? innerException = null)
        : base($"Cannot decode '{filePath}': {problem}", innerException)
    {
        FilePath = filePath;
        Kind = kind;
    }

    /// <summary>The file that could not be decoded.</summary>
    public string FilePath { get; }

    /// <summary>The category of the failure.</summary>
    public AudioErrorKind Kind { get; }
}
