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
internal sealed class MelSpectrogram
{
    private const int GroupFrames = 8;

    private readonly StftEngine _stft;
    private readonly SparseMelBasis _mel;
    private readonly int _melCount;
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
        _melCount = settings.MelCount;
        _power = settings.Power;
        _stft = new StftEngine(settings.FftSize, settings.HopLength, settings.Window, settings.EffectiveWindowLength, settings.Center, settings.PadMode);

        float[] basis = MelFilterBank.Build(
            settings.SampleRate,
            settings.FftSize,
            _melCount,
            settings.EffectiveMinFrequency,
            settings.EffectiveMaxFrequency,
            settings.Htk,
            settings.Normalization,
            out int[] emptyChannels);
        _mel = new SparseMelBasis(basis, _melCount, _stft.BinCount);

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
    public int GetFrameCount(int sampleCount) => _stft.GetFrameCount(sampleCount);

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

        int bins = _stft.BinCount;
        int quad = _stft.QuadLength;
        Scratch scratch = t_scratch ??= new Scratch();
        Span<Vector256<double>> fft = scratch.Stft.Prepare(_stft, 2);
        Span<Vector256<double>> fft0 = fft.Slice(0, quad);
        Span<Vector256<double>> fft1 = fft.Slice(quad, quad);
        if (scratch.Power.Length < bins)
            scratch.Power = new Vector256<float>[bins];
        int imOffset = _stft.ImaginaryOffset;
        var geometry = _stft.Geometry(samples.Length);

        for (int t0 = 0; t0 < frames; t0 += GroupFrames)
        {
            int count = Math.Min(GroupFrames, frames - t0);
            _stft.TransformQuad(samples, geometry, t0, frames, scratch.Stft, 0, fft0);
            bool second = count > 4;
            if (second)
                _stft.TransformQuad(samples, geometry, t0 + 4, frames, scratch.Stft, 1, fft1);
            ComputePower(fft0, fft1, second, imOffset, bins, scratch.Power);
            ApplyMel(scratch.Power, destination, frames, t0, count);
        }
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
        ref float w = ref MemoryMarshal.GetArrayDataReference(_mel.Weights);
        ref float dst = ref MemoryMarshal.GetReference(destination);
        for (int m = 0; m < _melCount; m++)
        {
            int len = _mel.Length[m];
            ref Vector256<float> pk = ref Unsafe.Add(ref p, _mel.Start[m]);
            ref float wk = ref Unsafe.Add(ref w, _mel.Offset[m]);
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

    /// <summary>Per-thread working memory, grown on demand and reused across calls and instances.</summary>
    private sealed class Scratch
    {
        public StftEngine.Workspace Stft { get; } = new();

        public Vector256<float>[] Power { get; set; } = [];
    }
}
