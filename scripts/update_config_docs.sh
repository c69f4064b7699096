#!/bin/sh
# Regenerates the key tables of configs/README.md from the parameter tables (sim/spec/arch_params.cpp):
# every block between "<!-- params: ID ... -->" and "<!-- end params -->" is replaced by the table
# `tpusim describe --params --markdown-into` prints. The rest of the file is left as it is.
#   scripts/update_config_docs.sh [TPUSIM]   (default: build/tpusim)
# The CTest case "params: configs/README.md key tables equal the parameter tables" fails while the
# file differs from what this script writes.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/build/tpusim}
readme=$root/configs/README.md
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
"$bin" describe --params --markdown-into "$readme" > "$tmp"
if cmp -s "$tmp" "$readme"; then
  echo "configs/README.md: key tables up to date"
else
  cat "$tmp" > "$readme"
  echo "configs/README.md: key tables regenerated"
fi
