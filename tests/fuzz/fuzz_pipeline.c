/* libFuzzer target: the whole pipeline (engine/pipeline.c: parse, detect,
 * correlate, hold, assemble, store) over an arbitrary stream of records on up to
 * three partitions, run twice into two SQLite stores:
 *
 *  A. uninterrupted: the records in the order they were generated, one at a time
 *     on one thread, in batches, the committable offset committed after each
 *     batch, as the Kafka runner does;
 *  B. the same records in another interleaving of the partitions, in other
 *     batches, each batch at once through vg_pipeline_process_many on 1-3 worker
 *     threads with the value cache off, tiny or as shipped, half the time with a
 *     store.retention of 3 h, committing after two batches in three, crashing
 *     now and then (the pipeline destroyed mid-stream, never told the input
 *     ended) and restarted on the same store, every partition read again from
 *     its last committed offset.
 *
 * The input is a program: its first byte chooses the partitions and A's batch
 * size, then each operation adds records to one partition at its own event-time
 * clock (a step forwards, or back by at most the allowed lateness: see op()): sshd
 * failures (in runs long enough for the brute-force rule), logins, sudo, firewall
 * drops (in runs for the port-scan rule), Sysmon process creation, process access
 * and connections (runs for the beaconing rule), an ECS web-shell spawn, an AIT-ADS
 * third-party alert, or a line that is no log at all; users, addresses and hosts
 * from small pools shared by the partitions (a host's records on its own
 * partition or the next one), so alerts share entities and correlation groups
 * (all group by host.name) take events from several partitions.  The rules are the
 * default ones and correlations over their brute-force alerts (CHAIN_RULES), so
 * chained alerts meet crashes and restarts too.  B's choices come
 * from a generator seeded by the input, so a failure reproduces
 * (FUZZ_PIPELINE_TRACE=1 prints every assembly and merge).
 *
 * The contract (ARCHITECTURE.md's delivery rules, pipeline.c's header): never a
 * crash, a leak or a sanitizer report, and B's store equals A's -- the same
 * surviving incidents (id, version, alert count, title, times, the counts of
 * never-seen activity around them: a novelty warm-up of 30 min), alerts, entities,
 * alert fields and record -> incident rows, and the merged-away incidents both
 * stores hold lead to the same survivor: neither the interleaving of partitions,
 * nor the batching, nor the threads, nor the value cache, nor a crash and restart
 * from the committed offsets changes what is stored.  With a retention B holds
 * less: only incidents quiet for 3 h before the newest are gone, and every row
 * left about the rest is A's.
 */
#include "fuzz_input.h"
#include "fuzz_store.h"
#include "vg_engine.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { NPART_MAX = 3, MAX_RECORDS = 400 };

/* Hosts (two spellings of one), one a partition's own and shared with the one
 * before it (op()): correlation counts a group's events in event-time order, so a
 * group fed by several partitions does not depend on how the consumer interleaves
 * them. */
static const char *const g_hosts[NPART_MAX][2] = {
    {"web01", "WEB01"},
    {"db1", "DB1"},
    {"ws01.corp.example.com", "WS01.corp.example.com"}};
static const char *const g_users[] = {"alice", "root", "bob", "www-data"};
static const char *const g_ips[] = {"203.0.113.7", "10.0.0.5", "198.51.100.9",
                                    "::ffff:203.0.113.7"};
static const char *const g_sigs[] = {"ET SCAN Nmap", "Wazuh: sshd: authentication failed",
                                     "AMiner: New event type"};
static const char *const g_months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

struct rec {
	char *buf;
	size_t len;
	enum vg_format fmt;
	int part;
	int64_t off;
	vg_time ref;
};

struct stream {
	struct rec r[MAX_RECORDS];
	size_t n;
	int npart;
	size_t per_part[NPART_MAX];             /* records of each partition */
	size_t of_part[NPART_MAX][MAX_RECORDS]; /* [part][offset] -> index in r */
};

static char g_dir[64];
static char g_db[2][96]; /* run A's store, run B's */
static char g_rules[96]; /* the default rules, then correlations of correlations */

