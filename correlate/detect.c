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

/* Lowercased copies of the current event's values, made once per field and
 * event: case-insensitive comparisons then run as memcmp / memmem. */
struct vg_fold {
	uint32_t epoch;
	uint32_t *stamp; /* per field id: epoch of the copy in off[] */
	uint32_t *off;
	size_t nfields;
	char *buf;
	size_t len, cap;
};

struct vg_detect_ctx {
	struct vg_menv env;
	struct vg_fold fold;
	const struct vg_ruleset *rs;
	size_t *scratch; /* hit indices before sorting */
	size_t scratch_cap;
	/* prefilter: candidate marks (epoch per rule), candidates, folded values */
	uint32_t *mark;
	uint8_t *got; /* per rule: requirement bits hit in this epoch */
	uint32_t epoch;
	size_t *cand;
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

/* Number of days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static long days_from_civil(long y, unsigned m, unsigned d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

/* The part tp of a date "YYYY-MM-DD[T ]HH:MM..." (time-part modifiers; no zone
 * conversion, as the spec says).  @return false when v is not such a date. */
static bool date_part(const struct vg_value *v, uint8_t tp, double *out)
{
	int f[5] = {0};
	const int at[5] = {0, 5, 8, 11, 14}, width[5] = {4, 2, 2, 2, 2};
	int need = tp == VG_TP_MINUTE || tp == VG_TP_HOUR ? 5 : 3;
	if (v->len < (uint32_t)(need == 5 ? 16 : 10))
		return false;
	for (int i = 0; i < need; i++)
		for (int k = 0; k < width[i]; k++) {
			char ch = v->ptr[at[i] + k];
			if (ch < '0' || ch > '9')
				return false;
			f[i] = f[i] * 10 + (ch - '0');
		}
	switch (tp) {
	case VG_TP_YEAR: *out = f[0]; return true;
	case VG_TP_MONTH: *out = f[1]; return true;
	case VG_TP_DAY: *out = f[2]; return true;
	case VG_TP_HOUR: *out = f[3]; return true;
	case VG_TP_MINUTE: *out = f[4]; return true;
	case VG_TP_WEEK: {
		/* ISO 8601 week number */
		long days = days_from_civil(f[0], (unsigned)f[1], (unsigned)f[2]);
		int wday = (int)(((days % 7) + 7 + 3) % 7); /* Monday = 0 */
		long thursday = days - wday + 3;
		long y = f[0];
		if (thursday < days_from_civil(y, 1, 1))
			y--;
		else if (thursday >= days_from_civil(y + 1, 1, 1))
			y++;
		*out = (double)((thursday - days_from_civil(y, 1, 1)) / 7 + 1);
		return true;
	}
	}
	return false;
}

/* fieldref: v compared with the other field's value under the pattern's shape. */
static bool ref_match(const struct vg_pattern *p, const struct vg_value *v,
                      const struct vg_event *ev)
{
	const struct vg_value *o = vg_event_get(ev, p->ref);
	if (!v || !o || v->kind == VG_VK_NULL || o->kind == VG_VK_NULL)
		return false;
	const char *s = v->ptr, *t = o->ptr;
	size_t n = v->len, m = o->len;
	bool cased = p->cased;
	switch (p->shape) {
	case VG_PS_PREFIX:
		if (n < m)
			return false;
		n = m;
		break;
	case VG_PS_SUFFIX:
		if (n < m)
			return false;
		s += n - m;
		n = m;
		break;
	case VG_PS_CONTAINS:
		if (cased)
			return memmem(s, n, t, m) != NULL;
		for (size_t i = 0; i + m <= n; i++) {
			size_t k = 0;
			while (k < m &&
			       fold((unsigned char)s[i + k]) == fold((unsigned char)t[k]))
				k++;
			if (k == m)
				return true;
		}
		return m == 0;
	default: break;
	}
	if (n != m)
		return false;
	if (cased)
		return memcmp(s, t, n) == 0;
	for (size_t i = 0; i < n; i++)
		if (fold((unsigned char)s[i]) != fold((unsigned char)t[i]))
			return false;
	return true;
}

struct vg_faccel;
static bool faccel_match(const struct vg_faccel *acc, const struct vg_fcond *fc,
                         const char *low, size_t n, bool *out);

/* A string pattern against an already lowercased value (patterns that are not
 * cased are stored lowercased): plain byte comparisons. */
static bool folded_match(const struct vg_pattern *p, const char *s, size_t n)
{
	switch (p->shape) {
	case VG_PS_EXACT: return n == p->len && memcmp(s, p->text, n) == 0;
	case VG_PS_PREFIX: return n >= p->len && memcmp(s, p->text, p->len) == 0;
	case VG_PS_SUFFIX:
		return n >= p->len && memcmp(s + n - p->len, p->text, p->len) == 0;
	case VG_PS_CONTAINS: return p->len == 0 || memmem(s, n, p->text, p->len) != NULL;
	case VG_PS_ANY: return true;
	case VG_PS_GLOB: {
		struct vg_pattern c = *p;
		c.cased = true;
		return glob(&c, s, n);
	}
	}
	return false;
}

/* The lowercased copy of v (field f) for this event, or NULL. */
static const char *folded(struct vg_fold *fd, vg_field f, const struct vg_value *v)
{
	if (!fd || f < 0 || (size_t)f >= fd->nfields)
		return NULL;
	if (v->len == 0)
		return "";
	if (fd->stamp[f] == fd->epoch)
		return fd->buf + fd->off[f];
	if (fd->len + v->len > fd->cap) {
		size_t nc = (fd->len + v->len) * 2 + 256;
		char *nb = realloc(fd->buf, nc);
		if (!nb)
			return NULL;
		fd->buf = nb;
		fd->cap = nc;
	}
	char *d = fd->buf + fd->len;
	for (uint32_t i = 0; i < v->len; i++)
		d[i] = (char)fold((unsigned char)v->ptr[i]);
	fd->stamp[f] = fd->epoch;
	fd->off[f] = (uint32_t)fd->len;
	fd->len += v->len;
	return d;
}

/* One value against one pattern (v may be NULL: field absent).  tp: compare the
 * date part tp of v instead of v.  low: v lowercased, or NULL. */
static bool value_match(const struct vg_pattern *p, const struct vg_value *v, uint8_t tp,
                        const char *low, const struct vg_event *ev,
                        const struct vg_menv *env)
{
	double d = 0;
	bool have = false;
	if (p->op >= VG_MOP_GT && p->op <= VG_MOP_EQNUM)
		have = v && v->kind != VG_VK_NULL &&
		       (tp ? date_part(v, tp, &d) : num_of(v, &d));
	switch (p->op) {
	case VG_MOP_EXISTS: return (v != NULL) == (p->num != 0);
	case VG_MOP_NULL: return v == NULL || v->kind == VG_VK_NULL;
	case VG_MOP_STR:
		if (!v || v->kind == VG_VK_NULL)
			return false;
		if (low && !p->cased)
			return folded_match(p, low, v->len);
		return str_match(p, v->ptr, v->len);
	case VG_MOP_RE:
		if (!v || v->kind == VG_VK_NULL)
			return false;
		return pcre2_match(p->re, (PCRE2_SPTR)v->ptr, v->len, 0, 0, env->md,
		                   env->mctx) >= 0;
	case VG_MOP_CIDR: return v && cidr_match(p, v);
	case VG_MOP_GT: return have && d > p->num;
	case VG_MOP_GTE: return have && d >= p->num;
	case VG_MOP_LT: return have && d < p->num;
	case VG_MOP_LTE: return have && d <= p->num;
	case VG_MOP_EQNUM: return have && d == p->num;
	case VG_MOP_FIELDREF: return ref_match(p, v, ev);
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
	/* fold once when several string values will be compared */
	const char *low = NULL;
	if (v && v->kind != VG_VK_NULL && fc->nvals > 1 && fc->vals[0].op == VG_MOP_STR &&
	    v != &raw) /* the raw record is not a field: compared as is */
		low = folded(env->fold,
		             fc->field == VG_FIELD_NONE ? env->message : fc->field, v);
	bool res;
	if (fc->acc && low && faccel_match(fc->acc, fc, low, v->len, &res))
		return res != fc->neg;
	if (fc->all) {
		for (size_t i = 0; i < fc->nvals; i++)
			if (!value_match(&fc->vals[i], v, fc->tp, low, ev, env))
				return false;
		return true;
	}
	for (size_t i = 0; i < fc->nvals; i++)
		if (value_match(&fc->vals[i], v, fc->tp, low, ev, env))
			return !fc->neg;
	return fc->neg;
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
	ctx->fold.nfields = vg_field_count();
	ctx->fold.stamp = calloc(ctx->fold.nfields + 1, sizeof(uint32_t));
	ctx->fold.off = calloc(ctx->fold.nfields + 1, sizeof(uint32_t));
	ctx->fold.epoch = 1;
	ctx->env.fold = &ctx->fold;
	ctx->mark = calloc(ctx->scratch_cap, sizeof(uint32_t));
	ctx->got = calloc(ctx->scratch_cap, 1);
	ctx->cand = malloc(ctx->scratch_cap * sizeof(size_t));
	if (!ctx->env.md || !ctx->scratch || !ctx->mark || !ctx->got || !ctx->cand ||
	    !ctx->fold.stamp || !ctx->fold.off) {
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
	free(ctx->mark);
	free(ctx->got);
	free(ctx->cand);
	free(ctx->fold.stamp);
	free(ctx->fold.off);
	free(ctx->fold.buf);
	free(ctx);
}

/* ------------------------------------------------------------ prefilter */

struct anchor {
	vg_field field;
	uint8_t kind;
	uint32_t len;
	uint64_t h;
};

#define MAX_ANCHORS 1024 /* per anchor set; more: the set is not indexable */
struct aset {
	struct anchor a[MAX_ANCHORS];
	size_t n;
	int cost; /* INT_MAX: no anchor set (not indexable) */
};

#define NO_ANCHOR 1000000

static uint64_t key_hash(vg_field f, uint8_t kind, const char *folded, size_t n)
{
	return vg_hash64(folded, n, ((uint64_t)(uint32_t)f << 4) | kind) | 1;
}

static inline uint32_t gram_bit(uint64_t h)
{
	return (uint32_t)(h >> 48);
}

/* Hash of the 4 bytes at p (a "gram"), cheaper than vg_hash64 per position. */
static inline uint64_t gram_hash(vg_field f, const char *p)
{
	uint32_t x;
	memcpy(&x, p, 4);
	return (((uint64_t)x ^ ((uint64_t)(uint32_t)f << 32)) *
	        UINT64_C(0x9E3779B97F4A7C15)) |
	       1;
}

/* How many literals of the rule set contain each 4-byte gram (folded), counted at
 * load time: a contains literal is anchored by its rarest gram, so that e.g.
 * 'WinPwn.exe' is found by "npwn", not by the ubiquitous ".exe". */
#define GF_SLOTS (1u << 17)
struct gfreq {
	uint32_t key[GF_SLOTS];
	uint32_t count[GF_SLOTS]; /* 0 = empty slot */
};

static inline uint32_t gram_key(const char *p)
{
	uint32_t x = 0;
	for (int i = 0; i < VG_GRAM; i++)
		x = x << 8 | fold((unsigned char)p[i]);
	return x;
}

static uint32_t *gf_slot(struct gfreq *gf, uint32_t key, bool add)
{
	uint32_t h = (uint32_t)((key * UINT64_C(0x9E3779B97F4A7C15)) >> 47);
	for (uint32_t q = 0; q < GF_SLOTS; q++) {
		uint32_t s = (h + q) & (GF_SLOTS - 1);
		if (gf->count[s] == 0) {
			if (!add)
				return NULL;
			gf->key[s] = key;
			return &gf->count[s];
		}
		if (gf->key[s] == key)
			return &gf->count[s];
	}
	return NULL; /* full: the gram counts as unseen */
}

static uint32_t gf_get(const struct gfreq *gf, const char *p)
{
	if (!gf)
		return 0;
	uint32_t *c = gf_slot((struct gfreq *)gf, gram_key(p), false);
	return c ? *c : 0;
}

static void gf_count_pattern(struct gfreq *gf, const struct vg_pattern *p)
{
	if (p->op != VG_MOP_STR)
		return;
	for (size_t k = 0; k + VG_GRAM <= p->len; k++) {
		bool lit = true;
		for (size_t j = 0; j < VG_GRAM && p->kinds; j++)
			lit = lit && p->kinds[k + j] == VG_WC_LIT;
		uint32_t *c = lit ? gf_slot(gf, gram_key(p->text + k), true) : NULL;
		if (c && *c < UINT32_MAX)
			++*c;
	}
}

static void gf_count_sel(struct gfreq *gf, const struct vg_sel *sel)
{
	for (size_t a = 0; a < sel->nalts; a++)
		for (size_t i = 0; i < sel->alts[a].n; i++) {
			const struct vg_fcond *fc = &sel->alts[a].conds[i];
			for (size_t v = 0; v < fc->nvals; v++)
				gf_count_pattern(gf, &fc->vals[v]);
		}
}

/* The end of the rarest gram of text[from, to) (to - from >= VG_GRAM). */
static size_t rarest_gram_end(const struct gfreq *gf, const char *text, size_t from,
                              size_t to, uint32_t *freq)
{
	size_t best = to;
	uint32_t bf = UINT32_MAX;
	for (size_t e = to; e >= from + VG_GRAM; e--) {
		uint32_t f = gf_get(gf, text + e - VG_GRAM);
		if (f < bf)
			bf = f, best = e;
	}
	*freq = bf;
	return best;
}

/* The anchors of one field condition: every value must give one (OR), or for
 * `all` the best single value.  @return false when not indexable. */
static bool fcond_anchors(const struct vg_fcond *fc, struct aset *out,
                          const struct gfreq *gf)
{
	out->n = 0;
	out->cost = NO_ANCHOR;
	if (fc->field == VG_FIELD_NONE || fc->neg || fc->tp || fc->nvals == 0)
		return false;
	int total = 0, best = NO_ANCHOR;
	struct anchor besta = {0};
	for (size_t i = 0; i < fc->nvals; i++) {
		const struct vg_pattern *p = &fc->vals[i];
		struct anchor a = {.field = fc->field};
		int cost;
		size_t glob_end = 0;
		char buf[VG_GRAM];
		if (p->op != VG_MOP_STR)
			goto no;
		switch (p->shape) {
		case VG_PS_EXACT: a.kind = VG_PK_EXACT, cost = 1; break;
		case VG_PS_PREFIX:
			a.kind = VG_PK_PREFIX, cost = p->len >= 4 ? 2 : 8;
			break;
		case VG_PS_SUFFIX:
			a.kind = VG_PK_SUFFIX, cost = p->len >= 4 ? 2 : 8;
			break;
		case VG_PS_CONTAINS: {
			if (p->len < VG_GRAM)
				goto no;
			uint32_t freq;
			a.kind = VG_PK_GRAM;
			glob_end = rarest_gram_end(gf, p->text, 0, p->len, &freq);
			cost = freq > 16 ? 6 : 4;
			break;
		}
		case VG_PS_GLOB: {
			/* any match contains the longest run of literal bytes */
			size_t best_end = 0, best_len = 0, run = 0;
			for (size_t k = 0; k < p->len; k++) {
				run = p->kinds[k] == VG_WC_LIT ? run + 1 : 0;
				if (run > best_len)
					best_len = run, best_end = k + 1;
			}
			if (best_len < VG_GRAM)
				goto no;
			uint32_t freq;
			a.kind = VG_PK_GRAM;
			glob_end = rarest_gram_end(gf, p->text, best_end - best_len,
			                           best_end, &freq);
			cost = freq > 16 ? 7 : 5;
			break;
		}
		default: goto no;
		}
		if (a.kind != VG_PK_EXACT && p->len == 0)
			goto no;
		size_t n = a.kind == VG_PK_GRAM ? VG_GRAM : p->len;
		/* contains: the literal's last 4 bytes (shared prefixes are common) */
		const char *src = a.kind == VG_PK_GRAM
		                      ? p->text + (glob_end ? glob_end : p->len) - VG_GRAM
		                      : p->text;
		char *f = n <= sizeof(buf) ? buf : malloc(n);
		if (!f)
			goto no;
		for (size_t k = 0; k < n; k++)
			f[k] = (char)fold((unsigned char)src[k]);
		a.len = a.kind == VG_PK_GRAM ? VG_GRAM : (uint32_t)n;
		a.h = a.kind == VG_PK_GRAM ? gram_hash(a.field, f)
		                           : key_hash(a.field, a.kind, f, n);
		if (f != buf)
			free(f);
		if (fc->all) {
			if (cost < best) {
				best = cost;
				besta = a;
			}
			continue;
		}
		if (out->n == sizeof(out->a) / sizeof(out->a[0]))
			goto no;
		out->a[out->n++] = a;
		total += cost;
		continue;
	no:
		if (!fc->all)
			return out->n = 0, false;
	}
	if (fc->all) {
		if (best == NO_ANCHOR)
			return false;
		out->a[0] = besta;
		out->n = 1;
		out->cost = best;
		return true;
	}
	out->cost = total;
	return true;
}

static void aset_copy(struct aset *to, const struct aset *from)
{
	to->n = from->n;
	to->cost = from->cost;
	memcpy(to->a, from->a, from->n * sizeof(from->a[0]));
}

static void aset_union(struct aset *into, const struct aset *b)
{
	if (into->cost >= NO_ANCHOR || b->cost >= NO_ANCHOR ||
	    into->n + b->n > sizeof(into->a) / sizeof(into->a[0])) {
		into->n = 0;
		into->cost = NO_ANCHOR;
		return;
	}
	memcpy(into->a + into->n, b->a, b->n * sizeof(b->a[0]));
	into->n += b->n;
	into->cost += b->cost;
}

/* Anchors of a condition node: a set at least one of which holds whenever the
 * node is true (AND: the cheaper child; OR: both; NOT: none). */
static void node_anchors(const struct vg_rule *r, int n, struct aset *out,
                         const struct gfreq *gf)
{
	const struct vg_cnode *c = &r->nodes[n];
	out->n = 0;
	out->cost = NO_ANCHOR;
	if (c->type != VG_CN_SEL && c->type != VG_CN_AND && c->type != VG_CN_OR)
		return;
	/* anchor sets are large: temporaries on the heap (load time only) */
	struct aset *tmp = malloc(sizeof(*tmp)), *best = malloc(sizeof(*best));
	if (!tmp || !best)
		goto out; /* not indexable: the rule is always evaluated */
	switch (c->type) {
	case VG_CN_SEL: {
		const struct vg_sel *sel = &r->sels[c->a];
		out->cost = 0;
		for (size_t a = 0; a < sel->nalts && out->cost < NO_ANCHOR; a++) {
			const struct vg_smap *m = &sel->alts[a];
			best->n = 0;
			best->cost = NO_ANCHOR;
			for (size_t i = 0; i < m->n; i++)
				if (fcond_anchors(&m->conds[i], tmp, gf) &&
				    tmp->cost < best->cost)
					aset_copy(best, tmp);
			aset_union(out, best);
		}
		if (sel->nalts == 0)
			out->cost = NO_ANCHOR;
		break;
	}
	case VG_CN_AND:
		node_anchors(r, c->a, out, gf);
		node_anchors(r, c->b, tmp, gf);
		if (tmp->cost < out->cost)
			aset_copy(out, tmp);
		break;
	case VG_CN_OR:
		node_anchors(r, c->a, out, gf);
		node_anchors(r, c->b, tmp, gf);
		aset_union(out, tmp);
		break;
	default: break;
	}
out:
	free(tmp);
	free(best);
}

/* Requirements of a rule: up to VG_MAX_REQ anchor sets, every one of which has a
 * hit whenever the rule matches.  A selection with one map gives one requirement
 * per indexable item (per value for `|all`); AND concatenates its children's; any
 * other node gives the single anchor set of node_anchors.  Keeping only some of the
 * requirements is always sound (fewer conditions on the candidates), so when more
 * than VG_MAX_REQ exist the cheapest are kept. */
struct reqs {
	struct aset r[VG_MAX_REQ];
	size_t n;
};

static void req_add(struct reqs *q, const struct aset *a)
{
	if (a->cost >= NO_ANCHOR || a->n == 0)
		return;
	if (q->n < VG_MAX_REQ) {
		aset_copy(&q->r[q->n++], a);
		return;
	}
	size_t worst = 0;
	for (size_t i = 1; i < q->n; i++)
		if (q->r[i].cost > q->r[worst].cost)
			worst = i;
	if (a->cost < q->r[worst].cost)
		aset_copy(&q->r[worst], a);
}

static void node_reqs(const struct vg_rule *r, int n, struct reqs *q, struct aset *tmp,
                      const struct gfreq *gf)
{
	const struct vg_cnode *c = &r->nodes[n];
	if (c->type == VG_CN_AND) {
		node_reqs(r, c->a, q, tmp, gf);
		node_reqs(r, c->b, q, tmp, gf);
		return;
	}
	if (c->type == VG_CN_SEL && r->sels[c->a].nalts == 1) {
		const struct vg_smap *m = &r->sels[c->a].alts[0];
		for (size_t i = 0; i < m->n; i++) {
			const struct vg_fcond *fc = &m->conds[i];
			if (!fc->all) {
				if (fcond_anchors(fc, tmp, gf))
					req_add(q, tmp);
				continue;
			}
			for (size_t v = 0; v < fc->nvals; v++) {
				struct vg_fcond one = *fc;
				one.all = false;
				one.vals = &fc->vals[v];
				one.nvals = 1;
				if (fcond_anchors(&one, tmp, gf))
					req_add(q, tmp);
			}
		}
		return;
	}
	node_anchors(r, n, tmp, gf);
	req_add(q, tmp);
}

/* ----------------------------------------------- long value lists (accel) */

/* A field condition with many string values (e.g. 200 `contains` literals) is
 * matched by hashing the event's value instead of comparing every literal: exact
 * values by their hash, prefixes / suffixes by the hash of the value's first / last
 * L bytes for each length L present, contains literals by the hash of their first
 * 4 bytes at every position.  Candidates found are verified with the literal. */
#define ACCEL_MIN 6

/* (hash, index) pairs, sorted to group equal hashes (index builds). */
struct hr {
	uint64_t h;
	uint32_t rule;
};

static int cmp_hr(const void *a, const void *b)
{
	const struct hr *x = a, *y = b;
	if (x->h != y->h)
		return x->h < y->h ? -1 : 1;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

struct vg_faccel {
	struct vg_pfslot *slots; /* key hash -> values */
	size_t nslots;
	uint32_t *vals;
	uint32_t plens[64], slens[64]; /* distinct prefix / suffix lengths */
	size_t nplens, nslens;
	bool exact, gram, gram2;
	uint64_t bits[64];  /* 4096-bit filter of gram hashes */
	uint64_t bits2[64]; /* the same for 2-byte grams (literals of 2..3 bytes) */
	uint32_t *shorts;   /* 1-byte literals: compared one by one */
	size_t nshorts;
};

static inline uint64_t gram2_hash(const char *p)
{
	uint16_t x;
	memcpy(&x, p, 2);
	return ((uint64_t)x * UINT64_C(0xD6E8FEB86659FD93)) | 1;
}

void vg_faccel_free(struct vg_faccel *acc)
{
	if (!acc)
		return;
	free(acc->slots);
	free(acc->vals);
	free(acc->shorts);
	free(acc);
}

static void acc_probe(const struct vg_faccel *acc, const struct vg_fcond *fc, uint64_t h,
                      const char *low, size_t n, bool *hit)
{
	for (size_t q = 0; !*hit; q++) {
		const struct vg_pfslot *sl = &acc->slots[(h + q) & (acc->nslots - 1)];
		if (!sl->h)
			return;
		if (sl->h != h)
			continue;
		for (uint32_t k = 0; k < sl->n && !*hit; k++)
			*hit = folded_match(&fc->vals[acc->vals[sl->start + k]], low, n);
		return;
	}
}

/* @return false when acc cannot decide (never, once built); *out: any value
 * matches. */
static bool faccel_match(const struct vg_faccel *acc, const struct vg_fcond *fc,
                         const char *low, size_t n, bool *out)
{
	bool hit = false;
	if (acc->exact)
		acc_probe(acc, fc, key_hash(0, VG_PK_EXACT, low, n), low, n, &hit);
	for (size_t i = 0; i < acc->nplens && !hit; i++)
		if (n >= acc->plens[i])
			acc_probe(acc, fc, key_hash(0, VG_PK_PREFIX, low, acc->plens[i]),
			          low, n, &hit);
	for (size_t i = 0; i < acc->nslens && !hit; i++)
		if (n >= acc->slens[i])
			acc_probe(acc, fc,
			          key_hash(0, VG_PK_SUFFIX, low + n - acc->slens[i],
			                   acc->slens[i]),
			          low, n, &hit);
	for (size_t i = 0; i < acc->nshorts && !hit; i++)
		hit = folded_match(&fc->vals[acc->shorts[i]], low, n);
	if (acc->gram2)
		for (size_t k = 0; k + 2 <= n && !hit; k++) {
			uint64_t h = gram2_hash(low + k);
			uint32_t bit = (uint32_t)(h >> 52);
			if (acc->bits2[bit >> 6] & (UINT64_C(1) << (bit & 63)))
				acc_probe(acc, fc, h, low, n, &hit);
		}
	if (acc->gram)
		for (size_t k = 0; k + VG_GRAM <= n && !hit; k++) {
			uint64_t h = gram_hash(0, low + k);
			uint32_t bit = (uint32_t)(h >> 52);
			if (acc->bits[bit >> 6] & (UINT64_C(1) << (bit & 63)))
				acc_probe(acc, fc, h, low, n, &hit);
		}
	*out = hit;
	return true;
}

static vg_err faccel_build(struct vg_fcond *fc)
{
	if (fc->nvals < ACCEL_MIN || fc->all || fc->tp)
		return VG_OK;
	for (size_t i = 0; i < fc->nvals; i++) {
		const struct vg_pattern *p = &fc->vals[i];
		if (p->op != VG_MOP_STR || p->cased)
			return VG_OK;
		if (p->shape == VG_PS_CONTAINS
		        ? p->len < 1
		        : !(p->shape == VG_PS_EXACT ||
		            ((p->shape == VG_PS_PREFIX || p->shape == VG_PS_SUFFIX) &&
		             p->len > 0)))
			return VG_OK;
	}
	struct vg_faccel *acc = calloc(1, sizeof(*acc));
	struct hr *hrs = malloc(fc->nvals * sizeof(*hrs));
	size_t nh = 0;
	if (!acc || !hrs || !(acc->shorts = malloc(fc->nvals * sizeof(uint32_t))))
		goto oom;
	for (size_t i = 0; i < fc->nvals; i++) {
		const struct vg_pattern *p = &fc->vals[i];
		uint64_t h = 0;
		uint32_t *lens = NULL;
		size_t *nl = NULL;
		switch (p->shape) {
		case VG_PS_EXACT:
			h = key_hash(0, VG_PK_EXACT, p->text, p->len);
			acc->exact = true;
			break;
		case VG_PS_PREFIX:
			h = key_hash(0, VG_PK_PREFIX, p->text, p->len);
			lens = acc->plens, nl = &acc->nplens;
			break;
		case VG_PS_SUFFIX:
			h = key_hash(0, VG_PK_SUFFIX, p->text, p->len);
			lens = acc->slens, nl = &acc->nslens;
			break;
		default:
			if (p->len < 2) {
				acc->shorts[acc->nshorts++] = (uint32_t)i;
				continue;
			}
			/* the literal's last bytes: shared prefixes ("MD5=") are common
			 */
			h = p->len < VG_GRAM ? gram2_hash(p->text + p->len - 2)
			                     : gram_hash(0, p->text + p->len - VG_GRAM);
			uint32_t bit = (uint32_t)(h >> 52);
			if (p->len < VG_GRAM) {
				acc->bits2[bit >> 6] |= UINT64_C(1) << (bit & 63);
				acc->gram2 = true;
			} else {
				acc->bits[bit >> 6] |= UINT64_C(1) << (bit & 63);
				acc->gram = true;
			}
		}
		if (lens) {
			bool dup = false;
			for (size_t k = 0; k < *nl && !dup; k++)
				dup = lens[k] == p->len;
			if (!dup && *nl == 64)
				goto give_up; /* too many lengths: the loop is as good */
			if (!dup)
				lens[(*nl)++] = (uint32_t)p->len;
		}
		hrs[nh++] = (struct hr){h, (uint32_t)i};
	}
	if (nh)
		qsort(hrs, nh, sizeof(*hrs), cmp_hr);
	acc->nslots = 16;
	while (acc->nslots < nh * 2)
		acc->nslots *= 2;
	acc->slots = calloc(acc->nslots, sizeof(*acc->slots));
	acc->vals = malloc((nh ? nh : 1) * sizeof(uint32_t));
	if (!acc->slots || !acc->vals)
		goto oom;
	for (size_t i = 0; i < nh;) {
		size_t j = i;
		while (j < nh && hrs[j].h == hrs[i].h) {
			acc->vals[j] = hrs[j].rule;
			j++;
		}
		for (size_t q = 0;; q++) {
			struct vg_pfslot *sl =
			    &acc->slots[(hrs[i].h + q) & (acc->nslots - 1)];
			if (!sl->h) {
				*sl = (struct vg_pfslot){hrs[i].h, (uint32_t)i,
				                         (uint32_t)(j - i)};
				break;
			}
		}
		i = j;
	}
	free(hrs);
	fc->acc = acc;
	return VG_OK;
give_up:
	free(hrs);
	vg_faccel_free(acc);
	return VG_OK;
oom:
	free(hrs);
	vg_faccel_free(acc);
	return VG_ERR_NOMEM;
}

static vg_err sel_accel(struct vg_sel *sel)
{
	for (size_t a = 0; a < sel->nalts; a++)
		for (size_t i = 0; i < sel->alts[a].n; i++)
			if (faccel_build(&sel->alts[a].conds[i]) != VG_OK)
				return VG_ERR_NOMEM;
	return VG_OK;
}

void vg_prefilter_free(struct vg_prefilter *pf)
{
	if (!pf)
		return;
	free(pf->probes);
	free(pf->slots);
	free(pf->ents);
	free(pf->always);
	free(pf);
}

static int cmp_probe(const void *a, const void *b)
{
	const struct vg_probe *x = a, *y = b;
	if (x->field != y->field)
		return x->field < y->field ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return x->len < y->len ? -1 : x->len > y->len;
}

/* (hash, rule, requirement) triples of a prefilter, sorted to group equal hashes */
struct hre {
	uint64_t h;
	struct vg_pfent e;
};

static int cmp_hre(const void *a, const void *b)
{
	const struct hre *x = a, *y = b;
	if (x->h != y->h)
		return x->h < y->h ? -1 : 1;
	if (x->e.rule != y->e.rule)
		return x->e.rule < y->e.rule ? -1 : 1;
	return x->e.bit < y->e.bit ? -1 : x->e.bit > y->e.bit;
}

static vg_err add_probe(struct vg_prefilter *pf, const struct anchor *a)
{
	struct vg_probe pr = {a->field, a->kind,
	                      a->kind == VG_PK_GRAM || a->kind == VG_PK_EXACT ? 0
	                                                                      : a->len};
	for (size_t q = 0; q < pf->nprobes; q++)
		if (pf->probes[q].field == pr.field && pf->probes[q].kind == pr.kind &&
		    pf->probes[q].len == pr.len)
			return VG_OK;
	struct vg_probe *np = realloc(pf->probes, (pf->nprobes + 1) * sizeof(*np));
	if (!np)
		return VG_ERR_NOMEM;
	pf->probes = np;
	pf->probes[pf->nprobes++] = pr;
	return VG_OK;
}

static vg_err build_prefilter(const struct vg_ruleset *rs, struct vg_lsgroup *g)
{
	struct vg_prefilter *pf = calloc(1, sizeof(*pf));
	struct hre *hrs = NULL;
	size_t nhr = 0, hcap = 0;
	struct reqs *q = malloc(sizeof(*q));
	struct aset *tmp = malloc(sizeof(*tmp));
	struct gfreq *gf = calloc(1, sizeof(*gf));
	if (!pf || !q || !tmp || !gf)
		goto oom;
	for (size_t i = 0; i < g->n; i++) {
		const struct vg_rule *r = rs->rules[g->rules[i]];
		for (size_t k = 0; k < r->nsels; k++)
			gf_count_sel(gf, &r->sels[k]);
	}
	pf->always = malloc((g->n ? g->n : 1) * sizeof(size_t));
	if (!pf->always)
		goto oom;
	for (size_t i = 0; i < g->n; i++) {
		const struct vg_rule *r = rs->rules[g->rules[i]];
		q->n = 0;
		if (r->root >= 0 && !r->is_correlation)
			node_reqs(r, r->root, q, tmp, gf);
		if (q->n == 0) {
			pf->always[pf->nalways++] = g->rules[i];
			continue;
		}
		uint8_t need = (uint8_t)((1u << q->n) - 1);
		for (size_t k = 0; k < q->n; k++)
			for (size_t j = 0; j < q->r[k].n; j++) {
				const struct anchor *a = &q->r[k].a[j];
				if (nhr == hcap) {
					hcap = hcap ? hcap * 2 : 256;
					struct hre *nh = realloc(hrs, hcap * sizeof(*nh));
					if (!nh)
						goto oom;
					hrs = nh;
				}
				hrs[nhr++] = (struct hre){
				    a->h,
				    {(uint32_t)g->rules[i], (uint8_t)(1u << k), need}};
				if (add_probe(pf, a) != VG_OK)
					goto oom;
				if (a->kind == VG_PK_GRAM) {
					pf->has_gram = true;
					uint32_t bit = gram_bit(a->h);
					pf->gram_bits[bit >> 6] |= UINT64_C(1)
					                           << (bit & 63);
				}
			}
	}
	free(q);
	free(tmp);
	free(gf);
	q = NULL;
	tmp = NULL;
	gf = NULL;
	if (nhr)
		qsort(hrs, nhr, sizeof(*hrs), cmp_hre);
	if (pf->nprobes)
		qsort(pf->probes, pf->nprobes, sizeof(*pf->probes), cmp_probe);
	/* distinct (h, rule, requirement) triples, grouped by h */
	size_t nd = 0, nkeys = 0;
	for (size_t i = 0; i < nhr; i++)
		if (nd == 0 || hrs[i].h != hrs[nd - 1].h ||
		    hrs[i].e.rule != hrs[nd - 1].e.rule ||
		    hrs[i].e.bit != hrs[nd - 1].e.bit) {
			nkeys += nd == 0 || hrs[i].h != hrs[nd - 1].h;
			hrs[nd++] = hrs[i];
		}
	pf->nslots = 16;
	while (pf->nslots < nkeys * 2)
		pf->nslots *= 2;
	pf->slots = calloc(pf->nslots, sizeof(*pf->slots));
	pf->ents = malloc((nd ? nd : 1) * sizeof(*pf->ents));
	if (!pf->slots || !pf->ents)
		goto oom;
	for (size_t i = 0; i < nd;) {
		size_t j = i;
		while (j < nd && hrs[j].h == hrs[i].h) {
			pf->ents[j] = hrs[j].e;
			j++;
		}
		for (size_t k = 0;; k++) {
			struct vg_pfslot *sl =
			    &pf->slots[(hrs[i].h + k) & (pf->nslots - 1)];
			if (!sl->h) {
				*sl = (struct vg_pfslot){hrs[i].h, (uint32_t)i,
				                         (uint32_t)(j - i)};
				break;
			}
		}
		i = j;
	}
	free(hrs);
	g->pf = pf;
	return VG_OK;
oom:
	free(q);
	free(tmp);
	free(gf);
	free(hrs);
	vg_prefilter_free(pf);
	return VG_ERR_NOMEM;
}

vg_err vg_index_build(struct vg_ruleset *rs)
{
	vg_err err = VG_OK;
	for (size_t i = 0; i < rs->n && !err; i++)
		for (size_t k = 0; k < rs->rules[i]->nsels && !err; k++)
			err = sel_accel(&rs->rules[i]->sels[k]);
	for (size_t i = 0; i < rs->nlogsrcs && !err; i++)
		err = sel_accel(&rs->logsrcs[i]->sel);
	for (size_t b = 0; b <= rs->nbuckets && !err; b++) {
		struct vg_bucket *bk = b < rs->nbuckets ? &rs->buckets[b] : &rs->generic;
		for (size_t i = 0; i < bk->ngroups && !err; i++)
			if (bk->groups[i].n >=
			    8) /* small groups: a plain loop is cheaper */
				err = build_prefilter(rs, &bk->groups[i]);
	}
	return err;
}

static inline void pf_hit(const struct vg_prefilter *pf, struct vg_detect_ctx *ctx,
                          uint64_t h, size_t *nc)
{
	for (size_t q = 0;; q++) {
		const struct vg_pfslot *sl = &pf->slots[(h + q) & (pf->nslots - 1)];
		if (!sl->h)
			return;
		if (sl->h != h)
			continue;
		for (uint32_t k = 0; k < sl->n; k++) {
			const struct vg_pfent *e = &pf->ents[sl->start + k];
			uint32_t r = e->rule;
			uint8_t had = ctx->mark[r] == ctx->epoch ? ctx->got[r] : 0;
			if (had == e->need)
				continue; /* already a candidate */
			ctx->mark[r] = ctx->epoch;
			ctx->got[r] = (uint8_t)(had | e->bit);
			if (ctx->got[r] == e->need)
				ctx->cand[(*nc)++] = r;
		}
		return;
	}
}

/* Candidate rules of a group for ev into ctx->cand.  @return how many, or SIZE_MAX
 * when the values could not be probed (out of memory: evaluate every rule). */
static size_t pf_candidates(const struct vg_prefilter *pf, struct vg_detect_ctx *ctx,
                            const struct vg_event *ev)
{
	size_t nc = 0;
	if (++ctx->epoch == 0) {
		memset(ctx->mark, 0, ctx->scratch_cap * sizeof(uint32_t));
		ctx->epoch = 1;
	}
	vg_field cur = VG_FIELD_NONE;
	const struct vg_value *v = NULL;
	const char *low = NULL;
	for (size_t i = 0; i < pf->nprobes; i++) {
		const struct vg_probe *pr = &pf->probes[i];
		if (pr->field != cur || i == 0) {
			cur = pr->field;
			v = vg_event_get(ev, cur);
			if (v && v->kind == VG_VK_NULL)
				v = NULL;
			low = v ? folded(&ctx->fold, cur, v) : NULL;
			if (v && !low)
				return SIZE_MAX; /* cannot probe: run all */
		}
		if (!v)
			continue;
		const char *f = low;
		size_t n = v->len;
		switch (pr->kind) {
		case VG_PK_EXACT:
			pf_hit(pf, ctx, key_hash(cur, VG_PK_EXACT, f, n), &nc);
			break;
		case VG_PK_PREFIX:
			if (n >= pr->len)
				pf_hit(pf, ctx, key_hash(cur, VG_PK_PREFIX, f, pr->len),
				       &nc);
			break;
		case VG_PK_SUFFIX:
			if (n >= pr->len)
				pf_hit(
				    pf, ctx,
				    key_hash(cur, VG_PK_SUFFIX, f + n - pr->len, pr->len),
				    &nc);
			break;
		case VG_PK_GRAM:
			for (size_t k = 0; k + VG_GRAM <= n; k++) {
				uint64_t h = gram_hash(cur, f + k);
				uint32_t bit = gram_bit(h);
				if (pf->gram_bits[bit >> 6] & (UINT64_C(1) << (bit & 63)))
					pf_hit(pf, ctx, h, &nc);
			}
			break;
		}
	}
	return nc;
}

static size_t run_bucket(const struct vg_ruleset *rs, struct vg_detect_ctx *ctx,
                         const struct vg_bucket *b, const struct vg_event *ev, size_t n)
{
	for (size_t g = 0; g < b->ngroups; g++) {
		const struct vg_lsgroup *lg = &b->groups[g];
		if (!vg_sel_match(&lg->ls->sel, ev, &ctx->env))
			continue;
		if (!lg->pf) {
			for (size_t i = 0; i < lg->n; i++)
				if (vg_rule_match(rs->rules[lg->rules[i]], ev, &ctx->env))
					ctx->scratch[n++] = lg->rules[i];
			continue;
		}
		const struct vg_prefilter *pf = lg->pf;
		size_t nc = pf_candidates(pf, ctx, ev);
		if (nc == SIZE_MAX) {
			for (size_t i = 0; i < lg->n; i++)
				if (vg_rule_match(rs->rules[lg->rules[i]], ev, &ctx->env))
					ctx->scratch[n++] = lg->rules[i];
			continue;
		}
		for (size_t i = 0; i < pf->nalways; i++)
			if (vg_rule_match(rs->rules[pf->always[i]], ev, &ctx->env))
				ctx->scratch[n++] = pf->always[i];
		for (size_t i = 0; i < nc; i++)
			if (vg_rule_match(rs->rules[ctx->cand[i]], ev, &ctx->env))
				ctx->scratch[n++] = ctx->cand[i];
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
	/* a new event: forget the lowercased copies of the previous one */
	ctx->fold.len = 0;
	if (++ctx->fold.epoch == 0) {
		memset(ctx->fold.stamp, 0, ctx->fold.nfields * sizeof(uint32_t));
		ctx->fold.epoch = 1;
	}
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
