# The namespace lab, shared by the lab tests and the demo: a client, a
# gateway running steerd (XDP, native) and three nodes running steer-decap
# and a real UDP/TCP service, joined by veth pairs.
#
#   client  cl0 198.18.100.2/24 2001:db8:100::2/64
#     |
#   gateway gwc 198.18.100.1 2001:db8:100::1   (steerd, XDP on gwc)
#     |     gwn1 198.18.1.1   gwn2 198.18.2.1   gwn3 198.18.3.1 2001:db8:3::1
#   node 1  ne1 198.18.1.10   node 2 ne2 198.18.2.10   node 3 ne3 2001:db8:3::10
#
# Every node has the VIPs (198.18.0.100, 198.18.0.101, 2001:db8::100) and
# the gateway's request addresses (198.18.0.1, 2001:db8::1) on lo, and routes
# back to the client through the gateway's kernel: replies bypass steer.
# Needs: . tests/lib/netns.sh, and BUILD (the meson build dir), LAB (a prefix
# for namespace names), LAB_DIR (a scratch directory).

lab_node_count=3
steerd_pid=
server_pids=()

lab_mac() { # lab_mac NS IFACE
	ip -n "$1" -j link show "$2" | jq -r '.[0].address'
}

lab_up() { # lab_up CONFIG [STEERD ARGS...]
	local config=$1
	shift
	lab_net_up || return 1
	lab_steerd_start "$config" "$@" || return 1
}

# The namespaces, addresses, steer-decap and the services; no gateway yet.
lab_net_up() {
	local i ns
	lab_ns "${LAB}cl"
	lab_ns "${LAB}gw"
	lab_veth "${LAB}cl" cl0 "${LAB}gw" gwc
	# A veth hands the peer's XDP program what the sender's socket wrote:
	# with checksum offload the TCP checksum is not filled in yet (on a
	# wire it always is). The lab client computes its checksums itself.
	ip netns exec "${LAB}cl" ethtool -K cl0 tx off >/dev/null
	# The client's own sockets (the UDP and TCP requests) take source
	# ports above every steer-gen --sport-base range the tests use: a
	# kernel-chosen port inside one would make its flow "established" on
	# some node before the test's flows start, and a draining test would
	# see that old flow keep its node.
	ip netns exec "${LAB}cl" sysctl -qw net.ipv4.ip_local_port_range="63000 65000"
	ip -n "${LAB}cl" addr add 198.18.100.2/24 dev cl0
	ip -n "${LAB}cl" addr add 2001:db8:100::2/64 dev cl0 nodad
	ip -n "${LAB}cl" route add 198.18.0.0/24 via 198.18.100.1
	ip -n "${LAB}cl" route add 2001:db8::/64 via 2001:db8:100::1
	ip -n "${LAB}gw" addr add 198.18.100.1/24 dev gwc
	ip -n "${LAB}gw" addr add 2001:db8:100::1/64 dev gwc nodad
	ip netns exec "${LAB}gw" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	# The gateway answers a request too big for the tunnel with an ICMP
	# error out of gwc (XDP_TX). A veth hands XDP_TX frames only to a peer
	# that runs XDP itself (a NIC needs nothing): steer-decap, which
	# passes everything not encapsulated to it, is that program on cl0.
	lab_exec "${LAB}cl" "$BUILD/ebpf/steer-decap" attach cl0 >/dev/null || return 1
	for i in $(seq "$lab_node_count"); do
		ns="${LAB}n$i"
		lab_ns "$ns"
		lab_veth "${LAB}gw" "gwn$i" "$ns" "ne$i"
		ip -n "${LAB}gw" addr add "198.18.$i.1/24" dev "gwn$i"
		ip -n "${LAB}gw" addr add "2001:db8:$i::1/64" dev "gwn$i" nodad
		ip -n "$ns" addr add "198.18.$i.10/24" dev "ne$i"
		ip -n "$ns" addr add "2001:db8:$i::10/64" dev "ne$i" nodad
		ip -n "$ns" route add default via "198.18.$i.1"
		ip -n "$ns" -6 route add default via "2001:db8:$i::1"
		for a in 198.18.0.100/32 198.18.0.101/32 198.18.0.1/32; do
			ip -n "$ns" addr add "$a" dev lo
		done
		ip -n "$ns" addr add 2001:db8::100/128 dev lo
		ip -n "$ns" addr add 2001:db8::1/128 dev lo
		# Decapsulated requests arrive on ne$i for addresses on lo.
		ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.ne$i.rp_filter=0
		lab_exec "$ns" "$BUILD/ebpf/steer-decap" attach "ne$i" >/dev/null || return 1
		: >"$LAB_DIR/n$i.log"
		# nsenter itself, not a function: $! must be the server.
		nsenter --net="/var/run/netns/$ns" /usr/bin/python3 "$LAB_SRC/lab_server.py" "n$i" \
			"$LAB_DIR/n$i.log" </dev/null >/dev/null 2>>"$LAB_DIR/servers.log" &
		server_pids+=($!)
	done
	# Resolve the gateway's neighbours now: the first packets would
	# otherwise take the kernel's slow path while ARP/ND completes.
	for i in $(seq "$lab_node_count"); do
		lab_exec "${LAB}gw" ping -c1 -W1 "198.18.$i.10" >/dev/null 2>&1
		lab_exec "${LAB}gw" ping -6 -c1 -W1 "2001:db8:$i::10" >/dev/null 2>&1
	done
	lab_exec "${LAB}cl" ping -c1 -W1 198.18.100.1 >/dev/null 2>&1
	lab_exec "${LAB}cl" ping -6 -c1 -W1 2001:db8:100::1 >/dev/null 2>&1
	for i in $(seq "$lab_node_count"); do
		for _ in $(seq 50); do
			[ -e "$LAB_DIR/n$i.log.ready" ] && break
			sleep 0.1
		done
	done
	LAB_GW_MAC=$(lab_mac "${LAB}gw" gwc)
	LAB_CL_MAC=$(lab_mac "${LAB}cl" cl0)
}

