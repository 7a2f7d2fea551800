using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using MelGenre.Audio;
using MelGenre.Recipes;
using MelGenre.Training;
using MelGenre.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MelGenre.Prediction;

/// <summary>
/// A loaded genre classifier: a whole pipeline from an audio file's <c>Path</c> to <c>Score</c> (class probabilities with
/// the genres as slot names), split into its front end (a <see cref="LogMelRecipe"/> or a <see cref="FmaVectorRecipe"/>)
/// and the part after it (<see cref="Scorer"/>), which scores precomputed feature rows: cached features or the windows of a
/// whole song. Immutable; scoring is as thread-safe as the underlying ML.NET transformers.
/// </summary>
/// <remarks>
/// Two shapes are recognised, the ones MelGenre's CLI saves:
/// networks, Path → LoadAudio → ExtractMelSpectrogram → ConvertToDecibels → <see cref="GenreClassifierTransformer"/> → …
/// (<see cref="GenreFeatureKind.LogMel"/>; the scorer is the last network); classical models,
/// Path → LoadAudio → ExtractFmaFeatures → [normaliser] → ML.NET trainer → … (<see cref="GenreFeatureKind.FmaVector"/>;
/// the scorer is everything after ExtractFmaFeatures). Score rows are returned as probability distributions
/// (<see cref="GenreScores.ToDistribution"/>) in <see cref="Classes"/> order.
/// </remarks>
public sealed class GenreModel
{
    /// <summary>Name of the text column the saved pipelines end with: the predicted genre (<c>PredictedLabel</c> mapped to its key value).</summary>
    public const string PredictedGenreColumnName = "PredictedGenre";

    /// <summary>Name of the pipelines' input column: the path of an audio file (text).</summary>
    public const string PathColumnName = "Path";

    private readonly MLContext? _ml;
    private readonly DataViewSchema? _inputSchema;
    private readonly Func<IReadOnlyList<float[]>, float[][]>? _scoreRows;

    private GenreModel(string name, string? file, MLContext? ml, DataViewSchema? inputSchema, ITransformer pipeline, ITransformer scorer, GenreFeatureKind kind,
        IReadOnlyList<string> classes, string featureColumnName, LogMelRecipe? logMel, FmaVectorRecipe? fmaVector,
        Func<IReadOnlyList<float[]>, float[][]>? scoreRows)
    {
        Name = name;
        File = file;
        _ml = ml;
        _inputSchema = inputSchema;
        Pipeline = pipeline;
        Scorer = scorer;
        Kind = kind;
        Classes = classes;
        FeatureColumnName = featureColumnName;
        LogMel = logMel;
        FmaVector = fmaVector;
        _scoreRows = scoreRows;
    }

    /// <summary>
    /// A model for tests: <paramref name="scoreRows"/> stands in for the ML.NET scorer (it receives the feature rows a
    /// window extractor gives and returns one score row per feature row, in <paramref name="classes"/> order).
    /// </summary>
    internal static GenreModel ForTesting(string name, IReadOnlyList<string> classes, LogMelRecipe? logMel, FmaVectorRecipe? fmaVector,
        Func<IReadOnlyList<float[]>, float[][]> scoreRows)
    {
        var empty = new TransformerChain<ITransformer>();
        return new GenreModel(name, null, null, null, empty, empty, logMel is not null ? GenreFeatureKind.LogMel : GenreFeatureKind.FmaVector,
            classes.ToArray(), "Features", logMel, fmaVector, scoreRows);
    }

    /// <summary>The model's name (default: the zip's file name without extension).</summary>
    public string Name { get; }

    /// <summary>The zip it was loaded from; null for a model built from an in-memory pipeline.</summary>
    public string? File { get; }

    /// <summary>What error messages call the model: its file, else its name.</summary>
    public string Source => File ?? Name;

    /// <summary>The whole pipeline: input column <c>Path</c> (text, an audio file) → <c>Score</c> and anything after it.</summary>
    public ITransformer Pipeline { get; }

    /// <summary>
    /// The part of <see cref="Pipeline"/> after the front end: reads <see cref="FeatureColumnName"/>
    /// (<see cref="FeatureType"/>) and writes <c>Score</c>.
    /// </summary>
    public ITransformer Scorer { get; }

    /// <summary>What the scorer reads.</summary>
    public GenreFeatureKind Kind { get; }

    /// <summary>The genre of each <c>Score</c> slot, in Score order (the slot names, else the key values of <c>PredictedLabel</c>).</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>The column the scorer reads: the network's feature column, or the ExtractFmaFeatures output column.</summary>
    public string FeatureColumnName { get; }

