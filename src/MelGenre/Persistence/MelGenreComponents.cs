using System;
using System.Collections.Generic;
using System.Reflection;
using MelGenre.Training;
using MelGenre.Transforms;
using Microsoft.ML;
using Microsoft.ML.Runtime;
using Microsoft.ML.Transforms;

namespace MelGenre.Persistence;

/// <summary>The list of MelGenre components that <c>mlContext.Model.Load</c> must know how to read.</summary>
internal static class MelGenreComponents
{
    private static readonly Lazy<MlNetBridge.ComponentLoader[]> Loaders = new(() => new[]
    {
        Loader(typeof(AudioLoadingTransformer), AudioLoadingTransformer.LoaderSignatureValue),
        Loader(typeof(MelSpectrogramTransformer), MelSpectrogramTransformer.LoaderSignatureValue),
        Loader(typeof(LogPowerTransformer), LogPowerTransformer.LoaderSignatureValue),
        Loader(typeof(ExtractMfccTransformer), ExtractMfccTransformer.LoaderSignatureValue),
        Loader(typeof(ExtractSpectralFeatureTransformer), ExtractSpectralFeatureTransformer.LoaderSignatureValue),
        Loader(typeof(SummarizeFramesTransformer), SummarizeFramesTransformer.LoaderSignatureValue),
        Loader(typeof(ExtractFmaFeaturesTransformer), ExtractFmaFeaturesTransformer.LoaderSignatureValue),
        Loader(typeof(Training.GenreClassifierTransformer), Training.GenreClassifierTransformer.LoaderSignatureValue),
    });

    /// <summary>Loaders of every MelGenre component.</summary>
    internal static IReadOnlyList<MlNetBridge.ComponentLoader> All => Loaders.Value;

    /// <summary>Makes <paramref name="env"/>'s model loading understand MelGenre components (idempotent).</summary>
    internal static void Register(IHostEnvironment env) => MlNetBridge.RegisterLoaders(env, Loaders.Value);

    private static MlNetBridge.ComponentLoader Loader(Type type, string signature)
    {
        var create = type.GetMethod("Create", BindingFlags.NonPublic | BindingFlags.Static, null, new[] { typeof(IHostEnvironment), typeof(object) }, null)
            ?? throw new InvalidOperationException($"{type.Name} has no static Create(IHostEnvironment, object) loader.");
        return new MlNetBridge.ComponentLoader(signature, type, create, type.Name);
    }
}

/// <summary>
/// Reached only when a model containing MelGenre components is loaded by an MLContext on which
/// MelGenre was never registered: ML.NET then falls back to its custom-mapping loader, which finds
/// this factory by contract name. It explains what to do instead of loading something wrong.
/// </summary>
[CustomMappingFactoryAttribute(MlNetBridge.RegistrationRequiredContract)]
internal sealed class RegistrationRequiredFactory : CustomMappingFactory<RegistrationRequiredFactory.Row, RegistrationRequiredFactory.Row>
{
    /// <summary>The message users see.</summary>
    internal const string Message =
        "This model contains MelGenre components (LoadAudio, ExtractMelSpectrogram, ConvertToDecibels, feature transforms such as ExtractFmaFeatures, or MelGenre trainers), " +
        "but this MLContext does not know them yet. Call mlContext.RegisterMelGenre() (namespace MelGenre) once before mlContext.Model.Load.";

    /// <summary>Placeholder row type required by <see cref="CustomMappingFactory{TSrc, TDst}"/>.</summary>
    public sealed class Row
    {
    }

    /// <inheritdoc />
    public override Action<Row, Row> GetMapping() => throw new InvalidOperationException(Message);
}
