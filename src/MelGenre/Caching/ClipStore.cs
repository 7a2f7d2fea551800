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
using MelGenre.Audio;
using MelGenre.Datasets;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MelGenre.Caching;

/// <summary>
/// The storage behind <see cref="FeatureCache"/> and <see cref="FmaFeatureCache"/>: one file of <c>rows × cols</c> values
/// per source file, under <c>&lt;folder&gt;/&lt;2 hex&gt;/&lt;key&gt;.mgf</c>, keyed by the source's full path, size and
/// last-write time; atomic writes, <c>.fail</c> markers for files that cannot be decoded, parallel builds with progress.
/// Both caches share it so that they follow exactly the same resume, invalidation and failure rules. Thread-safe.
/// </summary>
internal sealed partial class ClipStore
{
    // 1: header (magic, version, fingerprint, source path/size/ticks, precision, rows, cols) + values.
    // 2: the same + a SHA-256 of all the bytes before it (EntryChecksum); the source is the symlink's final target.
    //    Version-1 entries are stale (recomputed, not reported as damaged).
    private const int FormatVersion = 2;
    private static readonly byte[] Magic = "MGFC"u8.ToArray();

    private readonly Func<string, float[]> _compute;

    /// <param name="folder">The folder of this settings' entries (created).</param>
    /// <param name="fingerprint">The settings' fingerprint, repeated in every entry's header.</param>
    /// <param name="describe">The settings in words, written once to <c>settings.txt</c>.</param>
    /// <param name="rows">Rows of each entry.</param>
    /// <param name="cols">Columns of each entry.</param>
    /// <param name="precision">How values are stored.</param>
    /// <param name="compute">Computes an entry from an audio file; throws <see cref="IOException"/> (e.g. AudioDecodeException),
    /// <see cref="InvalidDataException"/> or <see cref="ArgumentException"/> for a file that cannot be used.</param>
    public ClipStore(string folder, string fingerprint, string describe, int rows, int cols, FeaturePrecision precision, Func<string, float[]> compute)
    {
        Folder = folder;
        Fingerprint = fingerprint;
        Rows = rows;
        Cols = cols;
        Precision = precision;
        _compute = compute;
        Directory.CreateDirectory(Folder);
        string settingsText = System.IO.Path.Combine(Folder, "settings.txt");
        if (!File.Exists(settingsText))
            WriteAtomically(settingsText, Encoding.UTF8.GetBytes(describe.Replace("; ", "\n", StringComparison.Ordinal) + "\n"));
    }

    public string Folder { get; }

    public string Fingerprint { get; }

    public int Rows { get; }

    public int Cols { get; }

    public FeaturePrecision Precision { get; }

