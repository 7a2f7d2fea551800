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
    private readonly FrameTransform _transform;
    private readonly double[] _window;
    private readonly bool _reflect;

    [ThreadStatic]
    private static Scratch? t_scratch;

    public StftMagnitude(int fftSize, int hopLength, WindowType window, bool center, PadMode padMode)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fftSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(hopLength, 1);
        FftSize = fftSize;
        HopLength = hopLength;
        Center = center;
        _reflect = padMode == PadMode.Reflect;
        _transform = FrameTransform.Create(fftSize);
        _window = WindowFunctions.CreatePadded(window, fftSize, fftSize);
    }

    /// <summary>n_fft.</summary>
    public int FftSize { get; }

    /// <summary>hop_length.</summary>
    public int HopLength { get; }

    /// <summary>Whether frames are centred (center=True).</summary>
    public bool Center { get; }

    /// <summary>Number of frequency bins, <c>1 + n_fft // 2</c>.</summary>
    public int BinCount => _transform.BinCount;

    /// <summary>librosa's frame count for <paramref name="sampleCount"/> samples; throws when no frame can be formed.</summary>
    public int GetFrameCount(int sampleCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sampleCount);
        CultureInfo ci = CultureInfo.InvariantCulture;
        if (!Center)
        {
            if (sampleCount < FftSize)
            {
                throw new ArgumentException(string.Format(ci, "center=false needs at least n_fft = {0} samples, got {1}", FftSize, sampleCount), nameof(sampleCount));
            }

            return 1 + ((sampleCount - FftSize) / HopLength);
        }

        if (_reflect && sampleCount == 0)
        {
            throw new ArgumentException("pad_mode=reflect needs at least 1 sample, got 0", nameof(sampleCount));
        }

        long padded = sampleCount + (2L * (FftSize / 2));
        if (padded < FftSize)
        {
            throw new ArgumentException(string.Format(ci, "center=true with odd n_fft = {0} needs at least 1 sample, got {1}", FftSize, sampleCount), nameof(sampleCount));
        }

        return (int)(1 + ((padded - FftSize) / HopLength));
    }

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

        int n = FftSize;
        int fftLength = _transform.ScratchLength;
        Scratch scratch = Scratch.Get(ref t_scratch, fftLength, n);
        Span<Vector256<double>> fft = MemoryMarshal.Cast<double, Vector256<double>>(scratch.Fft.AsSpan(scratch.FftStart, fftLength * 4));
        int imOffset = _transform.ImaginaryOffset;
        var geometry = new FrameGeometry(samples.Length, n, HopLength, Center, _reflect);

        for (int t0 = 0; t0 < frames; t0 += 4)
        {
            var quad = new FrameQuad(
                GetFrame(samples, geometry, t0, frames, scratch, 0),
                GetFrame(samples, geometry, t0 + 1, frames, scratch, 1),
                GetFrame(samples, geometry, t0 + 2, frames, scratch, 2),
                GetFrame(samples, geometry, t0 + 3, frames, scratch, 3));
            _transform.Transform(quad, _window, fft);
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

    /// <summary>Returns frame <paramref name="t"/> (n_fft samples): a slice of the signal, or a padded copy in the scratch.</summary>
    private static ReadOnlySpan<float> GetFrame(ReadOnlySpan<float> samples, in FrameGeometry g, int t, int frames, Scratch scratch, int slot)
    {
        int n = g.FftSize;
        if (t >= frames)
        {
            return scratch.Zeros.AsSpan(0, n);
        }

        long begin = g.FrameStart(t);
        if (begin >= 0 && begin + n <= samples.Length)
        {
            return samples.Slice((int)begin, n);
        }

        Span<float> frame = scratch.Edge.AsSpan(slot * n, n);
        for (int j = 0; j < n; j++)
        {
            frame[j] = g.SampleAt(samples, begin + j);
        }

        return frame;
    }

    /// <summary>Per-thread working memory, grown on demand.</summary>
    private sealed class Scratch
    {
        public double[] Fft = [];
        public int FftStart;
        public float[] Edge = [];
        public float[] Zeros = [];
        public float[] Discard = [];

        public static Scratch Get(ref Scratch? slot, int fftLength, int fftSize)
        {
            Scratch s = slot ??= new Scratch();
            if (s.Fft.Length - s.FftStart < 4 * fftLength)
            {
                // Pinned so that the 64-byte alignment computed here stays valid (see MelSpectrogram).
                s.Fft = GC.AllocateArray<double>((4 * fftLength) + 8, pinned: true);
                long address = Marshal.UnsafeAddrOfPinnedArrayElement(s.Fft, 0);
                s.FftStart = (int)((64 - (address & 63)) & 63) / sizeof(double);
            }

            if (s.Edge.Length < 4 * fftSize)
            {
                s.Edge = new float[4 * fftSize];
            }

            if (s.Zeros.Length < fftSize)
            {
                s.Zeros = new float[fftSize];
            }

            if (s.Discard.Length < (fftSize / 2) + 1)
            {
                s.Discard = new float[(fftSize / 2) + 1];
            }

            return s;
        }
    }
}
