/*
 * features.c - the incident feature vector the ranking model reads.
 *
 * The features of an incident are kept incrementally: a struct vg_feature_state
 * folds each alert and entity once, when the incident gains it (alerts and
 * entities only ever append, merges included), and vg_features_update reads
 * VG_FEATURE_COUNT floats out of it, in the order and with the meaning documented
 * in schemas/features.yaml (a unit test checks the names against that file).
 * vg_features_compute is the same fold from an empty state.  Changing the list or
 * the order means a new model: vg_model_load_* refuses a model whose feature
 * count or names differ.
 *
 * Invariants:
 *  - A fold costs O(its tags + fields) plus, for an alert older than the ones
 *    before it, moving the later starts; reading is O(distinct hosts).  The state
 *    holds hash sets that grow with the distinct values (saturating at
 *    VG_FEATURE_DISTINCT_MAX), one start time per alert, and one record per host
 *    and per source key.
 *  - The result does not depend on the order the alerts were folded in (sets
 *    saturate by count, sums are exact integers, order-dependent features use
 *    (first_ts, id)), so an incident restored from the store, folded at once,
 *    reads the same as the one that grew alert by alert.
 *  - Nothing depends on absolute time (no hour of day, no date): only durations
 *    and order inside the incident, so a model cannot learn when an attack in the
 *    training data happened.  No clock is read.
 */
#include "models_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum feature {
	F_ALERT_COUNT,
	F_EVENTS_LOG1P,
	F_DISTINCT_RULES,
	F_DISTINCT_CORRELATION_RULES,
	F_MAX_LEVEL,
	F_MEAN_LEVEL,
	F_HIGH_CRITICAL_ALERTS,
	F_MAX_ALERT_EVENTS_LOG1P,
	F_DISTINCT_TACTICS,
	F_DISTINCT_TECHNIQUES,
	F_KILL_CHAIN_SPAN,
	F_HAS_PRIVILEGE_ESCALATION,
	F_HAS_CREDENTIAL_ACCESS,
	F_HAS_LATERAL_MOVEMENT,
	F_HAS_EXECUTION,
	F_DISTINCT_HOSTS,
	F_DISTINCT_USERS,
	F_DISTINCT_PROCESSES,
	F_DISTINCT_SOURCE_IPS,
	F_DISTINCT_DESTINATION_IPS,
	F_EXTERNAL_SOURCE_IP,
	F_EXTERNAL_DESTINATION_IP,
	F_DURATION_LOG1P,
	F_ALERTS_PER_MINUTE,
	F_SUCCESS_AFTER_FAILURE,
	F_BURSTINESS_LOG1P,
	F_ARRIVAL_REGULARITY,
	F_NOVEL_ALERT_SHARE,
	F_LATERAL_HOSTS,
	F_SIGNATURE_RECURRENCE_LOG1P,
	F_SIGNATURE_HOSTS,
	F_NETWORK_NOVELTY,
	F_NOVEL_PAIR_AFTER_WARMUP,
	F_HOST_NEIGHBOURS,
	F_HOST_PRIOR_NOVELTIES,
	F_COUNT_
};

_Static_assert(F_COUNT_ == VG_FEATURE_COUNT, "VG_FEATURE_COUNT out of step");

