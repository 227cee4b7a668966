/*
 * cli_model.c - `vigil model train` and `vigil model eval`.
 *
 * Training data comes from the pipeline itself: seeded scenarios (scenario.c) run
 * through normalize -> detect -> correlate -> assemble, and every incident version
 * becomes a row of features (models/, schemas/features.yaml) labelled 1 when one of
 * its alerts was built from a record of an attack campaign (ground truth the
 * scenario generator keeps aside; it never enters an event).  The booster is then
 * trained through the XGBoost C API, reproducibly (seed, one thread).
 * With --db DB, incidents an analyst gave a verdict (`vigil feedback`) join the
 * rows: their stored features (the latest version's), labelled 1 for "tp" and 0 for
 * "fp", each counted --verdict-weight times (default 5) since a person looked.
 * Evaluation runs held-out seeds with the model and reports PR-AUC and the share of
 * false alerts kept away from analysts at the configured surfacing threshold.
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

struct collect {
	const struct vg_scenario *sc;
	struct vg_strmap alert_label; /* alert id -> (void *)1 benign, (void *)2 attack */
	size_t nf;
	/* training rows (every version) */
	float *X, *y;
	size_t rows, cap;
	/* evaluation: one entry per incident, best score over its versions */
	struct vg_strmap inc_index; /* incident id -> index + 1 */
	float *best, *label;
	uint64_t *alerts;
	size_t nincs, inc_cap;
	bool oom;
	int verdict_weight;
	size_t verdicts;
};

static void on_alert(const struct vg_alert *alert, void *ctx)
{
	struct collect *c = ctx;
	bool attack = false;
	for (size_t i = 0; i < alert->nevents; i++) {
		int64_t idx = alert->events[i].offset;
		if (idx >= 0 && (size_t)idx < c->sc->count && c->sc->records[idx].attack)
			attack = true;
	}
	if (vg_strmap_put(&c->alert_label, alert->id, (void *)(intptr_t)(attack ? 2 : 1)))
		c->oom = true;
}

static bool incident_is_attack(const struct collect *c, const struct vg_incident *inc)
{
	for (size_t i = 0; i < inc->nalerts; i++)
		if ((intptr_t)vg_strmap_get(&c->alert_label, inc->alerts[i].id) == 2)
			return true;
	return false;
}

static void on_incident(const struct vg_incident *inc, const float *features,
                        double score, void *ctx)
{
	struct collect *c = ctx;
	float label = incident_is_attack(c, inc) ? 1.0f : 0.0f;
	if (c->rows == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 1024;
		float *nx = realloc(c->X, ncap * c->nf * sizeof(float));
		float *ny = nx ? realloc(c->y, ncap * sizeof(float)) : NULL;
		if (nx)
			c->X = nx;
		if (!nx || !ny) {
			c->oom = true;
			return;
		}
		c->y = ny;
		c->cap = ncap;
	}
	memcpy(c->X + c->rows * c->nf, features, c->nf * sizeof(float));
	c->y[c->rows++] = label;

	size_t idx = (size_t)(intptr_t)vg_strmap_get(&c->inc_index, inc->id);
	if (!idx) {
		if (c->nincs == c->inc_cap) {
			size_t ncap = c->inc_cap ? c->inc_cap * 2 : 256;
			float *nb = realloc(c->best, ncap * sizeof(float));
			float *nl = nb ? realloc(c->label, ncap * sizeof(float)) : NULL;
			uint64_t *na =
			    nl ? realloc(c->alerts, ncap * sizeof(uint64_t)) : NULL;
			if (nb)
				c->best = nb;
			if (nl)
				c->label = nl;
			if (!na) {
				c->oom = true;
				return;
			}
			c->alerts = na;
			c->inc_cap = ncap;
		}
		idx = ++c->nincs;
		c->best[idx - 1] = -1;
		if (vg_strmap_put(&c->inc_index, inc->id, (void *)(intptr_t)idx))
			c->oom = true;
	}
	if ((float)score > c->best[idx - 1])
		c->best[idx - 1] = (float)score;
	c->label[idx - 1] = label;
	c->alerts[idx - 1] = inc->nalerts + inc->alerts_dropped;
}

