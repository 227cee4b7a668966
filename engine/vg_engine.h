/*
 * vg_engine.h - configuration, the SQLite store, the broker-independent pipeline,
 * Kafka I/O, the demo scenario and the command line.
 *
 * The pipeline (normalize -> detect -> correlate -> assemble -> rank -> store) takes
 * records from any source: the Kafka runner (kafka.c) feeds it from a consumer
 * group, `vigil replay` and `vigil model train` from files or generated scenarios.
 * Delivery rules (ARCHITECTURE.md, "State, delivery and restarts"): an input offset
 * is committed only after the store transaction holding everything derived from it
 * has committed, the outputs for it were acknowledged, and no open correlation
 * window still needs it.
 */
#ifndef VG_ENGINE_H
#define VG_ENGINE_H

#include "vg_core.h"
#include "vg_correlate.h"
#include "vg_models.h"
#include "vg_parsers.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ config */

struct vg_input {
	char *topic;
	enum vg_format format;
	int line, col; /* of its topic in the config file; 0 for the default */
};

struct vg_kv_list {
	struct vg_kv *items;
	int *lines, *cols; /* where each item's value was written (1-based), or NULL */
	size_t count;
};

struct vg_config {
	char *file; /* where it was loaded from ("<embedded>" for the demo) */
	int *where; /* per option: line and column of its value in file, 0 0 when not
	               written (vg_config_where) */
	int **item_where; /* per list option: line and column of each kept entry, or
	                     NULL (vg_config_where_item) */
	struct {
		char *brokers; /* "embedded" or a bootstrap list */
		char *group_id;
		struct vg_input *inputs;
		size_t ninputs;
		char *output_topic;
		char *dead_letter_topic;
		struct vg_kv_list librdkafka; /* passed through to rd_kafka_conf_set */
		int64_t max_message_bytes;    /* incident documents are made to fit */
		int64_t batch_size;
		int64_t poll_timeout_ms;
		int64_t embedded_partitions;
		vg_time stats_interval; /* wall time between progress lines, 0 none */
	} kafka;
	struct {
		char **paths; /* empty: the embedded default rules */
		size_t npaths;
	} rules;
	struct {
		char **paths; /* empty: the embedded default decoders */
		size_t npaths;
		int64_t rfc3164_utc_offset_sec;
	} decoders;
	struct {
		char *path; /* "embedded": the model shipped in the binary */
		double
		    priority_bands[3]; /* ascending score cut-offs for priority 3,2,1 */
		double surface_threshold; /* incidents at or above are surfaced */
	} model;
	struct {
		char *path;
		vg_time retention;                     /* 0: keep every incident */
		int64_t cache_mib, wal_checkpoint_mib; /* see vg_store_tune */
	} store;
	struct {
		vg_time allowed_lateness;
		vg_time max_future; /* event times further ahead of the wall clock are
		                       taken as read now; 0: no limit */
		vg_time incident_gap;
		vg_time novelty_warmup;
		vg_time host_memory;
		int64_t max_groups_per_rule;
		int64_t max_groups_total;
		int64_t max_held_alerts; /* held for event-time order before the oldest
		                            are assembled anyway */
		int64_t max_released_per_batch; /* held alerts assembled per batch */
		int64_t max_held_hits; /* held for event-time order before the oldest
		                          are counted anyway */
		vg_time idle_partition_timeout; /* wall time before an idle partition's
		                                   watermark advances with the clock */
		char **stop_values; /* "type:value" (correlation.stop_values map) */
		size_t nstop_values;
		int64_t stop_max_alerts; /* automatic stop-values: alerts per window */
		vg_time stop_window;
		bool link_hosts;     /* hosts link alerts (guarded by stop-values) */
		char **host_domains; /* local DNS domains, lowercase, no leading dot */
		size_t nhost_domains;
		char **account_domains; /* directory domains, lowercase, no leading dot */
		size_t naccount_domains;
	} correlation;
	struct {
		int64_t workers;     /* threads parsing and detecting; 0 = one per core */
		int64_t value_cache; /* field values remembered per detection thread */
	} engine;
};

/**
 * @brief Load and validate a YAML config file.  Every problem (unknown key, wrong
 * type, bad value, missing required key) is reported in diag as
 * "file:line:col: error: ...", all at once.
 * @return VG_OK and *out, or VG_ERR_CONFIG / VG_ERR_IO / VG_ERR_NOMEM.
 */
vg_err vg_config_load_file(const char *path, struct vg_config **out,
                           struct vg_diag *diag);
