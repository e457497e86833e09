#!/usr/bin/env python3
"""Geo commands against Debian's redis-server side by side: every reply is
compared byte for byte on raw RESP2 and RESP3 connections (scores, decoded
coordinates, distances, WITH* shapes, error texts), stored results and
keyspace events too, plus a randomized part of a few hundred points and
queries with a fixed seed whose replies (in Redis's order) must be identical."""
import os
import random
import socket
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vigil_harness import SideBySideTestCase, encode  # noqa: E402


class RawConn:
    """A RESP connection returning each reply as its exact bytes."""

    def __init__(self, port, protocol=2):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buf = b""
        if protocol == 3:
            self.call("HELLO", "3")

    def close(self):
        self.sock.close()

    def call(self, *args):
        self.sock.sendall(encode(*args))
        while True:
            end = self._end(0)
            if end is not None:
                reply, self.buf = self.buf[:end], self.buf[end:]
                return reply
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("closed")
            self.buf += data

    def _end(self, pos):
        """Where the reply starting at `pos` ends, or None if incomplete."""
        eol = self.buf.find(b"\r\n", pos)
        if eol < 0:
            return None
        kind, head, nxt = self.buf[pos:pos + 1], self.buf[pos + 1:eol], eol + 2
        if kind in b"$=!":
            n = int(head)
            if n < 0:
                return nxt
            return nxt + n + 2 if len(self.buf) >= nxt + n + 2 else None
        if kind in b"*~>%|":
            n = int(head)
            items = max(n, 0) * (2 if kind in b"%|" else 1)
            for _ in range(items):
                nxt = self._end(nxt)
                if nxt is None:
                    return None
            return nxt
        return nxt  # + - : , _ # ( one line


SICILY = ["13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania",
          "12.758489", "38.788135", "edge1", "17.241510", "38.788135", "edge2",
          "14.25", "37.0", "mid", "13.5", "38.5", "north"]


