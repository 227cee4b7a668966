/*
 * json_walk.h - the hot part of the JSON walker, shared by json.c and json_event.c.
 *
 * json.c is the walker (see its file comment for the rules it follows).  The loop
 * over an object's members, the string scan it inlines and whitespace skipping live
 * here so that a caller that knows its leaf handler at compile time can instantiate
 * the loop with the handler inlined instead of called through a pointer: define
 * JW_OBJECT (the function's name) and JW_LEAF(p, path, stable, v, n, kind) (an
 * expression of type vg_err; the path's length is jw_plen) and include this file
 * again.  json.c instantiates it with the vgp_json_walk callback, json_event.c with
 * its on_leaf; both instances are the same code, so they accept the same records
 * and report the same errors.  An instance may also define JW_KEY_GUESS(p, q,
 * &hint): given the opening quote q of a top-level key, the closing quote when
 * the key is one the caller already knows to be a plain string (no escape, quote,
 * control byte or invalid UTF-8: what scan_string would find), with *hint set for
 * JW_LEAF (which then sees a variable jw_hint), else NULL and the key is scanned.
 * And JW_MEMBER_GUESS(p, c, &hint, &klen): given c, just past a top-level value,
 * the first byte of the next value when the bytes from c are ", \"<key>\": "
 * with the key the caller expected (a plain string, as for JW_KEY_GUESS) and a
 * byte above ' ' after them -- what the separator, key and colon code would read
 * -- with *hint and *klen set, else NULL and the loop reads those bytes itself.
 * The usual separators (": " after a key, ", " before the next) cost one bounds
 * check each; the usual integer and null are read inline (vgp_jp_value for
 * anything else), and so is the usual string value with escapes, a Windows path
 * decoded into the caller's pool (string_value; vgp_jp_string_value for
 * anything else).  Everything not on the hot path (escapes, UTF-8, arrays, numbers,
 * objects inside arrays, errors) is in json.c (vgp_jp_*).  Private to parsers/;
 * not a stable interface.
 */
#ifndef VG_JSON_WALK_H
#define VG_JSON_WALK_H

#include "parsers_int.h"

#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* The state of one walk over one record. */
struct vgp_jp {
	const unsigned char *s;   /* the record */
	const unsigned char *end; /* s + its length */
	int depth;
	struct vg_arena *arena;
	char *path; /* VGP_JSON_PATH_MAX bytes */
	size_t path_len;
	vgp_json_leaf_fn leaf; /* json.c's instance only */
	void *ud;
	const char *err; /* static text; the offset is err_off */
	size_t err_off;
	vg_err cb_err; /* error returned by the leaf callback or the arena */
	/* Room the caller reserved in the arena for decoded string values (may be
	 * NULL / 0): a value that fits is copied there instead of being allocated. */
	char *pool;
	size_t pool_left;
};

/* Record the first error (at byte c of the record).  @return NULL, the cursor every
 * parsing function returns on failure. */
const unsigned char *vgp_jp_fail(struct vgp_jp *p, const char *what,
                                 const unsigned char *c);
/* The rest of the scan of the string opened by the quote q, from c, a byte
 * string_stop stopped at that is not the closing quote (or end): escapes, UTF-8
 * sequences and errors; sets *esc when there are escapes.  Every escape is validated
 * here, so vgp_jp_unescape cannot fail.  @return the closing quote, or NULL. */
const unsigned char *vgp_jp_scan_slow(struct vgp_jp *p, const unsigned char *q,
                                      const unsigned char *c, bool *esc);
/* Decode validated string content s[0..n) into out, which has room for room >= n
 * bytes; lim is the end of the record (see json.c).  @return the decoded length. */
size_t vgp_jp_unescape(const char *s, size_t n, char *out, size_t room, const char *lim);
/* The rest of the string value opened by the quote q, from c, a byte string_stop
 * stopped at that is not the closing quote: validated as vgp_jp_scan_slow does and
 * decoded as vgp_jp_unescape does, in one pass.  *v and *n get the value (in the
 * record when it has no escapes, else a NUL-terminated copy in the arena).
 * @return the closing quote, or NULL (error recorded, or p->cb_err = NOMEM). */
