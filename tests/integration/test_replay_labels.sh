#!/usr/bin/env bash
# test_replay_labels.sh - the AIT-ADS label columns never reach scoring.
#
# An excerpt of an AIT-ADS scenario (every attack row and the false alerts around
# them) is replayed twice with the same model: once as it is, once with time_label
# and event_label emptied.  The stored incidents (ids, versions, scores, features,
# surfaced flags) and the record -> incident maps must be identical.  Replayed
# without --format, the file's header makes it AIT-ADS: the same incidents.
# Skips (77) without ../shared/data or without the "aitads" input format.
NAME=labels
. "$(dirname "$0")/offline.sh"
DATA=${VIGIL_SHARED_DATA:-}/ait-alert-data-set/alerts/russellmitchell_alerts.csv.xz
if [ -z "${VIGIL_SHARED_DATA:-}" ] || [ ! -r "$DATA" ]; then
	echo "SKIP: AIT-ADS not found (VIGIL_SHARED_DATA/ait-alert-data-set)"
	exit 77
fi
need sqlite3
cd "$WORK"
if ! "$VIGIL" parse --format aitads /dev/null >/dev/null 2>&1; then
	echo "SKIP: this vigil has no 'aitads' input format"
	exit 77
fi
mkdir labelled blanked
# header, the first 3000 rows, and every 5th row after them (attack and false rows)
xz -dc "$DATA" | awk 'NR <= 3001 || NR % 5 == 0' >labelled/rm.csv
awk -F, 'BEGIN { OFS = "," } NR == 1 { print; next } { $(NF-1) = ""; $NF = ""; print }' \
	labelled/rm.csv >blanked/rm.csv
[ "$(cut -d, -f1-5 labelled/rm.csv | md5sum)" = "$(cut -d, -f1-5 blanked/rm.csv | md5sum)" ] ||
	fail "blanking touched more than the label columns"
grep -q ',dirb$' labelled/rm.csv || fail "the excerpt has no labelled attack row"
! grep -q ',dirb$' blanked/rm.csv || fail "labels survived blanking"

for d in labelled blanked; do
	(cd "$d" && "$VIGIL" replay --format aitads --db r.db rm.csv >out.txt 2>err.txt) ||
		fail "replay $d: $(tail -3 "$d/err.txt")"
	(cd "$d" && "$VIGIL" replay --db r.db --export-map map.tsv 2>/dev/null)
	sqlite3 "$d/r.db" 'select id, version, score, priority, surfaced, alert_count,
	  features, explanation from incidents order by id' >"$d/incidents.txt"
done
# without --format: the header says the file is AIT-ADS (vg_format_of_file)
(cd labelled && "$VIGIL" replay --db auto.db rm.csv >auto.txt 2>auto.err) ||
	fail "replay without --format: $(tail -3 labelled/auto.err)"
sqlite3 labelled/auto.db 'select id, version, score, priority, surfaced, alert_count,
  features, explanation from incidents order by id' | cmp -s - labelled/incidents.txt ||
	fail "replay without --format differs from --format aitads: $(tail -1 labelled/auto.txt)"
[ -s labelled/incidents.txt ] || fail "no incidents"
cmp -s labelled/incidents.txt blanked/incidents.txt || fail "labels changed the incidents or scores"
cmp -s labelled/map.tsv blanked/map.tsv || fail "labels changed the record -> incident map"
echo "ok: $(wc -l <labelled/incidents.txt) incidents identical with the labels blanked"
