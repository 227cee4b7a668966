/*
 * vg_correlate.h - the screening layers: L1 detection, L2 correlation, L3 assembly.
 *
 *  - Rules are Sigma (detection rules and correlation rules) loaded from YAML.
 *  - Detection is stateless: an event in, the rules it matches out.
 *  - Correlation is stateful per (rule, group-by values), in event time; alerts come
 *    out when a correlation condition is met, or straight from a detection rule that
 *    no correlation consumes (or that says `generate: true`).
 *  - Assembly joins alerts that share an entity into incidents with deterministic ids.
 *
 * Nothing here reads the clock, talks to Kafka or touches SQLite: time comes from
 * events and callers, and persistence is the caller's business (it gets the state to
 * persist through the alert and incident structures and gives it back on restart).
 */
#ifndef VG_CORRELATE_H
#define VG_CORRELATE_H

#include "vg_core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ rules */

enum vg_level {
	VG_LEVEL_INFORMATIONAL = 0,
	VG_LEVEL_LOW,
	VG_LEVEL_MEDIUM,
	VG_LEVEL_HIGH,
	VG_LEVEL_CRITICAL,
};
/** @return "informational", "low", ... */
const char *vg_level_name(enum vg_level level);
/** @return whether an alert is notable: a correlation, or level high or critical.
 *  A host links a new alert only into an incident with a notable alert (assembly),
 *  notable alerts of an instant are assembled first (pipeline), and only they make
 *  an address an incident's attack source (incident text). */
static inline bool vg_level_notable(enum vg_level level, bool is_correlation)
{
	return is_correlation || level >= VG_LEVEL_HIGH;
}

/* ------------------------------------------------------------- ATT&CK */

/** ATT&CK Enterprise tactics, in kill-chain order. */
#define VG_TACTIC_COUNT 14
/** @return the kill-chain index of a Sigma tag "attack.<tactic>" (case, '_' and
 *  ' ' for '-' tolerated), or -1 when the tag names no tactic. */
int vg_tactic_index(const char *tag);
/** @return the kill-chain index of tactic name[0..n) ("credential-access",
 *  "Credential Access", "Credential_Access"), or -1. */
int vg_attack_tactic(const char *name, size_t n);
/** @return the canonical tactic name ("credential-access") at a kill-chain index,
 *  or NULL when out of range. */
const char *vg_tactic_name(int index);
/** @return whether s[0..n) is a technique id "T1110" or sub-technique
 *  "T1548.003" (either case of 't'). */
bool vg_attack_technique_id(const char *s, size_t n);

struct vg_rule;    /* one loaded rule (detection or correlation), immutable */
struct vg_ruleset; /* every loaded rule, compiled, immutable; shareable by threads */

/** Read-only facts about a rule. Strings live as long as the ruleset. */
struct vg_rule_info {
	const char *id; /* Sigma `id` (or `name` when there is no id) */
	const char *title;
	const char *file; /* where it was loaded from */
	int line;         /* 1-based line of the rule document */
	enum vg_level level;
	bool is_correlation;
	bool consumed; /* a correlation counts its hits or alerts */
	const char *const
	    *tags; /* Sigma tags, e.g. "attack.t1110", "attack.credential-access" */
	size_t ntags;
};

/**
 * @brief Load Sigma rules from files and directories (recursively, .yml and .yaml;
 * multi-document files allowed).  With n_paths 0 the embedded default rules
 * (correlate/rules/) are loaded.
 * A rule that cannot run is skipped and reported in diag as an error with its
 * file:line:col and the reason; nothing is dropped silently.  Field names are
 * mapped through schemas/ and interned in the field registry here.
 * @return VG_OK with *out (possibly with errors in diag for skipped rules: the
 *         caller decides whether any error is fatal), VG_ERR_NOMEM, or
 *         VG_ERR_CONFIG when not a single rule could be loaded from a path.
 */
vg_err vg_ruleset_load(const char *const *paths, size_t n_paths, struct vg_ruleset **out,
                       struct vg_diag *diag);
