using System;
using static TorchSharp.torch;

namespace MelGenre.Networks;

internal static class ModelInput
{
    /// <summary>Checks a [batch, frames, mels] floating-point input with ML.NET-style wording.</summary>
    public static void Check(Tensor input, int frames, int mels, string model)
    {
        var shape = input.shape;
        if (shape.Length != 3 || shape[1] != frames || shape[2] != mels || shape[0] < 1)
            throw new ArgumentException(
                $"{model} input mismatch: expected [batch, {frames}, {mels}], got [{string.Join(", ", shape)}] (time-major log-mel: batch >= 1, frames, mel bins).",
                nameof(input));
        if (!input.is_floating_point())
            throw new ArgumentException($"{model} input mismatch: expected a floating-point tensor, got {input.dtype}.", nameof(input));
    }
}
