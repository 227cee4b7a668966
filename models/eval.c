/*
 * eval.c - model evaluation (average precision) and score-to-priority bands.
 *
 * vg_pr_auc is the area under the precision-recall curve computed as average
 * precision, AP = sum over thresholds k of (R_k - R_{k-1}) * P_k, the step-wise
 * (non-interpolated) estimate used by scikit-learn's average_precision_score.
 * Tied scores form one threshold: all tied items are admitted together, so the
 * result does not depend on the input order.  NaN scores rank below every number.
 */
#include "models_int.h"

#include <math.h>
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
