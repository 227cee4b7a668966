/*
 * hash.c - a deterministic 64-bit hash for ids that must be equal across runs and
 * machines (incident and alert ids) and for hash tables.
 *
 * FNV-1a over the bytes followed by a 64-bit finalizer (the murmur3 fmix64 mixing
 * constants), so short keys still spread over all bits.  Not cryptographic.
 *
 * Also SHA-1, written from FIPS 180-4, for version-5 UUIDs (RFC 4122): STIX 2.1
 * names an observable by the UUIDv5 of its identifying properties.
 */
#include "vg_core.h"

#include <string.h>

uint64_t vg_hash64(const void *data, size_t len, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = UINT64_C(0xcbf29ce484222325) ^ seed;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= UINT64_C(0x100000001b3);
	}
	return vg_mix64(h);
}

void vg_hex64(uint64_t h, char out[17])
{
	static const char hex[] = "0123456789abcdef";
	for (int i = 15; i >= 0; i--) {
		out[i] = hex[h & 15];
		h >>= 4;
	}
	out[16] = '\0';
}

static uint32_t rol32(uint32_t x, int n)
{
	return x << n | x >> (32 - n);
}

/* One 64-byte block into the state h[5]. */
static void sha1_block(uint32_t h[5], const unsigned char *p)
{
	uint32_t w[80];
	for (int t = 0; t < 16; t++)
		w[t] = (uint32_t)p[4 * t] << 24 | (uint32_t)p[4 * t + 1] << 16 |
		       (uint32_t)p[4 * t + 2] << 8 | p[4 * t + 3];
	for (int t = 16; t < 80; t++)
		w[t] = rol32(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
	uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
	for (int t = 0; t < 80; t++) {
		uint32_t f, k;
		if (t < 20)
			f = (b & c) | (~b & d), k = 0x5a827999;
		else if (t < 40)
			f = b ^ c ^ d, k = 0x6ed9eba1;
		else if (t < 60)
			f = (b & c) | (b & d) | (c & d), k = 0x8f1bbcdc;
		else
			f = b ^ c ^ d, k = 0xca62c1d6;
		uint32_t tmp = rol32(a, 5) + f + e + k + w[t];
		e = d;
		d = c;
		c = rol32(b, 30);
		b = a;
		a = tmp;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
}

/* SHA-1 over several pieces: the state, the unprocessed tail, the length. */
struct sha1 {
	uint32_t h[5];
	unsigned char tail[64];
	size_t ntail;
	uint64_t len;
};

static void sha1_init(struct sha1 *c)
{
	static const uint32_t h0[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476,
	                               0xc3d2e1f0};
	memcpy(c->h, h0, sizeof(h0));
	c->ntail = 0;
	c->len = 0;
}

static void sha1_update(struct sha1 *c, const void *data, size_t n)
{
	const unsigned char *p = data;
	c->len += n;
	if (c->ntail) { /* fill the tail first */
		size_t k = 64 - c->ntail < n ? 64 - c->ntail : n;
		memcpy(c->tail + c->ntail, p, k);
		c->ntail += k, p += k, n -= k;
		if (c->ntail < 64)
			return;
		sha1_block(c->h, c->tail);
		c->ntail = 0;
	}
	for (; n >= 64; p += 64, n -= 64)
		sha1_block(c->h, p);
	memcpy(c->tail, p, n);
	c->ntail = n;
}

/* The padding (0x80, zeros, the length in bits, big-endian) and the digest. */
static void sha1_final(struct sha1 *c, unsigned char out[20])
{
	unsigned char last[128] = {0};
	size_t n = c->ntail;
	memcpy(last, c->tail, n);
	last[n] = 0x80;
	size_t end = n + 1 + 8 <= 64 ? 64 : 128;
	uint64_t bits = c->len * 8;
	for (int i = 0; i < 8; i++)
		last[end - 1 - i] = (unsigned char)(bits >> (8 * i));
	sha1_block(c->h, last);
	if (end == 128)
		sha1_block(c->h, last + 64);
	for (int i = 0; i < 5; i++)
		for (int j = 0; j < 4; j++)
			out[4 * i + j] = (unsigned char)(c->h[i] >> (24 - 8 * j));
}

void vg_sha1(const void *data, size_t len, unsigned char out[20])
{
	struct sha1 c;
	sha1_init(&c);
	sha1_update(&c, data, len);
	sha1_final(&c, out);
}

void vg_uuid_format(unsigned char b[16], int version, char out[37])
{
	static const char hex[] = "0123456789abcdef";
	b[6] = (unsigned char)((b[6] & 0x0f) | version << 4);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* variant 10 */
	for (int i = 0, o = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 15];
	}
	out[36] = '\0';
}

void vg_uuid5(const unsigned char ns[16], const void *name, size_t len, char out[37])
{
	struct sha1 c;
	unsigned char d[20];
	sha1_init(&c);
	sha1_update(&c, ns, 16);
	sha1_update(&c, name, len);
	sha1_final(&c, d);
	vg_uuid_format(d, 5, out);
}
