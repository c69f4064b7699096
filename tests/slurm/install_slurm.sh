#!/usr/bin/env bash
# Installs Debian's single-node Slurm (slurm-wlm: slurmctld, slurmd, client tools) and munge,
# only when they are missing. Exit 0 when installed (or already there), 1 when they cannot be
# installed (no root, no apt, no network): the Slurm test then skips with a message.
set -u
have() { command -v "$1" >/dev/null 2>&1; }
if have slurmctld && have slurmd && have sbatch && have munged; then exit 0; fi
if [ "$(id -u)" != 0 ] || ! have apt-get; then
  echo "install_slurm.sh: slurm-wlm/munge missing and cannot install them (need root and apt-get)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Other apt users on the machine: wait for the lock rather than fail.
apt_opts=(-o DPkg::Lock::Timeout=600 -y -q --no-install-recommends)
if ! apt-get "${apt_opts[@]}" install slurm-wlm munge >/dev/null 2>&1; then
  apt-get -o DPkg::Lock::Timeout=600 -q update >/dev/null 2>&1 || true
  apt-get "${apt_opts[@]}" install slurm-wlm munge >/dev/null 2>&1 || {
    echo "install_slurm.sh: apt-get install slurm-wlm munge failed" >&2
    exit 1
  }
fi
have slurmctld && have slurmd && have sbatch && have munged
