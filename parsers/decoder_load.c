/*
 * decoder_load.c - load decoder YAML files and compile their PCRE2 patterns.
 *
 * The format is documented in parsers/decoders/README.md.  Loading is all-or-nothing
 * and lists every problem at once, compiler style ("file:line:col: error: ...",
 * 1-based; libyaml marks are 0-based and get +1 in one place, mark()).  Each pattern
 * is compiled once, JIT-compiled when the platform allows, and never touched again:
 * the loaded set is immutable and shared by every thread.  Field names used by
 * decoders are interned in the field registry here, at load time, never per event.
 */
#include "parsers_int.h"
#include "vg_yaml.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#define EMBEDDED_PREFIX "parsers/decoders/"

static const char *const g_top_keys[] = {"decoder", "description", "match", "set",
                                         "patterns"};
static const char *const g_match_keys[] = {"program", "prefilter"};
static const char *const g_pattern_keys[] = {"name", "description", "regex", "fields",
                                             "set"};
#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))

struct loader {
	struct vgp_decoders *decs;
	struct vg_diag *diag;
	const char *file;
	yaml_document_t *doc;
	const char *const *field_names; /* every registry name, for "did you mean" */
	size_t nfield_names;
	vg_err fatal; /* VG_ERR_NOMEM once allocation failed */
};

static int line_of(const yaml_node_t *n)
{
	return (int)n->start_mark.line + 1;
}

static int col_of(const yaml_node_t *n)
{
	return (int)n->start_mark.column + 1;
}

#define ERR_AT(ld, node, ...)                                                            \
	vg_diag_error((ld)->diag, (ld)->file, line_of(node), col_of(node), __VA_ARGS__)

static yaml_node_t *node(struct loader *ld, int idx)
{
	return yaml_document_get_node(ld->doc, idx);
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value
	                                        : NULL;
}

static char *dup_n(struct loader *ld, const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (!p) {
		ld->fatal = VG_ERR_NOMEM;
		return NULL;
	}
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static char *dup(struct loader *ld, const char *s)
{
	return dup_n(ld, s, strlen(s));
}

/* Report an unknown key with a suggestion. */
static void unknown_key(struct loader *ld, const yaml_node_t *k, const char *where,
                        const char *const *keys, size_t nkeys)
{
	const char *name = scalar(k);
	const char *best = name ? vg_closest(name, keys, nkeys) : NULL;
	if (best)
		ERR_AT(ld, k, "unknown key '%s' in %s (did you mean '%s'?)", name, where,
		       best);
	else
		ERR_AT(ld, k, "unknown key '%s' in %s", name ? name : "?", where);
}

static bool key_known(const char *name, const char *const *keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(name, keys[i]) == 0)
			return true;
	return false;
}

/* The registry id for a field a decoder names; a near-miss of a known name is an
 * error (likely typo), an unrelated new name is interned. */
static vg_field field_id(struct loader *ld, const yaml_node_t *k, const char *dname)
{
	const char *name = scalar(k);
	if (!name || !*name) {
		ERR_AT(ld, k, "decoder '%s': field name must be a non-empty string",
		       dname);
		return VG_FIELD_NONE;
	}
	size_t len = strlen(name);
	vg_field id = vg_field_lookup(name, len);
	if (id != VG_FIELD_NONE)
		return id;
	const char *best = vg_closest(name, ld->field_names, ld->nfield_names);
	if (best) {
		ERR_AT(ld, k, "decoder '%s': unknown field '%s' (did you mean '%s'?)",
		       dname, name, best);
		return VG_FIELD_NONE;
	}
	id = vg_field_intern(name, len);
	if (id == VG_FIELD_NONE)
		ERR_AT(ld, k, "decoder '%s': field registry is full", dname);
	return id;
}

