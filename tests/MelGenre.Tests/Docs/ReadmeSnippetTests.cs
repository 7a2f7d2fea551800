using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;

namespace MelGenre.Tests.Docs;

/// <summary>
/// Every C# block of README.md (<c>```csharp</c>, also <c>```cs</c> and <c>```c#</c>) is compiled as a program, one
/// theory row per block named by its heading and line, so the README cannot drift from the API (issue 10, item 7).
/// </summary>
/// <remarks>
/// <para>How a block is compiled: as a console program (top-level statements, then type declarations), C# latest,
/// nullable enabled, with the global usings a <c>dotnet new console</c> project has (System, System.IO, System.Linq,
/// System.Collections.Generic, System.Net.Http, System.Threading, System.Threading.Tasks) and nothing else implied:
/// every MelGenre or ML.NET namespace a block uses must be in its own <c>using</c> lines, as a reader copying it
/// needs. References: the assemblies this test project runs with (MelGenre, Microsoft.ML and its parts, TorchSharp,
/// Microsoft.ML.LightGbm, the shared framework), minus the test-only ones (xunit, the test platform, Roslyn, the CLI
/// sample and the model host). Warnings fail like errors (the repository builds with warnings as errors). Compiler
/// messages point into README.md (<c>README.md(52,13): error CS0103 ...</c>) through <c>#line</c> directives.</para>
/// <para>Invisible context, as HTML comments (not rendered on GitHub) on the lines directly above a block (only blank
/// lines and other directives in between; anything else there, or a directive above a non-C# block, fails the run):</para>
/// <list type="bullet">
/// <item><c>&lt;!-- snippet-prelude: var ml = new MLContext(); --&gt;</c>: C# compiled with the block, for context the
/// prose gives (a variable, a class from an earlier block). It may span lines and hold usings, statements and types:
/// its usings go before the block's, its statements before the block's, its types after the block's. Prefer a
/// self-contained block when that stays short and readable; HTML comments cannot contain <c>--</c>.</item>
/// <item><c>&lt;!-- snippet-run --&gt;</c>: the compiled program is also run (its entry point invoked in this process);
/// it must not throw. Only for blocks that need no external files (e.g. generated audio) and write nothing outside
/// the temporary folder.</item>
/// </list>
/// <para>The README read is the copy the test project puts beside the tests (MelGenre.Tests.csproj links
/// <c>../../README.md</c> as <c>Docs/README.md</c>), so this works from a fresh clone and after every edit + build.
/// A README without C# blocks, or without a runnable one, fails <see cref="Readme_has_csharp_snippets_and_a_runnable_one"/>.</para>
/// </remarks>
public sealed class ReadmeSnippetTests
{
    private static readonly Lazy<IReadOnlyList<ReadmeSnippet>> Readme = new(() => ReadmeSnippets.Parse(File.ReadAllLines(ReadmeSnippets.ReadmePath)));

    public static TheoryData<string> SnippetNames()
    {
        var data = new TheoryData<string>();
        foreach (var s in Readme.Value)
            data.Add(s.Name);
        return data;
    }

    [Fact]
    public void Readme_has_csharp_snippets_and_a_runnable_one()
    {
        Assert.True(File.Exists(ReadmeSnippets.ReadmePath), $"README.md was not copied beside the tests: {ReadmeSnippets.ReadmePath} is missing");
        var snippets = Readme.Value;
        Assert.True(snippets.Count > 0, "README.md has no ```csharp block: the snippet tests would check nothing (was the fence language renamed?)");
        Assert.True(snippets.Any(s => s.Run), "No README snippet is marked <!-- snippet-run -->: at least one (e.g. on generated audio) should run.");
        Assert.Equal(snippets.Count, snippets.Select(s => s.Name).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(SnippetNames))]
    public void Readme_snippet_compiles_and_runs_when_marked(string snippet)
    {
        var s = Readme.Value.Single(x => x.Name == snippet);
        var (assembly, problems, source) = ReadmeSnippets.Compile(s);
        Assert.True(problems.Count == 0,
            $"README snippet '{s.Name}' does not compile against the current API:\n  {string.Join("\n  ", problems)}\n\nCompiled as:\n{Numbered(source)}");
        if (!s.Run)
            return; // compile-only snippet (needs files or models that a test machine does not have)
        try
        {
            ReadmeSnippets.Run(assembly!);
        }
        catch (Exception e)
        {
            Assert.Fail($"README snippet '{s.Name}' (marked snippet-run) compiles but throws:\n{e}");
        }
    }

