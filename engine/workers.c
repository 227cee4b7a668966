/*
 * workers.c - parse and detection of a batch on several threads.
 *
 * Normalizing a record and running the Sigma rules on it are the expensive part of
 * the pipeline (callgrind: about 9,000 instructions a Sysmon event, against a few
 * hundred for correlation) and need nothing from other records: the parser, the
 * field registry and the compiled rules are read-only once loaded, and what a
 * thread writes -- PCRE2 match data, the detection value cache, events -- lives
 * in its own parse context, detection context and arena.  So a batch is cut into
 * chunks of CHUNK records that the threads take in turn (an atomic counter), each
 * writing only the result slots of its chunk.  The caller then feeds the results
 * to correlation in record order: which thread did a record changes nothing
 * (the value cache changes no result), so the pipeline's output is that of one
 * thread.
 *
 * Threads sleep on a condition variable between batches; a batch is a generation
 * number, and the caller waits until every thread has finished it.
 */
#include "workers.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 32 /* records a thread takes at once */

struct worker {
	struct vg_workers *pool;
	pthread_t thread;
	struct vg_parse_ctx *ctx;
	struct vg_detect_ctx *dctx;
	struct vg_arena *arena;
};

struct vg_workers {
	const struct vg_parser *parser;
	const struct vg_ruleset *rules;
	struct worker *w; /* nthreads - 1: the caller is the last worker */
	size_t nw, started;

	pthread_mutex_t lock;
	pthread_cond_t go, done;
	uint64_t generation; /* one per batch */
	size_t busy;         /* threads still on the current generation */
	bool stop;

	/* the current batch */
	const struct vg_record *recs;
	struct vg_prepared *out;
	size_t n;
	atomic_size_t next; /* first record of the next chunk to take */
};

static void prepare_one(const struct vg_workers *pool, const struct vg_record *r,
                        struct vg_prepared *o, struct vg_parse_ctx *ctx,
                        struct vg_detect_ctx *dctx, struct vg_arena *arena)
{
	const struct vg_rule *room[VG_WORKER_MAX_HITS], **hits = room;
	*o = (struct vg_prepared){0};
	if (r->src.topic && vg_parse_groups(r->fmt, r->buf, r->len)) {
		o->grouped = true;
		return;
	}
	o->err = vg_parse(pool->parser, ctx, r->fmt, r->buf, r->len, r->ref_time, arena,
	                  &o->ev, &o->reason);
	if (o->err)
		return;
	o->ev->src = r->src;
	size_t n = vg_detect_every(pool->rules, dctx, o->ev, arena, &hits);
	if (n == SIZE_MAX) {
		o->err = VG_ERR_NOMEM;
		return;
	}
	if (!n)
		return;
	if (hits != room) { /* in the arena already */
		o->hits = hits;
		o->nhits = n;
		return;
	}
	o->hits = vg_arena_alloc_raw(arena, n * sizeof(*o->hits));
	if (!o->hits) {
		o->err = VG_ERR_NOMEM;
		return;
	}
	memcpy(o->hits, hits, n * sizeof(*o->hits));
	o->nhits = n;
}

size_t vg_detect_every(const struct vg_ruleset *rs, struct vg_detect_ctx *dctx,
                       const struct vg_event *ev, struct vg_arena *arena,
                       const struct vg_rule ***hits)
{
	size_t n = vg_detect(rs, dctx, ev, *hits, VG_WORKER_MAX_HITS);
	if (n <= VG_WORKER_MAX_HITS)
		return n;
	/* rare: the same detection again, into room for all of them */
	const struct vg_rule **all = vg_arena_alloc_raw(arena, n * sizeof(*all));
	if (!all)
		return SIZE_MAX;
	size_t again = vg_detect(rs, dctx, ev, all, n);
	*hits = all;
	return again < n ? again : n;
}

/* Take chunks of the current batch until none is left. */
static void work(struct vg_workers *pool, struct vg_parse_ctx *ctx,
                 struct vg_detect_ctx *dctx, struct vg_arena *arena)
{
	for (;;) {
		size_t from = atomic_fetch_add(&pool->next, CHUNK);
		if (from >= pool->n)
			return;
		size_t to = from + CHUNK < pool->n ? from + CHUNK : pool->n;
		for (size_t i = from; i < to; i++)
			prepare_one(pool, &pool->recs[i], &pool->out[i], ctx, dctx,
			            arena);
	}
}

