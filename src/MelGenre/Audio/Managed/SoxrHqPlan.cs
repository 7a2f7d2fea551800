using System;
using System.Collections.Generic;
using System.Globalization;

namespace MelGenre.Audio.Managed;

/// <summary>
/// Chooses the stages libsoxr 0.1.3 (<c>_soxr_init</c>, float engine <c>cr32s</c>) builds for the HQ recipe and a given
/// rate ratio, and designs their filters:
/// <list type="number">
/// <item><c>Halvings</c> fixed half-band decimators (8 or 9 coefficient pairs, chosen by the attenuation budget) while
/// the ratio is at least 4;</item>
/// <item>an optional "pre" FIR stage (up by L, down by M, L and M small) designed by <see cref="SoxrHqDesign.DesignLowPass"/>;
/// for 44.1 -&gt; 22.05 kHz this is the only stage: a 389-tap low-pass, decimating by 2;</item>
/// <item>an optional poly-phase "arbitrary ratio" stage: rational (L phases, step M) when the ratio is a fraction
/// with a denominator up to 2048, else with interpolated coefficients; for 48 -&gt; 22.05 kHz the pre stage is a
/// 445-tap anti-alias filter at 48 kHz and this stage a 147-phase, 14-tap interpolator stepping 320/147;</item>
/// <item>an optional "post" FIR stage (power-of-two up-sampling for large up-sampling ratios).</item>
/// </list>
/// Every stage is linear-phase with its delay removed, so output sample k is centred on input time k * in / out.
/// </summary>
internal sealed class SoxrHqPlan
{
    private const double Mult32 = 65536.0 * 65536.0;

    // The cr32s engine's half-band filters and the attenuation each one reaches (soxr's half_firs table).
    private static readonly (float[] Coefs, float Attenuation)[] HalfBandFilters =
    [
        (HalfBandCoefficients.Eight, 136.51f),
        (HalfBandCoefficients.Nine, 152.32f),
    ];

    private SoxrHqPlan(List<IResampleStage> stages, string description)
    {
        Stages = stages;
        Description = description;
    }

    /// <summary>The stages in processing order.</summary>
    public IReadOnlyList<IResampleStage> Stages { get; }

    /// <summary>A one-line description in the spirit of soxr's trace (for tests and diagnostics).</summary>
    public string Description { get; }

