using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using MelGenre.Datasets;
using MelGenre.Recipes;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MelGenre.Caching;

/// <summary>How cached features are stored.</summary>
public enum FeaturePrecision
{
    /// <summary>
    /// IEEE float16 (2 bytes per value, the default): 11 significant bits, a relative error of at most 2^-11 (0.049 %).
    /// For the original work's natural-log features in [-18.4, 0] that is at most 0.0078 (0.034 dB); for dB features in
    /// [-80, 0] at most 0.031 dB, far below what the networks can resolve. Halves the disk size and read time.
    /// </summary>
    Half,

    /// <summary>IEEE float32 (4 bytes per value): bit-exact features.</summary>
    Single,
}

/// <summary>Options of <see cref="FeatureCache.Build"/>.</summary>
public sealed class FeatureCacheBuildOptions
{
    /// <summary>Worker threads; null (default) uses every core (<see cref="Environment.ProcessorCount"/>).</summary>
    public int? DegreeOfParallelism { get; init; }

    /// <summary>Receives progress after every clip, from worker threads (throttle the display yourself).</summary>
    public IProgress<FeatureCacheProgress>? Progress { get; init; }

    /// <summary>Try files again that failed in an earlier run (default false: their recorded reason is reported again).</summary>
    public bool RetryFailures { get; init; }

    /// <summary>Stops between clips; what was written stays, and the next run resumes from there.</summary>
    public CancellationToken CancellationToken { get; init; }
}

/// <summary>Progress of a cache build.</summary>
/// <param name="Done">Clips computed (or failed) so far in this run.</param>
/// <param name="Total">Clips this run has to compute (those not already cached).</param>
/// <param name="Reused">Clips found in the cache before the run started.</param>
/// <param name="Failed">Clips that failed so far in this run.</param>
/// <param name="Elapsed">Time since the computation started.</param>
public sealed record FeatureCacheProgress(int Done, int Total, int Reused, int Failed, TimeSpan Elapsed)
{
    /// <summary>Clips per second computed in this run.</summary>
    public double ClipsPerSecond => Done / Math.Max(Elapsed.TotalSeconds, 1e-9);

    /// <summary>Estimated time left, when a rate is known.</summary>
    public TimeSpan? Eta => Done == 0 ? null : TimeSpan.FromSeconds((Total - Done) / Math.Max(ClipsPerSecond, 1e-9));
}

/// <summary>A file that could not be turned into features, and why.</summary>
/// <param name="Path">The audio file.</param>
/// <param name="Reason">The decoder's message.</param>
public sealed record FeatureFailure(string Path, string Reason)
{
    /// <summary>
    /// True when the failure was recorded by an earlier run and the file was not tried again (its size and time are
    /// unchanged: e.g. a permission problem fixed since); <see cref="FeatureCacheBuildOptions.RetryFailures"/> retries it.
    /// </summary>
    public bool FromEarlierRun { get; init; }
}

/// <summary>The outcome of <see cref="FeatureCache.Build"/>.</summary>
public sealed class FeatureCacheReport
{
    /// <summary>Clips asked for.</summary>
    public int Total { get; init; }

    /// <summary>Clips computed in this run.</summary>
    public int Computed { get; init; }

    /// <summary>Clips already in the cache.</summary>
    public int Reused { get; init; }

    /// <summary>Files that could not be used (including those recorded by an earlier run), sorted by path.</summary>
    public IReadOnlyList<FeatureFailure> Failures { get; init; } = Array.Empty<FeatureFailure>();

    /// <summary>
    /// Cache entries that were found damaged (checksum mismatch, truncated, non-finite values) and were recomputed in this
    /// run (those whose audio now fails are in <see cref="Failures"/> instead), sorted by path.
    /// </summary>
    public IReadOnlyList<FeatureFailure> Repaired { get; init; } = Array.Empty<FeatureFailure>();

    /// <summary>Wall-clock time of the computation (not counting the scan of the cache).</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>Clips computed per second.</summary>
    public double ClipsPerSecond => Computed / Math.Max(Elapsed.TotalSeconds, 1e-9);

    /// <summary>
    /// Writes the failures as tab-separated <c>path, reason</c> lines (an empty file when there are none). A backslash,
    /// tab, carriage return or line feed inside a path or reason is written as <c>\\</c>, <c>\t</c>, <c>\r</c>, <c>\n</c>, so
    /// that every line is one file even when file names contain them.
    /// </summary>
    /// <param name="path">The file to write.</param>
    public void WriteFailures(string path)
        => File.WriteAllLines(path, Failures.Select(f => Escape(f.Path) + "\t" + Escape(f.Reason)));

    private static string Escape(string s)
        => s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal)
            .Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}

/// <summary>One clip as <see cref="FeatureCache.LoadDataView"/> serves it.</summary>
public sealed class CachedClipRow
{
    /// <summary>Log-mel features, <c>Vector&lt;Single, mels, frames&gt;</c>.</summary>
    public float[] Features { get; set; } = Array.Empty<float>();

    /// <summary>
    /// The genre as ML.NET's in-memory key representation: the 0-based index into the genre list (ML.NET adds one when it
    /// reads the row, so the view's key is 1-based); <see cref="uint.MaxValue"/> for a genre not in the list, which the
    /// view shows as the missing key 0.
    /// </summary>
    public uint Label { get; set; }

    /// <summary>The genre as text.</summary>
    public string Genre { get; set; } = "";

    /// <summary>training, validation, test or empty.</summary>
    public string Split { get; set; } = "";

    /// <summary>The audio file.</summary>
    public string Path { get; set; } = "";

