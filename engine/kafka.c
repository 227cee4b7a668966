/*
 * kafka.c - Kafka I/O: the consumer loop that drives the pipeline, the producer
 * for outputs and dead letters, and the embedded broker (librdkafka's mock cluster).
 *
 * Delivery (ARCHITECTURE.md, "State, delivery and restarts"), per batch:
 *   poll -> process every record -> store transaction commits -> incident versions
 *   and dead letters produced and flushed, every delivery acknowledged -> versions
 *   marked published -> input offsets committed, never past an event an open
 *   correlation window holds.
 * A failure anywhere before the commit leaves the offsets where they were: the next
 * run re-reads the batch and, with deterministic ids and idempotent upserts, ends up
 * with exactly the same store.  Auto-commit and auto offset store are off; the
 * user's librdkafka map cannot turn auto-commit on, idempotence off nor acks below
 * all (g_guarded).
 * librdkafka errors are translated here, once (rd_kafka_err2str).
 */
#include "vg_engine.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t g_stop;

void vg_kafka_request_stop(void)
{
	g_stop = 1;
}

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

/* ------------------------------------------------------------ configuration */

/* librdkafka's log lines go through Vigil's logger.  One librdkafka map configures
 * both clients, so the notes about properties the other client uses are expected
 * and dropped. */
/* Set when the configuration asks librdkafka for debug contexts
 * (kafka.librdkafka.debug): their lines are then logged at info level, the level
 * `vigil run` prints, instead of being dropped as debug. */
static atomic_bool g_rdkafka_debug;

static void on_rdkafka_log(const rd_kafka_t *rk, int level, const char *fac,
                           const char *buf)
{
	(void)rk;
	if (!strcmp(fac, "CONFWARN") && strstr(buf, "will be ignored by this"))
		return;
	vg_log(level <= 3                                    ? VG_LOG_ERROR
	       : level <= 5                                  ? VG_LOG_WARN
	       : level >= 7 && atomic_load(&g_rdkafka_debug) ? VG_LOG_INFO
	                                                     : VG_LOG_DEBUG,
	       "kafka: %s: %s", fac, buf);
}

/* A setting of the engine's own: property and value. */
struct own_setting {
	const char *prop, *value;
};

/* What the user's librdkafka map may not change: each property with the value
 * Vigil's delivery needs (ARCHITECTURE.md, "State, delivery and restarts") and why.
 * Only what breaks it: enable.auto.offset.store only feeds automatic commits and
 * commits without offsets (Vigil's name theirs), isolation.level and
 * auto.offset.reset choose which records are read, not when they count as done, and
 * enable.partition.eof only serves --stop-at-end.  Settings librdkafka itself finds
 * incompatible with idempotence (retries 0, max.in.flight over 5) fail the
 * producer's creation. */
static const struct {
	const char *prop, *value, *why;
} g_guarded[] = {
    {"enable.auto.commit", "false",
     "Vigil commits an input offset itself, once everything derived from the records "
     "before it is stored and delivered; automatic commits run ahead of that, and a "
     "crash then loses those records"},
    {"enable.idempotence", "true",
     "without it a retried incident version can be written twice, or after a later "
     "version of its incident"},
    {"acks", "all",
     "an incident version counts as delivered only once every in-sync replica holds "
     "it"},
};
#define NGUARDED (sizeof(g_guarded) / sizeof(g_guarded[0]))

/* A conf holding only the guarded values; NULL when out of memory. */
static rd_kafka_conf_t *guarded_conf(void)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char errstr[256];
	for (size_t g = 0; conf && g < NGUARDED; g++)
		rd_kafka_conf_set(conf, g_guarded[g].prop, g_guarded[g].value, errstr,
		                  sizeof(errstr));
	return conf;
}

/* Refuse each entry of the user's map that changes a guarded property, at its
 * position.  Each entry is applied alone over the guarded values and the result read
 * back, so aliases (request.required.acks), spellings ("1", "t", -1 for all) and
 * librdkafka's own parsing decide, not a list of names kept here.  An entry
 * librdkafka refuses is make_conf's to report.  Costs a conf per entry, at start-up. */
static bool guarantees_kept(const struct vg_kv_list *user, struct vg_diag *diag,
                            const char *file)
{
	char want[NGUARDED][64], got[64], errstr[512];
	bool ok = true;
	if (!user || !user->count)
		return true;
	rd_kafka_conf_t *base = guarded_conf();
	if (!base)
		return false;
	for (size_t g = 0; g < NGUARDED; g++) {
		size_t n = sizeof(want[g]);
		if (rd_kafka_conf_get(base, g_guarded[g].prop, want[g], &n) !=
		    RD_KAFKA_CONF_OK)
			want[g][0] = '\0';
	}
	rd_kafka_conf_destroy(base);
	for (size_t i = 0; i < user->count; i++) {
		const struct vg_kv *kv = &user->items[i];
		rd_kafka_conf_t *conf = guarded_conf();
		if (!conf)
			return false;
		if (rd_kafka_conf_set(conf, kv->name, kv->value, errstr,
		                      sizeof(errstr)) == RD_KAFKA_CONF_OK)
			for (size_t g = 0; g < NGUARDED; g++) {
				size_t n = sizeof(got);
				if (rd_kafka_conf_get(conf, g_guarded[g].prop, got, &n) ==
				        RD_KAFKA_CONF_OK &&
				    strcmp(got, want[g]) != 0) {
					vg_diag_error(
					    diag, file, user->lines ? user->lines[i] : 0,
					    user->cols ? user->cols[i] : 0,
					    "kafka.librdkafka.%s: '%s' is refused: %s "
					    "(Vigil sets %s to %s)",
					    kv->name, kv->value, g_guarded[g].why,
					    g_guarded[g].prop, g_guarded[g].value);
					ok = false;
				}
			}
		rd_kafka_conf_destroy(conf);
	}
	return ok;
}

/* The cooperative protocol under a librdkafka before 2.1.0 is refused, at the
 * user's entry: its batch consumer (rd_kafka_consume_batch_queue, which Vigil uses)
 * could skip offsets when a partition was paused and resumed, which a cooperative
 * rebalance does to the partitions a member keeps (librdkafka 2.1.0's changelog,
 * pull request 4208), and Vigil would commit past records it never read. */
static bool protocol_safe(const struct vg_kv_list *user, struct vg_diag *diag,
                          const char *file)
{
	bool ok = true;
	for (size_t i = 0; user && i < user->count; i++)
		if (!strcmp(user->items[i].name, "partition.assignment.strategy") &&
		    strstr(user->items[i].value, "cooperative") &&
		    rd_kafka_version() < 0x020100ff) {
			vg_diag_error(
			    diag, file, user->lines ? user->lines[i] : 0,
			    user->cols ? user->cols[i] : 0,
			    "kafka.librdkafka.partition.assignment.strategy: '%s' "
			    "is refused with librdkafka %s: before 2.1.0 its batch "
			    "consumer can skip records of a partition a cooperative "
			    "rebalance pauses and resumes, and Vigil would commit "
			    "past them (the default, eager protocol is safe)",
			    user->items[i].value, rd_kafka_version_str());
			ok = false;
		}
	return ok;
}

