"""Starts a real vigil-server on a free loopback port for integration tests.

Each test gets its own temp dir and port; the server is killed by pid when the
test ends, so parallel ctest runs cannot collide.
"""
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(cond, timeout=10.0, what="condition"):
    """Polls cond() until it returns something true, which is returned."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = cond()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("timed out waiting for " + what)


class VigilServer:
    def __init__(self, binary, config_lines=(), args=()):
        self.binary = os.path.abspath(binary)
        self.dir = tempfile.mkdtemp(prefix="vigil-it-")
        self.port = free_port()
        self.conf = os.path.join(self.dir, "vigil.conf")
        with open(self.conf, "w") as f:
            # DEBUG (RELOAD, DIGEST, SLEEP) is refused unless enabled, as in Redis.
            f.write("bind 127.0.0.1\nport %d\ndir %s\nsave \"\"\nenable-debug-command yes\n"
                    % (self.port, self.dir))
            for line in config_lines:
                f.write(line + "\n")
        self.log = os.path.join(self.dir, "out.log")
        self.proc = None
        self.args = list(args)

    def start(self):
        with open(self.log, "a") as out:
            self.proc = subprocess.Popen([self.binary, self.conf] + self.args, stdout=out,
                                         stderr=subprocess.STDOUT, cwd=self.dir)
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited: " + open(self.log).read())
            try:
                # The kernel accepts connections as soon as the server listens,
                # which is before it loads its RDB/AOF (and migrates an old AOF);
                # the first reply to anything comes after loading.
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                    sock.settimeout(max(0.05, deadline - time.time()))
                    sock.sendall(b"PING\r\n")
                    if sock.recv(1):
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server did not start: " + open(self.log).read())

    def halt(self, sig=None):
        """Stops the process (SIGTERM, or `sig`, e.g. signal.SIGKILL) and keeps the
        directory, so a restart finds its files."""
        if self.proc and self.proc.poll() is None:
            if sig is None:
                self.proc.terminate()
            else:
                self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def restart(self):
        self.halt()
        return self.start()

    def stop(self):
        self.halt()
        shutil.rmtree(self.dir, ignore_errors=True)

    def cli(self, *args):
        """Runs redis-cli and returns its stdout (as redis-cli prints it, no tty)."""
        r = subprocess.run(["redis-cli", "-p", str(self.port)] + list(args),
                           capture_output=True, text=True, timeout=10)
        return r.stdout

    def raw(self, payload, read_timeout=2.0):
        """Sends raw bytes and returns everything until the server closes or goes quiet."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=read_timeout) as s:
            s.sendall(payload)
            chunks = []
            try:
                while True:
                    d = s.recv(65536)
                    if not d:
                        chunks.append(b"<closed>")
                        break
                    chunks.append(d)
            except socket.timeout:
                pass
            return b"".join(chunks)


def key_snapshot(r, k):
    """One key of a redis-py client (bytes replies) as a comparable value:
    (type, contents, has-ttl)."""
    t = r.type(k).decode()
    if t == "string":
        v = r.get(k)
    elif t == "list":
        v = r.lrange(k, 0, -1)
    elif t == "set":
        v = sorted(r.smembers(k))
    elif t == "hash":
        v = sorted(r.hgetall(k).items())
    elif t == "zset":
        v = r.zrange(k, 0, -1, withscores=True)
    else:
        v = None
    return (t, v, r.pttl(k) > 0)


def encode(*args):
    """One command in RESP multibulk form (str, bytes or numbers)."""
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


class ServerTestCase(unittest.TestCase):
    """One vigil-server per test class (VIGIL_SERVER, extra `config` lines);
    each test starts from FLUSHALL with `self.r`, a redis-py client
    (`decode` sets decode_responses)."""
    config = ()
    decode = True

    @classmethod
    def setUpClass(cls):
        cls.srv = VigilServer(os.environ["VIGIL_SERVER"], config_lines=cls.config).start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        import redis  # Debian's python3-redis; imported here so the harness loads without it
        self.r = redis.Redis(port=self.srv.port, decode_responses=self.decode)
        self.addCleanup(self.r.close)
        self.r.flushall()


class SideBySideTestCase(unittest.TestCase):
    """vigil-server (VIGIL_SERVER, extra `vigil_config` lines) and Debian's
    redis-server, started once per test class; `self.v` and `self.r` are
    redis-py clients (bytes replies) of each, to compare replies."""
    vigil_config = ()

    @classmethod
    def setUpClass(cls):
        import redis  # Debian's python3-redis; imported here so the harness loads without it
        cls.vigil = VigilServer(os.environ.get("VIGIL_SERVER", "build/server/vigil-server"),
                                config_lines=cls.vigil_config).start()
        cls.real = VigilServer(shutil.which("redis-server") or "/usr/bin/redis-server").start()
        cls.v = redis.Redis(port=cls.vigil.port)
        cls.r = redis.Redis(port=cls.real.port)

    @classmethod
    def tearDownClass(cls):
        cls.v.close()
        cls.r.close()
        cls.vigil.stop()
        cls.real.stop()
