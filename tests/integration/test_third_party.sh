#!/usr/bin/env bash
# test_third_party.sh - other detectors' alerts keep what their detector says about
# them, through `vigil replay` with the default rules (the catch-all "Alert from
# another detector" is level low and has no ATT&CK tags):
#  - a Wazuh alert's rule.level is its alert's level (level 12: high; level 3:
#    still the rule's low, never lowered) and its rule.mitre tactics and technique
#    ids are its ATT&CK tags, in the incident's tactic timeline;
#  - a Suricata EVE alert's severity 1 is high, and its rule's metadata
#    mitre_tactic_name / mitre_technique_id are tags too;
#  - a high alert is notable: its source address is the incident's attack source,
#    named in the title; the three alerts share it and are one incident;
#  - a low Wazuh level, or an alert without those fields, stays low and untagged;
#  - a Wazuh alert with a 300-byte rule.id on a 400-byte agent name, past the
#    novelty warm-up, is stored with its statistics keys whole (the replay hung:
#    its cut keys never left the assembler's changed set).
NAME=third_party
. "$(dirname "$0")/offline.sh"
need sqlite3

# wazuh TIME LEVEL ID DESCRIPTION MITRE: one Wazuh alert on host web1 (MITRE: the
# rule.mitre object's members, or empty)
wazuh() {
	printf '{"timestamp":"2026-11-20T%s.000+0000","rule":{"level":%s,"id":"%s",' "$1" "$2" "$3"
	printf '"description":"%s"%s},"agent":{"id":"001","name":"web1","ip":"10.0.0.5"},' "$4" "${5:+,\"mitre\":{$5\}}"
	printf '"manager":{"name":"wazuh"},"data":{"srcip":"203.0.113.9"}}\n'
}
{
	wazuh 09:00:00 12 100200 'Web shell upload' '"id":["T1505.003"],"tactic":["Persistence"]'
	wazuh 09:00:30 3 5402 'Successful sudo to ROOT executed.' \
		'"id":["T1548.003"],"tactic":["Privilege Escalation","Defense Evasion"]'
	printf '{"timestamp":"2026-11-20T09:01:00Z","event_type":"alert","src_ip":"203.0.113.9",'
	printf '"dest_ip":"10.0.0.5","alert":{"signature":"ET MALWARE C2 response",'
	printf '"signature_id":2030000,"severity":1,"metadata":{"mitre_tactic_name":'
	printf '["Command_And_Control"],"mitre_technique_id":["T1071"]}}}\n'
} >"$WORK/alerts.jsonl"
{
	wazuh 09:00:00 5 5503 'PAM: User login failed.' ''
	printf '{"timestamp":"2026-11-20T09:01:00Z","event_type":"alert","src_ip":"10.0.0.5",'
	printf '"dest_ip":"198.51.100.20","alert":{"signature":"ET INFO x","signature_id":1}}\n'
} >"$WORK/bare.jsonl"

"$VIGIL" replay --db "$WORK/t.db" "$WORK/alerts.jsonl" >"$WORK/replay.out" 2>"$WORK/replay.err" ||
	fail "vigil replay: $(cat "$WORK/replay.err")"
q() { sqlite3 "$WORK/t.db" "$1"; }

levels=$(q "select group_concat(level, ' ') from (select a.level from alerts a
	join record_incidents r on r.alert_id = a.id order by r.\"offset\")")
[ "$levels" = "high low high" ] || fail "alert levels by record: '$levels', want 'high low high'"
tags=$(q "select group_concat(tag, ' ') from (select t.tag from alert_tags t
	join record_incidents r on r.alert_id = t.alert_id order by r.\"offset\", t.ord)")
want="attack.persistence attack.t1505.003 attack.privilege-escalation attack.defense-evasion"
want="$want attack.t1548.003 attack.command-and-control attack.t1071"
[ "$tags" = "$want" ] || fail "alert tags: '$tags', want '$want'"

[ "$(q "select count(*) from incidents")" -eq 1 ] ||
	fail "$(q "select count(*) from incidents") incidents, want the three alerts on web1 in one"
[ "$(q "select max_level from incidents")" = high ] ||
	fail "incident level $(q "select max_level from incidents"), want high"
timeline=$(q "select group_concat(tactic, ' ') from (select tactic from incident_tactic_timeline
	order by ord)")
[ "$timeline" = "persistence privilege-escalation defense-evasion command-and-control" ] ||
	fail "tactic timeline: '$timeline'"
title=$(q "select title from incidents")
case $title in
"Web shell upload from 203.0.113.9 on web1"*) ;;
*) fail "title '$title' does not name the attack source 203.0.113.9" ;;
esac
features=$(q "select features from incidents")
for f in '"max_level":3' '"distinct_tactics":4' '"has_privilege_escalation":1' \
	'"high_critical_alerts":2'; do
	case $features in *"$f"*) ;; *) fail "features lack $f: $features" ;; esac
done

# without the detector's level and mapping: the catch-all rule's low, no tags
"$VIGIL" replay --db "$WORK/b.db" "$WORK/bare.jsonl" >"$WORK/replay.out" 2>"$WORK/replay.err" ||
	fail "vigil replay: $(cat "$WORK/replay.err")"
levels=$(sqlite3 "$WORK/b.db" "select group_concat(level, ' ') from alerts")
[ "$levels" = "low low" ] || fail "Wazuh level 5 and an EVE alert without severity: '$levels'"
[ "$(sqlite3 "$WORK/b.db" "select count(*) from alert_tags")" -eq 0 ] ||
	fail "alerts without rule.mitre or mitre metadata have tags"
# the longest signature and host the statistics keep: an alert a week after the
# stream's first (past the warm-up) opens and is a novelty, with every key whole
long_id=$(printf '9%.0s' $(seq 300))
long_host=$(printf 'h%.0s' $(seq 400))
{
	printf '{"timestamp":"2026-11-13T09:00:00.000+0000","rule":{"level":5,"id":"5710",'
	printf '"description":"sshd: x"},"agent":{"id":"002","name":"other"}}\n'
	printf '{"timestamp":"2026-11-20T09:00:00.000+0000","rule":{"level":5,"id":"%s",' "$long_id"
	printf '"description":"sshd: y"},"agent":{"id":"001","name":"%s"}}\n' "$long_host"
} >"$WORK/long.jsonl"
timeout 60 "$VIGIL" replay --db "$WORK/l.db" "$WORK/long.jsonl" >"$WORK/replay.out" \
	2>"$WORK/replay.err" || fail "vigil replay of a long rule id and host (rc $?, 124: hung)"
key="sig:${long_id:0:256}@$long_host" # a signature is kept to 256 bytes
# a pair is the rule's id and name together, kept to 256 bytes (here all id)
pair="pair:sig:${long_id:0:256}@$long_host"
for k in "$key" "$pair" "novel:$pair" "open0:$pair" "pair:sig:5710|sshd: x@other"; do
	[ "$(sqlite3 "$WORK/l.db" "select count(*) from signature_stats where key = '$k'")" -eq 1 ] ||
		fail "no statistics row ${k:0:12}... of $((${#k})) bytes"
done
echo "ok: third-party levels and ATT&CK tags reach alerts, incidents and features; long keys are stored whole"
