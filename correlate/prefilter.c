/*
 * prefilter.c - the literal index of a logsource group: which string literals of
 * the group's rules an event holds, found in one pass per field, and so which
 * rules can match it.
 *
 * Build (load time, vg_prefilter_build).  Every string pattern of the group's rules
 * on a named field becomes a *literal* (field, shape, folded text), deduplicated
 * across rules.  A pattern that is not cased is equivalent to its literal
 * (vg_pattern.lit_exact: at event time it is a bit test); cased patterns, globs and
 * regexes get a literal only necessary for them (the folded text; a glob's best
 * literal run; a regex's required literal, read conservatively from its text by
 * re_literals) and use it to reject early.  Each rule gets up to VG_MAX_REQ
 * requirements -- sets of literals one of which holds whenever the rule matches,
 * derived as a conjunction of disjunctions over its condition tree (node_reqs) --
 * and its cheapest requirement is posted under its literals; the others are
 * checked on the bits after the scan, as (word, mask) pairs.  Per field every literal is
 * compiled into: a hash table of exact literals, path-compressed tries of prefix and
 * (reversed) suffix literals, a gram filter plus a table gram -> (literal, offset) for
 * contains literals of >= 4 bytes (probed at every `stride`-th position when every
 * such literal is long enough to register `stride` consecutive grams), a byte-pair
 * filter for 2..3-byte literals, and for 1-byte ones a table of bytes (values of
 * at most ONES_TAB_PER bytes per such literal) or memchr.  The fields are
 * grouped into cache units: the fields of one group of cache_groups (values that
 * vary together, such as the properties of one image file) form one unit, every
 * other field its own.  Items whose values are all literals get their bits as
 * (word, mask) pairs (vg_fcond.lmask).
 *
 * Scan (per event, vg_prefilter_scan).  Each unit with a field worth it is looked up
 * in the context's value cache, keyed by all of its values (values seen recently
 * replay the literals they hold; the slot the unit used last is checked first,
 * before the values are hashed); otherwise its values are folded and scanned, and
 * every filter hit is verified against the literal's text, so a bit is set exactly
 * when its literal holds.  A literal that becomes true posts its rules; those
 * whose other requirements hold are the candidates.  Nothing is allocated per
 * event.
 *
 * Invariant (the index never drops a match): a literal's bit is set exactly when
 * it holds for the event; a pattern's literal holds whenever the pattern does; a
 * requirement holds whenever its rule matches.  The index is immutable after the
 * build (shared by threads and by the groups of one logsource in several dataset
 * buckets, reference counted at load time only); per-thread state is struct
 * vg_pfstate.  See correlate/DETECTION.md.
 */
#include "correlate_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static inline unsigned char fold(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

#define GOLDEN UINT64_C(0x9E3779B97F4A7C15)
#if defined(__GNUC__)
#define VG_NOINLINE __attribute__((noinline)) /* keeps the scanning loops small */
#else
#define VG_NOINLINE
#endif
#define GRAM      4 /* contains literals of >= GRAM bytes go through the gram filter */
#define STRIDE    8 /* largest gram stride */
#define NO_ANCHOR 1000000
#define RUN_MAX   64 /* longest regex literal run kept (a prefix of a run is required) */

/* ------------------------------------------------------------- layout */

struct vg_lit {
	vg_field field;
	uint8_t shape;     /* VG_PS_EXACT, VG_PS_PREFIX, VG_PS_SUFFIX, VG_PS_CONTAINS */
	bool anchor;       /* in some requirement */
	uint32_t off, len; /* folded text: pf->text + off */
	uint32_t post, npost; /* postings: pf->posts[post .. post + npost) */
};

/* A posting: the literal satisfies the first requirement of `rule`; its others are
 * at pf->sec[sec]: their number, then per requirement the number of its (word,
 * mask) pairs over the literal bits and the pairs, each as three uint32s (word,
 * mask low half, mask high half), the words of its likeliest literals first. */
struct pfent {
	uint32_t rule;
	uint32_t sec;
};

/* Path-compressed trie.  Node: edges edge..edge+nedge, sorted by their first byte
 * label[e]; an edge goes on with the bytes chain[coff[e] .. coff[e] + clen[e]) (in
 * memory order of the value: reversed in a suffix trie) to node child[e].  Literals
 * terms[term..term+npre) hold when a walk reaches the node (prefix / suffix), the
 * next nexact when it ends there (exact).  Only nodes with literals or several
 * children exist, so a walk costs one step per branching, not per byte. */
struct tnode {
	uint32_t edge;
	uint32_t term;
	uint16_t nedge;
	uint16_t npre;
	uint16_t nexact;
	uint16_t dense; /* nodes with many edges: 1 + their row in trie.dense */
};

#define DENSE_MIN 8 /* edges from which a node gets a 256-entry index */
struct trie {
	struct tnode *nodes; /* NULL: no literal */
	uint8_t *label;
	uint32_t *child;
	uint32_t *coff, *clen;
	uint8_t *chain;
	uint32_t *terms;
	uint32_t *dense; /* rows of 256: 1 + edge by first byte, 0 none */
};

struct gslot {
	uint32_t key;      /* the gram (or byte pair) as loaded from memory */
	uint32_t start, n; /* entries; n = 0: empty slot */
};

struct gent {
	uint32_t lit;
	uint32_t off; /* of the gram in the literal */
};

/* The scanned literals of one field. */
struct fmatch {
	vg_field field;
	/* exact literals by a hash of the whole (folded) value */
	struct xslot *xslots; /* NULL: none */
	uint32_t xmask;
	uint32_t *xents;
	struct trie fwd;   /* prefix literals */
	struct trie rev;   /* suffix literals, reversed */
	uint32_t *present; /* literals that hold whenever the field has a value */
	uint32_t npresent;
	uint32_t *ones; /* contains literals of 1 byte (onetab or memchr) */
	uint8_t *onec;  /* their bytes */
	uint32_t nones;
	/* 2..64 of them: per byte value, the bit 1 << k when it is onec[k] (a short
	 * value is read once through it instead of one memchr per literal); NULL:
	 * memchr only */
	uint64_t *onetab;
	/* contains literals of >= GRAM bytes: the grams at stride offsets */
	uint64_t *gbits; /* filter by hash of the gram; NULL: no such literal */
	unsigned gshift;
	uint32_t stride;
	struct gslot *gslots;
	uint32_t gmask;
	struct gent *gents;
	/* contains literals of 2..3 bytes */
	uint64_t *pbits; /* 65536-bit filter by the two bytes at a position; NULL: none */
	struct pslot *pslots; /* by their first two bytes */
	uint32_t pmask;
	struct p3ent *p3; /* the 3-byte literals of the pslots (by third byte) */
};

/* The 2..3-byte contains literals of a field starting with the two bytes key - 1
 * (as loaded from memory): the 2-byte one (lit2, UINT32_MAX none) and the 3-byte
 * ones p3[start3 .. start3 + n3), whose third bytes c set the bits c & 63 of m3
 * (most pair hits have no 3-byte literal: one bit test instead of the search). */
struct pslot {
	uint32_t key; /* 0: empty */
	uint32_t lit2;
	uint32_t start3, n3;
	uint64_t m3;
};

struct p3ent {
	uint32_t c; /* the third byte */
	uint32_t lit;
};

static inline const struct pslot *pslot_find(const struct pslot *slots, uint32_t mask,
                                             uint32_t key)
{
	for (uint32_t q = (uint32_t)((key * GOLDEN) >> 32);; q++) {
		const struct pslot *sl = &slots[q & mask];
		if (sl->key == key || !sl->key)
			return sl->key ? sl : NULL;
	}
}

/* A cache unit: fields whose values are looked up in the value cache as one key
 * (cache_groups), or one field; cache: worth a lookup (some matcher scans every
 * position). */
#define UNIT_MAX 8
struct punit {
	uint32_t first, n;
	bool cache;
};

struct xslot {
	uint64_t h;
	uint32_t start, n; /* n = 0: empty */
};

struct vg_prefilter {
	int refs;
	struct vg_lit *lits;
	size_t nlits;
	char *text;
	struct pfent *posts;
	struct fmatch *fms; /* sorted by field */
	size_t nfms;
	/* the matchers scanned (and cached) together: unit u is the matchers
	 * fms[ufms[units[u].first .. + units[u].n)] */
	struct punit *units;
	size_t nunits;
	uint32_t *ufms;
	uint32_t *sec;             /* secondary requirements (see struct pfent) */
	size_t *always;            /* rules without requirements */
	struct vg_litmask *lmasks; /* of the lits_only items (vg_fcond.lmask) */
	size_t nalways;
};

/* ------------------------------------------------------------- scanning */

static inline bool bit_get(const uint64_t *b, uint32_t i)
{
	return (b[i >> 6] >> (i & 63)) & 1;
}

/* Post the requirements of literal id: its rules become candidates. */
static inline void lit_post(const struct vg_prefilter *pf, struct vg_pfstate *st,
                            uint32_t id)
{
	const struct vg_lit *l = &pf->lits[id];
	const struct pfent *e = pf->posts + l->post, *end = e + l->npost;
	for (; e < end; e++) {
		uint32_t r = e->rule;
		if (st->mark[r] == st->epoch)
			continue; /* already a candidate */
		st->mark[r] = st->epoch;
		st->csec[st->ncand] = e->sec;
		st->cand[st->ncand++] = r;
	}
}

/* Literal id holds: set its bit, note it (for the cache) and post its
 * requirements (once per event). */
static inline void lit_true(const struct vg_prefilter *pf, struct vg_pfstate *st,
                            uint32_t id)
{
	uint64_t m = UINT64_C(1) << (id & 63);
	if (st->bits[id >> 6] & m)
		return;
	st->bits[id >> 6] |= m;
	st->set[st->nset++] = id;
	lit_post(pf, st, id);
}

/* Cached literal ids: the id, and CACHED_POSTS when it has postings (so a replay
 * skips the others' posting lists); those with postings come first. */
#define CACHED_POSTS UINT32_C(0x80000000)

/* Keep the candidates whose other requirements have a true literal each. */
static void cand_filter(const struct vg_prefilter *pf, struct vg_pfstate *st)
{
	size_t k = 0;
	for (size_t i = 0; i < st->ncand; i++) {
		const uint32_t *q = pf->sec + st->csec[i];
		uint32_t nreq = *q++;
		bool ok = true;
		for (uint32_t j = 0; j < nreq && ok; j++) {
			uint32_t n = *q++;
			ok = false;
			for (const uint32_t *e = q, *end = q + 3 * n; e < end && !ok;
			     e += 3)
				ok =
				    (st->bits[e[0]] & ((uint64_t)e[2] << 32 | e[1])) != 0;
			q += 3 * n;
		}
		if (ok) {
			st->cand[k] = st->cand[i];
			st->csec[k++] = st->csec[i];
		}
	}
	st->ncand = k;
}

/* The edge of nd starting with byte c, or UINT32_MAX. */
static inline uint32_t tedge(const struct trie *t, const struct tnode *nd, uint8_t c)
{
	if (nd->dense)
		return t->dense[(size_t)(nd->dense - 1) * 256 + c] - 1;
	const uint8_t *lab = t->label + nd->edge;
	for (uint32_t i = 0; i < nd->nedge; i++)
		if (lab[i] == c)
			return nd->edge + i;
	return UINT32_MAX;
}

static inline void trie_node(const struct vg_prefilter *pf, struct vg_pfstate *st,
                             const struct trie *t, const struct tnode *nd, bool end)
{
	for (uint32_t k = 0; k < nd->npre; k++)
		lit_true(pf, st, t->terms[nd->term + k]);
	if (end)
		for (uint32_t k = 0; k < nd->nexact; k++)
			lit_true(pf, st, t->terms[nd->term + nd->npre + k]);
}

/* Walk s[0..n) (folded first when raw) down the trie from its first byte. */
static void trie_fwd(const struct vg_prefilter *pf, struct vg_pfstate *st,
                     const struct trie *t, const char *s, size_t n, bool raw)
{
	const struct tnode *nd = &t->nodes[0];
	const uint8_t *u = (const uint8_t *)s;
	if (n == 0) {
		trie_node(pf, st, t, nd, true);
		return;
	}
	for (size_t i = 0; i < n;) {
		uint32_t e = tedge(t, nd, raw ? fold(u[i]) : u[i]);
		if (e == UINT32_MAX)
			return;
		size_t len = t->clen[e];
		if (i + 1 + len > n)
			return;
		const uint8_t *c = t->chain + t->coff[e], *at = u + i + 1;
		for (size_t j = 0; j < len; j++)
			if ((raw ? fold(at[j]) : at[j]) != c[j])
				return;
		i += 1 + len;
		nd = &t->nodes[t->child[e]];
		trie_node(pf, st, t, nd, i == n);
	}
}

/* Walk s[0..n) (folded first when raw) down the trie from its last byte (chains
 * are stored in memory order). */
static void trie_rev(const struct vg_prefilter *pf, struct vg_pfstate *st,
                     const struct trie *t, const char *s, size_t n, bool raw)
{
	const struct tnode *nd = &t->nodes[0];
	const uint8_t *u = (const uint8_t *)s;
	if (n == 0) {
		trie_node(pf, st, t, nd, true);
		return;
	}
	for (size_t i = 0; i < n;) { /* i: bytes consumed from the end */
		uint32_t e = tedge(t, nd, raw ? fold(u[n - 1 - i]) : u[n - 1 - i]);
		if (e == UINT32_MAX)
			return;
		size_t len = t->clen[e];
		if (i + 1 + len > n)
			return;
		const uint8_t *c = t->chain + t->coff[e], *at = u + n - 1 - i - len;
		for (size_t j = 0; j < len; j++)
			if ((raw ? fold(at[j]) : at[j]) != c[j])
				return;
		i += 1 + len;
		nd = &t->nodes[t->child[e]];
		trie_node(pf, st, t, nd, i == n);
	}
}

