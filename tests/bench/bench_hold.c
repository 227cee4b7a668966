/*
 * bench_hold.c - what an alert held for event-time order costs (a benchmark, not a
 * test; scripts/bench-pipeline.sh runs it).
 *
 *   bench_hold [hits] N [PER_BATCH]
 *
 * A pipeline (no model, a store in a directory of /tmp, removed at the end) with
 * two partitions of one topic:
 * partition 1 delivers one record from 2021 and then nothing, so the low watermark
 * stays there; partition 0 delivers N sshd failures (RFC 5424, each its own host,
 * user and source address, one second apart, in batches of 1000), each of which
 * raises one alert through a one-rule rule set, and every alert is held
 * (correlation.max_held_alerts above N).  That is the memory a source whose clock
 * is behind makes the engine keep, and what correlation.max_held_alerts bounds.
 * Printed: alerts held; growth of the bytes malloc has handed out (mallinfo2:
 * in-use chunks plus mmap'ed blocks) and of resident memory, each in total and per
 * held alert; CPU time per record while they pile up (it must not grow with them);
 * then partition 1 catches up and the CPU time per alert released (assembled into
 * incidents and stored), in how many batches (correlation.max_released_per_batch:
 * PER_BATCH, default the config's), and the process's peak RSS by then.  Every
 * figure is measured here; nothing is asserted.
 *
 * `hits`: the same, but the rule feeds a correlation (event_count by host.name,
 * which never fires here) instead of standing alone, so each record leaves a rule
 * hit held for correlation's event-time order (correlation.max_held_hits above N)
 * and no alert: the memory per held hit, then the CPU time per hit counted when
 * partition 1 catches up.
 */
#include "vg_engine.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static double now_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}

/* Resident set size in bytes (from /proc/self/statm). */
static size_t rss(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
}