/* Build a conf: our settings first (nours of them), then the user's librdkafka map
 * on top, so TLS/SASL and tuning work the way every Kafka client configures them. */
static rd_kafka_conf_t *make_conf(const char *brokers, const struct vg_kv_list *user,
                                  const struct own_setting *ours, size_t nours,
                                  struct vg_diag *diag, const char *file)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char errstr[512];
	bool ok = true;

	rd_kafka_conf_set_log_cb(conf, on_rdkafka_log);

	if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, errstr,
	                      sizeof(errstr)) != RD_KAFKA_CONF_OK) {
		vg_diag_error(diag, file, 0, 0, "kafka.brokers: %s", errstr);
		ok = false;
	}
	for (size_t i = 0; i < nours; i++)
		if (rd_kafka_conf_set(conf, ours[i].prop, ours[i].value, errstr,
		                      sizeof(errstr)) != RD_KAFKA_CONF_OK) {
			vg_diag_error(diag, file, 0, 0, "internal setting %s: %s",
			              ours[i].prop, errstr);
			ok = false;
		}
	for (size_t i = 0; user && i < user->count; i++)
		if (!strcmp(user->items[i].name, "debug"))
			atomic_store(&g_rdkafka_debug, true);
	for (size_t i = 0; user && i < user->count; i++)
		if (rd_kafka_conf_set(conf, user->items[i].name, user->items[i].value,
		                      errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
			vg_diag_error(diag, file, user->lines ? user->lines[i] : 0,
			              user->cols ? user->cols[i] : 0,
			              "kafka.librdkafka.%s: %s", user->items[i].name,
			              errstr);
			ok = false;
		}
	if (!guarantees_kept(user, diag, file))
		ok = false;
	if (!protocol_safe(user, diag, file))
		ok = false;
	if (!ok) {
		rd_kafka_conf_destroy(conf);
		return NULL;
	}
	return conf;
}

/* librdkafka's message.max.bytes in conf (the user's map applied): the largest
 * record the producer takes, key and headers included. */
static int64_t message_max(rd_kafka_conf_t *conf)
{
	char limit[32];
	size_t limit_len = sizeof(limit);
	return rd_kafka_conf_get(conf, "message.max.bytes", limit, &limit_len) ==
	               RD_KAFKA_CONF_OK
	           ? strtoll(limit, NULL, 10)
	           : 1000000; /* librdkafka's default */
}

/* Does conf (the user's map applied) let the producer send cfg's largest incident
 * document, kafka.max_message_bytes, with room for the key and the record's
 * framing under librdkafka's message.max.bytes?  Else an error at the user's
 * message.max.bytes, or at kafka.max_message_bytes when the map does not set it.
 * Shared by `vigil check` and the producer, so check refuses what run would. */
static bool doc_size_ok(rd_kafka_conf_t *conf, const struct vg_config *cfg,
                        struct vg_diag *diag)
{
	const struct vg_kv_list *user = &cfg->kafka.librdkafka;
	int64_t max_doc = cfg->kafka.max_message_bytes, limit = message_max(conf);
	if (max_doc <= 0 || max_doc + 1024 <= limit)
		return true;
	int line = 0, col = 0;
	for (size_t i = 0; i < user->count; i++)
		if (!strcmp(user->items[i].name, "message.max.bytes") && user->lines &&
		    user->cols) {
			line = user->lines[i];
			col = user->cols[i];
		}
	if (!line)
		vg_config_where(cfg, "kafka", "max_message_bytes", &line, &col);
	vg_diag_error(diag, cfg->file, line, col,
	              "kafka.max_message_bytes (%lld) must be at least 1024 below "
	              "librdkafka's message.max.bytes (%lld): the producer would "
	              "refuse the largest incident documents",
	              (long long)max_doc, (long long)limit);
	return false;
}

vg_err vg_kafka_check_config(const struct vg_config *cfg, struct vg_diag *diag)
{
	const char *brokers = strcmp(cfg->kafka.brokers, "embedded") ? cfg->kafka.brokers
	                                                             : "127.0.0.1:9092";
	rd_kafka_conf_t *conf =
	    make_conf(brokers, &cfg->kafka.librdkafka, NULL, 0, diag, cfg->file);
	if (!conf)
		return VG_ERR_CONFIG;
	bool ok = doc_size_ok(conf, cfg, diag);
	rd_kafka_conf_destroy(conf);
	return ok ? VG_OK : VG_ERR_CONFIG;
}

/* ----------------------------------------------------------------- producer */

struct producer {
	rd_kafka_t *rk;
	uint64_t failed; /* deliveries that failed since the last flush check */
	size_t max_msg;  /* librdkafka's message.max.bytes */
	char last_error[256];
};

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct producer *pr = opaque;
	(void)rk;
	if (m->err) {
		pr->failed++;
		snprintf(pr->last_error, sizeof(pr->last_error), "%s [%d]: %s",
		         rd_kafka_topic_name(m->rkt), m->partition,
		         rd_kafka_err2str(m->err));
	}
}

/* cfg: the engine's configuration, whose incident documents must fit (doc_size_ok)
 * and whose positions errors point at; NULL for records of the caller's own
 * (user: their librdkafka map, file: the name errors give). */
static vg_err producer_open(struct producer *pr, const char *brokers,
                            const struct vg_kv_list *user, const struct vg_config *cfg,
                            struct vg_diag *diag, const char *file)
{
	static const struct own_setting ours[] = {{"enable.idempotence", "true"},
	                                          {"acks", "all"},
	                                          {"linger.ms", "5"},
	                                          {"message.timeout.ms", "60000"}};
	char errstr[512];
	memset(pr, 0, sizeof(*pr));
	rd_kafka_conf_t *conf =
	    make_conf(brokers, user, ours, sizeof(ours) / sizeof(ours[0]), diag, file);
	if (!conf)
		return VG_ERR_CONFIG;
	if (cfg && !doc_size_ok(conf, cfg, diag)) {
		rd_kafka_conf_destroy(conf);
		return VG_ERR_CONFIG;
	}
	pr->max_msg = (size_t)message_max(conf);
	rd_kafka_conf_set_opaque(conf, pr);
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	pr->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	if (!pr->rk) {
		vg_diag_error(diag, file, 0, 0, "creating the Kafka producer: %s",
		              errstr);
		rd_kafka_conf_destroy(conf);
		return VG_ERR_KAFKA;
	}
	return VG_OK;
}

