/*
 * booster.c - load an XGBoost model and score incident feature vectors with it.
 *
 * A model is accepted at load only if its scores are what the engine reads them
 * as: one probability in [0,1] a row (objective binary:logistic or reg:logistic,
 * one class, one target; check_objective) computed from this build's feature
 * vector (check_features).  A wrong model fails at start-up, naming the file.
 *
 * A struct vg_model owns one BoosterHandle.  XGBoost does not promise that
 * concurrent prediction on one booster is safe (predictions go through per-booster
 * caches and "last result" buffers), so every call on the handle after loading is
 * serialised by the model's mutex; the result buffers XGBoost returns are copied
 * out before the mutex is released.
 *
 * The probability comes from in-place prediction on the dense row
 * (XGBoosterPredictFromDense, no DMatrix).  In XGBoost 1.7.4 in-place prediction
 * rejects type 2 ("Unsupported prediction type:2", checked on this machine; see
 * dmlc/xgboost#6304), so the contributions go through a one-row DMatrix and
 * XGBoosterPredictFromDMatrix; that costs one small allocation inside XGBoost and
 * is only paid when the caller asks for an explanation.
 *
 * Every XGBoost failure is translated once, here or in train.c, through
 * vg_models_xgb_error (XGBGetLastError without the timestamp and stack trace).
 */
#include "models_int.h"
#include "vg_parsers.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xgboost/c_api.h>

struct vg_model {
	BoosterHandle bst;    /* owned; used only with lock held after load */
	pthread_mutex_t lock; /* serialises scoring */
};

/* ------------------------------------------------------------------ errors */

vg_err vg_models_error(vg_err err, char *errstr, size_t errstr_size, const char *fmt, ...)
{
	if (errstr && errstr_size) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(errstr, errstr_size, fmt, ap);
		va_end(ap);
	}
	return err;
}

vg_err vg_models_xgb_error(char *errstr, size_t errstr_size, const char *what)
{
	const char *msg = XGBGetLastError();
	char clean[1024];
	size_t n = 0;

	if (!msg || !*msg)
		msg = "unknown XGBoost error";
	/* drop the "[hh:mm:ss] " prefix */
	if (msg[0] == '[') {
		const char *close = strstr(msg, "] ");
		if (close && close - msg <= 16)
			msg = close + 2;
	}
	/* keep everything up to the stack trace, folding whitespace runs to one space */
	const char *end = strstr(msg, "Stack trace:");
	if (!end)
		end = msg + strlen(msg);
	bool space = false;
	for (const char *p = msg; p < end && n + 1 < sizeof(clean); p++) {
		if (*p == '\n' || *p == '\r' || *p == '\t' || *p == ' ') {
			space = n > 0;
			continue;
		}
		if (space && n + 2 < sizeof(clean))
			clean[n++] = ' ';
		space = false;
		clean[n++] = *p;
	}
	clean[n] = '\0';
	return vg_models_error(VG_ERR_MODEL, errstr, errstr_size, "%s: %s", what, clean);
}

/* -------------------------------------------------------------------- load */

/* Refuse a model that does not read this build's feature vector. */
static vg_err check_features(BoosterHandle bst, const char *what, char *errstr,
                             size_t errstr_size)
{
	bst_ulong nfeat = 0, nnames = 0;
	const char **names = NULL;
	int rounds = 0;

	if (XGBoosterGetNumFeature(bst, &nfeat) != 0)
		return vg_models_xgb_error(errstr, errstr_size, what);
	if (nfeat != VG_FEATURE_COUNT)
		return vg_models_error(VG_ERR_MODEL, errstr, errstr_size,
		                       "%s: model reads %" PRIu64 " features, this build "
		                       "computes %d (schemas/features.yaml): retrain it",
		                       what, (uint64_t)nfeat, VG_FEATURE_COUNT);
	if (XGBoosterGetStrFeatureInfo(bst, "feature_name", &nnames, &names) != 0)
		return vg_models_xgb_error(errstr, errstr_size, what);
	/* models saved without names (e.g. by other tools) are accepted on count */
	for (bst_ulong i = 0; i < nnames; i++) {
		const char *want = vg_feature_name(i);
		if (i >= VG_FEATURE_COUNT || !names[i] || strcmp(names[i], want) != 0)
			return vg_models_error(
			    VG_ERR_MODEL, errstr, errstr_size,
			    "%s: model feature %" PRIu64 " is '%s', this "
			    "build computes '%s' there: retrain it",
			    what, (uint64_t)i, names[i] ? names[i] : "",
			    want ? want : "(none)");
	}
	if (XGBoosterBoostedRounds(bst, &rounds) != 0)
		return vg_models_xgb_error(errstr, errstr_size, what);
	if (rounds <= 0)
		return vg_models_error(VG_ERR_MODEL, errstr, errstr_size,
		                       "%s: model has no trees", what);
	return VG_OK;
}

