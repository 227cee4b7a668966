/*
 * test_value_cache.c - the detection context's field value cache
 * (correlate/value_cache.c) on its own, with the hashes chosen by the test: the
 * tags compared first never decide a hit, the least recently used way is replaced
 * also when the cache's clock wraps, and an entry whose ring data was overwritten
 * is never replayed.  (Through vg_detect, test_correlate's value cache tests.)
 *
 * The file is compiled into the test so that the test can set the clock.
 */
#include "../../../correlate/value_cache.c"

#include "vg_test.h"

static const void *const OWNER = &OWNER;

/* The unit value of one key: s. */
static struct vg_value val(const char *s)
{
	return (struct vg_value){.ptr = s, .len = (uint32_t)strlen(s), .kind = VG_VK_STR};
}

/* Look key s (hash h) up; on a miss fill it with the one literal id `id` and
 * return NULL; on a hit return its slot and check the id replayed. */
static struct vg_pfcache_slot *lookup(struct vg_pfcache *c, const char *s, uint64_t h,
                                      uint32_t id, bool *hit)
{
	struct vg_value v = val(s);
	const struct vg_value *vals[1] = {&v};
	struct vg_pfcache_slot *slot = NULL;
	size_t n = 0;
	const uint8_t *d = vg_pfcache_find(c, OWNER, 0, h, vals, 1, v.len, &n, &slot);
	*hit = d != NULL;
	if (d) {
		uint32_t got;
		ck_assert_uint_eq(n, 1);
		memcpy(&got, d, 4);
		ck_assert_uint_eq(got, id);
	} else {
		vg_pfcache_fill(c, slot, OWNER, 0, h, vals, 1, v.len, &id, 1);
	}
	return slot;
}

/* Keys of one set with the same tag (same high half of the hash) or the same
 * hash altogether: each is told apart by the whole comparison. */
START_TEST(tag_and_hash_collisions)
{
	struct vg_pfcache *c = vg_pfcache_new(CACHE_WAYS); /* one set */
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->mask, 0);
	const uint64_t h = UINT64_C(0x1234567800000001);
	bool hit;
	lookup(c, "alpha", h, 1, &hit);
	ck_assert(!hit);
	lookup(c, "alpha", h, 1, &hit);
	ck_assert(hit);
	/* same tag, other hash: a miss, then its own entry */
	lookup(c, "beta", h + 2, 2, &hit);
	ck_assert(!hit);
	lookup(c, "beta", h + 2, 2, &hit);
	ck_assert(hit);
	/* same hash, other key (same length too) */
	lookup(c, "gamma", h, 3, &hit);
	ck_assert(!hit);
	lookup(c, "gamma", h, 3, &hit);
	ck_assert(hit);
	lookup(c, "alpha", h, 1, &hit);
	ck_assert(hit);
	vg_pfcache_free(c);
}
END_TEST

/* One set: CACHE_WAYS keys filled just before the clock wraps, then all but the
 * first used again across the wrap: a new key must replace the first (the least
 * recently used), not one used after the wrap. */
START_TEST(lru_across_clock_wrap)
{
	struct vg_pfcache *c = vg_pfcache_new(CACHE_WAYS);
	ck_assert_ptr_nonnull(c);
	c->clock = UINT32_MAX - CACHE_WAYS - 2;
	char keys[CACHE_WAYS + 1][16];
	struct vg_pfcache_slot *slots[CACHE_WAYS + 1];
	bool hit;
	for (int k = 0; k <= CACHE_WAYS; k++)
		snprintf(keys[k], sizeof(keys[k]), "key-%d", k);
	for (int k = 0; k < CACHE_WAYS; k++) {
		slots[k] = lookup(c, keys[k], (uint64_t)k << 32, (uint32_t)k, &hit);
		ck_assert(!hit);
	}
	for (int k = 1; k < CACHE_WAYS; k++) {
		ck_assert_ptr_eq(lookup(c, keys[k], (uint64_t)k << 32, (uint32_t)k, &hit),
		                 slots[k]);
		ck_assert(hit);
	}
	ck_assert_uint_lt(c->clock, 16); /* wrapped */
	slots[CACHE_WAYS] =
	    lookup(c, keys[CACHE_WAYS], (uint64_t)CACHE_WAYS << 32, CACHE_WAYS, &hit);
	ck_assert(!hit);
	ck_assert_ptr_eq(slots[CACHE_WAYS], slots[0]);
	for (int k = 1; k <= CACHE_WAYS; k++) {
		lookup(c, keys[k], (uint64_t)k << 32, (uint32_t)k, &hit);
		ck_assert_msg(hit, "key %d evicted", k);
	}
	vg_pfcache_free(c);
}
END_TEST

/* Entries whose data the ring has since overwritten are misses, never replays of
 * what is there now: "first" (literal 7) in set 0, other keys in set 1 (so LRU
 * never takes its way) until the ring has gone round, the last of them "first"
 * again with literal 8, written where the old entry's data was -- the same key
 * bytes behind another id. */
START_TEST(ring_overwrite_is_a_miss)
{
	struct vg_pfcache *c = vg_pfcache_new(2 * CACHE_WAYS); /* ring: 4 KiB */
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->mask, 1);
	ck_assert_uint_eq(c->rsize, 4096);
	char big[401], mid[33]; /* 404 and 36 ring bytes an entry */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memset(mid, 'y', sizeof(mid) - 1);
	mid[sizeof(mid) - 1] = '\0';
	bool hit;
	lookup(c, "first", 0, 7, &hit); /* ring bytes 0..12 */
	ck_assert(!hit);
	for (int i = 0; i < 10; i++) { /* up to 4052 */
		big[0] = (char)('a' + i);
		lookup(c, big, (uint64_t)(i + 2) << 32 | 1 /* set 1 */, 100, &hit);
		ck_assert(!hit);
	}
	lookup(c, mid, UINT64_C(1) << 40 | 1, 200, &hit); /* up to 4088 */
	ck_assert(!hit);
	lookup(c, "first", 0, 7, &hit); /* still there */
	ck_assert(hit);
	/* 8 bytes left: the next entry is written at ring offset 0 */
	lookup(c, "first", UINT64_C(3) << 40 | 1, 8, &hit);
	ck_assert(!hit);
	lookup(c, "first", 0, 7, &hit); /* overwritten: a miss, refilled */
	ck_assert(!hit);
	lookup(c, "first", 0, 7, &hit);
	ck_assert(hit);
	vg_pfcache_free(c);
}
END_TEST

static Suite *suite(void)
{
	const struct vg_test_case cases[] = {
	    {"collisions", tag_and_hash_collisions},
	    {"clock_wrap", lru_across_clock_wrap},
	    {"ring", ring_overwrite_is_a_miss},
	};
	return vg_test_suite("value_cache", cases, sizeof(cases) / sizeof(cases[0]), NULL,
	                     NULL);
}

VG_TEST_MAIN(suite)