/** @brief vg_ruleset_load with named_at[i] (NULL: none) saying where a config named
 *  paths[i]: a path that cannot be opened, or from which no rule loads, is
 *  reported there, naming the path. */
vg_err vg_ruleset_load_named(const char *const *paths, const struct vg_named_at *named_at,
                             size_t n_paths, struct vg_ruleset **out,
                             struct vg_diag *diag);
/** @brief Destroy; NULL is allowed. */
void vg_ruleset_destroy(struct vg_ruleset *rs);
/** @return the number of rules loaded (detection + correlation). */
size_t vg_ruleset_count(const struct vg_ruleset *rs);
/** @return rule number i (0 <= i < count). */
const struct vg_rule *vg_ruleset_rule(const struct vg_ruleset *rs, size_t i);
/** @return the rule with that id or name, or NULL. */
const struct vg_rule *vg_ruleset_find(const struct vg_ruleset *rs, const char *id);
/** @return how far back in event time the events behind one alert can lie: the
 *  longest chain of correlation timespans (a correlation's own plus the longest
 *  of the correlations it counts), 0 with detection rules only; *longest (when
 *  not NULL) gets the rule that reaches furthest, or NULL. */
vg_time vg_ruleset_reach(const struct vg_ruleset *rs, const struct vg_rule **longest);
/** @brief Fill info for rule. */
void vg_rule_info(const struct vg_rule *rule, struct vg_rule_info *info);

/* -------------------------------------------------------------- detection */

struct vg_detect_ctx; /* per-thread scratch */

/**
 * @brief A detection context for one thread.  It holds a cache of about
 * VG_DETECT_CACHE_DEFAULT recent field values and the rule literals each contains
 * (about 300 bytes an entry, 1.2 MiB by default): Sysmon fields (image, hashes,
 * parent, user, directory) repeat, and a repeated value is not scanned again.  The
 * cache changes no result (values are compared whole).
 * @return the context, or NULL (out of memory).
 */
struct vg_detect_ctx *vg_detect_ctx_new(const struct vg_ruleset *rs);
void vg_detect_ctx_destroy(struct vg_detect_ctx *ctx);
#define VG_DETECT_CACHE_DEFAULT 4096
/**
 * @brief Resize the context's field value cache to about `entries` values (0: no
 * cache); the size it already has changes nothing (its values stay).  @return VG_OK,
 * or VG_ERR_NOMEM (the context then has no cache).
 */
vg_err vg_detect_ctx_cache(struct vg_detect_ctx *ctx, size_t entries);
/** Counters of one context since it was made. */
struct vg_detect_stats {
	uint64_t cache_lookups; /* field values looked up in the cache */
	uint64_t cache_hits;    /* ... found there (not scanned) */
	uint64_t evaluated;     /* rules evaluated: the index's candidates, the rules
	                           it cannot index, groups too small to index */
};
void vg_detect_ctx_stats(const struct vg_detect_ctx *ctx, struct vg_detect_stats *out);

/**
 * @brief Run every detection rule that could match ev.
 * @return the number of matching rules written to hits (at most max_hits; the
 *         return value may exceed max_hits, meaning some were not written).
 */
size_t vg_detect(const struct vg_ruleset *rs, struct vg_detect_ctx *ctx,
                 const struct vg_event *ev, const struct vg_rule **hits, size_t max_hits);

/* ------------------------------------------------------------ correlation */

/** A field value an alert or incident carries (owned copies). */
struct vg_kv {
	char *name; /* field name, e.g. "source.ip" */
	char *value;
};

/**
 * @brief Deep-copy n field values.  *out gets a new array (at least one slot, so
 * never NULL on success) and *nout the count copied: one allocation holding the
 * array and every name and value (a held alert's fields; freed by vg_kv_free).
 * @return VG_OK, or VG_ERR_NOMEM with nothing allocated.
 */
vg_err vg_kv_dup(const struct vg_kv *src, size_t n, struct vg_kv **out, size_t *nout);
/** @return the first non-empty value of the field called name among kv[0..n),
 *  or NULL. */
const char *vg_kv_get(const struct vg_kv *kv, size_t n, const char *name);
/** @brief Free an array made by vg_kv_dup, with its strings (NULL allowed). */
void vg_kv_free(struct vg_kv *kv);

