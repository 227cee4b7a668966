/*
 * correlate_int.h - private types shared by the rule loader (rules.c), the matcher
 * (detect.c) and the correlator (correlator.c).  Nothing here is public.
 *
 * A loaded rule is immutable after vg_ruleset_load returns: detection contexts and
 * correlators only read it, so one ruleset can be shared by every worker thread.
 */
#ifndef VG_CORRELATE_INT_H
#define VG_CORRELATE_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "vg_correlate.h"

/* ------------------------------------------------------------- values */

enum vg_mop {
	VG_MOP_STR = 0, /* wildcard pattern (exact, prefix, suffix, substring, glob) */
	VG_MOP_RE,      /* PCRE2 */
	VG_MOP_CIDR,
	VG_MOP_EXISTS, /* field present (num = 1) or absent (num = 0) */
	VG_MOP_NULL,   /* field absent or JSON null */
	VG_MOP_GT,
	VG_MOP_GTE,
	VG_MOP_LT,
	VG_MOP_LTE,
	VG_MOP_EQNUM,    /* numeric equality (time-part modifiers without a comparison) */
	VG_MOP_FIELDREF, /* equal to (shape: prefix/suffix/contains of) another field */
};

/* Shape of a compiled wildcard pattern, picked at load time so the common cases
 * (exact, startswith, endswith, contains) never run the general glob matcher. */
enum vg_pshape {
	VG_PS_EXACT = 0,
	VG_PS_PREFIX,   /* lit* */
	VG_PS_SUFFIX,   /* *lit */
	VG_PS_CONTAINS, /* *lit* */
	VG_PS_ANY,      /* * */
	VG_PS_GLOB,     /* anything else */
};

#define VG_WC_LIT  0
#define VG_WC_STAR 1
#define VG_WC_ONE  2

struct vg_pattern {
	enum vg_mop op;
	enum vg_pshape shape;
	bool cased;
	/* STR: the text with escapes resolved (lowercased unless cased); for shapes
	 * other than GLOB it is the literal without the surrounding stars.  kinds[i]
	 * (GLOB only) says whether byte i is literal, '*' or '?'. */
	char *text;
	size_t len;
	uint8_t *kinds;
	bool has_one; /* GLOB: holds a '?' (one UTF-8 character, so a value that is
	                 not ASCII is matched character by character) */
	/* RE: compiled for valid UTF-8 subjects (JIT), and with
	 * PCRE2_MATCH_INVALID_UTF for the others (interpreted): PCRE2 10.42's JIT
	 * with MATCH_INVALID_UTF has \S, \D and \W match no character that is not
	 * ASCII (PCRE2 issue 224, fixed in 10.43) */
	pcre2_code *re, *re_any;
	double num;       /* GT..LTE, EXISTS */
	uint8_t addr[16]; /* CIDR: network, family-sized */
	int family;       /* 4 or 6 */
	int prefix;
	vg_field ref; /* FIELDREF: the other field (shape and cased apply) */
	/* prefilter.c (load time): 1 + id of a literal of the rule's logsource group
	 * that holds whenever this pattern does, 0 none; lit_exact: it holds exactly
	 * when this pattern does (the pattern is then a bit test at event time) */
	uint32_t lit;
	bool lit_exact;
	/* RE (prefilter.c): the literal runs every match holds in this order,
	 * folded (nseq of them: each a flag byte, the bytes, a NUL; the flag
	 * VG_SEQ_SAME_LINE says nothing between it and the previous run can match
	 * '\n'), or NULL */
	char *seq;
	uint16_t nseq;
	bool seq_exact; /* the regex is exactly its runs in order (".*" between) */
};
#define VG_SEQ_SAME_LINE 1
#define VG_SEQ_ANYWHERE  2

/* Time-part modifiers: the number a date value yields before comparison. */
enum vg_tpart {
	VG_TP_NONE = 0,
	VG_TP_MINUTE,
	VG_TP_HOUR,
	VG_TP_DAY,
	VG_TP_WEEK,
	VG_TP_MONTH,
	VG_TP_YEAR,
};

