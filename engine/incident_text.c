/*
 * incident_text.c - what an incident says to people: title, summary, ATT&CK
 * tactics in kill-chain order, attack sources, spread over hosts, and the JSON
 * document published on the output topic (schemas/incident.schema.json).
 *
 * Built from templates over the incident's alerts and entities; deterministic (same
 * incident, same bytes), so a replay republishes identical documents.
 */
#include "incident_text.h"

#include <stdlib.h>
#include <string.h>

/* ATT&CK enterprise tactics in kill-chain order, as Sigma tags spell them. */
static const char *const g_tactics[] = {
    "reconnaissance",  "resource-development",
    "initial-access",  "execution",
    "persistence",     "privilege-escalation",
    "defense-evasion", "credential-access",
    "discovery",       "lateral-movement",
    "collection",      "command-and-control",
    "exfiltration",    "impact",
};
#define NTACTICS (sizeof(g_tactics) / sizeof(g_tactics[0]))

int vg_tactic_index(const char *tag)
{
	if (strncmp(tag, "attack.", 7) != 0)
		return -1;
	for (size_t i = 0; i < NTACTICS; i++)
		if (!strcmp(tag + 7, g_tactics[i]))
			return (int)i;
	return -1;
}

const char *vg_tactic_name(int index)
{
	return index >= 0 && (size_t)index < NTACTICS ? g_tactics[index] : NULL;
}

static void tactics_csv(const struct vg_incident *inc, struct vg_buf *out)
{
	bool seen[NTACTICS] = {false};
	for (size_t i = 0; i < inc->nalerts; i++)
		for (size_t j = 0; j < inc->alerts[i].ntags; j++) {
			int t = vg_tactic_index(inc->alerts[i].tags[j]);
			if (t >= 0)
				seen[t] = true;
		}
	for (size_t t = 0; t < NTACTICS; t++)
		if (seen[t]) {
			if (out->len)
				vg_buf_putc(out, ',');
			vg_buf_puts(out, g_tactics[t]);
		}
}

/* The alert that names the incident: highest level, then correlation, then first. */
static const struct vg_incident_alert *lead_alert(const struct vg_incident *inc)
{
	const struct vg_incident_alert *best = NULL;
	for (size_t i = 0; i < inc->nalerts; i++) {
		const struct vg_incident_alert *a = &inc->alerts[i];
		if (!best || a->level > best->level ||
		    (a->level == best->level && a->is_correlation &&
		     !best->is_correlation))
			best = a;
	}
	return best;
}

/* Entities of one type ordered by first_seen (then value): indexes into entities. */
static size_t entities_of(const struct vg_incident *inc, enum vg_entity_type t,
                          size_t *idx, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < inc->nentities && n < max; i++) {
		if (inc->entities[i].type != t)
			continue;
		size_t j = n++;
		while (j > 0) {
			const struct vg_entity *p = &inc->entities[idx[j - 1]],
			                       *e = &inc->entities[i];
			if (p->first_seen < e->first_seen ||
			    (p->first_seen == e->first_seen &&
			     strcmp(p->value, e->value) <= 0))
				break;
			idx[j] = idx[j - 1];
			j--;
		}
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

void vg_incident_text_build(const struct vg_incident *inc, const struct vg_ranking *rank,
                            struct vg_incident_text *t)
{
	size_t ips[64], hosts[64], users[64];
	size_t nips = entities_of(inc, VG_ENT_IP, ips, 64);
	size_t nhosts = entities_of(inc, VG_ENT_HOST, hosts, 64);
	size_t nusers = entities_of(inc, VG_ENT_USER, users, 64);
	const struct vg_incident_alert *lead = lead_alert(inc);
	enum vg_level max_level = lead ? lead->level : VG_LEVEL_INFORMATIONAL;

	vg_buf_reset(&t->title);
	vg_buf_reset(&t->summary);
	vg_buf_reset(&t->tactics);
	tactics_csv(inc, &t->tactics);
	t->max_level = vg_level_name(max_level);

	vg_buf_puts(&t->title, lead ? lead->title : "Incident");
	if (nips) {
		vg_buf_puts(&t->title, " from ");
		vg_buf_puts(&t->title, inc->entities[ips[0]].value);
	}
	if (nhosts) {
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
	if (t->tactics.len) {
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
		vg_buf_printf(out, ",\"value\":%.6g,\"contribution\":%.6g}",
		              (double)rank->features[i], (double)rank->contrib[i]);
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
		vg_buf_printf(out, "%.6g", (double)rank->features[i]);
	}
	vg_buf_putc(out, '}');
}

void vg_incident_document(const struct vg_incident *inc, const struct vg_ranking *rank,
                          const struct vg_incident_text *t, const char *explanation,
                          struct vg_buf *out)
{
	size_t ips[64], hosts[64];
	size_t nips = entities_of(inc, VG_ENT_IP, ips, 64);
	size_t nhosts = entities_of(inc, VG_ENT_HOST, hosts, 64);

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
	for (size_t i = 0; i < nips; i++) {
		if (i)
			vg_buf_putc(out, ',');
		json_strv(out, inc->entities[ips[i]].value);
	}
	vg_buf_puts(out, "],\"hosts_in_order\":[");
	for (size_t i = 0; i < nhosts; i++) {
		if (i)
			vg_buf_putc(out, ',');
		json_strv(out, inc->entities[hosts[i]].value);
	}
	vg_buf_printf(out, "],\"alert_count\":%llu,\"entities\":[",
	              (unsigned long long)(inc->nalerts + inc->alerts_dropped));
	for (size_t i = 0; i < inc->nentities; i++) {
		const struct vg_entity *e = &inc->entities[i];
		if (i)
			vg_buf_putc(out, ',');
		vg_buf_puts(out, "{\"type\":");
		json_strv(out, vg_entity_type_name(e->type));
		vg_buf_puts(out, ",\"value\":");
		json_strv(out, e->value);
		vg_buf_puts(out, ",\"first_seen\":");
		json_time(out, e->first_seen);
		vg_buf_printf(out, ",\"alerts\":%u}", e->alerts);
	}
	vg_buf_puts(out, "],\"alerts\":[");
	for (size_t i = 0; i < inc->nalerts; i++) {
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
		vg_buf_printf(out, ",\"correlation\":%s,\"first_seen\":",
		              a->is_correlation ? "true" : "false");
		json_time(out, a->first_ts);
		vg_buf_puts(out, ",\"last_seen\":");
		json_time(out, a->last_ts);
		vg_buf_printf(out, ",\"event_count\":%llu,\"tags\":[",
		              (unsigned long long)a->event_count);
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
	vg_buf_putc(out, '}');
}
