using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using MelGenre.Audio;
using MelGenre.Prediction;
using MelGenre.Recipes;
using MelGenre.Tests.Pipeline;
using Xunit;

namespace MelGenre.Tests.Prediction;

/// <summary>
/// Whole-song prediction: window placement (through the real extractors, on synthetic WAVs), averaging per model over
/// windows then over models, and alignment by genre name. The models are fakes whose scorer returns chosen rows.
/// </summary>
public sealed class SongPredictorTests : IDisposable
{
    private const int Rate = 22050;
    private readonly string _dir = TestAudio.NewFolder();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>1-s windows (44 frames of 128 mels at hop 512) keep the songs short.</summary>
    internal static LogMelRecipe Mel(double seconds = 1) => new() { Excerpt = new ExcerptSettings { DurationSeconds = seconds } };

    internal static FmaVectorRecipe Fma(double seconds = 1) => new() { Excerpt = new ExcerptSettings { SampleRate = Rate, DurationSeconds = seconds } };

    private string Song(double seconds, string name = "song.wav")
        => TestAudio.WriteWav(Path.Combine(_dir, name), Rate, 1, (int)Math.Round(seconds * Rate), (_, i) => 0.3 * Math.Sin(2 * Math.PI * 440 * i / Rate) + 0.1 * Math.Sin(i * 0.001));

    /// <summary>A fake model whose every window gets <paramref name="row"/>(window index); it records the feature rows it saw.</summary>
    private static GenreModel Fake(string name, string[] classes, Func<int, float[]> row, List<float[]>? seen = null, LogMelRecipe? mel = null, FmaVectorRecipe? fma = null)
        => GenreModel.ForTesting(name, classes, fma is null ? mel ?? Mel() : null, fma, features =>
        {
            seen?.AddRange(features);
            return Enumerable.Range(0, features.Count).Select(row).ToArray();
        });

    private static readonly string[] AB = { "a", "b" };

    private static float[] Uniform(int _) => new[] { 0.5f, 0.5f };

    [Fact]
    public void A_song_shorter_than_a_window_is_one_window_padded_with_silence()
    {
        string song = Song(0.6);
        var seen = new List<float[]>();
        var result = new SongPredictor(new[] { Fake("m", AB, Uniform, seen) }).Predict(song);
        Assert.Equal(1, result.WindowCount);
        Assert.Equal(new[] { 0.0 }, Assert.Single(result.Models).WindowStarts);
        Assert.Equal(1.0, result.EndSeconds, 9);
        // The one window is the padded clip the training front end makes of the same file.
        Assert.Equal(new ClipFeaturizer(Mel()).Extract(song), Assert.Single(seen));
    }

    [Theory]
    [InlineData(2.0, new[] { 0.0, 0.5, 1.0 })]             // the regular windows end exactly at the end: no extra window
    [InlineData(2.2, new[] { 0.0, 0.5, 1.0 })]             // 0.2 s uncovered, not more than a quarter window: none either
    [InlineData(2.3, new[] { 0.0, 0.5, 1.0, 1.3 })]        // 0.3 s uncovered: one more window ending at the song's end
    public void Windows_are_a_training_clip_long_every_half_window_plus_one_ending_at_the_end_when_more_than_a_quarter_is_left(double seconds, double[] starts)
    {
        var predictor = new SongPredictor(new[] { Fake("m", AB, Uniform) });
        Assert.Equal(0.5, predictor.HopSeconds);
        var result = predictor.Predict(Song(seconds));
        Assert.Equal(starts.Length, result.WindowCount);
        Assert.Equal(starts, result.Models[0].WindowStarts.Select(s => Math.Round(s, 4)));
        Assert.Equal(starts[^1] + 1, result.EndSeconds, 4);
    }

    [Fact]
    public void At_most_max_windows_are_spread_evenly_over_a_long_song()
    {
        // 10 s, 1-s windows every 0.5 s: 19 regular windows (0 ... 9 s); 4 of them, evenly: 0, 3, 6 and 9 s.
        var result = new SongPredictor(new[] { Fake("m", AB, Uniform) }, maxWindows: 4).Predict(Song(10));
        Assert.Equal(new[] { 0.0, 3.0, 6.0, 9.0 }, result.Models[0].WindowStarts.Select(s => Math.Round(s, 4)));
        var all = new SongPredictor(new[] { Fake("m", AB, Uniform) }).Predict(Song(10, "again.wav"));
        Assert.Equal(19, all.WindowCount);
    }

