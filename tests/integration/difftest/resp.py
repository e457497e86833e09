"""A tiny RESP2/RESP3 client that keeps replies exact: every reply becomes a
nested tuple (type byte, payload), so error texts, integer-vs-bulk and double
formatting are compared byte for byte (redis-py would hide them)."""
import socket

AGGREGATES = {b"*", b"~", b">", b"%"}  # % holds key, value, key, value ...


class ConnectionLost(Exception):
    pass


def encode(args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class RespConn:
    def __init__(self, port, timeout=10.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def close(self):
        self.sock.close()

    def _fill(self):
        try:
            d = self.sock.recv(1 << 16)
        except socket.timeout as e:
            raise ConnectionLost("timeout waiting for a reply") from e
        except OSError as e:
            raise ConnectionLost(str(e)) from e
        if not d:
            raise ConnectionLost("connection closed")
        self.buf += d

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line, self.buf = self.buf[:i], self.buf[i + 2:]
                return line
            self._fill()

    def _exact(self, n):
        while len(self.buf) < n + 2:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def read(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t in (b"+", b"-", b","):  # status, error, double (kept as text)
            return (t, rest)
        if t in (b":", b"("):
            return (t, int(rest))
        if t == b"_":
            return (t, None)
        if t == b"#":
            return (t, rest == b"t")
        if t in (b"$", b"=", b"!"):
            n = int(rest)
            return (t, None if n < 0 else self._exact(n))
        if t in AGGREGATES:
            n = int(rest)
            if n < 0:
                return (t, None)
            if t == b"%":
                n *= 2
            return (t, tuple(self.read() for _ in range(n)))
        raise ConnectionLost("bad reply line %r" % line)

    def call(self, args):
        try:
            self.sock.sendall(encode(args))
        except OSError as e:
            raise ConnectionLost(str(e)) from e
        return self.read()


def show(reply, depth=0):
    """redis-cli-like rendering of a reply, for mismatch reports."""
    t, v = reply
    if t in AGGREGATES:
        if v is None:
            return "(nil array)"
        if not v:
            return "(empty %s)" % t.decode()
        inner = ", ".join(show(x, depth + 1) for x in v)
        return "%s[%s]" % (t.decode() if t != b"*" else "", inner)
    if v is None:
        return "(nil)"
    if t == b"-":
        return "(error) " + v.decode("utf-8", "backslashreplace")
    if t == b"+":
        return "+" + v.decode("utf-8", "backslashreplace")
    if isinstance(v, bytes):
        return t.decode() + repr(v)[1:]
    return "%s%s" % (t.decode(), v)


def is_error(reply):
    return reply[0] == b"-"


def elements(reply):
    """The elements of an aggregate reply (maps flattened), or None."""
    if reply[0] in AGGREGATES and reply[1] is not None:
        return list(reply[1])
    return None
