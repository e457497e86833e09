"""Integration: pub/sub (RESP2 subscribed mode, RESP3 pushes, output-buffer
limits), MULTI/EXEC/WATCH and keyspace notifications, with Redis 7.0's exact
replies, through redis-cli, redis-py and raw sockets."""
import os
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from vigil_harness import ServerTestCase, VigilServer, encode  # noqa: E402

import redis  # noqa: E402

BINARY = os.environ["VIGIL_SERVER"]



def bulk(s):
    return b"$%d\r\n%s\r\n" % (len(s), s)


def frame(*items, kind=b"*"):
    """A RESP array (or push, kind=b'>') of bulk strings and ints."""
    out = kind + b"%d\r\n" % len(items)
    for i in items:
        if i is None:
            out += b"$-1\r\n"
        elif isinstance(i, int):
            out += b":%d\r\n" % i
        else:
            out += bulk(i)
    return out


class Conn:
    """A raw connection that checks the exact bytes of each reply."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=3)
        self.buf = b""

    def send(self, *args):
        self.sock.sendall(encode(*args))

    def read(self, n):
        while len(self.buf) < n:
            d = self.sock.recv(65536)
            if not d:
                break
            self.buf += d
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def call(self, *args):
        """Sends a command; returns the raw reply bytes seen within a short wait."""
        self.send(*args)
        return self.drain()

    def drain(self, wait=0.5):
        """Everything that arrives within `wait`, ending early once the stream
        has gone quiet for a moment after some data."""
        self.sock.settimeout(wait)
        try:
            while True:
                d = self.sock.recv(65536)
                if not d:
                    break
                self.buf += d
                self.sock.settimeout(0.03)
        except socket.timeout:
            pass
        finally:
            self.sock.settimeout(3)
        out, self.buf = self.buf, b""
        return out

    def expect(self, test, expected):
        test.assertEqual(self.read(len(expected)), expected)

    def close(self):
        self.sock.close()


class ServerCase(ServerTestCase):
    decode = False

    def setUp(self):
        super().setUp()
        self.conns = []

    def tearDown(self):
        for c in self.conns:
            c.close()
        self.r.close()

    def conn(self):
        c = Conn(self.srv.port)
        self.conns.append(c)
        return c

    def wait_for(self, predicate, timeout=5.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if predicate():
                return True
            time.sleep(0.01)
        return False


class PubSub(ServerCase):
    def test_seed_session_with_redis_cli(self):
        # SUBSCRIBE / PSUBSCRIBE chann* / PUBLISH, as operators run them.
        subs = []
        for args in (["SUBSCRIBE", "channel1"], ["PSUBSCRIBE", "chann*"]):
            p = subprocess.Popen(["redis-cli", "-p", str(self.srv.port)] + args,
                                 stdout=subprocess.PIPE, text=True)
            subs.append(p)
        try:
            self.assertTrue(self.wait_for(lambda: self.r.pubsub_numpat() == 1 and
                                          self.r.pubsub_numsub("channel1") == [(b"channel1", 1)]))
            self.assertEqual(self.srv.cli("PUBLISH", "channel1", "hello"), "2\n")
            self.assertEqual(self.srv.cli("PUBLISH", "other", "x"), "0\n")
        finally:
            time.sleep(0.2)
            for p in subs:
                p.terminate()
        outs = [p.communicate(timeout=5)[0] for p in subs]
        self.assertEqual(outs[0], "subscribe\nchannel1\n1\nmessage\nchannel1\nhello\n")
        self.assertEqual(outs[1], "psubscribe\nchann*\n1\npmessage\nchann*\nchannel1\nhello\n")

    def test_channel_message_before_pattern_message(self):
        c = self.conn()
        self.assertEqual(c.call("SUBSCRIBE", "channel1"), frame(b"subscribe", b"channel1", 1))
        self.assertEqual(c.call("PSUBSCRIBE", "chann*", "*1"),
                         frame(b"psubscribe", b"chann*", 2) + frame(b"psubscribe", b"*1", 3))
        self.assertEqual(self.r.publish("channel1", "hi"), 3)
        c.expect(self, frame(b"message", b"channel1", b"hi"))
        # Patterns among themselves come in no promised order (Redis: hash order).
        first = frame(b"pmessage", b"*1", b"channel1", b"hi")
        second = frame(b"pmessage", b"chann*", b"channel1", b"hi")
        self.assertIn(c.read(len(first) + len(second)), (first + second, second + first))

    def test_resp2_subscribed_mode_restrictions(self):
        c = self.conn()
        c.call("SUBSCRIBE", "a", "b")
        self.assertEqual(
            c.call("GET", "x"),
            b"-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
            b"RESET are allowed in this context\r\n")
        self.assertEqual(
            c.call("CONFIG", "GET", "port"),
            b"-ERR Can't execute 'config|get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / "
            b"QUIT / RESET are allowed in this context\r\n")
        self.assertEqual(c.call("PING"), frame(b"pong", b""))
        self.assertEqual(c.call("PING", "hi"), frame(b"pong", b"hi"))
        self.assertEqual(c.call("UNSUBSCRIBE", "never"), frame(b"unsubscribe", b"never", 2))
        self.assertEqual(c.call("UNSUBSCRIBE"),
                         frame(b"unsubscribe", b"a", 1) + frame(b"unsubscribe", b"b", 0))
        self.assertEqual(c.call("UNSUBSCRIBE"), frame(b"unsubscribe", None, 0))
        self.assertEqual(c.call("PUNSUBSCRIBE"), frame(b"punsubscribe", None, 0))
        # Out of subscribed mode, everything runs again.
        self.assertEqual(c.call("PING"), b"+PONG\r\n")
        self.assertEqual(c.call("GET", "x"), b"$-1\r\n")

    def test_reset_leaves_subscribed_mode_and_multi(self):
        c = self.conn()
        c.call("PSUBSCRIBE", "p*")
        self.assertEqual(c.call("RESET"), b"+RESET\r\n")
        self.assertEqual(self.r.pubsub_numpat(), 0)
        self.assertEqual(c.call("GET", "x"), b"$-1\r\n")
        c.call("MULTI")
        self.assertEqual(c.call("RESET"), b"+RESET\r\n")
        self.assertEqual(c.call("EXEC"), b"-ERR EXEC without MULTI\r\n")

    def test_resp3_gets_pushes_and_may_run_anything(self):
        c = self.conn()
        c.call("HELLO", "3")
        self.assertEqual(c.call("SUBSCRIBE", "a"), frame(b"subscribe", b"a", 1, kind=b">"))
        self.assertEqual(c.call("SET", "k", "v"), b"+OK\r\n")
        self.assertEqual(c.call("PING"), b"+PONG\r\n")
        # A message to itself arrives before PUBLISH's own reply.
        self.assertEqual(c.call("PUBLISH", "a", "hi"),
                         frame(b"message", b"a", b"hi", kind=b">") + b":1\r\n")
        self.assertEqual(c.call("UNSUBSCRIBE"), frame(b"unsubscribe", b"a", 0, kind=b">"))
        self.assertEqual(c.call("UNSUBSCRIBE"), b">3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n")

    def test_resp3_with_redis_cli(self):
        p = subprocess.Popen(["redis-cli", "-3", "-p", str(self.srv.port), "SUBSCRIBE", "news"],
                             stdout=subprocess.PIPE, text=True)
        try:
            self.assertTrue(self.wait_for(lambda: self.r.pubsub_numsub("news")[0][1] == 1))
            self.assertEqual(self.r.publish("news", "hello"), 1)
            time.sleep(0.2)
        finally:
            p.terminate()
        self.assertEqual(p.communicate(timeout=5)[0], "subscribe\nnews\n1\nmessage\nnews\nhello\n")

    def test_pubsub_introspection(self):
        r = self.r
        self.assertEqual(r.execute_command("PUBSUB", "NUMSUB"), [])
        a, b = self.conn(), self.conn()
        a.call("SUBSCRIBE", "news.1", "news.2")
        b.call("SUBSCRIBE", "news.1")
        b.call("PSUBSCRIBE", "news.*", "x*")
        self.assertEqual(sorted(r.pubsub_channels()), [b"news.1", b"news.2"])
        self.assertEqual(r.pubsub_channels("*2"), [b"news.2"])
        self.assertEqual(r.execute_command("PUBSUB", "NUMSUB", "news.1", "news.2", "none"),
                         [b"news.1", 2, b"news.2", 1, b"none", 0])
        self.assertEqual(r.pubsub_numpat(), 2)
        stats = r.info("stats")
        self.assertEqual((stats["pubsub_channels"], stats["pubsub_patterns"]), (2, 2))
        lines = {c["id"]: c for c in r.client_list()}
        subscribed = [c for c in lines.values() if c["flags"] == "P"]
        self.assertEqual(sorted((c["sub"], c["psub"]) for c in subscribed),
                         [("1", "2"), ("2", "0")])
        self.assertEqual(len(r.client_list(_type="pubsub")), 2)
        self.assertEqual(
            self.srv.raw(encode("PUBSUB", "CHANNELS", "a", "b"), 0.3),
            b"-ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. "
            b"Try PUBSUB HELP.\r\n")
        self.assertEqual(self.srv.raw(encode("PUBSUB", "FOO"), 0.3),
                         b"-ERR unknown subcommand 'FOO'. Try PUBSUB HELP.\r\n")
        # A disconnected subscriber leaves the registry.
        b.close()
        self.conns.remove(b)
        self.assertTrue(self.wait_for(lambda: r.pubsub_numpat() == 0))
        self.assertEqual(r.pubsub_numsub("news.1"), [(b"news.1", 1)])


class ShardPubSub(unittest.TestCase):
    """SSUBSCRIBE / SUNSUBSCRIBE / SPUBLISH / PUBSUB SHARD* replayed on vigil and
    on Debian's redis-server 7.0.15, byte for byte."""

    def session(self, port):
        out = []
        c1, c2, c3 = Conn(port), Conn(port), Conn(port)
        try:
            out.append(c1.call("SSUBSCRIBE", "a", "b"))
            out.append(c1.call("SUBSCRIBE", "c"))        # counts channels + patterns only
            out.append(c1.call("GET", "x"))              # restricted mode, RESP2
            out.append(c1.call("PING"))
            out.append(c2.call("SPUBLISH", "a", "hello"))
            out.append(c1.drain())                       # the smessage
            out.append(c2.call("PUBLISH", "a", "plain"))  # not for shard subscribers
            out.append(c2.call("SPUBLISH", "c", "x"))    # not for channel subscribers
            out.append(c2.call("PUBSUB", "SHARDCHANNELS", "a*"))
            out.append(c2.call("PUBSUB", "SHARDNUMSUB", "a", "b", "zz"))
            out.append(c2.call("PUBSUB", "CHANNELS"))
            out.append(c2.call("PUBSUB", "NUMSUB", "a", "c"))
            stats = c2.call("INFO", "stats").decode()
            out.append([ln for ln in stats.split("\r\n") if ln.startswith("pubsub")])
            clients = c2.call("CLIENT", "LIST").decode()
            out.append(sorted(f for ln in clients.split("\n") for f in ln.split()
                              if f.startswith(("sub=", "psub=", "ssub=", "flags="))))
            out.append(c3.call("HELLO", "3")[:1])
            out.append(c3.call("SSUBSCRIBE", "r3"))
            out.append(c3.call("GET", "x"))              # RESP3 may run anything
            out.append(c2.call("SPUBLISH", "r3", "pushed"))
            out.append(c3.drain())
            out.append(c1.call("SUNSUBSCRIBE", "a"))
            out.append(c1.call("SUNSUBSCRIBE"))
            out.append(c1.call("SUNSUBSCRIBE"))
            out.append(c1.call("GET", "x"))              # still subscribed to c
            out.append(c1.call("UNSUBSCRIBE"))
            out.append(c1.call("PING"))
            out.append(c2.call("SSUBSCRIBE"))            # arity
            out.append(c2.call("SPUBLISH", "a"))
        finally:
            for c in (c1, c2, c3):
                c.close()
        return out

    def test_same_bytes_as_redis(self):
        vigil = VigilServer(os.environ["VIGIL_SERVER"]).start()
        self.addCleanup(vigil.stop)
        real = VigilServer("/usr/bin/redis-server").start()
        self.addCleanup(real.stop)
        ours, theirs = self.session(vigil.port), self.session(real.port)
        for i, (o, t) in enumerate(zip(ours, theirs)):
            self.assertEqual(o, t, "step %d" % i)
        self.assertEqual(ours[0], frame(b"ssubscribe", b"a", 1) + frame(b"ssubscribe", b"b", 2))
        self.assertEqual(ours[5], frame(b"smessage", b"a", b"hello"))