    public FeatureCacheReport Build(IEnumerable<GenreClip> clips, FeatureCacheBuildOptions? options)
    {
        ArgumentNullException.ThrowIfNull(clips);
        options ??= new FeatureCacheBuildOptions();
        var paths = clips.Select(c => System.IO.Path.GetFullPath(c.Path)).Distinct(StringComparer.Ordinal).ToArray();
        var failures = new List<FeatureFailure>();
        var pending = new List<(string Path, SourceKey Key)>();
        var repaired = new List<FeatureFailure>();
        int reused = 0;
        foreach (string path in paths)
        {
            if (!SourceKey.TryGet(path, out var key, out string? missing))
            {
                failures.Add(new FeatureFailure(path, missing!));
                continue;
            }
            var state = Inspect(key);
            if (state == EntryState.Valid)
            {
                reused++;
                continue;
            }
            if (state == EntryState.Damaged)
                repaired.Add(new FeatureFailure(path, $"the cached features of '{path}' were damaged (checksum mismatch, truncated or non-finite values) and are recomputed."));
            string fail = FailPath(key);
            if (!options.RetryFailures && File.Exists(fail))
            {
                failures.Add(new FeatureFailure(path, File.ReadAllText(fail).Trim()) { FromEarlierRun = true });
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
        // One item at a time in input order: clips cost about the same, and chunking would leave a core idle at the end.
        Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(pending, loadBalance: true), parallel, item =>
        {
            var (path, key) = item;
            float[]? values = null;
            try
            {
                values = _compute(path);
                FeatureValues.RequireFinite(path, values, Precision == FeaturePrecision.Half);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException)
            {
                // A file that cannot be decoded (AudioDecodeException is an IOException) is reported, not fatal.
                string reason = e.Message.ReplaceLineEndings(" ");
                values = null;
                newFailures.Add(new FeatureFailure(path, reason));
                WriteAtomically(FailPath(key), Encoding.UTF8.GetBytes(reason + "\n"));
                Interlocked.Increment(ref failed);
            }
            if (values is not null)
            {
                Write(key, values); // errors writing the cache itself (disk full, permissions) are fatal
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
            Repaired = repaired.Where(r => !newFailures.Any(f => f.Path == r.Path)).OrderBy(r => r.Path, StringComparer.Ordinal).ToArray(),
            Elapsed = watch.Elapsed,
        };
    }

    public bool Contains(string audioPath)
        => SourceKey.TryGet(System.IO.Path.GetFullPath(audioPath), out var key, out _) && HasValidEntry(key);

    public bool TryRead(string audioPath, out float[]? values)
    {
        values = null;
        if (!SourceKey.TryGet(System.IO.Path.GetFullPath(audioPath), out var key, out _))
            return false;
        values = ReadEntry(key, readValues: true);
        return values is not null;
    }

    /// <summary>The rows of <see cref="CachedClipRow"/> as a data view; <paramref name="slotNames"/>, when given, annotate the feature column.</summary>
    public IDataView LoadDataView(MLContext mlContext, IEnumerable<GenreClip> clips, IReadOnlyList<string> genres, VectorDataViewType featureType,
        IReadOnlyList<string>? slotNames)
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
        var features = schema[nameof(CachedClipRow.Features)];
        features.ColumnType = featureType;
        if (slotNames is not null)
        {
            var slots = new VBuffer<ReadOnlyMemory<char>>(slotNames.Count, slotNames.Select(s => s.AsMemory()).ToArray());
            features.AddAnnotation("SlotNames", slots, new VectorDataViewType(TextDataViewType.Instance, slotNames.Count));
        }
        var label = schema[nameof(CachedClipRow.Label)];
        label.ColumnType = new KeyDataViewType(typeof(uint), genres.Count);
        var names = new VBuffer<ReadOnlyMemory<char>>(genres.Count, genres.Select(g => g.AsMemory()).ToArray());
        label.AddAnnotation("KeyValues", names, new VectorDataViewType(TextDataViewType.Instance, genres.Count));
        var view = mlContext.Data.LoadFromEnumerable(RowsOf(present, index), schema);
        CachedView.Register(view, this, present.Select(p => (p.Key, index.TryGetValue(p.Clip.Genre, out uint k) ? k : uint.MaxValue, p.Clip.Path)).ToArray());
        return view;
    }

    private IEnumerable<CachedClipRow> RowsOf(List<(GenreClip Clip, SourceKey Key)> clips, Dictionary<string, uint> index)
    {
        foreach (var (clip, key) in clips)
        {
            float[] features = ReadEntry(key, readValues: true)
                ?? throw new InvalidDataException($"The cached features of '{clip.Path}' disappeared, are damaged or the file changed since the view was made; run the feature extraction again (it recomputes them).");
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

    /// <summary>
    /// Whether a current entry is there, judged by its header and length only (cheap: <see cref="Contains"/> and the view's
    /// scan). Its checksum is verified by <see cref="Build"/> and by every read of its values.
    /// </summary>
    private bool HasValidEntry(SourceKey key)
    {
        try
        {
            using var stream = new FileStream(EntryPath(key), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 4096);
            using var r = new BinaryReader(stream, Encoding.UTF8);
            return HeaderState(r, key, stream.Length, out _) == EntryState.Valid;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or EndOfStreamException)
        {
            return false;
        }
    }

    /// <summary>Checks the header against <paramref name="key"/> and the file's length; Valid means "values follow, unverified".</summary>
    private EntryState HeaderState(BinaryReader r, SourceKey key, long length, out int bits)
    {
        bits = 0;
        if (!r.ReadBytes(4).AsSpan().SequenceEqual(Magic) || r.ReadInt32() != FormatVersion)
            return EntryState.Stale;
        if (r.ReadString() != Fingerprint || r.ReadString() != key.Path || r.ReadInt64() != key.Size || r.ReadInt64() != key.Ticks)
            return EntryState.Stale;
        bits = r.ReadByte();
        int rows = r.ReadInt32(), cols = r.ReadInt32();
        if (rows != Rows || cols != Cols || bits is not (16 or 32))
            return EntryState.Stale;
        return length - r.BaseStream.Position == (long)rows * cols * (bits / 8) + EntryChecksum.Length ? EntryState.Valid : EntryState.Damaged;
    }

    private enum EntryState
    {
        Missing,
        Stale,
        Damaged,
        Valid,
    }

    /// <summary>Whether the entry of <paramref name="key"/> is there and intact (checksum verified); stale = another format or source.</summary>
    private EntryState Inspect(SourceKey key)
    {
        var bytes = ReadBytes(EntryPath(key));
        return bytes is null ? EntryState.Missing : Parse(bytes, key, out _);
    }

    private void Write(SourceKey key, float[] values)
    {
        if (values.Length != Rows * Cols)
            throw new InvalidOperationException($"Cache entry of {values.Length} values, expected {Rows} x {Cols}.");
        using var buffer = new MemoryStream(64 + key.Path.Length * 3 + values.Length * (Precision == FeaturePrecision.Half ? 2 : 4));
        using (var w = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(FormatVersion);
            w.Write(Fingerprint);
            w.Write(key.Path);
            w.Write(key.Size);
            w.Write(key.Ticks);
            w.Write((byte)(Precision == FeaturePrecision.Half ? 16 : 32));
            w.Write(Rows);
            w.Write(Cols);
            if (Precision == FeaturePrecision.Half)
            {
                var half = new Half[values.Length];
                for (int i = 0; i < half.Length; i++)
                    half[i] = (Half)values[i];
                w.Write(MemoryMarshal.AsBytes(half.AsSpan()));
            }
            else
            {
                w.Write(MemoryMarshal.AsBytes(values.AsSpan()));
            }
        }
        EntryChecksum.Append(buffer);
        WriteAtomically(EntryPath(key), buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    /// <summary>Reads an entry; null when it is missing, stale, foreign or damaged. Every read verifies the checksum.</summary>
    private float[]? ReadEntry(SourceKey key, bool readValues)
    {
        var bytes = ReadBytes(EntryPath(key));
        if (bytes is null || Parse(bytes, key, out var values) != EntryState.Valid)
            return null;
        return readValues ? values : Array.Empty<float>();
    }

    private static byte[]? ReadBytes(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16);
            var bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
            return bytes;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or EndOfStreamException)
        {
            return null;
        }
    }

    /// <summary>Checks an entry's header against <paramref name="key"/>, its checksum and its values.</summary>
    private EntryState Parse(byte[] bytes, SourceKey key, out float[]? values)
    {
        values = null;
        using var stream = new MemoryStream(bytes, writable: false);
        using var r = new BinaryReader(stream, Encoding.UTF8);
        try
        {
            var header = HeaderState(r, key, bytes.Length, out int bits);
            if (header != EntryState.Valid)
                return header;
            if (!EntryChecksum.Verify(bytes))
                return EntryState.Damaged;
            int count = Rows * Cols;
            var span = bytes.AsSpan((int)stream.Position, count * (bits / 8));
            var result = new float[count];
            if (bits == 32)
            {
                MemoryMarshal.Cast<byte, float>(span).CopyTo(result);
            }
            else
            {
                var half = MemoryMarshal.Cast<byte, Half>(span);
                for (int i = 0; i < count; i++)
                    result[i] = (float)half[i];
            }
            if (FeatureValues.FirstBad(result) >= 0)
                return EntryState.Damaged;
            values = result;
            return EntryState.Valid;
        }
        catch (EndOfStreamException)
        {
            return EntryState.Damaged;
        }
    }

    /// <summary>
    /// Writes to a unique temporary file next to <paramref name="path"/>, then renames it into place. The random part keeps
    /// the name unique across machines sharing the folder (sharded runs; containers all run as process 1).
    /// </summary>
    private static void WriteAtomically(string path, ReadOnlySpan<byte> bytes)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        string temp = string.Create(CultureInfo.InvariantCulture, $"{path}.{Environment.ProcessId}.{Environment.CurrentManagedThreadId}.{Guid.NewGuid():N}.tmp");
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

    /// <summary>
    /// The identity of a source file: full path, size and last-write time (UTC ticks), and their SHA-256. A symbolic link
    /// is followed to its final target, whose path, size and time are the key (the link's own never change when the
    /// file it points to is replaced).
    /// </summary>
    private readonly record struct SourceKey(string Path, long Size, long Ticks, string Hash)
    {
        public static bool TryGet(string fullPath, out SourceKey key, out string? problem)
        {
            var info = SymbolicLinks.ResolveFile(fullPath);
            fullPath = info.FullName;
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
