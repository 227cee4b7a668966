#!/usr/bin/env bash
# `vigil demo` end to end (the README's first command runs it): exits 0, prints the
# funnel and the incident table with the attack surfaced at priority 1, its story
# and explanation, and leaves a store that sqlite3 can query.
set -euo pipefail
VIGIL=${VIGIL_BIN:?set by meson}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vigil-demo.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
fail() {
	printf 'FAIL: %s\n' "$*" >&2
	cat "$WORK/out" "$WORK/err" >&2 || true
	exit 1
}
"$VIGIL" demo --db "$WORK/d.db" >"$WORK/out" 2>"$WORK/err" || fail "vigil demo exited with $?"
grep -q '^Funnel: [0-9]* records -> ' "$WORK/out" || fail "no funnel line"
grep -Eq '^  inc-[0-9a-f]{16} +0\.9[0-9]*  P1  yes' "$WORK/out" || fail "the attack is not the surfaced P1 row"
[ "$(grep -Ec '  P1  yes' "$WORK/out")" = 1 ] || fail "more than one incident surfaced"
grep -q 'from 203.0.113.45' "$WORK/out" || fail "the attack source is not named"
grep -q 'Path: web01' "$WORK/out" || fail "the spread path is not shown"
grep -q 'why it ranks high' "$WORK/out" || fail "no explanation"
top=$(sqlite3 "$WORK/d.db" 'select id, priority from incidents order by score desc limit 1')
case "$top" in inc-*'|1') ;; *) fail "sqlite3 shows '$top' as the top incident" ;; esac
echo "1 passed, 0 failed"