/* Correlations over the default rules' brute-force alerts: repeated brute force
 * (fires on its second alert), the sources of a host's brute force (its window
 * fires as it closes: the upper bound), and waves of those (a correlation of a
 * correlation that fires at close), so crashes and restarts meet chained alerts
 * given back from the store. */
static const char CHAIN_RULES[] =
    "title: Repeated brute force\nid: 0f0e0d0c-0000-4000-8000-0000000000a1\n"
    "name: fz_bf_repeat\nlevel: high\n"
    "correlation: {type: event_count, rules: [ssh_brute_force], group-by: [host.name],"
    " timespan: 30m, condition: {gte: 2}}\n---\n"
    "title: Brute force sources\nid: 0f0e0d0c-0000-4000-8000-0000000000a2\n"
    "name: fz_bf_sources\nlevel: medium\n"
    "correlation: {type: value_count, rules: [ssh_brute_force], group-by: [host.name],"
    " timespan: 10m, condition: {field: source.ip, gte: 1, lte: 5}}\n---\n"
    "title: Brute force waves\nid: 0f0e0d0c-0000-4000-8000-0000000000a3\n"
    "name: fz_bf_waves\nlevel: high\n"
    "correlation: {type: event_count, rules: [fz_bf_sources], group-by: [host.name],"
    " timespan: 30m, condition: {gte: 2}}\n";

static void write_rule(const struct vg_resource *r, void *ctx)
{
	if (fwrite(r->data, 1, r->len, ctx) != r->len || fputs("\n---\n", ctx) < 0)
		abort();
}

/* g_rules: the embedded default rules and CHAIN_RULES in one file. */
static void write_rules(void)
{
	FILE *f = fopen(g_rules, "w");
	if (!f)
		abort();
	vg_resource_each("correlate/rules/", write_rule, f);
	if (fputs(CHAIN_RULES, f) < 0 || fclose(f) != 0)
		abort();
}

static void add(struct stream *s, int part, vg_time t, enum vg_format fmt,
                const char *fmtstr, ...) __attribute__((format(printf, 5, 6)));

static void add(struct stream *s, int part, vg_time t, enum vg_format fmt,
                const char *fmtstr, ...)
{
	if (s->n == MAX_RECORDS)
		return;
	char line[1024];
	va_list ap;
	va_start(ap, fmtstr);
	int k = vsnprintf(line, sizeof(line), fmtstr, ap);
	va_end(ap);
	if (k < 0)
		abort();
	struct rec *r = &s->r[s->n];
	r->len = (size_t)k < sizeof(line) ? (size_t)k : sizeof(line) - 1;
	if (!(r->buf = malloc(r->len + 1)))
		abort();
	memcpy(r->buf, line, r->len + 1);
	r->fmt = fmt;
	r->part = part;
	r->off = (int64_t)s->per_part[part];
	r->ref = t + 60 * VG_USEC_PER_SEC; /* the message's timestamp: a minute later */
	s->of_part[part][s->per_part[part]++] = s->n++;
}

/* The start of a Sysmon event of id ID as a JSON line, up to its event data:
 * arguments Computer, then UtcTime. */
#define SYSMON(id)                                                                       \
	"{\"EventID\":" #id ",\"Provider_Name\":\"Microsoft-Windows-Sysmon\","           \
	"\"Channel\":\"Microsoft-Windows-Sysmon/Operational\",\"Computer\":\"%s\","      \
	"\"UtcTime\":\"%s\","

/* The "Mmm dd hh:mm:ss" of an RFC 3164 line at t. */
static void bsd_time(vg_time t, char out[32])
{
	int mo, d, h, mi, sec, us;
	vg_time_to_civil(t, NULL, &mo, &d, &h, &mi, &sec, &us);
	snprintf(out, 32, "%s %2d %02d:%02d:%02d", g_months[mo - 1], d, h, mi, sec);
}

