using System;
using System.Collections.Generic;
using System.Globalization;

namespace MelGenre.Audio;

/// <summary>
/// Which audio a clip is, as <c>librosa.load(path, sr, offset, duration)</c> sees it: the rate the audio is resampled to
/// and the excerpt taken from it. Shorter audio is padded with zeros to exactly <see cref="SampleCount"/> samples.
/// Defaults: 22,050 Hz (librosa's), from 0 s, 30 s long (an FMA clip). Immutable; change a value with <c>with</c>.
/// </summary>
public sealed record ExcerptSettings
{
    /// <summary>22,050 Hz, from 0 s, 30 s long.</summary>
    public static ExcerptSettings Default { get; } = new();

    /// <summary>Output sample rate in Hz (1 to 768,000). Default 22,050. Audio at another rate is resampled with soxr's high-quality recipe (librosa's default <c>soxr_hq</c>).</summary>
    public int SampleRate { get; init; } = 22050;

    /// <summary>Start of the excerpt in seconds (>= 0). Default 0.</summary>
    public double OffsetSeconds { get; init; }

    /// <summary>Length of the excerpt in seconds (> 0). Default 30.</summary>
    public double DurationSeconds { get; init; } = 30;

    /// <summary>Samples of a clip: <c>floor(DurationSeconds × SampleRate)</c>.</summary>
    public int SampleCount => (int)Math.Floor(DurationSeconds * SampleRate);

    /// <summary>Every broken rule with its value; empty when the settings are usable.</summary>
    /// <returns>The errors.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        var ci = CultureInfo.InvariantCulture;
        if (SampleRate < 1 || SampleRate > 768_000)
            errors.Add($"SampleRate must be between 1 and 768000 Hz, got {SampleRate}");
        if (!double.IsFinite(OffsetSeconds) || OffsetSeconds < 0)
            errors.Add($"OffsetSeconds must be a finite number >= 0, got {OffsetSeconds.ToString(ci)}");
        if (!double.IsFinite(DurationSeconds) || DurationSeconds <= 0)
        {
            errors.Add($"DurationSeconds must be a finite number > 0, got {DurationSeconds.ToString(ci)}");
        }
        else if (SampleRate >= 1)
        {
            double n = Math.Floor(DurationSeconds * SampleRate);
            if (n < 1)
                errors.Add($"DurationSeconds x SampleRate must give at least one sample, got {DurationSeconds.ToString(ci)} s x {SampleRate} Hz");
            else if (n > int.MaxValue / 2)
                errors.Add($"DurationSeconds x SampleRate must be at most {int.MaxValue / 2} samples, got {n.ToString(ci)}");
        }

        return errors;
    }

    /// <summary>A one-line description, e.g. <c>sr=22050 offset=0 duration=30</c>.</summary>
    /// <returns>The description.</returns>
    public override string ToString() => string.Format(CultureInfo.InvariantCulture, "sr={0} offset={1:R} duration={2:R}", SampleRate, OffsetSeconds, DurationSeconds);
}
