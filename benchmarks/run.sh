#!/usr/bin/env bash
# Side-by-side benchmark: MelGenre (benchmarks/MelGenre.SideBySide) against a Python reference
# (benchmarks/python/reference.py: torchaudio 0.13, soundfile, PyTorch 1.13 from Debian) on the same inputs,
# in the same run, section by section in alternation (reference, then MelGenre), then one merged table:
# printed, and written to benchmarks/results/side-by-side.md (+ .json; raw per-process JSON in results/raw).
#
#   bash benchmarks/run.sh            # full run: 2 rounds, a 6,400-clip epoch; about 7 minutes on 2 cores
#   bash benchmarks/run.sh --quick    # 1 round, fewer repetitions, a 640-clip epoch: about 3 minutes (smoke test)
#   bash benchmarks/run.sh --speed    # issue 14's rows only, back to back (12 minutes at load 20-45): train steps, inference,
#                                     # the old runtime settings beside the new, and the busy-machine epochs
#
# Needs the FMA sample beside the repository (../shared/data/fma-sample/fma_small, or MELGENRE_FMA_SAMPLE).
# Not part of scripts/test.sh or CI: the numbers need a quiet machine and minutes of CPU.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
speed=0
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    --speed) speed=1 ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument '$arg' (--quick, --speed, --help)" >&2; exit 2 ;;
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

# Issue 14 (--speed): every row of the speed issue in one run, each pair back to back, the load beside each.
# MelGenre.SideBySide applies MelGenreRuntime.Configure() (glibc allocator thresholds, passive OpenMP) at start-up as
# the CLI does; --old-runtime runs it without, the behaviour before issue 14. The busy rows start one competing
# CPU-bound process (a Python busy loop), time one epoch through the ML.NET trainer with its default thread count,
# and stop it; PyTorch's plain loop (2 threads, its default) beside them for reference.
hog=""
trap '[ -n "$hog" ] && kill "$hog" 2>/dev/null; true' EXIT   # never leave the competing process behind
speed_rows() {
  local speed_dir=$out/speed loads
  rm -rf "$speed_dir"; mkdir -p "$speed_dir"
  loads=$speed_dir/loads.tsv
  : > "$loads"
  mark() { printf '%s\t%s\n' "$1" "$(cut -d' ' -f1-3 /proc/loadavg)" >> "$loads"; }
  mark start
  echo "== speed: train steps, 1 thread (PyTorch default, MelGenre new, MelGenre old runtime)" >&2
  "${py[@]}" run --inputs "$inputs" --out "$speed_dir/reference-train.json" --section train --models crnn,pcrnn --threads 1 --reps 2
  mark train-reference
  "${net[@]}" run --inputs "$inputs" --out "$speed_dir/melgenre-train.json" --section train --models crnn,pcrnn --threads 1 --reps 2
  mark train-melgenre
  "${net[@]}" run --old-runtime --inputs "$inputs" --out "$speed_dir/melgenre-old-train.json" --section train --models pcrnn --threads 1 --reps 2
  mark train-melgenre-old
  echo "== speed: inference from features, batch 1, 1 thread" >&2
  "${py[@]}" run --inputs "$inputs" --out "$speed_dir/reference-infer.json" --section infer --models pcrnn --threads 1 --reps 12
  mark infer-reference
  "${net[@]}" run --inputs "$inputs" --out "$speed_dir/melgenre-infer.json" --section infer --models pcrnn --threads 1 --reps 12
  mark infer-melgenre
  "${net[@]}" run --old-runtime --inputs "$inputs" --out "$speed_dir/melgenre-old-infer.json" --section infer --models pcrnn --threads 1 --reps 12
  mark infer-melgenre-old
  local model clips
  for model in crnn pcrnn; do
    if [ "$model" = crnn ]; then clips=320; else clips=64; fi
    for tag in quiet busy; do
      if [ $tag = busy ]; then
        "$MELGENRE_BENCH_PYTHON" -c 'while True: pass' &
        hog=$!
        sleep 1
      fi
      echo "== speed: $model epoch of $clips clips, $tag" >&2
      "${net[@]}" epoch --model $model --clips $clips --tag $tag --inputs "$inputs" --out "$speed_dir/melgenre-epoch-$model-new-$tag.json"
      mark "epoch-$model-new-$tag"
      "${net[@]}" epoch --old-runtime --model $model --clips $clips --tag $tag --inputs "$inputs" --out "$speed_dir/melgenre-epoch-$model-old-$tag.json"
      mark "epoch-$model-old-$tag"
      "${py[@]}" memory --kind epoch --models $model --clips $clips --threads 2 --inputs "$inputs" --out "$speed_dir/reference-epoch-$model-$tag.json"
      mark "epoch-$model-reference-$tag"
      if [ $tag = busy ]; then kill "$hog"; wait "$hog" 2>/dev/null || true; hog=""; fi
    done
  done
  mark end
  "$MELGENRE_BENCH_PYTHON" benchmarks/python/speed_report.py "$speed_dir" --md "$speed_dir/speed.md"
}
if [ $speed -eq 1 ]; then
  start=$(date +%s)
  "${net[@]}" prepare --clip tests/MelGenre.Tests/TestData/fma_000002.mp3 --data "$data" --out "$inputs"
  speed_rows
  echo "Run $(date -u '+%Y-%m-%d %H:%M UTC') (--speed), $(( $(date +%s) - start )) s; $(nproc) cores; written: $out/speed/speed.md"
  exit 0
fi

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