static void producer_close(struct producer *pr)
{
	if (!pr->rk)
		return;
	rd_kafka_flush(pr->rk, 10000);
	rd_kafka_destroy(pr->rk);
	pr->rk = NULL;
}

static vg_err produce_one(struct producer *pr, const char *topic, const char *key,
                          size_t keylen, const void *value, size_t len, vg_time ts,
                          const char *reason, const char *cut_from)
{
	/* The array form (rather than rd_kafka_producev's varargs) lets the optional
	 * headers be added without a second call. */
	rd_kafka_vu_t vu[8];
	size_t n = 0;
	vu[n].vtype = RD_KAFKA_VTYPE_TOPIC;
	vu[n++].u.cstr = topic;
	vu[n].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
	vu[n++].u.i = RD_KAFKA_MSG_F_COPY;
	vu[n].vtype = RD_KAFKA_VTYPE_KEY;
	vu[n].u.mem.ptr = (void *)key;
	vu[n++].u.mem.size = key ? keylen : 0;
	vu[n].vtype = RD_KAFKA_VTYPE_VALUE;
	vu[n].u.mem.ptr = (void *)value;
	vu[n++].u.mem.size = len;
	vu[n].vtype = RD_KAFKA_VTYPE_TIMESTAMP;
	vu[n++].u.i64 = ts == VG_TIME_NONE ? 0 : ts / 1000;
	if (reason) {
		vu[n].vtype = RD_KAFKA_VTYPE_HEADER;
		vu[n].u.header.name = "vigil.reason";
		vu[n].u.header.val = reason;
		vu[n++].u.header.size = (ssize_t)strlen(reason);
	}
	if (cut_from) {
		vu[n].vtype = RD_KAFKA_VTYPE_HEADER;
		vu[n].u.header.name = "vigil.original-length";
		vu[n].u.header.val = cut_from;
		vu[n++].u.header.size = (ssize_t)strlen(cut_from);
	}
	for (;;) {
		rd_kafka_error_t *error = rd_kafka_produceva(pr->rk, vu, n);
		if (!error)
			return VG_OK;
		rd_kafka_resp_err_t err = rd_kafka_error_code(error);
		if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
			snprintf(pr->last_error, sizeof(pr->last_error), "%s: %s", topic,
			         rd_kafka_error_string(error));
			rd_kafka_error_destroy(error);
			return VG_ERR_KAFKA;
		}
		rd_kafka_error_destroy(error);
		rd_kafka_poll(pr->rk, 100); /* make room: serve delivery reports */
	}
}

/* Wait until everything produced is acknowledged. */
static vg_err producer_flush(struct producer *pr)
{
	rd_kafka_resp_err_t err = rd_kafka_flush(pr->rk, 60000);
	if (err) {
		snprintf(pr->last_error, sizeof(pr->last_error), "flush: %s",
		         rd_kafka_err2str(err));
		return VG_ERR_KAFKA;
	}
	if (pr->failed) {
		pr->failed = 0;
		return VG_ERR_KAFKA;
	}
	return VG_OK;
}

vg_err vg_kafka_produce(const char *brokers, const struct vg_kv_list *rdconf,
                        const char *topic, const struct vg_kafka_record *recs, size_t n,
                        char *errstr, size_t errstr_size)
{
	struct producer pr;
	struct vg_diag diag;
	vg_err err;

	vg_diag_init(&diag);
	if ((err = producer_open(&pr, brokers, rdconf, NULL, &diag, "kafka"))) {
		snprintf(errstr, errstr_size, "%s",
		         diag.count ? diag.msgs[0] : vg_err_str(err));
		vg_diag_clear(&diag);
		return err;
	}
	for (size_t i = 0; i < n && !err; i++) {
		err = produce_one(&pr, topic, recs[i].key,
		                  recs[i].key ? strlen(recs[i].key) : 0, recs[i].value,
		                  recs[i].len, recs[i].ts, NULL, NULL);
		rd_kafka_poll(pr.rk, 0);
	}
	if (!err)
		err = producer_flush(&pr);
	if (err)
		snprintf(errstr, errstr_size, "producing to %s: %s", topic,
		         pr.last_error);
	producer_close(&pr);
	return err;
}

/* ------------------------------------------------------------- the run loop */

struct part_state {
	char *topic;
	int32_t partition;
	int64_t max_offset; /* largest offset processed so far, -1 none */
	int64_t committed;  /* next offset last committed, -1 none */
	bool at_end;        /* the last fetch reached the end of the partition */
	bool assigned;      /* in the group's current assignment (sync_assignment) */
	bool was_assigned;  /* ... in the one before (sync_assignment) */
	bool fed;           /* has records in the batch being processed */
	/* wall clock of the last record that gave an event time, or of the
	 * assignment: idle past correlation.idle_partition_timeout (advance_idle) */
	vg_time last_data;
	uint64_t timed; /* vg_pipeline_timed_events when last looked at */
};

struct runner {
	const struct vg_config *cfg;
	const struct vg_run_opts *opts;
	rd_kafka_t *consumer;
	rd_kafka_queue_t *queue;
	struct producer prod;
	struct vg_pipeline *pipe;
	struct part_state *parts;
	size_t nparts, parts_cap;
	struct vg_record *recs; /* a batch's records (kafka.batch_size) */
	uint64_t records;
	uint64_t redelivered;      /* records skipped: processed before a rebalance */
	uint64_t batches;          /* batches that had records */
	uint64_t dead_letters_cut; /* longer than the producer takes (on_dead_letter) */
	uint64_t commits_refused;  /* commits the group refused (commit_offsets) */
	bool in_batch;             /* the caller already began the batch */
	vg_err dl_err;
	struct vg_ratelimit dl_log;
	struct vg_ratelimit commit_log; /* commits refused (commit_offsets) */
	/* progress lines (kafka.stats_interval): when the last was written, and
	 * the counters then */
	vg_time progress_at;
	struct vg_pipeline_stats progress;
	vg_time idle_at; /* wall clock of the last idle check (advance_idle) */
};

/* topic/partition's state; NULL when it was never assigned nor delivered. */
static struct part_state *part_find(const struct runner *r, const char *topic,
                                    int32_t partition)
{
	for (size_t i = 0; i < r->nparts; i++)
		if (r->parts[i].partition == partition &&
		    !strcmp(r->parts[i].topic, topic))
			return &r->parts[i];
	return NULL;
}

