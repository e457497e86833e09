"""Integration: PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST on vigil-server and on
Debian's redis-server 7.0.15 side by side. An HLL is a string in Redis's
format, so the same commands must leave byte-identical values (sparse and
dense), a value copied from one server with GET/SET must read the same on the
other, and replies, error texts, keyspace events and change counters match."""
import os
import random
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from vigil_harness import VigilServer  # noqa: E402
from difftest.resp import RespConn, show  # noqa: E402
from difftest.servers import RedisServer  # noqa: E402

SPARSE_HEADER = b"HYLL\x01" + b"\x00" * 11
STALE_SPARSE_HEADER = b"HYLL\x01" + b"\x00" * 10 + b"\x80"
INVALID = (b"-", b"INVALIDOBJ Corrupted HLL object detected")
NOT_HLL = (b"-", b"WRONGTYPE Key is not a valid HyperLogLog string value.")


def setUpModule():
    global VIGIL, REDIS
    VIGIL = VigilServer(os.environ["VIGIL_SERVER"]).start()
    REDIS = RedisServer()
    try:
        REDIS.start()
    except Exception:
        VIGIL.stop()
        raise


def tearDownModule():
    VIGIL.stop()
    REDIS.stop()


def ends_in_cut_xzero(body):
    """True if the sparse opcodes end with the first byte of a 2-byte XZERO."""
    i = 0
    while i < len(body):
        if body[i] & 0xc0 == 0x40:
            if i + 1 == len(body):
                return True
            i += 2
        else:
            i += 1
    return False


def b(args):
    return [a if isinstance(a, bytes) else str(a).encode() for a in args]


