using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using MelGenre.Audio;
using Xunit;

namespace MelGenre.Tests.Reliability;

/// <summary>Issue 13, item 10: an Ogg Vorbis cut at any byte gives audio or an AudioDecodeException, never an OverflowException.</summary>
public sealed class TruncatedAudioTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("melgenre-rel-ogg-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void An_ogg_cut_at_any_point_decodes_or_fails_with_an_audio_decode_exception()
    {
        string full = Path.Combine(_dir, "full.ogg");
        float[] samples = Enumerable.Range(0, 22050 * 4).Select(i => (float)(0.4 * Math.Sin(i * 0.031) + 0.1 * Math.Sin(i * 0.17))).ToArray();
        SndFileWriter.WriteFloat(full, MelGenre.Tests.Audio.Fmt.OggVorbis, 22050, 1, samples);
        byte[] bytes = File.ReadAllBytes(full);
        var outcomes = new List<string>();
        int overflowing = 0;
        // Every 1/40th of the file plus the bytes just before the end: 50 bounded cuts.
        var cuts = Enumerable.Range(1, 40).Select(k => bytes.Length * k / 41).Concat(Enumerable.Range(1, 10).Select(k => bytes.Length - k * 37)).Distinct();
        foreach (int cut in cuts)
        {
            string path = Path.Combine(_dir, $"cut-{cut}.ogg");
            File.WriteAllBytes(path, bytes[..cut]);
            foreach (var (what, act) in new (string, Action)[] { ("GetInfo", () => AudioDecoder.GetInfo(path)), ("ReadMono", () => AudioDecoder.ReadMono(path, out _)) })
            {
                try
                {
                    act();
                    outcomes.Add($"{cut} {what}: ok");
                }
                catch (AudioDecodeException e)
                {
                    Assert.Contains(path, e.Message);
                    outcomes.Add($"{cut} {what}: {e.Kind}");
                }
                catch (Exception e)
                {
                    overflowing++;
                    outcomes.Add($"{cut} {what}: {e.GetType().Name} {e.Message}");
                }
            }
        }
        Assert.True(overflowing == 0, string.Join("\n", outcomes));
    }
}

/// <summary>Issue 13, item 10: a silent MP3 gets one answer, whether read whole (predict) or as a clip (features).</summary>
public sealed class SilentMp3Tests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("melgenre-rel-silent-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_silent_mp3_is_no_audio_read_whole_or_as_a_longer_clip_and_fails_in_the_cache()
    {
        string path = Path.Combine(_dir, "silent.mp3");
        SndFileWriter.WriteFloat(path, MelGenre.Tests.Audio.Fmt.Mp3, 22050, 1, new float[22050 * 3]);
        Assert.Equal(AudioErrorKind.NoAudio, Assert.Throws<AudioDecodeException>(() => AudioDecoder.ReadMono(path, out _)).Kind);
        Assert.Equal(AudioErrorKind.NoAudio, Assert.Throws<AudioDecodeException>(() => AudioDecoder.ReadMono(path, out _, 0, 30)).Kind);
        Assert.Equal(AudioErrorKind.NoAudio, Assert.Throws<AudioDecodeException>(() => AudioDecoder.LoadMono(path, 8000, 0, 30)).Kind);
        // A silent first second of a longer file is legitimate (an intro): only what was read is judged.
        Assert.NotNull(AudioDecoder.ReadMono(path, out _, 0, 1));

        // features' clip (1.5 s) is longer than this 1-s file: the whole file is seen, so it is NoAudio there too.
        string shortSilent = Path.Combine(_dir, "short-silent.mp3");
        SndFileWriter.WriteFloat(shortSilent, MelGenre.Tests.Audio.Fmt.Mp3, 8000, 1, new float[8000]);
        var cache = new MelGenre.Caching.FeatureCache(Path.Combine(_dir, "cache"), CacheReliabilityTests.Small);
        var failure = Assert.Single(cache.Build(new[] { new MelGenre.Datasets.GenreClip(shortSilent, "a") }).Failures);
        Assert.Contains("exactly zero", failure.Reason);
    }
}
