"""Integration: what the AOF (and so replicas) receives for blocking pops,
served at once or after the client blocked, and SWAPDB/FLUSHALL with blocked
clients, as Redis 7.0.15 does it. The expected forms were taken from the real
server: the test also passes with VIGIL_SERVER=/usr/bin/redis-server."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from vigil_harness import ServerTestCase  # noqa: E402

import redis  # noqa: E402


def parse_aof(data):
    """The commands of an AOF file (RESP arrays of bulk strings)."""
    out, pos = [], 0
    while pos < len(data):
        end = data.index(b"\r\n", pos)
        assert data[pos:pos + 1] == b"*", data[pos:pos + 20]
        argc, pos = int(data[pos + 1:end]), end + 2
        cmd = []
        for _ in range(argc):
            end = data.index(b"\r\n", pos)
            n = int(data[pos + 1:end])
            cmd.append(data[end + 2:end + 2 + n].decode())
            pos = end + 2 + n + 2
        out.append(cmd)
    return out


class BlockingCase(ServerTestCase):
    config = ("appendonly yes", "appendfsync always")

    def aof_path(self):
        return os.path.join(self.srv.dir, "appendonlydir", "appendonly.aof.1.incr.aof")

    def aof_since_flush(self, keep_select=False):
        """The commands written since the FLUSHALL that starts every test."""
        with open(self.aof_path(), "rb") as f:
            cmds = parse_aof(f.read())
        last = max(i for i, c in enumerate(cmds) if c[0].upper() == "FLUSHALL")
        return [c for c in cmds[last + 1:] if keep_select or c[0] != "SELECT"]

    def assert_aof(self, expected, keep_select=False):
        # The served client's reply may be read a moment before its
        # propagation lands in the file.
        deadline = time.time() + 2
        while self.aof_since_flush(keep_select) != expected and time.time() < deadline:
            time.sleep(0.01)
        self.assertEqual(self.aof_since_flush(keep_select), expected)

    def blocked_count(self):
        return self.r.info("clients")["blocked_clients"]

    def wait_blocked(self, n):
        deadline = time.time() + 5
        while time.time() < deadline:
            if self.blocked_count() == n:
                return
            time.sleep(0.005)
        self.fail("blocked_clients never reached %d" % n)

    def waiter(self, *args, db=0):
        """A connection left blocked on `args`; read its reply with read_response()."""
        conn = redis.Connection(port=self.srv.port, db=db, decode_responses=True)
        conn.connect()
        self.addCleanup(conn.disconnect)
        before = self.blocked_count()
        conn.send_command(*args)
        self.wait_blocked(before + 1)
        return conn

    def still_blocked(self, conn):
        return not conn.can_read(timeout=0.05)

    def serve_each(self, cases):
        """For each (blocking command, feed command, expected reply): blocks a
        client, runs the feed and checks what the client receives."""
        for blocking, feed, expected in cases:
            w = self.waiter(*blocking)
            self.r.execute_command(*feed)
            self.assertEqual(w.read_response(), expected, blocking)

    def run_each(self, cases):
        """Runs each (command, expected reply) on self.r."""
        for cmd, expected in cases:
            self.assertEqual(self.r.execute_command(*cmd), expected, cmd)


class ServedPropagation(BlockingCase):
    def test_served_list_pops(self):
        self.serve_each([
            (("BLPOP", "k1", "k2", 0), ("RPUSH", "k2", "x"), ["k2", "x"]),
            (("BRPOP", "k3", 0), ("RPUSH", "k3", "a", "b"), ["k3", "b"]),
            (("BLMPOP", 0, 2, "m1", "m2", "LEFT", "COUNT", 5), ("RPUSH", "m2", "a", "b", "c"),
             ["m2", ["a", "b", "c"]]),
            (("BLMPOP", 0, 1, "m3", "RIGHT"), ("RPUSH", "m3", "a", "b", "c"), ["m3", ["c"]]),
        ])
        self.assert_aof([
            ["RPUSH", "k2", "x"], ["LPOP", "k2"],
            ["RPUSH", "k3", "a", "b"], ["RPOP", "k3"],
            ["RPUSH", "m2", "a", "b", "c"], ["LPOP", "m2", "3"],
            ["RPUSH", "m3", "a", "b", "c"], ["RPOP", "m3", "1"],
        ])

    def test_served_moves(self):
        self.serve_each([
            (("BLMOVE", "s1", "d1", "RIGHT", "LEFT", 0), ("RPUSH", "s1", "a", "b"), "b"),
            (("BRPOPLPUSH", "s2", "d2", 0), ("RPUSH", "s2", "a", "b"), "b"),
        ])
        # BLMOVE feeding a client blocked on its destination.
        w1 = self.waiter("BLMOVE", "s", "d", "LEFT", "LEFT", 0)
        w2 = self.waiter("BLPOP", "d", 0)
        self.r.rpush("s", "v")
        self.assertEqual(w1.read_response(), "v")
        self.assertEqual(w2.read_response(), ["d", "v"])
        self.assert_aof([
            ["RPUSH", "s1", "a", "b"], ["LMOVE", "s1", "d1", "right", "left"],
            ["RPUSH", "s2", "a", "b"], ["RPOPLPUSH", "s2", "d2"],
            ["RPUSH", "s", "v"], ["LMOVE", "s", "d", "left", "left"], ["LPOP", "d"],
        ])

    def test_served_move_to_wrong_type_propagates_nothing(self):
        self.r.config_resetstat()
        w = self.waiter("BLMOVE", "s", "d", "LEFT", "LEFT", 0)
        self.r.set("d", "str")
        self.r.rpush("s", "a")
        with self.assertRaises(redis.ResponseError) as cm:
            w.read_response()
        self.assertIn("WRONGTYPE", str(cm.exception))
        self.assertEqual(self.r.lrange("s", 0, -1), ["a"])
        self.assert_aof([["SET", "d", "str"], ["RPUSH", "s", "a"]])
        # Counted once, when it blocked; failed when served.
        stats = self.r.info("commandstats")["cmdstat_blmove"]
        self.assertEqual((stats["calls"], stats["failed_calls"]), (1, 1))
        # The error reply is counted as every error reply is (redis-server 7.0.15).
        self.assertEqual(list(self.r.info("errorstats")), ["errorstat_WRONGTYPE"])
        self.assertEqual(self.r.info("stats")["total_error_replies"], 1)

    def test_served_zset_pops(self):
        def zadd(key):
            return ("ZADD", key, 1, "a", 2, "b")
        self.serve_each([
            (("BZPOPMIN", "z1", "z2", 0), zadd("z2"), ["z2", "a", "1"]),
            (("BZPOPMAX", "z3", 0), zadd("z3"), ["z3", "b", "2"]),
            (("BZMPOP", 0, 2, "z4", "z5", "MAX", "COUNT", 10), zadd("z5"),
             ["z5", [["b", "2"], ["a", "1"]]]),
            (("BZMPOP", 0, 1, "z6", "MIN"), zadd("z6"), ["z6", [["a", "1"]]]),
        ])
        self.assert_aof([
            ["ZADD", "z2", "1", "a", "2", "b"], ["ZPOPMIN", "z2"],
            ["ZADD", "z3", "1", "a", "2", "b"], ["ZPOPMAX", "z3"],
            ["ZADD", "z5", "1", "a", "2", "b"], ["ZPOPMAX", "z5", "2"],
            ["ZADD", "z6", "1", "a", "2", "b"], ["ZPOPMIN", "z6", "1"],
        ])

    def test_two_clients_served_by_one_push_are_not_wrapped(self):
        w1 = self.waiter("BLPOP", "q", 0)
        w2 = self.waiter("BRPOP", "q", 0)
        self.r.rpush("q", "1", "2", "3")
        self.assertEqual(w1.read_response(), ["q", "1"])
        self.assertEqual(w2.read_response(), ["q", "3"])
        self.assert_aof([["RPUSH", "q", "1", "2", "3"], ["LPOP", "q"], ["RPOP", "q"]])

    def test_ready_key_is_served_and_propagated_after_exec(self):
        w = self.waiter("BLMPOP", 0, 3, "a", "b", "c", "RIGHT", "COUNT", 2)
        p = self.r.pipeline(transaction=True)
        p.rpush("c", "1", "2", "3").rpush("a", "x").rpush("b", "y")
        p.execute()
        self.assertEqual(w.read_response(), ["c", ["3", "2"]])
        self.assert_aof([["MULTI"], ["RPUSH", "c", "1", "2", "3"], ["RPUSH", "a", "x"],
                         ["RPUSH", "b", "y"], ["EXEC"], ["RPOP", "c", "2"]])


class ImmediatePropagation(BlockingCase):
    def test_list_forms(self):
        # redis-py answers BLPOP/BRPOP as tuples and BZPOP* with float scores.
        self.run_each([
            (("RPUSH", "i1", *"abcdefgh"), 8),
            (("BLPOP", "nx", "i1", 0), ("i1", "a")),
            (("BRPOP", "i1", 0), ("i1", "h")),
            (("BLMPOP", 0, 2, "nx", "i1", "LEFT", "COUNT", 2), ["i1", ["b", "c"]]),
            (("BLMPOP", 0, 1, "i1", "LEFT"), ["i1", ["d"]]),
            (("LMPOP", 1, "i1", "RIGHT", "COUNT", 100), ["i1", ["g", "f", "e"]]),
            (("RPUSH", "i1", "a", "b", "c"), 3),
            (("BLMOVE", "i1", "i2", "LEFT", "Right", 0), "a"),
            (("BRPOPLPUSH", "i1", "i2", 0), "c"),
            (("LMOVE", "i1", "i2", "LEFT", "RIGHT"), "b"),
            (("RPOPLPUSH", "i2", "i2"), "b"),
        ])
        self.assert_aof([
            ["RPUSH", "i1"] + list("abcdefgh"),
            ["LPOP", "i1"], ["RPOP", "i1"], ["LPOP", "i1", "2"], ["LPOP", "i1", "1"],
            ["RPOP", "i1", "3"],
            ["RPUSH", "i1", "a", "b", "c"],
            ["LMOVE", "i1", "i2", "LEFT", "Right"], ["RPOPLPUSH", "i1", "i2"],
            ["LMOVE", "i1", "i2", "LEFT", "RIGHT"], ["RPOPLPUSH", "i2", "i2"],
        ])

    def test_zset_forms(self):
        self.run_each([
            (("ZADD", "iz", 1, "a", 2, "b", 3, "c", 4, "d", 5, "e"), 5),
            (("BZPOPMIN", "nx", "iz", 0), ("iz", "a", 1.0)),
            (("BZPOPMAX", "iz", 0), ("iz", "e", 5.0)),
            (("BZMPOP", 0, 2, "nx", "iz", "MIN", "COUNT", 1), ["iz", [["b", "2"]]]),
            (("BZMPOP", 0, 1, "iz", "MAX"), ["iz", [["d", "4"]]]),
            (("ZMPOP", 1, "iz", "MIN", "COUNT", 50), ["iz", [["c", "3"]]]),
            (("ZADD", "iz", 1, "a", 2, "b"), 2),
            (("ZPOPMIN", "iz", 5), ["a", "1", "b", "2"]),
        ])
        self.assert_aof([
            ["ZADD", "iz", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"],
            ["ZPOPMIN", "iz"], ["ZPOPMAX", "iz"], ["ZPOPMIN", "iz", "1"], ["ZPOPMAX", "iz", "1"],
            ["ZPOPMIN", "iz", "1"], ["ZADD", "iz", "1", "a", "2", "b"], ["ZPOPMIN", "iz", "5"],
        ])


class ReplayAfterRestart(BlockingCase):
    def dataset(self):
        out = {}
        for db in range(3):
            c = redis.Redis(port=self.srv.port, db=db, decode_responses=True)
            for k in c.keys():
                t = c.type(k)
                out[(db, k)] = (c.lrange(k, 0, -1) if t == "list"
                                else c.zrange(k, 0, -1, withscores=True))
            c.close()
        return out

    def test_restart_rebuilds_the_same_dataset(self):
        r = self.r
        w1 = self.waiter("BLMOVE", "src", "dst", "RIGHT", "LEFT", 0)
        w2 = self.waiter("BLMPOP", 0, 2, "x", "dst", "RIGHT", "COUNT", 1)
        w3 = self.waiter("BZMPOP", 0, 1, "zs", "MAX", "COUNT", 2)
        w4 = self.waiter("BLPOP", "swapped", 0, db=1)
        p = r.pipeline(transaction=True)
        p.rpush("src", "1", "2", "3").zadd("zs", {"a": 1, "b": 2, "c": 3})
        p.execute()
        redis.Redis(port=self.srv.port, db=2).rpush("swapped", "p", "q")
        r.swapdb(1, 2)
        self.assertEqual(w1.read_response(), "3")
        self.assertEqual(w2.read_response(), ["dst", ["3"]])
        self.assertEqual(w3.read_response(), ["zs", [["c", "3"], ["b", "2"]]])
        self.assertEqual(w4.read_response(), ["swapped", "p"])
        r.execute_command("BLMPOP", 0, 1, "src", "LEFT", "COUNT", 9)
        before = self.dataset()
        self.assertEqual(before, {(0, "zs"): [("a", 1.0)], (1, "swapped"): ["q"]})
        self.srv.restart()
        self.assertEqual(self.dataset(), before)


class SwapAndFlushWithBlockedClients(BlockingCase):
    def test_swapdb_serves_clients_on_keys_swapped_in(self):
        w = self.waiter("BLPOP", "sk", 0)
        redis.Redis(port=self.srv.port, db=1).rpush("sk", "x", "y")
        self.r.swapdb(0, 1)
        self.assertEqual(w.read_response(), ["sk", "x"])
        self.assertEqual(self.r.lrange("sk", 0, -1), ["y"])
        wz = self.waiter("BZPOPMIN", "zk", 0, db=2)
        redis.Redis(port=self.srv.port, db=3).zadd("zk", {"m": 1})
        self.r.swapdb(3, 2)
        self.assertEqual(wz.read_response(), ["zk", "m", "1"])
        self.assert_aof([
            ["SELECT", "1"], ["RPUSH", "sk", "x", "y"], ["SELECT", "0"], ["SWAPDB", "0", "1"],
            ["LPOP", "sk"],
            ["SELECT", "3"], ["ZADD", "zk", "1", "m"], ["SELECT", "0"], ["SWAPDB", "3", "2"],
            ["SELECT", "2"], ["ZPOPMIN", "zk"],
        ], keep_select=True)

    def test_swapdb_with_wrong_type_and_flushall_keep_the_client_blocked(self):
        w = self.waiter("BLPOP", "sk", 0)
        redis.Redis(port=self.srv.port, db=1).set("sk", "str")
        self.r.swapdb(0, 1)
        self.assertTrue(self.still_blocked(w))
        self.r.flushall()
        self.r.flushdb()
        self.assertTrue(self.still_blocked(w))
        self.assertEqual(self.blocked_count(), 1)
        self.r.rpush("sk", "z")
        self.assertEqual(w.read_response(), ["sk", "z"])
        self.assert_aof([["FLUSHDB"], ["RPUSH", "sk", "z"], ["LPOP", "sk"]])


if __name__ == "__main__":
    unittest.main()
