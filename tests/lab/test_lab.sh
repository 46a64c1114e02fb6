#!/bin/bash
# End to end on real interfaces: a client, a gateway running steerd with
# XDP, three nodes running steer-decap and real UDP/TCP services, in network
# namespaces. Usage: test_lab.sh BUILD_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"
. "$here/lab_env.sh"
BUILD=$(cd "$1" && pwd)
lab_require_root
lab_require_tools

LAB=sl$$-
LAB_DIR=$(mktemp -d)
LAB_SRC=$here
LAB_SOCK=$LAB_DIR/steerd.sock
pin_root=/sys/fs/bpf/steer-lab$$
cleanup() {
	lab_down
	rm -rf "$pin_root" "$LAB_DIR"
}
trap cleanup EXIT

config=$LAB_DIR/lab.json
jq --arg s "$LAB_SOCK" '.gateway.api.socket = $s' "$here/../../configs/lab.json" >"$config"
lab_up "$config" --pin-root "$pin_root" --flow-entries 262144 || skip_all "the lab did not come up: $(cat "$LAB_DIR/steerd.log")"

ctl() { "$BUILD/steerctl" -s "$LAB_SOCK" "$@"; }
rate=20000
weights=(0 1 2 3) # n1:n2:n3 = 1:2:3 in configs/lab.json

settle() { sleep 0.7; }

# counts_by_log PROTO: "c1 c2 c3" from the services' logs.
counts_by_log() { echo "$(lab_received 1 "$1") $(lab_received 2 "$1") $(lab_received 3 "$1")"; }
counts_by_decap() { echo "$(lab_decapsulated 1) $(lab_decapsulated 2) $(lab_decapsulated 3)"; }

# in_proportion "c1 c2 c3" TOTAL: every node's share within 5 points of its weight's.
in_proportion() {
	local -a c=($1)
	local total=$2 i share want
	for i in 1 2 3; do
		share=$(( c[i-1] * 1000 / total ))
		want=$(( weights[i] * 1000 / 6 ))
		echo "n$i: ${c[i-1]} of $total (${share}‰, weight share ${want}‰)"
		[ $(( share > want ? share - want : want - share )) -le 50 ] || return 1
	done
	[ $(( c[0] + c[1] + c[2] )) -eq "$total" ] || { echo "lost: $(( total - c[0] - c[1] - c[2] ))"; return 1; }
}

# spread NAME FLOWS COUNT_BY STEER-GEN ARGS...: send one packet per flow,
# check the proportions at the nodes.
spread() {
	local flows=$2 how=$3 before after
	shift 3
	lab_reset_logs
	before=$(counts_by_decap)
	lab_gen --flows "$flows" --rate "$rate" "$@" >/dev/null || return 1
	settle
	if [ "$how" = decap ]; then
		local -a b=($before) a=($(counts_by_decap))
		after="$(( a[0] - b[0] )) $(( a[1] - b[1] )) $(( a[2] - b[2] ))"
	else
		after=$(counts_by_log "$how")
	fi
	in_proportion "$after" "$flows"
}

check "steerd attaches XDP natively on the gateway" \
	bash -c "$BUILD/steerctl -s $LAB_SOCK -j status | jq -e '.attach[0].mode == \"native\" and .attach[0].attached' >/dev/null"
check "steer-decap is attached on every node" \
	bash -c "for i in 1 2 3; do ip -n ${LAB}n\$i -d link show ne\$i | grep -q prog/xdp || exit 1; done"
check "a TCP handshake through the gateway completes (IPv4 VIP)" lab_request tcp 198.18.0.100
check "a TCP handshake through the gateway completes (IPv6 VIP)" lab_request tcp 2001:db8::100
check "a UDP request is answered by a node (IPv4 VIP)" lab_request udp 198.18.0.100
check "a UDP request is answered by a node (IPv6 VIP)" lab_request udp 2001:db8::100

# Path MTU discovery through the tunnel: requests that fill the client's
# 1,500-byte link do not fit it, and the gateway's ICMP errors tell the
# client so. Without them full-size TCP segments would vanish and the
# connection hang. The client's learned MTUs are forgotten first.
check "TCP: 4,000 bytes in full-size segments get through (IPv4 VIP, ICMP fragmentation needed)" \
	lab_through_pmtu lab_request tcp 198.18.0.100 4000
check "TCP: 4,000 bytes in full-size segments get through (IPv6 VIP, ICMPv6 packet too big)" \
	lab_through_pmtu lab_request tcp 2001:db8::100 4000
# The gue service: 8 more bytes of UDP, so 1472 or 1452.
check "UDP with DF: the client's path MTU comes down to the tunnel's (IPv4 VIP, gue)" \
	lab_through_pmtu lab_pmtu_udp 198.18.0.101 1472 1452