static const char *const feature_names[VG_FEATURE_COUNT] = {
    [F_ALERT_COUNT] = "alert_count",
    [F_EVENTS_LOG1P] = "events_log1p",
    [F_DISTINCT_RULES] = "distinct_rules",
    [F_DISTINCT_CORRELATION_RULES] = "distinct_correlation_rules",
    [F_MAX_LEVEL] = "max_level",
    [F_MEAN_LEVEL] = "mean_level",
    [F_HIGH_CRITICAL_ALERTS] = "high_critical_alerts",
    [F_MAX_ALERT_EVENTS_LOG1P] = "max_alert_events_log1p",
    [F_DISTINCT_TACTICS] = "distinct_tactics",
    [F_DISTINCT_TECHNIQUES] = "distinct_techniques",
    [F_KILL_CHAIN_SPAN] = "kill_chain_span",
    [F_HAS_PRIVILEGE_ESCALATION] = "has_privilege_escalation",
    [F_HAS_CREDENTIAL_ACCESS] = "has_credential_access",
    [F_HAS_LATERAL_MOVEMENT] = "has_lateral_movement",
    [F_HAS_EXECUTION] = "has_execution",
    [F_DISTINCT_HOSTS] = "distinct_hosts",
    [F_DISTINCT_USERS] = "distinct_users",
    [F_DISTINCT_PROCESSES] = "distinct_processes",
    [F_DISTINCT_SOURCE_IPS] = "distinct_source_ips",
    [F_DISTINCT_DESTINATION_IPS] = "distinct_destination_ips",
    [F_EXTERNAL_SOURCE_IP] = "external_source_ip",
    [F_EXTERNAL_DESTINATION_IP] = "external_destination_ip",
    [F_DURATION_LOG1P] = "duration_log1p",
    [F_ALERTS_PER_MINUTE] = "alerts_per_minute",
    [F_SUCCESS_AFTER_FAILURE] = "success_after_failure",
    [F_BURSTINESS_LOG1P] = "burstiness_log1p",
    [F_ARRIVAL_REGULARITY] = "arrival_regularity",
    [F_NOVEL_ALERT_SHARE] = "novel_alert_share",
    [F_SIGNATURE_RECURRENCE_LOG1P] = "signature_recurrence_log1p",
    [F_SIGNATURE_HOSTS] = "signature_hosts",
    [F_LATERAL_HOSTS] = "lateral_hosts",
    [F_NETWORK_NOVELTY] = "network_novelty",
    [F_NOVEL_PAIR_AFTER_WARMUP] = "novel_pair_after_warmup",
    [F_HOST_NEIGHBOURS] = "host_neighbours",
    [F_HOST_PRIOR_NOVELTIES] = "host_prior_novelties",
};

/* Training priors (schemas/features.yaml `monotone: increasing`): +1 where a
 * larger value, all else equal, must never lower the score; 0 unconstrained. */
static const signed char feature_monotone[VG_FEATURE_COUNT] = {
    [F_NETWORK_NOVELTY] = 1,
    [F_NOVEL_PAIR_AFTER_WARMUP] = 1,
    [F_HOST_NEIGHBOURS] = 1,
    [F_HOST_PRIOR_NOVELTIES] = 1,
};

enum {
	T_INITIAL_ACCESS = 2,
	T_EXECUTION = 3,
	T_PRIVILEGE_ESCALATION = 5,
	T_CREDENTIAL_ACCESS = 7,
	T_LATERAL_MOVEMENT = 9,
};

size_t vg_feature_count(void)
{
	return VG_FEATURE_COUNT;
}

const char *vg_feature_name(size_t i)
{
	return i < VG_FEATURE_COUNT ? feature_names[i] : NULL;
}

int vg_feature_monotone(size_t i)
{
	return i < VG_FEATURE_COUNT ? feature_monotone[i] : 0;
}

size_t vg_feature_index(const char *name)
{
	for (size_t i = 0; i < VG_FEATURE_COUNT; i++)
		if (strcmp(feature_names[i], name) == 0)
			return i;
	return SIZE_MAX;
}

/* ------------------------------------------------------------------ state */

/* A set of 64-bit hashes (0 = an empty slot) that grows by doubling and stops
 * taking values at VG_FEATURE_DISTINCT_MAX, so its count is min(distinct values,
 * the cap) whatever order the values come in. */
struct hset {
	uint64_t *slot;
	uint32_t cap, n; /* cap: 0 or a power of two */
};

/* A record of a hash-keyed table: a host and its first alert, or a source key
 * (an address or an account) and the first alert carrying it. */
struct hrec {
	uint64_t h;        /* 0 = an empty slot */
	uint32_t alert;    /* index into the incident's alerts */
	uint64_t ip, user; /* hosts: the source keys of that alert (0 = none) */
};

struct hmap {
	struct hrec *slot;
	uint32_t cap, n; /* cap: 0 or a power of two */
};

/* An alert by its first_ts and index; ts VG_TIME_NONE = none. */
struct when {
	vg_time ts;
	size_t idx;
};

__extension__ typedef unsigned __int128 u128;

/* Gaps between alert starts are capped here (about 8.9 years) so the sums of
 * their squares cannot overflow 128 bits below 2^31 alerts. */
#define GAP_MAX ((uint64_t)1 << 48)

struct vg_feature_state {
	/* folded so far: alerts[0 .. nalerts) and entities[0 .. nentities) of the
	 * incident; last_id is the id of alerts[nalerts - 1], a check that the
	 * incident only grew since */
	size_t nalerts, nentities;
	char last_id[sizeof(((struct vg_incident_alert *)0)->id)];

