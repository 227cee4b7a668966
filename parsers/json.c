/*
 * json.c - a small, strict, zero-copy JSON reader for one-object-per-record input.
 *
 * It follows RFC 8259 exactly (no comments, no trailing commas, no single quotes,
 * no NaN, UTF-8 validated inside strings) and hands each leaf of the top-level object
 * to a callback under its dotted path ("Event.System.EventID").  Invariants:
 *  - A value that needs no unescaping points into the record; one with escapes is
 *    decoded once into the arena (\uXXXX, surrogate pairs -> UTF-8; an unpaired
 *    surrogate becomes U+FFFD), into the room the caller reserved there
 *    (vgp_jp.pool) when it fits.  Nothing else is allocated.
 *  - Arrays are validated but not flattened: the leaf is the array's raw text.
 *  - Recursion is bounded by VGP_JSON_DEPTH_MAX and paths by VGP_JSON_PATH_MAX, so
 *    hostile input costs time linear in its size and a fixed amount of stack.
 *  - String bytes are read 16 at a time (SSE2) or 8 (SWAR) only while the whole
 *    block lies inside the record; the byte that stops a block is then handled
 *    exactly as the byte-by-byte rules say (test_parse_fastpath.c checks this
 *    against a naive reading, for short strings and for values around and past
 *    the one-pass decoder's scratch).
 *  - The loop over an object's members is in json_walk.h, instantiated here with
 *    the callback pointer and in json_event.c with its leaf handler inlined; the
 *    rest (escapes, UTF-8, arrays, numbers, literals, objects inside arrays,
 *    errors) is here, shared by both.  A string value with escapes is validated
 *    and decoded in one pass (vgp_jp_string_value: runs of plain bytes and "\\\\"
 *    pairs 16 bytes at a time); a key with escapes, or a value that decodes longer
 *    than the 1 KiB scratch, is scanned, then decoded.  The usual value with
 *    escapes -- only "\\\\" pairs, room in the caller's pool -- is decoded by
 *    json_walk.h's string_value inline, which hands anything else to
 *    vgp_jp_string_value from the start.
 * Errors name the 0-based byte offset of the offending byte.
 */
#include "json_walk.h"

const unsigned char *vgp_jp_fail(struct vgp_jp *p, const char *what,
                                 const unsigned char *c)
{
	if (!p->err && !p->cb_err) {
		p->err = what;
		p->err_off = (size_t)(c - p->s);
	}
	return NULL;
}

/* See json_walk.h. */
const unsigned char *vgp_jp_scan_slow(struct vgp_jp *p, const unsigned char *q,
                                      const unsigned char *c, bool *esc)
{
	const unsigned char *end = p->end;
	for (;;) {
		if (c >= end)
			return vgp_jp_fail(p, "unterminated string", q);
		unsigned char b = *c;
		if (b == '"')
			return c;
		if (b < 0x20)
			return vgp_jp_fail(p, "control character in string", c);
		if (b == '\\') {
			*esc = true;
			if (end - c < 2)
				return vgp_jp_fail(p, "unterminated string", q);
			if (c[1] == 'u') {
				if (end - c < 6)
					return vgp_jp_fail(p, "unterminated string", q);
				if (vg_hex4((const char *)c + 2) < 0)
					return vgp_jp_fail(p, "invalid \\u escape", c);
				c += 6;
			} else if (vg_json_escape_byte(c[1]) >= 0) {
				c += 2;
			} else {
				return vgp_jp_fail(p, "invalid escape", c);
			}
		} else {
			size_t n = vg_utf8_seq(c, (size_t)(end - c));
			if (!n)
				return vgp_jp_fail(p, "invalid UTF-8", c);
			c += n;
		}
		c = string_stop(c, end);
	}
}

/*
 * Decode validated string content s[0..n) into out, which has room for room >= n
 * bytes (decoding never grows the text).  With SSE2, runs without a backslash are
 * copied 16 bytes at a time, the last run of the string included: a block is
 * loaded only when it lies below lim (the end of the record, so past the closing
 * quote at most) and stored only when out + 16 fits in room, so a store may run
 * past the decoded end but never past out[room - 1].  @return the decoded length.
 */
