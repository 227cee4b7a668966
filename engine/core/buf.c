/*
 * buf.c - growable byte buffers and arrays, and JSON string escaping.
 *
 * Appends never fail loudly: on allocation failure the buffer sets `oom` and keeps
 * what it had, so callers check once at the end instead of after every append.
 */
#include "vg_core.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void vg_buf_init(struct vg_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void vg_buf_free(struct vg_buf *b)
{
	free(b->data);
	vg_buf_init(b);
}

void vg_buf_reset(struct vg_buf *b)
{
	b->len = 0;
	b->oom = false;
	if (b->data)
		b->data[0] = '\0';
}

static bool buf_reserve(struct vg_buf *b, size_t extra)
{
	if (b->oom)
		return false;
	if (b->len + extra + 1 <= b->cap)
		return true;
	size_t ncap = b->cap ? b->cap : 256;
	while (ncap < b->len + extra + 1) {
		if (ncap > SIZE_MAX / 2) {
			b->oom = true;
			return false;
		}
		ncap *= 2;
	}
	char *nd = realloc(b->data, ncap);
	if (!nd) {
		b->oom = true;
		return false;
	}
	b->data = nd;
	b->cap = ncap;
	return true;
}

void vg_buf_append(struct vg_buf *b, const void *data, size_t len)
{
	if (!buf_reserve(b, len))
		return;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void vg_buf_puts(struct vg_buf *b, const char *s)
{
	vg_buf_append(b, s, strlen(s));
}

void vg_buf_putc(struct vg_buf *b, char c)
{
	vg_buf_append(b, &c, 1);
}

void vg_buf_printf(struct vg_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !buf_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* The decimal digits of u, with a '-' before them when negative, at the end of
 * out[24]; returns where they start. */
static char *decimal(char out[24], uint64_t u, bool negative)
{
	char *p = out + 24;
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10));
	if (negative)
		*--p = '-';
	return p;
}

void vg_buf_put_u64(struct vg_buf *b, uint64_t v)
{
	char digits[24];
	char *p = decimal(digits, v, false);
	vg_buf_append(b, p, (size_t)(digits + sizeof(digits) - p));
}

void vg_buf_put_g6(struct vg_buf *b, double v)
{
	/* -0.0 fails the sign test (printf writes "-0"), NaN every comparison */
	if (v > -1e6 && v < 1e6 && v == (double)(int32_t)v && (v != 0 || !signbit(v))) {
		int32_t i = (int32_t)v;
		char digits[24];
		char *p = decimal(digits, i < 0 ? 0u - (uint32_t)i : (uint32_t)i, i < 0);
		vg_buf_append(b, p, (size_t)(digits + sizeof(digits) - p));
		return;
	}
	vg_buf_printf(b, "%.6g", v);
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_seq_len(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (avail < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

size_t vg_json_plain_len(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	const uint64_t ones = 0x0101010101010101u, high = ones * 0x80;
	size_t i = 0;
	for (; len - i >= 8; i += 8) {
		uint64_t w, q, e;
		memcpy(&w, p + i, 8);
		q = w ^ (ones * '"');
		e = w ^ (ones * '\\');
		/* a byte under 0x20, a zero byte of q or e (a quote, a backslash), a
		 * byte from 0x80 on: exact at the first such byte (the byte loop below
		 * finds it), possibly set after it by a borrow */
		if ((((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((e - ones) & ~e) |
		     w) &
		    high)
			break;
	}
	while (i < len && p[i] >= 0x20 && p[i] < 0x80 && p[i] != '"' && p[i] != '\\')
		i++;
	return i;
}

/* canonical: RFC 8785's form of the string the plain form decodes to (U+FFFD as
 * UTF-8 for an invalid byte, \b and \f short). */
static void json_str(struct vg_buf *b, const char *s, size_t len, bool canonical)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;

	vg_buf_putc(b, '"');
	while (i < len) {
		size_t k = vg_json_plain_len(s + i, len - i);
		i += k;
		run += k;
		if (i == len)
			break;
		unsigned char c = p[i];
		vg_buf_append(b, s + i - run, run);
		run = 0;
		if (c >= 0x80) {
			size_t n = utf8_seq_len(p + i, len - i);
			if (n) {
				vg_buf_append(b, s + i, n);
				i += n;
			} else {
				vg_buf_puts(b, canonical ? "\xef\xbf\xbd" : "\\ufffd");
				i++;
			}
			continue;
		}
		switch (c) {
		case '"': vg_buf_puts(b, "\\\""); break;
		case '\\': vg_buf_puts(b, "\\\\"); break;
		case '\n': vg_buf_puts(b, "\\n"); break;
		case '\r': vg_buf_puts(b, "\\r"); break;
		case '\t': vg_buf_puts(b, "\\t"); break;
		case '\b':
		case '\f':
			if (canonical) {
				vg_buf_puts(b, c == '\b' ? "\\b" : "\\f");
				break;
			}
			/* fall through */
		default: {
			char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			vg_buf_append(b, esc, 6);
		}
		}
		i++;
	}
	vg_buf_append(b, s + i - run, run);
	vg_buf_putc(b, '"');
}

void vg_buf_json_str(struct vg_buf *b, const char *s, size_t len)
{
	json_str(b, s, len, false);
}

void vg_buf_json_str_canonical(struct vg_buf *b, const char *s, size_t len)
{
	json_str(b, s, len, true);
}

vg_err vg_buf_read_file(struct vg_buf *b, const char *path)
{
	FILE *f = fopen(path, "rb");
	char tmp[65536];
	size_t n;

	if (!f)
		return VG_ERR_IO;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		vg_buf_append(b, tmp, n);
	int bad = ferror(f);
	fclose(f);
	if (bad)
		return VG_ERR_IO;
	return b->oom ? VG_ERR_NOMEM : VG_OK;
}

void *vg_grow(void *p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return p;
	size_t ncap = *cap ? *cap * 2 : 8;
	while (ncap < need)
		ncap *= 2;
	if (ncap > SIZE_MAX / elem)
		return NULL;
	void *np = realloc(p, ncap * elem);
	if (np)
		*cap = ncap;
	return np;
}