	uint64_t events, max_events;
	uint32_t high, tactic_mask, novel;
	int max_level;
	double level_sum, burst;
	/* success_after_failure: the two earliest brute-force correlation alerts
	 * and the two latest success alerts */
	struct when bf[2], success[2];
	bool ext_src, ext_dst;
	struct hset rules, correlation_rules, techniques, hosts, users, processes,
	    source_ips, destination_ips;
	/* arrival_regularity: the alerts' first_ts in order, and the sums of the
	 * gaps between neighbours and of their squares (each gap capped, GAP_MAX) */
	vg_time *starts;
	size_t nstarts, starts_cap;
	u128 gap_sum, gap_sq;
	/* lateral_hosts: each host's first alert, each source key's first alert */
	struct hmap host_first, key_first;
};

static uint64_t hash_of(const char *s, size_t len, uint64_t seed)
{
	uint64_t h = vg_hash64(s, len, seed);
	return h ? h : 1;
}

#define SEED_VALUE 0x76676665u
#define SEED_HOST  0x686f7374u
#define SEED_IP    0x69707669u
#define SEED_USER  0x75736572u

/* @return true when a table of cap slots holding n values must grow before it
 * takes one more: it would be filled past three quarters. */
static bool table_full(uint32_t cap, uint32_t n)
{
	return !cap || (n + 1) * 4 > cap * 3;
}

/* Slots a table starts with: most incidents have one host, one source, one rule. */
#define TABLE_FIRST 2

/* @return a table twice the size of old's cap slots of `size` bytes (TABLE_FIRST
 * when cap is 0) holding old's values, re-placed by key(slot) (0 = empty); NULL when out
 * of memory.  The caller frees old. */
static void *table_grown(const void *old, uint32_t cap, size_t size,
                         uint64_t (*key)(const void *))
{
	uint32_t ncap = cap ? cap * 2 : TABLE_FIRST;
	unsigned char *ns = calloc(ncap, size);
	const unsigned char *from = old;
	if (!ns)
		return NULL;
	for (uint32_t i = 0; i < cap; i++) {
		uint64_t h = key(from + i * size);
		if (!h)
			continue;
		uint32_t j = (uint32_t)h & (ncap - 1);
		while (key(ns + j * size))
			j = (j + 1) & (ncap - 1);
		memcpy(ns + j * size, from + i * size, size);
	}
	return ns;
}

static uint64_t hset_key(const void *slot)
{
	return *(const uint64_t *)slot;
}

static uint64_t hrec_key(const void *slot)
{
	return ((const struct hrec *)slot)->h;
}

/* Add hash h.  @return false when out of memory. */
static bool hset_add(struct hset *s, uint64_t h)
{
	if (s->n >= VG_FEATURE_DISTINCT_MAX)
		return true;
	if (table_full(s->cap, s->n)) {
		uint64_t *ns = table_grown(s->slot, s->cap, sizeof(*ns), hset_key);
		if (!ns)
			return false;
		free(s->slot);
		s->slot = ns;
		s->cap = s->cap ? s->cap * 2 : TABLE_FIRST;
	}
	for (uint32_t i = (uint32_t)h & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		if (s->slot[i] == h)
			return true;
		if (s->slot[i] == 0) {
			s->slot[i] = h;
			s->n++;
			return true;
		}
	}
}

/* Add a value other than "" (NULL and "" are no value).  @return false when out
 * of memory. */
static bool hset_add_str(struct hset *s, const char *str)
{
	if (!str || !*str)
		return true;
	return hset_add(s, hash_of(str, strlen(str), SEED_VALUE));
}

/* @return the record of h, or NULL. */
static struct hrec *hmap_get(const struct hmap *m, uint64_t h)
{
	if (!m->cap)
		return NULL;
	for (uint32_t i = (uint32_t)h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (m->slot[i].h == h)
			return &m->slot[i];
		if (m->slot[i].h == 0)
			return NULL;
	}
}

/* @return the record of h, a new one (alert UINT32_MAX) when absent, or NULL when
 * out of memory. */
