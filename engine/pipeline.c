/*
 * pipeline.c - normalize -> detect -> correlate -> assemble -> rank -> store.
 *
 * Broker-independent: the Kafka runner, `vigil replay` and `vigil model train` all
 * feed records through vg_pipeline_process(_many) between vg_pipeline_begin and
 * _end.  vg_pipeline_process_many parses and runs detection on engine.workers
 * threads (workers.c); everything from correlation on runs here, in record order.
 *
 * Delivery invariants kept here:
 *  - Everything a batch derives (alerts, incidents, marks, input offsets, metrics) is
 *    written in one SQLite transaction, committed in vg_pipeline_end.
 *  - An alert already in the store was derived from a record before a restart: it is
 *    skipped (counted as replayed), so a replay never changes or duplicates anything.
 *  - The rule hits correlations consume are held by the correlator (ordered mode)
 *    and counted in time order once the low watermark (the smallest newest-event
 *    time over the input partitions, less the allowed lateness) passes them
 *    (vg_correlator_release, at the end of every batch); the alerts that counting
 *    fires, and every other alert, are held back and released to the assembler in
 *    time order (ties by content, never by input names: cmp_held) once the same
 *    low watermark passes them -- a correlation's at its fire position's time when
 *    that is later (struct held_alert.due), as counting emits it only there.
 *    Neither correlation nor incident assembly therefore depends on how partitions
 *    interleave, which changes from run to run, nor on their names.
 *  - When a held alert of a correlation is released, the largest offset of its
 *    events per partition is stored as a mark; on start the marks go back to the
 *    correlator, so re-read events that already fired are not counted again.  An
 *    alert of a correlation that others consume is stored too, and given back to
 *    them when its partition is read again (give_back_chained).
 *  - vg_pipeline_committable never lets the caller commit past an event an open
 *    correlation window, a held hit or a held alert still needs; marks before an
 *    offset the caller committed (vg_pipeline_committed) are removed, a restart
 *    never reading them again.
 *  - store.retention removes quiet incidents (prune_store), never one a restart
 *    could still touch (the minimum is checked at start-up).
 *  - The input records behind every assembled alert are mapped to its incident
 *    (record_incidents) in the same transaction; merges move those rows along.
 */
#include "incident_text.h"
#include "workers.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_HITS VG_WORKER_MAX_HITS

struct part_pos {
	char *topic;
	int32_t partition;
	int64_t max_offset;  /* largest offset processed so far, -1 none */
	vg_time max_ts;      /* newest event time seen, or where vg_pipeline_advance
	                        moved it (an idle partition); VG_TIME_NONE none */
	bool ended;          /* vg_pipeline_input_ended: nothing more will come */
	bool assigned;       /* counts for the low watermark */
	int64_t committed;   /* next offset committed upstream (Kafka), -1 unknown */
	int64_t marks_below; /* the store's marks before it are gone */
	struct vg_parse_ctx *group_ctx; /* auditd grouping of this stream, or NULL */
	int64_t group_first;            /* offset of the pending group's first record */
	vg_time group_ref;              /* ref_time of its latest record */
	bool retimed;   /* its latest event's time was past max_future (retime_future) */
	uint64_t timed; /* events with an event time (vg_pipeline_timed_events) */
	/* at least the offset of every record behind a rule hit in the store
	 * (rule_hit_part) */
	int64_t stored_to;
	/* retention: the event time from which a restart may read this partition
	 * again (its first record's in this run, then the newest before the offset
	 * committed: prune_store), VG_TIME_NONE none yet; and the (largest offset,
	 * newest event time) of each batch end since the last commit */
	vg_time reread_from;
	struct checkpoint {
		int64_t end;
		vg_time ts;
	} * cps;
	size_t ncps, cps_cap;
};

/* A stored alert of a correlation that others consume, waiting for the first record
 * its partition delivers in this run (give_back_chained). */
struct pending_chained {
	char *rule_id, *topic;
	struct vg_kv *chain;
	size_t nchain;
	vg_time ts;
	int32_t partition;
	int64_t offset;
	struct vg_fire_pos at;
};

/* An alert held until the low watermark passes it (deep copy). */
struct held_alert {
	struct vg_alert a;
	char *group_key;
	/* when it is due: its last event's time, or, for a correlation that fired
	 * later in counting order (a window that fired as it closed, or above one),
	 * its fire position's time -- the correlator emits it only once counting got
	 * there, after alerts of later times may have been released, so it is
	 * assembled in that order whatever the batches */
	vg_time due;
	/* cmp_held's keys after the times, worked out once when the alert is held
	 * (the heap compares each alert many times) */
	const char *rule_id;
	bool notable;
	enum vg_level level;
};

/* The offsets of one partition's events that held alerts still need, with their
 * least at hand for vg_pipeline_committable. */
struct held_offsets {
	char *topic;
	int32_t partition;
	struct vg_minset offs;
};

struct vg_pipeline {
	const struct vg_config *cfg;
	struct vg_pipeline_hooks hooks;
	struct vg_parser *parser;
	struct vg_parse_ctx *pctx;
	struct vg_ruleset *rules;
	vg_time reach; /* the rules' longest correlation chain (vg_ruleset_reach) */
	struct vg_detect_ctx *dctx;
	struct vg_workers *workers; /* NULL: parse and detect on this thread */
	struct vg_prepared *prep;   /* vg_pipeline_process_many's results */
	size_t prep_cap;
	struct vg_correlator *corr;
	struct vg_assembler *assembler;
	struct vg_model *model;
	struct vg_store *store;
	struct vg_arena *arena;
	bool in_batch;
	vg_err batch_err; /* first error inside a batch (alert sink cannot return one) */

	struct vg_strmap dirty;  /* incident id -> (void *)1 */
	struct held_alert *held; /* a min-heap by cmp_held (vg_heap_push) */
	size_t nheld, held_cap;
	struct held_offsets *hoffs; /* per partition of a held alert's events */
	size_t nhoffs, hoffs_cap;
	bool finishing; /* end of input: release every held alert at vg_pipeline_end */
	bool managed;   /* the caller tells which partitions are assigned */
	struct part_pos *grouping; /* the partition whose auditd group is being fed */
	struct part_pos *parts;
	size_t nparts, parts_cap;
	size_t last_part; /* index part_of found last */

	struct vg_output *outputs;
	size_t noutputs, outputs_cap;

	/* the incidents changed in a batch, ranked together (vg_pipeline_end): per
	 * incident a row of features, its score and a row of contributions */
	struct vg_incident **ranked;
	float *features, *scores, *contrib;
	size_t ranked_cap; /* rows each array holds */
	struct vg_incident_text text;
	struct vg_incident_story story;
	struct vg_incident_order order; /* store_ranked's canonical views */
	/* (host, rule) pairs seen in the stream ("host\x1frule" -> (void *)1), for
	 * the novelty flag of alerts; loaded from the store on start */
	struct vg_strmap novelty;
	struct vg_buf expl, feats;

	vg_incident_tap_fn incident_tap;
	void *incident_tap_ctx;

	/* retention: the cutoff of the last vg_store_prune, and whether that call
	 * stopped at its limit (more to remove) */
	vg_time pruned_before;
	bool prune_more;

	/* the store's chained alerts not given back to the correlator yet */
	struct pending_chained *chained;
	size_t nchained, chained_cap;

	struct vg_pipeline_stats stats, stats_flushed;
	struct vg_ratelimit dl_log;
	struct vg_ratelimit doc_log;    /* documents made to fit */
	struct vg_ratelimit evict_log;  /* correlation groups evicted */
	struct vg_ratelimit future_log; /* event times past correlation.max_future */
	struct vg_ratelimit hold_log;   /* correlation.max_held_alerts reached */
	struct vg_ratelimit hits_log;   /* correlation.max_held_hits reached */
};

static void held_free(struct held_alert *h);
static int cmp_held(const void *x, const void *y);

/* Restoring the store's correlation marks: the pipeline, and the marks left out. */
struct marks_restore {
	struct vg_pipeline *p;
	size_t left_out;
	char rule[128]; /* the first left out's rule */
};

/* What became of one restored item of rule_id: VG_ERR_NOTFOUND (its rule is not
 * loaded, or no longer what it was) leaves it out, counted (restore_marks warns
 * once), instead of refusing the store. */
static vg_err left_out(struct marks_restore *mr, vg_err err, const char *rule_id)
{
	if (err != VG_ERR_NOTFOUND)
		return err;
	if (!mr->left_out++)
		snprintf(mr->rule, sizeof(mr->rule), "%s", rule_id);
	return VG_OK;
}

/* A stored mark back to the correlator.  A mark of a correlation no longer loaded
 * (the rule was removed or renamed since) can stop nothing: it is left out. */
static vg_err restore_mark(const char *rule_id, const char *group_key, const char *topic,
                           int32_t partition, int64_t offset,
                           const struct vg_fire_pos *fire, void *ctx)
{
	struct marks_restore *mr = ctx;
	return left_out(mr,
	                vg_correlator_restore_mark(mr->p->corr, rule_id, group_key, topic,
	                                           partition, offset, fire),
	                rule_id);
}

/* A stored chained alert, kept until its partition's first record in this run
 * (give_back_chained).  One whose rule is not loaded, or no loaded correlation
 * consumes, is left out and counted like a mark. */
static vg_err keep_chained(const char *rule_id, const struct vg_kv *chain, size_t nchain,
                           vg_time ts, const struct vg_source *src,
                           const struct vg_fire_pos *at, void *ctx)
{
	struct marks_restore *mr = ctx;
	struct vg_pipeline *p = mr->p;
	const struct vg_rule *rule = vg_ruleset_find(p->rules, rule_id);
	struct vg_rule_info info = {0};
	if (rule)
		vg_rule_info(rule, &info);
	if (!info.is_correlation || !info.consumed)
		return left_out(mr, VG_ERR_NOTFOUND, rule_id);
	struct pending_chained *nc =
	    vg_grow(p->chained, &p->chained_cap, p->nchained + 1, sizeof(*nc));
	if (!nc)
		return VG_ERR_NOMEM;
	p->chained = nc;
	struct pending_chained *c = &p->chained[p->nchained];
	*c = (struct pending_chained){.rule_id = strdup(rule_id),
	                              .topic = strdup(src->topic),
	                              .ts = ts,
	                              .partition = src->partition,
	                              .offset = src->offset,
	                              .at = *at};
	if (!c->rule_id || !c->topic ||
	    vg_kv_dup(chain, nchain, &c->chain, &c->nchain) != VG_OK) {
		free(c->rule_id);
		free(c->topic);
		return VG_ERR_NOMEM;
	}
	p->nchained++;
	return VG_OK;
}

