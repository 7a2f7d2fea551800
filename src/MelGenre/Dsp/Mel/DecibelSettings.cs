namespace MelGenre.Dsp;

/// <summary>The reference power that 0 dB stands for.</summary>
public enum DecibelReference
{
    /// <summary>A constant: the reference value (librosa's <c>ref=1.0</c> by default).</summary>
    Constant,

    /// <summary>The maximum of each row, i.e. of each clip's spectrogram (librosa's <c>ref=np.max</c>); the row's loudest bin becomes 0 dB.</summary>
    Maximum,
}

/// <summary>The unit of the log-power transform's output.</summary>
public enum DecibelScale
{
    /// <summary>Decibels, as <c>librosa.power_to_db</c> returns them.</summary>
    Decibels,

    /// <summary>
    /// The original FMA-small work's "log scaling": <c>np.log(librosa.db_to_power(dB))</c>, i.e. dB × ln(10)/10,
    /// the natural log of the referenced power (about [-18.4, 0] with <see cref="DecibelReference.Maximum"/> and top_db 80).
    /// </summary>
    NaturalLog,
}
