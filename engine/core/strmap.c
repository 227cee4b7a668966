/*
 * strmap.c - string-keyed hash map (open addressing, linear probing).
 *
 * Deletion shifts later entries of the same probe run back, so lookups never see
 * tombstones and the table never degrades under churn (incidents open and close all
 * day).  The load factor stays at or below 1/2.
 */
#include "vg_core.h"

#include <stdlib.h>
#include <string.h>

void vg_strmap_init(struct vg_strmap *m)
{
	memset(m, 0, sizeof(*m));
}

void vg_strmap_free(struct vg_strmap *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->cap; i++)
		free(m->slots[i].key);
	free(m->slots);
	vg_strmap_init(m);
}

static size_t find_slot(const struct vg_strmap *m, const char *key, uint64_t h)
{
	size_t mask = m->cap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		const struct vg_strmap_slot *s = &m->slots[i];
		if (!s->key || (s->hash == h && strcmp(s->key, key) == 0))
			return i;
	}
}

void *vg_strmap_get(const struct vg_strmap *m, const char *key)
{
	if (!m->cap)
		return NULL;
	uint64_t h = vg_hash64(key, strlen(key), 0);
	const struct vg_strmap_slot *s = &m->slots[find_slot(m, key, h)];
	return s->key ? s->value : NULL;
}

static vg_err grow(struct vg_strmap *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 16;
	struct vg_strmap_slot *ns = calloc(ncap, sizeof(*ns));
	if (!ns)
		return VG_ERR_NOMEM;
	for (size_t i = 0; i < m->cap; i++) {
		struct vg_strmap_slot *s = &m->slots[i];
		if (!s->key)
			continue;
		size_t j = s->hash & (ncap - 1);
		while (ns[j].key)
			j = (j + 1) & (ncap - 1);
		ns[j] = *s;
	}
	free(m->slots);
	m->slots = ns;
	m->cap = ncap;
	return VG_OK;
}

vg_err vg_strmap_put(struct vg_strmap *m, const char *key, void *value)
{
	if ((m->count + 1) * 2 > m->cap && grow(m) != VG_OK)
		return VG_ERR_NOMEM;
	uint64_t h = vg_hash64(key, strlen(key), 0);
	struct vg_strmap_slot *s = &m->slots[find_slot(m, key, h)];
	if (s->key) {
		s->value = value;
		return VG_OK;
	}
	s->key = strdup(key);
	if (!s->key)
		return VG_ERR_NOMEM;
	s->hash = h;
	s->value = value;
	m->count++;
	return VG_OK;
}

void *vg_strmap_del(struct vg_strmap *m, const char *key)
{
	if (!m->cap)
		return NULL;
	uint64_t h = vg_hash64(key, strlen(key), 0);
	size_t mask = m->cap - 1, i = find_slot(m, key, h);
	if (!m->slots[i].key)
		return NULL;
	void *value = m->slots[i].value;
	free(m->slots[i].key);
	m->slots[i].key = NULL;
	m->count--;
	/* Backward-shift: move later members of the run into the hole when their home
	 * slot is not in (hole, j]. */
	for (size_t j = (i + 1) & mask; m->slots[j].key; j = (j + 1) & mask) {
		size_t home = m->slots[j].hash & mask;
		bool movable =
		    (i <= j) ? (home <= i || home > j) : (home <= i && home > j);
		if (movable) {
			m->slots[i] = m->slots[j];
			m->slots[j].key = NULL;
			i = j;
		}
	}
	return value;
}

struct vg_strmap_slot *vg_strmap_next(const struct vg_strmap *m, size_t *i)
{
	while (*i < m->cap) {
		struct vg_strmap_slot *s = &m->slots[(*i)++];
		if (s->key)
			return s;
	}
	return NULL;
}
