using System;
using System.Collections.Generic;
using System.IO;

namespace MelGenre.Datasets;

/// <summary>The audio file extensions MelGenre's decoder reads (libsndfile: MP3, WAV, FLAC, Ogg, AIFF, AU).</summary>
public static class AudioFiles
{
    /// <summary>The extensions, lower case with the dot.</summary>
    public static IReadOnlySet<string> Extensions { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        ".mp3", ".wav", ".flac", ".ogg", ".oga", ".opus", ".aif", ".aiff", ".au",
    };

    /// <summary>True when <paramref name="path"/> has one of <see cref="Extensions"/>.</summary>
    /// <param name="path">A file path.</param>
    /// <returns>Whether it looks like audio MelGenre can decode.</returns>
    public static bool IsAudio(string path) => Extensions.Contains(Path.GetExtension(path));

    /// <summary>Every audio file under <paramref name="folder"/> (recursively), sorted ordinally by path.</summary>
    /// <param name="folder">The folder.</param>
    /// <returns>Full paths.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public static IReadOnlyList<string> Find(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"The folder '{folder}' does not exist.");
        var files = new List<string>();
        foreach (var f in Directory.EnumerateFiles(Path.GetFullPath(folder), "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true }))
        {
            if (IsAudio(f))
                files.Add(f);
        }
        files.Sort(StringComparer.Ordinal);
        return files;
    }
}
