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
 *    Security, event.dataset (unless the record sets them itself); the EventID then
 *    gives event.category / event.type (Sysmon 1 process start, 3 network, 11 file
 *    creation, ...; Security 4624 logon, 4688 process start, 4720 user created ...);
 *  - a few exact paths (enum vgp_jslot, one hash lookup per leaf) are remembered so
 *    the record's shape can be recognised after the walk: Suricata EVE (top-level
 *    event_type), Wazuh alerts (rule.level + agent/manager; see alerts.c), osquery
 *    differential results (name + hostIdentifier, columns.*, action).
 * Shapes covered: evtx renderings (Event.System / Event.EventData), flat NXLog /
 * Mordor (EventID, Channel, SourceName, Hostname at the top), Winlogbeat
 * (winlog.event_data.*, winlog.event_id, winlog.channel), Wazuh's win.system /
 * win.eventdata (camelCase names), all keeping the original names addressable.
 * Wazuh escapes win.eventdata values once more than the JSON needs (C:\\Windows
 * after decoding, for C:\Windows): they are unescaped first (wazuh_unescape), so
 * every name of such a value holds the path as Windows wrote it.
 * The per-record state lives in the parse context: nothing is malloc'd per record.
 * Everything the rules above derive from a key path alone (registry id, alias,
 * exact-path slot, short name under EventData, timestamp role) is worked out once
 * per distinct path and context and kept in the context's key cache (struct
 * vgp_keycache), so a leaf costs one hash probe; what depends on the value (its
 * kind, whether a field is already set, alias priorities) is decided per leaf.
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

static const char *const g_jpaths[VGP_JS_COUNT] = {
    [VGP_JS_EVENT_TYPE] = "event_type",
    [VGP_JS_ALERT_SIGNATURE] = "alert.signature",
    [VGP_JS_ALERT_SIGNATURE_ID] = "alert.signature_id",
    [VGP_JS_ALERT_SEVERITY] = "alert.severity",
    [VGP_JS_ALERT_CATEGORY] = "alert.category",
    [VGP_JS_ALERT_ACTION] = "alert.action",
    [VGP_JS_PROTO] = "proto",
    [VGP_JS_APP_PROTO] = "app_proto",
    [VGP_JS_HTTP_URL] = "http.url",
    [VGP_JS_HTTP_METHOD] = "http.http_method",
    [VGP_JS_HTTP_STATUS] = "http.status",
    [VGP_JS_HTTP_UA] = "http.http_user_agent",
    [VGP_JS_HTTP_HOSTNAME] = "http.hostname",
    [VGP_JS_RULE_LEVEL] = "rule.level",
    [VGP_JS_RULE_DESCRIPTION] = "rule.description",
    [VGP_JS_RULE_GROUPS] = "rule.groups",
    [VGP_JS_AGENT_NAME] = "agent.name",
    [VGP_JS_AGENT_IP] = "agent.ip",
    [VGP_JS_MANAGER_NAME] = "manager.name",
    [VGP_JS_DATA_SRCIP] = "data.srcip",
    [VGP_JS_DATA_DSTIP] = "data.dstip",
    [VGP_JS_DATA_SRCPORT] = "data.srcport",
    [VGP_JS_DATA_DSTPORT] = "data.dstport",
    [VGP_JS_DATA_SRCUSER] = "data.srcuser",
    [VGP_JS_DATA_DSTUSER] = "data.dstuser",
    [VGP_JS_DATA_PROTOCOL] = "data.protocol",
    [VGP_JS_FULL_LOG] = "full_log",
    [VGP_JS_DECODER_NAME] = "decoder.name",
    [VGP_JS_OSQ_NAME] = "name",
    [VGP_JS_OSQ_HOST] = "hostIdentifier",
    [VGP_JS_OSQ_ACTION] = "action",
    [VGP_JS_OSQ_UNIXTIME] = "unixTime",
    [VGP_JS_OSQ_CALENDARTIME] = "calendarTime",
    [VGP_JS_WIN_EVENTID] = NULL, /* filled through the EventID role */
};

