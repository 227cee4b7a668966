/*
 * str.c - string slices, appending with snprintf's cut, the "did you mean" helper used by
 * config and rule loaders to suggest the key a user probably meant, and strict number
 * parsing.
 */
#include "vg_core.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool vg_str_eq(struct vg_str s, const char *c)
{
	size_t n = strlen(c);
	return n == s.len && memcmp(s.ptr, c, n) == 0;
}

bool vg_str_ieq(struct vg_str s, const char *c)
{
	size_t n = strlen(c);
	return n == s.len && strncasecmp(s.ptr, c, n) == 0;
}

size_t vg_str_append(char *buf, size_t size, size_t at, const char *s, size_t n)
{
	if (n > size - 1 - at)
		n = size - 1 - at;
	memcpy(buf + at, s, n);
	buf[at + n] = '\0';
	return at + n;
}

size_t vg_str_append_cstr(char *buf, size_t size, size_t at, const char *s)
{
	return s ? vg_str_append(buf, size, at, s, strlen(s)) : at;
}

/* Levenshtein distance with two rows; words here are short config keys. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t *prev = malloc((lb + 1) * sizeof(size_t));
	size_t *cur = malloc((lb + 1) * sizeof(size_t));
	size_t d = SIZE_MAX;

	if (!prev || !cur)
		goto out;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			size_t m = sub < del ? sub : del;
			cur[j] = m < ins ? m : ins;
		}
		size_t *t = prev;
		prev = cur;
		cur = t;
	}
	d = prev[lb];
out:
	free(prev);
	free(cur);
	return d;
}

const char *vg_closest(const char *word, const char *const *candidates, size_t n)
{
	const char *best = NULL;
	size_t best_d = SIZE_MAX;
	size_t limit = strlen(word) / 3 + 1;

	for (size_t i = 0; i < n; i++) {
		size_t d = edit_distance(word, candidates[i]);
		if (d < best_d) {
			best_d = d;
			best = candidates[i];
		}
	}
	return best_d <= limit ? best : NULL;
}

void vg_ascii_lower(char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char)(s[i] + ('a' - 'A'));
}

bool vg_parse_int64(const char *s, int64_t *out)
{
	char *end;
	/* strtoll alone skips leading white space */
	if (!((*s >= '0' && *s <= '9') || *s == '+' || *s == '-'))
		return false;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end)
		return false;
	*out = v;
	return true;
}

bool vg_parse_double(const char *s, double *out)
{
	char *end;
	/* strtod alone also takes leading white space, hexadecimal ("0x1p4"), "inf"
	 * and "nan": decimal digits, signs, a point and exponents only */
	if (!*s || s[strspn(s, "0123456789+-.eE")])
		return false;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v))
		return false;
	*out = v;
	return true;
}

/* ------------------------------------------------------- JSON string text */

size_t vg_utf8_check(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		uint64_t w;
		if (len - i >= 8 && (memcpy(&w, u + i, 8), true) &&
		    !(w & UINT64_C(0x8080808080808080))) {
			i += 8; /* eight ASCII bytes */
			continue;
		}
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		size_t n = vg_utf8_seq(u + i, len - i);
		if (!n)
			return i;
		i += n;
	}
	return len;
}

int vg_hex4(const char *s)
{
	int x = 0;
	for (int i = 0; i < 4; i++) {
		int d = vg_hex_digit(s[i]);
		if (d < 0)
			return -1;
		x = x << 4 | d;
	}
	return x;
}

size_t vg_utf8_put(char *out, uint32_t cp)
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

uint32_t vg_json_u_escape(unsigned u, const char *next, size_t n, size_t *used)
{
	uint32_t cp = u;
	*used = 0;
	if (cp >= 0xD800 && cp <= 0xDBFF && n >= 6 && next[0] == '\\' && next[1] == 'u') {
		int lo = vg_hex4(next + 2);
		if (lo >= 0xDC00 && lo <= 0xDFFF) {
			cp = 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
			*used = 6;
		}
	}
	return cp >= 0xD800 && cp <= 0xDFFF ? 0xFFFD : cp; /* unpaired surrogate */
}

size_t vg_json_unescape(char *d, const char *s, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		if (s[i] != '\\' || i + 1 >= n) {
			d[o++] = s[i++];
			continue;
		}
		char e = s[i + 1];
		i += 2;
		if (e != 'u') {
			int b = vg_json_escape_byte((unsigned char)e);
			d[o++] = b >= 0 ? (char)b : e; /* what is not JSON: the letter */
			continue;
		}
		int u = i + 4 <= n ? vg_hex4(s + i) : -1;
		if (u < 0) { /* not JSON: kept as it is */
			d[o++] = '\\';
			d[o++] = 'u';
			continue;
		}
		size_t used;
		uint32_t cp = vg_json_u_escape((unsigned)u, s + i + 4, n - i - 4, &used);
		i += 4 + used;
		o += vg_utf8_put(d + o, cp);
	}
	return o;
}