static inline const struct gslot *gslot_find(const struct gslot *slots, uint32_t mask,
                                             uint32_t key)
{
	for (uint32_t q = (uint32_t)((key * GOLDEN) >> 32);; q++) {
		const struct gslot *sl = &slots[q & mask];
		if (!sl->n || sl->key == key)
			return sl->n ? sl : NULL;
	}
}

/* a[0..n) == b[0..n), both followed by at least 8 readable bytes (the value's
 * padding, the literal text's; see vg_prefilter_build). */
static inline bool text_eq(const char *a, const char *b, size_t n)
{
	uint64_t x, y;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			return false;
	}
	if (i == n)
		return true;
	memcpy(&x, a + i, 8);
	memcpy(&y, b + i, 8);
	/* the bytes below n - i (little-endian) or the first n - i (big-endian) */
	uint64_t d = x ^ y;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return (d >> (8 * (8 - (n - i)))) == 0;
#else
	return (d << (8 * (8 - (n - i)))) == 0;
#endif
}

/* A value being scanned, for the filter hits (one pointer instead of five
 * arguments: the scanning loops keep their registers). */
struct scanv {
	const struct vg_prefilter *pf;
	struct vg_pfstate *st;
	const struct fmatch *fm;
	const char *s;
	size_t n;
};

/* A gram filter hit at s + k: verify the literals registered under the gram. */
VG_NOINLINE static void gram_hit(const struct scanv *sv, uint32_t key, size_t k)
{
	const struct vg_prefilter *pf = sv->pf;
	struct vg_pfstate *st = sv->st;
	const struct fmatch *fm = sv->fm;
	const char *s = sv->s;
	const size_t n = sv->n;
	const struct gslot *sl = gslot_find(fm->gslots, fm->gmask, key);
	if (!sl)
		return;
	for (uint32_t i = 0; i < sl->n; i++) {
		const struct gent *e = &fm->gents[sl->start + i];
		if (bit_get(st->bits, e->lit) || k < e->off)
			continue;
		const struct vg_lit *l = &pf->lits[e->lit];
		size_t at = k - e->off;
		if (at + l->len <= n && text_eq(s + at, pf->text + l->off, l->len))
			lit_true(pf, st, e->lit);
	}
}

/* A pair filter hit at s + k: the 2-byte literal s[k..k+2) and the 3-byte
 * literals s[k..k+3), if the field has them. */
VG_NOINLINE static void pair_hit(const struct scanv *sv, size_t k)
{
	const struct vg_prefilter *pf = sv->pf;
	struct vg_pfstate *st = sv->st;
	const struct fmatch *fm = sv->fm;
	const char *s = sv->s;
	const size_t n = sv->n;
	const uint8_t *u = (const uint8_t *)s + k;
	if (k + 2 > n)
		return;
	const struct pslot *sl =
	    pslot_find(fm->pslots, fm->pmask, ((uint32_t)u[0] | (uint32_t)u[1] << 8) + 1);
	if (!sl)
		return;
	if (sl->lit2 != UINT32_MAX)
		lit_true(pf, st, sl->lit2);
	if (k + 3 > n || !((sl->m3 >> (u[2] & 63)) & 1))
		return;
	/* sorted by the third byte, each once (shorts_build) */
	const struct p3ent *e = fm->p3 + sl->start3, *end = e + sl->n3;
	for (; e < end && e->c <= u[2]; e++)
		if (e->c == u[2]) {
			lit_true(pf, st, e->lit);
			break;
		}
}

/* A hash of s[0..n) for the exact tables and the value cache (any bytes: hits
 * are verified).  Of a long value only the first and last 32 bytes count: the
 * cost stays bounded and such values differ there anyway. */
static inline uint64_t ld64(const char *p, bool raw)
{
	uint64_t x;
	memcpy(&x, p, 8);
	return raw ? vg_fold8(x) : x;
}

static inline uint32_t ld32(const char *p, bool raw)
{
	uint32_t x;
	memcpy(&x, p, 4);
	return raw ? (uint32_t)vg_fold8(x) : x;
}

static inline uint8_t ld8(const char *p, bool raw)
{
	return raw ? fold((unsigned char)*p) : (uint8_t)*p;
}

/* xhash of s[0..n), folded first when raw. */
static inline uint64_t xhash_of(const char *s, size_t n, bool raw)
{
	const uint64_t m = UINT64_C(0x9FB21C651E98DF25);
	uint64_t h = (n + 1) * GOLDEN, y = 0;
	if (n >= 8) {
		size_t head = n > 64 ? 32 : n - 1;
		for (size_t i = 0; i + 8 <= head; i += 8) {
			h = (h ^ ld64(s + i, raw)) * m;
			h ^= h >> 29;
		}
		for (size_t i = n > 64 ? n - 32 : n; i + 8 < n; i += 8) {
			h = (h ^ ld64(s + i, raw)) * m;
			h ^= h >> 29;
		}
		y = ld64(s + n - 8, raw); /* the last 8, overlapping */
	} else if (n >= 4) {
		y = (uint64_t)ld32(s, raw) << 32 | ld32(s + n - 4, raw);
	} else if (n) {
		y = (uint64_t)ld8(s, raw) << 16 | (uint64_t)ld8(s + n / 2, raw) << 8 |
		    ld8(s + n - 1, raw);
	}
	/* the finalizer spreads a difference in the last bytes (y's high bits) to
	 * the low bits the cache and the exact tables index by */
	return vg_mix64(h ^ y);
}

static inline uint64_t xhash(const char *s, size_t n)
{
	return xhash_of(s, n, false);
}

/* s[0..n) (folded first when raw) equals folded t[0..n). */
static inline bool eq_lit(const char *s, const char *t, size_t n, bool raw)
{
	if (!raw)
		return memcmp(s, t, n) == 0;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t b;
		memcpy(&b, t + i, 8);
		if (ld64(s + i, true) != b)
			return false;
	}
	for (; i < n; i++)
		if (ld8(s + i, true) != (uint8_t)t[i])
			return false;
	return true;
}

/* Exact literals: one probe with the hash of the value (raw: not folded yet). */
static void exact_probe(const struct vg_prefilter *pf, struct vg_pfstate *st,
                        const struct fmatch *fm, const char *s, size_t n, bool raw)
{
	uint64_t h = xhash_of(s, n, raw);
	for (uint32_t q = (uint32_t)h;; q++) {
		const struct xslot *sl = &fm->xslots[q & fm->xmask];
		if (!sl->n)
			return;
		if (sl->h != h)
			continue;
		for (uint32_t i = 0; i < sl->n; i++) {
			uint32_t id = fm->xents[sl->start + i];
			const struct vg_lit *l = &pf->lits[id];
			if (l->len == n && eq_lit(s, pf->text + l->off, n, raw))
				lit_true(pf, st, id);
		}
		return;
	}
}

/* Bit i of the filter b (a branch on it compiles to a bit test). */
static inline bool fbit(const uint64_t *b, uint64_t i)
{
	return (b[i >> 6] & (UINT64_C(1) << (i & 63))) != 0;
}

static void scan_grams(const struct vg_prefilter *pf, struct vg_pfstate *st,
                       const struct fmatch *fm, const char *s, size_t n)
{
	const struct scanv sv = {pf, st, fm, s, n};
	const uint64_t *bits = fm->gbits;
	const unsigned shift = fm->gshift;
	const size_t stride = fm->stride;
	for (size_t k = 0; k + GRAM <= n; k += stride) {
		uint32_t x;
		memcpy(&x, s + k, 4);
		if (fbit(bits, ((uint64_t)x * GOLDEN) >> shift))
			gram_hit(&sv, x, k);
	}
}

/* The pair filter at every position of s[0..n). */
static void scan_pairs(const struct vg_prefilter *pf, struct vg_pfstate *st,
                       const struct fmatch *fm, const char *s, size_t n)
{
	const struct scanv sv = {pf, st, fm, s, n};
	const uint64_t *bits = fm->pbits;
	for (size_t k = 0; k + 1 < n; k++) {
		uint16_t y;
		memcpy(&y, s + k, 2);
		if (fbit(bits, y))
			pair_hit(&sv, k);
	}
}

/* Both filters at every position (stride 1) of s[0..n): one 4-byte load gives the
 * gram and the pair.  The gram at the last positions takes the padding after the
 * value (zero bytes): a hit there fails verification. */
static void scan_both(const struct vg_prefilter *pf, struct vg_pfstate *st,
                      const struct fmatch *fm, const char *s, size_t n)
{
	const struct scanv sv = {pf, st, fm, s, n};
	const uint64_t *gbits = fm->gbits, *pbits = fm->pbits;
	const unsigned shift = fm->gshift;
	for (size_t k = 0; k + 1 < n; k++) {
		uint32_t x;
		memcpy(&x, s + k, 4);
		if (fbit(gbits, ((uint64_t)x * GOLDEN) >> shift))
			gram_hit(&sv, x, k);
		if (fbit(pbits, x & 0xffff))
			pair_hit(&sv, k);
	}
}

static inline unsigned ctz64(uint64_t x) /* x != 0 */
{
#if defined(__GNUC__)
	return (unsigned)__builtin_ctzll(x);
#else
	unsigned k = 0;
	for (; !(x & 1); x >>= 1)
		k++;
	return k;
#endif
}

/* The one-byte literals of fm in s[0..n) through fm->onetab (2 KiB): one table
 * load per byte, ~3 instructions a byte, instead of one memchr per literal (~28
 * instructions a call on a short value, plus the loop and the call): taken for
 * values of at most ONES_TAB_PER bytes per literal (CommandLine has 19 such
 * literals; callgrind was flat between 10 and 40). */
#define ONES_TAB_PER 20
static void scan_ones(const struct vg_prefilter *pf, struct vg_pfstate *st,
                      const struct fmatch *fm, const char *s, size_t n)
{
	const uint64_t *tab = fm->onetab;
	const uint8_t *u = (const uint8_t *)s;
	uint64_t a = 0, b = 0;
	size_t i = 0;
	for (; i + 4 <= n; i += 4) {
		a |= tab[u[i]] | tab[u[i + 2]];
		b |= tab[u[i + 1]] | tab[u[i + 3]];
	}
	for (; i < n; i++)
		a |= tab[u[i]];
	for (a |= b; a; a &= a - 1)
		lit_true(pf, st, fm->ones[ctz64(a)]);
}

/* Every literal of fm in s[0..n).  raw: s is the value as is (only for matchers
 * without contains literals: exact probes and trie walks fold as they read). */
static void scan_field(const struct vg_prefilter *pf, struct vg_pfstate *st,
                       const struct fmatch *fm, const char *s, size_t n, bool raw)
{
	for (uint32_t k = 0; k < fm->npresent; k++)
		lit_true(pf, st, fm->present[k]);
	if (fm->onetab && n <= ONES_TAB_PER * (size_t)fm->nones)
		scan_ones(pf, st, fm, s, n);
	else
		for (uint32_t k = 0; k < fm->nones; k++)
			if (memchr(s, fm->onec[k], n))
				lit_true(pf, st, fm->ones[k]);
	if (fm->xslots)
		exact_probe(pf, st, fm, s, n, raw);
	if (fm->fwd.nodes)
		trie_fwd(pf, st, &fm->fwd, s, n, raw);
	if (fm->rev.nodes)
		trie_rev(pf, st, &fm->rev, s, n, raw);
	if (fm->gbits && fm->pbits && fm->stride == 1) {
		scan_both(pf, st, fm, s, n);
		return;
	}
	if (fm->gbits)
		scan_grams(pf, st, fm, s, n);
	if (fm->pbits)
		scan_pairs(pf, st, fm, s, n);
}

/* Only matchers that scan every position (grams, pairs, bytes) are worth a lookup
 * (and a folded copy): an exact probe and trie walks cost about as much as one. */
static inline bool cache_worth(const struct fmatch *fm)
{
	return fm->gbits || fm->pbits || fm->nones;
}

/* Every literal of fm in the elements of the list v (VG_VK_LIST), each scanned as
 * a value of its own (folded, padded, in the room VG_LR_FOLD): the matchers test
 * a list element by element (detect.c, list_value_match), and an anchored
 * literal or one holding a character JSON escapes ('\\') is only found so.
 * Nulls hold none.  @return false when out of memory. */
VG_NOINLINE static bool scan_list(const struct vg_prefilter *pf, struct vg_pfstate *st,
                                  const struct fmatch *fm, const struct vg_value *v,
                                  struct vg_fold *fd)
{
	struct vg_list_it it;
	struct vg_value el;
	if (!vg_list_begin(&it, v, fd, VG_LR_FIELD))
		return false;
	while (vg_list_next(&it, &el)) {
		if (el.kind == VG_VK_NULL)
			continue;
		char *s = vg_fold_room(fd, VG_LR_FOLD, el.len + VG_FOLD_PAD);
		if (!s)
			return false;
		for (uint32_t i = 0; i < el.len; i++)
			s[i] = (char)fold((unsigned char)el.ptr[i]);
		memset(s + el.len, 0, VG_FOLD_PAD);
		scan_field(pf, st, fm, s, el.len, false);
	}
	return true;
}

