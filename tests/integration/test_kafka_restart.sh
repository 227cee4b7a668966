#!/usr/bin/env bash
# Restarts against a real Apache Kafka broker.  A reference run consumes the whole
# scenario; then runs that stop mid-stream (gracefully, and killed with SIGKILL at
# each stage of a batch: after the store commit, after publishing, after the offset
# commit) are started again until the end.  Every one must leave exactly the
# reference's store and publish the same newest version of every incident.
. "$(dirname "$0")/lib.sh"

broker_with_scenario

run_to_end() { # NAME [env...]
	local name=$1
	shift
	env "$@" "$VIGIL" run -c "$WORK/$name.yaml" --stop-at-end 2>>"$WORK/$name.log"
}

write_config "$WORK/ref.yaml" ref "$WORK/ref.db" out.ref syslog 200
run_to_end ref || { cat "$WORK/ref.log" >&2; fail "reference run failed"; }
dump_store "$WORK/ref.db" >"$WORK/ref.dump"
published_versions out.ref >"$WORK/ref.pub"
say "reference: $(sqlite3 "$WORK/ref.db" 'select count(*) from incidents') incidents"
[ -s "$WORK/ref.pub" ] || fail "reference published nothing"

check_same() { # NAME WHAT
	dump_store "$WORK/$1.db" >"$WORK/$1.dump"
	diff -u "$WORK/ref.dump" "$WORK/$1.dump" >&2 || fail "$2: store differs from the reference"
	published_versions "out.$1" >"$WORK/$1.pub"
	diff -u "$WORK/ref.pub" "$WORK/$1.pub" >&2 || fail "$2: published versions differ"
	say "$2: identical store and publications"
}

passed=0
# Graceful stop (SIGTERM-like: --stop-after ends after a batch) halfway.
write_config "$WORK/graceful.yaml" graceful "$WORK/graceful.db" out.graceful syslog 200
"$VIGIL" run -c "$WORK/graceful.yaml" --stop-after $((records / 2)) 2>>"$WORK/graceful.log"
run_to_end graceful || fail "graceful restart failed"
check_same graceful "stop after $((records / 2)) records, restart"
passed=$((passed + 1))

# SIGTERM while running: the batch in hand finishes, offsets commit, then exit.
write_config "$WORK/sigterm.yaml" sigterm "$WORK/sigterm.db" out.sigterm syslog 50
"$VIGIL" run -c "$WORK/sigterm.yaml" 2>>"$WORK/sigterm.log" &
pid=$!
for _ in $(seq 1 200); do
	n=$(sqlite3 "$WORK/sigterm.db" "select coalesce(max(value), 0) from metrics where name = 'records'" 2>/dev/null || echo 0)
	[ "${n:-0}" -gt 0 ] && break
	sleep 0.05
done
kill -TERM "$pid"
wait "$pid" || fail "vigil did not exit cleanly on SIGTERM"
run_to_end sigterm || fail "restart after SIGTERM failed"
check_same sigterm "SIGTERM mid-stream, restart"
passed=$((passed + 1))

# SIGKILL at every stage of a batch.
for point in after-store:3 after-publish:5 after-commit:7 after-store:12; do
	name=kill$passed
	write_config "$WORK/$name.yaml" "$name" "$WORK/$name.db" "out.$name" syslog 200
	set +e
	run_to_end "$name" VIGIL_CRASH_POINT="$point"
	rc=$?
	set -e
	[ "$rc" = 137 ] || { cat "$WORK/$name.log" >&2; fail "crash point $point: exit $rc, expected SIGKILL (137)"; }
	run_to_end "$name" || { cat "$WORK/$name.log" >&2; fail "restart after $point failed"; }
	check_same "$name" "SIGKILL at $point, restart"
	passed=$((passed + 1))
done
echo "$passed passed, 0 failed"
