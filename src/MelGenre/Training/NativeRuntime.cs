using System;
using System.Runtime.InteropServices;

namespace MelGenre.Training;

/// <summary>
/// Process-wide settings for libtorch's native runtime that make CPU training and inference faster on a typical
/// machine: the C allocator (glibc) and OpenMP's waiting policy. MelGenre applies them in the processes it controls
/// (the CLI, the benchmarks, the tests); a library user calls <see cref="Configure"/> once, first thing in
/// <c>Main</c>, before any TorchSharp or MelGenre training call. Every method is harmless off Linux/glibc.
/// See benchmarks/README.md ("Issue 14") for the measurements.
/// </summary>
public static class MelGenreRuntime
{
    // glibc <malloc.h>
    private const int M_TRIM_THRESHOLD = -1;
    private const int M_MMAP_THRESHOLD = -3;

    /// <summary>Blocks up to this size come from the heap (and stay there when freed) instead of a fresh mmap.</summary>
    public const int AllocatorThresholdBytes = 1 << 30;

    private static readonly object Gate = new();
    private static bool _allocatorTuned;

    /// <summary>
    /// Applies <see cref="TuneNativeAllocator"/> and <see cref="PreferPassiveOpenMpWaiting"/>. Call it before the first
    /// TorchSharp call of the process (the OpenMP setting is read when libtorch loads); calling it later still tunes
    /// the allocator. Returns a one-line description of what was set.
    /// </summary>
    public static string Configure()
    {
        bool allocator = TuneNativeAllocator();
        bool passive = PreferPassiveOpenMpWaiting();
        return $"native allocator tuned: {(allocator ? "yes" : "no (not glibc)")}; OpenMP wait policy: {(passive ? "passive" : "left as set")}";
    }

    /// <summary>
    /// Linux/glibc: raises malloc's mmap and trim thresholds to 1 GiB (<c>mallopt(M_MMAP_THRESHOLD)</c>,
    /// <c>mallopt(M_TRIM_THRESHOLD)</c>), so that libtorch's large activation buffers (167 MB per tensor in the parallel
    /// CNN-RNN's first conv block at batch 32) are reused from the heap instead of being mapped and page-faulted anew on
    /// every allocation. The same as starting the process with
    /// <c>GLIBC_TUNABLES=glibc.malloc.mmap_threshold=1073741824:glibc.malloc.trim_threshold=1073741824</c>. The cost: freed
    /// memory is kept by the process for reuse rather than returned to the system. Returns false (and does nothing)
    /// elsewhere. Idempotent; effective at any time, best before training starts.
    /// </summary>
    public static bool TuneNativeAllocator()
    {
        if (!OperatingSystem.IsLinux())
            return false;
        lock (Gate)
        {
            if (_allocatorTuned)
                return true;
            try
            {
                // Trim first: setting the mmap threshold disables glibc's dynamic threshold, the trim one keeps freed tops.
                bool ok = mallopt(M_TRIM_THRESHOLD, AllocatorThresholdBytes) == 1
                    & mallopt(M_MMAP_THRESHOLD, AllocatorThresholdBytes) == 1;
                _allocatorTuned = ok;
                return ok;
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                return false; // musl or another libc without mallopt
            }
        }
    }

    /// <summary>
    /// Sets <c>OMP_WAIT_POLICY=PASSIVE</c> in the native environment when it is not set already, so that libtorch's
    /// OpenMP threads sleep at barriers instead of spinning: without it a 2-thread training run collapses when any
    /// other process wants a core. Only effective before libtorch is loaded (OpenMP reads its environment once);
    /// .NET's <see cref="Environment.SetEnvironmentVariable(string, string)"/> does not reach native code on Unix, hence
    /// <c>setenv</c>. Returns true when the policy is passive (set here or already), false when the user chose another
    /// policy or the platform has no <c>setenv</c>.
    /// </summary>
    public static bool PreferPassiveOpenMpWaiting()
    {
        const string name = "OMP_WAIT_POLICY";
        string? current = Environment.GetEnvironmentVariable(name);
        if (current is not null)
            return string.Equals(current, "PASSIVE", StringComparison.OrdinalIgnoreCase);
        Environment.SetEnvironmentVariable(name, "PASSIVE");
        if (OperatingSystem.IsWindows())
            return true; // SetEnvironmentVariable changes the process environment native code reads
        try
        {
            return setenv(name, "PASSIVE", 0) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>
    /// Intra-op threads MelGenre uses when <see cref="NetworkTrainerOptions.Threads"/> is null:
    /// <see cref="Environment.ProcessorCount"/>, which .NET computes from the CPUs the process may run on (affinity
    /// mask) and any cgroup CPU quota (containers), unlike libtorch's own default (the machine's cores).
    /// </summary>
    public static int DefaultThreads => Math.Max(1, Environment.ProcessorCount);

    [DllImport("libc.so.6", EntryPoint = "mallopt")]
    private static extern int mallopt(int param, int value);

    [DllImport("libc.so.6", EntryPoint = "setenv")]
    private static extern int setenv([MarshalAs(UnmanagedType.LPStr)] string name, [MarshalAs(UnmanagedType.LPStr)] string value, int overwrite);
}
