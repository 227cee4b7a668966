#!/usr/bin/env bash
# End to end against a real Apache Kafka broker: kcat produces the scenario (and a
# malformed record, and a record claiming a time decades ahead just before the
# attack, in the attack's partition), `vigil run` consumes it, and the test asserts
# the ranked incident in SQLite (the forged time did not blind correlation), its
# document on the output topic, and the dead letter.
. "$(dirname "$0")/lib.sh"

start_broker
create_topic syslog 3
make_scenario "$WORK/scenario.tsv"
printf 'junk\t\x01\x02 not a syslog line\n' >>"$WORK/scenario.tsv"
# kcat stamps the message with the time it sends it; the event claims 2099
first=$(grep -n -m1 '203\.0\.113\.45' "$WORK/scenario.tsv" | cut -d: -f1)
key=$(sed -n "${first}p" "$WORK/scenario.tsv" | cut -f1)
sed -i "${first}i\\${key}\t<86>1 2099-06-01T00:00:00Z ${key} CRON 77 - - pam_unix(cron:session): session closed for user root" \
	"$WORK/scenario.tsv"
records=$(wc -l <"$WORK/scenario.tsv")
produce syslog "$WORK/scenario.tsv"
say "produced $records records with kcat"

write_config "$WORK/vigil.yaml" e2e "$WORK/v.db" vigil.incidents syslog
"$VIGIL" check -c "$WORK/vigil.yaml" >/dev/null || fail "vigil check rejected the config"
"$VIGIL" run -c "$WORK/vigil.yaml" --stop-at-end 2>"$WORK/run.log" ||
	{ cat "$WORK/run.log" >&2; fail "vigil run failed"; }

db="$WORK/v.db"
top=$(sqlite3 -separator ' ' "$db" "select id, score, priority from incidents_ranked limit 1")
read -r top_id top_score top_priority <<<"$top"
say "top incident: $top"
[ -n "$top_id" ] || fail "no incident stored"
# The attack moves on from web01, so the incident also names web01's own address;
# the first IP it saw is the attacker's.
src=$(sqlite3 "$db" "select value from entities where incident_id = '$top_id' and type = 'ip'
                     order by first_seen_us limit 1")
[ "$src" = "203.0.113.45" ] || fail "top incident's source is '$src', expected the attacker 203.0.113.45"
awk -v s="$top_score" 'BEGIN { exit !(s >= 0.5) }' || fail "attack scored $top_score < 0.5"
[ "$top_priority" = 1 ] || fail "attack has priority $top_priority, expected 1"
rules=$(sqlite3 "$db" "select group_concat(distinct title) from alerts where incident_id = '$top_id'")
for want in "SSH brute force" "SSH login accepted" "Sudo to root"; do
	case ",$rules," in *",$want,"*) ;; *) fail "incident lacks a '$want' alert: $rules" ;; esac
done
surfaced=$(sqlite3 "$db" "select count(*) from incidents where surfaced = 1")
[ "$surfaced" = 1 ] || fail "$surfaced incidents surfaced, expected only the attack"
[ "$(sqlite3 "$db" "select value from metrics where name = 'records'")" = "$records" ] ||
	fail "records metric does not match what was produced"
[ "$(sqlite3 "$db" "select value from metrics where name = 'future_events'")" = 1 ] ||
	fail "the record from 2099 was not counted in future_events"
grep -q 'event time 2099-06-01T00:00:00.000000Z of syslog\[.*taken as' "$WORK/run.log" ||
	fail "no warning about the record from 2099: $(grep -c . "$WORK/run.log") log lines"

# The output topic carries every incident version, keyed by id; the newest one of
# the attack is the version in the store.
version=$(sqlite3 "$db" "select version from incidents where id = '$top_id'")
published=$(published_versions vigil.incidents | awk -F '\t' -v k="$top_id" '$1 == k {print $2}')
[ "$published" = "$version" ] || fail "published version '$published' != stored version $version"
doc=$(kcat -C -b "$BOOTSTRAP" -t vigil.incidents -o beginning -e -q -f '%k\t%s\n' |
	awk -F '\t' -v k="$top_id" '$1 == k' | tail -n 1 | cut -f 2-)
case "$doc" in *'"attack_sources":["203.0.113.45"]'*) ;; *) fail "document lacks the attack source: $doc" ;; esac
case "$doc" in *'"explanation":[{"feature":'*) ;; *) fail "document lacks the explanation" ;; esac
n_incidents=$(sqlite3 "$db" "select count(*) from incidents where merged_into is null")
n_keys=$(published_versions vigil.incidents | wc -l)
[ "$n_keys" = "$n_incidents" ] || fail "$n_keys incidents published, $n_incidents stored"

# The malformed record went to the dead-letter topic with its reason and bytes.
dl=$(kcat -C -b "$BOOTSTRAP" -t vigil.incidents.dead-letter -o beginning -e -q -f '%h|%s\n')
[ "$(printf '%s\n' "$dl" | grep -c .)" = 1 ] || fail "expected one dead letter, got: $dl"
case "$dl" in *"vigil.reason=rfc3164: "*"not a syslog line"*) ;; *) fail "dead letter lacks reason or bytes: $dl" ;; esac
[ "$(sqlite3 "$db" "select value from metrics where name = 'dead_letters'")" = 1 ] ||
	fail "dead letter not counted"

# Offsets were committed: a second run of the same group re-reads at most the few
# records a still-open correlation window holds (e.g. the last firewall drops of a
# port-scan window), and changes nothing.
dump_store "$db" >"$WORK/before.dump"
"$VIGIL" run -c "$WORK/vigil.yaml" --stop-at-end 2>"$WORK/run2.log"
reread=$(sed -n 's/.*processed \([0-9]*\) records.*/\1/p' "$WORK/run2.log" | tail -n 1)
[ -n "$reread" ] && [ "$reread" -lt 100 ] || { cat "$WORK/run2.log" >&2; fail "second run re-read '$reread' records: offsets were not committed"; }
dump_store "$db" >"$WORK/after.dump"
diff -u "$WORK/before.dump" "$WORK/after.dump" >&2 || fail "re-reading changed the store"
say "second run re-read $reread records held by open windows, store unchanged"
echo "1 passed, 0 failed"
