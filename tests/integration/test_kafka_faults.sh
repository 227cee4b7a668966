#!/usr/bin/env bash
# Faults of a consumer group's life against a real Apache Kafka broker, which
# `vigil run` must ride out without stopping, losing or counting twice:
#  1. a batch that takes longer than max.poll.interval.ms (a store commit waiting on
#     a slow disk: VIGIL_STALL_POINT stops vigil after the store commit of its third
#     batch for 9 s, past the 6 s allowed).  The group drops vigil meanwhile; its
#     consumer then reports an error that names no topic (the process crashed on
#     it: a NULL topic handle), its offset commit is refused (Unknown member: vigil
#     stopped on it), and it joins again and gets its partitions back from the
#     committed offsets.  The store must equal that of an undisturbed run, every
#     record processed once;
#  2. a malformed record longer than the producer takes (message.max.bytes, 1 MB by
#     default: the input topic takes it, the dead-letter topic cannot): produced as
#     is, it failed the batch at every start and its partition never got past it.
#     Its dead letter is its first bytes, with vigil.original-length and the reason
#     in headers; the records after it are processed.  Read after another stall, in
#     the batch that commits: the group refuses that commit (vigil stopped on it),
#     and the next batch makes it;
#  3. its partitions given back by another member of its group that committed
#     further while it held them: vigil, whose own commits lagged (open windows
#     hold offsets), moved the group's offsets back to them, and the records in
#     between would have been processed again after the next restart.  It takes
#     the group's committed offsets as the floor of its own.
. "$(dirname "$0")/lib.sh"

broker_with_scenario

# The reference: one undisturbed run of its own group.
write_config "$WORK/ref.yaml" ref "$WORK/ref.db" ref.incidents syslog 200
"$VIGIL" run -c "$WORK/ref.yaml" --stop-at-end 2>"$WORK/ref.log" ||
	{ cat "$WORK/ref.log" >&2; fail "reference run failed"; }

# 1. A stall past max.poll.interval.ms (which librdkafka wants >= session.timeout.ms).
write_config "$WORK/st.yaml" st "$WORK/st.db" st.incidents syslog 200
sed -i 's/^    heartbeat.interval.ms: "500"$/&\n    max.poll.interval.ms: "6000"/' "$WORK/st.yaml"
grep -q 'max.poll.interval.ms: "6000"' "$WORK/st.yaml" || fail "st.yaml: no max.poll.interval.ms"
rc=0
VIGIL_STALL_POINT=after-store:3:9 timeout 300 "$VIGIL" run -c "$WORK/st.yaml" --stop-at-end \
	2>"$WORK/st.log" || rc=$?
[ "$rc" -eq 0 ] || { cat "$WORK/st.log" >&2; fail "vigil stopped after the stall (exit $rc)"; }
grep -q "stall point after-store:3:9 reached" "$WORK/st.log" ||
	{ cat "$WORK/st.log" >&2; fail "the stall point was not reached"; }
grep -q "consumer: Application maximum poll interval (6000ms) exceeded" "$WORK/st.log" ||
	{ cat "$WORK/st.log" >&2; fail "the consumer did not report the stall"; }
grep -q "processed $records records" "$WORK/st.log" ||
	{ cat "$WORK/st.log" >&2; fail "records processed: $(grep -o 'processed [0-9]* records' "$WORK/st.log")"; }
[ "$(dump_store "$WORK/st.db")" = "$(dump_store "$WORK/ref.db")" ] ||
	fail "the store after the stall differs from an undisturbed run"
say "stall past max.poll.interval.ms: store equal to the undisturbed run"

# 2. A dead letter longer than the producer takes.
create_topic big 1
python3 -c 'import sys; sys.stdout.write("x" * 1000000 + "\n")' >"$WORK/big.txt"
make_scenario "$WORK/small.tsv"
head -n 2 "$WORK/small.tsv" | cut -f 2- >"$WORK/around.txt"
{ head -n 1 "$WORK/around.txt"; cat "$WORK/big.txt"; tail -n 1 "$WORK/around.txt"; } |
	kcat -P -b "$BOOTSTRAP" -t big -X message.max.bytes=2000000 -l /dev/stdin
# ... read after a stall past max.poll.interval.ms again, now in the batch that
# commits (nothing held: a commit is due): the group refuses it, and the next batch
# commits
write_config "$WORK/big.yaml" big "$WORK/big.db" big.incidents big 200
sed -i 's/^    heartbeat.interval.ms: "500"$/&\n    max.poll.interval.ms: "6000"/' "$WORK/big.yaml"
rc=0
VIGIL_STALL_POINT=after-store:1:9 timeout 300 "$VIGIL" run -c "$WORK/big.yaml" \
	--stop-at-end 2>"$WORK/big.log" || rc=$?
[ "$rc" -eq 0 ] || { cat "$WORK/big.log" >&2; fail "vigil stopped on a long dead letter (exit $rc)"; }
grep -q "processed 3 records: 2 events, 1 dead letters" "$WORK/big.log" ||
	{ cat "$WORK/big.log" >&2; fail "not 2 events and 1 dead letter"; }
grep -q "; 1 dead letters cut to message.max.bytes;" "$WORK/big.log" ||
	{ cat "$WORK/big.log" >&2; fail "the dead letter was not counted as cut"; }