/* What check_objective reads of the learner configuration. */
struct learner_conf {
	const char *objective; /* learner.objective.name; NULL when absent */
	size_t objective_len;
	long num_class;  /* learner_model_param.num_class; 0 when absent */
	long num_target; /* learner_model_param.num_target (XGBoost >= 1.6); 1 absent */
	bool unreadable; /* a count that is not a small decimal number */
};

static bool path_is(const char *path, size_t len, const char *want)
{
	return len == strlen(want) && memcmp(path, want, len) == 0;
}

/* XGBoost writes its parameters as strings of digits ("2"). */
static bool read_count(const char *val, size_t len, long *out)
{
	long n = 0;
	if (len == 0 || len > 6)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (val[i] < '0' || val[i] > '9')
			return false;
		n = n * 10 + (val[i] - '0');
	}
	*out = n;
	return true;
}

static vg_err learner_conf_leaf(void *ud, const char *path, size_t path_len,
                                bool path_stable, const char *val, size_t val_len,
                                enum vg_value_kind kind)
{
	struct learner_conf *c = ud;
	long *count;

	if (path_is(path, path_len, "learner.objective.name")) {
		c->objective = val;
		c->objective_len = val_len;
		return VG_OK;
	}
	if (path_is(path, path_len, "learner.learner_model_param.num_class"))
		count = &c->num_class;
	else if (path_is(path, path_len, "learner.learner_model_param.num_target"))
		count = &c->num_target;
	else
		return VG_OK;
	if (!read_count(val, val_len, count))
		c->unreadable = true;
	return VG_OK;
}

/*
 * Refuse a model whose prediction is not one probability a row: scores are read as
 * the probability that an incident is real (priority bands, the surfacing
 * threshold, log-odds contributions).  binary:logistic and reg:logistic are the
 * same sigmoid of the same margin; anything else gives raw margins (logitraw),
 * counts or values (count:*, reg:*), labels (binary:hinge, multi:softmax) or a
 * probability per class (multi:softprob), and more classes or targets give more
 * outputs a row.  XGBoost has no getter for these: they are read from its learner
 * configuration.
 */
static vg_err check_objective(BoosterHandle bst, const char *what, char *errstr,
                              size_t errstr_size)
{
	struct learner_conf conf = {.num_class = 0, .num_target = 1};
	struct vg_arena *arena = NULL;
	const char *json = NULL, *reason = NULL;
	bst_ulong len = 0;
	vg_err err;

	if (XGBoosterSaveJsonConfig(bst, &len, &json) != 0)
		return vg_models_xgb_error(errstr, errstr_size, what);
	arena = vg_arena_new(4096);
	if (!arena)
		return vg_models_error(VG_ERR_NOMEM, errstr, errstr_size,
		                       "%s: out of memory", what);
	err = vg_json_walk(json, (size_t)len, arena, learner_conf_leaf, &conf, &reason);
	if (err == VG_ERR_NOMEM) {
		err =
		    vg_models_error(err, errstr, errstr_size, "%s: out of memory", what);
		goto out;
	}
	if (err || conf.unreadable || !conf.objective) {
		if (!err)
			reason = conf.objective ? "num_class or num_target is not a count"
			                        : "no objective name";
		err = vg_models_error(VG_ERR_MODEL, errstr, errstr_size,
		                      "%s: unreadable learner configuration: %s", what,
		                      reason);
		goto out;
	}
	bool logistic = path_is(conf.objective, conf.objective_len, "binary:logistic") ||
	                path_is(conf.objective, conf.objective_len, "reg:logistic");
	if (!logistic || conf.num_class > 1 || conf.num_target != 1) {
		char outputs[32] = "";
		if (conf.num_class > 1)
			snprintf(outputs, sizeof(outputs), " (%ld classes)",
			         conf.num_class);
		else if (conf.num_target != 1)
			snprintf(outputs, sizeof(outputs), " (%ld targets)",
			         conf.num_target);
		err = vg_models_error(VG_ERR_MODEL, errstr, errstr_size,
		                      "%s: model objective '%.*s'%s is not a binary "
		                      "classifier's probability: train with objective "
		                      "binary:logistic",
		                      what, (int)conf.objective_len, conf.objective,
		                      outputs);
	}
out:
	vg_arena_destroy(arena);
	return err;
}

