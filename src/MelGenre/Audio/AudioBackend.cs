using System;
using System.Threading;

namespace MelGenre.Audio;

/// <summary>
/// Which implementation decodes and resamples audio. The choice is made at run time and is never saved in a model:
/// a model trained with one backend loads and runs with the other.
/// </summary>
/// <remarks>
/// Precedence, first match wins: (1) the environment variable <c>MELGENRE_AUDIO_BACKEND</c> set to <c>native</c> or
/// <c>managed</c> forces that backend for the whole process (for tests and support; <c>auto</c> or unset forces
/// nothing); (2) the backend asked for in code (<c>AudioLoadingEstimator.Options.Backend</c>, the <c>backend</c>
/// argument of <see cref="AudioDecoder.LoadMono(string, int, double, double?, AudioBackend)"/>); (3) <see cref="Auto"/>.
/// The CLI's <c>--audio-backend</c> sets the variable for its own process, so on the command line the flag beats an
/// inherited variable.
/// </remarks>
public enum AudioBackend
{
    /// <summary>Native when both libsndfile and libsoxr load, otherwise managed. Never an error when managed can decode the file.</summary>
    Auto,

    /// <summary>libsndfile (decoding) and libsoxr (resampling): bit-exact with librosa 0.11; needs both libraries installed.</summary>
    Native,

    /// <summary>
    /// Managed code only (NLayer, NAudio.Core, NVorbis, MelGenre's FLAC decoder and soxr-HQ resampler): runs wherever
    /// .NET runs. Not bit-identical to native: resampling ~131 dB SNR, MP3 ~130 dB; PCM and FLAC decode bit-identical.
    /// </summary>
    Managed,
}

/// <summary>A resolved backend (never <see cref="AudioBackend.Auto"/>) and why it was chosen, in words.</summary>
/// <param name="Backend">Native or Managed.</param>
/// <param name="Reason">Why, e.g. "Auto: libsndfile and libsoxr loaded" or "MELGENRE_AUDIO_BACKEND=managed".</param>
internal readonly record struct AudioBackendChoice(AudioBackend Backend, string Reason)
{
    /// <summary>"native (libsndfile + libsoxr)" or "managed (NLayer/NAudio.Core/NVorbis/FLAC + managed soxr-HQ)".</summary>
    internal string Name => Backend == AudioBackend.Native ? "native (libsndfile + libsoxr)" : "managed (NLayer/NAudio.Core/NVorbis/FLAC + managed soxr-HQ)";

    /// <summary>The one message logged per MLContext and backend.</summary>
    internal string Message => $"Audio is decoded by the {Name} backend: {Reason}.";
}

/// <summary>The single place that turns an <see cref="AudioBackend"/> request into Native or Managed.</summary>
internal static class AudioBackendSelector
{
    /// <summary>The environment variable that forces a backend for the process.</summary>
    internal const string EnvironmentVariable = "MELGENRE_AUDIO_BACKEND";

    // Whether both native libraries load: probed once per process (the library paths are read once per process too).
    private static readonly Lazy<string?> NativeProblem = new(ProbeNative, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Null when libsndfile and libsoxr both load, otherwise why not (the loader's message).</summary>
    internal static string? NativeUnavailableReason => NativeProblem.Value;

    /// <summary>Resolves a request with the process's environment variable and native libraries.</summary>
    /// <exception cref="ArgumentException">The request or <c>MELGENRE_AUDIO_BACKEND</c> is not a known backend.</exception>
    internal static AudioBackendChoice Resolve(AudioBackend requested)
        => Resolve(requested, Environment.GetEnvironmentVariable(EnvironmentVariable), () => NativeUnavailableReason);

    /// <summary>The selection rules, with the environment and the native probe passed in (for tests).</summary>
    internal static AudioBackendChoice Resolve(AudioBackend requested, string? environmentValue, Func<string?> nativeProblem)
    {
        if (!Enum.IsDefined(requested))
            throw new ArgumentException($"The audio backend must be Auto, Native or Managed, got {(int)requested}.", nameof(requested));
        AudioBackend? forced = ParseEnvironment(environmentValue);
        if (forced is AudioBackend f)
            return new AudioBackendChoice(f, $"forced by {EnvironmentVariable}={environmentValue!.Trim()}");
        if (requested != AudioBackend.Auto)
            return new AudioBackendChoice(requested, $"asked for Backend = {requested}");
        string? problem = nativeProblem();
        return problem is null
            ? new AudioBackendChoice(AudioBackend.Native, "Auto, and libsndfile and libsoxr both load")
            : new AudioBackendChoice(AudioBackend.Managed, "Auto, and the native libraries are unavailable (" + problem + ")");
    }

    /// <summary>Parses the variable: null/empty/"auto" force nothing; "native"/"managed" (any case) force that backend.</summary>
    /// <exception cref="ArgumentException">Any other value.</exception>
    internal static AudioBackend? ParseEnvironment(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
            return null;
        return Parse(value, EnvironmentVariable) switch
        {
            AudioBackend.Auto => null,
            var b => b,
        };
    }

    /// <summary>Parses "auto", "native" or "managed" (any case), as the CLI's --audio-backend and the variable take them.</summary>
    /// <exception cref="ArgumentException">Any other value; the message names <paramref name="source"/>.</exception>
    internal static AudioBackend Parse(string value, string source)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Trim().ToLowerInvariant() switch
        {
            "auto" => AudioBackend.Auto,
            "native" => AudioBackend.Native,
            "managed" => AudioBackend.Managed,
            _ => throw new ArgumentException($"{source} must be auto, native or managed, got '{value}'."),
        };
    }

    /// <summary>
    /// The load step's part of a feature recipe's description (and so of the cache fingerprint): native keeps the words
    /// it always had ("resampler=soxr_hq"), so caches built before backends existed stay valid; managed says
    /// "resampler=managed_soxr_hq decoder=managed", because its samples differ in the last bits and a cache built by one
    /// backend must not be read as if the other had built it.
    /// </summary>
    internal static string DescribeLoad(AudioBackend resolved)
        => resolved == AudioBackend.Managed ? "resampler=managed_soxr_hq decoder=managed" : "resampler=soxr_hq";

    /// <summary><see cref="DescribeLoad(AudioBackend)"/> for the backend Auto resolves to in this process.</summary>
    internal static string DescribeLoad() => DescribeLoad(Resolve(AudioBackend.Auto).Backend);

    private static string? ProbeNative()
    {
        try
        {
            _ = SndFileNative.Api;
            _ = SoxrNative.Api;
            return null;
        }
        catch (Exception e) when (NativeLibraryLoader.IsMissingLibrary(e))
        {
            return e.Message;
        }
    }
}
