"""Seeded random command generators, one table per family. A small key space
(k0..k9, each family preferring a few of them) and member pool make commands
collide, hit wrong types and cross encoding thresholds."""
import time

from .steps import Plain, PubSub, RandomKey, RandomPick, Scan, Tx

KEYS = ["k%d" % i for i in range(10)]
HOME = {"strings": (0, 1), "lists": (2, 3), "hashes": (4, 5), "sets": (6, 7), "zsets": (8, 9),
        "sort": (2, 3, 6, 7, 8, 9), "keys": tuple(range(10))}
# Families are picked in proportion to their number of commands, except these
# few-command families; inside a family commands are equally likely, except:
FAMILY_WEIGHT = {"sort": 6, "transactions": 6, "pubsub": 6}
# adds are favoured and draining commands (ranges removed, stores of often
# empty results over the destination) damped, so collections grow past a few
# members and cross the encoding thresholds.
COMMAND_WEIGHT = {"multi": 8, "zadd": 6, "sadd": 5, "hset": 4, "rpush": 3, "lpush": 3,
                  "zremrangebyrank": 0.3, "zremrangebyscore": 0.3, "zremrangebylex": 0.3,
                  "zinterstore": 0.5, "zdiffstore": 0.5, "zrangestore": 0.5,
                  "sinterstore": 0.5, "sdiffstore": 0.5, "ltrim": 0.5}
INTS = ["0", "1", "-1", "2", "3", "5", "10", "42", "-100", "9223372036854775807",
        "-9223372036854775808"]
BAD_INTS = ["-0", "+1", " 1", "1 ", "00", "1.5", "abc", "", "9223372036854775808", "0x10"]
SCORES = ["0", "1", "2", "3", "-1", "0.5", "1.5", "-2.25", "10", "1e3", "0.1", "inf", "-inf",
          "+inf", "0x10"]
BAD_SCORES = ["nan", "abc", "", "1e400", "1,5"]
STRINGS = ["a", "b", "hello", "", "12", "-5", "3.0", "x" * 45, "y" * 70, "\x00bin\xff", "1e3"]
FAR = 100000  # TTLs far enough in the future that no key expires during a run


def b(x):
    return x if isinstance(x, bytes) else str(x).encode("latin-1")


def P(*parts, mode="exact", key=None):
    return Plain([b(p) for p in parts], mode, None if key is None else b(key))