    // The harness itself must be able to fail: a broken snippet gives the compiler's error at its README line.
    [Fact]
    public void A_snippet_that_uses_a_missing_name_fails_with_its_readme_line()
    {
        string[] markdown =
        [
            "# Broken",
            "<!-- snippet-prelude: int known = 1; -->",
            "```csharp",
            "Console.WriteLine(known);",
            "Console.WriteLine(NoSuchType.Value);",
            "```",
        ];
        var s = Assert.Single(ReadmeSnippets.Parse(markdown));
        Assert.Equal("Broken (line 3)", s.Name);
        var (assembly, problems, _) = ReadmeSnippets.Compile(s);
        Assert.Null(assembly);
        var error = Assert.Single(problems);
        Assert.StartsWith("README.md(5,", error);
        Assert.Contains("CS0103", error);
    }

    [Fact]
    public void A_prelude_with_usings_statements_and_types_composes_with_the_block_and_runs()
    {
        string[] markdown =
        [
            "## Context",
            "<!-- snippet-prelude: using System.Text;",
            "var sb = new StringBuilder();",
            "public class Box { public int Value => 42; } -->",
            "",
            "<!-- snippet-run -->",
            "```cs",
            "using System.Globalization;",
            "sb.Append(new Box().Value.ToString(CultureInfo.InvariantCulture));",
            "if (sb.ToString() != \"42\") throw new InvalidOperationException(sb.ToString());",
            "```",
        ];
        var s = Assert.Single(ReadmeSnippets.Parse(markdown));
        Assert.True(s.Run);
        var (assembly, problems, _) = ReadmeSnippets.Compile(s);
        Assert.Empty(problems);
        ReadmeSnippets.Run(assembly!);
    }

    [Fact]
    public void A_directive_that_is_not_directly_above_a_csharp_block_is_an_error()
    {
        var above = Assert.Throws<InvalidDataException>(() => ReadmeSnippets.Parse(["<!-- snippet-run -->", "Some prose.", "```csharp", "```"]));
        Assert.Contains("line 1", above.Message);
        var bash = Assert.Throws<InvalidDataException>(() => ReadmeSnippets.Parse(["<!-- snippet-run -->", "```bash", "ls", "```"]));
        Assert.Contains("bash", bash.Message);
        var typo = Assert.Throws<InvalidDataException>(() => ReadmeSnippets.Parse(["<!-- snippet-runs -->", "```csharp", "```"]));
        Assert.Contains("snippet-runs", typo.Message);
    }

    private static string Numbered(string source)
        => string.Join("\n", source.Split('\n').Select((line, i) => $"{i + 1,4}  {line}"));
}

/// <summary>One C# block of a Markdown file and its directives.</summary>
/// <param name="Name">Heading and line of the opening fence, e.g. "Usage (line 40)".</param>
/// <param name="Line">1-based line of the block's first code line.</param>
/// <param name="Code">The block's code.</param>
/// <param name="Prelude">The snippet-prelude code, or null.</param>
/// <param name="PreludeLine">1-based line of the snippet-prelude comment.</param>
/// <param name="Run">Whether the block is marked snippet-run.</param>
internal sealed record ReadmeSnippet(string Name, int Line, string Code, string? Prelude, int PreludeLine, bool Run);

/// <summary>Extracts, compiles and runs README snippets (see <see cref="ReadmeSnippetTests"/> for the rules).</summary>
internal static class ReadmeSnippets
{
    private const string FileName = "README.md";
    private const string PreludeDirective = "snippet-prelude:";
    private const string RunDirective = "snippet-run";

    public static string ReadmePath { get; } = Path.Combine(AppContext.BaseDirectory, "Docs", FileName);

    /// <summary>What a <c>dotnet new console</c> project's implicit usings give every file.</summary>
    private const string ImplicitUsings =
        "global using System;\nglobal using System.Collections.Generic;\nglobal using System.IO;\nglobal using System.Linq;\n" +
        "global using System.Net.Http;\nglobal using System.Threading;\nglobal using System.Threading.Tasks;\n";