/* One "field|mods: values" item of a selection map; field VG_FIELD_NONE means a
 * keyword search (every value of the event: detect.c, kw_values). */
struct vg_fcond {
	vg_field field;
	bool all;   /* values joined with AND instead of OR */
	bool neg;   /* `neq`: the item holds when no value matches */
	uint8_t tp; /* enum vg_tpart: compare a part of a date */
	struct vg_pattern *vals;
	size_t nvals;
	/* `all` whose values expand (base64offset, expand, windash, utf16 with a
	 * byte order mark...): the variants of one value as written are
	 * alternatives, so `all` holds when each group has a matching variant;
	 * group g is vals[g ? grp[g - 1] : 0 .. grp[g]), ngrp groups.  NULL: every
	 * value is its own group (vg_fcond_ngroups, vg_fcond_group) */
	uint32_t *grp;
	size_t ngrp;
	struct vg_faccel *acc; /* long value lists: hashed lookup (detect.c), or NULL */
	bool lits_only;        /* every value has an exact literal (prefilter.c) */
	/* lits_only: the values' literal bits as (word, mask) pairs of the group's
	 * bit set (prefilter.c; memory owned by the prefilter) */
	const struct vg_litmask *lmask;
	uint32_t nlmask;
	bool one_exact; /* detect.c (load time): one uncased exact string on a named
	                   field, compared inline */
};

/* The number of groups of alternatives of fc (vg_fcond.grp). */
static inline size_t vg_fcond_ngroups(const struct vg_fcond *fc)
{
	return fc->grp ? fc->ngrp : fc->nvals;
}

/* Group g of fc as vals[*from .. *to). */
static inline void vg_fcond_group(const struct vg_fcond *fc, size_t g, size_t *from,
                                  size_t *to)
{
	*from = !fc->grp ? g : g ? fc->grp[g - 1] : 0;
	*to = fc->grp ? fc->grp[g] : g + 1;
}

struct vg_litmask {
	uint32_t word;
	uint64_t mask;
};

/* A map of items joined with AND. */
struct vg_smap {
	struct vg_fcond *conds;
	size_t n;
};

/* A search identifier: alternatives (list items) joined with OR. */
struct vg_sel {
	char *name;
	struct vg_smap *alts;
	size_t nalts;
};

/* Condition tree, nodes in one array; children by index. */
enum vg_cnode_type { VG_CN_SEL = 0, VG_CN_AND, VG_CN_OR, VG_CN_NOT, VG_CN_TRUE };
struct vg_cnode {
	enum vg_cnode_type type;
	int a, b; /* children (AND/OR: a, b; NOT: a); SEL: a = selection index */
	/* SEL, the flat program (detect.c, load time; vg_rule.flat): the SEL node
	 * evaluated next when this selection holds (t) or not (f), or VG_CN_ACCEPT /
	 * VG_CN_REJECT -- the condition's short-circuit order, without recursion */
	int t, f;
	/* SEL (detect.c, load time): the selection's only item when it is one map
	 * of one item of literals only (vg_fcond.lits_only), tested inline by the
	 * flat program's loop; NULL otherwise */
	const struct vg_fcond *lits;
};
#define VG_CN_ACCEPT (-1)
#define VG_CN_REJECT (-2)

/* A compiled logsource condition, shared by every rule with the same mapping. */
struct vg_logsrc {
	char *key;         /* "product/category/service" as written in the rule */
	struct vg_sel sel; /* nalts 0 = no constraint */
	char **datasets;   /* lowercase event.dataset values it requires, or NULL */
	size_t ndatasets;  /* 0 = not indexable by dataset */
};

/* ------------------------------------------------------------- rules */

