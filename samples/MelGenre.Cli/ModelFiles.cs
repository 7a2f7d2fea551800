using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using MelGenre.Audio;
using MelGenre.Caching;
using MelGenre.Features;
using MelGenre.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.LightGbm;

namespace MelGenre.Cli;

/// <summary>Input row of a saved model: the path of an audio file.</summary>
public sealed class PathRow
{
    public string Path { get; set; } = "";
}

/// <summary>What a model reads: the cached log-mel spectrogram (the networks) or the FMA-style 308-value vector (classical models).</summary>
internal enum FeatureKind
{
    Mel,
    Fma,
}

/// <summary>
/// A saved model, loaded: the whole pipeline (file path → genre), the part of it that scores cached or windowed features
/// (<see cref="Scorer"/>), its feature settings and its classes in Score order.
/// </summary>
internal sealed record LoadedModel(string Name, string File, ITransformer Pipeline, FeatureKind Kind, ITransformer Scorer,
    IReadOnlyList<string> Classes, FeatureSettings? Mel, FmaClipSettings? Fma)
{
    /// <summary>A key for "same features": models with equal keys can score the same cached view or windows.</summary>
    public string FeatureKey => Kind == FeatureKind.Mel ? "mel:" + Mel!.Fingerprint : "fma:" + Fma!.Fingerprint;

    /// <summary>The network, for the mel models.</summary>
    public GenreClassifierTransformer? Network => Scorer as GenreClassifierTransformer;
}

/// <summary>
/// The models the CLI trains and the zips it saves. Every zip holds the complete pipeline from a file path to a genre, so
/// any application loads it with <c>mlContext.RegisterMelGenre().Model.Load(...)</c> and classifies a path:
/// networks: Path → LoadAudio → ExtractMelSpectrogram → ConvertToDecibels → network → PredictedGenre;
/// classical: Path → LoadAudio → ExtractFmaFeatures → [NormalizeMeanVariance] → ML.NET trainer → PredictedGenre.
/// Both output <c>Score</c> (class probabilities, slot names = genres). The CLI itself scores cached or windowed features
/// with the part after the front end.
/// </summary>
internal static class ModelFiles
{
    /// <summary>The two networks of the original work (log-mel input).</summary>
    public static readonly string[] Networks = { "crnn", "cnnrnn" };

    /// <summary>ML.NET's classical trainers on the FMA-style vector.</summary>
    public static readonly string[] Classical = { "lightgbm", "linear" };

    /// <summary>Every model, in the order the CLI trains, evaluates and lists them.</summary>
    public static readonly string[] All = Networks.Concat(Classical).ToArray();

    /// <summary>What <c>train --model</c> accepts: names and groups, comma-separated.</summary>
    public const string Choices = "crnn, cnnrnn, lightgbm, linear; both (= crnn,cnnrnn, the two networks), networks, classical (= lightgbm,linear), all";

    public static FeatureKind KindOf(string name) => Classical.Contains(name) ? FeatureKind.Fma : FeatureKind.Mel;

