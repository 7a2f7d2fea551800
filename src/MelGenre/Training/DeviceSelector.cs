using System;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Runtime;
using TorchSharp;

namespace MelGenre.Training;

/// <summary>Chooses the torch device from the trainer options and the MLContext's GPU settings.</summary>
internal static class DeviceSelector
{
    internal static bool IsWellFormed(string device)
    {
        string d = device.Trim().ToLowerInvariant();
        if (d is "cpu" or "cuda")
            return true;
        return d.StartsWith("cuda:", StringComparison.Ordinal)
            && int.TryParse(d.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out _);
    }

    /// <summary>
    /// Resolves the device. CUDA that is asked for but unavailable is an error naming the package to add,
    /// unless CPU fallback is allowed (then a warning goes to the MLContext log).
    /// </summary>
    internal static torch.Device Resolve(IHostEnvironment env, string? requested, bool? allowFallback, IChannel ch)
    {
        var ml = env as MLContext;
        string device = requested?.Trim().ToLowerInvariant()
            ?? (ml?.GpuDeviceId is int id ? $"cuda:{id}" : "cpu");
        bool fallback = allowFallback ?? ml?.FallbackToCpu ?? false;
        if (device == "cpu")
            return torch.CPU;

        int index = device == "cuda" ? 0 : int.Parse(device.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture);
        bool available = torch.cuda.is_available();
        int count = available ? torch.cuda.device_count() : 0;
        if (available && index < count)
            return torch.device(DeviceType.CUDA, index);

        string why = available
            ? $"CUDA device {index} was requested but only {count} CUDA device(s) exist"
            : "CUDA was requested but TorchSharp has no CUDA backend loaded: the application must reference a CUDA " +
              "backend package (TorchSharp-cuda-linux or TorchSharp-cuda-windows, instead of libtorch-cpu-*) and the machine needs an NVIDIA driver";
        if (!fallback)
            throw new InvalidOperationException($"{why}. Set Device = \"cpu\", or AllowCpuFallback = true (or MLContext.FallbackToCpu) to train on the CPU instead.");
        ch.Warning(MessageSensitivity.None, "{0}; falling back to the CPU as allowed.", why);
        return torch.CPU;
    }
}
