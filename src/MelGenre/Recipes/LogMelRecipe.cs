using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using MelGenre.Dsp;
using MelGenre.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MelGenre.Recipes;

/// <summary>
/// Everything that determines a clip's log-mel features: the <c>LoadAudio</c> settings (sample rate, offset,
/// duration), the <c>ExtractMelSpectrogram</c> settings and the <c>ConvertToDecibels</c> settings. The same object
/// builds the ML.NET front end (<see cref="CreateFrontEnd"/>), computes features directly
/// (<see cref="LogMelExtractor"/>) and keys the on-disk cache (<see cref="Fingerprint"/>), so the three always agree.
/// Immutable; <see cref="Original"/> is the original FMA-small work's front end.
/// </summary>
public sealed class LogMelRecipe
{
    /// <summary>
    /// Version of MelGenre's feature code, part of <see cref="Fingerprint"/>: raised whenever a change to the decoder,
    /// resampler, mel or dB code changes the numbers, so that caches made by older code are not reused.
    /// History: 1 = librosa 0.11-exact decode/soxr-HQ/mel/dB (MelGenre 0.1).
    /// </summary>
    public const int FeatureCodeVersion = 1;

    /// <summary>Sample rate the audio is resampled to, in Hz. Default 22,050.</summary>
    public int SampleRate { get; init; } = 22050;

    /// <summary>Start of the excerpt in seconds. Default 0.</summary>
    public double OffsetSeconds { get; init; }

    /// <summary>Length of the excerpt in seconds (shorter audio is padded with zeros). Default 30.</summary>
    public double DurationSeconds { get; init; } = 30;

    /// <summary>Mel spectrogram settings; their <see cref="MelSpectrogramSettings.SampleRate"/> is replaced by <see cref="SampleRate"/>.</summary>
    public MelSpectrogramSettings Mel { get; init; } = new();

    /// <summary>What 0 dB stands for. Default: each clip's maximum (librosa <c>ref=np.max</c>), as the original work.</summary>
    public DecibelReference Reference { get; init; } = DecibelReference.Maximum;

    /// <summary>Reference power when <see cref="Reference"/> is <see cref="DecibelReference.Constant"/>. Default 1.</summary>
    public float ReferenceValue { get; init; } = 1f;

    /// <summary>Floor of the power before the logarithm (librosa <c>amin</c>). Default 1e-10.</summary>
    public float MinimumPower { get; init; } = 1e-10f;

    /// <summary>Dynamic range kept below the maximum, in dB; null keeps all. Default 80.</summary>
    public float? TopDecibels { get; init; } = 80f;

    /// <summary>Decibels or the original work's natural-log scaling. Default <see cref="DecibelScale.NaturalLog"/>.</summary>
    public DecibelScale Scale { get; init; } = DecibelScale.NaturalLog;

    /// <summary>
    /// The original FMA-small work's front end: 22,050 Hz mono, 30 s, n_fft 2048, hop 1024, 128 Slaney mels with
    /// reflect padding (librosa &lt; 0.9, which the 2020 code ran on), <c>power_to_db(ref=np.max)</c> then
    /// <c>np.log(db_to_power(x))</c>. Output 128 x 646; the networks use the first 640 frames.
    /// </summary>
    public static LogMelRecipe Original { get; } = new()
    {
        Mel = new MelSpectrogramSettings { HopLength = 1024, PadMode = PadMode.Reflect },
    };

    /// <summary>Number of audio samples of a clip: floor(duration × rate), as <c>LoadAudio</c>.</summary>
    public int SampleCount => (int)Math.Floor(DurationSeconds * SampleRate);

    /// <summary>The mel settings actually used (with <see cref="SampleRate"/>).</summary>
    public MelSpectrogramSettings EffectiveMel => Mel.SampleRate == SampleRate ? Mel : CopyMel(Mel, SampleRate);

    /// <summary>Mel bands (rows of the feature matrix).</summary>
    public int MelCount => Mel.MelCount;

    /// <summary>Frames of a clip (columns of the feature matrix).</summary>
    public int FrameCount => new MelSpectrogram(EffectiveMel).GetFrameCount(SampleCount);

    /// <summary>The feature column's type: <c>Vector&lt;Single, MelCount, FrameCount&gt;</c> (librosa's [mel, frame] layout).</summary>
    public VectorDataViewType FeatureType => new(NumberDataViewType.Single, MelCount, FrameCount);

