using System;
using System.Collections.Generic;
using MelGenre.Audio;
using MelGenre.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MelGenre.Recipes;

/// <summary>
/// Everything that determines a clip's features, as one object: which audio (<see cref="Excerpt"/>), which computation,
/// and so which numbers. The same recipe builds the ML.NET front end (<see cref="CreateFrontEnd"/>), computes features
/// outside ML.NET for files, signals and song windows (<see cref="ClipFeaturizer"/>, bit for bit the same numbers), and
/// keys the on-disk cache (<see cref="Fingerprint"/>), so the three always agree. Implemented by
/// <see cref="LogMelRecipe"/> (the networks' log-mel spectrogram) and <see cref="FmaVectorRecipe"/> (the classical
/// models' FMA-style vector); both are immutable records.
/// </summary>
public interface IFeatureRecipe
{
    /// <summary>The audio of a clip: rate, offset and duration.</summary>
    ExcerptSettings Excerpt { get; }

    /// <summary>The feature column's type: <c>Vector&lt;Single, mels, frames&gt;</c> or <c>Vector&lt;Single, 308&gt;</c> (518 with the CQT features).</summary>
    VectorDataViewType FeatureType { get; }

    /// <summary>Slot names of the feature vector, or null when it has none (log-mels).</summary>
    IReadOnlyList<string>? SlotNames { get; }

    /// <summary>Short name of the kind of features ("mel", "fma"), used in cache folder names and messages.</summary>
    string Kind { get; }

    /// <summary>Every broken rule with its value (empty when the recipe is usable).</summary>
    /// <returns>The errors.</returns>
    IReadOnlyList<string> Validate();

    /// <summary>
    /// A canonical, human-readable description of every setting and of the feature code's version; two recipes give the
    /// same text exactly when they give the same features.
    /// </summary>
    /// <returns>The description.</returns>
    string Describe();

    /// <summary>First 16 hex digits of the SHA-256 of <see cref="Describe"/>: the cache key of the recipe.</summary>
    string Fingerprint { get; }

    /// <summary>
    /// The ML.NET front end: <c>LoadAudio</c> from the path column, then the feature transforms into
    /// <paramref name="outputColumnName"/> (intermediate columns are named <c>{output}.Audio</c>, ...). Its output equals
    /// <see cref="ClipFeaturizer.Extract(string)"/> bit for bit.
    /// </summary>
    /// <param name="mlContext">The context.</param>
    /// <param name="inputColumnName">Column of file paths.</param>
    /// <param name="outputColumnName">Column of features.</param>
    /// <param name="baseFolder">Folder relative paths are resolved against.</param>
    /// <param name="onError">What to do with files that cannot be decoded.</param>
    /// <returns>The estimator chain.</returns>
    IEstimator<ITransformer> CreateFrontEnd(MLContext mlContext, string inputColumnName = "Path", string outputColumnName = "Features",
        string? baseFolder = null, AudioErrorPolicy onError = AudioErrorPolicy.Throw);

    /// <summary>The DSP of the recipe: features of exactly <see cref="ExcerptSettings.SampleCount"/> samples (thread-safe).</summary>
    /// <returns>A kernel writing <see cref="FeatureType"/>'s size values.</returns>
    internal VectorKernel CreateKernel();
}

/// <summary>Helpers shared by the recipes.</summary>
public static class FeatureRecipes
{
    /// <summary>Throws one <see cref="ArgumentException"/> listing every broken rule of <paramref name="recipe"/>.</summary>
    /// <param name="recipe">The recipe.</param>
    /// <exception cref="ArgumentException">The recipe is invalid.</exception>
    public static void EnsureValid(this IFeatureRecipe recipe)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        OptionErrors.ThrowIfAny(recipe.Kind + " feature recipe", recipe.Validate(), nameof(recipe));
    }

    /// <summary>The transformers of a (possibly nested) chain, in order.</summary>
    /// <param name="model">A transformer or chain.</param>
    /// <returns>The leaf transformers.</returns>
    public static IEnumerable<ITransformer> Flatten(ITransformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model is IEnumerable<ITransformer> chain)
        {
            foreach (var t in chain)
            {
                foreach (var leaf in Flatten(t))
                    yield return leaf;
            }
        }
        else
        {
            yield return model;
        }
    }

    /// <summary>
    /// Recovers the recipe of a fitted front end (for example the first transformers of a loaded model): a log-mel
    /// recipe when the model has LoadAudio → ExtractMelSpectrogram → ConvertToDecibels, an FMA-vector recipe when it has
    /// LoadAudio → ExtractFmaFeatures.
    /// </summary>
    /// <param name="model">A transformer chain.</param>
    /// <returns>The recipe.</returns>
    /// <exception cref="ArgumentException">The model has no MelGenre front end.</exception>
    public static IFeatureRecipe FromModel(ITransformer model)
        => LogMelRecipe.TryFromModel(model) as IFeatureRecipe ?? FmaVectorRecipe.TryFromModel(model)
            ?? throw new ArgumentException("The model has no MelGenre front end (LoadAudio → ExtractMelSpectrogram → ConvertToDecibels, or LoadAudio → ExtractFmaFeatures).", nameof(model));

    internal static string Sha256Prefix(string text)
        => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..16];
}
