using System;
using System.Collections.Generic;
using System.Globalization;

namespace MelGenre.Dsp;

/// <summary>
/// Settings of the FMA-style feature vector (<see cref="FmaFeatureVector"/>). Defaults reproduce FMA's
/// <c>features.py</c> with librosa 0.11 on clips at 44.1 kHz: <c>n_fft=2048, hop_length=512</c>, chroma with librosa's
/// default <c>sr=22050</c> (FMA calls <c>chroma_stft</c> without <c>sr</c>), 128 mel bands and 20 MFCCs.
/// </summary>
public sealed record FmaFeatureSettings
{
    /// <summary>Sampling rate of the clips in Hz. Default 44,100 (FMA computes at each MP3's native rate, almost always 44.1 kHz).</summary>
    public int SampleRate { get; init; } = 44100;

    /// <summary>FFT length (n_fft, also the zero-crossing frame length). Default 2048.</summary>
    public int FftSize { get; init; } = 2048;

    /// <summary>Hop between frames (hop_length). Default 512.</summary>
    public int HopLength { get; init; } = 512;

    /// <summary>The <c>sr</c> given to <c>chroma_stft</c>; default 22050 as in FMA's code; <see langword="null"/> means <see cref="SampleRate"/>.</summary>
    public int? ChromaSampleRate { get; init; } = 22050;

    /// <summary>
    /// Value given to the skewness and kurtosis of a row that is constant over the clip (e.g. silence), where scipy
    /// returns NaN. Default 0, which every ML.NET trainer accepts; set <see cref="float.NaN"/> for scipy's value.
    /// </summary>
    public float ConstantRowMoment { get; init; }

    /// <summary>
    /// When true, the vector also holds FMA's CQT-based features (<c>chroma_cens</c>, <c>chroma_cqt</c>, <c>tonnetz</c>;
    /// 210 values, librosa 0.11-exact) and has FMA's full 518 values in <c>features.csv</c>'s column order and slot names.
    /// Default false: the 308 STFT-based values. The CQT part costs about as much again as the 308 values.
    /// </summary>
    public bool IncludeCqt { get; init; }

    /// <summary>Number of values of the vector: 518 with <see cref="IncludeCqt"/>, else 308.</summary>
    public int VectorLength => IncludeCqt ? FmaFeatureVector.FullLength : FmaFeatureVector.Length;

    /// <summary>The per-frame feature settings these correspond to.</summary>
    /// <returns>Settings for <see cref="SpectralFeatures"/>.</returns>
    public SpectralFeatureSettings ToSpectralSettings() => new()
    {
        SampleRate = SampleRate,
        FftSize = FftSize,
        HopLength = HopLength,
        ChromaSampleRate = ChromaSampleRate,
    };

    /// <summary>Checks every setting; returns all errors (empty when valid).</summary>
    /// <returns>The list of errors.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>(ToSpectralSettings().Validate());
        if (SampleRate > 0 && FftSize >= 2 && FmaFeatureVector.MelCount > (FftSize / 2) + 1)
        {
            errors.Add(string.Format(CultureInfo.InvariantCulture, "n_fft = {0} is too small for {1} mel bands", FftSize, FmaFeatureVector.MelCount));
        }

        return errors;
    }
}
