"""Integration: `vigil-server --check-rdb` and `--check-aof [--fix]` (and the
vigil-check-rdb / vigil-check-aof links) on files written by vigil: good,
truncated and corrupted RDB files; a good AOF directory; a torn AOF tail cut
with --fix; damage in the middle, which --fix refuses to cut. Where Debian's
redis-check-rdb / redis-check-aof can read the same file, the reports must be
identical."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from vigil_harness import VigilServer, encode  # noqa: E402

import redis  # noqa: E402

BINARY = os.path.abspath(os.environ["VIGIL_SERVER"])


def run(argv, stdin=b"", cwd=None):
    p = subprocess.run(argv, input=stdin, capture_output=True, timeout=60, cwd=cwd)
    return p.returncode, p.stdout.decode(errors="replace")


def check_rdb(path, cwd=None):
    return run([BINARY, "--check-rdb", path], cwd=cwd)


def check_aof(path, fix=False, answer=b""):
    return run([BINARY, "--check-aof"] + (["--fix"] if fix else []) + [path], stdin=answer)


def read(path, mode="rb"):
    with open(path, mode) as f:
        return f.read()


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def fill(r):
    r.set("s", "hello")
    r.set("n", 12345)
    r.set("ttl", "v", ex=1000)
    r.rpush("list", *range(300))
    r.sadd("ints", 1, 2, 3)
    r.hset("h", mapping={"f%d" % i: "v" * 100 for i in range(20)})
    r.zadd("z", {"m%d" % i: i / 3 for i in range(200)})
    r.execute_command("SELECT", 3)
    r.set("other-db", "x")


class CheckTools(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="vigil-check-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def server(self, *lines):
        s = VigilServer(BINARY, config_lines=lines).start()
        self.addCleanup(s.stop)
        return s

    def saved_rdb(self):
        """A dump.rdb written by vigil (7 keys in db 0, 1 in db 3, 1 TTL), copied to tmp."""
        s = self.server()
        r = redis.Redis(port=s.port)
        fill(r)
        r.save()
        r.close()
        path = os.path.join(self.tmp, "dump.rdb")
        shutil.copy(os.path.join(s.dir, "dump.rdb"), path)
        return path

    # ---------------------------------------------------------------- RDB

    def test_good_rdb(self):
        path = self.saved_rdb()
        rc, out = check_rdb("dump.rdb", cwd=self.tmp)
        self.assertEqual(rc, 0, out)
        lines = out.splitlines()
        self.assertEqual(lines[0], "[offset 0] Checking RDB file dump.rdb")
        self.assertRegex(out, r"\[offset \d+\] AUX FIELD redis-ver = '7\.0\.15'\n")
        self.assertIn("] Selecting DB ID 0\n", out)
        self.assertIn("] Selecting DB ID 3\n", out)
        size = os.path.getsize(path)
        self.assertEqual(lines[-5:], [
            "[offset %d] Checksum OK" % size,
            "[offset %d] \\o/ RDB looks OK! \\o/" % size,
            "[info] 8 keys read", "[info] 1 expires", "[info] 0 already expired"])
        # Byte for byte what Redis's own checker says about the same file.
        self.assertEqual(run(["redis-check-rdb", "dump.rdb"], cwd=self.tmp), (rc, out))

    def test_check_rdb_link_and_usage(self):
        path = self.saved_rdb()
        link = os.path.join(self.tmp, "vigil-check-rdb")
        os.symlink(BINARY, link)
        self.assertEqual(run([link, path]), check_rdb(path))
        self.assertEqual(run([link]), (1, "Usage: vigil-check-rdb <rdb-file-name>\n"))
        self.assertEqual(run([BINARY, "--check-rdb"]),
                         (1, "Usage: vigil-server --check-rdb <rdb-file-name>\n"))
        rc, out = check_rdb(os.path.join(self.tmp, "missing.rdb"))
        self.assertEqual(rc, 1)
        self.assertIn("No such file or directory", out)

    def test_truncated_rdb(self):
        path = self.saved_rdb()
        with open(path, "r+b") as f:
            f.truncate(os.path.getsize(path) * 2 // 3)
        rc, out = check_rdb(path)
        self.assertEqual(rc, 1, out)
        self.assertIn("\n--- RDB ERROR DETECTED ---\n[offset %d] Short read"
                      % os.path.getsize(path), out)
        self.assertNotIn("RDB looks OK", out)
        self.assertEqual(run(["redis-check-rdb", path])[0], 1)

    def test_corrupted_rdb_byte(self):
        path = self.saved_rdb()
        data = bytearray(read(path))
        at = data.index(b"hello")  # inside a value: only the checksum can tell
        data[at] ^= 0x20
        write(path, data)
        rc, out = check_rdb(path)
        self.assertEqual(rc, 1, out)
        self.assertRegex(out, r"--- RDB ERROR DETECTED ---\n\[offset %d\] Wrong RDB checksum "
                              r"expected: \([0-9a-f]+\) got \([0-9a-f]+\)\n" % len(data))
        self.assertRegex(out, r"\[info\] 8 keys read\n")
        self.assertEqual(run(["redis-check-rdb", path])[0], 1)

    # ---------------------------------------------------------------- AOF

    def aof_dir(self):
        """An AOF directory written by vigil (RDB base + commands), copied to tmp."""
        s = self.server("appendonly yes", "appendfsync always")
        r = redis.Redis(port=s.port)
        r.set("before-rewrite", "1")
        r.bgrewriteaof()
        deadline = time.time() + 10
        while r.info("persistence")["aof_rewrite_in_progress"] and time.time() < deadline:
            time.sleep(0.02)
        fill(r)
        r.close()
        s.halt()
        d = os.path.join(self.tmp, "appendonlydir")
        shutil.copytree(os.path.join(s.dir, "appendonlydir"), d)
        return d

    def incr_file(self, d):
        manifest = read(os.path.join(d, "appendonly.aof.manifest"), "r")
        return os.path.join(d, re.findall(r"file (\S+) seq \d+ type i", manifest)[-1])

    def test_good_aof_dir(self):
        d = self.aof_dir()
        manifest = os.path.join(d, "appendonly.aof.manifest")
        rc, out = check_aof(manifest)
        self.assertEqual(rc, 0, out)
        self.assertTrue(out.startswith("Start checking Multi Part AOF\n"), out)
        self.assertIn("Start to check BASE AOF (RDB format).\n", out)
        self.assertIn("RDB preamble is OK, proceeding with AOF tail...\n", out)
        self.assertIn("INCR AOF %s is valid\n" % os.path.basename(self.incr_file(d)), out)
        self.assertTrue(out.endswith("All AOF files and manifest are valid\n"), out)
        self.assertEqual(run(["redis-check-aof", manifest]), (rc, out))
        link = os.path.join(self.tmp, "vigil-check-aof")
        os.symlink(BINARY, link)
        self.assertEqual(run([link, manifest]), (rc, out))

    def test_old_style_aof_with_preamble(self):
        d = self.aof_dir()
        manifest = read(os.path.join(d, "appendonly.aof.manifest"), "r")
        base = re.search(r"file (\S+) seq \d+ type b", manifest).group(1)
        single = os.path.join(self.tmp, "appendonly.aof")
        with open(single, "wb") as out:
            for name in (base, os.path.basename(self.incr_file(d))):
                out.write(read(os.path.join(d, name)))
        rc, out = check_aof(single)
        self.assertEqual(rc, 0, out)
        self.assertIn("RDB preamble is OK, proceeding with AOF tail...\n", out)
        self.assertTrue(out.endswith("AOF %s is valid\n" % single), out)
        self.assertEqual(run(["redis-check-aof", single]), (rc, out))

    def test_torn_tail_is_cut_with_fix(self):
        d = self.aof_dir()
        incr = self.incr_file(d)
        good_size = os.path.getsize(incr)
        with open(incr, "ab") as f:
            f.write(encode("SET", "torn", "value")[:-4])
        size = os.path.getsize(incr)
        name = os.path.basename(incr)
        manifest = os.path.join(d, "appendonly.aof.manifest")

        rc, out = check_aof(manifest)
        self.assertEqual(rc, 1, out)
        self.assertIn("AOF analyzed: filename=%s, size=%d, ok_up_to=%d, "
                      % (name, size, good_size), out)
        self.assertIn(", diff=%d\nAOF %s is not valid. Use the --fix option to try fixing it.\n"
                      % (size - good_size, name), out)
        self.assertEqual(run(["redis-check-aof", manifest]), (rc, out))

        rc, out = check_aof(manifest, fix=True, answer=b"n\n")
        self.assertEqual(rc, 1)
        self.assertTrue(out.endswith("Continue? [y/N]: Aborting...\n"), out)
        self.assertEqual(os.path.getsize(incr), size)

        rc, out = check_aof(manifest, fix=True, answer=b"y\n")
        self.assertEqual(rc, 0, out)
        self.assertIn("This will shrink the AOF %s from %d bytes, with %d bytes, to %d bytes\n"
                      "Continue? [y/N]: Successfully truncated AOF %s\n"
                      % (name, size, size - good_size, good_size, name), out)
        self.assertEqual(os.path.getsize(incr), good_size)
        self.assertEqual(check_aof(manifest)[0], 0)

        # The fixed directory loads, with every command before the tear.
        s = self.server("appendonly yes")
        s.halt()
        shutil.rmtree(os.path.join(s.dir, "appendonlydir"))
        shutil.copytree(d, os.path.join(s.dir, "appendonlydir"))
        s.start()
        r = redis.Redis(port=s.port)
        self.addCleanup(r.close)
        self.assertEqual(r.get("s"), b"hello")
        self.assertEqual(r.llen("list"), 300)
        self.assertIsNone(r.get("torn"))

    def test_damage_in_the_middle_is_not_fixable(self):
        d = self.aof_dir()
        incr = self.incr_file(d)
        data = bytearray(read(incr))
        at = data.index(b"$5\r\nhello\r\n")
        data[at + 1] = ord("6")  # the length no longer matches: "\n*" where CRLF should be
        write(incr, data)
        manifest = os.path.join(d, "appendonly.aof.manifest")
        rc, out = check_aof(manifest)
        self.assertEqual(rc, 1, out)
        self.assertRegex(out, r"\n0x +[0-9a-f]+: Expected \\r\\n, got: 0a2a\n")
        self.assertEqual(run(["redis-check-aof", manifest]), (rc, out))
        rc, out = check_aof(manifest, fix=True, answer=b"y\n")
        self.assertEqual(rc, 1, out)
        self.assertIn("is damaged before its end, not just torn", out)
        self.assertNotIn("Continue?", out)
        self.assertEqual(read(incr), bytes(data))

    def test_aof_usage(self):
        self.assertEqual(run([BINARY, "--check-aof"]),
                         (1, "Usage: vigil-server --check-aof [--fix] <file.manifest|file.aof>\n"))
        missing = os.path.join(self.tmp, "missing.aof")
        self.assertEqual(check_aof(missing), (1, "Cannot open file: %s\n" % missing))


if __name__ == "__main__":
    unittest.main()
