using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using MelGenre.Datasets;
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
public sealed record FeatureFailure(string Path, string Reason);

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

    /// <summary>Wall-clock time of the computation (not counting the scan of the cache).</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>Clips computed per second.</summary>
    public double ClipsPerSecond => Computed / Math.Max(Elapsed.TotalSeconds, 1e-9);

    /// <summary>Writes the failures as tab-separated <c>path, reason</c> lines (an empty file when there are none).</summary>
    /// <param name="path">The file to write.</param>
    public void WriteFailures(string path)
        => File.WriteAllLines(path, Failures.Select(f => f.Path + "\t" + f.Reason.ReplaceLineEndings(" ")));
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
/// settings in words. The folder is keyed by <see cref="FeatureSettings.Fingerprint"/> (every LoadAudio/mel/dB setting
/// and <see cref="FeatureSettings.FeatureCodeVersion"/>), the file by the source: SHA-256 of its full path, size and
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
    private const int FormatVersion = 1; // 1: header (magic, version, fingerprint, source path/size/ticks, precision, rows, cols) + values
    private static readonly byte[] Magic = "MGFC"u8.ToArray();

    private readonly FeatureExtractor _extractor;

    /// <summary>Opens (or creates) a cache.</summary>
    /// <param name="directory">The cache's root folder; caches of different settings live side by side in it.</param>
    /// <param name="settings">The feature settings.</param>
    /// <param name="precision">How values are stored (default <see cref="FeaturePrecision.Half"/>).</param>
    /// <exception cref="ArgumentException">The settings are invalid.</exception>
    public FeatureCache(string directory, FeatureSettings settings, FeaturePrecision precision = FeaturePrecision.Half)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(settings);
        _extractor = new FeatureExtractor(settings);
        Settings = settings;
        Precision = precision;
        Folder = System.IO.Path.Combine(System.IO.Path.GetFullPath(directory), settings.Fingerprint);
        Directory.CreateDirectory(Folder);
        string describe = System.IO.Path.Combine(Folder, "settings.txt");
        if (!File.Exists(describe))
            WriteAtomically(describe, Encoding.UTF8.GetBytes(settings.Describe().Replace("; ", "\n", StringComparison.Ordinal) + "\n"));
    }

    /// <summary>The feature settings.</summary>
    public FeatureSettings Settings { get; }

    /// <summary>How values are stored.</summary>
    public FeaturePrecision Precision { get; }

    /// <summary>The folder of this settings' entries.</summary>
    public string Folder { get; }

    /// <summary>Rows (mel bands) of each entry.</summary>
    public int Mels => Settings.MelCount;

    /// <summary>Columns (frames) of each entry.</summary>
    public int Frames => _extractor.FrameCount;

    /// <summary>
    /// Computes and stores the features of every clip not yet cached, in parallel. Never throws for a bad audio file:
    /// such files are listed in the report.
    /// </summary>
    /// <param name="clips">The clips (duplicates are computed once).</param>
    /// <param name="options">Parallelism, progress, cancellation.</param>
    /// <returns>Counts, rate and failures.</returns>
    /// <exception cref="OperationCanceledException">Cancelled; what was finished is kept.</exception>
    public FeatureCacheReport Build(IEnumerable<GenreClip> clips, FeatureCacheBuildOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(clips);
        options ??= new FeatureCacheBuildOptions();
        var paths = clips.Select(c => System.IO.Path.GetFullPath(c.Path)).Distinct(StringComparer.Ordinal).ToArray();
        var failures = new List<FeatureFailure>();
        var pending = new List<(string Path, SourceKey Key)>();
        int reused = 0;
        foreach (string path in paths)
        {
            if (!SourceKey.TryGet(path, out var key, out string? missing))
            {
                failures.Add(new FeatureFailure(path, missing!));
                continue;
            }
            if (HasValidEntry(key))
            {
                reused++;
                continue;
            }
            string fail = FailPath(key);
            if (!options.RetryFailures && File.Exists(fail))
            {
                failures.Add(new FeatureFailure(path, File.ReadAllText(fail).Trim()));
                continue;
            }
            pending.Add((path, key));
        }

        var watch = Stopwatch.StartNew();
        int done = 0, failed = 0;
        var newFailures = new System.Collections.Concurrent.ConcurrentBag<FeatureFailure>();
        var parallel = new ParallelOptions
        {
            MaxDegreeOfParallelism = options.DegreeOfParallelism ?? Environment.ProcessorCount,
            CancellationToken = options.CancellationToken,
        };
        Parallel.ForEach(Partitioner(pending), parallel, item =>
        {
            var (path, key) = item;
            float[]? features = null;
            try
            {
                features = _extractor.Extract(path);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException)
            {
                // A file that cannot be decoded (AudioDecodeException is an IOException) is reported, not fatal.
                string reason = e.Message.ReplaceLineEndings(" ");
                newFailures.Add(new FeatureFailure(path, reason));
                WriteAtomically(FailPath(key), Encoding.UTF8.GetBytes(reason + "\n"));
                Interlocked.Increment(ref failed);
            }
            if (features is not null)
            {
                Write(key, features); // errors writing the cache itself (disk full, permissions) are fatal
                File.Delete(FailPath(key));
            }
            int d = Interlocked.Increment(ref done);
            options.Progress?.Report(new FeatureCacheProgress(d, pending.Count, reused, Volatile.Read(ref failed), watch.Elapsed));
        });
        watch.Stop();
        failures.AddRange(newFailures);
        return new FeatureCacheReport
        {
            Total = paths.Length,
            Computed = pending.Count - newFailures.Count,
            Reused = reused,
            Failures = failures.OrderBy(f => f.Path, StringComparer.Ordinal).ToArray(),
            Elapsed = watch.Elapsed,
        };
    }

    // One item at a time in input order: clips cost about the same, and chunking would leave a core idle at the end.
    private static System.Collections.Concurrent.OrderablePartitioner<(string, SourceKey)> Partitioner(List<(string, SourceKey)> items)
        => System.Collections.Concurrent.Partitioner.Create(items, loadBalance: true);

    /// <summary>True when the features of <paramref name="audioPath"/> (as it is now on disk) are in the cache.</summary>
    /// <param name="audioPath">The audio file.</param>
    /// <returns>Whether a valid entry exists.</returns>
    public bool Contains(string audioPath)
        => SourceKey.TryGet(System.IO.Path.GetFullPath(audioPath), out var key, out _) && HasValidEntry(key);

    /// <summary>Reads the cached features of a file.</summary>
    /// <param name="audioPath">The audio file.</param>
    /// <param name="features">[mel, frame] values (float16 entries widened to float32), or null.</param>
    /// <returns>False when the file is not cached (never computed, failed, or changed since).</returns>
    public bool TryRead(string audioPath, out float[]? features)
    {
        features = null;
        if (!SourceKey.TryGet(System.IO.Path.GetFullPath(audioPath), out var key, out _))
            return false;
        features = ReadEntry(key, readValues: true);
        return features is not null;
    }

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
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(clips);
        ArgumentNullException.ThrowIfNull(genres);
        if (genres.Count == 0)
            throw new ArgumentException("The genre list is empty.", nameof(genres));
        var present = new List<(GenreClip Clip, SourceKey Key)>();
        foreach (var clip in clips)
        {
            string path = System.IO.Path.GetFullPath(clip.Path);
            if (SourceKey.TryGet(path, out var key, out _) && HasValidEntry(key))
                present.Add((clip with { Path = path }, key));
        }
        var index = genres.Select((g, i) => (g, i)).ToDictionary(p => p.g, p => (uint)p.i, StringComparer.Ordinal);

        var schema = SchemaDefinition.Create(typeof(CachedClipRow));
        schema[nameof(CachedClipRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, Mels, Frames);
        var label = schema[nameof(CachedClipRow.Label)];
        label.ColumnType = new KeyDataViewType(typeof(uint), genres.Count);
        var names = new VBuffer<ReadOnlyMemory<char>>(genres.Count, genres.Select(g => g.AsMemory()).ToArray());
        label.AddAnnotation("KeyValues", names, new VectorDataViewType(TextDataViewType.Instance, genres.Count));
        return mlContext.Data.LoadFromEnumerable(Rows(present, index), schema);
    }

    private IEnumerable<CachedClipRow> Rows(List<(GenreClip Clip, SourceKey Key)> clips, Dictionary<string, uint> index)
    {
        foreach (var (clip, key) in clips)
        {
            float[] features = ReadEntry(key, readValues: true)
                ?? throw new InvalidDataException($"The cached features of '{clip.Path}' disappeared or the file changed since the view was made; run the feature extraction again.");
            yield return new CachedClipRow
            {
                Features = features,
                Label = index.TryGetValue(clip.Genre, out uint k) ? k : uint.MaxValue,
                Genre = clip.Genre,
                Split = clip.Split?.ToName() ?? "",
                Path = clip.Path,
                Artist = clip.Artist ?? "",
            };
        }
    }

    private string EntryPath(SourceKey key) => System.IO.Path.Combine(Folder, key.Hash[..2], key.Hash + ".mgf");

    private string FailPath(SourceKey key) => System.IO.Path.Combine(Folder, key.Hash[..2], key.Hash + ".fail");

    private bool HasValidEntry(SourceKey key) => ReadEntry(key, readValues: false) is not null;

    private void Write(SourceKey key, float[] features)
    {
        using var buffer = new MemoryStream(64 + key.Path.Length * 3 + features.Length * (Precision == FeaturePrecision.Half ? 2 : 4));
        using (var w = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(FormatVersion);
            w.Write(Settings.Fingerprint);
            w.Write(key.Path);
            w.Write(key.Size);
            w.Write(key.Ticks);
            w.Write((byte)(Precision == FeaturePrecision.Half ? 16 : 32));
            w.Write(Mels);
            w.Write(Frames);
            if (Precision == FeaturePrecision.Half)
            {
                var half = new Half[features.Length];
                for (int i = 0; i < half.Length; i++)
                    half[i] = (Half)features[i];
                w.Write(MemoryMarshal.AsBytes(half.AsSpan()));
            }
            else
            {
                w.Write(MemoryMarshal.AsBytes(features.AsSpan()));
            }
        }
        WriteAtomically(EntryPath(key), buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    /// <summary>Reads an entry; null when it is missing, stale, foreign or damaged. Without values only the header is checked.</summary>
    private float[]? ReadEntry(SourceKey key, bool readValues)
    {
        string path = EntryPath(key);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        using (stream)
        using (var r = new BinaryReader(stream, Encoding.UTF8))
        {
            try
            {
                if (!r.ReadBytes(4).AsSpan().SequenceEqual(Magic) || r.ReadInt32() != FormatVersion || r.ReadString() != Settings.Fingerprint
                    || r.ReadString() != key.Path || r.ReadInt64() != key.Size || r.ReadInt64() != key.Ticks)
                    return null;
                int bits = r.ReadByte();
                int rows = r.ReadInt32(), cols = r.ReadInt32();
                if (rows != Mels || cols != Frames || bits is not (16 or 32))
                    return null;
                int count = rows * cols;
                if (stream.Length - stream.Position != (long)count * (bits / 8))
                    return null;
                if (!readValues)
                    return Array.Empty<float>();
                var values = new float[count];
                if (bits == 32)
                {
                    stream.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
                }
                else
                {
                    var half = new Half[count];
                    stream.ReadExactly(MemoryMarshal.AsBytes(half.AsSpan()));
                    for (int i = 0; i < count; i++)
                        values[i] = (float)half[i];
                }
                return values;
            }
            catch (EndOfStreamException)
            {
                return null;
            }
        }
    }

    /// <summary>Writes to a unique temporary file next to <paramref name="path"/>, then renames it into place.</summary>
    private static void WriteAtomically(string path, ReadOnlySpan<byte> bytes)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        string temp = string.Create(CultureInfo.InvariantCulture, $"{path}.{Environment.ProcessId}.{Environment.CurrentManagedThreadId}.tmp");
        try
        {
            using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
                file.Write(bytes);
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>The identity of a source file: full path, size and last-write time (UTC ticks), and their SHA-256.</summary>
    private readonly record struct SourceKey(string Path, long Size, long Ticks, string Hash)
    {
        public static bool TryGet(string fullPath, out SourceKey key, out string? problem)
        {
            var info = new FileInfo(fullPath);
            if (!info.Exists)
            {
                key = default;
                problem = Directory.Exists(fullPath) ? $"'{fullPath}' is a folder, not an audio file." : $"'{fullPath}' does not exist.";
                return false;
            }
            long ticks = info.LastWriteTimeUtc.Ticks;
            string text = string.Create(CultureInfo.InvariantCulture, $"{fullPath}\n{info.Length}\n{ticks}");
            key = new SourceKey(fullPath, info.Length, ticks, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text))));
            problem = null;
            return true;
        }
    }
}