static void pending_chained_free(struct pending_chained *c)
{
	free(c->rule_id);
	free(c->topic);
	vg_kv_free(c->chain);
}

/*
 * The first record of a partition in this run: the stored chained alerts of that
 * partition go back to the correlator (vg_correlator_restore_chained), those at or
 * after the record's offset -- where this run reads the partition from, at most
 * the offset of an event a window above still held when it was committed.  One
 * before it belongs to a window that had closed by that commit (its row is removed
 * when the next batch ends after a commit, so a crash in between leaves it):
 * given back, it would open a window of its own.  A partition this run never
 * reads (another consumer's now) gives back nothing.
 */
static vg_err give_back_chained(struct vg_pipeline *p, const struct vg_source *src)
{
	size_t kept = 0;
	vg_err err = VG_OK;
	for (size_t i = 0; i < p->nchained; i++) {
		struct pending_chained *c = &p->chained[i];
		if (c->partition != src->partition || strcmp(c->topic, src->topic) != 0) {
			p->chained[kept++] = *c;
			continue;
		}
		if (!err && c->offset >= src->offset) {
			struct vg_source at = {c->topic, c->partition, c->offset};
			err = vg_correlator_restore_chained(
			    p->corr, c->rule_id, c->chain, c->nchain, c->ts, &at, &c->at);
		}
		pending_chained_free(c);
	}
	p->nchained = kept;
	return err;
}

/* The store's correlation marks, then its chained alerts, back to the correlator. */
static vg_err restore_marks(struct vg_pipeline *p)
{
	struct marks_restore mr = {.p = p}, ch = {.p = p};
	vg_err err = vg_store_each_mark(p->store, restore_mark, &mr);
	if (!err)
		err = vg_store_each_chained(p->store, keep_chained, &ch);
	if (!err && mr.left_out)
		vg_log(VG_LOG_WARN,
		       "store: %zu correlation marks left out: their rules are not "
		       "loaded (the first: %s)",
		       mr.left_out, mr.rule);
	if (!err && ch.left_out)
		vg_log(VG_LOG_WARN,
		       "store: %zu chained correlation alerts left out: their rules are "
		       "not loaded, or no loaded correlation consumes them (the first: "
		       "%s)",
		       ch.left_out, ch.rule);
	return err;
}

static vg_err restore_sig_stat(const char *key, uint32_t runs, vg_time last_ts, void *ctx)
{
	struct vg_pipeline *p = ctx;
	return vg_assembler_restore_sig_stat(p->assembler, key, runs, last_ts);
}

/* The signature statistics this batch changed go into its transaction. */
static vg_err store_sig_stats(struct vg_pipeline *p)
{
	struct vg_sig_stat_row rows[32];
	size_t n;
	while ((n = vg_assembler_take_sig_stats(p->assembler, rows, 32)) > 0)
		for (size_t i = 0; p->store && i < n; i++) {
			vg_err err = vg_store_put_sig_stat(p->store, rows[i].key,
			                                   rows[i].runs, rows[i].last_ts);
			if (err)
				return err;
		}
	return VG_OK; /* without a store the changes are only drained */
}

/* The novelty key of (host, rule): the host as incident assembly knows it
 * (vg_assembler_host: lowercase, without a local domain, into h[VG_ENTITY_VALUE_MAX]),
 * "" for none.  @return whether the host names one. */
static bool novelty_key(const struct vg_pipeline *p, const char *host,
                        const char *rule_id, char *h, char *key, size_t size)
{
	bool named =
	    host && vg_assembler_host(p->assembler, host, h, VG_ENTITY_VALUE_MAX);
	if (!named)
		h[0] = '\0';
	snprintf(key, size, "%s\x1f%s", h, rule_id);
	return named;
}

static vg_err restore_novelty(const char *host, const char *rule_id, void *ctx)
{
	struct vg_pipeline *p = ctx;
	char key[1024], h[VG_ENTITY_VALUE_MAX];
	novelty_key(p, host, rule_id, h, key, sizeof(key));
	return vg_strmap_put(&p->novelty, key, (void *)1);
}

/* Flag the alert just assembled as novel when its (host, rule) pair is new to the
 * stream, and remember the pair (in the store too, same transaction).  Decided at
 * assembly, in release order, and stored with the alert, so the feature it feeds
 * stays a function of the incident. */
static vg_err note_novelty(struct vg_pipeline *p, struct vg_incident *inc,
                           const struct vg_alert *alert, const struct vg_rule_info *info)
{
	const char *host = vg_kv_get(alert->fields, alert->nfields, "host.name");
	char key[1024], h[VG_ENTITY_VALUE_MAX];
	if (novelty_key(p, host, info->id, h, key, sizeof(key)))
		host = h; /* as the assembler knows it */
	else if (!host)
		host = "";
	if (vg_strmap_get(&p->novelty, key))
		return VG_OK;
	if (vg_strmap_put(&p->novelty, key, (void *)1))
		return VG_ERR_NOMEM;
	for (size_t i = inc->nalerts; i > 0; i--)
		if (!strcmp(inc->alerts[i - 1].id, alert->id)) {
			inc->alerts[i - 1].novel = true;
			break;
		}
	if (!p->store)
		return VG_OK;
	vg_err err =
	    vg_store_put_novelty(p->store, host, info->id, alert->id, alert->first_ts);
	return err;
}

static vg_err restore_incident(const struct vg_incident *inc, void *ctx)
{
	struct vg_pipeline *p = ctx;
	vg_err err = vg_assembler_restore(p->assembler, inc);
	p->stats.incidents_restored += !err;
	return err; /* its alerts are marked stored: the store loaded them */
}

static vg_err restore_rate(const struct vg_incident_alert *al, void *ctx)
{
	struct vg_pipeline *p = ctx;
	return vg_assembler_restore_rate(p->assembler, al);
}

/* The incidents an alert of the configured input topics could still join (those
 * active within two gaps of the oldest of their partitions' newest event times),
 * back from the store into the assembler, and the alerts the automatic stop-values
 * count.  An alert assembled after the restart has last_ts no earlier than that
 * time less allowed_lateness (a later one was held, or not yet raised, when the
 * store last committed; a late event's alert aside), and counts the alerts of
 * stop_window before it: those within stop_window + allowed_lateness of that
 * time.  The restored incidents hold them when that is within two gaps (the
 * defaults: 1h + 60s against 2h); a longer stop_window needs the alerts of
 * incidents closed before, read for their fields alone
 * (vg_store_each_rate_alert).  Without them a value busy in incidents closed
 * earlier linked again after a restart (test restart_keeps_stop_values). */
static vg_err restore_open_incidents(struct vg_pipeline *p)
{
	const struct vg_config *cfg = p->cfg;
	const char **topics =
	    calloc(cfg->kafka.ninputs ? cfg->kafka.ninputs : 1, sizeof(*topics));
	if (!topics)
		return VG_ERR_NOMEM;
	for (size_t i = 0; i < cfg->kafka.ninputs; i++)
		topics[i] = cfg->kafka.inputs[i].topic;
	vg_time gap2 = 2 * cfg->correlation.incident_gap;
	vg_err err = vg_store_each_open_incident(p->store, gap2, topics,
	                                         cfg->kafka.ninputs, restore_incident, p);
	if (!err)
		err = vg_store_each_rate_alert(
		    p->store, gap2,
		    cfg->correlation.stop_window + cfg->correlation.allowed_lateness,
		    topics, cfg->kafka.ninputs, restore_rate, p);
	free(topics);
	if (!err && p->stats.incidents_restored)
		vg_log(VG_LOG_INFO, "store: %llu open incidents restored",
		       (unsigned long long)p->stats.incidents_restored);
	return err;
}

static vg_err load_model(struct vg_pipeline *p, struct vg_diag *diag)
{
	const char *path = p->cfg->model.path;
	char errstr[512] = "";
	int line, col;
	vg_err err;

	if (!strcmp(path, "none"))
		return VG_OK; /* unranked: used while training the model itself */
	if (!strcmp(path, "embedded")) {
		const struct vg_resource *r =
		    vg_resource_get("models/default-model.json");
		if (!r) {
			vg_config_where(p->cfg, "model", "path", &line, &col);
			vg_diag_error(diag, p->cfg->file, line, col,
			              "model.path: no model is embedded in this binary");
			return VG_ERR_MODEL;
		}
		err = vg_model_load_buffer(r->data, r->len, &p->model, errstr,
		                           sizeof(errstr));
	} else {
		err = vg_model_load_file(path, &p->model, errstr, sizeof(errstr));
	}
	if (err) {
		vg_config_where(p->cfg, "model", "path", &line, &col);
		bool named = !strncmp(errstr, path, strlen(path)); /* "path: why" */
		vg_diag_error(diag, p->cfg->file, line, col, "model.path: %s%s%s",
		              named ? "" : path, named ? "" : ": ", errstr);
	}
	return err;
}

/* store.retention must outlast what a restart can re-read: the config checked the
 * incident gap and lateness; here the rules' longest correlation chain (reach, of
 * rule longest) joins them. */
static void check_retention(const struct vg_config *cfg, vg_time reach,
                            const struct vg_rule *longest, struct vg_diag *diag)
{
	vg_time span = vg_config_restart_span(cfg), least = span + reach;
	/* below the span alone, the config's check has said so at this position
	 * (twice, the same position gave two minimums) */
	if (cfg->store.retention <= 0 || cfg->store.retention >= least ||
	    cfg->store.retention < span)
		return;
	struct vg_rule_info info = {.id = "none", .file = "-"};
	if (longest)
		vg_rule_info(longest, &info);
	int line, col;
	vg_config_where(cfg, "store", "retention", &line, &col);
	vg_diag_error(
	    diag, cfg->file, line, col,
	    "'store.retention' must be 0 (keep everything) or at least %llds: %s + "
	    "correlation.allowed_lateness + %llds, "
	    "the longest correlation timespan chain of the rules (%s, %s:%d)",
	    (long long)(least / VG_USEC_PER_SEC),
	    cfg->correlation.stop_window > 2 * cfg->correlation.incident_gap
	        ? "correlation.stop_window"
	        : "2 x correlation.incident_gap",
	    (long long)(reach / VG_USEC_PER_SEC), info.id, info.file, info.line);
}

