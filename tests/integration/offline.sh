# offline.sh - shared by the integration tests that run vigil without a broker
# (test_replay, test_replay_labels, test_stix, test_windows_rules): VIGIL, a work
# directory WORK removed on exit, fail MESSAGE, and need TOOL... (fails when a tool
# scripts/bootstrap.sh installs is missing).  Sourced, not run; NAME names WORK.
set -euo pipefail
VIGIL=${VIGIL_BIN:?set by meson}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vigil-${NAME:-it}.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
fail() {
	printf 'FAIL: %s\n' "$*" >&2
	exit 1
}
need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null || fail "$t is not installed (run scripts/bootstrap.sh)"
	done
}
