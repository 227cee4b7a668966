/*
 * correlator.c - L2 correlation: Sigma event_count in event time, plus the alerts
 * of detection rules that stand alone.
 *
 * State: one group per (correlation rule, group-by values), found through a chained
 * hash table keyed by the canonical group key "field=value\x1f...".  Two window
 * kinds, chosen at load time from the condition:
 *
 *  - eager (only a lower bound: gte / gt): a sliding window.  The group keeps at
 *    most `need` event references in a ring sorted by time, dropping those older
 *    than newest - timespan.  When the ring holds `need` events the alert fires at
 *    once, and the group is reset (deleted): events that made one alert never count
 *    toward the next one.
 *  - close-evaluated (any upper bound: lt / lte / eq / neq): a window opened by the
 *    group's first event and closed at first + timespan.  The count is only known at
 *    close, so the condition is evaluated then (when the watermark passes the end,
 *    or when an event of the group arrives after it).  Counts above the largest
 *    bound are not needed and the event list kept for the alert is bounded.
 *
 * Time: each (topic, partition) has a watermark = max event time - allowed
 * lateness.  An event older than its partition's watermark is late: counted in
 * stats, never mixed into windows (stand-alone alerts are stateless and still
 * fire).  Groups expire against the lowest watermark of all partitions seen (a
 * group may hold events of several partitions); idle partitions must be advanced by
 * the caller (vg_correlator_advance).  Expiry walks each rule's list from its head
 * (least recently touched for eager windows, oldest opened for the others), so a
 * group that is not at the head may be dropped a little later than its deadline:
 * that keeps state longer, never changes a result.
 *
 * Bounds: max_groups_per_rule / max_groups_total; when full, the oldest group of
 * the rule (or of the rule whose head is oldest) is evicted and counted.  Freed
 * groups go to a per-rule pool, so the steady state allocates nothing per event.
 *
 * Restart: vg_correlator_min_offset tells the caller how far it may commit;
 * vg_correlator_restore_mark makes re-read events that an alert already consumed
 * invisible to that (rule, group).
 */
#include "correlate_int.h"

#include <stdlib.h>
#include <string.h>

#define ALERT_EVENTS_MAX     256
#define DEFAULT_MAX_PER_RULE 100000
#define DEFAULT_MAX_TOTAL    1000000

struct evref {
	vg_time ts;
	const char *topic; /* interned */
	int32_t partition;
	int64_t offset;
};

/* Per-partition extent of a group's events (close-evaluated windows). */
struct pext {
	const char *topic;
	int32_t partition;
	int64_t min_off, max_off;
	vg_time max_ts;
};

struct group {
	struct group *hnext;
	struct group *prev, *next; /* the rule's list */
	uint32_t corr;             /* correlation number */
	uint64_t hash;
	char *key;
	size_t keylen, keycap;
	vg_time first_ts, newest_ts, deadline;
	uint64_t count;
	/* eager: ring of up to corr->need references, sorted by ts */
	struct evref *ring;
	size_t rhead, rlen, rcap;
	/* close-evaluated: first events (bounded) and per-partition extents */
	struct evref *evs;
	size_t nevs, evcap;
	struct pext *pexts;
	size_t npexts, pxcap;
	/* snapshot of group-by + entity values of the last event */
	struct vg_buf snap;
};

struct rstate {
	const struct vg_rule *rule;
	struct group *head, *tail;
	size_t ngroups;
	struct group *pool;
	uint64_t stamp; /* last feed that touched it (one count per event) */
};

struct partition {
	const char *topic;
	int32_t partition;
	vg_time max_ts;
	vg_time wm;
};

struct mark {
	struct mark *next;
	uint32_t corr;
	const char *topic;
	int32_t partition;
	int64_t offset;
	char *key;
	uint64_t hash;
};

struct vg_correlator {
	const struct vg_ruleset *rs;
	struct vg_correlator_conf conf;
	struct rstate *rules; /* one per correlation */
	size_t nrules;
	struct group **table;
	size_t nbuckets; /* power of two */
	size_t ngroups;
	char **topics;
	size_t ntopics;
	const char *last_raw_topic, *last_topic;
	struct partition *parts;
	size_t nparts;
	size_t last_part;
	vg_time low_wm;
	struct mark **marks;
	size_t nmark_buckets, nmarks;
	uint64_t stamp;
	struct vg_correlator_stats stats;
	vg_field entity[7];
	size_t nentity;
	/* alert scratch, reused */
	struct vg_buf key, snap, idbuf, strs;
	struct vg_kv *kv;
	size_t kvcap;
	struct vg_source events[ALERT_EVENTS_MAX];
	struct evref tmp[ALERT_EVENTS_MAX];
};

