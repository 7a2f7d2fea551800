#!/usr/bin/env bash
# Sharded feature extraction on a real batch scheduler (docs/scale-out.md): starts a single-node Slurm on this
# machine (munged + slurmctld + slurmd, everything under one temporary folder), submits a 4-task array job
# (sbatch --array=0-3) that runs `features --shard $SLURM_ARRAY_TASK_ID/4` over the FMA sample into one shared
# cache, runs the final `features` without --shard (which must compute nothing), then a single-process `features`
# into a separate cache, and checks that the two caches are equal bit for bit, file by file.
#
# Needs root (apt-get, and slurmd runs jobs as root here). Installs slurm-wlm and munge with apt-get when missing.
# Not part of CI: the install alone can take minutes. Stops every daemon it started on exit and exits non-zero on any
# failure; logs are kept in the temporary folder on failure (or always with SMOKE_KEEP=1).
#
# Environment: FMA_SAMPLE (default ../shared/data/fma-sample from the repository root), SMOKE_TIMEOUT (seconds the
# array job may take, default 900), SMOKE_PORT (slurmctld port, default 6817; slurmd uses the next one).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
shards=4
timeout_s=${SMOKE_TIMEOUT:-900}
port=${SMOKE_PORT:-6817}
sample=$(realpath -m "${FMA_SAMPLE:-$repo/../shared/data/fma-sample}")
labels=$sample/labels.csv

