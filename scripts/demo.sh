#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, starts a
# master and two replicas in a temporary directory and walks through a short
# session with redis-cli, ending in a coordinated failover drill. (The three
# sentinels join the walk-through with the sentinel daemon.)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

bash scripts/deps.sh
BUILD_DIR=${VIGIL_BUILD_DIR:-build}
LAUNCHER=()
command -v ccache >/dev/null && LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${LAUNCHER[@]}" >/dev/null
cmake --build "$BUILD_DIR" --target vigil-server -j"$(nproc)"

WORK=$(mktemp -d /tmp/vigil-demo.XXXXXX)
BASE=${VIGIL_DEMO_PORT:-7379}
M=$BASE R1=$((BASE + 1)) R2=$((BASE + 2))
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# start <port> [extra directive lines...]
start() {
  local port=$1; shift
  mkdir -p "$WORK/$port"
  { printf 'bind 127.0.0.1\nport %s\ndir %s\nsave ""\n' "$port" "$WORK/$port"
    for line in "$@"; do printf '%s\n' "$line"; done; } > "$WORK/$port/vigil.conf"
  "$ROOT/$BUILD_DIR/server/vigil-server" "$WORK/$port/vigil.conf" > "$WORK/$port/vigil.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 50); do
    redis-cli -p "$port" PING >/dev/null 2>&1 && return
    sleep 0.1
  done
  echo "vigil-server on port $port did not start:"; cat "$WORK/$port/vigil.log"; exit 1
}
wait_link_up() {
  for _ in $(seq 100); do
    redis-cli -p "$1" INFO replication | grep -q "master_link_status:up" && return
    sleep 0.1
  done
}

say() { printf '\n\033[1m# %s\033[0m\n' "$*"; }
on() { local port=$1; shift; printf '127.0.0.1:%s> %s\n' "$port" "$*"; redis-cli -p "$port" "$@"; }
field() { redis-cli -p "$1" INFO "$2" | tr -d '\r' | grep -E "^($3):"; }

start "$M"
start "$R1" "replicaof 127.0.0.1 $M"
start "$R2" "replicaof 127.0.0.1 $M"
wait_link_up "$R1"; wait_link_up "$R2"

say "A master on $M with replicas on $R1 and $R2 (data under $WORK)"
on "$M" ROLE
say "Strings, counters and expiry on the master"
on "$M" SET mykey tom
on "$M" INCR counts
on "$M" SET session:1 alice PX 300
on "$M" PTTL session:1
sleep 0.5
on "$M" EXISTS session:1
say "Every write reaches the replicas; they refuse writes of their own"
on "$M" RPUSH queue job1 job2
on "$M" WAIT 2 1000
on "$R1" LRANGE queue 0 -1
on "$R2" GET counts
on "$R1" SET x 1 || true
say "Errors read exactly as Redis's"
on "$M" put aaa aaa || true

say "Failover drill: hand the master role to $R1 without losing a write"
on "$M" FAILOVER TO 127.0.0.1 "$R1" TIMEOUT 5000
wait_link_up "$M"
on "$R1" ROLE
on "$M" ROLE
say "Re-point the other replica at the new master, as a sentinel does"
on "$R2" REPLICAOF 127.0.0.1 "$R1"
wait_link_up "$R2"
on "$R1" SET after failover
on "$R1" WAIT 2 1000
on "$R2" GET after
say "Both re-pointed servers continued with a partial resync (no full copy)"
field "$R1" stats "sync_full|sync_partial_ok"
field "$R1" replication "master_replid|master_replid2|connected_slaves"
say "Logs of the new master ($R1)"
cat "$WORK/$R1/vigil.log"
say "Done: the servers are stopped and $WORK removed. (Sentinels join this walk-through with the sentinel daemon.)"
