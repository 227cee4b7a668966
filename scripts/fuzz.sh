#!/bin/sh
# Build the libFuzzer targets of tests/fuzz/ with clang (ASan + UBSan) and run each for
# a while, one after another with one worker (the machine is shared).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# SECONDS_PER_TARGET defaults to 30; TARGETs default to every target (syslog json
# auditd aitads decoder_load sigma detect assemble correlate pipeline incident_text
# config).  Build dir: build-fuzz (override with
# FUZZ_BUILD_DIR).  Corpora grow in $FUZZ_BUILD_DIR/corpus/<target>/ and are kept
# between runs; crash reproducers land in $FUZZ_BUILD_DIR/artifacts/.  Prints, per
# target, the executions, the coverage and whether it ran clean; exits 1 when any
# target found a problem.
set -eu
cd "$(dirname "$0")/.."
secs=${1:-30}
[ $# -gt 0 ] && shift
targets=${*:-syslog json auditd aitads decoder_load sigma detect assemble correlate pipeline incident_text config}
bdir=${FUZZ_BUILD_DIR:-build-fuzz}

if [ ! -f "$bdir/build.ninja" ]; then
	CC=clang meson setup "$bdir" -Dfuzz=true -Db_sanitize=address,undefined \
		-Db_lundef=false -Dbuildtype=debugoptimized >/dev/null
fi
for t in $targets; do
	# ninja reports a failed build on stdout: keep it, show it when it fails
	if ! out=$(ninja -C "$bdir" -j2 "tests/fuzz/fuzz_$t" 2>&1); then
		printf '%s\n' "$out" >&2
		echo "fuzz.sh: building fuzz_$t failed (clang's sanitizer runtimes come" \
			"with libclang-rt-14-dev: scripts/bootstrap.sh --with-fuzz)" >&2
		exit 1
	fi
done

# Seeds: a few real records per format (from ../shared/data when present) and the
# shipped decoders.
data=${VIGIL_SHARED_DATA:-../shared/data}
seed() { # target, then lines on stdin
	d="$bdir/corpus/$1"
	mkdir -p "$d"
	i=0
	while IFS= read -r line; do
		i=$((i + 1))
		printf '%s\n' "$line" >"$d/seed-$i"
	done
}
for t in $targets; do
	d="$bdir/corpus/$t"
	[ -d "$d" ] && continue
	case $t in
	syslog) { head -n 20 "$data/loghub/OpenSSH/OpenSSH_2k.log" 2>/dev/null || true
		echo '<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 [x@1 a="b"] msg'
		echo '<13>Feb  5 17:32:18 10.0.0.99 sudo: bob : TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/bin/ls'; } | seed syslog ;;
	json) { find "$data/evtx-attack-samples-json" -name '*.json*' 2>/dev/null | head -n 3 |
		while read -r f; do head -n 3 "$f"; done
		head -n 3 "$data/ait-aecid-alert-aggregation/data/ossec/ossec_insect.json" 2>/dev/null || true
		echo '{"event_type":"alert","src_ip":"1.2.3.4","alert":{"signature":"x","signature_id":1,"severity":2}}'
		echo '{"name":"q","hostIdentifier":"h","action":"added","columns":{"cmdline":"ls"}}'; } | seed json ;;
	auditd) mkdir -p "$d"
		unzip -p "$data/otrf-security-datasets/datasets/atomic/linux/defense_evasion/host/sh_binary_padding_dd.zip" >"$d/seed-group" 2>/dev/null || true
		head -n 20 "$data/ait-llm-log-parsing-audit/data/2k/Audit/Audit_2k.log" 2>/dev/null | seed auditd ;;
	aitads) { xz -dc "$data/ait-alert-data-set/alerts/fox_alerts.csv.xz" 2>/dev/null | head -n 5 || true
		echo '1642213952,"Suricata: a, ""quoted"" name",1.2.3.4,host,S-X,false_positive,-'; } | seed aitads ;;
	decoder_load) mkdir -p "$d"; cp parsers/decoders/*.yaml "$d/" ;;
	detect) # NUL-separated values of Image, CommandLine, ParentImage, ...
		mkdir -p "$d"
		printf 'C:\\Windows\\System32\\cmd.exe\000cmd.exe /c whoami /priv\000C:\\Windows\\explorer.exe' >"$d/seed-1"
		printf 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe\000powershell -nop -w hidden -enc SQBFAFgA\000C:\\Windows\\System32\\wscript.exe\000\000PowerShell.EXE' >"$d/seed-2" ;;
	assemble) # a configuration, then alerts on two hosts sharing an address,
		# an expiry, a drain and a restart
		mkdir -p "$d"
		printf '\037\041\001\101\002\001\001\000\000\002\000\001\102\003\001\001\000\000\003\001\350\370\001\300\001\000\002\000\000\001\000' >"$d/seed-1"
		# the same through a store at the restart
		printf '\037\141\001\101\002\001\001\000\000\002\000\001\102\003\001\001\000\000\003\001\350\370\001\300\001\000\002\000\000\001\000' >"$d/seed-2" ;;
	pipeline) # two partitions: sshd failures, a login and sudo, third-party
		# alerts and beacons on web01, a junk line; three: a port scan's drops,
		# PowerShell, LSASS access, a web shell and failures a few seconds back
		mkdir -p "$d"
		printf '\015\000\200\004\011\003\000\000\012\006\000\000\012\031\101\002\111\020\100\002\011\034\000\000\000' >"$d/seed-1"
		printf '\016\013\300\017\011\013\300\017\011\014\005\001\012\023\005\000\012\027\060\000\013\001\200\005\002' >"$d/seed-2" ;;
	incident_text) # a size limit, then alerts: rule and time step, then
		# host, source, user, target user, process, parent, signature, ...
		mkdir -p "$d"
		printf '\010\002web01\000203.0.113.7\000alice\000\000/bin/sh\000\000Wazuh: "quoted" \\\\ \377\376 name\000\003web01\000\000root\000' >"$d/seed-1" ;;
	correlate) # bounds that evict, then a, b and c from one address on one
		# host a minute apart, an idle partition's advance and a query
		mkdir -p "$d"
		printf '\031\001\000\001\001\001\001\001\002\101\000\002\001\002\001\001\002\101\000\003\001\001\001\001\003\320\200\360\000' >"$d/seed-1" ;;
	config) mkdir -p "$d"; cp engine/vigil.example.yaml "$d/"
		cat >"$d/seed-sections.yaml" <<'EOF'
kafka:
  brokers: localhost:9092
  inputs: [{topic: syslog, format: rfc5424}, {topic: sysmon, format: json}]
  librdkafka: {fetch.min.bytes: 1, debug: consumer}
rules: {paths: [rules/]}
model: {priority_bands: [0.1, 0.4, 0.9], surface_threshold: 0.3}
store: {path: v.db, retention: 30d}
correlation:
  stop_values: {ip: [10.0.0.53, '::ffff:10.0.0.54'], user: [root]}
  host_domains: [corp.example.com, .lab.local]
  incident_gap: 2h
engine: {workers: 2, value_cache: 0}
EOF
		;;
	sigma) mkdir -p "$d"; cp correlate/rules/*.yml "$d/"
		# community rules of every kind: each modifier, condition form and
		# correlation type appears in these (sorted, so the seeds are stable)
		for sub in windows/process_creation linux cloud network web; do
			find "$data/sigma/rules/$sub" -name '*.yml' 2>/dev/null | sort | head -n 40
		done | while read -r f; do cp "$f" "$d/"; done
		# correlation types the shipped rules do not use, with aliases
		cat >"$d/seed-corr.yml" <<'EOF'
title: fail
id: fail
name: fail
logsource: {product: linux, service: sshd}
detection: {sel: {event.outcome: failure}, condition: sel}
---
title: ok
name: ok
logsource: {product: linux, service: sshd}
detection: {sel: {event.outcome: success}, condition: sel}
---
title: seq
name: seq
correlation:
  type: temporal_ordered
  rules: [fail, ok]
  group-by: [src]
  aliases: {src: {fail: source.ip, ok: source.ip}}
  timespan: 5m
---
title: users
correlation: {type: value_count, rules: [fail], group-by: [source.ip], timespan: 1h,
  condition: {field: user.name, gte: 2}}
---
title: silent
correlation: {type: absence, rules: [fail, ok], group-by: [source.ip], timespan: 10m}
---
title: sum
correlation: {type: value_sum, rules: [ok], group-by: [host.name], timespan: 1d,
  condition: {field: source.port, gt: 1000}}
EOF
		;;
	esac
done

mkdir -p "$bdir/artifacts"
status=0
printf '%-14s %8s %12s %10s %s\n' target seconds execs cov result
for t in $targets; do
	log="$bdir/fuzz-$t.log"
	set +e
	"$bdir/tests/fuzz/fuzz_$t" "$bdir/corpus/$t" -max_total_time="$secs" \
		-workers=1 -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$bdir/artifacts/$t-" -print_final_stats=1 >"$log" 2>&1
	rc=$?
	set -e
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -ao 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
	if [ "$rc" -eq 0 ]; then res=clean; else res="FAILED (rc $rc, see $log)"; status=1; fi
	printf '%-14s %8s %12s %10s %s\n' "$t" "$secs" "${execs:-?}" "${cov:-?}" "$res"
done
exit $status
