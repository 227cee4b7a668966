/*
 * json.c - a small, strict, zero-copy JSON reader for one-object-per-record input.
 *
 * It follows RFC 8259 exactly (no comments, no trailing commas, no single quotes,
 * no NaN, UTF-8 validated inside strings) and hands each leaf of the top-level object
 * to a callback under its dotted path ("Event.System.EventID").  Invariants:
 *  - A value that needs no unescaping points into the record; one with escapes is
 *    decoded once into the arena (\uXXXX, surrogate pairs -> UTF-8; an unpaired
 *    surrogate becomes U+FFFD).  Nothing else is allocated.
 *  - Arrays are validated but not flattened: the leaf is the array's raw text.
 *  - Recursion is bounded by VGP_JSON_DEPTH_MAX and paths by VGP_JSON_PATH_MAX, so
 *    hostile input costs time linear in its size and a fixed amount of stack.
 *  - String bytes are read 16 at a time (SSE2) or 8 (SWAR) only while the whole
 *    block lies inside the record; the byte that stops a block is then handled
 *    exactly as the byte-by-byte rules say (test_parse_fastpath.c checks this
 *    against a naive reading).
 * Errors name the 0-based byte offset of the offending byte.
 */
#include "parsers_int.h"

#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define STR_(x)   #x
#define STR(x)    STR_(x)
#define DEPTH_MSG "nesting deeper than " STR(VGP_JSON_DEPTH_MAX)

struct jp {
	const char *s;
	size_t len;
	size_t i;
	int depth;
	struct vg_arena *arena;
	char *path; /* VGP_JSON_PATH_MAX bytes */
	size_t path_len;
	vgp_json_leaf_fn leaf;
	void *ud;
	const char *err; /* static text; the offset is err_off */
	size_t err_off;
	vg_err cb_err; /* error returned by the leaf callback or the arena */
};

static bool fail(struct jp *p, const char *what, size_t off)
{
	if (!p->err && !p->cb_err) {
		p->err = what;
		p->err_off = off;
	}
	return false;
}

static void skip_ws(struct jp *p)
{
	size_t i = p->i;
	while (i < p->len) {
		unsigned char c = (unsigned char)p->s[i];
		/* one compare for the usual case, a token */
		if (c > ' ' || (c != ' ' && c != '\t' && c != '\n' && c != '\r'))
			break;
		i++;
	}
	p->i = i;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Length of the valid UTF-8 sequence at s (s[0] >= 0x80), or 0 when invalid. */
static size_t utf8_seq(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];
	size_t n;
	unsigned char lo = 0x80, hi = 0xBF;

	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F; /* no UTF-16 surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else
		return 0;
	if (avail < n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t k = 2; k < n; k++)
		if (s[k] < 0x80 || s[k] > 0xBF)
			return 0;
	return n;
}

size_t vgp_utf8_check(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		size_t n = utf8_seq(u + i, len - i);
		if (!n)
			return i;
		i += n;
	}
	return len;
}

/*
 * The offset of the first byte of s[i..len) a string scan must look at: a quote, a
 * backslash, a control byte or a non-ASCII byte (len when there is none).  Plain
 * bytes go 16 at a time with SSE2 (x86-64's baseline) or 8 at a time elsewhere.
 */
static size_t string_stop(const unsigned char *s, size_t i, size_t len)
{
#if defined(__SSE2__)
	const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'),
	              space = _mm_set1_epi8(0x20);
	while (i + 16 <= len) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		/* signed compare: bytes >= 0x80 are negative, so "< 0x20" takes them too
		 */
		__m128i hit = _mm_or_si128(
		    _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
		    _mm_cmplt_epi8(v, space));
		unsigned m = (unsigned)_mm_movemask_epi8(hit);
		if (m)
			return i + (size_t)__builtin_ctz(m);
		i += 16;
	}
#elif defined(__GNUC__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* SWAR: the lowest flagged byte is exact (borrows only flag bytes above a
	 * true hit), and on little endian it is the first in memory. */
	const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
	while (i + 8 <= len) {
		uint64_t v;
		memcpy(&v, s + i, 8);
		uint64_t q = v ^ (ones * '"'), b = v ^ (ones * '\\');
		uint64_t hit =
		    (((q - ones) & ~q) | ((b - ones) & ~b) | (v - ones * 0x20) | v) &
		    high;
		if (hit)
			return i + (size_t)(__builtin_ctzll(hit) >> 3);
		i += 8;
	}
