using System;
using System.IO;
using Microsoft.Win32.SafeHandles;

namespace MelGenre.Audio;

/// <summary>Owns a SNDFILE* and closes it exactly once, even if the caller forgets (finalizer).</summary>
internal sealed class SndFileHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    internal SndFileHandle(IntPtr handle)
        : base(ownsHandle: true) => SetHandle(handle);

    protected override unsafe bool ReleaseHandle()
    {
        SndFileNative.Api.sf_close(handle);
        return true;
    }
}

/// <summary>
/// An audio file opened for reading through libsndfile, with every way opening can fail turned into an
/// <see cref="AudioDecodeException"/> of the right <see cref="AudioErrorKind"/>.
/// </summary>
internal sealed unsafe class SndFileReader : IDisposable
{
    /// <summary>
    /// libsndfile reports the reason a failed sf_open failed through process-wide state (there is no handle
    /// to hold it), so concurrent failing opens could read each other's error. Opening is serialised on
    /// this lock; it costs well under a millisecond per file, while decoding (outside the lock) is the
    /// expensive part and runs fully in parallel.
    /// </summary>
    private static readonly object OpenLock = new();

    private readonly SndFileHandle _handle;

    private SndFileReader(string path, SndFileHandle handle, SfInfo info, long fileBytes)
    {
        DisplayPath = path;
        _handle = handle;
        Native = info;
        FileBytes = fileBytes;
        Info = new AudioInfo(path, info.SampleRate, info.Channels, info.Frames, SndFileFormat.Describe(info.Format), info.Format);
    }

    /// <summary>The path as given by the caller (used in messages).</summary>
    internal string DisplayPath { get; }

    /// <summary>What libsndfile reported when opening.</summary>
    internal SfInfo Native { get; }

    /// <summary>The public view of <see cref="Native"/>.</summary>
    internal AudioInfo Info { get; }

    /// <summary>Size of the file on disk.</summary>
    internal long FileBytes { get; }

    /// <summary>The raw SNDFILE* for read/seek calls; valid until <see cref="Dispose"/>.</summary>
    internal IntPtr Handle => _handle.DangerousGetHandle();

