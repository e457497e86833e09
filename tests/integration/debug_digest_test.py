"""Integration: DEBUG DIGEST and DEBUG DIGEST-VALUE give the same 40-hex
fingerprints as Debian's redis-server 7.0.15 for the same dataset: every type,
small and big encodings, TTLs, several databases, whatever the internal
encodings vigil picked."""
import os
import random
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from vigil_harness import VigilServer, free_port  # noqa: E402

import redis  # noqa: E402

BINARY = os.environ["VIGIL_SERVER"]
REDIS = "/usr/bin/redis-server"
ZERO = b"0" * 40
DBS = (0, 1, 7, 15)


def random_string(rng, max_len):
    kind = rng.randrange(5)
    if kind == 0:
        return str(rng.randrange(-10**6, 10**6)).encode()  # int-like: intset / int encoding
    if kind == 1:
        return str(rng.randrange(-2**63, 2**63)).encode()
    if kind == 2:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(max_len + 1)))  # binary
    return ("%x" % rng.getrandbits(64)).encode() * rng.randrange(1, max(2, max_len // 16))


def elems(rng, count, max_len):
    return [random_string(rng, max_len) for _ in range(count)]


def random_score(rng):
    # No -0.0: Redis's listpack keeps it as 0 (and a set converted later keeps
    # 0), a storage difference the digest would rightly report.
    return rng.choice([0.1, 0.0, 1e-300, 1e300, float("inf"), float("-inf"), 3, -7,
                       rng.uniform(-1e6, 1e6), rng.randrange(-100, 100) / 7])


def dataset_commands(rng):
    """(db, command...) tuples building one random dataset: each type small and
    big (by count and by element size), intsets, TTLs, empty strings."""
    cmds = []
    for db in DBS:
        for i in range(rng.randrange(20, 40)):
            key = b"k%d:%d" % (db, i)
            big = rng.random() < 0.3
            long_elems = rng.random() < 0.2  # past the *-max-listpack-value limits
            count = rng.randrange(130, 700) if big else rng.randrange(1, 20)
            elem_len = 100 if long_elems else 12
            kind = rng.choice(["string", "list", "hash", "set", "intset", "zset"])
            if kind == "string":
                cmds.append((db, b"SET", key, random_string(rng, 200) if i else b""))
            elif kind == "list":
                cmds.append((db, b"RPUSH", key, *elems(rng, count, elem_len)))
            elif kind == "hash":
                args = []
                for j in range(count):
                    args += [b"f%d" % j, random_string(rng, elem_len)]
                cmds.append((db, b"HSET", key, *args))
            elif kind == "set":
                cmds.append((db, b"SADD", key, *elems(rng, count, elem_len)))
            elif kind == "intset":
                cmds.append((db, b"SADD", key) + tuple(str(rng.randrange(-2**40, 2**40)).encode()
                                                       for _ in range(count)))
            else:
                args = []
                for _ in range(count):
                    args += [repr(random_score(rng)).encode(), random_string(rng, elem_len)]
                cmds.append((db, b"ZADD", key, *args))
            if rng.random() < 0.25:
                # The same absolute time on both servers, far in the future.
                when = 4102444800000 + rng.randrange(10**6)
                cmds.append((db, b"PEXPIREAT", key, str(when).encode()))
    # Later edits that leave converted encodings behind (Redis never converts back).
    cmds.append((0, b"SADD", b"shrunk", *[b"%d" % j for j in range(600)]))
    cmds.append((0, b"SREM", b"shrunk", *[b"%d" % j for j in range(595)]))
    cmds.append((0, b"ZADD", b"zshrunk", *[x for j in range(200) for x in (b"%d" % j, b"m%d" % j)]))
    cmds.append((0, b"ZREMRANGEBYRANK", b"zshrunk", b"0", b"190"))
    return cmds


class RedisServer:
    """Debian's redis-server with DEBUG enabled, on a free port; ready once it
    logs so."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="vigil-digest-redis-")
        self.port = free_port()
        self.proc = subprocess.Popen(
            [REDIS, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
             "--save", "", "--appendonly", "no", "--enable-debug-command", "yes"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for line in self.proc.stdout:
            if "Ready to accept connections" in line:
                break
        else:
            raise RuntimeError("redis-server did not start")
        self.proc.stdout.close()  # later log lines go to a closed pipe: redis ignores EPIPE
        self.r = redis.Redis(port=self.port)

    def stop(self):
        self.r.close()
        self.proc.terminate()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def apply(port, cmds):
    clients = {db: redis.Redis(port=port, db=db) for db in DBS}
    pipes = {db: c.pipeline(transaction=False) for db, c in clients.items()}
    for db, *args in cmds:
        pipes[db].execute_command(*args)
    for db in DBS:
        pipes[db].execute()
        clients[db].close()


def digests(port):
    """DEBUG DIGEST and, per db, {key: DEBUG DIGEST-VALUE}."""
    out = {}
    for db in DBS:
        with redis.Redis(port=port, db=db) as c:
            keys = sorted(c.keys("*"))
            values = c.execute_command("DEBUG", "DIGEST-VALUE", *keys) if keys else []
            out[db] = dict(zip(keys, values))
    with redis.Redis(port=port) as c:
        return c.execute_command("DEBUG", "DIGEST"), out


class DebugDigest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.vigil = VigilServer(BINARY).start()
        cls.real = RedisServer()

    @classmethod
    def tearDownClass(cls):
        cls.vigil.stop()
        cls.real.stop()

    def setUp(self):
        self.v = redis.Redis(port=self.vigil.port)
        self.addCleanup(self.v.close)
        self.v.flushall()
        self.real.r.flushall()

    def both(self, *args):
        """The same command on both servers: (vigil reply, redis reply)."""
        def run(c):
            try:
                return c.execute_command(*args)
            except redis.ResponseError as e:
                return "error: %s" % e
        return run(self.v), run(self.real.r)

    def test_random_datasets_digest_like_redis(self):
        for seed in (1, 2, 3):
            with self.subTest(seed=seed):
                self.v.flushall()
                self.real.r.flushall()
                cmds = dataset_commands(random.Random(seed))
                apply(self.vigil.port, cmds)
                apply(self.real.port, cmds)
                got, want = digests(self.vigil.port), digests(self.real.port)
                self.assertEqual(sorted(got[1][0]), sorted(want[1][0]))
                for db in DBS:
                    for key, value in want[1][db].items():
                        self.assertEqual(got[1][db].get(key), value, (seed, db, key))
                self.assertNotEqual(got[0], ZERO)
                self.assertEqual(got[0], want[0])

    def test_dataset_really_spans_the_encodings(self):
        apply(self.vigil.port, dataset_commands(random.Random(1)))
        seen = set()
        for db in DBS:
            with redis.Redis(port=self.vigil.port, db=db) as c:
                seen.update(c.object("encoding", k) for k in c.keys("*"))
        self.assertTrue({b"listpack", b"hashtable", b"intset", b"skiplist", b"quicklist",
                         b"embstr", b"raw", b"int"} <= seen, seen)

    def test_digest_survives_debug_reload(self):
        apply(self.vigil.port, dataset_commands(random.Random(4)))
        before = digests(self.vigil.port)
        self.assertEqual(self.v.execute_command("DEBUG", "RELOAD"), b"OK")
        self.assertEqual(digests(self.vigil.port), before)

    def test_edge_cases_match_redis(self):
        for cmd in [("DEBUG", "DIGEST"), ("DEBUG", "DIGEST-VALUE"),
                    ("DEBUG", "DIGEST-VALUE", "missing"), ("DEBUG", "digest", "extra"),
                    ("DEBUG", "DIGEST-value", "missing", "missing")]:
            self.assertEqual(*self.both(*cmd), cmd)
        self.assertEqual(self.v.execute_command("DEBUG", "DIGEST"), ZERO)
        self.assertEqual(self.v.execute_command("DEBUG", "DIGEST-VALUE"), [])
        self.assertEqual(self.v.execute_command("DEBUG", "DIGEST-VALUE", "nokey"), [ZERO])
        self.assertEqual(self.both("DEBUG", "DIGEST", "extra")[0],
                         "error: unknown subcommand or wrong number of arguments for 'DIGEST'. "
                         "Try DEBUG HELP.")

    def test_ttl_marks_the_digest_but_not_its_time(self):
        for r in (self.v, self.real.r):
            r.set("a", "1")
            r.set("b", "1")
            r.pexpireat("b", 4102444800000)
        plain, with_ttl = self.v.execute_command("DEBUG", "DIGEST-VALUE", "a", "b")
        self.assertNotEqual(plain, with_ttl)
        self.assertEqual(self.both("DEBUG", "DIGEST-VALUE", "a", "b")[1], [plain, with_ttl])
        self.v.pexpireat("b", 4102444900000)
        self.assertEqual(self.v.execute_command("DEBUG", "DIGEST-VALUE", "b"), [with_ttl])
        self.assertEqual(*self.both("DEBUG", "DIGEST"))

    def test_list_order_counts_and_set_order_does_not(self):
        self.v.rpush("l1", "a", "b")
        self.v.rpush("l2", "b", "a")
        self.v.sadd("s1", "a", "b")
        self.v.sadd("s2", "b", "a")
        l1, l2, s1, s2 = self.v.execute_command("DEBUG", "DIGEST-VALUE", "l1", "l2", "s1", "s2")
        self.assertNotEqual(l1, l2)
        self.assertEqual(s1, s2)

    def test_same_data_in_another_db_digests_differently(self):
        self.v.set("k", "v")
        in_db0 = self.v.execute_command("DEBUG", "DIGEST")
        self.v.move("k", 3)
        self.assertNotEqual(self.v.execute_command("DEBUG", "DIGEST"), in_db0)
        self.assertNotEqual(self.v.execute_command("DEBUG", "DIGEST"), ZERO)


if __name__ == "__main__":
    unittest.main()