class OutputBufferLimits(ServerCase):
    config = ("client-output-buffer-limit pubsub 1mb 256kb 60",)

    def slow_subscriber(self, channel):
        s = socket.create_connection(("127.0.0.1", self.srv.port))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.sendall(encode("SUBSCRIBE", channel))
        self.assertTrue(self.wait_for(lambda: self.r.pubsub_numsub(channel)[0][1] == 1))
        return s

    def log_has_limit_line(self):
        with open(self.srv.log) as f:
            return "scheduled to be closed ASAP for overcoming of output buffer limits." in f.read()

    def test_slow_subscriber_is_dropped_at_hard_limit(self):
        s = self.slow_subscriber("slow")
        other = redis.Redis(port=self.srv.port)
        payload = "x" * 100000
        published = 0
        while self.r.pubsub_numsub("slow")[0][1] == 1 and published < 500:
            self.r.publish("slow", payload)
            published += 1
            self.assertTrue(other.ping())  # the server keeps serving others
        self.assertLess(published, 500)
        # The kernel buffers absorb a little; the rest went past the 1mb limit.
        self.assertGreater(published, 10)
        self.assertTrue(self.wait_for(self.log_has_limit_line))
        self.assertEqual(self.r.publish("slow", "x"), 0)
        s.close()

    def pending_output(self, channel_type="pubsub"):
        return int(self.r.client_list(_type=channel_type)[0]["omem"])

    def test_soft_limit_needs_to_hold_for_its_seconds(self):
        self.r.config_set("client-output-buffer-limit", "pubsub 0 256kb 1")
        try:
            s = self.slow_subscriber("soft")
            payload = "y" * 100000
            # Fill the kernel buffers, then go past the soft limit (no hard limit).
            for _ in range(200):
                self.r.publish("soft", payload)
                if self.pending_output() > 300000:
                    break
            self.assertGreater(self.pending_output(), 300000)
            self.r.publish("soft", "z")
            self.assertEqual(self.r.pubsub_numsub("soft")[0][1], 1)
            time.sleep(2.1)
            self.r.publish("soft", "z")
            self.assertTrue(self.wait_for(lambda: self.r.pubsub_numsub("soft")[0][1] == 0))
            s.close()
        finally:
            self.r.config_set("client-output-buffer-limit", "pubsub 1mb 256kb 60")

    def test_client_list_shows_pending_output(self):
        s = self.slow_subscriber("omem")
        for _ in range(100):
            self.r.publish("omem", "z" * 50000)
            if self.pending_output() > 0:
                break
        entry = self.r.client_list(_type="pubsub")[0]
        self.assertGreater(int(entry["omem"]), 0)
        self.assertGreaterEqual(int(entry["tot-mem"]), int(entry["omem"]))
        self.assertEqual(entry["events"], "rw")
        s.close()


