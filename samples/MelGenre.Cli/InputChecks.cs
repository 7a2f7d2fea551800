using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using MelGenre.Caching;
using Spectre.Console;

namespace MelGenre.Cli;

/// <summary>Checks of user input that the commands share, each failing with one line that names the file and the rule.</summary>
internal static class InputChecks
{
    /// <summary>predict's exit code: 0 when at least one file was classified, else 2 with one line (every file failed).</summary>
    public static int PredictExitCode(IReadOnlyList<SongPrediction> results)
    {
        if (results.Count == 0 || results.Any(r => r.Error is null))
            return 0;
        Console.Error.WriteLine($"error: none of the {results.Count} file(s) could be classified (reasons in the table above and in predictions.csv).");
        return 2;
    }

    /// <summary>
    /// A parse error (bad enum value, int overflow, unknown --model, unknown option) is a user error: one line and exit
    /// code 2, not the whole help with exit code 1.
    /// </summary>
    public static int ParseError(System.CommandLine.ParseResult parsed)
    {
        string command = parsed.CommandResult.Command.Name;
        string first = string.Join(' ', parsed.Errors[0].Message.ReplaceLineEndings(" ").Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries)).TrimEnd('.');
        string more = parsed.Errors.Count > 1 ? $" (and {parsed.Errors.Count - 1} more)" : "";
        Console.Error.WriteLine($"error: {first}{more}. See `melgenre {(command == "melgenre" ? "" : command + " ")}--help`.");
        return 2;
    }

    /// <summary>--threads must be at least 1.</summary>
    public static void ValidateThreads(System.CommandLine.Parsing.OptionResult result) => AtLeast(result, 1);

    /// <summary>
    /// More threads than cores only adds switching (1000 threads made a 2-s CRNN run take 39 s): capped at the core count,
    /// with a warning.
    /// </summary>
    public static int? Threads(int? requested)
    {
        if (requested is int n && n > Environment.ProcessorCount)
        {
            Warn($"--threads {n} is more than the {Environment.ProcessorCount} cores of this machine; using {Environment.ProcessorCount}.");
            return Environment.ProcessorCount;
        }
        return requested;
    }

    /// <summary>An integer option must be at least <paramref name="min"/>.</summary>
    public static void AtLeast(System.CommandLine.Parsing.OptionResult result, int min)
    {
        if (result.Tokens.Count > 0 && result.GetValueOrDefault<int?>() is int v && v < min)
            result.AddError($"{result.IdentifierToken?.Value ?? result.Option.Name} must be at least {min}, got {v}");
    }

    /// <summary>An integer option must lie in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static void InRange(System.CommandLine.Parsing.OptionResult result, int min, int max)
    {
        if (result.Tokens.Count > 0 && result.GetValueOrDefault<int>() is int v && (v < min || v > max))
            result.AddError($"{result.IdentifierToken?.Value ?? result.Option.Name} must be between {min} and {max}, got {v}");
    }

    /// <summary>The user error (disk full, permissions, bad file) inside a parallel operation's AggregateException, if that is all it holds.</summary>
    public static Exception? UserErrorInside(AggregateException e)
    {
        var inner = e.Flatten().InnerExceptions;
        return inner.Count > 0 && inner.All(x => x is IOException or UnauthorizedAccessException or InvalidDataException) ? inner[0] : null;
    }

    /// <summary>Reads a JSON file the CLI wrote; a damaged one is a one-line error naming it and what to do.</summary>
    public static T ReadJson<T>(string path, string remedy)
    {
        try
        {
            return System.Text.Json.JsonSerializer.Deserialize<T>(File.ReadAllText(path), Workspace.Json)
                ?? throw new CliException($"'{path}' is empty: {remedy}.");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new CliException($"'{path}' is damaged ({e.Message.ReplaceLineEndings(" ")}): {remedy}.");
        }
    }

    /// <summary>Fails at once when <paramref name="folder"/> cannot be written (created if needed), rather than after training.</summary>
    public static void RequireWritable(string folder)
    {
        string probe = Path.Combine(folder, $".write-test-{Environment.ProcessId}.tmp");
        try
        {
            Directory.CreateDirectory(folder);
            File.WriteAllBytes(probe, new byte[] { 0 });
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"Cannot write to '{folder}' ({e.Message.ReplaceLineEndings(" ")}): the trained models go there; fix its permissions or use another --out.");
        }
    }

    /// <summary>Says how to retry files whose failure was recorded by an earlier run (a fixed permission does not change the file).</summary>
    public static void RetryHint(IReadOnlyList<FeatureFailure> failures)
    {
        int earlier = failures.Count(f => f.FromEarlierRun);
        if (earlier > 0)
            Console.Error.WriteLine($"hint: {earlier} of these failed in an earlier run and were not tried again; once fixed, run the same command with --retry-failed.");
    }

    /// <summary>Prints a warning line (markup-safe).</summary>
    public static void Warn(string message) => AnsiConsole.MarkupLineInterpolated($"[yellow]warning:[/] {message}");
}