vg_err vg_pipeline_new(const struct vg_config *cfg, const struct vg_pipeline_hooks *hooks,
                       struct vg_pipeline **out, struct vg_diag *diag)
{
	struct vg_pipeline *p = calloc(1, sizeof(*p));
	char errstr[512];
	vg_err err;
	size_t errors_before = diag->errors;

	if (!p)
		return VG_ERR_NOMEM;
	p->cfg = cfg;
	if (hooks)
		p->hooks = *hooks;
	p->dl_log = (struct vg_ratelimit)VG_RATELIMIT_INIT(10, 60);
	p->doc_log = (struct vg_ratelimit)VG_RATELIMIT_INIT(10, 60);
	p->evict_log = (struct vg_ratelimit)VG_RATELIMIT_INIT(1, 60);
	p->future_log = (struct vg_ratelimit)VG_RATELIMIT_INIT(10, 60);
	p->hold_log = (struct vg_ratelimit)VG_RATELIMIT_INIT(1, 60);
	p->hits_log = (struct vg_ratelimit)VG_RATELIMIT_INIT(1, 60);
	vg_strmap_init(&p->dirty);
	vg_strmap_init(&p->novelty);
	vg_buf_init(&p->text.title);
	vg_buf_init(&p->text.summary);
	vg_buf_init(&p->text.tactics);
	vg_buf_init(&p->expl);
	vg_buf_init(&p->feats);

	if ((err = vg_fields_init(diag)))
		goto fail;
	/* Rules first: they intern the field names decoders and events are sized by. */
	struct vg_named_at *rules_at =
	    vg_config_named_at(cfg, "rules", "paths", cfg->rules.npaths);
	struct vg_named_at *decoders_at =
	    vg_config_named_at(cfg, "decoders", "paths", cfg->decoders.npaths);
	err = vg_ruleset_load_named((const char *const *)cfg->rules.paths, rules_at,
	                            cfg->rules.npaths, &p->rules, diag);
	struct vg_parser_conf pconf = {
	    .decoder_paths = (const char *const *)cfg->decoders.paths,
	    .n_decoder_paths = cfg->decoders.npaths,
	    .decoder_named_at = decoders_at,
	    .rfc3164_utc_offset_sec = (int)cfg->decoders.rfc3164_utc_offset_sec,
	    .max_future = cfg->correlation.max_future,
	};
	vg_err perr = vg_parser_new(&pconf, &p->parser, diag);
	free(rules_at);
	free(decoders_at);
	vg_err merr = load_model(p, diag);
	if (!err) {
		const struct vg_rule *longest;
		p->reach = vg_ruleset_reach(p->rules, &longest);
		check_retention(cfg, p->reach, longest, diag);
	}
	if (err || perr || merr || diag->errors > errors_before) {
		err = err ? err : perr ? perr : merr ? merr : VG_ERR_CONFIG;
		goto fail;
	}
	p->pctx = vg_parse_ctx_new(p->parser);
	p->dctx = vg_detect_ctx_new(p->rules);
	if (p->dctx &&
	    vg_detect_ctx_cache(p->dctx, (size_t)cfg->engine.value_cache) != VG_OK) {
		err = VG_ERR_NOMEM;
		goto fail;
	}
	p->arena = vg_arena_new(256 * 1024);
	if (!p->pctx || !p->dctx || !p->arena) {
		err = VG_ERR_NOMEM;
		goto fail;
	}
	struct vg_correlator_conf cconf = {
	    .allowed_lateness = cfg->correlation.allowed_lateness,
	    .max_groups_per_rule = (size_t)cfg->correlation.max_groups_per_rule,
	    .max_groups_total = (size_t)cfg->correlation.max_groups_total,
	    .ordered = true,
	    .max_held_hits = (size_t)cfg->correlation.max_held_hits,
	};
	if ((err = vg_correlator_new(p->rules, &cconf, &p->corr)))
		goto fail;
	long nthreads = cfg->engine.workers ? (long)cfg->engine.workers
	                                    : sysconf(_SC_NPROCESSORS_ONLN);
	if (nthreads > 1 && vg_workers_new(p->parser, p->rules, (size_t)nthreads,
	                                   (size_t)cfg->engine.value_cache, &p->workers))
		vg_log(
		    VG_LOG_WARN,
		    "engine.workers: could not start %ld threads; parsing and detection "
		    "run on one",
		    nthreads);
	struct vg_assembler_conf aconf = {
	    .inactivity_gap = cfg->correlation.incident_gap,
	    .link_hosts = cfg->correlation.link_hosts,
	    .stop_values = (const char *const *)cfg->correlation.stop_values,
	    .n_stop_values = cfg->correlation.nstop_values,
	    .stop_max_alerts = cfg->correlation.stop_max_alerts > 0 &&
	                               cfg->correlation.stop_max_alerts < UINT32_MAX
	                           ? (uint32_t)cfg->correlation.stop_max_alerts
	                           : 0,
	    .stop_window = cfg->correlation.stop_window,
	    .novelty_warmup = cfg->correlation.novelty_warmup,
	    .host_memory = cfg->correlation.host_memory,
	    .host_domains = (const char *const *)cfg->correlation.host_domains,
	    .n_host_domains = cfg->correlation.nhost_domains,
	    .account_domains = (const char *const *)cfg->correlation.account_domains,
	    .n_account_domains = cfg->correlation.naccount_domains,
	};
	if ((err = vg_assembler_new(&aconf, &p->assembler)))
		goto fail;
	if (cfg->store.path) {
		if ((err = vg_store_open(cfg->store.path, &p->store, errstr,
		                         sizeof(errstr)))) {
			int line, col;
			vg_config_where(cfg, "store", "path", &line, &col);
			vg_diag_error(diag, cfg->file, line, col, "store.path: %s",
			              errstr);
			goto fail;
		}
		if ((err = vg_store_tune(p->store, cfg->store.cache_mib,
		                         cfg->store.wal_checkpoint_mib))) {
			vg_diag_error(diag, cfg->file, 0, 0, "store.path: %s",
			              vg_store_errmsg(p->store));
			goto fail;
		}
		if ((err = restore_marks(p)) ||
		    (err = vg_store_each_novelty(p->store, restore_novelty, p)) ||
		    (err = vg_store_each_sig_stat(p->store, restore_sig_stat, p)) ||
		    (err = restore_open_incidents(p))) {
			vg_diag_error(diag, cfg->file, 0, 0,
			              "store.path: restoring state: %s",
			              err == VG_ERR_STORE ? vg_store_errmsg(p->store)
			                                  : vg_err_str(err));
			goto fail;
		}
	}
	*out = p;
	return VG_OK;
fail:
	vg_pipeline_destroy(p);
	return err;
}

static void outputs_clear(struct vg_pipeline *p)
{
	for (size_t i = 0; i < p->noutputs; i++)
		vg_buf_free(&p->outputs[i].json);
	p->noutputs = 0;
}

void vg_pipeline_destroy(struct vg_pipeline *p)
{
	if (!p)
		return;
	if (p->in_batch && p->store)
		vg_store_rollback(p->store);
	outputs_clear(p);
	free(p->outputs);
	for (size_t i = 0; i < p->nheld; i++)
		held_free(&p->held[i]);
	free(p->held);
	for (size_t i = 0; i < p->nhoffs; i++) {
		free(p->hoffs[i].topic);
		vg_minset_free(&p->hoffs[i].offs);
	}
	free(p->hoffs);
	for (size_t i = 0; i < p->nparts; i++) {
		free(p->parts[i].topic);
		free(p->parts[i].cps);
		vg_parse_ctx_destroy(p->parts[i].group_ctx);
	}
	free(p->parts);
	vg_strmap_free(&p->dirty);
	vg_strmap_free(&p->novelty);
	vg_incident_story_free(&p->story);
	vg_incident_order_free(&p->order);
	vg_buf_free(&p->text.title);
	vg_buf_free(&p->text.summary);
	vg_buf_free(&p->text.tactics);
	vg_buf_free(&p->expl);
	vg_buf_free(&p->feats);
	free(p->ranked);
	free(p->features);
	free(p->scores);
	free(p->contrib);
	vg_store_close(p->store);
	vg_assembler_destroy(p->assembler);
	vg_correlator_destroy(p->corr);
	for (size_t i = 0; i < p->nchained; i++)
		pending_chained_free(&p->chained[i]);
	free(p->chained);
	vg_model_destroy(p->model);
	vg_arena_destroy(p->arena);
	vg_workers_destroy(p->workers);
	free(p->prep);
	vg_detect_ctx_destroy(p->dctx);
	vg_ruleset_destroy(p->rules);
	vg_parse_ctx_destroy(p->pctx);
	vg_parser_destroy(p->parser);
	free(p);
}

vg_err vg_pipeline_begin(struct vg_pipeline *p)
{
	outputs_clear(p);
	vg_arena_reset(p->arena);
	vg_workers_reset(p->workers);
	p->batch_err = VG_OK;
	if (p->store) {
		vg_err err = vg_store_begin(p->store);
		if (err)
			return err;
	}
	p->in_batch = true;
	return VG_OK;
}

static struct part_pos *part_of(struct vg_pipeline *p, const char *topic,
                                int32_t partition)
{
	/* Records come in runs from one partition: try the last one found first. */
	if (p->last_part < p->nparts && p->parts[p->last_part].partition == partition &&
	    !strcmp(p->parts[p->last_part].topic, topic))
		return &p->parts[p->last_part];
	for (size_t i = 0; i < p->nparts; i++)
		if (p->parts[i].partition == partition &&
		    !strcmp(p->parts[i].topic, topic)) {
			p->last_part = i;
			return &p->parts[i];
		}
	if (p->nparts == p->parts_cap) {
		size_t ncap = p->parts_cap ? p->parts_cap * 2 : 8;
		struct part_pos *np = realloc(p->parts, ncap * sizeof(*np));
		if (!np)
			return NULL;
		p->parts = np;
		p->parts_cap = ncap;
	}
	struct part_pos *pp = &p->parts[p->nparts];
	char *name = strdup(topic);
	if (!name)
		return NULL;
	/* every member set: the array comes from realloc */
	*pp = (struct part_pos){
	    .topic = name,
	    .partition = partition,
	    .max_offset = -1,
	    .max_ts = VG_TIME_NONE,
	    .assigned = !p->managed,
	    .committed = -1,
	    .group_first = -1,
	    .group_ref = VG_TIME_NONE,
	    .stored_to = p->store ? vg_store_records_to(p->store, topic, partition) : -1,
	    .reread_from = VG_TIME_NONE};
	p->nparts++;
	return pp;
}

