/*
 * event.c - the normalized event: values by field id, plus extras by name.
 *
 * Values are borrowed (pointers into the raw record or the batch arena).  Setting a
 * field twice keeps the last value: decoders run after framing and refine it.
 */
#include "vg_core.h"

#include <string.h>

struct vg_event *vg_event_new(struct vg_arena *arena)
{
	struct vg_event *ev = vg_arena_alloc(arena, sizeof(*ev));
	if (!ev)
		return NULL;
	size_t n = vg_field_count();
	ev->values = vg_arena_alloc(arena, n * sizeof(struct vg_value));
	if (!ev->values && n)
		return NULL;
	ev->nvalues = (uint32_t)n;
	ev->ts = VG_TIME_NONE;
	ev->extras_tail = &ev->extras;
	ev->arena = arena;
	ev->src.partition = -1;
	return ev;
}

vg_err vg_event_set(struct vg_event *ev, vg_field id, const char *ptr, size_t len,
                    enum vg_value_kind kind)
{
	if (id < 0 || (uint32_t)id >= ev->nvalues || len > UINT32_MAX ||
	    kind == VG_VK_UNSET)
		return VG_ERR_INVALID;
	struct vg_value *v = &ev->values[id];
	if (v->kind == VG_VK_UNSET)
		ev->nset++;
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

vg_err vg_event_set_named(struct vg_event *ev, const char *name, size_t name_len,
                          const char *ptr, size_t len, enum vg_value_kind kind, bool copy)
{
	vg_field id = vg_field_lookup(name, name_len);
	if (id != VG_FIELD_NONE && (uint32_t)id < ev->nvalues)
		return copy ? vg_event_set_copy(ev, id, ptr, len, kind)
		            : vg_event_set(ev, id, ptr, len, kind);
	if (len > UINT32_MAX || name_len > UINT32_MAX)
		return VG_ERR_INVALID;
	struct vg_extra *x = vg_arena_alloc(ev->arena, sizeof(*x));
	if (!x)
		return VG_ERR_NOMEM;
	x->name = copy ? vg_arena_strndup(ev->arena, name, name_len) : name;
	x->value.ptr = copy ? vg_arena_strndup(ev->arena, ptr, len) : ptr;
	if (!x->name || !x->value.ptr)
		return VG_ERR_NOMEM;
	x->name_len = (uint32_t)name_len;
	x->value.len = (uint32_t)len;
	x->value.kind = (uint8_t)kind;
	*ev->extras_tail = x;
	ev->extras_tail = &x->next;
	ev->nextras++;
	return VG_OK;
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
	for (uint32_t i = 0; i < ev->nvalues; i++) {
		const struct vg_value *v = &ev->values[i];
		if (v->kind == VG_VK_UNSET || (vg_field)i == ts_id)
			continue;
		if (!first)
			vg_buf_putc(out, ',');
		first = false;
		const char *name = vg_field_name((vg_field)i);
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
