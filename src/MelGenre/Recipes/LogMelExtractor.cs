using System;
using System.Collections.Generic;
using System.Globalization;
using MelGenre.Audio;
using MelGenre.Dsp;

namespace MelGenre.Recipes;

/// <summary>A window of a song and its features.</summary>
/// <param name="StartSeconds">Start of the window in the song, in seconds.</param>
/// <param name="Features">Log-mel features, row-major [mel, frame], <see cref="LogMelRecipe.MelCount"/> × <see cref="LogMelRecipe.FrameCount"/>.</param>
public sealed record FeatureWindow(double StartSeconds, float[] Features);

/// <summary>
/// Computes log-mel features of audio files outside ML.NET, with exactly the numbers of
/// <see cref="LogMelRecipe.CreateFrontEnd"/>: decode + resample (<see cref="AudioDecoder.LoadMono"/>), pad with zeros
/// or cut to <see cref="LogMelRecipe.SampleCount"/>, mel spectrogram, decibels. Thread-safe: one extractor can serve
/// any number of threads (per-thread scratch lives in the mel extractor).
/// </summary>
public sealed class LogMelExtractor
{
    private readonly MelSpectrogram _mel;

    /// <summary>Creates an extractor.</summary>
    /// <param name="settings">The settings (validated).</param>
    /// <exception cref="ArgumentException">The settings are invalid.</exception>
    public LogMelExtractor(LogMelRecipe settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.EnsureValid();
        Settings = settings;
        _mel = new MelSpectrogram(settings.EffectiveMel);
        FrameCount = _mel.GetFrameCount(settings.SampleCount);
    }

    /// <summary>The settings.</summary>
    public LogMelRecipe Settings { get; }

    /// <summary>Frames per clip.</summary>
    public int FrameCount { get; }

    /// <summary>Values per clip: mels × frames.</summary>
    public int Size => Settings.MelCount * FrameCount;

    /// <summary>The features of the excerpt <see cref="LogMelRecipe.OffsetSeconds"/> + <see cref="LogMelRecipe.DurationSeconds"/> of a file.</summary>
    /// <param name="path">The audio file.</param>
    /// <returns>[mel, frame] values.</returns>
    /// <exception cref="AudioDecodeException">The file cannot be decoded.</exception>
    public float[] Extract(string path)
    {
        float[] samples = AudioDecoder.LoadMono(path, Settings.SampleRate, Settings.OffsetSeconds, Settings.DurationSeconds);
        var result = new float[Size];
        FromSamples(samples, result);
        return result;
    }

    /// <summary>
    /// The features of a mono signal at <see cref="LogMelRecipe.SampleRate"/>: its first
    /// <see cref="LogMelRecipe.SampleCount"/> samples (padded with zeros when shorter).
    /// </summary>
    /// <param name="samples">The signal.</param>
    /// <param name="destination">Receives <see cref="Size"/> values.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> has the wrong length.</exception>
    public void FromSamples(ReadOnlySpan<float> samples, Span<float> destination)
    {
        if (destination.Length != Size)
            throw new ArgumentException(string.Format(CultureInfo.InvariantCulture, "destination must hold {0} values, got {1}", Size, destination.Length), nameof(destination));
        int n = Settings.SampleCount;
        ReadOnlySpan<float> clip = samples;
        float[]? padded = null;
        if (samples.Length != n)
        {
            if (samples.Length > n)
            {
                clip = samples[..n];
            }
            else
            {
                padded = new float[n];
                samples.CopyTo(padded);
                clip = padded;
            }
        }
        _mel.Compute(clip, destination);
        Decibels.PowerToDb(destination, destination, Settings.ReferenceValue, Settings.Reference == DecibelReference.Maximum, Settings.MinimumPower, Settings.TopDecibels);
        if (Settings.Scale == DecibelScale.NaturalLog)
            Decibels.DecibelsToNaturalLog(destination, destination);
    }

    /// <summary>
    /// Features of a whole song in sliding windows of <see cref="LogMelRecipe.DurationSeconds"/> (the clip length the
    /// networks were trained on), starting at <see cref="LogMelRecipe.OffsetSeconds"/>, every <paramref name="hopSeconds"/>.
    /// A last window ending exactly at the end of the song is added when the regular hops leave a tail of more than a
    /// quarter window uncovered, so every part of the song is seen. A song shorter than one window gives one window,
    /// padded with zeros (as training clips are).
    /// </summary>
    /// <param name="path">The audio file.</param>
    /// <param name="hopSeconds">Hop between window starts in seconds (&gt; 0).</param>
    /// <param name="maxWindows">At most this many windows, spread evenly over the song (bounds the work for very long files).</param>
    /// <returns>The windows in time order.</returns>
    /// <exception cref="AudioDecodeException">The file cannot be decoded.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="hopSeconds"/> or <paramref name="maxWindows"/> is not positive.</exception>
    public IReadOnlyList<FeatureWindow> ExtractWindows(string path, double hopSeconds, int maxWindows = 64)
    {
        if (!(hopSeconds > 0) || double.IsInfinity(hopSeconds))
            throw new ArgumentOutOfRangeException(nameof(hopSeconds), hopSeconds, "The hop must be a finite number of seconds > 0.");
        if (maxWindows < 1)
            throw new ArgumentOutOfRangeException(nameof(maxWindows), maxWindows, "maxWindows must be >= 1.");
        float[] song = AudioDecoder.LoadMono(path, Settings.SampleRate, Settings.OffsetSeconds, null);
        var starts = WindowStarts(song.Length, Settings.SampleCount, Math.Max(1, (int)Math.Round(hopSeconds * Settings.SampleRate)), maxWindows);
        var windows = new List<FeatureWindow>(starts.Count);
        foreach (int start in starts)
        {
            var features = new float[Size];
            FromSamples(song.AsSpan(start, Math.Min(Settings.SampleCount, song.Length - start)), features);
            windows.Add(new FeatureWindow(Settings.OffsetSeconds + (double)start / Settings.SampleRate, features));
        }
        return windows;
    }

    /// <summary>Window start samples for a signal of <paramref name="length"/> samples (see <see cref="ExtractWindows"/>).</summary>
    internal static List<int> WindowStarts(int length, int window, int hop, int maxWindows)
    {
        var starts = new List<int>();
        if (length <= window)
        {
            starts.Add(0);
            return starts;
        }
        for (int s = 0; s + window <= length; s += hop)
            starts.Add(s);
        int lastEnd = starts[^1] + window;
        if (length - lastEnd > window / 4)
            starts.Add(length - window);
        if (starts.Count > maxWindows)
        {
            var thinned = new List<int>(maxWindows);
            for (int i = 0; i < maxWindows; i++)
                thinned.Add(starts[(int)Math.Round(i * (starts.Count - 1) / (double)Math.Max(1, maxWindows - 1))]);
            return thinned;
        }
        return starts;
    }
}
