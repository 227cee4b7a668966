/* libFuzzer target: incident assembly (correlate/assemble.c) over an arbitrary
 * stream of alerts.  The input's first bytes choose the configuration (inactivity
 * gap, host linking, alerts kept, automatic stop-values, novelty warm-up, local
 * DNS and directory domains); the rest is a program of operations: add an alert
 * (time step forwards or back, entities drawn from pools of awkward values --
 * "-", loopback, IPv4-mapped IPv6, mixed case, local domains, 600-byte names --,
 * a third-party signature or none, a replayed alert id now and then), expire at
 * the newest time, drain the lists (merged, touched, signature statistics,
 * stop-values), or restart: every open incident and every statistic drained so
 * far given to a new assembler, as the pipeline does from its store -- with one
 * configuration bit, through a real store (engine/store.c, an SQLite file): each
 * incident stored (merges recorded as they happen), loaded back and restored,
 * and a replay of an alert the store holds left out, as the pipeline does.
 *
 * The contract: never a crash, a leak or a hang, and after every step what the
 * pipeline relies on -- the incident an alert joined is open under its id and
 * holds the alert (detailed, or counted past max_alerts_kept), its times are in
 * order and no more alerts are detailed than kept; the incidents it merged away
 * are no longer open and were merged into it; a restarted assembler has every
 * incident the old one had open; an incident loaded from the store is the one
 * stored (times, counts, features, every entity and detailed alert with its
 * fields). */
#include "fuzz_input.h"
#include "fuzz_rules.h"
#include "fuzz_store.h"
#include "vg_correlate.h"
#include "vg_engine.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct vg_rule *g_rule[2];

/* Pools of entity values, index 0 meaning "no such field". */
static char g_long[601];
static const char *const g_hosts[] = {
    NULL, "web01", "WEB01.corp.example.com", "db1.lab.local", "-", "", "mail", g_long};
static const char *const g_ips[] = {NULL,        "10.0.0.5",    "::ffff:10.0.0.5",
                                    "127.0.0.1", "203.0.113.7", "2001:DB8::1",
                                    "-",         g_long};
static const char *const g_users[] = {
    NULL,   "alice", "CORP\\Alice", "alice@corp.example.com",
    "root", "-",     "SYSTEM",      g_long};
static const char *const g_procs[] = {
    NULL, "/bin/sh", "C:\\Windows\\System32\\cmd.exe", "/usr/bin/sudo", "", g_long};
