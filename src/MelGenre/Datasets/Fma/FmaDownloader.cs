using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;

namespace MelGenre.Datasets;

/// <summary>An FMA archive: its file name and the SHA-1 the dataset documents for it.</summary>
/// <param name="FileName">File name on the server, e.g. <c>fma_small.zip</c>.</param>
/// <param name="Sha1">Expected SHA-1, lower-case hex.</param>
/// <param name="ApproximateBytes">Documented size, for messages.</param>
public sealed record FmaArchive(string FileName, string Sha1, long ApproximateBytes)
{
    /// <summary><c>fma_metadata.zip</c> (342 MiB): tracks.csv, genres.csv and pre-computed features.</summary>
    public static FmaArchive Metadata { get; } = new("fma_metadata.zip", "f0df49ffe5f2a6008d7dc83c6915b31835dfe733", 342L << 20);

    /// <summary><c>fma_small.zip</c> (7.2 GiB): 8,000 clips of 30 s, 8 balanced genres.</summary>
    public static FmaArchive Small { get; } = new("fma_small.zip", "ade154f733639d52e35e32f5593efe5be76c6d70", 7_730_941_132L);
}

/// <summary>Progress of a download.</summary>
/// <param name="FileName">The archive.</param>
/// <param name="Bytes">Bytes on disk so far (including a resumed part).</param>
/// <param name="TotalBytes">Total size when the server says it.</param>
/// <param name="BytesPerSecond">Transfer rate of this session.</param>
/// <param name="Phase">"downloading", "verifying" or "extracting".</param>
public sealed record DownloadProgress(string FileName, long Bytes, long? TotalBytes, double BytesPerSecond, string Phase);

/// <summary>
/// Downloads FMA archives with SHA-1 verification and resume, and extracts them safely. A partial download is kept
/// as <c>&lt;name&gt;.part</c> and continued with an HTTP Range request next time (a server that ignores the range
/// restarts it); the finished file is renamed only after its SHA-1 matches. Never used at build or test time.
/// </summary>
public sealed class FmaDownloader
{
    /// <summary>Where the FMA project publishes its archives.</summary>
    public const string DefaultBaseUrl = "https://os.unil.cloud.switch.ch/fma/";

    private readonly HttpClient _client;
    private readonly Uri _baseUrl;

