#!/usr/bin/env bash
# Installs the Debian 12 packages that are missing (scripts/debian-packages.txt lists them, each
# with what needs it), then configures build/ in Release and builds what was asked for.
#
#   bash scripts/setup.sh            packages, then the tpusim binary only (build/tpusim)
#   bash scripts/setup.sh --tests    packages, then everything: tpusim and the test executables
#   bash scripts/setup.sh --no-build packages only
#
# Run from anywhere, as root (apt-get directly) or as a user with sudo. JOBS=N sets the build's
# parallelism (default: the number of cores).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

usage() { sed -n '2,10s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }
build=tpusim
for arg in "$@"; do
  case "$arg" in
    --tests) build=all ;;
    --no-build) build=none ;;
    -h | --help) usage; exit 0 ;;
    *) echo "setup: unknown option '$arg'; allowed: --tests, --no-build, --help" >&2; exit 2 ;;
  esac
done

# Package names: the first word of each line of the list that is not a comment.
mapfile -t packages < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$root/scripts/debian-packages.txt" | awk '{print $1}')
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: not root and no sudo: install ${missing[*]} as root" >&2; exit 1; }
    as_root=(sudo)
  fi
  # Other apt users on the machine: wait for the lock rather than fail.
  apt=(apt-get -o DPkg::Lock::Timeout=600 -q)
  "${as_root[@]}" "${apt[@]}" update >/dev/null
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y --no-install-recommends "${missing[@]}" >/dev/null
fi

[ "$build" = none ] && exit 0
jobs="${JOBS:-$(nproc 2>/dev/null || echo 2)}"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
if [ "$build" = all ]; then
  cmake --build "$root/build" -j "$jobs"
else
  cmake --build "$root/build" -j "$jobs" --target tpusim
fi
