using System;
using System.IO;
using System.Linq;
using MelGenre.Caching;
using MelGenre.Cli;
using Xunit;

namespace MelGenre.Tests.Reliability;

/// <summary>Issue 13, items 4, 7 and 10: user mistakes end in one line with exit code 2 (or a warning), never a trace.</summary>
[Collection(TorchCollection.Name)]
public sealed class CliUserErrorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("melgenre-rel-user-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Dataset(int perGenre = 2)
    {
        string audio = Path.Combine(_dir, "audio");
        if (!Directory.Exists(audio))
            SyntheticMusic.WriteDataset(audio, perGenre, seed: 4);
        return audio;
    }

    private static string[] Features(string audio, string work, params string[] more)
        => new[] { "features", "--folder", audio, "--out", work, "--duration", "2", "--hop", "512", "--kind", "mel" }.Concat(more).ToArray();

    /// <summary>Parse errors and absurd settings: rows of docs/bad-input.md ("command line").</summary>
    public static TheoryData<string, string> BadArguments() => new()
    {
        { "features --folder x --pad sideways", "sideways" },
        { "features --folder x --hop 99999999999", "99999999999" },
        { "train --model resnet", "resnet" },
        { "features --folder x --fft 3", "--fft must be between 16 and 65536, got 3" },
        { "features --folder x --fft 1000000", "--fft must be between 16 and 65536, got 1000000" },
        { "features --folder x --mels 100000", "--mels must be between 1 and 1024, got 100000" },
        { "train --iterations 0", "--iterations must be at least 1, got 0" },
        { "train --threads 0", "--threads must be at least 1, got 0" },
        { "features --no-such-option", "--no-such-option" },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public void Parse_errors_and_absurd_settings_are_one_line_with_exit_code_2(string args, string mention)
        => CliRun.UserError(args.Split(' '), mention);

    [Fact]
    public void Features_with_a_separate_cache_creates_a_new_out_folder()
    {
        string audio = Dataset(), work = Path.Combine(_dir, "new", "work");
        var (code, errors) = CliRun.Run(Features(audio, work, "--cache", Path.Combine(_dir, "shared-cache")));
        Assert.True(code == 0, errors);
        Assert.True(File.Exists(Path.Combine(work, "features.json")));
        Assert.True(File.Exists(Path.Combine(work, "failed-files.txt")));
    }

    [Fact]
    public void Genre_names_with_markup_brackets_are_printed_not_parsed()
    {
        string audio = Dataset();
        Directory.Move(Path.Combine(audio, "drone"), Path.Combine(audio, "Rock [live]"));
        Directory.Move(Path.Combine(audio, "hiss"), Path.Combine(audio, "[oops"));
        var (code, errors) = CliRun.Run(Features(audio, Path.Combine(_dir, "work")));
        Assert.True(code == 0, errors);
        Assert.Contains("Rock [live]", File.ReadAllText(Path.Combine(_dir, "work", "features.json")));
    }

    [Fact]
    public void More_threads_than_cores_are_capped_with_a_warning()
    {
        var (code, errors) = CliRun.Run(Features(Dataset(), Path.Combine(_dir, "work"), "--threads", "1000"));
        Assert.True(code == 0, errors);
        Assert.Equal(Environment.ProcessorCount, InputChecks.Threads(1000));
        Assert.Equal(1, InputChecks.Threads(1));
    }

    [Fact]
    public void A_damaged_features_json_or_history_file_is_one_line_naming_it()
    {
        string work = Path.Combine(_dir, "work");
        Directory.CreateDirectory(work);
        string manifest = Path.Combine(work, "features.json");
        File.WriteAllText(manifest, "{ \"clips\": [ {\"path\": ");
        CliRun.UserError(new[] { "train", "--out", work }, manifest, "damaged");

        var (code, errors) = CliRun.Run(Features(Dataset(), work));
        Assert.True(code == 0, errors);
        Directory.CreateDirectory(Path.Combine(work, "models"));
        string history = Path.Combine(work, "models", "crnn.history.json");
        File.WriteAllText(history, "not json");
        CliRun.UserError(new[] { "report", "--out", work }, history, "damaged");
    }

    [Fact]
    public void Train_checks_that_it_can_write_its_models_before_training()
    {
        string work = Path.Combine(_dir, "work");
        var (code, errors) = CliRun.Run(Features(Dataset(), work));
        Assert.True(code == 0, errors);
        File.WriteAllText(Path.Combine(work, "models"), "a file where the models folder should be");
        CliRun.UserError(new[] { "train", "--out", work, "--model", "crnn", "--epochs", "1" }, Path.Combine(work, "models"), "Cannot write");
        Assert.False(File.Exists(Path.Combine(work, "crnn.history.json")));
    }

    [Fact]
    public void Failed_files_list_escapes_tabs_and_newlines_in_names()
    {
        var report = new FeatureCacheReport { Failures = new[] { new FeatureFailure("/m/a\tb\nc\\d.mp3", "bad\nreason") } };
        string list = Path.Combine(_dir, "failed.txt");
        report.WriteFailures(list);
        Assert.Equal(new[] { "/m/a\\tb\\nc\\\\d.mp3\tbad\\nreason" }, File.ReadAllLines(list));
    }
}

/// <summary>Issue 13, item 10: a failure remembered from an earlier run says how to retry it.</summary>
[Collection(TorchCollection.Name)]
public sealed class RetryHintTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("melgenre-rel-retry-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_remembered_failure_hints_at_retry_failed_and_retrying_fixes_it()
    {
        string audio = Path.Combine(_dir, "audio"), work = Path.Combine(_dir, "work");
        SyntheticMusic.WriteDataset(audio, 2, seed: 8);
        string victim = Path.Combine(audio, "bells", "bells-00.wav");
        var good = File.ReadAllBytes(victim);
        var time = File.GetLastWriteTimeUtc(victim);
        File.WriteAllBytes(victim, new byte[good.Length]); // unreadable, as a file without read permission would be
        File.SetLastWriteTimeUtc(victim, time);
        string[] args = { "features", "--folder", audio, "--out", work, "--duration", "2", "--hop", "512", "--kind", "mel" };
        Assert.Equal(0, CliRun.Run(args).Code);
        File.WriteAllBytes(victim, good); // fixed without changing size or time (like chmod)
        File.SetLastWriteTimeUtc(victim, time);
        var (code, errors) = CliRun.Run(args);
        Assert.Equal(0, code);
        Assert.Contains("--retry-failed", errors);
        Assert.Contains(victim, File.ReadAllText(Path.Combine(work, "failed-files.txt")));
        (code, errors) = CliRun.Run(args.Append("--retry-failed").ToArray());
        Assert.True(code == 0, errors);
        Assert.Equal("", File.ReadAllText(Path.Combine(work, "failed-files.txt")));
    }
}

/// <summary>Issue 13, item 10: a cache that cannot be written (full disk, a file in the way) is one line, exit code 2.</summary>
[Collection(TorchCollection.Name)]
public sealed class UnwritableCacheTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("melgenre-rel-disk-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_cache_write_error_inside_the_parallel_build_is_one_line_and_leaves_no_tmp_files()
    {
        string audio = Path.Combine(_dir, "audio"), work = Path.Combine(_dir, "work");
        SyntheticMusic.WriteDataset(audio, 2, seed: 6);
        string[] args = { "features", "--folder", audio, "--out", work, "--duration", "2", "--hop", "512", "--kind", "mel", "--threads", "2" };
        Assert.Equal(0, CliRun.Run(args).Code);
        // Every shard folder of the cache replaced by a file: each entry write now fails with an IOException on a worker thread.
        foreach (var shard in Directory.GetDirectories(Path.Combine(work, "cache"), "??", SearchOption.AllDirectories))
        {
            Directory.Delete(shard, recursive: true);
            File.WriteAllText(shard, "in the way");
        }
        CliRun.UserError(args, "cache");
        Assert.Empty(Directory.GetFiles(work, "*.tmp", SearchOption.AllDirectories));
    }
}
