/*
 * stix.c - an incident as a STIX 2.1 bundle, for sharing with CERTs and other
 * agencies (`vigil stix`).
 *
 * One bundle per incident, objects in this order:
 *  - incident (the STIX 2.1 SDO): title, summary, the ATT&CK tactics as
 *    kill_chain_phases ("mitre-attack"), the Vigil id as an external reference, and
 *    custom properties x_vigil_score, x_vigil_priority, x_vigil_alert_count,
 *    x_vigil_sources (attack sources) and x_vigil_spread_path (hosts in the order
 *    reached, with the techniques seen on each);
 *  - the observables (SCOs) of its entities: ipv4-addr / ipv6-addr (without an IPv6
 *    zone; domain-name for a source named by its DNS name; none for a value that is
 *    neither), user-account
 *    (account_login), file for a process image (its base name) and for a file hash
 *    (MD5, SHA-1, SHA-256 or SHA-512 by length); host names stay in the spread path;
 *  - observed-data over those observables (first and last alert, alert count);
 *  - one indicator per attack source ("[ipv4-addr:value = '...']", or ipv6-addr
 *    without a zone, domain-name);
 *  - one attack-pattern per ATT&CK technique of its alerts' tags (external id and
 *    URL on attack.mitre.org);
 *  - related-to relationships from the incident to each indicator and
 *    attack-pattern;
 *  - a report (threat-report) whose object_refs are all of the above.
 * STIX lists are never empty: an empty one (no attack source, a host reached
 * without a technique, no observable) is left out with its property or object.
 *
 * Deterministic: an observable's id is the UUIDv5 STIX 2.1 specifies (namespace
 * 00abedb4-aa42-466c-9c01-fed23315a9b7, name: its identifying property as canonical
 * JSON), so the same address has the same id in every bundle and from every
 * producer; the other ids are UUIDv4-shaped strings made from two 64-bit hashes of
 * the incident id, the object's type and its role; and the timestamps are the
 * incident's event times: created, the first alert of its first version (the
 * store keeps it: a later version may add an earlier alert, and STIX 2.1 never
 * changes `created` between versions); published, its last alert; modified, its
 * last alert plus as many microseconds as its version, so that a newer version of
 * an incident re-issues the same ids with a later `modified` even when it moved no
 * alert time (a higher score, an alert within its times), as STIX 2.1 asks of a new
 * version.
 * A user or process entity is "value@host" when its host was known; the "@host"
 * is taken off when host is one of the incident's hosts.
 */
#include "stix.h"

#include <stdlib.h>
#include <string.h>

/* The ids of the objects written so far (for the report's object_refs). */
struct stix_w {
	struct vg_buf *out;
	char (*ids)[64];
	size_t n, cap;
	bool oom;
	bool first; /* no object written yet */
	const struct vg_incident *inc;
	char created[32], modified[32];
};

/* "type--" and a version-4-shaped UUID made from key[0..len) (two hashes). */
static void make_id(char id[64], const char *type, const char *key, size_t len)
{
	uint64_t h[2] = {vg_hash64(key, len, UINT64_C(0x5354495832312d31)),
	                 vg_hash64(key, len, UINT64_C(0x766967696c2d6964))};
	unsigned char b[16];
	char uuid[37];
	for (int i = 0; i < 16; i++) /* big-endian */
		b[i] = (unsigned char)(h[i / 8] >> (56 - 8 * (i % 8)));
	vg_uuid_format(b, 4, uuid);
	snprintf(id, 64, "%s--%s", type, uuid);
}

/* Whether v is a host name STIX's domain-name takes (its value is an
 * idn-hostname): labels of 1 to 63 letters, digits and inner hyphens, 253 bytes
 * at most, and a last label that is not all digits -- so a malformed address
 * such as 999.1.2.3 is not taken for a name. */
static bool host_name(const char *v)
{
	size_t n = strlen(v), label = 0;
	bool digits_only = true;
	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i <= n; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c == '.' || c == '\0') {
			if (label == 0 || label > 63 || v[i - 1] == '-')
				return false;
			if (c == '\0')
				return !digits_only;
			label = 0;
			digits_only = true;
			continue;
		}
		bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
		bool digit = c >= '0' && c <= '9';
		if (!alpha && !digit && (c != '-' || label == 0))
			return false;
		digits_only &= digit;
		label++;
	}
	return false;
}

