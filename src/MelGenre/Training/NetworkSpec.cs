using System;
using System.Text.Json;
using MelGenre.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace MelGenre.Training;

/// <summary>What the training loop and the saved model need to know about an architecture.</summary>
internal abstract class NetworkSpec
{
    internal static readonly JsonSerializerOptions Json = new() { IncludeFields = true };

    /// <summary>Architecture name written into saved models ("Crnn", "ParallelCnnRnn").</summary>
    public abstract string Architecture { get; }

    /// <summary>Builds the network (on the CPU) for the given input size and class count.</summary>
    public abstract nn.Module<Tensor, Tensor> Build(int frames, int mels, int classes);

    /// <summary>The regularisation term to add to the loss, or null.</summary>
    public virtual Tensor? Penalty(nn.Module<Tensor, Tensor> network) => null;

    /// <summary>The network's own options (with sizes) as JSON, to rebuild it when loading.</summary>
    public abstract string OptionsJson(nn.Module<Tensor, Tensor> network);

    /// <summary>Rebuilds a network from <see cref="OptionsJson"/>.</summary>
    public static nn.Module<Tensor, Tensor> Rebuild(string architecture, string optionsJson) => architecture switch
    {
        CrnnSpec.Name => new Crnn(JsonSerializer.Deserialize<CrnnOptions>(optionsJson, Json)
            ?? throw new System.IO.InvalidDataException("Empty CRNN options in the saved model.")),
        ParallelCnnRnnSpec.Name => new ParallelCnnRnn(JsonSerializer.Deserialize<ParallelCnnRnnOptions>(optionsJson, Json)
            ?? throw new System.IO.InvalidDataException("Empty parallel CNN-RNN options in the saved model.")),
        ShortChunkResNetSpec.Name => new ShortChunkResNet(JsonSerializer.Deserialize<ShortChunkResNetOptions>(optionsJson, Json)
            ?? throw new System.IO.InvalidDataException("Empty short-chunk ResNet options in the saved model.")),
        _ => throw new System.IO.InvalidDataException($"The saved model holds an unknown network architecture '{architecture}'."),
    };
}

internal sealed class CrnnSpec : NetworkSpec
{
    public const string Name = "Crnn";
    private readonly CrnnTrainer.Options _o;

    public CrnnSpec(CrnnTrainer.Options options) => _o = options;

    public override string Architecture => Name;

    public override nn.Module<Tensor, Tensor> Build(int frames, int mels, int classes) => new Crnn(new CrnnOptions
    {
        Frames = frames,
        Mels = mels,
        Classes = classes,
        ConvLayers = _o.ConvLayers,
        Filters = _o.Filters,
        KernelSize = _o.KernelSize,
        PoolSize = _o.PoolSize,
        Dropout = _o.Dropout,
        LstmUnits = _o.LstmUnits,
        DenseUnits = _o.DenseUnits,
        L2 = _o.L2,
    });

    public override Tensor? Penalty(nn.Module<Tensor, Tensor> network)
        => _o.L2 > 0 ? ((Crnn)network).L2Penalty() : null;

    public override string OptionsJson(nn.Module<Tensor, Tensor> network) => JsonSerializer.Serialize(((Crnn)network).Options, Json);
}

internal sealed class ParallelCnnRnnSpec : NetworkSpec
{
    public const string Name = "ParallelCnnRnn";
    private readonly ParallelCnnRnnTrainer.Options _o;

    public ParallelCnnRnnSpec(ParallelCnnRnnTrainer.Options options) => _o = options;

    public override string Architecture => Name;

    public override nn.Module<Tensor, Tensor> Build(int frames, int mels, int classes)
        => new ParallelCnnRnn(new ParallelCnnRnnOptions
        {
            Frames = frames,
            Mels = mels,
            Classes = classes,
            ConvFilters = (int[])_o.ConvFilters.Clone(),
            ConvKernelFrames = _o.ConvKernelFrames,
            PoolSizes = ((int Frames, int Mels)[])_o.PoolSizes.Clone(),
            RnnInputPool = _o.RnnInputPool,
            GruUnits = _o.GruUnits,
        });

    public override string OptionsJson(nn.Module<Tensor, Tensor> network) => JsonSerializer.Serialize(((ParallelCnnRnn)network).Options, Json);
}

internal sealed class ShortChunkResNetSpec : NetworkSpec
{
    public const string Name = "ShortChunkResNet";
    private readonly ShortChunkResNetTrainer.Options _o;

    public ShortChunkResNetSpec(ShortChunkResNetTrainer.Options options) => _o = options;

    public override string Architecture => Name;

    public override nn.Module<Tensor, Tensor> Build(int frames, int mels, int classes) => new ShortChunkResNet(new ShortChunkResNetOptions
    {
        Frames = frames,
        Mels = mels,
        Classes = classes,
        Channels = (int[])_o.Channels.Clone(),
        Dropout = _o.Dropout,
    });

    public override string OptionsJson(nn.Module<Tensor, Tensor> network) => JsonSerializer.Serialize(((ShortChunkResNet)network).Options, Json);
}
