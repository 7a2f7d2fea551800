using System;
using System.Collections.Generic;
using MelGenre.Audio;
using MelGenre.Dsp;

namespace MelGenre.Recipes;

/// <summary>
/// Computes the FMA-style vector of audio files outside ML.NET, with exactly the numbers of
/// <see cref="FmaVectorRecipe.CreateFrontEnd"/>: decode + resample (<see cref="AudioDecoder.LoadMono"/>), pad with zeros
/// or cut to <see cref="FmaVectorRecipe.SampleCount"/>, then <see cref="FmaFeatureVector"/>. Thread-safe.
/// </summary>
public sealed class FmaVectorExtractor
{
    private readonly FmaFeatureVector _features;

    /// <summary>Creates an extractor.</summary>
    /// <param name="settings">The settings (validated).</param>
    /// <exception cref="ArgumentException">The settings are invalid.</exception>
    public FmaVectorExtractor(FmaVectorRecipe settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.EnsureValid();
        Settings = settings;
        _features = new FmaFeatureVector(settings.EffectiveFeatures);
    }

    /// <summary>The settings.</summary>
    public FmaVectorRecipe Settings { get; }

    /// <summary>The vector of the excerpt <see cref="FmaVectorRecipe.OffsetSeconds"/> + <see cref="FmaVectorRecipe.DurationSeconds"/> of a file.</summary>
    /// <param name="path">The audio file.</param>
    /// <returns><see cref="FmaFeatureVector.Length"/> values in <see cref="FmaFeatureVector.SlotNames"/> order.</returns>
    /// <exception cref="AudioDecodeException">The file cannot be decoded.</exception>
    public float[] Extract(string path)
        => FromSamples(AudioDecoder.LoadMono(path, Settings.SampleRate, Settings.OffsetSeconds, Settings.DurationSeconds));

    /// <summary>The vector of a mono signal at <see cref="FmaVectorRecipe.SampleRate"/>: its first <see cref="FmaVectorRecipe.SampleCount"/>
    /// samples (padded with zeros when shorter), as <c>LoadAudio</c> gives them.</summary>
    /// <param name="samples">The signal.</param>
    /// <returns>The vector.</returns>
    public float[] FromSamples(ReadOnlySpan<float> samples)
    {
        int n = Settings.SampleCount;
        if (samples.Length == n)
            return _features.Compute(samples);
        var clip = new float[n];
        samples[..Math.Min(n, samples.Length)].CopyTo(clip);
        return _features.Compute(clip);
    }

    /// <summary>
    /// Vectors of a whole song in sliding windows of <see cref="FmaVectorRecipe.DurationSeconds"/>, with the same window
    /// placement as <see cref="LogMelExtractor.ExtractWindows"/> (so a song gets the same windows for both kinds of
    /// features, up to rounding to samples).
    /// </summary>
    /// <param name="path">The audio file.</param>
    /// <param name="hopSeconds">Hop between window starts in seconds (&gt; 0).</param>
    /// <param name="maxWindows">At most this many windows, spread evenly over the song.</param>
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
        var starts = LogMelExtractor.WindowStarts(song.Length, Settings.SampleCount, Math.Max(1, (int)Math.Round(hopSeconds * Settings.SampleRate)), maxWindows);
        var windows = new List<FeatureWindow>(starts.Count);
        foreach (int start in starts)
        {
            var window = song.AsSpan(start, Math.Min(Settings.SampleCount, song.Length - start));
            windows.Add(new FeatureWindow(Settings.OffsetSeconds + (double)start / Settings.SampleRate, FromSamples(window)));
        }
        return windows;
    }
}
