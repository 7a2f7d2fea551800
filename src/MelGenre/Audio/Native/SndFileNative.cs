using System;
using System.Runtime.InteropServices;
using System.Threading;

namespace MelGenre.Audio;

/// <summary>The SF_INFO struct of sndfile.h (sf_count_t is a 64-bit integer on every platform).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct SfInfo
{
    public long Frames;
    public int SampleRate;
    public int Channels;
    public int Format;
    public int Sections;
    public int Seekable;
}

/// <summary>Constants from sndfile.h (libsndfile 1.1+, which added MPEG).</summary>
internal static class SfConst
{
    public const int Read = 0x10;
    public const int Write = 0x20;

    public const int SeekSet = 0;

    public const int SubMask = 0x0000FFFF;
    public const int TypeMask = 0x0FFF0000;

    // Major formats.
    public const int Wav = 0x010000;
    public const int Aiff = 0x020000;
    public const int Au = 0x030000;
    public const int Raw = 0x040000;
    public const int Paf = 0x050000;
    public const int Svx = 0x060000;
    public const int Nist = 0x070000;
    public const int Voc = 0x080000;
    public const int Ircam = 0x0A0000;
    public const int W64 = 0x0B0000;
    public const int Mat4 = 0x0C0000;
    public const int Mat5 = 0x0D0000;
    public const int Pvf = 0x0E0000;
    public const int Xi = 0x0F0000;
    public const int Htk = 0x100000;
    public const int Sds = 0x110000;
    public const int Avr = 0x120000;
    public const int WavEx = 0x130000;
    public const int Sd2 = 0x160000;
    public const int Flac = 0x170000;
    public const int Caf = 0x180000;
    public const int Wve = 0x190000;
    public const int Ogg = 0x200000;
    public const int Mpc2k = 0x210000;
    public const int Rf64 = 0x220000;
    public const int Mpeg = 0x230000;

    // Subtypes.
    public const int PcmS8 = 0x0001;
    public const int Pcm16 = 0x0002;
    public const int Pcm24 = 0x0003;
    public const int Pcm32 = 0x0004;
    public const int PcmU8 = 0x0005;
    public const int Float = 0x0006;
    public const int Double = 0x0007;
    public const int Ulaw = 0x0010;
    public const int Alaw = 0x0011;
    public const int ImaAdpcm = 0x0012;
    public const int MsAdpcm = 0x0013;
    public const int Gsm610 = 0x0020;
    public const int VoxAdpcm = 0x0021;
    public const int NmsAdpcm16 = 0x0022;
    public const int NmsAdpcm24 = 0x0023;
    public const int NmsAdpcm32 = 0x0024;
    public const int G721_32 = 0x0030;
    public const int G723_24 = 0x0031;
    public const int G723_40 = 0x0032;
    public const int Dwvw12 = 0x0040;
    public const int Dwvw16 = 0x0041;
    public const int Dwvw24 = 0x0042;
    public const int DwvwN = 0x0043;
    public const int Dpcm8 = 0x0050;
    public const int Dpcm16 = 0x0051;
    public const int Vorbis = 0x0060;
    public const int Opus = 0x0064;
    public const int Alac16 = 0x0070;
    public const int Alac20 = 0x0071;
    public const int Alac24 = 0x0072;
    public const int Alac32 = 0x0073;
    public const int MpegLayerI = 0x0080;
    public const int MpegLayerII = 0x0081;
    public const int MpegLayerIII = 0x0082;

    // Error numbers returned by sf_error().
    public const int ErrNone = 0;
    public const int ErrUnrecognisedFormat = 1;
    public const int ErrSystem = 2;
    public const int ErrMalformedFile = 3;
    public const int ErrUnsupportedEncoding = 4;

    // sf_command() verbs.
    public const int CmdGetLibVersion = 0x1000;
    public const int CmdGetLogInfo = 0x1001;
    public const int CmdSetCompressionLevel = 0x1301;
}

/// <summary>
/// The few libsndfile functions we call, as unmanaged function pointers resolved once per process.
/// Every function here is safe to call concurrently on different SNDFILE handles.
/// </summary>
internal sealed unsafe class SndFileNative
{
    internal const string DisplayName = "libsndfile";

    private static readonly Lazy<SndFileNative> Instance =
        new(() => new SndFileNative(), LazyThreadSafetyMode.PublicationOnly);

    /// <summary>The loaded library; throws <see cref="DllNotFoundException"/> with an install hint if it is missing.</summary>
    internal static SndFileNative Api => Instance.Value;

