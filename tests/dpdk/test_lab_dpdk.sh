#!/bin/bash
# steer-dpdk in the namespace lab: it receives the client's requests on
# net_af_packet (gwc) and sends them encapsulated out of a second
# net_af_packet port (gwr) to the gateway kernel's MAC on its peer (gwk),
# which routes them to the nodes; steer-decap strips them there. steerd
# drives steer-dpdk. Usage: test_lab_dpdk.sh BUILD_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"
. "$here/../lab/lab_env.sh"
BUILD=$(cd "$1" && pwd)
lab_require_root
[ -x "$BUILD/dataplane/steer-dpdk" ] || skip_all "steer-dpdk not built (DPDK not found)"
lab_require_tools

LAB=sd$$-
LAB_DIR=$(mktemp -d)
LAB_SRC=$here/../lab
LAB_SOCK=$LAB_DIR/steerd.sock
dpdk_pid=
cleanup() {
	[ -n "$dpdk_pid" ] && kill -9 "$dpdk_pid" 2>/dev/null && wait "$dpdk_pid" 2>/dev/null
	lab_down
	rm -rf "$LAB_DIR"
}
trap cleanup EXIT

lab_net_up || skip_all "the lab did not come up"
gw=${LAB}gw
ip -n "$gw" link add gwr type veth peer name gwk
ip -n "$gw" link set gwr up
ip -n "$gw" link set gwk up
# AF_PACKET sees what the socket wrote: keep checksums computed in software.
ip netns exec "$gw" ethtool -K gwc rx off tx off gro off >/dev/null 2>&1
ip netns exec "$gw" ethtool -K gwr tx off >/dev/null 2>&1
gwk_mac=$(lab_mac "$gw" gwk)
# AF_PACKET does not take packets from the kernel as a NIC bound to DPDK
# would: the gateway's kernel sees the client's requests too. Blackhole
# routes make it drop them silently instead of answering "unreachable".
ip -n "$gw" route add blackhole 198.18.0.0/24
ip -n "$gw" -6 route add blackhole 2001:db8::/64

config=$LAB_DIR/lab.json
jq --arg s "$LAB_SOCK" --arg mac "$gwk_mac" \
	'.gateway.api.socket = $s | .gateway.dataplane = "dpdk" | .gateway.next_hop = $mac' \
	"$here/../../configs/lab.json" >"$config"

nsenter --net="/var/run/netns/$gw" "$BUILD/dataplane/steer-dpdk" --no-huge -m 512 --no-pci \
	--no-shconf -l 0 --log-level=1 --vdev net_af_packet0,iface=gwc --vdev net_af_packet1,iface=gwr \
	-- --port 0 --tx-port 1 --control "$LAB_DIR/dpdk.sock" --flows 65536 \
	</dev/null >"$LAB_DIR/dpdk.json" 2>"$LAB_DIR/dpdk.err" &
dpdk_pid=$!
for _ in $(seq 50); do [ -S "$LAB_DIR/dpdk.sock" ] && break; sleep 0.1; done
check "steer-dpdk runs on net_af_packet ports in the gateway namespace" test -S "$LAB_DIR/dpdk.sock"

steerd_pid=
start_steerd() {
	nsenter --net="/var/run/netns/$gw" "$BUILD/steerd" -c "$config" --state "$LAB_DIR/state.json" \
		--dpdk-control "$LAB_DIR/dpdk.sock" </dev/null >>"$LAB_DIR/steerd.log" 2>&1 &
	steerd_pid=$!
	for _ in $(seq 50); do
		"$BUILD/steerctl" -s "$LAB_SOCK" -j status 2>/dev/null | jq -e '.dpdk.synced' >/dev/null &&
			return 0
		sleep 0.1
	done
	cat "$LAB_DIR/steerd.log"
	return 1
}
check "steerd drives it" start_steerd
ctl() { "$BUILD/steerctl" -s "$LAB_SOCK" "$@"; }

check "a TCP handshake through steer-dpdk completes (IPv4 VIP)" lab_request tcp 198.18.0.100
check "a TCP handshake through steer-dpdk completes (IPv6 VIP)" lab_request tcp 2001:db8::100
# Requests too big for the tunnel: steer-dpdk's ICMP errors go back out of
# the receive port (gwc) to the client, whose TCP then sends smaller
# segments.
check "TCP: full-size segments get through steer-dpdk (IPv4 VIP, ICMP fragmentation needed)" \
	lab_through_pmtu lab_request tcp 198.18.0.100 4000
check "TCP: full-size segments get through steer-dpdk (IPv6 VIP, ICMPv6 packet too big)" \
	lab_through_pmtu lab_request tcp 2001:db8::100 4000
check "a router's ICMP error about a node's reply reaches that node through steer-dpdk (IPv4)" \
	lab_icmp_to_flow_node 198.18.0.100 198.18.100.2 62011