class Geo(SideBySideTestCase):
    def setUp(self):
        self.conns = {}
        for name, port in (("v", self.vigil.port), ("r", self.real.port)):
            for proto in (2, 3):
                self.conns[name, proto] = RawConn(port, proto)
        for c in (self.v, self.r):
            c.flushall()
            c.config_set("notify-keyspace-events", "")

    def tearDown(self):
        for c in self.conns.values():
            c.close()

    def same(self, *args, protocols=(2, 3)):
        """Runs the command on both servers; the replies must be identical bytes."""
        reply = None
        for proto in protocols:
            reply = self.conns["v", proto].call(*args)
            expected = self.conns["r", proto].call(*args)
            self.assertEqual(reply, expected, "RESP%d %r" % (proto, args))
        return reply

    def same_error(self, *args):
        reply = self.same(*args)
        self.assertTrue(reply.startswith(b"-"), (args, reply))
        return reply

    def both(self, *args):
        """A setup command run once on each server (RESP2), replies compared."""
        return self.same(*args, protocols=(2,))

    def load(self, key, triples):
        self.both("GEOADD", key, *triples)

    def zset(self, key):
        return self.same("ZRANGE", key, "0", "-1", "WITHSCORES")

    # ---- GEOADD ----

    def test_geoadd_scores_and_options(self):
        self.assertEqual(self.both("GEOADD", "Sicily", *SICILY[:6]), b":2\r\n")
        self.assertIn(b"3479099956230698", self.same("ZSCORE", "Sicily", "Palermo"))
        self.assertIn(b"3479447370796909", self.same("ZSCORE", "Sicily", "Catania"))
        # The limits of the Mercator range, both signs of zero, and a tiny offset.
        self.both("GEOADD", "edges", "180", "85.05112878", "ne", "-180", "-85.05112878", "sw",
                  "-180", "85.05112878", "nw", "180", "-85.05112878", "se", "0", "0", "zero",
                  "-0", "-0", "negzero", "-0.0000001", "0", "west", "1e-300", "1e-300", "tiny",
                  "0x10", "0x1p3", "hex")
        self.zset("edges")
        self.same("GEOPOS", "edges", "ne", "sw", "nw", "se", "zero", "negzero", "west", "tiny",
                  "hex", "missing")
        self.same("GEOHASH", "edges", "ne", "sw", "nw", "se", "zero", "west", "hex", "missing")
        # NX, XX, CH in any order and case.
        self.assertEqual(self.both("GEOADD", "Sicily", "nx", "1", "1", "Palermo", "2", "2", "new"),
                         b":1\r\n")
        self.assertEqual(self.both("GEOADD", "Sicily", "XX", "ch", "1", "1", "Palermo", "3", "3",
                                   "absent"), b":1\r\n")
        self.assertEqual(self.both("GEOADD", "Sicily", "CH", "1", "1", "Palermo", "4", "4",
                                   "other"), b":1\r\n")
        self.assertEqual(self.both("GEOADD", "Sicily", "ch", "xx", "1", "1", "Palermo"), b":0\r\n")
        self.assertEqual(self.both("GEOADD", "nokey", "xx", "1", "1", "a"), b":0\r\n")
        # The same member twice: added, then moved.
        self.assertEqual(self.both("GEOADD", "twice", "CH", "1", "1", "a", "2", "2", "a"),
                         b":2\r\n")
        self.assertEqual(self.both("GEOADD", "twice", "3", "3", "b", "4", "4", "b"), b":1\r\n")
        self.zset("twice")
        self.same("EXISTS", "nokey")
        self.zset("Sicily")
        # A member over zset-max-listpack-value starts a skiplist, as ZADD.
        self.both("GEOADD", "long", "1", "1", "m" * 65)
        self.same("OBJECT", "ENCODING", "long")
        self.same("OBJECT", "ENCODING", "Sicily")

    def test_geoadd_errors(self):
        self.both("SET", "str", "x")
        for args in (
            ("GEOADD", "k", "200", "100", "x"),
            ("GEOADD", "k", "1", "86", "x"),
            ("GEOADD", "k", "-180.0000001", "0", "x"),
            ("GEOADD", "k", "abc", "1", "x"),
            ("GEOADD", "k", "1", "abc", "x"),
            ("GEOADD", "k", "1e400", "1", "x"),
            ("GEOADD", "k", "nan", "1", "x"),
            ("GEOADD", "k", "inf", "1", "x"),
            ("GEOADD", "k", " 1", "1", "x"),
            ("GEOADD", "k", "1", "1", "x", "2", "2"),
            ("GEOADD", "k", "1", "1", "x", "500", "2", "y"),
            ("GEOADD", "k", "nx", "xx", "1", "1", "x"),
            ("GEOADD", "k", "ch", "ch", "ch"),
            ("GEOADD", "k", "gt", "1", "1"),
            ("GEOADD", "k", "gt", "1", "1", "x"),
            ("GEOADD", "k", "1", "1"),
            ("GEOADD", "str", "1", "1", "x"),
            ("GEOADD", "str", "1", "100", "x"),
        ):
            self.same_error(*args)
        self.same("EXISTS", "k")

    def test_geoadd_events_and_propagation(self):
        for c in (self.v, self.r):
            c.config_set("notify-keyspace-events", "KEA")
        subs = [c.pubsub() for c in (self.v, self.r)]
        for p in subs:
            p.psubscribe("__keyevent@0__:*")
            p.get_message(timeout=1)
        self.both("GEOADD", "g", "1", "1", "a")
        self.both("GEOADD", "g", "1", "1", "a")  # unchanged: no event
        self.both("GEOADD", "g", "ch", "2", "2", "a")
        self.both("GEOSEARCHSTORE", "dst", "g", "FROMLONLAT", "2", "2", "BYRADIUS", "10", "km")
        self.both("GEORADIUS", "g", "2", "2", "10", "km", "STORE", "dst2")
        self.both("GEORADIUS", "g", "50", "50", "10", "km", "STOREDIST", "dst2")
        self.both("GEOSEARCHSTORE", "dst", "missing", "FROMLONLAT", "2", "2", "BYRADIUS", "1",
                  "km")
        events = []
        for p in subs:
            got = []
            while True:
                m = p.get_message(timeout=0.5)
                if m is None:
                    break
                got.append((m["channel"], m["data"]))
            events.append(got)
            p.close()
        self.assertEqual(events[0], events[1])
        self.assertEqual([e[0].decode().split(":")[-1] for e in events[1]],
                         ["zadd", "zadd", "geosearchstore", "georadiusstore", "del", "del"])

    # ---- GEOPOS GEOHASH GEODIST ----

    def test_pos_hash_dist(self):
        self.load("Sicily", SICILY)
        self.same("GEOPOS", "Sicily", "Palermo", "Catania", "nope", "mid")
        self.same("GEOPOS", "Sicily")
        self.same("GEOPOS", "missing", "a", "b")
        self.same("GEOHASH", "Sicily", "Palermo", "Catania", "nope", "edge1", "edge2")
        self.same("GEOHASH", "Sicily")
        self.same("GEOHASH", "missing", "a")
        for unit in ("m", "km", "KM", "ft", "Mi", "mI"):
            self.same("GEODIST", "Sicily", "Palermo", "Catania", unit)
        self.same("GEODIST", "Sicily", "Palermo", "Catania")
        self.same("GEODIST", "Sicily", "Palermo", "Palermo")
        self.same("GEODIST", "Sicily", "Palermo", "nope")
        self.same("GEODIST", "missing", "a", "b")
        self.same_error("GEODIST", "Sicily", "Palermo", "Catania", "yd")
        self.same_error("GEODIST", "missing", "a", "b", "yd")
        self.same_error("GEODIST", "Sicily", "Palermo", "Catania", "km", "x")
        # Points on one meridian take Redis's shortcut; far apart ones do not.
        self.both("GEOADD", "m", "10", "0", "a", "10", "80", "b", "-170", "-80", "c")
        self.same("GEODIST", "m", "a", "b")
        self.same("GEODIST", "m", "b", "c", "mi")
        # Scores that no GEOADD makes still decode as Redis decodes them.
        self.both("ZADD", "odd", "-1", "neg", "1e300", "huge", "4503599627370495", "top",
                  "0.5", "half", "-inf", "ninf")
        self.same("GEOPOS", "odd", "neg", "huge", "top", "half", "ninf")
        self.same("GEOHASH", "odd", "neg", "huge", "top", "half", "ninf")
        self.same("GEODIST", "odd", "neg", "top")
        self.same("GEOSEARCH", "odd", "FROMLONLAT", "0", "0", "BYRADIUS", "30000", "km",
                  "WITHHASH", "WITHCOORD", "ASC")
        self.both("SET", "str", "x")
        for cmd in (("GEOPOS", "str", "a"), ("GEOHASH", "str", "a"),
                    ("GEODIST", "str", "a", "b"), ("GEODIST", "str", "a", "b", "km")):
            self.same_error(*cmd)
        self.same_error("GEODIST", "str", "a", "b", "parsec")

    # ---- searches ----

    def test_search_replies(self):
        self.load("Sicily", SICILY)
        forms = [
            ("GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"),
            ("GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "200", "km"),
            ("GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "400", "400", "km"),
            ("GEOSEARCH", "Sicily", "FROMMEMBER", "mid", "BYBOX", "300", "150", "mi"),
            ("GEORADIUS", "Sicily", "15", "37", "200", "km"),
            ("GEORADIUS_RO", "Sicily", "15", "37", "200000", "m"),
            ("GEORADIUSBYMEMBER", "Sicily", "Palermo", "650000", "ft"),
            ("GEORADIUSBYMEMBER_RO", "Sicily", "Catania", "150", "mi"),
        ]
        options = [(), ("ASC",), ("DESC",), ("WITHDIST",), ("WITHCOORD",), ("WITHHASH",),
                   ("WITHDIST", "WITHHASH", "WITHCOORD", "ASC"),
                   ("withcoord", "withdist", "desc"), ("COUNT", "2"), ("COUNT", "2", "DESC"),
                   ("COUNT", "1", "ANY"), ("COUNT", "3", "ANY", "ASC", "WITHDIST"),
                   ("COUNT", "100"), ("ASC", "DESC"), ("COUNT", "1", "COUNT", "4")]
        for form in forms:
            for opts in options:
                self.same(*(form + opts))
        # Radius 0, huge radii and boxes (neighbour cells repeat), poles, the antimeridian.
        for args in (
            ("GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "0", "m"),
            ("GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYBOX", "0", "0", "m"),
            ("GEOSEARCH", "Sicily", "FROMLONLAT", "0", "0", "BYRADIUS", "10000", "km", "ASC"),
            ("GEOSEARCH", "Sicily", "FROMLONLAT", "-170", "80", "BYRADIUS", "25000", "km"),
            ("GEOSEARCH", "Sicily", "FROMLONLAT", "179.9", "-85", "BYBOX", "50000", "50000",
             "km", "DESC"),
            ("GEORADIUS", "Sicily", "15", "37", "inf", "m"),
            ("GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "inf", "1", "m"),
            ("GEORADIUS", "Sicily", "180", "85.05112878", "20000", "km", "WITHDIST"),
        ):
            self.same(*args)

    def test_search_on_missing_and_wrong_keys(self):
        self.both("SET", "str", "x")
        self.both("GEOADD", "g", "1", "1", "a")
        for args in (
            ("GEOSEARCH", "missing", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km"),
            ("GEOSEARCH", "missing", "FROMMEMBER", "x", "BYBOX", "1", "1", "km"),
            ("GEORADIUS", "missing", "1", "1", "1", "km"),
            ("GEORADIUSBYMEMBER", "missing", "x", "nonsense", "unit"),
            ("GEORADIUSBYMEMBER_RO", "missing", "x", "1", "km", "WITHDIST"),
            ("GEORADIUSBYMEMBER", "missing", "x", "1", "km", "STORE", "g"),
            ("GEOSEARCHSTORE", "dst", "missing", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km"),
        ):
            self.same(*args)
        self.same("EXISTS", "g")
        for args in (
            ("GEOSEARCH", "str", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km"),
            ("GEORADIUS", "str", "1000", "1", "1", "km"),
            ("GEORADIUSBYMEMBER", "str", "x", "1", "km"),
            ("GEOSEARCHSTORE", "dst", "str", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km"),
            ("GEOSEARCH", "missing", "FROMLONLAT", "1", "1"),
            ("GEORADIUSBYMEMBER", "missing", "x", "1", "km", "ANY"),
        ):
            self.same_error(*args)

    def test_search_errors(self):
        self.load("Sicily", SICILY)
        for args in (
            ("GEORADIUS", "Sicily", "200", "100", "1", "km"),
            ("GEORADIUS", "Sicily", "x", "1", "1", "km"),
            ("GEORADIUS", "Sicily", "1", "1", "x", "km"),
            ("GEORADIUS", "Sicily", "1", "1", "-1", "km"),
            ("GEORADIUS", "Sicily", "1", "1", "1", "parsec"),
            ("GEORADIUS", "Sicily", "1", "1", "1", "km", "COUNT"),
            ("GEORADIUS", "Sicily", "1", "1", "1", "km", "COUNT", "0"),
            ("GEORADIUS", "Sicily", "1", "1", "1", "km", "COUNT", "-3"),
            ("GEORADIUS", "Sicily", "1", "1", "1", "km", "COUNT", "x"),
            ("GEORADIUS", "Sicily", "1", "1", "1", "km", "ANY"),
            ("GEORADIUS", "Sicily", "1", "1", "1", "km", "STORE"),
            ("GEORADIUS", "Sicily", "1", "1", "1", "km", "STORE", "d", "WITHDIST"),
            ("GEORADIUS", "Sicily", "1", "1", "1", "km", "WITHHASH", "STOREDIST", "d"),
            ("GEORADIUS", "Sicily", "1", "1", "1", "km", "FROMMEMBER", "Palermo"),
            ("GEORADIUS", "Sicily", "1", "1", "1", "km", "BOGUS"),
            ("GEORADIUS_RO", "Sicily", "1", "1", "1", "km", "STORE", "d"),
            ("GEORADIUSBYMEMBER_RO", "Sicily", "Palermo", "1", "km", "STOREDIST", "d"),
            ("GEORADIUSBYMEMBER", "Sicily", "nope", "1", "km"),
            ("GEORADIUSBYMEMBER", "Sicily", "Palermo", "x", "km"),
            ("GEOSEARCH", "Sicily", "BYRADIUS", "1", "km"),
            ("geosearch", "Sicily", "BYRADIUS", "1", "km", "ASC"),
            ("GeoSearch", "Sicily", "FROMLONLAT", "1", "1", "ASC"),
            ("GEOSEARCH", "Sicily", "FROMMEMBER", "nope", "BYRADIUS", "1", "km"),
            ("GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "FROMLONLAT", "1", "1", "BYRADIUS",
             "1", "km"),
            ("GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "FROMMEMBER", "Palermo", "BYRADIUS",
             "1", "km"),
            ("GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km", "BYBOX", "1",
             "1", "km"),
            ("GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYBOX", "1", "1", "km", "BYRADIUS",
             "1", "km"),
            ("GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYBOX", "-1", "1", "km"),
            ("GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYBOX", "x", "y", "km"),
            ("GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYBOX", "1", "y", "km"),
            ("GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYBOX", "1", "1", "yd"),
            ("GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYBOX", "1", "1"),
            ("GEOSEARCH", "Sicily", "FROMLONLAT", "1", "100", "BYRADIUS", "1", "km"),
            ("GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km", "STORE", "d"),
            ("GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km", "STOREDIST"),
            ("GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km", "ANY"),
            ("GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km", "COUNT",
             "0", "BOGUS"),
            ("GEOSEARCH", "Sicily", "BYRADIUS", "1", "km", "ANY", "WITHDIST"),
            ("GEOSEARCHSTORE", "d", "Sicily", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km",
             "WITHDIST"),
            ("GEOSEARCHSTORE", "d", "Sicily", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km",
             "STORE", "x"),
            ("GEOSEARCHSTORE", "d", "Sicily", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km",
             "STOREDIST", "x"),
            ("geosearchstore", "d", "Sicily", "BYRADIUS", "1", "km", "STOREDIST"),
            ("GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYRADIUS", "1"),
            ("GEOSEARCH", "Sicily"),
            ("GEORADIUS", "Sicily", "1", "1", "1"),
            ("GEOPOS",),
            ("GEODIST", "Sicily", "a"),
        ):
            self.same_error(*args)

    def test_store(self):
        self.load("Sicily", SICILY)
        self.both("SET", "dst", "string")
        self.assertEqual(self.same("GEOSEARCHSTORE", "dst", "Sicily", "FROMLONLAT", "15", "37",
                                   "BYRADIUS", "200", "km"), b":3\r\n")
        self.zset("dst")
        self.same("OBJECT", "ENCODING", "dst")
        self.same("GEOSEARCHSTORE", "dst", "Sicily", "FROMMEMBER", "mid", "BYBOX", "400", "400",
                  "km", "STOREDIST", "COUNT", "3", "DESC")
        self.zset("dst")
        self.same("GEOSEARCHSTORE", "dst", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "1",
                  "m", "STOREDIST")
        self.same("EXISTS", "dst")
        self.same("GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "d2", "COUNT", "2")
        self.zset("d2")
        self.same("GEORADIUS", "Sicily", "15", "37", "200", "mi", "STOREDIST", "d2", "ASC")
        self.zset("d2")
        self.same("GEORADIUSBYMEMBER", "Sicily", "Palermo", "300", "km", "STOREDIST", "d3",
                  "STORE", "d4")
        self.zset("d3")
        self.zset("d4")
        # The source as destination.
        self.same("GEORADIUSBYMEMBER", "Sicily", "Palermo", "100", "km", "STORE", "Sicily")
        self.zset("Sicily")
        # A result past zset-max-listpack-entries is stored as a skiplist.
        random.seed(5)
        pts = []
        for i in range(200):
            pts += ["%.6f" % random.uniform(10, 11), "%.6f" % random.uniform(40, 41), "p%d" % i]
        self.load("many", pts)
        self.same("GEOSEARCHSTORE", "big", "many", "FROMLONLAT", "10.5", "40.5", "BYRADIUS",
                  "200", "km")
        self.same("OBJECT", "ENCODING", "big")
        self.zset("big")

    def test_ties(self):
        # Members at the same place: equal scores (visited by member) and
        # equal distances, ordered as glibc's stable qsort leaves them, or as
        # Redis's pqsort does when COUNT cuts the list.
        self.load("t", ["5", "5", "c", "5", "5", "a", "5", "5", "b", "5.1", "5", "z",
                        "4.9", "5", "y", "5", "5.1", "x"])
        for opts in ((), ("ASC",), ("DESC",), ("COUNT", "2", "ANY"), ("WITHDIST",),
                     ("COUNT", "2"), ("COUNT", "4", "DESC")):
            self.same("GEOSEARCH", "t", "FROMLONLAT", "5", "5", "BYRADIUS", "100", "km", *opts)
            self.same("GEORADIUSBYMEMBER", "t", "a", "100", "km", *opts)
        # Enough ties for pqsort to partition (and, past 40, take medians of 3).
        rng = random.Random(3)
        places = [("%.4f" % rng.uniform(1, 2), "%.4f" % rng.uniform(1, 2)) for _ in range(4)]
        self.load("many", [x for i in range(90) for x in (*rng.choice(places), "t%d" % i)])
        for count in ("1", "7", "8", "30", "41", "89", "90", "200"):
            for order in ("ASC", "DESC"):
                self.same("GEOSEARCH", "many", "FROMLONLAT", "1.5", "1.5", "BYRADIUS", "500",
                          "km", "COUNT", count, order)

    # ---- randomized ----

    def random_points(self, rng, n):
        """Clusters (so searches find many members) plus points anywhere."""
        out, centres = [], [(rng.uniform(-175, 175), rng.uniform(-80, 80)) for _ in range(6)]
        for i in range(n):
            if i % 4 == 0:
                lon, lat = rng.uniform(-180, 180), rng.uniform(-85.05112878, 85.05112878)
            else:
                cx, cy = rng.choice(centres)
                lon = min(180, max(-180, cx + rng.gauss(0, 2)))
                lat = min(85.05, max(-85.05, cy + rng.gauss(0, 1)))
            out.append((repr(lon), repr(lat), "m%d" % i))
        return out, centres

    def random_query(self, rng, key, points, centres):
        unit, scale = rng.choice([("m", 1000), ("km", 1), ("ft", 3280.84), ("mi", 0.621371),
                                  ("KM", 1)])
        size = lambda: "%.3f" % (rng.choice([1, 10, 50, 200, 1000, 5000, 12000]) *
                                 rng.uniform(0.1, 1.5) * scale)
        cx, cy = rng.choice(centres)
        lon, lat = "%.5f" % (cx + rng.gauss(0, 2)), "%.5f" % max(-85, min(85, cy + rng.gauss(0, 1)))
        member = rng.choice(points)[2]
        opts = []
        for word in ("WITHDIST", "WITHCOORD", "WITHHASH"):
            if rng.random() < 0.3:
                opts.append(word)
        sort = rng.choice([None, None, "ASC", "DESC"])
        if sort:
            opts.append(sort)
        if rng.random() < 0.4:
            opts += ["COUNT", str(rng.randint(1, 30))]
            if rng.random() < 0.3:
                opts.append("ANY")
        kind = rng.randrange(5)
        if kind == 0:
            return ("GEOSEARCH", key, "FROMLONLAT", lon, lat, "BYRADIUS", size(), unit, *opts)
        if kind == 1:
            return ("GEOSEARCH", key, "FROMMEMBER", member, "BYBOX", size(), size(), unit, *opts)
        if kind == 2:
            return ("GEOSEARCH", key, "FROMLONLAT", lon, lat, "BYBOX", size(), size(), unit, *opts)
        if kind == 3:
            return ("GEORADIUS", key, lon, lat, size(), unit, *opts)
        return ("GEORADIUSBYMEMBER_RO", key, member, size(), unit, *opts)

    def run_random(self, key, npoints, nqueries, seed):
        rng = random.Random(seed)
        points, centres = self.random_points(rng, npoints)
        for i in range(0, len(points), 50):
            self.load(key, [x for p in points[i:i + 50] for x in p])
        self.zset(key)
        nonempty = 0
        for _ in range(nqueries):
            q = self.random_query(rng, key, points, centres)
            # Replies in Redis's own order: sorted ones by distance, unsorted
            # ones in the order its cells are visited.
            reply = self.same(*q)
            nonempty += not reply.startswith(b"*0\r\n")
            if rng.random() < 0.1:
                store = ("GEOSEARCHSTORE", "dst", *q[1:])
                if q[0].startswith("GEORADIUS"):
                    continue
                store = tuple(a for a in store if a not in ("WITHDIST", "WITHCOORD", "WITHHASH"))
                self.same(*(store + ("STOREDIST",)), protocols=(2,))
                self.zset("dst")
        # The queries must exercise something.
        self.assertGreater(nonempty, nqueries // 3)

    def test_random_large_set(self):
        self.run_random("big", 400, 400, 20261203)
        self.same("OBJECT", "ENCODING", "big")

    def test_random_small_set(self):
        self.run_random("small", 100, 200, 77)
        self.same("OBJECT", "ENCODING", "small")


if __name__ == "__main__":
    unittest.main()
