using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json.Serialization;
using System.Threading;
using Microsoft.ML;

namespace MelGenre.Training;

/// <summary>How the feature column's two dimensions are laid out.</summary>
public enum FeatureLayout
{
    /// <summary><c>[mels, frames]</c>: librosa's layout, what <c>ExtractMelSpectrogram</c> outputs. The default.</summary>
    MelsByFrames,

    /// <summary><c>[frames, mels]</c>: time-major, the original work's 640 x 128 arrays.</summary>
    FramesByMels,
}

/// <summary>
/// Options shared by MelGenre's network trainers. Defaults reproduce the original work's training
/// (Adam, learning rate 1e-3, best weights by validation accuracy, learning rate halved after 10 epochs
/// without a 0.01 gain in validation accuracy); the architecture options add the epochs and batch size.
/// </summary>
public abstract class NetworkTrainerOptions
{
    /// <summary>Name of the label column: a key type (e.g. from <c>MapValueToKey</c>); its key count is the class count.</summary>
    public string LabelColumnName = "Label";

    /// <summary>Name of the feature column: a known-size <c>Vector&lt;Single, a, b&gt;</c> (see <see cref="Layout"/>).</summary>
    public string FeatureColumnName = "Features";

    /// <summary>Layout of the feature column. Default: <see cref="FeatureLayout.MelsByFrames"/>, as <c>ExtractMelSpectrogram</c> outputs.</summary>
    public FeatureLayout Layout = FeatureLayout.MelsByFrames;

    /// <summary>Use only the first this many frames of each clip (the original work used 640); null uses all.</summary>
    public int? FramesUsed;

    /// <summary>Number of passes over the training data (>= 1). Default: 70 for the CRNN, 50 for the parallel CNN-RNN.</summary>
    public int Epochs;

    /// <summary>Clips per training batch (>= 1; the last batch of an epoch may be smaller). Default: 32 for the CRNN, 64 for the parallel CNN-RNN.</summary>
    public int BatchSize;

    /// <summary>Adam's learning rate at the start (> 0; Adam's epsilon is 1e-7, as in Keras). Default 1e-3.</summary>
    public double LearningRate = 1e-3;

    /// <summary>
    /// Optional validation data with the same feature and label columns (for a pipeline, transform it with the
    /// fitted front end first). Used for the per-epoch validation metrics, best-weights selection and the
    /// learning-rate schedule.
    /// </summary>
    [JsonIgnore]
    public IDataView? ValidationSet;

    /// <summary>With a validation set, end training with the weights of the epoch with the best validation accuracy
    /// (the first of equal bests). Without one, or when false, the model keeps the last epoch's weights. Default true.</summary>
    public bool RestoreBestWeights = true;

    /// <summary>Factor applied to the learning rate on a plateau (Keras ReduceLROnPlateau <c>factor</c>), in (0, 1].
    /// The monitored value is the validation accuracy, or the training accuracy without a validation set. Default 0.5; 1 disables.</summary>
    public double PlateauFactor = 0.5;

    /// <summary>Epochs in a row without improvement before the learning rate is reduced (>= 1); the count then starts again. Default 10.</summary>
    public int PlateauPatience = 10;

    /// <summary>Smallest accuracy gain, as a fraction (0.01 = one percentage point), that counts as an improvement for
    /// the plateau rule; a gain of exactly this much does not (>= 0). Default 0.01.</summary>
    public double PlateauMinDelta = 0.01;

    /// <summary>Lower bound of the learning rate on a plateau (>= 0). Default 0.</summary>
    public double MinLearningRate;

    /// <summary>Stop when the monitored accuracy (as for <see cref="PlateauFactor"/>, any gain counts) has not improved
    /// for this many epochs in a row (>= 1); never after the last planned epoch. Null (default) never stops early.</summary>
    public int? EarlyStoppingPatience;

    /// <summary>Seed of weight initialisation, dropout and shuffling; null derives one from the MLContext's seed.</summary>
    public int? Seed;

    /// <summary>
    /// Torch device: "cpu", "cuda" or "cuda:N". Null (default) uses <c>MLContext.GpuDeviceId</c> when it is set, else the CPU.
    /// CUDA needs the application to reference a CUDA backend package (e.g. TorchSharp-cuda-linux).
    /// </summary>
    public string? Device;

