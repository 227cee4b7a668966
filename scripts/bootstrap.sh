#!/usr/bin/env bash
# bootstrap.sh - install what Vigil's build, demo and tests need on Debian 12.
#
# Idempotent: when every package is already installed it changes nothing and needs
# neither root nor the network; otherwise (as root) it runs apt-get update and
# apt-get install --no-install-recommends for the missing ones.
#
# Usage: scripts/bootstrap.sh [--with-fuzz] [--with-charts] [--with-kafka] [--all]
#   --with-fuzz    also libFuzzer and the sanitizer runtimes of Debian 12's clang 14
#                  (libfuzzer-14-dev, libclang-rt-14-dev: clang -fsanitize=fuzzer,
#                  address links libclang_rt.*.a, which clang itself does not bring)
#   --with-charts  also gnuplot-nox (benchmark charts)
#   --with-kafka   also fetch the Apache Kafka broker jars from Maven Central
#                  (scripts/kafka-broker.sh fetch; about 47 MB, once)
#   --all          all of the above
#
# Environment:
#   BOOTSTRAP_LOG=FILE              keep the apt/maven output there (default: a
#                                   temporary file, shown when a step fails)
#   BOOTSTRAP_EXTRA_PACKAGES="a b"  more Debian packages to install (e.g. shellcheck)
set -euo pipefail

readonly PROG=bootstrap.sh
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
readonly SCRIPT_DIR
export DEBIAN_FRONTEND=noninteractive

# Build: compiler, meson/ninja, pkg-config and the -dev packages meson.build asks for.
# Tests: check (unit tests), sqlite3 (store inspection), kcat + a JDK + maven (real
# Kafka broker, scripts/kafka-broker.sh), clang-format (style check), clang (fuzz and
# sanitizer builds). The rest are what the scripts themselves call: ca-certificates
# (+ -java, so Maven trusts Maven Central), procps, util-linux (flock), python3.
PACKAGES=(
	build-essential meson ninja-build pkg-config
	librdkafka-dev libyaml-dev libpcre2-dev libsqlite3-dev sqlite3 libxgboost-dev check
	kcat default-jdk-headless maven ca-certificates ca-certificates-java
	clang clang-format
	procps util-linux python3
)

with_kafka=0
LOG=

step() {
	printf '%s: %s\n' "$PROG" "$*"
}

fail() {
	printf '%s: FAILED: %s\n' "$PROG" "$1" >&2
	if [[ -s $LOG ]]; then
		printf '%s: last lines of its output%s:\n' "$PROG" \
			"${BOOTSTRAP_LOG:+ (all of it in $BOOTSTRAP_LOG)}" >&2
		tail -n 30 "$LOG" >&2
	fi
	exit 1
}

usage() {
	sed -n '/^# Usage:/,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//; s/^#$//'
	exit "$1"
}

parse_args() {
	local arg
	for arg in "$@"; do
		case $arg in
		--with-fuzz) PACKAGES+=(libfuzzer-14-dev libclang-rt-14-dev) ;;
		--with-charts) PACKAGES+=(gnuplot-nox) ;;
		--with-kafka) with_kafka=1 ;;
		--all)
			PACKAGES+=(libfuzzer-14-dev libclang-rt-14-dev gnuplot-nox)
			with_kafka=1
			;;
		-h | --help) usage 0 ;;
		*)
			printf '%s: unknown option %s\n' "$PROG" "$arg" >&2
			usage 2 >&2
			;;
		esac
	done
}

# Prints the packages of PACKAGES that are not installed.
missing_packages() {
	local p status
	for p in "${PACKAGES[@]}"; do
		status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) || status=
		[[ $status == installed ]] || printf '%s\n' "$p"
	done
}

install_packages() {
	local missing
	mapfile -t missing < <(missing_packages)
	if ((${#missing[@]} == 0)); then
		step "all ${#PACKAGES[@]} packages already installed"
		return 0
	fi
	if ((EUID != 0)); then
		fail "missing packages (${missing[*]}): run as root to install them"
	fi
	step "apt-get update"
	apt-get update -q >>"$LOG" 2>&1 || fail "apt-get update"
	step "apt-get install ${missing[*]}"
	apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$LOG" 2>&1 ||
		fail "apt-get install ${missing[*]}"
	mapfile -t missing < <(missing_packages)
	((${#missing[@]} == 0)) || fail "still not installed after apt-get: ${missing[*]}"
}

check_tools() {
	local t
	for t in cc meson ninja pkg-config kcat java mvn sqlite3 clang clang-format; do
		command -v "$t" >/dev/null 2>&1 || fail "'$t' not on PATH after installing"
	done
	pkg-config --exists rdkafka yaml-0.1 libpcre2-8 sqlite3 xgboost check ||
		fail "pkg-config cannot find one of rdkafka yaml-0.1 libpcre2-8 sqlite3 xgboost check"
}

main() {
	local extra=()
	parse_args "$@"
	read -r -a extra <<<"${BOOTSTRAP_EXTRA_PACKAGES:-}"
	PACKAGES+=("${extra[@]}")
	if [[ -n ${BOOTSTRAP_LOG:-} ]]; then
		LOG=$BOOTSTRAP_LOG
		: >"$LOG"
	else
		LOG=$(mktemp "${TMPDIR:-/tmp}/vigil-bootstrap.XXXXXX")
		trap 'rm -f "$LOG"' EXIT
	fi
	[[ -r /etc/debian_version ]] || fail "this script is for Debian 12 (no /etc/debian_version)"
	install_packages
	check_tools
	step "java: $(java -version 2>&1 | head -n 1)"
	if ((with_kafka)); then
		step "fetching the Kafka broker jars"
		"$SCRIPT_DIR/kafka-broker.sh" fetch >>"$LOG" 2>&1 || fail "scripts/kafka-broker.sh fetch"
	fi
	step "done"
}

main "$@"
