using System;
using System.IO;
using System.Linq;
using MelGenre.Dsp;
using MelGenre.Recipes;
using MelGenre.Tests.Dsp;
using MelGenre.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace MelGenre.Tests.Pipeline;

/// <summary>FMA's full 518-value vector (<see cref="FmaFeatureSettings.IncludeCqt"/>): layout, pipeline, persistence, recipe.</summary>
public sealed class FmaCqtVectorTests : IDisposable
{
    private readonly string _dir = TestAudio.NewFolder();

    private static string Clip => Path.Combine(AppContext.BaseDirectory, "TestData", "fma_000002.mp3");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class PathRow
    {
        public string Path { get; set; } = "";
    }

    [Fact]
    public void Fma_518_vector_of_clip_000002_is_the_308_and_the_210_placed_by_the_index_map()
    {
        (float[] y, int sr) = FmaFeatureGoldenTests.Load("fma_000002_native");
        var settings = new FmaFeatureSettings { SampleRate = sr };
        float[] stft = new FmaFeatureVector(settings).Compute(y);
        float[] cqt = new FmaCqtFeatures().Compute(y, sr);
        var full = new FmaFeatureVector(settings with { IncludeCqt = true });
        Assert.Equal(518, full.VectorLength);
        var vector = new float[518];
        full.ComputeVector(y, vector);

        var expected = new float[518];
        var fromCqt = new bool[518];
        for (int i = 0; i < cqt.Length; i++)
        {
            expected[FmaCqtFeatures.FullVectorIndex[i]] = cqt[i];
            fromCqt[FmaCqtFeatures.FullVectorIndex[i]] = true;
        }

        int next = 0;
        for (int slot = 0; slot < 518; slot++)
        {
            if (!fromCqt[slot])
                expected[slot] = stft[next++];
        }

        Assert.Equal(308, next);
        Assert.Equal(expected, vector);
        // The documented layout: 0-167 and 469-510 from the CQT, 168-468 and 511-517 the 308 values in order.
        Assert.Equal(stft[..301], vector[168..469]);
        Assert.Equal(stft[301..], vector[511..]);
        Assert.Equal(FmaCqtFeatures.FullSlotNames, full.VectorSlotNames);
        Assert.Equal("chroma_cens/kurtosis/01", full.VectorSlotNames[0]);
        Assert.Equal("zcr/std/01", full.VectorSlotNames[517]);
    }

    [Fact]
    public void Fma_cqt_pipeline_gives_518_named_slots_and_saves_and_loads()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new PathRow { Path = Clip } });
        IEstimator<ITransformer> Road(bool cqt) => ml.Transforms.LoadAudio("Audio", "Path", sampleRate: 44100)
            .Append(ml.Transforms.ExtractFmaFeatures(new ExtractFmaFeaturesEstimator.Options
            {
                OutputColumnName = "Features", InputColumnName = "Audio", Settings = new FmaFeatureSettings { IncludeCqt = cqt },
            }));
        var full = Road(true).Fit(data);
        var scored = full.Transform(data);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 518), scored.Schema["Features"].Type);
        VBuffer<ReadOnlyMemory<char>> names = default;
        scored.Schema["Features"].Annotations.GetValue("SlotNames", ref names);
        Assert.Equal(FmaCqtFeatures.FullSlotNames, names.DenseValues().Select(n => n.ToString()));
        float[] v518 = scored.GetColumn<float[]>("Features").Single();

        // The 308 path is unchanged and its values sit in the 518 where the index map says.
        var short308 = Road(false).Fit(data).Transform(data);
        Assert.Equal(FmaVectorRecipe.VectorType, short308.Schema["Features"].Type);
        float[] v308 = short308.GetColumn<float[]>("Features").Single();
        var cqtSlots = FmaCqtFeatures.FullVectorIndex.ToHashSet();
        Assert.Equal(v308, Enumerable.Range(0, 518).Where(i => !cqtSlots.Contains(i)).Select(i => v518[i]));

        string zip = Path.Combine(_dir, "fma518.zip");
        ml.Model.Save(full, data.Schema, zip);
        var loaded = new MLContext(seed: 2).RegisterMelGenre().Model.Load(zip, out _);
        Assert.Equal(v518, loaded.Transform(data).GetColumn<float[]>("Features").Single());
        var recipe = FmaVectorRecipe.FromModel(loaded);
        Assert.True(recipe.Features.IncludeCqt);
        Assert.Equal(518, recipe.FeatureType.Size);
    }

    [Fact]
    public void Fma_recipe_with_cqt_has_518_values_and_a_new_fingerprint_while_the_308_fingerprint_is_kept()
    {
        var plain = FmaVectorRecipe.Default;
        var cqt = plain with { Features = plain.Features with { IncludeCqt = true } };
        Assert.Equal(308, plain.FeatureType.Size);
        Assert.Equal(518, cqt.FeatureType.Size);
        Assert.Equal(FmaCqtFeatures.FullSlotNames, cqt.SlotNames);
        Assert.DoesNotContain("cqt", plain.Describe(), StringComparison.Ordinal);
        Assert.StartsWith("fma features v1 (308 values); load: sr=44100", plain.Describe(), StringComparison.Ordinal);
        Assert.Contains("(518 values)", cqt.Describe(), StringComparison.Ordinal);
        Assert.NotEqual(plain.Fingerprint, cqt.Fingerprint);
    }
}
