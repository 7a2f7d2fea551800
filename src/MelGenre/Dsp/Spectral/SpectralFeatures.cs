using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.InteropServices;

namespace MelGenre.Dsp;

/// <summary>
/// Computes the STFT-based features of FMA's feature set (<see cref="SpectralFeature"/>) exactly like librosa 0.11 does
/// from <c>|librosa.stft(y)|</c>: one <c>[row, frame]</c> matrix per feature, frames as librosa counts them
/// (<c>1 + len(y) // hop_length</c> when centred).
/// </summary>
/// <remarks>
/// <para>The STFT is the same double-precision FFT as <see cref="MelSpectrogram"/>'s, rounded to float32
/// magnitudes like librosa's complex64 output; features that depend discretely on float32 rounding (roll-off bin,
/// contrast quantiles, chroma tuning) reproduce numpy's float32 steps.</para>
/// <para>Immutable after construction; the compute methods are thread-safe (working memory, about 4 bytes per STFT value
/// of the clip, is cached per thread and reused).</para>
/// </remarks>
internal sealed class SpectralFeatures
{
    private readonly StftMagnitude _stft;
    private readonly double[] _frequencies;
    private readonly SpectralContrast _contrast;
    private readonly ChromaStft _chroma;
    private readonly float[]? _fixedChromaFilter;

    [ThreadStatic]
    private static Scratch? t_scratch;

    /// <summary>Creates an extractor.</summary>
    /// <param name="settings">The settings; validated with <see cref="SpectralFeatureSettings.Validate"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="settings"/> is null.</exception>
    /// <exception cref="ArgumentException">The settings are invalid; the message lists every error.</exception>
    public SpectralFeatures(SpectralFeatureSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var errors = new List<string>(settings.Validate());
        SpectralContrast? contrast = null;
        if (errors.Count == 0)
        {
            try
            {
                contrast = new SpectralContrast(
                    settings.SampleRate,
                    settings.FftSize,
                    settings.ContrastBands,
                    MelSpectrogramSettings.WidenDecimal(settings.ContrastMinFrequency),
                    MelSpectrogramSettings.WidenDecimal(settings.ContrastQuantile));
            }
            catch (ArgumentException ex)
            {
                errors.Add(ex.Message.TrimEnd('.'));
            }
        }

        if (errors.Count > 0 || contrast is null)
        {
            throw OptionErrors.Create("spectral feature settings", errors, nameof(settings));
        }

        Settings = settings;
        _stft = new StftMagnitude(settings.FftSize, settings.HopLength, settings.Window, settings.Center, settings.PadMode);
        _frequencies = SpectralKernels.FftFrequencies(settings.SampleRate, settings.FftSize);
        _contrast = contrast;
        _chroma = new ChromaStft(settings.EffectiveChromaSampleRate, _stft.BinCount, settings.ChromaCount);
        if (settings.ChromaTuning is float tuning)
        {
            _fixedChromaFilter = _chroma.FilterBank(MelSpectrogramSettings.WidenDecimal(tuning));
        }
    }

    /// <summary>The settings this extractor was built with.</summary>
    public SpectralFeatureSettings Settings { get; }

    /// <summary>Number of frequency bins of the STFT, <c>1 + n_fft // 2</c>.</summary>
    public int BinCount => _stft.BinCount;

    /// <summary>Number of frames librosa produces for <paramref name="sampleCount"/> samples (see <see cref="MelSpectrogram.GetFrameCount"/>).</summary>
    /// <param name="sampleCount">Number of input samples.</param>
    /// <returns>The frame count.</returns>
    /// <exception cref="ArgumentException">No frame can be formed from that many samples.</exception>
    public int GetFrameCount(int sampleCount) => _stft.GetFrameCount(sampleCount);

    /// <summary>Number of rows of <paramref name="feature"/> (see <see cref="SpectralFeatureSettings.RowCount"/>).</summary>
    /// <param name="feature">The feature.</param>
    /// <returns>The row count.</returns>
    public int RowCount(SpectralFeature feature) => Settings.RowCount(feature);

    /// <summary>Computes one feature of <paramref name="samples"/> into a new row-major <c>[row, frame]</c> array.</summary>
    /// <param name="feature">The feature.</param>
    /// <param name="samples">Mono signal at <see cref="SpectralFeatureSettings.SampleRate"/>.</param>
    /// <returns><c>RowCount(feature) * GetFrameCount(samples.Length)</c> values.</returns>
    public float[] Compute(SpectralFeature feature, ReadOnlySpan<float> samples)
    {
        var result = new float[(long)RowCount(feature) * GetFrameCount(samples.Length)];
        Compute(feature, samples, result);
        return result;
    }

