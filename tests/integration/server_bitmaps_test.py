"""Integration: SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO sent to
vigil-server and to Debian's redis-server 7.0.15 side by side, every reply
compared exactly (error texts, nils, OBJECT ENCODING, keyspace events, hit /
miss counters), first as a fixed list of edge cases, then as a seeded random
session of a few thousand commands."""
import os
import random
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from vigil_harness import VigilServer  # noqa: E402
from difftest.resp import RespConn, show  # noqa: E402
from difftest.servers import RedisServer  # noqa: E402

# Redis's lowest proto-max-bulk-len (1mb), so offset limits are reachable cheaply.
CONFIG = ("proto-max-bulk-len 1mb",)
I64_MIN, I64_MAX = "-9223372036854775808", "9223372036854775807"

EDGE_CASES = [
    # SETBIT / GETBIT: offsets, bit values, growth, encodings.
    ["SETBIT", "k", "7", "1"], ["SETBIT", "k", "7", "1"], ["SETBIT", "k", "7", "0"],
    ["GET", "k"], ["OBJECT", "ENCODING", "k"], ["SETBIT", "k", "100", "0"], ["STRLEN", "k"],
    ["SETBIT", "k", "-1", "1"], ["SETBIT", "k", "x", "1"], ["SETBIT", "k", "1", "2"],
    ["SETBIT", "k", "1", "-1"], ["SETBIT", "k", "1", "x"], ["SETBIT", "k", "1", "01"],
    ["SETBIT", "k", "8388608", "1"], ["SETBIT", "big", "8388607", "1"], ["STRLEN", "big"],
    ["GETBIT", "big", "8388607"], ["GETBIT", "big", "8388608"], ["GETBIT", "k", "7"],
    ["GETBIT", "k", "100000"], ["GETBIT", "missing", "3"], ["GETBIT", "k", "-1"],
    ["SET", "n", "12345"], ["OBJECT", "ENCODING", "n"], ["GETBIT", "n", "2"],
    ["SETBIT", "n", "0", "0"], ["OBJECT", "ENCODING", "n"], ["GET", "n"],
    ["SET", "e", "hello"], ["SETBIT", "e", "1", "1"], ["OBJECT", "ENCODING", "e"],
    ["SET", "t", "abc", "EX", "100"], ["SETBIT", "t", "1", "1"], ["TTL", "t"],
    ["RPUSH", "list", "a"], ["SETBIT", "list", "0", "1"], ["SETBIT", "list", "x", "1"],
    ["GETBIT", "list", "0"], ["GETBIT", "list", "x"],
    # BITCOUNT: ranges, negative ranges, BIT mode, argument checks.
    ["SET", "s", "foobar"], ["BITCOUNT", "s"], ["BITCOUNT", "s", "0", "0"],
    ["BITCOUNT", "s", "1", "1"], ["BITCOUNT", "s", "1", "1", "BYTE"],
    ["BITCOUNT", "s", "5", "30", "BIT"], ["BITCOUNT", "s", "-5", "-1", "bit"],
    ["BITCOUNT", "s", "-1", "-5"], ["BITCOUNT", "s", "-100", "-200"],
    ["BITCOUNT", "s", "-100", "100"], ["BITCOUNT", "s", "2", "1"], ["BITCOUNT", "s", "1"],
    ["BITCOUNT", "s", "0", "1", "foo"], ["BITCOUNT", "s", "a", "1"],
    ["BITCOUNT", "s", "0", "1", "bit", "x"], ["BITCOUNT", "missing", "a", "b", "c"],
    ["BITCOUNT", "list"], ["BITCOUNT", "list", "a", "b"], ["BITCOUNT", "n", "0", "-1", "BIT"],
    ["SET", "empty", ""], ["BITCOUNT", "empty", "0", "-1"], ["BITCOUNT", "s", "0", I64_MAX],
    ["BITCOUNT", "s", I64_MIN, I64_MAX, "BIT"],
    # BITPOS: no clear bit found, explicit ends, BIT mode.
    ["SET", "ff", "\xff\xff\xff"], ["BITPOS", "ff", "0"], ["BITPOS", "ff", "0", "1"],
    ["BITPOS", "ff", "0", "0", "-1"], ["BITPOS", "ff", "0", "0", "-1", "BIT"],
    ["BITPOS", "ff", "0", "3", "BIT"], ["BITPOS", "ff", "0", "3", "-1", "BIT"],
    ["BITPOS", "ff", "1"], ["BITPOS", "ff", "1", "-1", "-5"], ["BITPOS", "ff", "0", "100"],
    ["BITPOS", "s", "1", "-100", "-200"], ["BITPOS", "s", "0"], ["BITPOS", "s", "1", "2"],
    ["BITPOS", "s", "1", "9", "20", "bit"], ["BITPOS", "s", "0", "9", "20", "BIT"],
    ["BITPOS", "s", "1", "0", "1", "foo"], ["BITPOS", "s", "0", "0", "x", "foo"],
    ["BITPOS", "s", "1", "0", "1", "bit", "5"], ["BITPOS", "s", "2"], ["BITPOS", "s", "x"],
    ["BITPOS", "s", "1", "a"], ["BITPOS", "missing", "0"], ["BITPOS", "missing", "1"],
    ["BITPOS", "missing", "1", "a", "b", "c"], ["BITPOS", "missing", "3"],
    ["BITPOS", "list", "2"], ["BITPOS", "list", "1", "x"], ["BITPOS", "empty", "0"],
    ["BITPOS", "empty", "1"], ["BITPOS", "n", "0", "0", "-1", "BIT"],
    ["SETBIT", "z", "1000", "0"], ["BITPOS", "z", "1"], ["BITPOS", "z", "0", "5"],
    # BITOP: missing sources, padding, empty results, NOT, errors.
    ["SET", "a", "\xff\xf0"], ["SET", "b", "\x0f"], ["BITOP", "AND", "d", "a", "b"],
    ["GET", "d"], ["OBJECT", "ENCODING", "d"], ["BITOP", "or", "d", "a", "b", "missing"],
    ["GET", "d"], ["BITOP", "XOR", "d", "a", "b", "a"], ["GET", "d"],
    ["BITOP", "NOT", "d", "a"], ["GET", "d"], ["BITOP", "not", "d", "a", "b"],
    ["BITOP", "NOT", "d"], ["BITOP", "nand", "d", "a"], ["BITOP", "AND", "d", "a", "missing"],
    ["GET", "d"], ["BITOP", "AND", "d", "missing", "empty"], ["EXISTS", "d"],
    ["BITOP", "OR", "d", "missing"], ["BITOP", "AND", "d", "a", "list"],
    ["BITOP", "AND", "list", "a"], ["TYPE", "list"], ["SET", "n2", "7"],
    ["BITOP", "NOT", "n3", "n2"], ["OBJECT", "ENCODING", "n3"],
    ["SET", "t2", "x", "EX", "100"], ["BITOP", "OR", "t2", "t2"], ["TTL", "t2"],
    ["BITOP", "OR", "a", "a", "b"], ["GET", "a"],
    # BITFIELD: types, #offsets, overflow modes at the type edges, errors.
    ["BITFIELD", "f"], ["EXISTS", "f"], ["BITFIELD", "f", "GET", "u8", "0"], ["EXISTS", "f"],
    ["BITFIELD", "f", "SET", "i8", "0", "127", "INCRBY", "i8", "0", "1", "GET", "i8", "0"],
    ["BITFIELD", "f", "OVERFLOW", "SAT", "SET", "i8", "0", "127", "INCRBY", "i8", "0", "1"],
    ["BITFIELD", "f", "OVERFLOW", "FAIL", "INCRBY", "i8", "0", "1", "GET", "i8", "0"],
    ["BITFIELD", "f", "SET", "u8", "8", "255", "INCRBY", "u8", "8", "1",
     "OVERFLOW", "SAT", "INCRBY", "u8", "8", "-1", "INCRBY", "u8", "8", "300",
     "OVERFLOW", "FAIL", "INCRBY", "u8", "8", "1", "INCRBY", "u8", "8", "-255"],
    ["BITFIELD", "f", "SET", "i64", "16", I64_MAX, "INCRBY", "i64", "16", "1",
     "OVERFLOW", "SAT", "INCRBY", "i64", "16", "-1", "INCRBY", "i64", "16", I64_MIN,
     "OVERFLOW", "FAIL", "INCRBY", "i64", "16", "-1", "OVERFLOW", "WRAP",
     "INCRBY", "i64", "16", "-1"],
    ["BITFIELD", "f", "SET", "u63", "#3", I64_MAX, "INCRBY", "u63", "#3", "1",
     "OVERFLOW", "SAT", "SET", "u63", "#3", "-1", "GET", "u63", "#3", "SET", "u8", "#0", "-1"],
    ["BITFIELD", "f", "OVERFLOW", "SAT", "SET", "i8", "0", I64_MIN, "GET", "i8", "0",
     "OVERFLOW", "WRAP", "SET", "i8", "0", I64_MIN, "SET", "i1", "100", "1",
     "INCRBY", "i1", "100", "1", "OVERFLOW", "SAT", "INCRBY", "i1", "100", "1"],
    ["BITFIELD", "f", "GET", "i64", "#288230376151711744"],
    ["BITFIELD", "f", "GET", "i64", "#144115188075855872"], ["BITFIELD", "f", "GET", "i8", "#-1"],
    ["BITFIELD", "f", "GET", "i8", "##1"], ["BITFIELD", "f", "GET", "i8", "-1"],
    ["BITFIELD", "f", "GET", "i8", "8388607"], ["BITFIELD", "f", "GET", "i8", "8388608"],
    ["BITFIELD", "f", "GET", "i8", "#1048576"], ["BITFIELD", "f", "GET", "i8", "#1048575"],
    ["BITFIELD", "f", "GET", "u64", "0"], ["BITFIELD", "f", "GET", "i65", "0"],
    ["BITFIELD", "f", "GET", "i0", "0"], ["BITFIELD", "f", "GET", "I8", "0"],
    ["BITFIELD", "f", "GET", "i08", "0"], ["BITFIELD", "f", "GET", "x", "0"],
    ["BITFIELD", "f", "GET"], ["BITFIELD", "f", "FOO"], ["BITFIELD", "f", "OVERFLOW"],
    ["BITFIELD", "f", "OVERFLOW", "bar"], ["BITFIELD", "f", "SET", "i8", "0", "x"],
    ["BITFIELD", "f", "SET", "i8", "0", "1", "GET"], ["BITFIELD", "f", "INCRBY", "i8", "0"],
    ["BITFIELD", "f", "overflow", "sat"], ["BITFIELD", "f", "get", "i8", "0", "Overflow", "Sat"],
    ["BITFIELD", "f", "SET", "i8", "0", "1", "GET", "u99", "0"],
    ["BITFIELD", "g", "OVERFLOW", "FAIL", "INCRBY", "u8", "40", "300"], ["GET", "g"],
    ["OBJECT", "ENCODING", "g"], ["SET", "h", "abc"], ["BITFIELD", "h", "GET", "u8", "0"],
    ["OBJECT", "ENCODING", "h"], ["BITFIELD", "h", "SET", "u8", "0", "97"],
    ["OBJECT", "ENCODING", "h"], ["BITFIELD", "n2", "GET", "u8", "0", "GET", "i4", "#1"],
    ["BITFIELD", "list", "GET", "u8", "0"], ["BITFIELD", "list", "SET", "u8", "0", "1"],
    ["BITFIELD", "list", "GET", "u99", "0"],
    ["BITFIELD_RO", "f", "GET", "u8", "0", "GET", "i16", "#1"], ["BITFIELD_RO", "f"],
    ["BITFIELD_RO", "f", "GET", "u8", "0", "SET", "u8", "0", "1"],
    ["BITFIELD_RO", "f", "INCRBY", "u8", "0", "1"], ["BITFIELD_RO", "f", "SET", "u88", "0", "1"],
    ["BITFIELD_RO", "list", "GET", "u8", "0"], ["BITFIELD_RO", "list", "SET", "u8", "0", "1"],
    ["BITFIELD_RO", "missing", "GET", "i8", "0"],
    # Arity.
    ["SETBIT", "k", "1"], ["GETBIT", "k"], ["BITCOUNT"], ["BITPOS", "k"], ["BITOP", "AND", "d"],
    ["BITFIELD"], ["BITFIELD_RO"],
]


