using System;
using System.Globalization;

namespace MelGenre.Features;

/// <summary>
/// Per-frame kernels of librosa 0.11's spectral features on one frame of a magnitude spectrogram (<c>|stft|</c>, bins
/// <c>0 .. n_fft/2</c>). Arithmetic is in double unless a comment says that librosa's float32 rounding is reproduced
/// because the result depends on it discretely (roll-off threshold, contrast quantile means).
/// </summary>
internal static class SpectralKernels
{
    /// <summary>Smallest normal float32, librosa's <c>util.tiny</c> of a float32 spectrogram (normalisation threshold).</summary>
    public const double TinyFloat32 = 1.1754943508222875e-38;

    /// <summary><c>librosa.fft_frequencies(sr, n_fft)</c> = <c>np.fft.rfftfreq(n_fft, 1 / sr)</c>, numpy's rounding included.</summary>
    public static double[] FftFrequencies(double sampleRate, int fftSize)
    {
        int bins = (fftSize / 2) + 1;
        double d = 1.0 / sampleRate;
        double val = 1.0 / (fftSize * d);
        var f = new double[bins];
        for (int k = 0; k < bins; k++)
        {
            f[k] = k * val;
        }

        return f;
    }

    /// <summary>
    /// <c>librosa.feature.rms(S=|stft|, frame_length=n_fft)</c> of one frame: <c>sqrt(2 sum(x) / n_fft²)</c> with
    /// <c>x = |S|²</c> and the DC (and, for even n_fft, Nyquist) terms halved.
    /// </summary>
    public static double Rms(ReadOnlySpan<float> magnitude, int fftSize)
    {
        double sum = 0;
        int last = magnitude.Length - 1;
        for (int k = 1; k < last; k++)
        {
            double m = magnitude[k];
            sum += m * m;
        }

        double m0 = magnitude[0];
        sum += 0.5 * m0 * m0;
        if (last > 0)
        {
            double ml = magnitude[last];
            sum += (fftSize % 2 == 0 ? 0.5 : 1.0) * ml * ml;
        }

        return Math.Sqrt(2.0 * sum / ((double)fftSize * fftSize));
    }

    /// <summary>
    /// <c>spectral_centroid</c> of one frame: <c>sum(freq * S / sum(S))</c>; a frame whose sum is below the float32
    /// tiny value is not normalised (librosa's <c>util.normalize</c> with <c>fill=None</c>), so silence gives 0.
    /// Also returns the normaliser for <see cref="Bandwidth"/>.
    /// </summary>
    public static double Centroid(ReadOnlySpan<float> magnitude, ReadOnlySpan<double> frequencies, out double length)
    {
        double sum = 0, weighted = 0;
        for (int k = 0; k < magnitude.Length; k++)
        {
            double m = magnitude[k];
            sum += m;
            weighted += frequencies[k] * m;
        }

        length = sum < TinyFloat32 ? 1.0 : sum;
        return weighted / length;
    }

    /// <summary><c>spectral_bandwidth(p=2, norm=True)</c> of one frame: <c>sqrt(sum(S / length * (freq - centroid)²))</c>.</summary>
    public static double Bandwidth(ReadOnlySpan<float> magnitude, ReadOnlySpan<double> frequencies, double centroid, double length)
    {
        double sum = 0;
        for (int k = 0; k < magnitude.Length; k++)
        {
            double d = frequencies[k] - centroid;
            sum += magnitude[k] / length * (d * d);
        }

        return Math.Sqrt(sum);
    }

    /// <summary>
    /// <c>spectral_rolloff</c> of one frame: the first bin frequency where the running sum of S reaches
    /// <c>roll_percent</c> of the total. The running sum and the threshold are float32, as numpy computes them on a
    /// float32 spectrogram, because the chosen bin depends on that rounding.
    /// </summary>
    public static double Rolloff(ReadOnlySpan<float> magnitude, ReadOnlySpan<double> frequencies, float rollPercent, Span<float> cumulative)
    {
        float running = 0f;
        for (int k = 0; k < magnitude.Length; k++)
        {
            running += magnitude[k];
            cumulative[k] = running;
        }

        float threshold = rollPercent * running;
        for (int k = 0; k < magnitude.Length; k++)
        {
            if (!(cumulative[k] < threshold))
            {
                return frequencies[k];
            }
        }

        // Only reachable with NaN input: librosa's nanmin of an all-NaN column is NaN.
        return double.NaN;
    }

    /// <summary>
    /// Zero-crossing rate of every frame like <c>librosa.feature.zero_crossing_rate(y, frame_length, hop_length,
    /// center)</c>: the signal is edge-padded by <c>frame_length // 2</c> on both sides when centred; within each frame,
    /// position j &gt; 0 counts when the signs of samples j-1 and j differ, where values within ±1e-10 of zero (float32)
    /// count as positive; the count is divided by <c>frame_length</c>.
    /// </summary>
    public static void ZeroCrossingRate(ReadOnlySpan<float> y, int frameLength, int hopLength, bool center, Span<float> destination)
    {
        int pad = center ? frameLength / 2 : 0;
        long padded = y.Length + (2L * pad);
        if (y.Length == 0 || padded < frameLength)
        {
            throw new ArgumentException(
                string.Format(CultureInfo.InvariantCulture, "zero_crossing_rate needs at least frame_length = {0} samples after padding, got {1}", frameLength, padded),
                nameof(y));
        }

        int frames = (int)(1 + ((padded - frameLength) / hopLength));
        if (destination.Length != frames)
        {
            throw new ArgumentException(string.Format(CultureInfo.InvariantCulture, "destination must hold {0} frames, got {1}", frames, destination.Length), nameof(destination));
        }

        const float threshold = 1e-10f;

        // crossings[p] (p >= 1, padded positions): the sign at p differs from the sign at p - 1. Prefix sums of it
        // give each frame's count in O(1). Positions inside the edge padding repeat y[0] or y[^1], so they never cross.
        var prefix = new int[padded + 1];
        bool previous = y[0] < -threshold;
        int count = 0;
        prefix[0] = 0;
        for (long p = 0; p < padded; p++)
        {
            long i = p - pad;
            float v = y[(int)Math.Clamp(i, 0, y.Length - 1)];
            bool negative = v < -threshold;
            if (p > 0 && negative != previous)
            {
                count++;
            }

            previous = negative;
            prefix[p + 1] = count;
        }

        for (int t = 0; t < frames; t++)
        {
            long start = (long)t * hopLength;

            // Crossings at positions start+1 .. start+frameLength-1 (position 0 of each frame never counts).
            int c = prefix[start + frameLength] - prefix[start + 1];
            destination[t] = (float)((double)c / frameLength);
        }
    }
}