/* set: {field: value, ...} -> assignments. */
static void load_set(struct loader *ld, const yaml_node_t *map, const char *dname,
                     struct vgp_assign **out, size_t *nout)
{
	if (map->type != YAML_MAPPING_NODE) {
		ERR_AT(ld, map, "decoder '%s': 'set' must be a mapping of field: value",
		       dname);
		return;
	}
	size_t n = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
	*out = calloc(n ? n : 1, sizeof(**out));
	if (!*out) {
		ld->fatal = VG_ERR_NOMEM;
		return;
	}
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(ld, p->key), *v = node(ld, p->value);
		vg_field id = field_id(ld, k, dname);
		if (id == VG_FIELD_NONE)
			continue;
		if (v->type != YAML_SCALAR_NODE) {
			ERR_AT(ld, v, "decoder '%s': value of '%s' must be a scalar",
			       dname, scalar(k));
			continue;
		}
		struct vgp_assign *a = &(*out)[(*nout)++];
		a->id = id;
		a->len = (uint32_t)v->data.scalar.length;
		a->value = dup_n(ld, (const char *)v->data.scalar.value, a->len);
		a->kind =
		    vg_field_type(id) == VG_FT_LONG && vgp_is_integer(a->value, a->len)
		        ? VG_VK_NUM
		        : VG_VK_STR;
	}
}

/* The X.domain field of an ip field X.ip (source.ip -> source.domain), when the
 * registry has one, else VG_FIELD_NONE. */
static vg_field domain_field(vg_field ip)
{
	const char *name = vg_field_name(ip);
	size_t n = name ? strlen(name) : 0;
	char buf[128];
	if (n < 3 || n + 4 >= sizeof(buf) || strcmp(name + n - 3, ".ip") != 0)
		return VG_FIELD_NONE;
	memcpy(buf, name, n - 2);
	memcpy(buf + n - 2, "domain", 6);
	return vg_field_lookup(buf, n + 4);
}

static void load_fields(struct loader *ld, const yaml_node_t *map, const char *dname,
                        struct vgp_pattern *pat)
{
	if (map->type != YAML_MAPPING_NODE) {
		ERR_AT(ld, map,
		       "decoder '%s' pattern '%s': 'fields' must be a mapping of "
		       "field: capture_group",
		       dname, pat->name);
		return;
	}
	size_t n = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
	pat->caps = calloc(n ? n : 1, sizeof(*pat->caps));
	if (!pat->caps) {
		ld->fatal = VG_ERR_NOMEM;
		return;
	}
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(ld, p->key), *v = node(ld, p->value);
		vg_field id = field_id(ld, k, dname);
		const char *group = scalar(v);
		if (id == VG_FIELD_NONE)
			continue;
		if (!group) {
			ERR_AT(ld, v,
			       "decoder '%s' pattern '%s': capture group name expected",
			       dname, pat->name);
			continue;
		}
		if (!pat->code)
			continue; /* the regex did not compile: already reported */
		int num = pcre2_substring_number_from_name(pat->code, (PCRE2_SPTR)group);
		if (num < 0) {
			ERR_AT(ld, v,
			       "decoder '%s' pattern '%s': no capture group named '%s'",
			       dname, pat->name, group);
			continue;
		}
		struct vgp_capture *c = &pat->caps[pat->ncaps++];
		c->id = id;
		c->group = (uint32_t)num;
		c->numeric = vg_field_type(id) == VG_FT_LONG;
		c->address = vg_field_type(id) == VG_FT_IP;
		c->domain = c->address ? domain_field(id) : VG_FIELD_NONE;
	}
}

/* Warn about named groups no field uses: usually a forgotten mapping. */
static void check_unused_groups(struct loader *ld, const yaml_node_t *at,
                                const char *dname, const struct vgp_pattern *pat)
{
	uint32_t count = 0, esize = 0;
	PCRE2_SPTR table = NULL;
	pcre2_pattern_info(pat->code, PCRE2_INFO_NAMECOUNT, &count);
	pcre2_pattern_info(pat->code, PCRE2_INFO_NAMEENTRYSIZE, &esize);
	pcre2_pattern_info(pat->code, PCRE2_INFO_NAMETABLE, &table);
	for (uint32_t e = 0; e < count; e++) {
		PCRE2_SPTR ent = table + e * esize;
		uint32_t num = (uint32_t)(ent[0] << 8 | ent[1]);
		bool used = false;
		for (size_t c = 0; c < pat->ncaps; c++)
			used |= pat->caps[c].group == num;
		if (!used)
			vg_diag_warn(
			    ld->diag, ld->file, line_of(at), col_of(at),
			    "decoder '%s' pattern '%s': capture group '%s' is not used "
			    "in 'fields'",
			    dname, pat->name, (const char *)ent + 2);
	}
}