/* Load from memory; `what` names the source in messages. */
static vg_err load(const void *data, size_t len, const char *what, struct vg_model **out,
                   char *errstr, size_t errstr_size)
{
	struct vg_model *m = NULL;
	BoosterHandle bst = NULL;
	vg_err err;

	if (len == 0) {
		err = vg_models_error(VG_ERR_MODEL, errstr, errstr_size,
		                      "%s: empty model", what);
		goto fail;
	}
	if (XGBoosterCreate(NULL, 0, &bst) != 0) {
		err = vg_models_xgb_error(errstr, errstr_size, what);
		goto fail;
	}
	if (XGBoosterLoadModelFromBuffer(bst, data, (bst_ulong)len) != 0) {
		err = vg_models_xgb_error(errstr, errstr_size, what);
		goto fail;
	}
	err = check_features(bst, what, errstr, errstr_size);
	if (!err)
		err = check_objective(bst, what, errstr, errstr_size);
	if (err)
		goto fail;
	/* one row per call: extra threads would only add start-up cost */
	if (XGBoosterSetParam(bst, "nthread", "1") != 0) {
		err = vg_models_xgb_error(errstr, errstr_size, what);
		goto fail;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		err = vg_models_error(VG_ERR_NOMEM, errstr, errstr_size,
		                      "%s: out of memory", what);
		goto fail;
	}
	if (pthread_mutex_init(&m->lock, NULL) != 0) {
		free(m);
		m = NULL;
		err = vg_models_error(VG_ERR_NOMEM, errstr, errstr_size,
		                      "%s: cannot create mutex", what);
		goto fail;
	}
	m->bst = bst;
	*out = m;
	return VG_OK;
fail:
	if (bst)
		XGBoosterFree(bst);
	*out = NULL;
	return err;
}

/*
 * Ownership: on success *out is a new model the caller frees with
 * vg_model_destroy; on failure *out is NULL and errstr says why.  Reads the whole
 * file into memory once (models are small).  VG_ERR_IO when the file cannot be
 * read, VG_ERR_MODEL when it is not a usable model for this build.
 */
vg_err vg_model_load_file(const char *path, struct vg_model **out, char *errstr,
                          size_t errstr_size)
{
	struct vg_buf buf;
	FILE *f = NULL;
	vg_err err = VG_OK;

	vg_buf_init(&buf);
	if (!out)
		return vg_models_error(VG_ERR_INVALID, errstr, errstr_size,
		                       "no output model");
	*out = NULL;
	if (!path)
		return vg_models_error(VG_ERR_INVALID, errstr, errstr_size,
		                       "no model path");
	f = fopen(path, "rb");
	if (!f) {
		err = vg_models_error(VG_ERR_IO, errstr, errstr_size, "%s: %s", path,
		                      strerror(errno));
		goto out;
	}
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		vg_buf_append(&buf, chunk, n);
	if (ferror(f)) {
		err = vg_models_error(VG_ERR_IO, errstr, errstr_size, "%s: read error",
		                      path);
		goto out;
	}
	if (buf.oom) {
		err = vg_models_error(VG_ERR_NOMEM, errstr, errstr_size,
		                      "%s: out of memory", path);
		goto out;
	}
	err = load(buf.data, buf.len, path, out, errstr, errstr_size);
out:
	if (f)
		fclose(f);
	vg_buf_free(&buf);
	return err;
}

/*
 * The buffer is only read during the call (XGBoost keeps its own copy of the
 * model); ownership of *out as for vg_model_load_file.
 */
vg_err vg_model_load_buffer(const void *data, size_t len, struct vg_model **out,
                            char *errstr, size_t errstr_size)
{
	if (!out)
		return vg_models_error(VG_ERR_INVALID, errstr, errstr_size,
		                       "no output model");
	*out = NULL;
	if (!data && len)
		return vg_models_error(VG_ERR_INVALID, errstr, errstr_size,
		                       "no model data");
	return load(data, len, "model buffer", out, errstr, errstr_size);
}

