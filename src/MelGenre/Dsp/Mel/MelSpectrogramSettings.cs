using System;
using System.Collections.Generic;
using System.Globalization;

namespace MelGenre.Dsp;

/// <summary>
/// Plain settings of a mel spectrogram, with the defaults of <c>librosa.feature.melspectrogram</c> (librosa 0.11):
/// <c>sr=22050, n_fft=2048, hop_length=512, win_length=None, window="hann", center=True, pad_mode="constant",
/// power=2.0, n_mels=128, fmin=0.0, fmax=None, htk=False, norm="slaney"</c>.
/// </summary>
/// <remarks>
/// Error messages (see <see cref="Validate"/>) use librosa's parameter names so that they can be compared with Python code.
/// </remarks>
public sealed record MelSpectrogramSettings
{
    /// <summary>librosa 0.11's defaults (see the class summary).</summary>
    public static MelSpectrogramSettings Default { get; } = new();

    /// <summary>
    /// The original FMA-small work's spectrogram: n_fft 2048, hop 1024, 128 Slaney mels with reflect padding (librosa
    /// &lt; 0.9, which the 2020 code ran on), at 22,050 Hz.
    /// </summary>
    public static MelSpectrogramSettings Original { get; } = new() { HopLength = 1024, PadMode = PadMode.Reflect };

    /// <summary>Sampling rate of the input signal in Hz (librosa <c>sr</c>). Default 22050.</summary>
    public int SampleRate { get; init; } = 22050;

    /// <summary>
    /// FFT length in samples (librosa <c>n_fft</c>). Default 2048. Any positive size works like in librosa (odd sizes
    /// included); powers of two of at least 2 use the fast FFT, every other size a Bluestein FFT that is several times slower.
    /// </summary>
    public int FftSize { get; init; } = 2048;

    /// <summary>Number of samples between successive frames (librosa <c>hop_length</c>). Default 512.</summary>
    public int HopLength { get; init; } = 512;

    /// <summary>
    /// Length of the window (librosa <c>win_length</c>); <see langword="null"/> means <see cref="FftSize"/>. Must be
    /// between 1 and <see cref="FftSize"/>; a shorter window is zero-padded on both sides to <see cref="FftSize"/>
    /// like <c>librosa.util.pad_center</c> (left padding <c>(n_fft - win_length) // 2</c>).
    /// </summary>
    public int? WindowLength { get; init; }

    /// <summary>Window function (periodic, as scipy with <c>fftbins=True</c>). Default <see cref="WindowType.Hann"/>.</summary>
    public WindowType Window { get; init; } = WindowType.Hann;

    /// <summary>
    /// If <see langword="true"/> (default), frame <c>t</c> is centred on sample <c>t * hop_length</c> and the signal is
    /// padded by <c>n_fft // 2</c> on both sides using <see cref="PadMode"/>; otherwise frame <c>t</c> starts at
    /// <c>t * hop_length</c> and no padding is applied.
    /// </summary>
    public bool Center { get; init; } = true;

    /// <summary>Padding used when <see cref="Center"/> is set. Default <see cref="PadMode.Constant"/> (zeros), as librosa 0.10+.</summary>
    public PadMode PadMode { get; init; } = PadMode.Constant;

    /// <summary>Exponent applied to the STFT magnitude: 1 = magnitude, 2 = power (default). Must be positive and finite.</summary>
    public float Power { get; init; } = 2f;

    /// <summary>Number of mel bands (librosa <c>n_mels</c>). Default 128.</summary>
    public int MelCount { get; init; } = 128;

    /// <summary>Lowest frequency of the mel filter bank in Hz (librosa <c>fmin</c>). Default 0.</summary>
    public float MinFrequency { get; init; }

    /// <summary>
    /// Highest frequency of the mel filter bank in Hz (librosa <c>fmax</c>); <see langword="null"/> (default) means
    /// <c>SampleRate / 2</c>. Must be greater than <see cref="MinFrequency"/> and at most <c>SampleRate / 2</c>.
    /// </summary>
    public float? MaxFrequency { get; init; }

    /// <summary>Use the HTK mel formula (<c>2595 log10(1 + f / 700)</c>) instead of Slaney's (default <see langword="false"/>).</summary>
    public bool Htk { get; init; }

    /// <summary>Normalisation of the mel filters. Default <see cref="MelNormalization.Slaney"/>.</summary>
    public MelNormalization Normalization { get; init; } = MelNormalization.Slaney;

    /// <summary>The window length actually used: <see cref="WindowLength"/> or, when it is not set, <see cref="FftSize"/>.</summary>
    public int EffectiveWindowLength => WindowLength ?? FftSize;

    /// <summary>
    /// The lower mel edge in Hz as a double, taken from the shortest decimal form of <see cref="MinFrequency"/>
    /// (so <c>0.1f</c> becomes <c>0.1</c>, the value Python code would pass).
    /// </summary>
    public double EffectiveMinFrequency => WidenDecimal(MinFrequency);

