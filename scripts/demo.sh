#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, starts a
# vigil-server in a temporary directory and walks through a short session
# with redis-cli. (The full master + 2 replicas + 3 sentinels failover walk-
# through arrives with the sentinel daemon.)
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
PORT=${VIGIL_DEMO_PORT:-7379}
cat > "$WORK/vigil.conf" <<CONF
bind 127.0.0.1
port $PORT
dir $WORK
save ""
CONF

"$ROOT/$BUILD_DIR/server/vigil-server" "$WORK/vigil.conf" > "$WORK/vigil.log" 2>&1 &
PID=$!
cleanup() { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

for _ in $(seq 50); do
  redis-cli -p "$PORT" PING >/dev/null 2>&1 && break
  sleep 0.1
done

say() { printf '\n\033[1m# %s\033[0m\n' "$*"; }
run() { printf '127.0.0.1:%s> %s\n' "$PORT" "$*"; redis-cli -p "$PORT" "$@"; }

say "vigil-server (pid $PID) is listening on 127.0.0.1:$PORT, data in $WORK"
run PING
say "Strings and counters"
run SETNX mykey tom
run SETNX mykey jerry
run SET counts 10
run INCR counts
run DECR counts
say "Keys with a time to live expire on their own"
run SET session:1 alice PX 300
run PTTL session:1
sleep 0.5
run EXISTS session:1
say "Errors read exactly as Redis's"
run put aaa aaa || true
run CONFIG SET maxmemory 8589934592
run CONFIG GET maxmemory
say "Server log"
cat "$WORK/vigil.log"
say "Done: the server is stopped and $WORK removed."
