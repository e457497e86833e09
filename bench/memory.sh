#!/usr/bin/env bash
# RSS after 1,000,000 `SET key:N <20-byte value>`, vigil-server vs Debian's
# redis-server, loaded the same way (redis-cli --pipe) in the same run.
# Usage: bench/memory.sh [build-dir] [keys]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
KEYS=${2:-1000000}
WORK=$(mktemp -d /tmp/vigil-mem.XXXXXX)
PV=$((30000 + RANDOM % 10000)); PR=$((PV + 1))
"$BUILD/server/vigil-server" --port $PV --bind 127.0.0.1 --save '' --dir "$WORK" > "$WORK/v.log" 2>&1 & VPID=$!
redis-server --port $PR --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" > "$WORK/r.log" 2>&1 & RPID=$!
trap 'kill $VPID $RPID 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
for p in $PV $PR; do for _ in $(seq 50); do redis-cli -p $p ping >/dev/null 2>&1 && break; sleep 0.1; done; done
python3 - "$KEYS" > "$WORK/load.txt" <<'PY'
import sys
n = int(sys.argv[1]); v = "x" * 20
out = sys.stdout
for i in range(n):
    k = "key:%d" % i
    out.write("*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$20\r\n%s\r\n" % (len(k), k, v))
PY
for who in vigil redis; do
  p=$PV; pid=$VPID; [[ $who == redis ]] && { p=$PR; pid=$RPID; }
  base=$(ps -o rss= -p $pid)
  redis-cli -p $p --pipe < "$WORK/load.txt" > /dev/null
  rss=$(ps -o rss= -p $pid)
  printf '%-6s dbsize=%s rss_before=%sKiB rss_after=%sKiB bytes/key=%.1f\n' "$who" \
    "$(redis-cli -p $p dbsize)" "$base" "$rss" "$(echo "($rss - $base) * 1024 / $KEYS" | bc -l)"
done