static struct hrec *hmap_put(struct hmap *m, uint64_t h)
{
	struct hrec *r = hmap_get(m, h);
	if (r)
		return r;
	if (table_full(m->cap, m->n)) {
		struct hrec *ns = table_grown(m->slot, m->cap, sizeof(*ns), hrec_key);
		if (!ns)
			return NULL;
		free(m->slot);
		m->slot = ns;
		m->cap = m->cap ? m->cap * 2 : TABLE_FIRST;
	}
	uint32_t i = (uint32_t)h & (m->cap - 1);
	while (m->slot[i].h)
		i = (i + 1) & (m->cap - 1);
	m->slot[i] = (struct hrec){.h = h, .alert = UINT32_MAX};
	m->n++;
	return &m->slot[i];
}

static void state_reset(struct vg_feature_state *s)
{
	free(s->rules.slot);
	free(s->correlation_rules.slot);
	free(s->techniques.slot);
	free(s->hosts.slot);
	free(s->users.slot);
	free(s->processes.slot);
	free(s->source_ips.slot);
	free(s->destination_ips.slot);
	free(s->starts);
	free(s->host_first.slot);
	free(s->key_first.slot);
	memset(s, 0, sizeof(*s));
	s->bf[0].ts = s->bf[1].ts = VG_TIME_NONE;
	s->success[0].ts = s->success[1].ts = VG_TIME_NONE;
}

struct vg_feature_state *vg_feature_state_new(void)
{
	struct vg_feature_state *s = calloc(1, sizeof(*s));
	if (s)
		state_reset(s);
	return s;
}

void vg_feature_state_free(void *state)
{
	struct vg_feature_state *s = state;
	if (!s)
		return;
	state_reset(s);
	free(s);
}

/* ------------------------------------------------------------------- tags */

/* @return the part after "attack." or NULL. */
static const char *attack_tag(const char *tag)
{
	if (!tag || strncasecmp(tag, "attack.", 7) != 0)
		return NULL;
	return tag + 7;
}

/* @return the tactic index of the part after "attack.", or -1. */
static int tactic_index(const char *rest)
{
	return vg_attack_tactic(rest, strlen(rest));
}

/* @return true when rest is a technique "tNNNN" or sub-technique "tNNNN.NNN". */
static bool is_technique(const char *rest)
{
	return vg_attack_technique_id(rest, strlen(rest));
}

/* @return true when rest names technique "tNNNN" itself or one of its
 * sub-techniques ("t1110.001" matches "t1110"). */
static bool technique_is(const char *rest, const char *id)
{
	return is_technique(rest) && strncasecmp(rest, id, 5) == 0;
}

/* ---------------------------------------------------------------- folding */

/* An address value other than "" and the placeholder "-", into v (size bytes) in
 * its canonical text when it is an IP address, else as written (cut to fit). */
static bool any_address(const char *value, char *v, size_t size)
{
	if (!value[0] || !strcmp(value, "-"))
		return false;
	vg_ip_text(value, strlen(value), v, size);
	return true;
}

/* @return true when alert i comes before alert j in (first_ts, id) order. */
static bool earlier(const struct vg_incident *inc, size_t i, size_t j)
{
	const struct vg_incident_alert *a = &inc->alerts[i], *b = &inc->alerts[j];
	if (a->first_ts != b->first_ts)
		return a->first_ts < b->first_ts;
	return strcmp(a->id, b->id) < 0;
}

/* The alert's signature: a third-party alert counts by its own detector's
 * (rule.id, else rule.name), since one Vigil rule ingests them all. */
static const char *signature(const struct vg_incident_alert *al)
{
	for (size_t f = 0; f < al->nfields; f++)
		if (!strcmp(al->fields[f].name, "rule.id") && al->fields[f].value[0])
			return al->fields[f].value;
	for (size_t f = 0; f < al->nfields; f++)
		if (!strcmp(al->fields[f].name, "rule.name") && al->fields[f].value[0])
			return al->fields[f].value;
	return al->rule_id;
}

/* Tags: the tactics, techniques (by parent id: t1110.001 and t1110 are one), and
 * whether the alert is brute force (t1110) or a success (t1078, initial access).
 * @return false when out of memory. */
