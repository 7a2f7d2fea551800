using System;
using System.Linq;
using MelGenre.Training;
using Xunit;

namespace MelGenre.Tests.Training;

/// <summary>The in-memory <see cref="IBatchSource"/>: consecutive batches of the pass's order, features and labels together.</summary>
public sealed class BatchSourceTests
{
    private static ExampleSet Examples(int count, int size) => new()
    {
        Features = Enumerable.Range(0, count).Select(e => Enumerable.Range(0, size).Select(i => (e * 100f) + i).ToArray()).ToArray(),
        Labels = Enumerable.Range(0, count).Select(e => (long)(e % 3)).ToArray(),
    };

    [Fact]
    public void A_pass_reads_consecutive_batches_of_its_order()
    {
        var set = Examples(5, 2);
        int[] order = { 4, 1, 3, 0, 2 };
        using var reader = set.Start(order);
        var features = new float[3 * 2];
        var labels = new long[3];
        reader.Read(features, labels);
        Assert.Equal(new[] { 400f, 401f, 100f, 101f, 300f, 301f }, features);
        Assert.Equal(new long[] { 1, 1, 0 }, labels);
        var rest = new float[2 * 2];
        var restLabels = new long[2];
        reader.Read(rest, restLabels);
        Assert.Equal(new[] { 0f, 1f, 200f, 201f }, rest);
        Assert.Equal(new long[] { 0, 2 }, restLabels);
        Assert.Throws<InvalidOperationException>(() => reader.Read(new float[2], new long[1]));
    }

    [Fact]
    public void A_feature_span_of_the_wrong_size_is_refused()
    {
        using var reader = Examples(3, 4).Start(new[] { 0, 1, 2 });
        Assert.Throws<ArgumentException>(() => reader.Read(new float[7], new long[2]));
    }
}