class Transactions(ServerCase):
    def test_queue_and_exec_with_errors_as_elements(self):
        c = self.conn()
        self.assertEqual(c.call("MULTI"), b"+OK\r\n")
        self.assertEqual(c.call("MULTI"), b"-ERR MULTI calls can not be nested\r\n")
        self.assertEqual(c.call("SET", "a", "x"), b"+QUEUED\r\n")
        self.assertEqual(c.call("INCR", "a"), b"+QUEUED\r\n")
        self.assertEqual(c.call("GET", "a"), b"+QUEUED\r\n")
        self.assertEqual(c.call("EXEC"), b"*3\r\n+OK\r\n-ERR value is not an integer or out of "
                                         b"range\r\n$1\r\nx\r\n")
        self.assertEqual(c.call("EXEC"), b"-ERR EXEC without MULTI\r\n")
        self.assertEqual(c.call("DISCARD"), b"-ERR DISCARD without MULTI\r\n")

    def test_queue_time_errors_abort(self):
        c = self.conn()
        for bad in (("FOO", "x"), ("GET",), ("CONFIG", "NOPE")):
            c.call("MULTI")
            c.call("SET", "k", "1")
            self.assertTrue(c.call(*bad).startswith(b"-ERR "))
            self.assertEqual(c.call("EXEC"),
                             b"-EXECABORT Transaction discarded because of previous errors.\r\n")
        self.assertIsNone(self.r.get("k"))
        c.call("MULTI")
        self.assertEqual(c.call("WATCH", "k"), b"-ERR WATCH inside MULTI is not allowed\r\n")
        self.assertEqual(c.call("EXEC"), b"*0\r\n")  # WATCH's error does not abort

    def test_exec_with_arguments_aborts_even_outside_multi(self):
        expected = (b"-EXECABORT Transaction discarded because of: wrong number of arguments "
                    b"for 'exec' command\r\n")
        c = self.conn()
        self.assertEqual(c.call("EXEC", "x"), expected)
        c.call("MULTI")
        c.call("SET", "k", "1")
        self.assertEqual(c.call("EXEC", "x"), expected)
        self.assertEqual(c.call("EXEC"), b"-ERR EXEC without MULTI\r\n")
        self.assertIsNone(self.r.get("k"))

    def test_discard_and_client_list_multi_field(self):
        r2 = redis.Redis(port=self.srv.port, decode_responses=True)
        c = self.conn()
        c.call("CLIENT", "SETNAME", "txn")
        c.call("MULTI")
        c.call("SET", "k", "1")
        c.call("SET", "k", "2")
        entry = [e for e in r2.client_list() if e["name"] == "txn"][0]
        self.assertEqual((entry["flags"], entry["multi"]), ("x", "2"))
        self.assertEqual(c.call("DISCARD"), b"+OK\r\n")
        entry = [e for e in r2.client_list() if e["name"] == "txn"][0]
        self.assertEqual((entry["flags"], entry["multi"]), ("N", "-1"))
        self.assertIsNone(r2.get("k"))

    def watch_then(self, other_commands, setup=(), sleep=0.0):
        """WATCH k, let another client run `other_commands`, then MULTI/PING/EXEC."""
        r, o = redis.Redis(port=self.srv.port), redis.Redis(port=self.srv.port)
        r.flushall()
        for cmd in setup:
            r.execute_command(*cmd)
        r.execute_command("WATCH", "k")
        for cmd in other_commands:
            o.execute_command(*cmd)
        if sleep:
            time.sleep(sleep)
        r.execute_command("MULTI")
        r.execute_command("PING")
        return r.execute_command("EXEC")

    def test_watch_conflicts_from_another_client(self):
        aborted = [
            ([("SET", "k", "1")], ()),
            ([("SET", "k", "1")], [("SET", "k", "1")]),  # same value still counts
            ([("EXPIRE", "k", "100")], [("SET", "k", "1")]),
            ([("APPEND", "k", "")], [("SET", "k", "1")]),
            ([("DEL", "k")], [("SET", "k", "1")]),
            ([("RENAME", "a", "k")], [("SET", "a", "1")]),
            ([("MOVE", "k", "1")], [("SET", "k", "1")]),
            ([("COPY", "a", "k")], [("SET", "a", "1")]),
            ([("FLUSHDB",)], [("SET", "k", "1")]),
            ([("FLUSHALL", "ASYNC")], [("SET", "k", "1")]),
            ([("SELECT", "1"), ("SET", "k", "1"), ("SWAPDB", "0", "1")], ()),
        ]
        for other, setup in aborted:
            with self.subTest(other=other):
                self.assertIsNone(self.watch_then(other, setup))

    def test_no_op_writes_do_not_abort(self):
        passed = [
            ([("DEL", "k")], ()),
            ([("SETNX", "k", "2")], [("SET", "k", "1")]),
            ([("PERSIST", "k")], [("SET", "k", "1")]),
            ([("SETRANGE", "k", "0", "")], [("SET", "k", "1")]),
            ([("FLUSHDB",)], ()),
            ([("SWAPDB", "0", "1")], ()),
            ([("SELECT", "1"), ("SET", "k", "1")], ()),
            ([("GET", "k")], [("SET", "k", "1")]),
        ]
        for other, setup in passed:
            with self.subTest(other=other):
                self.assertEqual(self.watch_then(other, setup), [b"PONG"])

    def test_watched_key_expiring_before_exec_aborts(self):
        self.assertIsNone(self.watch_then([], [("SET", "k", "1", "PX", "100")], sleep=0.2))

    def test_own_write_before_multi_and_unwatch(self):
        c = self.conn()
        c.call("WATCH", "k")
        c.call("SET", "k", "mine")
        c.call("MULTI")
        c.call("GET", "k")
        self.assertEqual(c.call("EXEC"), b"*-1\r\n")
        c.call("WATCH", "k")
        self.r.set("k", "theirs")
        self.assertEqual(c.call("UNWATCH"), b"+OK\r\n")
        c.call("MULTI")
        c.call("GET", "k")
        self.assertEqual(c.call("EXEC"), b"*1\r\n$6\r\ntheirs\r\n")
        # EXEC unwatches: a later change does not affect the next transaction.
        c.call("WATCH", "k")
        c.call("MULTI")
        self.assertEqual(c.call("EXEC"), b"*0\r\n")
        self.r.set("k", "again")
        c.call("MULTI")
        self.assertEqual(c.call("EXEC"), b"*0\r\n")

    def test_redis_py_pipeline_transaction(self):
        r = redis.Redis(port=self.srv.port, decode_responses=True)
        r.set("counter", 5)
        with r.pipeline() as pipe:
            pipe.watch("counter")
            current = int(pipe.get("counter"))
            pipe.multi()
            pipe.set("counter", current + 1)
            pipe.get("counter")
            self.assertEqual(pipe.execute(), [True, "6"])
        with r.pipeline() as pipe:
            pipe.watch("counter")
            r.incr("counter")
            pipe.multi()
            pipe.set("counter", 0)
            with self.assertRaises(redis.WatchError):
                pipe.execute()
        self.assertEqual(r.get("counter"), "7")

    def test_blocked_clients_are_served_after_the_whole_exec(self):
        blocked = self.conn()
        blocked.send("BLPOP", "l", "5")
        self.assertTrue(self.wait_for(lambda: self.r.info("clients")["blocked_clients"] == 1))
        with self.r.pipeline(transaction=True) as p:
            p.rpush("l", "a")
            p.rpush("l", "b")
            p.lpop("l")
            p.blpop("empty", 1)  # never blocks inside EXEC
            self.assertEqual(p.execute(), [1, 2, b"a", None])
        blocked.expect(self, frame(b"l", b"b"))
        self.assertEqual(self.r.llen("l"), 0)

    def test_monitor_and_commandstats_see_transactions_as_redis(self):
        self.r.config_resetstat()
        mon = self.conn()
        mon.call("MONITOR")
        c = self.conn()
        for cmd in (("MULTI",), ("SET", "a", "1"), ("GET", "a"), ("EXEC",), ("MULTI",),
                    ("FOO",), ("EXEC",), ("EXEC", "x")):
            c.call(*cmd)
        lines = mon.drain().decode().split("\r\n")
        shown = [line.split("] ", 1)[1] for line in lines if "] " in line]
        self.assertEqual(shown, ['"MULTI"', '"SET" "a" "1"', '"GET" "a"', '"EXEC"', '"MULTI"',
                                 '"EXEC"', '"EXEC" "x"'])
        stats = self.r.info("commandstats")
        self.assertEqual(stats["cmdstat_exec"]["calls"], 2)
        self.assertEqual(stats["cmdstat_exec"]["rejected_calls"], 1)
        self.assertEqual(stats["cmdstat_exec"]["failed_calls"], 1)
        self.assertEqual(stats["cmdstat_set"]["calls"], 1)


