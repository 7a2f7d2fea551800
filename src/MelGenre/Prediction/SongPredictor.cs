using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using MelGenre.Audio;
using MelGenre.Recipes;

namespace MelGenre.Prediction;

/// <summary>
/// Genre probabilities of whole songs with one model or an ensemble. Models see excerpts of the length they were
/// trained on (<see cref="GenreModel.WindowSeconds"/>, e.g. 30 s), so a song is cut into windows of exactly that
/// length, each window is scored by every model, each model's probabilities are averaged over its windows, and those
/// means are averaged over the models (equal weights, so a model is not weighted by its window count).
/// </summary>
/// <remarks>
/// <para>Window placement (<see cref="ClipFeaturizer.ExtractWindows"/>, <see cref="SongWindows.Starts"/>):
/// windows start at the recipe's offset and every <see cref="HopSeconds"/> (default half a window, so every moment is seen
/// once or twice); when the regular windows leave more than a quarter window uncovered at the end, one more window
/// ending exactly at the song's end is added; a song shorter than a window gives one window padded with silence (as
/// training clips are); at most <see cref="MaxWindows"/> windows, picked evenly from the regular ones. Log-mel and FMA
/// windows are placed alike, each at its own sample rate.</para>
/// <para>Models are grouped by <see cref="GenreModel.FeatureKey"/>: each group's windows are computed once per song.
/// All models must name the same set of genres (see <see cref="GenreScores"/>); results are in the first model's class
/// order. Thread-safe: one predictor can score songs on several threads.</para>
/// </remarks>
public sealed class SongPredictor
{
    /// <summary>Default for <see cref="MaxWindows"/>.</summary>
    public const int DefaultMaxWindows = 64;

    private readonly List<(string Key, Func<string, IReadOnlyList<FeatureWindow>> Extract)> _groups = new();

    /// <summary>Creates a predictor.</summary>
    /// <param name="models">One model or the ensemble's members (at least one), all naming the same genres.</param>
    /// <param name="hopSeconds">Seconds between window starts (&gt; 0); default half of the first model's <see cref="GenreModel.WindowSeconds"/>.</param>
    /// <param name="maxWindows">At most this many windows per song (≥ 1); default <see cref="DefaultMaxWindows"/>.</param>
    /// <exception cref="ArgumentException">No model, or the models disagree on the genres.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="hopSeconds"/> is not a finite number &gt; 0, or <paramref name="maxWindows"/> &lt; 1.</exception>
    public SongPredictor(IReadOnlyList<GenreModel> models, double? hopSeconds = null, int maxWindows = DefaultMaxWindows)
    {
        ArgumentNullException.ThrowIfNull(models);
        GenreScores.RequireSameGenres(models);
        Models = models.ToArray();
        Classes = models[0].Classes.ToArray();
        HopSeconds = hopSeconds ?? models[0].WindowSeconds / 2;
        if (!(HopSeconds > 0) || double.IsInfinity(HopSeconds))
            throw new ArgumentOutOfRangeException(nameof(hopSeconds), HopSeconds, "The hop must be a finite number of seconds > 0.");
        if (maxWindows < 1)
            throw new ArgumentOutOfRangeException(nameof(maxWindows), maxWindows, "maxWindows must be >= 1.");
        MaxWindows = maxWindows;
        // Log-mel groups first, then FMA-vector groups (the order the CLI has always decoded in).
        foreach (var m in Models.OrderBy(m => m.Kind == GenreFeatureKind.LogMel ? 0 : 1))
        {
            if (_groups.Any(g => g.Key == m.FeatureKey))
                continue;
            var featurizer = new ClipFeaturizer(m.Recipe);
            _groups.Add((m.FeatureKey, p => featurizer.ExtractWindows(p, HopSeconds, MaxWindows)));
        }
    }

    /// <summary>The models, in averaging order.</summary>
    public IReadOnlyList<GenreModel> Models { get; }

    /// <summary>The class order of the results (the first model's).</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>Seconds between window starts.</summary>
    public double HopSeconds { get; }

    /// <summary>At most this many windows per song.</summary>
    public int MaxWindows { get; }

    /// <summary>Decodes a song, cuts it into windows, scores every window with every model and averages.</summary>
    /// <param name="path">An audio file of any length.</param>
    /// <returns>The song's genre probabilities and each model's.</returns>
    /// <exception cref="AudioDecodeException">The file cannot be decoded.</exception>
    /// <exception cref="System.IO.InvalidDataException">Its features are not finite (samples far beyond ±1).</exception>
    public SongPrediction Predict(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var windows = new Dictionary<string, IReadOnlyList<FeatureWindow>>();
        foreach (var (key, extract) in _groups)
            windows[key] = extract(path);
        foreach (var w in windows.Values.SelectMany(ws => ws))
            Caching.FeatureValues.RequireFinite(path, w.Features); // samples far beyond +/-1: this file fails, not the run

        var song = new float[Classes.Count];
        var perModel = new List<ModelSongPrediction>(Models.Count);
        foreach (var m in Models)
        {
            var own = windows[m.FeatureKey];
            var perWindow = GenreScores.Align(m.Classes, m.Score(own.Select(w => w.Features).ToList()), Classes, m.Name);
            if (perWindow.Length != own.Count)
                throw new InvalidOperationException(string.Format(CultureInfo.InvariantCulture, "{0}: {1} score rows for {2} windows.", m.Name, perWindow.Length, own.Count));
            var mean = new float[Classes.Count];
            foreach (var w in perWindow)
            {
                for (int k = 0; k < song.Length; k++)
                {
                    mean[k] += w[k] / perWindow.Length;
                    // One sum over models and windows, each window weighted 1 / (windows × models): the mean over
                    // windows, then over models, in the exact single-precision order the CLI has always used.
                    song[k] += w[k] / perWindow.Length / Models.Count;
                }
            }
            perModel.Add(new ModelSongPrediction(m, own.Select(w => w.StartSeconds).ToArray(), perWindow, mean));
        }
        var reference = Models.FirstOrDefault(m => m.Kind == GenreFeatureKind.LogMel) ?? Models[0];
        var referenceWindows = windows[reference.FeatureKey];
        double end = referenceWindows[^1].StartSeconds + Models[0].WindowSeconds;
        return new SongPrediction(path, Classes, song, referenceWindows.Count, end, perModel);
    }
}
