"""Integration: list commands and blocking pops through redis-cli, redis-py
and raw sockets, with Redis 7.0's exact replies and error texts."""
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from vigil_harness import ServerTestCase, encode  # noqa: E402

import redis  # noqa: E402

BINARY = os.environ["VIGIL_SERVER"]



class RawClient:
    """A socket client whose replies are read explicitly, to hold a blocking
    command open while other clients act."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.file = self.sock.makefile("rb")

    def send(self, *args):
        self.sock.sendall(encode(*args))

    def read(self, timeout=5.0):
        self.sock.settimeout(timeout)
        return self._read_reply()

    def _read_reply(self):
        line = self.file.readline()
        kind = line[:1]
        if kind == b"$":
            n = int(line[1:-2])
            return line if n < 0 else line + self.file.read(n + 2)
        if kind == b"*":
            out = line
            for _ in range(max(int(line[1:-2]), 0)):
                out += self._read_reply()
            return out
        return line

    def nothing_pending(self, wait=0.05):
        """True when no reply arrives within `wait` seconds."""
        self.sock.settimeout(wait)
        try:
            self.sock.recv(1, socket.MSG_PEEK)
        except socket.timeout:
            return True
        return False

    def close(self):
        self.file.close()
        self.sock.close()


class Lists(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.clients = []

    def tearDown(self):
        for c in self.clients:
            c.close()

    def raw_client(self):
        c = RawClient(self.srv.port)
        self.clients.append(c)
        return c

    def wait_blocked(self, n):
        deadline = time.time() + 5
        while time.time() < deadline:
            if self.r.info("clients")["blocked_clients"] == n:
                return
            time.sleep(0.005)
        self.fail("blocked_clients never reached %d" % n)

    def assert_error(self, expected, *args):
        with self.assertRaises(redis.ResponseError) as cm:
            self.r.execute_command(*args)
        self.assertEqual(str(cm.exception), expected)

    def test_seed_list_session(self):
        cli = self.srv.cli
        self.assertEqual(cli("LPUSH", "mylist", "10", "11", "12", "14", "19", "20", "30", "99",
                             "2", "29", "76"), "11\n")
        self.assertEqual(cli("LINDEX", "mylist", "0"), "76\n")
        self.assertEqual(cli("LINDEX", "mylist"),
                         "ERR wrong number of arguments for 'lindex' command\n\n")
        self.assertEqual(cli("LRANGE", "mylist", "0", "5"), "76\n29\n2\n99\n30\n20\n")
        self.assertEqual(cli("LREM", "mylist", "0", "76"), "1\n")
        self.assertEqual(cli("LLEN", "mylist"), "10\n")
        self.assertEqual(cli("OBJECT", "ENCODING", "mylist"), "quicklist\n")

    def test_seed_queue_session(self):
        cli = self.srv.cli
        self.assertEqual(cli("LPUSH", "channel1", "msg1", "msg2", "msg3"), "3\n")
        self.assertEqual(cli("RPOP", "channel1"), "msg1\n")
        self.assertEqual(cli("RPOP", "channel1"), "msg2\n")
        self.assertEqual(cli("RPOP", "channel1"), "msg3\n")
        self.assertEqual(cli("RPOP", "channel1"), "\n")
        self.assertEqual(cli("EXISTS", "channel1"), "0\n")

    def test_error_texts(self):
        r = self.r
        r.rpush("l", "a", "b", "c")
        r.set("s", "x")
        wrongtype = "WRONGTYPE Operation against a key holding the wrong kind of value"
        cases = [
            ("no such key", "LSET", "missing", "0", "x"),
            ("index out of range", "LSET", "l", "3", "x"),
            ("value is not an integer or out of range", "LSET", "l", "x", "v"),
            ("value is not an integer or out of range", "LRANGE", "l", "0", "1.5"),
            ("value is not an integer or out of range", "LINDEX", "l", "x"),
            ("value is out of range, must be positive", "LPOP", "l", "-1"),
            ("value is out of range, must be positive", "RPOP", "l", "x"),
            ("wrong number of arguments for 'lpop' command", "LPOP", "l", "1", "2"),
            ("syntax error", "LINSERT", "l", "MIDDLE", "a", "x"),
            ("syntax error", "LMOVE", "l", "d", "UP", "LEFT"),
            ("RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
             "or use negative to start from the end of the list", "LPOS", "l", "a", "RANK", "0"),
            ("COUNT can't be negative", "LPOS", "l", "a", "COUNT", "-1"),
            ("MAXLEN can't be negative", "LPOS", "l", "a", "MAXLEN", "-1"),
            ("syntax error", "LPOS", "l", "a", "RANK"),
            ("numkeys should be greater than 0", "LMPOP", "0", "l", "LEFT"),
            ("count should be greater than 0", "LMPOP", "1", "l", "LEFT", "COUNT", "0"),
            ("syntax error", "LMPOP", "2", "l", "LEFT"),
            ("syntax error", "LMPOP", "1", "l", "LEFT", "COUNT", "1", "COUNT", "1"),
            ("timeout is negative", "BLPOP", "l", "-1"),
            ("timeout is not a float or out of range", "BRPOP", "l", "x"),
            ("numkeys should be greater than 0", "BLMPOP", "x", "0", "l", "LEFT"),
            ("wrong number of arguments for 'blmove' command", "BLMOVE", "l", "d", "LEFT", "LEFT"),
            (wrongtype, "LPUSH", "s", "a"),
            (wrongtype, "LRANGE", "s", "0", "-1"),
            (wrongtype, "LMOVE", "l", "s", "LEFT", "LEFT"),
            (wrongtype, "BLPOP", "missing", "s", "0"),
        ]
        for expected, *args in cases:
            with self.subTest(args=args):
                self.assert_error(expected, *args)
        # The failed LMOVE left its source untouched.
        self.assertEqual(r.lrange("l", 0, -1), ["a", "b", "c"])

    def test_basic_commands(self):
        r = self.r
        self.assertEqual(r.rpush("l", "a", "b", "c", "a", "b", "c"), 6)
        self.assertEqual(r.lpushx("missing", "x"), 0)
        self.assertEqual(r.exists("missing"), 0)
        self.assertEqual(r.rpushx("l", "d"), 7)
        self.assertEqual(r.lindex("l", -1), "d")
        self.assertIsNone(r.lindex("l", 7))
        self.assertTrue(r.lset("l", -1, "D"))
        self.assertEqual(r.linsert("l", "BEFORE", "c", "X"), 8)
        self.assertEqual(r.linsert("l", "AFTER", "zz", "X"), -1)
        self.assertEqual(r.linsert("missing", "AFTER", "a", "X"), 0)
        self.assertEqual(r.lrange("l", 0, -1), ["a", "b", "X", "c", "a", "b", "c", "D"])
        self.assertEqual(r.lrange("l", -100, 1), ["a", "b"])
        self.assertEqual(r.lrange("l", 5, 2), [])
        self.assertEqual(r.lpos("l", "c"), 3)
        self.assertEqual(r.lpos("l", "c", rank=-1), 6)
        self.assertEqual(r.lpos("l", "a", count=0), [0, 4])
        self.assertEqual(r.lpos("l", "a", count=0, maxlen=4), [0])
        self.assertIsNone(r.lpos("l", "zz"))
        self.assertEqual(r.execute_command("LPOS", "missing", "a", "COUNT", "0"), [])
        self.assertEqual(r.lrem("l", -1, "c"), 1)
        self.assertEqual(r.ltrim("l", 1, -2), True)
        self.assertEqual(r.lrange("l", 0, -1), ["b", "X", "c", "a", "b"])
        self.assertTrue(r.ltrim("l", 10, 20))
        self.assertEqual(r.exists("l"), 0)

    def test_pops_with_count(self):
        r = self.r
        raw = self.srv.raw
        self.assertEqual(raw(b"LPOP missing 0\r\n", 0.3), b"*-1\r\n")
        self.assertEqual(raw(b"LPOP missing 1\r\n", 0.3), b"*-1\r\n")
        self.assertEqual(raw(b"LPOP missing\r\n", 0.3), b"$-1\r\n")
        r.rpush("l", "1", "2", "3", "4")
        self.assertEqual(raw(b"LPOP l 0\r\n", 0.3), b"*0\r\n")
        self.assertEqual(r.lpop("l", 2), ["1", "2"])
        self.assertEqual(r.rpop("l", 5), ["4", "3"])
        self.assertEqual(r.exists("l"), 0)
        r.rpush("l", "a", "b", "c")
        self.assertIsNone(r.execute_command("LMPOP", "1", "missing", "LEFT"))
        self.assertEqual(r.execute_command("LMPOP", "2", "missing", "l", "RIGHT", "COUNT", "2"),
                         ["l", ["c", "b"]])
        self.assertEqual(r.execute_command("LMPOP", "1", "l", "LEFT", "COUNT", "9"), ["l", ["a"]])

    def test_lmove_and_rpoplpush(self):
        r = self.r
        r.rpush("src", "1", "2", "3")
        self.assertEqual(r.lmove("src", "dst", "LEFT", "RIGHT"), "1")
        self.assertEqual(r.rpoplpush("src", "dst"), "3")
        self.assertEqual(r.rpoplpush("src", "src"), "2")  # rotation of one element
        self.assertEqual(r.lrange("src", 0, -1), ["2"])
        self.assertEqual(r.lrange("dst", 0, -1), ["3", "1"])
        self.assertIsNone(r.lmove("missing", "dst", "LEFT", "LEFT"))

    def test_large_list_across_many_nodes(self):
        r = self.r
        n = 50000
        pipe = r.pipeline(transaction=False)
        for i in range(0, n, 1000):
            pipe.rpush("big", *range(i, i + 1000))
        pipe.execute()
        self.assertEqual(r.llen("big"), n)
        self.assertEqual(r.lindex("big", 31337), "31337")
        self.assertEqual(r.lindex("big", -2), str(n - 2))
        self.assertEqual(r.linsert("big", "AFTER", "25000", "mid"), n + 1)
        self.assertEqual(r.lrange("big", 25000, 25002), ["25000", "mid", "25001"])
        self.assertEqual(r.lpos("big", "mid"), 25001)
        self.assertTrue(r.lset("big", 25001, "x" * 20000))
        self.assertEqual(r.lindex("big", 25001), "x" * 20000)
        self.assertEqual(r.lrem("big", 0, "x" * 20000), 1)
        self.assertTrue(r.ltrim("big", 100, -101))
        self.assertEqual(r.lrange("big", 0, 1), ["100", "101"])
        self.assertEqual(r.llen("big"), n - 200)

    def test_blpop_wakes_waiters_in_fifo_order(self):
        waiters = []
        for i in range(3):
            c = self.raw_client()
            c.send("BLPOP", "q", "other", "0")
            self.wait_blocked(i + 1)
            waiters.append(c)
        self.assertEqual(self.r.rpush("q", "a", "b"), 2)
        self.assertEqual(waiters[0].read(), b"*2\r\n$1\r\nq\r\n$1\r\na\r\n")
        self.assertEqual(waiters[1].read(), b"*2\r\n$1\r\nq\r\n$1\r\nb\r\n")
        self.assertTrue(waiters[2].nothing_pending())
        self.wait_blocked(1)
        self.r.lpush("other", "c")
        self.assertEqual(waiters[2].read(), b"*2\r\n$5\r\nother\r\n$1\r\nc\r\n")
        self.assertEqual(self.r.exists("q", "other"), 0)
        self.wait_blocked(0)

    def test_slowlog_logs_a_blocking_pop_when_served_not_on_timeout(self):
        """As Redis 7.0: the entry is written when the client is served (after
        the push that served it); a wait that times out leaves none."""
        self.r.config_set("slowlog-log-slower-than", "0")
        self.addCleanup(self.r.config_set, "slowlog-log-slower-than", "10000")
        self.r.slowlog_reset()
        c = self.raw_client()
        c.send("BLPOP", "sq", "0")
        self.wait_blocked(1)
        self.r.rpush("sq", "x")
        self.assertEqual(c.read(), b"*2\r\n$2\r\nsq\r\n$1\r\nx\r\n")
        c.send("BLPOP", "nothing", "0.01")
        self.assertEqual(c.read(), b"*-1\r\n")
        logged = [(c.decode() if isinstance(c, bytes) else c).split()
                  for c in (e["command"] for e in reversed(self.r.slowlog_get(10)))]
        logged = [e for e in logged if e[0] not in ("INFO", "SLOWLOG")]  # the test's own
        self.assertEqual(logged[:2], [["RPUSH", "sq", "x"], ["BLPOP", "sq", "0"]])
        self.assertNotIn(["BLPOP", "nothing", "0.01"], logged)

    def test_fractional_timeout_returns_nil(self):
        c = self.raw_client()
        start = time.monotonic()
        c.send("BLPOP", "missing", "0.1")
        self.assertEqual(c.read(), b"*-1\r\n")
        elapsed = time.monotonic() - start
        self.assertGreaterEqual(elapsed, 0.1)
        self.assertLess(elapsed, 1.0)
        # BLMOVE times out with a null array too in Redis 7.0 (RESP2).
        c.send("BLMOVE", "missing", "d", "LEFT", "LEFT", "0.01")
        self.assertEqual(c.read(), b"*-1\r\n")
        c.send("BLMPOP", "0.01", "1", "missing", "LEFT")
        self.assertEqual(c.read(), b"*-1\r\n")

    def test_wake_up_by_push_from_another_client(self):
        c = self.raw_client()
        c.send("BRPOP", "jobs", "5")
        self.wait_blocked(1)
        self.r.rpush("jobs", "j1", "j2")
        self.assertEqual(c.read(), b"*2\r\n$4\r\njobs\r\n$2\r\nj2\r\n")
        c.send("BLMPOP", "5", "2", "none", "jobs", "LEFT", "COUNT", "5")
        self.assertEqual(c.read(), b"*2\r\n$4\r\njobs\r\n*1\r\n$2\r\nj1\r\n")
        c.send("BLMPOP", "5", "1", "jobs", "RIGHT", "COUNT", "5")
        self.wait_blocked(1)
        self.r.lpush("jobs", "x", "y")
        self.assertEqual(c.read(), b"*2\r\n$4\r\njobs\r\n*2\r\n$1\r\nx\r\n$1\r\ny\r\n")

    def test_blmove_chain(self):
        first, second = self.raw_client(), self.raw_client()
        first.send("BLMOVE", "a", "b", "LEFT", "RIGHT", "0")
        self.wait_blocked(1)
        second.send("BRPOPLPUSH", "b", "c", "0")
        self.wait_blocked(2)
        self.r.rpush("a", "v")
        self.assertEqual(first.read(), b"$1\r\nv\r\n")
        self.assertEqual(second.read(), b"$1\r\nv\r\n")
        self.assertEqual(self.r.lrange("c", 0, -1), ["v"])
        self.assertEqual(self.r.exists("a", "b"), 0)

    def test_multi_key_pop_serves_the_key_that_became_ready(self):
        # Redis 7.0 walks the ready keys in the order they were fed and serves
        # each one's waiters from that key, not from the first non-empty one.
        a, b = self.raw_client(), self.raw_client()
        a.send("BLPOP", "k1", "k2", "0")
        self.wait_blocked(1)
        b.send("BLPOP", "k2", "0")
        self.wait_blocked(2)
        out = self.srv.raw(b"MULTI\r\nRPUSH k2 b\r\nRPUSH k1 a\r\nEXEC\r\n", 0.3)
        self.assertTrue(out.endswith(b"*2\r\n:1\r\n:1\r\n"), out)
        self.assertEqual(a.read(), b"*2\r\n$2\r\nk2\r\n$1\r\nb\r\n")
        self.assertTrue(b.nothing_pending())
        self.assertEqual(self.r.lrange("k1", 0, -1), ["a"])
        self.r.rpush("k2", "c")
        self.assertEqual(b.read(), b"*2\r\n$2\r\nk2\r\n$1\r\nc\r\n")
        # BLMPOP and BRPOP alike; keys fed in the order c, a.
        a.send("BLMPOP", "0", "3", "a", "b", "c", "RIGHT", "COUNT", "2")
        self.wait_blocked(1)
        b.send("BRPOP", "a", "c", "0")
        self.wait_blocked(2)
        self.srv.raw(b"MULTI\r\nRPUSH c 1 2 3\r\nRPUSH a x\r\nEXEC\r\n", 0.3)
        self.assertEqual(a.read(), b"*2\r\n$1\r\nc\r\n*2\r\n$1\r\n3\r\n$1\r\n2\r\n")
        self.assertEqual(b.read(), b"*2\r\n$1\r\nc\r\n$1\r\n1\r\n")
        self.assertEqual(self.r.lrange("a", 0, -1), ["x"])

    def test_list_waiter_behind_a_zset_waiter_is_served(self):
        z, l = self.raw_client(), self.raw_client()
        z.send("BZPOPMIN", "mk", "0")
        self.wait_blocked(1)
        l.send("BLPOP", "mk", "0")
        self.wait_blocked(2)
        self.r.rpush("mk", "v")
        self.assertEqual(l.read(), b"*2\r\n$2\r\nmk\r\n$1\r\nv\r\n")
        self.assertTrue(z.nothing_pending())
        self.r.zadd("mk", {"q": 1})
        self.assertEqual(z.read(), b"*3\r\n$2\r\nmk\r\n$1\r\nq\r\n$1\r\n1\r\n")

    def test_blocked_client_stays_blocked_when_key_changes_type(self):
        c = self.raw_client()
        c.send("BLPOP", "k", "0")
        self.wait_blocked(1)
        self.r.set("k", "string")
        self.r.delete("k")
        self.r.set("k", "again")
        self.assertTrue(c.nothing_pending())
        self.wait_blocked(1)
        self.r.delete("k")
        self.r.rpush("k", "v")
        self.assertEqual(c.read(), b"*2\r\n$1\r\nk\r\n$1\r\nv\r\n")

    def test_disconnect_while_blocked_leaves_nothing_behind(self):
        c = RawClient(self.srv.port)
        c.send("BLPOP", "gone", "0")
        self.wait_blocked(1)
        c.close()
        self.wait_blocked(0)
        self.assertEqual(self.r.rpush("gone", "v"), 1)
        self.assertEqual(self.r.lrange("gone", 0, -1), ["v"])

    def test_blocking_inside_multi_answers_at_once(self):
        out = self.srv.raw(b"MULTI\r\nBLPOP none 0\r\nBLMOVE none d LEFT LEFT 0\r\n"
                           b"BLMPOP 0 1 none LEFT\r\nEXEC\r\n", 0.5)
        self.assertEqual(out, b"+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n"
                              b"*3\r\n*-1\r\n$-1\r\n*-1\r\n")

    def test_keyspace_events(self):
        r = self.r
        r.config_set("notify-keyspace-events", "KEA")
        p = r.pubsub()
        p.psubscribe("__keyevent@0__:*")
        self.assertEqual(p.get_message(timeout=1)["type"], "psubscribe")
        r.rpush("l", "a", "b")
        r.lpush("l", "z")
        r.linsert("l", "BEFORE", "a", "x")
        r.lset("l", 0, "y")
        r.lrem("l", 1, "x")
        r.ltrim("l", 0, 1)
        r.lmove("l", "m", "LEFT", "RIGHT")
        r.rpop("l")
        waiter = self.raw_client()
        waiter.send("BLPOP", "w", "0")
        self.wait_blocked(1)
        r.rpush("w", "1")
        self.assertEqual(waiter.read(), b"*2\r\n$1\r\nw\r\n$1\r\n1\r\n")
        events = []
        while True:
            m = p.get_message(timeout=0.3)
            if m is None:
                break
            events.append((m["channel"].split(":", 1)[1], m["data"]))
        p.close()
        self.assertEqual(events, [
            ("rpush", "l"), ("lpush", "l"), ("linsert", "l"), ("lset", "l"), ("lrem", "l"),
            ("ltrim", "l"), ("rpush", "m"), ("lpop", "l"), ("rpop", "l"), ("del", "l"),
            ("rpush", "w"), ("lpop", "w"), ("del", "w")])


if __name__ == "__main__":
    unittest.main()
