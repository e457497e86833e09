"""Integration: COMMAND DOCS against Debian's redis-server 7.0.15. For every
command both servers know, the facts (versions, groups, doc flags, the whole
argument tree) are equal; only the prose (summaries, complexities, history
notes, replaced_by) is vigil's own. Also RESP3 types and redis-cli output."""
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from vigil_harness import VigilServer, encode, free_port  # noqa: E402

import redis  # noqa: E402

REDIS_SERVER = "/usr/bin/redis-server"

# Where vigil's docs differ from Redis's on purpose.
INTENTIONAL = {
    # vigil registers DEBUG SLEEP/RELOAD/DIGEST/DIGEST-VALUE as subcommands,
    # so its DEBUG doc lists them; Redis documents DEBUG as a bare command.
    "debug": "subcommands",
}
# Documented by vigil only (the DEBUG subcommands above).
VIGIL_ONLY = {"debug|digest", "debug|digest-value", "debug|help", "debug|reload", "debug|sleep"}
# Fields whose text is prose, written independently of Redis's.
PROSE = ("summary", "complexity", "replaced_by")


def to_dict(flat):
    return {flat[i]: flat[i + 1] for i in range(0, len(flat), 2)}


def decode(x):
    if isinstance(x, bytes):
        return x.decode()
    if isinstance(x, list):
        return [decode(i) for i in x]
    return x


def normalize_args(args):
    out = []
    for a in args:
        a = to_dict(a)
        if "arguments" in a:
            a["arguments"] = normalize_args(a["arguments"])
        out.append(a)
    return out


def flatten_docs(reply):
    """A RESP2 COMMAND DOCS reply as {full name: doc dict}, subcommands
    flattened out (the container keeps the list of their names)."""
    docs = {}
    reply = to_dict(decode(reply))
    for name, doc in reply.items():
        doc = to_dict(doc)
        if "arguments" in doc:
            doc["arguments"] = normalize_args(doc["arguments"])
        if "subcommands" in doc:
            subs = flatten_docs(doc["subcommands"])
            docs.update(subs)
            doc["subcommands"] = sorted(subs)
        docs[name] = doc
    return docs


def call(port, *args):
    # A bare connection: redis-py's callbacks for COMMAND, OBJECT, CLIENT ...
    # expect other reply shapes than these subcommands'. Errors raise.
    conn = redis.Connection(port=port)
    try:
        conn.send_command(*args)
        return conn.read_response()
    finally:
        conn.disconnect()


def command_docs(port, *names):
    return call(port, "COMMAND", "DOCS", *names)


class Resp3Reader:
    """A typed RESP3 reader: (type char, value), so maps, sets and arrays
    stay distinct."""

    def __init__(self, sock):
        self.f = sock.makefile("rb")

    def read(self):
        line = self.f.readline()[:-2]
        kind, rest = chr(line[0]), line[1:].decode()
        if kind in "+-":
            return (kind, rest)
        if kind == ":":
            return (kind, int(rest))
        if kind == "$":
            data = self.f.read(int(rest) + 2)[:-2]
            return (kind, data.decode())
        if kind in "*~":
            return (kind, [self.read() for _ in range(int(rest))])
        if kind == "%":
            return (kind, [(self.read(), self.read()) for _ in range(int(rest))])
        raise AssertionError("unexpected RESP3 type " + kind)


def resp3_docs(port, *names):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        reader = Resp3Reader(s)
        s.sendall(encode("HELLO", "3"))
        reader.read()
        s.sendall(encode("COMMAND", "DOCS", *names))
        return reader.read()


def without_prose(node, parent_key=None):
    """A typed RESP3 value with prose strings blanked (history texts too)."""
    kind, value = node
    if kind == "%":
        out = []
        for k, v in value:
            if k[1] in PROSE:
                v = (v[0], "")
            out.append((k, without_prose(v, k[1])))
        return (kind, out)
    if kind in "*~":
        if parent_key == "history":
            return (kind, [("*", [entry[1][0], ("$", "")]) for entry in value])
        return (kind, [without_prose(v) for v in value])
    return node


class CommandDocsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.vigil = VigilServer(os.environ["VIGIL_SERVER"]).start()
        cls.redis_dir = tempfile.mkdtemp(prefix="vigil-docs-redis-")
        cls.redis_port = free_port()
        cls.redis = subprocess.Popen(
            [REDIS_SERVER, "--port", str(cls.redis_port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--dir", cls.redis_dir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while True:
            try:
                redis.Redis(port=cls.redis_port).ping()
                break
            except redis.ConnectionError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        cls.vigil_docs = flatten_docs(command_docs(cls.vigil.port))
        cls.redis_docs = flatten_docs(command_docs(cls.redis_port))

    @classmethod
    def tearDownClass(cls):
        os.kill(cls.redis.pid, signal.SIGKILL)
        cls.redis.wait()
        subprocess.run(["rm", "-rf", cls.redis_dir], check=False)
        cls.vigil.stop()

    def test_every_registered_command_is_documented(self):
        conn = redis.Connection(port=self.vigil.port)
        conn.send_command("COMMAND")
        names = set()
        for entry in decode(conn.read_response()):
            names.add(entry[0])
            names.update(sub[0] for sub in entry[9])
        conn.disconnect()
        self.assertEqual(names, set(self.vigil_docs))
        self.assertGreater(len(names), 200)

    def test_facts_equal_redis(self):
        common = set(self.vigil_docs) & set(self.redis_docs)
        self.assertEqual(set(self.vigil_docs) - common, VIGIL_ONLY)
        for name in sorted(common):
            ours, theirs = dict(self.vigil_docs[name]), dict(self.redis_docs[name])
            with self.subTest(command=name):
                subs = ours.pop("subcommands", None), theirs.pop("subcommands", None)
                if INTENTIONAL.get(name) == "subcommands":
                    self.assertIsNone(subs[1])
                    self.assertEqual(set(subs[0]), {n for n in VIGIL_ONLY if n.startswith(name)})
                elif subs[1] is not None:
                    # Containers list the subcommands vigil registers.
                    self.assertTrue(subs[0] and set(subs[0]) <= set(subs[1]), subs)
                else:
                    self.assertIsNone(subs[0])
                # Same fields in the same order; prose may differ.
                self.assertEqual(list(ours), list(theirs))
                for field in ("since", "group", "doc_flags", "deprecated_since", "arguments"):
                    self.assertEqual(ours.get(field), theirs.get(field), field)
                self.assertEqual([v for v, _ in ours.get("history", [])],
                                 [v for v, _ in theirs.get("history", [])])

    def test_prose_is_our_own(self):
        for name in sorted(set(self.vigil_docs) & set(self.redis_docs)):
            ours, theirs = self.vigil_docs[name], self.redis_docs[name]
            with self.subTest(command=name):
                self.assertNotEqual(ours["summary"], theirs["summary"])
                for (_, a), (_, b) in zip(ours.get("history", []), theirs.get("history", [])):
                    self.assertNotEqual(a, b)
                if " " in theirs.get("complexity", ""):  # more than a bare O(...) formula
                    self.assertNotEqual(ours["complexity"], theirs["complexity"])

    def test_lookup_by_name(self):
        names = ["GET", "Config|GET", "nosuch", "get|x", "config|get|x", "config|nosuch", "client"]
        ours = decode(command_docs(self.vigil.port, *names))
        theirs = decode(command_docs(self.redis_port, *names))
        self.assertEqual(ours[::2], ["get", "config|get", "client"])
        self.assertEqual(ours[::2], theirs[::2])
        self.assertEqual(decode(command_docs(self.vigil.port, "nosuch")), [])

    def test_resp3_types_match_redis(self):
        names = ("get", "set", "getset", "client|kill", "zadd", "sort", "config|get")
        self.assertEqual(without_prose(resp3_docs(self.vigil.port, *names)),
                         without_prose(resp3_docs(self.redis_port, *names)))
        kind, entries = resp3_docs(self.vigil.port, "config")
        self.assertEqual(kind, "%")
        doc = dict((k[1], v) for k, v in entries[0][1][1])
        self.assertEqual(doc["subcommands"][0], "%")

    def test_redis_cli_shows_the_arguments(self):
        def cli(port):
            r = subprocess.run(["redis-cli", "-p", str(port), "--no-raw", "command", "docs", "set"],
                               capture_output=True, text=True, timeout=10)
            self.assertEqual(r.returncode, 0, r.stderr)
            return r.stdout.splitlines()

        ours, theirs = cli(self.vigil.port), cli(self.redis_port)
        self.assertEqual(len(ours), len(theirs))
        start = next(i for i, line in enumerate(theirs) if line.endswith('"arguments"'))
        self.assertTrue(ours[start].endswith('"arguments"'))
        self.assertEqual(ours[start:], theirs[start:])
        self.assertIn('"unix-time-milliseconds"', "\n".join(ours))

    def test_redis_cli_interactive_help(self):
        # redis-cli builds its interactive HELP from COMMAND DOCS; a pty with
        # TERM=dumb makes it interactive without terminal escape queries.
        def help_lines(port):
            r = subprocess.run(["script", "-qec", "redis-cli -p %d" % port, "/dev/null"],
                               input="help set\nhelp config get\nhelp @hash\nquit\n",
                               capture_output=True, text=True, timeout=10,
                               env=dict(os.environ, TERM="dumb"))
            self.assertEqual(r.returncode, 0, r.stderr)
            text = re.sub(r"\x1b\[[0-9;]*m|\r", "", r.stdout)
            return [line.strip() for line in text.splitlines()
                    if line.strip() and not line.startswith(("help ", "quit", "127.0.0.1:"))]

        ours, theirs = help_lines(self.vigil.port), help_lines(self.redis_port)
        self.assertIn("SET key value [NX|XX] [GET] [EX seconds|PX milliseconds|"
                      "EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]", ours)
        self.assertIn("CONFIG GET parameter [parameter ...]", ours)
        # Same usage, versions and groups; HELP @hash lists the hash commands
        # vigil registers. Only the summaries are our own.
        facts = [line for line in ours if not line.startswith("summary:")]
        redis_facts = [line for line in theirs if not line.startswith("summary:")]
        self.assertTrue(set(facts) <= set(redis_facts), set(facts) - set(redis_facts))
        self.assertIn("HSET key field value [field value ...]", facts)

    def test_every_container_has_help_shaped_as_redis(self):
        containers = sorted({name.split("|")[0] for name in self.vigil_docs if "|" in name})
        self.assertIn("config", containers)
        for name in containers:
            with self.subTest(container=name):
                lines = decode(call(self.vigil.port, name, "HELP"))
                self.assertEqual(lines[0], name.upper() + " <subcommand> [<arg> [value] [opt] ...]."
                                 " Subcommands are:")
                self.assertEqual(lines[-2:], ["HELP", "    Prints this help."])
                # One syntax line and one indented summary per subcommand.
                subs = sorted(n.split("|")[1] for n in self.vigil_docs
                              if n.startswith(name + "|") and n != name + "|help")
                self.assertEqual(sorted(line.split(" ")[0].lower() for line in lines[1:-2:2]), subs)
                self.assertTrue(all(line.startswith("    ") for line in lines[2:-2:2]), lines)
                if name != "debug":  # a bare command in Redis
                    theirs = decode(call(self.redis_port, name, "HELP"))
                    self.assertEqual((lines[0], lines[-2:]), (theirs[0], theirs[-2:]))
        self.assertIn("ENCODING <key>", decode(call(self.vigil.port, "OBJECT", "HELP")))
        self.assertIn("LIST [TYPE (NORMAL|MASTER|REPLICA|PUBSUB)] "
                      "[ID <client-id> [<client-id> ...]]",
                      decode(call(self.vigil.port, "CLIENT", "HELP")))
        for port in (self.vigil.port, self.redis_port):
            with self.assertRaisesRegex(redis.ResponseError,
                                        r"^unknown subcommand 'nosuch'. Try OBJECT HELP.$"):
                call(port, "OBJECT", "nosuch")
            with self.assertRaisesRegex(redis.ResponseError,
                                        r"^wrong number of arguments for 'object\|help' command$"):
                call(port, "OBJECT", "HELP", "x")

    def test_command_list_names_subcommands_as_redis(self):
        def names(port, *args):
            return sorted(decode(call(port, "COMMAND", "LIST", *args)))

        listed = names(self.vigil.port)
        self.assertEqual(set(listed), set(self.vigil_docs))
        self.assertTrue(set(listed) <= set(names(self.redis_port)) | VIGIL_ONLY)
        for pattern in ("config|*", "OBJECT|*", "s?owlog*", "nosuch*"):
            self.assertEqual(names(self.vigil.port, "FILTERBY", "PATTERN", pattern),
                             names(self.redis_port, "FILTERBY", "PATTERN", pattern), pattern)
        for port in (self.vigil.port, self.redis_port):
            self.assertEqual(names(port, "FILTERBY", "MODULE", "x"), [])
            for args in (("FILTERBY",), ("FILTERBY", "NOSUCH", "x"), ("x", "PATTERN", "y")):
                with self.assertRaisesRegex(redis.ResponseError, "^syntax error$"):
                    call(port, "COMMAND", "LIST", *args)

if __name__ == "__main__":
    unittest.main()