/* ---------------------------------------------------------------- topics */

static const char *intern_topic(struct vg_correlator *c, const char *topic)
{
	if (!topic)
		return NULL;
	if (topic == c->last_raw_topic)
		return c->last_topic;
	for (size_t i = 0; i < c->ntopics; i++)
		if (strcmp(c->topics[i], topic) == 0) {
			c->last_raw_topic = topic;
			c->last_topic = c->topics[i];
			return c->topics[i];
		}
	char **np = realloc(c->topics, (c->ntopics + 1) * sizeof(char *));
	if (!np)
		return NULL;
	c->topics = np;
	if (!(c->topics[c->ntopics] = strdup(topic)))
		return NULL;
	c->last_raw_topic = topic;
	c->last_topic = c->topics[c->ntopics];
	return c->topics[c->ntopics++];
}

/* Interned topic or NULL when never seen (no allocation). */
static const char *find_topic(const struct vg_correlator *c, const char *topic)
{
	for (size_t i = 0; topic && i < c->ntopics; i++)
		if (strcmp(c->topics[i], topic) == 0)
			return c->topics[i];
	return NULL;
}

static struct partition *get_part(struct vg_correlator *c, const char *itopic,
                                  int32_t partition)
{
	if (c->last_part < c->nparts && c->parts[c->last_part].topic == itopic &&
	    c->parts[c->last_part].partition == partition)
		return &c->parts[c->last_part];
	for (size_t i = 0; i < c->nparts; i++)
		if (c->parts[i].topic == itopic && c->parts[i].partition == partition) {
			c->last_part = i;
			return &c->parts[i];
		}
	struct partition *np = realloc(c->parts, (c->nparts + 1) * sizeof(*np));
	if (!np)
		return NULL;
	c->parts = np;
	c->parts[c->nparts] =
	    (struct partition){itopic, partition, VG_TIME_NONE, VG_TIME_NONE};
	c->last_part = c->nparts;
	c->low_wm = VG_TIME_NONE;
	return &c->parts[c->nparts++];
}

static void recompute_low(struct vg_correlator *c)
{
	vg_time lo = INT64_MAX;
	for (size_t i = 0; i < c->nparts; i++)
		if (c->parts[i].wm < lo)
			lo = c->parts[i].wm;
	c->low_wm = c->nparts ? lo : VG_TIME_NONE;
}

/* ----------------------------------------------------------- lifecycle */

vg_err vg_correlator_new(const struct vg_ruleset *rs,
                         const struct vg_correlator_conf *conf,
                         struct vg_correlator **out)
{
	static const char *const ents[] = {"source.ip",
	                                   "host.name",
	                                   "user.name",
	                                   "process.executable",
	                                   "process.parent.executable",
	                                   "file.hash.sha256",
	                                   "process.hash.sha256"};
	*out = NULL;
	if (!rs)
		return VG_ERR_INVALID;
	struct vg_correlator *c = calloc(1, sizeof(*c));
	if (!c)
		return VG_ERR_NOMEM;
	c->rs = rs;
	if (conf)
		c->conf = *conf;
	if (c->conf.allowed_lateness < 0)
		c->conf.allowed_lateness = 0;
	if (!c->conf.max_groups_per_rule)
		c->conf.max_groups_per_rule = DEFAULT_MAX_PER_RULE;
	if (!c->conf.max_groups_total)
		c->conf.max_groups_total = DEFAULT_MAX_TOTAL;
	c->low_wm = VG_TIME_NONE;
	c->nrules = rs->ncorr;
	c->rules = calloc(c->nrules ? c->nrules : 1, sizeof(*c->rules));
	c->nbuckets = 1024;
	c->table = calloc(c->nbuckets, sizeof(*c->table));
	c->nmark_buckets = 64;
	c->marks = calloc(c->nmark_buckets, sizeof(*c->marks));
	c->kvcap = rs->max_ngroup + 8;
	c->kv = calloc(c->kvcap, sizeof(*c->kv));
	if (!c->rules || !c->table || !c->marks || !c->kv) {
		vg_correlator_destroy(c);
		return VG_ERR_NOMEM;
	}
	for (size_t k = 0; k < c->nrules; k++)
		c->rules[k].rule = rs->rules[rs->corr_rules[k]];
	for (size_t i = 0; i < sizeof(ents) / sizeof(ents[0]); i++) {
		vg_field f = vg_field_lookup(ents[i], strlen(ents[i]));
		if (f != VG_FIELD_NONE)
			c->entity[c->nentity++] = f;
	}
	vg_buf_init(&c->key);
	vg_buf_init(&c->snap);
	vg_buf_init(&c->idbuf);
	vg_buf_init(&c->strs);
	*out = c;
	return VG_OK;
}

