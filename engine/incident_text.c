/*
 * incident_text.c - what an incident says to people: title, summary, ATT&CK
 * tactics in kill-chain order, attack sources, spread over hosts, and the JSON
 * document published on the output topic (schemas/incident.schema.json).
 *
 * Built from templates over the incident's alerts and entities; deterministic (same
 * incident, same bytes), so a replay republishes identical documents.  What the
 * arrays' order shows through (the document's entities and alerts, the graph's
 * edge ends) follows the order given: callers pass vg_incident_canonical's view,
 * so an incident restored after a restart says what the uninterrupted one says.
 */
#include "incident_text.h"

#include <stdlib.h>
#include <string.h>
/* The ATT&CK tactics of every alert of inc, the detailed ones' tags and those past
 * the detail bound (dropped_tactics), in kill-chain order. */
static void tactics_csv(const struct vg_incident *inc, struct vg_buf *out)
{
	bool seen[VG_TACTIC_COUNT] = {false};
	for (int t = 0; t < VG_TACTIC_COUNT; t++)
		seen[t] = inc->dropped_tactics >> t & 1;
	for (size_t i = 0; i < inc->nalerts; i++)
		for (size_t j = 0; j < inc->alerts[i].ntags; j++) {
			int t = vg_tactic_index(inc->alerts[i].tags[j]);
			if (t >= 0)
				seen[t] = true;
		}
	for (int t = 0; t < VG_TACTIC_COUNT; t++)
		if (seen[t]) {
			if (out->len)
				vg_buf_putc(out, ',');
			vg_buf_puts(out, vg_tactic_name(t));
		}
}

/* Canonical order (vg_incident_canonical): alerts by (first_ts, id), entities by
 * (first_seen, type name, value), as the store's ORDER BY compares them (text
 * bytewise, as strcmp does). */
static int cmp_alert_canon(const void *x, const void *y)
{
	const struct vg_incident_alert *a = x, *b = y;
	if (a->first_ts != b->first_ts)
		return a->first_ts < b->first_ts ? -1 : 1;
	return strcmp(a->id, b->id);
}

static int cmp_entity_canon(const void *x, const void *y)
{
	const struct vg_entity *a = x, *b = y;
	if (a->first_seen != b->first_seen)
		return a->first_seen < b->first_seen ? -1 : 1;
	int c = a->type == b->type
	            ? 0
	            : strcmp(vg_entity_type_name(a->type), vg_entity_type_name(b->type));
	return c ? c : strcmp(a->value, b->value);
}

/* Is v (n elements of size bytes) in cmp's order? */
static bool in_order(const void *v, size_t n, size_t size,
                     int (*cmp)(const void *, const void *))
{
	for (size_t i = 1; i < n; i++)
		if (cmp((const char *)v + (i - 1) * size, (const char *)v + i * size) > 0)
			return false;
	return true;
}

/* v (n elements of size bytes) in cmp's order: v itself when it is, else a sorted
 * copy in *buf (capacity *cap, grown as needed); NULL when out of memory. */
static void *sorted(void *v, size_t n, size_t size,
                    int (*cmp)(const void *, const void *), void **buf, size_t *cap)
{
	if (in_order(v, n, size, cmp))
		return v;
	if (n > *cap) {
		void *nb = realloc(*buf, n * size);
		if (!nb)
			return NULL;
		*buf = nb;
		*cap = n;
	}
	memcpy(*buf, v, n * size);
	qsort(*buf, n, size, cmp);
	return *buf;
}

vg_err vg_incident_canonical(const struct vg_incident *inc, struct vg_incident_order *o,
                             struct vg_incident *view)
{
	void *ab = o->alerts, *eb = o->entities;
	struct vg_incident_alert *alerts =
	    sorted(inc->alerts, inc->nalerts, sizeof(*inc->alerts), cmp_alert_canon, &ab,
	           &o->alerts_cap);
	o->alerts = ab;
	if (!alerts)
		return VG_ERR_NOMEM;
	struct vg_entity *entities =
	    sorted(inc->entities, inc->nentities, sizeof(*inc->entities),
	           cmp_entity_canon, &eb, &o->entities_cap);
	o->entities = eb;
	if (!entities)
		return VG_ERR_NOMEM;
	*view = *inc;
	view->alerts = alerts;
	view->entities = entities;
	return VG_OK;
}

void vg_incident_order_free(struct vg_incident_order *o)
{
	if (!o)
		return;
	free(o->alerts);
	free(o->entities);
	memset(o, 0, sizeof(*o));
}

