using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MelGenre.Transforms;

/// <summary>
/// A transformer's mapping bound to one input schema: which columns it adds, which input columns it
/// reads, and how it computes the added values for one row. Immutable and thread-safe; all mutable
/// scratch lives in the per-cursor <see cref="RowComputation"/>.
/// </summary>
internal abstract class ColumnMapper
{
    protected ColumnMapper(DataViewSchema inputSchema)
    {
        InputSchema = inputSchema;
    }

    /// <summary>The schema the mapper reads.</summary>
    public DataViewSchema InputSchema { get; }

    /// <summary>The columns the mapper appends (in order) to the input schema.</summary>
    public abstract IReadOnlyList<DataViewSchema.DetachedColumn> AddedColumns { get; }

    /// <summary>The input schema followed by <see cref="AddedColumns"/>; same-named input columns become hidden.</summary>
    public DataViewSchema OutputSchema => _outputSchema ??= BuildOutputSchema();

    private DataViewSchema? _outputSchema;

    private DataViewSchema BuildOutputSchema()
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(InputSchema);
        foreach (var col in AddedColumns)
            builder.AddColumn(col.Name, col.Type, col.Annotations);
        return builder.ToSchema();
    }

    /// <summary>Indices (in <see cref="InputSchema"/>) of the input columns needed to compute the active added columns.</summary>
    public abstract IEnumerable<int> GetDependencies(Func<int, bool> isAddedColumnActive);

    /// <summary>Creates the per-cursor computation reading from <paramref name="input"/>.</summary>
    public abstract RowComputation CreateComputation(DataViewRow input, Func<int, bool> isAddedColumnActive);

    /// <summary>Input columns (by index) needed when <paramref name="outputColumns"/> of the output schema are requested.</summary>
    public bool[] InputColumnsNeeded(IEnumerable<DataViewSchema.Column> outputColumns, out bool[] addedActive)
    {
        int inputCount = InputSchema.Count;
        var needed = new bool[inputCount];
        addedActive = new bool[AddedColumns.Count];
        foreach (var col in outputColumns)
        {
            if (col.Index < inputCount)
                needed[col.Index] = true;
            else
                addedActive[col.Index - inputCount] = true;
        }
        var active = addedActive;
        foreach (int dep in GetDependencies(i => active[i]))
            needed[dep] = true;
        return needed;
    }
}

/// <summary>Per-cursor computation of the added columns for the current input row.</summary>
internal abstract class RowComputation : IDisposable
{
    /// <summary>Returns a <see cref="ValueGetter{TValue}"/> for added column <paramref name="addedIndex"/>.</summary>
    public abstract Delegate GetGetter(int addedIndex);

    /// <summary>Releases per-cursor resources.</summary>
    public virtual void Dispose()
    {
    }
}

/// <summary>An <see cref="IDataView"/> that lazily appends a mapper's columns to its source.</summary>
internal sealed class MappedDataView : IDataView
{
    private readonly IDataView _source;
    private readonly ColumnMapper _mapper;

    public MappedDataView(IDataView source, ColumnMapper mapper)
    {
        _source = source;
        _mapper = mapper;
    }

    public bool CanShuffle => _source.CanShuffle;

    public DataViewSchema Schema => _mapper.OutputSchema;

    public long? GetRowCount() => _source.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = _mapper.InputColumnsNeeded(columnsNeeded, out var addedActive);
        var inputCursor = _source.GetRowCursor(InputColumns(needed), rand);
        return new MappedCursor(inputCursor, _mapper, addedActive);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        var needed = _mapper.InputColumnsNeeded(columnsNeeded, out var addedActive);
        var inputCursors = _source.GetRowCursorSet(InputColumns(needed), n, rand);
        return inputCursors.Select(c => (DataViewRowCursor)new MappedCursor(c, _mapper, addedActive)).ToArray();
    }

    private IEnumerable<DataViewSchema.Column> InputColumns(bool[] needed)
        => _source.Schema.Where(c => needed[c.Index]);
}

