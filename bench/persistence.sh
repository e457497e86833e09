#!/usr/bin/env bash
# Persistence figures, vigil-server vs Debian's redis-server in the same run:
# SAVE time and dump size for N keys (default 1,000,000 SET key:N <20 bytes>),
# load time at startup, the longest PING reply while BGSAVE and BGREWRITEAOF
# run, and SET throughput (redis-benchmark, 50 clients) with appendfsync
# everysec and always.
# Usage: bench/persistence.sh [build-dir] [keys]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}; KEYS=${2:-1000000}
source bench/lib.sh
bench_workdir vigil-persist
PORT=$(random_port 30000)

# start <who> <port> <dir> [args...]
start() {
  local who=$1 port=$2 dir=$3; shift 3
  mkdir -p "$dir"
  if [[ $who == vigil ]]; then
    "$BUILD/server/vigil-server" --port "$port" --bind 127.0.0.1 --dir "$dir" "$@" > "$dir/log" 2>&1 &
  else
    redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" "$@" > "$dir/log" 2>&1 &
  fi
  echo $!
}
wait_up() { for _ in $(seq 600); do redis-cli -p "$1" ping 2>/dev/null | grep -q PONG && return; sleep 0.05; done; }
now_ms() { date +%s%3N; }

printf '%-8s %10s %12s %10s %14s %14s\n' server save_ms dump_bytes load_ms bgsave_stall aofrw_stall
for who in vigil redis; do
  dir="$WORK/$who"; port=$PORT; [[ $who == redis ]] && port=$((PORT + 1))
  pid=$(start $who $port "$dir" --save '' --appendonly no)
  wait_up $port
  python3 -c "
import sys
for i in range($KEYS):
    sys.stdout.write('*3\r\n\$3\r\nSET\r\n\$%d\r\nkey:%d\r\n\$20\r\n%s\r\n' % (len('key:%d' % i), i, 'v' * 20))
" | redis-cli -p $port --pipe > /dev/null
  t0=$(now_ms); redis-cli -p $port save > /dev/null; save_ms=$(( $(now_ms) - t0 ))
  size=$(stat -c %s "$dir/dump.rdb")
  bg=$(python3 bench/stall_probe.py $port BGSAVE | sed 's/.*longest reply //')
  kill $pid 2>/dev/null || echo "($who exited early: see its log)" >&2; wait $pid 2>/dev/null || true
  # Load time: process start until it answers PONG with every key present.
  t0=$(now_ms); pid=$(start $who $port "$dir" --save '' --appendonly no); wait_up $port
  load_ms=$(( $(now_ms) - t0 ))
  [[ $(redis-cli -p $port dbsize) == "$KEYS" ]] || load_ms=-1
  redis-cli -p $port config set appendonly yes > /dev/null
  for _ in $(seq 600); do redis-cli -p $port info persistence | grep -q 'aof_rewrite_in_progress:0' && break; sleep 0.05; done
  sleep 1
  rw=$(python3 bench/stall_probe.py $port BGREWRITEAOF | sed 's/.*longest reply //')
  kill $pid 2>/dev/null || echo "($who exited early: see its log)" >&2; wait $pid 2>/dev/null || true
  printf '%-8s %10d %12d %10d %14s %14s\n' $who $save_ms $size $load_ms "$bg" "$rw"
done

echo
echo "SET throughput with the AOF on (redis-benchmark -c 50 -n 200000, median of 3):"
for fsync in everysec always; do
  for who in vigil redis; do
    dir="$WORK/$who-$fsync"; port=$((PORT + 10)); [[ $who == redis ]] && port=$((PORT + 11))
    pid=$(start $who $port "$dir" --save '' --appendonly yes --appendfsync $fsync)
    wait_up $port
    r=""
    for _ in 1 2 3; do
      r+="$(redis-benchmark -p $port -c 50 -n 200000 -t set -q --csv | awk -F, '/SET/ {gsub(/"/,"",$2); print $2}') "
    done
    eval "rps_$who=$(echo "$r" | median)"
    kill $pid 2>/dev/null || echo "($who exited early: see its log)" >&2; wait $pid 2>/dev/null || true
  done
  printf '  appendfsync %-8s vigil %10.0f  redis %10.0f  ratio %.2f\n' $fsync "$rps_vigil" "$rps_redis" \
    "$(echo "$rps_vigil / $rps_redis" | bc -l)"
done

# Group commit under 'always': SETs covered by one fdatasync (50 clients keep
# at most 50 commands in flight, so 50 is the ceiling). Fewer per sync means
# more syncs for the same work, which is what bounds 'always' throughput.
if command -v strace > /dev/null; then
  echo
  echo "Group commit with appendfsync always (redis-benchmark -c 50 -n 50000, under strace):"
  for who in vigil redis; do
    dir="$WORK/$who-strace"; port=$((PORT + 20)); [[ $who == redis ]] && port=$((PORT + 21))
    mkdir -p "$dir"
    bin="$BUILD/server/vigil-server"; [[ $who == redis ]] && bin=redis-server
    strace -f -qq -c -o "$dir/strace" -e trace=fsync,fdatasync,write,sendto,epoll_wait \
      "$bin" --port $port --bind 127.0.0.1 --dir "$dir" --save '' --appendonly yes \
      --appendfsync always > "$dir/log" 2>&1 &
    spid=$!
    wait_up $port
    redis-benchmark -p $port -c 50 -n 50000 -t set -q > /dev/null
    redis-cli -p $port shutdown nosave > /dev/null 2>&1 || true
    wait $spid 2>/dev/null || true
    syncs=$(awk '$NF == "fdatasync" {print $4}' "$dir/strace")
    waits=$(awk '$NF == "epoll_wait" {print $4}' "$dir/strace")
    printf '  %-6s fdatasync %6d  epoll_wait %6d  SETs per fdatasync %5.1f\n' $who "${syncs:-0}" \
      "${waits:-0}" "$(echo "50000 / ${syncs:-1}" | bc -l)"
  done
fi
