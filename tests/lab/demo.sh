#!/bin/bash
# steer's main job on a self-contained lab: a client, a gateway running
# steerd with configs/lab.json (XDP, native), three nodes running
# steer-decap and real UDP/TCP services, all in network namespaces joined
# by veth pairs. Sends real traffic with steer-gen, prints what each node
# received next to steerctl stats (and the flows the gateway remembers, and
# its health), and removes everything it created.
# Run as root on Debian 12; it installs what it needs and builds steer.
# Usage: demo.sh [--built BUILD_DIR]   (--built: use that build of steer as
# it is, install and build nothing; the test suite runs the demo this way)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=
case "${1:-}" in
--built)
	[ -n "${2:-}" ] && [ -x "$2/steerd" ] || { echo "demo: --built needs a build directory with steerd in it" >&2; exit 2; }
	BUILD=$(cd "$2" && pwd) ;;
-h | --help)
	sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
	exit 0 ;;
"") ;;
*)
	echo "demo: unknown argument '$1' (usage: demo.sh [--built BUILD_DIR])" >&2
	exit 2 ;;
esac
[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (network namespaces, XDP)"; exit 1; }

. tests/lib/setup.sh
if [ -z "$BUILD" ]; then
	steer_install_deps
	BUILD=$PWD/${STEER_BUILD_DIR:-build}
	steer_build "$BUILD" >/dev/null
fi
echo

. tests/lib/netns.sh
. tests/lab/lab_env.sh
LAB=demo-
LAB_DIR=$(mktemp -d)
LAB_SRC=$PWD/tests/lab
LAB_SOCK=$(jq -r .gateway.api.socket configs/lab.json)
trap 'set +e; lab_down; rm -rf "$LAB_DIR"; rmdir /sys/fs/bpf/steer /run/steer 2>/dev/null' EXIT

echo "lab: client -> gateway (steerd, XDP on gwc) -> nodes n1, n2, n3 (steer-decap)"
echo "config: configs/lab.json (service web: weights n1:n2:n3 = 1:2:3, ipip; infer: gue)"
lab_up configs/lab.json --detach-on-exit || { echo "demo: the lab did not come up"; exit 1; }
"$BUILD/steerctl" -s "$LAB_SOCK" status
echo

echo "real requests from the client (answers come straight from the node):"
for target in "tcp 198.18.0.100" "tcp 2001:db8::100" "udp 198.18.0.100" "udp 2001:db8::100"; do
	set -- $target
	answer=$(lab_answer "$1" "$2" 2>/dev/null) && [ -n "$answer" ] || answer="no answer"
	printf "  %-4s %-18s -> %s\n" "$1" "$2:443" "$answer"
done
echo

lab_reset_logs
echo "steer-gen load (one packet per flow, 20,000 packets/s):"
gen() { printf "  %-44s " "$1"; shift; lab_gen --rate 20000 "$@" | sed 's/^steer-gen: //'; }
gen "UDP to VIP 198.18.0.100:443 (web, ipip)" --dst 198.18.0.100 --flows 3000
gen "UDP to VIP [2001:db8::100]:443 (web, ipip)" --dst 2001:db8::100 --flows 3000 --sport-base 20000
gen "UDP to VIP 198.18.0.101:443 (infer, gue)" --dst 198.18.0.101 --flows 3000 --sport-base 30000
gen "IPv6 destination option, CID 2002 (infer)" --carrier destopt --cid 2002 --dst 2001:db8::1 \
	--flows 1000 --sport-base 40000
gen "UDP shim to 198.18.0.1:6118, CID 1001 (web)" --carrier shim --cid 1001 --dst 198.18.0.1 \
	--flows 1000 --sport-base 50000
gen "malformed: truncated headers" --dst 198.18.0.100 --flows 100 --malformed truncated
gen "malformed: compute header with CID 0" --carrier shim --dst 198.18.0.1 --flows 100 \
	--malformed cid-zero
sleep 1
echo

total=0
for i in 1 2 3; do total=$((total + $(lab_received "$i"))); done
printf "%-6s %-7s %-16s %-22s %-14s\n" node weight "weight share" "received by service" "decapsulated"
for i in 1 2 3; do
	r=$(lab_received "$i")
	printf "%-6s %-7s %-16s %-22s %-14s\n" "n$i" "$i" "$(awk -v w="$i" 'BEGIN { printf "%.1f%%", w * 100 / 6 }')" \
		"$r ($(awk -v r="$r" -v t="$total" 'BEGIN { printf "%.1f%%", t ? r * 100 / t : 0 }'))" \
		"$(lab_decapsulated "$i")"
done
echo
echo "steerctl stats:"
"$BUILD/steerctl" -s "$LAB_SOCK" stats
echo
echo "steerctl flows (every flow above is remembered on the node it started on):"
"$BUILD/steerctl" -s "$LAB_SOCK" flows
echo
echo "steerctl health:"
"$BUILD/steerctl" -s "$LAB_SOCK" health
echo
echo "demo: removing the lab"