/* Does alert a name an incident before b: highest level, then a correlation, then
 * the earliest (first_ts, then id) -- never the position in inc->alerts, which
 * differs between an incident grown in memory (merged parts appended) and the same
 * incident restored from the store. */
static bool leads(const struct vg_incident_alert *a, const struct vg_incident_alert *b)
{
	if (a->level != b->level)
		return a->level > b->level;
	if (a->is_correlation != b->is_correlation)
		return a->is_correlation;
	if (a->first_ts != b->first_ts)
		return a->first_ts < b->first_ts;
	return strcmp(a->id, b->id) < 0;
}

/* The alert that names the incident (leads all the others). */
static const struct vg_incident_alert *lead_alert(const struct vg_incident *inc)
{
	const struct vg_incident_alert *best = NULL;
	for (size_t i = 0; i < inc->nalerts; i++)
		if (!best || leads(&inc->alerts[i], best))
			best = &inc->alerts[i];
	return best;
}

/* The entities of one type: the first max of them by first_seen (then value), as
 * indexes into entities, into idx[0 .. min(count, max)).  @return how many the
 * incident has, which may be more than max: the text says "on 70 hosts". */
static size_t entities_of(const struct vg_incident *inc, enum vg_entity_type t,
                          size_t *idx, size_t max)
{
	size_t n = 0, kept = 0;
	for (size_t i = 0; i < inc->nentities; i++) {
		if (inc->entities[i].type != t)
			continue;
		n++;
		const struct vg_entity *e = &inc->entities[i];
		size_t j = kept < max ? kept++ : max;
		while (j > 0) {
			const struct vg_entity *p = &inc->entities[idx[j - 1]];
			if (p->first_seen < e->first_seen ||
			    (p->first_seen == e->first_seen &&
			     strcmp(p->value, e->value) <= 0))
				break;
			if (j < max)
				idx[j] = idx[j - 1];
			j--;
		}
		if (j < max)
			idx[j] = i;
	}
	return n;
}

static void list_values(const struct vg_incident *inc, const size_t *idx, size_t n,
                        size_t max, struct vg_buf *out)
{
	for (size_t i = 0; i < n && i < max; i++) {
		if (i)
			vg_buf_puts(out, i + 1 == n ? " and " : ", ");
		vg_buf_puts(out, inc->entities[idx[i]].value);
	}
	if (n > max)
		vg_buf_printf(out, " and %zu more", n - max);
}

static void duration_text(vg_time d, struct vg_buf *out)
{
	int64_t s = d / VG_USEC_PER_SEC;
	if (s < 60)
		vg_buf_printf(out, "%llds", (long long)s);
	else if (s < 3600)
		vg_buf_printf(out, "%lldm%02llds", (long long)(s / 60),
		              (long long)(s % 60));
	else
		vg_buf_printf(out, "%lldh%02lldm", (long long)(s / 3600),
		              (long long)(s % 3600 / 60));
}

/* ------------------------------------------------------------------ story */

static const char *afield(const struct vg_incident_alert *a, const char *name)
{
	return vg_kv_get(a->fields, a->nfields, name);
}

static int cmp_alert_ptr(const void *x, const void *y)
{
	return cmp_alert_canon(*(const struct vg_incident_alert *const *)x,
	                       *(const struct vg_incident_alert *const *)y);
}

static const struct vg_incident *g_sort_inc; /* only during qsort below */

static int cmp_node(const void *x, const void *y)
{
	const struct vg_entity *a = &g_sort_inc->entities[*(const uint32_t *)x],
	                       *b = &g_sort_inc->entities[*(const uint32_t *)y];
	if (a->first_seen != b->first_seen)
		return a->first_seen < b->first_seen ? -1 : 1;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	return strcmp(a->value, b->value);
}

static int cmp_step(const void *x, const void *y)
{
	const struct vg_story_step *a = x, *b = y;
	if (a->first_seen != b->first_seen)
		return a->first_seen < b->first_seen ? -1 : 1;
	return a->tactic - b->tactic;
}

void vg_incident_story_free(struct vg_incident_story *s)
{
	if (!s)
		return;
	free(s->nodes);
	free(s->edges);
	free(s->sources);
	free(s->hops);
	free(s->steps);
	memset(s, 0, sizeof(*s));
}

bool vg_attack_technique(const char *tag, char out[16])
{
	if (strncmp(tag, "attack.", 7) != 0 || (tag[7] != 't' && tag[7] != 'T'))
		return false;
	const char *r = tag + 8;
	for (int i = 0; i < 4; i++)
		if (r[i] < '0' || r[i] > '9')
			return false;
	if (r[4] != '\0' && r[4] != '.')
		return false;
	snprintf(out, 16, "T%s", r);
	return true;
}

