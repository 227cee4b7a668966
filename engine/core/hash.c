/*
 * hash.c - a deterministic 64-bit hash for ids that must be equal across runs and
 * machines (incident and alert ids) and for hash tables.
 *
 * FNV-1a over the bytes followed by a 64-bit finalizer (the murmur3 fmix64 mixing
 * constants), so short keys still spread over all bits.  Not cryptographic.
 */
#include "vg_core.h"

uint64_t vg_hash64(const void *data, size_t len, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = UINT64_C(0xcbf29ce484222325) ^ seed;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= UINT64_C(0x100000001b3);
	}
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	h *= UINT64_C(0xc4ceb9fe1a85ec53);
	h ^= h >> 33;
	return h;
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
