/*
 * Decoder conformance against real logs and a peer's rule tests (../shared/data):
 *
 *  - loghub OpenSSH_2k and Linux_2k: every line frames; where loghub's ground-truth
 *    template (the *_structured.csv EventTemplate) has a user or an IPv4 address in
 *    a <*> slot, Vigil must extract the same value (user.name / user.target.name,
 *    source.ip / destination.ip) for at least 99% of such values.
 *  - wazuh-ruleset-tests suites sshd, sudo, su, pam, syslog, iptables, auditd,
 *    sysmon_eid_1 and sysmon_eid_11 (ruleset/testing/tests/<suite>.ini: "log N
 *    pass|fail = LINE", then the rule id and decoder Wazuh gives it): every line must
 *    decode to the right Vigil dataset (g_expect: by Wazuh decoder, or by rule id
 *    where Wazuh names none) and carry the fields the Wazuh rules use.  Those fields
 *    are read from the rules themselves (ruleset/rules/<file>.xml): the expected rule
 *    and its ancestors (if_sid / if_matched_sid, or for if_group / if_matched_group
 *    the lowest rule id declaring that group) contribute every <field>, <list
 *    field=>, static field (<srcip>, <user>, <action>, <program_name> ...),
 *    <same_*> / <different_*> option and every $(field) their descriptions show.
 *    g_map names the Vigil field each Wazuh field means (win.eventdata.image ->
 *    process.executable, audit.exe -> process.executable ...); a condition must
 *    hold on the Vigil value (the Wazuh pattern, pcre2 / OS_Regex / OS_Match,
 *    applied to it, a value vocabulary translated where Vigil normalizes it,
 *    e.g. event.outcome failure = Wazuh "failed"), a <list>, an IP / CIDR static,
 *    a <same_*> option or a shown field needs the Vigil field set.  A Wazuh field
 *    without a Vigil equivalent is looked up under its own name (Vigil keeps
 *    vendor names addressable).  <match> / <regex> on the raw text are not
 *    evaluated: Vigil keeps that text in `message`.  "log N fail" lines are ones
 *    Wazuh does NOT give that rule: only the dataset is checked for them.
 *    At least 95% of each suite's lines must be right; every miss is printed with
 *    its reasons.
 *  - Schema: every field of every event parsed here is declared in
 *    schemas/fields.yaml, or is a vendor name taken from the record (a JSON key, a
 *    key=value name, a structured-data parameter).
 *
 * Rates and every miss are printed.  Exit 77 when the data is absent, 1 when a
 * threshold is not met, 0 otherwise.
 */
#include "vg_parsers.h"
#include "vg_test_data.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <dirent.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)n + 1);
	if (!b || fread(b, 1, (size_t)n, f) != (size_t)n)
		abort();
	b[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return b;
}

static bool field_is(const struct vg_event *ev, const char *name, const char *v, size_t n)
{
	const struct vg_value *x = vg_event_get_named(ev, name);
	return x && x->len == n && memcmp(x->ptr, v, n) == 0;
}

static bool is_ipv4(const char *s, size_t n)
{
	int dots = 0, digits = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (!digits)
				return false;
			dots++;
			digits = 0;
		} else if (s[i] >= '0' && s[i] <= '9' && digits < 3) {
			digits++;
		} else {
			return false;
		}
	}
	return dots == 3 && digits;
}

/* Template text right before a <*> that makes the slot a user name. */
static bool user_context(const char *tpl, size_t at)
{
	static const char *const ctx[] = {"invalid user ", "Invalid user ", "for user ",
	                                  "user=",         "password for ", "none for ",
	                                  "publickey for "};
	for (size_t i = 0; i < sizeof(ctx) / sizeof(ctx[0]); i++) {
		size_t n = strlen(ctx[i]);
		if (at >= n && memcmp(tpl + at - n, ctx[i], n) == 0)
			return true;
	}
	return false;
}

/* ------------------------------------------------------------------ schema */

/* Fields found on events that schemas/fields.yaml does not declare and the record
 * does not name (printed once each). */
static char *g_undeclared[64];
static size_t g_nundeclared;

/* Does the record name this field itself?  A JSON key ("NAME":), a key=value name
 * (auditd, structured data) or the last dotted component of either. */
static bool vendor_name(const struct vg_event *ev, const char *name)
{
	const char *last = strrchr(name, '.');
	const char *cands[2] = {name, last ? last + 1 : NULL};
	const char *raw = ev->raw.ptr;
	size_t rlen = ev->raw.len;
	for (int c = 0; c < 2 && cands[c]; c++) {
		size_t n = strlen(cands[c]);
		for (const char *p = raw; p && p + n < raw + rlen;
		     p = memmem(p + 1, rlen - (size_t)(p + 1 - raw), cands[c], n)) {
			if (memcmp(p, cands[c], n) != 0)
				continue;
			char before = p > raw ? p[-1] : ' ';
			char after = p[n];
			if (before == '"' && after == '"')
				return true; /* a JSON key (or value: close enough) */
			if (after == '=' && (p == raw || strchr(" '\"[,", before)))
				return true; /* key=value, also inside msg='...' */
		}
	}
	return false;
}

static void note_undeclared(const char *name, const struct vg_event *ev)
{
	for (size_t i = 0; i < g_nundeclared; i++)
		if (strcmp(g_undeclared[i], name) == 0)
			return;
	if (g_nundeclared == sizeof(g_undeclared) / sizeof(g_undeclared[0]))
		return;
	g_undeclared[g_nundeclared++] = strdup(name);
	printf("  schema: field '%s' is not in schemas/fields.yaml (record: %.120s)\n",
	       name, ev->raw.ptr);
}

static void check_schema(const struct vg_event *ev)
{
	for (vg_field id = 0; (size_t)id < vg_field_count(); id++) {
		if (!vg_event_get(ev, id) || vg_field_is_schema(id))
			continue;
		const char *name = vg_field_name(id);
		if (name && !vendor_name(ev, name))
			note_undeclared(name, ev);
	}
	for (const struct vg_extra *x = ev->extras; x; x = x->next) {
		char name[256];
		snprintf(name, sizeof(name), "%.*s", (int)x->name_len, x->name);
		if (!vendor_name(ev, name))
			note_undeclared(name, ev);
	}
}

