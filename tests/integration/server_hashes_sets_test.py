"""Integration: the hash and set sessions operators run, with Redis 7.0's exact
replies and error texts, encoding transitions (OBJECT ENCODING), RESP3 reply
types, random selection, *STORE semantics and full HSCAN/SSCAN coverage.

Every expectation here was checked against Debian's redis-server 7.0.15 (the
file also passes with VIGIL_SERVER=/usr/bin/redis-server)."""
import os
import socket
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from vigil_harness import ServerTestCase, encode  # noqa: E402

import redis  # noqa: E402

BINARY = os.environ["VIGIL_SERVER"]
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"



class Resp3Client:
    """A raw RESP3 connection (redis-py 4.3 speaks RESP2 only)."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buf = b""
        self.call("HELLO", "3")

    def _line(self):
        while b"\r\n" not in self.buf:
            self.buf += self.sock.recv(65536)
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _read(self):
        """Returns (type-char, value); aggregates hold lists of such pairs."""
        line = self._line()
        kind, rest = chr(line[0]), line[1:]
        if kind == "$":
            n = int(rest)
            while len(self.buf) < n + 2:
                self.buf += self.sock.recv(65536)
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return kind, data
        if kind in "*~%>":
            n = int(rest) * (2 if kind == "%" else 1)
            return kind, [self._read() for _ in range(n)]
        return kind, rest

    def call(self, *args):
        self.sock.sendall(encode(*args))
        return self._read()

    def close(self):
        self.sock.close()


def plain(reply):
    """Strips the type tags of a Resp3Client reply: bulk -> str, aggregates -> lists."""
    kind, value = reply
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value.decode()


class HashesAndSets(ServerTestCase):
    def assertError(self, text, *args):
        """Exact error text; redis-py drops the "ERR " prefix (other codes stay)."""
        with self.assertRaises(redis.ResponseError) as cm:
            self.r.execute_command(*args)
        self.assertEqual(str(cm.exception), text[4:] if text.startswith("ERR ") else text, args)

    def encoding(self, key):
        return self.r.object("encoding", key)

    # --- the seed sessions -------------------------------------------------

    def test_seed_hash_session(self):
        cli = self.srv.cli
        self.assertEqual(cli("HSET", "stu", "name", "maxie"), "1\n")
        self.assertEqual(cli("HVALS", "stu"), "maxie\n")
        self.assertEqual(cli("HGETALL", "stu"), "name\nmaxie\n")
        self.assertEqual(cli("HSET", "hset1", "name", "tom", "age", "18"), "2\n")
        self.assertEqual(self.r.hgetall("hset1"), {"name": "tom", "age": "18"})
        self.assertEqual(cli("HGET", "hset1", "age"), "18\n")
        self.assertEqual(cli("HSET", "hset1", "name", "jerry", "sex", "m"), "1\n")
        self.assertEqual(self.r.hkeys("hset1"), ["name", "age", "sex"])

    def test_seed_set_session(self):
        cli = self.srv.cli
        self.assertEqual(cli("SADD", "myset1", "a", "b", "c", "d"), "4\n")
        self.assertEqual(cli("SADD", "myset1", "a"), "0\n")
        self.assertEqual(cli("SADD", "myset2", "c", "d", "e"), "3\n")
        members = lambda out: sorted(out.split())  # noqa: E731
        self.assertEqual(members(cli("SMEMBERS", "myset1")), ["a", "b", "c", "d"])
        self.assertEqual(members(cli("SUNION", "myset1", "myset2")), ["a", "b", "c", "d", "e"])
        self.assertEqual(members(cli("SDIFF", "myset1", "myset2")), ["a", "b"])
        self.assertEqual(members(cli("SINTER", "myset1", "myset2")), ["c", "d"])
        self.assertEqual(cli("SINTER", "myset1", "missing"), "\n")
        self.assertEqual(cli("SCARD", "myset1"), "4\n")

    # --- hashes ------------------------------------------------------------

    def test_hash_commands(self):
        r = self.r
        self.assertEqual(self.srv.cli("HMSET", "h", "a", "1", "b", "2"), "OK\n")
        self.assertEqual(r.hsetnx("h", "a", "x"), 0)
        self.assertEqual(r.hsetnx("h", "c", "3"), 1)
        self.assertEqual(r.hmget("h", "a", "nope", "c"), ["1", None, "3"])
        self.assertEqual(r.hmget("missing", "a"), [None])
        self.assertIsNone(r.hget("h", "nope"))
        self.assertIsNone(r.hget("missing", "a"))
        self.assertEqual(r.hlen("h"), 3)
        self.assertEqual(r.hlen("missing"), 0)
        self.assertTrue(r.hexists("h", "a"))
        self.assertFalse(r.hexists("h", "zz"))
        self.assertEqual(r.hstrlen("h", "a"), 1)
        self.assertEqual(r.hstrlen("h", "nope"), 0)
        self.assertEqual(r.hstrlen("missing", "a"), 0)
        self.assertEqual(r.hkeys("missing"), [])
        self.assertEqual(r.hgetall("missing"), {})
        self.assertEqual(r.hdel("h", "a", "nope", "b"), 2)
        self.assertEqual(r.hdel("missing", "a"), 0)
        self.assertEqual(r.hdel("h", "c"), 1)
        self.assertEqual(r.exists("h"), 0)  # emptied hash is removed

    def test_hincrby_and_hincrbyfloat(self):
        r = self.r
        self.assertEqual(r.hincrby("h", "n", 5), 5)
        self.assertEqual(r.hincrby("h", "n", -7), -2)
        self.assertEqual(self.srv.cli("HINCRBYFLOAT", "h", "f", "0.1"), "0.1\n")
        self.assertEqual(self.srv.cli("HINCRBYFLOAT", "h", "f", "0.2"), "0.3\n")
        self.assertEqual(self.srv.cli("HINCRBYFLOAT", "h", "g", "0x10"), "16\n")
        self.assertEqual(self.srv.cli("HINCRBYFLOAT", "h", "g", "1.0e3"), "1016\n")
        self.assertEqual(self.srv.cli("HINCRBYFLOAT", "h", "g", "-0.50"), "1015.5\n")
        big = self.srv.cli("HINCRBYFLOAT", "h", "big", "1e308").strip()
        self.assertEqual(len(big), 308)
        self.assertTrue(big.startswith("99999999999999999996685879655845645660560099847"))
        twice = self.srv.cli("HINCRBYFLOAT", "h", "big", "1e308").strip()
        self.assertEqual(len(twice), 309)  # finite in long double
        self.assertTrue(twice.endswith("20905456510092687857156096"))
        r.hset("h", "s", "str")
        r.hset("h", "max", "9223372036854775807")
        self.assertError("ERR value is not an integer or out of range", "HINCRBY", "h", "n", "1.5")
        self.assertError("ERR value is not an integer or out of range", "HINCRBY", "h", "n", "+1")
        self.assertError("ERR hash value is not an integer", "HINCRBY", "h", "s", "1")
        self.assertError("ERR hash value is not an integer", "HINCRBY", "h", "g", "1")
        self.assertError("ERR increment or decrement would overflow", "HINCRBY", "h", "max", "1")
        self.assertError("ERR hash value is not a float", "HINCRBYFLOAT", "h", "s", "1")
        self.assertError("ERR value is not a valid float", "HINCRBYFLOAT", "h", "f", "nan")
        self.assertError("ERR value is not a valid float", "HINCRBYFLOAT", "h", "f", " 1")
        self.assertError("ERR value is NaN or Infinity", "HINCRBYFLOAT", "h", "f", "inf")
        self.assertEqual(r.hget("h", "n"), "-2")

    def test_hash_errors(self):
        self.r.set("str", "x")
        for args in (("HGET", "str", "a"), ("HSET", "str", "a", "1"), ("HGETALL", "str"),
                     ("HDEL", "str", "a"), ("HINCRBY", "str", "a", "1"), ("HLEN", "str"),
                     ("HRANDFIELD", "str"), ("HSCAN", "str", "0"), ("HMGET", "str", "a")):
            self.assertError(WRONGTYPE, *args)
        self.assertError("ERR wrong number of arguments for 'hset' command", "HSET", "h", "a")
        self.assertError("ERR wrong number of arguments for 'hset' command",
                         "HSET", "h", "a", "1", "b")
        self.assertError("ERR wrong number of arguments for 'hmset' command",
                         "HMSET", "h", "a", "1", "b")
        self.assertError("ERR wrong number of arguments for 'hget' command", "HGET", "h")
        self.assertError("ERR syntax error", "HRANDFIELD", "h", "1", "foo")
        self.assertError("ERR syntax error", "HRANDFIELD", "h", "1", "WITHVALUES", "x")
        self.assertError("ERR value is not an integer or out of range", "HRANDFIELD", "h", "x")
        self.assertError("ERR value is out of range, value must between -9223372036854775807 and "
                         "9223372036854775807", "HRANDFIELD", "h", "-9223372036854775808")
        self.assertError("ERR value is out of range", "HRANDFIELD", "h",
                         "-9223372036854775807", "WITHVALUES")
        self.assertError("ERR invalid cursor", "HSCAN", "h", "x")
        self.r.hset("h", "a", "1")
        self.assertError("ERR syntax error", "HSCAN", "h", "0", "COUNT", "0")
        self.assertEqual(self.r.exists("h"), 1)

    def test_hash_encoding_transitions(self):
        r = self.r
        for i in range(512):
            r.hset("h", "f%d" % i, "v")
        self.assertEqual(self.encoding("h"), "listpack")
        r.hset("h", "f0", "w")  # overwrite: still 512 entries
        self.assertEqual(self.encoding("h"), "listpack")
        r.hset("h", "f512", "v")
        self.assertEqual(self.encoding("h"), "hashtable")
        for i in range(500):
            r.hdel("h", "f%d" % i)
        self.assertEqual(self.encoding("h"), "hashtable")  # never back
        r.hset("v", "a", "x" * 64)
        self.assertEqual(self.encoding("v"), "listpack")
        r.hset("v", "b", "x" * 65)
        self.assertEqual(self.encoding("v"), "hashtable")
        r.hset("f", "y" * 65, "1")
        self.assertEqual(self.encoding("f"), "hashtable")
        # HSETNX on an existing field does not convert; on a new one it does.
        r.hset("nx", "a", "1")
        self.assertEqual(r.hsetnx("nx", "a", "x" * 70), 0)
        self.assertEqual(self.encoding("nx"), "listpack")
        self.assertEqual(r.hsetnx("nx", "b", "x" * 70), 1)
        self.assertEqual(self.encoding("nx"), "hashtable")
        # HSET converts even when it only overwrites with a long value.
        r.hset("ow", "a", "1")
        r.hset("ow", "a", "x" * 65)
        self.assertEqual(self.encoding("ow"), "hashtable")
        # A long HINCRBYFLOAT result converts too.
        r.execute_command("HINCRBYFLOAT", "fl", "f", "1e100")
        self.assertEqual(self.encoding("fl"), "hashtable")

    def test_hash_thresholds_follow_config(self):
        r = self.r
        r.config_set("hash-max-listpack-entries", 2)
        r.config_set("hash-max-listpack-value", 4)
        try:
            r.hset("h", mapping={"a": "1", "b": "2"})
            self.assertEqual(self.encoding("h"), "listpack")
            r.hset("h", "c", "3")
            self.assertEqual(self.encoding("h"), "hashtable")
            r.hset("v", "a", "1234")
            self.assertEqual(self.encoding("v"), "listpack")
            r.hset("v", "a", "12345")
            self.assertEqual(self.encoding("v"), "hashtable")
        finally:
            r.config_set("hash-max-listpack-entries", 512)
            r.config_set("hash-max-listpack-value", 64)

    def test_hrandfield(self):
        r = self.r
        fields = {"f%d" % i: "v%d" % i for i in range(5)}
        r.hset("h", mapping=fields)
        self.assertIn(r.hrandfield("h"), fields)
        self.assertIsNone(r.hrandfield("missing"))
        self.assertEqual(r.hrandfield("missing", 3), [])
        self.assertEqual(r.hrandfield("h", 0), [])
        self.assertEqual(sorted(r.hrandfield("h", 10)), sorted(fields))
        three = r.hrandfield("h", 3)
        self.assertEqual(len(set(three)), 3)
        self.assertTrue(set(three) <= set(fields))
        rep = r.hrandfield("h", -20)
        self.assertEqual(len(rep), 20)
        self.assertTrue(set(rep) <= set(fields))
        flat = r.execute_command("HRANDFIELD", "h", "-7", "WITHVALUES")
        self.assertEqual(len(flat), 14)
        for f, v in zip(flat[::2], flat[1::2]):
            self.assertEqual(fields[f], v)
        # A large hash: unique picks and pairs stay consistent.
        big = {"k%d" % i: str(i) for i in range(1000)}
        r.hset("big", mapping=big)
        flat = r.execute_command("HRANDFIELD", "big", "50", "WITHVALUES")
        self.assertEqual(len(set(flat[::2])), 50)
        for f, v in zip(flat[::2], flat[1::2]):
            self.assertEqual(big[f], v)
        self.assertEqual(len(set(r.hrandfield("big", 900))), 900)

    def test_hrandfield_is_roughly_uniform(self):
        r = self.r
        for key, n in (("small", 10), ("large", 600)):
            r.hset(key, mapping={"f%d" % i: "v" for i in range(n)})
            picks = r.hrandfield(key, -20 * n)
            counts = {}
            for f in picks:
                counts[f] = counts.get(f, 0) + 1
            self.assertEqual(len(counts), n, key)
            self.assertLess(max(counts.values()), 20 * 4, key)

    def test_hscan(self):
        r = self.r
        r.hset("small", mapping={"a": "1", "b": "2", "bb": "3"})
        self.assertEqual(r.hscan("small", 0), (0, {"a": "1", "b": "2", "bb": "3"}))
        self.assertEqual(r.hscan("small", 0, match="b*"), (0, {"b": "2", "bb": "3"}))
        self.assertEqual(r.hscan("missing", 0), (0, {}))
        self.assertEqual(r.hscan("missing", 0, match="f*", count=0), (0, {}))
        self.assertError("ERR invalid cursor", "HSCAN", "missing", "x")
        big = {"f%d" % i: "v%d" % i for i in range(5000)}
        r.hset("big", mapping=big)
        seen = {}
        cursor, calls = 0, 0
        while True:
            cursor, part = r.hscan("big", cursor, count=100)
            seen.update(part)
            calls += 1
            if cursor == 0:
                break
        self.assertEqual(seen, big)
        self.assertGreater(calls, 10)
        matched = dict(r.hscan_iter("big", match="f1??"))
        self.assertEqual(matched, {k: v for k, v in big.items() if len(k) == 4 and k[1] == "1"})

    # --- sets --------------------------------------------------------------

    def test_set_commands(self):
        r = self.r
        self.assertEqual(r.sadd("s", "a", "b", "c"), 3)
        self.assertEqual(r.sadd("s", "a", "d"), 1)
        self.assertEqual(r.srem("s", "a", "zz"), 1)
        self.assertEqual(r.srem("missing", "a"), 0)
        self.assertEqual(r.scard("s"), 3)
        self.assertEqual(r.scard("missing"), 0)
        self.assertTrue(r.sismember("s", "b"))
        self.assertFalse(r.sismember("s", "a"))
        self.assertFalse(r.sismember("missing", "a"))
        self.assertEqual(r.smismember("s", "b", "a", "c"), [1, 0, 1])
        self.assertEqual(r.smismember("missing", "a"), [0])
        self.assertEqual(r.smembers("missing"), set())
        self.assertEqual(r.srem("s", "b", "c", "d"), 3)
        self.assertEqual(r.exists("s"), 0)

    def test_smove(self):
        r = self.r
        r.sadd("src", "a", "b")
        r.sadd("dst", "1")
        self.assertEqual(r.smove("src", "dst", "a"), 1)
        self.assertEqual(r.smembers("dst"), {"1", "a"})
        self.assertEqual(self.encoding("dst"), "hashtable")
        self.assertEqual(r.smove("src", "dst", "zz"), 0)
        self.assertEqual(r.smove("missing", "dst", "a"), 0)
        self.assertEqual(r.smove("src", "src", "b"), 1)
        self.assertEqual(r.smove("src", "src", "zz"), 0)
        self.assertEqual(r.smove("src", "new", "b"), 1)
        self.assertEqual(r.exists("src"), 0)
        self.assertEqual(r.smembers("new"), {"b"})
        r.set("str", "x")
        self.assertError(WRONGTYPE, "SMOVE", "str", "dst", "1")
        self.assertError(WRONGTYPE, "SMOVE", "new", "str", "b")
        self.assertEqual(r.smove("missing", "str", "1"), 0)  # missing source wins

    def test_set_algebra_and_store(self):
        r = self.r
        r.sadd("a", 1, 2, 3, 4)
        r.sadd("b", 3, 4, 5)
        r.sadd("c", "x", 4)
        self.assertEqual(r.sinter("a", "b"), {"3", "4"})
        self.assertEqual(r.sinter("a", "b", "c"), {"4"})
        self.assertEqual(r.sunion("a", "b", "missing"), {"1", "2", "3", "4", "5"})
        self.assertEqual(r.sdiff("a", "b", "missing"), {"1", "2"})
        self.assertEqual(r.sdiff("missing", "a"), set())
        self.assertEqual(r.sinterstore("d", "a", "b"), 2)
        self.assertEqual(self.encoding("d"), "intset")
        self.assertEqual(r.sunionstore("u", "a", "c"), 5)
        self.assertEqual(self.encoding("u"), "hashtable")
        self.assertEqual(r.sdiffstore("df", "a", "b"), 2)
        self.assertEqual(r.smembers("df"), {"1", "2"})
        # The destination may be a source; a key of another type is replaced.
        self.assertEqual(r.sunionstore("a", "a", "b"), 5)
        r.set("str", "x")
        r.expire("df", 100)
        self.assertEqual(r.sinterstore("str", "a", "b"), 3)
        self.assertEqual(r.type("str"), "set")
        self.assertEqual(r.sunionstore("df", "b"), 3)
        self.assertEqual(r.ttl("df"), -1)
        # Empty results delete the destination.
        for cmd in ("SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"):
            r.sadd("dst", "z")
            self.assertEqual(r.execute_command(cmd, "dst", "missing", "missing2"), 0, cmd)
            self.assertEqual(r.exists("dst"), 0, cmd)
        self.assertEqual(r.sinterstore("dst", "a", "missing"), 0)
        self.assertEqual(r.exists("dst"), 0)

    def test_sintercard(self):
        r = self.r
        r.sadd("a", *range(100))
        r.sadd("b", *range(50, 200))
        self.assertEqual(r.execute_command("SINTERCARD", "2", "a", "b"), 50)
        self.assertEqual(r.execute_command("SINTERCARD", "2", "a", "b", "LIMIT", "10"), 10)
        self.assertEqual(r.execute_command("SINTERCARD", "2", "a", "b", "LIMIT", "0"), 50)
        self.assertEqual(r.execute_command("SINTERCARD", "2", "a", "b", "limit", "500"), 50)
        self.assertEqual(r.execute_command("SINTERCARD", "1", "a", "LIMIT", "1", "LIMIT", "0"), 100)
        self.assertEqual(r.execute_command("SINTERCARD", "2", "a", "missing"), 0)
        self.assertError("ERR numkeys should be greater than 0", "SINTERCARD", "0", "a")
        self.assertError("ERR numkeys should be greater than 0", "SINTERCARD", "x", "a")
        self.assertError("ERR Number of keys can't be greater than number of args",
                         "SINTERCARD", "2", "a")
        self.assertError("ERR LIMIT can't be negative", "SINTERCARD", "1", "a", "LIMIT", "-1")
        self.assertError("ERR LIMIT can't be negative", "SINTERCARD", "1", "a", "LIMIT", "x")
        self.assertError("ERR syntax error", "SINTERCARD", "1", "a", "LIMIT")
        self.assertError("ERR syntax error", "SINTERCARD", "1", "a", "foo", "1")

    def test_set_errors(self):
        r = self.r
        r.set("str", "x")
        r.sadd("s", "a")
        for args in (("SADD", "str", "1"), ("SREM", "str", "1"), ("SCARD", "str"),
                     ("SMEMBERS", "str"), ("SISMEMBER", "str", "1"), ("SPOP", "str"),
                     ("SRANDMEMBER", "str"), ("SINTER", "missing", "str"),
                     ("SUNION", "s", "str"), ("SDIFF", "missing", "str"),
                     ("SDIFFSTORE", "d", "missing", "str"), ("SINTERCARD", "1", "str"),
                     ("SSCAN", "str", "0"), ("SMISMEMBER", "str", "a")):
            self.assertError(WRONGTYPE, *args)
        self.assertError("ERR value is out of range, must be positive", "SPOP", "s", "-1")
        self.assertError("ERR value is out of range, must be positive", "SPOP", "s", "x")
        self.assertError("ERR syntax error", "SPOP", "s", "1", "2")
        self.assertError("ERR value is not an integer or out of range", "SRANDMEMBER", "s", "x")
        self.assertError("ERR value is out of range, value must between -9223372036854775807 and "
                         "9223372036854775807", "SRANDMEMBER", "s", "-9223372036854775808")
        self.assertError("ERR syntax error", "SRANDMEMBER", "s", "1", "2")
        self.assertError("ERR wrong number of arguments for 'sadd' command", "SADD", "s")
        self.assertError("ERR wrong number of arguments for 'sinterstore' command",
                         "SINTERSTORE", "d")

    def test_set_encoding_transitions(self):
        r = self.r
        r.sadd("s", *range(512))
        self.assertEqual(self.encoding("s"), "intset")
        r.sadd("s", 511)
        self.assertEqual(self.encoding("s"), "intset")
        r.sadd("s", 512)
        self.assertEqual(self.encoding("s"), "hashtable")
        r.srem("s", *range(500))
        self.assertEqual(self.encoding("s"), "hashtable")  # never back
        r.sadd("w", "9223372036854775807", "-9223372036854775808")
        self.assertEqual(self.encoding("w"), "intset")
        for member in ("01", "a", "-0", "1.5", "9223372036854775808"):
            r.sadd("x" + member, "1", member)
            self.assertEqual(self.encoding("x" + member), "hashtable", member)
        r.config_set("set-max-intset-entries", 3)
        try:
            r.sadd("c", 1, 2, 3)
            self.assertEqual(self.encoding("c"), "intset")
            r.sadd("c", 4)
            self.assertEqual(self.encoding("c"), "hashtable")
        finally:
            r.config_set("set-max-intset-entries", 512)

    def test_spop(self):
        r = self.r
        self.assertIsNone(r.spop("missing"))
        self.assertEqual(r.spop("missing", 0), [])
        self.assertEqual(r.spop("missing", 3), [])
        members = {str(i) for i in range(10)}
        r.sadd("s", *members)
        self.assertEqual(r.spop("s", 0), [])
        popped = set(r.spop("s", 3))
        self.assertEqual(len(popped), 3)
        self.assertTrue(popped <= members)
        self.assertEqual(r.smembers("s"), members - popped)
        one = r.spop("s")
        self.assertIn(one, members - popped)
        rest = set(r.spop("s", 100))
        self.assertEqual(rest | popped | {one}, members)
        self.assertEqual(r.exists("s"), 0)
        # Popping all but one of a hashtable set rebuilds it from the survivor,
        # as Redis: an integer survivor makes an intset again.
        r.sadd("h", 1, 2, 3, 4, 5, 6, "a", "b")
        popped = set(r.spop("h", 7))
        left = r.smembers("h")
        self.assertEqual(len(left), 1)
        self.assertEqual(popped | left, {"1", "2", "3", "4", "5", "6", "a", "b"})
        self.assertEqual(self.encoding("h"), "hashtable" if left <= {"a", "b"} else "intset")

    def test_srandmember(self):
        r = self.r
        self.assertIsNone(r.srandmember("missing"))
        self.assertEqual(r.srandmember("missing", 5), [])
        self.assertEqual(r.srandmember("missing", -5), [])
        for key, members in (("ints", [str(i) for i in range(20)]),
                             ("strs", ["m%d" % i for i in range(1000)])):
            r.sadd(key, *members)
            self.assertIn(r.srandmember(key), members)
            self.assertEqual(r.srandmember(key, 0), [])
            self.assertEqual(sorted(r.srandmember(key, 5000)), sorted(members))
            for count in (3, len(members) - 1):
                picks = r.srandmember(key, count)
                self.assertEqual(len(set(picks)), count)
                self.assertTrue(set(picks) <= set(members))
            rep = r.srandmember(key, -3 * len(members))
            self.assertEqual(len(rep), 3 * len(members))
            self.assertTrue(set(rep) <= set(members))
            self.assertEqual(r.scard(key), len(members))

    def test_srandmember_is_roughly_uniform(self):
        r = self.r
        for key, members in (("ints", range(10)), ("strs", ["m%d" % i for i in range(600)])):
            r.sadd(key, *members)
            n = r.scard(key)
            counts = {}
            for m in r.srandmember(key, -20 * n):
                counts[m] = counts.get(m, 0) + 1
            self.assertEqual(len(counts), n, key)
            self.assertLess(max(counts.values()), 20 * 4, key)

    def test_sscan(self):
        r = self.r
        r.sadd("small", 3, 1, 2)
        self.assertEqual(r.sscan("small", 0), (0, ["1", "2", "3"]))
        self.assertEqual(r.sscan("small", 0, match="2"), (0, ["2"]))
        self.assertEqual(r.sscan("missing", 0), (0, []))
        # The cursor is checked before the key, the options after it.
        self.assertEqual(r.sscan("missing", 0, count=0), (0, []))
        self.assertError("ERR invalid cursor", "SSCAN", "missing", "x")
        self.assertError("ERR syntax error", "SSCAN", "small", "0", "COUNT", "0")
        big = {"m%d" % i for i in range(5000)}
        r.sadd("big", *big)
        seen, cursor = [], 0
        while True:
            cursor, part = r.sscan("big", cursor, count=50)
            seen.extend(part)
            if cursor == 0:
                break
        self.assertEqual(set(seen), big)
        self.assertEqual(len(seen), len(big))  # no rehash in between: no repeats
        self.assertEqual(set(r.sscan_iter("big", match="m49??")), {"m49%02d" % i for i in range(100)})

    # --- keyspace events -----------------------------------------------------

    def test_keyspace_events(self):
        r = self.r
        r.config_set("notify-keyspace-events", "Egsh")
        sub = r.pubsub()
        try:
            sub.psubscribe("__keyevent@0__:*")
            self.assertEqual(sub.get_message(timeout=2)["type"], "psubscribe")
            session = (("HSET", "h", "a", "1"), ("HSETNX", "h", "a", "2"), ("HSETNX", "h", "b", "2"),
                       ("HINCRBY", "h", "c", "1"), ("HINCRBYFLOAT", "h", "c", "1.5"),
                       ("HDEL", "h", "zz"), ("HDEL", "h", "a", "b", "c"),
                       ("SADD", "s", "1", "2"), ("SADD", "s", "1"), ("SREM", "s", "1"),
                       ("SMOVE", "s", "d", "2"), ("SPOP", "d"), ("SADD", "s", "1", "2", "3"),
                       ("SPOP", "s", "3"), ("SADD", "a", "x"), ("SINTERSTORE", "dst", "a"),
                       ("SUNIONSTORE", "dst2", "a"), ("SDIFFSTORE", "dst", "a", "a"),
                       ("SDIFFSTORE", "dst", "a", "a"), ("SREM", "a", "x"))
            for cmd in session:
                r.execute_command(*cmd)
            r.execute_command("PUBLISH", "__keyevent@0__:end", "x")
            events = []
            while True:
                m = sub.get_message(timeout=2)
                self.assertIsNotNone(m, events)
                if m["channel"] == "__keyevent@0__:end":
                    break
                events.append((m["channel"].split(":", 1)[1], m["data"]))
            self.assertEqual(events, [
                ("hset", "h"), ("hset", "h"), ("hincrby", "h"), ("hincrbyfloat", "h"),
                ("hdel", "h"), ("del", "h"), ("sadd", "s"), ("srem", "s"), ("srem", "s"),
                ("del", "s"), ("sadd", "d"), ("spop", "d"), ("del", "d"), ("sadd", "s"),
                ("spop", "s"), ("del", "s"), ("sadd", "a"), ("sinterstore", "dst"),
                ("sunionstore", "dst2"), ("del", "dst"), ("srem", "a"), ("del", "a")])
        finally:
            sub.close()
            r.config_set("notify-keyspace-events", "")

    # --- RESP3 reply types, COPY and WATCH ---------------------------------

    def test_resp3_reply_types(self):
        self.r.hset("h", "a", "1")
        self.r.sadd("s", "x")
        c = Resp3Client(self.srv.port)
        try:
            self.assertEqual(c.call("HGETALL", "h")[0], "%")
            self.assertEqual(plain(c.call("HGETALL", "h")), ["a", "1"])
            self.assertEqual(c.call("HGETALL", "missing"), ("%", []))
            self.assertEqual(c.call("SMEMBERS", "s")[0], "~")
            self.assertEqual(c.call("SMEMBERS", "missing"), ("~", []))
            for cmd in ("SINTER", "SUNION", "SDIFF"):
                self.assertEqual(c.call(cmd, "s")[0], "~", cmd)
            self.assertEqual(c.call("SPOP", "missing", "0"), ("~", []))
            self.assertEqual(c.call("SRANDMEMBER", "s", "5"), ("*", [("$", b"x")]))
            self.assertEqual(c.call("HRANDFIELD", "h", "-2", "WITHVALUES"),
                             ("*", [("*", [("$", b"a"), ("$", b"1")])] * 2))
            self.assertEqual(c.call("HRANDFIELD", "h", "1"), ("*", [("$", b"a")]))
            self.assertEqual(c.call("SPOP", "s", "1"), ("~", [("$", b"x")]))
            self.assertEqual(c.call("SPOP", "missing")[0], "_")
        finally:
            c.close()

    def test_copy_is_deep(self):
        r = self.r
        r.hset("h", mapping={"a": "1"})
        r.sadd("s", "1", "x")
        self.assertEqual(r.copy("h", "h2"), 1)
        self.assertEqual(r.copy("s", "s2"), 1)
        r.hset("h", "a", "2")
        r.srem("s", "x")
        self.assertEqual(r.hgetall("h2"), {"a": "1"})
        self.assertEqual(r.smembers("s2"), {"1", "x"})

    def test_watch_ignores_writes_that_change_nothing(self):
        r = self.r
        r.sadd("s", "a")
        r.hset("h", "f", "1")
        noops = (("SADD", "s", "a"), ("SREM", "s", "zz"), ("HDEL", "h", "zz"),
                 ("HSETNX", "h", "f", "2"), ("SMOVE", "s", "t", "zz"),
                 ("SINTERSTORE", "never", "missing"))
        other = redis.Redis(port=self.srv.port, decode_responses=True)
        for noop in noops:
            with r.pipeline() as p:
                p.watch("s", "h", "t", "never")
                other.execute_command(*noop)
                p.multi()
                p.ping()
                self.assertEqual(p.execute(), [True], noop)
        changes = (("SADD", "s", "b"), ("HSET", "h", "f", "1"), ("SPOP", "s"),
                   ("HINCRBY", "h", "f", "0"))
        for change in changes:
            with r.pipeline() as p:
                p.watch("s", "h")
                other.execute_command(*change)
                p.multi()
                p.ping()
                with self.assertRaises(redis.WatchError):
                    p.execute()


if __name__ == "__main__":
    unittest.main()