/// <summary>Shared behaviour of <see cref="MappedCursor"/> and <see cref="MappedRow"/>.</summary>
internal static class MappedRowHelper
{
    public static ValueGetter<TValue> GetGetter<TValue>(DataViewRow input, ColumnMapper mapper, RowComputation computation, bool[] addedActive, DataViewSchema.Column column)
    {
        int inputCount = mapper.InputSchema.Count;
        if (column.Index < inputCount)
            return input.GetGetter<TValue>(input.Schema[column.Index]);
        int added = column.Index - inputCount;
        if (added >= addedActive.Length)
            throw new ArgumentOutOfRangeException(nameof(column), $"Column '{column.Name}' (index {column.Index}) is not in this row's schema.");
        if (!addedActive[added])
            throw new InvalidOperationException($"Column '{column.Name}' was not requested when the cursor was created, so it has no getter.");
        var getter = computation.GetGetter(added);
        if (getter is not ValueGetter<TValue> typed)
            throw new InvalidOperationException($"Invalid TValue in GetGetter: '{typeof(TValue)}', expected type: '{column.Type.RawType}'.");
        return typed;
    }

    public static bool IsColumnActive(DataViewRow input, ColumnMapper mapper, bool[] addedActive, DataViewSchema.Column column)
    {
        int inputCount = mapper.InputSchema.Count;
        return column.Index < inputCount ? input.IsColumnActive(input.Schema[column.Index]) : addedActive[column.Index - inputCount];
    }
}

/// <summary>Cursor over a <see cref="MappedDataView"/>.</summary>
internal sealed class MappedCursor : DataViewRowCursor
{
    private readonly DataViewRowCursor _input;
    private readonly ColumnMapper _mapper;
    private readonly bool[] _addedActive;
    private readonly RowComputation _computation;
    private bool _disposed;

    public MappedCursor(DataViewRowCursor input, ColumnMapper mapper, bool[] addedActive, Func<DataViewRow, RowComputation>? computation = null)
    {
        _input = input;
        _mapper = mapper;
        _addedActive = addedActive;
        _computation = computation?.Invoke(input) ?? mapper.CreateComputation(input, i => addedActive[i]);
    }

    public override DataViewSchema Schema => _mapper.OutputSchema;

    public override long Position => _input.Position;

    public override long Batch => _input.Batch;

    public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        => MappedRowHelper.GetGetter<TValue>(_input, _mapper, _computation, _addedActive, column);

    public override bool IsColumnActive(DataViewSchema.Column column)
        => MappedRowHelper.IsColumnActive(_input, _mapper, _addedActive, column);

    public override bool MoveNext() => _input.MoveNext();

    protected override void Dispose(bool disposing)
    {
        if (_disposed)
            return;
        if (disposing)
        {
            _computation.Dispose();
            _input.Dispose();
        }
        _disposed = true;
        base.Dispose(disposing);
    }
}

/// <summary>A single mapped row, used by <see cref="MappedRowToRowMapper"/> (and so by PredictionEngine).</summary>
internal sealed class MappedRow : DataViewRow
{
    private readonly DataViewRow _input;
    private readonly ColumnMapper _mapper;
    private readonly bool[] _addedActive;
    private readonly RowComputation _computation;
    private bool _disposed;

    public MappedRow(DataViewRow input, ColumnMapper mapper, bool[] addedActive)
    {
        _input = input;
        _mapper = mapper;
        _addedActive = addedActive;
        _computation = mapper.CreateComputation(input, i => addedActive[i]);
    }

    public override DataViewSchema Schema => _mapper.OutputSchema;

    public override long Position => _input.Position;

    public override long Batch => _input.Batch;

    public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        => MappedRowHelper.GetGetter<TValue>(_input, _mapper, _computation, _addedActive, column);

    public override bool IsColumnActive(DataViewSchema.Column column)
        => MappedRowHelper.IsColumnActive(_input, _mapper, _addedActive, column);

    protected override void Dispose(bool disposing)
    {
        if (_disposed)
            return;
        if (disposing)
            _computation.Dispose();
        _disposed = true;
        base.Dispose(disposing);
    }
}

/// <summary><see cref="IRowToRowMapper"/> over a <see cref="ColumnMapper"/>.</summary>
internal sealed class MappedRowToRowMapper : IRowToRowMapper
{
    private readonly ColumnMapper _mapper;

    public MappedRowToRowMapper(ColumnMapper mapper)
    {
        _mapper = mapper;
    }

    public DataViewSchema InputSchema => _mapper.InputSchema;

    public DataViewSchema OutputSchema => _mapper.OutputSchema;

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
    {
        var needed = _mapper.InputColumnsNeeded(dependingColumns, out _);
        return InputSchema.Where(c => needed[c.Index]);
    }

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Schema != InputSchema)
            throw new ArgumentException("The row's schema is not the schema this mapper was created for.", nameof(input));
        _mapper.InputColumnsNeeded(activeColumns, out var addedActive);
        return new MappedRow(input, _mapper, addedActive);
    }
}
