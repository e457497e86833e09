"""Integration: RDB and AOF persistence with the real binaries. Data survives
restarts and kill -9 (appendfsync always), Redis 7.0 and vigil load each
other's dump.rdb, torn and corrupt files give the documented errors, and a
failing disk gives MISCONF without losing what is already on disk."""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from vigil_harness import VigilServer, free_port, key_snapshot  # noqa: E402

import redis  # noqa: E402

BINARY = os.environ["VIGIL_SERVER"]
REDIS = "/usr/bin/redis-server"


def snapshot(r):
    """Every key of db 0 as comparable Python values (type, value, has-ttl)."""
    return {k: key_snapshot(r, k) for k in r.keys("*")}


def fill(r):
    r.set("s", "hello")
    r.set("n", 12345)
    r.set("big", "x" * 5000)
    r.set("ttl", "v", ex=1000)
    r.rpush("small", "a", "b", 1, -2)
    r.rpush("biglist", *range(2000))
    r.sadd("ints", 1, 2, 3, -4)
    r.sadd("strs", "a", "b", "c")
    r.sadd("bigset", *["m%d" % i for i in range(1000)])
    r.hset("h", mapping={"f": "v", "n": 1})
    r.hset("bighash", mapping={"f%d" % i: i for i in range(1000)})
    r.zadd("z", {"a": 1.5, "b": 2, "c": -0.1})
    r.zadd("bigz", {"m%d" % i: i / 3 for i in range(1000)})


