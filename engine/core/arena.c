/*
 * arena.c - bump allocator for per-batch memory.
 *
 * Chunks form a singly linked list.  Reset keeps the first chunk and up to
 * SPARE_MAX further standard-size chunks on a spare list, so a steady-state batch
 * reuses its memory instead of going back to malloc for every chunk; requests larger
 * than the chunk size get a chunk of their own, freed at reset.
 */
#include "vg_core.h"

#include <stdlib.h>
#include <string.h>

struct chunk {
	struct chunk *next;
	size_t size; /* usable bytes in data */
	size_t used;
	_Alignas(max_align_t) unsigned char data[];
};

#define SPARE_MAX 64

struct vg_arena {
	struct chunk *head; /* current chunk (most recent) */
	struct chunk *first;
	struct chunk *spare; /* standard-size chunks kept by reset for reuse */
	size_t nspare;
	size_t chunk_size;
	size_t footprint; /* bytes held from the system, spare chunks included */
};

static struct chunk *chunk_new(size_t size)
{
	struct chunk *c = malloc(sizeof(*c) + size);
	if (!c)
		return NULL;
	c->next = NULL;
	c->size = size;
	c->used = 0;
	return c;
}

struct vg_arena *vg_arena_new(size_t chunk_size)
{
	struct vg_arena *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->chunk_size = chunk_size ? chunk_size : 64 * 1024;
	a->first = a->head = chunk_new(a->chunk_size);
	if (!a->first) {
		free(a);
		return NULL;
	}
	a->footprint = a->chunk_size;
	return a;
}

void *vg_arena_alloc_raw(struct vg_arena *a, size_t size)
{
	size_t need = (size + 7) & ~(size_t)7;
	struct chunk *c = a->head;

	if (need < size)
		return NULL; /* overflow */
	if (c->size - c->used < need) {
		size_t csize = need > a->chunk_size ? need : a->chunk_size;
		struct chunk *n;
		if (csize == a->chunk_size && a->spare) {
			n = a->spare;
			a->spare = n->next;
			a->nspare--;
			n->used = 0;
		} else {
			if (!(n = chunk_new(csize)))
				return NULL;
			a->footprint += csize;
		}
		/* Keep `first` at the list's tail so reset can find it cheaply. */
		n->next = a->head;
		a->head = n;
		c = n;
	}
	void *p = c->data + c->used;
	c->used += need;
	return p;
}

void *vg_arena_alloc(struct vg_arena *a, size_t size)
{
	void *p = vg_arena_alloc_raw(a, size);
	if (p)
		memset(p, 0, size);
	return p;
}

bool vg_arena_shrink(struct vg_arena *a, void *p, size_t size, size_t keep)
{
	struct chunk *c = a->head;
	size_t need = (size + 7) & ~(size_t)7, kept = (keep + 7) & ~(size_t)7;
	if (keep > size || (unsigned char *)p + need != c->data + c->used)
		return false;
	c->used -= need - kept;
	return true;
}

char *vg_arena_strndup(struct vg_arena *a, const char *s, size_t len)
{
	char *p = vg_arena_alloc(a, len + 1);
	if (!p)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

void vg_arena_reset(struct vg_arena *a)
{
	struct chunk *c = a->head;
	while (c && c != a->first) {
		struct chunk *next = c->next;
		if (c->size == a->chunk_size && a->nspare < SPARE_MAX) {
			c->next = a->spare;
			a->spare = c;
			a->nspare++;
		} else {
			a->footprint -= c->size;
			free(c);
		}
		c = next;
	}
	a->head = a->first;
	a->first->used = 0;
}

size_t vg_arena_footprint(const struct vg_arena *a)
{
	return a->footprint;
}

void vg_arena_destroy(struct vg_arena *a)
{
	if (!a)
		return;
	vg_arena_reset(a);
	while (a->spare) {
		struct chunk *next = a->spare->next;
		free(a->spare);
		a->spare = next;
	}
	free(a->first);
	free(a);
}
