using System;
using System.IO;
using System.Linq;
using System.Reflection;
using MelGenre.Build;
using Xunit;

namespace MelGenre.Tests.Build;

/// <summary>A fact that is skipped, with the reason, on an operating system other than Linux (ELF, the loader's search path, /proc).</summary>
/// <remarks>
/// How this project skips (issue 10, item 8): a test that cannot run here is reported as Skipped with the reason, never
/// as passed by returning early. xunit 2.9 has no dynamic skip, so a <see cref="FactAttribute"/> subclass evaluates the
/// condition when the test is discovered and sets <see cref="FactAttribute.Skip"/> (as <c>FmaSampleFactAttribute</c>
/// in Cli/CliIntegrationTests.cs does); the test body then asserts unconditionally.
/// </remarks>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
            Skip = "Linux only: this test reads ELF shared libraries that the Linux loader finds.";
    }
}

/// <summary>Unit tests of build/ElfVersionPatcher.cs (the logic behind build/MelGenre.targets).</summary>
public sealed class ElfVersionPatcherTests : IDisposable
{
    private const string Version = "GLIBCXX_3.4.32";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "melgenre-elf-" + Guid.NewGuid().ToString("N"));

    public ElfVersionPatcherTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static bool FlagWeak(string path) =>
        ElfVersionPatcher.ReadVersionNeeds(File.ReadAllBytes(path)).Single(n => n.Version == Version).IsWeak;

    [Fact]
    public void Synthetic_patch_sets_exactly_the_weak_flag_second_run_changes_nothing()
    {
        var elf = SyntheticElf.Build();
        string path = Path.Combine(_dir, "libsynthetic.so");
        File.WriteAllBytes(path, elf.Bytes);
        var stamp = new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(path, stamp);

        var needs = ElfVersionPatcher.ReadVersionNeeds(elf.Bytes);
        Assert.Equal(new[] { "GLIBCXX_3.4", Version }, needs.Select(n => n.Version));
        Assert.All(needs, n => Assert.Equal("libstdc++.so.6", n.Library));
        Assert.False(FlagWeak(path));

        var first = ElfVersionPatcher.MarkVersionNeedWeak(path, Version);
        Assert.Equal(ElfPatchOutcome.Patched, first.Outcome);
        Assert.Equal(new[] { "_ZSt21ios_base_library_initv" }, first.Symbols);
        Assert.True(FlagWeak(path));
        byte[] after = File.ReadAllBytes(path);
        var diff = Enumerable.Range(0, after.Length).Where(i => after[i] != elf.Bytes[i]).ToArray();
        Assert.Equal(new[] { elf.Weak32FlagsOffset }, diff);
        Assert.Equal(0x2, after[elf.Weak32FlagsOffset]);
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(path)); // keeps MSBuild's incremental copy from undoing it
        Assert.False(ElfVersionPatcher.ReadVersionNeeds(after).Single(n => n.Version == "GLIBCXX_3.4").IsWeak);

        var second = ElfVersionPatcher.MarkVersionNeedWeak(path, Version);
        Assert.Equal(ElfPatchOutcome.AlreadyWeak, second.Outcome);
        Assert.Equal(after, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(_dir)); // no temporary file left behind
    }

    [Fact]
    public void Synthetic_version_not_required_is_left_alone()
    {
        string path = Path.Combine(_dir, "lib.so");
        byte[] bytes = SyntheticElf.Build().Bytes;
        File.WriteAllBytes(path, bytes);
        Assert.Equal(ElfPatchOutcome.VersionNotRequired, ElfVersionPatcher.MarkVersionNeedWeak(path, "GLIBCXX_3.4.99").Outcome);
        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [Fact]
    public void Synthetic_patch_replaces_a_symlink_not_its_target()
    {
        string target = Path.Combine(_dir, "cache.so");
        string link = Path.Combine(_dir, "output.so");
        byte[] bytes = SyntheticElf.Build().Bytes;
        File.WriteAllBytes(target, bytes);
        File.CreateSymbolicLink(link, target);
        Assert.Equal(ElfPatchOutcome.Patched, ElfVersionPatcher.MarkVersionNeedWeak(link, Version).Outcome);
        Assert.Equal(bytes, File.ReadAllBytes(target));
        Assert.Null(new FileInfo(link).LinkTarget);
        Assert.True(FlagWeak(link));
    }

    public static TheoryData<string> Damages => new()
    {
        "magic", "class", "truncated", "chain", "string", "dynamic", "relocation",
    };

    [Theory]
    [MemberData(nameof(Damages))]
    public void Synthetic_unexpected_layout_fails_clearly_and_leaves_the_file_unchanged(string damage)
    {
        var elf = SyntheticElf.Build(relocateAgainstVersionedSymbol: damage == "relocation");
        byte[] bytes = elf.Bytes;
        switch (damage)
        {
            case "magic": bytes[1] = (byte)'X'; break;
            case "class": bytes[4] = 1; break;
            case "truncated": Array.Resize(ref bytes, bytes.Length - 100); break;
            case "chain": BitConverter.GetBytes(16 + 8).CopyTo(bytes, elf.VerneedOffset + 16 + 12); break; // vna_next points mid-entry past the end
            case "string": BitConverter.GetBytes(100000).CopyTo(bytes, elf.VerneedOffset + 4); break;        // vn_file out of .dynstr
            case "dynamic": BitConverter.GetBytes(0x1234L).CopyTo(bytes, elf.DynamicOffset + 8); break;     // DT_VERNEED elsewhere
        }
        string path = Path.Combine(_dir, "lib.so");
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<ElfLayoutException>(() => ElfVersionPatcher.MarkVersionNeedWeak(path, Version));
        Assert.False(string.IsNullOrWhiteSpace(e.Message));
        Assert.Equal(bytes, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(_dir));
    }

    [Fact]
    public void Real_torch_sharp_library_copy_in_temp_folder_patches_only_the_glibcxx3432_requirement()
    {
        string package = typeof(ElfVersionPatcherTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "TorchSharpNativeInPackage").Value!;
        Assert.True(File.Exists(package), $"TorchSharp's libLibTorchSharp.so not found at {package}");
        string copy = Path.Combine(_dir, "libLibTorchSharp.so");
        File.Copy(package, copy);
        byte[] original = File.ReadAllBytes(copy);

        var before = ElfVersionPatcher.ReadVersionNeeds(original);
        var need = before.Single(n => n.Version == Version);
        Assert.Equal("libstdc++.so.6", need.Library);
        Assert.False(need.IsWeak);
        Assert.DoesNotContain(before, n => n.IsWeak);

        var result = ElfVersionPatcher.MarkVersionNeedWeak(copy, Version);
        Assert.Equal(ElfPatchOutcome.Patched, result.Outcome);
        Assert.Equal(new[] { "_ZSt21ios_base_library_initv" }, result.Symbols);
        var after = ElfVersionPatcher.ReadVersionNeeds(File.ReadAllBytes(copy));
        Assert.Equal(new[] { Version }, after.Where(n => n.IsWeak).Select(n => n.Version));
        byte[] patched = File.ReadAllBytes(copy);
        Assert.Equal(1, Enumerable.Range(0, patched.Length).Count(i => patched[i] != original[i]));

        Assert.Equal(ElfPatchOutcome.AlreadyWeak, ElfVersionPatcher.MarkVersionNeedWeak(copy, Version).Outcome);
        Assert.Equal(patched, File.ReadAllBytes(copy));
        Assert.Equal(original, File.ReadAllBytes(package)); // the package cache copy is never touched
    }

    [LinuxFact]
    public void System_lib_std_cxx_is_found_through_the_loader_and_its_version_definitions_read()
    {
        string? lib = ElfVersionPatcher.FindSystemLibrary("libstdc++.so.6", 62);
        Assert.NotNull(lib);
        var defined = ElfVersionPatcher.ReadVersionDefinitions(File.ReadAllBytes(lib!));
        Assert.Contains("GLIBCXX_3.4", defined);
        Assert.Contains("CXXABI_1.3", defined);
    }
}
