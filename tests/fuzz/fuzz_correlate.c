/* libFuzzer target: the correlator (correlate/correlator.c) over an arbitrary event
 * stream.  A fixed rule set has every correlation type -- event_count, value_count,
 * temporal, temporal_ordered (with aliases), absence, value_sum, value_avg, a
 * correlation of correlations, generate -- on three detection rules; the input's
 * first bytes choose the allowed lateness, the state bounds (small enough to
 * evict) and the mode (ordered, holding hits for vg_correlator_release, half the
 * time with a bound of 5 held hits), the rest is a program: events (time stepped
 * forwards or back, three partitions of two topics, offsets that mostly grow, group
 * values from pools of awkward values, numbers and non-numbers for the summed
 * field), idle-partition advances (ordered: then a release up to the oldest
 * partition's watermark, or further), restored marks (with a fire position or
 * without) and their sweep, chained alerts given back as at a restart (of "count",
 * which "again" consumes, from a partition fed or not), and min-offset queries.
 *
 * The contract: never a crash, a leak or a hang; every alert's times in order and
 * made of at least one event, with no more events listed than counted unless
 * truncated, and (ordered) a frontier of offsets fed, and chain values with names
 * and values; open groups within max_groups_total and held hits within their bound
 * (plus the alerts given back); the smallest offset held in a partition one that
 * was fed there or given back. */
#include "fuzz_input.h"
#include "fuzz_rules.h"
#include "vg_correlate.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char g_rules[] =
    "title: A\nid: a\nname: a\ndetection: {s: {event.action: a}, condition: s}\n---\n"
    "title: B\nid: b\nname: b\ndetection: {s: {event.action: b}, condition: s}\n---\n"
    "title: C\nid: c\nname: c\ndetection: {s: {event.action: c}, condition: s}\n---\n"
    "title: many a\nid: count\nname: count\ncorrelation: {type: event_count, "
    "rules: [a], group-by: [source.ip], timespan: 5m, condition: {gte: 3}}\n---\n"
    "title: users\nid: users\ncorrelation: {type: value_count, rules: [a, b], "
    "group-by: [source.ip], timespan: 10m, condition: {field: user.name, gte: 2}}\n"
    "---\n"
    "title: a and b\nid: both\ncorrelation: {type: temporal, rules: [a, b], "
    "group-by: [source.ip], timespan: 2m, generate: true}\n---\n"
    "title: a b c\nid: seq\ncorrelation: {type: temporal_ordered, rules: [a, b, c], "
    "group-by: [src], timespan: 5m, aliases: {src: {a: source.ip, b: source.ip, "
    "c: destination.ip}}}\n---\n"
    "title: silent\nid: silent\ncorrelation: {type: absence, rules: [a, c], "
    "group-by: [host.name], timespan: 10m}\n---\n"
    "title: bytes\nid: bytes\ncorrelation: {type: value_sum, rules: [c], "
    "group-by: [host.name], timespan: 1h, condition: {field: source.port, "
    "gt: 1000}}\n---\n"
    "title: mean\nid: mean\ncorrelation: {type: value_avg, rules: [b, c], "
    "group-by: [host.name], timespan: 30m, condition: {field: source.port, "
    "gte: 10.5}}\n---\n"
    "title: counted twice\nid: again\ncorrelation: {type: event_count, "
    "rules: [count], group-by: [source.ip], timespan: 1h, condition: {gte: 2}}\n";

static struct vg_ruleset *g_rs;
static struct vg_detect_ctx *g_dctx;
static struct vg_arena *g_arena;

static void init(void)
{
	vg_log_set_level(VG_LOG_ERROR);
	g_rs = fz_load_rules("correlate", g_rules);
	if (!(g_dctx = vg_detect_ctx_new(g_rs)) || !(g_arena = vg_arena_new(0)))
		abort();
}

static const char *const g_actions[] = {NULL, "a", "b", "c", "A", "d"};
static const char *const g_ips[] = {NULL, "10.0.0.1", "10.0.0.2",   "::ffff:10.0.0.1",
                                    "",   "-",        "203.0.113.7"};