    /// <summary>When CUDA is asked for but not available, train on the CPU instead of failing. Null uses <c>MLContext.FallbackToCpu</c>.</summary>
    public bool? AllowCpuFallback;

    /// <summary>Torch intra-op threads (>= 1), set process-wide when training starts; null (default) uses
    /// <see cref="MelGenreRuntime.DefaultThreads"/> (the CPUs this process may use, affinity and cgroup quota included).</summary>
    public int? Threads;

    /// <summary>Clips per inference batch (>= 1) in <c>Transform</c> and in the per-epoch validation. Default 64.</summary>
    public int InferenceBatchSize = 64;

    /// <summary>Receives the metrics of every epoch as it ends, on the training thread, before the learning-rate and
    /// early-stopping rules run. Null (default) reports nothing.</summary>
    [JsonIgnore]
    public IProgress<EpochMetrics>? Progress;

    /// <summary>Cancels training (checked between batches); Fit then throws <see cref="OperationCanceledException"/>.</summary>
    [JsonIgnore]
    public CancellationToken CancellationToken;

    /// <summary>
    /// Train on random excerpts of this many frames (>= 1, at most the frames used): every epoch each training clip
    /// gets a fresh random crop, drawn from a generator of its own seeded from the trainer's seed (the shuffle and
    /// torch's draws are the same as without chunking). The network is built for this length. Null (default) trains on
    /// the whole input, as the original work did. 128 frames are about 5.9 s at hop 1024 (the original's features) and
    /// 3.0 s at hop 512, both at 22,050 Hz. Saved with the model.
    /// </summary>
    public int? ChunkFrames;

    /// <summary>
    /// With <see cref="ChunkFrames"/>: the number of evenly spaced windows of <see cref="ChunkFrames"/> frames, covering
    /// the clip from its first to its last frame, whose softmax outputs are averaged when scoring (in <c>Transform</c>
    /// and the per-epoch validation). One window is the centred one. Null (default) means one. Values above 1 need
    /// <see cref="ChunkFrames"/>. Saved with the model.
    /// </summary>
    public int? TestWindows;

    /// <summary>SpecAugment time masks per training example (>= 0): each blanks a random run of 0 to
    /// <see cref="TimeMaskMaxFrames"/> consecutive frames with the example's mean value. Default 0 (off).</summary>
    public int TimeMaskCount;

    /// <summary>Largest time mask width in frames (>= 0; clipped to the example's length). Default 0.</summary>
    public int TimeMaskMaxFrames;

    /// <summary>SpecAugment frequency masks per training example (>= 0): each blanks a random run of 0 to
    /// <see cref="FrequencyMaskMaxBins"/> consecutive mel bins with the example's mean value. Default 0 (off).</summary>
    public int FrequencyMaskCount;

    /// <summary>Largest frequency mask width in mel bins (>= 0; clipped to the mel count). Default 0.</summary>
    public int FrequencyMaskMaxBins;

    /// <summary>Mixup's alpha (>= 0): each training batch is mixed with a shuffled copy of itself,
    /// <c>x = l x + (1 - l) x[perm]</c> with <c>l ~ Beta(alpha, alpha)</c>, and the loss is the cross-entropy against
    /// the equally mixed one-hot targets. Training accuracy counts the original labels. 0 (default) is off; 0.2-0.4 is usual.</summary>
    public double MixupAlpha;

    /// <summary>Random gain per training example, uniform in [-this, +this] decibels (>= 0): a gain on the audio is an
    /// additive shift of log-mel features, by <c>gain * <see cref="FeatureUnitsPerDecibel"/></c> feature units. 0 (default) is off.</summary>
    public double RandomGainDecibels;

    /// <summary>Feature units per decibel for <see cref="RandomGainDecibels"/> (> 0): 1 (default) for decibel features
    /// (<c>ConvertToDecibels</c>' default); ln(10)/10 = 0.2303 for the original work's natural-log scaling
    /// (<c>DecibelScale.NaturalLog</c>).</summary>
    public double FeatureUnitsPerDecibel = 1;

    /// <summary>True when any augmentation option is on.</summary>
    internal bool Augments => TimeMaskCount > 0 && TimeMaskMaxFrames > 0 || FrequencyMaskCount > 0 && FrequencyMaskMaxBins > 0
        || MixupAlpha > 0 || RandomGainDecibels > 0;

