/*
 * models_int.h - private declarations shared by the models/ sources and its tests.
 *
 * Not a contract for other folders: names here may change with models/.
 */
#ifndef VG_MODELS_INT_H
#define VG_MODELS_INT_H

#include "vg_models.h"

#include <stdarg.h>

/* Number of features; vg_feature_count() returns it.  Kept in step with the name
 * table in features.c (a static assertion there) and schemas/features.yaml (a unit
 * test). */
#define VG_FEATURE_COUNT 35

/* Distinct-value features (hosts, users, rules, ...) saturate at this count, which
 * bounds each of an incident's sets (1,024 slots of 8 bytes at most). */
#define VG_FEATURE_DISTINCT_MAX 768

/**
 * @brief Write "what: <XGBGetLastError() text>" into errstr, with XGBoost's
 * timestamp prefix and stack trace removed and newlines folded to spaces.
 * errstr may be NULL or errstr_size 0.  Call right after the failing XGBoost call,
 * on the same thread (the message is thread-local).  @return VG_ERR_MODEL.
 */
vg_err vg_models_xgb_error(char *errstr, size_t errstr_size, const char *what);

/** @brief printf into errstr (NULL / size 0 allowed).  @return err. */
vg_err vg_models_error(vg_err err, char *errstr, size_t errstr_size, const char *fmt, ...)
    VG_PRINTF(4, 5);

#endif /* VG_MODELS_INT_H */
