using System;
using System.Collections.Generic;
using System.Globalization;

namespace MelGenre.Dsp;

/// <summary>
/// Mel scale conversions and triangular mel filter banks, numerically identical to librosa 0.11
/// (<c>librosa.hz_to_mel</c>, <c>mel_to_hz</c>, <c>mel_frequencies</c>, <c>filters.mel</c>).
/// </summary>
internal static class MelFilterBank
{
    /// <summary>librosa's warning text for filters that contain no FFT bin.</summary>
    internal const string EmptyFiltersWarning =
        "Empty filters detected in mel frequency basis. Some channels will produce empty responses. " +
        "Try increasing your sampling rate (and fmax) or reducing n_mels.";

    // Slaney's auditory toolbox constants, computed exactly as librosa does.
    private const double SlaneyFrequencySpacing = 200.0 / 3;
    private const double SlaneyMinLogHz = 1000.0;
    private const double SlaneyMinLogMel = SlaneyMinLogHz / SlaneyFrequencySpacing;
    private static readonly double SlaneyLogStep = Math.Log(6.4) / 27.0;

    /// <summary>Converts a frequency in Hz to mels (<c>librosa.hz_to_mel</c>).</summary>
    /// <param name="hz">Frequency in Hz.</param>
    /// <param name="htk">Use the HTK formula <c>2595 log10(1 + hz / 700)</c> instead of Slaney's linear-below-1-kHz, log-above scale.</param>
    /// <returns>The mel value.</returns>
    public static double HzToMel(double hz, bool htk = false)
    {
        if (htk)
        {
            return 2595.0 * Math.Log10(1.0 + (hz / 700.0));
        }

        return hz >= SlaneyMinLogHz
            ? SlaneyMinLogMel + (Math.Log(hz / SlaneyMinLogHz) / SlaneyLogStep)
            : hz / SlaneyFrequencySpacing;
    }

    /// <summary>Converts mels to a frequency in Hz (<c>librosa.mel_to_hz</c>).</summary>
    /// <param name="mel">Mel value.</param>
    /// <param name="htk">Use the HTK formula <c>700 (10^(mel / 2595) - 1)</c> instead of Slaney's scale.</param>
    /// <returns>The frequency in Hz.</returns>
    public static double MelToHz(double mel, bool htk = false)
    {
        if (htk)
        {
            return 700.0 * (Math.Pow(10.0, mel / 2595.0) - 1.0);
        }

        return mel >= SlaneyMinLogMel
            ? SlaneyMinLogHz * Math.Exp(SlaneyLogStep * (mel - SlaneyMinLogMel))
            : SlaneyFrequencySpacing * mel;
    }

    /// <summary>
    /// <paramref name="count"/> frequencies (Hz) equally spaced on the mel scale between <paramref name="minFrequency"/> and
    /// <paramref name="maxFrequency"/> (<c>librosa.mel_frequencies</c>). The mel points follow <c>np.linspace</c>:
    /// <c>start + i * step</c> with the last point set to the end exactly.
    /// </summary>
    /// <param name="count">Number of frequencies, at least 1.</param>
    /// <param name="minFrequency">Lowest frequency in Hz.</param>
    /// <param name="maxFrequency">Highest frequency in Hz.</param>
    /// <param name="htk">Use the HTK mel formula.</param>
    /// <returns>The frequencies in Hz.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is less than 1.</exception>
    public static double[] MelFrequencies(int count, double minFrequency, double maxFrequency, bool htk = false)
    {
        if (count < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "count must be at least 1.");
        }

        double minMel = HzToMel(minFrequency, htk);
        double maxMel = HzToMel(maxFrequency, htk);
        double[] mels = Linspace(minMel, maxMel, count);
        for (int i = 0; i < mels.Length; i++)
        {
            mels[i] = MelToHz(mels[i], htk);
        }