/* Scan the present values vals[0..n) of the matchers mf[0..n) (folded first when a
 * matcher scans every position; a list by its elements).  @return false when a
 * value could not be folded (out of memory). */
static bool scan_unit(const struct vg_prefilter *pf, struct vg_pfstate *st,
                      const uint32_t *mf, size_t n, const struct vg_value *const *vals,
                      struct vg_fold *fold)
{
	for (size_t k = 0; k < n; k++) {
		const struct fmatch *fm = &pf->fms[mf[k]];
		const struct vg_value *v = vals[k];
		if (!v)
			continue;
		if (v->kind == VG_VK_LIST) {
			if (!scan_list(pf, st, fm, v, fold))
				return false;
			continue;
		}
		if (!cache_worth(fm)) {
			scan_field(pf, st, fm, v->ptr, v->len, true);
			continue;
		}
		const char *s = vg_fold_get(fold, fm->field, v);
		if (!s)
			return false;
		scan_field(pf, st, fm, s, v->len, false);
	}
	return true;
}

/* A cheap hash of a value for a unit of several: its length, first and last 8
 * bytes (the key is compared whole, so a collision is never a wrong answer; keys
 * that differ only in the middle share a set, and more than its ways of them used
 * in turn evict each other.  Hashing every byte -- xhash -- cost 22% more
 * instructions in the benchmark's detection: values of one field seldom differ
 * only in the middle). */
static inline uint64_t part_hash(const struct vg_value *v)
{
	if (!v)
		return UINT64_C(0x5bd1e995);
	uint64_t a = 0, z = 0;
	if (v->len >= 8) {
		memcpy(&a, v->ptr, 8);
		memcpy(&z, v->ptr + v->len - 8, 8);
	} else if (v->len >= 4) {
		uint32_t p, q;
		memcpy(&p, v->ptr, 4);
		memcpy(&q, v->ptr + v->len - 4, 4);
		a = p, z = q;
	} else {
		for (uint32_t i = 0; i < v->len; i++)
			a = a << 8 | (uint8_t)v->ptr[i];
	}
	return (a * GOLDEN ^ z) + v->len;
}

/* The cache key hash of unit u's values vals[0..n). */
static inline uint64_t unit_hash(size_t u, const struct vg_value *const *vals, size_t n)
{
	if (n == 1)
		return xhash(vals[0]->ptr, vals[0]->len) ^ (uint64_t)u * GOLDEN;
	uint64_t h = (uint64_t)(u + 1) * GOLDEN;
	for (size_t k = 0; k < n; k++) {
		h ^= part_hash(vals[k]);
		h *= UINT64_C(0x9FB21C651E98DF25);
		h ^= h >> 29;
	}
	return vg_mix64(h);
}

/* Added to the cache key length of a unit holding a list: see vg_prefilter_scan. */
#define LIST_KEY ((size_t)1 << 40)
_Static_assert(SIZE_MAX > LIST_KEY * 2, "a key length above UINT32_MAX");

bool vg_prefilter_scan(const struct vg_prefilter *pf, struct vg_pfstate *st,
                       const struct vg_event *ev, struct vg_fold *fold)
{
	st->ncand = 0;
	st->nset = 0;
	st->nwords = pf->nlits / 64 + 1;
	if (++st->epoch == 0) {
		memset(st->mark, 0, st->nrules * sizeof(*st->mark));
		st->epoch = 1;
	}
	for (size_t u = 0; u < pf->nunits; u++) {
		const struct punit *un = &pf->units[u];
		const uint32_t *mf = pf->ufms + un->first;
		const struct vg_value *vals[UNIT_MAX];
		size_t present = 0, klen = 0; /* the cache key's length */
		for (size_t k = 0; k < un->n; k++) {
			const struct vg_value *v = vg_event_get(ev, pf->fms[mf[k]].field);
			if (v && v->kind < VG_VK_NULL) {
				vals[k] = v;
				present++;
				klen += 4 + v->len;
			} else if (v && v->kind == VG_VK_LIST) {
				/* scanned by element, never cached: the key is the
				 * values' bytes, and a string holding a list's text
				 * holds other literals.  A key length above
				 * UINT32_MAX is never stored (vg_pfcache_fill) and
				 * so never equals one (the lookups compare it) */
				vals[k] = v;
				present++;
				klen += 4 + v->len + LIST_KEY;
			} else {
				vals[k] = NULL;
				klen += 4;
			}
		}
		if (!present)
			continue;
		if (un->n == 1)
			klen -= 4;
		struct vg_pfcache_slot *slot = NULL;
		uint64_t h = 0;
		if (st->cache && un->cache && pf->nlits < CACHED_POSTS) {
			st->cache_lookups++;
			size_t nhit;
			/* the slot this unit used last (when the key's length is
			 * that of its lookup), then the set of the key's hash */
			const uint8_t *d =
			    u < VG_PF_LAST && st->last_len[u] == klen
			        ? vg_pfcache_last(st->cache, st->last[u], pf, (uint32_t)u,
			                          vals, un->n, klen, &nhit)
			        : NULL;
			if (!d) {
				h = unit_hash(u, vals, un->n);
				d = vg_pfcache_find(st->cache, pf, (uint32_t)u, h, vals,
				                    un->n, klen, &nhit, &slot);
				if (u < VG_PF_LAST) { /* hit, or filled below */
					st->last[u] = slot;
					st->last_len[u] = klen;
				}
			}
			if (d) {
				/* a unit's literals are set by its scan only: each
				 * id is new to this event */
				st->cache_hits++;
				size_t k = 0;
				for (; k < nhit; k++) { /* those with postings first */
					uint32_t w, id;
					memcpy(&w, d + 4 * k, 4);
					if (!(w & CACHED_POSTS))
						break;
					id = w & ~CACHED_POSTS;
					st->bits[id >> 6] |= UINT64_C(1) << (id & 63);
					lit_post(pf, st, id);
				}
				for (; k < nhit; k++) {
					uint32_t id;
					memcpy(&id, d + 4 * k, 4);
					st->bits[id >> 6] |= UINT64_C(1) << (id & 63);
				}
				continue;
			}
		}
		size_t from = st->nset;
		if (!scan_unit(pf, st, mf, un->n, vals, fold)) {
			vg_prefilter_clear(st);
			st->ncand = 0;
			return false;
		}
		if (slot) { /* the literals this unit's scan set (only its own),
			     those with postings flagged and first */
			for (size_t k = from, p = from; k < st->nset; k++)
				if (pf->lits[st->set[k]].npost) {
					uint32_t id = st->set[k];
					st->set[k] = st->set[p];
					st->set[p++] = id | CACHED_POSTS;
				}
			vg_pfcache_fill(st->cache, slot, pf, (uint32_t)u, h, vals, un->n,
			                klen, st->set + from, st->nset - from);
		}
	}
	cand_filter(pf, st);
	return true;
}

void vg_prefilter_clear(struct vg_pfstate *st)
{
	memset(st->bits, 0, st->nwords * sizeof(*st->bits));
	st->nset = 0;
}

size_t vg_prefilter_nlits(const struct vg_prefilter *pf)
{
	return pf ? pf->nlits : 0;
}

const size_t *vg_prefilter_always(const struct vg_prefilter *pf, size_t *n)
{
	*n = pf->nalways;
	return pf->always;
}

struct vg_prefilter *vg_prefilter_ref(struct vg_prefilter *pf)
{
	if (pf)
		pf->refs++;
	return pf;
}

static void trie_free(struct trie *t)
{
	free(t->nodes);
	free(t->label);
	free(t->child);
	free(t->coff);
	free(t->clen);
	free(t->chain);
	free(t->terms);
	free(t->dense);
}

static void fmatch_free(struct fmatch *fm)
{
	trie_free(&fm->fwd);
	trie_free(&fm->rev);
	free(fm->present);
	free(fm->ones);
	free(fm->onec);
	free(fm->onetab);
	free(fm->gbits);
	free(fm->gslots);
	free(fm->gents);
	free(fm->pbits);
	free(fm->pslots);
	free(fm->p3);
	free(fm->xslots);
	free(fm->xents);
	memset(fm, 0, sizeof(*fm));
}

void vg_prefilter_free(struct vg_prefilter *pf)
{
	if (!pf || --pf->refs > 0)
		return;
	for (size_t i = 0; i < pf->nfms; i++)
		fmatch_free(&pf->fms[i]);
	free(pf->fms);
	free(pf->units);
	free(pf->ufms);
	free(pf->lmasks);
	free(pf->lits);
	free(pf->text);
	free(pf->posts);
	free(pf->always);
	free(pf->sec);
	free(pf);
}

/* ------------------------------------------------------ gram frequencies */

/* How many string values of the group contain each 4-byte gram (folded), counted
 * at load time: the rule set is the proxy for event text, so a contains literal is
 * found through its rarest gram ('WinPwn.exe' by "npwn", not by ".exe"). */
#define GF_SLOTS (1u << 17)
struct gfreq {
	uint32_t key[GF_SLOTS];
	uint32_t count[GF_SLOTS]; /* 0 = empty slot */
};

static inline uint32_t gram_key(const char *p)
{
	uint32_t x = 0;
	for (int i = 0; i < GRAM; i++)
		x = x << 8 | fold((unsigned char)p[i]);
	return x;
}

static uint32_t *gf_slot(struct gfreq *gf, uint32_t key, bool add)
{
	uint32_t h = (uint32_t)((key * GOLDEN) >> 47);
	for (uint32_t q = 0; q < GF_SLOTS; q++) {
		uint32_t s = (h + q) & (GF_SLOTS - 1);
		if (gf->count[s] == 0) {
			if (!add)
				return NULL;
			gf->key[s] = key;
			return &gf->count[s];
		}
		if (gf->key[s] == key)
			return &gf->count[s];
	}
	return NULL; /* full: the gram counts as unseen */
}

static uint32_t gf_get(const struct gfreq *gf, const char *p)
{
	if (!gf)
		return 0;
	uint32_t *c = gf_slot((struct gfreq *)gf, gram_key(p), false);
	return c ? *c : 0;
}

static void gf_count_pattern(struct gfreq *gf, const struct vg_pattern *p)
{
	if (p->op != VG_MOP_STR)
		return;
	for (size_t k = 0; k + GRAM <= p->len; k++) {
		bool lit = true;
		for (size_t j = 0; j < GRAM && p->kinds; j++)
			lit = lit && p->kinds[k + j] == VG_WC_LIT;
		uint32_t *c = lit ? gf_slot(gf, gram_key(p->text + k), true) : NULL;
		if (c && *c < UINT32_MAX)
			++*c;
	}
}

/* The frequency of the rarest gram of s[0..n) (n >= GRAM); *end: where it ends
 * (the latest of equals: literals often share their first bytes). */
static uint32_t rarest_gram(const struct gfreq *gf, const char *s, size_t n, size_t *end)
{
	uint32_t best = UINT32_MAX;
	*end = n;
	for (size_t e = n; e >= GRAM; e--) {
		uint32_t f = gf_get(gf, s + e - GRAM);
		if (f < best)
			best = f, *end = e;
	}
	return best;
}

/* ----------------------------------------------------- literal dictionary */

struct lbuild {
	struct vg_lit *lits;
	uint32_t *uses; /* per literal: patterns that imply it */
	size_t n, cap;
	char *text;
	size_t tlen, tcap;
	uint32_t *slots; /* hash -> id + 1 */
	size_t nslots;
	struct gfreq *gf;
	uint32_t *nexact; /* per field id: distinct exact literals (after pass 1) */
	size_t nfields;
	bool oom;
};

static uint64_t lit_hash(vg_field f, uint8_t shape, const char *s, size_t n)
{
	return vg_hash64(s, n, ((uint64_t)(uint32_t)f << 8) | shape);
}

static bool lb_rehash(struct lbuild *b, size_t nslots)
{
	uint32_t *ns = calloc(nslots, sizeof(*ns));
	if (!ns)
		return false;
	for (size_t i = 0; i < b->n; i++) {
		const struct vg_lit *l = &b->lits[i];
		uint64_t h = lit_hash(l->field, l->shape, b->text + l->off, l->len);
		for (size_t q = 0;; q++)
			if (!ns[(h + q) & (nslots - 1)]) {
				ns[(h + q) & (nslots - 1)] = (uint32_t)i + 1;
				break;
			}
	}
	free(b->slots);
	b->slots = ns;
	b->nslots = nslots;
	return true;
}

/* The id of literal (f, shape, s[0..n)) (s already folded), added when new.
 * @return UINT32_MAX when out of memory (b->oom). */
static uint32_t lit_intern(struct lbuild *b, vg_field f, uint8_t shape, const char *s,
                           size_t n)
{
	if (b->oom)
		return UINT32_MAX;
	if (n > UINT32_MAX / 2 || (2 * (b->n + 1) > b->nslots &&
	                           !lb_rehash(b, b->nslots ? b->nslots * 2 : 1024)))
		goto oom;
	uint64_t h = lit_hash(f, shape, s, n);
	size_t q = 0, mask = b->nslots - 1;
	for (;; q++) {
		uint32_t id = b->slots[(h + q) & mask];
		if (!id)
			break;
		const struct vg_lit *l = &b->lits[id - 1];
		if (l->field == f && l->shape == shape && l->len == n &&
		    memcmp(b->text + l->off, s, n) == 0)
			return id - 1;
	}
	if (b->n == b->cap) {
		size_t nc = b->cap ? b->cap * 2 : 256;
		struct vg_lit *nl = realloc(b->lits, nc * sizeof(*nl));
		if (nl)
			b->lits = nl;
		uint32_t *nu = nl ? realloc(b->uses, nc * sizeof(*nu)) : NULL;
		if (!nu)
			goto oom;
		b->uses = nu;
		b->cap = nc;
	}
	if (b->tlen + n + 1 > b->tcap) {
		size_t nc = (b->tlen + n + 1) * 2 + 4096;
		char *nt = realloc(b->text, nc);
		if (!nt)
			goto oom;
		b->text = nt;
		b->tcap = nc;
	}
	memcpy(b->text + b->tlen, s, n);
	b->lits[b->n] = (struct vg_lit){
	    .field = f, .shape = shape, .off = (uint32_t)b->tlen, .len = (uint32_t)n};
	b->uses[b->n] = 0;
	b->tlen += n;
	b->slots[(h + q) & mask] = (uint32_t)++b->n;
	return (uint32_t)(b->n - 1);
oom:
	b->oom = true;
	return UINT32_MAX;
}

