using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using MelGenre.Audio;
using MelGenre.Audio.Managed;
using MelGenre.Tests.Cli;
using Xunit;

namespace MelGenre.Tests.Audio.Managed;

/// <summary>A fact that xunit reports as skipped (with the reason) when the 62-clip FMA sample is not beside the repository.</summary>
public sealed class FmaClipsFactAttribute : FactAttribute
{
    public FmaClipsFactAttribute()
    {
        if (FmaSample.Folder is null)
        {
            Skip = "The FMA sample (../shared/data/fma-sample beside the repository) is not present; the managed-vs-native MP3 parity test needs its 62 real clips.";
        }
    }
}

/// <summary>Managed MP3 decoding against libsndfile+mpg123 on the 62 real FMA clips.</summary>
public sealed class ManagedFmaParityTests
{
    /// <summary>
    /// Tolerance, for every clip: GetInfo frames and decoded length identical to native, no lag (compared sample by
    /// sample without any shift), SNR ≥ 120 dB (measured 127-133 dB), and the first non-zero sample at the same index.
    /// </summary>
    [FmaClipsFact]
    public void All_clips_same_length_alignment_and_within120_d_b()
    {
        string[] clips = Directory.GetFiles(FmaSample.Folder!, "*.mp3", SearchOption.AllDirectories).OrderBy(p => p, StringComparer.Ordinal).ToArray();
        Assert.Equal(62, clips.Length);
        var failures = new List<string>();
        double worst = double.PositiveInfinity;
        foreach (string clip in clips)
        {
            float[] native = AudioDecoder.ReadMono(clip, out int nsr);
            float[] managed = ManagedAudioDecoder.ReadMono(clip, out int msr);
            long nativeInfo = AudioDecoder.GetInfo(clip).Frames;
            long managedInfo = ManagedAudioDecoder.GetInfo(clip).Frames;
            double snr = ManagedTestSupport.SnrDb(native, managed);
            worst = Math.Min(worst, snr);
            int nativeFirst = Array.FindIndex(native, v => v != 0f);
            int managedFirst = Array.FindIndex(managed, v => v != 0f);
            if (native.Length != managed.Length || nativeInfo != managedInfo || nsr != msr || snr < 120 || nativeFirst != managedFirst)
            {
                failures.Add($"{Path.GetFileName(clip)}: length {native.Length}/{managed.Length}, info {nativeInfo}/{managedInfo}, " +
                             $"rate {nsr}/{msr}, SNR {snr:F1} dB, first non-zero {nativeFirst}/{managedFirst}");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {clips.Length} clips differ (worst SNR {worst:F1} dB):\n" + string.Join("\n", failures));
    }
}
