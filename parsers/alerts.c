/*
 * alerts.c - other detectors' alerts as input: AIT-ADS alert CSV rows, and the
 * Suricata EVE / Wazuh alert shapes recognised inside JSON records.
 *
 * An alert from another product becomes an ordinary normalized event with
 * event.kind "alert", rule.name / rule.id naming the foreign rule, event.severity its
 * level, and event.module / event.dataset naming the product ("suricata" /
 * "suricata.eve", "wazuh" / "wazuh.alerts", "aminer" / "aminer.alerts"), so the same
 * rules and incident assembly work on them.  What the detector says about its own
 * alert is kept for ranking: its severity as a Sigma level (vigil.alert.level, see
 * wazuh_level / suricata_level) and the ATT&CK tactics and techniques its rule names
 * (threat.tactic.name, threat.technique.id: Wazuh rule.mitre.*, Suricata
 * alert.metadata.mitre_*), which incident assembly turns into the alert's level and
 * ATT&CK tags (correlate/assemble.c).
 *
 * AIT-ADS rows (time,name,ip,host,short,time_label,event_label) follow RFC 4180
 * quoting.  Invariant: the two label columns are evaluation ground truth and never
 * reach the event - they are not stored as fields and ev->raw is cut before them.
 * Values point into the record unless a quoted field holds "" escapes, which are
 * decoded once into the arena.  The header row is a dead letter ("aitads: header
 * row"), so a file read whole reports one per file and nothing is skipped silently.
 */
#include "parsers_int.h"

#include <string.h>

#define AITADS_FIELDS 7

static vg_err set_lit(struct vg_event *ev, vg_field id, const char *lit)
{
	return vg_event_set(ev, id, lit, strlen(lit), VG_VK_STR);
}

static vg_err set_str(struct vg_event *ev, vg_field id, struct vg_str s)
{
	return s.len ? vg_event_set(ev, id, s.ptr, s.len, VG_VK_STR) : VG_OK;
}

static vg_err set_str_if_unset(struct vg_event *ev, vg_field id, struct vg_str s,
                               enum vg_value_kind kind)
{
	if (!s.len || vg_event_get(ev, id))
		return VG_OK;
	return vg_event_set(ev, id, s.ptr, s.len, kind);
}