static struct part_state *part_get(struct runner *r, const char *topic, int32_t partition)
{
	struct part_state *found = part_find(r, topic, partition);
	if (found)
		return found;
	if (r->nparts == r->parts_cap) {
		size_t ncap = r->parts_cap ? r->parts_cap * 2 : 16;
		struct part_state *np = realloc(r->parts, ncap * sizeof(*np));
		if (!np)
			return NULL;
		r->parts = np;
		r->parts_cap = ncap;
	}
	struct part_state *ps = &r->parts[r->nparts];
	if (!(ps->topic = strdup(topic)))
		return NULL;
	ps->partition = partition;
	ps->max_offset = -1;
	ps->committed = -1;
	ps->at_end = false;
	ps->assigned = false;
	ps->was_assigned = false;
	ps->fed = false;
	ps->last_data = vg_time_now();
	ps->timed = 0;
	r->nparts++;
	return ps;
}

/* Records on the assigned partitions not processed yet: each partition's high
 * watermark as the last fetch saw it (librdkafka's cache, no broker round trip)
 * less the next offset to process.  @return -1 when no partition has both. */
static int64_t consumer_lag(struct runner *r)
{
	int64_t lag = -1;
	for (size_t i = 0; i < r->nparts; i++) {
		const struct part_state *ps = &r->parts[i];
		int64_t low, high;
		if (ps->max_offset < 0 ||
		    rd_kafka_get_watermark_offsets(r->consumer, ps->topic, ps->partition,
		                                   &low,
		                                   &high) != RD_KAFKA_RESP_ERR_NO_ERROR ||
		    high < 0)
			continue;
		lag = (lag < 0 ? 0 : lag) +
		      (high > ps->max_offset ? high - ps->max_offset - 1 : 0);
	}
	return lag;
}

/* With the progress line: alerts are assembled in event-time order, so one
 * partition whose newest event is far behind the others' (its source's clock is
 * behind, or it carries only old records) holds every alert back, and offset
 * commits with them.  Silent, that would look like a quiet network: say which
 * partition, once it is more than an incident gap behind.  So does one that has
 * given no event time yet, until it has been idle for the timeout (with a long
 * correlation.idle_partition_timeout, a long wait): said once it has given none
 * for a whole progress interval, so that a partition just assigned is not. */
static void log_hold(const struct runner *r, const struct vg_pipeline_hold *h,
                     vg_time now)
{
	if ((!h->alerts && !h->hits) || !h->topic)
		return;
	if (h->low == VG_TIME_NONE) {
		const struct part_state *ps = part_find(r, h->topic, h->partition);
		if (!ps || now - ps->last_data < r->cfg->kafka.stats_interval)
			return;
		vg_log(
		    VG_LOG_WARN,
		    "correlation: %zu alerts and %zu rule hits wait for %s[%d], which "
		    "has given no event time for %.0f s (it delivered nothing, or only "
		    "records without one, such as dead letters): alerts are assembled "
		    "and hits counted in event-time order, so it holds them (and "
		    "offset commits) back until it has given none for "
		    "correlation.idle_partition_timeout (%.0f s), when its watermark "
		    "follows the clock",
		    h->alerts, h->hits, h->topic, h->partition,
		    (double)(now - ps->last_data) / (double)VG_USEC_PER_SEC,
		    (double)r->cfg->correlation.idle_partition_timeout /
		        (double)VG_USEC_PER_SEC);
		return;
	}
	if (h->newest == VG_TIME_NONE ||
	    h->newest - h->low <= r->cfg->correlation.incident_gap)
		return;
	char low[32], newest[32];
	vg_time_format(h->low, low);
	vg_time_format(h->newest, newest);
	vg_log(VG_LOG_WARN,
	       "correlation: %zu alerts and %zu rule hits wait for %s[%d], whose newest "
	       "event time %s is %.1f h behind the newest partition's (%s): alerts are "
	       "assembled and hits counted in event-time order, so a partition whose "
	       "source's clock is behind, or which carries only old records, holds them "
	       "(and offset commits) back until it catches up",
	       h->alerts, h->hits, h->topic, h->partition, low,
	       (double)(h->newest - h->low) / (3600.0 * VG_USEC_PER_SEC), newest);
}

/* One progress line every kafka.stats_interval of wall time: what the last
 * interval did (and its rate), and how far the consumer is behind. */
static void log_progress(struct runner *r, vg_time now)
{
	struct vg_pipeline_stats st;
	const struct vg_pipeline_stats *o = &r->progress;
	double secs = (double)(now - r->progress_at) / (double)VG_USEC_PER_SEC;
	vg_pipeline_stats(r->pipe, &st);
	struct vg_pipeline_hold held;
	vg_pipeline_hold(r->pipe, &held);
	char losses[256];
	vg_pipeline_losses_text(&st, o, losses, sizeof(losses));
	int64_t lag = consumer_lag(r);
	char lagbuf[32] = "unknown";
	if (lag >= 0)
		snprintf(lagbuf, sizeof(lagbuf), "%lld records", (long long)lag);
	vg_log(VG_LOG_INFO,
	       "progress: %llu records in %.0f s (%.0f/s), %llu dead letters, %llu rule "
	       "hits, %llu alerts, %llu incident versions, %s; value cache "
	       "%.1f%% hits of %llu lookups; consumer lag %s; %zu alerts and %zu "
	       "rule hits held for event-time order",
	       (unsigned long long)(st.records - o->records), secs,
	       secs > 0 ? (double)(st.records - o->records) / secs : 0.0,
	       (unsigned long long)(st.dead_letters - o->dead_letters),
	       (unsigned long long)(st.hits - o->hits),
	       (unsigned long long)(st.alerts - o->alerts),
	       (unsigned long long)(st.incidents_changed - o->incidents_changed), losses,
	       vg_pct(st.value_cache_hits - o->value_cache_hits,
	              st.value_cache_lookups - o->value_cache_lookups),
	       (unsigned long long)(st.value_cache_lookups - o->value_cache_lookups),
	       lagbuf, held.alerts, held.hits);
	r->progress = st;
	r->progress_at = now;
	log_hold(r, &held, now);
}

static enum vg_format format_of(const struct vg_config *cfg, const char *topic)
{
	for (size_t i = 0; i < cfg->kafka.ninputs; i++)
		if (!strcmp(cfg->kafka.inputs[i].topic, topic))
			return cfg->kafka.inputs[i].format;
	return VG_FMT_AUTO;
}

/* Dead letters: the original bytes, the reason in a header and a JSON envelope
 * would lose the bytes' exactness, so the value is the record as received -- its
 * first bytes when it is longer than the producer takes (message.max.bytes, less
 * the key, the headers and 1 KiB of framing, as for incident documents), with its
 * length in a header vigil.original-length: the input topic may carry records the
 * dead-letter topic cannot, and such a record failed the batch at every start, so
 * its partition never got past it. */
