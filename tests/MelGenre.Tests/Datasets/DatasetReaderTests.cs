using System;
using System.IO;
using System.Linq;
using MelGenre.Datasets;
using Xunit;

namespace MelGenre.Tests.Datasets;

/// <summary>The FMA, folder-per-genre and CSV readers, and the seeded splits.</summary>
public sealed class DatasetReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("melgenre-ds-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Fixture => Path.Combine(AppContext.BaseDirectory, "TestData", "fma_metadata");

    private string FmaAudio(params int[] ids)
    {
        string audio = Path.Combine(_dir, "fma_small");
        foreach (int id in ids)
        {
            string p = FmaDataset.AudioPath(audio, id);
            Directory.CreateDirectory(Path.GetDirectoryName(p)!);
            File.WriteAllBytes(p, new byte[] { 1 });
        }
        Directory.CreateDirectory(audio);
        return audio;
    }

    [Fact]
    public void Fma_reads_the_official_two_row_header_layout_with_quoted_commas_and_line_breaks()
    {
        var ds = FmaDataset.Load(Fixture, FmaAudio(2, 5, 10, 140));
        Assert.Equal(new[] { "2", "5", "10", "140" }, ds.Clips.Select(c => c.TrackId));
        Assert.Equal(new[] { "Folk", "Hip-Hop", "Pop" }, ds.Genres);
        var t140 = ds.Clips.Single(c => c.TrackId == "140");
        Assert.Equal("Folk", t140.Genre);
        Assert.Equal(DatasetSplit.Training, t140.Split);
        Assert.Equal("Alec K. Redfearn & the Eyesores, live", t140.Artist);
        Assert.EndsWith(Path.Combine("fma_small", "000", "000140.mp3"), t140.Path);
        Assert.Equal(DatasetSplit.Validation, ds.Clips.Single(c => c.TrackId == "5").Split);
        Assert.Equal(DatasetSplit.Test, ds.Clips.Single(c => c.TrackId == "10").Split);
    }

    [Fact]
    public void Fma_subsets_are_nested_and_tracks_without_a_top_genre_are_left_out()
    {
        var medium = FmaDataset.Load(Path.Combine(Fixture, "tracks.csv"), FmaAudio(2, 3, 5, 10, 140), "medium");
        Assert.Equal(new[] { "2", "3", "5", "10", "140" }, medium.Clips.Select(c => c.TrackId));
        var large = FmaDataset.Load(Fixture, FmaAudio(2, 3, 5, 10, 20, 140), "large");
        Assert.DoesNotContain(large.Clips, c => c.TrackId == "20"); // no genre_top
    }

    [Fact]
    public void Fma_errors_name_the_problem()
    {
        var wrongAudio = Assert.Throws<InvalidDataException>(() => FmaDataset.Load(Fixture, FmaAudio()));
        Assert.Contains("None of the 4 files is there", wrongAudio.Message);
        Assert.Throws<DirectoryNotFoundException>(() => FmaDataset.Load(Fixture, Path.Combine(_dir, "nope")));
        var noMeta = Assert.Throws<FileNotFoundException>(() => FmaDataset.Load(_dir, FmaAudio(2)));
        Assert.Contains("tracks.csv", noMeta.Message);

        string bad = Path.Combine(_dir, "tracks.csv");
        File.WriteAllText(bad, "path,genre\na.mp3,Rock\nb.mp3,Pop\n");
        var notFma = Assert.Throws<InvalidDataException>(() => FmaDataset.Load(bad, FmaAudio(2)));
        Assert.Contains("track_id", notFma.Message);
    }

    [Fact]
    public void Folder_per_genre_reads_nested_files_and_rejects_empty_genres_and_missing_folders()
    {
        string root = Path.Combine(_dir, "music");
        foreach (var (genre, file) in new[] { ("jazz", "a.mp3"), ("jazz", "live/b.flac"), ("rock", "c.wav"), ("rock", "notes.txt") })
        {
            string p = Path.Combine(root, genre, file);
            Directory.CreateDirectory(Path.GetDirectoryName(p)!);
            File.WriteAllText(p, "x");
        }
        var ds = FolderDataset.Load(root);
        Assert.Equal(new[] { "jazz", "rock" }, ds.Genres);
        Assert.Equal(3, ds.Clips.Count);
        Assert.False(ds.HasSplit);

        Directory.CreateDirectory(Path.Combine(root, "blues"));
        var empty = Assert.Throws<InvalidDataException>(() => FolderDataset.Load(root));
        Assert.Contains("'blues'", empty.Message);
        Assert.Throws<DirectoryNotFoundException>(() => FolderDataset.Load(Path.Combine(_dir, "missing")));
    }

    [Fact]
    public void Csv_reads_columns_by_name_and_resolves_relative_paths()
    {
        File.WriteAllText(Path.Combine(_dir, "a.mp3"), "x");
        File.WriteAllText(Path.Combine(_dir, "b, live.mp3"), "x");
        string csv = Path.Combine(_dir, "clips.csv");
        File.WriteAllText(csv, "artist,path,genre,split\r\nX,a.mp3,Rock,training\r\n\"Y, and friends\",\"b, live.mp3\",Pop,test\r\n");
        var ds = CsvDataset.Load(csv);
        Assert.Equal(Path.Combine(_dir, "b, live.mp3"), ds.Clips[1].Path);
        Assert.Equal("Y, and friends", ds.Clips[1].Artist);
        Assert.Equal(DatasetSplit.Test, ds.Clips[1].Split);
    }

    [Theory]
    [InlineData("path,genre\na.mp3,Rock\nb.mp3,Pop,extra\n", "line 3", "3 fields")]
    [InlineData("path,genre,split\na.mp3,Rock,training\nb.mp3,Pop,holdout\n", "line 3", "unknown split 'holdout'")]
    [InlineData("file,label\na.mp3,Rock\n", "line 1", "'path' and 'genre'")]
    [InlineData("path,genre\na.mp3,Rock\nb.mp3,\n", "line 3", "genre of 'b.mp3' is empty")]
    [InlineData("path,genre\na.mp3,Rock\n\"b.mp3,Pop\n", "line 3", "never closes")]
    [InlineData("path,genre\na.mp3,Rock\n\"b\"x.mp3,Pop\n", "line 3", "after a closing quote")]
    public void Csv_errors_give_the_line_and_what_is_wrong(string text, string line, string what)
    {
        File.WriteAllText(Path.Combine(_dir, "a.mp3"), "x");
        File.WriteAllText(Path.Combine(_dir, "b.mp3"), "x");
        string csv = Path.Combine(_dir, "bad.csv");
        File.WriteAllText(csv, text);
        var e = Assert.Throws<InvalidDataException>(() => CsvDataset.Load(csv));
        Assert.Contains(line, e.Message);
        Assert.Contains(what, e.Message);
    }

    [Fact]
    public void Csv_lists_missing_audio_files()
    {
        string csv = Path.Combine(_dir, "missing.csv");
        File.WriteAllText(csv, "path,genre\nnothere.mp3,Rock\nalso.mp3,Pop\n");
        var e = Assert.Throws<InvalidDataException>(() => CsvDataset.Load(csv));
        Assert.Contains("2 listed audio file(s) do not exist", e.Message);
        Assert.Contains("line 2", e.Message);
    }

    [Fact]
    public void Stratified_split_is_seeded_stratified_and_artist_disjoint()
    {
        var clips = Enumerable.Range(0, 200).Select(i => new GenreClip($"/x/{i}.mp3", i % 2 == 0 ? "A" : "B", Artist: $"artist{i % 40}")).ToList();
        var ds = new GenreDataset(clips, "test");
        var s1 = ds.WithStratifiedSplit(7, 0.2, 0.2);
        var s2 = ds.WithStratifiedSplit(7, 0.2, 0.2);
        Assert.Equal(s1.Clips.Select(c => c.Split), s2.Clips.Select(c => c.Split));
        Assert.NotEqual(s1.Clips.Select(c => c.Split), ds.WithStratifiedSplit(8, 0.2, 0.2).Clips.Select(c => c.Split));
        foreach (var genre in new[] { "A", "B" })
        {
            int test = s1.Clips.Count(c => c.Genre == genre && c.Split == DatasetSplit.Test);
            int val = s1.Clips.Count(c => c.Genre == genre && c.Split == DatasetSplit.Validation);
            Assert.InRange(test, 15, 25);
            Assert.InRange(val, 15, 25);
        }
        foreach (var artist in s1.Clips.GroupBy(c => c.Artist))
            Assert.Single(artist.Select(c => c.Split).Distinct());

        var noValidation = new GenreDataset(s1.Clips.Select(c => c.Split == DatasetSplit.Validation ? c with { Split = DatasetSplit.Training } : c), "t");
        var carved = noValidation.EnsureValidationSplit(1, 0.1);
        Assert.Contains(carved.Clips, c => c.Split == DatasetSplit.Validation);
        Assert.Equal(noValidation.Clips.Count(c => c.Split == DatasetSplit.Test), carved.Clips.Count(c => c.Split == DatasetSplit.Test));
    }
}
