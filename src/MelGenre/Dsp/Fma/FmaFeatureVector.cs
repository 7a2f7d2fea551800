using System;
using System.Collections.Generic;
using System.Globalization;

namespace MelGenre.Dsp;

/// <summary>
/// The STFT-based part of FMA's clip features (<c>features.py</c>, the features of the FMA paper's classical baselines)
/// as one vector of 308 values: the 7 statistics (<see cref="FrameStatistic.All"/>) over time of chroma_stft (12 rows),
/// mfcc (20), rmse (1), spectral_bandwidth (1), spectral_centroid (1), spectral_contrast (7), spectral_rolloff (1) and
/// zcr (1), all computed from one shared STFT exactly like librosa 0.11.
/// </summary>
/// <remarks>
/// <para><b>Order and names.</b> Values are in the column order of FMA's <c>features.csv</c> (its columns sorted by
/// feature, statistic and number, restricted to these features), and <see cref="SlotNames"/> are those columns' names
/// joined with '/': <c>chroma_stft/kurtosis/01</c> ... <c>zcr/std/01</c>. FMA names librosa's <c>rms</c> "rmse" (its
/// old name) and that name is kept. Per-frame calls, as in FMA's code with the rates of the golden reference:
/// <c>zero_crossing_rate(y, frame_length=n_fft, hop_length)</c>, <c>chroma_stft(S=|stft|**2, n_chroma=12)</c> with
/// <c>sr</c> = <see cref="FmaFeatureSettings.ChromaSampleRate"/>, <c>rms(S=|stft|)</c>, <c>spectral_*(S=|stft|, sr)</c>
/// (contrast with <c>n_bands=6</c>) and <c>mfcc(S=power_to_db(melspectrogram(sr, S=|stft|**2)), n_mfcc=20)</c>.</para>
/// <para>CQT-based features of FMA (chroma_cqt, chroma_cens, tonnetz) are not included.</para>
/// <para>Immutable; <see cref="Compute(ReadOnlySpan{float}, Span{float})"/> is thread-safe.</para>
/// </remarks>
internal sealed class FmaFeatureVector
{
    /// <summary>Number of mel bands behind the MFCCs (librosa's default).</summary>
    public const int MelCount = 128;

    /// <summary>Number of MFCCs (FMA's n_mfcc).</summary>
    public const int MfccCount = 20;

    /// <summary>Number of values of the vector: 7 statistics × 44 rows.</summary>
    public const int Length = 308;

    private static readonly (string Name, int Rows)[] Blocks =
    [
        ("chroma_stft", 12),
        ("mfcc", MfccCount),
        ("rmse", 1),
        ("spectral_bandwidth", 1),
        ("spectral_centroid", 1),
        ("spectral_contrast", 7),
        ("spectral_rolloff", 1),
        ("zcr", 1),
    ];

    // FMA's statistic names sorted as in features.csv, with their index in FrameStatistics' order.
    private static readonly (string Name, int Index)[] SortedStatistics =
    [
        ("kurtosis", 3),
        ("max", 6),
        ("mean", 0),
        ("median", 4),
        ("min", 5),
        ("skew", 2),
        ("std", 1),
    ];

    private static readonly string[] Names = BuildSlotNames();

    private readonly SpectralFeatures _spectral;
    private readonly MelCepstrum _cepstrum;

    [ThreadStatic]
    private static float[]? t_frames;

    /// <summary>Creates an extractor.</summary>
    /// <param name="settings">The settings; null means the defaults.</param>
    /// <exception cref="ArgumentException">The settings are invalid; the message lists every error.</exception>
    public FmaFeatureVector(FmaFeatureSettings? settings = null)
    {
        settings ??= new FmaFeatureSettings();
        IReadOnlyList<string> errors = settings.Validate();
        if (errors.Count > 0)
        {
            throw OptionErrors.Create("FMA feature settings", errors, nameof(settings));
        }

        Settings = settings;
        _spectral = new SpectralFeatures(settings.ToSpectralSettings());
        _cepstrum = new MelCepstrum(settings.SampleRate, settings.FftSize, MelCount, MfccCount);
    }

    /// <summary>The settings this extractor was built with.</summary>
    public FmaFeatureSettings Settings { get; }