/* One operation of the program: records on one partition from its clock. */
static void op(struct stream *s, struct input *in, vg_time *clock, vg_time *newest)
{
	uint8_t o = take(in);
	int part = o % s->npart;
	int kind = (o / NPART_MAX) % 10;
	uint8_t who = take(in);
	const char *host = g_hosts[(part + ((who >> 1) & 1)) % s->npart][who & 1],
	           *user = g_users[(who >> 2) & 3], *ip = g_ips[(who >> 4) & 3];
	/* sshd failures, sudo, drops, PowerShell, beacons and third-party alerts come
	 * in runs of up to 28 records, one a second (beacons two minutes apart); the
	 * other kinds alone */
	static const bool runs[10] = {1, 0, 1, 1, 1, 1, 0, 0, 1, 0};
	int reps = 1 + (who >> 6) * 4 + (take(in) & 15);
	if (!runs[kind])
		reps = 1;
	vg_time *t = &clock[part];
	*t += fz_time_step(in);
	/* back at most the allowed lateness (60 s) behind the partition's newest
	 * event: a later event's alerts are assembled against whatever incidents are
	 * still in memory, which depends on where batches end (README, "Delivery
	 * guarantees") */
	if (*t < newest[part] - 60 * VG_USEC_PER_SEC)
		*t = newest[part] - 60 * VG_USEC_PER_SEC;
	for (int i = 0; i < reps && s->n < MAX_RECORDS; i++, *t += VG_USEC_PER_SEC) {
		if (*t > newest[part])
			newest[part] = *t;
		char bt[32], iso[32];
		bsd_time(*t, bt);
		vg_time_format(*t, iso);
		switch (kind) {
		case 0:
		case 1:
			add(s, part, *t, VG_FMT_AUTO,
			    "<38>%s %s sshd[%d]: %s password for %s from %s port %d ssh2",
			    bt, host, 100 + i, kind ? "Accepted" : "Failed", user, ip,
			    40000 + i);
			break;
		case 2:
			add(s, part, *t, VG_FMT_AUTO,
			    "<85>%s %s sudo:  %s : TTY=pts/1 ; PWD=/home/%s ; "
			    "USER=root ; COMMAND=/bin/bash",
			    bt, host, user, user);
			break;
		case 3:
			add(s, part, *t, VG_FMT_AUTO,
			    "<4>%s %s kernel: [UFW BLOCK] IN=eth0 OUT= SRC=%s "
			    "DST=10.0.0.9 LEN=44 PROTO=TCP SPT=%d DPT=%d",
			    bt, host, ip, 50000 + i, 20 + i);
			break;
		case 4:
			add(s, part, *t, VG_FMT_AUTO,
			    SYSMON(1) "\"Image\":\"C:\\\\Windows\\\\System32\\\\"
			              "WindowsPowerShell\\\\v1.0\\\\powershell.exe\","
			              "\"CommandLine\":\"powershell.exe -nop -enc "
			              "SQBFAFgA%d\",\"User\":\"CORP\\\\%s\"}",
			    host, iso, i, user);
			break;
		case 5:
			add(s, part, *t, VG_FMT_AUTO,
			    SYSMON(
			        3) "\"Image\":\"C:\\\\Users\\\\Public\\\\svchost.exe\","
			           "\"User\":\"CORP\\\\%s\",\"Protocol\":\"tcp\","
			           "\"SourceIp\":\"10.0.5.21\",\"SourcePort\":\"%d\","
			           "\"DestinationIp\":\"%s\",\"DestinationPort\":"
			           "\"443\"}",
			    host, iso, user, 49152 + i, ip);
			*t += 120 * VG_USEC_PER_SEC; /* a beacon every ~2 minutes */
			break;
		case 6:
			add(s, part, *t, VG_FMT_AUTO,
			    SYSMON(10) "\"SourceImage\":\"C:\\\\Users\\\\Public\\\\"
			               "svchost.exe\",\"TargetImage\":\"C:\\\\Windows\\\\"
			               "System32\\\\lsass.exe\",\"GrantedAccess\":"
			               "\"0x1010\","
			               "\"User\":\"CORP\\\\%s\"}",
			    host, iso, user);
			break;
		case 7:
			add(s, part, *t, VG_FMT_AUTO,
			    "{\"@timestamp\":\"%s\",\"event.module\":\"linux\","
			    "\"event.dataset\":\"process\",\"event.category\":"
			    "\"process\","
			    "\"event.type\":\"start\",\"host.name\":\"%s\","
			    "\"user.name\":\"www-data\",\"process.executable\":\"/bin/"
			    "sh\","
			    "\"process.command_line\":\"sh -c id\",\"source.ip\":\"%s\"}",
			    iso, host, ip);
			break;
		case 8:
			add(s, part, *t, VG_FMT_AITADS, "%lld.%06lld,%s,%s,%s,%c-%d,-,-",
			    (long long)(*t / VG_USEC_PER_SEC),
			    (long long)(*t % VG_USEC_PER_SEC), g_sigs[who % 3], ip, host,
			    "SWA"[who % 3], who % 3);
			break;
		default:
			add(s, part, *t, o & 1 ? VG_FMT_AITADS : VG_FMT_AUTO,
			    "\x01 not a log line %d \xff", i);
			break;
		}
	}
}

