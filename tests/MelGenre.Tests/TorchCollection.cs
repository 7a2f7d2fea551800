using Xunit;

namespace MelGenre.Tests;

/// <summary>
/// TorchSharp tests run one at a time: libtorch already uses every core for one operation, the global RNG
/// (torch.manual_seed) is process-wide, and the leak test counts live tensors process-wide.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchCollection
{
    public const string Name = "TorchSharp";
}
