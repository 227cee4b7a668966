#!/bin/sh
# bench-detect.sh - detection and correlation figures (a benchmark, not a test).
#
# Prints, with the commands that produced them and `nproc`:
#  1. detection alone: every SigmaHQ Windows process_creation rule over the Sysmon
#     events of evtx-attack-samples-json, repeated to >= MIN_EVENTS events
#     (events/s per core = CPU time of the measuring thread), with the hit rate of
#     the detection context's field value cache -- over all passes and over the
#     first pass (distinct events: the repetition inflates the former), then the
#     same with that cache off (every field value scanned), then with the cache
#     emptied before every pass (each pass sees distinct events only, as a
#     stream that never repeats an event: the hit rate of the first pass), then
#     detection alone on events fresh from the parser (each chunk of 64 records
#     parsed untimed, then detected), as the pipeline detects a record right
#     after parsing it: the held events are 8 MiB read back from beyond L2 on
#     every pass;
#  2. parse + detection of the same records;
#  3. event_count and value_count with N distinct open group keys (bytes per key);
#  4. the time to load every SigmaHQ rule (rules, rules-emerging-threats,
#     rules-threat-hunting).
# Goals (from the issue): detection >= 2,000,000 events/s/core, parse+detect
# >= 500,000, <= 256 bytes per open group key, all rules loaded < 1 s.
#
# Environment: VIGIL_SHARED_DATA (default ../shared/data next to the repo),
# BUILD_DIR (default build-bench, a release build made here), MIN_EVENTS
# (default 1000000), GROUP_KEYS (default 1000000; not GROUPS, which bash sets to
# the user's group ids).  Runs one job at a time.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
data=${VIGIL_SHARED_DATA:-$root/../shared/data}
build=${BUILD_DIR:-$root/build-bench}
min=${MIN_EVENTS:-1000000}
groups=${GROUP_KEYS:-1000000}
rules=$data/sigma/rules/windows/process_creation
if [ ! -d "$rules" ] || [ ! -d "$data/evtx-attack-samples-json" ]; then
	echo "bench-detect: $data lacks sigma/ or evtx-attack-samples-json/" >&2
	exit 77
fi
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$root" -Dbuildtype=release >/dev/null
fi
ninja -C "$build" -j2 tests/bench/bench_detect >/dev/null
bench=$build/tests/bench/bench_detect
events=$(mktemp /tmp/vg-bench-sysmon-XXXXXX.jsonl)
trap 'rm -f "$events"' EXIT
find "$data/evtx-attack-samples-json" -name '*.jsonl' -print0 | sort -z |
	xargs -0 cat >"$events"

echo "nproc: $(nproc); cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
run() {
	echo "\$ $*"
	"$@"
}
run "$bench" detect "$min" "$rules" "$events"
run "$bench" detect-nocache "$min" "$rules" "$events"
run "$bench" detect-cold "$min" "$rules" "$events"
run "$bench" detect-fresh "$min" "$rules" "$events"
run "$bench" parse "$min" "$rules" "$events"
run "$bench" groups event_count "$groups"
run "$bench" groups value_count "$groups"
run "$bench" load "$data/sigma/rules" "$data/sigma/rules-emerging-threats" \
	"$data/sigma/rules-threat-hunting"