enum vg_corr_type {
	VG_CORR_EVENT_COUNT = 0,
	VG_CORR_VALUE_COUNT,
	VG_CORR_TEMPORAL,
	VG_CORR_TEMPORAL_ORDERED,
	VG_CORR_VALUE_SUM, /* Vigil: condition on the sum of a numeric field */
	VG_CORR_VALUE_AVG, /* Vigil: condition on the mean of a numeric field */
	VG_CORR_ABSENCE,   /* Vigil: rules[0] seen, none of rules[1..] within timespan */
};

/* One entry of a correlation's `aliases: {name: {rule: field}}`: the alias name,
 * the rule it is given for (by `name` or id, as in `rules:`), the field, and where
 * the rule is written (for diagnostics). */
struct vg_corr_alias {
	char *name, *rule, *field;
	int line, col;
};

struct vg_corr {
	enum vg_corr_type type;
	vg_time timespan;
	vg_field *group_by;
	char **group_names; /* field (or alias) names as written */
	size_t ngroup;
	/* per referenced rule k: the fields its events are grouped by (aliases
	 * resolved; group_by when the name is not an alias), ngroup entries each */
	vg_field **ref_group;
	/* value_count / value_sum / value_avg: the field, per referenced rule */
	vg_field *ref_field;
	char *field_name;
	bool has_gt, has_gte, has_lt, has_lte, has_eq, has_neq;
	double gt, gte, lt, lte, eq, neq;
	bool eager;    /* lower bound only: fire as soon as reached */
	uint64_t need; /* eager: events (values, rules) needed in one timespan */
	uint64_t cap;  /* close-evaluated: counts above this do not matter */
	bool generate;
	char **refs;             /* `rules:` as written */
	int *ref_line, *ref_col; /* where each is written (for diagnostics) */
	size_t nrefs;
	size_t *ref_idx;    /* resolved rule indices */
	size_t ncorr_index; /* index among correlation rules */
	/* absence: where the expected events must be relative to the trigger:
	 * 0 after [t, t + span], 1 before [t - span, t], 2 around [t - span, t + span] */
	int expect;
	/* aliases as written, one entry per (alias, rule): see struct vg_corr_alias */
	struct vg_corr_alias *aliases;
	size_t naliases;
};

struct vg_rule {
	char *id;
	char *title;
	char *name;
	char *file;
	int line, col;
	enum vg_level level;
	bool is_correlation;
	char **tags;
	size_t ntags;
	size_t index; /* position in the ruleset */
	/* detection */
	struct vg_sel *sels;
	size_t nsels;
	struct vg_cnode *nodes;
	size_t nnodes;
	int root;
	int entry; /* flat: the first SEL node of the program, or VG_CN_ACCEPT / REJECT */
	bool flat; /* the condition is compiled to a flat program (vg_cnode.t, f) */
	const struct vg_logsrc *logsrc;
	bool standalone;   /* emits an alert per hit */
	size_t *consumers; /* correlation rule indices that count this rule's hits */
	size_t nconsumers;
	int depth; /* correlation chain depth: 0 detection, 1 + max of its refs */
	/* correlation */
	struct vg_corr *corr;
};

/* Literal index of a logsource group (prefilter.c; see correlate/DETECTION.md).
 * Every string pattern of the group's rules on a named field is a *literal*
 * (field, shape, folded text); an event is scanned once per field for all the
 * literals it holds (tries for exact / prefix / suffix, a gram filter plus
 * verification for contains), which sets one bit per true literal.  Patterns whose
 * literal is exact are then bit tests; the others (cased, globs, regexes) use their
 * literal to reject early.  Every rule has up to VG_MAX_REQ requirements -- sets of
 * literals at least one of which holds whenever the rule matches -- and is a
 * candidate only when every requirement has a true literal: its rarest one is
 * posted under its literals, the others are checked on the bits after the scan. */
#define VG_MAX_REQ 8
struct vg_prefilter; /* immutable after the build; shared by the groups of a logsource */