/**
 * @brief vg_config_load_file, except that a file whose YAML reads but whose values
 * are in error still gives *out (with VG_ERR_CONFIG): the defaults stand for the
 * values in error, so what the config names (decoders, rules, model) can be
 * checked too and every problem listed in one run.  *out is NULL on other errors.
 */
vg_err vg_config_load_file_partial(const char *path, struct vg_config **out,
                                   struct vg_diag *diag);
/** @return how far before the newest stored time a restart reads the store again:
 *  the longer of 2 x correlation.incident_gap (the incidents it reopens) and
 *  correlation.stop_window (the alerts the automatic stop-values count), plus
 *  correlation.allowed_lateness.  store.retention must keep that much. */
vg_time vg_config_restart_span(const struct vg_config *cfg);
/** @brief The same from a string; `name` is used in messages. */
vg_err vg_config_load_string(const char *name, const char *yaml, size_t len,
                             struct vg_config **out, struct vg_diag *diag);
/** @brief Destroy; NULL is allowed. */
void vg_config_destroy(struct vg_config *cfg);
/** @brief Where section.key was written in cfg->file (*line, *col; 0 0 when it was
 *  not, or is no option), for errors found after loading (the store cannot be
 *  opened, the model not read) to point at it as file:line:col. */
void vg_config_where(const struct vg_config *cfg, const char *section, const char *key,
                     int *line, int *col);
/** @brief Where entry i of the list option section.key (rules.paths, ...) was written,
 *  0 0 when it was not (a default) or there is no such entry. */
void vg_config_where_item(const struct vg_config *cfg, const char *section,
                          const char *key, size_t i, int *line, int *col);
/** @brief Where each of the first n entries of the list option section.key was
 *  written, for loaders to report a path's errors at its entry (file NULL for an
 *  entry the file did not write: vg_config_append's).  Caller frees; NULL when out
 *  of memory. */
struct vg_named_at *vg_config_named_at(const struct vg_config *cfg, const char *section,
                                       const char *key, size_t n);
/** @brief Add value to the list option section.key (rules.paths, decoders.paths),
 *  after the entries the file wrote, with no position in it: what a command
 *  line's -r or --decoders adds to a config.  VG_ERR_INVALID: no such list option
 *  or an empty value. */
vg_err vg_config_append(struct vg_config *cfg, const char *section, const char *key,
                        const char *value);
/** @brief Print every key with its type, default and description (docs). */
void vg_config_describe(FILE *out);

/* ------------------------------------------------------------------- store */

struct vg_store;

/** @brief Open (creating) the SQLite store at path in WAL mode and apply the schema
 *  (schemas/store.sql).  ":memory:" is allowed.  A store is not locked for
 *  threads: one thread at a time uses it. */
vg_err vg_store_open(const char *path, struct vg_store **out, char *errstr,
                     size_t errstr_size);
/** @brief Whether vg_store_open could open or make the store at path, without
 *  touching it (vigil check): an existing file must be an SQLite database this
 *  process can read and write, a new one's directory must be writable.
 *  @return VG_OK, or VG_ERR_STORE with the reason in errstr. */
vg_err vg_store_check_path(const char *path, char *errstr, size_t errstr_size);
/** @brief vg_store_open for a store that must exist already (the commands that read
 *  one: feedback, stix, model train --db, replay --export-map): a path with no
 *  file is an error, never a new empty store. */
vg_err vg_store_open_existing(const char *path, struct vg_store **out, char *errstr,
                              size_t errstr_size);
void vg_store_close(struct vg_store *st);
vg_err vg_store_begin(struct vg_store *st);
vg_err vg_store_commit(struct vg_store *st);
vg_err vg_store_rollback(struct vg_store *st);
/** @brief Size the store connection's page cache (cache_mib MiB) and the
 *  write-ahead log at which SQLite checkpoints it (wal_checkpoint_mib MiB); SQLite's
 *  own defaults, 2 MiB and 4 MiB, until this is called. */
vg_err vg_store_tune(struct vg_store *st, int64_t cache_mib, int64_t wal_checkpoint_mib);
/** @brief Make every commit of the store reach the disk before it returns (WAL
 *  with synchronous FULL: an fsync of the log per transaction).  vg_store_open's
 *  NORMAL survives the process's death (kill -9) but not the machine's (power loss,
 *  kernel panic) for the last commits; a caller that commits Kafka offsets once the
 *  store has committed needs this, or a machine crash loses incidents whose input
 *  the broker will not give again.  @return VG_OK, or VG_ERR_STORE (errmsg). */
vg_err vg_store_set_durable(struct vg_store *st);
/** @return whether the store's commits are synced to disk (vg_store_set_durable). */
bool vg_store_is_durable(const struct vg_store *st);
/** @return the last SQLite error message of the store. */
const char *vg_store_errmsg(const struct vg_store *st);

