/*
 * detect.c - L1 detection: evaluate compiled Sigma rules against one event.
 *
 * The hot path allocates nothing: values are read with vg_event_get (O(1) by field
 * id), strings are compared in place or on a per-event lowercased copy (vg_fold),
 * numbers and addresses are parsed into stack buffers, and regexes run with the
 * match data of the caller's vg_detect_ctx and the ruleset's match limit.
 *
 * Rules are indexed by the event.dataset values their logsource requires; rules
 * whose logsource does not pin a dataset sit in a generic bucket.  Within a bucket,
 * rules are grouped by logsource so a logsource condition is evaluated once per
 * event (specialized at load time to what the bucket leaves of it) and its rules
 * are skipped together when it fails.  A group of PF_MIN_RULES or more rules has a
 * literal index (prefilter.c): the event is scanned once for every string literal
 * of the group, only the rules whose requirements are met are evaluated (plus the
 * few with none), and their string patterns are then bit tests (an item of
 * literals only: a few word-and-mask tests).  Regexes check their required literal
 * and ordered literal runs before PCRE2 runs; a regex that is only literal runs
 * joined by ".*" is decided by that ordered search.  Globs ('*', '?') are matched without
 * backtracking: each segment between stars at its leftmost fit.
 *
 * A rule's condition tree is compiled at load time into a flat program (each
 * selection node names the node to test next when it holds and when it does not:
 * the tree's short-circuit order, walked by a loop instead of recursive calls); a
 * selection that is one item of literals only is tested inline by that loop
 * (vg_cnode.lits).  See correlate/DETECTION.md.
 */
#include "correlate_int.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

struct vg_detect_ctx {
	struct vg_menv env;
	struct vg_fold fold;
	const struct vg_ruleset *rs;
	size_t *scratch; /* hit indices before sorting */
	size_t scratch_cap;
	struct vg_pfstate pf; /* literal bits and candidates (prefilter.c) */
	/* the last event.dataset value seen (as is) and its bucket (or NULL) */
	char ds[128];
	size_t ds_len; /* SIZE_MAX: none yet */
	const struct vg_bucket *ds_bucket;
	size_t cache_entries; /* the value cache's size as asked (vg_detect_ctx_cache) */
	uint64_t evaluated;   /* rules evaluated (vg_detect_stats) */
};

void vg_pattern_free(struct vg_pattern *p)
{
	free(p->text);
	free(p->kinds);
	free(p->seq);
	pcre2_code_free(p->re);
	pcre2_code_free(p->re_any);
	memset(p, 0, sizeof(*p));
}

/* ------------------------------------------------------------- strings */

static inline unsigned char fold(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* a[0..n) equals the (already folded when !cased) pattern p[0..n). */
static bool eq_n(const char *a, const char *p, size_t n, bool cased)
{
	if (cased)
		return memcmp(a, p, n) == 0;
	for (size_t i = 0; i < n; i++)
		if (fold((unsigned char)a[i]) != (unsigned char)p[i])
			return false;
	return true;
}

static bool find_sub(const char *s, size_t slen, const char *p, size_t plen, bool cased)
{
	if (plen == 0)
		return true;
	if (plen > slen)
		return false;
	if (cased)
		return memmem(s, slen, p, plen) != NULL;
	unsigned char first = (unsigned char)p[0];
	for (size_t i = 0; i + plen <= slen; i++)
		if (fold((unsigned char)s[i]) == first &&
		    eq_n(s + i + 1, p + 1, plen - 1, false))
			return true;
	return false;
}

/* s[0..n) matches the glob segment t[0..n) (kinds k: literal bytes and '?' as one
 * byte: glob calls it on ASCII values only when the pattern holds a '?'). */
static inline bool seg_eq(const char *s, const char *t, const uint8_t *k, size_t n,
                          bool cased)
{
	for (size_t i = 0; i < n; i++)
		if (k[i] != VG_WC_ONE &&
		    (cased ? s[i] != t[i]
		           : fold((unsigned char)s[i]) != (unsigned char)t[i]))
			return false;
	return true;
}

/* The length of the character at s[0..n) (n > 0): a UTF-8 lead byte with the
 * continuation bytes it announces; any other byte (ASCII, a stray continuation, a
 * lead byte without its continuations) is one character on its own. */
static inline size_t u8_char_len(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t need = s[0] < 0xc2   ? 1
	              : s[0] < 0xe0 ? 2
	              : s[0] < 0xf0 ? 3
	              : s[0] < 0xf5 ? 4
	                            : 1;
	if (need > n)
		return 1;
	for (size_t i = 1; i < need; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 1;
	return need;
}

/* A glob holding '?' on a value that is not ASCII: '?' is one character
 * (u8_char_len), so segments no longer have a fixed length in bytes.  The
 * classic scan that remembers the last star and, on a mismatch, lets that star
 * take one more character; the value is read forward only, so every retry starts
 * on a character boundary.  O(len * pattern) worst case, no recursion. */
static bool glob_chars(const struct vg_pattern *p, const char *s, size_t n)
{
	const char *t = p->text;
	const uint8_t *k = p->kinds;
	size_t m = p->len, si = 0, pi = 0, star = SIZE_MAX, mark = 0;
	while (si < n) {
		if (pi < m && k[pi] == VG_WC_STAR) {
			star = ++pi;
			mark = si;
			continue;
		}
		if (pi < m && k[pi] == VG_WC_ONE) {
			si += u8_char_len(s + si, n - si);
			pi++;
			continue;
		}
		if (pi < m &&
		    (p->cased ? s[si] == t[pi]
		              : fold((unsigned char)s[si]) == (unsigned char)t[pi])) {
			si++;
			pi++;
			continue;
		}
		if (star == SIZE_MAX)
			return false;
		mark += u8_char_len(s + mark, n - mark);
		si = mark;
		pi = star;
	}
	while (pi < m && k[pi] == VG_WC_STAR)
		pi++;
	return pi == m;
}

/* General glob with '*' and '?', without backtracking: on an ASCII value (or a
 * glob without '?') the segments between stars have a fixed length in bytes, so
 * placing each at its leftmost fit after the previous one leaves the most room for
 * the rest -- the first segment anchored at the start unless the pattern starts
 * with '*', the last at the end unless it ends with '*'.  O(len * pattern) worst
 * case, no recursion.  '?' on a value with a byte above 0x7f: glob_chars. */
static bool glob(const struct vg_pattern *p, const char *s, size_t slen)
{
	const char *t = p->text;
	const uint8_t *k = p->kinds;
	size_t m = p->len, pi = 0;
	if (p->has_one)
		for (size_t i = 0; i < slen; i++)
			if ((unsigned char)s[i] >= 0x80)
				return glob_chars(p, s, slen);
	while (pi < m && k[pi] != VG_WC_STAR)
		pi++;
	if (pi == m) /* no star */
		return slen == m && seg_eq(s, t, k, m, p->cased);
	if (slen < pi || !seg_eq(s, t, k, pi, p->cased))
		return false;
	size_t si = pi, pe = m;
	while (k[pe - 1] != VG_WC_STAR)
		pe--; /* the last segment is t[pe..m), after the last star */
	if (slen - si < m - pe)
		return false;
	size_t se = slen - (m - pe); /* where the last segment must start */
	if (!seg_eq(s + se, t + pe, k + pe, m - pe, p->cased))
		return false;
	while (pi < pe) {
		if (k[pi] == VG_WC_STAR) {
			pi++;
			continue;
		}
		size_t e = pi;
		while (k[e] != VG_WC_STAR) /* pe - 1 is a star */
			e++;
		size_t len = e - pi;
		/* a first byte that only matches itself: candidates by memchr */
		bool by_byte = k[pi] == VG_WC_LIT &&
		               (p->cased || (unsigned char)(t[pi] - 'a') >= 26);
		for (;; si++) {
			if (si + len > se)
				return false;
			if (by_byte) {
				const char *h = memchr(s + si, t[pi], se - len - si + 1);
				if (!h)
					return false;
				si = (size_t)(h - s);
			}
			if (seg_eq(s + si, t + pi, k + pi, len, p->cased))
				break;
		}
		si += len;
		pi = e;
	}
	return true;
}

static bool str_match(const struct vg_pattern *p, const char *s, size_t n)
{

	switch (p->shape) {
	case VG_PS_EXACT: return n == p->len && eq_n(s, p->text, n, p->cased);
	case VG_PS_PREFIX: return n >= p->len && eq_n(s, p->text, p->len, p->cased);
	case VG_PS_SUFFIX:
		return n >= p->len && eq_n(s + n - p->len, p->text, p->len, p->cased);
	case VG_PS_CONTAINS: return find_sub(s, n, p->text, p->len, p->cased);
	case VG_PS_ANY: return true;
	case VG_PS_GLOB: return glob(p, s, n);
	}
	return false;
}

static bool num_of(const struct vg_value *v, double *out)
{
	char buf[64];
	if (v->len == 0 || v->len >= sizeof(buf))
		return false;
	memcpy(buf, v->ptr, v->len);
	buf[v->len] = '\0';
	char *end;
	double d = strtod(buf, &end);
	if (end == buf || *end)
		return false;
	*out = d;
	return true;
}

/* v in the network of p.  An IPv4-mapped IPv6 value (Windows Security events write
 * IPv4 peers as ::ffff:a.b.c.d) is its IPv4 address for an IPv4 network, and an
 * IPv4 value is ::ffff:a.b.c.d for an IPv6 one (vg_ip_parse_as). */
static bool cidr_match(const struct vg_pattern *p, const struct vg_value *v)
{
	uint8_t addr[16];
	if (vg_ip_parse_as(v->ptr, v->len, p->family, addr) != p->family)
		return false;
	int full = p->prefix / 8, rest = p->prefix % 8;
	if (memcmp(addr, p->addr, (size_t)full) != 0)
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));
		return (addr[full] & mask) == (p->addr[full] & mask);
	}
	return true;
}

