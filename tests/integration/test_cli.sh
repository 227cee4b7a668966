#!/usr/bin/env bash
# test_cli.sh - the command line's help: `vigil --help` lists every command, and
# each answers `vigil COMMAND --help` (and `vigil help COMMAND`) on stdout with exit
# 0 and its usage; a wrong option is exit 2 with the same usage on stderr; a numeric
# option's bad value (not a number, trailing text, out of range) is exit 2 with a
# message naming the option, before any work; the commands that read a store refuse
# a path with no store rather than make an empty one, and a store a newer Vigil
# made (its format above this build's) without changing it; `rules check` takes options
# among its paths and says when the set as a whole failed; `vigil check` says when
# the store could not be opened or made (or is a newer Vigil's), without making it,
# and refuses as run does an incident document size librdkafka would refuse and a
# librdkafka setting that undoes acknowledged delivery; parse and detect name an
# input they cannot read (a directory), detect uses every -r however many, replay
# --export-map refuses an input or a replay option beside it, and output that could
# not be written (/dev/full) is exit 1 with the reason.
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
# a command's subcommands answer too, with their command's usage
for c in "model train" "model eval" "rules check" "eval aitads"; do
	"$VIGIL" $c --help >"$WORK/out" 2>"$WORK/err" || fail "vigil $c --help: exit $?"
	"$VIGIL" help "${c%% *}" | cmp -s - "$WORK/out" || fail "vigil $c --help is not vigil ${c%% *}'s usage"
	[ ! -s "$WORK/err" ] || fail "vigil $c --help wrote to stderr: $(cat "$WORK/err")"
done
for c in replay run demo scenario simulate stix feedback eval; do
	set +e
	"$VIGIL" "$c" --no-such-option >/dev/null 2>"$WORK/err"
	rc=$?
	set -e
	[ "$rc" -eq 2 ] || fail "vigil $c --no-such-option: exit $rc, want 2"
	grep -q "^usage: vigil $c" "$WORK/err" || fail "vigil $c --no-such-option: $(cat "$WORK/err")"
done
# numeric option values: the whole text, in range, or exit 2 naming the option
while IFS='|' read -r args want; do
	set +e
	"$VIGIL" $args >"$WORK/out" 2>"$WORK/err"
	rc=$?
	set -e
	[ "$rc" -eq 2 ] || fail "vigil $args: exit $rc, want 2"
	grep -qF -- "$want" "$WORK/err" || fail "vigil $args: stderr $(cat "$WORK/err"), want $want"
	[ ! -s "$WORK/out" ] || fail "vigil $args worked anyway: $(head -3 "$WORK/out")"
done <<EOF
replay --db $WORK/r.db --threshold abc -|vigil replay: --threshold wants a number from 0 to 1, not 'abc'
replay --db $WORK/r.db --threshold nan -|--threshold wants a number from 0 to 1, not 'nan'
replay --db $WORK/r.db --batch 0 -|vigil replay: --batch wants a whole number from 1 to 1000000, not '0'
model eval --threshold 1.5|vigil model eval: --threshold wants a number from 0 to 1, not '1.5'
model eval --scenarios 2x|vigil model eval: --scenarios wants a whole number from 1 to 100000, not '2x'
model train --out $WORK/m.json --rounds ten|vigil model train: --rounds wants a whole number from 1 to 100000, not 'ten'
model train --out $WORK/m.json --seed -1|vigil model train: --seed wants a whole number from 0 to 18446744073709551615, not '-1'
scenario --hosts 7|vigil scenario: --hosts wants a whole number from 1 to 6, not '7'
scenario --hours 0|vigil scenario: --hours wants a whole number from 1 to 8784, not '0'
simulate --seed 99999999999999999999 --out $WORK/sim|vigil simulate: --seed wants a whole number from 0 to 18446744073709551615, not '99999999999999999999'
eval aitads --depth 40|vigil eval: --depth wants a whole number from 1 to 32, not '40'
run -c $WORK/none.yaml --stop-after 0|vigil run: --stop-after wants a whole number from 1 to 9223372036854775807, not '0'
demo --seed 1x|vigil demo: --seed wants a whole number from 0 to 18446744073709551615, not '1x'
model train --out $WORK/m.json $WORK/r.db|vigil model train: unexpected argument '$WORK/r.db'
model eval --scenarios 1 extra|vigil model eval: unexpected argument 'extra'
EOF
[ ! -e "$WORK/r.db" ] && [ ! -e "$WORK/m.json" ] && [ ! -e "$WORK/sim.syslog" ] ||
	fail "a command with a bad numeric option wrote files: $(ls "$WORK")"