/* Intern s[0..n) folded. */
static uint32_t lit_intern_fold(struct lbuild *b, vg_field f, uint8_t shape,
                                const char *s, size_t n)
{
	char buf[256] = {0};
	char *t = n <= sizeof(buf) ? buf : malloc(n);
	if (!t) {
		b->oom = true;
		return UINT32_MAX;
	}
	for (size_t i = 0; i < n; i++)
		t[i] = (char)fold((unsigned char)s[i]);
	uint32_t id = lit_intern(b, f, shape, t, n);
	if (t != buf)
		free(t);
	return id;
}

/* ------------------------------------------------------ regex literals */

/* Whether the regex's options let re_literals read it; *caseless: letters may
 * match either case (treated so for the whole pattern); *dotall: '.' matches
 * anything; *lf: the newline convention is LF ('.' matches all but '\n') -- or
 * ANY / ANYCRLF, where '.' at least never matches '\n' (*lines). */
struct reopts {
	bool caseless, lines, exact_dot; /* exact_dot: '.' is "any but \n" or "any" */
	bool lf_newline; /* '\n' is a newline (LF, ANY, ANYCRLF): \N never matches it */
	bool dotall;
	bool lead_i; /* the pattern starts with "(?i)" (its only option setting) */
};

static bool re_readable(const struct vg_pattern *p, struct reopts *o)
{
	uint32_t opts = 0, nl = 0;
	memset(o, 0, sizeof(*o));
	/* the pattern text (rules.c keeps it) must be whole: no NUL inside */
	if (!p->text || strlen(p->text) != p->len ||
	    pcre2_pattern_info(p->re, PCRE2_INFO_ARGOPTIONS, &opts) != 0 ||
	    pcre2_pattern_info(p->re, PCRE2_INFO_NEWLINE, &nl) != 0)
		return false;
	const uint32_t ok = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_CASELESS |
	                    PCRE2_MULTILINE | PCRE2_DOTALL | PCRE2_NO_UTF_CHECK;
	if (opts & ~ok)
		return false;
	o->caseless = opts & PCRE2_CASELESS;
	o->dotall = opts & PCRE2_DOTALL;
	/* inline options anywhere ("(?i)", "(?x:"): x changes the syntax, i the
	 * case, s the dot */
	size_t settings = 0;
	for (const char *q = p->text; (q = strstr(q, "(?")) != NULL; q += 2) {
		const char *c = q + 2;
		while ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		       *c == '-' || *c == '^') {
			if (*c == 'x')
				return false;
			if (*c == 'i')
				o->caseless = true;
			if (*c == 's')
				o->dotall = true;
			c++;
		}
		settings++;
	}
	o->lead_i = settings == 1 && strncmp(p->text, "(?i)", 4) == 0;
	o->lf_newline = nl == PCRE2_NEWLINE_LF || nl == PCRE2_NEWLINE_ANY ||
	                nl == PCRE2_NEWLINE_ANYCRLF;
	o->lines = !o->dotall && o->lf_newline;
	o->exact_dot = o->dotall || nl == PCRE2_NEWLINE_LF;
	return true;
}

/* The end of the character class starting at p[i] == '[', or 0 when malformed. */
static size_t skip_class(const char *p, size_t n, size_t i)
{
	i++;
	if (i < n && p[i] == '^')
		i++;
	if (i < n && p[i] == ']')
		i++; /* a leading ']' is literal */
	while (i < n && p[i] != ']') {
		if (p[i] == '\\')
			i++;
		else if (p[i] == '[' && i + 1 < n && p[i + 1] == ':') {
			const char *e = strstr(p + i + 2, ":]");
			if (!e || (size_t)(e - p) >= n)
				return 0;
			i = (size_t)(e - p) + 1;
		}
		i++;
	}
	return i < n ? i + 1 : 0;
}

/* The end of the group starting at p[i] == '(', or 0 when malformed. */
static size_t skip_group(const char *p, size_t n, size_t i)
{
	int depth = 0;
	while (i < n) {
		switch (p[i]) {
		case '\\': i += 2; continue;
		case '[':
			if (!(i = skip_class(p, n, i)))
				return 0;
			continue;
		case '(': depth++; break;
		case ')':
			if (--depth == 0)
				return i + 1;
			break;
		default: break;
		}
		i++;
	}
	return 0;
}

/* Parse a counted quantifier at p[i] == '{': "{n}", "{n,}", "{n,m}".  @return the
 * index after it (0 when it is not one) and *min. */
static size_t quant_braces(const char *p, size_t n, size_t i, long *min)
{
	size_t j = i + 1;
	long a = 0;
	size_t digits = 0;
	while (j < n && p[j] >= '0' && p[j] <= '9' && digits < 6)
		a = a * 10 + (p[j++] - '0'), digits++;
	if (!digits || j >= n)
		return 0;
	if (p[j] == ',') {
		j++;
		while (j < n && p[j] >= '0' && p[j] <= '9')
			j++;
	}
	if (j >= n || p[j] != '}')
		return 0;
	*min = a;
	return j + 1;
}

/* Every run of the first alternative in pattern order, for the ordered check of
 * vg_pattern.seq: per run a flag byte (VG_SEQ_SAME_LINE: nothing between it and the
 * previous run can match '\n'), its bytes, a NUL. */
#define SEQ_MAX 1024
struct reseq {
	char buf[SEQ_MAX];
	size_t len, nruns;
	bool full; /* a run did not fit: keep what fits (a prefix of the sequence) */
};

struct rerun {
	char cur[RUN_MAX], best[RUN_MAX];
	size_t ncur, nbest;
	uint32_t bfreq; /* rarest gram of best (UINT32_MAX: shorter than GRAM) */
	bool nl;        /* something since the previous run may match '\n' */
	bool cur_nl;    /* ... as of the start of cur */
	bool cut_nl;    /* a '\n' of the run is past the RUN_MAX bytes cur keeps */
};

static void seq_add(struct reseq *q, const char *run, size_t n, bool nl)
{
	if (!q || q->full || !n)
		return;
	if (memchr(run, '\n', n))
		nl = true; /* never searched within one line */
	if (q->len + n + 2 > SEQ_MAX || q->nruns == UINT16_MAX) {
		q->full = true;
		return;
	}
	q->buf[q->len++] = nl ? VG_SEQ_ANYWHERE : VG_SEQ_SAME_LINE;
	memcpy(q->buf + q->len, run, n);
	q->buf[q->len + n] = '\0';
	q->len += n + 1;
	q->nruns++;
}

static void run_end(struct rerun *r, const struct gfreq *gf, struct reseq *q)
{
	if (r->ncur) {
		seq_add(q, r->cur, r->ncur, r->cur_nl);
		/* a run holding '\n' spans lines: what follows is not on its first
		 * (nor when the '\n' was past the bytes kept) */
		r->nl = memchr(r->cur, '\n', r->ncur) != NULL || r->cut_nl;
		r->cut_nl = false;
		size_t end;
		uint32_t f =
		    r->ncur >= GRAM ? rarest_gram(gf, r->cur, r->ncur, &end) : UINT32_MAX;
		/* runs of >= GRAM bytes: the one with the rarest gram; else the longest
		 */
		bool better =
		    r->nbest == 0 ||
		    (f != UINT32_MAX && (r->bfreq == UINT32_MAX || f < r->bfreq ||
		                         (f == r->bfreq && r->ncur > r->nbest))) ||
		    (f == UINT32_MAX && r->bfreq == UINT32_MAX && r->ncur > r->nbest);
		if (better) {
			memcpy(r->best, r->cur, r->ncur);
			r->nbest = r->ncur;
			r->bfreq = f;
		}
	}
	r->ncur = 0;
}

/*
 * Literals a regex match must contain, read conservatively from the pattern text:
 * per top-level alternative, the best run of consecutive literal characters that
 * are not optional.  Groups, classes, escapes other than escaped punctuation,
 * control and non-ASCII characters and (when caseless) k and s -- which PCRE2
 * also matches to U+212A and U+017F -- end a run; a quantifier with a minimum of 0
 * drops the character before it; any syntax not understood here gives up.  Runs
 * are folded.  With seq, the first alternative's runs are also written there in
 * order, each flagged with whether the atoms between it and the previous run can
 * match a newline (only '.' without DOTALL, \d \w \h \N, literal characters and
 * assertions cannot), and *exact says whether the regex is exactly "its runs in
 * this order" (see vg_regex_seq).
 * @return the number of alternatives written to out[] / outlen[] (each with a run
 * of >= 1 byte), 0 when some alternative has none or the pattern is not read.
 */
static size_t re_literals(const struct vg_pattern *p, const struct gfreq *gf,
                          char (*out)[RUN_MAX], size_t *outlen, size_t max,
                          struct reseq *seq, bool *exact)
{
	struct reopts o;
	bool ex = true; /* so far: runs joined by ".*" */
	if (exact)
		*exact = false;
	if (!re_readable(p, &o))
		return 0;
	const char *s = p->text;
	size_t n = p->len, i = 0, nalt = 0;
	bool caseless = o.caseless;
	if (o.lead_i)
		i = 4; /* "(?i)": caseless, zero width */
	else if (strstr(s, "(?"))
		ex = false;
	struct rerun r = {.bfreq = UINT32_MAX};
	for (;;) {
		if (i == n || s[i] == '|') {
			run_end(&r, gf, nalt == 0 ? seq : NULL);
			if (!r.nbest || nalt == max)
				return 0;
			memcpy(out[nalt], r.best, r.nbest);
			outlen[nalt++] = r.nbest;
			r = (struct rerun){.bfreq = UINT32_MAX};
			if (i == n) {
				if (exact)
					*exact = ex && nalt == 1 && o.exact_dot && seq &&
					         !seq->full;
				return nalt;
			}
			ex = false;
			i++;
			continue;
		}
		int lit = -1;   /* the atom's literal byte, -1 for anything else */
		bool nl = true; /* the atom may match '\n' */
		bool dot = false;
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '\\': {
			if (i + 1 >= n)
				return 0;
			unsigned char e = (unsigned char)s[i + 1];
			i += 2;
			if (e >= 0x80 || e < 0x20)
				return 0;
			if (!((e >= '0' && e <= '9') || (e >= 'a' && e <= 'z') ||
			      (e >= 'A' && e <= 'Z'))) {
				lit = e; /* escaped punctuation is literal */
				break;
			}
			if (strchr("dwhbBAzZGK", e)) {
				nl = false; /* no newline in \d \w \h; assertions */
				break;
			}
			if (strchr("DWsSHvVRX", e))
				break; /* classes that may match a newline */
			if (e == 'N' && !(i < n && s[i] == '{')) {
				/* any character but a newline: '\n' under CR, CRLF
				 * or NUL conventions ("(*CRLF)") */
				nl = !o.lf_newline;
				break;
			}
			if (e == 'p' || e == 'P' || e == 'x') {
				if (i < n && s[i] == '{') {
					const char *cl = memchr(s + i, '}', n - i);
					if (!cl)
						return 0;
					i = (size_t)(cl - s) + 1;
				} else if (e != 'x') {
					if (i++ >= n)
						return 0;
				} else {
					for (int k = 0; k < 2 && i < n &&
					                ((s[i] >= '0' && s[i] <= '9') ||
					                 (s[i] >= 'a' && s[i] <= 'f') ||
					                 (s[i] >= 'A' && s[i] <= 'F'));
					     k++)
						i++;
				}
				break;
			}
			if (strchr("ntrfea", e)) { /* control characters */
				lit = e == 'n'   ? '\n'
				      : e == 't' ? '\t'
				      : e == 'r' ? '\r'
				      : e == 'f' ? '\f'
				      : e == 'e' ? 0x1b
				                 : 0x07;
				break;
			}
			return 0; /* back references, octal, \Q, \c, \g, ... */
		}
		case '[':
			if (!(i = skip_class(s, n, i)))
				return 0;
			break;
		case '(':
			if (i + 2 < n && s[i + 1] == '?' && s[i + 2] == '#')
				return 0; /* comments end at the first ')' */
			if (!(i = skip_group(s, n, i)))
				return 0;
			break;
		case '.':
			nl = !o.lines;
			dot = true;
			i++;
			break;
		case '^':
		case '$':
			nl = false; /* zero width */
			i++;
			break;
		case ')':
		case '*':
		case '+':
		case '?':
		case '{': return 0;
		default:
			if (c >= 0x80) {
				nl = false; /* one non-ASCII character */
				i++;
				while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80)
					i++;
			} else if (c < 0x20 || c == 0x7f) {
				i++; /* control characters: not read as literals */
			} else {
				lit = c;
				nl = false;
				i++;
			}
		}
		/* a quantifier applies to the atom */
		long min = 1;
		bool quant = false, star = false;
		if (i < n) {
			if (s[i] == '?' || s[i] == '*')
				min = 0, quant = true, star = s[i] == '*', i++;
			else if (s[i] == '+')
				quant = true, i++;
			else if (s[i] == '{') {
				size_t e = quant_braces(s, n, i, &min);
				if (!e)
					return 0; /* a literal '{': not read here */
				quant = true;
				i = e;
			}
			if (quant && i < n && s[i] == '+')
				star = false; /* possessive: no longer "any text" */
			if (quant && i < n && (s[i] == '?' || s[i] == '+'))
				i++; /* lazy, possessive */
			if (quant && i < n &&
			    (s[i] == '?' || s[i] == '*' || s[i] == '+' || s[i] == '{'))
				return 0;
		}
		bool letter = lit >= 0 && ((lit | 0x20) >= 'a' && (lit | 0x20) <= 'z');
		if (lit >= 0 && min >= 1 &&
		    !(caseless && (fold((unsigned char)lit) == 'k' ||
		                   fold((unsigned char)lit) == 's'))) {
			/* exact only when folded comparison is the regex's: no letter,
			 * or letters compared caselessly */
			if (quant || (letter && !caseless) || lit < 0x20)
				ex = false;
			if (r.ncur == 0)
				r.cur_nl = r.nl;
			if (r.ncur < RUN_MAX) {
				r.cur[r.ncur++] = (char)fold((unsigned char)lit);
			} else {
				ex = false;
				r.cut_nl |= lit == '\n';
			}
			if (quant) /* what follows need not be adjacent */
				run_end(&r, gf, nalt == 0 ? seq : NULL);
		} else {
			if (!(dot && star))
				ex = false;
			run_end(&r, gf, nalt == 0 ? seq : NULL);
			r.nl = r.nl || nl;
		}
	}
}

