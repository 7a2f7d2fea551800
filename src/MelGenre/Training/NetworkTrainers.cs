using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using MelGenre.Networks;
using MelGenre.Persistence;
using MelGenre.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace MelGenre.Training;

/// <summary>
/// Common part of the network trainers: schema checks with ML.NET's wording, reading the examples,
/// the training loop, and the trained <see cref="GenreClassifierTransformer"/>.
/// </summary>
public abstract class NetworkTrainerBase : IEstimator<GenreClassifierTransformer>
{
    private readonly IHost _host;
    private readonly NetworkTrainerOptions _options;
    private readonly NetworkSpec _spec;

    /// <summary>Validates <paramref name="options"/> (every broken rule in one <see cref="ArgumentException"/>) and keeps a copy.</summary>
    private protected NetworkTrainerBase(IHostEnvironment env, NetworkTrainerOptions options, string name)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.ValidatedCopy();
        _spec = _options.CreateSpec();
        ArgumentNullException.ThrowIfNull(env);
        _host = env.Register(name);
    }

    /// <summary>Trains on <paramref name="input"/> (with the options' validation set, if any).</summary>
    public GenreClassifierTransformer Fit(IDataView input) => Fit(input, _options.ValidationSet);

    /// <summary>Trains on <paramref name="trainData"/>, validating each epoch on <paramref name="validationData"/>
    /// (which must have the same feature and label columns).</summary>
    public GenreClassifierTransformer Fit(IDataView trainData, IDataView? validationData)
    {
        ArgumentNullException.ThrowIfNull(trainData);
        var (shape, classes, names) = CheckSchema(trainData.Schema, "training data");
        if (validationData is not null)
        {
            var (vShape, vClasses, _) = CheckSchema(validationData.Schema, "validation data");
            if (vShape.Size != shape.Size || vClasses != classes)
            {
                throw new ArgumentOutOfRangeException(nameof(validationData),
                    $"The validation data must match the training data: features {vShape.Type} vs {shape.Type}, {vClasses} vs {classes} classes.");
            }
        }

        if (_options.ChunkFrames is int chunk && chunk > shape.FramesUsed)
        {
            throw new ArgumentOutOfRangeException("inputSchema", string.Format(CultureInfo.InvariantCulture,
                "ChunkFrames = {0} but the network sees only {1} frames of the feature column '{2}'.", chunk, shape.FramesUsed, _options.FeatureColumnName));
        }

        using var ch = _host.Start("Reading examples");
        var (train, skipped) = ReadSource(trainData, shape, "Training data");
        if (train.Count == 0)
            throw new InvalidOperationException($"The training data has no rows with a label (column '{_options.LabelColumnName}'): nothing to train on.");
        if (skipped > 0)
            ch.Warning(MessageSensitivity.None, "Skipped {0} training rows with a missing label.", skipped);
        IBatchSource? validation = null;
        if (validationData is not null)
        {
            validation = ReadSource(validationData, shape, "Validation data").Source;
            if (validation.Count == 0)
                throw new InvalidOperationException($"The validation data has no rows with a label (column '{_options.LabelColumnName}').");
        }

        int seed = _options.Seed ?? _host.Rand.Next();
        var (network, history) = TrainingLoop.Train(_host, _spec, _options, shape, classes, train, validation, seed);
        var description = new GenreClassifierTransformer.Description
        {
            Architecture = _spec.Architecture,
            NetworkOptionsJson = _spec.OptionsJson(network),
            FeatureColumnName = _options.FeatureColumnName,
            FeatureRows = shape.Rows,
            FeatureColumns = shape.Columns,
            Layout = shape.Layout,
            FramesUsed = shape.FramesUsed,
            ClassCount = classes,
            ClassNames = names,
            InferenceBatchSize = _options.InferenceBatchSize,
            ChunkFrames = _options.ChunkFrames,
            TestWindows = _options.ChunkFrames is null ? null : _options.TestWindows ?? 1,
            History = history,
        };
        return new GenreClassifierTransformer(_host, description, network);
    }

    /// <summary>Checks the feature and label columns and adds <c>Score</c> and <c>PredictedLabel</c>.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var features = FindColumn(inputSchema, _options.FeatureColumnName, "feature");
        if (features.Kind != SchemaShape.Column.VectorKind.Vector || features.ItemType != NumberDataViewType.Single)
            throw SchemaErrors.Mismatch(_options.FeatureColumnName, "known-size Vector<Single, mels, frames>", SchemaErrors.Describe(features), "feature");
        var label = FindColumn(inputSchema, _options.LabelColumnName, "label");
        if (!label.IsKey || label.Kind != SchemaShape.Column.VectorKind.Scalar)
            throw SchemaErrors.Mismatch(_options.LabelColumnName, "Key", SchemaErrors.Describe(label), "label");
        return SchemaErrors.Append(inputSchema,
            MlNetBridge.CreateColumn(GenreClassifierTransformer.ScoreColumnName, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false),
            MlNetBridge.CreateColumn(GenreClassifierTransformer.PredictedLabelColumnName, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.UInt32, true, label.Annotations));
    }

    /// <summary>The examples of <paramref name="data"/>: streamed from the feature cache when it is a cache's view and
    /// <see cref="NetworkTrainerOptions.StreamFromCache"/> is on, else read into memory.</summary>
    private (IBatchSource Source, int Skipped) ReadSource(IDataView data, FeatureShape shape, string what)
    {
        if (_options.StreamFromCache
            && StreamingBatchSource.TryCreate(data, _options.FeatureColumnName, _options.LabelColumnName, shape, _options.ReadAheadExamples) is { } streaming)
            return (streaming, streaming.SkippedMissingLabels);
        var set = ExampleSet.Read(data, _options.FeatureColumnName, _options.LabelColumnName, shape, what);
        return (set, set.SkippedMissingLabels);
    }

    private static SchemaShape.Column FindColumn(SchemaShape shape, string name, string role)
    {
        SchemaShape.Column? found = null;
        foreach (var col in shape)
        {
            if (col.Name == name)
                found = col;
        }
        return found ?? throw SchemaErrors.MissingColumn(name, role);
    }

    private (FeatureShape Shape, int Classes, string[]? Names) CheckSchema(DataViewSchema schema, string what)
    {
        var features = schema.GetColumnOrNull(_options.FeatureColumnName) ?? throw SchemaErrors.MissingColumn(_options.FeatureColumnName, "feature");
        if (features.Type is not VectorDataViewType vec || vec.ItemType != NumberDataViewType.Single || !vec.IsKnownSize || vec.Dimensions.Length != 2)
            throw SchemaErrors.Mismatch(_options.FeatureColumnName, "known-size Vector<Single, mels, frames>", features.Type.ToString()!, "feature");
        var label = schema.GetColumnOrNull(_options.LabelColumnName) ?? throw SchemaErrors.MissingColumn(_options.LabelColumnName, "label");
        if (label.Type is not KeyDataViewType key || key.RawType != typeof(uint))
            throw SchemaErrors.Mismatch(_options.LabelColumnName, "Key<UInt32>", label.Type.ToString()!, "label");
        if (key.Count < 2 || key.Count > 100_000)
            throw new ArgumentOutOfRangeException("inputSchema", $"The label column '{_options.LabelColumnName}' of the {what} has {key.Count} classes; a classifier needs 2 to 100000.");

        var layout = _options.Layout;
        int rows = vec.Dimensions[0], columns = vec.Dimensions[1];
        int available = layout == FeatureLayout.MelsByFrames ? columns : rows;
        int framesUsed = _options.FramesUsed ?? available;
        if (framesUsed > available)
        {
            throw new ArgumentOutOfRangeException("inputSchema", string.Format(CultureInfo.InvariantCulture,
                "FramesUsed = {0} but the feature column '{1}' ({2}, layout {3}) has only {4} frames.", framesUsed, _options.FeatureColumnName, vec, layout, available));
        }

        string[]? names = null;
        var keyValues = label.Annotations.Schema.GetColumnOrNull("KeyValues");
        if (keyValues?.Type is VectorDataViewType { ItemType: TextDataViewType } kvType && kvType.Size == (int)key.Count)
        {
            VBuffer<ReadOnlyMemory<char>> values = default;
            label.Annotations.GetValue("KeyValues", ref values);
            names = values.DenseValues().Select(v => v.ToString()).ToArray();
        }
        else if (keyValues is not null)
        {
            // Non-text key values (e.g. numbers): keep their text form as class names.
            names = TryKeyValuesAsText(label, (int)key.Count);
        }
        return (new FeatureShape(rows, columns, layout, framesUsed), (int)key.Count, names);
    }

    private static string[]? TryKeyValuesAsText(DataViewSchema.Column label, int count)
    {
        var type = label.Annotations.Schema["KeyValues"].Type as VectorDataViewType;
        if (type is null || type.Size != count)
            return null;
        if (type.ItemType == NumberDataViewType.Single)
            return Read<float>(label, count);
        if (type.ItemType == NumberDataViewType.Int32)
            return Read<int>(label, count);
        if (type.ItemType == NumberDataViewType.UInt32)
            return Read<uint>(label, count);
        return null;
    }

    private static string[] Read<T>(DataViewSchema.Column label, int count)
    {
        VBuffer<T> values = default;
        label.Annotations.GetValue("KeyValues", ref values);
        return values.DenseValues().Select(v => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "").Take(count).ToArray();
    }
}

