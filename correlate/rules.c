/*
 * rules.c - loading Sigma detection and correlation rules into a vg_ruleset.
 *
 * Input is YAML (libyaml's document API), from files, directories (recursive,
 * *.yml / *.yaml, sorted by name so the load order is stable) or the embedded
 * default rules (correlate/rules/).  A file may hold several documents.
 *
 * Each rule document is compiled on its own: every problem found in it is reported
 * as "file:line:col: error: rule '<id or title>': <reason>" and the rule is skipped;
 * the other rules still load.  Field names are mapped through
 * schemas/field-aliases.yaml (vendor name -> ECS field) and everything else is
 * interned as written, so matching is an O(1) vg_event_get.  The Sigma logsource is
 * mapped to conditions on event fields through schemas/logsources.yaml.
 *
 * Invariants: the ruleset returned is immutable; every correlation's `rules` are
 * resolved to detection rules of the same ruleset; a detection rule's `standalone`
 * flag says whether it emits alerts by itself.
 *
 * Extension points: modifiers are looked up in mod_table (add a row and a case in
 * compile_value), correlation types in corr_types, rule kinds in compile_doc.
 */
#include "correlate_int.h"
#include "vg_yaml.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#define MAX_EVENT_COUNT 100000 /* bound on an event_count threshold (state per group) */
/* bound on a correlation timespan: ten years, far past any window in use, keeps
 * event time + timespan (window ends, deadlines) clear of overflow */
#define MAX_TIMESPAN_DAYS 3650

/* ------------------------------------------------------------ loader state */

struct alias {
	char *vendor;
	char *ecs;
};

struct lsentry {
	char *product, *category, *service;
	struct vg_logsrc *ls;
};

/* A Vigil placeholders document: name (without %) -> values for `expand`. */
struct placeholder {
	char *name;
	char **vals;
	size_t nvals;
};

struct loader {
	struct vg_ruleset *rs;
	struct placeholder *placeholders;
	size_t nplaceholders;
	struct vg_diag *diag;
	struct alias *aliases;
	size_t naliases;
	struct lsentry *lsents;
	size_t nlsents;
	struct lsentry *products; /* product-only fallbacks (category/service NULL) */
	size_t nproducts;
	struct vg_logsrc *any_ls; /* no constraint */
	/* current document */
	const char *file;
	const char *rname;
	yaml_document_t *doc;
	int nerr;
	bool nomem;
	/* rules that failed to load, kept until resolution so that a reference
	 * to one says so (not "unknown rule") and a failed correlation's own
	 * references are checked too */
	struct vg_rule **failed;
	size_t nfailed, failed_cap;
	bool unopened; /* the last path given to load_path could not be opened */
};

static char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int mark_line(const yaml_node_t *n)
{
	return n ? (int)n->start_mark.line + 1 : 0;
}
static int mark_col(const yaml_node_t *n)
{
	return n ? (int)n->start_mark.column + 1 : 0;
}

/* Report a problem with the current rule at node n. */
static void rule_err(struct loader *ld, const yaml_node_t *n, const char *fmt, ...)
    VG_PRINTF(3, 4);
static void rule_err(struct loader *ld, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	vg_diag_error(ld->diag, ld->file, mark_line(n), mark_col(n), "rule '%s': %s",
	              ld->rname ? ld->rname : "(untitled)", msg);
	ld->nerr++;
}

/* ------------------------------------------------------------ YAML helpers */

static yaml_node_t *node(yaml_document_t *doc, int i)
{
	return yaml_document_get_node(doc, i);
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value
	                                        : NULL;
}

static yaml_node_t *map_get(yaml_document_t *doc, const yaml_node_t *map, const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		const char *k = scalar(node(doc, p->key));
		if (k && strcmp(k, key) == 0)
			return node(doc, p->value);
	}
	return NULL;
}

static const char *map_str(yaml_document_t *doc, const yaml_node_t *map, const char *key)
{
	return scalar(map_get(doc, map, key));
}

/* A plain `null`, `~` or empty scalar. */
static bool is_null_scalar(const yaml_node_t *n)
{
	if (!n || n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	const char *s = scalar(n);
	return !*s || strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 ||
	       strcmp(s, "NULL") == 0 || strcmp(s, "~") == 0;
}

static bool parse_bool(const char *s, bool *out)
{
	if (!s)
		return false;
	if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 || strcmp(s, "yes") == 0) {
		*out = true;
		return true;
	}
	if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 || strcmp(s, "no") == 0) {
		*out = false;
		return true;
	}
	return false;
}

/* -------------------------------------------------------------- fields */

static vg_field resolve_field(struct loader *ld, const char *name, size_t len)
{
	for (size_t i = 0; i < ld->naliases; i++)
		if (strlen(ld->aliases[i].vendor) == len &&
		    memcmp(ld->aliases[i].vendor, name, len) == 0) {
			const char *ecs = ld->aliases[i].ecs;
			return vg_field_intern(ecs, strlen(ecs));
		}
	return vg_field_intern(name, len);
}

/* ------------------------------------------------------------ values */

enum mod {
	MOD_CONTAINS = 0,
	MOD_STARTSWITH,
	MOD_ENDSWITH,
	MOD_ALL,
	MOD_RE,
	MOD_RE_I,
	MOD_RE_M,
	MOD_RE_S,
	MOD_CIDR,
	MOD_EXISTS,
	MOD_CASED,
	MOD_GT,
	MOD_GTE,
	MOD_LT,
	MOD_LTE,
	MOD_WINDASH,
	MOD_BASE64,
	MOD_BASE64OFFSET,
	MOD_UTF16LE,
	MOD_UTF16BE,
	MOD_UTF16,
	MOD_FIELDREF,
	MOD_EXPAND,
	MOD_NEQ,
	MOD_MINUTE,
	MOD_HOUR,
	MOD_DAY,
	MOD_WEEK,
	MOD_MONTH,
	MOD_YEAR,
	MOD_COUNT,
};

/* Every modifier of the Sigma modifiers appendix (v2.1). */
static const struct {
	const char *name;
	enum mod mod;
} mod_table[] = {
    {"contains", MOD_CONTAINS},
    {"startswith", MOD_STARTSWITH},
    {"endswith", MOD_ENDSWITH},
    {"all", MOD_ALL},
    {"re", MOD_RE},
    {"i", MOD_RE_I},
    {"m", MOD_RE_M},
    {"s", MOD_RE_S},
    {"cidr", MOD_CIDR},
    {"exists", MOD_EXISTS},
    {"cased", MOD_CASED},
    {"gt", MOD_GT},
    {"gte", MOD_GTE},
    {"lt", MOD_LT},
    {"lte", MOD_LTE},
    {"windash", MOD_WINDASH},
    {"base64", MOD_BASE64},
    {"base64offset", MOD_BASE64OFFSET},
    {"utf16le", MOD_UTF16LE},
    {"wide", MOD_UTF16LE},
    {"utf16be", MOD_UTF16BE},
    {"utf16", MOD_UTF16},
    {"fieldref", MOD_FIELDREF},
    {"expand", MOD_EXPAND},
    {"neq", MOD_NEQ},
    {"minute", MOD_MINUTE},
    {"hour", MOD_HOUR},
    {"day", MOD_DAY},
    {"week", MOD_WEEK},
    {"month", MOD_MONTH},
    {"year", MOD_YEAR},
};
#define NMODS (sizeof(mod_table) / sizeof(mod_table[0]))

struct mods {
	bool on[MOD_COUNT];
	int n;
};

/* Parse "a|b|c" modifiers; reports every bad one.  @return false on error. */
static bool parse_mods(struct loader *ld, const yaml_node_t *at, const char *s,
                       struct mods *m)
{
	bool ok = true;
	memset(m, 0, sizeof(*m));
	while (s && *s) {
		const char *e = strchr(s, '|');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		char name[64];
		snprintf(name, sizeof(name), "%.*s", (int)len, s);
		size_t i;
		for (i = 0; i < NMODS; i++)
			if (strcmp(mod_table[i].name, name) == 0)
				break;
		if (i == NMODS) {
			const char *cands[NMODS];
			for (size_t k = 0; k < NMODS; k++)
				cands[k] = mod_table[k].name;
			const char *sugg = vg_closest(name, cands, NMODS);
			if (sugg)
				rule_err(ld, at,
				         "unknown modifier '%s' (did you mean '%s'?)",
				         name, sugg);
			else
				rule_err(ld, at, "unknown modifier '%s'", name);
			ok = false;
		} else {
			enum mod md = mod_table[i].mod;
			if ((md == MOD_RE_I || md == MOD_RE_M || md == MOD_RE_S) &&
			    !m->on[MOD_RE]) {
				rule_err(ld, at, "modifier '%s' is only valid after 're'",
				         name);
				ok = false;
			}
			m->on[md] = true;
			m->n++;
		}
		s = e ? e + 1 : NULL;
	}
	if (!ok)
		return false;
	int str = m->on[MOD_CONTAINS] + m->on[MOD_STARTSWITH] + m->on[MOD_ENDSWITH];
	int num = m->on[MOD_GT] + m->on[MOD_GTE] + m->on[MOD_LT] + m->on[MOD_LTE];
	int type = m->on[MOD_RE] + m->on[MOD_CIDR] + m->on[MOD_EXISTS] + num +
	           m->on[MOD_FIELDREF];
	int enc = m->on[MOD_UTF16LE] + m->on[MOD_UTF16BE] + m->on[MOD_UTF16];
	int b64 = m->on[MOD_BASE64] + m->on[MOD_BASE64OFFSET];
	int tpart = m->on[MOD_MINUTE] + m->on[MOD_HOUR] + m->on[MOD_DAY] +
	            m->on[MOD_WEEK] + m->on[MOD_MONTH] + m->on[MOD_YEAR];
	bool strmods = m->on[MOD_WINDASH] || enc || b64 || m->on[MOD_EXPAND];
	if (str > 1 || type > 1 || (str && type && !m->on[MOD_FIELDREF]) || enc > 1 ||
	    b64 > 1 || tpart > 1 || (tpart && (type != num || str || strmods)) ||
	    ((enc || b64) && type) || (m->on[MOD_FIELDREF] && strmods)) {
		rule_err(ld, at, "conflicting modifiers");
		return false;
	}
	if (m->on[MOD_NEQ] && (m->on[MOD_ALL] || m->on[MOD_EXISTS])) {
		rule_err(ld, at, "'neq' cannot be combined with '%s'",
		         m->on[MOD_ALL] ? "all" : "exists");
		return false;
	}
	if (m->on[MOD_WINDASH] && type) {
		rule_err(ld, at,
		         "'windash' combined with a type modifier is not supported");
		return false;
	}
	return true;
}

/* Resolve Sigma escapes into text/kinds: "\*" "\?" "\\" are literal, any other
 * backslash is itself; bare '*' and '?' are wildcards. */
static void unescape(const char *s, size_t len, bool literal, char *text, uint8_t *kinds,
                     size_t *olen)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (literal) {
			text[o] = c;
			kinds[o++] = VG_WC_LIT;
		} else if (c == '\\' && i + 1 < len &&
		           (s[i + 1] == '*' || s[i + 1] == '?' || s[i + 1] == '\\')) {
			text[o] = s[i + 1];
			kinds[o++] = VG_WC_LIT;
			i++;
		} else if (c == '*') {
			if (o > 0 && kinds[o - 1] == VG_WC_STAR)
				continue; /* "**" is "*" */
			text[o] = '*';
			kinds[o++] = VG_WC_STAR;
		} else if (c == '?') {
			text[o] = '?';
			kinds[o++] = VG_WC_ONE;
		} else {
			text[o] = c;
			kinds[o++] = VG_WC_LIT;
		}
	}
	*olen = o;
}

/* Build a STR pattern from a Sigma string s[0..slen) (literal: no wildcards or
 * escapes, e.g. encoded bytes), with implied stars.  @return false OOM. */
static bool compile_str(struct vg_pattern *p, const char *s, size_t slen, bool literal,
                        bool lead_star, bool trail_star, bool cased)
{
	size_t cap = slen + 3;
	char *text = malloc(cap);
	uint8_t *kinds = malloc(cap);
	size_t o = 0, n = 0;
	if (!text || !kinds) {
		free(text);
		free(kinds);
		return false;
	}
	if (lead_star) {
		text[o] = '*';
		kinds[o++] = VG_WC_STAR;
	}
	unescape(s, slen, literal, text + o, kinds + o, &n);
	if (lead_star && n > 0 && kinds[o] == VG_WC_STAR) {
		memmove(text + o, text + o + 1, n - 1);
		memmove(kinds + o, kinds + o + 1, n - 1);
		n--;
	}
	o += n;
	if (trail_star && !(o > 0 && kinds[o - 1] == VG_WC_STAR)) {
		text[o] = '*';
		kinds[o++] = VG_WC_STAR;
	}
	text[o] = '\0';
	if (!cased)
		for (size_t i = 0; i < o; i++)
			if (kinds[i] == VG_WC_LIT)
				text[i] = (char)tolower((unsigned char)text[i]);

	p->op = VG_MOP_STR;
	p->cased = cased;
	/* classify */
	size_t nstar = 0, none = 0;
	for (size_t i = 0; i < o; i++) {
		nstar += kinds[i] == VG_WC_STAR;
		none += kinds[i] == VG_WC_ONE;
	}
	bool lead = o > 0 && kinds[0] == VG_WC_STAR;
	bool trail = o > 0 && kinds[o - 1] == VG_WC_STAR;
	size_t from = 0, to = o;
	if (none == 0 && nstar == 0) {
		p->shape = VG_PS_EXACT;
	} else if (none == 0 && o == 1 && lead) {
		p->shape = VG_PS_ANY;
		from = to = 0;
	} else if (none == 0 && nstar == 1 && trail) {
		p->shape = VG_PS_PREFIX;
		to = o - 1;
	} else if (none == 0 && nstar == 1 && lead) {
		p->shape = VG_PS_SUFFIX;
		from = 1;
	} else if (none == 0 && nstar == 2 && lead && trail && o >= 2) {
		p->shape = VG_PS_CONTAINS;
		from = 1;
		to = o - 1;
	} else {
		p->shape = VG_PS_GLOB;
	}
	if (p->shape == VG_PS_GLOB) {
		p->text = text;
		p->kinds = kinds;
		p->len = o;
		p->has_one = none > 0;
	} else {
		memmove(text, text + from, to - from);
		text[to - from] = '\0';
		p->text = text;
		p->len = to - from;
		free(kinds);
		p->kinds = NULL;
	}
	return true;
}

static bool compile_cidr(struct vg_pattern *p, const char *s)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	if (alen >= sizeof(buf))
		return false;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	p->op = VG_MOP_CIDR;
	if (inet_pton(AF_INET, buf, p->addr) == 1)
		p->family = 4;
	else if (inet_pton(AF_INET6, buf, p->addr) == 1)
		p->family = 6;
	else
		return false;
	int maxp = p->family == 4 ? 32 : 128;
	if (slash) {
		char *end;
		long v = strtol(slash + 1, &end, 10);
		if (*end || end == slash + 1 || v < 0 || v > maxp)
			return false;
		p->prefix = (int)v;
	} else {
		p->prefix = maxp;
	}
	return true;
}

