#!/bin/bash
# steerd as a process, talked to over its real socket with steerctl: start,
# validation, status/stats/lookup, SIGHUP and API reloads, adoption after a
# restart, --detach-on-exit, exit codes. Usage: test_steerd.sh STEERD STEERCTL
set -u
here=$(dirname "$0")
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"
steerd=$(realpath "$1")
steerctl=$(realpath "$2")
TAG=d
. "$here/../lib/steerd_test.sh"

write_config() { # write_config WEIGHT [EXTRA_GATEWAY_JSON]
	cat >"$tmp/steer.json" <<JSON
{
  "gateway": {
    "name": "$gw", "interfaces": ["gw0"], ${2:-}
    "encap_source": { "ipv4": "198.18.0.1", "ipv6": "2001:db8::1" },
    "next_hop": "02:00:00:00:00:fe",
    "hash_seed": "8f1c0a57d2e94b3a6c15e0f7a9b2d4c1",
    "api": { "socket": "$sock" }
  },
  "nodes": [
    { "name": "n1", "address": "198.18.1.10" },
    { "name": "n2", "address": "198.18.1.11", "region": "east", "labels": { "accel": "h100" } }
  ],
  "services": [
    { "name": "web", "cid": 1001, "vips": ["198.18.0.100:443/tcp"],
      "nodes": [ { "node": "n1", "weight": 1 }, { "node": "n2", "weight": $1 } ] }
  ]
}
JSON
}

xdp_attached() { ip -n "$ns" -d link show gw0 | grep -q "prog/xdp"; }
not_attached() { ! xdp_attached; }


http_code() { # http_code EXPECTED METHOD PATH
	local got
	got=$(curl -s --unix-socket "$sock" -o "$tmp/body" -w '%{http_code}' -X "$2" "http://steerd$3")
	echo "got $got: $(cat "$tmp/body")"
	[ "$got" = "$1" ] && jq -e .error "$tmp/body" >/dev/null
}

table_version() { ctl -j status | jq .table_version; }

# --- validation before anything is touched
write_config 1 '"bogus": 1,'
check "a bad config is rejected with file:line:column, exit 1" \
	exits_with 1 "$tmp/steer.json:3:[0-9]*: gateway.bogus: unknown key" \
	lab_exec "$ns" "$steerd" -c "$tmp/steer.json" --pin-root "$pin_root"
check "and nothing is attached or pinned" \
	bash -c "! ip -n $ns -d link show gw0 | grep -q prog/xdp && [ ! -e $pin_root/$gw ]"
check "steerctl reports steerd unreachable with exit 3" exits_with 3 "not reachable" ctl status

# --- start
write_config 1
check "steerd starts and serves status" start
check "status: attached in native mode" jq_ok '.attach[0].mode == "native" and .attach[0].attached' status
check "XDP program is on the interface" xdp_attached
check "maps and link pinned under the gateway's directory" \
	bash -c "for m in steer_active steer_flows steer_counters steer_services steer_maglev link_gw0; do [ -e $pin_root/$gw/\$m ] || exit 1; done"
check "pinned maps carry BTF (bpftool prints structs)" \
	bash -c "bpftool map dump pinned $pin_root/$gw/steer_gateway | grep -q '\"hash_key\"'"
check "API socket has mode 0660" bash -c "[ \$(stat -c %a $sock) = 660 ]"
check "table version 1" jq_ok '.table_version == 1 and .hash_seed == "config"' status
# A second steerd started by mistake must leave the running one alone:
# two would switch table generations under each other.
second() { # second [ARGS...]: another steerd on this gateway, in the namespace
	nsenter --net="/var/run/netns/$ns" timeout 10 "$steerd" -c "$tmp/steer.json" \
		--pin-root "$pin_root" --state "$tmp/state2.json" "$@"
}
prog_before=$(ctl -j status | jq .attach[0].prog_id)
check "a second steerd on the same socket is refused (exit 1)" \
	exits_with 1 "another steerd is listening on $sock: nothing was changed" second
check "a second steerd for the same gateway on another socket is refused" \
	exits_with 1 "another steerd runs gateway $gw" second -s "$tmp/other.sock"
check "and neither changed the table or the program" \
	jq_ok ".table_version == 1 and .attach[0].prog_id == $prog_before and .attach[0].attached" status
check "services lists web with its nodes" jq_ok '.[0].name == "web" and (.[0].nodes | length) == 2' services
check "services NAME shows one" jq_ok '.name == "web" and .cid == 1001' services web
check "services of an unknown name exits 1" exits_with 1 "no service named" ctl services nope
check "nodes lists labels" jq_ok '.[1].labels.accel == "h100" and .[1].region == "east"' nodes
check "stats has traffic, drops by reason, services and nodes" \
	jq_ok '.traffic.rx >= 0 and .drops.malformed == 0 and .services.web.packets == 0 and .nodes.n1.bytes == 0' stats
