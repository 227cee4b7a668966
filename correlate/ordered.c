/*
 * ordered.c - the correlator's ordered mode (conf.ordered, the pipeline's): the
 * hits correlations consume are held (struct held_hit: the rules they hit and the
 * values of the fields counting reads, kept_fields) and counted in (time,
 * partition, offset, values, topic) order once the caller's release point passes
 * them (vg_correlator_release), closing before each the windows that end before
 * its time; conf.max_held_hits bounds them.  An alert of a chained correlation
 * given back after a restart (vg_correlator_restore_chained) is held the same way,
 * at its fire position.
 */
#include "correlator_int.h"

#include <stdlib.h>
#include <string.h>

/* Ordered mode: a hit that correlations consume, held until the release point
 * passes it.  One allocation: this header, the rules it hit (nrules pointers),
 * then its values of the fields correlation reads (c->kept), each an int32 field
 * id, a kind byte, a uint32 length and the bytes. */
struct held_hit {
	vg_time ts;
	const char *topic; /* interned */
	int32_t partition;
	uint32_t pidx; /* the partition's index in c->parts */
	int64_t offset;
	uint64_t tie; /* hash of the values: orders equal positions of two inputs */
	uint16_t nrules;
	/* a correlation's alert given back after a restart (restore_chained): one
	 * rule, the correlation; (ts, partition, offset) is its fire position, and a
	 * struct held_src after the rules is where its event stands */
	uint16_t chained;
	uint32_t len; /* bytes of values */
};
#define HELD_VAL_HDR 9 /* field id, kind, length */

/* A restored chained hit's event: its time and the offset of the alert's newest
 * event (in partition pidx of the held hit). */
struct held_src {
	vg_time ts;
	int64_t offset;
};

static inline const struct vg_rule **held_rules(struct held_hit *h)
{
	return (const struct vg_rule **)(h + 1);
}

static inline struct held_src *held_src(struct held_hit *h)
{
	return (struct held_src *)(held_rules(h) + h->nrules);
}

static inline const char *held_vals(struct held_hit *h)
{
	return (const char *)(held_rules(h) + h->nrules) +
	       (h->chained ? sizeof(struct held_src) : 0);
}

static bool kept_add(struct vg_correlator *c, size_t *cap, vg_field f)
{
	if (f == VG_FIELD_NONE || f < 0)
		return true;
	for (size_t i = 0; i < c->nkept; i++)
		if (c->kept[i] == f)
			return true;
	vg_field *nk = vg_grow(c->kept, cap, c->nkept + 1, sizeof(*nk));
	if (!nk)
		return false;
	c->kept = nk;
	c->kept[c->nkept++] = f;
	return true;
}

/* Ordered mode: every field a held hit's counting can read -- the group-by fields
 * of every correlation (per referenced rule), their value fields, and the entity
 * fields an alert reports (snapshot_f).  @return false when out of memory. */
bool vg_corr_kept_fields(struct vg_correlator *c)
{
	size_t cap = 0;
	bool ok = true;
	for (size_t k = 0; k < c->nrules; k++) {
		const struct vg_corr *corr = c->rules[k].rule->corr;
		for (size_t i = 0; i < corr->ngroup; i++)
			ok = ok && kept_add(c, &cap, corr->group_by[i]);
		for (size_t r = 0; r < corr->nrefs; r++) {
			for (size_t i = 0; corr->ref_group && i < corr->ngroup; i++)
				ok = ok && kept_add(c, &cap, corr->ref_group[r][i]);
			if (corr->field_name && corr->ref_field)
				ok = ok && kept_add(c, &cap, corr->ref_field[r]);
		}
	}
	for (size_t i = 0; i < c->nentity; i++)
		ok = ok && kept_add(c, &cap, c->entity[i]);
	return ok;
}

/* Event-time order of held hits: time, then position (partition, offset), an
 * alert given back after the hits at its position, then their values and, last,
 * the topic's name, so that two inputs whose records sit at equal positions are
 * ordered by what they say before what they are called. */
static int cmp_held_hit(const void *x, const void *y)
{
	const struct held_hit *a = *(struct held_hit *const *)x;
	const struct held_hit *b = *(struct held_hit *const *)y;
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	if (a->partition != b->partition)
		return a->partition < b->partition ? -1 : 1;
	if (a->offset != b->offset)
		return a->offset < b->offset ? -1 : 1;
	/* an alert given back after the hit that fired it, as it was fed then */
	if (a->chained != b->chained)
		return a->chained ? 1 : -1;
	if (a->tie != b->tie)
		return a->tie < b->tie ? -1 : 1;
	return strcmp(a->topic ? a->topic : "", b->topic ? b->topic : "");
}

