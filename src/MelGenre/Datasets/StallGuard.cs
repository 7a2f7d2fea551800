using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace MelGenre.Datasets;

/// <summary>Reads from a network stream with a limit on how long one read may wait for data.</summary>
internal static class StallGuard
{
    /// <summary>
    /// <c>stream.ReadAsync(buffer)</c>, but a read that gets no data within <paramref name="stall"/> throws
    /// <see cref="TimeoutException"/> (cancellation by <paramref name="cancellationToken"/> stays an
    /// <see cref="OperationCanceledException"/>).
    /// </summary>
    public static async Task<int> ReadAsync(Stream stream, Memory<byte> buffer, TimeSpan stall, CancellationToken cancellationToken)
    {
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        guard.CancelAfter(stall);
        try
        {
            return await stream.ReadAsync(buffer, guard.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException && !cancellationToken.IsCancellationRequested && guard.IsCancellationRequested)
        {
            throw new TimeoutException($"No data for {stall.TotalSeconds:0.#} s.", e);
        }
    }
}