check "a router's ICMP error about a node's reply reaches that node through steer-dpdk (IPv6)" \
	lab_icmp_to_flow_node 2001:db8::100 2001:db8:100::2 62012
check "ping to the IPv4 VIP is answered by steer-dpdk" lab_ping_vip 198.18.0.100
check "ping to the IPv6 VIP is answered by steer-dpdk" lab_ping_vip 2001:db8::100

weights() {
	local -a c
	lab_reset_logs
	lab_gen --flows 3000 --rate 10000 --dst 198.18.0.100 --sport-base 20000 >/dev/null || return 1
	sleep 0.7
	c=($(lab_received 1 udp) $(lab_received 2 udp) $(lab_received 3 udp))
	echo "n1 ${c[0]} n2 ${c[1]} n3 ${c[2]} of 3000"
	[ $((c[0] + c[1] + c[2])) -eq 3000 ] &&
		[ $((c[0] * 1000 / 3000 - 166)) -le 50 ] && [ $((166 - c[0] * 1000 / 3000)) -le 50 ] &&
		[ $((c[2] * 1000 / 3000 - 500)) -le 50 ] && [ $((500 - c[2] * 1000 / 3000)) -le 50 ]
}
check "3000 UDP flows reach the nodes by weight and are decapsulated there" weights

# Drain through the API (PUT /v1/nodes/n2/state): the same core semantics
# as the XDP path, through steer-dpdk's per-worker flow table.
drain_n2_by_api() { ctl node n2 state draining >/dev/null; }
check "a node drained through the API keeps its established flows" \
	lab_drain_keeps_flows 43000 drain_n2_by_api
check "and gets no new flows" lab_drain_takes_no_new 53000
flows_is() { ctl -j flows | jq -e "$1"; }
check "steerctl flows: the draining node still holds flows in steer-dpdk's tables" \
	flows_is '.nodes.n2 > 0 and .flows >= 3000'
down_by_api() {
	ctl node n2 state down >/dev/null || return 1
	lab_reset_logs
	lab_gen --flows 600 --rate 20000 --dst 198.18.0.100 --sport-base 43000 >/dev/null
	sleep 0.7
	lab_flow_nodes >"$LAB_DIR/after"
	echo "after down: n1 $(lab_received 1 udp), n2 $(lab_received 2 udp), n3 $(lab_received 3 udp)"
	# n2's flows move; every other flow stays where it was.
	[ "$(lab_received 2 udp)" -eq 0 ] &&
		[ $(( $(lab_received 1 udp) + $(lab_received 3 udp) )) -eq 600 ] &&
		[ "$(grep -v ' n2$' "$LAB_DIR/established" | comm -23 - "$LAB_DIR/after" | wc -l)" -eq 0 ]
}
check "a node set down through the API stops receiving; other flows stay put" down_by_api
check "steerctl flows: the node set down holds none in steer-dpdk's tables" flows_is '.nodes.n2 == 0'
ctl node n2 state up >/dev/null

updates_under_traffic() {
	local gen_pid i received
	lab_reset_logs
	lab_gen --flows 20000 --rate 10000 --dst 198.18.0.100 --sport-base 30000 >"$LAB_DIR/gen.out" &
	gen_pid=$!
	for i in $(seq 20); do
		jq --argjson w $((i % 4 + 1)) '.services[0].nodes[0].weight = $w' "$config" >"$config.new" &&
			mv "$config.new" "$config"
		ctl reload >/dev/null || return 1
		sleep 0.05
	done
	wait "$gen_pid" || return 1
	sleep 0.7
	received=$(( $(lab_received 1 udp) + $(lab_received 2 udp) + $(lab_received 3 udp) ))
	echo "received $received of 20000 across 20 table updates"
	[ "$received" -eq 20000 ]
}
check "table updates applied while traffic flows lose no packet" updates_under_traffic

# 1,000 decision batches and a SIGKILL of steerd while 500 live flows send:
# steer-dpdk takes every table, keeps forwarding while steerd is away, and
# the restarted steerd restores the decisions and resynchronises it.
# (steer-dpdk takes each table over its control socket: ~10 ms a batch on
# one shared lcore here, so the traffic runs longer than in the XDP lab.)
decisions_under_traffic() { lab_decisions_under_traffic 100 4000 40000 start_steerd; }
check "1,000 decision batches and SIGKILL of steerd under traffic: no loss, no flow moved" \
	decisions_under_traffic

# No drop but the too-big requests, each answered.
check "steerctl stats reads steer-dpdk's counters" \
	bash -c "$BUILD/steerctl -s $LAB_SOCK -j stats | jq -e '.traffic.forward >= 23000 and
		([.drops | to_entries[] | select(.key != \"too_big\") | .value] | add) == 0 and
		.drops.too_big > 0 and .traffic.icmp_sent == .drops.too_big' >/dev/null"
tap_done