static bool fold_tags(struct vg_feature_state *s, const struct vg_incident_alert *al,
                      bool *brute, bool *success)
{
	bool ok = true;
	for (size_t t = 0; t < al->ntags; t++) {
		const char *rest = attack_tag(al->tags[t]);
		if (!rest)
			continue;
		int ti = tactic_index(rest);
		if (ti >= 0)
			s->tactic_mask |= 1u << ti;
		if (ti == T_INITIAL_ACCESS)
			*success = true;
		if (!is_technique(rest))
			continue;
		if (technique_is(rest, "t1110"))
			*brute = true;
		if (technique_is(rest, "t1078"))
			*success = true;
		char id[6] = {'t', rest[1], rest[2], rest[3], rest[4], '\0'};
		ok &= hset_add_str(&s->techniques, id);
	}
	return ok;
}

/* The two earliest (keep_latest false) or latest alerts, ties to the first folded. */
static void keep_two(struct when w[2], vg_time ts, size_t idx, bool keep_latest)
{
	bool better0 =
	    w[0].ts == VG_TIME_NONE || (keep_latest ? ts > w[0].ts : ts < w[0].ts);
	if (better0) {
		w[1] = w[0];
		w[0] = (struct when){ts, idx};
	} else if (w[1].ts == VG_TIME_NONE ||
	           (keep_latest ? ts > w[1].ts : ts < w[1].ts)) {
		w[1] = (struct when){ts, idx};
	}
}

/* Addresses in the fields called source.ip and destination.ip, each by its
 * canonical text (::ffff:203.0.113.7 is 203.0.113.7), tested for being external;
 * not empty values nor the placeholder "-", and for sources not an address local
 * to every host.  Read from the fields rather than the ip entities because only
 * the field name says the role; the assembler makes its ip entities from
 * source.ip the same way (vg_entity_canonical), so distinct_source_ips equals the
 * number of ip entities (of the detailed alerts).  The alert's source address as
 * fold_lateral reads it (the first non-empty source.ip, vg_kv_get's) goes to
 * first_src in the same canonical text, "" when it names nobody.  @return false
 * when out of memory. */
static bool fold_addresses(struct vg_feature_state *s, const struct vg_incident_alert *al,
                           char first_src[VG_ENTITY_VALUE_MAX])
{
	char v[VG_ENTITY_VALUE_MAX];
	bool ok = true, first = true;
	first_src[0] = '\0';
	for (size_t f = 0; f < al->nfields; f++) {
		const struct vg_kv *kv = &al->fields[f];
		if (!kv->name || !kv->value)
			continue;
		bool src = !strcmp(kv->name, "source.ip");
		bool was_first = src && first && kv->value[0];
		if (was_first)
			first = false;
		if (src ? !vg_entity_canonical(VG_ENT_IP, kv->value, v, sizeof(v))
		        : strcmp(kv->name, "destination.ip") != 0 ||
		              !any_address(kv->value, v, sizeof(v)))
			continue;
		if (was_first)
			memcpy(first_src, v, strlen(v) + 1);
		ok &= hset_add_str(src ? &s->source_ips : &s->destination_ips, v);
		bool *ext = src ? &s->ext_src : &s->ext_dst;
		if (!*ext && vg_ip_classify(v, strlen(v)) == 1)
			*ext = true;
	}
	return ok;
}

/* The gap from start a to a later start b, capped at GAP_MAX. */
static u128 gap(vg_time a, vg_time b)
{
	uint64_t g = (uint64_t)b - (uint64_t)a; /* exact: b >= a */
	return g < GAP_MAX ? g : GAP_MAX;
}

/* Insert alert start ts into the ordered starts, keeping the gap sums. */
static bool fold_start(struct vg_feature_state *s, vg_time ts)
{
	if (s->nstarts == s->starts_cap) {
		size_t ncap = s->starts_cap ? s->starts_cap * 2 : 2;
		vg_time *ns = realloc(s->starts, ncap * sizeof(*ns));
		if (!ns)
			return false;
		s->starts = ns;
		s->starts_cap = ncap;
	}
	size_t lo = 0, hi = s->nstarts; /* the first start after ts */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->starts[mid] <= ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0 && lo < s->nstarts) { /* the gap it splits */
		u128 g = gap(s->starts[lo - 1], s->starts[lo]);
		s->gap_sum -= g;
		s->gap_sq -= g * g;
	}
	if (lo > 0) {
		u128 g = gap(s->starts[lo - 1], ts);
		s->gap_sum += g;
		s->gap_sq += g * g;
	}
	if (lo < s->nstarts) {
		u128 g = gap(ts, s->starts[lo]);
		s->gap_sum += g;
		s->gap_sq += g * g;
	}
	memmove(s->starts + lo + 1, s->starts + lo,
	        (s->nstarts - lo) * sizeof(*s->starts));
	s->starts[lo] = ts;
	s->nstarts++;
	return true;
}

