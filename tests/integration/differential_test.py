"""Differential test: the same seeded random command sequence goes to
vigil-server and to Debian's redis-server 7.0.15 over raw RESP, and every
reply must match (exactly, or as a multiset / by validity where Redis leaves
the result unspecified). Only commands vigil implements at run time are
generated; the rest are listed as skipped.

  differential_test.py                      # ctest default: two short profiles
  differential_test.py --families lists,sets --steps 50000 --seed 7
  differential_test.py --long               # deep run over many seeds
  differential_test.py --keep-going 20 --findings /tmp/difftest-findings.md

On a mismatch it prints seed, step, command and both replies, shrinks the
sequence to a short reproducer (replayed on flushed servers), appends it to
--findings if given, and exits non-zero."""
import argparse
import os
import random
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from vigil_harness import VigilServer  # noqa: E402
from difftest.gen import FAMILIES, Gen  # noqa: E402
from difftest.resp import ConnectionLost, RespConn, elements, show  # noqa: E402
from difftest.servers import RedisServer  # noqa: E402
from difftest.steps import Mismatch, PubSub, RandomPick, Scan, Tx, cmdline  # noqa: E402

# Small encoding thresholds make conversions happen inside a 20-member pool.
PROFILES = {
    "default": [],
    "small": ["hash-max-listpack-entries 6", "hash-max-listpack-value 16",
              "set-max-intset-entries 6", "zset-max-listpack-entries 6",
              "zset-max-listpack-value 16", "list-max-listpack-size 4"],
}


class Ctx:
    """Main and subscriber connections to vigil (a, sa) and redis (b, sb)."""

    def __init__(self, vigil, redis, protocol, known=()):
        self.vigil, self.redis, self.protocol = vigil, redis, protocol
        self.known, self.tolerated, self.readonly = set(known), 0, set()
        self.conns = []
        self.reconnect()

    def _open(self, port, timeout):
        c = RespConn(port, timeout)
        if self.protocol == 3:
            c.call([b"HELLO", b"3"])
        self.conns.append(c)
        return c

    def reconnect(self):
        for c in self.conns:
            c.close()
        self.conns = []
        self.a, self.b = self._open(self.vigil.port, 10), self._open(self.redis.port, 10)
        self.sa, self.sb = self._open(self.vigil.port, 3), self._open(self.redis.port, 3)
        self.channels, self.patterns = set(), set()

    def reset(self):
        self.reconnect()
        for c in (self.a, self.b):
            c.call([b"FLUSHALL"])

    def close(self):
        for c in self.conns:
            c.close()


def marker(bad):
    return "<!-- %s -->" % bad.signature().replace("--", "- -")


def harmless(ctx, bad):
    """A known mismatch can be stepped over only if it cannot have left the
    servers in different states: both replies are errors or the command is
    read-only."""
    return bad.got[0] == bad.want[0] == b"-" or bad.args[0].decode().lower() in ctx.readonly


def run_step(ctx, step):
    """The step's mismatch, unless it is one of the --known ones."""
    try:
        bad = step.run(ctx)
        if bad and marker(bad) in ctx.known and harmless(ctx, bad):
            ctx.tolerated += 1
            return None
        return bad
    except ConnectionLost as e:
        alive = ctx.vigil.proc.poll() is None
        args = getattr(step, "args", [b"MULTI"])
        return Mismatch(args, (b"-", b"<no reply: %s>" % str(e).encode()), (b"+", b"?"),
                        "vigil-server " + ("alive" if alive else "CRASHED"))


def replay(ctx, steps):
    """Runs steps on flushed servers; the index of the first mismatch or None."""
    ctx.reset()
    for i, step in enumerate(steps):
        bad = run_step(ctx, step)
        if bad:
            return i, bad
    return None


