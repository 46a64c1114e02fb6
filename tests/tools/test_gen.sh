#!/bin/bash
# steer-gen write: pcap files of every carrier and protocol, sizes, flow
# counts and malformed classes, read back with an independent pcap reader;
# steer-gen send (as root, on a veth pair in a namespace of the test's):
# --duration repeats the flows for that long, paced by --rate, and a send
# stopped by SIGINT still reports.
# Usage: test_gen.sh STEER_GEN
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"
gen=$(realpath "$1")
command -v python3 >/dev/null || skip_all "needs python3"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; lab_cleanup' EXIT

# pcap_check FILE PACKETS SIZE|- PYTHON-EXPR: count records, check each frame.
pcap_check() {
	python3 - "$@" <<'PY'
import struct, sys
path, want, size, expr = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
data = open(path, "rb").read()
magic, vmaj, vmin, _, _, snap, link = struct.unpack("<IHHiIII", data[:24])
assert magic == 0xa1b2c3d4 and (vmaj, vmin) == (2, 4) and link == 1, "bad pcap header"
off, n, flows = 24, 0, set()
while off < len(data):
    _, _, incl, orig = struct.unpack("<IIII", data[off:off + 16])
    f = data[off + 16:off + 16 + incl]
    assert incl == orig == len(f)
    if size != "-":
        assert len(f) == int(size), f"frame of {len(f)} bytes"
    assert eval(expr), f"frame {n} fails {expr}: {f[:64].hex()}"
    off += 16 + incl
    n += 1
assert n == want, f"{n} packets, wanted {want}"
PY
}

check "UDP to an IPv4 VIP, 10 flows x 3 packets" bash -c "$gen write $tmp/a.pcap --dst 198.18.0.100 --flows 10 --packets 3 >/dev/null && \
	$(declare -f pcap_check); pcap_check $tmp/a.pcap 30 - 'f[12:14] == b\"\\x08\\x00\" and f[23] == 17'"
check "TCP to an IPv6 VIP, 128-byte frames" bash -c "$gen write $tmp/b.pcap --dst 2001:db8::100 --proto tcp --flows 5 --size 128 >/dev/null && \
	$(declare -f pcap_check); pcap_check $tmp/b.pcap 5 128 'f[12:14] == b\"\\x86\\xdd\" and f[20] == 6'"
check "IPv6 destination option carrying CID 2002" bash -c "$gen write $tmp/c.pcap --carrier destopt --cid 2002 --dst 2001:db8::1 >/dev/null && \
	$(declare -f pcap_check); pcap_check $tmp/c.pcap 1 - 'f[20] == 60 and f[56] == 0x1e and f[57] == 12 and int.from_bytes(f[62:66], \"big\") == 2002'"
check "UDP shim with a session token, QinQ" bash -c "$gen write $tmp/d.pcap --carrier shim --cid 7 --token 99 --vlans 2 --dst 198.18.0.1 >/dev/null && \
	$(declare -f pcap_check); pcap_check $tmp/d.pcap 1 - 'f[12:14] == b\"\\x88\\xa8\" and f[16:18] == b\"\\x81\\x00\" and f[50] == 0x11 and int.from_bytes(f[54:58], \"big\") == 7 and int.from_bytes(f[58:62], \"big\") == 99'"
check "--df sets DF on IPv4 (and a valid header checksum); without it DF is clear" bash -c "$gen write $tmp/h.pcap --dst 198.18.0.100 --df --size 1514 >/dev/null && \
	$gen write $tmp/i.pcap --dst 198.18.0.100 >/dev/null && $(declare -f pcap_check) && \
	pcap_check $tmp/h.pcap 1 1514 'f[20] & 0x40 and sum(int.from_bytes(f[i:i+2], \"big\") for i in range(14, 34, 2)) % 0xffff == 0' && \
	pcap_check $tmp/i.pcap 1 - 'not f[20] & 0x40'"
