
namespace MelGenre.Dsp;

/// <summary>
/// Analysis window applied to each STFT frame. Every window is the <em>periodic</em> variant, exactly as
/// <c>scipy.signal.get_window(name, N, fftbins=True)</c> (which librosa's <c>stft</c> uses).
/// </summary>
public enum WindowType
{
    /// <summary>Periodic Hann window, <c>0.5 + 0.5 cos(fac)</c> with <c>fac = linspace(-pi, pi, N + 1)[:N]</c>.</summary>
    Hann,

    /// <summary>Periodic Hamming window, <c>0.54 + 0.46 cos(fac)</c> with <c>fac = linspace(-pi, pi, N + 1)[:N]</c>.</summary>
    Hamming,

    /// <summary>Rectangular (boxcar) window: all ones.</summary>
    Rectangular,
}