#define VG_PF_LAST 16 /* units with a remembered cache slot (vg_pfstate.last) */
/* Per-thread state of the literal index (in vg_detect_ctx). */
struct vg_pfstate {
	uint64_t *bits; /* literal truth for the current event and group, by id */
	size_t nwords;  /* words of bits the current group uses (cleared after it) */
	uint32_t *set;  /* ids set by scans (not by cache hits), for the cache */
	size_t nset;
	uint32_t *mark; /* per rule: the epoch (group scan) it became a candidate */
	uint32_t epoch;
	size_t *cand;   /* candidate rules of the current group */
	uint32_t *csec; /* per candidate: where its other requirements are */
	size_t ncand;
	size_t nrules; /* capacity of mark / cand / csec */
	size_t nlits;  /* capacity of bits / set */
	struct vg_pfcache
	    *cache; /* field values seen recently (value_cache.c), or NULL */
	uint64_t cache_lookups, cache_hits;
	/* per unit u < VG_PF_LAST: the cache slot its values hit or filled last
	 * (any prefilter's: vg_pfcache_last checks the owner), NULL none; cleared
	 * whenever the cache is replaced */
	struct vg_pfcache_slot *last[VG_PF_LAST];
	size_t last_len[VG_PF_LAST]; /* the key length of last[u]'s lookup */
};

/* Lowercased copies of the current event's values, made once per field and event
 * (detect.c).  Each copy is followed by VG_FOLD_PAD zero bytes, so scanners may load
 * a few bytes past its end. */
#define VG_FOLD_PAD 8
struct vg_kwval {
	const struct vg_value *v;
	uint32_t off; /* its folded copy at buf + off, UINT32_MAX none (no memory) */
};
struct vg_fold {
	uint32_t epoch;
	uint32_t *stamp; /* per field id: epoch of the copy in off[] */
	uint32_t *off;
	size_t nfields;
	char *buf;
	size_t len, cap;
	/* the values keywords search in the current event (detect.c, kw_values),
	 * gathered and folded once when kw_epoch == epoch */
	uint32_t kw_epoch;
	struct vg_kwval *kw;
	size_t nkw, kw_cap;
	/* list values (VG_VK_LIST): rooms the elements are decoded into
	 * (vg_list_begin, enum vg_lroom), grown to the longest list seen, and the
	 * keywords' elements (kw_values) */
	char *lroom[4];
	size_t lcap[4];
	struct vg_value *kwel;
	size_t kwel_cap;
};
/* The rooms of vg_fold.lroom: a field's list, the list a fieldref compares it
 * with, an element's folded copy (prefilter.c), the keywords' lists. */
enum vg_lroom { VG_LR_FIELD, VG_LR_REF, VG_LR_FOLD, VG_LR_KW };
/* @return fd's room r with at least n bytes (grown, contents lost), or NULL (no
 * memory). */
char *vg_fold_room(struct vg_fold *fd, enum vg_lroom r, size_t n);

/* The elements of a list value (VG_VK_LIST: a JSON array's text as in the
 * record), read one at a time (detect.c).  A string element is its decoded text
 * (kind VG_VK_STR; escapes decoded as the JSON parser does, an unpaired surrogate
 * U+FFFD), a number, true / false or null its text (VG_VK_NUM / BOOL / NULL), a
 * nested array or object its JSON text (kind VG_VK_STR: its elements are not the
 * field's).  Text that is not JSON ends the list where it stops being JSON. */
struct vg_list_it {
	const char *s, *end; /* what is left of the array's text */
	const char *base;    /* its start: a decoded string goes to out + its offset */
	char *out;           /* room for the whole text; NULL: no escape in it */
};
/* Start reading v (VG_VK_LIST).  Decoded strings go to fd's room r (taken only
 * when v's text holds a backslash; they stay readable until the room is taken
 * again).  @return false when that room could not be had (no memory). */
bool vg_list_begin(struct vg_list_it *it, const struct vg_value *v, struct vg_fold *fd,
                   enum vg_lroom r);
/* The next element into *el.  @return false at the end. */
bool vg_list_next(struct vg_list_it *it, struct vg_value *el);
/* 8 bytes with ASCII A-Z lowercased (SWAR: per byte, the high bit of
 * (b & 0x7f) + 0x3f says b >= 'A', of (b & 0x7f) + 0x25 that b > 'Z'). */
