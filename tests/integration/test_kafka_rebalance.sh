#!/usr/bin/env bash
# A consumer-group rebalance against a real Apache Kafka broker: while `vigil run`
# holds open correlation windows (so its committed offsets lag behind what it has
# processed), a second member joins its group and leaves again.  Each rebalance
# takes vigil's partitions away and gives them back from the committed offsets, so
# records vigil has already processed are delivered again; they must not be
# counted twice.  The store must equal that of an undisturbed run.  While the other
# member holds a partition, vigil must not commit it (the broker would take the
# commit from any member of the group).  With VIGIL_TEST_ASSIGNOR=cooperative-sticky
# (meson test kafka_rebalance_cooperative) both members use the cooperative
# protocol.  There the other member takes only an empty partition, yet vigil's
# kept partition is fetched again from its start three times over the two
# rebalances (9,432 records delivered again for 3,144): a cooperative rejoin pauses
# and resumes kept partitions, and librdkafka 2.0.2 resumed from offset 0
# (debug=fetch: "Fetch topic syslog [1] at offset 0 (v6)" right after the rejoin;
# polling message by message instead of in batches, or storing each processed
# offset, changed nothing).  All of it must be skipped too.  Before librdkafka
# 2.1.0 Vigil refuses the cooperative protocol (its batch consumer could skip
# records of a paused and resumed partition): there the test checks that `vigil
# check` and `vigil run` refuse it, at its line.
. "$(dirname "$0")/lib.sh"

if [ -n "${VIGIL_TEST_ASSIGNOR:-}" ] && ! pkg-config --atleast-version=2.1.0 rdkafka; then
	BOOTSTRAP=127.0.0.1:9 # never reached: refused before connecting
	write_config "$WORK/coop.yaml" rb "$WORK/rb.db" rb.incidents syslog 200
	line=$(grep -n 'partition.assignment.strategy' "$WORK/coop.yaml" | cut -d: -f1)
	want="coop.yaml:$line:[0-9]*: error: kafka.librdkafka.partition.assignment.strategy: '$VIGIL_TEST_ASSIGNOR' is refused with librdkafka $(pkg-config --modversion rdkafka)"
	for cmd in check run; do
		rc=0
		timeout 60 "$VIGIL" "$cmd" -c "$WORK/coop.yaml" >/dev/null 2>"$WORK/$cmd.log" || rc=$?
		[ "$rc" -ne 0 ] || fail "vigil $cmd took $VIGIL_TEST_ASSIGNOR"
		grep -q "$want" "$WORK/$cmd.log" || { cat "$WORK/$cmd.log" >&2; fail "vigil $cmd: no error at its line"; }
	done
	say "$VIGIL_TEST_ASSIGNOR refused with librdkafka $(pkg-config --modversion rdkafka), at its line"
	exit 0
fi

broker_with_scenario

# The reference: one undisturbed run of its own group.
write_config "$WORK/ref.yaml" ref "$WORK/ref.db" ref.incidents syslog 200
"$VIGIL" run -c "$WORK/ref.yaml" --stop-at-end 2>"$WORK/ref.log" ||
	{ cat "$WORK/ref.log" >&2; fail "reference run failed"; }

write_config "$WORK/rb.yaml" rb "$WORK/rb.db" rb.incidents syslog 200
"$VIGIL" run -c "$WORK/rb.yaml" 2>"$WORK/rb.log" &
pid=$!
stop_vigil() {
	[ -n "${pid:-}" ] && kill -INT "$pid" 2>/dev/null && wait "$pid" || true
	pid=
}
kpid=
stop_all() { # on exit, whatever failed: the second member too
	[ -n "$kpid" ] && kill -TERM "$kpid" 2>/dev/null && wait "$kpid" || true
	stop_vigil
}
EXIT_HOOK=stop_all

metric() { # NAME
	sqlite3 "$WORK/rb.db" "select value from metrics where name = '$1'" 2>/dev/null || true
}
wait_records() { # what to wait for
	for _ in $(seq 1 120); do
		[ "$(metric records)" = "$records" ] && return 0
		sleep 0.5
	done
	fail "vigil did not process every record $1 (records metric: $(metric records))"
}
wait_records "before the rebalance"
say "every record processed; committed offsets: $(sqlite3 "$WORK/rb.db" \
	"select group_concat(partition || ':' || next_offset, ' ') from input_offsets")"

