#!/usr/bin/env bash
# test.sh - install what is needed (Debian packages, the Kafka broker jars), build
# Vigil with warnings as errors and run every test: unit (Check), conformance against
# ../shared/data (skipped with a message when absent), integration against a real
# Apache Kafka broker; then the unit tests and the end-to-end tests that need no
# broker (demo, embedded, replay, replay_labels, stix) again under AddressSanitizer
# and UndefinedBehaviorSanitizer, each libFuzzer target briefly (10 s; long runs are
# scripts/fuzz.sh), and the formatter check.  Ends with one line
# "N passed, N failed, N skipped".
#
# Environment: VIGIL_TEST_QUICK=1 skips the sanitizer and fuzz builds.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/bootstrap.sh --with-kafka --with-fuzz

setup() { # DIR [meson options...]
	local dir=$1
	shift
	if [ -d "$dir" ]; then
		meson setup --reconfigure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi
}

passed=0 failed=0 skipped=0
tally() { # DIR
	local counts
	counts=$(python3 - "$1/meson-logs/testlog.json" <<'PY'
import json, sys
p = f = s = 0
for line in open(sys.argv[1]):
    r = json.loads(line).get("result")
    if r == "OK": p += 1
    elif r in ("SKIP",): s += 1
    else: f += 1
print(p, f, s)
PY
)
	read -r p f s <<<"$counts"
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
}

status=0
echo "== build (werror) and every test"
setup build-test -Dwerror=true
ninja -C build-test
meson test -C build-test --print-errorlogs --num-processes 2 || status=1
tally build-test

if [ "${VIGIL_TEST_QUICK:-0}" != 1 ]; then
	echo "== unit tests under ASan + UBSan"
	setup build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dwerror=true
	ninja -C build-asan
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
	export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
	meson test -C build-asan --suite unit --print-errorlogs --num-processes 2 || status=1
	tally build-asan
	echo "== the vigil binary under ASan + UBSan: end-to-end tests without a broker"
	meson test -C build-asan demo embedded replay replay_labels stix entities cli third_party \
		--print-errorlogs --num-processes 1 || status=1
	tally build-asan
	unset ASAN_OPTIONS UBSAN_OPTIONS
fi

if [ "${VIGIL_TEST_QUICK:-0}" != 1 ]; then
	echo "== fuzz targets, 10 s each"
	if FUZZ_BUILD_DIR=build-fuzz sh scripts/fuzz.sh 10; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		status=1
	fi
fi

echo "== clang-format"
if ! git ls-files '*.c' '*.h' | xargs clang-format --dry-run --Werror; then
	echo "clang-format: files above need formatting"
	status=1
	failed=$((failed + 1))
else
	passed=$((passed + 1))
fi

echo "tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"