/*
 * The literal an anchored pattern's every match starts with: the plain characters
 * after a leading '^' (and backslash-escaped punctuation), up to the first
 * metacharacter.  A character followed by a quantifier is not part of it.  Lets
 * run_decoder skip most patterns of a chain with one memcmp instead of a PCRE2 call.
 */
static void literal_prefix(const char *src, struct vgp_pattern *pat)
{
	size_t n = 0;
	int depth = 0;
	bool cls = false;
	pat->lit_len = 0;
	if (src[0] != '^')
		return;
	/* "^a|b" anchors only its first branch: no literal when '|' is at top level. */
	for (const char *p = src; *p; p++) {
		if (*p == '\\' && p[1])
			p++;
		else if (cls)
			cls = *p != ']';
		else if (*p == '[')
			cls = true;
		else if (*p == '(')
			depth++;
		else if (*p == ')')
			depth--;
		else if (*p == '|' && depth == 0)
			return;
	}
	for (const char *p = src + 1; *p && n < sizeof(pat->lit); p++) {
		char c = *p;
		size_t adv = 0;
		if (c == '\\' && p[1] &&
		    !((p[1] >= 'a' && p[1] <= 'z') || (p[1] >= 'A' && p[1] <= 'Z') ||
		      (p[1] >= '0' && p[1] <= '9'))) {
			c = p[1];
			adv = 1;
		} else if (strchr("\\()[].*+?{}|$^", c)) {
			break;
		}
		char next = p[1 + adv];
		if (next == '*' || next == '?' || next == '{' || next == '+') {
			if (next == '+')
				pat->lit[n++] = c; /* one at least */
			break;
		}
		pat->lit[n++] = c;
		p += adv;
	}
	pat->lit_len = (uint8_t)n;
}

/*
 * The bytes every match of an anchored pattern can start with.  PCRE2 does not
 * study anchored patterns for a start bitmap, so the pattern is compiled once more
 * without its leading '^' and PCRE2's first code unit or start bitmap of that copy
 * is taken: every match of an anchored "^X" starts at offset 0, where it is also a
 * match of "X", so the set is a superset of the real one (never rejects a line the
 * pattern would match).  Left unset (always try) for patterns PCRE2 does not
 * report as anchored ("^a|b"), patterns that can match the empty
 * string (PCRE2 then gives no information) and copies that fail to compile.
 */
static void first_bytes(const char *src, size_t len, struct vgp_pattern *pat)
{
	int errcode;
	PCRE2_SIZE erroff;
	uint32_t type = 0, unit = 0;
	const uint8_t *bits = NULL;

	pat->first_set = false;
	/* Only when every match starts at offset 0: "^a|b" is not anchored. */
	uint32_t opts = 0;
	if (len < 2 || src[0] != '^' ||
	    pcre2_pattern_info(pat->code, PCRE2_INFO_ALLOPTIONS, &opts) != 0 ||
	    !(opts & PCRE2_ANCHORED))
		return;
	pcre2_code *copy =
	    pcre2_compile((PCRE2_SPTR)src + 1, len - 1, 0, &errcode, &erroff, NULL);
	if (!copy)
		return;
	memset(pat->first, 0, sizeof(pat->first));
	if (pcre2_pattern_info(copy, PCRE2_INFO_FIRSTCODETYPE, &type) == 0 && type == 1 &&
	    pcre2_pattern_info(copy, PCRE2_INFO_FIRSTCODEUNIT, &unit) == 0 &&
	    unit < 256) {
		/* The first code unit may be caseless: allow both ASCII cases. */
		pat->first[unit >> 5] |= 1u << (unit & 31);
		if ((unit | 0x20) >= 'a' && (unit | 0x20) <= 'z') {
			unit ^= 0x20;
			pat->first[unit >> 5] |= 1u << (unit & 31);
		}
		pat->first_set = true;
	} else if (pcre2_pattern_info(copy, PCRE2_INFO_FIRSTBITMAP, &bits) == 0 && bits) {
		for (unsigned b = 0; b < 256; b++)
			if (bits[b >> 3] & (1u << (b & 7)))
				pat->first[b >> 5] |= 1u << (b & 31);
		pat->first_set = true;
	}
	pcre2_code_free(copy);
}

