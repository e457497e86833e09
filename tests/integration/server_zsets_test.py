"""Integration: sorted sets through redis-cli, redis-py and raw sockets, with
Redis 7.0's exact replies, error texts, encodings and blocking pops."""
import os
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from vigil_harness import ServerTestCase, encode  # noqa: E402

import redis  # noqa: E402

BINARY = os.environ["VIGIL_SERVER"]



class SortedSets(ServerTestCase):
    def error(self, *args):
        with self.assertRaises(redis.ResponseError) as cm:
            self.r.execute_command(*args)
        return str(cm.exception)

    def raw3(self, *commands):
        """Runs commands on a RESP3 connection; returns the raw replies after HELLO."""
        with socket.create_connection(("127.0.0.1", self.srv.port), timeout=2) as s:
            s.sendall(encode("HELLO", "3"))
            self._read_until_quiet(s)
            s.sendall(b"".join(encode(*c) for c in commands))
            return self._read_until_quiet(s)

    @staticmethod
    def _read_until_quiet(s):
        data = b""
        s.settimeout(0.3)
        try:
            while True:
                d = s.recv(65536)
                if not d:
                    break
                data += d
                s.settimeout(0.05)
        except socket.timeout:
            pass
        return data

    def test_seed_session(self):
        cli = self.srv.cli
        self.assertEqual(cli("ZADD", "stus", "90", "maxie", "100", "tom", "69", "lily", "85",
                             "jerry", "95", "sam"), "5\n")
        self.assertEqual(cli("ZRANK", "stus", "tom"), "4\n")
        self.assertEqual(cli("ZRANGEBYSCORE", "stus", "60", "90"), "lily\njerry\nmaxie\n")
        self.assertEqual(cli("ZREVRANGE", "stus", "0", "-1", "withscores"),
                         "tom\n100\nsam\n95\nmaxie\n90\njerry\n85\nlily\n69\n")
        self.assertEqual(cli("ZREVRANGE", "paihangbang", "0", "-1", "withscores"), "\n")
        self.assertEqual(cli("OBJECT", "ENCODING", "stus"), "listpack\n")

    def test_zadd_options_and_errors(self):
        r = self.r
        self.assertEqual(r.execute_command("ZADD", "z", "5", "a"), 1)
        self.assertEqual(r.execute_command("ZADD", "z", "GT", "3", "a"), 0)
        self.assertEqual(r.execute_command("ZADD", "z", "GT", "CH", "7", "a"), 1)
        self.assertEqual(r.execute_command("ZADD", "z", "LT", "CH", "9", "a"), 0)
        self.assertEqual(r.execute_command("ZADD", "z", "NX", "10", "a", "11", "b"), 1)
        self.assertEqual(r.execute_command("ZADD", "z", "XX", "CH", "12", "a", "13", "c"), 1)
        self.assertEqual(r.execute_command("ZADD", "z", "INCR", "1", "a"), 13.0)
        self.assertIsNone(r.execute_command("ZADD", "z", "LT", "INCR", "1", "a"))
        self.assertEqual(r.execute_command("ZADD", "missing", "XX", "1", "a"), 0)
        self.assertIsNone(r.execute_command("ZADD", "missing", "XX", "INCR", "1", "a"))
        self.assertEqual(r.exists("missing"), 0)
        self.assertEqual(r.zrange("z", 0, -1, withscores=True), [("b", 11.0), ("a", 13.0)])
        self.assertEqual(self.error("ZADD", "z", "XX", "NX", "1", "a"),
                         "XX and NX options at the same time are not compatible")
        self.assertEqual(self.error("ZADD", "z", "GT", "LT", "1", "a"),
                         "GT, LT, and/or NX options at the same time are not compatible")
        self.assertEqual(self.error("ZADD", "z", "GT", "NX", "1", "a"),
                         "GT, LT, and/or NX options at the same time are not compatible")
        self.assertEqual(self.error("ZADD", "z", "INCR", "1", "a", "2", "b"),
                         "INCR option supports a single increment-element pair")
        for bad in ("x", "nan", "1e400", "1e-400", " 1", "1 "):
            self.assertEqual(self.error("ZADD", "z", bad, "a"), "value is not a valid float")
        self.assertEqual(self.error("ZADD", "z", "1", "a", "2"), "syntax error")
        self.assertEqual(self.error("ZADD", "z", "1"),
                         "wrong number of arguments for 'zadd' command")
        r.set("str", "x")
        self.assertEqual(self.error("ZADD", "str", "1", "a"),
                         "WRONGTYPE Operation against a key holding the wrong kind of value")
        r.execute_command("ZADD", "i", "inf", "m")
        self.assertEqual(self.error("ZINCRBY", "i", "-inf", "m"),
                         "resulting score is not a number (NaN)")
        self.assertEqual(self.error("ZADD", "i", "INCR", "-inf", "m"),
                         "resulting score is not a number (NaN)")

    def test_scores_print_like_redis(self):
        cli = self.srv.cli
        cli("ZADD", "f", "0.1", "a", "0x10", "hex", "4.9e-324", "tiny", "+inf", "p", "-inf", "n")
        self.assertEqual(cli("ZSCORE", "f", "a"), "0.10000000000000001\n")
        self.assertEqual(cli("ZINCRBY", "f", "0.2", "a"), "0.30000000000000004\n")
        self.assertEqual(cli("ZSCORE", "f", "hex"), "16\n")
        self.assertEqual(cli("ZSCORE", "f", "tiny"), "4.9406564584124654e-324\n")
        self.assertEqual(cli("ZRANGE", "f", "0", "-1", "WITHSCORES"),
                         "n\n-inf\ntiny\n4.9406564584124654e-324\na\n0.30000000000000004\n"
                         "hex\n16\np\ninf\n")
        self.assertEqual(cli("ZMSCORE", "f", "a", "nope"), "0.30000000000000004\n\n")

    def test_reads_and_ranks(self):
        r = self.r
        r.zadd("z", {"a": 1, "b": 2, "c": 3, "d": 4})
        self.assertEqual(r.zcard("z"), 4)
        self.assertEqual(r.zcard("missing"), 0)
        self.assertEqual(r.zrank("z", "c"), 2)
        self.assertEqual(r.zrevrank("z", "c"), 1)
        self.assertIsNone(r.zrank("z", "nope"))
        self.assertIsNone(r.zscore("missing", "a"))
        self.assertEqual(r.zmscore("missing", ["a", "b"]), [None, None])
        self.assertEqual(r.zrange("z", -2, -1), ["c", "d"])
        self.assertEqual(r.zrange("z", -100, 100), ["a", "b", "c", "d"])
        self.assertEqual(r.zrange("z", 3, 1), [])
        self.assertEqual(r.zrevrange("z", 1, 2), ["c", "b"])
        self.assertEqual(self.error("ZRANGE", "z", "x", "1"),
                         "value is not an integer or out of range")

    def test_score_bounds(self):
        r = self.r
        r.zadd("z", {"n": float("-inf"), "a": 1, "b": 2, "c": 3, "p": float("inf")})
        self.assertEqual(r.zrangebyscore("z", "(1", "3"), ["b", "c"])
        self.assertEqual(r.zrangebyscore("z", "(1", "(3"), ["b"])
        self.assertEqual(r.zrangebyscore("z", "-inf", "+inf"), ["n", "a", "b", "c", "p"])
        self.assertEqual(r.zrangebyscore("z", "(-inf", "(+inf"), ["a", "b", "c"])
        self.assertEqual(r.zrevrangebyscore("z", "+inf", "-inf", start=1, num=2), ["c", "b"])
        self.assertEqual(r.execute_command("ZRANGE", "z", "(3", "0", "BYSCORE", "REV"), ["b", "a"])
        self.assertEqual(r.execute_command("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "-1",
                                           "2"), [])
        self.assertEqual(r.execute_command("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "3",
                                           "-1"), ["c", "p"])
        self.assertEqual(r.zcount("z", "(1", "inf"), 3)
        self.assertEqual(r.zcount("z", "5", "1"), 0)
        # Bounds are read with plain strtod, looser than ZADD's scores.
        self.assertEqual(r.zcount("z", " 1", "1e400"), 4)
        self.assertEqual(r.zcount("z", "(", "1"), 1)
        for bad in (("x", "1"), ("(nan", "1"), ("1", "2x")):
            self.assertEqual(self.error("ZCOUNT", "z", *bad), "min or max is not a float")
            self.assertEqual(self.error("ZRANGEBYSCORE", "z", *bad), "min or max is not a float")

    def test_lex_bounds(self):
        r = self.r
        r.zadd("l", {m: 0 for m in "abcdefg"})
        self.assertEqual(r.zrangebylex("l", "[b", "(e"), ["b", "c", "d"])
        self.assertEqual(r.zrangebylex("l", "-", "+"), list("abcdefg"))
        self.assertEqual(r.zrangebylex("l", "+", "-"), [])
        self.assertEqual(r.zrevrangebylex("l", "(e", "[b"), ["d", "c", "b"])
        self.assertEqual(r.zrangebylex("l", "-", "+", start=1, num=2), ["b", "c"])
        self.assertEqual(r.zlexcount("l", "(a", "[c"), 2)
        self.assertEqual(r.zlexcount("l", "-", "-"), 0)
        for bad in (("a", "b"), ("", "+"), ("-a", "+")):
            self.assertEqual(self.error("ZLEXCOUNT", "l", *bad),
                             "min or max not valid string range item")
        self.assertEqual(r.zremrangebylex("l", "[f", "+"), 2)
        self.assertEqual(r.zrange("l", 0, -1), list("abcde"))

    def test_zrange_option_errors(self):
        self.r.zadd("z", {"a": 1})
        self.assertEqual(
            self.error("ZRANGE", "z", "0", "-1", "LIMIT", "0", "1"),
            "syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")
        self.assertEqual(self.error("ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES"),
                         "syntax error, WITHSCORES not supported in combination with BYLEX")
        self.assertEqual(self.error("ZRANGEBYLEX", "z", "-", "+", "WITHSCORES"),
                         "syntax error, WITHSCORES not supported in combination with BYLEX")
        self.assertEqual(self.error("ZRANGE", "z", "x", "y", "BYSCORE"),
                         "min or max is not a float")
        self.assertEqual(self.error("ZRANGE", "z", "a", "b", "BYLEX"),
                         "min or max not valid string range item")
        for args in (("0", "-1", "BYSCORE", "BYLEX"), ("0", "-1", "REV", "REV"),
                     ("0", "-1", "LIMIT", "0"), ("0", "-1", "foo")):
            self.assertEqual(self.error("ZRANGE", "z", *args), "syntax error")
        self.assertEqual(self.error("ZRANGESTORE", "d", "z", "0", "-1", "WITHSCORES"),
                         "syntax error")
        self.assertEqual(self.error("ZREVRANGEBYSCORE", "z", "1", "0", "BYLEX"), "syntax error")

    def test_zrangestore_and_removals(self):
        r = self.r
        r.zadd("z", {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5})
        self.assertEqual(r.execute_command("ZRANGESTORE", "d", "z", "0", "2", "REV"), 3)
        self.assertEqual(r.zrange("d", 0, -1, withscores=True), [("c", 3), ("d", 4), ("e", 5)])
        self.assertEqual(r.execute_command("ZRANGESTORE", "d", "missing", "0", "-1"), 0)
        self.assertEqual(r.exists("d"), 0)
        self.assertEqual(r.zremrangebyrank("z", -2, -1), 2)
        self.assertEqual(r.zremrangebyrank("z", 5, 10), 0)
        self.assertEqual(r.zremrangebyscore("z", "(1", "2"), 1)
        self.assertEqual(r.zrem("z", "a", "nope"), 1)
        self.assertEqual(r.zrem("z", "c"), 1)
        self.assertEqual(r.exists("z"), 0)

    def test_pops(self):
        r = self.r
        r.zadd("z", {"a": 1, "b": 2, "c": 3})
        self.assertEqual(r.execute_command("ZPOPMIN", "z"), ["a", "1"])
        self.assertEqual(r.execute_command("ZPOPMAX", "z", "5"), ["c", "3", "b", "2"])
        self.assertEqual(r.exists("z"), 0)
        self.assertEqual(r.execute_command("ZPOPMIN", "missing"), [])
        self.assertEqual(r.execute_command("ZPOPMIN", "missing", "0"), [])
        self.assertEqual(self.error("ZPOPMIN", "z", "-1"),
                         "value is out of range, must be positive")
        r.zadd("z", {"a": 1, "b": 2})
        self.assertEqual(r.execute_command("ZMPOP", "2", "missing", "z", "MAX", "COUNT", "5"),
                         ["z", [["b", "2"], ["a", "1"]]])
        self.assertIsNone(r.execute_command("ZMPOP", "1", "z", "MIN"))
        self.assertEqual(self.error("ZMPOP", "0", "z", "MIN"), "numkeys should be greater than 0")
        self.assertEqual(self.error("ZMPOP", "1", "z", "MIN", "COUNT", "0"),
                         "count should be greater than 0")
        self.assertEqual(self.error("ZMPOP", "2", "z", "MIN"), "syntax error")
        self.assertEqual(self.error("ZMPOP", "1", "z", "foo"), "syntax error")

    def test_resp3_shapes(self):
        self.r.zadd("z", {"a": 1, "b": 2.5})
        out = self.raw3(("ZRANGE", "z", "0", "-1", "WITHSCORES"), ("ZSCORE", "z", "b"),
                        ("ZPOPMIN", "z"), ("ZADD", "z", "1", "a"), ("ZPOPMIN", "z", "1"),
                        ("ZMSCORE", "z", "b", "x"), ("ZINCRBY", "z", "1", "b"),
                        ("ZADD", "z", "NX", "INCR", "1", "b"), ("BZPOPMAX", "z", "0"))
        self.assertEqual(out,
                         b"*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n"
                         b",2.5\r\n"
                         b"*2\r\n$1\r\na\r\n,1\r\n"
                         b":1\r\n"
                         b"*1\r\n*2\r\n$1\r\na\r\n,1\r\n"
                         b"*2\r\n,2.5\r\n_\r\n"
                         b",3.5\r\n"
                         b"_\r\n"
                         b"*3\r\n$1\r\nz\r\n$1\r\nb\r\n,3.5\r\n")

    def test_set_operations(self):
        r = self.r
        r.zadd("u1", {"a": 1, "b": 2, "c": 3})
        r.zadd("u2", {"b": 10, "c": 20, "d": 30})
        r.sadd("s", "a", "b")
        self.assertEqual(r.execute_command("ZUNION", "2", "u1", "u2", "WITHSCORES"),
                         ["a", "1", "b", "12", "c", "23", "d", "30"])
        self.assertEqual(r.execute_command("ZUNION", "2", "u1", "u2", "WEIGHTS", "2", "-1",
                                           "AGGREGATE", "MIN"), ["d", "c", "b", "a"])
        self.assertEqual(r.execute_command("ZINTER", "2", "u1", "u2", "AGGREGATE", "MAX",
                                           "WITHSCORES"), ["b", "10", "c", "20"])
        self.assertEqual(r.execute_command("ZDIFF", "2", "u1", "u2", "WITHSCORES"), ["a", "1"])
        # A plain set counts every member with score 1.
        self.assertEqual(r.execute_command("ZINTER", "2", "s", "u1", "WITHSCORES"),
                         ["a", "2", "b", "3"])
        self.assertEqual(r.execute_command("ZUNIONSTORE", "out", "3", "u1", "s", "missing"), 3)
        self.assertEqual(r.zrange("out", 0, -1, withscores=True),
                         [("a", 2.0), ("b", 3.0), ("c", 3.0)])
        self.assertEqual(r.execute_command("ZINTERSTORE", "out", "2", "u1", "missing"), 0)
        self.assertEqual(r.exists("out"), 0)
        self.assertEqual(r.execute_command("ZDIFFSTORE", "u1", "2", "u1", "u2"), 1)
        self.assertEqual(r.zrange("u1", 0, -1), ["a"])
        self.assertEqual(r.execute_command("ZINTERCARD", "2", "u2", "s", "LIMIT", "5"), 1)
        for cmd, first in (("ZUNION", ()), ("ZINTERSTORE", ("d",)), ("ZDIFF", ()),
                           ("ZINTERCARD", ())):
            self.assertEqual(self.error(cmd, *first, "0", "u1"),
                             "at least 1 input key is needed for '%s' command" % cmd.lower())
        self.assertEqual(self.error("ZUNION", "3", "u1"), "syntax error")
        self.assertEqual(self.error("ZUNION", "1", "u1", "WEIGHTS", "x"),
                         "weight value is not a float")
        self.assertEqual(self.error("ZUNION", "1", "u1", "AGGREGATE", "avg"), "syntax error")
        self.assertEqual(self.error("ZDIFF", "1", "u1", "WEIGHTS", "1"), "syntax error")
        self.assertEqual(self.error("ZUNIONSTORE", "d", "1", "u1", "WITHSCORES"), "syntax error")
        self.assertEqual(self.error("ZINTERCARD", "1", "u1", "LIMIT", "-1"),
                         "LIMIT can't be negative")
        r.set("str", "x")
        self.assertEqual(self.error("ZUNION", "2", "u1", "str"),
                         "WRONGTYPE Operation against a key holding the wrong kind of value")

    def test_randmember(self):
        r = self.r
        self.assertIsNone(r.zrandmember("missing"))
        self.assertEqual(r.zrandmember("missing", 3), [])
        r.zadd("z", {"a": 1, "b": 2, "c": 3})
        self.assertIn(r.zrandmember("z"), ["a", "b", "c"])
        self.assertEqual(r.zrandmember("z", 10), ["c", "b", "a"])
        two = r.zrandmember("z", 2)
        self.assertEqual(len(set(two)), 2)
        many = r.zrandmember("z", -20, withscores=True)
        self.assertEqual(len(many), 40)
        for member, score in zip(many[::2], many[1::2]):
            self.assertEqual(r.zscore("z", member), float(score))
        self.assertEqual(self.error("ZRANDMEMBER", "z", "-9223372036854775808"),
                         "value is out of range, value must between -9223372036854775807 and "
                         "9223372036854775807")
        self.assertEqual(self.error("ZRANDMEMBER", "z", "4611686018427387904", "WITHSCORES"),
                         "value is out of range")
        self.assertEqual(self.error("ZRANDMEMBER", "z", "1", "foo"), "syntax error")

    def test_encodings_convert_at_redis_thresholds(self):
        r = self.r
        r.zadd("z", {"m%d" % i: i for i in range(128)})
        self.assertEqual(r.object("encoding", "z"), "listpack")
        r.zadd("z", {"m0": -1})
        self.assertEqual(r.object("encoding", "z"), "listpack")
        r.zadd("z", {"new": 1})
        self.assertEqual(r.object("encoding", "z"), "skiplist")
        r.zadd("v", {"y" * 64: 1})
        self.assertEqual(r.object("encoding", "v"), "listpack")
        r.zadd("v", {"y" * 65: 1})
        self.assertEqual(r.object("encoding", "v"), "skiplist")
        r.zadd("w", {"y" * 65: 1})
        self.assertEqual(r.object("encoding", "w"), "skiplist")
        r.zrem("v", "y" * 65)
        self.assertEqual(r.object("encoding", "v"), "skiplist")
        # Store commands shrink a result that fits back to a listpack.
        r.zunionstore("u", ["v"])
        self.assertEqual(r.object("encoding", "u"), "listpack")
        r.config_set("zset-max-listpack-entries", 0)
        r.zadd("zero", {"a": 1})
        self.assertEqual(r.object("encoding", "zero"), "skiplist")
        r.config_set("zset-max-listpack-entries", 128)

    def test_big_set_ranks_and_zscan(self):
        r = self.r
        n = 3000
        pipe = r.pipeline(transaction=False)
        for i in range(0, n, 500):
            pipe.zadd("big", {"m%05d" % j: j for j in range(i, i + 500)})
        pipe.execute()
        self.assertEqual(r.object("encoding", "big"), "skiplist")
        self.assertEqual(r.zrank("big", "m01234"), 1234)
        self.assertEqual(r.zrevrank("big", "m01234"), n - 1 - 1234)
        self.assertEqual(r.zrange("big", 1000, 1002), ["m01000", "m01001", "m01002"])
        self.assertEqual(r.zcount("big", "(100", "200"), 100)
        seen = {}
        cursor = 0
        while True:
            cursor, items = r.zscan("big", cursor, count=100)
            seen.update(items)
            if cursor == 0:
                break
        self.assertEqual(len(seen), n)
        self.assertEqual(seen["m00042"], 42.0)
        cursor, items = r.zscan("big", 0, match="m0000*", count=100000)
        self.assertEqual(cursor, 0)
        self.assertEqual(sorted(items), [("m%05d" % i, float(i)) for i in range(10)])
        self.assertEqual(r.zremrangebyscore("big", 0, 999), 1000)
        self.assertEqual(r.zrank("big", "m01234"), 234)

    def test_keyspace_events(self):
        r = self.r
        r.config_set("notify-keyspace-events", "KEA")
        p = r.pubsub()
        p.psubscribe("__keyevent@0__:*")
        self.assertEqual(p.get_message(timeout=2)["type"], "psubscribe")
        commands = [
            ("ZADD", "e", "1", "a", "2", "b", "3", "c", "4", "d"), ("ZADD", "e", "1", "a"),
            ("ZINCRBY", "e", "1", "a"), ("ZREM", "e", "nope"), ("ZREM", "e", "a"),
            ("ZREMRANGEBYRANK", "e", "0", "0"), ("ZREMRANGEBYSCORE", "e", "100", "200"),
            ("ZPOPMIN", "e"), ("ZPOPMAX", "e", "10"),
            ("ZADD", "l", "0", "x", "0", "y"), ("ZREMRANGEBYLEX", "l", "-", "+"),
            ("ZADD", "s", "1", "m"), ("ZUNIONSTORE", "d", "1", "s"),
            ("ZINTERSTORE", "d", "2", "s", "missing"), ("ZDIFFSTORE", "d", "1", "s"),
            ("ZRANGESTORE", "d", "s", "0", "-1"), ("ZRANGESTORE", "d", "missing", "0", "-1"),
            ("ZADD", "z", "XX", "1", "m"),
        ]
        for c in commands:
            r.execute_command(*c)
        events = []
        while True:
            m = p.get_message(timeout=0.5)
            if m is None:
                break
            events.append((m["channel"].split(":", 1)[1], m["data"]))
        p.close()
        r.config_set("notify-keyspace-events", "")
        self.assertEqual(events, [
            ("zadd", "e"), ("zincr", "e"), ("zrem", "e"), ("zremrangebyrank", "e"),
            ("zpopmin", "e"), ("zpopmax", "e"), ("del", "e"),
            ("zadd", "l"), ("zremrangebylex", "l"), ("del", "l"),
            ("zadd", "s"), ("zunionstore", "d"), ("del", "d"), ("zdiffstore", "d"),
            ("zrangestore", "d"), ("del", "d"),
        ])

    def test_bzpopmin_wakes_waiting_clients_in_order(self):
        results = {}

        def waiter(name):
            c = redis.Redis(port=self.srv.port, decode_responses=True)
            results[name] = c.bzpopmin(["q"], timeout=5)

        first = threading.Thread(target=waiter, args=("first",))
        first.start()
        self._wait_blocked(1)
        second = threading.Thread(target=waiter, args=("second",))
        second.start()
        self._wait_blocked(2)
        self.assertEqual(self.r.zadd("q", {"x": 1, "y": 2}), 2)
        first.join(5)
        second.join(5)
        self.assertEqual(results, {"first": ("q", "x", 1.0), "second": ("q", "y", 2.0)})
        self.assertEqual(self.r.exists("q"), 0)

    def test_blocking_timeouts_and_bzmpop(self):
        r = self.r
        t0 = time.time()
        self.assertIsNone(r.bzpopmax(["nothing"], timeout=0.1))
        self.assertLess(time.time() - t0, 2)
        self.assertEqual(self.error("BZPOPMIN", "q", "-1"), "timeout is negative")
        self.assertEqual(self.error("BZPOPMIN", "q", "x"),
                         "timeout is not a float or out of range")
        r.zadd("q", {"a": 1, "b": 2, "c": 3})
        self.assertEqual(r.execute_command("BZMPOP", "0", "1", "q", "MAX", "COUNT", "2"),
                         ["q", [["c", "3"], ["b", "2"]]])
        self.assertEqual(r.execute_command("BZPOPMIN", "other", "q", "0"), ("q", "a", 1.0))
        results = []

        def waiter():
            c = redis.Redis(port=self.srv.port, decode_responses=True)
            results.append(c.execute_command("BZMPOP", "5", "2", "q2", "q", "MIN", "COUNT", "5"))

        t = threading.Thread(target=waiter)
        t.start()
        self._wait_blocked(1)
        r.zunionstore("q2", {"q2": 1, "missing": 1})  # empty result: nothing to serve
        r.zadd("q2", {"m": 7, "n": 8})
        t.join(5)
        self.assertEqual(results, [["q2", [["m", "7"], ["n", "8"]]]])

    def test_multi_key_pops_serve_the_key_that_became_ready(self):
        # Redis 7.0 serves the key fed first (z2 here), not the first
        # non-empty key in argument order.
        results = []

        def waiter(*args):
            c = redis.Redis(port=self.srv.port, decode_responses=True)
            results.append(c.execute_command(*args))
            c.close()

        for n, args in enumerate([("BZPOPMAX", "z1", "z2", "0"),
                                  ("BZMPOP", "0", "2", "z1", "z2", "MIN", "COUNT", "5")]):
            t = threading.Thread(target=waiter, args=args)
            t.start()
            self._wait_blocked(1)
            p = self.r.pipeline(transaction=True)
            p.zadd("z2", {"b": 2, "c": 3}).zadd("z1", {"a": 1})
            p.execute()
            t.join(5)
            self.r.delete("z1", "z2")
        self.assertEqual(results, [("z2", "c", 3.0), ["z2", [["b", "2"], ["c", "3"]]]])

    def _wait_blocked(self, n):
        deadline = time.time() + 5
        while time.time() < deadline:
            info = self.r.info("clients")
            if info.get("blocked_clients", 0) >= n:
                return
            time.sleep(0.01)
        self.fail("clients did not block")


if __name__ == "__main__":
    unittest.main()


class NegativeZeroScores(ServerTestCase):
    def test_listpack_reads_negative_zero_back_as_zero(self):
        # Redis 7.0: a -0 score stored in a listpack comes back as 0 and stays
        # 0 after the conversion; one added to a skiplist stays -0.
        r = self.r
        r.config_set("zset-max-listpack-entries", 128)
        self.addCleanup(r.config_set, "zset-max-listpack-entries", 128)
        r.zadd("z", {"a": -0.0, "b": -0.0})
        self.assertEqual(self.srv.cli("ZSCORE", "z", "a"), "0\n")
        r.config_set("zset-max-listpack-entries", 1)
        r.zadd("z", {"c": -0.0})
        self.assertEqual(r.object("encoding", "z"), "skiplist")
        self.assertEqual(self.srv.cli("ZRANGE", "z", "0", "-1", "WITHSCORES"),
                         "a\n0\nb\n0\nc\n-0\n")
