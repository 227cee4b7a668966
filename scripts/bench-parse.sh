#!/bin/sh
# bench-parse.sh - normalization throughput (records/s/core) and peak RSS.
#
# Builds an optimised Vigil (buildtype release, its own build directory) and runs
# tests/bench/bench_parse on:
#   1. loghub's OpenSSH_2k sample repeated to 1,000,000 lines;
#   2. a mixed syslog corpus: loghub Linux_2k + OpenSSH_2k + a generated scenario
#      (`vigil scenario`), repeated to 1,000,000 lines.
# A benchmark, not a test: it prints figures and asserts nothing.  One core is used;
# records/s/core is per second of the benchmark thread's CPU time, so other jobs on a
# shared machine do not lower it (the wall-clock rate is printed beside it).
# Per-record instruction counts (stable where timings are not): parsers/PERFORMANCE.md.
#   VIGIL_SHARED_DATA  third-party data (default: ../shared/data beside the repo)
#   BUILD_DIR          build directory (default: build-bench-parse)
#   LINES              records per run (default: 1000000)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
data=${VIGIL_SHARED_DATA:-$root/../shared/data}
build=${BUILD_DIR:-$root/build-bench-parse}
lines=${LINES:-1000000}

if [ ! -f "$data/loghub/OpenSSH/OpenSSH_2k.log" ]; then
	echo "bench-parse: loghub data not found under $data (set VIGIL_SHARED_DATA)" >&2
	exit 1
fi
if [ -d "$build" ]; then
	meson setup --reconfigure "$build" "$root" --buildtype=release >/dev/null
else
	meson setup "$build" "$root" --buildtype=release >/dev/null
fi
ninja -C "$build" -j2 tests/conformance/bench_parse vigil >/dev/null

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat "$data/loghub/Linux/Linux_2k.log" "$data/loghub/OpenSSH/OpenSSH_2k.log" >"$tmp/mixed.log"
"$build/vigil" scenario --seed 7 >"$tmp/scenario.log"
# keep the syslog records of the scenario (JSON endpoint events are another path)
grep -v '^{' "$tmp/scenario.log" >>"$tmp/mixed.log" || true

echo "nproc: $(nproc)   cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "scenario syslog records: $(grep -vc '^{' "$tmp/scenario.log" || true)"
"$build/tests/conformance/bench_parse" "$data/loghub/OpenSSH/OpenSSH_2k.log" "$lines"
"$build/tests/conformance/bench_parse" "$tmp/mixed.log" "$lines"
