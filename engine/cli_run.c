/*
 * cli_run.c - the commands that run the engine against Kafka: run, check, config,
 * and demo (the embedded broker, the bundled scenario, the incident table).
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Build everything a run would build from cfg, except the store (a check must not
 * create a database) and the broker connection, adding every problem to diag.
 * @return true when nothing is wrong. */
static bool check_all(struct vg_config *cfg, struct vg_diag *diag)
{
	struct vg_pipeline *p = NULL;
	char *store = cfg->store.path;
	size_t errors_before = diag->errors;
	cfg->store.path = NULL;
	vg_err err = vg_kafka_check_config(cfg, diag);
	vg_err perr = vg_pipeline_new(cfg, NULL, &p, diag);
	cfg->store.path = store;
	char errstr[512];
	int line, col;
	vg_config_where(cfg, "store", "path", &line, &col);
	if (store && vg_store_check_path(store, errstr, sizeof(errstr)))
		vg_diag_error(diag, cfg->file, line, col, "store.path: %s", errstr);
	vg_pipeline_destroy(p);
	return !err && !perr && diag->errors == errors_before;
}

/* The config at path, or NULL when it has errors, which are printed; check: also
 * with the problems of the decoders, rules and model it names (check_all), the
 * values in error left at their defaults (vg_config_load_file_partial). */
static struct vg_config *load_config(const char *path, bool check)
{
	struct vg_diag diag;
	struct vg_config *cfg = NULL;
	vg_diag_init(&diag);
	vg_err err = check ? vg_config_load_file_partial(path, &cfg, &diag)
	                   : vg_config_load_file(path, &cfg, &diag);
	if (err && cfg)
		check_all(cfg, &diag);
	vg_diag_print(&diag, stderr);
	if (err && !diag.count)
		fprintf(stderr, "%s: error: %s\n", path, vg_err_str(err));
	vg_diag_clear(&diag);
	if (err) {
		vg_config_destroy(cfg);
		return NULL;
	}
	return cfg;
}

struct vg_config *vg_cli_load_config(const char *path)
{
	return load_config(path, false);
}

struct vg_config *vg_cli_config_or_defaults(const char *path, const char *name)
{
	if (path)
		return vg_cli_load_config(path);
	struct vg_diag diag;
	struct vg_config *cfg = NULL;
	vg_diag_init(&diag);
	if (vg_config_load_string(name, "", 0, &cfg, &diag))
		vg_diag_print(&diag, stderr);
	vg_diag_clear(&diag);
	return cfg;
}

/* Start the embedded cluster when the config asks for it; creates the topics and
 * points cfg->kafka.brokers at it. */
static struct vg_embedded_kafka *maybe_embedded(struct vg_config *cfg)
{
	struct vg_embedded_kafka *ek;
	char errstr[256];
	int parts = (int)cfg->kafka.embedded_partitions;
	if (strcmp(cfg->kafka.brokers, "embedded") != 0)
		return NULL;
	if (vg_embedded_kafka_start(parts, &ek, errstr, sizeof(errstr))) {
		fprintf(stderr, "vigil: embedded Kafka: %s\n", errstr);
		exit(1);
	}
	for (size_t i = 0; i < cfg->kafka.ninputs; i++)
		vg_embedded_kafka_create_topic(ek, cfg->kafka.inputs[i].topic, parts);
	vg_embedded_kafka_create_topic(ek, cfg->kafka.output_topic, 1);
	vg_embedded_kafka_create_topic(ek, cfg->kafka.dead_letter_topic, 1);
	char *b = strdup(vg_embedded_kafka_bootstraps(ek));
	if (!b) {
		vg_embedded_kafka_stop(ek);
		return NULL;
	}
	free(cfg->kafka.brokers);
	cfg->kafka.brokers = b;
	return ek;
}

int vg_cli_run(int argc, char **argv)
{
	static const struct option lopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"stop-after", required_argument, NULL, 'n'},
	    {"stop-at-end", no_argument, NULL, 'e'},
	    {"verbose", no_argument, NULL, 'v'},
	    {NULL, 0, NULL, 0}};
	struct vg_run_opts opts = {0};
	const char *path = NULL;
	int c;
	int64_t v;
	while ((c = getopt_long(argc, argv, "c:n:ev", lopts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'n':
			if (!vg_cli_int_arg("run", "--stop-after", optarg, 1, INT64_MAX,
			                    &v))
				return 2;
			opts.stop_after_records = (uint64_t)v;
			break;
		case 'e': opts.stop_at_end = true; break;
		case 'v': opts.verbose = true; break;
		default: vg_cli_usage(stderr, "run"); return 2;
		}
	}
	if (!vg_cli_no_args("run", "run", argc, argv))
		return 2;
	if (!path) {
		fprintf(stderr, "vigil run: -c FILE is required\n");
		return 2;
	}
	struct vg_config *cfg = load_config(path, true);
	if (!cfg)
		return 2;
	struct vg_embedded_kafka *ek = maybe_embedded(cfg);
	if (ek) {
		printf("embedded Kafka (librdkafka mock cluster) listening on %s\n"
		       "  produce: kcat -P -b %s -t %s\n  follow:  kcat -C -b %s -t %s\n",
		       cfg->kafka.brokers, cfg->kafka.brokers, cfg->kafka.inputs[0].topic,
		       cfg->kafka.brokers, cfg->kafka.output_topic);
		fflush(stdout);
	}
	struct vg_diag diag;
	vg_diag_init(&diag);
	vg_err err = vg_kafka_run(cfg, &opts, &diag);
	vg_diag_print(&diag, stderr);
	vg_diag_clear(&diag);
	vg_embedded_kafka_stop(ek);
	vg_config_destroy(cfg);
	return err == VG_OK ? 0 : err == VG_ERR_CONFIG ? 2 : 1;
}