/* The observable type of an ip entity's value: an address by its family; a DNS
 * name (what sshd logs with UseDNS, say) a domain-name; anything else none (NULL):
 * STIX requires an address or a name there. */
static const char *ip_type(const char *v)
{
	unsigned char addr[16];
	switch (vg_ip_parse(v, strlen(v), addr)) {
	case 4: return "ipv4-addr";
	case 6: return "ipv6-addr";
	default: break;
	}
	return host_name(v) ? "domain-name" : NULL;
}

/* The length of v as a STIX value of type (ip_type's): an IPv6 address without its
 * zone ("fe80::1%eth0": fe80::1) -- ipv6-addr's value is an address or a CIDR block,
 * and a zone only names an interface of the host that logged it. */
static size_t ip_value_len(const char *type, const char *v)
{
	const char *zone = strcmp(type, "ipv6-addr") ? NULL : strchr(v, '%');
	return zone ? (size_t)(zone - v) : strlen(v);
}

/* Start an object with type and id (recorded for the report) and, for a domain or
 * relationship object (sdo), spec_version, created and modified. */
static void obj_open(struct stix_w *w, const char *type, const char *id, bool sdo)
{
	if (w->n == w->cap) {
		size_t ncap = w->cap ? w->cap * 2 : 32;
		void *ni = realloc(w->ids, ncap * sizeof(*w->ids));
		if (!ni) {
			w->oom = true;
			return;
		}
		w->ids = ni;
		w->cap = ncap;
	}
	snprintf(w->ids[w->n++], sizeof(w->ids[0]), "%s", id);
	vg_buf_puts(w->out, w->first ? "{\"type\":" : ",{\"type\":");
	w->first = false;
	vg_buf_json_str(w->out, type, strlen(type));
	vg_buf_puts(w->out, ",\"spec_version\":\"2.1\",\"id\":");
	vg_buf_json_str(w->out, id, strlen(id));
	if (sdo)
		vg_buf_printf(w->out, ",\"created\":\"%s\",\"modified\":\"%s\"",
		              w->created, w->modified);
}

static void put_key_str(struct vg_buf *b, const char *key, const char *v)
{
	vg_buf_printf(b, ",\"%s\":", key);
	vg_buf_json_str(b, v, strlen(v));
}

static void put_time(struct vg_buf *b, const char *key, vg_time t)
{
	char ts[32];
	vg_time_format(t, ts);
	vg_buf_printf(b, ",\"%s\":\"%s\"", key, ts);
}

/* The role-keyed id of an object of this incident, from the whole key: a role is
 * a value as long as an entity's (a source's DNS name), and a key cut to a fixed
 * buffer once hashed nothing for a long one, giving the same id to such objects in
 * every incident. */
static void incident_obj_id(struct stix_w *w, char id[64], const char *type,
                            const char *role)
{
	struct vg_buf key;
	vg_buf_init(&key);
	vg_buf_printf(&key, "%s\x1f%s\x1f%s", w->inc->id, type, role);
	if (key.oom)
		w->oom = true;
	make_id(id, type, key.oom ? "" : key.data, key.oom ? 0 : key.len);
	vg_buf_free(&key);
}

/* value without a trailing "@host" naming one of the incident's hosts. */
static size_t strip_host(const struct vg_incident *inc, const char *value)
{
	size_t n = strlen(value);
	const char *at = strrchr(value, '@');
	if (!at)
		return n;
	for (size_t i = 0; i < inc->nentities; i++)
		if (inc->entities[i].type == VG_ENT_HOST &&
		    !strcmp(inc->entities[i].value, at + 1))
			return (size_t)(at - value);
	return n;
}

static const char *hash_algo(const char *h)
{
	size_t n = strlen(h);
	for (size_t i = 0; i < n; i++)
		if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f') ||
		      (h[i] >= 'A' && h[i] <= 'F')))
			return NULL;
	return n == 32    ? "MD5"
	       : n == 40  ? "SHA-1"
	       : n == 64  ? "SHA-256"
	       : n == 128 ? "SHA-512"
	                  : NULL;
}

/* An entity's observable (SCO): its type, the property its value goes in (or the
 * hash algorithm) and the value. */
