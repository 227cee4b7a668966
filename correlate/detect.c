/*
 * detect.c - L1 detection: evaluate compiled Sigma rules against one event.
 *
 * The hot path allocates nothing: values are read with vg_event_get (O(1) by field
 * id), strings are compared in place (case folding byte by byte), numbers and
 * addresses are parsed into stack buffers, and regexes run with the match data of
 * the caller's vg_detect_ctx and the ruleset's match limit.
 *
 * Rules are indexed by the event.dataset values their logsource requires; rules
 * whose logsource does not pin a dataset sit in a generic bucket.  Within a bucket,
 * rules are grouped by logsource so a logsource condition is evaluated once per
 * event and its rules are skipped together when it fails.  The cost per event is
 * then one bucket lookup plus the logsource groups and rules that could match.
 */
#include "correlate_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

struct vg_detect_ctx {
	struct vg_menv env;
	const struct vg_ruleset *rs;
	size_t *scratch; /* hit indices before sorting */
	size_t scratch_cap;
};

void vg_pattern_free(struct vg_pattern *p)
{
	free(p->text);
	free(p->kinds);
	pcre2_code_free(p->re);
	memset(p, 0, sizeof(*p));
}

/* ------------------------------------------------------------- strings */

static inline unsigned char fold(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* a[0..n) equals the (already folded when !cased) pattern p[0..n). */
static bool eq_n(const char *a, const char *p, size_t n, bool cased)
{
	if (cased)
		return memcmp(a, p, n) == 0;
	for (size_t i = 0; i < n; i++)
		if (fold((unsigned char)a[i]) != (unsigned char)p[i])
			return false;
	return true;
}

static bool find_sub(const char *s, size_t slen, const char *p, size_t plen, bool cased)
{
	if (plen == 0)
		return true;
	if (plen > slen)
		return false;
	if (cased)
		return memmem(s, slen, p, plen) != NULL;
	unsigned char first = (unsigned char)p[0];
	for (size_t i = 0; i + plen <= slen; i++)
		if (fold((unsigned char)s[i]) == first &&
		    eq_n(s + i + 1, p + 1, plen - 1, false))
			return true;
	return false;
}

/* General glob with '*' and '?' (iterative, backtracks to the last star only:
 * O(len * pattern) worst case, no recursion). */
static bool glob(const struct vg_pattern *p, const char *s, size_t slen)
{
	size_t si = 0, pi = 0, star = SIZE_MAX, mark = 0;
	while (si < slen) {
		if (pi < p->len && p->kinds[pi] == VG_WC_STAR) {
			star = pi++;
			mark = si;
		} else if (pi < p->len && (p->kinds[pi] == VG_WC_ONE ||
		                           (p->cased ? s[si] == p->text[pi]
		                                     : fold((unsigned char)s[si]) ==
		                                           (unsigned char)p->text[pi]))) {
			pi++;
			si++;
		} else if (star != SIZE_MAX) {
			pi = star + 1;
			si = ++mark;
		} else {
			return false;
		}
	}
	while (pi < p->len && p->kinds[pi] == VG_WC_STAR)
		pi++;
	return pi == p->len;
}

static bool str_match(const struct vg_pattern *p, const char *s, size_t n)
{
	switch (p->shape) {
	case VG_PS_EXACT: return n == p->len && eq_n(s, p->text, n, p->cased);
	case VG_PS_PREFIX: return n >= p->len && eq_n(s, p->text, p->len, p->cased);
	case VG_PS_SUFFIX:
		return n >= p->len && eq_n(s + n - p->len, p->text, p->len, p->cased);
	case VG_PS_CONTAINS: return find_sub(s, n, p->text, p->len, p->cased);
	case VG_PS_ANY: return true;
	case VG_PS_GLOB: return glob(p, s, n);
	}
	return false;
}

static bool num_of(const struct vg_value *v, double *out)
{
	char buf[64];
	if (v->len == 0 || v->len >= sizeof(buf))
		return false;
	memcpy(buf, v->ptr, v->len);
	buf[v->len] = '\0';
	char *end;
	double d = strtod(buf, &end);
	if (end == buf || *end)
		return false;
	*out = d;
	return true;
}

static bool cidr_match(const struct vg_pattern *p, const struct vg_value *v)
{
	char buf[64];
	uint8_t addr[16];
	if (v->len == 0 || v->len >= sizeof(buf))
		return false;
	memcpy(buf, v->ptr, v->len);
	buf[v->len] = '\0';
	if (inet_pton(p->family == 4 ? AF_INET : AF_INET6, buf, addr) != 1)
		return false;
	int full = p->prefix / 8, rest = p->prefix % 8;
	if (memcmp(addr, p->addr, (size_t)full) != 0)
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));
		return (addr[full] & mask) == (p->addr[full] & mask);
	}
	return true;
}

/* One value against one pattern (v may be NULL: field absent). */
static bool value_match(const struct vg_pattern *p, const struct vg_value *v,
                        const struct vg_menv *env)
{
	double d;
	switch (p->op) {
	case VG_MOP_EXISTS: return (v != NULL) == (p->num != 0);
	case VG_MOP_NULL: return v == NULL || v->kind == VG_VK_NULL;
	case VG_MOP_STR:
		return v && v->kind != VG_VK_NULL && str_match(p, v->ptr, v->len);
	case VG_MOP_RE:
		if (!v || v->kind == VG_VK_NULL)
			return false;
		return pcre2_match(p->re, (PCRE2_SPTR)v->ptr, v->len, 0, 0, env->md,
		                   env->mctx) >= 0;
	case VG_MOP_CIDR: return v && cidr_match(p, v);
	case VG_MOP_GT: return v && num_of(v, &d) && d > p->num;
	case VG_MOP_GTE: return v && num_of(v, &d) && d >= p->num;
	case VG_MOP_LT: return v && num_of(v, &d) && d < p->num;
	case VG_MOP_LTE: return v && num_of(v, &d) && d <= p->num;
	}
	return false;
}

