/* Unit tests for the correlation types beyond event_count: value_count (including
 * value sets that outgrow the group and shrink back, and sets of thousands),
 * temporal, temporal_ordered (order enforced), group-by equality across rules,
 * aliases, correlations of correlations (the specification's worked example),
 * generate, Vigil's absence / value_sum / value_avg, bounded state, and
 * differential tests of value_count against a naive recount: out-of-order events
 * within the allowed lateness, groups whose value set spills from its small form
 * to its large one and back after expiry, and large sets.  Events are built
 * directly (no parsers); time is injected. */
#include "vg_correlate.h"
#include "vg_test.h"

#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEC        VG_USEC_PER_SEC
#define T0         (INT64_C(1700000000) * SEC)
#define MAX_ALERTS 4096

static char g_dir[64];
static int g_nfile;
static struct vg_arena *g_arena;

struct got {
	char rule[64];
	char key[128];
	vg_time first_ts, last_ts;
	uint64_t count;
	char fields[256];
	size_t nevents; /* the events the alert lists (in time order) */
	int64_t first_off, last_off;
	struct vg_fire_pos fire; /* ordered mode */
	size_t nfrontier;
	int64_t frontier0; /* the frontier's offset of its first partition */
};
static struct got g_got[MAX_ALERTS];
static size_t g_ngot;

static void setup(void)
{
	ck_assert_int_eq(vg_fields_init(NULL), VG_OK);
	snprintf(g_dir, sizeof(g_dir), "/tmp/vg-correlation-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(g_dir));
	g_arena = vg_arena_new(0);
	ck_assert_ptr_nonnull(g_arena);
	g_ngot = 0;
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
	ck_assert_int_eq(system(cmd), 0);
	vg_arena_destroy(g_arena);
}

static struct vg_ruleset *load_ok(const char *yaml)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/r%d.yml", g_dir, g_nfile++);
	FILE *f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(yaml, f);
	fclose(f);
	const char *pp = p;
	struct vg_ruleset *rs = NULL;
	struct vg_diag d;
	vg_diag_init(&d);
	vg_err err = vg_ruleset_load(&pp, 1, &rs, &d);
	if (err != VG_OK || d.errors)
		vg_diag_print(&d, stderr);
	ck_assert_int_eq(err, VG_OK);
	ck_assert_uint_eq(d.errors, 0);
	vg_diag_clear(&d);
	return rs;
}

/* Load expecting exactly one error containing msg. */
static void load_err(const char *yaml, const char *msg)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/e%d.yml", g_dir, g_nfile++);
	FILE *f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(yaml, f);
	fclose(f);
	const char *pp = p;
	struct vg_ruleset *rs = NULL;
	struct vg_diag d;
	vg_diag_init(&d);
	(void)vg_ruleset_load(&pp, 1, &rs, &d);
	bool found = false;
	for (size_t i = 0; i < d.count; i++)
		found |= strstr(d.msgs[i], msg) != NULL;
	if (!found)
		vg_diag_print(&d, stderr);
	ck_assert_msg(found, "missing diagnostic '%s'", msg);
	vg_diag_clear(&d);
	vg_ruleset_destroy(rs);
}

static void on_alert(const struct vg_alert *a, void *ctx)
{
	(void)ctx;
	ck_assert_uint_lt(g_ngot, MAX_ALERTS);
	struct got *g = &g_got[g_ngot++];
	struct vg_rule_info info;
	vg_rule_info(a->rule, &info);
	snprintf(g->rule, sizeof(g->rule), "%s", info.id);
	snprintf(g->key, sizeof(g->key), "%s", a->group_key);
	g->first_ts = a->first_ts;
	g->last_ts = a->last_ts;
	g->count = a->event_count;
	g->nevents = a->nevents;
	g->first_off = a->nevents ? a->events[0].offset : -1;
	g->last_off = a->nevents ? a->events[a->nevents - 1].offset : -1;
	g->fire = a->fire;
	g->nfrontier = a->nfrontier;
	g->frontier0 = a->nfrontier ? a->frontier[0].offset : -1;
	g->fields[0] = '\0';
	for (size_t i = 0; i < a->nfields; i++) {
		size_t l = strlen(g->fields);
		snprintf(g->fields + l, sizeof(g->fields) - l, "%s%s=%s", i ? "," : "",
		         a->fields[i].name, a->fields[i].value);
	}
}

/* Alerts of one rule. */
static size_t count_of(const char *rule)
{
	size_t n = 0;
	for (size_t i = 0; i < g_ngot; i++)
		n += strcmp(g_got[i].rule, rule) == 0;
	return n;
}

static const struct got *first_of(const char *rule)
{
	for (size_t i = 0; i < g_ngot; i++)
		if (strcmp(g_got[i].rule, rule) == 0)
			return &g_got[i];
	return NULL;
}

struct fixture {
	struct vg_ruleset *rs;
	struct vg_detect_ctx *ctx;
	struct vg_correlator *c;
	int64_t offset;
};

static void fx_init_conf(struct fixture *fx, const char *rules,
                         const struct vg_correlator_conf *conf)
{
	fx->rs = load_ok(rules);
	fx->ctx = vg_detect_ctx_new(fx->rs);
	ck_assert_ptr_nonnull(fx->ctx);
	ck_assert_int_eq(vg_correlator_new(fx->rs, conf, &fx->c), VG_OK);
	fx->offset = 0;
	g_ngot = 0;
}

static void fx_init(struct fixture *fx, const char *rules, vg_time lateness,
                    size_t max_per_rule)
{
	fx_init_conf(fx, rules,
	             &(struct vg_correlator_conf){.allowed_lateness = lateness,
	                                          .max_groups_per_rule = max_per_rule});
}

static void fx_free(struct fixture *fx)
{
	vg_correlator_destroy(fx->c);
	vg_detect_ctx_destroy(fx->ctx);
	vg_ruleset_destroy(fx->rs);
}

/* Detect + feed one event at ts with NULL-terminated name/value pairs. */
static void feed(struct fixture *fx, vg_time ts, ...)
{
	struct vg_event *ev = vg_event_new(g_arena);
	ck_assert_ptr_nonnull(ev);
	ev->ts = ts;
	ev->src.topic = "raw";
	ev->src.partition = 0;
	ev->src.offset = fx->offset++;
	va_list ap;
	va_start(ap, ts);
	const char *name;
	while ((name = va_arg(ap, const char *))) {
		const char *val = va_arg(ap, const char *);
		ck_assert_int_eq(vg_event_set_named(ev, name, strlen(name), val,
		                                    strlen(val), VG_VK_STR, true),
		                 VG_OK);
	}
	va_end(ap);
	const struct vg_rule *hits[16];
	size_t n = vg_detect(fx->rs, fx->ctx, ev, hits, 16);
	vg_correlator_feed(fx->c, ev, hits, n < 16 ? n : 16, on_alert, NULL);
}

static void advance(struct fixture *fx, vg_time wm)
{
	vg_correlator_advance(fx->c, "raw", 0, wm, on_alert, NULL);
}

/* Detection rules "a", "b", "c": event.action equal to the rule's name. */
#define ABC_RULES                                                                        \
	"title: A\nid: a\nname: a\ndetection:\n  s: {event.action: a}\n  condition: s\n" \
	"---\n"                                                                          \
	"title: B\nid: b\nname: b\ndetection:\n  s: {event.action: b}\n  condition: s\n" \
	"---\n"                                                                          \
	"title: C\nid: c\nname: c\ndetection:\n  s: {event.action: c}\n  condition: s\n" \
	"---\n"

/* ------------------------------------------------------------ value_count */

START_TEST(vc_distinct_values)
{
	struct fixture fx;
	fx_init(&fx,
	        ABC_RULES "title: Spray\nid: spray\ncorrelation:\n  type: value_count\n"
	                  "  rules: [a]\n  group-by: [source.ip]\n  timespan: 5m\n"
	                  "  condition: {field: user.name, gte: 3}\n",
	        0, 0);
	/* the same user three times is one value */
	for (int i = 0; i < 3; i++)
		feed(&fx, T0 + i * SEC, "event.action", "a", "source.ip", "1.1.1.1",
		     "user.name", "u1", NULL);
	ck_assert_uint_eq(count_of("spray"), 0);
	/* another source's users do not count here; an event without the field
	 * adds no value */
	feed(&fx, T0 + 4 * SEC, "event.action", "a", "source.ip", "2.2.2.2", "user.name",
	     "u2", NULL);
	feed(&fx, T0 + 5 * SEC, "event.action", "a", "source.ip", "1.1.1.1", NULL);
	feed(&fx, T0 + 6 * SEC, "event.action", "a", "source.ip", "1.1.1.1", "user.name",
	     "u2", NULL);
	ck_assert_uint_eq(count_of("spray"), 0);
	feed(&fx, T0 + 7 * SEC, "event.action", "a", "source.ip", "1.1.1.1", "user.name",
	     "u3", NULL);
	ck_assert_uint_eq(count_of("spray"), 1);
	const struct got *g = first_of("spray");
	ck_assert_str_eq(g->key, "source.ip=1.1.1.1");
	ck_assert_int_eq(g->first_ts, T0 + 2 * SEC); /* u1's newest time */
	ck_assert_int_eq(g->last_ts, T0 + 7 * SEC);
	ck_assert_ptr_nonnull(strstr(g->fields, "source.ip=1.1.1.1"));
	/* reset after the alert; values older than the timespan are forgotten */
	feed(&fx, T0 + 8 * SEC, "event.action", "a", "source.ip", "1.1.1.1", "user.name",
	     "u4", NULL);
	feed(&fx, T0 + 400 * SEC, "event.action", "a", "source.ip", "1.1.1.1",
	     "user.name", "u5", NULL);
	feed(&fx, T0 + 401 * SEC, "event.action", "a", "source.ip", "1.1.1.1",
	     "user.name", "u6", NULL);
	ck_assert_uint_eq(count_of("spray"), 1);
	feed(&fx, T0 + 402 * SEC, "event.action", "a", "source.ip", "1.1.1.1",
	     "user.name", "u7", NULL);
	ck_assert_uint_eq(count_of("spray"), 2);
	fx_free(&fx);
}
END_TEST

START_TEST(vc_upper_bound_at_close)
{
	struct fixture fx;
	fx_init(&fx,
	        ABC_RULES "title: Few\nid: few\ncorrelation:\n  type: value_count\n"
	                  "  rules: [a]\n  group-by: [host.name]\n  timespan: 1m\n"
	                  "  condition: {field: user.name, gte: 2, lt: 4}\n",
	        0, 0);
	feed(&fx, T0, "event.action", "a", "host.name", "h", "user.name", "x", NULL);
	feed(&fx, T0 + SEC, "event.action", "a", "host.name", "h", "user.name", "y",
	     NULL);
	feed(&fx, T0 + 2 * SEC, "event.action", "a", "host.name", "g", "user.name", "x",
	     NULL);
	for (int i = 0; i < 4; i++) {
		char u[8];
		snprintf(u, sizeof(u), "u%d", i);
		feed(&fx, T0 + 3 * SEC, "event.action", "a", "host.name", "k",
		     "user.name", u, NULL);
	}
	ck_assert_uint_eq(g_ngot, 0); /* upper bounds are known only at close */
	advance(&fx, T0 + 61 * SEC);
	ck_assert_uint_eq(count_of("few"), 1); /* h: 2 values; g: 1; k: 4 */
	ck_assert_str_eq(first_of("few")->key, "host.name=h");
	ck_assert_uint_eq(first_of("few")->count, 2);
	fx_free(&fx);
}
END_TEST

/* A group's value set outgrows the group (more than 3 values), shrinks back when
 * the values expire while the group lives on, and grows again: only the values
 * within the timespan of the newest event count, and the alert reports the
 * oldest of their times and the events of its window (the sliding window's: a
 * timespan back from the newest). */
START_TEST(vc_spill_and_back)
{
	struct fixture fx;
	fx_init(&fx,
	        ABC_RULES "title: Spray\nid: spray\ncorrelation:\n  type: value_count\n"
	                  "  rules: [a]\n  group-by: [source.ip]\n  timespan: 60s\n"
	                  "  condition: {field: user.name, gte: 6}\n",
	        0, 0);
	static const char *const users[] = {"u1", "u2", "u3", "u4", "u5", "u6"};
	for (int i = 0; i < 5; i++)
		feed(&fx, T0 + i * SEC, "event.action", "a", "source.ip", "1.1.1.1",
		     "user.name", users[i], NULL);
	ck_assert_uint_eq(g_ngot, 0); /* five values, held outside the group */
	int64_t first;
	ck_assert(vg_correlator_min_offset(fx.c, "raw", 0, &first));
	ck_assert_int_eq(first, 0);
	/* u1 alone keeps the group open; u2..u5 leave the window */
	for (int i = 1; i <= 3; i++)
		feed(&fx, T0 + i * 30 * SEC, "event.action", "a", "source.ip", "1.1.1.1",
		     "user.name", "u1", NULL);
	/* back to four: still no alert (the old u2..u5 no longer count) */
	for (int i = 1; i < 4; i++)
		feed(&fx, T0 + (90 + i) * SEC, "event.action", "a", "source.ip",
		     "1.1.1.1", "user.name", users[i], NULL);
	ck_assert_uint_eq(g_ngot, 0);
	feed(&fx, T0 + 94 * SEC, "event.action", "a", "source.ip", "1.1.1.1", "user.name",
	     "u5", NULL);
	ck_assert_uint_eq(g_ngot, 0);
	feed(&fx, T0 + 95 * SEC, "event.action", "a", "source.ip", "1.1.1.1", "user.name",
	     "u6", NULL);
	ck_assert_uint_eq(count_of("spray"), 1);
	const struct got *g = first_of("spray");
	ck_assert_int_eq(g->first_ts, T0 + 90 * SEC); /* u1's newest time */
	ck_assert_int_eq(g->last_ts, T0 + 95 * SEC);
	ck_assert_uint_eq(g->count, 7);
	ck_assert_uint_eq(g->nevents, 7); /* offsets 6..12: 60 s to 95 s */
	ck_assert_int_eq(g->first_off, 6);
	ck_assert_int_eq(g->last_off, 12);
	int64_t off;
	ck_assert(!vg_correlator_min_offset(fx.c, "raw", 0, &off)); /* reset */
	fx_free(&fx);
}
END_TEST