struct sco {
	const char *type, *prop, *algo;
	const char *v;
	size_t vlen;
	char id[64];
};

/* Describe the observable of entity e into sc; false when it has none (hosts,
 * hashes of no known length). */
static bool sco_describe(struct stix_w *w, const struct vg_entity *e, struct sco *sc)
{
	memset(sc, 0, sizeof(*sc));
	sc->v = e->value;
	sc->vlen = strlen(e->value);
	switch (e->type) {
	case VG_ENT_IP:
		if (!(sc->type = ip_type(sc->v)))
			return false;
		sc->prop = "value";
		sc->vlen = ip_value_len(sc->type, sc->v);
		break;
	case VG_ENT_USER:
		sc->type = "user-account";
		sc->prop = "account_login";
		sc->vlen = strip_host(w->inc, sc->v);
		break;
	case VG_ENT_PROCESS: /* the image file, by its base name */
		sc->type = "file";
		sc->prop = "name";
		sc->vlen = strip_host(w->inc, sc->v);
		for (size_t i = sc->vlen; i > 0; i--)
			if (sc->v[i - 1] == '/' || sc->v[i - 1] == '\\') {
				sc->v += i;
				sc->vlen -= i;
				break;
			}
		break;
	case VG_ENT_HASH:
		if (!(sc->algo = hash_algo(sc->v)))
			return false;
		sc->type = "file";
		break;
	default: return false;
	}
	if (!sc->vlen)
		return false;
	/* STIX 2.1's deterministic id: the UUIDv5, in the SCO namespace, of the
	 * identifying properties as canonical JSON (keys sorted, no spaces) */
	static const unsigned char ns[16] = {0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42,
	                                     0x46, 0x6c, 0x9c, 0x01, 0xfe, 0xd2,
	                                     0x33, 0x15, 0xa9, 0xb7};
	struct vg_buf name;
	char uuid[37];
	vg_buf_init(&name);
	if (sc->algo)
		vg_buf_printf(&name, "{\"hashes\":{\"%s\":", sc->algo);
	else
		vg_buf_printf(&name, "{\"%s\":", sc->prop);
	vg_buf_json_str_canonical(&name, sc->v, sc->vlen);
	vg_buf_puts(&name, sc->algo ? "}}" : "}");
	bool ok = !name.oom;
	if (ok) {
		vg_uuid5(ns, name.data, name.len, uuid);
		snprintf(sc->id, sizeof(sc->id), "%s--%s", sc->type, uuid);
	}
	w->oom |= !ok;
	vg_buf_free(&name);
	return ok;
}

static void sco_write(struct stix_w *w, const struct sco *sc)
{
	struct vg_buf *b = w->out;
	obj_open(w, sc->type, sc->id, false);
	if (sc->algo) {
		vg_buf_printf(b, ",\"hashes\":{\"%s\":", sc->algo);
		vg_buf_json_str(b, sc->v, sc->vlen);
		vg_buf_putc(b, '}');
	} else {
		vg_buf_printf(b, ",\"%s\":", sc->prop);
		vg_buf_json_str(b, sc->v, sc->vlen);
	}
	vg_buf_putc(b, '}');
}

/* The techniques of the incident's alerts, each once, in alert order. */
static size_t techniques(const struct vg_incident *inc, char (*out)[16], size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < inc->nalerts; i++)
		for (size_t j = 0; j < inc->alerts[i].ntags; j++) {
			char t[16];
			if (!vg_attack_technique(inc->alerts[i].tags[j], t))
				continue;
			bool dup = false;
			for (size_t k = 0; k < n && !dup; k++)
				dup = !strcmp(out[k], t);
			if (!dup && n < max)
				memcpy(out[n++], t, sizeof(t));
		}
	return n;
}

static void relationship(struct stix_w *w, const char *inc_id, const char *target)
{
	char id[64];
	incident_obj_id(w, id, "relationship", target);
	obj_open(w, "relationship", id, true);
	vg_buf_puts(w->out, ",\"relationship_type\":\"related-to\"");
	put_key_str(w->out, "source_ref", inc_id);
	put_key_str(w->out, "target_ref", target);
	vg_buf_putc(w->out, '}');
}

