/* libFuzzer target: incident assembly (correlate/assemble.c) over an arbitrary
 * stream of alerts.  The input's first bytes choose the configuration (inactivity
 * gap, host linking, alerts kept, automatic stop-values, novelty warm-up, local
 * DNS and directory domains); the rest is a program of operations: add an alert
 * (time step forwards or back, entities drawn from pools of awkward values --
 * "-", loopback, IPv4-mapped IPv6, mixed case, local domains, 600-byte names --,
 * a third-party signature or none, a replayed alert id now and then), expire at
 * the newest time, drain the lists (merged, touched, signature statistics,
 * stop-values), or restart: every open incident and every statistic drained so
 * far given to a new assembler, as the pipeline does from its store.
 *
 * The contract: never a crash, a leak or a hang, and after every step what the
 * pipeline relies on -- the incident an alert joined is open under its id and
 * holds the alert (detailed, or counted past max_alerts_kept), its times are in
 * order and no more alerts are detailed than kept; the incidents it merged away
 * are no longer open and were merged into it; a restarted assembler has every
 * incident the old one had open. */
#include "vg_correlate.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct vg_rule *g_rule[2];

static void load_rules(void)
{
	static struct vg_ruleset *rs; /* for the process's lifetime */
	char path[64];
	snprintf(path, sizeof(path), "/tmp/vigil-fuzz-assemble-%d.yml", (int)getpid());
	FILE *fp = fopen(path, "w");
	if (!fp)
		abort();
	fputs("title: low\nid: 11111111-1111-4111-8111-111111111111\nlevel: low\n"
	      "tags: [attack.initial-access]\n"
	      "logsource: {product: linux, service: sshd}\n"
	      "detection: {sel: {event.action: login}, condition: sel}\n---\n"
	      "title: high\nid: 22222222-2222-4222-8222-222222222222\nlevel: high\n"
	      "tags: [attack.privilege-escalation, attack.t1548.003]\n"
	      "logsource: {product: linux, service: sudo}\n"
	      "detection: {sel: {event.action: sudo}, condition: sel}\n",
	      fp);
	fclose(fp);
	struct vg_diag d;
	vg_diag_init(&d);
	const char *paths[] = {path};
	if (vg_fields_init(NULL) != VG_OK || vg_ruleset_load(paths, 1, &rs, &d) != VG_OK)
		abort();
	vg_diag_clear(&d);
	unlink(path);
	g_rule[0] = vg_ruleset_find(rs, "11111111-1111-4111-8111-111111111111");
	g_rule[1] = vg_ruleset_find(rs, "22222222-2222-4222-8222-222222222222");
	if (!g_rule[0] || !g_rule[1])
		abort();
}

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
#define POOL(a) (sizeof(a) / sizeof((a)[0]))

/* The input, read a byte at a time (0 once it is used up). */
struct input {
	const uint8_t *p;
	size_t n;
};

static uint8_t take(struct input *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static const char *pick(struct input *in, const char *const *pool, size_t n)
{
	return pool[take(in) % n];
}

/* The ids of every incident an alert joined or a merge kept: a superset of the open
 * ones (vg_assembler_get tells which are). */
struct ids {
	char (*v)[21];
	size_t n, cap;
};

static void ids_add(struct ids *s, const char *id)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], id))
			return;
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		if (!s->v)
			abort();
	}
	snprintf(s->v[s->n++], sizeof(s->v[0]), "%s", id);
}

/* The signature statistics drained so far, the newest row per key (what a store
 * holds after its upserts). */
struct stats {
	struct vg_sig_stat_row *v;
	size_t n, cap;
};

static void stats_put(struct stats *s, const struct vg_sig_stat_row *r)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].key, r->key)) {
			s->v[i] = *r;
			return;
		}
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		if (!s->v)
			abort();
	}
	s->v[s->n++] = *r;
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

/* The pipeline's restart: the statistics, then every open incident, into a new
 * assembler (restore takes deep copies). */
static struct vg_assembler *restart(struct vg_assembler *a,
                                    const struct vg_assembler_conf *conf,
                                    const struct ids *ids, struct stats *st)
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
	for (size_t i = 0; i < ids->n; i++) {
		const struct vg_incident *inc = vg_assembler_get(a, ids->v[i]);
		if (!inc)
			continue;
		if (vg_assembler_restore(b, inc) != VG_OK)
			abort();
		restored++;
	}
	if (restored != vg_assembler_open_count(a) ||
	    vg_assembler_open_count(b) != restored)
		abort(); /* an open incident was not reachable, or restore lost one */
	vg_assembler_destroy(a);
	return b;
}