static inline uint64_t vg_fold8(uint64_t x)
{
	const uint64_t lo7 = UINT64_C(0x7f7f7f7f7f7f7f7f),
	               hi = UINT64_C(0x8080808080808080);
	uint64_t h = x & lo7;
	uint64_t upper =
	    ((h + UINT64_C(0x3f3f3f3f3f3f3f3f)) ^ (h + UINT64_C(0x2525252525252525))) &
	    ~x & hi;
	return x | (upper >> 2);
}

/* The folded copy of v (the value of field f) for this event, or NULL (field id out
 * of range, out of memory).  Valid until the next call. */
const char *vg_fold_get(struct vg_fold *fd, vg_field f, const struct vg_value *v);

/* prefilter.c: build the literal index of the rules rs->rules[rules[0..n)] (one
 * logsource), assigning their pattern literals (vg_pattern.lit, vg_fcond.lits_only).
 * Load time.  @return VG_OK with *out, or VG_ERR_NOMEM. */
vg_err vg_prefilter_build(const struct vg_ruleset *rs, const size_t *rules, size_t n,
                          struct vg_prefilter **out);
/* prefilter.c: the ordered literal runs of regex p (vg_pattern.seq, seq_exact),
 * when it has several or is exactly them.  Load time.  @return VG_OK or
 * VG_ERR_NOMEM. */
vg_err vg_regex_seq(struct vg_pattern *p);
/* Another holder of pf (groups of one logsource in several dataset buckets). */
struct vg_prefilter *vg_prefilter_ref(struct vg_prefilter *pf);
/* Drop a reference; frees at the last.  NULL is a no-op. */
void vg_prefilter_free(struct vg_prefilter *pf);
/* Number of literals (sizes vg_pfstate.bits). */
size_t vg_prefilter_nlits(const struct vg_prefilter *pf);
/* Rules without requirements, evaluated for every event of the group. */
const size_t *vg_prefilter_always(const struct vg_prefilter *pf, size_t *n);
/* Scan ev for every literal of the group: set the bits of the true ones in
 * st->bits and the candidate rules in st->cand[0..st->ncand).  @return false when a
 * value could not be folded (out of memory): the bits are then cleared and the
 * caller evaluates every rule.  Nothing is allocated.  The caller clears the bits
 * with vg_prefilter_clear. */
bool vg_prefilter_scan(const struct vg_prefilter *pf, struct vg_pfstate *st,
                       const struct vg_event *ev, struct vg_fold *fold);
void vg_prefilter_clear(struct vg_pfstate *st);
/* A cache of `entries` (rounded up to a power of two; 0: none) field values and the
 * scanned literals each holds, so a value seen recently is not scanned again (Sysmon
 * fields repeat: Image, hashes, parent, user...).  @return NULL when entries is 0 or
 * out of memory (then nothing is cached). */
struct vg_pfcache *vg_pfcache_new(size_t entries);
void vg_pfcache_free(struct vg_pfcache *c);
struct vg_pfcache_slot;
/* The values vals[0..nvals) (hash h; key length klen: vals[0]'s length when nvals
 * is 1, else per value 4 bytes plus its length, 0 when absent) of the
 * fields of the owner's unit (one field, or fields cached together;
 * value_cache.c): on a hit, the ids they hold as *n unaligned uint32s, with *slot
 * the slot hit; NULL on a miss, with *slot the slot to fill.  A value is NULL
 * when absent (never when nvals is 1); a unit always passes the same nvals. */
const uint8_t *vg_pfcache_find(struct vg_pfcache *c, const void *owner, uint32_t unit,
                               uint64_t h, const struct vg_value *const *vals,
                               size_t nvals, size_t klen, size_t *n,
                               struct vg_pfcache_slot **slot);
