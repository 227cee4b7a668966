/*
 * assemble.c - L3: alerts that share an entity join one incident.
 *
 * An open incident owns its alerts and entities.  Two indexes find incidents fast:
 * linking entity key ("ip:203.0.113.7", "user:deploy@web01") -> incident, and
 * alert id -> incident (so a replayed alert is recognised and changes nothing).
 * An alert that links to several open incidents merges them into the oldest one
 * (smallest first_ts, then smallest id), whose id survives.  Incident ids are a hash
 * of the first alert's id, and alert ids are deterministic, so the same input in the
 * same order gives the same incidents.  Time is event time, given by the caller.
 *
 * An incident quiet for longer than the inactivity gap at an alert's own time is
 * closed for that alert, so the result never depends on when vg_assembler_expire
 * runs; expire only frees memory.
 *
 * Hosts do not link by default: every alert on a busy server names it, and linking
 * on it would glue unrelated activity together.  Processes are recorded but do not
 * link (the same binary runs everywhere); file hashes do.
 */
#include "vg_correlate.h"

#include <stdlib.h>
#include <string.h>

struct open_inc {
	struct vg_incident inc;
	size_t alerts_cap;
	size_t entities_cap;
};

struct vg_assembler {
	struct vg_assembler_conf conf;
	struct vg_strmap by_entity; /* "type:value" -> struct open_inc * (linking only) */
	struct vg_strmap by_alert;  /* alert id -> struct open_inc * */
	struct vg_strmap by_id;     /* incident id -> struct open_inc * */
	struct open_inc **open;
	size_t nopen, open_cap;
	char (*merged)[21];
	char (*merged_into)[21];
	size_t nmerged, merged_cap;
};

const char *vg_entity_type_name(enum vg_entity_type t)
{
	switch (t) {
	case VG_ENT_IP: return "ip";
	case VG_ENT_HOST: return "host";
	case VG_ENT_USER: return "user";
	case VG_ENT_PROCESS: return "process";
	case VG_ENT_HASH: return "hash";
	}
	return "unknown";
}

static bool links(const struct vg_assembler *a, enum vg_entity_type t)
{
	return t == VG_ENT_IP || t == VG_ENT_USER || t == VG_ENT_HASH ||
	       (t == VG_ENT_HOST && a->conf.link_hosts);
}

static void entity_key(char *buf, size_t size, enum vg_entity_type t, const char *value)
{
	snprintf(buf, size, "%s:%s", vg_entity_type_name(t), value);
}

vg_err vg_assembler_new(const struct vg_assembler_conf *conf, struct vg_assembler **out)
{
	struct vg_assembler *a = calloc(1, sizeof(*a));
	if (!a)
		return VG_ERR_NOMEM;
	a->conf = *conf;
	if (!a->conf.max_alerts_kept)
		a->conf.max_alerts_kept = 1000;
	if (a->conf.inactivity_gap <= 0)
		a->conf.inactivity_gap = 3600 * VG_USEC_PER_SEC;
	vg_strmap_init(&a->by_entity);
	vg_strmap_init(&a->by_alert);
	vg_strmap_init(&a->by_id);
	*out = a;
	return VG_OK;
}

static void alert_clear(struct vg_incident_alert *al)
{
	free(al->rule_id);
	free(al->title);
	for (size_t i = 0; i < al->ntags; i++)
		free(al->tags[i]);
	free(al->tags);
	for (size_t i = 0; i < al->nfields; i++) {
		free(al->fields[i].name);
		free(al->fields[i].value);
	}
	free(al->fields);
	memset(al, 0, sizeof(*al));
}

void vg_incident_clear(struct vg_incident *inc)
{
	if (!inc)
		return;
	for (size_t i = 0; i < inc->nalerts; i++)
		alert_clear(&inc->alerts[i]);
	free(inc->alerts);
	for (size_t i = 0; i < inc->nentities; i++)
		free(inc->entities[i].value);
	free(inc->entities);
	memset(inc, 0, sizeof(*inc));
}