/**
 * Ordered mode (vg_correlator_conf.ordered): the position, in counting order (time,
 * partition, offset), of the hit at which a correlation fired.  Every hit of its
 * group at or before it had been counted, and none after it.  A window closed at
 * its end fires at (end, INT32_MAX, INT64_MAX).
 */
struct vg_fire_pos {
	vg_time ts;
	int32_t partition;
	int64_t offset;
};

/**
 * An alert: a correlation that fired, or a detection hit that stands alone.
 * Owned by whoever receives it from the sink only for the duration of the callback:
 * copy what you keep.
 */
struct vg_alert {
	char id[17]; /* deterministic: hash of rule id, group, first event time */
	const struct vg_rule *rule;
	vg_time first_ts, last_ts;
	uint64_t event_count; /* events that made it (count for event_count) */
	const char
	    *group_key;       /* canonical "field=value\x1f..." of group-by, "" if none */
	struct vg_kv *fields; /* group-by values, then entity fields of the last event */
	size_t nfields;
	struct vg_source *events; /* positions of the contributing events (bounded, see
	                             events_truncated) */
	size_t nevents;
	bool events_truncated;
	/* ordered mode, correlations: where counting stood when it fired -- the
	 * firing position, and per partition the largest offset counted (its marks:
	 * vg_correlator_restore_mark); nfrontier 0 otherwise */
	struct vg_fire_pos fire;
	const struct vg_source *frontier;
	size_t nfrontier;
	/* a correlation that others consume: the values its alert carries to them
	 * (field name -> value), fed to them at `fire` in ordered mode as an event at
	 * last_ts in the position of its newest event (events[nevents - 1]); what a
	 * restart gives back through vg_correlator_restore_chained.  nchain 0
	 * otherwise. */
	const struct vg_kv *chain;
	size_t nchain;
};

typedef void (*vg_alert_fn)(const struct vg_alert *alert, void *ctx);

/**
 * @brief An alert's level: its rule's, raised to the level its event's detector
 * gave it when it carries one (field vigil.alert.level of a third-party alert,
 * parsers/alerts.c).  A catch-all rule over other detectors' alerts is low, and a
 * Wazuh level 12 alert or a Suricata severity 1 one is high all the same.
 */
enum vg_level vg_alert_level(const struct vg_alert *alert);
/** Most ATT&CK tags a third-party alert's detector can add (vg_alert_attack_tags). */
#define VG_ALERT_ATTACK_TAGS_MAX 16
/**
 * @brief The ATT&CK tags named by a third-party alert's detector, as Sigma tags:
 * each tactic of field threat.tactic.name ("Privilege Escalation",
 * "Command_And_Control": "attack.privilege-escalation",
 * "attack.command-and-control") and each technique of threat.technique.id
 * ("T1548.003": "attack.t1548.003"); either field one name or a JSON array of
 * names.  Names that are not an ATT&CK tactic name or technique id are left out,
 * as are repeats.  Pure; no allocation.
 * @return how many were written to out (at most VG_ALERT_ATTACK_TAGS_MAX).
 */
size_t vg_alert_attack_tags(const struct vg_kv *fields, size_t nfields, char out[][48]);

struct vg_correlator_conf {
	vg_time allowed_lateness;   /* events older than watermark are "late" */
	size_t max_groups_per_rule; /* 0 = default (100000) */
	size_t max_groups_total;    /* 0 = default (1000000) */
	/* Count hits in event-time order whatever order they arrive in: hold the hits
	 * that correlations consume until vg_correlator_release passes them (see
	 * there).  false: count them as they arrive (vg_correlator_feed). */
	bool ordered;
	size_t max_held_hits; /* ordered: held before the oldest is counted anyway
	                         (hits_released_early); 0 = default (1000000) */
};

struct vg_correlator_stats {
	uint64_t events, hits, alerts, late_events, evicted_groups, open_groups;
	uint64_t marks;     /* restored marks still held (vg_correlator_sweep_marks) */
	uint64_t held_hits; /* ordered: hits waiting for vg_correlator_release */
	uint64_t hits_released_early; /* ordered: counted before the release point
	                                 passed them (max_held_hits reached) */
	uint64_t chained_restored;    /* alerts given back to their consumers
	                                 (vg_correlator_restore_chained) */
};