/** Ranking output stored with an incident. */
struct vg_ranking {
	double score;
	int priority;
	bool surfaced;
	const float *features; /* vg_feature_count() */
	const float *contrib;  /* vg_feature_count() + 1 (bias last), or NULL */
};

/** An edge of an incident's entity graph: two entities named by one alert. */
struct vg_story_edge {
	uint32_t a, b; /* indexes into the incident's entities */
	vg_time first_seen;
	uint32_t alerts;
};
/** A host the incident reached, in order. */
struct vg_story_hop {
	uint32_t host; /* index into the incident's entities */
	vg_time reached;
	const char *alert_id, *alert_title; /* the first alert on it */
	const char *user;                   /* of that alert ("" when absent) */
	/* its source.ip as the ip entity is known (vg_entity_canonical), "" none */
	char source_ip[128];
	char techniques[160]; /* ATT&CK techniques seen there, "T1110,..." */
};
/** A step of the ATT&CK tactic timeline: when a tactic first appeared. */
struct vg_story_step {
	int tactic; /* kill-chain index */
	const char *tactic_name;
	vg_time first_seen;
	const char *alert_id, *alert_title;
};
/** The story of an incident (incident_text.c): entity graph, sources, spread path
 *  and tactic timeline.  Pure function of the incident (alert order does not
 *  matter); pointers borrow from the incident. */
struct vg_incident_story {
	uint32_t *nodes; /* entity indexes ordered by first_seen, type, value */
	size_t nnodes;
	struct vg_story_edge *edges;
	size_t nedges;
	uint32_t *sources; /* ip entities that were source.ip, by first_seen */
	size_t nsources;
	struct vg_story_hop *hops;
	size_t nhops;
	struct vg_story_step *steps;
	size_t nsteps;
};

/** Text built for an incident (incident_text.c). */
struct vg_incident_doc {
	const char *title;
	const char *summary;
	const char *tactics; /* comma-separated ATT&CK tactics in kill-chain order */
	const char *max_level;
	const char *explanation; /* JSON array of the top contributions */
	const char *features;    /* JSON object name -> value */
	const char *document;    /* the JSON published on the output topic */
	const struct vg_incident_story *story; /* NULL: none stored */
};

/** @brief Upsert an incident with its entities and story, and its alerts not
 * marked `stored` (struct vg_incident_alert: alerts never change, and a merged
 * part's alerts move with vg_store_merge_incident), each with its tags and
 * fields; idempotent. */
vg_err vg_store_put_incident(struct vg_store *st, const struct vg_incident *inc,
                             const struct vg_ranking *rank,
                             const struct vg_incident_doc *doc);
/** @brief Record that `merged` was absorbed by `into` (its alerts move there). */
vg_err vg_store_merge_incident(struct vg_store *st, const char *merged, const char *into);
/** @brief Record an alert's contributing event positions (for replay and labels). */
vg_err vg_store_put_alert_events(struct vg_store *st, const struct vg_alert *alert);
/**
 * @brief Record which incident an alert joined, once per input record behind it
 * (alert->events: topic/partition/offset, or file/0/record index for a replay).
 * vg_store_merge_incident moves the rows of an absorbed incident to the survivor,
 * so the table always names incidents that are not merged away.
 */
vg_err vg_store_put_record_incident(struct vg_store *st, const struct vg_alert *alert,
                                    const char *incident_id);
/** @brief Give fn every (record, alert, incident) row, ordered by topic, partition,
 *  offset and alert id. */
vg_err vg_store_each_record_incident(struct vg_store *st,
                                     vg_err (*fn)(const char *topic, int32_t partition,
                                                  int64_t offset, const char *alert_id,
                                                  const char *incident_id, void *ctx),
                                     void *ctx);
/** @brief Give fn every recorded input position (topic, partition, next offset). */
vg_err vg_store_each_offset(struct vg_store *st,
                            vg_err (*fn)(const char *topic, int32_t partition,
                                         int64_t next_offset, void *ctx),
                            void *ctx);
/** @return true when the alert (its id) was assembled and stored: also one past
 *  its incident's detail bound, whose events are stored but not the alert. */
bool vg_store_has_alert(struct vg_store *st, const struct vg_alert *alert);
/** @return the largest offset of (topic, partition) with a record behind a stored
 *  alert (record_incidents), -1 when none, INT64_MAX when it cannot be read. */