/* The rule file and the store (with SQLite's -wal and -shm) in dir, then dir. */
static void remove_dir(const char *dir)
{
	static const char *const names[] = {"rule.yml", "vigil.db", "vigil.db-wal",
	                                    "vigil.db-shm"};
	char path[128];
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* Peak resident set size in bytes. */
static size_t max_rss(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (size_t)ru.ru_maxrss * 1024;
}

static void die(const char *what, const struct vg_diag *d)
{
	fprintf(stderr, "bench_hold: %s\n", what);
	if (d)
		vg_diag_print(d, stderr);
	exit(1);
}

int main(int argc, char **argv)
{
	int64_t n = 200000, per_batch = 0;
	bool hits = argc >= 2 && strcmp(argv[1], "hits") == 0;
	if (hits) {
		argv++;
		argc--;
	}
	if (argc > 3 || (argc >= 2 && (!vg_parse_int64(argv[1], &n) || n < 1)) ||
	    (argc == 3 && (!vg_parse_int64(argv[2], &per_batch) || per_batch < 1))) {
		fprintf(stderr, "usage: bench_hold [hits] [N >= 1] [PER_BATCH >= 1]\n");
		return 2;
	}
	const char *what = hits ? "hit" : "alert";
	char dir[] = "/tmp/vg-bench-hold-XXXXXX", rules[64], db[64];
	if (!mkdtemp(dir))
		die("cannot make a directory in /tmp", NULL);
	snprintf(rules, sizeof(rules), "%s/rule.yml", dir);
	snprintf(db, sizeof(db), "%s/vigil.db", dir);
	FILE *rf = fopen(rules, "w");
	if (!rf)
		die("cannot write the rule file", NULL);
	fputs("title: Bench SSH failure\nid: 66666666-6666-4666-8666-666666666666\n"
	      "name: bench_ssh_failure\n"
	      "level: low\nlogsource: {product: linux, service: sshd}\n"
	      "detection: {keywords: ['Failed password'], condition: keywords}\n",
	      rf);
	if (hits)
		fputs("---\ntitle: Bench SSH failures\n"
		      "id: 77777777-7777-4777-8777-777777777777\nlevel: medium\n"
		      "correlation: {type: event_count, rules: [bench_ssh_failure], "
		      "group-by: [host.name], timespan: 10m, condition: {gte: 100000}}\n",
		      rf);
	fclose(rf);

	char yaml[1024], bound[64] = "";
	if (per_batch)
		snprintf(bound, sizeof(bound), ", max_released_per_batch: %lld",
		         (long long)per_batch);
	snprintf(yaml, sizeof(yaml),
	         "model: {path: none}\nstore: {path: '%s'}\n"
	         "rules: {paths: ['%s']}\n"
	         "correlation: {max_held_alerts: %lld, max_held_hits: %lld%s}\n",
	         db, rules, (long long)n + 1, (long long)n + 1, bound);
	struct vg_diag d;
	struct vg_config *cfg = NULL;
	struct vg_pipeline *p = NULL;
	vg_diag_init(&d);
	if (vg_config_load_string("bench_hold", yaml, strlen(yaml), &cfg, &d) ||
	    vg_pipeline_new(cfg, NULL, &p, &d)) {
		remove_dir(dir);
		die("cannot start the pipeline", &d);
	}
	const char *topics[] = {"syslog", "syslog"};
	const int32_t parts[] = {0, 1};
	if (vg_pipeline_set_assignment(p, topics, parts, 2))
		die("cannot assign partitions", NULL);
	const vg_time ref = vg_time_from_civil(2026, 11, 21, 0, 0, 0, 0);
	const vg_time start = vg_time_from_civil(2026, 11, 1, 0, 0, 0, 0);
	const char *old = "<86>1 2021-03-01T00:00:00Z db01 CRON 7 - - session opened";
	struct vg_source behind = {"syslog", 1, 0};
	struct vg_output *outs;
	size_t nouts;
	if (vg_pipeline_begin(p) ||
	    vg_pipeline_process(p, VG_FMT_SYSLOG, old, strlen(old), &behind, ref) ||
	    vg_pipeline_end(p, &outs, &nouts) || vg_pipeline_ack(p, outs, nouts))
		die("the first record failed", NULL);

	size_t heap0 = heap_in_use(), rss0 = rss();
	double cpu0 = now_cpu();
	char rec[512], ts[32];
	for (int64_t i = 0; i < n;) {
		if (vg_pipeline_begin(p))
			die("vg_pipeline_begin failed", NULL);
		for (int64_t k = 0; k < 1000 && i < n; k++, i++) {
			vg_time_format(start + i * VG_USEC_PER_SEC, ts);
			int len = snprintf(
			    rec, sizeof(rec),
			    "<86>1 %s web%03lld sshd 4242 - - Failed password for "
			    "user%lld from 10.%lld.%lld.%lld port 50022 ssh2",
			    ts, (long long)(i % 1000), (long long)i,
			    (long long)(i >> 16 & 255), (long long)(i >> 8 & 255),
			    (long long)(i & 255));
			struct vg_source src = {"syslog", 0, i};
			if (vg_pipeline_process(p, VG_FMT_SYSLOG, rec, (size_t)len, &src,
			                        ref))
				die("vg_pipeline_process failed", NULL);
		}
		if (vg_pipeline_end(p, &outs, &nouts) || vg_pipeline_ack(p, outs, nouts))
			die("vg_pipeline_end failed", NULL);
	}
	double cpu = now_cpu() - cpu0;
	size_t heap1 = heap_in_use(), rss1 = rss();
	struct vg_pipeline_hold h;
	struct vg_pipeline_stats st;
	vg_pipeline_hold(p, &h);
	vg_pipeline_stats(p, &st);
	size_t nheld = hits ? h.hits : h.alerts;
	if (!nheld || (hits && h.alerts))
		die("nothing was held as meant: the rules or the records no longer match",
		    NULL);
	double dh = (double)heap1 - (double)heap0, dr = (double)rss1 - (double)rss0;
	printf("held %ss: %zu (%llu alerts) from %lld records (partition 1 behind); "
	       "malloc in use growth %.1f MiB = %.0f bytes per held %s; RSS growth "
	       "%.1f MiB = %.0f bytes per held %s; %.2f us CPU per record\n",
	       what, nheld, (unsigned long long)st.alerts, (long long)n, dh / 1048576.0,
	       dh / (double)nheld, what, dr / 1048576.0, dr / (double)nheld, what,
	       cpu * 1e6 / (double)n);

	/* partition 1 catches up: every held alert is released and assembled */
	char late[128];
	vg_time_format(start + (n + 1) * VG_USEC_PER_SEC, ts);
	int len =
	    snprintf(late, sizeof(late), "<86>1 %s db01 CRON 7 - - session opened", ts);
	behind.offset = 1;
	size_t held = nheld, batches = 0;
	cpu0 = now_cpu();
	if (vg_pipeline_begin(p) ||
	    vg_pipeline_process(p, VG_FMT_SYSLOG, late, (size_t)len, &behind, ref) ||
	    vg_pipeline_end(p, &outs, &nouts) || vg_pipeline_ack(p, outs, nouts))
		die("the catching-up record failed", NULL);
	/* the rest in the next batches, as vigil run's polls make them */
	for (size_t before = SIZE_MAX;
	     (vg_pipeline_hold(p, &h), batches++, nheld = hits ? h.hits : h.alerts) &&
	     nheld < before;
	     before = nheld)
		if (vg_pipeline_begin(p) || vg_pipeline_end(p, &outs, &nouts) ||
		    vg_pipeline_ack(p, outs, nouts))
			die("an empty batch failed", NULL);
	cpu = now_cpu() - cpu0;
	printf("released when partition 1 caught up: %zu %ss in %zu batches (%zu still "
	       "held), %.2f s CPU = %.2f us per %s (%s included); peak RSS %.1f MiB\n",
	       held - nheld, what, batches, nheld, cpu,
	       cpu * 1e6 / (double)(held - nheld), what,
	       hits ? "counting by correlation" : "assembly and storing",
	       (double)max_rss() / 1048576.0);
	vg_pipeline_destroy(p);
	vg_config_destroy(cfg);
	vg_diag_clear(&d);
	remove_dir(dir);
	return 0;
}