    /// <summary>The artist, or empty.</summary>
    public string Artist { get; set; } = "";
}

/// <summary>
/// An on-disk cache of log-mel features, so that decoding and feature extraction happen once per clip and epochs,
/// models and reports read compact feature files instead.
/// <para>
/// Layout: <c>&lt;directory&gt;/&lt;settings fingerprint&gt;/&lt;2 hex&gt;/&lt;key&gt;.mgf</c>, plus <c>settings.txt</c> with the
/// settings in words. The folder is keyed by <see cref="LogMelRecipe.Fingerprint"/> (every LoadAudio/mel/dB setting
/// and <see cref="LogMelRecipe.FeatureCodeVersion"/>), the file by the source: SHA-256 of its full path, size and
/// last-write time. Size + modification time (what make and ccache's "direct mode" trust) rather than a content hash,
/// because hashing 7.2 GB of MP3s costs about as much disk time as decoding them again; a replaced or re-encoded file
/// changes size or time and is recomputed. Moving the dataset recomputes it (the path is part of the key). Each file
/// repeats the key fields in its header, so a stale or foreign file is never served.
/// </para>
/// <para>
/// Writes are atomic (a temporary file renamed into place), so an interrupted build leaves only complete entries and
/// the next build resumes. Files that cannot be decoded get a small <c>.fail</c> marker with the reason and are
/// reported, not retried, unless asked (<see cref="FeatureCacheBuildOptions.RetryFailures"/>). Thread-safe.
/// </para>
/// </summary>
public sealed class FeatureCache
{
    private readonly ClipFeaturizer _extractor;
    private readonly ClipStore _store;

    /// <summary>Opens (or creates) a cache.</summary>
    /// <param name="directory">The cache's root folder; caches of different settings live side by side in it.</param>
    /// <param name="settings">The feature settings.</param>
    /// <param name="precision">How values are stored (default <see cref="FeaturePrecision.Half"/>).</param>
    /// <exception cref="ArgumentException">The settings are invalid.</exception>
    public FeatureCache(string directory, LogMelRecipe settings, FeaturePrecision precision = FeaturePrecision.Half)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(settings);
        _extractor = new ClipFeaturizer(settings);
        Settings = settings;
        _store = new ClipStore(System.IO.Path.Combine(System.IO.Path.GetFullPath(directory), settings.Fingerprint), settings.Fingerprint,
            settings.Describe(), settings.MelCount, _extractor.Size / settings.MelCount, precision, _extractor.Extract);
    }

    /// <summary>The feature settings.</summary>
    public LogMelRecipe Settings { get; }

    /// <summary>How values are stored.</summary>
    public FeaturePrecision Precision => _store.Precision;

    /// <summary>The folder of this settings' entries.</summary>
    public string Folder => _store.Folder;

    /// <summary>Rows (mel bands) of each entry.</summary>
    public int Mels => Settings.MelCount;

    /// <summary>Columns (frames) of each entry.</summary>
    public int Frames => _extractor.Size / Settings.MelCount;

    /// <summary>
    /// Computes and stores the features of every clip not yet cached, in parallel. Never throws for a bad audio file:
    /// such files are listed in the report.
    /// </summary>
    /// <param name="clips">The clips (duplicates are computed once).</param>
    /// <param name="options">Parallelism, progress, cancellation.</param>
    /// <returns>Counts, rate and failures.</returns>
    /// <exception cref="OperationCanceledException">Cancelled; what was finished is kept.</exception>
    public FeatureCacheReport Build(IEnumerable<GenreClip> clips, FeatureCacheBuildOptions? options = null) => _store.Build(clips, options);

    /// <summary>
    /// True when the features of <paramref name="audioPath"/> (as it is now on disk) are in the cache. Judged by the entry's
    /// header and length; its checksum is verified when its values are read (<see cref="TryRead"/>, the data view) and by
    /// <see cref="Build"/>, which recomputes a damaged entry.
    /// </summary>
    /// <param name="audioPath">The audio file.</param>
    /// <returns>Whether a valid entry exists.</returns>
    public bool Contains(string audioPath) => _store.Contains(audioPath);

    /// <summary>Reads the cached features of a file.</summary>
    /// <param name="audioPath">The audio file.</param>
    /// <param name="features">[mel, frame] values (float16 entries widened to float32), or null.</param>
    /// <returns>False when the file is not cached (never computed, failed, or changed since).</returns>
    public bool TryRead(string audioPath, out float[]? features) => _store.TryRead(audioPath, out features);

    /// <summary>
    /// The cached clips as an ML.NET data view that trainers consume directly: <c>Features</c>
    /// (<c>Vector&lt;Single, mels, frames&gt;</c>), <c>Label</c> (<c>Key&lt;UInt32, genres&gt;</c> with the genre names as
    /// key values), <c>Genre</c>, <c>Split</c>, <c>Path</c> and <c>Artist</c> (text). Clips that are not cached (failed
    /// files) are left out. Features are read from disk lazily on every pass, so the view holds no features in memory.
    /// </summary>
    /// <param name="mlContext">The context.</param>
    /// <param name="clips">The clips, e.g. one split of a <see cref="GenreDataset"/>.</param>
    /// <param name="genres">The class list (the label's key values, in order); usually <see cref="GenreDataset.Genres"/>.</param>
    /// <returns>The view.</returns>
    public IDataView LoadDataView(MLContext mlContext, IEnumerable<GenreClip> clips, IReadOnlyList<string> genres)
        => _store.LoadDataView(mlContext, clips, genres, new VectorDataViewType(NumberDataViewType.Single, Mels, Frames), slotNames: null);
}