static void mark_dirty(struct vg_pipeline *p, const char *id)
{
	if (vg_strmap_put(&p->dirty, id, (void *)1) != VG_OK && !p->batch_err)
		p->batch_err = VG_ERR_NOMEM;
}

/* Persist what a fired correlation consumed: its fire position with, per partition,
 * the largest offset counted when it fired (the ordered correlator's frontier), or
 * else, per partition, the largest offset of its events. */
static vg_err put_marks(struct vg_pipeline *p, const struct vg_alert *alert,
                        const struct vg_rule_info *info)
{
	for (size_t i = 0; i < alert->nfrontier; i++) {
		const struct vg_source *f = &alert->frontier[i];
		vg_err err =
		    vg_store_put_mark(p->store, info->id, alert->group_key, f->topic,
		                      f->partition, f->offset, &alert->fire);
		if (err)
			return err;
	}
	for (size_t i = 0; !alert->nfrontier && i < alert->nevents; i++) {
		const struct vg_source *e = &alert->events[i];
		bool later = false;
		if (!e->topic)
			continue;
		for (size_t j = 0; j < alert->nevents && !later; j++)
			later = j != i && alert->events[j].topic &&
			        alert->events[j].partition == e->partition &&
			        !strcmp(alert->events[j].topic, e->topic) &&
			        (alert->events[j].offset > e->offset ||
			         (alert->events[j].offset == e->offset && j < i));
		if (later)
			continue;
		vg_err err = vg_store_put_mark(p->store, info->id, alert->group_key,
		                               e->topic, e->partition, e->offset, NULL);
		if (err)
			return err;
	}
	return VG_OK;
}

static void held_free(struct held_alert *h)
{
	vg_kv_free(h->a.fields);
	vg_kv_free((struct vg_kv *)h->a.chain);
	free(h->a.events);
	free((void *)h->a.frontier);
	free(h->group_key);
}

/* Deep-copy an alert from the correlator's callback.  Topic names point at the
 * correlator's own copies, which live as long as it does. */
static vg_err held_copy(struct held_alert *h, const struct vg_alert *src)
{
	memset(h, 0, sizeof(*h));
	h->a = *src;
	h->a.fields = NULL;
	h->a.nfields = 0;
	h->a.chain = NULL;
	h->a.nchain = 0;
	struct vg_kv *chain = NULL;
	size_t nchain = 0;
	h->group_key = strdup(src->group_key ? src->group_key : "");
	h->a.events = calloc(src->nevents ? src->nevents : 1, sizeof(struct vg_source));
	struct vg_source *frontier = NULL;
	if (src->nfrontier &&
	    (frontier = calloc(src->nfrontier, sizeof(struct vg_source))) != NULL)
		memcpy(frontier, src->frontier, src->nfrontier * sizeof(*frontier));
	h->a.frontier = frontier;
	if (!h->group_key || !h->a.events || (src->nfrontier && !frontier) ||
	    vg_kv_dup(src->fields, src->nfields, &h->a.fields, &h->a.nfields) != VG_OK ||
	    (src->nchain &&
	     vg_kv_dup(src->chain, src->nchain, &chain, &nchain) != VG_OK)) {
		held_free(h);
		return VG_ERR_NOMEM;
	}
	h->a.chain = chain;
	h->a.nchain = nchain;
	h->a.group_key = h->group_key;
	memcpy(h->a.events, src->events, src->nevents * sizeof(struct vg_source));
	struct vg_rule_info info;
	vg_rule_info(src->rule, &info);
	h->rule_id = info.id;
	h->level = vg_alert_level(&h->a);
	h->notable = vg_level_notable(h->level, info.is_correlation);
	h->due = info.is_correlation && src->nfrontier && src->fire.ts > src->last_ts
	             ? src->fire.ts
	             : src->last_ts;
	return VG_OK;
}

/* The held offsets of (topic, partition), created when `create`; NULL when absent
 * (or out of memory). */
static struct held_offsets *held_offsets_of(const struct vg_pipeline *p,
                                            struct vg_pipeline *create, const char *topic,
                                            int32_t partition)
{
	for (size_t i = 0; i < p->nhoffs; i++)
		if (p->hoffs[i].partition == partition &&
		    !strcmp(p->hoffs[i].topic, topic))
			return &p->hoffs[i];
	if (!create)
		return NULL;
	struct held_offsets *nh =
	    vg_grow(create->hoffs, &create->hoffs_cap, create->nhoffs + 1, sizeof(*nh));
	if (!nh)
		return NULL;
	create->hoffs = nh;
	struct held_offsets *h = &create->hoffs[create->nhoffs];
	*h = (struct held_offsets){.topic = strdup(topic), .partition = partition};
	if (!h->topic)
		return NULL;
	create->nhoffs++;
	return h;
}

/* Note that a held alert needs (add) or no longer needs its events' offsets.
 * @return false when out of memory (adding: the alert cannot be held; removing:
 * the offset stays counted, which only holds commits back). */
static bool held_offsets_note(struct vg_pipeline *p, const struct vg_alert *a, bool add)
{
	bool ok = true;
	for (size_t j = 0; j < a->nevents; j++) {
		const struct vg_source *e = &a->events[j];
		struct held_offsets *h =
		    e->topic ? held_offsets_of(p, p, e->topic, e->partition) : NULL;
		if (!h) {
			ok = ok && !e->topic;
			continue;
		}
		if (add)
			ok = vg_minset_add(&h->offs, e->offset) && ok;
		else
			ok = vg_minset_remove(&h->offs, e->offset) && ok;
	}
	return ok;
}

/* The correlator fired: hold the alert until the low watermark passes it. */
static void on_alert(const struct vg_alert *alert, void *ctx)
{
	struct vg_pipeline *p = ctx;
	if (p->batch_err)
		return;
	p->stats.alerts++;
	if (p->hooks.alert_tap)
		p->hooks.alert_tap(alert, p->hooks.ctx);
	if (p->nheld == p->held_cap) {
		size_t ncap = p->held_cap ? p->held_cap * 2 : 64;
		struct held_alert *nh = realloc(p->held, ncap * sizeof(*nh));
		if (!nh) {
			p->batch_err = VG_ERR_NOMEM;
			return;
		}
		p->held = nh;
		p->held_cap = ncap;
	}
	if (held_copy(&p->held[p->nheld], alert) != VG_OK) {
		p->batch_err = VG_ERR_NOMEM;
		return;
	}
	if (!held_offsets_note(p, &p->held[p->nheld].a, true)) {
		held_free(&p->held[p->nheld]);
		p->batch_err = VG_ERR_NOMEM;
		return;
	}
	vg_heap_push(p->held, p->nheld++, sizeof(*p->held), cmp_held);
}

/* The partition of a rule hit's one record (NULL for a correlation, or an event
 * without a topic).  A rule hit's id is made from its record, so one whose offset
 * is past the partition's stored_to cannot be in the store yet and is not looked
 * up there (vg_store_has_alert): stored_to starts at the store's largest offset of
 * a record behind a stored alert (record_incidents, written with the alert) and
 * follows every rule hit stored since, so an alert read again, even within one run,
 * is at most stored_to and looked up.  A correlation is always looked up: its
 * listed events may leave out the first one, which its id is made from. */
static struct part_pos *rule_hit_part(struct vg_pipeline *p, const struct vg_alert *alert,
                                      const struct vg_rule_info *info)
{
	if (info->is_correlation || alert->nevents != 1 || !alert->events[0].topic)
		return NULL;
	return part_of(p, alert->events[0].topic, alert->events[0].partition);
}

/* A released alert: store its marks and events, and assemble it. */
static vg_err assemble_alert(struct vg_pipeline *p, const struct vg_alert *alert)
{
	struct vg_rule_info info;
	bool changed;
	vg_err err;

	vg_rule_info(alert->rule, &info);
	struct part_pos *hit = p->store ? rule_hit_part(p, alert, &info) : NULL;
	bool fresh = hit && alert->events[0].offset > hit->stored_to;
	if (p->store && !fresh && vg_store_has_alert(p->store, alert)) {
		p->stats.alerts_replayed++; /* derived before a restart: already stored */
		return VG_OK;
	}
	if (fresh)
		hit->stored_to = alert->events[0].offset;
	if (p->store) {
		if (info.is_correlation && (err = put_marks(p, alert, &info)))
			return err;
		if (alert->nchain &&
		    (err = vg_store_put_chained(p->store, info.id, alert)))
			return err;
		if ((err = vg_store_put_alert_events(p->store, alert)))
			return err;
	}
	struct vg_incident *inc = vg_assembler_add(p->assembler, alert, &changed);
	if (!inc)
		return VG_ERR_NOMEM;
	if (changed) {
		mark_dirty(p, inc->id);
		if ((err = note_novelty(p, inc, alert, &info)))
			return err;
		if (p->store &&
		    (err = vg_store_put_record_incident(p->store, alert, inc->id)))
			return err;
		if (p->hooks.assembled)
			p->hooks.assembled(alert, inc->id, p->hooks.ctx);
	}
	char merged[8][21], into[8][21], touched[8][21];
	size_t n;
	/* incidents a novelty elsewhere changed: re-ranked and stored with the batch */
	while ((n = vg_assembler_take_touched(p->assembler, touched, 8)) > 0)
		for (size_t i = 0; i < n; i++)
			mark_dirty(p, touched[i]);
	while ((n = vg_assembler_take_merged(p->assembler, merged, into, 8)) > 0) {
		for (size_t i = 0; i < n; i++) {
			vg_strmap_del(&p->dirty, merged[i]);
			mark_dirty(p, into[i]);
			if (p->store &&
			    (err = vg_store_merge_incident(p->store, merged[i], into[i])))
				return err;
			if (p->hooks.merged)
				p->hooks.merged(merged[i], into[i], p->hooks.ctx);
		}
	}
	return p->batch_err;
}

static int cmp_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

/* Release order: time, then what the alert is, never its id alone: ids hash the
 * input's name (a topic, or a replayed file's path), and the order of equal-time
 * alerts shapes incidents (a host links a new alert only into an incident with a
 * notable one), which must not depend on what a file is called.  Among alerts of
 * one instant the notable ones (correlations, level high or above) go first, more
 * severe before less, so what arrives with them can join them; then rule id,
 * group, and the positions of the events.  Names and ids only break the ties left
 * (the same positions in two inputs). */