#endif
	while (i < len && s[i] >= 0x20 && s[i] < 0x80 && s[i] != '"' && s[i] != '\\')
		i++;
	return i;
}

/*
 * Scan the string starting at the opening quote p->s[p->i]; on success p->i is past
 * the closing quote, *start and *end delimit the raw content and *esc says whether it
 * contains escapes.  Every escape is validated here so unescape() cannot fail.
 */
static bool scan_string(struct jp *p, size_t *start, size_t *end, bool *esc)
{
	const unsigned char *s = (const unsigned char *)p->s;
	size_t i = p->i + 1, len = p->len;

	*esc = false;
	*start = i;
	for (;;) {
		i = string_stop(s, i, len);
		if (i >= len)
			return fail(p, "unterminated string", p->i);
		unsigned char c = s[i];
		if (c == '"')
			break;
		if (c < 0x20)
			return fail(p, "control character in string", i);
		if (c == '\\') {
			*esc = true;
			if (i + 1 >= len)
				return fail(p, "unterminated string", p->i);
			switch (s[i + 1]) {
			case 'u':
				if (i + 6 > len)
					return fail(p, "unterminated string", p->i);
				for (size_t k = 2; k < 6; k++)
					if (hexval((char)s[i + k]) < 0)
						return fail(p, "invalid \\u escape", i);
				i += 6;
				break;
			case '"':
			case '\\':
			case '/':
			case 'b':
			case 'f':
			case 'n':
			case 'r':
			case 't': i += 2; break;
			default: return fail(p, "invalid escape", i);
			}
			continue;
		}
		size_t n = utf8_seq(s + i, len - i);
		if (!n)
			return fail(p, "invalid UTF-8", i);
		i += n;
	}
	*end = i;
	p->i = i + 1;
	return true;
}

static unsigned hex4(const char *s)
{
	return (unsigned)(hexval(s[0]) << 12 | hexval(s[1]) << 8 | hexval(s[2]) << 4 |
	                  hexval(s[3]));
}

static size_t put_utf8(char *out, unsigned cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Decode validated string content into out (room for n bytes: decoding never grows
 * the text).  Runs without a backslash are copied 16 bytes at a time where SSE2
 * is there; a store may run past the decoded end but never past out[n - 1], since
 * the output never gets ahead of the input.  @return the decoded length. */
static size_t unescape(const char *s, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n;) {
#if defined(__SSE2__)
		const __m128i bslash = _mm_set1_epi8('\\');
		while (i + 16 <= n) {
			__m128i v =
			    _mm_loadu_si128((const __m128i *)(const void *)(s + i));
			_mm_storeu_si128((__m128i *)(void *)(out + o), v);
			unsigned m =
			    (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, bslash));
			if (m) {
				unsigned k = (unsigned)__builtin_ctz(m);
				i += k;
				o += k;
				break;
			}
			i += 16;
			o += 16;
		}
		if (i >= n)
			break;
#endif
		if (s[i] != '\\') {
			out[o++] = s[i++];
			continue;
		}
		char e = s[i + 1];
		i += 2;
		switch (e) {
		case 'b': out[o++] = '\b'; break;
		case 'f': out[o++] = '\f'; break;
		case 'n': out[o++] = '\n'; break;
		case 'r': out[o++] = '\r'; break;
		case 't': out[o++] = '\t'; break;
		case 'u': {
			unsigned cp = hex4(s + i);
			i += 4;
			if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 <= n && s[i] == '\\' &&
			    s[i + 1] == 'u') {
				unsigned lo = hex4(s + i + 2);
				if (lo >= 0xDC00 && lo <= 0xDFFF) {
					cp = 0x10000 + ((cp - 0xD800) << 10) +
					     (lo - 0xDC00);
					i += 6;
				}
			}
			if (cp >= 0xD800 && cp <= 0xDFFF)
				cp = 0xFFFD; /* unpaired surrogate */
			o += put_utf8(out + o, cp);
			break;
		}
		default: out[o++] = e; /* " \ / */
		}
	}
	return o;
}

