namespace MelGenre.Prediction;

/// <summary>What a <see cref="GenreModel"/> reads after its front end.</summary>
public enum GenreFeatureKind
{
    /// <summary>
    /// A log-mel spectrogram, <c>Vector&lt;Single, mels, frames&gt;</c> (row-major [mel, frame]), as
    /// <see cref="Recipes.LogMelRecipe"/> computes it: the input of the MelGenre networks (CRNN, parallel CNN-RNN).
    /// </summary>
    LogMel,

    /// <summary>
    /// The FMA-style clip vector, <c>Vector&lt;Single, 308&gt;</c> (or 518 with the CQT features), as <see cref="Recipes.FmaVectorRecipe"/> computes it:
    /// the input of classical ML.NET trainers (LightGBM, L-BFGS maximum entropy, ...).
    /// </summary>
    FmaVector,
}
