"""Steps of a differential run. Each step sends the same command(s) to vigil
(`a`) and redis (`b`) and returns None or a Mismatch. Replies that Redis
itself leaves unspecified (hash order, random picks, SCAN batching) are
normalized or validated instead of compared byte for byte."""
from .resp import AGGREGATES, elements, encode, is_error, show

COMPACT = {b"listpack", b"intset", b"ziplist"}  # encodings whose order Redis fixes


class Mismatch:
    def __init__(self, args, got, want, note=""):
        self.args, self.got, self.want, self.note = args, got, want, note

    def command(self):
        return cmdline(self.args)

    def signature(self):
        """Identifies the bug (command name and the shapes of both replies),
        not the run: SORT returning [] instead of any of many lists is one."""
        return "%s|%s|%s" % (self.args[0].decode().upper(), shape(self.got), shape(self.want))

    def describe(self):
        s = "command: %s\n  vigil: %s\n  redis: %s" % (self.command(), show(self.got),
                                                      show(self.want))
        return s + ("\n  note: " + self.note if self.note else "")


def shape(reply):
    t, v = reply
    if v is None or t in (b"-", b"+") or (isinstance(v, bytes) and len(v) <= 16):
        return show(reply)[:40]
    if t in AGGREGATES:
        return "%s[%s]" % (t.decode(), ".." if v else "")
    return t.decode()


def quote(arg):
    s = arg.decode("utf-8", "backslashreplace")
    if s and all(c.isalnum() or c in "-_:.*?[]^()+#>,|" for c in s):
        return s
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def cmdline(args):
    return " ".join(quote(a) for a in args)


def _sorted(items):
    return tuple(sorted(items, key=repr))


def _pairs(items):
    return [tuple(items[i:i + 2]) for i in range(0, len(items), 2)]


def normalize(reply, mode):
    """The comparable form of a reply under a compare mode."""
    items = elements(reply)
    if items is None or mode == "exact":
        return reply
    if mode == "unordered":
        return (b"*", _sorted(items))
    if mode == "pairs":  # HGETALL-like: field/value pairs in any order
        if reply[0] == b"%" or all(elements(x) is None for x in items):
            return (b"*", _sorted(_pairs(items)))
        return (b"*", _sorted(items))
    if mode == "len":
        return (reply[0], len(items))
    raise ValueError(mode)


def ttl_equal(x, y, tolerance):
    if x[0] != b":" or y[0] != b":" or x[1] < 0 or y[1] < 0:
        return x == y
    return abs(x[1] - y[1]) <= tolerance


def compare(args, got, want, mode):
    if mode.startswith("ttl:"):
        same = ttl_equal(got, want, int(mode[4:]))
    else:
        same = normalize(got, mode) == normalize(want, mode)
    return None if same else Mismatch(args, got, want, "" if mode == "exact" else "mode " + mode)


class Plain:
    """One command; `mode` may depend on the reference's state: compact:<key>
    compares exactly while Redis keeps <key> in a compact (ordered) encoding,
    sortset:<key> handles SORT BY nosort on a set, lex:<key> skips lex range
    commands on zsets with mixed scores (order there is unspecified)."""

    def __init__(self, args, mode="exact", key=None):
        self.args, self.mode, self.key = args, mode, key

    def name(self):
        return self.args[0].decode().lower()

    def resolve(self, ctx):
        if self.mode.startswith("compact"):
            enc = ctx.b.call([b"OBJECT", b"ENCODING", self.key])
            return "exact" if enc[1] in COMPACT else self.mode.split(":")[1]
        if self.mode == "sortset":
            if ctx.b.call([b"TYPE", self.key]) != (b"+", b"set"):
                return "exact"
            return "len" if b"LIMIT" in self.args else "unordered"
        if self.mode == "lex":
            pairs = _picks(ctx.b.call([b"ZRANGE", self.key, b"0", b"-1", b"WITHSCORES"]), True)
            if len({repr(score) for _, score in pairs}) > 1:
                return None
            return "exact"
        return self.mode

    def run(self, ctx):
        mode = self.resolve(ctx)
        if mode is None:
            return None
        return compare(self.args, ctx.a.call(self.args), ctx.b.call(self.args), mode)


