/*
 * marks.c - the correlator's restart marks (correlate/CORRELATION.md, "Restart").
 *
 * A mark says that an alert of (correlation, group) consumed the events of a
 * partition up to an offset -- or, from the ordered mode, every hit at or before
 * its fire position in counting order, from any partition -- so that events read
 * again after a restart do not count twice (vg_corr_mark_consumed, asked by
 * count_hit).  The caller restores them from its store
 * (vg_correlator_restore_mark); vg_correlator_sweep_marks forgets those their
 * partition has gone past.
 */
#include "correlator_int.h"

#include <stdlib.h>
#include <string.h>

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

/* Is a fire position a at or before b in counting order? */
static bool fire_le(const struct vg_fire_pos *a, const struct vg_fire_pos *b)
{
	if (a->ts != b->ts)
		return a->ts < b->ts;
	if (a->partition != b->partition)
		return a->partition < b->partition;
	return a->offset <= b->offset;
}

/* Was ev, a re-read hit of (corr, key), consumed by an alert before the restart?
 * A mark with a fire position (ordered mode) says so for every hit at or before it
 * in counting order (where ev is counted: c->counting), from any partition; one
 * without, for the hits of its own partition at or before its offset. */
bool vg_corr_mark_consumed(const struct vg_correlator *c, uint32_t corr, const char *key,
                           size_t keylen, const char *topic, const struct vg_event *ev)
{
	uint64_t h = mark_hash(corr, key, keylen);
	const struct vg_fire_pos at =
	    c->conf.ordered
	        ? c->counting
	        : (struct vg_fire_pos){ev->ts, ev->src.partition, ev->src.offset};
	for (const struct mark *m = c->marks[h & (c->nmark_buckets - 1)]; m;
	     m = m->next) {
		if (m->hash != h || m->corr != corr || strcmp(m->key, key) != 0)
			continue;
		if (m->has_fire
		        ? fire_le(&at, &m->fire)
		        : m->topic == topic && m->partition == ev->src.partition &&
		              ev->src.offset <= m->offset)
			return true;
	}
	return false;
}

vg_err vg_correlator_restore_mark(struct vg_correlator *c, const char *rule_id,
                                  const char *group_key, const char *topic,
                                  int32_t partition, int64_t offset,
                                  const struct vg_fire_pos *fire)
{
	if (!c || !rule_id || !group_key)
		return VG_ERR_INVALID;
	const struct vg_rule *rule = vg_ruleset_find(c->rs, rule_id);
	if (!rule || !rule->corr)
		return VG_ERR_NOTFOUND;
	uint32_t k = (uint32_t)rule->corr->ncorr_index;
	const char *it = topic ? vg_corr_intern_topic(c, topic) : NULL;
	if (topic && !it)
		return VG_ERR_NOMEM;
	uint64_t h = mark_hash(k, group_key, strlen(group_key));
	struct mark *m = (struct mark *)mark_find(c, k, h, group_key, it, partition);
	if (m) {
		if (offset > m->offset)
			m->offset = offset;
		if (fire && (!m->has_fire || fire_le(&m->fire, fire))) {
			m->has_fire = true;
			m->fire = *fire;
		}
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
	m->has_fire = fire != NULL;
	if (fire)
		m->fire = *fire;
	m->next = c->marks[h & (c->nmark_buckets - 1)];
	c->marks[h & (c->nmark_buckets - 1)] = m;
	c->nmarks++;
	return VG_OK;
}

size_t vg_correlator_sweep_marks(struct vg_correlator *c)
{
	size_t dropped = 0;
	if (!c || !c->nmarks)
		return 0;
	for (size_t b = 0; b < c->nmark_buckets; b++)
		for (struct mark **pm = &c->marks[b]; *pm;) {
			struct mark *m = *pm;
			const struct partition *part = NULL;
			for (size_t i = 0; i < c->nparts && !part; i++)
				if (c->parts[i].topic == m->topic &&
				    c->parts[i].partition == m->partition)
					part = &c->parts[i];
			/* a held hit at or before it is yet to be counted (ordered) */
			int64_t held;
			if (!part || part->max_offset < m->offset ||
			    (vg_minset_least(&part->held_offs, &held) &&
			     held <= m->offset)) {
				pm = &m->next;
				continue;
			}
			*pm =
			    m->next; /* its partition went past it: never applies again */
			free(m->key);
			free(m);
			c->nmarks--;
			dropped++;
		}
	return dropped;
}
