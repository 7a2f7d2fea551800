using System.IO;
using System.Linq;
using MelGenre.Build;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace MelGenre.Tests.Build;

/// <summary>
/// Proves that TorchSharp's native libraries load in this test process (on Debian 12 that needs the
/// GLIBCXX_3.4.32 patch of build/MelGenre.targets) and compute: a forward and a backward pass.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class TorchSharpLoadingTests
{
    [Fact]
    public void Tensor_forward_and_backward_work()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new float[] { 1, 2, 3 }, requires_grad: true);
        var y = (x * x).sum();
        y.backward();
        Assert.Equal(14f, y.item<float>());
        Assert.Equal(new float[] { 2, 4, 6 }, x.grad!.data<float>().ToArray());

        var linear = nn.Linear(3, 2);
        var output = linear.call(torch.ones(4, 3));
        output.sum().backward();
        Assert.Equal(new long[] { 4, 2 }, output.shape);
        Assert.Equal(Enumerable.Repeat(4f, 6), linear.weight!.grad!.data<float>().ToArray());
    }

    // Skipped off Linux (see LinuxFactAttribute). On Linux the copy must be there: the test project references the
    // linux-x64 libtorch backend, so a missing copy is a build problem to report, not a reason to pass.
    [LinuxFact]
    public void Output_copy_of_lib_lib_torch_sharp_is_patched_only_when_the_system_needs_it()
    {
        string copy = Path.Combine(System.AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(copy), $"The build did not copy TorchSharp's native library to {copy}");
        var need = ElfVersionPatcher.ReadVersionNeeds(File.ReadAllBytes(copy)).Single(n => n.Version == "GLIBCXX_3.4.32");
        string? system = ElfVersionPatcher.FindSystemLibrary(need.Library, 62);
        Assert.NotNull(system);
        bool systemHasIt = ElfVersionPatcher.ReadVersionDefinitions(File.ReadAllBytes(system!)).Contains("GLIBCXX_3.4.32");
        Assert.Equal(!systemHasIt, need.IsWeak);
    }
}
