#!/usr/bin/env bash
# test_cli.sh - the command line's help: `vigil --help` lists every command, and
# each answers `vigil COMMAND --help` (and `vigil help COMMAND`) on stdout with exit
# 0 and its usage; a wrong option is exit 2 with the same usage on stderr.
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
set +e
"$VIGIL" no-such-command 2>/dev/null
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "an unknown command: exit $rc, want 2"
echo "ok: $(printf '%s\n' $commands | wc -l) commands answer --help"
