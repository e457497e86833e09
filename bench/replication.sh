#!/usr/bin/env bash
# Replication figures, vigil-server vs Debian's redis-server 7.0 in the same
# run, every node on loopback with persistence off:
#  1. full sync of KEYS keys (SET key:%012d <16 bytes>, the same data on both):
#     ms from a fresh replica's process start (--replicaof) until its link is
#     up and slave_repl_offset == master_repl_offset, median of SYNC_ROUNDS;
#     the replica's DBSIZE must equal the master's;
#  2. replication lag under redis-benchmark -t set -n 2000000 -c 50 -P 16
#     -r 100000 against the master: master_repl_offset - slave_repl_offset
#     sampled every 50 ms (median, p99, max bytes), the time the replica
#     needs to catch up afterwards, and SET ops/s with the replica attached
#     vs the same master before any replica (median of BENCH_ROUNDS runs;
#     the no-replica runs precede the full syncs and rewrite 100,000 of the
#     loaded keys with 3-byte values, alike on both servers);
#  3. failover: master M, replicas R1 and R2 in sync; REPLICAOF NO ONE on R1,
#     REPLICAOF R1 on R2; ms from that reply to R2's link up, and whether R1
#     served a partial resync (INFO stats), median of REPOINT_ROUNDS (M then
#     follows R1 too, so the roles rotate between rounds with no full sync).
# Every phase alternates vigil and redis round by round, so a change in the
# load of the (shared) machine hits both alike.
# Redis's repl-diskless-sync-delay (5 s by default) is set to 0 on every node
# of both servers (vigil accepts the setting but never delays a sync).
# Usage: bench/replication.sh [vigil-server binary]  (default: $VIGIL_SERVER,
# else build/server/vigil-server); env KEYS, SYNC_ROUNDS, BENCH_ROUNDS,
# REPOINT_ROUNDS, KEEP=1 (keep the temp dir with every node's log).
set -euo pipefail
VIGIL=$(realpath -s "${1:-${VIGIL_SERVER:-$(dirname "$0")/../build/server/vigil-server}}")
cd "$(dirname "$0")/.."
source bench/lib.sh
KEYS=${KEYS:-1000000}
SYNC_ROUNDS=${SYNC_ROUNDS:-3}
REPOINT_ROUNDS=${REPOINT_ROUNDS:-5}
BENCH_ROUNDS=${BENCH_ROUNDS:-3}
LOAD_BENCH=(-t set -n 2000000 -c 50 -P 16 -r 100000)
PY=/usr/bin/python3  # has redis-py
PROBE="$PY bench/replication_probe.py"

WORK=$(mktemp -d /tmp/vigil-repl.XXXXXX)
declare -A PIDS LOGS  # port -> pid / log file of every node we started
stop_node() {
  local pid=${PIDS[$1]:-}
  [[ -n $pid ]] || return 0
  kill "$pid" 2>/dev/null || echo "(:$1 exited early: see ${LOGS[$1]})" >&2
  wait "$pid" 2>/dev/null || true
  unset "PIDS[$1]"
}
stop_all() { local p; for p in "${!PIDS[@]}"; do stop_node "$p"; done; }
trap 'stop_all; [[ -n ${KEEP:-} ]] || rm -rf "$WORK"' EXIT

# start_node <vigil|redis> <port> [args...]: a node in an empty dir of its
# own (a replica must not find an earlier sync's RDB there).
start_node() {
  local who=$1 port=$2; shift 2
  local dir bin=redis-server
  dir=$(mktemp -d "$WORK/$who-$port.XXXX")
  [[ $who == vigil ]] && bin=$VIGIL
  "$bin" --port "$port" --bind 127.0.0.1 --dir "$dir" --save '' --appendonly no \
    --repl-diskless-sync-delay 0 "$@" > "$dir/log" 2>&1 &
  PIDS[$port]=$!
  LOGS[$port]="$dir/log"
}
wait_up() {
  for _ in $(seq 200); do
    redis-cli -p "$1" ping 2>/dev/null | grep -q PONG && return
    sleep 0.05
  done
  echo ":$1 does not answer PING: see ${LOGS[$1]}" >&2; return 1
}
# field <name> <key=value line>: one value of a probe's result line.
field() { tr ' ' '\n' <<< "$2" | sed -n "s/^$1=//p"; }
# probe <args...>: the probe's result line, also shown on stderr.
probe() {
  local line rc=0
  line=$($PROBE "$@") || rc=$?
  echo "  $1: $line" >&2
  echo "$line"
  return $rc
}

"$PY" -c "
import sys
w = sys.stdout.write
for i in range($KEYS):
    w('*3\r\n\$3\r\nSET\r\n\$16\r\nkey:%012d\r\n\$16\r\nv%015d\r\n' % (i, i))
" > "$WORK/keys.resp"

declare -A RES PORTS  # PORTS[who]: "master replica1 replica2", rotated by failovers
# Six free ports in a row (three nodes per server).
ports_free() {
  local p
  for p in $(seq "$1" $(($1 + 5))); do ss -Htln "sport = :$p" | grep -q . && return 1; done
  return 0
}
BASE=$(random_port 20000)
until ports_free $BASE; do BASE=$(random_port 20000); done
echo "vigil: $VIGIL; redis: $(redis-server --version | awk '{print $3}'); both with" \
  "repl-diskless-sync-delay 0 (Redis's default is 5 s), save '', appendonly no;" \
  "phases alternate vigil/redis (logs under $WORK)" >&2
