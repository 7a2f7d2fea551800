using System;
using System.Collections.Generic;
using System.Globalization;

namespace MelGenre.Dsp;

/// <summary>The reference power that 0 dB stands for.</summary>
public enum DecibelReference
{
    /// <summary>A constant: <see cref="DecibelSettings.ReferenceValue"/> (librosa's <c>ref=1.0</c> by default).</summary>
    Constant,

    /// <summary>The maximum of each row, i.e. of each clip's spectrogram (librosa's <c>ref=np.max</c>); the row's loudest bin becomes 0 dB.</summary>
    Maximum,
}

/// <summary>The unit of the log-power output.</summary>
public enum DecibelScale
{
    /// <summary>Decibels, as <c>librosa.power_to_db</c> returns them.</summary>
    Decibels,

    /// <summary>
    /// The original FMA-small work's "log scaling": <c>np.log(librosa.db_to_power(dB))</c>, i.e. dB × ln(10)/10,
    /// the natural log of the referenced power (about [-18.4, 0] with <see cref="DecibelReference.Maximum"/> and top_db 80).
    /// </summary>
    NaturalLog,
}

/// <summary>
/// Settings of <c>librosa.power_to_db(S, ref, amin, top_db)</c> (and optionally the original work's natural-log scaling),
/// with librosa 0.11's defaults: <c>ref=1.0, amin=1e-10, top_db=80</c>. Immutable; change a value with <c>with</c>.
/// </summary>
public sealed record DecibelSettings
{
    /// <summary>librosa's defaults: constant reference 1, amin 1e-10, top_db 80, output in dB.</summary>
    public static DecibelSettings Default { get; } = new();

    /// <summary>The original FMA-small work: <c>power_to_db(ref=np.max)</c>, then <c>np.log(db_to_power(x))</c>.</summary>
    public static DecibelSettings Original { get; } = new() { Reference = DecibelReference.Maximum, Scale = DecibelScale.NaturalLog };

    /// <summary>What 0 dB stands for. Default: the constant <see cref="ReferenceValue"/>.</summary>
    public DecibelReference Reference { get; init; } = DecibelReference.Constant;

    /// <summary>Reference power (librosa <c>ref</c>) when <see cref="Reference"/> is Constant; must be > 0. Default 1.</summary>
    public float ReferenceValue { get; init; } = 1f;

    /// <summary>Smallest power considered (librosa <c>amin</c>); must be > 0. Default 1e-10 (-100 dB).</summary>
    public float MinimumPower { get; init; } = 1e-10f;

    /// <summary>Dynamic range kept below each row's maximum in dB (librosa <c>top_db</c>), >= 0; null keeps all. Default 80.</summary>
    public float? TopDecibels { get; init; } = 80f;

    /// <summary>Output unit. Default decibels.</summary>
    public DecibelScale Scale { get; init; } = DecibelScale.Decibels;

    /// <summary>Every broken rule with its value; empty when the settings are usable.</summary>
    /// <returns>The errors.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        var ci = CultureInfo.InvariantCulture;
        if (!Enum.IsDefined(Reference))
            errors.Add($"Reference must be Constant or Maximum, got {(int)Reference}");
        if (Reference == DecibelReference.Constant && !(ReferenceValue > 0 && float.IsFinite(ReferenceValue)))
            errors.Add($"ReferenceValue must be a finite number > 0, got {ReferenceValue.ToString(ci)}");
        if (!(MinimumPower > 0 && float.IsFinite(MinimumPower)))
            errors.Add($"MinimumPower (amin) must be strictly positive, got {MinimumPower.ToString(ci)}");
        if (TopDecibels is float top && !(top >= 0 && float.IsFinite(top)))
            errors.Add($"TopDecibels (top_db) must be non-negative, got {top.ToString(ci)}");
        if (!Enum.IsDefined(Scale))
            errors.Add($"Scale must be Decibels or NaturalLog, got {(int)Scale}");
        return errors;
    }

    /// <summary>
    /// Converts one row of powers (any length): <c>power_to_db</c> with these settings (ref = max and top_db use the
    /// row's own maximum), then the natural-log scaling when <see cref="Scale"/> asks for it. In place is allowed.
    /// </summary>
    /// <param name="power">Powers (>= 0).</param>
    /// <param name="destination">Receives the values; same length.</param>
    public void Apply(ReadOnlySpan<float> power, Span<float> destination)
    {
        Decibels.PowerToDb(power, destination, ReferenceValue, Reference == DecibelReference.Maximum, MinimumPower, TopDecibels);
        if (Scale == DecibelScale.NaturalLog)
            Decibels.DecibelsToNaturalLog(destination, destination);
    }

    /// <summary>A one-line description with librosa's names, e.g. <c>ref=Maximum ref_value=1 amin=1E-10 top_db=80 scale=NaturalLog</c>.</summary>
    /// <returns>The description.</returns>
    public override string ToString()
        => string.Format(CultureInfo.InvariantCulture, "ref={0} ref_value={1:R} amin={2:R} top_db={3} scale={4}",
            Reference, ReferenceValue, MinimumPower, TopDecibels?.ToString("R", CultureInfo.InvariantCulture) ?? "none", Scale);
}