# A second member joins: rebalance; then leaves: another.  Kafka's own console
# consumer with auto-commit off: it commits nothing (kcat -G commits what it read,
# which would hide whether vigil reprocesses).  It holds its partitions for longer
# than vigil's idle_partition_timeout (10 s), after which vigil's windows on a
# partition it no longer has close: vigil must not commit that partition (it is
# the other member's now), or it would come back past the records it must see again.
members() {
	"$BROKER_SCRIPT" run-class org.apache.kafka.tools.consumer.group.ConsumerGroupCommand \
		--bootstrap-server "$BOOTSTRAP" --describe --group rb "$@" 2>/dev/null || true
}
offsets() { members | awk '$1 == "rb" {printf "%s:%s ", $3, $4}'; } # partition:committed
before=$(offsets)
"$BROKER_SCRIPT" run-class org.apache.kafka.tools.consumer.ConsoleConsumer \
	--bootstrap-server "$BOOTSTRAP" --topic syslog --group rb \
	--consumer-property enable.auto.commit=false \
	--consumer-property auto.offset.reset=earliest \
	${VIGIL_TEST_ASSIGNOR:+--consumer-property \
	partition.assignment.strategy=org.apache.kafka.clients.consumer.CooperativeStickyAssignor} \
	>"$WORK/second.out" 2>"$WORK/second.err" &
kpid=$!
joined=
for _ in $(seq 1 30); do
	if members --members | grep -q console-consumer; then
		joined=1
		break
	fi
	sleep 1
done
[ -n "$joined" ] || fail "the second member joined no rebalance"
if [ -n "${VIGIL_TEST_ASSIGNOR:-}" ]; then # the group agreed on it (both members),
	# once the rebalance the join started is over (the strategy is blank until then)
	state=
	for _ in $(seq 1 20); do
		state=$(members --state)
		case $state in *"$VIGIL_TEST_ASSIGNOR"*) break ;; esac
		sleep 1
	done
	case $state in
	*"$VIGIL_TEST_ASSIGNOR"*) ;;
	*) fail "the group's assignor is not $VIGIL_TEST_ASSIGNOR: $state" ;;
	esac
fi
sleep 12
held=$(members | awk '/console-consumer/ {printf "%s:%s ", $3, $4}')
say "second member: partition:committed $held(before: $before) read $(wc -l <"$WORK/second.out") records"
for pc in $held; do
	was=$(printf '%s\n' $before | sed -n "s/^${pc%%:*}://p")
	[ "${pc#*:}" = "$was" ] ||
		fail "partition ${pc%%:*}, held by the other member, was committed from $was to ${pc#*:}"
done
kill -TERM "$kpid"
wait "$kpid" || true
kpid=
# Back to one member: vigil gets every partition again from the committed offsets.
sleep 10
wait_records "after the rebalance"
stop_vigil
grep -q "processed $records records" "$WORK/rb.log" ||
	{ cat "$WORK/rb.log" >&2; fail "vigil processed records twice: $(grep -o 'processed [0-9]* records' "$WORK/rb.log")"; }
# The committed offsets lagged (open windows), so records did come again.
again=$(sed -n 's/.* \([0-9]*\) records delivered again after rebalances, skipped.*/\1/p' "$WORK/rb.log")
[ "${again:-0}" -gt 0 ] || { cat "$WORK/rb.log" >&2; fail "no record was delivered again: the test did not rebalance"; }
grep -q 'records delivered again after a rebalance (already processed by this process), from syslog \[[0-9]\] offset [0-9]' "$WORK/rb.log" ||
	{ cat "$WORK/rb.log" >&2; fail "the log does not say which partition was delivered again"; }
[ "$(dump_store "$WORK/rb.db")" = "$(dump_store "$WORK/ref.db")" ] ||
	fail "the store after the rebalances differs from an undisturbed run"
say "rebalances: $again records delivered again, none counted twice; store equal to the undisturbed run"
