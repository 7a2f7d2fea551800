using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MelGenre.Dsp;

/// <summary>
/// Computes mel spectrograms exactly like <c>librosa.feature.melspectrogram</c> (librosa 0.11): centred or left-aligned
/// frames, periodic window, real FFT in double precision, <c>|X| ** power</c> in float32, product with the mel filter bank.
/// </summary>
/// <remarks>
/// <para>The extractor is immutable after construction and <see cref="Compute(ReadOnlySpan{float}, Span{float})"/> is
/// thread-safe: the working memory (about 2.5 KB per FFT point plus 4 bytes per sample of n_fft for padding) is cached
/// per thread and reused, never shared.</para>
/// <para>Frames are transformed four at a time, one per SIMD lane. Power-of-two FFT sizes of at least 4 use a radix-4
/// real FFT; other sizes (odd ones included, which librosa accepts too) use a Bluestein FFT that is several times slower.</para>
/// <para>Non-finite samples are not rejected (librosa raises an error): they propagate into the affected frames.</para>
/// </remarks>
public sealed class MelSpectrogram
{
    private const int GroupFrames = 8;

    private readonly FrameTransform _transform;
    private readonly double[] _window;
    private readonly int[] _melStart;
    private readonly int[] _melLength;
    private readonly int[] _melOffset;
    private readonly float[] _melWeights;
    private readonly int _fftSize;
    private readonly int _hop;
    private readonly int _melCount;
    private readonly bool _center;
    private readonly bool _reflect;
    private readonly float _power;

    [ThreadStatic]
    private static Scratch? t_scratch;

    /// <summary>Creates an extractor for the given settings.</summary>
    /// <param name="settings">The settings; they are validated with <see cref="MelSpectrogramSettings.Validate"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="settings"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The settings are invalid; the message lists every error.</exception>
    public MelSpectrogram(MelSpectrogramSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        IReadOnlyList<string> errors = settings.Validate();
        if (errors.Count > 0)
        {
            throw OptionErrors.Create("mel spectrogram settings", errors, nameof(settings));
        }

        Settings = settings;
        _fftSize = settings.FftSize;
        _hop = settings.HopLength;
        _melCount = settings.MelCount;
        _center = settings.Center;
        _reflect = settings.PadMode == PadMode.Reflect;
        _power = settings.Power;
        _transform = FrameTransform.Create(_fftSize);
        _window = WindowFunctions.CreatePadded(settings.Window, settings.EffectiveWindowLength, _fftSize);

        float[] basis = MelFilterBank.Build(
            settings.SampleRate,
            _fftSize,
            _melCount,
            settings.EffectiveMinFrequency,
            settings.EffectiveMaxFrequency,
            settings.Htk,
            settings.Normalization,
            out int[] emptyChannels);
        (_melStart, _melLength, _melOffset, _melWeights) = Sparsify(basis, _melCount, _transform.BinCount);

        var warnings = new List<string>();
        if (emptyChannels.Length > 0)
        {
            warnings.Add(string.Format(
                CultureInfo.InvariantCulture,
                "{0} Empty channels ({1} of {2}): {3}.",
                MelFilterBank.EmptyFiltersWarning,
                emptyChannels.Length,
                _melCount,
                string.Join(", ", emptyChannels)));
        }

        Warnings = warnings.AsReadOnly();
    }

    /// <summary>The settings this extractor was built with.</summary>
    public MelSpectrogramSettings Settings { get; }

