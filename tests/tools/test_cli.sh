#!/bin/bash
# Every program answers --version with its name and steer's version and
# --help with its usage on stdout, exit 0 (steer-dpdk without starting the
# EAL); each manual page built from them names the program, has a synopsis
# and every long option of --help, and renders.
# Usage: test_cli.sh VERSION MANDIR|- NAME=PATH...
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
version=$1 mandir=$2
shift 2

help_ok() { # help_ok PATH: usage on stdout, nothing on stderr, exit 0
	local out err
	out=$("$1" --help 2>"$TAP_LOG.err") || return 1
	err=$(cat "$TAP_LOG.err")
	echo "$out" | head -3
	[ -z "$err" ] && grep -q '^Usage: ' <<<"$out"
}

page_ok() { # page_ok FILE NAME PATH: every long option of --help is in the page
	local o
	grep -q "^\.TH $(tr a-z A-Z <<<"$2") " "$1" && grep -q '^\.SH SYNOPSIS' "$1" &&
		grep -q "^\.B $2\$" "$1" || return 1
	for o in $("$3" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
		grep -qF -- "$(sed 's/-/\\-/g' <<<"$o")" "$1" || { echo "no $o in $1"; return 1; }
	done
	if command -v man >/dev/null; then
		MANWIDTH=80 man -l "$1" 2>&1 >/dev/null | grep . && return 1
	fi
	return 0
}

for prog in "$@"; do
	name=${prog%%=*} path=${prog#*=}
	check "$name --version prints \"$name $version\"" \
		bash -c "[ \"\$('$path' --version)\" = '$name $version' ]"
	check "$name --help prints its usage on stdout and exits 0" help_ok "$path"
	if [ "$mandir" = - ]; then
		skip "$name has a manual page" "built without help2man (-Dman)"
	else
		page=$(ls "$mandir/$name".[18] 2>/dev/null | head -1)
		check "$name has a manual page with its synopsis and every option, which renders" \
			page_ok "${page:-/nonexistent}" "$name" "$path"
	fi
done
rm -f "$TAP_LOG.err"
tap_done
