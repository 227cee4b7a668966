/* Unit tests for models/: the feature list against schemas/features.yaml, feature
 * values of hand-built incidents, IP classification, training / loading / scoring
 * with contributions, reproducibility, load errors, PR-AUC and priority bands. */
#include "models_int.h"
#include "vg_models.h"
#include "vg_test.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xgboost/c_api.h>
#include <yaml.h>

#define NF     VG_FEATURE_COUNT
#define SEC(s) ((vg_time)(s)*VG_USEC_PER_SEC)
#define T0     SEC(1700000000)

/* -------------------------------------------------------- feature list / yaml */

/* Names of the `features:` sequence of the embedded schemas/features.yaml, in
 * order, and their `monotone` prior (+1 for "increasing", 0 without the key);
 * every entry must also have a non-empty description and computed. */
static size_t yaml_feature_names(const char **names, int *monotone, size_t max)
{
	const struct vg_resource *res = vg_resource_get("schemas/features.yaml");
	ck_assert_msg(res != NULL, "schemas/features.yaml is not embedded");

	yaml_parser_t parser;
	yaml_document_t doc;
	ck_assert(yaml_parser_initialize(&parser));
	yaml_parser_set_input_string(&parser, res->data, res->len);
	ck_assert_msg(yaml_parser_load(&parser, &doc), "features.yaml does not parse");
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	ck_assert(root && root->type == YAML_MAPPING_NODE);

	yaml_node_t *seq = NULL;
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
	     p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&doc, p->key);
		if (k->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)k->data.scalar.value, "features") == 0)
			seq = yaml_document_get_node(&doc, p->value);
	}
	ck_assert_msg(seq && seq->type == YAML_SEQUENCE_NODE, "no features: sequence");

	size_t n = 0;
	for (yaml_node_item_t *it = seq->data.sequence.items.start;
	     it < seq->data.sequence.items.top; it++) {
		yaml_node_t *m = yaml_document_get_node(&doc, *it);
		ck_assert(m->type == YAML_MAPPING_NODE);
		const char *name = NULL;
		bool has_desc = false, has_computed = false;
		int mono = 0;
		for (yaml_node_pair_t *p = m->data.mapping.pairs.start;
		     p < m->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(&doc, p->key);
			yaml_node_t *v = yaml_document_get_node(&doc, p->value);
			ck_assert(k->type == YAML_SCALAR_NODE &&
			          v->type == YAML_SCALAR_NODE);
			const char *key = (const char *)k->data.scalar.value;
			if (strcmp(key, "name") == 0)
				name = (const char *)v->data.scalar.value;
			else if (strcmp(key, "description") == 0)
				has_desc = v->data.scalar.length > 0;
			else if (strcmp(key, "computed") == 0)
				has_computed = v->data.scalar.length > 0;
			else if (strcmp(key, "monotone") == 0) {
				ck_assert_msg(
				    strcmp((const char *)v->data.scalar.value,
				           "increasing") == 0,
				    "feature %zu: monotone must be 'increasing'", n);
				mono = 1;
			}
		}
		ck_assert_msg(name, "feature %zu has no name", n);
		ck_assert_msg(has_desc && has_computed,
		              "feature %s lacks description/computed", name);
		if (n < max) {
			names[n] = strdup(name);
			monotone[n] = mono;
		}
		n++;
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return n;
}

START_TEST(feature_names_match_schema_yaml)
{
	const char *names[64] = {0};
	int monotone[64] = {0};
	size_t n = yaml_feature_names(names, monotone, 64);
	ck_assert_uint_eq(n, vg_feature_count());
	for (size_t i = 0; i < n; i++) {
		ck_assert_ptr_nonnull(vg_feature_name(i));
		ck_assert_msg(strcmp(names[i], vg_feature_name(i)) == 0,
		              "feature %zu: yaml '%s', code '%s'", i, names[i],
		              vg_feature_name(i));
		ck_assert_uint_eq(vg_feature_index(names[i]), i);
		ck_assert_msg(vg_feature_monotone(i) == monotone[i],
		              "feature %s: yaml monotone %d, code %d", names[i],
		              monotone[i], vg_feature_monotone(i));
		free((void *)names[i]);
	}
	ck_assert_ptr_null(vg_feature_name(n));
	ck_assert_ptr_null(vg_feature_name(SIZE_MAX));
	ck_assert_int_eq(vg_feature_monotone(n), 0);
	ck_assert_uint_eq(vg_feature_index("no_such_feature"), SIZE_MAX);
}
END_TEST

/* ------------------------------------------------------------- feature values */

static size_t fidx(const char *name)
{
	size_t i = vg_feature_index(name);
	ck_assert_msg(i < vg_feature_count(), "no feature %s", name);
	return i;
}

#define FEAT(out, name) ((out)[fidx(name)])

static struct vg_incident_alert mk_alert(const char *rule, bool corr, enum vg_level lvl,
                                         char **tags, size_t ntags, vg_time first,
                                         vg_time last, uint64_t events,
                                         struct vg_kv *fields, size_t nfields)
{
	struct vg_incident_alert a = {0};
	strcpy(a.id, "0000000000000000");
	a.rule_id = (char *)rule;
	a.title = (char *)rule;
	a.level = lvl;
	a.tags = tags;
	a.ntags = ntags;
	a.is_correlation = corr;
	a.first_ts = first;
	a.last_ts = last;
	a.event_count = events;
	a.fields = fields;
	a.nfields = nfields;
	return a;
}

/* The features of an incident of n alerts (no entities) from first to last. */
static void features_of_alerts(struct vg_incident_alert *alerts, size_t n, vg_time first,
                               vg_time last, float *out)
{
	struct vg_incident inc = {0};
	inc.first_ts = first;
	inc.last_ts = last;
	inc.alerts = alerts;
	inc.nalerts = n;
	ck_assert_int_eq(vg_features_compute(&inc, out), VG_OK);
}

/* lateral_hosts reads an alert's source address as its first non-empty
 * source.ip (vg_kv_get): an empty one is passed over, a placeholder ("-") names
 * nobody and hides a later field. */
static float lateral_of(struct vg_kv *first_fields, size_t nfirst)
{
	struct vg_kv later[] = {{"host.name", "web2"}, {"source.ip", "203.0.113.5"}};
	struct vg_incident_alert alerts[] = {
	    mk_alert("r-a", false, VG_LEVEL_LOW, NULL, 0, T0, T0, 1, first_fields,
	             nfirst),
	    mk_alert("r-b", false, VG_LEVEL_LOW, NULL, 0, T0 + SEC(60), T0 + SEC(60), 1,
	             later, 2),
	};
	float out[NF];
	features_of_alerts(alerts, 2, T0, T0 + SEC(60), out);
	return FEAT(out, "lateral_hosts");
}

START_TEST(lateral_reads_the_first_source_address)
{
	struct vg_kv empty_first[] = {{"host.name", "web1"},
	                              {"source.ip", ""},
	                              {"source.ip", "::ffff:203.0.113.5"}};
	struct vg_kv dash_first[] = {
	    {"host.name", "web1"}, {"source.ip", "-"}, {"source.ip", "203.0.113.5"}};
	struct vg_kv other_first[] = {{"host.name", "web1"},
	                              {"source.ip", "198.51.100.1"},
	                              {"source.ip", "203.0.113.5"}};
	ck_assert_float_eq(lateral_of(empty_first, 3), 1.0f); /* the same address */
	ck_assert_float_eq(lateral_of(dash_first, 3), 0.0f);
	ck_assert_float_eq(lateral_of(other_first, 3), 0.0f);
}
END_TEST

START_TEST(features_of_empty_incident_are_zero)
{
	struct vg_incident inc = {0};
	inc.first_ts = inc.last_ts = VG_TIME_NONE;
	float out[NF];
	memset(out, 0x7f, sizeof(out));
	ck_assert_int_eq(vg_features_compute(&inc, out), VG_OK);
	for (size_t i = 0; i < NF; i++)
		ck_assert_msg(out[i] == 0.0f, "%s = %g", vg_feature_name(i),
		              (double)out[i]);
}
END_TEST