const unsigned char *vgp_jp_string_value(struct vgp_jp *p, const unsigned char *q,
                                         const unsigned char *c, const char **v,
                                         size_t *n);
/* Validate the array at c (== '['), or any value at c.  @return the byte after it,
 * or NULL. */
const unsigned char *vgp_jp_array(struct vgp_jp *p, const unsigned char *c);
const unsigned char *vgp_jp_value(struct vgp_jp *p, const unsigned char *c);
/* Check the top level around the object parsed by obj and turn the walk's outcome
 * into vgp_json_walk's result (json.c). */
vg_err vgp_jp_walk(struct vgp_jp *p, const char *buf, size_t len,
                   const unsigned char *(*obj)(struct vgp_jp *, const unsigned char *),
                   const char **reason);

#define JW_DEPTH_STR_(x) #x
#define JW_DEPTH_STR(x)  JW_DEPTH_STR_(x)
#define JW_DEPTH_MSG     "nesting deeper than " JW_DEPTH_STR(VGP_JSON_DEPTH_MAX)

/* Skip JSON whitespace.  One compare for the usual case, a token. */
static inline const unsigned char *skip_ws(const unsigned char *c,
                                           const unsigned char *end)
{
	while (c < end && *c <= ' ' &&
	       (*c == ' ' || *c == '\t' || *c == '\n' || *c == '\r'))
		c++;
	return c;
}

#if defined(__SSE2__)
/* The bytes of v a string scan must stop at: quote, backslash, control, non-ASCII.
 * XOR 2 maps '"' (0x22) to 0x20, keeps control bytes below 0x20 and bytes >= 0x80
 * negative, and takes no other byte below 0x21, so one signed compare finds three
 * of the four kinds (checked for all 256 byte values by test_parse_fastpath). */
static inline __m128i string_stops(__m128i v)
{
	return _mm_or_si128(
	    _mm_cmplt_epi8(_mm_xor_si128(v, _mm_set1_epi8(2)), _mm_set1_epi8(0x21)),
	    _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
}
#endif

/*
 * The first byte at or after c that a string scan must look at: a quote, a
 * backslash, a control byte or a non-ASCII byte (end when there is none).  Plain
 * bytes go 16 at a time with SSE2 (x86-64's baseline) or 8 at a time elsewhere; a
 * block is read only while it lies wholly inside the record.
 */
static inline const unsigned char *string_stop(const unsigned char *c,
                                               const unsigned char *end)
{
#if defined(__SSE2__)
	/* c + 16 <= end as one compare per block (addresses: end is past 16) */
	uintptr_t last = (uintptr_t)end - 16;
	while ((uintptr_t)c <= last) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)c);
		unsigned m = (unsigned)_mm_movemask_epi8(string_stops(v));
		if (m)
			return c + __builtin_ctz(m);
		c += 16;
	}
#elif defined(__GNUC__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* SWAR: the lowest flagged byte is exact (borrows only flag bytes above a
	 * true hit), and on little endian it is the first in memory. */
	const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
	while (end - c >= 8) {
		uint64_t v;
		memcpy(&v, c, 8);
		uint64_t q = v ^ (ones * '"'), b = v ^ (ones * '\\');
		uint64_t hit =
		    (((q - ones) & ~q) | ((b - ones) & ~b) | (v - ones * 0x20) | v) &
		    high;
		if (hit)
			return c + (__builtin_ctzll(hit) >> 3);
		c += 8;
	}
#endif
	while (c < end && *c >= 0x20 && *c < 0x80 && *c != '"' && *c != '\\')
		c++;
	return c;
}

/* Copy the plain prefix s0[0..o) of a string value to buf; with SSE2 16 bytes at
 * a time, so a store may run up to 15 bytes past o (the caller has o + 16 <= its
 * room), and a load stops at end, the end of the record. */
static inline void copy_prefix(char *buf, const unsigned char *s0, size_t o,
                               const unsigned char *end)
{
#if defined(__SSE2__)
	size_t i = 0;
	for (; i < o && end - (s0 + i) >= 16; i += 16)
		_mm_storeu_si128(
		    (__m128i *)(void *)(buf + i),
		    _mm_loadu_si128((const __m128i *)(const void *)(s0 + i)));
	if (i < o)
		memcpy(buf + i, s0 + i, o - i);
#else
	(void)end;
	memcpy(buf, s0, o);
#endif
}

