# Lab namespaces for shell tests: every namespace and veth made here is
# removed on exit, pass or fail. Addresses come from 198.18.0.0/15 and
# 2001:db8::/32 only.
lab_namespaces=()

lab_cleanup() {
	local ns
	for ns in "${lab_namespaces[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
}

# lab_ns NAME: create a namespace with lo up.
lab_ns() {
	ip netns add "$1"
	lab_namespaces+=("$1")
	ip -n "$1" link set lo up
}

# lab_veth NS1 IF1 NS2 IF2: a veth pair between two namespaces, both up.
lab_veth() {
	ip -n "$1" link add "$2" type veth peer name "$4" netns "$3"
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}

# lab_exec NS CMD...: run in the namespace's network only, keeping /sys/fs/bpf
# visible (ip netns exec remounts /sys and hides bpffs).
lab_exec() {
	local ns=$1
	shift
	nsenter --net="/var/run/netns/$ns" "$@"
}

lab_require_root() {
	[ "$(id -u)" -eq 0 ] || skip_all "needs root for network namespaces and XDP (CI runs as root)"
	command -v ip >/dev/null || skip_all "needs iproute2 (ip)"
	command -v nsenter >/dev/null || skip_all "needs util-linux (nsenter)"
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf 2>/dev/null ||
		skip_all "needs bpffs on /sys/fs/bpf"
}

# lab_require_tools: what the namespace labs run besides steer (the
# services, the checks), after lab_require_root.
lab_require_tools() {
	local t
	for t in jq python3 ethtool; do
		command -v "$t" >/dev/null || skip_all "needs $t"
	done
}