static void group_free(struct group *g)
{
	free(g->key);
	free(g->ring);
	free(g->evs);
	free(g->pexts);
	vg_buf_free(&g->snap);
	free(g);
}

void vg_correlator_destroy(struct vg_correlator *c)
{
	if (!c)
		return;
	for (size_t k = 0; c->rules && k < c->nrules; k++) {
		struct rstate *r = &c->rules[k];
		for (struct group *g = r->head, *n; g; g = n) {
			n = g->next;
			group_free(g);
		}
		for (struct group *g = r->pool, *n; g; g = n) {
			n = g->next;
			group_free(g);
		}
	}
	free(c->rules);
	free(c->table);
	for (size_t i = 0; c->marks && i < c->nmark_buckets; i++)
		for (struct mark *m = c->marks[i], *n; m; m = n) {
			n = m->next;
			free(m->key);
			free(m);
		}
	free(c->marks);
	for (size_t i = 0; i < c->ntopics; i++)
		free(c->topics[i]);
	free(c->topics);
	free(c->parts);
	free(c->kv);
	vg_buf_free(&c->key);
	vg_buf_free(&c->snap);
	vg_buf_free(&c->idbuf);
	vg_buf_free(&c->strs);
	free(c);
}

/* --------------------------------------------------------------- groups */

static void list_unlink(struct rstate *r, struct group *g)
{
	if (g->prev)
		g->prev->next = g->next;
	else
		r->head = g->next;
	if (g->next)
		g->next->prev = g->prev;
	else
		r->tail = g->prev;
	g->prev = g->next = NULL;
}

static void list_append(struct rstate *r, struct group *g)
{
	g->prev = r->tail;
	g->next = NULL;
	if (r->tail)
		r->tail->next = g;
	else
		r->head = g;
	r->tail = g;
}

static void group_remove(struct vg_correlator *c, struct group *g)
{
	struct rstate *r = &c->rules[g->corr];
	struct group **pp = &c->table[g->hash & (c->nbuckets - 1)];
	while (*pp && *pp != g)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = g->hnext;
	list_unlink(r, g);
	r->ngroups--;
	c->ngroups--;
	g->next = r->pool;
	r->pool = g;
}

static void table_grow(struct vg_correlator *c)
{
	size_t nb = c->nbuckets * 2;
	struct group **nt = calloc(nb, sizeof(*nt));
	if (!nt)
		return; /* keep the longer chains */
	for (size_t i = 0; i < c->nbuckets; i++)
		for (struct group *g = c->table[i], *n; g; g = n) {
			n = g->hnext;
			g->hnext = nt[g->hash & (nb - 1)];
			nt[g->hash & (nb - 1)] = g;
		}
	free(c->table);
	c->table = nt;
	c->nbuckets = nb;
}

/* ----------------------------------------------------------- snapshots */

/* Serialise group-by values then entity values of ev into out:
 * [int32 field][uint32 len][bytes]... ; group-by fields come first, flagged by a
 * negative field (-(id + 1)) so they are kept even when unset. */
static void snapshot(const struct vg_correlator *c, const struct vg_corr *corr,
                     const struct vg_event *ev, struct vg_buf *out)
{
	vg_buf_reset(out);
	for (size_t i = 0; corr && i < corr->ngroup; i++) {
		const struct vg_value *v = vg_event_get(ev, corr->group_by[i]);
		int32_t f = -(corr->group_by[i] + 1);
		uint32_t len = v ? v->len : 0;
		vg_buf_append(out, &f, sizeof(f));
		vg_buf_append(out, &len, sizeof(len));
		vg_buf_append(out, v ? v->ptr : "", len);
	}
	for (size_t i = 0; i < c->nentity; i++) {
		const struct vg_value *v = vg_event_get(ev, c->entity[i]);
		if (!v || v->kind == VG_VK_NULL || v->len == 0)
			continue;
		int32_t f = c->entity[i];
		uint32_t len = v->len;
		vg_buf_append(out, &f, sizeof(f));
		vg_buf_append(out, &len, sizeof(len));
		vg_buf_append(out, v->ptr, len);
	}
}