static void on_dead_letter(const char *reason, const char *buf, size_t len,
                           const struct vg_source *src, void *ctx)
{
	struct runner *r = ctx;
	char key[300], from[24];
	int n = snprintf(key, sizeof(key), "%s/%d/%lld", src->topic ? src->topic : "-",
	                 src->partition, (long long)src->offset);
	size_t keylen = n > 0 ? (size_t)n : 0;
	if (r->dl_err)
		return;
	size_t overhead = keylen + strlen(reason) + sizeof(from) + 1024;
	size_t room = r->prod.max_msg > overhead ? r->prod.max_msg - overhead : 0;
	bool cut = len > room;
	if (cut) {
		snprintf(from, sizeof(from), "%zu", len);
		r->dead_letters_cut++;
		vg_log_limited(&r->dl_log, VG_LOG_WARN,
		               "dead letter of %s[%d]@%lld: %zu bytes, cut to %zu "
		               "(message.max.bytes %zu)",
		               src->topic ? src->topic : "-", src->partition,
		               (long long)src->offset, len, room, r->prod.max_msg);
	}
	r->dl_err =
	    produce_one(&r->prod, r->cfg->kafka.dead_letter_topic, key, keylen, buf,
	                cut ? room : len, VG_TIME_NONE, reason, cut ? from : NULL);
}

static vg_err publish(struct runner *r, struct vg_output *outs, size_t n)
{
	vg_err err = VG_OK;
	for (size_t i = 0; i < n && !err; i++) {
		err =
		    produce_one(&r->prod, r->cfg->kafka.output_topic, outs[i].incident_id,
		                strlen(outs[i].incident_id), outs[i].json.data,
		                outs[i].json.len, VG_TIME_NONE, NULL, NULL);
		rd_kafka_poll(r->prod.rk, 0);
	}
	if (!err)
		err = producer_flush(&r->prod);
	if (err) {
		vg_log(VG_LOG_ERROR, "publishing incidents: %s", r->prod.last_error);
		return err;
	}
	return vg_pipeline_ack(r->pipe, outs, n);
}

/* A commit the group refused because it moved on: a rebalance under way (the
 * cooperative protocol's included), this member's generation or membership gone
 * (a session timeout, max.poll.interval.ms exceeded: it joins again at the next
 * poll), or its coordinator moving.  Ordinary in a consumer group, and no reason
 * to stop: every member stopping on it, one member's restart would stop the
 * others in turn. */
static bool group_moved_on(rd_kafka_resp_err_t e)
{
	switch (e) {
	case RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID:
	case RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION:
	case RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS:
	case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
	case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
	case RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
	case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
	case RD_KAFKA_RESP_ERR__WAIT_COORD:
	case RD_KAFKA_RESP_ERR__ASSIGNMENT_LOST:
	case RD_KAFKA_RESP_ERR__STATE:
	case RD_KAFKA_RESP_ERR__TIMED_OUT:
	case RD_KAFKA_RESP_ERR__TRANSPORT: return true;
	default: return false;
	}
}

static vg_err commit_offsets(struct runner *r)
{
	rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(8);
	rd_kafka_resp_err_t kerr = RD_KAFKA_RESP_ERR_NO_ERROR;

	/* Every partition whose committable offset moved: also those without records
	 * in this batch, whose offsets a released alert or closed window freed.  Only
	 * partitions assigned now: the broker takes a commit for any partition from
	 * a member of the current generation, and one a rebalance gave to another
	 * member is that member's to commit -- ours, from windows closing here
	 * later, would move its offset past records it has not processed yet. */
	for (size_t i = 0; i < r->nparts; i++) {
		struct part_state *ps = &r->parts[i];
		if (ps->max_offset < 0 || !ps->assigned)
			continue;
		int64_t next = vg_pipeline_committable(r->pipe, ps->topic, ps->partition,
		                                       ps->max_offset);
		if (next > ps->committed)
			rd_kafka_topic_partition_list_add(list, ps->topic, ps->partition)
			    ->offset = next;
	}
	if (list->cnt)
		kerr = rd_kafka_commit(r->consumer, list, 0);
	if (!kerr)
		for (int i = 0; i < list->cnt; i++) {
			const rd_kafka_topic_partition_t *e = &list->elems[i];
			part_get(r, e->topic, e->partition)->committed = e->offset;
			vg_pipeline_committed(r->pipe, e->topic, e->partition, e->offset);
		}
	rd_kafka_topic_partition_list_destroy(list);
	if (!kerr || kerr == RD_KAFKA_RESP_ERR__NO_OFFSET)
		return VG_OK;
	if (group_moved_on(kerr)) {
		/* the offsets stay where they were (nothing is lost) and the next
		 * batch commits them, once the group has settled */
		r->commits_refused++;
		vg_log_limited(&r->commit_log, VG_LOG_WARN,
		               "committing offsets: %s: kept for the next batch",
		               rd_kafka_err2str(kerr));
		return VG_OK;
	}
	vg_log(VG_LOG_ERROR, "committing offsets: %s", rd_kafka_err2str(kerr));
	return VG_ERR_KAFKA;
}

/*
 * Fault injection for the fault tests, at STAGE of the N-th batch that had
 * records: VIGIL_CRASH_POINT=STAGE:N kills the process (SIGKILL, no clean-up, like
 * kill -9); VIGIL_STALL_POINT=STAGE:N:SECONDS stops it there that long (a store
 * commit waiting on a slow disk: past max.poll.interval.ms the group takes its
 * partitions meanwhile).  STAGE is after-store (store committed, nothing
 * published), after-publish (published, offsets not committed) or after-commit.
 * Unset: no effect.
 */
/* Does spec ("STAGE:N...", or NULL) name stage and batch?  *rest: past N. */
static bool point_at(const char *spec, const char *stage, uint64_t batch,
                     const char **rest)
{
	size_t n = strlen(stage);
	char *end;
	if (!spec || strncmp(spec, stage, n) || spec[n] != ':' ||
	    strtoull(spec + n + 1, &end, 10) != batch)
		return false;
	*rest = end;
	return true;
}

static void fault_point(const char *stage, uint64_t batch)
{
	static const char *crash, *stall;
	static bool read;
	if (!read) {
		crash = getenv("VIGIL_CRASH_POINT");
		stall = getenv("VIGIL_STALL_POINT");
		read = true;
	}
	const char *rest;
	if (point_at(crash, stage, batch, &rest)) {
		fprintf(stderr, "vigil: crash point %s reached at batch %llu\n", crash,
		        (unsigned long long)batch);
		raise(SIGKILL);
	}
	if (point_at(stall, stage, batch, &rest) && *rest == ':') {
		unsigned secs = (unsigned)strtoul(rest + 1, NULL, 10);
		fprintf(stderr, "vigil: stall point %s reached at batch %llu\n", stall,
		        (unsigned long long)batch);
		while ((secs = sleep(secs)) > 0 && !g_stop)
			;
	}
}