def _picks(reply, pairs):
    """Elements of a pick reply or collection: member/value pairs as tuples
    whether they come flat (RESP2, RESP3 maps) or nested (RESP3 arrays)."""
    items = elements(reply) or []
    if not pairs:
        return items
    if items and items[0][0] in AGGREGATES:
        return [tuple(x[1]) for x in items]
    return _pairs(items)


class RandomPick:
    """SRANDMEMBER / HRANDFIELD / ZRANDMEMBER / SPOP: replies must agree in
    shape and size, and vigil's picks must belong to the collection.
    `universe` reads the collection from redis first; `pairs` says picks come
    as member/value pairs. SPOP (resync=True) then puts vigil back in step
    with redis by re-adding what vigil popped and removing what redis popped."""

    def __init__(self, args, universe, pairs=False, resync=False):
        self.args, self.universe, self.pairs, self.resync = args, universe, pairs, resync

    def name(self):
        return self.args[0].decode().lower()

    def run(self, ctx):
        pool = ctx.b.call(self.universe)
        got, want = ctx.a.call(self.args), ctx.b.call(self.args)
        bad = self.check(got, want, pool)
        if bad:
            return Mismatch(self.args, got, want, bad)
        if self.resync and got[1] is not None and got[0] in (b"$", b"*", b"~"):
            popped = [got] if got[0] == b"$" else elements(got)
            mine = [p[1] for p in popped]
            theirs = [want[1]] if want[0] == b"$" else [p[1] for p in elements(want)]
            key = self.args[1]
            if sorted(mine) != sorted(theirs):
                ctx.a.call([b"SADD", key] + mine)
                ctx.a.call([b"SREM", key] + theirs)
        return None

    def check(self, got, want, pool):
        if is_error(got) or is_error(want) or got[0] != want[0]:
            return None if got == want else "reply kinds differ"
        if got[0] == b"$":
            if (got[1] is None) != (want[1] is None):
                return "nil vs value"
            return None if got[1] is None or got in (elements(pool) or []) else \
                "pick not in collection"
        g, w = elements(got), elements(want)
        if g is None or w is None:
            return None if got == want else "nil vs array"
        picks, wanted = _picks(got, self.pairs), _picks(want, self.pairs)
        if len(picks) != len(wanted):
            return "different number of picks"
        universe = set(_picks(pool, self.pairs))
        if any(p not in universe for p in picks):
            return "pick not in collection"
        count = self.args[2] if len(self.args) > 2 else b"1"
        if not count.startswith(b"-") and len(set(picks)) != len(picks):
            return "repeated pick with a positive count"
        return None


class RandomKey:
    def name(self):
        return "randomkey"

    def run(self, ctx):
        got, want = ctx.a.call([b"RANDOMKEY"]), ctx.b.call([b"RANDOMKEY"])
        if got[0] != want[0] or (got[1] is None) != (want[1] is None):
            return Mismatch([b"RANDOMKEY"], got, want, "nil vs key")
        if got[1] is not None and ctx.b.call([b"EXISTS", got[1]]) != (b":", 1):
            return Mismatch([b"RANDOMKEY"], got, want, "vigil returned a key redis lacks")
        return None


class Scan:
    """SCAN/HSCAN/SSCAN/ZSCAN iterated to cursor 0 on each side; the union of
    returned elements must agree (pairs for HSCAN/ZSCAN). `cursor_at` is the
    index of the cursor argument."""

    def __init__(self, args, cursor_at, pairs):
        self.args, self.cursor_at, self.pairs = args, cursor_at, pairs

    def name(self):
        return self.args[0].decode().lower()

    def collect(self, conn):
        seen, cursor, rounds = set(), self.args[self.cursor_at], 0
        while True:
            args = list(self.args)
            args[self.cursor_at] = cursor
            reply = conn.call(args)
            parts = elements(reply)
            if parts is None or len(parts) != 2 or elements(parts[1]) is None:
                return reply, args
            items = elements(parts[1])
            seen.update(_pairs(items) if self.pairs else items)
            cursor, rounds = parts[0][1], rounds + 1
            if cursor == b"0" or rounds > 10000:
                return (b"*", _sorted(seen)), None

    def run(self, ctx):
        (got, at_a), (want, _) = self.collect(ctx.a), self.collect(ctx.b)
        if got != want:
            return Mismatch(at_a or self.args, got, want, "union of all SCAN batches")
        return None


