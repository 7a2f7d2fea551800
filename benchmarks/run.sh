#!/usr/bin/env bash
# Side-by-side benchmark: MelGenre (benchmarks/MelGenre.SideBySide) against a Python reference
# (benchmarks/python/reference.py: torchaudio 0.13, soundfile, PyTorch 1.13 from Debian) on the same inputs,
# in the same run, section by section in alternation (reference, then MelGenre), then one merged table:
# printed, and written to benchmarks/results/side-by-side.md (+ .json; raw per-process JSON in results/raw).
#
#   bash benchmarks/run.sh            # full run: 2 rounds, a 6,400-clip epoch; about 7 minutes on 2 cores
#   bash benchmarks/run.sh --quick    # 1 round, fewer repetitions, a 640-clip epoch: about 3 minutes (smoke test)
#
# Needs the FMA sample beside the repository (../shared/data/fma-sample/fma_small, or MELGENRE_FMA_SAMPLE).
# Not part of scripts/test.sh or CI: the numbers need a quiet machine and minutes of CPU.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument '$arg' (--quick, --help)" >&2; exit 2 ;;
  esac
done

source scripts/setup.sh
source benchmarks/python/setup.sh

data=${MELGENRE_FMA_SAMPLE:-../shared/data/fma-sample/fma_small}
if [ ! -d "$data" ]; then
  echo "run.sh: FMA sample folder '$data' not found (set MELGENRE_FMA_SAMPLE to a folder of FMA MP3s)" >&2
  exit 1
fi
out=benchmarks/results
inputs=$out/inputs
raw=$out/raw
rm -rf "$raw"
mkdir -p "$raw" "$inputs"

echo "building MelGenre.SideBySide (Release)..." >&2
dotnet build benchmarks/MelGenre.SideBySide -c Release -nologo -v quiet >/dev/null
net=(dotnet benchmarks/MelGenre.SideBySide/bin/Release/net10.0/MelGenre.SideBySide.dll)
py=("$MELGENRE_BENCH_PYTHON" benchmarks/python/reference.py)

# The PyTorch networks must be MelGenre's (parameter counts 133,568 and 85,544); models.py exits otherwise.
"$MELGENRE_BENCH_PYTHON" benchmarks/python/models.py >/dev/null

# Each round runs every section on both sides, alternating reference / MelGenre per section (and per network
# and thread count for training), so that both sides see the same machine load; the report pools the samples
# of all rounds (median of all of them).
if [ $quick -eq 1 ]; then
  rounds=1; mel_reps=10; clip_passes=1; train_reps=3; infer_reps=8; epoch_clips=640
else
  rounds=2; mel_reps=20; clip_passes=2; train_reps=5; infer_reps=12; epoch_clips=6400
fi

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
start=$(date +%s)
"${net[@]}" prepare --clip tests/MelGenre.Tests/TestData/fma_000002.mp3 --data "$data" --out "$inputs"

both() { # tag, then the arguments of both sides' "run" command
  local tag=$1; shift
  "${py[@]}" run --inputs "$inputs" --out "$raw/reference-$tag.json" "$@"
  "${net[@]}" run --inputs "$inputs" --out "$raw/melgenre-$tag.json" "$@"
}
for round in $(seq $rounds); do
  echo "== round $round/$rounds: mel + dB" >&2
  both "mel-$round" --section mel --reps $mel_reps
  echo "== round $round/$rounds: clips" >&2
  both "clips-$round" --section clips --reps $clip_passes
  for threads in 1 2; do
    for model in crnn pcrnn; do
      echo "== round $round/$rounds: train $model, $threads thread(s)" >&2
      both "train-$model-t$threads-$round" --section train --models $model --threads $threads --reps $train_reps
    done
    echo "== round $round/$rounds: inference, $threads thread(s)" >&2
    both "infer-t$threads-$round" --section infer --threads $threads --reps $infer_reps
  done
done

echo "== memory (dedicated processes)" >&2
"${py[@]}" memory --kind features --inputs "$inputs" --out "$raw/reference-memory-features.json"
"${net[@]}" memory --kind features --inputs "$inputs" --out "$raw/melgenre-memory-features.json" --threads 2
"${py[@]}" memory --kind epoch --inputs "$inputs" --out "$raw/reference-memory-epoch.json" --clips $epoch_clips --threads 2
"${net[@]}" memory --kind epoch --inputs "$inputs" --out "$raw/melgenre-memory-epoch.json" --clips $epoch_clips --threads 2

load_after=$(cut -d' ' -f1-3 /proc/loadavg)
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
note="Run $(date -u '+%Y-%m-%d %H:%M UTC')$([ $quick -eq 1 ] && echo ' (--quick)'), $(( $(date +%s) - start )) s; $cpu, $(nproc) cores, \
$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(. /etc/os-release && echo "$PRETTY_NAME"); \
load average (1/5/15 min) before $load_before, after $load_after."
echo >&2
"$MELGENRE_BENCH_PYTHON" benchmarks/python/report.py "$raw" --md "$out/side-by-side.md" --json "$out/side-by-side.json" --note "$note"
echo
echo "$note"
echo "written: $out/side-by-side.md, $out/side-by-side.json (raw: $raw)"