START_TEST(features_of_brute_force_then_login_incident)
{
	char *t0[] = {"attack.credential-access", "attack.t1110.001"};
	char *t1[] = {"attack.initial_access", "attack.T1078"};
	char *t2[] = {"attack.privilege-escalation", "attack.t1548.003", "cve.2021-3156",
	              "attack.bogus-tactic"};
	struct vg_kv f0[] = {{"source.ip", "203.0.113.9"}, {"user.name", "root"}};
	struct vg_kv f1[] = {{"source.ip", "203.0.113.9"},
	                     {"destination.ip", "10.0.0.5"}};
	struct vg_kv f2[] = {{"destination.ip", "10.0.0.5"}};
	struct vg_kv f3[] = {{"source.ip", "192.168.1.7"}, {"destination.ip", ""}};
	struct vg_incident_alert alerts[] = {
	    mk_alert("r-ssh-brute", true, VG_LEVEL_HIGH, t0, 2, T0, T0 + SEC(60), 20, f0,
	             2),
	    mk_alert("r-ssh-ok", false, VG_LEVEL_MEDIUM, t1, 2, T0 + SEC(90),
	             T0 + SEC(90), 1, f1, 2),
	    mk_alert("r-sudo", false, VG_LEVEL_CRITICAL, t2, 4, T0 + SEC(300),
	             T0 + SEC(300), 3, f2, 1),
	    mk_alert("r-ssh-ok", false, VG_LEVEL_LOW, NULL, 0, T0 + SEC(600),
	             T0 + SEC(600), 1, f3, 2),
	};
	struct vg_entity ents[] = {
	    {VG_ENT_IP, "203.0.113.9", T0, 2}, {VG_ENT_IP, "10.0.0.5", T0, 2},
	    {VG_ENT_IP, "192.168.1.7", T0, 1}, {VG_ENT_HOST, "web1", T0, 3},
	    {VG_ENT_HOST, "web2", T0, 1},      {VG_ENT_HOST, "web1", T0, 1},
	    {VG_ENT_USER, "root@web1", T0, 2}, {VG_ENT_PROCESS, "/usr/bin/sudo", T0, 1},
	};
	struct vg_incident inc = {0};
	inc.first_ts = T0;
	inc.last_ts = T0 + SEC(600);
	inc.alerts = alerts;
	inc.nalerts = 4;
	inc.entities = ents;
	inc.nentities = sizeof(ents) / sizeof(ents[0]);

	float out[NF];
	ck_assert_int_eq(vg_features_compute(&inc, out), VG_OK);
	ck_assert_float_eq(FEAT(out, "alert_count"), 4.0f);
	ck_assert_float_eq(FEAT(out, "events_log1p"), (float)log1p(25.0));
	ck_assert_float_eq(FEAT(out, "distinct_rules"), 3.0f);
	ck_assert_float_eq(FEAT(out, "distinct_correlation_rules"), 1.0f);
	ck_assert_float_eq(FEAT(out, "max_level"), 4.0f);
	ck_assert_float_eq(FEAT(out, "mean_level"), 2.5f);
	ck_assert_float_eq(FEAT(out, "high_critical_alerts"), 2.0f);
	ck_assert_float_eq(FEAT(out, "max_alert_events_log1p"), (float)log1p(20.0));
	/* initial-access (2), privilege-escalation (5), credential-access (7) */
	ck_assert_float_eq(FEAT(out, "distinct_tactics"), 3.0f);
	ck_assert_float_eq(FEAT(out, "kill_chain_span"), 5.0f);
	/* t1110, t1078, t1548 */
	ck_assert_float_eq(FEAT(out, "distinct_techniques"), 3.0f);
	ck_assert_float_eq(FEAT(out, "has_privilege_escalation"), 1.0f);
	ck_assert_float_eq(FEAT(out, "has_credential_access"), 1.0f);
	ck_assert_float_eq(FEAT(out, "has_lateral_movement"), 0.0f);
	ck_assert_float_eq(FEAT(out, "has_execution"), 0.0f);
	ck_assert_float_eq(FEAT(out, "distinct_hosts"), 2.0f);
	ck_assert_float_eq(FEAT(out, "distinct_users"), 1.0f);
	ck_assert_float_eq(FEAT(out, "distinct_processes"), 1.0f);
	ck_assert_float_eq(FEAT(out, "distinct_source_ips"), 2.0f);
	ck_assert_float_eq(FEAT(out, "distinct_destination_ips"), 1.0f);
	ck_assert_float_eq(FEAT(out, "external_source_ip"), 1.0f);
	ck_assert_float_eq(FEAT(out, "external_destination_ip"), 0.0f);
	ck_assert_float_eq(FEAT(out, "duration_log1p"), (float)log1p(600.0));
	ck_assert_float_eq(FEAT(out, "alerts_per_minute"), (float)(4.0 / 10.0));
	ck_assert_float_eq(FEAT(out, "success_after_failure"), 1.0f);

	/* deterministic and independent of what the buffer held */
	float again[NF];
	memset(again, 0xff, sizeof(again));
	ck_assert_int_eq(vg_features_compute(&inc, again), VG_OK);
	ck_assert_mem_eq(out, again, sizeof(out));

	/* alerts past max_alerts_kept (counted, not detailed) still count in the
	 * incident's size and rate; the detail features stay those of the four */
	alerts[1].novel = true;
	ck_assert_int_eq(vg_features_compute(&inc, again), VG_OK);
	ck_assert_float_eq(FEAT(again, "novel_alert_share"), 0.25f);
	inc.alerts_dropped = 6;
	inc.events_dropped = 75;
	ck_assert_int_eq(vg_features_compute(&inc, again), VG_OK);
	ck_assert_float_eq(FEAT(again, "alert_count"), 10.0f);
	ck_assert_float_eq(FEAT(again, "events_log1p"), (float)log1p(100.0));
	ck_assert_float_eq(FEAT(again, "alerts_per_minute"), (float)(10.0 / 10.0));
	ck_assert_float_eq(FEAT(again, "mean_level"), 2.5f);
	ck_assert_float_eq(FEAT(again, "max_alert_events_log1p"), (float)log1p(20.0));
	/* the novel flag is a detail: a share of the detailed alerts (1 of 4), not
	 * of alert_count, which would take the six undetailed ones for not novel */
	ck_assert_float_eq(FEAT(again, "novel_alert_share"), 0.25f);
}
END_TEST

/* Third-party alerts: one Vigil rule ingests them, their own signature counts. */
START_TEST(third_party_signatures_count_and_stream_statistics)
{
	struct vg_kv f0[] = {{"rule.id", "W-Acc-400"}, {"rule.name", "Wazuh: 400"}};
	struct vg_kv f1[] = {{"rule.id", "S-Flw-Nmp"}, {"rule.name", "Suricata: nmap"}};
	struct vg_kv f2[] = {{"rule.id", ""}, {"rule.name", "AMiner: entropy"}};
	struct vg_incident_alert alerts[] = {
	    mk_alert("third-party", false, VG_LEVEL_LOW, NULL, 0, T0, T0, 1, f0, 2),
	    mk_alert("third-party", false, VG_LEVEL_LOW, NULL, 0, T0 + SEC(1),
	             T0 + SEC(1), 1, f0, 2),
	    mk_alert("third-party", false, VG_LEVEL_LOW, NULL, 0, T0 + SEC(2),
	             T0 + SEC(2), 1, f1, 2),
	    mk_alert("third-party", false, VG_LEVEL_LOW, NULL, 0, T0 + SEC(3),
	             T0 + SEC(3), 1, f2, 2),
	    mk_alert("native", false, VG_LEVEL_LOW, NULL, 0, T0 + SEC(4), T0 + SEC(4), 1,
	             NULL, 0),
	};
	struct vg_incident inc = {0};
	inc.first_ts = T0;
	inc.last_ts = T0 + SEC(4);
	inc.alerts = alerts;
	inc.nalerts = 5;
	float out[NF];
	ck_assert_int_eq(vg_features_compute(&inc, out), VG_OK);
	/* W-Acc-400, S-Flw-Nmp, "AMiner: entropy" (empty rule.id), native */
	ck_assert_float_eq(FEAT(out, "distinct_rules"), 4.0f);
	ck_assert_float_eq(FEAT(out, "signature_recurrence_log1p"), 0.0f);
	ck_assert_float_eq(FEAT(out, "signature_hosts"), 0.0f);

	inc.has_sig = true;
	inc.sig_runs_min = 6;
	inc.sig_hosts_max = 3;
	ck_assert_int_eq(vg_features_compute(&inc, out), VG_OK);
	ck_assert_float_eq(FEAT(out, "signature_recurrence_log1p"), (float)log1p(6.0));
	ck_assert_float_eq(FEAT(out, "signature_hosts"), 3.0f);
}
END_TEST

/* success_after_failure for a brute-force alert `b` and a success alert `s`. */
static float saf(struct vg_incident_alert *alerts, size_t n)
{
	float out[NF];
	features_of_alerts(alerts, n, VG_TIME_NONE, VG_TIME_NONE, out);
	return FEAT(out, "success_after_failure");
}

START_TEST(success_after_failure_needs_order_correlation_and_two_alerts)
{
	char *bf[] = {"attack.t1110"};
	char *ok[] = {"attack.t1078.003"};
	char *ia[] = {"attack.initial-access"};
	char *both[] = {"attack.t1110", "attack.t1078"};
	char *near[] = {"attack.t11100", "attack.t1078x"};
	struct vg_incident_alert a[2];

	/* success after (and at) the brute force's start */
	a[0] = mk_alert("bf", true, VG_LEVEL_HIGH, bf, 1, T0, T0 + SEC(30), 10, NULL, 0);
	a[1] = mk_alert("ok", false, VG_LEVEL_LOW, ok, 1, T0 + SEC(5), T0 + SEC(5), 1,
	                NULL, 0);
	ck_assert_float_eq(saf(a, 2), 1.0f);
	a[1].first_ts = T0;
	ck_assert_float_eq(saf(a, 2), 1.0f);
	a[1] = mk_alert("ia", false, VG_LEVEL_LOW, ia, 1, T0 + SEC(5), T0 + SEC(5), 1,
	                NULL, 0);
	ck_assert_float_eq(saf(a, 2), 1.0f);
	/* success before the brute force started */
	a[1].first_ts = T0 - SEC(1);
	ck_assert_float_eq(saf(a, 2), 0.0f);
	/* the failures are a plain detection, not a correlation */
	a[1].first_ts = T0 + SEC(5);
	a[0].is_correlation = false;
	ck_assert_float_eq(saf(a, 2), 0.0f);
	/* one alert carrying both tags is not "one after the other" */
	a[0] = mk_alert("x", true, VG_LEVEL_HIGH, both, 2, T0, T0, 10, NULL, 0);
	ck_assert_float_eq(saf(a, 1), 0.0f);
	/* ... but it is the success for an earlier, different brute-force alert */
	a[1] = a[0];
	a[1].first_ts = T0 + SEC(1);
	a[0] = mk_alert("bf", true, VG_LEVEL_HIGH, bf, 1, T0, T0 + SEC(30), 10, NULL, 0);
	ck_assert_float_eq(saf(a, 2), 1.0f);
	/* and an earlier brute force than the combined alert's own start counts */
	a[0].first_ts = T0 + SEC(1);
	ck_assert_float_eq(saf(a, 2), 1.0f);
	a[0].first_ts = T0 + SEC(2);
	ck_assert_float_eq(saf(a, 2), 0.0f);
	/* a success at the very start of the only brute force, a combined alert */
	a[0] = mk_alert("x", true, VG_LEVEL_HIGH, both, 2, T0, T0, 10, NULL, 0);
	a[1] = mk_alert("ok", false, VG_LEVEL_LOW, ok, 1, T0, T0, 1, NULL, 0);
	ck_assert_float_eq(saf(a, 2), 1.0f);
	/* look-alike tags are neither technique */
	a[0] = mk_alert("n", true, VG_LEVEL_HIGH, near, 1, T0, T0, 10, NULL, 0);
	a[1] =
	    mk_alert("m", true, VG_LEVEL_HIGH, near + 1, 1, T0 + 1, T0 + 1, 1, NULL, 0);
	ck_assert_float_eq(saf(a, 2), 0.0f);
}
END_TEST

