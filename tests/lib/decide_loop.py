#!/usr/bin/python3
"""Post scheduler decision batches to steerd as fast as it takes them.

One keep-alive HTTP/1.1 connection on steerd's Unix socket; every batch
gives each service random weights (1..100, never 0: no node leaves) over
the given nodes. Prints one JSON line: batches applied, refused, wall
time, and steerd's forwarding latency (accepted to the fast path using the
new table) and client round-trip percentiles, in milliseconds.

Usage: decide_loop.py SOCKET --services web,infer --nodes n1,n2,n3
                      --batches 1000 [--start-version 1] [--seed 1]
"""
import argparse
import http.client
import json
import random
import socket
import sys
import time


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("steerd", timeout=30)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(30)
        self.sock.connect(self.unix_path)


def percentile(values, p):
    if not values:
        return 0.0
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("--services", required=True)
    ap.add_argument("--nodes", required=True)
    ap.add_argument("--batches", type=int, default=1000)
    ap.add_argument("--start-version", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    services = a.services.split(",")
    nodes = a.nodes.split(",")
    conn = UnixHTTPConnection(a.socket)
    applied = refused = 0
    fwd, rtt, errors = [], [], []
    start = time.monotonic()
    for i in range(a.batches):
        batch = {"version": a.start_version + i, "decisions": [
            {"service": s, "nodes": [{"node": n, "weight": rng.randint(1, 100)} for n in nodes]}
            for s in services]}
        body = json.dumps(batch)
        t0 = time.monotonic()
        conn.request("POST", "/v1/decisions", body, {"Content-Type": "application/json"})
        r = conn.getresponse()
        answer = json.loads(r.read() or b"{}")
        rtt.append((time.monotonic() - t0) * 1000)
        if r.status == 200:
            applied += 1
            fwd.append(answer.get("forwarding_ms", 0.0))
        else:
            refused += 1
            if len(errors) < 3:
                errors.append(answer)
    wall = time.monotonic() - start
    print(json.dumps({
        "batches": a.batches, "applied": applied, "refused": refused,
        "services_per_batch": len(services), "seconds": round(wall, 3),
        "batches_per_s": round(applied / wall, 1) if wall else 0,
        "decisions_per_s": round(applied * len(services) / wall, 1) if wall else 0,
        "forwarding_ms": {"p50": round(percentile(fwd, 50), 3),
                          "p99": round(percentile(fwd, 99), 3)},
        "round_trip_ms": {"p50": round(percentile(rtt, 50), 3),
                          "p99": round(percentile(rtt, 99), 3)},
        "errors": errors}))
    return 0 if refused == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
