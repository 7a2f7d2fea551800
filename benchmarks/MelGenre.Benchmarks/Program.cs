using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/MelGenre.Benchmarks -- --filter '*'
// (see benchmarks/README.md for the recorded figures and the machine they come from)
if (args.Length > 0 && args[0] == "scale") // issue 11: streaming vs in-memory at scale (ScaleBenchmark.cs)
    return MelGenre.Benchmarks.ScaleBenchmark.Run(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(MelGenre.Benchmarks.FrontEndBenchmarks).Assembly).Run(args);
return 0;
