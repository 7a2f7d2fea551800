using System.Collections.Generic;
using System.Linq;

namespace MelGenre.Networks;

/// <summary>
/// Configuration of <see cref="ShortChunkResNet"/>. Defaults are a small-data scaling of Won et al. 2020's short-chunk
/// ResNet (7 blocks of 128-256 channels there; 4 blocks of 8/16/32/64 here, 77,674 parameters for 128 mels and
/// 8 classes) sized to train on 2 CPU cores; see <see cref="ShortChunkResNet"/> for the cost. The network copies the options at construction.
/// </summary>
public sealed class ShortChunkResNetOptions
{
    /// <summary>Time frames per example the network is built for (input dimension 1). The network pools globally, so
    /// any length that survives the blocks' 2 x 2 max pools (>= 2^blocks frames) works. Default 128.</summary>
    public int Frames { get; set; } = 128;

    /// <summary>Mel bins per frame (input dimension 2). At least 2^blocks. Default 128.</summary>
    public int Mels { get; set; } = 128;

    /// <summary>Number of classes (size of the logits). At least 2. Default 8.</summary>
    public int Classes { get; set; } = 8;

    /// <summary>Output channels of each residual block; one entry per block, each block followed by a 2 x 2 max pool.
    /// Non-empty, all positive. Default 8, 16, 32, 64.</summary>
    public IReadOnlyList<int> Channels { get; set; } = new[] { 8, 16, 32, 64 };

    /// <summary>Dropout rate before the output layer, in [0, 1). Default 0.3.</summary>
    public double Dropout { get; set; } = 0.3;

    internal ShortChunkResNetOptions Clone()
    {
        var copy = (ShortChunkResNetOptions)MemberwiseClone();
        copy.Channels = Channels?.ToArray()!;
        return copy;
    }
}
