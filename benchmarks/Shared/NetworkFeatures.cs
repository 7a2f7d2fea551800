// Shared by MelGenre.SideBySide and MelGenre.Benchmarks (linked into both projects).
using System;
using MelGenre.Audio;
using MelGenre.Dsp;

namespace MelGenre.BenchmarkSupport;

/// <summary>
/// The original work's network input for one clip: mel spectrogram (n_fft 2048, hop 1024, 128 mels, Slaney,
/// centred with zero padding), power_to_db(ref = max, top_db 80), the "log scaling" (dB x ln(10)/10), first 640
/// frames, time-major [640, 128]. One instance per thread (the extractor holds scratch).
/// </summary>
internal sealed class NetworkFeatures
{
    public const int SampleRate = 22050;
    public const int Frames = 640;
    public const int Mels = 128;
    public const int Size = Frames * Mels;

    private readonly MelSpectrogram _mel = new(new MelSpectrogramSettings { HopLength = 1024 });

    public float[] Compute(float[] signal)
    {
        float[] mel = _mel.Compute(signal);
        Decibels.PowerToDb(mel, mel, referenceIsMax: true);
        Decibels.DecibelsToNaturalLog(mel, mel);
        int frames = mel.Length / Mels;
        if (frames < Frames)
            throw new InvalidOperationException($"clip has {frames} frames at hop 1024, fewer than {Frames}");
        var result = new float[Size];
        for (int m = 0; m < Mels; m++)
        {
            var row = mel.AsSpan(m * frames, Frames);
            for (int t = 0; t < Frames; t++)
                result[(t * Mels) + m] = row[t];
        }
        return result;
    }

    /// <summary>Decode + resample (LoadMono, like librosa.load(path)) + features.</summary>
    public float[] FromFile(string path) => Compute(AudioDecoder.LoadMono(path, SampleRate));
}
