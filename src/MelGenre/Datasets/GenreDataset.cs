using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace MelGenre.Datasets;

/// <summary>
/// A list of labelled clips with their genres (sorted ordinally: the order of the label's key values) and,
/// optionally, a training/validation/test split. Immutable; the split helpers return new datasets.
/// Load one with <see cref="FmaDataset.Load"/>, <see cref="FolderDataset.Load"/> or <see cref="CsvDataset.Load"/>.
/// </summary>
public sealed class GenreDataset
{
    /// <summary>Creates a dataset. Every genre must have at least one clip (it does by construction).</summary>
    /// <param name="clips">The clips, in a stable order.</param>
    /// <param name="source">A human-readable description of where the clips come from.</param>
    /// <exception cref="ArgumentException">There are no clips, or a clip has an empty path or genre.</exception>
    public GenreDataset(IEnumerable<GenreClip> clips, string source)
    {
        ArgumentNullException.ThrowIfNull(clips);
        Clips = clips.ToArray();
        Source = source ?? "";
        if (Clips.Count == 0)
            throw new ArgumentException($"The dataset ({Source}) has no clips.", nameof(clips));
        foreach (var clip in Clips)
        {
            if (string.IsNullOrWhiteSpace(clip.Path) || string.IsNullOrWhiteSpace(clip.Genre))
                throw new ArgumentException($"The dataset ({Source}) has a clip with an empty path or genre: {clip}.", nameof(clips));
        }
        Genres = Clips.Select(c => c.Genre).Distinct(StringComparer.Ordinal).OrderBy(g => g, StringComparer.Ordinal).ToArray();
    }

    /// <summary>The clips.</summary>
    public IReadOnlyList<GenreClip> Clips { get; }

    /// <summary>The distinct genres, sorted ordinally.</summary>
    public IReadOnlyList<string> Genres { get; }

    /// <summary>
    /// Problems the reader fixed by itself and the user should hear about, e.g. a file listed twice with the same label
    /// (kept once). Empty for most datasets; not carried over by the split helpers.
    /// </summary>
    public IReadOnlyList<string> Warnings { get; init; } = Array.Empty<string>();

    /// <summary>Where the clips come from (for messages and reports).</summary>
    public string Source { get; }

    /// <summary>True when every clip has a split.</summary>
    public bool HasSplit => Clips.All(c => c.Split is not null);

    /// <summary>The clips of one split.</summary>
    /// <param name="split">The split.</param>
    /// <returns>Its clips, in dataset order.</returns>
    public IReadOnlyList<GenreClip> Get(DatasetSplit split) => Clips.Where(c => c.Split == split).ToArray();

    /// <summary>Clips per genre and split, e.g. for a summary table.</summary>
    /// <returns>(genre, split) → count; clips without a split are counted under a null split.</returns>
    public IReadOnlyDictionary<(string Genre, DatasetSplit? Split), int> Counts()
        => Clips.GroupBy(c => (c.Genre, c.Split)).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>
    /// Gives every clip a split, seeded and stratified by genre: about <paramref name="validationFraction"/> of each
    /// genre to validation and <paramref name="testFraction"/> to test, the rest to training. When clips carry
    /// artists, whole artists are assigned (artist-disjoint splits, as FMA's official split; the fractions are then
    /// met as closely as artist sizes allow). Existing splits are replaced. A genre with fewer than three clips (or
    /// artists) keeps them all in training.
    /// </summary>
    /// <param name="seed">Seed of the shuffle: the same seed and clips give the same split.</param>
    /// <param name="validationFraction">Share of each genre for validation, in [0, 1).</param>
    /// <param name="testFraction">Share of each genre for test, in [0, 1); the two together below 1.</param>
    /// <returns>A new dataset with every clip assigned.</returns>
    public GenreDataset WithStratifiedSplit(int seed, double validationFraction = 0.1, double testFraction = 0.1)
    {
        CheckFractions(validationFraction, testFraction);
        var assigned = new Dictionary<GenreClip, DatasetSplit>(ReferenceEqualityComparer.Instance);
        foreach (var genre in Genres)
        {
            var clips = Clips.Where(c => c.Genre == genre).ToList();
            foreach (var (clip, split) in DatasetSplitter.Assign(clips, seed ^ StableHash(genre), validationFraction, testFraction))
                assigned[clip] = split;
        }
        return new GenreDataset(Clips.Select(c => c with { Split = assigned[c] }), Source + $", stratified split (seed {seed})");
    }

