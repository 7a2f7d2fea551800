using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using MelGenre.Datasets;
using Xunit;

namespace MelGenre.Tests.Datasets;

/// <summary>DatasetShard: the deterministic split of a dataset's clips over N processes or machines.</summary>
public sealed class DatasetShardTests
{
    private static readonly string Root = Path.Combine(Path.GetTempPath(), "melgenre-shard-root", "fma_small");

    /// <summary>4,000 clips in a folder-per-genre layout (paths only; nothing is read).</summary>
    private static List<GenreClip> Clips(string root, int count = 4000)
        => Enumerable.Range(0, count).Select(i => new GenreClip(Path.Combine(root, $"genre{i % 8}", $"{i / 8:D3}", $"track{i:D5}.mp3"), $"genre{i % 8}")).ToList();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(7)]
    [InlineData(16)]
    public void Every_clip_is_in_exactly_one_shard(int count)
    {
        var clips = Clips(Root);
        var shards = Enumerable.Range(0, count).Select(i => new DatasetShard(i, count).Select(clips, Root)).ToList();
        Assert.Equal(clips.Count, shards.Sum(s => s.Count));
        var union = shards.SelectMany(s => s).Select(c => c.Path).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(clips.Count, union.Count); // the sum equals the union: no clip in two shards, none left out
        foreach (var clip in clips)
            Assert.Single(Enumerable.Range(0, count), i => new DatasetShard(i, count).Contains(DatasetShard.KeyOf(clip.Path, Root)));
    }

    [Fact]
    public void Shards_are_roughly_balanced()
    {
        var clips = Clips(Root);
        foreach (int count in new[] { 2, 4, 16 })
        {
            // A good hash makes each shard's size binomial(n, 1/N): allow 5 standard deviations (22 clips at N = 2, 15 at N = 16).
            double expected = clips.Count / (double)count, sd = Math.Sqrt(clips.Count * (1.0 / count) * (1 - 1.0 / count));
            foreach (int i in Enumerable.Range(0, count))
                Assert.InRange(new DatasetShard(i, count).Select(clips, Root).Count, expected - 5 * sd, expected + 5 * sd);
        }
    }

    [Fact]
    public void The_selection_is_stable_across_calls_orders_subsets_and_mount_points()
    {
        var clips = Clips(Root);
        var shard = new DatasetShard(2, 5);
        var first = shard.Select(clips, Root).Select(c => c.Path).ToList();
        Assert.Equal(first, shard.Select(clips, Root).Select(c => c.Path));

        var shuffled = clips.OrderBy(c => c.Path.GetHashCode(StringComparison.Ordinal)).ToList(); // a per-process random order
        Assert.NotEqual(clips.Select(c => c.Path), shuffled.Select(c => c.Path));
        Assert.Equal(first.Order(StringComparer.Ordinal), shard.Select(shuffled, Root).Select(c => c.Path).Order(StringComparer.Ordinal));

        // A clip's shard depends on itself alone: a subset of the clips splits as the whole does.
        var half = clips.Where((_, i) => i % 2 == 0).ToList();
        var inHalf = half.Select(c => c.Path).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(first.Where(inHalf.Contains), shard.Select(half, Root).Select(c => c.Path));

        // The same dataset mounted elsewhere (another machine) gives the same shards.
        string other = Path.Combine(Path.GetTempPath(), "elsewhere", "mnt", "data");
        var moved = Clips(other);
        Assert.Equal(first.Select(p => Path.GetRelativePath(Root, p)), shard.Select(moved, other).Select(c => Path.GetRelativePath(other, c.Path)));
    }

    [Fact]
    public void The_hash_is_sha256_of_the_relative_path_not_a_per_process_hash()
    {
        // Expected values from Python: int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") % n for n in 2, 3, 4, 7, 16.
        // Pinned so that workers built from different versions (or a re-run months later) agree on the split.
        var expected = new Dictionary<string, int[]>
        {
            ["fma_small/000/000002.mp3"] = [0, 2, 0, 2, 4],
            ["rock/track01.mp3"] = [0, 1, 2, 2, 2],
            ["jazz/a b/\u00fc.flac"] = [0, 0, 0, 5, 12],
        };
        int[] counts = [2, 3, 4, 7, 16];
        foreach (var (key, shards) in expected)
            Assert.Equal(shards, counts.Select(n => DatasetShard.ShardOf(key, n)));
    }

    [Fact]
    public void Keys_are_relative_with_forward_slashes_and_composed_unicode()
    {
        Assert.Equal("rock/a/track01.mp3", DatasetShard.KeyOf(Path.Combine(Root, "rock", "a", "track01.mp3"), Root));
        Assert.Equal("rock/track01.mp3", DatasetShard.KeyOf(Path.Combine(Root, "rock", ".", "track01.mp3"), Root + Path.DirectorySeparatorChar));
        // macOS writes decomposed names (u + combining diaeresis); Linux and Windows usually composed ones.
        Assert.Equal(DatasetShard.KeyOf(Path.Combine(Root, "jazz", "\u00fc.flac"), Root), DatasetShard.KeyOf(Path.Combine(Root, "jazz", "u\u0308.flac"), Root));
        Assert.Equal("../other/x.wav", DatasetShard.KeyOf(Path.Combine(Root, "..", "other", "x.wav"), Root));
        // One shard holds everything.
        Assert.True(DatasetShard.All.Contains("anything"));
        Assert.Equal(4000, DatasetShard.All.Select(Clips(Root), Root).Count);
    }

    [Theory]
    [InlineData("0/1", 0, 1)]
    [InlineData("3/4", 3, 4)]
    [InlineData(" 12 / 100 ", 12, 100)]
    public void Valid_shards_parse(string text, int index, int count)
    {
        Assert.True(DatasetShard.TryParse(text, out var shard, out string? error));
        Assert.Null(error);
        Assert.Equal(new DatasetShard(index, count), shard);
        Assert.Equal($"{index}/{count}", shard!.ToString());
        Assert.Equal(shard, DatasetShard.Parse(shard.ToString()));
    }

    [Theory]
    [InlineData("4/4", "0..3")]
    [InlineData("-1/4", "0..3")]
    [InlineData("0/0", "at least 1")]
    [InlineData("1/-2", "at least 1")]
    [InlineData("1", "i/N")]
    [InlineData("a/4", "i/N")]
    [InlineData("1/2/3", "i/N")]
    [InlineData("1.5/4", "i/N")]
    [InlineData("", "i/N")]
    [InlineData(null, "i/N")]
    public void Invalid_shards_are_refused_with_a_reason(string? text, string reason)
    {
        Assert.False(DatasetShard.TryParse(text, out var shard, out string? error));
        Assert.Null(shard);
        Assert.Contains(reason, error);
        Assert.DoesNotContain('\n', error!);
        Assert.Throws<FormatException>(() => DatasetShard.Parse(text!));
    }

    [Fact]
    public void The_constructor_checks_its_arguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DatasetShard(0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DatasetShard(2, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DatasetShard(-1, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => DatasetShard.ShardOf("x", 0));
    }
}