check "UDP: the client's path MTU comes down to the tunnel's (IPv6 VIP, ipip)" \
	lab_through_pmtu lab_pmtu_udp 2001:db8::100 1480 1460
# The same TCP request with the errors turned off by a reload: the black
# hole they prevent (the request times out, nothing is sent).
black_hole() {
	local before
	jq '.gateway.icmp_rate = 0' "$config" >"$config.new" && mv "$config.new" "$config" &&
		ctl reload >/dev/null || return 1
	ip -n "${LAB}cl" route flush cache
	before=$(lab_icmp_sent)
	! lab_request tcp 198.18.0.100 4000 && [ "$(lab_icmp_sent)" -eq "$before" ] || return 1
	jq 'del(.gateway.icmp_rate)' "$config" >"$config.new" && mv "$config.new" "$config" &&
		ctl reload >/dev/null
}
check "icmp_rate 0 (reloaded): no ICMP error, and the same TCP request hangs" black_hole
# The other way: a router's ICMP error about a node's reply reaches that
# node (the replies go straight to the client, the errors come to the VIP).
icmp_in() {
	local before
	before=$(ctl -j stats | jq .traffic.icmp_to_node)
	lab_icmp_to_flow_node "$@" &&
		[ "$(ctl -j stats | jq .traffic.icmp_to_node)" -eq $((before + 1)) ]
}
check "a router's fragmentation-needed about a node's reply reaches that node (IPv4)" \
	icmp_in 198.18.0.100 198.18.100.2 62001
check "a router's packet-too-big about a node's reply reaches that node (IPv6)" \
	icmp_in 2001:db8::100 2001:db8:100::2 62002
# ping(8) to the VIPs: the gateway answers.
check "ping to the IPv4 VIP is answered by the gateway" lab_ping_vip 198.18.0.100
check "ping to the IPv6 VIP is answered by the gateway" lab_ping_vip 2001:db8::100

check "UDP to the IPv4 VIP (ipip) follows the weights over 3000 flows" \
	spread v4-udp 3000 udp --dst 198.18.0.100 --proto udp
check "UDP to the IPv6 VIP (ipip) follows the weights over 3000 flows" \
	spread v6-udp 3000 udp --dst 2001:db8::100 --proto udp --sport-base 20000
# SYNs from addresses nobody routes: the nodes' SYN-ACKs die at the gateway,
# so no client RST doubles the count at the nodes.
check "TCP SYNs to the IPv4 VIP follow the weights over 3000 flows" \
	spread v4-tcp 3000 decap --dst 198.18.0.100 --proto tcp --src 198.18.150.1 --sport-base 30000
check "TCP SYNs to the IPv6 VIP follow the weights over 3000 flows" \
	spread v6-tcp 3000 decap --dst 2001:db8::100 --proto tcp --src 2001:db8:150::1 --sport-base 40000
check "UDP to the gue service's VIP follows the weights over 3000 flows" \
	spread gue 3000 udp --dst 198.18.0.101 --proto udp --sport-base 50000
check "the IPv6 destination-option carrier (CID 2002, gue) follows the weights" \
	spread destopt 3000 udp --carrier destopt --cid 2002 --dst 2001:db8::1 --dport 443 --sport-base 11000
check "the UDP shim carrier over IPv4 (CID 1001, ipip) follows the weights" \
	spread shim4 3000 shim --carrier shim --cid 1001 --dst 198.18.0.1 --sport-base 21000
check "the UDP shim carrier over IPv6 (CID 2002, gue) follows the weights" \
	spread shim6 3000 shim --carrier shim --cid 2002 --dst 2001:db8::1 --sport-base 31000


same_node_per_flow() {
	lab_reset_logs
	lab_gen --flows 300 --packets 5 --rate "$rate" --dst 198.18.0.100 --sport-base 41000 >/dev/null
	settle
	lab_flow_nodes >"$LAB_DIR/flows"
	# 300 flows, 5 packets each, one node each.
	[ "$(wc -l <"$LAB_DIR/flows")" -eq 1500 ] || { echo "got $(wc -l <"$LAB_DIR/flows") packets"; return 1; }
	[ "$(sort -u "$LAB_DIR/flows" | wc -l)" -eq 300 ]
}
flows_before=$(ctl -j flows)
check "every packet of a flow reaches the same node (300 flows x 5 packets)" same_node_per_flow

