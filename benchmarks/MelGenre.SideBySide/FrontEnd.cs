using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using MelGenre.Audio;
using MelGenre.BenchmarkSupport;
using MelGenre.Dsp;

namespace MelGenre.SideBySide;

/// <summary>Sections (a) and (b): mel + dB of one 30-s clip, and decode + resample + features per FMA MP3.</summary>
internal static class FrontEnd
{
    /// <summary>(a) mel (128, n_fft 2048, Slaney) + power_to_db(ref = max, top_db 80) of the 30-s clip, hop 512 and 1024, one thread.</summary>
    public static void Mel(Inputs inputs, Report report, int reps)
    {
        foreach (int hop in new[] { 512, 1024 })
        {
            var extractor = new MelSpectrogram(new MelSpectrogramSettings { HopLength = hop });
            var samples = Measure.Times(10, reps, () =>
            {
                float[] mel = extractor.Compute(inputs.Clip);
                Decibels.PowerToDb(mel, mel, referenceIsMax: true);
            });
            report.Add(new Result($"mel_db_hop{hop}", Measure.Median(samples), "ms") { Threads = 1, Samples = samples });
        }
    }

    /// <summary>
    /// (b) Per FMA MP3, single-threaded: decode (libsndfile, mono mean), resample 44.1 -> 22.05 kHz (soxr HQ),
    /// network features (hop 1024, dB, log scaling, 640 x 128). <paramref name="passes"/> passes over every clip;
    /// each stage's value is the median over all clip x pass measurements. Then throughput on 2 workers.
    /// </summary>
    public static void Clips(Inputs inputs, Report report, int passes)
    {
        var features = new NetworkFeatures();
        foreach (string mp3 in inputs.Mp3s)
            features.FromFile(mp3); // warm-up pass: JIT tiers, page cache, native libraries

        var decode = new List<double>();
        var resample = new List<double>();
        var feat = new List<double>();
        var total = new List<double>();
        for (int pass = 0; pass < passes; pass++)
        {
            foreach (string mp3 in inputs.Mp3s)
            {
                long t0 = Stopwatch.GetTimestamp();
                float[] native = AudioDecoder.ReadMono(mp3, out int rate);
                long t1 = Stopwatch.GetTimestamp();
                float[] y = rate == NetworkFeatures.SampleRate ? native : Resampler.Resample(native, rate, NetworkFeatures.SampleRate);
                long t2 = Stopwatch.GetTimestamp();
                features.Compute(y);
                long t3 = Stopwatch.GetTimestamp();
                decode.Add(Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds);
                resample.Add(Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds);
                feat.Add(Stopwatch.GetElapsedTime(t2, t3).TotalMilliseconds);
                total.Add(Stopwatch.GetElapsedTime(t0, t3).TotalMilliseconds);
            }
        }
        report.Add(new Result("clip_decode", Measure.Median(decode), "ms") { Threads = 1, Samples = decode.ToArray() });
        report.Add(new Result("clip_resample", Measure.Median(resample), "ms") { Threads = 1, Samples = resample.ToArray() });
        report.Add(new Result("clip_features", Measure.Median(feat), "ms") { Threads = 1, Samples = feat.ToArray() });
        report.Add(new Result("clip_total", Measure.Median(total), "ms") { Threads = 1, Samples = total.ToArray() });

        // Throughput: every clip once per repetition, 2 workers (one per core), one extractor per worker.
        const int workers = 2;
        var perWorker = new System.Threading.ThreadLocal<NetworkFeatures>(() => new NetworkFeatures());
        var rates = new List<double>();
        for (int rep = 0; rep < passes + 1; rep++)
        {
            long start = Stopwatch.GetTimestamp();
            Parallel.For(0, inputs.Mp3s.Length, new ParallelOptions { MaxDegreeOfParallelism = workers },
                i => perWorker.Value!.FromFile(inputs.Mp3s[i]));
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (rep > 0) // the first repetition warms the second worker
                rates.Add(inputs.Mp3s.Length / seconds);
        }
        report.Add(new Result($"clips_per_s_{workers}", Measure.Median(rates), "clips/s") { Threads = workers, Samples = rates.ToArray() });
    }
}