struct loghub_stats {
	unsigned lines, framed, values, found;
};

/* Compile a loghub template to a regex: literal text, (.*?) for <*>, anchored. */
static pcre2_code *template_regex(const char *tpl)
{
	char rx[8192];
	size_t k = 0;
	rx[k++] = '^';
	for (const char *p = tpl; *p && k < sizeof(rx) - 16; p++) {
		if (strncmp(p, "<*>", 3) == 0) {
			memcpy(rx + k, "(.*?)", 5);
			k += 5;
			p += 2;
		} else if (strchr("\\^$.|?*+()[]{}", *p)) {
			rx[k++] = '\\';
			rx[k++] = *p;
		} else if (*p == ' ') {
			memcpy(rx + k, "\\s+", 3); /* loghub collapses runs of spaces */
			k += 3;
		} else {
			rx[k++] = *p;
		}
	}
	rx[k++] = '$';
	rx[k] = '\0';
	int ec;
	PCRE2_SIZE eo;
	return pcre2_compile((PCRE2_SPTR)rx, k, PCRE2_DOTALL, &ec, &eo, NULL);
}

static int run_loghub(const char *data, const char *name, vg_time ref,
                      struct vg_parser *parser, struct vg_parse_ctx *ctx,
                      struct vg_arena *arena, struct loghub_stats *st)
{
	char path[4096];
	size_t loglen, csvlen;
	snprintf(path, sizeof(path), "%s/loghub/%s/%s_2k.log", data, name, name);
	char *log = read_all(path, &loglen);
	snprintf(path, sizeof(path), "%s/loghub/%s/%s_2k.log_structured.csv", data, name,
	         name);
	char *csv = read_all(path, &csvlen);
	if (!log || !csv)
		return -1;
	char *lines[4096];
	size_t nl = 0;
	for (char *save = NULL, *l = strtok_r(log, "\n", &save); l && nl < 4096;
	     l = strtok_r(NULL, "\n", &save))
		lines[nl++] = l;
	pcre2_match_data *md = pcre2_match_data_create(32, NULL);
	unsigned printed = 0;
	char *save = NULL;
	for (char *q = csv; *q; q++)
		if (*q == '\r')
			*q = '\n'; /* CRLF files: the empty lines are skipped */
	for (char *q = log; *q; q++)
		if (*q == '\r')
			*q = '\n';
	char *hdr = strtok_r(csv, "\n", &save);
	char *cols[16];
	int ncol = vg_test_csv_split(hdr, cols, 16), c_content = -1, c_tpl = -1;
	for (int i = 0; i < ncol; i++) {
		if (strcmp(cols[i], "Content") == 0)
			c_content = i;
		if (strcmp(cols[i], "EventTemplate") == 0)
			c_tpl = i;
	}
	if (c_content < 0 || c_tpl < 0) {
		printf("  %s: no Content / EventTemplate column\n", name);
		return -1;
	}
	for (char *row = strtok_r(NULL, "\n", &save); row;
	     row = strtok_r(NULL, "\n", &save)) {
		char *f[16];
		int n = vg_test_csv_split(row, f, 16);
		if (n <= c_tpl)
			continue;
		long id = atol(f[0]);
		if (id < 1 || (size_t)id > nl)
			continue;
		const char *line = lines[id - 1];
		st->lines++;
		struct vg_event *ev;
		const char *reason;
		vg_arena_reset(arena);
		if (vg_parse(parser, ctx, VG_FMT_SYSLOG, line, strlen(line), ref, arena,
		             &ev, &reason) != VG_OK) {
			printf("  %s line %ld does not frame (%s): %s\n", name, id,
			       reason, line);
			continue;
		}
		st->framed++;
		check_schema(ev);
		const char *tpl = f[c_tpl], *content = f[c_content];
		pcre2_code *re = template_regex(tpl);
		if (!re)
			continue;
		int rc =
		    pcre2_match(re, (PCRE2_SPTR)content, strlen(content), 0, 0, md, NULL);
		if (rc > 1) {
			PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
			int slot = 0;
			for (const char *p = strstr(tpl, "<*>"); p && slot + 1 < rc;
			     p = strstr(p + 3, "<*>")) {
				slot++;
				const char *v = content + ov[2 * slot];
				size_t vl = ov[2 * slot + 1] - ov[2 * slot];
				bool ip = is_ipv4(v, vl);
				bool user =
				    !ip && vl && user_context(tpl, (size_t)(p - tpl));
				if (!ip && !user)
					continue;
				st->values++;
				bool ok =
				    ip ? field_is(ev, "source.ip", v, vl) ||
				             field_is(ev, "destination.ip", v, vl)
				       : field_is(ev, "user.name", v, vl) ||
				             field_is(ev, "user.target.name", v, vl);
				if (ok)
					st->found++;
				else if (printed++ < 40)
					printf("  %s line %ld: %s '%.*s' not extracted: "
					       "%s\n",
					       name, id, ip ? "ip" : "user", (int)vl, v,
					       content);
			}
		}
		pcre2_code_free(re);
	}
	pcre2_match_data_free(md);
	free(log);
	free(csv);
	return 0;
}

/* ------------------------------------------------------------------ wazuh rules */

enum wz_rx {
	WZ_PRESENT = 0, /* the field must be set (a <list>, an IP / CIDR, same_*) */
	WZ_OSREGEX,
	WZ_OSMATCH,
	WZ_PCRE2,
};

struct wz_cond {
	char *name; /* Wazuh field name: "win.eventdata.image", "srcip", "user" */
	enum wz_rx rx;
	bool negate;
	bool shown; /* a $(field) of the description, not a condition */
	bool raw;   /* <match> / <regex>: on the line's text, selects the path only */
	char *pattern;
	pcre2_code *code; /* compiled on first use */
};

struct wz_rule {
	long id;
	long parents[8]; /* if_sid / if_matched_sid: any of them */
	size_t nparents;
	char *parent_group; /* if_group / if_matched_group, or NULL */
	char *groups;       /* ",g1,g2," of its <group> elements */
	struct wz_cond *c;
	size_t nc;
};