class KeyspaceNotifications(ServerCase):
    def setUp(self):
        super().setUp()
        self.r.config_set("notify-keyspace-events", "KEA")
        self.sub = self.conn()
        self.sub.call("PSUBSCRIBE", "__key*@*__:*")

    def tearDown(self):
        self.r.config_set("notify-keyspace-events", "")
        super().tearDown()

    def events(self, *cmd, wait=0.1):
        """Runs cmd and returns the (channel, message) pairs the subscriber got."""
        if cmd:
            self.r.execute_command(*cmd)
        raw = self.sub.drain(wait)
        out = []
        while raw:
            self.assertTrue(raw.startswith(b"*4\r\n"), raw)
            parts = raw.split(b"\r\n")
            # *4, $8, pmessage, $n, pattern, $n, channel, $n, message
            out.append((parts[6].decode(), parts[8].decode()))
            raw = b"\r\n".join(parts[9:])
        return out

    def test_set_del_expire_rename(self):
        self.assertEqual(self.events("SET", "k", "v", "EX", "100"), [
            ("__keyspace@0__:k", "set"), ("__keyevent@0__:set", "k"),
            ("__keyspace@0__:k", "expire"), ("__keyevent@0__:expire", "k")])
        self.assertEqual(self.events("RENAME", "k", "k2"), [
            ("__keyspace@0__:k", "rename_from"), ("__keyevent@0__:rename_from", "k"),
            ("__keyspace@0__:k2", "rename_to"), ("__keyevent@0__:rename_to", "k2")])
        self.assertEqual(self.events("PERSIST", "k2"), [
            ("__keyspace@0__:k2", "persist"), ("__keyevent@0__:persist", "k2")])
        self.assertEqual(self.events("INCRBY", "n", "2"), [
            ("__keyspace@0__:n", "incrby"), ("__keyevent@0__:incrby", "n")])
        self.assertEqual(self.events("DEL", "k2", "missing", "n"), [
            ("__keyspace@0__:k2", "del"), ("__keyevent@0__:del", "k2"),
            ("__keyspace@0__:n", "del"), ("__keyevent@0__:del", "n")])
        self.assertEqual(self.events("DEL", "missing"), [])

    def test_expired_keys_publish_expired_and_count(self):
        before = self.r.info("stats")["expired_keys"]
        self.r.set("lazy", "v", px=30)
        self.r.set("active", "v", px=30)
        time.sleep(0.05)
        self.assertIsNone(self.r.get("lazy"))  # reclaimed on access (or by the cycle)
        wanted = {("__keyspace@0__:lazy", "expired"), ("__keyevent@0__:expired", "lazy"),
                  ("__keyspace@0__:active", "expired"), ("__keyevent@0__:expired", "active")}
        got = set()
        # Nobody touches "active": the active expiry cycle must reclaim it.
        deadline = time.time() + 5
        while not wanted <= got and time.time() < deadline:
            got |= set(self.events(wait=0.2))
        self.assertLessEqual(wanted, got)
        self.assertEqual(self.r.info("stats")["expired_keys"], before + 2)

    def test_move_and_copy_name_the_destination_db(self):
        self.r.set("m", "1")
        self.events()
        self.assertEqual(self.events("MOVE", "m", "3"), [
            ("__keyspace@0__:m", "move_from"), ("__keyevent@0__:move_from", "m"),
            ("__keyspace@3__:m", "move_to"), ("__keyevent@3__:move_to", "m")])
        self.r.set("c", "1")
        self.events()
        self.assertEqual(self.events("COPY", "c", "d", "DB", "5"), [
            ("__keyspace@5__:d", "copy_to"), ("__keyevent@5__:copy_to", "d")])

    def test_config_set_takes_effect_at_once(self):
        self.r.config_set("notify-keyspace-events", "Kg")  # keyspace only, generic only
        self.assertEqual(self.events("SET", "k", "v"), [])
        self.assertEqual(self.events("DEL", "k"), [("__keyspace@0__:k", "del")])
        self.r.config_set("notify-keyspace-events", "E$")
        self.assertEqual(self.events("APPEND", "k", "x"), [("__keyevent@0__:append", "k")])
        self.r.config_set("notify-keyspace-events", "")
        self.assertEqual(self.events("SET", "k", "v"), [])