# a model path is a path, whatever its characters (it was spliced into YAML)
mkdir -p "$WORK/we\"ird"
cp "$VIGIL_SOURCE_ROOT/models/default-model.json" "$WORK/we\"ird/m.json"
"$VIGIL" model eval --scenarios 1 --model "$WORK/we\"ird/m.json" >"$WORK/out" 2>"$WORK/err" ||
	fail "model eval of a model path with a quote: $(cat "$WORK/err")"
grep -q '^PR-AUC' "$WORK/out" || fail "model eval printed no PR-AUC: $(cat "$WORK/out")"
# refused_store DB WANT LEFT [RC|ARGS]: every command that reads a store exits 1
# on DB, and then the command ARGS if given exits RC, with WANT in its message,
# and the shell test LEFT (run after each) still holds
refused_store() {
	local db=$1 want=$2 left=$3 extra=${4:-}
	while IFS='|' read -r want_rc args; do
		[ -n "$args" ] || continue
		set +e
		"$VIGIL" $args >"$WORK/out" 2>"$WORK/err"
		rc=$?
		set -e
		[ "$rc" -eq "$want_rc" ] || fail "vigil $args: exit $rc, want $want_rc"
		grep -qF "$want" "$WORK/err" || fail "vigil $args: $(cat "$WORK/err")"
		eval "$left" || fail "vigil $args left $db otherwise: $left"
	done <<EOF
1|feedback inc-0000000000000001 --verdict tp --db $db
1|stix --db $db --surfaced
1|replay --db $db --export-map -
1|model train --out $WORK/m.json --db $db
$extra
EOF
}
# a store that is not there: named, and no empty store left behind
refused_store "$WORK/missing.db" \
	"$WORK/missing.db: No such file or directory (no store there; vigil run or vigil replay makes one)" \
	'[ ! -e "$WORK/missing.db" ]'
# a store a newer Vigil made (a store format above this build's): both formats
# named, also by a replay into it (exit 2, a start-up failure, as for a bad
# config), and the store left as it was
sqlite3 "$WORK/newer.db" 'CREATE TABLE t (x); PRAGMA user_version = 999;'
newer_sum=$(cksum <"$WORK/newer.db")
newer="$WORK/newer.db: store format 999 was made by a newer Vigil; this one reads formats up to"
own_format=$(sed -n 's/^PRAGMA user_version = \([0-9]*\);$/\1/p' "$VIGIL_SOURCE_ROOT/schemas/store.sql")
[ -n "$own_format" ] || fail "schemas/store.sql declares no PRAGMA user_version"
refused_store "$WORK/newer.db" "$newer" '[ "$(cksum <"$WORK/newer.db")" = "$newer_sum" ]' \
	"2|replay --db $WORK/newer.db /dev/null"
# vigil check: a store path the run could not open or make is an error
printf 'not a database\n' >"$WORK/text.db"
while IFS='|' read -r store want; do
	printf 'store: {path: "%s"}\n' "$store" >"$WORK/check.yaml"
	set +e
	"$VIGIL" check -c "$WORK/check.yaml" >"$WORK/out" 2>"$WORK/err"
	rc=$?
	set -e
	[ "$rc" -eq 2 ] || fail "vigil check with store $store: exit $rc, want 2"
	[ "$(cat "$WORK/err")" = "$WORK/check.yaml:1:15: error: store.path: $want" ] ||
		fail "vigil check with store $store: $(cat "$WORK/err")"
done <<EOF
$WORK/no/dir/v.db|$WORK/no/dir/v.db: cannot create it in $WORK/no/dir: No such file or directory
$WORK/text.db|$WORK/text.db: not an SQLite database
$WORK|$WORK: not a file
$WORK/newer.db|$newer $own_format (use that Vigil, or give store.path a new file)
EOF
# ... and a model file that is not there, at its place in the config
printf 'model: {path: "%s"}\n' "$WORK/no-model.json" >"$WORK/check.yaml"
set +e
"$VIGIL" check -c "$WORK/check.yaml" >/dev/null 2>"$WORK/err"
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "vigil check with a missing model: exit $rc, want 2"
[ "$(cat "$WORK/err")" = "$WORK/check.yaml:1:15: error: model.path: $WORK/no-model.json: No such file or directory" ] ||
	fail "vigil check with a missing model: $(cat "$WORK/err")"