#define STORY_MAX_EDGES 4096

vg_err vg_incident_story_build(const struct vg_incident *inc, struct vg_incident_story *s)
{
	const struct vg_incident_alert **order = NULL;
	uint8_t *named = NULL; /* per entity: the source of a notable alert */
	struct vg_strmap ent, edge;
	char key[1200];
	vg_err err = VG_ERR_NOMEM;
	size_t edges_cap = 0;

	memset(s, 0, sizeof(*s));
	vg_strmap_init(&ent);
	vg_strmap_init(&edge);
	size_t na = inc->nalerts, ne = inc->nentities;
	order = calloc(na ? na : 1, sizeof(*order));
	s->nodes = calloc(ne ? ne : 1, sizeof(uint32_t));
	s->sources = calloc(ne ? ne : 1, sizeof(uint32_t));
	s->hops = calloc(ne ? ne : 1, sizeof(*s->hops));
	s->steps = calloc(na ? na * 2 + 14 : 14, sizeof(*s->steps));
	if (!order || !s->nodes || !s->sources || !s->hops || !s->steps)
		goto out;
	for (size_t i = 0; i < ne; i++) {
		const struct vg_entity *e = &inc->entities[i];
		snprintf(key, sizeof(key), "%d:%s", (int)e->type, e->value);
		if (vg_strmap_put(&ent, key, (void *)(uintptr_t)(i + 1)))
			goto out;
		s->nodes[s->nnodes++] = (uint32_t)i;
	}
	g_sort_inc = inc;
	qsort(s->nodes, s->nnodes, sizeof(uint32_t), cmp_node);
	/* Attack sources: the source addresses of the notable alerts (high, critical
	 * or a correlation: what made this an incident), by first seen; every source
	 * address when no notable alert names one.  Addresses that only appear on
	 * lesser alerts are pivots (a compromised host's own address) or bystanders.
	 * Each notable alert's source.ip is read once, as its entity is known
	 * (vg_entity_canonical), and found among the entities by the map above. */
	named = calloc(ne ? ne : 1, 1);
	if (!named)
		goto out;
	for (size_t k = 0; k < na; k++) {
		const struct vg_incident_alert *al = &inc->alerts[k];
		char ip[VG_ENTITY_VALUE_MAX];
		if (!vg_level_notable(al->level, al->is_correlation) ||
		    !vg_entity_canonical(VG_ENT_IP, afield(al, "source.ip"), ip,
		                         sizeof(ip)))
			continue;
		snprintf(key, sizeof(key), "%d:%s", (int)VG_ENT_IP, ip);
		uintptr_t at = (uintptr_t)vg_strmap_get(&ent, key);
		if (at)
			named[at - 1] = 1;
	}
	for (int pass = 0; pass < 2 && !s->nsources; pass++)
		for (size_t i = 0; i < s->nnodes; i++) {
			uint32_t n = s->nodes[i];
			if (inc->entities[n].type == VG_ENT_IP && (pass == 1 || named[n]))
				s->sources[s->nsources++] = n;
		}
	g_sort_inc = NULL;

	for (size_t i = 0; i < na; i++)
		order[i] = &inc->alerts[i];
	/* the callers pass a canonical view (vg_incident_canonical): in order */
	if (!in_order(inc->alerts, na, sizeof(*inc->alerts), cmp_alert_canon))
		qsort(order, na, sizeof(*order), cmp_alert_ptr);

	bool seen_tactic[32] = {false};
	for (size_t i = 0; i < na; i++) {
		const struct vg_incident_alert *a = order[i];
		struct vg_entity_ref refs[VG_ALERT_ENTITIES_MAX];
		uint32_t idx[VG_ALERT_ENTITIES_MAX];
		size_t nr = vg_alert_entities(a->fields, a->nfields, refs), k = 0;
		for (size_t r = 0; r < nr; r++) {
			snprintf(key, sizeof(key), "%d:%s", (int)refs[r].type,
			         refs[r].value);
			uintptr_t v = (uintptr_t)vg_strmap_get(&ent, key);
			if (v)
				idx[k++] = (uint32_t)(v - 1);
		}
		/* edges: every pair of entities the alert names */
		for (size_t x = 0; x < k; x++)
			for (size_t y = x + 1; y < k; y++) {
				uint32_t lo = idx[x] < idx[y] ? idx[x] : idx[y];
				uint32_t hi = idx[x] < idx[y] ? idx[y] : idx[x];
				snprintf(key, sizeof(key), "%u,%u", lo, hi);
				uintptr_t e = (uintptr_t)vg_strmap_get(&edge, key);
				if (e) {
					s->edges[e - 1].alerts++;
					continue;
				}
				if (s->nedges >= STORY_MAX_EDGES)
					continue;
				if (s->nedges == edges_cap) {
					size_t ncap = edges_cap ? edges_cap * 2 : 16;
					void *nv =
					    realloc(s->edges, ncap * sizeof(*s->edges));
					if (!nv)
						goto out;
					s->edges = nv;
					edges_cap = ncap;
				}
				s->edges[s->nedges++] =
				    (struct vg_story_edge){lo, hi, a->first_ts, 1};
				if (vg_strmap_put(&edge, key,
				                  (void *)(uintptr_t)s->nedges))
					goto out;
			}
		/* spread: hosts in the order they were reached */
		const char *host = afield(a, "host.name");
		struct vg_story_hop *hop = NULL;
		if (host) {
			snprintf(key, sizeof(key), "%d:%s", (int)VG_ENT_HOST, host);
			uintptr_t hv = (uintptr_t)vg_strmap_get(&ent, key);
			for (size_t h = 0; hv && h < s->nhops && !hop; h++)
				if (s->hops[h].host == hv - 1)
					hop = &s->hops[h];
			if (hv && !hop) {
				hop = &s->hops[s->nhops++];
				hop->host = (uint32_t)(hv - 1);
				hop->reached = a->first_ts;
				hop->alert_id = a->id;
				hop->alert_title = a->title;
				if (!vg_entity_canonical(
				        VG_ENT_IP, afield(a, "source.ip"), hop->source_ip,
				        sizeof(hop->source_ip)))
					hop->source_ip[0] =
					    '\0'; /* "-", 127.0.0.1: none */
				hop->user = vg_alert_account(a->fields, a->nfields);
				if (!hop->user)
					hop->user = "";
				hop->techniques[0] = '\0';
			}
		}
		for (size_t t = 0; t < a->ntags; t++) {
			char tech[16];
			int ti = vg_tactic_index(a->tags[t]);
			if (ti >= 0 && ti < 32 && !seen_tactic[ti]) {
				seen_tactic[ti] = true;
				s->steps[s->nsteps++] = (struct vg_story_step){
				    ti, vg_tactic_name(ti), a->first_ts, a->id, a->title};
			}
			if (hop && vg_attack_technique(a->tags[t], tech)) {
				size_t tl = strlen(tech), hl = strlen(hop->techniques);
				bool dup = false;
				for (const char *p = hop->techniques; *p && !dup;) {
					const char *c = strchr(p, ',');
					size_t len = c ? (size_t)(c - p) : strlen(p);
					dup = len == tl && !strncmp(p, tech, tl);
					p = c ? c + 1 : p + len;
				}
				if (!dup && hl + tl + 2 < sizeof(hop->techniques))
					snprintf(hop->techniques + hl,
					         sizeof(hop->techniques) - hl, "%s%s",
					         hl ? "," : "", tech);
			}
		}
	}
	qsort(s->steps, s->nsteps, sizeof(*s->steps), cmp_step);
	err = VG_OK;
out:
	free(order);
	free(named);
	vg_strmap_free(&ent);
	vg_strmap_free(&edge);
	if (err)
		vg_incident_story_free(s);
	return err;
}