/* Copy the plain bytes from c on into out + *o while they last and out has 16
 * bytes of room (a store may run past the copied bytes, never past cap); with SSE2,
 * 16 at a time, decoding the escape "\\\\" (a Windows path's separator) on the
 * way and setting *esc when it does.  @return the first byte not copied (a stop
 * byte, end, or a plain byte when out is nearly full). */
static inline const unsigned char *stop_copy(const unsigned char *c,
                                             const unsigned char *end, char *out,
                                             size_t *o, size_t cap, bool *esc)
{
#if defined(__SSE2__)
	/* c + 16 <= end and *o + 16 <= cap, one compare each (cap >= 16, and end
	 * as an address is past 16) */
	uintptr_t last = (uintptr_t)end - 16;
	size_t olast = cap - 16;
	while ((uintptr_t)c <= last && *o <= olast) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)c);
		_mm_storeu_si128((__m128i *)(void *)(out + *o), v);
		unsigned m = (unsigned)_mm_movemask_epi8(string_stops(v));
		if (m) {
			unsigned k = (unsigned)__builtin_ctz(m);
			/* c[k + 1] is inside the record when k < 15 or c + 16 < end */
			if (c[k] == '\\' && (k < 15 || (uintptr_t)c < last) &&
			    c[k + 1] == '\\') {
				/* out[*o + k] is that '\\' already (the store above) */
				*esc = true;
				*o += k + 1;
				c += k + 2;
				continue;
			}
			*o += k;
			return c + k;
		}
		c += 16;
		*o += 16;
	}
#else
	(void)esc;
#endif
	while (c < end && *o + 16 <= cap && *c >= 0x20 && *c < 0x80 && *c != '"' &&
	       *c != '\\')
		out[(*o)++] = (char)*c++;
	return c;
}

/*
 * The usual string value with escapes, decoded without a call: q is its opening
 * quote, c the first byte string_stop stopped at (not the closing quote).  While
 * every stop is a "\\\\" pair (a Windows path's separator) and the text fits the
 * room the caller reserved (p->pool: at least 64 bytes, and 16 to spare past the
 * text, as vgp_jp_string_value asks), the value is decoded there; at anything
 * else (another escape, a quote, a control or non-ASCII byte, the end, too little
 * room) it starts over with vgp_jp_string_value, which gives the same value or
 * error: nothing in p has changed yet.  A value whose first stop is a non-ASCII
 * byte (UTF-8 text, mostly without escapes) is first only validated
 * (vgp_jp_scan_slow: the same checks in the same order, so the same first error)
 * and, without escapes, points into the record as vgp_jp_string_value would
 * have it.  @return as vgp_jp_string_value.
 */
static inline const unsigned char *string_value(struct vgp_jp *p, const unsigned char *q,
                                                const unsigned char *c, const char **v,
                                                size_t *n)
{
	const unsigned char *end = p->end, *s0 = q + 1, *c0 = c;
	if (c < end && *c >= 0x80) { /* UTF-8 first: often no escape at all */
		bool esc = false;
		const unsigned char *ve = vgp_jp_scan_slow(p, q, c, &esc);
		if (!ve || esc) /* an error (the same one), or decode after all */
			return ve ? vgp_jp_string_value(p, q, c0, v, n) : NULL;
		*v = (const char *)s0;
		*n = (size_t)(ve - s0);
		return ve;
	}
	size_t o = (size_t)(c - s0), cap = p->pool_left;
	char *buf = p->pool;
	if (cap < 64 || o > cap - 16 || end - c < 2 || c[0] != '\\' || c[1] != '\\')
		return vgp_jp_string_value(p, q, c0, v, n);
	bool esc = true;
	copy_prefix(buf, s0, o, end);
	for (;;) {
		buf[o++] = '\\'; /* c[0], c[1] are "\\\\" */
		c = stop_copy(c + 2, end, buf, &o, cap, &esc);
		/* (o may be cap here, with c at the quote: the room check first) */
		if (o > cap - 16)
			return vgp_jp_string_value(p, q, c0, v, n);
		if (c < end && *c == '"')
			break;
		if (end - c < 2 || c[0] != '\\' || c[1] != '\\')
			return vgp_jp_string_value(p, q, c0, v, n);
	}
	buf[o] = '\0';
	p->pool += o + 1;
	p->pool_left -= o + 1;
	*v = buf;
	*n = o;
	return c;
}