void vg_assembler_destroy(struct vg_assembler *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->nopen; i++) {
		vg_incident_clear(&a->open[i]->inc);
		free(a->open[i]);
	}
	free(a->open);
	vg_strmap_free(&a->by_entity);
	vg_strmap_free(&a->by_alert);
	vg_strmap_free(&a->by_id);
	free(a->merged);
	free(a->merged_into);
	free(a);
}

/* Entities an alert names, from its fields.  Returns how many were written. */
struct cand {
	enum vg_entity_type type;
	char value[512];
};

static const char *field(const struct vg_kv *f, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(f[i].name, name) == 0 && f[i].value[0])
			return f[i].value;
	return NULL;
}

static size_t alert_entities(const struct vg_kv *f, size_t n, struct cand *out)
{
	size_t k = 0;
	const char *host = field(f, n, "host.name");
	const char *v;

	if ((v = field(f, n, "source.ip")))
		out[k].type = VG_ENT_IP,
		snprintf(out[k++].value, sizeof(out->value), "%s", v);
	if (host)
		out[k].type = VG_ENT_HOST,
		snprintf(out[k++].value, sizeof(out->value), "%s", host);
	if ((v = field(f, n, "user.name"))) {
		out[k].type = VG_ENT_USER;
		if (host)
			snprintf(out[k++].value, sizeof(out->value), "%s@%s", v, host);
		else
			snprintf(out[k++].value, sizeof(out->value), "%s", v);
	}
	if ((v = field(f, n, "process.executable")))
		out[k].type = VG_ENT_PROCESS,
		snprintf(out[k++].value, sizeof(out->value), "%s", v);
	if ((v = field(f, n, "process.hash.sha256")))
		out[k].type = VG_ENT_HASH,
		snprintf(out[k++].value, sizeof(out->value), "%s", v);
	if ((v = field(f, n, "file.hash.sha256")))
		out[k].type = VG_ENT_HASH,
		snprintf(out[k++].value, sizeof(out->value), "%s", v);
	return k;
}

static struct vg_entity *find_entity(struct vg_incident *inc, enum vg_entity_type t,
                                     const char *value)
{
	for (size_t i = 0; i < inc->nentities; i++)
		if (inc->entities[i].type == t &&
		    strcmp(inc->entities[i].value, value) == 0)
			return &inc->entities[i];
	return NULL;
}

/* Add (or update) an entity of oi and index it.  Returns VG_OK or VG_ERR_NOMEM. */
static vg_err add_entity(struct vg_assembler *a, struct open_inc *oi,
                         enum vg_entity_type t, const char *value, vg_time seen,
                         uint32_t alerts)
{
	struct vg_incident *inc = &oi->inc;
	struct vg_entity *e = find_entity(inc, t, value);
	char key[600];

	if (e) {
		if (seen < e->first_seen)
			e->first_seen = seen;
		e->alerts += alerts;
		if (!links(a, t))
			return VG_OK;
		/* During a merge the key may still point at the absorbed incident. */
		entity_key(key, sizeof(key), t, value);
		return vg_strmap_put(&a->by_entity, key, oi);
	}
	if (inc->nentities == oi->entities_cap) {
		size_t ncap = oi->entities_cap ? oi->entities_cap * 2 : 8;
		struct vg_entity *ne = realloc(inc->entities, ncap * sizeof(*ne));
		if (!ne)
			return VG_ERR_NOMEM;
		inc->entities = ne;
		oi->entities_cap = ncap;
	}
	e = &inc->entities[inc->nentities];
	e->value = strdup(value);
	if (!e->value)
		return VG_ERR_NOMEM;
	e->type = t;
	e->first_seen = seen;
	e->alerts = alerts;
	inc->nentities++;
	if (links(a, t)) {
		entity_key(key, sizeof(key), t, value);
		return vg_strmap_put(&a->by_entity, key, oi);
	}
	return VG_OK;
}

static char *xstrdup(const char *s)
{
	return strdup(s ? s : "");
}

