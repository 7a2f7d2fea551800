using System;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using MelGenre.Datasets;
using Xunit;

namespace MelGenre.Tests.Datasets;

/// <summary>Download and extraction, against localhost only (tests never contact outside hosts).</summary>
public sealed class FmaDownloaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("melgenre-dl-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Offline_fails_quickly_with_a_clear_message()
    {
        // Port 1 on the loopback interface: nothing listens, the connection is refused at once.
        var downloader = new FmaDownloader("http://127.0.0.1:1/fma/");
        var watch = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<IOException>(() => downloader.DownloadAsync(FmaArchive.Metadata, _dir));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        Assert.Contains("Cannot reach 127.0.0.1 to download fma_metadata.zip", e.Message);
        Assert.Contains("needs an internet connection", e.Message);
        Assert.Contains(FmaArchive.Metadata.Sha1, e.Message);
        Assert.False(File.Exists(Path.Combine(_dir, "fma_metadata.zip")));
    }

    [Fact]
    public async Task Resumes_a_partial_download_with_a_range_request_and_checks_the_sha1()
    {
        var content = new byte[300_000];
        new Random(3).NextBytes(content);
        var archive = new FmaArchive("fma_test.zip", Convert.ToHexStringLower(SHA1.HashData(content)), content.Length);
        File.WriteAllBytes(Path.Combine(_dir, "fma_test.zip.part"), content.AsSpan(0, 100_000).ToArray());
        string? rangeSeen = null;
        using var server = new LocalServer(ctx =>
        {
            rangeSeen = ctx.Request.Headers["Range"];
            long from = rangeSeen is null ? 0 : long.Parse(rangeSeen["bytes=".Length..].TrimEnd('-'), System.Globalization.CultureInfo.InvariantCulture);
            ctx.Response.StatusCode = from > 0 ? 206 : 200;
            ctx.Response.ContentLength64 = content.Length - from;
            ctx.Response.OutputStream.Write(content, (int)from, (int)(content.Length - from));
        });
        string path = await new FmaDownloader(server.Url).DownloadAsync(archive, _dir);
        Assert.Equal("bytes=100000-", rangeSeen);
        Assert.Equal(content, File.ReadAllBytes(path));
        Assert.False(File.Exists(path + ".part"));

        // A wrong checksum deletes the bad file and says so.
        var wrong = archive with { FileName = "fma_other.zip", Sha1 = new string('0', 40) };
        var e = await Assert.ThrowsAsync<IOException>(() => new FmaDownloader(server.Url).DownloadAsync(wrong, _dir));
        Assert.Contains("does not match", e.Message);
        Assert.False(File.Exists(Path.Combine(_dir, "fma_other.zip.part")));
    }

    [Theory]
    [InlineData("../evil.txt")]
    [InlineData("fma_small/../../evil.txt")]
    [InlineData("/tmp/evil.txt")]
    public void Extraction_refuses_entries_outside_the_destination(string entryName)
    {
        string zip = Path.Combine(_dir, "bad.zip");
        using (var archive = ZipFile.Open(zip, ZipArchiveMode.Create))
        {
            using (var w = new StreamWriter(archive.CreateEntry("fma_small/000/000002.mp3").Open()))
                w.Write("ok");
            using (var w = new StreamWriter(archive.CreateEntry(entryName).Open()))
                w.Write("evil");
        }
        string dest = Path.Combine(_dir, "out");
        var e = Assert.Throws<InvalidDataException>(() => FmaDownloader.ExtractSafely(zip, dest));
        Assert.Contains("outside", e.Message);
        Assert.False(Directory.Exists(dest) && Directory.EnumerateFiles(dest, "*", SearchOption.AllDirectories).Any(), "nothing may be extracted");
    }

    [Fact]
    public void Extraction_writes_files_and_skips_complete_ones_on_a_second_run()
    {
        string zip = Path.Combine(_dir, "good.zip");
        using (var archive = ZipFile.Open(zip, ZipArchiveMode.Create))
        {
            foreach (var name in new[] { "fma_metadata/tracks.csv", "fma_metadata/genres.csv" })
            {
                using var w = new StreamWriter(archive.CreateEntry(name).Open());
                w.Write(name);
            }
        }
        string dest = Path.Combine(_dir, "data");
        Assert.Equal(2, FmaDownloader.ExtractSafely(zip, dest));
        Assert.Equal("fma_metadata/tracks.csv", File.ReadAllText(Path.Combine(dest, "fma_metadata", "tracks.csv")));
        Assert.Equal(0, FmaDownloader.ExtractSafely(zip, dest));
    }

    /// <summary>An HTTP server on a free loopback port, answering every request with the handler.</summary>
    private sealed class LocalServer : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _loop;

        public LocalServer(Action<HttpListenerContext> handler)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            int port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Url = $"http://127.0.0.1:{port}/";
            _listener.Prefixes.Add(Url);
            _listener.Start();
            _loop = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    HttpListenerContext ctx;
                    try
                    {
                        ctx = await _listener.GetContextAsync();
                    }
                    catch (Exception) when (!_listener.IsListening)
                    {
                        return;
                    }
                    catch (HttpListenerException)
                    {
                        return;
                    }
                    try
                    {
                        handler(ctx);
                    }
                    finally
                    {
                        ctx.Response.Close();
                    }
                }
            });
        }

        public string Url { get; }

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
    }
}
