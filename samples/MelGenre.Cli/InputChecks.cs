using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using MelGenre.Caching;
using Spectre.Console;

namespace MelGenre.Cli;

/// <summary>Checks of user input that the commands share, each failing with one line that names the file and the rule.</summary>
internal static class InputChecks
{
    /// <summary>
    /// A song's windows must be finite: a file with samples far beyond ±1 (a float WAV with 1e30) overflows the spectrogram,
    /// and one NaN score would abort the whole run. Such a file fails alone, like an undecodable one.
    /// </summary>
    public static void RequireFinite(string file, IReadOnlyList<FeatureWindow>? mel, IReadOnlyList<FeatureWindow>? fma)
    {
        foreach (var (windows, what) in new[] { (mel, "log-mel features"), (fma, "FMA feature vector") })
        {
            if (windows is null)
                continue;
            foreach (var w in windows)
            {
                int bad = Array.FindIndex(w.Features, v => !float.IsFinite(v));
                if (bad >= 0)
                {
                    throw new InvalidDataException(string.Format(CultureInfo.InvariantCulture,
                        "'{0}': its {1} at {2:0.##} s are not finite (value {3} is {4}); the audio holds samples far beyond +/-1.", file, what, w.StartSeconds, bad, w.Features[bad]));
                }
            }
        }
    }

    /// <summary>predict's exit code: 0 when at least one file was classified, else 2 with one line (every file failed).</summary>
    public static int PredictExitCode(IReadOnlyList<SongPrediction> results)
    {
        if (results.Count == 0 || results.Any(r => r.Error is null))
            return 0;
        Console.Error.WriteLine($"error: none of the {results.Count} file(s) could be classified (reasons in the table above and in predictions.csv).");
        return 2;
    }

    /// <summary>Prints a warning line (markup-safe).</summary>
    public static void Warn(string message) => AnsiConsole.MarkupLineInterpolated($"[yellow]warning:[/] {message}");
}