/* Partitions given (back) to this member: their offsets as the group committed
 * them, below which this member never commits.  Another member may have held one
 * meanwhile and committed further; this member's own last commit, behind that,
 * would move the group's offset back and have those records processed again after
 * the next restart or rebalance.  Unknown (the coordinator did not answer in
 * time), the member's own last commit stays the floor. */
static void group_committed(struct runner *r, rd_kafka_topic_partition_list_t *given)
{
	if (!given->cnt)
		return;
	rd_kafka_resp_err_t kerr = rd_kafka_committed(r->consumer, given, 10000);
	if (kerr) {
		vg_log(VG_LOG_WARN, "reading the group's committed offsets: %s",
		       rd_kafka_err2str(kerr));
		return;
	}
	for (int i = 0; i < given->cnt; i++) {
		const rd_kafka_topic_partition_t *e = &given->elems[i];
		struct part_state *ps = part_get(r, e->topic, e->partition);
		if (ps && !e->err && e->offset > ps->committed)
			ps->committed = e->offset;
	}
}

/* Tell the pipeline which partitions the group gave us (it may change with every
 * rebalance; cheap enough to ask once per poll). */
static vg_err sync_assignment(struct runner *r)
{
	rd_kafka_topic_partition_list_t *list = NULL;
	if (rd_kafka_assignment(r->consumer, &list) || !list)
		return VG_OK; /* keep the last known assignment */
	const char **topics = calloc((size_t)list->cnt + 1, sizeof(char *));
	int32_t *parts = calloc((size_t)list->cnt + 1, sizeof(int32_t));
	rd_kafka_topic_partition_list_t *given = rd_kafka_topic_partition_list_new(4);
	vg_err err = VG_ERR_NOMEM;
	if (topics && parts && given) {
		for (size_t i = 0; i < r->nparts; i++) {
			r->parts[i].was_assigned = r->parts[i].assigned;
			r->parts[i].assigned = false;
		}
		for (int i = 0; i < list->cnt; i++) {
			topics[i] = list->elems[i].topic;
			parts[i] = list->elems[i].partition;
			/* Known to the idle logic before it delivers anything: an
			 * assigned partition that stays silent must not hold alerts
			 * forever. */
			struct part_state *ps = part_get(r, topics[i], parts[i]);
			if (!ps)
				goto out;
			if (!ps->was_assigned) {
				/* given (back) to us: idle only from now on, and only
				 * once the end it has now is reached (advance_idle) */
				ps->at_end = false;
				ps->last_data = vg_time_now();
				rd_kafka_topic_partition_list_add(given, topics[i],
				                                  parts[i]);
			}
			ps->assigned = true;
		}
		group_committed(r, given);
		err =
		    vg_pipeline_set_assignment(r->pipe, topics, parts, (size_t)list->cnt);
	}
out:
	free(topics);
	free(parts);
	if (given)
		rd_kafka_topic_partition_list_destroy(given);
	rd_kafka_topic_partition_list_destroy(list);
	return err;
}

/* Are records of ps known to be waiting for us?  Its high watermark as the last
 * fetch saw it (librdkafka's cache, no broker round trip) past the last record
 * processed; for one that has delivered nothing yet, a log not empty whose end
 * was not reached (at_end: enable.partition.eof says so even at the start).
 * false when not assigned, or never fetched: nothing is known. */
static bool records_waiting(const struct runner *r, const struct part_state *ps)
{
	int64_t low, high;
	if (!ps->assigned ||
	    rd_kafka_get_watermark_offsets(r->consumer, ps->topic, ps->partition, &low,
	                                   &high) != RD_KAFKA_RESP_ERR_NO_ERROR ||
	    high < 0)
		return false;
	return ps->max_offset >= 0 ? high > ps->max_offset + 1
	                           : !ps->at_end && high > low;
}

/*
 * Idle partitions (ARCHITECTURE.md, "State, delivery and restarts"): one that has
 * given no event time for correlation.idle_partition_timeout -- it delivered
 * nothing, or only records without one, such as dead letters (run_batch) --
 * follows the wall clock, so it cannot hold alerts, and the offset commits behind
 * them, forever.  Checked in every batch, busy or not: checked only when a poll
 * came back empty, a backlog on one partition kept a silent one from following
 * the clock until the backlog was read.  At most once per kafka.poll_timeout_ms
 * (as often as empty polls come when every partition is quiet), so a busy loop
 * pays one clock read a batch.  But not while records of it are known to be
 * waiting (records_waiting): with a backlog, they can sit in the consumer's
 * queue behind another partition's for longer than the timeout, and advanced to
 * the clock then, they would all be late.  Partitions a rebalance took away are
 * advanced too: the correlator's watermark (vg_correlator_advance) is the lowest
 * of every partition it was fed, and one left behind would keep its windows from
 * closing; their pending auditd groups stay (vg_pipeline_advance).  Call inside
 * a batch.
 */
static void advance_idle(struct runner *r, vg_time now)
{
	if (now - r->idle_at < r->cfg->kafka.poll_timeout_ms * 1000)
		return;
	r->idle_at = now;
	for (size_t i = 0; i < r->nparts; i++) {
		const struct part_state *ps = &r->parts[i];
		if (now - ps->last_data > r->cfg->correlation.idle_partition_timeout &&
		    !records_waiting(r, ps))
			vg_pipeline_advance(r->pipe, ps->topic, ps->partition, now);
	}
}

