#!/bin/bash
# steer-dpdk benchmark (not a test: it prints figures). Mpps of one worker
# core through the whole pipeline (parse, CID lookup, affinity, Maglev,
# encap), against dpdk-testpmd macswap on the same PMD in the same run.
#   net_null: the PMD's own (non-IP) frames; every one is parsed and passed.
#   real packets: a steer-gen pcap of 1, 1,024, 65,536 or 1,000,000 flows
#   preloaded in memory (net_pcap infinite_rx, which replays mbufs from RAM,
#   standing in for a loaded net_ring), transmitted to net_null; and
#   262,144 flows whose packets arrive scattered rather than in the order
#   the flows started.
#   net_ring --replay: the same files on a net_ring, copied into mbufs by
#   the main lcore just before it sends them (a NIC's DMA done by another
#   core), round after round.
# Each steer-dpdk line also gives the pipeline alone: packets over the
# worker's time from rx_burst's return to the end of its poll (pipeline,
# transmit, sweep), the PMD's receive left out (dataplane.pipeline_seconds).
# net_pcap's replay copies every packet on receive; a NIC's receive
# writes packets by DMA, and its rx_burst costs a fraction of that copy.
# Uses 2 MiB hugepages when it can reserve them, else --no-huge.
# Usage: bench_dpdk.sh BUILD_DIR [SECONDS]
set -eu
build=$(cd "$1" && pwd)
secs=${2:-6}
[ "$(id -u)" -eq 0 ] || { echo "bench_dpdk: run as root"; exit 1; }
tmp=$(mktemp -d)
hp_before=$(cat /proc/sys/vm/nr_hugepages)
cleanup() {
	umount "$tmp/huge" 2>/dev/null || true
	echo "$hp_before" >/proc/sys/vm/nr_hugepages
	rm -rf "$tmp"
}
trap cleanup EXIT
trap "exit 1" INT TERM

mem="--no-huge -m 3072"
mode="without hugepages (--no-huge)"
echo 1700 >/proc/sys/vm/nr_hugepages 2>/dev/null || true
if [ "$(cat /proc/sys/vm/nr_hugepages)" -ge 1600 ]; then
	mkdir "$tmp/huge"
	mount -t hugetlbfs nodev "$tmp/huge"
	mem="--in-memory --huge-dir $tmp/huge -m 3072"
	mode="with 2 MiB hugepages"
fi
eal="-l 0-1 $mem --no-pci --log-level=1"

cat >"$tmp/bench.json" <<'JSON'
{ "gateway": { "name": "bench", "dataplane": "dpdk", "interfaces": ["p0"],
    "encap_source": { "ipv4": "198.18.0.1", "ipv6": "2001:db8::1" },
    "next_hop": "02:00:00:00:00:fe", "hash_seed": "8f1c0a57d2e94b3a6c15e0f7a9b2d4c1" },
  "nodes": [ { "name": "n1", "address": "198.18.1.10" }, { "name": "n2", "address": "198.18.2.10" },
             { "name": "n3", "address": "198.18.3.10" } ],
  "services": [ { "name": "web", "cid": 1001, "vips": ["198.18.0.100:443/udp"],
      "nodes": [ {"node": "n1"}, {"node": "n2", "weight": 2}, {"node": "n3", "weight": 3} ] } ] }
JSON

