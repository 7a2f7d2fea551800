using System;
using System.IO;
using System.Linq;
using MelGenre.Cli;
using Xunit;

namespace MelGenre.Tests.Reliability;

/// <summary>Runs the CLI in process and keeps what it wrote to stderr.</summary>
internal static class CliRun
{
    private static readonly object Lock = new();

    public static (int Code, string Errors) Run(params string[] args)
    {
        lock (Lock)
        {
            var previous = Console.Error;
            var errors = new StringWriter();
            Console.SetError(errors);
            try
            {
                return (CliApp.Run(args), errors.ToString());
            }
            finally
            {
                Console.SetError(previous);
            }
        }
    }

    /// <summary>Asserts a user error: exit code 2, one "error:" line that contains every one of <paramref name="mentions"/>, no stack trace.</summary>
    public static string UserError(string[] args, params string[] mentions)
    {
        var (code, errors) = Run(args);
        var lines = errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l.StartsWith("error", StringComparison.Ordinal)).ToList();
        Assert.True(code == 2, $"exit code {code}, expected 2; stderr: {errors}");
        Assert.DoesNotContain("   at ", errors);
        string line = Assert.Single(lines);
        foreach (var m in mentions)
            Assert.Contains(m, line);
        return line;
    }
}
