using System;
using System.IO;
using System.Linq;
using MelGenre.Datasets;
using Xunit;

namespace MelGenre.Tests.Reliability;

/// <summary>Issue 13, item 5: a file listed twice with two labels is refused (both lines named); an exact repeat is warned.</summary>
public sealed class DuplicateLabelTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("melgenre-rel-dup-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Csv(params string[] rows)
    {
        foreach (var name in new[] { "a.wav", "b.wav", "c.wav" })
            File.WriteAllBytes(Path.Combine(_dir, name), new byte[] { 1 });
        string csv = Path.Combine(_dir, "clips.csv");
        File.WriteAllLines(csv, new[] { "path,genre,split" }.Concat(rows));
        return csv;
    }

    [Theory]
    [InlineData("a.wav,rock,training", "line 2 (genre 'rock', split training) and line 4 (genre 'jazz', split training)")]
    [InlineData("a.wav,rock,test", "line 2 (genre 'rock', split training) and line 4 (genre 'rock', split test)")]
    public void Conflicting_labels_are_refused_naming_both_lines(string conflict, string mention)
    {
        string row = conflict.Replace("a.wav,rock,training", "a.wav,jazz,training", StringComparison.Ordinal);
        string csv = Csv("a.wav,rock,training", "b.wav,jazz,training", row);
        var e = Assert.Throws<InvalidDataException>(() => CsvDataset.Load(csv));
        Assert.Contains(mention, e.Message);
        Assert.Contains(Path.Combine(_dir, "a.wav"), e.Message);
    }

    [Fact]
    public void An_exact_repeat_is_kept_once_with_a_warning()
    {
        string csv = Csv("a.wav,rock,training", "b.wav,jazz,training", "./a.wav,rock,training");
        var dataset = CsvDataset.Load(csv);
        Assert.Equal(2, dataset.Clips.Count);
        Assert.Contains("line 4", Assert.Single(dataset.Warnings));
    }
}
