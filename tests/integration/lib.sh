# lib.sh - shared by the integration tests: a real Kafka broker (scripts/), the
# generated scenario, configs, and assertions.  Sourced, not run.
set -euo pipefail

ROOT=${VIGIL_SOURCE_ROOT:?set by meson}
VIGIL=${VIGIL_BIN:?set by meson}
BROKER_SCRIPT="$ROOT/scripts/kafka-broker.sh"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vigil-it.XXXXXX")
BROKER_DIR="$WORK/broker"

say() { printf '# %s\n' "$*"; }
fail() {
	printf 'FAIL: %s\n' "$*" >&2
	exit 1
}

# A test stops its own background processes by naming a command here, run first on
# exit: replacing the EXIT trap would lose the exit status a failure left (the
# trap's first command would set $? before cleanup reads it).
EXIT_HOOK=
cleanup() {
	local rc=$?
	[ -z "$EXIT_HOOK" ] || $EXIT_HOOK || true
	"$BROKER_SCRIPT" stop "$BROKER_DIR" >/dev/null 2>&1 || true
	if [ "$rc" -ne 0 ] && [ -f "$BROKER_DIR/broker.log" ]; then
		echo "--- tail of broker.log" >&2
		tail -n 20 "$BROKER_DIR/broker.log" >&2 || true
	fi
	rm -rf "$WORK"
	exit "$rc"
}
trap cleanup EXIT

for tool in java kcat sqlite3; do
	command -v "$tool" >/dev/null || fail "$tool is not installed (run scripts/bootstrap.sh)"
done

start_broker() {
	"$BROKER_SCRIPT" fetch >/dev/null
	local t0=$SECONDS
	BOOTSTRAP=$("$BROKER_SCRIPT" start "$BROKER_DIR")
	say "Kafka broker at $BOOTSTRAP (ready in $((SECONDS - t0)) s)"
}

create_topic() { # TOPIC PARTITIONS
	"$BROKER_SCRIPT" create-topic "$BROKER_DIR" "$1" "$2" >/dev/null
}

# The bundled scenario, keyed by host ("host<TAB>line"), dated two days ago so
# RFC 3164's year inference from the message timestamp is unambiguous.
make_scenario() { # FILE
	local start
	start=$(date -u -d '2 days ago' +%Y-%m-%dT06:00:00Z)
	"$VIGIL" scenario --keys --start "$start" >"$1"
}

produce() { # TOPIC FILE   (kcat, an independent client)
	kcat -P -b "$BOOTSTRAP" -t "$1" -K $'\t' -l "$2"
}

# A broker with the scenario on topic syslog (3 partitions); sets $records.
broker_with_scenario() {
	start_broker
	create_topic syslog 3
	make_scenario "$WORK/scenario.tsv"
	records=$(wc -l <"$WORK/scenario.tsv")
	produce syslog "$WORK/scenario.tsv"
	say "produced $records records with kcat"
}

write_config() { # FILE GROUP DB OUTPUT_TOPIC INPUT_TOPIC [BATCH]
	cat >"$1" <<YAML
kafka:
  brokers: "$BOOTSTRAP"
  group_id: $2
  inputs: [{topic: $5, format: syslog}]
  output_topic: $4
  dead_letter_topic: $4.dead-letter
  batch_size: ${6:-1000}
  poll_timeout_ms: 500
  librdkafka:
    session.timeout.ms: "6000"
    heartbeat.interval.ms: "500"${VIGIL_TEST_ASSIGNOR:+
    partition.assignment.strategy: $VIGIL_TEST_ASSIGNOR}
store:
  path: "$3"
YAML
}

# The store's content as sorted text (what must be equal between runs).
dump_store() { # DB
	sqlite3 "$1" \
		"select id, version, alert_count, title, first_seen, last_seen, round(score, 6),
		        priority, coalesce(merged_into, '') from incidents order by id;" \
		"select id, incident_id, rule_id, event_count, first_seen from alerts order by id;" \
		"select incident_id, type, value, alerts from entities order by 1, 2, 3;" \
		"select alert_id, ord, name, value from alert_fields order by 1, 2;"
}

# The newest version published per incident key: "key<TAB>version" sorted.
published_versions() { # TOPIC
	kcat -C -b "$BOOTSTRAP" -t "$1" -o beginning -e -q -f '%k\t%s\n' |
		sed -E 's/^([^\t]*)\t.*"version":([0-9]+).*/\1\t\2/' |
		sort -t $'\t' -k1,1 -k2,2n | awk -F '\t' '{v[$1] = $2} END {for (k in v) print k "\t" v[k]}' |
		sort
}
