#!/bin/sh
# Measure JSON parsing of Sysmon events: the in-house walker (parsers/json.c) against
# Debian's json-c, jansson and yajl, and the whole vg_parse JSON path, in events/s per
# core (CPU time of one thread).  The libraries are needed only here:
#   apt-get install libjson-c-dev libjansson-dev libyajl-dev
#
#   scripts/bench-json.sh [SECONDS_PER_CONTENDER]     (default 3)
#
# Uses a release build of Vigil's libraries in build-bench (created when absent; set
# BENCH_BUILD_DIR to reuse another) and the Sysmon lines of
# ../shared/data/evtx-attack-samples-json (VIGIL_SHARED_DATA to override).
set -eu
cd "$(dirname "$0")/.."
secs=${1:-3}
bdir=${BENCH_BUILD_DIR:-build-bench}
data=${VIGIL_SHARED_DATA:-../shared/data}
if [ ! -f "$bdir/build.ninja" ]; then
	meson setup "$bdir" -Dbuildtype=release >/dev/null
fi
ninja -C "$bdir" -j2 parsers/libvigil_parsers.a engine/core/libvigil_core.a \
	libvigil_resources.a >/dev/null
libs="$bdir/parsers/libvigil_parsers.a $bdir/engine/core/libvigil_core.a
$bdir/libvigil_resources.a $bdir/engine/core/libvigil_core.a"
# json-c and jansson export the same symbol names: one binary each.
cc -O2 -std=c17 -D_GNU_SOURCE -Iparsers -Iengine/core tests/bench/bench_json.c $libs \
	$(pkg-config --cflags --libs json-c yajl libpcre2-8 yaml-0.1) -lm -lpthread \
	-o "$bdir/bench_json"
cc -O2 -std=c17 -D_GNU_SOURCE -DBENCH_JANSSON -Iparsers -Iengine/core \
	tests/bench/bench_json.c tests/bench/bench_json_jansson.c $libs \
	$(pkg-config --cflags --libs jansson libpcre2-8 yaml-0.1) -lm -lpthread \
	-o "$bdir/bench_json_jansson"
echo "nproc: $(nproc); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
"$bdir/bench_json" "$data/evtx-attack-samples-json" "$secs"
"$bdir/bench_json_jansson" "$data/evtx-attack-samples-json" "$secs"
