using System;
using System.Globalization;

namespace MelGenre.Datasets;

/// <summary>The part of a dataset a clip belongs to.</summary>
public enum DatasetSplit
{
    /// <summary>Used to fit the weights.</summary>
    Training,

    /// <summary>Used to choose the best epoch and the learning-rate schedule (never to report final accuracy).</summary>
    Validation,

    /// <summary>Held out: the honest figure.</summary>
    Test,
}

/// <summary>Parsing and printing of <see cref="DatasetSplit"/> in the spellings datasets use.</summary>
public static class DatasetSplits
{
    /// <summary>
    /// Parses a split name: <c>training</c>/<c>train</c>, <c>validation</c>/<c>valid</c>/<c>val</c>/<c>dev</c>,
    /// <c>test</c>/<c>testing</c> (case-insensitive, surrounding blanks ignored). An empty text is "no split".
    /// </summary>
    /// <param name="text">The split as written in the dataset.</param>
    /// <param name="split">The parsed split, or null for an empty text.</param>
    /// <returns>False when the text is not empty and names no known split.</returns>
    public static bool TryParse(string? text, out DatasetSplit? split)
    {
        split = null;
        string t = (text ?? "").Trim().ToLowerInvariant();
        switch (t)
        {
            case "":
                return true;
            case "training" or "train":
                split = DatasetSplit.Training;
                return true;
            case "validation" or "valid" or "val" or "dev":
                split = DatasetSplit.Validation;
                return true;
            case "test" or "testing":
                split = DatasetSplit.Test;
                return true;
            default:
                return false;
        }
    }

    /// <summary>The lower-case name FMA uses: <c>training</c>, <c>validation</c> or <c>test</c>.</summary>
    /// <param name="split">The split.</param>
    /// <returns>Its name.</returns>
    public static string ToName(this DatasetSplit split) => split switch
    {
        DatasetSplit.Training => "training",
        DatasetSplit.Validation => "validation",
        DatasetSplit.Test => "test",
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, null),
    };

    internal static string Describe(DatasetSplit? split) => split?.ToName() ?? "(none)";

    internal static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

/// <summary>One labelled audio clip of a dataset.</summary>
/// <param name="Path">Full path of the audio file.</param>
/// <param name="Genre">The genre label.</param>
/// <param name="Split">Training, validation or test; null when the dataset has no split for it.</param>
/// <param name="Artist">The artist, when known (used to keep splits artist-disjoint).</param>
/// <param name="TrackId">The dataset's id of the track, when it has one (FMA's track_id).</param>
public sealed record GenreClip(string Path, string Genre, DatasetSplit? Split = null, string? Artist = null, string? TrackId = null);
