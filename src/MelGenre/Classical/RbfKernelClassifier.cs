using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.ML.Transforms;

namespace MelGenre.Training;

/// <summary>Options of <see cref="RbfKernelClassifier.Fit"/>.</summary>
public sealed class RbfKernelOptions
{
    /// <summary>The feature column (a known-size <c>Single</c> vector, e.g. the FMA vector). Default "Features".</summary>
    public string FeatureColumnName { get; set; } = "Features";

    /// <summary>The label column (a key). Default "Label".</summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>Number of random Fourier frequencies (ApproximatedKernelMap's <c>rank</c>). Default 1000.</summary>
    public int Rank { get; set; } = 1000;

    /// <summary>Two features (cos and sin) per frequency instead of one (cos with a random phase). Default true.</summary>
    public bool UseCosAndSinBases { get; set; } = true;

    /// <summary>
    /// The Gaussian kernel widths tried, as multiples of <c>1 / d</c> (d = the feature vector's length; after
    /// NormalizeMeanVariance two clips lie about <c>sqrt(2d)</c> apart, so <c>gamma = 1/d</c> is scikit-learn's "scale"
    /// choice). Default 0.25, 1, 4.
    /// </summary>
    public IReadOnlyList<float> GammaScales { get; set; } = new[] { 0.25f, 1f, 4f };

    /// <summary>The L2 weights of LbfgsMaximumEntropy tried. Default 0.01, 0.1, 1.</summary>
    public IReadOnlyList<float> L2Regularizations { get; set; } = new[] { 0.01f, 0.1f, 1f };

    /// <summary>Seed of the random Fourier frequencies. Default 1.</summary>
    public int Seed { get; set; } = 1;

    /// <summary>Threads of the L-BFGS trainer; null = ML.NET's choice.</summary>
    public int? Threads { get; set; }
}

/// <summary>One grid point of <see cref="RbfKernelClassifier.Fit"/> and its validation scores (null without validation data).</summary>
/// <param name="Gamma">The Gaussian kernel's gamma, <c>k(x, y) = exp(-gamma |x - y|²)</c> on the normalised features.</param>
/// <param name="L2Regularization">The L2 weight.</param>
/// <param name="ValidationLogLoss">Multiclass log-loss on the validation data.</param>
/// <param name="ValidationAccuracy">Top-1 accuracy on the validation data.</param>
public sealed record RbfGridPoint(float Gamma, float L2Regularization, double? ValidationLogLoss, double? ValidationAccuracy);

/// <summary>The fitted RBF-kernel model and how its settings were chosen.</summary>
/// <param name="Transformers">NormalizeMeanVariance, ApproximatedKernelMap and the LbfgsMaximumEntropy scorer, in order (append them to a front end).</param>
/// <param name="Chosen">The grid point kept.</param>
/// <param name="Grid">Every grid point tried (one, the middle of the grid, when there was no validation data).</param>
public sealed record RbfKernelFit(IReadOnlyList<ITransformer> Transformers, RbfGridPoint Chosen, IReadOnlyList<RbfGridPoint> Grid);

