using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch.nn;
using static TorchSharp.torch;

namespace MelGenre.Networks;

/// <summary>
/// The convolutional-recurrent network of the original FMA-small work. Input: a batch of log-mel features
/// [batch, frames, mels] (time-major, 640 x 128 by default). Output: logits [batch, classes] (no softmax; train
/// with cross-entropy on the logits, predict with softmax).
/// </summary>
/// <remarks>
/// <para>Layers (defaults): 3 x [Conv1d over time with the mel bins as channels (56 filters, kernel 5, valid) ->
/// BatchNorm1d (momentum 0.1 = Keras 0.9, eps 1e-3) -> ReLU -> MaxPool1d(2) -> Dropout(0.4)], which takes
/// 640 frames to 76 steps of 56 features; LSTM(96), output of the last step -> Dropout(0.4) -> Linear(64) (linear
/// activation) -> Dropout(0.4) -> Linear(classes).</para>
/// <para>Parameters: 133,568 for 8 classes (Keras reports 133,520: it also counts the 336 BatchNorm moving
/// statistics, which are buffers here, and its LSTM has one bias vector where PyTorch has two, 384 more).</para>
/// <para>Initialisation follows Keras' defaults (glorot_uniform kernels, orthogonal recurrent kernel, zero biases,
/// forget-gate bias 1) and draws from TorchSharp's global generator: <c>torch.manual_seed(seed)</c> before
/// construction gives identical weights.</para>
/// <para>State names (the saved weight names, a format): <c>conv.{i}.weight|bias</c>,
/// <c>norm.{i}.weight|bias|running_mean|running_var|num_batches_tracked</c>,
/// <c>lstm.weight_ih_l0|weight_hh_l0|bias_ih_l0|bias_hh_l0</c>, <c>dense.weight|bias</c>, <c>output.weight|bias</c>.</para>
/// </remarks>
internal sealed class Crnn : Module<Tensor, Tensor>
{
    // Field names are the state-dictionary names: do not rename.
    private readonly ModuleList<Conv1d> conv;
    private readonly ModuleList<BatchNorm1d> norm;
    private readonly LSTM lstm;
    private readonly Linear dense;
    private readonly Linear output;

    private readonly CrnnOptions _options;

    /// <summary>Creates the network with the original configuration (640 x 128 input, 8 classes).</summary>
    public Crnn() : this(new CrnnOptions()) { }

    /// <summary>Creates the network. The options are validated (every broken rule reported in one
    /// <see cref="ArgumentException"/>) and copied.</summary>
    public Crnn(CrnnOptions options) : base(nameof(Crnn))
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Clone();
        SequenceLength = Validate(_options);
        var o = _options;

        conv = new ModuleList<Conv1d>();
        norm = new ModuleList<BatchNorm1d>();
        for (int i = 0; i < o.ConvLayers; i++)
        {
            conv.Add(nn.Conv1d(i == 0 ? o.Mels : o.Filters, o.Filters, o.KernelSize));
            norm.Add(nn.BatchNorm1d(o.Filters, eps: o.BatchNormEpsilon, momentum: o.BatchNormMomentum));
        }
        lstm = nn.LSTM(o.Filters, o.LstmUnits, batchFirst: true);
        dense = nn.Linear(o.LstmUnits, o.DenseUnits);
        output = nn.Linear(o.DenseUnits, o.Classes);
        RegisterComponents();

