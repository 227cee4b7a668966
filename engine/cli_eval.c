/*
 * cli_eval.c - `vigil eval aitads`: leave-one-scenario-out evaluation of incident
 * assembly and ranking on the AIT Alert Data Set (real Wazuh/Suricata/AMiner
 * alerts, ../shared/data/ait-alert-data-set, docs/EVALUATION.md).
 *
 * The labels (time_label, event_label: the last two CSV columns) are read here,
 * straight from the CSV, and never through events: the "aitads" input format
 * drops them before an event exists.  Definitions (docs/EVALUATION.md):
 *  - a false alert is a row whose event_label is "-" (no attacker action behind
 *    it); the looser variant "time_label false_positive or event_label '-'" is
 *    printed beside it;
 *  - an attack step is a distinct event_label other than "-" of the scenario;
 *  - an incident is an attack when any of its alerts' rows has an event_label.
 *
 * Procedure, with six scenarios:
 *  1. Each scenario is replayed once, unranked and without a store, to collect one
 *     row per final incident: its feature vector (last version) and its label.
 *  2. For each held-out scenario k: a model is trained (vg_model_train, fixed seed,
 *     one thread) on the other five scenarios' rows; the surfacing threshold is
 *     chosen on those five only, from out-of-fold scores (each of the five scored
 *     by a model trained on the other four): each gives the thresholds at which it
 *     would meet the goals a threshold decides (99.5% of its false alerts
 *     screened out, every attack step surfaced), and the threshold lies inside as
 *     many of those windows as possible (models/eval.c, vg_threshold_pick).
 *  3. Scenario k is replayed like `vigil replay` does (store, fold model and
 *     threshold), and the figures are computed from what the store says: the
 *     record -> incident map and each incident's final score and surfaced flag.
 * Memory per scenario is O(rows) bytes for the labels plus the pipeline's own;
 * nothing of a scenario is kept after its step but one row per incident.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_STEPS 64
#define NO_LABEL  255 /* the header row */
#define MAX_SCEN  16

/* Step names shared by every scenario; id 0 is "-" (no attack). */
struct steps {
	char *name[MAX_STEPS];
	size_t n;
};

struct labels {
	uint8_t *ev;  /* event_label id per record index, NO_LABEL for the header */
	uint8_t *tfp; /* time_label == false_positive */
	size_t n;
};

struct scenario {
	char name[64];
	char path[1024];
	struct labels lab;
	uint64_t steps_present; /* bit per step id */
	uint64_t false_alerts;  /* rows whose event_label is "-" */
	/* phase 1: one row per final incident */
	float *X, *y;
	uint64_t *row_steps;
	uint64_t *row_false; /* the false alerts (records) each incident holds */
	size_t rows;
	uint64_t vigil_alerts;
	double replay_secs;
};

static uint8_t step_id(struct steps *st, const char *s, size_t len)
{
	for (size_t i = 0; i < st->n; i++)
		if (strlen(st->name[i]) == len && !memcmp(st->name[i], s, len))
			return (uint8_t)i;
	if (st->n == MAX_STEPS)
		return 0;
	st->name[st->n] = strndup(s, len);
	return st->name[st->n] ? (uint8_t)st->n++ : 0;
}

static FILE *open_input(const char *path, bool *piped)
{
	size_t len = strlen(path);
	*piped = len > 3 && !strcmp(path + len - 3, ".xz");
	if (!*piped)
		return fopen(path, "rb");
	if (strchr(path, '\'')) {
		errno = EINVAL;
		return NULL;
	}
	char cmd[1100];
	snprintf(cmd, sizeof(cmd), "xz -dc -- '%s'", path);
	return popen(cmd, "r");
}

static int close_input(FILE *fp, bool piped)
{
	return piped ? pclose(fp) : fclose(fp);
}

/* Read the label columns: the two fields after the last two commas. */
static vg_err read_labels(struct scenario *sc, struct steps *st)
{
	bool piped;
	FILE *fp = open_input(sc->path, &piped);
	char *line = NULL;
	size_t cap = 0, lcap = 0;
	ssize_t len;
	vg_err err = VG_OK;
	if (!fp)
		return VG_ERR_IO;
	sc->lab.n = 0;
	while ((len = getline(&line, &cap, fp)) >= 0) {
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		if (sc->lab.n == lcap) {
			size_t ncap = lcap ? lcap * 2 : 65536;
			uint8_t *ne = realloc(sc->lab.ev, ncap);
			uint8_t *nt = ne ? realloc(sc->lab.tfp, ncap) : NULL;
			if (ne)
				sc->lab.ev = ne;
			if (!nt) {
				err = VG_ERR_NOMEM;
				break;
			}
			sc->lab.tfp = nt;
			lcap = ncap;
		}
		if (sc->lab.n > UINT32_MAX) {
			fprintf(stderr, "vigil eval: %s: more than 2^32 rows\n",
			        sc->path);
			err = VG_ERR_INVALID;
			break;
		}
		size_t i = sc->lab.n++;
		char *c2 = memrchr(line, ',', (size_t)len);
		char *c1 = c2 ? memrchr(line, ',', (size_t)(c2 - line)) : NULL;
		if (i == 0 || !c1) {
			sc->lab.ev[i] = NO_LABEL;
			sc->lab.tfp[i] = 0;
			continue;
		}
		const char *ev = c2 + 1;
		size_t evlen = (size_t)(line + len - ev);
		sc->lab.tfp[i] = (size_t)(c2 - c1 - 1) == strlen("false_positive") &&
		                 !memcmp(c1 + 1, "false_positive", 14);
		sc->lab.ev[i] = step_id(st, ev, evlen);
		if (sc->lab.ev[i])
			sc->steps_present |= UINT64_C(1) << sc->lab.ev[i];
		else
			sc->false_alerts++;
	}
	free(line);
	if (close_input(fp, piped) != 0 && !err)
		err = VG_ERR_IO;
	return err;
}