    /// <summary>Creates a downloader.</summary>
    /// <param name="baseUrl">Base URL of the archives; default <see cref="DefaultBaseUrl"/>.</param>
    /// <param name="client">HTTP client to use; null creates one with a 15-s connect timeout.</param>
    public FmaDownloader(string? baseUrl = null, HttpClient? client = null)
    {
        string url = baseUrl ?? DefaultBaseUrl;
        _baseUrl = new Uri(url.EndsWith('/') ? url : url + "/");
        _client = client ?? new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(15) }) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>
    /// Longest wait for the server's response headers after the connection is made (default 60 s). A server that accepts
    /// the connection and never answers fails with an <see cref="IOException"/> after this long instead of hanging.
    /// </summary>
    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Longest time without a single byte of the body (default 60 s). A download that stalls fails with an
    /// <see cref="IOException"/>; the <c>.part</c> file is kept and the next run resumes from it.
    /// </summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Receives progress (throttled to a few reports per second).</summary>
    public IProgress<DownloadProgress>? Progress { get; init; }

    /// <summary>
    /// Downloads <paramref name="archive"/> into <paramref name="folder"/> unless a file with the right SHA-1 is already
    /// there; resumes a <c>.part</c> file left by an interrupted run.
    /// </summary>
    /// <param name="archive">The archive.</param>
    /// <param name="folder">Destination folder (created if needed).</param>
    /// <param name="cancellationToken">Cancels the download; the <c>.part</c> file stays for a later resume.</param>
    /// <returns>The path of the verified archive.</returns>
    /// <exception cref="IOException">The server cannot be reached (the message says so and gives the URL to fetch by
    /// hand), answers with an error, or the SHA-1 does not match (the bad file is deleted).</exception>
    public async Task<string> DownloadAsync(FmaArchive archive, string folder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(archive);
        Directory.CreateDirectory(folder);
        string final = Path.Combine(folder, archive.FileName);
        string part = final + ".part";
        var url = new Uri(_baseUrl, archive.FileName);
        if (File.Exists(final))
        {
            if (string.Equals(Sha1Of(final, archive, cancellationToken), archive.Sha1, StringComparison.OrdinalIgnoreCase))
                return final;
            File.Move(final, part, overwrite: true); // wrong or truncated: try to complete it, then verify again
        }

        long have = File.Exists(part) ? new FileInfo(part).Length : 0;
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (have > 0)
            request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(have, null);
        HttpResponseMessage response;
        using var answer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        answer.CancelAfter(ResponseTimeout);
        try
        {
            response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, answer.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested && answer.IsCancellationRequested)
        {
            throw new IOException($"{url.Host} did not answer the request for {archive.FileName} within {ResponseTimeout.TotalSeconds:0.#} s; " +
                (have > 0 ? $"the {have:N0} bytes in '{part}' are kept: " : "") + "run again later (a partial download resumes).", e);
        }
        catch (Exception e) when (e is HttpRequestException or SocketException || e is TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new IOException($"Cannot reach {url.Host} to download {archive.FileName}: {Reason(e)}. Downloading FMA needs an internet " +
                $"connection. Alternatively fetch {url} by hand (SHA-1 {archive.Sha1}) into '{folder}' and run again: a file that is " +
                "already there is verified, not downloaded again.", e);
        }

        using (response)
        {
            bool append = have > 0 && response.StatusCode == HttpStatusCode.PartialContent;
            if (have > 0 && response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
                append = true; // the part is already complete
            else if (!response.IsSuccessStatusCode)
                throw new IOException($"Downloading {url} failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase}.");
            if (!append)
                have = 0;
            long? total = response.Content.Headers.ContentLength is long len ? len + have : null;
            if (response.StatusCode != HttpStatusCode.RequestedRangeNotSatisfiable)
            {
                await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                await using var file = new FileStream(part, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20, useAsync: true);
                var buffer = new byte[1 << 20];
                var watch = Stopwatch.StartNew();
                long session = 0, lastReport = 0;
                int n;
                try
                {
                    while ((n = await StallGuard.ReadAsync(body, buffer, StallTimeout, cancellationToken).ConfigureAwait(false)) > 0)
                    {
                        await file.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                        session += n;
                        if (watch.ElapsedMilliseconds - lastReport >= 250)
                        {
                            lastReport = watch.ElapsedMilliseconds;
                            Progress?.Report(new DownloadProgress(archive.FileName, have + session, total, session / Math.Max(watch.Elapsed.TotalSeconds, 1e-3), "downloading"));
                        }
                    }
                }
                catch (TimeoutException e)
                {
                    throw new IOException($"The download of {archive.FileName} stalled: no data for {StallTimeout.TotalSeconds:0.#} s after {have + session:N0} bytes; " +
                        $"'{part}' is kept, run again to resume from there.", e);
                }
                catch (Exception e) when (e is HttpRequestException or IOException && e is not FileNotFoundException)
                {
                    throw new IOException($"The download of {archive.FileName} broke off after {have + session:N0} bytes ({Reason(e)}); run again to resume from there.", e);
                }
            }
        }

        string sha1 = Sha1Of(part, archive, cancellationToken);
        if (!string.Equals(sha1, archive.Sha1, StringComparison.OrdinalIgnoreCase))
        {
            long size = new FileInfo(part).Length;
            File.Delete(part);
            throw new IOException($"{archive.FileName}: SHA-1 {sha1} does not match the published {archive.Sha1} ({size:N0} bytes); the file was deleted, run again to download it afresh.");
        }
        File.Move(part, final, overwrite: true);
        return final;
    }

    private string Sha1Of(string path, FmaArchive archive, CancellationToken cancellationToken)
    {
        Progress?.Report(new DownloadProgress(archive.FileName, new FileInfo(path).Length, null, 0, "verifying"));
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        var buffer = new byte[1 << 20];
        int n;
        while ((n = stream.Read(buffer)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            sha.AppendData(buffer, 0, n);
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static string Reason(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is SocketException s)
                return $"{s.SocketErrorCode} ({s.Message})";
        }
        return e is TaskCanceledException ? "the connection timed out" : e.Message;
    }

    /// <summary>
    /// Extracts a zip archive into <paramref name="folder"/>, refusing entries that would land outside it (absolute
    /// paths, drive letters, <c>..</c> segments: "zip slip"). Files that already exist with the entry's size are skipped,
    /// so an interrupted extraction continues; each file is written to a temporary name and renamed when complete.
    /// </summary>
    /// <param name="zipPath">The archive.</param>
    /// <param name="folder">Destination folder (created if needed).</param>
    /// <param name="progress">Optional progress (entries done, as bytes, of the total uncompressed size).</param>
    /// <param name="cancellationToken">Cancels between files.</param>
    /// <returns>The number of files written (not counting skipped ones).</returns>
    /// <exception cref="InvalidDataException">An entry's path is unsafe (nothing is extracted), or the archive is damaged.</exception>
    public static int ExtractSafely(string zipPath, string folder, IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(zipPath);
        ArgumentNullException.ThrowIfNull(folder);
        string root = Path.GetFullPath(folder);
        string rootWithSep = root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar;
        using var zip = ZipFile.OpenRead(zipPath);
        var targets = new List<(ZipArchiveEntry Entry, string Path)>();
        foreach (var entry in zip.Entries)
        {
            string name = entry.FullName.Replace('\\', '/');
            bool unsafePath = name.StartsWith('/') || (name.Length >= 2 && name[1] == ':') || Path.IsPathRooted(name)
                || Array.Exists(name.Split('/'), s => s == "..");
            string target = Path.GetFullPath(Path.Combine(root, name));
            if (unsafePath || !(target + (name.EndsWith('/') ? Path.DirectorySeparatorChar : "")).StartsWith(rootWithSep, StringComparison.Ordinal))
                throw new InvalidDataException($"{zipPath}: the entry '{entry.FullName}' would be written outside '{root}'; refusing to extract this archive.");
            targets.Add((entry, target));
        }

        Directory.CreateDirectory(root);
        long total = 0, done = 0;
        foreach (var (e, _) in targets)
            total += e.Length;
        int written = 0;
        foreach (var (entry, target) in targets)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (entry.FullName.EndsWith('/') || entry.FullName.EndsWith('\\'))
            {
                Directory.CreateDirectory(target);
                continue;
            }
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (!(File.Exists(target) && new FileInfo(target).Length == entry.Length))
            {
                string temp = target + ".extracting";
                entry.ExtractToFile(temp, overwrite: true);
                File.Move(temp, target, overwrite: true);
                written++;
            }
            done += entry.Length;
            progress?.Report(new DownloadProgress(Path.GetFileName(zipPath), done, total, 0, "extracting"));
        }
        return written;
    }
}