class Gen:
    def __init__(self, rng, families, supported):
        self.r = rng
        self.families = families
        self.supported = supported
        self.now = int(time.time())
        self.arity = {}  # command -> arity, filled from redis's COMMAND INFO
        self.error_rate = 1.0
        self.tables = {}
        for fam in families:
            table = {name: fn for name, fn in FAMILIES[fam](self).items()
                     if name.split()[0] in supported}
            if table:
                self.tables[fam] = table

    # ---- argument pools -------------------------------------------------
    def pick(self, seq):
        return self.r.choice(seq)

    def chance(self, p):
        return self.r.random() < p

    def bad(self, p):
        """Whether to make an argument invalid (never with --no-errors)."""
        return self.chance(p * self.error_rate)

    def key(self, fam=None):
        home = HOME.get(fam or self.fam, HOME["keys"])
        return KEYS[self.pick(home)] if self.chance(0.9) else self.pick(KEYS)

    def keys(self, lo=1, hi=3):
        return [self.key() for _ in range(self.r.randint(lo, hi))]

    def member(self):
        x = self.r.random()
        if x < 0.45:
            return "m%d" % self.r.randint(0, 19)
        if x < 0.9:
            return str(self.r.randint(0, 19))
        return self.pick(["L" * 70 + str(self.r.randint(0, 2)), "", "-1", "3.0", "1e3"])

    def members(self, lo=1, hi=6):
        n = self.r.randint(lo, hi) if not self.chance(0.03) else self.r.randint(20, 150)
        return [self.member() if n < 20 else "n%d" % self.r.randint(0, 400) for _ in range(n)]

    def value(self):
        return self.pick(STRINGS) if self.chance(0.6) else self.pick(INTS + SCORES)

    def int_arg(self, pool=("0", "1", "2", "3", "5", "-1", "-2", "-5", "100")):
        return self.pick(BAD_INTS) if self.bad(0.05) else self.pick(pool)

    def score(self):
        return self.pick(BAD_SCORES) if self.bad(0.04) else self.pick(SCORES)

    def ttl(self):
        return self.pick(["0", "-1", "abc", "1.5"]) if self.bad(0.05) else \
            str(self.r.randint(1000, FAR))

    def expiry_opts(self, keepttl=True):
        t = self.ttl()
        opts = [["EX", t], ["PX", t + "000" if t.isdigit() else t],
                ["EXAT", str(self.now + self.r.randint(1000, FAR))],
                ["PXAT", str((self.now + self.r.randint(1000, FAR)) * 1000)]]
        if keepttl:
            opts.append(["KEEPTTL"])
        return self.pick(opts)

    def timeout(self):
        return self.pick(["-1", "abc"]) if self.bad(0.4) else "0.01"

    def withopt(self, p, *words):
        return list(words) if self.chance(p) else []

    def next(self):
        fams = list(self.tables)
        self.fam = self.r.choices(fams, [FAMILY_WEIGHT.get(f, len(self.tables[f]))
                                         for f in fams])[0]
        table = self.tables[self.fam]
        names = list(table)
        name = self.r.choices(names, [COMMAND_WEIGHT.get(n, 1) for n in names])[0]
        if self.bad(0.03):
            return self.error_step(name)
        return table[name]()

    def error_step(self, name):
        """Wrong arity for `name` (arity from redis's COMMAND INFO) or an
        unknown command."""
        arity = self.arity.get(name.split()[0])
        if not arity or self.chance(0.1):
            return P("NOSUCHCMD", *self.keys(0, 2))
        argc = arity + 1 if arity > 0 else -arity - 1
        if arity > 0 and arity > 1 and self.chance(0.5):
            argc = arity - 1
        return P(*name.split()[:1], *self.keys(argc - 1, argc - 1))


# ---- families ------------------------------------------------------------
def strings(g):
    def set_():
        opts = g.withopt(0.3, g.pick(["NX", "XX"])) + g.withopt(0.2, "GET")
        opts += g.expiry_opts() if g.chance(0.3) else []
        if g.bad(0.03):
            opts.append(g.pick(["NX", "XX", "EX", "BADOPT"]))
        return P("SET", g.key(), g.value(), *opts)

    def getex():
        opt = g.pick([[], ["PERSIST"], g.expiry_opts(False), ["EX"], ["BAD"]])
        return P("GETEX", g.key(), *opt)

    def mset(cmd):
        return lambda: P(cmd, *[x for k in g.keys() for x in (k, g.value())])

    return {
        "set": set_, "get": lambda: P("GET", g.key()), "getset": lambda: P("GETSET", g.key(),
                                                                             g.value()),
        "getdel": lambda: P("GETDEL", g.key()), "getex": getex,
        "setnx": lambda: P("SETNX", g.key(), g.value()),
        "setex": lambda: P("SETEX", g.key(), g.ttl(), g.value()),
        "psetex": lambda: P("PSETEX", g.key(), g.ttl() + "000", g.value()),
        "mget": lambda: P("MGET", *g.keys()), "mset": mset("MSET"), "msetnx": mset("MSETNX"),
        "append": lambda: P("APPEND", g.key(), g.value()),
        "strlen": lambda: P("STRLEN", g.key()),
        "incr": lambda: P("INCR", g.key()), "decr": lambda: P("DECR", g.key()),
        "incrby": lambda: P("INCRBY", g.key(), g.int_arg(INTS)),
        "decrby": lambda: P("DECRBY", g.key(), g.int_arg(INTS)),
        "incrbyfloat": lambda: P("INCRBYFLOAT", g.key(), g.score()),
        "getrange": lambda: P("GETRANGE", g.key(), g.int_arg(), g.int_arg()),
        "substr": lambda: P("SUBSTR", g.key(), g.int_arg(), g.int_arg()),
        "setrange": lambda: P("SETRANGE", g.key(), g.pick(["0", "1", "5", "-1", "536870912"]),
                              g.value()),
        "lcs": lambda: P("LCS", g.key(), g.key(), *g.withopt(0.3, g.pick(["LEN", "IDX"]))),
    }


