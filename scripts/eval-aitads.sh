#!/usr/bin/env bash
# eval-aitads.sh - the whole AIT-ADS evaluation in one command (docs/EVALUATION.md).
#
#   scripts/eval-aitads.sh [BUILD_DIR] [OUT_DIR] [-- extra `vigil eval aitads` options]
#
# Runs `vigil eval aitads` (leave-one-scenario-out over the six scenarios in
# ../shared/data/ait-alert-data-set), keeps its output in OUT_DIR/eval.txt with
# the wall time and peak memory, and draws docs/aitads-funnel.png and
# docs/aitads-pr.png from OUT_DIR/folds.tsv and OUT_DIR/pr-*.tsv with gnuplot
# (`scripts/bootstrap.sh --with-charts` installs it; without it the charts are
# skipped with a message).  Exit status: that of `vigil eval` (3: goals not met).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
OUT=${2:-$ROOT/eval-aitads}
shift $(($# >= 2 ? 2 : $#))
[ "${1:-}" = "--" ] && shift
VIGIL=$BUILD/vigil
DATA=${VIGIL_SHARED_DATA:-$ROOT/../shared/data}/ait-alert-data-set/alerts
# the figures must come from the code as it is: bring the binary up to date first
# (a build dir left at another commit would print that commit's figures)
if [ -f "$BUILD/build.ninja" ]; then
	ninja -C "$BUILD" vigil >/dev/null || { echo "eval-aitads: build failed in $BUILD" >&2; exit 2; }
fi
[ -x "$VIGIL" ] || { echo "eval-aitads: no $VIGIL (build first: meson setup build && ninja -C build)" >&2; exit 2; }
[ -d "$DATA" ] || { echo "eval-aitads: no AIT-ADS at $DATA" >&2; exit 2; }
command -v xz >/dev/null || { echo "eval-aitads: xz is needed" >&2; exit 2; }
mkdir -p "$OUT"

commit=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)
echo "# vigil eval aitads on $(nproc) cores, $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $commit" | tee "$OUT/eval.txt"
rc=0
/usr/bin/time -f 'wall %e s, user %U s, sys %S s, peak RSS %M KiB' -o "$OUT/time.txt" \
	"$VIGIL" eval aitads --data "$DATA" --out "$OUT" "$@" 2> >(grep -v 'dead letter' >&2) |
	tee -a "$OUT/eval.txt" || rc=${PIPESTATUS[0]}
cat "$OUT/time.txt" | tee -a "$OUT/eval.txt"

if ! command -v gnuplot >/dev/null; then
	echo "eval-aitads: gnuplot not installed (scripts/bootstrap.sh --with-charts): no charts"
	exit "$rc"
fi
DOCS=$ROOT/docs
mkdir -p "$DOCS"
# Funnel: per held-out scenario, alerts -> Vigil alerts -> incidents -> surfaced
# incidents, and the alerts inside surfaced incidents (log scale).
gnuplot <<GP
set terminal pngcairo size 1000,520 font ",10" noenhanced
set output "$DOCS/aitads-funnel.png"
set title "AIT-ADS, leave-one-scenario-out: the funnel per held-out scenario"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set logscale y
set yrange [1:*]
set ylabel "count (log scale)"
set key outside right top
set xtics rotate by -20
set datafile separator "\t"
plot "$OUT/folds.tsv" every ::1 using 2:xtic(1) title "alerts in", \
     "" every ::1 using 3 title "Vigil alerts", \
     "" every ::1 using 4 title "incidents", \
     "" every ::1 using 5 title "surfaced incidents", \
     "" every ::1 using 6 title "alerts in surfaced incidents", \
     "" every ::1 using (\$7-\$7*\$8/100.0+1) title "false alerts surfaced (+1)"
GP
# Precision-recall of the incidents of each held-out scenario.
plots=""
for f in "$OUT"/pr-*.tsv; do
	name=$(basename "$f" .tsv)
	name=${name#pr-}
	name=${name%_alerts.csv}
	plots="$plots${plots:+, }\"$f\" using 2:3 with steps title \"$name\""
done
gnuplot <<GP
set terminal pngcairo size 800,560 font ",10" noenhanced
set output "$DOCS/aitads-pr.png"
set title "AIT-ADS: precision-recall of incidents, each scenario held out"
set xlabel "recall (attack incidents)"
set ylabel "precision"
set xrange [0:1]
set yrange [0:1.02]
set key bottom left
set datafile separator "\t"
plot $plots
GP
echo "charts: $DOCS/aitads-funnel.png $DOCS/aitads-pr.png"
exit "$rc"
