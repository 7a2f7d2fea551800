#!/usr/bin/env bash
# The main job of the README: installs what is missing, then runs the MelGenre sample on built-in data.
# Extra arguments go to the sample (e.g. a folder of audio files).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
dotnet run --project samples/MelGenre.Cli -c Release -- "$@"