def keys(g):
    def expire(cmd, absolute=False, scale=1):
        def make():
            t = g.ttl()
            if absolute and t.isdigit():
                t = str((g.now + int(t)) * scale)
            elif t.isdigit():
                t = str(int(t) * scale)
            return P(cmd, g.key(), t, *g.withopt(0.3, g.pick(["NX", "XX", "GT", "LT", "ZZ"])))
        return make

    def ttl(cmd, tol):
        return lambda: P(cmd, g.key(), mode="ttl:%d" % tol)

    def scan():
        args = ["SCAN", "0"] + g.withopt(0.5, "MATCH", g.pick(["k*", "*1", "k[2-5]"]))
        count = g.pick(["0", "x"]) if g.bad(0.3) else g.pick(["1", "3", "100"])
        args += g.withopt(0.3, "COUNT", count)
        types = ["string", "list", "hash", "set", "zset"] + (["nope"] if g.bad(0.2) else [])
        args += g.withopt(0.3, "TYPE", g.pick(types))
        return Scan([b(x) for x in args], 1, False)

    return {
        "del": lambda: P("DEL", *g.keys()), "unlink": lambda: P("UNLINK", *g.keys()),
        "exists": lambda: P("EXISTS", *g.keys()), "type": lambda: P("TYPE", g.key()),
        "keys": lambda: P("KEYS", g.pick(["*", "k*", "k[0-3]", "k?", "*1", "x*", "k[^1]*"]),
                          mode="unordered"),
        "dbsize": lambda: P("DBSIZE"),
        "expire": expire("EXPIRE"), "pexpire": expire("PEXPIRE", scale=1000),
        "expireat": expire("EXPIREAT", True), "pexpireat": expire("PEXPIREAT", True, 1000),
        "ttl": ttl("TTL", 2), "pttl": ttl("PTTL", 2000), "expiretime": ttl("EXPIRETIME", 2),
        "pexpiretime": ttl("PEXPIRETIME", 2000), "persist": lambda: P("PERSIST", g.key()),
        "touch": lambda: P("TOUCH", *g.keys()),
        "rename": lambda: P("RENAME", g.key(), g.key()),
        "renamenx": lambda: P("RENAMENX", g.key(), g.key()),
        "copy": lambda: P("COPY", g.key(), g.key(), *g.withopt(0.4, "REPLACE"),
                          *g.withopt(0.1, "DB", g.pick(["0", "1", "x"]))),
        "move": lambda: P("MOVE", g.key(), g.pick(["1", "0", "x"])) if g.chance(0.2)
        else P("TYPE", g.key()),
        "randomkey": RandomKey,
        "object encoding": lambda: P("OBJECT", "ENCODING", g.key()),
        "scan": scan,
        "flushdb": lambda: P("FLUSHDB") if g.chance(0.05) else P("DBSIZE"),
    }


def lists(g):
    def push(cmd):
        return lambda: P(cmd, g.key(), *g.members())

    def side():
        return g.pick(["LEFT", "RIGHT", "UP"] if g.bad(0.05) else ["LEFT", "RIGHT"])

    def pop(cmd):
        return lambda: P(cmd, g.key(), *g.withopt(0.5, g.int_arg()))

    def lmpop(cmd, blocking):
        return lambda: mpop(g, cmd, blocking, side())

    def lpos():
        opts = g.withopt(0.4, "RANK", g.int_arg(("1", "2", "-1", "-2", "0")))
        opts += g.withopt(0.4, "COUNT", g.int_arg(("0", "1", "2", "-1")))
        opts += g.withopt(0.3, "MAXLEN", g.int_arg(("0", "1", "3", "-1")))
        return P("LPOS", g.key(), g.member(), *opts)

    return {
        "lpush": push("LPUSH"), "rpush": push("RPUSH"), "lpushx": push("LPUSHX"),
        "rpushx": push("RPUSHX"), "lpop": pop("LPOP"), "rpop": pop("RPOP"),
        "llen": lambda: P("LLEN", g.key()),
        "lindex": lambda: P("LINDEX", g.key(), g.int_arg()),
        "lset": lambda: P("LSET", g.key(), g.int_arg(), g.member()),
        "lrange": lambda: P("LRANGE", g.key(), g.int_arg(), g.int_arg()),
        "ltrim": lambda: P("LTRIM", g.key(), g.int_arg(), g.int_arg()),
        "linsert": lambda: P("LINSERT", g.key(), "MIDDLE" if g.bad(0.3) else g.pick(
            ["BEFORE", "AFTER"]), g.member(), g.member()),
        "lrem": lambda: P("LREM", g.key(), g.int_arg(), g.member()),
        "lpos": lpos,
        "lmove": lambda: P("LMOVE", g.key(), g.key(), side(), side()),
        "rpoplpush": lambda: P("RPOPLPUSH", g.key(), g.key()),
        "lmpop": lmpop("LMPOP", False), "blmpop": lmpop("BLMPOP", True),
        "blpop": lambda: P("BLPOP", *g.keys(), g.timeout()),
        "brpop": lambda: P("BRPOP", *g.keys(), g.timeout()),
        "blmove": lambda: P("BLMOVE", g.key(), g.key(), side(), side(), g.timeout()),
        "brpoplpush": lambda: P("BRPOPLPUSH", g.key(), g.key(), g.timeout()),
    }