/* ----------------------------------------------------- pattern literals */

#define MAX_ALTS 16 /* regex alternatives indexed */

/* The best literal run of a glob: prefix / suffix runs of >= GRAM bytes first, then
 * the contains run with the rarest gram, then the longest run.  @return its id, or
 * UINT32_MAX when the glob has no literal byte. */
/* A literal run of a glob: where it starts, its length, and its shape (prefix at the
 * start, suffix at the end, else contains). */
struct grun {
	size_t at, len;
	uint8_t shape;
};

/* The literal runs of glob p in pattern order, at most max into out. */
static size_t glob_runs(const struct vg_pattern *p, struct grun *out, size_t max)
{
	size_t n = 0;
	for (size_t k = 0; k < p->len && n < max;) {
		if (p->kinds[k] != VG_WC_LIT) {
			k++;
			continue;
		}
		size_t e = k;
		while (e < p->len && p->kinds[e] == VG_WC_LIT)
			e++;
		out[n++] = (struct grun){k, e - k,
		                         k == 0        ? VG_PS_PREFIX
		                         : e == p->len ? VG_PS_SUFFIX
		                                       : VG_PS_CONTAINS};
		k = e;
	}
	return n;
}

#define RUNS_MAX 64 /* literal runs of a pattern considered */
static uint32_t glob_lit(struct lbuild *b, vg_field f, const struct vg_pattern *p)
{
	struct grun runs[RUNS_MAX];
	size_t n = glob_runs(p, runs, RUNS_MAX), best = 0;
	int best_score = INT_MAX;
	for (size_t i = 0; i < n; i++) {
		size_t at = runs[i].at, len = runs[i].len;
		int score;
		if (runs[i].shape != VG_PS_CONTAINS && len >= GRAM) {
			score = 0;
		} else if (len >= GRAM) {
			size_t end;
			uint32_t fr = rarest_gram(b->gf, p->text + at, len, &end);
			score = 1 + (int)(fr > 1000000 ? 1000000 : fr);
		} else {
			score = 2000000 - (int)len;
		}
		if (score < best_score)
			best_score = score, best = i;
	}
	if (!n)
		return UINT32_MAX;
	return lit_intern_fold(b, f, runs[best].shape, p->text + runs[best].at,
	                       runs[best].len);
}

/* The literals pattern p (on field f) implies, one of which holds whenever p does,
 * into ids[0..max).  *exact: there is one and it holds exactly when p does.
 * @return how many (0: none). */
static size_t pattern_lits(struct lbuild *b, vg_field f, const struct vg_pattern *p,
                           uint32_t *ids, size_t max, bool *exact)
{
	*exact = false;
	if (p->op == VG_MOP_STR) {
		switch (p->shape) {
		case VG_PS_EXACT:
		case VG_PS_PREFIX:
		case VG_PS_SUFFIX:
		case VG_PS_CONTAINS:
			/* text of a pattern that is not cased is stored lowercased: the
			 * literal is the pattern, compared with the folded value */
			ids[0] = p->cased ? lit_intern_fold(b, f, (uint8_t)p->shape,
			                                    p->text, p->len)
			                  : lit_intern(b, f, (uint8_t)p->shape, p->text,
			                               p->len);
			*exact = !p->cased;
			return ids[0] == UINT32_MAX ? 0 : 1;
		case VG_PS_ANY:
			ids[0] = lit_intern(b, f, VG_PS_CONTAINS, "", 0);
			*exact = true;
			return ids[0] == UINT32_MAX ? 0 : 1;
		case VG_PS_GLOB:
			ids[0] = glob_lit(b, f, p);
			return ids[0] == UINT32_MAX ? 0 : 1;
		}
		return 0;
	}
	if (p->op == VG_MOP_RE) {
		char runs[MAX_ALTS][RUN_MAX];
		size_t lens[MAX_ALTS];
		size_t k = re_literals(p, b->gf, runs, lens,
		                       max < MAX_ALTS ? max : MAX_ALTS, NULL, NULL);
		for (size_t i = 0; i < k; i++)
			if ((ids[i] = lit_intern(b, f, VG_PS_CONTAINS, runs[i],
			                         lens[i])) == UINT32_MAX)
				return 0;
		return k;
	}
	return 0;
}

/* Up to RUN_RANKS - 1 literals besides pattern_lits' one, each of which holds on its
 * own whenever p does: the other literal runs of a glob, the other runs of a regex
 * of one alternative (vg_pattern.seq, folded; a prefix of a long run).  A value
 * list of globs such as 'ping*|*find', 'net*|*find' can then require '|' or
 * 'find' as well as its best runs.  Into ids[0..), cheapest first (lit_cost; every
 * id differs from own, pattern_lits' literal); @return how many. */
#define RUN_RANKS 3
static int lit_cost(const struct lbuild *b, uint32_t id);
static size_t pattern_runs(struct lbuild *b, vg_field f, const struct vg_pattern *p,
                           uint32_t own, uint32_t *ids)
{
	uint32_t all[RUNS_MAX];
	size_t n = 0;
	if (p->op == VG_MOP_STR && p->shape == VG_PS_GLOB) {
		struct grun runs[RUNS_MAX];
		size_t nr = glob_runs(p, runs, RUNS_MAX);
		for (size_t i = 0; i < nr; i++) {
			all[n] = lit_intern_fold(b, f, runs[i].shape,
			                         p->text + runs[i].at, runs[i].len);
			n += all[n] != UINT32_MAX;
		}
	} else if (p->op == VG_MOP_RE && p->seq) {
		const char *q = p->seq;
		for (uint16_t r = 0; r < p->nseq && n < RUNS_MAX; r++) {
			size_t len = strlen(q + 1);
			all[n] = lit_intern(b, f, VG_PS_CONTAINS, q + 1,
			                    len < RUN_MAX ? len : RUN_MAX);
			n += all[n] != UINT32_MAX;
			q += len + 2;
		}
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		bool dup = all[i] == own;
		for (size_t j = 0; j < k && !dup; j++)
			dup = ids[j] == all[i];
		if (dup)
			continue;
		/* insertion by cost, the RUN_RANKS - 1 cheapest kept */
		int c = lit_cost(b, all[i]);
		size_t at = k;
		while (at > 0 && lit_cost(b, ids[at - 1]) > c)
			at--;
		if (at >= RUN_RANKS - 1)
			continue;
		if (k < RUN_RANKS - 1)
			k++;
		memmove(ids + at + 1, ids + at, (k - 1 - at) * sizeof(*ids));
		ids[at] = all[i];
	}
	return k;
}

vg_err vg_regex_seq(struct vg_pattern *p)
{
	char runs[1][RUN_MAX];
	size_t lens[1];
	bool exact = false;
	if (p->op != VG_MOP_RE || p->seq)
		return VG_OK;
	struct reseq *q = calloc(1, sizeof(*q));
	if (!q)
		return VG_ERR_NOMEM;
	vg_err err = VG_OK;
	if (re_literals(p, NULL, runs, lens, 1, q, &exact) == 1 &&
	    (q->nruns >= 2 || exact)) {
		if ((p->seq = malloc(q->len)) != NULL) {
			memcpy(p->seq, q->buf, q->len);
			p->nseq = (uint16_t)q->nruns;
			p->seq_exact = exact;
		} else {
			err = VG_ERR_NOMEM;
		}
	}
	free(q);
	return err;
}

/* Pass 1: every pattern of a selection gets its literal; items whose values are all
 * exact literals are marked lits_only. */
static void sel_assign(struct lbuild *b, struct vg_sel *sel)
{
	for (size_t a = 0; a < sel->nalts; a++)
		for (size_t i = 0; i < sel->alts[a].n; i++) {
			struct vg_fcond *fc = &sel->alts[a].conds[i];
			if (fc->field == VG_FIELD_NONE || fc->tp)
				continue;
			for (size_t v = 0; v < fc->nvals; v++) {
				struct vg_pattern *p = &fc->vals[v];
				uint32_t ids[MAX_ALTS];
				bool exact;
				size_t k =
				    pattern_lits(b, fc->field, p, ids, MAX_ALTS, &exact);
				for (size_t j = 0; j < k; j++)
					b->uses[ids[j]]++;
				p->lit = k == 1 ? ids[0] + 1 : 0;
				p->lit_exact = k == 1 && exact;
			}
		}
}

/* Pass 3: items whose values are all exact literals are marked lits_only (bit
 * tests). */
static void sel_finish(struct vg_sel *sel)
{
	for (size_t a = 0; a < sel->nalts; a++)
		for (size_t i = 0; i < sel->alts[a].n; i++) {
			struct vg_fcond *fc = &sel->alts[a].conds[i];
			/* an `all` of groups of variants needs one bit per group,
			 * which the (word, mask) tests cannot say: fcond_match */
			bool only = fc->nvals > 0 && !fc->grp;
			for (size_t v = 0; v < fc->nvals && only; v++)
				only = fc->vals[v].lit_exact;
			fc->lits_only = only;
		}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* The (word, mask) pairs of the literal bits of fc's values into out (room for
 * fc->nvals); ids: scratch for fc->nvals ids.  @return the number of pairs. */
static size_t fc_masks(const struct vg_fcond *fc, uint32_t *ids, struct vg_litmask *out)
{
	for (size_t v = 0; v < fc->nvals; v++)
		ids[v] = fc->vals[v].lit - 1;
	qsort(ids, fc->nvals, sizeof(*ids), cmp_u32);
	size_t k = 0;
	for (size_t v = 0; v < fc->nvals; v++) {
		uint32_t w = ids[v] >> 6;
		if (k == 0 || out[k - 1].word != w)
			out[k++] = (struct vg_litmask){w, 0};
		out[k - 1].mask |= UINT64_C(1) << (ids[v] & 63);
	}
	return k;
}

/* The literal masks (vg_fcond.lmask) of every lits_only item of the rules, in one
 * block the prefilter owns.  @return false when out of memory. */
static bool lmask_build(struct vg_prefilter *pf, const struct vg_ruleset *rs,
                        const size_t *rules, size_t n)
{
	size_t total = 0, maxv = 1;
	for (int pass = 0; pass < 2; pass++) {
		uint32_t *ids = pass ? malloc(maxv * sizeof(*ids)) : NULL;
		if (pass) {
			pf->lmasks = malloc((total ? total : 1) * sizeof(*pf->lmasks));
			if (!ids || !pf->lmasks) {
				free(ids);
				return false;
			}
		}
		size_t at = 0;
		for (size_t i = 0; i < n; i++) {
			struct vg_rule *r = rs->rules[rules[i]];
			for (size_t k = 0; k < r->nsels; k++)
				for (size_t a = 0; a < r->sels[k].nalts; a++)
					for (size_t c = 0; c < r->sels[k].alts[a].n;
					     c++) {
						struct vg_fcond *fc =
						    &r->sels[k].alts[a].conds[c];
						if (!fc->lits_only)
							continue;
						if (!pass) {
							if (fc->nvals > maxv)
								maxv = fc->nvals;
							total += fc->nvals;
							continue;
						}
						fc->lmask = pf->lmasks + at;
						fc->nlmask = (uint32_t)fc_masks(
						    fc, ids, pf->lmasks + at);
						at += fc->nlmask;
					}
		}
		free(ids);
	}
	return true;
}

/* ---------------------------------------------------------- requirements */

#define MAX_ANCHORS 1024 /* per anchor set; more: the set is not indexable */
struct aset {
	uint32_t a[MAX_ANCHORS]; /* literal ids */
	size_t n;
	int cost; /* >= NO_ANCHOR: not indexable */
};

/* How costly a literal is as an anchor: about how often it holds, in 1 / 100000
 * (a proxy for the postings walked and the candidates evaluated), from its shape,
 * length, the frequency of its rarest gram among the group's values and how many
 * patterns use it (a literal many rules mention is likely common in events). */
