/*
 * vg_models.h - L3 ranking: incident features and the XGBoost booster.
 *
 * Features are kept incrementally per incident (correlate/'s struct vg_incident:
 * each alert folded in once) and read as a fixed-order float vector whose names and
 * meanings are documented in schemas/features.yaml.
 * Scoring loads a booster through the XGBoost C API and returns a probability plus
 * per-feature contributions (the explanation).  Training uses the same C API.
 * This module does not know how incidents are stored.
 */
#ifndef VG_MODELS_H
#define VG_MODELS_H

#include "vg_core.h"
#include "vg_correlate.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Number of features; the order is the order of schemas/features.yaml. */
size_t vg_feature_count(void);
/** @return the name of feature i, or NULL when out of range. */
const char *vg_feature_name(size_t i);
/**
 * @return +1 when training constrains the score to never decrease as feature i
 * grows (schemas/features.yaml `monotone: increasing`), 0 when unconstrained or
 * out of range.
 */
int vg_feature_monotone(size_t i);
/** @return the index of the feature called name, or SIZE_MAX when there is none. */
size_t vg_feature_index(const char *name);
/**
 * The running features of one incident (models/features.c): each alert and
 * entity is folded in once, as the incident gains it.  One state follows one
 * incident; the incident may only grow between updates (alerts and entities
 * appended, as the assembler does, merges included).  Not thread-safe.
 */
struct vg_feature_state;
/** @return a new, empty state, or NULL when out of memory. */
struct vg_feature_state *vg_feature_state_new(void);
/** @brief Free a state (a void * to serve as vg_incident.caller_state_free);
 *  NULL is allowed. */
void vg_feature_state_free(void *state);
/**
 * @brief Fold the alerts and entities inc gained since the last update into s
 * and write its features; the result equals vg_features_compute(inc).  A state
 * that visibly does not match inc (fewer alerts or entities than folded, or
 * another alert where the last folded one was) starts over from inc's whole
 * content: a check against slips, not a licence to share states between
 * incidents.  Never reads the clock.
 * @param out  vg_feature_count() floats.
 * @return VG_OK, or VG_ERR_NOMEM (s is then empty and out unwritten).
 */
vg_err vg_features_update(struct vg_feature_state *s, const struct vg_incident *inc,
                          float *out);
/**
 * @brief vg_features_update with the state an open incident carries in
 * inc->caller_state (made on the first call, freed with the incident through
 * caller_state_free): what the pipeline calls for each changed incident.
 * @return VG_OK or VG_ERR_NOMEM.
 */
vg_err vg_features_of_open_incident(struct vg_incident *inc, float *out);
/**
 * @brief The features of an incident from scratch (a fold into an empty state).
 * Neither inc nor out may be NULL.
 * @param out  vg_feature_count() floats.
 * @return VG_OK, or VG_ERR_NOMEM (out unwritten).
 */
vg_err vg_features_compute(const struct vg_incident *inc, float *out);

struct vg_model; /* immutable after load; scoring is serialised internally */

/**
 * @brief Load a model file (XGBoost JSON, UBJSON or binary). errstr gets
 * XGBGetLastError (without stack trace) prefixed by the path.  On success *out is
 * owned by the caller (vg_model_destroy); on failure *out is NULL.
 * @return VG_OK, VG_ERR_IO (unreadable file), VG_ERR_MODEL (not a model, a model
 *         whose feature count/names differ from schemas/features.yaml, one without
 *         trees, or one that does not give one probability a row: objective other
 *         than binary:logistic or reg:logistic, num_class above 1, more than one
 *         target).
 */
vg_err vg_model_load_file(const char *path, struct vg_model **out, char *errstr,
                          size_t errstr_size);
/** @brief Load a model from memory (e.g. an embedded resource); data is only read
 *  during the call.  Errors and ownership as vg_model_load_file. */
vg_err vg_model_load_buffer(const void *data, size_t len, struct vg_model **out,
                            char *errstr, size_t errstr_size);
/** @brief Destroy; NULL is allowed.  No vg_model_score may be in flight. */
void vg_model_destroy(struct vg_model *m);

/**
 * @brief Score one feature vector.  Thread-safe (serialised on the model).
 * @param features vg_feature_count() floats (NaN = missing), only read.
 * @param score    probability in [0,1] that the incident is a real attack.
 * @param contrib  NULL, or vg_feature_count()+1 floats: per-feature contributions
 *                 (log-odds) and the bias last.
 */
vg_err vg_model_score(struct vg_model *m, const float *features, float *score,
                      float *contrib, char *errstr, size_t errstr_size);
