using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace MelGenre.Tests.Dsp;

/// <summary>One entry of a golden <c>manifest.json</c>.</summary>
internal sealed record GoldenEntry(string Name, int[] Shape, string? Call, string? Input, int? SampleRate, string? What)
{
    /// <summary>Number of values implied by <see cref="Shape"/>.</summary>
    public int Count => Shape.Aggregate(1, (a, b) => a * b);
}

/// <summary>
/// Reads the golden reference outputs copied next to the test assembly (raw little-endian float32, C order, described
/// by <c>manifest.json</c>). Shared by every test project area; default set is <c>Golden/librosa-0.11/</c>.
/// </summary>
internal static class GoldenData
{
    public const string Librosa011 = "librosa-0.11";

    private static readonly Dictionary<string, IReadOnlyDictionary<string, GoldenEntry>> Manifests = new(StringComparer.Ordinal);
    private static readonly object Gate = new();

    /// <summary>Directory of a golden set in the test output folder.</summary>
    public static string DirectoryOf(string set = Librosa011) => Path.Combine(AppContext.BaseDirectory, "Golden", set);

    /// <summary>Full path of a golden file; <paramref name="name"/> may omit the <c>.f32</c> extension.</summary>
    public static string PathOf(string name, string set = Librosa011) => Path.Combine(DirectoryOf(set), WithExtension(name));

    /// <summary>Whether the golden file exists.</summary>
    public static bool Exists(string name, string set = Librosa011) => File.Exists(PathOf(name, set));

    /// <summary>Reads a whole <c>.f32</c> file.</summary>
    public static float[] ReadF32(string name, string set = Librosa011)
    {
        byte[] bytes = File.ReadAllBytes(PathOf(name, set));
        if (bytes.Length % sizeof(float) != 0)
        {
            throw new InvalidDataException($"{name}: {bytes.Length} bytes is not a whole number of float32 values.");
        }

        float[] values = MemoryMarshal.Cast<byte, float>(bytes).ToArray();
        if (!BitConverter.IsLittleEndian)
        {
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = BitConverter.Int32BitsToSingle(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(BitConverter.SingleToInt32Bits(values[i])));
            }
        }

        return values;
    }

    /// <summary>Reads a golden file and checks that its size matches the manifest shape.</summary>
    public static (float[] Values, GoldenEntry Entry) Read(string name, string set = Librosa011)
    {
        GoldenEntry entry = Entry(name, set);
        float[] values = ReadF32(name, set);
        if (values.Length != entry.Count)
        {
            throw new InvalidDataException($"{name}: {values.Length} values but the manifest shape [{string.Join(", ", entry.Shape)}] needs {entry.Count}.");
        }

        return (values, entry);
    }

    /// <summary>The manifest entry of a golden file (key with or without <c>.f32</c>).</summary>
    public static GoldenEntry Entry(string name, string set = Librosa011)
    {
        IReadOnlyDictionary<string, GoldenEntry> manifest = Manifest(set);
        if (manifest.TryGetValue(WithExtension(name), out GoldenEntry? e) || manifest.TryGetValue(name, out e))
        {
            return e;
        }

        throw new KeyNotFoundException($"{name} is not described in {set}/manifest.json.");
    }

    /// <summary>All entries of a golden set's manifest, keyed by file name (as written in the manifest).</summary>
    public static IReadOnlyDictionary<string, GoldenEntry> Manifest(string set = Librosa011)
    {
        lock (Gate)
        {
            if (Manifests.TryGetValue(set, out IReadOnlyDictionary<string, GoldenEntry>? cached))
            {
                return cached;
            }

            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(DirectoryOf(set), "manifest.json")));
            var entries = new Dictionary<string, GoldenEntry>(StringComparer.Ordinal);
            foreach (JsonProperty file in doc.RootElement.GetProperty("files").EnumerateObject())
            {
                JsonElement v = file.Value;
                int[] shape = v.TryGetProperty("shape", out JsonElement s) ? s.EnumerateArray().Select(x => x.GetInt32()).ToArray() : [];
                entries[file.Name] = new GoldenEntry(
                    file.Name,
                    shape,
                    v.TryGetProperty("call", out JsonElement c) ? c.GetString() : null,
                    v.TryGetProperty("input", out JsonElement i) ? i.GetString() : null,
                    v.TryGetProperty("sr", out JsonElement sr) ? sr.GetInt32() : null,
                    v.TryGetProperty("what", out JsonElement w) ? w.GetString() : null);
            }

            Manifests[set] = entries;
            return entries;
        }
    }

    private static string WithExtension(string name) => name.EndsWith(".f32", StringComparison.Ordinal) ? name : name + ".f32";
}