struct vg_correlator; /* single-threaded: one per worker / partition set */

vg_err vg_correlator_new(const struct vg_ruleset *rs,
                         const struct vg_correlator_conf *conf,
                         struct vg_correlator **out);
void vg_correlator_destroy(struct vg_correlator *c);

/**
 * @brief Feed one event with its detection hits (from vg_detect).  Emits alerts
 * through fn, synchronously.  Advances the event's partition watermark.
 * Ordered (conf.ordered): the alerts of rules that stand alone are emitted here;
 * a hit that correlations consume is copied (the fields they read, with its time
 * and position) and held for vg_correlator_release, and no window is closed here.
 */
void vg_correlator_feed(struct vg_correlator *c, const struct vg_event *ev,
                        const struct vg_rule *const *hits, size_t nhits, vg_alert_fn fn,
                        void *fn_ctx);

/** vg_correlator_release's upto: every held hit (the end of the input). */
#define VG_CORRELATOR_RELEASE_ALL INT64_MAX

/**
 * @brief Ordered mode: count the held hits with a time before upto, in event-time
 * order (time, then partition, offset, their values, topic name), closing the
 * windows that end before each hit as it is counted, then those that end before
 * upto.  The caller promises that no hit before upto will be fed any more: upto is
 * at most every partition's watermark (the oldest newest event time of all the
 * partitions that can still deliver, minus allowed_lateness), so the counts do not
 * depend on how partitions interleave or where batches end.  Windows never close
 * past the lowest watermark of the partitions fed (as in vg_correlator_feed's
 * mode).  VG_TIME_NONE: nothing; VG_CORRELATOR_RELEASE_ALL: every held hit.
 * No-op unless ordered.
 */
void vg_correlator_release(struct vg_correlator *c, vg_time upto, vg_alert_fn fn,
                           void *fn_ctx);

/**
 * @brief Advance event time for a partition without an event (idle partitions),
 * closing windows that end before the watermark (ordered: at the next
 * vg_correlator_release).
 */
void vg_correlator_advance(struct vg_correlator *c, const char *topic, int32_t partition,
                           vg_time watermark, vg_alert_fn fn, void *fn_ctx);

/**
 * @brief The smallest offset of topic/partition still held in an open window (or,
 * ordered, by a held hit).  The caller must not commit past it.  @return true and
 * *offset when one is held, false when nothing holds an event of that partition.
 */
bool vg_correlator_min_offset(const struct vg_correlator *c, const char *topic,
                              int32_t partition, int64_t *offset);

/**
 * @brief Restore a mark after a restart: events for (rule, group_key) at or before
 * topic/partition/offset were already consumed by an alert that fired, and must be
 * ignored when re-read.  The caller persists, per alert, the largest offset of its
 * events per partition (from alert->events) and gives them back here on start.
 * Ordered mode: the caller persists instead one mark per entry of the alert's
 * frontier, each with the alert's fire position, and gives that back as `fire`: a
 * re-read hit of the group is then ignored when it comes at or before a fire
 * position of the group in counting order, whatever its partition (hits are not
 * counted in offset order); the offsets only tell how long the mark is needed.
 * fire NULL: a mark of the first kind (also in ordered mode: a store written by an
 * older Vigil).
 */
vg_err vg_correlator_restore_mark(struct vg_correlator *c, const char *rule_id,
                                  const char *group_key, const char *topic,
                                  int32_t partition, int64_t offset,
                                  const struct vg_fire_pos *fire);

