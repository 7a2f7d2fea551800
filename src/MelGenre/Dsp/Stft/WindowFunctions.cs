using System;

namespace MelGenre.Dsp;

/// <summary>Periodic analysis windows exactly as <c>scipy.signal.get_window(name, N, fftbins=True)</c>.</summary>
internal static class WindowFunctions
{
    /// <summary>
    /// The periodic window of length <paramref name="length"/>: scipy's <c>general_cosine</c> evaluated on
    /// <c>fac = linspace(-pi, pi, N + 1)</c> and truncated to <c>N</c> points (lengths 0 and 1 give all ones, like scipy).
    /// </summary>
    public static double[] Create(WindowType type, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var w = new double[length];
        if (type == WindowType.Rectangular || length <= 1)
        {
            Array.Fill(w, 1.0);
            return w;
        }

        // scipy: general_hamming(M, alpha) == general_cosine(M, [alpha, 1. - alpha]).
        double alpha = type switch
        {
            WindowType.Hann => 0.5,
            WindowType.Hamming => 0.54,
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown window type."),
        };
        double beta = 1.0 - alpha;

        // fftbins=True: compute the symmetric window of length N + 1 and drop its last point.
        double[] fac = MelFilterBank.Linspace(-Math.PI, Math.PI, length + 1);
        for (int i = 0; i < length; i++)
        {
            w[i] = 0.0 + (alpha * 1.0) + (beta * Math.Cos(fac[i]));
        }

        return w;
    }

    /// <summary>
    /// The window of <paramref name="windowLength"/> points centred in <paramref name="size"/> points like
    /// <c>librosa.util.pad_center</c>: <c>(size - windowLength) // 2</c> zeros on the left, the rest on the right.
    /// </summary>
    public static double[] CreatePadded(WindowType type, int windowLength, int size)
    {
        if (windowLength > size)
        {
            throw new ArgumentOutOfRangeException(nameof(windowLength), windowLength, "windowLength must not exceed size.");
        }

        double[] w = Create(type, windowLength);
        if (windowLength == size)
        {
            return w;
        }

        var padded = new double[size];
        w.CopyTo(padded, (size - windowLength) / 2);
        return padded;
    }
}