def as_bytes(args):
    return [a if isinstance(a, bytes) else str(a).encode("latin-1") for a in args]


def info_field(conn, section, name):
    text = conn.call([b"INFO", section.encode()])[1].decode()
    for line in text.split("\r\n"):
        if line.startswith(name + ":"):
            return int(line.split(":", 1)[1])
    raise AssertionError("no %s in INFO %s" % (name, section))


class BitmapsMatchRedis(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.vigil = VigilServer(os.environ["VIGIL_SERVER"], config_lines=CONFIG).start()
        cls.redis = RedisServer(config_lines=CONFIG)
        try:
            cls.redis.start()
        except Exception:
            cls.vigil.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.vigil.stop()
        cls.redis.stop()

    def connect(self):
        """A connection to each server: (vigil, redis)."""
        pair = RespConn(self.vigil.port), RespConn(self.redis.port)
        for c in pair:
            self.addCleanup(c.close)
        return pair

    def setUp(self):
        self.v, self.r = self.connect()
        self.both(["FLUSHALL"])

    def both(self, args, note=""):
        """Sends one command to both servers; the replies must be identical."""
        args = as_bytes(args)
        got, want = self.v.call(args), self.r.call(args)
        self.assertEqual(got, want, "%s%r\n vigil: %s\n redis: %s"
                         % (note, args, show(got), show(want)))
        return got

    def test_edge_cases_match_redis(self):
        for cmd in EDGE_CASES:
            self.both(cmd)

    def test_command_info_matches_redis(self):
        for name in ("setbit", "getbit", "bitcount", "bitpos", "bitop", "bitfield",
                     "bitfield_ro"):
            got = self.v.call([b"COMMAND", b"INFO", name.encode()])[1][0][1]
            want = self.r.call([b"COMMAND", b"INFO", name.encode()])[1][0][1]
            # name, arity, flags, first key, last key, step
            self.assertEqual(got[:6], want[:6], name)

    def test_keyspace_events_match_redis(self):
        subscribers = self.connect()
        self.both(["CONFIG", "SET", "notify-keyspace-events", "KEA"])
        for s in subscribers:
            s.call([b"PSUBSCRIBE", b"__keyevent@0__:*"])
        session = [
            ["SETBIT", "a", "3", "1"], ["SETBIT", "a", "3", "1"], ["SETBIT", "a", "3", "0"],
            ["SETBIT", "a", "100", "0"], ["BITFIELD", "a", "OVERFLOW", "FAIL", "INCRBY", "u8",
                                         "0", "300"],
            ["BITFIELD", "a", "SET", "u8", "0", "0"], ["BITFIELD", "a", "SET", "u8", "0", "5"],
            ["BITFIELD", "b", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "300"],
            ["BITFIELD", "b", "SET", "u8", "80", "0"], ["BITFIELD", "b", "GET", "u8", "0"],
            ["BITOP", "AND", "d", "a", "missing"], ["BITOP", "OR", "d", "missing"],
            ["BITOP", "OR", "d", "missing"], ["BITOP", "NOT", "d", "a"], ["SET", "e", ""],
            ["BITOP", "NOT", "d", "e"], ["BITOP", "XOR", "d", "e", "e"],
        ]
        for cmd in session:
            self.both(cmd)
        events = []
        for s in subscribers:
            s.call([b"PING"])  # the pong follows every notification already sent
            got = []
            while True:
                msg = s.read()
                if msg[1][0][1] == b"pong":
                    break
                got.append((msg[1][2][1], msg[1][3][1]))
            events.append(got)
        self.assertEqual(events[0], events[1])
        self.assertIn((b"__keyevent@0__:del", b"d"), events[0])

    def test_resp3_replies_match_redis(self):
        for c in (self.v, self.r):
            c.call([b"HELLO", b"3"])  # the greeting differs (server name, version)
        self.both(["BITFIELD", "r3", "OVERFLOW", "FAIL", "INCRBY", "i8", "0", "200",
                   "INCRBY", "u4", "0", "3", "GET", "i8", "0"])
        self.both(["BITFIELD_RO", "r3", "GET", "u4", "0"])
        self.both(["BITOP", "NOT", "r4", "r3"])
        self.both(["BITCOUNT", "r4"])

    def test_unchanged_bits_do_not_touch_watched_keys(self):
        others = self.connect()
        session = [  # (command from another client, whether it changes w or w2)
            (["SETBIT", "w", "3", "1"], True), (["SETBIT", "w", "3", "1"], False),
            (["BITFIELD", "w", "SET", "u4", "0", "1"], False),
            (["BITFIELD", "w", "SET", "u4", "0", "0"], True),
            (["BITFIELD", "w", "OVERFLOW", "FAIL", "INCRBY", "u4", "0", "100"], False),
            (["BITFIELD", "w", "GET", "u4", "0"], False), (["SETBIT", "w", "20", "0"], True),
            (["BITOP", "OR", "w2", "missing"], False), (["BITOP", "OR", "w2", "w"], True),
        ]
        for cmd, changes in session:
            self.both(["WATCH", "w", "w2"])
            for c in others:
                c.call(as_bytes(cmd))
            self.both(["MULTI"])
            self.both(["PING"])
            aborted = self.both(["EXEC"], "after %r: " % cmd)[1] is None
            self.assertEqual(aborted, changes, cmd)

    def hits_and_misses(self):
        return [(info_field(c, "stats", "keyspace_hits"),
                 info_field(c, "stats", "keyspace_misses")) for c in (self.v, self.r)]

    def test_keyspace_hits_and_misses_match_redis(self):
        before = self.hits_and_misses()
        for cmd in (["SET", "x", "abc"], ["GETBIT", "x", "1"], ["GETBIT", "y", "1"],
                    ["BITCOUNT", "x"], ["BITCOUNT", "y"], ["BITPOS", "x", "1"],
                    ["BITPOS", "y", "1"], ["BITOP", "OR", "z", "x", "y"],
                    ["BITFIELD", "x", "GET", "u8", "0"], ["BITFIELD", "y", "GET", "u8", "0"],
                    ["BITFIELD", "x", "SET", "u8", "0", "1"],
                    ["BITFIELD_RO", "y", "GET", "u8", "0"], ["SETBIT", "y", "1", "1"]):
            self.both(cmd)
        after = self.hits_and_misses()
        deltas = [(a[0] - b[0], a[1] - b[1]) for a, b in zip(after, before)]
        self.assertEqual(deltas[0], deltas[1])

    def random_command(self, rng, keys):
        """One random bitmap (or plain string) command over a small key pool."""
        key = rng.choice(keys)

        def offset():
            if rng.random() < 0.03:
                return -rng.randrange(1, 10)
            return rng.choice([rng.randrange(64), rng.randrange(400), rng.randrange(5000),
                               "#%d" % rng.randrange(20)])

        def index():
            return rng.choice([rng.randrange(-20, 20), rng.randrange(-300, 300),
                               rng.choice([I64_MIN, I64_MAX])])

        def field_type():
            sign = rng.choice("iu")
            bits = rng.choice([1, 2, 3, 7, 8, 9, 16, 31, 32, 33, 63, 64, rng.randrange(1, 65)])
            return "%s%d" % (sign, bits)

        def number():
            return rng.choice([rng.randrange(-300, 300), rng.randrange(-2 ** 40, 2 ** 40),
                               I64_MIN, I64_MAX, 2 ** 31, -2 ** 31])

        kind = rng.randrange(11)
        if kind == 0:
            return ["SETBIT", key, rng.choice([rng.randrange(200), rng.randrange(3000)]),
                    rng.choice([0, 1, 1, 1, 2])]
        if kind == 1:
            return ["GETBIT", key, rng.randrange(-1, 3000)]
        if kind == 2:
            cmd = ["BITCOUNT", key]
            if rng.random() < 0.8:
                cmd += [index(), index()] + ([rng.choice(["BIT", "BYTE", "bit"])]
                                             if rng.random() < 0.6 else [])
            return cmd
        if kind == 3:
            cmd = ["BITPOS", key, rng.choice([0, 1, 1, 0, 2])]
            n = rng.randrange(4)
            if n >= 1:
                cmd.append(index())
            if n >= 2:
                cmd.append(index())
            if n == 3:
                cmd.append(rng.choice(["BIT", "BYTE"]))
            return cmd
        if kind == 4:
            op = rng.choice(["AND", "OR", "XOR", "NOT", "and"])
            nsrc = 1 if op == "NOT" and rng.random() < 0.9 else rng.randrange(1, 4)
            return ["BITOP", op, rng.choice(keys)] + [rng.choice(keys) for _ in range(nsrc)]
        if kind in (5, 6, 7):
            cmd = [rng.choice(["BITFIELD", "BITFIELD", "BITFIELD_RO"]), key]
            for _ in range(rng.randrange(1, 5)):
                sub = rng.choice(["GET", "SET", "INCRBY", "OVERFLOW"])
                if sub == "OVERFLOW":
                    cmd += [sub, rng.choice(["WRAP", "SAT", "FAIL"])]
                elif sub == "GET":
                    cmd += [sub, field_type(), offset()]
                else:
                    cmd += [sub, field_type(), offset(), number()]
            return cmd
        if kind == 8:
            return ["GET", key]
        if kind == 9:
            return ["SET", key, rng.choice(["", "7", "-12", "foobar", "\xff\x00\xf0",
                                            "x" * rng.randrange(60), str(rng.randrange(10 ** 6))])]
        return rng.choice([["OBJECT", "ENCODING", key], ["STRLEN", key], ["EXISTS", key]])

    def test_random_session_matches_redis(self):
        rng = random.Random(20261203)
        keys = ["b0", "b1", "b2", "b3", "list"]
        self.both(["RPUSH", "list", "x"])
        for step in range(4000):
            self.both(self.random_command(rng, keys), "step %d: " % step)
        for key in keys:
            self.both(["GET", key] if key != "list" else ["LRANGE", key, "0", "-1"])


if __name__ == "__main__":
    unittest.main()