    internal readonly delegate* unmanaged[Cdecl]<byte*, int, SfInfo*, IntPtr> sf_open;
    internal readonly delegate* unmanaged[Cdecl]<char*, int, SfInfo*, IntPtr> sf_wchar_open; // Windows builds only
    internal readonly delegate* unmanaged[Cdecl]<IntPtr, int> sf_close;
    internal readonly delegate* unmanaged[Cdecl]<IntPtr, float*, long, long> sf_readf_float;
    internal readonly delegate* unmanaged[Cdecl]<IntPtr, float*, long, long> sf_writef_float;
    internal readonly delegate* unmanaged[Cdecl]<IntPtr, int*, long, long> sf_writef_int;
    internal readonly delegate* unmanaged[Cdecl]<IntPtr, long, int, long> sf_seek;
    internal readonly delegate* unmanaged[Cdecl]<IntPtr, int> sf_error;
    internal readonly delegate* unmanaged[Cdecl]<IntPtr, byte*> sf_strerror;
    internal readonly delegate* unmanaged[Cdecl]<int, byte*> sf_error_number;
    internal readonly delegate* unmanaged[Cdecl]<IntPtr, int, void*, int, int> sf_command;
    internal readonly delegate* unmanaged[Cdecl]<SfInfo*, int> sf_format_check;

    private SndFileNative()
    {
        IntPtr lib = NativeLibraryLoader.Load(DisplayName, NativeLibraryLoader.SndFileCandidates);
        sf_open = (delegate* unmanaged[Cdecl]<byte*, int, SfInfo*, IntPtr>)NativeLibraryLoader.Export(lib, DisplayName, "sf_open");
        if (OperatingSystem.IsWindows() && NativeLibrary.TryGetExport(lib, "sf_wchar_open", out IntPtr wopen))
        {
            sf_wchar_open = (delegate* unmanaged[Cdecl]<char*, int, SfInfo*, IntPtr>)wopen;
        }

        sf_close = (delegate* unmanaged[Cdecl]<IntPtr, int>)NativeLibraryLoader.Export(lib, DisplayName, "sf_close");
        sf_readf_float = (delegate* unmanaged[Cdecl]<IntPtr, float*, long, long>)NativeLibraryLoader.Export(lib, DisplayName, "sf_readf_float");
        sf_writef_float = (delegate* unmanaged[Cdecl]<IntPtr, float*, long, long>)NativeLibraryLoader.Export(lib, DisplayName, "sf_writef_float");
        sf_writef_int = (delegate* unmanaged[Cdecl]<IntPtr, int*, long, long>)NativeLibraryLoader.Export(lib, DisplayName, "sf_writef_int");
        sf_seek = (delegate* unmanaged[Cdecl]<IntPtr, long, int, long>)NativeLibraryLoader.Export(lib, DisplayName, "sf_seek");
        sf_error = (delegate* unmanaged[Cdecl]<IntPtr, int>)NativeLibraryLoader.Export(lib, DisplayName, "sf_error");
        sf_strerror = (delegate* unmanaged[Cdecl]<IntPtr, byte*>)NativeLibraryLoader.Export(lib, DisplayName, "sf_strerror");
        sf_error_number = (delegate* unmanaged[Cdecl]<int, byte*>)NativeLibraryLoader.Export(lib, DisplayName, "sf_error_number");
        sf_command = (delegate* unmanaged[Cdecl]<IntPtr, int, void*, int, int>)NativeLibraryLoader.Export(lib, DisplayName, "sf_command");
        sf_format_check = (delegate* unmanaged[Cdecl]<SfInfo*, int>)NativeLibraryLoader.Export(lib, DisplayName, "sf_format_check");
    }

    /// <summary>libsndfile's version string, e.g. "libsndfile-1.2.0".</summary>
    internal string Version
    {
        get
        {
            byte* buffer = stackalloc byte[128];
            int length = sf_command(IntPtr.Zero, SfConst.CmdGetLibVersion, buffer, 128);
            return length > 0 ? NativeLibraryLoader.FromUtf8(buffer) ?? "" : "";
        }
    }

    /// <summary>
    /// Opens a file. On Windows uses the wide-character entry point so non-ASCII paths work; elsewhere
    /// passes the path as UTF-8, which is what the file system APIs expect.
    /// </summary>
    internal IntPtr Open(string path, int mode, ref SfInfo info)
    {
        fixed (SfInfo* infoPtr = &info)
        {
            if (sf_wchar_open != null)
            {
                fixed (char* widePath = path)
                {
                    return sf_wchar_open(widePath, mode, infoPtr);
                }
            }

            int maxBytes = System.Text.Encoding.UTF8.GetMaxByteCount(path.Length) + 1;
            byte[] utf8 = new byte[maxBytes];
            int written = System.Text.Encoding.UTF8.GetBytes(path, 0, path.Length, utf8, 0);
            utf8[written] = 0;
            fixed (byte* p = utf8)
            {
                return sf_open(p, mode, infoPtr);
            }
        }
    }

    /// <summary>libsndfile's error text for a handle, or for the last failed sf_open when the handle is zero.</summary>
    internal string ErrorText(IntPtr handle) => NativeLibraryLoader.FromUtf8(sf_strerror(handle)) ?? "unknown error";
}
