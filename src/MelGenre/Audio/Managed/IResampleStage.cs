using System;

namespace MelGenre.Audio.Managed;

/// <summary>
/// One stage of the managed resampler, computed over a whole signal at once. The input is the stage's input signal
/// from sample 0; samples before 0 and from <c>input.Length</c> on are zero (soxr pre-loads zeros and flushes with
/// zeros, so its streamed output equals this).
/// </summary>
internal interface IResampleStage
{
    /// <summary>How many input samples (from 0) the first <paramref name="outputCount"/> outputs depend on.</summary>
    long InputExtent(long outputCount);

    /// <summary>Computes outputs 0 .. <c>output.Length - 1</c>.</summary>
    void Process(ReadOnlySpan<float> input, Span<float> output);
}
