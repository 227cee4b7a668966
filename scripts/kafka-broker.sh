#!/usr/bin/env bash
# kafka-broker.sh - a real single-node Apache Kafka 3.9 broker for Vigil's tests.
#
# KRaft combined mode (broker + controller, node.id 1), loopback only, all state in
# one directory DIR: server.properties, log4j.properties, data/, broker.log, broker.pid,
# port, bootstrap. The broker and its tools run from Maven Central jars (see
# scripts/kafka/pom.xml) on the machine's Java; `fetch` downloads them once into
# scripts/kafka/lib/ (or $VIGIL_KAFKA_LIB).
#
# Usage:
#   kafka-broker.sh fetch                      download the jars (no-op when present)
#   kafka-broker.sh start DIR [PORT]           start; prints 127.0.0.1:PORT when ready
#   kafka-broker.sh stop DIR                   SIGTERM, SIGKILL after a timeout; waits
#   kafka-broker.sh kill DIR                   SIGKILL at once (crash tests); waits
#   kafka-broker.sh status DIR                 exit 0 and "running ..." or exit 3
#   kafka-broker.sh create-topic DIR TOPIC PARTITIONS [TopicCommand options...]
#   kafka-broker.sh run-class CLASS [ARGS...]  any main class on the broker classpath (the
#                                              JVM replaces the script: signals reach it)
#
# PORT is the client listener; PORT+1 is the controller listener. Without PORT a free
# pair is picked at random in 20000-31999 (below Linux's ephemeral range), retried on a
# bind clash, so parallel runs do not collide. Starting again in a DIR whose broker was
# stopped keeps its data and its port (restart tests).
#
# Environment:
#   KAFKA_BROKER_START_TIMEOUT  seconds to wait for readiness (default 90)
#   KAFKA_BROKER_STOP_TIMEOUT   seconds between SIGTERM and SIGKILL (default 15)
#   KAFKA_BROKER_CONTROLLED_SHUTDOWN  controlled.shutdown.enable (default true)
#   KAFKA_BROKER_PARTITIONS     num.partitions of auto-created topics (default 1)
#   KAFKA_BROKER_HEAP           JVM -Xmx (default 512m)
#   KAFKA_BROKER_JAVA_OPTS      extra JVM options (word-split)
#   KAFKA_BROKER_EXTRA_PROPS    extra server.properties lines, appended (they win)
#   KAFKA_BROKER_CLUSTER_ID     cluster id to format with (default: random-uuid)
#   VIGIL_KAFKA_LIB             jar directory (default scripts/kafka/lib)
#   JAVA, MVN                   the java and mvn commands (default from PATH)
set -euo pipefail

readonly PROG=kafka-broker.sh
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
readonly SCRIPT_DIR
readonly POM="$SCRIPT_DIR/kafka/pom.xml"
readonly LIB="${VIGIL_KAFKA_LIB:-$SCRIPT_DIR/kafka/lib}"
readonly JAVA="${JAVA:-java}"
readonly MVN="${MVN:-mvn}"

die() {
	printf '%s: %s\n' "$PROG" "$*" >&2
	exit 1
}

note() {
	printf '%s: %s\n' "$PROG" "$*" >&2
}

usage() {
	sed -n '/^# Usage:/,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//; s/^#$//' >&2
	exit 2
}

need() {
	command -v "$1" >/dev/null 2>&1 || die "'$1' not found: run scripts/bootstrap.sh ($2)"
}

is_uint() {
	[[ $1 =~ ^[0-9]+$ ]]
}

# --- jars -------------------------------------------------------------------------

