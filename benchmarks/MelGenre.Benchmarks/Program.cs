using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/MelGenre.Benchmarks -- --filter '*'
// (see benchmarks/README.md for the recorded figures and the machine they come from)
BenchmarkSwitcher.FromAssembly(typeof(MelGenre.Benchmarks.FrontEndBenchmarks).Assembly).Run(args);