class RedisServer:
    def __init__(self, directory):
        self.dir = directory
        self.port = free_port()
        self.proc = subprocess.Popen(
            [REDIS, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", directory,
             "--save", "", "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.r = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                self.r.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


class Rdb(unittest.TestCase):
    def server(self, *lines):
        s = VigilServer(BINARY, config_lines=lines).start()
        self.addCleanup(s.stop)
        return s

    def test_save_and_restart_keeps_every_type_and_ttl(self):
        s = self.server()
        r = redis.Redis(port=s.port)
        fill(r)
        before = snapshot(r)
        self.assertTrue(r.save())
        s.restart()
        r = redis.Redis(port=s.port)
        self.assertEqual(snapshot(r), before)
        self.assertLessEqual(r.ttl("ttl"), 1000)

    def test_debug_reload_round_trips_every_type(self):
        s = self.server()
        r = redis.Redis(port=s.port)
        fill(r)
        before = snapshot(r)
        self.assertEqual(s.cli("DEBUG", "RELOAD"), "OK\n")
        self.assertEqual(snapshot(r), before)
        self.assertEqual(r.object("encoding", "small"), b"quicklist")
        self.assertEqual(r.object("encoding", "h"), b"listpack")
        self.assertEqual(r.object("encoding", "bighash"), b"hashtable")
        self.assertEqual(r.object("encoding", "ints"), b"intset")
        self.assertEqual(r.object("encoding", "z"), b"listpack")
        self.assertEqual(r.object("encoding", "bigz"), b"skiplist")

    def test_redis_loads_vigil_dump_and_vigil_loads_redis_dump(self):
        s = self.server()
        r = redis.Redis(port=s.port)
        fill(r)
        want = snapshot(r)
        r.save()
        d = tempfile.mkdtemp(prefix="vigil-rdb-x-")
        self.addCleanup(shutil.rmtree, d, True)
        shutil.copy(os.path.join(s.dir, "dump.rdb"), os.path.join(d, "dump.rdb"))
        real = RedisServer(d)
        try:
            self.assertEqual(snapshot(real.r), want)
            real.r.set("from-redis", "1")
            real.r.save()
        finally:
            real.stop()
        want[b"from-redis"] = ("string", b"1", False)
        s.halt()
        shutil.copy(os.path.join(d, "dump.rdb"), os.path.join(s.dir, "dump.rdb"))
        s.start()
        self.assertEqual(snapshot(redis.Redis(port=s.port)), want)

    def test_bgsave_lastsave_and_info(self):
        s = self.server()
        r = redis.Redis(port=s.port)
        fill(r)
        self.assertGreater(r.info("persistence")["rdb_changes_since_last_save"], 0)
        before = r.lastsave()
        time.sleep(1.1)
        self.assertEqual(s.cli("BGSAVE"), "Background saving started\n")
        for _ in range(100):
            info = r.info("persistence")
            if not info["rdb_bgsave_in_progress"] and r.lastsave() != before:
                break
            time.sleep(0.05)
        self.assertEqual(info["rdb_last_bgsave_status"], "ok")
        self.assertEqual(info["rdb_changes_since_last_save"], 0)
        self.assertGreater(r.lastsave(), before)

    def test_truncated_rdb_stops_startup_with_offset(self):
        s = self.server()
        r = redis.Redis(port=s.port)
        fill(r)
        r.save()
        s.halt()
        path = os.path.join(s.dir, "dump.rdb")
        data = open(path, "rb").read()
        open(path, "wb").write(data[: len(data) // 2])
        with self.assertRaises(RuntimeError) as cm:
            s.start()
        self.assertIn("at offset", str(cm.exception))

    def test_unwritable_dir_gives_misconf_and_keeps_old_dump(self):
        s = self.server("save 1 1", "stop-writes-on-bgsave-error yes",
                        "enable-protected-configs yes")
        r = redis.Redis(port=s.port)
        r.set("a", "1")
        r.save()
        good = open(os.path.join(s.dir, "dump.rdb"), "rb").read()
        # Move the working dir somewhere that then disappears: the next
        # background save cannot create its temp file.
        gone = tempfile.mkdtemp(prefix="vigil-gone-")
        r.config_set("dir", gone)
        os.rmdir(gone)
        r.set("b", "2")
        for _ in range(100):
            if r.info("persistence")["rdb_last_bgsave_status"] == "err":
                break
            time.sleep(0.05)
        with self.assertRaises(redis.ResponseError) as cm:
            r.set("c", "3")
        self.assertTrue(str(cm.exception).startswith("MISCONF"), str(cm.exception))
        self.assertEqual(r.get("b"), b"2")  # reads still work
        self.assertEqual(open(os.path.join(s.dir, "dump.rdb"), "rb").read(), good)


class Aof(unittest.TestCase):
    def server(self, *lines):
        s = VigilServer(BINARY, config_lines=("appendonly yes",) + lines).start()
        self.addCleanup(s.stop)
        return s

    def aofdir(self, s):
        return os.path.join(s.dir, "appendonlydir")

    def test_kill9_with_fsync_always_loses_no_acknowledged_write(self):
        s = self.server("appendfsync always")
        r = redis.Redis(port=s.port)
        acked = 0
        for i in range(2000):
            r.set("k%d" % i, i)
            acked = i + 1
        r.rpush("l", *range(100))
        r.set("ex", "v", ex=500)
        s.halt(signal.SIGKILL)
        s.start()
        r = redis.Redis(port=s.port)
        self.assertEqual(r.dbsize(), acked + 2)
        self.assertEqual(r.get("k1999"), b"1999")
        self.assertEqual(r.llen("l"), 100)
        self.assertTrue(0 < r.ttl("ex") <= 500)

    def test_manifest_layout_and_rewrite(self):
        s = self.server()
        r = redis.Redis(port=s.port)
        fill(r)
        files = sorted(os.listdir(self.aofdir(s)))
        self.assertIn("appendonly.aof.manifest", files)
        self.assertIn("appendonly.aof.1.base.rdb", files)
        self.assertIn("appendonly.aof.1.incr.aof", files)
        self.assertEqual(s.cli("BGREWRITEAOF"), "Background append only file rewriting started\n")
        for _ in range(200):
            if not r.info("persistence")["aof_rewrite_in_progress"]:
                break
            time.sleep(0.05)
        r.set("after", "rewrite")
        for _ in range(100):
            files = sorted(os.listdir(self.aofdir(s)))
            if "appendonly.aof.1.base.rdb" not in files:
                break
            time.sleep(0.05)
        self.assertIn("appendonly.aof.2.base.rdb", files)
        self.assertNotIn("appendonly.aof.1.incr.aof", files)
        manifest = open(os.path.join(self.aofdir(s), "appendonly.aof.manifest")).read()
        self.assertIn("file appendonly.aof.2.base.rdb seq 2 type b", manifest)
        before = snapshot(r)
        s.restart()
        self.assertEqual(snapshot(redis.Redis(port=s.port)), before)

    def test_aof_holds_replayable_forms(self):
        s = self.server()
        r = redis.Redis(port=s.port)
        r.set("a", "1", ex=100)
        r.set("b", "2")
        r.expire("b", 50)
        r.sadd("s", "x", "y", "z")
        popped = r.spop("s")
        r.rpush("l", "1", "2")
        r.blpop("l", 0)
        p = r.pipeline(transaction=True)
        p.incr("c")
        p.incr("c")
        p.execute()
        r.get("a")  # reads never reach the AOF
        before = snapshot(r)
        data = open(os.path.join(self.aofdir(s), "appendonly.aof.1.incr.aof"), "rb").read()
        self.assertIn(b"PXAT", data)
        self.assertIn(b"PEXPIREAT", data)
        self.assertNotIn(b"SPOP", data)
        self.assertIn(b"$4\r\nSREM\r\n$1\r\ns\r\n$1\r\n" + popped, data)
        self.assertIn(b"MULTI", data)
        self.assertNotIn(b"$3\r\nGET\r\n", data)
        s.halt(signal.SIGKILL)
        s.start()
        r = redis.Redis(port=s.port)
        self.assertEqual(snapshot(r), before)
        self.assertTrue(0 < r.ttl("a") <= 100)
        self.assertTrue(0 < r.ttl("b") <= 50)

    def test_torn_tail_is_cut_when_allowed_and_fatal_otherwise(self):
        s = self.server()
        r = redis.Redis(port=s.port)
        r.set("a", "1")
        r.set("b", "2")
        s.halt()
        incr = os.path.join(self.aofdir(s), "appendonly.aof.1.incr.aof")
        with open(incr, "ab") as f:
            f.write(b"*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$5\r\nhel")
        s.start()
        r = redis.Redis(port=s.port)
        self.assertEqual(r.mget("a", "b", "c"), [b"1", b"2", None])
        self.assertIn("Truncating the AOF", open(s.log).read())
        s.halt()
        with open(incr, "ab") as f:
            f.write(b"*2\r\n$3\r\nGET\r\n$1")
        s.args += ["--aof-load-truncated", "no"]
        with self.assertRaises(RuntimeError) as cm:
            s.start()
        self.assertIn("Unexpected end of file reading the append only file", str(cm.exception))

    def test_garbage_in_the_middle_stops_startup_with_offset(self):
        s = self.server()
        r = redis.Redis(port=s.port)
        r.set("a", "1")
        s.halt()
        incr = os.path.join(self.aofdir(s), "appendonly.aof.1.incr.aof")
        with open(incr, "ab") as f:
            f.write(b"GARBAGE\r\n*2\r\n$3\r\nGET\r\n$1\r\na\r\n")
        with self.assertRaises(RuntimeError) as cm:
            s.start()
        self.assertIn("Bad file format reading the append only file", str(cm.exception))

    def test_config_set_appendonly_writes_a_base_first(self):
        s = VigilServer(BINARY).start()
        self.addCleanup(s.stop)
        r = redis.Redis(port=s.port)
        fill(r)
        self.assertTrue(r.config_set("appendonly", "yes"))
        r.set("later", "1")
        before = snapshot(r)
        s.halt(signal.SIGKILL)
        s.args += ["--appendonly", "yes"]
        s.start()
        self.assertEqual(snapshot(redis.Redis(port=s.port)), before)


if __name__ == "__main__":
    unittest.main(verbosity=2)
