using System;
using System.Collections.Generic;
using System.Globalization;
using MelGenre.Audio;
using MelGenre.Transforms;

namespace MelGenre.Recipes;

/// <summary>A window of a song and its features.</summary>
/// <param name="StartSeconds">Start of the window in the song, in seconds.</param>
/// <param name="Features">The window's features (the recipe's <see cref="IFeatureRecipe.FeatureType"/>, row-major).</param>
public sealed record FeatureWindow(double StartSeconds, float[] Features);

/// <summary>
/// Computes a recipe's features outside ML.NET, with exactly the numbers of <see cref="IFeatureRecipe.CreateFrontEnd"/>:
/// decode + resample (<see cref="AudioDecoder.LoadMono(string, int, double, double?)"/>), pad with zeros or cut to the excerpt's sample count, then the
/// recipe's DSP. For one file, one signal, or a whole song in sliding windows. Thread-safe: one featurizer can serve any
/// number of threads.
/// </summary>
public sealed class ClipFeaturizer
{
    private readonly VectorKernel _kernel;

    /// <summary>Creates a featurizer.</summary>
    /// <param name="recipe">The recipe (validated).</param>
    /// <exception cref="ArgumentException">The recipe is invalid.</exception>
    public ClipFeaturizer(IFeatureRecipe recipe)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        recipe.EnsureValid();
        Recipe = recipe;
        Size = recipe.FeatureType.Size;
        _kernel = recipe.CreateKernel();
    }

    /// <summary>The recipe.</summary>
    public IFeatureRecipe Recipe { get; }

    /// <summary>Values per clip (the feature type's size).</summary>
    public int Size { get; }

    private ExcerptSettings Excerpt => Recipe.Excerpt;

    /// <summary>The features of the recipe's excerpt of a file.</summary>
    /// <param name="path">The audio file.</param>
    /// <returns>The values, row-major.</returns>
    /// <exception cref="AudioDecodeException">The file cannot be decoded.</exception>
    public float[] Extract(string path)
    {
        float[] samples = AudioDecoder.LoadMono(path, Excerpt.SampleRate, Excerpt.OffsetSeconds, Excerpt.DurationSeconds);
        var result = new float[Size];
        FromSamples(samples, result);
        return result;
    }

    /// <summary>The features of a mono signal at the excerpt's rate: its first <see cref="ExcerptSettings.SampleCount"/> samples (zero-padded when shorter), as <c>LoadAudio</c> gives them.</summary>
    /// <param name="samples">The signal.</param>
    /// <param name="destination">Receives <see cref="Size"/> values.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> has the wrong length.</exception>
    public void FromSamples(ReadOnlySpan<float> samples, Span<float> destination)
    {
        if (destination.Length != Size)
            throw new ArgumentException(string.Format(CultureInfo.InvariantCulture, "destination must hold {0} values, got {1}", Size, destination.Length), nameof(destination));
        int n = Excerpt.SampleCount;
        if (samples.Length == n)
        {
            _kernel(samples, destination);
            return;
        }

        var clip = new float[n];
        samples[..Math.Min(n, samples.Length)].CopyTo(clip);
        _kernel(clip, destination);
    }

    /// <summary>The features of a mono signal (see <see cref="FromSamples(ReadOnlySpan{float}, Span{float})"/>).</summary>
    /// <param name="samples">The signal.</param>
    /// <returns>The values.</returns>
    public float[] FromSamples(ReadOnlySpan<float> samples)
    {
        var result = new float[Size];
        FromSamples(samples, result);
        return result;
    }

    /// <summary>
    /// Features of a whole song in sliding windows of the excerpt's duration (the clip length models were trained on),
    /// starting at the excerpt's offset, every <paramref name="hopSeconds"/> (see <see cref="SongWindows.Starts"/> for
    /// the placement rule, the same for every recipe).
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
        float[] song = AudioDecoder.LoadMono(path, Excerpt.SampleRate, Excerpt.OffsetSeconds, null);
        int window = Excerpt.SampleCount;
        var starts = SongWindows.Starts(song.Length, window, Math.Max(1, (int)Math.Round(hopSeconds * Excerpt.SampleRate)), maxWindows);
        var windows = new List<FeatureWindow>(starts.Count);
        foreach (int start in starts)
            windows.Add(new FeatureWindow(Excerpt.OffsetSeconds + ((double)start / Excerpt.SampleRate), FromSamples(song.AsSpan(start, Math.Min(window, song.Length - start)))));
        return windows;
    }
}

/// <summary>Where the windows of a whole song go (shared by every recipe, so log-mel and FMA windows line up).</summary>
public static class SongWindows
{
    /// <summary>
    /// Window start samples for a signal of <paramref name="length"/> samples: every <paramref name="hop"/> samples while a
    /// whole window fits, plus one window ending exactly at the end when the regular ones leave more than a quarter window
    /// uncovered; a signal no longer than one window gives the single start 0 (the window is then zero-padded); more than
    /// <paramref name="maxWindows"/> starts are thinned evenly (first and last kept).
    /// </summary>
    /// <param name="length">Samples in the song.</param>
    /// <param name="window">Samples per window.</param>
    /// <param name="hop">Samples between regular window starts.</param>
    /// <param name="maxWindows">At most this many windows.</param>
    /// <returns>The start samples, ascending.</returns>
    public static List<int> Starts(int length, int window, int hop, int maxWindows)
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
