using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Reflection;
using System.Text.Json;

namespace MelGenre.Transforms;

/// <summary>
/// The saved form of MelGenre components inside an ML.NET model zip. Every component writes, after ML.NET's own header:
/// <list type="number">
/// <item><c>int32</c> payload version (1 = MelGenre 0.1.0's JSON of the options; 2 = explicit fields, MelGenre 0.2.0);</item>
/// <item>from version 2 on, the MelGenre version that wrote it (<c>string</c>), so that an older MelGenre can name the
/// version a model needs;</item>
/// <item>the component's fields, one by one, in the order its payload class documents (never a serialised object
/// graph: a renamed or added setting must be an explicit new version with an explicit upgrade of the older ones).</item>
/// </list>
/// </summary>
internal static class Payload
{
    /// <summary>The first payload version that carries the writer's MelGenre version.</summary>
    internal const int FirstVersionWithWriter = 2;

    /// <summary>This MelGenre's version (the assembly's informational version without build metadata).</summary>
    internal static string MelGenreVersion { get; } = ReadMelGenreVersion();

    /// <summary>Writes the version and this MelGenre's version.</summary>
    public static void WriteHeader(BinaryWriter writer, int version)
    {
        writer.Write(version);
        writer.Write(MelGenreVersion);
    }

    /// <summary>Reads the header; refuses unknown versions with a message that says which MelGenre to install.</summary>
    public static int ReadHeader(BinaryReader reader, string component, int currentVersion)
    {
        int version = reader.ReadInt32();
        if (version < 1)
            throw new InvalidDataException($"The saved {component} component has an invalid payload version {version}: the model file is damaged.");
        if (version > currentVersion)
        {
            string writer = version >= FirstVersionWithWriter ? reader.ReadString() : "?";
            throw new InvalidDataException(
                $"The saved {component} component has payload version {version}, written by MelGenre {writer}; this is MelGenre {MelGenreVersion}, " +
                $"which reads versions 1 to {currentVersion}. Update the MelGenre package to {writer} or later to load this model.");
        }
        if (version >= FirstVersionWithWriter)
            _ = reader.ReadString();
        return version;
    }

    /// <summary>Writes a nullable value as a presence flag and the value.</summary>
    public static void WriteNullable(BinaryWriter writer, int? value)
    {
        writer.Write(value.HasValue);
        if (value is int v)
            writer.Write(v);
    }

    /// <inheritdoc cref="WriteNullable(BinaryWriter, int?)"/>
    public static void WriteNullable(BinaryWriter writer, float? value)
    {
        writer.Write(value.HasValue);
        if (value is float v)
            writer.Write(v);
    }

    /// <inheritdoc cref="WriteNullable(BinaryWriter, int?)"/>
    public static void WriteNullable(BinaryWriter writer, string? value)
    {
        writer.Write(value is not null);
        if (value is not null)
            writer.Write(value);
    }

    /// <summary>Reads what <see cref="WriteNullable(BinaryWriter, int?)"/> wrote.</summary>
    public static int? ReadNullableInt32(BinaryReader reader) => reader.ReadBoolean() ? reader.ReadInt32() : null;

    /// <summary>Reads what <see cref="WriteNullable(BinaryWriter, float?)"/> wrote.</summary>
    public static float? ReadNullableSingle(BinaryReader reader) => reader.ReadBoolean() ? reader.ReadSingle() : null;

    /// <summary>Reads what <see cref="WriteNullable(BinaryWriter, string?)"/> wrote.</summary>
    public static string? ReadNullableString(BinaryReader reader) => reader.ReadBoolean() ? reader.ReadString() : null;

    /// <summary>Writes an enum as its <c>int32</c> value.</summary>
    public static void WriteEnum<T>(BinaryWriter writer, T value) where T : struct, Enum => writer.Write(Convert.ToInt32(value, CultureInfo.InvariantCulture));