static int cmp_held(const void *x, const void *y)
{
	const struct held_alert *ha = x, *hb = y;
	const struct vg_alert *a = &ha->a, *b = &hb->a;
	int c;
	if (ha->due != hb->due)
		return ha->due < hb->due ? -1 : 1;
	if (a->last_ts != b->last_ts)
		return a->last_ts < b->last_ts ? -1 : 1;
	if (a->first_ts != b->first_ts)
		return a->first_ts < b->first_ts ? -1 : 1;
	if (ha->notable != hb->notable)
		return ha->notable ? -1 : 1;
	if (ha->level != hb->level)
		return ha->level > hb->level ? -1 : 1;
	if ((ha->rule_id != hb->rule_id && (c = cmp_str(ha->rule_id, hb->rule_id))) ||
	    (c = cmp_str(a->group_key, b->group_key)))
		return c;
	for (size_t i = 0; i < a->nevents && i < b->nevents; i++) {
		const struct vg_source *s = &a->events[i], *t = &b->events[i];
		if (s->partition != t->partition)
			return s->partition < t->partition ? -1 : 1;
		if (s->offset != t->offset)
			return s->offset < t->offset ? -1 : 1;
	}
	if (a->nevents != b->nevents)
		return a->nevents < b->nevents ? -1 : 1;
	for (size_t i = 0; i < a->nevents; i++)
		if ((c = cmp_str(a->events[i].topic, b->events[i].topic)))
			return c;
	return strcmp(a->id, b->id);
}

/* The assigned partition that sets the low watermark: the first that has
 * delivered nothing yet (its events could be older than everything seen), else
 * the one with the oldest newest event time; NULL when none is assigned. */
static const struct part_pos *low_partition(const struct vg_pipeline *p)
{
	const struct part_pos *low = NULL;
	for (size_t i = 0; i < p->nparts; i++) {
		const struct part_pos *pp = &p->parts[i];
		if (!pp->assigned)
			continue;
		if (pp->max_ts == VG_TIME_NONE)
			return pp;
		if (!low || pp->max_ts < low->max_ts)
			low = pp;
	}
	return low;
}

/* The low watermark: low_partition's newest event time; VG_TIME_NONE while an
 * assigned partition has delivered nothing yet, or none is assigned. */
static vg_time low_watermark(const struct vg_pipeline *p)
{
	const struct part_pos *low = low_partition(p);
	return low ? low->max_ts : VG_TIME_NONE;
}

/* Take the first held alert in cmp_held order off the heap and assemble it (unless
 * an error came before: then it is only freed). */
static void release_first(struct vg_pipeline *p, vg_err *err)
{
	vg_heap_pop(p->held, p->nheld, sizeof(*p->held), cmp_held);
	struct held_alert *h = &p->held[--p->nheld];
	if (!*err)
		*err = assemble_alert(p, &h->a);
	(void)held_offsets_note(p, &h->a, false);
	held_free(h);
}

/* Is the first held alert due at `upto` (struct held_alert.due): before it (not at it: an
 * event of that time is not late, so an alert of the same instant may still come, and the
 * alerts of one instant must reach assembly in cmp_held's order whatever the batches), or
 * any time when upto is RELEASE_ALL; none when upto is VG_TIME_NONE (no low watermark
 * yet). */
#define RELEASE_ALL VG_CORRELATOR_RELEASE_ALL
static bool first_due(const struct vg_pipeline *p, vg_time upto)
{
	return upto != VG_TIME_NONE && p->nheld &&
	       (upto == RELEASE_ALL || p->held[0].due < upto);
}

/* Release, in cmp_held order, the held alerts due at `upto` (first_due), at most
 * `budget` of them (the rest in the next batches), and then, when none of those is
 * left, the oldest beyond `keep` of the rest (correlation.max_held_alerts).  Each
 * costs O(log held): a source far behind, holding a million alerts, must not slow
 * every batch down. */
static vg_err release_alerts(struct vg_pipeline *p, vg_time upto, size_t keep,
                             size_t budget)
{
	vg_err err = VG_OK;
	for (size_t n = 0; n < budget && first_due(p, upto); n++)
		release_first(p, &err);
	bool due_left = first_due(p, upto);
	if (!due_left && p->nheld > keep) {
		size_t early = p->nheld - keep;
		const struct part_pos *low = low_partition(p);
		char at[32] = "-";
		if (low && low->max_ts != VG_TIME_NONE)
			vg_time_format(low->max_ts, at);
		p->stats.alerts_released_early += early;
		vg_log_limited(
		    &p->hold_log, VG_LOG_WARN,
		    "correlation.max_held_alerts (%zu) reached: %zu alerts "
		    "assembled before the low watermark (%s[%d] at %s) passed "
		    "them, so their incidents may differ from event-time order",
		    keep, early, low ? low->topic : "-", low ? low->partition : -1, at);
		while (p->nheld > keep)
			release_first(p, &err);
	}
	return err;
}

/* A record no parser understood: counted, logged at a limited rate, handed to the
 * dead-letter hook with the original bytes. */
static void dead_letter(struct vg_pipeline *p, const char *reason, const char *buf,
                        size_t len, const struct vg_source *src)
{
	p->stats.dead_letters++;
	vg_log_limited(&p->dl_log, VG_LOG_WARN, "dead letter (%s[%d]@%lld): %s",
	               src->topic ? src->topic : "-", src->partition,
	               (long long)src->offset, reason ? reason : "unparseable");
	if (p->hooks.dead_letter)
		p->hooks.dead_letter(reason ? reason : "unparseable", buf, len, src,
		                     p->hooks.ctx);
}

/*
 * An event time the parser flagged as more than correlation.max_future after its
 * record's own time (the Kafka message timestamp, or the clock when the record was
 * read): a wrong clock, a time zone error or a forged record.  Taken as is, it
 * would move its partition's watermark past every real event to come, and those
 * would all be late to correlation until the clock caught up (a way to blind it).
 * The event keeps its detection hits (rules see vigil.claimed_time) and takes the
 * time of the stream it arrived in: its partition's newest event time, or the
 * record's time when the partition has none yet.  A run of them (a source's clock
 * that is ahead, or ours behind) takes the records' times, which move on: the
 * partition's newest event time would stand still.
 */
static void retime_future(struct vg_pipeline *p, struct part_pos *pp, struct vg_event *ev,
                          const struct vg_source *src, vg_time ref_time)
{
	bool run = pp && pp->retimed;
	if (pp)
		pp->retimed = ev->ts_future;
	if (!ev->ts_future)
		return;
	vg_time taken = !pp || pp->max_ts == VG_TIME_NONE ? ref_time
	                : run && ref_time > pp->max_ts    ? ref_time
	                                                  : pp->max_ts;
	char claimed[32], ref[32], as[32];
	vg_time_format(ev->ts, claimed);
	vg_time_format(ref_time, ref);
	vg_time_format(taken, as);
	p->stats.future_events++;
	vg_log_limited(
	    &p->future_log, VG_LOG_WARN,
	    "event time %s of %s[%d]@%lld is more than correlation.max_future "
	    "(%llds) after its record's time %s: taken as %s, %s "
	    "(vigil.claimed_time keeps the claim)",
	    claimed, src->topic ? src->topic : "-", src->partition,
	    (long long)src->offset,
	    (long long)(p->cfg->correlation.max_future / VG_USEC_PER_SEC), ref, as,
	    pp && taken == pp->max_ts ? "its partition's present" : "the record's time");
	ev->ts = taken;
}

/* A normalized event with the rules it matched: correlation (which may emit
 * alerts), in record order. */
static vg_err correlate_event(struct vg_pipeline *p, struct part_pos *pp,
                              struct vg_event *ev, const struct vg_source *src,
                              vg_time ref_time, const struct vg_rule *const *hits,
                              size_t nhits)
{
	retime_future(p, pp, ev, src, ref_time);
	p->stats.events++;
	ev->src = *src;
	if (ev->ts != VG_TIME_NONE && pp &&
	    (pp->max_ts == VG_TIME_NONE || ev->ts > pp->max_ts))
		pp->max_ts = ev->ts;
	if (ev->ts != VG_TIME_NONE && pp && pp->reread_from == VG_TIME_NONE)
		pp->reread_from = ev->ts; /* a restart reads from here at the earliest */
	if (ev->ts != VG_TIME_NONE && pp)
		pp->timed++;
	p->stats.hits += nhits;
	vg_correlator_feed(p->corr, ev, hits, nhits, on_alert, p);
	return p->batch_err;
}

/* A normalized event: detection on this thread, then correlation. */
static vg_err screen_event(struct vg_pipeline *p, struct part_pos *pp,
                           struct vg_event *ev, const struct vg_source *src,
                           vg_time ref_time)
{
	const struct vg_rule *room[MAX_HITS], **hits = room;
	size_t nhits = vg_detect_every(p->rules, p->dctx, ev, p->arena, &hits);
	if (nhits == SIZE_MAX)
		return VG_ERR_NOMEM;
	return correlate_event(p, pp, ev, src, ref_time, hits, nhits);
}

/* vg_parse_feed's results for grouped (auditd) streams. */
static vg_err on_grouped(void *ud, struct vg_event *ev, const char *reason,
                         const char *raw, size_t raw_len, const struct vg_source *src)
{
	struct vg_pipeline *p = ud;
	if (!ev) {
		dead_letter(p, reason, raw, raw_len, src);
		return VG_OK;
	}
	return screen_event(p, p->grouping, ev, src, p->grouping->group_ref);
}

/*
 * auditd: the records of one audit(ts:serial) event arrive one per Kafka message and
 * are grouped per partition (a parse context each, since partitions interleave).  A
 * pending group spans batches; the offset of its first record holds commits back
 * (vg_pipeline_committable), so a crash re-reads the whole group.
 */
static vg_err process_grouped(struct vg_pipeline *p, struct part_pos *pp,
                              enum vg_format fmt, const char *buf, size_t len,
                              const struct vg_source *src, vg_time ref_time)
{
	if (!pp->group_ctx && !(pp->group_ctx = vg_parse_ctx_new(p->parser)))
		return VG_ERR_NOMEM;
	p->grouping = pp;
	vg_err err = vg_parse_feed(p->parser, pp->group_ctx, fmt, buf, len, src, ref_time,
	                           p->arena, on_grouped, p);
	/* the group's own first record, not this one: a dead letter between two
	 * records of a group leaves the group pending from before it */
	const struct vg_source *first = vg_parse_pending_source(pp->group_ctx);
	pp->group_first = first ? first->offset : -1;
	pp->group_ref = ref_time;
	return err ? err : p->batch_err;
}

