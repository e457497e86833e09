"""The reference: Debian's redis-server on its own free port and temp dir,
killed by pid, started with the same config lines as the vigil under test."""
import os
import shutil
import socket
import subprocess
import tempfile
import time

from vigil_harness import free_port

REDIS_BINARY = os.environ.get("REDIS_SERVER", "/usr/bin/redis-server")


class RedisServer:
    def __init__(self, config_lines=(), binary=REDIS_BINARY):
        self.binary = binary
        self.dir = tempfile.mkdtemp(prefix="vigil-difftest-redis-")
        self.port = free_port()
        self.log = os.path.join(self.dir, "redis.log")
        self.args = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                     "--appendonly", "no", "--dir", self.dir]
        for line in config_lines:
            name, value = line.split(" ", 1)
            self.args += ["--" + name, value.strip('"')]
        self.proc = None

    def start(self):
        with open(self.log, "w") as out:
            self.proc = subprocess.Popen(self.args, stdout=out, stderr=subprocess.STDOUT,
                                         cwd=self.dir)
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("redis-server exited: " + open(self.log).read())
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start: " + open(self.log).read())

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)