    /// <summary>Builds the plan for resampling from <paramref name="fromRate"/> to <paramref name="toRate"/> (different, positive).</summary>
    public static SoxrHqPlan Create(double fromRate, double toRate)
    {
        double ioRatio = fromRate / toRate;
        double fp0 = SoxrHqDesign.PassbandEnd;
        double fs0 = SoxrHqDesign.StopbandBegin;
        const double Phase = SoxrHqDesign.PhaseResponse;
        const double TbwTighten = 1;
        double Tighten(double x) => fs0 - (fs0 - x) * TbwTighten;

        double arbM = ioRatio, fp1 = fp0, fs1 = fs0;
        double bits1 = Math.Min(SoxrHqDesign.Precision, 33);
        double att = (bits1 + 1) * SoxrHqDesign.LinearToDb(2.0);
        double attArb = att;
        int preL = 1, preM = 1, shr = 0, arbL = 1, postL = 1, postM = 1;
        bool upsample = false, rational = false;
        const bool IOpt = true;
        int mode = ((int)Math.Ceiling(bits1) - 6) / 4; // 3 for 20 bits
        const int MaxL = 2048;

        // Stage selection (a second pass runs when a power-of-two post stage takes over part of a large up-sampling).
        int pass = 0;
        while (pass++ == 0)
        {
            double epsilon = 0, frac;
            upsample = arbM < 1;
            int i;
            for (i = (int)(.5 * arbM), shr = 0; (i >>= 1) != 0; arbM *= .5, ++shr)
            {
            }

            preM = upsample || (arbM > 1.5 && arbM < 2) ? 1 : 0;
            postM = 1 + (arbM > 1 && preM != 0 ? 1 : 0);
            arbM /= postM;
            preL = 1 + (preM == 0 && arbM < 2 ? 1 : 0) + (upsample && mode != 0 ? 1 : 0);
            arbM *= preL;
            if ((frac = arbM - (int)arbM) != 0)
            {
                epsilon = Math.Abs(Math.Floor(frac * Mult32 + .5) / (frac * Mult32) - 1);
            }

            for (i = 1, rational = frac == 0; i <= MaxL && !rational; ++i)
            {
                double d = frac * i;
                int attempt = (int)(d + .5);
                if (rational = Math.Abs(attempt / d - 1) <= epsilon)
                {
                    if (attempt == i)
                    {
                        arbM = Math.Ceiling(arbM);
                        int x = arbM > 3 ? 1 : 0;
                        shr += x;
                        arbM /= 1 + x;
                    }
                    else
                    {
                        arbM = i * (int)arbM + attempt;
                        arbL = i;
                    }
                }
            }

            int l = preL * arbL, m = (int)(arbM * postM);
            int odd = (l | m) & 1;
            if (odd == 0)
            {
                l >>= 1;
                m >>= 1;
            }

            double up;
            if (IOpt && postL == 1 && (up = preL * arbL / arbM) > 4 && up != 5)
            {
                for (postL = 4, i = (int)(up / 16); (i >>= 1) != 0 && postL < 256; postL <<= 1)
                {
                }

                arbM = arbM * postL / arbL / preL;
                arbL = 1;
                pass = 0;
            }
            else if (rational && (Math.Max(l, m) < 3 + 2 * (IOpt ? 1 : 0) || l * m < 6 * (IOpt ? 1 : 0)))
            {
                preL = l;
                preM = m;
                arbM = arbL = postM = 1;
            }
        }

        bool havePre = preM * preL != 1;
        bool haveArb = arbM * arbL != 1;
        bool havePost = postM * postL != 1;
        int numStages = shr + (havePre ? 1 : 0) + (haveArb ? 1 : 0) + (havePost ? 1 : 0);
        double alpha = postM / (ioRatio * postL);

        int budget = numStages;
        if (budget > 1)
        {
            if (haveArb)
            {
                att += SoxrHqDesign.LinearToDb(2.0);
                attArb = att;
                --budget;
            }

            att += SoxrHqDesign.LinearToDb(budget);
        }

        var stages = new List<IResampleStage>();
        var description = new System.Text.StringBuilder();
        description.Append(CultureInfo.InvariantCulture, $">>{shr} {preL}/{preM} {arbL}/{arbM:G6} {postL}/{postM}");

        int half = 0;
        while (half + 1 < HalfBandFilters.Length && att > HalfBandFilters[half].Attenuation)
        {
            ++half;
        }

        for (int i = 0; i < shr; i++)
        {
            stages.Add(new HalfBandStage(HalfBandFilters[half].Coefs));
            description.Append(CultureInfo.InvariantCulture, $"; half {HalfBandFilters[half].Coefs.Length}");
        }

        if (havePre)
        {
            double fn1 = preM != 0 ? Math.Max(preL, preM) : arbM / arbL;
            stages.Add(CreateFirStage(Tighten(fp1), fs1, fn1, att, Phase, preL, Math.Max(preM, 1), description));
            fp1 /= fn1;
            fs1 /= fn1;
        }

        if (haveArb)
        {
            stages.Add(CreatePolyphaseStage(ref arbM, ref arbL, rational, upsample, preM != 0, mode, fp1, fs1, attArb, description));
        }

        if (havePost)
        {
            stages.Add(CreateFirStage(
                Tighten(fp0 / (upsample ? alpha : 1)),
                upsample ? Math.Max(2 - fs0 / alpha, 1) : fs0,
                Math.Max(postL, postM),
                att,
                Phase,
                postL,
                postM,
                description));
        }

        return new SoxrHqPlan(stages, description.ToString());
    }