#define COST_MAX 100000
static int lit_cost(const struct lbuild *b, uint32_t id)
{
	const struct vg_lit *l = &b->lits[id];
	long c, uses = 1 + (long)b->uses[id];
	switch (l->shape) {
	case VG_PS_EXACT: {
		/* a field with few values in the rules (IntegrityLevel) has common
		 * ones */
		uint32_t d = (size_t)l->field < b->nfields ? b->nexact[l->field] : 0;
		c = 100 * uses;
		if (d && COST_MAX / (long)d > c)
			c = COST_MAX / (long)d;
		break;
	}
	case VG_PS_PREFIX:
	case VG_PS_SUFFIX:
		if (l->len == 0)
			return NO_ANCHOR;
		c = l->len >= 8   ? 200 * uses
		    : l->len >= 4 ? 1000 * uses
		    : l->len >= 2 ? 10000
		                  : 30000;
		break;
	default:
		if (l->len == 0)
			return NO_ANCHOR;
		if (l->len >= GRAM) {
			size_t end;
			uint32_t f = rarest_gram(b->gf, b->text + l->off, l->len, &end);
			c = 100 * (1 + (long)(f > COST_MAX ? COST_MAX : f));
			if (l->len >= 12)
				c /= 2;
		} else {
			c = l->len == 3 ? 5000 : l->len == 2 ? 10000 : 30000;
		}
	}
	return (int)(c > COST_MAX ? COST_MAX : c < 1 ? 1 : c);
}

/* The cost of either of two anchor sets holding (a probability: capped). */
static int cost_add(int a, int b)
{
	return a >= NO_ANCHOR || b >= NO_ANCHOR ? NO_ANCHOR
	       : a + b > COST_MAX               ? COST_MAX
	                                        : a + b;
}

/* The anchors of one field condition: every value must give some (OR), or for
 * `all` the best single value.  @return false when not indexable. */
static bool fcond_anchors(struct lbuild *b, const struct vg_fcond *fc, unsigned rank,
                          struct aset *out)
{
	out->n = 0;
	out->cost = NO_ANCHOR;
	if (fc->field == VG_FIELD_NONE || fc->neg || fc->tp || fc->nvals == 0)
		return false;
	int total = 0, best = NO_ANCHOR;
	uint32_t besta[MAX_ALTS];
	size_t nbest = 0;
	bool ranked = false; /* some value has a literal of this rank */
	for (size_t i = 0; i < fc->nvals; i++) {
		uint32_t ids[MAX_ALTS], runs[RUN_RANKS - 1];
		bool exact;
		size_t k =
		    pattern_lits(b, fc->field, &fc->vals[i], ids, MAX_ALTS, &exact);
		if (rank && k == 1 &&
		    pattern_runs(b, fc->field, &fc->vals[i], ids[0], runs) >= rank) {
			ids[0] = runs[rank - 1];
			ranked = true;
		}
		int cost = k ? 0 : NO_ANCHOR;
		for (size_t j = 0; j < k && cost < NO_ANCHOR; j++)
			cost = cost_add(cost, lit_cost(b, ids[j]));
		if (cost >= NO_ANCHOR) {
			if (fc->all)
				continue;
			return false;
		}
		if (fc->all) {
			if (cost < best) {
				best = cost;
				memcpy(besta, ids, k * sizeof(*ids));
				nbest = k;
			}
			continue;
		}
		if (out->n + k > MAX_ANCHORS)
			return false;
		memcpy(out->a + out->n, ids, k * sizeof(*ids));
		out->n += k;
		total = cost_add(total, cost);
	}
	if (rank && !ranked)
		return false; /* the same set as rank 0 */
	if (fc->all) {
		if (best >= NO_ANCHOR)
			return false;
		memcpy(out->a, besta, nbest * sizeof(*besta));
		out->n = nbest;
		out->cost = best;
		return true;
	}
	out->cost = total;
	return true;
}

static void aset_copy(struct aset *to, const struct aset *from)
{
	to->n = from->n;
	to->cost = from->cost;
	memcpy(to->a, from->a, from->n * sizeof(from->a[0]));
}

static void aset_union(struct aset *into, const struct aset *b)
{
	if (into->cost >= NO_ANCHOR || b->cost >= NO_ANCHOR ||
	    into->n + b->n > MAX_ANCHORS) {
		into->n = 0;
		into->cost = NO_ANCHOR;
		return;
	}
	memcpy(into->a + into->n, b->a, b->n * sizeof(b->a[0]));
	into->n += b->n;
	into->cost = cost_add(into->cost, b->cost);
}

/* Requirements of a node: up to VG_MAX_REQ anchor sets, every one of which has a
 * true literal whenever the node is true (a conjunction of disjunctions, CNF):
 *  - an item (field condition) gives one set (per value for `|all`);
 *  - AND: the requirements of both children (the cheapest VG_MAX_REQ);
 *  - OR, and a selection with several maps: the pairwise unions of the children's
 *    requirements ((a1 & a2) | b = (a1 | b) & (a2 | b)), the cheapest kept; none
 *    when a child has none;
 *  - NOT, keywords, conditions without literals: none.
 * Keeping only some requirements is always sound (fewer conditions on the
 * candidates). */
struct reqs {
	struct aset r[VG_MAX_REQ];
	size_t n;
};

static void req_add(struct reqs *q, const struct aset *a)
{
	if (a->cost >= NO_ANCHOR || a->n == 0)
		return;
	if (q->n < VG_MAX_REQ) {
		aset_copy(&q->r[q->n++], a);
		return;
	}
	size_t worst = 0;
	for (size_t i = 1; i < q->n; i++)
		if (q->r[i].cost > q->r[worst].cost)
			worst = i;
	if (a->cost < q->r[worst].cost)
		aset_copy(&q->r[worst], a);
}

/* q = the cheapest pairwise unions of q and o (a disjunction of both). */
static bool reqs_or(struct reqs *q, const struct reqs *o)
{
	struct pair {
		int cost;
		uint8_t i, j;
	} ps[VG_MAX_REQ * VG_MAX_REQ];
	size_t np = 0;
	for (size_t i = 0; i < q->n; i++)
		for (size_t j = 0; j < o->n; j++)
			if (q->r[i].n + o->r[j].n <= MAX_ANCHORS)
				ps[np++] =
				    (struct pair){cost_add(q->r[i].cost, o->r[j].cost),
				                  (uint8_t)i, (uint8_t)j};
	/* the VG_MAX_REQ cheapest pairs (selection: np <= 64) */
	for (size_t k = 0; k < np && k < VG_MAX_REQ; k++)
		for (size_t m = k + 1; m < np; m++)
			if (ps[m].cost < ps[k].cost) {
				struct pair t = ps[k];
				ps[k] = ps[m];
				ps[m] = t;
			}
	struct reqs *out = malloc(sizeof(*out));
	if (!out)
		return false;
	out->n = 0;
	for (size_t k = 0; k < np && k < VG_MAX_REQ; k++) {
		struct aset *d = &out->r[out->n++];
		aset_copy(d, &q->r[ps[k].i]);
		aset_union(d, &o->r[ps[k].j]);
	}
	q->n = 0;
	for (size_t k = 0; k < out->n; k++)
		req_add(q, &out->r[k]);
	free(out);
	return true;
}

/* Requirements of one map (items joined by AND) into q. */
static void map_reqs(struct lbuild *rc, const struct vg_smap *m, struct reqs *q,
                     struct aset *tmp)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct vg_fcond *fc = &m->conds[i];
		/* per rank, each value's literal of that rank (its best when it has
		 * no other): every such set holds whenever the item does */
		for (unsigned rank = 0; rank < RUN_RANKS; rank++) {
			if (!fc->all) {
				if (fcond_anchors(rc, fc, rank, tmp))
					req_add(q, tmp);
				continue;
			}
			/* `all`: one set per value as written, of its variants'
			 * literals (any variant may be the one that holds) */
			for (size_t g = 0; g < vg_fcond_ngroups(fc); g++) {
				size_t from, to;
				vg_fcond_group(fc, g, &from, &to);
				struct vg_fcond one = *fc;
				one.all = false;
				one.grp = NULL;
				one.vals = &fc->vals[from];
				one.nvals = to - from;
				if (fcond_anchors(rc, &one, rank, tmp))
					req_add(q, tmp);
			}
		}
	}
}

/* Requirements of node n into q (emptied first).  Out of memory: none (sound). */
static void node_reqs(struct lbuild *rc, const struct vg_rule *r, int n, struct reqs *q,
                      struct aset *tmp)
{
	const struct vg_cnode *c = &r->nodes[n];
	q->n = 0;
	if (c->type == VG_CN_SEL) {
		const struct vg_sel *sel = &r->sels[c->a];
		if (sel->nalts == 0)
			return;
		map_reqs(rc, &sel->alts[0], q, tmp);
		if (sel->nalts == 1 || q->n == 0)
			return;
		struct reqs *o = malloc(sizeof(*o));
		for (size_t a = 1; a < sel->nalts && q->n; a++) {
			if (o)
				o->n = 0;
			if (o)
				map_reqs(rc, &sel->alts[a], o, tmp);
			if (!o || !o->n || !reqs_or(q, o))
				q->n = 0;
		}
		free(o);
		return;
	}
	if (c->type != VG_CN_AND && c->type != VG_CN_OR)
		return; /* NOT, TRUE: nothing is required */
	struct reqs *o = malloc(sizeof(*o));
	if (!o)
		return;
	node_reqs(rc, r, c->a, q, tmp);
	node_reqs(rc, r, c->b, o, tmp);
	if (c->type == VG_CN_AND) {
		for (size_t k = 0; k < o->n; k++)
			req_add(q, &o->r[k]);
	} else if (!q->n || !o->n || !reqs_or(q, o)) {
		q->n = 0;
	}
	free(o);
}

/* A rule's requirements, cheapest first (the first is posted). */
static int cmp_req_cost(const void *a, const void *b)
{
	const struct aset *x = a, *y = b;
	return x->cost < y->cost ? -1 : x->cost > y->cost;
}

static void rule_reqs(struct lbuild *b, const struct vg_rule *r, struct reqs *q,
                      struct aset *tmp)
{
	q->n = 0;
	if (r->root < 0 || r->is_correlation)
		return;
	node_reqs(b, r, r->root, q, tmp);
	if (q->n > 1)
		qsort(q->r, q->n, sizeof(q->r[0]), cmp_req_cost);
}

/* ------------------------------------------------------------- tries */

struct tstr {
	const char *s;
	uint32_t len;
	uint32_t lit;
	bool exact; /* holds when the walk ends at the node (else when it reaches it) */
	bool rev;   /* bytes taken from the end */
};

static inline uint8_t tstr_at(const struct tstr *t, size_t i)
{
	return (uint8_t)t->s[t->rev ? t->len - 1 - i : i];
}

static int cmp_tstr(const void *a, const void *b)
{
	const struct tstr *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	for (size_t i = 0; i < n; i++) {
		uint8_t p = tstr_at(x, i), q = tstr_at(y, i);
		if (p != q)
			return p < q ? -1 : 1;
	}
	return x->len < y->len ? -1 : x->len > y->len;
}

struct tbnode {
	uint32_t first, last, next; /* children list (0 = none) */
	uint8_t label;
};

struct tterm {
	uint32_t node, lit;
	bool exact;
};

static int cmp_tterm(const void *a, const void *b)
{
	const struct tterm *x = a, *y = b;
	if (x->node != y->node)
		return x->node < y->node ? -1 : 1;
	if (x->exact != y->exact)
		return x->exact ? 1 : -1;
	return x->lit < y->lit ? -1 : x->lit > y->lit;
}

