#!/usr/bin/env bash
# Integration test: a single-node Slurm cluster (munged, slurmctld, slurmd from Debian's
# slurm-wlm and munge) configured in a temporary directory runs a sweep as a job array of
# shards plus a dependent merge (scripts/slurm/submit.sh); the merged table must equal the
# table of the same sweep run locally, byte for byte. The daemons are started in the
# foreground in the background and stopped by their PIDs.
#
#   tests/slurm/run_slurm_sweep.sh TPUSIM_BINARY SOURCE_DIR
#
# Exit 0: pass; 1: fail; 77: skipped (slurm-wlm, munge or python3 not installed: scripts/setup.sh
# installs them; this test installs nothing).
# KEEP_SLURM_TMP=1 keeps the temporary directory (configs, daemon logs, job output).
set -uo pipefail
tpusim="$(realpath "$1")"; src="$(realpath "$2")"
log() { echo "slurm_sweep: $*"; }
fail() { log "FAIL: $*"; exit 1; }

missing=()
for tool in slurmctld slurmd sbatch squeue sinfo scancel munged /usr/bin/python3; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]})); then
  log "SKIP: not installed: ${missing[*]} (Debian's slurm-wlm, munge, python3: bash scripts/setup.sh installs them)"
  exit 77
fi

tmp="$(mktemp -d /tmp/tpusim_slurm.XXXXXX)"
chmod 700 "$tmp"
pids=()
cleanup() {
  if [ -n "${SLURM_CONF:-}" ] && [ -S "$tmp/munge/munge.socket" ]; then
    scancel --quiet --user="$(id -un)" 2>/dev/null || true
  fi
  # Newest first: slurmd, slurmctld, then munged (the others authenticate through it).
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[$i]}" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
  if [ "${KEEP_SLURM_TMP:-0}" = 1 ]; then log "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

# Two distinct free TCP ports on the loopback (both sockets are held open while they are chosen).
free_ports() {
  /usr/bin/python3 -c 'import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))'
}
wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
  local limit=$1 what=$2; shift 2
  local end=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $end ] || return 1
    sleep 0.2
  done
}

# --- munge: a fresh key and socket in the temporary directory --------------------------------
mkdir -p "$tmp/munge" && chmod 700 "$tmp/munge"
dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$tmp/munge/munge.key"
munged --foreground --force --key-file="$tmp/munge/munge.key" --socket="$tmp/munge/munge.socket" \
  --pid-file="$tmp/munge/munged.pid" --log-file="$tmp/munge/munged.log" --seed-file="$tmp/munge/munged.seed" \
  >"$tmp/munge/stdout.log" 2>&1 &
pids+=($!)
wait_for 10 munged test -S "$tmp/munge/munge.socket" || fail "munged did not start: $(cat "$tmp/munge/"*.log)"

# --- slurm.conf: one node with every CPU, no accounting, no cgroups ----------------------------
host="$(hostname -s)"; user="$(id -un)"; cpus="$(nproc)"
mkdir -p "$tmp/state" "$tmp/spool" "$tmp/logs"
read -r ctld_port slurmd_port < <(free_ports) || true
[ -n "${slurmd_port:-}" ] || fail "could not pick two free TCP ports on 127.0.0.1 (python3)"
cat >"$tmp/slurm.conf" <<CONF
ClusterName=tpusimtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
AuthInfo=socket=$tmp/munge/munge.socket
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/logs/slurmctld.log
SlurmdLogFile=$tmp/logs/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
SchedulerParameters=sched_interval=1
MinJobAge=300
NodeName=tpusimnode NodeHostname=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=tpusimnode Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$tmp/slurm.conf"

slurmctld -D -c -f "$SLURM_CONF" >"$tmp/logs/slurmctld.stdout" 2>&1 &
pids+=($!)
slurmd -D -N tpusimnode -f "$SLURM_CONF" >"$tmp/logs/slurmd.stdout" 2>&1 &
pids+=($!)
node_idle() { [ "$(sinfo -h -n tpusimnode -o %T 2>/dev/null)" = idle ]; }
if ! wait_for 40 "an idle node" node_idle; then
  tail -n 20 "$tmp/logs/"*.log "$tmp/logs/"*.stdout
  fail "the Slurm node did not become idle (state: $(sinfo -h -o %T 2>&1))"
fi
log "single-node Slurm up (slurmctld ${pids[1]}, slurmd ${pids[2]}, munged ${pids[0]}, $cpus CPUs)"

# --- the sweep: 8 points x 2 workloads = 16 rows, 4 shards ------------------------------------
cat >"$tmp/spec.json" <<SPEC
{"name": "slurm_test",
 "arch": "$src/configs/scalesim_32x32.json",
 "workloads": ["$src/workloads/gemm_128x64x256.json", "$src/workloads/gemm_1024.json"],
 "axes": [{"paths": ["/array/rows", "/array/cols"], "values": [8, 16, 32, 64]},
          {"path": "/array/dataflow", "values": ["os", "ws"]}]}
SPEC
read -r array_id merge_id < <(TPUSIM="$tpusim" bash "$src/scripts/slurm/submit.sh" "$tmp/spec.json" "$tmp/cluster" 4 \
  --cpus-per-task=1) || fail "submit.sh failed"
[ -n "${merge_id:-}" ] || fail "submit.sh printed no job ids"
log "submitted array job $array_id and merge job $merge_id"

# Meanwhile, the same sweep locally.
"$tpusim" sweep "$tmp/spec.json" --jobs 2 -q --out "$tmp/local" || fail "local sweep failed"

merge_gone() { [ -z "$(squeue -h -j "$merge_id" 2>/dev/null)" ]; }
if ! wait_for 90 "the merge job" merge_gone; then
  squeue; tail -n 20 "$tmp/logs/"*.log
  fail "the jobs did not finish within 90 s"
fi
cat "$tmp/cluster/logs/merge.out" 2>/dev/null
for i in 1 2 3 4; do
  tr -d ' \n' <"$tmp/cluster/shards/$i/sweep.json" 2>/dev/null | grep -q "\"shard\":\[$i,4\]" ||
    fail "shard $i did not run (log: $(cat "$tmp/cluster/logs/shard-$i.out" 2>&1))"
done
[ -f "$tmp/cluster/points.csv" ] || fail "no merged table (merge log: $(cat "$tmp/cluster/logs/merge.out" 2>&1))"
for f in points.csv points.jsonl pareto.csv; do
  cmp "$tmp/local/$f" "$tmp/cluster/$f" || fail "$f of the Slurm sweep differs from the local one"
done
rows=$(($(wc -l <"$tmp/cluster/points.csv") - 1))
[ "$rows" = 16 ] || fail "expected 16 rows, got $rows"
ok=$(grep -c ',ok,' "$tmp/cluster/points.csv")
[ "$ok" = 16 ] || fail "expected 16 rows with status ok, got $ok: $(grep -v ',ok,' "$tmp/cluster/points.csv" | head -3)"
log "PASS: 4 shards on Slurm merged to the local table ($rows rows)"
