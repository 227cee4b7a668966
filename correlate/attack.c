/*
 * attack.c - what an alert says beyond its rule: ATT&CK names (the 14 Enterprise
 * tactics, technique ids) and, for another detector's alert, that detector's own
 * level and ATT&CK mapping (parsers/alerts.c puts them on the event as
 * vigil.alert.level, threat.tactic.name and threat.technique.id; the correlator
 * copies them into the alert's fields).
 *
 * Incident assembly reads an alert's level and ATT&CK tags through here, so the
 * ranking features, the tactic timeline, the attack sources and the STIX export see
 * a Wazuh level 12 "sudo to ROOT" (T1548.003, Privilege Escalation) as what Wazuh
 * says it is, not as the catch-all rule's "low" without tags.
 */
#include "correlate_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The 14 ATT&CK Enterprise tactics in kill-chain order (the index is the order). */
static const char *const tactics[] = {
    "reconnaissance",  "resource-development",
    "initial-access",  "execution",
    "persistence",     "privilege-escalation",
    "defense-evasion", "credential-access",
    "discovery",       "lateral-movement",
    "collection",      "command-and-control",
    "exfiltration",    "impact",
};
_Static_assert(sizeof(tactics) / sizeof(tactics[0]) == VG_TACTIC_COUNT,
               "ATT&CK has 14 Enterprise tactics");

/* s[0..n) names tactic `name`: ASCII case-insensitively, with '_' and ' ' equal
 * to '-' (Sigma tags are "privilege-escalation", older rules write underscores,
 * Wazuh "Privilege Escalation", Suricata metadata "Privilege_Escalation"). */
static bool tactic_eq(const char *s, size_t n, const char *name)
{
	size_t i = 0;
	for (; i < n && name[i]; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c == '_' || c == ' ')
			c = '-';
		if (c != name[i])
			return false;
	}
	return i == n && !name[i];
}

int vg_attack_tactic(const char *name, size_t n)
{
	for (int i = 0; i < VG_TACTIC_COUNT; i++)
		if (tactic_eq(name, n, tactics[i]))
			return i;
	return -1;
}

int vg_tactic_index(const char *tag)
{
	if (!tag || strncasecmp(tag, "attack.", 7) != 0)
		return -1;
	return vg_attack_tactic(tag + 7, strlen(tag + 7));
}

const char *vg_tactic_name(int index)
{
	return index >= 0 && index < VG_TACTIC_COUNT ? tactics[index] : NULL;
}

bool vg_attack_technique_id(const char *s, size_t n)
{
	if ((n != 5 && n != 9) || (s[0] != 'T' && s[0] != 't'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (i == 5 ? s[i] != '.' : (s[i] < '0' || s[i] > '9'))
			return false;
	return true;
}

/* ------------------------------------------------- the detector's own word */

enum vg_level vg_alert_level(const struct vg_alert *alert)
{
	struct vg_rule_info info;
	vg_rule_info(alert->rule, &info);
	const char *own = vg_kv_get(alert->fields, alert->nfields, "vigil.alert.level");
	for (int l = VG_LEVEL_CRITICAL; own && l > (int)info.level; l--)
		if (strcmp(own, vg_level_name((enum vg_level)l)) == 0)
			return (enum vg_level)l;
	return info.level;
}

/* Call fn on each item of v: the strings of a JSON array of strings ("[\"a\",
 * \"b\"]", as the parsers keep arrays), or v whole.  An item with an escape is
 * skipped: no ATT&CK name has one. */
static void each_item(const char *v, void (*fn)(const char *, size_t, void *), void *ctx)
{
	while (*v == ' ')
		v++;
	if (*v != '[') {
		fn(v, strlen(v), ctx);
		return;
	}
	for (const char *p = v + 1; *p;) {
		const char *q = strchr(p, '"');
		if (!q)
			return;
		const char *e = q + 1;
		while (*e && *e != '"' && *e != '\\')
			e++;
		if (*e == '\\') { /* skip to the string's end */
			while (*e && *e != '"')
				e += e[0] == '\\' && e[1] ? 2 : 1;
		} else if (*e == '"') {
			fn(q + 1, (size_t)(e - q - 1), ctx);
		}
		if (!*e)
			return;
		p = e + 1;
	}
}

struct tag_out {
	char (*out)[48];
	size_t n;
};

static void tag_add(struct tag_out *t, const char *name)
{
	if (t->n >= VG_ALERT_ATTACK_TAGS_MAX)
		return;
	char tag[48];
	snprintf(tag, sizeof(tag), "attack.%s", name);
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->out[i], tag) == 0)
			return;
	memcpy(t->out[t->n++], tag, sizeof(tag));
}

static void tactic_item(const char *s, size_t n, void *ctx)
{
	int i = vg_attack_tactic(s, n);
	if (i >= 0)
		tag_add(ctx, tactics[i]);
}

static void technique_item(const char *s, size_t n, void *ctx)
{
	if (!vg_attack_technique_id(s, n))
		return;
	char id[10];
	for (size_t i = 0; i < n; i++)
		id[i] = s[i] == 'T' ? 't' : s[i];
	id[n] = '\0';
	tag_add(ctx, id);
}

size_t vg_alert_attack_tags(const struct vg_kv *fields, size_t nfields, char out[][48])
{
	struct tag_out t = {out, 0};
	const char *v = vg_kv_get(fields, nfields, "threat.tactic.name");
	if (v)
		each_item(v, tactic_item, &t);
	if ((v = vg_kv_get(fields, nfields, "threat.technique.id")))
		each_item(v, technique_item, &t);
	return t.n;
}
