/*
 * value_cache.c - a per-thread cache of field values and the literal ids the
 * prefilter's scan found in each (correlate/prefilter.c, vg_prefilter_scan).
 *
 * Keyed by (owner: the prefilter, its field matcher, the value's hash) and the
 * value's bytes, compared whole, so a hit gives exactly what a scan of that value
 * would, and no crafted value can borrow another's result.  Bounded: a fixed
 * number of entries and a ring of CACHE_RING data bytes per entry; nothing is
 * allocated after vg_pfcache_new.
 */
#include "correlate_int.h"

#include <stdlib.h>
#include <string.h>

/* A field value (as in the event: literals are matched on its folded copy, which
 * the raw bytes determine) and the scanned literals of its field that it holds.
 * Entries sit in sets of CACHE_WAYS (the least recently used is replaced); their
 * data -- the literal ids, then the value -- in a ring of CACHE_RING bytes per
 * entry, written in turn: an entry whose data has been overwritten since is stale.
 * The value is stored and compared whole, so a hit replays exactly what the scan
 * would produce (the scan is a function of the value and the prefilter) and no
 * crafted value can borrow another's result. */
#define CACHE_WAYS 4
#define CACHE_RING 256 /* ring bytes per entry */
struct vg_pfcache_slot {
	const void *owner; /* NULL: empty */
	uint64_t h;
	uint64_t pos;  /* of its data in the ring (monotonic) */
	uint32_t fm;   /* the owner's field (matcher index) */
	uint32_t used; /* cache clock at the last hit or fill */
	uint32_t len, nlits;
};

struct vg_pfcache {
	struct vg_pfcache_slot *e; /* (mask + 1) sets of CACHE_WAYS */
	size_t mask;
	uint32_t clock;
	uint8_t *ring;
	size_t rsize;  /* power of two */
	uint64_t wpos; /* bytes written to the ring so far */
};

void vg_pfcache_free(struct vg_pfcache *c)
{
	if (!c)
		return;
	free(c->e);
	free(c->ring);
	free(c);
}

struct vg_pfcache *vg_pfcache_new(size_t entries)
{
	if (!entries)
		return NULL;
	size_t n = 1;
	while (n * CACHE_WAYS < entries && n < ((size_t)1 << 20))
		n *= 2;
	struct vg_pfcache *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->mask = n - 1;
	c->rsize = n * CACHE_WAYS * CACHE_RING;
	c->e = calloc(n * CACHE_WAYS, sizeof(*c->e));
	c->ring = malloc(c->rsize);
	if (!c->e || !c->ring) {
		vg_pfcache_free(c);
		return NULL;
	}
	return c;
}

static inline uint8_t *cache_data(const struct vg_pfcache *c,
                                  const struct vg_pfcache_slot *ce)
{
	return c->ring + (ce->pos & (c->rsize - 1));
}

const uint8_t *vg_pfcache_find(struct vg_pfcache *c, const void *owner, uint32_t fm,
                               uint64_t h, const struct vg_value *v, size_t *n,
                               struct vg_pfcache_slot **victim)
{
	struct vg_pfcache_slot *set = &c->e[((h ^ h >> 29) & c->mask) * CACHE_WAYS];
	struct vg_pfcache_slot *old = set;
	c->clock++;
	for (int w = 0; w < CACHE_WAYS; w++) {
		struct vg_pfcache_slot *ce = &set[w];
		bool live = ce->owner && c->wpos <= ce->pos + c->rsize;
		if (live && ce->owner == owner && ce->h == h && ce->fm == fm &&
		    ce->len == v->len &&
		    memcmp(cache_data(c, ce) + 4 * (size_t)ce->nlits, v->ptr, v->len) ==
		        0) {
			ce->used = c->clock;
			*n = ce->nlits;
			return cache_data(c, ce);
		}
		if (!live || (old->owner && ce->used < old->used))
			old = ce;
	}
	*victim = old;
	return NULL;
}

void vg_pfcache_fill(struct vg_pfcache *c, struct vg_pfcache_slot *ce, const void *owner,
                     uint32_t fm, uint64_t h, const struct vg_value *v,
                     const uint32_t *ids, size_t n)
{
	size_t need = (4 * n + v->len + 3) & ~(size_t)3;
	ce->owner = NULL;
	if (need > c->rsize / 8)
		return; /* too large for the ring */
	size_t at = c->wpos & (c->rsize - 1);
	if (at + need > c->rsize)
		c->wpos += c->rsize - at; /* keep the data contiguous */
	*ce = (struct vg_pfcache_slot){.owner = owner,
	                               .h = h,
	                               .pos = c->wpos,
	                               .fm = fm,
	                               .used = c->clock,
	                               .len = v->len,
	                               .nlits = (uint32_t)n};
	uint8_t *d = cache_data(c, ce);
	memcpy(d, ids, 4 * n);
	memcpy(d + 4 * n, v->ptr, v->len);
	c->wpos += need;
}