/* Compile one value with modifiers into p: text[0..tlen) when text is set (a value
 * produced by expand / windash / encodings; literal when encoded), else the node's
 * scalar.  @return false when reported. */
static bool compile_value(struct loader *ld, const yaml_node_t *vn, const char *text,
                          size_t tlen, bool literal, const struct mods *m, bool keyword,
                          struct vg_pattern *p)
{
	memset(p, 0, sizeof(*p));
	if (!vn || vn->type != YAML_SCALAR_NODE) {
		rule_err(ld, vn, "expected a scalar value");
		return false;
	}
	const char *s = text ? text : scalar(vn);
	size_t slen = text ? tlen : strlen(s);
	if (m->on[MOD_EXISTS]) {
		bool b;
		if (!parse_bool(s, &b)) {
			rule_err(ld, vn, "'exists' needs true or false, not '%s'", s);
			return false;
		}
		p->op = VG_MOP_EXISTS;
		p->num = b ? 1 : 0;
		return true;
	}
	if (is_null_scalar(vn) && !text) {
		if (m->n > m->on[MOD_NEQ]) {
			rule_err(ld, vn, "null cannot take modifiers");
			return false;
		}
		if (keyword) {
			rule_err(ld, vn, "null is not a keyword");
			return false;
		}
		p->op = VG_MOP_NULL;
		return true;
	}
	bool tpart = m->on[MOD_MINUTE] || m->on[MOD_HOUR] || m->on[MOD_DAY] ||
	             m->on[MOD_WEEK] || m->on[MOD_MONTH] || m->on[MOD_YEAR];
	if (m->on[MOD_GT] || m->on[MOD_GTE] || m->on[MOD_LT] || m->on[MOD_LTE] || tpart) {
		char *end;
		errno = 0;
		double d = strtod(s, &end);
		if (end == s || *end || errno) {
			rule_err(ld, vn, "numeric modifier needs a number, not '%s'", s);
			return false;
		}
		p->op = m->on[MOD_GT]    ? VG_MOP_GT
		        : m->on[MOD_GTE] ? VG_MOP_GTE
		        : m->on[MOD_LT]  ? VG_MOP_LT
		        : m->on[MOD_LTE] ? VG_MOP_LTE
		                         : VG_MOP_EQNUM;
		p->num = d;
		return true;
	}
	if (m->on[MOD_CIDR]) {
		if (!compile_cidr(p, s)) {
			rule_err(ld, vn, "invalid CIDR '%s'", s);
			return false;
		}
		return true;
	}
	if (m->on[MOD_FIELDREF]) {
		/* the other field is named as written (no alias mapping): two vendor
		 * names that alias one ECS field must stay distinct */
		p->op = VG_MOP_FIELDREF;
		p->ref = vg_field_intern(s, slen);
		p->cased = m->on[MOD_CASED];
		p->shape = m->on[MOD_CONTAINS]     ? VG_PS_CONTAINS
		           : m->on[MOD_STARTSWITH] ? VG_PS_PREFIX
		           : m->on[MOD_ENDSWITH]   ? VG_PS_SUFFIX
		                                   : VG_PS_EXACT;
		if (p->ref == VG_FIELD_NONE || !*s) {
			rule_err(ld, vn, "'fieldref' needs a field name");
			return false;
		}
		return true;
	}
	if (m->on[MOD_RE]) {
		int errcode;
		PCRE2_SIZE erroff;
		uint32_t opts = PCRE2_UTF;
		if (m->on[MOD_RE_I])
			opts |= PCRE2_CASELESS;
		if (m->on[MOD_RE_M])
			opts |= PCRE2_MULTILINE;
		if (m->on[MOD_RE_S])
			opts |= PCRE2_DOTALL;
		p->op = VG_MOP_RE;
		p->re = pcre2_compile((PCRE2_SPTR)s, slen, opts, &errcode, &erroff, NULL);
		if (!p->re) {
			PCRE2_UCHAR emsg[256];
			pcre2_get_error_message(errcode, emsg, sizeof(emsg));
			rule_err(ld, vn, "regex '%s' at offset %zu: %s", s,
			         (size_t)erroff, (const char *)emsg);
			return false;
		}
		/* JIT is an optimisation: a pattern JIT rejects still runs interpreted.
		 * Subjects that are not valid UTF-8 go to a copy compiled to take them
		 * (see struct vg_pattern), never JIT-compiled */
		(void)pcre2_jit_compile(p->re, PCRE2_JIT_COMPLETE);
		p->re_any =
		    pcre2_compile((PCRE2_SPTR)s, slen, opts | PCRE2_MATCH_INVALID_UTF,
		                  &errcode, &erroff, NULL);
		if (!p->re_any) {
			pcre2_code_free(p->re);
			p->re = NULL;
			ld->nomem = true;
			return false;
		}
		/* the source, for the detection index's required literals (prefilter.c)
		 */
		if (!(p->text = strndup(s, slen))) {
			pcre2_code_free(p->re);
			pcre2_code_free(p->re_any);
			p->re = p->re_any = NULL;
			ld->nomem = true;
			return false;
		}
		p->len = slen;
		return true;
	}
	bool lead = keyword || m->on[MOD_CONTAINS] || m->on[MOD_ENDSWITH];
	bool trail = keyword || m->on[MOD_CONTAINS] || m->on[MOD_STARTSWITH];
	/* base64 text is case-sensitive by nature */
	bool cased = m->on[MOD_CASED] || m->on[MOD_BASE64] || m->on[MOD_BASE64OFFSET];
	if (!compile_str(p, s, slen, literal, lead, trail, cased)) {
		ld->nomem = true;
		return false;
	}
	return true;
}

/* Windows dash characters `windash` expands to (pySigma's set). */
static const char *const windash_chars[] = {"-", "/", "\xe2\x80\x93", "\xe2\x80\x94",
                                            "\xe2\x80\x95"};
#define WINDASH_MAX  4    /* dashes per value: 5^4 variants at most */
#define VARIANTS_MAX 4096 /* values one scalar may expand to */

static bool is_word(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* A list of byte strings: the variants one scalar expands to. */
struct vlist {
	char **s;
	size_t *len;
	size_t n, cap;
	bool oom;
};

static void vl_add(struct vlist *v, const char *s, size_t len)
{
	if (v->oom)
		return;
	if (v->n == v->cap) {
		size_t nc = v->cap ? v->cap * 2 : 8;
		char **ns = realloc(v->s, nc * sizeof(*ns));
		if (ns)
			v->s = ns;
		size_t *nl = ns ? realloc(v->len, nc * sizeof(*nl)) : NULL;
		if (!ns || !nl) {
			v->oom = true;
			return;
		}
		v->len = nl;
		v->cap = nc;
	}
	char *c = malloc(len + 1);
	if (!c) {
		v->oom = true;
		return;
	}
	memcpy(c, s, len);
	c[len] = '\0';
	v->s[v->n] = c;
	v->len[v->n++] = len;
}

static void vl_free(struct vlist *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->s[i]);
	free(v->s);
	free(v->len);
	memset(v, 0, sizeof(*v));
}

/* A value holds an unescaped wildcard. */
static bool has_wildcard(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len &&
		    (s[i + 1] == '*' || s[i + 1] == '?' || s[i + 1] == '\\')) {
			i++;
			continue;
		}
		if (s[i] == '*' || s[i] == '?')
			return true;
	}
	return false;
}

/* Sigma escapes resolved into plain bytes (for values that get encoded). */
static size_t plain_of(const char *s, size_t len, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len &&
		    (s[i + 1] == '*' || s[i + 1] == '?' || s[i + 1] == '\\'))
			i++;
		out[o++] = s[i];
	}
	return o;
}

/* expand: replace each %name% (not escaped as \%) with each of its values. */
static bool expand_one(struct loader *ld, const yaml_node_t *vn, const char *s,
                       size_t len, struct vlist *out, int depth)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len && s[i + 1] == '%') {
			i++;
			continue;
		}
		if (s[i] != '%')
			continue;
		const char *e = memchr(s + i + 1, '%', len - i - 1);
		if (!e)
			break;
		size_t nl = (size_t)(e - s - i - 1);
		char name[128];
		snprintf(name, sizeof(name), "%.*s", (int)nl, s + i + 1);
		const struct placeholder *ph = NULL;
		for (size_t k = 0; k < ld->nplaceholders; k++)
			if (strcmp(ld->placeholders[k].name, name) == 0)
				ph = &ld->placeholders[k];
		if (!ph) {
			rule_err(ld, vn,
			         "placeholder '%%%s%%' has no value (define it in a "
			         "'placeholders:' document)",
			         name);
			return false;
		}
		for (size_t k = 0; k < ph->nvals && !out->oom; k++) {
			size_t vlen = strlen(ph->vals[k]);
			size_t tail = len - (size_t)(e + 1 - s);
			char *buf = malloc(i + vlen + tail + 1);
			if (!buf) {
				out->oom = true;
				break;
			}
			memcpy(buf, s, i);
			memcpy(buf + i, ph->vals[k], vlen);
			memcpy(buf + i + vlen, e + 1, tail);
			bool ok = depth > 8 || expand_one(ld, vn, buf, i + vlen + tail,
			                                  out, depth + 1);
			if (depth > 8)
				vl_add(out, buf, i + vlen + tail);
			free(buf);
			if (!ok)
				return false;
			if (out->n > VARIANTS_MAX) {
				rule_err(ld, vn, "'expand' yields more than %d values",
				         VARIANTS_MAX);
				return false;
			}
		}
		return !out->oom;
	}
	/* no placeholder left: drop the \% escapes */
	char *buf = malloc(len + 1);
	size_t o = 0;
	if (!buf) {
		out->oom = true;
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len && s[i + 1] == '%')
			i++;
		buf[o++] = s[i];
	}
	vl_add(out, buf, o);
	free(buf);
	return true;
}

/* windash: every dash that starts a word (regex \B[-/]\b) in all five forms. */
static bool windash_one(struct loader *ld, const yaml_node_t *vn, const char *s,
                        size_t len, struct vlist *out)
{
	size_t pos[WINDASH_MAX], k = 0, variants = 1;
	for (size_t i = 0; i < len; i++)
		if ((s[i] == '-' || s[i] == '/') && (i == 0 || !is_word(s[i - 1])) &&
		    i + 1 < len && is_word(s[i + 1])) {
			if (k == WINDASH_MAX) {
				rule_err(ld, vn, "'windash': more than %d dashes in '%s'",
				         WINDASH_MAX, s);
				return false;
			}
			pos[k++] = i;
			variants *= 5;
		}
	char *buf = malloc(len + 3 * k + 1);
	if (!buf) {
		out->oom = true;
		return false;
	}
	for (size_t v = 0; v < variants; v++) {
		size_t o = 0, from = 0, code = v;
		for (size_t j = 0; j < k; j++) {
			memcpy(buf + o, s + from, pos[j] - from);
			o += pos[j] - from;
			const char *d = windash_chars[code % 5];
			code /= 5;
			memcpy(buf + o, d, strlen(d));
			o += strlen(d);
			from = pos[j] + 1;
		}
		memcpy(buf + o, s + from, len - from);
		o += len - from;
		vl_add(out, buf, o);
	}
	free(buf);
	return true;
}

/* UTF-8 -> UTF-16 (le/be, with a BOM for plain utf16, little endian like pySigma). */
static bool utf16_one(const char *s, size_t len, int mode, struct vlist *out)
{
	char *buf = malloc(len * 4 + 2);
	size_t o = 0;
	if (!buf) {
		out->oom = true;
		return false;
	}
	bool be = mode == MOD_UTF16BE;
	if (mode == MOD_UTF16) {
		buf[o++] = (char)0xff;
		buf[o++] = (char)0xfe;
	}
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp;
		size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
		if (i + n > len)
			n = len - i;
		cp = n == 1 ? c : n == 2 ? c & 0x1f : n == 3 ? c & 0x0f : c & 0x07;
		for (size_t j = 1; j < n; j++)
			cp = (cp << 6) | ((unsigned char)s[i + j] & 0x3f);
		i += n;
		uint16_t units[2];
		int nu = 1;
		if (cp >= 0x10000) {
			cp -= 0x10000;
			units[0] = (uint16_t)(0xd800 | (cp >> 10));
			units[1] = (uint16_t)(0xdc00 | (cp & 0x3ff));
			nu = 2;
		} else {
			units[0] = (uint16_t)cp;
		}
		for (int u = 0; u < nu; u++) {
			buf[o++] = (char)(be ? units[u] >> 8 : units[u] & 0xff);
			buf[o++] = (char)(be ? units[u] & 0xff : units[u] >> 8);
		}
	}
	vl_add(out, buf, o);
	free(buf);
	return true;
}