/* A lowercase copy of s in the arena (NULL when out of memory). */
static const char *lower_copy(struct vg_arena *arena, const char *s, size_t n)
{
	char *o = vg_arena_alloc(arena, n + 1);
	if (!o)
		return NULL;
	for (size_t i = 0; i < n; i++)
		o[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
	o[n] = '\0';
	return o;
}

static vg_err set_lower(struct vg_event *ev, vg_field id, struct vg_str s)
{
	if (!s.len)
		return VG_OK;
	const char *l = lower_copy(ev->arena, s.ptr, s.len);
	if (!l)
		return VG_ERR_NOMEM;
	return vg_event_set(ev, id, l, s.len, VG_VK_STR);
}

static bool all_digits(const char *s, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* ------------------------------------------------------------ AIT-ADS CSV */

struct csv_field {
	const char *p;
	size_t n;
	size_t col; /* 1-based column of the field's first byte */
};

/*
 * Split one CSV row into at most AITADS_FIELDS fields (RFC 4180: a quoted field may
 * hold commas and "" for a quote).  *end5 is the offset just past the 5th field.
 * @return the number of fields, or -1 with *reason set.
 */
static int csv_split(struct vg_arena *arena, const char *buf, size_t len,
                     struct csv_field *f, size_t *end5, const char **reason)
{
	size_t i = 0;
	int n = 0;

	for (;;) {
		if (n == AITADS_FIELDS) {
			*reason =
			    vgp_reason(arena, "aitads: more than %d fields at column %zu",
			               AITADS_FIELDS, i);
			return -1;
		}
		struct csv_field *cur = &f[n++];
		cur->col = i + 1;
		if (i < len && buf[i] == '"') {
			size_t s = ++i;
			bool esc = false;
			for (;;) {
				if (i >= len) {
					*reason = vgp_reason(arena,
					                     "aitads: unterminated "
					                     "quoted field at column %zu",
					                     cur->col);
					return -1;
				}
				if (buf[i] == '"') {
					if (i + 1 < len && buf[i + 1] == '"') {
						esc = true;
						i += 2;
						continue;
					}
					break;
				}
				i++;
			}
			cur->p = buf + s;
			cur->n = i - s;
			i++; /* closing quote */
			if (esc) {
				char *o = vg_arena_alloc(arena, cur->n + 1);
				if (!o)
					return -2;
				size_t k = 0;
				for (size_t j = 0; j < cur->n; j++) {
					o[k++] = cur->p[j];
					if (cur->p[j] == '"')
						j++; /* "" -> " */
				}
				o[k] = '\0';
				cur->p = o;
				cur->n = k;
			}
			if (i < len && buf[i] != ',') {
				*reason = vgp_reason(
				    arena,
				    "aitads: unexpected character after quoted field at "
				    "column %zu",
				    i + 1);
				return -1;
			}
		} else {
			size_t s = i;
			while (i < len && buf[i] != ',') {
				if (buf[i] == '"') {
					*reason = vgp_reason(arena,
					                     "aitads: quote inside an "
					                     "unquoted field at column "
					                     "%zu",
					                     i + 1);
					return -1;
				}
				i++;
			}
			cur->p = buf + s;
			cur->n = i - s;
		}
		if (n == 5)
			*end5 = i;
		if (i >= len)
			return n;
		i++; /* ',' */
	}
}

/* Epoch seconds with an optional fraction (at most 6 digits) -> vg_time. */
static bool epoch_time(const char *s, size_t n, vg_time *out)
{
	size_t i = 0;
	int64_t sec = 0, usec = 0;
	while (i < n && s[i] >= '0' && s[i] <= '9') {
		if (i >= 12)
			return false;
		sec = sec * 10 + (s[i] - '0');
		i++;
	}
	if (i == 0)
		return false;
	if (i < n && s[i] == '.') {
		size_t d = ++i, k = 0;
		int64_t scale = 100000;
		while (i < n && s[i] >= '0' && s[i] <= '9' && k < 6) {
			usec += (s[i] - '0') * scale;
			scale /= 10;
			i++;
			k++;
		}
		if (i == d)
			return false;
	}
	if (i != n)
		return false;
	*out = sec * VG_USEC_PER_SEC + usec;
	return true;
}

/* event.module / event.dataset from a "Product: ..." alert name. */
static vg_err set_product(const struct vg_parser *parser, struct vg_event *ev,
                          struct vg_str name)
{
	static const struct {
		const char *prefix, *module, *dataset;
	} known[] = {
	    {"Wazuh", "wazuh", "wazuh.alerts"},
	    {"Suricata", "suricata", "suricata.eve"},
	    {"AMiner", "aminer", "aminer.alerts"},
	};
	const char *colon = memchr(name.ptr, ':', name.len);
	if (!colon)
		return VG_OK;
	size_t plen = (size_t)(colon - name.ptr);
	if (plen == 0 || plen > 32)
		return VG_OK;
	for (size_t i = 0; i < plen; i++) {
		char c = name.ptr[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return VG_OK;
	}
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (strlen(known[i].prefix) == plen &&
		    memcmp(known[i].prefix, name.ptr, plen) == 0) {
			vg_err err =
			    set_lit(ev, parser->id.event_module, known[i].module);
			return err ? err
			           : set_lit(ev, parser->id.event_dataset,
			                     known[i].dataset);
		}
	}
	const char *mod = lower_copy(ev->arena, name.ptr, plen);
	char *ds = vg_arena_alloc(ev->arena, plen + sizeof(".alerts"));
	if (!mod || !ds)
		return VG_ERR_NOMEM;
	memcpy(ds, mod, plen);
	memcpy(ds + plen, ".alerts", sizeof(".alerts"));
	vg_err err = vg_event_set(ev, parser->id.event_module, mod, plen, VG_VK_STR);
	return err ? err
	           : vg_event_set(ev, parser->id.event_dataset, ds,
	                          plen + sizeof(".alerts") - 1, VG_VK_STR);
}

vg_err vgp_parse_aitads(const struct vg_parser *parser, const char *buf, size_t len,
                        struct vg_event *ev, const char **reason)
{
	const struct vgp_ep_ids *ep = &parser->ep;
	struct csv_field f[AITADS_FIELDS];
	size_t end5 = len;
	vg_err err;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];
		if (c < 0x20 && c != '\t') {
			*reason = vgp_reason(
			    ev->arena, "aitads: control character at column %zu", i + 1);
			return VG_ERR_PARSE;
		}
	}
	size_t bad = vg_utf8_check(buf, len);
	if (bad < len) {
		*reason =
		    vgp_reason(ev->arena, "aitads: invalid UTF-8 at column %zu", bad + 1);
		return VG_ERR_PARSE;
	}
	int n = csv_split(ev->arena, buf, len, f, &end5, reason);
	if (n == -2)
		return VG_ERR_NOMEM;
	if (n < 0)
		return VG_ERR_PARSE;
	if (f[0].n == 4 && memcmp(f[0].p, "time", 4) == 0) {
		*reason = "aitads: header row";
		return VG_ERR_PARSE;
	}
	if (n != AITADS_FIELDS) {
		*reason = vgp_reason(ev->arena, "aitads: expected %d fields, found %d",
		                     AITADS_FIELDS, n);
		return VG_ERR_PARSE;
	}
	if (!epoch_time(f[0].p, f[0].n, &ev->ts)) {
		*reason = "aitads: invalid time at column 1";
		return VG_ERR_PARSE;
	}
	if (f[1].n == 0) {
		*reason =
		    vgp_reason(ev->arena, "aitads: empty name at column %zu", f[1].col);
		return VG_ERR_PARSE;
	}
	/* The labels (fields 6 and 7) stop here: not even the raw record keeps them. */
	ev->raw = vg_str_make(buf, end5);

	struct vg_str name = vg_str_make(f[1].p, f[1].n);
	if ((err = set_str(ev, parser->id.message, name)) ||
	    (err = set_str(ev, ep->rule_name, name)) ||
	    (err = set_str(ev, ep->host_ip, vg_str_make(f[2].p, f[2].n))) ||
	    (err = set_str(ev, parser->id.host_name, vg_str_make(f[3].p, f[3].n))) ||
	    (err = set_str(ev, ep->rule_id, vg_str_make(f[4].p, f[4].n))) ||
	    (err = set_lit(ev, ep->event_kind, "alert")) ||
	    (err = set_product(parser, ev, name)))
		return err;
	return set_lit(ev, parser->id.vigil_format, "aitads");
}