    /// <summary>The front end of a <see cref="GenreFeatureKind.LogMel"/> model; null otherwise.</summary>
    public LogMelRecipe? LogMel { get; }

    /// <summary>The front end of a <see cref="GenreFeatureKind.FmaVector"/> model; null otherwise.</summary>
    public FmaVectorRecipe? FmaVector { get; }

    /// <summary>The network of a <see cref="GenreFeatureKind.LogMel"/> model; null otherwise.</summary>
    public GenreClassifierTransformer? Network => Scorer as GenreClassifierTransformer;

    /// <summary>
    /// The type of one feature row: <c>Vector&lt;Single, mels, frames&gt;</c> for log-mel models,
    /// <c>Vector&lt;Single, 308&gt;</c> (or 518 with the CQT features) for FMA-vector models.
    /// </summary>
    public VectorDataViewType FeatureType => Kind == GenreFeatureKind.LogMel ? LogMel!.FeatureType : FmaVector!.FeatureType;

    /// <summary>Length of the excerpt (and of a song window) the model reads, in seconds: the recipe's excerpt duration.</summary>
    public double WindowSeconds => Recipe.Excerpt.DurationSeconds;

    /// <summary>The recipe of the features the model reads (<see cref="LogMel"/> or <see cref="FmaVector"/>).</summary>
    public IFeatureRecipe Recipe => (IFeatureRecipe?)LogMel ?? FmaVector!;

    /// <summary>
    /// "Same features" key: the kind and the recipe's fingerprint ("mel:…" or "fma:…"). Models with equal keys can score
    /// the same feature rows (the same cached view, the same song windows).
    /// </summary>
    public string FeatureKey => Kind == GenreFeatureKind.LogMel ? "mel:" + LogMel!.Fingerprint : "fma:" + FmaVector!.Fingerprint;

