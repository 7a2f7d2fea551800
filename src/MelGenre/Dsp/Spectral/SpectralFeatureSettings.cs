using System;
using System.Collections.Generic;
using System.Globalization;

namespace MelGenre.Dsp;

/// <summary>
/// Settings of the STFT-based features (<see cref="SpectralFeature"/>), with librosa 0.11's defaults: <c>sr=22050,
/// n_fft=2048, hop_length=512, window="hann", center=True, pad_mode="constant"</c>, <c>n_chroma=12</c> with estimated
/// tuning, <c>spectral_contrast(fmin=200, n_bands=6, quantile=0.02)</c>, <c>spectral_rolloff(roll_percent=0.85)</c>.
/// The zero-crossing rate uses <c>frame_length = n_fft</c>, as FMA's code does.
/// </summary>
public sealed record SpectralFeatureSettings
{
    /// <summary>Sampling rate of the input signal in Hz (librosa <c>sr</c>), used for every frequency. Default 22050.</summary>
    public int SampleRate { get; init; } = 22050;

    /// <summary>FFT length (librosa <c>n_fft</c>; the zero-crossing rate's <c>frame_length</c>). Default 2048; at least 2.</summary>
    public int FftSize { get; init; } = 2048;

    /// <summary>Samples between successive frames (librosa <c>hop_length</c>). Default 512.</summary>
    public int HopLength { get; init; } = 512;

    /// <summary>Window function of the STFT. Default Hann (periodic).</summary>
    public WindowType Window { get; init; } = WindowType.Hann;

    /// <summary>Centre frames on <c>t * hop_length</c> (librosa <c>center</c>). Default <see langword="true"/>.</summary>
    public bool Center { get; init; } = true;

    /// <summary>STFT padding when <see cref="Center"/> is set. Default zeros (librosa 0.10+). The zero-crossing rate always pads with the edge samples, as librosa does.</summary>
    public PadMode PadMode { get; init; } = PadMode.Constant;

    /// <summary>
    /// The <c>sr</c> given to <c>chroma_stft</c>; <see langword="null"/> (default) means <see cref="SampleRate"/>. FMA's code
    /// calls <c>chroma_stft</c> without <c>sr</c>, so librosa uses 22050 whatever the clip's rate: set 22050 to reproduce
    /// it. (A wrong rate scales every frequency by the same factor; for a factor of 2 the pitch classes are unchanged,
    /// only the tuning search range and the octave weighting move.)
    /// </summary>
    public int? ChromaSampleRate { get; init; }

    /// <summary>Number of chroma bins (librosa <c>n_chroma</c>). Default 12; at least 1.</summary>
    public int ChromaCount { get; init; } = 12;

    /// <summary>
    /// Tuning deviation from A440 in fractions of a chroma bin (librosa <c>tuning</c>), in [-0.5, 0.5);
    /// <see langword="null"/> (default) estimates it from each clip like <c>librosa.estimate_tuning</c>.
    /// </summary>
    public float? ChromaTuning { get; init; }

    /// <summary>Number of octave bands of the spectral contrast (librosa <c>n_bands</c>). Default 6; the output has one more row.</summary>
    public int ContrastBands { get; init; } = 6;

    /// <summary>Upper edge of the contrast's lowest band in Hz (librosa <c>fmin</c>). Default 200.</summary>
    public float ContrastMinFrequency { get; init; } = 200f;

    /// <summary>Fraction of each band taken as its peak and valley (librosa <c>quantile</c>), in (0, 1). Default 0.02.</summary>
    public float ContrastQuantile { get; init; } = 0.02f;

    /// <summary>Fraction of the magnitude below the roll-off frequency (librosa <c>roll_percent</c>), in (0, 1). Default 0.85.</summary>
    public float RolloffPercent { get; init; } = 0.85f;

    /// <summary>The <c>sr</c> used by the chroma: <see cref="ChromaSampleRate"/> or <see cref="SampleRate"/>.</summary>
    public int EffectiveChromaSampleRate => ChromaSampleRate ?? SampleRate;

    /// <summary>Number of rows <paramref name="feature"/> has per frame.</summary>
    /// <param name="feature">The feature.</param>
    /// <returns>1, <see cref="ChromaCount"/> or <see cref="ContrastBands"/> + 1.</returns>
    public int RowCount(SpectralFeature feature) => feature switch
    {
        SpectralFeature.Chroma => ChromaCount,
        SpectralFeature.Contrast => ContrastBands + 1,
        _ => 1,
    };