# ... and what `vigil run` refuses before reading a record, with run's message: an
# incident document larger than librdkafka's message.max.bytes (check passed it),
# a librdkafka setting that undoes acknowledged delivery
while IFS='|' read -r setting want; do
	printf 'kafka:\n  librdkafka: {%s}\nstore: {path: "%s"}\n' "$setting" \
		"$WORK/refused.db" >"$WORK/refused.yaml"
	want="$WORK/refused.yaml:2:$want"
	set +e
	"$VIGIL" check -c "$WORK/refused.yaml" >/dev/null 2>"$WORK/err"
	rc=$?
	"$VIGIL" run -c "$WORK/refused.yaml" >/dev/null 2>"$WORK/run-err"
	run_rc=$?
	set -e
	[ "$rc" -eq 2 ] && [ "$(cat "$WORK/err")" = "$want" ] ||
		fail "vigil check with $setting: exit $rc, $(cat "$WORK/err")"
	[ "$run_rc" -eq 2 ] && [ "$(tail -n 1 "$WORK/run-err")" = "$want" ] ||
		fail "vigil run with $setting: exit $run_rc, $(tail -n 1 "$WORK/run-err")"
done <<'EOF'
message.max.bytes: "10000"|35: error: kafka.max_message_bytes (950000) must be at least 1024 below librdkafka's message.max.bytes (10000): the producer would refuse the largest incident documents
acks: 0|22: error: kafka.librdkafka.acks: '0' is refused: an incident version counts as delivered only once every in-sync replica holds it (Vigil sets acks to all)
EOF
# a config with a bad value still has the decoders, rules and model it names
# checked: every problem in one run, check's and run's alike, no store made
printf 'decoder: t1\nmatch: {program: a}\npatterns:\n  - {name: p, regex: "^(("}\n' \
	>"$WORK/bad-decoder.yaml"
printf 'title: r\nlogsource: {product: linux}\ndetection:\n  sel: {a|bogus: b}\n  condition: sel\n' \
	>"$WORK/bad-rule.yml"
printf 'kafka:\n  batch_size: -5\ndecoders:\n  paths: [%s]\nrules:\n  paths: [%s]\nstore: {path: "%s"}\n' \
	"$WORK/bad-decoder.yaml" "$WORK/bad-rule.yml" "$WORK/all.db" >"$WORK/all.yaml"
for c in check run; do
	set +e
	"$VIGIL" $c -c "$WORK/all.yaml" >/dev/null 2>"$WORK/err"
	rc=$?
	set -e
	[ "$rc" -eq 2 ] || fail "vigil $c with every kind of problem: exit $rc, want 2"
	for want in "$WORK/all.yaml:2:15: error: 'kafka.batch_size' must be between 1 and 1000000, not -5" \
		"$WORK/bad-rule.yml:4:9: error: rule 'r': unknown modifier 'bogus'" \
		"$WORK/bad-decoder.yaml:4:22: error: decoder 't1' pattern 'p': missing closing parenthesis at offset 3"; do
		grep -qxF -- "$want" "$WORK/err" || fail "vigil $c did not list: $want; got: $(cat "$WORK/err")"
	done
	[ ! -e "$WORK/all.db" ] || fail "vigil $c made the store of a config in error"
done
printf 'store: {path: "%s"}\n' "$WORK/new.db" >"$WORK/check.yaml"
"$VIGIL" check -c "$WORK/check.yaml" >/dev/null || fail "vigil check refused a new store"
[ ! -e "$WORK/new.db" ] || fail "vigil check made the store"
# an input that is not there: one message naming it, no store made
set +e
"$VIGIL" replay --db "$WORK/missing.db" "$WORK/no-input.log" >/dev/null 2>"$WORK/err"
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "replay of a missing input: exit $rc, want 1"
[ "$(cat "$WORK/err")" = "vigil replay: $WORK/no-input.log: No such file or directory" ] ||
	fail "replay of a missing input: $(cat "$WORK/err")"
[ ! -e "$WORK/missing.db" ] || fail "replay of a missing input made a store"
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
# an input that is a directory (fopen takes it, the read fails): named, exit 1
for c in parse detect; do
	set +e
	"$VIGIL" $c "$WORK" >"$WORK/out" 2>"$WORK/err"
	rc=$?
	set -e
	[ "$rc" -eq 1 ] || fail "vigil $c DIR: exit $rc, want 1"
	grep -qxF "vigil $c: $WORK: Is a directory" "$WORK/err" ||
		fail "vigil $c DIR: $(cat "$WORK/err")"
