#!/usr/bin/env python3
"""DUMP and RESTORE against Debian's redis-server side by side: values of
every type and encoding move both ways, errors read the same, and TTL,
REPLACE, ABSTTL, IDLETIME, keyspace events and propagation behave as Redis."""
import glob
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vigil_harness import SideBySideTestCase  # noqa: E402

import redis  # noqa: E402


def load(c):
    c.set("str", "hello")
    c.set("int", "12345")
    c.set("long", "abc" * 200)  # LZF-compressible
    c.rpush("list", *range(5))
    c.rpush("biglist", *["v%d" % i for i in range(300)])
    c.hset("hash", mapping={"a": "1", "b": "2"})
    c.hset("bighash", mapping={"f%d" % i: "x" * 70 for i in range(3)})
    c.sadd("intset", 1, 2, 3)
    c.sadd("set", "a", "b")
    c.zadd("zset", {"a": 1.5, "b": -2})
    c.zadd("bigzset", {"m%d" % i: i / 3 for i in range(200)})


def content(c, key):
    kind = c.type(key).decode()
    read = {"string": lambda: c.get(key), "list": lambda: c.lrange(key, 0, -1),
            "hash": lambda: c.hgetall(key), "set": lambda: sorted(c.smembers(key)),
            "zset": lambda: c.zrange(key, 0, -1, withscores=True)}[kind]
    return kind, read(), c.object("encoding", key)


KEYS = ["str", "int", "long", "list", "biglist", "hash", "bighash", "intset", "set", "zset",
        "bigzset"]


class DumpRestore(SideBySideTestCase):
    vigil_config = ("appendonly yes",)

    def setUp(self):
        for c in (self.v, self.r):
            c.flushall()
            c.config_set("notify-keyspace-events", "")
            load(c)

    def test_values_move_both_ways(self):
        for src, dst in ((self.v, self.r), (self.r, self.v)):
            for key in KEYS:
                with self.subTest(key=key, src=src.connection_pool.connection_kwargs["port"]):
                    self.assertTrue(dst.restore(key + ":copy", 0, src.dump(key)))
                    self.assertEqual(content(dst, key + ":copy"), content(src, key))
        # A value restored into vigil is dumped again byte for byte (hash
        # tables may come back in another iteration order).
        for key in KEYS:
            payload, before = self.v.dump(key), content(self.v, key)
            self.v.restore(key, 0, payload, replace=True)
            self.assertEqual(content(self.v, key), before)
            if before[2] != b"hashtable":
                self.assertEqual(self.v.dump(key), payload, key)

    def test_errors_as_redis(self):
        def attempts(c):
            good = c.dump("str")
            cases = [("restore", "str", 0, good), ("restore", "x", -1, good),
                     ("restore", "x", "ttl", good), ("restore", "x", 0, b"garbage"),
                     ("restore", "x", 0, good[:-1] + bytes([good[-1] ^ 1])),
                     ("restore", "x", 0, good, "nosuch"), ("restore", "x", 0, good, "idletime"),
                     ("restore", "x", 0, good, "idletime", "-1"),
                     ("restore", "x", 0, good, "idletime", "x"),
                     ("restore", "x", 0, good, "freq", "256"),
                     ("restore", "x", 0, good, "idletime", "1", "freq", "1"),
                     ("restore", "x", 0), ("dump",), ("dump", "nosuch")]
            out = []
            for args in cases:
                try:
                    out.append(c.execute_command(*args))
                except redis.ResponseError as e:
                    out.append("error: %s" % e)
            return out

        self.assertEqual(attempts(self.v), attempts(self.r))

    def test_ttl_replace_absttl_and_idletime(self):
        payload = self.v.dump("str")
        for c in (self.v, self.r):
            c.restore("ttl", 5000, payload)
            self.assertTrue(4000 < c.pttl("ttl") <= 5000)
            when = int(time.time() * 1000) + 60000
            c.restore("abs", when, payload, absttl=True)
            self.assertTrue(50000 < c.pttl("abs") <= 60000)
            # An expiry in the past: OK, and nothing is left, even with REPLACE.
            self.assertTrue(c.restore("hash", 1, payload, replace=True, absttl=True))
            self.assertEqual(c.exists("hash"), 0)
            c.restore("idle", 0, payload, idletime=1000)
            self.assertTrue(999 <= c.object("idletime", "idle") <= 1001)
            # Under an LFU policy FREQ sets the counter and IDLETIME is ignored.
            c.config_set("maxmemory-policy", "allkeys-lfu")
            try:
                c.restore("freq", 0, payload, frequency=100)
                self.assertEqual(c.object("freq", "freq"), 100)
                c.restore("lfu-idle", 0, payload, idletime=1000)
                self.assertEqual(c.object("freq", "lfu-idle"), 5)  # LFU_INIT_VAL
            finally:
                c.config_set("maxmemory-policy", "noeviction")

    def test_keyspace_events_and_propagation(self):
        self.v.config_set("notify-keyspace-events", "KEg")
        p = self.v.pubsub()
        p.psubscribe("__keyevent@0__:*")
        p.get_message(timeout=1)
        payload = self.v.dump("list")
        self.v.restore("restored", 10000, payload)
        self.v.restore("list", 1, payload, replace=True, absttl=True)
        events = []
        while len(events) < 2:
            m = p.get_message(timeout=2)
            self.assertIsNotNone(m, events)
            events.append((m["channel"], m["data"]))
        p.close()
        self.assertEqual(events, [(b"__keyevent@0__:restore", b"restored"),
                                  (b"__keyevent@0__:del", b"list")])
        # The AOF has the absolute expiry (ABSTTL) and the DEL, as Redis writes them.
        time.sleep(1.2)  # appendfsync everysec
        aof = b"".join(open(f, "rb").read() for f in glob.glob(
            os.path.join(self.vigil.dir, "appendonlydir", "*.incr.aof")))
        self.assertIn(b"$6\r\nABSTTL\r\n", aof)
        self.assertIn(b"$3\r\nDEL\r\n$4\r\nlist\r\n", aof)


if __name__ == "__main__":
    unittest.main()