static const char *const g_users[] = {NULL, "alice", "bob", "ALICE", "", "x\x1fy"};
static const char *const g_hosts[] = {NULL, "web01", "db1", "WEB01", ""};
static const char *const g_ports[] = {NULL,
                                      "22",
                                      "443",
                                      "65535",
                                      "-1",
                                      "1e308",
                                      "0x10",
                                      "2.5",
                                      "nan",
                                      "inf",
                                      "99999999999999999999"};
static const char *const g_topics[] = {"raw", "raw2"};
/* Per partition (topic t, partition p: index 3 * t + p): the offsets fed so far. */
struct part {
	int64_t next;   /* the next offset to feed */
	int64_t lo, hi; /* the smallest and largest fed; lo > hi: none */
};

static void on_alert(const struct vg_alert *a, void *ctx)
{
	(void)ctx;
	if (a->first_ts > a->last_ts || a->event_count == 0 || !a->group_key ||
	    (!a->events_truncated && a->nevents > a->event_count))
		abort();
	for (size_t i = 0; i < a->nfields; i++)
		if (!a->fields[i].name || !a->fields[i].value)
			abort();
	for (size_t i = 0; i < a->nfrontier; i++)
		if (!a->frontier[i].topic || a->frontier[i].offset < 0)
			abort();
	for (size_t i = 0; i < a->nchain; i++)
		if (!a->chain[i].name || !a->chain[i].value)
			abort();
}

static void set(struct vg_event *ev, const char *name, const char *value)
{
	if (value && vg_event_set_named(ev, name, strlen(name), value, strlen(value),
	                                VG_VK_STR, true) != VG_OK)
		abort();
}