/* One batch: messages already polled. */
static vg_err run_batch(struct runner *r, rd_kafka_message_t **msgs, size_t n)
{
	struct vg_output *outs;
	size_t nouts, redelivered = 0, nrecs = 0;
	const rd_kafka_message_t *again = NULL; /* the first redelivered record */
	bool again_others = false;              /* ... and some of another partition */
	vg_err err;

	if (!r->in_batch && (err = vg_pipeline_begin(r->pipe)))
		return err;
	r->in_batch = false;
	r->dl_err = VG_OK;
	for (size_t i = 0; i < n && !err; i++) {
		rd_kafka_message_t *m = msgs[i];
		if ((m->err && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) || !m->rkt) {
			/* an error, not a record; some name no topic (rkt NULL:
			 * max.poll.interval.ms exceeded, a failed fetch of the committed
			 * offsets, a group join refused): the group gives the partitions
			 * back, and what this process has processed is skipped then */
			vg_log_limited(&r->dl_log, VG_LOG_WARN, "consumer: %s",
			               rd_kafka_message_errstr(m));
			continue;
		}
		const char *topic = rd_kafka_topic_name(m->rkt);
		struct part_state *ps = part_get(r, topic, m->partition);
		if (!ps) {
			err = VG_ERR_NOMEM;
			break;
		}
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			ps->at_end = true;
			continue;
		}
		ps->at_end = false;
		if (m->offset <= ps->max_offset) {
			/* A rebalance took the partition away and gave it back from
			 * its committed offset, which open windows hold behind what
			 * this process has processed: these records are in its state
			 * already, and counting them again would corrupt it.  They
			 * gave their event times then: the partition is not idle. */
			ps->last_data = vg_time_now();
			redelivered++;
			if (!again)
				again = m;
			else if (m->partition != again->partition || m->rkt != again->rkt)
				again_others = true;
			continue;
		}
		/* The record's reference time (RFC 3164's year, correlation.max_future):
		 * its message timestamp, but never later than the clock (a producer
		 * may set it from the very event time it would vouch for). */
		rd_kafka_timestamp_type_t tstype;
		int64_t ts_ms = rd_kafka_message_timestamp(m, &tstype);
		vg_time now = vg_time_now();
		r->recs[nrecs++] = (struct vg_record){
		    format_of(r->cfg, topic),
		    m->payload,
		    m->len,
		    {topic, m->partition, m->offset},
		    ts_ms > 0 && ts_ms <= now / 1000 ? ts_ms * 1000 : now};
		ps->max_offset = m->offset;
		ps->fed = true;
		r->records++;
	}
	if (!err)
		err = vg_pipeline_process_many(r->pipe, r->recs, nrecs);
	/* A partition is live while its records give event times.  Counting any
	 * record, one that delivered only dead letters (binary noise, a source
	 * in a format no decoder reads) never went idle, and having no event
	 * time, it held every alert for as long as the noise lasted. */
	vg_time now = vg_time_now();
	for (size_t i = 0; i < r->nparts; i++) {
		struct part_state *ps = &r->parts[i];
		if (!ps->fed)
			continue;
		ps->fed = false;
		uint64_t timed =
		    vg_pipeline_timed_events(r->pipe, ps->topic, ps->partition);
		if (timed != ps->timed) {
			ps->timed = timed;
			ps->last_data = now;
		}
	}
	if (!err)
		advance_idle(r, now);
	if (redelivered) {
		r->redelivered += redelivered;
		vg_log_limited(&r->dl_log, VG_LOG_INFO,
		               "consumer: %zu records delivered again after a rebalance "
		               "(already processed by this process), from %s [%d] offset "
		               "%lld%s: skipped",
		               redelivered, rd_kafka_topic_name(again->rkt),
		               (int)again->partition, (long long)again->offset,
		               again_others ? " and other partitions" : "");
	}
	if (err) {
		/* Nothing of this batch is published or committed to Kafka.  The
		 * store rolls it back when the batch itself failed, else commits
		 * what it holds: as a crash after the store commit, the restart reads
		 * the records again, finds them stored and publishes what was not. */
		vg_pipeline_end(r->pipe, &outs, &nouts);
		return err;
	}
	if ((err = vg_pipeline_end(r->pipe, &outs, &nouts)))
		return err;
	if (n)
		r->batches++;
	fault_point("after-store", r->batches);
	if (r->dl_err) {
		vg_log(VG_LOG_ERROR, "producing dead letters: %s", r->prod.last_error);
		return r->dl_err;
	}
	if ((err = publish(r, outs, nouts)))
		return err;
	fault_point("after-publish", r->batches);
	if (r->opts->verbose && (n || nouts))
		vg_log(VG_LOG_INFO, "batch: %zu records, %zu incident versions", n,
		       nouts);
	err = commit_offsets(r);
	fault_point("after-commit", r->batches);
	return err;
}

static bool all_at_end(const struct runner *r)
{
	if (!r->nparts)
		return false;
	for (size_t i = 0; i < r->nparts; i++)
		if (!r->parts[i].at_end)
			return false;
	return true;
}

static vg_err consumer_open(struct runner *r, const char *brokers, struct vg_diag *diag)
{
	const struct vg_config *cfg = r->cfg;
	const struct own_setting ours[] = {{"group.id", cfg->kafka.group_id},
	                                   {"enable.auto.commit", "false"},
	                                   {"enable.auto.offset.store", "false"},
	                                   {"auto.offset.reset", "earliest"},
	                                   {"enable.partition.eof", "true"}};
	char errstr[512];
	rd_kafka_conf_t *conf =
	    make_conf(brokers, &cfg->kafka.librdkafka, ours,
	              sizeof(ours) / sizeof(ours[0]), diag, cfg->file);
	if (!conf)
		return VG_ERR_CONFIG;
	r->consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
	if (!r->consumer) {
		vg_diag_error(diag, cfg->file, 0, 0, "creating the Kafka consumer: %s",
		              errstr);
		rd_kafka_conf_destroy(conf);
		return VG_ERR_KAFKA;
	}
	rd_kafka_poll_set_consumer(r->consumer);
	rd_kafka_topic_partition_list_t *topics =
	    rd_kafka_topic_partition_list_new((int)cfg->kafka.ninputs);
	for (size_t i = 0; i < cfg->kafka.ninputs; i++)
		rd_kafka_topic_partition_list_add(topics, cfg->kafka.inputs[i].topic,
		                                  RD_KAFKA_PARTITION_UA);
	rd_kafka_resp_err_t kerr = rd_kafka_subscribe(r->consumer, topics);
	rd_kafka_topic_partition_list_destroy(topics);
	if (kerr) {
		vg_diag_error(diag, cfg->file, 0, 0,
		              "subscribing to the input topics: %s",
		              rd_kafka_err2str(kerr));
		return VG_ERR_KAFKA;
	}
	r->queue = rd_kafka_queue_get_consumer(r->consumer);
	return VG_OK;
}

vg_err vg_kafka_run(const struct vg_config *cfg, const struct vg_run_opts *opts,
                    struct vg_diag *diag)
{
	struct runner r = {.cfg = cfg, .opts = opts};
	struct vg_pipeline_hooks hooks = {.dead_letter = on_dead_letter, .ctx = &r};
	rd_kafka_message_t **msgs = NULL;
	size_t batch = (size_t)cfg->kafka.batch_size;
	struct sigaction sa, old_int, old_term;
	vg_err err;

