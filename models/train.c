/*
 * train.c - train the ranking model with the XGBoost C API and save it.
 *
 * One binary:logistic booster on a dense rows x VG_FEATURE_COUNT matrix, the
 * feature names of schemas/features.yaml stored in the model so that loading a
 * model built for another feature list fails loudly.  Reproducible by
 * construction: the "hist" tree method, no row or column sampling, an explicit
 * seed, and with nthread 1 the same data gives a byte-identical file (the unit
 * tests check this).  The file is written to "<out_path>.tmp" and renamed over
 * out_path, so a reader never sees a half-written model.
 */
#include "models_int.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xgboost/c_api.h>

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

static vg_err check_params(const float *X, const float *y, size_t rows,
                           const struct vg_train_params *p, const char *out_path,
                           char *errstr, size_t errstr_size)
{
	if (!X || !y || !p || !out_path || !*out_path)
		return vg_models_error(VG_ERR_INVALID, errstr, errstr_size,
		                       "train: X, y, params and out_path are required");
	if (rows == 0)
		return vg_models_error(VG_ERR_INVALID, errstr, errstr_size,
		                       "train: no training rows");
	if (p->rounds < 1 || p->rounds > 100000)
		return vg_models_error(VG_ERR_INVALID, errstr, errstr_size,
		                       "train: rounds must be 1..100000, not %d",
		                       p->rounds);
	if (p->max_depth < 1 || p->max_depth > 32)
		return vg_models_error(VG_ERR_INVALID, errstr, errstr_size,
		                       "train: max_depth must be 1..32, not %d",
		                       p->max_depth);
	if (!(p->eta > 0.0 && p->eta <= 1.0))
		return vg_models_error(VG_ERR_INVALID, errstr, errstr_size,
		                       "train: eta must be in (0, 1], not %g", p->eta);
	if (p->nthread < 0)
		return vg_models_error(
		    VG_ERR_INVALID, errstr, errstr_size,
		    "train: nthread must be >= 0 (0 = all cores), not %d", p->nthread);
	for (size_t i = 0; i < rows; i++)
		if (y[i] != 0.0f && y[i] != 1.0f)
			return vg_models_error(
			    VG_ERR_INVALID, errstr, errstr_size,
			    "train: label of row %zu is %g, expected 0 or 1", i,
			    (double)y[i]);
	for (size_t i = 0; p->weight && i < rows; i++)
		if (!(p->weight[i] > 0.0f) || !isfinite(p->weight[i]))
			return vg_models_error(
			    VG_ERR_INVALID, errstr, errstr_size,
			    "train: weight of row %zu is %g, expected > 0", i,
			    (double)p->weight[i]);
	return VG_OK;
}

/* Write data to path atomically (tmp file + fsync + rename). */
static vg_err write_atomic(const char *path, const char *data, size_t len, char *errstr,
                           size_t errstr_size)
{
	struct vg_buf tmp;
	FILE *f = NULL;
	vg_err err = VG_OK;

	vg_buf_init(&tmp);
	vg_buf_printf(&tmp, "%s.tmp", path);
	if (tmp.oom) {
		err = vg_models_error(VG_ERR_NOMEM, errstr, errstr_size,
		                      "%s: out of memory", path);
		goto out;
	}
	f = fopen(tmp.data, "wb");
	if (!f) {
		err = vg_models_error(VG_ERR_IO, errstr, errstr_size, "%s: %s", tmp.data,
		                      strerror(errno));
		goto out;
	}
	if (fwrite(data, 1, len, f) != len || fflush(f) != 0 || fsync(fileno(f)) != 0) {
		err = vg_models_error(VG_ERR_IO, errstr, errstr_size, "%s: %s", tmp.data,
		                      strerror(errno));
		goto out;
	}
	int rc = fclose(f);
	f = NULL;
	if (rc != 0) {
		err = vg_models_error(VG_ERR_IO, errstr, errstr_size, "%s: %s", tmp.data,
		                      strerror(errno));
		goto out;
	}
	if (rename(tmp.data, path) != 0)
		err = vg_models_error(VG_ERR_IO, errstr, errstr_size, "%s: %s", path,
		                      strerror(errno));
out:
	if (f)
		fclose(f);
	if (err && tmp.data)
		unlink(tmp.data);
	vg_buf_free(&tmp);
	return err;
}

/*
 * Contract: X is rows x vg_feature_count() floats, row-major (NaN = missing); y is
 * rows labels, each exactly 0 or 1.  Neither is kept.  VG_ERR_INVALID for bad
 * arguments, VG_ERR_MODEL when XGBoost fails, VG_ERR_IO when the file cannot be
 * written (then out_path is untouched).  Format from the name: ".json" JSON,
 * ".ubj" Universal Binary JSON, anything else XGBoost's legacy binary format.
 * The seed is reduced to 63 bits (XGBoost takes a signed 64-bit seed).
 * Cost: rounds x tree building over the whole matrix; memory about twice X.
 */
