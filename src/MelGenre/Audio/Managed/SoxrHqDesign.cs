using System;

namespace MelGenre.Audio.Managed;

/// <summary>
/// The filter-design arithmetic of libsoxr 0.1.3's "HQ" recipe (<c>soxr_quality_spec(SOXR_HQ, 0)</c>), re-derived so that
/// the managed resampler designs the same filters, tap for tap:
/// <list type="bullet">
/// <item>precision 20 bits, linear phase (50), stop-band beginning at the output Nyquist frequency (1.0) and the
/// pass-band ending at <c>1 - 0.05 / to3dB(120.4 dB)</c> = 0.913744 of it;</item>
/// <item>Kaiser-windowed sinc low-pass filters whose beta comes from soxr's cubic fits of beta against attenuation
/// (per octave of transition width, interpolated), whose length comes from soxr's fit of the Kaiser length formula,
/// and whose window is stretched by <c>rho</c> (0.5 for single-phase filters, 0.75 for poly-phase ones above 120 dB);</item>
/// <item>soxr's closed-form approximation of a Kaiser filter's roll-off, used to place the 3 dB point and the
/// poly-phase stage's pass-band edge.</item>
/// </list>
/// All arithmetic is in double precision in the same order as soxr's C code, so that the designed taps round to the
/// same float32 values.
/// </summary>
internal static class SoxrHqDesign
{
    /// <summary>The recipe's precision in bits.</summary>
    public const double Precision = 20;

    /// <summary>The recipe's phase response (50 = linear).</summary>
    public const double PhaseResponse = 50;

    /// <summary>Start of the stop band, relative to the output Nyquist frequency.</summary>
    public const double StopbandBegin = 1;

    /// <summary>End of the pass band, relative to the output Nyquist frequency (0.91374365327330664).</summary>
    public static readonly double PassbandEnd = 1 - .05 / To3Db(Precision * LinearToDb(2.0));

    // soxr's Kaiser beta fits: beta = ((c0 att + c1) att + c2) att + c3, one row per octave of transition width
    // starting at 0.0005 (relative to the cut-off); the last column includes soxr's small per-row corrections.
    private static readonly double[,] BetaFits =
    {
        { -6.784957e-10, 1.02856e-05, 0.1087556, -0.8988365 + .001 },
        { -6.897885e-10, 1.027433e-05, 0.10876, -0.8994658 + .002 },
        { -1.000683e-09, 1.030092e-05, 0.1087677, -0.9007898 + .003 },
        { -3.654474e-10, 1.040631e-05, 0.1087085, -0.8977766 + .006 },
        { 8.106988e-09, 6.983091e-06, 0.1091387, -0.9172048 + .015 },
        { 9.519571e-09, 7.272678e-06, 0.1090068, -0.9140768 + .025 },
        { -5.626821e-09, 1.342186e-05, 0.1083999, -0.9065452 + .05 },
        { -9.965946e-08, 5.073548e-05, 0.1040967, -0.7672778 + .085 },
        { 1.604808e-07, -5.856462e-05, 0.1185998, -1.34824 + .1 },
        { -1.511964e-07, 6.363034e-05, 0.1064627, -0.9876665 + .18 },
    };

    /// <summary><c>20 log10(x)</c>.</summary>
    public static double LinearToDb(double x) => Math.Log10(x) * 20;

    /// <summary>Kaiser window beta for a stop-band attenuation (dB) and a transition width relative to the cut-off.</summary>
    public static double KaiserBeta(double att, double transitionWidth)
    {
        if (att >= 60)
        {
            int rows = BetaFits.GetLength(0);
            double octave = Math.Log(transitionWidth / .0005) / Math.Log(2.0);
            int whole = (int)octave;
            int r0 = Math.Clamp(whole, 0, rows - 1);
            int r1 = Math.Clamp(whole + 1, 0, rows - 1);
            double b0 = ((BetaFits[r0, 0] * att + BetaFits[r0, 1]) * att + BetaFits[r0, 2]) * att + BetaFits[r0, 3];
            double b1 = ((BetaFits[r1, 0] * att + BetaFits[r1, 1]) * att + BetaFits[r1, 2]) * att + BetaFits[r1, 3];
            return b0 + (b1 - b0) * (octave - whole);
        }

        if (att > 50)
        {
            return .1102 * (att - 8.7);
        }

        if (att > 20.96)
        {
            return .58417 * Math.Pow(att - 20.96, .4) + .07886 * (att - 20.96);
        }

        return 0;
    }