/// <summary>
/// Trains the original FMA-small work's CRNN: 3 x [Conv1D(56, 5) over time with mel bins as channels,
/// BatchNorm, ReLU, MaxPool(2), Dropout 0.4] -> LSTM(96) -> Dropout -> Dense(64) -> Dropout -> Dense(classes),
/// L2 1e-3 on the convolution and Dense(64) kernels; Adam 1e-3, batch 32, 70 epochs. Created by
/// <c>mlContext.MulticlassClassification.Trainers.Crnn(...)</c>.
/// </summary>
public sealed class CrnnTrainer : NetworkTrainerBase
{
    /// <summary>Options of <see cref="CrnnTrainer"/>; defaults are the original work's.</summary>
    public sealed class Options : NetworkTrainerOptions
    {
        /// <summary>Creates the options with the original work's defaults (70 epochs, batch 32).</summary>
        public Options()
        {
            Epochs = 70;
            BatchSize = 32;
        }

        /// <summary>Convolution blocks. Default 3.</summary>
        public int ConvLayers = 3;

        /// <summary>Filters per convolution. Default 56.</summary>
        public int Filters = 56;

        /// <summary>Convolution kernel size in frames. Default 5.</summary>
        public int KernelSize = 5;

        /// <summary>Max-pooling size in frames. Default 2.</summary>
        public int PoolSize = 2;