/* Thousands of distinct values in one group, sliding and fixed windows. */
START_TEST(vc_large_sets)
{
	struct fixture fx;
	fx_init(&fx,
	        ABC_RULES "title: Many\nid: many\ncorrelation:\n  type: value_count\n"
	                  "  rules: [a]\n  group-by: [source.ip]\n  timespan: 1h\n"
	                  "  condition: {field: user.name, gte: 3000}\n---\n"
	                  "title: Band\nid: band\ncorrelation:\n  type: value_count\n"
	                  "  rules: [b]\n  group-by: [source.ip]\n  timespan: 1h\n"
	                  "  condition: {field: user.name, gte: 1200, lte: 1500}\n",
	        0, 0);
	char u[16];
	/* every user twice (the second time later): 2999 distinct values */
	for (int i = 0; i < 2999; i++) {
		snprintf(u, sizeof(u), "user%d", i);
		feed(&fx, T0 + i * 1000, "event.action", "a", "source.ip", "1.1.1.1",
		     "user.name", u, NULL);
	}
	for (int i = 0; i < 2999; i++) {
		snprintf(u, sizeof(u), "user%d", i);
		feed(&fx, T0 + (3000 + i) * 1000, "event.action", "a", "source.ip",
		     "1.1.1.1", "user.name", u, NULL);
	}
	ck_assert_uint_eq(count_of("many"), 0);
	feed(&fx, T0 + 10 * SEC, "event.action", "a", "source.ip", "1.1.1.1", "user.name",
	     "user2999", NULL);
	ck_assert_uint_eq(count_of("many"), 1);
	ck_assert_int_eq(first_of("many")->first_ts, T0 + 3000 * 1000);
	ck_assert_int_eq(first_of("many")->last_ts, T0 + 10 * SEC);
	ck_assert_uint_eq(first_of("many")->count, 5999);
	ck_assert_uint_eq(first_of("many")->nevents, 256);  /* the first 256 */
	ck_assert_int_eq(first_of("many")->last_off, 5998); /* the newest */
	/* fixed window: 1300 distinct (each twice) in one source, 1600 in another,
	 * 1100 in a third; only the first is within [1200, 1500] at close */
	static const struct {
		const char *ip;
		int n;
	} band[] = {{"2.2.2.1", 1300}, {"2.2.2.2", 1600}, {"2.2.2.3", 1100}};
	for (size_t b = 0; b < 3; b++)
		for (int i = 0; i < 2 * band[b].n; i++) {
			snprintf(u, sizeof(u), "user%d", i % band[b].n);
			feed(&fx, T0 + 20 * SEC + i * 100, "event.action", "b",
			     "source.ip", band[b].ip, "user.name", u, NULL);
		}
	ck_assert_uint_eq(count_of("band"), 0);
	advance(&fx, T0 + 4000 * SEC);
	ck_assert_uint_eq(count_of("band"), 1);
	ck_assert_str_eq(first_of("band")->key, "source.ip=2.2.2.1");
	ck_assert_uint_eq(first_of("band")->count, 2600);
	fx_free(&fx);
}
END_TEST

/* --------------------------------------------------------------- temporal */

static const char *TEMPORAL =
    ABC_RULES "title: Recon\nid: recon\ncorrelation:\n  type: temporal\n"
              "  rules: [a, b, c]\n  group-by: [host.name, user.name]\n"
              "  timespan: 5m\n";

START_TEST(temporal_any_order)
{
	struct fixture fx;
	fx_init(&fx, TEMPORAL, 0, 0);
	feed(&fx, T0, "event.action", "c", "host.name", "h", "user.name", "u", NULL);
	feed(&fx, T0 + 10 * SEC, "event.action", "a", "host.name", "h", "user.name", "u",
	     NULL);
	ck_assert_uint_eq(count_of("recon"), 0);
	feed(&fx, T0 + 20 * SEC, "event.action", "b", "host.name", "h", "user.name", "u",
	     NULL);
	ck_assert_uint_eq(count_of("recon"), 1);
	ck_assert_int_eq(first_of("recon")->first_ts, T0);
	ck_assert_int_eq(first_of("recon")->last_ts, T0 + 20 * SEC);
	ck_assert_str_eq(first_of("recon")->key, "host.name=h\x1fuser.name=u");
	fx_free(&fx);
}
END_TEST

/* Regression: every rule's event must carry the same group-by values (engines that
 * count rules per group key prefix or ignore the key fire here). */
START_TEST(temporal_requires_equal_group_values)
{
	struct fixture fx;
	fx_init(&fx, TEMPORAL, 0, 0);
	feed(&fx, T0, "event.action", "a", "host.name", "h", "user.name", "u", NULL);
	feed(&fx, T0 + SEC, "event.action", "b", "host.name", "h", "user.name", "v",
	     NULL);
	feed(&fx, T0 + 2 * SEC, "event.action", "c", "host.name", "g", "user.name", "u",
	     NULL);
	/* an event without a group-by field joins no group */
	feed(&fx, T0 + 3 * SEC, "event.action", "b", "host.name", "h", NULL);
	ck_assert_uint_eq(count_of("recon"), 0);
	/* too far apart */
	feed(&fx, T0 + 400 * SEC, "event.action", "b", "host.name", "h", "user.name", "u",
	     NULL);
	feed(&fx, T0 + 401 * SEC, "event.action", "c", "host.name", "h", "user.name", "u",
	     NULL);
	ck_assert_uint_eq(count_of("recon"), 0);
	feed(&fx, T0 + 402 * SEC, "event.action", "a", "host.name", "h", "user.name", "u",
	     NULL);
	ck_assert_uint_eq(count_of("recon"), 1);
	fx_free(&fx);
}
END_TEST

START_TEST(temporal_condition_subset)
{
	struct fixture fx;
	fx_init(&fx,
	        ABC_RULES "title: Two\nid: two\ncorrelation:\n  type: temporal\n"
	                  "  rules: [a, b, c]\n  group-by: [host.name]\n  timespan: 1m\n"
	                  "  condition: {gte: 2}\n",
	        0, 0);
	feed(&fx, T0, "event.action", "a", "host.name", "h", NULL);
	feed(&fx, T0 + SEC, "event.action", "a", "host.name", "h", NULL);
	ck_assert_uint_eq(count_of("two"), 0); /* one rule twice is one rule */
	feed(&fx, T0 + 2 * SEC, "event.action", "c", "host.name", "h", NULL);
	ck_assert_uint_eq(count_of("two"), 1);
	fx_free(&fx);
	load_err(ABC_RULES "title: X\nid: x\ncorrelation:\n  type: temporal\n"
	                   "  rules: [a, b]\n  group-by: [h]\n  timespan: 1m\n"
	                   "  condition: {gte: 3}\n",
	         "temporal condition asks for 3 of 2 rules");
	load_err(ABC_RULES "title: X\nid: x\ncorrelation:\n  type: temporal_ordered\n"
	                   "  rules: [a, b]\n  group-by: [h]\n  timespan: 1m\n"
	                   "  condition: {gte: 1}\n",
	         "temporal_ordered needs every rule in order");
}
END_TEST

/* A sliding group fed for far longer than its timespan, without an alert, holds
 * back only the events of its window (vg_correlator_min_offset: a restart reads
 * from there), and its alert lists and counts those: once it kept the first events
 * it took in, holding its partition's commit at its first event for as long as it
 * was fed and listing events long gone from its window. */
START_TEST(sliding_group_holds_only_its_window)
{
	struct fixture fx;
	fx_init(&fx,
	        ABC_RULES
	        "title: AB\nid: ab\ncorrelation:\n  type: temporal\n"
	        "  rules: [a, b]\n  group-by: [user.name]\n  timespan: 60s\n"
	        "---\ntitle: Hosts\nid: hosts\ncorrelation:\n  type: value_count\n"
	        "  rules: [c]\n  group-by: [user.name]\n  timespan: 60s\n"
	        "  condition: {field: host.name, gte: 2}\n",
	        0, 0);
	/* offsets 0..39: an `a` every 30 s for 20 minutes, never a `b` */
	for (int i = 0; i < 40; i++)
		feed(&fx, T0 + i * 30 * SEC, "event.action", "a", "user.name", "x", NULL);
	int64_t off;
	ck_assert(vg_correlator_min_offset(fx.c, "raw", 0, &off));
	ck_assert_int_eq(off, 37); /* 1110 s, 1140 s, 1170 s: the last 60 s */
	feed(&fx, T0 + 1180 * SEC, "event.action", "b", "user.name", "x", NULL);
	ck_assert_uint_eq(count_of("ab"), 1);
	const struct got *g = first_of("ab");
	ck_assert_int_eq(g->first_ts, T0 + 1140 * SEC);
	ck_assert_int_eq(g->last_ts, T0 + 1180 * SEC);
	ck_assert_uint_eq(g->count, 3); /* 1140 s, 1170 s, 1180 s */
	ck_assert_uint_eq(g->nevents, 3);
	ck_assert_int_eq(g->first_off, 38);
	ck_assert_int_eq(g->last_off, 40);
	ck_assert(!vg_correlator_min_offset(fx.c, "raw", 0, &off));

	/* value_count's lower bound slides the same way (offsets 41..80: one host
	 * every 30 s; then a second host) */
	for (int i = 0; i < 40; i++)
		feed(&fx, T0 + (2000 + i * 30) * SEC, "event.action", "c", "user.name",
		     "x", "host.name", "h1", NULL);
	ck_assert(vg_correlator_min_offset(fx.c, "raw", 0, &off));
	ck_assert_int_eq(off, 78);
	feed(&fx, T0 + 3180 * SEC, "event.action", "c", "user.name", "x", "host.name",
	     "h2", NULL);
	ck_assert_uint_eq(count_of("hosts"), 1);
	g = first_of("hosts");
	ck_assert_int_eq(g->first_ts, T0 + 3170 * SEC); /* h1's newest time */
	ck_assert_uint_eq(g->count, 3);
	ck_assert_int_eq(g->first_off, 79);
	ck_assert_int_eq(g->last_off, 81);
	fx_free(&fx);
}
END_TEST

static const char *ORDERED =
    ABC_RULES "title: Seq\nid: seq\ncorrelation:\n  type: temporal_ordered\n"
              "  rules: [a, b, c]\n  group-by: [host.name]\n  timespan: 5m\n";

/* Regression: the order of `rules` is enforced (by event time). */
START_TEST(ordered_enforces_order)
{
	struct fixture fx;
	fx_init(&fx, ORDERED, 0, 0);
	feed(&fx, T0, "event.action", "b", "host.name", "h", NULL);
	feed(&fx, T0 + SEC, "event.action", "a", "host.name", "h", NULL);
	feed(&fx, T0 + 2 * SEC, "event.action", "c", "host.name", "h", NULL);
	ck_assert_uint_eq(count_of("seq"), 0); /* b came before a */
	feed(&fx, T0 + 3 * SEC, "event.action", "b", "host.name", "h", NULL);
	ck_assert_uint_eq(count_of("seq"), 0); /* c must follow b */
	feed(&fx, T0 + 4 * SEC, "event.action", "c", "host.name", "h", NULL);
	ck_assert_uint_eq(count_of("seq"), 1);
	ck_assert_int_eq(first_of("seq")->first_ts, T0 + SEC);
	ck_assert_int_eq(first_of("seq")->last_ts, T0 + 4 * SEC);
	/* c, b, a: never in order */
	feed(&fx, T0 + 10 * SEC, "event.action", "c", "host.name", "k", NULL);
	feed(&fx, T0 + 11 * SEC, "event.action", "b", "host.name", "k", NULL);
	feed(&fx, T0 + 12 * SEC, "event.action", "a", "host.name", "k", NULL);
	ck_assert_uint_eq(count_of("seq"), 1);
	fx_free(&fx);
}
END_TEST

START_TEST(ordered_out_of_order_arrival)
{
	/* events arrive shuffled within the allowed lateness: order is judged by
	 * their times, not their arrival */
	struct fixture fx;
	fx_init(&fx, ORDERED, 30 * SEC, 0);
	feed(&fx, T0 + 20 * SEC, "event.action", "c", "host.name", "h", NULL);
	feed(&fx, T0, "event.action", "a", "host.name", "h", NULL);
	ck_assert_uint_eq(count_of("seq"), 0);
	feed(&fx, T0 + 10 * SEC, "event.action", "b", "host.name", "h", NULL);
	ck_assert_uint_eq(count_of("seq"), 1);
	ck_assert_int_eq(first_of("seq")->first_ts, T0);
	/* beyond the lateness: the event is late and ignored */
	feed(&fx, T0 + 100 * SEC, "event.action", "c", "host.name", "k", NULL);
	feed(&fx, T0 + 50 * SEC, "event.action", "a", "host.name", "k", NULL);
	feed(&fx, T0 + 101 * SEC, "event.action", "b", "host.name", "k", NULL);
	ck_assert_uint_eq(count_of("seq"), 1);
	struct vg_correlator_stats st;
	vg_correlator_stats(fx.c, &st);
	ck_assert_uint_eq(st.late_events, 1);
	fx_free(&fx);
}
END_TEST

/* Regression: more evidence never takes an alert away.  A rule-0 time kept per
 * group used to be the newest 16 only, so 16 more a's after a <= b dropped the one a
 * before b, and a, b, (16 x a), c -- in order -- raised nothing; with one a fewer it
 * fired.  Rules b and c flood too, with times that cannot start or carry a chain. */
START_TEST(ordered_sequence_survives_a_flood)
{
	struct fixture fx;
	fx_init(&fx, ORDERED, 0, 0);
	feed(&fx, T0, "event.action", "a", "host.name", "h", NULL);
	feed(&fx, T0 + SEC, "event.action", "b", "host.name", "h", NULL);
	for (int i = 0; i < 40; i++)
		feed(&fx, T0 + (2 + i) * SEC, "event.action", "a", "host.name", "h",
		     NULL);
	ck_assert_uint_eq(count_of("seq"), 0);
	feed(&fx, T0 + 50 * SEC, "event.action", "c", "host.name", "h", NULL);
	ck_assert_uint_eq(count_of("seq"), 1);
	/* the chain found: the latest a before a b (T0), that b, this c */
	ck_assert_int_eq(first_of("seq")->first_ts, T0);
	ck_assert_int_eq(first_of("seq")->last_ts, T0 + 50 * SEC);
	/* c's before any b, then b's before any a, then a, b, c at the end */
	for (int i = 0; i < 20; i++)
		feed(&fx, T0 + (100 + i) * SEC, "event.action", "c", "host.name", "k",
		     NULL);
	for (int i = 0; i < 20; i++)
		feed(&fx, T0 + (120 + i) * SEC, "event.action", "b", "host.name", "k",
		     NULL);
	feed(&fx, T0 + 140 * SEC, "event.action", "a", "host.name", "k", NULL);
	for (int i = 0; i < 20; i++)
		feed(&fx, T0 + (141 + i) * SEC, "event.action", "a", "host.name", "k",
		     NULL);
	ck_assert_uint_eq(count_of("seq"), 1);
	feed(&fx, T0 + 161 * SEC, "event.action", "b", "host.name", "k", NULL);
	feed(&fx, T0 + 162 * SEC, "event.action", "c", "host.name", "k", NULL);
	ck_assert_uint_eq(count_of("seq"), 2);
	ck_assert_int_eq(g_got[g_ngot - 1].first_ts, T0 + 160 * SEC);
	fx_free(&fx);
}
END_TEST

