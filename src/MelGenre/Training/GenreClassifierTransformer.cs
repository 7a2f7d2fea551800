using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using MelGenre.Networks;
using MelGenre.Persistence;
using MelGenre.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace MelGenre.Training;

/// <summary>
/// A trained genre network (CRNN, parallel CNN-RNN or short-chunk ResNet) as an ML.NET transformer. Adds <c>Score</c>
/// (class probabilities, <c>Vector&lt;Single, classes&gt;</c> with the label's key values as slot names)
/// and <c>PredictedLabel</c> (the label's key type), so <c>mlContext.MulticlassClassification.Evaluate</c>
/// works directly. <c>Transform</c> scores rows in batches; <c>PredictionEngine</c> scores one row
/// at a time. Inference runs in <c>torch.inference_mode</c> on the CPU; the transformer is immutable and
/// safe for concurrent use.
/// </summary>
/// <remarks>
/// Deliberately not <see cref="IDisposable"/>: ML.NET's <c>PredictionEngine.Dispose</c> disposes a disposable
/// transformer, which would kill the model for every other engine and cursor sharing it. The network's native
/// memory is released by TorchSharp's finalizers when the transformer is no longer referenced.
/// </remarks>
public sealed class GenreClassifierTransformer : MelGenreTransformerBase
{
    internal const string LoaderSignatureValue = "MelGenre.Classifier";
    // Payload history: 1 = MelGenre 0.1.0, JSON description + TorchSharp weights stream; 2 = MelGenre 0.2.0, the same after the
    // common header that names the writing MelGenre version.
    private const int CurrentPayloadVersion = 2;
    private const string WeightsStream = "Weights.bin";

    /// <summary>Name of the score column.</summary>
    public const string ScoreColumnName = "Score";

    /// <summary>Name of the predicted-label column.</summary>
    public const string PredictedLabelColumnName = "PredictedLabel";

    private readonly Description _description;
    private readonly nn.Module<Tensor, Tensor> _network;
    private readonly FeatureShape _shape;

    /// <summary>Everything but the weights, as saved in the model.</summary>
    internal sealed class Description
    {
        public string Architecture = "";
        public string NetworkOptionsJson = "";
        public string FeatureColumnName = "Features";
        public int FeatureRows;
        public int FeatureColumns;
        public FeatureLayout Layout;
        public int FramesUsed;
        public int ClassCount;
        public string[]? ClassNames;
        public int InferenceBatchSize = 64;
        // Added in 0.3.0; absent (null) in older models, which score the whole input once, as before.
        public int? ChunkFrames;
        public int? TestWindows;
        public TrainingHistory History = new();
    }

    internal GenreClassifierTransformer(IHostEnvironment env, Description description, nn.Module<Tensor, Tensor> network)
        : base(env, nameof(GenreClassifierTransformer))
    {
        _description = description;
        _network = network;
        _network.eval();
        _shape = new FeatureShape(description.FeatureRows, description.FeatureColumns, description.Layout, description.FramesUsed);
    }

    /// <summary>"Crnn", "ParallelCnnRnn" or "ShortChunkResNet".</summary>
    public string Architecture => _description.Architecture;

    /// <summary>Number of classes (the label's key count).</summary>
    public int ClassCount => _description.ClassCount;

    /// <summary>Class names (the label's key values), when the label had them.</summary>
    public IReadOnlyList<string>? ClassNames => _description.ClassNames;

    /// <summary>Name of the feature column the network reads.</summary>
    public string FeatureColumnName => _description.FeatureColumnName;

    /// <summary>Frames of each clip the network sees.</summary>
    public int FramesUsed => _description.FramesUsed;

    /// <summary>Length in frames of the windows the network scores (<see cref="NetworkTrainerOptions.ChunkFrames"/>); null
    /// scores the <see cref="FramesUsed"/> frames at once.</summary>
    public int? ChunkFrames => _description.ChunkFrames;

