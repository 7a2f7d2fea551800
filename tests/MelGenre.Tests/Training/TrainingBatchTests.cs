using System.Linq;
using MelGenre.Training;
using TorchSharp;
using Xunit;

namespace MelGenre.Tests.Training;

/// <summary>TrainingLoop.Batch writes the examples straight into the tensor's memory: it must be exactly them, in order.</summary>
[Collection(TorchCollection.Name)]
public sealed class TrainingBatchTests
{
    private static ExampleSet Examples(int count, int size) => new()
    {
        Features = Enumerable.Range(0, count).Select(e => Enumerable.Range(0, size).Select(i => (e * 1000) + i + 0.5f).ToArray()).ToArray(),
        Labels = new long[count],
    };

    [Fact]
    public void Batch_holds_the_chosen_examples_in_order_time_major()
    {
        var set = Examples(5, 4 * 3);
        var shape = new FeatureShape(4, 3, FeatureLayout.FramesByMels, 4);
        int[] indices = { 3, 0, 4 };
        using var scope = torch.NewDisposeScope();
        var batch = TrainingLoop.Batch(set, indices, shape, torch.CPU);
        Assert.Equal(new long[] { 3, 4, 3 }, batch.shape);
        float[] values = batch.data<float>().ToArray();
        Assert.Equal(indices.SelectMany(i => set.Features[i]).ToArray(), values);
    }

    [Fact]
    public void Batch_transposes_mels_by_frames_and_keeps_the_first_frames()
    {
        // 2 mels x 5 frames, 3 frames used: network input [batch, 3 frames, 2 mels].
        var set = Examples(2, 2 * 5);
        var shape = new FeatureShape(2, 5, FeatureLayout.MelsByFrames, 3);
        using var scope = torch.NewDisposeScope();
        var batch = TrainingLoop.Batch(set, new[] { 1, 0 }, shape, torch.CPU);
        Assert.Equal(new long[] { 2, 3, 2 }, batch.shape);
        float[] values = batch.data<float>().ToArray();
        for (int b = 0; b < 2; b++)
        {
            float[] source = set.Features[1 - b];
            for (int t = 0; t < 3; t++)
            {
                for (int m = 0; m < 2; m++)
                    Assert.Equal(source[(m * 5) + t], values[(b * 6) + (t * 2) + m]);
            }
        }
    }
}