    /// <summary>Resolves "crnn,lightgbm", "both", "all", ... into model names in the canonical order.</summary>
    public static List<string> Resolve(string spec)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var part in spec.Split(new[] { ',', ' ', '+' }, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string p = part.ToLowerInvariant();
            IEnumerable<string> add = p switch
            {
                "both" or "networks" => Networks,
                "classical" => Classical,
                "all" => All,
                "lgbm" => new[] { "lightgbm" },
                _ when All.Contains(p) => new[] { p },
                _ => throw new CliException($"Unknown model '{part}': use {Choices}."),
            };
            names.UnionWith(add);
        }
        if (names.Count == 0)
            throw new CliException($"No model given: use {Choices}.");
        return All.Where(names.Contains).ToList();
    }

    public static string Display(string name) => name switch
    {
        "crnn" => "CRNN",
        "cnnrnn" => "Parallel CNN-RNN",
        "lightgbm" => "LightGBM (FMA features)",
        "linear" => "Logistic regression (FMA features)",
        "ensemble" => "Ensemble",
        _ => name,
    };

    public static string ShortName(string name) => name switch
    {
        "crnn" => "CRNN",
        "cnnrnn" => "CNN-RNN",
        "lightgbm" => "LightGBM",
        "linear" => "logistic regression",
        _ => name,
    };

    /// <summary>Saves a network as the whole pipeline from a file path.</summary>
    public static void SaveNetwork(MLContext ml, FeatureSettings settings, GenreClassifierTransformer classifier, string path)
    {
        var pathView = ml.Data.LoadFromEnumerable(new[] { new PathRow() });
        var frontEnd = settings.CreateFrontEnd(ml, "Path", classifier.FeatureColumnName, onError: AudioErrorPolicy.Throw).Fit(pathView);
        SavePipeline(ml, frontEnd.Append<ITransformer>(classifier), pathView, path);
    }

    /// <summary>
    /// Saves a classical model (the transformers fitted on the cached FMA vectors: optional normaliser, then the trainer's
    /// prediction transformer) behind the FMA front end, as the whole pipeline from a file path.
    /// </summary>
    public static void SaveClassical(MLContext ml, FmaClipSettings settings, IReadOnlyList<ITransformer> fitted, string path)
    {
        var pathView = ml.Data.LoadFromEnumerable(new[] { new PathRow() });
        ITransformer chain = settings.CreateFrontEnd(ml, "Path", "Features", onError: AudioErrorPolicy.Throw).Fit(pathView);
        foreach (var t in fitted)
            chain = chain.Append(t);
        SavePipeline(ml, chain, pathView, path);
    }

    private static void SavePipeline(MLContext ml, ITransformer scoring, IDataView pathView, string path)
    {
        var toText = ml.Transforms.Conversion.MapKeyToValue("PredictedGenre", GenreClassifierTransformer.PredictedLabelColumnName)
            .Fit(scoring.Transform(pathView));
        var model = scoring.Append(toText);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        string temp = path + ".tmp";
        ml.Model.Save(model, pathView.Schema, temp);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Makes an MLContext able to load every model the CLI saves (MelGenre's transforms and LightGBM's predictors).</summary>
    public static MLContext Prepare(MLContext ml)
    {
        ml.RegisterMelGenre();
        // ML.NET finds a saved component's loader among the assemblies registered with the catalog; LightGBM's
        // predictor assembly is not loaded yet in a process that has only ever evaluated.
        ml.ComponentCatalog.RegisterAssembly(typeof(LightGbmMulticlassTrainer).Assembly);
        return ml;
    }

    public static LoadedModel Load(MLContext ml, string name, string file)
    {
        if (!File.Exists(file))
            throw new CliException($"No model at '{file}': run `melgenre train` first (or pass --model <zip>).");
        Prepare(ml);
        var model = ModelZip.Load(ml, file, out var inputSchema);
        var parts = FeatureSettings.Flatten(model).ToList();
        var outputSchema = model.GetOutputSchema(inputSchema);
        if (outputSchema.GetColumnOrNull(GenreClassifierTransformer.ScoreColumnName) is null)
            throw new CliException($"'{file}' is an ML.NET model but has no Score column: not a genre classifier.");
        var classes = ClassNames(outputSchema, file);

        var network = parts.OfType<GenreClassifierTransformer>().LastOrDefault();
        if (network is not null)
            return new LoadedModel(name, file, model, FeatureKind.Mel, network, classes, FeatureSettings.FromModel(model), null);
        int fma = parts.FindIndex(p => p is ExtractFmaFeaturesTransformer);
        if (fma < 0)
            throw new CliException($"'{file}' is an ML.NET model but holds neither a MelGenre network nor an FMA-feature front end.");
        if (((ExtractFmaFeaturesTransformer)parts[fma]).OutputColumnName != "Features")
            throw new CliException($"'{file}': the FMA features are not in the column 'Features'; the CLI cannot score its cached vectors with it.");
        // Everything after the features: normaliser, trainer, key-to-text; it scores cached vectors directly.
        ITransformer scorer = new TransformerChain<ITransformer>(parts.Skip(fma + 1).ToArray());
        return new LoadedModel(name, file, model, FeatureKind.Fma, scorer, classes, null, FmaClipSettings.FromModel(model));
    }

    /// <summary>The genre of each Score slot: its slot names, else the key values of PredictedLabel.</summary>
    private static List<string> ClassNames(DataViewSchema schema, string file)
    {
        VBuffer<ReadOnlyMemory<char>> names = default;
        var score = schema[GenreClassifierTransformer.ScoreColumnName];
        if (score.HasSlotNames())
        {
            score.GetSlotNames(ref names);
        }
        else if (schema.GetColumnOrNull(GenreClassifierTransformer.PredictedLabelColumnName) is { } predicted && predicted.HasKeyValues())
        {
            predicted.GetKeyValues(ref names);
        }
        else
        {
            throw new CliException($"'{file}' does not name its classes (no slot names on Score): train it with a key label that has genre names.");
        }
        var list = names.DenseValues().Select(n => n.ToString()).ToList();
        int size = (score.Type as VectorDataViewType)?.Size ?? 0;
        if (list.Count != size)
            throw new CliException($"'{file}': {list.Count} class names for {size} scores.");
        return list;
    }

    /// <summary>
    /// The trained models present in the workspace (or the given files), in a fixed order. Their classes must be the same
    /// set of genres (their order may differ: scores are aligned by name, see <see cref="Align"/>).
    /// </summary>
    public static List<LoadedModel> LoadAll(MLContext ml, Workspace ws, IReadOnlyList<string>? files)
    {
        var list = new List<LoadedModel>();
        if (files is { Count: > 0 })
        {
            foreach (var f in files)
                list.Add(ModelZip.Guard(f, () => Load(ml, System.IO.Path.GetFileNameWithoutExtension(f), f)));
            var duplicate = list.GroupBy(m => m.Name).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null)
                throw new CliException($"Two model files are both called '{duplicate.Key}'; rename one.");
        }
        else
        {
            foreach (var n in All.Where(n => File.Exists(ws.ModelPath(n))))
                list.Add(ModelZip.Guard(ws.ModelPath(n), () => Load(ml, n, ws.ModelPath(n))));
        }
        if (list.Count == 0)
            throw new CliException($"No trained model in '{ws.Models}': run `melgenre train --out {ws.Root}` first.");
        var classes = list[0].Classes;
        foreach (var m in list.Skip(1))
        {
            if (m.Classes.Count != classes.Count || !m.Classes.ToHashSet(StringComparer.Ordinal).SetEquals(classes))
                throw new CliException($"The models disagree on the genres ({m.File}: {string.Join(", ", m.Classes)}; {list[0].File}: {string.Join(", ", classes)}); train them on the same features.json.");
        }
        return list;
    }

    /// <summary>
    /// Class probabilities of every row of <paramref name="features"/> (a view with the model's feature column), in the
    /// model's own class order. Every row is checked to be a probability distribution: the networks' softmax, ML.NET's
    /// maximum-entropy models and LightGBM's multiclass model (softmax over the boosted scores) all are; a row that is not
    /// (negative values, or a sum away from 1, as a one-versus-all model without normalisation would give) is clipped at 0
    /// and divided by its sum, so that averages over models stay meaningful.
    /// </summary>
    public static float[][] Score(LoadedModel model, IDataView features)
    {
        var scored = model.Scorer.Transform(features);
        var column = scored.Schema[GenreClassifierTransformer.ScoreColumnName];
        var rows = new List<float[]>();
        using var cursor = scored.GetRowCursor(new[] { column });
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        VBuffer<float> buffer = default;
        while (cursor.MoveNext())
        {
            getter(ref buffer);
            rows.Add(ToDistribution(buffer.DenseValues().ToArray(), model.Name));
        }
        return rows.ToArray();
    }

    internal static float[] ToDistribution(float[] p, string model)
    {
        double sum = 0;
        bool negative = false;
        foreach (float v in p)
        {
            if (!float.IsFinite(v))
                throw new InvalidOperationException($"{model}: a score is {v}; the model or its input is broken.");
            negative |= v < 0;
            sum += v;
        }
        if (!negative && Math.Abs(sum - 1) <= 1e-3)
            return p;
        double positive = p.Sum(v => Math.Max(v, 0.0));
        for (int k = 0; k < p.Length; k++)
            p[k] = positive > 0 ? (float)(Math.Max(p[k], 0.0) / positive) : 1f / p.Length;
        return p;
    }

    /// <summary>Scores raw feature arrays (e.g. windows of a song) of the model's kind.</summary>
    public static float[][] Score(MLContext ml, LoadedModel model, IReadOnlyList<float[]> features)
    {
        var schema = SchemaDefinition.Create(typeof(FeatureRow));
        var column = schema[nameof(FeatureRow.Features)];
        if (model.Kind == FeatureKind.Mel)
        {
            column.ColumnType = model.Mel!.FeatureType;
            column.ColumnName = model.Network!.FeatureColumnName;
        }
        else
        {
            column.ColumnType = FmaClipSettings.FeatureType;
            column.ColumnName = "Features";
        }
        return Score(model, ml.Data.LoadFromEnumerable(features.Select(f => new FeatureRow { Features = f }), schema));
    }

    /// <summary>Reorders a model's probabilities from its class order into <paramref name="classes"/> (matched by name).</summary>
    public static float[][] Align(LoadedModel model, float[][] probabilities, IReadOnlyList<string> classes)
    {
        if (model.Classes.SequenceEqual(classes))
            return probabilities;
        int[] from = classes.Select(c => model.Classes.ToList().IndexOf(c)).ToArray();
        if (from.Any(i => i < 0))
            throw new CliException($"{model.Name} has no class '{classes[Array.IndexOf(from, -1)]}'.");
        return probabilities.Select(p => from.Select(i => p[i]).ToArray()).ToArray();
    }

    /// <summary>The element-wise mean of several models' probabilities (the ensemble).</summary>
    public static float[][] Average(IReadOnlyList<float[][]> perModel)
    {
        int n = perModel[0].Length;
        var result = new float[n][];
        for (int i = 0; i < n; i++)
        {
            result[i] = new float[perModel[0][i].Length];
            foreach (var m in perModel)
            {
                for (int k = 0; k < result[i].Length; k++)
                    result[i][k] += m[i][k] / perModel.Count;
            }
        }
        return result;
    }
}

public sealed class FeatureRow
{
    public float[] Features { get; set; } = Array.Empty<float>();
}
