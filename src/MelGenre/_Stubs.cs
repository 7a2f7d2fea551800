// TEMPORARY stubs of the helpers' APIs so the ML.NET layer compiles; removed at merge. Not committed.
#pragma warning disable CS1591
using System;
using System.Collections.Generic;
using System.IO;
namespace MelGenre.Features
{
    public enum WindowType { Hann, Hamming, Rectangular }
    public enum PadMode { Constant, Reflect }
    public enum MelNormalization { None, Slaney }
    public sealed class MelSpectrogramSettings
    {
        public int SampleRate { get; init; } = 22050; public int FftSize { get; init; } = 2048; public int HopLength { get; init; } = 512;
        public int? WindowLength { get; init; } public WindowType Window { get; init; } public bool Center { get; init; } = true;
        public PadMode PadMode { get; init; } public float Power { get; init; } = 2f; public int MelCount { get; init; } = 128;
        public float MinFrequency { get; init; } public float? MaxFrequency { get; init; } public bool Htk { get; init; }
        public MelNormalization Normalization { get; init; } = MelNormalization.Slaney;
        public IReadOnlyList<string> Validate() => Array.Empty<string>();
    }
    public sealed class MelSpectrogramExtractor
    {
        public MelSpectrogramExtractor(MelSpectrogramSettings s) { Settings = s; }
        public MelSpectrogramSettings Settings { get; }
        public IReadOnlyList<string> Warnings => Array.Empty<string>();
        public int GetFrameCount(int n) => 1 + n / Settings.HopLength;
        public void Compute(ReadOnlySpan<float> samples, Span<float> destination) { for (int i = 0; i < destination.Length; i++) destination[i] = samples[i % samples.Length]; }
    }
    public static class Decibels
    {
        public static void PowerToDb(ReadOnlySpan<float> power, Span<float> destination, float reference = 1f, bool referenceIsMax = false, float amin = 1e-10f, float? topDb = 80f)
        { for (int i = 0; i < power.Length; i++) destination[i] = 10f * MathF.Log10(MathF.Max(amin, power[i]) / reference); }
        public const double NaturalLogPerDecibel = 0.23025850929940458;
        public static void DecibelsToNaturalLog(ReadOnlySpan<float> db, Span<float> destination) { for (int i = 0; i < db.Length; i++) destination[i] = (float)(db[i] * NaturalLogPerDecibel); }
    }
}