/* Canonical group key into c->key: "field=value\x1f...". */
static void build_key(struct vg_correlator *c, const struct vg_corr *corr,
                      const struct vg_event *ev)
{
	vg_buf_reset(&c->key);
	vg_buf_putc(&c->key, '\0');
	vg_buf_reset(&c->key);
	for (size_t i = 0; i < corr->ngroup; i++) {
		const struct vg_value *v = vg_event_get(ev, corr->group_by[i]);
		if (i)
			vg_buf_putc(&c->key, '\x1f');
		vg_buf_puts(&c->key, corr->group_names[i]);
		vg_buf_putc(&c->key, '=');
		if (v && v->kind != VG_VK_NULL)
			vg_buf_append(&c->key, v->ptr, v->len);
	}
}

/* ---------------------------------------------------------------- alerts */

static int cmp_evref(const void *a, const void *b)
{
	const struct evref *x = a, *y = b;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Fill alert->fields from a snapshot (deduplicated by name). */
static void fields_from_snap(struct vg_correlator *c, const struct vg_buf *snap,
                             struct vg_alert *a)
{
	size_t off = 0, n = 0;
	size_t offs[64];
	vg_buf_reset(&c->strs);
	vg_buf_putc(&c->strs, '\0');
	while (snap->data && off + 8 <= snap->len && n < c->kvcap && n < 64) {
		int32_t f;
		uint32_t len;
		memcpy(&f, snap->data + off, 4);
		memcpy(&len, snap->data + off + 4, 4);
		const char *val = snap->data + off + 8;
		off += 8 + len;
		vg_field id = f < 0 ? -f - 1 : f;
		const char *name = vg_field_name(id);
		bool dup = false;
		for (size_t i = 0; i < n; i++)
			dup |= c->kv[i].name == name;
		if (dup || !name)
			continue;
		c->kv[n].name = (char *)name; /* registry name: static lifetime */
		offs[n++] = c->strs.len;
		vg_buf_append(&c->strs, val, len);
		vg_buf_putc(&c->strs, '\0');
	}
	for (size_t i = 0; i < n; i++)
		c->kv[i].value = c->strs.oom ? (char *)"" : c->strs.data + offs[i];
	a->fields = c->kv;
	a->nfields = c->strs.oom ? 0 : n;
}

static void alert_id(struct vg_correlator *c, struct vg_alert *a,
                     const struct evref *solo)
{
	struct vg_buf *b = &c->idbuf;
	uint8_t ts[8];
	uint64_t t = (uint64_t)a->first_ts;
	vg_buf_reset(b);
	vg_buf_puts(b, a->rule->id);
	vg_buf_putc(b, '\0');
	vg_buf_puts(b, a->group_key);
	vg_buf_putc(b, '\0');
	for (int i = 0; i < 8; i++)
		ts[i] = (uint8_t)(t >> (8 * i));
	vg_buf_append(b, ts, 8);
	if (solo) {
		/* stand-alone hits have no group: the event's position tells them apart
		 */
		uint8_t pos[12];
		uint64_t o = (uint64_t)solo->offset;
		uint32_t p = (uint32_t)solo->partition;
		for (int i = 0; i < 8; i++)
			pos[i] = (uint8_t)(o >> (8 * i));
		for (int i = 0; i < 4; i++)
			pos[8 + i] = (uint8_t)(p >> (8 * i));
		if (solo->topic)
			vg_buf_puts(b, solo->topic);
		vg_buf_putc(b, '\0');
		vg_buf_append(b, pos, sizeof(pos));
	}
	vg_hex64(vg_hash64(b->data ? b->data : "", b->len, 0), a->id);
}

/* Pick the events an alert reports: every partition's largest offset first (the
 * caller derives its restart marks from them), then the newest others, at most
 * ALERT_EVENTS_MAX; written to c->events in time order.  refs is a ring: n entries
 * from head, capacity cap. */
static void pick_events(struct vg_correlator *c, const struct evref *refs, size_t head,
                        size_t n, size_t cap, const struct pext *px, size_t npx,
                        struct vg_alert *a)
{
	size_t k = 0;
	for (size_t i = 0; i < npx && k < ALERT_EVENTS_MAX; i++)
		c->tmp[k++] = (struct evref){px[i].max_ts, px[i].topic, px[i].partition,
		                             px[i].max_off};
	size_t fixed = k;
	for (size_t i = n; i-- > 0 && k < ALERT_EVENTS_MAX;) {
		const struct evref *r = &refs[(head + i) % cap];
		bool dup = false;
		for (size_t j = 0; j < fixed && !dup; j++)
			dup = c->tmp[j].topic == r->topic &&
			      c->tmp[j].partition == r->partition &&
			      c->tmp[j].offset == r->offset;
		if (!dup)
			c->tmp[k++] = *r;
	}
	qsort(c->tmp, k, sizeof(c->tmp[0]), cmp_evref);
	for (size_t i = 0; i < k; i++)
		c->events[i] = (struct vg_source){c->tmp[i].topic, c->tmp[i].partition,
		                                  c->tmp[i].offset};
	a->events = c->events;
	a->nevents = k;
	a->events_truncated = a->event_count > k;
}

/* Per-partition max offsets of a ring of references (into px, at most pcap). */
static size_t extents_of(const struct evref *refs, size_t head, size_t n, size_t cap,
                         struct pext *px, size_t pcap)
{
	size_t np = 0;
	for (size_t i = 0; i < n; i++) {
		const struct evref *r = &refs[(head + i) % cap];
		size_t j;
		for (j = 0; j < np; j++)
			if (px[j].topic == r->topic && px[j].partition == r->partition)
				break;
		if (j == np) {
			if (np < pcap)
				px[np++] = (struct pext){r->topic, r->partition,
				                         r->offset, r->offset, r->ts};
			continue;
		}
		if (r->offset > px[j].max_off) {
			px[j].max_off = r->offset;
			px[j].max_ts = r->ts;
		}
	}
	return np;
}

/* ------------------------------------------------------------ windows */

/* Eager window reached: alert with the ring's events, then reset the group. */
static void fire_eager(struct vg_correlator *c, struct group *g,
                       const struct vg_event *ev, vg_alert_fn fn, void *fn_ctx)
{
	const struct vg_rule *rule = c->rules[g->corr].rule;
	struct vg_alert a;
	struct pext px[32];
	memset(&a, 0, sizeof(a));
	a.rule = rule;
	a.first_ts = g->ring[g->rhead].ts;
	a.last_ts = g->newest_ts;
	a.event_count = g->rlen;
	a.group_key = g->key;
	alert_id(c, &a, NULL);
	snapshot(c, rule->corr, ev, &c->snap);
	fields_from_snap(c, &c->snap, &a);
	size_t npx = extents_of(g->ring, g->rhead, g->rlen, g->rcap, px, 32);
	pick_events(c, g->ring, g->rhead, g->rlen, g->rcap, px, npx, &a);
	c->stats.alerts++;
	if (fn)
		fn(&a, fn_ctx);
	group_remove(c, g);
}

static bool cond_holds(const struct vg_corr *corr, uint64_t n)
{
	if (corr->has_gt && !(n > corr->gt))
		return false;
	if (corr->has_gte && !(n >= corr->gte))
		return false;
	if (corr->has_lt && !(n < corr->lt))
		return false;
	if (corr->has_lte && !(n <= corr->lte))
		return false;
	if (corr->has_eq && n != corr->eq)
		return false;
	if (corr->has_neq && n == corr->neq)
		return false;
	return true;
}

/* Close a close-evaluated window: alert when the condition holds; remove. */
static void close_window(struct vg_correlator *c, struct group *g, vg_alert_fn fn,
                         void *fn_ctx)
{
	const struct vg_rule *rule = c->rules[g->corr].rule;
	if (cond_holds(rule->corr, g->count)) {
		struct vg_alert a;
		memset(&a, 0, sizeof(a));
		a.rule = rule;
		a.first_ts = g->first_ts;
		a.last_ts = g->newest_ts;
		a.event_count = g->count;
		a.group_key = g->key;
		alert_id(c, &a, NULL);
		fields_from_snap(c, &g->snap, &a);
		pick_events(c, g->evs, 0, g->nevs, g->nevs ? g->nevs : 1, g->pexts,
		            g->npexts, &a);
		a.events_truncated = g->count > a.nevents;
		c->stats.alerts++;
		if (fn)
			fn(&a, fn_ctx);
	}
	group_remove(c, g);
}

static void expire(struct vg_correlator *c, vg_alert_fn fn, void *fn_ctx)
{
	if (c->low_wm == VG_TIME_NONE)
		return;
	for (size_t k = 0; k < c->nrules; k++) {
		struct rstate *r = &c->rules[k];
		bool eager = r->rule->corr->eager;
		while (r->head && r->head->deadline < c->low_wm) {
			if (eager)
				group_remove(
				    c, r->head); /* cannot reach the count any more */
			else
				close_window(c, r->head, fn, fn_ctx);
		}
	}
}

static void evict_one(struct vg_correlator *c, struct rstate *prefer)
{
	struct rstate *victim = prefer;
	if (!victim || !victim->head) {
		victim = NULL;
		for (size_t k = 0; k < c->nrules; k++) {
			struct rstate *r = &c->rules[k];
			if (r->head &&
			    (!victim || r->head->newest_ts < victim->head->newest_ts))
				victim = r;
		}
	}
	if (!victim || !victim->head)
		return;
	group_remove(c, victim->head);
	c->stats.evicted_groups++;
}

static struct group *group_get(struct vg_correlator *c, uint32_t k, uint64_t h,
                               const char *key, size_t keylen, bool *fresh)
{
	struct rstate *r = &c->rules[k];
	*fresh = false;
	for (struct group *g = c->table[h & (c->nbuckets - 1)]; g; g = g->hnext)
		if (g->hash == h && g->corr == k && g->keylen == keylen &&
		    memcmp(g->key, key, keylen) == 0)
			return g;
	if (r->ngroups >= c->conf.max_groups_per_rule)
		evict_one(c, r);
	if (c->ngroups >= c->conf.max_groups_total)
		evict_one(c, NULL);
	struct group *g = r->pool;
	if (g) {
		r->pool = g->next;
	} else {
		g = calloc(1, sizeof(*g));
		if (!g)
			return NULL;
		vg_buf_init(&g->snap);
	}
	if (g->keycap < keylen + 1) {
		char *nk = realloc(g->key, keylen + 1);
		if (!nk) {
			group_free(g);
			return NULL;
		}
		g->key = nk;
		g->keycap = keylen + 1;
	}
	memcpy(g->key, key, keylen);
	g->key[keylen] = '\0';
	g->keylen = keylen;
	g->hash = h;
	g->corr = k;
	g->rhead = g->rlen = g->nevs = g->npexts = 0;
	g->count = 0;
	g->first_ts = g->newest_ts = VG_TIME_NONE;
	g->prev = g->next = NULL;
	g->hnext = c->table[h & (c->nbuckets - 1)];
	c->table[h & (c->nbuckets - 1)] = g;
	list_append(r, g);
	r->ngroups++;
	c->ngroups++;
	if (c->ngroups > c->nbuckets)
		table_grow(c);
	*fresh = true;
	return g;
}

/* Add ref to an eager group's ring (sorted), trimming to the timespan. */
static bool ring_add(struct group *g, const struct vg_corr *corr, struct evref ref)
{
	size_t cap = (size_t)corr->need;
	if (g->rcap != cap) {
		struct evref *nr = realloc(g->ring, cap * sizeof(*nr));
		if (!nr)
			return false;
		g->ring = nr;
		g->rcap = cap;
		g->rhead = g->rlen = 0;
	}
	if (g->rlen == cap) {
		if (ref.ts < g->ring[g->rhead].ts)
			return true; /* older than all kept: could only form an older
			                window */
		g->rhead = (g->rhead + 1) % cap; /* drop the oldest */
		g->rlen--;
	}
	/* insert keeping time order (events are mostly in order: scan from the end) */
	size_t pos = g->rlen;
	while (pos > 0 && g->ring[(g->rhead + pos - 1) % cap].ts > ref.ts) {
		g->ring[(g->rhead + pos) % cap] = g->ring[(g->rhead + pos - 1) % cap];
		pos--;
	}
	g->ring[(g->rhead + pos) % cap] = ref;
	g->rlen++;
	vg_time newest = g->ring[(g->rhead + g->rlen - 1) % cap].ts;
	while (g->rlen && g->ring[g->rhead].ts < newest - corr->timespan) {
		g->rhead = (g->rhead + 1) % cap;
		g->rlen--;
	}
	g->newest_ts = newest;
	g->first_ts = g->ring[g->rhead].ts;
	g->deadline = newest + corr->timespan;
	return true;
}

static bool window_add(struct group *g, const struct vg_corr *corr, struct evref ref)
{
	if (g->count == 0) {
		g->first_ts = ref.ts;
		g->newest_ts = ref.ts;
		g->deadline = ref.ts + corr->timespan;
	}
	if (g->count < UINT64_MAX)
		g->count++;
	if (ref.ts > g->newest_ts)
		g->newest_ts = ref.ts;
	if (g->nevs < ALERT_EVENTS_MAX) {
		if (g->nevs == g->evcap) {
			size_t ncap = g->evcap ? g->evcap * 2 : 16;
			struct evref *ne = realloc(g->evs, ncap * sizeof(*ne));
			if (!ne)
				return false;
			g->evs = ne;
			g->evcap = ncap;
		}
		g->evs[g->nevs++] = ref;
	}
	size_t j;
	for (j = 0; j < g->npexts; j++)
		if (g->pexts[j].topic == ref.topic &&
		    g->pexts[j].partition == ref.partition)
			break;
	if (j == g->npexts) {
		if (g->npexts == g->pxcap) {
			size_t ncap = g->pxcap ? g->pxcap * 2 : 4;
			struct pext *np = realloc(g->pexts, ncap * sizeof(*np));
			if (!np)
				return false;
			g->pexts = np;
			g->pxcap = ncap;
		}
		g->pexts[g->npexts++] = (struct pext){ref.topic, ref.partition,
		                                      ref.offset, ref.offset, ref.ts};
	} else {
		struct pext *p = &g->pexts[j];
		if (ref.offset < p->min_off)
			p->min_off = ref.offset;
		if (ref.offset > p->max_off) {
			p->max_off = ref.offset;
			p->max_ts = ref.ts;
		}
	}
	return true;
}

/* ----------------------------------------------------------------- marks */

static uint64_t mark_hash(uint32_t corr, const char *key, size_t keylen)
{
	return vg_hash64(key, keylen, corr + 1);
}

static const struct mark *mark_find(const struct vg_correlator *c, uint32_t corr,
                                    uint64_t h, const char *key, const char *topic,
                                    int32_t partition)
{
	for (const struct mark *m = c->marks[h & (c->nmark_buckets - 1)]; m; m = m->next)
		if (m->hash == h && m->corr == corr && m->topic == topic &&
		    m->partition == partition && strcmp(m->key, key) == 0)
			return m;
	return NULL;
}

vg_err vg_correlator_restore_mark(struct vg_correlator *c, const char *rule_id,
                                  const char *group_key, const char *topic,
                                  int32_t partition, int64_t offset)
{
	if (!c || !rule_id || !group_key)
		return VG_ERR_INVALID;
	const struct vg_rule *rule = vg_ruleset_find(c->rs, rule_id);
	if (!rule || !rule->corr)
		return VG_ERR_NOTFOUND;
	uint32_t k = (uint32_t)rule->corr->ncorr_index;
	const char *it = topic ? intern_topic(c, topic) : NULL;
	if (topic && !it)
		return VG_ERR_NOMEM;
	uint64_t h = mark_hash(k, group_key, strlen(group_key));
	struct mark *m = (struct mark *)mark_find(c, k, h, group_key, it, partition);
	if (m) {
		if (offset > m->offset)
			m->offset = offset;
		return VG_OK;
	}
	m = calloc(1, sizeof(*m));
	if (!m || !(m->key = strdup(group_key))) {
		free(m);
		return VG_ERR_NOMEM;
	}
	m->corr = k;
	m->topic = it;
	m->partition = partition;
	m->offset = offset;
	m->hash = h;
	m->next = c->marks[h & (c->nmark_buckets - 1)];
	c->marks[h & (c->nmark_buckets - 1)] = m;
	c->nmarks++;
	return VG_OK;
}

/* ------------------------------------------------------------------ feed */

static void emit_standalone(struct vg_correlator *c, const struct vg_rule *rule,
                            const struct vg_event *ev, const char *itopic, vg_alert_fn fn,
                            void *fn_ctx)
{
	struct vg_alert a;
	struct evref ref = {ev->ts, itopic, ev->src.partition, ev->src.offset};
	memset(&a, 0, sizeof(a));
	a.rule = rule;
	a.first_ts = a.last_ts = ev->ts;
	a.event_count = 1;
	a.group_key = "";
	alert_id(c, &a, &ref);
	snapshot(c, NULL, ev, &c->snap);
	fields_from_snap(c, &c->snap, &a);
	c->events[0] = (struct vg_source){itopic, ev->src.partition, ev->src.offset};
	a.events = c->events;
	a.nevents = 1;
	c->stats.alerts++;
	if (fn)
		fn(&a, fn_ctx);
}

static void count_hit(struct vg_correlator *c, uint32_t k, const struct vg_event *ev,
                      const char *itopic, vg_alert_fn fn, void *fn_ctx)
{
	const struct vg_corr *corr = c->rules[k].rule->corr;
	build_key(c, corr, ev);
	const char *key = c->key.data ? c->key.data : "";
	size_t keylen = c->key.len;
	if (c->key.oom)
		return;
	if (c->nmarks) {
		uint64_t mh = mark_hash(k, key, keylen);
		const struct mark *m =
		    mark_find(c, k, mh, key, itopic, ev->src.partition);
		if (m && ev->src.offset <= m->offset)
			return; /* consumed by an alert before the restart */
	}
	uint64_t h = vg_hash64(key, keylen, k);
	bool fresh;
	struct group *g = group_get(c, k, h, key, keylen, &fresh);
	if (!g)
		return;
	struct evref ref = {ev->ts, itopic, ev->src.partition, ev->src.offset};
	if (corr->eager) {
		if (!ring_add(g, corr, ref)) {
			group_remove(c, g);
			return;
		}
		struct rstate *r = &c->rules[k];
		list_unlink(r, g); /* most recently touched goes last */
		list_append(r, g);
		if (g->rlen >= corr->need)
			fire_eager(c, g, ev, fn, fn_ctx);
		return;
	}
	if (!fresh && ev->ts > g->deadline) {
		/* the window ended before this event: close it, open a new one */
		close_window(c, g, fn, fn_ctx);
		g = group_get(c, k, h, key, keylen, &fresh);
		if (!g)
			return;
	}
	if (!window_add(g, corr, ref)) {
		group_remove(c, g);
		return;
	}
	snapshot(c, corr, ev, &g->snap);
}

void vg_correlator_feed(struct vg_correlator *c, const struct vg_event *ev,
                        const struct vg_rule *const *hits, size_t nhits, vg_alert_fn fn,
                        void *fn_ctx)
{
	if (!c || !ev)
		return;
	c->stats.events++;
	c->stats.hits += nhits;
	c->stamp++;
	const char *itopic = intern_topic(c, ev->src.topic);
	struct partition *p = get_part(c, itopic, ev->src.partition);
	bool late =
	    ev->ts == VG_TIME_NONE || (p && p->wm != VG_TIME_NONE && ev->ts < p->wm);
	if (p && !late && (p->max_ts == VG_TIME_NONE || ev->ts > p->max_ts)) {
		vg_time old = p->wm;
		p->max_ts = ev->ts;
		p->wm = ev->ts - c->conf.allowed_lateness;
		if (old == c->low_wm || c->low_wm == VG_TIME_NONE)
			recompute_low(c);
		expire(c, fn, fn_ctx);
	}
	if (late)
		c->stats.late_events++;
	for (size_t i = 0; i < nhits; i++) {
		const struct vg_rule *rule = hits[i];
		if (!rule || rule->is_correlation)
			continue;
		if (rule->standalone)
			emit_standalone(c, rule, ev, itopic, fn, fn_ctx);
		if (late)
			continue;
		for (size_t j = 0; j < rule->nconsumers; j++) {
			uint32_t k =
			    (uint32_t)c->rs->rules[rule->consumers[j]]->corr->ncorr_index;
			if (c->rules[k].stamp == c->stamp)
				continue; /* one event counts once per correlation */
			c->rules[k].stamp = c->stamp;
			count_hit(c, k, ev, itopic, fn, fn_ctx);
		}
	}
	c->stats.open_groups = c->ngroups;
}

void vg_correlator_advance(struct vg_correlator *c, const char *topic, int32_t partition,
                           vg_time watermark, vg_alert_fn fn, void *fn_ctx)
{
	if (!c)
		return;
	const char *itopic = intern_topic(c, topic);
	struct partition *p = get_part(c, itopic, partition);
	if (!p)
		return;
	if (p->wm == VG_TIME_NONE || watermark > p->wm) {
		p->wm = watermark;
		if (p->max_ts == VG_TIME_NONE ||
		    watermark + c->conf.allowed_lateness > p->max_ts)
			p->max_ts = watermark + c->conf.allowed_lateness;
		recompute_low(c);
		expire(c, fn, fn_ctx);
	}
	c->stats.open_groups = c->ngroups;
}

bool vg_correlator_min_offset(const struct vg_correlator *c, const char *topic,
                              int32_t partition, int64_t *offset)
{
	if (!c)
		return false;
	const char *it = find_topic(c, topic);
	if (topic && !it)
		return false;
	bool found = false;
	int64_t lo = INT64_MAX;
	for (size_t k = 0; k < c->nrules; k++)
		for (const struct group *g = c->rules[k].head; g; g = g->next) {
			for (size_t i = 0; i < g->rlen; i++) {
				const struct evref *e =
				    &g->ring[(g->rhead + i) % g->rcap];
				if (e->topic == it && e->partition == partition &&
				    e->offset < lo) {
					lo = e->offset;
					found = true;
				}
			}
			for (size_t i = 0; i < g->npexts; i++) {
				const struct pext *e = &g->pexts[i];
				if (e->topic == it && e->partition == partition &&
				    e->min_off < lo) {
					lo = e->min_off;
					found = true;
				}
			}
		}
	if (found)
		*offset = lo;
	return found;
}

void vg_correlator_stats(const struct vg_correlator *c, struct vg_correlator_stats *out)
{
	if (!c) {
		memset(out, 0, sizeof(*out));
		return;
	}
	*out = c->stats;
	out->open_groups = c->ngroups;
}