/* An eager event_count with aliases: its alert carries the group value from the
 * field of the rule each event hit (it took the alias's own field, absent, so the
 * alert showed ip "" and a correlation above grouped by the alias never fired). */
START_TEST(aliases_eager_event_count_chains)
{
	struct fixture fx;
	fx_init(&fx,
	        ABC_RULES "title: ECA\nid: eca\nname: eca\ncorrelation:\n"
	                  "  type: event_count\n  rules: [a, b]\n  group-by: [ip]\n"
	                  "  timespan: 10s\n  condition: {gte: 2}\n  aliases:\n"
	                  "    ip: {a: source.ip, b: destination.ip}\n---\n"
	                  "title: Outer\nid: outer\ncorrelation:\n"
	                  "  type: temporal_ordered\n  rules: [eca, c]\n"
	                  "  group-by: [ip]\n  timespan: 30s\n  aliases:\n"
	                  "    ip: {eca: ip, c: source.ip}\n",
	        0, 0);
	feed(&fx, T0, "event.action", "a", "source.ip", "1.1.1.1", "destination.ip",
	     "10.0.0.1", NULL);
	feed(&fx, T0 + SEC, "event.action", "b", "source.ip", "10.0.0.2",
	     "destination.ip", "1.1.1.1", NULL);
	ck_assert_uint_eq(count_of("eca"), 1);
	ck_assert_str_eq(first_of("eca")->key, "ip=1.1.1.1");
	ck_assert_ptr_nonnull(strstr(first_of("eca")->fields, "destination.ip=1.1.1.1"));
	feed(&fx, T0 + 2 * SEC, "event.action", "c", "source.ip", "1.1.1.1", NULL);
	ck_assert_uint_eq(count_of("outer"), 1);
	ck_assert_str_eq(first_of("outer")->key, "ip=1.1.1.1");
	fx_free(&fx);
}
END_TEST

/* The specification's aliases example: an internal error and a new connection
 * with the addresses swapped, within 10 s. */
START_TEST(aliases_spec_example)
{
	struct fixture fx;
	fx_init(&fx,
	        "name: internal_error\ntitle: ie\nid: ie\ndetection:\n  selection:\n"
	        "    http.response.status_code: 500\n  condition: selection\n---\n"
	        "name: new_network_connection\ntitle: nc\nid: nc\ndetection:\n"
	        "  selection:\n    event.category: network\n    event.type: connection\n"
	        "    event.outcome: success\n  condition: selection\n---\n"
	        "title: Swapped\nid: swapped\ncorrelation:\n  type: temporal\n"
	        "  rules:\n    - internal_error\n    - new_network_connection\n"
	        "  group-by:\n    - internal_ip\n    - remote_ip\n  timespan: 10s\n"
	        "  aliases:\n    internal_ip:\n      internal_error: destination.ip\n"
	        "      new_network_connection: source.ip\n    remote_ip:\n"
	        "      internal_error: source.ip\n"
	        "      new_network_connection: destination.ip\n",
	        0, 0);
	feed(&fx, T0, "http.response.status_code", "500", "destination.ip", "10.0.0.5",
	     "source.ip", "8.8.8.8", NULL);
	/* same addresses, not swapped: no match */
	feed(&fx, T0 + SEC, "event.category", "network", "event.type", "connection",
	     "event.outcome", "success", "source.ip", "8.8.8.8", "destination.ip",
	     "10.0.0.5", NULL);
	ck_assert_uint_eq(count_of("swapped"), 0);
	feed(&fx, T0 + 2 * SEC, "event.category", "network", "event.type", "connection",
	     "event.outcome", "success", "source.ip", "10.0.0.5", "destination.ip",
	     "8.8.8.8", NULL);
	ck_assert_uint_eq(count_of("swapped"), 1);
	ck_assert_str_eq(first_of("swapped")->key,
	                 "internal_ip=10.0.0.5\x1fremote_ip=8.8.8.8");
	/* too late for the 10 s span */
	feed(&fx, T0 + 20 * SEC, "http.response.status_code", "500", "destination.ip",
	     "10.0.0.6", "source.ip", "8.8.4.4", NULL);
	feed(&fx, T0 + 31 * SEC, "event.category", "network", "event.type", "connection",
	     "event.outcome", "success", "source.ip", "10.0.0.6", "destination.ip",
	     "8.8.4.4", NULL);
	ck_assert_uint_eq(count_of("swapped"), 1);
	fx_free(&fx);
}
END_TEST

/* The specification's complete example: ten failed logins, then a success of the
 * same user within 10 minutes (a correlation of a correlation). */
static const char *SPEC_EXAMPLE =
    "title: Correlation - Multiple Failed Logins Followed by Successful Login\n"
    "id: b180ead8-d58f-40b2-ae54-c8940995b9b6\nstatus: experimental\n"
    "correlation:\n    type: temporal_ordered\n    rules:\n"
    "        - multiple_failed_login\n        - successful_login\n"
    "    group-by:\n        - User\n    timespan: 10m\nlevel: high\n---\n"
    "title: Multiple failed logons\nid: a8418a5a-5fc4-46b5-b23b-6c73beb19d41\n"
    "name: multiple_failed_login\ncorrelation:\n    type: event_count\n"
    "    rules:\n        - failed_login\n    group-by:\n        - User\n"
    "    timespan: 10m\n    condition:\n        gte: 10\n---\n"
    "title: Single failed login\nid: 53ba33fd-3a50-4468-a5ef-c583635cfa92\n"
    "name: failed_login\nlogsource:\n    product: windows\n    service: security\n"
    "detection:\n    selection:\n        EventID:\n            - 529\n"
    "            - 4625\n    condition: selection\n---\n"
    "title: Successful login\nid: 4d0a2c83-c62c-4ed4-b475-c7e23a9269b8\n"
    "name: successful_login\nlogsource:\n    product: windows\n"
    "    service: security\ndetection:\n    selection:\n        EventID:\n"
    "            - 528\n            - 4624\n    condition: selection\n";

static void login(struct fixture *fx, vg_time ts, const char *code, const char *user)
{
	feed(fx, ts, "event.dataset", "security", "event.module", "windows", "event.code",
	     code, "user.name", user, NULL);
}

START_TEST(chain_spec_example)
{
	struct fixture fx;
	fx_init(&fx, SPEC_EXAMPLE, 0, 0);
	const char *outer = "b180ead8-d58f-40b2-ae54-c8940995b9b6";
	const char *inner = "a8418a5a-5fc4-46b5-b23b-6c73beb19d41";
	/* a success first, then ten failures: wrong order */
	login(&fx, T0, "4624", "alice");
	for (int i = 0; i < 10; i++)
		login(&fx, T0 + (1 + i) * SEC, "4625", "alice");
	ck_assert_uint_eq(count_of(inner), 1);
	ck_assert_uint_eq(count_of(outer), 0);
	/* now the success after them */
	login(&fx, T0 + 60 * SEC, "4624", "alice");
	ck_assert_uint_eq(count_of(outer), 1);
	const struct got *g = first_of(outer);
	ck_assert_str_eq(g->key, "user.name=alice");
	ck_assert_int_eq(g->first_ts, T0 + 10 * SEC); /* the inner alert's time */
	ck_assert_int_eq(g->last_ts, T0 + 60 * SEC);
	/* bob: nine failures are not "multiple"; another user's success does not
	 * complete alice's sequence */
	for (int i = 0; i < 9; i++)
		login(&fx, T0 + (100 + i) * SEC, "529", "bob");
	login(&fx, T0 + 120 * SEC, "528", "bob");
	ck_assert_uint_eq(count_of(outer), 1);
	/* the detection rules referenced by correlations do not alert alone */
	ck_assert_uint_eq(count_of("53ba33fd-3a50-4468-a5ef-c583635cfa92"), 0);
	fx_free(&fx);
}
END_TEST

/* Bursts of distinct users per source (value_count, windows that fire as they
 * close) and two bursts within 30 s (event_count over the bursts' alerts). */
#define BURST_RULES                                                                      \
	ABC_RULES                                                                        \
	"title: Users\nid: users\nname: users\ncorrelation: {type: value_count, "        \
	"rules: [a], group-by: [source.ip], timespan: 10s, condition: {field: "          \
	"user.name, gte: 2, lte: 9}}\n---\n"                                             \
	"title: Bursts\nid: bursts\nname: bursts\ncorrelation: {type: event_count, "     \
	"rules: [users], group-by: [source.ip], timespan: 30s, condition: {gte: 2}}\n"

/* Failures of users u1, u2, u1, u2 from 10.0.0.1 at 0, 1, 18 and 19 s: two bursts
 * of "users" (its windows end at 10 and 28 s); events [from, to), each at its
 * index as offset. */
static void bursts(struct fixture *fx, int from, int to)
{
	static const int at[] = {0, 1, 18, 19};
	for (int i = from; i < to; i++) {
		fx->offset = i;
		feed(fx, T0 + at[i] * SEC, "event.action", "a", "source.ip", "10.0.0.1",
		     "user.name", i % 2 ? "u2" : "u1", NULL);
	}
}

/* Every partition fed to `secs`, and the release point there. */
static void release_at(struct fixture *fx, int secs)
{
	advance(fx, T0 + secs * SEC);
	vg_correlator_release(fx->c, T0 + secs * SEC, on_alert, NULL);
}

/* A window that fires as it closes feeds its alert to the correlations above at its
 * end, before windows ending later close, however far one release call goes: two
 * bursts (ending at 10 s and 28 s) make one alert above whether the release point
 * stops at 29 s or jumps to 40 s, past the end (31 s) of the window above. */
START_TEST(chain_window_alerts_whatever_the_release_steps)
{
	for (int steps = 0; steps < 2; steps++) {
		struct fixture fx;
		fx_init_conf(&fx, BURST_RULES,
		             &(struct vg_correlator_conf){.ordered = true});
		bursts(&fx, 0, 4);
		if (steps)
			release_at(&fx, 29);
		release_at(&fx, 40);
		ck_assert_uint_eq(count_of("users"), 2);
		ck_assert_msg(count_of("bursts") == 1, "steps %d: %zu", steps,
		              count_of("bursts"));
		const struct got *g = first_of("bursts");
		ck_assert_int_eq(g->first_ts, T0 + 1 * SEC);
		ck_assert_int_eq(g->last_ts, T0 + 19 * SEC);
		/* fired by the second burst, counted at its window's end */
		ck_assert_int_eq(g->fire.ts, T0 + 28 * SEC);
		fx_free(&fx);
	}
}
END_TEST

/* What an alert of "users" carries to "bursts" (vg_alert.chain), with where. */
static struct {
	char names[8][32], values[8][32];
	struct vg_kv kv[8];
	size_t n;
	vg_time ts;
	struct vg_source src;
	struct vg_fire_pos fire;
} g_chain;

static void on_alert_chain(const struct vg_alert *a, void *ctx)
{
	on_alert(a, ctx);
	if (!a->nchain || g_chain.n)
		return; /* the first only */
	ck_assert_uint_le(a->nchain, 8);
	for (size_t i = 0; i < a->nchain; i++) {
		snprintf(g_chain.names[i], 32, "%s", a->chain[i].name);
		snprintf(g_chain.values[i], 32, "%s", a->chain[i].value);
		g_chain.kv[i] = (struct vg_kv){g_chain.names[i], g_chain.values[i]};
	}
	g_chain.n = a->nchain;
	g_chain.ts = a->last_ts;
	g_chain.src = a->events[a->nevents - 1];
	g_chain.src.topic = "raw";
	g_chain.fire = a->fire;
}

/* After a restart, an alert of "users" given back (vg_correlator_restore_chained)
 * counts in "bursts" where it counted before, and holds its event's offset until
 * then; a rule that no correlation consumes, or an unordered correlator, is
 * refused. */
START_TEST(chain_restored_alert_counts_as_before)
{
	struct fixture fx;
	fx_init_conf(&fx, BURST_RULES, &(struct vg_correlator_conf){.ordered = true});
	memset(&g_chain, 0, sizeof(g_chain));
	bursts(&fx, 0, 2);
	advance(&fx, T0 + 12 * SEC);
	vg_correlator_release(fx.c, T0 + 12 * SEC, on_alert_chain, NULL);
	ck_assert_uint_eq(count_of("users"), 1);
	ck_assert_uint_gt(g_chain.n, 0);
	ck_assert_int_eq(g_chain.ts, T0 + 1 * SEC);
	ck_assert_int_eq(g_chain.src.offset, 1);
	ck_assert_int_eq(g_chain.fire.ts, T0 + 10 * SEC); /* its window's end */
	fx_free(&fx);

	/* a restart: the first burst's marks keep its events out, and its alert
	 * comes back from the store */
	fx_init_conf(&fx, BURST_RULES, &(struct vg_correlator_conf){.ordered = true});
	ck_assert_int_eq(vg_correlator_restore_mark(fx.c, "users", "source.ip=10.0.0.1",
	                                            "raw", 0, 1, &g_chain.fire),
	                 VG_OK);
	ck_assert_int_eq(vg_correlator_restore_chained(fx.c, "users", g_chain.kv,
	                                               g_chain.n, g_chain.ts,
	                                               &g_chain.src, &g_chain.fire),
	                 VG_OK);
	int64_t lo = -1;
	ck_assert(vg_correlator_min_offset(fx.c, "raw", 0, &lo));
	ck_assert_int_eq(lo, 1);
	bursts(&fx, 0, 4);
	release_at(&fx, 40);
	ck_assert_uint_eq(count_of("users"), 1); /* the second burst only */
	ck_assert_uint_eq(count_of("bursts"), 1);
	ck_assert_int_eq(first_of("bursts")->first_ts, T0 + 1 * SEC);
	struct vg_correlator_stats st;
	vg_correlator_stats(fx.c, &st);
	ck_assert_uint_eq(st.chained_restored, 1);
	ck_assert_uint_eq(st.held_hits, 0);
	ck_assert_int_eq(vg_correlator_restore_chained(fx.c, "bursts", g_chain.kv,
	                                               g_chain.n, g_chain.ts,
	                                               &g_chain.src, &g_chain.fire),
	                 VG_ERR_NOTFOUND); /* nothing consumes it */
	ck_assert_int_eq(vg_correlator_restore_chained(fx.c, "a", g_chain.kv, g_chain.n,
	                                               g_chain.ts, &g_chain.src,
	                                               &g_chain.fire),
	                 VG_ERR_NOTFOUND); /* not a correlation */
	fx_free(&fx);

	/* given back from a partition no longer read (another consumer's now): it
	 * still counts, and that partition holds no window open */
	fx_init_conf(&fx, BURST_RULES, &(struct vg_correlator_conf){.ordered = true});
	struct vg_source elsewhere = {"raw", 5, 1};
	ck_assert_int_eq(vg_correlator_restore_chained(fx.c, "users", g_chain.kv,
	                                               g_chain.n, g_chain.ts, &elsewhere,
	                                               &g_chain.fire),
	                 VG_OK);
	bursts(&fx, 2, 4);
	release_at(&fx, 40);
	ck_assert_uint_eq(count_of("users"), 1);
	ck_assert_uint_eq(count_of("bursts"), 1);
	fx_free(&fx);
	fx_init(&fx, BURST_RULES, 0, 0);
	ck_assert_int_eq(vg_correlator_restore_chained(fx.c, "users", g_chain.kv,
	                                               g_chain.n, g_chain.ts,
	                                               &g_chain.src, &g_chain.fire),
	                 VG_ERR_INVALID); /* unordered */
	fx_free(&fx);
}
END_TEST