testpmd_mpps() { # testpmd_mpps VDEV0 VDEV1 [MBUFS]: median over the seconds of port 0's Rx-pps
	# (port 0 is the one steer-dpdk receives on; port 1 is where it sends)
	# testpmd exits at end of input ("Press enter to exit"): keep it open.
	sleep $((secs + 60)) | timeout $((secs + 60)) dpdk-testpmd $eal --vdev "$1" --vdev "$2" -- \
		--forward-mode=macswap --auto-start --stats-period 1 --nb-cores=1 \
		--total-num-mbufs=${3:-1100000} >"$tmp/testpmd.out" 2>&1 &
	local pid=$!
	sleep "$secs"
	pkill -INT -f "dpdk-testpmd $eal" 2>/dev/null || kill -INT "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || true
	grep -o 'Rx-pps: *[0-9]*' "$tmp/testpmd.out" | awk '{print $2}' | paste - - |
		awk '$1 > 0 { print $1 / 1e6 }' | sort -n |
		awk '{ v[NR] = $1 } END { if (NR) printf "%.2f", v[int((NR + 1) / 2)]; else print 0 }'
	grep -qi "Rx-pps" "$tmp/testpmd.out" || tail -5 "$tmp/testpmd.out" >&2
}

pipeline() { # pipeline: "the pipeline alone ..." of the last steer-dpdk run
	jq -r '.traffic.rx / .dataplane.pipeline_seconds |
		"pipeline alone \(. / 1e4 | floor / 100) Mpps, \(1e10 / . | floor / 10) ns/packet"' \
		"$tmp/steer.json"
}