    /// <summary>Evenly spaced windows of <see cref="ChunkFrames"/> frames whose softmax outputs are averaged per clip
    /// (1 without chunking).</summary>
    public int TestWindows => _description.ChunkFrames is null ? 1 : _description.TestWindows ?? 1;

    /// <summary>The training history: per-epoch losses and accuracies, the selected epoch, the seed.</summary>
    public TrainingHistory History => _description.History;

    /// <summary>The TorchSharp network (for inspection; do not modify it while the transformer is in use).</summary>
    public nn.Module<Tensor, Tensor> Network => _network;

    private protected override string LoaderSignature => LoaderSignatureValue;

    private protected override int PayloadVersion => CurrentPayloadVersion;

    private protected override void SavePayload(BinaryWriter writer) => writer.Write(System.Text.Json.JsonSerializer.Serialize(_description, NetworkSpec.Json));

    /// <summary>Saves the description and, as a second stream in the same zip, the weights.</summary>
    private protected override void SaveExtra(ModelSaveContext ctx)
        => MlNetBridge.SaveBinaryStream(ctx, WeightsStream, w => _network.save(w));

    private static GenreClassifierTransformer Create(IHostEnvironment env, object loadContext)
    {
        var reader = OpenPayload(loadContext, LoaderSignatureValue, CurrentPayloadVersion, out _);
        var description = ReadDescription(reader);
        if (description.ClassCount < 2 || description.FeatureRows < 1 || description.FeatureColumns < 1
            || description.FramesUsed < 1 || description.ChunkFrames is int c && (c < 1 || c > description.FramesUsed)
            || description.TestWindows is < 1 || description.ClassNames is { } names && names.Length != description.ClassCount)
        {
            throw new InvalidDataException($"The saved {LoaderSignatureValue} component has an inconsistent description (classes {description.ClassCount}, features {description.FeatureRows} x {description.FeatureColumns}, frames used {description.FramesUsed}).");
        }
        var network = NetworkSpec.Rebuild(description.Architecture, description.NetworkOptionsJson);
        try
        {
            bool found = MlNetBridge.TryLoadBinaryStream(loadContext, WeightsStream, r => network.load(r, strict: true));
            if (!found)
                throw new InvalidDataException($"The saved {description.Architecture} model has no '{WeightsStream}' entry: the file is incomplete.");
        }
        catch (Exception ex) when (ex is not InvalidDataException)
        {
            network.Dispose();
            throw new InvalidDataException($"The saved {description.Architecture} weights could not be read (corrupted or from an incompatible version): {ex.Message}", ex);
        }
        return new GenreClassifierTransformer(env, description, network);
    }

    private static Description ReadDescription(BinaryReader reader)
    {
        try
        {
            return System.Text.Json.JsonSerializer.Deserialize<Description>(reader.ReadString(), NetworkSpec.Json)
                ?? throw new InvalidDataException($"The saved {LoaderSignatureValue} component has empty parameters.");
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new InvalidDataException($"The saved {LoaderSignatureValue} component has unreadable parameters: {ex.Message}", ex);
        }
    }

    /// <summary>Class probabilities for the first <paramref name="count"/> rows of a [batch, rows, columns] block of feature rows.</summary>
    /// <remarks>The rows are copied straight into the input tensor's memory (<c>torch.tensor(float[])</c> would clone the
    /// block: one more large-object array per batch).</remarks>
    internal float[] Score(ReadOnlySpan<float> features, int count)
    {
        using var mode = torch.inference_mode();
        using var scope = torch.NewDisposeScope();
        using var cpu = torch.empty(new long[] { count, _shape.Rows, _shape.Columns }, ScalarType.Float32);
        features.Slice(0, count * _shape.Size).CopyTo(MemoryMarshal.Cast<byte, float>(cpu.bytes));
        var probabilities = Chunking.Probabilities(_network, _shape.ToNetworkInput(cpu), _description.ChunkFrames, TestWindows);
        return probabilities.to(torch.CPU).data<float>().ToArray();
    }