/* Deep-copy src into dst (an incident alert).  Returns VG_OK or VG_ERR_NOMEM. */
static vg_err copy_incident_alert(struct vg_incident_alert *dst,
                                  const struct vg_incident_alert *src)
{
	memset(dst, 0, sizeof(*dst));
	memcpy(dst->id, src->id, sizeof(dst->id));
	dst->level = src->level;
	dst->is_correlation = src->is_correlation;
	dst->first_ts = src->first_ts;
	dst->last_ts = src->last_ts;
	dst->event_count = src->event_count;
	dst->rule_id = xstrdup(src->rule_id);
	dst->title = xstrdup(src->title);
	dst->tags = calloc(src->ntags ? src->ntags : 1, sizeof(char *));
	dst->fields = calloc(src->nfields ? src->nfields : 1, sizeof(struct vg_kv));
	if (!dst->rule_id || !dst->title || !dst->tags || !dst->fields)
		goto oom;
	for (; dst->ntags < src->ntags; dst->ntags++)
		if (!(dst->tags[dst->ntags] = strdup(src->tags[dst->ntags])))
			goto oom;
	for (; dst->nfields < src->nfields; dst->nfields++) {
		struct vg_kv *d = &dst->fields[dst->nfields];
		d->name = strdup(src->fields[dst->nfields].name);
		d->value = strdup(src->fields[dst->nfields].value);
		if (!d->name || !d->value) {
			free(d->name);
			free(d->value);
			goto oom;
		}
	}
	return VG_OK;
oom:
	alert_clear(dst);
	return VG_ERR_NOMEM;
}

static vg_err push_alert(struct vg_assembler *a, struct open_inc *oi,
                         const struct vg_incident_alert *al)
{
	struct vg_incident *inc = &oi->inc;
	vg_err err;

	if (vg_strmap_put(&a->by_alert, al->id, oi) != VG_OK)
		return VG_ERR_NOMEM;
	if (al->first_ts < inc->first_ts)
		inc->first_ts = al->first_ts;
	if (al->last_ts > inc->last_ts)
		inc->last_ts = al->last_ts;
	if (inc->nalerts >= a->conf.max_alerts_kept) {
		inc->alerts_dropped++;
		return VG_OK;
	}
	if (inc->nalerts == oi->alerts_cap) {
		size_t ncap = oi->alerts_cap ? oi->alerts_cap * 2 : 4;
		struct vg_incident_alert *na = realloc(inc->alerts, ncap * sizeof(*na));
		if (!na)
			return VG_ERR_NOMEM;
		inc->alerts = na;
		oi->alerts_cap = ncap;
	}
	err = copy_incident_alert(&inc->alerts[inc->nalerts], al);
	if (err == VG_OK)
		inc->nalerts++;
	return err;
}

static struct open_inc *open_new(struct vg_assembler *a, const char *id)
{
	if (a->nopen == a->open_cap) {
		size_t ncap = a->open_cap ? a->open_cap * 2 : 16;
		struct open_inc **no = realloc(a->open, ncap * sizeof(*no));
		if (!no)
			return NULL;
		a->open = no;
		a->open_cap = ncap;
	}
	struct open_inc *oi = calloc(1, sizeof(*oi));
	if (!oi)
		return NULL;
	snprintf(oi->inc.id, sizeof(oi->inc.id), "%s", id);
	if (vg_strmap_put(&a->by_id, oi->inc.id, oi) != VG_OK) {
		free(oi);
		return NULL;
	}
	oi->inc.first_ts = INT64_MAX;
	oi->inc.last_ts = INT64_MIN;
	oi->inc.score = -1;
	a->open[a->nopen++] = oi;
	return oi;
}

