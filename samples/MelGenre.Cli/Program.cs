// melgenre: reproduce the FMA-small genre classifiers end to end, or classify your own music.
// With no arguments it runs the built-in demo (synthetic audio); `melgenre --help` lists the commands.
// First, before anything loads libtorch: glibc's allocator keeps large tensors for reuse, and OpenMP threads sleep
// rather than spin at barriers (issue 14; benchmarks/README.md).
MelGenre.Training.MelGenreRuntime.Configure();
return MelGenre.Cli.CliApp.Run(args);
