#!/usr/bin/env bash
# A consumer-group rebalance against a real Apache Kafka broker: while `vigil run`
# holds open correlation windows (so its committed offsets lag behind what it has
# processed), a second member joins its group and leaves again.  Each rebalance
# takes vigil's partitions away and gives them back from the committed offsets, so
# records vigil has already processed are delivered again; they must not be
# counted twice.  The store must equal that of an undisturbed run.
. "$(dirname "$0")/lib.sh"

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
trap 'stop_vigil; cleanup' EXIT

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

# A second member (kcat, committing nothing) joins: rebalance; then leaves: another.
kcat -b "$BOOTSTRAP" -G rb -X enable.auto.commit=false -X auto.offset.reset=earliest \
	-f '%p %o\n' syslog >"$WORK/kcat.out" 2>"$WORK/kcat.err" &
kpid=$!
for _ in $(seq 1 60); do
	grep -q "assigned:" "$WORK/kcat.err" && break
	sleep 0.5
done
grep -q "assigned:" "$WORK/kcat.err" || { kill "$kpid"; fail "the second member joined no rebalance"; }
sleep 2
say "second member: $(grep -m1 'assigned:' "$WORK/kcat.err"), read $(wc -l <"$WORK/kcat.out") records"
kill -TERM "$kpid"
wait "$kpid" || true
# Back to one member: vigil gets every partition again from the committed offsets.
sleep 10
wait_records "after the rebalance"
stop_vigil
grep -q "processed $records records" "$WORK/rb.log" ||
	{ cat "$WORK/rb.log" >&2; fail "vigil processed records twice: $(grep -o 'processed [0-9]* records' "$WORK/rb.log")"; }
# The committed offsets lagged (open windows), so records did come again.
again=$(sed -n 's/.* \([0-9]*\) records delivered again after rebalances, skipped.*/\1/p' "$WORK/rb.log")
[ "${again:-0}" -gt 0 ] || { cat "$WORK/rb.log" >&2; fail "no record was delivered again: the test did not rebalance"; }
[ "$(dump_store "$WORK/rb.db")" = "$(dump_store "$WORK/ref.db")" ] ||
	fail "the store after the rebalances differs from an undisturbed run"
say "rebalances: $again records delivered again, none counted twice; store equal to the undisturbed run"