static void *thread_main(void *arg)
{
	struct worker *w = arg;
	struct vg_workers *pool = w->pool;
	uint64_t seen = 0;
	pthread_mutex_lock(&pool->lock);
	for (;;) {
		while (!pool->stop && pool->generation == seen)
			pthread_cond_wait(&pool->go, &pool->lock);
		if (pool->stop)
			break;
		seen = pool->generation;
		pthread_mutex_unlock(&pool->lock);
		work(pool, w->ctx, w->dctx, w->arena);
		pthread_mutex_lock(&pool->lock);
		if (--pool->busy == 0)
			pthread_cond_signal(&pool->done);
	}
	pthread_mutex_unlock(&pool->lock);
	return NULL;
}

vg_err vg_workers_new(const struct vg_parser *parser, const struct vg_ruleset *rules,
                      size_t nthreads, size_t cache_entries, struct vg_workers **out)
{
	struct vg_workers *pool = calloc(1, sizeof(*pool));
	*out = NULL;
	if (!pool)
		return VG_ERR_NOMEM;
	pool->parser = parser;
	pool->rules = rules;
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->go, NULL);
	pthread_cond_init(&pool->done, NULL);
	pool->nw = nthreads > 1 ? nthreads - 1 : 0;
	if (pool->nw && !(pool->w = calloc(pool->nw, sizeof(*pool->w)))) {
		vg_workers_destroy(pool);
		return VG_ERR_NOMEM;
	}
	for (size_t i = 0; i < pool->nw; i++) {
		struct worker *w = &pool->w[i];
		w->pool = pool;
		w->ctx = vg_parse_ctx_new(parser);
		w->dctx = vg_detect_ctx_new(rules);
		w->arena = vg_arena_new(256 * 1024);
		if (!w->ctx || !w->dctx || !w->arena ||
		    vg_detect_ctx_cache(w->dctx, cache_entries) != VG_OK ||
		    pthread_create(&w->thread, NULL, thread_main, w) != 0) {
			vg_workers_destroy(pool);
			return VG_ERR_NOMEM;
		}
		pool->started++;
	}
	*out = pool;
	return VG_OK;
}

void vg_workers_destroy(struct vg_workers *pool)
{
	if (!pool)
		return;
	pthread_mutex_lock(&pool->lock);
	pool->stop = true;
	pthread_cond_broadcast(&pool->go);
	pthread_mutex_unlock(&pool->lock);
	for (size_t i = 0; i < pool->started; i++)
		pthread_join(pool->w[i].thread, NULL);
	for (size_t i = 0; pool->w && i < pool->nw; i++) {
		vg_parse_ctx_destroy(pool->w[i].ctx);
		vg_detect_ctx_destroy(pool->w[i].dctx);
		vg_arena_destroy(pool->w[i].arena);
	}
	free(pool->w);
	pthread_cond_destroy(&pool->done);
	pthread_cond_destroy(&pool->go);
	pthread_mutex_destroy(&pool->lock);
	free(pool);
}

void vg_workers_reset(struct vg_workers *pool)
{
	for (size_t i = 0; pool && i < pool->nw; i++)
		vg_arena_reset(pool->w[i].arena);
}

void vg_workers_detect_stats(const struct vg_workers *pool, struct vg_detect_stats *sum)
{
	for (size_t i = 0; pool && i < pool->nw; i++) {
		struct vg_detect_stats ds;
		vg_detect_ctx_stats(pool->w[i].dctx, &ds);
		sum->cache_lookups += ds.cache_lookups;
		sum->cache_hits += ds.cache_hits;
		sum->evaluated += ds.evaluated;
	}
}

void vg_workers_prepare(struct vg_workers *pool, const struct vg_record *recs, size_t n,
                        struct vg_prepared *out, struct vg_parse_ctx *ctx,
                        struct vg_detect_ctx *dctx, struct vg_arena *arena)
{
	pool->recs = recs;
	pool->out = out;
	pool->n = n;
	atomic_store(&pool->next, 0);
	pthread_mutex_lock(&pool->lock);
	pool->busy = pool->nw;
	pool->generation++;
	pthread_cond_broadcast(&pool->go);
	pthread_mutex_unlock(&pool->lock);
	work(pool, ctx, dctx, arena);
	pthread_mutex_lock(&pool->lock);
	while (pool->busy)
		pthread_cond_wait(&pool->done, &pool->lock);
	pthread_mutex_unlock(&pool->lock);
}
