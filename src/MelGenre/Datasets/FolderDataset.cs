using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace MelGenre.Datasets;

/// <summary>
/// A folder-per-genre dataset (GTZAN's layout, or anyone's music library sorted into folders):
/// <c>root/&lt;genre&gt;/**/&lt;file&gt;</c>, the genre being the name of the top-level folder. Files directly
/// in the root are ignored; sub-folders inside a genre folder are searched too. There is no split: use
/// <see cref="GenreDataset.WithStratifiedSplit"/>.
/// </summary>
public static class FolderDataset
{
    /// <summary>Reads the clips under <paramref name="root"/>.</summary>
    /// <param name="root">The folder that holds one folder per genre.</param>
    /// <returns>The dataset, clips sorted by path.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidDataException">It has no genre folders, fewer than two genres, or a genre folder without
    /// audio files (the message names them all).</exception>
    public static GenreDataset Load(string root)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (!Directory.Exists(root))
            throw new DirectoryNotFoundException($"The dataset folder '{root}' does not exist.");
        string full = Path.GetFullPath(root);
        var genreFolders = Directory.GetDirectories(full).OrderBy(d => d, StringComparer.Ordinal).ToList();
        if (genreFolders.Count == 0)
        {
            int loose = Directory.EnumerateFiles(full).Count(AudioFiles.IsAudio);
            throw new InvalidDataException($"'{full}' has no sub-folders: a folder-per-genre dataset needs root/<genre>/<audio files>" +
                (loose > 0 ? $" ({loose} audio files lie directly in the root; move them into genre folders)." : "."));
        }

        var clips = new List<GenreClip>();
        var empty = new List<string>();
        foreach (var folder in genreFolders)
        {
            string genre = Path.GetFileName(folder);
            var files = AudioFiles.Find(folder);
            if (files.Count == 0)
                empty.Add(genre);
            clips.AddRange(files.Select(f => new GenreClip(f, genre)));
        }
        if (empty.Count > 0)
        {
            throw new InvalidDataException($"Genre folder(s) without audio files ({string.Join(", ", AudioFiles.Extensions)}) in '{full}': " +
                string.Join(", ", empty.Select(e => $"'{e}'")) + ". Remove them or add clips.");
        }
        if (genreFolders.Count < 2)
            throw new InvalidDataException($"'{full}' has only one genre folder ('{Path.GetFileName(genreFolders[0])}'): a classifier needs at least two genres.");
        return new GenreDataset(clips, $"folders under {full}");
    }
}
