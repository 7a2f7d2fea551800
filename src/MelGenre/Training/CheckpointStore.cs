using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace MelGenre.Training;

/// <summary>
/// The end-of-epoch checkpoint of a training run, for <see cref="NetworkTrainerOptions.Resume"/>: one file,
/// <c>checkpoint.mgck</c>, written atomically (a temporary file renamed into place) after every epoch, so an
/// interrupted run (Ctrl-C, kill) leaves the last finished epoch's checkpoint. It holds the network's weights and
/// buffers, Adam's state (moments and step counts), the history (from which the learning-rate schedule, early stopping
/// and best-so-far are replayed exactly: they are functions of the metrics), the best epoch's weights, and torch's
/// default generator state (dropout). The shuffle generator (<see cref="Random"/>, whose state .NET cannot save) is
/// restored by replaying its shuffles from the seed: the same draws, so the same orders.
/// </summary>
internal sealed class CheckpointStore
{
    private static readonly byte[] Magic = "MGCK"u8.ToArray();
    private const int Version = 1;

    /// <summary>The checkpoint file's name in its folder.</summary>
    public const string FileName = "checkpoint.mgck";

    private readonly string _path;
    private readonly string? _identity;
    private byte[] _bestWeights = Array.Empty<byte>();

    /// <param name="directory">The folder (created).</param>
    /// <param name="identity">What the run is (architecture, options, data sizes, seed): a checkpoint of another run is refused.
    /// Null: read any checkpoint, never write (inspection, tests).</param>
    public CheckpointStore(string directory, string? identity)
    {
        Directory.CreateDirectory(directory);
        _path = Path.Combine(Path.GetFullPath(directory), FileName);
        _identity = identity;
    }

    /// <summary>What a checkpoint restores.</summary>
    internal sealed class Saved
    {
        public required int Epoch { get; init; }
        public required bool Stopped { get; init; }
        public required double LearningRate { get; init; }
        public required List<EpochMetrics> History { get; init; }
        public required byte[] RandomState { get; init; }
        public required byte[] Weights { get; init; }
        public required byte[] BestWeights { get; init; }
        public required byte[] Optimizer { get; init; }
    }

    /// <summary>Keeps the network's current weights as the best so far (call when an epoch is the best).</summary>
    public void RememberBest(nn.Module network) => _bestWeights = Serialize(b => network.save(b));

    /// <summary>Writes the checkpoint of a finished epoch atomically.</summary>
    public void Write(int epoch, bool stopped, double learningRate, IReadOnlyList<EpochMetrics> history, nn.Module network, TorchSharp.Modules.OptimizerHelper optimizer)
    {
        using var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(Version);
            w.Write(_identity ?? throw new InvalidOperationException("A checkpoint opened without an identity is read-only."));
            w.Write(epoch);
            w.Write(stopped);
            w.Write(learningRate);
            w.Write(JsonSerializer.Serialize(history));
            using (var state = torch.get_rng_state())
                WriteBytes(w, state.bytes.ToArray());
            WriteBytes(w, Serialize(b => network.save(b)));
            WriteBytes(w, _bestWeights);
            WriteBytes(w, Serialize(b => optimizer.save_state_dict(b)));
        }
        string temp = string.Create(CultureInfo.InvariantCulture, $"{_path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                buffer.Position = 0;
                buffer.CopyTo(file);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, _path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>The checkpoint in the folder, or null when there is none. Throws when it belongs to another run or is damaged.</summary>
    public Saved? TryRead()
    {
        if (!File.Exists(_path))
            return null;
        try
        {
            using var r = new BinaryReader(File.OpenRead(_path), Encoding.UTF8);
            if (!r.ReadBytes(4).AsSpan().SequenceEqual(Magic) || r.ReadInt32() != Version)
                throw new InvalidDataException($"'{_path}' is not a MelGenre checkpoint of this version.");
            string identity = r.ReadString();
            if (_identity is not null && identity != _identity)
                throw new InvalidOperationException($"The checkpoint '{_path}' is of another run ({identity}); this run is {_identity}. Use another checkpoint folder or delete it.");
            var saved = new Saved
            {
                Epoch = r.ReadInt32(),
                Stopped = r.ReadBoolean(),
                LearningRate = r.ReadDouble(),
                History = JsonSerializer.Deserialize<List<EpochMetrics>>(r.ReadString()) ?? new List<EpochMetrics>(),
                RandomState = ReadBytes(r),
                Weights = ReadBytes(r),
                BestWeights = ReadBytes(r),
                Optimizer = ReadBytes(r),
            };
            _bestWeights = saved.BestWeights;
            return saved;
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"The checkpoint '{_path}' is truncated.", e);
        }
    }

    /// <summary>Loads TorchSharp-format weights into <paramref name="network"/>.</summary>
    public static void LoadWeights(nn.Module network, byte[] weights)
    {
        using var r = new BinaryReader(new MemoryStream(weights, writable: false));
        network.load(r);
    }

    /// <summary>Loads Adam's saved state into <paramref name="optimizer"/>.</summary>
    public static void LoadOptimizer(TorchSharp.Modules.OptimizerHelper optimizer, byte[] state)
    {
        using var r = new BinaryReader(new MemoryStream(state, writable: false));
        optimizer.load_state_dict(r);
    }

    /// <summary>Restores torch's default generator.</summary>
    public static void LoadRandomState(byte[] state)
    {
        using var t = torch.tensor(state, dtype: ScalarType.Byte);
        torch.set_rng_state(t);
    }

    private static byte[] Serialize(Action<BinaryWriter> save)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
            save(w);
        return stream.ToArray();
    }

    private static void WriteBytes(BinaryWriter w, byte[] bytes)
    {
        w.Write(bytes.Length);
        w.Write(bytes);
    }

    private static byte[] ReadBytes(BinaryReader r)
    {
        int n = r.ReadInt32();
        var bytes = r.ReadBytes(n);
        if (bytes.Length != n)
            throw new EndOfStreamException();
        return bytes;
    }
}