static void clock_text(vg_time t, struct vg_buf *out)
{
	int h, mi, sec;
	vg_time_to_civil(t, NULL, NULL, NULL, &h, &mi, &sec, NULL);
	vg_buf_printf(out, "%02d:%02d:%02d", h, mi, sec);
}

void vg_incident_text_build_story(const struct vg_incident *inc,
                                  const struct vg_ranking *rank,
                                  const struct vg_incident_story *story,
                                  struct vg_incident_text *t)
{
	size_t ips[64], hosts[64], users[64];
	size_t nips = entities_of(inc, VG_ENT_IP, ips, 64);
	size_t nhosts = entities_of(inc, VG_ENT_HOST, hosts, 64);
	size_t nusers = entities_of(inc, VG_ENT_USER, users, 64);
	const struct vg_incident_alert *lead = lead_alert(inc);
	enum vg_level max_level = lead ? lead->level : VG_LEVEL_INFORMATIONAL;
	if (inc->dropped_level > max_level) /* an alert past the detail bound */
		max_level = (enum vg_level)inc->dropped_level;

	vg_buf_reset(&t->title);
	vg_buf_reset(&t->summary);
	vg_buf_reset(&t->tactics);
	tactics_csv(inc, &t->tactics);
	t->max_level = vg_level_name(max_level);

