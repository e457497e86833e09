#!/usr/bin/env bash
# Side-by-side throughput of the collection commands: redis-benchmark
# (50 clients, random members from -r 100000; LPUSH RPUSH LPOP RPOP SADD HSET
# SPOP ZADD ZPOPMIN LRANGE_100; -P 1 and -P 16) against vigil-server and
# Debian's redis-server in the same run, alternating servers per round, with
# vigil/redis ratios of the medians. Tests whose command vigil does not
# implement yet are skipped. Usage: bench/throughput_types.sh [build-dir]
# [requests] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
BUILD=${1:-build}
N=${2:-200000}
ROUNDS=${3:-3}
TESTS=${TESTS:-lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,zpopmin,lrange_100}

bench_workdir vigil-bench-types
start_pair "$BUILD" "$(random_port 20000)"
run=()
for t in ${TESTS//,/ }; do
  cmd=${t%%_*}  # lrange_100 needs LRANGE (and LPUSH, which the list tests need too)
  if vigil_has "$cmd" && { [[ $cmd != lrange ]] || vigil_has lpush; }; then
    run+=("$t")
  else
    echo "skipped $t: vigil does not implement ${cmd^^} yet"
  fi
done
if ((${#run[@]} == 0)); then echo "nothing to run"; exit 0; fi
tests=$(IFS=,; echo "${run[*]}")
bench_compare "$tests" "$N" "$ROUNDS" -r 100000
printf 'RSS after load (KiB): vigil %s redis %s\n' "$(rss_kib $VPID)" "$(rss_kib $RPID)"