static void mark_first(struct vg_parser *parser, unsigned char c)
{
	parser->jpath_first[c >> 5] |= 1u << (c & 31);
}

vg_err vgp_jpaths_load(struct vg_parser *parser)
{
	struct vgp_strmap *m = &parser->jpaths;
	mark_first(parser, 'd'); /* data.http.hostname */
	for (int i = 0; i < VGP_JS_COUNT; i++) {
		if (!g_jpaths[i])
			continue;
		mark_first(parser, (unsigned char)g_jpaths[i][0]);
		bool inserted;
		vg_err err = vgp_strmap_put(m, g_jpaths[i], strlen(g_jpaths[i]), i,
		                            &inserted, NULL);
		if (err)
			return err;
	}
	bool inserted;
	return vgp_strmap_put(m, "data.http.hostname", 18, VGP_JS_DATA_HTTP_HOSTNAME,
	                      &inserted, NULL);
}

/* Everything on_leaf needs to know about a key path that does not depend on the
 * value: the registry and alias lookups, the exact-path slot, the parent checks. */
static void plan_key(const struct vg_parser *parser, const char *path, size_t plen,
                     struct vgp_keyplan *kp)
{
	const struct vgp_aliases *al = &parser->aliases;
	const struct vgp_ids *ids = &parser->id;

	kp->id = vg_field_lookup(path, plen);
	kp->sid = VG_FIELD_NONE;
	kp->claim = -1;
	kp->flags = 0;
	if (kp->id != VG_FIELD_NONE) {
		if ((size_t)kp->id < al->nfields && al->target_of[kp->id] >= 0)
			kp->claim = al->target_of[kp->id];
		if (kp->id == ids->event_module)
			kp->flags |= VGP_KP_MODULE;
		else if (kp->id == ids->event_dataset)
			kp->flags |= VGP_KP_DATASET;
		if (kp->id == ids->timestamp)
			kp->flags |= VGP_KP_TS_AT;
	}
	/* one bit test spares most paths ("Event.System...") a hash lookup */
	unsigned char c0 = plen ? (unsigned char)path[0] : 0;
	int32_t js = plen && parser->jpath_first[c0 >> 5] & (1u << (c0 & 31))
	                 ? vgp_strmap_get(&parser->jpaths, path, plen)
	                 : -1;
	if (js == VGP_JS_HTTP_HOSTNAME || js == VGP_JS_DATA_HTTP_HOSTNAME) {
		kp->flags |= VGP_KP_STOP;
		js = -1;
	}
	kp->jslot = (int8_t)js;
	if (plen > 8 && memcmp(path, "columns.", 8) == 0)
		kp->flags |= VGP_KP_COLUMNS;
	if (plen == 9 && memcmp(path, "timestamp", 9) == 0)
		kp->flags |= VGP_KP_TS_TIMESTAMP;
	if ((plen > 14 && memcmp(path, "win.eventdata.", 14) == 0) ||
	    (plen > 19 && memcmp(path, "data.win.eventdata.", 19) == 0))
		kp->flags |= VGP_KP_WAZUH_ESC;

	const char *dot = memrchr(path, '.', plen);
	size_t last = dot ? (size_t)(dot - path) + 1 : 0;
	if (last && kp->id == VG_FIELD_NONE &&
	    (parent_is(path, last, "EventData") || parent_is(path, last, "event_data") ||
	     parent_is(path, last, "System") || parent_is(path, last, "eventdata") ||
	     parent_is(path, last, "system") || parent_is(path, last, "UserData")))
		kp->sid = vg_field_lookup(path + last, plen - last);
	kp->alias = vgp_strmap_get(&al->names, path + last, plen - last);
	kp->role = kp->alias >= 0 ? al->infos[kp->alias].role : VGP_ROLE_NONE;
	/* "Provider.Name", or "Provider.#attributes.Name" (evtx->JSON tools) */
	if (kp->role == VGP_ROLE_PROVIDER_NAME &&
	    !(parent_is(path, last, "Provider") ||
	      (parent_is(path, last, "#attributes") && last > 13 &&
	       parent_is(path, last - 12, "Provider"))))
		kp->role = VGP_ROLE_NONE;
}