def shrink(ctx, steps, name, budget=300000):
    """A short sequence whose last step still mismatches on the same command:
    the shortest reproducing suffix, then chunks and single steps removed."""
    def ok(seq):
        nonlocal budget
        budget -= len(seq)  # replay cost in steps
        hit = replay(ctx, seq)
        return hit is not None and hit[0] == len(seq) - 1 and seq[-1].name() == name

    best = steps
    k = 1
    while k < len(best):
        if budget > 0 and ok(best[-k:]):
            best = best[-k:]
            break
        k *= 2
    chunk = max(1, len(best) // 2)
    while chunk >= 1 and budget > 0:
        i = 0
        while i < len(best) - 1 and budget > 0:
            trial = best[:i] + best[i + chunk:]
            if trial and trial[-1] is best[-1] and ok(trial):
                best = trial
            else:
                i += chunk
        chunk //= 2
    return best


def step_lines(step):
    if isinstance(step, Tx):
        return [cmdline(c) for c in step.commands()]
    if isinstance(step, PubSub) and step.on_subscriber:
        return ["(subscriber connection) " + cmdline(step.args)]
    note = {Scan: "   # iterated to cursor 0", RandomPick: "   # random: checked for validity"}
    if hasattr(step, "args"):
        return [cmdline(step.args) + note.get(type(step), "")]
    return [step.name().upper()]


def report(opts, ctx, seed, profile, index, steps, bad):
    """Prints the mismatch at global step `index` (the last of `steps`, the
    sequence since servers were last flushed) and its shrunk reproducer."""
    print("MISMATCH seed=%d profile=%s resp=%d step=%d\n%s" % (
        seed, profile, opts.resp, index, bad.describe()), flush=True)
    if opts.no_shrink:
        return
    small = shrink(ctx, steps, steps[-1].name())
    hit = replay(ctx, small)
    final = hit[1] if hit else bad
    text = ["## %s (seed %d, profile %s, RESP%d, step %d)" % (
        final.command()[:80], seed, profile, opts.resp, index), "", "```"]
    text += [line for s in small for line in step_lines(s)]
    text += ["```", "", "- vigil: `%s`" % show(final.got), "- redis: `%s`" % show(final.want)]
    text += ["- note: " + final.note] if final.note else []
    print("reproducer (%d steps, on flushed servers):\n%s" % (len(small), "\n".join(text)))
    known = open(opts.findings).read() if opts.findings and os.path.exists(opts.findings) else ""
    if opts.findings and marker(final) not in known:
        with open(opts.findings, "a") as f:
            f.write("\n".join(text + [marker(final)]) + "\n\n")


def detect(ctx, names):
    """Commands vigil implements (COMMAND INFO answers an entry for them)."""
    tops = sorted({n.split()[0] for n in names})
    reply = ctx.a.call([b"COMMAND", b"INFO"] + [t.encode() for t in tops])
    items = elements(reply)
    if items is None:
        raise RuntimeError("vigil COMMAND INFO failed: " + show(reply))
    ok = {t for t, entry in zip(tops, items) if entry[1] is not None}
    ref = elements(ctx.b.call([b"COMMAND", b"INFO"] + [t.encode() for t in tops]))
    arity = {t: entry[1][1][1] for t, entry in zip(tops, ref) if entry[1] is not None}
    readonly = {t for t, entry in zip(tops, ref)
                if entry[1] is not None and (b"+", b"readonly") in entry[1][2][1]}
    return ok, arity, readonly


def campaign(opts, vigil, redis, families, seed, steps, profile):
    ctx = Ctx(vigil, redis, opts.resp, opts.known_markers)
    ctx.reset()
    rng = random.Random(seed)
    names = [n for f in families for n in FAMILIES[f](Gen(rng, [], set())).keys()]
    ok, arity, ctx.readonly = detect(ctx, names)
    gen = Gen(rng, families, ok)
    gen.arity = arity
    gen.error_rate = 0.0 if opts.no_errors else 1.0
    skipped = sorted({n for n in names if n.split()[0] not in ok})
    if skipped:
        print("skipped (vigil answers unknown command): " + " ".join(skipped))
    if not gen.tables:
        print("no family has implemented commands; nothing to compare")
        return 0
    print("seed=%d profile=%s resp=%d steps=%d families=%s" % (
        seed, profile, opts.resp, steps, ",".join(gen.tables)), flush=True)
    done, found, seen = [], 0, set()
    for i in range(steps):
        step = gen.next()
        done.append(step)
        bad = run_step(ctx, step)
        if bad is None:
            continue
        sig = bad.signature()
        if sig not in seen:
            seen.add(sig)
            report(opts, ctx, seed, profile, i, done, bad)
            found += 1
        if found >= opts.keep_going:
            break
        ctx.reset()  # diverged state: start over from empty servers
        done = []
    if ctx.tolerated:
        print("tolerated %d known mismatch(es) listed in %s" % (ctx.tolerated, opts.known))
    ctx.close()
    return found


def stop_on_sigterm(*_):
    sys.exit("terminated")  # unwinds through the finally blocks that stop the servers


def main():
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--families", default=",".join(FAMILIES))
    ap.add_argument("--steps", type=int, default=0, help="steps per campaign")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--profile", choices=sorted(PROFILES), default=None)
    ap.add_argument("--resp", type=int, choices=(2, 3), default=None)
    ap.add_argument("--long", action="store_true", help="many seeds, 200k steps each")
    ap.add_argument("--keep-going", type=int, default=1, metavar="N",
                    help="stop after N distinct mismatches (servers flushed after each)")
    ap.add_argument("--no-shrink", action="store_true")
    ap.add_argument("--no-errors", action="store_true",
                    help="no deliberately invalid arguments (hunt for state bugs)")
    ap.add_argument("--findings", default=None, help="append reproducers to this file")
    ap.add_argument("--known", default=None, metavar="FILE",
                    help="tolerate mismatches already recorded in this findings file")
    opts = ap.parse_args()
    opts.known_markers = []
    if opts.known:
        opts.known_markers = [line.strip() for line in open(opts.known)
                              if line.startswith("<!-- ")]
    families = [f for f in opts.families.split(",") if f]
    unknown = set(families) - set(FAMILIES)
    if unknown:
        ap.error("unknown families: %s (known: %s)" % (",".join(unknown), ",".join(FAMILIES)))
    if opts.long:
        runs = [(s, p, r) for s in range(1, 9) for p, r in (("default", 2), ("small", 3))]
        steps = opts.steps or 200000
    elif opts.seed is not None or opts.profile or opts.resp:
        runs = [(opts.seed if opts.seed is not None else int(time.time()),
                 opts.profile or "default", opts.resp or 2)]
        steps = opts.steps or 20000
    else:  # the ctest default: fixed seeds, < 60 s
        runs = [(1, "default", 2), (2, "small", 3)]
        steps = opts.steps or 12000
    found = 0
    for seed, profile, resp in runs:
        opts.resp = resp
        vigil = VigilServer(os.environ["VIGIL_SERVER"], PROFILES[profile]).start()
        redis = RedisServer(PROFILES[profile]).start()
        try:
            t0 = time.time()
            found += campaign(opts, vigil, redis, families, seed, steps, profile)
            print("  %.1fs" % (time.time() - t0), flush=True)
        finally:
            vigil.stop()
            redis.stop()
    print("FAIL: %d mismatch(es)" % found if found else "OK: no mismatches")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
