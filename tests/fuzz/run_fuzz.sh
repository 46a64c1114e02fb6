#!/bin/bash
# Run a libFuzzer target for a fixed time on a fresh seed corpus; fail on
# any finding. Usage: run_fuzz.sh FUZZER SEEDGEN SECONDS
set -euo pipefail
fuzzer=$1 seeds=$2 secs=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT INT TERM
mkdir "$dir/corpus" "$dir/artifacts"
"$seeds" "$dir/corpus"
status=0
"$fuzzer" -max_total_time="$secs" -max_len=2048 -timeout=10 -rss_limit_mb=1024 \
	-artifact_prefix="$dir/artifacts/" -print_final_stats=1 "$dir/corpus" \
	>"$dir/log" 2>&1 || status=$?
if [ "$status" -ne 0 ] || ls "$dir/artifacts/"* >/dev/null 2>&1; then
	cat "$dir/log"
	echo "fuzzer found a defect (exit $status):"
	for f in "$dir"/artifacts/*; do [ -e "$f" ] && { echo "$f"; od -An -tx1 "$f"; }; done
	exit 1
fi
grep -E '^(stat::|Done|INFO: seed corpus)' "$dir/log" || true