/* NULL is allowed.  The caller guarantees no scoring call is in flight. */
void vg_model_destroy(struct vg_model *m)
{
	if (!m)
		return;
	XGBoosterFree(m->bst);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

/* ------------------------------------------------------------------- score */

static const char predict_prob_conf[] =
    "{\"type\":0,\"training\":false,\"iteration_begin\":0,\"iteration_end\":0,"
    "\"strict_shape\":false,\"missing\":NaN,\"cache_id\":0}";
static const char predict_contrib_conf[] =
    "{\"type\":2,\"training\":false,\"iteration_begin\":0,\"iteration_end\":0,"
    "\"strict_shape\":false}";

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define F4_TYPESTR ">f4"
#else
#define F4_TYPESTR "<f4"
#endif

static size_t shape_total(const bst_ulong *shape, bst_ulong dim)
{
	size_t total = 1;
	for (bst_ulong i = 0; i < dim; i++)
		total *= (size_t)shape[i];
	return total;
}

/*
 * Thread-safe (serialised on the model's mutex).  Cost: one tree walk per tree and
 * row for the scores; with contrib, one extra n-row DMatrix and a TreeSHAP pass per
 * row.  Each call pays a fixed cost that rows share: XGBoost builds a parameter
 * context for the DMatrix (which reads the cgroup CPU quota files: two opens) and
 * enters its thread pool.  Scoring one incident at a time, that fixed cost was most
 * of vg_model_score's time in `vigil replay` (perf: 4.9% of the run reading the
 * quota files alone), hence rows.  A row's results do not depend on the other rows.
 * NaN features are treated as missing.  On failure scores and contrib are left
 * unspecified and errstr says why.
 */
vg_err vg_model_score_rows(struct vg_model *m, const float *features, size_t n,
                           float *scores, float *contrib, char *errstr,
                           size_t errstr_size)
{
	char array_if[160];
	const bst_ulong *shape = NULL;
	bst_ulong dim = 0;
	const float *res = NULL;
	DMatrixHandle dm = NULL;
	vg_err err = VG_OK;

	if (!m || !features || !scores)
		return vg_models_error(VG_ERR_INVALID, errstr, errstr_size,
		                       "score: model, features and scores are required");
	if (!n)
		return VG_OK;
	/* __array_interface__ of n rows of VG_FEATURE_COUNT floats, borrowed */
	snprintf(array_if, sizeof(array_if),
	         "{\"data\":[%" PRIuPTR
	         ",true],\"shape\":[%zu,%d],\"typestr\":\"" F4_TYPESTR
	         "\",\"version\":3}",
	         (uintptr_t)features, n, VG_FEATURE_COUNT);

	pthread_mutex_lock(&m->lock);
	if (XGBoosterPredictFromDense(m->bst, array_if, predict_prob_conf, NULL, &shape,
	                              &dim, &res) != 0) {
		err = vg_models_xgb_error(errstr, errstr_size, "score");
		goto out;
	}
	if (shape_total(shape, dim) != n) {
		err =
		    vg_models_error(VG_ERR_MODEL, errstr, errstr_size,
		                    "score: model returned %zu values for %zu rows (not "
		                    "a binary classifier?)",
		                    shape_total(shape, dim), n);
		goto out;
	}
	memcpy(scores, res, n * sizeof(float));
	if (!contrib)
		goto out;

	if (XGDMatrixCreateFromMat(features, (bst_ulong)n, VG_FEATURE_COUNT, NAN, &dm) !=
	    0) {
		err = vg_models_xgb_error(errstr, errstr_size, "contributions");
		goto out;
	}
	if (XGBoosterPredictFromDMatrix(m->bst, dm, predict_contrib_conf, &shape, &dim,
	                                &res) != 0) {
		err = vg_models_xgb_error(errstr, errstr_size, "contributions");
		goto out;
	}
	if (shape_total(shape, dim) != n * (VG_FEATURE_COUNT + 1)) {
		err = vg_models_error(
		    VG_ERR_MODEL, errstr, errstr_size,
		    "contributions: model returned %zu values for %zu rows, expected %d "
		    "per row",
		    shape_total(shape, dim), n, VG_FEATURE_COUNT + 1);
		goto out;
	}
	memcpy(contrib, res, n * (VG_FEATURE_COUNT + 1) * sizeof(float));
out:
	if (dm)
		XGDMatrixFree(dm);
	pthread_mutex_unlock(&m->lock);
	return err;
}

vg_err vg_model_score(struct vg_model *m, const float *features, float *score,
                      float *contrib, char *errstr, size_t errstr_size)
{
	return vg_model_score_rows(m, features, 1, score, contrib, errstr, errstr_size);
}