vg_err vg_model_train(const float *X, const float *y, size_t rows,
                      const struct vg_train_params *params, const char *out_path,
                      char *errstr, size_t errstr_size)
{
	DMatrixHandle dm = NULL;
	BoosterHandle bst = NULL;
	const char *names[VG_FEATURE_COUNT];
	char seed[32], nthread[16], depth[16], eta[32];
	char mono[3 * VG_FEATURE_COUNT + 3]; /* "(c,c,...)", c in -1/0/1 */
	const char *save_conf;
	bst_ulong len = 0;
	const char *bytes = NULL;
	vg_err err;

	err = check_params(X, y, rows, params, out_path, errstr, errstr_size);
	if (err)
		return err;
	for (size_t i = 0; i < VG_FEATURE_COUNT; i++)
		names[i] = vg_feature_name(i);
	snprintf(seed, sizeof(seed), "%" PRIu64, params->seed & (uint64_t)INT64_MAX);
	snprintf(nthread, sizeof(nthread), "%d", params->nthread);
	snprintf(depth, sizeof(depth), "%d", params->max_depth);
	snprintf(eta, sizeof(eta), "%.17g", params->eta);
	/* The schema's priors (features.yaml `monotone`), in feature order. */
	size_t mlen = 0;
	mono[mlen++] = '(';
	for (size_t i = 0; i < VG_FEATURE_COUNT; i++)
		mlen += (size_t)snprintf(mono + mlen, sizeof(mono) - mlen, "%s%d",
		                         i ? "," : "", vg_feature_monotone(i));
	snprintf(mono + mlen, sizeof(mono) - mlen, ")");
	const char *const settings[][2] = {
	    {"objective", "binary:logistic"},
	    {"eval_metric", "aucpr"},
	    {"tree_method", "hist"},
	    {"seed", seed},
	    {"nthread", nthread},
	    {"max_depth", depth},
	    {"eta", eta},
	    {"monotone_constraints", mono},
	};

	if (XGDMatrixCreateFromMat(X, (bst_ulong)rows, VG_FEATURE_COUNT, NAN, &dm) != 0 ||
	    XGDMatrixSetFloatInfo(dm, "label", y, (bst_ulong)rows) != 0 ||
	    (params->weight &&
	     XGDMatrixSetFloatInfo(dm, "weight", params->weight, (bst_ulong)rows) != 0) ||
	    XGDMatrixSetStrFeatureInfo(dm, "feature_name", names, VG_FEATURE_COUNT) !=
	        0) {
		err = vg_models_xgb_error(errstr, errstr_size, "train: data");
		goto out;
	}
	if (XGBoosterCreate(&dm, 1, &bst) != 0) {
		err = vg_models_xgb_error(errstr, errstr_size, "train");
		goto out;
	}
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		if (XGBoosterSetParam(bst, settings[i][0], settings[i][1]) != 0) {
			err =
			    vg_models_xgb_error(errstr, errstr_size, "train: parameters");
			goto out;
		}
	}
	for (int it = 0; it < params->rounds; it++) {
		if (XGBoosterUpdateOneIter(bst, it, dm) != 0) {
			err = vg_models_xgb_error(errstr, errstr_size, "train: boosting");
			goto out;
		}
	}
	if (vg_log_get_level() >= VG_LOG_DEBUG) {
		const char *eval = NULL, *evname = "train";
		if (XGBoosterEvalOneIter(bst, params->rounds - 1, &dm, &evname, 1,
		                         &eval) == 0)
			vg_log(VG_LOG_DEBUG, "model train: %zu rows, %s", rows, eval);
	}
	/* the learner does not take names from the DMatrix; store them explicitly */
	if (XGBoosterSetStrFeatureInfo(bst, "feature_name", names, VG_FEATURE_COUNT) !=
	    0) {
		err = vg_models_xgb_error(errstr, errstr_size, "train: feature names");
		goto out;
	}
	if (ends_with(out_path, ".json"))
		save_conf = "{\"format\":\"json\"}";
	else if (ends_with(out_path, ".ubj"))
		save_conf = "{\"format\":\"ubj\"}";
	else
		save_conf = "{\"format\":\"deprecated\"}";
	if (XGBoosterSaveModelToBuffer(bst, save_conf, &len, &bytes) != 0) {
		err = vg_models_xgb_error(errstr, errstr_size, "train: save");
		goto out;
	}
	/* bytes belong to the booster and stay valid until the next call on it */
	err = write_atomic(out_path, bytes, (size_t)len, errstr, errstr_size);
out:
	if (bst)
		XGBoosterFree(bst);
	if (dm)
		XGDMatrixFree(dm);
	return err;
}
