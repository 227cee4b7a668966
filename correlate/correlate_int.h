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
	pcre2_code *re;   /* RE */
	double num;       /* GT..LTE, EXISTS */
	uint8_t addr[16]; /* CIDR: network, family-sized */
	int family;       /* 4 or 6 */
	int prefix;
	vg_field ref; /* FIELDREF: the other field (shape and cased apply) */
};

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
 * keyword search (message, falling back to the raw record). */
struct vg_fcond {
	vg_field field;
	bool all;   /* values joined with AND instead of OR */
	bool neg;   /* `neq`: the item holds when no value matches */
	uint8_t tp; /* enum vg_tpart: compare a part of a date */
	struct vg_pattern *vals;
	size_t nvals;
	struct vg_faccel *acc; /* long value lists: hashed lookup (detect.c), or NULL */
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
};

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
	char **refs; /* `rules:` as written */
	size_t nrefs;
	size_t *ref_idx;    /* resolved rule indices */
	size_t ncorr_index; /* index among correlation rules */
	/* absence: where the expected events must be relative to the trigger:
	 * 0 after [t, t + span], 1 before [t - span, t], 2 around [t - span, t + span] */
	int expect;
	/* aliases as written: alias name -> (rule ref -> field name) */
	char **alias_names, **alias_rules, **alias_fields;
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
	const struct vg_logsrc *logsrc;
	bool standalone;   /* emits an alert per hit */
	size_t *consumers; /* correlation rule indices that count this rule's hits */
	size_t nconsumers;
	int depth; /* correlation chain depth: 0 detection, 1 + max of its refs */
	/* correlation */
	struct vg_corr *corr;
};

/* Literal prefilter of a logsource group (detect.c).  Every indexed rule has up
 * to VG_MAX_REQ requirements; a requirement is a set of anchors -- (field,
 * literal, shape) items at least one of which holds whenever the rule matches --
 * registered under hashes of the literal.  At event time the event's values are
 * probed under the same hashes; a rule is a candidate only once every one of its
 * requirements had a hit (a conjunction of disjunctions), and only candidates
 * (plus the unindexed rules) are evaluated.  See correlate/DETECTION.md. */
#define VG_MAX_REQ 8
enum vg_probe_kind { VG_PK_EXACT = 1, VG_PK_PREFIX, VG_PK_SUFFIX, VG_PK_GRAM };
#define VG_GRAM 4 /* contains: literals are indexed by their last 4 bytes */
struct vg_probe {
	vg_field field;
	uint8_t kind; /* enum vg_probe_kind */
	uint32_t len; /* PREFIX/SUFFIX: literal length */
};
struct vg_pfslot {
	uint64_t h;     /* 0 = empty */
	uint32_t start; /* into rules */
	uint32_t n;
};
struct vg_pfent {
	uint32_t rule; /* index into the ruleset */
	uint8_t bit;   /* the requirement this anchor satisfies: 1 << k */
	uint8_t need;  /* all the rule's requirement bits */
};
struct vg_prefilter {
	struct vg_probe *probes; /* sorted by field */
	size_t nprobes;
	struct vg_pfslot *slots; /* open addressing, power of two */
	size_t nslots;
	struct vg_pfent *ents; /* per slot: (rule, requirement) pairs */
	size_t *always;        /* rules without anchors: always evaluated */
	size_t nalways;
	uint64_t gram_bits[1024]; /* 65536-bit filter of 4-gram hashes */
	bool has_gram;
};

/* Rules sharing a logsource, for the index. */
struct vg_lsgroup {
	const struct vg_logsrc *ls;
	size_t *rules;
	size_t n;
	struct vg_prefilter *pf; /* NULL: evaluate every rule */
};
/* detect.c: build the prefilters of every logsource group (load time). */
vg_err vg_index_build(struct vg_ruleset *rs);
void vg_prefilter_free(struct vg_prefilter *pf);
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
	vg_field f_message, f_dataset; /* looked up at load time */
};

/* detect.c: what matching needs besides the event (per thread) */
struct vg_fold; /* per-thread cache of lowercased values of the current event */
struct vg_menv {
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	vg_field message;
	struct vg_fold *fold; /* NULL: fold while comparing */
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
