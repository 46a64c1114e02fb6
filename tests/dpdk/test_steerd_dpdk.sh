#!/bin/bash
# steerd drives steer-dpdk: the table goes over the control socket whichever
# starts first; reloads under traffic drop nothing; steer-dpdk keeps
# forwarding when steerd dies, and a restarted steerd continues its table
# versions. Traffic: a steer-gen pcap replayed in a loop by net_pcap.
# Usage: test_steerd_dpdk.sh BUILD_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
build=$(cd "$1" && pwd)
[ "$(id -u)" -eq 0 ] || skip_all "needs root for DPDK"
[ -x "$build/dataplane/steer-dpdk" ] || skip_all "steer-dpdk not built (DPDK not found)"
command -v jq >/dev/null || skip_all "needs jq"
tmp=$(mktemp -d)
dpdk_pid= steerd_pid=
cleanup() {
	[ -n "$steerd_pid" ] && kill -9 "$steerd_pid" 2>/dev/null
	[ -n "$dpdk_pid" ] && kill -9 "$dpdk_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

write_config() { # write_config WEIGHT
	cat >"$tmp/steer.json" <<JSON
{ "gateway": { "name": "dp$$", "dataplane": "dpdk", "interfaces": ["net_pcap0"],
    "encap_source": { "ipv4": "198.18.0.1", "ipv6": "2001:db8::1" },
    "next_hop": "02:00:00:00:00:fe", "hash_seed": "8f1c0a57d2e94b3a6c15e0f7a9b2d4c1",
    "api": { "socket": "$tmp/steerd.sock" } },
  "nodes": [ { "name": "n1", "address": "198.18.1.10" }, { "name": "n2", "address": "198.18.2.10" } ],
  "services": [ { "name": "web", "cid": 1001, "vips": ["198.18.0.100:443/udp"],
      "nodes": [ {"node": "n1"}, {"node": "n2", "weight": $1} ] } ] }
JSON
}

ctl() { "$build/steerctl" -s "$tmp/steerd.sock" "$@"; }
stat() { ctl -j stats | jq "$1"; }

start_steerd() {
	"$build/steerd" -c "$tmp/steer.json" --state "$tmp/state.json" --dpdk-control "$tmp/dpdk.sock" >>"$tmp/steerd.log" 2>&1 &
	steerd_pid=$!
	for _ in $(seq 50); do
		ctl -j status 2>/dev/null | jq -e '.dpdk.synced' >/dev/null && return 0
		sleep 0.1
	done
	cat "$tmp/steerd.log"
	return 1
}

"$build/tools/steer-gen" write "$tmp/in.pcap" --dst 198.18.0.100 --flows 2000 >/dev/null
write_config 1
"$build/dataplane/steer-dpdk" --no-huge -m 512 --no-pci --file-prefix "steer-t$$" -l 0 --log-level=1 \
	--vdev "net_pcap0,rx_pcap=$tmp/in.pcap,tx_pcap=/dev/null,infinite_rx=1" -- \
	--control "$tmp/dpdk.sock" >"$tmp/dpdk.out" 2>&1 &
dpdk_pid=$!
for _ in $(seq 50); do [ -S "$tmp/dpdk.sock" ] && break; sleep 0.1; done

check "steer-dpdk starts without a table and listens on its control socket" test -S "$tmp/dpdk.sock"
check "steerd pushes the table to a running steer-dpdk" start_steerd
check "status says dataplane dpdk, synced" \
	bash -c "$build/steerctl -s $tmp/steerd.sock -j status | jq -e '.dataplane == \"dpdk\" and .dpdk.synced' >/dev/null"
second_dpdk() { # another steer-dpdk on the same control socket: refused, the first keeps it
	local rc=0
	timeout 30 "$build/dataplane/steer-dpdk" --no-huge -m 256 --no-pci --no-shconf -l 0 \
		--log-level=1 --vdev net_null0 -- --control "$tmp/dpdk.sock" >"$tmp/second.out" 2>&1 || rc=$?
	cat "$tmp/second.out"
	[ "$rc" -eq 1 ] && grep -q "another process listens on it" "$tmp/second.out" &&
		kill -0 "$dpdk_pid" && ctl -j status | jq -e '.dpdk.synced' >/dev/null &&
		ctl -j stats | jq -e '.dataplane.workers == 1' >/dev/null
}
check "a second steer-dpdk on the same control socket exits 1; steerd keeps the first" second_dpdk
check "steerctl health: healthy while steer-dpdk runs the table" bash -c "$build/steerctl -s $tmp/steerd.sock health | grep -qx healthy"
sleep 0.5
check "steerctl stats shows steer-dpdk forwarding, in the XDP shape" \
	bash -c "$build/steerctl -s $tmp/steerd.sock -j stats | jq -e '.traffic.forward > 0 and .services.web.packets > 0 and .nodes.n1.packets > 0 and .dataplane.workers == 1 and .dataplane.flows == 2000' >/dev/null"
check "steerctl flows: steer-dpdk's census of its workers' tables, the 2,000 flows by node" \
	bash -c "$build/steerctl -s $tmp/steerd.sock -j flows | jq -e '.flows == 2000 and .expired == 0 and
		.nodes.n1 + .nodes.n2 == 2000 and .nodes.n1 > 0 and .nodes.n2 > 0 and
		.services.web == 2000 and .capacity >= 4000' >/dev/null"
check "steerctl flows --node n1 --list 3: three of n1's flows, from steer-dpdk's tables" \
	bash -c "$build/steerctl -s $tmp/steerd.sock -j flows --node n1 --list 3 | jq -e '(.list | length) == 3 and
		all(.list[]; .dst == \"198.18.0.100\" and .dport == 443 and .proto == \"udp\" and .service == \"web\")' >/dev/null"
check "steerctl stats prints steer-dpdk's flow table (2,000 flows replayed)" \
	bash -c "$build/steerctl -s $tmp/steerd.sock stats | grep -Eq '^dpdk +workers 1 flows 2000 '"
check "steerctl stats gives the worker's own counters (lcores), in JSON and as a table" \
	bash -c "$build/steerctl -s $tmp/steerd.sock -j stats |
		jq -e '(.lcores | length) == 1 and .lcores[0].queue == 0 and
			.lcores[0].traffic.forward > 0 and .lcores[0].flows == 2000' >/dev/null &&
		$build/steerctl -s $tmp/steerd.sock stats |
		grep -A1 -E '^LCORE +QUEUE +RX +FORWARD' | grep -Eq '^[0-9]+ +0 +[1-9][0-9]* +[1-9]' &&
		$build/steerctl -s $tmp/steerd.sock prometheus |
		grep -Eq '^steer_core_forwarded_packets_total\{lcore=\"0\"\} [1-9]'"
rates() {
	ctl -j stats -i 0.3 -c 2 >"$tmp/rates" || return 1
	cat "$tmp/rates"
	[ "$(wc -l <"$tmp/rates")" -eq 2 ] &&
		jq -e -s 'all(.[]; .interval_s > 0.2 and .traffic.forward > 1000 and
			.services.web.packets > 1000 and .services.web.cid == 1001 and
			.dataplane.flows == 2000 and .lcores[0].traffic.rx > 1000)' "$tmp/rates" >/dev/null &&
		ctl stats -i 0.2 -c 1 | grep -Eq '^web +1001 +[1-9][0-9]* +[0-9.]+[kMG] +0$'
}
check "steerctl stats -i: rates while steer-dpdk forwards (JSON lines with -j; gauges kept)" rates

updates_lose_nothing() {
	local i before after
	before=$(ctl -j stats)
	for i in $(seq 40); do
		write_config $((i % 5 + 1))
		ctl reload >/dev/null || return 1
	done
	after=$(ctl -j stats)
	echo "forwarded $(jq '.traffic.forward' <<<"$before") -> $(jq '.traffic.forward' <<<"$after") over 40 reloads"
	jq -e '([.drops[]] | add) == 0' <<<"$after" >/dev/null &&
		[ "$(jq '.traffic.rx - .traffic.forward - .pass.no_table' <<<"$after")" -eq 0 ] &&
		[ "$(jq '.dataplane.tx_dropped' <<<"$after")" -eq 0 ]
}
check "40 table updates under traffic: every packet received is forwarded" updates_lose_nothing
check "the table version followed the reloads" bash -c "[ \$($build/steerctl -s $tmp/steerd.sock -j status | jq .table_version) -eq 41 ]"

steerd_gone_keeps_forwarding() {
	local before after
	before=$(stat .traffic.forward)
	kill -9 "$steerd_pid"
	wait "$steerd_pid" 2>/dev/null
	steerd_pid=
	sleep 1
	start_steerd || return 1
	after=$(stat .traffic.forward)
	echo "forwarded $before before steerd died, $after after it came back"
	[ "$after" -gt $((before + 1000)) ]
}
check "steer-dpdk keeps forwarding while steerd is gone" steerd_gone_keeps_forwarding
check "a restarted steerd continues steer-dpdk's table versions" \
	bash -c "$build/steerctl -s $tmp/steerd.sock -j status | jq -e '.adopted and .table_version == 42' >/dev/null"

telemetry() {
	echo /steer/stats | dpdk-telemetry.py -f "steer-t$$" | tail -1 |
		jq -e '."/steer/stats".traffic_forward > 0 and ."/steer/stats".services_web_packets > 0' >/dev/null
}
telemetry_lcores() {
	echo /steer/lcores | dpdk-telemetry.py -f "steer-t$$" | tail -1 |
		jq -e '."/steer/lcores" | length == 1 and
			(.[] | .queue == 0 and .traffic_forward > 0 and .flows == 2000)' >/dev/null
}
telemetry_flows() {
	echo /steer/flows | dpdk-telemetry.py -f "steer-t$$" | tail -1 |
		jq -e '."/steer/flows" | .flows == 2000 and .nodes_n1 + .nodes_n2 == 2000 and
			.services_web == 2000' >/dev/null
}
if command -v dpdk-telemetry.py >/dev/null; then
	check "dpdk-telemetry.py reads /steer/stats" telemetry
	check "dpdk-telemetry.py reads each worker's counters from /steer/lcores" telemetry_lcores
	check "dpdk-telemetry.py reads the flow census from /steer/flows" telemetry_flows
else
	skip "dpdk-telemetry.py reads /steer/stats" "no dpdk-telemetry.py (Debian's dpdk package)"
	skip "dpdk-telemetry.py reads /steer/lcores" "no dpdk-telemetry.py (Debian's dpdk package)"
	skip "dpdk-telemetry.py reads /steer/flows" "no dpdk-telemetry.py (Debian's dpdk package)"
fi

bad_reload_changes_nothing() {
	echo '{ "gateway": 1 }' >"$tmp/steer.json"
	! ctl reload 2>/dev/null && [ "$(ctl -j status | jq .table_version)" -eq 42 ]
}
check "a bad config on reload changes nothing" bad_reload_changes_nothing

# steer-dpdk's control socket spoken to directly (it serves one client at a
# time, so steerd goes first; the table stays with steer-dpdk): damaged
# table frames and an unknown message get the decoder's reason, and the
# table and the traffic stay as they were.
bad_frames_change_nothing() {
	kill -9 "$steerd_pid"
	wait "$steerd_pid" 2>/dev/null
	steerd_pid=
	python3 - "$tmp/dpdk.sock" <<'PY'
import json, socket, struct, sys, time

s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])