/* ------------------------------------------------------- JSON alert shapes */

/* A detector's numeric severity as a Sigma level (LV_*, ordered; level_name gives
 * the vigil.alert.level text), or LV_NONE when the text is not a number.
 *  - Wazuh rule.level, by the OSSEC/Wazuh rules classification: 0-3 carry no
 *    security relevance (ignored, notifications, successful/authorized events) ->
 *    informational; 4-7 low-priority errors, user errors, low-relevance attacks,
 *    "bad word" matches -> low; 8-11 first time seen, invalid source, multiple
 *    errors, integrity warnings -> medium; 12-13 high-importance events and unusual
 *    errors -> high; 14 and above high-importance security events, severe attacks
 *    -> critical.
 *  - Suricata alert.severity (the classification priority, 1 the most severe):
 *    1 high, 2 medium, 3 low, 4 and above informational. */
enum { LV_NONE = -1, LV_INFO, LV_LOW, LV_MEDIUM, LV_HIGH, LV_CRITICAL };

static int wazuh_level(struct vg_str s)
{
	long n = vgp_small_uint(s);
	return n < 0     ? LV_NONE
	       : n <= 3  ? LV_INFO
	       : n <= 7  ? LV_LOW
	       : n <= 11 ? LV_MEDIUM
	       : n <= 13 ? LV_HIGH
	                 : LV_CRITICAL;
}

static int suricata_level(struct vg_str s)
{
	long n = vgp_small_uint(s);
	return n <= 0   ? LV_NONE
	       : n == 1 ? LV_HIGH
	       : n == 2 ? LV_MEDIUM
	       : n == 3 ? LV_LOW
	                : LV_INFO;
}

/* A level's name (Sigma's), NULL for LV_NONE. */
static const char *level_name(int level)
{
	static const char *const names[] = {"informational", "low", "medium", "high",
	                                    "critical"};
	return level >= LV_INFO && level <= LV_CRITICAL ? names[level] : NULL;
}

/* The detector's level and ATT&CK mapping, unless the record set them already. */
static vg_err set_alert_meta(const struct vg_parser *parser, struct vg_event *ev,
                             const char *level, struct vg_str tactic,
                             struct vg_str technique)
{
	const struct vgp_ep_ids *ep = &parser->ep;
	vg_err err;
	if (level && !vg_event_get(ev, ep->vigil_alert_level) &&
	    (err = set_lit(ev, ep->vigil_alert_level, level)))
		return err;
	if ((err = set_str_if_unset(ev, ep->threat_tactic_name, tactic, VG_VK_STR)))
		return err;
	return set_str_if_unset(ev, ep->threat_technique_id, technique, VG_VK_STR);
}