/**
 * @brief Give back, after a restart, an alert of a correlation that others consume,
 * as they were fed it before (ordered mode only): the events read again do not
 * raise it again (its marks say they were consumed), so the correlations above it
 * get it from here -- its values (vg_alert.chain), its time (last_ts), the position
 * of its newest event (src) and its fire position (at).  It is held and counted in
 * the consumers at `at` in counting order, as it was before the restart, where the
 * consumers' own marks apply to it; its partition's offsets are held meanwhile
 * (vg_correlator_min_offset).  Its partition does not hold the low watermark back
 * until it is fed or advanced.  Give it back before the partition's first event of
 * the run, and only when that event is not past src (the engine's pipeline does
 * both: an alert whose window had closed by the last commit would open one of its
 * own).
 * @return VG_ERR_NOTFOUND when rule_id is not a loaded correlation that others
 * consume, VG_ERR_INVALID when the correlator is not ordered.
 */
vg_err vg_correlator_restore_chained(struct vg_correlator *c, const char *rule_id,
                                     const struct vg_kv *chain, size_t nchain, vg_time ts,
                                     const struct vg_source *src,
                                     const struct vg_fire_pos *at);

/**
 * @brief Forget the restored marks that can no longer apply: those at or before
 * the largest offset fed from their partition (offsets only grow within a
 * partition, so no later event can be at or before them).  Call between batches;
 * costs one pass over the marks while any is held.  @return how many went.
 */
size_t vg_correlator_sweep_marks(struct vg_correlator *c);

void vg_correlator_stats(const struct vg_correlator *c, struct vg_correlator_stats *out);

/* --------------------------------------------------------------- assembly */

enum vg_entity_type {
	VG_ENT_IP = 0,
	VG_ENT_HOST,
	VG_ENT_USER,
	VG_ENT_PROCESS,
	VG_ENT_HASH
};
const char *vg_entity_type_name(enum vg_entity_type t);

struct vg_entity {
	enum vg_entity_type type;
	char *value; /* for users: "user@host" when the host is known */
	vg_time first_seen;
	uint32_t alerts; /* how many of the incident's alerts carry it */
};

/** One alert as an incident remembers it (owned copies). */
struct vg_incident_alert {
	char id[17];
	char *rule_id;
	char *title;
	enum vg_level level;
	char **tags;
	size_t ntags;
	bool is_correlation;
	vg_time first_ts, last_ts;
	uint64_t event_count;
	struct vg_kv *fields;
	size_t nfields;
	bool novel;  /* set by the caller (pipeline): the first alert of its
	                (host, rule) pair in the stream; copied through merges */
	bool stored; /* set by the caller (pipeline) once a store commit holds the
	                alert's rows, and by the store for the alerts it loads;
	                copied through merges.  An alert never changes once in an
	                incident, so a store writes only the alerts without it (a
	                merged part's alerts move with vg_store_merge_incident) */
	/* NULL, or the one allocation holding every string and array above (the
	 * assembler's copies); vg_incident_clear then frees it alone, else each
	 * string and array on its own. */
	void *block;
};

