#!/usr/bin/env bash
# Memory per element by data type, vigil-server vs Debian's redis-server:
# each data set is loaded through the same client (redis-cli --pipe fed by one
# generator) into a fresh pair of servers, and the RSS growth (VmRSS after
# load minus VmRSS of the empty server) is divided by the element count.
# A type whose commands vigil does not implement yet is skipped.
# Usage: bench/memory_types.sh [build-dir] [sets...]
#   sets: strings hashes intsets zsets list bigzset (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
BUILD=${1:-build}
shift || true
SETS=${*:-strings hashes intsets zsets list bigzset}

# gen <set>: the RESP stream that loads <set> (every data set is 1M elements).
gen() {
  python3 - "$1" <<'PY'
import sys
out = sys.stdout

def cmd(*args):
    parts = ["*%d\r\n" % len(args)]
    for a in args:
        a = str(a)
        parts.append("$%d\r\n%s\r\n" % (len(a), a))
    out.write("".join(parts))

kind = sys.argv[1]
if kind == "strings":            # 1M SET key:N <20 bytes>
    for i in range(1000000):
        cmd("SET", "key:%d" % i, "x" * 20)
elif kind == "hashes":           # 100k hashes of 10 fields
    for i in range(100000):
        cmd("HSET", "hash:%d" % i, *[x for f in range(10) for x in ("field:%d" % f, "value:%d" % f)])
elif kind == "intsets":          # 100k sets of 10 integer members
    for i in range(100000):
        cmd("SADD", "set:%d" % i, *[i * 10 + m for m in range(10)])
elif kind == "zsets":            # 100k zsets of 10 members
    for i in range(100000):
        cmd("ZADD", "zset:%d" % i, *[x for m in range(10) for x in (m, "member:%d" % m)])
elif kind == "list":             # one list of 1M elements
    for i in range(0, 1000000, 100):
        cmd("RPUSH", "biglist", *["item:%d" % j for j in range(i, i + 100)])
elif kind == "bigzset":          # one zset of 1M members
    for i in range(0, 1000000, 100):
        cmd("ZADD", "bigzset", *[x for j in range(i, i + 100) for x in (j, "member:%d" % j)])
PY
}

declare -A COMMANDS=([strings]=set [hashes]=hset [intsets]=sadd [zsets]=zadd [list]=rpush
                     [bigzset]=zadd)
declare -A CHECK=([strings]="dbsize" [hashes]="hlen hash:7" [intsets]="object encoding set:7"
                  [zsets]="object encoding zset:7" [list]="llen biglist" [bigzset]="zcard bigzset")
ELEMENTS=1000000

bench_workdir vigil-memtypes
printf '%-8s %9s %16s %8s %8s %6s  %s\n' set elements empty_KiB_v/r vigil_B redis_B ratio check
for set in $SETS; do
  [[ -n ${COMMANDS[$set]:-} ]] || { echo "unknown set $set" >&2; exit 2; }
  start_pair "$BUILD" "$(random_port 30000)"
  if ! vigil_has "${COMMANDS[$set]}"; then
    printf '%-8s skipped: vigil does not implement %s yet\n' "$set" "${COMMANDS[$set]^^}"
    stop_pair; continue
  fi
  declare -A per=() base=()
  check=""
  for who in vigil redis; do
    p=$PV; pid=$VPID; [[ $who == redis ]] && { p=$PR; pid=$RPID; }
    base[$who]=$(rss_kib $pid)
    out=$(gen "$set" | redis-cli -p $p --pipe 2>&1 | tail -1)
    [[ $out == *"errors: 0"* ]] || echo "$who: $out" >&2
    per[$who]=$(echo "($(rss_kib $pid) - ${base[$who]}) * 1024 / $ELEMENTS" | bc -l)
    # shellcheck disable=SC2086
    check+="$who:$(redis-cli -p $p ${CHECK[$set]} | tr -d '\n') "
  done
  printf '%-8s %9d %16s %8.1f %8.1f %6.2f  %s\n' "$set" $ELEMENTS "${base[vigil]}/${base[redis]}" \
    "${per[vigil]}" \
    "${per[redis]}" "$(echo "${per[vigil]} / ${per[redis]}" | bc -l)" "$check"
  stop_pair
done