def mpop(g, cmd, blocking, where):
    """[B]LMPOP / [B]ZMPOP: [timeout] numkeys key... where [COUNT n]."""
    ks = g.keys()
    n = str(len(ks)) if not g.bad(0.05) else g.pick(["0", "-1", "9"])
    pre = [g.timeout()] if blocking else []
    return P(cmd, *pre, n, *ks, where, *g.withopt(0.5, "COUNT", g.int_arg()))


def field(g):
    return "f%d" % g.r.randint(0, 9) if g.chance(0.6) else g.member()


def scan_step(g, cmd, pairs, patterns):
    args = [cmd, g.key(), "0"] + g.withopt(0.4, "MATCH", g.pick(patterns))
    args += g.withopt(0.3, "COUNT", "0" if g.bad(0.2) else g.pick(["1", "2", "100"]))
    return Scan([b(x) for x in args], 2, pairs)


def hashes(g):
    def hset(cmd):
        def make():
            n = 1 if cmd == "HSETNX" else g.r.randint(1, 4)
            if g.bad(0.03):
                n = g.r.randint(20, 150)
            fv = [x for _ in range(n) for x in (field(g) if n < 20 else "h%d" % g.r.randint(
                0, 300), g.value())]
            if g.chance(0.03):
                fv = fv[:-1]
            return P(cmd, g.key(), *fv)
        return make

    def coll(cmd, mode):
        return lambda: _keyed(g, cmd, mode)

    def randfield():
        args = ["HRANDFIELD", g.key()]
        if g.chance(0.7):
            args.append(g.int_arg(("1", "3", "-3", "0", "20", "-20")))
            args += g.withopt(0.4, "WITHVALUES")
        pairs = "WITHVALUES" in args
        return RandomPick([b(x) for x in args], [b"HGETALL" if pairs else b"HKEYS", b(args[1])],
                          pairs=pairs)

    return {
        "hset": hset("HSET"), "hmset": hset("HMSET"), "hsetnx": hset("HSETNX"),
        "hget": lambda: P("HGET", g.key(), field(g)),
        "hmget": lambda: P("HMGET", g.key(), field(g), field(g)),
        "hdel": lambda: P("HDEL", g.key(), *[field(g) for _ in range(g.r.randint(1, 3))]),
        "hlen": lambda: P("HLEN", g.key()),
        "hstrlen": lambda: P("HSTRLEN", g.key(), field(g)),
        "hexists": lambda: P("HEXISTS", g.key(), field(g)),
        "hkeys": coll("HKEYS", "compact:unordered"), "hvals": coll("HVALS", "compact:unordered"),
        "hgetall": coll("HGETALL", "compact:pairs"),
        "hincrby": lambda: P("HINCRBY", g.key(), field(g), g.int_arg(INTS)),
        "hincrbyfloat": lambda: P("HINCRBYFLOAT", g.key(), field(g), g.score()),
        "hrandfield": randfield,
        "hscan": lambda: scan_step(g, "HSCAN", True, ["f*", "m*", "1*"]),
    }


def _keyed(g, cmd, mode):
    k = g.key()
    return P(cmd, k, mode=mode, key=k)