/* Whether c[0..3) are a, b, d: one 4-byte load (c[3] must be readable). */
static inline bool bytes3_are(const unsigned char *c, unsigned char a, unsigned char b,
                              unsigned char d)
{
	const unsigned char want[4] = {a, b, d, 0}, mask[4] = {0xff, 0xff, 0xff, 0};
	uint32_t w, x, m;
	memcpy(&w, c, 4);
	memcpy(&x, want, 4);
	memcpy(&m, mask, 4);
	return (w & m) == x;
}

/*
 * Scan the string whose opening quote is q.  @return its closing quote, or NULL
 * (error recorded); *esc says whether the content has escapes.  The usual string
 * (plain ASCII up to the quote) costs one string_stop and no call.
 */
static inline const unsigned char *scan_string(struct vgp_jp *p, const unsigned char *q,
                                               bool *esc)
{
	const unsigned char *c = string_stop(q + 1, p->end);
	*esc = false;
	if (c < p->end && *c == '"')
		return c;
	return vgp_jp_scan_slow(p, q, c, esc);
}

#endif /* VG_JSON_WALK_H */

#if defined(JW_OBJECT) && defined(JW_LEAF)
/*
 * JW_OBJECT: parse the object at c (== '{') and hand every leaf to JW_LEAF under p->path
 * (which this function extends and restores).  A key of the top level without
 * escapes is its own stable path: it is copied into p->path only when an object
 * below needs it as a prefix.  @return the byte after the object, or NULL.
 */
