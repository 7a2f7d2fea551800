using System;
using System.Collections.Generic;
using System.Globalization;

namespace MelGenre.Dsp;

/// <summary>
/// Settings of <c>librosa.feature.mfcc(S=dB, n_mfcc, dct_type=2, norm, lifter)</c> with librosa 0.11's defaults and FMA's
/// <c>n_mfcc = 20</c>. Immutable; change a value with <c>with</c>.
/// </summary>
public sealed record MfccSettings
{
    /// <summary>FMA's 20 coefficients, orthonormal DCT-II, no liftering.</summary>
    public static MfccSettings Default { get; } = new();

    /// <summary>Number of coefficients kept (n_mfcc), between 1 and the number of mel bands. Default 20.</summary>
    public int MfccCount { get; init; } = 20;

    /// <summary>DCT normalisation (norm). Default orthonormal. The DCT is always type 2 (librosa's default dct_type).</summary>
    public DctNormalization Normalization { get; init; } = DctNormalization.Ortho;

    /// <summary>Sinusoidal liftering (lifter), >= 0; 0 (default) disables it.</summary>
    public float Lifter { get; init; }

    /// <summary>Every broken rule with its value; empty when the settings are usable.</summary>
    /// <returns>The errors.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MfccCount < 1)
            errors.Add($"MfccCount (n_mfcc) must be a positive integer, got {MfccCount}");
        if (!Enum.IsDefined(Normalization))
            errors.Add($"Normalization (norm) must be Ortho or None, got {(int)Normalization}");
        if (!(Lifter >= 0) || !float.IsFinite(Lifter))
            errors.Add($"Lifter must be a non-negative number, got {Lifter.ToString(CultureInfo.InvariantCulture)}");
        return errors;
    }
}
