/* Unit tests for engine/store.c: schema, WAL, idempotent upserts, restore of open
 * incidents, merges, marks, offsets, publication tracking and metrics. */
#include "vg_engine.h"
#include "vg_test.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

static char g_dir[64];
static char g_db[128];

static void setup(void)
{
	snprintf(g_dir, sizeof(g_dir), "/tmp/vg-store-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(g_dir));
	snprintf(g_db, sizeof(g_db), "%s/t.db", g_dir);
}

static void teardown(void)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
	ck_assert_int_eq(system(cmd), 0);
}

static struct vg_store *open_store(void)
{
	struct vg_store *st;
	char errstr[256];
	ck_assert_int_eq(vg_store_open(g_db, &st, errstr, sizeof(errstr)), VG_OK);
	return st;
}

static int64_t count(const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	int64_t n = -1;
	ck_assert_int_eq(sqlite3_open(g_db, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return n;
}

/* A small incident: two alerts, three entities. */
/* Run sql on the store file behind the engine's back: what an older Vigil's
 * schema would have left, or a broken row. */
static void alter_store(const char *sql)
{
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(g_db, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void build_incident(struct vg_incident *inc, const char *id, vg_time t0)
{
	static char *tags0[] = {"attack.credential-access", "attack.t1110"};
	static struct vg_kv fields0[] = {{"source.ip", "203.0.113.45"},
	                                 {"host.name", "web01"}};
	static struct vg_entity ents[] = {{VG_ENT_IP, "203.0.113.45", 0, 2},
	                                  {VG_ENT_HOST, "web01", 0, 2},
	                                  {VG_ENT_USER, "deploy@web01", 0, 1}};
	static struct vg_incident_alert alerts[2];
	memset(inc, 0, sizeof(*inc));
	snprintf(inc->id, sizeof(inc->id), "%s", id);
	inc->version = 2;
	inc->first_ts = t0;
	inc->last_ts = t0 + 60 * VG_USEC_PER_SEC;
	alerts[0] = (struct vg_incident_alert){"aaaaaaaaaaaaaaa1",
	                                       "rule-bf",
	                                       "SSH brute force",
	                                       VG_LEVEL_HIGH,
	                                       tags0,
	                                       2,
	                                       true,
	                                       t0,
	                                       t0 + 30,
	                                       12,
	                                       fields0,
	                                       2,
	                                       false,
	                                       false,
	                                       NULL};
	alerts[1] = (struct vg_incident_alert){"aaaaaaaaaaaaaaa2",
	                                       "rule-ok",
	                                       "SSH login",
	                                       VG_LEVEL_LOW,
	                                       NULL,
	                                       0,
	                                       false,
	                                       t0 + 60 * VG_USEC_PER_SEC,
	                                       t0 + 60 * VG_USEC_PER_SEC,
	                                       1,
	                                       fields0,
	                                       2,
	                                       false,
	                                       false,
	                                       NULL};
	inc->alerts = alerts;
	inc->nalerts = 2;
	inc->entities = ents;
	inc->nentities = 3;
	for (size_t i = 0; i < 3; i++)
		ents[i].first_seen = t0;
}

static vg_err restore_into(const struct vg_incident *inc, void *ctx)
{
	return vg_assembler_restore(ctx, inc);
}

static const struct vg_incident_doc g_doc = {"SSH brute force from 203.0.113.45",
                                             "2 alerts",
                                             "credential-access",
                                             "high",
                                             "[]",
                                             "{}",
                                             "{\"id\":\"x\"}",
                                             NULL};

START_TEST(schema_and_wal)
{
	struct vg_store *st = open_store();
	vg_store_close(st);
	ck_assert_int_eq(
	    count("select count(*) from sqlite_master where name in ('incidents',"
	          "'alerts','entities','incidents_ranked','incident_timeline')"),
	    5);
	sqlite3 *db;
	sqlite3_stmt *s;
	sqlite3_open(g_db, &db);
	sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(s, 0), "wal");
	sqlite3_finalize(s);
	sqlite3_close(db);
	/* Re-opening applies the schema again without error. */
	vg_store_close(open_store());
	/* commits synced to disk only when asked (vigil run, which commits Kafka
	 * offsets after the store's commit) */
	st = open_store();
	ck_assert(!vg_store_is_durable(st));
	ck_assert_int_eq(vg_store_set_durable(st), VG_OK);
	ck_assert(vg_store_is_durable(st));
	vg_store_close(st);
}
END_TEST

START_TEST(upsert_is_idempotent_and_restores)
{
	struct vg_store *st = open_store();
	struct vg_incident inc;
	struct vg_ranking rank = {.score = 0.9, .priority = 1, .surfaced = true};
	vg_time t0 = vg_time_from_civil(2026, 11, 20, 12, 0, 0, 0);
	build_incident(&inc, "inc-00000000000000aa", t0);
	inc.alerts_dropped = 5; /* past max_alerts_kept: counted, not detailed */
	inc.events_dropped = 40;
	inc.entities_dropped = 7; /* past max_entities_kept */
	/* a notable alert past the bound, after the detailed ones */
	inc.notable_last = t0 + 50 * VG_USEC_PER_SEC;
	inc.dropped_level = VG_LEVEL_CRITICAL;
	inc.dropped_tactics = 0x2001;
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(vg_store_begin(st), VG_OK);
		ck_assert_int_eq(vg_store_put_incident(st, &inc, &rank, &g_doc), VG_OK);
		ck_assert_int_eq(vg_store_commit(st), VG_OK);
	}
	/* found by its events when it has some (they are written for every
	 * assembled alert), else by its row */
	struct vg_source src = {"syslog", 0, 7};
	struct vg_alert al = {.id = "aaaaaaaaaaaaaaa1"};
	ck_assert(vg_store_has_alert(st, &al));
	al.events = &src;
	al.nevents = 1;
	ck_assert(!vg_store_has_alert(st, &al));
	snprintf(al.id, sizeof(al.id), "bbbbbbbbbbbbbbb1"); /* past the detail bound */
	ck_assert(!vg_store_has_alert(st, &al));
	ck_assert_int_eq(vg_store_begin(st), VG_OK);
	ck_assert_int_eq(vg_store_put_alert_events(st, &al), VG_OK);
	ck_assert_int_eq(vg_store_commit(st), VG_OK);
	ck_assert(vg_store_has_alert(st, &al));
	snprintf(al.id, sizeof(al.id), "nope");
	ck_assert(!vg_store_has_alert(st, &al));
	al.nevents = 0;
	ck_assert(!vg_store_has_alert(st, &al));
	vg_store_close(st);
	ck_assert_int_eq(count("select count(*) from incidents"), 1);
	ck_assert_int_eq(count("select count(*) from alerts"), 2);
	ck_assert_int_eq(count("select count(*) from alert_tags"), 2);
	ck_assert_int_eq(count("select count(*) from alert_fields"), 4);
	ck_assert_int_eq(count("select count(*) from entities"), 3);
	ck_assert_int_eq(count("select priority from incidents"), 1);
	ck_assert_int_eq(count("select alert_count from incidents"), 7);

	/* Restore gives back an equal incident. */
	st = open_store();
	struct vg_assembler_conf aconf = {.inactivity_gap = 3600 * VG_USEC_PER_SEC};
	struct vg_assembler *a;
	ck_assert_int_eq(vg_assembler_new(&aconf, &a), VG_OK);
	ck_assert_int_eq(vg_store_each_open_incident(st, 3600 * VG_USEC_PER_SEC, NULL, 0,
	                                             restore_into, a),
	                 VG_OK);
	struct vg_incident *r = vg_assembler_get(a, "inc-00000000000000aa");
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->version, 2);
	ck_assert_uint_eq(r->nalerts, 2);
	ck_assert_uint_eq(r->alerts_dropped, 5);
	ck_assert_uint_eq(r->events_dropped, 40);
	ck_assert_uint_eq(r->entities_dropped, 7);
	ck_assert_int_eq(r->notable_last, t0 + 50 * VG_USEC_PER_SEC);
	ck_assert_uint_eq(r->dropped_level, VG_LEVEL_CRITICAL);
	ck_assert_uint_eq(r->dropped_tactics, 0x2001);
	ck_assert_uint_eq(r->nentities, 3);
	ck_assert_int_eq(r->first_ts, t0);
	ck_assert_str_eq(r->alerts[0].title, "SSH brute force");
	ck_assert_uint_eq(r->alerts[0].ntags, 2);
	ck_assert_str_eq(r->alerts[0].fields[0].value, "203.0.113.45");
	ck_assert_int_eq(r->alerts[0].level, VG_LEVEL_HIGH);
	ck_assert_uint_eq(r->alerts[0].event_count, 12);
	vg_assembler_destroy(a);
	vg_store_close(st);
}
END_TEST

START_TEST(old_incidents_are_not_restored)
{
	struct vg_store *st = open_store();
	struct vg_incident inc;
	vg_time t0 = vg_time_from_civil(2026, 11, 20, 12, 0, 0, 0);
	vg_store_begin(st);
	build_incident(&inc, "inc-0000000000000001", t0);
	vg_store_put_incident(st, &inc, NULL, &g_doc);
	build_incident(&inc, "inc-0000000000000002", t0 + 7200 * VG_USEC_PER_SEC);
	inc.alerts[0].id[15] = '3';
	inc.alerts[1].id[15] = '4';
	vg_store_put_incident(st, &inc, NULL, &g_doc);
	ck_assert_int_eq(vg_store_commit(st), VG_OK);
	struct vg_assembler_conf aconf = {.inactivity_gap = 3600 * VG_USEC_PER_SEC};
	struct vg_assembler *a;
	vg_assembler_new(&aconf, &a);
	ck_assert_int_eq(vg_store_each_open_incident(st, 3600 * VG_USEC_PER_SEC, NULL, 0,
	                                             restore_into, a),
	                 VG_OK);
	ck_assert_uint_eq(vg_assembler_open_count(a), 1);
	ck_assert_ptr_nonnull(vg_assembler_get(a, "inc-0000000000000002"));
	vg_assembler_destroy(a);
	vg_store_close(st);
	/* restore the static test data ids */
	inc.alerts[0].id[15] = '1';
	inc.alerts[1].id[15] = '2';
}
END_TEST

/* A store that cannot be read where a restart reads it is an error, not a store
 * without those rows: restore_from and an incident's tags (another connection
 * renames a table under the open store).  Before, the engine started without its
 * open incidents, or restored them without their ATT&CK tags. */
START_TEST(unreadable_store_is_an_error)
{
	static const char *const tables[] = {"input_offsets", "alert_tags",
	                                     "alert_novelty"};
	for (size_t k = 0; k < sizeof(tables) / sizeof(tables[0]); k++) {
		unlink(g_db);
		struct vg_store *st = open_store();
		struct vg_incident inc;
		vg_time t0 = vg_time_from_civil(2026, 11, 20, 12, 0, 0, 0);
		ck_assert_int_eq(vg_store_begin(st), VG_OK);
		build_incident(&inc, "inc-0000000000000001", t0);
		ck_assert_int_eq(vg_store_put_incident(st, &inc, NULL, &g_doc), VG_OK);
		ck_assert_int_eq(vg_store_commit(st), VG_OK);
		struct vg_assembler_conf aconf = {.inactivity_gap =
		                                      3600 * VG_USEC_PER_SEC};
		struct vg_assembler *a;
		ck_assert_int_eq(vg_assembler_new(&aconf, &a), VG_OK);
		ck_assert_int_eq(vg_store_each_open_incident(st, aconf.inactivity_gap,
		                                             NULL, 0, restore_into, a),
		                 VG_OK);
		ck_assert_uint_eq(vg_assembler_open_count(a), 1);
		vg_assembler_destroy(a);
		sqlite3 *db;
		char sql[128];
		ck_assert_int_eq(sqlite3_open(g_db, &db), SQLITE_OK);
		snprintf(sql, sizeof(sql), "ALTER TABLE %s RENAME TO gone", tables[k]);
		ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
		ck_assert_int_eq(vg_assembler_new(&aconf, &a), VG_OK);
		ck_assert_msg(vg_store_each_open_incident(st, aconf.inactivity_gap, NULL,
		                                          0, restore_into, a) != VG_OK,
		              "restored with %s unreadable", tables[k]);
		ck_assert_msg(strstr(vg_store_errmsg(st), "no such table"), "%s: %s",
		              tables[k], vg_store_errmsg(st));
		vg_assembler_destroy(a);
		vg_store_close(st);
	}
}
END_TEST

/* r1's mark: its offset, and its fire position; r2's has none. */
struct marks_read {
	int64_t off;
	struct vg_fire_pos fire;
	int n;
};

static vg_err collect_mark(const char *rule, const char *group, const char *topic,
                           int32_t part, int64_t off, const struct vg_fire_pos *fire,
                           void *ctx)
{
	struct marks_read *m = ctx;
	m->n++;
	ck_assert_str_eq(group, "source.ip=1.2.3.4");
	ck_assert_str_eq(topic, "syslog");
	ck_assert_int_eq(part, 2);
	if (strcmp(rule, "r2") == 0) {
		ck_assert_ptr_null(fire);
		return VG_OK;
	}
	ck_assert_str_eq(rule, "r1");
	ck_assert_ptr_nonnull(fire);
	m->off = off;
	m->fire = *fire;
	return VG_OK;
}

struct listed {
	const char *want; /* every id listed must be this one */
	int n;
};

static vg_err collect_id(const char *id, void *ctx)
{
	struct listed *l = ctx;
	ck_assert_str_eq(id, l->want);
	l->n++;
	return VG_OK;
}

/* How many incidents vg_store_each_unpublished lists (each must be want). */
static int unpublished(struct vg_store *st, const char *want)
{
	struct listed l = {want, 0};
	ck_assert_int_eq(vg_store_each_unpublished(st, collect_id, &l), VG_OK);
	return l.n;
}

START_TEST(marks_offsets_publication_metrics)
{
	struct vg_store *st = open_store();
	struct vg_incident inc;
	build_incident(&inc, "inc-00000000000000aa", 0);
	vg_store_begin(st);
	/* the larger offset and the later fire position stay, a mark without one
	 * keeps it */
	vg_store_put_mark(st, "r1", "source.ip=1.2.3.4", "syslog", 2, 50,
	                  &(struct vg_fire_pos){100, 0, 9});
	vg_store_put_mark(st, "r1", "source.ip=1.2.3.4", "syslog", 2, 40,
	                  &(struct vg_fire_pos){100, 1, 3});
	vg_store_put_mark(st, "r1", "source.ip=1.2.3.4", "syslog", 2, 45,
	                  &(struct vg_fire_pos){100, 1, 2});
	vg_store_put_mark(st, "r1", "source.ip=1.2.3.4", "syslog", 2, 30, NULL);
	vg_store_put_mark(st, "r2", "source.ip=1.2.3.4", "syslog", 2, 30, NULL);
	vg_store_put_offset(st, "syslog", 2, 51, 1000, false);
	vg_store_put_offset(st, "syslog", 2, 61, VG_TIME_NONE, false);
	/* an unknown time is stored as none, not as the previous call's */
	vg_store_put_offset(st, "syslog", 3, 7, VG_TIME_NONE, false);
	/* an ended input keeps its offset and forgets its newest event time */
	vg_store_put_offset(st, "day1.log", 0, 5, 3000, false);
	vg_store_put_offset(st, "day1.log", 0, 9, 4000, true);
	vg_store_put_incident(st, &inc, NULL, &g_doc);
	vg_store_add_metric(st, "records", 10);
	vg_store_add_metric(st, "records", 5);
	ck_assert_int_eq(vg_store_commit(st), VG_OK);
	struct marks_read mr = {0};
	ck_assert_int_eq(vg_store_each_mark(st, collect_mark, &mr), VG_OK);
	ck_assert_int_eq(mr.n, 2);
	ck_assert_int_eq(mr.off, 50);
	ck_assert_int_eq(mr.fire.ts, 100);
	ck_assert_int_eq(mr.fire.partition, 1);
	ck_assert_int_eq(mr.fire.offset, 3);
	ck_assert_int_eq(vg_store_metric(st, "records"), 15);
	ck_assert_int_eq(vg_store_metric(st, "missing"), 0);
	ck_assert_int_eq(unpublished(st, "inc-00000000000000aa"), 1);
	struct vg_buf b;
	uint32_t version;
	vg_buf_init(&b);
	ck_assert_int_eq(vg_store_incident_json(st, inc.id, &b, &version), VG_OK);
	ck_assert_str_eq(b.data, "{\"id\":\"x\"}");
	ck_assert_uint_eq(version, 2);
	vg_buf_free(&b);
	vg_store_begin(st);
	vg_store_mark_published(st, inc.id, 2);
	vg_store_commit(st);
	ck_assert_int_eq(unpublished(st, "inc-00000000000000aa"), 0);
	/* a newer version is unpublished until acknowledged; a late acknowledgment
	 * of an older version does not take that back */
	inc.version = 3;
	vg_store_begin(st);
	vg_store_put_incident(st, &inc, NULL, &g_doc);
	vg_store_mark_published(st, inc.id, 1);
	ck_assert_int_eq(vg_store_commit(st), VG_OK);
	ck_assert_int_eq(unpublished(st, "inc-00000000000000aa"), 1);
	vg_store_begin(st);
	vg_store_mark_published(st, inc.id, 3);
	vg_store_mark_published(st, inc.id, 2);
	ck_assert_int_eq(vg_store_commit(st), VG_OK);
	ck_assert_int_eq(unpublished(st, "inc-00000000000000aa"), 0);
	vg_store_close(st);
	ck_assert_int_eq(count("select version from incident_published"), 3);
	ck_assert_int_eq(
	    count("select next_offset from input_offsets where partition = 2"), 61);
	ck_assert_int_eq(
	    count("select max_event_us from input_offsets where partition = 2"),
	    1000); /* kept */
	ck_assert_int_eq(count("select count(*) from input_offsets where partition = 3"
	                       " and max_event_us is null"),
	                 1);
	ck_assert_int_eq(
	    count("select next_offset from input_offsets where topic = 'day1.log'"
	          " and max_event_us is null"),
	    9);
}
END_TEST

/* build_incident's incident named id, stored in a transaction of its own. */
static void put_one(struct vg_store *st, const char *id)
{
	struct vg_incident inc;
	build_incident(&inc, id, 0);
	ck_assert_int_eq(vg_store_begin(st), VG_OK);
	ck_assert_int_eq(vg_store_put_incident(st, &inc, NULL, &g_doc), VG_OK);
	ck_assert_int_eq(vg_store_commit(st), VG_OK);
}

/* A survivor that, full, only counted the absorbed part's alerts (in memory:
 * alerts_dropped, with their events): the merge moves that part's rows to it all
 * the same, and the survivor loads with as many alerts and events as it holds --
 * the moved rows detailed, no longer counted as dropped too (a restart counted
 * them twice, and detailed them past max_alerts_kept). */
START_TEST(merge_into_a_full_survivor_counts_each_alert_once)
{
	struct vg_store *st = open_store();
	struct vg_incident x, y;
	build_incident(&x, "inc-00000000000000e1", 0); /* 2 alerts: 12 and 1 events */
	snprintf(x.alerts[0].id, sizeof(x.alerts[0].id), "xx00000000000000");
	snprintf(x.alerts[1].id, sizeof(x.alerts[1].id), "xx00000000000001");
	ck_assert_int_eq(vg_store_begin(st), VG_OK);
	ck_assert_int_eq(vg_store_put_incident(st, &x, NULL, &g_doc), VG_OK);
	ck_assert_int_eq(vg_store_commit(st), VG_OK);
	/* y details its own two and counts x's two, as an assembler keeping two */
	build_incident(&y, "inc-00000000000000e2", 0);
	snprintf(y.alerts[0].id, sizeof(y.alerts[0].id), "yy00000000000000");
	snprintf(y.alerts[1].id, sizeof(y.alerts[1].id), "yy00000000000001");
	y.alerts_dropped = 2;
	y.events_dropped = 12 + 1;
	ck_assert_int_eq(vg_store_begin(st), VG_OK);
	ck_assert_int_eq(vg_store_merge_incident(st, x.id, y.id), VG_OK);
	ck_assert_int_eq(vg_store_put_incident(st, &y, NULL, &g_doc), VG_OK);
	ck_assert_int_eq(vg_store_commit(st), VG_OK);
	struct vg_incident got;
	ck_assert_int_eq(vg_store_load_incident(st, y.id, &got), VG_OK);
	uint64_t events = got.events_dropped;
	for (size_t i = 0; i < got.nalerts; i++)
		events += got.alerts[i].event_count;
	ck_assert_uint_eq(got.nalerts, 4);
	ck_assert_uint_eq(got.nalerts + got.alerts_dropped, 4);
	ck_assert_uint_eq(events, 2 * (12 + 1));
	vg_incident_clear(&got);
	ck_assert_int_eq(count("select alert_count from incidents where id ="
	                       " 'inc-00000000000000e2'"),
	                 4);
	vg_store_close(st);
}
END_TEST

START_TEST(merge_moves_alerts)
{
	struct vg_store *st = open_store();
	put_one(st, "inc-00000000000000bb");
	/* As in a batch: the merge is recorded first, the survivor written at the end
	 * (the references hold again by the commit). */
	vg_store_begin(st);
	ck_assert_int_eq(
	    vg_store_merge_incident(st, "inc-00000000000000bb", "inc-00000000000000cc"),
	    VG_OK);
	struct vg_incident survivor;
	build_incident(&survivor, "inc-00000000000000cc", 0);
	survivor.nalerts = 0; /* its alerts are the moved ones */
	ck_assert_int_eq(vg_store_put_incident(st, &survivor, NULL, &g_doc), VG_OK);
	ck_assert_int_eq(vg_store_commit(st), VG_OK);
	/* loading by id (vigil stix): the survivor with the moved alerts; the
	 * merged-away id and an unknown one are not found, the first naming the
	 * survivor */
	struct vg_incident got;
	ck_assert_int_eq(vg_store_load_incident(st, "inc-00000000000000cc", &got), VG_OK);
	ck_assert_str_eq(got.id, "inc-00000000000000cc");
	ck_assert_uint_eq(got.nalerts, 2);
	ck_assert(got.alerts[0].stored && got.alerts[1].stored); /* read from it */
	vg_incident_clear(&got);
	ck_assert_int_eq(vg_store_load_incident(st, "inc-00000000000000bb", &got),
	                 VG_ERR_NOTFOUND);
	ck_assert_str_eq(vg_store_errmsg(st), "incident inc-00000000000000bb was merged "
	                                      "into inc-00000000000000cc: ask for "
	                                      "inc-00000000000000cc");
	ck_assert_int_eq(vg_store_load_incident(st, "inc-0000000000000000", &got),
	                 VG_ERR_NOTFOUND);
	ck_assert_str_eq(vg_store_errmsg(st), "no incident inc-0000000000000000");
	vg_store_close(st);
	ck_assert_int_eq(count("select count(*) from alerts where incident_id="
	                       "'inc-00000000000000cc'"),
	                 2);
	ck_assert_int_eq(count("select count(*) from incidents_ranked"), 1);
	ck_assert_int_eq(count("select count(*) from incidents where merged_into="
	                       "'inc-00000000000000cc'"),
	                 1);
	ck_assert_int_eq(count("select count(*) from pragma_foreign_key_check"), 0);
}
END_TEST

/* A store made before incident_published, which kept the acknowledged version in
 * a column of incidents: opening it moves the versions into the table and drops
 * the column, so only what was not acknowledged is published again. */
START_TEST(published_column_is_moved)
{
	struct vg_store *st = open_store();
	put_one(st, "inc-00000000000000aa");
	put_one(st, "inc-00000000000000ab"); /* the same alerts: now b's */
	vg_store_close(st);
	alter_store("DROP TABLE incident_published;"
	            " ALTER TABLE incidents ADD COLUMN published_version INTEGER"
	            " NOT NULL DEFAULT 0;"
	            " UPDATE incidents SET published_version = version"
	            " WHERE id = 'inc-00000000000000aa'");
	for (int round = 0; round < 2; round++) { /* the second finds nothing to do */
		st = open_store();
		ck_assert_int_eq(unpublished(st, "inc-00000000000000ab"), 1);
		vg_store_close(st);
		ck_assert_int_eq(
		    count("select count(*) from pragma_table_info('incidents')"
		          " where name = 'published_version'"),
		    0);
		ck_assert_int_eq(count("select count(*) from incident_published where"
		                       " incident_id = 'inc-00000000000000aa' and"
		                       " version = 2"),
		                 1);
		ck_assert_int_eq(count("select count(*) from incident_published"), 1);
	}
	ck_assert_int_eq(count("select count(*) from pragma_foreign_key_check"), 0);
}
END_TEST

/* A store made before schemas/store.sql gained columns: opening it adds them as
 * declared (a nullable one, whose index is made after it, and a NOT NULL one with
 * its default, which the rows already stored take), and it stores as a new one. */
START_TEST(new_columns_are_added_to_old_stores)
{
	struct vg_store *st = open_store();
	put_one(st, "inc-00000000000000aa");
	vg_store_close(st);
	alter_store("DROP VIEW incidents_ranked; DROP INDEX incidents_by_merged_into;"
	            " ALTER TABLE incidents DROP COLUMN merged_into;"
	            " ALTER TABLE incidents DROP COLUMN host_neighbours;"
	            /* the view as an older schema might have had it */
	            " CREATE VIEW incidents_ranked AS SELECT id, score FROM incidents;");
	ck_assert_int_eq(count("select count(*) from pragma_table_info('incidents')"
	                       " where name in ('merged_into', 'host_neighbours')"),
	                 0);
	/* the second round finds nothing to change: the schema is not written to */
	for (int round = 0; round < 2; round++) {
		int64_t schema =
		    count("select schema_version from pragma_schema_version");
		st = open_store();
		if (round == 0) /* the same alerts: now b's */
			put_one(st, "inc-00000000000000ab");
		vg_store_close(st);
		int64_t now = count("select schema_version from pragma_schema_version");
		ck_assert(round == 0 ? now > schema : now == schema);
		ck_assert_int_eq(
		    count("select count(*) from pragma_table_info('incidents')"
		          " where name = 'merged_into' and type = 'TEXT' and \"notnull\" "
		          "= 0"),
		    1);
		ck_assert_int_eq(
		    count("select count(*) from pragma_table_info('incidents')"
		          " where name = 'host_neighbours' and \"notnull\" = 1 and"
		          " dflt_value = '0'"),
		    1);
		ck_assert_int_eq(count("select count(*) from sqlite_schema where name ="
		                       " 'incidents_by_merged_into'"),
		                 1);
		ck_assert_int_eq(count("select count(*) from incidents where"
		                       " host_neighbours = 0"),
		                 2);
		/* the view made again as the schema defines it */
		ck_assert_int_eq(count("select count(*) from pragma_table_info"
		                       "('incidents_ranked') where name = 'priority'"),
		                 1);
		ck_assert_int_eq(count("select count(*) from incidents_ranked"), 2);
	}
	ck_assert_int_eq(count("select count(*) from pragma_foreign_key_check"), 0);
}
END_TEST

/* A column the schema declares NOT NULL without a default cannot be added to the
 * rows a store holds: opening it fails, naming the table and the column. */
START_TEST(columns_that_cannot_be_added_are_named)
{
	struct vg_store *st = open_store();
	put_one(st, "inc-00000000000000aa");
	vg_store_close(st);
	alter_store("DROP VIEW incident_timeline;"
	            " ALTER TABLE alerts DROP COLUMN event_count;");
	char errstr[512] = "";
	ck_assert_int_eq(vg_store_open(g_db, &st, errstr, sizeof(errstr)), VG_ERR_STORE);
	ck_assert_msg(strstr(errstr, "t.db: table alerts lacks column event_count") &&
	                  strstr(errstr, "NOT NULL without a default"),
	              "%s", errstr);
	/* nothing was changed */
	ck_assert_int_eq(count("select count(*) from pragma_table_info('alerts')"
	                       " where name = 'event_count'"),
	                 0);
	ck_assert_int_eq(count("select count(*) from sqlite_schema"
	                       " where name = 'incident_timeline'"),
	                 0);
}
END_TEST

/* A store a newer Vigil made (a format above this build's) is refused before
 * anything is written to it, naming both formats; its own format opens, again and
 * again, and keeps its marker.  The refusal is also what vg_store_open_existing
 * reports. */
START_TEST(newer_store_formats_are_refused)
{
	struct vg_store *st = open_store();
	put_one(st, "inc-00000000000000aa");
	vg_store_close(st);
	int64_t own = count("pragma user_version");
	ck_assert_int_ge(own, 1);
	st = open_store(); /* its own format: opens */
	vg_store_close(st);
	ck_assert_int_eq(count("pragma user_version"), own);

	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %lld", (long long)own + 1);
	alter_store(sql);
	int64_t schema = count("select schema_version from pragma_schema_version");
	for (int existing = 0; existing < 2; existing++) {
		char errstr[512] = "", want[160];
		vg_err err =
		    existing ? vg_store_open_existing(g_db, &st, errstr, sizeof(errstr))
		             : vg_store_open(g_db, &st, errstr, sizeof(errstr));
		ck_assert_int_eq(err, VG_ERR_STORE);
		snprintf(
		    want, sizeof(want),
		    "t.db: store format %lld was made by a newer Vigil; this one reads "
		    "formats up to %lld",
		    (long long)own + 1, (long long)own);
		ck_assert_msg(strstr(errstr, want), "%s", errstr);
	}
	/* nothing was written: the marker, the schema and the rows are as they were */
	ck_assert_int_eq(count("pragma user_version"), own + 1);
	ck_assert_int_eq(count("select schema_version from pragma_schema_version"),
	                 schema);
	ck_assert_int_eq(count("select count(*) from incidents"), 1);
}
END_TEST

/* A store writes an incident's alerts not marked stored, with their tags and
 * fields; those marked stored (a merged part's, as here) are not written again:
 * they move with vg_store_merge_incident, their rows as they were. */
START_TEST(stored_alerts_are_only_moved)
{
	struct vg_store *st = open_store();
	put_one(st, "inc-00000000000000bb");
	ck_assert_int_eq(count("select count(*) from alert_fields"), 4);
	ck_assert_int_eq(count("select count(*) from alert_tags"), 2);
	struct vg_incident inc;
	build_incident(&inc, "inc-00000000000000cc", 0); /* bb's alerts */
	struct vg_kv other = {"user.name", "mallory"};
	inc.alerts[0].stored = inc.alerts[1].stored = true;
	inc.alerts[0].fields = &other; /* not written: its rows are there */
	inc.alerts[0].nfields = 1;
	inc.alerts[0].ntags = 0;
	ck_assert_int_eq(vg_store_begin(st), VG_OK);
	ck_assert_int_eq(
	    vg_store_merge_incident(st, "inc-00000000000000bb", "inc-00000000000000cc"),
	    VG_OK);
	ck_assert_int_eq(vg_store_put_incident(st, &inc, NULL, &g_doc), VG_OK);
	ck_assert_int_eq(vg_store_commit(st), VG_OK);
	vg_store_close(st);
	ck_assert_int_eq(count("select count(*) from alerts where incident_id ="
	                       " 'inc-00000000000000cc'"),
	                 2);
	ck_assert_int_eq(count("select count(*) from alert_fields"), 4);
	ck_assert_int_eq(count("select count(*) from alert_fields where value ="
	                       " 'mallory'"),
	                 0);
	ck_assert_int_eq(count("select count(*) from alert_tags"), 2);
	ck_assert_int_eq(count("select count(*) from pragma_foreign_key_check"), 0);
}
END_TEST

/* Size of the store's write-ahead log file (0 when there is none). */
static off_t wal_size(void)
{
	char wal[300];
	struct stat sb;
	snprintf(wal, sizeof(wal), "%s-wal", g_db);
	return stat(wal, &sb) == 0 ? sb.st_size : 0;
}

/* The log grows to store.wal_checkpoint_mib, then SQLite copies it into the file and
 * writes it from its start again: ~6 MiB of incidents (60 batches of 25, each with
 * a 4 KiB document) leave a log of about 1 MiB with a 1 MiB checkpoint, and of
 * more than 4 MiB with an 8 MiB one. */
START_TEST(tune_sets_the_checkpoint)
{
	static char big[4097];
	memset(big, 'x', sizeof(big) - 1);
	struct vg_incident_doc doc = g_doc;
	doc.document = big;
	for (int pass = 0; pass < 2; pass++) {
		unlink(g_db);
		char wal[300];
		snprintf(wal, sizeof(wal), "%s-wal", g_db);
		unlink(wal);
		struct vg_store *st = open_store();
		ck_assert_int_eq(vg_store_tune(st, 2, pass == 0 ? 1 : 8), VG_OK);
		struct vg_incident inc;
		for (int batch = 0; batch < 60; batch++) {
			ck_assert_int_eq(vg_store_begin(st), VG_OK);
			for (int i = 0; i < 25; i++) {
				char id[32];
				snprintf(id, sizeof(id), "inc-%016x", batch * 25 + i);
				build_incident(&inc, id, 0);
				/* the incident's row only */
				inc.alerts[0].stored = inc.alerts[1].stored = true;
				ck_assert_int_eq(
				    vg_store_put_incident(st, &inc, NULL, &doc), VG_OK);
			}
			ck_assert_int_eq(vg_store_commit(st), VG_OK);
		}
		off_t size = wal_size();
		vg_store_close(st);
		if (pass == 0)
			ck_assert_int_lt(size, 3 * 1024 * 1024 / 2);
		else
			ck_assert_int_gt(size, 4 * 1024 * 1024);
	}
	ck_assert_int_eq(count("select count(*) from incidents"), 1500);
}
END_TEST

/* The store does not enforce the schema's references on every write (they cost
 * a lookup per row); the tests run PRAGMA foreign_key_check on the stores they
 * make instead, and it finds a row whose reference does not hold. */
START_TEST(broken_references_are_found)
{
	struct vg_store *st = open_store();
	put_one(st, "inc-00000000000000dd");
	vg_store_close(st);
	ck_assert_int_eq(count("select count(*) from pragma_foreign_key_check"), 0);
	alter_store("update alerts set incident_id = 'inc-00000000000000ee'"
	            " where rowid in (select rowid from alerts limit 1)");
	ck_assert_int_eq(count("select count(*) from pragma_foreign_key_check"), 1);
	ck_assert_int_eq(count("select count(*) from pragma_foreign_key_check"
	                       " where \"table\" = 'alerts' and parent = 'incidents'"),
	                 1);
}
END_TEST

START_TEST(open_errors_are_reported)
{
	struct vg_store *st;
	char errstr[256] = "";
	ck_assert_int_eq(
	    vg_store_open("/nonexistent/dir/x.db", &st, errstr, sizeof(errstr)),
	    VG_ERR_STORE);
	ck_assert_ptr_nonnull(strstr(errstr, "/nonexistent/dir/x.db: "));
}
END_TEST

struct verdicts {
	int n, tp;
	char last[64];
	char features[256];
};

static vg_err on_verdict(const char *id, int label, const char *features, void *ctx)
{
	struct verdicts *v = ctx;
	v->n++;
	v->tp += label;
	snprintf(v->last, sizeof(v->last), "%s", id);
	snprintf(v->features, sizeof(v->features), "%s", features);
	return VG_OK;
}

/* Verdicts: the latest per incident counts, with the incident's stored features;
 * unknown and merged-away incidents and bad verdicts are refused. */
START_TEST(feedback_is_recorded_and_read_back)
{
	struct vg_store *st = open_store();
	struct vg_incident inc, other;
	struct vg_ranking rank = {.score = 0.9, .priority = 1, .surfaced = true};
	struct vg_incident_doc doc = g_doc;
	doc.features = "{\"alert_count\":2}";
	build_incident(&inc, "inc-00000000000000f1", 1000);
	ck_assert_int_eq(vg_store_begin(st), VG_OK);
	ck_assert_int_eq(vg_store_put_incident(st, &inc, &rank, &doc), VG_OK);
	build_incident(&other, "inc-00000000000000f2", 1000);
	ck_assert_int_eq(vg_store_put_incident(st, &other, &rank, &doc), VG_OK);
	ck_assert_int_eq(vg_store_merge_incident(st, other.id, inc.id), VG_OK);
	ck_assert_int_eq(vg_store_commit(st), VG_OK);

	ck_assert_int_eq(vg_store_put_feedback(st, inc.id, "fp", "noise", 5), VG_OK);
	ck_assert_int_eq(vg_store_put_feedback(st, inc.id, "tp", NULL, 6), VG_OK);
	ck_assert_int_eq(vg_store_put_feedback(st, inc.id, "maybe", NULL, 7),
	                 VG_ERR_INVALID);
	ck_assert_int_eq(vg_store_put_feedback(st, "inc-0000000000000bad", "tp", NULL, 7),
	                 VG_ERR_NOTFOUND);
	ck_assert_int_eq(vg_store_put_feedback(st, other.id, "tp", NULL, 7),
	                 VG_ERR_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(vg_store_errmsg(st), inc.id)); /* the survivor */
	struct verdicts v = {0};
	ck_assert_int_eq(vg_store_each_verdict(st, on_verdict, &v), VG_OK);
	ck_assert_int_eq(v.n, 1);
	ck_assert_int_eq(v.tp, 1); /* the later verdict wins */
	ck_assert_str_eq(v.last, inc.id);
	ck_assert_str_eq(v.features, "{\"alert_count\":2}");
	vg_store_close(st);
	ck_assert_int_eq(count("select count(*) from incident_verdicts"), 1);
}
END_TEST

/* The story is stored by value, rewritten per version and dropped on merge. */
START_TEST(story_rows_follow_the_incident)
{
	struct vg_store *st = open_store();
	struct vg_incident inc;
	struct vg_ranking rank = {.score = 0.9, .priority = 1, .surfaced = true};
	struct vg_incident_doc doc = g_doc;
	struct vg_story_edge edges[] = {{0, 1, 1000, 2}, {1, 2, 1000, 1}};
	struct vg_story_hop hop = {
	    1,        1000,         "aaaaaaaaaaaaaaa1", "SSH brute force", "203.0.113.45",
	    "deploy", "T1110,T1078"};
	struct vg_story_step step = {7, "credential-access", 1000, "aaaaaaaaaaaaaaa1",
	                             "SSH brute force"};
	struct vg_incident_story story = {NULL, 0, edges, 2, NULL, 0, &hop, 1, &step, 1};
	doc.story = &story;
	struct vg_incident survivor;
	build_incident(&survivor, "inc-00000000000000e0", 1000);
	doc.story = NULL;
	ck_assert_int_eq(vg_store_begin(st), VG_OK);
	ck_assert_int_eq(vg_store_put_incident(st, &survivor, &rank, &doc), VG_OK);
	ck_assert_int_eq(vg_store_commit(st), VG_OK);
	doc.story = &story;
	build_incident(&inc, "inc-00000000000000e1", 1000);
	for (int round = 0; round < 2; round++) {
		ck_assert_int_eq(vg_store_begin(st), VG_OK);
		ck_assert_int_eq(vg_store_put_incident(st, &inc, &rank, &doc), VG_OK);
		ck_assert_int_eq(vg_store_commit(st), VG_OK);
	}
	ck_assert_int_eq(count("select count(*) from incident_edges where a_type = "
	                       "'host' and b_value = 'deploy@web01'"),
	                 1);
	ck_assert_int_eq(count("select count(*) from incident_edges"), 2);
	ck_assert_int_eq(count("select count(*) from incident_spread_path where path = "
	                       "'web01 (T1110,T1078)'"),
	                 1);
	ck_assert_int_eq(count("select count(*) from incident_tactic_timeline"), 1);
	ck_assert_int_eq(vg_store_begin(st), VG_OK);
	ck_assert_int_eq(vg_store_merge_incident(st, inc.id, "inc-00000000000000e0"),
	                 VG_OK);
	ck_assert_int_eq(vg_store_add_stop_value(st, "user", "root", true, 3), VG_OK);
	ck_assert_int_eq(vg_store_add_stop_value(st, "user", "root", true, 2), VG_OK);
	ck_assert_int_eq(vg_store_commit(st), VG_OK);
	vg_store_close(st);
	ck_assert_int_eq(count("select count(*) from incident_edges") +
	                     count("select count(*) from incident_spread") +
	                     count("select count(*) from incident_tactics"),
	                 0);
	ck_assert_int_eq(count("select prevented from stop_values"), 5);
}
END_TEST

/* Store incident id, quiet since t0 + 60 s, with two alerts of its own (ids from
 * `tag`), each behind one input record, the first flagged novel, and one tactic;
 * absorbs: an incident merged into this one first (NULL: none). */
static void put_family_member(struct vg_store *st, const char *id, vg_time t0, char tag,
                              const char *absorbs)
{
	struct vg_incident inc;
	build_incident(&inc, id, t0);
	ck_assert_int_eq(vg_store_begin(st), VG_OK);
	if (absorbs)
		ck_assert_int_eq(vg_store_merge_incident(st, absorbs, id), VG_OK);
	for (size_t k = 0; k < inc.nalerts; k++) {
		snprintf(inc.alerts[k].id, sizeof(inc.alerts[k].id), "%c%c%014x", tag,
		         tag, (unsigned)k);
		inc.alerts[k].novel = k == 0;
		struct vg_source src = {"syslog", 0, (int64_t)(tag * 10 + (char)k)};
		struct vg_alert a = {.nevents = 1, .events = &src};
		memcpy(a.id, inc.alerts[k].id, sizeof(a.id));
		ck_assert_int_eq(vg_store_put_alert_events(st, &a), VG_OK);
		ck_assert_int_eq(vg_store_put_record_incident(st, &a, id), VG_OK);
	}
	struct vg_story_step step = {1, "credential-access", t0, inc.alerts[0].id,
	                             "SSH brute force"};
	struct vg_incident_story story = {NULL, 0, NULL, 0, NULL, 0, NULL, 0, &step, 1};
	struct vg_incident_doc doc = g_doc;
	doc.story = &story;
	ck_assert_int_eq(vg_store_put_incident(st, &inc, NULL, &doc), VG_OK);
	ck_assert_int_eq(vg_store_commit(st), VG_OK);
}

/* vg_store_prune(before, max) removes what it is expected to. */
static void prune_expect(struct vg_store *st, vg_time before, size_t max,
                         size_t survivors, int64_t incidents, int64_t alerts)
{
	struct vg_prune_stats ps;
	ck_assert_int_eq(vg_store_prune(st, before, max, &ps), VG_OK);
	ck_assert_uint_eq(ps.survivors, survivors);
	ck_assert_int_eq(ps.incidents, incidents);
	ck_assert_int_eq(ps.alerts, alerts);
}

START_TEST(prune_removes_quiet_families_whole)
{
	const vg_time day = 86400 * VG_USEC_PER_SEC;
	struct vg_store *st = open_store();
	/* old and alone; old, absorbing an old one; recent; old with a verdict;
	 * old, absorbing one with a verdict given before the merge; recent,
	 * absorbing an old one */
	put_family_member(st, "inc-00000000000000a1", 1 * day, 'a', NULL);
	/* an alert of a1 past its detail bound (max_alerts_kept): no row in alerts,
	 * its events and record stored as every alert's are */
	struct vg_source dsrc = {"syslog", 0, 99};
	struct vg_alert dropped = {
	    .id = "ad00000000000000", .nevents = 1, .events = &dsrc};
	ck_assert_int_eq(vg_store_begin(st), VG_OK);
	ck_assert_int_eq(vg_store_put_alert_events(st, &dropped), VG_OK);
	ck_assert_int_eq(
	    vg_store_put_record_incident(st, &dropped, "inc-00000000000000a1"), VG_OK);
	ck_assert_int_eq(vg_store_commit(st), VG_OK);
	put_family_member(st, "inc-00000000000000b1", 2 * day, 'b', NULL);
	put_family_member(st, "inc-00000000000000b2", 3 * day, 'c',
	                  "inc-00000000000000b1");
	put_family_member(st, "inc-00000000000000d1", 20 * day, 'd', NULL);
	put_family_member(st, "inc-00000000000000e1", 4 * day, 'e', NULL);
	put_family_member(st, "inc-00000000000000f1", 5 * day, 'f', NULL);
	ck_assert_int_eq(vg_store_put_feedback(st, "inc-00000000000000e1", "fp", NULL, 0),
	                 VG_OK);
	ck_assert_int_eq(vg_store_put_feedback(st, "inc-00000000000000f1", "tp", NULL, 0),
	                 VG_OK);
	put_family_member(st, "inc-00000000000000f2", 6 * day, 'g',
	                  "inc-00000000000000f1");
	put_family_member(st, "inc-00000000000000h1", 7 * day, 'h', NULL);
	put_family_member(st, "inc-00000000000000h2", 29 * day, 'i',
	                  "inc-00000000000000h1");
	ck_assert_int_eq(
	    vg_store_put_novelty(st, "web01", "rule-bf", "aa00000000000000", 1 * day),
	    VG_OK);
	ck_assert_int_eq(count("select count(*) from alerts"), 18);
	ck_assert_int_eq(count("select count(*) from alert_novelty"), 9);
	/* acknowledged on the output topic: one that goes, one that stays */
	ck_assert_int_eq(vg_store_begin(st), VG_OK);
	ck_assert_int_eq(vg_store_mark_published(st, "inc-00000000000000a1", 1), VG_OK);
	ck_assert_int_eq(vg_store_mark_published(st, "inc-00000000000000d1", 1), VG_OK);
	ck_assert_int_eq(vg_store_commit(st), VG_OK);

	/* quiet before day 8: a1 and the b family (the oldest first, one survivor
	 * per call here); e1 and the f family have verdicts, h1 was merged into
	 * the recent h2 */
	ck_assert_int_eq(vg_store_begin(st), VG_OK);
	prune_expect(st, 8 * day, 1, 1, 1, 2);
	prune_expect(st, 8 * day, 0, 1, 2, 4); /* b2 and b1, merged into it */
	prune_expect(st, 8 * day, 0, 0, 0, 0);
	ck_assert_int_eq(vg_store_commit(st), VG_OK);
	ck_assert_int_eq(count("select count(*) from incidents where id in"
	                       " ('inc-00000000000000a1','inc-00000000000000b1',"
	                       "'inc-00000000000000b2')"),
	                 0);
	/* everything naming them went with them (the alert past a1's detail
	 * bound too: its events and records stayed forever) */
	ck_assert_int_eq(count("select count(*) from alerts"), 12);
	ck_assert_int_eq(
	    count("select count(*) from alert_tags where substr(alert_id,1,1)"
	          " in ('a','b','c')"),
	    0);
	ck_assert_int_eq(count("select count(*) from alert_tags"), 12);
	ck_assert_int_eq(count("select count(*) from incident_published where"
	                       " incident_id = 'inc-00000000000000d1'"),
	                 1);
	ck_assert_int_eq(count("select count(*) from incident_published"), 1);
	ck_assert_int_eq(count("select count(*) from alert_fields"), 24);
	ck_assert_int_eq(count("select count(*) from alert_events"), 12);
	ck_assert_int_eq(count("select count(*) from alert_novelty"), 6);
	ck_assert_int_eq(count("select count(*) from record_incidents"), 12);
	ck_assert_int_eq(count("select count(*) from entities where incident_id in"
	                       " ('inc-00000000000000a1','inc-00000000000000b2')"),
	                 0);
	ck_assert_int_eq(count("select count(*) from incident_tactics"), 4);
	/* stream state stays */
	ck_assert_int_eq(count("select count(*) from novelty"), 1);

	/* quiet before day 20: nothing more; before day 21: d1 alone */
	ck_assert_int_eq(vg_store_begin(st), VG_OK);
	prune_expect(st, 20 * day, 0, 0, 0, 0);
	prune_expect(st, 21 * day, 0, 1, 1, 2);
	ck_assert_int_eq(vg_store_commit(st), VG_OK);
	ck_assert_int_eq(count("select count(*) from incidents where id ="
	                       " 'inc-00000000000000d1'"),
	                 0);
	ck_assert_int_eq(count("select count(*) from incidents"), 5);
	ck_assert_int_eq(count("select count(*) from feedback"), 2);
	/* the merged-away h1 still names its survivor, and verdicts still train */
	struct vg_incident got;
	ck_assert_int_eq(vg_store_load_incident(st, "inc-00000000000000h1", &got),
	                 VG_ERR_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(vg_store_errmsg(st), "inc-00000000000000h2"));
	ck_assert_int_eq(vg_store_load_incident(st, "inc-00000000000000f2", &got), VG_OK);
	ck_assert_uint_eq(got.nalerts, 4);
	vg_incident_clear(&got);
	vg_store_close(st);
	ck_assert_int_eq(count("select count(*) from pragma_foreign_key_check"), 0);
}
END_TEST

/* Retention gives the file's space back: a new store has auto_vacuum=INCREMENTAL,
 * and a prune releases free pages beyond an eighth of the file. */
START_TEST(prune_gives_pages_back)
{
	const vg_time day = 86400 * VG_USEC_PER_SEC;
	struct vg_store *st = open_store();
	ck_assert_int_eq(count("PRAGMA auto_vacuum"), 2);
	char big[8192];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	struct vg_incident_doc doc = g_doc;
	doc.document = big; /* 8 KiB an incident: two pages or more */
	ck_assert_int_eq(vg_store_begin(st), VG_OK);
	for (int i = 0; i < 600; i++) {
		struct vg_incident inc;
		char id[32];
		snprintf(id, sizeof(id), "inc-%016x", (unsigned)i);
		build_incident(&inc, id, day + i * VG_USEC_PER_SEC);
		for (size_t k = 0; k < inc.nalerts; k++)
			snprintf(inc.alerts[k].id, sizeof(inc.alerts[k].id), "%08x%08x",
			         (unsigned)i, (unsigned)k);
		ck_assert_int_eq(vg_store_put_incident(st, &inc, NULL, &doc), VG_OK);
	}
	ck_assert_int_eq(vg_store_commit(st), VG_OK);
	int64_t full = count("PRAGMA page_count");
	ck_assert_int_gt(full, 1200);

	/* one incident stays; the others go, their pages given back in calls of
	 * at most 4096 */
	struct vg_incident keep;
	build_incident(&keep, "inc-ffffffffffffffff", 30 * day);
	ck_assert_int_eq(vg_store_begin(st), VG_OK);
	ck_assert_int_eq(vg_store_put_incident(st, &keep, NULL, &doc), VG_OK);
	struct vg_prune_stats ps;
	ck_assert_int_eq(vg_store_prune(st, 10 * day, 0, &ps), VG_OK);
	ck_assert_uint_eq(ps.survivors, 600);
	ck_assert_int_gt(ps.pages_released, full / 2);
	ck_assert_int_eq(vg_store_commit(st), VG_OK);
	vg_store_close(st); /* checkpoint: the file shrinks */
	int64_t now = count("PRAGMA page_count");
	ck_assert_int_lt(now, full / 4);
	ck_assert_int_le(count("PRAGMA freelist_count"), now / 8);
	ck_assert_int_eq(count("select count(*) from incidents"), 1);
	struct stat sb;
	ck_assert_int_eq(stat(g_db, &sb), 0);
	ck_assert_int_le(sb.st_size, now * count("PRAGMA page_size"));

	/* nothing past the retention: a prune leaves the file alone */
	st = open_store();
	ck_assert_int_eq(vg_store_begin(st), VG_OK);
	ck_assert_int_eq(vg_store_prune(st, 10 * day, 0, &ps), VG_OK);
	ck_assert_uint_eq(ps.survivors, 0);
	ck_assert_int_eq(ps.pages_released, 0);
	ck_assert_int_eq(vg_store_commit(st), VG_OK);
	vg_store_close(st);
}
END_TEST

static Suite *store_suite(void)
{
	const struct vg_test_case cases[] = {
	    {"schema", schema_and_wal},
	    {"upsert", upsert_is_idempotent_and_restores},
	    {"restore_window", old_incidents_are_not_restored},
	    {"restore_unreadable", unreadable_store_is_an_error},
	    {"marks", marks_offsets_publication_metrics},
	    {"merge", merge_moves_alerts},
	    {"merge-full", merge_into_a_full_survivor_counts_each_alert_once},
	    {"references", broken_references_are_found},
	    {"published_column", published_column_is_moved},
	    {"new_columns", new_columns_are_added_to_old_stores},
	    {"columns_not_added", columns_that_cannot_be_added_are_named},
	    {"newer_format", newer_store_formats_are_refused},
	    {"tune", tune_sets_the_checkpoint},
	    {"stored_alerts", stored_alerts_are_only_moved},
	    {"errors", open_errors_are_reported},
	    {"feedback", feedback_is_recorded_and_read_back},
	    {"story", story_rows_follow_the_incident},
	    {"prune", prune_removes_quiet_families_whole},
	    {"prune_pages", prune_gives_pages_back},
	};
	return vg_test_suite("store", cases, sizeof(cases) / sizeof(cases[0]), setup,
	                     teardown);
}

VG_TEST_MAIN(store_suite)
