using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch.nn;
using static TorchSharp.torch;

namespace MelGenre.Networks;

/// <summary>
/// The parallel CNN-RNN of the original FMA-small work. Input: a batch of log-mel features [batch, frames, mels]
/// (time-major, 640 x 128 by default), viewed as a one-channel image [batch, 1, frames, mels]. Output: logits
/// [batch, classes] (no softmax).
/// </summary>
/// <remarks>
/// <para>CNN branch (defaults): 5 x [Conv2d (16/32/64/64/64 filters, kernel 3 frames x 1 mel bin, valid) -> ReLU ->
/// MaxPool2d (2,2),(2,2),(2,2),(4,4),(4,4)] -> [64, 4, 1] for 640 x 128 -> flattened (256). The flatten uses Keras'
/// channels-last order (frames, mels, channels), so the classifier's weight columns line up with a Keras model's;
/// it only matters for porting weights.</para>
/// <para>RNN branch: MaxPool2d(4,2) of the input -> [160, 64] -> bidirectional GRU(64) -> the forward direction's
/// final state concatenated with the backward direction's final state (its output at time 0), which is what Keras'
/// <c>Bidirectional(GRU(64))</c> returns without <c>return_sequences</c> -> 128.</para>
/// <para>Both concatenated (384) -> Linear(classes). No dropout, batch norm or L2, so training and evaluation
/// mode compute the same function.</para>
/// <para>Parameters: 85,544 for 8 classes. Keras reports 85,160: its GRU (<c>reset_after=False</c>, the Keras 2.2
/// default) has one bias vector per direction where PyTorch's GRU has two (384 more). PyTorch's GRU is the
/// "reset after" variant (the reset gate multiplies the recurrent projection, bias included); the function class
/// is the same size, the update rule differs slightly from a reset_after=False Keras GRU.</para>
/// <para>Initialisation follows Keras' defaults (glorot_uniform kernels, orthogonal recurrent kernels, zero
/// biases) from TorchSharp's global generator: <c>torch.manual_seed(seed)</c> before construction gives identical
/// weights.</para>
/// <para>State names (a format): <c>conv.{i}.weight|bias</c>,
/// <c>gru.weight_ih_l0|weight_hh_l0|bias_ih_l0|bias_hh_l0</c> and the same with <c>_reverse</c>,
/// <c>output.weight|bias</c>.</para>
/// </remarks>
internal sealed class ParallelCnnRnn : Module<Tensor, Tensor>
{
    // Field names are the state-dictionary names: do not rename.
    private readonly ModuleList<Conv2d> conv;
    private readonly GRU gru;
    private readonly Linear output;

    private readonly ParallelCnnRnnOptions _options;
    private readonly long[][] _pools;

    /// <summary>Creates the network with the original configuration (640 x 128 input, 8 classes).</summary>
    public ParallelCnnRnn() : this(new ParallelCnnRnnOptions()) { }

    /// <summary>Creates the network. The options are validated (every broken rule reported in one
    /// <see cref="ArgumentException"/>) and copied.</summary>
    public ParallelCnnRnn(ParallelCnnRnnOptions options) : base(nameof(ParallelCnnRnn))
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Clone();
        var o = _options;
        var warnings = new List<string>();
        (_pools, CnnOutputShape) = Validate(o, warnings);
        Warnings = warnings;
        RnnSteps = o.Frames / o.RnnInputPool.Frames;

        conv = new ModuleList<Conv2d>();
        for (int i = 0; i < o.ConvFilters.Count; i++)
            conv.Add(nn.Conv2d(i == 0 ? 1 : o.ConvFilters[i - 1], o.ConvFilters[i], (o.ConvKernelFrames, 1)));
        gru = nn.GRU(o.Mels / o.RnnInputPool.Mels, o.GruUnits, batchFirst: true, bidirectional: true);
        var (c, h, w) = CnnOutputShape;
        output = nn.Linear(c * h * w + 2 * o.GruUnits, o.Classes);
        RegisterComponents();

