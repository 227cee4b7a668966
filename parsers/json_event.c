/*
 * json_event.c - JSON lines (endpoint events) -> normalized event.
 *
 * Every leaf of the object is stored under its dotted path: registry fields by id
 * (zero copy), others as extras.  Then, per key, by its last path component:
 *  - a vendor name listed in schemas/field-aliases.yaml also sets its ECS field; an
 *    ECS key present in the record beats any alias, and among aliases of one field
 *    the one listed first wins, whatever the key order in the record;
 *  - a key under EventData / event_data / System / UserData, or under the element
 *    UserData wraps its data in, whose last component is a registry field (interned
 *    by aliases or rules) -- as written, else without its spaces (Defender's
 *    "Threat Name") -- is also set under that short name, so Sigma rules naming
 *    "TargetObject" or "ThreatName" match nested Windows events (windows_data,
 *    short_name);
 *  - timestamp keys are remembered and the best one that can be read becomes
 *    ev->ts (@timestamp > timestamp > UtcTime > SystemTime > TimeCreated >
 *    EventTime > osquery's unixTime, in seconds); a record whose time keys all
 *    hold what cannot be read is a dead letter ("json: invalid timestamp in
 *    @timestamp at offset 14"), as a syslog line with a bad timestamp is, never an
 *    event stamped with the time it was read;
 *  - a Windows channel / provider marks event.module "windows" (the provider, from
 *    System.Provider.Name too, becomes event.provider when no alias set it) and, for
 *    Sysmon and Security, event.dataset (unless the record sets them itself); the
 *    EventID then gives event.category / event.type (Sysmon 1 process start, 3
 *    network, 11 file creation, ...; Security 4624 logon, 4688 process start, 4720
 *    user created ...), and in a Security 4688 the creator's ProcessId becomes
 *    process.parent.pid (process.pid is the NewProcessId); Security's hex process
 *    ids are given in decimal in the ECS fields (hex_pid);
 *  - a few exact paths (enum vgp_jslot, one hash lookup per leaf) are remembered so
 *    the record's shape can be recognised after the walk: Suricata EVE (top-level
 *    event_type), Wazuh alerts (rule.level + agent/manager; see alerts.c), osquery
 *    differential results (name + hostIdentifier, columns.*, action).
 * Shapes covered: evtx renderings (Event.System / Event.EventData, the data as keys
 * or as a list of {"@Name", "#text"} objects: data_list; an element with attributes
 * and text, {"#attributes": {...}, "#text": v} or {"@Qualifiers": .., "#text": v},
 * has v as its value too: leaf_text), flat NXLog /
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
 * The walk is json_walk.h's object loop instantiated here (event_object) with
 * on_leaf inlined: a key whose plan is only a store, an alias and a role
 * (VGP_KP_PLAIN, most keys of a Sysmon event) is handled right there; the rest
 * goes through leaf_full with the same rules (test_parse_fastpath.c compares the
 * two paths).  The events are the same as through vgp_json_walk's callback.
 * Records of one stream mostly repeat their keys in one order, so the cache also
 * links each key to the one that followed it (the key chain): a top-level key
 * is first compared with the expected one (key_guess) and, when it is that key,
 * neither scanned nor hashed.  A guess is only ever a candidate checked byte for
 * byte, so any order, any key and a cache flushed at any time give the same
 * events.  After a top-level value, the next member is compared whole with the
 * bytes ", \"<key>\": " of the key the chain expects (member_guess): the
 * separator, the key and the colon in two to four word compares.  Each record
 * also reserves, in one arena block that is not zeroed, as many extras nodes and
 * registry values as the last record of the context took and room for its
 * decoded string values (its own length plus VGP_POOL_SLACK, up to VGP_POOL_MAX;
 * the rest is given back after the walk), and the usual timestamp shape is read
 * without the
 * general RFC 3339 parser (vgp_time_fast), its date's day count kept from the
 * last record (vgp_time_fast_memo).
 */
#include "json_walk.h"
#include "parsers_int.h"

#include <stddef.h>
#include <string.h>

#if defined(__GNUC__)
#define NOINLINE   __attribute__((noinline)) /* keeps on_leaf's fast path small */
#define HOT_INLINE inline __attribute__((always_inline)) /* in the object loop */
#else
#define NOINLINE
#define HOT_INLINE inline
#endif

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

/* The key's parent is a Windows event's EventData (or Winlogbeat's / Wazuh's
 * spelling); last: the offset of the key's last component. */
static bool event_data(const char *path, size_t last)
{
	return parent_is(path, last, "EventData") ||
	       parent_is(path, last, "event_data") || parent_is(path, last, "eventdata");
}

/* A key whose parent holds a Windows event's data, addressed by its short name:
 * EventData / event_data / System (and Winlogbeat's lowercase forms), UserData, or
 * the one element UserData wraps its data in (`Event.UserData.Operation_ClientFailure.
 * Operation`, WMI-Activity 5858; `LogFileCleared.SubjectUserName`, Security 1102).
 * last: the offset of the key's last component. */
static bool windows_data(const char *path, size_t last)
{
	if (event_data(path, last) || parent_is(path, last, "System") ||
	    parent_is(path, last, "system") || parent_is(path, last, "UserData"))
		return true;
	const char *dot = last > 1 ? memrchr(path, '.', last - 1) : NULL;
	return dot && !parent_is(path, last, "#attributes") &&
	       parent_is(path, (size_t)(dot - path) + 1, "UserData");
}

/* The registry field of a Windows data name: the name itself, else the name without
 * its spaces (Defender writes `Threat Name`, `Source Name`, `Process Name`; Sigma
 * rules and the other providers say ThreatName, SourceName, ProcessName).
 * VG_FIELD_NONE when neither is registered. */
static vg_field short_name(const char *name, size_t n)
{
	vg_field f = vg_field_lookup(name, n);
	if (f != VG_FIELD_NONE || n > 128 || !memchr(name, ' ', n))
		return f;
	char packed[128];
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (name[i] != ' ')
			packed[k++] = name[i];
	return k ? vg_field_lookup(packed, k) : VG_FIELD_NONE;
}

