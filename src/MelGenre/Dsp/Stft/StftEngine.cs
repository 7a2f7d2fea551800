using System;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MelGenre.Dsp;

/// <summary>
/// The one STFT loop of MelGenre, librosa 0.11's framing: frames of n_fft samples every hop, centred (padded by
/// n_fft // 2 with zeros or reflection) or not, a periodic window (zero-padded to n_fft when shorter), and a
/// double-precision real FFT of four frames at a time (one frame per SIMD lane). <see cref="MelSpectrogram"/> and
/// <see cref="StftMagnitude"/> (and through it every spectral feature) differ only in what they do with each quad.
/// </summary>
/// <remarks>Immutable and thread-safe; the per-call working memory is a <see cref="Workspace"/> the caller keeps per thread.</remarks>
internal sealed class StftEngine
{
    private readonly FrameTransform _transform;
    private readonly double[] _window;

    public StftEngine(int fftSize, int hopLength, WindowType window, int windowLength, bool center, PadMode padMode)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fftSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(hopLength, 1);
        FftSize = fftSize;
        HopLength = hopLength;
        Center = center;
        Reflect = padMode == PadMode.Reflect;
        _transform = FrameTransform.Create(fftSize);
        _window = WindowFunctions.CreatePadded(window, windowLength, fftSize);
    }

    /// <summary>n_fft.</summary>
    public int FftSize { get; }

    /// <summary>hop_length.</summary>
    public int HopLength { get; }

    /// <summary>center.</summary>
    public bool Center { get; }

    /// <summary>pad_mode is reflect (else zeros).</summary>
    public bool Reflect { get; }

    /// <summary>Frequency bins: n_fft // 2 + 1.</summary>
    public int BinCount => _transform.BinCount;

    /// <summary>Offset (in vectors) of the imaginary parts in a quad's FFT output.</summary>
    public int ImaginaryOffset => _transform.ImaginaryOffset;

    /// <summary>Vectors of FFT output per quad.</summary>
    public int QuadLength => _transform.ScratchLength;

    /// <summary>
    /// Number of frames librosa produces for a signal of <paramref name="sampleCount"/> samples:
    /// <c>1 + (sampleCount + 2 (n_fft // 2) - n_fft) // hop_length</c> when centred (<c>1 + sampleCount // hop_length</c>
    /// for even n_fft), <c>1 + (sampleCount - n_fft) // hop_length</c> otherwise.
    /// </summary>
    /// <param name="sampleCount">Number of input samples.</param>
    /// <returns>The frame count (at least 1).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sampleCount"/> is negative.</exception>
    /// <exception cref="ArgumentException">No frame can be formed: uncentred analysis of fewer than n_fft samples, reflect padding of an empty signal, or an empty signal with odd n_fft.</exception>
    public int GetFrameCount(int sampleCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sampleCount);
        CultureInfo ci = CultureInfo.InvariantCulture;
        if (!Center)
        {
            if (sampleCount < FftSize)
                throw new ArgumentException(string.Format(ci, "center=false needs at least n_fft = {0} samples, got {1}", FftSize, sampleCount), nameof(sampleCount));
            return 1 + ((sampleCount - FftSize) / HopLength);
        }

        if (Reflect && sampleCount == 0)
            throw new ArgumentException("pad_mode=reflect needs at least 1 sample, got 0", nameof(sampleCount));
        long padded = sampleCount + (2L * (FftSize / 2));
        if (padded < FftSize)
            throw new ArgumentException(string.Format(ci, "center=true with odd n_fft = {0} needs at least 1 sample, got {1}", FftSize, sampleCount), nameof(sampleCount));
        return (int)(1 + ((padded - FftSize) / HopLength));
    }

    /// <summary>The geometry of <paramref name="sampleCount"/> samples with these settings.</summary>
    public FrameGeometry Geometry(int sampleCount) => new(sampleCount, FftSize, HopLength, Center, Reflect);

    /// <summary>
    /// Windows and transforms frames <paramref name="t0"/> to <paramref name="t0"/> + 3 (frames at or past
    /// <paramref name="frames"/> are zeros) into <paramref name="fft"/> (<see cref="QuadLength"/> vectors: lane q holds
    /// frame t0 + q; real parts first, imaginary parts from <see cref="ImaginaryOffset"/>). <paramref name="slot"/>
    /// selects which of the workspace's edge buffers padded frames use (0 or 1, so two quads can be in flight).
    /// </summary>
    public void TransformQuad(ReadOnlySpan<float> samples, in FrameGeometry geometry, int t0, int frames, Workspace workspace, int slot, Span<Vector256<double>> fft)
    {
        int b = slot * 4;
        var quad = new FrameQuad(
            Frame(samples, geometry, t0, frames, workspace, b),
            Frame(samples, geometry, t0 + 1, frames, workspace, b + 1),
            Frame(samples, geometry, t0 + 2, frames, workspace, b + 2),
            Frame(samples, geometry, t0 + 3, frames, workspace, b + 3));
        _transform.Transform(quad, _window, fft);
    }

    /// <summary>Frame <paramref name="t"/> (n_fft samples): a slice of the signal, or a padded copy in the workspace.</summary>
    private static ReadOnlySpan<float> Frame(ReadOnlySpan<float> samples, in FrameGeometry g, int t, int frames, Workspace workspace, int slot)
    {
        int n = g.FftSize;
        if (t >= frames)
            return workspace.Zeros.AsSpan(0, n);
        long begin = g.FrameStart(t);
        if (begin >= 0 && begin + n <= samples.Length)
            return samples.Slice((int)begin, n);
        Span<float> frame = workspace.Edge.AsSpan(slot * n, n);
        for (int j = 0; j < n; j++)
            frame[j] = g.SampleAt(samples, begin + j);
        return frame;
    }

    /// <summary>
    /// Working memory of one thread's STFTs, grown on demand and reused across calls and engines: a 64-byte aligned
    /// FFT buffer for <c>quads</c> quads, and edge/zero frames for padded frames.
    /// </summary>
    internal sealed class Workspace
    {
        private double[] _fft = [];
        private int _fftStart;

        public float[] Edge { get; private set; } = [];

        public float[] Zeros { get; private set; } = [];

        /// <summary>Makes room for <paramref name="quads"/> quads of <paramref name="engine"/> and returns their FFT buffers, back to back.</summary>
        public Span<Vector256<double>> Prepare(StftEngine engine, int quads)
        {
            int vectors = quads * engine.QuadLength;
            if (_fft.Length - _fftStart < 4 * vectors)
            {
                // Pinned so that the 64-byte (cache line) alignment computed here stays valid.
                _fft = GC.AllocateArray<double>((4 * vectors) + 8, pinned: true);
                long address = Marshal.UnsafeAddrOfPinnedArrayElement(_fft, 0);
                _fftStart = (int)((64 - (address & 63)) & 63) / sizeof(double);
            }

            int n = engine.FftSize;
            if (Edge.Length < 4 * quads * n)
                Edge = new float[4 * quads * n];
            if (Zeros.Length < n)
                Zeros = new float[n];
            return MemoryMarshal.Cast<double, Vector256<double>>(_fft.AsSpan(_fftStart, 4 * vectors));
        }
    }
}