/* Split "a.b.c.d:port" (IPv4 with a port, as Wazuh writes dstip) at the colon. */
static void split_ipv4_port(struct vg_str s, struct vg_str *ip, struct vg_str *port)
{
	*ip = s;
	*port = vg_str_make(NULL, 0);
	const char *c = memchr(s.ptr, ':', s.len);
	if (!c || memchr(c + 1, ':', s.len - (size_t)(c - s.ptr) - 1))
		return; /* no colon, or IPv6 */
	size_t at = (size_t)(c - s.ptr);
	if (!all_digits(c + 1, s.len - at - 1))
		return;
	*ip = vg_str_make(s.ptr, at);
	*port = vg_str_make(c + 1, s.len - at - 1);
}

static vg_err suricata_eve(const struct vg_parser *parser, struct vgp_json_state *st)
{
	const struct vgp_ep_ids *ep = &parser->ep;
	struct vg_event *ev = st->ev;
	const struct vg_str *sl = st->slot;
	bool alert = vg_str_eq(sl[VGP_JS_EVENT_TYPE], "alert");
	vg_err err;

	if ((!st->explicit_module &&
	     (err = set_lit(ev, parser->id.event_module, "suricata"))) ||
	    (!st->explicit_dataset &&
	     (err = set_lit(ev, parser->id.event_dataset, "suricata.eve"))))
		return err;
	if (!vg_event_get(ev, ep->event_kind) &&
	    (err = set_lit(ev, ep->event_kind, alert ? "alert" : "event")))
		return err;
	if (!vg_event_get(ev, ep->event_category) &&
	    (err = set_lit(ev, ep->event_category,
	                   alert ? "intrusion_detection" : "network")))
		return err;
	if ((err = set_str_if_unset(ev, ep->rule_name, sl[VGP_JS_ALERT_SIGNATURE],
	                            VG_VK_STR)) ||
	    (err = set_str_if_unset(ev, ep->rule_id, sl[VGP_JS_ALERT_SIGNATURE_ID],
	                            VG_VK_STR)) ||
	    (err = set_str_if_unset(ev, ep->event_severity, sl[VGP_JS_ALERT_SEVERITY],
	                            VG_VK_NUM)) ||
	    (err = set_str_if_unset(ev, ep->rule_category, sl[VGP_JS_ALERT_CATEGORY],
	                            VG_VK_STR)) ||
	    (err = set_str_if_unset(ev, ep->event_action, sl[VGP_JS_ALERT_ACTION],
	                            VG_VK_STR)) ||
	    (err = set_str_if_unset(ev, parser->id.message, sl[VGP_JS_ALERT_SIGNATURE],
	                            VG_VK_STR)) ||
	    (err = set_str_if_unset(ev, ep->url_original, sl[VGP_JS_HTTP_URL],
	                            VG_VK_STR)) ||
	    (err = set_str_if_unset(ev, ep->http_request_method, sl[VGP_JS_HTTP_METHOD],
	                            VG_VK_STR)) ||
	    (err = set_str_if_unset(ev, ep->http_response_status_code,
	                            sl[VGP_JS_HTTP_STATUS], VG_VK_NUM)) ||
	    (err = set_str_if_unset(ev, ep->user_agent_original, sl[VGP_JS_HTTP_UA],
	                            VG_VK_STR)))
		return err;
	if (!vg_event_get(ev, ep->network_transport) &&
	    (err = set_lower(ev, ep->network_transport, sl[VGP_JS_PROTO])))
		return err;
	if (!vg_event_get(ev, ep->network_protocol) &&
	    (err = set_lower(ev, ep->network_protocol, sl[VGP_JS_APP_PROTO])))
		return err;
	if (!alert)
		return VG_OK;
	return set_alert_meta(
	    parser, ev, level_name(suricata_level(sl[VGP_JS_ALERT_SEVERITY])),
	    sl[VGP_JS_ALERT_MITRE_TACTIC], sl[VGP_JS_ALERT_MITRE_TECHNIQUE]);
}

