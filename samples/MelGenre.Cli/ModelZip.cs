using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Reflection;
using Microsoft.ML;

namespace MelGenre.Cli;

/// <summary>
/// Loads a model zip so that every way it can be broken (empty, truncated, not a zip, a zip that is no ML.NET model, a
/// newer payload version, damaged or missing weights, an unknown architecture) is one line naming the file and the
/// problem (a <see cref="CliException"/>: exit code 2), instead of ML.NET's nested reflection exceptions.
/// </summary>
internal static class ModelZip
{
    /// <summary><c>ml.Model.Load(file)</c> with the checks above.</summary>
    public static ITransformer Load(MLContext ml, string file, out DataViewSchema inputSchema)
    {
        CheckContainer(file);
        try
        {
            var model = ml.Model.Load(file, out inputSchema);
            _ = model.GetOutputSchema(inputSchema);
            return model;
        }
        catch (Exception e) when (e is not OperationCanceledException and not CliException)
        {
            throw new CliException($"'{file}' cannot be loaded as a model: {Innermost(e)}");
        }
    }

    /// <summary>The container checks: not empty, a readable zip, with ML.NET's Model.key entries.</summary>
    public static void CheckContainer(string file)
    {
        var info = new FileInfo(file);
        if (info.Length == 0)
            throw new CliException($"'{file}' is empty (0 bytes), not a model: train it again or pass another --model.");
        try
        {
            using var zip = ZipFile.OpenRead(file);
            if (!zip.Entries.Any(e => e.FullName.EndsWith("Model.key", StringComparison.Ordinal)))
                throw new CliException($"'{file}' is a zip archive but not an ML.NET model (it has no Model.key entry).");
        }
        catch (InvalidDataException e)
        {
            throw new CliException($"'{file}' is not a readable zip archive ({OneLine(e.Message)}): the file is truncated or is not a model; train it again.");
        }
    }

    /// <summary>Runs <paramref name="load"/>; any error that is not already a one-line user error becomes one naming <paramref name="file"/>.</summary>
    public static T Guard<T>(string file, Func<T> load)
    {
        try
        {
            return load();
        }
        catch (Exception e) when (e is not OperationCanceledException and not CliException)
        {
            throw new CliException($"'{file}' cannot be used as a model: {Innermost(e)}");
        }
    }

    /// <summary>The message that says what is wrong: the innermost one below the reflection wrappers, on one line.</summary>
    internal static string Innermost(Exception e)
    {
        Exception x = e;
        while (x.InnerException is not null && (x is TargetInvocationException or AggregateException || x.Message.Length == 0 || x.InnerException is InvalidDataException))
            x = x.InnerException;
        return OneLine(x.Message);
    }

    private static string OneLine(string message)
    {
        string line = message.ReplaceLineEndings(" ").Trim();
        return line.Length > 400 ? line[..400] + " ..." : line;
    }
}
