#!/bin/bash
# One core, two fast paths: the same table (compiled from one config) and the
# same steer-gen traffic through steer-dpdk (net_pcap in to out) and through
# the XDP program (BPF_PROG_TEST_RUN). Every carrier, both protocols, both IP
# versions, every malformed class. The output packets must be byte-identical
# and every counter equal. Usage: test_differential.sh BUILD_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"
build=$(cd "$1" && pwd)
[ "$(id -u)" -eq 0 ] || skip_all "needs root for BPF and DPDK"
[ -x "$build/dataplane/steer-dpdk" ] || skip_all "steer-dpdk not built (DPDK not found)"
[ -x "$build/tests/xdp_pcap" ] || skip_all "the XDP path is not built"
command -v python3 >/dev/null || skip_all "needs python3"
tmp=$(mktemp -d)
hp_before=$(cat /proc/sys/vm/nr_hugepages)
huge_cleanup() { # the hugepage case's mount and reservation, as found
	if mountpoint -q "$tmp/huge" 2>/dev/null; then
		umount "$tmp/huge"
	fi
	if [ "$(cat /proc/sys/vm/nr_hugepages)" != "$hp_before" ]; then
		echo "$hp_before" >/proc/sys/vm/nr_hugepages
	fi
}
trap 'huge_cleanup; rm -rf "$tmp"; lab_cleanup' EXIT
gen="$build/tools/steer-gen"
export PYTHONPATH="$here/../lib${PYTHONPATH:+:$PYTHONPATH}" # pcapfile.py
config=$here/diff.json

