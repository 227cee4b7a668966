/*
 * eval.c - model evaluation (average precision), the choice of a surfacing
 * threshold, and score-to-priority bands.
 *
 * vg_pr_auc is the area under the precision-recall curve computed as average
 * precision, AP = sum over thresholds k of (R_k - R_{k-1}) * P_k, the step-wise
 * (non-interpolated) estimate used by scikit-learn's average_precision_score.
 * Tied scores form one threshold: all tied items are admitted together, so the
 * result does not depend on the input order.  NaN scores rank below every number.
 */
#include "models_int.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

struct scored {
	float score;
	bool positive;
};

static int by_score_desc(const void *pa, const void *pb)
{
	const struct scored *a = pa, *b = pb;
	bool na = isnan(a->score), nb = isnan(b->score);
	if (na || nb)
		return (int)na - (int)nb; /* NaN last; NaNs tie with each other */
	return (a->score < b->score) - (a->score > b->score);
}

static bool same_score(float a, float b)
{
	return a == b || (isnan(a) && isnan(b));
}

/*
 * A label counts as positive when > 0.5.  @return AP in [0, 1], or NaN when n is
 * 0, there is no positive label, or memory runs out.  Cost: O(n log n) time and
 * one n-element allocation.
 */
double vg_pr_auc(const float *scores, const float *labels, size_t n)
{
	struct scored *v;
	size_t positives = 0;
	double ap = 0.0, prev_recall = 0.0;

	if (!scores || !labels || n == 0)
		return NAN;
	v = malloc(n * sizeof(*v));
	if (!v)
		return NAN;
	for (size_t i = 0; i < n; i++) {
		v[i].score = scores[i];
		v[i].positive = labels[i] > 0.5f;
		positives += v[i].positive;
	}
	if (positives == 0) {
		free(v);
		return NAN;
	}
	qsort(v, n, sizeof(*v), by_score_desc);

	size_t tp = 0, seen = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && same_score(v[j].score, v[i].score)) {
			tp += v[j].positive;
			j++;
		}
		seen = j;
		double recall = (double)tp / (double)positives;
		double precision = (double)tp / (double)seen;
		ap += (recall - prev_recall) * precision;
		prev_recall = recall;
		i = j;
	}
	free(v);
	return ap;
}

/*
 * bands are ascending cut-offs {b3, b2, b1}: score >= b1 gives priority 1,
 * >= b2 gives 2, >= b3 gives 3, anything lower (or NaN) gives 4.  A score equal
 * to a cut-off takes the higher priority.  bands must not be NULL.
 */
int vg_priority_from_score(double score, const double bands[3])
{
	if (isnan(score))
		return 4;
	if (score >= bands[2])
		return 1;
	if (score >= bands[1])
		return 2;
	if (score >= bands[0])
		return 3;
	return 4;
}

/* ------------------------------------------------ surfacing threshold */

struct wrow {
	float score;
	uint64_t false_alerts;
};

static int wrow_desc(const void *pa, const void *pb)
{
	const struct wrow *a = pa, *b = pb;
	return (a->score < b->score) - (a->score > b->score);
}

/*
 * lo: walking the rows from the highest score down, the score of the first whose
 * false alerts, with those before it, would leave less than min_screened of
 * false_total screened out (a threshold must be above it, which also keeps back
 * the rows tied with it), -INFINITY when none does.  hi: per step (bit s >= 1 of
 * steps[r]) the best score of a row holding it, and their lowest (a threshold
 * must not be above it), INFINITY when no row holds a step.  NaN scores are never
 * surfaced: they are left out of both.
 */
