#!/usr/bin/python3
"""Post scheduler decision batches to steerd as fast as it takes them.

Keep-alive HTTP/1.1 connections on steerd's Unix socket, one per client
(--clients, default 1; clients share one rising version counter); every
batch gives each service random weights (1..100, never 0: no node leaves)
over the given nodes. Prints one JSON line: batches applied, refused,
superseded (with several clients a batch can arrive after a newer one was
applied: 409, as it should), wall time, decisions per second, and steerd's
forwarding latency (accepted to the fast path using the new table) and the
client round-trip percentiles, in milliseconds.

Usage: decide_loop.py SOCKET --services web,infer --nodes n1,n2,n3
                      --batches 1000 [--clients 1] [--start-version 1] [--seed 1]
"""
import argparse
import http.client
import json
import random
import socket
import sys
import threading
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
    ap.add_argument("--clients", type=int, default=1)
    ap.add_argument("--start-version", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    services = a.services.split(",")
    nodes = a.nodes.split(",")
    lock = threading.Lock()
    state = {"next": 0, "applied": 0, "refused": 0, "superseded": 0,
             "fwd": [], "rtt": [], "errors": [], "groups": []}

    def client(seed):
        rng = random.Random(seed)
        conn = UnixHTTPConnection(a.socket)
        while True:
            with lock:
                if state["next"] >= a.batches:
                    return
                version = a.start_version + state["next"]
                state["next"] += 1
            batch = {"version": version, "decisions": [
                {"service": s, "nodes": [{"node": n, "weight": rng.randint(1, 100)}
                                         for n in nodes]} for s in services]}
            t0 = time.monotonic()
            conn.request("POST", "/v1/decisions", json.dumps(batch),
                         {"Content-Type": "application/json"})
            r = conn.getresponse()
            answer = json.loads(r.read() or b"{}")
            with lock:
                state["rtt"].append((time.monotonic() - t0) * 1000)
                if r.status == 200:
                    state["applied"] += 1
                    state["fwd"].append(answer.get("forwarding_ms", 0.0))
                    state["groups"].append(answer.get("applied_with", 1))
                elif r.status == 409 and a.clients > 1:
                    state["superseded"] += 1
                else:
                    state["refused"] += 1
                    if len(state["errors"]) < 3:
                        state["errors"].append(answer)

    start = time.monotonic()
    threads = [threading.Thread(target=client, args=(a.seed + i,)) for i in range(a.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - start
    applied = state["applied"]
    print(json.dumps({
        "batches": a.batches, "clients": a.clients, "applied": applied,
        "refused": state["refused"], "superseded": state["superseded"],
        "services_per_batch": len(services), "seconds": round(wall, 3),
        "batches_per_s": round(applied / wall, 1) if wall else 0,
        "decisions_per_s": round(applied * len(services) / wall, 1) if wall else 0,
        "mean_batches_per_apply": round(sum(state["groups"]) / len(state["groups"]), 2)
                                  if state["groups"] else 0,
        "forwarding_ms": {"p50": round(percentile(state["fwd"], 50), 3),
                          "p99": round(percentile(state["fwd"], 99), 3)},
        "round_trip_ms": {"p50": round(percentile(state["rtt"], 50), 3),
                          "p99": round(percentile(state["rtt"], 99), 3)},
        "errors": state["errors"]}))
    return 0 if state["refused"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