	r.dl_log = (struct vg_ratelimit)VG_RATELIMIT_INIT(5, 60);
	r.commit_log = (struct vg_ratelimit)VG_RATELIMIT_INIT(5, 60);
	if (!strcmp(cfg->kafka.brokers, "embedded")) {
		vg_diag_error(diag, cfg->file, 0, 0,
		              "kafka.brokers: 'embedded' must be resolved by the caller");
		return VG_ERR_CONFIG;
	}
	g_stop = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	if ((err = vg_pipeline_new(cfg, &hooks, &r.pipe, diag)))
		goto out;
	/* offsets are committed once the store has committed: those commits must
	 * survive the machine, not only the process */
	struct vg_store *store = vg_pipeline_store(r.pipe);
	if (store && (err = vg_store_set_durable(store))) {
		vg_diag_error(diag, cfg->file, 0, 0, "store.path: %s",
		              vg_store_errmsg(store));
		goto out;
	}
	if ((err = producer_open(&r.prod, cfg->kafka.brokers, &cfg->kafka.librdkafka, cfg,
	                         diag, cfg->file)) ||
	    (err = consumer_open(&r, cfg->kafka.brokers, diag)))
		goto out;
	if (!(msgs = calloc(batch, sizeof(*msgs))) ||
	    !(r.recs = calloc(batch, sizeof(*r.recs)))) {
		err = VG_ERR_NOMEM;
		goto out;
	}

	/* Versions stored by a run that died before publishing them go out first. */
	struct vg_output *outs;
	size_t nouts;
	if ((err = vg_pipeline_unpublished(r.pipe, &outs, &nouts)) ||
	    (nouts && (err = publish(&r, outs, nouts))))
		goto out;
	if (nouts)
		vg_log(VG_LOG_INFO, "republished %zu incident versions left unpublished",
		       nouts);

	r.progress_at = vg_time_now();
	while (!g_stop) {
		size_t want = batch;
		if (opts->stop_after_records &&
		    opts->stop_after_records - r.records < want)
			want = (size_t)(opts->stop_after_records - r.records);
		ssize_t n = rd_kafka_consume_batch_queue(
		    r.queue, (int)cfg->kafka.poll_timeout_ms, msgs, want);
		if (n < 0) {
			vg_diag_error(diag, cfg->file, 0, 0, "consuming: %s",
			              rd_kafka_err2str(rd_kafka_last_error()));
			err = VG_ERR_KAFKA;
			break;
		}
		rd_kafka_poll(r.prod.rk, 0);
		err = sync_assignment(&r);
		if (!err)
			err = run_batch(&r, msgs, (size_t)n);
		for (ssize_t i = 0; i < n; i++)
			rd_kafka_message_destroy(msgs[i]);
		if (err)
			break;
		vg_time now = vg_time_now();
		if (cfg->kafka.stats_interval > 0 &&
		    now - r.progress_at >= cfg->kafka.stats_interval)
			log_progress(&r, now);
		if (opts->stop_after_records && r.records >= opts->stop_after_records)
			break;
		if (n == 0 && opts->stop_at_end && all_at_end(&r)) {
			/* End of input: release the alerts held for ordering, commit. */
			if (!(err = vg_pipeline_begin(r.pipe))) {
				vg_pipeline_finish_input(r.pipe);
				r.in_batch = true;
				err = run_batch(&r, msgs, 0);
			}
			break;
		}
	}
	if (err && !diag->errors)
		vg_diag_error(diag, cfg->file, 0, 0, "stopped: %s", vg_err_str(err));
out:
	if (r.queue)
		rd_kafka_queue_destroy(r.queue);
	if (r.consumer) {
		rd_kafka_consumer_close(r.consumer);
		rd_kafka_destroy(r.consumer);
	}
	producer_close(&r.prod);
	if (r.pipe) {
		struct vg_pipeline_stats st;
		vg_pipeline_stats(r.pipe, &st);
		char losses[256];
		vg_pipeline_losses_text(&st, NULL, losses, sizeof(losses));
		vg_log(VG_LOG_INFO,
		       "processed %llu records: %llu events, %llu dead letters, %llu "
		       "rule hits, "
		       "%llu alerts (%llu replayed), %llu incident versions; %s; value "
		       "cache %.1f%% hits of %llu lookups; %llu records delivered again "
		       "after rebalances, skipped; %llu dead letters cut to "
		       "message.max.bytes; %llu commits refused by the group (retried)",
		       (unsigned long long)st.records, (unsigned long long)st.events,
		       (unsigned long long)st.dead_letters, (unsigned long long)st.hits,
		       (unsigned long long)st.alerts,
		       (unsigned long long)st.alerts_replayed,
		       (unsigned long long)st.incidents_changed, losses,
		       vg_pct(st.value_cache_hits, st.value_cache_lookups),
		       (unsigned long long)st.value_cache_lookups,
		       (unsigned long long)r.redelivered,
		       (unsigned long long)r.dead_letters_cut,
		       (unsigned long long)r.commits_refused);
	}
	vg_pipeline_destroy(r.pipe);
	for (size_t i = 0; i < r.nparts; i++)
		free(r.parts[i].topic);
	free(r.parts);
	free(r.recs);
	free(msgs);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	return err;
}

/* ----------------------------------------------------------- embedded broker */

struct vg_embedded_kafka {
	rd_kafka_t *rk; /* owns the mock cluster */
	rd_kafka_mock_cluster_t *mc;
	char *bootstraps;
};

vg_err vg_embedded_kafka_start(int partitions, struct vg_embedded_kafka **out,
                               char *errstr, size_t errstr_size)
{
	struct vg_embedded_kafka *ek = calloc(1, sizeof(*ek));
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	(void)partitions;
	if (!ek) {
		rd_kafka_conf_destroy(conf);
		return VG_ERR_NOMEM;
	}
	rd_kafka_conf_set(conf, "log_level", "3", NULL, 0);
	ek->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, errstr_size);
	if (!ek->rk) {
		rd_kafka_conf_destroy(conf);
		free(ek);
		return VG_ERR_KAFKA;
	}
	ek->mc = rd_kafka_mock_cluster_new(ek->rk, 1);
	if (!ek->mc) {
		snprintf(errstr, errstr_size, "cannot start librdkafka's mock cluster");
		vg_embedded_kafka_stop(ek);
		return VG_ERR_KAFKA;
	}
	ek->bootstraps = strdup(rd_kafka_mock_cluster_bootstraps(ek->mc));
	*out = ek;
	return VG_OK;
}

vg_err vg_embedded_kafka_create_topic(struct vg_embedded_kafka *ek, const char *topic,
                                      int partitions)
{
	return rd_kafka_mock_topic_create(ek->mc, topic, partitions, 1) ? VG_ERR_KAFKA
	                                                                : VG_OK;
}

const char *vg_embedded_kafka_bootstraps(const struct vg_embedded_kafka *ek)
{
	return ek->bootstraps;
}

void vg_embedded_kafka_stop(struct vg_embedded_kafka *ek)
{
	if (!ek)
		return;
	if (ek->mc)
		rd_kafka_mock_cluster_destroy(ek->mc);
	if (ek->rk)
		rd_kafka_destroy(ek->rk);
	free(ek->bootstraps);
	free(ek);
}
