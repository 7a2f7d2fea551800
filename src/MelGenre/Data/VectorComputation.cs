using System;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MelGenre.Data;

/// <summary>Span-to-span kernel of a vector transform: reads the dense input, fills the output.</summary>
internal delegate void VectorKernel(ReadOnlySpan<float> source, Span<float> destination);

/// <summary>
/// Per-cursor computation of one Single-vector column from another: densifies the input, runs the
/// kernel once per row (cached by row position) and copies the result into the caller's buffer.
/// </summary>
internal sealed class VectorComputation : RowComputation
{
    private readonly DataViewRow _input;
    private readonly ValueGetter<VBuffer<float>> _getter;
    private readonly VectorKernel _kernel;
    private readonly float[] _dense;
    private readonly float[] _result;
    private VBuffer<float> _buffer;
    private long _position = -1;

    public VectorComputation(DataViewRow input, int inputIndex, int inputSize, int outputSize, VectorKernel kernel)
    {
        _input = input;
        _getter = input.GetGetter<VBuffer<float>>(input.Schema[inputIndex]);
        _kernel = kernel;
        _dense = new float[inputSize];
        _result = new float[outputSize];
    }

    private void Ensure()
    {
        if (_position == _input.Position)
            return;
        _getter(ref _buffer);
        if (_buffer.Length != _dense.Length)
            throw new InvalidOperationException($"Row {_input.Position}: input vector has {_buffer.Length} values, the schema promised {_dense.Length}.");
        ReadOnlySpan<float> source;
        if (_buffer.IsDense)
        {
            source = _buffer.GetValues();
        }
        else
        {
            Array.Clear(_dense);
            var values = _buffer.GetValues();
            var indices = _buffer.GetIndices();
            for (int i = 0; i < values.Length; i++)
                _dense[indices[i]] = values[i];
            source = _dense;
        }
        _kernel(source, _result);
        _position = _input.Position;
    }

    public override Delegate GetGetter(int addedIndex)
        => (ValueGetter<VBuffer<float>>)((ref VBuffer<float> dst) =>
        {
            Ensure();
            var editor = VBufferEditor.Create(ref dst, _result.Length);
            _result.CopyTo(editor.Values);
            dst = editor.Commit();
        });
}
