/*
 * fuzz_loader.h - the contract every loader target checks (Sigma rules, decoders,
 * the engine's configuration): VG_OK with what was loaded, or VG_ERR_CONFIG with
 * at least one error and nothing loaded; out-of-memory aside, nothing else.
 */
#ifndef VG_FUZZ_LOADER_H
#define VG_FUZZ_LOADER_H

#include "vg_core.h"

#include <stdbool.h>
#include <stdlib.h>

/* Abort unless (err, loaded, diag) keep the contract above. */
static void fz_loader_contract(vg_err err, bool loaded, const struct vg_diag *diag)
{
	if (err == VG_OK && !loaded)
		abort();
	if (err == VG_ERR_CONFIG && (diag->errors == 0 || loaded))
		abort();
	if (err != VG_OK && err != VG_ERR_CONFIG && err != VG_ERR_NOMEM)
		abort();
}

#endif
