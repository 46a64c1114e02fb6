#!/bin/bash
# The whole test suite on a fresh Debian 12 machine, as root: install what
# steer needs, build, run every suite, and end with "N passed, N failed".
# This is the README's test command and what .ci/run runs.
set -euo pipefail
cd "$(dirname "$0")/.."

. tests/lib/setup.sh
steer_install_deps
build=${STEER_BUILD_DIR:-build}
# A build that fails is a failed suite, and CI reads the last line.
steer_build "$build" || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
status=0
meson test -C "$build" --print-errorlogs --num-processes 2 "$@" || status=$?

# Count test points: every TAP line of TAP tests, one point for the others.
python3 - "$build/meson-logs/testlog.json" <<'PY'
import json, re, sys
passed = failed = skipped = 0
for line in open(sys.argv[1]):
    t = json.loads(line)
    out = t.get("stdout") or ""
    points = [l for l in out.splitlines() if re.match(r"(not )?ok\b", l)]
    plan_skip = re.search(r"^1\.\.0 # SKIP", out, re.M)
    if points or plan_skip:
        # meson shows no stdout of TAP tests: print each failed point with
        # the diagnostics that follow it, so a CI log says why.
        lines = out.splitlines()
        for i, l in enumerate(lines):
            if l.startswith("not ok"):
                print(f"{t['name']}: {l}")
                for d in lines[i + 1:]:
                    if not d.startswith("#"):
                        break
                    print(f"    {d}")
        for l in points:
            if re.search(r"# SKIP", l, re.I):
                skipped += 1
            elif l.startswith("ok"):
                passed += 1
            else:
                failed += 1
        if plan_skip:
            skipped += 1
        if t["result"] not in ("OK", "SKIP") and not any(l.startswith("not ok") for l in points):
            failed += 1  # crashed or broke the TAP stream
    elif t["result"] == "OK":
        passed += 1
    elif t["result"] == "SKIP":
        skipped += 1
    else:
        failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