static bool parse_value(struct jp *p, bool emit);

static bool parse_number(struct jp *p)
{
	const char *s = p->s;
	size_t i = p->i, start = i;

	if (i < p->len && s[i] == '-')
		i++;
	if (i >= p->len)
		return fail(p, "invalid number", start);
	if (s[i] == '0') {
		i++;
	} else if (s[i] >= '1' && s[i] <= '9') {
		while (i < p->len && s[i] >= '0' && s[i] <= '9')
			i++;
	} else {
		return fail(p, "invalid number", start);
	}
	if (i < p->len && s[i] == '.') {
		size_t d = ++i;
		while (i < p->len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == d)
			return fail(p, "invalid number", start);
	}
	if (i < p->len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < p->len && (s[i] == '+' || s[i] == '-'))
			i++;
		size_t d = i;
		while (i < p->len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == d)
			return fail(p, "invalid number", start);
	}
	p->i = i;
	return true;
}

static bool emit_leaf(struct jp *p, bool stable, const char *key, const char *v, size_t n,
                      enum vg_value_kind kind)
{
	vg_err err =
	    p->leaf(p->ud, stable ? key : p->path, p->path_len, stable, v, n, kind);
	if (err != VG_OK) {
		p->cb_err = err;
		return false;
	}
	return true;
}

static bool parse_array(struct jp *p)
{
	if (++p->depth > VGP_JSON_DEPTH_MAX)
		return fail(p, DEPTH_MSG, p->i);
	p->i++; /* '[' */
	skip_ws(p);
	if (p->i < p->len && p->s[p->i] == ']') {
		p->i++;
		p->depth--;
		return true;
	}
	for (;;) {
		skip_ws(p);
		if (!parse_value(p, false))
			return false;
		skip_ws(p);
		if (p->i >= p->len)
			return fail(p, "unexpected end of input", p->i);
		if (p->s[p->i] == ',') {
			p->i++;
			continue;
		}
		if (p->s[p->i] == ']') {
			p->i++;
			p->depth--;
			return true;
		}
		return fail(p, "unexpected character", p->i);
	}
}

/*
 * Parse an object at p->s[p->i] == '{'.  With emit, every leaf goes to the callback
 * under p->path (which this function extends and restores); without, the object is
 * only validated (it sits inside an array).
 */
