/*
 * event.c - the normalized event: values by field id, plus extras by name.
 *
 * Values are borrowed (pointers into the raw record or the batch arena).  Setting a
 * field twice keeps the last value: decoders run after framing and refine it.
 *
 * Layout (struct vg_event in vg_core.h): a per-field index slot[] of uint16 (0 =
 * unset, else 1 + position in vals) and a dense array vals[] of the set values in
 * first-set order.  Creating an event zeroes only the index (2 bytes per registry
 * field) and a small initial vals[], where a value per field (16 bytes each) used
 * to be zeroed: the registry has ~150-350 fields, a record sets ~5-30.  Invariants:
 *  - slot[id] <= nset <= cap for every id < nslots, and the non-zero slot entries
 *    are exactly 1..nset, each once (vals[k - 1] belongs to one field);
 *  - nslots <= VG_FIELDS_MAX, so nset fits the uint16 index;
 *  - vals grows by doubling into fresh arena memory; the old array is abandoned
 *    to the arena, never written again and freed with it.  So a pointer from
 *    vg_event_get stays readable until the arena is reset, but once a new field
 *    has been set it may be a stale copy that misses later overwrites.
 *  - Extras form a list in insertion order; their nodes come from the arena in
 *    blocks of EXTRA_BLOCK (or from a block a parser reserved: ev->spare), and a
 *    node's next is set NULL when it is appended.
 */
#include "vg_core.h"

#include <string.h>

_Static_assert(VG_FIELDS_MAX <= UINT16_MAX, "slot[] entries are uint16");

/* Room for the values most records set without regrowing: loghub's syslog lines
 * set 4-20 registry fields, the generated scenario up to 24, Sysmon and Mordor
 * Windows events 8-28. */
#define INIT_CAP 32

/* Extras allocated at once when an event needs one (JSON records carry ~15-30). */
#define EXTRA_BLOCK 8

static size_t round8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

struct vg_event *vg_event_new(struct vg_arena *arena)
{
	size_t n = vg_field_count();
	if (n > VG_FIELDS_MAX)
		n = VG_FIELDS_MAX;
	size_t head = round8(sizeof(struct vg_event));
	size_t slots = round8(n * sizeof(uint16_t));
	/* One block: the header and the index zeroed, the first vals[] not (only
	 * vals[0..nset) is ever read, and each is written before nset covers it). */
	char *block =
	    vg_arena_alloc_raw(arena, head + slots + INIT_CAP * sizeof(struct vg_value));
	if (!block)
		return NULL;
	memset(block, 0, head + slots);
	struct vg_event *ev = (struct vg_event *)(void *)block;
	ev->slot = (uint16_t *)(void *)(block + head);
	ev->vals = (struct vg_value *)(void *)(block + head + slots);
	ev->nslots = (uint32_t)n;
	ev->cap = INIT_CAP;
	ev->ts = VG_TIME_NONE;
	ev->extras_tail = &ev->extras;
	ev->arena = arena;
	ev->src.partition = -1;
	return ev;
}

/* Double vals[].  @return false (and ev->oom set) when out of memory. */
static bool grow(struct vg_event *ev)
{
	uint32_t ncap = ev->cap * 2; /* cap >= INIT_CAP; nset <= nslots <= 16384 */
	struct vg_value *nv = vg_arena_alloc(ev->arena, ncap * sizeof(*nv));
	if (!nv) {
		ev->oom = true;
		return false;
	}
	if (ev->nset)
		memcpy(nv, ev->vals, ev->nset * sizeof(*nv));
	ev->vals = nv;
	ev->cap = ncap;
	return true;
}

vg_err vg_event_set(struct vg_event *ev, vg_field id, const char *ptr, size_t len,
                    enum vg_value_kind kind)
{
	if ((uint32_t)id >= ev->nslots || len > UINT32_MAX || kind == VG_VK_UNSET)
		return VG_ERR_INVALID;
	uint32_t k = ev->slot[id];
	if (!k) {
		if (ev->nset == ev->cap && !grow(ev))
			return VG_ERR_NOMEM;
		k = ++ev->nset;
		ev->slot[id] = (uint16_t)k;
	}
	struct vg_value *v = &ev->vals[k - 1];
	v->ptr = ptr;
	v->len = (uint32_t)len;
	v->kind = (uint8_t)kind;
	return VG_OK;
}

