#!/usr/bin/env bash
# test_entities.sh - which field values make incident entities, through `vigil replay`.
#
# Windows Security logon failures (4625) on several hosts, as evtx renders them:
#  - IpAddress "-" (no address: a local or NTLM-only logon) and SubjectUserName "-"
#    name nothing: two such failures on two hosts are two incidents, titled without
#    "from -", with no ip entity and no address in their STIX bundles;
#  - 127.0.0.1 and ::1 are each host itself: two hosts, two incidents;
#  - ::ffff:198.51.100.7 (how Windows writes an IPv4 peer) and 198.51.100.7 are one
#    address: the two hosts it failed logons on are one incident, whose entity,
#    attack source, title and STIX observable say 198.51.100.7.
# And Sysmon process starts of one binary (the SHA-256 in Hashes) on two hosts are
# one incident, linked by its hash entity, its hosts known in lowercase (Sysmon's
# FIN02.Corp is fin02.corp); a source given by its DNS name is a STIX
# domain-name, one that is neither address nor name no STIX observable.
NAME=entities
. "$(dirname "$0")/offline.sh"
need sqlite3 python3

mkdir -p "$WORK/rules"
cat >"$WORK/rules/logon_failure.yml" <<'YAML'
title: Failed network logon
id: 6b1f0c3e-2d4a-4f5e-9a7b-8c9d0e1f2a3b
status: test
logsource: {product: windows, service: security}
detection:
  sel: {EventID: 4625}
  condition: sel
level: high
YAML
cat >"$WORK/rules/dropper.yml" <<'YAML'
title: Dropper started
id: 0c3b6a2e-5f1d-4e8a-b7c9-2d4e6f8a0b1c
status: test
logsource: {product: windows, category: process_creation}
detection:
  sel: {Image|endswith: '\dropper.exe'}
  condition: sel
level: high
YAML
printf 'rules: {paths: ["%s/rules"]}\nstore: {path: "%s/unused.db"}\n' "$WORK" "$WORK" \
	>"$WORK/vigil.yaml"

# failure TIME HOST USER IPADDRESS: one 4625 as an evtx JSON rendering
failure() {
	printf '{"Event":{"System":{"Provider":{"Name":"Microsoft-Windows-Security-Auditing"},'
	printf '"EventID":4625,"Channel":"Security","Computer":"%s",' "$2"
	printf '"TimeCreated":{"SystemTime":"2026-11-20T%sZ"}},' "$1"
	printf '"EventData":{"SubjectUserName":"-","SubjectDomainName":"-",'
	printf '"TargetUserName":"%s","IpAddress":"%s","IpPort":"-","LogonType":"3"}}}\n' "$3" "$4"
}
{
	failure 08:00:00 ws01.corp alice -
	failure 08:05:00 db07.corp bob -
	failure 10:00:00 app03.corp carol 127.0.0.1
	failure 10:01:00 app04.corp dave ::1
	failure 12:00:00 ws02.corp erin ::ffff:198.51.100.7
	failure 12:01:00 web09.corp frank 198.51.100.7
} >"$WORK/logons.jsonl"
# start TIME HOST: the dropper starting (Sysmon 1, flat rendering)
start() {
	printf '{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational",'
	printf '"Computer":"%s","UtcTime":"2026-11-20 %s.000",' "$2" "$1"
	printf '"Image":"C:\\\\Users\\\\%s\\\\dropper.exe","User":"CORP\\\\u-%s",' "$2" "$2"
	printf '"Hashes":"MD5=0123456789ABCDEF0123456789ABCDEF,SHA256=9F86D081884C7D659A2FEAA0'
	printf 'C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"}\n'
}
{
	start 14:00:00 hr07.corp
	start 14:20:00 FIN02.Corp # host names are case-insensitive
} >"$WORK/starts.jsonl"

"$VIGIL" replay -c "$WORK/vigil.yaml" --db "$WORK/e.db" "$WORK/logons.jsonl" "$WORK/starts.jsonl" \
	>"$WORK/replay.out" 2>"$WORK/replay.err" || fail "vigil replay: $(cat "$WORK/replay.err")"
q() { sqlite3 "$WORK/e.db" "$1"; }

# incident_of RECORD [FILE]: the incident of the 0-based record of logons.jsonl
incident_of() {
	q "select incident_id from record_incidents where \"offset\" = $1
		and topic like '%${2:-logons.jsonl}'"
}
for r in 0 1 2 3 4 5; do
	[ -n "$(incident_of $r)" ] || fail "record $r joined no incident"
done
[ "$(incident_of 0)" != "$(incident_of 1)" ] ||
	fail "IpAddress \"-\" joined failures on ws01 and db07 into one incident"
[ "$(incident_of 2)" != "$(incident_of 3)" ] ||
	fail "127.0.0.1 and ::1 joined failures on app03 and app04 into one incident"