static const unsigned char *JW_OBJECT(struct vgp_jp *p, const unsigned char *c)
{
	const unsigned char *end = p->end;
	size_t base = p->path_len;
	vg_err lerr;

	if (++p->depth > VGP_JSON_DEPTH_MAX)
		return vgp_jp_fail(p, JW_DEPTH_MSG, c);
	c = skip_ws(c + 1, end); /* past '{' */
	if (c < end && *c == '}') {
		p->depth--;
		return c + 1;
	}
	for (;;) {
		bool kesc, stable;
		const unsigned char *kq, *ks, *ke, *vs;
		size_t klen, jw_plen; /* the key's length, the leaf's path's */
		const char *path;
#if defined(JW_KEY_GUESS) || defined(JW_MEMBER_GUESS)
		void *jw_hint;
#endif
		if (!(c < end && *c == '"')) { /* not right at the key: whitespace */
			c = skip_ws(c, end);
			if (c >= end)
				return vgp_jp_fail(p, "unexpected end of input", c);
			if (*c != '"')
				return vgp_jp_fail(p, "expected a string key", c);
		}
	key: /* c is at the key's opening quote */
		kq = c;
		ks = c + 1;
#if defined(JW_KEY_GUESS) || defined(JW_MEMBER_GUESS)
		jw_hint = NULL;
#endif
#if defined(JW_KEY_GUESS)
		if (base == 0 && (ke = JW_KEY_GUESS(p, c, &jw_hint)) != NULL)
			kesc = false;
		else
#endif
			ke = scan_string(p, c, &kesc);
		if (!ke)
			return NULL;
		klen = (size_t)(ke - ks);
		stable = base == 0 && !kesc;
		size_t need = (base ? base + 1 : 0) + klen;
		if (need > VGP_JSON_PATH_MAX)
			return vgp_jp_fail(p, "key path too long", kq);
		jw_plen = need;
		if (!stable) {
			size_t at = base;
			if (base)
				p->path[at++] = '.';
			if (kesc)
				at += vgp_jp_unescape(
				    (const char *)ks, klen, p->path + at,
				    VGP_JSON_PATH_MAX - at, (const char *)end);
			else {
				memcpy(p->path + at, ks, klen);
				at += klen;
			}
			jw_plen = at;
		}
		path = stable ? (const char *)ks : p->path;
		c = ke + 1;
		if (end - c >= 3 && memcmp(c, ": ", 2) == 0 && c[2] > ' ') {
			c += 2; /* the usual "key": value, one bounds check */
		} else {
			if (c < end && *c == ':') { /* "key":value */
				c++;
			} else {
				c = skip_ws(c, end);
				if (c >= end)
					return vgp_jp_fail(p, "unexpected end of input",
					                   c);
				if (*c != ':')
					return vgp_jp_fail(p, "expected ':'", c);
				c++;
			}
			if (c < end && *c == ' ')
				c++;
			if (!(c<end && * c> ' ')) { /* more whitespace, or the end */
				c = skip_ws(c, end);
				if (c >= end)
					return vgp_jp_fail(p, "unexpected end of input",
					                   c);
			}
		}
#if defined(JW_MEMBER_GUESS)
	value: /* c is at the value's first byte, the key's variables are set */
#endif
		vs = c;
		if (*c == '"') {
			const char *v = (const char *)vs + 1;
			size_t n;
			const unsigned char *ve = string_stop(vs + 1, end);
			if (ve < end && *ve == '"')
				n = (size_t)(ve - vs) - 1; /* the usual plain value */
			else if (!(ve = string_value(p, vs, ve, &v, &n)))
				return NULL;
			if ((lerr = JW_LEAF(p, path, stable, v, n, VG_VK_STR)))
				goto leaf_failed;
			c = ve + 1;
		} else if (*c == '{') {
			if (stable)
				memcpy(p->path, ks, klen);
			p->path_len = jw_plen; /* the object's base */
			if (!(c = JW_OBJECT(p, c)))
				return NULL;
			p->path_len = base;
		} else if (*c == '[') {
			if (!(c = vgp_jp_array(p, c)))
				return NULL;
			if ((lerr = JW_LEAF(p, path, stable, (const char *)vs,
			                    (size_t)(c - vs), VG_VK_LIST)))
				goto leaf_failed;
		} else {
			const unsigned char *d = c + 1;
			if ((unsigned)(*c - '1') < 9) { /* the usual integer, inline */
				while (d < end && (unsigned)(*d - '0') < 10)
					d++;
				if (!(d < end && *d != '.' && (*d | 0x20) != 'e'))
					d = NULL; /* a fraction, exponent, the end */
			} else if (!(*c == 'n' && end - c >= 4 &&
			             !memcmp(c, "null", 4))) {
				d = NULL;
			} else {
				d = c + 4;
			}
			if (d)
				c = d; /* what vgp_jp_value would return */
			else if (!(c = vgp_jp_value(p, c)))
				return NULL;
			enum vg_value_kind k = *vs == 't' || *vs == 'f' ? VG_VK_BOOL
			                       : *vs == 'n'             ? VG_VK_NULL
			                                                : VG_VK_NUM;
			if ((lerr = JW_LEAF(p, path, stable, (const char *)vs,
			                    (size_t)(c - vs), k)))
				goto leaf_failed;
		}
#if defined(JW_MEMBER_GUESS)
		if (base == 0 && (vs = JW_MEMBER_GUESS(p, c, &jw_hint, &klen)) != NULL) {
			/* ", \"key\": value" with the key the caller expected: what
			 * the lines below and above would find, without them */
			ks = c + 3;
			stable = true;
			path = (const char *)ks;
			jw_plen = klen;
			c = vs;
			goto value;
		}
#endif
		if (end - c >= 4 && bytes3_are(c, ',', ' ', '"')) {
			c += 2; /* the usual "value", "next": one bounds check */
			goto key;
		}
		if (c < end && *c == ',') { /* "value","next" */
			c++;
			if (c < end && *c == ' ')
				c++;
			continue;
		}
		c = skip_ws(c, end);
		if (c >= end)
			return vgp_jp_fail(p, "unexpected end of input", c);
		if (*c == ',') {
			c++;
			continue;
		}
		if (*c == '}') {
			p->depth--;
			return c + 1;
		}
		return vgp_jp_fail(p, "unexpected character", c);
	}
leaf_failed: /* kept out of the loop: a store of VG_OK per leaf costs more */
	p->cb_err = lerr;
	return NULL;
}

#undef JW_OBJECT
#undef JW_LEAF
#undef JW_KEY_GUESS
#undef JW_MEMBER_GUESS
#endif
