#!/usr/bin/env bash
# test_stix.sh - `vigil stix`: incidents of a store as STIX 2.1 bundles.
#
# The generated scenario is replayed into a store; the attack incident (the one
# holding 203.0.113.45) is exported and checked with python3's json module against
# STIX 2.1's rules for what it contains: a bundle; ids "<type>--<UUID>", unique,
# observables' the UUIDv5 STIX specifies (three compared with the OASIS stix2
# library's); spec_version, created <= modified (RFC 3339, UTC) on every domain and
# relationship object; every *_ref / *_refs names an object of the bundle; the
# report names every other object; the incident carries the brute force's tactic,
# the attacker's address is an ipv4-addr and an indicator pattern, T1110 an
# attack-pattern with its ATT&CK reference; no list in any incident's bundle is
# empty.  Also: a newer version keeps ids and `created` and has a later `modified`;
# two exports are byte-identical, the non-observable objects of two
# incidents from long DNS names have ids of their own, an IPv6 zone stays out of
# ipv6-addr values and patterns,
# --surfaced gives one bundle per surfaced incident, an unknown id is refused
# (exit 2) while the others are still written (a merged-away id: test_store's
# merge_moves_alerts).  Needs sqlite3, python3.
NAME=stix
. "$(dirname "$0")/offline.sh"
need sqlite3 python3
cd "$WORK"