    /// <summary>Assemblies of the test process that an application using the MelGenre package would not have.</summary>
    private static readonly string[] TestOnlyPrefixes =
    [
        "xunit", "Microsoft.TestPlatform", "Microsoft.VisualStudio.", "testhost", "Microsoft.CodeAnalysis",
        "MelGenre.Tests", "MelGenre.Cli", "MelGenre.ModelHost",
    ];

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly Lazy<MetadataReference[]> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(p => p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            .Where(p => !TestOnlyPrefixes.Any(prefix => Path.GetFileName(p).StartsWith(prefix, StringComparison.OrdinalIgnoreCase)))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToArray());

    /// <summary>The C# blocks of a Markdown file, with their directives.</summary>
    /// <exception cref="InvalidDataException">An unclosed block, an unknown directive or one that is not directly above a C# block.</exception>
    public static IReadOnlyList<ReadmeSnippet> Parse(string[] lines)
    {
        var snippets = new List<ReadmeSnippet>();
        string heading = FileName;
        string? prelude = null;
        int preludeLine = 0, directiveLine = 0;
        bool run = false;
        for (int i = 0; i < lines.Length; i++)
        {
            string t = lines[i].Trim();
            if (t.StartsWith("```", StringComparison.Ordinal) || t.StartsWith("~~~", StringComparison.Ordinal))
            {
                string fence = t[..3];
                string language = t[3..].Trim().Split(' ', 2)[0].ToLowerInvariant();
                int end = i + 1;
                while (end < lines.Length && !lines[end].Trim().StartsWith(fence, StringComparison.Ordinal))
                    end++;
                if (end == lines.Length)
                    throw new InvalidDataException($"{FileName} line {i + 1}: the code block is never closed.");
                if (language is "csharp" or "cs" or "c#")
                    snippets.Add(new ReadmeSnippet($"{heading} (line {i + 1})", i + 2, string.Join("\n", lines[(i + 1)..end]), prelude, preludeLine, run));
                else if (directiveLine != 0)
                    throw new InvalidDataException($"{FileName} line {directiveLine}: a snippet directive above a '{language}' block; directives belong directly above a ```csharp block.");
                (prelude, preludeLine, directiveLine, run) = (null, 0, 0, false);
                i = end;
                continue;
            }

            if (t.StartsWith("<!-- snippet", StringComparison.Ordinal))
            {
                int start = i;
                var comment = new StringBuilder(lines[i]);
                while (!lines[i].Contains("-->", StringComparison.Ordinal))
                {
                    if (++i == lines.Length)
                        throw new InvalidDataException($"{FileName} line {start + 1}: the snippet comment is never closed (-->).");
                    comment.Append('\n').Append(lines[i]);
                }

                string text = comment.ToString().Trim();
                string body = text["<!--".Length..text.LastIndexOf("-->", StringComparison.Ordinal)].Trim();
                if (body == RunDirective)
                {
                    run = true;
                }
                else if (body.StartsWith(PreludeDirective, StringComparison.Ordinal))
                {
                    if (prelude is not null)
                        throw new InvalidDataException($"{FileName} line {start + 1}: a second snippet-prelude for the same block; put all of it in one comment.");
                    prelude = body[PreludeDirective.Length..];
                    preludeLine = start + 1;
                }
                else
                {
                    throw new InvalidDataException($"{FileName} line {start + 1}: unknown directive '{body.Split(' ', 2)[0]}' (known: {PreludeDirective} ..., {RunDirective}).");
                }

                if (directiveLine == 0)
                    directiveLine = start + 1;
                continue;
            }

            if (t.Length > 0 && directiveLine != 0)
                throw new InvalidDataException($"{FileName} line {directiveLine}: a snippet directive must be directly above a ```csharp block (only blank lines and other directives in between), but line {i + 1} is text.");
            if (t.StartsWith('#'))
                heading = t.TrimStart('#').Trim();
        }

        if (directiveLine != 0)
            throw new InvalidDataException($"{FileName} line {directiveLine}: a snippet directive with no ```csharp block after it.");
        return snippets;
    }