START_TEST(chain_errors)
{
	load_err(ABC_RULES "title: X\nid: x\ncorrelation:\n  type: event_count\n"
	                   "  rules: [y]\n  group-by: [h]\n  timespan: 1m\n"
	                   "  condition: {gte: 2}\n---\n"
	                   "title: Y\nid: y\ncorrelation:\n  type: event_count\n"
	                   "  rules: [x]\n  group-by: [h]\n  timespan: 1m\n"
	                   "  condition: {gte: 2}\n",
	         "correlation chain is cyclic");
	load_err(ABC_RULES "title: X\nid: x\ncorrelation:\n  type: value_count\n"
	                   "  rules: [a]\n  group-by: [h]\n  timespan: 1m\n"
	                   "  condition: {gte: 2}\n",
	         "value_count needs 'field' in 'condition'");
	load_err(ABC_RULES "title: X\nid: x\ncorrelation:\n  type: value_percentile\n"
	                   "  rules: [a]\n  group-by: [h]\n  timespan: 1m\n"
	                   "  condition: {field: f, gte: 2}\n",
	         "correlation type 'value_percentile' is not supported");
}
END_TEST

START_TEST(generate_keeps_hits)
{
	struct fixture fx;
	fx_init(&fx,
	        ABC_RULES "title: Pair\nid: pair\ngenerate: true\ncorrelation:\n"
	                  "  type: temporal\n  rules: [a, b]\n  group-by: [host.name]\n"
	                  "  timespan: 1m\n",
	        0, 0);
	feed(&fx, T0, "event.action", "a", "host.name", "h", NULL);
	feed(&fx, T0 + SEC, "event.action", "b", "host.name", "h", NULL);
	ck_assert_uint_eq(count_of("a"), 1);
	ck_assert_uint_eq(count_of("b"), 1);
	ck_assert_uint_eq(count_of("pair"), 1);
	fx_free(&fx);
}
END_TEST

/* ---------------------------------------------------------- extensions */

static const char *ABSENCE =
    ABC_RULES "title: No ack\nid: noack\ncorrelation:\n  type: absence\n"
              "  rules: [a, b]\n  group-by: [host.name]\n  timespan: 1m\n";

START_TEST(absence_fires_at_watermark)
{
	struct fixture fx;
	fx_init(&fx, ABSENCE, 0, 0);
	feed(&fx, T0, "event.action", "a", "host.name", "h1", NULL); /* never acked */
	feed(&fx, T0 + SEC, "event.action", "a", "host.name", "h2", NULL);
	feed(&fx, T0 + 30 * SEC, "event.action", "b", "host.name", "h2", NULL); /* ack */
	feed(&fx, T0 + 40 * SEC, "event.action", "a", "host.name", "h3", NULL);
	feed(&fx, T0 + 45 * SEC, "event.action", "b", "host.name", "h9",
	     NULL); /* other */
	ck_assert_uint_eq(count_of("noack"), 0);
	advance(&fx, T0 + 60 * SEC); /* h1's window ends at T0 + 60 s: not passed yet */
	ck_assert_uint_eq(count_of("noack"), 0);
	advance(&fx, T0 + 61 * SEC);
	ck_assert_uint_eq(count_of("noack"), 1);
	ck_assert_str_eq(first_of("noack")->key, "host.name=h1");
	ck_assert_int_eq(first_of("noack")->first_ts, T0);
	/* an ack after the window does not cancel h3's alert */
	feed(&fx, T0 + 101 * SEC, "event.action", "b", "host.name", "h3", NULL);
	ck_assert_uint_eq(count_of("noack"), 2);
	ck_assert_str_eq(g_got[g_ngot - 1].key, "host.name=h3");
	fx_free(&fx);
}
END_TEST

/* Regression: a trigger after its group's window ended opens a window of its own.
 * h2's window waited, unclosed, behind h1's group (the lateness holds the
 * watermark back, and h1's trigger moved h1's end past h2's), and h2's second
 * trigger was taken for one inside that window: its alert was lost. */
START_TEST(absence_second_trigger_after_the_window)
{
	struct fixture fx;
	fx_init(&fx, ABSENCE, 10 * 60 * SEC, 0);
	feed(&fx, T0, "event.action", "b", "host.name", "h1", NULL);
	feed(&fx, T0 + SEC, "event.action", "a", "host.name", "h2", NULL);
	feed(&fx, T0 + 5 * SEC, "event.action", "a", "host.name", "h1", NULL);
	feed(&fx, T0 + 30 * SEC, "event.action", "a", "host.name", "h2", NULL); /* same */
	feed(&fx, T0 + 62 * SEC, "event.action", "a", "host.name", "h2", NULL); /* next */
	/* the first window of h2 closes as its next trigger comes */
	ck_assert_uint_eq(count_of("noack"), 1);
	ck_assert_int_eq(first_of("noack")->first_ts, T0 + SEC);
	advance(&fx, T0 + 3600 * SEC);
	ck_assert_uint_eq(count_of("noack"), 3); /* h2 at 1 s and 62 s, h1 at 5 s */
	size_t h2 = 0;
	for (size_t i = 0; i < g_ngot; i++)
		if (strcmp(g_got[i].key, "host.name=h2") == 0)
			ck_assert_int_eq(g_got[i].first_ts,
			                 h2++ ? T0 + 62 * SEC : T0 + SEC);
	ck_assert_uint_eq(h2, 2);
	/* expect: before -- an expected event seen before a closed window still
	 * counts for the next trigger's */
	fx_free(&fx);
	fx_init(&fx,
	        ABC_RULES "title: Unprepared\nid: unprep\ncorrelation:\n  type: absence\n"
	                  "  rules: [a, b]\n  group-by: [host.name]\n  timespan: 1m\n"
	                  "  expect: before\n",
	        10 * 60 * SEC, 0);
	feed(&fx, T0, "event.action", "a", "host.name", "h", NULL); /* unprepared */
	feed(&fx, T0 + 10 * SEC, "event.action", "b", "host.name", "h", NULL);
	feed(&fx, T0 + 20 * SEC, "event.action", "a", "host.name", "h", NULL); /* ready */
	advance(&fx, T0 + 3600 * SEC);
	ck_assert_uint_eq(count_of("unprep"), 1);
	ck_assert_int_eq(first_of("unprep")->first_ts, T0);
	fx_free(&fx);
}
END_TEST

START_TEST(absence_expected_out_of_order)
{
	/* the expected event arrives before its trigger (within lateness) */
	struct fixture fx;
	fx_init(&fx, ABSENCE, 10 * SEC, 0);
	feed(&fx, T0 + 5 * SEC, "event.action", "b", "host.name", "h", NULL);
	feed(&fx, T0, "event.action", "a", "host.name", "h", NULL);
	advance(&fx, T0 + 600 * SEC);
	ck_assert_uint_eq(count_of("noack"), 0);
	fx_free(&fx);
}
END_TEST

START_TEST(absence_before_and_around)
{
	struct fixture fx;
	fx_init(&fx,
	        ABC_RULES "title: Unprepared\nid: unprep\ncorrelation:\n  type: absence\n"
	                  "  rules: [a, b]\n  group-by: [host.name]\n  timespan: 1m\n"
	                  "  expect: before\n---\n"
	                  "title: Alone\nid: alone\ncorrelation:\n  type: absence\n"
	                  "  rules: [a, c]\n  group-by: [host.name]\n  timespan: 1m\n"
	                  "  expect: around\n",
	        0, 0);
	feed(&fx, T0, "event.action", "b", "host.name", "h1", NULL);
	feed(&fx, T0 + 30 * SEC, "event.action", "a", "host.name", "h1",
	     NULL); /* prepared */
	feed(&fx, T0 + 31 * SEC, "event.action", "a", "host.name", "h2", NULL);
	feed(&fx, T0 + 40 * SEC, "event.action", "b", "host.name", "h2",
	     NULL); /* too late */
	/* around: c 50 s after h1's a (within) and 59 s before h3's a */
	feed(&fx, T0 + 80 * SEC, "event.action", "c", "host.name", "h1", NULL);
	feed(&fx, T0 + 139 * SEC, "event.action", "a", "host.name", "h3", NULL);
	feed(&fx, T0 + 140 * SEC, "event.action", "c", "host.name", "h3", NULL);
	advance(&fx, T0 + 1000 * SEC);
	ck_assert_uint_eq(count_of("unprep"), 2); /* h2 and h3 */
	ck_assert_uint_eq(count_of("alone"), 1);  /* h2 */
	ck_assert_str_eq(first_of("alone")->key, "host.name=h2");
	load_err(ABC_RULES "title: X\nid: x\ncorrelation:\n  type: absence\n"
	                   "  rules: [a, b]\n  group-by: [h]\n  timespan: 1m\n"
	                   "  expect: later\n",
	         "'expect' must be after, before or around");
	fx_free(&fx);
}
END_TEST

/* Regression: expiry looked at each rule's list head only, and assumed the list
 * in the order of the windows' ends -- not so for absence (an expected-only group
 * ends span + lo after its event, a trigger's window at t + hi) nor for a fixed
 * window opened by a chained alert (at the alert's time, which is earlier than
 * when it is counted): a window that had ended waited behind one ending later,
 * its alert late or, at the end of the input, never raised. */
START_TEST(windows_close_when_the_watermark_passes_their_end)
{
	static const char *const expect[] = {"before", "around"};
	for (size_t i = 0; i < 2; i++) {
		char rules[1024];
		snprintf(rules, sizeof(rules),
		         ABC_RULES "title: N\nid: n\ncorrelation:\n  type: absence\n"
		                   "  rules: [a, b]\n  group-by: [host.name]\n"
		                   "  timespan: 10s\n  expect: %s\n",
		         expect[i]);
		struct fixture fx;
		fx_init(&fx, rules, 0, 0);
		/* X: expected only (kept to 20 s); Y: a trigger, no expected event */
		feed(&fx, T0, "event.action", "b", "host.name", "X", NULL);
		feed(&fx, T0 + 5 * SEC, "event.action", "a", "host.name", "Y", NULL);
		/* Y's window ends at 5 s (before) or 15 s (around) */
		advance(&fx, T0 + (i ? 16 : 6) * SEC);
		ck_assert_msg(count_of("n") == 1, "expect: %s", expect[i]);
		ck_assert_str_eq(first_of("n")->key, "host.name=Y");
		fx_free(&fx);
	}
	/* a fixed window of the outer rule opened by inner's alert (at 0 s, counted
	 * when inner's window closes, after 10 s) behind U2's, opened at 5 s */
	struct fixture fx;
	fx_init(&fx,
	        ABC_RULES "title: Inner\nid: inner\nname: inner\ncorrelation:\n"
	                  "  type: event_count\n  rules: [a]\n  group-by: [user.name]\n"
	                  "  timespan: 10s\n  condition: {gte: 1, lte: 5}\n---\n"
	                  "title: Outer\nid: outer\ncorrelation:\n  type: event_count\n"
	                  "  rules: [inner, c]\n  group-by: [user.name]\n"
	                  "  timespan: 8s\n  condition: {gte: 1, lte: 5}\n",
	        0, 0);
	feed(&fx, T0, "event.action", "a", "user.name", "U1", NULL);
	feed(&fx, T0 + 5 * SEC, "event.action", "c", "user.name", "U2", NULL);
	advance(&fx, T0 + 12 * SEC); /* U1's outer window [0, 8] has ended */
	ck_assert_uint_eq(count_of("inner"), 1);
	ck_assert_uint_eq(count_of("outer"), 1);
	ck_assert_str_eq(first_of("outer")->key, "user.name=U1");
	advance(&fx, T0 + 14 * SEC); /* U2's [5, 13] */
	ck_assert_uint_eq(count_of("outer"), 2);
	fx_free(&fx);
	/* a group taken from the pool kept its old deadline: when the new window
	 * ended at the same time, it was not placed, and waited behind C's */
	fx_init(&fx,
	        ABC_RULES "title: Few\nid: few\ncorrelation:\n  type: event_count\n"
	                  "  rules: [a]\n  group-by: [user.name]\n  timespan: 10s\n"
	                  "  condition: {gte: 1, lte: 5}\n",
	        60 * SEC, 2);
	feed(&fx, T0, "event.action", "a", "user.name", "A", NULL);
	feed(&fx, T0 + 20 * SEC, "event.action", "a", "user.name", "C", NULL);
	feed(&fx, T0, "event.action", "a", "user.name", "B", NULL); /* evicts A */
	advance(&fx, T0 + 15 * SEC);
	ck_assert_uint_eq(count_of("few"), 1);
	ck_assert_str_eq(first_of("few")->key, "user.name=B");
	fx_free(&fx);
}
END_TEST

/* Regression: a temporal kind takes an event once per rule it hits (its time per
 * rule), and took it into the group's events and count as often: an event
 * matching two of the rules counted 2, a rule listed twice counted each of its
 * events twice (event_count 5 and record 0 twice for a, b, a). */
