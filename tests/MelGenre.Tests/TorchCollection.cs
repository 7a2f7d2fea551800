using TorchSharp;
using Xunit;

namespace MelGenre.Tests;

/// <summary>
/// TorchSharp tests run one at a time: the global RNG (torch.manual_seed) is process-wide and the leak test
/// counts live tensors process-wide.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchCollection : ICollectionFixture<TorchFixture>
{
    public const string Name = "TorchSharp";
}

/// <summary>
/// One intra-op thread for the test process. The test tensors are tiny, so a second thread buys nothing, and
/// libtorch's OpenMP team of 2 on a 2-core machine collapses when another process keeps one core busy: a
/// 24 x 64 x 32 CRNN training step measured 1,000 ms with 2 threads against 4 ms with 1 while a benchmark ran
/// beside the tests.
/// </summary>
public sealed class TorchFixture
{
    public TorchFixture() => torch.set_num_threads(1);
}
