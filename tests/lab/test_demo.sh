#!/bin/bash
# The README's first command, run as a user runs it (on this build, with
# nothing to install): every real request is answered by a node, the
# nodes' receive counts follow the weights, steerctl stats is printed, and
# the demo leaves nothing behind. Usage: test_demo.sh BUILD_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"
BUILD=$(cd "$1" && pwd)
lab_require_root
lab_require_tools
sock=$(jq -r .gateway.api.socket "$here/../../configs/lab.json")
[ -e "$sock" ] && skip_all "$sock exists: a steerd of configs/lab.json (another demo?) is running"
ip netns list | grep -q '^demo-' && skip_all "demo-* namespaces exist: another demo is running"

out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$here/demo.sh" --built "$BUILD" >"$out" 2>&1
rc=$?

check "the demo exits 0" bash -c "[ $rc -eq 0 ] || { tail -20 '$out'; exit 1; }"

# answered PROTO ADDR: the demo's line for that request names a node.
answered() {
	grep -E "^  $1 +$2:443 +-> " "$out"
	grep -qE "^  $1 +$2:443 +-> n[123]\$" "$out"
}
check "a real TCP request to the IPv4 VIP is answered by a node" answered tcp 198.18.0.100
check "a real TCP request to the IPv6 VIP is answered by a node" answered tcp 2001:db8::100
check "a real UDP request to the IPv4 VIP is answered by a node" answered udp 198.18.0.100
check "a real UDP request to the IPv6 VIP is answered by a node" answered udp 2001:db8::100

# Every steer-gen class is sent in full.
sent_in_full() {
	grep " sent " "$out"
	[ "$(grep -c " sent " "$out")" -eq 7 ] &&
		grep -oE "sent [0-9]+ of [0-9]+ " "$out" | awk '$2 != $4 { bad = 1 } END { exit bad }'
}
check "steer-gen sends every class of traffic in full" sent_in_full

# The node table: n1..n3 each within 5 points of its weight's share (1:2:3).
proportions() {
	awk '$1 ~ /^n[123]$/ && $3 ~ /%$/ {
		share = substr($5, 2) + 0; want = $2 * 100 / 6; print
		if (share - want > 5 || want - share > 5) bad = 1; n++ }
	END { exit (n == 3 && !bad) ? 0 : 1 }' "$out"
}
check "each node's share of the load follows its weight (within 5 points)" proportions

stats_printed() {
	sed -n '/^steerctl stats:/,/^demo: removing/p' "$out"
	grep -q "^traffic  rx [1-9]" "$out" && grep -qE "^drops +malformed 100 " "$out" &&
		grep -qE "^web +1001 +[1-9]" "$out" && grep -qE "^infer +2002 +[1-9]" "$out"
}
check "steerctl stats shows the traffic, the malformed drops and both services" stats_printed
flows_printed() { # the flows by node: every remembered flow is one the nodes received
	local flows
	flows=$(sed -n '/^steerctl flows/,/^steerctl health/p' "$out")
	echo "$flows"
	grep -Eq "^flows +[1-9][0-9]* in use" <<<"$flows" && grep -Eq "^n1 +[1-9]" <<<"$flows" &&
		grep -Eq "^web +[1-9]" <<<"$flows" &&
		sed -n '/^steerctl health:/{n;p}' "$out" | grep -qx healthy
}
check "steerctl flows and steerctl health are printed (flows by node; healthy)" flows_printed

left_behind() {
	ip netns list | grep '^demo-'
	ls -d /sys/fs/bpf/steer/lab "$sock" 2>/dev/null
	pgrep -af "steerd -c configs/lab.json"
	! ip netns list | grep -q '^demo-' && [ ! -e /sys/fs/bpf/steer/lab ] && [ ! -e "$sock" ] &&
		! pgrep -f "steerd -c configs/lab.json" >/dev/null
}
check "the demo removes its namespaces, pins, socket and processes" left_behind

tap_done