START_TEST(temporal_counts_an_event_once)
{
	struct fixture fx;
	fx_init(&fx,
	        ABC_RULES "title: A2\nid: a2\nname: a2\ndetection:\n"
	                  "  s: {user.name: u}\n  condition: s\n---\n"
	                  "title: Both\nid: both\ncorrelation:\n  type: temporal\n"
	                  "  rules: [a, a2]\n  group-by: [user.name]\n  timespan: 10s\n"
	                  "---\n"
	                  "title: ABA\nid: aba\ncorrelation:\n"
	                  "  type: temporal_ordered\n  rules: [a, b, a]\n"
	                  "  group-by: [host.name]\n  timespan: 10s\n",
	        0, 0);
	feed(&fx, T0, "event.action", "a", "user.name", "u", NULL);
	ck_assert_uint_eq(count_of("both"), 1);
	ck_assert_uint_eq(first_of("both")->count, 1);
	ck_assert_uint_eq(first_of("both")->nevents, 1);
	feed(&fx, T0, "event.action", "a", "host.name", "h", NULL);
	feed(&fx, T0 + SEC, "event.action", "b", "host.name", "h", NULL);
	feed(&fx, T0 + 2 * SEC, "event.action", "a", "host.name", "h", NULL);
	ck_assert_uint_eq(count_of("aba"), 1);
	ck_assert_uint_eq(first_of("aba")->count, 3);
	ck_assert_uint_eq(first_of("aba")->nevents, 3);
	fx_free(&fx);
}
END_TEST

/* Regression: values were put in the group key as they are, so a value holding
 * the separator forged the next part: (alice\x1fhost.name=srv1, db) and
 * (alice, srv1\x1fhost.name=db) were one group, counted together. */
START_TEST(group_keys_escape_the_separator)
{
	struct fixture fx;
	fx_init(&fx,
	        ABC_RULES "title: Two\nid: two\ncorrelation:\n  type: event_count\n"
	                  "  rules: [a]\n  group-by: [user.name, host.name]\n"
	                  "  timespan: 10s\n  condition: {gte: 2}\n",
	        0, 0);
	feed(&fx, T0, "event.action", "a", "user.name", "alice\x1fhost.name=srv1",
	     "host.name", "db", NULL);
	feed(&fx, T0 + SEC, "event.action", "a", "user.name", "alice", "host.name",
	     "srv1\x1fhost.name=db", NULL);
	ck_assert_uint_eq(count_of("two"), 0);
	/* the same tuple twice is one group, its key escaped: 0x1e before 0x1f
	 * and before 0x1e */
	feed(&fx, T0 + 2 * SEC, "event.action", "a", "user.name", "x\x1e", "host.name",
	     "y\x1fz", NULL);
	feed(&fx, T0 + 3 * SEC, "event.action", "a", "user.name", "x\x1e", "host.name",
	     "y\x1fz", NULL);
	ck_assert_uint_eq(count_of("two"), 1);
	ck_assert_str_eq(first_of("two")->key,
	                 "user.name=x\x1e\x1e\x1fhost.name=y\x1e\x1fz");
	fx_free(&fx);
}
END_TEST

/* Regression: an absence group holding only an expected event never set its
 * newest time, so the global bound evicted it before any older group -- and
 * losing it raised a false absence alert. */
START_TEST(eviction_takes_the_least_recently_touched)
{
	struct fixture fx;
	fx_init_conf(&fx,
	             ABC_RULES "title: N\nid: n\ncorrelation:\n  type: absence\n"
	                       "  rules: [a, b]\n  group-by: [host.name]\n"
	                       "  timespan: 10s\n  expect: before\n---\n"
	                       "title: Count\nid: count\ncorrelation:\n"
	                       "  type: event_count\n  rules: [c]\n"
	                       "  group-by: [user.name]\n  timespan: 60s\n"
	                       "  condition: {gte: 5}\n",
	             &(struct vg_correlator_conf){.max_groups_total = 2});
	feed(&fx, T0, "event.action", "c", "user.name", "u1", NULL);
	feed(&fx, T0 + 2 * SEC, "event.action", "b", "host.name", "X", NULL);
	feed(&fx, T0 + 3 * SEC, "event.action", "c", "user.name", "u2",
	     NULL); /* evicts u1 */
	feed(&fx, T0 + 5 * SEC, "event.action", "a", "host.name", "X",
	     NULL); /* prepared */
	advance(&fx, T0 + 59 * SEC);
	ck_assert_uint_eq(count_of("n"), 0);
	struct vg_correlator_stats st;
	vg_correlator_stats(fx.c, &st);
	ck_assert_uint_eq(st.evicted_groups, 1);
	fx_free(&fx);
}
END_TEST

START_TEST(value_sum_and_avg)
{
	struct fixture fx;
	fx_init(&fx,
	        ABC_RULES "title: Exfil\nid: exfil\ncorrelation:\n  type: value_sum\n"
	                  "  rules: [a]\n  group-by: [source.ip]\n  timespan: 1h\n"
	                  "  condition: {field: source.bytes, gt: 1000000}\n---\n"
	                  "title: Avg\nid: avg\ncorrelation:\n  type: value_avg\n"
	                  "  rules: [a]\n  group-by: [source.ip]\n  timespan: 1h\n"
	                  "  condition: {field: source.bytes, gt: 500.5}\n",
	        0, 0);
	feed(&fx, T0, "event.action", "a", "source.ip", "1.1.1.1", "source.bytes",
	     "600000", NULL);
	feed(&fx, T0 + SEC, "event.action", "a", "source.ip", "1.1.1.1", "source.bytes",
	     "400001", NULL);
	feed(&fx, T0 + 2 * SEC, "event.action", "a", "source.ip", "1.1.1.1",
	     "source.bytes", "not-a-number", NULL);
	feed(&fx, T0 + 3 * SEC, "event.action", "a", "source.ip", "2.2.2.2",
	     "source.bytes", "500", NULL);
	feed(&fx, T0 + 4 * SEC, "event.action", "a", "source.ip", "2.2.2.2",
	     "source.bytes", "501", NULL);
	feed(&fx, T0 + 5 * SEC, "event.action", "a", "source.ip", "3.3.3.3",
	     "source.bytes", "501", NULL);
	/* not decimal numbers, so no part: a "nan" made the sum NaN (no bound
	 * ever held), an "inf" fired alone, hex counted; alone in a group, each
	 * of these would fire both rules if it were taken as a number */
	static const char *const not_numbers[] = {
	    "nan",      "-nan",     "inf",    "-Infinity", "0x10000000", "1e400",
	    " 5000000", "5000000 ", "1e-400", "",          "5e6\n"};
	for (size_t i = 0; i < sizeof(not_numbers) / sizeof(*not_numbers); i++) {
		char ip[32];
		snprintf(ip, sizeof(ip), "4.4.4.%zu", i);
		feed(&fx, T0 + 6 * SEC, "event.action", "a", "source.ip", "1.1.1.1",
		     "source.bytes", not_numbers[i], NULL);
		feed(&fx, T0 + 6 * SEC, "event.action", "a", "source.ip", ip,
		     "source.bytes", not_numbers[i], NULL);
	}
	ck_assert_uint_eq(g_ngot, 0);
	advance(&fx, T0 + 3700 * SEC);
	ck_assert_uint_eq(count_of("exfil"), 1);
	ck_assert_str_eq(first_of("exfil")->key, "source.ip=1.1.1.1");
	ck_assert_uint_eq(first_of("exfil")->count, 2);
	/* averages: 1.1.1.1 500000.5, 2.2.2.2 500.5 (not > 500.5), 3.3.3.3 501;
	 * 4.4.4.x took no part */
	ck_assert_uint_eq(count_of("avg"), 2);
	ck_assert_uint_eq(g_ngot, 3);
	fx_free(&fx);
}
END_TEST

/* Bounds a rule may not set: a count past what a group keeps (one of 2^64 - 1
 * overflowed into a threshold of 1: an alert per event), a timespan that would
 * carry window ends past the range of time. */
START_TEST(bounds_refused_at_load)
{
	load_err(ABC_RULES "title: X\nid: x\ncorrelation:\n  type: event_count\n"
	                   "  rules: [a]\n  group-by: [h]\n  timespan: 1m\n"
	                   "  condition: {gt: 18446744073709551615}\n",
	         "count 18446744073709551615 is above the supported 100000");
	load_err(ABC_RULES "title: X\nid: x\ncorrelation:\n  type: event_count\n"
	                   "  rules: [a]\n  group-by: [h]\n  timespan: 1m\n"
	                   "  condition: {gte: 2, lte: 100001}\n",
	         "count 100001 is above the supported 100000");
	load_err(ABC_RULES "title: X\nid: x\ncorrelation:\n  type: event_count\n"
	                   "  rules: [a]\n  group-by: [h]\n  timespan: 3651d\n"
	                   "  condition: {gte: 2}\n",
	         "timespan '3651d' is above the supported 3650d");
	/* an alias for a rule not referenced (a typo: "bb"): b's events read a
	 * field named "ip" and met in one group "ip=" */
	load_err(ABC_RULES "title: X\nid: x\ncorrelation:\n  type: event_count\n"
	                   "  rules: [a, b]\n  group-by: [ip]\n  timespan: 1m\n"
	                   "  condition: {gte: 2}\n  aliases:\n"
	                   "    ip: {a: source.ip, bb: destination.ip}\n",
	         "rule 'x': alias 'ip' is given for rule 'bb', which the correlation "
	         "does not refer to");
	/* by name or id, as in rules: */
	vg_ruleset_destroy(load_ok(ABC_RULES
	                           "title: X\nid: x\ncorrelation:\n  type: event_count\n"
	                           "  rules: [a, b]\n  group-by: [ip]\n  timespan: 1m\n"
	                           "  condition: {gte: 2}\n  aliases:\n"
	                           "    ip: {a: source.ip, b: destination.ip}\n"));
	/* value_sum bounds: a nan one never held (it loaded, and never fired) */
	static const char *const not_bounds[] = {"nan", "inf", "-inf", "0x10", "1e999"};
	for (size_t i = 0; i < sizeof(not_bounds) / sizeof(*not_bounds); i++) {
		char rule[512];
		snprintf(rule, sizeof(rule),
		         ABC_RULES "title: X\nid: x\ncorrelation:\n  type: value_sum\n"
		                   "  rules: [a]\n  group-by: [h]\n  timespan: 1m\n"
		                   "  condition: {field: n, gt: '%s'}\n",
		         not_bounds[i]);
		load_err(rule, "condition 'gt' needs a finite decimal number");
	}
	struct vg_ruleset *rs =
	    load_ok(ABC_RULES "title: X\nid: x\ncorrelation:\n  type: event_count\n"
	                      "  rules: [a]\n  group-by: [h]\n  timespan: 3650d\n"
	                      "  condition: {gte: 100000}\n");
	vg_ruleset_destroy(rs);
}
END_TEST

START_TEST(bounded_groups_evict)
{
	struct fixture fx;
	fx_init(&fx,
	        ABC_RULES "title: Spray\nid: spray\ncorrelation:\n  type: value_count\n"
	                  "  rules: [a]\n  group-by: [source.ip]\n  timespan: 5m\n"
	                  "  condition: {field: user.name, gte: 3}\n",
	        0, 4);
	for (int i = 0; i < 10; i++) {
		char ip[32];
		snprintf(ip, sizeof(ip), "10.0.0.%d", i);
		feed(&fx, T0 + i * SEC, "event.action", "a", "source.ip", ip, "user.name",
		     "u", NULL);
	}
	struct vg_correlator_stats st;
	vg_correlator_stats(fx.c, &st);
	ck_assert_uint_eq(st.open_groups, 4);
	ck_assert_uint_eq(st.evicted_groups, 6);
	fx_free(&fx);
}
END_TEST

/* ----------------------------------------------------------- differential */

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

static int cmp_got(const void *a, const void *b)
{
	const struct got *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	if (c)
		return c;
	return x->first_ts < y->first_ts ? -1 : x->first_ts > y->first_ts;
}

/* A random value_count stream: `need` distinct users in 60 s per source, three
 * sources, users drawn from `nvalues` in wide phases and from one user in narrow
 * phases (every 250 events the phase changes when `narrow` is set), a step of up
 * to step_ms between events, events up to `lateness` out of order. */
struct vc_diff {
	uint64_t seed;
	vg_time lateness;
	int need, nvalues, step_ms, nevents;
	int phase; /* events per phase (default 250) */
	bool narrow;
};

#define DIFF_VALUES_MAX 64

/* vc_diff streams against a naive model of the documented semantics
 * (CORRELATION.md): per group, every value's newest time since the group's last
 * alert; at each arrival, a recount of the values whose newest time is within the
 * timespan of the group's newest time; the alert's first_ts is the oldest of
 * those times, its last_ts the group's newest. */
static void vc_differential(const struct vc_diff *p)
{
	const vg_time span = 60 * SEC;
	char rules[1024];
	snprintf(rules, sizeof(rules),
	         ABC_RULES "title: V\nid: v\ncorrelation:\n  type: value_count\n"
	                   "  rules: [a]\n  group-by: [source.ip]\n  timespan: 60s\n"
	                   "  condition: {field: user.name, gte: %d}\n",
	         p->need);
	ck_assert_int_le(p->nvalues, DIFF_VALUES_MAX);
	struct fixture fx;
	fx_init(&fx, rules, p->lateness, 0);
	vg_time vts[3][DIFF_VALUES_MAX], newest[3];
	for (int gi = 0; gi < 3; gi++) {
		newest[gi] = VG_TIME_NONE;
		for (int v = 0; v < DIFF_VALUES_MAX; v++)
			vts[gi][v] = VG_TIME_NONE;
	}
	static struct got want[MAX_ALERTS];
	size_t nwant = 0;
	uint64_t s = p->seed;
	vg_time t = T0, maxts = VG_TIME_NONE;
	for (int e = 0; e < p->nevents; e++) {
		t += (vg_time)(rnd(&s) % (uint64_t)p->step_ms) * (SEC / 1000);
		vg_time jitter =
		    p->lateness ? (vg_time)(rnd(&s) % (uint64_t)(p->lateness + 1)) : 0;
		vg_time ts = t - jitter;
		int pool =
		    p->narrow && (e / (p->phase ? p->phase : 250)) % 2 ? 1 : p->nvalues;
		int gi = (int)(rnd(&s) % 3), vi = (int)(rnd(&s) % (uint64_t)pool);
		bool is_a = rnd(&s) % 4 != 0;
		char ip[16], user[16];
		snprintf(ip, sizeof(ip), "10.0.0.%d", gi);
		snprintf(user, sizeof(user), "u%d", vi);
		/* late by the correlator's rule: older than max time - lateness */
		bool late = maxts != VG_TIME_NONE && ts < maxts - p->lateness;
		if (maxts == VG_TIME_NONE || ts > maxts)
			maxts = late ? maxts : ts;
		feed(&fx, ts, "event.action", is_a ? "a" : "b", "source.ip", ip,
		     "user.name", user, NULL);
		if (!is_a || late)
			continue;
		if (ts > newest[gi])
			newest[gi] = ts;
		if (ts > vts[gi][vi])
			vts[gi][vi] = ts;
		int distinct = 0;
		vg_time first = newest[gi];
		for (int v = 0; v < p->nvalues; v++)
			if (vts[gi][v] != VG_TIME_NONE &&
			    vts[gi][v] >= newest[gi] - span) {
				distinct++;
				if (vts[gi][v] < first)
					first = vts[gi][v];
			}
		if (distinct >= p->need) {
			ck_assert_uint_lt(nwant, MAX_ALERTS);
			struct got *w = &want[nwant++];
			snprintf(w->key, sizeof(w->key), "source.ip=%s", ip);
			w->first_ts = first;
			w->last_ts = newest[gi];
			newest[gi] = VG_TIME_NONE; /* the group is reset */
			for (int v = 0; v < DIFF_VALUES_MAX; v++)
				vts[gi][v] = VG_TIME_NONE;
		}
	}
	size_t ngot = 0;
	for (size_t i = 0; i < g_ngot; i++)
		if (strcmp(g_got[i].rule, "v") == 0)
			g_got[ngot++] = g_got[i];
	ck_assert_uint_gt(nwant, 20);
	ck_assert_uint_eq(ngot, nwant);
	qsort(g_got, ngot, sizeof(g_got[0]), cmp_got);
	qsort(want, nwant, sizeof(want[0]), cmp_got);
	for (size_t i = 0; i < nwant; i++) {
		ck_assert_str_eq(g_got[i].key, want[i].key);
		ck_assert_int_eq(g_got[i].first_ts, want[i].first_ts);
		ck_assert_int_eq(g_got[i].last_ts, want[i].last_ts);
	}
	fx_free(&fx);
	g_ngot = 0;
}