    private protected override ColumnMapper CreateMapper(DataViewSchema inputSchema) => new Mapper(this, inputSchema);

    private protected override IDataView MakeDataView(IDataView input, ColumnMapper mapper)
        => new BatchedDataView(input, (Mapper)mapper);

    private sealed class Mapper : ColumnMapper
    {
        private readonly DataViewSchema.DetachedColumn[] _added;

        public Mapper(GenreClassifierTransformer parent, DataViewSchema inputSchema)
            : base(inputSchema)
        {
            Parent = parent;
            string name = parent.FeatureColumnName;
            var input = SchemaErrors.Find(inputSchema, name);
            var expected = parent._shape.Type;
            if (!expected.Equals(input.Type))
                throw SchemaErrors.Mismatch(name, expected.ToString()!, input.Type.ToString()!);
            FeatureIndex = input.Index;

            int k = parent.ClassCount;
            var keyType = new KeyDataViewType(typeof(uint), k);
            DataViewSchema.Annotations? scoreAnnotations = null, labelAnnotations = null;
            if (parent.ClassNames is { } names)
            {
                // Slot names of Score and key values of PredictedLabel are both the class names.
                scoreAnnotations = FeatureSchema.SlotNames(names);
                var keyValues = new DataViewSchema.Annotations.Builder();
                keyValues.Add(AnnotationUtilsKeyValues, scoreAnnotations.Schema[0].Type, scoreAnnotations.GetGetter<VBuffer<ReadOnlyMemory<char>>>(scoreAnnotations.Schema[0]));
                labelAnnotations = keyValues.ToAnnotations();
            }
            _added = new[]
            {
                new DataViewSchema.DetachedColumn(ScoreColumnName, new VectorDataViewType(NumberDataViewType.Single, k), scoreAnnotations),
                new DataViewSchema.DetachedColumn(PredictedLabelColumnName, keyType, labelAnnotations),
            };
        }

        public GenreClassifierTransformer Parent { get; }

        public int FeatureIndex { get; }

        public override IReadOnlyList<DataViewSchema.DetachedColumn> AddedColumns => _added;

        public override IEnumerable<int> GetDependencies(Func<int, bool> isAddedColumnActive)
            => isAddedColumnActive(0) || isAddedColumnActive(1) ? new[] { FeatureIndex } : Array.Empty<int>();

        public override RowComputation CreateComputation(DataViewRow input, Func<int, bool> isAddedColumnActive)
            => new Computation(this, input, lookahead: null);

        public RowComputation CreateBatchedComputation(DataViewRow input, DataViewRowCursor lookahead)
            => new Computation(this, input, lookahead);
    }

    private const string AnnotationUtilsKeyValues = "KeyValues";

    /// <summary>
    /// Scores the current row. With a look-ahead cursor over the same rows in the same order, it scores
    /// <c>InferenceBatchSize</c> rows per forward pass and serves them as the main cursor reaches them; if the
    /// two cursors ever disagree on positions it falls back to one row at a time.
    /// </summary>
    private sealed class Computation : RowComputation
    {
        private readonly Mapper _mapper;
        private readonly DataViewRow _input;
        private readonly DataViewRowCursor? _lookahead;
        private readonly ValueGetter<VBuffer<float>>? _lookaheadFeatures;
        private ValueGetter<VBuffer<float>>? _rowFeatures;
        private readonly int _classes;
        private readonly int _size;
        private float[] _scores = Array.Empty<float>();
        private long _first = -1;
        private int _count;
        private bool _batched;
        private bool _lookaheadDone;
        private VBuffer<float> _buffer;
        private float[]? _block;
        private float[]? _single;

