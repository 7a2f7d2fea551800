using System;
using System.Collections.Generic;
using MelGenre.Persistence;
using MelGenre.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MelGenre.Transforms;

/// <summary>Schema checks and annotations shared by the feature transforms, with ML.NET's wording.</summary>
internal static class FeatureSchema
{
    /// <summary>ML.NET's annotation kind for slot names.</summary>
    public const string SlotNamesKind = "SlotNames";

    /// <summary>
    /// Binds a mono audio column: a known-size, one-dimensional vector of Single whose <c>SampleRate</c> annotation (when
    /// present, as LoadAudio writes it) equals <paramref name="sampleRate"/>. Returns the column index and its length.
    /// </summary>
    public static (int Index, int Samples) BindAudio(DataViewSchema schema, string name, int sampleRate, string component)
    {
        var input = SchemaErrors.Find(schema, name);
        if (input.Type is not VectorDataViewType vec || vec.ItemType != NumberDataViewType.Single || !vec.IsKnownSize)
            throw SchemaErrors.Mismatch(name, "known-size Vector<Single>", input.Type.ToString()!);
        if (vec.Dimensions.Length != 1)
            throw SchemaErrors.Mismatch(name, "Vector<Single, N> (one dimension: mono samples)", input.Type.ToString()!);
        var annotation = input.Annotations.Schema.GetColumnOrNull(AudioLoadingTransformer.SampleRateAnnotation);
        if (annotation is not null && annotation.Value.Type == NumberDataViewType.Int32)
        {
            int rate = 0;
            input.Annotations.GetValue(AudioLoadingTransformer.SampleRateAnnotation, ref rate);
            if (rate != sampleRate)
            {
                throw new ArgumentOutOfRangeException("inputSchema",
                    $"Schema mismatch for input column '{name}': its audio is at {rate} Hz ({AudioLoadingTransformer.SampleRateAnnotation} annotation) but {component} is configured for SampleRate = {sampleRate} Hz");
            }
        }

        return (input.Index, vec.Size);
    }

    /// <summary>
    /// Binds a <c>[row, frame]</c> feature column: a known-size vector of Single with two dimensions (or one, read as a
    /// single row). Returns the column index, rows and frames.
    /// </summary>
    public static (int Index, int Rows, int Frames) BindMatrix(DataViewSchema schema, string name, string expected)
    {
        var input = SchemaErrors.Find(schema, name);
        if (input.Type is not VectorDataViewType vec || vec.ItemType != NumberDataViewType.Single || !vec.IsKnownSize)
            throw SchemaErrors.Mismatch(name, expected, input.Type.ToString()!);
        return vec.Dimensions.Length switch
        {
            1 => (input.Index, 1, vec.Dimensions[0]),
            2 => (input.Index, vec.Dimensions[0], vec.Dimensions[1]),
            _ => throw SchemaErrors.Mismatch(name, expected, input.Type.ToString()!),
        };
    }

    /// <summary>
    /// Frames of <paramref name="samples"/> input samples, or the schema error ML.NET users expect when the input is too
    /// short for the settings.
    /// </summary>
    public static int FrameCount(string inputColumnName, int samples, Func<int, int> frameCount)
    {
        try
        {
            return frameCount(samples);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentOutOfRangeException("inputSchema", $"Input column '{inputColumnName}' has {samples} samples, too few for these settings: {ex.Message}");
        }
    }

    /// <summary>Checks that a schema-shape column is a known-size vector of Single (what estimators can see).</summary>
    public static void RequireVector(SchemaShape inputSchema, string name)
    {
        var input = SchemaErrors.Find(inputSchema, name);
        if (input.Kind != SchemaShape.Column.VectorKind.Vector || input.ItemType != NumberDataViewType.Single)
            throw SchemaErrors.Mismatch(name, "known-size Vector<Single>", SchemaErrors.Describe(input));
    }

    /// <summary>The output shape of a vector column of Single, with slot names when <paramref name="slotNames"/>.</summary>
    public static SchemaShape.Column VectorColumn(string name, bool slotNames)
    {
        SchemaShape? annotations = slotNames
            ? new SchemaShape(new[] { Persistence.MlNetBridge.CreateColumn(SlotNamesKind, SchemaShape.Column.VectorKind.Vector, TextDataViewType.Instance, false) })
            : null;
        return Persistence.MlNetBridge.CreateColumn(name, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false, annotations);
    }

    /// <summary>Annotations holding <paramref name="names"/> as the slot names of a vector column.</summary>
    public static DataViewSchema.Annotations SlotNames(IReadOnlyList<string> names)
    {
        var builder = new DataViewSchema.Annotations.Builder();
        builder.Add(SlotNamesKind, new VectorDataViewType(TextDataViewType.Instance, names.Count), (ValueGetter<VBuffer<ReadOnlyMemory<char>>>)((ref VBuffer<ReadOnlyMemory<char>> dst) =>
        {
            var editor = VBufferEditor.Create(ref dst, names.Count);
            for (int i = 0; i < names.Count; i++)
                editor.Values[i] = names[i].AsMemory();
            dst = editor.Commit();
        }));
        return builder.ToAnnotations();
    }
}