#define GOLDEN UINT64_C(0x9E3779B97F4A7C15)

START_TEST(differential_value_count)
{
	for (uint64_t seed = 1; seed <= 4; seed++)
		vc_differential(&(struct vc_diff){.seed = seed * GOLDEN,
		                                  .need = 3,
		                                  .nvalues = 5,
		                                  .step_ms = 12000,
		                                  .nevents = 3000});
}
END_TEST

START_TEST(differential_value_count_out_of_order)
{
	for (uint64_t seed = 11; seed <= 14; seed++)
		vc_differential(&(struct vc_diff){.seed = seed * GOLDEN,
		                                  .lateness = 20 * SEC,
		                                  .need = 3,
		                                  .nvalues = 5,
		                                  .step_ms = 12000,
		                                  .nevents = 3000});
}
END_TEST

/* Groups of more values than a group holds in itself (3): the value set spills to
 * its large form on the way to 6, and in the narrow phases (one user) the other
 * values expire while the group lives on, so it goes back (see also
 * vc_spill_and_back). */
START_TEST(differential_value_count_spill)
{
	for (uint64_t seed = 21; seed <= 23; seed++)
		vc_differential(&(struct vc_diff){.seed = seed * GOLDEN,
		                                  .lateness = seed % 2 ? 20 * SEC : 0,
		                                  .need = 6,
		                                  .nvalues = 10,
		                                  .step_ms = 4000,
		                                  .nevents = 3000,
		                                  .narrow = true});
}
END_TEST

/* Large sets: 40 of 60 users, dense enough to reach them; the large form grows
 * (rehashing), prunes by scanning, halves and goes back in narrow phases. */
START_TEST(differential_value_count_large)
{
	for (uint64_t seed = 31; seed <= 32; seed++)
		vc_differential(&(struct vc_diff){.seed = seed * GOLDEN,
		                                  .lateness = seed % 2 ? 5 * SEC : 0,
		                                  .need = 40,
		                                  .nvalues = 60,
		                                  .step_ms = 400,
		                                  .nevents = 5000,
		                                  .phase = 600,
		                                  .narrow = true});
}
END_TEST

/* event_count with a threshold (10) above the references a group holds in itself
 * (4): the ring moves to the heap and grows while events arrive out of order
 * (within the lateness) and old ones leave the window, against a naive recount:
 * per group, the events since its last alert within the timespan of the newest;
 * the alert spans the oldest of them to the newest. */
static void ec_ring_differential(uint64_t seed, vg_time lateness)
{
	const vg_time span = 10 * SEC;
	const size_t need = 10;
	struct fixture fx;
	fx_init(&fx,
	        ABC_RULES "title: E\nid: e\ncorrelation:\n  type: event_count\n"
	                  "  rules: [a]\n  group-by: [source.ip]\n  timespan: 10s\n"
	                  "  condition: {gte: 10}\n",
	        lateness, 0);
	static vg_time since[3][4096];
	size_t nsince[3] = {0};
	static struct got want[MAX_ALERTS];
	size_t nwant = 0;
	uint64_t s = seed;
	vg_time t = T0, maxts = VG_TIME_NONE;
	for (int e = 0; e < 3000; e++) {
		t += (vg_time)(rnd(&s) % 700) * (SEC / 1000);
		vg_time ts =
		    t - (lateness ? (vg_time)(rnd(&s) % (uint64_t)(lateness + 1)) : 0);
		int gi = (int)(rnd(&s) % 3);
		char ip[16];
		snprintf(ip, sizeof(ip), "10.0.0.%d", gi);
		bool late = maxts != VG_TIME_NONE && ts < maxts - lateness;
		if (!late && (maxts == VG_TIME_NONE || ts > maxts))
			maxts = ts;
		feed(&fx, ts, "event.action", "a", "source.ip", ip, NULL);
		if (late)
			continue;
		ck_assert_uint_lt(nsince[gi], 4096);
		vg_time *h = since[gi];
		h[nsince[gi]++] = ts;
		vg_time newest = VG_TIME_NONE, first = INT64_MAX;
		for (size_t j = 0; j < nsince[gi]; j++)
			if (h[j] > newest)
				newest = h[j];
		size_t live = 0;
		for (size_t j = 0; j < nsince[gi]; j++)
			if (h[j] >= newest - span) {
				live++;
				if (h[j] < first)
					first = h[j];
			}
		if (live >= need) {
			ck_assert_uint_lt(nwant, MAX_ALERTS);
			struct got *w = &want[nwant++];
			snprintf(w->key, sizeof(w->key), "source.ip=%s", ip);
			w->first_ts = first;
			w->last_ts = newest;
			nsince[gi] = 0;
		}
	}
	size_t ngot = 0;
	for (size_t i = 0; i < g_ngot; i++)
		if (strcmp(g_got[i].rule, "e") == 0)
			g_got[ngot++] = g_got[i];
	ck_assert_uint_gt(nwant, 20);
	ck_assert_uint_eq(ngot, nwant);
	qsort(g_got, ngot, sizeof(g_got[0]), cmp_got);
	qsort(want, nwant, sizeof(want[0]), cmp_got);
	for (size_t i = 0; i < nwant; i++) {
		ck_assert_str_eq(g_got[i].key, want[i].key);
		ck_assert_int_eq(g_got[i].first_ts, want[i].first_ts);
		ck_assert_int_eq(g_got[i].last_ts, want[i].last_ts);
		ck_assert_uint_eq(g_got[i].count, need);
	}
	fx_free(&fx);
	g_ngot = 0;
}

START_TEST(differential_event_count_ring)
{
	for (uint64_t seed = 41; seed <= 43; seed++)
		ec_ring_differential(seed * GOLDEN, seed % 2 ? 5 * SEC : 0);
}
END_TEST

/* temporal_ordered (a, b, c in 5 min) against a brute-force search, on random
 * streams in time order -- the ordered mode's counting -- with equal times
 * frequent and long floods of one rule (phases of 150 events: mostly a's, then
 * a's and b's, then mostly c's), three hosts.  The recount keeps every time of a
 * group since its last alert and fires at the first event after which times
 * t0 <= t1 <= t2 of a, b, c exist with t2 - t0 <= 5 min (equal times count as in
 * order), reporting the latest such t0 and, from it, the earliest chain's end. */
#define TO_EVENTS 3000
static vg_time to_held[3][3][TO_EVENTS];

/* The first of l[0..n) at or after t (n: none). */
static size_t to_at_or_after(const vg_time *l, size_t n, vg_time t)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (l[mid] < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

START_TEST(differential_temporal_ordered)
{
	static const int weights[3][3] = {{80, 15, 5}, {45, 45, 10}, {20, 10, 70}};
	static struct got want[TO_EVENTS];
	const vg_time span = 5 * 60 * SEC;
	size_t total = 0;
	for (uint64_t seed = 41; seed <= 44; seed++) {
		uint64_t x = seed * GOLDEN;
		struct fixture fx;
		fx_init(&fx, ORDERED, 0, 0);
		size_t nheld[3][3] = {{0}}, nwant = 0;
		vg_time t = T0;
		for (int i = 0; i < TO_EVENTS; i++) {
			uint64_t v = rnd(&x);
			if (v % 10 >= 3) /* 30%: the same time as the previous event */
				t += (vg_time)(1 + (v >> 8) % 4) * SEC;
			const int *w = weights[(i / 150) % 3];
			int p = (int)((v >> 16) % 100);
			int r = p < w[0] ? 0 : p < w[0] + w[1] ? 1 : 2;
			int h = (int)((v >> 32) % 3);
			static const char *const act[] = {"a", "b", "c"};
			char host[8];
			snprintf(host, sizeof(host), "h%d", h);
			feed(&fx, t, "event.action", act[r], "host.name", host, NULL);
			to_held[h][r][nheld[h][r]++] = t;
			/* any chain now?  the latest start, then its earliest end */
			bool found = false;
			vg_time first = 0, last = 0;
			for (size_t k = nheld[h][0]; k-- > 0 && !found;) {
				vg_time prev = to_held[h][0][k];
				bool ok = true;
				for (int q = 1; q < 3 && ok; q++) {
					size_t at = to_at_or_after(to_held[h][q],
					                           nheld[h][q], prev);
					ok = at < nheld[h][q] &&
					     to_held[h][q][at] - to_held[h][0][k] <= span;
					if (ok)
						prev = to_held[h][q][at];
				}
				if (ok) {
					found = true;
					first = to_held[h][0][k];
					last = prev;
				}
			}
			if (found) {
				struct got *g = &want[nwant++];
				snprintf(g->key, sizeof(g->key), "host.name=%s", host);
				g->first_ts = first;
				g->last_ts = last;
				for (int q = 0; q < 3; q++)
					nheld[h][q] = 0; /* the group is reset */
			}
		}
		ck_assert_uint_eq(count_of("seq"), nwant);
		for (size_t k = 0, n = 0; k < g_ngot; k++) {
			if (strcmp(g_got[k].rule, "seq") != 0)
				continue;
			ck_assert_str_eq(g_got[k].key, want[n].key);
			ck_assert_int_eq(g_got[k].first_ts, want[n].first_ts);
			ck_assert_int_eq(g_got[k].last_ts, want[n].last_ts);
			n++;
		}
		total += nwant;
		fx_free(&fx);
		g_ngot = 0;
	}
	ck_assert_uint_gt(total, 100);
}
END_TEST

/* ------------------------------------------------- event-time order (ordered) */

/* Every kind of window over rules a, b, c. */
#define WINDOW_RULES                                                                     \
	ABC_RULES                                                                        \
	"title: EC\nid: ec\nname: ec\ncorrelation:\n  type: event_count\n  rules: [a]\n" \
	"  group-by: [source.ip]\n  timespan: 10s\n  condition: {gte: 3}\n---\n"         \
	"title: VC\nid: vc\ncorrelation:\n  type: value_count\n  rules: [b]\n"           \
	"  group-by: [source.ip]\n  timespan: 10s\n"                                     \
	"  condition: {field: user.name, gte: 3}\n---\n"                                 \
	"title: TP\nid: tp\ncorrelation:\n  type: temporal\n  rules: [a, b, c]\n"        \
	"  group-by: [source.ip]\n  timespan: 10s\n---\n"                                \
	"title: TO\nid: to\ncorrelation:\n  type: temporal_ordered\n  rules: [a, b, "    \
	"c]\n"                                                                           \
	"  group-by: [source.ip]\n  timespan: 10s\n---\n"                                \
	"title: FX\nid: fx\ncorrelation:\n  type: event_count\n  rules: [c]\n"           \
	"  group-by: [source.ip]\n  timespan: 5s\n  condition: {lt: 3}\n"

/* ... and a correlation of a correlation. */
#define ORDER_RULES                                                                      \
	WINDOW_RULES                                                                     \
	"---\ntitle: CH\nid: ch\ncorrelation:\n  type: event_count\n  rules: [ec]\n"     \
	"  group-by: [source.ip]\n  timespan: 60s\n  condition: {gte: 2}\n"

#define ORDER_EVENTS 900
#define ORDER_PARTS  3

struct order_ev {
	vg_time ts;
	int part;
	int64_t offset; /* the partition's own, in its order */
	char action[2], ip[16], user[8];
};

/* Feed one event of partition "p"/part, or "p"/0 when `single` (detection, then
 * the correlator). */
static void feed_part(struct fixture *fx, const struct order_ev *e, bool single)
{
	struct vg_event *ev = vg_event_new(g_arena);
	ck_assert_ptr_nonnull(ev);
	ev->ts = e->ts;
	ev->src = (struct vg_source){"p", single ? 0 : e->part, e->offset};
	const char *kv[] = {"event.action", e->action,   "source.ip",
	                    e->ip,          "user.name", e->user};
	for (size_t i = 0; i < 6; i += 2)
		ck_assert_int_eq(vg_event_set_named(ev, kv[i], strlen(kv[i]), kv[i + 1],
		                                    strlen(kv[i + 1]), VG_VK_STR, true),
		                 VG_OK);
	const struct vg_rule *hits[16];
	size_t n = vg_detect(fx->rs, fx->ctx, ev, hits, 16);
	vg_correlator_feed(fx->c, ev, hits, n, on_alert, NULL);
}

static int cmp_got_full(const void *a, const void *b)
{
	const struct got *x = a, *y = b;
	int c = strcmp(x->rule, y->rule);
	if (c || (c = cmp_got(a, b)))
		return c;
	if (x->last_ts != y->last_ts)
		return x->last_ts < y->last_ts ? -1 : 1;
	if (x->count != y->count)
		return x->count < y->count ? -1 : 1;
	if (x->first_off != y->first_off)
		return x->first_off < y->first_off ? -1 : 1;
	return x->last_off < y->last_off ? -1 : x->last_off > y->last_off;
}

/* How order_run counts: as the correlator does by default, in its ordered mode,
 * or (the reference) by default and without lateness, as one partition (the events
 * must then come in event-time order). */
enum order_mode { ORDER_UNORDERED, ORDER_ORDERED, ORDER_REFERENCE };

/* Run the events in the order of idx[] through a correlator in `mode`, releasing
 * (ordered) after every `batch` events up to the oldest newest time of the three
 * partitions minus the lateness, as engine/pipeline.c does; then every partition
 * ends.  The alerts, sorted, go to out. */
static size_t order_run(const struct order_ev *evs, const int *idx, enum order_mode mode,
                        int batch, vg_time lateness, struct got *out)
{
	bool single = mode == ORDER_REFERENCE;
	if (single)
		lateness = 0;
	struct fixture fx;
	fx_init_conf(&fx, ORDER_RULES,
	             &(struct vg_correlator_conf){.allowed_lateness = lateness,
	                                          .ordered = mode == ORDER_ORDERED});
	vg_time newest[ORDER_PARTS];
	for (int k = 0; k < ORDER_PARTS; k++)
		newest[k] = VG_TIME_NONE;
	for (int i = 0; i < ORDER_EVENTS; i++) {
		const struct order_ev *e = &evs[idx[i]];
		feed_part(&fx, e, single);
		if (e->ts > newest[e->part])
			newest[e->part] = e->ts;
		if ((i + 1) % batch)
			continue;
		vg_time low = INT64_MAX;
		for (int k = 0; k < ORDER_PARTS; k++)
			low = newest[k] < low ? newest[k] : low;
		vg_correlator_release(fx.c, low == VG_TIME_NONE ? low : low - lateness,
		                      on_alert, NULL);
	}
	for (int k = 0; k < ORDER_PARTS; k++)
		vg_correlator_advance(fx.c, "p", k, T0 + 100000 * SEC, on_alert, NULL);
	vg_correlator_release(fx.c, VG_CORRELATOR_RELEASE_ALL, on_alert, NULL);
	struct vg_correlator_stats st;
	vg_correlator_stats(fx.c, &st);
	ck_assert_uint_eq(st.late_events, 0);
	ck_assert_uint_eq(st.held_hits, 0);
	ck_assert_uint_eq(st.hits_released_early, 0);
	fx_free(&fx);
	memcpy(out, g_got, g_ngot * sizeof(*out));
	qsort(out, g_ngot, sizeof(*out), cmp_got_full);
	size_t n = g_ngot;
	g_ngot = 0;
	return n;
}

/* The same alerts: rule, group, times and count, and when `events` the events they
 * list too. */
static bool same_alerts(const struct got *a, size_t na, const struct got *b, size_t nb,
                        bool events)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++) {
		struct got x = a[i], y = b[i];
		if (!events) {
			x.first_off = x.last_off = y.first_off = y.last_off = 0;
			x.nevents = y.nevents = 0;
		}
		if (cmp_got_full(&x, &y) || x.nevents != y.nevents)
			return false;
	}
	return true;
}

