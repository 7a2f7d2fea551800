using System;
using System.Collections.Generic;
using System.Globalization;

namespace MelGenre.Features;

/// <summary>
/// <c>librosa.feature.spectral_contrast(S=|stft|, sr, n_fft, fmin, n_bands, quantile, linear=False)</c> (librosa 0.11):
/// the octave bands <c>[0, fmin], [fmin, 2 fmin], ...</c> (each but the first also takes the bin just below it; the
/// last extends to the Nyquist frequency; each but the last drops its top bin), their valley and peak (means of the
/// lowest and highest <c>max(1, rint(quantile * band size))</c> magnitudes) and
/// <c>power_to_db(peak) - power_to_db(valley)</c>, where <c>power_to_db</c> clips each matrix at its maximum - 80 dB.
/// </summary>
/// <remarks>
/// The band means are summed in float32 in ascending order and divided in float32, as numpy's <c>np.mean</c> over the
/// sorted float32 values does; the decibels are computed in double, as librosa does on its float64 peak and valley arrays.
/// Immutable; the per-frame method writes only to the caller's buffers.
/// </remarks>
internal sealed class SpectralContrast
{
    private const int SortThreshold = 48;

    private readonly int[] _start;
    private readonly int[] _length;
    private readonly int[] _take;

    public SpectralContrast(int sampleRate, int fftSize, int bands, double minFrequency, double quantile)
    {
        double[] freq = SpectralKernels.FftFrequencies(sampleRate, fftSize);
        int bins = freq.Length;
        Bands = bands;
        _start = new int[bands + 1];
        _length = new int[bands + 1];
        _take = new int[bands + 1];
        var errors = new List<string>();
        double low = 0;
        for (int k = 0; k <= bands; k++)
        {
            double high = minFrequency * Math.Pow(2.0, k);
            int first = -1, last = -1;
            for (int i = 0; i < bins; i++)
            {
                if (freq[i] >= low && freq[i] <= high)
                {
                    if (first < 0)
                    {
                        first = i;
                    }

                    last = i;
                }
            }

            if (first < 0)
            {
                errors.Add(string.Format(CultureInfo.InvariantCulture, "contrast band {0} ({1} to {2} Hz) contains no FFT bin at n_fft = {3}", k, low, high, fftSize));
                low = high;
                continue;
            }

            if (k > 0)
            {
                first--;
            }

            if (k == bands)
            {
                last = bins - 1;
            }

            int count = last - first + 1;
            int length = k < bands ? count - 1 : count;
            if (length < 1)
            {
                errors.Add(string.Format(CultureInfo.InvariantCulture, "contrast band {0} ({1} to {2} Hz) keeps no FFT bin at n_fft = {3}; increase n_fft or fmin", k, low, high, fftSize));
            }

            _start[k] = first;
            _length[k] = length;
            _take[k] = Math.Max(1, (int)Math.Round(quantile * count, MidpointRounding.ToEven));
            low = high;
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid spectral contrast settings: " + string.Join("; ", errors) + ".");
        }
    }

    /// <summary>n_bands; the output has n_bands + 1 rows.</summary>
    public int Bands { get; }

    /// <summary>Largest number of values a band mean takes (the scratch size <see cref="Frame"/> needs is twice that, plus the largest band).</summary>
    public int ScratchLength
    {
        get
        {
            int max = 0;
            for (int k = 0; k <= Bands; k++)
            {
                max = Math.Max(max, _length[k] + (2 * _take[k]));
            }

            return max;
        }
    }

    /// <summary>Valley and peak of every band of one frame, as float32 means (librosa's float32 <c>np.mean</c>).</summary>
    public void Frame(ReadOnlySpan<float> magnitude, Span<float> valley, Span<float> peak, Span<float> scratch)
    {
        for (int k = 0; k <= Bands; k++)
        {
            ReadOnlySpan<float> band = magnitude.Slice(_start[k], _length[k]);
            int take = Math.Min(_take[k], band.Length);
            Span<float> low = scratch.Slice(0, take);
            Span<float> high = scratch.Slice(take, take);
            if (take > SortThreshold)
            {
                Span<float> sorted = scratch.Slice(2 * take, band.Length);
                band.CopyTo(sorted);
                sorted.Sort();
                sorted.Slice(0, take).CopyTo(low);
                sorted.Slice(band.Length - take).CopyTo(high);
            }
            else
            {
                SmallestAndLargest(band, low, high);
            }

            valley[k] = MeanAscending(low);
            peak[k] = MeanAscending(high);
        }
    }

    /// <summary>
    /// Turns per-frame valleys and peaks (<c>[band, frame]</c>, all frames of a clip) into the contrast in place of
    /// <paramref name="peakInContrastOut"/>: <c>power_to_db(peak) - power_to_db(valley)</c> with amin 1e-10, ref 1 and
    /// top_db 80 applied to each whole matrix.
    /// </summary>
    public static void ToDecibels(ReadOnlySpan<float> valley, Span<float> peakInContrastOut)
    {
        double maxValley = double.NegativeInfinity, maxPeak = double.NegativeInfinity;
        for (int i = 0; i < valley.Length; i++)
        {
            maxValley = Math.Max(maxValley, Db(valley[i]));
            maxPeak = Math.Max(maxPeak, Db(peakInContrastOut[i]));
        }

        double floorValley = maxValley - 80.0, floorPeak = maxPeak - 80.0;
        for (int i = 0; i < valley.Length; i++)
        {
            double p = Math.Max(Db(peakInContrastOut[i]), floorPeak);
            double v = Math.Max(Db(valley[i]), floorValley);
            peakInContrastOut[i] = (float)(p - v);
        }
    }

    private static double Db(float value) => 10.0 * Math.Log10(Math.Max(1e-10, (double)value));

    private static float MeanAscending(ReadOnlySpan<float> sorted)
    {
        float sum = 0f;
        for (int i = 0; i < sorted.Length; i++)
        {
            sum += sorted[i];
        }

        return sum / sorted.Length;
    }

    /// <summary>The <c>low.Length</c> smallest and <c>high.Length</c> largest values of <paramref name="band"/>, each ascending.</summary>
    private static void SmallestAndLargest(ReadOnlySpan<float> band, Span<float> low, Span<float> high)
    {
        int q = low.Length;
        band.Slice(0, q).CopyTo(low);
        low.Sort();
        low.CopyTo(high);
        for (int i = q; i < band.Length; i++)
        {
            float v = band[i];
            if (v < low[q - 1])
            {
                int j = q - 1;
                while (j > 0 && low[j - 1] > v)
                {
                    low[j] = low[j - 1];
                    j--;
                }

                low[j] = v;
            }

            if (v > high[0])
            {
                int j = 0;
                while (j < q - 1 && high[j + 1] < v)
                {
                    high[j] = high[j + 1];
                    j++;
                }

                high[j] = v;
            }
        }
    }
}