check "lookup names a node and why" \
	jq_ok '.service == "web" and .reason == "maglev" and (.node == "n1" or .node == "n2")' \
	lookup src=198.18.200.1 sport=40000 dst=198.18.0.100 dport=443 proto=tcp
check "lookup human output" \
	bash -c "$steerctl -s $sock lookup service=web src=198.18.200.1 sport=1 dst=198.18.0.100 dport=443 proto=tcp | grep -q 'Maglev slot'"
check "lookup with a bad argument exits 1" exits_with 1 "src: bad value" \
	ctl lookup src=nonsense dst=198.18.0.100 proto=tcp
check "lookup of a flow no VIP takes exits 1" exits_with 1 "no VIP matches" \
	ctl lookup src=198.18.200.1 sport=1 dst=198.18.0.100 dport=80 proto=tcp
completes_commands_and_nodes() {
	offers "steerctl st" "status stats" && offers "steerctl -s $sock node " "n1 n2" &&
		offers "steerctl reload -" "--dry-run" &&
		offers "steerctl -s $sock node n1 state dr" "draining"
}
completes_services_and_lookup() {
	offers "steerctl -s $sock services w" "web" &&
		offers "steerctl -s $sock lookup service=w" "web" && offers "steerctl lookup dp" "dport="
}
check "bash completion: commands, and node names from steerd" completes_commands_and_nodes
check "bash completion: service names, and lookup's keys and values" completes_services_and_lookup
check "stats -i takes an interval of 0.05 s or more" exits_with 2 "usage: stats" ctl stats -i 0
check "stats -i 0.1 -c 2 -j prints two JSON objects, one a line" \
	bash -c "$steerctl -s $sock -j stats -i 0.1 -c 2 | jq -e -s 'length == 2 and all(.[]; .interval_s > 0 and .traffic.rx >= 0)' >/dev/null"
check "lookup with an argument given twice exits 1, naming it" exits_with 1 "src: given more than once" \
	ctl lookup src=198.18.200.1 src=198.18.200.2 sport=1 dst=198.18.0.100 dport=443 proto=tcp
check "lookup takes a token in decimal only" exits_with 1 'token: bad value "0x10"' \
	ctl lookup service=web token=0x10
check "unknown endpoint answers 404 with a JSON error" http_code 404 GET /v1/nope
check "wrong method answers 405" http_code 405 DELETE /v1/status
check "usage error exits 2" exits_with 2 "unknown command" ctl frobnicate

# --- reloads
before=$(table_version)
write_config 1
sed -i 's/"weight": 1 }/"weight": 1, }/' "$tmp/steer.json"
kill -HUP "$pid"
sleep 0.5
check "SIGHUP with a bad file changes nothing" jq_ok ".table_version == $before" status
check "and the log says where" grep -q "reload rejected.*steer.json:[0-9]*:[0-9]*" "$tmp/steerd.log"
check "steerctl reload of a bad file exits 1 with file:line:column" \
	exits_with 1 "steer.json:[0-9]*:[0-9]*:" ctl reload
write_config 3
dry_run_says() {
	ctl reload --dry-run | tee "$tmp/out"
	grep -q "^dry run: nothing applied (table version $before stays)" "$tmp/out" &&
		grep -Eq "^  service web: [1-9][0-9.]*% of new flows go to another node" "$tmp/out"
}
check "steerctl reload --dry-run says what the weight change moves, and applies nothing" dry_run_says
check "the same as JSON, and the table version did not move" bash -c \
	"$steerctl -s $sock -j reload --dry-run | jq -e '.dry_run and .changes.services.changed.web.new_flows_moved > 0.1 and
		.changes.services.changed.web.new_flows_moved < 0.5 and (.changes.nodes.added | length) == 0' >/dev/null &&
	 [ \$($steerctl -s $sock -j status | jq .table_version) -eq $before ]"
kill -HUP "$pid"
sleep 0.5
check "SIGHUP with a good file applies it" jq_ok ".table_version == $((before + 1))" status
check "and the log says what changed" grep -q "table version $((before + 1)) (services +0 -0 ~1, nodes +0 -0 ~0)" "$tmp/steerd.log"
check "with the new weight" jq_ok '.nodes[1].weight == 3' services web
check "steerctl reload applies it too" bash -c "$steerctl -s $sock reload | grep -q 'table version $((before + 2))'"