int vg_cli_check(int argc, char **argv)
{
	const char *path = NULL;
	int c;
	while ((c = getopt(argc, argv, "c:")) != -1) {
		if (c == 'c')
			path = optarg;
		else
			return 2;
	}
	if (!vg_cli_no_args("check", "check", argc, argv))
		return 2;
	if (!path) {
		vg_cli_usage(stderr, "check");
		return 2;
	}
	/* the config's own problems and those of everything it names, at once */
	struct vg_config *cfg = load_config(path, true);
	if (!cfg)
		return 2;
	struct vg_diag diag;
	vg_diag_init(&diag);
	bool ok = check_all(cfg, &diag);
	vg_diag_print(&diag, stderr);
	if (ok)
		printf("%s: ok\n", path);
	vg_diag_clear(&diag);
	vg_config_destroy(cfg);
	return ok ? 0 : 2;
}

int vg_cli_config(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	vg_config_describe(stdout);
	return 0;
}

/* ---------------------------------------------------------------- the demo */

struct table_ctx {
	int shown;
};

static vg_err print_row(const struct vg_ranked_row *r, void *ctx)
{
	struct table_ctx *t = ctx;
	char score[16];
	if (r->score >= 0)
		snprintf(score, sizeof(score), "%.3f", r->score);
	else
		snprintf(score, sizeof(score), "-");
	printf("  %-20s %6s  P%d  %-3s %4lld  %.70s\n", r->id, score, r->priority,
	       r->surfaced ? "yes" : "no", (long long)r->alert_count, r->title);
	t->shown++;
	return VG_OK;
}

static vg_err print_top(const struct vg_ranked_row *r, void *ctx)
{
	(void)ctx;
	printf("\nTop incident %s (version %u)\n  %s\n  %s\n", r->id, r->version,
	       r->title, r->summary);
	printf("  first seen %s, last seen %s\n", r->first_seen, r->last_seen);
	if (r->tactics && *r->tactics)
		printf("  tactics: %s\n", r->tactics);
	if (r->explanation)
		printf("  why it ranks high (feature contributions, log-odds): %s\n",
		       r->explanation);
	return VG_OK;
}

static void remove_db(const char *db)
{
	char path[4096];
	unlink(db);
	snprintf(path, sizeof(path), "%s-wal", db);
	unlink(path);
	snprintf(path, sizeof(path), "%s-shm", db);
	unlink(path);
}