    /// <summary>
    /// Checks every setting and returns all configuration errors (empty when valid), each naming the librosa parameter,
    /// the rule and the value, e.g. <c>"quantile must lie in the range (0, 1), got 1.5"</c>.
    /// </summary>
    /// <returns>The list of errors.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        CultureInfo ci = CultureInfo.InvariantCulture;
        if (SampleRate <= 0)
        {
            errors.Add(string.Format(ci, "sr must be a positive number of Hz, got {0}", SampleRate));
        }

        if (FftSize < 2)
        {
            errors.Add(string.Format(ci, "n_fft must be an integer >= 2, got {0}", FftSize));
        }

        if (HopLength <= 0)
        {
            errors.Add(string.Format(ci, "hop_length must be a positive integer, got {0}", HopLength));
        }

        if (!Enum.IsDefined(Window))
        {
            errors.Add(string.Format(ci, "window must be one of Hann, Hamming, Rectangular, got {0}", (int)Window));
        }

        if (!Enum.IsDefined(PadMode))
        {
            errors.Add(string.Format(ci, "pad_mode must be Constant or Reflect, got {0}", (int)PadMode));
        }

        if (ChromaSampleRate is int chromaRate && chromaRate <= 0)
        {
            errors.Add(string.Format(ci, "chroma sr must be a positive number of Hz, got {0}", chromaRate));
        }

        if (ChromaCount < 1)
        {
            errors.Add(string.Format(ci, "n_chroma must be a positive integer, got {0}", ChromaCount));
        }

        if (ChromaTuning is float tuning && !(tuning >= -0.5f && tuning < 0.5f))
        {
            errors.Add(string.Format(ci, "tuning must lie in [-0.5, 0.5), got {0}", tuning));
        }

        if (ContrastBands < 1)
        {
            errors.Add(string.Format(ci, "n_bands must be a positive integer, got {0}", ContrastBands));
        }

        if (!(ContrastQuantile > 0f && ContrastQuantile < 1f))
        {
            errors.Add(string.Format(ci, "quantile must lie in the range (0, 1), got {0}", ContrastQuantile));
        }

        if (!(ContrastMinFrequency > 0f) || !float.IsFinite(ContrastMinFrequency))
        {
            errors.Add(string.Format(ci, "fmin must be a positive number, got {0}", ContrastMinFrequency));
        }
        else if (SampleRate > 0 && ContrastBands >= 1 && ContrastBands < 64)
        {
            double top = MelSpectrogramSettings.WidenDecimal(ContrastMinFrequency) * Math.Pow(2, ContrastBands - 1);
            if (top >= 0.5 * SampleRate)
            {
                errors.Add(string.Format(
                    ci,
                    "Frequency band exceeds Nyquist (fmin * 2**(n_bands - 1) = {0} Hz >= sr/2 = {1} Hz). Reduce either fmin or n_bands",
                    top,
                    0.5 * SampleRate));
            }
        }

        if (!(RolloffPercent > 0f && RolloffPercent < 1f))
        {
            errors.Add(string.Format(ci, "roll_percent must lie in the range (0, 1), got {0}", RolloffPercent));
        }

        return errors;
    }

    /// <summary>Returns a readable summary of all settings (librosa parameter names).</summary>
    /// <returns>A single line such as <c>sr=22050, n_fft=2048, ...</c>.</returns>
    public override string ToString() => string.Format(
        CultureInfo.InvariantCulture,
        "sr={0}, n_fft={1}, hop_length={2}, window={3}, center={4}, pad_mode={5}, chroma sr={6}, n_chroma={7}, tuning={8}, n_bands={9}, fmin={10}, quantile={11}, roll_percent={12}",
        SampleRate,
        FftSize,
        HopLength,
        Window,
        Center,
        PadMode,
        EffectiveChromaSampleRate,
        ChromaCount,
        ChromaTuning is float t ? t.ToString("R", CultureInfo.InvariantCulture) : "None",
        ContrastBands,
        ContrastMinFrequency.ToString("R", CultureInfo.InvariantCulture),
        ContrastQuantile.ToString("R", CultureInfo.InvariantCulture),
        RolloffPercent.ToString("R", CultureInfo.InvariantCulture));
}
