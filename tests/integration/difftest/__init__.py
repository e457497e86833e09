"""Differential testing of vigil-server against Debian's redis-server: a raw
RESP client, a redis-server starter, random command generators and the runner
that compares replies (see ../differential_test.py)."""
