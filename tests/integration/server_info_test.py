"""Integration: INFO against Debian's redis-server 7.0.15 started beside vigil,
both driven into the same state (a master with no replicas): the same
sections in the same order with the same field names for every form of the
command, and equal values where the state decides them (port, clients,
keyspace, errorstats, commandstats)."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from vigil_harness import VigilServer  # noqa: E402

import redis  # noqa: E402

BINARY = os.environ["VIGIL_SERVER"]
REDIS = "/usr/bin/redis-server"
# Per-command latency percentiles (latency-tracking) are not produced.
NOT_PRODUCED = {"Latencystats"}


def sections(text):
    """INFO text as [(section title, [field names])], in reply order."""
    out = []
    for line in text.split("\r\n"):
        if line.startswith("# "):
            out.append((line[2:], []))
        elif line:
            out[-1][1].append(line.split(":", 1)[0])
    return out


def values(text):
    """INFO text as {field: raw value}."""
    return dict(line.split(":", 1) for line in text.split("\r\n") if line and line[0] != "#")


class ServerInfo(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.vigil = VigilServer(BINARY).start()
        cls.real = VigilServer(REDIS).start()

    @classmethod
    def tearDownClass(cls):
        cls.vigil.stop()
        cls.real.stop()

    def setUp(self):
        self.v = self.client(self.vigil)
        self.r = self.client(self.real)
        for c in (self.v, self.r):
            c.flushall()
            c.config_set("save", "")
            c.config_resetstat()
            self.wait_alone(c)

    def wait_alone(self, c):
        """Waits until the server has seen the previous tests' clients go, so
        both servers count one client."""
        deadline = time.time() + 5
        while len(c.client_list()) > 1 and time.time() < deadline:
            time.sleep(0.01)

    def client(self, srv):
        c = redis.Redis(port=srv.port, decode_responses=True, single_connection_client=True)
        c.set_response_callback("INFO", lambda reply, **kw: reply)
        # close() only returns a single connection to the pool; disconnect
        # so the next test starts with one client on each server.
        self.addCleanup(c.connection_pool.disconnect)
        return c

    def both(self, *args):
        """Runs one command on both servers; returns (vigil reply, redis reply),
        an error as its text."""
        out = []
        for c in (self.v, self.r):
            try:
                out.append(c.execute_command(*args))
            except redis.ResponseError as e:
                out.append("ERR-REPLY " + str(e))
        return tuple(out)

    def make_state(self):
        for db in (0, 3):
            self.both("SELECT", db)
            self.both("SET", "plain", "v")
            self.both("SET", "volatile", "v", "EX", 1000)
            self.both("RPUSH", "list", "a", "b")
        self.both("SELECT", 0)
        self.both("GET", "plain")
        self.both("GET", "missing")
        # Read lookups count as hits/misses; write lookups (INCR, APPEND) do not.
        for cmd in (("MGET", "plain", "missing"), ("EXISTS", "list"), ("TYPE", "nope"),
                    ("TTL", "volatile"), ("STRLEN", "plain"),
                    ("SET", "s", "1", "GET"),
                    ("APPEND", "s", "x"), ("INCR", "counter"), ("LRANGE", "list", 0, -1)):
            self.both(*cmd)
        self.both("INCR", "plain")              # ERR not an integer
        self.both("LPUSH", "plain", "x")        # WRONGTYPE
        self.both("NOSUCHCOMMAND", "a")         # ERR unknown command (rejected)
        self.both("GET")                        # ERR wrong arity (rejected)
        self.both("MULTI")
        self.both("NOSUCHCOMMAND")              # rejected inside MULTI
        self.both("EXEC")                       # EXECABORT

    def info(self, client, *args):
        return client.execute_command("INFO", *args)

    def assert_same_layout(self, *args):
        ours = sections(self.info(self.v, *args))
        theirs = [s for s in sections(self.info(self.r, *args)) if s[0] not in NOT_PRODUCED]
        self.assertEqual([t for t, _ in ours], [t for t, _ in theirs], args)
        for (title, fields), (_, ref) in zip(ours, theirs):
            if title == "Commandstats":  # a hash table's order in Redis
                fields, ref = sorted(fields), sorted(ref)
            self.assertEqual(fields, ref, (args, title))

    def test_every_form_has_redis_sections_and_fields(self):
        self.make_state()
        for args in [(), ("default",), ("all",), ("everything",), ("EVERYTHING",),
                     ("keyspace", "server"), ("Server", "CLIENTS", "memory"), ("stats",),
                     ("persistence",), ("replication",), ("cpu",), ("modules",),
                     ("commandstats",), ("errorstats",), ("cluster",), ("keyspace",),
                     ("default", "commandstats"), ("nosuch", "cpu"), ("server", "server")]:
            self.assert_same_layout(*args)

    def test_unknown_section_is_empty(self):
        self.assertEqual(self.info(self.v, "nosuch"), "")
        self.assertEqual(self.info(self.r, "nosuch"), "")

    def test_values_set_by_state_match_redis(self):
        self.make_state()
        ours, theirs = values(self.info(self.v, "all")), values(self.info(self.r, "all"))
        for field in ["connected_clients", "blocked_clients", "maxclients", "redis_version",
                      "redis_mode", "os", "arch_bits", "hz", "configured_hz", "config_file",
                      "cluster_enabled", "total_error_replies", "unexpected_error_replies",
                      "keyspace_hits", "keyspace_misses", "mem_allocator", "maxmemory",
                      "maxmemory_policy", "total_forks", "evicted_keys", "pubsub_channels"]:
            if field == "config_file":
                self.assertEqual(ours[field], self.vigil.conf)
            else:
                self.assertEqual(ours[field], theirs[field], field)
        self.assertEqual(ours["connected_clients"], "1")
        self.assertEqual(ours["tcp_port"], str(self.vigil.port))
        self.assertEqual(ours["process_id"], str(self.vigil.proc.pid))
        self.assertEqual(ours["executable"], os.path.realpath(BINARY))
        # Errorstats by prefix, Redis 7's way (rejections and EXECABORT included).
        errs = {k: v for k, v in ours.items() if k.startswith("errorstat_")}
        self.assertEqual(errs, {k: v for k, v in theirs.items() if k.startswith("errorstat_")})
        self.assertEqual(errs, {"errorstat_ERR": "count=4", "errorstat_WRONGTYPE": "count=1",
                                "errorstat_EXECABORT": "count=1"})
        self.assertEqual(ours["total_error_replies"], "6")
        for field in ["cmdstat_incr", "cmdstat_lpush", "cmdstat_get", "cmdstat_exec"]:
            self.assertEqual(ours[field].split(",")[0], theirs[field].split(",")[0], field)
            self.assertEqual(ours[field].split(",")[3:], theirs[field].split(",")[3:], field)

    def test_blocked_clients_and_timeout_table_match_redis(self):
        """BLPOP with and without a timeout, and WAIT with a timeout, count in
        blocked_clients; only those with a timeout in clients_in_timeout_table."""
        counts = []
        for srv, c in ((self.vigil, self.v), (self.real, self.r)):
            blockers = []
            for cmd in (("BLPOP", "q1", 0), ("BLPOP", "q2", 100), ("WAIT", 1, 100000)):
                b = redis.Redis(port=srv.port, single_connection_client=True)
                self.addCleanup(b.connection_pool.disconnect)
                b.connection.send_command(*cmd)
                blockers.append(b)
            deadline = time.time() + 5
            while values(self.info(c, "clients"))["blocked_clients"] != "3" and time.time() < deadline:
                time.sleep(0.01)
            info = values(self.info(c, "clients"))
            counts.append((info["blocked_clients"], info["clients_in_timeout_table"]))
            c.rpush("q1", "x")  # serves the first; the others stay blocked
            blockers[0].connection.read_response()
            deadline = time.time() + 5
            while values(self.info(c, "clients"))["blocked_clients"] != "2" and time.time() < deadline:
                time.sleep(0.01)
            info = values(self.info(c, "clients"))
            counts.append((info["blocked_clients"], info["clients_in_timeout_table"]))
            for b in blockers:
                b.connection_pool.disconnect()
        self.assertEqual(counts[:2], [("3", "2"), ("2", "2")])
        self.assertEqual(counts[:2], counts[2:])

    def test_keyspace_counts_and_avg_ttl(self):
        self.make_state()
        ours, theirs = values(self.info(self.v, "keyspace")), values(self.info(self.r, "keyspace"))
        self.assertEqual(sorted(ours), ["db0", "db3"])
        for db in ("db0", "db3"):
            ours_counts = ours[db].split(",")
            self.assertEqual(ours_counts[:2], theirs[db].split(",")[:2])
            # db0 also holds the keys the lookup commands of make_state made.
            self.assertEqual(ours_counts[:2], ["keys=5" if db == "db0" else "keys=3", "expires=1"])
            # The one volatile key has about 1000 s left.
            avg_ttl = int(ours_counts[2].split("=")[1])
            self.assertTrue(990000 < avg_ttl <= 1000000, avg_ttl)

    def test_resetstat_clears_errorstats(self):
        self.make_state()
        self.v.config_resetstat()
        ours = values(self.info(self.v, "errorstats", "stats"))
        self.assertEqual([k for k in ours if k.startswith("errorstat_")], [])
        self.assertEqual(ours["total_error_replies"], "0")

    def test_memory_peak_outlives_resetstat_as_redis(self):
        self.v.set("big", "x" * (8 << 20))
        peak = int(values(self.info(self.v, "memory"))["used_memory_peak"])
        self.assertGreater(peak, 8 << 20)
        self.v.delete("big")
        self.v.config_resetstat()
        ours = values(self.info(self.v, "memory"))
        self.assertLess(int(ours["used_memory"]), 8 << 20)
        self.assertGreaterEqual(int(ours["used_memory_peak"]), peak)

    def test_memory_and_cpu_values_are_live(self):
        ours = values(self.info(self.v, "memory", "cpu"))
        used = int(ours["used_memory"])
        self.assertGreater(used, 0)
        self.assertGreaterEqual(int(ours["used_memory_peak"]), used)
        self.assertGreater(int(ours["used_memory_rss"]), 0)
        self.assertGreater(int(ours["total_system_memory"]), 0)
        self.assertEqual(int(ours["used_memory_overhead"]) + int(ours["used_memory_dataset"]),
                         used)
        # jemalloc's own counters, as Redis reports them.
        self.assertEqual(int(ours["allocator_allocated"]), used)
        self.assertLessEqual(used, int(ours["allocator_active"]))
        self.assertLessEqual(int(ours["allocator_active"]), int(ours["allocator_resident"]))
        for field in ["used_cpu_sys", "used_cpu_user", "used_cpu_sys_main_thread",
                      "used_cpu_user_main_thread", "used_cpu_sys_children"]:
            self.assertRegex(ours[field], r"^\d+\.\d{6}$")
        self.assertGreater(float(ours["used_cpu_user"]) + float(ours["used_cpu_sys"]), 0)


if __name__ == "__main__":
    unittest.main()
