#!/usr/bin/env bash
# test_cli.sh - the command line's help: `vigil --help` lists every command, and
# each answers `vigil COMMAND --help` (and `vigil help COMMAND`) on stdout with exit
# 0 and its usage; a wrong option is exit 2 with the same usage on stderr; `rules
# check` takes options among its paths and says when the set as a whole failed.
NAME=cli
. "$(dirname "$0")/offline.sh"

"$VIGIL" --help >"$WORK/help" || fail "vigil --help: exit $?"
commands=$(sed -n 's/^  \([a-z]*\).*/\1/p' "$WORK/help")
[ "$(printf '%s\n' $commands | wc -l)" -ge 15 ] || fail "vigil --help lists: $commands"
for c in $commands; do
	"$VIGIL" "$c" --help >"$WORK/out" 2>"$WORK/err" || fail "vigil $c --help: exit $?"
	head -1 "$WORK/out" | grep -q "^usage: vigil $c" || fail "vigil $c --help: $(head -1 "$WORK/out")"
	[ ! -s "$WORK/err" ] || fail "vigil $c --help wrote to stderr: $(cat "$WORK/err")"
	"$VIGIL" help "$c" | cmp -s - "$WORK/out" || fail "vigil help $c differs from vigil $c --help"
done
for c in replay run demo scenario simulate stix feedback eval; do
	set +e
	"$VIGIL" "$c" --no-such-option >/dev/null 2>"$WORK/err"
	rc=$?
	set -e
	[ "$rc" -eq 2 ] || fail "vigil $c --no-such-option: exit $rc, want 2"
	grep -q "^usage: vigil $c" "$WORK/err" || fail "vigil $c --no-such-option: $(cat "$WORK/err")"
done
# rules check takes its options anywhere among the paths, as the other commands
mkdir -p "$WORK/rules"
printf '%s\n' 'title: unmapped' 'id: w-1' 'logsource: {product: nosuchproduct}' \
	'detection: {sel: {a: b}, condition: sel}' >"$WORK/rules/r.yml"
for args in "-v $WORK/rules" "$WORK/rules -v" "$WORK/rules --verbose"; do
	"$VIGIL" rules check $args >"$WORK/out" || fail "vigil rules check $args: exit $?"
	grep -q "r.yml:3:12: warning: rule 'w-1': logsource nosuchproduct" "$WORK/out" ||
		fail "vigil rules check $args: no warning in $(cat "$WORK/out")"
	grep -q '^1 rules loaded, 0 rules could not be loaded' "$WORK/out" ||
		fail "vigil rules check $args: $(tail -1 "$WORK/out")"
done
set +e
"$VIGIL" rules check --no-such-option "$WORK/rules" >/dev/null 2>"$WORK/err"
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "vigil rules check --no-such-option: exit $rc, want 2"
grep -q '^usage: vigil rules' "$WORK/err" || fail "vigil rules check --no-such-option: $(cat "$WORK/err")"
# a path that gives no rule fails the set as at start-up, and says so
set +e
"$VIGIL" rules check "$WORK/rules" "$WORK/none" >"$WORK/out" 2>&1
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "vigil rules check with a missing path: exit $rc, want 2"
grep -q '^rule set not loaded (the errors above); 0 rules loaded' "$WORK/out" ||
	fail "vigil rules check with a missing path: $(cat "$WORK/out")"
set +e
"$VIGIL" no-such-command 2>/dev/null
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "an unknown command: exit $rc, want 2"
echo "ok: $(printf '%s\n' $commands | wc -l) commands answer --help"
