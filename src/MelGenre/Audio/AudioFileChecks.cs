using System;
using System.Globalization;
using System.IO;

namespace MelGenre.Audio;

/// <summary>
/// The checks both decoders (native and managed) make before decoding, so that a bad path or range gets the same
/// exception and wording whichever backend runs: the path (empty, NUL, directory, missing, 0 bytes) and the
/// offset/duration arguments.
/// </summary>
internal static class AudioFileChecks
{
    /// <summary>Checks the path cheaply, before any decoder sees it; returns the file's size in bytes (> 0).</summary>
    /// <exception cref="AudioDecodeException">The path cannot be an audio file.</exception>
    public static long CheckPath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (string.IsNullOrWhiteSpace(path))
            throw new AudioDecodeException(path, AudioErrorKind.FileNotFound, "the path is empty.");

        // No file system allows it, and a C API would silently cut the path there.
        if (path.Contains('\0', StringComparison.Ordinal))
            throw new AudioDecodeException(path, AudioErrorKind.FileNotFound, "the path contains a NUL character.");

        // Clearer messages than a decoder's "System error", and directories and empty files never reach a decoder.
        if (Directory.Exists(path))
            throw new AudioDecodeException(path, AudioErrorKind.FileNotFound, "the path is a directory, not a file.");

        var file = new FileInfo(path);
        if (!file.Exists)
        {
            throw new AudioDecodeException(path, AudioErrorKind.FileNotFound,
                $"the file does not exist (looked for '{NativeLibraryLoader.SafeFullPath(path)}').");
        }

        long bytes = file.Length;
        if (bytes == 0)
            throw new AudioDecodeException(path, AudioErrorKind.EmptyFile, "the file is empty (0 bytes).");
        return bytes;
    }

    /// <summary>librosa's offset/duration rules: finite, 0 or more (duration null = to the end).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An argument breaks the rule.</exception>
    public static void CheckRange(double offsetSeconds, double? durationSeconds)
    {
        if (!(offsetSeconds >= 0) || double.IsInfinity(offsetSeconds))
        {
            throw new ArgumentOutOfRangeException(nameof(offsetSeconds), offsetSeconds,
                "The offset must be a finite number of seconds, 0 or more.");
        }

        if (durationSeconds is double d && (!(d >= 0) || double.IsInfinity(d)))
        {
            throw new ArgumentOutOfRangeException(nameof(durationSeconds), d,
                "The duration must be a finite number of seconds, 0 or more, or null to read to the end.");
        }
    }

    /// <summary>Seconds as the decoders' messages print them, e.g. <c>1.5 s</c>.</summary>
    public static string Seconds(double s) => s.ToString("0.######", CultureInfo.InvariantCulture) + " s";
}
