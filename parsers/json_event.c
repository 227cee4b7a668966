/*
 * json_event.c - JSON lines (endpoint events) -> normalized event.
 *
 * Every leaf of the object is stored under its dotted path: registry fields by id
 * (zero copy), others as extras.  Then, per key, by its last path component:
 *  - a vendor name listed in schemas/field-aliases.yaml also sets its ECS field; an
 *    ECS key present in the record beats any alias, and among aliases of one field
 *    the one listed first wins, whatever the key order in the record;
 *  - a key under EventData / event_data / System whose last component is a registry
 *    field (interned by aliases or rules) is also set under that short name, so Sigma
 *    rules naming "TargetObject" match nested Windows events;
 *  - timestamp keys are remembered and the best one becomes ev->ts
 *    (@timestamp > timestamp > UtcTime > SystemTime > TimeCreated > EventTime);
 *  - a Windows channel / provider marks event.module "windows" and, for Sysmon and
 *    Security, event.dataset (unless the record sets them itself).
 * The per-record state lives in the parse context: nothing is malloc'd per record.
 */
#include "parsers_int.h"

#include <string.h>

enum {
	TS_AT_TIMESTAMP = 0,
	TS_TIMESTAMP,
	TS_UTCTIME,
	TS_SYSTEMTIME,
	TS_TIMECREATED,
	TS_EVENTTIME,
};

static bool parent_is(const char *path, size_t last, const char *name)
{
	/* path[last - 1] is the '.' before the last component. */
	size_t n = strlen(name);
	if (last < n + 1)
		return false;
	size_t start = last - 1 - n;
	if (memcmp(path + start, name, n) != 0)
		return false;
	return start == 0 || path[start - 1] == '.';
}

static vg_err on_leaf(void *ud, const char *path, size_t plen, bool stable, const char *v,
                      size_t vlen, enum vg_value_kind kind)
{
	struct vgp_json_state *st = ud;
	struct vg_event *ev = st->ev;
	const struct vgp_aliases *al = &st->parser->aliases;
	const struct vgp_ids *ids = &st->parser->id;
	vg_err err;

	vg_field id = vg_field_lookup(path, plen);
	if (id != VG_FIELD_NONE) {
		if ((err = vg_event_set(ev, id, v, vlen, kind)) != VG_OK)
			return err;
		if ((size_t)id < al->nfields && al->target_of[id] >= 0)
			st->prio[al->target_of[id]] = -1;
		if (id == ids->event_module)
			st->explicit_module = true;
		else if (id == ids->event_dataset)
			st->explicit_dataset = true;
	} else {
		const char *name =
		    stable ? path : vg_arena_strndup(st->arena, path, plen);
		if (!name)
			return VG_ERR_NOMEM;
		if ((err = vg_event_set_named(ev, name, plen, v, vlen, kind, false)) !=
		    VG_OK)
			return err;
	}

	if (plen == 9 && memcmp(path, "timestamp", 9) == 0 && kind == VG_VK_STR)
		st->ts[TS_TIMESTAMP] = vg_str_make(v, vlen);
	else if (id == ids->timestamp && kind == VG_VK_STR)
		st->ts[TS_AT_TIMESTAMP] = vg_str_make(v, vlen);

	const char *dot = memrchr(path, '.', plen);
	size_t last = dot ? (size_t)(dot - path) + 1 : 0;
	int32_t idx = vgp_strmap_get(&al->names, path + last, plen - last);

	if (last && id == VG_FIELD_NONE &&
	    (parent_is(path, last, "EventData") || parent_is(path, last, "event_data") ||
	     parent_is(path, last, "System"))) {
		vg_field sid = vg_field_lookup(path + last, plen - last);
		if (sid != VG_FIELD_NONE && !vg_event_get(ev, sid) &&
		    (err = vg_event_set(ev, sid, v, vlen, kind)) != VG_OK)
			return err;
	}
	if (idx < 0)
		return VG_OK;

	const struct vgp_keyinfo *ki = &al->infos[idx];
	if (ki->target >= 0 && kind != VG_VK_NULL && st->prio[ki->target] > ki->prio) {
		st->prio[ki->target] = ki->prio;
		if ((err = vg_event_set(ev, al->targets[ki->target], v, vlen, kind)) !=
		    VG_OK)
			return err;
	}
	switch (ki->role) {
	case VGP_ROLE_TS_UTCTIME: st->ts[TS_UTCTIME] = vg_str_make(v, vlen); break;
	case VGP_ROLE_TS_SYSTEMTIME: st->ts[TS_SYSTEMTIME] = vg_str_make(v, vlen); break;
	case VGP_ROLE_TS_TIMECREATED:
		if (kind == VG_VK_STR)
			st->ts[TS_TIMECREATED] = vg_str_make(v, vlen);
		break;
	case VGP_ROLE_TS_EVENTTIME: st->ts[TS_EVENTTIME] = vg_str_make(v, vlen); break;
	case VGP_ROLE_CHANNEL:
		if (kind == VG_VK_STR)
			st->channel = vg_str_make(v, vlen);
		break;
	case VGP_ROLE_PROVIDER:
		if (kind == VG_VK_STR)
			st->provider = vg_str_make(v, vlen);
		break;
	case VGP_ROLE_PROVIDER_NAME:
		if (kind == VG_VK_STR && parent_is(path, last, "Provider"))
			st->provider = vg_str_make(v, vlen);
		break;
	case VGP_ROLE_EVENTID: st->has_eventid = true; break;
	case VGP_ROLE_COMPUTER: st->has_computer = true; break;
	default: break;
	}
	return VG_OK;
}