        return mels;
    }

    /// <summary>
    /// Creates the mel filter bank of <c>librosa.filters.mel(sr=sampleRate, n_fft=fftSize, n_mels=melCount, fmin, fmax, htk, norm)</c>:
    /// a <c>[melCount, fftSize / 2 + 1]</c> matrix mapping FFT bins to mel bands. Computed in double and rounded to
    /// float32 exactly where librosa rounds (the triangles are stored as float32 before the Slaney scaling is applied).
    /// </summary>
    /// <param name="sampleRate">Sampling rate in Hz, positive.</param>
    /// <param name="fftSize">FFT length, positive.</param>
    /// <param name="melCount">Number of mel bands, positive.</param>
    /// <param name="minFrequency">Lowest frequency in Hz (finite, &gt;= 0).</param>
    /// <param name="maxFrequency">Highest frequency in Hz, greater than <paramref name="minFrequency"/>; <see langword="null"/> means <c>sampleRate / 2</c>. Like librosa, values above the Nyquist frequency are accepted here.</param>
    /// <param name="htk">Use the HTK mel formula.</param>
    /// <param name="normalization">Filter normalisation.</param>
    /// <returns>The filter bank, row-major <c>[mel, bin]</c>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An argument is outside the range stated above.</exception>
    public static float[,] Create(
        int sampleRate,
        int fftSize,
        int melCount = 128,
        double minFrequency = 0,
        double? maxFrequency = null,
        bool htk = false,
        MelNormalization normalization = MelNormalization.Slaney)
    {
        float[] flat = Build(sampleRate, fftSize, melCount, minFrequency, maxFrequency, htk, normalization, out _);
        int bins = (fftSize / 2) + 1;
        var result = new float[melCount, bins];
        Buffer.BlockCopy(flat, 0, result, 0, flat.Length * sizeof(float));
        return result;
    }

    /// <summary>
    /// Builds the filter bank as a flat row-major array and reports the channels that librosa would warn about
    /// (lower edge not 0 Hz and no positive weight).
    /// </summary>
    internal static float[] Build(
        int sampleRate,
        int fftSize,
        int melCount,
        double minFrequency,
        double? maxFrequency,
        bool htk,
        MelNormalization normalization,
        out int[] emptyChannels)
    {
        if (sampleRate <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, "sampleRate must be positive.");
        }

        if (fftSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(fftSize), fftSize, "fftSize must be positive.");
        }

        if (melCount <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(melCount), melCount, "melCount must be positive.");
        }

        if (!(minFrequency >= 0) || !double.IsFinite(minFrequency))
        {
            throw new ArgumentOutOfRangeException(nameof(minFrequency), minFrequency, "minFrequency must be a finite number >= 0.");
        }

        double fmax = maxFrequency ?? (sampleRate / 2.0);
        if (!double.IsFinite(fmax) || !(fmax > minFrequency))
        {
            throw new ArgumentOutOfRangeException(
                nameof(maxFrequency),
                fmax,
                string.Format(CultureInfo.InvariantCulture, "maxFrequency must be finite and greater than minFrequency = {0}.", minFrequency));
        }

        if (!Enum.IsDefined(normalization))
        {
            throw new ArgumentOutOfRangeException(nameof(normalization), normalization, "Unknown normalization.");
        }

        int bins = (fftSize / 2) + 1;

        // fft_frequencies == np.fft.rfftfreq(n=n_fft, d=1.0 / sr): k * (1.0 / (n * d)).
        double d = 1.0 / sampleRate;
        double val = 1.0 / (fftSize * d);
        var fftFreqs = new double[bins];
        for (int k = 0; k < bins; k++)
        {
            fftFreqs[k] = k * val;
        }

        double[] melF = MelFrequencies(melCount + 2, minFrequency, fmax, htk);
        var weights = new float[melCount * bins];
        var empty = new List<int>();
        for (int i = 0; i < melCount; i++)
        {
            double fdiffLower = melF[i + 1] - melF[i];
            double fdiffUpper = melF[i + 2] - melF[i + 1];
            double enorm = 2.0 / (melF[i + 2] - melF[i]);
            float rowMax = 0f;
            int row = i * bins;
            for (int k = 0; k < bins; k++)
            {
                double lower = -(melF[i] - fftFreqs[k]) / fdiffLower;
                double upper = (melF[i + 2] - fftFreqs[k]) / fdiffUpper;
                double w = Math.Max(0.0, Math.Min(lower, upper));

                // librosa writes the triangle into a float32 array, then scales it in place by the float64 enorm.
                float wf = (float)w;
                if (normalization == MelNormalization.Slaney)
                {
                    wf = (float)(wf * enorm);
                }

                weights[row + k] = wf;
                rowMax = Math.Max(rowMax, wf);
            }

            if (melF[i] != 0.0 && !(rowMax > 0f))
            {
                empty.Add(i);
            }
        }

        emptyChannels = empty.ToArray();
        return weights;
    }

    /// <summary>numpy.linspace(start, stop, num) with endpoint=True, including its rounding.</summary>
    internal static double[] Linspace(double start, double stop, int num)
    {
        var y = new double[num];
        int div = num - 1;
        double delta = stop - start;
        if (div > 0)
        {
            double step = delta / div;
            if (step == 0)
            {
                for (int i = 0; i < num; i++)
                {
                    y[i] = ((double)i / div * delta) + start;
                }
            }
            else
            {
                for (int i = 0; i < num; i++)
                {
                    y[i] = (i * step) + start;
                }
            }

            y[num - 1] = stop;
        }
        else if (num == 1)
        {
            y[0] = (0.0 * delta) + start;
        }

        return y;
    }
}