def sets(g):
    def store(cmd):
        return lambda: P(cmd, g.key(), *g.keys())

    def rand(cmd, resync):
        def make():
            k = g.key()
            args = [cmd, k] + g.withopt(0.6, g.int_arg(("1", "3", "-3", "0", "30", "-30")))
            if resync and len(args) == 3 and args[2].startswith("-"):
                args[2] = args[2][1:]
            return RandomPick([b(x) for x in args], [b"SMEMBERS", b(k)], resync=resync)
        return make

    return {
        "sadd": lambda: P("SADD", g.key(), *g.members()),
        "srem": lambda: P("SREM", g.key(), *g.members()),
        "scard": lambda: P("SCARD", g.key()),
        "sismember": lambda: P("SISMEMBER", g.key(), g.member()),
        "smismember": lambda: P("SMISMEMBER", g.key(), *g.members()),
        "smembers": lambda: _keyed(g, "SMEMBERS", "compact:unordered"),
        "spop": rand("SPOP", True), "srandmember": rand("SRANDMEMBER", False),
        "smove": lambda: P("SMOVE", g.key(), g.key(), g.member()),
        "sinter": lambda: P("SINTER", *g.keys(), mode="unordered"),
        "sunion": lambda: P("SUNION", *g.keys(), mode="unordered"),
        "sdiff": lambda: P("SDIFF", *g.keys(), mode="unordered"),
        "sinterstore": store("SINTERSTORE"), "sunionstore": store("SUNIONSTORE"),
        "sdiffstore": store("SDIFFSTORE"),
        "sintercard": lambda: (lambda ks: P("SINTERCARD", str(len(ks)) if not g.bad(0.05)
                                            else "0", *ks,
                                            *g.withopt(0.4, "LIMIT", g.int_arg())))(g.keys()),
        "sscan": lambda: scan_step(g, "SSCAN", False, ["m*", "1*", "*"]),
    }