static struct wz_rule *g_rules;
static size_t g_nrules;

/* Decode the five XML entities of text[0..n) into a new string. */
static char *xml_text(const char *t, size_t n)
{
	static const struct {
		const char *ent, *ch;
	} ents[] = {{"&lt;", "<"},
	            {"&gt;", ">"},
	            {"&amp;", "&"},
	            {"&quot;", "\""},
	            {"&apos;", "'"}};
	char *o = malloc(n + 1);
	size_t k = 0;
	if (!o)
		abort();
	for (size_t i = 0; i < n;) {
		size_t j = 0;
		for (; j < sizeof(ents) / sizeof(ents[0]); j++) {
			size_t el = strlen(ents[j].ent);
			if (n - i >= el && memcmp(t + i, ents[j].ent, el) == 0) {
				o[k++] = ents[j].ch[0];
				i += el;
				break;
			}
		}
		if (j == sizeof(ents) / sizeof(ents[0]))
			o[k++] = t[i++];
	}
	o[k] = '\0';
	while (k && (o[k - 1] == ' ' || o[k - 1] == '\n' || o[k - 1] == '\t'))
		o[--k] = '\0';
	size_t lead = strspn(o, " \n\t");
	memmove(o, o + lead, k - lead + 1);
	return o;
}

/* Attribute `name` of the tag text tag[0..n) into out; false when absent. */
static bool xml_attr(const char *tag, size_t n, const char *name, char *out, size_t osz)
{
	size_t nl = strlen(name);
	for (size_t i = 0; i + nl + 2 < n; i++) {
		if ((i == 0 || tag[i - 1] == ' ' || tag[i - 1] == '\t' ||
		     tag[i - 1] == '\n') &&
		    memcmp(tag + i, name, nl) == 0 && tag[i + nl] == '=' &&
		    (tag[i + nl + 1] == '"' || tag[i + nl + 1] == '\'')) {
			char q = tag[i + nl + 1];
			const char *v = tag + i + nl + 2;
			const char *e = memchr(v, q, n - (size_t)(v - tag));
			if (!e)
				return false;
			snprintf(out, osz, "%.*s", (int)(e - v), v);
			return true;
		}
	}
	return false;
}

static void add_cond(struct wz_rule *r, const char *name, enum wz_rx rx, bool negate,
                     bool shown, char *pattern)
{
	r->c = realloc(r->c, (r->nc + 1) * sizeof(*r->c));
	if (!r->c)
		abort();
	r->c[r->nc++] =
	    (struct wz_cond){strdup(name), rx, negate, shown, false, pattern, NULL};
}

/* Static fields of a rule that name a decoded field, and their regex kind. */
static const struct {
	const char *tag;
	enum wz_rx rx;
} g_statics[] = {
    {"srcip", WZ_PRESENT},      {"dstip", WZ_PRESENT},        {"srcport", WZ_OSMATCH},
    {"dstport", WZ_OSMATCH},    {"user", WZ_OSMATCH},         {"srcuser", WZ_OSMATCH},
    {"dstuser", WZ_OSMATCH},    {"action", WZ_OSMATCH},       {"status", WZ_OSMATCH},
    {"protocol", WZ_OSMATCH},   {"url", WZ_OSMATCH},          {"id", WZ_OSMATCH},
    {"extra_data", WZ_OSMATCH}, {"program_name", WZ_OSMATCH}, {"system_name", WZ_OSMATCH},
};