void vg_stix_bundle(const struct vg_incident *inc, vg_time created,
                    const struct vg_incident_text *t,
                    const struct vg_incident_story *story, struct vg_buf *out)
{
	struct stix_w w = {.out = out, .first = true, .inc = inc};
	struct vg_buf *b = out;
	char id[64], inc_id[64];
	const char *title = t->title.data ? t->title.data : inc->id;
	const char *summary = t->summary.data ? t->summary.data : "";
	vg_time_format(created, w.created);
	vg_time_format((inc->last_ts > created ? inc->last_ts : created) +
	                   (vg_time)inc->version,
	               w.modified);

	char version[16];
	snprintf(version, sizeof(version), "%u", (unsigned)inc->version);
	incident_obj_id(&w, id, "bundle", version);
	vg_buf_puts(b, "{\"type\":\"bundle\",\"id\":");
	vg_buf_json_str(b, id, strlen(id));
	vg_buf_puts(b, ",\"objects\":[");

	/* the incident */
	incident_obj_id(&w, inc_id, "incident", "");
	obj_open(&w, "incident", inc_id, true);
	put_key_str(b, "name", title);
	put_key_str(b, "description", summary);
	if (t->tactics.len) {
		vg_buf_puts(b, ",\"kill_chain_phases\":[");
		const char *p = t->tactics.data;
		for (bool first = true; *p; first = false) {
			size_t n = strcspn(p, ",");
			vg_buf_puts(b, first ? "{" : ",{");
			vg_buf_puts(
			    b, "\"kill_chain_name\":\"mitre-attack\",\"phase_name\":");
			vg_buf_json_str(b, p, n);
			vg_buf_putc(b, '}');
			p += n + (p[n] == ',');
		}
		vg_buf_putc(b, ']');
	}
	vg_buf_puts(b, ",\"external_references\":[{\"source_name\":\"vigil\","
	               "\"external_id\":");
	vg_buf_json_str(b, inc->id, strlen(inc->id));
	vg_buf_puts(b, "}]");
	if (inc->score >= 0)
		vg_buf_printf(b, ",\"x_vigil_score\":%.4f,\"x_vigil_priority\":%d",
		              inc->score, inc->priority);
	vg_buf_printf(b, ",\"x_vigil_alert_count\":%llu",
	              (unsigned long long)(inc->nalerts + inc->alerts_dropped));
	/* (STIX lists are never empty: an empty one is left out) */
	for (size_t i = 0; story && i < story->nsources; i++) {
		vg_buf_puts(b, i ? "," : ",\"x_vigil_sources\":[");
		const char *v = inc->entities[story->sources[i]].value;
		vg_buf_json_str(b, v, strlen(v));
		if (i + 1 == story->nsources)
			vg_buf_putc(b, ']');
	}
	for (size_t i = 0; story && i < story->nhops; i++) {
		const struct vg_story_hop *h = &story->hops[i];
		const char *host = inc->entities[h->host].value;
		vg_buf_puts(b,
		            i ? ",{\"host\":" : ",\"x_vigil_spread_path\":[{\"host\":");
		vg_buf_json_str(b, host, strlen(host));
		put_time(b, "reached", h->reached);
		for (const char *p = h->techniques; *p;) {
			size_t n = strcspn(p, ",");
			vg_buf_puts(b, p == h->techniques ? ",\"techniques\":[" : ",");
			vg_buf_json_str(b, p, n);
			p += n + (p[n] == ',');
			if (!*p)
				vg_buf_putc(b, ']');
		}
		vg_buf_puts(b, i + 1 == story->nhops ? "}]" : "}");
	}
	vg_buf_putc(b, '}');

	/* observables, then the observed-data over them */
	size_t sco_from = w.n;
	for (size_t i = 0; i < inc->nentities; i++) {
		struct sco sc;
		bool dup = false;
		if (!sco_describe(&w, &inc->entities[i], &sc))
			continue;
		/* two entities may share an observable (one image on two hosts) */
		for (size_t k = sco_from; k < w.n && !dup; k++)
			dup = !strcmp(w.ids[k], sc.id);
		if (!dup)
			sco_write(&w, &sc);
	}
	size_t sco_to = w.n;
	if (sco_to > sco_from) {
		incident_obj_id(&w, id, "observed-data", "");
		obj_open(&w, "observed-data", id, true);
		put_time(b, "first_observed", inc->first_ts);
		put_time(b, "last_observed", inc->last_ts);
		uint64_t n = inc->nalerts + inc->alerts_dropped;
		vg_buf_printf(b, ",\"number_observed\":%llu,\"object_refs\":[",
		              (unsigned long long)(n < 1           ? 1
		                                   : n > 999999999 ? 999999999
		                                                   : n));
		for (size_t k = sco_from; k < sco_to; k++)
			vg_buf_printf(b, "%s\"%s\"", k > sco_from ? "," : "", w.ids[k]);
		vg_buf_puts(b, "]}");
	}

	/* indicators of the attack sources */
	size_t rel_from = w.n;
	for (size_t i = 0; story && i < story->nsources; i++) {
		const char *v = inc->entities[story->sources[i]].value;
		const char *type = ip_type(v);
		if (!type)
			continue; /* no STIX pattern says it */
		incident_obj_id(&w, id, "indicator", v);
		obj_open(&w, "indicator", id, true);
		vg_buf_puts(b, ",\"name\":");
		char name[300];
		snprintf(name, sizeof(name), "Attack source %s", v);
		vg_buf_json_str(b, name, strlen(name));
		vg_buf_puts(b, ",\"description\":");
		char desc[512];
		snprintf(desc, sizeof(desc), "The source of Vigil incident %s: %s",
		         inc->id, title);
		vg_buf_json_str(b, desc, strlen(desc));
		vg_buf_puts(b, ",\"indicator_types\":[\"malicious-activity\"]");
		/* STIX patterning: ' and \ are escaped in string literals */
		struct vg_buf pat;
		vg_buf_init(&pat);
		vg_buf_printf(&pat, "[%s:value = '", type);
		for (const char *p = v, *end = v + ip_value_len(type, v); p < end; p++) {
			if (*p == '\'' || *p == '\\')
				vg_buf_putc(&pat, '\\');
			vg_buf_putc(&pat, *p);
		}
		vg_buf_puts(&pat, "']");
		vg_buf_puts(b, ",\"pattern\":");
		vg_buf_json_str(b, pat.data, pat.len);
		w.oom |= pat.oom;
		vg_buf_free(&pat);
		vg_buf_puts(b, ",\"pattern_type\":\"stix\"");
		put_time(b, "valid_from", inc->entities[story->sources[i]].first_seen);
		vg_buf_putc(b, '}');
	}

	/* attack patterns */
	char tech[64][16]; /* the first 64 */
	size_t ntech = techniques(inc, tech, 64);
	for (size_t i = 0; i < ntech; i++) {
		incident_obj_id(&w, id, "attack-pattern", tech[i]);
		obj_open(&w, "attack-pattern", id, true);
		put_key_str(b, "name", tech[i]);
		char url[96], path[16];
		snprintf(path, sizeof(path), "%s", tech[i]);
		char *dot = strchr(path, '.');
		if (dot)
			*dot = '/';
		snprintf(url, sizeof(url), "https://attack.mitre.org/techniques/%s/",
		         path);
		vg_buf_puts(
		    b, ",\"external_references\":[{\"source_name\":\"mitre-attack\"");
		put_key_str(b, "external_id", tech[i]);
		put_key_str(b, "url", url);
		vg_buf_puts(b, "}]}");
	}

	/* the incident related to its indicators and techniques */
	size_t rel_to = w.n;
	for (size_t k = rel_from; k < rel_to && !w.oom; k++) {
		char target[64];
		memcpy(target, w.ids[k], sizeof(target));
		relationship(&w, inc_id, target);
	}

	/* the report of it all */
	size_t nrefs = w.n;
	incident_obj_id(&w, id, "report", "");
	obj_open(&w, "report", id, true);
	put_key_str(b, "name", title);
	put_key_str(b, "description", summary);
	vg_buf_puts(b, ",\"report_types\":[\"threat-report\"]");
	put_time(b, "published", inc->last_ts);
	vg_buf_puts(b, ",\"object_refs\":[");
	for (size_t k = 0; k < nrefs && !w.oom; k++)
		vg_buf_printf(b, "%s\"%s\"", k ? "," : "", w.ids[k]);
	vg_buf_puts(b, "]}]}");
	if (w.oom)
		b->oom = true;
	free(w.ids);
}