def zsets(g):
    def zadd():
        flags = [f for f in ("NX", "XX", "GT", "LT", "CH", "INCR") if g.chance(0.12)]
        n = 1 if "INCR" in flags else g.r.randint(1, 4)
        if g.chance(0.03):
            n = g.r.randint(20, 150)
        sm = [x for _ in range(n) for x in (g.score(), g.member() if n < 20 else
                                            "z%d" % g.r.randint(0, 300))]
        return P("ZADD", g.key(), *flags, *sm)

    def bound():
        if g.bad(0.05):
            return g.pick(["((1", "abc", "nan", "[1"])
        return g.pick(["-inf", "+inf", "inf", "0", "1", "(1", "2", "(2", "0.5", "(-1", "10"])

    def lexbound():
        if g.bad(0.05):
            return g.pick(["m1", "", "x"])
        return g.pick(["-", "+", "[m1", "(m1", "[m5", "(m9", "[1", "(5", "[", "("])

    def ranged(cmd, lex=False, rev=False):
        def make():
            k = g.key()
            lo, hi = (lexbound(), lexbound()) if lex else (bound(), bound())
            opts = g.withopt(0.3, "LIMIT", g.int_arg(("0", "1", "-1")), g.int_arg(
                ("1", "2", "-1", "0")))
            if not lex and cmd.startswith("ZR") and "COUNT" not in cmd and "REM" not in cmd:
                opts += g.withopt(0.4, "WITHSCORES")
            if "REM" in cmd or "COUNT" in cmd:
                opts = []
            return P(cmd, k, lo, hi, *opts, mode="lex" if lex else "exact", key=k)
        return make

    def zrange(cmd):
        def make():
            k = g.key()
            dst = [g.key()] if cmd == "ZRANGESTORE" else []
            kind = g.pick(["", "BYSCORE", "BYLEX"])
            lo, hi = {"": (g.int_arg(), g.int_arg()), "BYSCORE": (bound(), bound()),
                      "BYLEX": (lexbound(), lexbound())}[kind]
            opts = ([kind] if kind else []) + g.withopt(0.3, "REV")
            opts += g.withopt(0.3, "LIMIT", g.int_arg(("0", "1")), g.int_arg(("1", "2", "-1")))
            if not dst:
                opts += g.withopt(0.4, "WITHSCORES")
            return P(cmd, *dst, k, lo, hi, *opts, mode="lex" if kind == "BYLEX" else "exact",
                     key=k)
        return make

    def setop(cmd, store=False):
        def make():
            ks = g.keys(1, 3)
            n = str(len(ks)) if not g.bad(0.05) else g.pick(["0", "-1", "5"])
            opts = []
            if "DIFF" not in cmd and "CARD" not in cmd:
                opts += g.withopt(0.3, "WEIGHTS", *[g.pick(["1", "2", "0.5", "3"])
                                                    for _ in ks])
                opts += g.withopt(0.3, "AGGREGATE", g.pick(["SUM", "MIN", "MAX", "AVG"]))
            if "CARD" in cmd:
                opts += g.withopt(0.4, "LIMIT", g.int_arg())
            elif not store:
                opts += g.withopt(0.5, "WITHSCORES")
            return P(cmd, *([g.key()] if store else []), n, *ks, *opts)
        return make

    def pop(cmd):
        return lambda: P(cmd, g.key(), *g.withopt(0.5, g.int_arg()))

    def zmpop(cmd, blocking):
        return lambda: mpop(g, cmd, blocking, g.pick(
            ["MIN", "MAX", "MID"] if g.bad(0.05) else ["MIN", "MAX"]))

    def randmember():
        args = ["ZRANDMEMBER", g.key()]
        if g.chance(0.7):
            args.append(g.int_arg(("1", "3", "-3", "0", "20", "-20")))
            args += g.withopt(0.4, "WITHSCORES")
        pairs = "WITHSCORES" in args
        universe = ["ZRANGE", args[1], "0", "-1"] + (["WITHSCORES"] if pairs else [])
        return RandomPick([b(x) for x in args], [b(x) for x in universe], pairs=pairs)

    return {
        "zadd": zadd, "zincrby": lambda: P("ZINCRBY", g.key(), g.score(), g.member()),
        "zrem": lambda: P("ZREM", g.key(), *g.members()),
        "zcard": lambda: P("ZCARD", g.key()),
        "zscore": lambda: P("ZSCORE", g.key(), g.member()),
        "zmscore": lambda: P("ZMSCORE", g.key(), *g.members()),
        "zrank": lambda: P("ZRANK", g.key(), g.member()),
        "zrevrank": lambda: P("ZREVRANK", g.key(), g.member()),
        "zcount": ranged("ZCOUNT"), "zlexcount": ranged("ZLEXCOUNT", True),
        "zrange": zrange("ZRANGE"), "zrangestore": zrange("ZRANGESTORE"),
        "zrangebyscore": ranged("ZRANGEBYSCORE"), "zrevrangebyscore": ranged("ZREVRANGEBYSCORE"),
        "zrangebylex": ranged("ZRANGEBYLEX", True),
        "zrevrangebylex": ranged("ZREVRANGEBYLEX", True),
        "zrevrange": lambda: P("ZREVRANGE", g.key(), g.int_arg(), g.int_arg(),
                               *g.withopt(0.4, "WITHSCORES")),
        "zremrangebyrank": lambda: P("ZREMRANGEBYRANK", g.key(), g.int_arg(), g.int_arg()),
        "zremrangebyscore": ranged("ZREMRANGEBYSCORE"),
        "zremrangebylex": ranged("ZREMRANGEBYLEX", True),
        "zpopmin": pop("ZPOPMIN"), "zpopmax": pop("ZPOPMAX"),
        "zmpop": zmpop("ZMPOP", False), "bzmpop": zmpop("BZMPOP", True),
        "bzpopmin": lambda: P("BZPOPMIN", *g.keys(), g.timeout()),
        "bzpopmax": lambda: P("BZPOPMAX", *g.keys(), g.timeout()),
        "zrandmember": randmember,
        "zunion": setop("ZUNION"), "zinter": setop("ZINTER"), "zdiff": setop("ZDIFF"),
        "zunionstore": setop("ZUNIONSTORE", True), "zinterstore": setop("ZINTERSTORE", True),
        "zdiffstore": setop("ZDIFFSTORE", True), "zintercard": setop("ZINTERCARD"),
        "zscan": lambda: scan_step(g, "ZSCAN", True, ["m*", "1*", "z*"]),
    }