/* Number of days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static long days_from_civil(long y, unsigned m, unsigned d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

/* The part tp of a date "YYYY-MM-DD[T ]HH:MM..." (time-part modifiers; no zone
 * conversion, as the spec says).  @return false when v is not such a date. */
static bool date_part(const struct vg_value *v, uint8_t tp, double *out)
{
	int f[5] = {0};
	const int at[5] = {0, 5, 8, 11, 14}, width[5] = {4, 2, 2, 2, 2};
	int need = tp == VG_TP_MINUTE || tp == VG_TP_HOUR ? 5 : 3;
	if (v->len < (uint32_t)(need == 5 ? 16 : 10))
		return false;
	for (int i = 0; i < need; i++)
		for (int k = 0; k < width[i]; k++) {
			char ch = v->ptr[at[i] + k];
			if (ch < '0' || ch > '9')
				return false;
			f[i] = f[i] * 10 + (ch - '0');
		}
	switch (tp) {
	case VG_TP_YEAR: *out = f[0]; return true;
	case VG_TP_MONTH: *out = f[1]; return true;
	case VG_TP_DAY: *out = f[2]; return true;
	case VG_TP_HOUR: *out = f[3]; return true;
	case VG_TP_MINUTE: *out = f[4]; return true;
	case VG_TP_WEEK: {
		/* ISO 8601 week number */
		long days = days_from_civil(f[0], (unsigned)f[1], (unsigned)f[2]);
		int wday = (int)(((days % 7) + 7 + 3) % 7); /* Monday = 0 */
		long thursday = days - wday + 3;
		long y = f[0];
		if (thursday < days_from_civil(y, 1, 1))
			y--;
		else if (thursday >= days_from_civil(y + 1, 1, 1))
			y++;
		*out = (double)((thursday - days_from_civil(y, 1, 1)) / 7 + 1);
		return true;
	}
	}
	return false;
}

/* fieldref: v compared with o (the other field's value) under the pattern's
 * shape. */
static bool ref_cmp(const struct vg_pattern *p, const struct vg_value *v,
                    const struct vg_value *o)
{
	if (!v || !o || v->kind == VG_VK_NULL || o->kind == VG_VK_NULL)
		return false;
	const char *s = v->ptr, *t = o->ptr;
	size_t n = v->len, m = o->len;
	bool cased = p->cased;
	switch (p->shape) {
	case VG_PS_PREFIX:
		if (n < m)
			return false;
		n = m;
		break;
	case VG_PS_SUFFIX:
		if (n < m)
			return false;
		s += n - m;
		n = m;
		break;
	case VG_PS_CONTAINS:
		if (cased)
			return memmem(s, n, t, m) != NULL;
		for (size_t i = 0; i + m <= n; i++) {
			size_t k = 0;
			while (k < m &&
			       fold((unsigned char)s[i + k]) == fold((unsigned char)t[k]))
				k++;
			if (k == m)
				return true;
		}
		return m == 0;
	default: break;
	}
	if (n != m)
		return false;
	if (cased)
		return memcmp(s, t, n) == 0;
	for (size_t i = 0; i < n; i++)
		if (fold((unsigned char)s[i]) != fold((unsigned char)t[i]))
			return false;
	return true;
}

/* fieldref: v compared with the other field's value, or with each element of it
 * when it is a list (in fd's room VG_LR_REF: v may be an element in the other). */
static bool ref_match(const struct vg_pattern *p, const struct vg_value *v,
                      const struct vg_event *ev, struct vg_fold *fd)
{
	const struct vg_value *o = vg_event_get(ev, p->ref);
	if (!o || o->kind != VG_VK_LIST)
		return ref_cmp(p, v, o);
	struct vg_list_it it;
	struct vg_value el;
	vg_list_begin(&it, o, fd, VG_LR_REF);
	while (vg_list_next(&it, &el))
		if (ref_cmp(p, v, &el))
			return true;
	return false;
}

struct vg_faccel;
static bool faccel_match(const struct vg_faccel *acc, const struct vg_fcond *fc,
                         const char *low, size_t n, bool *out);

/* A string pattern against an already lowercased value (patterns that are not
 * cased are stored lowercased): plain byte comparisons. */
static bool folded_match(const struct vg_pattern *p, const char *s, size_t n)
{
	switch (p->shape) {
	case VG_PS_EXACT: return n == p->len && memcmp(s, p->text, n) == 0;
	case VG_PS_PREFIX: return n >= p->len && memcmp(s, p->text, p->len) == 0;
	case VG_PS_SUFFIX:
		return n >= p->len && memcmp(s + n - p->len, p->text, p->len) == 0;
	case VG_PS_CONTAINS: return p->len == 0 || memmem(s, n, p->text, p->len) != NULL;
	case VG_PS_ANY: return true;
	case VG_PS_GLOB: {
		struct vg_pattern c = *p;
		c.cased = true;
		return glob(&c, s, n);
	}
	}
	return false;
}

/* d[0..n) = s[0..n) with ASCII letters lowercased: 16 bytes at a time with SSE2
 * (x86-64's baseline), else 8 (SWAR), the last (overlapping) block once more;
 * never reads or writes past n. */
static void fold_copy(unsigned char *restrict d, const unsigned char *restrict s,
                      size_t n)
{
#if defined(__SSE2__)
	if (n >= 16) {
		/* b + (0x80 - 'A') < -128 + 26 as signed bytes: b in 'A'..'Z' */
		const __m128i off = _mm_set1_epi8((char)(0x80 - 'A')),
		              lim = _mm_set1_epi8((char)(-128 + 26)),
		              bit = _mm_set1_epi8(0x20);
		for (size_t i = 0;; i += 16) {
			if (i + 16 > n)
				i = n - 16; /* the last block, overlapping */
			__m128i x =
			    _mm_loadu_si128((const __m128i *)(const void *)(s + i));
			__m128i up = _mm_cmplt_epi8(_mm_add_epi8(x, off), lim);
			_mm_storeu_si128((__m128i *)(void *)(d + i),
			                 _mm_or_si128(x, _mm_and_si128(up, bit)));
			if (i + 16 == n)
				return;
		}
	}
#endif
	if (n < 8) {
		for (size_t i = 0; i < n; i++)
			d[i] = (unsigned char)(s[i] +
			                       (((unsigned char)(s[i] - 'A') < 26) << 5));
		return;
	}
	uint64_t x;
	for (size_t i = 0; i + 8 <= n; i += 8) {
		memcpy(&x, s + i, 8);
		x = vg_fold8(x);
		memcpy(d + i, &x, 8);
	}
	memcpy(&x, s + n - 8, 8);
	x = vg_fold8(x);
	memcpy(d + n - 8, &x, 8);
}

/* Append v's folded copy (and VG_FOLD_PAD zero bytes) to fd's buffer.  @return
 * its offset, or UINT32_MAX (out of memory). */
static uint32_t fold_append(struct vg_fold *fd, const struct vg_value *v)
{
	size_t need = fd->len + v->len + VG_FOLD_PAD;
	if (need > fd->cap || fd->len + v->len > UINT32_MAX) {
		size_t nc = need * 2 + 256;
		char *nb = fd->len + v->len > UINT32_MAX ? NULL : realloc(fd->buf, nc);
		if (!nb)
			return UINT32_MAX;
		fd->buf = nb;
		fd->cap = nc;
	}
	char *d = fd->buf + fd->len;
	fold_copy((unsigned char *)d, (const unsigned char *)v->ptr, v->len);
	memset(d + v->len, 0, VG_FOLD_PAD);
	uint32_t off = (uint32_t)fd->len;
	fd->len += v->len + VG_FOLD_PAD;
	return off;
}

const char *vg_fold_get(struct vg_fold *fd, vg_field f, const struct vg_value *v)
{
	static const char empty[VG_FOLD_PAD];
	if (!fd || f < 0 || (size_t)f >= fd->nfields)
		return NULL;
	if (v->len == 0)
		return empty;
	if (fd->stamp[f] == fd->epoch)
		return fd->buf + fd->off[f];
	uint32_t off = fold_append(fd, v);
	if (off == UINT32_MAX)
		return NULL;
	fd->stamp[f] = fd->epoch;
	fd->off[f] = off;
	return fd->buf + off;
}

/* ------------------------------------------------------------ lists */

char *vg_fold_room(struct vg_fold *fd, enum vg_lroom r, size_t n)
{
	if (n <= fd->lcap[r])
		return fd->lroom[r];
	size_t nc = n * 2 + 256;
	char *nb = realloc(fd->lroom[r], nc);
	if (!nb)
		return NULL;
	fd->lroom[r] = nb;
	fd->lcap[r] = nc;
	return nb;
}

