#!/usr/bin/env python3
"""Measures the longest client-visible stall while a background job runs:
sends PING back to back on one connection, starts the job (BGSAVE or
BGREWRITEAOF) on another, and reports the longest single round trip until the
job's INFO flag clears. Usage: stall_probe.py <port> <BGSAVE|BGREWRITEAOF>"""
import socket
import sys
import time

port, job = int(sys.argv[1]), sys.argv[2].upper()
flag = b"rdb_bgsave_in_progress:1" if job == "BGSAVE" else b"aof_rewrite_in_progress:1"


def command(sock, *args):
    out = b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in (x.encode() for x in args))
    sock.sendall(out)
    data = b""
    while True:
        data += sock.recv(1 << 20)
        # Good enough for +OK/+PONG and one bulk INFO reply.
        if data.startswith(b"$"):
            n = int(data[1:data.index(b"\r\n")])
            if len(data) >= data.index(b"\r\n") + 2 + n + 2:
                return data
        elif data.endswith(b"\r\n"):
            return data


ping = socket.create_connection(("127.0.0.1", port))
ctl = socket.create_connection(("127.0.0.1", port))
start = time.monotonic()
reply = command(ctl, job)
worst = 0.0
pings = 0
while True:
    t0 = time.monotonic()
    command(ping, "PING")
    worst = max(worst, time.monotonic() - t0)
    pings += 1
    if pings % 200 == 0 and flag not in command(ctl, "INFO", "persistence"):
        break
print("%s: %s; %d pings in %.2f s, longest reply %.2f ms" %
      (job, reply.strip().decode(), pings, time.monotonic() - start, worst * 1000))
