/*
 * heap.c - a binary min-heap over an array the caller owns, ordered by a qsort-style
 * comparison: what the pipeline keeps in event-time order (held alerts, the offsets
 * they still need) without sorting everything again for each batch; and on it a
 * multiset of int64 with its least at hand (vg_minset).
 */
#include "vg_core.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Swap two elements of `size` bytes, in chunks (no variable-length array). */
static void swap_elems(unsigned char *a, unsigned char *b, size_t size)
{
	unsigned char tmp[256];
	while (size) {
		size_t k = size < sizeof(tmp) ? size : sizeof(tmp);
		memcpy(tmp, a, k);
		memcpy(a, b, k);
		memcpy(b, tmp, k);
		a += k;
		b += k;
		size -= k;
	}
}

/* Elements up to this size move through a hole (one copy per level, the moving
 * element kept aside) instead of swaps (three copies per level). */
#define HOLE_MAX 256

void vg_heap_push(void *base, size_t n, size_t size,
                  int (*cmp)(const void *, const void *))
{
	unsigned char *v = base;
	size_t i = n;
	if (size > HOLE_MAX) {
		while (i > 0) {
			size_t up = (i - 1) / 2;
			if (cmp(v + i * size, v + up * size) >= 0)
				break;
			swap_elems(v + i * size, v + up * size, size);
			i = up;
		}
		return;
	}
	_Alignas(max_align_t) unsigned char x[HOLE_MAX];
	memcpy(x, v + n * size, size);
	while (i > 0) {
		size_t up = (i - 1) / 2;
		if (cmp(x, v + up * size) >= 0)
			break;
		memcpy(v + i * size, v + up * size, size);
		i = up;
	}
	memcpy(v + i * size, x, size);
}

void vg_heap_pop(void *base, size_t n, size_t size,
                 int (*cmp)(const void *, const void *))
{
	unsigned char *v = base;
	if (n < 2)
		return;
	size_t m = n - 1, i = 0;
	if (size > HOLE_MAX) {
		swap_elems(v, v + m * size, size);
		for (;;) {
			size_t l = 2 * i + 1, r = l + 1, least = i;
			if (l < m && cmp(v + l * size, v + least * size) < 0)
				least = l;
			if (r < m && cmp(v + r * size, v + least * size) < 0)
				least = r;
			if (least == i)
				return;
			swap_elems(v + i * size, v + least * size, size);
			i = least;
		}
	}
	/* the last element, sifted down from the root; the least goes last */
	_Alignas(max_align_t) unsigned char x[HOLE_MAX];
	memcpy(x, v + m * size, size);
	memcpy(v + m * size, v, size);
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, c = l;
		if (l >= m)
			break;
		if (r < m && cmp(v + r * size, v + l * size) < 0)
			c = r;
		if (cmp(v + c * size, x) >= 0)
			break;
		memcpy(v + i * size, v + c * size, size);
		i = c;
	}
	memcpy(v + i * size, x, size);
}

static int cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
	return a < b ? -1 : a > b;
}

/* Push x on the min-heap v[n] (growing it).  @return false when out of memory. */
static bool i64_push(int64_t **v, size_t *n, size_t *cap, int64_t x)
{
	int64_t *nv = vg_grow(*v, cap, *n + 1, sizeof(*nv));
	if (!nv)
		return false;
	*v = nv;
	(*v)[*n] = x;
	vg_heap_push(*v, (*n)++, sizeof(**v), cmp_i64);
	return true;
}

bool vg_minset_add(struct vg_minset *s, int64_t x)
{
	return i64_push(&s->live, &s->nlive, &s->live_cap, x);
}

bool vg_minset_remove(struct vg_minset *s, int64_t x)
{
	if (!i64_push(&s->gone, &s->ngone, &s->gone_cap, x))
		return false;
	while (s->ngone && s->nlive && s->gone[0] == s->live[0]) {
		vg_heap_pop(s->live, s->nlive--, sizeof(int64_t), cmp_i64);
		vg_heap_pop(s->gone, s->ngone--, sizeof(int64_t), cmp_i64);
	}
	return true;
}

void vg_minset_free(struct vg_minset *s)
{
	free(s->live);
	free(s->gone);
	*s = (struct vg_minset){0};
}