# --- exit keeps forwarding; restart adopts
stop TERM
check "after exit the program stays attached" xdp_attached
check "and the pinned maps stay" test -e "$pin_root/$gw/steer_flows"
check "steerd restarts and adopts the pinned state" start
check "status says adopted, table version continues" \
	jq_ok ".adopted and .table_version == $((before + 3)) and .attach[0].attached" status
stop KILL
check "after SIGKILL the program still forwards" xdp_attached
check "steerd adopts after SIGKILL" start

# --- an interface removed and created again (a driver reset, a bond or
# VLAN made anew) gets the program again
rx() { ctl -j stats | jq .traffic.rx; }
frame_on_gw1() { # one frame into gw0 from its peer
	lab_exec "$ns" python3 -c "
import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(('gw1', 0))
s.send(b'\xff' * 6 + b'\x02\x00\x00\x00\x00\x09' + b'\x88\xb5' + bytes(50))"
}
within() { # within SECONDS CMD...: CMD succeeds before SECONDS pass
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.2
	done
}
check "steerctl health: healthy, exit 0" bash -c "$steerctl -s $sock health | grep -qx healthy"
ip -n "$ns" link del gw0
check "an interface removed: status says not attached, and why" within 3 \
	jq_ok '.attach[0].attached == false and .attach[0].lost == "interface removed"' status
check "and the log says so" grep -q "interface gw0 was removed" "$tmp/steerd.log"
check "steerctl status shows it" bash -c "ctl() { $steerctl -s $sock \"\$@\"; }; ctl status | grep 'gw0 .*NOT ATTACHED (interface removed'"
check "steerctl health: exit 1, naming the interface and why" exits_with 1 \
	"unhealthy: interface gw0: steer's XDP program is not attached (interface removed)" ctl health
check "GET /v1/health answers 503 with the problems" bash -c \
	"[ \$(curl -s --unix-socket $sock -o $tmp/health -w '%{http_code}' http://steerd/v1/health) = 503 ] &&
	 jq -e '(.healthy | not) and (.problems | length) == 1' $tmp/health"
lab_veth "$ns" gw0 "$ns" gw1
check "the interface created again gets the program within seconds" within 3 \
	jq_ok '.attach[0].attached and .attach[0].reattached == 1 and (.attach[0] | has("lost") | not)' status
check "it is steer's program, on the new interface" xdp_attached
check "steerctl health: healthy again" bash -c "$steerctl -s $sock health | grep -qx healthy"
ctl node n1 state down >/dev/null
ctl node n2 state draining >/dev/null
check "steerctl health: a service no node takes new flows for is a problem" exits_with 1 \
	"service web: no node takes new flows" ctl health
ctl node n1 state up >/dev/null
ctl node n2 state up >/dev/null
drain_done_at_once() {
	ctl drain n2 | tee "$tmp/out"
	grep -q "^n2 holds no flows: it can be set down" "$tmp/out" &&
		jq_ok '.[] | select(.name == "n2") | .state == "draining"' nodes
}
check "steerctl drain NODE: sets it draining, and with no flows left says so at once" drain_done_at_once
ctl node n2 state down >/dev/null
check "steerctl drain of a node that is down: exit 1, and it stays down" bash -c \
	"! $steerctl -s $sock drain n2 2>$tmp/err && grep -q 'n2 is down: it serves no flows' $tmp/err &&
	 $steerctl -s $sock -j nodes | jq -e '.[] | select(.name == \"n2\") | .state == \"down\"' >/dev/null"
ctl node n2 state up >/dev/null
check "steerctl drain of an unknown node: exit 1, nothing waited for" exits_with 1 "nope" ctl drain nope
check "steerctl drain with a bad timeout: exit 2" exits_with 2 "usage: drain" ctl drain n2 --timeout x
check "steerctl flows --list without --node: exit 2" exits_with 2 "usage: flows" ctl flows --list 5
check "steerctl flows --node of an unknown node: exit 1" exits_with 1 'no node named "nope"' ctl flows --node nope
check "GET /v1/flows?list=5 without a node: 400 at query.list" bash -c \
	"[ \$(curl -s --unix-socket $sock -o $tmp/body -w '%{http_code}' 'http://steerd/v1/flows?list=5') = 400 ] &&
	 jq -e '.path == \"query.list\"' $tmp/body >/dev/null"
before_rx=$(rx)
frame_on_gw1
check "and it runs there: a frame into gw0 is counted" within 3 bash -c "[ \$($steerctl -s $sock -j stats | jq .traffic.rx) -gt $before_rx ]"
check "the log says it was attached again" grep -q "interface gw0: steer's XDP program attached again" "$tmp/steerd.log"
check "/metrics has the interface's gauge and count" bash -c \
	"curl -s --unix-socket $sock http://steerd/metrics | grep -qx 'steer_interface_reattached_total{interface=\"gw0\"} 1' &&
	 curl -s --unix-socket $sock http://steerd/metrics | grep -qx 'steer_interface_attached{interface=\"gw0\"} 1'"