        foreach (var c in conv) KerasInit.GlorotUniformZeroBias(c.weight, c.bias);
        KerasInit.Recurrent(lstm, o.LstmUnits, lstmForgetBias: true);
        KerasInit.GlorotUniformZeroBias(dense.weight, dense.bias);
        KerasInit.GlorotUniformZeroBias(output.weight, output.bias);
    }

    /// <summary>A copy of the options the network was built with.</summary>
    public CrnnOptions Options => _options.Clone();

    /// <summary>Number of LSTM time steps after the convolution blocks (76 for 640 frames).</summary>
    public int SequenceLength { get; }

    /// <summary>
    /// The parameters that carry the original's L2 regulariser: the convolution kernels and the dense (64) kernel,
    /// not the biases, BatchNorm, LSTM or output layer.
    /// </summary>
    public IEnumerable<Parameter> L2RegularizedParameters
    {
        get
        {
            foreach (var c in conv) yield return c.weight!;
            yield return dense.weight!;
        }
    }

    /// <summary>
    /// <see cref="CrnnOptions.L2"/> x the sum of squares of <see cref="L2RegularizedParameters"/> (Keras' l2(λ) adds
    /// λ·Σw², without a ½): add it to the loss. A scalar that is differentiable with respect to those parameters.
    /// </summary>
    public Tensor L2Penalty()
    {
        using var scope = torch.NewDisposeScope();
        Tensor sum = torch.zeros(1, device: output.weight!.device).squeeze();
        foreach (var p in L2RegularizedParameters) sum = sum + p.pow(2).sum();
        return (sum * _options.L2).MoveToOuterDisposeScope();
    }

    /// <summary>Logits [batch, classes] for log-mel input [batch, frames, mels]. The input is not modified or disposed.</summary>
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        ModelInput.Check(input, _options.Frames, _options.Mels, nameof(Crnn));
        using var scope = torch.NewDisposeScope();
        var o = _options;
        Tensor x = input.transpose(1, 2); // [B, mels, frames]: mel bins are the channels
        for (int i = 0; i < o.ConvLayers; i++)
        {
            x = conv[i].call(x);
            x = norm[i].call(x);
            x = x.relu_(); // in place on the BatchNorm output: ours, and BatchNorm's backward does not use it
            x = functional.max_pool1d(x, o.PoolSize, o.PoolSize);
            x = functional.dropout(x, o.Dropout, training);
        }
        x = x.transpose(1, 2); // [B, steps, filters]
        var (sequence, _, _) = lstm.call(x, null);
        x = sequence.select(1, -1); // output of the last time step (Keras LSTM without return_sequences)
        x = functional.dropout(x, o.Dropout, training);
        x = dense.call(x);
        x = functional.dropout(x, o.Dropout, training);
        return output.call(x).MoveToOuterDisposeScope();
    }

    private static int Validate(CrnnOptions o)
    {
        var errors = new ModelOptionErrors(nameof(CrnnOptions));
        errors.Positive(nameof(o.Frames), o.Frames);
        errors.Positive(nameof(o.Mels), o.Mels);
        if (o.Classes < 2) errors.Add($"{nameof(o.Classes)} must be at least 2, got {o.Classes}.");
        errors.Positive(nameof(o.ConvLayers), o.ConvLayers);
        errors.Positive(nameof(o.Filters), o.Filters);
        errors.Positive(nameof(o.KernelSize), o.KernelSize);
        errors.Positive(nameof(o.PoolSize), o.PoolSize);
        errors.Positive(nameof(o.LstmUnits), o.LstmUnits);
        errors.Positive(nameof(o.DenseUnits), o.DenseUnits);
        if (!(o.Dropout >= 0 && o.Dropout < 1)) errors.Add($"{nameof(o.Dropout)} must be in [0, 1), got {o.Dropout}.");
        if (!(o.BatchNormMomentum > 0 && o.BatchNormMomentum <= 1)) errors.Add($"{nameof(o.BatchNormMomentum)} must be in (0, 1] (PyTorch convention: 0.1 = Keras 0.9), got {o.BatchNormMomentum}.");
        if (!(o.BatchNormEpsilon > 0)) errors.Add($"{nameof(o.BatchNormEpsilon)} must be positive, got {o.BatchNormEpsilon}.");
        if (!(o.L2 >= 0) || double.IsInfinity(o.L2)) errors.Add($"{nameof(o.L2)} must be non-negative and finite, got {o.L2}.");
        errors.ThrowIfAny();

        long length = o.Frames;
        var trace = new List<long> { length };
        for (int i = 0; i < o.ConvLayers && length > 0; i++)
        {
            length -= o.KernelSize - 1;
            length = length < 0 ? 0 : length / o.PoolSize;
            trace.Add(length);
        }
        if (length < 1)
            errors.Add($"{nameof(o.Frames)} = {o.Frames} is too short for {o.ConvLayers} blocks of kernel {o.KernelSize} and pool {o.PoolSize} " +
                       $"(sequence lengths {string.Join(" -> ", trace)}); at least one LSTM step must remain.");
        errors.ThrowIfAny();
        return (int)length;
    }
}