/* One <rule ...>body</rule>. */
static void parse_rule(const char *tag, size_t taglen, const char *b, size_t blen)
{
	char v[64];
	if (!xml_attr(tag, taglen, "id", v, sizeof(v)))
		return;
	struct wz_rule r = {.id = atol(v)};
	for (size_t i = 0; i < g_nrules; i++)
		if (g_rules[i].id == r.id)
			return; /* a later file overwriting a rule: keep the first */
	const char *p = b, *end = b + blen;
	while ((p = memchr(p, '<', (size_t)(end - p))) != NULL) {
		const char *ns = ++p;
		while (p < end && (isalnum((unsigned char)*p) || *p == '_'))
			p++;
		size_t nlen = (size_t)(p - ns);
		const char *te = memchr(p, '>', (size_t)(end - p));
		if (!nlen || !te)
			continue;
		char name[64];
		snprintf(name, sizeof(name), "%.*s", (int)nlen, ns);
		const char *attrs = p;
		size_t alen = (size_t)(te - p);
		bool selfclose = te > p && te[-1] == '/';
		const char *cs = te + 1, *ce = cs;
		if (!selfclose) {
			char close[80];
			snprintf(close, sizeof(close), "</%s>", name);
			ce = memmem(cs, (size_t)(end - cs), close, strlen(close));
			if (!ce)
				break;
			p = ce + strlen(close);
		} else {
			p = te + 1;
		}
		char attr[256];
		bool negate = xml_attr(attrs, alen, "negate", attr, sizeof(attr)) &&
		              strcmp(attr, "yes") == 0;
		if (!strcmp(name, "if_sid") || !strcmp(name, "if_matched_sid")) {
			for (char *q = (char *)cs, *qe; q < ce && r.nparents < 8;
			     q = qe) {
				long id = strtol(q, &qe, 10);
				if (qe == q) {
					qe = q + 1;
					continue;
				}
				r.parents[r.nparents++] = id;
			}
		} else if (!strcmp(name, "if_group") ||
		           !strcmp(name, "if_matched_group")) {
			char *g = xml_text(cs, (size_t)(ce - cs));
			g[strcspn(g, ", |")] = '\0';
			free(r.parent_group);
			r.parent_group = g;
		} else if (!strcmp(name, "group")) {
			char *g = xml_text(cs, (size_t)(ce - cs));
			size_t old = r.groups ? strlen(r.groups) : 0;
			r.groups = realloc(r.groups, old + strlen(g) + 3);
			if (!r.groups)
				abort();
			snprintf(r.groups + old, strlen(g) + 3, "%s%s,", old ? "" : ",",
			         g);
			free(g);
		} else if (!strcmp(name, "field") &&
		           xml_attr(attrs, alen, "name", attr, sizeof(attr))) {
			char type[32] = "osregex";
			xml_attr(attrs, alen, "type", type, sizeof(type));
			enum wz_rx rx = !strcmp(type, "pcre2")     ? WZ_PCRE2
			                : !strcmp(type, "osmatch") ? WZ_OSMATCH
			                                           : WZ_OSREGEX;
			add_cond(&r, attr, rx, negate, false,
			         xml_text(cs, (size_t)(ce - cs)));
		} else if (!strcmp(name, "match") || !strcmp(name, "regex")) {
			char type[32] = "";
			xml_attr(attrs, alen, "type", type, sizeof(type));
			enum wz_rx rx = !strcmp(type, "pcre2")     ? WZ_PCRE2
			                : !strcmp(type, "osregex") ? WZ_OSREGEX
			                : !strcmp(type, "osmatch") ? WZ_OSMATCH
			                : name[0] == 'm'           ? WZ_OSMATCH
			                                           : WZ_OSREGEX;
			add_cond(&r, name, rx, negate, false,
			         xml_text(cs, (size_t)(ce - cs)));
			r.c[r.nc - 1].raw = true;
		} else if (!strcmp(name, "list") &&
		           xml_attr(attrs, alen, "field", attr, sizeof(attr))) {
			add_cond(&r, attr, WZ_PRESENT, false, false, NULL);
		} else if (!strncmp(name, "same_", 5) ||
		           !strncmp(name, "different_", 10)) {
			const char *what = name + (name[0] == 's' ? 5 : 10);
			if (!strcmp(what, "source_ip") || !strcmp(what, "srcip"))
				add_cond(&r, "srcip", WZ_PRESENT, false, false, NULL);
			else if (!strcmp(what, "user") || !strcmp(what, "srcuser") ||
			         !strcmp(what, "dstuser"))
				add_cond(&r, what, WZ_PRESENT, false, false, NULL);
			else if (!strcmp(what, "field")) {
				char *f = xml_text(cs, (size_t)(ce - cs));
				if (f[0])
					add_cond(&r, f, WZ_PRESENT, false, false, NULL);
				free(f); /* add_cond copies the name */
			}
		} else if (!strcmp(name, "description")) {
			char *d = xml_text(cs, (size_t)(ce - cs));
			for (char *q = strstr(d, "$("); q; q = strstr(q + 2, "$(")) {
				char *e = strchr(q, ')');
				if (!e)
					break;
				*e = '\0';
				add_cond(&r, q + 2, WZ_PRESENT, false, true, NULL);
				*e = ')';
			}
			free(d);
		} else {
			for (size_t k = 0; k < sizeof(g_statics) / sizeof(g_statics[0]);
			     k++)
				if (!strcmp(name, g_statics[k].tag))
					add_cond(&r, name, g_statics[k].rx, negate, false,
					         xml_text(cs, (size_t)(ce - cs)));
		}
	}
	g_rules = realloc(g_rules, (g_nrules + 1) * sizeof(*g_rules));
	if (!g_rules)
		abort();
	g_rules[g_nrules++] = r;
}

static int load_rules(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	char *names[512];
	size_t nn = 0;
	for (struct dirent *de; (de = readdir(d)) != NULL && nn < 512;) {
		size_t l = strlen(de->d_name);
		if (l > 4 && strcmp(de->d_name + l - 4, ".xml") == 0)
			names[nn++] = strdup(de->d_name);
	}
	closedir(d);
	/* name order, as Wazuh loads them */
	for (size_t i = 1; i < nn; i++)
		for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			char *t = names[j];
			names[j] = names[j - 1];
			names[j - 1] = t;
		}
	for (size_t i = 0; i < nn; i++) {
		char path[8192];
		size_t len;
		if (snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >=
		    (int)sizeof(path))
			return -1;
		free(names[i]);
		char *x = read_all(path, &len);
		if (!x)
			return -1;
		for (char *c = strstr(x, "<!--"); c; c = strstr(c, "<!--")) {
			char *e = strstr(c + 4, "-->");
			size_t n = e ? (size_t)(e + 3 - c) : strlen(c);
			memset(c, ' ', n);
		}
		for (char *p = strstr(x, "<rule "); p; p = strstr(p, "<rule ")) {
			char *te = strchr(p, '>');
			char *e = te ? strstr(te, "</rule>") : NULL;
			if (!e)
				break;
			parse_rule(p, (size_t)(te - p), te + 1, (size_t)(e - te - 1));
			p = e;
		}
		free(x);
	}
	return 0;
}

static const struct wz_rule *rule_by_id(long id)
{
	for (size_t i = 0; i < g_nrules; i++)
		if (g_rules[i].id == id)
			return &g_rules[i];
	return NULL;
}

/* Does rule r declare group g (<group>g,</group>)? */
static bool declares(const struct wz_rule *r, const char *g)
{
	char key[256];
	snprintf(key, sizeof(key), ",%s,", g);
	return r->groups && strstr(r->groups, key);
}

/* The ways Wazuh can reach a rule: every path from it up its parents (any of an
 * if_sid list; any rule declaring an if_group), rule first.  At most 64 paths of
 * at most 32 rules; a cycle ends a path. */
struct wz_path {
	const struct wz_rule *r[32];
	size_t n;
};

static void paths_of(const struct wz_rule *r, struct wz_path *cur, struct wz_path *out,
                     size_t *nout)
{
	for (size_t i = 0; i < cur->n; i++)
		if (cur->r[i] == r)
			r = NULL; /* a cycle */
	if (!r || cur->n == 32 || *nout == 64) {
		if (*nout < 64)
			out[(*nout)++] = *cur;
		return;
	}
	cur->r[cur->n++] = r;
	size_t before = *nout;
	for (size_t i = 0; i < r->nparents; i++) {
		const struct wz_rule *up = rule_by_id(r->parents[i]);
		if (up)
			paths_of(up, cur, out, nout);
	}
	for (size_t i = 0; r->parent_group && i < g_nrules; i++)
		if (&g_rules[i] != r && declares(&g_rules[i], r->parent_group))
			paths_of(&g_rules[i], cur, out, nout);
	if (*nout == before && *nout < 64)
		out[(*nout)++] = *cur; /* a root */
	cur->n--;
}

