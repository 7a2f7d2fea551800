#!/usr/bin/env bash
# Publish check (issue 9 item 7): self-contained publishes of the CLI for Windows and macOS, checking that each
# got its own native libtorch (the CLI's libtorch-cpu-<rid> reference follows the RuntimeIdentifier) and no Linux one.
#   bash scripts/publish-check.sh                 # win-x64 and osx-arm64
#   bash scripts/publish-check.sh win-x64         # one RID
# Output in melgenre-output/publish/<rid> (about 370 MB each). Nothing is run: Windows is run under Wine by
# scripts/windows-smoke.sh; macOS is publish only. Exit code 0 = every publish succeeded and passed its checks.
set -euo pipefail
cd "$(dirname "$0")/.."

rids=("$@")
[ ${#rids[@]} -gt 0 ] || rids=(win-x64 osx-arm64)
for rid in "${rids[@]}"; do
  out=melgenre-output/publish/$rid
  rm -rf "$out"
  echo "publish-check: dotnet publish samples/MelGenre.Cli -c Release -r $rid --self-contained -o $out"
  t0=$(date +%s)
  dotnet publish samples/MelGenre.Cli -c Release -r "$rid" --self-contained -o "$out" -nologo -v quiet
  case "$rid" in
    win-x64) need=(MelGenre.Cli.exe torch_cpu.dll LibTorchSharp.dll lib_lightgbm.dll) ;;
    osx-arm64) need=(MelGenre.Cli libtorch_cpu.dylib libLibTorchSharp.dylib) ;;
    linux-x64) need=(MelGenre.Cli libtorch_cpu.so libLibTorchSharp.so) ;;
    *) need=() ;;
  esac
  for f in "${need[@]}"; do
    [ -f "$out/$f" ] || { echo "publish-check: FAILED: $rid: $f missing" >&2; exit 1; }
  done
  if [ "$rid" != linux-x64 ] && ls "$out" | grep -q '\.so$'; then
    echo "publish-check: FAILED: $rid publish contains Linux .so files" >&2; exit 1
  fi
  echo "publish-check: $rid: exit 0, $(( $(date +%s) - t0 )) s, $(du -sh "$out" | cut -f1); checked ${need[*]}"
done