static void add(struct vg_assembler *a, const struct vg_assembler_conf *conf,
                struct input *in, vg_time *now, uint32_t *serial, struct ids *ids)
{
	/* a step in seconds, minutes or hours, back now and then (detectors deliver
	 * late) */
	uint8_t b = take(in);
	vg_time unit = (b & 0xC0) == 0x00   ? VG_USEC_PER_SEC
	               : (b & 0xC0) == 0x40 ? 60 * VG_USEC_PER_SEC
	               : (b & 0xC0) == 0x80 ? 3600 * VG_USEC_PER_SEC
	                                    : VG_USEC_PER_SEC / 1000;
	vg_time step = (vg_time)((int)(b & 0x3F) - 8) * unit;
	*now += step;
	struct vg_kv kv[8];
	size_t n = 0;
	const char *v;
	if ((v = pick(in, g_hosts, POOL(g_hosts))))
		kv[n++] = (struct vg_kv){(char *)"host.name", (char *)v};
	if ((v = pick(in, g_ips, POOL(g_ips))))
		kv[n++] = (struct vg_kv){(char *)"source.ip", (char *)v};
	if ((v = pick(in, g_users, POOL(g_users))))
		kv[n++] = (struct vg_kv){(char *)"user.name", (char *)v};
	if ((v = pick(in, g_procs, POOL(g_procs))))
		kv[n++] = (struct vg_kv){(char *)"process.executable", (char *)v};
	if ((v = pick(in, g_hashes, POOL(g_hashes))))
		kv[n++] = (struct vg_kv){(char *)"process.hash.sha256", (char *)v};
	uint8_t s = take(in);
	if ((v = g_sigs[s % POOL(g_sigs)]))
		kv[n++] = (struct vg_kv){(char *)(s & 0x80 ? "rule.id" : "rule.name"),
		                         (char *)v};
	uint8_t r = take(in);
	struct vg_alert al = {0};
	/* a replay of an earlier alert id (its incident is returned unchanged) */
	uint32_t id =
	    (r & 0x0E) == 0x0E && *serial ? (uint32_t)take(in) % *serial : (*serial)++;
	snprintf(al.id, sizeof(al.id), "%016x", (unsigned)id);
	al.rule = g_rule[r & 1];
	al.first_ts = *now;
	al.last_ts = *now + (vg_time)((r >> 4) & 7) * 60 * VG_USEC_PER_SEC;
	al.event_count = 1 + (r >> 4);
	al.group_key = "";
	al.fields = kv;
	al.nfields = n;
	bool changed;
	struct vg_incident *inc = vg_assembler_add(a, &al, &changed);
	if (!inc)
		abort(); /* out of memory only */
	if (inc->first_ts > inc->last_ts || inc->nalerts == 0 ||
	    inc->nalerts > (conf->max_alerts_kept ? conf->max_alerts_kept : 1000) ||
	    vg_assembler_get(a, inc->id) != inc)
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
			if (vg_assembler_get(a, m[i]) || strcmp(into[i], inc->id))
				abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!g_rule[0]) {
		vg_log_set_level(VG_LOG_ERROR);
		memset(g_long, 'x', sizeof(g_long) - 1);
		load_rules();
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
	    .host_domains = c0 & 128 ? hdoms : NULL,
	    .n_host_domains = c0 & 128 ? 2 : 0,
	    .account_domains = c1 & 32 ? adoms : NULL,
	    .n_account_domains = c1 & 32 ? 2 : 0,
	};
	struct vg_assembler *a = NULL;
	if (vg_assembler_new(&conf, &a) != VG_OK)
		abort();
	vg_time now = (vg_time)1700000000 * VG_USEC_PER_SEC;
	uint32_t serial = 0;
	struct ids ids = {0};
	struct stats st = {0};
	for (size_t ops = 0; in.n && ops < 4096; ops++) {
		uint8_t op = take(&in);
		if (op < 0xE0)
			add(a, &conf, &in, &now, &serial, &ids);
		else if (op < 0xE8)
			vg_assembler_expire(a, now);
		else if (op < 0xF8)
			drain(a, &st);
		else
			a = restart(a, &conf, &ids, &st);
	}
	drain(a, &st);
	vg_assembler_destroy(a);
	free(ids.v);
	free(st.v);
	return 0;
}