/* Where windows may close while held hits are counted: not past the lowest
 * watermark of the partitions fed, the release point given, nor the time of the
 * next hit still held (its window may still be open); VG_TIME_NONE (nowhere) while
 * a partition fed has no watermark yet. */
static vg_time close_point(const struct vg_correlator *c, vg_time upto)
{
	vg_time at = c->low_wm;
	if (upto != VG_TIME_NONE && upto < at)
		at = upto;
	if (c->nheld && c->held[0]->ts < at)
		at = c->held[0]->ts;
	return at;
}

/* Count the first held hit: its event is rebuilt from the kept values, the windows
 * ending before it close, then it is fed to its consumers as vg_correlator_feed's
 * unordered mode would. */
static void count_first(struct vg_correlator *c, vg_time upto, vg_alert_fn fn,
                        void *fn_ctx)
{
	vg_heap_pop(c->held, c->nheld, sizeof(*c->held), cmp_held_hit);
	struct held_hit *h = c->held[--c->nheld];
	const struct held_src *hs = h->chained ? held_src(h) : NULL;
	struct partition *pt = &c->parts[h->pidx];
	(void)vg_minset_remove(&pt->held_offs, hs ? hs->offset : h->offset);
	struct vg_event *ev = vg_event_new(c->rel_arena);
	if (ev) {
		const char *v = held_vals(h), *end = v + h->len;
		while (v + HELD_VAL_HDR <= end) {
			int32_t f;
			uint32_t len;
			memcpy(&f, v, 4);
			memcpy(&len, v + 5, 4);
			(void)vg_event_set(ev, f, v + HELD_VAL_HDR, len,
			                   (enum vg_value_kind)(uint8_t)v[4]);
			v += HELD_VAL_HDR + len;
		}
		ev->ts = hs ? hs->ts : h->ts;
		ev->src = (struct vg_source){h->topic, pt->partition,
		                             hs ? hs->offset : h->offset};
		if (!hs && h->offset > pt->counted_off)
			pt->counted_off = h->offset;
		/* no release point yet (a hit counted early): nothing closes */
		vg_time at = upto == VG_TIME_NONE ? VG_TIME_NONE : close_point(c, upto);
		if (at != VG_TIME_NONE && at > h->ts)
			at = h->ts;
		/* an alert given back of a window that fired as it closed: counted, as
		 * it was (expire_at), once every window ending at its end closed */
		if (hs && h->partition == INT32_MAX && at == h->ts && upto > h->ts &&
		    c->low_wm > h->ts)
			at = h->ts + 1;
		vg_corr_expire_at(c, at, fn, fn_ctx);
		vg_corr_drain_chained(c, fn, fn_ctx);
		c->stamp++;
		c->counting = (struct vg_fire_pos){h->ts, h->partition, h->offset};
		for (uint32_t i = 0; i < h->nrules; i++)
			vg_corr_feed_consumers(c, held_rules(h)[i], ev, h->topic, fn,
			                       fn_ctx);
		vg_corr_drain_chained(c, fn, fn_ctx);
	}
	vg_arena_reset(c->rel_arena);
	free(h);
}

/* Append one value to b as held_hit keeps it: field id, kind, length, bytes. */
static void hold_value(struct vg_buf *b, vg_field f, uint8_t kind, const char *ptr,
                       uint32_t len)
{
	int32_t f32 = f;
	vg_buf_append(b, &f32, 4);
	vg_buf_append(b, &kind, 1);
	vg_buf_append(b, &len, 4);
	vg_buf_append(b, ptr ? ptr : "", len);
}

/* A held hit of partition pt at offset with room for nrules rules (and, chained, a
 * struct held_src) and the values in c->hold, copied in; its heap slot reserved and
 * its offset held.  The caller sets its position and rules, then held_push.
 * @return NULL when out of memory (nothing held). */
static struct held_hit *held_new(struct vg_correlator *c, struct partition *pt,
                                 int64_t offset, size_t nrules, bool chained)
{
	const struct vg_buf *b = &c->hold;
	size_t extra =
	    nrules * sizeof(struct vg_rule *) + (chained ? sizeof(struct held_src) : 0);
	struct held_hit *h = b->oom ? NULL : malloc(sizeof(*h) + extra + b->len);
	struct held_hit **nh =
	    h ? vg_grow(c->held, &c->heldcap, c->nheld + 1, sizeof(*nh)) : NULL;
	if (nh)
		c->held = nh;
	if (!nh || !vg_minset_add(&pt->held_offs, offset)) {
		free(h);
		return NULL;
	}
	*h = (struct held_hit){.topic = pt->topic,
	                       .pidx = (uint32_t)(pt - c->parts),
	                       .tie = vg_hash64(b->data ? b->data : "", b->len, 0),
	                       .nrules = (uint16_t)nrules,
	                       .chained = chained,
	                       .len = (uint32_t)b->len};
	if (b->len)
		memcpy((char *)held_vals(h), b->data, b->len);
	return h;
}