/* Build a trie from strs[0..n) (sorted here).  @return false when out of memory. */
static bool trie_build(struct trie *t, struct tstr *strs, size_t n)
{
	if (!n)
		return true;
	qsort(strs, n, sizeof(*strs), cmp_tstr);
	size_t cap = 1, nn = 1;
	for (size_t i = 0; i < n; i++)
		cap += strs[i].len;
	/* an uncompressed trie first (one node per byte), then the compressed one */
	struct tbnode *tb = calloc(cap, sizeof(*tb));
	struct tterm *terms = malloc(n * sizeof(*terms));
	uint32_t *id = calloc(cap, sizeof(*id)), *nterm = calloc(cap, sizeof(*nterm));
	uint32_t *queue = malloc(cap * sizeof(*queue));
	bool ok = false;
	if (!tb || !terms || !id || !nterm || !queue)
		goto done;
	/* sorted input: a string's path shares the last child when it exists */
	for (size_t i = 0; i < n; i++) {
		uint32_t node = 0;
		for (size_t k = 0; k < strs[i].len; k++) {
			uint8_t c = tstr_at(&strs[i], k);
			uint32_t last = tb[node].last;
			if (last && tb[last].label == c) {
				node = last;
				continue;
			}
			uint32_t nw = (uint32_t)nn++;
			tb[nw] = (struct tbnode){0, 0, 0, c};
			if (last)
				tb[last].next = nw;
			else
				tb[node].first = nw;
			tb[node].last = nw;
			node = nw;
		}
		terms[i] = (struct tterm){node, strs[i].lit, strs[i].exact};
		nterm[node]++;
	}
	/* compressed nodes: the root, nodes with literals, nodes with several children;
	 * numbered in breadth-first order (id[] = 1 + the number) */
	size_t nc = 0, ne = 0, nchain = 0;
	queue[nc] = 0;
	id[0] = (uint32_t)++nc;
	for (size_t qi = 0; qi < nc; qi++)
		for (uint32_t c = tb[queue[qi]].first; c; c = tb[c].next) {
			uint32_t cur = c;
			while (!nterm[cur] && tb[cur].first &&
			       tb[cur].first == tb[cur].last) {
				cur = tb[cur].first;
				nchain++;
			}
			ne++;
			queue[nc] = cur;
			id[cur] = (uint32_t)++nc;
		}
	t->nodes = calloc(nc, sizeof(*t->nodes));
	t->label = malloc(ne ? ne : 1);
	t->child = malloc((ne ? ne : 1) * sizeof(*t->child));
	t->coff = malloc((ne ? ne : 1) * sizeof(*t->coff));
	t->clen = malloc((ne ? ne : 1) * sizeof(*t->clen));
	t->chain = malloc(nchain ? nchain : 1);
	t->terms = malloc(n * sizeof(*t->terms));
	if (!t->nodes || !t->label || !t->child || !t->coff || !t->clen || !t->chain ||
	    !t->terms)
		goto done;
	bool rev = strs[0].rev;
	uint32_t edge = 0, off = 0;
	for (size_t qi = 0; qi < nc; qi++) {
		struct tnode *nd = &t->nodes[qi];
		nd->edge = edge;
		for (uint32_t c = tb[queue[qi]].first; c; c = tb[c].next) {
			uint32_t cur = c, len = 0;
			t->label[edge] = tb[c].label;
			t->coff[edge] = off;
			while (!nterm[cur] && tb[cur].first &&
			       tb[cur].first == tb[cur].last) {
				cur = tb[cur].first;
				t->chain[off + len++] = tb[cur].label;
			}
			if (rev) /* compared with the value's bytes in memory order */
				for (uint32_t a = 0, z = len; a + 1 < z; a++, z--) {
					uint8_t x = t->chain[off + a];
					t->chain[off + a] = t->chain[off + z - 1];
					t->chain[off + z - 1] = x;
				}
			t->clen[edge] = len;
			t->child[edge++] = id[cur] - 1;
			off += len;
		}
		nd->nedge = (uint16_t)(edge - nd->edge);
	}
	size_t ndense = 0;
	for (size_t qi = 0; qi < nc; qi++)
		ndense += t->nodes[qi].nedge >= DENSE_MIN;
	if (ndense >= UINT16_MAX)
		ndense = 0; /* (never) keep the edge lists */
	if (ndense && !(t->dense = calloc(ndense * 256, sizeof(*t->dense))))
		goto done;
	for (size_t qi = 0, row = 0; qi < nc && ndense; qi++) {
		struct tnode *nd = &t->nodes[qi];
		if (nd->nedge < DENSE_MIN)
			continue;
		for (uint32_t k = 0; k < nd->nedge; k++)
			t->dense[row * 256 + t->label[nd->edge + k]] = nd->edge + k + 1;
		nd->dense = (uint16_t)++row;
	}
	qsort(terms, n, sizeof(*terms), cmp_tterm);
	for (size_t i = 0; i < n;) {
		struct tnode *nd = &t->nodes[id[terms[i].node] - 1];
		nd->term = (uint32_t)i;
		for (uint32_t node = terms[i].node; i < n && terms[i].node == node; i++) {
			t->terms[i] = terms[i].lit;
			if (terms[i].exact)
				nd->nexact++;
			else
				nd->npre++;
		}
	}
	ok = true;
done:
	free(tb);
	free(terms);
	free(id);
	free(nterm);
	free(queue);
	return ok;
}

/* ---------------------------------------------------------- gram tables */

struct kent {
	uint32_t key, lit, off;
};

static int cmp_kent(const void *a, const void *b)
{
	const struct kent *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->lit != y->lit)
		return x->lit < y->lit ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* Open-addressing table of the distinct keys of ks[0..n) (sorted here), each with
 * its run of entries; *ents gets the (lit, off) of every entry in key order.
 * @return false when out of memory. */
static bool gtable_build(struct kent *ks, size_t n, struct gslot **slots, uint32_t *mask,
                         struct gent **ents)
{
	qsort(ks, n, sizeof(*ks), cmp_kent);
	size_t nkeys = 0;
	for (size_t i = 0; i < n; i++)
		nkeys += i == 0 || ks[i].key != ks[i - 1].key;
	size_t ns = 16;
	while (ns < nkeys * 2)
		ns *= 2;
	*slots = calloc(ns, sizeof(**slots));
	*ents = malloc((n ? n : 1) * sizeof(**ents));
	if (!*slots || !*ents)
		return false;
	*mask = (uint32_t)(ns - 1);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		for (; j < n && ks[j].key == ks[i].key; j++)
			(*ents)[j] = (struct gent){ks[j].lit, ks[j].off};
		for (uint32_t q = (uint32_t)((ks[i].key * GOLDEN) >> 32);; q++) {
			struct gslot *sl = &(*slots)[q & *mask];
			if (!sl->n) {
				*sl = (struct gslot){ks[i].key, (uint32_t)i,
				                     (uint32_t)(j - i)};
				break;
			}
		}
		i = j;
	}
	return true;
}

/* The contains literals of >= GRAM bytes of one field: the stride is the largest
 * (up to STRIDE) such that every literal has `stride` consecutive grams; each
 * literal registers the window of `stride` grams with the lowest frequencies. */
static bool grams_build(struct fmatch *fm, const struct lbuild *b, const uint32_t *ids,
                        size_t n)
{
	size_t stride = fm->stride;
	struct kent *ks = malloc(n * stride * sizeof(*ks));
	if (!ks)
		return false;
	size_t nk = 0;
	for (size_t i = 0; i < n; i++) {
		const struct vg_lit *l = &b->lits[ids[i]];
		const char *t = b->text + l->off;
		size_t best = 0;
		uint64_t bf = UINT64_MAX;
		for (size_t o = 0; o + stride - 1 + GRAM <= l->len; o++) {
			uint64_t f = 0;
			for (size_t j = 0; j < stride; j++)
				f += gf_get(b->gf, t + o + j);
			if (f <= bf) /* the latest of equals */
				bf = f, best = o;
		}
		for (size_t j = 0; j < stride; j++) {
			uint32_t key;
			memcpy(&key, t + best + j, 4);
			ks[nk++] = (struct kent){key, ids[i], (uint32_t)(best + j)};
		}
	}
	bool ok = gtable_build(ks, nk, &fm->gslots, &fm->gmask, &fm->gents);
	/* filter: about 16 bits per key (one position in 16 or fewer passes) */
	unsigned lg = 12;
	while (lg < 20 && ((size_t)1 << lg) < nk * 16)
		lg++;
	fm->gbits = ok ? calloc((size_t)1 << (lg - 6), sizeof(uint64_t)) : NULL;
	if (fm->gbits) {
		fm->gshift = 64 - lg;
		for (size_t i = 0; i < nk; i++) {
			uint64_t h = ((uint64_t)ks[i].key * GOLDEN) >> fm->gshift;
			fm->gbits[h >> 6] |= UINT64_C(1) << (h & 63);
		}
	}
	free(ks);
	return fm->gbits != NULL;
}

/* Contains literals of 2..3 bytes of one field: a filter bit and a slot per first
 * two bytes, the 3-byte literals in p3 grouped by them. */
