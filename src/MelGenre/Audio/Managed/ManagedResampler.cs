using System;
using System.Buffers;
using System.Collections.Concurrent;

namespace MelGenre.Audio.Managed;

/// <summary>
/// A managed resampler with libsoxr's "HQ" response (librosa's default <c>res_type='soxr_hq'</c>): the same stages,
/// filters, alignment and output length as <see cref="Resampler.Resample(ReadOnlySpan{float}, int, int)"/> through native libsoxr, so that
/// features computed from its output match those computed through libsoxr. See <see cref="SoxrHqPlan"/> for the
/// stages and <see cref="SoxrHqDesign"/> for the filter design. Thread-safe; plans (designed filters and FFT tables)
/// are cached per rate pair.
/// </summary>
internal static class ManagedResampler
{
    private static readonly ConcurrentDictionary<(int From, int To), Lazy<SoxrHqPlan>> Plans = new();

    /// <summary>
    /// Resamples mono float32 audio like <see cref="Resampler.Resample(ReadOnlySpan{float}, int, int)"/>: <c>round(n * toRate / fromRate)</c> samples
    /// of soxr HQ output (soxr's own flush length), zero-padded to librosa's <c>ceil(n * toRate / fromRate)</c>.
    /// When the rates are equal a copy of the input is returned.
    /// </summary>
    /// <param name="input">Mono samples at <paramref name="fromRate"/>.</param>
    /// <param name="fromRate">Sample rate of <paramref name="input"/> in Hz; must be positive.</param>
    /// <param name="toRate">Sample rate of the result in Hz; must be positive.</param>
    /// <returns><c>ceil(input.Length * toRate / fromRate)</c> samples at <paramref name="toRate"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A rate is zero or negative.</exception>
    /// <exception cref="ArgumentException">The result would not fit in an array.</exception>
    public static float[] Resample(ReadOnlySpan<float> input, int fromRate, int toRate)
    {
        if (fromRate <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(fromRate), fromRate, "The input sample rate must be a positive number of Hz.");
        }

        if (toRate <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(toRate), toRate, "The output sample rate must be a positive number of Hz.");
        }

        if (fromRate == toRate)
        {
            return input.ToArray();
        }

        long outputLength = Resampler.OutputLength(input.Length, fromRate, toRate);
        if (input.Length == 0)
        {
            return [];
        }

        if (outputLength > Array.MaxLength)
        {
            throw new ArgumentException(
                $"Resampling {input.Length} samples from {fromRate} Hz to {toRate} Hz would give {outputLength} samples, more than an array can hold.",
                nameof(input));
        }

        // soxr's flush stops after (int64)(n / io_ratio + 0.5) samples; librosa's fix_length pads the rest with zeros.
        double ioRatio = (double)fromRate / toRate;
        long produced = Math.Min(outputLength, (long)(input.Length / ioRatio + .5));

        SoxrHqPlan plan = GetPlan(fromRate, toRate);
        var result = new float[outputLength];
        Run(plan, input, result.AsSpan(0, (int)produced));
        return result;
    }

    /// <summary>The cached plan for a rate pair.</summary>
    internal static SoxrHqPlan GetPlan(int fromRate, int toRate) =>
        Plans.GetOrAdd((fromRate, toRate), static key => new Lazy<SoxrHqPlan>(() => SoxrHqPlan.Create(key.From, key.To))).Value;

    private static void Run(SoxrHqPlan plan, ReadOnlySpan<float> input, Span<float> output)
    {
        var stages = plan.Stages;
        int count = stages.Count;
        var lengths = new long[count];
        lengths[count - 1] = output.Length;
        for (int s = count - 1; s > 0; s--)
        {
            lengths[s - 1] = stages[s].InputExtent(lengths[s]);
        }

        float[]? previous = null;
        ReadOnlySpan<float> current = input;
        try
        {
            for (int s = 0; s < count; s++)
            {
                if (s == count - 1)
                {
                    stages[s].Process(current, output);
                    break;
                }

                float[] next = ArrayPool<float>.Shared.Rent(checked((int)lengths[s]));
                Span<float> nextSpan = next.AsSpan(0, (int)lengths[s]);
                stages[s].Process(current, nextSpan);
                if (previous is not null)
                {
                    ArrayPool<float>.Shared.Return(previous);
                }

                previous = next;
                current = nextSpan;
            }
        }
        finally
        {
            if (previous is not null)
            {
                ArrayPool<float>.Shared.Return(previous);
            }
        }
    }
}