    [Fact]
    public void Log_mel_and_fma_windows_are_placed_alike_each_at_its_own_rate()
    {
        var mel = Fake("mel", AB, Uniform, mel: new LogMelRecipe { Mel = new() { SampleRate = 16000 }, Excerpt = new ExcerptSettings { DurationSeconds = 1, SampleRate = 16000 } });
        var fmaSeen = new List<float[]>();
        var fma = Fake("fma", AB, Uniform, fmaSeen, fma: Fma());
        var result = new SongPredictor(new[] { mel, fma }, hopSeconds: 0.75).Predict(Song(2.6));
        // 0, 0.75 and 1.5 s; the last ends at 2.5 s and the 0.1 s left is not more than a quarter window: no extra one.
        Assert.Equal(new[] { 0.0, 0.75, 1.5 }, result.Models[0].WindowStarts.Select(s => Math.Round(s, 4)));
        Assert.Equal(result.Models[0].WindowStarts.Select(s => Math.Round(s, 4)), result.Models[1].WindowStarts.Select(s => Math.Round(s, 4)));
        Assert.All(fmaSeen, v => Assert.Equal(FmaVectorRecipe.VectorType.Size, v.Length));
        Assert.Equal(3, result.WindowCount); // the log-mel model's count
    }

    [Fact]
    public void Probabilities_are_averaged_per_model_over_its_windows_then_over_models()
    {
        // Model a sees three 1-s windows of a 2-s song (0, 0.5, 1 s); model b, with 2-s windows, sees one.
        var a = Fake("a", AB, i => i % 2 == 0 ? new[] { 1f, 0f } : new[] { 0f, 1f });
        var b = Fake("b", AB, _ => new[] { 0f, 1f }, mel: Mel(2));
        var result = new SongPredictor(new[] { a, b }).Predict(Song(2));
        Assert.Equal(3, result.Models[0].WindowStarts.Count);
        Assert.Single(result.Models[1].WindowStarts);
        Assert.Equal(new[] { 2f / 3, 1f / 3 }, result.Models[0].Probabilities, new Close());
        Assert.Equal(new[] { 0f, 1f }, result.Models[1].Probabilities, new Close());
        // Mean of the two models' means, not of the four windows pooled (which would give 0.5, 0.5).
        Assert.Equal(new[] { 1f / 3, 2f / 3 }, result.Probabilities, new Close());
        Assert.Equal(new[] { new GenreProbability("b", result.Probabilities[1]), new GenreProbability("a", result.Probabilities[0]) }, result.Top(5));
    }

    [Fact]
    public void Models_listing_the_genres_in_other_orders_are_aligned_by_name_to_the_first_model()
    {
        var first = Fake("first", new[] { "folk", "pop", "rock" }, _ => new[] { 0.2f, 0.2f, 0.6f });
        var other = Fake("other", new[] { "rock", "folk", "pop" }, _ => new[] { 0.0f, 0.9f, 0.1f }, fma: Fma());
        var result = new SongPredictor(new[] { first, other }).Predict(Song(1.2));
        Assert.Equal(new[] { "folk", "pop", "rock" }, result.Classes);
        Assert.Equal(new[] { 0.9f, 0.1f, 0.0f }, result.Models[1].Probabilities, new Close());
        Assert.Equal(new[] { 0.55f, 0.15f, 0.3f }, result.Probabilities, new Close());
        Assert.Equal("folk", result.Top(1)[0].Genre);
    }

    [Fact]
    public void Models_with_different_genre_sets_are_refused_with_both_named()
    {
        var a = Fake("a", new[] { "folk", "pop" }, Uniform);
        var e = Assert.Throws<ArgumentException>(() => new SongPredictor(new[] { a, Fake("b", new[] { "folk", "jazz" }, Uniform) }));
        Assert.Contains("a: folk, pop", e.Message);
        Assert.Contains("b: folk, jazz", e.Message);
        Assert.Throws<ArgumentException>(() => new SongPredictor(new[] { a, Fake("c", new[] { "folk", "pop", "rock" }, _ => new[] { 1f, 0f, 0f }) }));
        Assert.Throws<ArgumentException>(() => new SongPredictor(Array.Empty<GenreModel>()));
    }

    [Fact]
    public void Bad_hop_or_window_count_and_undecodable_files_fail_clearly()
    {
        var m = Fake("m", AB, Uniform);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SongPredictor(new[] { m }, hopSeconds: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SongPredictor(new[] { m }, hopSeconds: double.PositiveInfinity));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SongPredictor(new[] { m }, maxWindows: 0));
        string junk = Path.Combine(_dir, "junk.wav");
        File.WriteAllText(junk, "not audio");
        Assert.Throws<MelGenre.Audio.AudioDecodeException>(() => new SongPredictor(new[] { m }).Predict(junk));
    }

    [Fact]
    public void Scores_that_are_not_distributions_are_renormalised_before_averaging()
    {
        var m = Fake("m", AB, _ => new[] { 3f, 1f });
        Assert.Equal(new[] { 0.75f, 0.25f }, new SongPredictor(new[] { m }).Predict(Song(0.5)).Probabilities, new Close());
    }

    internal sealed class Close : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= 1e-6f;

        public int GetHashCode(float obj) => 0;
    }
}
