using System;
using System.IO;
using System.Linq;
using MelGenre.Persistence;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace MelGenre.Transforms;

/// <summary>
/// Base of MelGenre's row-to-row transformers: immutable, thread-safe, lazily computed per row,
/// saveable with <c>mlContext.Model.Save</c>.
/// </summary>
public abstract class MelGenreTransformerBase : ITransformer, ICanSaveModel
{
    private protected MelGenreTransformerBase(IHostEnvironment env, string name)
    {
        ArgumentNullException.ThrowIfNull(env);
        Host = env.Register(name);
    }

    /// <summary>The ML.NET host of this component (logging, exceptions).</summary>
    private protected IHost Host { get; }

    /// <summary>Always true: MelGenre transformers map one row at a time, so they work with PredictionEngine.</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>Validates <paramref name="inputSchema"/> and returns the schema after this transformer.</summary>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return CreateMapper(inputSchema).OutputSchema;
    }

    /// <summary>Returns a lazy view of <paramref name="input"/> with this transformer's columns added.</summary>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return MakeDataView(input, CreateMapper(input.Schema));
    }

    /// <summary>The lazy view <see cref="Transform"/> returns; transformers that batch rows override it.</summary>
    private protected virtual IDataView MakeDataView(IDataView input, ColumnMapper mapper) => new MappedDataView(input, mapper);

    /// <summary>Returns the row-to-row mapper used by <c>PredictionEngine</c> and transformer chains.</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new MappedRowToRowMapper(CreateMapper(inputSchema));
    }

    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        MlNetBridge.SaveModel(ctx, LoaderSignature, writer =>
        {
            Payload.WriteHeader(writer, PayloadVersion);
            SavePayload(writer);
        });
        SaveExtra(ctx);
    }

    /// <summary>Saves additional streams (e.g. network weights) next to the component's model stream.</summary>
    private protected virtual void SaveExtra(ModelSaveContext ctx)
    {
    }

    /// <summary>Binds the mapping to an input schema, validating it with ML.NET's wording.</summary>
    private protected abstract ColumnMapper CreateMapper(DataViewSchema inputSchema);

    /// <summary>Loader signature written into the model header.</summary>
    private protected abstract string LoaderSignature { get; }

    /// <summary>Version of this component's payload (raised when the payload changes; see the component's payload history).</summary>
    private protected abstract int PayloadVersion { get; }

    /// <summary>Writes this component's parameters, field by field, after the header (<see cref="Payload.WriteHeader"/>).</summary>
    private protected abstract void SavePayload(BinaryWriter writer);

    /// <summary>
    /// Opens a saved payload: checks ML.NET's header and the payload version (refusing versions newer than
    /// <paramref name="currentVersion"/> with a message naming the MelGenre version that wrote them).
    /// </summary>
    private protected static BinaryReader OpenPayload(object loadContext, string loaderSignature, int currentVersion, out int version)
    {
        var reader = MlNetBridge.OpenModel(loadContext, loaderSignature);
        version = Payload.ReadHeader(reader, loaderSignature, currentVersion);
        return reader;
    }
}

/// <summary>Schema validation with ML.NET's wording.</summary>
internal static class SchemaErrors
{
    public static ArgumentOutOfRangeException MissingColumn(string columnName, string role = "input")
        => new("inputSchema", $"Could not find {role} column '{columnName}'");

    public static ArgumentOutOfRangeException Mismatch(string columnName, string expected, string actual, string role = "input")
        => new("inputSchema", $"Schema mismatch for {role} column '{columnName}': expected {expected}, got {actual}");

    /// <summary>Finds the visible column named <paramref name="name"/> or throws ML.NET's "Could not find" error.</summary>
    public static DataViewSchema.Column Find(DataViewSchema schema, string name)
        => schema.GetColumnOrNull(name) ?? throw MissingColumn(name);

    /// <summary>Finds the last column named <paramref name="name"/> in a schema shape or throws.</summary>
    public static SchemaShape.Column Find(SchemaShape shape, string name)
    {
        SchemaShape.Column? found = null;
        foreach (var col in shape)
        {
            if (col.Name == name)
                found = col;
        }
        return found ?? throw MissingColumn(name);
    }

    /// <summary>Type string as ML.NET prints it for a schema-shape column.</summary>
    public static string Describe(SchemaShape.Column col) => col.Kind switch
    {
        SchemaShape.Column.VectorKind.Vector => $"Vector<{col.ItemType}>",
        SchemaShape.Column.VectorKind.VariableVector => $"VarVector<{col.ItemType}>",
        _ => col.ItemType.ToString() ?? "?",
    };

    /// <summary>
    /// Estimator schema check of a vector-to-vector transform: the input must be a known-size vector of Single
    /// (at this stage only the kind can be checked), and a same-kind output column is added.
    /// </summary>
    public static SchemaShape AppendSingleVector(SchemaShape inputSchema, string inputColumnName, string outputColumnName, bool slotNames = false)
    {
        FeatureSchema.RequireVector(inputSchema, inputColumnName);
        return Append(inputSchema, FeatureSchema.VectorColumn(outputColumnName, slotNames));
    }

    /// <summary>The input shape plus <paramref name="added"/> (replacing same-named columns).</summary>
    public static SchemaShape Append(SchemaShape input, params SchemaShape.Column[] added)
    {
        var names = added.Select(c => c.Name).ToHashSet();
        return new SchemaShape(input.Where(c => !names.Contains(c.Name)).Concat(added));
    }
}

/// <summary>
/// Base of MelGenre's estimators that need no training: <see cref="Fit"/> builds the transformer from the
/// (already validated) options and checks it against the input schema, so schema errors surface at Fit with
/// the same wording as at <see cref="GetOutputSchema"/>.
/// </summary>
/// <typeparam name="TTransformer">The transformer the estimator produces.</typeparam>
public abstract class MelGenreEstimatorBase<TTransformer> : IEstimator<TTransformer>
    where TTransformer : ITransformer
{
    private readonly IHostEnvironment _env;

    private protected MelGenreEstimatorBase(IHostEnvironment env)
    {
        ArgumentNullException.ThrowIfNull(env);
        _env = env;
    }

    /// <summary>Returns the transformer; the input schema is validated first (column presence, type and shape).</summary>
    public TTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var transformer = CreateTransformer(_env);
        transformer.GetOutputSchema(input.Schema);
        return transformer;
    }

    /// <summary>Checks the input columns (kind and item type: sizes are only known at Fit) and adds the output columns.</summary>
    public abstract SchemaShape GetOutputSchema(SchemaShape inputSchema);

    /// <summary>Creates the transformer for <paramref name="env"/>.</summary>
    private protected abstract TTransformer CreateTransformer(IHostEnvironment env);
}