static void feed(struct vg_correlator *c, struct input *in, struct part *parts,
                 vg_time *now)
{
	*now += fz_time_step(in);
	uint8_t w = take(in);
	size_t pi = (size_t)(w % 6);
	struct part *pt = &parts[pi];
	struct vg_event *ev = vg_event_new(g_arena);
	if (!ev)
		abort();
	ev->ts = *now;
	ev->src.topic = g_topics[pi / 3];
	ev->src.partition = (int32_t)(pi % 3);
	/* offsets grow, but now and then one is fed again (a redelivery) */
	ev->src.offset = (w & 0x80) && pt->lo <= pt->hi ? pt->hi : pt->next++;
	if (pt->lo > pt->hi || ev->src.offset < pt->lo)
		pt->lo = ev->src.offset;
	if (ev->src.offset > pt->hi)
		pt->hi = ev->src.offset;
	set(ev, "event.action", g_actions[take(in) % POOL(g_actions)]);
	set(ev, "source.ip", g_ips[take(in) % POOL(g_ips)]);
	set(ev, "destination.ip", g_ips[take(in) % POOL(g_ips)]);
	set(ev, "user.name", g_users[take(in) % POOL(g_users)]);
	set(ev, "host.name", g_hosts[take(in) % POOL(g_hosts)]);
	set(ev, "source.port", g_ports[take(in) % POOL(g_ports)]);
	const struct vg_rule *hits[16];
	size_t n = vg_detect(g_rs, g_dctx, ev, hits, 16);
	vg_correlator_feed(c, ev, hits, n < 16 ? n : 16, on_alert, NULL);
	vg_arena_reset(g_arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!g_rs)
		init();
	struct input in = {data, size};
	uint8_t c0 = take(&in);
	struct vg_correlator_conf conf = {
	    .allowed_lateness = (vg_time)(c0 & 7) * 30 * VG_USEC_PER_SEC,
	    .max_groups_per_rule = c0 & 8 ? 4 : 0,
	    .max_groups_total = c0 & 16 ? 16 : 0,
	    .ordered = c0 & 32,
	    .max_held_hits = c0 & 64 ? 5 : 0,
	};
	struct vg_correlator *c = NULL;
	if (vg_correlator_new(g_rs, &conf, &c) != VG_OK)
		abort();
	struct part parts[6];
	for (size_t i = 0; i < 6; i++)
		parts[i] = (struct part){.next = 0, .lo = 1, .hi = 0};
	vg_time now = (vg_time)1700000000 * VG_USEC_PER_SEC;
	static const char *const rule_ids[] = {"count",  "users", "both",  "seq",
	                                       "silent", "bytes", "again", "a"};
	static const char *const keys[] = {"source.ip=10.0.0.1", "src=10.0.0.2",
	                                   "host.name=web01", ""};
	size_t given_back = 0;
	for (size_t ops = 0; in.n && ops < 4096; ops++) {
		uint8_t op = take(&in);
		if (op < 0xD0) {
			feed(c, &in, parts, &now);
		} else if (op < 0xE0) { /* an idle partition's watermark moves on */
			uint8_t p = take(&in);
			vg_correlator_advance(c, g_topics[(p >> 2) & 1], p % 3,
			                      now + (vg_time)(p >> 3) * 60 *
			                                VG_USEC_PER_SEC,
			                      on_alert, NULL);
			/* ordered: up to where the watermarks stand, or (a caller that
			 * breaks its promise) further */
			vg_correlator_release(
			    c,
			    now - conf.allowed_lateness -
			        (p & 0x80 ? -(vg_time)3600 : (vg_time)0) *
			            VG_USEC_PER_SEC,
			    on_alert, NULL);
		} else if (op < 0xE8) { /* a mark from the store, as at a restart */
			uint8_t k = take(&in), p = take(&in);
			struct vg_fire_pos fire = {now - (vg_time)(p >> 3) * 10 *
			                                     VG_USEC_PER_SEC,
			                           p % 3, p >> 3};
			vg_err err = vg_correlator_restore_mark(
			    c, rule_ids[k % POOL(rule_ids)], keys[(k >> 3) % POOL(keys)],
			    g_topics[(p >> 2) & 1], p % 3, (int64_t)(p >> 3),
			    k & 0x80 ? &fire : NULL);
			if (err != VG_OK &&
			    err != VG_ERR_NOTFOUND) /* "a": no correlation */
				abort();
			if (k & 0x40) { /* and an alert of "count" given back */
				size_t pi = (size_t)(p % 6);
				const char *ip = g_ips[(k >> 2) % POOL(g_ips)];
				struct vg_kv kv[] = {
				    {"source.ip", (char *)(ip ? ip : "")},
				    {"host.name", "web01"}};
				struct vg_source src = {g_topics[pi / 3],
				                        (int32_t)(pi % 3),
				                        (int64_t)(p >> 3)};
				err = vg_correlator_restore_chained(
				    c, "count", kv, k & 0x20 ? 2 : 0,
				    fire.ts - VG_USEC_PER_SEC, &src, &fire);
				if (err != (conf.ordered ? VG_OK : VG_ERR_INVALID))
					abort();
				if (!err) {
					given_back++;
					if (parts[pi].lo > parts[pi].hi ||
					    src.offset < parts[pi].lo)
						parts[pi].lo = src.offset;
					if (src.offset > parts[pi].hi)
						parts[pi].hi = src.offset;
				}
			}
		} else if (op < 0xF0) {
			vg_correlator_sweep_marks(c);
		} else { /* the smallest offset still held is one fed there */
			uint8_t p = take(&in);
			size_t pi = (size_t)(p % 6);
			int64_t off;
			if (vg_correlator_min_offset(c, g_topics[pi / 3],
			                             (int32_t)(pi % 3), &off) &&
			    (parts[pi].lo > parts[pi].hi || off < parts[pi].lo ||
			     off > parts[pi].hi))
				abort();
		}
		struct vg_correlator_stats st;
		vg_correlator_stats(c, &st);
		if (st.open_groups >
		        (conf.max_groups_total ? conf.max_groups_total : 1000000) ||
		    st.held_hits >
		        (conf.max_held_hits ? conf.max_held_hits : 1000000) + given_back)
			abort();
	}
	vg_correlator_advance(c, "raw", 0, now + (vg_time)400 * 86400 * VG_USEC_PER_SEC,
	                      on_alert, NULL);
	vg_correlator_release(c, VG_CORRELATOR_RELEASE_ALL, on_alert, NULL);
	vg_correlator_destroy(c);
	return 0;
}
