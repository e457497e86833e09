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

    def server_without_aof(self):
        """A server started with the AOF off (to be turned on at run time) and
        a client of it."""
        s = VigilServer(BINARY).start()
        self.addCleanup(s.stop)
        return s, redis.Redis(port=s.port)

    def restart_with_aof(self, s):
        """kill -9, then start again with appendonly yes on the command line."""
        s.halt(signal.SIGKILL)
        s.args += ["--appendonly", "yes"]
        s.start()

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

    def wait_rewrite_done(self, r):
        for _ in range(400):
            info = r.info("persistence")
            if not info["aof_rewrite_in_progress"] and not info["aof_rewrite_scheduled"]:
                return info
            time.sleep(0.05)
        self.fail("the AOF rewrite did not finish")

    def test_config_set_appendonly_rewrites_in_the_background(self):
        s, r = self.server_without_aof()
        fill(r)
        fill_big(r)
        self.assertTrue(r.config_set("appendonly", "yes"))
        info = r.info("persistence")
        self.assertEqual(info["aof_enabled"], 1)
        self.assertEqual(info["aof_rewrite_in_progress"], 1)
        # Writes made meanwhile collect in the temporary INCR file.
        r.set("later", "1")
        r.incr("counter")
        self.assertIn("temp-appendonly.aof.incr", os.listdir(self.aofdir(s)))
        info = self.wait_rewrite_done(r)
        self.assertEqual(info["aof_last_bgrewrite_status"], "ok")
        r.incr("counter")
        files = sorted(os.listdir(self.aofdir(s)))
        self.assertEqual(files, ["appendonly.aof.1.base.rdb", "appendonly.aof.1.incr.aof",
                                 "appendonly.aof.manifest"])
        incr = open(os.path.join(self.aofdir(s), "appendonly.aof.1.incr.aof"), "rb").read()
        self.assertIn(b"later", incr)
        self.assertEqual(incr.count(b"INCR"), 2)
        log = open(s.log).read()
        self.assertIn("Creating AOF incr file temp-appendonly.aof.incr on background rewrite", log)
        self.assertIn("Background AOF rewrite finished successfully", log)
        before = snapshot(r)
        self.restart_with_aof(s)
        self.assertEqual(snapshot(redis.Redis(port=s.port)), before)

    def test_kill9_during_the_first_rewrite_loses_nothing_on_disk(self):
        s, r = self.server_without_aof()
        fill(r)
        fill_big(r)
        self.assertTrue(r.save())
        before = digest(r)
        self.assertTrue(r.config_set("appendonly", "yes"))
        self.assertEqual(r.info("persistence")["aof_rewrite_in_progress"], 1)
        s.halt(signal.SIGKILL)
        # No manifest claims an AOF yet: the restart takes dump.rdb and makes
        # it the base of the AOF before serving.
        self.assertNotIn("appendonly.aof.manifest", os.listdir(self.aofdir(s)))
        s.args += ["--appendonly", "yes"]
        s.start()
        r = redis.Redis(port=s.port)
        self.assertEqual(digest(r), before)
        self.assertIn("Creating AOF base file appendonly.aof.1.base.rdb on server start",
                      open(s.log).read())
        r.set("after", "1")
        after = digest(r)
        s.halt(signal.SIGKILL)
        s.start()
        self.assertEqual(digest(redis.Redis(port=s.port)), after)

    def test_appendonly_yes_during_bgsave_is_scheduled(self):
        s, r = self.server_without_aof()
        fill_big(r)
        self.assertEqual(s.cli("BGSAVE"), "Background saving started\n")
        self.assertTrue(r.config_set("appendonly", "yes"))
        info = r.info("persistence")
        self.assertEqual((info["aof_enabled"], info["aof_rewrite_scheduled"],
                          info["aof_rewrite_in_progress"]), (1, 1, 0))
        self.assertIn("AOF was enabled but there is already another background operation. An "
                      "AOF background was scheduled to start when possible.", open(s.log).read())
        info = self.wait_rewrite_done(r)
        self.assertEqual(info["aof_last_bgrewrite_status"], "ok")
        self.assertIn("appendonly.aof.1.base.rdb", os.listdir(self.aofdir(s)))

    def test_appendonly_no_kills_the_first_rewrite(self):
        s, r = self.server_without_aof()
        fill_big(r)
        self.assertTrue(r.config_set("appendonly", "yes"))
        self.assertEqual(r.info("persistence")["aof_rewrite_in_progress"], 1)
        self.assertTrue(r.config_set("appendonly", "no"))
        info = r.info("persistence")
        self.assertEqual((info["aof_enabled"], info["aof_rewrite_in_progress"],
                          info["aof_rewrite_scheduled"]), (0, 0, 0))
        self.assertIn("Killing running AOF rewrite child", open(s.log).read())
        self.assertEqual(os.listdir(self.aofdir(s)), [])
        # And on again: a fresh rewrite completes.
        self.assertTrue(r.config_set("appendonly", "yes"))
        self.wait_rewrite_done(r)
        self.assertIn("appendonly.aof.manifest", os.listdir(self.aofdir(s)))

    def test_multi_with_appendonly_yes_applies_the_transaction_once(self):
        s, r = self.server_without_aof()
        p = r.pipeline(transaction=True)
        p.incr("c")
        p.config_set("appendonly", "yes")
        p.incr("c")
        p.execute()
        self.wait_rewrite_done(r)
        self.restart_with_aof(s)
        self.assertEqual(redis.Redis(port=s.port).get("c"), b"2")

    def old_style_start(self, payload):
        """A server started on `payload` as a Redis 6 appendonly.aof in dir."""
        s = VigilServer(BINARY, config_lines=("appendonly yes",))
        self.addCleanup(s.stop)
        with open(os.path.join(s.dir, "appendonly.aof"), "wb") as f:
            f.write(payload)
        s.start()
        return s

    def test_aof_replays_writes_past_proto_max_bulk_len(self):
        # The limit guards clients; the AOF is obeyed (Redis's mustObeyClient).
        big = 1 << 20
        s = VigilServer(BINARY, config_lines=("appendonly yes", "proto-max-bulk-len 1mb"))
        self.addCleanup(s.stop)
        with open(os.path.join(s.dir, "appendonly.aof"), "wb") as f:
            f.write(resp("SELECT", "0") + resp("SETBIT", "bits", str(8 * big + 7), "1") +
                    resp("SETRANGE", "s", str(big), "x"))
        s.start()
        r = redis.Redis(port=s.port)
        # (GETBIT that far is refused to clients too, so read the byte.)
        self.assertEqual((r.getrange("bits", big, big), r.strlen("s")), (b"\x01", big + 1))
        with self.assertRaisesRegex(redis.ResponseError, "bit offset is not an integer"):
            r.setbit("bits", 8 * big + 8, 1)
        with self.assertRaisesRegex(redis.ResponseError, "string exceeds maximum allowed size"):
            r.setrange("s", big + 1, "y")

    def assert_migrated(self, s):
        self.assertNotIn("appendonly.aof", os.listdir(s.dir))
        self.assertEqual(sorted(os.listdir(self.aofdir(s))),
                         ["appendonly.aof", "appendonly.aof.1.incr.aof", "appendonly.aof.manifest"])
        self.assertEqual(open(os.path.join(self.aofdir(s), "appendonly.aof.manifest")).read(),
                         "file appendonly.aof seq 1 type b\n"
                         "file appendonly.aof.1.incr.aof seq 1 type i\n")
        self.assertIn("Successfully migrated an old-style AOF file (appendonly.aof) into the AOF "
                      "directory (appendonlydir).", open(s.log).read())

    def test_old_single_file_aof_is_migrated(self):
        stream = b"".join(resp(*c) for c in (
            ("SELECT", "0"), ("SET", "a", "1"), ("RPUSH", "l", "x", "y"),
            ("SELECT", "2"), ("SET", "in2", "v")))
        s = self.old_style_start(stream)
        self.assert_migrated(s)
        r = redis.Redis(port=s.port)
        self.assertEqual((r.get("a"), r.lrange("l", 0, -1)), (b"1", [b"x", b"y"]))
        self.assertEqual(redis.Redis(port=s.port, db=2).get("in2"), b"v")
        r.set("b", "2")
        s.restart()
        r = redis.Redis(port=s.port)
        self.assertEqual(r.mget("a", "b"), [b"1", b"2"])
        # A rewrite replaces the migrated base with a numbered one.
        self.assertEqual(s.cli("BGREWRITEAOF"), "Background append only file rewriting started\n")
        self.wait_rewrite_done(r)
        self.assertNotIn("appendonly.aof", os.listdir(self.aofdir(s)))
        self.assertIn("appendonly.aof.2.base.rdb", os.listdir(self.aofdir(s)))

    def test_old_aof_with_rdb_preamble_is_migrated(self):
        # The preamble: a dump of a real redis-server; the tail: commands.
        d = tempfile.mkdtemp(prefix="vigil-rdb-pre-")
        self.addCleanup(shutil.rmtree, d, True)
        real = RedisServer(d)
        try:
            fill(real.r)
            want = snapshot(real.r)
            real.r.save()
        finally:
            real.stop()
        preamble = open(os.path.join(d, "dump.rdb"), "rb").read()
        tail = resp("SELECT", "0") + resp("SET", "tail", "t") + resp("DEL", "s")
        s = self.old_style_start(preamble + tail)
        self.assert_migrated(s)
        del want[b"s"]
        want[b"tail"] = ("string", b"t", False)
        self.assertEqual(snapshot(redis.Redis(port=s.port)), want)
        s.restart()
        self.assertEqual(snapshot(redis.Redis(port=s.port)), want)

    def test_old_aof_with_torn_tail_is_cut_after_migration(self):
        stream = resp("SET", "a", "1") + b"*3\r\n$3\r\nSET\r\n$1\r\nb"
        s = self.old_style_start(stream)
        self.assert_migrated(s)
        self.assertEqual(redis.Redis(port=s.port).mget("a", "b"), [b"1", None])