static bool parse_object(struct jp *p, bool emit)
{
	size_t base = p->path_len;

	if (++p->depth > VGP_JSON_DEPTH_MAX)
		return fail(p, DEPTH_MSG, p->i);
	p->i++; /* '{' */
	skip_ws(p);
	if (p->i < p->len && p->s[p->i] == '}') {
		p->i++;
		p->depth--;
		return true;
	}
	for (;;) {
		size_t ks, ke;
		bool kesc;
		skip_ws(p);
		if (p->i >= p->len)
			return fail(p, "unexpected end of input", p->i);
		if (p->s[p->i] != '"')
			return fail(p, "expected a string key", p->i);
		size_t key_off = p->i;
		if (!scan_string(p, &ks, &ke, &kesc))
			return false;
		/* A top-level key without escapes is its own stable path: it is copied
		 * into p->path only when an object below needs it as a prefix. */
		bool stable = emit && base == 0 && !kesc;
		if (emit) {
			size_t need = (base ? base + 1 : 0) + (ke - ks);
			if (need > VGP_JSON_PATH_MAX)
				return fail(p, "key path too long", key_off);
			p->path_len = need;
		}
		if (emit && !stable) {
			size_t at = base;
			if (base)
				p->path[at++] = '.';
			if (kesc)
				at += unescape(p->s + ks, ke - ks, p->path + at);
			else {
				memcpy(p->path + at, p->s + ks, ke - ks);
				at += ke - ks;
			}
			p->path_len = at;
		}
		skip_ws(p);
		if (p->i >= p->len)
			return fail(p, "unexpected end of input", p->i);
		if (p->s[p->i] != ':')
			return fail(p, "expected ':'", p->i);
		p->i++;
		skip_ws(p);
		if (p->i >= p->len)
			return fail(p, "unexpected end of input", p->i);
		if (emit) {
			char c = p->s[p->i];
			size_t vs = p->i;
			if (c == '{') {
				if (stable)
					memcpy(p->path, p->s + ks, ke - ks);
				if (!parse_object(p, true))
					return false;
			} else if (c == '[') {
				if (!parse_array(p))
					return false;
				if (!emit_leaf(p, stable, p->s + ks, p->s + vs, p->i - vs,
				               VG_VK_STR))
					return false;
			} else if (c == '"') {
				size_t s, e;
				bool esc;
				if (!scan_string(p, &s, &e, &esc))
					return false;
				const char *v = p->s + s;
				size_t n = e - s;
				if (esc) {
					char *o = vg_arena_alloc(p->arena, n + 1);
					if (!o) {
						p->cb_err = VG_ERR_NOMEM;
						return false;
					}
					n = unescape(v, n, o);
					o[n] = '\0'; /* as the zeroed buffer always was */
					v = o;
				}
				if (!emit_leaf(p, stable, p->s + ks, v, n, VG_VK_STR))
					return false;
			} else {
				if (!parse_value(p, false))
					return false;
				enum vg_value_kind k = c == 't' || c == 'f' ? VG_VK_BOOL
				                       : c == 'n'           ? VG_VK_NULL
				                                            : VG_VK_NUM;
				if (!emit_leaf(p, stable, p->s + ks, p->s + vs, p->i - vs,
				               k))
					return false;
			}
			p->path_len = base;
		} else if (!parse_value(p, false)) {
			return false;
		}
		skip_ws(p);
		if (p->i >= p->len)
			return fail(p, "unexpected end of input", p->i);
		if (p->s[p->i] == ',') {
			p->i++;
			continue;
		}
		if (p->s[p->i] == '}') {
			p->i++;
			p->depth--;
			return true;
		}
		return fail(p, "unexpected character", p->i);
	}
}

static bool literal(struct jp *p, const char *word, size_t n)
{
	if (p->len - p->i < n || memcmp(p->s + p->i, word, n) != 0)
		return fail(p, "unexpected character", p->i);
	p->i += n;
	return true;
}

/* Validate one value (emit only applies to objects). */
static bool parse_value(struct jp *p, bool emit)
{
	if (p->i >= p->len)
		return fail(p, "unexpected end of input", p->i);
	switch (p->s[p->i]) {
	case '{': return parse_object(p, emit);
	case '[': return parse_array(p);
	case '"': {
		size_t s, e;
		bool esc;
		return scan_string(p, &s, &e, &esc);
	}
	case 't': return literal(p, "true", 4);
	case 'f': return literal(p, "false", 5);
	case 'n': return literal(p, "null", 4);
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
	case '9': return parse_number(p);
	default: return fail(p, "unexpected character", p->i);
	}
}

vg_err vgp_json_walk(const char *buf, size_t len, struct vg_arena *arena, char *path,
                     vgp_json_leaf_fn leaf, void *ud, const char **reason)
{
	struct jp p = {
	    .s = buf, .len = len, .arena = arena, .path = path, .leaf = leaf, .ud = ud};

	skip_ws(&p);
	if (p.i >= len) {
		*reason = "json: empty record";
		return VG_ERR_PARSE;
	}
	if (buf[p.i] != '{') {
		*reason =
		    vgp_reason(arena, "json: expected an object at offset %zu", p.i);
		return VG_ERR_PARSE;
	}
	if (parse_object(&p, true)) {
		skip_ws(&p);
		if (p.i < len)
			fail(&p, "unexpected character", p.i);
	}
	if (p.cb_err)
		return p.cb_err;
	if (p.err) {
		*reason = vgp_reason(arena, "json: %s at offset %zu", p.err, p.err_off);
		return VG_ERR_PARSE;
	}
	return VG_OK;
}
