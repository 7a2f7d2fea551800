using System.Collections.Generic;
using System.Globalization;

namespace MelGenre.Dsp;

/// <summary>
/// Settings of the per-row statistics over time (FMA's <c>feature_stats</c>): which statistics, the slot-name prefix and
/// the value of the moments of a constant row. Immutable; change a value with <c>with</c>.
/// </summary>
public sealed record FrameSummarySettings
{
    /// <summary>All seven statistics, slot names prefixed with the input column's name, constant-row moments 0.</summary>
    public static FrameSummarySettings Default { get; } = new();

    /// <summary>Which statistics, any non-empty combination. Default all seven (FMA's).</summary>
    public FrameStatistic Statistics { get; init; } = FrameStatistic.All;

    /// <summary>First part of the slot names (<c>prefix/statistic/NN</c>); null means the input column's name.</summary>
    public string? SlotNamePrefix { get; init; }

    /// <summary>Skewness and kurtosis of a constant row, where scipy returns NaN. Default 0 (trainers reject NaN); set NaN for scipy's value.</summary>
    public float ConstantRowMoment { get; init; }

    /// <summary>Every broken rule with its value; empty when the settings are usable.</summary>
    /// <returns>The errors.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if ((Statistics & FrameStatistic.All) == 0 || (Statistics & ~FrameStatistic.All) != 0)
            errors.Add($"Statistics must be a non-empty combination of FrameStatistic flags, got {((int)Statistics).ToString(CultureInfo.InvariantCulture)}");
        if (SlotNamePrefix is not null && SlotNamePrefix.Length == 0)
            errors.Add("SlotNamePrefix must be null (the input column's name) or non-empty");
        return errors;
    }
}
