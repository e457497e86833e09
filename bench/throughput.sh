#!/usr/bin/env bash
# Side-by-side throughput: redis-benchmark (50 clients; SET, GET, INCR; -P 1
# and -P 16) against vigil-server and Debian's redis-server in the same run,
# alternating servers per round, and prints vigil/redis ratios (median of
# rounds). Usage: bench/throughput.sh [build-dir] [requests] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
N=${2:-200000}
ROUNDS=${3:-3}
TESTS=${TESTS:-set,get,incr}
VIGIL=$BUILD/server/vigil-server
WORK=$(mktemp -d /tmp/vigil-bench.XXXXXX)
PV=$((20000 + RANDOM % 10000)); PR=$((PV + 1))

"$VIGIL" --port $PV --bind 127.0.0.1 --save '' --dir "$WORK" > "$WORK/vigil.log" 2>&1 & VPID=$!
redis-server --port $PR --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" > "$WORK/redis.log" 2>&1 & RPID=$!
trap 'kill $VPID $RPID 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
for p in $PV $PR; do for _ in $(seq 50); do redis-cli -p $p ping >/dev/null 2>&1 && break; sleep 0.1; done; done

declare -A RES
for r in $(seq "$ROUNDS"); do
  for P in 1 16; do
    for who in vigil redis; do
      port=$PV; [[ $who == redis ]] && port=$PR
      while IFS=, read -r name rps _; do
        name=${name//\"/}; rps=${rps//\"/}
        [[ $name == test ]] && continue
        RES["$who|$name|$P"]+="$rps "
      done < <(redis-benchmark -p $port -c 50 -n "$N" -P $P -t "$TESTS" -q --csv 2>/dev/null)
    done
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '%-8s %-4s %12s %12s %7s\n' test P vigil redis ratio
for key in "${!RES[@]}"; do
  IFS='|' read -r who name P <<< "$key"
  [[ $who == vigil ]] || continue
  v=$(echo "${RES[$key]}" | median); rr=$(echo "${RES[redis|$name|$P]}" | median)
  printf '%-8s %-4s %12.0f %12.0f %7.2f\n' "$name" "$P" "$v" "$rr" "$(echo "$v / $rr" | bc -l)"
done | sort
printf 'RSS after load (KiB): vigil %s redis %s\n' "$(ps -o rss= -p $VPID)" "$(ps -o rss= -p $RPID)"