/* vg_list_begin with the room out (v->len bytes; NULL: strings are left
 * undecoded, for counting the elements). */
static void list_begin_at(struct vg_list_it *it, const struct vg_value *v, char *out)
{
	it->base = v->ptr;
	it->end = v->ptr + v->len;
	it->s = v->len && v->ptr[0] == '[' ? v->ptr + 1 : it->end;
	it->out = out;
}

bool vg_list_begin(struct vg_list_it *it, const struct vg_value *v, struct vg_fold *fd,
                   enum vg_lroom r)
{
	char *out = NULL;
	/* decoded text is never longer than its escapes */
	if (memchr(v->ptr, '\\', v->len) &&
	    !(fd && (out = vg_fold_room(fd, r, v->len)))) {
		list_begin_at(it, &(struct vg_value){v->ptr, 0, VG_VK_LIST}, NULL);
		return false;
	}
	list_begin_at(it, v, out);
	return true;
}

static inline bool json_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The end of the string whose opening quote is at s (just past its closing
 * quote), or NULL when it is not closed before end; *esc: it holds a '\'. */
static const char *string_end(const char *s, const char *end, bool *esc)
{
	*esc = false;
	for (s++; s < end; s++) {
		if (*s == '"')
			return s + 1;
		if (*s == '\\') {
			*esc = true;
			if (++s == end)
				return NULL;
		}
	}
	return NULL;
}

bool vg_list_next(struct vg_list_it *it, struct vg_value *el)
{
	const char *s = it->s, *end = it->end;
	while (s < end && (json_ws(*s) || *s == ','))
		s++;
	if (s >= end || *s == ']') {
		it->s = end;
		return false;
	}
	const char *e;
	if (*s == '"') {
		bool esc;
		if (!(e = string_end(s, end, &esc))) {
			it->s = end;
			return false;
		}
		size_t n = (size_t)(e - s) - 2;
		if (esc && it->out) {
			char *d = it->out + (s - it->base);
			n = vg_json_unescape(d, s + 1, n);
			*el = (struct vg_value){d, (uint32_t)n, VG_VK_STR};
		} else {
			*el = (struct vg_value){s + 1, (uint32_t)n, VG_VK_STR};
		}
	} else if (*s == '[' || *s == '{') {
		/* a nested value: its text, to the bracket that closes it */
		int depth = 0;
		bool esc;
		for (e = s; e && e < end;) {
			if (*e == '"') {
				e = string_end(e, end, &esc);
				continue;
			}
			if (*e == '[' || *e == '{')
				depth++;
			else if ((*e == ']' || *e == '}') && --depth == 0)
				break;
			e++;
		}
		if (!e || e >= end) {
			it->s = end;
			return false;
		}
		e++;
		*el = (struct vg_value){s, (uint32_t)(e - s), VG_VK_STR};
	} else {
		for (e = s; e < end && *e != ',' && *e != ']' && !json_ws(*e); e++)
			;
		uint8_t k = *s == 't' || *s == 'f' ? VG_VK_BOOL
		            : *s == 'n'            ? VG_VK_NULL
		                                   : VG_VK_NUM;
		*el = (struct vg_value){s, (uint32_t)(e - s), k};
	}
	it->s = e;
	return true;
}

/* Literal lit (1 + id) of the group being evaluated (every literal is scanned). */
static inline bool lit_get(const struct vg_menv *env, uint32_t lit)
{
	const uint64_t *bits = env->pfs->bits;
	return (bits[(lit - 1) >> 6] >> ((lit - 1) & 63)) & 1;
}

/* s[0..n) is valid UTF-8 (as PCRE2 defines it: no overlong forms, surrogates or
 * code points above U+10FFFF), so a regex '.' can cross any of it. */
static bool utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t k;
		uint32_t cp;
		if (c >= 0xC2 && c <= 0xDF)
			k = 1, cp = c & 0x1F;
		else if (c >= 0xE0 && c <= 0xEF)
			k = 2, cp = c & 0x0F;
		else if (c >= 0xF0 && c <= 0xF4)
			k = 3, cp = c & 0x07;
		else
			return false;
		if (i + k >= n)
			return false; /* truncated */
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xC0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + j] & 0x3F);
		}
		if ((k == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
		    (k == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
			return false;
		i += k + 1;
	}
	return true;
}

/* The first t[0..m) (m >= 1) in s[0..n), or NULL: candidates by memchr on its
 * first byte (runs are short, values of one event field). */
static const char *find_run(const char *s, size_t n, const char *t, size_t m)
{
	if (m > n)
		return NULL;
	const char *p = s, *end = s + n - m + 1; /* candidates before end */
	while ((p = memchr(p, t[0], (size_t)(end - p))) != NULL) {
		if (memcmp(p + 1, t + 1, m - 1) == 0)
			return p;
		if (++p == end)
			break;
	}
	return NULL;
}

/* The runs q[0..k) (each: a flag byte, the bytes, a NUL) occur in this order in
 * s[from..to).  @return the end of the last, or SIZE_MAX. */
static size_t runs_in(const char *q, uint16_t k, const char *s, size_t from, size_t to)
{
	for (uint16_t i = 0; i < k; i++) {
		size_t m = strlen(q + 1);
		const char *hit = find_run(s + from, to - from, q + 1, m);
		if (!hit)
			return SIZE_MAX;
		from = (size_t)(hit - s) + m;
		q += m + 2;
	}
	return from;
}

/* s[0..n) holds the runs of seq (vg_pattern.seq: nseq runs, each a flag byte, the
 * bytes, a NUL) in this order, runs flagged as on the same line as the previous
 * one without a '\n' between them.  Greedy: each group of same-line runs takes the
 * earliest line where it fits, which leaves the most room for the rest. */
static bool seq_match(const char *seq, uint16_t nseq, const char *s, size_t n)
{
	size_t at = 0;
	for (uint16_t i = 0; i < nseq;) {
		/* a group: run i and the same-line runs after it */
		const char *q = seq, *e = seq + strlen(seq + 1) + 2;
		uint16_t k = 1;
		while (i + k < nseq && e[0] == VG_SEQ_SAME_LINE) {
			e += strlen(e + 1) + 2;
			k++;
		}
		for (size_t from = at;;) {
			size_t to = n;
			if (k > 1) {
				const char *eol = memchr(s + from, '\n', n - from);
				to = eol ? (size_t)(eol - s) : n;
			}
			size_t end = runs_in(q, k, s, from, to);
			if (end != SIZE_MAX) {
				at = end;
				break;
			}
			if (to == n)
				return false;
			from = to + 1;
		}
		seq = e;
		i = (uint16_t)(i + k);
	}
	return true;
}

/* Regex re on s[0..n): the JIT's fast path (rules.c JIT-compiles every regex; the
 * patterns allow invalid UTF, so neither entry checks the subject), pcre2_match
 * when the JIT did not compile it. */
/* Regex p against s[0..n): a valid UTF-8 subject through the JIT (which checks no
 * UTF-8), any other through the copy compiled to take invalid UTF-8. */
static bool re_match(const struct vg_pattern *p, const char *s, size_t n,
                     const struct vg_menv *env)
{
	int rc;
	if (vg_utf8_check(s, n) == n) {
		rc = pcre2_jit_match(p->re, (PCRE2_SPTR)s, n, 0, 0, env->md, env->mctx);
		if (rc == PCRE2_ERROR_JIT_BADOPTION) /* no JIT code */
			rc = pcre2_match(p->re, (PCRE2_SPTR)s, n, 0, PCRE2_NO_UTF_CHECK,
			                 env->md, env->mctx);
	} else {
		rc = pcre2_match(p->re_any, (PCRE2_SPTR)s, n, 0, 0, env->md, env->mctx);
	}
	return rc >= 0;
}

/* One value against one pattern (v may be NULL: field absent).  tp: compare the
 * date part tp of v instead of v.  low: v lowercased, or NULL.  Inlined into
 * every caller, as it was before lists added two (fcond_match's copy is the hot
 * one: called, it cost 1.7 M more instructions in bench_detect). */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline bool
value_match(const struct vg_pattern *p, vg_field f, const struct vg_value *v, uint8_t tp,
            const char *low, const struct vg_event *ev, const struct vg_menv *env)
{
	double d = 0;
	bool have = false;
	if (p->op >= VG_MOP_GT && p->op <= VG_MOP_EQNUM)
		have = v && v->kind != VG_VK_NULL &&
		       (tp ? date_part(v, tp, &d) : num_of(v, &d));
	switch (p->op) {
	case VG_MOP_EXISTS: return (v != NULL) == (p->num != 0);
	case VG_MOP_NULL: return v == NULL || v->kind == VG_VK_NULL;
	case VG_MOP_STR:
		/* the group's literal bits: the answer, or a necessary condition */
		if (p->lit && env->pf) {
			bool b = lit_get(env, p->lit);
			if (p->lit_exact || !b)
				return b;
		}
		if (!v || v->kind == VG_VK_NULL)
			return false;
		if (low && !p->cased)
			return folded_match(p, low, v->len);
		return str_match(p, v->ptr, v->len);
	case VG_MOP_RE:
		if (!v || v->kind == VG_VK_NULL)
			return false;
		if (p->lit && env->pf && !lit_get(env, p->lit))
			return false; /* its required literal is absent */
		if (p->seq && f != VG_FIELD_NONE && env->fold) {
			/* its required literals in order (cheap next to a regex); when
			 * they are the whole regex, the answer (pcre2 would backtrack
			 * through every placement of ".*" -- millions of steps on long
			 * values -- to the same result) */
			const char *l = low ? low : vg_fold_get(env->fold, f, v);
			if (l && !seq_match(p->seq, p->nseq, l, v->len))
				return false;
			if (l && p->seq_exact && utf8_valid(v->ptr, v->len))
				return true;
		}
		return re_match(p, v->ptr, v->len, env);
	case VG_MOP_CIDR: return v && cidr_match(p, v);
	case VG_MOP_GT: return have && d > p->num;
	case VG_MOP_GTE: return have && d >= p->num;
	case VG_MOP_LT: return have && d < p->num;
	case VG_MOP_LTE: return have && d <= p->num;
	case VG_MOP_EQNUM: return have && d == p->num;
	case VG_MOP_FIELDREF: return ref_match(p, v, ev, env->fold);
	}
	return false;
}

/* An item whose values are all literals of the group (fc->lits_only, env->pf set):
 * bit tests only, a word of bits at a time. */
static inline bool lits_match(const struct vg_fcond *fc, const struct vg_menv *env)
{
	const uint64_t *bits = env->pfs->bits;
	const struct vg_litmask *lm = fc->lmask, *end = lm + fc->nlmask;
	if (fc->all) { /* as fcond_match: `all` ignores neg */
		for (; lm < end; lm++)
			if ((bits[lm->word] & lm->mask) != lm->mask)
				return false;
		return true;
	}
	for (; lm < end; lm++)
		if (bits[lm->word] & lm->mask)
			return !fc->neg;
	return fc->neg;
}

/* Pattern p against a list value v (VG_VK_LIST): some element matches it, as
 * value_match would match a value of its own (the folded copies, the ordered runs
 * of a regex are the field's, so neither is used); `exists` is the list's, `null`
 * holds when it has no element but nulls (as an empty array in Elasticsearch). */
static bool list_value_match(const struct vg_pattern *p, const struct vg_value *v,
                             uint8_t tp, const struct vg_event *ev,
                             const struct vg_menv *env)
{
	if (p->op == VG_MOP_EXISTS)
		return p->num != 0;
	struct vg_list_it it;
	struct vg_value el;
	vg_list_begin(&it, v, env->fold, VG_LR_FIELD);
	while (vg_list_next(&it, &el)) {
		if (p->op == VG_MOP_NULL) {
			if (el.kind != VG_VK_NULL)
				return false;
		} else if (value_match(p, VG_FIELD_NONE, &el, tp, NULL, ev, env)) {
			return true;
		}
	}
	return p->op == VG_MOP_NULL;
}

/* fcond_match on a field holding a list v: a value holds when some element
 * matches it (Sigma's rule for list fields), so `|all` needs each value (group of
 * variants) matched by some element, not all by one.  Off the hot path: the
 * elements are decoded for each value tested (lists are short; nothing is kept). */
#if defined(__GNUC__)
__attribute__((noinline, cold))
#endif
static bool
list_fcond_match(const struct vg_fcond *fc, const struct vg_value *v,
                 const struct vg_event *ev, const struct vg_menv *env)
{
	size_t ng = fc->all ? vg_fcond_ngroups(fc) : 1;
	for (size_t g = 0; g < ng; g++) {
		size_t from = 0, to = fc->nvals;
		if (fc->all)
			vg_fcond_group(fc, g, &from, &to);
		bool any = false;
		for (size_t i = from; i < to && !any; i++)
			any = list_value_match(&fc->vals[i], v, fc->tp, ev, env);
		if (!fc->all)
			return any != fc->neg;
		if (!any)
			return false;
	}
	return true;
}

/* An item of one uncased exact string on a named field (fc->one_exact), as
 * value_match and str_match would compare it (a list: list_fcond_match). */
static inline bool one_exact_match(const struct vg_fcond *fc, const struct vg_event *ev,
                                   const struct vg_menv *env)
{
	const struct vg_pattern *p = &fc->vals[0];
	const struct vg_value *v = vg_event_get(ev, fc->field);
	if (v && v->kind < VG_VK_NULL)
		return v->len == p->len && eq_n(v->ptr, p->text, p->len, false);
	return v && v->kind == VG_VK_LIST && list_fcond_match(fc, v, ev, env);
}

/* ------------------------------------------------------------ keywords */

/* v's bytes lie in the record's text (ev->raw): a value read from the record, not
 * one Vigil derived (a constant such as event.category "process"). */
static bool in_record(const struct vg_event *ev, const struct vg_value *v)
{
	const char *r = ev->raw.ptr;
	return r && v->ptr >= r && v->ptr + v->len <= r + ev->raw.len;
}

/* The values of ev that Vigil set to classify it (env->kw_skip, not in the
 * record's text) into skip[]; @return how many. */
static size_t kw_skipped(const struct vg_event *ev, const struct vg_menv *env,
                         const struct vg_value **skip, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < env->nkw_skip && n < max; i++) {
		const struct vg_value *v = vg_event_get(ev, env->kw_skip[i]);
		if (v && !in_record(ev, v))
			skip[n++] = v;
	}
	return n;
}

