using MelGenre.Audio;
using Xunit;

namespace MelGenre.Tests.Audio;

/// <summary>
/// A fact that needs the native audio libraries (it tests libsndfile/libsoxr themselves, writes its inputs with
/// libsndfile, or compares the managed path with the native one): skipped with the reason, never passed, when
/// libsndfile or libsoxr does not load in this process (e.g. MELGENRE_LIBSNDFILE pointing at a missing file, or a
/// machine without them). Decided when the tests are discovered.
/// </summary>
public sealed class NativeAudioFactAttribute : FactAttribute
{
    public NativeAudioFactAttribute()
    {
        if (AudioBackendSelector.NativeUnavailableReason is string why)
            Skip = "needs the native audio libraries (libsndfile + libsoxr), which do not load here: " + why;
    }
}

/// <summary>The theory twin of <see cref="NativeAudioFactAttribute"/>.</summary>
public sealed class NativeAudioTheoryAttribute : TheoryAttribute
{
    public NativeAudioTheoryAttribute()
    {
        if (AudioBackendSelector.NativeUnavailableReason is string why)
            Skip = "needs the native audio libraries (libsndfile + libsoxr), which do not load here: " + why;
    }
}