    /// <summary>Every broken rule of the chunking and augmentation options, with its value.</summary>
    private void AddChunkingErrors(List<string> errors)
    {
        string F(double v) => v.ToString(CultureInfo.InvariantCulture);
        if (ChunkFrames is int c && c < 1)
            errors.Add($"ChunkFrames must be null or >= 1, got {c}");
        if (TestWindows is int w && w < 1)
            errors.Add($"TestWindows must be null or >= 1, got {w}");
        if (TestWindows is > 1 && ChunkFrames is null)
            errors.Add($"TestWindows = {TestWindows} needs ChunkFrames (the window length)");
        if (TimeMaskCount < 0) errors.Add($"TimeMaskCount must be >= 0, got {TimeMaskCount}");
        if (TimeMaskMaxFrames < 0) errors.Add($"TimeMaskMaxFrames must be >= 0, got {TimeMaskMaxFrames}");
        if (FrequencyMaskCount < 0) errors.Add($"FrequencyMaskCount must be >= 0, got {FrequencyMaskCount}");
        if (FrequencyMaskMaxBins < 0) errors.Add($"FrequencyMaskMaxBins must be >= 0, got {FrequencyMaskMaxBins}");
        if (!(MixupAlpha >= 0) || !double.IsFinite(MixupAlpha)) errors.Add($"MixupAlpha must be >= 0, got {F(MixupAlpha)}");
        if (!(RandomGainDecibels >= 0) || !double.IsFinite(RandomGainDecibels)) errors.Add($"RandomGainDecibels must be >= 0, got {F(RandomGainDecibels)}");
        if (!(FeatureUnitsPerDecibel > 0) || !double.IsFinite(FeatureUnitsPerDecibel)) errors.Add($"FeatureUnitsPerDecibel must be > 0, got {F(FeatureUnitsPerDecibel)}");
    }

    /// <summary>
    /// Read a feature cache's view (<c>FeatureCache.LoadDataView</c>, passed to <c>Fit</c> as it is) entry by entry
    /// with background read-ahead instead of copying every example into memory first (default true): memory stays flat
    /// in the number of clips, and the model is bit-identical to the in-memory path for the same seed. Other views are
    /// always read into memory (they have no random access for a per-epoch shuffle).
    /// </summary>
    public bool StreamFromCache = true;

    /// <summary>Examples the streaming reader decodes ahead of the network (default 128: about 42 MB at 128 x 646).</summary>
    public int ReadAheadExamples = 128;

    /// <summary>
    /// Folder for a checkpoint written after every epoch (weights, Adam state, learning rate, callbacks' state,
    /// best-so-far weights, history, torch's generator state), atomically. Null (default): none.
    /// </summary>
    public string? CheckpointDirectory;

    /// <summary>Continue from the checkpoint in <see cref="CheckpointDirectory"/> when there is one (default false).</summary>
    public bool Resume;

    /// <summary>How error messages name the architecture ("CRNN").</summary>
    private protected abstract string Description { get; }

    /// <summary>Adds every broken rule of the architecture's own options, with its value.</summary>
    private protected abstract void AddArchitectureErrors(List<string> errors);

    /// <summary>A copy that shares nothing mutable with this object.</summary>
    private protected abstract NetworkTrainerOptions Copy();

    /// <summary>The architecture's description for the training loop and the saved model, over these options.</summary>
    internal abstract NetworkSpec CreateSpec();

    /// <summary>
    /// Checks the shared and the architecture's options and returns a copy (a trainer keeps its own; the caller's
    /// object is never modified). Every broken rule, with its value, goes into one <see cref="ArgumentException"/>.
    /// </summary>
    internal NetworkTrainerOptions ValidatedCopy()
    {
        var errors = ValidateCommon();
        AddChunkingErrors(errors);
        AddArchitectureErrors(errors);
        if (errors.Count > 0)
            throw new ArgumentException($"Invalid {Description} trainer options: " + string.Join("; ", errors) + ".", "options");
        return Copy();
    }