/* The next value a keyword searches after *pos (registry fields in the order they
 * were set, then extras; JSON null and Vigil's classification left out), or NULL
 * at the end.  Start with *pos = 0, *x = NULL. */
static const struct vg_value *kw_next(const struct vg_event *ev, uint32_t *pos,
                                      const struct vg_extra **x,
                                      const struct vg_value *const *skip, size_t nskip)
{
	while (*pos < ev->nset) {
		const struct vg_value *v = &ev->vals[(*pos)++];
		bool skipped = v->kind == VG_VK_NULL || v->kind == VG_VK_UNSET;
		for (size_t i = 0; i < nskip && !skipped; i++)
			skipped = skip[i] == v;
		if (!skipped)
			return v;
	}
	*x = *x ? (*x)->next : ev->extras;
	while (*x && (*x)->value.kind == VG_VK_NULL)
		*x = (*x)->next;
	return *x ? &(*x)->value : NULL;
}

#define KW_SKIP_MAX 64 /* classification values left out of one event */

/* kw_values for an event holding lists: the entries fd->kw[0..k), the lists among
 * them (lbytes bytes in all) replaced by their elements but nulls (in fd->kwel,
 * strings decoded into the room VG_LR_KW, each list at its own offset so that all
 * stay readable).  @return the new count, or SIZE_MAX (no memory). */
static size_t kw_lists(struct vg_fold *fd, size_t k, size_t lbytes)
{
	struct vg_list_it it;
	struct vg_value el;
	size_t nel = 0, nlists = 0;
	for (size_t i = 0; i < k; i++)
		if (fd->kw[i].v->kind == VG_VK_LIST) {
			nlists++;
			for (list_begin_at(&it, fd->kw[i].v, NULL);
			     vg_list_next(&it, &el);)
				nel++;
		}
	char *room = vg_fold_room(fd, VG_LR_KW, lbytes + 1);
	if (!room)
		return SIZE_MAX;
	if (k + nel > fd->kw_cap) {
		struct vg_kwval *nk = realloc(fd->kw, (k + nel) * sizeof(*nk));
		if (!nk)
			return SIZE_MAX;
		fd->kw = nk;
		fd->kw_cap = k + nel;
	}
	if (nel + nlists > fd->kwel_cap) {
		struct vg_value *ne = realloc(fd->kwel, (nel + nlists) * sizeof(*ne));
		if (!ne)
			return SIZE_MAX;
		fd->kwel = ne;
		fd->kwel_cap = nel + nlists;
	}
	/* the other values keep their order; the lists wait after the elements */
	struct vg_value *lists = fd->kwel + nel;
	size_t n = 0, nl = 0, j = 0, at = 0;
	for (size_t i = 0; i < k; i++) {
		if (fd->kw[i].v->kind == VG_VK_LIST)
			lists[nl++] = *fd->kw[i].v;
		else
			fd->kw[n++] = fd->kw[i];
	}
	for (size_t l = 0; l < nlists; l++) {
		list_begin_at(&it, &lists[l], room + at);
		at += lists[l].len;
		while (vg_list_next(&it, &el)) {
			if (el.kind == VG_VK_NULL)
				continue;
			fd->kwel[j] = el;
			fd->kw[n++] =
			    (struct vg_kwval){&fd->kwel[j], fold_append(fd, &el)};
			j++;
		}
	}
	return n;
}

/* The values keywords search in ev with their folded copies, gathered once per
 * event into env->fold (kw_epoch).  @return them and *n, or NULL (no fold, out of
 * memory): the caller then walks kw_next itself and compares unfolded. */