done
# every -r is used, past any fixed count (a rules directory has many files)
"$VIGIL" scenario --hours 1 >"$WORK/hour.log" # whole: a reader stopping early is a write error
grep -m1 ' CRON\[' "$WORK/hour.log" >"$WORK/cron.log" ||
	fail "vigil scenario printed no CRON line"
mkdir -p "$WORK/many"
rule_args=()
for i in $(seq 1 300); do
	printf '%s\n' "title: cron $i" "id: cron-$i" 'logsource: {product: linux}' \
		'detection: {sel: {process.name: CRON}, condition: sel}' 'level: low' \
		>"$WORK/many/r$i.yml"
	rule_args+=(-r "$WORK/many/r$i.yml")
done
"$VIGIL" detect "${rule_args[@]}" "$WORK/cron.log" >"$WORK/out" 2>"$WORK/err" ||
	fail "vigil detect with 300 -r: exit $?, $(cat "$WORK/err")"
n=$(grep -o '"rule_id":"cron-[0-9]*"' "$WORK/out" | sort -u | wc -l)
[ "$n" -eq 300 ] || fail "vigil detect with 300 -r: $n rules hit, want 300"
grep -q ' 300 hits,' "$WORK/err" || fail "vigil detect with 300 -r: $(cat "$WORK/err")"
# --export-map writes the map of a store and replays nothing: an input or a replay
# option beside it is refused, not dropped
"$VIGIL" replay --db "$WORK/map.db" "$WORK/cron.log" >/dev/null 2>"$WORK/err" ||
	fail "replay into map.db: $(cat "$WORK/err")"
while IFS='|' read -r args want; do
	set +e
	"$VIGIL" replay --db "$WORK/map.db" --export-map "$WORK/map.tsv" $args \
		>"$WORK/out" 2>"$WORK/err"
	rc=$?
	set -e
	[ "$rc" -eq 2 ] || fail "replay --export-map $args: exit $rc, want 2"
	grep -qxF "vigil replay: $want" "$WORK/err" || fail "replay --export-map $args: $(cat "$WORK/err")"
	[ ! -e "$WORK/map.tsv" ] || fail "replay --export-map $args wrote the map"
done <<EOF
$WORK/cron.log|--export-map takes no FILE ('$WORK/cron.log')
--batch 10|--export-map takes no --batch
-c $WORK/check.yaml|--export-map takes no --config
--format syslog|--export-map takes no --format
--threshold 0.5|--export-map takes no --threshold
EOF
# output that cannot be written is a failure (exit 1) with the reason, stdout as
# a --labels file
while IFS='|' read -r args to what; do
	set +e
	"$VIGIL" $args >"$to" 2>"$WORK/err"
	rc=$?
	set -e
	[ "$rc" -eq 1 ] || fail "vigil $args >$to: exit $rc, want 1"
	grep -qxF "vigil ${args%% *}: writing $what: No space left on device" "$WORK/err" ||
		fail "vigil $args >$to: $(cat "$WORK/err")"
done <<EOF
scenario --hours 1|/dev/full|output
parse $WORK/cron.log|/dev/full|output
detect -r $WORK/many/r1.yml $WORK/cron.log|/dev/full|output
scenario --hours 1 --labels /dev/full|$WORK/out|/dev/full
EOF
# an argument a command does not take is refused (exit 2), not ignored: "vigil
# check -c a.yaml b.yaml" checked a.yaml alone and said ok
while IFS='|' read -r args want; do
	set +e
	"$VIGIL" $args >/dev/null 2>"$WORK/err"
	rc=$?
	set -e
	[ "$rc" -eq 2 ] || fail "vigil $args: exit $rc, want 2"
	grep -qF "$want" "$WORK/err" || fail "vigil $args: $(cat "$WORK/err")"
done <<EOF
check -c $WORK/check.yaml extra|vigil check: unexpected argument 'extra'
scenario bogus|vigil scenario: unexpected argument 'bogus'
simulate --out $WORK/sim bogus|vigil simulate: unexpected argument 'bogus'
run -c $WORK/check.yaml bogus|vigil run: unexpected argument 'bogus'
EOF
set +e
"$VIGIL" no-such-command 2>/dev/null
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "an unknown command: exit $rc, want 2"
echo "ok: $(printf '%s\n' $commands | wc -l) commands answer --help"
