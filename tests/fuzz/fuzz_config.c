/* libFuzzer target: the engine's configuration loader (engine/config.c) on an
 * arbitrary YAML text -- what an operator writes, with its typos.  The contract:
 * VG_OK with a config, or VG_ERR_CONFIG with at least one file:line:col error and
 * no config; never a crash, a leak or a hang.  A config that loads is described
 * back (vg_config_describe is static text) and destroyed. */
#include "fuzz_loader.h"
#include "vg_engine.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vg_log_set_level(VG_LOG_ERROR);
	struct vg_config *cfg = NULL;
	struct vg_diag diag;
	vg_diag_init(&diag);
	vg_err err =
	    vg_config_load_string("fuzz.yaml", (const char *)data, size, &cfg, &diag);
	fz_loader_contract(err, cfg != NULL, &diag);
	if (cfg) {
		if (diag.errors)
			abort();
		/* what the pipeline reads first: lists and their counts agree */
		for (size_t i = 0; i < cfg->kafka.ninputs; i++)
			if (!cfg->kafka.inputs[i].topic)
				abort();
		for (size_t i = 0; i < cfg->correlation.nhost_domains; i++)
			if (!cfg->correlation.host_domains[i][0])
				abort();
	}
	vg_config_destroy(cfg);
	vg_diag_clear(&diag);
	return 0;
}
