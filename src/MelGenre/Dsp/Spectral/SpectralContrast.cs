using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MelGenre.Dsp;

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
    private const int SortThreshold = 64;

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
            throw OptionErrors.Create("spectral contrast settings", errors);
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
                Span<float> candidates = scratch.Slice(2 * take, band.Length);
                Smallest(band, low, candidates);
                Largest(band, high, candidates);
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

    /// <summary>
    /// The <c>low.Length</c> smallest values of <paramref name="band"/>, ascending. Blocks of 64 values give the minima of
    /// 8 disjoint groups with 8 SIMD mins; the q-th smallest of all group minima bounds the q-th smallest value from
    /// above (q distinct values are at most that large), so only the values up to that bound (typically a few times q)
    /// are collected, eight at a time with a SIMD compare, and selected by insertion. Only the multiset matters: ties
    /// are interchangeable.
    /// </summary>
    private static void Smallest(ReadOnlySpan<float> band, Span<float> low, Span<float> candidates)
    {
        int n = band.Length;
        int q = low.Length;
        if (!Vector256.IsHardwareAccelerated || n < 64 || q == 1)
        {
            SelectLow(band, low);
            return;
        }

        int groups = GroupExtremes(band, candidates, largest: false);
        if (groups < q)
        {
            SelectLow(band, low);
            return;
        }

        SelectLow(candidates.Slice(0, groups), low);
        float bound = low[q - 1];
        int count = 0, i = 0;
        ref float b = ref MemoryMarshal.GetReference(band);
        Vector256<float> limit = Vector256.Create(bound);
        for (; i + 8 <= n; i += 8)
        {
            uint mask = Vector256.LessThanOrEqual(Vector256.LoadUnsafe(ref b, (nuint)i), limit).ExtractMostSignificantBits();
            while (mask != 0)
            {
                candidates[count++] = band[i + BitOperations.TrailingZeroCount(mask)];
                mask &= mask - 1;
            }
        }

        for (; i < n; i++)
        {
            if (band[i] <= bound)
            {
                candidates[count++] = band[i];
            }
        }

        SelectLow(candidates.Slice(0, count), low);
    }

    /// <summary>The <c>high.Length</c> largest values of <paramref name="band"/>, ascending (mirror of <see cref="Smallest"/>).</summary>
    private static void Largest(ReadOnlySpan<float> band, Span<float> high, Span<float> candidates)
    {
        int n = band.Length;
        int q = high.Length;
        if (!Vector256.IsHardwareAccelerated || n < 64 || q == 1)
        {
            SelectHigh(band, high);
            return;
        }

        int groups = GroupExtremes(band, candidates, largest: true);
        if (groups < q)
        {
            SelectHigh(band, high);
            return;
        }

        SelectHigh(candidates.Slice(0, groups), high);
        float bound = high[0];
        int count = 0, i = 0;
        ref float b = ref MemoryMarshal.GetReference(band);
        Vector256<float> limit = Vector256.Create(bound);
        for (; i + 8 <= n; i += 8)
        {
            uint mask = Vector256.GreaterThanOrEqual(Vector256.LoadUnsafe(ref b, (nuint)i), limit).ExtractMostSignificantBits();
            while (mask != 0)
            {
                candidates[count++] = band[i + BitOperations.TrailingZeroCount(mask)];
                mask &= mask - 1;
            }
        }

        for (; i < n; i++)
        {
            if (band[i] >= bound)
            {
                candidates[count++] = band[i];
            }
        }

        SelectHigh(candidates.Slice(0, count), high);
    }

    /// <summary>
    /// Minima (or maxima) of disjoint groups covering <paramref name="band"/>: each block of 64 values gives 8 groups
    /// (lanes of 8 vectors), the remaining whole vectors 8 more, and the last values one group each.
    /// </summary>
    private static int GroupExtremes(ReadOnlySpan<float> band, Span<float> destination, bool largest)
    {
        int n = band.Length;
        ref float b = ref MemoryMarshal.GetReference(band);
        ref float d = ref MemoryMarshal.GetReference(destination);
        int groups = 0, i = 0;
        while (i + 8 <= n)
        {
            int vectors = Math.Min(8, (n - i) / 8);
            Vector256<float> m = Vector256.LoadUnsafe(ref b, (nuint)i);
            for (int v = 1; v < vectors; v++)
            {
                Vector256<float> x = Vector256.LoadUnsafe(ref b, (nuint)(i + (8 * v)));
                m = largest ? Vector256.Max(m, x) : Vector256.Min(m, x);
            }

            m.StoreUnsafe(ref d, (nuint)groups);
            groups += 8;
            i += 8 * vectors;
        }

        for (; i < n; i++)
        {
            destination[groups++] = band[i];
        }

        return groups;
    }

    /// <summary>The <c>low.Length</c> smallest of <paramref name="values"/> (at least that many), ascending.</summary>
    private static void SelectLow(ReadOnlySpan<float> values, Span<float> low)
    {
        int q = low.Length;
        if (q == 1)
        {
            float min = values[0];
            for (int j = 1; j < values.Length; j++)
            {
                min = float.MinNative(min, values[j]);
            }

            low[0] = min;
            return;
        }

        // Backwards: spectra mostly fall with frequency, so from the top down a new smaller value is rare.
        values.Slice(values.Length - q).CopyTo(low);
        InsertionSort(low);
        float limit = low[q - 1];
        for (int j = values.Length - q - 1; j >= 0; j--)
        {
            float v = values[j];
            if (v < limit)
            {
                InsertLow(low, v);
                limit = low[q - 1];
            }
        }
    }

    /// <summary>The <c>high.Length</c> largest of <paramref name="values"/> (at least that many), ascending.</summary>
    private static void SelectHigh(ReadOnlySpan<float> values, Span<float> high)
    {
        int q = high.Length;
        if (q == 1)
        {
            float max = values[0];
            for (int j = 1; j < values.Length; j++)
            {
                max = float.MaxNative(max, values[j]);
            }

            high[0] = max;
            return;
        }

        // Forwards: spectra mostly fall with frequency, so from the bottom up a new larger value is rare.
        values.Slice(0, q).CopyTo(high);
        InsertionSort(high);
        float limit = high[0];
        for (int j = q; j < values.Length; j++)
        {
            float v = values[j];
            if (v > limit)
            {
                InsertHigh(high, v);
                limit = high[0];
            }
        }
    }

    private static void InsertionSort(Span<float> values)
    {
        for (int i = 1; i < values.Length; i++)
        {
            float v = values[i];
            int j = i - 1;
            while (j >= 0 && values[j] > v)
            {
                values[j + 1] = values[j];
                j--;
            }

            values[j + 1] = v;
        }
    }

    /// <summary>Keeps the smallest values: <paramref name="v"/> replaces the largest kept one if smaller.</summary>
    private static void InsertLow(Span<float> low, float v)
    {
        int j = low.Length - 1;
        if (!(v < low[j]))
        {
            return;
        }

        while (j > 0 && low[j - 1] > v)
        {
            low[j] = low[j - 1];
            j--;
        }

        low[j] = v;
    }

    /// <summary>Keeps the largest values: <paramref name="v"/> replaces the smallest kept one if larger.</summary>
    private static void InsertHigh(Span<float> high, float v)
    {
        if (!(v > high[0]))
        {
            return;
        }

        int j = 0;
        while (j < high.Length - 1 && high[j + 1] < v)
        {
            high[j] = high[j + 1];
            j++;
        }

        high[j] = v;
    }
}