static vg_err wazuh_alert(const struct vg_parser *parser, struct vgp_json_state *st)
{
	const struct vgp_ep_ids *ep = &parser->ep;
	struct vg_event *ev = st->ev;
	const struct vg_str *sl = st->slot;
	struct vg_str ip, port;
	vg_err err;

	if ((!st->explicit_module &&
	     (err = set_lit(ev, parser->id.event_module, "wazuh"))) ||
	    (!st->explicit_dataset &&
	     (err = set_lit(ev, parser->id.event_dataset, "wazuh.alerts"))))
		return err;
	if (!vg_event_get(ev, ep->event_kind) &&
	    (err = set_lit(ev, ep->event_kind, "alert")))
		return err;
	if ((err = set_str_if_unset(ev, ep->rule_name, sl[VGP_JS_RULE_DESCRIPTION],
	                            VG_VK_STR)) ||
	    (err = set_str_if_unset(ev, ep->event_severity, sl[VGP_JS_RULE_LEVEL],
	                            VG_VK_NUM)) ||
	    (err = set_str_if_unset(ev, parser->id.host_name, sl[VGP_JS_AGENT_NAME],
	                            VG_VK_STR)) ||
	    (err = set_str_if_unset(ev, parser->id.host_name, sl[VGP_JS_MANAGER_NAME],
	                            VG_VK_STR)) ||
	    (err = set_str_if_unset(ev, ep->host_ip, sl[VGP_JS_AGENT_IP], VG_VK_STR)) ||
	    (err = set_str_if_unset(ev, ep->source_port, sl[VGP_JS_DATA_SRCPORT],
	                            VG_VK_STR)) ||
	    (err = set_str_if_unset(ev, ep->destination_port, sl[VGP_JS_DATA_DSTPORT],
	                            VG_VK_STR)) ||
	    (err = set_str_if_unset(ev, ep->user_name, sl[VGP_JS_DATA_SRCUSER],
	                            VG_VK_STR)) ||
	    (err = set_str_if_unset(ev, ep->user_target_name, sl[VGP_JS_DATA_DSTUSER],
	                            VG_VK_STR)) ||
	    (err = set_str_if_unset(ev, parser->id.message, sl[VGP_JS_FULL_LOG],
	                            VG_VK_STR)))
		return err;
	if (sl[VGP_JS_DATA_SRCIP].len) {
		split_ipv4_port(sl[VGP_JS_DATA_SRCIP], &ip, &port);
		if ((err = set_str_if_unset(ev, ep->source_ip, ip, VG_VK_STR)) ||
		    (err = set_str_if_unset(ev, ep->source_port, port, VG_VK_STR)))
			return err;
	}
	if (sl[VGP_JS_DATA_DSTIP].len) {
		split_ipv4_port(sl[VGP_JS_DATA_DSTIP], &ip, &port);
		if ((err = set_str_if_unset(ev, ep->destination_ip, ip, VG_VK_STR)) ||
		    (err = set_str_if_unset(ev, ep->destination_port, port, VG_VK_STR)))
			return err;
	}
	if (!vg_event_get(ev, ep->network_transport) &&
	    (err = set_lower(ev, ep->network_transport, sl[VGP_JS_DATA_PROTOCOL])))
		return err;
	/* Wazuh's Suricata rules (86601 "Suricata: Alert - ...") are level 3 for every
	 * signature: the embedded EVE severity is the IDS's own word, so the same
	 * alert gets the same level whichever way it arrives */
	int wazuh = wazuh_level(sl[VGP_JS_RULE_LEVEL]);
	int eve = suricata_level(sl[VGP_JS_DATA_ALERT_SEVERITY]);
	return set_alert_meta(parser, ev, level_name(eve > wazuh ? eve : wazuh),
	                      sl[VGP_JS_RULE_MITRE_TACTIC], sl[VGP_JS_RULE_MITRE_ID]);
}

vg_err vgp_json_alert_shapes(const struct vg_parser *parser, struct vgp_json_state *st,
                             const char **shape)
{
	const struct vg_str *sl = st->slot;

	*shape = NULL;
	/* Wazuh first: its alerts embed decoded Suricata records under data.*, which
	 * are not top-level, so they cannot be mistaken for EVE. */
	if (sl[VGP_JS_RULE_LEVEL].len && vg_event_get(st->ev, parser->ep.rule_id) &&
	    (sl[VGP_JS_AGENT_NAME].len || sl[VGP_JS_MANAGER_NAME].len)) {
		*shape = "wazuh";
		return wazuh_alert(parser, st);
	}
	if (sl[VGP_JS_EVENT_TYPE].len) {
		*shape = "suricata";
		return suricata_eve(parser, st);
	}
	return VG_OK;
}
