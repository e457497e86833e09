"""Integration: maxmemory enforcement (Redis 7.0's evict.c behaviour).

Each policy against a real vigil-server with a limit of a few MB above its
empty footprint: used_memory stays near the limit while 3-4x as much is
written, LRU keeps recently read keys, volatile-* only evicts keys with a TTL
(and then answers OOM), volatile-ttl evicts the nearest expiry first,
noeviction refuses writes and MULTI queueing with Redis's exact error.
Evictions reach a replica as DELs, fire "evicted" keyspace events and count
in INFO evicted_keys. Replies that do not depend on memory figures (OOM
errors with maxmemory 1, OBJECT FREQ/IDLETIME, CONFIG) are compared with
Debian's redis-server side by side."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from vigil_harness import VigilServer, wait_for  # noqa: E402

import redis  # noqa: E402

BINARY = os.environ["VIGIL_SERVER"]
REDIS = "/usr/bin/redis-server"
OOM = "OOM command not allowed when used memory > 'maxmemory'."
VALUE = "x" * 1000
MB = 1 << 20


class EvictionTestCase(unittest.TestCase):
    def start(self, binary=BINARY, *lines):
        extra = ("daemonize no",) if binary == REDIS else ()
        s = VigilServer(binary, config_lines=extra + lines).start()
        self.addCleanup(s.stop)
        c = redis.Redis(port=s.port, decode_responses=True)
        self.addCleanup(c.close)
        return s, c

    def limit_above_footprint(self, c, extra_bytes, policy):
        """Sets maxmemory `extra_bytes` above the current used_memory."""
        limit = c.info("memory")["used_memory"] + extra_bytes
        c.config_set("maxmemory-policy", policy)
        c.config_set("maxmemory", limit)
        return limit

    @staticmethod
    def write(c, prefix, n, ex=None, batch=200, start=0):
        """SETs prefix:i for i in [start, start + n), pipelined; returns the
        replies (True, or the error)."""
        replies = []
        for lo in range(start, start + n, batch):
            p = c.pipeline(transaction=False)
            for i in range(lo, min(start + n, lo + batch)):
                if ex is None:
                    p.set("%s:%d" % (prefix, i), VALUE)
                else:
                    p.set("%s:%d" % (prefix, i), VALUE, ex=ex(i) if callable(ex) else ex)
            replies += p.execute(raise_on_error=False)
        return replies

    @staticmethod
    def read(c, keys, batch=100):
        """GETs the keys, in small pipelines: the replies waiting in the
        output buffer count as used memory too."""
        for lo in range(0, len(keys), batch):
            p = c.pipeline(transaction=False)
            for k in keys[lo:lo + batch]:
                p.get(k)
            p.execute()

    @staticmethod
    def existing(c, keys):
        p = c.pipeline(transaction=False)
        for k in keys:
            p.exists(k)
        return [k for k, e in zip(keys, p.execute()) if e]


class Policies(EvictionTestCase):
    def test_allkeys_lru_holds_the_limit_and_counts_evictions(self):
        _, c = self.start()
        limit = self.limit_above_footprint(c, 4 * MB, "allkeys-lru")
        self.assertTrue(all(r is True for r in self.write(c, "k", 16000)))  # ~4x the room
        used = c.info("memory")["used_memory"]
        self.assertLessEqual(used, limit + 256 * 1024)
        self.assertGreater(used, limit - MB)
        c.config_set("maxmemory", 0)  # no more evictions from here
        evicted = c.info("stats")["evicted_keys"]
        self.assertEqual(evicted, 16000 - c.dbsize())
        self.assertGreater(evicted, 10000)
        c.config_resetstat()
        self.assertEqual(c.info("stats")["evicted_keys"], 0)

    def test_allkeys_lru_keeps_recently_read_keys(self):
        _, c = self.start()
        self.limit_above_footprint(c, 4 * MB, "allkeys-lru")
        self.write(c, "old", 3000)  # about the room there is
        hot = ["old:%d" % i for i in range(0, 3000, 5)]
        # Access times have a 1 s resolution (Redis's LRU clock).
        time.sleep(1.05)
        self.read(c, hot)
        self.write(c, "new", 3000)
        self.assertGreater(c.info("stats")["evicted_keys"], 1500)
        survivors = self.existing(c, hot)
        self.assertGreater(len(survivors), 0.9 * len(hot))
        cold = ["old:%d" % i for i in range(3000) if i % 5]
        self.assertLess(len(self.existing(c, cold)), 0.7 * len(cold))

    def test_allkeys_lfu_keeps_frequently_read_keys(self):
        _, c = self.start()
        self.limit_above_footprint(c, 4 * MB, "allkeys-lfu")
        c.config_set("lfu-log-factor", 0)  # every access counts
        self.write(c, "old", 3000)
        hot = ["old:%d" % i for i in range(0, 3000, 5)]
        for _ in range(5):
            self.read(c, hot)
        self.assertEqual(c.object("freq", hot[0]), 10)
        self.write(c, "new", 1500)
        self.assertGreater(len(self.existing(c, hot)), 0.9 * len(hot))

    def test_volatile_lru_evicts_only_keys_with_ttl_then_refuses(self):
        _, c = self.start()
        self.limit_above_footprint(c, 3 * MB, "volatile-lru")
        self.write(c, "keep", 1000)
        self.assertTrue(all(r is True for r in self.write(c, "vol", 6000, ex=1000)))
        self.assertGreater(c.info("stats")["evicted_keys"], 2000)
        self.assertEqual(len(self.existing(c, ["keep:%d" % i for i in range(1000)])), 1000)
        # Persistent keys until the volatile ones are all gone: then OOM.
        replies = self.write(c, "more", 4000)
        errors = [r for r in replies if isinstance(r, Exception)]
        self.assertTrue(errors)
        self.assertEqual(str(errors[0]), OOM)
        self.assertEqual(c.info("keyspace")["db0"]["expires"], 0)
        self.assertEqual(len(self.existing(c, ["keep:%d" % i for i in range(1000)])), 1000)
        # Reads and deletes still work; a DEL frees room for writes again.
        self.assertEqual(c.get("keep:0"), VALUE)
        self.assertEqual(c.delete(*["keep:%d" % i for i in range(500)]), 500)
        self.assertTrue(c.set("after", "del"))

    def test_volatile_ttl_evicts_the_nearest_expiry_first(self):
        _, c = self.start()
        self.limit_above_footprint(c, 3 * MB, "volatile-ttl")
        c.config_set("maxmemory-samples", 10)
        # TTLs grow with the index; every key has one.
        self.write(c, "t", 8000, ex=lambda i: 10000 + i)
        self.assertGreater(c.info("stats")["evicted_keys"], 4000)
        survivors = self.existing(c, ["t:%d" % i for i in range(8000)])
        idx = sorted(int(k.split(":")[1]) for k in survivors)
        # The survivors are about the keys written last (the farthest
        # expiries): ideally exactly the last len(idx).
        self.assertGreater(sum(1 for i in idx if i >= 8000 - 2 * len(idx)), 0.95 * len(idx))
        self.assertLess(sum(1 for i in idx if i < 2000), 0.01 * len(idx))

    def test_random_policies_round_robin_over_databases(self):
        s, c = self.start()
        self.limit_above_footprint(c, 3 * MB, "allkeys-random")
        c1 = redis.Redis(port=s.port, db=1, decode_responses=True)
        self.addCleanup(c1.close)
        self.write(c1, "db1", 2000)
        self.write(c, "db0", 6000)
        self.assertGreater(c.info("stats")["evicted_keys"], 3000)
        self.assertLess(c1.dbsize(), 2000)  # db 1 pays its share too
        c.flushall()
        c.config_set("maxmemory-policy", "volatile-random")
        self.write(c, "plain", 500)
        self.write(c, "vol", 6000, ex=100)
        self.assertEqual(c.dbsize() - c.info("keyspace")["db0"]["expires"], 500)

    def test_noeviction_refuses_writes_and_multi(self):
        _, c = self.start()
        limit = self.limit_above_footprint(c, 2 * MB, "noeviction")
        replies = self.write(c, "k", 4000)
        errors = [r for r in replies if isinstance(r, Exception)]
        self.assertTrue(errors)
        self.assertTrue(all(str(e) == OOM for e in errors))
        self.assertEqual(c.info("stats")["evicted_keys"], 0)
        self.assertLessEqual(c.info("memory")["used_memory"], limit + 64 * 1024)
        self.assertEqual(c.get("k:0"), VALUE)
        rejected = c.info("commandstats")["cmdstat_set"]["rejected_calls"]
        self.assertEqual(rejected, len(errors))
        self.assertEqual(c.delete("k:0", "k:1"), 2)
        self.assertEqual(c.info("errorstats")["errorstat_OOM"], "count=%d" % len(errors))


class ComparedWithRedis(EvictionTestCase):
    """Replies over the limit (maxmemory 1: always over) and the LFU replies,
    from vigil and redis-server."""

    def both(self):
        return [self.start(BINARY)[1], self.start(REDIS)[1]]

    def run_script(self, c, script):
        """The raw replies (no redis-py reply callbacks), errors as "ERR:<text>"."""
        conn = c.connection_pool.get_connection("script")
        self.addCleanup(c.connection_pool.release, conn)
        out = []
        for cmd in script:
            conn.send_command(*cmd)
            try:
                out.append(conn.read_response())
            except redis.ResponseError as e:
                out.append("ERR:" + str(e))
        return out

    def test_oom_replies_match(self):
        script = [
            ("SET", "a", "1"), ("GET", "a"), ("CONFIG", "SET", "maxmemory", "1"),
            ("SET", "b", "x"), ("GET", "a"), ("APPEND", "a", "y"), ("LPUSH", "l", "x"),
            ("DEL", "a"), ("EXISTS", "a"), ("PING",), ("MULTI",), ("GET", "a"),
            ("EXEC",), ("MULTI",), ("DISCARD",),
            # allkeys-lru evicts everything there is, then still refuses.
            ("CONFIG", "SET", "maxmemory", "0"), ("SET", "c", "v"),
            ("CONFIG", "SET", "maxmemory-policy", "allkeys-lru"),
            ("CONFIG", "SET", "maxmemory", "1"), ("GET", "c"), ("SET", "d", "v"),
            ("DBSIZE",), ("CONFIG", "SET", "maxmemory", "0"),
        ]
        vigil, real = (self.run_script(c, script) for c in self.both())
        self.assertEqual(vigil, real)
        self.assertIn("ERR:" + OOM, vigil)

    def test_object_freq_and_idletime_match(self):
        script = [
            ("SET", "s", "value"), ("OBJECT", "FREQ", "s"), ("OBJECT", "FREQ", "nokey"),
            ("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"), ("SET", "t", "value"),
            ("OBJECT", "FREQ", "t"), ("GET", "t"), ("OBJECT", "FREQ", "t"),
            ("OBJECT", "IDLETIME", "t"), ("OBJECT", "IDLETIME", "nokey"),
            # Factor 0: every access counts, so the counts compare exactly. An
            # overwrite is one access and keeps the counter.
            ("CONFIG", "SET", "lfu-log-factor", "0"), ("SET", "t", "other"),
            ("OBJECT", "FREQ", "t"), ("APPEND", "t", "x"), ("OBJECT", "FREQ", "t"),
            ("CONFIG", "SET", "lfu-decay-time", "0"),
            ("CONFIG", "SET", "maxmemory-eviction-tenacity", "101"),
            ("CONFIG", "SET", "maxmemory-eviction-tenacity", "50"),
            ("CONFIG", "GET", "lfu-log-factor"), ("CONFIG", "GET", "lfu-decay-time"),
            ("CONFIG", "GET", "maxmemory-eviction-tenacity"),
            ("CONFIG", "GET", "replica-ignore-maxmemory"), ("CONFIG", "GET", "maxmemory-policy"),
            ("CONFIG", "SET", "maxmemory-policy", "bogus"),
            # (IDLETIME would now read the LFU word as a time, in both.)
            ("CONFIG", "SET", "maxmemory-policy", "volatile-lru"), ("OBJECT", "FREQ", "t"),
        ]
        vigil, real = (self.run_script(c, script) for c in self.both())
        self.assertEqual(vigil, real)
        self.assertEqual(vigil[5], 5)  # LFU_INIT_VAL
        self.assertEqual(vigil[7], 6)  # the first access always counts


class Propagation(EvictionTestCase):
    def test_evictions_reach_replica_events_and_aof(self):
        m, mc = self.start(BINARY, "notify-keyspace-events Ee", "appendonly yes")
        # The replica has a tiny maxmemory of its own and ignores it.
        r, rc = self.start(BINARY, "replicaof 127.0.0.1 %d" % m.port, "maxmemory 1mb")
        wait_for(lambda: rc.info("replication").get("master_link_status") == "up",
                 timeout=15, what="link up")
        sub = mc.pubsub()
        self.addCleanup(sub.close)
        sub.subscribe("__keyevent@0__:evicted")
        wait_for(lambda: sub.get_message(timeout=0.01), what="subscribed")
        self.limit_above_footprint(mc, 3 * MB, "allkeys-lru")
        self.write(mc, "k", 8000)
        mc.config_set("maxmemory", 0)  # no more evictions from here
        evicted = mc.info("stats")["evicted_keys"]
        self.assertGreater(evicted, 3000)
        events = set()
        wait_for(lambda: (events.update(
            msg["data"] for msg in iter(lambda: sub.get_message(timeout=0.01), None)
            if msg["type"] == "message") or len(events) >= evicted), what="evicted events")
        self.assertEqual(len(events), evicted)
        self.assertFalse(self.existing(mc, sorted(events)[:200]))
        off = lambda: mc.info("replication")["master_repl_offset"]  # noqa: E731
        wait_for(lambda: rc.info("replication")["slave_repl_offset"] == off(), what="in sync")
        self.assertEqual(rc.dbsize(), mc.dbsize())
        self.assertEqual(rc.info("stats")["evicted_keys"], 0)
        self.assertEqual(sorted(rc.keys("k:*")), sorted(mc.keys("k:*")))
        # The AOF replays to the same dataset.
        before = sorted(mc.keys("*"))
        m.restart()
        mc2 = redis.Redis(port=m.port, decode_responses=True)
        self.addCleanup(mc2.close)
        self.assertEqual(sorted(mc2.keys("*")), before)


if __name__ == "__main__":
    unittest.main()
