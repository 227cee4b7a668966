/*
 * value_cache.c - a per-thread cache of field values and the literal ids the
 * prefilter's scan found in each (correlate/prefilter.c, vg_prefilter_scan).
 *
 * Keyed by (owner: the prefilter, its unit -- one field, or several fields whose
 * values vary together and are cached as one key --, the key's hash) and the
 * values' bytes, compared whole, so a hit gives exactly what a scan of those
 * values would, and no crafted value can borrow another's result.  Bounded: a fixed
 * number of entries and a ring of CACHE_RING data bytes per entry; nothing is
 * allocated after vg_pfcache_new.  A unit's values often repeat from one event to
 * the next (the same session, parent, working directory): vg_pfcache_last checks
 * the slot the unit used last before the values are hashed, with the same whole
 * comparison, so it answers exactly as vg_pfcache_find would.
 */
#include "correlate_int.h"

#include <stdlib.h>
#include <string.h>

/* The values of a unit's fields (as in the event: literals are matched on their
 * folded copies, which the raw bytes determine; a unit of several fields keys on
 * every value, absent ones included) and the scanned literals of those fields that
 * they hold.  Entries sit in sets of CACHE_WAYS (the least recently used is
 * replaced); their data -- the literal ids, then the key -- in a ring of CACHE_RING bytes
 * per entry, written in turn: an entry whose data has been overwritten since is stale.
 * The value is stored and compared whole, so a hit replays exactly what the scan
 * would produce (the scan is a function of the value and the prefilter) and no
 * crafted value can borrow another's result. */
#define CACHE_WAYS 4
#define CACHE_RING 256 /* ring bytes per entry */
struct vg_pfcache_slot {
	const void *owner; /* NULL: empty */
	uint64_t h;
	uint64_t pos;        /* of its data in the ring (monotonic) */
	uint32_t fm;         /* the owner's unit (fields cached together) */
	uint32_t used;       /* cache clock at the last hit or fill */
	uint32_t len, nlits; /* len: of the key (see key_len) */
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

/* The key of parts vals[0..nvals) (its length klen: vg_pfcache_key_len): per part a
 * 4-byte length (UINT32_MAX: absent) and the bytes; one value alone: its bytes. */

/* a[0..n) == b[0..n), inline for short values (8 bytes at a time, the last 8
 * overlapping; never past either end), memcmp for the others. */
static inline bool bytes_eq(const uint8_t *a, const char *b, size_t n)
{
	uint64_t x, y;
	if (n > 32)
		return memcmp(a, b, n) == 0; /* vectorized */
	if (n >= 8) {
		for (size_t i = 0; i + 8 < n; i += 8) {
			memcpy(&x, a + i, 8);
			memcpy(&y, b + i, 8);
			if (x != y)
				return false;
		}
		memcpy(&x, a + n - 8, 8);
		memcpy(&y, b + n - 8, 8);
		return x == y;
	}
	if (n >= 4) {
		uint32_t p, q, r, t;
		memcpy(&p, a, 4);
		memcpy(&q, b, 4);
		memcpy(&r, a + n - 4, 4);
		memcpy(&t, b + n - 4, 4);
		return p == q && r == t;
	}
	for (size_t i = 0; i < n; i++)
		if (a[i] != (uint8_t)b[i])
			return false;
	return true;
}

#if defined(__GNUC__)
#define VG_INLINE inline __attribute__((always_inline))
#else
#define VG_INLINE inline
#endif

/* In both lookups (a call would cost as much as a short key's comparison). */
static VG_INLINE bool key_eq(const uint8_t *d, const struct vg_value *const *vals,
                             size_t nvals)
{
	if (nvals == 1)
		return memcmp(d, vals[0]->ptr, vals[0]->len) == 0;
	for (size_t i = 0; i < nvals; i++) {
		uint32_t len = vals[i] ? vals[i]->len : UINT32_MAX, got;
		memcpy(&got, d, 4);
		if (got != len)
			return false;
		d += 4;
		if (vals[i]) {
			if (!bytes_eq(d, vals[i]->ptr, len))
				return false;
			d += len;
		}
	}
	return true;
}

const uint8_t *vg_pfcache_last(struct vg_pfcache *c, struct vg_pfcache_slot *ce,
                               const void *owner, uint32_t unit,
                               const struct vg_value *const *vals, size_t nvals,
                               size_t klen, size_t *n)
{
	if (!ce || ce->owner != owner || ce->fm != unit || ce->len != klen ||
	    c->wpos > ce->pos + c->rsize /* overwritten since */ ||
	    !key_eq(cache_data(c, ce) + 4 * (size_t)ce->nlits, vals, nvals))
		return NULL;
	ce->used = ++c->clock;
	*n = ce->nlits;
	return cache_data(c, ce);
}

const uint8_t *vg_pfcache_find(struct vg_pfcache *c, const void *owner, uint32_t unit,
                               uint64_t h, const struct vg_value *const *vals,
                               size_t nvals, size_t klen, size_t *n,
                               struct vg_pfcache_slot **slot)
{
	struct vg_pfcache_slot *set = &c->e[((h ^ h >> 29) & c->mask) * CACHE_WAYS];
	c->clock++;
	for (int w = 0; w < CACHE_WAYS; w++) {
		struct vg_pfcache_slot *ce = &set[w];
		if (ce->h != h || ce->owner != owner || ce->fm != unit ||
		    c->wpos > ce->pos + c->rsize /* overwritten since */ ||
		    ce->len != klen ||
		    !key_eq(cache_data(c, ce) + 4 * (size_t)ce->nlits, vals, nvals))
			continue;
		ce->used = c->clock;
		*n = ce->nlits;
		*slot = ce;
		return cache_data(c, ce);
	}
	/* a miss: the victim is an empty or stale way, else the least recently
	 * used */
	struct vg_pfcache_slot *old = set;
	for (int w = 0; w < CACHE_WAYS; w++) {
		struct vg_pfcache_slot *ce = &set[w];
		bool live = ce->owner && c->wpos <= ce->pos + c->rsize;
		if (!live || (old->owner && ce->used < old->used))
			old = ce;
	}
	*slot = old;
	return NULL;
}

void vg_pfcache_fill(struct vg_pfcache *c, struct vg_pfcache_slot *ce, const void *owner,
                     uint32_t unit, uint64_t h, const struct vg_value *const *vals,
                     size_t nvals, size_t klen, const uint32_t *ids, size_t n)
{
	size_t need = (4 * n + klen + 3) & ~(size_t)3;
	ce->owner = NULL;
	if (need > c->rsize / 8 || klen > UINT32_MAX)
		return; /* too large for the ring */
	size_t at = c->wpos & (c->rsize - 1);
	if (at + need > c->rsize)
		c->wpos += c->rsize - at; /* keep the data contiguous */
	*ce = (struct vg_pfcache_slot){.owner = owner,
	                               .h = h,
	                               .pos = c->wpos,
	                               .fm = unit,
	                               .used = c->clock,
	                               .len = (uint32_t)klen,
	                               .nlits = (uint32_t)n};
	uint8_t *d = cache_data(c, ce);
	memcpy(d, ids, 4 * n);
	d += 4 * n;
	if (nvals == 1) {
		memcpy(d, vals[0]->ptr, vals[0]->len);
	} else {
		for (size_t i = 0; i < nvals; i++) {
			uint32_t len = vals[i] ? vals[i]->len : UINT32_MAX;
			memcpy(d, &len, 4);
			d += 4;
			if (vals[i]) {
				memcpy(d, vals[i]->ptr, len);
				d += len;
			}
		}
	}
	c->wpos += need;
}
