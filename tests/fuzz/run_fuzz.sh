#!/bin/bash
# Run a libFuzzer target for a fixed time on a fresh seed corpus; fail on
# any finding. "SEEDGEN DIR [ARG...]" writes the seed corpus into DIR.
# Usage: run_fuzz.sh FUZZER SECONDS MAX_LEN SEEDGEN [ARG...]
set -euo pipefail
fuzzer=$1 secs=$2 max_len=$3
shift 3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT INT TERM
mkdir "$dir/corpus" "$dir/artifacts"
"$1" "$dir/corpus" "${@:2}"
status=0
"$fuzzer" -max_total_time="$secs" -max_len="$max_len" -timeout=10 -rss_limit_mb=1024 \
	-artifact_prefix="$dir/artifacts/" -print_final_stats=1 "$dir/corpus" \
	>"$dir/log" 2>&1 || status=$?
if [ "$status" -ne 0 ] || ls "$dir/artifacts/"* >/dev/null 2>&1; then
	cat "$dir/log"
	echo "fuzzer found a defect (exit $status):"
	for f in "$dir"/artifacts/*; do [ -e "$f" ] && { echo "$f"; od -An -tx1 "$f"; }; done
	exit 1
fi
grep -E '^(stat::|Done|INFO: seed corpus)' "$dir/log" || true