/* A small deterministic generator for run B's choices (xorshift64*). */
static uint64_t rnd(uint64_t *st, uint64_t n)
{
	*st ^= *st >> 12;
	*st ^= *st << 25;
	*st ^= *st >> 27;
	return (*st * UINT64_C(2685821657736338717)) % n;
}

/* FUZZ_PIPELINE_TRACE=1: each assembly and merge on stderr, to follow a failure. */
static void trace_assembled(const struct vg_alert *alert, const char *incident_id,
                            void *ctx)
{
	char t[32];
	struct vg_rule_info info;
	vg_rule_info(alert->rule, &info);
	vg_time_format(alert->last_ts, t);
	fprintf(stderr, "%s: alert %s (%s, last %s) -> %s\n", (const char *)ctx,
	        alert->id, info.title, t, incident_id);
}

static void trace_merged(const char *merged, const char *into, void *ctx)
{
	fprintf(stderr, "%s: merge %s -> %s\n", (const char *)ctx, merged, into);
}

/* A pipeline storing into db, with store: more keys of the store section, and
 * engine: the engine section's keys. */
static struct vg_pipeline *open_pipeline(const char *db, const char *store,
                                         const char *engine, struct vg_config **cfg)
{
	char yaml[1024];
	struct vg_diag d;
	struct vg_pipeline *p = NULL;
	struct vg_pipeline_hooks hooks = {.assembled = trace_assembled,
	                                  .merged = trace_merged,
	                                  .ctx =
	                                      (void *)(strstr(db, "/a.db") ? "A" : "B")};
	vg_diag_init(&d);
	snprintf(yaml, sizeof(yaml),
	         "model: {path: none}\nstore: {path: \"%s\"%s}\nengine: {%s}\n"
	         "rules: {paths: ['%s']}\n"
	         "correlation: {novelty_warmup: 30m, host_memory: 6h}\n",
	         db, store, engine, g_rules);
	if (vg_config_load_string("fuzz", yaml, strlen(yaml), cfg, &d) != VG_OK ||
	    vg_pipeline_new(*cfg, getenv("FUZZ_PIPELINE_TRACE") ? &hooks : NULL, &p,
	                    &d) != VG_OK) {
		vg_diag_print(&d, stderr);
		abort();
	}
	vg_diag_clear(&d);
	return p;
}

struct run {
	const struct stream *s;
	struct vg_pipeline *p;
	struct vg_config *cfg;
	const char *db;
	char engine[64];   /* the engine section: workers, value cache */
	const char *store; /* more keys of the store section ("" or a retention) */
	bool many;         /* records through vg_pipeline_process_many, a batch at once */
	struct vg_record recs[MAX_RECORDS]; /* this batch's, when many */
	size_t nrecs;
	size_t next[NPART_MAX];       /* next offset to read per partition */
	int64_t committed[NPART_MAX]; /* last committed offset (next to read) */
	bool touched[NPART_MAX];      /* a record of it in this batch */
};

static void start(struct run *r)
{
	static const char *const topics[NPART_MAX] = {"in", "in", "in"};
	static const int32_t parts[NPART_MAX] = {0, 1, 2};
	r->p = open_pipeline(r->db, r->store, r->engine, &r->cfg);
	if (vg_pipeline_set_assignment(r->p, topics, parts, (size_t)r->s->npart) != VG_OK)
		abort();
	for (int i = 0; i < r->s->npart; i++)
		r->next[i] = (size_t)r->committed[i];
}

static void stop(struct run *r)
{
	vg_pipeline_destroy(r->p);
	vg_config_destroy(r->cfg);
	r->p = NULL;
}

