
namespace MelGenre.Networks;

/// <summary>
/// Configuration of <see cref="Crnn"/>. Defaults reproduce the original FMA-small CRNN (133,520 Keras parameters,
/// 133,568 in TorchSharp) for 640 x 128 log-mel input and 8 genres. The network copies the options at construction;
/// changing them afterwards has no effect on it.
/// </summary>
internal sealed class CrnnOptions
{
    /// <summary>Time frames per example (input dimension 1). Must be large enough to leave at least one LSTM step
    /// after the convolution blocks (each removes <see cref="KernelSize"/> - 1 frames, then divides by
    /// <see cref="PoolSize"/>, rounding down). Default 640 (about 29.7 s at hop 1024, 22,050 Hz).</summary>
    public int Frames { get; set; } = 640;

    /// <summary>Mel bins per frame (input dimension 2); they are the input channels of the first convolution. Positive. Default 128.</summary>
    public int Mels { get; set; } = 128;

    /// <summary>Number of classes (size of the logits). At least 2. Default 8 (the FMA-small top genres).</summary>
    public int Classes { get; set; } = 8;

    /// <summary>Number of Conv1d -> BatchNorm -> ReLU -> MaxPool -> Dropout blocks. Positive. Default 3.</summary>
    public int ConvLayers { get; set; } = 3;

    /// <summary>Filters (output channels) of every convolution. Positive. Default 56.</summary>
    public int Filters { get; set; } = 56;

    /// <summary>Convolution kernel length in frames (valid padding, stride 1). Positive. Default 5.</summary>
    public int KernelSize { get; set; } = 5;

    /// <summary>Max-pooling window and stride in frames after each convolution block. Positive. Default 2.</summary>
    public int PoolSize { get; set; } = 2;

    /// <summary>Dropout probability after every convolution block, after the LSTM and after the dense layer. In [0, 1). Default 0.4.</summary>
    public double Dropout { get; set; } = 0.4;

    /// <summary>LSTM units; the output of the last time step feeds the dense layer. Positive. Default 96.</summary>
    public int LstmUnits { get; set; } = 96;

    /// <summary>Units of the dense layer between the LSTM and the classifier (linear activation, as in the original). Positive. Default 64.</summary>
    public int DenseUnits { get; set; } = 64;

    /// <summary>BatchNorm momentum in PyTorch's convention (weight of the new batch statistic): 0.1 equals Keras'
    /// momentum 0.9. In (0, 1]. Default 0.1.</summary>
    public double BatchNormMomentum { get; set; } = 0.1;

    /// <summary>BatchNorm epsilon. Positive. Default 1e-3 (Keras' default; PyTorch's is 1e-5).</summary>
    public double BatchNormEpsilon { get; set; } = 1e-3;

    /// <summary>
    /// Weight of the L2 penalty on <see cref="Crnn.L2RegularizedParameters"/> (the original's
    /// <c>kernel_regularizer=l2(1e-3)</c> on the convolution kernels and the dense kernel). Not applied by the
    /// network: the trainer adds <see cref="Crnn.L2Penalty"/> to the loss. Non-negative; 0 disables. Default 1e-3.
    /// </summary>
    public double L2 { get; set; } = 1e-3;

    internal CrnnOptions Clone() => (CrnnOptions)MemberwiseClone();
}