int64_t vg_store_records_to(struct vg_store *st, const char *topic, int32_t partition);
/** @brief Persist a correlation mark (see vg_correlator_restore_mark; fire NULL:
 *  a mark without a fire position).  A mark stored again keeps the larger offset
 *  and the later fire position. */
vg_err vg_store_put_mark(struct vg_store *st, const char *rule_id, const char *group_key,
                         const char *topic, int32_t partition, int64_t offset,
                         const struct vg_fire_pos *fire);
/** @brief Remove the marks of topic/partition before offset `below`, and the
 *  chained alerts whose newest event is: a restart from a committed offset of at
 *  least `below` can never need them. */
vg_err vg_store_prune_marks(struct vg_store *st, const char *topic, int32_t partition,
                            int64_t below);
/** @brief Persist an alert of a correlation that others consume, as it was fed to
 *  them (alert->chain, its newest event's position, last_ts, its fire position),
 *  for vg_correlator_restore_chained after a restart; nothing when it carries no
 *  chain values.  Removed by vg_store_prune_marks with the marks. */
vg_err vg_store_put_chained(struct vg_store *st, const char *rule_id,
                            const struct vg_alert *alert);
/** @brief Give every stored chained alert to fn, in fire position order. */
vg_err vg_store_each_chained(struct vg_store *st,
                             vg_err (*fn)(const char *rule_id, const struct vg_kv *chain,
                                          size_t nchain, vg_time ts,
                                          const struct vg_source *src,
                                          const struct vg_fire_pos *at, void *ctx),
                             void *ctx);
/** @brief Give every stored mark to fn. */
vg_err vg_store_each_mark(struct vg_store *st,
                          vg_err (*fn)(const char *rule_id, const char *group_key,
                                       const char *topic, int32_t partition,
                                       int64_t offset, const struct vg_fire_pos *fire,
                                       void *ctx),
                          void *ctx);
/** @brief Record the next offset to read for topic/partition and the newest event
 *  time seen on it (VG_TIME_NONE when unknown: the stored one stays).  ended: the
 *  input delivers nothing more, and its newest event time is cleared (it must not
 *  decide which incidents a later run reopens). */
vg_err vg_store_put_offset(struct vg_store *st, const char *topic, int32_t partition,
                           int64_t next_offset, vg_time max_event_time, bool ended);
/** @brief Load incidents an alert could still join after a restart and give each to
 *  fn: those active within gap of the oldest newest event time of the partitions of
 *  `topics` (NULL: of every partition recorded), or of the newest incident when none
 *  of them is recorded.  A topic the run no longer reads must not hold that time
 *  back: every restart would reopen every incident since it was dropped. */
vg_err vg_store_each_open_incident(struct vg_store *st, vg_time gap,
                                   const char *const *topics, size_t ntopics,
                                   vg_err (*fn)(const struct vg_incident *inc, void *ctx),
                                   void *ctx);
/** @brief Give fn, one at a time, the detailed alerts the automatic stop-value rates
 *  of a restart need beyond those of the incidents vg_store_each_open_incident
 *  (same gap and topics) gives back: those with last_seen within reach of the same
 *  horizon, of the incidents last active before horizon - gap.  Nothing when reach
 *  <= gap.  Each alert has its id, last_ts and fields (no tags, no title), owned by
 *  the store until fn returns.  Cost: a read of those alerts and their fields. */
vg_err vg_store_each_rate_alert(struct vg_store *st, vg_time gap, vg_time reach,
                                const char *const *topics, size_t ntopics,
                                vg_err (*fn)(const struct vg_incident_alert *al,
                                             void *ctx),
                                void *ctx);
/** @brief Mark incident versions as published on the output topic. */
vg_err vg_store_mark_published(struct vg_store *st, const char *incident_id,
                               uint32_t version);
/** @brief Give fn the ids of incidents whose stored version was not yet published. */
vg_err vg_store_each_unpublished(struct vg_store *st,
                                 vg_err (*fn)(const char *incident_id, void *ctx),
                                 void *ctx);
/** @brief Load incident id with its detailed alerts (tags, fields) and entities
 *  into inc (the caller clears it with vg_incident_clear).  VG_ERR_NOTFOUND when
 *  there is none or it was merged away (vg_store_errmsg names the survivor). */
vg_err vg_store_load_incident(struct vg_store *st, const char *id,
                              struct vg_incident *inc);
/** @brief The `created` of incident id's STIX objects (vigil stix): the first alert
 *  time of its first stored version, which a later version does not change (STIX
 *  2.1: created never changes between versions), even when it moves the incident's
 *  first alert earlier.  VG_ERR_NOTFOUND when there is no such incident. */