static const struct vg_kwval *kw_values(const struct vg_event *ev,
                                        const struct vg_menv *env, size_t *n)
{
	struct vg_fold *fd = env->fold;
	if (!fd)
		return NULL;
	if (fd->kw_epoch == fd->epoch) {
		*n = fd->nkw;
		return fd->kw;
	}
	size_t total = (size_t)ev->nset + ev->nextras;
	if (total > fd->kw_cap) {
		struct vg_kwval *nk = realloc(fd->kw, total * sizeof(*nk));
		if (!nk)
			return NULL;
		fd->kw = nk;
		fd->kw_cap = total;
	}
	const struct vg_value *skip[KW_SKIP_MAX];
	size_t nskip = kw_skipped(ev, env, skip, KW_SKIP_MAX), k = 0;
	uint32_t pos = 0;
	const struct vg_extra *x = NULL;
	const struct vg_value *v;
	size_t lbytes = 0;
	bool lists = false;
	while (k < total && (v = kw_next(ev, &pos, &x, skip, nskip)) != NULL) {
		if (v->kind == VG_VK_LIST) { /* its elements: kw_lists */
			lists = true;
			lbytes += v->len;
			fd->kw[k++] = (struct vg_kwval){v, UINT32_MAX};
			continue;
		}
		fd->kw[k++] = (struct vg_kwval){v, fold_append(fd, v)};
	}
	if (lists && (k = kw_lists(fd, k, lbytes)) == SIZE_MAX)
		return NULL;
	fd->nkw = k;
	fd->kw_epoch = fd->epoch;
	*n = k;
	return fd->kw;
}

/* Some value of fc matches v (low: v folded, or NULL). */
static bool kw_any_value(const struct vg_fcond *fc, const struct vg_value *v,
                         const char *low, const struct vg_event *ev,
                         const struct vg_menv *env)
{
	bool res;
	if (fc->acc && low && faccel_match(fc->acc, fc, low, v->len, &res))
		return res;
	for (size_t i = 0; i < fc->nvals; i++)
		if (value_match(&fc->vals[i], VG_FIELD_NONE, v, fc->tp, low, ev, env))
			return true;
	return false;
}

/* kw_match's test of one value v, from the values fc->vals[from..to) when `all`
 * (low: v folded, or NULL); a list (only without kw_values: out of memory) by
 * its elements. */
static bool kw_hit(const struct vg_fcond *fc, size_t from, size_t to,
                   const struct vg_value *v, const char *low, const struct vg_event *ev,
                   const struct vg_menv *env)
{
	if (v->kind == VG_VK_LIST) {
		struct vg_list_it it;
		struct vg_value el;
		vg_list_begin(&it, v, env->fold, VG_LR_FIELD);
		while (vg_list_next(&it, &el))
			if (el.kind != VG_VK_NULL &&
			    kw_hit(fc, from, to, &el, NULL, ev, env))
				return true;
		return false;
	}
	if (!fc->all)
		return kw_any_value(fc, v, low, ev, env);
	for (size_t i = from; i < to; i++)
		if (value_match(&fc->vals[i], VG_FIELD_NONE, v, fc->tp, low, ev, env))
			return true;
	return false;
}

/* A keyword item: Sigma searches keywords across the whole event, so each value
 * of the event (decoded: no JSON escapes, no key names) is searched on its own;
 * `|all` needs every keyword somewhere in the event, not in one value.  The raw
 * record is not searched: its text holds key names ('Channel' matched every
 * Windows event) and escapes ('C:\Windows' is "C:\\Windows" in JSON). */
static bool kw_match(const struct vg_fcond *fc, const struct vg_event *ev,
                     const struct vg_menv *env)
{
	size_t n = 0;
	const struct vg_kwval *kv = kw_values(ev, env, &n);
	const struct vg_value *skip[KW_SKIP_MAX];
	size_t nskip = kv ? 0 : kw_skipped(ev, env, skip, KW_SKIP_MAX);
	for (size_t g = 0; g < (fc->all ? vg_fcond_ngroups(fc) : 1); g++) {
		bool found = false;
		uint32_t pos = 0;
		const struct vg_extra *x = NULL;
		size_t from, to;
		vg_fcond_group(fc, g, &from, &to);
		for (size_t k = 0; !found; k++) {
			const struct vg_value *v;
			const char *low = NULL;
			if (kv) {
				if (k == n)
					break;
				v = kv[k].v;
				if (kv[k].off != UINT32_MAX)
					low = env->fold->buf + kv[k].off;
			} else if (!(v = kw_next(ev, &pos, &x, skip, nskip))) {
				break;
			}
			found = kw_hit(fc, from, to, v, low, ev, env);
		}
		if (!fc->all)
			return found != fc->neg;
		if (!found)
			return false;
	}
	return true;
}

static bool fcond_match(const struct vg_fcond *fc, const struct vg_event *ev,
                        const struct vg_menv *env)
{
	if (fc->lits_only && env->pf)
		return lits_match(fc, env);

	if (fc->one_exact)
		return one_exact_match(fc, ev, env);
	if (fc->field == VG_FIELD_NONE)
		return kw_match(fc, ev, env);
	const struct vg_value *v = vg_event_get(ev, fc->field);
	if (v && v->kind == VG_VK_LIST)
		return list_fcond_match(fc, v, ev, env);
	/* fold once when several string values will be compared (when the first
	 * value that is not a bit test comes: the copy only saves work) */
	const char *low = NULL;
	bool want_low =
	    v && v->kind != VG_VK_NULL && fc->nvals > 1 && fc->vals[0].op == VG_MOP_STR;
	bool res;
	if (fc->acc && want_low && (low = vg_fold_get(env->fold, fc->field, v)) &&
	    faccel_match(fc->acc, fc, low, v->len, &res))
		return res != fc->neg;
	/* `all` (ignoring neg, as lits_match): each group of alternatives needs one
	 * matching variant (vg_fcond.grp; without it each value is a group) */
	size_t ng = fc->all ? vg_fcond_ngroups(fc) : 1;
	for (size_t g = 0; g < ng; g++) {
		size_t from = 0, to = fc->nvals;
		if (fc->all)
			vg_fcond_group(fc, g, &from, &to);
		bool any = false;
		for (size_t i = from; i < to && !any; i++) {
			const struct vg_pattern *p = &fc->vals[i];
			if (p->lit_exact && env->pf) {
				any = lit_get(env, p->lit); /* as value_match would */
			} else {
				if (want_low && !low)
					low = vg_fold_get(env->fold, fc->field, v);
				any = value_match(p, fc->field, v, fc->tp, low, ev, env);
			}
		}
		if (!fc->all)
			return any != fc->neg;
		if (!any)
			return false;
	}
	return true;
}

/* vg_sel_match, inlined into the flat program's loop (most selections are one map
 * of bit-test items: the call would cost more than the tests). */
static inline bool sel_match(const struct vg_sel *sel, const struct vg_event *ev,
                             const struct vg_menv *env)
{
	if (sel->nalts == 0)
		return true;
	for (size_t a = 0; a < sel->nalts; a++) {
		const struct vg_smap *m = &sel->alts[a];
		size_t i;
		for (i = 0; i < m->n; i++) {
			const struct vg_fcond *fc = &m->conds[i];
			if (!(fc->lits_only && env->pf ? lits_match(fc, env)
			                               : fcond_match(fc, ev, env)))
				break;
		}
		if (i == m->n)
			return true;
	}
	return false;
}

bool vg_sel_match(const struct vg_sel *sel, const struct vg_event *ev,
                  const struct vg_menv *env)
{
	return sel_match(sel, ev, env);
}

static bool eval(const struct vg_rule *r, int n, const struct vg_event *ev,
                 const struct vg_menv *env)
{
	const struct vg_cnode *c = &r->nodes[n];
	switch (c->type) {
	case VG_CN_SEL: return vg_sel_match(&r->sels[c->a], ev, env);
	case VG_CN_AND: return eval(r, c->a, ev, env) && eval(r, c->b, ev, env);
	case VG_CN_OR: return eval(r, c->a, ev, env) || eval(r, c->b, ev, env);
	case VG_CN_NOT: return !eval(r, c->a, ev, env);
	case VG_CN_TRUE: return true;
	}
	return false;
}

/* vg_rule_match, inlined into run_rules. */
static inline bool rule_match(const struct vg_rule *rule, const struct vg_event *ev,
                              const struct vg_menv *env)
{
	if (rule->is_correlation || rule->root < 0)
		return false;
	if (!rule->flat)
		return eval(rule, rule->root, ev, env);
	int pc = rule->entry;
	while (pc >= 0) {
		const struct vg_cnode *c = &rule->nodes[pc];
		bool b = c->lits && env->pf ? lits_match(c->lits, env)
		                            : sel_match(&rule->sels[c->a], ev, env);
		pc = b ? c->t : c->f;
	}
	return pc == VG_CN_ACCEPT;
}

bool vg_rule_match(const struct vg_rule *rule, const struct vg_event *ev,
                   const struct vg_menv *env)
{
	return rule_match(rule, ev, env);
}

/* Compile node n so that control goes to t when it holds, to f when not
 * (short-circuit, left to right, as eval): each SEL node gets its two successors.
 * @return the node's first SEL node (or t / f when it needs none), or INT_MIN
 * when the tree cannot be flattened (a node reached twice, too deep). */
