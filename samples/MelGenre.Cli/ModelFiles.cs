using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using MelGenre.Audio;
using MelGenre.Caching;
using MelGenre.Training;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MelGenre.Cli;

/// <summary>Input row of a saved model: the path of an audio file.</summary>
public sealed class PathRow
{
    public string Path { get; set; } = "";
}

/// <summary>A saved model, loaded: the whole pipeline, its classifier and its feature settings.</summary>
internal sealed record LoadedModel(string Name, string File, ITransformer Pipeline, GenreClassifierTransformer Classifier, FeatureSettings Settings);

/// <summary>
/// Model zips: the complete pipeline Path → LoadAudio → ExtractMelSpectrogram → ConvertToDecibels → network →
/// PredictedGenre (text), so any application can load one with <c>mlContext.RegisterMelGenre().Model.Load(...)</c> and
/// classify a file path. The CLI uses the classifier alone on cached or windowed features.
/// </summary>
internal static class ModelFiles
{
    public static readonly string[] Names = { "crnn", "cnnrnn" };

    public static string Display(string name) => name switch
    {
        "crnn" => "CRNN",
        "cnnrnn" => "Parallel CNN-RNN",
        "ensemble" => "Ensemble (mean of both)",
        _ => name,
    };

    public static void Save(MLContext ml, FeatureSettings settings, GenreClassifierTransformer classifier, string path)
    {
        var pathView = ml.Data.LoadFromEnumerable(new[] { new PathRow() });
        var frontEnd = settings.CreateFrontEnd(ml, "Path", classifier.FeatureColumnName, onError: AudioErrorPolicy.Throw).Fit(pathView);
        var withNetwork = frontEnd.Append(classifier);
        var toText = ml.Transforms.Conversion.MapKeyToValue("PredictedGenre", GenreClassifierTransformer.PredictedLabelColumnName)
            .Fit(withNetwork.Transform(pathView));
        var model = withNetwork.Append(toText);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        string temp = path + ".tmp";
        ml.Model.Save(model, pathView.Schema, temp);
        File.Move(temp, path, overwrite: true);
    }

    public static LoadedModel Load(MLContext ml, string name, string file)
    {
        if (!File.Exists(file))
            throw new CliException($"No model at '{file}': run `melgenre train` first (or pass --model <zip>).");
        ml.RegisterMelGenre();
        var model = ml.Model.Load(file, out _);
        var parts = FeatureSettings.Flatten(model).ToList();
        var classifier = parts.OfType<GenreClassifierTransformer>().LastOrDefault()
            ?? throw new CliException($"'{file}' is an ML.NET model but holds no MelGenre network.");
        return new LoadedModel(name, file, model, classifier, FeatureSettings.FromModel(model));
    }

    /// <summary>The trained models present in the workspace (or the given files), in a fixed order.</summary>
    public static List<LoadedModel> LoadAll(MLContext ml, Workspace ws, IReadOnlyList<string>? files)
    {
        var list = new List<LoadedModel>();
        if (files is { Count: > 0 })
        {
            foreach (var f in files)
                list.Add(Load(ml, System.IO.Path.GetFileNameWithoutExtension(f), f));
        }
        else
        {
            foreach (var n in Names.Where(n => File.Exists(ws.ModelPath(n))))
                list.Add(Load(ml, n, ws.ModelPath(n)));
        }
        if (list.Count == 0)
            throw new CliException($"No trained model in '{ws.Models}': run `melgenre train --out {ws.Root}` first.");
        var classes = list[0].Classifier.ClassNames;
        foreach (var m in list.Skip(1))
        {
            if (classes is null || m.Classifier.ClassNames is null || !classes.SequenceEqual(m.Classifier.ClassNames))
                throw new CliException($"The models disagree on the genres ({m.File}); train them on the same features.");
        }
        return list;
    }

    /// <summary>Class probabilities of every row of <paramref name="features"/> (a view with the classifier's feature column).</summary>
    public static float[][] Score(GenreClassifierTransformer classifier, IDataView features)
    {
        var scored = classifier.Transform(features);
        var column = scored.Schema[GenreClassifierTransformer.ScoreColumnName];
        var rows = new List<float[]>();
        using var cursor = scored.GetRowCursor(new[] { column });
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        VBuffer<float> buffer = default;
        while (cursor.MoveNext())
        {
            getter(ref buffer);
            rows.Add(buffer.DenseValues().ToArray());
        }
        return rows.ToArray();
    }

    /// <summary>Scores raw feature arrays (e.g. windows of a song).</summary>
    public static float[][] Score(MLContext ml, GenreClassifierTransformer classifier, FeatureSettings settings, IReadOnlyList<float[]> features)
    {
        var schema = SchemaDefinition.Create(typeof(FeatureRow));
        schema[nameof(FeatureRow.Features)].ColumnType = settings.FeatureType;
        schema[nameof(FeatureRow.Features)].ColumnName = classifier.FeatureColumnName;
        var view = ml.Data.LoadFromEnumerable(features.Select(f => new FeatureRow { Features = f }), schema);
        return Score(classifier, view);
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
