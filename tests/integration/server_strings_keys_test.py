"""Integration: the string and keyspace sessions operators run, through
redis-cli, redis-py and raw sockets, with Redis's exact replies and errors."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from vigil_harness import ServerTestCase, VigilServer  # noqa: E402

import redis  # noqa: E402

BINARY = os.environ["VIGIL_SERVER"]


class StringsAndKeys(ServerTestCase):
    def test_seed_session_setnx_incr(self):
        self.assertEqual(self.srv.cli("SETNX", "mykey", "tom"), "1\n")
        self.assertEqual(self.srv.cli("SETNX", "mykey", "jerry"), "0\n")
        self.assertEqual(self.srv.cli("GET", "mykey"), "tom\n")
        self.assertEqual(self.srv.cli("SET", "counts", "10"), "OK\n")
        self.assertEqual(self.srv.cli("INCR", "counts"), "11\n")
        self.assertEqual(self.srv.cli("DECR", "counts"), "10\n")

    def test_unknown_command_and_arity_errors_match_redis(self):
        self.assertEqual(
            self.srv.raw(b"put aaa aaa\r\n", 0.5),
            b"-ERR unknown command 'put', with args beginning with: 'aaa' 'aaa' \r\n")
        self.assertEqual(self.srv.raw(b"*1\r\n$3\r\nGET\r\n", 0.5),
                         b"-ERR wrong number of arguments for 'get' command\r\n")
        self.assertEqual(self.srv.raw(b"CONFIG GET\r\n", 0.5),
                         b"-ERR wrong number of arguments for 'config|get' command\r\n")

    def test_inline_and_pipelined(self):
        out = self.srv.raw(b"PING\r\nSET a 1\r\nINCR a\r\nGET a\r\n", 0.5)
        self.assertEqual(out, b"+PONG\r\n+OK\r\n:2\r\n$1\r\n2\r\n")

    def test_protocol_error_closes_only_that_client(self):
        other = redis.Redis(port=self.srv.port)
        self.assertTrue(other.ping())
        out = self.srv.raw(b"*1\r\nx\r\n", 1.0)
        self.assertEqual(out, b"-ERR Protocol error: expected '$', got 'x'\r\n<closed>")
        out = self.srv.raw(b"*abc\r\n", 1.0)
        self.assertEqual(out, b"-ERR Protocol error: invalid multibulk length\r\n<closed>")
        self.assertTrue(other.ping())

    def test_set_options(self):
        r = self.r
        self.assertTrue(r.set("k", "v", nx=True))
        self.assertIsNone(r.set("k", "v2", nx=True))
        self.assertEqual(r.set("k", "v3", xx=True, get=True), "v")
        self.assertTrue(r.set("k", "v4", ex=100))
        self.assertTrue(0 < r.ttl("k") <= 100)
        self.assertTrue(r.set("k", "v5", keepttl=True))
        self.assertTrue(0 < r.ttl("k") <= 100)
        self.assertTrue(r.set("k", "v6"))
        self.assertEqual(r.ttl("k"), -1)
        with self.assertRaisesRegex(redis.ResponseError, "invalid expire time in 'set' command"):
            r.set("k", "v", ex=0)
        with self.assertRaisesRegex(redis.ResponseError, "syntax error"):
            r.execute_command("SET", "k", "v", "NX", "XX")

    def test_numbers(self):
        r = self.r
        self.assertEqual(r.incrby("n", 5), 5)
        self.assertEqual(r.decrby("n", 7), -2)
        self.assertEqual(r.incrbyfloat("f", 0.1), 0.1)
        self.assertEqual(self.srv.cli("INCRBYFLOAT", "f", "0.2"), "0.3\n")
        r.set("s", "abc")
        with self.assertRaisesRegex(redis.ResponseError, "value is not an integer or out of range"):
            r.incr("s")
        r.set("big", str(2**63 - 1))
        with self.assertRaisesRegex(redis.ResponseError, "increment or decrement would overflow"):
            r.incr("big")
        with self.assertRaisesRegex(redis.ResponseError, "not an integer"):
            r.execute_command("INCRBY", "n", "-0")

    def test_ranges_and_append(self):
        r = self.r
        self.assertEqual(r.append("s", "hello"), 5)
        self.assertEqual(r.append("s", " world"), 11)
        self.assertEqual(r.getrange("s", 0, 4), "hello")
        self.assertEqual(r.getrange("s", -5, -1), "world")
        self.assertEqual(r.getrange("s", -100, -100), "h")
        self.assertEqual(r.setrange("s", 6, "WORLD"), 11)
        self.assertEqual(r.get("s"), "hello WORLD")
        self.assertEqual(r.setrange("missing", 0, ""), 0)
        self.assertEqual(r.exists("missing"), 0)
        self.assertEqual(r.strlen("s"), 11)
        self.assertEqual(r.mset({"a": "1", "b": "2"}), True)
        self.assertEqual(r.mget("a", "b", "nope"), ["1", "2", None])
        self.assertEqual(r.msetnx({"a": "x", "c": "3"}), False)
        self.assertEqual(r.getdel("a"), "1")
        self.assertIsNone(r.get("a"))

    def test_keyspace(self):
        r = self.r
        r.mset({"k1": "1", "k2": "2", "other": "3"})
        self.assertEqual(sorted(r.keys("k*")), ["k1", "k2"])
        self.assertEqual(r.dbsize(), 3)
        self.assertEqual(r.exists("k1", "k2", "nope"), 2)
        self.assertEqual(r.type("k1"), "string")
        self.assertEqual(r.type("nope"), "none")
        self.assertEqual(r.delete("k1", "nope"), 1)
        self.assertTrue(r.rename("k2", "k3"))
        with self.assertRaisesRegex(redis.ResponseError, "no such key"):
            r.rename("nope", "x")
        self.assertEqual(r.expire("k3", 100), True)
        self.assertEqual(r.execute_command("EXPIRE", "k3", "50", "GT"), 0)
        self.assertEqual(r.execute_command("EXPIRE", "k3", "50", "LT"), 1)
        self.assertEqual(r.persist("k3"), True)
        self.assertEqual(r.ttl("k3"), -1)
        self.assertEqual(r.ttl("nope"), -2)
        self.assertEqual(r.execute_command("EXPIRE", "k3", "-1"), 1)
        self.assertEqual(r.exists("k3"), 0)

    def test_select_and_flush(self):
        r = redis.Redis(port=self.srv.port, db=1, decode_responses=True)
        r.set("x", "1")
        self.assertIsNone(self.r.get("x"))
        self.assertEqual(r.get("x"), "1")
        with self.assertRaisesRegex(redis.ResponseError, "DB index is out of range"):
            redis.Redis(port=self.srv.port, db=16).ping()
        self.r.flushall()
        self.assertIsNone(r.get("x"))

    def test_swapdb_move_copy_randomkey(self):
        r = self.r
        r1 = redis.Redis(port=self.srv.port, db=1, decode_responses=True)
        self.assertIsNone(r.randomkey())
        r.set("a", "1", ex=100)
        self.assertEqual(r.randomkey(), "a")
        self.assertEqual(r.copy("a", "b"), True)
        self.assertEqual(r.copy("a", "b"), False)
        self.assertEqual(r.copy("a", "b", replace=True), True)
        self.assertTrue(0 < r.ttl("b") <= 100)
        with self.assertRaisesRegex(redis.ResponseError, "source and destination objects are the same"):
            r.copy("a", "a")
        self.assertEqual(r.move("a", 1), True)
        self.assertEqual(r1.get("a"), "1")
        self.assertTrue(0 < r1.ttl("a") <= 100)
        self.assertEqual(r.move("missing", 1), False)
        self.assertTrue(r.swapdb(0, 1))
        self.assertEqual(r.get("a"), "1")
        self.assertEqual(r1.get("b"), "1")
        with self.assertRaisesRegex(redis.ResponseError, "DB index is out of range"):
            r.swapdb(0, 16)

    def test_slowlog_object_info(self):
        r = self.r
        r.config_set("slowlog-log-slower-than", "0")
        r.slowlog_reset()
        r.set("n", "12345")
        r.set("e", "x" * 10)
        r.set("raw", "x" * 100)
        entries = r.slowlog_get(10)
        self.assertGreaterEqual(len(entries), 3)
        cmd = entries[0]["command"]
        cmd = cmd.decode() if isinstance(cmd, bytes) else cmd
        self.assertEqual(cmd, "SET raw " + "x" * 100)
        self.assertGreaterEqual(r.slowlog_len(), 3)
        r.config_set("slowlog-log-slower-than", "10000")
        self.assertEqual(r.object("encoding", "n"), "int")
        self.assertEqual(r.object("encoding", "e"), "embstr")
        self.assertEqual(r.object("encoding", "raw"), "raw")
        self.assertIsNone(r.object("encoding", "missing"))
        self.assertEqual(r.object("idletime", "n"), 0)
        info = r.info("all")
        for field in ("redis_version", "run_id", "connected_clients", "used_memory",
                      "used_cpu_sys", "total_commands_processed", "cmdstat_set"):
            self.assertIn(field, info)
        self.assertEqual(info["cmdstat_set"]["calls"] >= 3, True)
        self.assertNotIn("cmdstat_set", r.info())
        self.assertTrue(r.execute_command("DEBUG", "SLEEP", "0"))
        self.assertGreater(r.lastsave().year, 2000)

    def test_monitor_sees_commands_but_not_secrets(self):
        import re
        import socket
        with socket.create_connection(("127.0.0.1", self.srv.port), timeout=2) as mon:
            mon.sendall(b"MONITOR\r\n")
            self.assertEqual(mon.recv(100), b"+OK\r\n")
            self.r.set("greeting", "hello world")
            try:
                self.r.execute_command("AUTH", "x", "y")
            except redis.ResponseError:
                pass
            self.r.get("greeting")
            got = b""
            while got.count(b"\r\n") < 2:
                got += mon.recv(1000)
            lines = got.decode().splitlines()
            self.assertRegex(lines[0], r'^\+\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] "SET" "greeting" "hello world"$')
            self.assertRegex(lines[1], r'"GET" "greeting"$')
            self.assertNotIn("AUTH", got.decode().upper().replace("GREETING", ""))
            self.assertIn("flags=O", self.r.execute_command("CLIENT", "LIST"))

    def test_command_introspection(self):
        r = self.r
        # "COMMAND X" as one name: redis-py then skips its COMMAND reply parser
        # (and splits the name into two arguments on the wire).
        count = r.execute_command("COMMAND COUNT")
        self.assertGreater(count, 50)
        # COUNT counts top-level commands; LIST also names subcommands (Redis 7.0).
        listed = r.execute_command("COMMAND LIST")
        self.assertEqual(len([n for n in listed if "|" not in n]), count)
        self.assertIn("config|get", listed)
        info = r.execute_command("COMMAND INFO", "get", "nosuch")
        self.assertEqual(info[0][0], "get")
        self.assertEqual(info[0][1], 2)
        self.assertIn("readonly", info[0][2])
        self.assertEqual(info[0][3:6], [1, 1, 1])
        self.assertIsNone(info[1])
        cfg = r.execute_command("COMMAND INFO", "config")[0]
        self.assertIn("config|get", [sub[0] for sub in cfg[9]])
        self.assertIn("OK", self.srv.cli("SET", "hinted", "1"))

    def test_expiry_removes_keys_without_access(self):
        r = self.r
        for i in range(200):
            r.set("tmp:%d" % i, "v", px=100)
        r.set("keep", "v")
        deadline = time.time() + 5
        while time.time() < deadline and r.dbsize() > 1:
            time.sleep(0.1)
        self.assertEqual(r.dbsize(), 1)

    def test_client_and_config(self):
        r = self.r
        self.assertTrue(r.client_setname("test-1"))
        self.assertEqual(r.client_getname(), "test-1")
        self.assertIn("name=test-1", self.r.execute_command("CLIENT", "LIST"))
        victim = redis.Redis(port=self.srv.port)
        victim.ping()
        vid = victim.client_id()
        self.assertEqual(r.execute_command("CLIENT", "KILL", "ID", str(vid)), 1)
        self.assertEqual(r.config_get("maxmemory"), {"maxmemory": "0"})
        self.assertTrue(r.config_set("maxmemory", "8589934592"))
        self.assertEqual(r.config_get("maxmemory"), {"maxmemory": "8589934592"})
        r.config_set("maxmemory", "0")
        self.assertIn("redis_version", r.info("server"))


class Limits(unittest.TestCase):
    def test_maxclients(self):
        srv = VigilServer(BINARY, ["maxclients 2"]).start()
        try:
            a = redis.Redis(port=srv.port)
            b = redis.Redis(port=srv.port)
            a.ping()
            b.ping()
            self.assertEqual(srv.raw(b"PING\r\n", 1.0),
                             b"-ERR max number of clients reached\r\n<closed>")
            self.assertTrue(a.ping())
        finally:
            srv.stop()

    def test_query_buffer_limit_closes_the_client(self):
        srv = VigilServer(BINARY, ["client-query-buffer-limit 1mb"]).start()
        try:
            payload = b"*2\r\n$4\r\nECHO\r\n$2000000\r\n" + b"x" * 1500000
            out = srv.raw(payload, 2.0)
            self.assertTrue(out.endswith(b"<closed>"), out[:100])
            self.assertTrue(redis.Redis(port=srv.port).ping())
            with open(srv.log) as f:
                self.assertIn("max query buffer length", f.read())
        finally:
            srv.stop()

    def test_hello_3_switches_to_resp3(self):
        srv = VigilServer(BINARY).start()
        try:
            out = srv.raw(b"HELLO 3\r\nCONFIG GET maxmemory\r\nHELLO 2\r\nCONFIG GET maxmemory\r\n", 0.5)
            self.assertTrue(out.startswith(b"%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n"), out)
            self.assertIn(b"%1\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n", out)
            self.assertTrue(out.endswith(b"*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n"), out)
            self.assertEqual(srv.raw(b"HELLO 4\r\n", 0.5), b"-NOPROTO unsupported protocol version\r\n")
        finally:
            srv.stop()


class Lcs(ServerTestCase):
    """LCS with Redis 7.0.15's replies (taken from the real server)."""
    X = "ACCGGTCGAGTGCGCGGAAGCCGGCCGAA"
    Y = "GTCGTTCGGAATGCCGTTGCTCTGTAAA"

    def setUp(self):
        super().setUp()
        self.r.mset({"a": "ohmytext", "b": "mynewtext", "x": self.X, "y": self.Y, "e": ""})

    def lcs(self, *args):
        return self.r.execute_command("LCS", *args)

    def test_plain_len_and_idx(self):
        self.assertEqual(self.lcs("a", "b"), "mytext")
        self.assertEqual(self.lcs("a", "b", "len"), 6)
        self.assertEqual(self.lcs("a", "b", "IDX"),
                         ["matches", [[[4, 7], [5, 8]], [[2, 3], [0, 1]]], "len", 6])
        self.assertEqual(self.lcs("x", "y"), "GTCGTCGGAAGCCGGCCGAA")
        self.assertEqual(self.lcs("x", "x", "LEN"), 29)
        # WITHMATCHLEN and MINMATCHLEN only shape the IDX reply.
        self.assertEqual(self.lcs("a", "b", "WITHMATCHLEN", "MINMATCHLEN", "3"), "mytext")

    def test_idx_with_match_len_and_min_match_len(self):
        self.assertEqual(self.lcs("x", "y", "IDX", "WITHMATCHLEN"), ["matches", [
            [[27, 28], [26, 27], 2], [[26, 26], [23, 23], 1], [[25, 25], [21, 21], 1],
            [[23, 24], [18, 19], 2], [[19, 22], [12, 15], 4], [[14, 18], [6, 10], 5],
            [[9, 10], [3, 4], 2], [[4, 6], [0, 2], 3]], "len", 20])
        self.assertEqual(self.lcs("x", "y", "IDX", "MINMATCHLEN", "3"), ["matches", [
            [[19, 22], [12, 15]], [[14, 18], [6, 10]], [[4, 6], [0, 2]]], "len", 20])
        self.assertEqual(self.lcs("y", "x", "IDX", "MINMATCHLEN", "2"), ["matches", [
            [[26, 27], [27, 28]], [[18, 19], [23, 24]], [[12, 15], [19, 22]],
            [[6, 10], [14, 18]], [[0, 3], [4, 7]]], "len", 20])
        # A negative MINMATCHLEN counts as 0.
        self.assertEqual(self.lcs("a", "b", "IDX", "MINMATCHLEN", "-5"),
                         self.lcs("a", "b", "IDX"))

    def test_missing_and_empty_strings(self):
        self.assertEqual(self.lcs("a", "missing"), "")
        self.assertEqual(self.lcs("x", "e", "IDX"), ["matches", [], "len", 0])
        self.assertEqual(self.lcs("missing", "missing2", "LEN"), 0)

    def test_raw_replies_resp2_and_resp3(self):
        out = self.srv.raw(b"LCS a b IDX MINMATCHLEN 4 WITHMATCHLEN\r\nLCS a b\r\n"
                           b"HELLO 3\r\n", 0.3)
        self.assertTrue(out.startswith(
            b"*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n"
            b":4\r\n$3\r\nlen\r\n:6\r\n$6\r\nmytext\r\n%"), out)
        out = self.srv.raw(b"HELLO 3\r\nPING\r\nLCS a b IDX WITHMATCHLEN\r\n"
                           b"LCS a b IDX MINMATCHLEN 5\r\n", 0.3)
        self.assertTrue(out.endswith(
            b"+PONG\r\n%2\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n"
            b":8\r\n:4\r\n*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:6\r\n"
            b"%2\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:6\r\n"), out)

    def test_errors_in_redis_order(self):
        self.r.rpush("l", "x")
        cases = [
            ("The specified keys must contain string values", "l", "a"),
            ("The specified keys must contain string values", "a", "l", "FOO"),
            ("syntax error", "a", "b", "FOO"),
            ("syntax error", "a", "b", "MINMATCHLEN"),
            ("value is not an integer or out of range", "a", "b", "LEN", "MINMATCHLEN", "x"),
            ("If you want both the length and indexes, please just use IDX.",
             "a", "b", "LEN", "IDX"),
            ("If you want both the length and indexes, please just use IDX.",
             "a", "b", "idx", "len"),
        ]
        for expected, *args in cases:
            with self.assertRaises(redis.ResponseError) as cm:
                self.lcs(*args)
            self.assertEqual(str(cm.exception), expected, args)
        with self.assertRaises(redis.ResponseError) as cm:
            self.lcs("a")
        self.assertEqual(str(cm.exception), "wrong number of arguments for 'lcs' command")

    def test_table_limited_by_proto_max_bulk_len(self):
        r = self.r
        r.config_set("proto-max-bulk-len", "1mb")
        self.addCleanup(r.config_set, "proto-max-bulk-len", "512mb")
        # (600+1)^2 4-byte cells exceed 1mb; (600+1)*(400+1) do not.
        r.mset({"p": "a" * 600, "q": "a" * 600})
        with self.assertRaises(redis.ResponseError) as cm:
            self.lcs("p", "q", "LEN")
        self.assertEqual(str(cm.exception), "Insufficient memory, transient memory for LCS "
                         "exceeds proto-max-bulk-len")
        r.set("q", "a" * 400)
        self.assertEqual(self.lcs("p", "q", "LEN"), 400)

    def test_counts_keyspace_hits_and_misses_for_both_keys(self):
        before = self.r.info("stats")
        self.lcs("a", "missing")
        after = self.r.info("stats")
        self.assertEqual(after["keyspace_hits"] - before["keyspace_hits"], 1)
        self.assertEqual(after["keyspace_misses"] - before["keyspace_misses"], 1)


class Auth(unittest.TestCase):
    def test_requirepass(self):
        srv = VigilServer(BINARY, ["requirepass foobared"]).start()
        try:
            self.assertEqual(srv.raw(b"GET a\r\n", 0.5), b"-NOAUTH Authentication required.\r\n")
            self.assertEqual(
                srv.raw(b"AUTH wrong\r\n", 0.5),
                b"-WRONGPASS invalid username-password pair or user is disabled.\r\n")
            self.assertEqual(srv.raw(b"AUTH foobared\r\nPING\r\n", 0.5), b"+OK\r\n+PONG\r\n")
            r = redis.Redis(port=srv.port, password="foobared")
            self.assertTrue(r.ping())
        finally:
            srv.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