START_TEST(tactic_tags_are_normalised_and_spanned)
{
	char *t[] = {"ATTACK.Lateral_Movement",
	             "attack.lateral-movement",
	             "attack.t1021",
	             "attack.T1021.004",
	             "attack.execution",
	             "attack.t11",
	             "tlp.white",
	             "attack.",
	             "attack.impact-x"};
	struct vg_incident_alert a =
	    mk_alert("r", false, VG_LEVEL_MEDIUM, t, 9, T0, T0 + SEC(30), 7, NULL, 0);
	struct vg_incident inc = {0};
	inc.first_ts = T0;
	inc.last_ts = T0 + SEC(30);
	inc.alerts = &a;
	inc.nalerts = 1;
	float out[NF];
	ck_assert_int_eq(vg_features_compute(&inc, out), VG_OK);
	ck_assert_float_eq(FEAT(out, "distinct_tactics"), 2.0f);
	ck_assert_float_eq(FEAT(out, "kill_chain_span"), 6.0f); /* execution 3 .. 9 */
	ck_assert_float_eq(FEAT(out, "has_lateral_movement"), 1.0f);
	ck_assert_float_eq(FEAT(out, "has_execution"), 1.0f);
	ck_assert_float_eq(FEAT(out, "distinct_techniques"), 1.0f);
	/* under a minute the rate divides by one minute, not by 30 s */
	ck_assert_float_eq(FEAT(out, "alerts_per_minute"), 1.0f);
	ck_assert_float_eq(FEAT(out, "duration_log1p"), (float)log1p(30.0));

	/* one tactic spans nothing; a reversed time range is no duration */
	a.ntags = 1;
	inc.last_ts = T0 - SEC(5);
	ck_assert_int_eq(vg_features_compute(&inc, out), VG_OK);
	ck_assert_float_eq(FEAT(out, "kill_chain_span"), 0.0f);
	ck_assert_float_eq(FEAT(out, "duration_log1p"), 0.0f);
}
END_TEST

START_TEST(distinct_counts_saturate)
{
	enum { N = 1000 };
	struct vg_entity *ents = calloc(N, sizeof(*ents));
	char(*vals)[16] = calloc(N, sizeof(*vals));
	ck_assert(ents && vals);
	for (size_t i = 0; i < N; i++) {
		snprintf(vals[i], sizeof(vals[i]), "h%zu", i);
		ents[i].type = VG_ENT_HOST;
		ents[i].value = vals[i];
	}
	struct vg_incident inc = {0};
	inc.first_ts = inc.last_ts = VG_TIME_NONE;
	inc.entities = ents;
	inc.nentities = 300;
	float out[NF];
	ck_assert_int_eq(vg_features_compute(&inc, out), VG_OK);
	ck_assert_float_eq(FEAT(out, "distinct_hosts"), 300.0f);
	inc.nentities = N;
	ck_assert_int_eq(vg_features_compute(&inc, out), VG_OK);
	ck_assert_float_eq(FEAT(out, "distinct_hosts"), (float)VG_FEATURE_DISTINCT_MAX);
	free(ents);
	free(vals);
}
END_TEST

/* ------------------------------------------------------ incremental features */

/* A seeded random incident that grows alert by alert (times out of order, ties,
 * shared and missing hosts, addresses and accounts), with an oracle written
 * straight from schemas/features.yaml for the order-dependent features. */
enum { GROW = 300 };

static const char *const g_rules[] = {"r-a", "r-b", "r-c", "r-d", "r-e"};
static const char *const g_tags[] = {
    "attack.t1110.001",         "attack.T1078", "attack.initial-access",
    "attack.lateral_movement",  "attack.t1021", "attack.execution",
    "attack.credential-access", "tlp.white",    "attack.t1059.001"};
static const char *const g_hosts[] = {NULL, "", "web1", "web2", "db1", "dc1", "WEB1"};
static const char *const g_srcs[] = {NULL,          "",
                                     "-",           "127.0.0.1",
                                     "203.0.113.9", "::ffff:203.0.113.9",
                                     "10.0.0.5",    "10.0.0.6",
                                     "198.51.100.7"};
static const char *const g_dsts[] = {NULL, "", "-", "10.0.0.5", "192.0.2.1"};
static const char *const g_users[] = {NULL, "", "root", "alice", "bob", "carol"};
static const char *const g_sigs[] = {NULL, NULL, "S-1", "S-2"};

#define PICK(r, pool) ((pool)[(r) % (sizeof(pool) / sizeof((pool)[0]))])

struct grown {
	struct vg_incident inc;
	struct vg_incident_alert alerts[GROW];
	struct vg_kv fields[GROW][6];
	char *tags[GROW][3];
	struct vg_entity ents[GROW * 2];
};

static uint64_t grow_rng(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

/* Append alert i (and up to two entities) to g->inc. */
static void grow_one(struct grown *g, size_t i, uint64_t *rng)
{
	struct vg_incident_alert *a = &g->alerts[i];
	memset(a, 0, sizeof(*a));
	snprintf(a->id, sizeof(a->id), "%016llx",
	         (unsigned long long)(grow_rng(rng) % 1000000)); /* ids may tie */
	a->rule_id = (char *)PICK(grow_rng(rng), g_rules);
	a->title = a->rule_id;
	a->level = (enum vg_level)(grow_rng(rng) % 5);
	a->is_correlation = grow_rng(rng) % 3 == 0;
	a->novel = grow_rng(rng) % 4 == 0;
	a->first_ts = T0 + SEC(15) * (vg_time)(grow_rng(rng) % 240); /* times tie */
	a->last_ts = a->first_ts + SEC(1) * (vg_time)(grow_rng(rng) % 600);
	a->event_count = 1 + grow_rng(rng) % 50;
	a->tags = g->tags[i];
	a->ntags = grow_rng(rng) % 4;
	for (size_t t = 0; t < a->ntags; t++)
		g->tags[i][t] = (char *)PICK(grow_rng(rng), g_tags);
	/* a second source.ip sometimes: the first non-empty one is the alert's */
	const char *names[] = {"host.name", "source.ip", "destination.ip",
	                       "user.name", "rule.id",   "source.ip"};
	const char *values[] = {PICK(grow_rng(rng), g_hosts),
	                        PICK(grow_rng(rng), g_srcs),
	                        PICK(grow_rng(rng), g_dsts),
	                        PICK(grow_rng(rng), g_users),
	                        PICK(grow_rng(rng), g_sigs),
	                        grow_rng(rng) % 3 ? NULL : PICK(grow_rng(rng), g_srcs)};
	a->fields = g->fields[i];
	for (size_t f = 0; f < 6; f++)
		if (values[f])
			g->fields[i][a->nfields++] =
			    (struct vg_kv){(char *)names[f], (char *)values[f]};
	struct vg_incident *inc = &g->inc;
	if (inc->first_ts == VG_TIME_NONE || a->first_ts < inc->first_ts)
		inc->first_ts = a->first_ts;
	if (inc->last_ts == VG_TIME_NONE || a->last_ts > inc->last_ts)
		inc->last_ts = a->last_ts;
	inc->nalerts = i + 1;
	for (uint64_t e = grow_rng(rng) % 3; e > 0; e--) {
		static const enum vg_entity_type types[] = {VG_ENT_HOST, VG_ENT_USER,
		                                            VG_ENT_PROCESS, VG_ENT_IP};
		static const char *const vals[] = {
		    "web1", "web2", "alice@web1", "/bin/sh", "10.0.0.5", "", "dc1"};
		g->ents[inc->nentities++] =
		    (struct vg_entity){PICK(grow_rng(rng), types),
		                       (char *)PICK(grow_rng(rng), vals), a->first_ts, 1};
	}
}

/* The sort context of by_time. */
static const struct vg_incident_alert *g_order_alerts;

static int by_time(const void *x, const void *y)
{
	const struct vg_incident_alert *a = &g_order_alerts[*(const size_t *)x],
	                               *b = &g_order_alerts[*(const size_t *)y];
	if (a->first_ts != b->first_ts)
		return a->first_ts < b->first_ts ? -1 : 1;
	return strcmp(a->id, b->id);
}

#define KEY_MAX (VG_ENTITY_VALUE_MAX + 8)

static bool key_in(char (*keys)[KEY_MAX], size_t n, const char *k)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(keys[i], k))
			return true;
	return false;
}

/* lateral_hosts as features.yaml words it: in (first_ts, id) order, the hosts after
 * the first whose first alert carries a source address or account an earlier
 * alert carried. */
