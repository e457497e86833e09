"""Integration: vigil-server starts from the redis.conf files operators already
have (seeds-digest.md, verbatim), command-line overrides win, a bad line stops
startup with Redis's FATAL CONFIG FILE ERROR, and CONFIG REWRITE edits the
file in place."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from vigil_harness import VigilServer, free_port  # noqa: E402

import redis  # noqa: E402

BINARY = os.environ["VIGIL_SERVER"]
TESTDATA = os.path.join(os.path.dirname(__file__), "testdata")


class ConfigFiles(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="vigil-cfg-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def start(self, conf, *overrides):
        port = free_port()
        args = [BINARY, conf, "--port", str(port), "--bind", "127.0.0.1",
                "--pidfile", os.path.join(self.dir, "v.pid"), "--dir", self.dir]
        args += list(overrides)
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=self.dir)
        self.addCleanup(lambda: (proc.poll() is None and proc.kill(), proc.wait()))
        return proc, port

    def wait_up(self, proc, port, password=None):
        r = redis.Redis(port=port, password=password, socket_connect_timeout=0.2)
        for _ in range(100):
            if proc.poll() is not None:
                self.fail("server exited: %s" % proc.stdout.read().decode())
            try:
                r.ping()
                return r
            except redis.ConnectionError:
                import time
                time.sleep(0.05)
        self.fail("server did not come up")

    def test_seed_server_config_loads_verbatim(self):
        conf = os.path.join(self.dir, "redis.conf")
        shutil.copy(os.path.join(TESTDATA, "seeds_server.conf"), conf)
        proc, port = self.start(conf)
        r = self.wait_up(proc, port, password="foobared")
        self.assertEqual(r.config_get("port")["port"], str(port))  # override won
        self.assertEqual(r.config_get("maxclients")["maxclients"], "10000")
        self.assertEqual(r.config_get("save")["save"], "900 1 300 10 60 10000")
        self.assertEqual(r.config_get("repl-ping-replica-period")["repl-ping-replica-period"], "10")
        with self.assertRaises(redis.AuthenticationError):
            redis.Redis(port=port).get("x")

    def test_seed_replica_config_loads_verbatim(self):
        conf = os.path.join(self.dir, "replica.conf")
        with open(conf, "w") as f:
            f.write(open(os.path.join(TESTDATA, "seeds_server.conf")).read())
            f.write(open(os.path.join(TESTDATA, "seeds_replica.conf")).read())
        # The replica side names a master we cannot reach; the directives must
        # still load (replication itself is a later stage).
        proc, port = self.start(conf)
        r = self.wait_up(proc, port, password="foobared")
        self.assertEqual(r.config_get("masterauth")["masterauth"], "mypass")
        self.assertEqual(r.config_get("replica-priority")["replica-priority"], "100")

    def test_bad_line_is_fatal_with_file_line_and_reason(self):
        conf = os.path.join(self.dir, "bad.conf")
        with open(conf, "w") as f:
            f.write("# comment\nport 6390\nmaxclients lots\n")
        r = subprocess.run([BINARY, conf], capture_output=True, text=True, timeout=10)
        self.assertNotEqual(r.returncode, 0)
        err = r.stderr + r.stdout
        self.assertIn("*** FATAL CONFIG FILE ERROR", err)
        self.assertIn("line 3", err)
        self.assertIn(">>> 'maxclients lots'", err)
        self.assertIn(conf, err)

    def test_unknown_directive_is_fatal(self):
        conf = os.path.join(self.dir, "bad.conf")
        with open(conf, "w") as f:
            f.write("no-such-directive yes\n")
        r = subprocess.run([BINARY, conf], capture_output=True, text=True, timeout=10)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("Bad directive or wrong number of arguments", r.stderr + r.stdout)

    def test_rename_command_hides_and_renames(self):
        conf = os.path.join(self.dir, "rn.conf")
        with open(conf, "w") as f:
            f.write('rename-command CONFIG GUESSME\nrename-command FLUSHALL ""\n')
        proc, port = self.start(conf)
        r = self.wait_up(proc, port)
        with self.assertRaises(redis.ResponseError) as cm:
            r.execute_command("CONFIG", "GET", "port")
        self.assertTrue(str(cm.exception).startswith("unknown command 'CONFIG'"), str(cm.exception))
        self.assertEqual(r.execute_command("GUESSME", "GET", "port"), [b"port", str(port).encode()])
        with self.assertRaises(redis.ResponseError):
            r.execute_command("FLUSHALL")
        with open(conf, "w") as f:
            f.write("rename-command NOSUCHCMD x\n")
        bad = subprocess.run([BINARY, conf, "--port", str(free_port())], capture_output=True,
                             text=True, timeout=10)
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("No such command in rename-command", bad.stderr + bad.stdout)

    def test_config_rewrite_keeps_comments_and_updates_in_place(self):
        conf = os.path.join(self.dir, "rw.conf")
        with open(conf, "w") as f:
            f.write("# my comment\nmaxmemory 1gb\n# tail comment\n")
        proc, port = self.start(conf)
        r = self.wait_up(proc, port)
        r.config_set("maxmemory", "2gb")
        r.config_set("masterauth", "secret")
        self.assertTrue(r.config_rewrite())
        text = open(conf).read()
        lines = text.splitlines()
        self.assertEqual(lines[0], "# my comment")
        self.assertEqual(lines[1], "maxmemory 2gb")
        self.assertEqual(lines[2], "# tail comment")
        self.assertIn("masterauth", text)

    def test_help_and_version(self):
        r = subprocess.run([BINARY, "--version"], capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 0)
        self.assertIn("v=", r.stdout)
        r = subprocess.run([BINARY, "--help"], capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 0)
        self.assertIn("Usage", r.stdout)

    def test_config_from_stdin(self):
        port = free_port()
        proc = subprocess.Popen([BINARY, "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, cwd=self.dir)
        self.addCleanup(lambda: (proc.poll() is None and proc.kill(), proc.wait()))
        proc.stdin.write(("port %d\nbind 127.0.0.1\nsave ''\n" % port).encode())
        proc.stdin.close()
        r = self.wait_up(proc, port)
        self.assertEqual(r.config_get("port")["port"], str(port))


if __name__ == "__main__":
    unittest.main(verbosity=2)


class ProtectedDebugCommand(unittest.TestCase):
    def test_debug_is_refused_unless_enabled(self):
        expected = ('ERR DEBUG command not allowed. If the enable-debug-command option is set to '
                    '"local", you can run it from a local connection, otherwise you need to set '
                    'this option in the configuration file, and then restart the server.\n')
        for value, reply in (("no", expected), ("local", "OK\n"), ("yes", "OK\n")):
            srv = VigilServer(os.environ["VIGIL_SERVER"],
                              config_lines=["enable-debug-command " + value]).start()
            try:
                self.assertEqual(srv.cli("DEBUG", "SLEEP", "0"), reply, value)
            finally:
                srv.stop()