# The stamp records the pom's hash: a changed pom refetches, an unchanged one never
# touches the network. flock serialises parallel fetches; the jars are copied into a
# scratch directory first so an interrupted fetch leaves no half-filled lib/.
fetch_jars() {
	local stamp="$LIB/.complete" want tmp log rc
	want=$(sha256sum "$POM" | cut -d' ' -f1)
	[[ -f $stamp && $(<"$stamp") == "$want" ]] && return 0
	need "$MVN" "package maven"
	need "$JAVA" "package default-jdk-headless"
	mkdir -p "$LIB"
	exec 9>"$LIB/.lock"
	flock 9
	if [[ -f $stamp && $(<"$stamp") == "$want" ]]; then
		exec 9>&-
		return 0
	fi
	tmp=$(mktemp -d "$LIB/.fetch.XXXXXX")
	log="$tmp/mvn.log"
	note "fetching Kafka jars from Maven Central into $LIB (about 47 MB, once)"
	rc=0
	"$MVN" -q -B -Dstyle.color=never -f "$POM" dependency:copy-dependencies \
		-DincludeScope=runtime -DoutputDirectory="$tmp/jars" >"$log" 2>&1 || rc=$?
	if ((rc != 0)) || ! compgen -G "$tmp/jars/kafka_2.13-*.jar" >/dev/null; then
		note "Maven could not fetch the Kafka jars (exit $rc). Is Maven Central reachable?"
		note "An offline machine needs them in ~/.m2 or in $LIB beforehand. Maven said:"
		sed 's/\x1b\[[0-9;]*m//g' "$log" |
			grep -vE '^[[:space:]]*$|^\[ERROR\] *$|-e switch|-X switch|\[Help 1\] http|following articles' |
			tail -n 12 >&2 || true
		rm -rf "$tmp"
		exit 1
	fi
	rm -f "$LIB"/*.jar
	mv "$tmp"/jars/*.jar "$LIB"/
	rm -rf "$tmp"
	printf '%s\n' "$want" >"$stamp"
	note "fetched $(find "$LIB" -maxdepth 1 -name '*.jar' | wc -l) jars"
	exec 9>&-
}

# run_class CLASS [ARGS...]: a main class on the broker classpath; with RUN_CLASS_EXEC=1
# the JVM replaces this shell (signals sent to it reach the JVM: `run-class`).
run_class() {
	# Log4j for tools: warnings to stderr only (the Kafka distribution's default).
	local cfg="$LIB/.tools-log4j.properties"
	if [[ ! -f $cfg ]]; then
		printf '%s\n' 'log4j.rootLogger=WARN, stderr' \
			'log4j.appender.stderr=org.apache.log4j.ConsoleAppender' \
			'log4j.appender.stderr.layout=org.apache.log4j.PatternLayout' \
			'log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n' \
			'log4j.appender.stderr.Target=System.err' >"$cfg.$$"
		mv "$cfg.$$" "$cfg"
	fi
	local java=("$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 -Djava.awt.headless=true
		-Dlog4j.configuration="file:$cfg" -cp "$LIB/*")
	if [[ ${RUN_CLASS_EXEC:-} == 1 ]]; then
		exec "${java[@]}" "$@"
	fi
	"${java[@]}" "$@"
}

# --- processes --------------------------------------------------------------------

# True while pid is a live, non-zombie process. For the broker this shell launched,
# where /proc/PID/cmdline may still show bash until the child has exec'd java.
alive() {
	local state
	kill -0 "$1" 2>/dev/null || return 1
	state=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
	[[ -n $state && $state != Z ]]
}

# The broker's pid when DIR's broker process is alive, else nothing. Checks the command
# line so a recycled pid is not mistaken for the broker, and treats a zombie (left
# unreaped where PID 1 does not reap) as gone.
broker_pid() {
	local dir=$1 pid
	[[ -f $dir/broker.pid ]] || return 0
	pid=$(<"$dir/broker.pid")
	is_uint "$pid" || return 0
	alive "$pid" || return 0
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$dir/server.properties" ||
		return 0
	printf '%s\n' "$pid"
}

port_in_use() {
	# A listener answers the connect; a free loopback port refuses at once.
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pick_port() {
	local i p
	for ((i = 0; i < 200; i++)); do
		p=$((20000 + (RANDOM % 6000) * 2))
		if ! port_in_use "$p" && ! port_in_use "$((p + 1))"; then
			printf '%s\n' "$p"
			return 0
		fi
	done
	die "no free port pair found in 20000-31999"
}

broker_ready() {
	kcat -L -b "127.0.0.1:$1" -m 3 2>/dev/null | grep -q "broker 1 at 127.0.0.1:$1"
}

show_log() {
	local dir=$1
	note "last lines of $dir/broker.log:"
	tail -n 40 "$dir/broker.log" >&2 2>/dev/null || true
	if [[ -s $dir/broker.out ]]; then
		note "last lines of $dir/broker.out (JVM stdout/stderr):"
		tail -n 20 "$dir/broker.out" >&2
	fi
}

# Waits until pid is gone; 0 when it went within secs seconds.
wait_gone() {
	local dir=$1 secs=$2 deadline
	deadline=$((SECONDS + secs))
	while [[ -n $(broker_pid "$dir") ]]; do
		((SECONDS < deadline)) || return 1
		sleep 0.2
	done
}

# --- start ------------------------------------------------------------------------

write_config() {
	local dir=$1 port=$2 cport=$(($2 + 1))
	cat >"$dir/server.properties" <<EOF
# Written by scripts/kafka-broker.sh: single-node KRaft test broker on loopback.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
num.partitions=${KAFKA_BROKER_PARTITIONS:-1}
auto.create.topics.enable=true
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
group.initial.rebalance.delay.ms=0
# Measured with 3.9 in combined mode: controlled shutdown takes under 1 s, and lets a
# restart register at once; without it (or after kill -9) the restart waits for the old
# registration to expire. "stop" sends SIGKILL after a timeout if shutdown ever hangs.
controlled.shutdown.enable=${KAFKA_BROKER_CONTROLLED_SHUTDOWN:-true}
broker.session.timeout.ms=4000
broker.heartbeat.interval.ms=500
log.cleaner.dedupe.buffer.size=2097152
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
EOF
	if [[ -n ${KAFKA_BROKER_EXTRA_PROPS:-} ]]; then
		printf '# KAFKA_BROKER_EXTRA_PROPS\n%s\n' "$KAFKA_BROKER_EXTRA_PROPS" \
			>>"$dir/server.properties"
	fi
	cat >"$dir/log4j.properties" <<EOF
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$dir/broker.log
log4j.appender.file.Append=true
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.network.RequestChannel\$=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.org.apache.kafka.clients=WARN
EOF
}

format_storage() {
	local dir=$1 id
	[[ -f $dir/data/meta.properties ]] && return 0
	id=${KAFKA_BROKER_CLUSTER_ID:-}
	if [[ -z $id ]]; then
		id=$(run_class kafka.tools.StorageTool random-uuid 2>>"$dir/broker.out") ||
			die "StorageTool random-uuid failed (see $dir/broker.out)"
	fi
	run_class kafka.tools.StorageTool format -t "$id" -c "$dir/server.properties" \
		>>"$dir/broker.out" 2>&1 || {
		tail -n 20 "$dir/broker.out" >&2
		die "StorageTool format failed"
	}
}

# Launches the JVM; 0 when ready, 1 on failure, 2 on a port clash (retryable).
launch() {
	local dir=$1 port=$2 timeout=$3 pid deadline heap logsize opts=()
	heap=${KAFKA_BROKER_HEAP:-512m}
	# shellcheck disable=SC2206 # word splitting of the options is intended
	[[ -n ${KAFKA_BROKER_JAVA_OPTS:-} ]] && opts=($KAFKA_BROKER_JAVA_OPTS)
	: >"$dir/broker.out"
	logsize=$(stat -c %s "$dir/broker.log" 2>/dev/null) || logsize=0
	"$JAVA" -Xmx"$heap" -Xms128m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
		-Djava.awt.headless=true -Dlog4j.configuration="file:$dir/log4j.properties" \
		"${opts[@]}" -cp "$LIB/*" kafka.Kafka "$dir/server.properties" \
		</dev/null >>"$dir/broker.out" 2>&1 &
	pid=$!
	printf '%s\n' "$pid" >"$dir/broker.pid"
	deadline=$((SECONDS + timeout))
	while ((SECONDS < deadline)); do
		if ! alive "$pid"; then
			wait "$pid" 2>/dev/null || true # reaps; never blocks on a live child
			rm -f "$dir/broker.pid"
			if { tail -c +$((logsize + 1)) "$dir/broker.log" 2>/dev/null
				cat "$dir/broker.out"; } | grep -qE 'BindException|Address already in use'; then
				return 2
			fi
			note "broker exited during start-up"
			show_log "$dir"
			return 1
		fi
		if broker_ready "$port"; then
			return 0
		fi
		sleep 0.5
	done
	note "broker not ready after ${timeout}s (KAFKA_BROKER_START_TIMEOUT)"
	show_log "$dir"
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	rm -f "$dir/broker.pid"
	return 1
}

cmd_start() {
	(($# >= 1 && $# <= 2)) || usage
	local dir=$1 port=${2:-} timeout=${KAFKA_BROKER_START_TIMEOUT:-90} fixed=1 try t0 rc
	is_uint "$timeout" || die "KAFKA_BROKER_START_TIMEOUT must be a number of seconds"
	need "$JAVA" "package default-jdk-headless"
	need kcat "package kcat"
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd -P)
	[[ -z $(broker_pid "$dir") ]] ||
		die "a broker is already running in $dir (pid $(broker_pid "$dir"))"
	fetch_jars
	if [[ -z $port && -f $dir/port && -f $dir/data/meta.properties ]]; then
		port=$(<"$dir/port") # restart keeps its address
	fi
	if [[ -n $port ]]; then
		if ! is_uint "$port" || ((port == 0 || port >= 65535)); then
			die "bad port '$port'"
		fi
	else
		fixed=0
	fi
	t0=$SECONDS
	for ((try = 1; try <= 5; try++)); do
		[[ $fixed == 1 ]] || port=$(pick_port)
		if port_in_use "$port" || port_in_use "$((port + 1))"; then
			[[ $fixed == 0 ]] && continue
			die "port $port or $((port + 1)) is already in use"
		fi
		write_config "$dir" "$port"
		printf '%s\n' "$port" >"$dir/port"
		format_storage "$dir"
		rc=0
		launch "$dir" "$port" "$timeout" || rc=$?
		if ((rc == 0)); then
			printf '127.0.0.1:%s\n' "$port" >"$dir/bootstrap"
			note "broker ready at 127.0.0.1:$port in $((SECONDS - t0))s (pid $(<"$dir/broker.pid"), log $dir/broker.log)"
			printf '127.0.0.1:%s\n' "$port"
			return 0
		fi
		if ((rc == 2 && fixed == 0)); then
			note "port $port taken while starting; trying another"
			continue
		fi
		((rc == 2)) && show_log "$dir"
		exit 1
	done
	die "could not bind a free port after 5 tries"
}

# --- stop, kill, status -----------------------------------------------------------

stop_broker() {
	local dir=$1 pid timeout=${KAFKA_BROKER_STOP_TIMEOUT:-15}
	is_uint "$timeout" || die "KAFKA_BROKER_STOP_TIMEOUT must be a number of seconds"
	pid=$(broker_pid "$dir")
	if [[ -z $pid ]]; then
		rm -f "$dir/broker.pid"
		note "no broker running in $dir"
		return 0
	fi
	kill -TERM "$pid" 2>/dev/null || true
	if ! wait_gone "$dir" "$timeout"; then
		note "broker pid $pid still up after ${timeout}s: SIGKILL"
		kill -KILL "$pid" 2>/dev/null || true
		wait_gone "$dir" 30 || die "broker pid $pid survived SIGKILL"
	fi
	rm -f "$dir/broker.pid"
	note "broker pid $pid stopped"
}

dir_arg() {
	[[ -d $1 ]] || die "no such directory: $1"
	(cd "$1" && pwd -P)
}

cmd_stop() {
	(($# == 1)) || usage
	stop_broker "$(dir_arg "$1")"
}

cmd_kill() {
	(($# == 1)) || usage
	local dir pid
	dir=$(dir_arg "$1")
	pid=$(broker_pid "$dir")
	[[ -n $pid ]] || die "no broker running in $dir"
	kill -KILL "$pid"
	wait_gone "$dir" 30 || die "broker pid $pid survived SIGKILL"
	rm -f "$dir/broker.pid"
	note "broker pid $pid killed"
}

cmd_status() {
	(($# == 1)) || usage
	local dir pid
	dir=$(dir_arg "$1")
	pid=$(broker_pid "$dir")
	if [[ -z $pid ]]; then
		echo "stopped"
		exit 3
	fi
	echo "running pid $pid at 127.0.0.1:$(<"$dir/port")"
}

cmd_create_topic() {
	(($# >= 3)) || usage
	local dir topic=$2 parts=$3
	dir=$(dir_arg "$1")
	shift 3
	if ! is_uint "$parts" || ((parts == 0)); then
		die "bad partition count '$parts'"
	fi
	[[ -n $(broker_pid "$dir") ]] || die "no broker running in $dir"
	fetch_jars
	run_class org.apache.kafka.tools.TopicCommand --bootstrap-server "$(<"$dir/bootstrap")" \
		--create --if-not-exists --topic "$topic" --partitions "$parts" \
		--replication-factor 1 "$@" >&2
}

cmd_run_class() {
	(($# >= 1)) || usage
	need "$JAVA" "package default-jdk-headless"
	fetch_jars
	RUN_CLASS_EXEC=1 run_class "$@"
}

main() {
	(($# >= 1)) || usage
	local cmd=$1
	shift
	case $cmd in
	fetch)
		(($# == 0)) || usage
		fetch_jars
		;;
	start) cmd_start "$@" ;;
	stop) cmd_stop "$@" ;;
	kill) cmd_kill "$@" ;;
	status) cmd_status "$@" ;;
	create-topic) cmd_create_topic "$@" ;;
	run-class) cmd_run_class "$@" ;;
	-h | --help | help) usage ;;
	*) die "unknown command '$cmd' (try --help)" ;;
	esac
}

main "$@"