def resp(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode() if isinstance(a, str) else a
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def digest(r):
    return (r.dbsize(), r.execute_command("DEBUG", "DIGEST"))


def fill_big(r):
    """Enough data (~40 MB of RDB) that a fork's save takes a while."""
    value = os.urandom(100).hex()
    for start in range(0, 200000, 5000):
        r.mset({"big:%d" % i: value + str(i) for i in range(start, start + 5000)})


if __name__ == "__main__":
    unittest.main(verbosity=2)


class BackgroundJobsInsideExec(unittest.TestCase):
    def test_bgsave_and_bgrewriteaof_in_multi_are_scheduled_then_run(self):
        # As Redis 7.0: a child forked inside EXEC would see half the
        # transaction, so both are scheduled for after it.
        s = VigilServer(BINARY, config_lines=["appendonly yes"]).start()
        self.addCleanup(s.stop)
        r = redis.Redis(port=s.port, decode_responses=True)
        self.addCleanup(r.close)
        p = r.pipeline(transaction=True)
        p.set("a", 1)
        p.execute_command("BGSAVE")
        p.execute_command("BGREWRITEAOF")
        p.incr("a")
        self.assertEqual(p.execute(), [True, True, True, 2])  # redis-py parses both to True
        # redis-cli shows the texts.
        out = subprocess.run(["redis-cli", "-p", str(s.port)], input="MULTI\nBGSAVE\nEXEC\n",
                             capture_output=True, text=True, timeout=10).stdout
        self.assertIn("Background saving scheduled", out)
        deadline = time.time() + 10
        while time.time() < deadline:
            info = r.info("persistence")
            if info["rdb_saves"] >= 1 and info["aof_rewrites"] >= 1 and \
                    not info["aof_rewrite_in_progress"] and not info["rdb_bgsave_in_progress"]:
                break
            time.sleep(0.05)
        self.assertGreaterEqual(info["rdb_saves"], 1)
        self.assertGreaterEqual(info["aof_rewrites"], 1)
        s.halt(signal.SIGKILL)
        s.start()
        self.assertEqual(r.get("a"), "2")