static void held_push(struct vg_correlator *c, struct held_hit *h)
{
	c->held[c->nheld] = h;
	vg_heap_push(c->held, c->nheld++, sizeof(*c->held), cmp_held_hit);
}

/* Hold a hit's consumed rules with the kept values of ev (ordered mode).  Out of
 * memory the hit is counted at once, out of order. */
void vg_corr_hold_hit(struct vg_correlator *c, const struct vg_event *ev,
                      struct partition *pt, const struct vg_rule **rules, size_t nrules,
                      const char *itopic, vg_alert_fn fn, void *fn_ctx)
{
	vg_buf_reset(&c->hold);
	for (size_t i = 0; i < c->nkept; i++) {
		const struct vg_value *v = vg_event_get(ev, c->kept[i]);
		if (v)
			hold_value(&c->hold, c->kept[i], (uint8_t)v->kind, v->ptr,
			           v->len);
	}
	struct held_hit *h = held_new(c, pt, ev->src.offset, nrules, false);
	if (!h) {
		c->stamp++;
		c->counting =
		    (struct vg_fire_pos){ev->ts, ev->src.partition, ev->src.offset};
		for (size_t i = 0; i < nrules; i++)
			vg_corr_feed_consumers(c, rules[i], ev, itopic, fn, fn_ctx);
		vg_corr_drain_chained(c, fn, fn_ctx);
		return;
	}
	h->ts = ev->ts;
	h->partition = ev->src.partition;
	h->offset = ev->src.offset;
	memcpy(held_rules(h), rules, nrules * sizeof(*rules));
	held_push(c, h);
	while (c->nheld > c->conf.max_held_hits) {
		c->stats.hits_released_early++;
		count_first(c, c->released_to, fn, fn_ctx);
	}
}

vg_err vg_correlator_restore_chained(struct vg_correlator *c, const char *rule_id,
                                     const struct vg_kv *chain, size_t nchain, vg_time ts,
                                     const struct vg_source *src,
                                     const struct vg_fire_pos *at)
{
	if (!c || !rule_id || (nchain && !chain) || !src || !src->topic || !at)
		return VG_ERR_INVALID;
	if (!c->conf.ordered)
		return VG_ERR_INVALID;
	const struct vg_rule *rule = vg_ruleset_find(c->rs, rule_id);
	if (!rule || !rule->corr || !rule->nconsumers)
		return VG_ERR_NOTFOUND;
	const char *itopic = vg_corr_intern_topic(c, src->topic);
	struct partition *pt =
	    itopic ? vg_corr_part(c, itopic, src->partition, false) : NULL;
	if (!pt)
		return VG_ERR_NOMEM;
	/* the values counting reads, as held_hit keeps them (hold_hit) */
	vg_buf_reset(&c->hold);
	for (size_t i = 0; i < nchain; i++) {
		if (!chain[i].name || !chain[i].value)
			return VG_ERR_INVALID;
		vg_field f = vg_field_lookup(chain[i].name, strlen(chain[i].name));
		bool kept = false;
		for (size_t j = 0; j < c->nkept && !kept && f != VG_FIELD_NONE; j++)
			kept = c->kept[j] == f;
		if (kept)
			hold_value(&c->hold, f, VG_VK_STR, chain[i].value,
			           (uint32_t)strlen(chain[i].value));
	}
	struct held_hit *h = held_new(c, pt, src->offset, 1, true);
	if (!h)
		return VG_ERR_NOMEM;
	h->ts = at->ts;
	h->partition = at->partition;
	h->offset = at->offset;
	held_rules(h)[0] = rule;
	*held_src(h) = (struct held_src){ts, src->offset};
	held_push(c, h);
	c->stats.chained_restored++;
	return VG_OK;
}

void vg_correlator_release(struct vg_correlator *c, vg_time upto, vg_alert_fn fn,
                           void *fn_ctx)
{
	if (!c || !c->conf.ordered || upto == VG_TIME_NONE)
		return;
	if (c->released_to == VG_TIME_NONE || upto > c->released_to)
		c->released_to = upto;
	while (c->nheld && (upto == VG_CORRELATOR_RELEASE_ALL || c->held[0]->ts < upto))
		count_first(c, upto, fn, fn_ctx);
	vg_corr_expire_at(c, close_point(c, upto), fn, fn_ctx);
	vg_corr_drain_chained(c, fn, fn_ctx);
	c->stats.open_groups = c->ngroups;
}