struct vg_incident {
	char id[21];      /* "inc-" + 16 hex digits, deterministic */
	uint32_t version; /* bumped on every change */
	vg_time first_ts, last_ts;
	struct vg_incident_alert *alerts;
	size_t nalerts;
	struct vg_entity *entities;
	size_t nentities;
	uint64_t alerts_dropped; /* alerts past max_alerts_kept (counted, not detailed) */
	uint64_t events_dropped; /* sum of event_count over those alerts */
	/* entity mentions past max_entities_kept (counted, not kept: a value
	 * seen again counts again) */
	uint64_t entities_dropped;
	/* last_ts of its newest notable alert (level high+ or a correlation),
	 * detailed or past max_alerts_kept, of every part merged into it; 0 when
	 * none.  Weak links (host, account) join only incidents where it is
	 * within the gap; stored and restored (assemble.c) */
	vg_time notable_last;
	/* of the alerts past max_alerts_kept: the highest level (enum vg_level; 0
	 * none) and their ATT&CK tactics (bit i: vg_tactic_index i), so that the
	 * incident's max_level and tactics count them too */
	uint8_t dropped_level;
	uint16_t dropped_tactics;
	double score; /* set by the caller after ranking; -1 = not scored */
	int priority; /* 1 (highest) .. 4, set by the caller */
	/* Third-party signatures (alerts with rule.id/rule.name, see assemble.c),
	 * kept by the assembler in assembly order, merged on merges, stored with the
	 * incident and restored with it: has_sig when one of its alerts carries one;
	 * sig_runs_min, the fewest earlier runs (separated by more than the
	 * inactivity gap) in the stream of one of its (host, signature) pairs when
	 * that alert arrived; sig_hosts_max, the most hosts one of its signatures
	 * had been seen on in the stream by then. */
	bool has_sig;
	uint32_t sig_runs_min, sig_hosts_max;
	/* Network novelty (see assemble.c), also stored and restored: a "pair" is an
	 * alert's (host, signature) for third-party alerts, (host, rule) for Vigil's
	 * own.  network_novelty counts the pairs seen for the first time in the
	 * stream, past the novelty warm-up, by other incidents within the inactivity
	 * gap before or after this incident's first alert (the largest count of its
	 * parts after a merge); novel_pair is set when one of its own alerts was the
	 * first of its pair, past the warm-up. */
	uint32_t network_novelty;
	bool novel_pair;
	/* Host neighbours (see assemble.c), also stored and restored: the other
	 * incidents opened on this incident's host (that of the pair of the alert
	 * that opened it) within the inactivity gap before or after its first alert
	 * (the largest count of its parts after a merge). */
	uint32_t host_neighbours;
	/* Host memory (see assemble.c), also stored and restored: the novelties on
	 * this incident's host (pairs of that host seen for the first time in the
	 * stream, past the warm-up; its own pair's excluded) within host_memory before
	 * its first alert, counted when it opened (the largest count of its parts
	 * after a merge): a host where never-seen activity broke out hours ago is
	 * where a quiet next step of the same attack lands. */
	uint32_t host_prior_novelties;
	/* The caller's running state for this incident (the pipeline keeps its
	 * incremental features there), released by caller_state_free when the
	 * incident is freed (expired, merged away, cleared).  The assembler never
	 * reads nor copies it: a restored incident starts without one. */
	void *caller_state;
	void (*caller_state_free)(void *state);
};

struct vg_assembler_conf {
	vg_time inactivity_gap;   /* an incident quiet this long (event time) is closed */
	bool link_hosts;          /* hosts link alerts too (off: a busy host would glue
	                             unrelated activity into one incident) */
	size_t max_alerts_kept;   /* alerts detailed per incident; 0 = 1000 (the rest
	                             are counted in alerts_dropped) */
	size_t max_entities_kept; /* entities per incident; 0 = 10000 (a new one past
	                             it is counted in entities_dropped, neither kept
	                             nor linked: an incident fed from ever-new
	                             addresses grew without bound) */
	/* Stop-values: entity values that never link alerts (they would glue unrelated
	 * activity into one giant incident); they are still recorded as entities.
	 * Configured ones are "type:value" strings (type as vg_entity_type_name;
	 * "user:root" and "process:/bin/sh" match on every host), matched in the
	 * entities' canonical text (vg_entity_canonical: "host:WEB01" is web01,
	 * "ip:::ffff:10.0.0.53" is 10.0.0.53).  Borrowed: they must outlive the
	 * assembler. */
	const char *const *stop_values;
	size_t n_stop_values;
	/* Automatic stop-values: a linking value carried by at least stop_max_alerts
	 * alerts (by last_ts) within stop_window before an alert does not link that
	 * alert.  0 = defaults (50; the inactivity gap); UINT32_MAX = never. */
	uint32_t stop_max_alerts;
	vg_time stop_window;
	/* Pairs first seen within this long of the stream's first alert are not
	 * novelties, and incidents opened within it are not host neighbours
	 * (everything is new to a fresh engine); 0 = no warm-up. */
	vg_time novelty_warmup;
	/* How far back an incident looks for novelties on its host
	 * (host_prior_novelties); 0 = not at all. */
	vg_time host_memory;
	/* The local DNS domains ("corp.example.com"): a host name in one is known by
	 * its first labels alone, so WS01.corp.example.com (Sysmon's Computer) and
	 * ws01 (a syslog header) are one host; names in other domains keep them
	 * (vg_assembler_host).  Any case, a leading dot ignored.  Borrowed. */
	const char *const *host_domains;
	size_t n_host_domains;
	/* The directory (Active Directory) domains whose accounts are the people the
	 * bare names are: CORP\alice, alice@corp.example.com and alice are one
	 * account, in lowercase, when CORP and corp.example.com are listed; accounts
	 * of other domains keep them (vg_assembler_account).  With any listed, every
	 * account name ignores case.  Any case, a leading dot ignored.  Borrowed. */
	const char *const *account_domains;
	size_t n_account_domains;
};

