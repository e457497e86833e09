"""Integration: master/replica replication with real processes on loopback.

Full sync then a live stream, partial resync after a dropped link, promotion
with re-pointed replicas resuming through replid2, chained replicas, WAIT,
min-replicas-to-write, READONLY/MASTERDOWN, the handshake errors, the
sentinel's MULTI/REPLICAOF/CONFIG REWRITE/CLIENT KILL/EXEC sequence, and
interop in both directions with Debian's redis-server 7.0."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from vigil_harness import VigilServer, key_snapshot, wait_for  # noqa: E402

import redis  # noqa: E402

BINARY = os.environ["VIGIL_SERVER"]
REDIS = "/usr/bin/redis-server"


def dataset(r):
    """Every key of every non-empty DB as comparable values (with TTL presence)."""
    out = {}
    for dbline, info in r.info("keyspace").items():
        db = int(dbline[2:])
        c = redis.Redis(port=r.connection_pool.connection_kwargs["port"], db=db)
        try:
            for k in c.scan_iter(count=1000):
                out[(db, k)] = key_snapshot(c, k)
        finally:
            c.close()
    return out


def fill(r, n=200, prefix="k"):
    """Every type, small and large encodings, TTLs, two DBs."""
    p = r.pipeline(transaction=False)
    for i in range(n):
        p.set("%s:s:%d" % (prefix, i), "v%d" % i)
    p.rpush(prefix + ":list", *range(300))
    p.hset(prefix + ":hash", mapping={"f%d" % i: i for i in range(200)})
    p.hset(prefix + ":smallhash", mapping={"a": 1, "b": 2})
    p.sadd(prefix + ":intset", *range(50))
    p.sadd(prefix + ":set", *["m%d" % i for i in range(200)])
    p.zadd(prefix + ":zset", {"z%d" % i: i * 1.5 for i in range(200)})
    p.zadd(prefix + ":smallzset", {"a": 1, "b": 2})
    p.set(prefix + ":ttl", "x", ex=1000)
    p.execute()
    r1 = redis.Redis(port=r.connection_pool.connection_kwargs["port"], db=1)
    r1.set(prefix + ":indb1", "yes")
    r1.close()


class Cluster:
    """Starts servers for one test and stops them all at the end."""

    def __init__(self, test):
        self.test = test
        self.servers = []

    def vigil(self, *lines):
        s = VigilServer(BINARY, config_lines=lines).start()
        self.servers.append(s)
        self.test.addCleanup(s.stop)
        return s

    def redis(self, *lines):
        s = VigilServer(REDIS, config_lines=("daemonize no", "enable-debug-command yes") + lines)
        s.start()
        self.servers.append(s)
        self.test.addCleanup(s.stop)
        return s

    def vigil_master(self, *lines, **kw):
        """A vigil server and a client of it."""
        m = self.vigil(*lines)
        return m, self.client(m, **kw)

    def client(self, s, **kw):
        c = redis.Redis(port=s.port, **kw)
        self.test.addCleanup(c.close)
        return c

    def replica_of(self, master, *lines, kind="vigil"):
        """A replica of `master` (vigil or redis), once its link is up."""
        start = self.vigil if kind == "vigil" else self.redis
        r = start("replicaof 127.0.0.1 %d" % master.port, *lines)
        rc = self.client(r)
        try:
            wait_for(lambda: link_up(rc), timeout=15, what="link up")
        except AssertionError as e:
            # Rare under heavy load; the logs of both sides say why.
            tails = ["%s log:\n%s" % (who, open(s.log).read()[-3000:])
                     for who, s in (("master", master), ("replica", r))]
            raise AssertionError("\n".join([str(e)] + tails)) from None
        return r, rc

    def drop_link_and_resume(self, mc, rc):
        """Kills the master's side of the link, writes meanwhile, and checks
        the replica comes back by a partial resync with nothing missing."""
        partial = mc.info("stats")["sync_partial_ok"]
        full = mc.info("stats")["sync_full"]
        self.test.assertEqual(mc.client_kill_filter(_type="slave"), 1)
        mc.set("during", "drop")
        wait_for(lambda: mc.info("stats")["sync_partial_ok"] == partial + 1, what="partial resync")
        wait_for(lambda: in_sync(mc, rc), what="in sync again")
        self.test.assertEqual(rc.get("during"), b"drop")
        self.test.assertEqual(mc.info("stats")["sync_full"], full)
        self.test.assertEqual(dataset(mc), dataset(rc))
        self.test.assertEqual(*digests(mc, rc))


def read_log(s):
    with open(s.log) as f:
        return f.read()


def link_up(c):
    return c.info("replication").get("master_link_status") == "up"


def digests(*clients):
    """DEBUG DIGEST of each server (equal to Redis's for the same data)."""
    return [c.execute_command("DEBUG", "DIGEST") for c in clients]


def in_sync(master, *replicas):
    """All replicas have applied everything the master has streamed."""
    off = master.info("replication")["master_repl_offset"]
    return all(r.info("replication").get("slave_repl_offset") == off for r in replicas)


class FullAndPartialSync(unittest.TestCase):
    def test_full_sync_then_stream_then_partial_resync_after_link_drop(self):
        cl = Cluster(self)
        m, mc = cl.vigil_master()
        fill(mc)
        r, rc = cl.replica_of(m)
        # Writes keep flowing after the full sync, in every DB, inside MULTI too.
        fill(mc, n=50, prefix="after")
        p = mc.pipeline(transaction=True)
        p.incr("counter")
        p.lpush("after:list", "x")
        p.execute()
        mc.expire("k:s:1", 1000)
        mc.delete("k:s:2")
        wait_for(lambda: in_sync(mc, rc), what="replica in sync")
        self.assertEqual(dataset(mc), dataset(rc))
        self.assertEqual(mc.info("stats")["sync_full"], 1)
        # Replication traffic has its own counters (Redis 7's
        # total_net_repl_*): what the master wrote to the replica is what the
        # replica read from it (the handshake replies aside), and it stays out
        # of total_net_output_bytes.
        ms, rs = mc.info("stats"), rc.info("stats")
        self.assertGreater(ms["total_net_repl_output_bytes"], 10000)
        self.assertLess(abs(ms["total_net_repl_output_bytes"] - rs["total_net_repl_input_bytes"]),
                        200)
        self.assertEqual(rs["total_net_repl_output_bytes"], 0)
        mc.set("big", "b" * 100000)  # a 100 kB write: its stream is replication traffic
        wait_for(lambda: in_sync(mc, rc), what="big write replicated")
        ms2, rs2 = mc.info("stats"), rc.info("stats")
        self.assertGreater(ms2["total_net_repl_output_bytes"] - ms["total_net_repl_output_bytes"],
                           100000)
        self.assertGreater(rs2["total_net_repl_input_bytes"] - rs["total_net_repl_input_bytes"],
                           100000)
        self.assertLess(ms2["total_net_output_bytes"] - ms["total_net_output_bytes"], 10000)

        # Drop the link from the master side: the replica reconnects and
        # continues from the backlog.
        cl.drop_link_and_resume(mc, rc)

    def test_replica_info_and_role_fields(self):
        cl = Cluster(self)
        m, mc = cl.vigil_master(decode_responses=True)
        r, _ = cl.replica_of(m, "replica-priority 42")
        rc = cl.client(r, decode_responses=True)
        mc.set("a", 1)
        wait_for(lambda: in_sync(mc, rc), what="in sync")
        ri = rc.info("replication")
        self.assertEqual(ri["role"], "slave")
        self.assertEqual(ri["master_port"], m.port)
        self.assertEqual(ri["slave_priority"], 42)
        self.assertEqual(ri["slave_read_only"], 1)
        self.assertEqual(ri["master_replid"], mc.info("replication")["master_replid"])
        mi = wait_for(lambda: (lambda i: i if i["slave0"]["offset"] == i["master_repl_offset"]
                               else None)(mc.info("replication")), what="ack")
        self.assertEqual(mi["connected_slaves"], 1)
        self.assertEqual(mi["slave0"]["state"], "online")
        self.assertEqual(mi["slave0"]["port"], r.port)
        role = mc.execute_command("ROLE")
        self.assertEqual(role[0], "master")
        self.assertEqual(role[2], [["127.0.0.1", str(r.port), str(mi["master_repl_offset"])]])
        role = rc.execute_command("ROLE")
        self.assertEqual(role[:4], ["slave", "127.0.0.1", m.port, "connected"])
        self.assertEqual(role[4], mi["master_repl_offset"])
        # The same INFO replication fields as Redis 7.0, in the same order.
        redis_m = cl.redis()
        redis_r = cl.redis("replicaof 127.0.0.1 %d" % redis_m.port)
        rrc = cl.client(redis_r, decode_responses=True)
        wait_for(lambda: link_up(rrc), timeout=15, what="redis link up")
        fields = lambda s: [ln.split(":")[0] for ln in s.cli("INFO", "replication")
                            .splitlines()[1:] if ln]
        self.assertEqual(fields(r), fields(redis_r))
        self.assertEqual(fields(m), fields(redis_m))

    def test_readonly_replica_and_stale_data(self):
        cl = Cluster(self)
        m = cl.vigil()
        r, rc = cl.replica_of(m, "replica-serve-stale-data no")
        with self.assertRaises(redis.exceptions.ReadOnlyError) as e:
            rc.set("x", 1)
        self.assertEqual(str(e.exception), "You can't write against a read only replica.")
        m.halt()
        wait_for(lambda: not link_up(rc), what="link down")
        with self.assertRaises(redis.exceptions.ResponseError) as e:
            rc.get("x")
        self.assertEqual(str(e.exception), "MASTERDOWN Link with MASTER is down and "
                         "replica-serve-stale-data is set to 'no'.")
        self.assertEqual(rc.info("replication")["master_link_status"], "down")  # INFO is allowed
        self.assertGreaterEqual(rc.info("replication")["master_link_down_since_seconds"], 0)


class Failover(unittest.TestCase):
    def test_promotion_and_repointing_resume_partially(self):
        cl = Cluster(self)
        m, mc = cl.vigil_master()
        fill(mc)
        r1, r1c = cl.replica_of(m)
        r2, r2c = cl.replica_of(m)
        mc.set("before", "failover")
        wait_for(lambda: in_sync(mc, r1c, r2c), what="in sync")
        old_id = mc.info("replication")["master_replid"]

        # What a sentinel does: promote r1, re-point r2, then the old master.
        r1c.execute_command("REPLICAOF", "NO", "ONE")
        info = r1c.info("replication")
        self.assertEqual(info["role"], "master")
        self.assertEqual(info["master_replid2"], old_id)
        r1c.set("on", "new-master")
        r2c.execute_command("REPLICAOF", "127.0.0.1", r1.port)
        m.cli("SET", "lost", "write")  # never replicated: must vanish
        mc.execute_command("REPLICAOF", "127.0.0.1", r1.port)
        wait_for(lambda: link_up(r2c) and link_up(mc), what="re-pointed links up")
        wait_for(lambda: in_sync(r1c, r2c, mc), what="in sync with new master")
        stats = r1c.info("stats")
        self.assertEqual(stats["sync_full"], 1, "the old master resyncs fully (it diverged)")
        self.assertEqual(stats["sync_partial_ok"], 1, "r2 continues through replid2")
        self.assertEqual(r2c.get("on"), b"new-master")
        self.assertIsNone(mc.get("lost"))
        self.assertEqual(dataset(r1c), dataset(r2c))
        self.assertEqual(dataset(r1c), dataset(mc))
        d = digests(r1c, r2c, mc)
        self.assertEqual(d, [d[0]] * 3)

    def test_clean_old_master_resumes_partially(self):
        cl = Cluster(self)
        m, mc = cl.vigil_master()
        r1, r1c = cl.replica_of(m)
        mc.set("a", 1)
        wait_for(lambda: in_sync(mc, r1c), what="in sync")
        r1c.execute_command("REPLICAOF", "NO", "ONE")
        mc.execute_command("REPLICAOF", "127.0.0.1", r1.port)
        wait_for(lambda: link_up(mc), what="old master following")
        self.assertEqual(r1c.info("stats")["sync_partial_ok"], 1)
        self.assertEqual(r1c.info("stats")["sync_full"], 0)

    def test_sentinel_style_transaction(self):
        cl = Cluster(self)
        m = cl.vigil()
        r = cl.vigil()
        rc = cl.client(r, decode_responses=True)
        other = cl.client(r)
        other.ping()
        p = rc.pipeline(transaction=True)
        p.execute_command("REPLICAOF", "127.0.0.1", m.port)
        p.execute_command("CONFIG", "REWRITE")
        p.execute_command("CLIENT", "KILL", "TYPE", "normal")
        p.execute_command("CLIENT", "KILL", "TYPE", "pubsub")
        res = p.execute()
        self.assertEqual(res[:2], ["OK", "OK"])
        self.assertGreaterEqual(res[2], 1)  # `other` at least (SKIPME yes spares us)
        with open(r.conf) as f:
            self.assertIn("replicaof 127.0.0.1 %d\n" % m.port, f.read())
        wait_for(lambda: link_up(rc), what="link up")


class Restarts(unittest.TestCase):
    """The RDB keeps the replication history (AUX repl-id/repl-offset): a
    restarted replica, or the replicas of a restarted master, resume with a
    partial resync instead of copying everything again."""

    def test_restarted_replica_resumes_partially(self):
        cl = Cluster(self)
        m, mc = cl.vigil_master()
        fill(mc, n=50)
        r, rc = cl.replica_of(m, "save 3600 1")
        wait_for(lambda: in_sync(mc, rc), what="in sync")
        rc.close()
        r.restart()  # SIGTERM: saves (a save point exists), then starts again
        mc.set("while", "down")
        rc = cl.client(r)
        wait_for(lambda: link_up(rc) and in_sync(mc, rc), what="replica back in sync")
        self.assertEqual(mc.info("stats")["sync_full"], 1)
        self.assertEqual(mc.info("stats")["sync_partial_ok"], 1)
        self.assertEqual(dataset(mc), dataset(rc))

    def test_replicas_of_a_restarted_master_resume_partially(self):
        cl = Cluster(self)
        m, mc = cl.vigil_master("save 3600 1")
        fill(mc, n=50)
        r, rc = cl.replica_of(m)
        wait_for(lambda: in_sync(mc, rc), what="in sync")
        old_id = mc.info("replication")["master_replid"]
        mc.close()
        m.restart()
        mc = cl.client(m)
        self.assertEqual(mc.info("replication")["master_replid2"], old_id)
        wait_for(lambda: link_up(rc), what="replica reconnected")
        mc.set("after", "restart")
        wait_for(lambda: in_sync(mc, rc), what="in sync again")
        self.assertEqual(mc.info("stats")["sync_full"], 0)
        self.assertEqual(mc.info("stats")["sync_partial_ok"], 1)
        self.assertEqual(dataset(mc), dataset(rc))


class CoordinatedFailover(unittest.TestCase):
    """FAILOVER: writes wait during the hand-over, nothing acknowledged is lost."""

    def check_failover(self, master_kind, replica_kind):
        cl = Cluster(self)
        m = cl.vigil() if master_kind == "vigil" else cl.redis()
        r, _ = cl.replica_of(m, kind=replica_kind)
        mc, rc = cl.client(m), cl.client(r)
        fill(mc, n=50)
        wait_for(lambda: in_sync(mc, rc), what="in sync")
        self.assertTrue(mc.execute_command("FAILOVER", "TO", "127.0.0.1", r.port, "TIMEOUT", 5000))
        # A write during the hand-over waits, then gets READONLY: it never
        # lands on the demoted master alone.
        with self.assertRaises(redis.exceptions.ReadOnlyError):
            mc.set("during", "failover")
        wait_for(lambda: rc.info("replication")["role"] == "master", what="target promoted")
        wait_for(lambda: link_up(mc), what="old master follows the new one")
        self.assertEqual(mc.info("replication")["master_failover_state"], "no-failover")
        self.assertEqual(rc.info("stats")["sync_full"], 0, "the old master resumed partially")
        rc.set("after", "failover")
        wait_for(lambda: mc.get("after") == b"failover", what="stream from the new master")
        self.assertIsNone(rc.get("during"))
        self.assertEqual(dataset(mc), dataset(rc))
        self.assertEqual(*digests(mc, rc))

    def test_failover_to_vigil_replica(self):
        self.check_failover("vigil", "vigil")

    def test_failover_to_redis_replica(self):
        self.check_failover("vigil", "redis")

    def test_redis_master_fails_over_to_vigil_replica(self):
        self.check_failover("redis", "vigil")

    def test_errors_and_abort(self):
        cl = Cluster(self)
        m, mc = cl.vigil_master()
        def err(*a):
            with self.assertRaises(redis.exceptions.ResponseError) as e:
                mc.execute_command("FAILOVER", *a)
            return str(e.exception)

        self.assertEqual(err(), "FAILOVER requires connected replicas.")
        self.assertEqual(err("ABORT"), "No failover in progress.")
        r, rc = cl.replica_of(m)
        self.assertEqual(err("TO", "127.0.0.1", r.port, "FORCE"),
                         "FAILOVER with force option requires both a timeout and target HOST and IP.")
        self.assertEqual(err("TO", "127.0.0.1", 1), "FAILOVER target HOST and PORT is not a replica.")
        self.assertEqual(err("TIMEOUT", 0), "FAILOVER timeout must be greater than 0")
        with self.assertRaises(redis.exceptions.ResponseError) as e:
            rc.execute_command("FAILOVER")
        self.assertEqual(str(e.exception), "FAILOVER is not valid when server is a replica.")
        # A replica that cannot catch up (paused by us): the failover times
        # out and the master keeps serving writes.
        r.proc.send_signal(signal.SIGSTOP)
        self.addCleanup(lambda: r.proc.send_signal(signal.SIGCONT))
        mc.set("x", 1)
        self.assertTrue(mc.execute_command("FAILOVER", "TIMEOUT", 300))
        self.assertEqual(mc.info("replication")["master_failover_state"], "waiting-for-sync")
        wait_for(lambda: mc.info("replication")["master_failover_state"] == "no-failover",
                 what="failover timed out")
        self.assertTrue(mc.set("still", "master"))
        self.assertTrue(mc.execute_command("FAILOVER"))
        self.assertTrue(mc.execute_command("FAILOVER", "ABORT"))
        self.assertEqual(mc.info("replication")["role"], "master")
        self.assertTrue(mc.set("after", "abort"))


class ClientPause(unittest.TestCase):
    def test_pause_write_parks_writes_until_unpause(self):
        cl = Cluster(self)
        m, mc = cl.vigil_master()
        writer = cl.client(m)
        self.assertTrue(mc.execute_command("CLIENT", "PAUSE", 10000, "WRITE"))
        self.assertEqual(mc.get("k"), None)  # reads go on
        done = []
        t = threading.Thread(target=lambda: done.append(writer.set("k", "v")))
        t.start()
        time.sleep(0.3)
        self.assertEqual(done, [])
        self.assertIsNone(mc.get("k"))
        self.assertTrue(mc.execute_command("CLIENT", "UNPAUSE"))
        t.join(5)
        self.assertEqual(done, [True])
        self.assertEqual(mc.get("k"), b"v")
        with self.assertRaises(redis.exceptions.ResponseError) as e:
            mc.execute_command("CLIENT", "PAUSE", 10, "SOME")
        self.assertEqual(str(e.exception), "CLIENT PAUSE mode must be WRITE or ALL")

    def test_pause_expires_by_itself(self):
        cl = Cluster(self)
        m, mc = cl.vigil_master()
        mc.execute_command("CLIENT", "PAUSE", 300)
        start = time.time()
        self.assertTrue(cl.client(m).set("k", "v"))
        self.assertGreaterEqual(time.time() - start, 0.2)


class Chained(unittest.TestCase):
    def test_sub_replica_follows_the_chain(self):
        cl = Cluster(self)
        m, mc = cl.vigil_master()
        r1, r1c = cl.replica_of(m)
        r2, r2c = cl.replica_of(r1)
        fill(mc, n=30)
        wait_for(lambda: in_sync(mc, r1c, r2c), what="chain in sync")
        self.assertEqual(dataset(mc), dataset(r2c))
        d = digests(mc, r1c, r2c)
        self.assertEqual(d, [d[0]] * 3)
        # One offset space along the chain.
        self.assertEqual(r2c.info("replication")["master_replid"],
                         mc.info("replication")["master_replid"])
        # r1's master changes (promotion of r1): r2 keeps following it.
        r1c.execute_command("REPLICAOF", "NO", "ONE")
        r1c.set("from", "r1")
        wait_for(lambda: r2c.get("from") == b"r1", what="r2 follows r1 after promotion")


class WaitAndMinReplicas(unittest.TestCase):
    def test_wait_counts_acknowledging_replicas(self):
        cl = Cluster(self)
        m, mc = cl.vigil_master()
        r1, r1c = cl.replica_of(m)
        cl.replica_of(m)
        mc.set("x", 1)
        self.assertEqual(mc.execute_command("WAIT", 2, 5000), 2)
        start = time.time()
        self.assertEqual(mc.execute_command("WAIT", 3, 300), 2)
        self.assertGreaterEqual(time.time() - start, 0.25)
        with self.assertRaises(redis.exceptions.ResponseError) as e:
            r1c.execute_command("WAIT", 1, 10)
        self.assertIn("WAIT cannot be used with replica instances", str(e.exception))
        with self.assertRaises(redis.exceptions.ResponseError) as e:
            mc.execute_command("WAIT", 1, -1)
        self.assertEqual(str(e.exception), "timeout is negative")

    def test_min_replicas_to_write(self):
        cl = Cluster(self)
        m, mc = cl.vigil_master("min-replicas-to-write 1", "min-replicas-max-lag 2")
        r, _ = cl.replica_of(m)
        self.assertTrue(mc.set("ok", 1))
        r.halt()

        def refused():
            try:
                mc.set("late", 1)
                return False
            except redis.exceptions.ResponseError as e:
                return str(e) == "NOREPLICAS Not enough good replicas to write."
        wait_for(refused, timeout=8, what="NOREPLICAS")
        self.assertEqual(mc.get("ok"), b"1")  # reads still work


class BigSync(unittest.TestCase):
    def test_full_sync_of_a_million_keys_then_writes_keep_flowing(self):
        cl = Cluster(self)
        m, mc = cl.vigil_master()
        payload = "".join("*3\r\n$3\r\nSET\r\n$16\r\nkey:%012d\r\n$8\r\nv%07d\r\n" % (i, i % 10**7)
                          for i in range(1_000_000)).encode()
        res = subprocess.run(["redis-cli", "-p", str(m.port), "--pipe"], input=payload,
                             capture_output=True, timeout=120)
        self.assertEqual(res.returncode, 0, res.stdout + res.stderr)
        self.assertEqual(mc.dbsize(), 1_000_000)
        r, rc = cl.replica_of(m)
        # Writes made while the replica loads reach it afterwards.
        for i in range(100):
            mc.set("live:%d" % i, i)
        wait_for(lambda: in_sync(mc, rc), timeout=30, what="replica in sync")
        self.assertEqual(rc.dbsize(), 1_000_100)
        self.assertEqual(*digests(mc, rc))


class UnderLoad(unittest.TestCase):
    def test_replica_equals_master_after_a_mixed_benchmark(self):
        cl = Cluster(self)
        m, mc = cl.vigil_master()
        r, rc = cl.replica_of(m)
        res = subprocess.run(
            ["redis-benchmark", "-p", str(m.port), "-c", "20", "-n", "20000", "-P", "16",
             "-r", "1000", "-q", "-t",
             "set,incr,lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,zpopmin,lrange_100,mset"],
            capture_output=True, text=True, timeout=120)
        self.assertEqual(res.returncode, 0, res.stderr)
        wait_for(lambda: in_sync(mc, rc), timeout=20, what="replica in sync")
        self.assertGreater(mc.dbsize(), 1000)
        self.assertEqual(*digests(mc, rc))


class Handshake(unittest.TestCase):
    def test_announced_address_is_what_the_master_shows(self):
        cl = Cluster(self)
        m, mc = cl.vigil_master(decode_responses=True)
        cl.replica_of(m, "replica-announce-ip 10.1.2.3", "replica-announce-port 7777")
        slave0 = wait_for(lambda: mc.info("replication").get("slave0"), what="slave0 line")
        self.assertEqual((slave0["ip"], slave0["port"]), ("10.1.2.3", 7777))

    def test_master_refusing_psync_is_logged_and_retried(self):
        """A fake master that answers the handshake but refuses PSYNC."""
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        self.addCleanup(listener.close)
        port = listener.getsockname()[1]
        seen = []

        def serve():
            listener.settimeout(10)
            try:
                while True:
                    conn, _ = listener.accept()
                    with conn:
                        f = conn.makefile("rb")
                        while True:
                            head = f.readline()
                            if not head:
                                break
                            args = [f.readline() and f.readline().strip()
                                    for _ in range(int(head[1:]))]
                            seen.append(args[0].upper())
                            if args[0].upper() == b"PSYNC":
                                conn.sendall(b"-ERR PSYNC is not supported here\r\n")
                            else:
                                conn.sendall(b"+PONG\r\n" if args[0].upper() == b"PING"
                                             else b"+OK\r\n")
            except OSError:
                pass
        threading.Thread(target=serve, daemon=True).start()
        cl = Cluster(self)
        r = cl.vigil("replicaof 127.0.0.1 %d" % port)
        wait_for(lambda: seen.count(b"PSYNC") >= 2, what="two PSYNC attempts")
        self.assertIn("Unexpected reply to PSYNC from master: -ERR PSYNC is not supported here",
                      read_log(r))
        self.assertEqual(cl.client(r).info("replication")["master_link_status"], "down")
        self.assertEqual(seen[:4], [b"PING", b"REPLCONF", b"REPLCONF", b"PSYNC"])


class LegacySync(unittest.TestCase):
    def test_redis_cli_rdb_takes_a_snapshot_over_sync(self):
        cl = Cluster(self)
        m, mc = cl.vigil_master()
        fill(mc, n=100)
        out = os.path.join(m.dir, "fetched.rdb")
        res = subprocess.run(["redis-cli", "-p", str(m.port), "--rdb", out],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(res.returncode, 0, res.stdout + res.stderr)
        # The fetched file loads into a fresh server with the same data.
        other = cl.vigil("dbfilename fetched-copy.rdb")
        other.halt()
        shutil.copy(out, os.path.join(other.dir, "fetched-copy.rdb"))
        other.start()
        oc = cl.client(other)
        self.assertEqual(dataset(mc), dataset(oc))
        self.assertEqual(*digests(mc, oc))


class Errors(unittest.TestCase):
    def test_unreachable_master_retries_once_a_second(self):
        cl = Cluster(self)
        dead = VigilServer(BINARY)  # never started: its port refuses
        self.addCleanup(dead.stop)
        r = cl.vigil("replicaof 127.0.0.1 %d" % dead.port)
        rc = cl.client(r)
        time.sleep(2.5)
        self.assertEqual(rc.info("replication")["master_link_status"], "down")
        log = read_log(r)
        self.assertIn("Error condition on socket for SYNC: Connection refused", log)
        attempts = log.count("Connecting to MASTER")
        self.assertTrue(2 <= attempts <= 4, attempts)

    def test_wrong_masterauth_is_logged_and_shown(self):
        cl = Cluster(self)
        m = cl.vigil("requirepass secret")
        r = cl.vigil("replicaof 127.0.0.1 %d" % m.port, "masterauth wrong")
        rc = cl.client(r)
        wait_for(lambda: "Unable to AUTH to MASTER" in read_log(r), what="auth error log")
        self.assertEqual(rc.info("replication")["master_link_status"], "down")
        rc.config_set("masterauth", "secret")
        wait_for(lambda: link_up(rc), what="link up after fixing masterauth")


class Interop(unittest.TestCase):
    def test_vigil_replica_of_redis_master(self):
        cl = Cluster(self)
        m = cl.redis("repl-diskless-sync-delay 0")
        mc = cl.client(m)
        fill(mc)
        r, rc = cl.replica_of(m)
        fill(mc, n=20, prefix="live")
        mc.sadd("live:set", "extra")
        wait_for(lambda: in_sync(mc, rc), what="in sync")
        self.assertEqual(dataset(mc), dataset(rc))
        cl.drop_link_and_resume(mc, rc)

    def test_redis_replica_of_vigil_master(self):
        cl = Cluster(self)
        m, mc = cl.vigil_master()
        fill(mc)
        r, rc = cl.replica_of(m, kind="redis")
        fill(mc, n=20, prefix="live")
        p = mc.pipeline(transaction=True)
        p.zincrby("live:zset", 2, "z1")
        p.expire("live:s:3", 500)
        p.execute()
        wait_for(lambda: in_sync(mc, rc), what="in sync")
        self.assertEqual(dataset(mc), dataset(rc))
        cl.drop_link_and_resume(mc, rc)


class Expiry(unittest.TestCase):
    def test_replica_hides_expired_keys_and_applies_the_masters_del(self):
        cl = Cluster(self)
        m, mc = cl.vigil_master()
        r, rc = cl.replica_of(m)
        mc.set("short", "x", px=300)
        mc.set("long", "y")
        wait_for(lambda: in_sync(mc, rc), what="in sync")
        self.assertEqual(rc.get("short"), b"x")
        # Once the TTL passes the replica answers nil at once, and the key
        # leaves its memory when the master's active expiry sends DEL.
        time.sleep(0.35)
        self.assertIsNone(rc.get("short"))
        wait_for(lambda: rc.dbsize() == 1, what="DEL from the master")


if __name__ == "__main__":
    unittest.main()