    /// <summary>Reads an enum written by <see cref="WriteEnum"/>, refusing values this version does not know.</summary>
    public static T ReadEnum<T>(BinaryReader reader, string component) where T : struct, Enum
    {
        int raw = reader.ReadInt32();
        var value = (T)Enum.ToObject(typeof(T), raw);
        if (!Enum.IsDefined(value) && !typeof(T).IsDefined(typeof(FlagsAttribute), false))
            throw new InvalidDataException($"The saved {component} component has an unknown {typeof(T).Name} value {raw}: the model was written by another MelGenre version or is damaged.");
        return value;
    }

    /// <summary>
    /// Version 1 payloads (MelGenre 0.1.0): the options object as JSON. Read strictly: every member must be one that
    /// 0.1.0 wrote (<paramref name="knownMembers"/>), so a damaged or foreign payload fails instead of loading defaults.
    /// </summary>
    public static LegacyJson ReadLegacyJson(BinaryReader reader, string component, IReadOnlyCollection<string> knownMembers)
    {
        string json = reader.ReadString();
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"The saved {component} component (payload version 1) has unreadable parameters: {ex.Message}", ex);
        }
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"The saved {component} component (payload version 1) has no parameters.");
        var known = new HashSet<string>(knownMembers, StringComparer.Ordinal);
        foreach (var member in doc.RootElement.EnumerateObject())
        {
            if (!known.Contains(member.Name))
                throw new InvalidDataException($"The saved {component} component (payload version 1) has an unknown parameter '{member.Name}'.");
        }
        return new LegacyJson(doc.RootElement, component);
    }

    private static string ReadMelGenreVersion()
    {
        var assembly = typeof(Payload).Assembly;
        string? info = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (string.IsNullOrEmpty(info))
            return assembly.GetName().Version?.ToString(3) ?? "0.0.0";
        int plus = info.IndexOf('+', StringComparison.Ordinal);
        return plus >= 0 ? info[..plus] : info;
    }
}

/// <summary>A version-1 (JSON) payload: typed access to its members, each required unless a default is given.</summary>
internal readonly struct LegacyJson
{
    private readonly JsonElement _root;
    private readonly string _component;

    internal LegacyJson(JsonElement root, string component)
    {
        _root = root;
        _component = component;
    }

    private JsonElement Get(string name)
        => _root.TryGetProperty(name, out var value)
            ? value
            : throw new InvalidDataException($"The saved {_component} component (payload version 1) lacks the parameter '{name}'.");

    /// <summary>A string member (null allowed when the JSON holds null).</summary>
    public string? String(string name) => Get(name).ValueKind == JsonValueKind.Null ? null : Get(name).GetString();

    /// <summary>A required non-null string member.</summary>
    public string RequiredString(string name) => String(name) ?? throw new InvalidDataException($"The saved {_component} component (payload version 1) has no value for '{name}'.");

    /// <summary>An int member.</summary>
    public int Int32(string name) => Get(name).GetInt32();

    /// <summary>A nullable int member.</summary>
    public int? NullableInt32(string name) => Get(name).ValueKind == JsonValueKind.Null ? null : Get(name).GetInt32();

    /// <summary>A float member.</summary>
    public float Single(string name) => Get(name).GetSingle();

    /// <summary>A nullable float member.</summary>
    public float? NullableSingle(string name) => Get(name).ValueKind == JsonValueKind.Null ? null : Get(name).GetSingle();

    /// <summary>A double member.</summary>
    public double Double(string name) => Get(name).GetDouble();

    /// <summary>A bool member.</summary>
    public bool Boolean(string name) => Get(name).GetBoolean();

    /// <summary>An enum member (System.Text.Json wrote enums as numbers).</summary>
    public T Enum<T>(string name) where T : struct, System.Enum
    {
        int raw = Get(name).GetInt32();
        var value = (T)System.Enum.ToObject(typeof(T), raw);
        if (!System.Enum.IsDefined(value) && !typeof(T).IsDefined(typeof(FlagsAttribute), false))
            throw new InvalidDataException($"The saved {_component} component (payload version 1) has an unknown {typeof(T).Name} value {raw} for '{name}'.");
        return value;
    }
}
