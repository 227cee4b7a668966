#!/usr/bin/env bash
# test_eval.sh - `vigil eval aitads` end to end on four small made-up scenarios in
# the AIT-ADS CSV layout (no broker, no ../shared/data): alpha, beta and gamma each
# hold two benign streams (920 false alerts) and a five-alert scan labelled
# service_scan; delta labels two alerts inside its benign Dovecot stream as the
# scan, so no threshold serves it: surfacing that step surfaces 720 false alerts.
# The surfacing threshold of a fold is chosen from the training scenarios' out-of-
# fold windows (models/eval.c, vg_threshold_pick): delta's window is empty and must
# not drag the other folds' threshold down to its step (which surfaced every
# benign stream of the held-out scenario), and every window's low end comes from
# the false alerts each incident holds.
NAME=eval
. "$(dirname "$0")/offline.sh"

data=$WORK/data
mkdir "$data"
scenario() { # NAME K LABELLED-DOVECOT-ROWS SCAN(0|1)
	awk -v k="$2" -v marked="$3" -v scan="$4" 'BEGIN {
		t0 = 1642723347 + k * 1000
		print "time,name,ip,host,short,time_label,event_label"
		for (i = 0; i < 720; i++) {
			lab = (marked != "" && index(" " marked " ", " " i " ")) ? "service_scan" : "-"
			printf "%d,Wazuh: Dovecot Authentication Success.,10.0.0.%d,web,W-Dov-Suc,false_positive,%s\n", t0 + i * 30, k + 1, lab
		}
		for (i = 0; i < 200; i++)
			printf "%d,Wazuh: ClamAV database update,10.0.1.%d,mail,W-Sys-Cav,false_positive,-\n", t0 + i * 97, k + 1
		for (i = 0; scan && i < 5; i++)
			printf "%d,Suricata: ET SCAN Nmap,10.0.2.%d,db,S-Sca-Nma,service_scan,service_scan\n", t0 + 3 * 3600 + i * 2, k + 1
	}' | { read -r h; echo "$h"; sort -t, -k1,1n; } >"$data/$1_alerts.csv"
}
scenario alpha 0 "" 1
scenario beta 1 "" 1
scenario gamma 2 "" 1
scenario delta 5 "100 101" 0

rc=0
"$VIGIL" eval aitads --data "$data" --out "$WORK/out" --scenarios alpha,beta,gamma,delta \
	>"$WORK/eval.txt" 2>"$WORK/err" || rc=$?
[ "$rc" = 3 ] || fail "exit $rc, not 3 (goals not met in every fold): $(cat "$WORK/eval.txt" "$WORK/err")"
grep -q '^all folds: goals met in 3 of 4 folds' "$WORK/eval.txt" ||
	fail "not 3 of 4 folds: $(cat "$WORK/eval.txt")"
for s in alpha beta gamma; do
	grep -A1 "^fold ${s}_alerts.csv " "$WORK/eval.txt" | grep -q 'screened out 100.000% (920 of 920.*steps surfaced 1/1.*goals met$' ||
		fail "fold $s: $(grep -A1 "^fold ${s}_alerts.csv " "$WORK/eval.txt")"
done
grep -A1 '^fold delta_alerts.csv ' "$WORK/eval.txt" | grep -q '(missing: service_scan).*goals NOT met$' ||
	fail "fold delta: $(grep -A1 '^fold delta_alerts.csv ' "$WORK/eval.txt")"
# the windows printed before each fold: delta's empty, every low end bounded by the
# false alerts an incident holds (-inf would mean none were counted)
[ "$(grep -c '^     out-of-fold goal windows (lo, hi]: ' "$WORK/eval.txt")" = 4 ] ||
	fail "not one windows line per fold: $(cat "$WORK/eval.txt")"
[ "$(grep -c 'delta ([0-9.]*, [0-9.]*\] empty' "$WORK/eval.txt")" = 3 ] ||
	fail "delta's window is not empty in the three folds it trains: $(cat "$WORK/eval.txt")"
! grep -q 'inf' "$WORK/eval.txt" || fail "a window without bounds: $(grep inf "$WORK/eval.txt")"
grep -q 'threshold inside the out-of-fold goal windows of 2 of 3 training scenarios' "$WORK/eval.txt" ||
	fail "no fold's threshold inside two of its three windows: $(cat "$WORK/eval.txt")"
echo "PASS: eval (3 of 4 folds; delta's empty window left out of the threshold)"