static int flat_gen(struct vg_rule *r, int n, int t, int f, uint8_t *seen, int depth)
{
	if (n < 0 || (size_t)n >= r->nnodes || seen[n] || depth > 10000)
		return INT_MIN;
	seen[n] = 1;
	struct vg_cnode *c = &r->nodes[n];
	int e;
	switch (c->type) {
	case VG_CN_SEL:
		c->t = t;
		c->f = f;
		return n;
	case VG_CN_TRUE: return t;
	case VG_CN_NOT: return flat_gen(r, c->a, f, t, seen, depth + 1);
	case VG_CN_AND:
		if ((e = flat_gen(r, c->b, t, f, seen, depth + 1)) == INT_MIN)
			return INT_MIN;
		return flat_gen(r, c->a, e, f, seen, depth + 1);
	case VG_CN_OR:
		if ((e = flat_gen(r, c->b, t, f, seen, depth + 1)) == INT_MIN)
			return INT_MIN;
		return flat_gen(r, c->a, t, e, seen, depth + 1);
	}
	return INT_MIN;
}

/* The flat program of r's condition (vg_rule.flat), when it is a tree. */
static vg_err rule_flatten(struct vg_rule *r)
{
	r->flat = false;
	if (r->is_correlation || r->root < 0 || !r->nnodes)
		return VG_OK;
	uint8_t *seen = calloc(r->nnodes, 1);
	if (!seen)
		return VG_ERR_NOMEM;
	int e = flat_gen(r, r->root, VG_CN_ACCEPT, VG_CN_REJECT, seen, 0);
	free(seen);
	if (e != INT_MIN) {
		r->entry = e;
		r->flat = true;
	}
	return VG_OK;
}

/* ---------------------------------------------------------------- public */

struct vg_detect_ctx *vg_detect_ctx_new(const struct vg_ruleset *rs)
{
	struct vg_detect_ctx *ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return NULL;
	ctx->rs = rs;
	ctx->ds_len = SIZE_MAX;
	ctx->env.md = pcre2_match_data_create(1, NULL);
	ctx->env.mctx = rs ? rs->mctx : NULL;
	ctx->env.kw_skip = rs ? rs->kw_skip : NULL;
	ctx->env.nkw_skip = rs ? rs->nkw_skip : 0;
	ctx->scratch_cap = rs ? rs->n + 1 : 1;
	ctx->scratch = malloc(ctx->scratch_cap * sizeof(size_t));
	ctx->fold.nfields = vg_field_count();
	ctx->fold.stamp = calloc(ctx->fold.nfields, sizeof(uint32_t));
	ctx->fold.off = calloc(ctx->fold.nfields, sizeof(uint32_t));
	ctx->fold.epoch = 1;
	ctx->env.fold = &ctx->fold;
	struct vg_pfstate *st = &ctx->pf;
	st->nrules = ctx->scratch_cap;
	st->nlits = rs ? rs->max_lits : 0;
	st->mark = calloc(st->nrules, sizeof(*st->mark));
	st->csec = malloc(st->nrules * sizeof(*st->csec));
	st->cand = malloc(st->nrules * sizeof(*st->cand));
	st->bits = calloc(st->nlits / 64 + 1, sizeof(*st->bits));
	st->set = malloc((st->nlits + 1) * sizeof(*st->set));
	ctx->env.pfs = st;
	ctx->cache_entries = VG_DETECT_CACHE_DEFAULT;
	if (rs && rs->max_lits)
		st->cache = vg_pfcache_new(VG_DETECT_CACHE_DEFAULT); /* NULL: no cache */
	if (!ctx->env.md || !ctx->scratch || !st->mark || !st->csec || !st->cand ||
	    !st->bits || !st->set || !ctx->fold.stamp || !ctx->fold.off) {
		vg_detect_ctx_destroy(ctx);
		return NULL;
	}
	return ctx;
}

vg_err vg_detect_ctx_cache(struct vg_detect_ctx *ctx, size_t entries)
{
	bool none_needed = !entries || !ctx->rs || !ctx->rs->max_lits;
	if (entries == ctx->cache_entries && (ctx->pf.cache || none_needed))
		return VG_OK; /* that size already (a configured default costs nothing) */
	ctx->cache_entries = entries;
	vg_pfcache_free(ctx->pf.cache);
	ctx->pf.cache = NULL;
	memset(ctx->pf.last, 0, sizeof(ctx->pf.last)); /* slots of the old cache */
	if (none_needed)
		return VG_OK;
	ctx->pf.cache = vg_pfcache_new(entries);
	return ctx->pf.cache ? VG_OK : VG_ERR_NOMEM;
}

void vg_detect_ctx_stats(const struct vg_detect_ctx *ctx, struct vg_detect_stats *out)
{
	out->cache_lookups = ctx->pf.cache_lookups;
	out->cache_hits = ctx->pf.cache_hits;
	out->evaluated = ctx->evaluated;
}

void vg_detect_ctx_destroy(struct vg_detect_ctx *ctx)
{
	if (!ctx)
		return;
	pcre2_match_data_free(ctx->env.md);
	free(ctx->scratch);
	free(ctx->pf.mark);
	free(ctx->pf.csec);
	free(ctx->pf.cand);
	free(ctx->pf.bits);
	vg_pfcache_free(ctx->pf.cache);
	free(ctx->pf.set);
	free(ctx->fold.stamp);
	free(ctx->fold.off);
	free(ctx->fold.buf);
	free(ctx->fold.kw);
	for (size_t r = 0; r < sizeof(ctx->fold.lroom) / sizeof(ctx->fold.lroom[0]); r++)
		free(ctx->fold.lroom[r]);
	free(ctx->fold.kwel);
	free(ctx);
}

/* ----------------------------------------------- long value lists (accel) */

#define VG_GRAM 4
enum { AK_EXACT = 1, AK_PREFIX, AK_SUFFIX }; /* key kinds, mixed into the hash */

/* Open addressing slot: hash -> entries [start, start + n) */
struct aslot {
	uint64_t h; /* 0 = empty */
	uint32_t start;
	uint32_t n;
};

static uint64_t key_hash(vg_field f, uint8_t kind, const char *folded, size_t n)
{
	return vg_hash64(folded, n, ((uint64_t)(uint32_t)f << 4) | kind) | 1;
}

/* Hash of the 4 bytes at p (a "gram"), cheaper than vg_hash64 per position. */
static inline uint64_t gram_hash(vg_field f, const char *p)
{
	uint32_t x;
	memcpy(&x, p, 4);
	return (((uint64_t)x ^ ((uint64_t)(uint32_t)f << 32)) *
	        UINT64_C(0x9E3779B97F4A7C15)) |
	       1;
}

/* A field condition with many string values (e.g. 200 `contains` literals) is
 * matched by hashing the event's value instead of comparing every literal: exact
 * values by their hash, prefixes / suffixes by the hash of the value's first / last
 * L bytes for each length L present, contains literals by the hash of their first
 * 4 bytes at every position.  Candidates found are verified with the literal. */
#define ACCEL_MIN 6

/* (hash, index) pairs, sorted to group equal hashes (index builds). */
struct hr {
	uint64_t h;
	uint32_t rule;
};

