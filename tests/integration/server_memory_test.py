#!/usr/bin/env python3
"""MEMORY USAGE / STATS / DOCTOR / MALLOC-STATS / PURGE against Debian's
redis-server side by side: the same replies and errors, and sizes of the same
order as Redis's for every type and encoding."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vigil_harness import SideBySideTestCase  # noqa: E402

import redis  # noqa: E402


def raw(r, *args):
    # A bare call: redis-py's MEMORY callbacks reshape some replies.
    conn = r.connection_pool.get_connection(args[0])
    try:
        conn.send_command(*args)
        return conn.read_response()
    finally:
        r.connection_pool.release(conn)


def load(r):
    """Keys of every type, small (compact encodings) and large."""
    r.set("int", "12345")
    r.set("short", "abc")
    r.set("long", "x" * 1000)
    r.rpush("list", *range(10))
    r.hset("hash", mapping={"f%d" % i: "v%d" % i for i in range(10)})
    r.sadd("intset", *range(10))
    r.zadd("zset", {"m%d" % i: i for i in range(10)})
    p = r.pipeline(transaction=False)
    for i in range(5000):
        p.rpush("biglist", "value:%d" % i)
        p.hset("bighash", "field:%d" % i, "value:%d" % i)
        p.sadd("bigset", "member:%d" % i)
        p.zadd("bigzset", {"member:%d" % i: i})
    p.execute()


class MemoryCommand(SideBySideTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for c in (cls.v, cls.r):
            load(c)

    def both(self, *args):
        out = []
        for c in (self.v, self.r):
            try:
                out.append(raw(c, *args))
            except redis.ResponseError as e:
                out.append("error: %s" % e)
        return out

    def test_usage_is_of_the_order_of_redis_for_every_type(self):
        keys = ["int", "short", "long", "list", "hash", "intset", "zset", "biglist", "bighash",
                "bigset", "bigzset"]
        for key in keys:
            with self.subTest(key=key):
                ours, theirs = self.both("MEMORY", "USAGE", key, "SAMPLES", "0")
                self.assertIsInstance(ours, int)
                # Different layouts, same allocator: within a factor of 2.5.
                self.assertTrue(theirs / 2.5 <= ours <= theirs * 2.5, (ours, theirs))
        # A value past the inline limit costs its bytes; big sets their members.
        self.assertGreater(raw(self.v, "MEMORY", "USAGE", "long"), 1000)
        self.assertGreater(raw(self.v, "MEMORY", "USAGE", "bigzset", "SAMPLES", "0"), 5000 * 40)

    def test_sampling_estimates_the_whole(self):
        for key in ("biglist", "bighash", "bigset", "bigzset"):
            with self.subTest(key=key):
                exact = raw(self.v, "MEMORY", "USAGE", key, "SAMPLES", "0")
                for samples in ([], ["SAMPLES", "5"], ["SAMPLES", "100"]):
                    estimate = raw(self.v, "MEMORY", "USAGE", key, *samples)
                    self.assertTrue(0.8 * exact <= estimate <= 1.25 * exact, (samples, estimate))

    def test_usage_replies_and_errors_as_redis(self):
        for args in (("nosuch",), ("int", "SAMPLES", "-1"), ("int", "SAMPLES", "x"),
                     ("int", "foo"), ("int", "SAMPLES"), ("int", "samples", "3", "SAMPLES", "0")):
            with self.subTest(args=args):
                ours, theirs = self.both("MEMORY", "USAGE", *args)
                if isinstance(theirs, int):
                    self.assertIsInstance(ours, int)
                else:
                    self.assertEqual(ours, theirs)
        self.assertEqual(*self.both("MEMORY", "USAGE"))
        self.assertEqual(*self.both("MEMORY", "STATS", "x"))
        self.assertEqual(*self.both("MEMORY", "NOSUCH"))

    def test_stats_fields_as_redis(self):
        ours, theirs = self.both("MEMORY", "STATS")
        self.assertEqual(ours[::2], theirs[::2])
        stats = dict(zip(ours[::2], ours[1::2]))
        self.assertEqual(stats[b"keys.count"], self.v.dbsize())
        self.assertEqual(stats[b"total.allocated"], stats[b"allocator.allocated"])
        self.assertGreaterEqual(stats[b"peak.allocated"], stats[b"total.allocated"])
        db0 = stats[b"db.0"]
        self.assertEqual(db0[::2], dict(zip(theirs[::2], theirs[1::2]))[b"db.0"][::2])
        self.assertGreater(db0[1], 0)
        for field in (b"dataset.percentage", b"fragmentation"):
            self.assertGreater(float(stats[field]), 0)
        # A database with keys gets its entry; empty ones do not.
        redis.Redis(port=self.vigil.port, db=3).set("k", "v")
        self.addCleanup(redis.Redis(port=self.vigil.port, db=3).flushdb)
        names = raw(self.v, "MEMORY", "STATS")[::2]
        self.assertIn(b"db.3", names)
        self.assertNotIn(b"db.1", names)

    def test_doctor_malloc_stats_and_purge(self):
        self.assertEqual(*self.both("MEMORY", "PURGE"))
        ours, theirs = self.both("MEMORY", "MALLOC-STATS")
        self.assertTrue(ours.startswith(b"___ Begin jemalloc statistics ___"), ours[:80])
        self.assertEqual(ours.split(b"\n")[1], theirs.split(b"\n")[1])  # the version line
        doctor = raw(self.v, "MEMORY", "DOCTOR")
        self.assertIn(b"less than 5 MB", doctor)
        big = redis.Redis(port=self.vigil.port, db=5)
        self.addCleanup(big.flushdb)
        big.set("big", "x" * (8 << 20))
        self.assertIn(b"No memory problems found.", raw(self.v, "MEMORY", "DOCTOR"))
        big.delete("big")
        big.set("small", "x" * (4 << 20))
        self.assertIn(b"Peak memory", raw(self.v, "MEMORY", "DOCTOR"))


if __name__ == "__main__":
    unittest.main()