    /// <summary>
    /// Compiles a snippet (with its prelude) as a console program. Returns the assembly when there is no error or
    /// warning, the errors and warnings (located in README.md), and the source as compiled.
    /// </summary>
    public static (Assembly? Assembly, IReadOnlyList<string> Problems, string Source) Compile(ReadmeSnippet snippet)
    {
        string source = Compose(snippet);
        var compilation = CSharpCompilation.Create(
            "ReadmeSnippet" + Guid.NewGuid().ToString("N"),
            [
                CSharpSyntaxTree.ParseText(ImplicitUsings, ParseOptions, path: "ImplicitUsings.cs"),
                CSharpSyntaxTree.ParseText(source, ParseOptions, path: "Snippet.cs"),
            ],
            References.Value,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable,
                // Assembly unification notes, as the .NET SDK does (its NoWarn default).
                specificDiagnosticOptions: new Dictionary<string, ReportDiagnostic> { ["CS1701"] = ReportDiagnostic.Suppress, ["CS1702"] = ReportDiagnostic.Suppress }));
        using var pe = new MemoryStream();
        var result = compilation.Emit(pe);
        var problems = result.Diagnostics
            .Where(d => d.Severity >= DiagnosticSeverity.Warning && !d.IsSuppressed)
            .OrderBy(d => d.Location.GetMappedLineSpan().StartLinePosition)
            .Select(d => d.ToString())
            .ToList();
        var assembly = result.Success && problems.Count == 0 ? Assembly.Load(pe.ToArray()) : null;
        return (assembly, problems, source);
    }

    /// <summary>Runs a compiled snippet's entry point in this process; its exceptions propagate unwrapped.</summary>
    public static void Run(Assembly assembly)
    {
        var entry = assembly.EntryPoint ?? throw new InvalidOperationException("The compiled snippet has no entry point.");
        object?[]? args = entry.GetParameters().Length == 0 ? null : [Array.Empty<string>()];
        if (entry.Invoke(null, BindingFlags.DoNotWrapExceptions, null, args, null) is Task task)
            task.GetAwaiter().GetResult();
    }

    /// <summary>
    /// The program text: prelude usings, block usings, prelude statements, block statements and types, prelude types,
    /// each part behind a <c>#line</c> directive that maps it to its README line.
    /// </summary>
    private static string Compose(ReadmeSnippet s)
    {
        var (usings, body, bodyLine) = SplitUsings(s.Code, s.Line);
        string preludeUsings = "", preludeStatements = "", preludeTypes = "";
        if (s.Prelude is not null)
        {
            var root = CSharpSyntaxTree.ParseText(s.Prelude, ParseOptions).GetCompilationUnitRoot();
            preludeUsings = string.Concat(root.Usings.Select(u => u.ToFullString()));
            preludeStatements = string.Concat(root.Members.OfType<GlobalStatementSyntax>().Select(m => m.ToFullString()));
            preludeTypes = string.Concat(root.Members.Where(m => m is not GlobalStatementSyntax).Select(m => m.ToFullString()));
        }

        var text = new StringBuilder();
        void Part(string code, int line)
        {
            if (code.Trim().Length == 0)
                return;
            text.Append("#line ").Append(line).Append(" \"").Append(FileName).Append("\"\n").Append(code);
            if (!code.EndsWith('\n'))
                text.Append('\n');
        }

        Part(preludeUsings, s.PreludeLine);
        Part(usings, s.Line);
        Part(preludeStatements, s.PreludeLine);
        Part(body, bodyLine);
        Part(preludeTypes, s.PreludeLine);
        return text.ToString();
    }

    /// <summary>A block's using directives (up to the end of the last one's line) and the rest, with the rest's README line.</summary>
    private static (string Usings, string Body, int BodyLine) SplitUsings(string code, int line)
    {
        var root = CSharpSyntaxTree.ParseText(code, ParseOptions).GetCompilationUnitRoot();
        if (root.Usings.Count == 0)
            return ("", code, line);
        int cut = root.Usings.Last().FullSpan.End;
        string usings = code[..cut];
        return (usings, code[cut..], line + usings.Count(c => c == '\n'));
    }
}