vg_err vg_threshold_window(const float *score, const uint64_t *false_alerts,
                           const uint64_t *steps, size_t rows, uint64_t false_total,
                           double min_screened, struct vg_thr_window *out)
{
	float best[64];
	struct wrow *v = malloc((rows ? rows : 1) * sizeof(*v));
	size_t n = 0;
	if (!v)
		return VG_ERR_NOMEM;
	for (int s = 0; s < 64; s++)
		best[s] = NAN;
	for (size_t r = 0; r < rows; r++) {
		if (isnan(score[r]))
			continue;
		v[n++] = (struct wrow){score[r], false_alerts[r]};
		for (uint64_t m = steps[r] & ~UINT64_C(1); m; m &= m - 1) {
			int s = __builtin_ctzll(m);
			if (isnan(best[s]) || score[r] > best[s])
				best[s] = score[r];
		}
	}
	out->hi = INFINITY;
	out->hi_step = -1;
	for (int s = 1; s < 64; s++)
		if (!isnan(best[s]) && best[s] < out->hi) {
			out->hi = best[s];
			out->hi_step = s;
		}
	qsort(v, n, sizeof(*v), wrow_desc);
	out->lo = -INFINITY;
	uint64_t kept = 0; /* false alerts surfaced by a threshold at v[i].score */
	for (size_t i = 0; i < n; i++) {
		kept += v[i].false_alerts;
		if (false_total &&
		    (double)(false_total - (kept < false_total ? kept : false_total)) <
		        min_screened * (double)false_total) {
			out->lo = v[i].score;
			break;
		}
	}
	out->feasible = out->lo < out->hi;
	free(v);
	return VG_OK;
}

/* The feasible windows holding a threshold just above a: how many, and their
 * common part (L, H] (L = a when a is some window's low), with the windows
 * setting its ends. */
struct region {
	size_t cover, lo_from, hi_from;
	double L, H;
};

static struct region region_above(const struct vg_thr_window *w, size_t n, double a)
{
	struct region r = {0, SIZE_MAX, SIZE_MAX, -INFINITY, INFINITY};
	for (size_t j = 0; j < n; j++) {
		if (!w[j].feasible || w[j].lo > a || w[j].hi <= a)
			continue;
		r.cover++;
		if (w[j].lo > r.L || r.lo_from == SIZE_MAX) {
			r.L = w[j].lo;
			r.lo_from = j;
		}
		if (w[j].hi < r.H || r.hi_from == SIZE_MAX) {
			r.H = w[j].hi;
			r.hi_from = j;
		}
	}
	return r;
}

/* The region's width on a log scale (scores spread over orders of magnitude near
 * the bottom, where the two constraints meet); unbounded below is infinitely
 * wide. */
static double region_width(const struct region *r)
{
	return r->L > 0 ? log(r->H) - log(r->L) : INFINITY;
}

/*
 * How many feasible windows hold a threshold changes only just above a window's
 * low (one more) or high (one fewer), so the most are held just above some low.
 * Among the regions held by the most, the widest wins (the most room on both
 * sides for a scenario not seen: its own window is unknown), then the lowest.
 * The threshold is the geometric middle of the region's ends (L, H], or H when L
 * is not above 0 (nothing to keep away from below).
 */
double vg_threshold_pick(const struct vg_thr_window *w, size_t n, struct vg_thr_pick *why)
{
	struct region best = {0, SIZE_MAX, SIZE_MAX, -INFINITY, INFINITY};
	for (size_t i = 0; i < n; i++) {
		if (!w[i].feasible)
			continue;
		struct region r = region_above(w, n, w[i].lo);
		double wr = region_width(&r), wb = region_width(&best);
		if (r.cover > best.cover ||
		    (r.cover == best.cover && (wr > wb || (wr == wb && r.L < best.L))))
			best = r;
	}
	*why = (struct vg_thr_pick){
	    .covered = best.cover, .lo_from = best.lo_from, .hi_from = best.hi_from};
	if (!best.cover) { /* none feasible: every step of every window surfaced */
		double t = INFINITY;
		for (size_t i = 0; i < n; i++)
			if (w[i].hi < t) {
				t = w[i].hi;
				why->hi_from = i;
			}
		return isfinite(t) ? t : 0.5;
	}
	double H = isfinite(best.H) ? best.H : 1.0; /* no step: scores are at most 1 */
	if (!(best.L > 0)) {
		why->lo_from = SIZE_MAX;
		return H;
	}
	return sqrt(best.L * H);
}