        foreach (var layer in conv) KerasInit.GlorotUniformZeroBias(layer.weight, layer.bias);
        KerasInit.Recurrent(gru, o.GruUnits, lstmForgetBias: false);
        KerasInit.GlorotUniformZeroBias(output.weight, output.bias);
    }

    /// <summary>A copy of the options the network was built with.</summary>
    public ParallelCnnRnnOptions Options => _options.Clone();

    /// <summary>Shape of the CNN branch's output before flattening (channels, frames, mels): (64, 4, 1) for 640 x 128.</summary>
    public (int Channels, int Frames, int Mels) CnnOutputShape { get; }

    /// <summary>GRU time steps (160 for 640 frames).</summary>
    public int RnnSteps { get; }

    /// <summary>Legal but degenerate settings found at construction (pooling windows reduced to fit); empty for the defaults.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>Logits [batch, classes] for log-mel input [batch, frames, mels]. The input is not modified or disposed.</summary>
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        ModelInput.Check(input, _options.Frames, _options.Mels, nameof(ParallelCnnRnn));
        using var scope = torch.NewDisposeScope();
        Tensor image = input.unsqueeze(1); // [B, 1, frames, mels]

        // Each intermediate is released as soon as the next layer has read it, rather than at the end of the scope (as
        // Python's reference counting does): the allocator then hands the same, cache-warm blocks to the next layer.
        // Disposing drops only this handle's reference; autograd keeps whatever its backward saved.
        Tensor x = image;
        for (int i = 0; i < conv.Count; i++)
        {
            using var convolved = conv[i].call(x);
            using var activated = convolved.relu_(); // in place: the conv output is ours, and neither backward needs it (saves a tensor as large as the conv output)
            var pooled = functional.max_pool2d(activated, _pools[i], _pools[i]);
            if (!ReferenceEquals(x, image))
                x.Dispose();
            x = pooled;
        }
        Tensor cnn;
        using (var channelsLast = x.permute(0, 2, 3, 1)) // Keras channels-last flatten order
            cnn = channelsLast.flatten(1);
        x.Dispose();

        var pool = new long[] { _options.RnnInputPool.Frames, _options.RnnInputPool.Mels };
        Tensor sequence;
        using (var pooledInput = functional.max_pool2d(image, pool, pool))
            sequence = pooledInput.squeeze(1);                                // [B, steps, features]
        var (outputs, final) = gru.call(sequence, null!);                     // final: [2, B, units]
        outputs.Dispose();                                                    // [B, steps, 2 units], not used
        sequence.Dispose();
        Tensor rnn;
        using (var forwardFinal = final[0])
        using (var backwardFinal = final[1])
            rnn = torch.cat(new[] { forwardFinal, backwardFinal }, 1);       // forward final, backward final (= its output at t = 0)
        final.Dispose();

        using var joined = torch.cat(new[] { cnn, rnn }, 1);
        cnn.Dispose();
        rnn.Dispose();
        return output.call(joined).MoveToOuterDisposeScope();
    }

    private static (long[][] Pools, (int, int, int) Shape) Validate(ParallelCnnRnnOptions o, List<string> warnings)
    {
        var errors = new ModelOptionErrors(nameof(ParallelCnnRnnOptions));
        errors.Positive(nameof(o.Frames), o.Frames);
        errors.Positive(nameof(o.Mels), o.Mels);
        if (o.Classes < 2) errors.Add($"{nameof(o.Classes)} must be at least 2, got {o.Classes}.");
        errors.Positive(nameof(o.ConvKernelFrames), o.ConvKernelFrames);
        errors.Positive(nameof(o.GruUnits), o.GruUnits);
        if (o.ConvFilters is null || o.ConvFilters.Count == 0) errors.Add($"{nameof(o.ConvFilters)} must have at least one entry.");
        else if (o.ConvFilters.Any(f => f <= 0)) errors.Add($"{nameof(o.ConvFilters)} must all be positive, got [{string.Join(", ", o.ConvFilters)}].");
        if (o.PoolSizes is null || o.ConvFilters is null || o.PoolSizes.Count != o.ConvFilters.Count)
            errors.Add($"{nameof(o.PoolSizes)} must have one entry per convolution ({o.ConvFilters?.Count ?? 0}), got {o.PoolSizes?.Count ?? 0}.");
        else if (o.PoolSizes.Any(p => p.Frames <= 0 || p.Mels <= 0))
            errors.Add($"{nameof(o.PoolSizes)} must all be positive, got [{string.Join(", ", o.PoolSizes)}].");
        if (o.RnnInputPool.Frames <= 0 || o.RnnInputPool.Mels <= 0)
            errors.Add($"{nameof(o.RnnInputPool)} must be positive, got {o.RnnInputPool}.");
        errors.ThrowIfAny();
        IReadOnlyList<int> filters = o.ConvFilters!;
        IReadOnlyList<(int Frames, int Mels)> poolSizes = o.PoolSizes!;

        if (o.Frames / o.RnnInputPool.Frames < 1 || o.Mels / o.RnnInputPool.Mels < 1)
            errors.Add($"{nameof(o.RnnInputPool)} {o.RnnInputPool} leaves no GRU input from {o.Frames} x {o.Mels}.");

        long h = o.Frames, w = o.Mels;
        var pools = new long[filters.Count][];
        var trace = new List<string> { $"{h}x{w}" };
        for (int i = 0; i < filters.Count; i++)
        {
            h -= o.ConvKernelFrames - 1;
            if (h < 1)
            {
                errors.Add($"{nameof(o.Frames)} = {o.Frames} is too short for the CNN branch: convolution {i + 1} (kernel {o.ConvKernelFrames} frames) " +
                           $"gets {h + o.ConvKernelFrames - 1} frames (sizes {string.Join(" -> ", trace)}).");
                break;
            }
            long ph = Math.Min(poolSizes[i].Frames, h), pw = Math.Min(poolSizes[i].Mels, w);
            if (ph != poolSizes[i].Frames || pw != poolSizes[i].Mels)
                warnings.Add($"Pooling {i + 1} {poolSizes[i]} is larger than its {h}x{w} input; reduced to ({ph}, {pw}).");
            pools[i] = new[] { ph, pw };
            h /= ph;
            w /= pw;
            trace.Add($"{h}x{w}");
        }
        errors.ThrowIfAny();
        return (pools, (filters[^1], (int)h, (int)w));
    }
}