say() { printf 'slurm-smoke: %s\n' "$*"; }
fail() { printf 'slurm-smoke: FAIL: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "run as root (apt-get, munged and slurmd need it)"
[ -f "$labels" ] || fail "$labels not found (set FMA_SAMPLE to the folder holding labels.csv)"

# 1. Slurm and munge from Debian (slurm-wlm 22.05 on Debian 12).
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-cache policy slurm-wlm 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    say "apt-get update (apt-cache knows no slurm-wlm yet)"
    apt-get update -qq
  fi
  say "installing slurm-wlm and munge (apt-get)"
  apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
fi
say "$(slurmctld -V), $(munged -V 2>&1 | awk '{print $1; exit}')"

# 2. Build the CLI once; the array tasks run the built assembly (four concurrent `dotnet run`s would race to build).
source scripts/setup.sh
say "building the CLI (Release)"
dotnet build samples/MelGenre.Cli -c Release -nologo -v quiet >/dev/null
cli=(dotnet "$repo/samples/MelGenre.Cli/bin/Release/net10.0/MelGenre.Cli.dll")
[ -f "${cli[1]}" ] || fail "${cli[1]} was not built"

# 3. A private single-node cluster under $tmp. Nothing outside it is written (the packages' own files aside).
tmp=$(mktemp -d /tmp/melgenre-slurm.XXXXXX)
chmod 700 "$tmp"
mkdir -p "$tmp/munge" "$tmp/log" "$tmp/slurmctld" "$tmp/slurmd" "$tmp/job"
daemon_pids=()
job_id=""
ok=0
cleanup() {
  local rc=$?
  set +e
  if [ -n "$job_id" ] && [ -n "${SLURM_CONF:-}" ]; then
    if [ -n "$(squeue -h -j "$job_id" 2>/dev/null)" ]; then
      say "cancelling job $job_id"
      scancel "$job_id"
      for _ in $(seq 30); do [ -z "$(squeue -h -j "$job_id" 2>/dev/null)" ] && break; sleep 1; done
    fi
  fi
  # Reverse start order: slurmd, slurmctld, munged. Only the PIDs this script started.
  for ((i = ${#daemon_pids[@]} - 1; i >= 0; i--)); do
    pid=${daemon_pids[i]}
    kill "$pid" 2>/dev/null && for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  [ ${#daemon_pids[@]} -gt 0 ] && say "stopped munged, slurmctld and slurmd (pids ${daemon_pids[*]})"
  if [ "$ok" -eq 1 ] && [ "${SMOKE_KEEP:-0}" != 1 ]; then
    rm -rf "$tmp"
  else
    say "logs kept in $tmp/log"
    for f in "$tmp"/log/*; do [ -s "$f" ] && { echo "--- ${f#"$tmp"/} (last 15 lines)"; tail -n 15 "$f"; }; done
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# munged with its own key and socket (not the system's /etc/munge, /run/munge).
mungekey --create --keyfile="$tmp/munge/munge.key" --bits=1024
chmod 400 "$tmp/munge/munge.key"
munged --foreground --force --socket="$tmp/munge/munge.socket.2" --key-file="$tmp/munge/munge.key" \
  --pid-file="$tmp/munge/munged.pid" --log-file="$tmp/log/munged.log" --seed-file="$tmp/munge/munged.seed" >>"$tmp/log/munged.out" 2>&1 &
daemon_pids+=($!)
for _ in $(seq 50); do [ -S "$tmp/munge/munge.socket.2" ] && break; sleep 0.1; done
munge --socket="$tmp/munge/munge.socket.2" -n | unmunge --socket="$tmp/munge/munge.socket.2" >/dev/null || fail "munge does not round-trip a credential"

host=$(hostname -s)
cpus=2
export SLURM_CONF=$tmp/slurm.conf
cat >"$SLURM_CONF" <<EOF
# Single-node Slurm for scripts/slurm-smoke.sh: controller and compute node are this machine.
ClusterName=melgenre-smoke
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$tmp/munge/munge.socket.2
CredType=cred/munge
StateSaveLocation=$tmp/slurmctld
SlurmdSpoolDir=$tmp/slurmd
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# No systemd or cgroup delegation in a container: track processes through /proc, no task containment.
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
SlurmdParameters=config_overrides
MinJobAge=600
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=smoke Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF

slurmctld -D -f "$SLURM_CONF" >>"$tmp/log/slurmctld.out" 2>&1 &
daemon_pids+=($!)
slurmd -D -f "$SLURM_CONF" -N "$host" >>"$tmp/log/slurmd.out" 2>&1 &
daemon_pids+=($!)
state=""
for _ in $(seq 60); do
  state=$(sinfo -h -n "$host" -o %T 2>/dev/null || true)
  [ "$state" = idle ] && break
  sleep 1
done
[ "$state" = idle ] || fail "node $host is not idle after 60 s (state: '${state:-no answer}')"
say "cluster up: $(sinfo -h -o '%P %D node(s) %c CPUs %T')"

# 4. The array job: one task per shard, one CPU each (two run at a time on two CPUs), one shared cache.
work=$tmp/work
cache=$tmp/shared-cache
cat >"$tmp/job/features-shard.sbatch" <<EOF
#!/bin/bash
#SBATCH --job-name=melgenre-features
#SBATCH --array=0-$((shards - 1))
#SBATCH --cpus-per-task=1
#SBATCH --output=$tmp/log/shard-%a.out
set -euo pipefail
echo "task \$SLURM_ARRAY_TASK_ID of job \$SLURM_ARRAY_JOB_ID on \$(hostname -s)"
exec $(printf '%q ' "${cli[@]}")features --csv "$labels" --out "$work" --cache "$cache" --threads 1 --shard "\$SLURM_ARRAY_TASK_ID/$shards"
EOF
job_id=$(sbatch --parsable "$tmp/job/features-shard.sbatch")
job_id=${job_id%%;*}
say "submitted array job $job_id (tasks 0-$((shards - 1)))"
start=$SECONDS
while [ -n "$(squeue -h -j "$job_id" 2>/dev/null)" ]; do
  [ $((SECONDS - start)) -lt "$timeout_s" ] || fail "the array job is still running after $timeout_s s"
  sleep 2
done
job_seconds=$((SECONDS - start))
# Finished jobs stay in slurmctld's memory for MinJobAge seconds: read each task's state and exit code there.
tasks=$(scontrol -o show job "$job_id" | sed -n 's/.*ArrayTaskId=\([0-9]*\) .*JobState=\([A-Z_]*\) .*ExitCode=\([0-9:]*\) .*StartTime=[0-9-]*T\([0-9:]*\) EndTime=[0-9-]*T\([0-9:]*\) .*/\1 \2 \3 \4 \5/p' | sort -n)
say "array job finished in ${job_seconds} s"
while read -r task state code started ended; do
  echo "  task $task: $state, exit code $code, ran $started-$ended; $(grep -ho 'Shard [0-9]*/[0-9]*: [0-9]* of [0-9]* clips' "$tmp/log/shard-$task.out" || echo 'no shard line')," \
    "$(grep -ho 'log-mel features: [0-9]* clips computed' "$tmp/log/shard-$task.out" | grep -o '[0-9]* clips computed' || echo '0 clips computed') (log-mel)"
done <<<"$tasks"
done_ok=$(grep -c '^[0-9]* COMPLETED 0:0 ' <<<"$tasks" || true)
[ "$done_ok" -eq "$shards" ] || fail "$done_ok of $shards array tasks COMPLETED with exit code 0"
[ ! -e "$work/features.json" ] || fail "a shard wrote features.json"
entries=$(find "$cache" -name '*.mgf' | wc -l)

# 5. The final run: everything is cached, so nothing may be (re)written. Mark the files, then check the marks.
find "$cache" -type f -exec touch -d '2001-02-03 04:05:06 UTC' {} +
"${cli[@]}" features --csv "$labels" --out "$work" --cache "$cache" >"$tmp/log/final.out" 2>&1 || fail "the final features run failed"
rewritten=$(find "$cache" -type f -newermt '2001-02-04 00:00:00 UTC' | wc -l)
[ "$rewritten" -eq 0 ] || fail "the final run wrote $rewritten cache file(s): the shards left work undone"
! grep -q 'clips computed' "$tmp/log/final.out" || fail "the final run computed clips: $(grep 'clips computed' "$tmp/log/final.out")"
[ -f "$work/features.json" ] || fail "the final run wrote no features.json"
say "final run: nothing computed or rewritten ($(find "$cache" -type f | wc -l) cache files unchanged), features.json written with $(grep -c '"split": ' "$work/features.json") clips"

# 6. One process, all clips, its own cache; then compare every file of the two caches (names and bytes).
"${cli[@]}" features --csv "$labels" --out "$tmp/single" --cache "$tmp/single-cache" >"$tmp/log/single.out" 2>&1 || fail "the single-process run failed"
(cd "$cache" && find . -type f | LC_ALL=C sort) >"$tmp/merged.list"
(cd "$tmp/single-cache" && find . -type f | LC_ALL=C sort) >"$tmp/single.list"
diff -q "$tmp/merged.list" "$tmp/single.list" >/dev/null || fail "the caches hold different files: $(diff "$tmp/merged.list" "$tmp/single.list" | head -5 | tr '\n' ' ')"
differing=0
while IFS= read -r f; do
  cmp -s "$cache/$f" "$tmp/single-cache/$f" || { differing=$((differing + 1)); echo "  differs: $f" >&2; }
done <"$tmp/merged.list"
[ "$differing" -eq 0 ] || fail "$differing cache file(s) differ between the sharded and the single-process run"
digest() { (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16); }
files=$(wc -l <"$tmp/merged.list")
say "caches equal bit for bit: $files files ($entries entries .mgf, $(grep -c 'settings.txt$' "$tmp/merged.list") settings.txt, $(grep -c '\.fail$' "$tmp/merged.list" || true) .fail), tree sha256 $(digest "$cache") = $(digest "$tmp/single-cache")"
# The manifests name their own cache folder; everything else must agree.
diff <(grep -v '"cacheDirectory"' "$work/features.json") <(grep -v '"cacheDirectory"' "$tmp/single/features.json") >/dev/null \
  || fail "features.json of the sharded run differs from the single run's (beyond cacheDirectory)"
say "features.json equal but for cacheDirectory"
ok=1
say "PASS"