/// <summary>
/// An RBF-kernel classifier the ML.NET way: <c>NormalizeMeanVariance</c> → <c>ApproximatedKernelMap</c> (random Fourier
/// features of a <see cref="GaussianKernel"/>, Rahimi and Recht 2007) → <c>LbfgsMaximumEntropy</c> (multinomial
/// logistic regression), an approximation of the RBF-kernel SVM of the FMA paper's baselines that gives probabilities.
/// The kernel width gamma and the L2 weight are chosen on validation data from a small grid, by the lowest validation
/// log-loss (ties: the higher accuracy); each grid point is trained on the training data only, and the kept model is
/// that one (not refitted on training + validation). Deterministic for a given <see cref="RbfKernelOptions.Seed"/>.
/// </summary>
public static class RbfKernelClassifier
{
    /// <summary>Fits the grid and keeps the best point.</summary>
    /// <param name="mlContext">The context.</param>
    /// <param name="train">Training data (cache it: every grid point makes passes over it).</param>
    /// <param name="validation">Validation data to choose gamma and L2 on; null = the middle of both grids, untested.</param>
    /// <param name="options">Options; null = the defaults.</param>
    /// <returns>The transformers, the chosen point and the whole grid.</returns>
    /// <exception cref="ArgumentException">Invalid options or feature column.</exception>
    public static RbfKernelFit Fit(MLContext mlContext, IDataView train, IDataView? validation, RbfKernelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(train);
        options ??= new RbfKernelOptions();
        if (options.Rank < 1)
            throw new ArgumentException("Rank must be at least 1.", nameof(options));
        if (options.GammaScales is not { Count: > 0 } || options.GammaScales.Any(g => !(g > 0) || float.IsInfinity(g)))
            throw new ArgumentException("GammaScales must hold at least one positive finite value.", nameof(options));
        if (options.L2Regularizations is not { Count: > 0 } || options.L2Regularizations.Any(l => !(l >= 0) || float.IsInfinity(l)))
            throw new ArgumentException("L2Regularizations must hold at least one finite value >= 0.", nameof(options));
        var column = train.Schema.GetColumnOrNull(options.FeatureColumnName)
            ?? throw new ArgumentException($"No feature column '{options.FeatureColumnName}'.", nameof(train));
        if (column.Type is not VectorDataViewType { ItemType: var item, Size: > 0 } vector || item != NumberDataViewType.Single)
            throw new ArgumentException($"The feature column '{options.FeatureColumnName}' must be a known-size vector of Single.", nameof(train));

        string features = options.FeatureColumnName;
        var normalizer = mlContext.Transforms.NormalizeMeanVariance(features).Fit(train);
        var normalTrain = normalizer.Transform(train);
        var normalValidation = validation is null ? null : normalizer.Transform(validation);

        var gammas = (validation is null ? new[] { Middle(options.GammaScales) } : options.GammaScales).Select(s => s / vector.Size).ToList();
        var l2s = validation is null ? new[] { Middle(options.L2Regularizations) } : options.L2Regularizations;
        var grid = new List<RbfGridPoint>();
        (RbfGridPoint Point, ITransformer Map, ITransformer Scorer)? best = null;
        foreach (float gamma in gammas)
        {
            var map = mlContext.Transforms.ApproximatedKernelMap(features, features, options.Rank, options.UseCosAndSinBases, new GaussianKernel(gamma), options.Seed)
                .Fit(normalTrain);
            // The mapped features are computed once per gamma and reused for every L2 weight.
            var mappedTrain = mlContext.Data.Cache(map.Transform(normalTrain));
            var mappedValidation = normalValidation is null ? null : mlContext.Data.Cache(map.Transform(normalValidation));
            foreach (float l2 in l2s)
            {
                var trainer = mlContext.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new LbfgsMaximumEntropyMulticlassTrainer.Options
                {
                    LabelColumnName = options.LabelColumnName, FeatureColumnName = features,
                    L2Regularization = l2, L1Regularization = 0f, NumberOfThreads = options.Threads,
                });
                var scorer = trainer.Fit(mappedTrain);
                double? logLoss = null, accuracy = null;
                if (mappedValidation is not null)
                {
                    var metrics = mlContext.MulticlassClassification.Evaluate(scorer.Transform(mappedValidation), options.LabelColumnName);
                    (logLoss, accuracy) = (metrics.LogLoss, metrics.MicroAccuracy);
                }

                var point = new RbfGridPoint(gamma, l2, logLoss, accuracy);
                grid.Add(point);
                if (best is null || IsBetter(point, best.Value.Point))
                    best = (point, map, scorer);
            }
        }

        var (chosen, chosenMap, chosenScorer) = best!.Value;
        return new RbfKernelFit(new ITransformer[] { normalizer, chosenMap, chosenScorer }, chosen, grid);
    }

    /// <summary>One line describing the choice, e.g. for a log.</summary>
    /// <param name="fit">A fit.</param>
    /// <param name="options">Its options.</param>
    /// <returns>The text.</returns>
    public static string Describe(RbfKernelFit fit, RbfKernelOptions options)
    {
        ArgumentNullException.ThrowIfNull(fit);
        ArgumentNullException.ThrowIfNull(options);
        var ci = CultureInfo.InvariantCulture;
        var c = fit.Chosen;
        string how = c.ValidationLogLoss is double ll
            ? string.Format(ci, "chosen from {0} grid points by validation log-loss {1:0.000}", fit.Grid.Count, ll)
            : "grid middle (no validation data)";
        return string.Format(ci, "NormalizeMeanVariance, random Fourier features (rank {0}{1}, seed {2}), gamma {3:G4}, L2 {4:G4}; {5}",
            options.Rank, options.UseCosAndSinBases ? ", cos+sin" : "", options.Seed, c.Gamma, c.L2Regularization, how);
    }

    private static bool IsBetter(RbfGridPoint a, RbfGridPoint b)
    {
        double la = a.ValidationLogLoss is double x && double.IsFinite(x) ? x : double.PositiveInfinity;
        double lb = b.ValidationLogLoss is double y && double.IsFinite(y) ? y : double.PositiveInfinity;
        if (la != lb)
            return la < lb;
        return (a.ValidationAccuracy ?? 0) > (b.ValidationAccuracy ?? 0);
    }

    private static float Middle(IReadOnlyList<float> values) => values.OrderBy(v => v).ElementAt(values.Count / 2);
}
