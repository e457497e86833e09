#!/usr/bin/env python3
"""Timing probes for bench/replication.sh, one subcommand per figure. Each
prints one line of key=value pairs on stdout (details go to stderr).

  fullsync <master> <replica> <start_ns>
      Polls the replica until master_link_status:up and its slave_repl_offset
      equals the master's master_repl_offset; ms is measured from start_ns
      (time.time_ns() when the replica process was started), then compares
      DBSIZE on both.
  rps <port> <redis-benchmark args...>
      SET ops/s of one redis-benchmark run.
  lag <master> <replica> <samples file> <redis-benchmark args...>
      The same against the master, appending master_repl_offset -
      slave_repl_offset to the file every 50 ms (INFO sent to both servers
      before either reply is read); then the ms the replica needs to catch up.
  lagstats <samples file>
      Median, p99 and max of the samples.
  repoint <master> <replica1> <replica2>
      Once both replicas are in sync: replica1 REPLICAOF NO ONE, replica2
      REPLICAOF replica1, ms from that reply to replica2's link up, and the
      partial and full resyncs replica1 served for it (INFO stats). The old
      master then follows replica1 too (the counts for that are restore_*),
      so the next call can start with the roles rotated, no full sync."""
import statistics
import subprocess
import sys
import time

import redis

HOST = "127.0.0.1"
TIMEOUT_S = 120


def fail(what, *ports):
    """Exits with what happened and INFO replication of the nodes involved."""
    print("ERROR: " + what, file=sys.stderr)
    for port in ports:
        try:
            info = redis.Redis(host=HOST, port=port).info("replication")
            print("  :%d %s" % (port, info), file=sys.stderr)
        except redis.RedisError as e:
            print("  :%d unreachable (%s)" % (port, e), file=sys.stderr)
    print("error=" + what.replace(" ", "_"))
    sys.exit(1)


def node(port):
    return redis.Redis(host=HOST, port=port, socket_timeout=30)


def in_sync(master, replica, master_port=None):
    """True when the replica's link is up (to master_port, if given) and it
    applied everything the master has."""
    r = replica.info("replication")
    if r.get("master_link_status") != "up":
        return False
    if master_port is not None and r.get("master_port") != master_port:
        return False
    return r.get("slave_repl_offset") == master.info("replication")["master_repl_offset"]


def wait_until(cond, what, *ports, interval=0.005):
    deadline = time.monotonic() + TIMEOUT_S
    while not cond():
        if time.monotonic() > deadline:
            fail("timed out waiting for " + what, *ports)
        time.sleep(interval)


def fullsync(master_port, replica_port, start_ns):
    master, replica = node(master_port), node(replica_port)

    def synced():
        try:
            return in_sync(master, replica)
        except redis.ConnectionError:  # the process is still starting
            return False
    wait_until(synced, "the full sync", master_port, replica_port)
    ms = (time.time_ns() - start_ns) / 1e6
    print("ms=%.0f dbsize_master=%d dbsize_replica=%d" %
          (ms, master.dbsize(), replica.dbsize()))


def offsets(conns):
    """master_repl_offset of conns[0] and slave_repl_offset of conns[1],
    queried together so neither waits for the other's reply."""
    for c in conns:
        c.send_command("INFO", "replication")
    infos = [redis.client.parse_info(c.read_response().decode()) for c in conns]
    return infos[0]["master_repl_offset"], infos[1]["slave_repl_offset"]


def run_bench(port, bench_args, sample=None):
    """SET ops/s of one redis-benchmark run; calls sample() every 50 ms
    while it runs."""
    bench = subprocess.Popen(["redis-benchmark", "-p", str(port), "-q", "--csv"] + bench_args,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    tick = time.monotonic()
    while bench.poll() is None:
        if sample:
            sample()
        tick += 0.05
        time.sleep(max(0.0, tick - time.monotonic()))
    out = bench.stdout.read()
    rps = [line.split(",")[1].strip('"') for line in out.splitlines() if line.startswith('"SET"')]
    if bench.returncode != 0 or not rps:
        fail("redis-benchmark failed: " + out.strip(), port)
    return float(rps[0])


def rps(port, bench_args):
    print("rps=%.0f" % run_bench(port, bench_args))


def lag(master_port, replica_port, samples_file, bench_args):
    conns = [redis.Connection(host=HOST, port=p) for p in (master_port, replica_port)]
    samples = []

    def sample():
        m, r = offsets(conns)
        samples.append(max(0, m - r))

    def caught_up():
        m, r = offsets(conns)
        return m == r
    ops = run_bench(master_port, bench_args, sample)
    done = time.monotonic()
    wait_until(caught_up, "the replica to catch up", master_port, replica_port, interval=0.001)
    catchup_ms = (time.monotonic() - done) * 1000
    with open(samples_file, "a") as f:
        f.write("".join("%d\n" % x for x in samples))
    print("rps=%.0f samples=%d catchup_ms=%.0f dbsize_master=%d dbsize_replica=%d" %
          (ops, len(samples), catchup_ms, node(master_port).dbsize(),
           node(replica_port).dbsize()))


def lagstats(samples_file):
    with open(samples_file) as f:
        samples = sorted(int(line) for line in f)
    p99 = samples[max(0, -(-len(samples) * 99 // 100) - 1)]
    print("samples=%d median=%d p99=%d max=%d" %
          (len(samples), statistics.median(samples), p99, samples[-1]))


def link_up(replica, master_port):
    r = replica.info("replication")
    return r.get("master_link_status") == "up" and r.get("master_port") == master_port


def sync_counts(r):
    s = r.info("stats")
    return s["sync_partial_ok"], s["sync_full"]


def follow(replica, port):
    """REPLICAOF 127.0.0.1 port; returns the time of the reply."""
    replica.execute_command("REPLICAOF", HOST, port)
    return time.monotonic()


def repoint(mp, pp, rp):
    m, promoted, moved = node(mp), node(pp), node(rp)
    for r in (promoted, moved):
        wait_until(lambda: in_sync(m, r, mp), "the replicas in sync", mp, pp, rp)
    ok0, full0 = sync_counts(promoted)
    promoted.execute_command("REPLICAOF", "NO", "ONE")
    t0 = follow(moved, pp)
    wait_until(lambda: link_up(moved, pp), "the re-pointed link", mp, pp, rp, interval=0.0005)
    ms = (time.monotonic() - t0) * 1000
    ok1, full1 = sync_counts(promoted)
    # The old master follows the promoted node too, so the next round starts
    # from three nodes in sync.
    follow(m, pp)
    wait_until(lambda: in_sync(promoted, m, pp), "the old master to follow", mp, pp, rp)
    ok2, full2 = sync_counts(promoted)
    print("ms=%.2f partial=%d full=%d restore_partial=%d restore_full=%d" %
          (ms, ok1 - ok0, full1 - full0, ok2 - ok1, full2 - full1))


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "fullsync":
        fullsync(int(args[0]), int(args[1]), int(args[2]))
    elif cmd == "rps":
        rps(int(args[0]), args[1:])
    elif cmd == "lag":
        lag(int(args[0]), int(args[1]), args[2], args[3:])
    elif cmd == "lagstats":
        lagstats(args[0])
    elif cmd == "repoint":
        repoint(*[int(p) for p in args])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