static vg_err load_config(const char *cfg_path, const char *store, const char *model,
                          double threshold, struct vg_config **out)
{
	struct vg_config *cfg = NULL;
	if (cfg_path) {
		if (!(cfg = vg_cli_load_config(cfg_path)))
			return VG_ERR_CONFIG;
	} else {
		struct vg_diag diag;
		vg_diag_init(&diag);
		vg_err err = vg_config_load_string("<eval>", "", 0, &cfg, &diag);
		vg_diag_print(&diag, stderr);
		vg_diag_clear(&diag);
		if (err)
			return err;
	}
	free(cfg->store.path);
	free(cfg->model.path);
	cfg->store.path = store ? strdup(store) : NULL;
	cfg->model.path = strdup(model);
	cfg->model.surface_threshold = threshold;
	if ((store && !cfg->store.path) || !cfg->model.path) {
		vg_config_destroy(cfg);
		return VG_ERR_NOMEM;
	}
	*out = cfg;
	return VG_OK;
}

/*
 * The AIT-ADS CSV merges three detectors' outputs: Wazuh and Suricata interleaved
 * in time order, AMiner's appended after them, days behind.  Deployed, each
 * detector is read from its own topic or partition, so a replay feeds each
 * detector's rows (by the first letter of the `short` column: W, S, A) as its own
 * partition of the scenario's topic, in file order, with offset = the row's line
 * index: the low watermark then releases alerts in event time across detectors, as
 * a live engine would, and the labels still map by offset.
 */
enum { NDET = 3 };
struct split {
	char *buf[NDET];
	size_t len[NDET];
	int64_t *off[NDET];
	size_t n[NDET], cap[NDET];
};

static int detector_of(const char *line, size_t len)
{
	size_t commas = 0, i = len;
	while (i > 0 && commas < 3)
		commas += line[--i] == ',';
	if (commas < 3 || i + 1 >= len)
		return 0;
	switch (line[i + 1]) {
	case 'S': return 1;
	case 'A': return 2;
	default: return 0; /* Wazuh, and the header row */
	}
}

static void split_free(struct split *sp)
{
	for (int d = 0; d < NDET; d++) {
		free(sp->buf[d]);
		free(sp->off[d]);
	}
	memset(sp, 0, sizeof(*sp));
}

static vg_err split_detectors(const struct scenario *sc, struct split *sp)
{
	bool piped;
	FILE *fp = open_input(sc->path, &piped), *ms[NDET] = {NULL};
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int64_t idx = 0;
	vg_err err = VG_OK;

	memset(sp, 0, sizeof(*sp));
	if (!fp)
		return VG_ERR_IO;
	for (int d = 0; d < NDET && !err; d++)
		if (!(ms[d] = open_memstream(&sp->buf[d], &sp->len[d])))
			err = VG_ERR_NOMEM;
	while (!err && (len = getline(&line, &cap, fp)) >= 0) {
		size_t l = (size_t)len;
		if (l && line[l - 1] == '\n')
			l--;
		int d = detector_of(line, l);
		if (sp->n[d] == sp->cap[d]) {
			size_t ncap = sp->cap[d] ? sp->cap[d] * 2 : 1024;
			int64_t *no = realloc(sp->off[d], ncap * sizeof(*no));
			if (!no) {
				err = VG_ERR_NOMEM;
				break;
			}
			sp->off[d] = no;
			sp->cap[d] = ncap;
		}
		sp->off[d][sp->n[d]++] = idx++;
		if (fwrite(line, 1, l, ms[d]) != l || fputc('\n', ms[d]) == EOF)
			err = VG_ERR_NOMEM;
	}
	free(line);
	for (int d = 0; d < NDET; d++)
		if (ms[d] && fclose(ms[d]) != 0 && !err)
			err = VG_ERR_NOMEM;
	if (close_input(fp, piped) != 0 && !err)
		err = VG_ERR_IO;
	if (err)
		split_free(sp);
	return err;
}

/* Replay one scenario file through a pipeline built from cfg. */
static vg_err replay_file(const struct scenario *sc, const struct vg_config *cfg,
                          const struct vg_pipeline_hooks *hooks, vg_incident_tap_fn tap,
                          void *tap_ctx, struct vg_pipeline_stats *stats,
                          struct vg_pipeline **keep)
{
	struct vg_diag diag;
	struct vg_pipeline *p = NULL;
	enum vg_format fmt;
	vg_err err;