/* As vg_pfcache_find, on one slot only: the slot this unit hit or filled last
 * (NULL: none).  A hit when it still holds the owner's unit with exactly these
 * values (compared whole: the same answer as vg_pfcache_find, without hashing the
 * values or probing a set -- a stream often repeats a unit's values from one event
 * to the next); NULL otherwise. */
const uint8_t *vg_pfcache_last(struct vg_pfcache *c, struct vg_pfcache_slot *slot,
                               const void *owner, uint32_t unit,
                               const struct vg_value *const *vals, size_t nvals,
                               size_t klen, size_t *n);
/* Remember that vals hold ids[0..n) in the slot vg_pfcache_find chose (keys too
 * large for the ring are not kept). */
void vg_pfcache_fill(struct vg_pfcache *c, struct vg_pfcache_slot *slot,
                     const void *owner, uint32_t unit, uint64_t h,
                     const struct vg_value *const *vals, size_t nvals, size_t klen,
                     const uint32_t *ids, size_t n);

/* Rules sharing a logsource, for the index. */
#define VG_LSC_MAX 4
struct vg_lsgroup {
	const struct vg_logsrc *ls;
	size_t *rules;
	size_t n;
	struct vg_prefilter *pf; /* NULL: evaluate every rule */
	/* detect.c (load time): the logsource condition as it applies in this
	 * bucket -- the alternatives the bucket's dataset allows, without their
	 * dataset item (the bucket lookup decided it).  lsc_ok: it is one map of the
	 * items lsc[0..lsc_n) (borrowed from ls->sel), or lsc_never: no alternative
	 * can hold here; !lsc_ok: evaluate ls->sel. */
	bool lsc_ok, lsc_never;
	uint8_t lsc_n;
	const struct vg_fcond *lsc[VG_LSC_MAX];
};
/* detect.c: build the prefilters of every logsource group (load time). */
vg_err vg_index_build(struct vg_ruleset *rs);
void vg_faccel_free(struct vg_faccel *acc);
struct vg_bucket {
	char *dataset; /* NULL for the generic bucket */
	struct vg_lsgroup *groups;
	size_t ngroups;
};

struct vg_ruleset {
	struct vg_rule **rules;
	size_t n;
	size_t ncorr;
	size_t *corr_rules; /* rule index of correlation k */
	struct vg_logsrc **logsrcs;
	size_t nlogsrcs;
	struct vg_bucket *buckets; /* dataset buckets */
	size_t nbuckets;
	size_t *bucket_slots;     /* open addressing: bucket index + 1, 0 = empty */
	size_t nslots;            /* power of two */
	struct vg_bucket generic; /* rules whose logsource does not pin a dataset */
	pcre2_match_context *mctx;
	uint32_t max_ngroup;
	vg_field f_dataset; /* looked up at load time */
	/* fields keywords do not search when Vigil set them (their value is not in
	 * the record's text): vigil.* and the event.* classification (rules.c,
	 * kw_skip_fields) */
	vg_field *kw_skip;
	size_t nkw_skip;
	size_t max_lits; /* most literals of one prefilter (detect.c) */
};

/* detect.c: what matching needs besides the event (per thread) */
struct vg_menv {
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	const vg_field *kw_skip; /* vg_ruleset.kw_skip */
	size_t nkw_skip;
	struct vg_fold *fold; /* NULL: fold while comparing */
	/* the literal index of the rules' group (vg_pattern.lit) with the current
	 * event's literal bits, or NULL: compare the values */
	const struct vg_prefilter *pf;
	struct vg_pfstate *pfs;
};
bool vg_sel_match(const struct vg_sel *sel, const struct vg_event *ev,
                  const struct vg_menv *env);
bool vg_rule_match(const struct vg_rule *rule, const struct vg_event *ev,
                   const struct vg_menv *env);
void vg_pattern_free(struct vg_pattern *p);
void vg_sel_free(struct vg_sel *sel);

/* Match limit for every regex (rules and logsource conditions). */
#define VG_RE_MATCH_LIMIT 100000

#endif