# steerctl flows counts what the kernel's table holds: the 300 flows, each
# on the node that served it.
census_counts_the_flows() {
	local after want got i
	after=$(ctl -j flows) || return 1
	for i in 1 2 3; do
		want=$(sort -u "$LAB_DIR/flows" | awk -v n="n$i" '$3 == n' | wc -l)
		got=$(jq -n --argjson a "$after" --argjson b "$flows_before" --arg n "n$i" \
			'$a.nodes[$n] - $b.nodes[$n]')
		echo "n$i served $want of the flows; steerctl flows counts $got more"
		[ "$got" -eq "$want" ] || return 1
	done
	jq -e --argjson b "$flows_before" '.services.web - $b.services.web == 300 and
		.capacity == 262144 and .flows >= 300' <<<"$after"
}
check "steerctl flows counts the new flows by node and service" census_counts_the_flows
lists_a_nodes_flows() { # one of them, at least, is a flow n2 served above
	local out
	out=$(ctl -j flows --node n2 --list 1000) || return 1
	jq -c '.list[:2]' <<<"$out"
	jq -e '(.list | length) == ([.nodes.n2, 1000] | min) and
		all(.list[]; (.proto == "udp" or .proto == "tcp") and .idle_s >= 0 and .service != null)' \
		<<<"$out" >/dev/null &&
		awk '$3 == "n2" { print $1, $2 }' "$LAB_DIR/flows" | sort -u >"$LAB_DIR/n2flows" &&
		jq -r '.list[] | select(.dst == "198.18.0.100" and .dport == 443) | "\(.src) \(.sport)"' \
			<<<"$out" | sort -u | comm -12 - "$LAB_DIR/n2flows" | grep -q .
}
check "steerctl flows --node n2 --list: that node's flows, with their addresses" lists_a_nodes_flows
unknown_node_refused() {
	local rc=0
	ctl flows --node nope 2>"$LAB_DIR/err" || rc=$?
	cat "$LAB_DIR/err"
	[ "$rc" -eq 1 ] && grep -q 'no node named "nope"' "$LAB_DIR/err"
}
check "steerctl flows --node of an unknown node: exit 1" unknown_node_refused
drain_times_out() { # n1 holds flows idle for less than their 300 s timeout
	local rc=0
	ctl drain n1 --timeout 2 >"$LAB_DIR/out" 2>"$LAB_DIR/err" || rc=$?
	cat "$LAB_DIR/out" "$LAB_DIR/err"
	ctl node n1 state up >/dev/null
	[ "$rc" -eq 1 ] && grep -q "^steerctl: n1 still holds [1-9][0-9]* flows after 2 s" "$LAB_DIR/err"
}
check "steerctl drain --timeout: exit 1 while the node still holds flows" drain_times_out

# steerd reads the kernel's flow table as the program does: for flows just
# sent, lookup answers "affinity" and the node that served each one.
lookup_finds_established() {
	local sport node got n=0
	for sport in 41000 41037 41111 41250 41299; do
		node=$(awk -v s="$sport" '$2 == s { print $3; exit }' "$LAB_DIR/flows")
		got=$(ctl -j lookup src=198.18.100.2 sport="$sport" dst=198.18.0.100 dport=443 proto=udp |
			jq -r '.reason + " " + .node')
		echo "sport $sport: served by $node, lookup says $got"
		[ "$got" = "affinity $node" ] && n=$((n + 1))
	done
	[ "$n" -eq 5 ]
}
check "steerd's lookup finds established flows in the kernel's table" lookup_finds_established

set_state() { # set_state NODE STATE: edit the config and reload
	jq --arg n "$1" --arg s "$2" '(.nodes[] | select(.name == $n)).state = $s' "$config" >"$config.new" &&
		mv "$config.new" "$config" && ctl reload >/dev/null
}

drain_n2_by_config() { set_state n2 draining; }
check "a draining node keeps its established flows" \
	lab_drain_keeps_flows 42000 drain_n2_by_config
check "a draining node gets no new flows" lab_drain_takes_no_new 52000
flows_is() { ctl -j flows | jq -e "$1"; }
check "steerctl flows: the draining node still holds its flows" flows_is '.nodes.n2 > 0'

down_stops_receiving() {
	set_state n2 down || return 1
	lab_reset_logs
	lab_gen --flows 600 --rate "$rate" --dst 198.18.0.100 --sport-base 42000 >/dev/null
	lab_gen --flows 600 --rate "$rate" --dst 198.18.0.100 --sport-base 62000 >/dev/null
	settle
	echo "after down: $(counts_by_log udp)"
	lab_flow_nodes >"$LAB_DIR/after"
	# Flows that were not on n2 stay where they were.
	[ "$(lab_received 2 udp)" -eq 0 ] && [ $(( $(lab_received 1 udp) + $(lab_received 3 udp) )) -eq 1200 ] &&
		[ "$(grep -v ' n2$' "$LAB_DIR/established" | comm -23 - "$LAB_DIR/after" | wc -l)" -eq 0 ]
}
check "a node set down and reloaded stops receiving; other flows stay put" down_stops_receiving
check "steerctl flows: the node set down holds none, its entries count as expired" \
	flows_is '.nodes.n2 == 0 and .expired > 0'
set_state n2 up >/dev/null