	if (!vg_format_from_name("aitads", &fmt)) {
		fprintf(stderr, "vigil eval: this build has no 'aitads' input format\n");
		return VG_ERR_CONFIG;
	}
	vg_diag_init(&diag);
	err = vg_pipeline_new(cfg, hooks, &p, &diag);
	if (err)
		vg_diag_print(&diag, stderr);
	vg_diag_clear(&diag);
	if (err)
		return err;
	if (tap)
		vg_pipeline_set_incident_tap(p, tap, tap_ctx);
	struct split sp;
	struct vg_replay_input in[NDET];
	size_t nin = 0;
	if ((err = split_detectors(sc, &sp))) {
		vg_pipeline_destroy(p);
		return err;
	}
	for (int d = 0; d < NDET && !err; d++) {
		if (!sp.n[d])
			continue;
		in[nin] =
		    (struct vg_replay_input){.name = sc->name,
		                             .fp = fmemopen(sp.buf[d], sp.len[d], "r"),
		                             .partition = d,
		                             .offsets = sp.off[d],
		                             .noffsets = sp.n[d]};
		if (!in[nin++].fp)
			err = VG_ERR_NOMEM;
	}
	if (!err)
		err = vg_cli_replay_inputs(p, fmt, in, nin, 4096);
	for (size_t i = 0; i < nin; i++)
		if (in[i].fp)
			fclose(in[i].fp);
	split_free(&sp);
	vg_pipeline_stats(p, stats);
	if (keep && !err)
		*keep = p;
	else
		vg_pipeline_destroy(p);
	return err;
}

/* ------------------------------------------------- phase 1: incident rows */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

struct p1 {
	struct scenario *sc;
	size_t nf;
	struct vg_strmap ids; /* incident id -> index + 1 */
	uint32_t *parent;
	float *feat;
	bool *has_feat;
	size_t ninc, cap;
	int64_t *prec; /* (record, incident) pairs */
	uint32_t *pinc;
	size_t npairs, pcap;
	bool oom;
};

static uint32_t p1_id(struct p1 *c, const char *id)
{
	size_t idx = (size_t)(intptr_t)vg_strmap_get(&c->ids, id);
	if (idx)
		return (uint32_t)(idx - 1);
	if (c->ninc == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 1024;
		uint32_t *np = realloc(c->parent, ncap * sizeof(*np));
		float *nf = np ? realloc(c->feat, ncap * c->nf * sizeof(*nf)) : NULL;
		bool *nh = nf ? realloc(c->has_feat, ncap * sizeof(*nh)) : NULL;
		if (np)
			c->parent = np;
		if (nf)
			c->feat = nf;
		if (!nh) {
			c->oom = true;
			return UINT32_MAX;
		}
		c->has_feat = nh;
		c->cap = ncap;
	}
	c->parent[c->ninc] = (uint32_t)c->ninc;
	c->has_feat[c->ninc] = false;
	if (vg_strmap_put(&c->ids, id, (void *)(intptr_t)(c->ninc + 1))) {
		c->oom = true;
		return UINT32_MAX;
	}
	return (uint32_t)c->ninc++;
}

static uint32_t p1_find(struct p1 *c, uint32_t i)
{
	while (c->parent[i] != i)
		i = c->parent[i] = c->parent[c->parent[i]];
	return i;
}

static void p1_assembled(const struct vg_alert *alert, const char *incident_id, void *ctx)
{
	struct p1 *c = ctx;
	uint32_t inc = p1_id(c, incident_id);
	if (inc == UINT32_MAX)
		return;
	for (size_t i = 0; i < alert->nevents; i++) {
		if (c->npairs == c->pcap) {
			size_t ncap = c->pcap ? c->pcap * 2 : 65536;
			int64_t *nr = realloc(c->prec, ncap * sizeof(*nr));
			uint32_t *ni = nr ? realloc(c->pinc, ncap * sizeof(*ni)) : NULL;
			if (nr)
				c->prec = nr;
			if (!ni) {
				c->oom = true;
				return;
			}
			c->pinc = ni;
			c->pcap = ncap;
		}
		c->prec[c->npairs] = alert->events[i].offset;
		c->pinc[c->npairs++] = inc;
	}
}

static void p1_merged(const char *merged, const char *into, void *ctx)
{
	struct p1 *c = ctx;
	uint32_t m = p1_id(c, merged), t = p1_id(c, into);
	if (m == UINT32_MAX || t == UINT32_MAX)
		return;
	m = p1_find(c, m);
	t = p1_find(c, t);
	if (m != t)
		c->parent[m] = t;
}

static void p1_tap(const struct vg_incident *inc, const float *features, double score,
                   void *ctx)
{
	struct p1 *c = ctx;
	(void)score;
	uint32_t i = p1_id(c, inc->id);
	if (i == UINT32_MAX)
		return;
	memcpy(c->feat + (size_t)i * c->nf, features, c->nf * sizeof(float));
	c->has_feat[i] = true;
}

