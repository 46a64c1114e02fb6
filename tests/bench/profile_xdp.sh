#!/bin/bash
# Per-source-line profile of the XDP program (not a test: it prints a
# profile). Runs tests/bench/bench_xdp on one case under perf, maps each
# sample in the JITed program to its source line through the program's
# jited_line_info (tests/bench/xdp_lines), and prints the lines with the
# most samples. perf cannot annotate JITed BPF without libbfd, which
# Debian's perf is built without.
# Usage: profile_xdp.sh BUILD_DIR CASE [CALLS [LINES]]   (as root)
#   CASE: a bench_xdp case name or part of one, e.g. "udp4 established, 1 flow"
set -eu
[ $# -ge 2 ] || { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
build=$(cd "$1" && pwd)
case=$2
calls=${3:-5000000}
top=${4:-30}
[ "$(id -u)" -eq 0 ] || { echo "profile_xdp: run as root" >&2; exit 1; }
for tool in perf bpftool jq python3; do
	command -v "$tool" >/dev/null ||
		{ echo "profile_xdp: needs $tool (perf: Debian's linux-perf)" >&2; exit 1; }
done
tmp=$(mktemp -d)
bench=
cleanup() {
	[ -z "$bench" ] || kill "$bench" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

# The program this benchmark loads: the first steer_xdp program with an
# id above every id loaded before it starts (ids only grow; bpftool here
# cannot always tell which process holds a program).
last=$(bpftool prog show -j 2>/dev/null | jq -r '[.[].id] | max // 0')
"$build/tests/bench_xdp" "$calls" "$case" >"$tmp/bench.out" 2>&1 &
bench=$!
id=
for _ in $(seq 100); do
	id=$(bpftool prog show -j 2>/dev/null | jq -r --argjson last "$last" \
		'[.[] | select(.name == "steer_xdp" and .id > $last) | .id] | min // empty')
	[ -z "$id" ] || break
	sleep 0.1
done
[ -n "$id" ] || { echo "profile_xdp: the benchmark's program did not appear" >&2; exit 1; }
"$build/tests/xdp_lines" "$id" >"$tmp/lines.txt"
perf record -q -p "$bench" -o "$tmp/perf.data" >/dev/null 2>&1 || true
wait "$bench" || true
bench=
cat "$tmp/bench.out"
perf script -i "$tmp/perf.data" -F ip,sym 2>/dev/null >"$tmp/samples.txt"
python3 - "$tmp/lines.txt" "$tmp/samples.txt" "$top" <<'PY'
import bisect, collections, sys
lines = []
for l in open(sys.argv[1]):
    addr, loc, src = l.rstrip("\n").split("\t", 2)
    lines.append((int(addr, 16), loc, src))
lines.sort()
starts = [a for a, _, _ in lines]
total = prog = 0
per_line = collections.Counter()
for l in open(sys.argv[2]):
    parts = l.split(None, 1)
    if not parts:
        continue
    total += 1
    if len(parts) < 2 or "steer_xdp" not in parts[1]:
        continue
    prog += 1
    i = bisect.bisect_right(starts, int(parts[0], 16)) - 1
    if i >= 0:
        per_line[lines[i][1:]] += 1
print(f"\n{prog} of {total} samples in the XDP program; its lines by share of those:")
for (loc, src), n in per_line.most_common(int(sys.argv[3])):
    print(f"{100.0 * n / max(prog, 1):5.1f}%  {loc:28s} {src[:90]}")
PY