size_t vgp_jp_unescape(const char *s, size_t n, char *out, size_t room, const char *lim)
{
	size_t i = 0, o = 0;
	(void)room, (void)lim;
	while (i < n) {
#if defined(__SSE2__)
		if (o + 16 <= room && lim - (s + i) >= 16) {
			__m128i v =
			    _mm_loadu_si128((const __m128i *)(const void *)(s + i));
			_mm_storeu_si128((__m128i *)(void *)(out + o), v);
			unsigned m = (unsigned)_mm_movemask_epi8(
			    _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
			size_t left = n - i;
			if (left < 16)
				m &= (1u << left) - 1; /* bytes past the content */
			if (!m) {
				size_t step = left < 16 ? left : 16;
				i += step;
				o += step;
				continue;
			}
			unsigned k = (unsigned)__builtin_ctz(m);
			i += k;
			o += k; /* s[i] is a backslash: decode it below */
		} else
#endif
		    if (s[i] != '\\') {
			out[o++] = s[i++];
			continue;
		}
		unsigned char e = (unsigned char)s[i + 1];
		i += 2;
		if (e == 'u') { /* validated content: four hex digits follow */
			size_t used;
			uint32_t cp = vg_json_u_escape((unsigned)vg_hex4(s + i),
			                               s + i + 4, n - i - 4, &used);
			i += 4 + used;
			o += vg_utf8_put(out + o, cp);
		} else {
			out[o++] = (char)vg_json_escape_byte(e);
		}
	}
	return o;
}

/* Room of vgp_jp_string_value's scratch: a string value that decodes longer goes
 * the two-pass way (scan, then vgp_jp_unescape into the arena). */
#define JP_SCRATCH 1024

/*
 * See json_walk.h.  One pass that validates exactly as vgp_jp_scan_slow (the same
 * checks in the same order, so the same first error) and decodes as
 * vgp_jp_unescape into a scratch buffer, copied to the arena at the end; the
 * plain runs between escapes are copied while they are scanned.  A value that
 * turns out to need no decoding (non-ASCII UTF-8 only) still points into the
 * record.  When the scratch fills up, the rest is scanned by vgp_jp_scan_slow and
 * the whole value decoded by vgp_jp_unescape, as before this pass existed.
 */
const unsigned char *vgp_jp_string_value(struct vgp_jp *p, const unsigned char *q,
                                         const unsigned char *c, const char **v,
                                         size_t *n)
{
	char scratch[JP_SCRATCH];
	const unsigned char *end = p->end, *s0 = q + 1;
	size_t o = (size_t)(c - s0);
	bool esc = false;
	/* decode straight into the caller's pool while it has room, else (or once
	 * it runs out) into the scratch */
	char *buf = scratch;
	size_t cap = JP_SCRATCH;
	if (p->pool_left >= 64 && o <= p->pool_left - 16) {
		buf = p->pool;
		cap = p->pool_left;
	}

	if (o > cap - 16)
		goto two_pass;
	copy_prefix(buf, s0, o, end);
	for (;;) {
		if (c >= end)
			return vgp_jp_fail(p, "unterminated string", q);
		unsigned char b = *c;
		if (b == '"')
			break;
		if (b < 0x20)
			return vgp_jp_fail(p, "control character in string", c);
		if (b == '\\') {
			esc = true;
			if (end - c < 2)
				return vgp_jp_fail(p, "unterminated string", q);
			if (c[1] == '\\') { /* the usual one: a Windows path's \\ */
				buf[o++] = '\\';
				c += 2;
			} else if (c[1] == 'u') {
				if (end - c < 6)
					return vgp_jp_fail(p, "unterminated string", q);
				if (vg_hex4((const char *)c + 2) < 0)
					return vgp_jp_fail(p, "invalid \\u escape", c);
				/* a pair only with a valid \uDC00-\uDFFF right after
				 * it; otherwise that escape is checked on its own
				 * turn */
				size_t used;
				uint32_t cp = vg_json_u_escape(
				    (unsigned)vg_hex4((const char *)c + 2),
				    (const char *)c + 6, (size_t)(end - c - 6), &used);
				c += 6 + used;
				o += vg_utf8_put(buf + o, cp);
			} else {
				int e = vg_json_escape_byte(c[1]);
				if (e < 0)
					return vgp_jp_fail(p, "invalid escape", c);
				buf[o++] = (char)e;
				c += 2;
			}
		} else {
			size_t k = vg_utf8_seq(c, (size_t)(end - c));
			if (!k)
				return vgp_jp_fail(p, "invalid UTF-8", c);
			memcpy(buf + o, c, k);
			o += k;
			c += k;
		}
		/* o <= cap - 16 + 4 here: one step writes at most 4 bytes */
		c = stop_copy(c, end, buf, &o, cap, &esc);
		if (o > cap - 16 && buf != scratch && o <= JP_SCRATCH - 16) {
			memcpy(scratch, buf, o); /* the pool is full: on in scratch */
			buf = scratch;
			cap = JP_SCRATCH;
			c = stop_copy(c, end, buf, &o, cap, &esc);
		}
		if (o > cap - 16) {
			c = string_stop(c, end);
			goto two_pass;
		}
	}
	if (!esc) {
		*v = (const char *)s0;
		*n = (size_t)(c - s0);
		return c;
	}
	char *out;
	if (buf != scratch) { /* decoded in the pool already: o + 1 <= cap */
		out = buf;
		buf[o] = '\0';
		p->pool += o + 1;
		p->pool_left -= o + 1;
		*v = out;
		*n = o;
		return c;
	}
	if (o < p->pool_left) {
		out = p->pool;
		p->pool += o + 1;
		p->pool_left -= o + 1;
	} else if (!(out = vg_arena_alloc(p->arena, o + 1))) {
		p->cb_err = VG_ERR_NOMEM;
		return NULL;
	}
	memcpy(out, buf, o);
	out[o] = '\0';
	*v = out;
	*n = o;
	return c;

two_pass : {
	/* c is a byte string_stop stopped at; everything before it is valid */
	bool esc2 = esc;
	const unsigned char *ve = vgp_jp_scan_slow(p, q, c, &esc2);
	if (!ve)
		return NULL;
	size_t raw = (size_t)(ve - s0);
	*v = (const char *)s0;
	*n = raw;
	if (esc2) {
		/* 16 bytes of room past the text for vgp_jp_unescape's stores */
		char *o2 = vg_arena_alloc(p->arena, raw + 16);
		if (!o2) {
			p->cb_err = VG_ERR_NOMEM;
			return NULL;
		}
		*n = vgp_jp_unescape((const char *)s0, raw, o2, raw + 16,
		                     (const char *)end);
		o2[*n] = '\0';
		*v = o2;
	}
	return ve;
}
}

static const unsigned char *parse_number(struct vgp_jp *p, const unsigned char *c)
{
	const unsigned char *start = c, *end = p->end;

	if (c < end && *c == '-')
		c++;
	if (c >= end)
		return vgp_jp_fail(p, "invalid number", start);
	if (*c == '0') {
		c++;
	} else if (*c >= '1' && *c <= '9') {
		while (c < end && *c >= '0' && *c <= '9')
			c++;
	} else {
		return vgp_jp_fail(p, "invalid number", start);
	}
	if (c < end && *c == '.') {
		const unsigned char *d = ++c;
		while (c < end && *c >= '0' && *c <= '9')
			c++;
		if (c == d)
			return vgp_jp_fail(p, "invalid number", start);
	}
	if (c < end && (*c == 'e' || *c == 'E')) {
		c++;
		if (c < end && (*c == '+' || *c == '-'))
			c++;
		const unsigned char *d = c;
		while (c < end && *c >= '0' && *c <= '9')
			c++;
		if (c == d)
			return vgp_jp_fail(p, "invalid number", start);
	}
	return c;
}

/* Enter the container at c (its opening byte), closed by `close`: one level
 * deeper.  @return the byte after the opening (*closed false), or after the
 * closing byte of an empty container (*closed true, the level left again); NULL
 * past VGP_JSON_DEPTH_MAX. */
static const unsigned char *enter(struct vgp_jp *p, const unsigned char *c,
                                  unsigned char close, bool *closed)
{
	if (++p->depth > VGP_JSON_DEPTH_MAX)
		return vgp_jp_fail(p, JW_DEPTH_MSG, c);
	c = skip_ws(c + 1, p->end);
	*closed = c < p->end && *c == close;
	if (*closed)
		p->depth--;
	return *closed ? c + 1 : c;
}

/* After an element or member of a container closed by `close`: @return the byte
 * after its ',' (*closed false) or after `close` (*closed true, the level left),
 * or NULL (failed). */
static const unsigned char *after_item(struct vgp_jp *p, const unsigned char *c,
                                       unsigned char close, bool *closed)
{
	c = skip_ws(c, p->end);
	if (c >= p->end)
		return vgp_jp_fail(p, "unexpected end of input", c);
	*closed = *c == close;
	if (*closed)
		p->depth--;
	else if (*c != ',')
		return vgp_jp_fail(p, "unexpected character", c);
	return c + 1;
}

const unsigned char *vgp_jp_array(struct vgp_jp *p, const unsigned char *c)
{
	bool closed;
	if (!(c = enter(p, c, ']', &closed)) || closed)
		return c;
	for (;;) {
		c = skip_ws(c, p->end);
		if (!(c = vgp_jp_value(p, c)) || !(c = after_item(p, c, ']', &closed)) ||
		    closed)
			return c;
	}
}

/* Validate the object at c (== '{') without emitting anything: it sits inside an
 * array.  @return the byte after it, or NULL. */
static const unsigned char *skip_object(struct vgp_jp *p, const unsigned char *c)
{
	const unsigned char *end = p->end;
	bool closed;

	if (!(c = enter(p, c, '}', &closed)) || closed)
		return c;
	for (;;) {
		bool esc;
		c = skip_ws(c, end);
		if (c >= end)
			return vgp_jp_fail(p, "unexpected end of input", c);
		if (*c != '"')
			return vgp_jp_fail(p, "expected a string key", c);
		if (!(c = scan_string(p, c, &esc)))
			return NULL;
		c = skip_ws(c + 1, end);
		if (c >= end)
			return vgp_jp_fail(p, "unexpected end of input", c);
		if (*c != ':')
			return vgp_jp_fail(p, "expected ':'", c);
		c = skip_ws(c + 1, end);
		if (c >= end)
			return vgp_jp_fail(p, "unexpected end of input", c);
		if (!(c = vgp_jp_value(p, c)) || !(c = after_item(p, c, '}', &closed)) ||
		    closed)
			return c;
	}
}

static const unsigned char *literal(struct vgp_jp *p, const unsigned char *c,
                                    const char *word, size_t n)
{
	if ((size_t)(p->end - c) < n || memcmp(c, word, n) != 0)
		return vgp_jp_fail(p, "unexpected character", c);
	return c + n;
}

/* Validate one value at c (objects are not emitted).  @return the byte after it,
 * or NULL. */
const unsigned char *vgp_jp_value(struct vgp_jp *p, const unsigned char *c)
{
	if (c >= p->end)
		return vgp_jp_fail(p, "unexpected end of input", c);
	switch (*c) {
	case '{': return skip_object(p, c);
	case '[': return vgp_jp_array(p, c);
	case '"': {
		bool esc;
		const unsigned char *q = scan_string(p, c, &esc);
		return q ? q + 1 : NULL;
	}
	case 't': return literal(p, c, "true", 4);
	case 'f': return literal(p, c, "false", 5);
	case 'n': return literal(p, c, "null", 4);
	case '-':
	case '0':
	case '1':
	case '2':
	case '3':
	case '4':
	case '5':
	case '6':
	case '7':
	case '8':
	case '9': return parse_number(p, c);
	default: return vgp_jp_fail(p, "unexpected character", c);
	}
}

/* The instance of the object loop json.c's callers get: leaves go through the
 * callback pointer. */
#define JW_OBJECT parse_object
#define JW_LEAF(p, path, stable, v, n, kind)                                             \
	(p)->leaf((p)->ud, path, jw_plen, stable, v, n, kind)
#include "json_walk.h"

vg_err vgp_jp_walk(struct vgp_jp *p, const char *buf, size_t len,
                   const unsigned char *(*obj)(struct vgp_jp *, const unsigned char *),
                   const char **reason)
{
	if (!len) {
		*reason = "json: empty record";
		return VG_ERR_PARSE;
	}
	p->s = (const unsigned char *)buf;
	p->end = p->s + len;
	const unsigned char *c = skip_ws(p->s, p->end);
	if (c >= p->end) {
		*reason = "json: empty record";
		return VG_ERR_PARSE;
	}
	if (*c != '{') {
		*reason = vgp_reason(p->arena, "json: expected an object at offset %zu",
		                     (size_t)(c - p->s));
		return VG_ERR_PARSE;
	}
	if ((c = obj(p, c))) {
		c = skip_ws(c, p->end);
		if (c < p->end)
			vgp_jp_fail(p, "unexpected character", c);
	}
	if (p->cb_err)
		return p->cb_err;
	if (p->err) {
		*reason =
		    vgp_reason(p->arena, "json: %s at offset %zu", p->err, p->err_off);
		return VG_ERR_PARSE;
	}
	return VG_OK;
}

vg_err vgp_json_walk(const char *buf, size_t len, struct vg_arena *arena, char *path,
                     vgp_json_leaf_fn leaf, void *ud, const char **reason)
{
	struct vgp_jp p = {.arena = arena, .path = path, .leaf = leaf, .ud = ud};
	return vgp_jp_walk(&p, buf, len, parse_object, reason);
}

vg_err vg_json_walk(const char *buf, size_t len, struct vg_arena *arena,
                    vg_json_leaf_fn leaf, void *ud, const char **reason)
{
	char path[VGP_JSON_PATH_MAX];
	return vgp_json_walk(buf, len, arena, path, leaf, ud, reason);
}