	vg_buf_puts(&t->title, lead ? lead->title : "Incident");
	/* the lead alert's own source as its entity is known (::ffff:a.b.c.d is
	 * a.b.c.d; "-" or 127.0.0.1 is no source), else the first source seen */
	char lead_buf[VG_ENTITY_VALUE_MAX];
	const char *lead_ip =
	    lead && vg_entity_canonical(VG_ENT_IP, afield(lead, "source.ip"), lead_buf,
	                                sizeof(lead_buf))
	        ? lead_buf
	        : NULL;
	if (lead_ip || nips) {
		vg_buf_puts(&t->title, " from ");
		vg_buf_puts(&t->title, lead_ip ? lead_ip : inc->entities[ips[0]].value);
	}
	if (story && story->nhops > 1) {
		/* "on web01, spread to db01 and app01": the path, not just a list */
		size_t rest[3], nrest = story->nhops - 1; /* 3 are named */
		vg_buf_puts(&t->title, " on ");
		vg_buf_puts(&t->title, inc->entities[story->hops[0].host].value);
		for (size_t i = 0; i < nrest && i < 3; i++)
			rest[i] = story->hops[i + 1].host;
		vg_buf_puts(&t->title, ", spread to ");
		list_values(inc, rest, nrest, 3, &t->title);
	} else if (nhosts) {
		vg_buf_puts(&t->title, " on ");
		list_values(inc, hosts, nhosts, 2, &t->title);
	}
	size_t total = inc->nalerts + inc->alerts_dropped;
	if (total > 1)
		vg_buf_printf(&t->title, " (+%zu alert%s)", total - 1,
		              total == 2 ? "" : "s");

	vg_buf_printf(&t->summary, "%zu alert%s over ", total, total == 1 ? "" : "s");
	duration_text(inc->last_ts - inc->first_ts, &t->summary);
	if (nhosts) {
		vg_buf_printf(&t->summary, " on %zu host%s (", nhosts,
		              nhosts == 1 ? "" : "s");
		list_values(inc, hosts, nhosts, 5, &t->summary);
		vg_buf_putc(&t->summary, ')');
	}
	if (nips) {
		vg_buf_puts(&t->summary, " from ");
		list_values(inc, ips, nips, 5, &t->summary);
	}
	if (nusers) {
		vg_buf_puts(&t->summary, " involving ");
		list_values(inc, users, nusers, 5, &t->summary);
	}
	vg_buf_puts(&t->summary, ".");
	if (story && story->nhops > 1) {
		vg_buf_puts(&t->summary, " Path: ");
		for (size_t i = 0; i < story->nhops && i < 8; i++) {
			const struct vg_story_hop *h = &story->hops[i];
			if (i)
				vg_buf_puts(&t->summary, " -> ");
			vg_buf_puts(&t->summary, inc->entities[h->host].value);
			if (h->techniques[0])
				vg_buf_printf(&t->summary, " (%s)", h->techniques);
		}
		if (story->nhops > 8)
			vg_buf_printf(&t->summary, " -> %zu more", story->nhops - 8);
		vg_buf_puts(&t->summary, ".");
	}
	if (story && story->nsteps) {
		vg_buf_puts(&t->summary, " Tactics: ");
		for (size_t i = 0; i < story->nsteps; i++) {
			if (i)
				vg_buf_puts(&t->summary, " -> ");
			vg_buf_printf(&t->summary, "%s ", story->steps[i].tactic_name);
			clock_text(story->steps[i].first_seen, &t->summary);
		}
		vg_buf_puts(&t->summary, ".");
	} else if (t->tactics.len) {
		vg_buf_puts(&t->summary, " Tactics: ");
		for (size_t i = 0; i < t->tactics.len; i++) {
			if (t->tactics.data[i] == ',')
				vg_buf_puts(&t->summary, " -> ");
			else
				vg_buf_putc(&t->summary, t->tactics.data[i]);
		}
		vg_buf_puts(&t->summary, ".");
	}
	if (lead)
		vg_buf_printf(&t->summary, " Highest: %s (%s).", lead->title,
		              vg_level_name(lead->level));
	if (rank && rank->score >= 0)
		vg_buf_printf(&t->summary, " Score %.2f, priority %d.", rank->score,
		              rank->priority);
	(void)users;
}

static void json_time(struct vg_buf *b, vg_time t)
{
	char buf[32];
	size_t n = vg_time_format(t, buf);
	vg_buf_json_str(b, buf, n);
}

static void json_key(struct vg_buf *b, const char *k)
{
	vg_buf_json_str(b, k, strlen(k));
	vg_buf_putc(b, ':');
}