static size_t b64(const unsigned char *in, size_t len, char *out)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0, i;
	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = tab[v >> 18];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = tab[(v >> 6) & 63];
		out[o++] = tab[v & 63];
	}
	if (i < len) {
		uint32_t v =
		    (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0);
		out[o++] = tab[v >> 18];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = i + 1 < len ? tab[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	return o;
}

/* base64, or base64offset's three shifted forms (pySigma: the encoding of 0..2
 * leading bytes plus the value, without the characters those bytes and the
 * unaligned tail influence). */
static bool base64_one(const char *s, size_t len, bool offset, struct vlist *out)
{
	unsigned char *in = malloc(len + 3);
	char *enc = malloc((len + 3) / 3 * 4 + 8);
	if (!in || !enc) {
		free(in);
		free(enc);
		out->oom = true;
		return false;
	}
	static const size_t start[3] = {0, 2, 3}, endcut[3] = {0, 3, 2};
	for (size_t i = 0; i < (offset ? 3u : 1u); i++) {
		memset(in, ' ', i);
		memcpy(in + i, s, len);
		size_t n = b64(in, len + i, enc);
		if (!offset) {
			vl_add(out, enc, n);
			break;
		}
		size_t cut = endcut[(len + i) % 3];
		if (n >= start[i] + cut && n - cut > start[i])
			vl_add(out, enc + start[i], n - cut - start[i]);
	}
	free(in);
	free(enc);
	return true;
}

/* Compile one value node, expanded by expand / windash / encodings when asked,
 * into fc->vals. */
static bool add_values(struct loader *ld, const yaml_node_t *vn, const struct mods *m,
                       bool keyword, struct vg_fcond *fc, size_t *cap)
{
	const char *s = scalar(vn);
	bool encode = m->on[MOD_UTF16LE] || m->on[MOD_UTF16BE] || m->on[MOD_UTF16] ||
	              m->on[MOD_BASE64] || m->on[MOD_BASE64OFFSET];
	if (!s || !(encode || m->on[MOD_WINDASH] || m->on[MOD_EXPAND]) ||
	    is_null_scalar(vn)) {
		void *np = vg_grow(fc->vals, cap, fc->nvals + 1, sizeof(*fc->vals));
		if (!np) {
			ld->nomem = true;
			return false;
		}
		fc->vals = np;
		return compile_value(ld, vn, NULL, 0, false, m, keyword,
		                     &fc->vals[fc->nvals]) &&
		       ++fc->nvals;
	}
	struct vlist a = {0}, b = {0};
	bool ok = true;
	if (m->on[MOD_EXPAND])
		ok = expand_one(ld, vn, s, strlen(s), &a, 0);
	else
		vl_add(&a, s, strlen(s));
	if (ok && m->on[MOD_WINDASH]) {
		for (size_t i = 0; i < a.n && ok; i++)
			ok = windash_one(ld, vn, a.s[i], a.len[i], &b);
		vl_free(&a);
		a = b;
		memset(&b, 0, sizeof(b));
	}
	if (ok && encode) {
		/* encodings work on bytes: wildcards cannot survive them */
		for (size_t i = 0; i < a.n && ok; i++)
			if (has_wildcard(a.s[i], a.len[i])) {
				rule_err(ld, vn,
				         "wildcards cannot be encoded (base64/utf16) in "
				         "'%s'",
				         s);
				ok = false;
			} else {
				a.len[i] = plain_of(a.s[i], a.len[i], a.s[i]);
			}
		int u = m->on[MOD_UTF16LE]   ? MOD_UTF16LE
		        : m->on[MOD_UTF16BE] ? MOD_UTF16BE
		        : m->on[MOD_UTF16]   ? MOD_UTF16
		                             : -1;
		if (ok && u >= 0) {
			for (size_t i = 0; i < a.n; i++)
				utf16_one(a.s[i], a.len[i], u, &b);
			vl_free(&a);
			a = b;
			memset(&b, 0, sizeof(b));
		}
		if (ok && (m->on[MOD_BASE64] || m->on[MOD_BASE64OFFSET])) {
			for (size_t i = 0; i < a.n; i++)
				base64_one(a.s[i], a.len[i], m->on[MOD_BASE64OFFSET], &b);
			vl_free(&a);
			a = b;
			memset(&b, 0, sizeof(b));
		}
	}
	if (a.oom || b.oom) {
		ld->nomem = true;
		ok = false;
	}
	if (ok) {
		void *np = vg_grow(fc->vals, cap, fc->nvals + a.n, sizeof(*fc->vals));
		if (!np) {
			ld->nomem = true;
			ok = false;
		} else {
			fc->vals = np;
		}
	}
	for (size_t i = 0; ok && i < a.n; i++) {
		ok = compile_value(ld, vn, a.s[i], a.len[i], encode, m, keyword,
		                   &fc->vals[fc->nvals]);
		if (ok)
			fc->nvals++;
	}
	vl_free(&a);
	vl_free(&b);
	return ok;
}

/* "field|mods": value-or-list.  key NULL = keyword list. */
static bool compile_item(struct loader *ld, const yaml_node_t *kn, const char *key,
                         const yaml_node_t *vn, struct vg_fcond *fc)
{
	yaml_document_t *doc = ld->doc;
	const char *bar = key ? strchr(key, '|') : NULL;
	size_t flen = key ? (bar ? (size_t)(bar - key) : strlen(key)) : 0;
	struct mods m;
	bool keyword = flen == 0;

	memset(fc, 0, sizeof(*fc));
	if (!parse_mods(ld, kn, bar ? bar + 1 : NULL, &m))
		return false;
	/* fieldref compares two fields as named: mapping both through aliases
	 * could make two vendor names one field (SubjectUserName, TargetUserName) */
	fc->field = keyword              ? VG_FIELD_NONE
	            : m.on[MOD_FIELDREF] ? vg_field_intern(key, flen)
	                                 : resolve_field(ld, key, flen);
	if (!keyword && fc->field == VG_FIELD_NONE) {
		rule_err(ld, kn, "field registry is full");
		return false;
	}
	fc->all = m.on[MOD_ALL];
	fc->neg = m.on[MOD_NEQ];
	fc->tp = m.on[MOD_MINUTE]  ? VG_TP_MINUTE
	         : m.on[MOD_HOUR]  ? VG_TP_HOUR
	         : m.on[MOD_DAY]   ? VG_TP_DAY
	         : m.on[MOD_WEEK]  ? VG_TP_WEEK
	         : m.on[MOD_MONTH] ? VG_TP_MONTH
	         : m.on[MOD_YEAR]  ? VG_TP_YEAR
	                           : VG_TP_NONE;
	size_t n =
	    vn && vn->type == YAML_SEQUENCE_NODE
	        ? (size_t)(vn->data.sequence.items.top - vn->data.sequence.items.start)
	        : 1;
	if (vn && vn->type == YAML_MAPPING_NODE) {
		rule_err(ld, vn, "field '%.*s': a value cannot be a map", (int)flen, key);
		return false;
	}
	if (n == 0) {
		rule_err(ld, vn, "field '%.*s': empty value list", (int)flen,
		         key ? key : "");
		return false;
	}
	if (fc->all && n < 2) {
		rule_err(ld, kn, "'all' needs a list of at least two values");
		return false;
	}
	bool ok = true, grouped = false;
	size_t cap = 0, g = 0;
	/* `all`: where each value's variants end (vg_fcond.grp), kept only when
	 * some value gave more than one */
	uint32_t *ends = fc->all ? malloc(n * sizeof(*ends)) : NULL;
	if (fc->all && !ends) {
		ld->nomem = true;
		return false;
	}
	if (vn && vn->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *it = vn->data.sequence.items.start;
		     it < vn->data.sequence.items.top; it++) {
			size_t before = fc->nvals;
			ok &= add_values(ld, node(doc, *it), &m, keyword, fc, &cap);
			if (ends) {
				grouped |= fc->nvals - before != 1;
				ends[g++] = (uint32_t)fc->nvals;
			}
		}
	} else {
		ok &= add_values(ld, vn, &m, keyword, fc, &cap);
	}
	if (ok && grouped) {
		fc->grp = ends;
		fc->ngrp = g;
	} else {
		free(ends);
	}
	return ok;
}

static void fcond_free(struct vg_fcond *fc)
{
	vg_faccel_free(fc->acc);
	fc->acc = NULL;
	for (size_t i = 0; i < fc->nvals; i++)
		vg_pattern_free(&fc->vals[i]);
	free(fc->vals);
	free(fc->grp);
	fc->grp = NULL;
}

static void smap_free(struct vg_smap *m)
{
	for (size_t i = 0; i < m->n; i++)
		fcond_free(&m->conds[i]);
	free(m->conds);
}

void vg_sel_free(struct vg_sel *sel)
{
	if (!sel)
		return;
	for (size_t i = 0; i < sel->nalts; i++)
		smap_free(&sel->alts[i]);
	free(sel->alts);
	free(sel->name);
	sel->alts = NULL;
	sel->nalts = 0;
	sel->name = NULL;
}

static bool compile_map(struct loader *ld, const yaml_node_t *mn, struct vg_smap *out)
{
	yaml_document_t *doc = ld->doc;
	size_t n = (size_t)(mn->data.mapping.pairs.top - mn->data.mapping.pairs.start);
	bool ok = true;
	memset(out, 0, sizeof(*out));
	if (n == 0) {
		rule_err(ld, mn, "empty map");
		return false;
	}
	out->conds = calloc(n, sizeof(*out->conds));
	if (!out->conds) {
		ld->nomem = true;
		return false;
	}
	for (yaml_node_pair_t *p = mn->data.mapping.pairs.start;
	     p < mn->data.mapping.pairs.top; p++) {
		const yaml_node_t *kn = node(doc, p->key);
		const char *k = scalar(kn);
		if (!k) {
			rule_err(ld, kn, "a field name must be a string");
			ok = false;
			continue;
		}
		struct vg_fcond fc;
		if (compile_item(ld, kn, k, node(doc, p->value), &fc))
			out->conds[out->n++] = fc;
		else {
			fcond_free(&fc);
			ok = false;
		}
	}
	return ok;
}

/* A search identifier: map, list of maps, or list of keywords. */
static bool compile_sel(struct loader *ld, const char *name, const yaml_node_t *vn,
                        struct vg_sel *sel)
{
	yaml_document_t *doc = ld->doc;
	bool ok = true;
	memset(sel, 0, sizeof(*sel));
	sel->name = xstrdup(name);
	if (name && !sel->name) {
		ld->nomem = true;
		return false;
	}
	if (vn->type == YAML_MAPPING_NODE) {
		sel->alts = calloc(1, sizeof(*sel->alts));
		if (!sel->alts) {
			ld->nomem = true;
			return false;
		}
		if (!compile_map(ld, vn, &sel->alts[0])) {
			smap_free(&sel->alts[0]);
			return false;
		}
		sel->nalts = 1;
		return true;
	}
	if (vn->type != YAML_SEQUENCE_NODE) {
		/* a lone scalar is a one-keyword list */
		sel->alts = calloc(1, sizeof(*sel->alts));
		struct vg_smap *m = sel->alts;
		if (!m || !(m->conds = calloc(1, sizeof(*m->conds)))) {
			ld->nomem = true;
			return false;
		}
		if (!compile_item(ld, vn, NULL, vn, &m->conds[0])) {
			fcond_free(&m->conds[0]);
			free(m->conds);
			return false;
		}
		m->n = 1;
		sel->nalts = 1;
		return true;
	}
	size_t n = (size_t)(vn->data.sequence.items.top - vn->data.sequence.items.start);
	if (n == 0) {
		rule_err(ld, vn, "search identifier '%s' is an empty list",
		         name ? name : "");
		return false;
	}
	/* maps become alternatives; scalars gather into one keyword alternative */
	sel->alts = calloc(n + 1, sizeof(*sel->alts));
	if (!sel->alts) {
		ld->nomem = true;
		return false;
	}
	struct vg_fcond kw = {.field = VG_FIELD_NONE};
	kw.vals = calloc(n, sizeof(*kw.vals));
	if (!kw.vals) {
		ld->nomem = true;
		return false;
	}
	for (yaml_node_item_t *it = vn->data.sequence.items.start;
	     it < vn->data.sequence.items.top; it++) {
		const yaml_node_t *item = node(doc, *it);
		if (item->type == YAML_MAPPING_NODE) {
			struct vg_smap m;
			if (compile_map(ld, item, &m))
				sel->alts[sel->nalts++] = m;
			else {
				smap_free(&m);
				ok = false;
			}
		} else if (item->type == YAML_SCALAR_NODE) {
			struct mods none;
			memset(&none, 0, sizeof(none));
			if (compile_value(ld, item, NULL, 0, false, &none, true,
			                  &kw.vals[kw.nvals]))
				kw.nvals++;
			else
				ok = false;
		} else {
			rule_err(ld, item, "a list item must be a map or a keyword");
			ok = false;
		}
	}
	if (kw.nvals) {
		struct vg_smap *m = &sel->alts[sel->nalts];
		m->conds = malloc(sizeof(*m->conds));
		if (!m->conds) {
			fcond_free(&kw);
			ld->nomem = true;
			return false;
		}
		m->conds[0] = kw;
		m->n = 1;
		sel->nalts++;
	} else {
		free(kw.vals);
	}
	return ok;
}

/* ----------------------------------------------------------- conditions */

struct cparse {
	struct loader *ld;
	const yaml_node_t *at;
	const char *s;
	size_t pos;
	struct vg_rule *rule;
	size_t cap;
	bool failed;
	char tok[256];
	size_t toklen;
	int depth;
};

/* Next token into cp->tok; "" at end. */
static void ctok(struct cparse *cp)
{
	const char *s = cp->s;
	while (s[cp->pos] == ' ' || s[cp->pos] == '\t' || s[cp->pos] == '\n' ||
	       s[cp->pos] == '\r')
		cp->pos++;
	size_t st = cp->pos;
	if (s[st] == '(' || s[st] == ')' || s[st] == '|') {
		cp->pos++;
	} else {
		while (s[cp->pos] && !strchr(" \t\r\n()|", s[cp->pos]))
			cp->pos++;
	}
	size_t n = cp->pos - st;
	if (n >= sizeof(cp->tok))
		n = sizeof(cp->tok) - 1;
	memcpy(cp->tok, s + st, n);
	cp->tok[n] = '\0';
	cp->toklen = n;
}

static int add_node(struct cparse *cp, enum vg_cnode_type t, int a, int b)
{
	struct vg_rule *r = cp->rule;
	void *np = vg_grow(r->nodes, &cp->cap, r->nnodes + 1, sizeof(*r->nodes));
	if (!np) {
		cp->ld->nomem = true;
		cp->failed = true;
		return -1;
	}
	r->nodes = np;
	r->nodes[r->nnodes] = (struct vg_cnode){.type = t, .a = a, .b = b};
	return (int)r->nnodes++;
}

/* The column of byte `off` of a condition: in a scalar written on one line as is
 * (plain, or quoted without escapes -- the text is then the bytes after the
 * opening quote), its own column; else the scalar's. */
static int cond_col(const yaml_node_t *at, const char *text, size_t off)
{
	int col = mark_col(at);
	if (!at || at->type != YAML_SCALAR_NODE ||
	    at->start_mark.line != at->end_mark.line)
		return col;
	switch (at->data.scalar.style) {
	case YAML_PLAIN_SCALAR_STYLE: return col + (int)off;
	case YAML_SINGLE_QUOTED_SCALAR_STYLE:
		return strchr(text, '\'') ? col : col + 1 + (int)off;
	case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
		return at->end_mark.index - at->start_mark.index == strlen(text) + 2
		           ? col + 1 + (int)off
		           : col;
	default: return col;
	}
}

/* Report a condition problem at the token at hand (its first byte; the end of the
 * condition when there is none). */
static void cerr(struct cparse *cp, const char *fmt, ...) VG_PRINTF(2, 3);
static void cerr(struct cparse *cp, const char *fmt, ...)
{
	if (cp->failed)
		return;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	struct loader *ld = cp->ld;
	vg_diag_error(ld->diag, ld->file, mark_line(cp->at),
	              cond_col(cp->at, cp->s, cp->pos - cp->toklen),
	              "rule '%s': condition '%s': %s",
	              ld->rname ? ld->rname : "(untitled)", cp->s, msg);
	ld->nerr++;
	cp->failed = true;
}

static int parse_or(struct cparse *cp);

static int parse_of(struct cparse *cp, bool all)
{
	ctok(cp); /* "of" was checked by caller; now the target */
	const char *pat = cp->tok;
	bool them = strcmp(pat, "them") == 0;
	int acc = -1;
	if (!cp->toklen || strchr("()|", pat[0])) {
		cerr(cp, "expected 'them' or a pattern after 'of'");
		return -1;
	}
	for (size_t i = 0; i < cp->rule->nsels; i++) {
		const char *nm = cp->rule->sels[i].name;
		bool hit = them ? nm[0] != '_' : fnmatch(pat, nm, 0) == 0;
		if (!hit)
			continue;
		int leaf = add_node(cp, VG_CN_SEL, (int)i, -1);
		acc =
		    acc < 0 ? leaf : add_node(cp, all ? VG_CN_AND : VG_CN_OR, acc, leaf);
	}
	if (acc < 0)
		cerr(cp, "'%s' matches no search identifier", pat);
	ctok(cp);
	return acc;
}

