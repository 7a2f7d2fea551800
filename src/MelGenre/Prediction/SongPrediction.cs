using System;
using System.Collections.Generic;
using System.Linq;

namespace MelGenre.Prediction;

/// <summary>A genre and its probability.</summary>
/// <param name="Genre">The genre (a Score slot name).</param>
/// <param name="Probability">Its probability in [0, 1].</param>
public readonly record struct GenreProbability(string Genre, float Probability);

/// <summary>One model's view of a whole song.</summary>
/// <param name="Model">The model.</param>
/// <param name="WindowStarts">Start of each window in the song, in seconds, in time order (each window is <see cref="GenreModel.WindowSeconds"/> long).</param>
/// <param name="WindowProbabilities">Per window, the probabilities in the song prediction's class order (aligned by genre name).</param>
/// <param name="Probabilities">The mean over the windows, in the song prediction's class order.</param>
public sealed record ModelSongPrediction(GenreModel Model, IReadOnlyList<double> WindowStarts, IReadOnlyList<float[]> WindowProbabilities, float[] Probabilities);

/// <summary>The genres of a whole song.</summary>
/// <param name="Path">The audio file.</param>
/// <param name="Classes">The class order of <see cref="Probabilities"/> (the first model's Score order).</param>
/// <param name="Probabilities">Per genre, the mean over models of each model's mean over its windows; sums to 1 (up to rounding).</param>
/// <param name="WindowCount">Windows of the first log-mel model, else of the first model (kinds may differ by one end window, from rounding to samples at their own rates).</param>
/// <param name="EndSeconds">End of that model's last window, in seconds from the start of the file (a song shorter than a window gives one padded window, so this can exceed its length).</param>
/// <param name="Models">Each model's own result, in the predictor's model order.</param>
public sealed record SongPrediction(string Path, IReadOnlyList<string> Classes, float[] Probabilities, int WindowCount, double EndSeconds, IReadOnlyList<ModelSongPrediction> Models)
{
    /// <summary>The <paramref name="k"/> most probable genres, most probable first (ties in class order).</summary>
    /// <param name="k">How many (≥ 1; at most the class count are returned).</param>
    /// <returns>Genres with their probabilities.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> &lt; 1.</exception>
    public IReadOnlyList<GenreProbability> Top(int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        return Enumerable.Range(0, Probabilities.Length).OrderByDescending(c => Probabilities[c]).Take(k)
            .Select(c => new GenreProbability(Classes[c], Probabilities[c])).ToList();
    }
}