static void json_strv(struct vg_buf *b, const char *s)
{
	vg_buf_json_str(b, s, strlen(s));
}

/* Top contributions by absolute value, as a JSON array. */
void vg_incident_explanation(const struct vg_ranking *rank, size_t top,
                             struct vg_buf *out)
{
	size_t nf = vg_feature_count();
	size_t order[256];
	size_t n = 0;

	vg_buf_putc(out, '[');
	if (!rank || !rank->contrib) {
		vg_buf_putc(out, ']');
		return;
	}
	for (size_t i = 0; i < nf && n < 256; i++) {
		if (rank->contrib[i] == 0.0f)
			continue;
		size_t j = n++;
		while (j > 0) {
			float a = rank->contrib[order[j - 1]], c = rank->contrib[i];
			if ((a < 0 ? -a : a) >= (c < 0 ? -c : c))
				break;
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	for (size_t k = 0; k < n && k < top; k++) {
		size_t i = order[k];
		if (k)
			vg_buf_putc(out, ',');
		vg_buf_puts(out, "{\"feature\":");
		json_strv(out, vg_feature_name(i));
		vg_buf_puts(out, ",\"value\":");
		vg_buf_put_g6(out, (double)rank->features[i]);
		vg_buf_printf(out, ",\"contribution\":%.6g}", (double)rank->contrib[i]);
	}
	vg_buf_putc(out, ']');
}

void vg_incident_features_json(const struct vg_ranking *rank, struct vg_buf *out)
{
	size_t nf = vg_feature_count();
	vg_buf_putc(out, '{');
	for (size_t i = 0; rank && rank->features && i < nf; i++) {
		if (i)
			vg_buf_putc(out, ',');
		json_key(out, vg_feature_name(i));
		vg_buf_put_g6(out, (double)rank->features[i]);
	}
	vg_buf_putc(out, '}');
}

static void graph_json(const struct vg_incident *inc, const struct vg_incident_story *s,
                       struct vg_buf *out)
{
	/* node ids are positions in "nodes" (ordered by first_seen, type, value) */
	uint32_t pos[4096];
	size_t npos = inc->nentities < 4096 ? inc->nentities : 4096;
	for (size_t i = 0; i < npos; i++)
		pos[i] = UINT32_MAX;
	for (size_t i = 0; i < s->nnodes; i++)
		if (s->nodes[i] < npos)
			pos[s->nodes[i]] = (uint32_t)i;
	vg_buf_puts(out, ",\"graph\":{\"nodes\":[");
	for (size_t i = 0; i < s->nnodes; i++) {
		const struct vg_entity *e = &inc->entities[s->nodes[i]];
		if (i)
			vg_buf_putc(out, ',');
		vg_buf_puts(out, "{\"id\":");
		vg_buf_put_u64(out, i);
		vg_buf_puts(out, ",\"type\":");
		json_strv(out, vg_entity_type_name(e->type));
		vg_buf_puts(out, ",\"value\":");
		json_strv(out, e->value);
		vg_buf_puts(out, ",\"first_seen\":");
		json_time(out, e->first_seen);
		vg_buf_putc(out, '}');
	}
	vg_buf_puts(out, "],\"edges\":[");
	size_t k = 0;
	for (size_t i = 0; i < s->nedges; i++) {
		const struct vg_story_edge *e = &s->edges[i];
		if (e->a >= npos || e->b >= npos)
			continue;
		if (k++)
			vg_buf_putc(out, ',');
		vg_buf_puts(out, "{\"source\":");
		vg_buf_put_u64(out, pos[e->a] < pos[e->b] ? pos[e->a] : pos[e->b]);
		vg_buf_puts(out, ",\"target\":");
		vg_buf_put_u64(out, pos[e->a] < pos[e->b] ? pos[e->b] : pos[e->a]);
		vg_buf_puts(out, ",\"first_seen\":");
		json_time(out, e->first_seen);
		vg_buf_puts(out, ",\"alerts\":");
		vg_buf_put_u64(out, e->alerts);
		vg_buf_putc(out, '}');
	}
	vg_buf_puts(out, "]}");
}

/* ,"graph":{...} (unless !graph),"spread_path":[...],"tactic_timeline":[...] */
static void story_json(const struct vg_incident *inc, const struct vg_incident_story *s,
                       bool graph, struct vg_buf *out)
{
	if (graph)
		graph_json(inc, s, out);
	vg_buf_puts(out, ",\"spread_path\":[");
	for (size_t i = 0; i < s->nhops; i++) {
		const struct vg_story_hop *h = &s->hops[i];
		if (i)
			vg_buf_putc(out, ',');
		vg_buf_puts(out, "{\"host\":");
		json_strv(out, inc->entities[h->host].value);
		vg_buf_puts(out, ",\"reached\":");
		json_time(out, h->reached);
		vg_buf_puts(out, ",\"alert_id\":");
		json_strv(out, h->alert_id);
		vg_buf_puts(out, ",\"alert_title\":");
		json_strv(out, h->alert_title);
		vg_buf_puts(out, ",\"source_ip\":");
		json_strv(out, h->source_ip);
		vg_buf_puts(out, ",\"user\":");
		json_strv(out, h->user);
		vg_buf_puts(out, ",\"techniques\":[");
		for (const char *p = h->techniques, *c; *p;
		     p = c ? c + 1 : p + strlen(p)) {
			c = strchr(p, ',');
			if (p != h->techniques)
				vg_buf_putc(out, ',');
			vg_buf_json_str(out, p, c ? (size_t)(c - p) : strlen(p));
		}
		vg_buf_puts(out, "]}");
	}
	vg_buf_puts(out, "],\"tactic_timeline\":[");
	for (size_t i = 0; i < s->nsteps; i++) {
		const struct vg_story_step *st = &s->steps[i];
		if (i)
			vg_buf_putc(out, ',');
		vg_buf_puts(out, "{\"tactic\":");
		json_strv(out, st->tactic_name);
		vg_buf_puts(out, ",\"first_seen\":");
		json_time(out, st->first_seen);
		vg_buf_puts(out, ",\"alert_id\":");
		json_strv(out, st->alert_id);
		vg_buf_puts(out, ",\"alert_title\":");
		json_strv(out, st->alert_title);
		vg_buf_putc(out, '}');
	}
	vg_buf_putc(out, ']');
}

/* What a document leaves out to fit (vg_incident_document_fit). */
enum doc_level {
	DOC_MINIMAL, /* also the story: sources, spread path, tactic timeline, hosts */
	DOC_SUMMARY, /* the graph, the entities and the alerts */
	DOC_FULL
};

static void doc_build(const struct vg_incident *inc, const struct vg_ranking *rank,
                      const struct vg_incident_text *t,
                      const struct vg_incident_story *story, const char *explanation,
                      enum doc_level level, size_t full_bytes, struct vg_buf *out)
{
	/* attack_sources and hosts_in_order (without a story): the first 64 */
	size_t ips[64], hosts[64];
	size_t nips = entities_of(inc, VG_ENT_IP, ips, 64);
	size_t nhosts = entities_of(inc, VG_ENT_HOST, hosts, 64);
	nips = nips < 64 ? nips : 64;
	nhosts = nhosts < 64 ? nhosts : 64;

	vg_buf_puts(out, "{\"schema\":\"vigil.incident/1\",");
	json_key(out, "id");
	json_strv(out, inc->id);
	vg_buf_printf(out, ",\"version\":%u,", inc->version);
	json_key(out, "title");
	vg_buf_json_str(out, t->title.data, t->title.len);
	vg_buf_putc(out, ',');
	json_key(out, "summary");
	vg_buf_json_str(out, t->summary.data, t->summary.len);
	vg_buf_puts(out, ",\"first_seen\":");
	json_time(out, inc->first_ts);
	vg_buf_puts(out, ",\"last_seen\":");
	json_time(out, inc->last_ts);
	if (rank && rank->score >= 0)
		vg_buf_printf(out, ",\"score\":%.6f,\"priority\":%d,\"surfaced\":%s",
		              rank->score, rank->priority,
		              rank->surfaced ? "true" : "false");
	else
		vg_buf_puts(out, ",\"score\":null,\"priority\":null,\"surfaced\":false");
	vg_buf_puts(out, ",\"max_level\":");
	json_strv(out, t->max_level);
	vg_buf_puts(out, ",\"tactics\":[");
	for (size_t i = 0, start = 0; i <= t->tactics.len && t->tactics.len; i++) {
		if (i == t->tactics.len || t->tactics.data[i] == ',') {
			if (start)
				vg_buf_putc(out, ',');
			vg_buf_json_str(out, t->tactics.data + start, i - start);
			start = i + 1;
		}
	}
	vg_buf_puts(out, "],\"attack_sources\":[");
	if (level == DOC_MINIMAL) {
		story = NULL;
		nips = nhosts = 0;
	}
	for (size_t i = 0; story && i < story->nsources; i++) {
		if (i)
			vg_buf_putc(out, ',');
		json_strv(out, inc->entities[story->sources[i]].value);
	}
	for (size_t i = 0; !story && i < nips; i++) {
		if (i)
			vg_buf_putc(out, ',');
		json_strv(out, inc->entities[ips[i]].value);
	}
	if (story) {
		vg_buf_putc(out, ']');
		story_json(inc, story, level == DOC_FULL, out);
		vg_buf_puts(out, ",\"hosts_in_order\":[");
		for (size_t i = 0; i < story->nhops; i++) {
			if (i)
				vg_buf_putc(out, ',');
			json_strv(out, inc->entities[story->hops[i].host].value);
		}
		nhosts = 0; /* already written in spread order */
	} else {
		vg_buf_puts(out, "],\"hosts_in_order\":[");
	}
	for (size_t i = 0; i < nhosts; i++) {
		if (i)
			vg_buf_putc(out, ',');
		json_strv(out, inc->entities[hosts[i]].value);
	}
	vg_buf_printf(out, "],\"alert_count\":%llu,\"entities\":[",
	              (unsigned long long)(inc->nalerts + inc->alerts_dropped));
	for (size_t i = 0; level == DOC_FULL && i < inc->nentities; i++) {
		const struct vg_entity *e = &inc->entities[i];
		if (i)
			vg_buf_putc(out, ',');
		vg_buf_puts(out, "{\"type\":");
		json_strv(out, vg_entity_type_name(e->type));
		vg_buf_puts(out, ",\"value\":");
		json_strv(out, e->value);
		vg_buf_puts(out, ",\"first_seen\":");
		json_time(out, e->first_seen);
		vg_buf_puts(out, ",\"alerts\":");
		vg_buf_put_u64(out, e->alerts);
		vg_buf_putc(out, '}');
	}
	vg_buf_puts(out, "],\"alerts\":[");
	for (size_t i = 0; level == DOC_FULL && i < inc->nalerts; i++) {
		const struct vg_incident_alert *a = &inc->alerts[i];
		if (i)
			vg_buf_putc(out, ',');
		vg_buf_puts(out, "{\"id\":");
		json_strv(out, a->id);
		vg_buf_puts(out, ",\"rule_id\":");
		json_strv(out, a->rule_id);
		vg_buf_puts(out, ",\"title\":");
		json_strv(out, a->title);
		vg_buf_puts(out, ",\"level\":");
		json_strv(out, vg_level_name(a->level));
		vg_buf_puts(out, a->is_correlation
		                     ? ",\"correlation\":true,\"first_seen\":"
		                     : ",\"correlation\":false,\"first_seen\":");
		json_time(out, a->first_ts);
		vg_buf_puts(out, ",\"last_seen\":");
		json_time(out, a->last_ts);
		vg_buf_puts(out, ",\"event_count\":");
		vg_buf_put_u64(out, a->event_count);
		vg_buf_puts(out, ",\"tags\":[");
		for (size_t j = 0; j < a->ntags; j++) {
			if (j)
				vg_buf_putc(out, ',');
			json_strv(out, a->tags[j]);
		}
		vg_buf_puts(out, "],\"fields\":{");
		for (size_t j = 0; j < a->nfields; j++) {
			if (j)
				vg_buf_putc(out, ',');
			json_key(out, a->fields[j].name);
			json_strv(out, a->fields[j].value);
		}
		vg_buf_puts(out, "}}");
	}
	vg_buf_puts(out, "],\"explanation\":");
	vg_buf_puts(out, explanation ? explanation : "[]");
	if (level != DOC_FULL)
		vg_buf_printf(out,
		              ",\"truncated\":{\"full_bytes\":%zu,\"omitted\":[\"graph\","
		              "\"entities\",\"alerts\"%s]}",
		              full_bytes,
		              level == DOC_MINIMAL
		                  ? ",\"attack_sources\",\"spread_path\","
		                    "\"tactic_timeline\",\"hosts_in_order\""
		                  : "");
	vg_buf_putc(out, '}');
}

int vg_incident_document_fit(const struct vg_incident *inc, const struct vg_ranking *rank,
                             const struct vg_incident_text *t,
                             const struct vg_incident_story *story,
                             const char *explanation, size_t max_bytes,
                             struct vg_buf *out)
{
	size_t start = out->len;
	doc_build(inc, rank, t, story, explanation, DOC_FULL, 0, out);
	size_t full = out->len - start;
	if (full <= max_bytes || out->oom)
		return 2;
	for (int level = DOC_SUMMARY; level >= DOC_MINIMAL; level--) {
		out->len = start;
		doc_build(inc, rank, t, story, explanation, (enum doc_level)level, full,
		          out);
		if (out->len - start <= max_bytes || level == DOC_MINIMAL || out->oom)
			return level;
	}
	return DOC_MINIMAL;
}