class HyperLogLogMatchesRedis(unittest.TestCase):
    def pair(self):
        conns = RespConn(VIGIL.port), RespConn(REDIS.port)
        for c in conns:
            self.addCleanup(c.close)
        return conns

    def setUp(self):
        self.ours, self.theirs = self.pair()
        self.same("FLUSHALL")

    def same(self, *args):
        """Runs a command on both servers and asserts identical replies."""
        got, want = self.ours.call(b(args)), self.theirs.call(b(args))
        self.assertEqual(got, want, "%r\n vigil: %s\n redis: %s"
                         % (args[:4], show(got)[:300], show(want)[:300]))
        return got

    def same_value(self, key):
        """The key's bytes, identical on both servers."""
        return self.same("GET", key)[1]

    def test_pfadd_sequences_give_the_same_sparse_bytes(self):
        rng = random.Random(1)
        for i in range(150):
            batch = ["m%d" % rng.randrange(400) for _ in range(rng.randrange(0, 6))]
            self.same("PFADD", "h", *batch)
            self.same_value("h")
            if i % 10 == 0:
                self.same("PFCOUNT", "h")  # writes the cached count back
                self.same_value("h")
        self.assertEqual(self.same("PFDEBUG", "ENCODING", "h"), (b"+", b"sparse"))
        self.same("PFDEBUG", "DECODE", "h")
        self.same("OBJECT", "ENCODING", "h")

    def test_growth_past_sparse_max_bytes_gives_the_same_dense_bytes(self):
        encodings = set()
        for start in range(0, 4000, 40):
            self.same("PFADD", "h", *["x%d" % n for n in range(start, start + 40)])
            value = self.same_value("h")
            encodings.add(value[4])
            if start % 400 == 0:
                self.same("PFCOUNT", "h")
                self.same("PFDEBUG", "ENCODING", "h")
        self.assertEqual(encodings, {0, 1})
        self.assertEqual(len(self.same_value("h")), 16 + 12288)
        count = self.same("PFCOUNT", "h")[1]
        self.assertLess(abs(count - 4000), 4000 * 0.03)
        self.same("PFDEBUG", "GETREG", "h")

    def test_sparse_max_bytes_config_sets_the_promotion_point(self):
        self.same("CONFIG", "SET", "hll-sparse-max-bytes", "120")
        self.addCleanup(lambda: self.same("CONFIG", "SET", "hll-sparse-max-bytes", "3000"))
        lengths = []
        for n in range(60):
            self.same("PFADD", "h", "y%d" % n)
            lengths.append(len(self.same_value("h")))
        self.assertLessEqual(max(x for x in lengths if x != 16 + 12288), 120)
        self.assertEqual(lengths[-1], 16 + 12288)

    def test_random_session(self):
        """Adds, merges, counts and conversions over a few keys of all sizes,
        with the promotion point moving: every reply and value identical."""
        self.addCleanup(lambda: self.same("CONFIG", "SET", "hll-sparse-max-bytes", "3000"))
        rng = random.Random(5)
        keys = ["k%d" % i for i in range(6)]
        for _ in range(1500):
            x = rng.random()
            if x < 0.6:
                n = rng.choice([1, 2, 5, 20, 100])
                self.same("PFADD", rng.choice(keys),
                          *["e%d" % rng.randrange(20000) for _ in range(n)])
            elif x < 0.7:
                self.same("PFMERGE", *rng.sample(keys, rng.randrange(1, 4)))
            elif x < 0.85:
                self.same("PFCOUNT", *rng.sample(keys, rng.randrange(1, 4)))
            elif x < 0.88:
                self.same("PFDEBUG", "TODENSE", rng.choice(keys))
            elif x < 0.9:
                self.same("CONFIG", "SET", "hll-sparse-max-bytes",
                          rng.choice(["50", "300", "3000", "10000"]))
            else:
                self.same_value(rng.choice(keys))
        for k in keys:
            self.same_value(k)

    def test_values_move_between_servers(self):
        rng = random.Random(2)
        for n, expect_enc in ((30, 1), (3000, 0)):
            elements = ["v%d" % rng.randrange(10 ** 9) for _ in range(n)]
            for src, dst in ((self.theirs, self.ours), (self.ours, self.theirs)):
                src.call(b(["DEL", "h"]))
                src.call(b(["PFADD", "h"] + elements))
                blob = src.call(b(["GET", "h"]))[1]
                self.assertEqual(blob[4], expect_enc)
                self.assertEqual(dst.call([b"SET", b"copy", blob]), (b"+", b"OK"))
                self.assertEqual(dst.call([b"PFCOUNT", b"copy"]),
                                 src.call([b"PFCOUNT", b"h"]))
                # Both go on from the copied bytes alike.
                self.assertEqual(dst.call(b(["PFADD", "copy", "more", "and", "more2"])),
                                 src.call(b(["PFADD", "h", "more", "and", "more2"])))
                self.assertEqual(dst.call([b"GET", b"copy"]), src.call([b"GET", b"h"]))

    def test_pfadd_replies_and_creation(self):
        self.same("PFADD", "e")
        self.same("PFADD", "e")
        self.assertEqual(self.same_value("e"), STALE_SPARSE_HEADER + b"\x7f\xff")
        self.same("PFCOUNT", "e")
        self.same_value("e")
        self.same("PFADD", "h", "a", "b", "c")
        self.same("PFADD", "h", "a")
        self.same("PFADD", "h", "a", "d")
        self.same("SET", "t", self.same_value("h"), "EX", "1000")
        self.same("PFADD", "t", "zz")
        self.same("TTL", "t")
        self.same("OBJECT", "ENCODING", "t")
        self.same("PFADD")

    def test_pfcount_cache_and_union(self):
        self.same("PFADD", "a", *["a%d" % i for i in range(100)])
        self.same("PFADD", "b", *["a%d" % i for i in range(50, 300)])
        self.same("PFDEBUG", "TODENSE", "b")
        for keys in (["a"], ["a", "b"], ["b", "a", "missing"], ["missing"], ["missing", "x"]):
            self.same("PFCOUNT", *keys)
        self.same_value("a")
        self.same_value("b")
        # A valid cached count is answered as stored.
        self.same("SET", "c", SPARSE_HEADER[:8] + b"\x07" + b"\x00" * 7 + b"\x7f\xff")
        self.same("PFCOUNT", "c")
        self.same("PFCOUNT", "c", "a")

    def test_pfcount_cache_refresh_counts_as_a_change(self):
        self.same("PFADD", "h", "a", "b")
        for cache_stale in (True, False):
            watchers = self.pair()
            for w in watchers:
                w.call([b"WATCH", b"h"])
                w.call([b"MULTI"])
                w.call([b"PING"])
            self.same("PFCOUNT", "h")  # a stale cache is written back, a valid one is not
            results = [w.call([b"EXEC"]) for w in watchers]
            self.assertEqual(results[0], results[1])
            self.assertEqual(results[0][1] is None, cache_stale)

    def test_change_and_lookup_counters_match(self):
        def counters(conn):
            info = conn.call([b"INFO", b"all"])[1].decode()
            fields = dict(x.split(":", 1) for x in info.split("\r\n") if ":" in x)
            return [int(fields[f]) for f in ("rdb_changes_since_last_save", "keyspace_hits",
                                             "keyspace_misses")]

        session = [["PFADD", "h", "a", "b", "c"], ["PFADD", "h", "a"], ["PFCOUNT", "h"],
                   ["PFCOUNT", "h"], ["PFCOUNT", "h", "nokey"], ["PFMERGE", "m", "h", "nokey"],
                   ["PFDEBUG", "TODENSE", "h"], ["PFDEBUG", "TODENSE", "h"],
                   ["PFDEBUG", "GETREG", "m"], ["PFADD", "n"], ["PFCOUNT", "nokey"]]
        for cmd in session:
            before = counters(self.ours), counters(self.theirs)
            self.same(*cmd)
            after = counters(self.ours), counters(self.theirs)
            self.assertEqual([a - b for a, b in zip(after[0], before[0])],
                             [a - b for a, b in zip(after[1], before[1])], cmd)

    def test_pfmerge(self):
        self.same("PFADD", "s1", "a", "b", "c")
        self.same("PFADD", "s2", "c", "d", "e")
        self.same("PFMERGE", "dest", "s1", "s2", "missing")  # dest created, stays sparse
        self.same_value("dest")
        self.same("PFDEBUG", "ENCODING", "dest")
        self.same("PFMERGE", "dest", "s1")  # dest existing, merged with itself
        self.same_value("dest")
        self.same("PFMERGE", "only")
        self.same_value("only")
        self.same("PFADD", "big", *["x%d" % i for i in range(3000)])
        self.same("PFMERGE", "dest", "big")  # a dense input makes dest dense
        self.same_value("dest")
        self.same("PFCOUNT", "dest")
        self.same("PFMERGE", "s1", "s2")
        self.same_value("s1")
        self.same("RPUSH", "list", "x")
        self.same("PFMERGE", "dest", "list")
        self.same("PFMERGE", "list", "s1")
        self.same_value("dest")

    def test_pfdebug(self):
        self.same("PFADD", "h", "a", "b", "c")
        for sub in ("ENCODING", "decode", "GetReg", "ENCODING", "TODENSE", "todense", "DECODE"):
            self.same("PFDEBUG", sub, "h")
        self.same_value("h")
        self.same("PFDEBUG", "NOPE", "h")
        self.same("PFDEBUG", "NOPE", "missing")
        self.same("PFDEBUG", "ENCODING", "missing")
        self.same("PFDEBUG", "GETREG")
        self.same("PFDEBUG", "GETREG", "h", "extra")
        self.same("SET", "s", "foo")
        self.same("PFDEBUG", "NOPE", "s")

    def test_errors(self):
        self.same("RPUSH", "list", "x")
        self.same("SET", "s", "foo")
        self.same("SET", "dense_short", b"HYLL\x00" + b"\x00" * 50)
        self.same("SET", "enc2", b"HYLL\x02" + b"\x00" * 11 + b"\x7f\xff")
        for key in ("list", "s", "dense_short", "enc2"):
            for cmd in (["PFADD", key, "a"], ["PFADD", key], ["PFCOUNT", key],
                        ["PFCOUNT", key, "other"], ["PFMERGE", "d", key],
                        ["PFDEBUG", "GETREG", key]):
                reply = self.same(*cmd)
                self.assertEqual(reply[0], b"-")
        self.assertEqual(self.same("PFADD", "s", "a"), NOT_HLL)

    def test_corrupt_sparse_values(self):
        bodies = [b"", b"\x7f\xfe", b"\x7f\xff\x00", b"\x7f\xfe\x83", b"\x7f"]
        for body in bodies:
            for header in (SPARSE_HEADER, STALE_SPARSE_HEADER):
                for cmd in (["PFCOUNT", "k"], ["PFCOUNT", "k", "missing"], ["PFMERGE", "d", "k"],
                            ["PFDEBUG", "TODENSE", "k"], ["PFDEBUG", "DECODE", "k"],
                            ["PFADD", "k", "a", "b"], ["PFADD", "k", "3398"]):
                    self.same("SET", "k", header + body)
                    self.same(*cmd)
                    self.same_value("k")
        # Random opcode bytes: edits and counts behave alike, byte for byte.
        rng = random.Random(3)
        for _ in range(300):
            body = bytes(rng.randrange(256) for _ in range(rng.randrange(12)))
            if ends_in_cut_xzero(body):
                continue  # Redis then reads a stale byte past the value's end
            self.same("SET", "k", STALE_SPARSE_HEADER + body)
            self.same("PFADD", "k", *["r%d" % rng.randrange(10 ** 6) for _ in range(3)])
            self.same_value("k")
            self.same("PFCOUNT", "k")
        # "3398" hits register 16383, which XZERO:16383 does not cover.
        self.same("SET", "k", SPARSE_HEADER + b"\x7f\xfe")
        self.assertEqual(self.same("PFADD", "k", "a", "3398"), INVALID)
        self.same_value("k")  # the update from "a" stays, as in Redis

    def test_keyspace_events(self):
        subs = self.pair()
        self.same("CONFIG", "SET", "notify-keyspace-events", "KEA")
        self.addCleanup(lambda: self.same("CONFIG", "SET", "notify-keyspace-events", ""))
        for s in subs:
            s.call([b"PSUBSCRIBE", b"__key*@0__:*"])
        for cmd in (["PFADD", "h", "a"], ["PFADD", "h", "a"], ["PFADD", "h", "b"],
                    ["PFCOUNT", "h"], ["PFMERGE", "m", "h"], ["PFMERGE", "m"],
                    ["PFDEBUG", "TODENSE", "m"], ["PFADD", "e"]):
            self.same(*cmd)
        seen = []
        for s in subs:
            s.call([b"PING"])  # answered after every event already sent
            events = []
            while True:
                msg = s.read()
                if msg[0] == b"*" and msg[1][0] == (b"$", b"pong"):
                    break
                events.append(msg)
            seen.append(events)
        self.assertEqual(seen[0], seen[1])
        self.assertIn((b"$", b"pfadd"), [m[1][3] for m in seen[0]])

    def test_command_info_and_selftest(self):
        for name in ("pfadd", "pfcount", "pfmerge", "pfdebug", "pfselftest"):
            got = self.ours.call([b"COMMAND", b"INFO", name.encode()])[1][0][1]
            want = self.theirs.call([b"COMMAND", b"INFO", name.encode()])[1][0][1]
            self.assertEqual(got[:6], want[:6], name)  # name arity flags first last step
        self.same("PFSELFTEST")
        self.same("PFSELFTEST", "x")


if __name__ == "__main__":
    unittest.main()
