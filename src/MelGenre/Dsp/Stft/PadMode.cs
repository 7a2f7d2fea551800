
namespace MelGenre.Dsp;

/// <summary>
/// How the signal is extended at both ends when frames are centred (<see cref="MelSpectrogramSettings.Center"/>),
/// with the semantics of the matching <c>numpy.pad</c> mode as used by <c>librosa.stft(center=True)</c>.
/// </summary>
public enum PadMode
{
    /// <summary>Zero padding (<c>numpy.pad(mode="constant")</c>, librosa 0.10+ default).</summary>
    Constant,

    /// <summary>
    /// Mirror padding without repeating the edge sample (<c>numpy.pad(mode="reflect")</c>): <c>[a b c d]</c> padded by 2
    /// is <c>[c b a b c d c b]</c>. Padding longer than the signal keeps reflecting back and forth, like numpy.
    /// </summary>
    Reflect,
}