/* Run one scenario through a fresh pipeline (no store, no broker). */
static vg_err run_scenario(const struct vg_scenario_params *params,
                           const char *model_path, struct collect *c)
{
	struct vg_scenario sc;
	struct vg_config *cfg = NULL;
	struct vg_pipeline *p = NULL;
	struct vg_diag diag;
	vg_err err;

	if ((err = vg_scenario_generate(params, &sc)))
		return err;
	vg_diag_init(&diag);
	/* the defaults, with the model path as given (not spliced into YAML, where a
	 * quote or a backslash in it would be read as syntax) */
	err = vg_config_load_string("--model", "", 0, &cfg, &diag);
	if (!err) {
		char *path = strdup(model_path);
		if (!path)
			err = VG_ERR_NOMEM;
		else {
			free(cfg->model.path);
			cfg->model.path = path;
		}
	}
	if (!err) {
		free(cfg->store.path);
		cfg->store.path = NULL;
		struct vg_pipeline_hooks hooks = {.alert_tap = on_alert, .ctx = c};
		err = vg_pipeline_new(cfg, &hooks, &p, &diag);
	}
	vg_diag_print(&diag, stderr);
	vg_diag_clear(&diag);
	c->sc = &sc;
	if (!err)
		vg_pipeline_set_incident_tap(p, on_incident, c);
	struct vg_output *outs;
	size_t nouts;
	for (size_t i = 0; !err && i < sc.count; i += 1000) {
		err = vg_pipeline_begin(p);
		if (!err && i + 1000 >= sc.count)
			vg_pipeline_finish_input(
			    p); /* the last batch releases every alert */
		for (size_t j = i; !err && j < sc.count && j < i + 1000; j++) {
			struct vg_source src = {"scenario", -1, (int64_t)j};
			err = vg_pipeline_process(p, VG_FMT_AUTO, sc.records[j].line,
			                          strlen(sc.records[j].line), &src,
			                          sc.records[j].ts);
		}
		if (!err)
			err = vg_pipeline_end(p, &outs, &nouts);
	}
	c->sc = NULL;
	vg_pipeline_destroy(p);
	vg_config_destroy(cfg);
	vg_scenario_free(&sc);
	return c->oom ? VG_ERR_NOMEM : err;
}

static struct vg_scenario_params scenario_params(uint64_t seed, int i)
{
	struct vg_scenario_params sp = {
	    .seed = seed * 100003 + (uint64_t)i,
	    .start = vg_time_from_civil(2026, 1, 5, 0, 0, 0, 0) +
	             (vg_time)i * 86400 * VG_USEC_PER_SEC,
	    .hours = 24,
	    .hosts = 3 + i % 4,
	    .attack = i % 4 != 3, /* a quarter of the days are quiet */
	    .variants = true,
	    .endpoint = true,
	};
	return sp;
}

static void collect_free(struct collect *c)
{
	vg_strmap_free(&c->alert_label);
	vg_strmap_free(&c->inc_index);
	free(c->X);
	free(c->y);
	free(c->best);
	free(c->label);
	free(c->alerts);
}

/* Append one row (features from a stored JSON object name -> value). */
static vg_err add_verdict(const char *incident_id, int label, const char *json, void *ctx)
{
	struct collect *c = ctx;
	float row[256];
	size_t nf = c->nf < 256 ? c->nf : 256, found = 0;
	for (size_t i = 0; i < nf; i++) {
		char pat[128];
		snprintf(pat, sizeof(pat), "\"%s\":", vg_feature_name(i));
		const char *at = json ? strstr(json, pat) : NULL;
		row[i] = at ? strtof(at + strlen(pat), NULL) : 0.0f;
		found += at != NULL;
	}
	if (found != nf) {
		fprintf(stderr,
		        "vigil model train: %s: stored features are of another feature "
		        "list (%zu of %zu found); skipped\n",
		        incident_id, found, nf);
		return VG_OK;
	}
	for (int w = 0; w < c->verdict_weight; w++) {
		if (c->rows == c->cap) {
			size_t ncap = c->cap ? c->cap * 2 : 1024;
			float *nx = realloc(c->X, ncap * c->nf * sizeof(float));
			float *ny = nx ? realloc(c->y, ncap * sizeof(float)) : NULL;
			if (nx)
				c->X = nx;
			if (!nx || !ny)
				return VG_ERR_NOMEM;
			c->y = ny;
			c->cap = ncap;
		}
		memcpy(c->X + c->rows * c->nf, row, c->nf * sizeof(float));
		c->y[c->rows++] = (float)label;
	}
	c->verdicts++;
	return VG_OK;
}

