/*
 * workers.h - engine-private: the threads that parse a batch's records and run
 * detection on them (see workers.c).  Correlation, assembly and the store stay on
 * the pipeline's thread, in record order.
 */
#ifndef VG_WORKERS_H
#define VG_WORKERS_H

#include "vg_engine.h"

/** What parsing and detection made of one record. */
struct vg_prepared {
	vg_err err;          /* VG_OK, VG_ERR_PARSE (a dead letter) or fatal */
	bool grouped;        /* auditd: left to the caller (groups span records) */
	struct vg_event *ev; /* VG_OK: the event */
	const char *reason;  /* VG_ERR_PARSE: why */
	const struct vg_rule **hits; /* the rules it matched, in ruleset order */
	size_t nhits;                /* all of them */
};
/* Hits an event usually has at most: room on the stack; more go to the arena. */
#define VG_WORKER_MAX_HITS 64

/**
 * @brief vg_detect for every rule ev matches: *hits points at room for
 * VG_WORKER_MAX_HITS on entry, and at arena memory when more matched.
 * @return how many, or SIZE_MAX when out of memory.
 */
size_t vg_detect_every(const struct vg_ruleset *rs, struct vg_detect_ctx *dctx,
                       const struct vg_event *ev, struct vg_arena *arena,
                       const struct vg_rule ***hits);

struct vg_workers;

/**
 * @brief Start nthreads - 1 threads (the caller is the last worker), each with its
 * own parse context, detection context (a field value cache of cache_entries,
 * vg_detect_ctx_cache) and arena.  The parser and rules are only read (they are
 * immutable once loaded).  @return VG_OK or VG_ERR_NOMEM (also when a thread could
 * not start).
 */
vg_err vg_workers_new(const struct vg_parser *parser, const struct vg_ruleset *rules,
                      size_t nthreads, size_t cache_entries, struct vg_workers **out);
/** @brief Add the threads' detection counters to *sum (between batches). */
void vg_workers_detect_stats(const struct vg_workers *w, struct vg_detect_stats *sum);
/** @brief Stop and join the threads; NULL is allowed. */
void vg_workers_destroy(struct vg_workers *w);
/** @brief Free what the previous batch's events used (their arenas). */
void vg_workers_reset(struct vg_workers *w);
/**
 * @brief Parse and run detection on recs[0..n) on every worker, out[i] for
 * recs[i]; returns when all are done.  The calling thread works too, with ctx,
 * dctx and arena (its own, used by nothing else meanwhile).  Events live in the
 * workers' arenas until vg_workers_reset.  Records of format VG_FMT_AUDITD with a
 * topic are only flagged `grouped`.
 */
void vg_workers_prepare(struct vg_workers *w, const struct vg_record *recs, size_t n,
                        struct vg_prepared *out, struct vg_parse_ctx *ctx,
                        struct vg_detect_ctx *dctx, struct vg_arena *arena);

#endif