# lab_steerd_start CONFIG [ARGS...]: start steerd on the gateway and wait
# until it answers on its socket.
lab_steerd_start() {
	local config=$1
	shift
	nsenter --net="/var/run/netns/${LAB}gw" "$BUILD/steerd" -c "$config" --state "$LAB_DIR/state.json" "$@" \
		</dev/null >>"$LAB_DIR/steerd.log" 2>&1 &
	steerd_pid=$!
	for _ in $(seq 100); do
		[ -S "$LAB_SOCK" ] && "$BUILD/steerctl" -s "$LAB_SOCK" status >/dev/null 2>&1 && return 0
		kill -0 "$steerd_pid" 2>/dev/null || { cat "$LAB_DIR/steerd.log"; return 1; }
		sleep 0.1
	done
	return 1
}

lab_down() {
	local p i
	[ -n "$steerd_pid" ] && kill "$steerd_pid" 2>/dev/null && wait "$steerd_pid" 2>/dev/null
	steerd_pid=
	for p in "${server_pids[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	server_pids=()
	for i in $(seq "$lab_node_count"); do
		lab_exec "${LAB}n$i" "$BUILD/ebpf/steer-decap" detach "ne$i" >/dev/null 2>&1
	done
	lab_exec "${LAB}cl" "$BUILD/ebpf/steer-decap" detach cl0 >/dev/null 2>&1
	lab_cleanup
}

# lab_gen ARGS...: steer-gen send on the client's interface toward the gateway.
lab_gen() {
	lab_exec "${LAB}cl" "$BUILD/tools/steer-gen" send cl0 --src-mac "$LAB_CL_MAC" \
		--dst-mac "$LAB_GW_MAC" "$@"
}

# lab_flow_nodes: "src sport node" of every UDP packet the services logged.
lab_flow_nodes() {
	local i
	for i in 1 2 3; do awk -v n="n$i" '$1 == "udp" { print $2, $3, n }' "$LAB_DIR/n$i.log"; done | sort
}