vg_err vg_store_stix_created(struct vg_store *st, const char *id, vg_time *created);
/** @brief Give fn the id of every surfaced incident not merged away, highest score
 *  first. */
vg_err vg_store_each_surfaced(struct vg_store *st,
                              vg_err (*fn)(const char *incident_id, void *ctx),
                              void *ctx);
/** @brief The incident's published JSON document (as built at its last upsert). */
vg_err vg_store_incident_json(struct vg_store *st, const char *incident_id,
                              struct vg_buf *out, uint32_t *version);
/** One row of the ranked incident list. */
struct vg_ranked_row {
	const char *id, *title, *summary, *tactics, *explanation, *first_seen, *last_seen;
	double score; /* -1 when unscored */
	int priority;
	bool surfaced;
	int64_t alert_count;
	uint32_t version;
};
/** @brief Give fn the top `limit` incidents by score (merged ones left out). */
vg_err vg_store_each_ranked(struct vg_store *st, int limit,
                            vg_err (*fn)(const struct vg_ranked_row *row, void *ctx),
                            void *ctx);
/** @brief Read a counter of the metrics table (0 when absent). */
int64_t vg_store_metric(struct vg_store *st, const char *name);
/** @brief Count incidents (not merged), and of them the surfaced ones. */
vg_err vg_store_count_incidents(struct vg_store *st, int64_t *total, int64_t *surfaced);

/** @brief Remember that (host, rule) was first seen with alert_id at first_seen
 *  (novelty table; the first record wins). */
vg_err vg_store_put_novelty(struct vg_store *st, const char *host, const char *rule_id,
                            const char *alert_id, vg_time first_seen);
/** @brief Give fn every (host, rule) pair of the novelty table. */
vg_err vg_store_each_novelty(struct vg_store *st,
                             vg_err (*fn)(const char *host, const char *rule_id,
                                          void *ctx),
                             void *ctx);
/** @brief Add `prevented` to the links a stop-value prevented (stop_values table). */
vg_err vg_store_add_stop_value(struct vg_store *st, const char *type, const char *value,
                               bool configured, int64_t prevented);
/** @brief Record an analyst's verdict ("tp" or "fp") on an incident, with an optional
 *  note, at wall-clock time `at` (the caller reads the clock).
 *  @return VG_OK, VG_ERR_NOTFOUND (no such incident, or merged away: the error
 *  message names the survivor), VG_ERR_INVALID (bad verdict) or VG_ERR_STORE. */
vg_err vg_store_put_feedback(struct vg_store *st, const char *incident_id,
                             const char *verdict, const char *note, vg_time at);
/** @brief Give fn each incident with a verdict: its latest verdict (1 tp, 0 fp) and
 *  its stored feature JSON (as vg_incident_features_json wrote it), by id. */
vg_err vg_store_each_verdict(struct vg_store *st,
                             vg_err (*fn)(const char *incident_id, int label,
                                          const char *features_json, void *ctx),
                             void *ctx);

/** @brief Persist one third-party signature statistic (vg_assembler_take_sig_stats). */
vg_err vg_store_put_sig_stat(struct vg_store *st, const char *key, uint32_t runs,
                             vg_time last_ts);
/** @brief Give every stored signature statistic to fn (restart). */
vg_err vg_store_each_sig_stat(struct vg_store *st,
                              vg_err (*fn)(const char *key, uint32_t runs,
                                           vg_time last_ts, void *ctx),
                              void *ctx);

/** @brief *out = the latest last activity of any stored incident (event time), or
 *  VG_TIME_NONE when there is none. */
vg_err vg_store_newest_activity(struct vg_store *st, vg_time *out);
/** What one vg_store_prune call removed. */
struct vg_prune_stats {
	size_t survivors;       /* incidents not merged away that were removed */
	int64_t incidents;      /* incident rows: those plus the ones merged into them */
	int64_t alerts;         /* their alerts (with tags, fields, input records) */
	int64_t pages_released; /* file pages given back to the file system */
};
/**
 * @brief Retention: remove incidents whose last activity is before `before`
 * (event time), with every row about them -- alerts with their tags, fields,
 * input records and novelty flags, entities, story rows, record -> incident rows.
 * An incident merged into another goes with it, never alone (its id keeps
 * naming the survivor); a merge family with an analyst's verdict on any member
 * is kept (training data for `vigil model train`).  Stream state (novelty pairs,
 * signature statistics, stop-values, correlation marks, offsets, metrics) stays.
 * At most max_incidents survivors, oldest first (0: no limit), so one call never
 * holds the store for long: out->survivors == max_incidents means there may be
 * more.  Call inside a transaction (vg_store_begin).  Free pages beyond an eighth
 * of the pages in use, up to 4096 a call (16 MiB), are then given back to the file
 * system (the file shrinks at the next WAL checkpoint); SQLite reuses the rest.  A
 * store file made before auto_vacuum was set only reuses them.
 */