static bool all_read(const struct run *r)
{
	for (int i = 0; i < r->s->npart; i++)
		if (r->next[i] < r->s->per_part[i])
			return false;
	return true;
}

static void begin(struct run *r)
{
	if (vg_pipeline_begin(r->p) != VG_OK)
		abort();
	memset(r->touched, 0, sizeof(r->touched));
	r->nrecs = 0;
}

static void process(struct run *r, int part)
{
	const struct rec *c = &r->s->r[r->s->of_part[part][r->next[part]++]];
	struct vg_source src = {"in", part, c->off};
	r->touched[part] = true;
	if (r->many) {
		r->recs[r->nrecs++] =
		    (struct vg_record){c->fmt, c->buf, c->len, src, c->ref};
		return;
	}
	if (vg_pipeline_process(r->p, c->fmt, c->buf, c->len, &src, c->ref) != VG_OK)
		abort();
}

/* End the batch, deliver its outputs and, when commit, commit what may be
 * committed of the partitions it read (a consumer commits now and then, so a
 * restart may read again records whose alerts are stored: skipped as replayed). */
static void end(struct run *r, bool commit)
{
	struct vg_output *outs;
	size_t nouts;
	if (r->nrecs && vg_pipeline_process_many(r->p, r->recs, r->nrecs) != VG_OK)
		abort();
	if (vg_pipeline_end(r->p, &outs, &nouts) != VG_OK ||
	    vg_pipeline_ack(r->p, outs, nouts) != VG_OK)
		abort();
	for (int i = 0; commit && i < r->s->npart; i++) {
		if (!r->touched[i])
			continue;
		int64_t c =
		    vg_pipeline_committable(r->p, "in", i, (int64_t)r->next[i] - 1);
		if (c < r->committed[i] || c > (int64_t)r->next[i])
			abort(); /* commits never go back, nor past what was read */
		r->committed[i] = c;
		vg_pipeline_committed(r->p, "in", i, c);
	}
}

/* The first column of sql's first row (-1 without a row) on store db, with store
 * other (NULL: none) attached as "b". */
static int64_t count_with(const char *db, const char *other, const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	char attach[128];
	int64_t n = -1;
	snprintf(attach, sizeof(attach), "attach '%s' as b", other ? other : "");
	if (sqlite3_open(db, &h) != SQLITE_OK ||
	    (other && sqlite3_exec(h, attach, NULL, NULL, NULL) != SQLITE_OK) ||
	    sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(h));
		abort();
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return n;
}

/* An incident merged away in the batch that opened it was never stored, so which
 * merged-away incidents have a row depends on where batches ended.  Those in both
 * stores must lead to the same surviving incident, and each to one its own store
 * holds.  @return the number of violations. */
static int64_t merges_disagree(const char *db_a, const char *db_b)
{
#define FINAL(s)                                                                         \
	"r" s "(id, cur, n) as (select id, merged_into, 0 from " s ".incidents where "   \
	"merged_into is not null union all select r" s ".id, i.merged_into, n + 1 from " \
	"r" s " join " s ".incidents i on i.id = r" s ".cur where i.merged_into is not " \
	"null and n < 64), f" s " as (select id, cur from r" s " r where not exists "    \
	"(select 1 from " s ".incidents i where i.id = r.cur and i.merged_into is not "  \
	"null))"
	static const char *const sql = "with recursive " FINAL("main") ", " FINAL(
	    "b") " select (select count(*) from "
	         "fmain join fb using (id) where fmain.cur != fb.cur) + (select count(*) "
	         "from "
	         "fmain where cur not in (select id from main.incidents where "
	         "merged_into is "
	         "null)) + (select count(*) from fb where cur not in (select id from "
	         "b.incidents where merged_into is null))";
#undef FINAL
	return count_with(db_a, db_b, sql);
}

/* With a retention in db_b: the surviving incidents of db_a that db_b removed and
 * that were not quiet for `retention` before the newest incident (the removal
 * horizon is at or before that).  @return how many. */
