using System;
using System.Runtime.InteropServices;
using System.Threading;

namespace MelGenre.Audio;

/// <summary>soxr_io_spec_t of soxr.h. <c>unsigned long</c> is 32-bit on Windows and 64-bit elsewhere, hence <see cref="CULong"/>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct SoxrIoSpec
{
    public int InputType;
    public int OutputType;
    public double Scale;
    public IntPtr Reserved;
    public CULong Flags;
}

/// <summary>soxr_quality_spec_t of soxr.h.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct SoxrQualitySpec
{
    public double Precision;
    public double PhaseResponse;
    public double PassbandEnd;
    public double StopbandBegin;
    public IntPtr Reserved;
    public CULong Flags;
}

/// <summary>The libsoxr functions we call, as unmanaged function pointers resolved once per process.</summary>
internal sealed unsafe class SoxrNative
{
    internal const string DisplayName = "libsoxr";

    /// <summary>SOXR_FLOAT32_I: interleaved 32-bit float.</summary>
    internal const int Float32Interleaved = 0;

    /// <summary>SOXR_HQ (= SOXR_20_BITQ), the recipe behind python-soxr's 'HQ' and librosa's 'soxr_hq'.</summary>
    internal const uint RecipeHQ = 4;

    private static readonly Lazy<SoxrNative> Instance =
        new(() => new SoxrNative(), LazyThreadSafetyMode.PublicationOnly);

    /// <summary>The loaded library; throws <see cref="DllNotFoundException"/> with an install hint if it is missing.</summary>
    internal static SoxrNative Api => Instance.Value;

    // soxr_t soxr_create(double, double, unsigned, soxr_error_t*, io_spec const*, quality_spec const*, runtime_spec const*)
    internal readonly delegate* unmanaged[Cdecl]<double, double, uint, byte**, SoxrIoSpec*, SoxrQualitySpec*, void*, IntPtr> soxr_create;

    // soxr_error_t soxr_process(soxr_t, soxr_in_t, size_t ilen, size_t* idone, soxr_out_t, size_t olen, size_t* odone)
    internal readonly delegate* unmanaged[Cdecl]<IntPtr, void*, nuint, nuint*, void*, nuint, nuint*, byte*> soxr_process;
    internal readonly delegate* unmanaged[Cdecl]<IntPtr, void> soxr_delete;
    internal readonly delegate* unmanaged[Cdecl]<CULong, CULong, SoxrQualitySpec> soxr_quality_spec;
    internal readonly delegate* unmanaged[Cdecl]<int, int, SoxrIoSpec> soxr_io_spec;
    internal readonly delegate* unmanaged[Cdecl]<byte*> soxr_version;
    internal readonly delegate* unmanaged[Cdecl]<IntPtr, byte*> soxr_engine;

    private SoxrNative()
    {
        IntPtr lib = NativeLibraryLoader.Load(DisplayName, NativeLibraryLoader.SoxrCandidates);
        soxr_create = (delegate* unmanaged[Cdecl]<double, double, uint, byte**, SoxrIoSpec*, SoxrQualitySpec*, void*, IntPtr>)
            NativeLibraryLoader.Export(lib, DisplayName, "soxr_create");
        soxr_process = (delegate* unmanaged[Cdecl]<IntPtr, void*, nuint, nuint*, void*, nuint, nuint*, byte*>)
            NativeLibraryLoader.Export(lib, DisplayName, "soxr_process");
        soxr_delete = (delegate* unmanaged[Cdecl]<IntPtr, void>)NativeLibraryLoader.Export(lib, DisplayName, "soxr_delete");
        soxr_quality_spec = (delegate* unmanaged[Cdecl]<CULong, CULong, SoxrQualitySpec>)NativeLibraryLoader.Export(lib, DisplayName, "soxr_quality_spec");
        soxr_io_spec = (delegate* unmanaged[Cdecl]<int, int, SoxrIoSpec>)NativeLibraryLoader.Export(lib, DisplayName, "soxr_io_spec");
        soxr_version = (delegate* unmanaged[Cdecl]<byte*>)NativeLibraryLoader.Export(lib, DisplayName, "soxr_version");
        soxr_engine = (delegate* unmanaged[Cdecl]<IntPtr, byte*>)NativeLibraryLoader.Export(lib, DisplayName, "soxr_engine");
    }

    /// <summary>libsoxr's version string, e.g. "libsoxr-0.1.3".</summary>
    internal string Version => NativeLibraryLoader.FromUtf8(soxr_version()) ?? "";
}
