using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace MelGenre.Tests.Training;

/// <summary>A trained classifier used from several threads at once, as ML.NET apps do.</summary>
[Collection(TorchCollection.Name)]
public sealed class ConcurrencyTests
{
    private sealed class Prediction
    {
        [VectorType]
        public float[] Score { get; set; } = Array.Empty<float>();
    }

    [Fact]
    public void Prediction_engines_on_several_threads_give_the_same_scores_as_one_thread()
    {
        var ml = new MLContext(1);
        var rows = SyntheticGenres.Make(6, seed: 4);
        var model = ml.MulticlassClassification.Trainers.Crnn(TrainerTests.SmallCrnn(2)).Fit(SyntheticGenres.Load(ml, rows));
        using var reference = ml.Model.CreatePredictionEngine<FeatureRow, Prediction>(model);
        var expected = rows.Select(r => reference.Predict(r).Score).ToArray();

        var results = new float[4][][];
        using var start = new Barrier(4);
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, t =>
        {
            using var engine = ml.Model.CreatePredictionEngine<FeatureRow, Prediction>(model);
            start.SignalAndWait();
            results[t] = Enumerable.Range(0, 3).SelectMany(_ => rows.Select(r => engine.Predict(r).Score)).ToArray();
        });

        foreach (var result in results)
        {
            for (int i = 0; i < result.Length; i++)
                Assert.Equal(expected[i % rows.Count], result[i]);
        }
    }

    [Fact]
    public void Scoring_does_not_leak_tensors()
    {
        var ml = new MLContext(1);
        var rows = SyntheticGenres.Make(5, seed: 4);
        var data = SyntheticGenres.Load(ml, rows);
        var options = TrainerTests.SmallCrnn(1);
        options.InferenceBatchSize = 3;
        var model = ml.MulticlassClassification.Trainers.Crnn(options).Fit(data);
        using var engine = ml.Model.CreatePredictionEngine<FeatureRow, Prediction>(model);
        void Pass()
        {
            _ = model.Transform(data).GetColumn<float[]>("Score").ToList();
            foreach (var r in rows.Take(4))
                engine.Predict(r);
        }
        Pass();
        MelGenre.Tests.Networks.TensorLeakTests.Settle();
        long live = TorchSharp.torch.Tensor.TotalCount;
        for (int i = 0; i < 3; i++)
            Pass();
        MelGenre.Tests.Networks.TensorLeakTests.Settle();
        Assert.Equal(live, TorchSharp.torch.Tensor.TotalCount);
    }
}