static int64_t removed_not_quiet(const char *db_a, const char *db_b, vg_time retention)
{
	char sql[512];
	snprintf(sql, sizeof(sql),
	         "select count(*) from main.incidents where merged_into is null and id "
	         "not in (select id from b.incidents) and last_seen_us >= (select "
	         "max(last_seen_us) from main.incidents) - %lld",
	         (long long)retention);
	return count_with(db_a, db_b, sql);
}

/* The store's content as sorted text: surviving incidents (merged-away ones:
 * merges_disagree), alerts, entities, alert fields, record -> incident rows; with
 * `kept` (another store, whose retention removed incidents), only the rows about
 * incidents and alerts that store still holds. */
static char *dump(const char *db, const char *kept)
{
	/* each query: its head, the filter on `kept`, its order */
	static const char *const queries[][3] = {
	    {"select id || '|' || version || '|' || alert_count || '|' || title || '|' "
	     "|| first_seen || '|' || last_seen || '|' || network_novelty || '|' || "
	     "novel_pair || '|' || host_neighbours || '|' || host_prior_novelties from "
	     "incidents where merged_into is null",
	     "and id in (select id from k.incidents)", "order by id"},
	    {"select id || '|' || incident_id || '|' || rule_id || '|' || event_count || "
	     "'|' || first_seen from alerts where 1",
	     "and incident_id in (select id from k.incidents)", "order by id"},
	    {"select incident_id || '|' || type || '|' || value || '|' || alerts from "
	     "entities where 1",
	     "and incident_id in (select id from k.incidents)", "order by 1"},
	    {"select alert_id || '|' || name || '|' || value from alert_fields where 1",
	     "and alert_id in (select id from k.alerts)", "order by 1"},
	    {"select * from record_incidents where 1",
	     "and incident_id in (select id from k.incidents)", "order by 1, 2, 3, 4"},
	};
	sqlite3 *h;
	struct vg_buf b;
	char sql[512];
	vg_buf_init(&b);
	if (sqlite3_open(db, &h) != SQLITE_OK)
		abort();
	if (kept) {
		snprintf(sql, sizeof(sql), "attach '%s' as k", kept);
		if (sqlite3_exec(h, sql, NULL, NULL, NULL) != SQLITE_OK)
			abort();
	}
	for (size_t q = 0; q < sizeof(queries) / sizeof(queries[0]); q++) {
		sqlite3_stmt *st;
		snprintf(sql, sizeof(sql), "%s %s %s", queries[q][0],
		         kept ? queries[q][1] : "", queries[q][2]);
		if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {
			fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(h));
			abort();
		}
		while (sqlite3_step(st) == SQLITE_ROW) {
			for (int c = 0; c < sqlite3_column_count(st); c++) {
				const unsigned char *v = sqlite3_column_text(st, c);
				vg_buf_puts(&b, v ? (const char *)v : "NULL");
				vg_buf_putc(&b, '|');
			}
			vg_buf_putc(&b, '\n');
		}
		sqlite3_finalize(st);
		vg_buf_puts(&b, "--\n");
	}
	sqlite3_close(h);
	if (b.oom)
		abort();
	return b.data;
}

/* At exit (libFuzzer's -max_total_time, -runs): the stores and their folder go;
 * after a failure they stay for a look. */
