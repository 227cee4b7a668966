/*
 * features.c - the incident feature vector the ranking model reads.
 *
 * vg_features_compute turns a struct vg_incident into VG_FEATURE_COUNT floats, in
 * the order and with the meaning documented in schemas/features.yaml (a unit test
 * checks the names against that file).  Changing the list or the order means a new
 * model: vg_model_load_* refuses a model whose feature count or names differ.
 *
 * Invariants:
 *  - No allocation and no clock: distinct counts use a fixed stack hash set of
 *    64-bit hashes (saturating at VG_FEATURE_DISTINCT_MAX), everything else is one
 *    pass over the alerts, their tags and fields, and the entities.
 *  - Nothing depends on absolute time (no hour of day, no date): only durations
 *    and order inside the incident, so a model cannot learn when an attack in the
 *    training data happened.
 *  - Deterministic: the same incident always gives the same bytes.
 */
#include "models_int.h"

#include <math.h>
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
};

/* Training priors (schemas/features.yaml `monotone: increasing`): +1 where a
 * larger value, all else equal, must never lower the score; 0 unconstrained. */
static const signed char feature_monotone[VG_FEATURE_COUNT] = {
    [F_NETWORK_NOVELTY] = 1,
    [F_NOVEL_PAIR_AFTER_WARMUP] = 1,
    [F_HOST_NEIGHBOURS] = 1,
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

/* ------------------------------------------------------ fixed distinct set */

#define DSET_SLOTS 1024 /* power of two; load factor stays <= 0.75 */
_Static_assert(VG_FEATURE_DISTINCT_MAX * 4 <= DSET_SLOTS * 3, "set too small");

struct dset {
	uint64_t slot[DSET_SLOTS]; /* 0 = empty */
	uint32_t n;
};

static void dset_clear(struct dset *s)
{
	memset(s->slot, 0, sizeof(s->slot));
	s->n = 0;
}

static void dset_add(struct dset *s, const char *str)
{
	if (!str || !*str || s->n >= VG_FEATURE_DISTINCT_MAX)
		return;
	uint64_t h = vg_hash64(str, strlen(str), 0x76676665u);
	if (h == 0)
		h = 1;
	for (size_t i = (size_t)h & (DSET_SLOTS - 1);; i = (i + 1) & (DSET_SLOTS - 1)) {
		if (s->slot[i] == h)
			return;
		if (s->slot[i] == 0) {
			s->slot[i] = h;
			s->n++;
			return;
		}
	}
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

/* --------------------------------------------------------------- features */

static double log1p_u64(uint64_t v)
{
	return log1p((double)v);
}

/* An address value other than "" and the placeholder "-", into v (size bytes) in
 * its canonical text when it is an IP address, else as written (cut to fit). */
static bool any_address(const char *value, char *v, size_t size)
{
	if (!value[0] || !strcmp(value, "-"))
		return false;
	vg_ip_text(value, strlen(value), v, size);
	return true;
}

/* Count distinct addresses in the alert fields called `name`, each by its canonical
 * text (::ffff:203.0.113.7 is 203.0.113.7), and test them for being external when
 * ext is not NULL; not empty values nor the placeholder "-", and unless
 * keep_host_local, not an address local to every host.  Addresses are read from
 * the alert fields rather than the ip entities because only the field name says
 * the role (source or destination); the assembler makes its ip entities from
 * source.ip the same way (vg_entity_canonical), so distinct_source_ips equals the
 * number of ip entities (of the detailed alerts). */
static uint32_t distinct_field_values(const struct vg_incident *inc, const char *name,
                                      bool keep_host_local, struct dset *set, bool *ext)
{
	char v[VG_ENTITY_VALUE_MAX];
	dset_clear(set);
	for (size_t i = 0; i < inc->nalerts; i++) {
		const struct vg_incident_alert *al = &inc->alerts[i];
		for (size_t f = 0; f < al->nfields; f++) {
			const struct vg_kv *kv = &al->fields[f];
			if (!kv->name || !kv->value || strcmp(kv->name, name) != 0)
				continue;
			if (!(keep_host_local ? any_address(kv->value, v, sizeof(v))
			                      : vg_entity_canonical(VG_ENT_IP, kv->value,
			                                            v, sizeof(v))))
				continue;
			dset_add(set, v);
			if (ext && !*ext && vg_ip_classify(v, strlen(v)) == 1)
				*ext = true;
		}
	}
	return set->n;
}

static uint32_t distinct_entities(const struct vg_incident *inc, enum vg_entity_type type,
                                  struct dset *set)
{
	dset_clear(set);
	for (size_t i = 0; i < inc->nentities; i++)
		if (inc->entities[i].type == type)
			dset_add(set, inc->entities[i].value);
	return set->n;
}

static const char *field_of(const struct vg_incident_alert *al, const char *name)
{
	return vg_kv_get(al->fields, al->nfields, name);
}

/* Alerts ordered by (first_ts, id), at most ORDER_MAX (the earliest kept). */
#define ORDER_MAX 1024
static size_t time_order(const struct vg_incident *inc, uint16_t *idx)
{
	size_t n = 0;
	for (size_t i = 0; i < inc->nalerts && i < 65535; i++) {
		const struct vg_incident_alert *a = &inc->alerts[i];
		size_t j = n < ORDER_MAX ? n++ : ORDER_MAX;
		while (j > 0) {
			const struct vg_incident_alert *b = &inc->alerts[idx[j - 1]];
			if (b->first_ts < a->first_ts ||
			    (b->first_ts == a->first_ts && strcmp(b->id, a->id) <= 0))
				break;
			if (j < ORDER_MAX)
				idx[j] = idx[j - 1];
			j--;
		}
		if (j < ORDER_MAX)
			idx[j] = (uint16_t)i;
	}
	return n;
}

/* arrival_regularity: 1 - min(1, CV of the gaps between alert starts), with at
 * least three gaps; 0 otherwise (no evidence either way). */
static float arrival_regularity(const struct vg_incident *inc, const uint16_t *idx,
                                size_t n)
{
	if (n < 4)
		return 0.0f;
	double sum = 0, sq = 0;
	for (size_t i = 1; i < n; i++) {
		double g = (double)(inc->alerts[idx[i]].first_ts -
		                    inc->alerts[idx[i - 1]].first_ts) /
		           (double)VG_USEC_PER_SEC;
		sum += g;
		sq += g * g;
	}
	double k = (double)(n - 1), mean = sum / k;
	if (mean <= 0)
		return 0.0f;
	double var = sq / k - mean * mean;
	double cv = sqrt(var > 0 ? var : 0) / mean;
	return (float)(1.0 - (cv < 1.0 ? cv : 1.0));
}

/* lateral_hosts: hosts after the first whose first alert (in time order) names a
 * source address or account (without "@host") already seen on an earlier host. */
static float lateral_hosts(const struct vg_incident *inc, const uint16_t *idx, size_t n,
                           struct dset *hosts, struct dset *seen)
{
	uint32_t lateral = 0;
	dset_clear(hosts);
	dset_clear(seen);
	for (size_t i = 0; i < n; i++) {
		const struct vg_incident_alert *a = &inc->alerts[idx[i]];
		const char *host = field_of(a, "host.name");
		const char *ip = field_of(a, "source.ip");
		const char *user = vg_alert_account(a->fields, a->nfields);
		char k_ip[VG_ENTITY_VALUE_MAX + 3] = "", k_user[300] = "",
		                                canon[VG_ENTITY_VALUE_MAX];
		/* "-" and 127.0.0.1 name nobody; ::ffff:a.b.c.d is a.b.c.d */
		ip = vg_entity_canonical(VG_ENT_IP, ip, canon, sizeof(canon)) ? canon
		                                                              : NULL;
		if (ip)
			snprintf(k_ip, sizeof(k_ip), "ip:%s", ip);
		if (user)
			snprintf(k_user, sizeof(k_user), "user:%s", user);
		if (host) {
			uint32_t before = hosts->n;
			dset_add(hosts, host);
			if (hosts->n > before && before > 0) {
				uint32_t s0 = seen->n;
				/* probe: adding a known key leaves n unchanged */
				bool known_ip = false, known_user = false;
				if (ip) {
					dset_add(seen, k_ip);
					known_ip = seen->n == s0;
					s0 = seen->n;
				}
				if (user) {
					dset_add(seen, k_user);
					known_user = seen->n == s0;
				}
				if (known_ip || known_user)
					lateral++;
				continue;
			}
		}
		dset_add(seen, k_ip);
		dset_add(seen, k_user);
	}
	return (float)lateral;
}

void vg_features_compute(const struct vg_incident *inc, float *out)
{
	struct dset set;
	uint64_t events = 0, max_events = 0;
	uint32_t high = 0, tactic_mask = 0;
	int max_level = 0;
	double level_sum = 0;
	/* success_after_failure: the earliest and second-earliest brute-force alert, so
	 * every success alert can be compared with an earlier alert other than itself */
	vg_time bf_first = VG_TIME_NONE, bf_second = VG_TIME_NONE;
	size_t bf_first_idx = SIZE_MAX;
	bool success_after_failure = false;

	for (size_t i = 0; i < VG_FEATURE_COUNT; i++)
		out[i] = 0.0f;

	for (size_t i = 0; i < inc->nalerts; i++) {
		const struct vg_incident_alert *al = &inc->alerts[i];
		int level = (int)al->level;
		bool brute = false;

		events += al->event_count;
		if (al->event_count > max_events)
			max_events = al->event_count;
		if (level > max_level)
			max_level = level;
		level_sum += level;
		if (level >= VG_LEVEL_HIGH)
			high++;
		for (size_t t = 0; t < al->ntags; t++) {
			const char *rest = attack_tag(al->tags[t]);
			if (!rest)
				continue;
			int ti = tactic_index(rest);
			if (ti >= 0)
				tactic_mask |= 1u << ti;
			if (technique_is(rest, "t1110"))
				brute = true;
		}
		if (brute && al->is_correlation) {
			if (bf_first == VG_TIME_NONE || al->first_ts < bf_first) {
				bf_second = bf_first;
				bf_first = al->first_ts;
				bf_first_idx = i;
			} else if (bf_second == VG_TIME_NONE ||
			           al->first_ts < bf_second) {
				bf_second = al->first_ts;
			}
		}
	}

	/* a success (valid accounts or initial access) at or after the start of a
	 * brute-force correlation alert, the two being different alerts */
	for (size_t i = 0; i < inc->nalerts && bf_first != VG_TIME_NONE; i++) {
		const struct vg_incident_alert *al = &inc->alerts[i];
		bool success = false;
		for (size_t t = 0; t < al->ntags && !success; t++) {
			const char *rest = attack_tag(al->tags[t]);
			success = rest && (technique_is(rest, "t1078") ||
			                   tactic_index(rest) == T_INITIAL_ACCESS);
		}
		if (!success)
			continue;
		vg_time before = i == bf_first_idx ? bf_second : bf_first;
		if (before != VG_TIME_NONE && al->first_ts >= before) {
			success_after_failure = true;
			break;
		}
	}

	/* the alerts past max_alerts_kept count too: only their details are gone */
	uint64_t total = inc->nalerts + inc->alerts_dropped;
	out[F_ALERT_COUNT] = (float)total;
	out[F_EVENTS_LOG1P] = (float)log1p_u64(events + inc->events_dropped);
	out[F_MAX_LEVEL] = (float)max_level;
	out[F_MEAN_LEVEL] =
	    inc->nalerts ? (float)(level_sum / (double)inc->nalerts) : 0.0f;
	out[F_HIGH_CRITICAL_ALERTS] = (float)high;
	out[F_MAX_ALERT_EVENTS_LOG1P] = (float)log1p_u64(max_events);

	int lo = -1, hi = -1, ntactics = 0;
	for (int t = 0; t < (int)VG_TACTIC_COUNT; t++) {
		if (!(tactic_mask & (1u << t)))
			continue;
		if (lo < 0)
			lo = t;
		hi = t;
		ntactics++;
	}
	out[F_DISTINCT_TACTICS] = (float)ntactics;
	out[F_KILL_CHAIN_SPAN] = lo < 0 ? 0.0f : (float)(hi - lo);
	out[F_HAS_PRIVILEGE_ESCALATION] = (tactic_mask >> T_PRIVILEGE_ESCALATION) & 1u;
	out[F_HAS_CREDENTIAL_ACCESS] = (tactic_mask >> T_CREDENTIAL_ACCESS) & 1u;
	out[F_HAS_LATERAL_MOVEMENT] = (tactic_mask >> T_LATERAL_MOVEMENT) & 1u;
	out[F_HAS_EXECUTION] = (tactic_mask >> T_EXECUTION) & 1u;
	out[F_SUCCESS_AFTER_FAILURE] = success_after_failure ? 1.0f : 0.0f;

	/* distinct counts, one set reused pass after pass */
	/* a third-party alert counts by its own detector's signature (rule.id, else
	 * rule.name): one Vigil rule ingests them all */
	dset_clear(&set);
	for (size_t i = 0; i < inc->nalerts; i++) {
		const struct vg_incident_alert *al = &inc->alerts[i];
		const char *sig = NULL;
		for (size_t f = 0; f < al->nfields && !sig; f++)
			if (!strcmp(al->fields[f].name, "rule.id") &&
			    al->fields[f].value[0])
				sig = al->fields[f].value;
		for (size_t f = 0; f < al->nfields && !sig; f++)
			if (!strcmp(al->fields[f].name, "rule.name") &&
			    al->fields[f].value[0])
				sig = al->fields[f].value;
		dset_add(&set, sig ? sig : al->rule_id);
	}
	out[F_DISTINCT_RULES] = (float)set.n;

	dset_clear(&set);
	for (size_t i = 0; i < inc->nalerts; i++)
		if (inc->alerts[i].is_correlation)
			dset_add(&set, inc->alerts[i].rule_id);
	out[F_DISTINCT_CORRELATION_RULES] = (float)set.n;

	/* techniques are counted by parent id: t1110.001 and t1110 are one */
	dset_clear(&set);
	for (size_t i = 0; i < inc->nalerts; i++) {
		const struct vg_incident_alert *al = &inc->alerts[i];
		for (size_t t = 0; t < al->ntags; t++) {
			const char *rest = attack_tag(al->tags[t]);
			if (!rest || !is_technique(rest))
				continue;
			char id[6] = {'t', rest[1], rest[2], rest[3], rest[4], '\0'};
			dset_add(&set, id);
		}
	}
	out[F_DISTINCT_TECHNIQUES] = (float)set.n;

	out[F_DISTINCT_HOSTS] = (float)distinct_entities(inc, VG_ENT_HOST, &set);
	out[F_DISTINCT_USERS] = (float)distinct_entities(inc, VG_ENT_USER, &set);
	out[F_DISTINCT_PROCESSES] = (float)distinct_entities(inc, VG_ENT_PROCESS, &set);

	bool ext_src = false, ext_dst = false;
	out[F_DISTINCT_SOURCE_IPS] =
	    (float)distinct_field_values(inc, "source.ip", false, &set, &ext_src);
	out[F_DISTINCT_DESTINATION_IPS] =
	    (float)distinct_field_values(inc, "destination.ip", true, &set, &ext_dst);
	out[F_EXTERNAL_SOURCE_IP] = ext_src ? 1.0f : 0.0f;
	out[F_EXTERNAL_DESTINATION_IP] = ext_dst ? 1.0f : 0.0f;

	double seconds = 0;
	if (inc->first_ts != VG_TIME_NONE && inc->last_ts != VG_TIME_NONE &&
	    inc->last_ts > inc->first_ts)
		seconds =
		    (double)(inc->last_ts - inc->first_ts) / (double)VG_USEC_PER_SEC;
	out[F_DURATION_LOG1P] = (float)log1p(seconds);
	double minutes = seconds / 60.0;
	out[F_ALERTS_PER_MINUTE] =
	    (float)((double)total / (minutes > 1.0 ? minutes : 1.0));

	/* burstiness: the densest single alert, events per minute of its own span */
	double burst = 0;
	uint32_t novel = 0;
	for (size_t i = 0; i < inc->nalerts; i++) {
		const struct vg_incident_alert *al = &inc->alerts[i];
		double span = al->last_ts > al->first_ts
		                  ? (double)(al->last_ts - al->first_ts) /
		                        (60.0 * (double)VG_USEC_PER_SEC)
		                  : 0.0;
		double rate = (double)al->event_count / (span > 1.0 ? span : 1.0);
		if (rate > burst)
			burst = rate;
		novel += al->novel;
	}
	/* third-party signatures' stream statistics, kept by the assembler */
	out[F_SIGNATURE_RECURRENCE_LOG1P] =
	    inc->has_sig ? (float)log1p((double)inc->sig_runs_min) : 0.0f;
	out[F_SIGNATURE_HOSTS] = inc->has_sig ? (float)inc->sig_hosts_max : 0.0f;
	/* novelties across the network around it, kept by the assembler */
	out[F_NETWORK_NOVELTY] = (float)inc->network_novelty;
	out[F_NOVEL_PAIR_AFTER_WARMUP] = inc->novel_pair ? 1.0f : 0.0f;
	out[F_HOST_NEIGHBOURS] = (float)inc->host_neighbours;
	out[F_BURSTINESS_LOG1P] = (float)log1p(burst);
	out[F_NOVEL_ALERT_SHARE] =
	    inc->nalerts ? (float)((double)novel / (double)inc->nalerts) : 0.0f;

	uint16_t idx[ORDER_MAX];
	size_t n = time_order(inc, idx);
	out[F_ARRIVAL_REGULARITY] = arrival_regularity(inc, idx, n);
	struct dset seen;
	out[F_LATERAL_HOSTS] = lateral_hosts(inc, idx, n, &set, &seen);
}