static int model_train(int argc, char **argv)
{
	static const struct option lopts[] = {
	    {"out", required_argument, NULL, 'o'},
	    {"seed", required_argument, NULL, 's'},
	    {"scenarios", required_argument, NULL, 'n'},
	    {"rounds", required_argument, NULL, 'r'},
	    {"db", required_argument, NULL, 'd'},
	    {"verdict-weight", required_argument, NULL, 'w'},
	    {NULL, 0, NULL, 0}};
	const char *out = "models/default-model.json", *db = NULL;
	int weight = 5;
	uint64_t seed = 1;
	int scenarios = 60, c;
	struct vg_train_params tp = {
	    .rounds = 60, .max_depth = 4, .eta = 0.2, .nthread = 1};
	int64_t v;
	while ((c = getopt_long(argc, argv, "o:s:n:r:", lopts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 's':
			if (!vg_cli_seed_arg("model train", "--seed", optarg, &seed))
				return 2;
			break;
		case 'n':
			if (!vg_cli_int_arg("model train", "--scenarios", optarg, 1,
			                    100000, &v))
				return 2;
			scenarios = (int)v;
			break;
		case 'r':
			if (!vg_cli_int_arg("model train", "--rounds", optarg, 1, 100000,
			                    &v))
				return 2;
			tp.rounds = (int)v;
			break;
		case 'd': db = optarg; break;
		case 'w':
			if (!vg_cli_int_arg("model train", "--verdict-weight", optarg, 1,
			                    1000, &v))
				return 2;
			weight = (int)v;
			break;
		default: vg_cli_usage(stderr, "model"); return 2;
		}
	}
	/* "model train store.db" for --db: never train silently */
	if (!vg_cli_no_args("model train", "model", argc, argv))
		return 2;
	tp.seed = seed;
	/* the analysts' store first: a mistyped path fails before the scenarios run */
	struct vg_store *st = NULL;
	char emsg[512];
	if (db && vg_store_open_existing(db, &st, emsg, sizeof(emsg))) {
		fprintf(stderr, "vigil model train: %s\n", emsg);
		return 1;
	}
	struct collect col = {.nf = vg_feature_count()};
	vg_strmap_init(&col.alert_label);
	vg_strmap_init(&col.inc_index);
	for (int i = 0; i < scenarios; i++) {
		struct vg_scenario_params sp = scenario_params(seed, i);
		if (run_scenario(&sp, "none", &col)) {
			fprintf(stderr, "vigil model train: scenario %d failed\n", i);
			collect_free(&col);
			vg_store_close(st);
			return 1;
		}
	}
	col.verdict_weight = weight > 0 ? weight : 1;
	if (st) {
		vg_err verr = vg_store_each_verdict(st, add_verdict, &col);
		if (verr)
			fprintf(stderr, "vigil model train: %s: %s\n", db,
			        verr == VG_ERR_STORE ? vg_store_errmsg(st)
			                             : vg_err_str(verr));
		vg_store_close(st);
		if (verr) {
			collect_free(&col);
			return 1;
		}
		printf("learning from %zu analyst verdicts in %s (weight %d)\n",
		       col.verdicts, db, col.verdict_weight);
	}
	size_t pos = 0;
	for (size_t i = 0; i < col.rows; i++)
		pos += col.y[i] > 0.5f;
	printf("training on %zu incident versions (%zu attack, %zu benign) from %d "
	       "scenarios, "
	       "%zu features\n",
	       col.rows, pos, col.rows - pos, scenarios, col.nf);
	char errstr[512];
	if (vg_model_train(col.X, col.y, col.rows, &tp, out, errstr, sizeof(errstr))) {
		fprintf(stderr, "vigil model train: %s\n", errstr);
		collect_free(&col);
		return 1;
	}
	printf("wrote %s (seed %llu, %d rounds, depth %d, eta %.2f)\n", out,
	       (unsigned long long)seed, tp.rounds, tp.max_depth, tp.eta);
	collect_free(&col);
	return 0;
}

static int model_eval(int argc, char **argv)
{
	static const struct option lopts[] = {{"model", required_argument, NULL, 'm'},
	                                      {"seed", required_argument, NULL, 's'},
	                                      {"scenarios", required_argument, NULL, 'n'},
	                                      {"threshold", required_argument, NULL, 't'},
	                                      {NULL, 0, NULL, 0}};
	const char *model = "embedded";
	uint64_t seed = 99;
	int scenarios = 20, c;
	double threshold = 0.5;
	int64_t v;
	while ((c = getopt_long(argc, argv, "m:s:n:t:", lopts, NULL)) != -1) {
		switch (c) {
		case 'm': model = optarg; break;
		case 's':
			if (!vg_cli_seed_arg("model eval", "--seed", optarg, &seed))
				return 2;
			break;
		case 'n':
			if (!vg_cli_int_arg("model eval", "--scenarios", optarg, 1,
			                    100000, &v))
				return 2;
			scenarios = (int)v;
			break;
		case 't':
			if (!vg_cli_real_arg("model eval", "--threshold", optarg, 0, 1,
			                     &threshold))
				return 2;
			break;
		default: vg_cli_usage(stderr, "model"); return 2;
		}
	}
	if (!vg_cli_no_args("model eval", "model", argc, argv))
		return 2;
	struct collect col = {.nf = vg_feature_count()};
	vg_strmap_init(&col.alert_label);
	vg_strmap_init(&col.inc_index);
	for (int i = 0; i < scenarios; i++) {
		struct vg_scenario_params sp = scenario_params(seed, i);
		if (run_scenario(&sp, model, &col)) {
			fprintf(stderr, "vigil model eval: scenario %d failed\n", i);
			collect_free(&col);
			return 1;
		}
	}
	uint64_t false_alerts = 0, false_surfaced = 0, attacks = 0, attacks_surfaced = 0;
	size_t benign_incs = 0, benign_surfaced = 0;
	for (size_t i = 0; i < col.nincs; i++) {
		bool surfaced = col.best[i] >= threshold;
		if (col.label[i] > 0.5f) {
			attacks++;
			attacks_surfaced += surfaced;
		} else {
			benign_incs++;
			benign_surfaced += surfaced;
			false_alerts += col.alerts[i];
			if (surfaced)
				false_surfaced += col.alerts[i];
		}
	}
	printf("held-out scenarios: %d (seed %llu), incidents: %zu (%llu attack, %zu "
	       "benign)\n",
	       scenarios, (unsigned long long)seed, col.nincs,
	       (unsigned long long)attacks, benign_incs);
	printf("PR-AUC: %.4f\n", vg_pr_auc(col.best, col.label, col.nincs));
	printf("threshold %.2f: attack incidents surfaced %llu/%llu; benign incidents "
	       "surfaced "
	       "%zu/%zu; false alerts screened out %.2f%% (%llu of %llu)\n",
	       threshold, (unsigned long long)attacks_surfaced,
	       (unsigned long long)attacks, benign_surfaced, benign_incs,
	       false_alerts ? 100.0 * (double)(false_alerts - false_surfaced) /
	                          (double)false_alerts
	                    : 100.0,
	       (unsigned long long)(false_alerts - false_surfaced),
	       (unsigned long long)false_alerts);
	collect_free(&col);
	return 0;
}

int vg_cli_model(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "train"))
		return model_train(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "eval"))
		return model_eval(argc - 1, argv + 1);
	vg_cli_usage(stderr, "model");
	return 2;
}
