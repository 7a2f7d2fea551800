using System;
using System.Collections.Generic;
using System.Linq;

namespace MelGenre;

/// <summary>
/// The one format of MelGenre's configuration errors: every broken rule with its value, in one exception
/// (<c>Invalid ExtractMelSpectrogram options: n_fft must be a positive integer, got 0; hop_length must be a positive
/// integer, got -1.</c>). Each rule reads "<c>name must ..., got value</c>", values formatted with the invariant culture.
/// Settings records collect their rules in a <c>Validate()</c> method; constructors of estimators, trainers, recipes and
/// DSP kernels call <see cref="ThrowIfAny"/> with the component's name.
/// </summary>
internal static class OptionErrors
{
    /// <summary>The exception for <paramref name="errors"/> of <paramref name="component"/>.</summary>
    /// <param name="component">What is configured, as users know it, e.g. "ExtractMelSpectrogram options".</param>
    /// <param name="errors">The broken rules (at least one).</param>
    /// <param name="paramName">The argument that holds the configuration, if any.</param>
    public static ArgumentException Create(string component, IEnumerable<string> errors, string? paramName = null)
        => new($"Invalid {component}: {string.Join("; ", errors.Select(e => e.TrimEnd('.')))}.", paramName);

    /// <summary>Throws <see cref="Create"/> when <paramref name="errors"/> is not empty.</summary>
    /// <param name="component">What is configured, e.g. "ExtractMelSpectrogram options".</param>
    /// <param name="errors">The broken rules.</param>
    /// <param name="paramName">The argument that holds the configuration, if any.</param>
    public static void ThrowIfAny(string component, IReadOnlyCollection<string> errors, string? paramName = null)
    {
        if (errors.Count > 0)
            throw Create(component, errors, paramName);
    }

    /// <summary>The rule for a column name: present and not blank.</summary>
    public static void RequireColumnName(ICollection<string> errors, string property, string? value, bool nullAllowed = false)
    {
        if (value is null ? !nullAllowed : string.IsNullOrWhiteSpace(value))
            errors.Add(nullAllowed ? $"{property} must be null or a non-empty column name, got '{value}'" : $"{property} must be a non-empty column name");
    }
}
