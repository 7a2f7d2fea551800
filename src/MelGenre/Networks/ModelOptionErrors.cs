using System;
using System.Collections.Generic;

namespace MelGenre.Networks;

/// <summary>Collects configuration errors and throws them together (one exception naming every broken rule).</summary>
internal sealed class ModelOptionErrors
{
    private readonly List<string> _errors = new();
    private readonly string _owner;

    public ModelOptionErrors(string owner) => _owner = owner;

    public void Positive(string name, long value)
    {
        if (value <= 0) _errors.Add($"{name} must be positive, got {value}");
    }

    public void Add(string message) => _errors.Add(message);

    public void ThrowIfAny()
    {
        if (_errors.Count > 0)
            throw OptionErrors.Create(_owner, _errors);
    }
}