vg_err vg_store_prune(struct vg_store *st, vg_time before, size_t max_incidents,
                      struct vg_prune_stats *out);
/** @brief Add a named counter (metrics table). */
vg_err vg_store_add_metric(struct vg_store *st, const char *name, int64_t delta);

/* ---------------------------------------------------------------- pipeline */

struct vg_pipeline;

/** An output message: one incident version for the output topic. */
struct vg_output {
	char incident_id[21];
	uint32_t version;
	struct vg_buf json;
};

struct vg_pipeline_stats {
	uint64_t records, events, dead_letters, hits, alerts, alerts_replayed,
	    incidents_changed, late_events;
	uint64_t documents_truncated; /* incident versions whose document left details
	                                 out to fit kafka.max_message_bytes */
	uint64_t incidents_pruned, alerts_pruned; /* removed by store.retention */
	uint64_t store_pages_released;  /* ... and file pages given back after it */
	uint64_t evicted_groups;        /* open correlation groups dropped at the limits
	                                   (correlation.max_groups_*) */
	uint64_t future_events;         /* event times past correlation.max_future,
	                                   taken as the time they were read */
	uint64_t alerts_released_early; /* assembled before the low watermark passed
	                                   them: correlation.max_held_alerts */
	uint64_t hits_released_early;   /* counted by correlation before the low
	                                   watermark passed them: max_held_hits */
	uint64_t incidents_restored;    /* open incidents read back from the store at
	                                   start (vg_store_each_open_incident) */
	/* detection's field value cache (engine.value_cache), every thread's summed;
	 * they depend on how records were spread over the threads, so they are
	 * logged, not stored with the metrics */
	uint64_t value_cache_lookups, value_cache_hits;
};

/** Called for each record that becomes a dead letter (reason, original bytes). */
typedef void (*vg_dead_letter_fn)(const char *reason, const char *buf, size_t len,
                                  const struct vg_source *src, void *ctx);
/** Called for each alert (before assembly), e.g. by `vigil detect`. */
typedef void (*vg_alert_tap_fn)(const struct vg_alert *alert, void *ctx);

/** Called after an alert joined an incident (its id at that moment). */
typedef void (*vg_assembled_fn)(const struct vg_alert *alert, const char *incident_id,
                                void *ctx);
/** Called when incident `merged` was absorbed by `into`. */
typedef void (*vg_merged_fn)(const char *merged, const char *into, void *ctx);

struct vg_pipeline_hooks {
	vg_dead_letter_fn dead_letter;
	vg_alert_tap_fn alert_tap;
	void *ctx;
	/* Optional (NULL: none); they get ctx too.  `vigil eval` follows which
	 * records' alerts end up in which incident without reading the store. */
	vg_assembled_fn assembled;
	vg_merged_fn merged;
};

/**
 * @brief Build the pipeline from a validated config: decoders, rules, model and
 * store (opened and restored: open incidents and correlation marks).  Every
 * problem goes to diag.  store may be bypassed with cfg->store.path NULL.
 */
vg_err vg_pipeline_new(const struct vg_config *cfg, const struct vg_pipeline_hooks *hooks,
                       struct vg_pipeline **out, struct vg_diag *diag);
void vg_pipeline_destroy(struct vg_pipeline *p);

/** @brief Start a batch: opens the store transaction. */
vg_err vg_pipeline_begin(struct vg_pipeline *p);
/**
 * @brief Process one record.  buf must stay valid until vg_pipeline_end.
 * ref_time, when the record was made (its message timestamp, or the clock when it
 * was read; VG_TIME_NONE: unknown), gives RFC 3164's missing year, and an event
 * time more than correlation.max_future after it is taken as the partition's
 * present instead (vigil.claimed_time keeps the claim; future_events counts it).
 */
vg_err vg_pipeline_process(struct vg_pipeline *p, enum vg_format fmt, const char *buf,
                           size_t len, const struct vg_source *src, vg_time ref_time);
/**
 * @brief End a batch: score and store every incident changed in it, commit the
 * store transaction, and hand back the output messages (owned by the pipeline, valid
 * until the next vg_pipeline_begin).  On failure the transaction is rolled back and
 * nothing of the batch may be committed upstream.
 */
vg_err vg_pipeline_end(struct vg_pipeline *p, struct vg_output **outputs,
                       size_t *noutputs);
