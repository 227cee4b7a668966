/*
 * bench_detect.c - figures for scripts/bench-detect.sh (a benchmark, not a test).
 *
 *   bench_detect detect  MIN_EVENTS RULES_DIR EVENTS.jsonl...
 *       events parsed once (JSON lines, VG_FMT_JSON), then detection alone over
 *       them, repeated until MIN_EVENTS: events/s per core (CPU time of this
 *       thread), hits, and the hit rate of the detection context's field value
 *       cache (vg_detect_ctx_new): over all passes and over the first (distinct
 *       events only: repetition does not inflate it).
 *   bench_detect detect-nocache MIN_EVENTS RULES_DIR EVENTS.jsonl...
 *       the same with the field value cache off (every value scanned).
 *   bench_detect detect-cold MIN_EVENTS RULES_DIR EVENTS.jsonl...
 *       the same with the cache emptied before every pass (not timed): each
 *       pass sees distinct events only, as a stream that never repeats an event,
 *       so the repetition does not inflate the cache's hits (every pass hits as
 *       the first pass of `detect` does).
 *   bench_detect detect-fresh MIN_EVENTS RULES_DIR EVENTS.jsonl...
 *       detection alone on events fresh from the parser, as in the pipeline
 *       (engine/workers.c parses a record, then detects it): each chunk of
 *       FRESH_CHUNK records is parsed (not timed), then detected (timed: two
 *       clock reads per chunk, counted as detection).  The held events of
 *       `detect` are 8 MiB that every pass reads back from beyond the core's L2
 *       cache; here they are in it, as in the pipeline.  The parser's work between
 *       chunks still evicts detection's own state, as in the pipeline.
 *   bench_detect parse   MIN_EVENTS RULES_DIR EVENTS.jsonl...
 *       parse + detection per record: events/s per core.
 *   bench_detect groups  TYPE N [PER_KEY]
 *       TYPE event_count or value_count: N distinct group keys, PER_KEY events
 *       each (default 1; value_count: each with another user.name, so PER_KEY
 *       distinct values), none reaching the condition, so N groups stay open:
 *       bytes per open group, measured twice -- resident memory growth / open
 *       groups, and growth of the bytes malloc has handed out (mallinfo2: chunk
 *       sizes with their overhead, plus mmap'ed blocks such as the hash index) /
 *       open groups.
 *   bench_detect load    PATH...
 *       wall time to load every rule under the paths, loaded / failed counts.
 * Every figure is measured here; nothing is asserted.
 */
#include "vg_correlate.h"
#include "vg_parsers.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double now_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Resident set size in bytes (from /proc/self/statm). */
static size_t rss(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long size = 0, res = 0;
	if (f) {
		if (fscanf(f, "%lu %lu", &size, &res) != 2)
			res = 0;
		fclose(f);
	}
	return res * 4096;
}

static size_t max_rss(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (size_t)ru.ru_maxrss * 1024;
}

struct lines {
	char **l;
	size_t *len;
	size_t n, cap;
};

static void read_lines(const char *path, struct lines *ls)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	if (!f) {
		perror(path);
		exit(2);
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		/* Sysmon records only */
		if (!n || !memmem(line, (size_t)n, "Microsoft-Windows-Sysmon", 24))
			continue;
		if (ls->n == ls->cap) {
			ls->cap = ls->cap ? ls->cap * 2 : 1024;
			ls->l = realloc(ls->l, ls->cap * sizeof(char *));
			ls->len = realloc(ls->len, ls->cap * sizeof(size_t));
			if (!ls->l || !ls->len)
				exit(3);
		}
		ls->l[ls->n] = malloc((size_t)n + 1);
		memcpy(ls->l[ls->n], line, (size_t)n);
		ls->l[ls->n][n] = '\0';
		ls->len[ls->n++] = (size_t)n;
	}
	free(line);
	fclose(f);
}

static struct vg_ruleset *load(const char *const *paths, size_t n, double *secs,
                               size_t *failed)
{
	struct vg_diag d;
	struct vg_ruleset *rs = NULL;
	vg_diag_init(&d);
	double t = now_wall();
	vg_err err = vg_ruleset_load(paths, n, &rs, &d);
	*secs = now_wall() - t;
	*failed = d.errors;
	vg_diag_clear(&d);
	if (err != VG_OK && !rs) {
		fprintf(stderr, "cannot load rules (%s)\n", vg_err_str(err));
		exit(2);
	}
	return rs;
}

