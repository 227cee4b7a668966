# embedded.sh - shared by the integration tests that run vigil on its embedded
# broker (kafka.brokers: embedded; test_embedded, test_kafka_idle).  Sourced, not run.

# The address vigil printed for its embedded broker in FILE (its stdout), waiting up
# to 10 s for the line; prints nothing when it did not come.
embedded_bootstrap() { # FILE
	local addr=
	for _ in $(seq 1 100); do
		addr=$(grep -o 'listening on [0-9.:]*' "$1" | awk '{print $3}' || true)
		[ -n "$addr" ] && break
		sleep 0.1
	done
	printf '%s' "$addr"
}

# Wait until FILE has a line matching the extended regex PATTERN, checking TRIES
# times, PAUSE seconds apart; @return 0 when it came, 1 when not.
wait_for_line() { # FILE PATTERN TRIES PAUSE
	for _ in $(seq 1 "$3"); do
		grep -qE -- "$2" "$1" && return 0
		sleep "$4"
	done
	return 1
}
