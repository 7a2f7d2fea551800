using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using MelGenre.Datasets;
using Xunit;

namespace MelGenre.Tests.Reliability;

/// <summary>Issue 13, item 9: downloads time out instead of hanging, against a loopback server (127.0.0.1) only.</summary>
public sealed class DownloadTimeoutTests : IDisposable
{
    /// <summary>Upper bound on any one test: a hang fails the test instead of the run.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private readonly string _dir = Directory.CreateTempSubdirectory("melgenre-rel-dl-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_server_that_accepts_and_never_answers_times_out_with_a_clear_message()
    {
        using var server = new RawServer(async (stream, _) => await Task.Delay(Timeout.Infinite, server_token(stream)));
        var downloader = new FmaDownloader(server.Url) { ResponseTimeout = TimeSpan.FromSeconds(1) };
        var e = await Assert.ThrowsAsync<IOException>(() => downloader.DownloadAsync(FmaArchive.Metadata, _dir).WaitAsync(Bound));
        Assert.Contains("did not answer", e.Message);
        Assert.Contains("fma_metadata.zip", e.Message);
    }

    [Fact]
    public async Task A_download_that_stalls_mid_file_times_out_keeps_the_part_and_resumes()
    {
        var content = new byte[100_000];
        new Random(5).NextBytes(content);
        var archive = new FmaArchive("fma_stall.zip", Convert.ToHexStringLower(SHA1.HashData(content)), content.Length);
        using (var stalling = new RawServer(async (stream, request) =>
        {
            await Write(stream, $"HTTP/1.1 200 OK\r\nContent-Length: {content.Length}\r\nConnection: close\r\n\r\n");
            await stream.WriteAsync(content.AsMemory(0, 30_000));
            await stream.FlushAsync();
            await Task.Delay(Timeout.Infinite, server_token(stream));
        }))
        {
            var downloader = new FmaDownloader(stalling.Url) { StallTimeout = TimeSpan.FromSeconds(1) };
            var e = await Assert.ThrowsAsync<IOException>(() => downloader.DownloadAsync(archive, _dir).WaitAsync(Bound));
            Assert.Contains("stalled", e.Message);
            Assert.Contains("resume", e.Message);
        }
        string part = Path.Combine(_dir, "fma_stall.zip.part");
        Assert.Equal(30_000, new FileInfo(part).Length);

        string? range = null;
        using var resuming = new RawServer(async (stream, request) =>
        {
            range = request.Split("\r\n").FirstOrDefaultStartingWith("Range: ");
            int from = int.Parse(range!["Range: bytes=".Length..].TrimEnd('-'), System.Globalization.CultureInfo.InvariantCulture);
            await Write(stream, $"HTTP/1.1 206 Partial Content\r\nContent-Length: {content.Length - from}\r\nConnection: close\r\n\r\n");
            await stream.WriteAsync(content.AsMemory(from));
        });
        string path = await new FmaDownloader(resuming.Url) { StallTimeout = TimeSpan.FromSeconds(10) }.DownloadAsync(archive, _dir).WaitAsync(Bound);
        Assert.Equal("Range: bytes=30000-", range);
        Assert.Equal(content, File.ReadAllBytes(path));
    }

    private static CancellationToken server_token(Stream stream) => ((RawServer.Connection)stream).Closed;

    private static Task Write(Stream stream, string text) => stream.WriteAsync(Encoding.ASCII.GetBytes(text)).AsTask();

    /// <summary>A bare TCP server on 127.0.0.1 that reads one request's headers and hands the connection to a handler.</summary>
    private sealed class RawServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly List<TcpClient> _clients = new();

        public RawServer(Func<Stream, string, Task> handler)
        {
            _listener.Start();
            Url = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/";
            _ = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    TcpClient client;
                    try
                    {
                        client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    }
                    catch (Exception)
                    {
                        return;
                    }
                    lock (_clients)
                        _clients.Add(client);
                    _ = Task.Run(async () =>
                    {
                        try
                        {
                            var stream = new Connection(client.GetStream(), _stop.Token);
                            var request = new StringBuilder();
                            var one = new byte[1];
                            while (!request.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && await stream.ReadAsync(one) == 1)
                                request.Append((char)one[0]);
                            await handler(stream, request.ToString());
                            client.Close();
                        }
                        catch (Exception)
                        {
                            // the client went away or the server stopped
                        }
                    });
                }
            });
        }

        public string Url { get; }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            lock (_clients)
            {
                foreach (var c in _clients)
                    c.Dispose();
            }
        }

        /// <summary>The connection's stream, with the server's stop token for handlers that wait forever.</summary>
        public sealed class Connection(NetworkStream inner, CancellationToken closed) : Stream
        {
            public CancellationToken Closed { get; } = closed;
            public override bool CanRead => true;
            public override bool CanSeek => false;
            public override bool CanWrite => true;
            public override long Length => throw new NotSupportedException();
            public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
            public override void Flush() => inner.Flush();
            public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
            public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
            public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
        }
    }
}

internal static class LineExtensions
{
    public static string? FirstOrDefaultStartingWith(this string[] lines, string prefix)
        => Array.Find(lines, l => l.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));
}