static int parse_primary(struct cparse *cp)
{
	if (cp->failed)
		return -1;
	if (++cp->depth > 200) {
		cerr(cp, "nested too deeply");
		return -1;
	}
	int r = -1;
	if (strcmp(cp->tok, "(") == 0) {
		ctok(cp);
		r = parse_or(cp);
		if (strcmp(cp->tok, ")") != 0)
			cerr(cp, "expected ')' at '%s'", cp->tok);
		else
			ctok(cp);
	} else if (strcmp(cp->tok, "not") == 0) {
		ctok(cp);
		int a = parse_primary(cp);
		r = a < 0 ? -1 : add_node(cp, VG_CN_NOT, a, -1);
	} else if (strcmp(cp->tok, "1") == 0 || strcmp(cp->tok, "all") == 0 ||
	           strcmp(cp->tok, "any") == 0) {
		bool all = strcmp(cp->tok, "all") == 0;
		size_t save = cp->pos;
		/* "1", "all" or "any": a search identifier unless "of" follows */
		char word[sizeof(cp->tok)];
		snprintf(word, sizeof(word), "%s", cp->tok);
		ctok(cp);
		if (strcmp(cp->tok, "of") == 0)
			r = parse_of(cp, all);
		else {
			cp->pos = save;
			snprintf(cp->tok, sizeof(cp->tok), "%s", word);
			goto ident;
		}
	} else if (strcmp(cp->tok, "|") == 0) {
		cerr(cp, "aggregation expressions ('|') are not supported: use a Sigma "
		         "correlation rule");
	} else if (!cp->toklen || strcmp(cp->tok, ")") == 0 ||
	           strcmp(cp->tok, "and") == 0 || strcmp(cp->tok, "or") == 0) {
		cerr(cp, "expected a search identifier at '%s'",
		     cp->toklen ? cp->tok : "end");
	} else {
	ident:
		for (size_t i = 0; i < cp->rule->nsels; i++)
			if (strcmp(cp->rule->sels[i].name, cp->tok) == 0) {
				r = add_node(cp, VG_CN_SEL, (int)i, -1);
				break;
			}
		if (r < 0)
			cerr(cp, "unknown search identifier '%s'", cp->tok);
		ctok(cp);
	}
	cp->depth--;
	return cp->failed ? -1 : r;
}

static int parse_and(struct cparse *cp)
{
	int a = parse_primary(cp);
	while (!cp->failed && strcmp(cp->tok, "and") == 0) {
		ctok(cp);
		int b = parse_primary(cp);
		if (b < 0)
			return -1;
		a = add_node(cp, VG_CN_AND, a, b);
	}
	return cp->failed ? -1 : a;
}

static int parse_or(struct cparse *cp)
{
	int a = parse_and(cp);
	while (!cp->failed && strcmp(cp->tok, "or") == 0) {
		ctok(cp);
		int b = parse_and(cp);
		if (b < 0)
			return -1;
		a = add_node(cp, VG_CN_OR, a, b);
	}
	return cp->failed ? -1 : a;
}

/* Parse one condition string; @return the root node or -1 (reported). */
static int parse_condition(struct loader *ld, struct vg_rule *rule, const yaml_node_t *at,
                           const char *s, size_t *cap)
{
	struct cparse cp = {.ld = ld, .at = at, .s = s, .rule = rule, .cap = *cap};
	ctok(&cp);
	int root = parse_or(&cp);
	if (!cp.failed && strcmp(cp.tok, "|") == 0)
		cerr(&cp, "aggregation expressions ('|') are not supported: use a Sigma "
		          "correlation rule");
	else if (!cp.failed && cp.toklen)
		cerr(&cp, "unexpected '%s'", cp.tok);
	*cap = cp.cap;
	return cp.failed ? -1 : root;
}

/* ---------------------------------------------------------------- rules */

static void rule_free(struct vg_rule *r)
{
	if (!r)
		return;
	free(r->id);
	free(r->title);
	free(r->name);
	free(r->file);
	for (size_t i = 0; i < r->ntags; i++)
		free(r->tags[i]);
	free(r->tags);
	for (size_t i = 0; i < r->nsels; i++)
		vg_sel_free(&r->sels[i]);
	free(r->sels);
	free(r->nodes);
	free(r->consumers);
	if (r->corr) {
		struct vg_corr *c = r->corr;
		for (size_t i = 0; i < c->ngroup; i++)
			free(c->group_names[i]);
		free(c->group_names);
		free(c->group_by);
		for (size_t i = 0; i < c->nrefs; i++)
			free(c->refs[i]);
		free(c->refs);
		free(c->ref_line);
		free(c->ref_col);
		free(c->ref_idx);
		for (size_t i = 0; c->ref_group && i < c->nrefs; i++)
			free(c->ref_group[i]);
		free(c->ref_group);
		free(c->ref_field);
		free(c->field_name);
		for (size_t i = 0; i < c->naliases; i++) {
			free(c->aliases[i].name);
			free(c->aliases[i].rule);
			free(c->aliases[i].field);
		}
		free(c->aliases);
		free(c);
	}
	free(r);
}

static bool parse_level(const char *s, enum vg_level *out)
{
	static const char *const names[] = {"informational", "low", "medium", "high",
	                                    "critical"};
	for (int i = 0; i < 5; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (enum vg_level)i;
			return true;
		}
	return false;
}

const char *vg_level_name(enum vg_level level)
{
	switch (level) {
	case VG_LEVEL_INFORMATIONAL: return "informational";
	case VG_LEVEL_LOW: return "low";
	case VG_LEVEL_MEDIUM: return "medium";
	case VG_LEVEL_HIGH: return "high";
	case VG_LEVEL_CRITICAL: return "critical";
	}
	return "unknown";
}

static bool lskey_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Pick the logsource condition of a rule (see schemas/logsources.yaml). */
static const struct vg_logsrc *map_logsource(struct loader *ld, const yaml_node_t *lsn)
{
	yaml_document_t *doc = ld->doc;
	if (!lsn) {
		vg_diag_warn(ld->diag, ld->file, 0, 0,
		             "rule '%s': no logsource: the rule runs on every event",
		             ld->rname);
		return ld->any_ls;
	}
	if (lsn->type != YAML_MAPPING_NODE) {
		rule_err(ld, lsn, "'logsource' must be a map");
		return NULL;
	}
	const char *product = map_str(doc, lsn, "product");
	const char *category = map_str(doc, lsn, "category");
	const char *service = map_str(doc, lsn, "service");
	for (size_t i = 0; i < ld->nlsents; i++) {
		const struct lsentry *e = &ld->lsents[i];
		if (lskey_eq(e->product, product) && lskey_eq(e->category, category) &&
		    lskey_eq(e->service, service))
			return e->ls;
	}
	for (size_t i = 0; i < ld->nproducts; i++)
		if (product && strcmp(ld->products[i].product, product) == 0) {
			if (category || service)
				vg_diag_warn(
				    ld->diag, ld->file, mark_line(lsn), mark_col(lsn),
				    "rule '%s': logsource %s/%s/%s has no mapping in "
				    "schemas/logsources.yaml: the rule runs on every %s "
				    "event",
				    ld->rname, product, category ? category : "-",
				    service ? service : "-", product);
			return ld->products[i].ls;
		}
	vg_diag_warn(
	    ld->diag, ld->file, mark_line(lsn), mark_col(lsn),
	    "rule '%s': logsource %s/%s/%s has no mapping in schemas/logsources.yaml: "
	    "the rule runs on every event",
	    ld->rname, product ? product : "-", category ? category : "-",
	    service ? service : "-");
	return ld->any_ls;
}

static bool read_tags(struct loader *ld, yaml_document_t *doc, const yaml_node_t *root,
                      struct vg_rule *r)
{
	yaml_node_t *tn = map_get(doc, root, "tags");
	if (!tn)
		return true;
	if (tn->type != YAML_SEQUENCE_NODE) {
		rule_err(ld, tn, "'tags' must be a list");
		return false;
	}
	size_t n = (size_t)(tn->data.sequence.items.top - tn->data.sequence.items.start);
	r->tags = calloc(n ? n : 1, sizeof(char *));
	if (!r->tags) {
		ld->nomem = true;
		return false;
	}
	for (yaml_node_item_t *it = tn->data.sequence.items.start;
	     it < tn->data.sequence.items.top; it++) {
		const char *t = scalar(node(doc, *it));
		if (!t) {
			rule_err(ld, node(doc, *it), "a tag must be a string");
			return false;
		}
		if (!(r->tags[r->ntags++] = strdup(t))) {
			ld->nomem = true;
			return false;
		}
	}
	return true;
}

static bool compile_detection(struct loader *ld, const yaml_node_t *root,
                              const yaml_node_t *det, struct vg_rule *r)
{
	yaml_document_t *doc = ld->doc;
	bool ok = true;
	if (det->type != YAML_MAPPING_NODE) {
		rule_err(ld, det, "'detection' must be a map");
		return false;
	}
	r->logsrc = map_logsource(ld, map_get(doc, root, "logsource"));
	if (!r->logsrc)
		ok = false;
	size_t n = (size_t)(det->data.mapping.pairs.top - det->data.mapping.pairs.start);
	r->sels = calloc(n ? n : 1, sizeof(*r->sels));
	if (!r->sels) {
		ld->nomem = true;
		return false;
	}
	const yaml_node_t *cond = NULL;
	for (yaml_node_pair_t *p = det->data.mapping.pairs.start;
	     p < det->data.mapping.pairs.top; p++) {
		const yaml_node_t *kn = node(doc, p->key);
		const char *k = scalar(kn);
		yaml_node_t *vn = node(doc, p->value);
		if (!k) {
			rule_err(ld, kn, "a search identifier must be a string");
			ok = false;
			continue;
		}
		if (strcmp(k, "condition") == 0) {
			cond = vn;
			continue;
		}
		if (strcmp(k, "timeframe") == 0) {
			rule_err(ld, kn,
			         "'timeframe' is not supported: use a Sigma correlation "
			         "rule");
			ok = false;
			continue;
		}
		struct vg_sel sel;
		if (compile_sel(ld, k, vn, &sel)) {
			r->sels[r->nsels++] = sel;
			continue;
		}
		/* reported; its name stays defined (no alternatives), so the
		 * condition is still checked and its own problems listed too --
		 * the rule is not loaded either way */
		vg_sel_free(&sel);
		ok = false;
		r->sels[r->nsels].name = xstrdup(k);
		if (!r->sels[r->nsels++].name) {
			ld->nomem = true;
			return false;
		}
	}
	if (!cond) {
		rule_err(ld, det, "missing 'condition'");
		return false;
	}
	size_t cap = 0;
	if (cond->type == YAML_SCALAR_NODE) {
		r->root = parse_condition(ld, r, cond, scalar(cond), &cap);
		return ok && r->root >= 0;
	}
	if (cond->type != YAML_SEQUENCE_NODE ||
	    cond->data.sequence.items.top == cond->data.sequence.items.start) {
		rule_err(ld, cond, "'condition' must be a string or a list of strings");
		return false;
	}
	int acc = -1;
	for (yaml_node_item_t *it = cond->data.sequence.items.start;
	     it < cond->data.sequence.items.top; it++) {
		const yaml_node_t *cn = node(doc, *it);
		if (!scalar(cn)) {
			rule_err(ld, cn, "a condition must be a string");
			ok = false;
			continue;
		}
		int c = parse_condition(ld, r, cn, scalar(cn), &cap);
		if (c < 0 || !ok) { /* every condition is still checked */
			ok = false;
			continue;
		}
		if (acc < 0) {
			acc = c;
			continue;
		}
		struct cparse cp = {.ld = ld, .rule = r, .cap = cap};
		acc = add_node(&cp, VG_CN_OR, acc, c);
		cap = cp.cap;
		if (acc < 0)
			return false;
	}
	r->root = acc;
	return ok;
}

static bool parse_timespan(const char *s, vg_time *out)
{
	char *end;
	if (!s || !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || v <= 0 || end[0] == '\0' || end[1] != '\0')
		return false;
	int64_t mul;
	switch (end[0]) {
	case 's': mul = 1; break;
	case 'm': mul = 60; break;
	case 'h': mul = 3600; break;
	case 'd': mul = 86400; break;
	default: return false;
	}
	if (v > INT64_MAX / VG_USEC_PER_SEC / mul)
		return false;
	*out = (vg_time)v * mul * VG_USEC_PER_SEC;
	return true;
}

