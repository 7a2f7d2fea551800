using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;

namespace MelGenre.Datasets;

/// <summary>
/// Part <see cref="Index"/> of <see cref="Count"/> disjoint, deterministic parts of a dataset, for spreading feature
/// extraction over many processes or machines (a Slurm array task, a Kubernetes Indexed Job pod) that share one cache.
/// </summary>
/// <remarks>
/// A clip belongs to shard <c>h mod Count</c>, where <c>h</c> is the first 8 bytes (big-endian) of the SHA-256 of its
/// <see cref="KeyOf">key</see>: its path relative to the dataset root, with <c>/</c> separators, in Unicode form C.
/// The assignment therefore depends only on that relative path and <see cref="Count"/>: not on the machine, the
/// process, the thread count, the order of the clips, the other clips in the dataset, or where the dataset is
/// mounted. (.NET's <see cref="string.GetHashCode()"/> is randomised per process and is not used.) Every clip is in
/// exactly one shard of a given count, and the shards are balanced up to the randomness of a hash: for <c>n</c>
/// clips, each holds about <c>n / Count</c>, give or take a few <c>sqrt(n / Count)</c>.
/// Immutable and thread-safe.
/// </remarks>
public sealed class DatasetShard : IEquatable<DatasetShard>
{
    /// <summary>Creates shard <paramref name="index"/> of <paramref name="count"/>.</summary>
    /// <param name="index">The shard, 0-based: 0 &lt;= index &lt; count.</param>
    /// <param name="count">The number of shards, at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">The count is below 1 or the index is outside [0, count).</exception>
    public DatasetShard(int index, int count)
    {
        if (count < 1)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"The shard count must be at least 1, got {count}.");
        if (index < 0 || index >= count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"The shard index must be in 0..{count - 1} for {count} shard(s), got {index}.");
        Index = index;
        Count = count;
    }

    /// <summary>The shard, 0-based.</summary>
    public int Index { get; }

    /// <summary>The number of shards.</summary>
    public int Count { get; }

    /// <summary>The single shard 0/1, which holds every clip.</summary>
    public static DatasetShard All { get; } = new(0, 1);

    /// <summary>Parses <c>i/N</c> (e.g. <c>3/8</c>): whole decimal numbers, 0 &lt;= i &lt; N, N &gt;= 1, blanks around the numbers allowed.</summary>
    /// <param name="text">The text.</param>
    /// <param name="shard">The shard, or null when the text is not valid.</param>
    /// <param name="error">Why the text is not valid, in one line; null when it is.</param>
    /// <returns>True when the text is a valid shard.</returns>
    public static bool TryParse(string? text, out DatasetShard? shard, out string? error)
    {
        shard = null;
        string t = (text ?? "").Trim();
        int slash = t.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !TryParseCount(t[..slash], out int index) || !TryParseCount(t[(slash + 1)..], out int count))
        {
            error = $"'{text}' is not a shard: expected i/N with whole numbers, e.g. 0/4 (the first of 4 shards).";
            return false;
        }
        if (count < 1)
        {
            error = $"Shard '{text}': the shard count N must be at least 1.";
            return false;
        }
        if (index < 0 || index >= count)
        {
            error = $"Shard '{text}': the index i must be in 0..{count - 1} for {count} shard(s) (indices start at 0).";
            return false;
        }
        shard = new DatasetShard(index, count);
        error = null;
        return true;
    }

    /// <summary>Parses <c>i/N</c>; see <see cref="TryParse"/>.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The shard.</returns>
    /// <exception cref="FormatException">The text is not a valid shard (the message says why).</exception>
    public static DatasetShard Parse(string text)
        => TryParse(text, out var shard, out string? error) ? shard! : throw new FormatException(error);

    /// <summary>
    /// The key a clip is sharded by: <paramref name="path"/> relative to <paramref name="root"/> (both made absolute),
    /// with <c>/</c> as the separator and in Unicode normalisation form C, so that the same dataset gives the same keys
    /// on Windows, Linux and macOS and wherever it is mounted. A path outside the root keeps its <c>../</c> steps.
    /// </summary>
    /// <param name="path">The clip's audio file.</param>
    /// <param name="root">The dataset root: the folder-per-genre root, the folder a CSV's relative paths are resolved
    /// against, or FMA's audio folder.</param>
    /// <returns>The key, e.g. <c>rock/track01.mp3</c>.</returns>
    public static string KeyOf(string path, string root)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(root);
        string relative = Path.GetRelativePath(Path.GetFullPath(root), Path.GetFullPath(path));
        return relative.Replace('\\', '/').Normalize(NormalizationForm.FormC);
    }

    /// <summary>The shard (0-based) of <paramref name="key"/> among <paramref name="count"/> shards.</summary>
    /// <param name="key">A clip's key (<see cref="KeyOf"/>), compared ordinally: keys differing in case are different clips.</param>
    /// <param name="count">The number of shards, at least 1.</param>
    /// <returns>The shard index in [0, count).</returns>
    /// <exception cref="ArgumentOutOfRangeException">The count is below 1.</exception>
    public static int ShardOf(string key, int count)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), hash);
        return (int)(BinaryPrimitives.ReadUInt64BigEndian(hash) % (ulong)count);
    }

    /// <summary>True when the clip with key <paramref name="key"/> (<see cref="KeyOf"/>) is in this shard.</summary>
    /// <param name="key">The clip's key.</param>
    /// <returns>Whether this shard holds it.</returns>
    public bool Contains(string key) => ShardOf(key, Count) == Index;

    /// <summary>The clips of this shard, in their given order.</summary>
    /// <param name="clips">All clips of the dataset (or any subset: each clip's shard depends on itself alone).</param>
    /// <param name="root">The dataset root the keys are relative to (<see cref="KeyOf"/>).</param>
    /// <returns>The clips whose key falls in this shard.</returns>
    public IReadOnlyList<GenreClip> Select(IEnumerable<GenreClip> clips, string root)
    {
        ArgumentNullException.ThrowIfNull(clips);
        ArgumentNullException.ThrowIfNull(root);
        string fullRoot = Path.GetFullPath(root);
        return clips.Where(c => Contains(KeyOf(c.Path, fullRoot))).ToArray();
    }

    /// <summary>The shard as <c>i/N</c>, the form <see cref="Parse"/> reads.</summary>
    /// <returns>E.g. <c>3/8</c>.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");

    /// <inheritdoc/>
    public bool Equals(DatasetShard? other) => other is not null && other.Index == Index && other.Count == Count;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as DatasetShard);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Index, Count);

    private static bool TryParseCount(string text, out int value)
        => int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
}