vg_err vg_event_set_copy(struct vg_event *ev, vg_field id, const char *ptr, size_t len,
                         enum vg_value_kind kind)
{
	char *copy = vg_arena_strndup(ev->arena, ptr, len);
	if (!copy)
		return VG_ERR_NOMEM;
	return vg_event_set(ev, id, copy, len, kind);
}

vg_err vg_event_add_extra(struct vg_event *ev, const char *name, size_t name_len,
                          const char *ptr, size_t len, enum vg_value_kind kind)
{
	if (len > UINT32_MAX || name_len > UINT32_MAX)
		return VG_ERR_INVALID;
	if (!ev->nspare) {
		/* extras come in dozens per JSON record: one allocation per block */
		ev->spare = vg_arena_alloc(ev->arena, EXTRA_BLOCK * sizeof(*ev->spare));
		if (!ev->spare)
			return VG_ERR_NOMEM;
		ev->nspare = EXTRA_BLOCK;
	}
	vg_event_push_extra(ev, name, name_len, ptr, len, kind);
	return VG_OK;
}

vg_err vg_event_set_named(struct vg_event *ev, const char *name, size_t name_len,
                          const char *ptr, size_t len, enum vg_value_kind kind, bool copy)
{
	vg_field id = vg_field_lookup(name, name_len);
	if (id != VG_FIELD_NONE && (uint32_t)id < ev->nslots)
		return copy ? vg_event_set_copy(ev, id, ptr, len, kind)
		            : vg_event_set(ev, id, ptr, len, kind);
	if (len > UINT32_MAX || name_len > UINT32_MAX)
		return VG_ERR_INVALID;
	if (copy) {
		name = vg_arena_strndup(ev->arena, name, name_len);
		ptr = vg_arena_strndup(ev->arena, ptr, len);
		if (!name || !ptr)
			return VG_ERR_NOMEM;
	}
	return vg_event_add_extra(ev, name, name_len, ptr, len, kind);
}

const struct vg_value *vg_event_next(const struct vg_event *ev, vg_field *id)
{
	uint32_t i = *id < 0 ? 0 : (uint32_t)*id + 1;
	for (; i < ev->nslots; i++) {
		uint32_t k = ev->slot[i];
		if (k) {
			*id = (vg_field)i;
			return &ev->vals[k - 1];
		}
	}
	*id = (vg_field)ev->nslots;
	return NULL;
}

const struct vg_value *vg_event_get_named(const struct vg_event *ev, const char *name)
{
	size_t len = strlen(name);
	vg_field id = vg_field_lookup(name, len);
	if (id != VG_FIELD_NONE)
		return vg_event_get(ev, id);
	for (const struct vg_extra *x = ev->extras; x; x = x->next)
		if (x->name_len == len && memcmp(x->name, name, len) == 0)
			return &x->value;
	return NULL;
}

static void put_value(struct vg_buf *out, const struct vg_value *v)
{
	switch (v->kind) {
	case VG_VK_NUM:
	case VG_VK_BOOL:
	case VG_VK_NULL: vg_buf_append(out, v->ptr, v->len); break;
	default: vg_buf_json_str(out, v->ptr, v->len);
	}
}

void vg_event_to_json(const struct vg_event *ev, struct vg_buf *out)
{
	bool first = true;
	vg_field ts_id = vg_field_lookup("@timestamp", 10);

	vg_buf_putc(out, '{');
	if (ev->ts != VG_TIME_NONE) {
		char tbuf[32];
		size_t n = vg_time_format(ev->ts, tbuf);
		vg_buf_puts(out, "\"@timestamp\":");
		vg_buf_json_str(out, tbuf, n);
		first = false;
	}
	vg_field i = VG_FIELD_NONE;
	const struct vg_value *v;
	while ((v = vg_event_next(ev, &i))) {
		if (i == ts_id)
			continue;
		if (!first)
			vg_buf_putc(out, ',');
		first = false;
		const char *name = vg_field_name(i);
		vg_buf_json_str(out, name, strlen(name));
		vg_buf_putc(out, ':');
		put_value(out, v);
	}
	for (const struct vg_extra *x = ev->extras; x; x = x->next) {
		if (!first)
			vg_buf_putc(out, ',');
		first = false;
		vg_buf_json_str(out, x->name, x->name_len);
		vg_buf_putc(out, ':');
		put_value(out, &x->value);
	}
	vg_buf_putc(out, '}');
}