check "--icmp-error: a router's fragmentation-needed to the VIP quoting the node's reply to each flow" bash -c "$gen write $tmp/j.pcap --dst 198.18.0.100 --proto tcp --flows 3 --sport-base 5000 --icmp-error >/dev/null && \
	$(declare -f pcap_check); pcap_check $tmp/j.pcap 3 - 'f[23] == 1 and f[26:30] == bytes([198, 18, 99, 1]) and f[30:34] == bytes([198, 18, 0, 100]) and f[34:36] == bytes([3, 4]) and f[40:42] == (1400).to_bytes(2, \"big\") and f[42 + 12:42 + 16] == bytes([198, 18, 0, 100]) and int.from_bytes(f[62:64], \"big\") == 443 and int.from_bytes(f[64:66], \"big\") in (5000, 5001, 5002) and sum(int.from_bytes(f[i:i+2], \"big\") for i in range(34, len(f) - 1, 2)) % 0xffff == 0'"
check "malformed: truncated frames are cut short" bash -c "$gen write $tmp/e.pcap --dst 198.18.0.100 --malformed truncated --flows 4 >/dev/null && \
	$(declare -f pcap_check); pcap_check $tmp/e.pcap 4 - 'len(f) < 14 + int.from_bytes(f[16:18], \"big\")'"
check "malformed: bad IP version" bash -c "$gen write $tmp/f.pcap --dst 198.18.0.100 --malformed bad-version >/dev/null && \
	$(declare -f pcap_check); pcap_check $tmp/f.pcap 1 - 'f[14] >> 4 == 5'"
check "a bad option value is a usage error (exit 2)" bash -c "$gen write $tmp/g.pcap --dst 198.18.0.100 --flows x 2>/dev/null; [ \$? -eq 2 ]"
check "destopt over IPv4 is refused (exit 2)" bash -c "$gen write $tmp/g.pcap --dst 198.18.0.1 --carrier destopt 2>/dev/null; [ \$? -eq 2 ]"
check "--duration and --rate are for send (exit 2)" bash -c "$gen write $tmp/g.pcap --dst 198.18.0.100 --duration 1 2>/dev/null; [ \$? -eq 2 ]"

# send: on a veth pair in a namespace of this test's.
ns=sg$$
send() { nsenter --net="/var/run/netns/$ns" "$gen" send v0 --dst 198.18.0.100 -j "$@"; }
sends_for_its_duration() {
	local r
	r=$(send --flows 10 --packets 2 --duration 0.5 --rate 2000) || return 1
	echo "$r"
	# Rounds repeated; never ahead of the rate; not done before its time.
	jq -e '.rounds >= 2 and .sent <= 2000 * .seconds + 1 and .seconds >= 0.5 and
		.failed == 0 and .stopped == false' <<<"$r" >/dev/null
}
stopped_send_reports() {
	local r pid
	# nsenter execs steer-gen: the pid is steer-gen's.
	nsenter --net="/var/run/netns/$ns" "$gen" send v0 --dst 198.18.0.100 -j --flows 10 \
		--duration 10 >"$tmp/stopped.json" &
	pid=$!
	sleep 0.3
	kill -INT "$pid"
	wait "$pid" || return 1
	r=$(cat "$tmp/stopped.json")
	echo "$r"
	jq -e '.stopped == true and .sent > 0 and .seconds < 5' <<<"$r" >/dev/null
}
if [ "$(id -u)" -ne 0 ] || ! command -v jq >/dev/null || ! command -v nsenter >/dev/null; then
	skip "send --duration repeats the flows for that long, paced by --rate" "needs root, jq, nsenter"
	skip "a send stopped by SIGINT reports what it sent" "needs root, jq, nsenter"
else
	lab_ns "$ns"
	ip -n "$ns" link add v0 type veth peer name v1
	ip -n "$ns" link set v0 up
	ip -n "$ns" link set v1 up
	check "send --duration repeats the flows for that long, paced by --rate" sends_for_its_duration
	check "a send stopped by SIGINT reports what it sent" stopped_send_reports
fi
tap_done