/* Record alert i as the first of a key (or host) when it is the earliest so far. */
static struct hrec *first_of(struct hmap *m, const struct vg_incident *inc, uint64_t h,
                             size_t i, bool *now_first)
{
	struct hrec *r = hmap_put(m, h);
	*now_first = false;
	if (r && (r->alert == UINT32_MAX || earlier(inc, i, r->alert))) {
		r->alert = (uint32_t)i;
		*now_first = true;
	}
	return r;
}

/* The host of alert i and its source keys (address, account), for lateral_hosts;
 * src_ip is its source address in canonical text (fold_addresses), "" for none. */
static bool fold_lateral(struct vg_feature_state *s, const struct vg_incident *inc,
                         size_t i, const char *src_ip)
{
	const struct vg_incident_alert *a = &inc->alerts[i];
	const char *host = vg_kv_get(a->fields, a->nfields, "host.name");
	const char *user = vg_alert_account(a->fields, a->nfields);
	uint64_t k_ip = 0, k_user = 0;
	bool first;
	/* "-" and 127.0.0.1 name nobody; ::ffff:a.b.c.d is a.b.c.d */
	if (src_ip[0]) {
		k_ip = hash_of(src_ip, strlen(src_ip), SEED_IP);
		if (!first_of(&s->key_first, inc, k_ip, i, &first))
			return false;
	}
	if (user && *user) {
		k_user = hash_of(user, strlen(user), SEED_USER);
		if (!first_of(&s->key_first, inc, k_user, i, &first))
			return false;
	}
	if (host && *host) {
		struct hrec *r =
		    first_of(&s->host_first, inc, hash_of(host, strlen(host), SEED_HOST),
		             i, &first);
		if (!r)
			return false;
		if (first) {
			r->ip = k_ip;
			r->user = k_user;
		}
	}
	return true;
}

/* Fold alert i of inc into s.  @return false when out of memory. */
static bool fold_alert(struct vg_feature_state *s, const struct vg_incident *inc,
                       size_t i)
{
	const struct vg_incident_alert *al = &inc->alerts[i];
	int level = (int)al->level;
	bool brute = false, success = false, ok = true;

	s->events += al->event_count;
	if (al->event_count > s->max_events)
		s->max_events = al->event_count;
	if (level > s->max_level)
		s->max_level = level;
	s->level_sum += level;
	if (level >= VG_LEVEL_HIGH)
		s->high++;
	s->novel += al->novel;
	/* burstiness: the densest single alert, events per minute of its own span */
	double span = al->last_ts > al->first_ts ? (double)(al->last_ts - al->first_ts) /
	                                               (60.0 * (double)VG_USEC_PER_SEC)
	                                         : 0.0;
	double rate = (double)al->event_count / (span > 1.0 ? span : 1.0);
	if (rate > s->burst)
		s->burst = rate;

	ok &= fold_tags(s, al, &brute, &success);
	if (brute && al->is_correlation)
		keep_two(s->bf, al->first_ts, i, false);
	if (success)
		keep_two(s->success, al->first_ts, i, true);
	ok &= hset_add_str(&s->rules, signature(al));
	if (al->is_correlation)
		ok &= hset_add_str(&s->correlation_rules, al->rule_id);
	char src_ip[VG_ENTITY_VALUE_MAX];
	ok &= fold_addresses(s, al, src_ip);
	ok &= fold_start(s, al->first_ts);
	ok &= fold_lateral(s, inc, i, src_ip);
	return ok;
}

static bool fold_entity(struct vg_feature_state *s, const struct vg_entity *e)
{
	switch (e->type) {
	case VG_ENT_HOST: return hset_add_str(&s->hosts, e->value);
	case VG_ENT_USER: return hset_add_str(&s->users, e->value);
	case VG_ENT_PROCESS: return hset_add_str(&s->processes, e->value);
	default: return true;
	}
}

/* ---------------------------------------------------------------- reading */

/* success_after_failure: a success alert at or after the start of a brute-force
 * correlation alert, the two being different alerts.  The latest two successes
 * settle it: one of them is not the earliest brute-force alert. */