/* ------------------------------------------------------------------ patterns */

static void put(char *o, size_t *k, size_t cap, const char *s)
{
	size_t n = strlen(s);
	if (*k + n + 1 < cap) {
		memcpy(o + *k, s, n);
		*k += n;
	}
}

/* OS_Regex / OS_Match (Wazuh's own syntaxes, both case-insensitive) -> PCRE2. */
static pcre2_code *compile_wazuh(const char *pat, enum wz_rx rx)
{
	char o[8192];
	size_t k = 0;
	uint32_t flags = 0;
	if (rx == WZ_PCRE2) {
		snprintf(o, sizeof(o), "%s", pat);
		k = strlen(o);
	} else {
		flags = PCRE2_CASELESS | PCRE2_DOTALL;
		for (const char *p = pat; *p; p++) {
			char lit[3] = {'\\', *p, 0};
			if (rx == WZ_OSREGEX && *p == '\\' && p[1]) {
				p++;
				switch (*p) {
				case 'w': put(o, &k, sizeof(o), "[A-Za-z0-9@_-]"); break;
				case 'W': put(o, &k, sizeof(o), "[^A-Za-z0-9@_-]"); break;
				case 'd': put(o, &k, sizeof(o), "[0-9]"); break;
				case 'D': put(o, &k, sizeof(o), "[^0-9]"); break;
				case 's': put(o, &k, sizeof(o), "[ ]"); break;
				case 'S': put(o, &k, sizeof(o), "[^ ]"); break;
				case 't': put(o, &k, sizeof(o), "\\t"); break;
				case 'p':
					put(o, &k, sizeof(o),
					    "[()*+,\\-.:;<=>?\\[\\]!\"'#$%&|{}]");
					break;
				case '.': put(o, &k, sizeof(o), "."); break;
				default:
					lit[1] = *p;
					put(o, &k, sizeof(o),
					    isalnum((unsigned char)*p) ? lit + 1 : lit);
				}
			} else if (rx == WZ_OSREGEX && strchr("^$|()+*", *p)) {
				lit[1] = '\0';
				lit[0] = *p;
				put(o, &k, sizeof(o), lit);
			} else if (rx == WZ_OSMATCH && *p == '|') {
				put(o, &k, sizeof(o), "|");
			} else if (rx == WZ_OSMATCH && *p == '^' &&
			           (p == pat || p[-1] == '|')) {
				put(o, &k, sizeof(o), "^");
			} else if (rx == WZ_OSMATCH && *p == '$' &&
			           (p[1] == '\0' || p[1] == '|')) {
				put(o, &k, sizeof(o), "$");
			} else if (isalnum((unsigned char)*p) ||
			           (unsigned char)*p >= 0x80 || *p == ' ' || *p == '_' ||
			           *p == '/' || *p == '-' || *p == ':' || *p == '@' ||
			           *p == ',' || *p == '=') {
				lit[0] = *p;
				lit[1] = '\0';
				put(o, &k, sizeof(o), lit);
			} else {
				put(o, &k, sizeof(o), lit);
			}
		}
	}
	int ec;
	PCRE2_SIZE eo;
	return pcre2_compile((PCRE2_SPTR)o, k, flags, &ec, &eo, NULL);
}

/* ------------------------------------------------------------------ mapping */

/* The Vigil field(s) a Wazuh field means ('|' = any of them), and how Vigil's
 * normalized values read in Wazuh's vocabulary ("vigil=wazuh;..."), when they
 * differ.  vigil NULL: no normalized field; the Wazuh name is looked up as it is.
 * vigil "": the condition is what the dataset check already covers. */
static const struct wz_map {
	const char *wazuh, *vigil, *vocab;
} g_map[] = {
    {"srcip", "source.ip", NULL},
    {"dstip", "destination.ip", NULL},
    {"srcport", "source.port", NULL},
    {"dstport", "destination.port", NULL},
    {"user", "user.name|user.target.name", NULL},
    {"srcuser", "user.name", NULL},
    {"dstuser", "user.target.name|user.effective.name", NULL},
    {"action", "event.type", "denied=DROP;allowed=ACCEPT"},
    {"protocol", "network.transport", NULL},
    {"url", "url.original", NULL},
    {"program_name", "process.name", NULL},
    {"win.system.eventID", "event.code", NULL},
    {"win.system.providerName", "event.provider", NULL},
    {"win.system.channel", "", NULL},
    {"win.system.computer", "host.name", NULL},
    {"win.system.severityValue", NULL, NULL},
    {"win.eventdata.image", "process.executable", NULL},
    {"win.eventdata.commandLine", "process.command_line", NULL},
    {"win.eventdata.processId", "process.pid", NULL},
    {"win.eventdata.parentImage", "process.parent.executable", NULL},
    {"win.eventdata.parentCommandLine", "process.parent.command_line", NULL},
    {"win.eventdata.parentProcessId", "process.parent.pid", NULL},
    {"win.eventdata.originalFileName", "process.pe.original_file_name", NULL},
    {"win.eventdata.currentDirectory", "process.working_directory", NULL},
    {"win.eventdata.user", "user.name", NULL},
    {"win.eventdata.targetFilename", "file.path", NULL},
    {"win.eventdata.targetFileName", "file.path", NULL},
    {"win.eventdata.destinationIp", "destination.ip", NULL},
    {"win.eventdata.destinationPort", "destination.port", NULL},
    {"win.eventdata.sourceIp", "source.ip", NULL},
    {"win.eventdata.integrityLevel", NULL, NULL},
    {"win.eventdata.description", NULL, NULL},
    {"audit.type", "auditd.record_types", NULL},
    {"audit.res", "event.outcome", "failure=failed"},
    {"audit.key", "auditd.key", NULL},
    {"audit.exe", "process.executable", NULL},
    {"audit.command", "process.name", NULL},
    {"audit.cwd", "process.working_directory", NULL},
    {"audit.pid", "process.pid", NULL},
    {"audit.ppid", "process.parent.pid", NULL},
    {"audit.uid", "user.id", NULL},
    {"audit.euid", "user.effective.id", NULL},
    {"audit.auid", "user.audit.id", NULL},
    {"audit.acct", "user.name", NULL},
    {"audit.file.name", "file.path", NULL},
};