static vg_err phase1(struct scenario *sc, const char *cfg_path)
{
	struct p1 c = {.sc = sc, .nf = vg_feature_count()};
	struct vg_config *cfg = NULL;
	struct vg_pipeline_stats stats;
	vg_err err;

	vg_strmap_init(&c.ids);
	if ((err = load_config(cfg_path, NULL, "none", 0.5, &cfg)))
		return err;
	struct vg_pipeline_hooks hooks = {
	    .ctx = &c, .assembled = p1_assembled, .merged = p1_merged};
	double t0 = vg_cli_seconds();
	err = replay_file(sc, cfg, &hooks, p1_tap, &c, &stats, NULL);
	sc->replay_secs = vg_cli_seconds() - t0;
	sc->vigil_alerts = stats.alerts;
	if (!err && c.oom)
		err = VG_ERR_NOMEM;
	/* one row per surviving incident: its last features, its label, its steps
	 * and how many false records it holds (each (record, incident) once: a
	 * record may be behind several alerts of one incident) */
	uint64_t *steps = err ? NULL : calloc(c.ninc ? c.ninc : 1, sizeof(*steps));
	uint64_t *nfalse = err ? NULL : calloc(c.ninc ? c.ninc : 1, sizeof(*nfalse));
	uint64_t *fkeys = err ? NULL : malloc((c.npairs ? c.npairs : 1) * sizeof(*fkeys));
	size_t nfkeys = 0;
	if (!err && (!steps || !nfalse || !fkeys))
		err = VG_ERR_NOMEM;
	for (size_t i = 0; !err && i < c.npairs; i++) {
		int64_t r = c.prec[i];
		if (r < 0 || (size_t)r >= sc->lab.n || sc->lab.ev[r] == NO_LABEL)
			continue;
		uint32_t root = p1_find(&c, c.pinc[i]);
		if (sc->lab.ev[r])
			steps[root] |= UINT64_C(1) << sc->lab.ev[r];
		else
			fkeys[nfkeys++] =
			    (uint64_t)r << 32 | root; /* read_labels: r < 2^32 */
	}
	if (!err)
		qsort(fkeys, nfkeys, sizeof(*fkeys), cmp_u64);
	for (size_t i = 0; !err && i < nfkeys; i++)
		if (i == 0 || fkeys[i] != fkeys[i - 1])
			nfalse[(uint32_t)fkeys[i]]++;
	size_t rows = 0;
	for (size_t i = 0; !err && i < c.ninc; i++)
		rows += p1_find(&c, (uint32_t)i) == i && c.has_feat[i];
	sc->X = err ? NULL : calloc((rows ? rows : 1) * c.nf, sizeof(float));
	sc->y = err ? NULL : calloc(rows ? rows : 1, sizeof(float));
	sc->row_steps = err ? NULL : calloc(rows ? rows : 1, sizeof(uint64_t));
	sc->row_false = err ? NULL : calloc(rows ? rows : 1, sizeof(uint64_t));
	if (!err && (!sc->X || !sc->y || !sc->row_steps || !sc->row_false))
		err = VG_ERR_NOMEM;
	sc->rows = 0;
	for (size_t i = 0; !err && i < c.ninc; i++) {
		if (p1_find(&c, (uint32_t)i) != i || !c.has_feat[i])
			continue;
		memcpy(sc->X + sc->rows * c.nf, c.feat + i * c.nf, c.nf * sizeof(float));
		sc->row_steps[sc->rows] = steps[i];
		sc->row_false[sc->rows] = nfalse[i];
		sc->y[sc->rows++] = steps[i] ? 1.0f : 0.0f;
	}
	free(steps);
	free(nfalse);
	free(fkeys);
	vg_strmap_free(&c.ids);
	free(c.parent);
	free(c.feat);
	free(c.has_feat);
	free(c.prec);
	free(c.pinc);
	vg_config_destroy(cfg);
	return err;
}

/* ------------------------------------------------ training and threshold */

struct rowset {
	float *X, *y;
	size_t rows;
};

static vg_err gather(struct scenario *sc, size_t nsc, size_t skip1, size_t skip2,
                     size_t nf, struct rowset *out)
{
	size_t rows = 0;
	for (size_t i = 0; i < nsc; i++)
		if (i != skip1 && i != skip2)
			rows += sc[i].rows;
	out->X = malloc((rows ? rows : 1) * nf * sizeof(float));
	out->y = malloc((rows ? rows : 1) * sizeof(float));
	out->rows = 0;
	if (!out->X || !out->y)
		return VG_ERR_NOMEM;
	for (size_t i = 0; i < nsc; i++) {
		if (i == skip1 || i == skip2)
			continue;
		memcpy(out->X + out->rows * nf, sc[i].X, sc[i].rows * nf * sizeof(float));
		memcpy(out->y + out->rows, sc[i].y, sc[i].rows * sizeof(float));
		out->rows += sc[i].rows;
	}
	return VG_OK;
}

static vg_err train(struct scenario *sc, size_t nsc, size_t skip1, size_t skip2,
                    const struct vg_train_params *tp, const char *path)
{
	struct rowset rs;
	char errstr[512];
	size_t nf = vg_feature_count(), fa = vg_feature_index("alert_count");
	float *w = NULL;
	vg_err err = gather(sc, nsc, skip1, skip2, nf, &rs);
	/* A false incident costs what it shows an analyst, and the screening figure
	 * counts alerts: it weighs its alerts (alert_count includes those past
	 * max_alerts_kept), an attack incident 1, so the loss is the one the figure
	 * is measured in and the large noisy incidents sink first. */
	if (!err && fa == SIZE_MAX)
		err = VG_ERR_INVALID; /* schemas/features.yaml lost alert_count */
	if (!err && !(w = malloc((rs.rows ? rs.rows : 1) * sizeof(*w))))
		err = VG_ERR_NOMEM;
	for (size_t i = 0; !err && i < rs.rows; i++)
		w[i] = rs.y[i] > 0.5f ? 1.0f : fmaxf(1.0f, rs.X[i * nf + fa]);
	struct vg_train_params p = *tp;
	p.weight = w;
	if (!err &&
	    (err = vg_model_train(rs.X, rs.y, rs.rows, &p, path, errstr, sizeof(errstr))))
		fprintf(stderr, "vigil eval: training %s: %s\n", path, errstr);
	free(w);
	free(rs.X);
	free(rs.y);
	return err;
}

/* The goals a threshold decides, per training scenario: this share of its false
 * alerts screened out, and every attack step surfaced. */
#define GOAL_SCREENED 0.995