# Traffic: name, then steer-gen options.
cases=(
	"v4-udp --dst 198.18.0.100 --proto udp --flows 300 --packets 3"
	"v4-tcp --dst 198.18.0.100 --proto tcp --flows 300 --packets 3 --vlans 1"
	"v6-udp --dst 2001:db8::100 --proto udp --flows 300 --packets 2 --vlans 2"
	"v6-tcp --dst 2001:db8::100 --proto tcp --flows 300 --packets 2 --size 900"
	"gue-any --dst 198.18.0.101 --proto tcp --dport 8080 --flows 200"
	"destopt --carrier destopt --cid 2002 --dst 2001:db8::1 --flows 200 --packets 2"
	"shim4 --carrier shim --cid 1001 --dst 198.18.0.1 --flows 200"
	"shim6 --carrier shim --cid 2002 --dst 2001:db8::1 --flows 200 --token 77"
	"unknown-cid --carrier shim --cid 9999 --dst 198.18.0.1 --flows 20"
	"no-node --carrier shim --cid 3003 --dst 198.18.0.1 --flows 20"
	"not-steer --dst 198.18.0.222 --flows 20"
	"too-big --dst 198.18.0.100 --flows 10 --size 1514"
	"too-big-df --dst 198.18.0.100 --flows 10 --size 1514 --df"
	"too-big-v6 --dst 2001:db8::100 --proto tcp --flows 10 --size 1514 --vlans 1"
	"icmp-err4 --dst 198.18.0.100 --proto tcp --flows 20 --icmp-error"
	"icmp-err6 --dst 2001:db8::100 --proto udp --flows 20 --icmp-error --vlans 1"
	"echo4 --dst 198.18.0.100 --flows 10 --echo --size 98"
	"echo6 --dst 2001:db8::100 --flows 10 --echo --size 118 --vlans 2"
	"mal-truncated --dst 198.18.0.100 --malformed truncated --flows 20"
	"mal-version --dst 2001:db8::100 --malformed bad-version --flows 20"
	"mal-length --dst 198.18.0.100 --malformed bad-length --flows 20"
	"mal-extchain --dst 2001:db8::100 --malformed ext-chain --flows 20"
	"mal-cid0 --carrier shim --dst 198.18.0.1 --malformed cid-zero --flows 20"
	"mal-flags --carrier shim --dst 2001:db8::1 --malformed reserved-flags --flows 20"
	"mal-option --carrier destopt --dst 2001:db8::1 --malformed bad-option-len --flows 20"
)
parts=()
ring_parts=()
for c in "${cases[@]}"; do
	set -- $c
	name=$1
	shift
	"$gen" write "$tmp/$name.pcap" "$@" --sport-base $((1000 + ${#parts[@]} * 2000)) >/dev/null || exit 1
	parts+=("$tmp/$name.pcap")
	# A net_ring receive port hands back what is sent on it, the ICMP
	# replies to too-big requests and pings among them: the net_ring runs
	# leave those out (the replies have a test of their own below).
	case $name in too-big-* | echo*) ;; *) ring_parts+=("$tmp/$name.pcap") ;; esac
done
cat_pcaps() { # cat_pcaps OUT IN...
	python3 - "$@" <<'PY'
import sys
out = open(sys.argv[1], "wb")
for i, p in enumerate(sys.argv[2:]):
    d = open(p, "rb").read()
    out.write(d if i == 0 else d[24:])
PY
}
cat_pcaps "$tmp/in.pcap" "${parts[@]}"
cat_pcaps "$tmp/in-ring.pcap" "${ring_parts[@]}"

check "steer-dpdk replays the pcap (net_pcap, --no-huge --no-pci)" \
	bash -c "'$build/dataplane/steer-dpdk' --no-huge -m 512 --no-pci --no-shconf -l 0 --log-level=1 \
		--vdev net_pcap0,rx_pcap=$tmp/in.pcap,tx_pcap=$tmp/dpdk.pcap -- --config '$config' --control $tmp/ctl.sock \
		--idle-exit 500 >$tmp/dpdk.json"
check "the XDP program replays it (BPF_PROG_TEST_RUN)" \
	bash -c "'$build/tests/xdp_pcap' '$config' $tmp/in.pcap $tmp/xdp.pcap >$tmp/xdp.json"

compare() { # compare [DPDK-OUT [XDP-OUT]]: pcap names in $tmp, default dpdk, xdp
	python3 - "$tmp" "${1:-dpdk}" "${2:-xdp}" <<'PY'
import sys
from pcapfile import frames
tmp, mine, ref = sys.argv[1:4]
a, b = frames(f"{tmp}/{mine}.pcap"), frames(f"{tmp}/{ref}.pcap")
print(f"steer-dpdk sent {len(a)} packets, XDP {len(b)}")
assert len(a) == len(b) and len(a) > 0, "different packet counts"
for i, (x, y) in enumerate(zip(a, b)):
    assert x == y, f"packet {i} differs:\n dpdk {x[:80].hex()}\n xdp  {y[:80].hex()}"
PY
}
check "both paths send the same packets, byte for byte" compare

counters() { # counters [DPDK-OUT [XDP-OUT [equal]]]: their JSON in $tmp, default dpdk, xdp;
	# "equal": only that they are equal, not what this file's traffic must count
	python3 - "$tmp" "${1:-dpdk}" "${2:-xdp}" "${3:-}" <<'PY'
import json, sys
tmp, mine, ref, only_equal = sys.argv[1:5]
d, x = json.load(open(f"{tmp}/{mine}.json")), json.load(open(f"{tmp}/{ref}.json"))
for part in ("traffic", "pass", "drops", "services", "nodes"):
    print(part, "dpdk", json.dumps(d[part], sort_keys=True))
    assert d[part] == x[part], f"{part} differ:\n dpdk {d[part]}\n xdp  {x[part]}"
if only_equal:
    # Not vacuous: mutants were forwarded, dropped and passed.
    drops, passed = sum(d["drops"].values()), sum(d["pass"].values())
    print("forwarded", d["traffic"]["forward"], "dropped", drops, "passed", passed)
    assert d["traffic"]["forward"] >= 1000 and drops >= 1000 and passed >= 100
    sys.exit(0)
nonzero = [k for k, v in d["drops"].items() if v]
print("drop reasons exercised:", nonzero)
assert {"malformed", "ext_chain", "bad_header", "unknown_cid", "no_node", "too_big"} <= set(nonzero)
assert d["pass"]["not_steer"] > 0
# Routers' ICMP errors about the nodes' replies, carried to the flows' nodes.
assert d["traffic"]["icmp_to_node"] == 40, d["traffic"]
if ref == "xdp":
    # ICMP errors for the too-big requests: 10 with DF over IPv4, 10 over
    # IPv6; none for the 10 without DF. Pings to VIPs, answered.
    assert d["traffic"]["icmp_sent"] == 20, d["traffic"]
    assert d["traffic"]["icmp_echo"] == 20, d["traffic"]
PY
}
check "every counter agrees: traffic, pass, drops by reason, services, nodes" counters

# Differential fuzzing of the two paths: 20,000 frames of the traffic above
# mutated at random (header bytes flipped or set, cut short, grown; the
# same on every run; STEER_MUTATION_SEED and STEER_MUTATIONS in the
# environment pick others and more), through steer-dpdk and XDP. With icmp_rate 0: the
# two ICMP limits keep different clocks (XDP's is coarse), and replies
# under mutation are the kernel-against-core test's (tests/bpf).
python3 - "$tmp/in.pcap" "$tmp/mut.pcap" <<'PY'
import os, random, struct, sys
from pcapfile import frames
base = frames(sys.argv[1])
rnd = random.Random(int(os.environ.get("STEER_MUTATION_SEED", "1"), 0))
out = open(sys.argv[2], "wb")
out.write(open(sys.argv[1], "rb").read()[:24])
for i in range(int(os.environ.get("STEER_MUTATIONS", "20000"))):
    f = bytearray(rnd.choice(base))
    for _ in range(rnd.randint(1, 4)):
        k = rnd.randrange(4)
        if k == 0:
            f[rnd.randrange(min(len(f), 128))] ^= 1 << rnd.randrange(8)
        elif k == 1:
            f[rnd.randrange(min(len(f), 128))] = rnd.choice((0, 0xff))
        elif k == 2:
            f = f[:rnd.randint(14, len(f))]
        else:
            f += bytes([rnd.randrange(256)]) * rnd.randint(0, 64)
    out.write(struct.pack("<IIII", i // 1000000, i % 1000000, len(f), len(f)) + bytes(f))
PY
jq '.gateway.icmp_rate = 0' "$config" >"$tmp/norate.json"
"$build/tests/xdp_pcap" "$tmp/norate.json" "$tmp/mut.pcap" "$tmp/xdp-mut.pcap" >"$tmp/xdp-mut.json"
mutants_match() {
	"$build/dataplane/steer-dpdk" --no-huge -m 512 --no-pci --no-shconf -l 0 --log-level=1 \
		--vdev "net_pcap0,rx_pcap=$tmp/mut.pcap,tx_pcap=$tmp/mut-dpdk.pcap" -- \
		--config "$tmp/norate.json" --control "$tmp/mut.sock" --idle-exit 500 >"$tmp/mut-dpdk.json" &&
		compare mut-dpdk xdp-mut
}
check "mutated frames: steer-dpdk sends the same packets as XDP, byte for byte" mutants_match
check "mutated frames: every counter agrees (and they were forwarded, dropped, passed)" \
	counters mut-dpdk xdp-mut equal

# The same traffic through a net_ring port, loaded by --preload (what is
# transmitted on a net_ring comes back on its receive queue), out of a
# net_pcap port.
eal="--no-huge -m 512 --no-pci --no-shconf -l 0 --log-level=1"
"$build/tests/xdp_pcap" "$config" "$tmp/in-ring.pcap" "$tmp/xdp-ring.pcap" >"$tmp/xdp-ring.json"
check "steer-dpdk on net_ring, loaded with the same pcap (--preload)" \
	bash -c "'$build/dataplane/steer-dpdk' $eal --vdev net_ring0 --vdev net_pcap1,tx_pcap=$tmp/ring.pcap \
		-- --port 0 --tx-port 1 --preload $tmp/in-ring.pcap --config '$config' --control $tmp/ring.sock \
		--idle-exit 500 >$tmp/ring.json && jq -e '.dataplane.preloaded > 4000' $tmp/ring.json"
# The pipeline's own time: some, and within the time from first to last packet.
check "net_ring: pipeline_seconds counts the worker's time on bursts" \
	jq -e '.dataplane.pipeline_seconds > 0 and
		.dataplane.pipeline_seconds <= .dataplane.busy_seconds + 0.001' "$tmp/ring.json"
check "net_ring: the same packets as XDP, byte for byte" compare ring xdp-ring
check "net_ring: every counter agrees" counters ring xdp-ring

# With a transmit port of its own, replies to senders go back out of the
# receive port: the ICMP errors to the too-big requests and the echo
# replies, and nothing else.
replies_back() {
	cat_pcaps "$tmp/big.pcap" "$tmp/too-big-df.pcap" "$tmp/too-big-v6.pcap" "$tmp/echo4.pcap" \
		"$tmp/v4-udp.pcap"
	"$build/tests/xdp_pcap" "$config" "$tmp/big.pcap" "$tmp/big-xdp.pcap" >/dev/null &&
		"$build/dataplane/steer-dpdk" $eal \
		--vdev "net_pcap0,rx_pcap=$tmp/big.pcap,tx_pcap=$tmp/back.pcap" \
		--vdev "net_pcap1,tx_pcap=$tmp/fwd.pcap" -- --port 0 --tx-port 1 --config "$config" \
		--control "$tmp/big.sock" --idle-exit 500 >"$tmp/big.json" || return 1
	python3 - "$tmp" <<'PY'
import sys
from pcapfile import frames
tmp = sys.argv[1]
back, fwd, ref = (frames(f"{tmp}/{n}.pcap") for n in ("back", "fwd", "big-xdp"))
icmp = lambda f: (f[12:14] == b"\x08\x00" and f[23] == 1) or (f[12:14] == b"\x86\xdd" and f[20] == 58)
print(f"back out of the receive port: {len(back)}, out of the transmit port: {len(fwd)}")
assert len(back) == 30 and all(icmp(f) for f in back)
assert len(fwd) == 900 and not any(icmp(f) for f in fwd)
assert back == [f for f in ref if icmp(f)] and fwd == [f for f in ref if not icmp(f)]
PY
}
check "--tx-port: ICMP errors and echo replies go back out of the receive port, byte for byte as XDP's" \
	replies_back
check "--preload without a separate --tx-port is refused" \
	bash -c "timeout 20 $build/dataplane/steer-dpdk $eal --vdev net_ring0 -- --preload $tmp/in.pcap \
		--control $tmp/r2.sock 2>&1 | grep -q 'needs a --tx-port'"
check "--preload and --replay together are refused" \
	bash -c "timeout 20 $build/dataplane/steer-dpdk $eal --vdev net_ring0 --vdev net_null1 -- \
		--port 0 --tx-port 1 --preload $tmp/in.pcap --replay $tmp/in.pcap \
		--control $tmp/r2.sock 2>&1 | grep -q 'one of --preload and --replay'"
# The same frames in a Linux cooked capture (tcpdump -i any): not Ethernet.
python3 -c "import sys; b = bytearray(open(sys.argv[1], 'rb').read()); b[20:24] = (113).to_bytes(4, 'little'); open(sys.argv[2], 'wb').write(b)" \
	"$tmp/in.pcap" "$tmp/cooked.pcap"
check "--replay of a capture that is not of Ethernet frames is refused with its link type" \
	bash -c "timeout 20 $build/dataplane/steer-dpdk $eal --vdev net_ring0 --vdev net_null1 -- \
		--port 0 --tx-port 1 --replay $tmp/cooked.pcap --control $tmp/r2.sock 2>&1 |
		grep -q 'cooked.pcap: link type 113, not Ethernet'"
"$gen" write "$tmp/jumbo.pcap" --dst 198.18.0.100 --flows 1 --size 3000 >/dev/null
check "--replay of a frame larger than an mbuf is refused with its size" \
	bash -c "timeout 20 $build/dataplane/steer-dpdk $eal --vdev net_ring0 --vdev net_null1 -- \
		--port 0 --tx-port 1 --replay $tmp/jumbo.pcap --control $tmp/r2.sock 2>&1 |
		grep -q 'frame 1 of .* is 3000 bytes, more than an mbuf holds'"

# --replay: the main lcore sends the file round after round until the
# worker lcore is stopped. Every round is the same traffic, so each
# round's counters are the first's: the drops and passes per frame stay
# the preload's (established flows go to the node they started on, which
# is the one Maglev gives them). Two lcores, so it runs where CI does.
frames=$(jq '.dataplane.preloaded' "$tmp/ring.json")
timeout -s TERM 3 "$build/dataplane/steer-dpdk" --no-huge -m 512 --no-pci --no-shconf -l 0-1 \
	--log-level=1 --vdev net_ring0 --vdev net_null1 -- --port 0 --tx-port 1 \
	--replay "$tmp/in-ring.pcap" --config "$config" --control "$tmp/replay.sock" \
	>"$tmp/replay.json" 2>"$tmp/replay.err"
check "net_ring --replay: several rounds of the file received and counted" \
	jq -e --argjson n "$frames" '.dataplane.replayed >= 3 * $n and
		.traffic.rx >= 2 * $n and .traffic.rx <= .dataplane.replayed' "$tmp/replay.json"
check "net_ring --replay: later rounds forward as the first, every flow new once" \
	python3 - "$tmp/ring.json" "$tmp/replay.json" <<'PY'
import json, sys
one, many = (json.load(open(p)) for p in sys.argv[1:])
for part in ("rx", "forward", "flow_new"):
    print(part, one["traffic"].get(part), many["traffic"].get(part))
r1 = one["traffic"]["forward"] / one["traffic"]["rx"]
rn = many["traffic"]["forward"] / many["traffic"]["rx"]
# A partial last round shifts the ratio by at most one round's share.
assert abs(r1 - rn) <= r1 * one["traffic"]["rx"] / many["traffic"]["rx"] + 1e-9, (r1, rn)
# Later rounds find every flow the first recorded.
assert many["traffic"]["flow_new"] == one["traffic"]["flow_new"]
assert many["dataplane"]["flow_table_full"] == 0
PY

# The same replay on 2 MiB hugepages, when the machine can give 256 more
# (512 MiB): a hugetlbfs mount of our own, --in-memory so that nothing is
# left in it; the reservation goes back to what it was.
huge_ok=
echo $((hp_before + 256)) >/proc/sys/vm/nr_hugepages 2>/dev/null
if [ "$(cat /proc/sys/vm/nr_hugepages)" -ge $((hp_before + 256)) ] && mkdir "$tmp/huge" &&
	mount -t hugetlbfs -o pagesize=2M nodev "$tmp/huge"; then
	huge_ok=1
fi
if [ -n "$huge_ok" ]; then
	check "steer-dpdk on 2 MiB hugepages replays the pcap (net_pcap)" \
		bash -c "'$build/dataplane/steer-dpdk' --in-memory --huge-dir $tmp/huge -m 400 --no-pci \
			-l 0 --log-level=1 --vdev net_pcap0,rx_pcap=$tmp/in.pcap,tx_pcap=$tmp/huge.pcap -- \
			--config '$config' --control $tmp/huge.sock --idle-exit 500 >$tmp/huge.json"
	check "hugepages: the same packets as XDP, byte for byte" compare huge
	check "hugepages: every counter agrees" counters huge
else
	for d in "steer-dpdk on 2 MiB hugepages replays the pcap (net_pcap)" \
		"hugepages: the same packets as XDP, byte for byte" "hugepages: every counter agrees"; do
		skip "$d" "cannot reserve 256 more 2 MiB hugepages here (have $(cat /proc/sys/vm/nr_hugepages))"
	done
fi
huge_cleanup

# A kernel TAP interface (net_tap) in a namespace of ours: the kernel sends
# steer-gen's requests into it, steer-dpdk steers them out of a net_pcap port.
tap() {
	local ns=steer-tap-$$ pid i
	lab_ns "$ns"
	"$gen" write "$tmp/tap-in.pcap" --dst 198.18.0.100 --proto udp --flows 400 --packets 2 \
		--sport-base 40000 >/dev/null &&
		"$build/tests/xdp_pcap" "$config" "$tmp/tap-in.pcap" "$tmp/tap-xdp.pcap" >/dev/null ||
		return 1
	ip netns exec "$ns" "$build/dataplane/steer-dpdk" $eal --vdev net_tap0,iface=stap0 \
		--vdev "net_pcap1,tx_pcap=$tmp/tap.pcap" -- --port 0 --tx-port 1 --config "$config" \
		--control "$tmp/tap.sock" --idle-exit 2000 >"$tmp/tap.json" 2>"$tmp/tap.err" &
	pid=$!
	for i in $(seq 50); do ip -n "$ns" link show stap0 >/dev/null 2>&1 && break; sleep 0.1; done
	# No IPv6 on the tap: the kernel's own router and listener messages
	# would be steer-dpdk's traffic too.
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.stap0.disable_ipv6=1
	ip -n "$ns" link set stap0 up
	# Frames sent before the PMD raises the carrier are dropped by the
	# kernel: wait for it.
	for i in $(seq 50); do
		ip -n "$ns" link show stap0 | grep -q LOWER_UP && break
		sleep 0.1
	done
	sleep 0.3
	lab_exec "$ns" "$gen" send stap0 --dst 198.18.0.100 --proto udp --flows 400 --packets 2 \
		--sport-base 40000 --rate 5000 || return 1
	wait "$pid" || { cat "$tmp/tap.err"; return 1; }
	jq -c .traffic "$tmp/tap.json"
	# The kernel may add a frame of its own (rx 801): what counts is that
	# every request is forwarded.
	jq -e '.traffic.forward == 800 and .dataplane.flows == 400' "$tmp/tap.json" >/dev/null
}
check "steer-dpdk on net_tap: the kernel's packets come in and are steered" tap
check "net_tap: the same packets as XDP, byte for byte" compare tap tap-xdp

# A flood of new flows into a small flow table, then idle past the timeout.
flood() {
	jq '.services[].affinity_timeout_s = 1' "$config" \
		>"$tmp/short.json"
	"$gen" write "$tmp/flood.pcap" --dst 198.18.0.100 --flows 5000 >/dev/null
	"$build/dataplane/steer-dpdk" --no-huge -m 512 --no-pci --no-shconf -l 0 --log-level=1 \
		--vdev "net_pcap0,rx_pcap=$tmp/flood.pcap,tx_pcap=/dev/null" -- --config "$tmp/short.json" \
		--control "$tmp/ctl2.sock" --flows 1024 --idle-exit 2500 >"$tmp/flood.json" || return 1
	jq -c '{traffic, dataplane}' "$tmp/flood.json"
	# Idle past the timeout, the sweep has cleared every entry it counted.
	jq -e '.traffic.forward == 5000 and .dataplane.flow_table_full > 0 and
		.dataplane.flows_evicted > 500 and .dataplane.flows == 0' "$tmp/flood.json" >/dev/null
}
check "a flow table full: new flows still forwarded and counted; idle entries swept out" flood

# Errors end the process with a message, never a hang.
fails_with() { # fails_with PATTERN ARGS...
	local pattern=$1 rc=0
	shift
	timeout 20 "$build/dataplane/steer-dpdk" "$@" >"$tmp/err.out" 2>&1 || rc=$?
	cat "$tmp/err.out"
	[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && grep -q -- "$pattern" "$tmp/err.out"
}
check "a bad EAL option: message and non-zero exit" fails_with "EAL" --no-huge --bogus-eal-option
check "a port that does not exist: message and non-zero exit" \
	fails_with "port 3 does not exist" $eal --vdev net_null0 -- --port 3 --control "$tmp/e.sock"
check "a bad config: file:line:column and non-zero exit" \
	bash -c "echo '{ \"gateway\": [] }' >$tmp/bad.json; $(declare -f fails_with); build=$build tmp=$tmp \
		fails_with 'bad.json:1:14: gateway: must be an object' $eal --vdev net_null0 -- --config $tmp/bad.json --control $tmp/e.sock"
check "next_hop fib is refused: steer-dpdk does no ARP/NDP" \
	bash -c "jq '.gateway.next_hop = \"fib\"' $config >$tmp/fib.json; $(declare -f fails_with); build=$build tmp=$tmp \
		fails_with 'does no ARP/NDP' $eal --vdev net_null0 -- --config $tmp/fib.json --control $tmp/e.sock"
check "a bad option: usage and exit 2" \
	bash -c "timeout 20 $build/dataplane/steer-dpdk $eal --vdev net_null0 -- --burst 0 >/dev/null 2>&1; [ \$? -eq 2 ]"
tap_done