static bool success_after_failure(const struct vg_feature_state *s)
{
	for (int k = 0; k < 2; k++) {
		const struct when *w = &s->success[k];
		if (w->ts == VG_TIME_NONE)
			break;
		vg_time before = w->idx == s->bf[0].idx && s->bf[0].ts != VG_TIME_NONE
		                     ? s->bf[1].ts
		                     : s->bf[0].ts;
		if (before != VG_TIME_NONE && w->ts >= before)
			return true;
	}
	return false;
}

/* arrival_regularity: 1 - min(1, CV of the gaps between alert starts), with at
 * least three gaps; 0 otherwise (no evidence either way).  With k gaps summing
 * to S and their squares to Q, CV^2 = k Q / S^2 - 1. */
static float arrival_regularity(const struct vg_feature_state *s)
{
	if (s->nstarts < 4 || s->gap_sum == 0)
		return 0.0f;
	double k = (double)(s->nstarts - 1), sum = (double)s->gap_sum;
	double cv2 = k * (double)s->gap_sq / (sum * sum) - 1.0;
	double cv = sqrt(cv2 > 0 ? cv2 : 0);
	return (float)(1.0 - (cv < 1.0 ? cv : 1.0));
}

/* lateral_hosts: hosts other than the first whose first alert carries a source
 * key (address or account) that an earlier alert carried. */
static float lateral_hosts(const struct vg_feature_state *s,
                           const struct vg_incident *inc)
{
	const struct hrec *first_host = NULL;
	for (uint32_t i = 0; i < s->host_first.cap; i++) {
		const struct hrec *r = &s->host_first.slot[i];
		if (r->h && (!first_host || earlier(inc, r->alert, first_host->alert)))
			first_host = r;
	}
	uint32_t lateral = 0;
	for (uint32_t i = 0; i < s->host_first.cap; i++) {
		const struct hrec *r = &s->host_first.slot[i];
		if (!r->h || r == first_host)
			continue;
		const struct hrec *ip = r->ip ? hmap_get(&s->key_first, r->ip) : NULL,
		                  *user =
		                      r->user ? hmap_get(&s->key_first, r->user) : NULL;
		if ((ip && ip->alert != r->alert) || (user && user->alert != r->alert))
			lateral++;
	}
	return (float)lateral;
}

static double log1p_u64(uint64_t v)
{
	return log1p((double)v);
}