        public Computation(Mapper mapper, DataViewRow input, DataViewRowCursor? lookahead)
        {
            _mapper = mapper;
            _input = input;
            _classes = mapper.Parent.ClassCount;
            _size = mapper.Parent._shape.Size;
            _lookahead = lookahead;
            _batched = lookahead is not null;
            if (lookahead is not null)
                _lookaheadFeatures = lookahead.GetGetter<VBuffer<float>>(lookahead.Schema[mapper.FeatureIndex]);
        }

        private int Offset()
        {
            long position = _input.Position;
            if (position >= _first && position < _first + _count)
                return (int)(position - _first);
            if (_batched && !FillBatch(position))
                _batched = false;
            if (!_batched)
                FillSingle(position);
            return (int)(position - _first);
        }

        private bool FillBatch(long position)
        {
            if (_lookaheadDone)
                return false;
            var lookahead = _lookahead!;
            while (lookahead.Position < position)
            {
                if (!lookahead.MoveNext())
                {
                    _lookaheadDone = true;
                    return false;
                }
            }
            if (lookahead.Position != position)
                return false;
            int batch = _mapper.Parent._description.InferenceBatchSize;
            var block = _block ??= new float[batch * _size]; // per-cursor scratch, reused for every batch
            int n = 0;
            do
            {
                _lookaheadFeatures!(ref _buffer);
                Densify(block.AsSpan(n * _size, _size));
                n++;
            }
            while (n < batch && Advance(lookahead));
            _scores = _mapper.Parent.Score(block, n);
            _first = position;
            _count = n;
            return true;
        }

        private bool Advance(DataViewRowCursor lookahead)
        {
            if (lookahead.MoveNext())
                return true;
            _lookaheadDone = true;
            return false;
        }

        private void FillSingle(long position)
        {
            _rowFeatures ??= _input.GetGetter<VBuffer<float>>(_input.Schema[_mapper.FeatureIndex]);
            _rowFeatures(ref _buffer);
            var block = _single ??= new float[_size];
            Densify(block);
            _scores = _mapper.Parent.Score(block, 1);
            _first = position;
            _count = 1;
        }

        private void Densify(Span<float> destination)
        {
            if (_buffer.Length != _size)
                throw new InvalidOperationException($"Row {_input.Position}: the feature vector has {_buffer.Length} values, the schema promised {_size}.");
            _buffer.CopyTo(destination);
        }

        public override Delegate GetGetter(int addedIndex)
        {
            if (addedIndex == 0)
            {
                return (ValueGetter<VBuffer<float>>)((ref VBuffer<float> dst) =>
                {
                    int offset = Offset();
                    var editor = VBufferEditor.Create(ref dst, _classes);
                    _scores.AsSpan(offset * _classes, _classes).CopyTo(editor.Values);
                    dst = editor.Commit();
                });
            }
            return (ValueGetter<uint>)((ref uint dst) =>
            {
                int offset = Offset();
                var row = _scores.AsSpan(offset * _classes, _classes);
                int best = 0;
                for (int i = 1; i < row.Length; i++)
                {
                    if (row[i] > row[best])
                        best = i;
                }
                dst = (uint)(best + 1);
            });
        }

        public override void Dispose() => _lookahead?.Dispose();
    }

    /// <summary>A view that scores in batches when it is read in order (no shuffling, one cursor).</summary>
    private sealed class BatchedDataView : IDataView
    {
        private readonly IDataView _source;
        private readonly Mapper _mapper;

        public BatchedDataView(IDataView source, Mapper mapper)
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
            var input = _source.GetRowCursor(_source.Schema.Where(c => needed[c.Index]), rand);
            bool scoring = addedActive.Any(a => a);
            if (!scoring || rand is not null)
                return new MappedCursor(input, _mapper, addedActive);
            var lookahead = _source.GetRowCursor(new[] { _source.Schema[_mapper.FeatureIndex] });
            return new MappedCursor(input, _mapper, addedActive, row => _mapper.CreateBatchedComputation(row, lookahead));
        }

        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
            => new[] { GetRowCursor(columnsNeeded, rand) };
    }
}