/* The surfacing threshold for held-out scenario k, from the training scenarios
 * only: each is scored out of fold (by a model trained on the other training
 * scenarios), which gives the thresholds at which it would meet the goals a
 * threshold decides (vg_threshold_window), and the threshold is the one inside
 * as many of those as possible, in the middle of their common part
 * (vg_threshold_pick).  A scenario no threshold serves (a step scoring below
 * what its screening needs) does not drag the others' threshold down with it;
 * when none is served, every training step is surfaced. */
static vg_err choose_threshold(struct scenario *sc, size_t nsc, size_t k,
                               const struct steps *steps,
                               const struct vg_train_params *tp, const char *tmp,
                               double *thr)
{
	size_t nf = vg_feature_count(), nw = 0, of[MAX_SCEN];
	struct vg_thr_window w[MAX_SCEN];
	char errstr[512];
	vg_err err = VG_OK;
	for (size_t j = 0; j < nsc && !err; j++) {
		if (j == k)
			continue;
		struct vg_model *m = NULL;
		float *score = malloc((sc[j].rows ? sc[j].rows : 1) * sizeof(*score));
		if (!score)
			err = VG_ERR_NOMEM;
		if (!err)
			err = train(sc, nsc, k, j, tp, tmp);
		if (!err && (err = vg_model_load_file(tmp, &m, errstr, sizeof(errstr))))
			fprintf(stderr, "vigil eval: %s\n", errstr);
		for (size_t r = 0; !err && r < sc[j].rows; r++)
			err = vg_model_score(m, sc[j].X + r * nf, &score[r], NULL, errstr,
			                     sizeof(errstr));
		if (!err)
			err = vg_threshold_window(score, sc[j].row_false, sc[j].row_steps,
			                          sc[j].rows, sc[j].false_alerts,
			                          GOAL_SCREENED, &w[nw]);
		vg_model_destroy(m);
		free(score);
		of[nw++] = j;
	}
	unlink(tmp);
	if (err)
		return err;
	struct vg_thr_pick why;
	*thr = vg_threshold_pick(w, nw, &why);
	/* each training scenario's window, named as in --scenarios (the name
	 * without "_alerts.csv") */
	printf("     out-of-fold goal windows (lo, hi]:");
	for (size_t i = 0; i < nw; i++)
		printf(" %.*s (%.4f, %.4f]%s",
		       (int)(strlen(sc[of[i]].name) - strlen("_alerts.csv")),
		       sc[of[i]].name, w[i].lo, w[i].hi, w[i].feasible ? "" : " empty");
	printf("\n");
	if (!why.covered) {
		if (why.hi_from != SIZE_MAX)
			printf(
			    "     threshold set by step %s of %s (its best out-of-fold "
			    "incident score): no training scenario meets the goals at "
			    "any threshold\n",
			    steps->name[w[why.hi_from].hi_step],
			    sc[of[why.hi_from]].name);
		return VG_OK;
	}
	printf("     threshold inside the out-of-fold goal windows of %zu of %zu "
	       "training scenarios",
	       why.covered, nw);
	if (why.lo_from != SIZE_MAX)
		printf(", between %.4f (screening of %s) and", w[why.lo_from].lo,
		       sc[of[why.lo_from]].name);
	else
		printf(", at");
	printf(" %.4f (step %s of %s)\n", w[why.hi_from].hi,
	       w[why.hi_from].hi_step >= 0 ? steps->name[w[why.hi_from].hi_step] : "-",
	       sc[of[why.hi_from]].name);
	return VG_OK;
}

/* ------------------------------------------ phase 2: held-out, from store */

struct p2 {
	const struct scenario *sc;
	struct vg_strmap ids;
	double *score;
	bool *surfaced;
	float *fscore, *flabel;
	uint64_t *alerts;
	size_t ninc, cap;
	uint8_t *rec; /* 0 no incident, 1 unsurfaced incident, 2 surfaced */
	bool oom;
};

static vg_err p2_incident(const struct vg_ranked_row *row, void *ctx)
{
	struct p2 *c = ctx;
	if (c->ninc == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 1024;
		double *ns = realloc(c->score, ncap * sizeof(*ns));
		bool *nb = ns ? realloc(c->surfaced, ncap * sizeof(*nb)) : NULL;
		float *nl = nb ? realloc(c->flabel, ncap * sizeof(*nl)) : NULL;
		uint64_t *na = nl ? realloc(c->alerts, ncap * sizeof(*na)) : NULL;
		if (ns)
			c->score = ns;
		if (nb)
			c->surfaced = nb;
		if (nl)
			c->flabel = nl;
		if (!na)
			return VG_ERR_NOMEM;
		c->alerts = na;
		c->cap = ncap;
	}
	c->score[c->ninc] = row->score;
	c->surfaced[c->ninc] = row->surfaced;
	c->flabel[c->ninc] = 0;
	c->alerts[c->ninc] = 0;
	if (vg_strmap_put(&c->ids, row->id, (void *)(intptr_t)(c->ninc + 1)))
		return VG_ERR_NOMEM;
	c->ninc++;
	return VG_OK;
}

static vg_err p2_record(const char *topic, int32_t partition, int64_t offset,
                        const char *alert_id, const char *incident_id, void *ctx)
{
	struct p2 *c = ctx;
	(void)partition;
	(void)alert_id;
	if (strcmp(topic, c->sc->name) || offset < 0 || (size_t)offset >= c->sc->lab.n)
		return VG_OK;
	size_t idx = (size_t)(intptr_t)vg_strmap_get(&c->ids, incident_id);
	if (!idx) {
		fprintf(stderr, "vigil eval: record %lld maps to unknown incident %s\n",
		        (long long)offset, incident_id);
		return VG_ERR_STORE;
	}
	idx--;
	uint8_t st = c->surfaced[idx] ? 2 : 1;
	if (st > c->rec[offset])
		c->rec[offset] = st;
	c->alerts[idx]++;
	if (c->sc->lab.ev[offset] && c->sc->lab.ev[offset] != NO_LABEL)
		c->flabel[idx] = 1;
	return VG_OK;
}