malformed_reaches_no_node() {
	local before after drops_before drops_after sent=0
	before=$(counts_by_decap)
	drops_before=$(ctl -j stats | jq '[.drops[]] | add')
	lab_gen --flows 50 --dst 198.18.0.100 --malformed truncated >/dev/null && sent=$((sent + 50))
	lab_gen --flows 50 --dst 198.18.0.100 --malformed bad-version >/dev/null && sent=$((sent + 50))
	lab_gen --flows 50 --dst 2001:db8::100 --malformed bad-length >/dev/null && sent=$((sent + 50))
	lab_gen --flows 50 --dst 2001:db8::100 --malformed ext-chain >/dev/null && sent=$((sent + 50))
	lab_gen --flows 50 --carrier shim --dst 198.18.0.1 --malformed cid-zero >/dev/null && sent=$((sent + 50))
	lab_gen --flows 50 --carrier shim --dst 198.18.0.1 --malformed reserved-flags >/dev/null && sent=$((sent + 50))
	lab_gen --flows 50 --carrier destopt --dst 2001:db8::1 --malformed bad-option-len >/dev/null && sent=$((sent + 50))
	settle
	after=$(counts_by_decap)
	drops_after=$(ctl -j stats | jq '[.drops[]] | add')
	echo "decapsulated before: $before, after: $after; drops +$((drops_after - drops_before)) of $sent"
	[ "$before" = "$after" ] && [ $((drops_after - drops_before)) -eq "$sent" ]
}
check "malformed packets of every class reach no node and are counted" malformed_reaches_no_node

# 1,000 scheduler decision batches, a node state and a SIGKILL of steerd,
# all while 500 live flows send: nothing is lost, no flow moves (every
# node stays in the service), and the restarted steerd restores it all.
restart_steerd() { lab_steerd_start "$config" --pin-root "$pin_root" --flow-entries 262144; }
drain_n1() { ctl node n1 state draining >/dev/null; }
decisions_under_traffic() {
	lab_decisions_under_traffic 60 5000 30000 restart_steerd drain_n1 &&
		ctl -j nodes | jq -e '.[0].state == "draining" and .[0].state_from == "api"' >/dev/null
}
check "1,000 decision batches, a node state and SIGKILL under traffic: no loss, no flow moved, all restored" \
	decisions_under_traffic
ctl node n1 state up >/dev/null

# steerd goes away and comes back, and reloads, while traffic flows: the
# pinned program keeps forwarding, so nothing is lost.
restart_under_traffic() {
	local gen_pid received
	lab_reset_logs
	lab_gen --flows 20000 --rate 10000 --dst 198.18.0.100 --sport-base 3000 >"$LAB_DIR/gen.out" &
	gen_pid=$!
	sleep 0.5
	kill -9 "$steerd_pid"
	wait "$steerd_pid" 2>/dev/null
	lab_steerd_start "$config" --pin-root "$pin_root" --flow-entries 262144 || return 1
	sleep 0.3
	kill -HUP "$steerd_pid"
	ctl reload >/dev/null || return 1
	wait "$gen_pid" || return 1
	settle
	received=$(( $(lab_received 1 udp) + $(lab_received 2 udp) + $(lab_received 3 udp) ))
	cat "$LAB_DIR/gen.out"
	echo "received $received of 20000 across SIGKILL, restart, SIGHUP and reload"
	[ "$received" -eq 20000 ] && ctl -j status | jq -e '.adopted' >/dev/null
}
check "steerd killed, restarted and reloaded under traffic: no packet lost" restart_under_traffic

check "steerctl stats counts what the nodes received" \
	bash -c "$BUILD/steerctl -s $LAB_SOCK -j stats | jq -e '.nodes.n1.packets > 0 and .nodes.n2.packets > 0 and .nodes.n3.packets > 0 and .traffic.forward > 20000' >/dev/null"
# Each CPU's own counters: those that took packets, adding up to the sums
# (one read of each per-CPU counter gives both).
check "steerctl stats gives each CPU's counters, adding up to the totals" \
	bash -c "$BUILD/steerctl -s $LAB_SOCK -j stats | jq -e '(.cpus | length) >= 1 and
		([.cpus[].traffic.rx] | add) == .traffic.rx and
		([.cpus[].traffic.forward] | add) == .traffic.forward and
		([.cpus[].drops.malformed] | add) == .drops.malformed' >/dev/null &&
		$BUILD/steerctl -s $LAB_SOCK stats | grep -A1 -E '^CPU +RX +FORWARD +PASS +DROPS' |
		grep -Eq '^[0-9]+ +[1-9]'"
check "steerctl prometheus gives each CPU's packets" \
	bash -c "$BUILD/steerctl -s $LAB_SOCK prometheus |
		grep -Eq '^steer_core_forwarded_packets_total\{cpu=\"[0-9]+\"\} [1-9]'"

tap_done
