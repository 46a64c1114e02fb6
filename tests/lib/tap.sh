# TAP output for shell tests run by meson (protocol: 'tap').
# Source it, call check/skip_all, and tap_done at the end.
tap_n=0
tap_failed=0

# check "description" command...: one test point, passes when the command does.
check() {
	local desc=$1
	shift
	tap_n=$((tap_n + 1))
	if "$@" >"$TAP_LOG" 2>&1; then
		echo "ok $tap_n - $desc"
	else
		tap_failed=$((tap_failed + 1))
		echo "not ok $tap_n - $desc"
		sed 's/^/# /' "$TAP_LOG"
	fi
}

# skip "description" "reason": one test point that could not run here.
skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1 # SKIP $2"
}

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

tap_done() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}

TAP_LOG=$(mktemp)