/* Complete pp's pending auditd group, unless another consumer has pp now: that
 * consumer reads the group again from its first record (commits were held there),
 * so flushed here it would make an event of half a group, and given back here the
 * group goes on with its next records. */
static vg_err flush_group(struct vg_pipeline *p, struct part_pos *pp)
{
	if (!pp->assigned || !pp->group_ctx || !vg_parse_pending(pp->group_ctx))
		return VG_OK;
	p->grouping = pp;
	vg_err err = vg_parse_flush(p->parser, pp->group_ctx, pp->group_ref, p->arena,
	                            on_grouped, p);
	pp->group_first = -1;
	return err ? err : p->batch_err;
}

/* Count a record and move its partition's position; *pp: its partition (NULL
 * without a topic).  @return VG_OK or VG_ERR_NOMEM. */
static vg_err record_seen(struct vg_pipeline *p, const struct vg_source *src,
                          struct part_pos **pp)
{
	p->stats.records++;
	*pp = NULL;
	if (!src->topic)
		return VG_OK;
	if (!(*pp = part_of(p, src->topic, src->partition)))
		return VG_ERR_NOMEM;
	bool first = src->partition >= 0 && (*pp)->max_offset < 0;
	if (src->partition >= 0 && src->offset > (*pp)->max_offset)
		(*pp)->max_offset = src->offset;
	return first && p->nchained ? give_back_chained(p, src) : VG_OK;
}

vg_err vg_pipeline_process(struct vg_pipeline *p, enum vg_format fmt, const char *buf,
                           size_t len, const struct vg_source *src, vg_time ref_time)
{
	struct vg_event *ev = NULL;
	const char *reason = NULL;
	struct part_pos *pp;
	vg_err err;

	if ((err = record_seen(p, src, &pp)))
		return err;
	if (pp && vg_parse_groups(fmt, buf, len))
		return process_grouped(p, pp, fmt, buf, len, src, ref_time);
	err =
	    vg_parse(p->parser, p->pctx, fmt, buf, len, ref_time, p->arena, &ev, &reason);
	if (err == VG_ERR_PARSE) {
		dead_letter(p, reason, buf, len, src);
		return VG_OK;
	}
	if (err)
		return err;
	return screen_event(p, pp, ev, src, ref_time);
}

/* Below this many records a batch is parsed on this thread: waking the workers
 * costs more than it saves. */
#define MANY_MIN 64

vg_err vg_pipeline_process_many(struct vg_pipeline *p, const struct vg_record *recs,
                                size_t n)
{
	vg_err err = VG_OK;
	if (!p->workers || n < MANY_MIN) {
		for (size_t i = 0; i < n && !err; i++)
			err =
			    vg_pipeline_process(p, recs[i].fmt, recs[i].buf, recs[i].len,
			                        &recs[i].src, recs[i].ref_time);
		return err;
	}
	if (n > p->prep_cap) {
		struct vg_prepared *np = realloc(p->prep, n * sizeof(*np));
		if (!np)
			return VG_ERR_NOMEM;
		p->prep = np;
		p->prep_cap = n;
	}
	vg_workers_prepare(p->workers, recs, n, p->prep, p->pctx, p->dctx, p->arena);
	for (size_t i = 0; i < n && !err; i++) {
		const struct vg_record *r = &recs[i];
		const struct vg_prepared *o = &p->prep[i];
		struct part_pos *pp;
		if ((err = record_seen(p, &r->src, &pp)))
			break;
		if (o->grouped)
			err = process_grouped(p, pp, r->fmt, r->buf, r->len, &r->src,
			                      r->ref_time);
		else if (o->err == VG_ERR_PARSE)
			dead_letter(p, o->reason, r->buf, r->len, &r->src);
		else if (o->err)
			err = o->err;
		else
			err = correlate_event(p, pp, o->ev, &r->src, r->ref_time, o->hits,
			                      o->nhits);
	}
	return err;
}

/* The next output slot (not yet counted in noutputs), with its id and an empty
 * document; NULL when out of memory. */
static struct vg_output *output_push(struct vg_pipeline *p, const char *incident_id)
{
	if (p->noutputs == p->outputs_cap) {
		size_t ncap = p->outputs_cap ? p->outputs_cap * 2 : 16;
		struct vg_output *no = realloc(p->outputs, ncap * sizeof(*no));
		if (!no)
			return NULL;
		p->outputs = no;
		p->outputs_cap = ncap;
	}
	struct vg_output *o = &p->outputs[p->noutputs];
	snprintf(o->incident_id, sizeof(o->incident_id), "%s", incident_id);
	o->version = 0;
	vg_buf_init(&o->json);
	return o;
}

/* Incidents ranked (scored) per call: the fixed cost of a call is shared well
 * before this (bench_rank: 64 rows per call cost a third of one), and the rows
 * (about 300 bytes each, plus XGBoost's copy) stay small. */
#define RANK_CHUNK 1024

/* Room for n ranked incidents' rows. */
static vg_err ranked_reserve(struct vg_pipeline *p, size_t n)
{
	if (n <= p->ranked_cap)
		return VG_OK;
	size_t cap = p->ranked_cap ? p->ranked_cap : 64, nf = vg_feature_count();
	while (cap < n)
		cap *= 2;
	struct vg_incident **r = realloc(p->ranked, cap * sizeof(*r));
	if (r)
		p->ranked = r;
	float *f = realloc(p->features, cap * nf * sizeof(float));
	if (f)
		p->features = f;
	float *sc = realloc(p->scores, cap * sizeof(float));
	if (sc)
		p->scores = sc;
	float *c = realloc(p->contrib, cap * (nf + 1) * sizeof(float));
	if (c)
		p->contrib = c;
	if (!r || !f || !sc || !c)
		return VG_ERR_NOMEM;
	p->ranked_cap = cap;
	return VG_OK;
}

/* Features and scores of the n incidents in p->ranked, all scored in one call
 * (vg_model_score_rows: XGBoost's fixed cost per call is paid once a batch). */
static vg_err rank_incidents(struct vg_pipeline *p, size_t n)
{
	size_t nf = vg_feature_count();
	vg_err err = VG_OK;
	for (size_t k = 0; k < n && !err; k++)
		err = vg_features_of_open_incident(
		    p->ranked[k], p->features + k * nf); /* incremental */
	if (err || !p->model || !n)
		return err;
	char errstr[256];
	err = vg_model_score_rows(p->model, p->features, n, p->scores, p->contrib, errstr,
	                          sizeof(errstr));
	if (err)
		vg_log(VG_LOG_ERROR, "scoring %zu incidents (first %s): %s", n,
		       p->ranked[0]->id, errstr);
	return err;
}

/* Store and publish ranked incident k (rank_incidents). */
static vg_err store_ranked(struct vg_pipeline *p, size_t k)
{
	struct vg_incident *inc = p->ranked[k];
	size_t nf = vg_feature_count();
	const float *features = p->features + k * nf;
	struct vg_ranking rank = {.score = -1, .priority = 0, .features = features};
	/* What is published and stored is built from the canonical view: the
	 * assembler's arrays are in arrival order, which a restart does not keep. */
	struct vg_incident view;

	vg_incident_story_free(&p->story);
	if (vg_incident_canonical(inc, &p->order, &view) ||
	    vg_incident_story_build(&view, &p->story))
		return VG_ERR_NOMEM;
	if (p->model) {
		float score = p->scores[k];
		rank.score = score;
		rank.contrib = p->contrib + k * (nf + 1);
		rank.priority =
		    vg_priority_from_score(score, p->cfg->model.priority_bands);
		rank.surfaced = score >= p->cfg->model.surface_threshold;
	}
	inc->score = view.score = rank.score;
	inc->priority = view.priority = rank.priority;
	if (p->incident_tap)
		p->incident_tap(inc, features, rank.score, p->incident_tap_ctx);

	vg_incident_text_build_story(&view, &rank, &p->story, &p->text);
	vg_buf_reset(&p->expl);
	vg_buf_reset(&p->feats);
	vg_incident_explanation(&rank, 5, &p->expl);
	vg_incident_features_json(&rank, &p->feats);

	struct vg_output *o = output_push(p, inc->id);
	if (!o)
		return VG_ERR_NOMEM;
	p->noutputs++;
	o->version = inc->version;
	if (vg_incident_document_fit(&view, &rank, &p->text, &p->story, p->expl.data,
	                             (size_t)p->cfg->kafka.max_message_bytes,
	                             &o->json) < 2) {
		p->stats.documents_truncated++;
		vg_log_limited(
		    &p->doc_log, VG_LOG_WARN,
		    "incident %s version %u: document over kafka.max_message_bytes "
		    "(%lld): published and stored without details (\"truncated\")",
		    inc->id, inc->version, (long long)p->cfg->kafka.max_message_bytes);
	}
	if (p->text.title.oom || o->json.oom || p->expl.oom)
		return VG_ERR_NOMEM;
	if (!p->store)
		return VG_OK;
	struct vg_incident_doc doc = {
	    .title = p->text.title.data,
	    .summary = p->text.summary.data,
	    .tactics = p->text.tactics.data ? p->text.tactics.data : "",
	    .max_level = p->text.max_level,
	    .explanation = p->model ? p->expl.data : NULL,
	    .features = p->feats.data,
	    .document = o->json.data,
	    .story = &p->story,
	};
	return vg_store_put_incident(p->store, &view, &rank, &doc);
}

/* The correlator's own counters into the pipeline's. */
static void take_correlator_stats(const struct vg_correlator *c,
                                  struct vg_pipeline_stats *st)
{
	struct vg_correlator_stats cs;
	vg_correlator_stats(c, &cs);
	st->late_events = cs.late_events;
	st->evicted_groups = cs.evicted_groups;
	st->hits_released_early = cs.hits_released_early;
}

/* Bring the correlator's counters in at the end of a batch, and say when the
 * batch evicted open groups: correlation then runs on partial state. */
