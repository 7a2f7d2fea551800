using System;
using System.Globalization;
using System.IO;
using MelGenre.Dsp;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace MelGenre.Transforms;

/// <summary>
/// Estimator for <see cref="SummarizeFramesTransformer"/>: per-row statistics over time of a <c>[row, frame]</c> feature
/// column (FMA's <c>feature_stats</c>), output as a flat <c>Vector&lt;Single, statistics × rows&gt;</c> with slot names
/// such as <c>mfcc/mean/01</c>. Created by <c>mlContext.Transforms.SummarizeFrames(...)</c>.
/// </summary>
public sealed class SummarizeFramesEstimator : VectorEstimatorBase<SummarizeFramesTransformer, FrameSummarySettings>
{
    /// <summary>Options of <see cref="SummarizeFramesEstimator"/>: the columns (input <c>Vector&lt;Single, rows, frames&gt;</c> or <c>Vector&lt;Single, frames&gt;</c>, one row) and a <see cref="FrameSummarySettings"/> record.</summary>
    public sealed class Options : ColumnTransformOptions<FrameSummarySettings>
    {
        /// <summary>Output column "Statistics", all seven statistics.</summary>
        public Options()
            : base("Statistics", FrameSummarySettings.Default)
        {
        }
    }

    internal SummarizeFramesEstimator(IHostEnvironment env, Options options)
        : base(env, options, SummarizeFramesTransformer.Component, slotNames: true, s => s.Validate())
    {
    }

    private protected override SummarizeFramesTransformer CreateTransformer(IHostEnvironment env) => new(env, OutputColumnName, InputColumnName, Settings with { SlotNamePrefix = Settings.SlotNamePrefix ?? InputColumnName });
}

/// <summary>
/// Summarises a <c>[row, frame]</c> feature (for example MFCCs or chroma) over time with numpy's mean, std, median, min,
/// max and scipy.stats' skew and kurtosis (Fisher, biased), as FMA's <c>features.py</c> does. The output is
/// statistic-major, <c>[statistic, row]</c> flattened, with slot names <c>prefix/statistic/NN</c> (rows numbered from 01,
/// FMA's <c>features.csv</c> naming), ready for ML.NET's trainers. Immutable and safe for concurrent use.
/// </summary>
public sealed class SummarizeFramesTransformer : VectorTransformerBase<FrameSummarySettings>
{
    internal const string LoaderSignatureValue = "MelGenre.SummarizeFrames";
    internal const string Component = "SummarizeFrames";

    internal SummarizeFramesTransformer(IHostEnvironment env, string output, string input, FrameSummarySettings settings)
        : base(env, nameof(SummarizeFramesTransformer), output, input, settings, LoaderSignatureValue, FrameSummaryPayload.Instance)
    {
    }


    private static SummarizeFramesTransformer Create(IHostEnvironment env, object loadContext)
    {
        var (output, input, settings) = LoadPayload(loadContext, LoaderSignatureValue, CurrentPayloadVersion, FrameSummaryPayload.Instance);
        return new SummarizeFramesTransformer(env, output, input, settings with { SlotNamePrefix = settings.SlotNamePrefix ?? input });
    }

    /// <summary>Slot names <c>prefix/statistic/NN</c> in output order.</summary>
    internal static string[] SlotNames(string prefix, FrameStatistic statistics, int rows)
    {
        var stats = FrameStatistics.Expand(statistics);
        var names = new string[stats.Count * rows];
        for (int s = 0; s < stats.Count; s++)
        {
            for (int r = 0; r < rows; r++)
                names[(s * rows) + r] = string.Format(CultureInfo.InvariantCulture, "{0}/{1}/{2:00}", prefix, FrameStatistics.NameOf(stats[s]), r + 1);
        }

        return names;
    }

    private protected override VectorBinding Bind(DataViewSchema inputSchema)
    {
        var (index, rows, frames) = FeatureSchema.BindMatrix(inputSchema, InputColumnName, "Vector<Single, rows, frames> or Vector<Single, frames>");
        if (frames < 1 || rows < 1)
            throw SchemaErrors.Mismatch(InputColumnName, "a vector with at least one frame", inputSchema[index].Type.ToString()!);
        string[] names = SlotNames(Settings.SlotNamePrefix!, Settings.Statistics, rows);
        var s = Settings;
        return new VectorBinding(rows * frames, new VectorDataViewType(NumberDataViewType.Single, names.Length),
            () => (src, dst) => FrameStatistics.Summarize(src, rows, s.Statistics, dst, s.ConstantRowMoment), FeatureSchema.SlotNames(names));
    }
}
