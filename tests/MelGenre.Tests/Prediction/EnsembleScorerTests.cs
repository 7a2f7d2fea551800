using System;
using System.Collections.Generic;
using System.Linq;
using MelGenre.Prediction;
using Xunit;

namespace MelGenre.Tests.Prediction;

/// <summary>The ensemble over rows: alignment by genre name, the equal-weight mean, the combiner seam.</summary>
public sealed class EnsembleScorerTests
{
    private static GenreModel Fake(string name, params string[] classes)
        => GenreModel.ForTesting(name, classes, SongPredictorTests.Mel(), null, f => f.Select(_ => classes.Select(_ => 1f / classes.Length).ToArray()).ToArray());

    [Fact]
    public void The_mean_is_taken_after_aligning_every_member_by_genre_name()
    {
        var a = Fake("a", "folk", "pop", "rock");
        var b = Fake("b", "rock", "pop", "folk");
        var ensemble = new EnsembleScorer(new[] { a, b });
        Assert.Equal(new[] { "folk", "pop", "rock" }, ensemble.Classes);
        Assert.Same(MeanCombiner.Instance, ensemble.Combiner);
        var pa = new[] { new[] { 0.6f, 0.3f, 0.1f }, new[] { 0f, 0f, 1f } };
        var pb = ensemble.Align(b, new[] { new[] { 0.8f, 0.2f, 0f }, new[] { 0.5f, 0f, 0.5f } }); // b's order: rock, pop, folk
        Assert.Equal(new[] { 0f, 0.2f, 0.8f }, pb[0]);
        var mean = ensemble.Combine(new[] { ensemble.Align(a, pa), pb });
        Assert.Equal(new[] { 0.3f, 0.25f, 0.45f }, mean[0], new SongPredictorTests.Close());
        Assert.Equal(new[] { 0.25f, 0f, 0.75f }, mean[1], new SongPredictorTests.Close());
    }

    [Fact]
    public void Results_follow_a_given_class_order_and_other_genre_sets_are_refused()
    {
        var a = Fake("a", "folk", "pop");
        var b = Fake("b", "pop", "folk");
        Assert.Equal(new[] { "pop", "folk" }, new EnsembleScorer(new[] { a, b }, new[] { "pop", "folk" }).Classes);
        Assert.Throws<ArgumentException>(() => new EnsembleScorer(new[] { a, b }, new[] { "pop", "jazz" }));
        var e = Assert.Throws<ArgumentException>(() => new EnsembleScorer(new[] { a, Fake("c", "folk", "pop", "rock") }));
        Assert.Contains("c: folk, pop, rock", e.Message);
        Assert.Contains("has no class 'jazz'", Assert.Throws<ArgumentException>(() => GenreScores.Align(a.Classes, new[] { new[] { 1f, 0f } }, new[] { "folk", "jazz" }, "a")).Message);
    }

    [Fact]
    public void Members_must_give_one_probability_set_each_with_equal_shapes()
    {
        var ensemble = new EnsembleScorer(new[] { Fake("a", "x", "y"), Fake("b", "x", "y") });
        Assert.Throws<ArgumentException>(() => ensemble.Combine(new[] { new[] { new[] { 1f, 0f } } }));
        Assert.Throws<ArgumentException>(() => ensemble.Combine(new[] { new[] { new[] { 1f, 0f } }, new[] { new[] { 1f, 0f }, new[] { 0f, 1f } } }));
        Assert.Throws<ArgumentException>(() => MeanCombiner.Instance.Combine(Array.Empty<float[][]>()));
    }

    [Fact]
    public void Another_combination_rule_plugs_in_through_the_combiner()
    {
        var ensemble = new EnsembleScorer(new[] { Fake("a", "x", "y"), Fake("b", "x", "y") }, combiner: new Weighted(0.75f, 0.25f));
        var p = ensemble.Combine(new[] { new[] { new[] { 1f, 0f } }, new[] { new[] { 0f, 1f } } });
        Assert.Equal(new[] { 0.75f, 0.25f }, p[0]);
    }

    [Fact]
    public void Score_rows_are_checked_to_be_distributions()
    {
        var distribution = new[] { 0.25f, 0.75f };
        Assert.Same(distribution, GenreScores.ToDistribution(distribution, "m"));
        Assert.Equal(new[] { 0f, 1f }, GenreScores.ToDistribution(new[] { -0.5f, 2f }, "m"));
        Assert.Equal(new[] { 0.5f, 0.5f }, GenreScores.ToDistribution(new[] { -1f, -2f }, "m"));
        Assert.Contains("m: a score is NaN", Assert.Throws<InvalidOperationException>(() => GenreScores.ToDistribution(new[] { float.NaN, 1f }, "m")).Message);
    }

    /// <summary>A fitted-weight rule as future work would add it: a weighted sum, one weight per member.</summary>
    private sealed class Weighted(params float[] weights) : IEnsembleCombiner
    {
        public float[][] Combine(IReadOnlyList<float[][]> members)
            => Enumerable.Range(0, members[0].Length)
                .Select(i => Enumerable.Range(0, members[0][i].Length).Select(k => members.Select((m, j) => weights[j] * m[i][k]).Sum()).ToArray())
                .ToArray();
    }
}
