using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MelGenre.Networks;

/// <summary>
/// A short-chunk residual CNN on log-mels after Won et al. 2020 ("Evaluation of CNN-based automatic music tagging
/// models"), scaled down for small data. Input: [batch, frames, mels] (time-major, typically 128-frame chunks),
/// viewed as a one-channel image. Output: logits [batch, classes] (no softmax).
/// </summary>
/// <remarks>
/// <para>Layers: BatchNorm2d(1) on the input (learns the feature scale, so dB or natural-log features both work) ->
/// per block b: [Conv2d 3x3 (same padding, no bias) -> BatchNorm2d -> ReLU -> Conv2d 3x3 -> BatchNorm2d] + shortcut
/// (identity, or Conv2d 1x1 + BatchNorm2d when the channel count changes) -> ReLU -> MaxPool2d(2, 2). Then global max
/// and global average pooling over (frames, mels), concatenated (2 x last channels) -> Dropout -> Linear(classes).</para>
/// <para>Parameters with the defaults (channels 8/16/32/64, 8 classes): 77,674, independent of the input size (2 input
/// norm + 704 + 3,680 + 14,528 + 57,728 in the blocks + 1,032 output). A 128-frame x 128-mel chunk costs about
/// 55 M multiply-adds per forward pass. Why this size: an fma_small epoch (6,400 clips, 3 x 55 M multiply-adds
/// per chunk for forward and backward) is about 1 T multiply-adds, minutes on 2 CPU cores; channels 16/32/64/64
/// (149,834 parameters, 176 M multiply-adds per chunk) cost three times as much, and Won et al.'s 7 blocks of 128+
/// channels far more. Wider blocks are one option away (<see cref="ShortChunkResNetOptions.Channels"/>) where there is
/// more compute. (Wall-clock figures were not measured: the shared machine was at load 33 during this work.)</para>
/// <para>Initialisation: TorchSharp's defaults (Kaiming uniform) from the global generator, so
/// <c>torch.manual_seed(seed)</c> before construction gives identical weights.</para>
/// <para>State names (a format): <c>input_norm.*</c>, <c>blocks.{i}.conv1|norm1|conv2|norm2|shortcut|shortcut_norm.*</c>,
/// <c>output.weight|bias</c>.</para>
/// </remarks>
public sealed class ShortChunkResNet : Module<Tensor, Tensor>
{
    // Field names are the state-dictionary names: do not rename.
    private readonly BatchNorm2d input_norm;
    private readonly ModuleList<ResidualBlock> blocks;
    private readonly Linear output;
    private readonly ShortChunkResNetOptions _options;

    /// <summary>Creates the network with the defaults (128 x 128 chunks, 8 classes).</summary>
    public ShortChunkResNet() : this(new ShortChunkResNetOptions()) { }

    /// <summary>Creates the network. The options are validated (every broken rule in one <see cref="ArgumentException"/>) and copied.</summary>
    public ShortChunkResNet(ShortChunkResNetOptions options) : base(nameof(ShortChunkResNet))
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Clone();
        Validate(_options);
        var o = _options;
        input_norm = nn.BatchNorm2d(1);
        blocks = new ModuleList<ResidualBlock>();
        for (int i = 0; i < o.Channels.Count; i++)
            blocks.Add(new ResidualBlock(i == 0 ? 1 : o.Channels[i - 1], o.Channels[i]));
        output = nn.Linear(2 * o.Channels[^1], o.Classes);
        RegisterComponents();
    }

    /// <summary>A copy of the options the network was built with.</summary>
    public ShortChunkResNetOptions Options => _options.Clone();

    /// <summary>Logits [batch, classes] for input [batch, frames, mels].</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input_norm.forward(input.unsqueeze(1));
        foreach (var block in blocks)
            x = functional.max_pool2d(block.forward(x), 2, 2);
        var flat = x.flatten(2);
        var pooled = torch.cat(new[] { flat.amax(new long[] { 2 }), flat.mean(new long[] { 2 }) }, 1);
        pooled = functional.dropout(pooled, _options.Dropout, training);
        return output.forward(pooled).MoveToOuterDisposeScope();
    }

    private static void Validate(ShortChunkResNetOptions o)
    {
        var errors = new List<string>();
        if (o.Channels is null || o.Channels.Count == 0 || o.Channels.Any(c => c < 1))
            errors.Add("Channels must be a non-empty list of positive channel counts.");
        int blocks = o.Channels?.Count ?? 0;
        if (o.Classes < 2) errors.Add($"Classes must be >= 2, got {o.Classes}.");
        if (blocks < 31 && o.Frames < (1 << blocks)) errors.Add($"Frames must be >= {1 << blocks} for {blocks} blocks of 2 x 2 pooling, got {o.Frames}.");
        if (blocks < 31 && o.Mels < (1 << blocks)) errors.Add($"Mels must be >= {1 << blocks} for {blocks} blocks of 2 x 2 pooling, got {o.Mels}.");
        if (!(o.Dropout >= 0 && o.Dropout < 1)) errors.Add($"Dropout must be in [0, 1), got {o.Dropout}.");
        if (errors.Count > 0)
            throw new ArgumentException("Invalid short-chunk ResNet options: " + string.Join(" ", errors), "options");
    }

    /// <summary>Two 3x3 conv + batch-norm layers with a residual connection (1x1 projection when channels change).</summary>
    private sealed class ResidualBlock : Module<Tensor, Tensor>
    {
        // Field names are the state-dictionary names: do not rename.
        private readonly Conv2d conv1;
        private readonly BatchNorm2d norm1;
        private readonly Conv2d conv2;
        private readonly BatchNorm2d norm2;
        private readonly Conv2d? shortcut;
        private readonly BatchNorm2d? shortcut_norm;

        public ResidualBlock(int inChannels, int outChannels) : base(nameof(ResidualBlock))
        {
            conv1 = nn.Conv2d(inChannels, outChannels, 3, padding: 1, bias: false);
            norm1 = nn.BatchNorm2d(outChannels);
            conv2 = nn.Conv2d(outChannels, outChannels, 3, padding: 1, bias: false);
            norm2 = nn.BatchNorm2d(outChannels);
            if (inChannels != outChannels)
            {
                shortcut = nn.Conv2d(inChannels, outChannels, 1, bias: false);
                shortcut_norm = nn.BatchNorm2d(outChannels);
            }
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            var y = norm1.forward(conv1.forward(x)).relu();
            y = norm2.forward(conv2.forward(y));
            var skip = shortcut is null ? x : shortcut_norm!.forward(shortcut.forward(x));
            return (y + skip).relu();
        }
    }
}