static bool parse_count(const char *s, uint64_t *out)
{
	char *end;
	if (!s || !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

static const char *const corr_types[] = {[VG_CORR_EVENT_COUNT] = "event_count",
                                         [VG_CORR_VALUE_COUNT] = "value_count",
                                         [VG_CORR_TEMPORAL] = "temporal",
                                         [VG_CORR_TEMPORAL_ORDERED] = "temporal_ordered",
                                         [VG_CORR_VALUE_SUM] = "value_sum",
                                         [VG_CORR_VALUE_AVG] = "value_avg",
                                         [VG_CORR_ABSENCE] = "absence"};
#define NCORR_TYPES (sizeof(corr_types) / sizeof(corr_types[0]))
static const char *const corr_later[] = {"value_percentile"};

static bool corr_uses_field(enum vg_corr_type t)
{
	return t == VG_CORR_VALUE_COUNT || t == VG_CORR_VALUE_SUM ||
	       t == VG_CORR_VALUE_AVG;
}

/* `aliases: {alias: {rule: field}}` into c->alias_* (resolved in resolve()). */
static bool read_aliases(struct loader *ld, const yaml_node_t *an, struct vg_corr *c)
{
	yaml_document_t *doc = ld->doc;
	if (an->type != YAML_MAPPING_NODE) {
		rule_err(ld, an, "correlation: 'aliases' must be a map");
		return false;
	}
	bool ok = true;
	for (yaml_node_pair_t *p = an->data.mapping.pairs.start;
	     p < an->data.mapping.pairs.top; p++) {
		const char *alias = scalar(node(doc, p->key));
		const yaml_node_t *m = node(doc, p->value);
		if (!alias || !m || m->type != YAML_MAPPING_NODE) {
			rule_err(ld, m,
			         "correlation: alias '%s' must map rule names to "
			         "fields",
			         alias ? alias : "?");
			ok = false;
			continue;
		}
		for (yaml_node_pair_t *q = m->data.mapping.pairs.start;
		     q < m->data.mapping.pairs.top; q++) {
			const char *rn = scalar(node(doc, q->key));
			const char *fn = scalar(node(doc, q->value));
			if (!rn || !fn || !*fn) {
				rule_err(ld, node(doc, q->value),
				         "correlation: alias '%s': expected rule: field",
				         alias);
				ok = false;
				continue;
			}
			struct vg_corr_alias *x =
			    realloc(c->aliases, (c->naliases + 1) * sizeof(*x));
			if (!x) {
				ld->nomem = true;
				return false;
			}
			c->aliases = x;
			struct vg_corr_alias *al = &x[c->naliases++];
			*al = (struct vg_corr_alias){
			    strdup(alias), strdup(rn), strdup(fn),
			    mark_line(node(doc, q->key)), mark_col(node(doc, q->key))};
			if (!al->name || !al->rule || !al->field) {
				ld->nomem = true;
				return false;
			}
		}
	}
	return ok;
}

static bool compile_correlation(struct loader *ld, const yaml_node_t *root,
                                const yaml_node_t *cn, struct vg_rule *r)
{
	yaml_document_t *doc = ld->doc;
	bool ok = true;
	if (cn->type != YAML_MAPPING_NODE) {
		rule_err(ld, cn, "'correlation' must be a map");
		return false;
	}
	struct vg_corr *c = calloc(1, sizeof(*c));
	if (!c) {
		ld->nomem = true;
		return false;
	}
	r->corr = c;
	r->is_correlation = true;

	yaml_node_t *tn = map_get(doc, cn, "type");
	const char *type = scalar(tn);
	bool typed = false;
	if (!type) {
		rule_err(ld, cn, "correlation: missing 'type'");
		ok = false;
	} else {
		for (size_t i = 0; i < NCORR_TYPES; i++)
			if (strcmp(type, corr_types[i]) == 0) {
				c->type = (enum vg_corr_type)i;
				typed = true;
			}
		if (!typed) {
			bool later = false;
			for (size_t i = 0; i < sizeof(corr_later) / sizeof(corr_later[0]);
			     i++)
				later |= strcmp(type, corr_later[i]) == 0;
			if (later)
				rule_err(ld, tn, "correlation type '%s' is not supported",
				         type);
			else
				rule_err(ld, tn, "unknown correlation type '%s'", type);
			ok = false;
		}
	}

	for (yaml_node_pair_t *p = cn->data.mapping.pairs.start;
	     p < cn->data.mapping.pairs.top; p++) {
		const char *k = scalar(node(doc, p->key));
		static const char *const known[] = {"type",     "rules",     "group-by",
		                                    "timespan", "condition", "generate",
		                                    "aliases",  "timeframe", "expect"};
		bool found = false;
		for (size_t i = 0; k && i < sizeof(known) / sizeof(known[0]); i++)
			found |= strcmp(k, known[i]) == 0;
		if (!found) {
			const char *sugg =
			    k ? vg_closest(k, known, sizeof(known) / sizeof(known[0]))
			      : NULL;
			if (sugg)
				rule_err(
				    ld, node(doc, p->key),
				    "correlation: unknown key '%s' (did you mean '%s'?)",
				    k, sugg);
			else
				rule_err(ld, node(doc, p->key),
				         "correlation: unknown key '%s'", k ? k : "?");
			ok = false;
		}
	}
	yaml_node_t *an = map_get(doc, cn, "aliases");
	if (an && !read_aliases(ld, an, c))
		ok = false;

	/* rules */
	yaml_node_t *rn = map_get(doc, cn, "rules");
	if (!rn) {
		rule_err(ld, cn, "correlation: missing 'rules'");
		ok = false;
	} else if (rn->type == YAML_SCALAR_NODE) {
		c->refs = calloc(1, sizeof(char *));
		c->ref_line = calloc(1, sizeof(int));
		c->ref_col = calloc(1, sizeof(int));
		if (!c->refs || !c->ref_line || !c->ref_col ||
		    !(c->refs[0] = strdup(scalar(rn)))) {
			ld->nomem = true;
			return false;
		}
		c->ref_line[0] = mark_line(rn);
		c->ref_col[0] = mark_col(rn);
		c->nrefs = 1;
	} else if (rn->type == YAML_SEQUENCE_NODE &&
	           rn->data.sequence.items.top > rn->data.sequence.items.start) {
		size_t n =
		    (size_t)(rn->data.sequence.items.top - rn->data.sequence.items.start);
		c->refs = calloc(n, sizeof(char *));
		c->ref_line = calloc(n, sizeof(int));
		c->ref_col = calloc(n, sizeof(int));
		if (!c->refs || !c->ref_line || !c->ref_col) {
			ld->nomem = true;
			return false;
		}
		for (yaml_node_item_t *it = rn->data.sequence.items.start;
		     it < rn->data.sequence.items.top; it++) {
			const char *s = scalar(node(doc, *it));
			if (!s) {
				rule_err(ld, node(doc, *it),
				         "correlation: a rule reference must be "
				         "a string");
				ok = false;
				continue;
			}
			c->ref_line[c->nrefs] = mark_line(node(doc, *it));
			c->ref_col[c->nrefs] = mark_col(node(doc, *it));
			if (!(c->refs[c->nrefs++] = strdup(s))) {
				ld->nomem = true;
				return false;
			}
		}
	} else {
		rule_err(ld, rn, "correlation: 'rules' must be a non-empty list");
		ok = false;
	}
	if (typed && c->nrefs < 2 &&
	    (c->type == VG_CORR_TEMPORAL || c->type == VG_CORR_TEMPORAL_ORDERED ||
	     c->type == VG_CORR_ABSENCE)) {
		rule_err(ld, rn ? rn : cn, "correlation: '%s' needs at least two rules",
		         type);
		ok = false;
	}

	/* group-by */
	yaml_node_t *gn = map_get(doc, cn, "group-by");
	if (gn && gn->type == YAML_SCALAR_NODE && !is_null_scalar(gn)) {
		rule_err(ld, gn, "correlation: 'group-by' must be a list");
		ok = false;
	} else if (gn && gn->type == YAML_SEQUENCE_NODE) {
		size_t n =
		    (size_t)(gn->data.sequence.items.top - gn->data.sequence.items.start);
		c->group_by = calloc(n ? n : 1, sizeof(*c->group_by));
		c->group_names = calloc(n ? n : 1, sizeof(char *));
		if (!c->group_by || !c->group_names) {
			ld->nomem = true;
			return false;
		}
		for (yaml_node_item_t *it = gn->data.sequence.items.start;
		     it < gn->data.sequence.items.top; it++) {
			const char *s = scalar(node(doc, *it));
			if (!s || !*s) {
				rule_err(ld, node(doc, *it),
				         "correlation: a group-by field must be "
				         "a name");
				ok = false;
				continue;
			}
			bool is_alias = false;
			for (size_t a = 0; a < c->naliases; a++)
				is_alias |= strcmp(c->aliases[a].name, s) == 0;
			vg_field f = resolve_field(ld, s, strlen(s));
			if (f == VG_FIELD_NONE) {
				rule_err(ld, node(doc, *it), "field registry is full");
				ok = false;
				continue;
			}
			c->group_by[c->ngroup] = f;
			if (!(c->group_names[c->ngroup++] =
			          strdup(is_alias ? s : vg_field_name(f)))) {
				ld->nomem = true;
				return false;
			}
		}
	}

	/* timespan */
	yaml_node_t *sn = map_get(doc, cn, "timespan");
	if (!sn)
		sn = map_get(doc, cn, "timeframe"); /* the draft name */
	if (!sn) {
		rule_err(ld, cn, "correlation: missing 'timespan'");
		ok = false;
	} else if (!parse_timespan(scalar(sn), &c->timespan)) {
		rule_err(ld, sn,
		         "correlation: invalid timespan '%s' (expected e.g. 30s, 5m, "
		         "1h, 2d)",
		         scalar(sn) ? scalar(sn) : "");
		ok = false;
	} else if (c->timespan > (vg_time)MAX_TIMESPAN_DAYS * 86400 * VG_USEC_PER_SEC) {
		rule_err(ld, sn, "correlation: timespan '%s' is above the supported %dd",
		         scalar(sn), MAX_TIMESPAN_DAYS);
		ok = false;
	}

	/* condition */
	yaml_node_t *kn = map_get(doc, cn, "condition");
	bool optional =
	    typed && (c->type == VG_CORR_TEMPORAL ||
	              c->type == VG_CORR_TEMPORAL_ORDERED || c->type == VG_CORR_ABSENCE);
	bool real =
	    typed && (c->type == VG_CORR_VALUE_SUM || c->type == VG_CORR_VALUE_AVG);
	if (!kn && !typed) {
		/* an unsupported type was reported; its own keys are not checked */
	} else if (!kn && optional) {
		/* temporal: every rule; absence: no count */
	} else if (!kn) {
		rule_err(ld, cn, "correlation: missing 'condition'");
		ok = false;
	} else if (kn->type != YAML_MAPPING_NODE) {
		rule_err(ld, kn,
		         "correlation: 'condition' must be a map such as {gte: 10}");
		ok = false;
	} else {
		for (yaml_node_pair_t *p = kn->data.mapping.pairs.start;
		     p < kn->data.mapping.pairs.top; p++) {
			const yaml_node_t *ck = node(doc, p->key);
			const char *k = scalar(ck);
			const char *v = scalar(node(doc, p->value));
			double num = 0;
			if (k && strcmp(k, "field") == 0) {
				if (typed && !corr_uses_field(c->type)) {
					rule_err(ld, ck,
					         "correlation: 'field' is not used by %s",
					         type);
					ok = false;
				} else if (!v || !*v) {
					rule_err(ld, ck,
					         "correlation: 'field' must be a name");
					ok = false;
				} else if (!(c->field_name = strdup(v))) {
					ld->nomem = true;
					return false;
				}
				continue;
			}
			uint64_t u = 0;
			/* a decimal number: a nan bound never held, an inf one
			 * held always or never */
			if (real ? (!v || !vg_parse_double(v, &num))
			         : !parse_count(v, &u)) {
				rule_err(ld, node(doc, p->value),
				         "correlation: condition '%s' needs a %s",
				         k ? k : "?",
				         real ? "finite decimal number"
				              : "non-negative integer");
				ok = false;
				continue;
			}
			if (!real && u > MAX_EVENT_COUNT) {
				/* refused here, before the bound becomes a double: one
				 * past 2^64 - 1 converted back overflowed, and the rule
				 * fired on every event */
				rule_err(
				    ld, node(doc, p->value),
				    "correlation: count %llu is above the supported %d",
				    (unsigned long long)u, MAX_EVENT_COUNT);
				ok = false;
				continue;
			}
			if (!real)
				num = (double)u;
			if (k && strcmp(k, "gt") == 0)
				c->has_gt = true, c->gt = num;
			else if (k && strcmp(k, "gte") == 0)
				c->has_gte = true, c->gte = num;
			else if (k && strcmp(k, "lt") == 0)
				c->has_lt = true, c->lt = num;
			else if (k && strcmp(k, "lte") == 0)
				c->has_lte = true, c->lte = num;
			else if (k && strcmp(k, "eq") == 0)
				c->has_eq = true, c->eq = num;
			else if (k && strcmp(k, "neq") == 0)
				c->has_neq = true, c->neq = num;
			else {
				rule_err(
				    ld, ck,
				    "correlation: unknown condition '%s' (expected gt, "
				    "gte, lt, lte, eq or neq)",
				    k ? k : "?");
				ok = false;
			}
		}
		if (ok && !(c->has_gt || c->has_gte || c->has_lt || c->has_lte ||
		            c->has_eq || c->has_neq)) {
			rule_err(ld, kn, "correlation: empty condition");
			ok = false;
		}
	}
	if (ok && corr_uses_field(c->type) && !c->field_name) {
		rule_err(ld, kn ? kn : cn, "correlation: %s needs 'field' in 'condition'",
		         type);
		ok = false;
	}
	if (ok && c->type == VG_CORR_TEMPORAL_ORDERED &&
	    (c->has_gt || c->has_gte || c->has_lt || c->has_lte || c->has_eq ||
	     c->has_neq)) {
		double want = (double)c->nrefs;
		if (!(c->has_gte && c->gte == want && !c->has_gt && !c->has_lt &&
		      !c->has_lte && !c->has_eq && !c->has_neq)) {
			rule_err(
			    ld, kn,
			    "correlation: temporal_ordered needs every rule in order "
			    "(no condition, or gte: %zu)",
			    c->nrefs);
			ok = false;
		}
	}
	if (ok && (c->type == VG_CORR_TEMPORAL || c->type == VG_CORR_TEMPORAL_ORDERED) &&
	    !c->has_gt && !c->has_gte && !c->has_lt && !c->has_lte && !c->has_eq &&
	    !c->has_neq) {
		c->has_gte = true;
		c->gte = (double)c->nrefs;
	}
	yaml_node_t *en = map_get(doc, cn, "expect");
	if (en) {
		const char *e = scalar(en);
		if (c->type != VG_CORR_ABSENCE) {
			rule_err(ld, en, "correlation: 'expect' is only used by absence");
			ok = false;
		} else if (e && strcmp(e, "after") == 0) {
			c->expect = 0;
		} else if (e && strcmp(e, "before") == 0) {
			c->expect = 1;
		} else if (e && strcmp(e, "around") == 0) {
			c->expect = 2;
		} else {
			rule_err(ld, en,
			         "correlation: 'expect' must be after, before or around");
			ok = false;
		}
	}
	if (ok && c->type == VG_CORR_ABSENCE && kn) {
		rule_err(ld, kn, "correlation: absence takes no condition");
		ok = false;
	}
	if (ok && !real && c->type != VG_CORR_ABSENCE) {
		/* lower bound only: the alert fires the moment it is reached; anything
		 * with an upper bound is only known when the window closes */
		uint64_t lo = 1;
		if (c->has_gte && (uint64_t)c->gte > lo)
			lo = (uint64_t)c->gte;
		if (c->has_gt && (uint64_t)c->gt + 1 > lo)
			lo = (uint64_t)c->gt + 1;
		c->eager = !(c->has_lt || c->has_lte || c->has_eq || c->has_neq);
		c->need = lo;
		uint64_t hi = lo;
		if (c->has_lt && (uint64_t)c->lt > hi)
			hi = (uint64_t)c->lt;
		if (c->has_lte && (uint64_t)c->lte + 1 > hi)
			hi = (uint64_t)c->lte + 1;
		if (c->has_eq && (uint64_t)c->eq + 1 > hi)
			hi = (uint64_t)c->eq + 1;
		if (c->has_neq && (uint64_t)c->neq + 1 > hi)
			hi = (uint64_t)c->neq + 1;
		c->cap = hi;
		if ((c->eager ? c->need : c->cap) > MAX_EVENT_COUNT) {
			rule_err(ld, kn,
			         "correlation: count %llu is above the supported %d",
			         (unsigned long long)(c->eager ? c->need : c->cap),
			         MAX_EVENT_COUNT);
			ok = false;
		}
		if ((c->type == VG_CORR_TEMPORAL) && !c->eager) {
			rule_err(ld, kn,
			         "correlation: temporal takes lower bounds only "
			         "(gt / gte)");
			ok = false;
		}
		if (c->type == VG_CORR_TEMPORAL && c->need > c->nrefs) {
			rule_err(ld, kn,
			         "correlation: temporal condition asks for %llu of %zu "
			         "rules",
			         (unsigned long long)c->need, c->nrefs);
			ok = false;
		}
	}

	/* generate: top level per the spec, also accepted inside `correlation` */
	yaml_node_t *gen = map_get(doc, root, "generate");
	if (!gen)
		gen = map_get(doc, cn, "generate");
	if (gen && !parse_bool(scalar(gen), &c->generate)) {
		rule_err(ld, gen, "'generate' must be true or false");
		ok = false;
	}
	return ok;
}

static bool add_rule(struct loader *ld, struct vg_rule *r, size_t *cap)
{
	struct vg_ruleset *rs = ld->rs;
	void *np = vg_grow(rs->rules, cap, rs->n + 1, sizeof(*rs->rules));
	if (!np)
		return false;
	rs->rules = np;
	r->index = rs->n;
	rs->rules[rs->n++] = r;
	return true;
}

/* A `placeholders:` document (Vigil extension): {name: [values]} used by the
 * `expand` modifier of the rules loaded after it.  @return 0 (not a rule), -1 OOM. */
static int load_placeholders(struct loader *ld, const yaml_node_t *map)
{
	yaml_document_t *doc = ld->doc;
	ld->rname = "placeholders";
	if (map->type != YAML_MAPPING_NODE) {
		rule_err(ld, map, "'placeholders' must be a map of name: [values]");
		return 0;
	}
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		const char *name = scalar(node(doc, p->key));
		const yaml_node_t *vn = node(doc, p->value);
		if (!name || !vn ||
		    (vn->type != YAML_SEQUENCE_NODE && vn->type != YAML_SCALAR_NODE)) {
			rule_err(ld, vn, "placeholder values must be a list of strings");
			continue;
		}
		struct placeholder *np =
		    realloc(ld->placeholders, (ld->nplaceholders + 1) * sizeof(*np));
		if (!np)
			return -1;
		ld->placeholders = np;
		struct placeholder *ph = &np[ld->nplaceholders++];
		memset(ph, 0, sizeof(*ph));
		size_t n = vn->type == YAML_SCALAR_NODE
		               ? 1
		               : (size_t)(vn->data.sequence.items.top -
		                          vn->data.sequence.items.start);
		ph->name = strdup(name);
		ph->vals = calloc(n ? n : 1, sizeof(char *));
		if (!ph->name || !ph->vals)
			return -1;
		if (vn->type == YAML_SCALAR_NODE) {
			if (!(ph->vals[ph->nvals++] = strdup(scalar(vn))))
				return -1;
			continue;
		}
		for (yaml_node_item_t *it = vn->data.sequence.items.start;
		     it < vn->data.sequence.items.top; it++) {
			const char *v = scalar(node(doc, *it));
			if (!v)
				continue;
			if (!(ph->vals[ph->nvals++] = strdup(v)))
				return -1;
		}
	}
	return 0;
}

/* A key written twice in one mapping (vg_yaml_dup_keys): an error. */
static void dup_key(const yaml_node_t *k, const yaml_node_t *first, void *ctx)
{
	rule_err(ctx, k, "key '%s' is set twice (first at line %d)",
	         (const char *)k->data.scalar.value, mark_line(first));
}

/* Compile one YAML document (one rule).  @return 1 loaded, 0 skipped, -1 OOM. */
static int compile_doc(struct loader *ld, yaml_document_t *doc, size_t *rules_cap)
{
	yaml_node_t *root = yaml_document_get_root_node(doc);
	ld->doc = doc;
	ld->nerr = 0;
	if (!root)
		return 0;
	if (root->type == YAML_SCALAR_NODE && is_null_scalar(root))
		return 0; /* an empty document, e.g. a trailing "---" */
	yaml_node_t *phn = map_get(doc, root, "placeholders");
	if (phn && !map_get(doc, root, "detection"))
		return load_placeholders(ld, phn);
	const char *id = map_str(doc, root, "id");
	const char *title = map_str(doc, root, "title");
	const char *name = map_str(doc, root, "name");
	ld->rname = id ? id : title ? title : name ? name : "(untitled)";
	if (root->type != YAML_MAPPING_NODE) {
		rule_err(ld, root, "a rule must be a map");
		return 0;
	}
	vg_yaml_dup_keys(doc, dup_key, ld);
	struct vg_rule *r = calloc(1, sizeof(*r));
	if (!r)
		return -1;
	r->id = xstrdup(id ? id : name ? name : title);
	r->title = xstrdup(title ? title : r->id);
	r->name = xstrdup(name);
	r->file = xstrdup(ld->file);
	r->line = mark_line(root);
	r->col = mark_col(root);
	r->level = VG_LEVEL_MEDIUM;
	r->root = -1;
	if ((r->id == NULL) != (!id && !name && !title) || !r->file) {
		rule_free(r);
		return -1;
	}
	if (!id && !title && !name)
		rule_err(ld, root, "missing 'title'");
	const char *action = map_str(doc, root, "action");
	if (action)
		rule_err(ld, map_get(doc, root, "action"),
		         "legacy 'action: %s' documents are not supported", action);
	yaml_node_t *lvl = map_get(doc, root, "level");
	bool level_set = false;
	if (lvl) {
		if (!scalar(lvl) || !parse_level(scalar(lvl), &r->level))
			rule_err(
			    ld, lvl,
			    "unknown level '%s' (expected informational, low, medium, "
			    "high or critical)",
			    scalar(lvl) ? scalar(lvl) : "?");
		level_set = true;
	}
	read_tags(ld, doc, root, r);

	yaml_node_t *det = map_get(doc, root, "detection");
	yaml_node_t *corr = map_get(doc, root, "correlation");
	yaml_node_t *filt = map_get(doc, root, "filter");
	if (det && corr)
		rule_err(ld, root,
		         "a rule has either 'detection' or 'correlation', not both");
	else if (corr)
		compile_correlation(ld, root, corr, r);
	else if (det)
		compile_detection(ld, root, det, r);
	else if (filt)
		rule_err(ld, root, "Sigma filter documents are not supported yet");
	else if (!action)
		rule_err(ld, root, "missing 'detection' (or 'correlation')");
	if (r->corr && !level_set)
		r->level = (enum vg_level) - 1; /* resolved from the referenced rules */

	if (ld->nomem) {
		rule_free(r);
		return -1;
	}
	if (ld->nerr) {
		/* kept for resolve(): references to it, and its own */
		void *np = vg_grow(ld->failed, &ld->failed_cap, ld->nfailed + 1,
		                   sizeof(*ld->failed));
		if (!np) {
			rule_free(r);
			return -1;
		}
		ld->failed = np;
		ld->failed[ld->nfailed++] = r;
		return 0;
	}
	if (!add_rule(ld, r, rules_cap)) {
		rule_free(r);
		return -1;
	}
	return 1;
}

/* Load every document of one YAML text.  @return rules loaded or -1 on OOM. */
static long load_text(struct loader *ld, const char *file, const unsigned char *data,
                      size_t len, size_t *rules_cap)
{
	yaml_parser_t parser;
	long loaded = 0;
	if (!yaml_parser_initialize(&parser))
		return -1;
	yaml_parser_set_input_string(&parser, data, len);
	ld->file = file;
	for (;;) {
		yaml_document_t doc;
		if (!yaml_parser_load(&parser, &doc)) {
			vg_yaml_error(ld->diag, file, &parser, data, len, "YAML: ");
			break;
		}
		if (!yaml_document_get_root_node(&doc)) {
			yaml_document_delete(&doc);
			break;
		}
		int rc = compile_doc(ld, &doc, rules_cap);
		yaml_document_delete(&doc);
		ld->rname = NULL;
		if (rc < 0) {
			loaded = -1;
			break;
		}
		loaded += rc;
	}
	yaml_parser_delete(&parser);
	return loaded;
}

static long load_file(struct loader *ld, const char *path, size_t *rules_cap)
{
	struct vg_buf buf;
	vg_buf_init(&buf);
	if (vg_buf_read_file(&buf, path) != VG_OK) {
		vg_diag_error(ld->diag, path, 0, 0, "cannot read: %s", strerror(errno));
		vg_buf_free(&buf);
		return 0;
	}
	long n = load_text(ld, path, (const unsigned char *)(buf.data ? buf.data : ""),
	                   buf.len, rules_cap);
	vg_buf_free(&buf);
	return n;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_yaml_name(const char *n)
{
	size_t l = strlen(n);
	return (l > 4 && strcmp(n + l - 4, ".yml") == 0) ||
	       (l > 5 && strcmp(n + l - 5, ".yaml") == 0);
}

/* An error about a path itself: at the config entry naming it, when there is one. */
static void path_error(struct loader *ld, const char *path, const struct vg_named_at *at,
                       const char *what)
{
	if (at && at->file)
		vg_diag_error(ld->diag, at->file, at->line, at->col, "rule path '%s': %s",
		              path, what);
	else
		vg_diag_error(ld->diag, path, 0, 0, "%s", what);
}

static long load_path(struct loader *ld, const char *path, const struct vg_named_at *at,
                      size_t *rules_cap, int depth)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		char what[300];
		snprintf(what, sizeof(what), "cannot open: %s", strerror(errno));
		path_error(ld, path, at, what);
		ld->unopened = depth == 0;
		return 0;
	}
	if (!S_ISDIR(st.st_mode))
		return load_file(ld, path, rules_cap);
	if (depth > 32) {
		vg_diag_error(ld->diag, path, 0, 0, "directories nested too deeply");
		return 0;
	}
	DIR *d = opendir(path);
	if (!d) {
		char what[300];
		snprintf(what, sizeof(what), "cannot open: %s", strerror(errno));
		path_error(ld, path, at, what);
		ld->unopened = depth == 0;
		return 0;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	long total = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char *full = NULL;
		if (asprintf(&full, "%s/%s", path, de->d_name) < 0) {
			total = -1;
			break;
		}
		struct stat cst;
		bool want = stat(full, &cst) == 0 &&
		            (S_ISDIR(cst.st_mode) ||
		             (S_ISREG(cst.st_mode) && is_yaml_name(full)));
		void *np = want ? vg_grow(names, &cap, n + 1, sizeof(*names)) : names;
		if (!want || !np) {
			free(full);
			if (want) {
				total = -1;
				break;
			}
			continue;
		}
		names = np;
		names[n++] = full;
	}
	closedir(d);
	if (total == 0 && n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (total >= 0) {
			long r = load_path(ld, names[i], NULL, rules_cap, depth + 1);
			total = r < 0 ? -1 : total + r;
		}
		free(names[i]);
	}
	free(names);
	return total;
}