link_id=$(bpftool -j link show | jq --argjson p "$(ctl -j status | jq .attach[0].prog_id)" \
	'[.[] | select(.prog_id == $p)][0].id')
lab_exec "$ns" bpftool link detach id "$link_id"
check "a program detached by hand is attached again" within 3 \
	jq_ok '.attach[0].attached and .attach[0].reattached == 2' status
repinned() {
	[ -e "$pin_root/$gw/steer_flows" ] && [ -e "$pin_root/$gw/steer_active" ] &&
		[ -e "$pin_root/$gw/link_gw0" ] && jq_ok '.attach[0].attached and .attach[0].reattached == 3' status
}
rm -rf "${pin_root:?}/$gw"
check "its pin directory removed (the links, so the program, with it): made again, maps pinned, attached" \
	within 3 repinned
check "and the log says so" grep -q "$gw was removed, and with it the links" "$tmp/steerd.log"

# --- the MTU requests must fit: the interface's, as this namespace sees it
check "status gives the interfaces' MTU" jq_ok '.mtu == 1500' status
ip -n "$ns" link set gw0 mtu 1400
check "an MTU lowered on the interface is in force within seconds" within 3 jq_ok '.mtu == 1400' status
check "and the log says so" grep -q "interface MTU now 1400 (was 1500)" "$tmp/steerd.log"
ip -n "$ns" link set gw0 mtu 1500
stop TERM

# --- detach on exit
check "steerd --detach-on-exit starts" start --detach-on-exit
stop TERM
check "--detach-on-exit removes the program" not_attached
check "--detach-on-exit removes the pinned maps" test ! -e "$pin_root/$gw"

# --- jumbo frames: steer's program takes a packet in one buffer
ip -n "$ns" link set gw0 mtu 9000
ip -n "$ns" link set gw1 mtu 9000
check "native XDP refused for a 9000-byte MTU: exit 1, saying why and what to do" \
	exits_with 1 "cannot attach XDP in native mode: MTU too large (gw0's is 9000" \
	nsenter --net="/var/run/netns/$ns" timeout 20 "$steerd" -c "$tmp/steer.json" \
		--pin-root "$pin_root" --state "$state"
check "and leaves nothing attached or pinned" bash -c "! ip -n $ns -d link show gw0 | grep -q prog/xdp && [ ! -e $pin_root/$gw ]"
ip -n "$ns" link set gw1 mtu 1500
ip -n "$ns" link set gw0 mtu 1500

# --- generic mode only when asked
write_config 1 '"xdp_mode": "generic",'
check "steerd starts in generic mode when the config asks" start --detach-on-exit
check "status: generic" jq_ok '.attach[0].mode == "generic" and .attach[0].attached' status
stop TERM

# --- offline validation
write_config 1
check "check-config accepts a valid file" "$steerctl" check-config "$tmp/steer.json"
check "configs/example.json is valid" "$steerctl" check-config "$here/../../configs/example.json"
echo '{ "gateway": 5 }' >"$tmp/bad.json"
check "check-config rejects an invalid one with exit 1" \
	exits_with 1 "bad.json:1:14: gateway: must be an object" "$steerctl" check-config "$tmp/bad.json"
check "check-config -j gives line and column" \
	bash -c "$steerctl -j check-config $tmp/bad.json | jq -e '.valid == false and .line == 1 and .column == 14' >/dev/null"
check "check-config - reads standard input" \
	bash -c "$steerctl check-config - <$tmp/steer.json | grep -q '^<stdin>: valid'"
check "check-config - names standard input in its error" \
	exits_with 1 "<stdin>:1:14: gateway: must be an object" bash -c "$steerctl check-config - <$tmp/bad.json"

# --- the systemd unit
unit=$(dirname "$steerd")/steerd.service
if command -v systemd-analyze >/dev/null && [ -f "$unit" ]; then
	sed "s|^ExecStart=[^ ]*|ExecStart=$steerd|" "$unit" >"$tmp/steerd.service"
	check "the systemd unit passes systemd-analyze verify" \
		bash -c "out=\$(systemd-analyze verify $tmp/steerd.service 2>&1); echo \"\$out\"; [ -z \"\$out\" ]"
	check "it reloads with SIGHUP and keeps the pinned program on stop" \
		bash -c "grep -q '^ExecReload=/bin/kill -HUP \$MAINPID' $unit && ! grep -q '^ExecStart=.*detach-on-exit' $unit"
else
	echo "ok $((tap_n += 1)) - the systemd unit # SKIP no systemd-analyze or no unit built"
fi

tap_done
