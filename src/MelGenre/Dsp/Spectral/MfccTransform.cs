using System;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MelGenre.Dsp;

/// <summary>Normalisation of the DCT that turns log-mel frames into MFCCs (scipy's <c>norm</c>).</summary>
public enum DctNormalization
{
    /// <summary>Orthonormal DCT-II (<c>norm="ortho"</c>, librosa's default): coefficient 0 scaled by <c>sqrt(1/N)</c>, the others by <c>sqrt(2/N)</c>.</summary>
    Ortho,

    /// <summary>Unnormalised DCT-II (<c>norm=None</c>): <c>2 sum x[n] cos(pi k (2n + 1) / 2N)</c>.</summary>
    None,
}

/// <summary>
/// The cepstral step of <c>librosa.feature.mfcc(S=dB, n_mfcc, dct_type=2, norm, lifter)</c>: a DCT-II along the mel axis
/// of each frame, truncated to the first <c>n_mfcc</c> coefficients, then the optional sinusoidal lifter
/// <c>1 + (lifter / 2) sin(pi (k + 1) / lifter)</c>. Computed in double (scipy computes in float32), rounded once.
/// Immutable and thread-safe.
/// </summary>
internal sealed class MfccTransform
{
    private readonly double[] _basis; // [coefficient, mel]

    public MfccTransform(int melCount, int mfccCount, DctNormalization normalization, float lifter)
    {
        if (melCount < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(melCount), melCount, "n_mels must be positive.");
        }

        if (mfccCount < 1 || mfccCount > melCount)
        {
            throw new ArgumentOutOfRangeException(nameof(mfccCount), mfccCount, "n_mfcc must be between 1 and n_mels.");
        }

        MelCount = melCount;
        MfccCount = mfccCount;
        _basis = new double[mfccCount * melCount];
        long period = 4L * melCount;
        double liftScale = MelSpectrogramSettings.WidenDecimal(lifter);
        for (int k = 0; k < mfccCount; k++)
        {
            double scale = normalization == DctNormalization.Ortho
                ? (k == 0 ? Math.Sqrt(1.0 / melCount) : Math.Sqrt(2.0 / melCount))
                : 2.0;
            if (liftScale > 0)
            {
                scale *= 1 + (liftScale / 2 * Math.Sin(Math.PI * (k + 1) / liftScale));
            }

            for (int n = 0; n < melCount; n++)
            {
                // cos(pi k (2n + 1) / 2N) with the angle reduced exactly (modulo a full turn, 4N half-steps).
                long steps = (long)k * ((2L * n) + 1) % period;
                _basis[(k * melCount) + n] = scale * double.CosPi(steps / (2.0 * melCount));
            }
        }
    }

    /// <summary>n_mels (DCT length).</summary>
    public int MelCount { get; }

    /// <summary>n_mfcc.</summary>
    public int MfccCount { get; }

    /// <summary>
    /// MFCCs of a row-major <c>[mel, frame]</c> dB matrix into row-major <c>[coefficient, frame]</c>.
    /// </summary>
    public void Compute(ReadOnlySpan<float> decibels, Span<float> destination, int frames)
    {
        var column = new double[MelCount];
        for (int t = 0; t < frames; t++)
        {
            for (int m = 0; m < MelCount; m++)
            {
                column[m] = decibels[(m * frames) + t];
            }

            for (int k = 0; k < MfccCount; k++)
            {
                destination[(k * frames) + t] = (float)Dot(_basis.AsSpan(k * MelCount, MelCount), column);
            }
        }
    }

    /// <summary>MFCCs of one frame of dB values (length n_mels) into <paramref name="coefficients"/> (length n_mfcc).</summary>
    public void ComputeFrame(ReadOnlySpan<double> frame, Span<double> coefficients)
    {
        for (int k = 0; k < MfccCount; k++)
        {
            coefficients[k] = Dot(_basis.AsSpan(k * MelCount, MelCount), frame);
        }
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        int n = a.Length;
        int i = 0;
        double sum = 0;
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            ref double pa = ref MemoryMarshal.GetReference(a);
            ref double pb = ref MemoryMarshal.GetReference(b);
            Vector256<double> acc0 = Vector256<double>.Zero, acc1 = Vector256<double>.Zero;
            for (; i <= n - 8; i += 8)
            {
                acc0 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref pa, (nuint)i), Vector256.LoadUnsafe(ref pb, (nuint)i), acc0);
                acc1 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref pa, (nuint)(i + 4)), Vector256.LoadUnsafe(ref pb, (nuint)(i + 4)), acc1);
            }

            sum = Vector256.Sum(acc0 + acc1);
        }

        for (; i < n; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }
}
