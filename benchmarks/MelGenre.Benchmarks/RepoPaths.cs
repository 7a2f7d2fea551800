using System;
using System.IO;

namespace MelGenre.Benchmarks;

/// <summary>Finds the repository's test clip (benchmarks run from a BenchmarkDotNet build folder).</summary>
internal static class RepoPaths
{
    public static string TestClip
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "tests", "MelGenre.Tests", "TestData", "fma_000002.mp3");
                if (File.Exists(candidate))
                    return candidate;
            }
            throw new FileNotFoundException("tests/MelGenre.Tests/TestData/fma_000002.mp3 not found above " + AppContext.BaseDirectory);
        }
    }
}