/* ------------------------------------------------------ schema mappings */

/* Whether the YAML sequence seq (NULL: none) holds the scalar v. */
static bool seq_has(yaml_document_t *doc, yaml_node_t *seq, const char *v)
{
	if (!seq || seq->type != YAML_SEQUENCE_NODE)
		return false;
	for (yaml_node_item_t *it = seq->data.sequence.items.start;
	     it < seq->data.sequence.items.top; it++) {
		const char *s = scalar(node(doc, *it));
		if (s && strcmp(s, v) == 0)
			return true;
	}
	return false;
}

static vg_err load_aliases(struct loader *ld)
{
	const char *name = "schemas/field-aliases.yaml";
	const struct vg_resource *res = vg_resource_get(name);
	yaml_parser_t parser;
	yaml_document_t doc;
	vg_err err = VG_OK;
	size_t cap = 0;
	if (!res)
		return VG_OK; /* no aliases embedded: names are used as written */
	if (!yaml_parser_initialize(&parser))
		return VG_ERR_NOMEM;
	yaml_parser_set_input_string(&parser, res->data, res->len);
	if (!yaml_parser_load(&parser, &doc)) {
		vg_yaml_error(ld->diag, name, &parser, res->data, res->len, "YAML: ");
		yaml_parser_delete(&parser);
		return VG_ERR_CONFIG;
	}
	yaml_node_t *al = map_get(&doc, yaml_document_get_root_node(&doc), "aliases");
	if (!al || al->type != YAML_MAPPING_NODE) {
		vg_diag_error(ld->diag, name, 0, 0, "missing 'aliases' map");
		err = VG_ERR_CONFIG;
		goto out;
	}
	/* vendor names mapped in events only: a rule naming one means another field */
	yaml_node_t *eo = map_get(&doc, yaml_document_get_root_node(&doc), "events_only");
	if (eo && eo->type != YAML_SEQUENCE_NODE) {
		vg_diag_error(ld->diag, name, mark_line(eo), mark_col(eo),
		              "'events_only' must be a list of vendor names");
		err = VG_ERR_CONFIG;
		goto out;
	}
	for (yaml_node_pair_t *p = al->data.mapping.pairs.start;
	     p < al->data.mapping.pairs.top; p++) {
		const char *ecs = scalar(node(&doc, p->key));
		yaml_node_t *vs = node(&doc, p->value);
		if (!ecs || vs->type != YAML_SEQUENCE_NODE) {
			vg_diag_error(ld->diag, name, mark_line(vs), mark_col(vs),
			              "expected 'ecs.field: [VendorName, ...]'");
			err = VG_ERR_CONFIG;
			continue;
		}
		for (yaml_node_item_t *it = vs->data.sequence.items.start;
		     it < vs->data.sequence.items.top; it++) {
			const char *v = scalar(node(&doc, *it));
			void *np = vg_grow(ld->aliases, &cap, ld->naliases + 1,
			                   sizeof(*ld->aliases));
			if (!v || seq_has(&doc, eo, v))
				continue;
			if (!np) {
				err = VG_ERR_NOMEM;
				goto out;
			}
			ld->aliases = np;
			struct alias *a = &ld->aliases[ld->naliases];
			a->vendor = strdup(v);
			a->ecs = strdup(ecs);
			ld->naliases++;
			if (!a->vendor || !a->ecs) {
				err = VG_ERR_NOMEM;
				goto out;
			}
		}
	}
out:
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return err;
}