/* How the events reach detection. */
enum feed {
	FEED_HELD,  /* parsed once, held, detected pass after pass */
	FEED_PARSE, /* parsed and detected per record, both timed */
	FEED_FRESH, /* parsed per chunk, then the chunk detected; detection timed */
};
#define FRESH_CHUNK 64

static int bench_detect(enum feed feed, bool cache, bool cold, long min_events,
                        const char *rules, int nfiles, char **files)
{
	const bool with_parse = feed == FEED_PARSE;
	struct lines ls = {0};
	for (int i = 0; i < nfiles; i++)
		read_lines(files[i], &ls);
	if (!ls.n) {
		fprintf(stderr, "no Sysmon events in the inputs\n");
		return 2;
	}
	double lsecs;
	size_t failed;
	struct vg_ruleset *rs = load(&rules, 1, &lsecs, &failed);
	struct vg_parser *parser = NULL;
	struct vg_parser_conf pc = {0};
	struct vg_diag d;
	vg_diag_init(&d);
	if (vg_parser_new(&pc, &parser, &d) != VG_OK)
		return 2;
	struct vg_parse_ctx *pctx = vg_parse_ctx_new(parser);
	struct vg_detect_ctx *dctx = vg_detect_ctx_new(rs);
	if (!dctx || (!cache && vg_detect_ctx_cache(dctx, 0) != VG_OK))
		return 2;
	struct vg_arena *arena = vg_arena_new(1 << 20);
	struct vg_detect_stats first = {0};
	const struct vg_rule *hits[256];
	uint64_t nhits = 0, events = 0, pe = 0;
	size_t rss0 = rss();
	struct vg_event **evs = NULL;
	if (feed == FEED_HELD) {
		evs = calloc(ls.n, sizeof(*evs));
		for (size_t i = 0; i < ls.n; i++) {
			const char *reason;
			if (vg_parse(parser, pctx, VG_FMT_JSON, ls.l[i], ls.len[i], 0,
			             arena, &evs[i], &reason) != VG_OK) {
				evs[i] = NULL;
				pe++;
			}
		}
	}
	double t0 = now_cpu(), fresh_cpu = 0;
	while (feed == FEED_FRESH && (long)events < min_events) {
		struct vg_event *chunk[FRESH_CHUNK];
		for (size_t i = 0; i < ls.n; i += FRESH_CHUNK) {
			size_t m = 0;
			vg_arena_reset(arena);
			for (size_t j = i; j < ls.n && j < i + FRESH_CHUNK; j++) {
				const char *reason;
				if (vg_parse(parser, pctx, VG_FMT_JSON, ls.l[j],
				             ls.len[j], 0, arena, &chunk[m],
				             &reason) == VG_OK)
					m++;
				else
					pe++;
			}
			double a = now_cpu();
			for (size_t j = 0; j < m; j++)
				nhits += vg_detect(rs, dctx, chunk[j], hits, 256);
			fresh_cpu += now_cpu() - a;
			events += m;
		}
		if (!first.cache_lookups)
			vg_detect_ctx_stats(dctx, &first);
	}
	double paused = 0; /* emptying the cache between passes */
	while (feed != FEED_FRESH && (long)events < min_events) {
		if (cold && events) {
			double a = now_cpu();
			if (vg_detect_ctx_cache(dctx, 0) != VG_OK ||
			    vg_detect_ctx_cache(dctx, VG_DETECT_CACHE_DEFAULT) != VG_OK)
				return 2;
			paused += now_cpu() - a;
		}
		for (size_t i = 0; i < ls.n; i++) {
			struct vg_event *ev;
			if (with_parse) {
				const char *reason;
				if ((events & 1023) == 0)
					vg_arena_reset(arena);
				if (vg_parse(parser, pctx, VG_FMT_JSON, ls.l[i],
				             ls.len[i], 0, arena, &ev,
				             &reason) != VG_OK) {
					pe++;
					continue;
				}
			} else if (!(ev = evs[i])) {
				continue;
			}
			nhits += vg_detect(rs, dctx, ev, hits, 256);
			events++;
		}
		if (!first.cache_lookups)
			vg_detect_ctx_stats(dctx, &first);
	}
	double cpu = feed == FEED_FRESH ? fresh_cpu : now_cpu() - t0 - paused;
	printf("%s: %zu rules loaded (%zu errors) from %s; %zu distinct Sysmon events "
	       "repeated to %llu events; %llu rule hits; %.3f s CPU; %.0f events/s/core; "
	       "memory: max RSS %.1f MiB (%s: %.1f MiB)\n",
	       with_parse           ? "parse+detect"
	       : feed == FEED_FRESH ? "detect (events fresh from the parser)"
	       : cold               ? "detect (value cache emptied before every pass)"
	       : cache              ? "detect"
	                            : "detect (no value cache)",
	       vg_ruleset_count(rs), failed, rules, ls.n, (unsigned long long)events,
	       (unsigned long long)nhits, cpu, (double)events / cpu,
	       (double)max_rss() / 1048576.0,
	       feed == FEED_HELD ? "events held" : "growth after reading the records",
	       (double)(rss() - rss0) / 1048576.0);
	struct vg_detect_stats ds;
	vg_detect_ctx_stats(dctx, &ds);
	if (cache)
		printf("  field value cache: %llu lookups, %.1f%% hits; first pass "
		       "(distinct "
		       "events): %.1f%% hits\n",
		       (unsigned long long)ds.cache_lookups,
		       vg_pct(ds.cache_hits, ds.cache_lookups),
		       vg_pct(first.cache_hits, first.cache_lookups));
	printf(
	    "  rules evaluated (index candidates and unindexed rules): %.2f per event\n",
	    events ? (double)ds.evaluated / (double)events : 0.0);
	if (pe)
		printf("  (%llu parse errors skipped%s)\n", (unsigned long long)pe,
		       feed == FEED_HELD ? "" : ", counted on every pass");
	free(evs);
	vg_arena_destroy(arena);
	vg_detect_ctx_destroy(dctx);
	vg_parse_ctx_destroy(pctx);
	vg_parser_destroy(parser);
	vg_ruleset_destroy(rs);
	vg_diag_clear(&d);
	for (size_t i = 0; i < ls.n; i++)
		free(ls.l[i]);
	free(ls.l);
	free(ls.len);
	return 0;
}