static void compile_regex(struct loader *ld, const yaml_node_t *rx, const char *dname,
                          struct vgp_pattern *pat)
{
	const char *src = scalar(rx);
	int errcode;
	PCRE2_SIZE erroff;

	if (!src || !*src) {
		ERR_AT(ld, rx,
		       "decoder '%s' pattern '%s': 'regex' must be a non-empty string",
		       dname, pat->name);
		return;
	}
	/*
	 * Byte mode, not UTF: in UTF mode an invalid UTF-8 sequence matches nothing, not
	 * even \S or ., so an attacker could hide "Failed password for \xff..." from
	 * every pattern.  Log formats are ASCII; non-ASCII literals still match as bytes.
	 * NEVER_UTF makes a pattern's own (*UTF) an error: pcre2_jit_match does not
	 * check a subject for UTF validity, and reads past the end of an invalid one.
	 */
	pat->code = pcre2_compile((PCRE2_SPTR)src, rx->data.scalar.length,
	                          PCRE2_NEVER_UTF, &errcode, &erroff, NULL);
	if (!pat->code) {
		PCRE2_UCHAR msg[256];
		if (pcre2_get_error_message(errcode, msg, sizeof(msg)) < 0)
			snprintf((char *)msg, sizeof(msg), "error %d", errcode);
		ERR_AT(ld, rx, "decoder '%s' pattern '%s': %s at offset %zu%s", dname,
		       pat->name, (const char *)msg, (size_t)erroff,
		       errcode == PCRE2_ERROR_UTF_IS_DISABLED
		           ? " (decoder patterns match bytes, not UTF-8 characters)"
		           : "");
		return;
	}
	/* Without JIT (unsupported platform) the interpreter runs, under the same limits.
	 */
	pat->jit = pcre2_jit_compile(pat->code, PCRE2_JIT_COMPLETE) == 0;
	if (!pat->jit)
		vg_log(VG_LOG_DEBUG, "%s: decoder '%s' pattern '%s': JIT unavailable",
		       ld->file, dname, pat->name);
	literal_prefix(src, pat);
	first_bytes(src, rx->data.scalar.length, pat);
	uint32_t caps = 0;
	pcre2_pattern_info(pat->code, PCRE2_INFO_CAPTURECOUNT, &caps);
	if (caps + 1 > ld->decs->max_ovector)
		ld->decs->max_ovector = caps + 1;
}

static void load_pattern(struct loader *ld, const yaml_node_t *pn, struct vgp_decoder *d,
                         struct vgp_pattern *pat)
{
	const yaml_node_t *name = NULL, *rx = NULL, *fields = NULL, *set = NULL;

	if (pn->type != YAML_MAPPING_NODE) {
		ERR_AT(ld, pn, "decoder '%s': each pattern must be a mapping", d->name);
		return;
	}
	for (yaml_node_pair_t *p = pn->data.mapping.pairs.start;
	     p < pn->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(ld, p->key), *v = node(ld, p->value);
		const char *ks = scalar(k);
		if (!ks || !key_known(ks, g_pattern_keys, NKEYS(g_pattern_keys))) {
			unknown_key(ld, k, "pattern", g_pattern_keys,
			            NKEYS(g_pattern_keys));
			continue;
		}
		if (strcmp(ks, "name") == 0)
			name = v;
		else if (strcmp(ks, "regex") == 0)
			rx = v;
		else if (strcmp(ks, "fields") == 0)
			fields = v;
		else if (strcmp(ks, "set") == 0)
			set = v;
	}
	/* a problem here does not stop the checks below: every error at once */
	bool named = name && scalar(name) && *scalar(name);
	char unnamed[32];
	if (!named) {
		ERR_AT(ld, pn, "decoder '%s': pattern needs a 'name'", d->name);
		snprintf(unnamed, sizeof(unnamed), "#%zu",
		         (size_t)(pat - d->patterns) + 1);
	}
	pat->name = dup(ld, named ? scalar(name) : unnamed);
	if (!pat->name)
		return;
	for (struct vgp_pattern *o = d->patterns; named && o < pat; o++) {
		if (o->name && strcmp(o->name, pat->name) == 0) {
			ERR_AT(ld, name, "decoder '%s': pattern '%s' is defined twice",
			       d->name, pat->name);
			break;
		}
	}
	if (!rx) {
		ERR_AT(ld, pn, "decoder '%s' pattern '%s': missing 'regex'", d->name,
		       pat->name);
		return;
	}
	compile_regex(ld, rx, d->name, pat);
	if (fields)
		load_fields(ld, fields, d->name, pat);
	if (set)
		load_set(ld, set, d->name, &pat->sets, &pat->nsets);
	if (pat->code)
		check_unused_groups(ld, rx, d->name, pat);
}