struct fold_result {
	double threshold, prauc, fp_screened, fp2_screened, secs;
	uint64_t rows, fp, fp_surf, fp2, fp2_surf, vigil_alerts, incidents, surfaced,
	    attack_incidents, surfaced_attack, alerts_surfaced;
	int steps, steps_surfaced;
	char missing[512];
};

static int cmp_desc(const void *a, const void *b)
{
	const float *x = a, *y = b;
	return (x[0] < y[0]) - (x[0] > y[0]);
}

static vg_err write_pr(const char *path, const struct p2 *c)
{
	FILE *f = fopen(path, "w");
	float *pairs = malloc((c->ninc ? c->ninc : 1) * 2 * sizeof(float));
	size_t pos = 0, tp = 0;
	if (!f || !pairs) {
		if (f)
			fclose(f);
		free(pairs);
		return VG_ERR_IO;
	}
	for (size_t i = 0; i < c->ninc; i++) {
		pairs[2 * i] = (float)c->score[i];
		pairs[2 * i + 1] = c->flabel[i];
		pos += c->flabel[i] > 0.5f;
	}
	qsort(pairs, c->ninc, 2 * sizeof(float), cmp_desc);
	fprintf(f, "# threshold\trecall\tprecision\n");
	for (size_t i = 0; i < c->ninc; i++) {
		tp += pairs[2 * i + 1] > 0.5f;
		if (i + 1 < c->ninc && pairs[2 * i + 2] == pairs[2 * i])
			continue; /* ties form one threshold */
		fprintf(f, "%.6f\t%.6f\t%.6f\n", pairs[2 * i],
		        pos ? (double)tp / (double)pos : 0.0,
		        (double)tp / (double)(i + 1));
	}
	free(pairs);
	return fclose(f) ? VG_ERR_IO : VG_OK;
}

static vg_err phase2(const struct scenario *sc, const struct steps *steps,
                     const char *cfg_path, const char *model, double threshold,
                     const char *outdir, struct fold_result *fr)
{
	char db[1200], path[1200];
	struct vg_config *cfg = NULL;
	struct vg_pipeline *p = NULL;
	struct vg_pipeline_stats stats;
	struct p2 c = {.sc = sc};
	vg_err err;

	snprintf(db, sizeof(db), "%s/%s.db", outdir, sc->name);
	unlink(db);
	static const char *const sfx[] = {"-wal", "-shm"};
	for (size_t i = 0; i < 2; i++) {
		int w = snprintf(path, sizeof(path), "%s%s", db, sfx[i]);
		if (w > 0 && (size_t)w < sizeof(path))
			unlink(path);
	}
	if ((err = load_config(cfg_path, db, model, threshold, &cfg)))
		return err;
	double t0 = vg_cli_seconds();
	err = replay_file(sc, cfg, NULL, NULL, NULL, &stats, &p);
	fr->secs = vg_cli_seconds() - t0;
	vg_strmap_init(&c.ids);
	c.rec = calloc(sc->lab.n ? sc->lab.n : 1, 1);
	if (!err && !c.rec)
		err = VG_ERR_NOMEM;
	struct vg_store *st = p ? vg_pipeline_store(p) : NULL;
	if (!err)
		err = vg_store_each_ranked(st, -1, p2_incident, &c);
	if (!err)
		err = vg_store_each_record_incident(st, p2_record, &c);
	if (err == VG_ERR_STORE && st)
		fprintf(stderr, "vigil eval: %s\n", vg_store_errmsg(st));
	if (!err) {
		snprintf(path, sizeof(path), "%s/%s.map.tsv", outdir, sc->name);
		FILE *f = fopen(path, "w");
		err = f ? vg_cli_export_map(st, f, NULL) : VG_ERR_IO;
		if (f && fclose(f) && !err)
			err = VG_ERR_IO;
	}
	if (!err) {
		uint64_t surfaced_steps = 0;
		fr->threshold = threshold;
		fr->vigil_alerts = stats.alerts;
		fr->incidents = c.ninc;
		for (size_t r = 0; r < sc->lab.n; r++) {
			uint8_t ev = sc->lab.ev[r];
			if (ev == NO_LABEL)
				continue;
			fr->rows++;
			bool surf = c.rec[r] == 2;
			fr->alerts_surfaced += surf;
			if (ev == 0) {
				fr->fp++;
				fr->fp_surf += surf;
			}
			if (ev == 0 || sc->lab.tfp[r]) {
				fr->fp2++;
				fr->fp2_surf += surf;
			}
			if (ev && surf)
				surfaced_steps |= UINT64_C(1) << ev;
		}
		fr->fp_screened =
		    fr->fp ? 100.0 * (double)(fr->fp - fr->fp_surf) / (double)fr->fp
		           : 100.0;
		fr->fp2_screened =
		    fr->fp2 ? 100.0 * (double)(fr->fp2 - fr->fp2_surf) / (double)fr->fp2
		            : 100.0;
		fr->missing[0] = '\0';
		for (size_t s = 1; s < steps->n; s++) {
			if (!(sc->steps_present >> s & 1))
				continue;
			fr->steps++;
			if (surfaced_steps >> s & 1) {
				fr->steps_surfaced++;
			} else {
				size_t l = strlen(fr->missing);
				snprintf(fr->missing + l, sizeof(fr->missing) - l, "%s%s",
				         l ? "," : "", steps->name[s]);
			}
		}
		c.fscore = malloc((c.ninc ? c.ninc : 1) * sizeof(float));
		if (!c.fscore)
			err = VG_ERR_NOMEM;
		for (size_t i = 0; !err && i < c.ninc; i++) {
			c.fscore[i] = (float)c.score[i];
			fr->surfaced += c.surfaced[i];
			fr->attack_incidents += c.flabel[i] > 0.5f;
			fr->surfaced_attack += c.surfaced[i] && c.flabel[i] > 0.5f;
		}
		if (!err)
			fr->prauc = vg_pr_auc(c.fscore, c.flabel, c.ninc);
		snprintf(path, sizeof(path), "%s/pr-%s.tsv", outdir, sc->name);
		if (!err)
			err = write_pr(path, &c);
	}
	vg_pipeline_destroy(p);
	vg_config_destroy(cfg);
	vg_strmap_free(&c.ids);
	free(c.score);
	free(c.surfaced);
	free(c.fscore);
	free(c.flabel);
	free(c.alerts);
	free(c.rec);
	return err;
}