static void ignore_alert(const struct vg_alert *a, void *ctx)
{
	(void)a;
	++*(uint64_t *)ctx;
}

/* Bytes malloc has handed out: in-use chunks (sizes with their headers) plus
 * mmap'ed blocks. */
static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}

static int bench_groups(const char *type, long n, long per_key)
{
	char yaml[1024], path[] = "/tmp/vg-bench-groups-XXXXXX";
	if (per_key < 1 || per_key > 1000)
		return 2;
	int fd = mkstemp(path);
	if (fd < 0)
		return 2;
	bool vc = strcmp(type, "value_count") == 0;
	long need = per_key + 1 > 5 ? per_key + 1 : 5; /* never reached */
	snprintf(
	    yaml, sizeof(yaml),
	    "title: Hit\nid: hit\ndetection:\n  s: {event.action: x}\n  condition: s\n"
	    "---\ntitle: G\nid: g\ncorrelation:\n  type: %s\n  rules: [hit]\n"
	    "  group-by: [source.ip]\n  timespan: 1h\n  condition: {%sgte: %ld}\n",
	    vc ? "value_count" : "event_count", vc ? "field: user.name, " : "", need);
	FILE *f = fdopen(fd, "w");
	fputs(yaml, f);
	fclose(f);
	const char *p = path;
	double lsecs;
	size_t failed;
	struct vg_ruleset *rs = load(&p, 1, &lsecs, &failed);
	remove(path);
	struct vg_correlator_conf conf = {.allowed_lateness = 0,
	                                  .max_groups_per_rule = (size_t)n + 1,
	                                  .max_groups_total = (size_t)n + 1};
	struct vg_correlator *c = NULL;
	if (vg_correlator_new(rs, &conf, &c) != VG_OK)
		return 2;
	struct vg_detect_ctx *dctx = vg_detect_ctx_new(rs);
	struct vg_arena *arena = vg_arena_new(1 << 16);
	vg_field f_action = vg_field_lookup("event.action", 12);
	vg_field f_ip = vg_field_lookup("source.ip", 9);
	vg_field f_user = vg_field_lookup("user.name", 9);
	uint64_t alerts = 0, events = 0;
	const struct vg_rule *hits[4];
	size_t rss0 = rss(), heap0 = heap_in_use();
	double t0 = now_cpu();
	vg_time ts = (vg_time)1700000000 * VG_USEC_PER_SEC;
	for (long i = 0; i < n; i++) {
		char ip[32];
		int len = snprintf(ip, sizeof(ip), "10.%ld.%ld.%ld", (i >> 16) & 255,
		                   (i >> 8) & 255, i & 255);
		for (long j = 0; j < per_key; j++) {
			char user[32];
			int ulen = j ? snprintf(user, sizeof(user), "alice%ld", j)
			             : snprintf(user, sizeof(user), "alice");
			if ((events & 255) == 0)
				vg_arena_reset(arena);
			struct vg_event *ev = vg_event_new(arena);
			ev->ts = ts + (vg_time)events; /* all inside one hour */
			ev->src.topic = "bench";
			ev->src.offset = (int64_t)events++;
			vg_event_set_copy(ev, f_action, "x", 1, VG_VK_STR);
			vg_event_set_copy(ev, f_ip, ip, (size_t)len, VG_VK_STR);
			vg_event_set_copy(ev, f_user, user, (size_t)ulen, VG_VK_STR);
			size_t nh = vg_detect(rs, dctx, ev, hits, 4);
			vg_correlator_feed(c, ev, hits, nh, ignore_alert, &alerts);
		}
	}
	double cpu = now_cpu() - t0;
	struct vg_correlator_stats st;
	vg_correlator_stats(c, &st);
	size_t grown = rss() - rss0, heap = heap_in_use() - heap0;
	double keys = st.open_groups ? (double)st.open_groups : 1.0;
	printf("%s: %llu events, %llu open group keys (%ld %s each), %llu alerts, %llu "
	       "evicted; %.3f s CPU (%.0f events/s/core incl. detection); RSS growth "
	       "%.1f MiB = %.0f bytes per open group key; malloc in use growth %.1f "
	       "MiB = %.0f bytes per open group key\n",
	       type, (unsigned long long)events, (unsigned long long)st.open_groups,
	       per_key,
	       vc ? (per_key == 1 ? "value" : "distinct values")
	          : (per_key == 1 ? "event" : "events"),
	       (unsigned long long)alerts, (unsigned long long)st.evicted_groups, cpu,
	       (double)events / cpu, (double)grown / 1048576.0, (double)grown / keys,
	       (double)heap / 1048576.0, (double)heap / keys);
	vg_arena_destroy(arena);
	vg_detect_ctx_destroy(dctx);
	vg_correlator_destroy(c);
	vg_ruleset_destroy(rs);
	return 0;
}