steer_mpps() { # steer_mpps VDEV-ARGS... [-- STEER-ARGS...]: Mpps of one worker, from its own count
	local vdevs=() more=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do vdevs+=("$1"); shift; done
	[ $# -eq 0 ] || { shift; more=("$@"); }
	timeout $((secs + 60)) "$build/dataplane/steer-dpdk" $eal "${vdevs[@]}" -- \
		--config "$tmp/bench.json" --control "$tmp/ctl.sock" --port 0 --tx-port 1 \
		--mbufs 1100000 --flows 2097152 "${more[@]}" >"$tmp/steer.json" 2>"$tmp/steer.err" &
	local pid=$!
	sleep "$secs"
	kill -TERM "$pid"
	wait "$pid" || { cat "$tmp/steer.err" >&2; echo 0; return; }
	jq -r '(.traffic.rx / .dataplane.busy_seconds / 1e6 * 100 | floor) / 100' "$tmp/steer.json"
}

echo "steer-dpdk benchmark, $mode, one worker core, ${secs} s per run"
# net_null needs few mbufs: a replay of a million flows holds its file.
base=$(testpmd_mpps net_null0 net_null1 65536 2>/dev/null)
label="dpdk-testpmd macswap, net_null (baseline)"
if [ "$base" = 0 ]; then
	# testpmd's forwarding stalls here with --in-memory hugepages: measure
	# it without, and say so.
	eal_saved=$eal
	eal="-l 0-1 --no-huge -m 1024 --no-pci --no-shconf --log-level=1"
	base=$(testpmd_mpps net_null0 net_null1 65536 2>/dev/null)
	eal=$eal_saved
	label="dpdk-testpmd macswap, net_null, --no-huge"
fi
printf "%-46s %8s Mpps\n" "$label" "$base"
v=$(steer_mpps --vdev net_null0 --vdev net_null1)
printf "%-46s %8s Mpps  %.2fx testpmd  (%s; %s)\n" "steer-dpdk, net_null frames (parsed, passed)" \
	"$v" "$(echo "$v / $base" | bc -l)" "$(jq -c '.pass' "$tmp/steer.json")" "$(pipeline)"
for flows in 1 1024 65536 1000000; do
	"$build/tools/steer-gen" write "$tmp/f.pcap" --dst 198.18.0.100 --flows "$flows" \
		--packets $((flows < 65536 ? 65536 / flows : 1)) >/dev/null
	tp=$(testpmd_mpps "net_pcap0,rx_pcap=$tmp/f.pcap,infinite_rx=1" net_null0 2>/dev/null)
	v=$(steer_mpps --vdev "net_pcap0,rx_pcap=$tmp/f.pcap,infinite_rx=1" --vdev net_null0)
	printf "%-46s %8s Mpps  %.2fx testpmd on the same replay (%s Mpps; forwarded %s; %s)\n" \
		"steer-dpdk, real packets, $flows flows" "$v" \
		"$(echo "$v / ($tp + 0.000001)" | bc -l)" "$tp" "$(jq '.traffic.forward' "$tmp/steer.json")" \
		"$(pipeline)"
	# The same file on a net_ring, replayed by the main lcore: it copies
	# each frame into an mbuf just before sending it, as a NIC's DMA
	# would, so the worker's core no longer pays that copy (net_pcap's
	# replay makes it on the worker's own core). testpmd cannot load a
	# net_ring: no ratio.
	v=$(steer_mpps --vdev net_ring0 --vdev net_null0 -- --replay "$tmp/f.pcap" --mbufs 16384)
	printf "%-46s %8s Mpps  (replayed %s, forwarded %s; %s)\n" \
		"steer-dpdk, net_ring --replay, $flows flows" "$v" \
		"$(jq '.dataplane.replayed' "$tmp/steer.json")" "$(jq '.traffic.forward' "$tmp/steer.json")" \
		"$(pipeline)"
done
# A replay plays its flows in the order they started, every pass: a table
# that stores flows in arrival order (rte_hash's key store) then reads its
# memory in sequence. On a real link they arrive in no such order: here the
# rounds after the first visit the flows scattered (steer-gen --scatter).
"$build/tools/steer-gen" write "$tmp/f.pcap" --dst 198.18.0.100 --flows 262144 --packets 4 \
	--interleave --scatter >/dev/null
tp=$(testpmd_mpps "net_pcap0,rx_pcap=$tmp/f.pcap,infinite_rx=1" net_null0 2>/dev/null)
v=$(steer_mpps --vdev "net_pcap0,rx_pcap=$tmp/f.pcap,infinite_rx=1" --vdev net_null0)
printf "%-46s %8s Mpps  %.2fx testpmd on the same replay (%s Mpps; forwarded %s; %s)\n" \
	"steer-dpdk, 262,144 flows arriving scattered" "$v" \
	"$(echo "$v / ($tp + 0.000001)" | bc -l)" "$tp" "$(jq '.traffic.forward' "$tmp/steer.json")" \
	"$(pipeline)"
# A net_ring loaded with the same kind of steer-gen packets (--preload: the
# main lcore transmits them on the ring, the worker receives them back).
# One pass over the file, its mbufs cold (filled before the run): with
# 1 to 65,536 flows at least 8 packets per flow, mostly established; with
# 1,000,000 flows one packet each, every one a new flow.
# testpmd has no way to load a net_ring, so there is no ratio here.
for flows in 1 1024 65536 1000000; do
	packets=$((flows < 8192 ? 65536 / flows : flows < 1000000 ? 8 : 1))
	"$build/tools/steer-gen" write "$tmp/r.pcap" --dst 198.18.0.100 --flows "$flows" \
		--packets "$packets" --interleave >/dev/null
	timeout 120 "$build/dataplane/steer-dpdk" $eal --vdev net_ring0 --vdev net_null0 -- \
		--config "$tmp/bench.json" --control "$tmp/ctl.sock" --port 0 --tx-port 1 \
		--mbufs $((flows * packets + 100000)) --flows 2097152 --preload "$tmp/r.pcap" \
		--idle-exit 1000 \
		>"$tmp/steer.json" 2>"$tmp/steer.err" || cat "$tmp/steer.err" >&2
	printf "%-46s %8s Mpps  (%s packets preloaded, forwarded %s; %s)\n" \
		"steer-dpdk, net_ring --preload, $flows flows" \
		"$(jq -r '(.traffic.rx / .dataplane.busy_seconds / 1e6 * 100 | floor) / 100' "$tmp/steer.json")" \
		"$(jq '.dataplane.preloaded' "$tmp/steer.json")" "$(jq '.traffic.forward' "$tmp/steer.json")" \
		"$(pipeline)"
done
