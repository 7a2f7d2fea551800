using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using MelGenre.Cli;
using MelGenre.Datasets;
using Xunit;

namespace MelGenre.Tests.Cli;

/// <summary>`features --shard i/N` into one shared cache, then the final `features`: the cache a Slurm array leaves behind.</summary>
public sealed class ShardedFeaturesTests : IDisposable
{
    private static readonly DateTime Marked = new(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc);
    private readonly string _dir = Directory.CreateTempSubdirectory("melgenre-shard-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Short synthetic clips and both feature kinds (log-mel and the FMA vector), as fast as the CLI goes.</summary>
    private static string[] Features(string audio, string work, string cache, params string[] more)
        => new[] { "features", "--folder", audio, "--out", work, "--cache", cache, "--duration", "6", "--hop", "512", "--pad", "constant",
            "--fma-sample-rate", "22050", "--validation", "0.25", "--test", "0.25" }.Concat(more).ToArray();

    private static Dictionary<string, byte[]> Files(string root)
        => Directory.GetFiles(root, "*", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(root, f), File.ReadAllBytes, StringComparer.Ordinal);

    private static int Entries(string cache) => Directory.Exists(cache) ? Directory.GetFiles(cache, "*.mgf", SearchOption.AllDirectories).Length : 0;

    [Fact]
    public void All_shards_then_the_final_run_compute_nothing_twice_and_equal_a_single_run_bit_for_bit()
    {
        string audio = Path.Combine(_dir, "audio"), work = Path.Combine(_dir, "work"), cache = Path.Combine(_dir, "shared-cache");
        SyntheticMusic.WriteDataset(audio, 4, seed: 5);
        var clips = FolderDataset.Load(audio).Clips;
        const int n = 3;

        for (int i = 0; i < n; i++)
        {
            int before = Entries(cache);
            // Thread counts differ between shards on purpose: the result must not depend on them.
            Assert.Equal(0, CliApp.Run(Features(audio, work, cache, "--shard", $"{i}/{n}", "--threads", i == 0 ? "2" : "1")));
            int expected = new DatasetShard(i, n).Select(clips, audio).Count;
            Assert.Equal(2 * expected, Entries(cache) - before); // this shard's clips, both kinds, and nothing else
            Assert.False(File.Exists(Path.Combine(work, "features.json")), "a shard must not write features.json");
            Assert.False(File.Exists(Path.Combine(work, "failed-files.txt")), "a shard must not write failed-files.txt");
        }
        Assert.Equal(2 * clips.Count, Entries(cache));

        // Mark every file of the shared cache; a recomputed entry would be a new file (written, then renamed into place).
        var merged = Files(cache);
        foreach (string f in Directory.GetFiles(cache, "*", SearchOption.AllDirectories))
            File.SetLastWriteTimeUtc(f, Marked);
        Assert.Equal(0, CliApp.Run(Features(audio, work, cache)));
        Assert.All(Directory.GetFiles(cache, "*", SearchOption.AllDirectories), f => Assert.Equal(Marked, File.GetLastWriteTimeUtc(f)));
        Assert.Equal(merged.Keys.Order(StringComparer.Ordinal), Files(cache).Keys.Order(StringComparer.Ordinal));

        // One process over everything, into its own cache and working folder.
        string singleWork = Path.Combine(_dir, "single"), singleCache = Path.Combine(_dir, "single-cache");
        Assert.Equal(0, CliApp.Run(Features(audio, singleWork, singleCache)));
        var single = Files(singleCache);
        Assert.Equal(single.Keys.Order(StringComparer.Ordinal), merged.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, bytes) in single)
            Assert.True(bytes.AsSpan().SequenceEqual(merged[name]), $"cache file {name} differs between the sharded and the single run");

        // The manifests agree too, but for the cache folder they name.
        static string Manifest(string work)
        {
            var json = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(File.ReadAllText(Path.Combine(work, "features.json")))!;
            Assert.True(json.Remove("cacheDirectory"));
            return JsonSerializer.Serialize(json);
        }
        Assert.Equal(Manifest(singleWork), Manifest(work));
        Assert.Equal(clips.Count, JsonDocument.Parse(File.ReadAllText(Path.Combine(work, "features.json"))).RootElement.GetProperty("clips").GetArrayLength());
    }

    [Theory]
    [InlineData("3/3")]
    [InlineData("-1/3")]
    [InlineData("0/0")]
    [InlineData("one/3")]
    public void An_invalid_shard_exits_with_code_2_before_any_work(string shard)
    {
        // A valid dataset: with a valid shard this run would create the cache.
        string audio = Path.Combine(_dir, "audio"), work = Path.Combine(_dir, "work");
        SyntheticMusic.WriteDataset(audio, 3, seed: 2);
        Assert.Equal(2, CliApp.Run(Features(audio, work, Path.Combine(_dir, "cache"), "--shard", shard)));
        Assert.False(Directory.Exists(Path.Combine(_dir, "cache")));
        Assert.False(Directory.Exists(work));
    }

    [Fact]
    public void A_shard_without_clips_succeeds_and_writes_nothing()
    {
        // More shards than clips (e.g. 64 pods for 15 clips): some shards are empty, and that is not an error.
        string audio = Path.Combine(_dir, "audio"), work = Path.Combine(_dir, "work"), cache = Path.Combine(_dir, "cache");
        SyntheticMusic.WriteDataset(audio, 3, seed: 2);
        var used = FolderDataset.Load(audio).Clips.Select(c => DatasetShard.ShardOf(DatasetShard.KeyOf(c.Path, audio), 64)).ToHashSet();
        int empty = Enumerable.Range(0, 64).First(i => !used.Contains(i));
        Assert.Equal(0, CliApp.Run(Features(audio, work, cache, "--shard", $"{empty}/64")));
        Assert.Equal(0, Entries(cache));
        Assert.False(Directory.Exists(work));
    }

    [Fact]
    public void Auto_takes_the_index_from_slurm_then_kubernetes()
    {
        static Func<string, string?> Env(params (string Name, string Value)[] vars)
            => name => vars.FirstOrDefault(v => v.Name == name).Value;

        Assert.Null(ShardOption.Parse(null));
        Assert.Equal(new DatasetShard(2, 4), ShardOption.Parse("2/4", Env()));
        Assert.Equal(new DatasetShard(3, 4), ShardOption.Parse("auto/4", Env(("SLURM_ARRAY_TASK_ID", "3"), ("JOB_COMPLETION_INDEX", "1"))));
        Assert.Equal(new DatasetShard(1, 4), ShardOption.Parse("auto/4", Env(("JOB_COMPLETION_INDEX", "1"))));
        Assert.Contains("SLURM_ARRAY_TASK_ID", Assert.Throws<CliException>(() => ShardOption.Parse("auto/4", Env())).Message);
        Assert.Contains("0..3", Assert.Throws<CliException>(() => ShardOption.Parse("auto/4", Env(("SLURM_ARRAY_TASK_ID", "4")))).Message);
        Assert.Contains("i/N", Assert.Throws<CliException>(() => ShardOption.Parse("4", Env())).Message);
    }
}