    /// <summary>Every broken rule, with its value (empty when the settings are usable).</summary>
    /// <returns>The errors.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        var ci = CultureInfo.InvariantCulture;
        if (SampleRate <= 0)
            errors.Add(string.Format(ci, "SampleRate must be > 0 Hz, got {0}", SampleRate));
        if (!(OffsetSeconds >= 0) || double.IsInfinity(OffsetSeconds))
            errors.Add(string.Format(ci, "OffsetSeconds must be a finite number >= 0, got {0}", OffsetSeconds));
        if (!(DurationSeconds > 0) || double.IsInfinity(DurationSeconds) || DurationSeconds * SampleRate >= int.MaxValue)
            errors.Add(string.Format(ci, "DurationSeconds must be > 0 and fit in an array at the sample rate, got {0}", DurationSeconds));
        else if (SampleRate > 0 && SampleCount < 1)
            errors.Add(string.Format(ci, "DurationSeconds × SampleRate must give at least one sample, got {0} s", DurationSeconds));
        if (Mel is null)
            errors.Add("Mel must be set");
        else
            errors.AddRange(EffectiveMel.Validate());
        if (!(MinimumPower > 0) || !float.IsFinite(MinimumPower))
            errors.Add(string.Format(ci, "MinimumPower must be a finite number > 0, got {0}", MinimumPower));
        if (TopDecibels is float top && !(top >= 0))
            errors.Add(string.Format(ci, "TopDecibels must be >= 0 or null, got {0}", top));
        if (Reference == DecibelReference.Constant && (!(ReferenceValue > 0) || !float.IsFinite(ReferenceValue)))
            errors.Add(string.Format(ci, "ReferenceValue must be a finite number > 0, got {0}", ReferenceValue));
        if (!Enum.IsDefined(Reference))
            errors.Add($"Reference must be Constant or Maximum, got {(int)Reference}");
        if (!Enum.IsDefined(Scale))
            errors.Add($"Scale must be Decibels or NaturalLog, got {(int)Scale}");
        return errors;
    }

    /// <summary>Throws one <see cref="ArgumentException"/> listing every broken rule.</summary>
    /// <exception cref="ArgumentException">The settings are invalid.</exception>
    public void EnsureValid()
    {
        var errors = Validate();
        if (errors.Count > 0)
            throw new ArgumentException("Invalid feature settings: " + string.Join("; ", errors) + ".");
    }

    /// <summary>
    /// A canonical, human-readable description of every setting and <see cref="FeatureCodeVersion"/>; two settings
    /// give the same text exactly when they give the same features.
    /// </summary>
    /// <returns>The description.</returns>
    public string Describe()
    {
        var m = EffectiveMel;
        var ci = CultureInfo.InvariantCulture;
        return string.Join("; ", new[]
        {
            $"features v{FeatureCodeVersion}",
            string.Format(ci, "load: sr={0} offset={1:R} duration={2:R} mono=mean resampler=soxr_hq pad=zeros", SampleRate, OffsetSeconds, DurationSeconds),
            string.Format(ci, "mel: n_fft={0} hop={1} win={2} window={3} center={4} pad_mode={5} power={6:R} n_mels={7} fmin={8:R} fmax={9:R} htk={10} norm={11}",
                m.FftSize, m.HopLength, m.EffectiveWindowLength, m.Window, m.Center, m.PadMode, m.Power, m.MelCount, m.EffectiveMinFrequency, m.EffectiveMaxFrequency, m.Htk, m.Normalization),
            string.Format(ci, "db: ref={0} ref_value={1:R} amin={2:R} top_db={3} scale={4}",
                Reference, ReferenceValue, MinimumPower, TopDecibels?.ToString("R", ci) ?? "none", Scale),
        });
    }

    /// <summary>First 16 hex digits of the SHA-256 of <see cref="Describe"/>: the cache key of these settings.</summary>
    public string Fingerprint => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Describe())))[..16];

    /// <summary>
    /// The ML.NET front end with these settings: <c>LoadAudio</c> → <c>ExtractMelSpectrogram</c> →
    /// <c>ConvertToDecibels</c>, reading file paths from <paramref name="inputColumnName"/> and writing the features
    /// to <paramref name="outputColumnName"/> (intermediate columns <c>{output}.Audio</c> and <c>{output}.Mel</c>).
    /// Its output equals <see cref="LogMelExtractor.Extract(string)"/> bit for bit.
    /// </summary>
    /// <param name="mlContext">The context.</param>
    /// <param name="inputColumnName">Column of file paths.</param>
    /// <param name="outputColumnName">Column of features.</param>
    /// <param name="baseFolder">Folder relative paths are resolved against.</param>
    /// <param name="onError">What to do with files that cannot be decoded.</param>
    /// <returns>The estimator chain.</returns>
    public EstimatorChain<LogPowerTransformer> CreateFrontEnd(MLContext mlContext, string inputColumnName = "Path",
        string outputColumnName = "Features", string? baseFolder = null, AudioErrorPolicy onError = AudioErrorPolicy.Throw)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        EnsureValid();
        var m = EffectiveMel;
        string audio = outputColumnName + ".Audio", mel = outputColumnName + ".Mel";
        return mlContext.Transforms.LoadAudio(new AudioLoadingEstimator.Options
        {
            OutputColumnName = audio,
            InputColumnName = inputColumnName,
            BaseFolder = baseFolder,
            SampleRate = SampleRate,
            OffsetSeconds = OffsetSeconds,
            DurationSeconds = DurationSeconds,
            OnError = onError,
        })
        .Append(mlContext.Transforms.ExtractMelSpectrogram(new MelSpectrogramEstimator.Options
        {
            OutputColumnName = mel,
            InputColumnName = audio,
            SampleRate = SampleRate,
            FftSize = m.FftSize,
            HopLength = m.HopLength,
            WindowLength = m.WindowLength,
            Window = m.Window,
            Center = m.Center,
            PadMode = m.PadMode,
            Power = m.Power,
            MelCount = m.MelCount,
            MinFrequency = m.MinFrequency,
            MaxFrequency = m.MaxFrequency,
            Htk = m.Htk,
            Normalization = m.Normalization,
        }))
        .Append(mlContext.Transforms.ConvertToDecibels(new LogPowerEstimator.Options
        {
            OutputColumnName = outputColumnName,
            InputColumnName = mel,
            Reference = Reference,
            ReferenceValue = ReferenceValue,
            MinimumPower = MinimumPower,
            TopDecibels = TopDecibels,
            Scale = Scale,
        }));
    }

    /// <summary>
    /// Recovers the settings from a fitted front end (for example the first transformers of a loaded model), so that a
    /// saved model can be applied to windows of whole songs with exactly the features it was trained on.
    /// </summary>
    /// <param name="model">A transformer chain holding a LoadAudio, an ExtractMelSpectrogram and a ConvertToDecibels transformer.</param>
    /// <returns>The settings.</returns>
    /// <exception cref="ArgumentException">The model has no such front end.</exception>
    public static LogMelRecipe FromModel(ITransformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var parts = Flatten(model).ToList();
        var load = parts.OfType<AudioLoadingTransformer>().FirstOrDefault();
        var mel = parts.OfType<MelSpectrogramTransformer>().FirstOrDefault();
        var db = parts.OfType<LogPowerTransformer>().FirstOrDefault();
        if (load is null || mel is null || db is null)
            throw new ArgumentException("The model has no MelGenre front end (LoadAudio → ExtractMelSpectrogram → ConvertToDecibels).", nameof(model));
        return new LogMelRecipe
        {
            SampleRate = load.SampleRate,
            OffsetSeconds = load.OffsetSeconds,
            DurationSeconds = load.DurationSeconds,
            Mel = mel.Settings,
            Reference = db.Reference,
            ReferenceValue = db.ReferenceValue,
            MinimumPower = db.MinimumPower,
            TopDecibels = db.TopDecibels,
            Scale = db.Scale,
        };
    }

    /// <summary>The transformers of a (possibly nested) chain, in order.</summary>
    /// <param name="model">A transformer or chain.</param>
    /// <returns>The leaf transformers.</returns>
    public static IEnumerable<ITransformer> Flatten(ITransformer model)
    {
        if (model is IEnumerable<ITransformer> chain)
        {
            foreach (var t in chain)
            {
                foreach (var leaf in Flatten(t))
                    yield return leaf;
            }
        }
        else
        {
            yield return model;
        }
    }

    private static MelSpectrogramSettings CopyMel(MelSpectrogramSettings m, int sampleRate) => new()
    {
        SampleRate = sampleRate,
        FftSize = m.FftSize,
        HopLength = m.HopLength,
        WindowLength = m.WindowLength,
        Window = m.Window,
        Center = m.Center,
        PadMode = m.PadMode,
        Power = m.Power,
        MelCount = m.MelCount,
        MinFrequency = m.MinFrequency,
        MaxFrequency = m.MaxFrequency,
        Htk = m.Htk,
        Normalization = m.Normalization,
    };

    /// <inheritdoc/>
    public override string ToString() => Describe();
}
