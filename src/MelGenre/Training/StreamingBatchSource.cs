using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using MelGenre.Caching;
using Microsoft.ML;

namespace MelGenre.Training;

/// <summary>
/// An <see cref="IBatchSource"/> that reads a feature cache's view entry by entry instead of materialising it: only
/// the row indices and labels are in memory; each pass decodes its order's entries (float16 widened to float32, checksum
/// verified) on a background thread, at most <see cref="ReadAhead"/> examples ahead of the consumer, into a fixed pool
/// of buffers. Peak memory is therefore independent of the number of clips. It serves exactly the rows, labels and values
/// <see cref="ExampleSet.Read"/> would (same filtering of missing labels, same conversion), so a seed gives the same model.
/// </summary>
internal sealed class StreamingBatchSource : IBatchSource
{
    private readonly ClipStore.CachedView _view;
    private readonly int[] _rows;
    private readonly long[] _labels;

    private StreamingBatchSource(ClipStore.CachedView view, int[] rows, long[] labels, int skipped, int readAhead)
    {
        _view = view;
        _rows = rows;
        _labels = labels;
        SkippedMissingLabels = skipped;
        ReadAhead = readAhead;
    }

    /// <summary>Examples decoded ahead of the consumer (and buffers of one example each held by a pass).</summary>
    public int ReadAhead { get; }

    /// <summary>Rows left out because their genre was not in the list (the view's missing key).</summary>
    public int SkippedMissingLabels { get; }

    /// <inheritdoc/>
    public int Count => _labels.Length;

    /// <summary>
    /// A streaming source for <paramref name="data"/> when it is a view made by a feature cache's <c>LoadDataView</c>
    /// (not a transform of one) and the columns are the view's own <c>Features</c> and <c>Label</c>; otherwise null.
    /// </summary>
    public static StreamingBatchSource? TryCreate(IDataView data, string featureColumn, string labelColumn, FeatureShape shape, int readAhead)
    {
        if (featureColumn != nameof(CachedClipRow.Features) || labelColumn != nameof(CachedClipRow.Label)
            || !ClipStore.CachedView.TryGet(data, out var view) || view!.Size != shape.Size)
            return null;
        var rows = new List<int>(view.Count);
        var labels = new List<long>(view.Count);
        int skipped = 0;
        for (int i = 0; i < view.Count; i++)
        {
            if (view.Label(i) is long label)
            {
                rows.Add(i);
                labels.Add(label);
            }
            else
            {
                skipped++;
            }
        }
        return new StreamingBatchSource(view, rows.ToArray(), labels.ToArray(), skipped, Math.Max(1, readAhead));
    }

    /// <inheritdoc/>
    public IBatchReader Start(ReadOnlyMemory<int> order) => new Reader(this, order);

    private sealed class Reader : IBatchReader
    {
        private readonly StreamingBatchSource _source;
        private readonly ReadOnlyMemory<int> _order;
        private readonly BlockingCollection<float[]> _free;
        private readonly BlockingCollection<(float[] Values, long Label)> _ready;
        private readonly CancellationTokenSource _stop = new();
        private readonly Thread _thread;
        private Exception? _failure;
        private int _next;

        public Reader(StreamingBatchSource source, ReadOnlyMemory<int> order)
        {
            _source = source;
            _order = order;
            int buffers = Math.Min(source.ReadAhead, Math.Max(1, order.Length)) + 1;
            _free = new BlockingCollection<float[]>(buffers);
            for (int i = 0; i < buffers; i++)
                _free.Add(new float[source._view.Size]);
            _ready = new BlockingCollection<(float[], long)>(buffers);
            _thread = new Thread(Produce) { IsBackground = true, Name = "MelGenre read-ahead" };
            _thread.Start();
        }

        private void Produce()
        {
            var scratch = Array.Empty<byte>();
            try
            {
                for (int i = 0; i < _order.Length; i++)
                {
                    int example = _order.Span[i];
                    var buffer = _free.Take(_stop.Token);
                    _source._view.Read(_source._rows[example], ref scratch, buffer);
                    _ready.Add((buffer, _source._labels[example]), _stop.Token);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                _failure = e;
            }
            finally
            {
                _ready.CompleteAdding();
            }
        }

        public void Read(Span<float> features, Span<long> labels)
        {
            if (labels.Length > _order.Length - _next)
                throw new InvalidOperationException($"{labels.Length} examples asked for, {_order.Length - _next} left in the pass.");
            int size = _source._view.Size;
            if (features.Length != labels.Length * size)
                throw new ArgumentException($"The feature span holds {features.Length} values; {labels.Length} examples of {size} need {labels.Length * size}.", nameof(features));
            for (int i = 0; i < labels.Length; i++)
            {
                if (!_ready.TryTake(out var item, Timeout.Infinite))
                    throw new InvalidOperationException("Reading the cached features failed: " + _failure?.Message, _failure);
                item.Values.CopyTo(features.Slice(i * size, size));
                labels[i] = item.Label;
                _free.Add(item.Values);
            }
            _next += labels.Length;
        }

        public void Dispose()
        {
            _stop.Cancel();
            _thread.Join();
            _stop.Dispose();
            _free.Dispose();
            _ready.Dispose();
        }
    }
}
