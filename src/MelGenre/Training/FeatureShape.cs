using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace MelGenre.Training;

/// <summary>
/// The shape facts of a feature column, checked at Fit and stored with the model: the column is
/// <c>Vector&lt;Single, Rows, Columns&gt;</c> in <see cref="Layout"/>, and the networks see its first
/// <see cref="FramesUsed"/> frames.
/// </summary>
internal sealed record FeatureShape(int Rows, int Columns, FeatureLayout Layout, int FramesUsed)
{
    /// <summary>Mel bins per frame.</summary>
    public int Mels => Layout == FeatureLayout.MelsByFrames ? Rows : Columns;

    /// <summary>Frames per clip in the column.</summary>
    public int FramesAvailable => Layout == FeatureLayout.MelsByFrames ? Columns : Rows;

    /// <summary>Values per clip (<c>Rows * Columns</c>).</summary>
    public int Size => Rows * Columns;

    /// <summary>The column's ML.NET type.</summary>
    public VectorDataViewType Type => new(NumberDataViewType.Single, Rows, Columns);

    /// <summary>Turns a [batch, rows, columns] tensor into the networks' [batch, framesUsed, mels] (contiguous).</summary>
    public Tensor ToNetworkInput(Tensor batch) => Layout == FeatureLayout.MelsByFrames
        ? batch.narrow(2, 0, FramesUsed).transpose(1, 2).contiguous()
        : batch.narrow(1, 0, FramesUsed).contiguous();
}