static int cmp_hr(const void *a, const void *b)
{
	const struct hr *x = a, *y = b;
	if (x->h != y->h)
		return x->h < y->h ? -1 : 1;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

struct vg_faccel {
	struct aslot *slots; /* key hash -> values */
	size_t nslots;
	uint32_t *vals;
	uint32_t plens[64], slens[64]; /* distinct prefix / suffix lengths */
	size_t nplens, nslens;
	bool exact, gram, gram2;
	uint64_t bits[64];  /* 4096-bit filter of gram hashes */
	uint64_t bits2[64]; /* the same for 2-byte grams (literals of 2..3 bytes) */
	uint32_t *shorts;   /* 1-byte literals: compared one by one */
	size_t nshorts;
};

static inline uint64_t gram2_hash(const char *p)
{
	uint16_t x;
	memcpy(&x, p, 2);
	return ((uint64_t)x * UINT64_C(0xD6E8FEB86659FD93)) | 1;
}

void vg_faccel_free(struct vg_faccel *acc)
{
	if (!acc)
		return;
	free(acc->slots);
	free(acc->vals);
	free(acc->shorts);
	free(acc);
}

static void acc_probe(const struct vg_faccel *acc, const struct vg_fcond *fc, uint64_t h,
                      const char *low, size_t n, bool *hit)
{
	for (size_t q = 0; !*hit; q++) {
		const struct aslot *sl = &acc->slots[(h + q) & (acc->nslots - 1)];
		if (!sl->h)
			return;
		if (sl->h != h)
			continue;
		for (uint32_t k = 0; k < sl->n && !*hit; k++)
			*hit = folded_match(&fc->vals[acc->vals[sl->start + k]], low, n);
		return;
	}
}

/* @return false when acc cannot decide (never, once built); *out: any value
 * matches. */
static bool faccel_match(const struct vg_faccel *acc, const struct vg_fcond *fc,
                         const char *low, size_t n, bool *out)
{
	bool hit = false;
	if (acc->exact)
		acc_probe(acc, fc, key_hash(0, AK_EXACT, low, n), low, n, &hit);
	for (size_t i = 0; i < acc->nplens && !hit; i++)
		if (n >= acc->plens[i])
			acc_probe(acc, fc, key_hash(0, AK_PREFIX, low, acc->plens[i]),
			          low, n, &hit);
	for (size_t i = 0; i < acc->nslens && !hit; i++)
		if (n >= acc->slens[i])
			acc_probe(acc, fc,
			          key_hash(0, AK_SUFFIX, low + n - acc->slens[i],
			                   acc->slens[i]),
			          low, n, &hit);
	for (size_t i = 0; i < acc->nshorts && !hit; i++)
		hit = folded_match(&fc->vals[acc->shorts[i]], low, n);
	if (acc->gram2)
		for (size_t k = 0; k + 2 <= n && !hit; k++) {
			uint64_t h = gram2_hash(low + k);
			uint32_t bit = (uint32_t)(h >> 52);
			if (acc->bits2[bit >> 6] & (UINT64_C(1) << (bit & 63)))
				acc_probe(acc, fc, h, low, n, &hit);
		}
	if (acc->gram)
		for (size_t k = 0; k + VG_GRAM <= n && !hit; k++) {
			uint64_t h = gram_hash(0, low + k);
			uint32_t bit = (uint32_t)(h >> 52);
			if (acc->bits[bit >> 6] & (UINT64_C(1) << (bit & 63)))
				acc_probe(acc, fc, h, low, n, &hit);
		}
	*out = hit;
	return true;
}

static vg_err faccel_build(struct vg_fcond *fc)
{
	if (fc->nvals < ACCEL_MIN || fc->all || fc->tp)
		return VG_OK;
	for (size_t i = 0; i < fc->nvals; i++) {
		const struct vg_pattern *p = &fc->vals[i];
		if (p->op != VG_MOP_STR || p->cased)
			return VG_OK;
		if (p->shape == VG_PS_CONTAINS
		        ? p->len < 1
		        : !(p->shape == VG_PS_EXACT ||
		            ((p->shape == VG_PS_PREFIX || p->shape == VG_PS_SUFFIX) &&
		             p->len > 0)))
			return VG_OK;
	}
	struct vg_faccel *acc = calloc(1, sizeof(*acc));
	struct hr *hrs = malloc(fc->nvals * sizeof(*hrs));
	size_t nh = 0;
	if (!acc || !hrs || !(acc->shorts = malloc(fc->nvals * sizeof(uint32_t))))
		goto oom;
	for (size_t i = 0; i < fc->nvals; i++) {
		const struct vg_pattern *p = &fc->vals[i];
		uint64_t h = 0;
		uint32_t *lens = NULL;
		size_t *nl = NULL;
		switch (p->shape) {
		case VG_PS_EXACT:
			h = key_hash(0, AK_EXACT, p->text, p->len);
			acc->exact = true;
			break;
		case VG_PS_PREFIX:
			h = key_hash(0, AK_PREFIX, p->text, p->len);
			lens = acc->plens, nl = &acc->nplens;
			break;
		case VG_PS_SUFFIX:
			h = key_hash(0, AK_SUFFIX, p->text, p->len);
			lens = acc->slens, nl = &acc->nslens;
			break;
		default:
			if (p->len < 2) {
				acc->shorts[acc->nshorts++] = (uint32_t)i;
				continue;
			}
			/* the literal's last bytes: shared prefixes ("MD5=") are common
			 */
			h = p->len < VG_GRAM ? gram2_hash(p->text + p->len - 2)
			                     : gram_hash(0, p->text + p->len - VG_GRAM);
			uint32_t bit = (uint32_t)(h >> 52);
			if (p->len < VG_GRAM) {
				acc->bits2[bit >> 6] |= UINT64_C(1) << (bit & 63);
				acc->gram2 = true;
			} else {
				acc->bits[bit >> 6] |= UINT64_C(1) << (bit & 63);
				acc->gram = true;
			}
		}
		if (lens) {
			bool dup = false;
			for (size_t k = 0; k < *nl && !dup; k++)
				dup = lens[k] == p->len;
			if (!dup && *nl == 64)
				goto give_up; /* too many lengths: the loop is as good */
			if (!dup)
				lens[(*nl)++] = (uint32_t)p->len;
		}
		hrs[nh++] = (struct hr){h, (uint32_t)i};
	}
	if (nh)
		qsort(hrs, nh, sizeof(*hrs), cmp_hr);
	acc->nslots = 16;
	while (acc->nslots < nh * 2)
		acc->nslots *= 2;
	acc->slots = calloc(acc->nslots, sizeof(*acc->slots));
	acc->vals = malloc((nh ? nh : 1) * sizeof(uint32_t));
	if (!acc->slots || !acc->vals)
		goto oom;
	for (size_t i = 0; i < nh;) {
		size_t j = i;
		while (j < nh && hrs[j].h == hrs[i].h) {
			acc->vals[j] = hrs[j].rule;
			j++;
		}
		for (size_t q = 0;; q++) {
			struct aslot *sl =
			    &acc->slots[(hrs[i].h + q) & (acc->nslots - 1)];
			if (!sl->h) {
				*sl = (struct aslot){hrs[i].h, (uint32_t)i,
				                     (uint32_t)(j - i)};
				break;
			}
		}
		i = j;
	}
	free(hrs);
	fc->acc = acc;
	return VG_OK;
give_up:
	free(hrs);
	vg_faccel_free(acc);
	return VG_OK;
oom:
	free(hrs);
	vg_faccel_free(acc);
	return VG_ERR_NOMEM;
}

/* Load-time accelerators of a selection: faccel for long value lists, the ordered
 * literal runs of regexes. */
static vg_err sel_accel(struct vg_sel *sel)
{
	for (size_t a = 0; a < sel->nalts; a++)
		for (size_t i = 0; i < sel->alts[a].n; i++) {
			struct vg_fcond *fc = &sel->alts[a].conds[i];
			const struct vg_pattern *p = fc->vals;
			fc->one_exact = fc->field != VG_FIELD_NONE && fc->nvals == 1 &&
			                !fc->all && !fc->neg && !fc->tp &&
			                p->op == VG_MOP_STR && p->shape == VG_PS_EXACT &&
			                !p->cased;
			if (faccel_build(fc) != VG_OK)
				return VG_ERR_NOMEM;
			for (size_t v = 0; v < fc->nvals; v++)
				if (vg_regex_seq(&fc->vals[v]) != VG_OK)
					return VG_ERR_NOMEM;
		}
	return VG_OK;
}

/* The SEL nodes of r whose selection is one item of literals only (vg_cnode.lits):
 * after the prefilters, which decide vg_fcond.lits_only. */
static void rule_lits_nodes(struct vg_rule *r)
{
	for (size_t n = 0; n < r->nnodes; n++) {
		struct vg_cnode *c = &r->nodes[n];
		c->lits = NULL;
		if (c->type != VG_CN_SEL || c->a < 0 || (size_t)c->a >= r->nsels)
			continue;
		const struct vg_sel *sel = &r->sels[c->a];
		if (sel->nalts == 1 && sel->alts[0].n == 1 &&
		    sel->alts[0].conds[0].lits_only)
			c->lits = &sel->alts[0].conds[0];
	}
}

/* Prefilters: one per logsource with >= PF_MIN_RULES rules, shared by the groups of
 * that logsource in every dataset bucket (they hold the same rules). */
#define PF_MIN_RULES 8 /* small groups: a plain loop is cheaper */

/* The dataset item of a logsource alternative: plain exact values, not cased. */
static bool ds_item(const struct vg_ruleset *rs, const struct vg_fcond *fc)
{
	if (fc->field != rs->f_dataset || fc->all || fc->neg || fc->tp || !fc->nvals)
		return false;
	for (size_t v = 0; v < fc->nvals; v++)
		if (fc->vals[v].op != VG_MOP_STR || fc->vals[v].shape != VG_PS_EXACT ||
		    fc->vals[v].cased)
			return false;
	return true;
}

/* Specialize group g's logsource condition to the bucket of dataset ds (lowercase,
 * as the bucket lookup compares it): see vg_lsgroup.lsc. */
static void ls_specialize(const struct vg_ruleset *rs, struct vg_lsgroup *g,
                          const char *ds)
{
	const struct vg_sel *sel = &g->ls->sel;
	size_t dl = strlen(ds), nok = 0;
	const struct vg_smap *keep = NULL;
	if (sel->nalts == 0)
		return;
	for (size_t a = 0; a < sel->nalts; a++) {
		const struct vg_smap *m = &sel->alts[a];
		bool ok = true;
		for (size_t i = 0; i < m->n && ok; i++) {
			const struct vg_fcond *fc = &m->conds[i];
			if (!ds_item(rs, fc))
				continue;
			bool any = false;
			for (size_t v = 0; v < fc->nvals && !any; v++)
				any = fc->vals[v].len == dl &&
				      memcmp(fc->vals[v].text, ds, dl) == 0;
			ok = any;
		}
		if (ok) {
			nok++;
			keep = m;
		}
	}
	if (nok == 0) {
		g->lsc_ok = g->lsc_never = true;
		return;
	}
	if (nok > 1)
		return;
	size_t k = 0;
	for (size_t i = 0; i < keep->n; i++)
		if (!ds_item(rs, &keep->conds[i])) {
			if (k == VG_LSC_MAX)
				return;
			g->lsc[k++] = &keep->conds[i];
		}
	g->lsc_n = (uint8_t)k;
	g->lsc_ok = true;
}

vg_err vg_index_build(struct vg_ruleset *rs)
{
	vg_err err = VG_OK;
	for (size_t i = 0; i < rs->n && !err; i++) {
		for (size_t k = 0; k < rs->rules[i]->nsels && !err; k++)
			err = sel_accel(&rs->rules[i]->sels[k]);
		if (!err)
			err = rule_flatten(rs->rules[i]);
	}
	for (size_t i = 0; i < rs->nlogsrcs && !err; i++)
		err = sel_accel(&rs->logsrcs[i]->sel);
	for (size_t b = 0; b <= rs->nbuckets && !err; b++) {
		struct vg_bucket *bk = b < rs->nbuckets ? &rs->buckets[b] : &rs->generic;
		for (size_t i = 0; i < bk->ngroups && !err; i++) {
			struct vg_lsgroup *g = &bk->groups[i];
			if (bk->dataset)
				ls_specialize(rs, g, bk->dataset);
			if (g->n < PF_MIN_RULES)
				continue;
			/* built already for this logsource in an earlier bucket?  The
			 * patterns hold literal ids of one prefilter: a rule is indexed
			 * by one only (a group with other rules -- never built so --
			 * would run unindexed) */
			const struct vg_lsgroup *prev = NULL;
			for (size_t c = 0; c < b && c < rs->nbuckets && !prev; c++)
				for (size_t j = 0; j < rs->buckets[c].ngroups && !prev;
				     j++)
					if (rs->buckets[c].groups[j].ls == g->ls)
						prev = &rs->buckets[c].groups[j];
			if (!prev)
				err = vg_prefilter_build(rs, g->rules, g->n, &g->pf);
			else if (prev->n == g->n && memcmp(prev->rules, g->rules,
			                                   g->n * sizeof(size_t)) == 0)
				g->pf = vg_prefilter_ref(prev->pf);
			size_t nl = vg_prefilter_nlits(g->pf);
			if (nl > rs->max_lits)
				rs->max_lits = nl;
		}
	}
	for (size_t i = 0; i < rs->n && !err; i++)
		rule_lits_nodes(rs->rules[i]);
	return err;
}

/* Evaluate rules[0..n) into ctx->scratch from position pos; @return the new end. */
static size_t run_rules(const struct vg_ruleset *rs, struct vg_detect_ctx *ctx,
                        const size_t *rules, size_t n, const struct vg_event *ev,
                        size_t pos)
{
	ctx->evaluated += n;
	for (size_t i = 0; i < n; i++)
		if (rule_match(rs->rules[rules[i]], ev, &ctx->env))
			ctx->scratch[pos++] = rules[i];
	return pos;
}

/* The group's logsource condition holds for ev (in the group's bucket). */
static bool ls_match(const struct vg_lsgroup *lg, const struct vg_event *ev,
                     const struct vg_menv *env)
{
	if (!lg->lsc_ok)
		return vg_sel_match(&lg->ls->sel, ev, env);
	if (lg->lsc_never)
		return false;
	for (uint8_t i = 0; i < lg->lsc_n; i++)
		if (!(lg->lsc[i]->one_exact ? one_exact_match(lg->lsc[i], ev, env)
		                            : fcond_match(lg->lsc[i], ev, env)))
			return false;
	return true;
}

static size_t run_bucket(const struct vg_ruleset *rs, struct vg_detect_ctx *ctx,
                         const struct vg_bucket *b, const struct vg_event *ev, size_t n)
{
	for (size_t g = 0; g < b->ngroups; g++) {
		const struct vg_lsgroup *lg = &b->groups[g];
		ctx->env.pf = NULL;
		if (!ls_match(lg, ev, &ctx->env))
			continue;
		if (!lg->pf || !vg_prefilter_scan(lg->pf, &ctx->pf, ev, &ctx->fold)) {
			n = run_rules(rs, ctx, lg->rules, lg->n, ev, n);
			continue;
		}
		size_t na;
		const size_t *always = vg_prefilter_always(lg->pf, &na);
		ctx->env.pf = lg->pf;
		n = run_rules(rs, ctx, always, na, ev, n);
		n = run_rules(rs, ctx, ctx->pf.cand, ctx->pf.ncand, ev, n);
		ctx->env.pf = NULL;
		vg_prefilter_clear(&ctx->pf);
	}
	return n;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

/* The bucket of dataset low[0..n) (lowercased), or NULL. */
static const struct vg_bucket *bucket_find(const struct vg_ruleset *rs, const char *low,
                                           size_t n)
{
	uint64_t h = vg_hash64(low, n, 0);
	for (size_t j = 0; j < rs->nslots; j++) {
		size_t s = rs->bucket_slots[(h + j) & (rs->nslots - 1)];
		if (!s)
			break;
		const struct vg_bucket *b = &rs->buckets[s - 1];
		if (strlen(b->dataset) == n && memcmp(b->dataset, low, n) == 0)
			return b;
	}
	return NULL;
}

#define DS_LIST_MAX 16 /* datasets of one list value visited */

/* An event.dataset holding a list: the bucket of each element (each once).  A
 * rule of a logsource naming two of them is then in two buckets: the caller
 * drops the repeated hits, and ctx->scratch grows to hold them (kept: no
 * allocation once grown). */
static size_t run_ds_list(const struct vg_ruleset *rs, struct vg_detect_ctx *ctx,
                          const struct vg_value *ds, const struct vg_event *ev, size_t n)
{
	const struct vg_bucket *seen[DS_LIST_MAX];
	size_t nseen = 0;
	struct vg_list_it it;
	struct vg_value el;
	vg_list_begin(&it, ds, &ctx->fold, VG_LR_FIELD);
	while (nseen < DS_LIST_MAX && vg_list_next(&it, &el)) {
		char low[sizeof(ctx->ds)];
		if (el.kind == VG_VK_NULL || el.len >= sizeof(low))
			continue;
		for (size_t i = 0; i < el.len; i++)
			low[i] = (char)fold((unsigned char)el.ptr[i]);
		const struct vg_bucket *b = bucket_find(rs, low, el.len);
		bool dup = !b;
		for (size_t i = 0; i < nseen && !dup; i++)
			dup = seen[i] == b;
		if (!dup)
			seen[nseen++] = b;
	}
	size_t need = (nseen + 1) * (rs->n + 1);
	if (nseen > 1 && need > ctx->scratch_cap) {
		size_t *ns = realloc(ctx->scratch, need * sizeof(*ns));
		if (ns) {
			ctx->scratch = ns;
			ctx->scratch_cap = need;
		} else {
			nseen = 1; /* no memory: the first dataset's rules only */
		}
	}
	for (size_t i = 0; i < nseen; i++)
		n = run_bucket(rs, ctx, seen[i], ev, n);
	return n;
}

/* vg_detect's end for an event.dataset holding a list (off its path): its
 * buckets, the generic one, the hits sorted and each rule once. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static size_t
detect_ds_list(const struct vg_ruleset *rs, struct vg_detect_ctx *ctx,
               const struct vg_value *ds, const struct vg_event *ev,
               const struct vg_rule **hits, size_t max_hits)
{
	size_t n = run_ds_list(rs, ctx, ds, ev, 0);
	n = run_bucket(rs, ctx, &rs->generic, ev, n);
	if (n > 1) {
		qsort(ctx->scratch, n, sizeof(size_t), cmp_size);
		size_t k = 1;
		for (size_t i = 1; i < n; i++)
			if (ctx->scratch[i] != ctx->scratch[k - 1])
				ctx->scratch[k++] = ctx->scratch[i];
		n = k;
	}
	for (size_t i = 0; i < n && i < max_hits; i++)
		hits[i] = rs->rules[ctx->scratch[i]];
	return n;
}

size_t vg_detect(const struct vg_ruleset *rs, struct vg_detect_ctx *ctx,
                 const struct vg_event *ev, const struct vg_rule **hits, size_t max_hits)
{
	size_t n = 0;
	if (!rs || !ctx || !ev)
		return 0;
	/* a new event: forget the lowercased copies of the previous one */
	ctx->fold.len = 0;
	if (++ctx->fold.epoch == 0) {
		memset(ctx->fold.stamp, 0, ctx->fold.nfields * sizeof(uint32_t));
		ctx->fold.kw_epoch = 0;
		ctx->fold.epoch = 1;
	}
	const struct vg_value *ds = vg_event_get(ev, rs->f_dataset);
	if (ds && ds->kind < VG_VK_NULL && rs->nbuckets && ds->len < sizeof(ctx->ds)) {
		/* a stream has few datasets: the last one's bucket is remembered */
		if (ds->len != ctx->ds_len || memcmp(ds->ptr, ctx->ds, ds->len) != 0) {
			char low[sizeof(ctx->ds)];
			for (size_t i = 0; i < ds->len; i++)
				low[i] = (char)fold((unsigned char)ds->ptr[i]);
			ctx->ds_bucket = bucket_find(rs, low, ds->len);
			memcpy(ctx->ds, ds->ptr, ds->len);
			ctx->ds_len = ds->len;
		}
		if (ctx->ds_bucket)
			n = run_bucket(rs, ctx, ctx->ds_bucket, ev, n);
	} else if (ds && ds->kind == VG_VK_LIST && rs->nbuckets) {
		return detect_ds_list(rs, ctx, ds, ev, hits, max_hits);
	}
	n = run_bucket(rs, ctx, &rs->generic, ev, n);
	/* a rule listed under several datasets is in one bucket per event; sort so
	 * hits come in ruleset order */
	if (n > 1)
		qsort(ctx->scratch, n, sizeof(size_t), cmp_size);
	for (size_t i = 0; i < n && i < max_hits; i++)
		hits[i] = rs->rules[ctx->scratch[i]];
	return n;
}
