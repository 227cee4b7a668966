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