static void load_match(struct loader *ld, const yaml_node_t *m, struct vgp_decoder *d)
{
	if (m->type != YAML_MAPPING_NODE) {
		ERR_AT(ld, m,
		       "decoder '%s': 'match' must be a mapping with 'program' and/or "
		       "'prefilter'",
		       d->name);
		return;
	}
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start;
	     p < m->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(ld, p->key), *v = node(ld, p->value);
		const char *ks = scalar(k);
		if (!ks || !key_known(ks, g_match_keys, NKEYS(g_match_keys))) {
			unknown_key(ld, k, "match", g_match_keys, NKEYS(g_match_keys));
			continue;
		}
		if (strcmp(ks, "prefilter") == 0) {
			if (!scalar(v) || v->data.scalar.length == 0) {
				ERR_AT(ld, v,
				       "decoder '%s': 'prefilter' must be a non-empty "
				       "string",
				       d->name);
				continue;
			}
			d->prefilter = dup_n(ld, scalar(v), v->data.scalar.length);
			d->prefilter_len = v->data.scalar.length;
			continue;
		}
		/* program: a name or a list of names */
		size_t n = v->type == YAML_SEQUENCE_NODE
		               ? (size_t)(v->data.sequence.items.top -
		                          v->data.sequence.items.start)
		               : 1;
		d->programs = calloc(n ? n : 1, sizeof(char *));
		if (!d->programs) {
			ld->fatal = VG_ERR_NOMEM;
			return;
		}
		for (size_t i = 0; i < n; i++) {
			yaml_node_t *it = v->type == YAML_SEQUENCE_NODE
			                      ? node(ld, v->data.sequence.items.start[i])
			                      : v;
			const char *s = scalar(it);
			if (!s || !*s) {
				ERR_AT(ld, it,
				       "decoder '%s': 'program' must be a name or a list "
				       "of names",
				       d->name);
				continue;
			}
			d->programs[d->nprograms++] = dup(ld, s);
		}
	}
	if (!d->nprograms && !d->prefilter)
		ERR_AT(ld, m, "decoder '%s': 'match' needs 'program' or 'prefilter'",
		       d->name);
}

static struct vgp_decoder *new_decoder(struct loader *ld)
{
	struct vgp_decoders *decs = ld->decs;
	if (decs->count == decs->cap) {
		size_t ncap = decs->cap ? decs->cap * 2 : 8;
		struct vgp_decoder *n = realloc(decs->list, ncap * sizeof(*n));
		if (!n) {
			ld->fatal = VG_ERR_NOMEM;
			return NULL;
		}
		decs->list = n;
		decs->cap = ncap;
	}
	struct vgp_decoder *d = &decs->list[decs->count++];
	memset(d, 0, sizeof(*d));
	return d;
}

