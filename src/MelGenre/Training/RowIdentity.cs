using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MelGenre.Training;

/// <summary>
/// Names a row in trainer errors: by its <c>Path</c> column (the audio file, as the feature caches and LoadAudio
/// pipelines carry it) when the data has one, else by its position. "row 4" tells a user nothing; the file does.
/// </summary>
internal sealed class RowIdentity
{
    /// <summary>Column names that hold the row's audio file, in order of preference.</summary>
    private static readonly string[] PathColumns = { "Path", "path", "File" };

    private readonly DataViewSchema.Column? _path;

    private RowIdentity(DataViewSchema.Column? path) => _path = path;

    /// <summary>The identity of the rows of <paramref name="schema"/>.</summary>
    public static RowIdentity Of(DataViewSchema schema)
        => new(PathColumns.Select(schema.GetColumnOrNull).FirstOrDefault(c => c is { IsHidden: false } col && col.Type is TextDataViewType));

    /// <summary><paramref name="columns"/> plus the path column, for the cursor.</summary>
    public IEnumerable<DataViewSchema.Column> With(params DataViewSchema.Column[] columns)
        => _path is DataViewSchema.Column p && !columns.Any(c => c.Index == p.Index) ? columns.Append(p) : columns;

    /// <summary>Describes the cursor's current row: "'/music/a.mp3' (row 4)" or "row 4".</summary>
    public Func<string> Describer(DataViewRowCursor cursor)
    {
        if (_path is not DataViewSchema.Column p)
            return () => "row " + cursor.Position.ToString(CultureInfo.InvariantCulture);
        var get = cursor.GetGetter<ReadOnlyMemory<char>>(p);
        return () =>
        {
            ReadOnlyMemory<char> value = default;
            get(ref value);
            return $"'{value}' (row {cursor.Position.ToString(CultureInfo.InvariantCulture)})";
        };
    }

    /// <summary>
    /// Throws when a feature vector has a NaN or infinite value: a network trained on it gets a NaN loss, after which
    /// nothing it learns or saves is usable. Named by file, with the rule.
    /// </summary>
    public static void RequireFinite(float[] features, string what, Func<string> row)
    {
        int bad = Array.FindIndex(features, v => !float.IsFinite(v));
        if (bad < 0)
            return;
        throw new InvalidOperationException(string.Format(CultureInfo.InvariantCulture,
            "{0} has non-finite features at {1}: value {2} is {3} ({4} of {5} values are NaN or infinite). Training on them makes the loss NaN; " +
            "leave this clip out or recompute its features (a MelGenre feature cache never serves such values).",
            what, row(), bad, features[bad], features.Count(v => !float.IsFinite(v)), features.Length));
    }
}
