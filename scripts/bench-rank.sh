#!/bin/sh
# bench-rank.sh - what ranking costs (a benchmark, not a test): memory per open
# incident, CPU time per incident update for assembly, features, scoring and the
# explanation (XGBoost contributions), with the shipped model, CPU time per
# incident closed when about half of the open ones go idle at once, and CPU time per
# alert, hour by hour, on a host scanned from a new source ten times a second, then
# the same with a rule new to the fleet firing on a new host once a second (a
# network novelty each).
#
# Environment: BUILD_DIR (default build-bench, a release build made here),
# INCIDENTS (default 100000), UPDATES (default 200000).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build-bench}
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$root" -Dbuildtype=release >/dev/null
fi
ninja -C "$build" tests/bench/bench_rank >/dev/null
echo "# $build/tests/bench/bench_rank ${INCIDENTS:-100000} ${UPDATES:-200000}; nproc $(nproc)"
"$build/tests/bench/bench_rank" "${INCIDENTS:-100000}" "${UPDATES:-200000}"
