namespace MelGenre.Audio.Managed;

/// <summary>
/// The coefficients of libsoxr's fixed half-band decimators (the ones its SIMD float engine uses). They are data, not a
/// design rule: soxr ships them as optimised constants, and reproducing its response requires the same numbers.
/// Coefficient j multiplies the pair of input samples at offsets ±(2j + 1); the centre tap is 0.5.
/// </summary>
internal static class HalfBandCoefficients
{
    /// <summary>8 pairs (31 taps), 136.51 dB.</summary>
    public static readonly float[] Eight =
    [
        3.1154652365332069e-01f, -8.7344917685739543e-02f, 3.6814458353637280e-02f,
        -1.5189204581464479e-02f, 5.4540855610738801e-03f, -1.5643862626630416e-03f,
        3.1816575906323303e-04f, -3.4799449225005688e-05f,
    ];

    /// <summary>9 pairs (35 taps), 152.32 dB.</summary>
    public static readonly float[] Nine =
    [
        3.1227034755311189e-01f, -8.9221517147969526e-02f, 3.9139704015071934e-02f,
        -1.7250558515852023e-02f, 6.8589440230476112e-03f, -2.3045049636430419e-03f,
        6.0963740543348963e-04f, -1.1323803957431231e-04f, 1.1197769991000046e-05f,
    ];
}
