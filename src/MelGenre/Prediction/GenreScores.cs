using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace MelGenre.Prediction;

/// <summary>
/// Class-probability rows of genre models: the distribution check every score row goes through, and alignment of one
/// model's class order to another's by genre name.
/// </summary>
/// <remarks>
/// The alignment rule used throughout <see cref="MelGenre.Prediction"/>: models that are combined must name the same set
/// of genres (compared ordinally, case-sensitive); their Score order may differ. Results are in one reference order
/// (the first model's unless the caller gives another). Different sets are an error, not a union filled with zeros:
/// a zero for a genre a model never learned would pull the mean towards the models that know it.
/// </remarks>
public static class GenreScores
{
    /// <summary>Largest |sum − 1| accepted as a probability distribution without renormalising.</summary>
    public const double SumTolerance = 1e-3;

    /// <summary>
    /// Makes one score row a probability distribution, in place. A row with no negative value whose sum is within
    /// <see cref="SumTolerance"/> of 1 (a softmax, ML.NET's maximum-entropy models, LightGBM's multiclass model) is
    /// returned as is (the same array). Any other row (e.g. a one-versus-all model without normalisation) is clipped at
    /// 0 and divided by its sum; a row with no positive value becomes uniform.
    /// </summary>
    /// <param name="scores">One row of scores, one per class; modified in place when it is not a distribution.</param>
    /// <param name="modelName">The model's name, for the error message.</param>
    /// <returns><paramref name="scores"/>.</returns>
    /// <exception cref="InvalidOperationException">A score is NaN or infinite.</exception>
    public static float[] ToDistribution(float[] scores, string modelName)
    {
        ArgumentNullException.ThrowIfNull(scores);
        double sum = 0;
        bool negative = false;
        foreach (float v in scores)
        {
            if (!float.IsFinite(v))
                throw new InvalidOperationException(string.Format(CultureInfo.InvariantCulture, "{0}: a score is {1}; the model or its input is broken.", modelName, v));
            negative |= v < 0;
            sum += v;
        }
        if (!negative && Math.Abs(sum - 1) <= SumTolerance)
            return scores;
        double positive = scores.Sum(v => Math.Max(v, 0.0));
        for (int k = 0; k < scores.Length; k++)
            scores[k] = positive > 0 ? (float)(Math.Max(scores[k], 0.0) / positive) : 1f / scores.Length;
        return scores;
    }

    /// <summary>
    /// Reorders probability rows from one class order into another, matching classes by genre name (ordinal).
    /// </summary>
    /// <param name="classes">The classes of <paramref name="probabilities"/>' columns (a model's Score order).</param>
    /// <param name="probabilities">Rows × <paramref name="classes"/>.Count values.</param>
    /// <param name="target">The order wanted; every name must be in <paramref name="classes"/>.</param>
    /// <param name="modelName">The model's name, for the error message.</param>
    /// <returns>Rows × <paramref name="target"/>.Count values; <paramref name="probabilities"/> itself when the orders are equal.</returns>
    /// <exception cref="ArgumentException">A name of <paramref name="target"/> is not among <paramref name="classes"/>.</exception>
    public static float[][] Align(IReadOnlyList<string> classes, float[][] probabilities, IReadOnlyList<string> target, string modelName)
    {
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentNullException.ThrowIfNull(probabilities);
        ArgumentNullException.ThrowIfNull(target);
        if (classes.SequenceEqual(target, StringComparer.Ordinal))
            return probabilities;
        int[] from = target.Select(c => IndexOf(classes, c)).ToArray();
        int missing = Array.IndexOf(from, -1);
        if (missing >= 0)
            // No parameter name: the message is the whole story, and applications print it as is.
            throw new ArgumentException($"{modelName} has no class '{target[missing]}'.");
        return probabilities.Select(p => from.Select(i => p[i]).ToArray()).ToArray();
    }

    /// <summary>True when the two lists name the same set of genres with no repeats (order free, ordinal).</summary>
    /// <param name="a">One class list.</param>
    /// <param name="b">The other.</param>
    /// <returns>Whether scores of the two can be aligned both ways.</returns>
    public static bool SameGenres(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return a.Count == b.Count && a.ToHashSet(StringComparer.Ordinal).SetEquals(b);
    }

    /// <summary>
    /// Throws unless every model names the same set of genres as the first one (see the alignment rule on
    /// <see cref="GenreScores"/>).
    /// </summary>
    /// <param name="models">The models to combine (at least one).</param>
    /// <exception cref="ArgumentException">No model, or two models disagree on the genres (the message names both models and their genres).</exception>
    public static void RequireSameGenres(IReadOnlyList<GenreModel> models)
    {
        ArgumentNullException.ThrowIfNull(models);
        if (models.Count == 0)
            throw new ArgumentException("At least one model is needed.", nameof(models));
        foreach (var m in models.Skip(1))
        {
            if (!SameGenres(m.Classes, models[0].Classes))
                throw new ArgumentException($"The models disagree on the genres ({m.Source}: {string.Join(", ", m.Classes)}; {models[0].Source}: {string.Join(", ", models[0].Classes)}).");
        }
    }

    private static int IndexOf(IReadOnlyList<string> list, string value)
    {
        for (int i = 0; i < list.Count; i++)
        {
            if (string.Equals(list[i], value, StringComparison.Ordinal))
                return i;
        }
        return -1;
    }
}