[ "$(incident_of 4)" = "$(incident_of 5)" ] ||
	fail "::ffff:198.51.100.7 and 198.51.100.7 are one address, yet two incidents"
[ -n "$(incident_of 0 starts.jsonl)" ] && [ "$(incident_of 0 starts.jsonl)" = "$(incident_of 1 starts.jsonl)" ] ||
	fail "the dropper's starts on hr07 and fin02 (one SHA-256) are not one incident"
hosts=$(q "select group_concat(value, ' ') from (select value from entities
	where type = 'host' and incident_id = '$(incident_of 0 starts.jsonl)' order by value)")
[ "$hosts" = "fin02.corp hr07.corp" ] || fail "the dropper's hosts: '$hosts' (FIN02.Corp is fin02.corp)"
[ "$(q "select value from entities where type = 'hash'")" = \
	9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 ] ||
	fail "hash entities: $(q "select group_concat(value, ' ') from entities where type = 'hash'")"
[ "$(q "select count(*) from incidents")" -eq 6 ] ||
	fail "$(q "select count(*) from incidents") incidents, want 6"

[ "$(q "select count(*) from entities where type = 'ip'")" -eq 1 ] ||
	fail "ip entities: $(q "select group_concat(value, ' ') from entities where type = 'ip'")"
[ "$(q "select value from entities where type = 'ip'")" = 198.51.100.7 ] ||
	fail "the ip entity is not the canonical 198.51.100.7"
[ "$(q "select count(*) from entities where type = 'user' and value like '-@%'")" -eq 0 ] ||
	fail "the placeholder account \"-\" became a user entity"
[ "$(q "select count(*) from incidents where title like '%from -%'")" -eq 0 ] ||
	fail "titles: $(q "select group_concat(title, ' | ') from incidents")"
title=$(q "select title from incidents where id = '$(incident_of 4)'")
[ "$title" = "Failed network logon from 198.51.100.7 on ws02.corp, spread to web09.corp (+1 alert)" ] ||
	fail "the shared source's incident is titled '$title'"

hops=$(q "select group_concat(source_ip, ' ') from (select source_ip from incident_spread
	where incident_id = '$(incident_of 4)' order by ord)")
[ "$hops" = "198.51.100.7 198.51.100.7" ] || fail "spread path sources: $hops"
[ "$(q "select count(*) from incident_spread where source_ip in ('-', '127.0.0.1', '::1')")" -eq 0 ] ||
	fail "a spread path names a placeholder or loopback source"

"$VIGIL" stix --db "$WORK/e.db" --surfaced >"$WORK/stix.jsonl" 2>"$WORK/stix.err" ||
	fail "vigil stix: $(cat "$WORK/stix.err")"
python3 - "$WORK/stix.jsonl" <<'PY' || fail "STIX bundles: see above"
import json, sys
addresses = []
for line in open(sys.argv[1]):
    for o in json.loads(line)["objects"]:
        if o["type"] in ("ipv4-addr", "ipv6-addr"):
            addresses.append(o["value"])
if addresses != ["198.51.100.7"]:
    sys.exit(f"address observables {addresses}, want ['198.51.100.7']")
PY
# A source named by its DNS name is a domain-name in STIX; a value that is neither
# an address nor a name has no observable and no indicator (STIX allows none).
{
	failure 16:00:00 app05.corp gina scanner.corp
	failure 16:30:00 app06.corp hank 'not an address!'
} >"$WORK/names.jsonl"
"$VIGIL" replay -c "$WORK/vigil.yaml" --db "$WORK/n.db" "$WORK/names.jsonl" \
	>"$WORK/replay.out" 2>"$WORK/replay.err" || fail "vigil replay: $(cat "$WORK/replay.err")"
"$VIGIL" stix --db "$WORK/n.db" --surfaced >"$WORK/names.stix" 2>"$WORK/stix.err" ||
	fail "vigil stix: $(cat "$WORK/stix.err")"
python3 - "$WORK/names.stix" <<'PY' || fail "STIX bundles of named sources: see above"
import json, sys
values, patterns = [], []
for line in open(sys.argv[1]):
    for o in json.loads(line)["objects"]:
        if o["type"] in ("ipv4-addr", "ipv6-addr", "domain-name"):
            values.append((o["type"], o["value"]))
        if o["type"] == "indicator":
            patterns.append(o["pattern"])
if values != [("domain-name", "scanner.corp")]:
    sys.exit(f"observables {values}, want one domain-name scanner.corp")
if patterns != ["[domain-name:value = 'scanner.corp']"]:
    sys.exit(f"indicator patterns {patterns}")
PY

echo "ok: \"-\", 127.0.0.1 and ::1 link nothing; ::ffff:198.51.100.7 is 198.51.100.7;"
echo "  one SHA-256 on two hosts is one incident; a named source is a STIX domain-name"