static const struct wz_map *map_of(const char *wazuh)
{
	for (size_t i = 0; i < sizeof(g_map) / sizeof(g_map[0]); i++)
		if (strcmp(g_map[i].wazuh, wazuh) == 0)
			return &g_map[i];
	return NULL;
}

/* v in Wazuh's vocabulary (vocab "vigil=wazuh;..."), into buf. */
static const char *vocab_of(const char *vocab, const struct vg_value *v, char *buf,
                            size_t bsz)
{
	snprintf(buf, bsz, "%.*s", (int)v->len, v->ptr);
	for (const char *p = vocab; p && *p;) {
		const char *eq = strchr(p, '='), *sc = strchr(p, ';');
		size_t e = sc ? (size_t)(sc - p) : strlen(p);
		if (eq && (size_t)(eq - p) == v->len && memcmp(p, v->ptr, v->len) == 0) {
			snprintf(buf, bsz, "%.*s", (int)(e - (size_t)(eq + 1 - p)),
			         eq + 1);
			break;
		}
		p = sc ? sc + 1 : p + e;
	}
	return buf;
}

/* t as Wazuh renders a win.eventdata value (its rules are written against that):
 * analysisd JSON-escapes it once more than the record, '\\' -> "\\\\" and '"' -> "\\"",
 * which Vigil undoes when it normalizes (parsers/json_event.c). */
static const char *wazuh_escaped(const char *t, char *buf, size_t bsz)
{
	size_t n = 0;
	for (; *t && n + 2 < bsz; t++) {
		if (*t == '\\' || *t == '"')
			buf[n++] = '\\';
		buf[n++] = *t;
	}
	buf[n] = '\0';
	return buf;
}

/* Does ev satisfy c?  On failure, the reason is appended to why (if not NULL and
 * not there yet). */
static bool cond_holds(struct wz_cond *c, const struct vg_event *ev, pcre2_match_data *md,
                       char *why, size_t wsz)
{
	const struct wz_map *m = map_of(c->name);
	char names[256];
	if (c->raw) {
		if (!c->code && !(c->code = compile_wazuh(c->pattern, c->rx)))
			return true; /* not ours to judge */
		const struct vg_value *msg = vg_event_get_named(ev, "message");
		bool hit = pcre2_match(c->code, (PCRE2_SPTR)ev->raw.ptr, ev->raw.len, 0,
		                       0, md, NULL) >= 0 ||
		           (msg && pcre2_match(c->code, (PCRE2_SPTR)msg->ptr, msg->len, 0,
		                               0, md, NULL) >= 0);
		return hit != c->negate;
	}
	if (m && m->vigil && !m->vigil[0])
		return true; /* the dataset check covers it */
	if (c->shown && (!m || !m->vigil))
		return true; /* displayed, no normalized field to require */
	snprintf(names, sizeof(names), "%s", m && m->vigil ? m->vigil : c->name);
	const struct vg_value *best = NULL;
	bool ok = false;
	char *save = NULL;
	for (char *f = strtok_r(names, "|", &save); f && !ok;
	     f = strtok_r(NULL, "|", &save)) {
		const struct vg_value *v = vg_event_get_named(ev, f);
		if (!v)
			continue;
		best = v;
		if (c->rx == WZ_PRESENT || !c->pattern) {
			ok = true;
			continue;
		}
		if (!c->code && !(c->code = compile_wazuh(c->pattern, c->rx))) {
			if (why)
				snprintf(why + strlen(why), wsz - strlen(why),
				         "; pattern of %s does not compile: %s", c->name,
				         c->pattern);
			return false;
		}
		char buf[8192], esc[16384];
		const char *t = vocab_of(m ? m->vocab : NULL, v, buf, sizeof(buf));
		if (strncmp(c->name, "win.eventdata.", 14) == 0)
			t = wazuh_escaped(t, esc, sizeof(esc));
		int rc = pcre2_match(c->code, (PCRE2_SPTR)t, strlen(t), 0, 0, md, NULL);
		ok = (rc >= 0) != c->negate;
	}
	if (!ok && why) {
		char r[1024];
		if (!best)
			snprintf(r, sizeof(r), "; %s unset (Wazuh %s)",
			         m && m->vigil ? m->vigil : c->name, c->name);
		else
			snprintf(r, sizeof(r), "; %s '%.*s' %s Wazuh %s '%s'",
			         m && m->vigil ? m->vigil : c->name,
			         (int)(best->len < 60 ? best->len : 60), best->ptr,
			         c->negate ? "matches the negated" : "does not match",
			         c->name, c->pattern);
		size_t l = strlen(why);
		if (!strstr(why, r))
			snprintf(why + l, wsz - l, "%s", r);
	}
	return ok;
}

/* ------------------------------------------------------------------ expectations */

/* What Vigil must make of a line, by the Wazuh decoder (rule 0) or, where Wazuh
 * names no decoder, by the rule id. */
static const struct wz_expect {
	long rule;
	const char *decoder;
	const char *datasets; /* event.dataset values, space-separated */
	const char *need;     /* a field that must be set besides (a pattern matched) */
} g_expect[] = {
    {0, "sshd", "sshd", "event.action"},
    {0, "sudo", "sudo", "event.action"},
    /* su(pam_unix) lines: the PAM module wrote them (dataset pam) */
    {0, "su", "su pam", "event.action"},
    {0, "pam", "pam", "event.action"},
    {0, "kernel", "firewall", "event.action"},
    {0, "auditd", "auditd", "event.action"},
    {0, "json", "sysmon", "event.category"},
    /* syslog.ini names no decoder: by rule */
    {2941, NULL, "networkmanager", "event.action"},
    /* nouveau GPU errors: a kernel line with no security content */
    {2944, NULL, "kernel", NULL},
    {2945, NULL, "rsyslog", "event.action"},
    {5905, NULL, "user_mgmt", "event.action"},
};