# lab_drain_keeps_flows SPORT_BASE DRAIN_N2: 600 flows to the web VIP are
# established (their nodes recorded in $LAB_DIR/established), DRAIN_N2 sets
# n2 draining, and the same flows again must reach the same nodes, n2's too.
lab_drain_keeps_flows() {
	lab_reset_logs
	lab_gen --flows 600 --rate 20000 --dst 198.18.0.100 --sport-base "$1" >/dev/null
	sleep 0.7
	lab_flow_nodes >"$LAB_DIR/established"
	$2 || return 1
	lab_reset_logs
	lab_gen --flows 600 --rate 20000 --dst 198.18.0.100 --sport-base "$1" >/dev/null
	sleep 0.7
	lab_flow_nodes >"$LAB_DIR/again"
	diff "$LAB_DIR/established" "$LAB_DIR/again" >/dev/null || { echo "flows moved"; return 1; }
	echo "n2 kept $(grep -c ' n2$' "$LAB_DIR/again") established flows"
	grep -q ' n2$' "$LAB_DIR/again"
}

# lab_drain_takes_no_new SPORT_BASE: with n2 draining, 1,000 new flows reach
# n1 and n3 only.
lab_drain_takes_no_new() {
	lab_reset_logs
	lab_gen --flows 1000 --rate 20000 --dst 198.18.0.100 --sport-base "$1" >/dev/null
	sleep 0.7
	echo "new flows: n1 $(lab_received 1 udp), n2 $(lab_received 2 udp), n3 $(lab_received 3 udp)"
	[ "$(lab_received 2 udp)" -eq 0 ] &&
		[ $(( $(lab_received 1 udp) + $(lab_received 3 udp) )) -eq 1000 ]
}

# lab_decisions_under_traffic ROUNDS RATE SPORT_BASE RESTART [BEFORE_KILL]:
# 500 flows to the infer VIP are established, then send ROUNDS packets each
# (interleaved, at RATE) while 1,000 decision batches are applied,
# BEFORE_KILL runs, steerd ($steerd_pid) is SIGKILLed and RESTART brings it
# back. Every packet must arrive, no flow may change node (every node stays
# in the service), traffic must still run at the SIGKILL, and the restarted
# steerd must hold the last decision version.
lab_decisions_under_traffic() {
	local rounds=$1 rate=$2 sport=$3 restart=$4 before_kill=${5:-true}
	local flows=500 gen_pid received first live ctl="$BUILD/steerctl -s $LAB_SOCK"
	lab_reset_logs
	lab_gen --flows "$flows" --rate 10000 --dst 198.18.0.101 --sport-base "$sport" >/dev/null
	sleep 0.7
	lab_flow_nodes | sort -u >"$LAB_DIR/dec_before"
	first=$(( $($ctl -j status | jq .decision_version) + 1 ))
	lab_reset_logs
	lab_gen --flows "$flows" --packets "$rounds" --interleave --rate "$rate" --dst 198.18.0.101 \
		--sport-base "$sport" >"$LAB_DIR/gen.out" &
	gen_pid=$!
	sleep 0.3
	python3 "$LAB_SRC/../lib/decide_loop.py" "$LAB_SOCK" --services infer --nodes n1,n2,n3 \
		--batches 1000 --start-version "$first" >"$LAB_DIR/decide.out"
	cat "$LAB_DIR/decide.out"
	jq -e '.applied == 1000' "$LAB_DIR/decide.out" >/dev/null || return 1
	$before_kill || return 1
	kill -0 "$gen_pid" 2>/dev/null && live=1 || live=0
	kill -9 "$steerd_pid"
	wait "$steerd_pid" 2>/dev/null
	$restart || return 1
	wait "$gen_pid" || return 1
	sleep 0.7
	cat "$LAB_DIR/gen.out"
	received=$(( $(lab_received 1 udp) + $(lab_received 2 udp) + $(lab_received 3 udp) ))
	echo "received $received of $((flows * rounds)); traffic still running at the SIGKILL: $live"
	[ "$received" -eq $((flows * rounds)) ] && [ "$live" -eq 1 ] || return 1
	lab_flow_nodes | sort -u >"$LAB_DIR/dec_after"
	diff "$LAB_DIR/dec_before" "$LAB_DIR/dec_after" >/dev/null || { echo "flows moved"; return 1; }
	$ctl -j status | jq -e ".decision_version == $((first + 999))" >/dev/null
}