static int cmp_order_ev(const struct order_ev *x, const struct order_ev *y)
{
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->part != y->part)
		return x->part < y->part ? -1 : 1;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* A random stream of ORDER_EVENTS events over ORDER_PARTS partitions, each out of
 * order within its partition by up to 3 s but never more than `lateness` behind
 * its newest; actions a, b, c alike, or (rare_c) a 60%, b 34%, c 6%.  per[k] lists
 * partition k's events in offset order (nper[k] of them). */
static void order_stream(uint64_t *s, vg_time lateness, bool rare_c, struct order_ev *evs,
                         int per[][ORDER_EVENTS], int *nper)
{
	vg_time t = T0, pmax[ORDER_PARTS];
	int64_t off[ORDER_PARTS] = {0};
	for (int k = 0; k < ORDER_PARTS; k++) {
		pmax[k] = VG_TIME_NONE;
		nper[k] = 0;
	}
	for (int i = 0; i < ORDER_EVENTS; i++) {
		struct order_ev *e = &evs[i];
		t += (vg_time)(rnd(s) % 1500) * (SEC / 1000);
		e->part = (int)(rnd(s) % ORDER_PARTS);
		e->ts = t - (vg_time)(rnd(s) % 3000) * (SEC / 1000);
		if (pmax[e->part] != VG_TIME_NONE && e->ts < pmax[e->part] - lateness)
			e->ts = pmax[e->part] - lateness;
		if (pmax[e->part] == VG_TIME_NONE || e->ts > pmax[e->part])
			pmax[e->part] = e->ts;
		e->offset = off[e->part]++;
		unsigned r = (unsigned)(rnd(s) % (rare_c ? 100 : 3));
		snprintf(e->action, sizeof(e->action), "%c",
		         !rare_c  ? "abc"[r]
		         : r < 60 ? 'a'
		         : r < 94 ? 'b'
		                  : 'c');
		snprintf(e->ip, sizeof(e->ip), "10.0.0.%d", (int)(rnd(s) % 2));
		snprintf(e->user, sizeof(e->user), "u%d", (int)(rnd(s) % 4));
		per[e->part][nper[e->part]++] = i;
	}
}

/* An interleaving of order_stream's partitions into idx: each partition in its own
 * order, the partitions in runs of random length (1 to 40). */
static void order_interleave(uint64_t *s, int per[][ORDER_EVENTS], const int *nper,
                             int *idx)
{
	int at[ORDER_PARTS] = {0}, n = 0;
	while (n < ORDER_EVENTS) {
		int k = (int)(rnd(s) % ORDER_PARTS);
		for (int r = 1 + (int)(rnd(s) % 40); r > 0 && at[k] < nper[k]; r--)
			idx[n++] = per[k][at[k]++];
	}
}

/* Ordered mode counts in event-time order however partitions interleave, events
 * arrive out of order within the lateness, or releases are batched: random streams
 * of three partitions, each run in several interleavings and batchings, give the
 * alerts (rule, group, times, count, listed events) of the same events fed in
 * time order, and those of an unordered correlator that counts them, sorted, as
 * one partition without lateness (rule, group, times, count: the events an alert
 * lists start with each partition's newest) -- for every window kind and a
 * correlation of a correlation.  (A window is closed, and a sliding group that
 * went a timespan without events ends, as each hit is counted: the order decides
 * everything.)  Unordered, the interleavings give different alerts (the limit
 * ordered mode removes). */
START_TEST(ordered_counts_in_event_time)
{
	static struct order_ev evs[ORDER_EVENTS];
	static int sorted[ORDER_EVENTS], idx[ORDER_EVENTS];
	static struct got want[MAX_ALERTS], got[MAX_ALERTS];
	const vg_time lateness = 4 * SEC;
	int unordered_differs = 0;
	for (uint64_t seed = 1; seed <= 4; seed++) {
		uint64_t s = seed * GOLDEN;
		int per[ORDER_PARTS][ORDER_EVENTS], nper[ORDER_PARTS];
		order_stream(&s, lateness, false, evs, per, nper);
		for (int i = 0; i < ORDER_EVENTS; i++)
			sorted[i] = i;
		/* the reference: every event in event-time order */
		for (int i = 1; i < ORDER_EVENTS; i++)
			for (int j = i; j > 0 && cmp_order_ev(&evs[sorted[j]],
			                                      &evs[sorted[j - 1]]) < 0;
			     j--) {
				int x = sorted[j];
				sorted[j] = sorted[j - 1];
				sorted[j - 1] = x;
			}
		size_t nwant = order_run(evs, sorted, ORDER_REFERENCE, 1, 0, want);
		ck_assert_uint_gt(nwant, 20);
		size_t nsorted = order_run(evs, sorted, ORDER_ORDERED, 1, lateness, got);
		ck_assert(same_alerts(want, nwant, got, nsorted, false));
		memcpy(want, got, nsorted * sizeof(*got));
		static struct got first[MAX_ALERTS];
		size_t nfirst = 0;
		for (int round = 0; round < 4; round++) {
			/* another interleaving */
			order_interleave(&s, per, nper, idx);
			int batch = round == 0 ? 1 : 1 + (int)(rnd(&s) % 200);
			size_t ngot =
			    order_run(evs, idx, ORDER_ORDERED, batch, lateness, got);
			ck_assert_msg(
			    same_alerts(want, nwant, got, ngot, true),
			    "seed %llu round %d (batches of %d): %zu alerts, %zu in "
			    "event-time order",
			    (unsigned long long)seed, round, batch, ngot, nwant);
			ngot = order_run(evs, idx, ORDER_UNORDERED, batch, lateness, got);
			if (round == 0) {
				memcpy(first, got, ngot * sizeof(*got));
				nfirst = ngot;
			}
			unordered_differs += !same_alerts(first, nfirst, got, ngot, true);
		}
	}
	ck_assert_int_gt(unordered_differs, 0);
}
END_TEST

/* More events in a sliding window than an alert lists (256): the events not kept
 * go to per-partition extents, which a later one joins only while the extent's
 * oldest event is at most a timespan older; so the extents leave the window in
 * turn, and the group holds each partition back at most two timespans (here:
 * 1,000 events a window, two partitions, for two minutes). */
START_TEST(sliding_group_extents_leave_the_window)
{
	struct fixture fx;
	fx_init_conf(&fx, ORDER_RULES, &(struct vg_correlator_conf){0});
	struct order_ev e = {.action = "b", .ip = "10.0.0.1", .user = "u"};
	int64_t off[2] = {0, 0};
	vg_time at[2][6000];
	for (int i = 0; i < 12000; i++) {
		e.ts = T0 + (vg_time)i * (SEC / 100);
		e.part = i % 2;
		at[e.part][off[e.part]] = e.ts;
		e.offset = off[e.part]++;
		feed_part(&fx, &e, false);
	}
	ck_assert_uint_eq(count_of("vc"), 0); /* one user */
	vg_time newest = T0 + 11999 * (SEC / 100);
	for (int p = 0; p < 2; p++) {
		int64_t lo;
		ck_assert(vg_correlator_min_offset(fx.c, "p", p, &lo));
		ck_assert_int_lt(lo, off[p]);
		ck_assert_int_ge(at[p][lo], newest - 20 * SEC); /* two timespans */
		ck_assert_int_le(at[p][lo], newest - 10 * SEC); /* the window */
	}
	e.ts = newest + SEC / 100;
	strcpy(e.user, "v");
	e.part = 0;
	e.offset = off[0]++;
	feed_part(&fx, &e, false);
	e.ts += SEC / 100;
	strcpy(e.user, "w");
	e.offset = off[0]++;
	feed_part(&fx, &e, false);
	ck_assert_uint_eq(count_of("vc"), 1);
	const struct got *g = first_of("vc");
	ck_assert_uint_ge(g->count, 1000); /* at least the window's 10 s */
	ck_assert_uint_le(g->count, 2002); /* at most two timespans' worth */
	ck_assert_uint_eq(g->nevents, 256);
	ck_assert_int_eq(g->last_off, off[0] - 1);
	ck_assert_int_ge(g->first_ts, e.ts - 10 * SEC);
	fx_free(&fx);
}
END_TEST

/* The restart test's rules: every kind of window but chained ones (their restart
 * also needs vg_correlator_restore_chained). */
#define RESTART_RULES WINDOW_RULES

/* What a restart needs of an alert fired before it: its restart marks. */
struct restart_mark {
	char rule[64], key[128];
	int32_t partition;
	int64_t offset;
	struct vg_fire_pos fire;
};
static struct restart_mark g_marks[4 * MAX_ALERTS];
static size_t g_nmarks;

static void on_alert_marked(const struct vg_alert *a, void *ctx)
{
	(void)ctx;
	on_alert(a, NULL);
	for (size_t i = 0; i < a->nfrontier; i++) {
		ck_assert_uint_lt(g_nmarks, 4 * MAX_ALERTS);
		struct restart_mark *m = &g_marks[g_nmarks++];
		snprintf(m->rule, sizeof(m->rule), "%s", g_got[g_ngot - 1].rule);
		snprintf(m->key, sizeof(m->key), "%s", a->group_key);
		m->partition = a->frontier[i].partition;
		m->offset = a->frontier[i].offset;
		m->fire = a->fire;
	}
}

/* Ordered mode, as engine/pipeline.c runs it: feed idx[from..to) (releasing after
 * every `batch`, newest times kept in newest[]), then, when `end`, end every
 * partition. */
static void restart_feed(struct fixture *fx, const struct order_ev *evs, const int *idx,
                         int from, int to, int batch, vg_time lateness, vg_time *newest,
                         bool end)
{
	for (int i = from; i < to; i++) {
		const struct order_ev *e = &evs[idx[i]];
		feed_part(fx, e, false);
		if (e->ts > newest[e->part])
			newest[e->part] = e->ts;
		if ((i + 1 - from) % batch)
			continue;
		vg_time low = INT64_MAX;
		for (int k = 0; k < ORDER_PARTS; k++)
			low = newest[k] < low ? newest[k] : low;
		vg_correlator_release(fx->c, low == VG_TIME_NONE ? low : low - lateness,
		                      on_alert_marked, NULL);
	}
	if (!end)
		return;
	for (int k = 0; k < ORDER_PARTS; k++)
		vg_correlator_advance(fx->c, "p", k, T0 + 100000 * SEC, on_alert_marked,
		                      NULL);
	vg_correlator_release(fx->c, VG_CORRELATOR_RELEASE_ALL, on_alert_marked, NULL);
}

/* A restart from the offsets vg_correlator_min_offset gives (the pipeline commits
 * no further), with the marks of the alerts fired before it, gives the alerts that
 * were still to come -- the same rule, group, times, count and listed events --
 * and no other: random streams of three partitions, every kind of window, stopped
 * at several points.  Sliding groups hold back only the events of their window, so
 * this checks that no event they dropped is one a window to come needs. */