/* ------------------------------------------------------------------ command */

static int eval_aitads(int argc, char **argv)
{
	static const struct option lopts[] = {{"data", required_argument, NULL, 'd'},
	                                      {"out", required_argument, NULL, 'o'},
	                                      {"config", required_argument, NULL, 'c'},
	                                      {"seed", required_argument, NULL, 's'},
	                                      {"rounds", required_argument, NULL, 'r'},
	                                      {"depth", required_argument, NULL, 'D'},
	                                      {"scenarios", required_argument, NULL, 'n'},
	                                      {NULL, 0, NULL, 0}};
	const char *data = NULL, *outdir = "eval-aitads", *cfg_path = NULL;
	char *names = NULL;
	struct vg_train_params tp = {
	    .rounds = 60, .max_depth = 4, .eta = 0.2, .seed = 1, .nthread = 1};
	char defdata[1024];
	int c;
	int64_t v;
	while ((c = getopt_long(argc, argv, "d:o:c:s:r:D:n:", lopts, NULL)) != -1) {
		switch (c) {
		case 'd': data = optarg; break;
		case 'o': outdir = optarg; break;
		case 'c': cfg_path = optarg; break;
		case 's':
			if (!vg_cli_seed_arg("eval", "--seed", optarg, &tp.seed))
				return 2;
			break;
		case 'r':
			if (!vg_cli_int_arg("eval", "--rounds", optarg, 1, 100000, &v))
				return 2;
			tp.rounds = (int)v;
			break;
		case 'D':
			if (!vg_cli_int_arg("eval", "--depth", optarg, 1, 32, &v))
				return 2;
			tp.max_depth = (int)v;
			break;
		case 'n': names = optarg; break;
		default: vg_cli_usage(stderr, "eval"); return 2;
		}
	}
	if (!data) {
		const char *sd = getenv("VIGIL_SHARED_DATA");
		snprintf(defdata, sizeof(defdata), "%s/ait-alert-data-set/alerts",
		         sd ? sd : "../shared/data");
		data = defdata;
	}
	static const char *const all[] = {"fox",  "harrison", "russellmitchell",
	                                  "shaw", "wheeler",  "wilson"};
	struct scenario *sc = calloc(MAX_SCEN, sizeof(*sc));
	struct steps steps = {.n = 0};
	size_t nsc = 0;
	int rc = 1;
	vg_err err = VG_OK;
	if (!sc)
		return 1;
	step_id(&steps, "-", 1);
	char *list = names ? strdup(names) : NULL, *save = NULL;
	for (size_t i = 0; nsc < MAX_SCEN; i++) {
		const char *nm;
		if (list)
			nm = strtok_r(i ? NULL : list, ",", &save);
		else
			nm = i < sizeof(all) / sizeof(all[0]) ? all[i] : NULL;
		if (!nm)
			break;
		snprintf(sc[nsc].name, sizeof(sc[nsc].name), "%s_alerts.csv", nm);
		int w = snprintf(sc[nsc].path, sizeof(sc[nsc].path),
		                 "%s/%s_alerts.csv.xz", data, nm);
		if (w > 0 && (size_t)w < sizeof(sc[nsc].path) &&
		    access(sc[nsc].path, R_OK))
			w = snprintf(sc[nsc].path, sizeof(sc[nsc].path),
			             "%s/%s_alerts.csv", data, nm);
		if (w < 0 || (size_t)w >= sizeof(sc[nsc].path) ||
		    access(sc[nsc].path, R_OK)) {
			fprintf(stderr, "vigil eval: %s: no %s_alerts.csv[.xz]\n", data,
			        nm);
			goto out;
		}
		nsc++;
	}
	if (nsc < 3) {
		fprintf(stderr, "vigil eval: need at least 3 scenarios\n");
		goto out;
	}
	if (mkdir(outdir, 0777) && errno != EEXIST) {
		fprintf(stderr, "vigil eval: %s: %s\n", outdir, strerror(errno));
		goto out;
	}
	double t_all = vg_cli_seconds();
	printf("AIT-ADS leave-one-scenario-out: %zu scenarios from %s, seed %llu, %d "
	       "rounds, depth %d\n",
	       nsc, data, (unsigned long long)tp.seed, tp.rounds, tp.max_depth);
	for (size_t i = 0; i < nsc; i++) {
		if ((err = read_labels(&sc[i], &steps)) ||
		    (err = phase1(&sc[i], cfg_path))) {
			fprintf(stderr, "vigil eval: %s: %s\n", sc[i].name,
			        vg_err_str(err));
			goto out;
		}
		size_t pos = 0;
		for (size_t r = 0; r < sc[i].rows; r++)
			pos += sc[i].y[r] > 0.5f;
		printf(
		    "collect %-22s %8zu alerts -> %8llu vigil alerts -> %6zu incidents "
		    "(%zu attack); %.1f s, %.0f alerts/s\n",
		    sc[i].name, sc[i].lab.n ? sc[i].lab.n - 1 : 0,
		    (unsigned long long)sc[i].vigil_alerts, sc[i].rows, pos,
		    sc[i].replay_secs,
		    sc[i].replay_secs > 0 ? (double)sc[i].lab.n / sc[i].replay_secs
		                          : 0.0);
		fflush(stdout);
	}
	char fpath[1200], tmp[1200];
	snprintf(fpath, sizeof(fpath), "%s/folds.tsv", outdir);
	FILE *ff = fopen(fpath, "w");
	if (!ff) {
		fprintf(stderr, "vigil eval: %s: %s\n", fpath, strerror(errno));
		goto out;
	}
	fprintf(ff, "scenario\talerts\tvigil_alerts\tincidents\tsurfaced\talerts_surfaced"
	            "\tfalse_alerts\tfalse_screened_pct\tfalse_alerts_loose"
	            "\tfalse_screened_loose_pct\tsteps\tsteps_surfaced\tpr_auc"
	            "\tthreshold\treplay_s\n");
	size_t folds_met = 0;
	for (size_t k = 0; k < nsc && !err; k++) {
		struct fold_result fr;
		double thr;
		memset(&fr, 0, sizeof(fr));
		snprintf(fpath, sizeof(fpath), "%s/model-%s.json", outdir, sc[k].name);
		snprintf(tmp, sizeof(tmp), "%s/inner.json", outdir);
		if ((err = train(sc, nsc, k, SIZE_MAX, &tp, fpath)) ||
		    (err = choose_threshold(sc, nsc, k, &steps, &tp, tmp, &thr)) ||
		    (err = phase2(&sc[k], &steps, cfg_path, fpath, thr, outdir, &fr))) {
			fprintf(stderr, "vigil eval: fold %s: %s\n", sc[k].name,
			        vg_err_str(err));
			break;
		}
		bool ok = fr.fp_screened >= 99.5 && fr.steps_surfaced == fr.steps &&
		          fr.prauc >= 0.8;
		folds_met += ok;
		printf("fold %-22s funnel: %llu alerts -> %llu vigil alerts -> %llu "
		       "incidents -> %llu surfaced (%llu of %llu attack incidents; %llu "
		       "alerts in them)\n",
		       sc[k].name, (unsigned long long)fr.rows,
		       (unsigned long long)fr.vigil_alerts,
		       (unsigned long long)fr.incidents, (unsigned long long)fr.surfaced,
		       (unsigned long long)fr.surfaced_attack,
		       (unsigned long long)fr.attack_incidents,
		       (unsigned long long)fr.alerts_surfaced);
		printf(
		    "     threshold %.4f (training scenarios only): false alerts "
		    "screened out %.3f%% (%llu of %llu; loose definition %.3f%%), attack "
		    "steps surfaced %d/%d%s%s%s, PR-AUC %.4f, replay %.1f s -> %s\n",
		    fr.threshold, fr.fp_screened,
		    (unsigned long long)(fr.fp - fr.fp_surf), (unsigned long long)fr.fp,
		    fr.fp2_screened, fr.steps_surfaced, fr.steps,
		    fr.missing[0] ? " (missing: " : "", fr.missing,
		    fr.missing[0] ? ")" : "", fr.prauc, fr.secs,
		    ok ? "goals met" : "goals NOT met");
		fflush(stdout);
		fprintf(
		    ff,
		    "%s\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu\t%.4f\t%llu\t%.4f\t%d\t%d\t%"
		    ".4f\t%.6f\t%.2f\n",
		    sc[k].name, (unsigned long long)fr.rows,
		    (unsigned long long)fr.vigil_alerts, (unsigned long long)fr.incidents,
		    (unsigned long long)fr.surfaced,
		    (unsigned long long)fr.alerts_surfaced, (unsigned long long)fr.fp,
		    fr.fp_screened, (unsigned long long)fr.fp2, fr.fp2_screened, fr.steps,
		    fr.steps_surfaced, fr.prauc, fr.threshold, fr.secs);
	}
	if (fclose(ff) && !err)
		err = VG_ERR_IO;
	if (!err) {
		printf("all folds: goals met in %zu of %zu folds; total %.1f s\n",
		       folds_met, nsc, vg_cli_seconds() - t_all);
		rc = folds_met == nsc ? 0 : 3;
	}
out:
	for (size_t i = 0; i < nsc; i++) {
		free(sc[i].lab.ev);
		free(sc[i].lab.tfp);
		free(sc[i].X);
		free(sc[i].y);
		free(sc[i].row_steps);
		free(sc[i].row_false);
	}
	for (size_t i = 0; i < steps.n; i++)
		free(steps.name[i]);
	free(sc);
	free(list);
	return rc;
}

int vg_cli_eval(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "aitads"))
		return eval_aitads(argc - 1, argv + 1);
	vg_cli_usage(stderr, "eval");
	return 2;
}
