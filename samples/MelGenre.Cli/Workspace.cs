using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Serialization;
using MelGenre.Audio;
using MelGenre.Caching;
using MelGenre.Datasets;
using MelGenre.Dsp;
using MelGenre.Recipes;

namespace MelGenre.Cli;

/// <summary>An error the user can fix: printed as "error: message" with exit code 2, no stack trace.</summary>
internal sealed class CliException(string message) : Exception(message);

/// <summary>
/// The output folder shared by the commands: <c>features</c> writes <c>features.json</c> (the dataset with its split and
/// the feature settings) and the cache; <c>train</c> reads them and writes <c>models/</c>; <c>evaluate</c>,
/// <c>predict</c> and <c>report</c> read those.
/// </summary>
internal sealed class Workspace
{
    public Workspace(string root) => Root = Path.GetFullPath(root);

    public string Root { get; }
    public string ManifestPath => Path.Combine(Root, "features.json");
    public string DefaultCache => Path.Combine(Root, "cache");
    public string Models => Path.Combine(Root, "models");
    public string Metrics => Path.Combine(Root, "metrics");
    public string Report => Path.Combine(Root, "report");
    public string FailedFiles => Path.Combine(Root, "failed-files.txt");

    public string ModelPath(string model) => Path.Combine(Models, model + ".zip");

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public void Save(FeatureManifest manifest)
    {
        Directory.CreateDirectory(Root);
        string temp = ManifestPath + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(manifest, Json));
        File.Move(temp, ManifestPath, overwrite: true);
    }

    public FeatureManifest Load()
    {
        if (!File.Exists(ManifestPath))
            throw new CliException($"'{ManifestPath}' does not exist: run `melgenre features ... --out {Root}` first.");
        try
        {
            return JsonSerializer.Deserialize<FeatureManifest>(File.ReadAllText(ManifestPath), Json)
                ?? throw new CliException($"'{ManifestPath}' is empty or damaged: run `melgenre features` again.");
        }
        catch (JsonException e)
        {
            throw new CliException($"'{ManifestPath}' is damaged ({e.Message.ReplaceLineEndings(" ")}): run `melgenre features` again.");
        }
    }
}

/// <summary>What `features` leaves for the other commands.</summary>
internal sealed class FeatureManifest
{
    public string Source { get; set; } = "";
    public string CacheDirectory { get; set; } = "";
    public FeatureOptions Features { get; set; } = new();

    /// <summary>Settings of the FMA-style vector (classical models); absent in manifests written before it existed (defaults).</summary>
    public FmaOptions? FmaFeatures { get; set; }

    /// <summary>The kinds `features` computed ("mel", "fma"); the others are computed when a command first needs them.</summary>
    public List<string> Kinds { get; set; } = new() { "mel" };

    public string Precision { get; set; } = "half";

    /// <summary>The split's fingerprint (<see cref="SplitStamp"/>); absent in manifests written before it was recorded.</summary>
    public string? SplitFingerprint { get; set; }
    public List<string> Genres { get; set; } = new();
    public List<ClipEntry> Clips { get; set; } = new();
    public List<string> FailedFiles { get; set; } = new();

    public GenreDataset ToDataset() => new(Clips.Select(c => new GenreClip(c.Path, c.Genre,
        DatasetSplits.TryParse(c.Split, out var s) ? s : null, c.Artist, c.TrackId)), Source);

    public FeatureCache OpenCache() => new(CacheDirectory, Features.ToSettings(),
        Precision == "single" ? FeaturePrecision.Single : FeaturePrecision.Half);

    /// <summary>The FMA-vector cache: same excerpt (offset, duration) as the log-mels, at the FMA sample rate.</summary>
    public FmaFeatureCache OpenFmaCache() => new(CacheDirectory, (FmaFeatures ?? new FmaOptions()).ToSettings(Features));
}

/// <summary>The FMA-vector settings the CLI exposes; the excerpt (offset, duration) is the log-mel features' one.</summary>
internal sealed class FmaOptions
{
    /// <summary>FMA computes at the MP3s' native rate, 44.1 kHz for almost all of fma_small.</summary>
    public int SampleRate { get; set; } = 44100;
    public int FftSize { get; set; } = 2048;
    public int HopLength { get; set; } = 512;

    public FmaVectorRecipe ToSettings(FeatureOptions excerpt)
    {
        var settings = new FmaVectorRecipe
        {
            Excerpt = new ExcerptSettings { SampleRate = SampleRate, OffsetSeconds = excerpt.OffsetSeconds, DurationSeconds = excerpt.DurationSeconds },
            Features = new FmaFeatureSettings { SampleRate = SampleRate, FftSize = FftSize, HopLength = HopLength },
        };
        var errors = settings.Validate();
        if (errors.Count > 0)
            throw new CliException("Invalid FMA feature settings: " + string.Join("; ", errors) + ".");
        return settings;
    }
}

internal sealed class ClipEntry
{
    public string Path { get; set; } = "";
    public string Genre { get; set; } = "";
    public string Split { get; set; } = "";
    public string? Artist { get; set; }
    public string? TrackId { get; set; }
}

/// <summary>The feature settings the CLI exposes; the rest are the original work's (ref = max, top_db 80, natural log).</summary>
internal sealed class FeatureOptions
{
    public int SampleRate { get; set; } = 22050;
    public double OffsetSeconds { get; set; }
    public double DurationSeconds { get; set; } = 30;
    public int FftSize { get; set; } = 2048;
    public int HopLength { get; set; } = 1024;
    public int MelCount { get; set; } = 128;
    public string PadMode { get; set; } = "reflect";

    public LogMelRecipe ToSettings()
    {
        var settings = new LogMelRecipe
        {
            Excerpt = new ExcerptSettings { SampleRate = SampleRate, OffsetSeconds = OffsetSeconds, DurationSeconds = DurationSeconds },
            Decibels = DecibelSettings.Original,
            Mel = new MelSpectrogramSettings
            {
                SampleRate = SampleRate,
                FftSize = FftSize,
                HopLength = HopLength,
                MelCount = MelCount,
                PadMode = PadMode == "constant" ? Dsp.PadMode.Constant : Dsp.PadMode.Reflect,
            },
        };
        var errors = settings.Validate();
        if (errors.Count > 0)
            throw new CliException("Invalid feature settings: " + string.Join("; ", errors) + ".");
        return settings;
    }
}
