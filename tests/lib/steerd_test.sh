# A steerd under test: one namespace with a veth pair (gw0, gw1), a scratch
# directory, a pin root and a state file of its own, and the helpers the
# daemon tests share. Source after tap.sh and netns.sh with steerd,
# steerctl and a short TAG set; sets ns, gw, tmp, pin_root, sock, state.
lab_require_root
command -v jq >/dev/null || skip_all "needs jq"

ns=steer-$TAG-$$
gw=$TAG$$
tmp=$(mktemp -d)
pin_root=/sys/fs/bpf/steer-test-$TAG$$
sock=$tmp/steerd.sock
state=$tmp/state.json
pid=
extra_pids=     # helpers a test starts (servers in the namespace)

cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	[ -n "$extra_pids" ] && kill $extra_pids 2>/dev/null
	rm -rf "$pin_root" "$tmp"
	lab_cleanup
}
trap cleanup EXIT

lab_ns "$ns"
lab_veth "$ns" gw0 "$ns" gw1

# start [ARGS...]: steerd on $tmp/steer.json, answering on its socket.
start() {
	# nsenter execs steerd: $! is steerd itself, so signals reach it.
	nsenter --net="/var/run/netns/$ns" "$steerd" -c "$tmp/steer.json" --pin-root "$pin_root" \
		--state "$state" --flow-entries 4096 "$@" >>"$tmp/steerd.log" 2>&1 &
	pid=$!
	for _ in $(seq 50); do
		[ -S "$sock" ] && "$steerctl" -s "$sock" status >/dev/null 2>&1 && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

stop() { # stop SIGNAL
	kill "-$1" "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=
}

ctl() { "$steerctl" -s "$sock" "$@"; }

# jq_ok EXPR CTL-ARGS...: steerctl -j succeeds and its answer satisfies EXPR.
jq_ok() {
	local expr=$1 out
	shift
	out=$(ctl -j "$@") || return 1
	jq -e "$expr" <<<"$out" >/dev/null
}

# exits_with CODE PATTERN CMD...: CMD exits with CODE, stderr matches PATTERN.
exits_with() {
	local code=$1 pattern=$2 rc=0
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	cat "$tmp/err"
	[ "$rc" -eq "$code" ] && grep -q -- "$pattern" "$tmp/err"
}

# bash completion (configs/bash-completion/steerctl), names from this steerd.
complete_line() { # complete_line LINE: what completing LINE offers
	# In the namespace: the names may come over the TCP API on its loopback.
	lab_exec "$ns" env PATH="$(dirname "$steerctl"):$PATH" bash -c '
		source "$1"
		COMP_LINE=$2 COMP_POINT=${#2}
		_steerctl steerctl
		echo "${COMPREPLY[*]}"' _ "$(dirname "${BASH_SOURCE[0]}")/../../configs/bash-completion/steerctl" "$1"
}
offers() { # offers LINE WANT: completing LINE offers exactly WANT
	local got
	got=$(complete_line "$1")
	echo "[$1] -> [$got]"
	[ "$got" = "$2" ]
}
