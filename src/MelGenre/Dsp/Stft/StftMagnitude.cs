using System;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MelGenre.Dsp;

/// <summary>
/// The magnitude spectrogram <c>np.abs(librosa.stft(y, n_fft, hop_length, window=..., center, pad_mode))</c> of librosa
/// 0.11, computed with the same frame geometry and FFT as <see cref="MelSpectrogram"/> (double-precision real FFT,
/// four frames per SIMD vector) and rounded once to float32. The layout is <em>frame-major</em>, <c>[frame, bin]</c>
/// (the transpose of librosa's <c>S[bin, frame]</c>), because every spectral feature reads one frame at a time.
/// </summary>
/// <remarks>
/// Immutable after construction; <see cref="Compute"/> is thread-safe (its FFT scratch is cached per thread).
/// </remarks>
internal sealed class StftMagnitude
{
    private readonly StftEngine _stft;

    [ThreadStatic]
    private static Scratch? t_scratch;

    public StftMagnitude(int fftSize, int hopLength, WindowType window, bool center, PadMode padMode)
    {
        _stft = new StftEngine(fftSize, hopLength, window, fftSize, center, padMode);
        FftSize = fftSize;
        HopLength = hopLength;
        Center = center;
    }

    /// <summary>n_fft.</summary>
    public int FftSize { get; }

    /// <summary>hop_length.</summary>
    public int HopLength { get; }

    /// <summary>Whether frames are centred (center=True).</summary>
    public bool Center { get; }

    /// <summary>Number of frequency bins, <c>1 + n_fft // 2</c>.</summary>
    public int BinCount => _stft.BinCount;

    /// <summary>librosa's frame count for <paramref name="sampleCount"/> samples; throws when no frame can be formed.</summary>
    public int GetFrameCount(int sampleCount) => _stft.GetFrameCount(sampleCount);

    /// <summary>
    /// Writes <c>|X[t, k]|</c> to <c>destination[t * BinCount + k]</c> for every frame t of <paramref name="samples"/>.
    /// </summary>
    /// <param name="samples">Mono signal.</param>
    /// <param name="destination">Exactly <c>GetFrameCount(samples.Length) * BinCount</c> values.</param>
    public void Compute(ReadOnlySpan<float> samples, Span<float> destination)
    {
        int frames = GetFrameCount(samples.Length);
        int bins = BinCount;
        if (destination.Length != (long)frames * bins)
        {
            throw new ArgumentException(
                string.Format(CultureInfo.InvariantCulture, "destination must hold frames * bins = {0} * {1} values, got {2}", frames, bins, destination.Length),
                nameof(destination));
        }

        Scratch scratch = t_scratch ??= new Scratch();
        Span<Vector256<double>> fft = scratch.Stft.Prepare(_stft, 1);
        if (scratch.Discard.Length < bins)
            scratch.Discard = new float[bins];
        int imOffset = _stft.ImaginaryOffset;
        var geometry = _stft.Geometry(samples.Length);

        for (int t0 = 0; t0 < frames; t0 += 4)
        {
            _stft.TransformQuad(samples, geometry, t0, frames, scratch.Stft, 0, fft);
            int count = Math.Min(4, frames - t0);
            Span<float> d0 = destination.Slice(t0 * bins, bins);
            Span<float> d1 = count > 1 ? destination.Slice((t0 + 1) * bins, bins) : scratch.Discard.AsSpan(0, bins);
            Span<float> d2 = count > 2 ? destination.Slice((t0 + 2) * bins, bins) : scratch.Discard.AsSpan(0, bins);
            Span<float> d3 = count > 3 ? destination.Slice((t0 + 3) * bins, bins) : scratch.Discard.AsSpan(0, bins);
            int k = 0;
            if (Avx.IsSupported)
            {
                // Four bins of four frames: narrow each bin's four magnitudes to float32, transpose 4 x 4, store four
                // contiguous bins per frame (instead of sixteen scalar stores).
                ref float p0 = ref MemoryMarshal.GetReference(d0);
                ref float p1 = ref MemoryMarshal.GetReference(d1);
                ref float p2 = ref MemoryMarshal.GetReference(d2);
                ref float p3 = ref MemoryMarshal.GetReference(d3);
                for (; k + 4 <= bins; k += 4)
                {
                    Vector128<float> b0 = Magnitude(fft, imOffset, k);
                    Vector128<float> b1 = Magnitude(fft, imOffset, k + 1);
                    Vector128<float> b2 = Magnitude(fft, imOffset, k + 2);
                    Vector128<float> b3 = Magnitude(fft, imOffset, k + 3);
                    Vector128<float> u0 = Sse.UnpackLow(b0, b1);
                    Vector128<float> u1 = Sse.UnpackLow(b2, b3);
                    Vector128<float> u2 = Sse.UnpackHigh(b0, b1);
                    Vector128<float> u3 = Sse.UnpackHigh(b2, b3);
                    Sse.MoveLowToHigh(u0, u1).StoreUnsafe(ref p0, (nuint)k);
                    Sse.MoveHighToLow(u1, u0).StoreUnsafe(ref p1, (nuint)k);
                    Sse.MoveLowToHigh(u2, u3).StoreUnsafe(ref p2, (nuint)k);
                    Sse.MoveHighToLow(u3, u2).StoreUnsafe(ref p3, (nuint)k);
                }
            }

            for (; k < bins; k++)
            {
                Vector256<double> re = fft[k], im = fft[imOffset + k];
                Vector256<double> mag = Vector256.Sqrt(Vector256.MultiplyAddEstimate(re, re, im * im));
                d0[k] = (float)mag.GetElement(0);
                d1[k] = (float)mag.GetElement(1);
                d2[k] = (float)mag.GetElement(2);
                d3[k] = (float)mag.GetElement(3);
            }
        }
    }

    /// <summary>|X[k]| of the four frames, rounded to float32.</summary>
    private static Vector128<float> Magnitude(Span<Vector256<double>> fft, int imOffset, int k)
    {
        Vector256<double> re = fft[k], im = fft[imOffset + k];
        return Avx.ConvertToVector128Single(Vector256.Sqrt(Vector256.MultiplyAddEstimate(re, re, im * im)));
    }

    /// <summary>Per-thread working memory, grown on demand.</summary>
    private sealed class Scratch
    {
        public StftEngine.Workspace Stft { get; } = new();

        public float[] Discard { get; set; } = [];
    }
}