static int bench_load(int n, char **paths)
{
	double secs;
	size_t failed;
	struct vg_ruleset *rs =
	    load((const char *const *)paths, (size_t)n, &secs, &failed);
	printf("load: %zu rules loaded, %zu errors reported, %.3f s wall\n",
	       vg_ruleset_count(rs), failed, secs);
	vg_ruleset_destroy(rs);
	return 0;
}

/* A count from the command line: a whole number from 1 to `max`, else -1 with
 * the reason on stderr (atol's 0 for "abc" or an empty variable would run an
 * empty benchmark and print meaningless per-key figures). */
static long count_arg(const char *what, const char *text, long max)
{
	int64_t v;
	if (!vg_parse_int64(text, &v) || v < 1 || v > max) {
		fprintf(stderr,
		        "bench_detect: %s must be a whole number from 1 to %ld, not "
		        "'%s'\n",
		        what, max, text);
		return -1;
	}
	return (long)v;
}

int main(int argc, char **argv)
{
	if (vg_fields_init(NULL) != VG_OK)
		return 2;
	static const struct {
		const char *name;
		enum feed feed;
		bool cache, cold;
	} modes[] = {{"detect", FEED_HELD, true, false},
	             {"detect-nocache", FEED_HELD, false, false},
	             {"detect-cold", FEED_HELD, true, true},
	             {"detect-fresh", FEED_FRESH, true, false},
	             {"parse", FEED_PARSE, true, false}};
	for (size_t m = 0; argc >= 5 && m < sizeof(modes) / sizeof(modes[0]); m++)
		if (strcmp(argv[1], modes[m].name) == 0) {
			long min = count_arg("MIN_EVENTS", argv[2], 1000000000L);
			return min < 0 ? 2
			               : bench_detect(modes[m].feed, modes[m].cache,
			                              modes[m].cold, min, argv[3],
			                              argc - 4, argv + 4);
		}
	if ((argc == 4 || argc == 5) && strcmp(argv[1], "groups") == 0) {
		long n = count_arg("N", argv[3], 100000000L);
		long per = argc == 5 ? count_arg("PER_KEY", argv[4], 1000) : 1;
		return n < 0 || per < 0 ? 2 : bench_groups(argv[2], n, per);
	}
	if (argc >= 3 && strcmp(argv[1], "load") == 0)
		return bench_load(argc - 2, argv + 2);
	fprintf(stderr, "usage: bench_detect "
	                "detect|detect-nocache|detect-cold|detect-fresh|parse "
	                "MIN_EVENTS "
	                "RULES_DIR FILE...\n"
	                "       bench_detect groups event_count|value_count N [PER_KEY]\n"
	                "       bench_detect load PATH...\n");
	return 2;
}