/** One input record (vg_pipeline_process_many). */
struct vg_record {
	enum vg_format fmt;
	const char *buf; /* must outlive the batch */
	size_t len;
	struct vg_source src;
	vg_time ref_time;
};
/**
 * @brief vg_pipeline_process for each of recs[0..n), in order, with the same
 * result; their parsing and detection run on engine.workers threads.  Stops at
 * the first fatal error (the batch must then be rolled back).
 */
vg_err vg_pipeline_process_many(struct vg_pipeline *p, const struct vg_record *recs,
                                size_t n);
/** @brief Outputs were delivered: record them as published. */
vg_err vg_pipeline_ack(struct vg_pipeline *p, const struct vg_output *outputs, size_t n);
/** @brief Rebuild the output messages of incidents stored but never published. */
vg_err vg_pipeline_unpublished(struct vg_pipeline *p, struct vg_output **outputs,
                               size_t *noutputs);
/** @brief The offset that may be committed for topic/partition given that
 *  everything up to and including `processed` is durable. */
int64_t vg_pipeline_committable(const struct vg_pipeline *p, const char *topic,
                                int32_t partition, int64_t processed);
/** @brief The caller committed next_offset for topic/partition upstream (Kafka):
 *  a restart reads from there on, so the next batch removes the store's
 *  correlation marks before it (they would never apply again). */
void vg_pipeline_committed(struct vg_pipeline *p, const char *topic, int32_t partition,
                           int64_t next_offset);
/** @brief An idle partition: treat `now` as its newest event time (its watermark is
 *  now less the allowed lateness), and complete its pending auditd group unless it
 *  is not assigned (vg_pipeline_set_assignment: another consumer reads the group
 *  again).  Call between begin and end: a closing window may emit alerts. */
void vg_pipeline_advance(struct vg_pipeline *p, const char *topic, int32_t partition,
                         vg_time now);
/**
 * @brief How many events with an event time topic/partition has given so far
 * (auditd: once their group is complete); 0 for a partition never seen.  Records
 * that give none (dead letters) leave it unchanged: the Kafka runner tells a live
 * partition from an idle one by it, so one delivering only dead letters cannot
 * hold alerts back for ever.  Cost: a scan of the partitions seen.
 */
uint64_t vg_pipeline_timed_events(const struct vg_pipeline *p, const char *topic,
                                  int32_t partition);
/** @brief An input that delivers nothing more (a replayed file at its end): its
 *  watermark moves to the end of time, and the store keeps no newest event time
 *  for it, so a later run on the same store reopens the incidents still open at
 *  the other inputs' (or the newest incident's) time, not none.  Call between
 *  begin and end, after its last record. */
void vg_pipeline_input_ended(struct vg_pipeline *p, const char *topic, int32_t partition);
/**
 * @brief The partitions this pipeline is assigned (Kafka consumer assignment).
 * Once called, alerts are released only when every assigned partition has
 * delivered events past them, so incident assembly never depends on which
 * partition a consumer happens to read first.  Without it, every partition seen
 * counts (files).
 */
vg_err vg_pipeline_set_assignment(struct vg_pipeline *p, const char *const *topics,
                                  const int32_t *partitions, size_t n);
/** @brief The input has ended (replay, training, --stop-at-end): the next
 *  vg_pipeline_end releases every held alert.  Never call it for a mid-stream stop,
 *  or a restart would assemble alerts in another order. */
void vg_pipeline_finish_input(struct vg_pipeline *p);
void vg_pipeline_stats(const struct vg_pipeline *p, struct vg_pipeline_stats *out);
/** @brief What correlation had to give up, as the summaries of run, replay and
 *  detect print it: "N late events, N future event times, N correlation groups
 *  evicted, N alerts released early", counted since `since` (NULL: in all), into
 *  out[size]. */
void vg_pipeline_losses_text(const struct vg_pipeline_stats *st,
                             const struct vg_pipeline_stats *since, char *out,
                             size_t size);

/** What holds alerts back: they are assembled in event-time order, once the low
 *  watermark (the oldest newest-event time of the assigned partitions) passes. */
struct vg_pipeline_hold {
	size_t alerts;     /* held, not assembled yet */
	size_t hits;       /* rule hits held for correlation, not counted yet */
	vg_time low;       /* the low watermark; VG_TIME_NONE while `topic` has
	                      delivered nothing (or no partition is assigned) */
	vg_time newest;    /* the newest event time of any assigned partition that has
	                      not ended; VG_TIME_NONE: none */
	const char *topic; /* the partition that sets `low` (owned by the pipeline);
	                      NULL when no partition is assigned */
	int32_t partition;
};
void vg_pipeline_hold(const struct vg_pipeline *p, struct vg_pipeline_hold *out);
struct vg_store *vg_pipeline_store(struct vg_pipeline *p);
/** @brief Called with every changed incident's id, version, score and features at
 *  vg_pipeline_end (training collects them). */
