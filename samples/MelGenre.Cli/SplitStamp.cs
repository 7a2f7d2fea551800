using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using MelGenre.Datasets;

namespace MelGenre.Cli;

/// <summary>
/// The fingerprint of a dataset's split (SHA-256 of every clip's full path and split, sorted; 16 hex digits), recorded
/// in features.json and stamped into every model zip that `train` saves (entry <c>MelGenre/split.txt</c>, which ML.NET
/// ignores). Running `features` again with another --seed or other split settings re-splits the clips; `evaluate`
/// would then score old models on clips they trained on, so it refuses, and `features` warns when it happens.
/// </summary>
internal static class SplitStamp
{
    private const string Entry = "MelGenre/split.txt";

    /// <summary>The fingerprint of the clips' split assignment.</summary>
    public static string Compute(IEnumerable<GenreClip> clips)
    {
        var lines = clips.Select(c => Path.GetFullPath(c.Path) + "\t" + (c.Split?.ToName() ?? "")).Order(StringComparer.Ordinal);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", lines))))[..16];
    }

    /// <summary>The manifest's fingerprint (computed from its clips for manifests written before it was recorded).</summary>
    public static string Of(FeatureManifest manifest) => manifest.SplitFingerprint ?? Compute(manifest.ToDataset().Clips);

    /// <summary>Stamps a saved model with the split it was trained on.</summary>
    public static void Write(string modelZip, string fingerprint)
    {
        using var zip = ZipFile.Open(modelZip, ZipArchiveMode.Update);
        zip.GetEntry(Entry)?.Delete();
        using var writer = new StreamWriter(zip.CreateEntry(Entry).Open(), new UTF8Encoding(false));
        writer.Write(fingerprint + "\n");
    }

    /// <summary>The split a model was trained on, or null (a model from before the stamp, or not from the CLI).</summary>
    public static string? Read(string modelZip)
    {
        try
        {
            using var zip = ZipFile.OpenRead(modelZip);
            var entry = zip.GetEntry(Entry);
            if (entry is null)
                return null;
            using var reader = new StreamReader(entry.Open());
            return reader.ReadToEnd().Trim();
        }
        catch (InvalidDataException)
        {
            return null; // not a zip: the model loader says so
        }
    }

    /// <summary>features: warns about each model in the working folder that was trained on another split.</summary>
    public static void WarnStaleModels(Workspace ws, string fingerprint)
    {
        if (!Directory.Exists(ws.Models))
            return;
        foreach (var zip in Directory.GetFiles(ws.Models, "*.zip").Order(StringComparer.Ordinal))
        {
            string? stamp = Read(zip);
            if (stamp is not null && stamp != fingerprint)
            {
                InputChecks.Warn($"{zip} was trained on another split of the clips (split {stamp}, now {fingerprint}: a new --seed or other split settings). " +
                    "Its test and validation scores would include clips it trained on: `melgenre evaluate` refuses it until you retrain it (`melgenre train`).");
            }
        }
    }

    /// <summary>evaluate: refuses models trained on another split (they would be scored on their own training clips).</summary>
    public static void RequireSameSplit(FeatureManifest manifest, IEnumerable<LoadedModel> models, DatasetSplit split)
    {
        string fingerprint = Of(manifest);
        foreach (var m in models)
        {
            string? stamp = Read(m.File);
            if (stamp is null)
            {
                InputChecks.Warn($"{m.File} does not record the split it was trained on (trained before MelGenre recorded it); make sure it was trained on this features.json.");
            }
            else if (stamp != fingerprint && split != DatasetSplit.Training)
            {
                throw new CliException($"{m.File} was trained on another split of the clips (split {stamp}; this features.json has {fingerprint}): " +
                    $"its {split.ToName()} score would include clips it trained on. Retrain it (`melgenre train --out {Path.GetDirectoryName(Path.GetDirectoryName(m.File))}`) or evaluate it with the working folder it was trained in.");
            }
        }
    }
}
