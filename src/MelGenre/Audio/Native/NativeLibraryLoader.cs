using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;

namespace MelGenre.Audio;

/// <summary>
/// Finds and loads the native audio libraries (libsndfile, libsoxr) by trying the names they have on
/// Linux (versioned sonames, because the unversioned ones only come with the -dev packages), macOS
/// and Windows, next to the assembly and on the system search path.
/// </summary>
/// <remarks>
/// We resolve entry points ourselves (<see cref="NativeLibrary.GetExport"/> into unmanaged function
/// pointers) instead of installing a <see cref="NativeLibrary.SetDllImportResolver"/>: that resolver can
/// be set only once per assembly, and other parts of MelGenre may need it. Loading is lazy, so a
/// machine without the libraries can still use everything that does not decode or resample.
/// </remarks>
internal static class NativeLibraryLoader
{
    /// <summary>How to install both libraries, quoted in every "library missing" message.</summary>
    internal const string InstallHint =
        "On Debian/Ubuntu install them with 'apt-get install libsndfile1 libsoxr0'; " +
        "on macOS with 'brew install libsndfile libsoxr'; on Windows put sndfile.dll and soxr.dll next to the application";

    /// <summary>Candidate file names of libsndfile, most specific first.</summary>
    internal static IReadOnlyList<string> SndFileCandidates { get; } = BuildCandidates(
        "MELGENRE_LIBSNDFILE",
        linux: ["libsndfile.so.1", "libsndfile.so"],
        mac: ["libsndfile.1.dylib", "libsndfile.dylib", "/opt/homebrew/lib/libsndfile.1.dylib", "/usr/local/lib/libsndfile.1.dylib"],
        windows: ["sndfile.dll", "libsndfile-1.dll", "libsndfile.dll"]);

    /// <summary>Candidate file names of libsoxr, most specific first.</summary>
    internal static IReadOnlyList<string> SoxrCandidates { get; } = BuildCandidates(
        "MELGENRE_LIBSOXR",
        linux: ["libsoxr.so.0", "libsoxr.so"],
        mac: ["libsoxr.0.dylib", "libsoxr.dylib", "/opt/homebrew/lib/libsoxr.0.dylib", "/usr/local/lib/libsoxr.0.dylib"],
        windows: ["soxr.dll", "libsoxr.dll", "libsoxr-0.dll"]);

    private static string[] BuildCandidates(string environmentVariable, string[] linux, string[] mac, string[] windows)
    {
        var names = new List<string>();
        // An explicit path wins, and is the only candidate: lets a deployment point at a private build without touching
        // the search path, and lets tests make a library unloadable (a path that does not exist) to exercise the managed
        // backend's Auto fallback.
        string? overridePath = Environment.GetEnvironmentVariable(environmentVariable);
        if (!string.IsNullOrWhiteSpace(overridePath))
        {
            return [overridePath];
        }

        if (OperatingSystem.IsWindows())
        {
            names.AddRange(windows);
        }
        else if (OperatingSystem.IsMacOS() || OperatingSystem.IsMacCatalyst())
        {
            names.AddRange(mac);
        }
        else
        {
            names.AddRange(linux);
        }

        return names.ToArray();
    }

    /// <summary>
    /// Loads the first candidate that exists. Throws <see cref="DllNotFoundException"/> naming the library,
    /// the names tried and how to install it.
    /// </summary>
    internal static IntPtr Load(string displayName, IReadOnlyList<string> candidates)
    {
        Assembly assembly = typeof(NativeLibraryLoader).Assembly;
        var failures = new List<string>();
        foreach (string candidate in candidates)
        {
            // Next to our assembly first (app-local or NuGet runtimes/ deployment), then the OS search path.
            if (NativeLibrary.TryLoad(candidate, assembly, DllImportSearchPath.AssemblyDirectory | DllImportSearchPath.SafeDirectories, out IntPtr handle) ||
                NativeLibrary.TryLoad(candidate, out handle))
            {
                return handle;
            }

            failures.Add(candidate);
        }

        throw new DllNotFoundException(
            $"The native library {displayName} could not be loaded (tried: {string.Join(", ", failures)}). {InstallHint}.");
    }

    /// <summary>Looks up an exported function, with a clear error if the library is too old to have it.</summary>
    internal static IntPtr Export(IntPtr library, string displayName, string function)
    {
        if (NativeLibrary.TryGetExport(library, function, out IntPtr address))
        {
            return address;
        }

        throw new EntryPointNotFoundException(
            $"The native library {displayName} was found but has no function '{function}'; it is probably too old. {InstallHint}.");
    }

    /// <summary>Copies a NUL-terminated UTF-8 C string (may be null).</summary>
    internal static unsafe string? FromUtf8(byte* text) =>
        text == null ? null : Marshal.PtrToStringUTF8((IntPtr)text);

    /// <summary>Whether the exception means "native library or entry point is missing".</summary>
    internal static bool IsMissingLibrary(Exception e) =>
        e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException;

    /// <summary>Full path of a file for messages; falls back to the given text if it is not a valid path.</summary>
    internal static string SafeFullPath(string path)
    {
        try
        {
            return Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException or System.Security.SecurityException)
        {
            return path;
        }
    }
}