    /// <summary>
    /// Checks the path, opens it with libsndfile and validates the header. Throws
    /// <see cref="AudioDecodeException"/> (never anything from native code) for every bad file.
    /// </summary>
    internal static SndFileReader Open(string path)
    {
        long bytes = AudioFileChecks.CheckPath(path);

        SndFileNative api = GetApi(path);
        var info = default(SfInfo);
        IntPtr raw;
        int error;
        string errorText;
        lock (OpenLock)
        {
            raw = api.Open(path, SfConst.Read, ref info);
            if (raw != IntPtr.Zero)
            {
                error = 0;
                errorText = "";
            }
            else
            {
                error = api.sf_error(IntPtr.Zero);
                errorText = api.ErrorText(IntPtr.Zero);
            }
        }

        if (raw == IntPtr.Zero)
        {
            throw OpenFailure(path, error, errorText, bytes);
        }

        var handle = new SndFileHandle(raw);
        try
        {
            Validate(path, info);
            return new SndFileReader(path, handle, info, bytes);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>The libsndfile API, or an <see cref="AudioDecodeException"/> naming the file and the missing library.</summary>
    internal static SndFileNative GetApi(string path)
    {
        try
        {
            return SndFileNative.Api;
        }
        catch (Exception e) when (NativeLibraryLoader.IsMissingLibrary(e))
        {
            throw MissingLibrary(path, e);
        }
    }

    /// <summary>The exception for "libsndfile is not installed" while decoding <paramref name="path"/>.</summary>
    internal static AudioDecodeException MissingLibrary(string path, Exception e) =>
        new(path, AudioErrorKind.NativeLibraryMissing, $"decoding needs libsndfile. {e.Message}", e);

    private static AudioDecodeException OpenFailure(string path, int error, string text, long bytes)
    {
        string detail = $"(libsndfile: {text.Trim()})";
        switch (error)
        {
            case SfConst.ErrUnrecognisedFormat:
                return new AudioDecodeException(path, AudioErrorKind.UnsupportedFormat,
                    $"the content ({bytes} bytes) is not a recognised audio format {detail}.");
            case SfConst.ErrUnsupportedEncoding:
                return new AudioDecodeException(path, AudioErrorKind.UnsupportedFormat,
                    $"the audio encoding is not supported {detail}.");
            case SfConst.ErrSystem:
                // fopen() failed although the file existed a moment ago: vanished, or no permission.
                return new AudioDecodeException(path, File.Exists(path) ? AudioErrorKind.Corrupt : AudioErrorKind.FileNotFound,
                    $"the file cannot be opened {detail}.");
        }

        FileSignature signature = FileSignatureSniffer.Sniff(path);
        if (error == ErrBadFile && signature != FileSignature.Other || error == ErrBadFile && HasMpegExtension(path))
        {
            // When no header matches, libsndfile hands files named *.mp3 (and anything starting with an ID3
            // tag or an MPEG frame header) to mpg123; if that finds no decodable frame libsndfile reports
            // SFE_BAD_FILE, whose text ("File does not exist or is not a regular file") is misleading here.
            return signature == FileSignature.Other
                ? new AudioDecodeException(path, AudioErrorKind.UnsupportedFormat,
                    $"the content ({bytes} bytes) is not a recognised audio format: it has no audio header, and the MP3 decoder " +
                    $"(tried because of the file name) found no MPEG audio frames (libsndfile error {error}).")
                : new AudioDecodeException(path, AudioErrorKind.Corrupt,
                    $"it looks like MP3 ({(signature == FileSignature.Id3 ? "it starts with an ID3 tag" : "it starts with an MPEG frame header")}) " +
                    $"but the MP3 decoder found no decodable MPEG audio frames in its {bytes} bytes (libsndfile error {error}).");
        }

        if (signature == FileSignature.Other)
        {
            return new AudioDecodeException(path, AudioErrorKind.UnsupportedFormat,
                $"the content ({bytes} bytes) is not a recognised audio format {detail}.");
        }

        // SF_ERR_MALFORMED_FILE and libsndfile's many specific header errors on a file that does look like audio.
        return new AudioDecodeException(path, AudioErrorKind.Corrupt, $"the file is damaged or malformed {detail}.");
    }

    /// <summary>libsndfile's internal SFE_BAD_FILE, what sf_open reports when mpg123 cannot open a stream.</summary>
    private const int ErrBadFile = 7;

    private static bool HasMpegExtension(string path)
    {
        string ext = Path.GetExtension(path);
        return ext.Equals(".mp3", StringComparison.OrdinalIgnoreCase) || ext.Equals(".mp2", StringComparison.OrdinalIgnoreCase) ||
               ext.Equals(".mp1", StringComparison.OrdinalIgnoreCase) || ext.Equals(".mpga", StringComparison.OrdinalIgnoreCase) ||
               ext.Equals(".mpeg", StringComparison.OrdinalIgnoreCase);
    }

    private static void Validate(string path, SfInfo info)
    {
        if (info.Channels < 1)
        {
            throw new AudioDecodeException(path, AudioErrorKind.Corrupt, $"the header reports {info.Channels} channels.");
        }

        if (info.SampleRate < 1)
        {
            throw new AudioDecodeException(path, AudioErrorKind.Corrupt, $"the header reports a sample rate of {info.SampleRate} Hz.");
        }

        if (info.Frames == 0)
        {
            throw new AudioDecodeException(path, AudioErrorKind.NoAudio,
                $"the file contains no audio samples (0 frames; {SndFileFormat.Describe(info.Format)}).");
        }
    }

    /// <summary>libsndfile's error for this open file, or null if there is none.</summary>
    internal string? CurrentError()
    {
        SndFileNative api = SndFileNative.Api;
        int code = api.sf_error(Handle);
        return code == 0 ? null : api.ErrorText(Handle).Trim();
    }

    /// <inheritdoc />
    public void Dispose() => _handle.Dispose();
}