static void remove_dir(void)
{
	fz_remove_store(g_db[0]);
	fz_remove_store(g_db[1]);
	unlink(g_rules);
	rmdir(g_dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct stream s;
	struct input in = {data, size};
	const char *db_a = g_db[0], *db_b = g_db[1];

	if (!g_dir[0]) { /* mkdtemp's template: a folder of this process's own */
		vg_log_set_level(VG_LOG_ERROR);
		snprintf(g_dir, sizeof(g_dir), "/dev/shm/vigil-fuzz-pipeline-XXXXXX");
		if (!mkdtemp(g_dir))
			abort();
		snprintf(g_db[0], sizeof(g_db[0]), "%s/a.db", g_dir);
		snprintf(g_db[1], sizeof(g_db[1]), "%s/b.db", g_dir);
		snprintf(g_rules, sizeof(g_rules), "%s/rules.yml", g_dir);
		atexit(remove_dir);
		write_rules();
	}
	fz_remove_store(db_a);
	fz_remove_store(db_b);

	memset(&s, 0, sizeof(s));
	uint8_t hdr = take(&in);
	s.npart = 1 + hdr % NPART_MAX;
	size_t batch_a = 1 + (hdr >> 2) % 16;
	vg_time clock[NPART_MAX], newest[NPART_MAX];
	for (int i = 0; i < NPART_MAX; i++)
		newest[i] = clock[i] = vg_time_from_civil(2026, 11, 20, 6, 0, 0, 0);
	while (in.n && s.n < MAX_RECORDS)
		op(&s, &in, clock, newest);

	/* A: generation order, batch_a records a batch, one at a time on one thread. */
	static struct run a, b;
	a = (struct run){.s = &s, .db = db_a, .engine = "workers: 1", .store = ""};
	start(&a);
	for (size_t i = 0; i < s.n;) {
		begin(&a);
		size_t end_i = i + batch_a < s.n ? i + batch_a : s.n;
		if (end_i == s.n)
			vg_pipeline_finish_input(a.p);
		for (; i < end_i; i++)
			process(&a, s.r[i].part);
		end(&a, true);
	}
	stop(&a);

	/* B: another interleaving, other batches, crashes. */
	uint64_t seed = UINT64_C(0x9e3779b97f4a7c15) ^ size;
	for (size_t i = 0; i < size; i++)
		seed = (seed ^ data[i]) * UINT64_C(0x100000001b3);
	seed |= 1;
	/* each batch at once on 1-3 threads, the value cache off, tiny or as shipped */
	static const char *const caches[] = {"0", "16", "4096"};
	b = (struct run){.s = &s, .db = db_b, .many = true};
	/* and half the time a retention: what it removes goes, the rest stays as is */
	b.store = rnd(&seed, 2) ? ", retention: 3h" : "";
	snprintf(b.engine, sizeof(b.engine), "workers: %d, value_cache: %s",
	         1 + (int)rnd(&seed, 3), caches[rnd(&seed, 3)]);
	int crashes = 0;
	start(&b);
	while (!all_read(&b)) {
		size_t batch = 1 + rnd(&seed, 24);
		begin(&b);
		/* the records this batch takes, partition by partition in runs */
		size_t left = batch;
		size_t total_left = 0;
		for (int i = 0; i < s.npart; i++)
			total_left += s.per_part[i] - b.next[i];
		if (left >= total_left) {
			left = total_left;
			vg_pipeline_finish_input(b.p);
		}
		while (left) {
			int part = (int)rnd(&seed, (uint64_t)s.npart);
			size_t run_len = 1 + rnd(&seed, 8);
			while (run_len-- && left && b.next[part] < s.per_part[part]) {
				process(&b, part);
				left--;
			}
		}
		end(&b, rnd(&seed, 3) != 0);
		if (!all_read(&b) && crashes < 3 && rnd(&seed, 4) == 0) {
			crashes++;
			stop(&b); /* a crash: nothing more of this run is told */
			start(&b);
		}
	}
	stop(&b);

	bool pruned = *b.store != '\0';
	if (getenv("FUZZ_PIPELINE_TRACE"))
		fprintf(
		    stderr, "B: %s, store {%s}, %d crashes, %lld incidents pruned\n",
		    b.engine, b.store, crashes,
		    (long long)count_with(db_b, NULL,
		                          "select coalesce((select value from metrics "
		                          "where name = 'incidents_pruned'), 0)"));
	char *da = dump(db_a, pruned ? db_b : NULL), *dbb = dump(db_b, NULL);
	if (strcmp(da, dbb) != 0) {
		fprintf(stderr, "stores differ after %d crashes:\n--- A\n%s\n--- B\n%s\n",
		        crashes, da, dbb);
		abort();
	}
	free(da);
	free(dbb);
	int64_t bad = merges_disagree(db_a, db_b);
	if (bad != 0) {
		fprintf(stderr, "%lld merged-away incidents lead elsewhere or nowhere\n",
		        (long long)bad);
		abort();
	}
	if (pruned && (bad = removed_not_quiet(db_a, db_b, 3 * 3600 * VG_USEC_PER_SEC))) {
		fprintf(stderr, "retention removed %lld incidents that were not quiet\n",
		        (long long)bad);
		abort();
	}
	for (size_t i = 0; i < s.n; i++)
		free(s.r[i].buf);
	return 0;
}
