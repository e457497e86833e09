#!/usr/bin/env bash
# Side-by-side throughput: redis-benchmark (50 clients; SET, GET, INCR; -P 1
# and -P 16) against vigil-server and Debian's redis-server in the same run,
# alternating servers per round, and prints vigil/redis ratios (median of
# rounds). Usage: bench/throughput.sh [build-dir] [requests] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
BUILD=${1:-build}
N=${2:-200000}
ROUNDS=${3:-3}
TESTS=${TESTS:-set,get,incr}

bench_workdir vigil-bench
start_pair "$BUILD" "$(random_port 20000)"
bench_compare "$TESTS" "$N" "$ROUNDS"
printf 'RSS after load (KiB): vigil %s redis %s\n' "$(rss_kib $VPID)" "$(rss_kib $RPID)"