static bool fcond_match(const struct vg_fcond *fc, const struct vg_event *ev,
                        const struct vg_menv *env)
{

	const struct vg_value *v;
	struct vg_value raw;
	if (fc->field == VG_FIELD_NONE) {
		/* keyword: the message, or the raw record when there is none */
		v = vg_event_get(ev, env->message);
		if (!v && ev->raw.ptr) {
			raw.ptr = ev->raw.ptr;
			raw.len = (uint32_t)ev->raw.len;
			raw.kind = VG_VK_STR;
			v = &raw;
		}
	} else {
		v = vg_event_get(ev, fc->field);
	}
	if (fc->all) {
		for (size_t i = 0; i < fc->nvals; i++)
			if (!value_match(&fc->vals[i], v, env))
				return false;
		return true;
	}
	for (size_t i = 0; i < fc->nvals; i++)
		if (value_match(&fc->vals[i], v, env))
			return true;
	return false;
}

bool vg_sel_match(const struct vg_sel *sel, const struct vg_event *ev,
                  const struct vg_menv *env)
{
	if (sel->nalts == 0)
		return true;
	for (size_t a = 0; a < sel->nalts; a++) {
		const struct vg_smap *m = &sel->alts[a];
		size_t i;
		for (i = 0; i < m->n; i++)
			if (!fcond_match(&m->conds[i], ev, env))
				break;
		if (i == m->n)
			return true;
	}
	return false;
}

static bool eval(const struct vg_rule *r, int n, const struct vg_event *ev,
                 const struct vg_menv *env)
{
	const struct vg_cnode *c = &r->nodes[n];
	switch (c->type) {
	case VG_CN_SEL: return vg_sel_match(&r->sels[c->a], ev, env);
	case VG_CN_AND: return eval(r, c->a, ev, env) && eval(r, c->b, ev, env);
	case VG_CN_OR: return eval(r, c->a, ev, env) || eval(r, c->b, ev, env);
	case VG_CN_NOT: return !eval(r, c->a, ev, env);
	case VG_CN_TRUE: return true;
	}
	return false;
}

bool vg_rule_match(const struct vg_rule *rule, const struct vg_event *ev,
                   const struct vg_menv *env)
{
	if (rule->is_correlation || rule->root < 0)
		return false;
	return eval(rule, rule->root, ev, env);
}

/* ---------------------------------------------------------------- public */

struct vg_detect_ctx *vg_detect_ctx_new(const struct vg_ruleset *rs)
{
	struct vg_detect_ctx *ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return NULL;
	ctx->rs = rs;
	ctx->env.md = pcre2_match_data_create(1, NULL);
	ctx->env.mctx = rs ? rs->mctx : NULL;
	ctx->env.message = rs ? rs->f_message : VG_FIELD_NONE;
	ctx->scratch_cap = rs ? rs->n + 1 : 1;
	ctx->scratch = malloc(ctx->scratch_cap * sizeof(size_t));
	if (!ctx->env.md || !ctx->scratch) {
		vg_detect_ctx_destroy(ctx);
		return NULL;
	}
	return ctx;
}

void vg_detect_ctx_destroy(struct vg_detect_ctx *ctx)
{
	if (!ctx)
		return;
	pcre2_match_data_free(ctx->env.md);
	free(ctx->scratch);
	free(ctx);
}

static size_t run_bucket(const struct vg_ruleset *rs, struct vg_detect_ctx *ctx,
                         const struct vg_bucket *b, const struct vg_event *ev, size_t n)
{
	for (size_t g = 0; g < b->ngroups; g++) {
		const struct vg_lsgroup *lg = &b->groups[g];
		if (!vg_sel_match(&lg->ls->sel, ev, &ctx->env))
			continue;
		for (size_t i = 0; i < lg->n; i++)
			if (vg_rule_match(rs->rules[lg->rules[i]], ev, &ctx->env))
				ctx->scratch[n++] = lg->rules[i];
	}
	return n;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

size_t vg_detect(const struct vg_ruleset *rs, struct vg_detect_ctx *ctx,
                 const struct vg_event *ev, const struct vg_rule **hits, size_t max_hits)
{
	size_t n = 0;
	if (!rs || !ctx || !ev)
		return 0;
	const struct vg_value *ds = vg_event_get(ev, rs->f_dataset);
	if (ds && rs->nbuckets) {
		char low[128];
		if (ds->len < sizeof(low)) {
			for (size_t i = 0; i < ds->len; i++)
				low[i] = (char)fold((unsigned char)ds->ptr[i]);
			uint64_t h = vg_hash64(low, ds->len, 0);
			for (size_t j = 0; j < rs->nslots; j++) {
				size_t s = rs->bucket_slots[(h + j) & (rs->nslots - 1)];
				if (!s)
					break;
				const struct vg_bucket *b = &rs->buckets[s - 1];
				if (strlen(b->dataset) == ds->len &&
				    memcmp(b->dataset, low, ds->len) == 0) {
					n = run_bucket(rs, ctx, b, ev, n);
					break;
				}
			}
		}
	}
	n = run_bucket(rs, ctx, &rs->generic, ev, n);
	/* a rule listed under several datasets is in one bucket per event; sort so
	 * hits come in ruleset order */
	if (n > 1)
		qsort(ctx->scratch, n, sizeof(size_t), cmp_size);
	for (size_t i = 0; i < n && i < max_hits; i++)
		hits[i] = rs->rules[ctx->scratch[i]];
	return n;
}