/* Collect lowercase event.dataset literals required by every alternative. */
static bool ls_datasets(struct vg_logsrc *ls)
{
	vg_field ds = vg_field_lookup("event.dataset", strlen("event.dataset"));
	size_t cap = 0;
	if (ls->sel.nalts == 0 || ds == VG_FIELD_NONE)
		return true;
	for (size_t a = 0; a < ls->sel.nalts; a++) {
		const struct vg_fcond *hit = NULL;
		for (size_t i = 0; i < ls->sel.alts[a].n; i++) {
			const struct vg_fcond *fc = &ls->sel.alts[a].conds[i];
			bool lit = fc->field == ds && !fc->all;
			for (size_t v = 0; lit && v < fc->nvals; v++)
				lit = fc->vals[v].op == VG_MOP_STR &&
				      fc->vals[v].shape == VG_PS_EXACT &&
				      !fc->vals[v].cased;
			if (lit)
				hit = fc;
		}
		if (!hit) {
			for (size_t i = 0; i < ls->ndatasets; i++)
				free(ls->datasets[i]);
			free(ls->datasets);
			ls->datasets = NULL;
			ls->ndatasets = 0;
			return true;
		}
		for (size_t v = 0; v < hit->nvals; v++) {
			void *np = vg_grow(ls->datasets, &cap, ls->ndatasets + 1,
			                   sizeof(char *));
			if (!np)
				return false;
			ls->datasets = np;
			if (!(ls->datasets[ls->ndatasets] = strdup(hit->vals[v].text)))
				return false;
			ls->ndatasets++;
		}
	}
	return true;
}

static struct vg_logsrc *new_logsrc(struct loader *ld, const char *key)
{
	struct vg_ruleset *rs = ld->rs;
	struct vg_logsrc *ls = calloc(1, sizeof(*ls));
	struct vg_logsrc **np = realloc(rs->logsrcs, (rs->nlogsrcs + 1) * sizeof(*np));
	if (!ls || !np) {
		free(ls);
		if (np)
			rs->logsrcs = np;
		return NULL;
	}
	rs->logsrcs = np;
	rs->logsrcs[rs->nlogsrcs++] = ls;
	ls->key = strdup(key);
	return ls->key ? ls : NULL;
}

static vg_err load_logsources(struct loader *ld)
{
	const char *name = "schemas/logsources.yaml";
	const struct vg_resource *res = vg_resource_get(name);
	yaml_parser_t parser;
	yaml_document_t doc;
	vg_err err = VG_OK;
	size_t ecap = 0, pcap = 0;

	ld->any_ls = new_logsrc(ld, "*");
	if (!ld->any_ls)
		return VG_ERR_NOMEM;
	if (!res) {
		vg_diag_warn(ld->diag, name, 0, 0,
		             "not embedded: logsources are not mapped");
		return VG_OK;
	}
	if (!yaml_parser_initialize(&parser))
		return VG_ERR_NOMEM;
	yaml_parser_set_input_string(&parser, res->data, res->len);
	if (!yaml_parser_load(&parser, &doc)) {
		vg_yaml_error(ld->diag, name, &parser, res->data, res->len, "YAML: ");
		yaml_parser_delete(&parser);
		return VG_ERR_CONFIG;
	}
	ld->doc = &doc;
	ld->file = name;
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	yaml_node_t *list = map_get(&doc, root, "logsources");
	yaml_node_t *prods = map_get(&doc, root, "products");
	if (!list || list->type != YAML_SEQUENCE_NODE || !prods ||
	    prods->type != YAML_MAPPING_NODE) {
		vg_diag_error(ld->diag, name, 0, 0,
		              "expected 'logsources' (list) and "
		              "'products' (map)");
		err = VG_ERR_CONFIG;
		goto out;
	}
	for (yaml_node_item_t *it = list->data.sequence.items.start;
	     it < list->data.sequence.items.top; it++) {
		yaml_node_t *e = node(&doc, *it);
		const char *p = map_str(&doc, e, "product");
		const char *c = map_str(&doc, e, "category");
		const char *s = map_str(&doc, e, "service");
		yaml_node_t *cond = map_get(&doc, e, "conditions");
		char key[256];
		snprintf(key, sizeof(key), "%s/%s/%s", p ? p : "-", c ? c : "-",
		         s ? s : "-");
		ld->rname = key;
		ld->nerr = 0;
		if (!cond || (!c && !s)) {
			vg_diag_error(
			    ld->diag, name, mark_line(e), mark_col(e),
			    "entry needs 'conditions' and a category or service");
			err = VG_ERR_CONFIG;
			continue;
		}
		void *np =
		    vg_grow(ld->lsents, &ecap, ld->nlsents + 1, sizeof(*ld->lsents));
		struct vg_logsrc *ls = np ? new_logsrc(ld, key) : NULL;
		if (np)
			ld->lsents = np;
		if (!ls) {
			err = VG_ERR_NOMEM;
			goto out;
		}
		if (!compile_sel(ld, key, cond, &ls->sel) || !ls_datasets(ls)) {
			err = ld->nomem ? VG_ERR_NOMEM : VG_ERR_CONFIG;
			continue;
		}
		struct lsentry *le = &ld->lsents[ld->nlsents++];
		le->product = xstrdup(p);
		le->category = xstrdup(c);
		le->service = xstrdup(s);
		le->ls = ls;
	}
	for (yaml_node_pair_t *pp = prods->data.mapping.pairs.start;
	     pp < prods->data.mapping.pairs.top; pp++) {
		const char *p = scalar(node(&doc, pp->key));
		char key[256];
		snprintf(key, sizeof(key), "%s/-/-", p ? p : "?");
		ld->rname = key;
		void *np = vg_grow(ld->products, &pcap, ld->nproducts + 1,
		                   sizeof(*ld->products));
		struct vg_logsrc *ls = np ? new_logsrc(ld, key) : NULL;
		if (np)
			ld->products = np;
		if (!ls || !p) {
			err = ls ? VG_ERR_CONFIG : VG_ERR_NOMEM;
			goto out;
		}
		if (!compile_sel(ld, key, node(&doc, pp->value), &ls->sel) ||
		    !ls_datasets(ls)) {
			err = ld->nomem ? VG_ERR_NOMEM : VG_ERR_CONFIG;
			continue;
		}
		struct lsentry *le = &ld->products[ld->nproducts++];
		memset(le, 0, sizeof(*le));
		le->product = strdup(p);
		le->ls = ls;
	}
out:
	ld->rname = NULL;
	ld->doc = NULL;
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return err;
}

static void loader_clear(struct loader *ld)
{
	for (size_t i = 0; i < ld->nplaceholders; i++) {
		for (size_t k = 0; k < ld->placeholders[i].nvals; k++)
			free(ld->placeholders[i].vals[k]);
		free(ld->placeholders[i].vals);
		free(ld->placeholders[i].name);
	}
	free(ld->placeholders);
	for (size_t i = 0; i < ld->naliases; i++) {
		free(ld->aliases[i].vendor);
		free(ld->aliases[i].ecs);
	}
	free(ld->aliases);
	for (size_t i = 0; i < ld->nlsents; i++) {
		free(ld->lsents[i].product);
		free(ld->lsents[i].category);
		free(ld->lsents[i].service);
	}
	free(ld->lsents);
	for (size_t i = 0; i < ld->nproducts; i++)
		free(ld->products[i].product);
	free(ld->products);
	for (size_t i = 0; i < ld->nfailed; i++)
		rule_free(ld->failed[i]);
	free(ld->failed);
}

/* ------------------------------------------------------------ resolution */

/* The rule a correlation's reference names, by id first, then by name, among
 * rules[0..n). */
static struct vg_rule *find_ref(struct vg_rule *const *rules, size_t n, const char *ref)
{
	for (size_t i = 0; i < n; i++)
		if (rules[i]->id && strcmp(rules[i]->id, ref) == 0)
			return rules[i];
	for (size_t i = 0; i < n; i++)
		if (rules[i]->name && strcmp(rules[i]->name, ref) == 0)
			return rules[i];
	return NULL;
}

/* Diagnose reference k of correlation r, which names t (NULL: no loaded rule)
 * and cannot be used: r's own, unknown, or a rule that failed to load. */
static void bad_ref(struct loader *ld, const struct vg_rule *r, size_t k,
                    const struct vg_rule *t)
{
	const struct vg_corr *c = r->corr;
	if (!t)
		t = find_ref(ld->failed, ld->nfailed, c->refs[k]);
	if (t == r)
		vg_diag_error(ld->diag, r->file, c->ref_line[k], c->ref_col[k],
		              "rule '%s': correlation refers to its own rule '%s'", r->id,
		              c->refs[k]);
	else if (t)
		vg_diag_error(ld->diag, r->file, c->ref_line[k], c->ref_col[k],
		              "rule '%s': correlation refers to rule '%s', which "
		              "failed to load (%s:%d:%d)",
		              r->id, c->refs[k], t->file, t->line, t->col);
	else
		vg_diag_error(ld->diag, r->file, c->ref_line[k], c->ref_col[k],
		              "rule '%s': correlation refers to unknown rule '%s'", r->id,
		              c->refs[k]);
}

/* Whether alias entry al is given for referenced rule t (written ref in `rules:`):
 * by its name, its id or as written. */
static bool alias_names_ref(const struct vg_corr_alias *al, const struct vg_rule *t,
                            const char *ref)
{
	return strcmp(al->rule, ref) == 0 ||
	       (t && ((t->name && strcmp(al->rule, t->name) == 0) ||
	              (t->id && strcmp(al->rule, t->id) == 0)));
}

/* The field alias `name` stands for in referenced rule t (the k-th of c), or
 * NULL when c gives it none there. */
static const char *alias_field(const struct vg_corr *c, const char *name,
                               const struct vg_rule *t, size_t k)
{
	const char *f = NULL;
	for (size_t a = 0; a < c->naliases; a++)
		if (strcmp(c->aliases[a].name, name) == 0 &&
		    alias_names_ref(&c->aliases[a], t, c->refs[k]))
			f = c->aliases[a].field;
	return f;
}

/* Resolve correlation references; drop correlations that cannot run.  Rules are
 * renumbered afterwards.  *dropped: which of the rules before (by their index
 * then) were dropped, owned by the caller (set only on VG_OK). */
static vg_err resolve(struct loader *ld, bool **dropped)
{
	struct vg_ruleset *rs = ld->rs;
	size_t keep = 0;
	bool *drop = calloc(rs->n ? rs->n : 1, sizeof(bool));
	if (!drop)
		return VG_ERR_NOMEM;
	/* first resolve everything (rules stay in place), then drop */
	for (size_t i = 0; i < rs->n; i++) {
		struct vg_rule *r = rs->rules[i];
		struct vg_corr *c = r->corr;
		if (!c)
			continue;
		c->ref_idx = calloc(c->nrefs ? c->nrefs : 1, sizeof(size_t));
		c->ref_group = calloc(c->nrefs ? c->nrefs : 1, sizeof(vg_field *));
		c->ref_field = calloc(c->nrefs ? c->nrefs : 1, sizeof(vg_field));
		if (!c->ref_idx || !c->ref_group || !c->ref_field) {
			free(drop);
			return VG_ERR_NOMEM;
		}
		for (size_t k = 0; k < c->nrefs; k++) {
			struct vg_rule *t = find_ref(rs->rules, rs->n, c->refs[k]);
			if (!t || t == r) {
				bad_ref(ld, r, k, t);
				drop[i] = true;
				continue;
			}
			c->ref_idx[k] = t->index; /* old index, remapped below */
			/* aliases name the rule by `name` (or id); fields per rule */
			if (!(c->ref_group[k] =
			          calloc(c->ngroup ? c->ngroup : 1, sizeof(vg_field)))) {
				free(drop);
				return VG_ERR_NOMEM;
			}
			for (size_t g = 0; g < c->ngroup; g++) {
				const char *f = alias_field(c, c->group_names[g], t, k);
				c->ref_group[k][g] =
				    f ? resolve_field(ld, f, strlen(f)) : c->group_by[g];
			}
			c->ref_field[k] = VG_FIELD_NONE;
			if (c->field_name) {
				const char *f = alias_field(c, c->field_name, t, k);
				if (!f)
					f = c->field_name;
				c->ref_field[k] = resolve_field(ld, f, strlen(f));
			}
		}
		/* an alias given for a rule the correlation does not refer to (a
		 * typo, a rule renamed since): that rule would read a field named
		 * after the alias, in one group of all its events or in none */
		for (size_t a = 0; a < c->naliases && !drop[i]; a++) {
			const struct vg_corr_alias *al = &c->aliases[a];
			bool used = false;
			for (size_t k = 0; k < c->nrefs && !used; k++)
				used = alias_names_ref(
				    al, find_ref(rs->rules, rs->n, c->refs[k]),
				    c->refs[k]);
			if (!used) {
				vg_diag_error(
				    ld->diag, r->file, al->line, al->col,
				    "rule '%s': alias '%s' is given for rule '%s', "
				    "which the correlation does not refer to",
				    r->id, al->name, al->rule);
				drop[i] = true;
			}
		}
	}
	/* a correlation that failed to load: its references are checked too, so
	 * that every problem is listed at once (a reference to another rule that
	 * failed is not one more) */
	for (size_t i = 0; i < ld->nfailed; i++) {
		const struct vg_rule *r = ld->failed[i];
		for (size_t k = 0; r->corr && k < r->corr->nrefs; k++) {
			const char *ref = r->corr->refs[k];
			const struct vg_rule *t = find_ref(rs->rules, rs->n, ref);
			if (!t)
				t = find_ref(ld->failed, ld->nfailed, ref);
			if (!t || t == r)
				bad_ref(ld, r, k, t);
		}
	}
	/* chains: depth = 1 + the deepest reference; a cycle never settles */
	for (size_t pass = 0, changed = 1; changed && pass <= rs->n + 1; pass++) {
		changed = 0;
		for (size_t i = 0; i < rs->n; i++) {
			struct vg_rule *r = rs->rules[i];
			if (!r->corr || drop[i])
				continue;
			int d = 0;
			bool gone = false;
			for (size_t k = 0; k < r->corr->nrefs; k++) {
				size_t t = r->corr->ref_idx[k];
				if (drop[t]) {
					vg_diag_error(
					    ld->diag, r->file, r->corr->ref_line[k],
					    r->corr->ref_col[k],
					    "rule '%s': correlation refers to rule "
					    "'%s', which cannot run (%s:%d:%d)",
					    r->id, r->corr->refs[k], rs->rules[t]->file,
					    rs->rules[t]->line, rs->rules[t]->col);
					gone = true;
				}
				if (rs->rules[t]->depth > d)
					d = rs->rules[t]->depth;
			}
			if (gone) {
				drop[i] = true;
				changed = 1;
			} else if (d + 1 != r->depth) {
				r->depth = d + 1;
				changed = 1;
				if (r->depth > (int)rs->n + 1 || r->depth > 64) {
					vg_diag_error(
					    ld->diag, r->file, r->line, r->col,
					    "rule '%s': correlation chain is cyclic "
					    "or deeper than 64",
					    r->id);
					drop[i] = true;
				}
			}
		}
	}
	for (size_t i = 0; i < rs->n; i++) {
		struct vg_rule *r = rs->rules[i];
		if (!r->corr || drop[i] || (int)r->level >= 0)
			continue;
		enum vg_level lvl = VG_LEVEL_INFORMATIONAL;
		for (size_t k = 0; k < r->corr->nrefs; k++) {
			const struct vg_rule *t = rs->rules[r->corr->ref_idx[k]];
			if ((int)t->level > (int)lvl)
				lvl = t->level;
		}
		r->level = lvl;
	}
	for (size_t i = 0; i < rs->n; i++) {
		if (drop[i])
			rule_free(rs->rules[i]);
		else
			rs->rules[keep++] = rs->rules[i];
	}
	/* renumber: old index -> new index */
	size_t *map = malloc((rs->n ? rs->n : 1) * sizeof(size_t));
	if (!map) {
		free(drop);
		return VG_ERR_NOMEM;
	}
	for (size_t i = 0; i < keep; i++)
		map[rs->rules[i]->index] = i;
	rs->n = keep;
	for (size_t i = 0; i < rs->n; i++)
		rs->rules[i]->index = i;
	for (size_t i = 0; i < rs->n; i++) {
		struct vg_corr *c = rs->rules[i]->corr;
		if (!c)
			continue;
		for (size_t k = 0; k < c->nrefs; k++)
			c->ref_idx[k] = map[c->ref_idx[k]];
	}
	free(map);

	/* consumers and standalone */
	rs->corr_rules = calloc(rs->n ? rs->n : 1, sizeof(size_t));
	if (!rs->corr_rules) {
		free(drop);
		return VG_ERR_NOMEM;
	}
	for (size_t i = 0; i < rs->n; i++) {
		struct vg_rule *r = rs->rules[i];
		if (!r->corr)
			continue;
		r->corr->ncorr_index = rs->ncorr;
		rs->corr_rules[rs->ncorr++] = i;
		for (size_t k = 0; k < r->corr->nrefs; k++) {
			struct vg_rule *t = rs->rules[r->corr->ref_idx[k]];
			bool dup = false;
			for (size_t j = 0; j < t->nconsumers; j++)
				dup |= t->consumers[j] == i;
			if (dup)
				continue;
			size_t *np =
			    realloc(t->consumers, (t->nconsumers + 1) * sizeof(size_t));
			if (!np) {
				free(drop);
				return VG_ERR_NOMEM;
			}
			t->consumers = np;
			t->consumers[t->nconsumers++] = i;
		}
		if (r->corr->ngroup > rs->max_ngroup)
			rs->max_ngroup = (uint32_t)r->corr->ngroup;
	}
	for (size_t i = 0; i < rs->n; i++) {
		struct vg_rule *r = rs->rules[i];
		if (r->is_correlation)
			continue;
		r->standalone = r->nconsumers == 0;
		for (size_t j = 0; j < r->nconsumers; j++)
			if (rs->rules[r->consumers[j]]->corr->generate)
				r->standalone = true;
	}
	*dropped = drop;
	return VG_OK;
}