static const char *const g_jpaths[VGP_JS_COUNT] = {
    [VGP_JS_EVENT_TYPE] = "event_type",
    [VGP_JS_ALERT_SIGNATURE] = "alert.signature",
    [VGP_JS_ALERT_SIGNATURE_ID] = "alert.signature_id",
    [VGP_JS_ALERT_SEVERITY] = "alert.severity",
    [VGP_JS_ALERT_CATEGORY] = "alert.category",
    [VGP_JS_ALERT_ACTION] = "alert.action",
    [VGP_JS_ALERT_MITRE_TACTIC] = "alert.metadata.mitre_tactic_name",
    [VGP_JS_ALERT_MITRE_TECHNIQUE] = "alert.metadata.mitre_technique_id",
    [VGP_JS_PROTO] = "proto",
    [VGP_JS_APP_PROTO] = "app_proto",
    [VGP_JS_HTTP_URL] = "http.url",
    [VGP_JS_HTTP_METHOD] = "http.http_method",
    [VGP_JS_HTTP_STATUS] = "http.status",
    [VGP_JS_HTTP_UA] = "http.http_user_agent",
    [VGP_JS_RULE_LEVEL] = "rule.level",
    [VGP_JS_RULE_DESCRIPTION] = "rule.description",
    [VGP_JS_RULE_GROUPS] = "rule.groups",
    [VGP_JS_RULE_MITRE_TACTIC] = "rule.mitre.tactic",
    [VGP_JS_RULE_MITRE_ID] = "rule.mitre.id",
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
    [VGP_JS_DATA_ALERT_SEVERITY] = "data.alert.severity",
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
	/* Suricata EVE's http.hostname is the web server's name, dhcp.hostname the
	 * name a DHCP client claims (option 12, its own choice); Wazuh alerts embed
	 * both under data. */
	static const char *const not_host[] = {"http.hostname", "data.http.hostname",
	                                       "dhcp.hostname", "data.dhcp.hostname"};
	for (size_t i = 0; i < sizeof(not_host) / sizeof(*not_host); i++) {
		bool inserted;
		mark_first(parser, (unsigned char)not_host[i][0]);
		vg_err err = vgp_strmap_put(m, not_host[i], strlen(not_host[i]),
		                            VGP_JS_NOT_HOST, &inserted, NULL);
		if (err)
			return err;
	}
	return VG_OK;
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
	if (js == VGP_JS_NOT_HOST) {
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
	if (last && kp->id == VG_FIELD_NONE && windows_data(path, last))
		kp->sid = short_name(path + last, plen - last);
	if (plen - last == 4 && memcmp(path + last, "Data", 4) == 0 &&
	    event_data(path, last))
		kp->flags |= VGP_KP_WIN_DATA;
	if (last && plen - last == 5 && memcmp(path + last, "#text", 5) == 0)
		kp->flags |= VGP_KP_TEXT;
	kp->alias = vgp_strmap_get(&al->names, path + last, plen - last);
	kp->role = kp->alias >= 0 ? al->infos[kp->alias].role : VGP_ROLE_NONE;
	/* "Provider.Name", or "Provider.#attributes.Name" (evtx->JSON tools) */
	if (kp->role == VGP_ROLE_PROVIDER_NAME &&
	    !(parent_is(path, last, "Provider") ||
	      (parent_is(path, last, "#attributes") && last > 13 &&
	       parent_is(path, last - 12, "Provider"))))
		kp->role = VGP_ROLE_NONE;
	if (!kp->flags && kp->claim < 0 && kp->jslot < 0 && kp->sid == VG_FIELD_NONE)
		kp->flags = VGP_KP_PLAIN;
}

static inline uint64_t load64(const char *s)
{
	uint64_t x;
	memcpy(&x, s, 8);
	return x;
}

static inline uint64_t load32(const char *s)
{
	uint32_t x;
	memcpy(&x, s, 4);
	return x;
}

/*
 * The words a key of up to 16 bytes is known by: (n, *a, *b) determines s[0..n)
 * (two overlapping 8- or 4-byte loads cover every byte; below 4 bytes, s[0], s[n/2]
 * and s[n - 1] do).  Reads nothing outside s[0..n).
 */
static HOT_INLINE void key_words(const char *s, size_t n, uint64_t *a, uint64_t *b)
{
	if (n >= 8) {
		*a = load64(s);
		*b = load64(s + n - 8);
	} else if (n >= 4) {
		*a = load32(s);
		*b = load32(s + n - 4);
	} else {
		*a = n ? (uint64_t)(unsigned char)s[0] |
		             (uint64_t)(unsigned char)s[n >> 1] << 8 |
		             (uint64_t)(unsigned char)s[n - 1] << 16
		       : 0;
		*b = 0;
	}
}

/* The key cache's hash of a path of up to 16 bytes known by (plen, a, b). */
static HOT_INLINE uint64_t short_hash(uint64_t a, uint64_t b, size_t plen)
{
	uint64_t h = ((a * UINT64_C(0x9E3779B97F4A7C15)) ^ b ^ plen) *
	             UINT64_C(0xff51afd7ed558ccd);
	return h ^ (h >> 32);
}

/* Empty the key cache and bind it to parser and the registry's current size. */
static void keycache_reset(struct vgp_keycache *kc, const struct vg_parser *parser,
                           size_t nfields)
{
	memset(kc->slot, 0, sizeof(kc->slot));
	kc->count = 0;
	kc->used = 0;
	kc->first = NULL;
	kc->parser = parser;
	kc->nfields = nfields;
}

/*
 * A path key_plan did not find (hash h): plan it, and cache the plan in the empty
 * slot s when there is one (s == SIZE_MAX: a long cluster) and the key is not too
 * long.  A key of up to 16 bytes is kept as its two words (key_words), which is
 * what key_plan compares; a longer one as its bytes.  @return a plan
 * valid until the next call (*scratch when not cached).
 */
NOINLINE static const struct vgp_keyplan *
key_add(struct vgp_keycache *kc, const struct vg_parser *parser, const char *path,
        size_t plen, uint64_t h, size_t s, struct vgp_keyplan *scratch)
{
	size_t keep = plen > 16 ? plen : 16;
	if (plen > VGP_KEYCACHE_KEY_MAX || s == SIZE_MAX) {
		plan_key(parser, path, plen, scratch);
		return scratch;
	}
	if (kc->count == VGP_KEYCACHE_ENTRIES || kc->used + keep > VGP_KEYCACHE_BYTES) {
		/* full: start over, this key first */
		keycache_reset(kc, parser, kc->nfields);
		s = (size_t)h & (VGP_KEYCACHE_SLOTS - 1);
	}
	struct vgp_keycache_entry *e = &kc->entry[kc->count];
	e->hash = h;
	e->off = kc->used;
	e->len = (uint32_t)plen;
	if (plen > 16) {
		memcpy(kc->bytes + kc->used, path, plen);
	} else {
		uint64_t w[2];
		key_words(path, plen, &w[0], &w[1]);
		memcpy(kc->bytes + kc->used, w, 16);
	}
	kc->used += (uint32_t)keep;
	plan_key(parser, path, plen, &e->plan);
	e->succ = NULL;
	bool raw = vg_utf8_check(path, plen) == plen;
	for (size_t i = 0; i < plen && raw; i++)
		raw = (unsigned char)path[i] >= 0x20 && path[i] != '"' && path[i] != '\\';
	e->glen = raw ? (uint32_t)plen : UINT32_MAX;
	e->mlen = 0;
	if (raw && plen + 6 >= 8 && plen + 6 <= sizeof(e->mpat)) {
		memcpy(e->mpat, ", \"", 3);
		memcpy(e->mpat + 3, path, plen);
		memcpy(e->mpat + 3 + plen, "\": ", 3);
		e->mlen = (uint32_t)plen + 6;
	}
	kc->slot[s] = (uint16_t)++kc->count;
	return &e->plan;
}

/* The plan of path: from the cache, or computed and (when there is room) cached.
 * The usual key (up to 16 bytes) costs two multiplies and, found, two word
 * compares.  @return a plan valid until the next call (*scratch when not cached). */
static inline const struct vgp_keyplan *key_plan(struct vgp_keycache *kc,
                                                 const struct vg_parser *parser,
                                                 const char *path, size_t plen,
                                                 struct vgp_keyplan *scratch)
{
	uint64_t a = 0, b = 0, h;
	if (plen <= 16) {
		key_words(path, plen, &a, &b);
		h = short_hash(a, b, plen);
	} else {
		h = vgp_hash(path, plen);
	}
	size_t s = (size_t)h & (VGP_KEYCACHE_SLOTS - 1);
	for (unsigned probe = 0; probe < VGP_KEYCACHE_PROBES; probe++) {
		unsigned k = kc->slot[s];
		if (!k)
			return key_add(kc, parser, path, plen, h, s, scratch);
		const struct vgp_keycache_entry *e = &kc->entry[k - 1];
		if (e->hash == h && e->len == plen) {
			const char *kb = kc->bytes + e->off;
			if (plen <= 16 ? load64(kb) == a && load64(kb + 8) == b
			               : memcmp(kb, path, plen) == 0)
				return &e->plan;
		}
		s = (s + 1) & (VGP_KEYCACHE_SLOTS - 1);
	}
	return key_add(kc, parser, path, plen, h, SIZE_MAX, scratch);
}

static vg_err extra_refill(struct vgp_json_state *st, const char *name, size_t name_len,
                           const char *v, size_t vlen, enum vg_value_kind kind);

/* Append an extra as vg_event_add_extra does, from the event's spare block
 * without a call (vg_event_push_extra); when the block is used up (or a length
 * does not fit), extra_refill. */
static HOT_INLINE vg_err add_extra(struct vgp_json_state *st, const char *name,
                                   size_t name_len, const char *v, size_t vlen,
                                   enum vg_value_kind kind)
{
	struct vg_event *ev = st->ev;
	if (!ev->nspare || vlen > UINT32_MAX) /* name_len <= VGP_JSON_PATH_MAX */
		return extra_refill(st, name, name_len, v, vlen, kind);
	vg_event_push_extra(ev, name, name_len, v, vlen, kind);
	return VG_OK;
}

/* add_extra past the nodes reserved: VGP_EXTRAS_REFILL more from the front of
 * the decoded-value room (which has that much to spare, vgp_parse_json_event)
 * while it has them, so that the record's block stays the arena's last
 * allocation and what it does not use can be given back; else (or for a length
 * over 32 bits) vg_event_add_extra. */
NOINLINE static vg_err extra_refill(struct vgp_json_state *st, const char *name,
                                    size_t name_len, const char *v, size_t vlen,
                                    enum vg_value_kind kind)
{
	struct vg_event *ev = st->ev;
	struct vgp_jp *p = st->jp;
	if (!ev->nspare && vlen <= UINT32_MAX && p && p->pool) {
		uintptr_t at = ((uintptr_t)p->pool + 7) & ~(uintptr_t)7;
		size_t need = (size_t)(at - (uintptr_t)p->pool) +
		              VGP_EXTRAS_REFILL * sizeof(struct vg_extra);
		if (p->pool_left >= need + VGP_POOL_SLACK) {
			ev->spare = (struct vg_extra *)at;
			ev->nspare = VGP_EXTRAS_REFILL;
			p->pool += need;
			p->pool_left -= need;
			return add_extra(st, name, name_len, v, vlen, kind);
		}
	}
	return vg_event_add_extra(ev, name, name_len, v, vlen, kind);
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

/* The alias part of a leaf (kp->alias >= 0): set the alias's ECS field unless an
 * ECS key or an alias listed before it has set it; the same alias again (a key
 * repeated in the record) replaces it, as the vendor field keeps the last value
 * too -- keeping the first, a rule on Image and one on process.executable saw two
 * processes in one event.  A null is noted for the end
 * of the record (null_aliases): the field is present, as `exists` asks of the
 * vendor name a rule reads through it, unless any value sets it -- a key, an
 * alias, or a fallback of the record's shape (a Wazuh agent.name for host.name). */
static HOT_INLINE void alias_set(struct vgp_json_state *st, int32_t alias, const char *v,
                                 size_t vlen, enum vg_value_kind kind)
{
	const struct vgp_aliases *al = &st->parser->aliases;
	const struct vgp_keyinfo *ki = &al->infos[alias];
	if (ki->target < 0)
		return;
	if (kind == VG_VK_NULL) {
		if (st->nnull_alias < VGP_NULL_ALIASES)
			st->null_alias[st->nnull_alias++] = ki->target;
	} else if (st->prio[ki->target] >= ki->prio) {
		st->prio[ki->target] = ki->prio;
		vgp_set(st->ev, al->targets[ki->target], v, vlen, kind);
	}
}

/* The alias targets a vendor key set to null, and nothing else: null. */
static void null_aliases(struct vgp_json_state *st)
{
	const struct vgp_aliases *al = &st->parser->aliases;
	for (uint32_t i = 0; i < st->nnull_alias; i++) {
		vg_field f = al->targets[st->null_alias[i]];
		if (!vg_event_get(st->ev, f))
			vgp_set(st->ev, f, "null", 4, VG_VK_NULL);
	}
}

/* The role part of a leaf whose last name has one (enum vgp_key_role; the path
 * conditions were checked by plan_key): remember the value for after the walk. */
static HOT_INLINE void leaf_role(struct vgp_json_state *st, uint8_t role, const char *v,
                                 size_t vlen, enum vg_value_kind kind)
{
	/* an array is taken as its text, as before arrays had a kind of their own
	 * (an array of times is an unreadable time, an array of names no name) */
	if (kind == VG_VK_LIST)
		kind = VG_VK_STR;
	switch (role) {
	/* a time is text or a number; null, true or false claim none */
	case VGP_ROLE_TS_UTCTIME:
		if (kind == VG_VK_STR || kind == VG_VK_NUM)
			st->ts[TS_UTCTIME] = vg_str_make(v, vlen);
		break;
	case VGP_ROLE_TS_SYSTEMTIME:
		if (kind == VG_VK_STR || kind == VG_VK_NUM)
			st->ts[TS_SYSTEMTIME] = vg_str_make(v, vlen);
		break;
	case VGP_ROLE_TS_TIMECREATED:
		if (kind == VG_VK_STR)
			st->ts[TS_TIMECREATED] = vg_str_make(v, vlen);
		break;
	case VGP_ROLE_TS_EVENTTIME:
		if (kind == VG_VK_STR || kind == VG_VK_NUM)
			st->ts[TS_EVENTTIME] = vg_str_make(v, vlen);
		break;
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
		/* a repeated EventID: the last, as the EventID field itself keeps */
		if (kind != VG_VK_NULL) {
			st->slot[VGP_JS_WIN_EVENTID] = vg_str_make(v, vlen);
			st->slots_set |= UINT64_C(1) << VGP_JS_WIN_EVENTID;
		}
		break;
	case VGP_ROLE_COMPUTER: st->has_computer = true; break;
	case VGP_ROLE_HASHES:
		if (kind == VG_VK_STR)
			st->hashes = vg_str_make(v, vlen);
		break;
	default: break;
	}
}

static vg_err leaf_full(struct vgp_json_state *st, const struct vgp_keyplan *kp,
                        const char *path, size_t plen, bool stable, const char *v,
                        size_t vlen, enum vg_value_kind kind);
static vg_err leaf_text(struct vgp_json_state *st, const char *path, size_t plen,
                        bool stable, const char *v, size_t vlen, enum vg_value_kind kind);

/* A JSON string of the list at c (opening quote): its text into *v / *n (in the
 * record, or decoded into the arena).  @return the byte after it, or NULL. */
static const unsigned char *list_string(struct vgp_jp *p, const unsigned char *c,
                                        const char **v, size_t *n)
{
	const unsigned char *ve = string_stop(c + 1, p->end);
	if (ve < p->end && *ve == '"') {
		*v = (const char *)c + 1;
		*n = (size_t)(ve - c) - 1;
		return ve + 1;
	}
	ve = string_value(p, c, ve, v, n);
	return ve ? ve + 1 : NULL;
}

static bool key_is(const char *k, size_t n, const char *name)
{
	return n == strlen(name) && memcmp(k, name, n) == 0;
}

/* EventData rendered as a list of named values, as xmltodict-style evtx-to-JSON
 * tools write it: "Data": [{"@Name": "TargetUserName", "#text": "admin"}, ...]
 * ("Name" / "@Name", "#text" / "Value" / "#value").  Each named value is taken as
 * the key "<parent>.<Name>" would be -- stored under that path, its short name, its
 * alias and role -- so rules naming TargetUserName match such events too.  list:
 * the array's text in the record (validated by the walk).  Unnamed values and
 * anything that is not an object of a name and a string or number are left in
 * the list (which stays stored under its own path). */
static vg_err data_list(struct vgp_json_state *st, const char *path, size_t plen,
                        const char *list, size_t len)
{
	struct vgp_jp p = {.s = (const unsigned char *)list,
	                   .end = (const unsigned char *)list + len,
	                   .arena = st->arena};
	const unsigned char *c = skip_ws(p.s + 1, p.end), *end = p.end;
	size_t base = plen - 4; /* "<parent>." */
	char key[VGP_JSON_PATH_MAX];
	memcpy(key, path, base);
	while (c && c < end && *c != ']') {
		if (*c != '{') {
			c = vgp_jp_value(&p, c); /* an unnamed value */
		} else {
			const char *name = NULL, *text = NULL;
			size_t nlen = 0, tlen = 0;
			enum vg_value_kind tkind = VG_VK_STR;
			for (c = skip_ws(c + 1, end); c && c < end && *c == '"';) {
				const char *k, *sv = NULL;
				size_t kn, sn = 0;
				if (!(c = list_string(&p, c, &k, &kn)))
					break;
				c = skip_ws(c, end);
				if (c >= end || *c != ':')
					break; /* not reached: the walk validated the list
					        */
				c = skip_ws(c + 1, end);
				const unsigned char *vs = c;
				enum vg_value_kind vk = VG_VK_STR;
				if (c < end && *c == '"') {
					c = list_string(&p, c, &sv, &sn);
				} else if ((c = vgp_jp_value(&p, c)) &&
				           ((*vs >= '0' && *vs <= '9') || *vs == '-')) {
					sv = (const char *)vs, sn = (size_t)(c - vs);
					vk = VG_VK_NUM;
				}
				if (!c)
					break;
				if (sv &&
				    (key_is(k, kn, "@Name") || key_is(k, kn, "Name")) &&
				    vk == VG_VK_STR)
					name = sv, nlen = sn;
				else if (sv && (key_is(k, kn, "#text") ||
				                key_is(k, kn, "Value") ||
				                key_is(k, kn, "#value")))
					text = sv, tlen = sn, tkind = vk;
				c = skip_ws(c, end);
				if (c < end && *c == ',')
					c = skip_ws(c + 1, end);
			}
			if (!c || c >= end || *c != '}')
				break;
			c++;
			if (name && nlen && text && base + nlen <= sizeof(key) &&
			    !memchr(name, '.', nlen)) {
				struct vgp_keyplan scratch;
				memcpy(key + base, name, nlen);
				const struct vgp_keyplan *kp = key_plan(
				    st->keys, st->parser, key, base + nlen, &scratch);
				vg_err err = leaf_full(st, kp, key, base + nlen, false,
				                       text, tlen, tkind);
				if (err)
					return err;
			}
		}
		c = c ? skip_ws(c, end) : NULL;
		if (c && c < end && *c == ',')
			c = skip_ws(c + 1, end);
	}
	if (p.cb_err)
		return p.cb_err; /* out of memory decoding a string */
	return VG_OK;
}

/* on_leaf for a key whose plan asks more than a store, an alias and a role (see
 * on_leaf). */
NOINLINE static vg_err leaf_full(struct vgp_json_state *st, const struct vgp_keyplan *kp,
                                 const char *path, size_t plen, bool stable,
                                 const char *v, size_t vlen, enum vg_value_kind kind)
{
	struct vg_event *ev = st->ev;
	vg_err err;

	/* an array (the walk passes its text as it is in the record) */
	if ((kp->flags & VGP_KP_WIN_DATA) && kind == VG_VK_LIST && vlen > 1 &&
	    (err = data_list(st, path, plen, v, vlen)))
		return err;

	if ((kp->flags & VGP_KP_WAZUH_ESC) && (kind == VG_VK_STR || kind == VG_VK_LIST) &&
	    memchr(v, '\\', vlen)) {
		const char *u;
		size_t ulen;
		if ((err = wazuh_unescape(st->arena, v, vlen, &u, &ulen)) != VG_OK)
			return err;
		if (u) { /* an array's text unescaped is no longer its JSON */
			v = u;
			vlen = ulen;
			kind = VG_VK_STR;
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
		if ((err = add_extra(st, name, plen, v, vlen, kind)) != VG_OK)
			return err;
	}
	if (kp->flags & VGP_KP_STOP)
		return VG_OK; /* kept under its path; its last name is no host alias */
	if ((kp->flags & VGP_KP_TEXT) &&
	    (err = leaf_text(st, path, plen, stable, v, vlen, kind)) != VG_OK)
		return err;
	if (kp->jslot >= 0 && kind != VG_VK_NULL) {
		st->slot[kp->jslot] = vg_str_make(v, vlen);
		st->slots_set |= UINT64_C(1) << kp->jslot;
	} else if (kp->flags & VGP_KP_COLUMNS)
		st->has_columns = true;
	/* a number here is a time since 1970 (unix_epoch); an array is an
	 * unreadable one */
	if (kind == VG_VK_STR || kind == VG_VK_NUM || kind == VG_VK_LIST) {
		if (kp->flags & VGP_KP_TS_TIMESTAMP)
			st->ts[TS_TIMESTAMP] = vg_str_make(v, vlen);
		else if (kp->flags & VGP_KP_TS_AT)
			st->ts[TS_AT_TIMESTAMP] = vg_str_make(v, vlen);
	}
	if (kp->sid != VG_FIELD_NONE && !vg_event_get(ev, kp->sid))
		vgp_set(ev, kp->sid, v, vlen, kind);
	if (kp->alias < 0)
		return VG_OK;

	alias_set(st, kp->alias, v, vlen, kind);
	if (kp->role != VGP_ROLE_NONE)
		leaf_role(st, kp->role, v, vlen, kind);
	return VG_OK;
}

/*
 * An XML element with attributes and text, as evtx_dump and xmltodict render it:
 * "EventID": {"#attributes": {"Qualifiers": 16384}, "#text": 7045} (xmltodict:
 * "@Qualifiers" beside "#text").  Its text is the element's value, as it is when the
 * element has no attributes ("EventID": 7045): after "Event.System.EventID.#text"
 * is stored under its own path, it is taken as the leaf "Event.System.EventID" too
 * -- that path, its short name EventID, the alias event.code, the EventID role --
 * so Sigma's EventID: 7045 matches whichever way the converter wrote it.  The
 * element's plan is computed here, not cached: such leaves are rare, and the key
 * cache may only change where the key chain is kept in step (leaf_slow).
 */
NOINLINE static vg_err leaf_text(struct vgp_json_state *st, const char *path, size_t plen,
                                 bool stable, const char *v, size_t vlen,
                                 enum vg_value_kind kind)
{
	struct vgp_keyplan kp;
	plan_key(st->parser, path, plen - 6, &kp); /* less ".#text" */
	return leaf_full(st, &kp, path, plen - 6, stable, v, vlen, kind);
}

/* Link the cached leaf e (found by its hash, not guessed) into the key chain: it
 * follows st->last (or starts the record), and the next key is guessed to be the
 * one that followed it last time. */
static HOT_INLINE void chain_link(struct vgp_json_state *st, struct vgp_keycache *kc,
                                  struct vgp_keycache_entry *e)
{
	struct vgp_keycache_entry **prev = st->last ? &st->last->succ : &kc->first;
	if (*prev != e)
		*prev = e;
	st->last = e;
	st->pred = e->succ;
}

/*
 * JW_KEY_GUESS: whether the top-level key whose opening quote is q is the one the
 * key chain expects (st->pred, the key that followed the last one in an earlier
 * record).  A raw entry's bytes have no quote, backslash or control byte and are
 * valid UTF-8 (paths are decoded text), so when the record holds them between q
 * and a quote, scan_string would stop at that quote with no escape: the key is
 * that path, and its plan is at hand.  @return the closing quote (*hint = the
 * entry), or NULL (scan the key).  A wrong guess costs a length check or two word
 * compares.
 */
static HOT_INLINE const unsigned char *key_guess(struct vgp_jp *p, const unsigned char *q,
                                                 void **hint)
{
	const struct vgp_json_state *st = p->ud;
	const struct vgp_keycache *kc = st->keys;
	struct vgp_keycache_entry *e = st->pred;
	if (!e)
		return NULL;
	size_t n = e->glen; /* UINT32_MAX for a key that cannot be guessed */
	if (n >= (size_t)(p->end - q) - 1 || q[n + 1] != '"')
		return NULL; /* the record ends before n + 2 bytes, or no quote there */
	const char *s = (const char *)q + 1, *kb = kc->bytes + e->off;
	if (n <= 16) {
		uint64_t a, b;
		key_words(s, n, &a, &b);
		if (load64(kb) != a || load64(kb + 8) != b)
			return NULL;
	} else if (n <= 32) {
		if (load64(kb) != load64(s) || load64(kb + 8) != load64(s + 8) ||
		    load64(kb + n - 16) != load64(s + n - 16) ||
		    load64(kb + n - 8) != load64(s + n - 8))
			return NULL;
	} else if (memcmp(kb, s, n) != 0) {
		return NULL;
	}
	*hint = e;
	return q + n + 1;
}

/*
 * JW_MEMBER_GUESS: whether the bytes from c (just past a top-level value) are
 * ", \"<key>\": " followed by a byte above ' ', with the key the chain expects
 * (st->pred; a raw key, as for key_guess).  The object loop would read exactly
 * that as the usual separator, that key (key_guess) and the usual ": ", and land
 * on the same value byte.  @return that byte (*hint = the entry, *klen = the key's
 * length), or NULL (the loop reads the bytes itself).  Two to four word compares.
 */
static HOT_INLINE const unsigned char *
member_guess(struct vgp_jp *p, const unsigned char *c, void **hint, size_t *klen)
{
	const struct vgp_json_state *st = p->ud;
	struct vgp_keycache_entry *e = st->pred;
	if (!e)
		return NULL;
	size_t n = e->mlen;
	if (!n || (size_t)(p->end - c) <= n)
		return NULL; /* no pattern, or the record ends before c[n] */
	const char *s = (const char *)c, *m = e->mpat;
	uint64_t d = (load64(s) ^ load64(m)) | (load64(s + n - 8) ^ load64(m + n - 8));
	if (n > 16)
		d |= load64(s + 8) ^ load64(m + 8);
	if (n > 24)
		d |= load64(s + 16) ^ load64(m + 16);
	if (d || c[n] <= ' ')
		return NULL;
	*hint = e;
	*klen = n - 6;
	return c + n;
}

/* on_leaf past its fast path: the whole plan lookup (key_plan), then what the plan
 * says. */
NOINLINE static vg_err leaf_slow(struct vgp_json_state *st, const char *path, size_t plen,
                                 bool stable, const char *v, size_t vlen,
                                 enum vg_value_kind kind)
{
	struct vgp_keyplan scratch;
	const struct vgp_keyplan *kp =
	    key_plan(st->keys, st->parser, path, plen, &scratch);
	if (kp != &scratch)
		chain_link(
		    st, st->keys,
		    &st->keys->entry[((const char *)kp - (const char *)st->keys->entry) /
		                     sizeof(st->keys->entry[0])]);
	else
		st->pred = NULL;

	if ((kp->flags & VGP_KP_PLAIN) && (kp->id != VG_FIELD_NONE || stable)) {
		vg_err err = VG_OK;
		if (kp->id != VG_FIELD_NONE)
			vgp_set(st->ev, kp->id, v, vlen, kind);
		else
			err = add_extra(st, path, plen, v, vlen, kind);
		if (err == VG_OK && kp->alias >= 0) {
			alias_set(st, kp->alias, v, vlen, kind);
			if (kp->role != VGP_ROLE_NONE)
				leaf_role(st, kp->role, v, vlen, kind);
		}
		return err;
	}
	return leaf_full(st, kp, path, plen, stable, v, vlen, kind);
}

/*
 * The JSON walker's leaf callback, inlined in the object loop (event_object).  The
 * usual leaf of a Sysmon event -- a key guessed by the chain (key_guess,
 * member_guess), or of up to 16 bytes whose plan sits in its home slot of the key
 * cache, and plain (VGP_KP_PLAIN: a registry field or an extra, perhaps an alias
 * and a role) -- costs the inline stores (vgp_set, add_extra's node, alias_set,
 * leaf_role), plus two multiplies and two word compares when not guessed;
 * everything else goes to leaf_full (a cached plan that asks more) or leaf_slow
 * (a longer key, or one not in its home slot).
 */
static HOT_INLINE vg_err on_leaf(void *ud, const char *path, size_t plen, bool stable,
                                 const char *v, size_t vlen, enum vg_value_kind kind,
                                 struct vgp_keycache_entry *e)
{
	struct vgp_json_state *st = ud;
	struct vgp_keycache *kc = st->keys;
	if (e) { /* guessed by key_guess: already in the chain */
		st->last = e;
		st->pred = e->succ;
	} else if (plen <= 16) {
		uint64_t a, b;
		key_words(path, plen, &a, &b);
		uint64_t h = short_hash(a, b, plen);
		unsigned k = kc->slot[h & (VGP_KEYCACHE_SLOTS - 1)];
		e = &kc->entry[k ? k - 1 : 0];
		const char *kb = kc->bytes + e->off;
		if (!(k && e->hash == h && e->len == plen && load64(kb) == a &&
		      load64(kb + 8) == b))
			return leaf_slow(st, path, plen, stable, v, vlen, kind);
		chain_link(st, kc, e);
	} else {
		return leaf_slow(st, path, plen, stable, v, vlen, kind);
	}
	const struct vgp_keyplan *kp = &e->plan;
	if (!(kp->flags & VGP_KP_PLAIN) || (kp->id == VG_FIELD_NONE && !stable))
		return leaf_full(st, kp, path, plen, stable, v, vlen, kind);
	if (kp->id != VG_FIELD_NONE) {
		vgp_set(st->ev, kp->id, v, vlen, kind);
	} else {
		vg_err err = add_extra(st, path, plen, v, vlen, kind);
		if (err != VG_OK)
			return err;
	}
	if (kp->alias >= 0) {
		alias_set(st, kp->alias, v, vlen, kind);
		if (kp->role != VGP_ROLE_NONE)
			leaf_role(st, kp->role, v, vlen, kind);
	}
	return VG_OK;
}

/* The object loop of json_walk.h with on_leaf inlined instead of called through
 * vgp_json_walk's callback pointer, and top-level keys guessed by the key chain
 * (key_guess) before they are scanned. */
#define JW_OBJECT       event_object
#define JW_KEY_GUESS    key_guess
#define JW_MEMBER_GUESS member_guess
#define JW_LEAF(p, path, stable, v, n, kind)                                             \
	on_leaf((p)->ud, path, jw_plen, stable, v, n, kind,                              \
	        (struct vgp_keycache_entry *)jw_hint)
#include "json_walk.h"

/* Set a field to a literal with the inline store: the ids are the parser's, looked
 * up or interned at load time, so within every event's range; an event whose
 * value array could not grow is marked ev->oom, which vg_parse turns into
 * VG_ERR_NOMEM as vg_event_set's error would have been.  @return VG_OK. */
static vg_err set_lit(struct vg_event *ev, vg_field id, const char *lit)
{
	vgp_set(ev, id, lit, strlen(lit), VG_VK_STR);
	return VG_OK;
}

static vg_err set_lit_if_unset(struct vg_event *ev, vg_field id, const char *lit)
{
	return vg_event_get(ev, id) ? VG_OK : set_lit(ev, id, lit);
}

/* set_lit_if_unset for text of known length (the category tables below). */
static inline void set_str_if_unset(struct vg_event *ev, vg_field id, struct vg_str v)
{
	if ((uint32_t)id < ev->nslots && !ev->slot[id])
		vgp_set(ev, id, v.ptr, v.len, VG_VK_STR);
}

/* Bytes of a word that must be digits (0x80) and separators (0xff) in
 * "YYYY-MM-" (s[0..8)) and "hh:mm:ss" (s[11..19)), and the words with '0' in the
 * digit positions and the separators in theirs (little-endian byte order). */
#define TF_DATE_DIGITS  UINT64_C(0x0080800080808080)
#define TF_DATE_SEPS    UINT64_C(0xff0000ff00000000)
#define TF_CLOCK_DIGITS UINT64_C(0x8080008080008080)
#define TF_CLOCK_SEPS   UINT64_C(0x0000ff0000ff0000)
#define TF_DATE         UINT64_C(0x2d30302d30303030) /* "0000-00-" */
#define TF_CLOCK        UINT64_C(0x30303a30303a3030) /* "00:00:00" */
#define TF_ONES         UINT64_C(0x0101010101010101)

/* Whether the bytes of t = word ^ template flagged in digits are 0..9 (a digit
 * byte d gives d ^ '0' in 0..9) and those flagged in seps are 0 (the separator).
 * A carry out of a byte over 0x89 may flag the next byte too: that only rejects
 * (the caller then takes the general parser), never accepts a bad byte. */
static inline bool tf_ok(uint64_t t, uint64_t digits, uint64_t seps)
{
	return !((((t + TF_ONES * 0x76) | t) & digits) | (t & seps));
}

/* The two-digit number at byte k of t (tens first, as in the text). */
static inline int tf_2(uint64_t t, int k)
{
	return (int)((t >> (8 * k)) & 0xff) * 10 + (int)((t >> (8 * k + 8)) & 0xff);
}

bool vgp_time_fast_memo(const char *s, size_t len, vg_time *out,
                        struct vgp_date_memo *memo)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (len < 19 || (s[10] != ' ' && s[10] != 'T' && s[10] != 't'))
		return false;
	uint64_t w0 = load64(s), w8 = load64(s + 8);
	uint64_t clock = load64(s + 11) ^ TF_CLOCK;
	if (!tf_ok(clock, TF_CLOCK_DIGITS, TF_CLOCK_SEPS))
		return false;
	int h = tf_2(clock, 0), mi = tf_2(clock, 3), sec = tf_2(clock, 6);
	if (h > 23 || mi > 59 || sec > 60)
		return false;
	int64_t days;
	/* s[0..10): the date; the memo holds the last one accepted and its day
	 * count (a date that passed the checks below always passes them) */
	uint16_t dd = (uint16_t)w8;
	if (memo && memo->valid && memo->date == w0 && memo->dd == dd) {
		days = memo->days;
	} else {
		uint64_t date = w0 ^ TF_DATE, day = w8 ^ TF_CLOCK;
		/* day: "DD" in its first two bytes ("DD?hh:mm" ^ "00:00:00") */
		if (!tf_ok(date, TF_DATE_DIGITS, TF_DATE_SEPS) ||
		    !tf_ok(day, UINT64_C(0x8080), 0))
			return false;
		static const unsigned char dm[13] = {0,  31, 28, 31, 30, 31, 30,
		                                     31, 31, 30, 31, 30, 31};
		int y = tf_2(date, 0) * 100 + tf_2(date, 2), mo = tf_2(date, 5),
		    d = tf_2(day, 0);
		if (mo < 1 || mo > 12 || d < 1)
			return false;
		if (d > dm[mo] && !(mo == 2 && d == 29 &&
		                    (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))))
			return false;
		/* days since 1970-01-01 (proleptic Gregorian): the leap days before
		 * March of year yy counted from 400 years earlier, so the divisions
		 * see no negative year (one 400-year cycle has 97 leap days) */
		static const uint16_t before[13] = {0,   0,   31,  59,  90,  120, 151,
		                                    181, 212, 243, 273, 304, 334};
		uint32_t yy = (uint32_t)y + 400 - (mo <= 2);
		days = 365 * (int64_t)y + (int64_t)(yy / 4 - yy / 100 + yy / 400) - 97 +
		       before[mo] + d - 1 - 719527;
		if (memo) {
			memo->date = w0;
			memo->dd = dd;
			memo->days = days;
			memo->valid = true;
		}
	}
	if (sec == 60)
		sec = 59; /* as vg_time_parse_rfc3339: a leap second is clamped */
	size_t i = 19;
	uint32_t usec = 0;
	if (i < len && (s[i] == '.' || s[i] == ',')) {
		static const uint32_t scale[7] = {0, 100000, 10000, 1000, 100, 10, 1};
		size_t start = ++i;
		while (i < len && (unsigned)(s[i] - '0') < 10 && i - start < 7)
			usec = usec * 10 + (uint32_t)(s[i++] - '0');
		if (i == start || i - start > 6)
			return false; /* no digit, or more than 6: the general parser */
		usec *= scale[i - start];
	}
	if (i < len && !((s[i] == 'Z' || s[i] == 'z') && i + 1 == len))
		return false; /* an offset, or anything else: the general parser */
	*out = (days * 86400 + h * 3600 + mi * 60 + sec) * VG_USEC_PER_SEC + usec;
	return true;
#else
	(void)s;
	(void)len;
	(void)out;
	(void)memo;
	return false;
#endif
}

bool vgp_time_fast(const char *s, size_t len, vg_time *out)
{
	return vgp_time_fast_memo(s, len, out, NULL);
}

/* vgp_parse_time_loose past its fast path. */
NOINLINE static vg_err time_loose_slow(const char *s, size_t len, vg_time *out)
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

vg_err vgp_parse_time_loose(const char *s, size_t len, vg_time *out)
{
	return vgp_time_fast(s, len, out) ? VG_OK : time_loose_slow(s, len, out);
}

/* vg_str_eq against a string literal, its length known at compile time. */
#define STR_IS(s, lit)                                                                   \
	((s).len == sizeof(lit) - 1 && memcmp((s).ptr, lit, sizeof(lit) - 1) == 0)

/* Small decimal text -> number, or -1. */
struct wincat {
	int id;
	struct vg_str category, type, outcome; /* outcome.ptr NULL: none */
};

/* A table entry's text with its length. */
#define WC(s)                                                                            \
	{                                                                                \
		s, sizeof(s) - 1                                                         \
	}
#define WC_0                                                                             \
	{                                                                                \
		NULL, 0                                                                  \
	}

/* Sysmon event ids (Sysmon 15 schema) -> ECS category / type. */
static const struct wincat g_sysmon[] = {
    {1, WC("process"), WC("start"), WC_0},
    {2, WC("file"), WC("change"), WC_0},
    {3, WC("network"), WC("start"), WC_0},
    {4, WC("configuration"), WC("change"), WC_0},
    {5, WC("process"), WC("end"), WC_0},
    {6, WC("driver"), WC("start"), WC_0},
    {7, WC("process"), WC("change"), WC_0},
    {8, WC("process"), WC("change"), WC_0},
    {9, WC("file"), WC("access"), WC_0},
    {10, WC("process"), WC("access"), WC_0},
    {11, WC("file"), WC("creation"), WC_0},
    {12, WC("registry"), WC("change"), WC_0},
    {13, WC("registry"), WC("change"), WC_0},
    {14, WC("registry"), WC("change"), WC_0},
    {15, WC("file"), WC("creation"), WC_0},
    {16, WC("configuration"), WC("change"), WC_0},
    {17, WC("file"), WC("creation"), WC_0},
    {18, WC("file"), WC("access"), WC_0},
    {19, WC("process"), WC("creation"), WC_0},
    {20, WC("process"), WC("creation"), WC_0},
    {21, WC("process"), WC("access"), WC_0},
    {22, WC("network"), WC("info"), WC_0},
    {23, WC("file"), WC("deletion"), WC_0},
    {24, WC("process"), WC("info"), WC_0},
    {25, WC("process"), WC("change"), WC_0},
    {26, WC("file"), WC("deletion"), WC_0},
    {27, WC("file"), WC("denied"), WC_0},
    {28, WC("file"), WC("denied"), WC_0},
    {29, WC("file"), WC("creation"), WC_0},
};

/* Windows Security audit event ids -> ECS category / type / outcome. */
static const struct wincat g_security[] = {
    {1102, WC("configuration"), WC("deletion"), WC_0},
    {4624, WC("authentication"), WC("start"), WC("success")},
    {4625, WC("authentication"), WC("start"), WC("failure")},
    {4634, WC("authentication"), WC("end"), WC("success")},
    {4647, WC("authentication"), WC("end"), WC("success")},
    {4648, WC("authentication"), WC("start"), WC("success")},
    {4656, WC("file"), WC("access"), WC_0},
    {4657, WC("registry"), WC("change"), WC_0},
    {4663, WC("file"), WC("access"), WC_0},
    {4672, WC("iam"), WC("admin"), WC_0},
    {4688, WC("process"), WC("start"), WC_0},
    {4689, WC("process"), WC("end"), WC_0},
    {4697, WC("configuration"), WC("creation"), WC_0},
    {4698, WC("configuration"), WC("creation"), WC_0},
    {4699, WC("configuration"), WC("deletion"), WC_0},
    {4702, WC("configuration"), WC("change"), WC_0},
    {4719, WC("configuration"), WC("change"), WC_0},
    {4720, WC("iam"), WC("creation"), WC_0},
    {4722, WC("iam"), WC("change"), WC_0},
    {4723, WC("iam"), WC("change"), WC_0},
    {4724, WC("iam"), WC("change"), WC_0},
    {4725, WC("iam"), WC("change"), WC_0},
    {4726, WC("iam"), WC("deletion"), WC_0},
    {4728, WC("iam"), WC("change"), WC_0},
    {4732, WC("iam"), WC("change"), WC_0},
    {4738, WC("iam"), WC("change"), WC_0},
    {4740, WC("iam"), WC("change"), WC_0},
    {4756, WC("iam"), WC("change"), WC_0},
    {4768, WC("authentication"), WC("start"), WC_0},
    {4769, WC("authentication"), WC("start"), WC_0},
    {4771, WC("authentication"), WC("start"), WC("failure")},
    {4776, WC("authentication"), WC("start"), WC_0},
    {4798, WC("iam"), WC("info"), WC_0},
    {4799, WC("iam"), WC("info"), WC_0},
    {5140, WC("file"), WC("access"), WC_0},
    {5145, WC("file"), WC("access"), WC_0},
    {5156, WC("network"), WC("start"), WC("success")},
    {5157, WC("network"), WC("start"), WC("failure")},
    {5158, WC("network"), WC("info"), WC_0},
    {7045, WC("configuration"), WC("creation"), WC_0},
};

/* Are the 8 bytes of *x hex digits?  Then *x becomes them in lowercase (OR 0x20:
 * 'A'..'F' become 'a'..'f', digits have the bit already).  Each byte checked at
 * once (SWAR): a byte b < 0x80 is in [lo, hi] when b + 0x80 - lo has its high bit
 * and b + 0x7f - hi has not; digits are checked before the OR (0x10..0x19 would
 * pass as digits after it), letters after. */
static inline bool hex8_lower(uint64_t *x)
{
	const uint64_t ones = UINT64_C(0x0101010101010101), high = ones * 0x80;
	uint64_t b = *x, y = b | ones * 0x20;
	if (b & high)
		return false;
	uint64_t digit = (b + ones * (0x80 - '0')) & ~(b + ones * (0x7f - '9'));
	uint64_t letter = (y + ones * (0x80 - 'a')) & ~(y + ones * (0x7f - 'f'));
	if (((digit | letter) & high) != high)
		return false;
	*x = y;
	return true;
}

/* Sysmon's Hashes ("SHA1=...,MD5=...,SHA256=...,IMPHASH=...", the algorithms its
 * HashAlgorithms setting chose; Hash in event 15): the SHA-256 in lowercase hex as
 * process.hash.sha256 of a process start (1) and file.hash.sha256 of the driver,
 * image or file of the others, as winlogbeat's Sysmon module sets them.  A hash
 * entity links the alerts of one binary on every host it ran on. */
static vg_err sysmon_sha256(const struct vg_parser *parser, struct vgp_json_state *st,
                            long id)
{
	const char *p = st->hashes.ptr, *end = p + st->hashes.len;
	vg_field f =
	    id == 1 ? parser->ep.process_hash_sha256 : parser->ep.file_hash_sha256;
	if (id != 1 && id != 6 && id != 7 && id != 15 && id != 23 && id != 24 &&
	    id != 26 && id != 29)
		return VG_OK;
	for (; end - p >= 7 + 64; p++) { /* p: the start of a token */
		if ((p[0] | 0x20) == 's' && (p[1] | 0x20) == 'h' &&
		    (p[2] | 0x20) == 'a' && p[3] == '2' && p[4] == '5' && p[5] == '6' &&
		    p[6] == '=') {
			const char *h = p + 7;
			if ((h + 64 < end && h[64] != ',') ||
			    (uint32_t)f >= st->ev->nslots || st->ev->slot[f])
				return VG_OK; /* too long, or the record named it */
			char *lower = vg_arena_alloc_raw(st->ev->arena, 64);
			if (!lower)
				return VG_ERR_NOMEM;
			for (size_t n = 0; n < 64; n += 8) {
				uint64_t x;
				memcpy(&x, h + n, 8);
				if (!hex8_lower(&x))
					return VG_OK; /* not a SHA-256: nothing (64 bytes
					                 lost) */
				memcpy(lower + n, &x, 8);
			}
			vgp_set(st->ev, f, lower, 64, VG_VK_STR);
			return VG_OK;
		}
		const char *c = memchr(p, ',', (size_t)(end - p));
		if (!c)
			break;
		p = c; /* the loop steps past the comma */
	}
	return VG_OK;
}

/* Windows Security writes process ids in hex ("0x1a2c"); process.pid and
 * process.parent.pid are numbers (fields.yaml: long), in decimal as Sysmon and every
 * other source writes them, so one process has one pid across sources.  The vendor
 * fields (NewProcessId, ProcessId) keep the text as written. */
static vg_err hex_pid(struct vgp_json_state *st, vg_field f)
{
	const struct vg_value *v = vg_event_get(st->ev, f);
	if (!v || v->len < 3 || v->len > 18 || v->ptr[0] != '0' ||
	    (v->ptr[1] | 0x20) != 'x')
		return VG_OK;
	uint64_t pid = 0;
	for (uint32_t i = 2; i < v->len; i++) {
		int d = vg_hex_digit(v->ptr[i]);
		if (d < 0)
			return VG_OK; /* not hex: left as written */
		pid = pid << 4 | (uint64_t)d;
	}
	char *d = vg_arena_alloc_raw(st->ev->arena, 20), *e = d + 20, *q = e;
	if (!d)
		return VG_ERR_NOMEM;
	do
		*--q = (char)('0' + pid % 10);
	while ((pid /= 10) != 0);
	vgp_set(st->ev, f, q, (size_t)(e - q), VG_VK_NUM);
	return VG_OK;
}

/* Windows event log channels -> event.dataset: the Sigma service reading the
 * channel (pySigma's windows_logsource_mapping, and the channels SigmaHQ rules name
 * in their logsource definitions), so that schemas/logsources.yaml maps each
 * `service` to its dataset and a rule for one log never runs on another's events.
 * Channel names are compared ignoring case, as Windows compares them. */
static const struct {
	const char *channel, *dataset;
} g_channels[] = {
    {"Security", "security"},
    {"System", "system"},
    {"Application", "application"},
    {"Microsoft-Windows-PowerShell/Operational", "powershell"},
    {"PowerShellCore/Operational", "powershell"},
    {"Windows PowerShell", "powershell-classic"},
    {"Microsoft-Windows-TaskScheduler/Operational", "taskscheduler"},
    {"Microsoft-Windows-WMI-Activity/Operational", "wmi"},
    {"DNS Server", "dns-server"},
    {"Microsoft-Windows-DNS-Server/Audit", "dns-server-audit"},
    {"Microsoft-Windows-DNS-Server/Analytical", "dns-server-analytic"},
    {"Microsoft-Windows-DNS Client Events/Operational", "dns-client"},
    {"Microsoft-Windows-DriverFrameworks-UserMode/Operational", "driver-framework"},
    {"Microsoft-Windows-NTLM/Operational", "ntlm"},
    {"Microsoft-Windows-DHCP-Server/Operational", "dhcp"},
    {"MSExchange Management", "msexchange-management"},
    {"Microsoft-Windows-AppLocker/MSI and Script", "applocker"},
    {"Microsoft-Windows-AppLocker/EXE and DLL", "applocker"},
    {"Microsoft-Windows-AppLocker/Packaged app-Deployment", "applocker"},
    {"Microsoft-Windows-AppLocker/Packaged app-Execution", "applocker"},
    {"Microsoft-Windows-PrintService/Admin", "printservice-admin"},
    {"Microsoft-Windows-PrintService/Operational", "printservice-operational"},
    {"Microsoft-Windows-CodeIntegrity/Operational", "codeintegrity-operational"},
    {"Microsoft-Windows-SmbClient/Security", "smbclient-security"},
    {"Microsoft-Windows-Windows Firewall With Advanced Security/Firewall", "firewall-as"},
    {"Microsoft-Windows-Bits-Client/Operational", "bits-client"},
    {"Microsoft-Windows-Windows Defender/Operational", "windefend"},
    {"Microsoft-Windows-TerminalServices-LocalSessionManager/Operational",
     "terminalservices-localsessionmanager"},
    {"Microsoft-ServiceBus-Client", "microsoft-servicebus-client"},
    {"Microsoft-Windows-LDAP-Client/Debug", "ldap"},
    {"Microsoft-Windows-Security-Mitigations/Kernel Mode", "security-mitigations"},
    {"Microsoft-Windows-Security-Mitigations/User Mode", "security-mitigations"},
    {"Microsoft-Windows-Diagnosis-Scripted/Operational", "diagnosis-scripted"},
    {"Microsoft-Windows-Shell-Core/Operational", "shell-core"},
    {"OpenSSH/Operational", "openssh"},
    {"Microsoft-Windows-BitLocker/BitLocker Management", "bitlocker"},
    {"Microsoft-Windows-LSA/Operational", "lsa-server"},
    {"Microsoft-Windows-AppXDeploymentServer/Operational", "appxdeployment-server"},
};

/* The dataset of a Windows event: Sysmon's by its provider or channel, then the
 * channel's (g_channels), then by provider when the channel is missing (flat exports
 * keep only SourceName) or unknown.  NULL: neither names a log Vigil knows. */
static const char *windows_dataset(const struct vgp_json_state *st)
{
	if (STR_IS(st->provider, "Microsoft-Windows-Sysmon") ||
	    STR_IS(st->channel, "Microsoft-Windows-Sysmon/Operational"))
		return "sysmon";
	if (STR_IS(st->channel, "Security"))
		return "security";
	for (size_t i = 0;
	     st->channel.len && i < sizeof(g_channels) / sizeof(g_channels[0]); i++)
		if (vg_str_ieq(st->channel, g_channels[i].channel))
			return g_channels[i].dataset;
	if (STR_IS(st->provider, "Microsoft-Windows-Security-Auditing"))
		return "security";
	if (STR_IS(st->provider, "Microsoft-Windows-PowerShell"))
		return "powershell";
	return NULL;
}

static vg_err windows_category(const struct vg_parser *parser, struct vgp_json_state *st,
                               const char *ds)
{
	const struct vgp_ep_ids *ep = &parser->ep;
	const struct wincat *tab = NULL;
	size_t n = 0;
	long id = vgp_small_uint(st->slot[VGP_JS_WIN_EVENTID]);

	if (id < 0 || !ds)
		return VG_OK;
	/* ds is one of the literals of windows_dataset: Sysmon's ids, and Security's
	 * with the System log's service installation (7045); no other log's ids mean
	 * what these tables say */
	if (!strcmp(ds, "sysmon")) {
		tab = g_sysmon;
		n = sizeof(g_sysmon) / sizeof(g_sysmon[0]);
	} else if (!strcmp(ds, "security") || (!strcmp(ds, "system") && id == 7045)) {
		tab = g_security;
		n = sizeof(g_security) / sizeof(g_security[0]);
	} else {
		return VG_OK;
	}
	const struct wincat *w = NULL;
	if (id >= 1 && (size_t)id <= n && tab[id - 1].id == id) {
		w = &tab[id - 1]; /* Sysmon's table is indexed by its ids */
	} else {
		for (size_t i = 0; i < n && !w; i++)
			if (tab[i].id == id)
				w = &tab[i];
	}
	if (w) {
		set_str_if_unset(st->ev, ep->event_category, w->category);
		set_str_if_unset(st->ev, ep->event_type, w->type);
		if (w->outcome.ptr)
			set_str_if_unset(st->ev, ep->event_outcome, w->outcome);
	}
	if (tab == g_sysmon && st->hashes.len)
		return sysmon_sha256(parser, st, id);
	if (tab == g_security && id == 4688) {
		/* process start: ProcessId (Wazuh: processId) is the creator; the
		 * new process's NewProcessId is listed before it among the aliases
		 * of process.pid (schemas/field-aliases.yaml) */
		const struct vg_value *cr = vg_event_get_named(st->ev, "ProcessId");
		if (!cr)
			cr = vg_event_get_named(st->ev, "processId");
		if (cr && (uint32_t)ep->process_parent_pid < st->ev->nslots &&
		    !st->ev->slot[ep->process_parent_pid])
			vgp_set(st->ev, ep->process_parent_pid, cr->ptr, cr->len,
			        cr->kind);
	}
	if (tab == g_security) {
		vg_err err = hex_pid(st, parser->id.process_pid);
		if (!err)
			err = hex_pid(st, ep->process_parent_pid);
		return err;
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
	struct vg_str action = sl[VGP_JS_OSQ_ACTION];
	if (!action.len)
		return VG_OK;
	if ((err =
	         vg_event_set(ev, ep->osquery_action, action.ptr, action.len, VG_VK_STR)))
		return err;
	/* a row added to or removed from the query's results since the last run; a
	 * snapshot lists the rows there are (ECS "info"); another action says
	 * nothing known */
	const char *type = vg_str_eq(action, "added")      ? "creation"
	                   : vg_str_eq(action, "removed")  ? "deletion"
	                   : vg_str_eq(action, "snapshot") ? "info"
	                                                   : NULL;
	return type ? set_lit_if_unset(ev, ep->event_type, type) : VG_OK;
}

/* A time given as a number since 1970 ("[-]D[.F]", a JSON number or text), its
 * unit told by the integer part's digits, as loggers write them: up to 11
 * seconds (to the year 5138), 12 to 14 milliseconds, 15 to 17 microseconds, 18 or
 * 19 nanoseconds; a fraction is read to the microsecond.  seconds: the unit is the
 * second whatever the digits (osquery's unixTime), up to 12 of them.  -> *out.
 * @return false for anything else (an exponent, more digits, a time before the
 * year 0000, which no RFC 3339 time -- stored, published, in STIX -- can write). */
static bool unix_epoch(const char *s, size_t n, bool seconds, vg_time *out)
{
	size_t i = n && s[0] == '-', d = i, cap = seconds ? 12 : 19;
	uint64_t v = 0;
	for (; i < n && s[i] >= '0' && s[i] <= '9' && i - d < cap; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	size_t digits = i - d;
	if (!digits || (i < n && s[i] >= '0' && s[i] <= '9'))
		return false;
	/* microseconds per unit; the fraction scaled the same way */
	int64_t per = seconds || digits <= 11 ? VG_USEC_PER_SEC : digits <= 14 ? 1000 : 1;
	int64_t t = digits <= 17 ? (int64_t)v * per : (int64_t)(v / 1000);
	if (i < n && s[i] == '.') {
		size_t f = ++i;
		int64_t scale = per; /* what the fraction's first digit is worth x 10 */
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			if (scale >= 10) {
				scale /= 10;
				t += (s[i] - '0') * scale;
			}
		if (i == f)
			return false;
	}
	if (i != n)
		return false;
	/* 0000-01-01T00:00:00Z is 62,167,219,200 s before 1970 */
	if (s[0] == '-' && t > INT64_C(62167219200) * VG_USEC_PER_SEC)
		return false;
	*out = s[0] == '-' ? -t : t;
	return true;
}

vg_err vgp_parse_json_event(const struct vg_parser *parser, struct vg_parse_ctx *ctx,
                            const char *buf, size_t len, vg_time ref_time,
                            struct vg_event *ev, const char **reason)
{
	struct vgp_json_state *st = &ctx->js;
	int16_t *prio = st->prio;
	vg_err err;

	/* all of the state but slot[], and the slots the last record set */
	uint64_t dirty = st->slots_set;
	memset(st, 0, offsetof(struct vgp_json_state, slot));
	for (; dirty; dirty &= dirty - 1)
		st->slot[__builtin_ctzll(dirty)] = (struct vg_str){0};
	st->prio = prio;
	st->keys = ctx->keys;
	size_t nfields = vg_field_count();
	if (st->keys->parser != parser || st->keys->nfields != nfields)
		keycache_reset(st->keys, parser, nfields); /* the plans may be stale */
	st->pred = st->keys->first;
	st->ev = ev;
	st->arena = ev->arena;
	st->parser = parser;
	for (size_t i = 0; i < parser->aliases.ntargets; i++)
		prio[i] = INT16_MAX;

	/* One block, not zeroed, for the extras nodes (as many as the last record
	 * took: consecutive records of a stream are mostly alike, a Sysmon event
	 * carries ~20; vg_event_add_extra would take them 8 at a time) and the
	 * decoded string values: as many bytes as the record's own (a value never
	 * decodes longer than its quoted text), up to VGP_POOL_MAX, plus the
	 * VGP_POOL_SLACK the decoders ask for; what the values did not take is given
	 * back to the arena after the walk.  What does not fit (or when the block
	 * cannot be had: then a failure is reported as before) takes those ways. */
	struct vgp_jp jp = {.arena = ev->arena, .path = ctx->path, .ud = st};
	uint32_t nextras = ev->nextras, xn = ev->nspare ? 0 : ctx->extras_hint;
	size_t pool_max = ctx->pool_max ? ctx->pool_max : VGP_POOL_MAX;
	size_t pool = (len < pool_max ? len : pool_max) + VGP_POOL_SLACK + 8 +
	              VGP_EXTRAS_REFILL * sizeof(struct vg_extra);
	/* An empty event whose vals[] the last record outgrew gets that record's
	 * count at once: growing it (vg_event_set, doubling into a zeroed copy)
	 * cost ~250 instructions in half of the Sysmon events.  The initial vals[]
	 * is abandoned to the arena as grow() abandons an outgrown one; event.c's
	 * invariants hold (cap only grows, nset is 0). */
	uint32_t vn = ev->nset == 0 && ctx->vals_hint > ev->cap ? ctx->vals_hint : 0;
	/* not zeroed: add_extra writes every member of a node, decoded values are
	 * written before they are read, and so is each vals[k] */
	size_t head = (size_t)vn * sizeof(struct vg_value) + xn * sizeof(struct vg_extra);
	char *block = vg_arena_alloc_raw(ev->arena, head + pool);
	if (block) {
		if (vn) {
			ev->vals = (struct vg_value *)(void *)block;
			ev->cap = vn;
		}
		if (xn) {
			ev->spare =
			    (struct vg_extra *)(void *)(block +
			                                vn * sizeof(struct vg_value));
			ev->nspare = xn;
		}
		jp.pool = block + head;
		jp.pool_left = pool;
	}
	st->jp = &jp;
	err = vgp_jp_walk(&jp, buf, len, event_object, reason);
	st->jp = NULL; /* later extras take vg_event_add_extra's way */
	/* (the decoders' 16-byte stores past a value end inside the block: done;
	 * the nodes extra_refill took from the room are below jp.pool) */
	if (block)
		vg_arena_shrink(ev->arena, block, head + pool,
		                head + (pool - jp.pool_left));
	nextras = ev->nextras - nextras;
	ctx->extras_hint = nextras < VGP_EXTRAS_HINT_MAX ? nextras : VGP_EXTRAS_HINT_MAX;
	if (err != VG_OK)
		return err;

	/* The best time the record gives that can be read (RFC 3339 and its kin, or a
	 * number since 1970: unix_epoch); one that cannot falls back to the next.  A
	 * record whose every time is unreadable is a dead letter, as RFC 5424 / 3164
	 * lines with a bad timestamp are: the time it claims would otherwise silently
	 * become the time it was read.  A record with no time (or an empty or null one)
	 * takes ref_time, like an RFC 5424 NILVALUE. */
	static const char *const ts_names[VGP_TS_SLOTS] = {
	    [TS_AT_TIMESTAMP] = "@timestamp", [TS_TIMESTAMP] = "timestamp",
	    [TS_UTCTIME] = "UtcTime",         [TS_SYSTEMTIME] = "SystemTime",
	    [TS_TIMECREATED] = "TimeCreated", [TS_EVENTTIME] = "EventTime",
	};
	ev->ts = ref_time;
	bool have_ts = false;
	struct vg_str bad = {NULL, 0}; /* the best time that could not be read */
	const char *bad_name = NULL;
	for (size_t i = 0; i < VGP_TS_SLOTS; i++) {
		vg_time t;
		if (!st->ts[i].len)
			continue;
		if (vgp_time_fast_memo(st->ts[i].ptr, st->ts[i].len, &t,
		                       &ctx->date_memo) ||
		    time_loose_slow(st->ts[i].ptr, st->ts[i].len, &t) == VG_OK ||
		    unix_epoch(st->ts[i].ptr, st->ts[i].len, false, &t)) {
			ev->ts = t;
			have_ts = true;
			break;
		}
		if (!bad_name) {
			bad = st->ts[i];
			bad_name = ts_names[i];
		}
	}
	/* osquery's unixTime: seconds since 1970 (before it with a '-') */
	struct vg_str ut = st->slot[VGP_JS_OSQ_UNIXTIME];
	vg_time t;
	if (!have_ts && ut.len) {
		if (unix_epoch(ut.ptr, ut.len, true, &t)) {
			ev->ts = t;
			have_ts = true;
		} else if (!bad_name) {
			bad = ut;
			bad_name = "unixTime";
		}
	}
	if (!have_ts && bad_name) {
		/* the value's offset (a string's opening quote), as the walk's reasons
		 * give; a value decoded from escapes is not in the record: none */
		const char *v = bad.ptr;
		if (v >= buf && v < buf + len) {
			size_t off = (size_t)(v - buf);
			if (off && buf[off - 1] == '"')
				off--;
			*reason = vgp_reason(
			    ev->arena, "json: invalid timestamp in %s at offset %zu",
			    bad_name, off);
		} else {
			*reason = vgp_reason(ev->arena, "json: invalid timestamp in %s",
			                     bad_name);
		}
		return VG_ERR_PARSE;
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
	/* the provider of an evtx rendering (System.Provider.Name, or its
	 * #attributes.Name) is no vendor alias: Sigma's Provider_Name means it */
	if (windows && st->provider.len)
		set_str_if_unset(ev, parser->ep.event_provider, st->provider);
	const char *ds = windows ? windows_dataset(st) : NULL;
	if (ds && !st->explicit_dataset && (err = set_lit(ev, id->event_dataset, ds)))
		return err;
	if (windows && !shape && (err = windows_category(parser, st, ds)))
		return err;
	null_aliases(st);
	err = set_lit(ev, id->vigil_format, "json");
	ctx->vals_hint = ev->nset < VGP_VALS_HINT_MAX ? ev->nset : VGP_VALS_HINT_MAX;
	return err;
}
