// melgenre: reproduce the FMA-small genre classifiers end to end, or classify your own music.
// With no arguments it runs the built-in demo (synthetic audio); `melgenre --help` lists the commands.
return MelGenre.Cli.CliApp.Run(args);