/* memcmp(a, b, n) == 0 for the short keys of the cache, without a call: 8 bytes
 * per compare, reading nothing outside a[0..n) and b[0..n). */
static inline bool same_bytes(const char *a, const char *b, size_t n)
{
	if (n >= 8) {
		uint64_t x, y;
		for (size_t i = 0; i + 8 < n; i += 8) {
			memcpy(&x, a + i, 8);
			memcpy(&y, b + i, 8);
			if (x != y)
				return false;
		}
		memcpy(&x, a + n - 8, 8);
		memcpy(&y, b + n - 8, 8);
		return x == y;
	}
	if (n >= 4) {
		uint32_t x0, y0, x1, y1;
		memcpy(&x0, a, 4);
		memcpy(&y0, b, 4);
		memcpy(&x1, a + n - 4, 4);
		memcpy(&y1, b + n - 4, 4);
		return x0 == y0 && x1 == y1;
	}
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

/* Empty the key cache and bind it to parser and the registry's current size. */
static void keycache_reset(struct vgp_keycache *kc, const struct vg_parser *parser,
                           size_t nfields)
{
	memset(kc->slot, 0, sizeof(kc->slot));
	kc->count = 0;
	kc->used = 0;
	kc->parser = parser;
	kc->nfields = nfields;
}

/* The plan of path: from the cache, or computed and (when there is room) cached.
 * @return a plan valid until the next call (*scratch when not cached). */
static const struct vgp_keyplan *key_plan(struct vgp_keycache *kc,
                                          const struct vg_parser *parser,
                                          const char *path, size_t plen,
                                          struct vgp_keyplan *scratch)
{
	if (plen > VGP_KEYCACHE_KEY_MAX) {
		plan_key(parser, path, plen, scratch);
		return scratch;
	}
	uint64_t h = vgp_hash(path, plen);
	size_t s = (size_t)h & (VGP_KEYCACHE_SLOTS - 1);
	for (unsigned probe = 0; probe < VGP_KEYCACHE_PROBES; probe++) {
		unsigned k = kc->slot[s];
		if (!k) {
			if (kc->count == VGP_KEYCACHE_ENTRIES ||
			    kc->used + plen > VGP_KEYCACHE_BYTES) {
				/* full: start over, this key first */
				keycache_reset(kc, parser, kc->nfields);
				s = (size_t)h & (VGP_KEYCACHE_SLOTS - 1);
			}
			struct vgp_keycache_entry *e = &kc->entry[kc->count];
			e->hash = h;
			e->off = kc->used;
			e->len = (uint32_t)plen;
			memcpy(kc->bytes + kc->used, path, plen);
			kc->used += (uint32_t)plen;
			plan_key(parser, path, plen, &e->plan);
			kc->slot[s] = (uint16_t)++kc->count;
			return &e->plan;
		}
		const struct vgp_keycache_entry *e = &kc->entry[k - 1];
		if (e->hash == h && e->len == plen &&
		    same_bytes(kc->bytes + e->off, path, plen))
			return &e->plan;
		s = (s + 1) & (VGP_KEYCACHE_SLOTS - 1);
	}
	plan_key(parser, path, plen, scratch); /* a long cluster: do not cache */
	return scratch;
}

/*
 * Wazuh's win.eventdata.* values (the agent's Windows event as analysisd renders
 * it: "win" in the event, "data.win" in an alert) are JSON-escaped once more than
 * the record: analysisd prints the event XML with cJSON before reading its
 * elements, so '\' became "\\" and '"' became "\"".  After the record's own
 * decoding, Sysmon's C:\Windows\cmd.exe reads C:\\Windows\\cmd.exe, a UNC path
 * \\srv\share reads \\\\srv\\share, and Sigma's "\System32\cmd.exe" or
 * "C:\Windows\" never match.  This undoes exactly that, left to right, so a UNC
 * path comes back with its two leading backslashes.  A value is undone only when
 * every backslash in it is doubled or escapes a '"', and no '"' stands bare (cJSON
 * escapes each one); anything else is kept as it is: a value from a Wazuh that no
 * longer doubles ("\\srv\tools\run.exe" has "\t" and "\r"), or one where cJSON also
 * escaped a control byte ("\n" in a PowerShell script block), which cannot be told
 * from an undoubled "\new" folder, so a path is never turned into control bytes.
 * @return VG_OK with *out set to the unescaped copy (in arena) or NULL (keep v);
 *         VG_ERR_NOMEM.  Cost: one pass over v, only for values with a backslash.
 */
static vg_err wazuh_unescape(struct vg_arena *arena, const char *v, size_t vlen,
                             const char **out, size_t *out_len)
{
	*out = NULL;
	for (size_t k = 0; k < vlen; k++) {
		if (v[k] == '"')
			return VG_OK;
		if (v[k] == '\\' && (++k == vlen || (v[k] != '\\' && v[k] != '"')))
			return VG_OK;
	}
	char *o = vg_arena_alloc(arena, vlen);
	if (!o)
		return VG_ERR_NOMEM;
	size_t n = 0;
	for (size_t k = 0; k < vlen; k++)
		o[n++] = v[k] == '\\' ? v[++k] : v[k];
	*out = o;
	*out_len = n;
	return VG_OK;
}

static vg_err on_leaf(void *ud, const char *path, size_t plen, bool stable, const char *v,
                      size_t vlen, enum vg_value_kind kind)
{
	struct vgp_json_state *st = ud;
	struct vg_event *ev = st->ev;
	struct vgp_keyplan scratch;
	const struct vgp_keyplan *kp =
	    key_plan(st->keys, st->parser, path, plen, &scratch);
	vg_err err;

	if ((kp->flags & VGP_KP_WAZUH_ESC) && kind == VG_VK_STR &&
	    memchr(v, '\\', vlen)) {
		const char *u;
		size_t ulen;
		if ((err = wazuh_unescape(st->arena, v, vlen, &u, &ulen)) != VG_OK)
			return err;
		if (u) {
			v = u;
			vlen = ulen;
		}
	}

	if (kp->id != VG_FIELD_NONE) {
		vgp_set(ev, kp->id, v, vlen, kind);
		if (kp->claim >= 0)
			st->prio[kp->claim] = -1;
		if (kp->flags & VGP_KP_MODULE)
			st->explicit_module = true;
		else if (kp->flags & VGP_KP_DATASET)
			st->explicit_dataset = true;
	} else {
		const char *name =
		    stable ? path : vg_arena_strndup(st->arena, path, plen);
		if (!name)
			return VG_ERR_NOMEM;
		if ((err = vg_event_add_extra(ev, name, plen, v, vlen, kind)) != VG_OK)
			return err;
	}
	if (kp->flags & VGP_KP_STOP)
		return VG_OK; /* kept under its path; its last name is no host alias */
	if (kp->jslot >= 0 && kind != VG_VK_NULL)
		st->slot[kp->jslot] = vg_str_make(v, vlen);
	else if (kp->flags & VGP_KP_COLUMNS)
		st->has_columns = true;
	if (kind == VG_VK_STR) {
		if (kp->flags & VGP_KP_TS_TIMESTAMP)
			st->ts[TS_TIMESTAMP] = vg_str_make(v, vlen);
		else if (kp->flags & VGP_KP_TS_AT)
			st->ts[TS_AT_TIMESTAMP] = vg_str_make(v, vlen);
	}
	if (kp->sid != VG_FIELD_NONE && !vg_event_get(ev, kp->sid))
		vgp_set(ev, kp->sid, v, vlen, kind);
	if (kp->alias < 0)
		return VG_OK;

	const struct vgp_aliases *al = &st->parser->aliases;
	const struct vgp_keyinfo *ki = &al->infos[kp->alias];
	if (ki->target >= 0 && kind != VG_VK_NULL && st->prio[ki->target] > ki->prio) {
		st->prio[ki->target] = ki->prio;
		vgp_set(ev, al->targets[ki->target], v, vlen, kind);
	}
	switch (kp->role) {
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
	case VGP_ROLE_PROVIDER_NAME: /* the parent was checked by plan_key */
		if (kind == VG_VK_STR)
			st->provider = vg_str_make(v, vlen);
		break;
	case VGP_ROLE_EVENTID:
		st->has_eventid = true;
		if (kind != VG_VK_NULL && !st->slot[VGP_JS_WIN_EVENTID].len)
			st->slot[VGP_JS_WIN_EVENTID] = vg_str_make(v, vlen);
		break;
	case VGP_ROLE_COMPUTER: st->has_computer = true; break;
	default: break;
	}
	return VG_OK;
}

static vg_err set_lit(struct vg_event *ev, vg_field id, const char *lit)
{
	return vg_event_set(ev, id, lit, strlen(lit), VG_VK_STR);
}

static vg_err set_lit_if_unset(struct vg_event *ev, vg_field id, const char *lit)
{
	return vg_event_get(ev, id) ? VG_OK : set_lit(ev, id, lit);
}

vg_err vgp_parse_time_loose(const char *s, size_t len, vg_time *out)
{
	if (vg_time_parse_rfc3339(s, len, 0, out) == VG_OK)
		return VG_OK;
	/* "...+0000" (Suricata, Wazuh): insert the colon RFC 3339 wants. */
	char tmp[64];
	if (len >= 5 && len + 1 < sizeof(tmp) &&
	    (s[len - 5] == '+' || s[len - 5] == '-') && s[len - 4] >= '0' &&
	    s[len - 4] <= '9' && s[len - 3] >= '0' && s[len - 3] <= '9' &&
	    s[len - 2] >= '0' && s[len - 2] <= '9' && s[len - 1] >= '0' &&
	    s[len - 1] <= '9') {
		memcpy(tmp, s, len - 2);
		tmp[len - 2] = ':';
		memcpy(tmp + len - 1, s + len - 2, 2);
		return vg_time_parse_rfc3339(tmp, len + 1, 0, out);
	}
	return VG_ERR_PARSE;
}

/* Small decimal text -> number, or -1. */
static long small_num(struct vg_str s)
{
	long n = 0;
	if (!s.len || s.len > 6)
		return -1;
	for (size_t i = 0; i < s.len; i++) {
		if (s.ptr[i] < '0' || s.ptr[i] > '9')
			return -1;
		n = n * 10 + (s.ptr[i] - '0');
	}
	return n;
}

struct wincat {
	int id;
	const char *category, *type, *outcome;
};

/* Sysmon event ids (Sysmon 15 schema) -> ECS category / type. */
static const struct wincat g_sysmon[] = {
    {1, "process", "start", NULL},     {2, "file", "change", NULL},
    {3, "network", "start", NULL},     {4, "configuration", "change", NULL},
    {5, "process", "end", NULL},       {6, "driver", "start", NULL},
    {7, "process", "change", NULL},    {8, "process", "change", NULL},
    {9, "file", "access", NULL},       {10, "process", "access", NULL},
    {11, "file", "creation", NULL},    {12, "registry", "change", NULL},
    {13, "registry", "change", NULL},  {14, "registry", "change", NULL},
    {15, "file", "creation", NULL},    {16, "configuration", "change", NULL},
    {17, "file", "creation", NULL},    {18, "file", "access", NULL},
    {19, "process", "creation", NULL}, {20, "process", "creation", NULL},
    {21, "process", "access", NULL},   {22, "network", "info", NULL},
    {23, "file", "deletion", NULL},    {24, "process", "info", NULL},
    {25, "process", "change", NULL},   {26, "file", "deletion", NULL},
    {27, "file", "denied", NULL},      {28, "file", "denied", NULL},
    {29, "file", "creation", NULL},
};

/* Windows Security audit event ids -> ECS category / type / outcome. */
static const struct wincat g_security[] = {
    {1102, "configuration", "deletion", NULL},
    {4624, "authentication", "start", "success"},
    {4625, "authentication", "start", "failure"},
    {4634, "authentication", "end", "success"},
    {4647, "authentication", "end", "success"},
    {4648, "authentication", "start", "success"},
    {4656, "file", "access", NULL},
    {4657, "registry", "change", NULL},
    {4663, "file", "access", NULL},
    {4672, "iam", "admin", NULL},
    {4688, "process", "start", NULL},
    {4689, "process", "end", NULL},
    {4697, "configuration", "creation", NULL},
    {4698, "configuration", "creation", NULL},
    {4699, "configuration", "deletion", NULL},
    {4702, "configuration", "change", NULL},
    {4719, "configuration", "change", NULL},
    {4720, "iam", "creation", NULL},
    {4722, "iam", "change", NULL},
    {4723, "iam", "change", NULL},
    {4724, "iam", "change", NULL},
    {4725, "iam", "change", NULL},
    {4726, "iam", "deletion", NULL},
    {4728, "iam", "change", NULL},
    {4732, "iam", "change", NULL},
    {4738, "iam", "change", NULL},
    {4740, "iam", "change", NULL},
    {4756, "iam", "change", NULL},
    {4768, "authentication", "start", NULL},
    {4769, "authentication", "start", NULL},
    {4771, "authentication", "start", "failure"},
    {4776, "authentication", "start", NULL},
    {4798, "iam", "info", NULL},
    {4799, "iam", "info", NULL},
    {5140, "file", "access", NULL},
    {5145, "file", "access", NULL},
    {5156, "network", "start", "success"},
    {5157, "network", "start", "failure"},
    {5158, "network", "info", NULL},
    {7045, "configuration", "creation", NULL},
};

static vg_err windows_category(const struct vg_parser *parser, struct vgp_json_state *st,
                               const char *ds)
{
	const struct vgp_ep_ids *ep = &parser->ep;
	const struct wincat *tab = NULL;
	size_t n = 0;
	long id = small_num(st->slot[VGP_JS_WIN_EVENTID]);
	vg_err err;

	if (id < 0 || !ds)
		return VG_OK;
	if (!strcmp(ds, "sysmon")) {
		tab = g_sysmon;
		n = sizeof(g_sysmon) / sizeof(g_sysmon[0]);
	} else {
		tab = g_security;
		n = sizeof(g_security) / sizeof(g_security[0]);
	}
	for (size_t i = 0; i < n; i++) {
		if (tab[i].id != id)
			continue;
		if ((err =
		         set_lit_if_unset(st->ev, ep->event_category, tab[i].category)) ||
		    (err = set_lit_if_unset(st->ev, ep->event_type, tab[i].type)))
			return err;
		if (tab[i].outcome &&
		    (err = set_lit_if_unset(st->ev, ep->event_outcome, tab[i].outcome)))
			return err;
		break;
	}
	return VG_OK;
}

/* osquery differential / snapshot results: name, hostIdentifier, columns.* */
static vg_err osquery_result(const struct vg_parser *parser, struct vgp_json_state *st)
{
	const struct vgp_ep_ids *ep = &parser->ep;
	const struct vg_str *sl = st->slot;
	struct vg_event *ev = st->ev;
	vg_err err;

	if ((!st->explicit_module &&
	     (err = set_lit(ev, parser->id.event_module, "osquery"))) ||
	    (!st->explicit_dataset &&
	     (err = set_lit(ev, parser->id.event_dataset, "osquery.result"))) ||
	    (err = set_lit_if_unset(ev, ep->event_kind, "event")) ||
	    (err = vg_event_set(ev, ep->osquery_name, sl[VGP_JS_OSQ_NAME].ptr,
	                        sl[VGP_JS_OSQ_NAME].len, VG_VK_STR)))
		return err;
	if (!vg_event_get(ev, parser->id.host_name) &&
	    (err = vg_event_set(ev, parser->id.host_name, sl[VGP_JS_OSQ_HOST].ptr,
	                        sl[VGP_JS_OSQ_HOST].len, VG_VK_STR)))
		return err;
	if (sl[VGP_JS_OSQ_ACTION].len &&
	    ((err = vg_event_set(ev, ep->osquery_action, sl[VGP_JS_OSQ_ACTION].ptr,
	                         sl[VGP_JS_OSQ_ACTION].len, VG_VK_STR)) ||
	     (err = set_lit_if_unset(ev, ep->event_type,
	                             vg_str_eq(sl[VGP_JS_OSQ_ACTION], "removed")
	                                 ? "deletion"
	                                 : "creation"))))
		return err;
	return VG_OK;
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
	st->keys = ctx->keys;
	size_t nfields = vg_field_count();
	if (st->keys->parser != parser || st->keys->nfields != nfields)
		keycache_reset(st->keys, parser, nfields); /* the plans may be stale */
	st->ev = ev;
	st->arena = ev->arena;
	st->parser = parser;
	for (size_t i = 0; i < parser->aliases.ntargets; i++)
		prio[i] = INT16_MAX;

	err = vgp_json_walk(buf, len, ev->arena, ctx->path, on_leaf, st, reason);
	if (err != VG_OK)
		return err;

	ev->ts = ref_time;
	bool have_ts = false;
	for (size_t i = 0; i < VGP_TS_SLOTS; i++) {
		vg_time t;
		if (st->ts[i].ptr &&
		    vgp_parse_time_loose(st->ts[i].ptr, st->ts[i].len, &t) == VG_OK) {
			ev->ts = t;
			have_ts = true;
			break;
		}
	}
	struct vg_str ut = st->slot[VGP_JS_OSQ_UNIXTIME];
	if (!have_ts && ut.len && ut.len <= 12 && vgp_is_integer(ut.ptr, ut.len)) {
		vg_time t = 0;
		for (size_t i = 0; i < ut.len; i++)
			t = t * 10 + (ut.ptr[i] - '0');
		ev->ts = t * VG_USEC_PER_SEC;
	}

	const char *shape = NULL;
	if ((err = vgp_json_alert_shapes(parser, st, &shape)))
		return err;
	if (!shape && st->slot[VGP_JS_OSQ_NAME].len && st->slot[VGP_JS_OSQ_HOST].len &&
	    (st->has_columns || st->slot[VGP_JS_OSQ_ACTION].len)) {
		if ((err = osquery_result(parser, st)))
			return err;
		shape = "osquery";
	}

	const struct vgp_ids *id = &parser->id;
	bool windows = !shape && (st->channel.len || st->provider.len ||
	                          (st->has_eventid && st->has_computer));
	if (windows && !st->explicit_module &&
	    (err = set_lit(ev, id->event_module, "windows")))
		return err;
	const char *ds = NULL;
	if (!shape) {
		if (vg_str_eq(st->provider, "Microsoft-Windows-Sysmon") ||
		    vg_str_eq(st->channel, "Microsoft-Windows-Sysmon/Operational"))
			ds = "sysmon";
		else if (vg_str_eq(st->channel, "Security") ||
		         vg_str_eq(st->provider, "Microsoft-Windows-Security-Auditing"))
			ds = "security";
		else if (vg_str_eq(st->channel, "System") &&
		         vg_str_eq(st->slot[VGP_JS_WIN_EVENTID], "7045"))
			ds = "system";
		else if (vg_str_eq(st->channel,
		                   "Microsoft-Windows-PowerShell/Operational") ||
		         vg_str_eq(st->channel, "Windows PowerShell") ||
		         vg_str_eq(st->provider, "Microsoft-Windows-PowerShell"))
			ds = "powershell";
	}
	if (ds && !st->explicit_dataset && (err = set_lit(ev, id->event_dataset, ds)))
		return err;
	if (windows && !shape && (err = windows_category(parser, st, ds)))
		return err;
	return set_lit(ev, id->vigil_format, "json");
}