static const struct wz_expect *expect_for(const char *decoder, long rule)
{
	for (size_t i = 0; i < sizeof(g_expect) / sizeof(g_expect[0]); i++)
		if (g_expect[i].rule
		        ? g_expect[i].rule == rule
		        : decoder[0] && strcmp(g_expect[i].decoder, decoder) == 0)
			return &g_expect[i];
	return NULL;
}

static bool word_in(const char *list, const struct vg_value *v)
{
	for (const char *p = list; v && *p;) {
		size_t n = strcspn(p, " ");
		if (n == v->len && memcmp(p, v->ptr, n) == 0)
			return true;
		p += n;
		p += strspn(p, " ");
	}
	return false;
}

/* ------------------------------------------------------------------ wazuh suites */

struct wz_stats {
	unsigned lines, framed, right;
	unsigned conds; /* rule field conditions checked on the lines' Wazuh paths */
};

/* Wazuh test lines that contradict their own rule: Wazuh itself cannot give them
 * that rule, so the miss is printed with this note (and still counted). */
static const struct {
	long rule;
	const char *line_start, *note;
} g_upstream[] = {
    {80717, "type=ANOM_AMTU_FAIL ",
     "upstream test error: rule 80717 wants audit.type ANOM_RBAC_FAIL|"
     "ANOM_RBAC_INTEGRITY_FAIL; an ANOM_AMTU_FAIL record is rule 80715's"},
};

struct wz_line {
	char *text;
	bool pass; /* "log N pass" (Wazuh gives it the rule) */
};

/* Judge one line against its section's rule and decoder. */
static void judge(const char *suite, const struct wz_line *l, long rule,
                  const char *decoder, struct vg_parser *parser, struct vg_parse_ctx *ctx,
                  struct vg_arena *arena, pcre2_match_data *md, struct wz_stats *st)
{
	struct vg_event *ev;
	const char *reason;
	char why[4096] = "";
	vg_arena_reset(arena);
	st->lines++;
	if (vg_parse(parser, ctx, VG_FMT_AUTO, l->text, strlen(l->text),
	             vg_time_from_civil(2020, 6, 1, 0, 0, 0, 0), arena, &ev,
	             &reason) != VG_OK) {
		printf("  MISS %s rule %ld: does not frame (%s): %.200s\n", suite, rule,
		       reason, l->text);
		return;
	}
	st->framed++;
	check_schema(ev);
	const struct wz_expect *x = expect_for(decoder, rule);
	if (!x) {
		snprintf(why, sizeof(why),
		         "; no Vigil expectation for Wazuh decoder '%s'", decoder);
	} else {
		const struct vg_value *ds = vg_event_get_named(ev, "event.dataset");
		if (!word_in(x->datasets, ds))
			snprintf(why, sizeof(why), "; event.dataset %.*s, want %s",
			         ds ? (int)ds->len : 4, ds ? ds->ptr : "none",
			         x->datasets);
		if (x->need && !vg_event_get_named(ev, x->need))
			snprintf(why + strlen(why), sizeof(why) - strlen(why),
			         "; %s unset (no pattern matched)", x->need);
	}
	/* the rule chain's conditions ("fail" lines: Wazuh does not give that rule) */
	const struct wz_rule *r = l->pass ? rule_by_id(rule) : NULL;
	if (l->pass && !r)
		snprintf(why + strlen(why), sizeof(why) - strlen(why),
		         "; rule %ld not found in the Wazuh rules", rule);
	if (r) {
		static struct wz_path paths[64];
		struct wz_path cur = {.n = 0};
		size_t np = 0;
		paths_of(r, &cur, paths, &np);
		/* A path whose <match> / <regex> does not hold on the line is one Wazuh
		 * did not take; when none holds (a pattern meant for another part of
		 * the text), every path is a candidate. */
		bool feasible[64], any = false;
		for (size_t p = 0; p < np; p++) {
			feasible[p] = true;
			for (size_t k = 0; k < paths[p].n; k++)
				for (size_t i = 0; i < paths[p].r[k]->nc; i++)
					if (paths[p].r[k]->c[i].raw &&
					    !cond_holds(&paths[p].r[k]->c[i], ev, md,
					                NULL, 0))
						feasible[p] = false;
			any |= feasible[p];
		}
		char first[2048] = "";
		bool ok = false;
		unsigned conds = 0;
		for (size_t p = 0; p < np && !ok; p++) {
			if (any && !feasible[p])
				continue;
			char pw[2048] = "";
			for (size_t k = 0; k < paths[p].n; k++)
				for (size_t i = 0; i < paths[p].r[k]->nc; i++)
					if (!paths[p].r[k]->c[i].raw)
						cond_holds(&paths[p].r[k]->c[i], ev, md,
						           pw, sizeof(pw));
			ok = !pw[0];
			if (ok || !first[0]) {
				unsigned n = 0;
				for (size_t k = 0; k < paths[p].n; k++)
					for (size_t i = 0; i < paths[p].r[k]->nc; i++)
						n += !paths[p].r[k]->c[i].raw &&
						     !paths[p].r[k]->c[i].shown;
				conds = n;
			}
			if (!ok && !first[0])
				memcpy(first, pw, sizeof(first));
		}
		if (!ok)
			snprintf(why + strlen(why), sizeof(why) - strlen(why), "%s",
			         first);
		st->conds += conds;
	}
	if (!why[0]) {
		st->right++;
		return;
	}
	for (size_t i = 0; i < sizeof(g_upstream) / sizeof(g_upstream[0]); i++)
		if (g_upstream[i].rule == rule &&
		    strncmp(l->text, g_upstream[i].line_start,
		            strlen(g_upstream[i].line_start)) == 0)
			snprintf(why + strlen(why), sizeof(why) - strlen(why), " (%s)",
			         g_upstream[i].note);
	printf("  MISS %s rule %ld: %s: %.200s\n", suite, rule, why + 2, l->text);
}