    /// <summary>Computes one feature of <paramref name="samples"/> into <paramref name="destination"/>, row-major <c>[row, frame]</c> like librosa's output.</summary>
    /// <param name="feature">The feature.</param>
    /// <param name="samples">Mono signal at <see cref="SpectralFeatureSettings.SampleRate"/>.</param>
    /// <param name="destination">Exactly <c>RowCount(feature) * GetFrameCount(samples.Length)</c> values.</param>
    /// <exception cref="ArgumentException">Wrong destination length, or too few samples.</exception>
    public void Compute(SpectralFeature feature, ReadOnlySpan<float> samples, Span<float> destination)
    {
        int frames = GetFrameCount(samples.Length);
        long expected = (long)RowCount(feature) * frames;
        if (destination.Length != expected)
        {
            throw new ArgumentException(
                string.Format(CultureInfo.InvariantCulture, "destination must hold rows * frames = {0} * {1} = {2} values, got {3}", RowCount(feature), frames, expected, destination.Length),
                nameof(destination));
        }

        var outputs = default(FrameOutputs);
        switch (feature)
        {
            case SpectralFeature.ZeroCrossingRate: outputs.ZeroCrossingRate = destination; break;
            case SpectralFeature.Chroma: outputs.Chroma = destination; break;
            case SpectralFeature.Rms: outputs.Rms = destination; break;
            case SpectralFeature.Centroid: outputs.Centroid = destination; break;
            case SpectralFeature.Bandwidth: outputs.Bandwidth = destination; break;
            case SpectralFeature.Contrast: outputs.Contrast = destination; break;
            case SpectralFeature.Rolloff: outputs.Rolloff = destination; break;
            default: throw new ArgumentOutOfRangeException(nameof(feature), feature, "Unknown spectral feature.");
        }

        ComputeFrames(samples, ref outputs, null);
    }

    /// <summary>
    /// The shared engine: one STFT, then every feature whose output span is not empty, each row-major
    /// <c>[row, frame]</c>. <paramref name="cepstrum"/>, when given, adds MFCCs from the same power spectrogram
    /// (<c>mfcc(S=power_to_db(melspectrogram(S=|stft|**2)))</c>) into <see cref="FrameOutputs.Mfcc"/>.
    /// </summary>
    internal void ComputeFrames(ReadOnlySpan<float> samples, ref FrameOutputs outputs, MelCepstrum? cepstrum)
    {
        int frames = GetFrameCount(samples.Length);
        int bins = _stft.BinCount;
        int fftSize = Settings.FftSize;
        int bands = _contrast.Bands + 1;
        bool wantChroma = !outputs.Chroma.IsEmpty;
        bool wantMel = cepstrum is not null && !outputs.Mfcc.IsEmpty;
        bool wantContrast = !outputs.Contrast.IsEmpty;
        bool wantCentroid = !outputs.Centroid.IsEmpty || !outputs.Bandwidth.IsEmpty;
        bool estimateTuning = wantChroma && _fixedChromaFilter is null;

        Scratch s = Scratch.Get(ref t_scratch, frames * bins, bins, _contrast.ScratchLength, wantContrast ? bands * frames : 0, wantMel ? cepstrum!.MelCount * frames : 0);
        Span<float> magnitude = s.Magnitude.AsSpan(0, frames * bins);
        _stft.Compute(samples, magnitude);

        if (!outputs.ZeroCrossingRate.IsEmpty)
        {
            SpectralKernels.ZeroCrossingRate(samples, fftSize, Settings.HopLength, Settings.Center, outputs.ZeroCrossingRate);
        }

        if (!outputs.Rolloff.IsEmpty)
        {
            SpectralKernels.Rolloff(magnitude, bins, _frequencies, Settings.RolloffPercent, outputs.Rolloff);
        }

        s.Pitches.Clear();
        s.PeakMagnitudes.Clear();
        Span<float> power = s.Power.AsSpan(0, bins);
        Span<float> valley = stackalloc float[bands];
        Span<float> peak = stackalloc float[bands];
        Span<float> valleys = s.Valleys.AsSpan(0, wantContrast ? bands * frames : 0);
        Span<float> mel = s.Mel.AsSpan(0, wantMel ? cepstrum!.MelCount * frames : 0);
        for (int t = 0; t < frames; t++)
        {
            ReadOnlySpan<float> row = magnitude.Slice(t * bins, bins);
            if (!outputs.Rms.IsEmpty)
            {
                outputs.Rms[t] = (float)SpectralKernels.Rms(row, fftSize);
            }

            if (wantCentroid)
            {
                double centroid = SpectralKernels.Centroid(row, _frequencies, out double length);
                if (!outputs.Centroid.IsEmpty)
                {
                    outputs.Centroid[t] = (float)centroid;
                }

                if (!outputs.Bandwidth.IsEmpty)
                {
                    outputs.Bandwidth[t] = (float)SpectralKernels.Bandwidth(row, _frequencies, centroid, length);
                }
            }

            if (wantContrast)
            {
                _contrast.Frame(row, valley, peak, s.ContrastScratch);
                for (int k = 0; k < bands; k++)
                {
                    valleys[(k * frames) + t] = valley[k];
                    outputs.Contrast[(k * frames) + t] = peak[k];
                }
            }

            if (estimateTuning || wantMel)
            {
                // FMA squares the float32 magnitude: stft**2.
                SpectralKernels.Square(row, power);

                if (estimateTuning)
                {
                    _chroma.AddPeaks(power, s.Pitches, s.PeakMagnitudes);
                }

                if (wantMel)
                {
                    cepstrum!.ApplyMel(power, mel.Slice(t * cepstrum.MelCount, cepstrum.MelCount));
                }
            }
        }

        if (wantContrast)
        {
            SpectralContrast.ToDecibels(valleys, outputs.Contrast);
        }

        if (wantChroma)
        {
            float[] filter = _fixedChromaFilter ?? _chroma.FilterBank(_chroma.EstimateTuning(s.Pitches, s.PeakMagnitudes));
            Span<float> chroma = new float[_chroma.ChromaCount];
            for (int t = 0; t < frames; t++)
            {
                SpectralKernels.Square(magnitude.Slice(t * bins, bins), power);

                _chroma.Project(filter, power, chroma);
                for (int c = 0; c < chroma.Length; c++)
                {
                    outputs.Chroma[(c * frames) + t] = chroma[c];
                }
            }
        }

        if (wantMel)
        {
            cepstrum!.MelToMfcc(mel, outputs.Mfcc, frames);
        }
    }