    /// <summary>
    /// Makes sure there is a validation split: if no clip is in validation, moves about <paramref name="fraction"/>
    /// of each genre's training clips there (seeded, stratified, artist-disjoint when artists are known). Clips without
    /// a split are treated as training. Returns this dataset unchanged when it already has validation clips.
    /// </summary>
    /// <param name="seed">Seed of the shuffle.</param>
    /// <param name="fraction">Share of each genre's training clips that moves to validation, in (0, 1).</param>
    /// <returns>A dataset with a validation split.</returns>
    public GenreDataset EnsureValidationSplit(int seed, double fraction = 0.1)
    {
        CheckFractions(fraction, 0);
        if (Clips.Any(c => c.Split == DatasetSplit.Validation))
            return this;
        var assigned = new Dictionary<GenreClip, DatasetSplit>(ReferenceEqualityComparer.Instance);
        foreach (var genre in Genres)
        {
            var training = Clips.Where(c => c.Genre == genre && c.Split is null or DatasetSplit.Training).ToList();
            foreach (var (clip, split) in DatasetSplitter.Assign(training, seed ^ StableHash(genre), fraction, 0))
                assigned[clip] = split;
        }
        return new GenreDataset(Clips.Select(c => assigned.TryGetValue(c, out var s) ? c with { Split = s } : c),
            Source + $", validation carved from training (seed {seed})");
    }

    /// <summary>A one-line summary: clips, genres and split sizes.</summary>
    /// <returns>The summary.</returns>
    public override string ToString()
    {
        var parts = Enum.GetValues<DatasetSplit>().Select(s => $"{Clips.Count(c => c.Split == s)} {s.ToName()}").ToList();
        int none = Clips.Count(c => c.Split is null);
        if (none > 0)
            parts.Add($"{none} unassigned");
        return string.Format(CultureInfo.InvariantCulture, "{0} clips, {1} genres ({2})", Clips.Count, Genres.Count, string.Join(", ", parts));
    }

    private static void CheckFractions(double validation, double test)
    {
        if (!(validation >= 0 && validation < 1) || !(test >= 0 && test < 1) || !(validation + test < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(validation),
                string.Format(CultureInfo.InvariantCulture, "Split fractions must be in [0, 1) and add up to less than 1, got validation {0}, test {1}.", validation, test));
        }
    }

    /// <summary>FNV-1a of the text: stable across processes (string.GetHashCode is randomised).</summary>
    internal static int StableHash(string text)
    {
        uint h = 2166136261;
        foreach (char ch in text)
        {
            h ^= ch;
            h *= 16777619;
        }
        return (int)h;
    }
}

/// <summary>Seeded assignment of one genre's clips to splits, by whole artists when artists are known.</summary>
internal static class DatasetSplitter
{
    public static IEnumerable<(GenreClip Clip, DatasetSplit Split)> Assign(List<GenreClip> clips, int seed, double validationFraction, double testFraction)
    {
        // Groups: one per artist when every clip has one, else one per clip. Shuffled by the seed, in a stable
        // starting order (sorted by key) so that the input order does not matter.
        bool byArtist = clips.Count > 0 && clips.All(c => !string.IsNullOrWhiteSpace(c.Artist));
        var groups = clips
            .GroupBy(c => byArtist ? c.Artist!.Trim() : c.Path, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.ToList())
            .ToList();
        var rng = new Random(seed);
        for (int i = groups.Count - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (groups[i], groups[j]) = (groups[j], groups[i]);
        }

        int total = clips.Count;
        int wantValidation = (int)Math.Round(total * validationFraction);
        int wantTest = (int)Math.Round(total * testFraction);
        if (groups.Count < 3)
            wantValidation = wantTest = 0;
        int validation = 0, test = 0;
        // Greedy: each group goes where it is most needed without overshooting more than half a group; the rest trains.
        foreach (var group in groups)
        {
            DatasetSplit split = DatasetSplit.Training;
            if (test < wantTest && test + group.Count / 2.0 <= wantTest + 0.5)
            {
                split = DatasetSplit.Test;
                test += group.Count;
            }
            else if (validation < wantValidation && validation + group.Count / 2.0 <= wantValidation + 0.5)
            {
                split = DatasetSplit.Validation;
                validation += group.Count;
            }
            foreach (var clip in group)
                yield return (clip, split);
        }
    }
}
