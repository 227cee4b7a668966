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
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* The values of a unit's fields (as in the event: literals are matched on their
 * folded copies, which the raw bytes determine; a unit of several fields keys on
 * every value, absent ones included) and the scanned literals of those fields that
 * they hold.  Entries sit in sets of CACHE_WAYS (the least recently used is
 * replaced); their data -- the literal ids, then the key -- in a ring of CACHE_RING bytes
 * per entry, written in turn: an entry whose data has been overwritten since is stale.
 * The value is stored and compared whole, so a hit replays exactly what the scan
 * would produce (the scan is a function of the value and the prefilter) and no
 * crafted value can borrow another's result.
 *
 * Eight ways: with four, the 1,968 distinct keys of bench_detect's Sysmon events
 * in 1,024 sets left about one key in eight in a set holding more than four, and
 * such keys used in turn evict each other under LRU (93.8% hits over 100,471
 * events, 97.9% with eight ways in the same number of entries).  A lookup first
 * compares a 32-bit tag of the hash per way -- a set's tags are 32 aligned bytes,
 * two SSE2 compares -- and reads only the slots whose tag matches. */
#define CACHE_WAYS 8
_Static_assert(CACHE_WAYS % 4 == 0 && CACHE_WAYS <= 32, "tag_matches: sets of 4k ways");
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
	uint32_t *tag;             /* per slot: slot_tag of its hash, 0 when empty */
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
	free(c->tag);
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
	c->e = malloc(n * CACHE_WAYS * sizeof(*c->e));
	/* a set's tags in one 32-byte aligned block */
	c->tag = aligned_alloc(32, n * CACHE_WAYS * sizeof(*c->tag));
	c->ring = malloc(c->rsize);
	if (!c->e || !c->tag || !c->ring) {
		vg_pfcache_free(c);
		return NULL;
	}
	/* every page written here (calloc of a large block maps zero pages that fault
	 * on first use), so filling the cache during detection takes no page fault:
	 * at the default size 1 MiB of ring, 160 KiB of slots and 16 KiB of tags */
	memset(c->e, 0, n * CACHE_WAYS * sizeof(*c->e));
	memset(c->tag, 0, n * CACHE_WAYS * sizeof(*c->tag));
	memset(c->ring, 0, c->rsize);
	return c;
}

/* The tag of hash h: its high half (the set is chosen by the low bits), never 0. */
static inline uint32_t slot_tag(uint64_t h)
{
	return (uint32_t)(h >> 32) | 1;
}

/* Bit w set when tags[w] == t, for the CACHE_WAYS tags of one set. */
static inline unsigned tag_matches(const uint32_t *tags, uint32_t t)
{
#if defined(__SSE2__)
	__m128i k = _mm_set1_epi32((int)t);
	unsigned m = 0;
	for (int w = 0; w < CACHE_WAYS; w += 4)
		m |= (unsigned)_mm_movemask_ps(_mm_castsi128_ps(
		         _mm_cmpeq_epi32(_mm_load_si128((const __m128i *)(tags + w)), k)))
		     << w;
	return m;
#else
	unsigned m = 0;
	for (int w = 0; w < CACHE_WAYS; w++)
		m |= (unsigned)(tags[w] == t) << w;
	return m;
#endif
}

static inline uint8_t *cache_data(const struct vg_pfcache *c,
                                  const struct vg_pfcache_slot *ce)
{
	return c->ring + (ce->pos & (c->rsize - 1));
}

/* The key of parts vals[0..nvals) (its length klen): per part a
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
	size_t first = ((h ^ h >> 29) & c->mask) * CACHE_WAYS;
	struct vg_pfcache_slot *set = &c->e[first];
	c->clock++;
	for (unsigned m = tag_matches(c->tag + first, slot_tag(h)); m; m &= m - 1) {
		struct vg_pfcache_slot *ce = &set[__builtin_ctz(m)];
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
	 * used (ages compared modulo 2^32: the clock wraps after 4e9 lookups, hours
	 * of a busy stream) */
	struct vg_pfcache_slot *old = set;
	for (int w = 0; w < CACHE_WAYS; w++) {
		struct vg_pfcache_slot *ce = &set[w];
		bool live = ce->owner && c->wpos <= ce->pos + c->rsize;
		if (!live || (old->owner && (int32_t)(ce->used - old->used) < 0))
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
	c->tag[ce - c->e] = 0;
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
	c->tag[ce - c->e] = slot_tag(h);
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
