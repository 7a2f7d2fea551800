using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace MelGenre.Datasets;

/// <summary>
/// The Free Music Archive dataset (FMA, Defferrard et al. 2017) from its official metadata file
/// <c>fma_metadata/tracks.csv</c>. That file has a two-row column header (top level such as <c>set</c>,
/// <c>track</c>, <c>artist</c>; then the sub level such as <c>split</c>, <c>genre_top</c>, <c>name</c>), a third
/// row holding only the index name <c>track_id</c>, then one row per track; quoted fields may contain commas
/// and line breaks. A track belongs to the subset when (set, subset) is the requested one or a smaller one
/// (small ⊂ medium ⊂ large); its genre is (track, genre_top), its split (set, split)
/// (training/validation/test) and its artist (artist, name). Its audio is
/// <c>&lt;audio folder&gt;/NNN/NNNNNN.mp3</c>, NNNNNN being the zero-padded track id and NNN its first three digits.
/// </summary>
public static class FmaDataset
{
    /// <summary>FMA's subsets, smallest first; each contains the ones before it.</summary>
    public static IReadOnlyList<string> Subsets { get; } = new[] { "small", "medium", "large" };

    /// <summary>Reads the tracks of a subset.</summary>
    /// <param name="metadata">The <c>fma_metadata</c> folder or the <c>tracks.csv</c> file itself.</param>
    /// <param name="audioFolder">The folder of the audio, e.g. <c>fma_small</c> (holding <c>000/000002.mp3</c>, ...).</param>
    /// <param name="subset"><c>small</c> (default), <c>medium</c> or <c>large</c>.</param>
    /// <param name="checkFilesExist">Fail when audio files of the subset are missing (default true).</param>
    /// <returns>The dataset with the official split, sorted by track id.</returns>
    /// <exception cref="FileNotFoundException">tracks.csv is not there.</exception>
    /// <exception cref="DirectoryNotFoundException">The audio folder does not exist.</exception>
    /// <exception cref="InvalidDataException">tracks.csv does not have the official layout (message with the line and
    /// what is wrong), the subset is empty, or audio files are missing.</exception>
    public static GenreDataset Load(string metadata, string audioFolder, string subset = "small", bool checkFilesExist = true)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(audioFolder);
        int level = Subsets.ToList().IndexOf(subset);
        if (level < 0)
            throw new ArgumentOutOfRangeException(nameof(subset), subset, $"Unknown FMA subset '{subset}'; expected one of {string.Join(", ", Subsets)}.");
        string tracks = Directory.Exists(metadata) ? Path.Combine(metadata, "tracks.csv") : metadata;
        if (!File.Exists(tracks))
        {
            throw new FileNotFoundException($"FMA metadata not found: '{tracks}' does not exist. Pass the extracted fma_metadata folder " +
                "(from fma_metadata.zip) or its tracks.csv.", tracks);
        }
        tracks = Path.GetFullPath(tracks);
        if (!Directory.Exists(audioFolder))
            throw new DirectoryNotFoundException($"The FMA audio folder '{audioFolder}' does not exist (expected the extracted fma_{subset} folder with 000/000002.mp3 ...).");
        string audio = Path.GetFullPath(audioFolder);

        using var records = CsvTable.Read(tracks).GetEnumerator();
        string[] Next(string what)
        {
            if (!records.MoveNext())
                throw new InvalidDataException($"{tracks}: the file ends before {what}; this is not FMA's tracks.csv.");
            return records.Current.Fields;
        }
        string[] top = Next("the first header row");
        string[] sub = Next("the second header row");
        string[] index = Next("the track_id row");
        if (top.Length != sub.Length)
            throw new InvalidDataException($"{tracks}, line {records.Current.Line}: the two header rows have {top.Length} and {sub.Length} columns; expected FMA's two-row header.");
        if (index.Length == 0 || index[0].Trim() != "track_id")
            throw new InvalidDataException($"{tracks}, line {records.Current.Line}: expected the index row starting with 'track_id', got '{string.Join(",", index.Take(3))}'.");

        int Column(string a, string b)
        {
            for (int i = 0; i < top.Length; i++)
            {
                if (top[i].Trim() == a && sub[i].Trim() == b)
                    return i;
            }
            throw new InvalidDataException($"{tracks}, lines 1-2: no column ({a}, {b}) in the two-row header; this is not FMA's tracks.csv " +
                "(fma_metadata.zip, SHA-1 f0df49ffe5f2a6008d7dc83c6915b31835dfe733).");
        }
        int splitCol = Column("set", "split"), subsetCol = Column("set", "subset"), genreCol = Column("track", "genre_top");
        int artistCol;
        try
        {
            artistCol = Column("artist", "name");
        }
        catch (InvalidDataException)
        {
            artistCol = -1;
        }

        var clips = new List<GenreClip>();
        var missing = new List<string>();
        int withoutGenre = 0;
        while (records.MoveNext())
        {
            var (fields, line) = records.Current;
            if (fields.Length == 1 && fields[0].Length == 0)
                continue;
            if (fields.Length != top.Length)
                throw new InvalidDataException($"{tracks}, line {line}: {fields.Length} fields, the header has {top.Length}.");
            int trackLevel = Subsets.ToList().IndexOf(fields[subsetCol].Trim());
            if (trackLevel < 0 || trackLevel > level)
                continue;
            if (!int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out int id) || id < 0 || id > 999_999)
                throw new InvalidDataException($"{tracks}, line {line}: the track_id '{fields[0]}' is not a number from 0 to 999999.");
            string genre = fields[genreCol].Trim();
            if (genre.Length == 0)
            {
                withoutGenre++;
                continue;
            }
            if (!DatasetSplits.TryParse(fields[splitCol], out var split) || split is null)
                throw new InvalidDataException($"{tracks}, line {line}: track {id} has the split '{fields[splitCol]}'; expected training, validation or test.");
            string path = AudioPath(audio, id);
            if (checkFilesExist && !File.Exists(path))
                missing.Add(path);
            string? artist = artistCol >= 0 && fields[artistCol].Trim().Length > 0 ? fields[artistCol].Trim() : null;
            clips.Add(new GenreClip(path, genre, split, artist, id.ToString(CultureInfo.InvariantCulture)));
        }

        if (clips.Count == 0)
            throw new InvalidDataException($"{tracks}: no track of the '{subset}' subset has a top genre ({withoutGenre} without one).");
        if (missing.Count > 0)
        {
            string hint = missing.Count == clips.Count
                ? $" None of the {clips.Count} files is there: is '{audio}' the extracted fma_{subset} folder (holding 000/, 001/, ...)?"
                : " The extraction may be incomplete: extract fma_" + subset + ".zip again.";
            throw new InvalidDataException($"{missing.Count} of {clips.Count} audio files of fma_{subset} are missing, e.g. {missing[0]}.{hint}");
        }
        return new GenreDataset(clips.OrderBy(c => int.Parse(c.TrackId!, CultureInfo.InvariantCulture)), $"FMA {subset} ({tracks})");
    }

    /// <summary>The audio path of a track: <c>&lt;folder&gt;/NNN/NNNNNN.mp3</c>.</summary>
    /// <param name="audioFolder">The fma_small (or medium, large) folder.</param>
    /// <param name="trackId">The track id.</param>
    /// <returns>The path.</returns>
    public static string AudioPath(string audioFolder, int trackId)
    {
        string name = trackId.ToString("D6", CultureInfo.InvariantCulture);
        return Path.Combine(audioFolder, name[..3], name + ".mp3");
    }
}
