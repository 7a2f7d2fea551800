#!/usr/bin/env bash
# Installs the Python reference's Debian packages, only when they are missing (the scripts/setup.sh pattern).
# The reference runs on Debian's own interpreter, /usr/bin/python3 (a pyenv or venv python on PATH would not
# see the apt packages): python3-torch 1.13, python3-torchaudio 0.13, python3-soundfile 0.12 (libsndfile, the
# same decoder MelGenre uses), python3-numpy. librosa is not packaged by Debian 12; when some other install
# makes it importable, the reference measures it too.
# Safe to run repeatedly; sourced by benchmarks/run.sh. Exports MELGENRE_BENCH_PYTHON.
set -euo pipefail

MELGENRE_BENCH_PYTHON=${MELGENRE_BENCH_PYTHON:-/usr/bin/python3}
export MELGENRE_BENCH_PYTHON

melgenre_py_has() { "$MELGENRE_BENCH_PYTHON" -c "import $1" >/dev/null 2>&1; }

py_missing=()
melgenre_py_has numpy || py_missing+=(python3-numpy)
melgenre_py_has torch || py_missing+=(python3-torch)
melgenre_py_has torchaudio || py_missing+=(python3-torchaudio)
melgenre_py_has soundfile || py_missing+=(python3-soundfile)

if [ ${#py_missing[@]} -gt 0 ]; then
  if [ "$MELGENRE_BENCH_PYTHON" != /usr/bin/python3 ]; then
    echo "bench setup: $MELGENRE_BENCH_PYTHON lacks ${py_missing[*]}; install them for that interpreter or unset MELGENRE_BENCH_PYTHON" >&2
    exit 1
  fi
  echo "bench setup: installing ${py_missing[*]} (apt; python3-torch is about 300 MB with its dependencies)" >&2
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "bench setup: need root or sudo to run: apt-get install -y ${py_missing[*]}" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${py_missing[@]}" >/dev/null
fi
