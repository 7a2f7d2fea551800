// The .NET half of the side-by-side comparison (benchmarks/run.sh runs it beside benchmarks/python/reference.py).
//
//   prepare --clip MP3 --data DIR --out DIR        writes the shared inputs both sides read
//   run --section mel|clips|train|infer --inputs DIR --out FILE.json [--reps N] [--threads 1,2] [--models crnn,pcrnn]
//   memory --kind features|epoch --inputs DIR --out FILE.json [--clips N] [--threads N]
//   profile [--threads N]                          op-by-op timings of the parallel CNN-RNN (diagnostics)
//   epoch --model crnn|pcrnn --inputs DIR --out FILE.json [--clips N] [--tag quiet|busy]
//                                                  one epoch through the ML.NET trainer with its default threads
//
// Every command first applies MelGenreRuntime.Configure() (glibc allocator thresholds, passive OpenMP waiting), as the
// CLI does; --old-runtime anywhere on the command line skips it (the behaviour before issue 14), for comparison.
//
// Every timing is the median of N repetitions after warm-up, single process, the thread counts given.
// Results are JSON with the same ids as the Python reference writes; benchmarks/python/report.py merges them.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using MelGenre.SideBySide;

var argsList = args.ToList();
bool oldRuntime = argsList.Remove("--old-runtime");
string runtime = oldRuntime ? "old" : "new";
if (!oldRuntime)
    MelGenre.Training.MelGenreRuntime.Configure(); // before the first TorchSharp call: OpenMP reads its environment once
if (argsList.Count == 0 || argsList[0] is "-h" or "--help")
{
    Console.WriteLine("usage: MelGenre.SideBySide prepare|run|memory [options]  (see benchmarks/README.md)");
    return argsList.Count == 0 ? 2 : 0;
}

string command = argsList[0];
var options = Cli.Parse(argsList.Skip(1).ToArray());
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

try
{
    switch (command)
    {
        case "prepare":
            Inputs.Prepare(options.Require("clip"), options.Require("data"), options.Require("out"));
            return 0;
        case "run":
        {
            var inputs = Inputs.Load(options.Require("inputs"));
            var report = new Report(options.Get("section") ?? "all");
            int reps = int.Parse(options.Get("reps") ?? "0", CultureInfo.InvariantCulture);
            int[] threads = (options.Get("threads") ?? "1,2").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            string[] models = (options.Get("models") ?? "crnn,pcrnn").Split(',');
            switch (report.Section)
            {
                case "mel": FrontEnd.Mel(inputs, report, reps > 0 ? reps : 30); break;
                case "clips": FrontEnd.Clips(inputs, report, reps > 0 ? reps : 3); break;
                case "train": Networks.Train(inputs, report, reps > 0 ? reps : 10, threads, models); break;
                case "infer": Networks.Infer(inputs, report, reps > 0 ? reps : 20, threads, models); break;
                default: throw new ArgumentException($"unknown section '{report.Section}' (mel, clips, train, infer)");
            }
            report.Write(options.Require("out"));
            return 0;
        }
        case "memory":
        {
            string kind = options.Require("kind");
            var inputs = Inputs.Load(options.Require("inputs"), withSignals: kind != "features");
            var report = new Report("memory-" + kind);
            if (kind == "features")
                Memory.Features(inputs, report, int.Parse(options.Get("threads") ?? "2", CultureInfo.InvariantCulture));
            else if (kind == "epoch")
                Memory.Epoch(inputs, report, int.Parse(options.Get("clips") ?? "6400", CultureInfo.InvariantCulture),
                    int.Parse(options.Get("threads") ?? "2", CultureInfo.InvariantCulture));
            else
                throw new ArgumentException($"unknown memory kind '{kind}' (features, epoch)");
            report.Write(options.Require("out"));
            return 0;
        }
        case "epoch":
        {
            // Issue 14's busy-machine rows: one epoch with the trainer's default thread count, run by benchmarks/run.sh
            // quiet and beside one competing CPU-bound process, with the new runtime settings and with --old-runtime.
            string model = options.Require("model");
            string tag = options.Get("tag") ?? "quiet";
            int clips = int.Parse(options.Get("clips") ?? "320", CultureInfo.InvariantCulture);
            var inputs = Inputs.Load(options.Require("inputs"));
            var report = new Report("epoch");
            var (seconds, fitSeconds, _, peak) = Memory.TrainEpoch(inputs, model, clips, threads: null);
            report.Add(new Result($"epoch_{model}_{runtime}_{tag}", seconds, "s")
            {
                Threads = MelGenre.Training.MelGenreRuntime.DefaultThreads,
                Note = $"{clips} clips, trainer default threads, runtime {runtime}, {tag}; Fit {fitSeconds:0.0} s, peak {peak:0} MiB",
            });
            report.Write(options.Require("out"));
            Console.Error.WriteLine($"epoch {model} {runtime} {tag}: {seconds:0.00} s, {MelGenre.Training.MelGenreRuntime.DefaultThreads} thread(s) (load {File.ReadAllText("/proc/loadavg").Trim()})");
            return 0;
        }
        case "profile":
            Profile.Run(int.Parse(options.Get("threads") ?? "1", CultureInfo.InvariantCulture));
            return 0;
        default:
            Console.Error.WriteLine($"unknown command '{command}' (prepare, run, memory, profile)");
            return 2;
    }
}
catch (Exception e) when (e is ArgumentException or FileNotFoundException or DirectoryNotFoundException)
{
    Console.Error.WriteLine("error: " + e.Message);
    return 2;
}