def sort(g):
    def make(cmd):
        def gen():
            k = g.key()
            by = g.withopt(0.4, "BY", g.pick(["k*", "k*->f1", "nosort", "nokey_*"]))
            opts = list(by) + g.withopt(0.3, "LIMIT", g.int_arg(("0", "1", "-1")),
                                        g.int_arg(("1", "2", "-1", "5")))
            for _ in range(g.r.randint(0, 2) if g.chance(0.4) else 0):
                opts += ["GET", g.pick(["#", "k*", "k*->f1", "k*->"])]
            opts += g.withopt(0.3, g.pick(["ASC", "DESC"]))
            if not by or by[1] == "nosort":
                opts += g.withopt(0.4, "ALPHA")
            if cmd == "SORT" and g.chance(0.2):
                opts += ["STORE", g.key()]
            if g.bad(0.03):
                opts.append(g.pick(["BADOPT", "LIMIT", "STORE"]))
            nosort_set = by and by[1] == "nosort" and "STORE" not in opts
            return P(cmd, k, *opts, mode="sortset" if nosort_set else "exact", key=k)
        return gen
    return {"sort": make("SORT"), "sort_ro": make("SORT_RO")}


TX_WORDS = {b"MULTI", b"EXEC", b"DISCARD", b"WATCH", b"UNWATCH", b"FLUSHDB", b"PUBSUB"}


def transactions(g):
    """Transactions over the other families' deterministic commands."""
    def plain_step():
        for _ in range(20):
            step = g.next()
            if isinstance(step, Plain) and step.args[0].upper() not in TX_WORDS and \
                    step.mode not in ("lex", "sortset"):
                return step
        return P("PING")

    def tx():
        fam = g.fam
        watch = [b(k) for k in g.keys()] if g.chance(0.3) else []
        before = [plain_step() for _ in range(g.r.randint(0, 1) if watch else 0)]
        queued = [plain_step() for _ in range(g.r.randint(0, 5))]
        if g.bad(0.1):
            queued.insert(g.r.randint(0, len(queued)), g.pick([
                P("GET"), P("NOSUCHCMD", "x"), P("MULTI"), P("SET", "k0"), P("WATCH", "k1")]))
        end = g.pick([[b"EXEC"]] * 8 + [[b"DISCARD"], [b"EXEC", b"x"]])
        g.fam = fam
        return Tx(watch, before, queued, end)

    def bare(*args):
        return lambda: P(*args)
    return {"multi": tx, "exec": bare("EXEC"), "discard": bare("DISCARD"),
            "unwatch": bare("UNWATCH")}


def pubsub(g):
    chans = ["ch0", "ch1", "ch2", "news.a", "news.b"]
    pats = ["ch*", "news.*", "n?ws.a", "x*"]

    def sub(cmd, pool):
        return lambda: PubSub([b(cmd)] + [b(g.pick(pool)) for _ in range(
            g.r.randint(0 if "UN" in cmd else 1, 2))], True)

    return {
        "subscribe": sub("SUBSCRIBE", chans), "psubscribe": sub("PSUBSCRIBE", pats),
        "unsubscribe": sub("UNSUBSCRIBE", chans), "punsubscribe": sub("PUNSUBSCRIBE", pats),
        "publish": lambda: PubSub([b"PUBLISH", b(g.pick(chans)), b(g.value())], False),
        "pubsub channels": lambda: P("PUBSUB", "CHANNELS", *g.withopt(0.5, g.pick(pats)),
                                     mode="unordered"),
        "pubsub numsub": lambda: P("PUBSUB", "NUMSUB", *[g.pick(chans) for _ in range(
            g.r.randint(0, 2))]),
        "pubsub numpat": lambda: P("PUBSUB", "NUMPAT"),
        "ping": lambda: PubSub([b"PING"] + [b(x) for x in g.withopt(0.5, "hi")], True),
        "get": lambda: PubSub([b"GET", b"k0"], True),
    }


FAMILIES = {"strings": strings, "keys": keys, "lists": lists, "hashes": hashes, "sets": sets,
            "zsets": zsets, "sort": sort, "transactions": transactions, "pubsub": pubsub}
# Subcommands are detected by their container command.