/* Remove oi from the open list and both indexes, and free it. */
static void open_remove(struct vg_assembler *a, struct open_inc *oi)
{
	char key[600];
	for (size_t i = 0; i < oi->inc.nentities; i++) {
		const struct vg_entity *e = &oi->inc.entities[i];
		entity_key(key, sizeof(key), e->type, e->value);
		if (vg_strmap_get(&a->by_entity, key) == oi)
			vg_strmap_del(&a->by_entity, key);
	}
	for (size_t i = 0; i < oi->inc.nalerts; i++)
		if (vg_strmap_get(&a->by_alert, oi->inc.alerts[i].id) == oi)
			vg_strmap_del(&a->by_alert, oi->inc.alerts[i].id);
	vg_strmap_del(&a->by_id, oi->inc.id);
	for (size_t i = 0; i < a->nopen; i++) {
		if (a->open[i] == oi) {
			a->open[i] = a->open[--a->nopen];
			break;
		}
	}
	vg_incident_clear(&oi->inc);
	free(oi);
}

static bool older(const struct open_inc *x, const struct open_inc *y)
{
	if (x->inc.first_ts != y->inc.first_ts)
		return x->inc.first_ts < y->inc.first_ts;
	return strcmp(x->inc.id, y->inc.id) < 0;
}

static void note_merge(struct vg_assembler *a, const char *from, const char *into)
{
	if (a->nmerged == a->merged_cap) {
		size_t ncap = a->merged_cap ? a->merged_cap * 2 : 8;
		char(*nm)[21] = realloc(a->merged, ncap * sizeof(*nm));
		if (!nm)
			return;
		a->merged = nm;
		char(*ni)[21] = realloc(a->merged_into, ncap * sizeof(*ni));
		if (!ni)
			return;
		a->merged_into = ni;
		a->merged_cap = ncap;
	}
	snprintf(a->merged[a->nmerged], 21, "%s", from);
	snprintf(a->merged_into[a->nmerged], 21, "%s", into);
	a->nmerged++;
}

/* Move everything of `from` into `into`, then drop `from`. */
static vg_err merge_into(struct vg_assembler *a, struct open_inc *into,
                         struct open_inc *from)
{
	struct vg_incident *f = &from->inc;
	vg_err err = VG_OK;

	for (size_t i = 0; i < f->nalerts && err == VG_OK; i++)
		err = push_alert(a, into, &f->alerts[i]);
	into->inc.alerts_dropped += f->alerts_dropped;
	for (size_t i = 0; i < f->nentities && err == VG_OK; i++)
		err = add_entity(a, into, f->entities[i].type, f->entities[i].value,
		                 f->entities[i].first_seen, f->entities[i].alerts);
	if (f->first_ts < into->inc.first_ts)
		into->inc.first_ts = f->first_ts;
	if (f->last_ts > into->inc.last_ts)
		into->inc.last_ts = f->last_ts;
	note_merge(a, f->id, into->inc.id);
	/* Index entries still pointing at `from` were re-pointed by add_entity and
	 * push_alert; open_remove only deletes entries that still point at it. */
	open_remove(a, from);
	return err;
}