/**
 * @brief Score n feature vectors in one call (what a batch of changed incidents
 * costs once instead of n times: see booster.c).  The same results per row as n
 * calls of vg_model_score.  Thread-safe (serialised on the model).
 * @param features n rows of vg_feature_count() floats, row after row.
 * @param scores   n probabilities.
 * @param contrib  NULL, or n rows of vg_feature_count()+1 floats (as
 *                 vg_model_score's), row after row.
 */
vg_err vg_model_score_rows(struct vg_model *m, const float *features, size_t n,
                           float *scores, float *contrib, char *errstr,
                           size_t errstr_size);

struct vg_train_params {
	int rounds;    /* boosting rounds, e.g. 50 */
	int max_depth; /* e.g. 4 */
	double eta;    /* e.g. 0.3 */
	uint64_t seed;
	int nthread; /* 1 for byte-identical models */
	/* NULL, or one instance weight per row (> 0): how much getting that row
	 * wrong costs, e.g. a false incident weighed by the alerts it would show */
	const float *weight;
};

/**
 * @brief Train a binary classifier on rows x vg_feature_count() floats X with
 * labels y (0/1) and save it to out_path (JSON when it ends in ".json").
 * The file is replaced atomically; the feature names are stored in the model.
 * Same data + seed with nthread 1 gives a byte-identical file.
 * @return VG_OK, VG_ERR_INVALID (bad params/labels), VG_ERR_MODEL, VG_ERR_IO.
 */
vg_err vg_model_train(const float *X, const float *y, size_t rows,
                      const struct vg_train_params *params, const char *out_path,
                      char *errstr, size_t errstr_size);

/**
 * @brief Area under the precision-recall curve of scores against labels, as
 * average precision (step-wise, no interpolation).  Labels > 0.5 are positive.
 * Tied scores form one threshold (admitted together: order-independent); NaN
 * scores rank lowest.  @return AP in [0,1], or NaN when n is 0, no label is
 * positive, or memory runs out.
 */
double vg_pr_auc(const float *scores, const float *labels, size_t n);

/**
 * @brief One scenario's scored incidents seen from the surfacing threshold: an
 * incident is surfaced when its score is >= t, and the scenario meets the goals a
 * threshold decides when t is in (lo, hi].
 */
struct vg_thr_window {
	double lo;     /* above it, at least min_screened of the false alerts are kept out
	                  (-INFINITY: at any threshold) */
	double hi;     /* at most it, every step an incident holds is surfaced (the lowest
	                  of the steps' best scores; INFINITY: no step) */
	int hi_step;   /* the step setting hi (its bit in steps[]), -1 none */
	bool feasible; /* lo < hi */
};

/**
 * @brief The window of rows[0..rows): per incident its score, the false alerts it
 * holds, and its steps as bits (bit s >= 1; bit 0 is ignored); false_total counts
 * every false alert of the scenario (those in no incident are always screened
 * out); min_screened is a share (0.995).  A step held by no incident bounds
 * nothing.  @return VG_OK or VG_ERR_NOMEM.
 */
vg_err vg_threshold_window(const float *score, const uint64_t *false_alerts,
                           const uint64_t *steps, size_t rows, uint64_t false_total,
                           double min_screened, struct vg_thr_window *out);

/** @brief What set vg_threshold_pick's threshold. */
struct vg_thr_pick {
	size_t covered; /* feasible windows holding it (0: none was feasible) */
	size_t lo_from; /* the window whose lo is L, SIZE_MAX none */
	size_t hi_from; /* the window whose hi is H, SIZE_MAX none */
};

/**
 * @brief A surfacing threshold from the windows w[0..n) of scenarios other than
 * the one it will be used on: inside as many feasible windows as possible (the
 * widest such region on a log scale when several tie, then the lowest), the
 * geometric middle of that region's ends (L, H] -- or H when L is not above 0.
 * When no window is feasible, the lowest hi: every step of every scenario
 * surfaced, screening aside (0.5 when no window has a step).
 */
double vg_threshold_pick(const struct vg_thr_window *w, size_t n,
                         struct vg_thr_pick *why);

/**
 * @brief Map a score to a priority 1 (highest) .. 4 using ascending band cut-offs
 * {b3, b2, b1}: score >= b1 -> 1, >= b2 -> 2, >= b3 -> 3, else (or NaN) 4.
 * A score equal to a cut-off takes the higher priority.  bands must not be NULL.
 */
int vg_priority_from_score(double score, const double bands[3]);

#ifdef __cplusplus
}
#endif
#endif /* VG_MODELS_H */
