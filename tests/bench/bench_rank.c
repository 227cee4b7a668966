/*
 * bench_rank.c - what ranking costs (a benchmark, not a test; scripts/bench-rank.sh).
 *
 * 1. Memory per open incident: N alerts that each open an incident (5 fields, the
 *    shape of a syslog rule hit), then nine more alerts per incident; heap in use
 *    (mallinfo2) before and after, divided by the incidents open (a few merge
 *    through weak host links).
 * 2. Cost per incident update: an alert joins an open incident (assembly), its
 *    features are recomputed, and it is scored with and without the explanation
 *    (per-feature contributions), with the shipped model; CPU time of this thread
 *    per update, for each step; then the same updates' features scored with their
 *    explanations RANK_BATCH rows per call (vg_model_score_rows), as the pipeline
 *    scores the incidents a batch changed: per update.
 * 3. Closing: vg_assembler_expire at a time when about half of the open incidents
 *    have been idle longer than the gap (the updates hit them in a scattered
 *    order, so the closing ones are spread over the open set); CPU time per
 *    closed incident.
 * 4. A scanned host: one host, one rule, every alert from a new source address, so
 *    each opens an incident of its own on that host (the host alone links
 *    nothing): SCAN_RATE alerts a second of event time for SCAN_HOURS hours, gap
 *    1 h, expired every 1000 alerts; CPU time per alert in each hour, with the open
 *    incidents (36,000 from the first hour on) -- flat when an opening costs what
 *    the host's recent openings hold, not all of them.
 * 5. The scanned host again, with a rule new to the fleet firing on a host never
 *    seen once a second past a 1 h warm-up: each is a novelty, counted by the open
 *    incidents within the gap of it; CPU time per alert in each hour.  Hour 2
 *    carries the first novelties' burst (each of the 36,000 incidents the
 *    warm-up hour opened counts 64 of them, each count listing it for re-ranking);
 *    hour 3 is close to section 4's when a novelty costs the incidents that can
 *    still count it, not the 36,000 open.  Touched incidents are taken eight at a
 *    time after every alert, as the pipeline takes them.
 * Usage: bench_rank [N_INCIDENTS] [N_UPDATES]
 */
#include "vg_correlate.h"
#include "vg_models.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RANK_BATCH 64 /* rows per vg_model_score_rows call */

static double cpu_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t heap_in_use(void)
{
	return mallinfo2().uordblks;
}

/* One alert of incident k (its own source IP, so alerts of k link only to k). */
static void make_alert(struct vg_alert *a, struct vg_kv *kv, char (*vals)[64],
                       const struct vg_rule *rule, uint64_t seq, uint64_t k, vg_time t)
{
	memset(a, 0, sizeof(*a));
	vg_hex64(vg_hash64(&seq, sizeof(seq), 42), a->id);
	snprintf(vals[0], 64, "10.%u.%u.%u", (unsigned)(k >> 16 & 255),
	         (unsigned)(k >> 8 & 255), (unsigned)(k & 255));
	snprintf(vals[1], 64, "host%llu", (unsigned long long)(k % 50));
	snprintf(vals[2], 64, "user%llu", (unsigned long long)k);
	snprintf(vals[3], 64, "/usr/bin/sudo");
	snprintf(vals[4], 64, "%llu", (unsigned long long)(seq % 7));
	static char *names[] = {"source.ip", "host.name", "user.name",
	                        "process.executable", "source.port"};
	for (int i = 0; i < 5; i++) {
		kv[i].name = names[i];
		kv[i].value = vals[i];
	}
	a->rule = rule;
	a->first_ts = a->last_ts = t;
	a->event_count = 1;
	a->group_key = "";
	a->fields = kv;
	a->nfields = 5;
}

#define SCAN_RATE  10
#define SCAN_HOURS 3

/* Sections 4 and 5: the scanned host, and with novel_rate > 0 the same with a new
 * (rule, host) pair novel_rate times a second past a 1 h warm-up (a rule new to
 * the fleet firing on host after host), each novelty counted by the open
 * incidents within the gap of it. */
