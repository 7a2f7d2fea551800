using System.Collections.Generic;
using System.Linq;

namespace MelGenre.Networks;

/// <summary>
/// Configuration of <see cref="ParallelCnnRnn"/>. Defaults reproduce the original FMA-small parallel CNN-RNN
/// (85,160 Keras parameters, 85,544 in TorchSharp) for 640 x 128 log-mel input and 8 genres. The network copies
/// the options at construction; changing them afterwards has no effect on it.
/// </summary>
internal sealed class ParallelCnnRnnOptions
{
    /// <summary>Time frames per example (input dimension 1, image height). Default 640.</summary>
    public int Frames { get; set; } = 640;

    /// <summary>Mel bins per frame (input dimension 2, image width). Default 128.</summary>
    public int Mels { get; set; } = 128;

    /// <summary>Number of classes (size of the logits). At least 2. Default 8.</summary>
    public int Classes { get; set; } = 8;

    /// <summary>Filters of the CNN branch's Conv2d layers, one entry per block. Non-empty, all positive.
    /// Default 16, 32, 64, 64, 64.</summary>
    public IReadOnlyList<int> ConvFilters { get; set; } = new[] { 16, 32, 64, 64, 64 };

    /// <summary>Height in frames of every Conv2d kernel; the kernel is 1 mel bin wide (valid padding, stride 1). Positive. Default 3.</summary>
    public int ConvKernelFrames { get; set; } = 3;

    /// <summary>
    /// Max-pooling window (= stride) after each Conv2d, as (frames, mels); same count as <see cref="ConvFilters"/>.
    /// Default (2,2), (2,2), (2,2), (4,4), (4,4). When a window is larger than what remains of an axis (for example
    /// the last (4,4) on the 3 mel columns left from 96 mels), it is reduced to that size, that axis becomes 1 and the
    /// network reports it in <see cref="ParallelCnnRnn.Warnings"/>; Keras would fail there instead.
    /// </summary>
    public IReadOnlyList<(int Frames, int Mels)> PoolSizes { get; set; } = new[] { (2, 2), (2, 2), (2, 2), (4, 4), (4, 4) };

    /// <summary>Max-pooling window (= stride) applied to the input before the GRU, as (frames, mels). Default (4, 2):
    /// 640 x 128 becomes 160 steps of 64 features.</summary>
    public (int Frames, int Mels) RnnInputPool { get; set; } = (4, 2);

    /// <summary>Units of each direction of the bidirectional GRU (the branch outputs twice this). Positive. Default 64.</summary>
    public int GruUnits { get; set; } = 64;

    internal ParallelCnnRnnOptions Clone()
    {
        var copy = (ParallelCnnRnnOptions)MemberwiseClone();
        copy.ConvFilters = ConvFilters?.ToArray()!;
        copy.PoolSizes = PoolSizes?.ToArray()!;
        return copy;
    }
}
