using System;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MelGenre.Transforms;

/// <summary>Span-to-span kernel of a vector transform: reads the dense input, fills the output.</summary>
internal delegate void VectorKernel(ReadOnlySpan<float> source, Span<float> destination);

/// <summary>
/// Per-cursor computation of one Single-vector column from another: densifies the input, runs the
/// kernel once per row (cached by row position) and copies the result into the caller's buffer.
/// </summary>
internal sealed class VectorComputation : RowComputation
{
    private readonly DataViewRow _input;
    private readonly int _inputIndex;
    private readonly VectorKernel _kernel;
    private ValueGetter<VBuffer<float>>? _getter;
    private readonly int _inputSize;
    private readonly int _outputSize;
    private float[]? _dense;
    private float[]? _result;
    private VBuffer<float> _buffer;
    private long _position = -1;

    public VectorComputation(DataViewRow input, int inputIndex, int inputSize, int outputSize, VectorKernel kernel)
    {
        _input = input;
        _inputIndex = inputIndex;
        _kernel = kernel;
        _inputSize = inputSize;
        _outputSize = outputSize;
    }

    private void Ensure()
    {
        if (_position == _input.Position)
            return;
        // The input getter is created on first use: when this column is not requested, the cursor was built without
        // its input (GetDependencies), and asking for that getter up front would fail.
        _getter ??= _input.GetGetter<VBuffer<float>>(_input.Schema[_inputIndex]);
        _getter(ref _buffer);
        if (_buffer.Length != _inputSize)
            throw new InvalidOperationException($"Row {_input.Position}: input vector has {_buffer.Length} values, the schema promised {_inputSize}.");
        ReadOnlySpan<float> source;
        if (_buffer.IsDense)
        {
            source = _buffer.GetValues();
        }
        else
        {
            _dense ??= new float[_inputSize];
            Array.Clear(_dense);
            var values = _buffer.GetValues();
            var indices = _buffer.GetIndices();
            for (int i = 0; i < values.Length; i++)
                _dense[indices[i]] = values[i];
            source = _dense;
        }
        _result ??= new float[_outputSize];
        _kernel(source, _result);
        _position = _input.Position;
    }

    public override Delegate GetGetter(int addedIndex)
        => (ValueGetter<VBuffer<float>>)((ref VBuffer<float> dst) =>
        {
            Ensure();
            var editor = VBufferEditor.Create(ref dst, _outputSize);
            _result!.CopyTo(editor.Values);
            dst = editor.Commit();
        });
}