static void batch_correlator_stats(struct vg_pipeline *p)
{
	take_correlator_stats(p->corr, &p->stats);
	if (p->stats.evicted_groups > p->stats_flushed.evicted_groups)
		vg_log_limited(
		    &p->evict_log, VG_LOG_WARN,
		    "correlation: %llu open groups evicted (%llu in all): "
		    "correlation.max_groups_per_rule (%lld) or max_groups_total "
		    "(%lld) reached; alerts that needed them may not fire",
		    (unsigned long long)(p->stats.evicted_groups -
		                         p->stats_flushed.evicted_groups),
		    (unsigned long long)p->stats.evicted_groups,
		    (long long)p->cfg->correlation.max_groups_per_rule,
		    (long long)p->cfg->correlation.max_groups_total);
	if (p->stats.hits_released_early > p->stats_flushed.hits_released_early)
		vg_log_limited(
		    &p->hits_log, VG_LOG_WARN,
		    "correlation.max_held_hits (%lld) reached: %llu rule hits counted "
		    "by correlation before the low watermark passed them, so its "
		    "windows may differ from event-time order",
		    (long long)p->cfg->correlation.max_held_hits,
		    (unsigned long long)(p->stats.hits_released_early -
		                         p->stats_flushed.hits_released_early));
}

static vg_err flush_metrics(struct vg_pipeline *p)
{
	const struct {
		const char *name;
		uint64_t now, then;
	} m[] = {
	    {"records", p->stats.records, p->stats_flushed.records},
	    {"events", p->stats.events, p->stats_flushed.events},
	    {"dead_letters", p->stats.dead_letters, p->stats_flushed.dead_letters},
	    {"rule_hits", p->stats.hits, p->stats_flushed.hits},
	    {"alerts", p->stats.alerts, p->stats_flushed.alerts},
	    {"alerts_replayed", p->stats.alerts_replayed,
	     p->stats_flushed.alerts_replayed},
	    {"incident_versions", p->stats.incidents_changed,
	     p->stats_flushed.incidents_changed},
	    {"documents_truncated", p->stats.documents_truncated,
	     p->stats_flushed.documents_truncated},
	    {"incidents_pruned", p->stats.incidents_pruned,
	     p->stats_flushed.incidents_pruned},
	    {"alerts_pruned", p->stats.alerts_pruned, p->stats_flushed.alerts_pruned},
	    {"store_pages_released", p->stats.store_pages_released,
	     p->stats_flushed.store_pages_released},
	    {"late_events", p->stats.late_events, p->stats_flushed.late_events},
	    {"evicted_groups", p->stats.evicted_groups, p->stats_flushed.evicted_groups},
	    {"future_events", p->stats.future_events, p->stats_flushed.future_events},
	    {"alerts_released_early", p->stats.alerts_released_early,
	     p->stats_flushed.alerts_released_early},
	    {"hits_released_early", p->stats.hits_released_early,
	     p->stats_flushed.hits_released_early},
	};
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		if (m[i].now == m[i].then)
			continue;
		vg_err err = vg_store_add_metric(p->store, m[i].name,
		                                 (int64_t)(m[i].now - m[i].then));
		if (err)
			return err;
	}
	return VG_OK;
}

/* Retention, in the batch's transaction: remove the incidents quiet for
 * store.retention behind the low watermark, or behind the newest incident activity
 * when that is older (a watermark moved by an ended input or by wall time on an
 * idle partition must not age the data), or, until the input ends, behind where a
 * restart would read again (reread_low: records stored but not committed are read
 * again after a crash, and must find their incidents).  PRUNE_BATCH survivors at a
 * time: again in the next batch while there are more, otherwise once the cutoff
 * has moved by PRUNE_EVERY of event time (a quiet store costs one indexed query a
 * minute of event time); at the end of the input all at once, so a replay ends
 * with every incident quiet for store.retention gone however it was batched. */
#define PRUNE_BATCH     500
#define PRUNE_EVERY     (60 * VG_USEC_PER_SEC)
#define CHECKPOINTS_MAX 4096

/* Note each partition's position at the end of a batch, for vg_pipeline_committed
 * to find the newest event time behind a commit.  Past CHECKPOINTS_MAX (commits
 * far behind) the oldest go: a commit before every one kept leaves reread_from
 * where it was, which only keeps incidents longer. */
static void checkpoint_parts(struct vg_pipeline *p)
{
	for (size_t i = 0; p->store && p->cfg->store.retention > 0 && i < p->nparts;
	     i++) {
		struct part_pos *pp = &p->parts[i];
		if (pp->max_offset < 0 ||
		    (pp->ncps && pp->cps[pp->ncps - 1].end >= pp->max_offset))
			continue;
		if (pp->ncps == CHECKPOINTS_MAX) {
			memmove(pp->cps, pp->cps + 1, --pp->ncps * sizeof(*pp->cps));
		}
		struct checkpoint *nc =
		    vg_grow(pp->cps, &pp->cps_cap, pp->ncps + 1, sizeof(*nc));
		if (!nc)
			continue; /* no checkpoint: reread_from moves later, if at all */
		pp->cps = nc;
		pp->cps[pp->ncps++] = (struct checkpoint){pp->max_offset, pp->max_ts};
	}
}

/* The oldest event time from which a restart may read again, over the partitions
 * that can still deliver (assigned, not ended); VG_TIME_NONE when none says. */
static vg_time reread_low(const struct vg_pipeline *p)
{
	vg_time lo = VG_TIME_NONE;
	for (size_t i = 0; i < p->nparts; i++) {
		const struct part_pos *pp = &p->parts[i];
		if (!pp->assigned || pp->ended || pp->reread_from == VG_TIME_NONE)
			continue;
		if (lo == VG_TIME_NONE || pp->reread_from < lo)
			lo = pp->reread_from;
	}
	return lo;
}
static vg_err prune_store(struct vg_pipeline *p, vg_time low, vg_time reread)
{
	vg_time newest, retention = p->cfg->store.retention;
	bool due = p->finishing || p->prune_more || !p->pruned_before;
	if (retention <= 0 || low == VG_TIME_NONE)
		return VG_OK;
	/* a restart reads that far back: the incidents it can touch stay (at the end
	 * of the input there is nothing more to read) */
	if (!p->finishing && reread != VG_TIME_NONE && reread < low)
		low = reread;
	/* the cutoff is at most low - retention: when that has not moved enough,
	 * the store need not be asked for the newest incident either */
	if (!due && low - retention - p->pruned_before < PRUNE_EVERY)
		return VG_OK;
	vg_err err = vg_store_newest_activity(p->store, &newest);
	if (err || newest == VG_TIME_NONE)
		return err;
	vg_time before = (newest < low ? newest : low) - retention;
	if (!due && before - p->pruned_before < PRUNE_EVERY)
		return VG_OK;
	/* at the end of the input all of them, now: until then a partition's
	 * first record may have held everything back (a replay has no commits) */
	struct vg_prune_stats ps;
	size_t most = p->finishing ? 0 : PRUNE_BATCH;
	err = vg_store_prune(p->store, before, most, &ps);
	if (err)
		return err;
	p->pruned_before = before;
	p->prune_more = most && ps.survivors == most;
	p->stats.incidents_pruned += (uint64_t)ps.incidents;
	p->stats.alerts_pruned += (uint64_t)ps.alerts;
	p->stats.store_pages_released += (uint64_t)ps.pages_released;
	return VG_OK;
}

/* Add the links stop-values prevented in this batch to the store. */
static vg_err flush_stops(struct vg_pipeline *p)
{
	struct vg_stop_stat st[32];
	size_t n;
	while ((n = vg_assembler_take_stops(p->assembler, st, 32)) > 0)
		for (size_t i = 0; i < n; i++) {
			vg_err err = vg_store_add_stop_value(
			    p->store, vg_entity_type_name(st[i].type), st[i].value,
			    st[i].configured, (int64_t)st[i].prevented);
			if (err)
				return err;
		}
	return VG_OK;
}

vg_err vg_pipeline_end(struct vg_pipeline *p, struct vg_output **outputs,
                       size_t *noutputs)
{
	vg_err err = p->batch_err;
	size_t it = 0;
	struct vg_strmap_slot *slot;
	vg_time low = low_watermark(p);

	for (size_t i = 0; !err && p->finishing && i < p->nparts; i++)
		err = flush_group(p, &p->parts[i]);
	low = low_watermark(p); /* a flushed group may carry the newest event */
	size_t keep = (size_t)p->cfg->correlation.max_held_alerts;
	size_t budget = (size_t)p->cfg->correlation.max_released_per_batch;
	/* what is due: everything at the end of a finite input, else what the low
	 * watermark less the lateness has passed (nothing without one) */
	vg_time upto = p->finishing          ? RELEASE_ALL
	               : low == VG_TIME_NONE ? VG_TIME_NONE
	                                     : low - p->cfg->correlation.allowed_lateness;
	/* the hits correlation holds first: their alerts are due at once */
	if (!err) {
		vg_correlator_release(p->corr, upto, on_alert, p);
		err = p->batch_err;
	}
	if (!err)
		err = release_alerts(p, upto, keep, p->finishing ? SIZE_MAX : budget);

	/* Deterministic order: sort the dirty ids. */
	char(*ids)[21] = calloc(p->dirty.count ? p->dirty.count : 1, sizeof(*ids));
	size_t nids = 0;
	if (!ids)
		err = err ? err : VG_ERR_NOMEM;
	while (!err && (slot = vg_strmap_next(&p->dirty, &it)))
		snprintf(ids[nids++], 21, "%s", slot->key);
	if (!err)
		qsort(ids, nids, sizeof(*ids),
		      (int (*)(const void *, const void *))strcmp);
	/* ranked RANK_CHUNK at a time: one scoring call each, and the rows' memory
	 * bounded however many incidents the batch changed (the end of a finite
	 * input releases every held alert at once) */
	if (!err)
		err = ranked_reserve(p, nids < RANK_CHUNK ? nids : RANK_CHUNK);
	for (size_t i = 0; !err && i < nids;) {
		size_t nranked = 0;
		for (; i < nids && nranked < RANK_CHUNK; i++) {
			struct vg_incident *inc = vg_assembler_get(p->assembler, ids[i]);
			if (inc) /* else expired or merged within the batch */
				p->ranked[nranked++] = inc;
		}
		err = rank_incidents(p, nranked);
		for (size_t k = 0; !err && k < nranked; k++) {
			err = store_ranked(p, k);
			p->stats.incidents_changed++;
		}
	}
	vg_strmap_free(&p->dirty);
	vg_strmap_init(&p->dirty);

	batch_correlator_stats(p);
	checkpoint_parts(p);
	if (!err && p->store) {
		for (size_t i = 0; !err && i < p->nparts; i++) {
			struct part_pos *pp = &p->parts[i];
			/* a restart reads from the committed offset on: marks
			 * before it cannot apply again */
			if (pp->committed > pp->marks_below &&
			    !(err = vg_store_prune_marks(p->store, pp->topic,
			                                 pp->partition, pp->committed)))
				pp->marks_below = pp->committed;
			if (err || pp->max_offset < 0)
				continue;
			/* a partition another consumer took over (or the input
			 * ended) no longer decides which incidents a restart
			 * reopens: its event time is cleared until it is ours again */
			err = vg_store_put_offset(
			    p->store, pp->topic, pp->partition,
			    vg_pipeline_committable(p, pp->topic, pp->partition,
			                            pp->max_offset),
			    pp->max_ts, pp->ended || (p->managed && !pp->assigned));
		}
		if (!err)
			err = prune_store(p, low, reread_low(p));
		if (!err)
			err = flush_metrics(p);
		if (!err)
			err = flush_stops(p);
		if (!err)
			err = store_sig_stats(p);
		if (!err)
			err = vg_store_commit(p->store);
		if (err) {
			vg_log(VG_LOG_ERROR, "store: %s", vg_store_errmsg(p->store));
			vg_store_rollback(p->store);
		}
		/* Committed: the next version of these incidents writes only the
		 * alerts added after this one. */
		for (size_t i = 0; !err && i < nids; i++) {
			struct vg_incident *inc = vg_assembler_get(p->assembler, ids[i]);
			for (size_t j = 0; inc && j < inc->nalerts; j++)
				inc->alerts[j].stored = true;
		}
	}
	free(ids);
	if (!err && !p->store)
		err = store_sig_stats(p);
	p->in_batch = false;
	if (err)
		return err;
	p->stats_flushed = p->stats;
	vg_correlator_sweep_marks(p->corr);
	/* Free incidents no held or future alert can join (event time: the low
	 * watermark, or the oldest alert still held when max_released_per_batch left
	 * due ones for the next batch; a gap of margin, and the rules' longest
	 * correlation chain: an alert to come begins up to that much before its
	 * time, and joins incidents a gap before that -- with a gap alone, a
	 * correlation over 3 h found the incident of its first event freed when the
	 * batches were small, and joined it when they were large). */
	if (low != VG_TIME_NONE && !p->finishing) {
		vg_time from = low - p->cfg->correlation.allowed_lateness;
		if (p->nheld && p->held[0].a.last_ts < from)
			from = p->held[0].a.last_ts;
		vg_assembler_expire(p->assembler,
		                    from - p->cfg->correlation.incident_gap - p->reach);
	}
	*outputs = p->outputs;
	*noutputs = p->noutputs;
	return VG_OK;
}

