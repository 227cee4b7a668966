/*
 * correlator.c - L2 correlation in event time: the Sigma correlation types
 * (event_count, value_count, temporal, temporal_ordered), Vigil's value_sum,
 * value_avg and absence, correlations of correlations, and the alerts of
 * detection rules that stand alone.  correlate/CORRELATION.md is the user-facing
 * statement of the semantics below.
 *
 * State: one group per (correlation rule, group-by values), found through a chained
 * hash table keyed by the canonical group key "field=value\x1f..." (alias names for
 * aliased fields; values read from each referenced rule's own field).  Window
 * kinds, chosen at load time from the type and condition:
 *
 *  - eager (only a lower bound: gte / gt): a sliding window.  event_count keeps at
 *    most `need` event references in a ring sorted by time, dropping those older
 *    than newest - timespan; value_count keeps distinct value hashes with their
 *    newest time; temporal keeps the newest TL_MAX times per referenced rule
 *    (temporal_ordered, when full, those a sequence can still use first).  The
 *    alert fires the moment the condition holds, and the group is reset (deleted):
 *    events that made one alert never count toward the next one.
 *  - close-evaluated (any upper bound; value_sum / value_avg; absence): a window
 *    opened by the group's first event (absence: by the trigger) and closed at its
 *    end.  The metric is only known at close, so the condition is evaluated then
 *    (when the watermark passes the end, or when an event of the group arrives
 *    after it).  Counts above the largest bound are not needed and the event list
 *    kept for the alert is bounded.
 *
 * Memory (issue 4: at most 256 bytes per open group key, hash index included):
 * a group is one allocation -- a 72-byte header, its key, and its kind's state
 * (struct group).  What a typical group holds stays inside it: eager event_count
 * its first RING_INLINE event references, other kinds their first EV_INLINE,
 * value_count its first VC_INLINE distinct values; only larger groups allocate
 * more (a heap ring, a struct evblock, a value table), and a value set returns
 * into the group when expiry shrinks it.  Values are 64-bit hashes (see
 * vals_add).  The table adds a pointer per bucket, 8 to 16 bytes per group (it
 * doubles when groups outnumber buckets).  scripts/bench-detect.sh measures bytes
 * per open key (resident memory and malloc's own count); CORRELATION.md has the
 * figures.
 *
 * Chains: an alert of a correlation that another one consumes is queued as an
 * event carrying its group values (under the inner rule's fields and group-by
 * names) and fed to the consumers once the current call is done (drain_chained),
 * counted (ordered mode) at the alert's fire position; windows then close in the
 * order of their ends across rules, feeding what they raise before later ends
 * close (expire_at).  The alert carries those values (vg_alert.chain), so that
 * after a restart vg_correlator_restore_chained gives it back to the consumers:
 * the events read again do not raise it again (its marks).
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
 * Order: unordered (the default), hits are counted as they arrive, so a group fed
 * by several partitions depends on how they interleave.  Ordered (conf.ordered,
 * the pipeline's mode; ordered.c), a hit that correlations consume is copied -- its time,
 * position, the rules it hit and the values of the fields correlation reads
 * (kept_fields) -- into a heap (struct held_hit), and vg_correlator_release counts
 * the held hits before the caller's release point in (time, partition, offset,
 * values, topic) order, closing before each hit the windows that end before its
 * time: every count, window and alert is then a function of the events' times and
 * positions, not of their arrival.  Held hits hold offsets back
 * (vg_correlator_min_offset) and the restart marks they may meet
 * (vg_correlator_sweep_marks); conf.max_held_hits bounds them (the oldest is
 * counted early, and counted in hits_released_early).  An alert then carries its
 * fire position and frontier (struct vg_alert), from which the caller's marks
 * are made (mark_consumed).
 *
 * Bounds: max_groups_per_rule / max_groups_total; when full, the oldest group of
 * the rule (or of the rule whose head is oldest) is evicted and counted.  Freed
 * groups go to a per-rule pool, so the steady state allocates nothing per event.
 *
 * Restart: vg_correlator_min_offset tells the caller how far it may commit;
 * vg_correlator_restore_mark makes re-read events that an alert already consumed
 * invisible to that (rule, group); vg_correlator_sweep_marks forgets a mark once
 * its partition has gone past it, so marks cost nothing per event for long
 * (marks.c); vg_correlator_restore_chained gives the correlations above an alert
 * of a chained one back (ordered.c).
 *
 * The state's types are in correlator_int.h, shared by the three files.
 */
#include "correlator_int.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- topics */

const char *vg_corr_intern_topic(struct vg_correlator *c, const char *topic)
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

/* The partition (topic interned), made when absent.  input: it is being fed or
 * advanced, so its watermark counts for the low one from now on (none yet: the low
 * watermark is none until it has one). */
struct partition *vg_corr_part(struct vg_correlator *c, const char *itopic,
                               int32_t partition, bool input)
{
	struct partition *pt = NULL;
	if (c->last_part < c->nparts && c->parts[c->last_part].topic == itopic &&
	    c->parts[c->last_part].partition == partition)
		pt = &c->parts[c->last_part];
	for (size_t i = 0; !pt && i < c->nparts; i++)
		if (c->parts[i].topic == itopic && c->parts[i].partition == partition) {
			c->last_part = i;
			pt = &c->parts[i];
		}
	if (!pt) {
		struct partition *np = realloc(c->parts, (c->nparts + 1) * sizeof(*np));
		if (!np)
			return NULL;
		c->parts = np;
		c->parts[c->nparts] = (struct partition){
		    itopic, partition, VG_TIME_NONE, VG_TIME_NONE, -1, -1, {0}, false};
		c->last_part = c->nparts;
		pt = &c->parts[c->nparts++];
	}
	if (input && !pt->input) {
		pt->input = true;
		c->low_wm = VG_TIME_NONE;
	}
	return pt;
}

static void recompute_low(struct vg_correlator *c)
{
	vg_time lo = INT64_MAX;
	bool any = false;
	for (size_t i = 0; i < c->nparts; i++)
		if (c->parts[i].input) {
			any = true;
			if (c->parts[i].wm < lo)
				lo = c->parts[i].wm;
		}
	c->low_wm = any ? lo : VG_TIME_NONE;
}

/* ----------------------------------------------------------- lifecycle */

vg_err vg_correlator_new(const struct vg_ruleset *rs,
                         const struct vg_correlator_conf *conf,
                         struct vg_correlator **out)
{
	static const char *const ents[] = {
	    "source.ip", "source.domain", "host.name", "user.name", "user.target.name",
	    "process.executable", "process.parent.executable", "file.hash.sha256",
	    "process.hash.sha256",
	    /* a third-party alert's signature and its host's address (AIT-ADS,
	     * EVE, Wazuh): incidents group and rank by it; its detector's level
	     * and ATT&CK mapping: the alert's level and tags in its incident */
	    "rule.id", "rule.name", "host.ip", "vigil.alert.level", "threat.tactic.name",
	    "threat.technique.id"};
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
	for (size_t i = 0; i < sizeof(ents) / sizeof(ents[0]); i++) {
		vg_field f = vg_field_lookup(ents[i], strlen(ents[i]));
		if (f != VG_FIELD_NONE)
			c->entity[c->nentity++] = f;
	}
	/* an alert's fields: every group-by value, then every entity value */
	c->kvcap = rs->max_ngroup + c->nentity;
	c->kv = calloc(c->kvcap ? c->kvcap : 1, sizeof(*c->kv));
	c->kvoff = calloc(c->kvcap ? c->kvcap : 1, sizeof(*c->kvoff));
	if (!c->rules || !c->table || !c->marks || !c->kv || !c->kvoff) {
		vg_correlator_destroy(c);
		return VG_ERR_NOMEM;
	}
	for (size_t k = 0; k < c->nrules; k++) {
		struct rstate *r = &c->rules[k];
		const struct vg_corr *corr;
		r->rule = rs->rules[rs->corr_rules[k]];
		corr = r->rule->corr;
		if (corr->type == VG_CORR_EVENT_COUNT && corr->eager) {
			r->kind = G_RING;
			r->rinl =
			    corr->need < RING_INLINE ? (uint32_t)corr->need : RING_INLINE;
			r->statesz = (uint32_t)(sizeof(struct ringx) +
			                        r->rinl * sizeof(struct evref));
		} else if (corr->eager || corr->type == VG_CORR_TEMPORAL ||
		           corr->type == VG_CORR_TEMPORAL_ORDERED) {
			r->kind = G_SLIDING;
			r->statesz = sizeof(struct gx);
		} else {
			r->kind = G_FIXED;
			r->statesz = sizeof(struct gx) + sizeof(struct snapx);
		}
	}
	vg_buf_init(&c->key);
	vg_buf_init(&c->snap);
	vg_buf_init(&c->idbuf);
	vg_buf_init(&c->strs);
	bool chains = false;
	for (size_t k = 0; k < c->nrules; k++)
		chains |= c->rules[k].rule->nconsumers > 0;
	if (chains && !(c->arena = vg_arena_new(1 << 14))) {
		vg_correlator_destroy(c);
		return VG_ERR_NOMEM;
	}
	c->released_to = VG_TIME_NONE;
	vg_buf_init(&c->hold);
	if (c->conf.ordered) {
		if (!c->conf.max_held_hits)
			c->conf.max_held_hits = DEFAULT_MAX_HELD_HITS;
		if (!vg_corr_kept_fields(c) || !(c->rel_arena = vg_arena_new(1 << 14))) {
			vg_correlator_destroy(c);
			return VG_ERR_NOMEM;
		}
	}
	*out = c;
	return VG_OK;
}