static float oracle_lateral(const struct vg_incident *inc)
{
	size_t n = inc->nalerts, order[GROW], nseen = 0, nhosts = 0;
	static char seen[GROW * 2][KEY_MAX], hosts[GROW][KEY_MAX];
	float lateral = 0;
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	g_order_alerts = inc->alerts;
	qsort(order, n, sizeof(order[0]), by_time);
	for (size_t k = 0; k < n; k++) {
		const struct vg_incident_alert *a = &inc->alerts[order[k]];
		const char *host = vg_kv_get(a->fields, a->nfields, "host.name");
		const char *user = vg_alert_account(a->fields, a->nfields);
		char canon[VG_ENTITY_VALUE_MAX], ip[KEY_MAX] = "", acct[KEY_MAX] = "";
		if (vg_entity_canonical(VG_ENT_IP,
		                        vg_kv_get(a->fields, a->nfields, "source.ip"),
		                        canon, sizeof(canon)))
			snprintf(ip, sizeof(ip), "ip:%s", canon);
		if (user)
			snprintf(acct, sizeof(acct), "user:%s", user);
		if (host && *host && !key_in(hosts, nhosts, host)) {
			if (nhosts > 0 && ((ip[0] && key_in(seen, nseen, ip)) ||
			                   (acct[0] && key_in(seen, nseen, acct))))
				lateral++;
			snprintf(hosts[nhosts++], sizeof(hosts[0]), "%s", host);
		}
		if (ip[0] && !key_in(seen, nseen, ip))
			snprintf(seen[nseen++], sizeof(seen[0]), "%s", ip);
		if (acct[0] && !key_in(seen, nseen, acct))
			snprintf(seen[nseen++], sizeof(seen[0]), "%s", acct);
	}
	return lateral;
}

static bool has_tag(const struct vg_incident_alert *a, const char *prefix)
{
	for (size_t t = 0; t < a->ntags; t++)
		if (!strncasecmp(a->tags[t], prefix, strlen(prefix)))
			return true;
	return false;
}

/* success_after_failure as worded: a success alert (t1078, initial access) at or
 * after the first_ts of another alert, a brute-force (t1110) correlation. */
static float oracle_success(const struct vg_incident *inc)
{
	for (size_t s = 0; s < inc->nalerts; s++) {
		const struct vg_incident_alert *S = &inc->alerts[s];
		if (!has_tag(S, "attack.t1078") && !has_tag(S, "attack.initial"))
			continue;
		for (size_t b = 0; b < inc->nalerts; b++) {
			const struct vg_incident_alert *B = &inc->alerts[b];
			if (b != s && B->is_correlation && has_tag(B, "attack.t1110") &&
			    B->first_ts <= S->first_ts)
				return 1.0f;
		}
	}
	return 0.0f;
}

/* arrival_regularity as worded, in seconds and doubles. */
static double oracle_regularity(const struct vg_incident *inc)
{
	size_t n = inc->nalerts, order[GROW];
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	g_order_alerts = inc->alerts;
	qsort(order, n, sizeof(order[0]), by_time);
	if (n < 4)
		return 0;
	double sum = 0, sq = 0;
	for (size_t i = 1; i < n; i++) {
		double gap = (double)(inc->alerts[order[i]].first_ts -
		                      inc->alerts[order[i - 1]].first_ts) /
		             1e6;
		sum += gap;
		sq += gap * gap;
	}
	double k = (double)(n - 1), mean = sum / k;
	if (mean <= 0)
		return 0;
	double var = sq / k - mean * mean, cv = sqrt(var > 0 ? var : 0) / mean;
	return 1.0 - (cv < 1.0 ? cv : 1.0);
}

/* Distinct non-empty values of entity type t, by pairwise comparison. */
static float oracle_entities(const struct vg_incident *inc, enum vg_entity_type t)
{
	float n = 0;
	for (size_t i = 0; i < inc->nentities; i++) {
		const struct vg_entity *e = &inc->entities[i];
		bool dup = e->type != t || !e->value[0];
		for (size_t j = 0; j < i && !dup; j++)
			dup = inc->entities[j].type == t &&
			      !strcmp(inc->entities[j].value, e->value);
		n += !dup;
	}
	return n;
}

static void check_oracle(const struct vg_incident *inc, const float *out)
{
	ck_assert_float_eq(FEAT(out, "lateral_hosts"), oracle_lateral(inc));
	ck_assert_float_eq(FEAT(out, "success_after_failure"), oracle_success(inc));
	ck_assert_double_eq_tol(FEAT(out, "arrival_regularity"), oracle_regularity(inc),
	                        1e-6);
	ck_assert_float_eq(FEAT(out, "distinct_hosts"),
	                   oracle_entities(inc, VG_ENT_HOST));
	ck_assert_float_eq(FEAT(out, "distinct_users"),
	                   oracle_entities(inc, VG_ENT_USER));
	ck_assert_float_eq(FEAT(out, "distinct_processes"),
	                   oracle_entities(inc, VG_ENT_PROCESS));
}

/* Updates fold only what the incident gained, and read what a fold of the whole
 * incident reads, whatever order the alerts came in; a state given an incident it
 * did not follow starts over. */
START_TEST(incremental_features_match_recomputed)
{
	static struct grown g, shuffled;
	uint64_t rng = 0x5eed0000u + (uint64_t)_i;
	memset(&g, 0, sizeof(g));
	g.inc.first_ts = g.inc.last_ts = VG_TIME_NONE;
	g.inc.alerts = g.alerts;
	g.inc.entities = g.ents;
	struct vg_feature_state *s = vg_feature_state_new();
	ck_assert_ptr_nonnull(s);
	float inc_out[NF], full[NF];
	size_t i = 0, updates = 0, lateral_seen = 0, saf_seen = 0;
	while (i < GROW) {
		for (uint64_t k = 1 + grow_rng(&rng) % 6; k > 0 && i < GROW; k--)
			grow_one(&g, i++, &rng);
		ck_assert_int_eq(vg_features_update(s, &g.inc, inc_out), VG_OK);
		ck_assert_int_eq(vg_features_compute(&g.inc, full), VG_OK);
		ck_assert_mem_eq(inc_out, full, sizeof(full));
		check_oracle(&g.inc, inc_out);
		lateral_seen += FEAT(inc_out, "lateral_hosts") > 0;
		saf_seen += FEAT(inc_out, "success_after_failure") > 0;
		updates++;
	}
	ck_assert_uint_gt(updates, 50);
	ck_assert_uint_gt(lateral_seen, 0); /* the oracle checked something */
	ck_assert_uint_gt(saf_seen, 0);

	/* the same alerts and entities in another order read the same */
	shuffled = g;
	shuffled.inc.alerts = shuffled.alerts;
	shuffled.inc.entities = shuffled.ents;
	for (size_t k = GROW - 1; k > 0; k--) {
		size_t j = grow_rng(&rng) % (k + 1);
		struct vg_incident_alert t = shuffled.alerts[k];
		shuffled.alerts[k] = shuffled.alerts[j];
		shuffled.alerts[j] = t;
	}
	for (size_t k = shuffled.inc.nentities - 1; k > 0; k--) {
		size_t j = grow_rng(&rng) % (k + 1);
		struct vg_entity t = shuffled.ents[k];
		shuffled.ents[k] = shuffled.ents[j];
		shuffled.ents[j] = t;
	}
	ck_assert_int_eq(vg_features_compute(&shuffled.inc, full), VG_OK);
	ck_assert_mem_eq(inc_out, full, sizeof(full));

	/* a state that followed another incident, or one that shrank, starts over */
	ck_assert_int_eq(vg_features_update(s, &shuffled.inc, full), VG_OK);
	ck_assert_mem_eq(inc_out, full, sizeof(full));
	g.inc.nalerts = 10;
	ck_assert_int_eq(vg_features_update(s, &g.inc, inc_out), VG_OK);
	ck_assert_int_eq(vg_features_compute(&g.inc, full), VG_OK);
	ck_assert_mem_eq(inc_out, full, sizeof(full));
	vg_feature_state_free(s);
	vg_feature_state_free(NULL);
}
END_TEST

/* ------------------------------------------------------- train / load / score */

static char g_dir[64];
static char g_model[128];
enum { ROWS = 400, TEST_ROWS = 100 };
static const struct vg_train_params g_params = {
    .rounds = 20, .max_depth = 3, .eta = 0.3, .seed = 42, .nthread = 1};

