
namespace MelGenre.Dsp;

/// <summary>
/// The frame-wise features of the FMA feature set (FMA's <c>features.py</c>) that come from the STFT or the raw signal,
/// each computed like its librosa 0.11 function. Every feature has one value per frame and per row; the number of rows
/// is given with each member.
/// </summary>
public enum SpectralFeature
{
    /// <summary>
    /// <c>librosa.feature.zero_crossing_rate(y, frame_length=n_fft, hop_length)</c>: the fraction of sign changes in each
    /// (edge-padded) frame; values within ±1e-10 of zero count as positive. 1 row, in [0, 1].
    /// </summary>
    ZeroCrossingRate,

    /// <summary>
    /// <c>librosa.feature.chroma_stft(S=|stft|**2, sr, n_chroma, tuning=None)</c>: energy per pitch class (C, C#, ... B),
    /// with the tuning estimated from the clip and each frame scaled so that its largest class is 1 (frames of
    /// silence stay 0). <see cref="SpectralFeatureSettings.ChromaCount"/> rows, in [0, 1].
    /// </summary>
    Chroma,

    /// <summary><c>librosa.feature.rms(S=|stft|, frame_length=n_fft)</c>: root-mean-square amplitude of each frame. 1 row.</summary>
    Rms,

    /// <summary><c>librosa.feature.spectral_centroid(S=|stft|, sr)</c>: magnitude-weighted mean frequency in Hz. 1 row.</summary>
    Centroid,

    /// <summary><c>librosa.feature.spectral_bandwidth(S=|stft|, sr, p=2)</c>: magnitude-weighted standard deviation of the frequency around the centroid, in Hz. 1 row.</summary>
    Bandwidth,

    /// <summary>
    /// <c>librosa.feature.spectral_contrast(S=|stft|, sr, fmin, n_bands, quantile)</c>: per octave band, the dB difference
    /// between the mean of the top and of the bottom <c>quantile</c> of magnitudes. <see cref="SpectralFeatureSettings.ContrastBands"/> + 1 rows.
    /// </summary>
    Contrast,

    /// <summary><c>librosa.feature.spectral_rolloff(S=|stft|, sr, roll_percent)</c>: the lowest bin frequency (Hz) below which <c>roll_percent</c> of the magnitude lies. 1 row.</summary>
    Rolloff,
}
