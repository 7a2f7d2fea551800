using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using Xunit;

namespace MelGenre.Tests.Reliability;

/// <summary>docs/bad-input.md is enforced: every test it names exists, and the theories that mirror its sections match it row by row.</summary>
public sealed partial class BadInputTableTests
{
    private static readonly string? Doc = Find();

    private static string? Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "docs", "bad-input.md");
            if (File.Exists(candidate) && File.Exists(Path.Combine(dir.FullName, "MelGenre.sln")))
                return candidate;
        }
        return null;
    }

    private static string Text()
    {
        Assert.True(Doc is not null, "docs/bad-input.md was not found above the test binaries (it is part of the repository).");
        return File.ReadAllText(Doc!);
    }

    [GeneratedRegex(@"`([A-Z][A-Za-z0-9]+)\.([A-Za-z0-9_]+)`")]
    private static partial Regex TestReference();

    [Fact]
    public void Every_test_the_table_names_exists()
    {
        var tests = typeof(BadInputTableTests).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods().Where(m => m.GetCustomAttributes<FactAttribute>(inherit: true).Any()).Select(m => t.Name + "." + m.Name))
            .ToHashSet(StringComparer.Ordinal);
        var rows = Text().Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal) && !l.StartsWith("| input", StringComparison.Ordinal) && !l.StartsWith("| ---", StringComparison.Ordinal)).ToList();
        Assert.True(rows.Count > 50, $"only {rows.Count} rows found");
        int referenced = 0;
        foreach (var row in rows)
        {
            string testColumn = row.TrimEnd().TrimEnd('|').Split('|').Last();
            foreach (Match m in TestReference().Matches(testColumn))
            {
                referenced++;
                Assert.True(tests.Contains(m.Groups[1].Value + "." + m.Groups[2].Value), $"docs/bad-input.md names {m.Value}, which is not a test:\n{row}");
            }
        }
        Assert.True(referenced >= rows.Count - 2, "most rows name a test");
    }

    [Fact]
    public void Every_broken_model_row_is_in_the_table()
    {
        string text = Text();
        foreach (var row in BrokenModelTests.Damages())
            Assert.Contains($"`BrokenModelTests.A_broken_model_zip_is_one_line_naming_the_file` [{row[0]}]", text);
    }

    [Fact]
    public void Every_bad_argument_row_is_in_the_table()
    {
        string text = Text();
        foreach (var row in CliUserErrorTests.BadArguments())
        {
            Assert.Contains($"`{row[0]}`", text);
            Assert.Contains($"[{row[0]}]", text);
        }
    }
}
