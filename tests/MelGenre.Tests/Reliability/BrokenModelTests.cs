using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using MelGenre.Cli;
using Xunit;

namespace MelGenre.Tests.Reliability;

/// <summary>Issue 13, item 8: a broken model zip is one line naming the file and what is wrong, exit code 2.</summary>
[Collection(TorchCollection.Name)]
public sealed class BrokenModelTests : IClassFixture<TrainedWorkspace>, IDisposable
{
    private readonly TrainedWorkspace _ws;
    private readonly string _dir = Directory.CreateTempSubdirectory("melgenre-rel-zip-").FullName;

    public BrokenModelTests(TrainedWorkspace ws) => _ws = ws;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The rows of docs/bad-input.md's "model zip" section: damage, and a word the message must contain.</summary>
    public static TheoryData<string, string> Damages() => new()
    {
        { "truncated", "not a readable zip" },
        { "random-bytes", "not a readable zip" },
        { "empty", "empty" },
        { "text", "not a readable zip" },
        { "raised-version", "payload version 99" },
        { "damaged-weights", "weights" },
        { "missing-weights", "Weights.bin" },
        { "unknown-architecture", "architecture" },
        { "not-a-model", "not an ML.NET model" },
    };

    [Theory]
    [MemberData(nameof(Damages))]
    public void A_broken_model_zip_is_one_line_naming_the_file(string damage, string mention)
    {
        string file = Path.Combine(_dir, damage + ".zip");
        var bytes = File.ReadAllBytes(_ws.Model("crnn"));
        switch (damage)
        {
            case "truncated": File.WriteAllBytes(file, bytes.AsSpan(0, bytes.Length / 2).ToArray()); break;
            case "random-bytes": var r = new byte[5000]; new Random(1).NextBytes(r); File.WriteAllBytes(file, r); break;
            case "empty": File.WriteAllBytes(file, Array.Empty<byte>()); break;
            case "text": File.WriteAllText(file, "this is a text file, not a model\n"); break;
            case "not-a-model":
                using (var zip = ZipFile.Open(file, ZipArchiveMode.Create))
                    using (var w = new StreamWriter(zip.CreateEntry("readme.txt").Open()))
                        w.Write("hello");
                break;
            default:
                File.WriteAllBytes(file, bytes);
                using (var zip = ZipFile.Open(file, ZipArchiveMode.Update))
                    Damage(zip, damage);
                break;
        }
        string song = SyntheticMusic.WriteSong(Path.Combine(_dir, "songs"), "drone", 6, seed: 1);
        string line = CliRun.UserError(new[] { "predict", song, "--out", Path.Combine(_dir, "out"), "--model", file }, file, mention);
        Assert.True(line.Length < 600, line);
    }

    private static void Damage(ZipArchive zip, string damage)
    {
        var weights = zip.Entries.Single(e => e.FullName.EndsWith("Weights.bin", StringComparison.Ordinal));
        var classifier = zip.Entries.Single(e => e.FullName == weights.FullName.Replace("Weights.bin", "Model.key", StringComparison.Ordinal));
        switch (damage)
        {
            case "missing-weights":
                weights.Delete();
                break;
            case "damaged-weights":
                Rewrite(zip, weights, b => { for (int i = 40; i < b.Length - 40; i += 7) b[i] ^= 0x5A; return b; });
                break;
            case "raised-version":
                // ML.NET's model header is 256 bytes; MelGenre's payload starts after two string ids with its version (1, 2, ...).
                Rewrite(zip, classifier, b => { Assert.InRange(BitConverter.ToInt32(b, 264), 1, 20); BitConverter.GetBytes(99).CopyTo(b, 264); return b; });
                break;
            case "unknown-architecture":
                Rewrite(zip, classifier, b =>
                {
                    byte[] from = Encoding.UTF8.GetBytes("\"Crnn\""), to = Encoding.UTF8.GetBytes("\"Xyzw\"");
                    int at = b.AsSpan().IndexOf(from);
                    Assert.True(at >= 0, "architecture name not found in the classifier's entry");
                    to.CopyTo(b, at);
                    return b;
                });
                break;
            default:
                throw new ArgumentException(damage);
        }
    }

    private static void Rewrite(ZipArchive zip, ZipArchiveEntry entry, Func<byte[], byte[]> change)
    {
        byte[] bytes;
        using (var s = entry.Open())
        using (var m = new MemoryStream())
        {
            s.CopyTo(m);
            bytes = m.ToArray();
        }
        string name = entry.FullName;
        entry.Delete();
        using var o = zip.CreateEntry(name).Open();
        o.Write(change(bytes));
    }
}