        /// <summary>Dropout rate. Default 0.4.</summary>
        public double Dropout = 0.4;

        /// <summary>LSTM units. Default 96.</summary>
        public int LstmUnits = 96;

        /// <summary>Units of the dense layer before the output. Default 64.</summary>
        public int DenseUnits = 64;

        /// <summary>L2 factor on the convolution and dense kernels (Keras l2). Default 1e-3; 0 disables.</summary>
        public double L2 = 1e-3;

        private protected override string Description => "CRNN";

        private protected override void AddArchitectureErrors(List<string> errors)
        {
            if (ConvLayers < 1) errors.Add($"ConvLayers must be >= 1, got {ConvLayers}");
            if (Filters < 1) errors.Add($"Filters must be >= 1, got {Filters}");
            if (KernelSize < 1) errors.Add($"KernelSize must be >= 1, got {KernelSize}");
            if (PoolSize < 1) errors.Add($"PoolSize must be >= 1, got {PoolSize}");
            if (!(Dropout >= 0 && Dropout < 1)) errors.Add($"Dropout must be in [0, 1), got {Dropout.ToString(CultureInfo.InvariantCulture)}");
            if (LstmUnits < 1) errors.Add($"LstmUnits must be >= 1, got {LstmUnits}");
            if (DenseUnits < 1) errors.Add($"DenseUnits must be >= 1, got {DenseUnits}");
            if (!(L2 >= 0)) errors.Add($"L2 must be >= 0, got {L2.ToString(CultureInfo.InvariantCulture)}");
        }

        private protected override NetworkTrainerOptions Copy() => (Options)MemberwiseClone();

        internal override NetworkSpec CreateSpec() => new CrnnSpec(this);
    }

    internal CrnnTrainer(IHostEnvironment env, Options options)
        : base(env, options, nameof(CrnnTrainer))
    {
    }
}

/// <summary>
/// Trains the original FMA-small work's parallel CNN-RNN: a CNN branch of 5 x [Conv2D (3 frames x 1 mel),
/// ReLU, MaxPool] beside a bidirectional GRU(64) over the 4x2-pooled input, concatenated into Dense(classes);
/// Adam 1e-3, batch 64, 50 epochs. Created by <c>mlContext.MulticlassClassification.Trainers.ParallelCnnRnn(...)</c>.
/// </summary>
public sealed class ParallelCnnRnnTrainer : NetworkTrainerBase
{
    /// <summary>Options of <see cref="ParallelCnnRnnTrainer"/>; defaults are the original work's.</summary>
    public sealed class Options : NetworkTrainerOptions
    {
        /// <summary>Creates the options with the original work's defaults (50 epochs, batch 64).</summary>
        public Options()
        {
            Epochs = 50;
            BatchSize = 64;
        }

        /// <summary>Filters of each convolution block. Default 16, 32, 64, 64, 64.</summary>
        public int[] ConvFilters = { 16, 32, 64, 64, 64 };