    /// <summary>Every broken rule of the shared options, with its value.</summary>
    private List<string> ValidateCommon()
    {
        var errors = new List<string>();
        string F(double v) => v.ToString(CultureInfo.InvariantCulture);
        if (string.IsNullOrWhiteSpace(LabelColumnName))
            errors.Add("LabelColumnName must be a column name");
        if (string.IsNullOrWhiteSpace(FeatureColumnName))
            errors.Add("FeatureColumnName must be a column name");
        if (FramesUsed is int f && f < 1)
            errors.Add($"FramesUsed must be null or >= 1, got {f}");
        if (Epochs < 1)
            errors.Add($"Epochs must be >= 1, got {Epochs}");
        if (BatchSize < 1)
            errors.Add($"BatchSize must be >= 1, got {BatchSize}");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate))
            errors.Add($"LearningRate must be > 0, got {F(LearningRate)}");
        if (!(PlateauFactor > 0 && PlateauFactor <= 1))
            errors.Add($"PlateauFactor must be in (0, 1], got {F(PlateauFactor)}");
        if (PlateauPatience < 1)
            errors.Add($"PlateauPatience must be >= 1, got {PlateauPatience}");
        if (!(PlateauMinDelta >= 0))
            errors.Add($"PlateauMinDelta must be >= 0, got {F(PlateauMinDelta)}");
        if (!(MinLearningRate >= 0))
            errors.Add($"MinLearningRate must be >= 0, got {F(MinLearningRate)}");
        if (EarlyStoppingPatience is int e && e < 1)
            errors.Add($"EarlyStoppingPatience must be null or >= 1, got {e}");
        if (Threads is int t && t < 1)
            errors.Add($"Threads must be null or >= 1, got {t}");
        if (InferenceBatchSize < 1)
            errors.Add($"InferenceBatchSize must be >= 1, got {InferenceBatchSize}");
        if (Device is not null && !DeviceSelector.IsWellFormed(Device))
            errors.Add($"Device must be \"cpu\", \"cuda\" or \"cuda:N\", got \"{Device}\"");
        return errors;
    }
}

/// <summary>Metrics of one training epoch. Loss is the mean cross-entropy over every clip of the epoch (all batches,
/// not the last one); accuracy is the fraction of clips classified right. Training figures come from the training
/// passes themselves (dropout active), as Keras reports them.</summary>
public sealed record EpochMetrics
{
    /// <summary>1-based epoch number.</summary>
    public int Epoch { get; init; }

    /// <summary>Mean cross-entropy (nats per clip, without the L2 penalty) over the training clips.</summary>
    public double TrainLoss { get; init; }

    /// <summary>Training accuracy: fraction of the training clips, in [0, 1].</summary>
    public double TrainAccuracy { get; init; }

    /// <summary>Mean cross-entropy (nats per clip) over the validation clips in inference mode; null without a validation set.</summary>
    public double? ValidationLoss { get; init; }

    /// <summary>Validation accuracy in [0, 1]; null without a validation set.</summary>
    public double? ValidationAccuracy { get; init; }

    /// <summary>The L2 penalty added to the loss at the end of the epoch (0 for networks without one).</summary>
    public double L2Penalty { get; init; }

    /// <summary>Learning rate used during the epoch (a plateau reduction takes effect from the next epoch).</summary>
    public double LearningRate { get; init; }

    /// <summary>Wall-clock time of the epoch.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>True when the monitored accuracy (validation, else training) is strictly higher than every earlier
    /// epoch's, so of equal bests only the first is marked.</summary>
    public bool IsBest { get; init; }
}

/// <summary>The whole training history of a network, kept on the trained model for reports and plots.</summary>
public sealed record TrainingHistory
{
    /// <summary>Every epoch's metrics, in order.</summary>
    public IReadOnlyList<EpochMetrics> Epochs { get; init; } = Array.Empty<EpochMetrics>();

    /// <summary>The epoch whose weights the model holds (1-based): the first best validation epoch with
    /// <see cref="NetworkTrainerOptions.RestoreBestWeights"/> and a validation set, else the last epoch trained.</summary>
    public int SelectedEpoch { get; init; }

    /// <summary>Whether early stopping ended training before the planned number of epochs.</summary>
    public bool StoppedEarly { get; init; }

    /// <summary>Training clips used (rows with a missing label are skipped).</summary>
    public int TrainingExamples { get; init; }

    /// <summary>Validation clips used.</summary>
    public int ValidationExamples { get; init; }

    /// <summary>Trainable parameters of the network.</summary>
    public long ParameterCount { get; init; }

    /// <summary>Seed the training used.</summary>
    public int Seed { get; init; }
}