def read(n):
    b = b''
    while len(b) < n:
        chunk = s.recv(n - len(b))
        if not chunk:
            sys.exit('steer-dpdk closed the connection')
        b += chunk
    return b

def ask(kind, payload=b''):
    s.sendall(struct.pack('=II', kind, len(payload)) + payload)
    kind, n = struct.unpack('=II', read(8))
    assert kind == 0x80, kind
    return json.loads(read(n))

TABLE, STATS = 1, 2
before = ask(STATS)
header = b'STEERIMG' + struct.pack('=IIIIII', 1, 1, 1, 251, 0, 0)
replies = [ask(TABLE, b'garbage'), ask(TABLE, header + bytes(72)), ask(7)]
time.sleep(0.3)
after = ask(STATS)
for r in replies:
    print(r)
ok = (all('bad table image' in r.get('error', '') for r in replies[:2]) and
      replies[2].get('error') == 'unknown message type' and
      after['table_version'] == before['table_version'] and
      after['traffic']['forward'] > before['traffic']['forward'] and
      sum(after['drops'].values()) == 0)
sys.exit(0 if ok else 1)
PY
}
check "damaged table frames on steer-dpdk's socket are refused with a reason and change nothing" \
	bad_frames_change_nothing

dpdk_exit_report() {
	kill -TERM "$dpdk_pid"
	wait "$dpdk_pid"
	dpdk_pid=
	jq -e '.traffic.forward > 0 and ([.drops[]] | add) == 0' "$tmp/dpdk.out" >/dev/null || { cat "$tmp/dpdk.out"; return 1; }
}
write_config 1
start_steerd >/dev/null # again, to see steer-dpdk go
check "steer-dpdk exits on SIGTERM with its counters as JSON" dpdk_exit_report
unhealthy_without_dpdk() { # steerd notices within its one-second tick
	local i
	for i in $(seq 30); do
		ctl health 2>"$tmp/err" >/dev/null || { grep -q "steer-dpdk on $tmp/dpdk.sock does not run" "$tmp/err" && cat "$tmp/err" && return 0; }
		sleep 0.1
	done
	cat "$tmp/err"
	return 1
}
check "steerctl health: unhealthy once steer-dpdk is gone, saying so" unhealthy_without_dpdk
# A steer-dpdk restarted (by systemd, say) comes up without a table: the
# running steerd must notice its connection closed and push the table again.
dpdk_restart_gets_the_table() {
	local want got
	"$build/dataplane/steer-dpdk" --no-huge -m 256 --no-pci --no-shconf -l 0 --log-level=1 \
		--vdev net_null0 -- --control "$tmp/dpdk.sock" >"$tmp/dpdk3.out" 2>&1 &
	dpdk_pid=$!
	want=$(ctl -j status | jq .table_version)
	# Two of steerd's one-second checks, and nothing else asking: what
	# steer-dpdk runs then is what it says on exit.
	sleep 2.5
	kill -TERM "$dpdk_pid"
	wait "$dpdk_pid"
	dpdk_pid=
	got=$(jq .table_version "$tmp/dpdk3.out")
	echo "steerd's table version $want, the restarted steer-dpdk's $got"
	[ "$got" = "$want" ]
}
check "a restarted steer-dpdk gets the table from the running steerd within seconds" \
	dpdk_restart_gets_the_table