    private static FirStage CreateFirStage(double fp, double fs, double fn, double att, double phase, int l, int m, System.Text.StringBuilder description)
    {
        bool powerOfTwo = l >= 2 && (l & (l - 1)) == 0;
        int k = phase == 50 && powerOfTwo && fn == l ? l << 1 : 4;
        int numTaps = 0;
        double[] h = SoxrHqDesign.DesignLowPass(fp, fs, fn, att, ref numTaps, -k, -1.0)!;

        // soxr stores h * L (the up-sampling gain) in float32; the FFT normalisation it also folds in is a power of two,
        // which does not change the rounding.
        var taps = new float[numTaps];
        for (int i = 0; i < numTaps; i++)
        {
            taps[i] = (float)(h[i] * l);
        }

        description.Append(CultureInfo.InvariantCulture, $"; fir {numTaps} L={l} M={m} Fp={fp:G7} Fs={fs:G7} Fn={fn:G6} att={att:G6}");
        return new FirStage(taps, l, m, numTaps / 2);
    }

    private static PolyphaseStage CreatePolyphaseStage(
        ref double arbM,
        ref int arbL,
        bool rational,
        bool upsample,
        bool preM,
        int mode,
        double fp1,
        double fs1,
        double attArb,
        System.Text.StringBuilder description)
    {
        // soxr's poly_firs rows for mode 3 (20 bits) of the SIMD engine: the phase-bit scalars of the linear and
        // quadratic coefficient interpolators; beta is estimated (-1) and the length designed (scalar 0).
        ReadOnlySpan<float> interpolationScalars = upsample ? [11f, 7f] : preM ? [10.6f, 6.75f] : [12.4f, 7.8f];
        const float Rolloff = -.01f; // rolloff_small
        const int CoefSizeKBytes = 400;

        double mult = upsample ? 1 : arbM / arbL;
        double fp = fp1, fs, fn;
        if (!upsample && preM)
        {
            fn = 2 * mult;
            fs = 3 + Math.Abs(fs1 - 1);
        }
        else
        {
            fn = 1;
            fs = 2 - (mode != 0 ? fp1 + (fs1 - fp1) * .7 : fs1);
        }

        if (mode != 0)
        {
            fp = fs - (fs - fp) / (1 - SoxrHqDesign.InverseResponse(Rolloff, attArb));
        }

        int index = (rational ? 0 : 1) - 1;
        int numCoefs, phases, phaseBits, order;
        while (true)
        {
            ++index;
            if (index != 0)
            {
                arbM /= arbL;
                arbL = 1;
                rational = false;
            }

            double scalar = index == 0 ? 0 : interpolationScalars[index - 1];
            phaseBits = (int)Math.Ceiling(scalar - Math.Log(mult) / Math.Log(2.0));
            phases = !rational ? 1 << phaseBits : arbL;

            int phases0 = Math.Max(phases, 19), n0 = 0;
            SoxrHqDesign.DesignLowPass(fp, fs, -fn, attArb, ref n0, phases0, -1.0);
            numCoefs = n0 / phases0 + 1;
            numCoefs += numCoefs & (preM ? 0 : 1);

            if ((numCoefs & 1) != 0 && rational && (arbL & 1) != 0)
            {
                phases <<= 1;
                arbL <<= 1;
                arbM *= 2;
            }

            order = index; // soxr: i + (i && mode > 4), and mode is 3
            int numCoefs4 = (numCoefs + 3) & ~3;
            long coefsSize = (long)numCoefs4 * phases * (order + 1) * sizeof(float);
            if (!(index < 2 && coefsSize / 1000 > CoefSizeKBytes))
            {
                break;
            }
        }

        int numTaps = numCoefs * phases - 1;
        double[] h = SoxrHqDesign.DesignLowPass(fp, fs, fn, attArb, ref numTaps, phases, -1.0)!;
        double phase0 = .5 * (numCoefs & 1);
        description.Append(CultureInfo.InvariantCulture, $"; poly {numCoefs}x{phases} order={order} L={arbL} M={arbM:G10}");

        if (order == 0)
        {
            return PolyphaseStage.CreateRational(h, numCoefs, phases, arbL, (long)arbM, (long)(arbL * phase0));
        }

        long step = (long)(arbM * Mult32 + .5);
        long at = (long)(arbL * phase0 * Mult32 + .5);
        return PolyphaseStage.CreateInterpolated(h, numCoefs, phases, phaseBits, order, step, at);
    }
}