    /// <summary>
    /// Designs a Kaiser-windowed sinc low-pass filter the way soxr's <c>lsx_design_lpf</c> does.
    /// </summary>
    /// <param name="fp">End of the pass band.</param>
    /// <param name="fs">Start of the stop band.</param>
    /// <param name="fn">Nyquist frequency in the units of <paramref name="fp"/>; negative: only compute <paramref name="numTaps"/>.</param>
    /// <param name="att">Stop-band attenuation in dB.</param>
    /// <param name="numTaps">0 to estimate the length (it is then set), else the length to use.</param>
    /// <param name="k">&gt; 0: number of phases of a poly-phase prototype; &lt; 0: the length is 1 modulo <c>-k</c>.</param>
    /// <param name="beta">Kaiser beta, or negative to estimate it.</param>
    /// <returns>The taps (scaled by the number of phases), or <see langword="null"/> when <paramref name="fn"/> is negative.</returns>
    public static double[]? DesignLowPass(double fp, double fs, double fn, double att, ref int numTaps, int k, double beta)
    {
        int requested = numTaps;
        int phases = Math.Max(k, 1);
        int modulo = Math.Max(-k, 1);
        double rho = phases == 1 ? .5 : att < 120 ? .63 : .75;

        fp /= Math.Abs(fn);
        fs /= Math.Abs(fn);
        double transition = .5 * (fs - fp);
        transition /= phases;
        fs /= phases;
        transition = Math.Min(transition, .5 * fs);
        double fc = fs - transition;

        if (beta < 0)
        {
            beta = KaiserBeta(att, transition * .5 / fc);
        }

        double lengthFactor = att < 60
            ? (att - 7.95) / (2.285 * Math.PI * 2)
            : ((.0007528358 - 1.577737e-05 * beta) * beta + .6248022) * beta + .06186902;
        if (numTaps == 0)
        {
            numTaps = (int)Math.Ceiling(lengthFactor / transition + 1);
        }

        if (requested == 0)
        {
            numTaps = phases > 1
                ? numTaps / phases * phases + phases - 1
                : (numTaps + modulo - 2) / modulo * modulo + 1;
        }

        return fn < 0 ? null : MakeLowPass(numTaps, fc, beta, rho, phases);
    }

    /// <summary>Kaiser-windowed sinc with cut-off <paramref name="fc"/> (relative to Nyquist) and a window widened by <paramref name="rho"/>.</summary>
    public static double[] MakeLowPass(int numTaps, double fc, double beta, double rho, double scale)
    {
        int m = numTaps - 1;
        var h = new double[numTaps];
        double mult = scale / BesselI0(beta);
        double mult1 = 1 / (.5 * m + rho);
        for (int i = 0; i <= m / 2; ++i)
        {
            double z = i - .5 * m;
            double x = z * Math.PI;
            double y = z * mult1;
            double value = x != 0 ? Math.Sin(fc * x) / x : fc;
            value *= BesselI0(beta * Math.Sqrt(1 - y * y)) * mult;
            h[i] = value;
            h[m - i] = value;
        }

        return h;
    }

    /// <summary>Modified Bessel function of the first kind, order 0 (power series; all terms positive, so it is accurate to a few ulps for the arguments used here).</summary>
    public static double BesselI0(double x)
    {
        double quarterSquare = x * x * .25;
        double term = 1;
        double sum = 1;
        for (int k = 1; k < 500; k++)
        {
            term *= quarterSquare / ((double)k * k);
            sum += term;
            if (term < sum * 1e-17)
            {
                break;
            }
        }

        return sum;
    }

    /// <summary>
    /// soxr's <c>lsx_inv_f_resp</c>: the normalised position (0 = pass-band end, 1 = stop-band start) at which a filter
    /// of attenuation <paramref name="att"/> has dropped by <paramref name="dropDb"/> dB.
    /// </summary>
    public static double InverseResponse(double dropDb, double att)
    {
        double x = SinePhi(att);
        double drop = Math.Exp(dropDb * (2.302585092994045684 * 0.05));
        double s = drop > .5 ? 1 - drop : drop;
        x = Math.Asin(Math.Pow(s, 1 / SinePow(x))) / x;
        return drop > .5 ? x : 1 - x;
    }

    /// <summary>soxr's <c>lsx_to_3dB</c>: the normalised position of the 3 dB point.</summary>
    public static double To3Db(double att) => 1 - InverseResponse(-3.0, att);

    private static double SinePhi(double x) => ((2.0517e-07 * x - 1.1303e-04) * x + .023154) * x + .55924;

    private static double SinePow(double x) => Math.Log(.5) / Math.Log(Math.Sin(x * .5));
}
