#!/usr/bin/env bash
# `kafka.brokers: embedded`: vigil run starts librdkafka's mock cluster, prints its
# address, and other processes use it as a Kafka broker: kcat produces the scenario
# and reads the published incidents back; SIGINT stops vigil cleanly.  The
# librdkafka debug contexts the config asks for (kafka.librdkafka.debug) are logged.
set -euo pipefail
VIGIL=${VIGIL_BIN:?set by meson}
. "$(dirname "$0")/embedded.sh"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vigil-emb.XXXXXX")
pid=
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT
fail() {
	printf 'FAIL: %s\n' "$*" >&2
	cat "$WORK/run.err" >&2 || true
	exit 1
}
command -v kcat >/dev/null || fail "kcat is not installed (run scripts/bootstrap.sh)"

cat >"$WORK/vigil.yaml" <<YAML
kafka:
  brokers: embedded
  inputs: [{topic: syslog, format: syslog}]
  stats_interval: 1s
  librdkafka: {debug: cgrp}
store: {path: "$WORK/v.db"}
correlation: {idle_partition_timeout: 2s}
YAML
"$VIGIL" run -c "$WORK/vigil.yaml" >"$WORK/run.out" 2>"$WORK/run.err" &
pid=$!
bootstrap=$(embedded_bootstrap "$WORK/run.out")
[ -n "$bootstrap" ] || fail "vigil did not print the embedded broker's address"
echo "# embedded broker at $bootstrap"

"$VIGIL" scenario --keys --start "$(date -u -d '2 days ago' +%Y-%m-%dT06:00:00Z)" >"$WORK/s.tsv"
kcat -P -b "$bootstrap" -t syslog -K $'\t' -l "$WORK/s.tsv" || fail "kcat could not produce"

# Wait (bounded) for the attack to be stored and published.
found=
for _ in $(seq 1 120); do
	found=$(sqlite3 "$WORK/v.db" "select id from incidents_ranked where priority = 1 limit 1" 2>/dev/null || true)
	[ -n "$found" ] && break
	sleep 0.5
done
[ -n "$found" ] || fail "no priority-1 incident within 60 s"
echo "# top incident $found"
grep -q '^vigil: info: kafka: [A-Z]*: \[thrd:main\]: Group "vigil"' "$WORK/run.err" ||
	fail "no librdkafka consumer-group debug line logged (kafka.librdkafka.debug: cgrp)"
# The store commits before the publication is acknowledged: wait for both.
published=
for _ in $(seq 1 60); do
	if kcat -C -b "$bootstrap" -t vigil.incidents -o beginning -e -q -f '%k\n' | grep -qx "$found"; then
		published=1
		break
	fi
	sleep 0.5
done
[ -n "$published" ] || fail "incident $found not on the output topic within 30 s"
# Progress lines every second (kafka.stats_interval): one reports the lag caught up.
caught_up=
wait_for_line "$WORK/run.err" "progress: .*; consumer lag 0 records; [0-9]* alerts and [0-9]* rule hits held for event-time order$" 40 0.5 &&
	caught_up=1
[ -n "$caught_up" ] || fail "no progress line with the consumer lag caught up"

kill -INT "$pid"
wait "$pid" || fail "vigil did not exit cleanly on SIGINT"
pid=
grep -q "processed $(wc -l <"$WORK/s.tsv") records" "$WORK/run.err" || fail "not every record was processed"
# The progress lines up to then count every record.
logged=$(sed -n 's/.*progress: \([0-9]*\) records in .*/\1/p' "$WORK/run.err" | awk '{n += $1} END {print n + 0}')
[ "$logged" -eq "$(wc -l <"$WORK/s.tsv")" ] || fail "progress lines count $logged records"

# An incident document must fit what the producer sends: a message.max.bytes
# below kafka.max_message_bytes (+1 KiB) is refused at start-up, not at the first
# large incident.
cat >"$WORK/small.yaml" <<YAML
kafka:
  brokers: embedded
  librdkafka: {message.max.bytes: "100000"}
store: {path: "$WORK/small.db"}
YAML
rc=0
timeout 30 "$VIGIL" run -c "$WORK/small.yaml" --stop-at-end >/dev/null 2>"$WORK/run.err" || rc=$?
[ "$rc" -eq 2 ] || fail "message.max.bytes below max_message_bytes: exit $rc"
grep -q "kafka.max_message_bytes (950000) must be at least 1024 below librdkafka's message.max.bytes (100000)" "$WORK/run.err" ||
	fail "no message naming both limits"
echo "2 passed, 0 failed"