# Two workers (two lcores sharing a CPU if need be), two RX queues: every
# table swap waits for both through RCU, and none may hang.
two_workers() {
	local i
	kill -9 "$steerd_pid" 2>/dev/null
	wait "$steerd_pid" 2>/dev/null
	steerd_pid=
	write_config 1
	"$build/dataplane/steer-dpdk" --no-huge -m 512 --no-pci --no-shconf --lcores '0@0,1@1,2@1' \
		--log-level=1 --vdev net_null0 -- --control "$tmp/dpdk.sock" >"$tmp/dpdk2.out" 2>&1 &
	dpdk_pid=$!
	for _ in $(seq 50); do [ -S "$tmp/dpdk.sock" ] && break; sleep 0.1; done
	start_steerd || return 1
	for i in $(seq 20); do
		write_config $((i % 3 + 1))
		timeout 10 "$build/steerctl" -s "$tmp/steerd.sock" reload >/dev/null || return 1
	done
	ctl -j status | jq -e '.dpdk.synced' >/dev/null || return 1
	kill -TERM "$dpdk_pid"
	wait "$dpdk_pid" || return 1
	dpdk_pid=
	jq -c '.dataplane, [.lcores[] | {lcore, queue, rx: .traffic.rx}]' "$tmp/dpdk2.out"
	# Each worker polled its own queue, and the sums are of theirs.
	jq -e '.dataplane.workers == 2 and .traffic.rx > 0 and
		([.lcores[].lcore] | sort) == [1, 2] and ([.lcores[].queue] | sort) == [0, 1] and
		all(.lcores[]; .traffic.rx > 0) and ([.lcores[].traffic.rx] | add) == .traffic.rx and
		([.lcores[].pass.not_steer] | add) == .pass.not_steer' "$tmp/dpdk2.out" >/dev/null
}
check "two workers on two RX queues take 20 table swaps and exit cleanly" two_workers
tap_done