    /// <summary>Names of the 308 values, e.g. <c>mfcc/mean/01</c> (feature/statistic/number as in FMA's features.csv).</summary>
    public static IReadOnlyList<string> SlotNames => Names;

    /// <summary>Number of frames the statistics run over for a clip of <paramref name="sampleCount"/> samples.</summary>
    /// <param name="sampleCount">Number of samples.</param>
    /// <returns>The frame count.</returns>
    public int GetFrameCount(int sampleCount) => _spectral.GetFrameCount(sampleCount);

    /// <summary>Computes the 308 values of a clip.</summary>
    /// <param name="samples">Mono signal at <see cref="FmaFeatureSettings.SampleRate"/>.</param>
    /// <returns>The feature vector, in <see cref="SlotNames"/> order.</returns>
    public float[] Compute(ReadOnlySpan<float> samples)
    {
        var result = new float[Length];
        Compute(samples, result);
        return result;
    }

    /// <summary>Computes the 308 values of a clip into <paramref name="destination"/>.</summary>
    /// <param name="samples">Mono signal at <see cref="FmaFeatureSettings.SampleRate"/>.</param>
    /// <param name="destination">Exactly <see cref="Length"/> values, in <see cref="SlotNames"/> order.</param>
    /// <exception cref="ArgumentException">Wrong destination length, or too few samples for one frame.</exception>
    public void Compute(ReadOnlySpan<float> samples, Span<float> destination)
    {
        if (destination.Length != Length)
        {
            throw new ArgumentException(string.Format(CultureInfo.InvariantCulture, "destination must hold {0} values, got {1}", Length, destination.Length), nameof(destination));
        }

        int frames = GetFrameCount(samples.Length);
        int rows = 0;
        foreach ((_, int r) in Blocks)
        {
            rows += r;
        }

        float[] matrix = t_frames is { } cached && cached.Length >= rows * frames ? cached : (t_frames = new float[rows * frames]);
        ComputeFrames(samples, matrix.AsSpan(0, rows * frames), frames);

        Span<double> stats = stackalloc double[7];
        float[] scratch = new float[frames];
        int row = 0;
        int slot = 0;
        foreach ((_, int blockRows) in Blocks)
        {
            for (int r = 0; r < blockRows; r++)
            {
                FrameStatistics.SummarizeRow(matrix.AsSpan((row + r) * frames, frames), scratch, Settings.ConstantRowMoment, stats);
                for (int s = 0; s < SortedStatistics.Length; s++)
                {
                    destination[slot + (s * blockRows) + r] = (float)stats[SortedStatistics[s].Index];
                }
            }

            row += blockRows;
            slot += blockRows * SortedStatistics.Length;
        }
    }

    /// <summary>
    /// The per-frame features behind the vector, row-major <c>[row, frame]</c>, blocks in <see cref="SlotNames"/>'s
    /// feature order (chroma 12, mfcc 20, rms, bandwidth, centroid, contrast 7, rolloff, zcr).
    /// </summary>
    internal void ComputeFrames(ReadOnlySpan<float> samples, Span<float> matrix, int frames)
    {
        var outputs = new FrameOutputs
        {
            Chroma = matrix.Slice(0, 12 * frames),
            Mfcc = matrix.Slice(12 * frames, MfccCount * frames),
            Rms = matrix.Slice(32 * frames, frames),
            Bandwidth = matrix.Slice(33 * frames, frames),
            Centroid = matrix.Slice(34 * frames, frames),
            Contrast = matrix.Slice(35 * frames, 7 * frames),
            Rolloff = matrix.Slice(42 * frames, frames),
            ZeroCrossingRate = matrix.Slice(43 * frames, frames),
        };
        _spectral.ComputeFrames(samples, ref outputs, _cepstrum);
    }

    private static string[] BuildSlotNames()
    {
        var names = new List<string>(Length);
        foreach ((string feature, int rows) in Blocks)
        {
            foreach ((string statistic, _) in SortedStatistics)
            {
                for (int r = 0; r < rows; r++)
                {
                    names.Add(string.Format(CultureInfo.InvariantCulture, "{0}/{1}/{2:00}", feature, statistic, r + 1));
                }
            }
        }

        return names.ToArray();
    }
}