/* Release what a group holds outside itself (its allocation stays). */
static void group_release(const struct rstate *r, struct group *g)
{
	if (r->kind == G_RING) {
		free(RX(g)->heap);
		RX(g)->heap = NULL;
		return;
	}
	struct gx *x = GX(g);
	if (x->eb)
		free(x->eb->pexts);
	free(x->eb);
	x->eb = NULL;
	if (r->rule->corr->type == VG_CORR_VALUE_COUNT) {
		free(x->u.vc.slots);
		x->u.vc.slots = NULL;
	} else if (r->rule->corr->type == VG_CORR_TEMPORAL ||
	           r->rule->corr->type == VG_CORR_TEMPORAL_ORDERED) {
		free(x->u.tp.tl);
		x->u.tp.tl = NULL;
		x->u.tp.tlrefs = 0;
	}
	if (r->kind == G_FIXED) {
		free(SNAP(g)->data);
		*SNAP(g) = (struct snapx){NULL, 0, 0};
	}
}

static void group_free(const struct rstate *r, struct group *g)
{
	group_release(r, g);
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
			group_free(r, g);
		}
		for (uint32_t i = 0; i < r->nheap; i++)
			group_free(r, r->heap[i]);
		free(r->heap);
		for (struct group *g = r->pool, *n; g; g = n) {
			n = g->next;
			group_free(r, g);
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
	for (size_t i = 0; i < c->nparts; i++)
		vg_minset_free(&c->parts[i].held_offs);
	free(c->parts);
	free(c->kv);
	free(c->kvoff);
	vg_buf_free(&c->key);
	vg_buf_free(&c->snap);
	vg_buf_free(&c->idbuf);
	vg_buf_free(&c->strs);
	vg_arena_destroy(c->arena);
	free(c->pending);
	for (size_t i = 0; i < c->nheld; i++)
		free(c->held[i]);
	free(c->held);
	free(c->kept);
	vg_arena_destroy(c->rel_arena);
	vg_buf_free(&c->hold);
	free(c->frontier);
	free(c->chainkv);
	vg_buf_free(&c->chainstrs);
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

/* Link g into r's list right after `after` (NULL: first). */
static void list_insert_after(struct rstate *r, struct group *after, struct group *g)
{
	g->prev = after;
	g->next = after ? after->next : r->head;
	if (g->next)
		g->next->prev = g;
	else
		r->tail = g;
	if (after)
		after->next = g;
	else
		r->head = g;
}

static void list_append(struct rstate *r, struct group *g)
{
	list_insert_after(r, r->tail, g);
}

/* ---- the deadline heap (struct rstate): groups whose deadline is earlier than
 * the list's last when set.  A group there has next == GROUP_IN_HEAP (an address
 * compared, never read) and its place in heap_at. */

static const char g_in_heap;
#define GROUP_IN_HEAP ((struct group *)(uintptr_t)&g_in_heap)

static void heap_put(struct rstate *r, uint32_t i, struct group *g)
{
	r->heap[i] = g;
	g->heap_at = i;
	g->next = GROUP_IN_HEAP;
}

static void heap_up(struct rstate *r, uint32_t i)
{
	struct group *g = r->heap[i];
	while (i > 0 && r->heap[(i - 1) / 2]->deadline > g->deadline) {
		heap_put(r, i, r->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_put(r, i, g);
}

static void heap_down(struct rstate *r, uint32_t i)
{
	struct group *g = r->heap[i];
	for (;;) {
		uint32_t k = 2 * i + 1;
		if (k >= r->nheap)
			break;
		if (k + 1 < r->nheap && r->heap[k + 1]->deadline < r->heap[k]->deadline)
			k++;
		if (r->heap[k]->deadline >= g->deadline)
			break;
		heap_put(r, i, r->heap[k]);
		i = k;
	}
	heap_put(r, i, g);
}

static void heap_remove(struct rstate *r, struct group *g)
{
	uint32_t i = (uint32_t)g->heap_at;
	g->prev = g->next = NULL;
	struct group *last = r->heap[--r->nheap];
	if (last == g)
		return;
	heap_put(r, i, last);
	heap_up(r, i);
	heap_down(r, (uint32_t)last->heap_at);
}

/* Take g out of r's list or heap. */
static void order_unlink(struct rstate *r, struct group *g)
{
	if (g->next == GROUP_IN_HEAP)
		heap_remove(r, g);
	else
		list_unlink(r, g);
}

/* Place g by the deadline just set: last in the list when no group there ends
 * later (the usual case), else in the heap -- so expiry, which looks at the
 * list's head and the heap's top, closes every window once the watermark passes
 * its end, whatever order the deadlines were set in.  Without memory for the
 * heap, g goes into the list at its place (walking back from the end). */
static void place(struct rstate *r, struct group *g)
{
	order_unlink(r, g);
	if (!r->tail || r->tail->deadline <= g->deadline) {
		list_append(r, g);
		return;
	}
	if (r->nheap == r->heapcap) {
		uint32_t ncap = r->heapcap ? 2 * r->heapcap : 16;
		struct group **nh = realloc(r->heap, ncap * sizeof(*nh));
		if (!nh) {
			struct group *after = r->tail;
			while (after && after->deadline > g->deadline)
				after = after->prev;
			list_insert_after(r, after, g);
			return;
		}
		r->heap = nh;
		r->heapcap = ncap;
	}
	r->nheap++;
	heap_put(r, r->nheap - 1, g);
	heap_up(r, r->nheap - 1);
}

/* The group of r whose window ends first (the list's head or the heap's top),
 * or NULL when r has none open. */
static struct group *first_due(const struct rstate *r)
{
	struct group *g = r->head, *h = r->nheap ? r->heap[0] : NULL;
	if (!g || (h && h->deadline < g->deadline))
		return h;
	return g;
}

static void group_remove(struct vg_correlator *c, struct group *g)
{
	struct rstate *r = &c->rules[g->corr];
	struct group **pp = &c->table[g->hash & (c->nbuckets - 1)];
	while (*pp && *pp != g)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = g->hnext;
	order_unlink(r, g);
	for (uint32_t i = 0; i < r->nadded; i++)
		if (r->added[i] == g) /* pooled: may come back as another group */
			r->added[i] = r->added[--r->nadded];
	r->ngroups--;
	c->ngroups--;
	if (r->kind != G_RING && r->rule->corr->type == VG_CORR_VALUE_COUNT) {
		/* a pooled group keeps no large value set */
		free(GX(g)->u.vc.slots);
		GX(g)->u.vc.slots = NULL;
	}
	g->next = r->pool;
	r->pool = g;
}

static void table_grow(struct vg_correlator *c)
{
	size_t nb = c->nbuckets * 2;
	if (nb > (size_t)UINT32_MAX)
		return; /* g->hash has 32 bits */
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
static void snapshot_f(const struct vg_correlator *c, const struct vg_corr *corr,
                       const vg_field *gf, const struct vg_event *ev, struct vg_buf *out)
{
	vg_buf_reset(out);
	for (size_t i = 0; corr && i < corr->ngroup; i++) {
		const struct vg_value *v = vg_event_get(ev, gf[i]);
		if (v && v->kind == VG_VK_NULL)
			v = NULL; /* as in the key: a null is no value ("field=") */
		int32_t f = -(gf[i] + 1);
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

static void snapshot(const struct vg_correlator *c, const struct vg_corr *corr,
                     const struct vg_event *ev, struct vg_buf *out)
{
	snapshot_f(c, corr, corr ? corr->group_by : NULL, ev, out);
}

/* Append value v[0..n) to a group key: the separator 0x1f and the escape 0x1e,
 * where a value holds them, escaped (0x1e before each), so no value can forge the
 * next "field=" part and two different tuples of values never share a key.
 * Values without them (all but crafted ones) are appended as they are. */
static void key_append_value(struct vg_buf *key, const char *v, size_t n)
{
	if (!memchr(v, '\x1f', n) && !memchr(v, '\x1e', n)) {
		vg_buf_append(key, v, n);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '\x1f' || v[i] == '\x1e')
			vg_buf_putc(key, '\x1e');
		vg_buf_putc(key, v[i]);
	}
}

/* Canonical group key into c->key: "field=value\x1f..." (alias names for
 * aliased fields, whose values come from the rule's own field gf[i]; values
 * escaped by key_append_value).
 * @return false when a group-by value is missing and the type requires it (every
 * type but event_count, whose groups keep the historical "field=" key). */
static bool build_key(struct vg_correlator *c, const struct vg_corr *corr,
                      const vg_field *gf, const struct vg_event *ev)
{
	vg_buf_reset(&c->key);
	vg_buf_putc(&c->key, '\0');
	vg_buf_reset(&c->key);
	for (size_t i = 0; i < corr->ngroup; i++) {
		const struct vg_value *v = vg_event_get(ev, gf[i]);
		if ((!v || v->kind == VG_VK_NULL) && corr->type != VG_CORR_EVENT_COUNT)
			return false;
		if (i)
			vg_buf_putc(&c->key, '\x1f');
		vg_buf_puts(&c->key, corr->group_names[i]);
		vg_buf_putc(&c->key, '=');
		if (v && v->kind != VG_VK_NULL)
			key_append_value(&c->key, v->ptr, v->len);
	}
	return true;
}

/* ---------------------------------------------------------------- alerts */

static int cmp_evref(const void *a, const void *b)
{
	const struct evref *x = a, *y = b;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	int64_t a1 = ref_off(x), b1 = ref_off(y);
	return a1 < b1 ? -1 : a1 > b1;
}

/* Fill alert->fields from a snapshot (deduplicated by name). */
static void fields_from_snap(struct vg_correlator *c, const struct vg_buf *snap,
                             struct vg_alert *a)
{
	size_t off = 0, n = 0;
	size_t *offs = c->kvoff;
	vg_buf_reset(&c->strs);
	vg_buf_putc(&c->strs, '\0');
	while (snap->data && off + 8 <= snap->len && n < c->kvcap) {
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

/* An event's position as hashed into alert ids: its offset (8 bytes), then its
 * partition (4), little-endian. */
static void pos_bytes(const struct vg_source *e, uint8_t pos[12])
{
	for (int i = 0; i < 8; i++)
		pos[i] = (uint8_t)((uint64_t)e->offset >> (8 * i));
	for (int i = 0; i < 4; i++)
		pos[8 + i] = (uint8_t)((uint32_t)e->partition >> (8 * i));
}

/* The id of alert a: a hash of its rule, group key and first time, and of where
 * its events are -- for a stand-alone hit (solo) the event's position, for a
 * group the positions of the events it lists (a->events, summed: in any order),
 * so two alerts of one group with the same first time (a burst after the group
 * reset, within the same second) are told apart, and an alert made again from
 * the same events after a restart gets the same id. */
static void alert_id(struct vg_correlator *c, struct vg_alert *a,
                     const struct vg_source *solo)
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
	uint8_t pos[12];
	if (solo) {
		/* stand-alone hits have no group: the event's position tells them apart
		 */
		pos_bytes(solo, pos);
		if (solo->topic)
			vg_buf_puts(b, solo->topic);
		vg_buf_putc(b, '\0');
		vg_buf_append(b, pos, sizeof(pos));
	}
	uint64_t h = vg_hash64(b->data ? b->data : "", b->len, 0);
	for (size_t i = 0; !solo && i < a->nevents; i++) {
		const struct vg_source *e = &a->events[i];
		uint64_t th = e->topic ? vg_hash64(e->topic, strlen(e->topic), 1) : 0;
		pos_bytes(e, pos);
		h += vg_hash64(pos, sizeof(pos), th);
	}
	vg_hex64(h, a->id);
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
		c->tmp[k++] = mkref(px[i].max_ts, px[i].pidx, px[i].max_off);
	size_t fixed = k;
	for (size_t i = n; i-- > 0 && k < ALERT_EVENTS_MAX;) {
		const struct evref *r = &refs[(head + i) % cap];
		bool dup = false;
		for (size_t j = 0; j < fixed && !dup; j++)
			dup = c->tmp[j].pk == r->pk;
		if (!dup)
			c->tmp[k++] = *r;
	}
	qsort(c->tmp, k, sizeof(c->tmp[0]), cmp_evref);
	for (size_t i = 0; i < k; i++) {
		const struct partition *pt = &c->parts[ref_pidx(&c->tmp[i])];
		c->events[i] =
		    (struct vg_source){pt->topic, pt->partition, ref_off(&c->tmp[i])};
	}
	a->events = c->events;
	a->nevents = k;
	a->events_truncated = a->event_count > k;
}

/* An extent of one event, ref. */
static struct pext pext_of(struct evref ref)
{
	int64_t off = ref_off(&ref);
	return (struct pext){ref_pidx(&ref), 1, off, off, ref.ts, ref.ts, ref.ts};
}

/* The oldest time a sliding group's window still holds: a timespan before its
 * newest event. */
static inline vg_time slide_lo(const struct group *g, const struct vg_corr *corr)
{
	return g->newest_ts - corr->timespan;
}

/* Take the event ref into extent p (of its partition). */
static void pext_take(struct pext *p, struct evref ref)
{
	int64_t off = ref_off(&ref);
	if (p->n < UINT32_MAX)
		p->n++;
	if (off < p->min_off)
		p->min_off = off;
	if (off > p->max_off) {
		p->max_off = off;
		p->max_ts = ref.ts;
	}
	if (ref.ts < p->lo_ts)
		p->lo_ts = ref.ts;
	if (ref.ts > p->hi_ts)
		p->hi_ts = ref.ts;
}

/* Per-partition extents of a ring of references (n entries from head, capacity
 * cap) into px (at most pcap), in order of first appearance. */
static size_t extents_of(const struct evref *refs, size_t head, size_t n, size_t cap,
                         struct pext *px, size_t pcap)
{
	size_t np = 0;
	for (size_t i = 0; i < n; i++) {
		const struct evref *r = &refs[(head + i) % cap];
		size_t j;
		for (j = 0; j < np; j++)
			if (px[j].pidx == ref_pidx(r))
				break;
		if (j == np) {
			if (np < pcap)
				px[np++] = pext_of(*r);
			continue;
		}
		pext_take(&px[j], *r);
	}
	return np;
}

/* Per-partition extents of x's events into px (at most pcap): what window_add
 * keeps in eb->pexts once events are dropped. */
static size_t extents_of_gx(const struct gx *x, struct pext *px, size_t pcap)
{
	return extents_of(evs_of(x), 0, x->nevs, x->nevs ? x->nevs : 1, px, pcap);
}

/* The extents of a gx group: kept, or derived into c->pxs. */
static const struct pext *gx_extents(struct vg_correlator *c, const struct gx *x,
                                     size_t *n)
{
	if (x->eb && x->eb->npexts) {
		*n = x->eb->npexts;
		return x->eb->pexts;
	}
	*n = extents_of_gx(x, c->pxs, ALERT_EVENTS_MAX);
	return c->pxs;
}

/* ------------------------------------------------------------ windows */

/* An alert's chain values (vg_alert.chain): the fields set in its chained event,
 * by name; none when out of memory. */
static void chain_values(struct vg_correlator *c, const struct vg_event *ev,
                         struct vg_alert *a)
{
	size_t n = 0;
	vg_field id = VG_FIELD_NONE;
	struct vg_buf *b = &c->chainstrs;
	vg_buf_reset(b);
	const struct vg_value *v;
	while ((v = vg_event_next(ev, &id)))
		n++;
	struct vg_kv *kv = vg_grow(c->chainkv, &c->chaincap, n ? n : 1, sizeof(*kv));
	size_t *offs = malloc((n ? n : 1) * sizeof(*offs)), i = 0;
	if (kv)
		c->chainkv = kv;
	id = VG_FIELD_NONE;
	while (kv && offs && i < n && (v = vg_event_next(ev, &id))) {
		/* registry names live as long as the process (fields_from_snap) */
		kv[i].name = (char *)vg_field_name(id);
		offs[i++] = b->len;
		vg_buf_append(b, v->ptr ? v->ptr : "", v->len);
		vg_buf_putc(b, '\0');
	}
	if (kv && offs && !b->oom) {
		for (size_t j = 0; j < i; j++)
			kv[j].value = b->data + offs[j];
		a->chain = kv;
		a->nchain = i;
	}
	free(offs);
}

/* Queue an alert of a correlation that others consume: its group values (from
 * snap) become an event at last_ts, fed to the consumers by drain_chained; the
 * alert gets them as its chain values.  Before the alert is emitted. */
static void chain_alert(struct vg_correlator *c, struct vg_alert *a,
                        const struct vg_buf *snap)
{
	const struct vg_rule *rule = a->rule;
	if (!rule->nconsumers || !c->arena)
		return;
	struct vg_event *ev = vg_event_new(c->arena);
	if (!ev)
		return;
	size_t off = 0, gi = 0;
	const struct vg_corr *corr = rule->corr;
	while (snap->data && off + 8 <= snap->len) {
		int32_t f;
		uint32_t len;
		memcpy(&f, snap->data + off, 4);
		memcpy(&len, snap->data + off + 4, 4);
		vg_field id = f < 0 ? -f - 1 : f;
		const char *val = snap->data + off + 8;
		if (len && !vg_event_get(ev, id))
			(void)vg_event_set_copy(ev, id, val, len, VG_VK_STR);
		/* group values also under the correlation's own group-by names (alias
		 * names), so a correlation above can group by them */
		if (f < 0 && corr && gi < corr->ngroup) {
			if (len && corr->group_by[gi] != id)
				(void)vg_event_set_copy(ev, corr->group_by[gi], val, len,
				                        VG_VK_STR);
			gi++;
		}
		off += 8 + len;
	}
	ev->ts = a->last_ts;
	if (a->nevents)
		ev->src = a->events[a->nevents - 1];
	chain_values(c, ev, a);
	if (c->npending == c->pendcap) {
		size_t nc = c->pendcap ? c->pendcap * 2 : 8;
		struct chained *np = realloc(c->pending, nc * sizeof(*np));
		if (!np)
			return;
		c->pending = np;
		c->pendcap = nc;
	}
	c->pending[c->npending++] = (struct chained){rule, ev, a->fire};
}

/* Ordered mode: where counting stood as g's alert fires -- at the hit `by` (the
 * one that made it fire, being counted), or, by == NULL, at the end of g's window --
 * and the largest offset counted per partition. */
static void fire_position(struct vg_correlator *c, const struct group *g,
                          const struct vg_event *by, struct vg_alert *a)
{
	a->fire =
	    by ? c->counting : (struct vg_fire_pos){g->deadline, INT32_MAX, INT64_MAX};
	struct vg_source *nf = vg_grow(c->frontier, &c->frontier_cap,
	                               c->nparts ? c->nparts : 1, sizeof(*nf));
	if (!nf)
		return; /* no frontier: the alert's marks fall back to its events */
	c->frontier = nf;
	size_t n = 0;
	for (size_t i = 0; i < c->nparts; i++)
		if (c->parts[i].counted_off >= 0)
			nf[n++] =
			    (struct vg_source){c->parts[i].topic, c->parts[i].partition,
			                       c->parts[i].counted_off};
	a->frontier = nf;
	a->nfrontier = n;
}

/* Emit an alert for group g (then the caller removes g); by: the hit that made it
 * fire, NULL when its window closed. */
static void emit_group(struct vg_correlator *c, struct group *g, vg_time first,
                       vg_time last, uint64_t count, const struct vg_buf *snap,
                       const struct evref *refs, size_t head, size_t n, size_t cap,
                       const struct pext *px, size_t npx, const struct vg_event *by,
                       vg_alert_fn fn, void *fn_ctx)
{
	const struct vg_rule *rule = c->rules[g->corr].rule;
	struct vg_alert a;
	memset(&a, 0, sizeof(a));
	a.rule = rule;
	a.first_ts = first;
	a.last_ts = last;
	a.event_count = count;
	a.group_key = gkey(g);
	fields_from_snap(c, snap, &a);
	pick_events(c, refs, head, n, cap, px, npx, &a);
	alert_id(c, &a, NULL);
	a.events_truncated = count > a.nevents;
	if (c->conf.ordered)
		fire_position(c, g, by, &a);
	c->stats.alerts++;
	chain_alert(c, &a, snap);
	if (fn)
		fn(&a, fn_ctx);
}

/* Emit an alert for a gx group with its kept events (then the caller removes g). */
static void emit_gx(struct vg_correlator *c, struct group *g, vg_time first, vg_time last,
                    uint64_t count, const struct vg_buf *snap, const struct vg_event *by,
                    vg_alert_fn fn, void *fn_ctx)
{
	const struct gx *x = GX(g);
	size_t npx;
	const struct pext *px = gx_extents(c, x, &npx);
	emit_group(c, g, first, last, count, snap, evs_of(x), 0, x->nevs,
	           x->nevs ? x->nevs : 1, px, npx, by, fn, fn_ctx);
}

/* Eager window reached: alert with the ring's events, then reset the group. */
static void fire_eager(struct vg_correlator *c, struct group *g, const vg_field *gf,
                       const struct vg_event *ev, vg_alert_fn fn, void *fn_ctx)
{
	const struct vg_rule *rule = c->rules[g->corr].rule;
	const struct ringx *x = RX(g);
	const struct evref *ring = ring_of(g);
	struct pext px[32];
	size_t npx = extents_of(ring, x->rhead, x->rlen, x->rcap, px, 32);
	/* the group values from the fields of the rule ev hit (aliases) */
	snapshot_f(c, rule->corr, gf, ev, &c->snap);
	emit_group(c, g, ring[x->rhead].ts, g->newest_ts, x->rlen, &c->snap, ring,
	           x->rhead, x->rlen, x->rcap, px, npx, ev, fn, fn_ctx);
	group_remove(c, g);
}

/* Whether the event being fed (c->stamp) is in g's events already: a temporal
 * kind counts it once per rule it hits (one event matching two of the rules, or a
 * rule listed twice), but it is one event of the group (its event_count and
 * records).  Notes g as having it otherwise. */
static bool added_before(struct vg_correlator *c, struct rstate *r, struct group *g)
{
	if (r->added_stamp != c->stamp) {
		r->added_stamp = c->stamp;
		r->nadded = 0;
	}
	for (uint32_t i = 0; i < r->nadded; i++)
		if (r->added[i] == g)
			return true;
	if (r->nadded < sizeof(r->added) / sizeof(r->added[0]))
		r->added[r->nadded++] = g;
	return false;
}

static bool cond_holds(const struct vg_corr *corr, double n)
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
	const struct vg_corr *corr = c->rules[g->corr].rule->corr;
	double metric = (double)g->count;
	bool fire;
	const struct gx *x = GX(g);
	switch (corr->type) {
	case VG_CORR_VALUE_COUNT: metric = (double)x->nvals; break;
	case VG_CORR_VALUE_SUM: metric = x->u.sum; break;
	case VG_CORR_VALUE_AVG:
		metric = g->count ? x->u.sum / (double)g->count : 0;
		break;
	default: break;
	}
	bool absence = corr->type == VG_CORR_ABSENCE;
	if (absence)
		fire = x->u.ab.trig != VG_TIME_NONE;
	else
		fire = g->count > 0 && cond_holds(corr, metric);
	if (fire) {
		const struct snapx *sx = SNAP(g);
		const struct vg_buf snap = {sx->data, sx->len, sx->cap, false};
		emit_gx(c, g, absence ? x->u.ab.trig : g->first_ts,
		        absence ? x->u.ab.trig : g->newest_ts, absence ? 1 : g->count,
		        &snap, NULL, fn, fn_ctx);
	}
	group_remove(c, g);
}

void vg_corr_drain_chained(struct vg_correlator *c, vg_alert_fn fn, void *fn_ctx);

/* Close (or drop) g, a group of r whose window has ended. */
static void expire_group(struct vg_correlator *c, struct rstate *r, struct group *g,
                         vg_alert_fn fn, void *fn_ctx)
{
	const struct vg_corr *corr = r->rule->corr;
	if (corr->eager || corr->type == VG_CORR_TEMPORAL ||
	    corr->type == VG_CORR_TEMPORAL_ORDERED)
		group_remove(c, g); /* cannot reach the count any more */
	else
		close_window(c, g, fn, fn_ctx);
}

/* Close (or drop) r's groups whose windows end before `before`, in the order
 * of their ends. */
static void expire_rule(struct vg_correlator *c, struct rstate *r, vg_time before,
                        vg_alert_fn fn, void *fn_ctx)
{
	struct group *g;
	while ((g = first_due(r)) && g->deadline < before)
		expire_group(c, r, g, fn, fn_ctx);
}

/* Close (or drop) the groups whose windows end before `at`.  With correlations of
 * correlations, in the order of their ends across rules: the groups ending at the
 * earliest end close, then the alerts they raised are fed to their consumers
 * (counted at that end, their fire position), then the next end -- so a window
 * closing later still gets them, whatever `at` the caller's batch gave. */
void vg_corr_expire_at(struct vg_correlator *c, vg_time at, vg_alert_fn fn, void *fn_ctx)
{
	if (at == VG_TIME_NONE)
		return;
	if (!c->arena) { /* no chains: closing one group changes no other */
		for (size_t k = 0; k < c->nrules; k++)
			expire_rule(c, &c->rules[k], at, fn, fn_ctx);
		return;
	}
	for (;;) {
		vg_time end = VG_TIME_NONE;
		for (size_t k = 0; k < c->nrules; k++) {
			const struct group *g = first_due(&c->rules[k]);
			if (g && g->deadline < at &&
			    (end == VG_TIME_NONE || g->deadline < end))
				end = g->deadline;
		}
		if (end == VG_TIME_NONE)
			return;
		/* deadline <= end: end + 1 (end < at, so no overflow) */
		for (size_t k = 0; k < c->nrules; k++)
			expire_rule(c, &c->rules[k], end + 1, fn, fn_ctx);
		vg_corr_drain_chained(c, fn, fn_ctx);
	}
}

static void expire(struct vg_correlator *c, vg_alert_fn fn, void *fn_ctx)
{
	vg_corr_expire_at(c, c->low_wm, fn, fn_ctx);
}

/* r's group to evict first: its list's head (least recently touched, or oldest
 * opened), else its heap's top; NULL when r has none. */
static struct group *evictable(const struct rstate *r)
{
	return r->head ? r->head : r->nheap ? r->heap[0] : NULL;
}

static void evict_one(struct vg_correlator *c, struct rstate *prefer)
{
	struct group *victim = prefer ? evictable(prefer) : NULL;
	if (!victim) /* the least recently touched of every rule's first */
		for (size_t k = 0; k < c->nrules; k++) {
			struct group *g = evictable(&c->rules[k]);
			if (g && (!victim || g->newest_ts < victim->newest_ts))
				victim = g;
		}
	if (!victim)
		return;
	group_remove(c, victim);
	c->stats.evicted_groups++;
}

static struct group *group_get(struct vg_correlator *c, uint32_t k, uint64_t h,
                               const char *key, size_t keylen, bool *fresh)
{
	struct rstate *r = &c->rules[k];
	*fresh = false;
	for (struct group *g = c->table[h & (c->nbuckets - 1)]; g; g = g->hnext)
		if (g->hash == (uint32_t)h && g->corr == k && g->keylen == keylen &&
		    memcmp(gkey(g), key, keylen) == 0)
			return g;
	if (r->ngroups >= c->conf.max_groups_per_rule)
		evict_one(c, r);
	if (c->ngroups >= c->conf.max_groups_total)
		evict_one(c, NULL);
	const struct vg_corr *corr = r->rule->corr;
	struct group *g = r->pool;
	if (g)
		r->pool = g->next;
	if (!g || g->keycap < keylen + 1) {
		/* header, key and kind state in one allocation; the key's room is
		 * rounded up to 8 bytes, which aligns the state */
		size_t cap = (keylen + 1 + 7) & ~(size_t)7;
		if (cap > UINT32_MAX) {
			if (g)
				group_free(r, g);
			return NULL;
		}
		struct group *ng = realloc(g, sizeof(*g) + cap + r->statesz);
		if (!ng) {
			if (g)
				group_free(r, g);
			return NULL;
		}
		if (g) /* a pooled group: its state moves behind the longer key */
			memmove((char *)ng->tail + cap, (char *)ng->tail + ng->keycap,
			        r->statesz);
		else
			memset((char *)ng->tail + cap, 0, r->statesz);
		g = ng;
		g->keycap = (uint32_t)cap;
	}
	memcpy(gkey(g), key, keylen);
	gkey(g)[keylen] = '\0';
	g->keylen = (uint32_t)keylen;
	g->hash = (uint32_t)h;
	g->corr = k;
	g->count = 0;
	if (r->kind == G_RING) {
		struct ringx *x = RX(g);
		x->rhead = x->rlen = 0;
		if (!x->heap)
			x->rcap = r->rinl;
	} else {
		struct gx *x = GX(g);
		x->nevs = 0;
		if (x->eb)
			x->eb->npexts = 0;
		switch (corr->type) {
		case VG_CORR_VALUE_COUNT: x->nvals = 0; break;
		case VG_CORR_TEMPORAL:
		case VG_CORR_TEMPORAL_ORDERED:
			if (x->u.tp.tl)
				memset(x->u.tp.tl + x->u.tp.tlrefs * TL_MAX, 0,
				       x->u.tp.tlrefs);
			break;
		case VG_CORR_VALUE_SUM:
		case VG_CORR_VALUE_AVG: x->u.sum = 0; break;
		case VG_CORR_ABSENCE: x->u.ab.trig = x->u.ab.exp_ts = VG_TIME_NONE; break;
		default: break;
		}
		if (r->kind == G_FIXED)
			SNAP(g)->len = 0;
	}
	/* no deadline yet (a pooled group's old one would be taken for its own):
	 * the caller sets one and places the group by it */
	g->first_ts = g->newest_ts = g->deadline = VG_TIME_NONE;
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

/* Add ref to an eager group's ring (sorted), trimming to the timespan.  The ring
 * grows (inline slots, then a heap ring doubling) up to corr->need entries. */
static bool ring_add(struct group *g, const struct vg_corr *corr, struct evref ref)
{
	struct ringx *x = RX(g);
	size_t need = (size_t)corr->need;
	if (x->rlen == x->rcap && x->rcap < need) {
		size_t cap = x->rcap ? x->rcap * 2 : 1;
		if (cap < RING_INLINE)
			cap = RING_INLINE;
		if (cap > need)
			cap = need;
		struct evref *nr = malloc(cap * sizeof(*nr));
		if (!nr)
			return false;
		const struct evref *old = ring_of(g);
		for (size_t i = 0; i < x->rlen; i++) /* unwrap */
			nr[i] = old[(x->rhead + i) % x->rcap];
		free(x->heap);
		x->heap = nr;
		x->rcap = (uint32_t)cap;
		x->rhead = 0;
	}
	struct evref *ring = x->heap ? x->heap : x->inl;
	size_t cap = x->rcap;
	if (x->rlen == cap) {
		if (ref.ts < ring[x->rhead].ts)
			return true; /* older than all kept: could only form an older
			                window */
		x->rhead = (uint32_t)((x->rhead + 1) % cap); /* drop the oldest */
		x->rlen--;
	}
	/* insert keeping time order (events are mostly in order: scan from the end) */
	size_t pos = x->rlen;
	while (pos > 0 && ring[(x->rhead + pos - 1) % cap].ts > ref.ts) {
		ring[(x->rhead + pos) % cap] = ring[(x->rhead + pos - 1) % cap];
		pos--;
	}
	ring[(x->rhead + pos) % cap] = ref;
	x->rlen++;
	vg_time newest = ring[(x->rhead + x->rlen - 1) % cap].ts;
	while (x->rlen && ring[x->rhead].ts < newest - corr->timespan) {
		x->rhead = (uint32_t)((x->rhead + 1) % cap);
		x->rlen--;
	}
	g->newest_ts = newest;
	g->first_ts = ring[x->rhead].ts;
	g->deadline = newest + corr->timespan;
	return true;
}

/* Add ref to eb's extents: to its partition's newest one -- unless the window
 * slides (sliding; span: its timespan) and that one's oldest time is more than
 * span before ref: then to a new one, so that the old ones leave the window in turn
 * (slide_forget) instead of one extent holding the partition back at the group's
 * first event for as long as the group is fed. */
static bool pext_add(struct evblock *eb, struct evref ref, bool sliding, vg_time span)
{
	size_t j = eb->npexts;
	while (j > 0 && eb->pexts[j - 1].pidx != ref_pidx(&ref))
		j--;
	if (j > 0 && !(sliding && eb->pexts[j - 1].lo_ts < ref.ts - span)) {
		pext_take(&eb->pexts[j - 1], ref);
		return true;
	}
	if (eb->npexts == eb->pxcap) {
		size_t ncap = eb->pxcap ? eb->pxcap * 2 : 4;
		struct pext *np = realloc(eb->pexts, ncap * sizeof(*np));
		if (!np)
			return false;
		eb->pexts = np;
		eb->pxcap = (uint32_t)ncap;
	}
	eb->pexts[eb->npexts++] = pext_of(ref);
	return true;
}

/* A sliding group: forget its events older than lo (its newest time less the
 * timespan: no window to come can hold them) -- the kept references before the
 * first at or after lo, the extents whose newest event is before lo -- and count
 * those left: the kept ones while every event is kept, else the extents' (which
 * may hold events up to a timespan older than lo). */
static void slide_forget(struct group *g, vg_time lo)
{
	struct gx *x = GX(g);
	struct evref *e = x->eb ? x->eb->e : x->ev;
	size_t d = 0;
	while (d < x->nevs && e[d].ts < lo)
		d++;
	if (d) {
		memmove(e, e + d, (x->nevs - d) * sizeof(*e));
		x->nevs = (uint16_t)(x->nevs - d);
	}
	struct evblock *eb = x->eb;
	uint64_t n = 0;
	size_t o = 0;
	for (size_t i = 0; eb && i < eb->npexts; i++)
		if (eb->pexts[i].hi_ts >= lo) {
			n += eb->pexts[i].n;
			eb->pexts[o++] = eb->pexts[i];
		}
	if (eb)
		eb->npexts = (uint32_t)o;
	/* no extent left: every event since they began is older than lo, and
	 * the kept ones are all there is */
	g->count = o ? n : x->nevs;
}

/* Add ref to g's window; sliding: the window ends at the newest event and spans
 * corr->timespan back (value_count lower bounds, temporal kinds). */
static bool window_add(struct vg_correlator *c, struct group *g,
                       const struct vg_corr *corr, struct evref ref, bool sliding)
{
	struct gx *x = GX(g);
	if (g->count == 0) {
		g->first_ts = ref.ts;
		g->newest_ts = ref.ts;
		g->deadline = ref.ts + corr->timespan;
	}
	if (ref.ts > g->newest_ts)
		g->newest_ts = ref.ts;
	if (sliding) {
		vg_time lo = slide_lo(g, corr);
		if (ref.ts < lo) /* older than the window: no window to come holds it */
			return true;
		if ((x->nevs == ALERT_EVENTS_MAX && evs_of(x)[0].ts < lo) ||
		    (x->eb && x->eb->npexts))
			slide_forget(g, lo);
	}
	bool kept = x->nevs < ALERT_EVENTS_MAX;
	if (kept) {
		size_t cap = x->eb ? x->eb->cap : EV_INLINE;
		if (x->nevs == cap) {
			/* 6, 12, ..., 192, 256: the first block fits malloc's
			 * 128-byte size class */
			size_t ncap = x->eb ? cap * 2 : 2 * EV_INLINE;
			if (ncap > ALERT_EVENTS_MAX)
				ncap = ALERT_EVENTS_MAX;
			struct evblock *nb =
			    realloc(x->eb, sizeof(*nb) + ncap * sizeof(struct evref));
			if (!nb)
				return false;
			if (!x->eb) {
				*nb = (struct evblock){0};
				memcpy(nb->e, x->ev, sizeof(x->ev));
			}
			nb->cap = (uint32_t)ncap;
			x->eb = nb;
		}
		/* in time order (events mostly come in order: from the end) */
		struct evref *e = x->eb ? x->eb->e : x->ev;
		size_t pos = x->nevs;
		while (pos > 0 && e[pos - 1].ts > ref.ts) {
			e[pos] = e[pos - 1];
			pos--;
		}
		e[pos] = ref;
		x->nevs++;
	} else if (!x->eb->npexts) { /* ALERT_EVENTS_MAX > EV_INLINE: x->eb */
		/* the first event not kept: keep the extents from now on */
		struct evblock *eb = x->eb;
		size_t n = extents_of_gx(x, c->pxs, ALERT_EVENTS_MAX);
		if (n > eb->pxcap) {
			struct pext *np = realloc(eb->pexts, n * sizeof(*np));
			if (!np)
				return false;
			eb->pexts = np;
			eb->pxcap = (uint32_t)n;
		}
		memcpy(eb->pexts, c->pxs, n * sizeof(*eb->pexts));
		eb->npexts = (uint32_t)n;
	}
	/* once some event was not kept, the extents take in every event */
	if (x->eb && x->eb->npexts && !pext_add(x->eb, ref, sliding, corr->timespan))
		return false;
	if (g->count < UINT64_MAX)
		g->count++;
	return true;
}

/* ----------------------------------------------------------------- marks */

/* ------------------------------------------------------------------ feed */

static void emit_standalone(struct vg_correlator *c, const struct vg_rule *rule,
                            const struct vg_event *ev, const char *itopic, vg_alert_fn fn,
                            void *fn_ctx)
{
	struct vg_alert a;
	struct vg_source ref = {itopic, ev->src.partition, ev->src.offset};
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

/* Keep a copy of snapshot b in the group (fixed windows: the newest event's
 * values).  Out of memory, the group reports no fields. */
static void snap_store(struct snapx *sx, const struct vg_buf *b)
{
	size_t len = b->oom ? 0 : b->len;
	if (len > sx->cap) {
		size_t cap = (len + 63) & ~(size_t)63;
		char *nd = realloc(sx->data, cap);
		if (!nd) {
			sx->len = 0;
			return;
		}
		sx->data = nd;
		sx->cap = (uint32_t)cap;
	}
	if (len)
		memcpy(sx->data, b->data, len);
	sx->len = (uint32_t)len;
}

/* ------------------------------------------------------------ value sets */

static uint32_t vset_cap_for(uint32_t n)
{
	uint32_t cap = 8;
	while (cap / 4 * 3 < n)
		cap *= 2;
	return cap;
}

/* Slot holding h, or the free slot where it would go (a table is never full). */
static uint32_t vset_slot(const struct vent *slots, uint32_t cap, uint64_t h)
{
	uint32_t m = cap - 1, i = (uint32_t)h & m;
	while (slots[i].ts != VG_TIME_NONE && slots[i].h != h)
		i = (i + 1) & m;
	return i;
}

/* Move x's values (either form) into a new table of capacity cap.  @return false
 * when out of memory (nothing changed). */
static bool vset_rebuild(struct gx *x, uint32_t cap)
{
	struct vcset *v = &x->u.vc;
	struct vent *slots = malloc(cap * sizeof(*slots));
	if (!slots)
		return false;
	for (uint32_t i = 0; i < cap; i++)
		slots[i].ts = VG_TIME_NONE;
	const struct vent *from = v->slots ? v->slots : v->f.inl;
	uint32_t n = v->slots ? v->f.big.cap : x->nvals;
	vg_time mn = INT64_MAX;
	for (uint32_t i = 0; i < n; i++)
		if (from[i].ts != VG_TIME_NONE) {
			slots[vset_slot(slots, cap, from[i].h)] = from[i];
			if (from[i].ts < mn)
				mn = from[i].ts;
		}
	free(v->slots);
	v->slots = slots;
	v->f.big.cap = cap;
	v->f.big.min_ts = mn;
	return true;
}

/* Free slot i, moving later entries of its cluster back (no tombstones). */
static void vset_del(struct vent *slots, uint32_t cap, uint32_t i)
{
	uint32_t m = cap - 1, j = i;
	for (;;) {
		j = (j + 1) & m;
		if (slots[j].ts == VG_TIME_NONE)
			break;
		/* the entry at j may fill the hole unless its home slot lies
		 * (cyclically) after the hole */
		uint32_t home = (uint32_t)slots[j].h & m;
		if (((j - home) & m) >= ((j - i) & m)) {
			slots[i] = slots[j];
			i = j;
		}
	}
	slots[i].ts = VG_TIME_NONE;
}

static struct vent *vc_find(struct gx *x, uint64_t h)
{
	struct vcset *v = &x->u.vc;
	if (!v->slots) {
		for (uint32_t i = 0; i < x->nvals; i++)
			if (v->f.inl[i].h == h)
				return &v->f.inl[i];
		return NULL;
	}
	struct vent *e = &v->slots[vset_slot(v->slots, v->f.big.cap, h)];
	return e->ts != VG_TIME_NONE ? e : NULL;
}

/* Add a value not in x; spills to the large form past VC_INLINE values. */
static bool vc_insert(struct gx *x, uint64_t h, vg_time ts)
{
	struct vcset *v = &x->u.vc;
	if (!v->slots && x->nvals < VC_INLINE) {
		v->f.inl[x->nvals++] = (struct vent){h, ts};
		return true;
	}
	if ((!v->slots || x->nvals + 1 > v->f.big.cap / 4 * 3) &&
	    !vset_rebuild(x, vset_cap_for(x->nvals + 1)))
		return false;
	v->slots[vset_slot(v->slots, v->f.big.cap, h)] = (struct vent){h, ts};
	if (ts < v->f.big.min_ts)
		v->f.big.min_ts = ts;
	x->nvals++;
	return true;
}

/* Forget the values last seen before lo.  The large form is scanned only when
 * its oldest value may be older than lo; it goes back into the group at
 * VC_SHRINK values, and halves when it is less than 1/8 full. */
static void vc_prune(struct gx *x, vg_time lo)
{
	struct vcset *v = &x->u.vc;
	if (!v->slots) {
		uint32_t o = 0;
		for (uint32_t i = 0; i < x->nvals; i++)
			if (v->f.inl[i].ts >= lo)
				v->f.inl[o++] = v->f.inl[i];
		x->nvals = o;
		return;
	}
	if (v->f.big.min_ts >= lo)
		return;
	struct vent *slots = v->slots;
	uint32_t cap = v->f.big.cap;
	vg_time mn = INT64_MAX;
	for (uint32_t i = 0; i < cap; i++) {
		/* a deletion may move a later entry into slot i: look again */
		while (slots[i].ts != VG_TIME_NONE && slots[i].ts < lo) {
			vset_del(slots, cap, i);
			x->nvals--;
		}
		if (slots[i].ts != VG_TIME_NONE && slots[i].ts < mn)
			mn = slots[i].ts;
	}
	v->f.big.min_ts = mn;
	if (x->nvals <= VC_SHRINK) {
		uint32_t o = 0;
		for (uint32_t i = 0; i < cap; i++)
			if (slots[i].ts != VG_TIME_NONE)
				v->f.inl[o++] = slots[i];
		free(slots);
		v->slots = NULL;
	} else if (cap > 8 && x->nvals < cap / 8) {
		(void)vset_rebuild(x, vset_cap_for(x->nvals * 2)); /* else keep it */
	}
}

/* The oldest time among x's values (dflt when none is older). */
static vg_time vc_min_ts(const struct gx *x, vg_time dflt)
{
	const struct vcset *v = &x->u.vc;
	const struct vent *e = v->slots ? v->slots : v->f.inl;
	uint32_t n = v->slots ? v->f.big.cap : x->nvals;
	vg_time mn = dflt;
	for (uint32_t i = 0; i < n; i++)
		if (e[i].ts != VG_TIME_NONE && e[i].ts < mn)
			mn = e[i].ts;
	return mn;
}

/* value_count: note value hash h at ts.  Sliding (eager) windows forget values
 * last seen before newest - timespan; fixed windows stop at corr->cap values.
 *
 * Values are told apart by a 64-bit hash of their bytes (vg_hash64, seeded), not
 * by copies: two distinct values of one group that share a hash count once.  For
 * values that are not chosen to collide, the chance that some pair among n
 * distinct values does is about n(n-1)/2^65 (n = 1,000: 3e-14 per window).
 * vg_hash64 is FNV-1a with a bijective finaliser, which is not collision
 * resistant: someone who controls the values can craft a colliding pair (about
 * 2^32 work), and so make two of them count as one. */
static bool vals_add(struct group *g, const struct vg_corr *corr, uint64_t h, vg_time ts)
{
	struct gx *x = GX(g);
	struct vent *e = vc_find(x, h);
	if (e) {
		if (ts > e->ts)
			e->ts = ts;
	} else if (!corr->eager && x->nvals >= corr->cap) {
		return true;
	} else if (!vc_insert(x, h, ts)) {
		return false;
	}
	if (corr->eager)
		vc_prune(x, slide_lo(g, corr));
	return true;
}

/* temporal: the per-rule counts after the times. */
static inline uint8_t *tl_counts(struct gx *x)
{
	return (uint8_t *)(x->u.tp.tl + x->u.tp.tlrefs * TL_MAX);
}

static inline const uint8_t *tl_counts_c(const struct gx *x)
{
	return (const uint8_t *)(x->u.tp.tl + x->u.tp.tlrefs * TL_MAX);
}

/* temporal_ordered, when a rule's list is full: keep, of every rule's times, those
 * a chain still to complete can use, as if hits came in time order (the ordered
 * mode's counting).  Such a chain can take, for each rule but the last, the latest
 * time of that rule at or before the next rule's time (a later time of rule i keeps
 * t(i-1) <= t(i) <= t(i+1) and, for rule 0, shortens the chain); the next rule's
 * time is one it keeps or one to come, and one to come is at or after every time
 * held.  So rule n-1 keeps its newest (a hit of the rules before it at that same
 * time may still come), and rule i its newest plus, for each time rule i+1 keeps,
 * its latest time at or before it: n - i times at most.  Keeping the newest
 * TL_MAX of each rule instead lost the one rule-0 time before a rule-1 hit once
 * TL_MAX later rule-0 hits came, and with it the sequence: more evidence, no
 * alert.  Times beyond TL_MAX (more than TL_MAX + 1 rules) go oldest first. */
static void tl_prune_ordered(struct gx *gg, size_t nr)
{
	uint8_t *tln = tl_counts(gg);
	const vg_time *next = NULL; /* rule i+1's kept times */
	size_t nnext = 0;
	for (size_t i = nr; i-- > 0;) {
		vg_time *l = gg->u.tp.tl + i * TL_MAX;
		size_t m = tln[i];
		vg_time keep[TL_MAX + 1]; /* nnext <= TL_MAX, plus the newest */
		size_t nk = 0, j = 0;
		for (size_t q = 0; q < nnext; q++) {
			while (j < m && l[j] <= next[q])
				j++;
			if (j && (!nk || keep[nk - 1] != l[j - 1]))
				keep[nk++] = l[j - 1];
		}
		if (m && (!nk || keep[nk - 1] != l[m - 1]))
			keep[nk++] = l[m - 1];
		size_t d = nk > TL_MAX ? nk - TL_MAX : 0;
		memcpy(l, keep + d, (nk - d) * sizeof(*l));
		tln[i] = (uint8_t)(nk - d);
		next = l;
		nnext = tln[i];
	}
}

/* temporal: add ts to rule kref's list of group g (sorted; when full, the times
 * that can no longer matter go first -- temporal_ordered: tl_prune_ordered -- then
 * the oldest). */
static bool tl_add(struct group *g, const struct vg_corr *corr, size_t kref, vg_time ts)
{
	struct gx *gg = GX(g);
	if (gg->u.tp.tlrefs != corr->nrefs) {
		/* the times, then the per-rule counts */
		size_t nt = corr->nrefs * TL_MAX;
		free(gg->u.tp.tl);
		gg->u.tp.tl = malloc(nt * sizeof(vg_time) + corr->nrefs);
		gg->u.tp.tlrefs = gg->u.tp.tl ? (uint32_t)corr->nrefs : 0;
		if (!gg->u.tp.tl)
			return false;
		memset(gg->u.tp.tl + nt, 0, corr->nrefs);
	}
	uint8_t *tln = tl_counts(gg);
	vg_time *l = gg->u.tp.tl + kref * TL_MAX;
	size_t n = tln[kref];
	if (n == TL_MAX && corr->type == VG_CORR_TEMPORAL_ORDERED) {
		tl_prune_ordered(gg, corr->nrefs);
		n = tln[kref];
	}
	if (n == TL_MAX) {
		if (ts <= l[0])
			return true;
		memmove(l, l + 1, (TL_MAX - 1) * sizeof(vg_time));
		n--;
	}
	size_t pos = n;
	while (pos > 0 && l[pos - 1] > ts) {
		l[pos] = l[pos - 1];
		pos--;
	}
	l[pos] = ts;
	tln[kref] = (uint8_t)(n + 1);
	/* forget times that can no longer share a window with the newest */
	vg_time lo = slide_lo(g, corr);
	for (size_t r = 0; r < corr->nrefs; r++) {
		vg_time *x = gg->u.tp.tl + r * TL_MAX;
		size_t m = tln[r], d = 0;
		while (d < m && x[d] < lo)
			d++;
		if (d) {
			memmove(x, x + d, (m - d) * sizeof(vg_time));
			tln[r] = (uint8_t)(m - d);
		}
	}
	return true;
}

/* temporal: is there a window of timespan holding times of `need` different rules
 * (ordered: every rule, each at or after the previous one)?  *first / *last get
 * the window found. */
static bool tl_check(const struct group *g, const struct vg_corr *corr, vg_time *first,
                     vg_time *last)
{
	const struct gx *gg = GXC(g);
	const uint8_t *tln = tl_counts_c(gg);
	size_t nr = corr->nrefs;
	if (corr->type == VG_CORR_TEMPORAL_ORDERED) {
		const vg_time *l0 = gg->u.tp.tl;
		/* the latest start gives the shortest chain */
		for (size_t i = tln[0]; i-- > 0;) {
			vg_time t0 = l0[i], prev = t0;
			bool ok = true;
			for (size_t r = 1; r < nr && ok; r++) {
				const vg_time *x = gg->u.tp.tl + r * TL_MAX;
				size_t m = tln[r], j = 0;
				while (j < m && x[j] < prev)
					j++;
				ok = j < m && x[j] - t0 <= corr->timespan;
				if (ok)
					prev = x[j];
			}
			if (ok) {
				*first = t0;
				*last = prev;
				return true;
			}
		}
		return false;
	}
	for (size_t r0 = 0; r0 < nr; r0++)
		for (size_t i = 0; i < tln[r0]; i++) {
			vg_time t = gg->u.tp.tl[r0 * TL_MAX + i], hi = t;
			uint64_t have = 0;
			for (size_t r = 0; r < nr; r++) {
				const vg_time *x = gg->u.tp.tl + r * TL_MAX;
				for (size_t j = 0; j < tln[r]; j++)
					if (x[j] >= t && x[j] - t <= corr->timespan) {
						have++;
						if (x[j] > hi)
							hi = x[j];
						break;
					}
			}
			if (have >= corr->need) {
				*first = t;
				*last = hi;
				return true;
			}
		}
	return false;
}

/* Count one hit of referenced rule number kref for correlation k. */
static void count_hit(struct vg_correlator *c, uint32_t k, size_t kref,
                      const struct vg_event *ev, const char *itopic, vg_alert_fn fn,
                      void *fn_ctx)
{
	const struct vg_corr *corr = c->rules[k].rule->corr;
	const vg_field *gf = corr->ref_group ? corr->ref_group[kref] : corr->group_by;
	if (!build_key(c, corr, gf, ev))
		return; /* no value to group by: the event cannot join a group */
	const char *key = c->key.data ? c->key.data : "";
	size_t keylen = c->key.len;
	if (c->key.oom)
		return;
	if (c->nmarks && vg_corr_mark_consumed(c, k, key, keylen, itopic, ev))
		return; /* consumed by an alert before the restart */
	const struct vg_value *fv = NULL;
	double num = 0;
	if (corr->field_name) {
		fv = vg_event_get(ev, corr->ref_field[kref]);
		if (!fv || fv->kind == VG_VK_NULL)
			return; /* value_* types aggregate the field: no value, no part */
		if (corr->type == VG_CORR_VALUE_SUM || corr->type == VG_CORR_VALUE_AVG) {
			char buf[64];
			if (fv->len >= sizeof(buf))
				return;
			memcpy(buf, fv->ptr, fv->len);
			buf[fv->len] = '\0';
			/* a decimal number only: a "nan" would make the whole
			 * window's sum NaN (no bound ever held), an "inf" would
			 * fire the window alone */
			if (!vg_parse_double(buf, &num))
				return; /* not a number: counted nowhere */
		}
	}
	uint64_t h = vg_hash64(key, keylen, k);
	bool fresh;
	struct group *g = group_get(c, k, h, key, keylen, &fresh);
	if (!g)
		return;
	/* the partition exists: the event (or the alert it stands for) came in
	 * through it */
	struct partition *pt = vg_corr_part(c, itopic, ev->src.partition, false);
	if (!pt) {
		if (fresh) /* nothing in it, and no deadline to place it by */
			group_remove(c, g);
		return;
	}
	struct evref ref = mkref(ev->ts, (uint32_t)(pt - c->parts), ev->src.offset);
	struct rstate *r = &c->rules[k];
	if (corr->type == VG_CORR_EVENT_COUNT && corr->eager) {
		if (!ring_add(g, corr, ref)) {
			group_remove(c, g);
			return;
		}
		place(r, g); /* by its deadline: the most recently touched goes last */
		if (RX(g)->rlen >= corr->need)
			fire_eager(c, g, gf, ev, fn, fn_ctx);
		return;
	}
	if (r->kind == G_SLIDING) {
		/* value_count (lower bound) and temporal: sliding windows; a temporal
		 * kind is fed an event once per rule it hits (value_count once) */
		bool again = corr->type != VG_CORR_VALUE_COUNT && added_before(c, r, g);
		if (!again && !window_add(c, g, corr, ref, true)) {
			group_remove(c, g);
			return;
		}
		g->deadline = g->newest_ts + corr->timespan;
		place(r, g);
		vg_time first = g->first_ts, last = g->newest_ts;
		bool fire;
		if (corr->type == VG_CORR_VALUE_COUNT) {
			uint64_t vh = vg_hash64(fv->ptr, fv->len, 0x5eed);
			if (!vals_add(g, corr, vh, ev->ts)) {
				group_remove(c, g);
				return;
			}
			fire = GX(g)->nvals >= corr->need;
			if (fire)
				first = vc_min_ts(GX(g), last);
		} else {
			if (!tl_add(g, corr, kref, ev->ts)) {
				group_remove(c, g);
				return;
			}
			fire = tl_check(g, corr, &first, &last);
		}
		if (fire) {
			/* the alert lists and counts the events in the window */
			slide_forget(g, slide_lo(g, corr));
			snapshot_f(c, corr, gf, ev, &c->snap);
			emit_gx(c, g, first, last, g->count, &c->snap, ev, fn, fn_ctx);
			group_remove(c, g);
		}
		return;
	}
	if (corr->type == VG_CORR_ABSENCE) {
		/* the expected window of a trigger at t: after [t, t + span], before
		 * [t - span, t], around [t - span, t + span]; the group remembers the
		 * oldest and newest expected times seen (exp_lo in first_ts) */
		vg_time span = corr->timespan;
		vg_time lo_off = corr->expect == 0 ? 0 : span;
		vg_time hi_off = corr->expect == 1 ? 0 : span;
		/* how long a group holding only expected times keeps them past the
		 * newest */
		vg_time keep = span + lo_off;
		if (kref == 0) {
			vg_time trig = GX(g)->u.ab.trig;
			if (trig != VG_TIME_NONE && trig <= ev->ts) {
				if (ev->ts <= trig + hi_off)
					return; /* a window is already waiting */
				/* that window ended before this trigger, and its close
				 * is still to come (the group waits behind another on
				 * the rule's list, or for the watermark): close it now,
				 * as a fixed window closes when an event of its group
				 * arrives after its end, then open this trigger's --
				 * the expected times seen stay with the group */
				vg_time exp_lo = g->first_ts, exp_hi = GX(g)->u.ab.exp_ts;
				close_window(c, g, fn, fn_ctx);
				g = group_get(c, k, h, key, keylen, &fresh);
				if (!g)
					return;
				g->first_ts = exp_lo;
				GX(g)->u.ab.exp_ts = exp_hi;
			}
			vg_time lo = ev->ts - lo_off, hi = ev->ts + hi_off;
			if (GX(g)->u.ab.exp_ts != VG_TIME_NONE &&
			    ((GX(g)->u.ab.exp_ts >= lo && GX(g)->u.ab.exp_ts <= hi) ||
			     (g->first_ts >= lo && g->first_ts <= hi))) {
				/* an expected event is in the window; a group opened
				 * again above keeps the expected times as an
				 * expected-only group does */
				if (g->deadline == VG_TIME_NONE) {
					g->deadline = GX(g)->u.ab.exp_ts + keep;
					place(r, g);
				}
				return;
			}
			vg_time exp_lo = g->first_ts, exp_hi = GX(g)->u.ab.exp_ts;
			GX(g)->nevs = 0;
			if (GX(g)->eb)
				GX(g)->eb->npexts = 0;
			g->count = 0;
			if (!window_add(c, g, corr, ref, false)) {
				group_remove(c, g);
				return;
			}
			GX(g)->u.ab.trig = ev->ts;
			g->first_ts = exp_lo;
			GX(g)->u.ab.exp_ts = exp_hi;
			g->deadline = hi;
			place(r, g);
			snapshot_f(c, corr, gf, ev, &c->snap);
			snap_store(SNAP(g), &c->snap);
			return;
		}
		if (GX(g)->u.ab.trig != VG_TIME_NONE &&
		    ev->ts >= GX(g)->u.ab.trig - lo_off &&
		    ev->ts <= GX(g)->u.ab.trig + hi_off) {
			group_remove(c, g); /* arrived in time */
			return;
		}
		if (GX(g)->u.ab.exp_ts == VG_TIME_NONE || ev->ts > GX(g)->u.ab.exp_ts)
			GX(g)->u.ab.exp_ts = ev->ts;
		if (g->first_ts == VG_TIME_NONE || ev->ts < g->first_ts)
			g->first_ts = ev->ts;
		/* touched: eviction takes the least recently touched group, and
		 * one holding an expected event is what stops a false absence */
		if (ev->ts > g->newest_ts)
			g->newest_ts = ev->ts;
		if (GX(g)->u.ab.trig == VG_TIME_NONE &&
		    g->deadline != GX(g)->u.ab.exp_ts + keep) {
			g->deadline = GX(g)->u.ab.exp_ts + keep;
			place(r, g);
		}
		return;
	}
	if (!fresh && ev->ts > g->deadline) {
		/* the window ended before this event: close it, open a new one */
		close_window(c, g, fn, fn_ctx);
		g = group_get(c, k, h, key, keylen, &fresh);
		if (!g)
			return;
	}
	vg_time deadline = g->deadline;
	if (!window_add(c, g, corr, ref, false)) {
		group_remove(c, g);
		return;
	}
	if (g->deadline != deadline) /* a window opened */
		place(r, g);
	if (corr->type == VG_CORR_VALUE_COUNT &&
	    !vals_add(g, corr, vg_hash64(fv->ptr, fv->len, 0x5eed), ev->ts)) {
		group_remove(c, g);
		return;
	}
	if (corr->type == VG_CORR_VALUE_SUM || corr->type == VG_CORR_VALUE_AVG)
		GX(g)->u.sum += num;
	snapshot_f(c, corr, gf, ev, &c->snap);
	snap_store(SNAP(g), &c->snap);
}

/* Feed one detection or correlation hit to the correlations consuming rule. */
void vg_corr_feed_consumers(struct vg_correlator *c, const struct vg_rule *rule,
                            const struct vg_event *ev, const char *itopic, vg_alert_fn fn,
                            void *fn_ctx)
{
	for (size_t j = 0; j < rule->nconsumers; j++) {
		const struct vg_corr *corr = c->rs->rules[rule->consumers[j]]->corr;
		uint32_t k = (uint32_t)corr->ncorr_index;
		bool per_ref = corr->type == VG_CORR_TEMPORAL ||
		               corr->type == VG_CORR_TEMPORAL_ORDERED ||
		               corr->type == VG_CORR_ABSENCE;
		if (!per_ref) {
			if (c->rules[k].stamp == c->stamp)
				continue; /* one event counts once per correlation */
			c->rules[k].stamp = c->stamp;
		}
		for (size_t kref = 0; kref < corr->nrefs; kref++)
			if (corr->ref_idx[kref] == rule->index) {
				count_hit(c, k, kref, ev, itopic, fn, fn_ctx);
				if (!per_ref)
					break;
			}
	}
}

/* Feed queued correlation alerts to the correlations that consume them. */
void vg_corr_drain_chained(struct vg_correlator *c, vg_alert_fn fn, void *fn_ctx)
{
	if (c->draining || !c->npending)
		return;
	c->draining = true;
	for (size_t i = 0; i < c->npending; i++) {
		struct chained ch = c->pending[i];
		c->stamp++;
		c->counting = ch.at;
		vg_corr_feed_consumers(c, ch.rule, ch.ev, ch.ev->src.topic, fn, fn_ctx);
	}
	c->npending = 0;
	vg_arena_reset(c->arena);
	c->draining = false;
}

/* ------------------------------------------------------- ordered mode */

void vg_correlator_feed(struct vg_correlator *c, const struct vg_event *ev,
                        const struct vg_rule *const *hits, size_t nhits, vg_alert_fn fn,
                        void *fn_ctx)
{
	if (!c || !ev)
		return;
	c->stats.events++;
	c->stats.hits += nhits;
	c->stamp++;
	const char *itopic = vg_corr_intern_topic(c, ev->src.topic);
	struct partition *p = vg_corr_part(c, itopic, ev->src.partition, true);
	if (p && ev->src.offset > p->max_offset)
		p->max_offset = ev->src.offset;
	bool late =
	    ev->ts == VG_TIME_NONE || (p && p->wm != VG_TIME_NONE && ev->ts < p->wm);
	if (p && !late && (p->max_ts == VG_TIME_NONE || ev->ts > p->max_ts)) {
		vg_time old = p->wm;
		p->max_ts = ev->ts;
		p->wm = ev->ts - c->conf.allowed_lateness;
		if (old == c->low_wm || c->low_wm == VG_TIME_NONE)
			recompute_low(c);
		if (!c->conf.ordered)
			expire(c, fn, fn_ctx);
	}
	if (late)
		c->stats.late_events++;
	const struct vg_rule *consumed[64];
	size_t nconsumed = 0;
	for (size_t i = 0; i < nhits; i++) {
		const struct vg_rule *rule = hits[i];
		if (!rule || rule->is_correlation)
			continue;
		if (rule->standalone)
			emit_standalone(c, rule, ev, itopic, fn, fn_ctx);
		if (late || !rule->nconsumers)
			continue;
		if (c->conf.ordered && p &&
		    nconsumed < sizeof(consumed) / sizeof(*consumed)) {
			consumed[nconsumed++] = rule;
		} else {
			c->counting = (struct vg_fire_pos){ev->ts, ev->src.partition,
			                                   ev->src.offset};
			vg_corr_feed_consumers(c, rule, ev, itopic, fn, fn_ctx);
		}
	}
	if (nconsumed)
		vg_corr_hold_hit(c, ev, p, consumed, nconsumed, itopic, fn, fn_ctx);
	vg_corr_drain_chained(c, fn, fn_ctx);
	c->stats.open_groups = c->ngroups;
}

void vg_correlator_advance(struct vg_correlator *c, const char *topic, int32_t partition,
                           vg_time watermark, vg_alert_fn fn, void *fn_ctx)
{
	if (!c)
		return;
	const char *itopic = vg_corr_intern_topic(c, topic);
	struct partition *p = vg_corr_part(c, itopic, partition, true);
	if (!p)
		return;
	if (p->wm == VG_TIME_NONE || watermark > p->wm) {
		p->wm = watermark;
		if (p->max_ts == VG_TIME_NONE ||
		    watermark + c->conf.allowed_lateness > p->max_ts)
			p->max_ts = watermark + c->conf.allowed_lateness;
		recompute_low(c);
		if (!c->conf.ordered)
			expire(c, fn, fn_ctx);
	}
	vg_corr_drain_chained(c, fn, fn_ctx);
	c->stats.open_groups = c->ngroups;
}

/* The smallest offset in partition pidx among g's events (of rule state r) into
 * *lo, if smaller; a sliding group's events that left its window do not count. */
static void group_min_offset(const struct rstate *r, const struct group *g, size_t pidx,
                             int64_t *lo, bool *found)
{
	const struct evref *refs;
	size_t head = 0, n, cap;
	vg_time since = INT64_MIN;
	if (r->kind == G_RING) {
		const struct ringx *x = RXC(g);
		refs = ring_of(g);
		head = x->rhead;
		n = x->rlen;
		cap = x->rcap;
	} else {
		if (r->kind == G_SLIDING)
			since = slide_lo(g, r->rule->corr);
		const struct gx *x = GXC(g);
		if (x->eb && x->eb->npexts) {
			for (size_t i = 0; i < x->eb->npexts; i++) {
				const struct pext *e = &x->eb->pexts[i];
				if (e->pidx == pidx && e->hi_ts >= since &&
				    e->min_off < *lo) {
					*lo = e->min_off;
					*found = true;
				}
			}
			return;
		}
		/* every event is kept: the extents follow from them */
		refs = evs_of(x);
		n = cap = x->nevs;
	}
	for (size_t i = 0; i < n; i++) {
		const struct evref *e = &refs[(head + i) % cap];
		if (ref_pidx(e) == pidx && e->ts >= since && ref_off(e) < *lo) {
			*lo = ref_off(e);
			*found = true;
		}
	}
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
	size_t pidx;
	for (pidx = 0; pidx < c->nparts; pidx++)
		if (c->parts[pidx].topic == it && c->parts[pidx].partition == partition)
			break;
	if (pidx == c->nparts)
		return false;
	int64_t held;
	if (vg_minset_least(&c->parts[pidx].held_offs, &held)) {
		lo = held;
		found = true;
	}
	for (size_t k = 0; k < c->nrules; k++) {
		const struct rstate *r = &c->rules[k];
		for (const struct group *g = r->head; g; g = g->next)
			group_min_offset(r, g, pidx, &lo, &found);
		for (uint32_t i = 0; i < r->nheap; i++)
			group_min_offset(r, r->heap[i], pidx, &lo, &found);
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
	out->marks = c->nmarks;
	out->held_hits = c->nheld;
}
