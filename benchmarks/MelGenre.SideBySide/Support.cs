using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MelGenre.SideBySide;

/// <summary>--name value pairs.</summary>
internal sealed class Cli
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public static Cli Parse(string[] args)
    {
        var cli = new Cli();
        for (int i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
                throw new ArgumentException($"expected --name value, got '{args[i]}'");
            cli._values[args[i][2..]] = args[++i];
        }
        return cli;
    }

    public string? Get(string name) => _values.TryGetValue(name, out var v) ? v : null;

    public string Require(string name) => Get(name) ?? throw new ArgumentException($"--{name} is required");
}

/// <summary>One measured quantity. <see cref="Value"/> is the median of <see cref="Samples"/> for timings.</summary>
internal sealed record Result(string Id, double Value, string Unit)
{
    public int Threads { get; init; }
    public double[] Samples { get; init; } = Array.Empty<double>();
    public string? Note { get; init; }
    public Dictionary<string, double>? Extra { get; init; }
}

/// <summary>Collects results and writes them as JSON (the format benchmarks/python/report.py reads).</summary>
internal sealed class Report
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly List<Result> _results = new();

    public Report(string section) => Section = section;

    public string Section { get; }

    public void Add(Result r)
    {
        _results.Add(r);
        string spread = r.Samples.Length > 1 ? $"  (min {r.Samples.Min():0.###}, max {r.Samples.Max():0.###}, n {r.Samples.Length})" : "";
        Console.Error.WriteLine($"  melgenre {r.Id,-28} {r.Value,10:0.###} {r.Unit}{spread}");
    }

    public void Write(string path)
    {
        var doc = new
        {
            Side = "melgenre",
            Section,
            Meta = new Dictionary<string, string>
            {
                ["runtime"] = RuntimeInformation.FrameworkDescription,
                ["torchsharp"] = typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString() ?? "?",
                ["processors"] = Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture),
                ["time_utc"] = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
            },
            Results = _results,
        };
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, JsonSerializer.Serialize(doc, Json));
    }
}

internal static class Measure
{
    /// <summary>Untimed warm-up for at least this long (and at least the warm-up count): long enough for the JIT's
    /// tier-1 code (30 calls plus a background compile) to be in place before timing.</summary>
    public const double MinWarmupMs = 1000;

    /// <summary>Runs <paramref name="action"/> untimed at least <paramref name="warmup"/> times and <see cref="MinWarmupMs"/>,
    /// then <paramref name="reps"/> times timed (ms).</summary>
    public static double[] Times(int warmup, int reps, Action action)
    {
        long warm = Stopwatch.GetTimestamp();
        for (int i = 0; i < warmup || Stopwatch.GetElapsedTime(warm).TotalMilliseconds < MinWarmupMs; i++)
            action();
        var samples = new double[reps];
        for (int i = 0; i < reps; i++)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        return samples;
    }

    public static double Median(IReadOnlyCollection<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        if (sorted.Length == 0)
            return double.NaN;
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : 0.5 * (sorted[mid - 1] + sorted[mid]);
    }

    /// <summary>VmRSS and VmHWM (peak resident set size) of this process in MiB, from /proc/self/status.</summary>
    public static (double Rss, double Peak) ResidentMiB()
    {
        double rss = double.NaN, peak = double.NaN;
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                rss = Kb(line) / 1024.0;
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                peak = Kb(line) / 1024.0;
        }
        return (rss, peak);

        static double Kb(string line) => double.Parse(line.Split(':')[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }
}