    /// <summary>The upper mel edge in Hz: <see cref="MaxFrequency"/> (widened like <see cref="EffectiveMinFrequency"/>) or <c>SampleRate / 2</c>.</summary>
    public double EffectiveMaxFrequency => MaxFrequency is float f ? WidenDecimal(f) : SampleRate / 2.0;

    /// <summary>
    /// Checks every setting and returns all configuration errors (empty when the settings are valid). Each message names
    /// the parameter (with librosa's name), the rule and the offending value, e.g.
    /// <c>"n_fft must be a positive integer, got 0"</c> or <c>"fmax must be &lt;= sr/2 = 11025 Hz, got 12000"</c>.
    /// </summary>
    /// <returns>The list of errors; empty when the settings are usable.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        CultureInfo ci = CultureInfo.InvariantCulture;

        bool srOk = SampleRate > 0;
        if (!srOk)
        {
            errors.Add(string.Format(ci, "sr must be a positive number of Hz, got {0}", SampleRate));
        }

        bool nfftOk = FftSize > 0;
        if (!nfftOk)
        {
            errors.Add(string.Format(ci, "n_fft must be a positive integer, got {0}", FftSize));
        }

        if (HopLength <= 0)
        {
            errors.Add(string.Format(ci, "hop_length must be a positive integer, got {0}", HopLength));
        }

        if (WindowLength is int win && (win < 1 || (nfftOk && win > FftSize)))
        {
            errors.Add(nfftOk
                ? string.Format(ci, "win_length must be between 1 and n_fft = {0}, got {1}", FftSize, win)
                : string.Format(ci, "win_length must be between 1 and n_fft, got {0}", win));
        }

        if (!Enum.IsDefined(Window))
        {
            errors.Add(string.Format(ci, "window must be one of Hann, Hamming, Rectangular, got {0}", (int)Window));
        }

        if (!Enum.IsDefined(PadMode))
        {
            errors.Add(string.Format(ci, "pad_mode must be Constant or Reflect, got {0}", (int)PadMode));
        }

        if (!(Power > 0f) || !float.IsFinite(Power))
        {
            errors.Add(string.Format(ci, "power must be a positive finite number, got {0}", Format(Power)));
        }

        if (MelCount <= 0)
        {
            errors.Add(string.Format(ci, "n_mels must be a positive integer, got {0}", MelCount));
        }

        if (!Enum.IsDefined(Normalization))
        {
            errors.Add(string.Format(ci, "norm must be None or Slaney, got {0}", (int)Normalization));
        }

        bool fminOk = MinFrequency >= 0f && float.IsFinite(MinFrequency);
        if (!fminOk)
        {
            errors.Add(string.Format(ci, "fmin must be a finite number >= 0 Hz, got {0}", Format(MinFrequency)));
        }

        double nyquist = SampleRate / 2.0;
        if (MaxFrequency is float fmax)
        {
            if (!float.IsFinite(fmax) || fmax <= 0f)
            {
                errors.Add(string.Format(ci, "fmax must be a finite number > 0 Hz, got {0}", Format(fmax)));
            }
            else
            {
                if (srOk && WidenDecimal(fmax) > nyquist)
                {
                    errors.Add(string.Format(ci, "fmax must be <= sr/2 = {0} Hz, got {1}", Format(nyquist), Format(fmax)));
                }

                if (fminOk && fmax <= MinFrequency)
                {
                    errors.Add(string.Format(ci, "fmax must be greater than fmin = {0} Hz, got {1}", Format(MinFrequency), Format(fmax)));
                }
            }
        }
        else if (srOk && fminOk && EffectiveMinFrequency >= nyquist)
        {
            errors.Add(string.Format(ci, "fmin must be less than fmax = sr/2 = {0} Hz, got {1}", Format(nyquist), Format(MinFrequency)));
        }

        return errors;
    }

    /// <summary>Returns a readable summary of all settings (librosa parameter names).</summary>
    /// <returns>A single line such as <c>sr=22050, n_fft=2048, ...</c>.</returns>
    public override string ToString() => string.Format(
        CultureInfo.InvariantCulture,
        "sr={0}, n_fft={1}, hop_length={2}, win_length={3}, window={4}, center={5}, pad_mode={6}, power={7}, n_mels={8}, fmin={9}, fmax={10}, htk={11}, norm={12}",
        SampleRate,
        FftSize,
        HopLength,
        WindowLength?.ToString(CultureInfo.InvariantCulture) ?? "None",
        Window,
        Center,
        PadMode,
        Format(Power),
        MelCount,
        Format(MinFrequency),
        MaxFrequency is float f ? Format(f) : "None",
        Htk,
        Normalization);

    internal static double WidenDecimal(float value) =>
        float.IsFinite(value)
            ? double.Parse(value.ToString("R", CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture)
            : value;

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Format(float value) => value.ToString("R", CultureInfo.InvariantCulture);
}
