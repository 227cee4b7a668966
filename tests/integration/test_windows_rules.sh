#!/usr/bin/env bash
# test_windows_rules.sh - SigmaHQ Windows Security rules on recorded attacks.
#
# `vigil detect` runs SigmaHQ rules over evtx-attack-samples-json recordings whose
# file names say what they hold, and each must give the rule's verdict on it:
#  - RottenPotato / JuicyPotato (an ANONYMOUS LOGON, logon type 3, from localhost)
#    hits susp_rottenpotato, and an admin's remote logon hits admin_rdp_login: both
#    name TargetUserName, the account logged on to, which must never be read from
#    the acting user (SubjectUserName) of the same event;
#  - pass_the_hash_2's filter (TargetUserName 'ANONYMOUS LOGON') keeps the
#    anonymous NTLM logon of an RDP tunnel recording out.
# The same rules in an xmltodict-style rendering (EventData as a list of named
# values) must give the same verdicts.
# Skips (77) without ../shared/data.
NAME=winrules
. "$(dirname "$0")/offline.sh"
DATA=${VIGIL_SHARED_DATA:-}
SAMPLES=$DATA/evtx-attack-samples-json
RULES=$DATA/sigma/rules/windows/builtin/security/account_management
if [ -z "$DATA" ] || [ ! -d "$SAMPLES" ] || [ ! -d "$RULES" ]; then
	echo "SKIP: evtx-attack-samples-json or sigma not found (VIGIL_SHARED_DATA)"
	exit 77
fi
need python3

# hits RULE FILE: the rule titles that hit, one per line
hits() {
	"$VIGIL" detect -r "$RULES/$1" "$2" 2>"$WORK/err" |
		python3 -c 'import json, sys
for line in sys.stdin:
    d = json.loads(line)
    if d.get("type") == "hit":
        print(d["title"])' || fail "vigil detect -r $1 '$2': $(cat "$WORK/err")"
}

# expect RULE FILE COUNT
expect() {
	local n
	n=$(hits "$1" "$2" | wc -l)
	[ "$n" -eq "$3" ] || fail "$1 on '$(basename "$2")': $n hits, want $3"
	echo "ok: $1 on '$(basename "$2")': $n"
}

# The same records with EventData as [{"@Name": ..., "#text": ...}] under
# Event.EventData.Data (System fields under Event.System).
as_list() {
	python3 - "$1" >"$2" <<'EOF'
import json, sys
system = {"Provider", "EventID", "Level", "Task", "Opcode", "Keywords",
          "EventRecordID", "Channel", "Computer", "TimeCreated"}
for line in open(sys.argv[1]):
    flat = json.loads(line)
    sysd = {k: v for k, v in flat.items() if k in system}
    sysd["Provider"] = {"@Name": sysd.get("Provider", "")}
    data = [{"@Name": k, "#text": v} for k, v in flat.items()
            if k not in system and v is not None]
    print(json.dumps({"Event": {"System": sysd, "EventData": {"Data": data}}}))
EOF
}

potato="$SAMPLES/Privilege Escalation/4624 LT3 AnonymousLogon Localhost - JuicyPotato.jsonl"
rdp="$SAMPLES/Command and Control/DE_RDP_Tunnel_5156.jsonl"
tunnel="$SAMPLES/Command and Control/DE_RDP_Tunneling_4624.jsonl"
for f in "$potato" "$rdp" "$tunnel"; do
	[ -r "$f" ] || { echo "SKIP: $f not found"; exit 77; }
done

expect win_security_susp_rottenpotato.yml "$potato" 1
expect win_security_admin_rdp_login.yml "$rdp" 1
# the tunnel recording's anonymous NTLM logon matches selection_logon3; the filter
# on the account logged on to must drop it
grep -q '"TargetUserName": "ANONYMOUS LOGON"' "$tunnel" ||
	fail "the tunnel recording no longer holds its ANONYMOUS LOGON"
expect win_security_pass_the_hash_2.yml "$tunnel" 0

for f in "$potato" "$rdp" "$tunnel"; do
	as_list "$f" "$WORK/$(basename "$f")"
done
expect win_security_susp_rottenpotato.yml "$WORK/$(basename "$potato")" 1
expect win_security_admin_rdp_login.yml "$WORK/$(basename "$rdp")" 1
expect win_security_pass_the_hash_2.yml "$WORK/$(basename "$tunnel")" 0
echo "PASS"
