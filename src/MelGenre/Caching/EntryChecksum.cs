using System;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;

namespace MelGenre.Caching;

/// <summary>
/// The SHA-256 that ends every cache entry (format 2 and later), over all the bytes before it: header and values. An entry
/// whose checksum does not match (bytes overwritten, a half-written copy from another tool, a bad sector) is never
/// served; <see cref="ClipStore.Build"/> recomputes it and reports it in <see cref="FeatureCacheReport.Repaired"/>.
/// SHA-256 rather than a CRC because .NET has it built in and hardware-accelerated: 0.1-0.5 ms per 165-KB entry.
/// </summary>
internal static class EntryChecksum
{
    /// <summary>Bytes of the checksum at the end of an entry.</summary>
    public const int Length = 32;

    /// <summary>Appends the checksum of everything in <paramref name="buffer"/> so far.</summary>
    public static void Append(MemoryStream buffer)
    {
        var hash = SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        buffer.Write(hash);
    }

    /// <summary>True when <paramref name="entry"/> ends with the checksum of the bytes before it.</summary>
    public static bool Verify(ReadOnlySpan<byte> entry)
    {
        if (entry.Length < Length)
            return false;
        Span<byte> hash = stackalloc byte[Length];
        SHA256.HashData(entry[..^Length], hash);
        return hash.SequenceEqual(entry[^Length..]);
    }
}

/// <summary>Checks that features are finite (and, for float16 storage, representable) before they are cached or used.</summary>
internal static class FeatureValues
{
    /// <summary>Largest finite float16.</summary>
    private const float HalfMax = 65504f;

    /// <summary>Index of the first value that is NaN or infinite (or beyond float16's range when <paramref name="half"/>), or -1.</summary>
    public static int FirstBad(ReadOnlySpan<float> values, bool half = false)
    {
        for (int i = 0; i < values.Length; i++)
        {
            float v = values[i];
            if (!float.IsFinite(v) || (half && Math.Abs(v) > HalfMax))
                return i;
        }
        return -1;
    }

    /// <summary>Throws <see cref="InvalidDataException"/> naming <paramref name="path"/> when a value is not finite.</summary>
    /// <param name="path">The audio file the values were computed from.</param>
    /// <param name="values">The features.</param>
    /// <param name="half">Whether they will be stored as float16.</param>
    public static void RequireFinite(string path, float[] values, bool half = false)
    {
        int i = FirstBad(values, half);
        if (i < 0)
            return;
        int bad = 0;
        foreach (float v in values)
            bad += float.IsFinite(v) ? 0 : 1;
        if (bad == 0)
        {
            throw new InvalidDataException(string.Format(CultureInfo.InvariantCulture,
                "'{0}': feature value {1} ({2:G4}) does not fit the float16 cache; use single precision (--precision single).", path, i, values[i]));
        }
        throw new InvalidDataException(string.Format(CultureInfo.InvariantCulture,
            "'{0}': {1} of its {2} feature values are not finite (first: value {3} = {4}); the audio holds samples far beyond +/-1 " +
            "(e.g. a float WAV with values like 1e30), which overflow the spectrogram. The file is left out.", path, bad, values.Length, i, values[i]));
    }
}
