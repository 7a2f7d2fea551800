using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MelGenre.Training;

/// <summary>
/// Examples read into memory: one dense float32 row of <see cref="FeatureShape.Size"/> values per clip and its
/// zero-based class index. The in-memory <see cref="IBatchSource"/>.
/// </summary>
internal sealed class ExampleSet : IBatchSource
{
    /// <summary>One row per example, each of the feature column's size.</summary>
    public required float[][] Features { get; init; }

    /// <summary>Zero-based class index per example (the key value minus one).</summary>
    public required long[] Labels { get; init; }

    /// <summary>Rows left out because their label was missing (key 0).</summary>
    public int SkippedMissingLabels { get; init; }

    /// <inheritdoc/>
    public int Count => Labels.Length;

    /// <summary>
    /// Reads every row with a label from <paramref name="data"/>. Fails, naming the row, on a feature vector of
    /// another size than <paramref name="shape"/> or on all-NaN features (a clip LoadAudio could not read).
    /// </summary>
    /// <param name="data">The rows; the columns were checked against the trainer's schema rules.</param>
    /// <param name="featureColumn">Known-size <c>Vector&lt;Single, rows, columns&gt;</c> column.</param>
    /// <param name="labelColumn">Key-typed label column; key 0 (missing) rows are skipped and counted.</param>
    /// <param name="shape">The feature column's shape.</param>
    /// <param name="what">How messages name the data ("Training data").</param>
    public static ExampleSet Read(IDataView data, string featureColumn, string labelColumn, FeatureShape shape, string what)
    {
        var features = data.Schema[featureColumn];
        var label = data.Schema[labelColumn];
        var rows = new List<float[]>();
        var labels = new List<long>();
        int skipped = 0;
        var identity = RowIdentity.Of(data.Schema);
        using var cursor = data.GetRowCursor(identity.With(features, label));
        var row = identity.Describer(cursor);
        var getFeatures = cursor.GetGetter<VBuffer<float>>(features);
        var getLabel = cursor.GetGetter<uint>(label);
        VBuffer<float> buffer = default;
        uint key = 0;
        while (cursor.MoveNext())
        {
            getLabel(ref key);
            if (key == 0)
            {
                skipped++;
                continue;
            }
            getFeatures(ref buffer);
            if (buffer.Length != shape.Size)
                throw new InvalidOperationException($"{what} row {cursor.Position}: feature vector has {buffer.Length} values, the schema promised {shape.Size}.");
            var dense = new float[shape.Size];
            buffer.CopyTo(dense);
            if (float.IsNaN(dense[0]) && dense.All(float.IsNaN))
            {
                throw new InvalidOperationException(
                    $"{what} {row()} has missing (NaN) features, as LoadAudio produces for files it could not read under " +
                    "AudioErrorPolicy.EmitMissing. Drop such rows first: mlContext.Data.FilterRowsByMissingValues(data, \"<audio column>\").");
            }
            RowIdentity.RequireFinite(dense, what, row);
            rows.Add(dense);
            labels.Add(key - 1);
        }
        return new ExampleSet { Features = rows.ToArray(), Labels = labels.ToArray(), SkippedMissingLabels = skipped };
    }

    /// <inheritdoc/>
    public IBatchReader Start(ReadOnlyMemory<int> order) => new Reader(this, order);

    private sealed class Reader : IBatchReader
    {
        private readonly ExampleSet _set;
        private readonly ReadOnlyMemory<int> _order;
        private int _next;

        public Reader(ExampleSet set, ReadOnlyMemory<int> order)
        {
            _set = set;
            _order = order;
        }

        public void Read(Span<float> features, Span<long> labels)
        {
            if (labels.Length > _order.Length - _next)
                throw new InvalidOperationException($"{labels.Length} examples asked for, {_order.Length - _next} left in the pass.");
            var examples = _order.Span.Slice(_next, labels.Length);
            int size = examples.Length == 0 ? 0 : _set.Features[examples[0]].Length;
            if (features.Length != examples.Length * size)
                throw new ArgumentException($"The feature span holds {features.Length} values; {examples.Length} examples of {size} need {examples.Length * size}.", nameof(features));
            for (int i = 0; i < examples.Length; i++)
            {
                _set.Features[examples[i]].CopyTo(features.Slice(i * size, size));
                labels[i] = _set.Labels[examples[i]];
            }
            _next += examples.Length;
        }

        public void Dispose()
        {
        }
    }
}
