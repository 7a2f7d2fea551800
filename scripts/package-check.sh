#!/usr/bin/env bash
# Packs MelGenre, checks the package's contents, then builds and runs tests/PackageConsumer against the
# package from a local folder feed (not a project reference): that is how users get MelGenre.
set -euo pipefail
cd "$(dirname "$0")/.."
feed="artifacts/feed"
version="0.2.0-local.$(date +%Y%m%d%H%M%S)"
rm -rf "$feed" && mkdir -p "$feed"
dotnet pack src/MelGenre/MelGenre.csproj -c Release -nologo -v quiet -o "$feed" -p:Version="$version"
pkg="$feed/MelGenre.$version.nupkg"
[ -f "$pkg" ] || { echo "package-check: $pkg was not produced" >&2; exit 1; }
listing=$(unzip -l "$pkg")
for f in README.md lib/net10.0/MelGenre.dll lib/net10.0/MelGenre.xml MelGenre.nuspec \
         buildTransitive/MelGenre.targets buildTransitive/ElfVersionPatcher.cs; do
  grep -q " $f\$" <<<"$listing" || { echo "package-check: $f missing from the package" >&2; exit 1; }
done
nuspec=$(unzip -p "$pkg" MelGenre.nuspec)
grep -q '<license type="expression">MIT</license>' <<<"$nuspec" || { echo "package-check: MIT licence missing from nuspec" >&2; exit 1; }
grep -q 'id="Microsoft.ML"' <<<"$nuspec" || { echo "package-check: Microsoft.ML dependency missing" >&2; exit 1; }
grep -q 'id="TorchSharp"' <<<"$nuspec" || { echo "package-check: TorchSharp dependency missing" >&2; exit 1; }
if grep -qi 'libtorch' <<<"$nuspec"; then echo "package-check: the library must not depend on a native libtorch backend" >&2; exit 1; fi
dotnet build tests/PackageConsumer/PackageConsumer.csproj -c Release -nologo -v quiet \
  -p:MelGenreVersion="$version" -p:RestoreAdditionalProjectSources="$(pwd)/$feed" -o artifacts/consumer
dotnet artifacts/consumer/PackageConsumer.dll
# The package's buildTransitive/MelGenre.targets must have patched the consumer's copy of libLibTorchSharp.so
# where the system libstdc++ lacks GLIBCXX_3.4.32 (Debian 12), and left it alone elsewhere.
so=artifacts/consumer/runtimes/linux-x64/native/libLibTorchSharp.so
if [ "$(uname -s)" = Linux ] && [ -f "$so" ] && command -v readelf >/dev/null; then
  # (Captured into variables: with pipefail, "readelf | grep -q" fails when grep exits early.)
  libs=$(ldconfig -p 2>/dev/null || /sbin/ldconfig -p)
  stdcxx=$(awk '/libstdc\+\+\.so\.6 .*x86-64/ && !found { print $NF; found = 1 }' <<<"$libs")
  if [ -n "$stdcxx" ]; then
    provided=$(readelf -V "$stdcxx"); needed=$(readelf -V "$so")
    if ! grep -q 'GLIBCXX_3\.4\.32' <<<"$provided" && ! grep -q 'GLIBCXX_3\.4\.32 *Flags: WEAK' <<<"$needed"; then
      echo "package-check: $so was not patched by the package's buildTransitive targets" >&2; exit 1
    fi
  fi
fi
echo "package-check: MelGenre $version packs and works from a folder feed"