# lab_received NODE [PROTO]: requests node NODE's service has logged.
lab_received() {
	if [ -n "${2:-}" ]; then
		grep -c "^$2 " "$LAB_DIR/n$1.log" || true
	else
		wc -l <"$LAB_DIR/n$1.log"
	fi
}

# lab_decapsulated NODE: packets steer-decap stripped on node NODE.
lab_decapsulated() {
	lab_exec "${LAB}n$1" "$BUILD/ebpf/steer-decap" -j status "ne$1" | jq .decapsulated
}

lab_reset_logs() {
	local i
	for i in $(seq "$lab_node_count"); do : >"$LAB_DIR/n$i.log"; done
}

# lab_answer tcp|udp ADDR [BYTES]: a real request from the client to
# ADDR:443, one line of BYTES bytes (default 6; the service answers a TCP
# connection once it has read a whole line); prints the answer, the name of
# the node whose service took it.
lab_answer() {
	lab_exec "${LAB}cl" python3 -c "
import socket, sys
proto, addr, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
line = b'x' * (size - 1) + b'\n'
if proto == 'tcp':
    s = socket.create_connection((addr, 443), timeout=3)
    s.sendall(line)
    print(s.recv(64).decode().strip())
else:
    s = socket.socket(socket.AF_INET6 if ':' in addr else socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.sendto(line, (addr, 443))
    print(s.recvfrom(64)[0].decode().strip())" "$1" "$2" "${3:-6}"
}

# lab_request tcp|udp ADDR [BYTES]: succeeds when a node's service answers
# the request of lab_answer (a TCP one completes a handshake through the
# gateway).
lab_request() {
	local answer
	answer=$(lab_answer "$@") || return 1
	echo "answered by $answer"
	[[ $answer =~ ^n[123]$ ]]
}

# lab_icmp_sent: the ICMP errors the gateway has sent, from steerd.
lab_icmp_sent() { "$BUILD/steerctl" -s "$LAB_SOCK" -j stats | jq .traffic.icmp_sent; }

# lab_through_pmtu CMD...: with the client's learned path MTUs forgotten,
# CMD succeeds and the gateway sent ICMP errors meanwhile.
lab_through_pmtu() {
	local before after
	ip -n "${LAB}cl" route flush cache
	ip -n "${LAB}cl" -6 route flush cache
	before=$(lab_icmp_sent)
	"$@" || return 1
	after=$(lab_icmp_sent)
	echo "ICMP errors sent: $((after - before))"
	[ "$after" -gt "$before" ]
}

# lab_icmp_to_flow_node VIP CLIENT PORT: a UDP flow from CLIENT:PORT to
# VIP:443, then the ICMP error a router on the way back would send the VIP
# about the node's reply (fragmentation needed / packet too big, MTU
# 1400), sent from the client's namespace. The gateway must hand it to the
# node that served the flow: that node's kernel then knows the path's MTU
# toward the client, and no other node does.
lab_icmp_to_flow_node() {
	local vip=$1 client=$2 port=$3 node i got
	lab_reset_logs
	lab_exec "${LAB}cl" python3 - "$vip" "$port" <<'PY' || return 1
import socket, sys
vip, port = sys.argv[1], int(sys.argv[2])
v6 = ":" in vip
s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("::" if v6 else "0.0.0.0", port))
s.settimeout(2)
s.sendto(b"hello", (vip, 443))
print("answered by", s.recvfrom(64)[0].decode().strip())
PY
	sleep 0.3
	node=$(lab_flow_nodes | awk -v p="$port" '$2 == p { print $3; exit }')
	[ -n "$node" ] || { echo "no node logged the flow"; return 1; }
	lab_exec "${LAB}cl" python3 - "$vip" "$client" "$port" <<'PY' || return 1
import socket, struct, sys
vip, client, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
udp = struct.pack("!HHHH", 443, port, 8 + 1400, 0)  # the node's reply, as quoted
if ":" in vip:
    reply = struct.pack("!IHBB", 6 << 28, 8 + 1400, 17, 64) + socket.inet_pton(
        socket.AF_INET6, vip) + socket.inet_pton(socket.AF_INET6, client) + udp
    msg = struct.pack("!BBHI", 2, 0, 0, 1400) + reply   # the kernel sums it
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
else:
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + 8 + 1400, 0, 0x4000, 64, 17, 0,
                     socket.inet_aton(vip), socket.inet_aton(client))
    reply = ip + udp
    msg = struct.pack("!BBHHH", 3, 4, 0, 0, 1400) + reply
    total = sum(struct.unpack("!%dH" % (len(msg) // 2), msg))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    msg = msg[:2] + struct.pack("!H", ~total & 0xffff) + msg[4:]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.sendto(msg, (vip, 0))
PY
	sleep 0.3
	for i in 1 2 3; do
		got=$(ip -n "${LAB}n$i" route get "$client" 2>/dev/null | grep -o 'mtu [0-9]*')
		echo "n$i: ${got:-no learned MTU} toward $client"
		if [ "n$i" = "$node" ]; then
			[ "$got" = "mtu 1400" ] || return 1
		else
			[ -z "$got" ] || return 1
		fi
	done
}

# lab_ping_vip ADDR: ping(8) from the client; 3 echo requests answered by
# the gateway, and counted there.
lab_ping_vip() {
	local before
	before=$("$BUILD/steerctl" -s "$LAB_SOCK" -j stats | jq .traffic.icmp_echo)
	lab_exec "${LAB}cl" ping -c 3 -i 0.2 -W 2 "$1" | tail -2 &&
		[ "$("$BUILD/steerctl" -s "$LAB_SOCK" -j stats | jq .traffic.icmp_echo)" -eq $((before + 3)) ]
}

# lab_pmtu_udp ADDR MTU...: a UDP datagram from the client that fills its
# 1,500-byte link, with DF (path MTU discovery, as stacks do by default),
# is too big for the tunnel: the gateway's ICMP error must bring the
# client's path MTU down to what the tunnel carries (one of the MTUs: the
# flow's node decides the outer family), and a datagram of that size is
# then answered.
lab_pmtu_udp() {
	lab_exec "${LAB}cl" python3 - "$@" <<'PY'
import errno, socket, sys, time
addr, want = sys.argv[1], [int(m) for m in sys.argv[2:]]
v6 = ":" in addr
s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_DGRAM)
# IP(V6)_MTU_DISCOVER = IP_PMTUDISC_DO: DF set, the kernel learns the MTU.
s.setsockopt(socket.IPPROTO_IPV6 if v6 else socket.IPPROTO_IP, 23 if v6 else 10, 2)
s.connect((addr, 443))
s.settimeout(2)
hdr = 48 if v6 else 28
def mtu():  # IPV6_MTU / IP_MTU
    return s.getsockopt(socket.IPPROTO_IPV6 if v6 else socket.IPPROTO_IP, 24 if v6 else 14)
def send(n):  # the ICMP error may first surface as EMSGSIZE on the socket
    for _ in range(3):
        try:
            return s.send(b"x" * n)
        except OSError:
            time.sleep(0.05)
    raise SystemExit("send failed")
send(1500 - hdr)
for _ in range(40):
    if mtu() < 1500:
        break
    time.sleep(0.05)
m = mtu()
print(f"path MTU after a 1500-byte datagram: {m}")
if m not in want:
    raise SystemExit("the path MTU did not come down to the tunnel's")
# The node answers from its own address (DSR from a wildcard socket), which
# a connected socket would not take: the rest goes unconnected, from the
# same port. The same flow, so the same node: the tunnel's MTU depends on
# the node's address family.
port = s.getsockname()[1]
s.close()
u = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_DGRAM)
u.setsockopt(socket.IPPROTO_IPV6 if v6 else socket.IPPROTO_IP, 23 if v6 else 10, 2)
u.bind(("::" if v6 else "0.0.0.0", port))
u.settimeout(2)
try:
    u.sendto(b"x" * (m + 1 - hdr), (addr, 443))
    raise SystemExit("the kernel sent a datagram over the path MTU it learned")
except OSError as e:
    if e.errno != errno.EMSGSIZE:
        raise
u.sendto(b"x" * (m - hdr), (addr, 443))
answer = u.recvfrom(64)[0].decode().strip()
print(f"a {m}-byte datagram is answered by {answer}; one byte more is refused (EMSGSIZE)")
PY
}