static void load_decoder_doc(struct loader *ld, yaml_node_t *root)
{
	const yaml_node_t *name = NULL, *match = NULL, *set = NULL, *pats = NULL;

	if (root->type != YAML_MAPPING_NODE) {
		ERR_AT(ld, root,
		       "a decoder must be a mapping (decoder, match, set, patterns)");
		return;
	}
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
	     p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(ld, p->key), *v = node(ld, p->value);
		const char *ks = scalar(k);
		if (!ks || !key_known(ks, g_top_keys, NKEYS(g_top_keys))) {
			unknown_key(ld, k, "decoder", g_top_keys, NKEYS(g_top_keys));
			continue;
		}
		if (strcmp(ks, "decoder") == 0)
			name = v;
		else if (strcmp(ks, "match") == 0)
			match = v;
		else if (strcmp(ks, "set") == 0)
			set = v;
		else if (strcmp(ks, "patterns") == 0)
			pats = v;
	}
	/* a missing or taken name is reported, and the rest is still checked (the
	 * set is not used once an error is reported) */
	const char *dname = name ? scalar(name) : NULL;
	if (!dname || !*dname) {
		ERR_AT(ld, root, "missing 'decoder' (the decoder's name)");
		dname = "(unnamed)";
	} else {
		for (size_t i = 0; i < ld->decs->count; i++) {
			if (strcmp(ld->decs->list[i].name, dname) == 0) {
				ERR_AT(ld, name, "decoder '%s' is already defined in %s",
				       dname, ld->decs->list[i].file);
				break;
			}
		}
	}
	struct vgp_decoder *d = new_decoder(ld);
	if (!d)
		return;
	d->name = dup(ld, dname);
	d->file = dup(ld, ld->file);
	if (!d->name || !d->file)
		return;
	d->name_len = strlen(d->name);
	if (match)
		load_match(ld, match, d);
	else
		ERR_AT(ld, root, "decoder '%s': missing 'match'", dname);
	if (set)
		load_set(ld, set, dname, &d->sets, &d->nsets);
	if (!pats || pats->type != YAML_SEQUENCE_NODE ||
	    pats->data.sequence.items.top == pats->data.sequence.items.start) {
		ERR_AT(ld, pats ? pats : root,
		       "decoder '%s': 'patterns' must be a non-empty list", dname);
		return;
	}
	size_t n =
	    (size_t)(pats->data.sequence.items.top - pats->data.sequence.items.start);
	d->patterns = calloc(n, sizeof(*d->patterns));
	if (!d->patterns) {
		ld->fatal = VG_ERR_NOMEM;
		return;
	}
	for (size_t i = 0; i < n && !ld->fatal; i++) {
		load_pattern(ld, node(ld, pats->data.sequence.items.start[i]), d,
		             &d->patterns[i]);
		d->npatterns = i + 1;
	}
}

/* Load every YAML document of one file. */
/* A key written twice in one mapping (vg_yaml_dup_keys): an error. */
static void dup_key(const yaml_node_t *k, const yaml_node_t *first, void *ctx)
{
	struct loader *ld = ctx;
	ERR_AT(ld, k, "key '%s' is set twice (first at line %d)",
	       (const char *)k->data.scalar.value, line_of(first));
}

static void load_text(struct loader *ld, const unsigned char *data, size_t len)
{
	yaml_parser_t yp;
	if (!yaml_parser_initialize(&yp)) {
		ld->fatal = VG_ERR_NOMEM;
		return;
	}
	yaml_parser_set_input_string(&yp, data, len);
	for (;;) {
		yaml_document_t doc;
		if (!yaml_parser_load(&yp, &doc)) {
			vg_yaml_error(ld->diag, ld->file, &yp, data, len, NULL);
			break;
		}
		yaml_node_t *root = yaml_document_get_root_node(&doc);
		if (!root) {
			yaml_document_delete(&doc);
			break;
		}
		ld->doc = &doc;
		vg_yaml_dup_keys(&doc, dup_key, ld);
		load_decoder_doc(ld, root);
		ld->doc = NULL;
		yaml_document_delete(&doc);
		if (ld->fatal)
			break;
	}
	yaml_parser_delete(&yp);
}

static void load_path_file(struct loader *ld, const char *path)
{
	struct vg_buf b;
	vg_buf_init(&b);
	if (vg_buf_read_file(&b, path) != VG_OK) {
		vg_diag_error(ld->diag, path, 0, 0, "cannot read decoder file: %s",
		              strerror(errno));
	} else {
		ld->file = path;
		load_text(ld, (const unsigned char *)(b.data ? b.data : ""), b.len);
	}
	vg_buf_free(&b);
}

