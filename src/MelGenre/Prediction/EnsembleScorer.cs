using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;

namespace MelGenre.Prediction;

/// <summary>
/// An ensemble of genre models over the same rows (e.g. a feature cache's clips): scores every member, aligns its
/// probabilities by genre name to <see cref="Classes"/>, and combines them with an <see cref="IEnsembleCombiner"/>
/// (default <see cref="MeanCombiner"/>, equal weights). Members may read different features (log-mel networks and
/// FMA-vector classical models): each scores its own view of the same rows in the same order.
/// </summary>
/// <remarks>Members must name the same set of genres; see the alignment rule on <see cref="GenreScores"/>.</remarks>
public sealed class EnsembleScorer
{
    /// <summary>Creates an ensemble.</summary>
    /// <param name="members">The models (at least one), all naming the same genres.</param>
    /// <param name="classes">The class order of the results; default the first member's. Must be the members' set of genres.</param>
    /// <param name="combiner">The combination rule; default <see cref="MeanCombiner.Instance"/>.</param>
    /// <exception cref="ArgumentException">No member, or the members (or <paramref name="classes"/>) disagree on the genres.</exception>
    public EnsembleScorer(IReadOnlyList<GenreModel> members, IReadOnlyList<string>? classes = null, IEnsembleCombiner? combiner = null)
    {
        ArgumentNullException.ThrowIfNull(members);
        GenreScores.RequireSameGenres(members);
        if (classes is not null && !GenreScores.SameGenres(classes, members[0].Classes))
            throw new ArgumentException($"The class order names other genres ({string.Join(", ", classes)}) than the members ({string.Join(", ", members[0].Classes)}).", nameof(classes));
        Members = members.ToArray();
        Classes = (classes ?? members[0].Classes).ToArray();
        Combiner = combiner ?? MeanCombiner.Instance;
    }

    /// <summary>The members, in combination order.</summary>
    public IReadOnlyList<GenreModel> Members { get; }

    /// <summary>The class order of every result.</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>The combination rule.</summary>
    public IEnsembleCombiner Combiner { get; }

    /// <summary>One member's probabilities in <see cref="Classes"/> order (see <see cref="GenreScores.Align"/>).</summary>
    /// <param name="member">A member (or any model naming the same genres).</param>
    /// <param name="probabilities">Rows in the member's own class order.</param>
    /// <returns>Rows in <see cref="Classes"/> order.</returns>
    public float[][] Align(GenreModel member, float[][] probabilities)
    {
        ArgumentNullException.ThrowIfNull(member);
        return GenreScores.Align(member.Classes, probabilities, Classes, member.Name);
    }

    /// <summary>Combines already aligned probabilities of the members.</summary>
    /// <param name="aligned">One entry per member, in <see cref="Members"/> order, each rows × <see cref="Classes"/>.Count in <see cref="Classes"/> order.</param>
    /// <returns>Rows × <see cref="Classes"/>.Count.</returns>
    /// <exception cref="ArgumentException">Not one entry per member, or their shapes differ.</exception>
    public float[][] Combine(IReadOnlyList<float[][]> aligned)
    {
        ArgumentNullException.ThrowIfNull(aligned);
        if (aligned.Count != Members.Count)
            throw new ArgumentException($"{aligned.Count} probability sets for {Members.Count} members.", nameof(aligned));
        return Combiner.Combine(aligned);
    }

    /// <summary>Scores every member on its view of the same rows, aligns and combines.</summary>
    /// <param name="features">The view each member reads (its <see cref="GenreModel.FeatureColumnName"/>), all with the same rows in the same order.</param>
    /// <returns>Rows × <see cref="Classes"/>.Count combined probabilities.</returns>
    public float[][] Score(Func<GenreModel, IDataView> features)
    {
        ArgumentNullException.ThrowIfNull(features);
        return Combine(Members.Select(m => Align(m, m.Score(features(m)))).ToList());
    }
}
