using System;

namespace MelGenre.Training;

/// <summary>
/// Where the training loop reads its examples: a fixed number of labelled examples per epoch, read in an order the
/// loop chooses (shuffled for training, 0..Count-1 for evaluation) and written batch by batch straight into the
/// batch tensor's float32 memory.
/// </summary>
/// <remarks>
/// A source decides what one example is: today's <see cref="ExampleSet"/> writes each stored row whole; a streaming
/// source can decode from a cache with bounded read-ahead (it knows the pass's whole order from
/// <see cref="Start"/>), and a cropping source can write a random window of each clip, as long as every example
/// has the <see cref="FeatureShape.Size"/> of the shape the loop was given. Randomness a source needs comes from its
/// own seeded generator: the loop's shuffling and torch's generator must not see extra draws, or a seed stops
/// meaning one model.
/// </remarks>
internal interface IBatchSource
{
    /// <summary>Examples in one pass (>= 0).</summary>
    int Count { get; }

    /// <summary>Starts one pass over the examples in <paramref name="order"/> (indices in [0, <see cref="Count"/>)),
    /// which the caller keeps unchanged until the reader is disposed.</summary>
    IBatchReader Start(ReadOnlyMemory<int> order);
}

/// <summary>One pass of an <see cref="IBatchSource"/>: consecutive batches of the pass's order.</summary>
internal interface IBatchReader : IDisposable
{
    /// <summary>
    /// Writes the next <c>labels.Length</c> examples of the order: their features, row-major
    /// <c>[labels.Length, rows, columns]</c> float32, into <paramref name="features"/> (exactly that many values) and
    /// their zero-based class indices into <paramref name="labels"/>. Throws when fewer examples are left.
    /// </summary>
    void Read(Span<float> features, Span<long> labels);
}