"$VIGIL" scenario --seed 11 >all.log
"$VIGIL" replay --db s.db all.log >/dev/null || fail "replay"
inc=$(sqlite3 s.db "select incident_id from entities where type = 'ip' and
  value = '203.0.113.45' limit 1")
[ -n "$inc" ] || fail "no incident holds the attacker's address"

"$VIGIL" stix --db s.db "$inc" >one.json || fail "stix $inc"
[ "$(wc -l <one.json)" -eq 1 ] || fail "one incident, $(wc -l <one.json) lines"
"$VIGIL" stix --db s.db "$inc" >again.json
cmp -s one.json again.json || fail "two exports of one incident differ"

# every incident, for the rules every bundle must keep; also third-party alerts
# (AIT-ADS rows: no source address, no ATT&CK tags)
sqlite3 s.db "select id from incidents where merged_into is null" >ids.txt
"$VIGIL" stix --db s.db $(cat ids.txt) >all.json || fail "stix of every incident"
[ "$(wc -l <all.json)" -eq "$(wc -l <ids.txt)" ] || fail "not one bundle per incident"
cat >ait.csv <<'CSV'
time,name,ip,host,short,time_label,event_label
1643069179,Wazuh: ClamAV database update,10.70.33.128,mail,W-Sys-Cav,false_positive,-
1643069189,Wazuh: ClamAV database update,10.70.33.128,mail,W-Sys-Cav,false_positive,-
1643069199,AMiner: New event type,10.70.33.129,share,A-All-Evt,false_positive,-
CSV
"$VIGIL" replay --db ait.db --format aitads ait.csv >/dev/null 2>&1 || fail "replay ait.csv"
"$VIGIL" stix --db ait.db $(sqlite3 ait.db "select id from incidents") >>all.json ||
	fail "stix of third-party alerts"
[ "$(wc -l <all.json)" -eq $(($(wc -l <ids.txt) + 2)) ] || fail "two third-party incidents"

python3 - one.json "$inc" all.json <<'PY' || fail "a bundle breaks a STIX 2.1 rule (above)"
import json, re, sys
errs = []
def check(cond, msg):
    if not cond:
        errs.append(msg)
def no_empty_list(v, where):
    # STIX 2.1: a list property is never empty
    if isinstance(v, list):
        check(len(v) > 0, "%s: empty list" % where)
        for x in v:
            no_empty_list(x, where)
    elif isinstance(v, dict):
        for k, x in v.items():
            no_empty_list(x, where + "." + k)
for n, line in enumerate(open(sys.argv[3]), 1):
    for o in json.loads(line)["objects"]:
        no_empty_list(o, "bundle %d: %s" % (n, o.get("id")))
b = json.loads(open(sys.argv[1]).readline())
inc_id = sys.argv[2]
UUID4 = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
UUID5 = UUID4.replace("-4[", "-5[")
TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
SCO = {"ipv4-addr", "ipv6-addr", "user-account", "file"}
check(b.get("type") == "bundle", "not a bundle")
check(re.fullmatch("bundle--" + UUID4, b.get("id", "")), "bundle id %r" % b.get("id"))
objs = b.get("objects", [])
ids = [o.get("id", "") for o in objs]
check(len(ids) == len(set(ids)), "duplicate ids")
byid = dict(zip(ids, objs))
for o in objs:
    t = o.get("type", "")
    check(re.fullmatch(re.escape(t) + "--" + (UUID5 if t in SCO else UUID4), o.get("id", "")),
          "id %r" % o.get("id"))
    check(o.get("spec_version") == "2.1", "%s: spec_version" % o.get("id"))
    if t not in SCO:
        c, m = o.get("created", ""), o.get("modified", "")
        check(TS.match(c) and TS.match(m) and c <= m, "%s: created/modified %r %r" % (o["id"], c, m))
    for k, v in o.items():
        if k.endswith("_ref"):
            check(v in byid, "%s: %s -> %s not in the bundle" % (o["id"], k, v))
        if k.endswith("_refs"):
            check(len(v) > 0 and all(r in byid for r in v), "%s: %s" % (o["id"], k))
        if k in ("first_observed", "last_observed", "valid_from", "published"):
            check(TS.match(v), "%s: %s %r" % (o["id"], k, v))
    if t in ("incident", "attack-pattern", "indicator", "report"):
        check(o.get("name"), "%s: no name" % o["id"])
kinds = {}
for o in objs:
    kinds.setdefault(o["type"], []).append(o)
check(len(kinds.get("incident", [])) == 1, "one incident object")
check(len(kinds.get("report", [])) == 1 and objs[-1]["type"] == "report", "the report is last")
rep = objs[-1]
check(set(rep.get("object_refs", [])) == set(ids[:-1]), "the report names every other object")
check(rep.get("report_types") == ["threat-report"], "report_types")
i = kinds["incident"][0]
check({"source_name": "vigil", "external_id": inc_id} in i.get("external_references", []),
      "the incident names its Vigil id")
phases = [p["phase_name"] for p in i.get("kill_chain_phases", [])
          if p.get("kill_chain_name") == "mitre-attack"]
check("credential-access" in phases, "kill_chain_phases %r" % phases)
check(i.get("x_vigil_sources") == ["203.0.113.45"], "sources %r" % i.get("x_vigil_sources"))
hosts = [h["host"] for h in i.get("x_vigil_spread_path", [])]
check(len(hosts) >= 3 and hosts[0] == "web01", "spread path %r" % hosts)
check(any(o.get("value") == "203.0.113.45" for o in kinds.get("ipv4-addr", [])),
      "the attacker's address is no ipv4-addr")
check(any(o.get("pattern") == "[ipv4-addr:value = '203.0.113.45']" and
          o.get("pattern_type") == "stix" for o in kinds.get("indicator", [])),
      "no indicator of the attacker's address")
aps = {r["external_id"]: r for o in kinds.get("attack-pattern", [])
       for r in o.get("external_references", []) if r.get("source_name") == "mitre-attack"}
check("T1110" in aps and aps["T1110"].get("url") == "https://attack.mitre.org/techniques/T1110/",
      "T1110 attack-pattern %r" % aps.get("T1110"))
sub = [k for k in aps if "." in k]
check(all(aps[k]["url"].endswith(k.replace(".", "/") + "/") for k in sub), "sub-technique urls")
rels = kinds.get("relationship", [])
check(len(rels) == len(kinds.get("indicator", [])) + len(kinds.get("attack-pattern", [])) and
      all(r["source_ref"] == i["id"] and r["relationship_type"] == "related-to" for r in rels),
      "relationships from the incident to each indicator and attack-pattern")
# observables' ids as the OASIS stix2 library computes them (UUIDv5 of the
# identifying properties): IPv4Address(value=...), UserAccount(account_login=...),
# File(name=...)
for want in ("ipv4-addr--cb9d70c5-d244-531c-9efb-bcae57adc793",
             "user-account--2aa91f9d-83e5-5d87-907c-ec9fdd2ca576",
             "file--e1a544b7-e270-51aa-b035-91e2d720540d"):
    check(want in byid, "no %s (203.0.113.45, deploy, bash)" % want)
check(byid.get("ipv4-addr--cb9d70c5-d244-531c-9efb-bcae57adc793", {}).get("value") ==
      "203.0.113.45", "203.0.113.45's id")
od = kinds.get("observed-data", [])
check(len(od) == 1 and set(od[0]["object_refs"]) ==
      {o["id"] for o in objs if o["type"] in SCO}, "observed-data over every observable")
for e in errs:
    print(e, file=sys.stderr)
sys.exit(1 if errs else 0)
PY

surfaced=$(sqlite3 s.db "select count(*) from incidents where surfaced and merged_into is null")
[ "$surfaced" -ge 1 ] || fail "nothing surfaced"
"$VIGIL" stix --db s.db --surfaced >surfaced.json || fail "stix --surfaced"
[ "$(wc -l <surfaced.json)" -eq "$surfaced" ] || fail "--surfaced: $(wc -l <surfaced.json) bundles for $surfaced incidents"
grep -q "\"external_id\":\"$inc\"" surfaced.json || fail "--surfaced left out the attack"

# Two incidents, each from its own long DNS name (245 characters): the objects of
# one bundle that are not observables (indicator, relationships, ...) have ids of
# their own, in no other bundle.  Their key (incident id, type, the name) was cut
# to 255 bytes and then hashed as nothing, so both bundles had the same indicator
# and relationship ids.
long_name() { # LETTER TLD
	printf '%s.%s.%s.%s.example.%s' "$(printf "%060d" 0 | tr 0 "$1")" \
		"$(printf "%060d" 0 | tr 0 "$1")" "$(printf "%060d" 0 | tr 0 "$1")" \
		"$(printf "%050d" 0 | tr 0 "$1")" "$2"
}
{
	echo "<38>Nov 20 06:06:40 web01 sshd[100]: Accepted password for bob from $(long_name a com) port 22 ssh2"
	echo "<38>Nov 20 09:06:40 db07 sshd[100]: Accepted password for eve from $(long_name x org) port 22 ssh2"
} >long.log
"$VIGIL" replay --db long.db long.log >/dev/null 2>&1 || fail "replay long.log"
"$VIGIL" stix --db long.db $(sqlite3 long.db "select id from incidents where
  merged_into is null order by id") >long.json || fail "stix of long.db"
python3 - long.json <<'PY' || fail "bundles of two incidents share ids (above)"
import json, sys
SCO = {"ipv4-addr", "ipv6-addr", "domain-name", "user-account", "file"}
bundles = [json.loads(l) for l in open(sys.argv[1])]
seen, errs = {}, []
if len(bundles) != 2:
    errs.append("%d bundles for two incidents" % len(bundles))
names = [o["value"] for b in bundles for o in b["objects"] if o["type"] == "domain-name"]
if len(names) != 2 or any(len(v) != 245 for v in names):
    errs.append("domain names %r" % names)
for n, b in enumerate(bundles):
    if not any(o["type"] == "indicator" for o in b["objects"]):
        errs.append("bundle %d: no indicator" % n)
    for o in b["objects"]:
        if o["type"] in SCO:
            continue  # an observable's id is its value's, the same everywhere
        if o["id"] in seen:
            errs.append("%s in bundles %d and %d" % (o["id"], seen[o["id"]], n))
        seen[o["id"]] = n
for e in errs:
    print(e, file=sys.stderr)
sys.exit(1 if errs else 0)
PY

# An IPv6 source with a zone (fe80::1%eth0, as sshd logs a link-local peer): STIX's
# ipv6-addr value is an address or a CIDR block, so the observable and the
# indicator's pattern say fe80::1, and the observable's id is that address's UUIDv5.
for i in 0 1 2 3 4 5 6 7 8 9 10 11; do
	printf '<38>Nov 20 06:00:%02d web05 sshd[9%02d]: Failed password for root from fe80::1%%eth0 port 400%02d ssh2\n' \
		$((i * 2)) "$i" "$i"
done >zone.log
"$VIGIL" replay --db zone.db zone.log >/dev/null 2>&1 || fail "replay zone.log"
"$VIGIL" stix --db zone.db $(sqlite3 zone.db "select id from incidents where
  merged_into is null") >zone.json || fail "stix of zone.db"
python3 - zone.json <<'PY' || fail "an IPv6 zone in STIX (above)"
import json, sys, uuid
objs = [o for l in open(sys.argv[1]) for o in json.loads(l)["objects"]]
want = "ipv6-addr--%s" % uuid.uuid5(uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7"),
                                    '{"value":"fe80::1"}')
v6 = [(o["id"], o["value"]) for o in objs if o["type"] == "ipv6-addr"]
pats = [o["pattern"] for o in objs if o["type"] == "indicator"]
errs = []
if v6 != [(want, "fe80::1")]:
    errs.append("ipv6-addr objects %r, want [(%r, 'fe80::1')]" % (v6, want))
if pats != ["[ipv6-addr:value = 'fe80::1']"]:
    errs.append("indicator patterns %r" % pats)
for e in errs:
    print(e, file=sys.stderr)
sys.exit(1 if errs else 0)
PY

# An observable's id is the UUIDv5 of its identifying property as canonical JSON
# (RFC 8785) of the value the bundle holds: an invalid byte is U+FFFD there (raw
# UTF-8 in canonical JSON, not the text \ufffd), a backspace is \b.
{
	printf '<38>Nov 20 07:00:00 web06 sshd[100]: Accepted password for j\351r from 198.51.100.9 port 22 ssh2\n'
	printf '<38>Nov 20 07:00:05 web06 sshd[101]: Accepted password for a\010b from 198.51.100.9 port 23 ssh2\n'
} >bytes.log
"$VIGIL" replay --db bytes.db bytes.log >/dev/null 2>&1 || fail "replay bytes.log"
"$VIGIL" stix --db bytes.db $(sqlite3 bytes.db "select id from incidents where
  merged_into is null") >bytes.json || fail "stix of bytes.db"
python3 - bytes.json <<'PY' || fail "observable ids of unusual values (above)"
import json, sys, uuid
ns = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")
objs = [o for l in open(sys.argv[1]) for o in json.loads(l)["objects"]]
errs, logins = [], []
for o in objs:
    if o["type"] != "user-account":
        continue
    logins.append(o["account_login"])
    name = json.dumps({"account_login": o["account_login"]}, ensure_ascii=False,
                      separators=(",", ":"))
    want = "user-account--%s" % uuid.uuid5(ns, name)
    if o["id"] != want:
        errs.append("%r: id %s, want %s" % (o["account_login"], o["id"], want))
if sorted(logins) != ["a\bb", "j\ufffdr"]:
    errs.append("user accounts %r" % logins)
for e in errs:
    print(e, file=sys.stderr)
sys.exit(1 if errs else 0)
PY

# A source that is neither an address nor a host name STIX takes (a label over 63
# bytes, a malformed address, an underscore) gives no observable and no indicator;
# a good name beside them still does.
python3 - >odd.jsonl <<'PY'
import json
for i, src in enumerate(["a" * 300 + ".example.com", "999.1.2.3", "bad_name.example.com",
                         "good-name.example.com"]):
    print(json.dumps({"timestamp": "2024-05-01T10:00:%02dZ" % i,
                      "rule": {"level": 12, "id": "5710", "description": "sshd: attempt"},
                      "agent": {"name": "web%02d" % i}, "data": {"srcip": src}}))
PY
"$VIGIL" replay --db odd.db odd.jsonl >/dev/null 2>&1 || fail "replay odd.jsonl"
"$VIGIL" stix --db odd.db $(sqlite3 odd.db "select id from incidents where
  merged_into is null") >odd.json || fail "stix of odd.db"
python3 - odd.json <<'PY' || fail "observables of sources that are no host name (above)"
import json, sys
objs = [o for l in open(sys.argv[1]) for o in json.loads(l)["objects"]]
names = sorted(o["value"] for o in objs if o["type"] == "domain-name")
pats = sorted(o["pattern"] for o in objs if o["type"] == "indicator")
errs = []
if names != ["good-name.example.com"]:
    errs.append("domain-name objects %r" % [n[:40] for n in names])
if pats != ["[domain-name:value = 'good-name.example.com']"]:
    errs.append("indicator patterns %r" % [p[:60] for p in pats])
for e in errs:
    print(e, file=sys.stderr)
sys.exit(1 if errs else 0)
PY

# Versions (STIX 2.1, 3.6): a newer version of an incident keeps every object's id
# and `created` and has a later `modified`, even when it adds an alert earlier than
# every one before (the incident's first alert moves; `created` stays the first
# version's) -- before, `created` moved with it and `modified` stayed, so a
# consumer tracking (id, modified) took the new version for the old one.
cat >v1.jsonl <<'JSON'
{"EventID":10,"Provider_Name":"Microsoft-Windows-Sysmon","Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"ws01","UtcTime":"2026-11-20T10:01:49.000000Z","SourceImage":"C:\\Users\\Public\\svchost.exe","TargetImage":"C:\\Windows\\System32\\lsass.exe","GrantedAccess":"0x1010","User":"CORP\\carol"}
JSON
cat >v2.jsonl <<'JSON'
{"EventID":1,"Provider_Name":"Microsoft-Windows-Sysmon","Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"ws01","UtcTime":"2026-11-20T10:00:00.000000Z","Image":"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe","CommandLine":"powershell.exe -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABp","ParentImage":"C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE","User":"CORP\\carol","ProcessId":"1203"}
JSON
"$VIGIL" replay --db ver.db --format json v1.jsonl >/dev/null 2>&1 || fail "replay v1.jsonl"
vinc=$(sqlite3 ver.db "select id from incidents where merged_into is null")
[ "$(echo "$vinc" | wc -l)" -eq 1 ] || fail "v1.jsonl: incidents $vinc"
"$VIGIL" stix --db ver.db "$vinc" >ver1.json || fail "stix $vinc, version 1"
"$VIGIL" replay --db ver.db --format json v2.jsonl >/dev/null 2>&1 || fail "replay v2.jsonl"
[ "$(sqlite3 ver.db "select count(*) from incidents where merged_into is null")" -eq 1 ] ||
	fail "v2.jsonl did not join $vinc"
[ "$(sqlite3 ver.db "select first_seen from incidents where id = '$vinc'")" = \
	"2026-11-20T10:00:00.000000Z" ] || fail "v2.jsonl did not move $vinc's first alert"
"$VIGIL" stix --db ver.db "$vinc" >ver2.json || fail "stix $vinc, version 2"
python3 - ver1.json ver2.json <<'PY' || fail "a newer version breaks STIX versioning (above)"
import json, sys
old = {o["id"]: o for o in json.load(open(sys.argv[1]))["objects"]}
new = {o["id"]: o for o in json.load(open(sys.argv[2]))["objects"]}
errs = []
for i, o in old.items():
    if "created" not in o:
        continue  # observables: no versions
    n = new.get(i)
    if n is None:
        errs.append("%s: gone from the newer version" % i)
        continue
    if n["created"] != o["created"]:
        errs.append("%s: created %s, was %s" % (i, n["created"], o["created"]))
    if not n["modified"] > o["modified"]:
        errs.append("%s: modified %s, not after %s" % (i, n["modified"], o["modified"]))
inc = [o for o in new.values() if o["type"] == "incident"]
if len(inc) != 1 or inc[0]["created"] != "2026-11-20T10:01:49.000000Z":
    errs.append("incident created %r" % [o.get("created") for o in inc])
for e in errs:
    print(e, file=sys.stderr)
sys.exit(1 if errs else 0)
PY

rc=0
"$VIGIL" stix --db s.db inc-0000000000000000 "$inc" >mixed.json 2>err.txt || rc=$?
[ "$rc" -eq 2 ] || fail "an unknown id: exit $rc"
grep -q "no incident inc-0000000000000000" err.txt || fail "unknown id message: $(cat err.txt)"
cmp -s mixed.json one.json || fail "the known id was not exported after an unknown one"
rc=0
"$VIGIL" stix --db s.db >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "no incident named: exit $rc"
echo "stix: $(wc -c <one.json) bytes for $inc; $surfaced surfaced exported"