static const char *const g_hashes[] = {
    NULL, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF", "-"};
static const char *const g_sigs[] = {NULL,
                                     "ET SCAN Nmap",
                                     "Wazuh: sshd: authentication failed",
                                     "AMiner: New event type",
                                     "5710",
                                     g_long};
/* The ids of every incident an alert joined or a merge kept (keys of a string
 * map): a superset of the open ones (vg_assembler_get tells which are). */
/* The detailed alerts an incident keeps under conf (0: the assembler's 1,000). */
static size_t alerts_kept(const struct vg_assembler_conf *conf)
{
	return conf->max_alerts_kept ? conf->max_alerts_kept : 1000;
}

static void ids_add(struct vg_strmap *ids, const char *id)
{
	if (vg_strmap_put(ids, id, (void *)1) != VG_OK)
		abort();
}

/* The signature statistics drained so far, the newest row per key (what a store
 * holds after its upserts): rows, and key -> 1 + row. */
struct stats {
	struct vg_sig_stat_row *v;
	size_t n, cap;
	struct vg_strmap at;
};

static void stats_put(struct stats *s, const struct vg_sig_stat_row *r)
{
	uintptr_t i = (uintptr_t)vg_strmap_get(&s->at, r->key);
	if (i) {
		s->v[i - 1] = *r;
		return;
	}
	if (!(s->v = vg_grow(s->v, &s->cap, s->n + 1, sizeof(*s->v))))
		abort();
	s->v[s->n++] = *r;
	if (vg_strmap_put(&s->at, r->key, (void *)(uintptr_t)s->n) != VG_OK)
		abort();
}

static void drain(struct vg_assembler *a, struct stats *st)
{
	char m[16][21];
	size_t n;
	while ((n = vg_assembler_take_touched(a, m, 16)) > 0)
		;
	struct vg_sig_stat_row rows[8];
	while ((n = vg_assembler_take_sig_stats(a, rows, 8)) > 0)
		for (size_t i = 0; i < n; i++)
			stats_put(st, &rows[i]);
	struct vg_stop_stat stops[8];
	while ((n = vg_assembler_take_stops(a, stops, 8)) > 0)
		for (size_t i = 0; i < n; i++)
			if (!stops[i].value || !stops[i].prevented)
				abort();
}

/* The store of this input when its configuration asks for one, else NULL. */
static struct vg_store *g_store;
static char g_store_path[64];

/* Abort, saying what differs between the incident stored and the one loaded. */
static void differs(const char *id, const char *what)
{
	fprintf(stderr, "fuzz_assemble: incident %s loaded from the store: %s differs\n",
	        id, what);
	abort();
}

static bool same_str(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

/* Abort unless the incident loaded from the store is the one stored. */
static void check_loaded(const struct vg_incident *m, const struct vg_incident *l)
{
	if (strcmp(m->id, l->id) || m->first_ts != l->first_ts ||
	    m->last_ts != l->last_ts)
		differs(m->id, "id or times");
	/* as many alerts and events; the store may detail more of them (a merge
	 * moved the absorbed part's rows), restore keeps max_alerts_kept */
	uint64_t mev = m->events_dropped, lev = l->events_dropped;
	for (size_t i = 0; i < m->nalerts; i++)
		mev += m->alerts[i].event_count;
	for (size_t i = 0; i < l->nalerts; i++)
		lev += l->alerts[i].event_count;
	if (m->nalerts + m->alerts_dropped != l->nalerts + l->alerts_dropped ||
	    l->nalerts < m->nalerts || mev != lev)
		differs(m->id, "alert counts");
	if (m->has_sig != l->has_sig ||
	    (m->has_sig && (m->sig_runs_min != l->sig_runs_min ||
	                    m->sig_hosts_max != l->sig_hosts_max)) ||
	    m->network_novelty != l->network_novelty || m->novel_pair != l->novel_pair ||
	    m->host_neighbours != l->host_neighbours ||
	    m->host_prior_novelties != l->host_prior_novelties)
		differs(m->id, "stream features");
	if (m->nentities != l->nentities)
		differs(m->id, "entity count");
	for (size_t i = 0; i < m->nentities; i++) {
		const struct vg_entity *e = &m->entities[i];
		bool found = false;
		for (size_t j = 0; j < l->nentities && !found; j++)
			found = l->entities[j].type == e->type &&
			        !strcmp(l->entities[j].value, e->value) &&
			        l->entities[j].alerts == e->alerts &&
			        l->entities[j].first_seen == e->first_seen;
		if (!found)
			differs(m->id, e->value);
	}
	for (size_t i = 0; i < m->nalerts; i++) {
		const struct vg_incident_alert *a = &m->alerts[i], *b = NULL;
		for (size_t j = 0; j < l->nalerts && !b; j++)
			if (!strcmp(l->alerts[j].id, a->id))
				b = &l->alerts[j];
		if (!b)
			differs(m->id, "an alert id");
		if (!same_str(a->rule_id, b->rule_id) || !same_str(a->title, b->title))
			differs(m->id, "an alert's rule or title");
		if (a->level != b->level || a->ntags != b->ntags)
			differs(m->id, "an alert's level or tags");
		if (a->first_ts != b->first_ts || a->last_ts != b->last_ts ||
		    a->event_count != b->event_count)
			differs(m->id, "an alert's times or event count");
		if (a->nfields != b->nfields)
			differs(m->id, "an alert's field count");
		for (size_t k = 0; k < a->nfields; k++) {
			bool found = false;
			for (size_t j = 0; j < b->nfields && !found; j++)
				found = same_str(a->fields[k].name, b->fields[j].name) &&
				        same_str(a->fields[k].value, b->fields[j].value);
			if (!found)
				differs(m->id, a->fields[k].name);
		}
	}
}

/* Store the open incident, load it back, check it, and restore what was loaded
 * into b (the pipeline's restart: its alerts are then marked stored); the
 * restored incident details no more than kept and counts the same. */
static void store_round_trip(struct vg_incident *inc, struct vg_assembler *b, size_t kept)
{
	static const struct vg_incident_doc doc = {"title", "summary", "",   "low",
	                                           NULL,    NULL,      "{}", NULL};
	if (vg_store_begin(g_store) != VG_OK ||
	    vg_store_put_incident(g_store, inc, NULL, &doc) != VG_OK ||
	    vg_store_commit(g_store) != VG_OK)
		abort();
	/* as the pipeline marks them once committed */
	for (size_t i = 0; i < inc->nalerts; i++)
		inc->alerts[i].stored = true;
	struct vg_incident loaded;
	if (vg_store_load_incident(g_store, inc->id, &loaded) != VG_OK)
		abort();
	check_loaded(inc, &loaded);
	if (vg_assembler_restore(b, &loaded) != VG_OK)
		abort();
	vg_incident_clear(&loaded);
	const struct vg_incident *r = vg_assembler_get(b, inc->id);
	if (!r || r->nalerts > kept ||
	    r->nalerts + r->alerts_dropped != inc->nalerts + inc->alerts_dropped)
		differs(inc->id, "restored alert counts");
}

/* The pipeline's restart: the statistics, then every open incident, into a new
 * assembler (restore takes deep copies). */
static struct vg_assembler *restart(struct vg_assembler *a,
                                    const struct vg_assembler_conf *conf,
                                    const struct vg_strmap *ids, struct stats *st)
{
	drain(a, st);
	struct vg_assembler *b = NULL;
	if (vg_assembler_new(conf, &b) != VG_OK)
		abort();
	for (size_t i = 0; i < st->n; i++)
		if (vg_assembler_restore_sig_stat(b, st->v[i].key, st->v[i].runs,
		                                  st->v[i].last_ts) != VG_OK)
			abort();
	size_t restored = 0;
	size_t it = 0;
	for (struct vg_strmap_slot *id; (id = vg_strmap_next(ids, &it));) {
		struct vg_incident *inc = vg_assembler_get(a, id->key);
		if (!inc)
			continue;
		if (g_store)
			store_round_trip(inc, b, alerts_kept(conf));
		else if (vg_assembler_restore(b, inc) != VG_OK)
			abort();
		restored++;
	}
	if (restored != vg_assembler_open_count(a) ||
	    vg_assembler_open_count(b) != restored)
		abort(); /* an open incident was not reachable, or restore lost one */
	vg_assembler_destroy(a);
	return b;
}

/* An alert as first sent: a replay sends the same one again (alert ids are made
 * from what the alert is, so one id never comes with other content). */
struct sent {
	vg_time t;
	uint8_t host, ip, user, proc, hash, sig, r;
};
struct sents {
	struct sent *v;
	size_t n, cap;
};

static void add(struct vg_assembler *a, const struct vg_assembler_conf *conf,
                struct input *in, vg_time *now, struct sents *sent, struct vg_strmap *ids)
{
	*now += fz_time_step(in); /* back now and then: detectors deliver late */
	struct sent x = {*now,     take(in), take(in), take(in),
	                 take(in), take(in), take(in), take(in)};
	size_t id = sent->n;
	if ((x.r & 0x0E) == 0x0E && sent->n) { /* a replay of an earlier alert */
		id = take(in) % sent->n;
		x = sent->v[id];
	} else {
		if (!(sent->v =
		          vg_grow(sent->v, &sent->cap, sent->n + 1, sizeof(*sent->v))))
			abort();
		sent->v[sent->n++] = x;
	}
	struct vg_kv kv[8];
	size_t n = 0;
	const char *v;
	if ((v = g_hosts[x.host % POOL(g_hosts)]))
		kv[n++] = (struct vg_kv){(char *)"host.name", (char *)v};
	if ((v = g_ips[x.ip % POOL(g_ips)]))
		kv[n++] = (struct vg_kv){(char *)"source.ip", (char *)v};
	if ((v = g_users[x.user % POOL(g_users)]))
		kv[n++] = (struct vg_kv){(char *)"user.name", (char *)v};
	if ((v = g_procs[x.proc % POOL(g_procs)]))
		kv[n++] = (struct vg_kv){(char *)"process.executable", (char *)v};
	if ((v = g_hashes[x.hash % POOL(g_hashes)]))
		kv[n++] = (struct vg_kv){(char *)"process.hash.sha256", (char *)v};
	if ((v = g_sigs[x.sig % POOL(g_sigs)]))
		kv[n++] = (struct vg_kv){(char *)(x.sig & 0x80 ? "rule.id" : "rule.name"),
		                         (char *)v};
	struct vg_alert al = {0};
	snprintf(al.id, sizeof(al.id), "%016zx", id);
	al.rule = g_rule[x.r & 1];
	al.first_ts = x.t;
	al.last_ts = x.t + (vg_time)((x.r >> 4) & 7) * 60 * VG_USEC_PER_SEC;
	al.event_count = 1 + (x.r >> 4);
	al.group_key = "";
	al.fields = kv;
	al.nfields = n;
	/* with a store, the pipeline takes an alert it already stored for a replay
	 * and does not assemble it (vg_store_has_alert, pipeline.c) */
	if (g_store && vg_store_has_alert(g_store, &al))
		return;
	bool changed;
	struct vg_incident *inc = vg_assembler_add(a, &al, &changed);
	if (!inc)
		abort(); /* out of memory only */
	if (inc->first_ts > inc->last_ts || inc->nalerts == 0 ||
	    inc->nalerts > alerts_kept(conf) || vg_assembler_get(a, inc->id) != inc)
		abort();
	bool held = inc->alerts_dropped > 0;
	for (size_t i = 0; !held && i < inc->nalerts; i++)
		held = !strcmp(inc->alerts[i].id, al.id);
	if (!held)
		abort();
	ids_add(ids, inc->id);
	/* what this alert merged away is no longer open (checked now: a replay of
	 * an alert it counted past max_alerts_kept may open its id again later) */
	char m[16][21], into[16][21];
	size_t k;
	while ((k = vg_assembler_take_merged(a, m, into, 16)) > 0)
		for (size_t i = 0; i < k; i++)
			if (vg_assembler_get(a, m[i]) || strcmp(into[i], inc->id) ||
			    (g_store &&
			     vg_store_merge_incident(g_store, m[i], into[i]) != VG_OK))
				abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!g_rule[0]) {
		vg_log_set_level(VG_LOG_ERROR);
		memset(g_long, 'x', sizeof(g_long) - 1);
		fz_two_rules("assemble", g_rule);
	}
	struct input in = {data, size};
	static const char *const stops[] = {"ip:10.0.0.53", "user:root", "host:mail",
	                                    "process:/bin/sh"};
	static const char *const hdoms[] = {"corp.example.com", ".lab.local"};
	static const char *const adoms[] = {"CORP", "corp.example.com"};
	uint8_t c0 = take(&in), c1 = take(&in);
	struct vg_assembler_conf conf = {
	    .inactivity_gap = (vg_time)(1 + (c0 & 15)) * 10 * 60 * VG_USEC_PER_SEC,
	    .link_hosts = c0 & 16,
	    .max_alerts_kept = c0 & 32 ? 3 : 0,
	    .stop_values = c0 & 64 ? stops : NULL,
	    .n_stop_values = c0 & 64 ? 4 : 0,
	    .stop_max_alerts = c1 & 1   ? 4
	                       : c1 & 2 ? UINT32_MAX
	                                : 0,
	    .stop_window = c1 & 4 ? 600 * VG_USEC_PER_SEC : 0,
	    .novelty_warmup = (vg_time)((c1 >> 3) & 3) * 1800 * VG_USEC_PER_SEC,
	    .host_memory = c1 & 128 ? 3600 * VG_USEC_PER_SEC : 0,
	    .host_domains = c0 & 128 ? hdoms : NULL,
	    .n_host_domains = c0 & 128 ? 2 : 0,
	    .account_domains = c1 & 32 ? adoms : NULL,
	    .n_account_domains = c1 & 32 ? 2 : 0,
	};
	struct vg_assembler *a = NULL;
	if (vg_assembler_new(&conf, &a) != VG_OK)
		abort();
	if (c1 & 64) {
		char errstr[256];
		if (!g_store_path[0])
			snprintf(g_store_path, sizeof(g_store_path),
			         "/tmp/vigil-fuzz-assemble-%d.db", (int)getpid());
		fz_remove_store(g_store_path);
		if (vg_store_open(g_store_path, &g_store, errstr, sizeof(errstr)) !=
		    VG_OK) {
			fprintf(stderr, "fuzz_assemble: %s\n", errstr);
			abort();
		}
	}
	vg_time now = (vg_time)1700000000 * VG_USEC_PER_SEC;
	struct sents sent = {0};
	struct vg_strmap ids;
	struct stats st = {0};
	vg_strmap_init(&ids);
	vg_strmap_init(&st.at);
	for (size_t ops = 0; in.n && ops < 4096; ops++) {
		uint8_t op = take(&in);
		if (op < 0xE0)
			add(a, &conf, &in, &now, &sent, &ids);
		else if (op < 0xE8)
			vg_assembler_expire(a, now);
		else if (op < 0xF8)
			drain(a, &st);
		else
			a = restart(a, &conf, &ids, &st);
	}
	drain(a, &st);
	vg_assembler_destroy(a);
	if (g_store) {
		vg_store_close(g_store);
		g_store = NULL;
		fz_remove_store(g_store_path);
	}
	vg_strmap_free(&ids);
	vg_strmap_free(&st.at);
	free(st.v);
	free(sent.v);
	return 0;
}
