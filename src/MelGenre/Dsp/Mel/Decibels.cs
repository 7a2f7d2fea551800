using System;
using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MelGenre.Dsp;

/// <summary>Decibel conversions matching librosa 0.11 (<c>librosa.power_to_db</c>) and the "log scaling" of the original work.</summary>
internal static class Decibels
{
    /// <summary>
    /// <c>ln(10) / 10</c>: the original work's "log scaling" <c>np.log(librosa.db_to_power(dB))</c> equals <c>dB * ln(10) / 10</c>.
    /// </summary>
    public const double NaturalLogPerDecibel = 0.23025850929940458;

    // 10 / ln(10): 10 log10(x) == ln(x) * DecibelsPerNaturalLog.
    private const double DecibelsPerNaturalLog = 4.3429448190325175;

    /// <summary>
    /// Converts a power spectrogram to decibels like <c>librosa.power_to_db(S, ref, amin, top_db)</c>:
    /// <c>10 log10(max(amin, S)) - 10 log10(max(amin, ref))</c>, then, when <paramref name="topDb"/> is not
    /// <see langword="null"/>, <c>max(x, max(x) - topDb)</c> over the whole input.
    /// </summary>
    /// <param name="power">Power values (for example a mel spectrogram, any layout: the maximum is taken over all of it, like <c>np.max</c>).</param>
    /// <param name="destination">Receives the decibels; same length as <paramref name="power"/>. May be the same memory as <paramref name="power"/> (in-place conversion).</param>
    /// <param name="reference">Reference power mapped to 0 dB (librosa <c>ref</c> as a number); must be positive and finite unless <paramref name="referenceIsMax"/>.</param>
    /// <param name="referenceIsMax">Use the maximum of <paramref name="power"/> as the reference (librosa <c>ref=np.max</c>); <paramref name="reference"/> is then ignored.</param>
    /// <param name="amin">Floor applied to the power and the reference before the logarithm; must be positive and finite.</param>
    /// <param name="topDb">Dynamic range kept below the maximum, in dB (&gt;= 0), or <see langword="null"/> for no clipping.</param>
    /// <remarks>
    /// Logarithms are evaluated in double precision and each result is rounded once to float32 (librosa rounds a few
    /// intermediate float32 steps, so results may differ from librosa in the last bit or two). An empty input is a no-op.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="amin"/>, <paramref name="topDb"/> or <paramref name="reference"/> violate the rules above.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is not as long as <paramref name="power"/>.</exception>
    public static void PowerToDb(
        ReadOnlySpan<float> power,
        Span<float> destination,
        float reference = 1f,
        bool referenceIsMax = false,
        float amin = 1e-10f,
        float? topDb = 80f)
    {
        if (!(amin > 0f) || !float.IsFinite(amin))
        {
            throw new ArgumentOutOfRangeException(nameof(amin), amin, string.Format(CultureInfo.InvariantCulture, "amin must be a finite number > 0, got {0}", amin));
        }

        if (topDb is float top && !(top >= 0f))
        {
            throw new ArgumentOutOfRangeException(nameof(topDb), top, string.Format(CultureInfo.InvariantCulture, "top_db must be >= 0 (or null for no clipping), got {0}", top));
        }

        if (!referenceIsMax && (!(reference > 0f) || !float.IsFinite(reference)))
        {
            throw new ArgumentOutOfRangeException(nameof(reference), reference, string.Format(CultureInfo.InvariantCulture, "ref must be a finite number > 0 (or use referenceIsMax), got {0}", reference));
        }

        if (destination.Length != power.Length)
        {
            throw new ArgumentException(
                string.Format(CultureInfo.InvariantCulture, "destination must have the same length as power ({0}), got {1}", power.Length, destination.Length),
                nameof(destination));
        }

        if (power.IsEmpty)
        {
            return;
        }

        float[]? rented = null;
        if (power.Overlaps(destination, out int offset) && offset != 0)
        {
            // Partially overlapping buffers: work from a copy so that no input is overwritten before it is read.
            rented = ArrayPool<float>.Shared.Rent(power.Length);
            power.CopyTo(rented);
            power = rented.AsSpan(0, power.Length);
        }

        try
        {
            float max = (referenceIsMax || topDb is not null) ? Max(power) : 0f;
            double aminD = MelSpectrogramSettings.WidenDecimal(amin);
            double refValue = referenceIsMax ? max : MelSpectrogramSettings.WidenDecimal(reference);
            // Like librosa (float32 arithmetic), the reference's dB value is subtracted in float32 from each value's
            // dB value, both computed by the same logarithm, so a value equal to the reference is exactly 0 dB.
            float refDb = LogDb(Math.Max(aminD, refValue));
            float floor = float.NegativeInfinity;
            if (topDb is float t)
            {
                float maxDb = ToDb(Math.Max(amin, max), refDb);
                floor = (float)(maxDb - (double)t);
            }

            Convert(power, destination, amin, refDb, floor);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<float>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// The original work's "log scaling": <c>np.log(librosa.db_to_power(dB, ref=1.0))</c>, i.e.
    /// <c>dB * <see cref="NaturalLogPerDecibel"/></c> (computed in double, rounded once to float32).
    /// </summary>
    /// <param name="db">Values in decibels.</param>
    /// <param name="destination">Receives the natural logarithms of the powers; same length as <paramref name="db"/>; may be the same memory (in place).</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is not as long as <paramref name="db"/>.</exception>
    public static void DecibelsToNaturalLog(ReadOnlySpan<float> db, Span<float> destination)
    {
        if (destination.Length != db.Length)
        {
            throw new ArgumentException(
                string.Format(CultureInfo.InvariantCulture, "destination must have the same length as db ({0}), got {1}", db.Length, destination.Length),
                nameof(destination));
        }

        if (db.Overlaps(destination, out int offset) && offset != 0)
        {
            float[] copy = db.ToArray();
            db = copy;
        }

        for (int i = 0; i < db.Length; i++)
        {
            destination[i] = (float)(db[i] * NaturalLogPerDecibel);
        }
    }

    /// <summary>10·log10(x) rounded to float32, through the same vectorised logarithm as <see cref="Convert"/>.</summary>
    private static float LogDb(double x) =>
        (float)(Vector256.Log(Vector256.Create(x)) * DecibelsPerNaturalLog).GetElement(0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float ToDb(float flooredPower, float refDb) => LogDb(flooredPower) - refDb;

    private static float Max(ReadOnlySpan<float> values)
    {
        int i = 0;
        float max = float.NegativeInfinity;
        if (Vector256.IsHardwareAccelerated && values.Length >= Vector256<float>.Count)
        {
            ref float src = ref MemoryMarshal.GetReference(values);
            Vector256<float> vmax = Vector256.Create(float.NegativeInfinity);
            for (; i <= values.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                vmax = Vector256.Max(vmax, Vector256.LoadUnsafe(ref src, (nuint)i));
            }

            for (int lane = 0; lane < Vector256<float>.Count; lane++)
            {
                max = Math.Max(max, vmax.GetElement(lane));
            }
        }

        for (; i < values.Length; i++)
        {
            max = Math.Max(max, values[i]);
        }

        return max;
    }

    private static void Convert(ReadOnlySpan<float> power, Span<float> destination, float amin, float refDb, float floor)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float src = ref MemoryMarshal.GetReference(power);
            ref float dst = ref MemoryMarshal.GetReference(destination);
            Vector256<float> vAmin = Vector256.Create(amin);
            Vector256<float> vFloor = Vector256.Create(floor);
            Vector256<double> vScale = Vector256.Create(DecibelsPerNaturalLog);
            Vector256<float> vRef = Vector256.Create(refDb);
            for (; i <= power.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> x = Vector256.Max(vAmin, Vector256.LoadUnsafe(ref src, (nuint)i));
                (Vector256<double> lo, Vector256<double> hi) = Vector256.Widen(x);
                lo = Vector256.Log(lo) * vScale;
                hi = Vector256.Log(hi) * vScale;
                Vector256.Max(vFloor, Vector256.Narrow(lo, hi) - vRef).StoreUnsafe(ref dst, (nuint)i);
            }
        }

        for (; i < power.Length; i++)
        {
            destination[i] = Math.Max(floor, ToDb(Math.Max(amin, power[i]), refDb));
        }
    }
}