class Tx:
    """WATCH (optional) / writes before MULTI / MULTI / queued commands /
    EXEC or DISCARD. EXEC's array is compared element by element with each
    queued command's mode."""

    def __init__(self, watch, before, queued, end):
        self.watch, self.before, self.queued, self.end = watch, before, queued, end

    def name(self):
        return "multi"

    def commands(self):
        cmds = ([[b"WATCH"] + self.watch] if self.watch else []) + [s.args for s in self.before]
        return cmds + [[b"MULTI"]] + [s.args for s in self.queued] + [self.end]

    def run(self, ctx):
        if self.watch:
            bad = compare([b"WATCH"] + self.watch, ctx.a.call([b"WATCH"] + self.watch),
                          ctx.b.call([b"WATCH"] + self.watch), "exact")
            if bad:
                return bad
        for step in self.before:
            bad = step.run(ctx)
            if bad:
                return bad
        queued = []  # the steps redis actually queued: EXEC answers one reply each
        for step in [Plain([b"MULTI"])] + self.queued:
            got, want = ctx.a.call(step.args), ctx.b.call(step.args)
            bad = compare(step.args, got, want, "exact")
            if bad:
                return bad
            if want == (b"+", b"QUEUED"):
                queued.append(step)
        got, want = ctx.a.call(self.end), ctx.b.call(self.end)
        g, w = elements(got), elements(want)
        if g is None or w is None or len(g) != len(w) or len(g) != len(queued):
            return compare(self.end, got, want, "exact")
        for step, x, y in zip(queued, g, w):
            mode = step.mode.split(":")[1] if step.mode.startswith("compact") else step.mode
            if compare(step.args, x, y, mode):
                return Mismatch(step.args, x, y, "its reply inside EXEC")
        return None


class PubSub:
    """A subscriber connection per server (ctx.sa / ctx.sb): (un)subscribe
    commands read one reply per channel; PUBLISH on the main connections is
    followed by reading the delivered messages (as a multiset: pattern
    matches come in hash order)."""

    def __init__(self, args, on_subscriber):
        self.args, self.on_subscriber = args, on_subscriber

    def name(self):
        return self.args[0].decode().lower()

    def expected_replies(self, ctx):
        verb = self.name()
        if verb in ("subscribe", "psubscribe", "unsubscribe", "punsubscribe"):
            if len(self.args) > 1:
                return len(self.args) - 1
            subs = ctx.channels if verb == "unsubscribe" else ctx.patterns
            return max(1, len(subs))
        return 1

    def track(self, ctx, replies):
        for r in replies:
            items = elements(r)
            if not items or len(items) != 3 or items[1][1] is None:
                continue
            kind, chan = items[0][1], items[1][1]
            target = ctx.patterns if kind.startswith(b"p") else ctx.channels
            if kind in (b"subscribe", b"psubscribe"):
                target.add(chan)
            elif kind in (b"unsubscribe", b"punsubscribe"):
                target.discard(chan)

    def run(self, ctx):
        if not self.on_subscriber:
            got, want = ctx.a.call(self.args), ctx.b.call(self.args)
            bad = compare(self.args, got, want, "exact")
            if bad or self.name() not in ("publish", "spublish") or want[0] != b":":
                return bad
            n = want[1]
            got = (b"*", _sorted(ctx.sa.read() for _ in range(n)))
            want = (b"*", _sorted(ctx.sb.read() for _ in range(n)))
            return compare(self.args, got, want, "exact")
        n = self.expected_replies(ctx)
        ctx.sa.sock.sendall(encode(self.args))
        ctx.sb.sock.sendall(encode(self.args))
        want = [ctx.sb.read() for _ in range(n)]
        got = [ctx.sa.read() for _ in range(n)]
        self.track(ctx, want)
        if len(self.args) == 1:  # all channels, in hash order: compare names and counts
            got, want = _split_columns(got), _split_columns(want)
        return compare([b"(subscriber)"] + self.args, (b"*", tuple(got)), (b"*", tuple(want)),
                       "exact")


def _split_columns(replies):
    """[kind, channel, count] replies as sorted columns, position-free."""
    rows = [elements(r) or [r] for r in replies]
    return tuple(_sorted(row[i] for row in rows if len(row) > i) for i in range(3))

