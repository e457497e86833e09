#!/usr/bin/env bash
# Shared helpers for the side-by-side benches (vigil-server vs Debian's
# redis-server, same client, same run). Source it after `cd` to the repo root.

# start_pair <build-dir> <first-port>: starts vigil-server on PV and
# redis-server on PR (= PV + 1) with persistence off, sets VPID/RPID, and
# waits until both answer PING. Call stop_pair to kill them (by pid).
start_pair() {
  PV=$2; PR=$(($2 + 1))
  "$1/server/vigil-server" --port $PV --bind 127.0.0.1 --save '' --dir "$WORK" \
    > "$WORK/vigil.log" 2>&1 & VPID=$!
  redis-server --port $PR --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" \
    > "$WORK/redis.log" 2>&1 & RPID=$!
  local p
  for p in $PV $PR; do
    for _ in $(seq 50); do redis-cli -p $p ping >/dev/null 2>&1 && break; sleep 0.1; done
  done
}

stop_pair() {
  [[ -n ${VPID:-} ]] || return 0
  kill $VPID $RPID 2>/dev/null || true
  wait $VPID $RPID 2>/dev/null || true
  VPID=
}

# bench_workdir <prefix>: a temp dir removed (with both servers) on exit.
bench_workdir() {
  WORK=$(mktemp -d "/tmp/$1.XXXXXX")
  trap 'stop_pair; rm -rf "$WORK"' EXIT
}

random_port() { echo $(($1 + RANDOM % 10000)); }

# vigil_has <cmd>...: true if vigil's COMMAND INFO knows every command.
vigil_has() {
  local c
  for c in "$@"; do
    [[ $(redis-cli -p $PV command info "$c" | head -1) == "${c,,}" ]] || return 1
  done
}

# rss_kib <pid>: resident set size from /proc (VmRSS, KiB).
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# median: the median of whitespace-separated numbers on stdin.
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# bench_compare <tests> <requests> <rounds> [redis-benchmark args...]:
# redis-benchmark (50 clients; -P 1 and -P 16) on both servers, alternating
# per round, then a table of medians and vigil/redis ratios.
bench_compare() {
  local tests=$1 n=$2 rounds=$3; shift 3
  declare -A res
  local P who port name rps key v rr
  for _ in $(seq "$rounds"); do
    for P in 1 16; do
      for who in vigil redis; do
        port=$PV; [[ $who == redis ]] && port=$PR
        while IFS=, read -r name rps _; do
          name=${name//\"/}; rps=${rps//\"/}
          [[ $name == test || $name == *needed* ]] && continue
          res["$who|${name%% *}|$P"]+="$rps "
        done < <(redis-benchmark -p $port -c 50 -n "$n" -P $P -t "$tests" -q --csv "$@" \
                   2>/dev/null)
      done
    done
  done
  printf '%-11s %-4s %12s %12s %7s\n' test P vigil redis ratio
  for key in "${!res[@]}"; do
    IFS='|' read -r who name P <<< "$key"
    [[ $who == vigil ]] || continue
    v=$(echo "${res[$key]}" | median); rr=$(echo "${res[redis|$name|$P]}" | median)
    printf '%-11s %-4s %12.0f %12.0f %7.2f\n' "$name" "$P" "$v" "$rr" "$(echo "$v / $rr" | bc -l)"
  done | sort
}
