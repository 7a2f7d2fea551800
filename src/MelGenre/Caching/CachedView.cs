using System;
using System.Buffers;
using System.IO;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.ML;

namespace MelGenre.Caching;

internal sealed partial class ClipStore
{
    /// <summary>
    /// Reads the entry of <paramref name="key"/> into <paramref name="destination"/> (Rows x Cols float32 values,
    /// float16 entries widened), verifying header, checksum and finiteness like every other read. <paramref name="scratch"/>
    /// is a reusable byte buffer (grown when too small) so that no per-entry array is allocated.
    /// </summary>
    /// <returns>False when the entry is missing, stale, foreign or damaged.</returns>
    private bool TryReadInto(SourceKey key, ref byte[] scratch, Span<float> destination)
    {
        if (destination.Length != Rows * Cols)
            throw new ArgumentException($"The destination holds {destination.Length} values, an entry {Rows * Cols}.", nameof(destination));
        int length;
        try
        {
            using var stream = new FileStream(EntryPath(key), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1, FileOptions.SequentialScan);
            if (stream.Length > int.MaxValue)
                return false;
            length = (int)stream.Length;
            if (scratch.Length < length)
                scratch = new byte[length];
            stream.ReadExactly(scratch, 0, length);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or EndOfStreamException)
        {
            return false;
        }
        var bytes = scratch.AsSpan(0, length);
        using var memory = new MemoryStream(scratch, 0, length, writable: false);
        using var r = new BinaryReader(memory, Encoding.UTF8);
        try
        {
            if (HeaderState(r, key, length, out int bits) != EntryState.Valid || !EntryChecksum.Verify(bytes))
                return false;
            var values = bytes.Slice((int)memory.Position, destination.Length * (bits / 8));
            if (bits == 32)
                MemoryMarshal.Cast<byte, float>(values).CopyTo(destination);
            else
                Widen(MemoryMarshal.Cast<byte, Half>(values), destination);
            return FeatureValues.FirstBad(destination) < 0;
        }
        catch (EndOfStreamException)
        {
            return false;
        }
    }

    /// <summary>float16 -> float32, the same conversion as the data view's (so both paths give identical values).</summary>
    private static void Widen(ReadOnlySpan<Half> source, Span<float> destination)
    {
        for (int i = 0; i < source.Length; i++)
            destination[i] = (float)source[i];
    }

    /// <summary>
    /// What a view made by <see cref="LoadDataView"/> serves, kept beside the view so that a trainer given that very
    /// view can read its entries by index (random access, no materialised values) instead of through the cursor.
    /// Registered in a <see cref="ConditionalWeakTable{TKey, TValue}"/>: it lives exactly as long as the view does.
    /// </summary>
    internal sealed class CachedView
    {
        private static readonly ConditionalWeakTable<IDataView, CachedView> Views = new();
        private readonly ClipStore _store;
        private readonly (SourceKey Key, uint Label, string Path)[] _rows;

        private CachedView(ClipStore store, (SourceKey, uint, string)[] rows)
        {
            _store = store;
            _rows = rows;
        }

        internal static void Register(IDataView view, ClipStore store, object rows)
            => Views.AddOrUpdate(view, new CachedView(store, ((SourceKey, uint, string)[])rows));

        /// <summary>The cache's own description of <paramref name="view"/>, when it is a view the cache made (not a
        /// transform of one).</summary>
        public static bool TryGet(IDataView view, out CachedView? cached) => Views.TryGetValue(view, out cached);

        /// <summary>Rows of the view, in its order.</summary>
        public int Count => _rows.Length;

        /// <summary>Values per entry (rows x columns).</summary>
        public int Size => _store.Rows * _store.Cols;

        /// <summary>Zero-based genre index of row <paramref name="row"/>, or null for a genre not in the list (the
        /// view's missing key).</summary>
        public long? Label(int row) => _rows[row].Label == uint.MaxValue ? null : _rows[row].Label;

        /// <summary>The audio file of row <paramref name="row"/>.</summary>
        public string Path(int row) => _rows[row].Path;

        /// <summary>Decodes row <paramref name="row"/>'s features into <paramref name="destination"/>; throws, as the
        /// view's cursor does, when the entry disappeared or is damaged.</summary>
        public void Read(int row, ref byte[] scratch, Span<float> destination)
        {
            if (!_store.TryReadInto(_rows[row].Key, ref scratch, destination))
                throw new InvalidDataException($"The cached features of '{_rows[row].Path}' disappeared, are damaged or the file changed since the view was made; run the feature extraction again (it recomputes them).");
        }
    }
}
