using System;
using System.IO;
using System.Linq;
using MelGenre.Audio;
using MelGenre.Dsp;
using MelGenre.Tests.Dsp;
using MelGenre.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;
using Xunit.Abstractions;

namespace MelGenre.Tests.Pipeline;

/// <summary>
/// The real FMA clip 000002 (44.1 kHz stereo MP3) end to end against librosa 0.11:
/// librosa.load(path, sr=None, mono=True) then melspectrogram(sr=44100, n_fft=2048, hop_length=1024, n_mels=128).
/// </summary>
public sealed class FmaClipParityTests
{
    /// <summary>Relative error allowed where the golden power exceeds 1e-8 of its maximum; elsewhere absolute error up to 1e-8 × max.</summary>
    private const double RelativeTolerance = 1e-4;
    private const double SignificantFraction = 1e-8;

    private static string Clip => Path.Combine(AppContext.BaseDirectory, "TestData", "fma_000002.mp3");

    private readonly ITestOutputHelper _output;

    public FmaClipParityTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void Decoded_clip_mel_spectrogram_matches_librosa()
    {
        float[] y = AudioDecoder.ReadMono(Clip, out int rate);
        Assert.Equal(44100, rate);
        var (golden, entry) = GoldenData.Read("mel_fma_000002_native_sr44100_hop1024");
        var extractor = new MelSpectrogram(new MelSpectrogramSettings { SampleRate = 44100, HopLength = 1024 });
        float[] ours = extractor.Compute(y);
        Assert.Equal(entry.Shape, new[] { 128, extractor.GetFrameCount(y.Length) });
        AssertClose(golden, ours);
    }

    [Fact]
    public void Pipeline_at_native_rate_gives_the_same_mel_as_librosa()
    {
        // LoadAudio at the clip's native rate for exactly its length, then the mel transform: the ML.NET
        // route must give what the direct computation (and librosa) gives.
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[] { new PathRow { Path = Clip } });
        var pipeline = ml.Transforms.LoadAudio(new AudioLoadingEstimator.Options
            {
                InputColumnName = "Path",
                OutputColumnName = "Audio",
                ShortAudio = ShortAudioPolicy.Fail,
                Settings = new ExcerptSettings { SampleRate = 44100, DurationSeconds = (1321967 + 0.5) / 44100.0 },
            })
            .Append(ml.Transforms.ExtractMelSpectrogram("Mel", "Audio", sampleRate: 44100, hopLength: 1024));
        var output = pipeline.Fit(data).Transform(data);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 128, 1291), output.Schema["Mel"].Type);
        var (golden, _) = GoldenData.Read("mel_fma_000002_native_sr44100_hop1024");
        AssertClose(golden, output.GetColumn<float[]>("Mel").Single());
    }

    private void AssertClose(float[] golden, float[] ours)
    {
        Assert.Equal(golden.Length, ours.Length);
        double max = golden.Max();
        double worst = 0;
        for (int i = 0; i < golden.Length; i++)
        {
            double err = Math.Abs(ours[i] - golden[i]);
            if (golden[i] > SignificantFraction * max)
            {
                double rel = err / golden[i];
                worst = Math.Max(worst, rel);
                Assert.True(rel <= RelativeTolerance, $"bin {i / 1291}, frame {i % 1291}: {ours[i]} vs librosa {golden[i]} (relative {rel:G3})");
            }
            else
            {
                Assert.True(err <= SignificantFraction * max, $"bin {i / 1291}, frame {i % 1291}: {ours[i]} vs librosa {golden[i]}");
            }
        }
        _output.WriteLine($"max relative error {worst:G3}");
    }
}
