
namespace MelGenre.Audio;

/// <summary>Why an audio file could not be decoded.</summary>
public enum AudioErrorKind
{
    /// <summary>The path does not exist, or names a directory rather than a file.</summary>
    FileNotFound,

    /// <summary>The file exists but is 0 bytes long.</summary>
    EmptyFile,

    /// <summary>The content is not an audio format libsndfile recognises or can decode (e.g. a text file named .mp3).</summary>
    UnsupportedFormat,

    /// <summary>The format was recognised but the data is damaged: the header or the audio frames cannot be decoded.</summary>
    Corrupt,

    /// <summary>The file decodes but yields no samples: zero frames, or the requested offset lies at or beyond its end.</summary>
    NoAudio,

    /// <summary>The native library libsndfile (decoding) or libsoxr (resampling) is not installed.</summary>
    NativeLibraryMissing,
}