static int bench_scan(const struct vg_rule *rule, unsigned novel_rate)
{
	struct vg_assembler_conf conf = {
	    .inactivity_gap = (vg_time)3600 * VG_USEC_PER_SEC,
	    .novelty_warmup = novel_rate ? (vg_time)3600 * VG_USEC_PER_SEC : 0};
	struct vg_assembler *a;
	if (vg_assembler_new(&conf, &a))
		return 1;
	vg_time t0 = vg_time_from_civil(2026, 1, 1, 0, 0, 0, 0);
	size_t per_hour = (size_t)SCAN_RATE * 3600, alerts = 0, fleet = 0;
	uint64_t seq = 0; /* alert ids: unique over the run */
	double c = cpu_seconds();
	if (novel_rate)
		printf("scanned host and a new rule across the fleet (%d alerts/s on the "
		       "host, each from a new source; %u a second on hosts never seen, "
		       "novelties past a 1 h warm-up; gap 1 h):\n",
		       SCAN_RATE, novel_rate);
	else
		printf("scanned host (%d alerts/s, each from a new source; gap 1 h):\n",
		       SCAN_RATE);
	for (size_t i = 0; i < per_hour * SCAN_HOURS; i++) {
		struct vg_alert al;
		struct vg_kv kv[2];
		char ip[32], host[32];
		vg_time t = t0 + (vg_time)i * VG_USEC_PER_SEC / SCAN_RATE;
		bool changed, novel = novel_rate && i % SCAN_RATE == 0;
		for (unsigned j = 0; j < (novel ? 1 + novel_rate : 1); j++) {
			memset(&al, 0, sizeof(al));
			seq++, alerts++;
			vg_hex64(vg_hash64(&seq, sizeof(seq), 7), al.id);
			if (j == 0) { /* the scan */
				snprintf(ip, sizeof(ip), "203.%u.%u.%u",
				         (unsigned)(i >> 16 & 255),
				         (unsigned)(i >> 8 & 255), (unsigned)(i & 255));
				kv[0] =
				    (struct vg_kv){.name = "host.name", .value = "web01"};
				kv[1] = (struct vg_kv){.name = "source.ip", .value = ip};
				al.nfields = 2;
			} else { /* the rule on a host never seen (the host alone links
				    nothing: an incident of its own) */
				snprintf(host, sizeof(host), "fleet%zu", fleet++);
				kv[0] =
				    (struct vg_kv){.name = "host.name", .value = host};
				al.nfields = 1;
			}
			al.rule = rule;
			al.first_ts = al.last_ts = t;
			al.event_count = 1;
			al.group_key = "";
			al.fields = kv;
			if (!vg_assembler_add(a, &al, &changed))
				return 1;
			/* after every alert, eight at a time, as the pipeline takes
			 * the incidents to re-rank */
			char ids[8][21];
			while (vg_assembler_take_touched(a, ids, 8) > 0)
				;
		}
		if (i % 1000 == 999)
			vg_assembler_expire(a, t);
		if ((i + 1) % per_hour == 0) {
			double now = cpu_seconds();
			printf("  hour %zu: %8.2f us per alert, %zu open incidents\n",
			       (i + 1) / per_hour, (now - c) * 1e6 / (double)alerts,
			       vg_assembler_open_count(a));
			c = now;
			alerts = 0;
		}
	}
	vg_assembler_destroy(a);
	return 0;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 100000;
	size_t updates = argc > 2 ? strtoull(argv[2], NULL, 10) : 200000;
	struct vg_diag d;
	struct vg_ruleset *rs = NULL;
	struct vg_model *model = NULL;
	char errstr[512];

	vg_diag_init(&d);
	if (vg_fields_init(&d) || vg_ruleset_load(NULL, 0, &rs, &d)) {
		vg_diag_print(&d, stderr);
		return 1;
	}
	const struct vg_resource *r = vg_resource_get("models/default-model.json");
	if (!r || vg_model_load_buffer(r->data, r->len, &model, errstr, sizeof(errstr))) {
		fprintf(stderr, "bench_rank: model: %s\n", r ? errstr : "not embedded");
		return 1;
	}
	const struct vg_rule *rule = NULL;
	for (size_t i = 0; i < vg_ruleset_count(rs) && !rule; i++) {
		struct vg_rule_info info;
		vg_rule_info(vg_ruleset_rule(rs, i), &info);
		if (!info.is_correlation)
			rule = vg_ruleset_rule(rs, i);
	}
	struct vg_assembler_conf conf = {.inactivity_gap =
	                                     (vg_time)30 * 86400 * VG_USEC_PER_SEC};
	struct vg_assembler *a;
	if (vg_assembler_new(&conf, &a))
		return 1;

	struct vg_alert al;
	struct vg_kv kv[5];
	char vals[5][64];
	bool changed;
	uint64_t seq = 0;
	vg_time t0 = vg_time_from_civil(2026, 1, 1, 0, 0, 0, 0);

	size_t nf = vg_feature_count();
	float *features = calloc(nf, sizeof(float));
	if (!features)
		return 1;
	/* the memory figures include the features' running state (the pipeline
	 * ranks every incident an alert changed) */
	size_t heap0 = heap_in_use();
	for (size_t k = 0; k < n; k++) {
		make_alert(&al, kv, vals, rule, seq++, k, t0 + (vg_time)k);
		struct vg_incident *inc = vg_assembler_add(a, &al, &changed);
		if (!inc || vg_features_of_open_incident(inc, features))
			return 1;
	}
	size_t heap1 = heap_in_use();
	size_t open1 = vg_assembler_open_count(a);
	for (int round = 1; round < 10; round++)
		for (size_t k = 0; k < n; k++) {
			make_alert(&al, kv, vals, rule, seq++, k,
			           t0 + (vg_time)(n * round + k));
			struct vg_incident *inc = vg_assembler_add(a, &al, &changed);
			if (!inc || vg_features_of_open_incident(inc, features))
				return 1;
		}
	size_t heap10 = heap_in_use();
	/* A few incidents merge through weak host links: divide by what is open. */
	size_t open = vg_assembler_open_count(a);
	printf("open incidents: %zu after %zu first alerts, %zu after %llu alerts\n",
	       open1, n, open, (unsigned long long)seq);
	printf("memory per open incident, 1 alert:   %.0f bytes\n",
	       (double)(heap1 - heap0) / (double)open1);
	printf("memory per open incident, ~10 alerts: %.0f bytes\n",
	       (double)(heap10 - heap0) / (double)open);

	float *contrib = calloc(nf + 1, sizeof(float));
	float *rows = calloc(RANK_BATCH * nf, sizeof(float)),
	      *row_contrib = calloc(RANK_BATCH * (nf + 1), sizeof(float)),
	      row_scores[RANK_BATCH];
	if (!contrib || !rows || !row_contrib)
		return 1;
	float *scratch = calloc(nf, sizeof(float));
	if (!scratch)
		return 1;
	double t_scratch = 0, t_asm = 0, t_feat = 0, t_score = 0, t_explain = 0,
	       t_rows = 0;
	size_t nrows = 0, scored_rows = 0;
	for (size_t u = 0; u < updates; u++) {
		size_t k = (u * 7919) % n;
		make_alert(&al, kv, vals, rule, seq++, k, t0 + (vg_time)(n * 10 + u));
		double c0 = cpu_seconds();
		struct vg_incident *inc = vg_assembler_add(a, &al, &changed);
		double c1 = cpu_seconds();
		if (vg_features_of_open_incident(inc, features))
			return 1;
		double c2 = cpu_seconds();
		if (vg_features_compute(inc, scratch))
			return 1;
		t_scratch += cpu_seconds() - c2;
		float score;
		if (vg_model_score(model, features, &score, NULL, errstr, sizeof(errstr)))
			return 1;
		double c3 = cpu_seconds();
		if (vg_model_score(model, features, &score, contrib, errstr,
		                   sizeof(errstr)))
			return 1;
		double c4 = cpu_seconds();
		t_asm += c1 - c0;
		t_feat += c2 - c1;
		t_score += c3 - c2;
		t_explain += c4 - c3;
		memcpy(rows + nrows * nf, features, nf * sizeof(float));
		if (++nrows == RANK_BATCH || u + 1 == updates) {
			double c5 = cpu_seconds();
			if (vg_model_score_rows(model, rows, nrows, row_scores,
			                        row_contrib, errstr, sizeof(errstr)))
				return 1;
			t_rows += cpu_seconds() - c5;
			scored_rows += nrows;
			nrows = 0;
		}
	}
	double us = 1e6 / (double)updates;
	printf("per incident update (%zu updates, CPU time of this thread):\n", updates);
	printf("  assembly                 %8.2f us\n", t_asm * us);
	printf("  features                 %8.2f us\n", t_feat * us);
	printf(
	    "  features from scratch    %8.2f us (a restored incident's first update)\n",
	    t_scratch * us);
	printf("  score                    %8.2f us\n", t_score * us);
	printf("  score with explanation   %8.2f us\n", t_explain * us);
	printf("  total with explanation   %8.2f us\n",
	       (t_asm + t_feat + t_explain) * us);
	printf("  score with explanation, %d rows per call (the pipeline's batches) "
	       "%8.2f us\n",
	       RANK_BATCH, t_rows * 1e6 / (double)scored_rows);

	size_t open_before = vg_assembler_open_count(a);
	vg_time now = t0 + (vg_time)(n * 10 + updates * 3 / 4) + conf.inactivity_gap;
	double c0 = cpu_seconds();
	size_t closed = vg_assembler_expire(a, now);
	double c1 = cpu_seconds();
	printf("expire: %zu of %zu open incidents closed in %.3f s CPU, %.2f us each\n",
	       closed, open_before, c1 - c0,
	       closed ? (c1 - c0) * 1e6 / (double)closed : 0.0);
	free(features);
	free(scratch);
	free(contrib);
	free(rows);
	free(row_contrib);
	vg_assembler_destroy(a);
	if (bench_scan(rule, 0) || bench_scan(rule, 1))
		return 1;
	vg_model_destroy(model);
	vg_ruleset_destroy(rs);
	vg_diag_clear(&d);
	return 0;
}