        /// <summary>Convolution kernel height in frames (width is one mel bin). Default 3.</summary>
        public int ConvKernelFrames = 3;

        /// <summary>Max-pool size after each block, (frames, mels). Default (2,2),(2,2),(2,2),(4,4),(4,4).</summary>
        public (int Frames, int Mels)[] PoolSizes = { (2, 2), (2, 2), (2, 2), (4, 4), (4, 4) };

        /// <summary>Max-pool applied to the input of the GRU branch, (frames, mels). Default (4, 2).</summary>
        public (int Frames, int Mels) RnnInputPool = (4, 2);

        /// <summary>GRU units per direction. Default 64.</summary>
        public int GruUnits = 64;

        private protected override string Description => "parallel CNN-RNN";

        private protected override void AddArchitectureErrors(List<string> errors)
        {
            if (ConvFilters is null || ConvFilters.Length == 0 || ConvFilters.Any(f => f < 1))
                errors.Add("ConvFilters must be a non-empty list of positive filter counts");
            if (PoolSizes is null || ConvFilters is null || PoolSizes.Length != ConvFilters.Length)
                errors.Add($"PoolSizes must have one entry per convolution block ({ConvFilters?.Length ?? 0}), got {PoolSizes?.Length ?? 0}");
            if (ConvKernelFrames < 1) errors.Add($"ConvKernelFrames must be >= 1, got {ConvKernelFrames}");
            if (GruUnits < 1) errors.Add($"GruUnits must be >= 1, got {GruUnits}");
        }

        private protected override NetworkTrainerOptions Copy()
        {
            var copy = (Options)MemberwiseClone();
            copy.ConvFilters = (int[])ConvFilters.Clone();
            copy.PoolSizes = ((int Frames, int Mels)[])PoolSizes.Clone();
            return copy;
        }

        internal override NetworkSpec CreateSpec() => new ParallelCnnRnnSpec(this);
    }

    internal ParallelCnnRnnTrainer(IHostEnvironment env, Options options)
        : base(env, options, nameof(ParallelCnnRnnTrainer))
    {
    }
}

/// <summary>
/// Trains a short-chunk residual CNN (after Won et al. 2020, scaled for small data; see <see cref="ShortChunkResNet"/>)
/// on random 128-frame excerpts, scoring with the softmax averaged over 8 evenly spaced windows. Adam 1e-3, batch 32,
/// 40 epochs. Created by <c>mlContext.MulticlassClassification.Trainers.ShortChunkResNet(...)</c>.
/// </summary>
public sealed class ShortChunkResNetTrainer : NetworkTrainerBase
{
    /// <summary>Options of <see cref="ShortChunkResNetTrainer"/>.</summary>
    public sealed class Options : NetworkTrainerOptions
    {
        /// <summary>Creates the options with the defaults: 40 epochs, batch 32, <see cref="NetworkTrainerOptions.ChunkFrames"/> 128
        /// (5.9 s at hop 1024 and 22,050 Hz, the original features; 3.0 s at hop 512), <see cref="NetworkTrainerOptions.TestWindows"/> 8.</summary>
        public Options()
        {
            Epochs = 40;
            BatchSize = 32;
            ChunkFrames = 128;
            TestWindows = 8;
        }

        /// <summary>Output channels of each residual block (each followed by a 2 x 2 max pool). Default 8, 16, 32, 64
        /// (see <see cref="ShortChunkResNet"/> for the size and cost).</summary>
        public int[] Channels = { 8, 16, 32, 64 };

        /// <summary>Dropout before the output layer, in [0, 1). Default 0.3.</summary>
        public double Dropout = 0.3;

        private protected override string Description => "short-chunk ResNet";

        private protected override void AddArchitectureErrors(List<string> errors)
        {
            if (Channels is null || Channels.Length == 0 || Channels.Any(c => c < 1))
                errors.Add("Channels must be a non-empty list of positive channel counts");
            if (!(Dropout >= 0 && Dropout < 1)) errors.Add($"Dropout must be in [0, 1), got {Dropout.ToString(CultureInfo.InvariantCulture)}");
        }

        private protected override NetworkTrainerOptions Copy()
        {
            var copy = (Options)MemberwiseClone();
            copy.Channels = (int[])Channels.Clone();
            return copy;
        }

        internal override NetworkSpec CreateSpec() => new ShortChunkResNetSpec(this);
    }

    internal ShortChunkResNetTrainer(IHostEnvironment env, Options options)
        : base(env, options, nameof(ShortChunkResNetTrainer))
    {
    }
}