static void run_wazuh(const char *data, const char *suite, struct vg_parser *parser,
                      struct vg_parse_ctx *ctx, struct vg_arena *arena,
                      struct wz_stats *st)
{
	char path[4096];
	size_t len;
	snprintf(path, sizeof(path),
	         "%s/wazuh-ruleset-tests/ruleset/testing/tests/%s.ini", data, suite);
	char *txt = read_all(path, &len);
	if (!txt) {
		printf("  %s: cannot read %s\n", suite, path);
		return;
	}
	pcre2_match_data *md = pcre2_match_data_create(64, NULL);
	/* A section: [title], log lines, rule = N, alert = N, decoder = NAME. */
	struct wz_line logs[64];
	size_t nlogs = 0;
	long rule = 0;
	char *save = NULL;
	for (char *l = strtok_r(txt, "\n", &save);; l = strtok_r(NULL, "\n", &save)) {
		if (l) {
			size_t n = strlen(l);
			while (n && (l[n - 1] == '\r' || l[n - 1] == ' '))
				l[--n] = '\0';
		}
		if (l && strncmp(l, "log ", 4) == 0) {
			char *eq = strstr(l, " = ");
			if (eq && nlogs < 64)
				logs[nlogs++] =
				    (struct wz_line){eq + 3, strstr(l, " pass") &&
				                                 strstr(l, " pass") < eq};
			continue;
		}
		if (l && strncmp(l, "rule", 4) == 0) {
			char *eq = strchr(l, '=');
			rule = eq ? atol(eq + 1) : 0;
			continue;
		}
		if (l && strncmp(l, "decoder", 7) == 0) {
			char *eq = strchr(l, '=');
			char *dec = eq ? eq + 1 : l + 7;
			dec += strspn(dec, " ");
			for (size_t i = 0; i < nlogs; i++)
				judge(suite, &logs[i], rule, dec, parser, ctx, arena, md,
				      st);
			nlogs = 0;
			continue;
		}
		if (!l || l[0] == '[')
			nlogs = 0;
		if (!l)
			break;
	}
	pcre2_match_data_free(md);
	free(txt);
}

int main(void)
{
	const char *data = getenv("VIGIL_SHARED_DATA");
	char path[4096];
	struct stat st;
	snprintf(path, sizeof(path), "%s/loghub/OpenSSH/OpenSSH_2k.log",
	         data ? data : "");
	if (!data || stat(path, &st) != 0) {
		printf(
		    "SKIP: loghub / wazuh data not found (%s); set VIGIL_SHARED_DATA\n",
		    data ? path : "VIGIL_SHARED_DATA unset");
		return 77;
	}
	struct vg_parser *parser;
	struct vg_diag diag;
	vg_diag_init(&diag);
	if (vg_parser_new(NULL, &parser, &diag) != VG_OK) {
		vg_diag_print(&diag, stderr);
		return 1;
	}
	vg_diag_clear(&diag);
	struct vg_parse_ctx *ctx = vg_parse_ctx_new(parser);
	struct vg_arena *arena = vg_arena_new(0);
	int fail = 0;

	static const struct {
		const char *name;
		int year;
	} hubs[] = {{"OpenSSH", 2015}, {"Linux", 2005}};
	for (size_t i = 0; i < 2; i++) {
		struct loghub_stats s = {0};
		printf("loghub %s:\n", hubs[i].name);
		if (run_loghub(data, hubs[i].name,
		               vg_time_from_civil(hubs[i].year, 7, 1, 0, 0, 0, 0), parser,
		               ctx, arena, &s) != 0) {
			printf("  cannot read the %s sample\n", hubs[i].name);
			fail = 1;
			continue;
		}
		double rate = s.values ? 100.0 * s.found / s.values : 100.0;
		printf("loghub %-8s lines %u framed %u (%.1f%%); user/ip values %u "
		       "extracted "
		       "%u (%.2f%%)\n",
		       hubs[i].name, s.lines, s.framed, 100.0 * s.framed / s.lines,
		       s.values, s.found, rate);
		if (s.framed != s.lines || rate < 99.0)
			fail = 1;
	}

	snprintf(path, sizeof(path), "%s/wazuh-ruleset-tests/ruleset/rules", data);
	if (load_rules(path) != 0 || g_nrules == 0) {
		printf("cannot read the Wazuh rules in %s\n", path);
		return 1;
	}
	printf("wazuh: %zu rules loaded\n", g_nrules);
	static const char *const wz[] = {"sshd",   "sudo",         "su",
	                                 "pam",    "syslog",       "iptables",
	                                 "auditd", "sysmon_eid_1", "sysmon_eid_11"};
	struct wz_stats all = {0}, s[sizeof(wz) / sizeof(wz[0])];
	for (size_t i = 0; i < sizeof(wz) / sizeof(wz[0]); i++) {
		s[i] = (struct wz_stats){0};
		run_wazuh(data, wz[i], parser, ctx, arena, &s[i]);
		all.lines += s[i].lines;
		all.framed += s[i].framed;
		all.right += s[i].right;
	}
	for (size_t i = 0; i < sizeof(wz) / sizeof(wz[0]); i++) {
		double r = s[i].lines ? 100.0 * s[i].right / s[i].lines : 0.0;
		printf("wazuh %-14s lines %3u framed %3u; right dataset and rule fields "
		       "%3u (%.1f%%); rule field conditions checked %u\n",
		       wz[i], s[i].lines, s[i].framed, s[i].right, r, s[i].conds);
		if (!s[i].lines || r < 95.0)
			fail = 1;
	}
	printf("wazuh all suites: %u of %u lines right (%.1f%%, need 95%% per suite)\n",
	       all.right, all.lines, all.lines ? 100.0 * all.right / all.lines : 0.0);
	printf("schema: %zu field name(s) on these events not in schemas/fields.yaml\n",
	       g_nundeclared);
	if (g_nundeclared)
		fail = 1;

	for (size_t i = 0; i < g_nrules; i++) {
		for (size_t k = 0; k < g_rules[i].nc; k++) {
			free(g_rules[i].c[k].name);
			free(g_rules[i].c[k].pattern);
			pcre2_code_free(g_rules[i].c[k].code);
		}
		free(g_rules[i].c);
		free(g_rules[i].parent_group);
		free(g_rules[i].groups);
	}
	free(g_rules);
	for (size_t i = 0; i < g_nundeclared; i++)
		free(g_undeclared[i]);
	vg_arena_destroy(arena);
	vg_parse_ctx_destroy(ctx);
	vg_parser_destroy(parser);
	return fail;
}
