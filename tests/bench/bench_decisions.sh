#!/bin/bash
# Decision-apply benchmark (not a test: it prints figures). A real steerd
# with XDP attached on a veth in a private namespace takes scheduler
# decision batches over its socket (tests/lib/decide_loop.py, keep-alive
# connections). steerd reports, per batch, the time from the
# request being accepted to the fast path forwarding by the new table
# (switched and free of readers of the old one); the client measures the
# whole round trip, which adds persisting the state (fsync) and HTTP.
# One client posting batch after batch, then several at once (batches that
# arrive during an apply are applied together). Batches of 1, 100, 1,000
# and 10,000 services, each over 3 nodes with a 16381-entry Maglev table
# (1021 for 10,000 services). The state file is on /var/tmp (a disk, as
# /var/lib/steer would be).
# Usage: bench_decisions.sh BUILD_DIR [BATCHES_OF_ONE]
set -eu
build=$(cd "$1" && pwd)
n_small=${2:-2000}
here=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "bench_decisions: run as root"; exit 1; }
ns=steer-bd-$$
tmp=$(mktemp -d /var/tmp/steer-bench.XXXXXX)
pin_root=/sys/fs/bpf/steer-bench-d$$
pid=
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	rm -rf "$tmp" "$pin_root"
	ip netns del "$ns" 2>/dev/null || true
}
trap cleanup EXIT
trap "exit 1" INT TERM
ip netns add "$ns"
ip -n "$ns" link add gw0 type veth peer name gw1
ip -n "$ns" link set gw0 up
ip -n "$ns" link set gw1 up

config() { # config N_SERVICES TABLE_SIZE
	python3 - "$1" "$tmp/steer.json" "$tmp/steerd.sock" "$2" <<'PY'
import json, sys
n, path, sock, size = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
cfg = {"gateway": {"name": "bench", "interfaces": ["gw0"],
                   "encap_source": {"ipv4": "198.18.0.1"}, "next_hop": "02:00:00:00:00:fe",
                   "hash_seed": "8f1c0a57d2e94b3a6c15e0f7a9b2d4c1", "api": {"socket": sock}},
       "nodes": [{"name": "n%d" % i, "address": "198.18.1.%d" % (10 + i)} for i in (1, 2, 3)],
       "services": [{"name": "s%d" % i, "cid": 1000 + i, "policy": "scheduler", "table_size": size,
                     "vips": ["198.18.%d.%d:443/udp" % (64 + i // 250, 1 + i % 250)],
                     "nodes": [{"node": "n%d" % j, "weight": 1} for j in (1, 2, 3)]}
                    for i in range(n)]}
json.dump(cfg, open(path, "w"))
PY
}

run() { # run N_SERVICES BATCHES [CLIENTS] [TABLE_SIZE]
	local names clients=${3:-1}
	config "$1" "${4:-16381}"
	rm -f "$tmp/state.json"
	nsenter --net="/var/run/netns/$ns" "$build/steerd" -c "$tmp/steer.json" --pin-root "$pin_root" \
		--state "$tmp/state.json" --detach-on-exit 2>"$tmp/steerd.log" &
	pid=$!
	for _ in $(seq 300); do
		"$build/steerctl" -s "$tmp/steerd.sock" status >/dev/null 2>&1 && break
		sleep 0.1
	done
	names=$(seq -s, -f 's%g' 0 $(($1 - 1)))
	python3 "$here/../lib/decide_loop.py" "$tmp/steerd.sock" --services "$names" \
		--nodes n1,n2,n3 --batches "$2" --clients "$clients" >"$tmp/out.json" || true
	kill -TERM "$pid"
	wait "$pid" 2>/dev/null || true
	pid=
	jq -r --arg n "$1" --arg c "$clients" '"\($n | tonumber | tostring | (" " * (8 - length)) + .)  \($c | (" " * (7 - length)) + .)  \(.applied | tostring | (" " * (7 - length)) + .)  \(.forwarding_ms.p50 | tostring | (" " * (9 - length)) + .)  \(.forwarding_ms.p99 | tostring | (" " * (9 - length)) + .)  \(.round_trip_ms.p50 | tostring | (" " * (9 - length)) + .)  \(.round_trip_ms.p99 | tostring | (" " * (9 - length)) + .)  \(.decisions_per_s | tostring | (" " * (10 - length)) + .)  \(.mean_batches_per_apply)"' "$tmp/out.json"
}

echo "steerd decision batches, XDP fast path; milliseconds"
echo "services  clients  applied  fwd p50    fwd p99    rtt p50    rtt p99    decisions/s  batches/apply"
run 1 "$n_small"
run 100 200
run 1000 20
# 10,000 services with 16381-entry tables would need 1.3 GB of Maglev map per
# generation: an operator with that many services picks smaller tables.
run 10000 10 1 1021
# Several clients at once: batches that arrive while one is applied are
# applied together (group commit).
run 1 "$n_small" 8
run 100 400 8
run 1000 40 8
run 10000 20 4 1021
