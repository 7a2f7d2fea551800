using System;
using MelGenre.Audio;
using MelGenre.Dsp;
using MelGenre.Networks;
using MelGenre.Persistence;
using MelGenre.Training;
using MelGenre.Transforms;
using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace MelGenre;

/// <summary>
/// MelGenre's additions to ML.NET's catalogs: <c>using MelGenre;</c> lights up
/// <c>mlContext.Transforms.LoadAudio(...)</c>, <c>ExtractMelSpectrogram(...)</c> and <c>ConvertToDecibels(...)</c>.
/// </summary>
public static class MelGenreCatalog
{
    /// <summary>
    /// Teaches <paramref name="mlContext"/>'s <c>Model.Load</c> to read MelGenre components. Needed once per
    /// MLContext that loads a saved model without having built a MelGenre pipeline itself (for example in a
    /// fresh process); harmless to call more than once. Without it, loading fails with a message that says so.
    /// </summary>
    /// <param name="mlContext">The context that will load models.</param>
    /// <returns>The same context, for chaining.</returns>
    public static MLContext RegisterMelGenre(this MLContext mlContext)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        MelGenreComponents.Register(mlContext);
        return mlContext;
    }

    /// <summary>
    /// Loads the audio files named in <paramref name="inputColumnName"/> as fixed-length mono sample vectors
    /// (<c>Vector&lt;Single, N&gt;</c> with N = floor(<paramref name="durationSeconds"/> × <paramref name="sampleRate"/>)),
    /// like <c>librosa.load(path, sr=sampleRate, mono=True, offset=offsetSeconds, duration=durationSeconds)</c>.
    /// MP3, WAV, FLAC and Ogg Vorbis are decoded in process (libsndfile); other rates are resampled with libsoxr's
    /// high-quality recipe; mono is the mean of the channels. Shorter audio is padded with zeros; a file that cannot
    /// be read throws an exception naming it (see <see cref="AudioLoadingEstimator.Options"/> for other policies).
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">Name of the output column of samples.</param>
    /// <param name="inputColumnName">Name of the text column of file paths; null means <paramref name="outputColumnName"/>.</param>
    /// <param name="baseFolder">Folder that relative paths are resolved against; null means the current directory.</param>
    /// <param name="sampleRate">Output sample rate in Hz. Default 22,050 (librosa's).</param>
    /// <param name="offsetSeconds">Start of the excerpt in seconds. Default 0.</param>
    /// <param name="durationSeconds">Length of the excerpt in seconds. Default 30.</param>
    public static AudioLoadingEstimator LoadAudio(this TransformsCatalog catalog, string outputColumnName, string? inputColumnName = null,
        string? baseFolder = null, int sampleRate = 22050, double offsetSeconds = 0, double durationSeconds = 30)
        => LoadAudio(catalog, new AudioLoadingEstimator.Options
        {
            OutputColumnName = outputColumnName,
            InputColumnName = inputColumnName,
            BaseFolder = baseFolder,
            Settings = new ExcerptSettings { SampleRate = sampleRate, OffsetSeconds = offsetSeconds, DurationSeconds = durationSeconds },
        });

    /// <summary>Loads audio files with all options (error policies, error column, ...).</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="options">The options; copied, never modified.</param>
    public static AudioLoadingEstimator LoadAudio(this TransformsCatalog catalog, AudioLoadingEstimator.Options options)
        => new(Environment(catalog), options);

    /// <summary>
    /// Computes <c>librosa.feature.melspectrogram</c> of a mono audio vector: a power spectrogram on the mel scale,
    /// output as <c>Vector&lt;Single, melCount, frames&gt;</c> in librosa's <c>[mel, frame]</c> layout, with
    /// frames = 1 + samples / hopLength. Other parameters (window, centring, padding, power, fmin/fmax, HTK, norm)
    /// are in <see cref="MelSpectrogramEstimator.Options"/>; all default to librosa 0.11's.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">Name of the output column.</param>
    /// <param name="inputColumnName">Name of the audio column; null means <paramref name="outputColumnName"/>.</param>
    /// <param name="sampleRate">Sample rate of the audio in Hz (must match LoadAudio's). Default 22,050.</param>
    /// <param name="fftSize">FFT size (n_fft). Default 2,048.</param>
    /// <param name="hopLength">Hop between frames (hop_length). Default 512.</param>
    /// <param name="melCount">Number of mel bands (n_mels). Default 128.</param>
    public static MelSpectrogramEstimator ExtractMelSpectrogram(this TransformsCatalog catalog, string outputColumnName,
        string? inputColumnName = null, int sampleRate = 22050, int fftSize = 2048, int hopLength = 512, int melCount = 128)
        => ExtractMelSpectrogram(catalog, new MelSpectrogramEstimator.Options
        {
            OutputColumnName = outputColumnName,
            InputColumnName = inputColumnName,
            Settings = MelSpectrogramSettings.Default with { SampleRate = sampleRate, FftSize = fftSize, HopLength = hopLength, MelCount = melCount },
        });

    /// <summary>Computes mel spectrograms with all of librosa's options.</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="options">The options; copied, never modified.</param>
    public static MelSpectrogramEstimator ExtractMelSpectrogram(this TransformsCatalog catalog, MelSpectrogramEstimator.Options options)
        => new(Environment(catalog), options);

    /// <summary>
    /// Converts power (e.g. a mel spectrogram) to decibels like <c>librosa.power_to_db(S, ref, amin=1e-10, top_db)</c>,
    /// per row, shape preserved. <see cref="DecibelScale.NaturalLog"/> gives the original FMA work's log scaling.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">Name of the output column.</param>
    /// <param name="inputColumnName">Name of the power column; null means <paramref name="outputColumnName"/>.</param>
    /// <param name="reference">What 0 dB stands for: the constant 1 (default) or each row's maximum.</param>
    /// <param name="topDecibels">Dynamic range kept below the row's maximum (top_db); null keeps all. Default 80.</param>
    /// <param name="scale">Decibels (default) or the original work's natural-log scaling.</param>
    public static LogPowerEstimator ConvertToDecibels(this TransformsCatalog catalog, string outputColumnName,
        string? inputColumnName = null, DecibelReference reference = DecibelReference.Constant, float? topDecibels = 80f,
        DecibelScale scale = DecibelScale.Decibels)
        => ConvertToDecibels(catalog, new LogPowerEstimator.Options
        {
            OutputColumnName = outputColumnName,
            InputColumnName = inputColumnName,
            Settings = DecibelSettings.Default with { Reference = reference, TopDecibels = topDecibels, Scale = scale },
        });

    /// <summary>Converts power to decibels with all options.</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="options">The options; copied, never modified.</param>
    public static LogPowerEstimator ConvertToDecibels(this TransformsCatalog catalog, LogPowerEstimator.Options options)
        => new(Environment(catalog), options);

    /// <summary>
    /// The original FMA-small work's CRNN as an ML.NET multiclass trainer: reads a shaped log-mel feature column
    /// (<c>Vector&lt;Single, mels, frames&gt;</c>, as <c>ExtractMelSpectrogram</c> + <c>ConvertToDecibels</c> give) and a key
    /// label, and outputs <c>Score</c> and <c>PredictedLabel</c> for <c>mlContext.MulticlassClassification.Evaluate</c>.
    /// Defaults reproduce the original network and training (70 epochs, batch 32, Adam 1e-3).
    /// </summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="labelColumnName">Key-typed label column.</param>
    /// <param name="featureColumnName">Log-mel feature column.</param>
    /// <param name="epochs">Training epochs; null keeps the default (70).</param>
    /// <param name="batchSize">Batch size; null keeps the default (32).</param>
    /// <param name="framesUsed">Use only the first this many frames (the original used 640); null uses all.</param>
    public static CrnnTrainer Crnn(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", int? epochs = null, int? batchSize = null, int? framesUsed = null)
    {
        var options = new CrnnTrainer.Options { LabelColumnName = labelColumnName, FeatureColumnName = featureColumnName, FramesUsed = framesUsed };
        if (epochs is int e) options.Epochs = e;
        if (batchSize is int b) options.BatchSize = b;
        return Crnn(catalog, options);
    }

    /// <summary>The CRNN trainer with all options (architecture, training schedule, validation set, device, progress).</summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="options">The options; copied, never modified.</param>
    public static CrnnTrainer Crnn(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, CrnnTrainer.Options options)
        => new(Environment(catalog), options);

    /// <summary>
    /// The original FMA-small work's parallel CNN-RNN as an ML.NET multiclass trainer (see <see cref="Crnn(MulticlassClassificationCatalog.MulticlassClassificationTrainers, string, string, int?, int?, int?)"/>
    /// for the columns). Defaults reproduce the original network and training (50 epochs, batch 64, Adam 1e-3).
    /// </summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="labelColumnName">Key-typed label column.</param>
    /// <param name="featureColumnName">Log-mel feature column.</param>
    /// <param name="epochs">Training epochs; null keeps the default (50).</param>
    /// <param name="batchSize">Batch size; null keeps the default (64).</param>
    /// <param name="framesUsed">Use only the first this many frames (the original used 640); null uses all.</param>
    public static ParallelCnnRnnTrainer ParallelCnnRnn(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", int? epochs = null, int? batchSize = null, int? framesUsed = null)
    {
        var options = new ParallelCnnRnnTrainer.Options { LabelColumnName = labelColumnName, FeatureColumnName = featureColumnName, FramesUsed = framesUsed };
        if (epochs is int e) options.Epochs = e;
        if (batchSize is int b) options.BatchSize = b;
        return ParallelCnnRnn(catalog, options);
    }

    /// <summary>The parallel CNN-RNN trainer with all options.</summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="options">The options; copied, never modified.</param>
    public static ParallelCnnRnnTrainer ParallelCnnRnn(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, ParallelCnnRnnTrainer.Options options)
        => new(Environment(catalog), options);

    /// <summary>
    /// A short-chunk residual CNN (after Won et al. 2020, scaled for small data) as an ML.NET multiclass trainer, with
    /// the columns of the CRNN. It trains on random excerpts of <paramref name="chunkFrames"/> frames (a fresh crop per
    /// clip per epoch) and scores each clip with the softmax averaged over <paramref name="testWindows"/> evenly spaced
    /// windows. Defaults: 40 epochs, batch 32, Adam 1e-3, channels 8/16/32/64.
    /// </summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="labelColumnName">Key-typed label column.</param>
    /// <param name="featureColumnName">Log-mel feature column.</param>
    /// <param name="epochs">Training epochs; null keeps the default (40).</param>
    /// <param name="batchSize">Batch size; null keeps the default (32).</param>
    /// <param name="chunkFrames">Excerpt length in frames; null keeps the default (128: 5.9 s at hop 1024, 3.0 s at hop 512, at 22,050 Hz).</param>
    /// <param name="testWindows">Windows averaged when scoring; null keeps the default (8).</param>
    public static ShortChunkResNetTrainer ShortChunkResNet(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", int? epochs = null, int? batchSize = null,
        int? chunkFrames = null, int? testWindows = null)
    {
        var options = new ShortChunkResNetTrainer.Options { LabelColumnName = labelColumnName, FeatureColumnName = featureColumnName };
        if (epochs is int e) options.Epochs = e;
        if (batchSize is int b) options.BatchSize = b;
        if (chunkFrames is int c) options.ChunkFrames = c;
        if (testWindows is int w) options.TestWindows = w;
        return ShortChunkResNet(catalog, options);
    }

    /// <summary>The short-chunk ResNet trainer with all options (architecture, chunking, augmentation, schedule, validation set, device).</summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="options">The options; copied, never modified.</param>
    public static ShortChunkResNetTrainer ShortChunkResNet(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, ShortChunkResNetTrainer.Options options)
        => new(Environment(catalog), options);

    private static IHostEnvironment Environment(object catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var env = MlNetBridge.GetEnvironment(catalog);
        MelGenreComponents.Register(env);
        return env;
    }
}
