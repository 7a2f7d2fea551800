
namespace MelGenre.Dsp;

/// <summary>Normalisation of the triangular mel filters (the <c>norm</c> argument of <c>librosa.filters.mel</c>).</summary>
public enum MelNormalization
{
    /// <summary>No normalisation: every triangle peaks at 1 (<c>norm=None</c>).</summary>
    None,

    /// <summary>
    /// Slaney-style area normalisation (<c>norm="slaney"</c>, librosa's default): each triangle is scaled by
    /// <c>2 / (f[m + 2] - f[m])</c> so that every channel has approximately constant energy.
    /// </summary>
    Slaney,
}