vg_err vg_pipeline_ack(struct vg_pipeline *p, const struct vg_output *outputs, size_t n)
{
	vg_err err;
	if (!p->store || !n)
		return VG_OK;
	if ((err = vg_store_begin(p->store)))
		return err;
	for (size_t i = 0; i < n; i++)
		if ((err = vg_store_mark_published(p->store, outputs[i].incident_id,
		                                   outputs[i].version))) {
			vg_store_rollback(p->store);
			return err;
		}
	return vg_store_commit(p->store);
}

static vg_err collect_unpublished(const char *id, void *ctx)
{
	struct vg_pipeline *p = ctx;
	struct vg_output *o = output_push(p, id);
	if (!o)
		return VG_ERR_NOMEM;
	vg_err err = vg_store_incident_json(p->store, id, &o->json, &o->version);
	if (err) {
		vg_buf_free(&o->json);
		return err;
	}
	p->noutputs++;
	return VG_OK;
}

vg_err vg_pipeline_unpublished(struct vg_pipeline *p, struct vg_output **outputs,
                               size_t *noutputs)
{
	outputs_clear(p);
	*outputs = p->outputs;
	*noutputs = 0;
	if (!p->store)
		return VG_OK;
	vg_err err = vg_store_each_unpublished(p->store, collect_unpublished, p);
	*outputs = p->outputs;
	*noutputs = p->noutputs;
	return err;
}

int64_t vg_pipeline_committable(const struct vg_pipeline *p, const char *topic,
                                int32_t partition, int64_t processed)
{
	int64_t held;
	int64_t next = processed + 1;
	if (vg_correlator_min_offset(p->corr, topic, partition, &held) && held < next)
		next = held;
	/* A pending auditd group is not in any event yet: re-read it after a crash. */
	for (size_t i = 0; i < p->nparts; i++) {
		const struct part_pos *pp = &p->parts[i];
		if (pp->group_first >= 0 && pp->partition == partition &&
		    !strcmp(pp->topic, topic) && pp->group_first < next)
			next = pp->group_first;
	}
	/* A held alert is rebuilt from its events after a crash: keep them. */
	const struct held_offsets *h = held_offsets_of(p, NULL, topic, partition);
	int64_t least;
	if (h && vg_minset_least(&h->offs, &least) && least < next)
		next = least;
	return next;
}

void vg_pipeline_committed(struct vg_pipeline *p, const char *topic, int32_t partition,
                           int64_t next_offset)
{
	struct part_pos *pp = part_of(p, topic, partition);
	if (pp && next_offset > pp->committed)
		pp->committed = next_offset;
	/* a restart reads from next_offset on: the newest event time of a batch
	 * that ended before it is behind the restart */
	size_t k = 0;
	while (pp && k < pp->ncps && pp->cps[k].end < next_offset)
		k++;
	if (!pp || !k)
		return;
	if (pp->cps[k - 1].ts != VG_TIME_NONE &&
	    (pp->reread_from == VG_TIME_NONE || pp->cps[k - 1].ts > pp->reread_from))
		pp->reread_from = pp->cps[k - 1].ts;
	memmove(pp->cps, pp->cps + k, (pp->ncps - k) * sizeof(*pp->cps));
	pp->ncps -= k;
}

void vg_pipeline_advance(struct vg_pipeline *p, const char *topic, int32_t partition,
                         vg_time now)
{
	struct part_pos *pp = part_of(p, topic, partition);
	/* an idle partition's pending auditd group is complete (no record of it
	 * came for the idle timeout) */
	if (pp && flush_group(p, pp) != VG_OK && !p->batch_err)
		p->batch_err = VG_ERR_NOMEM;
	if (pp && (pp->max_ts == VG_TIME_NONE || now > pp->max_ts))
		pp->max_ts = now;
	vg_correlator_advance(p->corr, topic, partition,
	                      now - p->cfg->correlation.allowed_lateness, on_alert, p);
}

/* The end of time for an input that has ended (far from INT64_MAX, so the lateness
 * and gap arithmetic cannot overflow). */
#define INPUT_ENDED ((vg_time)INT64_MAX / 4)

void vg_pipeline_input_ended(struct vg_pipeline *p, const char *topic, int32_t partition)
{
	struct part_pos *pp = part_of(p, topic, partition);
	if (pp)
		pp->ended = true;
	vg_pipeline_advance(p, topic, partition, INPUT_ENDED);
}

uint64_t vg_pipeline_timed_events(const struct vg_pipeline *p, const char *topic,
                                  int32_t partition)
{
	for (size_t i = 0; i < p->nparts; i++)
		if (p->parts[i].partition == partition &&
		    !strcmp(p->parts[i].topic, topic))
			return p->parts[i].timed;
	return 0;
}

vg_err vg_pipeline_set_assignment(struct vg_pipeline *p, const char *const *topics,
                                  const int32_t *partitions, size_t n)
{
	p->managed = true;
	for (size_t i = 0; i < p->nparts; i++)
		p->parts[i].assigned = false;
	for (size_t i = 0; i < n; i++) {
		struct part_pos *pp = part_of(p, topics[i], partitions[i]);
		if (!pp)
			return VG_ERR_NOMEM;
		pp->assigned = true;
	}
	return VG_OK;
}

void vg_pipeline_finish_input(struct vg_pipeline *p)
{
	p->finishing = true;
}

void vg_pipeline_hold(const struct vg_pipeline *p, struct vg_pipeline_hold *out)
{
	struct vg_correlator_stats cs;
	vg_correlator_stats(p->corr, &cs);
	*out = (struct vg_pipeline_hold){.alerts = p->nheld,
	                                 .hits = (size_t)cs.held_hits,
	                                 .low = VG_TIME_NONE,
	                                 .newest = VG_TIME_NONE};
	for (size_t i = 0; i < p->nparts; i++) {
		const struct part_pos *pp = &p->parts[i];
		if (pp->assigned && !pp->ended && pp->max_ts != VG_TIME_NONE &&
		    (out->newest == VG_TIME_NONE || pp->max_ts > out->newest))
			out->newest = pp->max_ts;
	}
	const struct part_pos *low = low_partition(p);
	if (low) {
		out->low = low->max_ts;
		out->topic = low->topic;
		out->partition = low->partition;
	}
}

void vg_pipeline_losses_text(const struct vg_pipeline_stats *st,
                             const struct vg_pipeline_stats *since, char *out,
                             size_t size)
{
	static const struct vg_pipeline_stats none = {0};
	const struct vg_pipeline_stats *o = since ? since : &none;
	snprintf(
	    out, size,
	    "%llu late events, %llu future event times, %llu correlation groups "
	    "evicted, %llu alerts released early, %llu hits released early",
	    (unsigned long long)(st->late_events - o->late_events),
	    (unsigned long long)(st->future_events - o->future_events),
	    (unsigned long long)(st->evicted_groups - o->evicted_groups),
	    (unsigned long long)(st->alerts_released_early - o->alerts_released_early),
	    (unsigned long long)(st->hits_released_early - o->hits_released_early));
}

void vg_pipeline_stats(const struct vg_pipeline *p, struct vg_pipeline_stats *out)
{
	*out = p->stats;
	take_correlator_stats(p->corr, out);
	struct vg_detect_stats ds;
	vg_detect_ctx_stats(p->dctx, &ds);
	vg_workers_detect_stats(p->workers, &ds);
	out->value_cache_lookups = ds.cache_lookups;
	out->value_cache_hits = ds.cache_hits;
}

struct vg_store *vg_pipeline_store(struct vg_pipeline *p)
{
	return p->store;
}

void vg_pipeline_set_incident_tap(struct vg_pipeline *p, vg_incident_tap_fn fn, void *ctx)
{
	p->incident_tap = fn;
	p->incident_tap_ctx = ctx;
}