static bool yaml_name(const char *n)
{
	size_t l = strlen(n);
	return n[0] != '.' && ((l > 5 && strcmp(n + l - 5, ".yaml") == 0) ||
	                       (l > 4 && strcmp(n + l - 4, ".yml") == 0));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* An error about a decoder path itself: at the config entry naming it, if any. */
static void path_error(struct loader *ld, const char *path, const struct vg_named_at *at,
                       const char *what, const char *detail)
{
	if (at && at->file)
		vg_diag_error(ld->diag, at->file, at->line, at->col,
		              "decoder path '%s': %s%s", path, what, detail);
	else
		vg_diag_error(ld->diag, path, 0, 0, "decoder path: %s%s", what, detail);
}

/* A directory: its *.yaml / *.yml files in name order (deterministic). */
static void load_dir(struct loader *ld, const char *dir, const struct vg_named_at *at)
{
	DIR *dp = opendir(dir);
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;

	if (!dp) {
		path_error(ld, dir, at, "cannot open directory: ", strerror(errno));
		return;
	}
	while ((de = readdir(dp))) {
		if (!yaml_name(de->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			char **nn = realloc(names, cap * sizeof(*nn));
			if (!nn) {
				ld->fatal = VG_ERR_NOMEM;
				goto out;
			}
			names = nn;
		}
		size_t len = strlen(dir) + 1 + strlen(de->d_name) + 1;
		names[n] = malloc(len);
		if (!names[n]) {
			ld->fatal = VG_ERR_NOMEM;
			goto out;
		}
		size_t dl = strlen(dir);
		snprintf(names[n], len, "%s%s%s", dir,
		         dl && dir[dl - 1] == '/' ? "" : "/", de->d_name);
		n++;
	}
	if (n) /* names is NULL for an empty directory */
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n && !ld->fatal; i++)
		load_path_file(ld, names[i]);
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(dp);
}

static void each_embedded(const struct vg_resource *r, void *ud)
{
	struct loader *ld = ud;
	if (ld->fatal || !yaml_name(r->name + strlen(EMBEDDED_PREFIX)))
		return;
	ld->file = r->name;
	load_text(ld, r->data, r->len);
}

/* d->by_start / by_byte: per first byte, the patterns that can match (see
 * parsers_int.h).  @return VG_OK or VG_ERR_NOMEM. */
static vg_err index_first_bytes(struct vgp_decoder *d)
{
	size_t total = 0;
	for (unsigned b = 0; b <= 256; b++)
		for (size_t p = 0; p < d->npatterns; p++) {
			const struct vgp_pattern *pat = &d->patterns[p];
			if (b == 256 || !pat->first_set ||
			    (pat->first[b >> 5] >> (b & 31) & 1u))
				total++;
		}
	d->by_byte = malloc((total ? total : 1) * sizeof(*d->by_byte));
	if (!d->by_byte)
		return VG_ERR_NOMEM;
	uint32_t n = 0;
	for (unsigned b = 0; b <= 256; b++) {
		d->by_start[b] = n;
		for (size_t p = 0; p < d->npatterns; p++) {
			const struct vgp_pattern *pat = &d->patterns[p];
			if (b == 256 || !pat->first_set ||
			    (pat->first[b >> 5] >> (b & 31) & 1u))
				d->by_byte[n++] = (uint32_t)p;
		}
	}
	d->by_start[257] = n;
	return VG_OK;
}

/* Program name -> chain of decoders; prefilter-only decoders in their own list;
 * each decoder's first-byte index. */
static vg_err build_index(struct vgp_decoders *decs)
{
	for (size_t i = 0; i < decs->count; i++)
		if (index_first_bytes(&decs->list[i]) != VG_OK)
			return VG_ERR_NOMEM;
	decs->prefiltered = calloc(decs->count ? decs->count : 1, sizeof(uint32_t));
	decs->chains = calloc(1, sizeof(*decs->chains));
	if (!decs->prefiltered || !decs->chains)
		return VG_ERR_NOMEM;
	for (size_t i = 0; i < decs->count; i++) {
		struct vgp_decoder *d = &decs->list[i];
		if (!d->nprograms) {
			decs->prefiltered[decs->nprefiltered++] = (uint32_t)i;
			continue;
		}
		for (size_t p = 0; p < d->nprograms; p++) {
			bool inserted;
			int32_t ci;
			if (vgp_strmap_put(&decs->programs, d->programs[p],
			                   strlen(d->programs[p]), (int32_t)decs->nchains,
			                   &inserted, &ci))
				return VG_ERR_NOMEM;
			if (inserted) {
				struct vgp_chain *nc = realloc(
				    decs->chains, (decs->nchains + 1) * sizeof(*nc));
				if (!nc)
					return VG_ERR_NOMEM;
				decs->chains = nc;
				decs->chains[decs->nchains++] =
				    (struct vgp_chain){NULL, 0};
			}
			struct vgp_chain *c = &decs->chains[ci];
			if (c->n && c->decoders[c->n - 1] == i)
				continue; /* program listed twice in one decoder */
			uint32_t *nd = realloc(c->decoders, (c->n + 1) * sizeof(*nd));
			if (!nd)
				return VG_ERR_NOMEM;
			c->decoders = nd;
			c->decoders[c->n++] = (uint32_t)i;
		}
	}
	return VG_OK;
}

vg_err vgp_decoders_load(struct vgp_decoders *decs, const struct vg_parser_conf *conf,
                         struct vg_diag *diag)
{
	struct loader ld = {.decs = decs, .diag = diag};
	size_t errors_before = diag->errors;
	vg_err err = VG_OK;

	memset(decs, 0, sizeof(*decs));
	decs->max_ovector = 1;
	/* Suggestions come from schemas/fields.yaml only: vendor names interned by
	 * aliases or rules are short and would "correct" legitimate new names. */
	size_t nf = vg_field_count();
	const char **names = calloc(nf ? nf : 1, sizeof(char *));
	if (!names)
		return VG_ERR_NOMEM;
	for (size_t i = 0; i < nf; i++)
		if (vg_field_is_schema((vg_field)i))
			names[ld.nfield_names++] = vg_field_name((vg_field)i);
	ld.field_names = names;

	if (conf && conf->n_decoder_paths) {
		for (size_t i = 0; i < conf->n_decoder_paths && !ld.fatal; i++) {
			const char *path = conf->decoder_paths[i];
			const struct vg_named_at *at =
			    conf->decoder_named_at ? &conf->decoder_named_at[i] : NULL;
			size_t before = decs->count, errors = diag->errors;
			struct stat st;
			if (stat(path, &st) != 0) {
				path_error(&ld, path, at,
				           "cannot open: ", strerror(errno));
				continue;
			}
			if (S_ISDIR(st.st_mode))
				load_dir(&ld, path, at);
			else
				load_path_file(&ld, path);
			/* a path that gives nothing would silently replace the
			 * embedded decoders with none */
			if (!ld.fatal && decs->count == before && diag->errors == errors)
				path_error(&ld, path, at, "no decoder in it", "");
		}
	} else {
		vg_resource_each(EMBEDDED_PREFIX, each_embedded, &ld);
	}
	free((void *)ld.field_names);
	if (ld.fatal)
		return ld.fatal;
	if (diag->errors > errors_before)
		return VG_ERR_CONFIG;
	err = build_index(decs);
	return err;
}

static void free_assigns(struct vgp_assign *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(a[i].value);
	free(a);
}

void vgp_decoders_free(struct vgp_decoders *decs)
{
	if (!decs)
		return;
	for (size_t i = 0; i < decs->count; i++) {
		struct vgp_decoder *d = &decs->list[i];
		free(d->name);
		free(d->file);
		for (size_t p = 0; p < d->nprograms; p++)
			free(d->programs[p]);
		free(d->programs);
		free(d->prefilter);
		free_assigns(d->sets, d->nsets);
		for (size_t p = 0; p < d->npatterns; p++) {
			struct vgp_pattern *pat = &d->patterns[p];
			free(pat->name);
			pcre2_code_free(pat->code);
			free(pat->caps);
			free_assigns(pat->sets, pat->nsets);
		}
		free(d->patterns);
		free(d->by_byte);
	}
	free(decs->list);
	for (size_t c = 0; c < decs->nchains; c++)
		free(decs->chains[c].decoders);
	free(decs->chains);
	free(decs->prefiltered);
	vgp_strmap_free(&decs->programs);
	memset(decs, 0, sizeof(*decs));
}