int vg_cli_demo(int argc, char **argv)
{
	static const struct option lopts[] = {{"db", required_argument, NULL, 'd'},
	                                      {"serve", no_argument, NULL, 's'},
	                                      {"seed", required_argument, NULL, 'S'},
	                                      {NULL, 0, NULL, 0}};
	const char *db = "vigil-demo.db";
	bool serve = false;
	uint64_t seed = 7;
	int c, rc = 1;
	char errstr[512];
	struct vg_scenario sc = {0};
	struct vg_kafka_record *recs = NULL;
	struct vg_config *cfg = NULL;
	struct vg_embedded_kafka *ek = NULL;
	struct vg_diag diag;

	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 's': serve = true; break;
		case 'S':
			if (!vg_cli_seed_arg("demo", "--seed", optarg, &seed))
				return 2;
			break;
		default: vg_cli_usage(stderr, "demo"); return 2;
		}
	}
	vg_diag_init(&diag);
	remove_db(db); /* a fresh demo every time */

	if (vg_embedded_kafka_start(3, &ek, errstr, sizeof(errstr))) {
		fprintf(stderr, "vigil demo: embedded Kafka: %s\n", errstr);
		goto out;
	}
	const char *brokers = vg_embedded_kafka_bootstraps(ek);
	vg_embedded_kafka_create_topic(ek, "syslog", 3);
	vg_embedded_kafka_create_topic(ek, "vigil.incidents", 1);
	vg_embedded_kafka_create_topic(ek, "vigil.dead-letter", 1);
	printf("Embedded Kafka (librdkafka mock cluster) on %s\n", brokers);

	struct vg_scenario_params params = {
	    .seed = seed,
	    .start = vg_time_from_civil(2026, 11, 20, 6, 0, 0, 0),
	    .hours = 12,
	    .hosts = 4,
	    .attack = true,
	};
	if (vg_scenario_generate(&params, &sc)) {
		fprintf(stderr, "vigil demo: generating the scenario failed\n");
		goto out;
	}
	/* Two records no parser can understand, to show the dead-letter path. */
	static const char *const junk[] = {"\x01\x02\x03 binary noise \xff\xfe",
	                                   "<999>Nov 20 12:00:00 web01 sshd[1]: bad PRI"};
	size_t njunk = sizeof(junk) / sizeof(junk[0]);
	recs = calloc(sc.count + njunk, sizeof(*recs));
	if (!recs)
		goto out;
	for (size_t i = 0; i < sc.count; i++)
		recs[i] = (struct vg_kafka_record){sc.records[i].host, sc.records[i].line,
		                                   strlen(sc.records[i].line),
		                                   sc.records[i].ts};
	for (size_t i = 0; i < njunk; i++)
		recs[sc.count + i] = (struct vg_kafka_record){
		    "junk", junk[i], strlen(junk[i]), sc.records[sc.count - 1].ts};
	printf(
	    "Producing %zu syslog records (%zu from one attack campaign, %zu malformed) "
	    "to topic 'syslog'...\n",
	    sc.count + njunk, sc.attack_records, njunk);
	if (vg_kafka_produce(brokers, NULL, "syslog", recs, sc.count + njunk, errstr,
	                     sizeof(errstr))) {
		fprintf(stderr, "vigil demo: %s\n", errstr);
		goto out;
	}

	struct vg_buf y;
	vg_buf_init(&y);
	vg_buf_printf(&y,
	              "kafka:\n"
	              "  brokers: \"%s\"\n"
	              "  group_id: vigil-demo\n"
	              "  inputs: [{topic: syslog, format: syslog}]\n"
	              "store:\n  path: \"%s\"\n",
	              brokers, db);
	vg_err err = vg_config_load_string("<demo>", y.data, y.len, &cfg, &diag);
	vg_buf_free(&y);
	if (err)
		goto out;
	printf(
	    "Running the pipeline (normalize, detect, correlate, assemble, rank, store, "
	    "publish)...\n");
	fflush(stdout);
	struct vg_run_opts opts = {.stop_at_end = true};
	if (vg_kafka_run(cfg, &opts, &diag))
		goto out;

	struct vg_store *st;
	if (vg_store_open(db, &st, errstr, sizeof(errstr))) {
		fprintf(stderr, "vigil demo: %s\n", errstr);
		goto out;
	}
	int64_t total = 0, surfaced = 0;
	vg_store_count_incidents(st, &total, &surfaced);
	printf("\nFunnel: %lld records -> %lld events (%lld dead letters) -> %lld rule "
	       "hits -> "
	       "%lld alerts -> %lld incidents -> %lld surfaced\n",
	       (long long)vg_store_metric(st, "records"),
	       (long long)vg_store_metric(st, "events"),
	       (long long)vg_store_metric(st, "dead_letters"),
	       (long long)vg_store_metric(st, "rule_hits"),
	       (long long)vg_store_metric(st, "alerts"), (long long)total,
	       (long long)surfaced);
	printf("\nIncidents, highest score first:\n  %-20s %6s  %-2s  %-3s %4s  %s\n",
	       "id", "score", "pr", "srf", "alrt", "title");
	struct table_ctx t = {0};
	vg_store_each_ranked(st, 12, print_row, &t);
	if (total > t.shown)
		printf("  ... and %lld more (all in the database)\n",
		       (long long)(total - t.shown));
	vg_store_each_ranked(st, 1, print_top, NULL);
	vg_store_close(st);
	printf("\nQuery the store while or after the engine runs:\n"
	       "  sqlite3 %s 'select id, score, priority from incidents'\n"
	       "  sqlite3 %s 'select * from incidents_ranked limit 5'\n"
	       "  sqlite3 %s \"select * from incident_timeline\"\n",
	       db, db, db);
	if (serve) {
		printf("\nServing the embedded broker until Ctrl-C:\n"
		       "  kcat -C -b %s -t vigil.incidents -e\n"
		       "  kcat -C -b %s -t vigil.dead-letter -e\n",
		       brokers, brokers);
		fflush(stdout);
		pause();
	}
	rc = 0;
out:
	vg_diag_print(&diag, stderr);
	vg_diag_clear(&diag);
	vg_config_destroy(cfg);
	free(recs);
	vg_scenario_free(&sc);
	vg_embedded_kafka_stop(ek);
	return rc;
}
