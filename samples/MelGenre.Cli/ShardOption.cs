using System;
using System.CommandLine;
using System.Globalization;
using MelGenre.Datasets;
using Spectre.Console;

namespace MelGenre.Cli;

/// <summary>
/// `features --shard i/N`: compute only shard i of N (MelGenre.Datasets.DatasetShard) into the shared cache, for a
/// Slurm array task or a Kubernetes Indexed Job pod. A sharded run writes only cache entries (atomic, one per clip and
/// kind), never features.json or failed-files.txt: the final `features` without --shard finds every entry cached,
/// computes nothing and writes them. `auto/N` takes i from SLURM_ARRAY_TASK_ID, else JOB_COMPLETION_INDEX.
/// </summary>
internal static class ShardOption
{
    /// <summary>The environment variables `auto` reads, in this order.</summary>
    public static readonly string[] IndexVariables = ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"];

    public static Option<string?> Create() => new("--shard")
    {
        Description = "Compute only shard i of N (0 <= i < N; a stable hash of each clip's dataset-relative path picks its shard) into the "
            + "shared --cache, and write no features.json: run once per i (e.g. a Slurm array), then once without --shard to write it. "
            + "auto/N takes i from $SLURM_ARRAY_TASK_ID or $JOB_COMPLETION_INDEX.",
    };

    /// <summary>The parsed option; null without --shard. Throws CliException (exit code 2) with one line when invalid.</summary>
    public static DatasetShard? Parse(string? text, Func<string, string?>? environment = null)
    {
        if (text is null)
            return null;
        environment ??= Environment.GetEnvironmentVariable;
        string t = text.Trim();
        if (t.StartsWith("auto/", StringComparison.OrdinalIgnoreCase))
        {
            string? index = null, from = null;
            foreach (string name in IndexVariables)
            {
                index = environment(name);
                from = name;
                if (!string.IsNullOrWhiteSpace(index))
                    break;
            }
            if (string.IsNullOrWhiteSpace(index))
                throw new CliException($"--shard {text}: neither {string.Join(" nor ", IndexVariables)} is set; give the index explicitly, e.g. --shard 0/{t[5..]}.");
            if (!DatasetShard.TryParse(index.Trim() + "/" + t[5..], out var fromEnv, out string? envError))
                throw new CliException($"--shard {text} with {from}={index}: {envError}");
            return fromEnv;
        }
        return DatasetShard.TryParse(t, out var shard, out string? error) ? shard : throw new CliException("--shard: " + error);
    }

    /// <summary>The part of <paramref name="dataset"/> (already split) in <paramref name="shard"/>; null when the shard holds no clip.</summary>
    public static GenreDataset? Select(DatasetShard shard, GenreDataset dataset, string root)
    {
        var clips = shard.Select(dataset.Clips, root);
        AnsiConsole.MarkupLineInterpolated($"[bold]Shard {shard}:[/] {clips.Count} of {dataset.Clips.Count} clips (by a hash of their path relative to {root}).");
        if (clips.Count > 0)
            return new GenreDataset(clips, $"{dataset.Source}, shard {shard}");
        AnsiConsole.MarkupLineInterpolated($"Shard {shard} holds no clip (more shards than clips): nothing to compute.");
        return null;
    }

    public static int Finish(DatasetShard shard, int computed, int total, string cacheRoot, Workspace ws)
    {
        AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture,
            $"Shard {shard} done: {computed} of {total} clips are in {cacheRoot}. features.json is not written by a shard: when all {shard.Count} shards are done, run the same command without --shard (and the same --cache) to write {ws.ManifestPath}.");
        return 0;
    }
}