static vg_err set_lit(struct vg_event *ev, vg_field id, const char *lit)
{
	return vg_event_set(ev, id, lit, strlen(lit), VG_VK_STR);
}

vg_err vgp_parse_json_event(const struct vg_parser *parser, struct vg_parse_ctx *ctx,
                            const char *buf, size_t len, vg_time ref_time,
                            struct vg_event *ev, const char **reason)
{
	struct vgp_json_state *st = &ctx->js;
	int16_t *prio = st->prio;
	vg_err err;

	memset(st, 0, sizeof(*st));
	st->prio = prio;
	st->ev = ev;
	st->arena = ev->arena;
	st->parser = parser;
	for (size_t i = 0; i < parser->aliases.ntargets; i++)
		prio[i] = INT16_MAX;

	err = vgp_json_walk(buf, len, ev->arena, ctx->path, on_leaf, st, reason);
	if (err != VG_OK)
		return err;

	ev->ts = ref_time;
	for (size_t i = 0; i < VGP_TS_SLOTS; i++) {
		vg_time t;
		if (st->ts[i].ptr &&
		    vg_time_parse_rfc3339(st->ts[i].ptr, st->ts[i].len, 0, &t) == VG_OK) {
			ev->ts = t;
			break;
		}
	}

	const struct vgp_ids *id = &parser->id;
	bool windows =
	    st->channel.len || st->provider.len || (st->has_eventid && st->has_computer);
	if (windows && !st->explicit_module &&
	    (err = set_lit(ev, id->event_module, "windows")))
		return err;
	if (!st->explicit_dataset) {
		const char *ds = NULL;
		if (vg_str_eq(st->provider, "Microsoft-Windows-Sysmon") ||
		    vg_str_eq(st->channel, "Microsoft-Windows-Sysmon/Operational"))
			ds = "sysmon";
		else if (vg_str_eq(st->channel, "Security") ||
		         vg_str_eq(st->provider, "Microsoft-Windows-Security-Auditing"))
			ds = "security";
		if (ds && (err = set_lit(ev, id->event_dataset, ds)))
			return err;
	}
	return set_lit(ev, id->vigil_format, "json");
}
