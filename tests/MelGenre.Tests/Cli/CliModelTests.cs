using System;
using System.Linq;
using MelGenre.Cli;
using Xunit;

namespace MelGenre.Tests.Cli;

/// <summary>The CLI's model bookkeeping: names and groups, ensemble members, class alignment by name, probability checks.</summary>
public sealed class CliModelTests
{
    private static LoadedModel Fake(string name, params string[] classes)
        => new(name, name + ".zip", null!, ModelFiles.KindOf(name), null!, classes, null, null);

    [Fact]
    public void Model_names_resolve_groups_in_a_fixed_order()
    {
        Assert.Equal(new[] { "crnn", "cnnrnn" }, ModelFiles.Resolve("both"));
        Assert.Equal(new[] { "crnn", "cnnrnn", "lightgbm", "linear", "rbf" }, ModelFiles.Resolve("all"));
        Assert.Equal(new[] { "crnn", "lightgbm" }, ModelFiles.Resolve("lightgbm, crnn"));
        Assert.Equal(new[] { "cnnrnn", "lightgbm", "linear", "rbf" }, ModelFiles.Resolve("classical,cnnrnn"));
        Assert.Equal(FeatureKind.Fma, ModelFiles.KindOf("rbf"));
        Assert.Contains("resnet", Assert.Throws<CliException>(() => ModelFiles.Resolve("crnn,resnet")).Message);
        Assert.Equal(FeatureKind.Fma, ModelFiles.KindOf("linear"));
        Assert.Equal(FeatureKind.Mel, ModelFiles.KindOf("cnnrnn"));
    }

    [Fact]
    public void Ensemble_members_default_to_every_model_and_are_checked()
    {
        var models = new[] { Fake("crnn", "a", "b"), Fake("cnnrnn", "a", "b"), Fake("lightgbm", "a", "b") };
        Assert.Equal(new[] { "crnn", "cnnrnn", "lightgbm" }, EvaluateCommand.EnsembleMembers(null, models));
        Assert.Equal(new[] { "crnn", "lightgbm" }, EvaluateCommand.EnsembleMembers("lightgbm,crnn", models));
        Assert.Equal(new[] { "crnn", "cnnrnn" }, EvaluateCommand.EnsembleMembers("both", models));
        Assert.Empty(EvaluateCommand.EnsembleMembers("none", models));
        Assert.Throws<CliException>(() => EvaluateCommand.EnsembleMembers("crnn,linear", models));
        Assert.Throws<CliException>(() => EvaluateCommand.EnsembleMembers("crnn", models));
    }

    [Fact]
    public void Scores_are_aligned_by_genre_name_and_kept_as_distributions()
    {
        // A model whose key order differs (e.g. a pipeline that mapped the genres in order of appearance).
        var model = Fake("lightgbm", "rock", "folk", "pop");
        var aligned = ModelFiles.Align(model, new[] { new[] { 0.7f, 0.2f, 0.1f } }, new[] { "folk", "pop", "rock" });
        Assert.Equal(new[] { 0.2f, 0.1f, 0.7f }, aligned[0]);
        Assert.Throws<CliException>(() => ModelFiles.Align(model, new[] { new[] { 1f, 0f, 0f } }, new[] { "folk", "pop", "jazz" }));

        var distribution = new[] { 0.25f, 0.75f };
        Assert.Same(distribution, ModelFiles.ToDistribution(distribution, "m"));
        Assert.Equal(new[] { 0f, 1f }, ModelFiles.ToDistribution(new[] { -0.5f, 2f }, "m"));
        Assert.Equal(new[] { 0.25f, 0.75f }, ModelFiles.ToDistribution(new[] { 1f, 3f }, "m"));
        Assert.Throws<InvalidOperationException>(() => ModelFiles.ToDistribution(new[] { float.NaN, 1f }, "m"));
        Assert.Equal(new[] { 0.5f, 0.5f }, ModelFiles.Average(new[] { new[] { new[] { 1f, 0f } }, new[] { new[] { 0f, 1f } } })[0]);
    }
}
