using System;
using TorchSharp;
using static TorchSharp.torch;

namespace MelGenre.Training;

/// <summary>
/// Short-excerpt training and test-time averaging on network-input batches <c>[batch, frames, mels]</c>: random
/// crops for training, evenly spaced windows whose softmax outputs are averaged for scoring.
/// </summary>
internal static class Chunking
{
    /// <summary>Start frames of <paramref name="windows"/> windows of <paramref name="chunk"/> frames spread evenly over
    /// <paramref name="frames"/> frames: the first starts at 0, the last ends at the last frame, the others are at
    /// rounded even steps between; a single window is centred (offset <c>(frames - chunk) / 2</c>, rounded down).</summary>
    public static int[] WindowOffsets(int frames, int chunk, int windows)
    {
        if (chunk < 1 || chunk > frames)
            throw new ArgumentOutOfRangeException(nameof(chunk), $"A window of {chunk} frames does not fit {frames} frames.");
        if (windows < 1)
            throw new ArgumentOutOfRangeException(nameof(windows), $"At least one window is needed, got {windows}.");
        var offsets = new int[windows];
        int span = frames - chunk;
        if (windows == 1)
        {
            offsets[0] = span / 2;
            return offsets;
        }
        for (int i = 0; i < windows; i++)
            offsets[i] = (int)Math.Round((double)i * span / (windows - 1), MidpointRounding.AwayFromZero);
        return offsets;
    }

    /// <summary>One random crop of <paramref name="chunk"/> frames per example of <paramref name="x"/> ([batch, frames,
    /// mels]), start uniform in [0, frames - chunk], drawn in example order from <paramref name="rng"/>. Returns a new
    /// contiguous [batch, chunk, mels] tensor; the starts go into <paramref name="offsets"/> when given.</summary>
    public static Tensor RandomCrops(Tensor x, int chunk, Random rng, Span<int> offsets = default)
    {
        int n = (int)x.shape[0], frames = (int)x.shape[1];
        if (chunk > frames)
            throw new ArgumentOutOfRangeException(nameof(chunk), $"A crop of {chunk} frames does not fit {frames} frames.");
        using var scope = torch.NewDisposeScope();
        var crops = new Tensor[n];
        for (int i = 0; i < n; i++)
        {
            int start = rng.Next(frames - chunk + 1);
            if (!offsets.IsEmpty)
                offsets[i] = start;
            crops[i] = x[i].narrow(0, start, chunk);
        }
        return torch.stack(crops, 0).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Class probabilities [batch, classes] for network input [batch, frames, mels]: the softmax of the whole input
    /// without <paramref name="chunk"/>, else the mean of the softmax over <see cref="WindowOffsets"/>' windows.
    /// </summary>
    public static Tensor Probabilities(nn.Module<Tensor, Tensor> network, Tensor x, int? chunk, int windows)
    {
        if (chunk is not int c)
            return nn.functional.softmax(network.forward(x), 1);
        using var scope = torch.NewDisposeScope();
        Tensor? sum = null;
        foreach (int offset in WindowOffsets((int)x.shape[1], c, windows))
        {
            var p = nn.functional.softmax(network.forward(x.narrow(1, offset, c).contiguous()), 1);
            sum = sum is null ? p : sum + p;
        }
        return (sum! / windows).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// Training-time augmentation on a network-input batch [batch, frames, mels], in this order: random gain (an additive
/// shift per example), SpecAugment time masks, frequency masks (filled with the example's mean after the gain), then
/// mixup. All draws come from one generator of its own, seeded from the trainer's seed.
/// </summary>
internal sealed class BatchAugmenter
{
    private readonly NetworkTrainerOptions _o;
    private readonly Random _rng;

    public BatchAugmenter(NetworkTrainerOptions options, Random rng)
    {
        _o = options;
        _rng = rng;
    }

    /// <summary>The augmented batch (a new tensor; <paramref name="x"/> is left unchanged) and, with mixup, the
    /// partner labels and the weight <c>Lambda</c> of the original ones.</summary>
    public (Tensor X, Tensor? PartnerLabels, double Lambda) Apply(Tensor x, Tensor y)
    {
        using var scope = torch.NewDisposeScope();
        int n = (int)x.shape[0], frames = (int)x.shape[1], mels = (int)x.shape[2];
        var result = x.clone();
        if (_o.RandomGainDecibels > 0)
        {
            var gains = new float[n];
            for (int i = 0; i < n; i++)
                gains[i] = (float)((2 * _rng.NextDouble() - 1) * _o.RandomGainDecibels * _o.FeatureUnitsPerDecibel);
            result = result + torch.tensor(gains, device: x.device).view(n, 1, 1);
        }
        bool time = _o.TimeMaskCount > 0 && _o.TimeMaskMaxFrames > 0, frequency = _o.FrequencyMaskCount > 0 && _o.FrequencyMaskMaxBins > 0;
        if (time || frequency)
        {
            var means = result.mean(new long[] { 1, 2 }).to(torch.CPU).data<float>().ToArray();
            for (int i = 0; i < n; i++)
            {
                var example = result[i];
                if (time)
                    Mask(example, 0, frames, _o.TimeMaskCount, _o.TimeMaskMaxFrames, means[i]);
                if (frequency)
                    Mask(example, 1, mels, _o.FrequencyMaskCount, _o.FrequencyMaskMaxBins, means[i]);
            }
        }
        Tensor? partners = null;
        double lambda = 1;
        if (_o.MixupAlpha > 0)
        {
            lambda = Beta(_o.MixupAlpha);
            var perm = new long[n];
            for (int i = 0; i < n; i++)
                perm[i] = i;
            for (int i = n - 1; i > 0; i--)
            {
                int j = _rng.Next(i + 1);
                (perm[i], perm[j]) = (perm[j], perm[i]);
            }
            var index = torch.tensor(perm, device: x.device);
            result = result * lambda + result.index_select(0, index) * (1 - lambda);
            partners = y.index_select(0, index).MoveToOuterDisposeScope();
        }
        return (result.MoveToOuterDisposeScope(), partners, lambda);
    }

    private void Mask(Tensor example, int dim, int length, int count, int maxWidth, float value)
    {
        for (int m = 0; m < count; m++)
        {
            int width = _rng.Next(Math.Min(maxWidth, length) + 1);
            int start = _rng.Next(length - width + 1);
            if (width > 0)
                example.narrow(dim, start, width).fill_(value);
        }
    }

    /// <summary>A Beta(a, a) draw as X / (X + Y) of two Gamma(a) draws.</summary>
    private double Beta(double a)
    {
        double x = Gamma(a), y = Gamma(a);
        return x + y > 0 ? x / (x + y) : 0.5;
    }

    /// <summary>Gamma(a, 1) by Marsaglia and Tsang (2000), boosted for a &lt; 1.</summary>
    private double Gamma(double a)
    {
        if (a < 1)
            return Gamma(a + 1) * Math.Pow(1 - _rng.NextDouble(), 1 / a);
        double d = a - 1.0 / 3, c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double z, v;
            do
            {
                double u1 = 1 - _rng.NextDouble(), u2 = _rng.NextDouble();
                z = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
                v = 1 + c * z;
            }
            while (v <= 0);
            v = v * v * v;
            double u = 1 - _rng.NextDouble();
            if (Math.Log(u) < 0.5 * z * z + d - d * v + d * Math.Log(v))
                return d * v;
        }
    }
}