struct vg_incident *vg_assembler_add(struct vg_assembler *a, const struct vg_alert *alert,
                                     bool *changed)
{
	struct open_inc *hit[16];
	size_t nhit = 0;
	struct cand cands[8];
	size_t ncand;
	char key[600];
	struct vg_rule_info info;
	struct vg_incident_alert al;
	struct open_inc *oi;

	*changed = false;
	oi = vg_strmap_get(&a->by_alert, alert->id);
	if (oi)
		return &oi->inc; /* replayed: already part of this incident */

	ncand = alert_entities(alert->fields, alert->nfields, cands);
	for (size_t i = 0; i < ncand; i++) {
		if (!links(a, cands[i].type))
			continue;
		entity_key(key, sizeof(key), cands[i].type, cands[i].value);
		struct open_inc *o = vg_strmap_get(&a->by_entity, key);
		bool dup = false;
		/* Quiet past the gap at this alert's time: closed, whether or not
		 * expire has run yet (so batching never changes the result). */
		if (o && o->inc.last_ts + a->conf.inactivity_gap < alert->first_ts)
			o = NULL;
		for (size_t j = 0; o && j < nhit; j++)
			dup |= hit[j] == o;
		if (o && !dup && nhit < sizeof(hit) / sizeof(hit[0]))
			hit[nhit++] = o;
	}

	if (nhit == 0) {
		char hex[17], id[21];
		vg_hex64(vg_hash64(alert->id, strlen(alert->id), UINT64_C(0x1c1de7)),
		         hex);
		snprintf(id, sizeof(id), "inc-%s", hex);
		oi = open_new(a, id);
		if (!oi)
			return NULL;
	} else {
		oi = hit[0];
		for (size_t i = 1; i < nhit; i++)
			if (older(hit[i], oi))
				oi = hit[i];
		for (size_t i = 0; i < nhit; i++)
			if (hit[i] != oi && merge_into(a, oi, hit[i]) != VG_OK)
				return NULL;
	}

	vg_rule_info(alert->rule, &info);
	memset(&al, 0, sizeof(al));
	memcpy(al.id, alert->id, sizeof(al.id));
	al.rule_id = (char *)info.id;
	al.title = (char *)info.title;
	al.level = info.level;
	al.tags = (char **)info.tags;
	al.ntags = info.ntags;
	al.is_correlation = info.is_correlation;
	al.first_ts = alert->first_ts;
	al.last_ts = alert->last_ts;
	al.event_count = alert->event_count;
	al.fields = alert->fields;
	al.nfields = alert->nfields;
	if (push_alert(a, oi, &al) != VG_OK)
		return NULL;
	for (size_t i = 0; i < ncand; i++)
		if (add_entity(a, oi, cands[i].type, cands[i].value, alert->first_ts,
		               1) != VG_OK)
			return NULL;
	oi->inc.version++;
	*changed = true;
	return &oi->inc;
}

size_t vg_assembler_take_merged(struct vg_assembler *a, char (*merged)[21],
                                char (*into)[21], size_t max)
{
	size_t n = a->nmerged < max ? a->nmerged : max;
	memcpy(merged, a->merged, n * sizeof(*merged));
	memcpy(into, a->merged_into, n * sizeof(*into));
	memmove(a->merged, a->merged + n, (a->nmerged - n) * sizeof(*a->merged));
	memmove(a->merged_into, a->merged_into + n,
	        (a->nmerged - n) * sizeof(*a->merged_into));
	a->nmerged -= n;
	return n;
}

vg_err vg_assembler_restore(struct vg_assembler *a, const struct vg_incident *inc)
{
	if (vg_strmap_get(&a->by_id, inc->id) || !inc->id[0])
		return VG_ERR_INVALID;
	struct open_inc *oi = open_new(a, inc->id);
	vg_err err = VG_OK;
	if (!oi)
		return VG_ERR_NOMEM;
	oi->inc.version = inc->version;
	oi->inc.first_ts = inc->first_ts;
	oi->inc.last_ts = inc->last_ts;
	oi->inc.score = inc->score;
	oi->inc.priority = inc->priority;
	oi->inc.alerts_dropped = inc->alerts_dropped;
	for (size_t i = 0; i < inc->nalerts && err == VG_OK; i++)
		err = push_alert(a, oi, &inc->alerts[i]);
	for (size_t i = 0; i < inc->nentities && err == VG_OK; i++)
		err = add_entity(a, oi, inc->entities[i].type, inc->entities[i].value,
		                 inc->entities[i].first_seen, inc->entities[i].alerts);
	if (err != VG_OK)
		open_remove(a, oi);
	return err;
}

size_t vg_assembler_expire(struct vg_assembler *a, vg_time now)
{
	size_t closed = 0;
	for (size_t i = 0; i < a->nopen;) {
		struct open_inc *oi = a->open[i];
		if (oi->inc.last_ts + a->conf.inactivity_gap < now) {
			open_remove(a, oi); /* moves the last one into slot i */
			closed++;
		} else {
			i++;
		}
	}
	return closed;
}

struct vg_incident *vg_assembler_get(struct vg_assembler *a, const char *id)
{
	struct open_inc *oi = vg_strmap_get(&a->by_id, id);
	return oi ? &oi->inc : NULL;
}

size_t vg_assembler_open_count(const struct vg_assembler *a)
{
	return a->nopen;
}
