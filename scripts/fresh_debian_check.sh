#!/usr/bin/env bash
# Proves the README's two Quick-start commands on a fresh minimal Debian 12 root, as a new user
# would run them, and times each. Not part of the test suite (it downloads ~250 MB of packages
# and takes about half an hour on 2 cores).
#
#   sudo bash scripts/fresh_debian_check.sh [--workdir DIR] [--base-tar FILE] [--keep]
#
# 1. `debootstrap --variant=minbase bookworm` into DIR/root (or unpack --base-tar, a tarball of
#    such a root made earlier, to save the download);
# 2. a `git archive` of HEAD as DIR/root/work/tpusim and ../shared beside it as
#    DIR/root/work/shared (the layout CI and the sessions have);
# 3. chroot in with /proc, /sys and /dev mounted (as on a booted machine: cgroups included), services kept from starting (policy-rc.d, as in
#    any chroot), and run the first and then the second shell block of README.md's Quick start,
#    exactly as written, as root from the repository root, each under `time`.
# Prints each command's wall time; exit 0 when both pass. DIR defaults to /tmp/tpusim_fresh; it
# is removed at the end unless --keep. Needs root, debootstrap (not a tpusim dependency:
# `apt-get install debootstrap`) and git, on a Debian-like host.
set -euo pipefail
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work=/tmp/tpusim_fresh; base_tar=""; keep=0
while (($#)); do
  case "$1" in
    --workdir) work="$2"; shift 2 ;;
    --base-tar) base_tar="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "fresh_debian_check: unknown option '$1'" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "fresh_debian_check: run as root (debootstrap and chroot need it)" >&2; exit 2; }
command -v debootstrap >/dev/null || [ -n "$base_tar" ] ||
  { echo "fresh_debian_check: needs debootstrap (apt-get install debootstrap)" >&2; exit 2; }
log() { echo "fresh_debian_check: $*"; }

# The two commands: the first line of the first two ```sh blocks of the Quick start that is not
# a comment.
mapfile -t cmds < <(awk '/^## Quick start/{q=1} q&&/^## /&&!/Quick start/{q=0}
  q&&/^```sh/{b=1; next} b&&/^```/{b=0; n++; next} b&&!/^#/&&n<2{print}' "$src/README.md")
[ "${#cmds[@]}" = 2 ] || { echo "fresh_debian_check: expected 2 Quick-start commands in README.md, found ${#cmds[@]}" >&2; exit 2; }

root="$work/root"
mounts=()
cleanup() {
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount -R -l "${mounts[$i]}" 2>/dev/null || true; done
  if [ "$keep" = 1 ]; then log "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
rm -rf "$work" && mkdir -p "$root"
start=$SECONDS
if [ -n "$base_tar" ]; then
  tar -C "$root" -xf "$base_tar"
else
  debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log"; exit 1; }
fi
log "fresh Debian 12 root in $((SECONDS - start)) s ($(du -sh "$root" | cut -f1))"

mkdir -p "$root/work/tpusim"
git -C "$src" archive HEAD | tar -x -C "$root/work/tpusim"
[ -d "$src/../shared" ] && cp -a "$(realpath "$src/../shared")" "$root/work/shared"
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d" && chmod +x "$root/usr/sbin/policy-rc.d"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# Recursive binds: /sys/fs/cgroup and /dev/pts are submounts (slurmd needs the cgroup mount).
mount --bind /proc "$root/proc" && mounts+=("$root/proc")
for m in sys dev; do mount --rbind "/$m" "$root/$m" && mounts+=("$root/$m"); done

status=0
for i in 0 1; do
  log "command $((i + 1)): ${cmds[$i]}"
  t0=$(date +%s.%N)
  if chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      TERM=dumb bash -c "cd /work/tpusim && ${cmds[$i]}" >"$work/command$((i + 1)).log" 2>&1; then rc=0; else rc=$?; fi
  t1=$(date +%s.%N)
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN{s=b-a; printf "%.0f s (%d min %02d s)", s, s/60, s%60}')
  tail -5 "$work/command$((i + 1)).log" | sed 's/^/    /'
  log "command $((i + 1)): exit $rc, wall time $wall, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  [ "$rc" = 0 ] || { status=1; tail -60 "$work/command$((i + 1)).log"; }
done
[ "$status" = 0 ] && log "PASS: both Quick-start commands work on a fresh Debian 12" || log "FAIL"
exit "$status"
