using System;
using System.Collections.Generic;
using MelGenre.Datasets;
using MelGenre.Dsp;
using MelGenre.Recipes;
using Microsoft.ML;

namespace MelGenre.Caching;

/// <summary>
/// An on-disk cache of FMA-style clip vectors (<see cref="FmaFeatureVector"/>, 308 float32 values per clip, 518 with the CQT features), beside
/// the log-mel <see cref="FeatureCache"/>: the vector needs the raw audio (it cannot be derived from cached log-mels), so
/// it is computed once per clip like them and classical trainers read it from here.
/// <para>
/// Same layout and rules as <see cref="FeatureCache"/>: <c>&lt;directory&gt;/fma-&lt;settings fingerprint&gt;/&lt;2 hex&gt;/&lt;key&gt;.mgf</c>
/// keyed by <see cref="FmaVectorRecipe.Fingerprint"/> and the source file's full path, size and modification time;
/// atomic writes (an interrupted build resumes), <c>.fail</c> markers for files that cannot be decoded (reported, not
/// retried unless asked). Values are stored as float32: they are few, and spectral centroids in Hz would lose whole
/// hertz in float16. Thread-safe.
/// </para>
/// </summary>
public sealed class FmaFeatureCache
{
    private readonly ClipStore _store;

    /// <summary>Opens (or creates) a cache.</summary>
    /// <param name="directory">The cache's root folder (may be shared with a <see cref="FeatureCache"/>).</param>
    /// <param name="settings">The FMA feature settings.</param>
    /// <exception cref="ArgumentException">The settings are invalid.</exception>
    public FmaFeatureCache(string directory, FmaVectorRecipe settings)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(settings);
        var extractor = new ClipFeaturizer(settings);
        Settings = settings;
        _store = new ClipStore(System.IO.Path.Combine(System.IO.Path.GetFullPath(directory), "fma-" + settings.Fingerprint), settings.Fingerprint,
            settings.Describe(), 1, settings.FeatureType.Size, FeaturePrecision.Single, extractor.Extract);
    }

    /// <summary>The settings.</summary>
    public FmaVectorRecipe Settings { get; }

    /// <summary>The folder of this settings' entries.</summary>
    public string Folder => _store.Folder;

    /// <summary>Computes and stores the vectors of every clip not yet cached, in parallel; never throws for a bad audio file.</summary>
    /// <param name="clips">The clips (duplicates are computed once).</param>
    /// <param name="options">Parallelism, progress, cancellation.</param>
    /// <returns>Counts, rate and failures.</returns>
    /// <exception cref="OperationCanceledException">Cancelled; what was finished is kept.</exception>
    public FeatureCacheReport Build(IEnumerable<GenreClip> clips, FeatureCacheBuildOptions? options = null) => _store.Build(clips, options);

    /// <summary>True when the vector of <paramref name="audioPath"/> (as it is now on disk) is in the cache.</summary>
    /// <param name="audioPath">The audio file.</param>
    /// <returns>Whether a valid entry exists.</returns>
    public bool Contains(string audioPath) => _store.Contains(audioPath);

    /// <summary>Reads the cached vector of a file.</summary>
    /// <param name="audioPath">The audio file.</param>
    /// <param name="features">The vector (308 or 518 values), or null.</param>
    /// <returns>False when the file is not cached (never computed, failed, or changed since).</returns>
    public bool TryRead(string audioPath, out float[]? features) => _store.TryRead(audioPath, out features);

    /// <summary>
    /// The cached clips as an ML.NET data view: <c>Features</c> (<c>Vector&lt;Single, 308&gt;</c> or 518, with FMA's slot names,
    /// exactly the column <c>ExtractFmaFeatures</c> produces), <c>Label</c> (key with the genre names as key values),
    /// <c>Genre</c>, <c>Split</c>, <c>Path</c>, <c>Artist</c>. Clips that are not cached are left out.
    /// </summary>
    /// <param name="mlContext">The context.</param>
    /// <param name="clips">The clips.</param>
    /// <param name="genres">The class list (the label's key values, in order).</param>
    /// <returns>The view.</returns>
    public IDataView LoadDataView(MLContext mlContext, IEnumerable<GenreClip> clips, IReadOnlyList<string> genres)
        => _store.LoadDataView(mlContext, clips, genres, Settings.FeatureType, Settings.SlotNames!);
}