START_TEST(restart_from_min_offset_gives_the_alerts_to_come)
{
	static struct order_ev evs[ORDER_EVENTS];
	static int idx[ORDER_EVENTS], reread[ORDER_EVENTS];
	static struct got all[MAX_ALERTS], want[MAX_ALERTS], got[MAX_ALERTS];
	const vg_time lateness = 4 * SEC;
	vg_time max_back = 0;
	for (uint64_t seed = 1; seed <= 4; seed++) {
		uint64_t s = seed * GOLDEN;
		int per[ORDER_PARTS][ORDER_EVENTS], nper[ORDER_PARTS];
		order_stream(&s, lateness, true, evs, per, nper);
		order_interleave(&s, per, nper, idx);
		const int batch = 1 + (int)(rnd(&s) % 20);
		/* the full run, noting how many alerts came before each stop */
		struct fixture fx;
		struct vg_correlator_conf conf = {.allowed_lateness = lateness,
		                                  .ordered = true};
		fx_init_conf(&fx, RESTART_RULES, &conf);
		g_nmarks = 0;
		vg_time newest[ORDER_PARTS];
		for (int k = 0; k < ORDER_PARTS; k++)
			newest[k] = VG_TIME_NONE;
		enum { STOPS = 6 };
		int stop[STOPS];
		int64_t commit[STOPS][ORDER_PARTS];
		size_t nalerts_at[STOPS], nmarks_at[STOPS];
		for (int k = 0; k < STOPS; k++)
			stop[k] = (k + 1) * (ORDER_EVENTS / (STOPS + 1)) / batch * batch;
		int done = 0;
		for (int k = 0; k < STOPS; k++) {
			restart_feed(&fx, evs, idx, done, stop[k], batch, lateness,
			             newest, false);
			done = stop[k];
			nalerts_at[k] = g_ngot;
			nmarks_at[k] = g_nmarks;
			int64_t next[ORDER_PARTS] = {0}; /* the next offset to read */
			for (int i = 0; i < done; i++)
				next[evs[idx[i]].part] = evs[idx[i]].offset + 1;
			for (int p = 0; p < ORDER_PARTS; p++) {
				int64_t lo;
				commit[k][p] =
				    vg_correlator_min_offset(fx.c, "p", p, &lo) &&
				            lo < next[p]
				        ? lo
				        : next[p];
			}
		}
		restart_feed(&fx, evs, idx, done, ORDER_EVENTS, batch, lateness, newest,
		             true);
		size_t nall = g_ngot;
		memcpy(all, g_got, nall * sizeof(*all));
		static struct restart_mark marks[4 * MAX_ALERTS];
		memcpy(marks, g_marks, g_nmarks * sizeof(*marks));
		fx_free(&fx);
		ck_assert_uint_gt(nall, 20);

		for (int k = 0; k < STOPS; k++) {
			/* the alerts still to come at stop k */
			size_t nwant = nall - nalerts_at[k];
			memcpy(want, all + nalerts_at[k], nwant * sizeof(*want));
			qsort(want, nwant, sizeof(*want), cmp_got_full);
			/* the restart: marks, then each partition again from its
			 * commit, in the order it was read */
			fx_init_conf(&fx, RESTART_RULES, &conf);
			for (size_t m = 0; m < nmarks_at[k]; m++)
				ck_assert_int_eq(vg_correlator_restore_mark(
				                     fx.c, marks[m].rule, marks[m].key,
				                     "p", marks[m].partition,
				                     marks[m].offset, &marks[m].fire),
				                 VG_OK);
			int nre = 0;
			for (int i = 0; i < ORDER_EVENTS; i++)
				if (i >= stop[k] ||
				    evs[idx[i]].offset >= commit[k][evs[idx[i]].part])
					reread[nre++] = idx[i];
			/* how far back in time the restart reads */
			vg_time read_at[ORDER_PARTS], stop_at[ORDER_PARTS];
			for (int p = 0; p < ORDER_PARTS; p++)
				read_at[p] = stop_at[p] = VG_TIME_NONE;
			for (int i = 0; i < stop[k]; i++) {
				const struct order_ev *e = &evs[idx[i]];
				if (e->ts > stop_at[e->part])
					stop_at[e->part] = e->ts;
				if (e->offset == commit[k][e->part])
					read_at[e->part] = e->ts;
			}
			vg_time low = INT64_MAX; /* where counting stood */
			for (int p = 0; p < ORDER_PARTS; p++)
				if (stop_at[p] < low)
					low = stop_at[p];
			for (int p = 0; p < ORDER_PARTS && low != VG_TIME_NONE; p++)
				if (read_at[p] != VG_TIME_NONE &&
				    low - read_at[p] > max_back)
					max_back = low - read_at[p];
			for (int p = 0; p < ORDER_PARTS; p++)
				newest[p] = VG_TIME_NONE;
			g_nmarks = 0;
			restart_feed(&fx, evs, reread, 0, nre, batch, lateness, newest,
			             true);
			size_t ngot = g_ngot;
			memcpy(got, g_got, ngot * sizeof(*got));
			qsort(got, ngot, sizeof(*got), cmp_got_full);
			ck_assert_msg(same_alerts(want, nwant, got, ngot, true),
			              "seed %llu, stop after %d events (batches of %d): "
			              "%zu alerts after the restart, %zu to come",
			              (unsigned long long)seed, stop[k], batch, ngot,
			              nwant);
			fx_free(&fx);
		}
	}
	/* and the restarts read back at most a window (10 s) of a group whose
	 * newest event is up to a timespan and the lateness before where counting
	 * stood (it ends when the watermark passes its newest event by a timespan),
	 * plus 3 s of disorder -- 27 s; 18.8 s measured, 167 s when a sliding group
	 * held its first event */
	ck_assert_int_le(max_back, 27 * SEC);
}
END_TEST

/* Ordered mode: a held hit holds its offset back (vg_correlator_min_offset) and the
 * restart marks it may meet (vg_correlator_sweep_marks), and correlation.
 * max_held_hits bounds what is held: the oldest are counted anyway, and counted. */
/* Ordered mode's restart marks follow counting order, not offsets: a hit whose
 * offset is below the last one an alert consumed but whose time is later counts
 * in the next window, before a restart and after it.  Partition 0: 100 s, 101 s,
 * 108 s, 102 s, 109 s, 110 s (offsets 0-5) for a count of 3 in 10 s: the first
 * alert consumes offsets 0, 1 and 3, the second 2, 4 and 5.  Restarted from offset
 * 2 (the first offset the open window held) with the first alert's mark, the second
 * alert fires again; a mark of offsets alone (offset 3 and before) would hide
 * offset 2 and lose it. */
START_TEST(ordered_marks_follow_counting_order)
{
	static const int secs[] = {100, 101, 108, 102, 109, 110};
	struct got first = {0}, second = {0};
	for (int run = 0; run < 3; run++) {
		struct fixture fx;
		fx_init_conf(&fx, ORDER_RULES,
		             &(struct vg_correlator_conf){.allowed_lateness = 60 * SEC,
		                                          .ordered = true});
		/* run 1: restarted with the first alert's mark; run 2: with a mark of
		 * its offsets alone */
		if (run)
			ck_assert_int_eq(
			    vg_correlator_restore_mark(fx.c, "ec", first.key, "p", 0,
			                               first.frontier0,
			                               run == 1 ? &first.fire : NULL),
			    VG_OK);
		for (int i = run ? 2 : 0; i < 6; i++) {
			struct order_ev e = {.ts = T0 + secs[i] * SEC,
			                     .part = 0,
			                     .offset = i,
			                     .action = "a",
			                     .ip = "10.0.0.1",
			                     .user = "u"};
			feed_part(&fx, &e, false);
		}
		vg_correlator_release(fx.c, VG_CORRELATOR_RELEASE_ALL, on_alert, NULL);
		ck_assert_uint_eq(count_of("ec"), run == 0 ? 2 : run == 1 ? 1 : 0);
		if (run == 0) {
			first = *first_of("ec");
			for (size_t i = 0; i < g_ngot; i++)
				if (strcmp(g_got[i].rule, "ec") == 0)
					second = g_got[i];
			ck_assert_int_eq(first.last_ts, T0 + 102 * SEC);
			ck_assert_int_eq(first.fire.ts, T0 + 102 * SEC);
			ck_assert_int_eq(first.fire.offset, 3);
			ck_assert_uint_eq(first.nfrontier, 1);
			ck_assert_int_eq(first.frontier0, 3);
			ck_assert_int_eq(second.first_ts, T0 + 108 * SEC);
		} else if (run == 1) {
			const struct got *again = first_of("ec");
			ck_assert_int_eq(again->first_ts, second.first_ts);
			ck_assert_int_eq(again->last_ts, second.last_ts);
			ck_assert_uint_eq(again->count, second.count);
		}
		fx_free(&fx);
	}
}
END_TEST

START_TEST(ordered_holds_offsets_marks_and_bound)
{
	struct fixture fx;
	fx_init_conf(&fx, ORDER_RULES,
	             &(struct vg_correlator_conf){
	                 .allowed_lateness = SEC, .ordered = true, .max_held_hits = 4});
	/* ec already fired for 10.0.0.1 on partition 0 up to offset 2 */
	ck_assert_int_eq(
	    vg_correlator_restore_mark(fx.c, "ec", "source.ip=10.0.0.1", "p", 0, 2, NULL),
	    VG_OK);
	struct order_ev e = {.ts = T0,
	                     .part = 0,
	                     .offset = 0,
	                     .action = "a",
	                     .ip = "10.0.0.1",
	                     .user = "u"};
	for (int i = 0; i < 3; i++, e.offset++, e.ts += SEC)
		feed_part(&fx, &e, false);
	e.action[0] = 'b'; /* past the mark: rule b, which ec does not count */
	feed_part(&fx, &e, false);
	int64_t lo = -1;
	ck_assert(vg_correlator_min_offset(fx.c, "p", 0, &lo));
	ck_assert_int_eq(lo, 0);
	/* the partition went past the mark, but its hits are still held */
	ck_assert_uint_eq(vg_correlator_sweep_marks(fx.c), 0);
	vg_correlator_release(fx.c, VG_CORRELATOR_RELEASE_ALL, on_alert, NULL);
	ck_assert_uint_eq(count_of("ec"), 0); /* the mark kept them out */
	ck_assert_uint_eq(vg_correlator_sweep_marks(fx.c), 1);
	struct vg_correlator_stats st;
	vg_correlator_stats(fx.c, &st);
	ck_assert_uint_eq(st.held_hits, 0);
	ck_assert_uint_eq(st.hits_released_early, 0);
	/* the bound: 4 held, the fifth and sixth push the oldest out */
	for (int i = 0; i < 6; i++, e.offset++, e.ts += SEC)
		feed_part(&fx, &e, false);
	vg_correlator_stats(fx.c, &st);
	ck_assert_uint_eq(st.held_hits, 4);
	ck_assert_uint_eq(st.hits_released_early, 2);
	fx_free(&fx);
}
END_TEST

/* An alert carries every entity and signature field of its event, whatever the
 * rule set's widest group-by (the field array was sized by it: a rule set without
 * correlations kept 8 of them, dropping a third-party alert's ATT&CK technique). */
static size_t g_nfields_seen;
static bool g_technique_seen;
static void on_alert_fields(const struct vg_alert *a, void *ctx)
{
	(void)ctx;
	g_nfields_seen = a->nfields;
	for (size_t i = 0; i < a->nfields; i++)
		g_technique_seen |= !strcmp(a->fields[i].name, "threat.technique.id") &&
		                    !strcmp(a->fields[i].value, "T1110");
}

START_TEST(alert_keeps_every_entity_field)
{
	struct fixture fx;
	fx_init(&fx, ABC_RULES, 0, 0);
	struct vg_event *ev = vg_event_new(g_arena);
	ck_assert_ptr_nonnull(ev);
	ev->ts = 1000 * VG_USEC_PER_SEC;
	ev->src.topic = "raw";
	static const char *const kv[] = {"event.action",
	                                 "a",
	                                 "source.ip",
	                                 "203.0.113.9",
	                                 "host.name",
	                                 "web01",
	                                 "user.name",
	                                 "bob",
	                                 "process.executable",
	                                 "/bin/sh",
	                                 "process.parent.executable",
	                                 "/usr/sbin/sshd",
	                                 "file.hash.sha256",
	                                 "aa",
	                                 "process.hash.sha256",
	                                 "bb",
	                                 "rule.id",
	                                 "5712",
	                                 "rule.name",
	                                 "sshd brute force",
	                                 "host.ip",
	                                 "10.0.0.5",
	                                 "vigil.alert.level",
	                                 "high",
	                                 "threat.tactic.name",
	                                 "Credential Access",
	                                 "threat.technique.id",
	                                 "T1110"};
	for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i += 2)
		ck_assert_int_eq(vg_event_set_named(ev, kv[i], strlen(kv[i]), kv[i + 1],
		                                    strlen(kv[i + 1]), VG_VK_STR, true),
		                 VG_OK);
	const struct vg_rule *hits[4];
	size_t n = vg_detect(fx.rs, fx.ctx, ev, hits, 4);
	ck_assert_uint_eq(n, 1);
	g_nfields_seen = 0;
	g_technique_seen = false;
	vg_correlator_feed(fx.c, ev, hits, n, on_alert_fields, NULL);
	ck_assert_uint_eq(g_nfields_seen, 13);
	ck_assert(g_technique_seen);
	fx_free(&fx);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("correlation");
	struct {
		const char *name;
		const TTest *tests[8];
	} cases[] = {
	    {"value_count",
	     {vc_distinct_values, vc_upper_bound_at_close, vc_spill_and_back,
	      vc_large_sets}},
	    {"temporal",
	     {temporal_any_order, temporal_requires_equal_group_values,
	      temporal_condition_subset, sliding_group_holds_only_its_window}},
	    {"temporal_ordered",
	     {ordered_enforces_order, ordered_out_of_order_arrival,
	      ordered_sequence_survives_a_flood, differential_temporal_ordered}},
	    {"aliases", {aliases_spec_example, aliases_eager_event_count_chains}},
	    {"keys", {group_keys_escape_the_separator}},
	    {"counts", {temporal_counts_an_event_once}},
	    {"expiry",
	     {windows_close_when_the_watermark_passes_their_end,
	      eviction_takes_the_least_recently_touched}},
	    {"chains",
	     {chain_spec_example, chain_errors, generate_keeps_hits,
	      chain_window_alerts_whatever_the_release_steps,
	      chain_restored_alert_counts_as_before}},
	    {"absence",
	     {absence_fires_at_watermark, absence_second_trigger_after_the_window,
	      absence_expected_out_of_order, absence_before_and_around}},
	    {"value_sum_avg", {value_sum_and_avg}},
	    {"alert_fields", {alert_keeps_every_entity_field}},
	    {"bounds", {bounds_refused_at_load, bounded_groups_evict}},
	    {"differential",
	     {differential_value_count, differential_value_count_out_of_order,
	      differential_value_count_spill, differential_value_count_large,
	      differential_event_count_ring}},
	    {"ordered",
	     {ordered_counts_in_event_time, ordered_marks_follow_counting_order,
	      ordered_holds_offsets_marks_and_bound,
	      sliding_group_extents_leave_the_window,
	      restart_from_min_offset_gives_the_alerts_to_come}},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TCase *tc = tcase_create(cases[i].name);
		tcase_add_checked_fixture(tc, setup, teardown);
		for (size_t j = 0; j < 8 && cases[i].tests[j]; j++)
			_tcase_add_test(tc, cases[i].tests[j], 0, 0, 0, 1);
		suite_add_tcase(s, tc);
	}
	return s;
}

VG_TEST_MAIN(suite)