/** The entities an alert's fields name (see vg_alert_entities). */
#define VG_ALERT_ENTITIES_MAX 8
#define VG_ENTITY_VALUE_MAX   512 /* bytes of an entity value with its NUL */
struct vg_entity_ref {
	enum vg_entity_type type;
	char value[VG_ENTITY_VALUE_MAX];
};
/**
 * @brief The entities named by alert fields, in a fixed order: source.ip,
 * host.name, user.name and user.target.name ("user@host" when the host is
 * known), process.executable and process.parent.executable ("path@host"),
 * process.hash.sha256, file.hash.sha256, each in its canonical text
 * (vg_entity_canonical); values that name no entity (vg_entity_value_ok) are
 * left out.  Pure; no allocation.
 * @return how many were written to out (at most VG_ALERT_ENTITIES_MAX).
 */
size_t vg_alert_entities(const struct vg_kv *fields, size_t nfields,
                         struct vg_entity_ref *out);
/** @brief The account an alert's activity is by: user.name when it names one, else
 *  user.target.name (a Windows network logon's subject is "-" and its account the
 *  target), else NULL.  Borrowed from fields. */
const char *vg_alert_account(const struct vg_kv *fields, size_t nfields);

/**
 * @brief Does a field value name an entity of type t?  Not the placeholder "-"
 * (Windows Security events and web access logs write it for "none": an account,
 * address or port that is not there) nor an empty value; for an ip, not an
 * address local to every host (loopback, unspecified: vg_ip_host_local), which
 * would otherwise link unrelated hosts into one incident.
 */
bool vg_entity_value_ok(enum vg_entity_type t, const char *value);

/**
 * @brief The text the entity named by a field value is known by, into out (size
 * bytes): for an ip the address's canonical form (vg_ip_canonical: IPv4-mapped
 * IPv6 as IPv4, IPv6 compressed and lowercase), a value that is not an address
 * as written; a hash and a host name in lowercase (DNS and Windows computer
 * names ignore case); every other type as written (cut to size - 1 bytes).
 * @return false when the value names no entity (vg_entity_value_ok).
 */
bool vg_entity_canonical(enum vg_entity_type t, const char *value, char *out,
                         size_t size);

struct vg_assembler;

/** How often a stop-value kept an alert from linking (vg_assembler_take_stops). */
struct vg_stop_stat {
	enum vg_entity_type type;
	const char *value;  /* valid until the next assembler call */
	bool configured;    /* listed in the config (else detected automatically) */
	uint64_t prevented; /* alerts it did not link since the last take */
};
/**
 * @brief Stop-values that prevented links since the last call, with the count
 * each prevented meanwhile (deltas, so a caller can add them up in storage).
 * @return how many were written (at most max; call again for the rest).
 */
size_t vg_assembler_take_stops(struct vg_assembler *a, struct vg_stop_stat *out,
                               size_t max);

vg_err vg_assembler_new(const struct vg_assembler_conf *conf, struct vg_assembler **out);
void vg_assembler_destroy(struct vg_assembler *a);
/** @brief The account a user name is in a's incidents (conf.account_domains),
 *  into out[size]: the name without a listed domain ("CORP\alice",
 *  "alice@corp.example.com": "alice"), in lowercase when any is listed.
 *  @return false when value names no account. */
bool vg_assembler_account(const struct vg_assembler *a, const char *value, char *out,
                          size_t size);
/**
 * @brief The name a host is known by in incidents, into out (size bytes): its
 * canonical text (vg_entity_canonical, lowercase) without the longest of the
 * configured local domains it ends in (".corp.example.com"), when a name is left.
 * Every host name an alert carries into assembly becomes this (its host.name,
 * entities, signature and novelty keys).
 * @return false when the value names no host (vg_entity_value_ok).
 */