for who in vigil redis; do
  PORTS[$who]="$BASE $((BASE + 1)) $((BASE + 2))"; BASE=$((BASE + 3))
  read -r M _ <<< "${PORTS[$who]}"
  start_node $who $M; wait_up $M
  redis-cli -p $M --pipe < "$WORK/keys.resp" > /dev/null
  RES[$who|keys]=$(redis-cli -p $M dbsize)
  RES[$who|dbsize_ok]=yes
done
# check_dbsize <who> <probe line> [when]: notes a replica DBSIZE != master's.
check_dbsize() {
  [[ $(field dbsize_replica "$2") == "$(field dbsize_master "$2")" ]] ||
    RES[$1|dbsize_ok]="no($(field dbsize_replica "$2")${3:+ $3})"
}

# SET throughput before any replica (and before any backlog).
for _ in $(seq "$BENCH_ROUNDS"); do
  for who in vigil redis; do
    read -r M _ <<< "${PORTS[$who]}"
    line=$(probe rps $M "${LOAD_BENCH[@]}") && RES[$who|rps_alone]+="$(field rps "$line") "
  done
done

# 1. Full syncs: a fresh replica process each round.
for i in $(seq "$SYNC_ROUNDS"); do
  for who in vigil redis; do
    read -r M R1 _ <<< "${PORTS[$who]}"
    ((i == 1)) || stop_node $R1
    t0=$(date +%s%N)
    start_node $who $R1 --replicaof 127.0.0.1 $M
    line=$(probe fullsync $M $R1 "$t0") || { RES[$who|dbsize_ok]=error; continue; }
    RES[$who|sync_ms]+="$(field ms "$line") "
    check_dbsize $who "$line"
  done
done

# 2. Lag and throughput with the replica attached.
for _ in $(seq "$BENCH_ROUNDS"); do
  for who in vigil redis; do
    read -r M R1 _ <<< "${PORTS[$who]}"
    line=$(probe lag $M $R1 "$WORK/$who.lag" "${LOAD_BENCH[@]}") || continue
    RES[$who|lag_rps]+="$(field rps "$line") "
    RES[$who|catchup]+="$(field catchup_ms "$line") "
    check_dbsize $who "$line" "after the load"
  done
done
for who in vigil redis; do
  line=$(probe lagstats "$WORK/$who.lag") || continue
  for f in median p99 max; do RES[$who|lag_$f]=$(field $f "$line"); done
done

# 3. Failovers: R1 promoted, R2 re-pointed to it, then the old master
# follows too; the next round promotes R2, and so on.
for who in vigil redis; do
  read -r M _ R2 <<< "${PORTS[$who]}"
  start_node $who $R2 --replicaof 127.0.0.1 $M
done
for _ in $(seq "$REPOINT_ROUNDS"); do
  for who in vigil redis; do
    read -r M R1 R2 <<< "${PORTS[$who]}"
    line=$(probe repoint $M $R1 $R2) || continue
    RES[$who|repoint_ms]+="$(field ms "$line") "
    for f in partial full restore_partial restore_full; do
      RES[$who|$f]=$(( ${RES[$who|$f]:-0} + $(field $f "$line") ))
    done
    PORTS[$who]="$R1 $R2 $M"
  done
done
stop_all

for who in vigil redis; do
  for k in rps_alone sync_ms lag_rps repoint_ms; do
    [[ -n ${RES[$who|$k]:-} ]] && RES[$who|$k]=$(echo "${RES[$who|$k]}" | median)
  done
  [[ -n ${RES[$who|catchup]:-} ]] &&
    RES[$who|catchup]=$(tr ' ' '\n' <<< "${RES[$who|catchup]}" | sort -g | tail -1)
  with=${RES[$who|lag_rps]:-} alone=${RES[$who|rps_alone]:-}
  [[ -n $with && -n $alone ]] && RES[$who|rps_kept]=$(printf '%.2f' "$(bc -l <<< "$with / $alone")")
  for k in "" restore_; do
    RES[$who|${k}partial]="${RES[$who|${k}partial]:-0}/$REPOINT_ROUNDS"
    RES[$who|${k}partial]+=" (full: ${RES[$who|${k}full]:-0})"
  done
done

# row <label> <key>: vigil, redis and vigil/redis when both are numbers.
row() {
  local v=${RES[vigil|$2]:-error} r=${RES[redis|$2]:-error} ratio=-
  [[ $v =~ ^[0-9.]+$ && $r =~ ^[0-9.]+$ ]] && [[ $(echo "$r > 0" | bc -l) == 1 ]] &&
    ratio=$(printf '%.2f' "$(echo "$v / $r" | bc -l)")
  printf '%-44s | %14s | %14s | %6s\n' "$1" "$v" "$r" "$ratio"
}
echo
printf '%-44s | %14s | %14s | %6s\n' metric vigil redis ratio
row "keys loaded on the master (DBSIZE)" keys
row "full sync, ms (median of $SYNC_ROUNDS)" sync_ms
row "replica DBSIZE == master's" dbsize_ok
row "SET ops/s, no replica (median of $BENCH_ROUNDS)" rps_alone
row "SET ops/s, replica attached (median of $BENCH_ROUNDS)" lag_rps
row "SET ops/s kept with a replica" rps_kept
row "lag under load, median bytes" lag_median
row "lag under load, p99 bytes" lag_p99
row "lag under load, max bytes" lag_max
row "replica catch-up after a load run, max ms" catchup
row "re-pointed link up, ms (median of $REPOINT_ROUNDS)" repoint_ms
row "re-point served as partial resync" partial
row "old master re-joined by partial resync" restore_partial
