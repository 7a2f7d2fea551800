using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace MelGenre.Datasets;

/// <summary>
/// A dataset listed in a CSV file with a header row naming the columns: <c>path</c> and <c>genre</c> (required),
/// <c>split</c> (training/validation/test, optional) and <c>artist</c> (optional), in any order; other columns
/// (e.g. <c>track_id</c>) are kept when they are called <c>track_id</c> or <c>id</c>, else ignored. Relative paths
/// are resolved against the CSV's folder (or the given base folder). Standard CSV quoting is understood.
/// </summary>
public static class CsvDataset
{
    /// <summary>Reads the dataset.</summary>
    /// <param name="csvPath">The CSV file.</param>
    /// <param name="baseFolder">Folder that relative paths are resolved against; null means the CSV's folder.</param>
    /// <param name="checkFilesExist">Fail when a listed audio file does not exist (default true; all missing files are
    /// listed in one message).</param>
    /// <returns>The dataset, in file order.</returns>
    /// <exception cref="FileNotFoundException">The CSV file does not exist.</exception>
    /// <exception cref="InvalidDataException">The CSV is malformed: the message gives the line number and what is
    /// wrong (missing column, wrong field count, empty path or genre, unknown split, missing files, a single genre).</exception>
    public static GenreDataset Load(string csvPath, string? baseFolder = null, bool checkFilesExist = true)
    {
        ArgumentNullException.ThrowIfNull(csvPath);
        if (!File.Exists(csvPath))
            throw new FileNotFoundException($"The dataset CSV '{csvPath}' does not exist.", csvPath);
        string full = Path.GetFullPath(csvPath);
        string root = Path.GetFullPath(baseFolder ?? Path.GetDirectoryName(full)!);
        using var records = CsvTable.Read(full).GetEnumerator();
        if (!records.MoveNext())
            throw new InvalidDataException($"{full}: the file is empty; expected a header row such as 'path,genre,split,artist'.");
        var header = records.Current.Fields.Select(h => h.Trim().ToLowerInvariant()).ToArray();
        int Col(string name) => Array.IndexOf(header, name);
        int pathCol = Col("path"), genreCol = Col("genre"), splitCol = Col("split"), artistCol = Col("artist");
        int idCol = Col("track_id") >= 0 ? Col("track_id") : Col("id");
        if (pathCol < 0 || genreCol < 0)
        {
            throw new InvalidDataException($"{full}, line 1: the header must name the columns 'path' and 'genre' (optional: 'split', 'artist'), got: " +
                string.Join(",", records.Current.Fields) + ".");
        }

        var clips = new List<GenreClip>();
        var missing = new List<string>();
        var duplicates = new DuplicateClips(full);
        while (records.MoveNext())
        {
            var (fields, line) = records.Current;
            if (fields.Length == 1 && fields[0].Trim().Length == 0)
                continue; // blank line
            if (fields.Length != header.Length)
                throw new InvalidDataException($"{full}, line {line}: {fields.Length} fields, the header has {header.Length} (an unquoted comma in a value?).");
            string path = fields[pathCol].Trim(), genre = fields[genreCol].Trim();
            if (path.Length == 0)
                throw new InvalidDataException($"{full}, line {line}: the path is empty.");
            if (genre.Length == 0)
                throw new InvalidDataException($"{full}, line {line}: the genre of '{path}' is empty.");
            DatasetSplit? split = null;
            if (splitCol >= 0 && !DatasetSplits.TryParse(fields[splitCol], out split))
                throw new InvalidDataException($"{full}, line {line}: unknown split '{fields[splitCol]}' (expected training, validation, test or empty).");
            string resolved = Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(root, path));
            if (checkFilesExist && !File.Exists(resolved))
                missing.Add($"line {line}: {resolved}");
            string? artist = artistCol >= 0 && fields[artistCol].Trim().Length > 0 ? fields[artistCol].Trim() : null;
            string? id = idCol >= 0 && fields[idCol].Trim().Length > 0 ? fields[idCol].Trim() : null;
            var clip = new GenreClip(resolved, genre, split, artist, id);
            if (duplicates.IsNew(clip, line))
                clips.Add(clip);
        }
        if (clips.Count == 0)
            throw new InvalidDataException($"{full}: the header is there but no clips are listed.");
        if (missing.Count > 0)
        {
            throw new InvalidDataException($"{full}: {missing.Count} listed audio file(s) do not exist (relative paths are resolved against '{root}'): " +
                string.Join("; ", missing.Take(10)) + (missing.Count > 10 ? $"; and {missing.Count - 10} more" : "") + ".");
        }
        if (splitCol >= 0 && clips.Any(c => c.Split is null) && clips.Any(c => c.Split is not null))
        {
            var first = clips.First(c => c.Split is null);
            throw new InvalidDataException($"{full}: some rows have a split and some do not (first without: '{first.Path}'); give every row a split or none.");
        }
        var dataset = new GenreDataset(clips, $"CSV {full}") { Warnings = duplicates.Warnings };
        if (dataset.Genres.Count < 2)
            throw new InvalidDataException($"{full}: every clip has the genre '{dataset.Genres[0]}'; a classifier needs at least two genres.");
        return dataset;
    }
}