if __name__ == "__main__":
    unittest.main()


class NewKeyEvents(ServerTestCase):
    def test_new_event_precedes_the_command_event_as_redis(self):
        # Checked against redis-server 7.0.15: 'n' (not part of 'A') sends
        # "new" when a key is created, before the command's own event.
        r = self.r
        r.config_set("notify-keyspace-events", "En$g")
        self.addCleanup(r.config_set, "notify-keyspace-events", "")
        p = r.pubsub()
        self.addCleanup(p.close)
        p.psubscribe("__keyevent@*__:*")
        self.assertEqual(p.get_message(timeout=1)["type"], "psubscribe")
        r.set("a", 1)
        r.set("a", 2)
        r.rename("a", "b")
        r.move("b", 1)
        got = []
        while True:
            m = p.get_message(timeout=0.3)
            if m is None:
                break
            got.append((m["channel"], m["data"]))
        self.assertEqual(got, [
            ("__keyevent@0__:new", "a"), ("__keyevent@0__:set", "a"),
            ("__keyevent@0__:set", "a"),
            ("__keyevent@0__:new", "b"), ("__keyevent@0__:rename_from", "a"),
            ("__keyevent@0__:rename_to", "b"),
            ("__keyevent@1__:new", "b"), ("__keyevent@0__:move_from", "b"),
            ("__keyevent@1__:move_to", "b"),
        ])