/* ----------------------------------------------------------------- index */

static bool bucket_add(struct vg_bucket *b, const struct vg_logsrc *ls, size_t rule)
{
	struct vg_lsgroup *g = NULL;
	for (size_t i = 0; i < b->ngroups; i++)
		if (b->groups[i].ls == ls)
			g = &b->groups[i];
	if (!g) {
		void *np = realloc(b->groups, (b->ngroups + 1) * sizeof(*b->groups));
		if (!np)
			return false;
		b->groups = np;
		g = &b->groups[b->ngroups++];
		memset(g, 0, sizeof(*g));
		g->ls = ls;
	}
	if (g->n && g->rules[g->n - 1] == rule)
		return true; /* the same dataset listed twice */
	size_t *np = realloc(g->rules, (g->n + 1) * sizeof(size_t));
	if (!np)
		return false;
	g->rules = np;
	g->rules[g->n++] = rule;
	return true;
}

static vg_err build_index(struct vg_ruleset *rs)
{
	size_t cap = 0;
	for (size_t i = 0; i < rs->n; i++) {
		const struct vg_rule *r = rs->rules[i];
		if (r->is_correlation)
			continue;
		const struct vg_logsrc *ls = r->logsrc;
		if (ls->ndatasets == 0) {
			if (!bucket_add(&rs->generic, ls, i))
				return VG_ERR_NOMEM;
			continue;
		}
		for (size_t d = 0; d < ls->ndatasets; d++) {
			struct vg_bucket *b = NULL;
			for (size_t k = 0; k < rs->nbuckets; k++)
				if (strcmp(rs->buckets[k].dataset, ls->datasets[d]) == 0)
					b = &rs->buckets[k];
			if (!b) {
				void *np = vg_grow(rs->buckets, &cap, rs->nbuckets + 1,
				                   sizeof(*rs->buckets));
				if (!np)
					return VG_ERR_NOMEM;
				rs->buckets = np;
				b = &rs->buckets[rs->nbuckets++];
				memset(b, 0, sizeof(*b));
				if (!(b->dataset = strdup(ls->datasets[d])))
					return VG_ERR_NOMEM;
			}
			if (!bucket_add(b, ls, i))
				return VG_ERR_NOMEM;
		}
	}
	rs->nslots = 16;
	while (rs->nslots < rs->nbuckets * 2)
		rs->nslots *= 2;
	rs->bucket_slots = calloc(rs->nslots, sizeof(size_t));
	if (!rs->bucket_slots)
		return VG_ERR_NOMEM;
	for (size_t k = 0; k < rs->nbuckets; k++) {
		const char *d = rs->buckets[k].dataset;
		uint64_t h = vg_hash64(d, strlen(d), 0);
		for (size_t j = 0;; j++) {
			size_t s = (h + j) & (rs->nslots - 1);
			if (!rs->bucket_slots[s]) {
				rs->bucket_slots[s] = k + 1;
				break;
			}
		}
	}
	return VG_OK;
}

/* Keywords search the values of the event (detect.c), not what Vigil adds to
 * classify it: a keyword 'json' or 'process' would otherwise match every JSON or
 * process event through vigil.format or event.category.  The fields: vigil.* and
 * the event.* classification parsers derive; detect.c still searches them when
 * their value lies in the record's text (an ECS record's own event.category). */
static vg_err kw_skip_fields(struct vg_ruleset *rs)
{
	static const char *const cls[] = {
	    "event.kind", "event.module", "event.dataset", "event.category",
	    "event.type", "event.action", "event.outcome"};
	size_t nf = vg_field_count(), n = 0;
	rs->kw_skip = malloc((nf + sizeof(cls) / sizeof(*cls)) * sizeof(*rs->kw_skip));
	if (!rs->kw_skip)
		return VG_ERR_NOMEM;
	for (size_t i = 0; i < sizeof(cls) / sizeof(*cls); i++) {
		vg_field f = vg_field_lookup(cls[i], strlen(cls[i]));
		if (f != VG_FIELD_NONE)
			rs->kw_skip[n++] = f;
	}
	for (size_t f = 0; f < nf; f++) {
		const char *name = vg_field_name((vg_field)f);
		if (name && strncmp(name, "vigil.", 6) == 0)
			rs->kw_skip[n++] = (vg_field)f;
	}
	rs->nkw_skip = n;
	return VG_OK;
}

/* ----------------------------------------------------------------- public */

struct embedded {
	const struct vg_resource **res;
	size_t n, cap;
	bool oom;
};

static void collect_res(const struct vg_resource *r, void *ctx)
{
	struct embedded *e = ctx;
	if (!is_yaml_name(r->name))
		return;
	void *np = vg_grow(e->res, &e->cap, e->n + 1, sizeof(*e->res));
	if (!np) {
		e->oom = true;
		return;
	}
	e->res = np;
	e->res[e->n++] = r;
}

static int cmp_res(const void *a, const void *b)
{
	return strcmp((*(const struct vg_resource *const *)a)->name,
	              (*(const struct vg_resource *const *)b)->name);
}

vg_err vg_ruleset_load(const char *const *paths, size_t n_paths, struct vg_ruleset **out,
                       struct vg_diag *diag)
{
	return vg_ruleset_load_named(paths, NULL, n_paths, out, diag);
}

vg_err vg_ruleset_load_named(const char *const *paths, const struct vg_named_at *named_at,
                             size_t n_paths, struct vg_ruleset **out,
                             struct vg_diag *diag)
{
	struct loader ld;
	vg_err err;
	size_t rules_cap = 0;
	bool empty_path = false, *dropped = NULL;
	size_t *first = NULL;  /* rules [first[i], first[i + 1]) came from paths[i] */
	bool *unopened = NULL; /* paths[i] could not be opened (said already) */
	struct vg_diag scratch;

	*out = NULL;
	vg_diag_init(&scratch);
	memset(&ld, 0, sizeof(ld));
	ld.diag = diag ? diag : &scratch;
	if ((err = vg_fields_init(ld.diag)) != VG_OK)
		goto done;
	ld.rs = calloc(1, sizeof(*ld.rs));
	if (!ld.rs) {
		err = VG_ERR_NOMEM;
		goto done;
	}
	if ((err = load_aliases(&ld)) != VG_OK || (err = load_logsources(&ld)) != VG_OK)
		goto done;
	if (n_paths == 0) {
		struct embedded e = {0};
		vg_resource_each("correlate/rules/", collect_res, &e);
		if (e.oom) {
			free(e.res);
			err = VG_ERR_NOMEM;
			goto done;
		}
		if (e.n)
			qsort(e.res, e.n, sizeof(*e.res), cmp_res);
		long total = 0;
		for (size_t i = 0; i < e.n && total >= 0; i++) {
			long r = load_text(&ld, e.res[i]->name, e.res[i]->data,
			                   e.res[i]->len, &rules_cap);
			total = r < 0 ? -1 : total + r;
		}
		free(e.res);
		if (total < 0) {
			err = VG_ERR_NOMEM;
			goto done;
		}
		if (total == 0) {
			vg_diag_error(ld.diag, "correlate/rules/", 0, 0,
			              "no embedded rule could be loaded");
			empty_path = true;
		}
	}
	if (n_paths && (!(first = calloc(n_paths + 1, sizeof(size_t))) ||
	                !(unopened = calloc(n_paths, sizeof(bool))))) {
		err = VG_ERR_NOMEM;
		goto done;
	}
	for (size_t i = 0; i < n_paths; i++) {
		first[i] = ld.rs->n;
		ld.unopened = false;
		long r = load_path(&ld, paths[i], named_at ? &named_at[i] : NULL,
		                   &rules_cap, 0);
		unopened[i] = ld.unopened;
		if (r < 0) {
			err = VG_ERR_NOMEM;
			goto done;
		}
	}
	if (n_paths)
		first[n_paths] = ld.rs->n;
	if ((err = resolve(&ld, &dropped)) != VG_OK)
		goto done;
	/* a path is empty when every rule it gave was dropped too (a correlation
	 * whose rules are unknown); said after every rule's own errors */
	for (size_t i = 0; i < n_paths; i++) {
		size_t kept = 0;
		for (size_t k = first[i]; k < first[i + 1]; k++)
			kept += !dropped[k];
		if (!kept && !unopened[i])
			path_error(&ld, paths[i], named_at ? &named_at[i] : NULL,
			           "no rule could be loaded");
		empty_path |= !kept;
	}
	if (!(ld.rs->mctx = pcre2_match_context_create(NULL))) {
		err = VG_ERR_NOMEM;
		goto done;
	}
	pcre2_set_match_limit(ld.rs->mctx, VG_RE_MATCH_LIMIT);
	pcre2_set_depth_limit(ld.rs->mctx, VG_RE_MATCH_LIMIT / 10);
	ld.rs->f_dataset = vg_field_lookup("event.dataset", strlen("event.dataset"));
	if ((err = kw_skip_fields(ld.rs)) != VG_OK)
		goto done;
	if ((err = build_index(ld.rs)) != VG_OK || (err = vg_index_build(ld.rs)) != VG_OK)
		goto done;
	if (empty_path)
		err = VG_ERR_CONFIG;
done:
	free(first);
	free(unopened);
	free(dropped);
	loader_clear(&ld);
	if (err == VG_OK)
		*out = ld.rs;
	else
		vg_ruleset_destroy(ld.rs);
	vg_diag_clear(&scratch);
	return err;
}

static void bucket_free(struct vg_bucket *b)
{
	for (size_t i = 0; i < b->ngroups; i++) {
		free(b->groups[i].rules);
		vg_prefilter_free(b->groups[i].pf);
	}
	free(b->groups);
	free(b->dataset);
}

void vg_ruleset_destroy(struct vg_ruleset *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->n; i++)
		rule_free(rs->rules[i]);
	free(rs->rules);
	free(rs->corr_rules);
	for (size_t i = 0; i < rs->nlogsrcs; i++) {
		struct vg_logsrc *ls = rs->logsrcs[i];
		vg_sel_free(&ls->sel);
		for (size_t d = 0; d < ls->ndatasets; d++)
			free(ls->datasets[d]);
		free(ls->datasets);
		free(ls->key);
		free(ls);
	}
	free(rs->logsrcs);
	for (size_t i = 0; i < rs->nbuckets; i++)
		bucket_free(&rs->buckets[i]);
	free(rs->buckets);
	free(rs->bucket_slots);
	bucket_free(&rs->generic);
	pcre2_match_context_free(rs->mctx);
	free(rs->kw_skip);
	free(rs);
}

size_t vg_ruleset_count(const struct vg_ruleset *rs)
{
	return rs ? rs->n : 0;
}

const struct vg_rule *vg_ruleset_rule(const struct vg_ruleset *rs, size_t i)
{
	return rs && i < rs->n ? rs->rules[i] : NULL;
}

const struct vg_rule *vg_ruleset_find(const struct vg_ruleset *rs, const char *id)
{
	return rs && id ? find_ref(rs->rules, rs->n, id) : NULL;
}

/* How far back in event time the events behind an alert of r can lie: its
 * timespan (twice for an absence expected around its trigger) plus the longest
 * reach of the rules it counts; 0 for a detection rule. */
static vg_time rule_reach(const struct vg_ruleset *rs, const struct vg_rule *r)
{
	if (!r->corr)
		return 0;
	vg_time refs = 0;
	for (size_t k = 0; k < r->corr->nrefs; k++) {
		vg_time t = rule_reach(rs, rs->rules[r->corr->ref_idx[k]]);
		if (t > refs)
			refs = t;
	}
	bool around = r->corr->type == VG_CORR_ABSENCE && r->corr->expect == 2;
	return r->corr->timespan * (around ? 2 : 1) + refs;
}

vg_time vg_ruleset_reach(const struct vg_ruleset *rs, const struct vg_rule **longest)
{
	vg_time best = 0;
	if (longest)
		*longest = NULL;
	for (size_t i = 0; rs && i < rs->ncorr; i++) {
		const struct vg_rule *r = rs->rules[rs->corr_rules[i]];
		vg_time t = rule_reach(rs, r);
		if (t > best) {
			best = t;
			if (longest)
				*longest = r;
		}
	}
	return best;
}

void vg_rule_info(const struct vg_rule *rule, struct vg_rule_info *info)
{
	info->id = rule->id;
	info->title = rule->title;
	info->file = rule->file;
	info->line = rule->line;
	info->level = rule->level;
	info->is_correlation = rule->is_correlation;
	info->consumed = rule->nconsumers > 0;
	info->tags = (const char *const *)rule->tags;
	info->ntags = rule->ntags;
}