    /// <summary>
    /// Loads a model zip saved with <c>mlContext.Model.Save</c>. Registers MelGenre's components with
    /// <paramref name="mlContext"/> first (<c>RegisterMelGenre</c>); components of other assemblies (e.g. LightGBM's
    /// predictor) must be registered by the caller.
    /// </summary>
    /// <param name="mlContext">The context that loads and later scores (kept by the model).</param>
    /// <param name="path">The zip.</param>
    /// <param name="name">The model's name; default the file name without extension.</param>
    /// <returns>The model.</returns>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The zip is not a genre classifier (the message names the file and says what is missing).</exception>
    public static GenreModel Load(MLContext mlContext, string path, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!System.IO.File.Exists(path))
            throw new FileNotFoundException($"No model at '{path}'.", path);
        mlContext.RegisterMelGenre();
        var model = mlContext.Model.Load(path, out var inputSchema);
        return Create(mlContext, model, inputSchema, name ?? Path.GetFileNameWithoutExtension(path), path);
    }

    /// <summary>Wraps an in-memory pipeline (for example one just fitted) as a genre model.</summary>
    /// <param name="mlContext">The context that scores (kept by the model).</param>
    /// <param name="pipeline">The whole pipeline from <c>Path</c> to <c>Score</c>.</param>
    /// <param name="inputSchema">The pipeline's input schema (a text column <c>Path</c>).</param>
    /// <param name="name">The model's name, used in error messages.</param>
    /// <returns>The model.</returns>
    /// <exception cref="InvalidDataException">The pipeline is not a genre classifier.</exception>
    public static GenreModel FromPipeline(MLContext mlContext, ITransformer pipeline, DataViewSchema inputSchema, string name)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(inputSchema);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return Create(mlContext, pipeline, inputSchema, name, null);
    }

    /// <summary>
    /// Assembles a trained network behind its front end into the whole pipeline
    /// Path → LoadAudio → ExtractMelSpectrogram → ConvertToDecibels → network → <see cref="PredictedGenreColumnName"/>,
    /// the form MelGenre saves (undecodable files throw, <see cref="AudioErrorPolicy.Throw"/>).
    /// </summary>
    /// <param name="mlContext">The context (kept by the model).</param>
    /// <param name="recipe">The features the network was trained on.</param>
    /// <param name="network">The trained network; it reads <see cref="GenreClassifierTransformer.FeatureColumnName"/>.</param>
    /// <param name="name">The model's name.</param>
    /// <returns>The model, ready to <see cref="Save"/>.</returns>
    public static GenreModel FromNetwork(MLContext mlContext, LogMelRecipe recipe, GenreClassifierTransformer network, string name)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(network);
        var pathView = PathView(mlContext);
        var frontEnd = recipe.CreateFrontEnd(mlContext, PathColumnName, network.FeatureColumnName, onError: AudioErrorPolicy.Throw).Fit(pathView);
        return Assemble(mlContext, frontEnd.Append<ITransformer>(network), pathView, name);
    }

    /// <summary>
    /// Assembles a classical model fitted on FMA vectors (e.g. an optional <c>NormalizeMeanVariance</c>, then a multiclass
    /// trainer's prediction transformer) behind the FMA front end into the whole pipeline
    /// Path → LoadAudio → ExtractFmaFeatures → <paramref name="fitted"/> → <see cref="PredictedGenreColumnName"/>.
    /// </summary>
    /// <param name="mlContext">The context (kept by the model).</param>
    /// <param name="recipe">The features the model was fitted on.</param>
    /// <param name="fitted">The fitted transformers, in order; the first reads the column <c>Features</c>, the last writes <c>Score</c> and <c>PredictedLabel</c>.</param>
    /// <param name="name">The model's name.</param>
    /// <returns>The model, ready to <see cref="Save"/>.</returns>
    public static GenreModel FromClassical(MLContext mlContext, FmaVectorRecipe recipe, IReadOnlyList<ITransformer> fitted, string name)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(fitted);
        var pathView = PathView(mlContext);
        ITransformer chain = recipe.CreateFrontEnd(mlContext, PathColumnName, "Features", onError: AudioErrorPolicy.Throw).Fit(pathView);
        foreach (var t in fitted)
            chain = chain.Append(t);
        return Assemble(mlContext, chain, pathView, name);
    }

    private static IDataView PathView(MLContext ml) => ml.Data.LoadFromEnumerable(new[] { new PathRow() });

    private static GenreModel Assemble(MLContext ml, ITransformer scoring, IDataView pathView, string name)
    {
        var toText = ml.Transforms.Conversion.MapKeyToValue(PredictedGenreColumnName, GenreClassifierTransformer.PredictedLabelColumnName)
            .Fit(scoring.Transform(pathView));
        return FromPipeline(ml, scoring.Append(toText), pathView.Schema, name);
    }

    /// <summary>
    /// Saves <see cref="Pipeline"/> as an ML.NET model zip (written to <c>path.tmp</c>, then moved over
    /// <paramref name="path"/>, so a crash never leaves half a zip); creates the folder.
    /// </summary>
    /// <param name="path">The zip to write.</param>
    /// <exception cref="InvalidOperationException">A test model (no ML.NET pipeline).</exception>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (_ml is null || _inputSchema is null)
            throw new InvalidOperationException("A test model has no pipeline to save.");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        string temp = path + ".tmp";
        _ml.Model.Save(Pipeline, _inputSchema, temp);
        System.IO.File.Move(temp, path, overwrite: true);
    }

    private static GenreModel Create(MLContext ml, ITransformer model, DataViewSchema inputSchema, string name, string? file)
    {
        string what = file ?? name;
        var parts = FeatureRecipes.Flatten(model).ToList();
        var outputSchema = model.GetOutputSchema(inputSchema);
        if (outputSchema.GetColumnOrNull(GenreClassifierTransformer.ScoreColumnName) is null)
            throw new InvalidDataException($"'{what}' is an ML.NET model but has no Score column: not a genre classifier.");
        var classes = ClassNames(outputSchema, what);

        var network = parts.OfType<GenreClassifierTransformer>().LastOrDefault();
        if (network is not null)
        {
            LogMelRecipe recipe;
            try
            {
                recipe = LogMelRecipe.FromModel(model);
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"'{what}': {e.Message}", e);
            }
            return new GenreModel(name, file, ml, inputSchema, model, network, GenreFeatureKind.LogMel, classes, network.FeatureColumnName, recipe, null, null);
        }
        int fma = parts.FindIndex(p => p is ExtractFmaFeaturesTransformer);
        if (fma < 0)
            throw new InvalidDataException($"'{what}' is an ML.NET model but holds neither a MelGenre network nor an FMA-feature front end.");
        FmaVectorRecipe fmaRecipe;
        try
        {
            fmaRecipe = FmaVectorRecipe.FromModel(model);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"'{what}': {e.Message}", e);
        }
        // Everything after the features: normaliser, trainer, key-to-text; it scores feature vectors directly.
        ITransformer scorer = new TransformerChain<ITransformer>(parts.Skip(fma + 1).ToArray());
        string column = ((ExtractFmaFeaturesTransformer)parts[fma]).OutputColumnName;
        return new GenreModel(name, file, ml, inputSchema, model, scorer, GenreFeatureKind.FmaVector, classes, column, null, fmaRecipe, null);
    }

    /// <summary>The genre of each Score slot: its slot names, else the key values of PredictedLabel.</summary>
    private static string[] ClassNames(DataViewSchema schema, string what)
    {
        VBuffer<ReadOnlyMemory<char>> names = default;
        var score = schema[GenreClassifierTransformer.ScoreColumnName];
        if (score.HasSlotNames())
            score.GetSlotNames(ref names);
        else if (schema.GetColumnOrNull(GenreClassifierTransformer.PredictedLabelColumnName) is { } predicted && predicted.HasKeyValues())
            predicted.GetKeyValues(ref names);
        else
            throw new InvalidDataException($"'{what}' does not name its classes (no slot names on Score): train it with a key label that has genre names.");
        var list = names.DenseValues().Select(n => n.ToString()).ToArray();
        int size = (score.Type as VectorDataViewType)?.Size ?? 0;
        if (list.Length != size)
            throw new InvalidDataException($"'{what}': {list.Length} class names for {size} scores.");
        return list;
    }

    /// <summary>
    /// Class probabilities of every row of <paramref name="features"/>, a view with the column
    /// <see cref="FeatureColumnName"/> of type <see cref="FeatureType"/> (e.g. a MelGenre feature cache's view).
    /// </summary>
    /// <param name="features">The feature rows.</param>
    /// <returns>One row per input row, <see cref="Classes"/>.Count probabilities each (a distribution, see <see cref="GenreScores.ToDistribution"/>), in <see cref="Classes"/> order.</returns>
    /// <exception cref="InvalidOperationException">A score is NaN or infinite.</exception>
    public float[][] Score(IDataView features)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (_scoreRows is not null)
            throw new NotSupportedException("A test model scores feature arrays only.");
        var scored = Scorer.Transform(features);
        var column = scored.Schema[GenreClassifierTransformer.ScoreColumnName];
        var rows = new List<float[]>();
        using var cursor = scored.GetRowCursor(new[] { column });
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        VBuffer<float> buffer = default;
        while (cursor.MoveNext())
        {
            getter(ref buffer);
            rows.Add(GenreScores.ToDistribution(buffer.DenseValues().ToArray(), Name));
        }
        return rows.ToArray();
    }

    /// <summary>
    /// Class probabilities of feature arrays, e.g. the windows of a song: each array holds <see cref="FeatureType"/>'s
    /// size values (log-mel: row-major [mel, frame]; FMA vector: its 308 or 518 values in slot order).
    /// </summary>
    /// <param name="features">The feature rows.</param>
    /// <returns>One probability row per feature row, in <see cref="Classes"/> order.</returns>
    /// <exception cref="InvalidOperationException">A score is NaN or infinite.</exception>
    public float[][] Score(IReadOnlyList<float[]> features)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (_scoreRows is not null)
            return _scoreRows(features).Select(r => GenreScores.ToDistribution(r, Name)).ToArray();
        var schema = SchemaDefinition.Create(typeof(FeatureRow));
        var column = schema[nameof(FeatureRow.Features)];
        column.ColumnType = FeatureType;
        column.ColumnName = FeatureColumnName;
        return Score(_ml!.Data.LoadFromEnumerable(features.Select(f => new FeatureRow { Features = f }), schema));
    }

    /// <summary>
    /// Class probabilities of audio files' excerpts (the recipe's <c>OffsetSeconds</c> + <c>DurationSeconds</c>, what
    /// <see cref="Pipeline"/> reads), with the features computed outside ML.NET by the recipe's extractor (the same numbers).
    /// </summary>
    /// <param name="paths">Audio files.</param>
    /// <returns>One probability row per file, in <see cref="Classes"/> order.</returns>
    /// <exception cref="AudioDecodeException">A file cannot be decoded.</exception>
    public float[][] ScoreFiles(IReadOnlyList<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        Func<string, float[]> extract = new ClipFeaturizer(Recipe).Extract;
        return Score(paths.Select(extract).ToList());
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({Kind}, {Classes.Count} genres)";

    /// <summary>The input row of the pipelines: an audio file's path.</summary>
    internal sealed class PathRow
    {
        public string Path { get; set; } = "";
    }

    /// <summary>One feature row for <see cref="Score(IReadOnlyList{float[]})"/>; its column name and type are set per model.</summary>
    internal sealed class FeatureRow
    {
        public float[] Features { get; set; } = Array.Empty<float>();
    }
}
