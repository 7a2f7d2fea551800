#!/usr/bin/env bash
# Installs what MelGenre needs on a fresh Debian/Ubuntu machine, only when it is missing:
#   - libsndfile1 (in-process decoding of MP3/WAV/FLAC/Ogg), libsoxr0 (resampling) and fonts-dejavu-core
#     (text in the CLI's PNGs), by apt;
#   - the .NET 10 SDK is expected on PATH (https://dot.net); we say so clearly when it is not.
# Safe to run repeatedly; sourced by scripts/test.sh and scripts/demo.sh.
set -euo pipefail

# Outputs are captured before grep reads them: with pipefail, "cmd | grep -q" can fail with SIGPIPE when grep
# stops reading early, which would make a present library look missing.
melgenre_libs=$(ldconfig -p 2>/dev/null || true)
melgenre_need_lib() { grep -q "$1" <<<"$melgenre_libs"; }

missing=()
melgenre_need_lib 'libsndfile\.so\.1' || missing+=(libsndfile1)
melgenre_need_lib 'libsoxr\.so\.0' || missing+=(libsoxr0)
# A font for the CLI's PNG text: ScottPlot draws with SkiaSharp's no-dependencies build (no fontconfig), which
# reads the TrueType files under /usr/share/fonts; without any, the plots would have no labels.
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)

# All three are optional: without libsndfile/libsoxr MelGenre decodes and resamples with its managed backend (slower,
# not bit-identical with librosa: ~130 dB SNR), without the font the PNGs have no labels. So a machine where apt-get is
# unavailable (no root, no sudo, no network, not Debian) gets a warning, not a failure.
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]} (apt)" >&2
  SUDO=none
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  if [ "$SUDO" = none ] || ! command -v apt-get >/dev/null; then
    echo "setup: cannot run apt-get here (needs root or sudo); continuing without ${missing[*]}" >&2
  elif ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null; }; then
    echo "setup: apt-get install ${missing[*]} failed; continuing without them" >&2
  fi
  melgenre_libs=$(ldconfig -p 2>/dev/null || true)
  if ! melgenre_need_lib 'libsndfile\.so\.1' || ! melgenre_need_lib 'libsoxr\.so\.0'; then
    echo "setup: libsndfile/libsoxr not installed: audio is decoded by MelGenre's managed backend (slower; see MELGENRE_AUDIO_BACKEND)" >&2
  fi
fi

if ! command -v dotnet >/dev/null; then
  echo "setup: the .NET SDK (10.0 or later) is not on PATH; install it from https://dot.net and run again." >&2
  exit 1
fi
melgenre_sdks=$(dotnet --list-sdks)
if ! grep -qE '^(1[0-9])\.' <<<"$melgenre_sdks"; then
  echo "setup: MelGenre needs the .NET 10 SDK; found: $(dotnet --list-sdks | tr '\n' ' ')" >&2
  exit 1
fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