kcat -C -b "$BOOTSTRAP" -t big.incidents.dead-letter -o beginning -e -q \
	-f '%k\t%S\t%h\n' >"$WORK/dl.txt"
[ "$(wc -l <"$WORK/dl.txt")" -eq 1 ] || fail "dead letters: $(cut -c1-200 "$WORK/dl.txt")"
IFS=$'\t' read -r key size headers <"$WORK/dl.txt"
[ "$key" = "big/0/1" ] || fail "dead letter key $key"
[ "$size" -gt 990000 ] && [ "$size" -lt 1000000 ] || fail "dead letter of $size bytes"
case $headers in
*"vigil.original-length=1000000"*) ;;
*) fail "dead letter headers: $headers" ;;
esac
case $headers in
*"vigil.reason=rfc3164: invalid timestamp"*) ;;
*) fail "dead letter headers: $headers" ;;
esac
grep -q "committing offsets: Broker: Unknown member: kept for the next batch" "$WORK/big.log" ||
	{ cat "$WORK/big.log" >&2; fail "no commit was refused: the group did not drop vigil"; }
committed=$("$BROKER_SCRIPT" run-class org.apache.kafka.tools.consumer.group.ConsumerGroupCommand \
	--bootstrap-server "$BOOTSTRAP" --describe --group big 2>/dev/null |
	awk '$1 == "big" && $2 == "big" {print $4}')
[ "$committed" = 3 ] || fail "the group's committed offset is '$committed', not 3"
say "a 1,000,000-byte malformed record: a dead letter of its first $size bytes, the records after it processed; a commit refused after a stall, made by the next batch"

# 3. Partitions given back after another member committed further: vigil stalls
# past max.poll.interval.ms after the store commit of its second batch; the group
# gives its partitions to another member meanwhile, which reads them to the end,
# commits that (auto-commit) and leaves; vigil's own commit of that batch is
# refused, and it joins again and gets them back, that commit still to make:
# further than its last one, behind the other member's.  The records are
# malformed (dead letters hold no offset back: every batch has a commit due).
group_offsets() { # GROUP: "partition committed log-end" per partition
	"$BROKER_SCRIPT" run-class org.apache.kafka.tools.consumer.group.ConsumerGroupCommand \
		--bootstrap-server "$BOOTSTRAP" --describe --group "$1" 2>/dev/null |
		awk -v g="$1" '$1 == g {print $3, $4, $5}' | sort -n
}
create_topic gb 2
seq 1 1000 | sed 's/^/noise /' >"$WORK/noise.txt"
kcat -P -b "$BOOTSTRAP" -t gb -p 0 -l "$WORK/noise.txt"
kcat -P -b "$BOOTSTRAP" -t gb -p 1 -l "$WORK/noise.txt"
write_config "$WORK/gb.yaml" gb "$WORK/gb.db" gb.incidents gb 200
sed -i 's/^    heartbeat.interval.ms: "500"$/&\n    max.poll.interval.ms: "6000"/' "$WORK/gb.yaml"
VIGIL_STALL_POINT=after-store:2:20 "$VIGIL" run -c "$WORK/gb.yaml" 2>"$WORK/gb.log" &
pid=$!
stop_vigil() {
	[ -n "${pid:-}" ] && kill -INT "$pid" 2>/dev/null && wait "$pid" || true
	pid=
}
EXIT_HOOK=stop_vigil
for _ in $(seq 1 120); do
	grep -q "stall point after-store:2:20 reached" "$WORK/gb.log" && break
	sleep 0.5
done
grep -q "stall point after-store:2:20 reached" "$WORK/gb.log" ||
	{ cat "$WORK/gb.log" >&2; fail "the stall point was not reached"; }
for _ in $(seq 1 60); do # the group drops vigil (6 s without a poll)
	grep -q "MAXPOLL" "$WORK/gb.log" && break
	sleep 0.5
done
grep -q "MAXPOLL" "$WORK/gb.log" || { cat "$WORK/gb.log" >&2; fail "the group did not drop vigil"; }
timeout 120 kcat -b "$BOOTSTRAP" -G gb -X enable.auto.commit=true \
	-X auto.offset.reset=earliest -e -q gb \
	>"$WORK/second.out" 2>"$WORK/second.err" || fail "the second member: $(cat "$WORK/second.err")"
theirs=$(group_offsets gb)
[ "$(echo "$theirs" | awk '$2 == $3' | wc -l)" -eq 2 ] ||
	fail "the other member did not commit both partitions to their end: $theirs"
for _ in $(seq 1 120); do # vigil back in the group, and a batch or two on
	grep -q "kept for the next batch" "$WORK/gb.log" && break
	sleep 0.5
done
grep -q "committing offsets: .*: kept for the next batch" "$WORK/gb.log" ||
	{ cat "$WORK/gb.log" >&2; fail "vigil's commit after the stall was not refused"; }
sleep 8
after=$(group_offsets gb)
stop_vigil
[ "$after" = "$theirs" ] ||
	{ cat "$WORK/gb.log" >&2; fail "the group's offsets moved from '$theirs' to '$after'"; }
say "partitions given back after another member committed them to the end: offsets kept ($(echo $after))"
