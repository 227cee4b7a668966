#!/bin/sh
# bench-pipeline.sh - the whole pipeline with one and with several parse/detect
# workers (engine.workers; a benchmark, not a test).
#
# `vigil replay` of a release build over the Sysmon events of
# evtx-attack-samples-json, repeated REPEAT times (default 8), with every SigmaHQ
# Windows rule and the shipped model, once with engine.workers 1 and once with
# WORKERS (default `nproc`).  Prints each run's summary line and wall time, and
# whether both runs left the same store (incidents and metrics): the number of
# workers must never change a result.  Then tests/bench/bench_hold: HELD (default
# 100000) alerts held for event-time order behind a partition whose clock is
# behind -- the memory each costs (what correlation.max_held_alerts bounds), the
# CPU time per record while they pile up, and per alert once they are released --
# and `bench_hold hits`: as many rule hits held for correlation's event-time order
# (correlation.max_held_hits), the memory each costs, and the CPU time per hit
# once they are counted.
#
# Environment: VIGIL_SHARED_DATA (default ../shared/data next to the repo),
# BUILD_DIR (default build-bench, a release build made here), REPEAT, WORKERS,
# HELD.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
data=${VIGIL_SHARED_DATA:-$root/../shared/data}
build=${BUILD_DIR:-$root/build-bench}
repeat=${REPEAT:-8}
workers=${WORKERS:-$(nproc)}
rules=$data/sigma/rules/windows
if [ ! -d "$rules" ] || [ ! -d "$data/evtx-attack-samples-json" ]; then
	echo "bench-pipeline: $data lacks sigma/ or evtx-attack-samples-json/" >&2
	exit 77
fi
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$root" -Dbuildtype=release >/dev/null
fi
ninja -C "$build" -j2 vigil tests/bench/bench_hold >/dev/null
work=$(mktemp -d /tmp/vg-bench-pipeline-XXXXXX)
trap 'rm -rf "$work"' EXIT
find "$data/evtx-attack-samples-json" -name '*.jsonl' -print0 | sort -z |
	xargs -0 cat >"$work/once.jsonl"
i=0
while [ "$i" -lt "$repeat" ]; do
	cat "$work/once.jsonl"
	i=$((i + 1))
done >"$work/events.jsonl"

echo "nproc: $(nproc); cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "input: $(wc -l <"$work/events.jsonl") Sysmon JSON records ($repeat x evtx-attack-samples-json); rules: $rules"
for w in 1 "$workers"; do
	printf 'engine: {workers: %s}\nrules: {paths: ["%s"]}\n' "$w" "$rules" >"$work/w$w.yaml"
	echo "\$ vigil replay -c w$w.yaml --db w$w.db --format json events.jsonl   (engine.workers: $w)"
	start=$(date +%s.%N)
	"$build/vigil" replay -c "$work/w$w.yaml" --db "$work/w$w.db" --format json \
		"$work/events.jsonl" 2>"$work/w$w.err" | sed 's/^/  /'
	end=$(date +%s.%N)
	echo "  $(grep -c ': \(error\|warning\): rule ' "$work/w$w.err" || true) rule load messages on stderr (rules that cannot run, logsources without a mapping)"
	grep -v ': \(error\|warning\): rule ' "$work/w$w.err" | grep -v '^$' | sed 's/^/  /' || true
	echo "  wall $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }') s"
done
same() { # DB
	sqlite3 "$1" "select id, version, alert_count, title, round(score, 6) from incidents
	              order by id; select name, value from metrics order by name" | md5sum
}
if [ "$(same "$work/w1.db")" = "$(same "$work/w$workers.db")" ]; then
	echo "stores identical (incidents and metrics): yes"
else
	echo "stores identical (incidents and metrics): NO"
	exit 1
fi
echo "\$ $build/tests/bench/bench_hold ${HELD:-100000}"
"$build/tests/bench/bench_hold" "${HELD:-100000}"
echo "\$ $build/tests/bench/bench_hold hits ${HELD:-100000}"
"$build/tests/bench/bench_hold" hits "${HELD:-100000}"
