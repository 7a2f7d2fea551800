using System;
using System.Collections.Generic;
using System.IO;

namespace MelGenre.Datasets;

/// <summary>
/// Finds a file listed twice. With two different labels (genre or split) it would land in two splits with two answers:
/// train/test leakage and a contradiction, so it is refused with both lines named. Listed twice with the same label, it
/// is kept once and reported as a warning.
/// </summary>
internal sealed class DuplicateClips(string source)
{
    private readonly Dictionary<string, (GenreClip Clip, int Line)> _seen = new(StringComparer.Ordinal);
    private readonly List<string> _warnings = new();

    /// <summary>What was dropped, one sentence per file.</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    /// <summary>True the first time a file is seen; false for an exact repeat (warned); throws for a conflicting one.</summary>
    /// <exception cref="InvalidDataException">The file was listed before with another genre or split.</exception>
    public bool IsNew(GenreClip clip, int line)
    {
        if (!_seen.TryGetValue(clip.Path, out var first))
        {
            _seen[clip.Path] = (clip, line);
            return true;
        }
        if (first.Clip.Genre != clip.Genre || first.Clip.Split != clip.Split)
        {
            throw new InvalidDataException($"{source}: '{clip.Path}' is listed twice with different labels: line {first.Line} ({Describe(first.Clip)}) " +
                $"and line {line} ({Describe(clip)}). A file can have one genre and one split; remove one of the lines.");
        }
        _warnings.Add($"{source}, line {line}: '{clip.Path}' is listed again (first on line {first.Line}, same genre '{clip.Genre}'); it is used once.");
        return false;
    }

    private static string Describe(GenreClip c) => c.Split is DatasetSplit s ? $"genre '{c.Genre}', split {s.ToName()}" : $"genre '{c.Genre}'";
}