static uint64_t rng_next(uint64_t *s)
{
	/* xorshift64*: deterministic on every platform */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

static float rng_unit(uint64_t *s)
{
	return (float)(rng_next(s) >> 40) / (float)(UINT64_C(1) << 24);
}

/* Separable synthetic data: every feature is noise in [0,1) but max_level, a
 * whole level as in real incidents: 3 or 4 for positives, 0 or 1 for negatives,
 * so max_level alone decides (whole values: a histogram cut between 1 and 3
 * separates held-out rows too, whatever the noise). */
static void make_data(uint64_t seed, size_t rows, float *X, float *y)
{
	uint64_t s = seed ? seed : 1;
	size_t lvl = fidx("max_level");
	for (size_t r = 0; r < rows; r++) {
		y[r] = (float)(r % 2);
		for (size_t j = 0; j < NF; j++)
			X[r * NF + j] = rng_unit(&s);
		X[r * NF + lvl] = (float)(rng_next(&s) & 1) + y[r] * 3.0f;
	}
}

static void path_in_dir(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", g_dir, name);
}

static void train_fixture_setup(void)
{
	static float X[ROWS * NF], y[ROWS];
	char err[512] = "";
	strcpy(g_dir, "/tmp/vg-models-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(g_dir));
	path_in_dir(g_model, sizeof(g_model), "model.json");
	make_data(7, ROWS, X, y);
	vg_err rc = vg_model_train(X, y, ROWS, &g_params, g_model, err, sizeof(err));
	ck_assert_msg(rc == VG_OK, "train: %s (%s)", vg_err_str(rc), err);
}

static void rm_dir(const char *dir)
{
	static const char *names[] = {
	    "model.json", "a.json",     "b.json",    "m.ubj",          "m.bin",
	    "bad.json",   "trunc.json", "raw3.json", "raw-names.json", "raw-nonames.json",
	    "x.json",     "x.json.tmp", "kind.json"};
	char p[256];
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		unlink(p);
	}
	rmdir(dir);
}

static void train_fixture_teardown(void)
{
	rm_dir(g_dir);
}

static struct vg_model *load_default(void)
{
	struct vg_model *m = NULL;
	char err[512] = "";
	vg_err rc = vg_model_load_file(g_model, &m, err, sizeof(err));
	ck_assert_msg(rc == VG_OK, "load: %s", err);
	ck_assert_ptr_nonnull(m);
	return m;
}

START_TEST(trained_model_separates_classes)
{
	static float X[TEST_ROWS * NF], y[TEST_ROWS], scores[TEST_ROWS];
	char err[512] = "";
	struct vg_model *m = load_default();
	make_data(99, TEST_ROWS, X, y); /* held out: another seed */
	float min_pos = 1.0f, max_neg = 0.0f;
	for (size_t r = 0; r < TEST_ROWS; r++) {
		ck_assert_int_eq(
		    vg_model_score(m, X + r * NF, &scores[r], NULL, err, sizeof(err)),
		    VG_OK);
		ck_assert(scores[r] >= 0.0f && scores[r] <= 1.0f);
		if (y[r] > 0.5f && scores[r] < min_pos)
			min_pos = scores[r];
		if (y[r] < 0.5f && scores[r] > max_neg)
			max_neg = scores[r];
	}
	ck_assert_msg(min_pos > 0.5f && max_neg < 0.5f,
	              "min positive %g, max negative %g", (double)min_pos,
	              (double)max_neg);
	ck_assert_double_eq(vg_pr_auc(scores, y, TEST_ROWS), 1.0);
	vg_model_destroy(m);
}
END_TEST

/* A batch of rows scores each row exactly as a call per row does (the pipeline
 * ranks a batch's changed incidents in one call), scores and contributions, with
 * missing features (NaN) among them; zero rows is a no-op. */
START_TEST(rows_score_as_single_calls)
{
	enum { BATCH = 37 };
	static float X[TEST_ROWS * NF], y[TEST_ROWS];
	static float contrib[BATCH * (NF + 1)], one_contrib[NF + 1];
	float scores[BATCH], one;
	char err[512] = "";
	struct vg_model *m = load_default();
	make_data(99, TEST_ROWS, X, y);
	for (size_t r = 0; r < BATCH; r += 5)
		X[r * NF + r % NF] = NAN;
	ck_assert_msg(
	    vg_model_score_rows(m, X, BATCH, scores, contrib, err, sizeof(err)) == VG_OK,
	    "%s", err);
	for (size_t r = 0; r < BATCH; r++) {
		ck_assert_int_eq(
		    vg_model_score(m, X + r * NF, &one, one_contrib, err, sizeof(err)),
		    VG_OK);
		ck_assert_msg(memcmp(&one, &scores[r], sizeof(float)) == 0,
		              "row %zu: %.9g alone, %.9g in the batch", r, (double)one,
		              (double)scores[r]);
		ck_assert_msg(
		    memcmp(one_contrib, contrib + r * (NF + 1), sizeof(one_contrib)) == 0,
		    "row %zu: contributions differ", r);
	}
	float sc_only[BATCH];
	ck_assert_int_eq(
	    vg_model_score_rows(m, X, BATCH, sc_only, NULL, err, sizeof(err)), VG_OK);
	ck_assert_int_eq(memcmp(sc_only, scores, sizeof(scores)), 0);
	ck_assert_int_eq(vg_model_score_rows(m, X, 0, scores, contrib, err, sizeof(err)),
	                 VG_OK);
	ck_assert_int_eq(vg_model_score_rows(m, X, BATCH, NULL, NULL, err, sizeof(err)),
	                 VG_ERR_INVALID);
	vg_model_destroy(m);
}
END_TEST

START_TEST(contributions_sum_to_margin)
{
	static float X[TEST_ROWS * NF], y[TEST_ROWS];
	float contrib[NF + 1], score, score2;
	char err[512] = "";
	struct vg_model *m = load_default();
	make_data(1234, TEST_ROWS, X, y);
	size_t lvl = fidx("max_level");
	for (size_t r = 0; r < 20; r++) {
		ck_assert_int_eq(
		    vg_model_score(m, X + r * NF, &score, NULL, err, sizeof(err)), VG_OK);
		memset(contrib, 0, sizeof(contrib));
		ck_assert_msg(vg_model_score(m, X + r * NF, &score2, contrib, err,
		                             sizeof(err)) == VG_OK,
		              "%s", err);
		ck_assert_float_eq(score, score2);
		double sum = 0.0;
		for (size_t j = 0; j <= NF; j++)
			sum += contrib[j];
		double logit = log((double)score / (1.0 - (double)score));
		ck_assert_msg(fabs(sum - logit) < 1e-3, "row %zu: sum %g, logit %g", r,
		              sum, logit);
		ck_assert_double_eq_tol(1.0 / (1.0 + exp(-sum)), (double)score, 1e-5);
		/* the separating feature carries the decision, in the right direction */
		for (size_t j = 0; j < NF; j++)
			if (j != lvl)
				ck_assert(fabsf(contrib[j]) <= fabsf(contrib[lvl]));
		ck_assert(y[r] > 0.5f ? contrib[lvl] > 0.0f : contrib[lvl] < 0.0f);
	}
	vg_model_destroy(m);
}
END_TEST

START_TEST(training_is_byte_reproducible)
{
	static float X[ROWS * NF], y[ROWS];
	char a[128], b[128], err[512] = "";
	struct vg_buf ba, bb;
	make_data(7, ROWS, X, y);
	path_in_dir(a, sizeof(a), "a.json");
	path_in_dir(b, sizeof(b), "b.json");
	ck_assert_int_eq(vg_model_train(X, y, ROWS, &g_params, a, err, sizeof(err)),
	                 VG_OK);
	ck_assert_int_eq(vg_model_train(X, y, ROWS, &g_params, b, err, sizeof(err)),
	                 VG_OK);
	vg_buf_init(&ba);
	vg_buf_init(&bb);
	ck_assert_int_eq(vg_buf_read_file(&ba, a), VG_OK);
	ck_assert_int_eq(vg_buf_read_file(&bb, b), VG_OK);
	ck_assert_uint_gt(ba.len, 100);
	ck_assert_uint_eq(ba.len, bb.len);
	ck_assert(memcmp(ba.data, bb.data, ba.len) == 0);
	/* it is the fixture's model too (same data, seed, params) */
	vg_buf_reset(&bb);
	ck_assert_int_eq(vg_buf_read_file(&bb, g_model), VG_OK);
	ck_assert(bb.len == ba.len && memcmp(ba.data, bb.data, ba.len) == 0);
	/* JSON, with the feature names stored in it */
	ck_assert(ba.data[0] == '{');
	ck_assert_ptr_nonnull(strstr(ba.data, "\"success_after_failure\""));
	ck_assert_ptr_nonnull(strstr(ba.data, "\"binary:logistic\""));
	vg_buf_free(&ba);
	vg_buf_free(&bb);
}
END_TEST

START_TEST(binary_formats_and_buffer_load_score_the_same)
{
	static float X[ROWS * NF], y[ROWS];
	char p[128], err[512] = "";
	float s_json, s_other;
	struct vg_model *mj = load_default(), *mo = NULL;
	make_data(7, ROWS, X, y);
	ck_assert_int_eq(vg_model_score(mj, X, &s_json, NULL, err, sizeof(err)), VG_OK);

	const char *names[] = {"m.ubj", "m.bin"};
	for (size_t i = 0; i < 2; i++) {
		path_in_dir(p, sizeof(p), names[i]);
		ck_assert_int_eq(
		    vg_model_train(X, y, ROWS, &g_params, p, err, sizeof(err)), VG_OK);
		struct vg_buf b;
		vg_buf_init(&b);
		ck_assert_int_eq(vg_buf_read_file(&b, p), VG_OK);
		ck_assert(b.data[0] != '{' || b.data[1] != '"'); /* not JSON text */
		ck_assert_msg(
		    vg_model_load_buffer(b.data, b.len, &mo, err, sizeof(err)) == VG_OK,
		    "%s: %s", names[i], err);
		vg_buf_free(&b);
		ck_assert_int_eq(vg_model_score(mo, X, &s_other, NULL, err, sizeof(err)),
		                 VG_OK);
		ck_assert_float_eq_tol(s_json, s_other, 1e-6f);
		vg_model_destroy(mo);
	}
	vg_model_destroy(mj);
	vg_model_destroy(NULL);
}
END_TEST

struct thread_job {
	struct vg_model *m;
	const float *X;
	const float *expect;
	size_t rows;
	int mismatches;
};

static void *score_thread(void *arg)
{
	struct thread_job *job = arg;
	float contrib[NF + 1], s;
	char err[256];
	for (int round = 0; round < 3; round++)
		for (size_t r = 0; r < job->rows; r++)
			if (vg_model_score(job->m, job->X + r * NF, &s,
			                   r % 4 ? NULL : contrib, err,
			                   sizeof(err)) != VG_OK ||
			    s != job->expect[r])
				job->mismatches++;
	return NULL;
}

START_TEST(concurrent_scoring_matches_serial)
{
	static float X[TEST_ROWS * NF], y[TEST_ROWS], expect[TEST_ROWS];
	char err[256];
	struct vg_model *m = load_default();
	make_data(5, TEST_ROWS, X, y);
	for (size_t r = 0; r < TEST_ROWS; r++)
		ck_assert_int_eq(
		    vg_model_score(m, X + r * NF, &expect[r], NULL, err, sizeof(err)),
		    VG_OK);
	pthread_t th[4];
	struct thread_job jobs[4];
	for (int i = 0; i < 4; i++) {
		jobs[i] = (struct thread_job){m, X, expect, TEST_ROWS, 0};
		ck_assert_int_eq(pthread_create(&th[i], NULL, score_thread, &jobs[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		ck_assert_int_eq(jobs[i].mismatches, 0);
	}
	vg_model_destroy(m);
}
END_TEST

/* How train_raw names the features: not at all, f0, f1, ... or as this build does. */
enum raw_names { RAW_NO_NAMES, RAW_F_NAMES, RAW_BUILD_NAMES };

/* A model trained straight through XGBoost with ncol features for objective
 * (num_class > 0: that many classes). */
static void train_raw(const char *path, size_t ncol, enum raw_names names,
                      const char *objective, int num_class)
{
	enum { MAXCOL = 64 };
	float X[40 * MAXCOL], y[40];
	const char *fn[MAXCOL];
	char buf[MAXCOL][8];
	ck_assert_uint_le(ncol, MAXCOL);
	DMatrixHandle dm;
	BoosterHandle bst;
	for (size_t r = 0; r < 40; r++) {
		y[r] = (float)(r % 2);
		for (size_t j = 0; j < ncol; j++)
			X[r * ncol + j] = (float)((r * 7 + j * 3) % 11) + y[r] * (j == 0);
	}
	for (size_t j = 0; j < ncol; j++) {
		snprintf(buf[j], sizeof(buf[j]), "f%zu", j);
		fn[j] = names == RAW_BUILD_NAMES ? vg_feature_name(j) : buf[j];
	}
	ck_assert_int_eq(XGDMatrixCreateFromMat(X, 40, ncol, NAN, &dm), 0);
	ck_assert_int_eq(XGDMatrixSetFloatInfo(dm, "label", y, 40), 0);
	ck_assert_int_eq(XGBoosterCreate(&dm, 1, &bst), 0);
	ck_assert_int_eq(XGBoosterSetParam(bst, "objective", objective), 0);
	if (num_class > 0) {
		char nc[16];
		snprintf(nc, sizeof(nc), "%d", num_class);
		ck_assert_int_eq(XGBoosterSetParam(bst, "num_class", nc), 0);
	}
	ck_assert_int_eq(XGBoosterSetParam(bst, "nthread", "1"), 0);
	ck_assert_int_eq(XGBoosterUpdateOneIter(bst, 0, dm), 0);
	if (names != RAW_NO_NAMES)
		ck_assert_int_eq(
		    XGBoosterSetStrFeatureInfo(bst, "feature_name", fn, ncol), 0);
	ck_assert_int_eq(XGBoosterSaveModel(bst, path), 0);
	XGBoosterFree(bst);
	XGDMatrixFree(dm);
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	fclose(f);
}

START_TEST(load_errors_are_clear)
{
	struct vg_model *m = (struct vg_model *)&m; /* must be reset to NULL */
	char err[512], p[128];

	err[0] = '\0';
	ck_assert_int_eq(
	    vg_model_load_file("/nonexistent-dir/model.json", &m, err, sizeof(err)),
	    VG_ERR_IO);
	ck_assert_ptr_null(m);
	ck_assert_str_eq(err, "/nonexistent-dir/model.json: No such file or directory");

	path_in_dir(p, sizeof(p), "bad.json");
	write_file(p, "hello, this is not a model", 26);
	ck_assert_int_eq(vg_model_load_file(p, &m, err, sizeof(err)), VG_ERR_MODEL);
	ck_assert_ptr_null(m);
	ck_assert_msg(strncmp(err, p, strlen(p)) == 0, "%s", err);
	ck_assert_msg(strstr(err, "wrong model format"), "%s", err);
	ck_assert_msg(!strchr(err, '\n') && !strstr(err, "Stack trace"), "%s", err);
	ck_assert_msg(err[strlen(p) + 2] != '[', "timestamp kept: %s", err);

	/* the first half of a real JSON model */
	struct vg_buf b;
	vg_buf_init(&b);
	ck_assert_int_eq(vg_buf_read_file(&b, g_model), VG_OK);
	path_in_dir(p, sizeof(p), "trunc.json");
	write_file(p, b.data, b.len / 2);
	ck_assert_int_eq(vg_model_load_file(p, &m, err, sizeof(err)), VG_ERR_MODEL);
	ck_assert_msg(strncmp(err, p, strlen(p)) == 0 && strlen(err) > strlen(p) + 10,
	              "%s", err);
	vg_buf_free(&b);

	ck_assert_int_eq(vg_model_load_buffer("", 0, &m, err, sizeof(err)), VG_ERR_MODEL);
	ck_assert_str_eq(err, "model buffer: empty model");
	ck_assert_int_eq(vg_model_load_buffer("{\"x\":1}", 7, &m, err, sizeof(err)),
	                 VG_ERR_MODEL);
	ck_assert_msg(strncmp(err, "model buffer: ", 14) == 0, "%s", err);
	ck_assert_int_eq(vg_model_load_buffer(NULL, 5, &m, err, sizeof(err)),
	                 VG_ERR_INVALID);
	ck_assert_int_eq(vg_model_load_file(g_model, NULL, err, sizeof(err)),
	                 VG_ERR_INVALID);

	/* errstr may be NULL; a short one is truncated and terminated */
	ck_assert_int_eq(vg_model_load_file("/nonexistent-dir/x", &m, NULL, 0),
	                 VG_ERR_IO);
	char small[8];
	ck_assert_int_eq(
	    vg_model_load_file("/nonexistent-dir/x", &m, small, sizeof(small)),
	    VG_ERR_IO);
	ck_assert_str_eq(small, "/nonexi");
}
END_TEST

START_TEST(models_for_another_feature_list_are_refused)
{
	struct vg_model *m = NULL;
	char err[512], p[128];

	path_in_dir(p, sizeof(p), "raw3.json");
	train_raw(p, 3, RAW_F_NAMES, "binary:logistic", 0);
	ck_assert_int_eq(vg_model_load_file(p, &m, err, sizeof(err)), VG_ERR_MODEL);
	ck_assert_ptr_null(m);
	char want[64];
	snprintf(want, sizeof(want), "model reads 3 features, this build computes %d",
	         VG_FEATURE_COUNT);
	ck_assert_msg(strstr(err, want), "%s", err);

	path_in_dir(p, sizeof(p), "raw-names.json");
	train_raw(p, NF, RAW_F_NAMES, "binary:logistic", 0);
	ck_assert_int_eq(vg_model_load_file(p, &m, err, sizeof(err)), VG_ERR_MODEL);
	ck_assert_msg(strstr(err, "model feature 0 is 'f0', this build computes "
	                          "'alert_count'"),
	              "%s", err);

	/* no names stored: accepted on the count */
	path_in_dir(p, sizeof(p), "raw-nonames.json");
	train_raw(p, NF, RAW_NO_NAMES, "binary:logistic", 0);
	ck_assert_msg(vg_model_load_file(p, &m, err, sizeof(err)) == VG_OK, "%s", err);
	float f[NF] = {0}, s;
	ck_assert_int_eq(vg_model_score(m, f, &s, NULL, err, sizeof(err)), VG_OK);
	vg_model_destroy(m);
}
END_TEST

/* The fixture's model JSON with its first `from` replaced by `to`, written to path. */
static void write_edited_model(const char *path, const char *from, const char *to)
{
	struct vg_buf b, out;
	vg_buf_init(&b);
	vg_buf_init(&out);
	ck_assert_int_eq(vg_buf_read_file(&b, g_model), VG_OK);
	const char *at = strstr(b.data, from);
	ck_assert_msg(at, "%s has no %s", g_model, from);
	size_t head = (size_t)(at - b.data), cut = strlen(from);
	vg_buf_append(&out, b.data, head);
	vg_buf_puts(&out, to);
	vg_buf_append(&out, at + cut, b.len - head - cut);
	ck_assert(!out.oom);
	write_file(path, out.data, out.len);
	vg_buf_free(&b);
	vg_buf_free(&out);
}

/* Load path, which must be refused with "path: model objective '<objective>'<count>
 * is not a binary classifier's probability: ..." (objective NULL: any). */
static void assert_refused_kind(const char *path, const char *objective,
                                const char *count)
{
	struct vg_model *m = (struct vg_model *)&m; /* must be reset to NULL */
	char err[512] = "", head[256], tail[256];
	vg_err rc = vg_model_load_file(path, &m, err, sizeof(err));
	ck_assert_msg(rc == VG_ERR_MODEL, "%s: %s loaded (%s)", path, vg_err_str(rc),
	              err);
	ck_assert_ptr_null(m);
	snprintf(head, sizeof(head), "%s: model objective '%s", path,
	         objective ? objective : "");
	snprintf(tail, sizeof(tail),
	         "'%s is not a binary classifier's probability: train with "
	         "objective binary:logistic",
	         count);
	size_t n = strlen(err), nh = strlen(head), nt = strlen(tail);
	ck_assert_msg(n >= nh + nt && !strncmp(err, head, nh) &&
	                  !strcmp(err + n - nt, tail) && (objective || n > nh + nt),
	              "%s", err);
	if (objective)
		ck_assert_uint_eq(n, nh + nt);
}

/* A score is a binary classifier's probability of one class.  A model with this
 * build's features but another objective -- class probabilities or a class index
 * per row, raw margins, counts, regression values -- or more than one output a
 * row is refused at load, naming the objective: before, the multi-class ones
 * loaded and failed at the first scoring, the others scored outside [0,1]. */
START_TEST(models_of_another_kind_are_refused)
{
	static const struct {
		const char *objective;
		int num_class;
		const char *count;
	} wrong[] = {
	    {"multi:softprob", 2, " (2 classes)"},
	    {"multi:softmax", 2, " (2 classes)"},
	    {"binary:logitraw", 0, ""},
	    {"binary:hinge", 0, ""},
	    {"reg:squarederror", 0, ""},
	    {"count:poisson", 0, ""},
	};
	char p[128], err[512] = "";

	path_in_dir(p, sizeof(p), "kind.json");
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		train_raw(p, NF, RAW_BUILD_NAMES, wrong[i].objective, wrong[i].num_class);
		assert_refused_kind(p, wrong[i].objective, wrong[i].count);
	}

	/* binary:logistic, but more than one output a row (XGBoost 1.7.4 reads the
	 * first as multi:softmax: a class index a row) */
	write_edited_model(p, "\"num_class\":\"0\"", "\"num_class\":\"3\"");
	assert_refused_kind(p, NULL, " (3 classes)");
	write_edited_model(p, "\"num_target\":\"1\"", "\"num_target\":\"2\"");
	assert_refused_kind(p, "binary:logistic", " (2 targets)");

	/* reg:logistic is the same sigmoid of the same margin: accepted, same scores */
	static float X[TEST_ROWS * NF], y[TEST_ROWS], s_bin[TEST_ROWS], s_reg[TEST_ROWS];
	struct vg_model *mb = load_default(), *mr = NULL;
	write_edited_model(p, "\"name\":\"binary:logistic\"",
	                   "\"name\":\"reg:logistic\"");
	ck_assert_msg(vg_model_load_file(p, &mr, err, sizeof(err)) == VG_OK, "%s", err);
	make_data(99, TEST_ROWS, X, y);
	ck_assert_int_eq(
	    vg_model_score_rows(mb, X, TEST_ROWS, s_bin, NULL, err, sizeof(err)), VG_OK);
	ck_assert_int_eq(
	    vg_model_score_rows(mr, X, TEST_ROWS, s_reg, NULL, err, sizeof(err)), VG_OK);
	ck_assert_mem_eq(s_bin, s_reg, sizeof(s_bin));
	vg_model_destroy(mr);
	vg_model_destroy(mb);
}
END_TEST

/* Instance weights reach XGBoost: on labels that are pure noise, weighing the
 * negatives ten times pulls every score down. */
START_TEST(train_weights_shift_scores)
{
	static float X[ROWS * NF], y[ROWS], w[ROWS];
	char err[512] = "", pa[128], pb[128];
	uint64_t s = 3;
	for (size_t r = 0; r < ROWS; r++) {
		for (size_t j = 0; j < NF; j++)
			X[r * NF + j] = rng_unit(&s);
		y[r] = (float)(rng_next(&s) & 1);
		w[r] = y[r] > 0.5f ? 1.0f : 10.0f;
	}
	path_in_dir(pa, sizeof(pa), "a.json");
	path_in_dir(pb, sizeof(pb), "b.json");
	struct vg_train_params p = g_params;
	ck_assert_int_eq(vg_model_train(X, y, ROWS, &p, pa, err, sizeof(err)), VG_OK);
	p.weight = w;
	ck_assert_int_eq(vg_model_train(X, y, ROWS, &p, pb, err, sizeof(err)), VG_OK);
	struct vg_model *ma = NULL, *mb = NULL;
	ck_assert_int_eq(vg_model_load_file(pa, &ma, err, sizeof(err)), VG_OK);
	ck_assert_int_eq(vg_model_load_file(pb, &mb, err, sizeof(err)), VG_OK);
	double sa = 0, sb = 0;
	for (size_t r = 0; r < ROWS; r++) {
		float a, b;
		ck_assert_int_eq(
		    vg_model_score(ma, X + r * NF, &a, NULL, err, sizeof(err)), VG_OK);
		ck_assert_int_eq(
		    vg_model_score(mb, X + r * NF, &b, NULL, err, sizeof(err)), VG_OK);
		sa += a;
		sb += b;
	}
	ck_assert_msg(sb < 0.75 * sa, "mean score weighted %g, unweighted %g", sb / ROWS,
	              sa / ROWS);
	vg_model_destroy(ma);
	vg_model_destroy(mb);
}
END_TEST

/* The schema's monotone priors bind training: data in which a larger
 * network_novelty (a feature marked `monotone: increasing`) means *less* likely an
 * attack -- the only signal in it -- still gives a model whose score never falls
 * as network_novelty grows, every other feature held fixed.  Without the
 * constraint the trees learn the decreasing step. */
START_TEST(train_honours_monotone_priors)
{
	static float X[ROWS * NF], y[ROWS];
	char err[512] = "", path[128];
	size_t nn = fidx("network_novelty");
	ck_assert_int_eq(vg_feature_monotone(nn), 1);
	uint64_t s = 11;
	for (size_t r = 0; r < ROWS; r++) {
		for (size_t j = 0; j < NF; j++)
			X[r * NF + j] = rng_unit(&s);
		X[r * NF + nn] = (float)(rng_next(&s) % 20);
		y[r] = X[r * NF + nn] < 10.0f ? 1.0f : 0.0f;
	}
	path_in_dir(path, sizeof(path), "x.json");
	ck_assert_int_eq(vg_model_train(X, y, ROWS, &g_params, path, err, sizeof(err)),
	                 VG_OK);
	struct vg_model *m = NULL;
	ck_assert_int_eq(vg_model_load_file(path, &m, err, sizeof(err)), VG_OK);
	for (size_t r = 0; r < 20; r++) {
		float row[NF], prev = -1.0f;
		memcpy(row, X + r * NF, sizeof(row));
		for (int v = 0; v < 20; v++) {
			float sc;
			row[nn] = (float)v;
			ck_assert_int_eq(
			    vg_model_score(m, row, &sc, NULL, err, sizeof(err)), VG_OK);
			ck_assert_msg(sc >= prev,
			              "row %zu: score %g at network_novelty %d < %g", r,
			              sc, v, prev);
			prev = sc;
		}
	}
	vg_model_destroy(m);
}
END_TEST

START_TEST(train_rejects_bad_input)
{
	float X[4 * NF] = {0}, y[4] = {0, 1, 0, 1};
	struct vg_train_params p = g_params;
	char err[512], path[128];
	struct stat st;

	path_in_dir(path, sizeof(path), "x.json");
	p.rounds = 0;
	ck_assert_int_eq(vg_model_train(X, y, 4, &p, path, err, sizeof(err)),
	                 VG_ERR_INVALID);
	ck_assert_str_eq(err, "train: rounds must be 1..100000, not 0");
	p = g_params;
	p.eta = 0.0;
	ck_assert_int_eq(vg_model_train(X, y, 4, &p, path, err, sizeof(err)),
	                 VG_ERR_INVALID);
	p = g_params;
	y[3] = 0.5f;
	ck_assert_int_eq(vg_model_train(X, y, 4, &p, path, err, sizeof(err)),
	                 VG_ERR_INVALID);
	ck_assert_str_eq(err, "train: label of row 3 is 0.5, expected 0 or 1");
	y[3] = 1.0f;
	float w[4] = {1, 1, 0, 1};
	p.weight = w;
	ck_assert_int_eq(vg_model_train(X, y, 4, &p, path, err, sizeof(err)),
	                 VG_ERR_INVALID);
	ck_assert_str_eq(err, "train: weight of row 2 is 0, expected > 0");
	p.weight = NULL;
	ck_assert_int_eq(vg_model_train(X, y, 0, &p, path, err, sizeof(err)),
	                 VG_ERR_INVALID);
	ck_assert_int_eq(vg_model_train(NULL, y, 4, &p, path, err, sizeof(err)),
	                 VG_ERR_INVALID);
	ck_assert_int_ne(stat(path, &st), 0); /* nothing written */

	ck_assert_int_eq(
	    vg_model_train(X, y, 4, &p, "/nonexistent-dir/m.json", err, sizeof(err)),
	    VG_ERR_IO);
	ck_assert_msg(
	    strstr(err, "/nonexistent-dir/m.json.tmp: No such file or directory"), "%s",
	    err);

	/* a valid tiny set trains; no stray temporary file remains */
	ck_assert_int_eq(vg_model_train(X, y, 4, &p, path, err, sizeof(err)), VG_OK);
	ck_assert_int_eq(stat(path, &st), 0);
	char tmp[160];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	ck_assert_int_ne(stat(tmp, &st), 0);
}
END_TEST

START_TEST(score_rejects_null_arguments)
{
	struct vg_model *m = load_default();
	float f[NF] = {0}, s;
	char err[256];
	ck_assert_int_eq(vg_model_score(NULL, f, &s, NULL, err, sizeof(err)),
	                 VG_ERR_INVALID);
	ck_assert_int_eq(vg_model_score(m, NULL, &s, NULL, err, sizeof(err)),
	                 VG_ERR_INVALID);
	ck_assert_int_eq(vg_model_score(m, f, NULL, NULL, err, sizeof(err)),
	                 VG_ERR_INVALID);
	vg_model_destroy(m);
}
END_TEST

/* ------------------------------------------------------------ PR-AUC / bands */

START_TEST(pr_auc_known_cases)
{
	/* perfect ranking */
	float s1[] = {0.9f, 0.8f, 0.3f, 0.1f}, l1[] = {1, 1, 0, 0};
	ck_assert_double_eq(vg_pr_auc(s1, l1, 4), 1.0);
	/* by hand: P=2; k1 tp1 (R .5, P 1), k2 no recall, k3 tp2 (R 1, P 2/3)
	 * AP = .5 * 1 + .5 * 2/3 = 5/6 */
	float s2[] = {0.9f, 0.8f, 0.7f, 0.6f}, l2[] = {1, 0, 1, 0};
	ck_assert_double_eq_tol(vg_pr_auc(s2, l2, 4), 5.0 / 6.0, 1e-12);
	/* same rows shuffled: order does not matter */
	float s2b[] = {0.6f, 0.7f, 0.9f, 0.8f}, l2b[] = {0, 1, 1, 0};
	ck_assert_double_eq_tol(vg_pr_auc(s2b, l2b, 4), 5.0 / 6.0, 1e-12);
	/* worst ranking: AP = 1 * 1/2 */
	float s3[] = {0.9f, 0.1f}, l3[] = {0, 1};
	ck_assert_double_eq_tol(vg_pr_auc(s3, l3, 2), 0.5, 1e-12);
}
END_TEST

START_TEST(pr_auc_ties_and_degenerate_input)
{
	/* a tie admits both rows at once: R .5 P .5, then R 1 P 2/3 -> 1/4 + 1/3 */
	float s[] = {0.5f, 0.5f, 0.1f}, l[] = {1, 0, 1};
	ck_assert_double_eq_tol(vg_pr_auc(s, l, 3), 7.0 / 12.0, 1e-12);
	float sr[] = {0.5f, 0.5f, 0.1f}, lr[] = {0, 1, 1};
	ck_assert_double_eq_tol(vg_pr_auc(sr, lr, 3), 7.0 / 12.0, 1e-12);
	/* every score equal: AP is the positive rate */
	float se[] = {0.2f, 0.2f, 0.2f, 0.2f}, le[] = {1, 0, 0, 0};
	ck_assert_double_eq_tol(vg_pr_auc(se, le, 4), 0.25, 1e-12);
	/* NaN ranks lowest */
	float sn[] = {NAN, 0.1f}, ln[] = {0, 1};
	ck_assert_double_eq(vg_pr_auc(sn, ln, 2), 1.0);
	/* undefined without positives */
	float l0[] = {0, 0, 0};
	ck_assert(isnan(vg_pr_auc(s, l0, 3)));
	ck_assert(isnan(vg_pr_auc(s, l, 0)));
	float lall[] = {1, 1, 1};
	ck_assert_double_eq(vg_pr_auc(s, lall, 3), 1.0);
}
END_TEST

/* ------------------------------------------------- surfacing threshold */

START_TEST(threshold_window_bounds)
{
	/* 1000 false alerts, 99% to screen out: at most 10 may be surfaced */
	float score[] = {0.9f, 0.5f, 0.5f, 0.2f, 0.05f, NAN};
	uint64_t fa[] = {0, 3, 1, 10, 100, 50};
	uint64_t steps[] = {1u << 1, 0, 1u << 2 | 1u, 1u << 1, 0, 1u << 3};
	struct vg_thr_window w;
	ck_assert_int_eq(vg_threshold_window(score, fa, steps, 6, 1000, 0.99, &w), VG_OK);
	/* kept: 0 above 0.9, 4 with the tied 0.5s, 14 with 0.2: t must be above 0.2 */
	ck_assert_double_eq(w.lo, (double)0.2f);
	/* step 1 best 0.9, step 2 best 0.5 (bit 0 is no step); step 3 only in a
	 * NaN row, which is never surfaced, bounds nothing */
	ck_assert_double_eq(w.hi, (double)0.5f);
	ck_assert_int_eq(w.hi_step, 2);
	ck_assert(w.feasible);

	/* tied scores are surfaced together: 3 + 8 breaks the budget at 0.5, in
	 * whichever order the two rows come */
	fa[2] = 8;
	ck_assert_int_eq(vg_threshold_window(score, fa, steps, 6, 1000, 0.99, &w), VG_OK);
	ck_assert_double_eq(w.lo, (double)0.5f);
	ck_assert(!w.feasible); /* (0.5, 0.5] is empty */

	/* the budget never broken, no step: any threshold */
	uint64_t none[] = {0, 0, 0, 0, 0, 0};
	ck_assert_int_eq(vg_threshold_window(score, none, none, 6, 1000, 0.99, &w),
	                 VG_OK);
	ck_assert(isinf(w.lo) && w.lo < 0);
	ck_assert(isinf(w.hi) && w.hi > 0);
	ck_assert_int_eq(w.hi_step, -1);
	ck_assert(w.feasible);
	ck_assert_int_eq(vg_threshold_window(score, none, none, 0, 0, 0.99, &w), VG_OK);
	ck_assert(w.feasible);
}
END_TEST

START_TEST(threshold_pick_most_windows_widest_region)
{
	/* as the evaluation's fox fold had them: C and D overlap A around 0.003,
	 * B and D overlap A around 0.007, E is empty */
	const struct vg_thr_window w[] = {
	    {0.001, 0.1, 1, true},     /* A */
	    {0.004, 0.03, 1, true},    /* B */
	    {0.0008, 0.0039, 2, true}, /* C */
	    {0.002, 0.012, 3, true},   /* D */
	    {0.006, 0.0039, 4, false}, /* E */
	};
	struct vg_thr_pick why;
	/* three windows hold (0.002, 0.0039] and three (0.004, 0.012]; the second
	 * is wider (x3 against x1.95): its geometric middle */
	double t = vg_threshold_pick(w, 5, &why);
	ck_assert_double_eq_tol(t, sqrt(0.004 * 0.012), 1e-15);
	ck_assert_uint_eq(why.covered, 3);
	ck_assert_uint_eq(why.lo_from, 1);
	ck_assert_uint_eq(why.hi_from, 3);

	/* equal widths: the lower region */
	const struct vg_thr_window eq[] = {{0.004, 0.008, 1, true},
	                                   {0.001, 0.002, 1, true}};
	ck_assert_double_eq_tol(vg_threshold_pick(eq, 2, &why), sqrt(0.001 * 0.002),
	                        1e-15);
	ck_assert_uint_eq(why.lo_from, 1);

	/* nothing to screen below: the highest threshold keeping the steps */
	const struct vg_thr_window open[] = {{-INFINITY, 0.3, 1, true},
	                                     {-INFINITY, 0.2, 1, true}};
	ck_assert_double_eq(vg_threshold_pick(open, 2, &why), 0.2);
	ck_assert_uint_eq(why.covered, 2);
	ck_assert_uint_eq(why.lo_from, SIZE_MAX);
	ck_assert_uint_eq(why.hi_from, 1);
}
END_TEST

START_TEST(threshold_pick_without_a_feasible_window)
{
	/* none can meet both goals: every step of every scenario surfaced */
	const struct vg_thr_window w[] = {{0.05, 0.01, 1, false},
	                                  {0.02, 0.004, 2, false}};
	struct vg_thr_pick why;
	ck_assert_double_eq(vg_threshold_pick(w, 2, &why), 0.004);
	ck_assert_uint_eq(why.covered, 0);
	ck_assert_uint_eq(why.hi_from, 1);
	/* no window at all */
	ck_assert_double_eq(vg_threshold_pick(w, 0, &why), 0.5);
	ck_assert_uint_eq(why.hi_from, SIZE_MAX);
}
END_TEST

START_TEST(priority_bands)
{
	const double bands[3] = {0.3, 0.6, 0.85};
	ck_assert_int_eq(vg_priority_from_score(1.0, bands), 1);
	ck_assert_int_eq(vg_priority_from_score(0.85, bands), 1);
	ck_assert_int_eq(vg_priority_from_score(0.8499, bands), 2);
	ck_assert_int_eq(vg_priority_from_score(0.6, bands), 2);
	ck_assert_int_eq(vg_priority_from_score(0.5999, bands), 3);
	ck_assert_int_eq(vg_priority_from_score(0.3, bands), 3);
	ck_assert_int_eq(vg_priority_from_score(0.2999, bands), 4);
	ck_assert_int_eq(vg_priority_from_score(0.0, bands), 4);
	ck_assert_int_eq(vg_priority_from_score(NAN, bands), 4);
}
END_TEST

static Suite *models_suite(void)
{
	Suite *s = suite_create("models");
	TCase *tc;

	tc = tcase_create("feature_list");
	tcase_add_test(tc, feature_names_match_schema_yaml);
	suite_add_tcase(s, tc);

	tc = tcase_create("features");
	tcase_add_test(tc, features_of_empty_incident_are_zero);
	tcase_add_test(tc, lateral_reads_the_first_source_address);
	tcase_add_test(tc, features_of_brute_force_then_login_incident);
	tcase_add_test(tc, third_party_signatures_count_and_stream_statistics);
	tcase_add_test(tc, success_after_failure_needs_order_correlation_and_two_alerts);
	tcase_add_test(tc, tactic_tags_are_normalised_and_spanned);
	tcase_add_test(tc, distinct_counts_saturate);
	tcase_add_loop_test(tc, incremental_features_match_recomputed, 0, 4);
	suite_add_tcase(s, tc);

	tc = tcase_create("model");
	tcase_add_unchecked_fixture(tc, train_fixture_setup, train_fixture_teardown);
	tcase_add_test(tc, trained_model_separates_classes);
	tcase_add_test(tc, contributions_sum_to_margin);
	tcase_add_test(tc, rows_score_as_single_calls);
	tcase_add_test(tc, training_is_byte_reproducible);
	tcase_add_test(tc, binary_formats_and_buffer_load_score_the_same);
	tcase_add_test(tc, concurrent_scoring_matches_serial);
	tcase_add_test(tc, load_errors_are_clear);
	tcase_add_test(tc, models_for_another_feature_list_are_refused);
	tcase_add_test(tc, models_of_another_kind_are_refused);
	tcase_add_test(tc, train_rejects_bad_input);
	tcase_add_test(tc, train_weights_shift_scores);
	tcase_add_test(tc, train_honours_monotone_priors);
	tcase_add_test(tc, score_rejects_null_arguments);
	suite_add_tcase(s, tc);

	tc = tcase_create("eval");
	tcase_add_test(tc, pr_auc_known_cases);
	tcase_add_test(tc, pr_auc_ties_and_degenerate_input);
	tcase_add_test(tc, priority_bands);
	tcase_add_test(tc, threshold_window_bounds);
	tcase_add_test(tc, threshold_pick_most_windows_widest_region);
	tcase_add_test(tc, threshold_pick_without_a_feasible_window);
	suite_add_tcase(s, tc);
	return s;
}

VG_TEST_MAIN(models_suite)
