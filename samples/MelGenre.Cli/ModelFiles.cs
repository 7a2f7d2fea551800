using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using MelGenre.Prediction;
using MelGenre.Recipes;
using MelGenre.Training;
using MelGenre.Transforms;
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
/// A saved model as the CLI lists it: its name, file, kind and classes, and the library's <see cref="GenreModel"/>
/// (<see cref="Genre"/>) that does the work. The positional members mirror <see cref="GenreModel"/>'s.
/// </summary>
internal sealed record LoadedModel(string Name, string File, ITransformer Pipeline, FeatureKind Kind, ITransformer Scorer,
    IReadOnlyList<string> Classes, LogMelRecipe? Mel, FmaVectorRecipe? Fma)
{
    /// <summary>The library's model; null only for the bookkeeping fakes of the tests.</summary>
    public GenreModel? Genre { get; init; }

    /// <summary>A key for "same features": models with equal keys can score the same cached view or windows.</summary>
    public string FeatureKey => Kind == FeatureKind.Mel ? "mel:" + Mel!.Fingerprint : "fma:" + Fma!.Fingerprint;

    /// <summary>The network, for the mel models.</summary>
    public GenreClassifierTransformer? Network => Scorer as GenreClassifierTransformer;

    /// <summary>The library model, which every scoring path needs.</summary>
    public GenreModel Model => Genre ?? throw new InvalidOperationException($"{Name} is not a loaded model.");

    public static LoadedModel From(GenreModel g) => new(g.Name, g.File ?? g.Name, g.Pipeline,
        g.Kind == GenreFeatureKind.LogMel ? FeatureKind.Mel : FeatureKind.Fma, g.Scorer, g.Classes, g.LogMel, g.FmaVector) { Genre = g };
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

    /// <summary>Saves a network as the whole pipeline from a file path (assembled by <see cref="GenreModel.FromNetwork"/>).</summary>
    public static void SaveNetwork(MLContext ml, LogMelRecipe settings, GenreClassifierTransformer classifier, string path)
        => GenreModel.FromNetwork(ml, settings, classifier, System.IO.Path.GetFileNameWithoutExtension(path)).Save(path);

    /// <summary>
    /// Saves a classical model (the transformers fitted on the cached FMA vectors: optional normaliser, then the trainer's
    /// prediction transformer) behind the FMA front end, as the whole pipeline from a file path (<see cref="GenreModel.FromClassical"/>).
    /// </summary>
    public static void SaveClassical(MLContext ml, FmaVectorRecipe settings, IReadOnlyList<ITransformer> fitted, string path)
        => GenreModel.FromClassical(ml, settings, fitted, System.IO.Path.GetFileNameWithoutExtension(path)).Save(path);

    /// <summary>Makes an MLContext able to load every model the CLI saves (MelGenre's transforms and LightGBM's predictors).</summary>
    public static MLContext Prepare(MLContext ml)
    {
        ml.RegisterMelGenre();
        // ML.NET finds a saved component's loader among the assemblies registered with the catalog; LightGBM's
        // predictor assembly is not loaded yet in a process that has only ever evaluated.
        ml.ComponentCatalog.RegisterAssembly(typeof(LightGbmMulticlassTrainer).Assembly);
        return ml;
    }

    /// <summary>Loads a saved model (<see cref="GenreModel.Load"/>); the errors name the file and say what to do.</summary>
    public static LoadedModel Load(MLContext ml, string name, string file)
    {
        if (!File.Exists(file))
            throw new CliException($"No model at '{file}': run `melgenre train` first (or pass --model <zip>).");
        Prepare(ml);
        ModelZip.CheckContainer(file);
        var model = ModelZip.Guard(file, () => GenreModel.Load(ml, file, name));
        if (model.Kind == GenreFeatureKind.FmaVector && model.FeatureColumnName != "Features")
            throw new CliException($"'{file}': the FMA features are not in the column 'Features'; the CLI cannot score its cached vectors with it.");
        return LoadedModel.From(model);
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
            if (!GenreScores.SameGenres(m.Classes, classes))
                throw new CliException($"The models disagree on the genres ({m.File}: {string.Join(", ", m.Classes)}; {list[0].File}: {string.Join(", ", classes)}); train them on the same features.json.");
        }
        return list;
    }

    /// <summary>Class probabilities of every row of a cached view, in the model's own class order (<see cref="GenreModel.Score(IDataView)"/>).</summary>
    public static float[][] Score(LoadedModel model, IDataView features) => model.Model.Score(features);

    /// <summary>The distribution check of every score row (<see cref="GenreScores.ToDistribution"/>).</summary>
    internal static float[] ToDistribution(float[] p, string model) => GenreScores.ToDistribution(p, model);

    /// <summary>Scores raw feature arrays (e.g. windows of a song) of the model's kind (<see cref="GenreModel.Score(IReadOnlyList{float[]})"/>).</summary>
    public static float[][] Score(MLContext ml, LoadedModel model, IReadOnlyList<float[]> features) => model.Model.Score(features);

    /// <summary>Reorders a model's probabilities from its class order into <paramref name="classes"/> (matched by name, <see cref="GenreScores.Align"/>).</summary>
    public static float[][] Align(LoadedModel model, float[][] probabilities, IReadOnlyList<string> classes)
    {
        try
        {
            return GenreScores.Align(model.Classes, probabilities, classes, model.Name);
        }
        catch (ArgumentException e)
        {
            throw new CliException(e.Message);
        }
    }

    /// <summary>The element-wise mean of several models' probabilities (the equal-weight ensemble, <see cref="MeanCombiner"/>).</summary>
    public static float[][] Average(IReadOnlyList<float[][]> perModel) => MeanCombiner.Instance.Combine(perModel);
}