typedef void (*vg_incident_tap_fn)(const struct vg_incident *inc, const float *features,
                                   double score, void *ctx);
void vg_pipeline_set_incident_tap(struct vg_pipeline *p, vg_incident_tap_fn fn,
                                  void *ctx);

/* ----------------------------------------------------------------- scenario */

/** One generated record with its ground truth. */
struct vg_scenario_record {
	char *line;       /* the record as it goes on the wire */
	const char *host; /* the host that logged it (static; the Kafka key) */
	bool attack;      /* ground truth: part of an attack */
	vg_time ts;
	bool json;            /* a JSON line (Sysmon / ECS endpoint event), else syslog */
	const char *campaign; /* static name of the attack campaign, NULL for noise */
};

struct vg_scenario {
	struct vg_scenario_record *records;
	size_t count;
	size_t attack_records;
	size_t campaigns; /* attack campaigns generated */
};

#define VG_SCENARIO_MAX_HOSTS 6    /* the generator's named servers */
#define VG_SCENARIO_MAX_HOURS 8784 /* a leap year of benign noise */

struct vg_scenario_params {
	uint64_t seed;
	vg_time start; /* event time of the first record */
	int hours;     /* span of benign noise, 1..VG_SCENARIO_MAX_HOURS (0: 6) */
	int hosts;     /* servers producing noise, 1..VG_SCENARIO_MAX_HOSTS (0: 3) */
	bool attack;   /* include the SSH brute force -> login -> sudo campaign */
	bool variants; /* randomise campaigns and add benign look-alikes (training) */
	bool endpoint; /* also endpoint campaigns as JSON lines (Sysmon, ECS): encoded
	                  PowerShell + lsass access, C2 beaconing, a web shell, a port
	                  scan; needs an input format that accepts JSON (auto) */
};

/** @brief Generate a deterministic scenario (same params, same bytes). */
vg_err vg_scenario_generate(const struct vg_scenario_params *params,
                            struct vg_scenario *out);
void vg_scenario_free(struct vg_scenario *sc);

/* -------------------------------------------------------------------- kafka */

/** Options of one Kafka run (vigil run / vigil demo). */
struct vg_run_opts {
	/** Stop after this many input records (0 = run until SIGINT/SIGTERM). */
	uint64_t stop_after_records;
	/** Stop once every assigned partition reached its end (demo). */
	bool stop_at_end;
	/** Print a line per batch. */
	bool verbose;
};

/** @brief Run the consumer loop until a signal or the stop condition. */
vg_err vg_kafka_run(const struct vg_config *cfg, const struct vg_run_opts *opts,
                    struct vg_diag *diag);

/** The embedded broker: librdkafka's mock cluster on loopback. */
struct vg_embedded_kafka;
vg_err vg_embedded_kafka_start(int partitions, struct vg_embedded_kafka **out,
                               char *errstr, size_t errstr_size);
/** @brief Create a topic on the embedded cluster. */
vg_err vg_embedded_kafka_create_topic(struct vg_embedded_kafka *ek, const char *topic,
                                      int partitions);
const char *vg_embedded_kafka_bootstraps(const struct vg_embedded_kafka *ek);
void vg_embedded_kafka_stop(struct vg_embedded_kafka *ek);

/** A record to produce. */
struct vg_kafka_record {
	const char *key; /* NULL: no key */
	const char *value;
	size_t len;
	vg_time ts; /* message timestamp (event time); VG_TIME_NONE: now */
};

/** @brief Produce records to topic (idempotent producer) and wait until every one
 *  is acknowledged.  @return VG_OK, or VG_ERR_KAFKA with errstr. */
vg_err vg_kafka_produce(const char *brokers, const struct vg_kv_list *rdconf,
                        const char *topic, const struct vg_kafka_record *recs, size_t n,
                        char *errstr, size_t errstr_size);

/** @brief Validate the librdkafka settings of cfg as `vigil run` would before its
 *  first record (builds a configuration, never connects): every property, and the
 *  largest incident document against message.max.bytes; errors at file:line:col. */
vg_err vg_kafka_check_config(const struct vg_config *cfg, struct vg_diag *diag);

/** @brief Ask a running vg_kafka_run to stop after its current batch (signal-safe). */
void vg_kafka_request_stop(void);

#ifdef __cplusplus
}
#endif
#endif /* VG_ENGINE_H */