static void features_read(const struct vg_feature_state *s, const struct vg_incident *inc,
                          float *out)
{
	for (size_t i = 0; i < VG_FEATURE_COUNT; i++)
		out[i] = 0.0f;

	/* the alerts past max_alerts_kept count too: only their details are gone */
	uint64_t total = inc->nalerts + inc->alerts_dropped;
	out[F_ALERT_COUNT] = (float)total;
	out[F_EVENTS_LOG1P] = (float)log1p_u64(s->events + inc->events_dropped);
	out[F_MAX_LEVEL] = (float)s->max_level;
	out[F_MEAN_LEVEL] =
	    inc->nalerts ? (float)(s->level_sum / (double)inc->nalerts) : 0.0f;
	out[F_HIGH_CRITICAL_ALERTS] = (float)s->high;
	out[F_MAX_ALERT_EVENTS_LOG1P] = (float)log1p_u64(s->max_events);

	int lo = -1, hi = -1, ntactics = 0;
	for (int t = 0; t < (int)VG_TACTIC_COUNT; t++) {
		if (!(s->tactic_mask & (1u << t)))
			continue;
		if (lo < 0)
			lo = t;
		hi = t;
		ntactics++;
	}
	out[F_DISTINCT_TACTICS] = (float)ntactics;
	out[F_KILL_CHAIN_SPAN] = lo < 0 ? 0.0f : (float)(hi - lo);
	out[F_HAS_PRIVILEGE_ESCALATION] = (s->tactic_mask >> T_PRIVILEGE_ESCALATION) & 1u;
	out[F_HAS_CREDENTIAL_ACCESS] = (s->tactic_mask >> T_CREDENTIAL_ACCESS) & 1u;
	out[F_HAS_LATERAL_MOVEMENT] = (s->tactic_mask >> T_LATERAL_MOVEMENT) & 1u;
	out[F_HAS_EXECUTION] = (s->tactic_mask >> T_EXECUTION) & 1u;
	out[F_SUCCESS_AFTER_FAILURE] = success_after_failure(s) ? 1.0f : 0.0f;

	out[F_DISTINCT_RULES] = (float)s->rules.n;
	out[F_DISTINCT_CORRELATION_RULES] = (float)s->correlation_rules.n;
	out[F_DISTINCT_TECHNIQUES] = (float)s->techniques.n;
	out[F_DISTINCT_HOSTS] = (float)s->hosts.n;
	out[F_DISTINCT_USERS] = (float)s->users.n;
	out[F_DISTINCT_PROCESSES] = (float)s->processes.n;
	out[F_DISTINCT_SOURCE_IPS] = (float)s->source_ips.n;
	out[F_DISTINCT_DESTINATION_IPS] = (float)s->destination_ips.n;
	out[F_EXTERNAL_SOURCE_IP] = s->ext_src ? 1.0f : 0.0f;
	out[F_EXTERNAL_DESTINATION_IP] = s->ext_dst ? 1.0f : 0.0f;

	double seconds = 0;
	if (inc->first_ts != VG_TIME_NONE && inc->last_ts != VG_TIME_NONE &&
	    inc->last_ts > inc->first_ts)
		seconds =
		    (double)(inc->last_ts - inc->first_ts) / (double)VG_USEC_PER_SEC;
	out[F_DURATION_LOG1P] = (float)log1p(seconds);
	double minutes = seconds / 60.0;
	out[F_ALERTS_PER_MINUTE] =
	    (float)((double)total / (minutes > 1.0 ? minutes : 1.0));

	/* third-party signatures' stream statistics, kept by the assembler */
	out[F_SIGNATURE_RECURRENCE_LOG1P] =
	    inc->has_sig ? (float)log1p((double)inc->sig_runs_min) : 0.0f;
	out[F_SIGNATURE_HOSTS] = inc->has_sig ? (float)inc->sig_hosts_max : 0.0f;
	/* novelties across the network around it, kept by the assembler */
	out[F_NETWORK_NOVELTY] = (float)inc->network_novelty;
	out[F_NOVEL_PAIR_AFTER_WARMUP] = inc->novel_pair ? 1.0f : 0.0f;
	out[F_HOST_NEIGHBOURS] = (float)inc->host_neighbours;
	/* novelties on its host in the hours before it, kept by the assembler */
	out[F_HOST_PRIOR_NOVELTIES] = (float)inc->host_prior_novelties;
	out[F_BURSTINESS_LOG1P] = (float)log1p(s->burst);
	out[F_NOVEL_ALERT_SHARE] =
	    inc->nalerts ? (float)((double)s->novel / (double)inc->nalerts) : 0.0f;
	out[F_ARRIVAL_REGULARITY] = arrival_regularity(s);
	out[F_LATERAL_HOSTS] = lateral_hosts(s, inc);
}

vg_err vg_features_update(struct vg_feature_state *s, const struct vg_incident *inc,
                          float *out)
{
	/* an incident only grows; anything else (a caller's mistake) starts over */
	if (s->nalerts > inc->nalerts || s->nentities > inc->nentities ||
	    (s->nalerts && strcmp(s->last_id, inc->alerts[s->nalerts - 1].id) != 0))
		state_reset(s);
	bool ok = true;
	for (; s->nalerts < inc->nalerts && ok; s->nalerts++)
		ok = fold_alert(s, inc, s->nalerts);
	for (; s->nentities < inc->nentities && ok; s->nentities++)
		ok = fold_entity(s, &inc->entities[s->nentities]);
	if (!ok) {
		state_reset(s); /* a half-folded alert would be folded twice */
		return VG_ERR_NOMEM;
	}
	if (s->nalerts)
		memcpy(s->last_id, inc->alerts[s->nalerts - 1].id, sizeof(s->last_id));
	features_read(s, inc, out);
	return VG_OK;
}

vg_err vg_features_of_open_incident(struct vg_incident *inc, float *out)
{
	if (!inc->caller_state) {
		if (!(inc->caller_state = vg_feature_state_new()))
			return VG_ERR_NOMEM;
		inc->caller_state_free = vg_feature_state_free;
	}
	return vg_features_update(inc->caller_state, inc, out);
}

vg_err vg_features_compute(const struct vg_incident *inc, float *out)
{
	struct vg_feature_state s;
	memset(&s, 0, sizeof(s));
	state_reset(&s);
	vg_err err = vg_features_update(&s, inc, out);
	state_reset(&s);
	return err;
}