    /// <summary>
    /// Messages about settings that are legal but degenerate, such as librosa's "Empty filters detected in mel frequency
    /// basis" warning (which here also names the empty channel indices). Empty when nothing is suspicious.
    /// </summary>
    public IReadOnlyList<string> Warnings { get; }

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
        if (sampleCount < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(sampleCount), sampleCount, "sampleCount must be >= 0.");
        }

        CultureInfo ci = CultureInfo.InvariantCulture;
        if (!_center)
        {
            if (sampleCount < _fftSize)
            {
                throw new ArgumentException(
                    string.Format(ci, "center=false needs at least n_fft = {0} samples, got {1}", _fftSize, sampleCount),
                    nameof(sampleCount));
            }

            return 1 + ((sampleCount - _fftSize) / _hop);
        }

        if (_reflect && sampleCount == 0)
        {
            throw new ArgumentException("pad_mode=reflect needs at least 1 sample, got 0", nameof(sampleCount));
        }

        long padded = sampleCount + (2L * (_fftSize / 2));
        if (padded < _fftSize)
        {
            throw new ArgumentException(
                string.Format(ci, "center=true with odd n_fft = {0} needs at least 1 sample, got {1}", _fftSize, sampleCount),
                nameof(sampleCount));
        }

        return (int)(1 + ((padded - _fftSize) / _hop));
    }

    /// <summary>Computes the mel spectrogram of <paramref name="samples"/> into a new array.</summary>
    /// <param name="samples">Mono signal at <see cref="MelSpectrogramSettings.SampleRate"/>.</param>
    /// <returns>Row-major <c>[mel, frame]</c> values, <c>MelCount * GetFrameCount(samples.Length)</c> of them.</returns>
    /// <exception cref="ArgumentException">See <see cref="GetFrameCount"/>.</exception>
    public float[] Compute(ReadOnlySpan<float> samples)
    {
        long length = (long)_melCount * GetFrameCount(samples.Length);
        if (length > Array.MaxLength)
        {
            throw new ArgumentException(
                string.Format(CultureInfo.InvariantCulture, "The output would have {0} values, more than an array can hold", length),
                nameof(samples));
        }

        var result = new float[length];
        Compute(samples, result);
        return result;
    }

    /// <summary>
    /// Computes the mel spectrogram of <paramref name="samples"/> into <paramref name="destination"/>, row-major
    /// <c>[mel, frame]</c> exactly like librosa's <c>S[m, t]</c>.
    /// </summary>
    /// <param name="samples">Mono signal at <see cref="MelSpectrogramSettings.SampleRate"/>.</param>
    /// <param name="destination">Receives <c>MelCount * GetFrameCount(samples.Length)</c> values (that exact length).</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> has the wrong length, or no frame can be formed (see <see cref="GetFrameCount"/>).</exception>
    public void Compute(ReadOnlySpan<float> samples, Span<float> destination)
    {
        int frames = GetFrameCount(samples.Length);
        long expected = (long)_melCount * frames;
        if (destination.Length != expected)
        {
            throw new ArgumentException(
                string.Format(
                    CultureInfo.InvariantCulture,
                    "destination must hold n_mels * frames = {0} * {1} = {2} values, got {3}",
                    _melCount,
                    frames,
                    expected,
                    destination.Length),
                nameof(destination));
        }

        int n = _fftSize;
        int bins = _transform.BinCount;
        int fftScratch = _transform.ScratchLength;
        Scratch scratch = Scratch.Get(ref t_scratch, 2 * fftScratch, bins, n);
        Span<Vector256<double>> fft = MemoryMarshal.Cast<double, Vector256<double>>(scratch.Fft.AsSpan(scratch.FftStart, 2 * fftScratch * 4));
        Span<Vector256<double>> fft0 = fft.Slice(0, fftScratch);
        Span<Vector256<double>> fft1 = fft.Slice(fftScratch, fftScratch);
        int imOffset = _transform.ImaginaryOffset;
        var geometry = new FrameGeometry(samples.Length, n, _hop, _center, _reflect);

        for (int t0 = 0; t0 < frames; t0 += GroupFrames)
        {
            int count = Math.Min(GroupFrames, frames - t0);
            var quad0 = new FrameQuad(
                GetFrame(samples, geometry, t0, frames, scratch, 0),
                GetFrame(samples, geometry, t0 + 1, frames, scratch, 1),
                GetFrame(samples, geometry, t0 + 2, frames, scratch, 2),
                GetFrame(samples, geometry, t0 + 3, frames, scratch, 3));
            _transform.Transform(quad0, _window, fft0);
            bool second = count > 4;
            if (second)
            {
                var quad1 = new FrameQuad(
                    GetFrame(samples, geometry, t0 + 4, frames, scratch, 4),
                    GetFrame(samples, geometry, t0 + 5, frames, scratch, 5),
                    GetFrame(samples, geometry, t0 + 6, frames, scratch, 6),
                    GetFrame(samples, geometry, t0 + 7, frames, scratch, 7));
                _transform.Transform(quad1, _window, fft1);
            }

            ComputePower(fft0, fft1, second, imOffset, bins, scratch.Power);
            ApplyMel(scratch.Power, destination, frames, t0, count);
        }
    }

    private static (int[] Start, int[] Length, int[] Offset, float[] Weights) Sparsify(float[] basis, int melCount, int bins)
    {
        var start = new int[melCount];
        var length = new int[melCount];
        var offset = new int[melCount];
        var weights = new List<float>();
        for (int m = 0; m < melCount; m++)
        {
            int first = -1, last = -1;
            for (int k = 0; k < bins; k++)
            {
                if (basis[(m * bins) + k] != 0f)
                {
                    if (first < 0)
                    {
                        first = k;
                    }

                    last = k;
                }
            }

            offset[m] = weights.Count;
            if (first >= 0)
            {
                start[m] = first;
                length[m] = last - first + 1;
                for (int k = first; k <= last; k++)
                {
                    weights.Add(basis[(m * bins) + k]);
                }
            }
        }

        return (start, length, offset, weights.ToArray());
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

    private void ComputePower(
        Span<Vector256<double>> fft0,
        Span<Vector256<double>> fft1,
        bool second,
        int imOffset,
        int bins,
        Vector256<float>[] power)
    {
        ref Vector256<double> r0 = ref MemoryMarshal.GetReference(fft0);
        ref Vector256<double> i0 = ref Unsafe.Add(ref r0, imOffset);
        ref Vector256<double> r1 = ref MemoryMarshal.GetReference(fft1);
        ref Vector256<double> i1 = ref Unsafe.Add(ref r1, imOffset);
        ref Vector256<float> p = ref MemoryMarshal.GetArrayDataReference(power);
        bool square = _power == 2f;
        bool magnitude = _power == 1f;
        for (int k = 0; k < bins; k++)
        {
            Vector256<double> a = Unsafe.Add(ref r0, k), b = Unsafe.Add(ref i0, k);
            Vector256<double> p0 = Vector256.MultiplyAddEstimate(a, a, b * b);
            Vector256<double> p1 = Vector256<double>.Zero;
            if (second)
            {
                Vector256<double> c = Unsafe.Add(ref r1, k), d = Unsafe.Add(ref i1, k);
                p1 = Vector256.MultiplyAddEstimate(c, c, d * d);
            }

            if (!square)
            {
                p0 = Vector256.Sqrt(p0);
                p1 = Vector256.Sqrt(p1);
            }

            Vector256<float> v = Vector256.Narrow(p0, p1);
            if (!square && !magnitude)
            {
                // |X| ** power in float32, as numpy does on the complex64 spectrum's magnitude.
                v = Vector256.Create(
                    MathF.Pow(v.GetElement(0), _power),
                    MathF.Pow(v.GetElement(1), _power),
                    MathF.Pow(v.GetElement(2), _power),
                    MathF.Pow(v.GetElement(3), _power),
                    MathF.Pow(v.GetElement(4), _power),
                    MathF.Pow(v.GetElement(5), _power),
                    MathF.Pow(v.GetElement(6), _power),
                    MathF.Pow(v.GetElement(7), _power));
            }

            Unsafe.Add(ref p, k) = v;
        }
    }

    private void ApplyMel(Vector256<float>[] power, Span<float> destination, int frames, int t0, int count)
    {
        ref Vector256<float> p = ref MemoryMarshal.GetArrayDataReference(power);
        ref float w = ref MemoryMarshal.GetArrayDataReference(_melWeights);
        ref float dst = ref MemoryMarshal.GetReference(destination);
        for (int m = 0; m < _melCount; m++)
        {
            int len = _melLength[m];
            ref Vector256<float> pk = ref Unsafe.Add(ref p, _melStart[m]);
            ref float wk = ref Unsafe.Add(ref w, _melOffset[m]);
            Vector256<float> acc0 = Vector256<float>.Zero;
            Vector256<float> acc1 = Vector256<float>.Zero;
            int k = 0;
            for (; k + 1 < len; k += 2)
            {
                acc0 = Vector256.MultiplyAddEstimate(Vector256.Create(Unsafe.Add(ref wk, k)), Unsafe.Add(ref pk, k), acc0);
                acc1 = Vector256.MultiplyAddEstimate(Vector256.Create(Unsafe.Add(ref wk, k + 1)), Unsafe.Add(ref pk, k + 1), acc1);
            }

            if (k < len)
            {
                acc0 = Vector256.MultiplyAddEstimate(Vector256.Create(Unsafe.Add(ref wk, k)), Unsafe.Add(ref pk, k), acc0);
            }

            Vector256<float> acc = acc0 + acc1;
            int row = (m * frames) + t0;
            if (count == GroupFrames)
            {
                acc.StoreUnsafe(ref dst, (nuint)row);
            }
            else
            {
                for (int q = 0; q < count; q++)
                {
                    Unsafe.Add(ref dst, row + q) = acc.GetElement(q);
                }
            }
        }
    }

    /// <summary>Per-thread working memory, grown on demand and reused across calls and extractors.</summary>
    private sealed class Scratch
    {
        public double[] Fft = [];
        public int FftStart;
        public Vector256<float>[] Power = [];
        public float[] Edge = [];
        public float[] Zeros = [];

        public static Scratch Get(ref Scratch? slot, int fftLength, int bins, int fftSize)
        {
            Scratch s = slot ??= new Scratch();
            if (s.Fft.Length - s.FftStart < 4 * fftLength)
            {
                // Pinned so that the 64-byte (cache line) alignment computed here stays valid.
                s.Fft = GC.AllocateArray<double>((4 * fftLength) + 8, pinned: true);
                long address = Marshal.UnsafeAddrOfPinnedArrayElement(s.Fft, 0);
                s.FftStart = (int)((64 - (address & 63)) & 63) / sizeof(double);
            }

            if (s.Power.Length < bins)
            {
                s.Power = new Vector256<float>[bins];
            }

            if (s.Edge.Length < GroupFrames * fftSize)
            {
                s.Edge = new float[GroupFrames * fftSize];
            }

            if (s.Zeros.Length < fftSize)
            {
                s.Zeros = new float[fftSize];
            }

            return s;
        }
    }
}