static int cmp_short(const void *a, const void *b)
{
	const struct kent *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

static bool shorts_build(struct fmatch *fm, const struct lbuild *b, const uint32_t *ids,
                         size_t n)
{
	size_t ns = 16;
	while (ns < n * 2)
		ns *= 2;
	struct kent *ks = malloc(n * sizeof(*ks));
	fm->pbits = calloc(1024, sizeof(uint64_t));
	fm->pslots = calloc(ns, sizeof(*fm->pslots));
	fm->p3 = malloc(n * sizeof(*fm->p3));
	if (!ks || !fm->pbits || !fm->pslots || !fm->p3) {
		free(ks);
		return false;
	}
	fm->pmask = (uint32_t)(ns - 1);
	/* key: the first two bytes; off: 256 for a 2-byte literal, else the third */
	for (size_t i = 0; i < n; i++) {
		const struct vg_lit *l = &b->lits[ids[i]];
		const uint8_t *t = (const uint8_t *)b->text + l->off;
		ks[i] = (struct kent){(uint32_t)t[0] | (uint32_t)t[1] << 8, ids[i],
		                      l->len == 3 ? t[2] : 256};
	}
	qsort(ks, n, sizeof(*ks), cmp_short);
	uint32_t n3 = 0;
	for (size_t i = 0; i < n;) {
		uint32_t y = ks[i].key;
		struct pslot sl = {y + 1, UINT32_MAX, n3, 0, 0};
		for (; i < n && ks[i].key == y; i++) {
			if (ks[i].off == 256) {
				sl.lit2 = ks[i].lit; /* one literal per text */
			} else {
				fm->p3[n3++] = (struct p3ent){ks[i].off, ks[i].lit};
				sl.n3++;
				sl.m3 |= UINT64_C(1) << (ks[i].off & 63);
			}
		}
		fm->pbits[y >> 6] |= UINT64_C(1) << (y & 63);
		for (uint32_t q = (uint32_t)((sl.key * GOLDEN) >> 32);; q++) {
			struct pslot *d = &fm->pslots[q & fm->pmask];
			if (!d->key) {
				*d = sl;
				break;
			}
		}
	}
	free(ks);
	return true;
}

/* Exact literals of one field, by xhash. */
static bool exact_build(struct fmatch *fm, const struct lbuild *b, const uint32_t *ids,
                        size_t n)
{
	struct kent *ks = malloc(n * sizeof(*ks));
	uint64_t *hs = malloc(n * sizeof(*hs));
	fm->xents = malloc(n * sizeof(uint32_t));
	size_t ns = 16;
	while (ns < n * 2)
		ns *= 2;
	fm->xslots = calloc(ns, sizeof(*fm->xslots));
	bool ok = ks && hs && fm->xents && fm->xslots;
	if (ok) {
		fm->xmask = (uint32_t)(ns - 1);
		/* sort by hash (kent's key holds an index into hs) */
		for (size_t i = 0; i < n; i++) {
			const struct vg_lit *l = &b->lits[ids[i]];
			hs[i] = xhash(b->text + l->off, l->len);
		}
		for (size_t i = 0; i < n; i++)
			ks[i] = (struct kent){(uint32_t)i, ids[i], 0};
		for (size_t i = 1; i < n; i++) /* insertion sort by hash: n is small */
			for (size_t j = i; j > 0 && hs[ks[j].key] < hs[ks[j - 1].key];
			     j--) {
				struct kent t = ks[j];
				ks[j] = ks[j - 1];
				ks[j - 1] = t;
			}
		for (size_t i = 0; i < n;) {
			size_t j = i;
			uint64_t h = hs[ks[i].key];
			for (; j < n && hs[ks[j].key] == h; j++)
				fm->xents[j] = ks[j].lit;
			for (uint32_t q = (uint32_t)h;; q++) {
				struct xslot *sl = &fm->xslots[q & fm->xmask];
				if (!sl->n) {
					*sl = (struct xslot){h, (uint32_t)i,
					                     (uint32_t)(j - i)};
					break;
				}
			}
			i = j;
		}
	}
	free(ks);
	free(hs);
	return ok;
}

/* The matcher of field f from its literals ids[0..n) -- all of them: a value's
 * scan is cached, so finding every literal costs only when the value is new, and
 * evaluation is then bit tests. */
static bool fmatch_build(struct fmatch *fm, const struct lbuild *b, vg_field f,
                         const uint32_t *ids, size_t n)
{
	fm->field = f;
	struct tstr *fwd = malloc(n * sizeof(*fwd)), *rev = malloc(n * sizeof(*rev));
	uint32_t *grams = malloc(n * sizeof(*grams)),
	         *shorts = malloc(n * sizeof(*shorts));
	uint32_t *exact = malloc(n * sizeof(*exact));
	fm->present = malloc(n * sizeof(*fm->present));
	fm->ones = malloc(n * sizeof(*fm->ones));
	fm->onec = malloc(n);
	bool ok = false;
	if (!fwd || !rev || !grams || !shorts || !exact || !fm->present || !fm->ones ||
	    !fm->onec)
		goto done;
	size_t stride = 0; /* 0: no contains literal of >= GRAM bytes */
	for (size_t i = 0; i < n; i++) {
		const struct vg_lit *l = &b->lits[ids[i]];
		if (l->shape == VG_PS_CONTAINS && l->len >= GRAM &&
		    (!stride || l->len - GRAM + 1 < stride))
			stride = l->len - GRAM + 1;
	}
	if (stride > STRIDE)
		stride = STRIDE;
	size_t nf = 0, nr = 0, ng = 0, ns = 0, nx = 0;
	for (size_t i = 0; i < n; i++) {
		const struct vg_lit *l = &b->lits[ids[i]];
		struct tstr t = {b->text + l->off, l->len, ids[i], false, false};
		switch (l->shape) {
		case VG_PS_EXACT: /* one hash probe finds them all */
			exact[nx++] = ids[i];
			break;
		case VG_PS_PREFIX:
		case VG_PS_SUFFIX:
			if (l->len == 0)
				fm->present[fm->npresent++] = ids[i];
			else if (l->shape == VG_PS_PREFIX)
				fwd[nf++] = t;
			else
				t.rev = true, rev[nr++] = t;
			break;
		default:
			if (l->len == 0)
				fm->present[fm->npresent++] = ids[i];
			else if (l->len == 1) {
				fm->onec[fm->nones] = (uint8_t)b->text[l->off];
				fm->ones[fm->nones++] = ids[i];
			} else if (l->len < GRAM)
				shorts[ns++] = ids[i];
			else
				grams[ng++] = ids[i];
		}
	}
	fm->stride = (uint32_t)stride;
	if (fm->nones >= 2 && fm->nones <= 64) {
		if (!(fm->onetab = calloc(256, sizeof(*fm->onetab))))
			goto done;
		for (uint32_t k = 0; k < fm->nones; k++)
			fm->onetab[fm->onec[k]] |= UINT64_C(1) << k;
	}
	ok = trie_build(&fm->fwd, fwd, nf) && trie_build(&fm->rev, rev, nr) &&
	     (!nx || exact_build(fm, b, exact, nx)) &&
	     (!ng || grams_build(fm, b, grams, ng)) &&
	     (!ns || shorts_build(fm, b, shorts, ns));
done:
	free(fwd);
	free(rev);
	free(grams);
	free(shorts);
	free(exact);
	return ok;
}

/* ------------------------------------------------------------- build */

/* Fields whose values vary together (Sysmon process creation: the properties of
 * one image file; the parent; the session), each group looked up in the value
 * cache as one key: one probe instead of one per field, and the fields not worth a
 * lookup of their own (exact probes, trie walks) are not scanned either on a hit.
 * Only the cache's hit rate depends on this choice, never a result: the key holds
 * every value of the group, compared whole. */
static const char *const cache_groups[][UNIT_MAX] = {
    {"process.executable", "process.pe.original_file_name", "Hashes", "Description",
     "Product", "Company", "FileVersion", NULL},
    {"process.parent.executable", "process.parent.command_line", "ParentUser", NULL},
    {"user.name", "IntegrityLevel", "LogonId", "event.provider", NULL},
};
#define NGROUPS (sizeof(cache_groups) / sizeof(cache_groups[0]))

static int cache_group(vg_field f)
{
	const char *name = vg_field_name(f);
	for (size_t g = 0; name && g < NGROUPS; g++)
		for (size_t k = 0; k < UNIT_MAX && cache_groups[g][k]; k++)
			if (strcmp(cache_groups[g][k], name) == 0)
				return (int)g;
	return -1;
}

/* The units of pf's matchers: a group of cache_groups (those of its fields that
 * have a matcher), then every other matcher alone. */
static bool units_build(struct vg_prefilter *pf)
{
	pf->units = calloc(pf->nfms ? pf->nfms : 1, sizeof(*pf->units));
	pf->ufms = malloc((pf->nfms ? pf->nfms : 1) * sizeof(*pf->ufms));
	int *grp = malloc((pf->nfms ? pf->nfms : 1) * sizeof(*grp));
	if (!pf->units || !pf->ufms || !grp) {
		free(grp);
		return false;
	}
	for (size_t i = 0; i < pf->nfms; i++)
		grp[i] = cache_group(pf->fms[i].field);
	uint32_t at = 0;
	for (int g = -1; g < (int)NGROUPS; g++) {
		struct punit *un = NULL;
		for (size_t i = 0; i < pf->nfms; i++) {
			if (grp[i] != g)
				continue;
			if (!un || g < 0) {
				un = &pf->units[pf->nunits++];
				un->first = at;
			}
			pf->ufms[at++] = (uint32_t)i;
			un->n++;
			un->cache = un->cache || cache_worth(&pf->fms[i]);
		}
	}
	free(grp);
	return true;
}

struct lpost {
	uint32_t lit;
	struct pfent e;
};

static int cmp_lpost(const void *a, const void *b)
{
	const struct lpost *x = a, *y = b;
	if (x->lit != y->lit)
		return x->lit < y->lit ? -1 : 1;
	return x->e.rule < y->e.rule ? -1 : x->e.rule > y->e.rule;
}

/* (field, literal id) pairs, sorted to group the literals of each field */
struct flit {
	vg_field field;
	uint32_t id;
};

static int cmp_flit(const void *a, const void *b)
{
	const struct flit *x = a, *y = b;
	if (x->field != y->field)
		return x->field < y->field ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* fn(ctx, p) for every value pattern of every item of the rules rules[0..n). */
static void each_pattern(const struct vg_ruleset *rs, const size_t *rules, size_t n,
                         void (*fn)(void *ctx, const struct vg_pattern *p), void *ctx)
{
	for (size_t i = 0; i < n; i++) {
		const struct vg_rule *r = rs->rules[rules[i]];
		for (size_t k = 0; k < r->nsels; k++)
			for (size_t a = 0; a < r->sels[k].nalts; a++)
				for (size_t c = 0; c < r->sels[k].alts[a].n; c++) {
					const struct vg_fcond *fc =
					    &r->sels[k].alts[a].conds[c];
					for (size_t v = 0; v < fc->nvals; v++)
						fn(ctx, &fc->vals[v]);
				}
	}
}

static void count_grams(void *gf, const struct vg_pattern *p)
{
	gf_count_pattern(gf, p);
}

/* used[id] for the pattern's own literal (its bit is read in evaluation). */
static void mark_own_literal(void *used, const struct vg_pattern *p)
{
	if (p->lit)
		((bool *)used)[p->lit - 1] = true;
}

vg_err vg_prefilter_build(const struct vg_ruleset *rs, const size_t *rules, size_t n,
                          struct vg_prefilter **out)
{
	struct lbuild b = {0};
	struct vg_prefilter *pf = calloc(1, sizeof(*pf));
	struct reqs *q = malloc(sizeof(*q));
	struct aset *tmp = malloc(sizeof(*tmp));
	struct lpost *ps = NULL;
	struct flit *fl = NULL;
	uint32_t *ids = NULL;
	struct kent *tmp_ck = malloc(MAX_ANCHORS * sizeof(*tmp_ck));
	size_t nps = 0, pcap = 0, nsec = 0, seccap = 0;
	bool *used = NULL;
	vg_err err = VG_ERR_NOMEM;
	*out = NULL;
	b.gf = calloc(1, sizeof(*b.gf));
	if (!pf || !q || !tmp || !b.gf || !tmp_ck ||
	    !(pf->always = malloc((n ? n : 1) * sizeof(size_t))))
		goto oom;
	pf->refs = 1;
	each_pattern(rs, rules, n, count_grams, b.gf);
	/* pass 1: the literal of every pattern */
	for (size_t i = 0; i < n; i++) {
		struct vg_rule *r = rs->rules[rules[i]];
		for (size_t k = 0; k < r->nsels; k++)
			sel_assign(&b, &r->sels[k]);
	}
	b.nfields = vg_field_count() + 1;
	if (!(b.nexact = calloc(b.nfields, sizeof(*b.nexact))))
		goto oom;
	for (size_t i = 0; i < b.n; i++)
		if (b.lits[i].shape == VG_PS_EXACT && (size_t)b.lits[i].field < b.nfields)
			b.nexact[b.lits[i].field]++;
	/* pass 2: requirements, the cheapest posted under its literals */
	for (size_t i = 0; i < n && !b.oom; i++) {
		const struct vg_rule *r = rs->rules[rules[i]];
		rule_reqs(&b, r, q, tmp);
		if (q->n == 0) {
			pf->always[pf->nalways++] = rules[i];
			continue;
		}
		/* the cheapest requirement is posted, the others checked */
		size_t need = 1 + (q->n - 1);
		for (size_t k = 1; k < q->n; k++)
			need += 1 + 3 * q->r[k].n;
		if (nsec + need > seccap) {
			seccap = (nsec + need) * 2 + 1024;
			uint32_t *ns = realloc(pf->sec, seccap * sizeof(*ns));
			if (!ns)
				goto oom;
			pf->sec = ns;
		}
		uint32_t sec = (uint32_t)nsec;
		pf->sec[nsec++] = (uint32_t)(q->n - 1);
		for (size_t k = 1; k < q->n; k++) {
			/* the likeliest literals' words first: the check stops at a
			 * true one */
			for (size_t j = 0; j < q->r[k].n; j++)
				tmp_ck[j] =
				    (struct kent){(uint32_t)(COST_MAX + NO_ANCHOR -
				                             lit_cost(&b, q->r[k].a[j])),
				                  q->r[k].a[j], 0};
			qsort(tmp_ck, q->r[k].n, sizeof(*tmp_ck), cmp_kent);
			uint32_t *np = &pf->sec[nsec++], *pairs = pf->sec + nsec;
			*np = 0;
			for (size_t j = 0; j < q->r[k].n; j++) {
				uint32_t id = tmp_ck[j].lit, w = id >> 6, p = 0;
				while (p < *np && pairs[3 * p] != w)
					p++;
				if (p == *np) {
					pairs[3 * p] = w;
					pairs[3 * p + 1] = pairs[3 * p + 2] = 0;
					++*np;
				}
				pairs[3 * p + 1 + (id & 63) / 32] |= UINT32_C(1)
				                                     << (id & 31);
			}
			nsec += 3 * (size_t)*np;
		}
		for (size_t j = 0; j < q->r[0].n; j++) {
			if (nps == pcap) {
				pcap = pcap ? pcap * 2 : 1024;
				struct lpost *np = realloc(ps, pcap * sizeof(*np));
				if (!np)
					goto oom;
				ps = np;
			}
			ps[nps++] =
			    (struct lpost){q->r[0].a[j], {(uint32_t)rules[i], sec}};
		}
	}
	if (b.oom)
		goto oom;
	if (nps)
		qsort(ps, nps, sizeof(*ps), cmp_lpost);
	pf->posts = malloc((nps ? nps : 1) * sizeof(*pf->posts));
	if (!pf->posts)
		goto oom;
	size_t np = 0;
	for (size_t i = 0; i < nps; i++) {
		if (np && ps[i].lit == ps[i - 1].lit && ps[i].e.rule == ps[i - 1].e.rule)
			continue;
		struct vg_lit *l = &b.lits[ps[i].lit];
		if (!l->npost)
			l->post = (uint32_t)np;
		l->npost++;
		pf->posts[np++] = ps[i].e;
	}
	/* per field matchers of the literals in use: a pattern's own (its bit is
	 * read when rules are evaluated), posted or checked by a requirement.  The
	 * others (a requirement set not kept) are never scanned: their bits stay 0
	 * and nothing reads them. */
	fl = malloc((b.n ? b.n : 1) * sizeof(*fl));
	ids = malloc((b.n ? b.n : 1) * sizeof(*ids));
	used = calloc(b.n ? b.n : 1, sizeof(*used));
	if (!fl || !ids || !used)
		goto oom;
	each_pattern(rs, rules, n, mark_own_literal, used);
	for (size_t i = 0; i < nps; i++)
		used[ps[i].lit] = true;
	/* the checked requirements' literals, from their (word, mask) pairs: per
	 * rule, the count of requirements, then per requirement its pair count and
	 * the pairs (word, low half, high half) */
	for (size_t at = 0; at < nsec;) {
		uint32_t nreq = pf->sec[at++];
		for (uint32_t r = 0; r < nreq; r++) {
			uint32_t npairs = pf->sec[at++];
			for (uint32_t k = 0; k < npairs; k++, at += 3) {
				uint64_t m =
				    (uint64_t)pf->sec[at + 2] << 32 | pf->sec[at + 1];
				for (; m; m &= m - 1)
					used[(size_t)pf->sec[at] * 64 + ctz64(m)] = true;
			}
		}
	}
	size_t nscan = 0;
	for (size_t i = 0; i < b.n; i++)
		if (used[i])
			fl[nscan++] = (struct flit){b.lits[i].field, (uint32_t)i};
	qsort(fl, nscan, sizeof(*fl), cmp_flit);
	size_t nf = 0;
	for (size_t i = 0; i < nscan; i++) {
		nf += i == 0 || fl[i].field != fl[i - 1].field;
		ids[i] = fl[i].id;
	}
	pf->fms = calloc(nf ? nf : 1, sizeof(*pf->fms));
	if (!pf->fms)
		goto oom;
	for (size_t i = 0; i < nscan;) {
		size_t j = i;
		while (j < nscan && fl[j].field == fl[i].field)
			j++;
		struct fmatch *fm = &pf->fms[pf->nfms++];
		if (!fmatch_build(fm, &b, fl[i].field, ids + i, j - i))
			goto oom;
		if (!fm->xslots && !fm->fwd.nodes && !fm->rev.nodes && !fm->npresent &&
		    !fm->gbits && !fm->pbits && !fm->nones) {
			fmatch_free(fm); /* nothing to scan on this field */
			pf->nfms--;
		}
		i = j;
	}
	if (!units_build(pf))
		goto oom;
	for (size_t i = 0; i < n; i++) {
		struct vg_rule *r = rs->rules[rules[i]];
		for (size_t k = 0; k < r->nsels; k++)
			sel_finish(&r->sels[k]);
	}
	if (!lmask_build(pf, rs, rules, n))
		goto oom;
	/* 8 readable bytes after every literal (text_eq loads 8 at a time) */
	char *nt = realloc(b.text, b.tlen + 8);
	if (!nt)
		goto oom;
	memset(nt + b.tlen, 0, 8);
	b.text = nt;
	pf->lits = b.lits;
	pf->nlits = b.n;
	pf->text = b.text;
	b.lits = NULL;
	b.text = NULL;
	*out = pf;
	pf = NULL;
	err = VG_OK;
oom:
	vg_prefilter_free(pf);
	free(b.lits);
	free(b.uses);
	free(b.text);
	free(b.slots);
	free(b.gf);
	free(b.nexact);
	free(q);
	free(tmp);
	free(tmp_ck);
	free(ps);
	free(fl);
	free(ids);
	free(used);
	return err;
}
