using System;
using System.IO;
using System.Linq;
using MelGenre.Audio;
using MelGenre.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace MelGenre.Tests.Pipeline;

/// <summary>LoadAudio's answers to bad input and short audio, as a user meets them in a pipeline.</summary>
public sealed class AudioErrorPolicyTests : IDisposable
{
    private readonly string _dir = TestAudio.NewFolder();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class Result
    {
        public string Path { get; set; } = "";

        [Microsoft.ML.Data.VectorType]
        public float[] Audio { get; set; } = Array.Empty<float>();

        public string Error { get; set; } = "";
    }

    [Fact]
    public void By_default_a_missing_file_throws_an_exception_naming_it()
    {
        var ml = new MLContext(1);
        string missing = Path.Combine(_dir, "nope.mp3");
        var data = ml.Data.LoadFromEnumerable(new[] { new PathRow { Path = missing } });
        var output = ml.Transforms.LoadAudio("Audio", "Path", durationSeconds: 1).Fit(data).Transform(data);
        var ex = Assert.ThrowsAny<IOException>(() => output.GetColumn<float[]>("Audio").ToList());
        Assert.Contains(missing, ex.Message);
    }

    [Fact]
    public void Emit_missing_keeps_going_marks_rows_and_lists_the_failures()
    {
        var ml = new MLContext(1);
        string good = TestAudio.WriteSine(Path.Combine(_dir, "good.wav"), 22050, 1, 440);
        string empty = Path.Combine(_dir, "empty.mp3");
        File.WriteAllBytes(empty, Array.Empty<byte>());
        string text = Path.Combine(_dir, "notes.wav");
        File.WriteAllText(text, "this is not audio");
        string missing = Path.Combine(_dir, "missing.flac");
        var rows = new[] { good, empty, text, missing, "" }.Select(p => new PathRow { Path = p }).ToArray();
        var data = ml.Data.LoadFromEnumerable(rows);
        var transformer = ml.Transforms.LoadAudio(new AudioLoadingEstimator.Options
        {
            InputColumnName = "Path",
            OutputColumnName = "Audio",
            OnError = AudioErrorPolicy.EmitMissing,
            ErrorColumnName = "Error",
            Settings = new ExcerptSettings { DurationSeconds = 1 },
        }).Fit(data);
        var results = ml.Data.CreateEnumerable<Result>(transformer.Transform(data), reuseRowObject: false).ToList();

        Assert.Equal("", results[0].Error);
        Assert.DoesNotContain(results[0].Audio, float.IsNaN);
        for (int i = 1; i < rows.Length; i++)
        {
            Assert.NotEqual("", results[i].Error);
            Assert.All(results[i].Audio, v => Assert.True(float.IsNaN(v)));
        }
        Assert.Contains(empty, results[1].Error);
        Assert.Contains(text, results[2].Error);
        Assert.Contains(missing, results[3].Error);
        Assert.Contains("empty path", results[4].Error);

        Assert.Equal(4, transformer.Failures.Count);
        Assert.Contains(transformer.Failures, f => f.Path == missing);

        // ML.NET's own filter drops the failed rows (NaN = missing value).
        var kept = ml.Data.FilterRowsByMissingValues(transformer.Transform(data), "Audio");
        Assert.Equal(new[] { good }, kept.GetColumn<string>("Path").ToArray());
    }

    [Fact]
    public void Short_audio_is_padded_with_zeros_or_fails_by_policy()
    {
        var ml = new MLContext(1);
        string shortWav = TestAudio.WriteSine(Path.Combine(_dir, "short.wav"), 22050, 0.5, 440);
        var data = ml.Data.LoadFromEnumerable(new[] { new PathRow { Path = shortWav } });

        var padded = ml.Transforms.LoadAudio("Audio", "Path", durationSeconds: 1).Fit(data).Transform(data)
            .GetColumn<float[]>("Audio").Single();
        Assert.Equal(22050, padded.Length);
        Assert.True(padded.Take(11025).Max() > 0.45f);
        Assert.All(padded.Skip(11025), v => Assert.Equal(0f, v));

        var strict = ml.Transforms.LoadAudio(new AudioLoadingEstimator.Options
        {
            InputColumnName = "Path",
            OutputColumnName = "Audio",
            ShortAudio = ShortAudioPolicy.Fail,
            Settings = new ExcerptSettings { DurationSeconds = 1 },
        }).Fit(data).Transform(data);
        var ex = Assert.Throws<InvalidDataException>(() => strict.GetColumn<float[]>("Audio").ToList());
        Assert.Contains(shortWav, ex.Message);
        Assert.Contains("too short", ex.Message);
    }

    [Fact]
    public void Relative_paths_resolve_against_the_base_folder_and_offset_skips_audio()
    {
        var ml = new MLContext(1);
        // 1 s of silence then 1 s of sine: offset 1 s must start on the sine.
        TestAudio.WriteWav(Path.Combine(_dir, "two.wav"), 22050, 1, 44100, (_, i) => i < 22050 ? 0 : 0.5 * Math.Sin(2 * Math.PI * 440 * i / 22050.0));
        var data = ml.Data.LoadFromEnumerable(new[] { new PathRow { Path = "two.wav" } });
        var audio = ml.Transforms.LoadAudio("Audio", "Path", baseFolder: _dir, offsetSeconds: 1, durationSeconds: 0.5)
            .Fit(data).Transform(data).GetColumn<float[]>("Audio").Single();
        Assert.Equal(11025, audio.Length);
        Assert.True(audio.Max() > 0.45f);
    }
}