bool vg_assembler_host(const struct vg_assembler *a, const char *value, char *out,
                       size_t size);

/**
 * @brief Add an alert.  It joins the open incident that shares one of its entities
 * (merging incidents it bridges: the older id survives), or opens a new one.
 * @return the incident changed (owned by the assembler, valid until the next call),
 *         and *changed false when the alert was already part of it (a replay).
 */
struct vg_incident *vg_assembler_add(struct vg_assembler *a, const struct vg_alert *alert,
                                     bool *changed);
/**
 * @brief Ids of incidents merged into others since the last call (each merged-away
 * incident's id, with the id that absorbed it).  @return how many were written.
 */
size_t vg_assembler_take_merged(struct vg_assembler *a, char (*merged)[21],
                                char (*into)[21], size_t max);
/** Bytes of a statistics row's key with its NUL: every key the assembler makes
 *  fits (assemble.c checks this at compile time), so a row never cuts one. */
#define VG_SIG_STAT_KEY_MAX 832
/** One statistic of the stream (see assemble.c): key "sig:<signature>@<host>"
 *  (runs before the current one, newest alert time), "sigh:<signature>" (hosts
 *  seen, last_ts unused), "pair:..." (a pair seen; last_ts unused),
 *  "names:<sig key>" (names of the family shown as pairs; last_ts unused),
 *  "stream:start", "stream:named-pairs", "novel:<pair>" or "open<slot>:<pair>"
 *  (a time). */
struct vg_sig_stat_row {
	char key[VG_SIG_STAT_KEY_MAX];
	uint32_t runs;
	vg_time last_ts;
};
/** @brief The statistics changed since the last call (for the store: they are part
 *  of the state a restart must give back).  @return how many were written. */
size_t vg_assembler_take_sig_stats(struct vg_assembler *a, struct vg_sig_stat_row *out,
                                   size_t max);
/**
 * @brief Incidents whose features changed without an alert of their own (a
 * novelty elsewhere in the network, see vg_incident.network_novelty, or an
 * incident opened on their host, vg_incident.host_neighbours) since the last call; the
 * caller re-ranks and stores them like changed incidents.
 * @return how many ids were written (at most max; call again for the rest).
 */
size_t vg_assembler_take_touched(struct vg_assembler *a, char (*ids)[21], size_t max);
/** @brief Give back a stored statistic on restart. */
vg_err vg_assembler_restore_sig_stat(struct vg_assembler *a, const char *key,
                                     uint32_t runs, vg_time last_ts);

/** @return the open incident with that id (valid until the next call), or NULL. */
struct vg_incident *vg_assembler_get(struct vg_assembler *a, const char *id);
/** @brief Give back an incident loaded from storage on restart (takes a deep copy).
 *  Its detailed alerts count in the automatic stop-value rates. */
vg_err vg_assembler_restore(struct vg_assembler *a, const struct vg_incident *inc);
/** @brief Count a stored alert of an incident not given back (closed, but ended
 *  within stop_window of where the restart reads from) in the automatic
 *  stop-value rates, as vg_assembler_restore counts the alerts of the incidents it
 *  gives back; reads al->fields and al->last_ts only, keeps nothing of al.  Its
 *  incident is not reopened and the alert id is not indexed.
 *  @return VG_OK, or VG_ERR_NOMEM. */
vg_err vg_assembler_restore_rate(struct vg_assembler *a,
                                 const struct vg_incident_alert *al);
/** @brief Free incidents idle past the gap at event time `now` (alerts never join an
 *  incident quiet for longer than the gap at their own time, expired or not).
 *  @return how many were freed. */
size_t vg_assembler_expire(struct vg_assembler *a, vg_time now);
/** @return the number of open incidents. */
size_t vg_assembler_open_count(const struct vg_assembler *a);

/** @brief Free an incident's owned members (for incidents built by callers). */
void vg_incident_clear(struct vg_incident *inc);

#ifdef __cplusplus
}
#endif
#endif /* VG_CORRELATE_H */