    /// <summary>Per-thread working memory, grown on demand.</summary>
    private sealed class Scratch
    {
        public float[] Magnitude = [];
        public float[] Power = [];
        public float[] ContrastScratch = [];
        public float[] Valleys = [];
        public float[] Mel = [];
        public readonly List<float> Pitches = new();
        public readonly List<float> PeakMagnitudes = new();

        public static Scratch Get(ref Scratch? slot, int magnitude, int bins, int contrast, int valleys, int mel)
        {
            Scratch s = slot ??= new Scratch();
            Grow(ref s.Magnitude, magnitude);
            Grow(ref s.Power, bins);
            Grow(ref s.ContrastScratch, contrast);
            Grow(ref s.Valleys, valleys);
            Grow(ref s.Mel, mel);
            return s;
        }

        private static void Grow(ref float[] array, int length)
        {
            if (array.Length < length)
            {
                array = new float[length];
            }
        }
    }
}

/// <summary>Destinations of <see cref="SpectralFeatures.ComputeFrames"/>; an empty span means "not wanted".</summary>
internal ref struct FrameOutputs
{
    public Span<float> ZeroCrossingRate;
    public Span<float> Chroma;
    public Span<float> Rms;
    public Span<float> Centroid;
    public Span<float> Bandwidth;
    public Span<float> Contrast;
    public Span<float> Rolloff;
    public Span<float> Mfcc;
}

/// <summary>
/// The MFCC part of FMA's features from a power spectrogram: <c>melspectrogram(sr, S=power)</c> (librosa's default
/// Slaney filter bank), <c>power_to_db</c> (ref 1, amin 1e-10, top_db 80 over the whole clip) and the DCT. Immutable.
/// </summary>
internal sealed class MelCepstrum
{
    private readonly SparseMelBasis _basis;
    private readonly MfccTransform _dct;

    public MelCepstrum(int sampleRate, int fftSize, int melCount, int mfccCount)
    {
        MelCount = melCount;
        int bins = (fftSize / 2) + 1;
        float[] basis = MelFilterBank.Build(sampleRate, fftSize, melCount, 0, sampleRate / 2.0, false, MelNormalization.Slaney, out _);
        _basis = new SparseMelBasis(basis, melCount, bins);
        _dct = new MfccTransform(melCount, mfccCount, DctNormalization.Ortho, 0f);
    }

    /// <summary>n_mels.</summary>
    public int MelCount { get; }

    /// <summary>n_mfcc.</summary>
    public int MfccCount => _dct.MfccCount;

    /// <summary>One frame of the mel power spectrogram (float32 result).</summary>
    public void ApplyMel(ReadOnlySpan<float> power, Span<float> mel) => _basis.Apply(power, mel);

    /// <summary>dB over the whole clip (frame-major <c>[frame, mel]</c> mel powers, converted in place), then MFCCs into row-major <c>[coefficient, frame]</c>.</summary>
    public void MelToMfcc(Span<float> melFrameMajor, Span<float> mfcc, int frames)
    {
        Decibels.PowerToDb(melFrameMajor, melFrameMajor, 1f, false, 1e-10f, 80f);
        Span<double> column = stackalloc double[MelCount];
        Span<double> coefficients = stackalloc double[MfccCount];
        for (int t = 0; t < frames; t++)
        {
            ReadOnlySpan<float> frame = melFrameMajor.Slice(t * MelCount, MelCount);
            for (int m = 0; m < MelCount; m++)
            {
                column[m] = frame[m];
            }

            _dct.ComputeFrame(column, coefficients);
            for (int k = 0; k < coefficients.Length; k++)
            {
                mfcc[(k * frames) + t] = (float)coefficients[k];
            }
        }
    }
}
