/* Unit tests for correlate/assemble.c: entity linking, merges, replay, expiry,
 * restore and id determinism; and correlate/attack.c: a third-party alert's own
 * level and ATT&CK tags. */
#include "vg_correlate.h"
#include "vg_test.h"

#include <unistd.h>

static struct vg_ruleset *g_rs;
static const struct vg_rule *g_rule_low, *g_rule_high;

static void load_rules(void)
{
	char dir[] = "/tmp/vg-assemble-XXXXXX";
	char path[256];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/rules.yml", dir);
	FILE *f = fopen(path, "w");
	fputs("title: Test low\n"
	      "id: 11111111-1111-4111-8111-111111111111\n"
	      "level: low\n"
	      "tags: [attack.initial-access]\n"
	      "logsource: {product: linux, service: sshd}\n"
	      "detection:\n  sel: {event.action: ssh_login}\n  condition: sel\n"
	      "---\n"
	      "title: Test high\n"
	      "id: 22222222-2222-4222-8222-222222222222\n"
	      "level: high\n"
	      "tags: [attack.privilege-escalation]\n"
	      "logsource: {product: linux, service: sudo}\n"
	      "detection:\n  sel: {event.action: sudo_command}\n  condition: sel\n",
	      f);
	fclose(f);
	struct vg_diag d;
	vg_diag_init(&d);
	const char *paths[] = {path};
	ck_assert_int_eq(vg_ruleset_load(paths, 1, &g_rs, &d), VG_OK);
	vg_diag_print(&d, stderr);
	ck_assert_uint_eq(d.errors, 0);
	vg_diag_clear(&d);
	g_rule_low = vg_ruleset_find(g_rs, "11111111-1111-4111-8111-111111111111");
	g_rule_high = vg_ruleset_find(g_rs, "22222222-2222-4222-8222-222222222222");
	ck_assert_ptr_nonnull(g_rule_low);
	ck_assert_ptr_nonnull(g_rule_high);
	unlink(path);
	rmdir(dir);
}

static void setup(void)
{
	vg_fields_init(NULL);
	load_rules();
}

static void teardown(void)
{
	vg_ruleset_destroy(g_rs);
	g_rs = NULL;
}

/* An alert with the given id, rule, time (seconds) and field pairs. */
struct test_alert {
	struct vg_alert alert;
	struct vg_kv kv[8];
};

static void mk(struct test_alert *t, const char *id, const struct vg_rule *rule, int sec,
               const char *const *pairs)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->alert.id, sizeof(t->alert.id), "%s", id);
	t->alert.rule = rule;
	t->alert.first_ts = t->alert.last_ts = (vg_time)sec * VG_USEC_PER_SEC;
	t->alert.event_count = 1;
	t->alert.group_key = "";
	size_t n = 0;
	for (; pairs && pairs[2 * n]; n++) {
		t->kv[n].name = (char *)pairs[2 * n];
		t->kv[n].value = (char *)pairs[2 * n + 1];
	}
	t->alert.fields = t->kv;
	t->alert.nfields = n;
}

static struct vg_assembler *mk_assembler(bool link_hosts)
{
	struct vg_assembler_conf conf = {.inactivity_gap = 600 * VG_USEC_PER_SEC,
	                                 .link_hosts = link_hosts};
	struct vg_assembler *a;
	ck_assert_int_eq(vg_assembler_new(&conf, &a), VG_OK);
	return a;
}

/* vg_kv_dup: a copy that outlives its source (a held alert's fields), empty
 * names and values kept, never NULL for no fields; vg_kv_free frees all of it
 * (the sanitizer build would report a string left behind). */
START_TEST(kv_dup_copies_fields)
{
	char name[3][16] = {"source.ip", "host.name", ""},
	     value[3][16] = {"203.0.113.7", "", "x"};
	struct vg_kv src[3];
	for (int i = 0; i < 3; i++)
		src[i] = (struct vg_kv){.name = name[i], .value = value[i]};
	struct vg_kv *kv = NULL;
	size_t n = 99;
	ck_assert_int_eq(vg_kv_dup(src, 3, &kv, &n), VG_OK);
	ck_assert_uint_eq(n, 3);
	memset(name, 'z', sizeof(name)); /* the source goes away */
	memset(value, 'z', sizeof(value));
	ck_assert_str_eq(kv[0].name, "source.ip");
	ck_assert_str_eq(kv[0].value, "203.0.113.7");
	ck_assert_str_eq(kv[1].name, "host.name");
	ck_assert_str_eq(kv[1].value, "");
	ck_assert_str_eq(kv[2].name, "");
	ck_assert_str_eq(kv[2].value, "x");
	ck_assert_str_eq(vg_kv_get(kv, n, "source.ip"), "203.0.113.7");
	ck_assert_ptr_null(vg_kv_get(kv, n, "host.name")); /* empty: absent */
	vg_kv_free(kv);
	ck_assert_int_eq(vg_kv_dup(src, 0, &kv, &n), VG_OK);
	ck_assert_ptr_nonnull(kv);
	ck_assert_uint_eq(n, 0);
	vg_kv_free(kv);
	vg_kv_free(NULL);
}
END_TEST

START_TEST(shared_entity_joins_one_incident)
{
	struct vg_assembler *a = mk_assembler(false);
	struct test_alert t1, t2, t3;
	bool changed;
	const char *p1[] = {"source.ip", "203.0.113.7", "host.name", "web01",
	                    "user.name", "deploy",      NULL};
	const char *p2[] = {"host.name", "web01", "user.name", "deploy", NULL};
	const char *p3[] = {"host.name", "web01", "user.name", "alice", NULL};

	mk(&t1, "00000000000000a1", g_rule_low, 100, p1);
	mk(&t2, "00000000000000a2", g_rule_high, 160, p2);
	mk(&t3, "00000000000000a3", g_rule_high, 170, p3);
	struct vg_incident *i1 = vg_assembler_add(a, &t1.alert, &changed);
	ck_assert(changed);
	char id1[21];
	strcpy(id1, i1->id);
	ck_assert_int_eq(strncmp(id1, "inc-", 4), 0);
	ck_assert_uint_eq(strlen(id1), 20);
	struct vg_incident *i2 = vg_assembler_add(a, &t2.alert, &changed);
	ck_assert(changed);
	ck_assert_str_eq(i2->id, id1); /* user deploy@web01 links them */
	ck_assert_uint_eq(i2->nalerts, 2);
	ck_assert_uint_eq(i2->version, 2);
	ck_assert_int_eq(i2->first_ts, 100 * VG_USEC_PER_SEC);
	ck_assert_int_eq(i2->last_ts, 160 * VG_USEC_PER_SEC);
	/* Hosts do not link by default: alice on the same host is another incident. */
	struct vg_incident *i3 = vg_assembler_add(a, &t3.alert, &changed);
	ck_assert_str_ne(i3->id, id1);
	ck_assert_uint_eq(vg_assembler_open_count(a), 2);
	vg_assembler_destroy(a);
}
END_TEST

START_TEST(entities_are_typed_and_counted)
{
	struct vg_assembler *a = mk_assembler(false);
	struct test_alert t1;
	bool changed;
	const char *p1[] = {
	    "source.ip", "203.0.113.7",        "host.name",     "web01", "user.name",
	    "deploy",    "process.executable", "/usr/bin/sudo", NULL};
	mk(&t1, "00000000000000b1", g_rule_high, 5, p1);
	struct vg_incident *inc = vg_assembler_add(a, &t1.alert, &changed);
	ck_assert_uint_eq(inc->nentities, 4);
	ck_assert_int_eq(inc->entities[0].type, VG_ENT_IP);
	ck_assert_str_eq(inc->entities[1].value, "web01");
	ck_assert_int_eq(inc->entities[2].type, VG_ENT_USER);
	ck_assert_str_eq(inc->entities[2].value, "deploy@web01");
	ck_assert_str_eq(vg_entity_type_name(inc->entities[3].type), "process");
	ck_assert_str_eq(inc->alerts[0].title, "Test high");
	ck_assert_int_eq(inc->alerts[0].level, VG_LEVEL_HIGH);
	ck_assert_uint_eq(inc->alerts[0].ntags, 1);
	ck_assert_str_eq(inc->alerts[0].tags[0], "attack.privilege-escalation");

	/* a source named by its DNS name (source.domain: sshd and PAM with UseDNS)
	 * is the source entity when there is no address */
	struct vg_entity_ref refs[VG_ALERT_ENTITIES_MAX];
	const struct vg_kv byname[] = {{"source.domain", "evil.example.com"},
	                               {"host.name", "web01"}};
	size_t k = vg_alert_entities(byname, 2, refs);
	ck_assert_uint_eq(k, 2);
	ck_assert_int_eq(refs[0].type, VG_ENT_IP);
	ck_assert_str_eq(refs[0].value, "evil.example.com");
	const struct vg_kv both[] = {{"source.ip", "203.0.113.7"},
	                             {"source.domain", "evil.example.com"}};
	ck_assert_uint_eq(vg_alert_entities(both, 2, refs), 1);
	ck_assert_str_eq(refs[0].value, "203.0.113.7"); /* the address first */
	vg_assembler_destroy(a);
}
END_TEST

/* The entity of (type, value) in inc, or NULL. */
static const struct vg_entity *entity_of(const struct vg_incident *inc,
                                         enum vg_entity_type t, const char *value)
{
	for (size_t i = 0; i < inc->nentities; i++)
		if (inc->entities[i].type == t && !strcmp(inc->entities[i].value, value))
			return &inc->entities[i];
	return NULL;
}

/* A scan seen by another detector: alert i of signature `sig` on ids01 from
 * 198.18.x.y (x.y from `addr`) at second `sec`. */
static struct vg_incident *scan_alert(struct vg_assembler *a, const char *sig,
                                      unsigned id, unsigned addr, int sec)
{
	struct test_alert t;
	char ids[17], ip[32];
	bool changed;
	snprintf(ids, sizeof(ids), "%016x", id);
	snprintf(ip, sizeof(ip), "198.18.%u.%u", addr / 256, addr % 256);
	const char *p[] = {"rule.id", sig, "host.name", "ids01", "source.ip", ip, NULL};
	mk(&t, ids, g_rule_low, sec, p);
	struct vg_incident *inc = vg_assembler_add(a, &t.alert, &changed);
	ck_assert_ptr_nonnull(inc);
	return inc;
}

/* Past a few entities an incident finds them by a hash table: counts stay right as
 * it grows and through a merge, which adds the absorbed incident's entities. */
START_TEST(many_entities_are_counted)
{
	struct vg_assembler *a = mk_assembler(false);
	struct vg_incident *inc = NULL;
	for (unsigned i = 0; i < 40; i++) /* A: .0-.19, B: .20-.39 */
		inc = scan_alert(a, i < 20 ? "A" : "B", 0x1000 + i, i, (int)i);
	ck_assert_uint_eq(vg_assembler_open_count(a), 2);
	ck_assert_uint_eq(inc->nentities, 21);
	char into[21];
	/* A again from B's .25: one incident, A's id, every address once */
	inc = scan_alert(a, "A", 0x1100, 25, 50);
	strcpy(into, inc->id);
	ck_assert_uint_eq(vg_assembler_open_count(a), 1);
	ck_assert_uint_eq(inc->nentities, 41);
	for (unsigned i = 0; i < 40; i++) {
		char ip[32];
		snprintf(ip, sizeof(ip), "198.18.0.%u", i);
		const struct vg_entity *e = entity_of(inc, VG_ENT_IP, ip);
		ck_assert_ptr_nonnull(e);
		ck_assert_uint_eq(e->alerts, i == 25 ? 2 : 1);
	}
	ck_assert_uint_eq(entity_of(inc, VG_ENT_HOST, "ids01")->alerts, 41);
	/* and the table finds the merged-in ones: a repeat adds no entity */
	inc = scan_alert(a, "A", 0x1101, 33, 51);
	ck_assert_str_eq(inc->id, into);
	ck_assert_uint_eq(inc->nentities, 41);
	ck_assert_uint_eq(entity_of(inc, VG_ENT_IP, "198.18.0.33")->alerts, 2);
	vg_assembler_destroy(a);
}
END_TEST

/* A long-running incident of many entities (a scan from a new address every
 * second kept one incident of tens of thousands) stays exact at that size: 8,000
 * addresses, each seen twice.  Its cost is a benchmark figure, not a test: the hash
 * table took 40,000 such alerts in vigil replay from 14 s to under 3 s. */
START_TEST(many_entities_at_scale)
{
	enum { N = 8000 };
	struct vg_assembler *a = mk_assembler(false);
	struct vg_incident *inc = NULL;
	for (unsigned i = 0; i < 2 * N; i++)
		inc = scan_alert(a, "S", i, i % N, (int)i);
	ck_assert_uint_eq(vg_assembler_open_count(a), 1);
	ck_assert_uint_eq(inc->nentities, N + 1);
	ck_assert_uint_eq(entity_of(inc, VG_ENT_IP, "198.18.0.7")->alerts, 2);
	ck_assert_uint_eq(entity_of(inc, VG_ENT_IP, "198.18.31.63")->alerts, 2);
	ck_assert_ptr_null(entity_of(inc, VG_ENT_IP, "198.18.31.64"));
	vg_assembler_destroy(a);
}
END_TEST

/* An incident keeps at most max_entities_kept entities: a new one past it is
 * counted in entities_dropped, neither kept nor linked, while the alerts go on
 * joining by what it keeps (a scan from ever-new addresses grew one incident by
 * ~170 bytes an alert, without bound: 400,000 alerts, 69 MiB).  A merge adds up
 * what its parts dropped. */
START_TEST(entities_are_bounded)
{
	struct vg_assembler_conf conf = {.inactivity_gap = 600 * VG_USEC_PER_SEC,
	                                 .max_entities_kept = 10};
	struct vg_assembler *a;
	ck_assert_int_eq(vg_assembler_new(&conf, &a), VG_OK);
	struct vg_incident *inc = NULL;
	for (unsigned i = 0; i < 50; i++) /* ids01 and 198.18.0.0-.8 kept */
		inc = scan_alert(a, "S", 0x2000 + i, i, (int)i);
	ck_assert_uint_eq(vg_assembler_open_count(a), 1);
	ck_assert_uint_eq(inc->nentities, 10);
	ck_assert_uint_eq(inc->entities_dropped, 41);
	ck_assert_ptr_nonnull(entity_of(inc, VG_ENT_IP, "198.18.0.8"));
	ck_assert_ptr_null(entity_of(inc, VG_ENT_IP, "198.18.0.9"));
	ck_assert_uint_eq(entity_of(inc, VG_ENT_HOST, "ids01")->alerts, 50);
	/* a kept one is counted as before; one dropped again counts again */
	inc = scan_alert(a, "S", 0x2100, 3, 60);
	ck_assert_uint_eq(entity_of(inc, VG_ENT_IP, "198.18.0.3")->alerts, 2);
	inc = scan_alert(a, "S", 0x2101, 20, 61);
	ck_assert_uint_eq(inc->nentities, 10);
	ck_assert_uint_eq(inc->entities_dropped, 42);
	/* another signature's incident from the kept .5 and a new address merges
	 * in: its own drops are added */
	struct vg_incident *other = NULL;
	for (unsigned i = 0; i < 12; i++)
		other = scan_alert(a, "T", 0x2200 + i, 1000 + i, 62 + (int)i);
	ck_assert_uint_eq(vg_assembler_open_count(a), 2);
	ck_assert_uint_eq(other->entities_dropped, 3);
	inc = scan_alert(a, "T", 0x2300, 5, 80);
	ck_assert_uint_eq(vg_assembler_open_count(a), 1);
	ck_assert_uint_eq(inc->nentities, 10);
	ck_assert_uint_eq(inc->entities_dropped, 42 + 3 + 9);
	vg_assembler_destroy(a);
}
END_TEST

START_TEST(replayed_alert_changes_nothing)
{
	struct vg_assembler *a = mk_assembler(false);
	struct test_alert t1;
	bool changed;
	const char *p1[] = {"source.ip", "198.51.100.1", NULL};
	mk(&t1, "00000000000000c1", g_rule_low, 5, p1);
	struct vg_incident *inc = vg_assembler_add(a, &t1.alert, &changed);
	ck_assert(changed);
	inc = vg_assembler_add(a, &t1.alert, &changed);
	ck_assert(!changed);
	ck_assert_uint_eq(inc->nalerts, 1);
	ck_assert_uint_eq(inc->version, 1);
	vg_assembler_destroy(a);
}
END_TEST

START_TEST(bridging_alert_merges_into_older)
{
	struct vg_assembler *a = mk_assembler(false);
	struct test_alert t1, t2, t3;
	bool changed;
	const char *p1[] = {"source.ip", "198.51.100.1", NULL};
	const char *p2[] = {"source.ip", "198.51.100.2", NULL};
	const char *p3[] = {"source.ip", "198.51.100.2", "file.hash.sha256", "abc", NULL};
	const char *p4[] = {"source.ip", "198.51.100.1", "file.hash.sha256", "abc", NULL};
	mk(&t1, "00000000000000d1", g_rule_low, 50, p1);  /* older */
	mk(&t2, "00000000000000d2", g_rule_low, 40, p2);  /* oldest first_ts */
	mk(&t3, "00000000000000d3", g_rule_high, 60, p3); /* joins t2 via ip */
	char id1[21], id2[21];
	strcpy(id1, vg_assembler_add(a, &t1.alert, &changed)->id);
	strcpy(id2, vg_assembler_add(a, &t2.alert, &changed)->id);
	vg_assembler_add(a, &t3.alert, &changed);
	ck_assert_uint_eq(vg_assembler_open_count(a), 2);
	/* An alert naming ip .1 and hash abc bridges both incidents. */
	struct test_alert t4;
	mk(&t4, "00000000000000d4", g_rule_high, 70, p4);
	struct vg_incident *m = vg_assembler_add(a, &t4.alert, &changed);
	ck_assert(changed);
	ck_assert_uint_eq(vg_assembler_open_count(a), 1);
	ck_assert_str_eq(m->id, id2); /* t2's incident started first */
	ck_assert_uint_eq(m->nalerts, 4);
	ck_assert_int_eq(m->first_ts, 40 * VG_USEC_PER_SEC);
	char merged[4][21], into[4][21];
	ck_assert_uint_eq(vg_assembler_take_merged(a, merged, into, 4), 1);
	ck_assert_str_eq(merged[0], id1);
	ck_assert_str_eq(into[0], id2);
	ck_assert_uint_eq(vg_assembler_take_merged(a, merged, into, 4), 0);
	/* Every entity of the absorbed incident now leads to the survivor. */
	struct test_alert t5;
	const char *p5[] = {"source.ip", "198.51.100.1", NULL};
	mk(&t5, "00000000000000d5", g_rule_low, 80, p5);
	ck_assert_str_eq(vg_assembler_add(a, &t5.alert, &changed)->id, id2);
	vg_assembler_destroy(a);

	/* One alert bridging three incidents (an address, an account, a hash):
	 * two merges into the oldest, taken one at a time, each once. */
	a = mk_assembler(false);
	const char *q1[] = {"source.ip", "198.51.100.9", NULL};
	const char *q2[] = {"user.name", "mallory", NULL};
	const char *q3[] = {"file.hash.sha256", "def", NULL};
	const char *q4[] = {"source.ip",        "198.51.100.9", "user.name", "mallory",
	                    "file.hash.sha256", "def",          NULL};
	struct test_alert u[4];
	char uid[3][21];
	mk(&u[0], "00000000000000e1", g_rule_low, 30, q1); /* the oldest */
	mk(&u[1], "00000000000000e2", g_rule_low, 40, q2);
	mk(&u[2], "00000000000000e3", g_rule_low, 50, q3);
	mk(&u[3], "00000000000000e4", g_rule_high, 60, q4);
	for (int i = 0; i < 3; i++)
		strcpy(uid[i], vg_assembler_add(a, &u[i].alert, &changed)->id);
	ck_assert_str_eq(vg_assembler_add(a, &u[3].alert, &changed)->id, uid[0]);
	bool took[3] = {false, false, false};
	for (int k = 0; k < 2; k++) {
		ck_assert_uint_eq(vg_assembler_take_merged(a, merged, into, 1), 1);
		ck_assert_str_eq(into[0], uid[0]);
		for (int i = 1; i < 3; i++)
			if (!strcmp(merged[0], uid[i])) {
				ck_assert(!took[i]);
				took[i] = true;
			}
	}
	ck_assert(took[1] && took[2]);
	ck_assert_uint_eq(vg_assembler_take_merged(a, merged, into, 1), 0);
	vg_assembler_destroy(a);
}
END_TEST

START_TEST(quiet_incidents_expire)
{
	struct vg_assembler *a = mk_assembler(false);
	struct test_alert t1, t2;
	bool changed;
	const char *p1[] = {"source.ip", "192.0.2.1", NULL};
	mk(&t1, "00000000000000e1", g_rule_low, 0, p1);
	char id1[21];
	strcpy(id1, vg_assembler_add(a, &t1.alert, &changed)->id);
	ck_assert_uint_eq(vg_assembler_expire(a, 600 * VG_USEC_PER_SEC), 0);
	ck_assert_uint_eq(vg_assembler_expire(a, 601 * VG_USEC_PER_SEC), 1);
	ck_assert_uint_eq(vg_assembler_open_count(a), 0);
	mk(&t2, "00000000000000e2", g_rule_low, 700, p1);
	ck_assert_str_ne(vg_assembler_add(a, &t2.alert, &changed)->id, id1);
	vg_assembler_destroy(a);
}
END_TEST

START_TEST(ids_are_deterministic_and_restore_resumes)
{
	struct test_alert t1, t2;
	bool changed;
	const char *p1[] = {"source.ip", "192.0.2.9", NULL};
	mk(&t1, "00000000000000f1", g_rule_low, 10, p1);
	mk(&t2, "00000000000000f2", g_rule_high, 20, p1);
	struct vg_assembler *a = mk_assembler(false), *b = mk_assembler(false);
	struct vg_incident *ia = vg_assembler_add(a, &t1.alert, &changed);
	struct vg_incident *ib = vg_assembler_add(b, &t1.alert, &changed);
	ck_assert_str_eq(ia->id, ib->id);
	/* Restore a's incident into a fresh assembler; a replay of t1 is a no-op and
	 * t2 extends it with the next version. */
	struct vg_assembler *c = mk_assembler(false);
	ck_assert_int_eq(vg_assembler_restore(c, ia), VG_OK);
	ck_assert_int_eq(vg_assembler_restore(c, ia), VG_ERR_INVALID);
	struct vg_incident *ic = vg_assembler_add(c, &t1.alert, &changed);
	ck_assert(!changed);
	ck_assert_str_eq(ic->id, ia->id);
	ic = vg_assembler_add(c, &t2.alert, &changed);
	ck_assert(changed);
	ck_assert_str_eq(ic->id, ia->id);
	ck_assert_uint_eq(ic->version, 2);
	ck_assert_uint_eq(ic->nalerts, 2);

	/* a store written by an older version: ip "-" named nothing, hosts kept
	 * their case -- restored as this version makes entities */
	struct vg_entity old_ents[] = {
	    {VG_ENT_IP, (char *)"-", 10, 1},
	    {VG_ENT_HOST, (char *)"WEB01", 10, 1},
	    {VG_ENT_USER, (char *)"bob@WEB01", 10, 1},
	    {VG_ENT_USER, (char *)"-@WEB01", 10, 1},
	};
	struct vg_incident old = *ia;
	old.entities = old_ents;
	old.nentities = sizeof(old_ents) / sizeof(old_ents[0]);
	struct vg_assembler *d = mk_assembler(false);
	ck_assert_int_eq(vg_assembler_restore(d, &old), VG_OK);
	struct vg_incident *id = vg_assembler_get(d, ia->id);
	ck_assert_ptr_nonnull(id);
	ck_assert_uint_eq(id->nentities, 2);
	ck_assert_int_eq(id->entities[0].type, VG_ENT_HOST);
	ck_assert_str_eq(id->entities[0].value, "web01");
	ck_assert_str_eq(id->entities[1].value, "bob@web01");
	/* bob on web01 joins it through the restored account */
	struct test_alert t3;
	const char *p3[] = {"host.name", "web01", "user.name", "bob", NULL};
	mk(&t3, "00000000000000f3", g_rule_low, 30, p3);
	ck_assert_str_eq(vg_assembler_add(d, &t3.alert, &changed)->id, ia->id);
	vg_assembler_destroy(d);
	vg_assembler_destroy(a);
	vg_assembler_destroy(b);
	vg_assembler_destroy(c);
}
END_TEST

START_TEST(alert_details_are_bounded)
{
	struct vg_assembler_conf conf = {.inactivity_gap = 600 * VG_USEC_PER_SEC,
	                                 .max_alerts_kept = 3};
	struct vg_assembler *a;
	ck_assert_int_eq(vg_assembler_new(&conf, &a), VG_OK);
	const char *p1[] = {"source.ip", "192.0.2.77", NULL};
	struct vg_incident *inc = NULL;
	for (int i = 0; i < 5; i++) {
		struct test_alert t;
		char id[17];
		bool changed;
		snprintf(id, sizeof(id), "%016x", 0x100 + i);
		mk(&t, id, g_rule_low, i, p1);
		t.alert.event_count = 10u + (uint64_t)i; /* 10 .. 14 */
		inc = vg_assembler_add(a, &t.alert, &changed);
		ck_assert(changed);
	}
	ck_assert_uint_eq(inc->nalerts, 3);
	ck_assert_uint_eq(inc->alerts_dropped, 2);
	ck_assert_uint_eq(inc->events_dropped, 13 + 14);
	ck_assert_uint_eq(inc->version, 5);

	/* a second incident, then a bridging alert: the merge carries the dropped
	 * alerts and their events, and what no longer fits is dropped too */
	const char *p2[] = {"user.name", "mallory", NULL};
	const char *both[] = {"source.ip", "192.0.2.77", "user.name", "mallory", NULL};
	struct test_alert t2, t3;
	bool changed;
	mk(&t2, "0000000000000200", g_rule_low, 6, p2);
	t2.alert.event_count = 100;
	ck_assert_ptr_nonnull(vg_assembler_add(a, &t2.alert, &changed));
	mk(&t3, "0000000000000201", g_rule_low, 7, both);
	t3.alert.event_count = 1000;
	inc = vg_assembler_add(a, &t3.alert, &changed);
	ck_assert_uint_eq(inc->nalerts, 3);
	ck_assert_uint_eq(inc->nalerts + inc->alerts_dropped, 7);
	ck_assert_uint_eq(inc->events_dropped, 13 + 14 + 100 + 1000);
	vg_assembler_destroy(a);
}
END_TEST

/* An alert past max_alerts_kept leaves no id in the incident, so it is not indexed
 * for replays: once its incident merges into another (or expires), a replay of it
 * must not find the incident it was counted in (that incident is freed: the replay
 * read freed memory), and is counted again where it joins, as after a restart.  A
 * detailed alert's replay is still recognised after the merge. */
START_TEST(replays_of_alerts_past_the_bound_after_a_merge)
{
	struct vg_assembler_conf conf = {.inactivity_gap = 600 * VG_USEC_PER_SEC,
	                                 .max_alerts_kept = 2};
	struct vg_assembler *a;
	ck_assert_int_eq(vg_assembler_new(&conf, &a), VG_OK);
	const char *user[] = {"user.name", "mallory", NULL};
	const char *ip[] = {"source.ip", "192.0.2.77", NULL};
	const char *both[] = {"source.ip", "192.0.2.77", "user.name", "mallory", NULL};
	struct test_alert b1, x[4], c;
	bool changed;
	mk(&b1, "0000000000000b01", g_rule_low, 0, user); /* the older incident */
	struct vg_incident *inc = vg_assembler_add(a, &b1.alert, &changed);
	char older[21];
	snprintf(older, sizeof(older), "%s", inc->id);
	for (int i = 0; i < 4; i++) { /* x[2] and x[3] past the bound */
		char id[17];
		snprintf(id, sizeof(id), "%016x", 0xa01 + i);
		mk(&x[i], id, g_rule_low, 1 + i, ip);
		inc = vg_assembler_add(a, &x[i].alert, &changed);
	}
	ck_assert_uint_eq(inc->alerts_dropped, 2);
	mk(&c, "0000000000000c01", g_rule_low, 5, both);
	inc = vg_assembler_add(a, &c.alert, &changed); /* merges x's into b1's */
	ck_assert_str_eq(inc->id, older);
	ck_assert_uint_eq(inc->nalerts + inc->alerts_dropped, 6);
	/* replays: x[3] (counted, never detailed) joins by its address and is
	 * counted again; x[0] (detailed, moved by the merge) is recognised */
	inc = vg_assembler_add(a, &x[3].alert, &changed);
	ck_assert(changed);
	ck_assert_str_eq(inc->id, older);
	ck_assert_uint_eq(inc->nalerts + inc->alerts_dropped, 7);
	inc = vg_assembler_add(a, &x[0].alert, &changed);
	ck_assert(!changed);
	ck_assert_str_eq(inc->id, older);
	/* after it expires, no replay finds it */
	ck_assert_uint_eq(vg_assembler_expire(a, 1000 * VG_USEC_PER_SEC), 1);
	inc = vg_assembler_add(a, &x[1].alert, &changed);
	ck_assert(changed);
	ck_assert_str_ne(inc->id, older);
	ck_assert_uint_eq(inc->nalerts, 1);
	vg_assembler_destroy(a);
}
END_TEST

START_TEST(configured_stop_values_never_link)
{
	static const char *const stops[] = {"ip:10.0.0.53", "user:root"};
	struct vg_assembler_conf conf = {.inactivity_gap = 600 * VG_USEC_PER_SEC,
	                                 .stop_values = stops,
	                                 .n_stop_values = 2};
	struct vg_assembler *a;
	ck_assert_int_eq(vg_assembler_new(&conf, &a), VG_OK);
	struct test_alert t1, t2, t3;
	bool changed;
	const char *p1[] = {"source.ip", "10.0.0.53", "host.name", "web01",
	                    "user.name", "root",      NULL};
	const char *p2[] = {"source.ip", "10.0.0.53", "host.name", "db01",
	                    "user.name", "root",      NULL};
	mk(&t1, "0000000000000101", g_rule_high, 10, p1);
	mk(&t2, "0000000000000102", g_rule_high, 20, p2);
	char id1[21];
	strcpy(id1, vg_assembler_add(a, &t1.alert, &changed)->id);
	struct vg_incident *i2 = vg_assembler_add(a, &t2.alert, &changed);
	ck_assert_str_ne(i2->id, id1); /* the resolver and root glue nothing */
	ck_assert_uint_eq(vg_assembler_open_count(a), 2);
	/* every skip was counted per linking value: the address twice, root on each
	 * host once (users link per host here: link_hosts is off) */
	struct vg_stop_stat st[8];
	size_t n = vg_assembler_take_stops(a, st, 8);
	ck_assert_uint_eq(n, 3);
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++) {
		ck_assert(st[i].configured);
		ck_assert_uint_eq(st[i].prevented, st[i].type == VG_ENT_IP ? 2 : 1);
		total += st[i].prevented;
	}
	ck_assert_uint_eq(total, 4);
	ck_assert_uint_eq(vg_assembler_take_stops(a, st, 8), 0); /* deltas */
	/* a value not listed still links */
	const char *p3[] = {"source.ip", "198.51.100.3", "user.name", "rooty", NULL};
	mk(&t3, "0000000000000103", g_rule_low, 30, p3);
	struct vg_incident *i3 = vg_assembler_add(a, &t3.alert, &changed);
	ck_assert_uint_eq(i3->nalerts, 1);
	vg_assembler_destroy(a);
}
END_TEST

/* Configured stop-values match the entities as the assembler writes them: a host
 * in any case, an address in any spelling, an account on a host written in
 * capitals. */
START_TEST(configured_stop_values_are_canonical)
{
	static const char *const stops[] = {"host:WEB01.Corp", "ip:::FFFF:10.0.0.53",
	                                    "user:svc@WEB01.CORP"};
	struct vg_assembler_conf conf = {.inactivity_gap = 600 * VG_USEC_PER_SEC,
	                                 .link_hosts = true,
	                                 .stop_values = stops,
	                                 .n_stop_values = 3};
	struct vg_assembler *a;
	ck_assert_int_eq(vg_assembler_new(&conf, &a), VG_OK);
	struct test_alert t1, t2;
	bool changed;
	const char *p1[] = {"source.ip", "10.0.0.53", "host.name", "web01.corp",
	                    "user.name", "svc",       NULL};
	const char *p2[] = {"source.ip", "10.0.0.53", "host.name", "Web01.Corp",
	                    "user.name", "svc",       NULL};
	mk(&t1, "0000000000000111", g_rule_high, 10, p1);
	mk(&t2, "0000000000000112", g_rule_high, 20, p2);
	char id1[21];
	strcpy(id1, vg_assembler_add(a, &t1.alert, &changed)->id);
	ck_assert_str_ne(vg_assembler_add(a, &t2.alert, &changed)->id, id1);
	ck_assert_uint_eq(vg_assembler_open_count(a), 2);
	struct vg_stop_stat st[8];
	size_t n = vg_assembler_take_stops(a, st, 8), seen = 0;
	for (size_t i = 0; i < n; i++) {
		ck_assert(st[i].configured);
		seen |= 1u << st[i].type;
	}
	ck_assert_uint_eq(seen, 1u << VG_ENT_IP | 1u << VG_ENT_HOST | 1u << VG_ENT_USER);
	vg_assembler_destroy(a);
}
END_TEST

/* A value carried by stop_max_alerts alerts within the window stops linking, and a
 * restored assembler decides the same (the rate is rebuilt from restored alerts). */
START_TEST(busy_values_become_stop_values)
{
	struct vg_assembler_conf conf = {.inactivity_gap = 600 * VG_USEC_PER_SEC,
	                                 .stop_max_alerts = 3,
	                                 .stop_window = 100 * VG_USEC_PER_SEC};
	struct vg_assembler *a, *b;
	ck_assert_int_eq(vg_assembler_new(&conf, &a), VG_OK);
	ck_assert_int_eq(vg_assembler_new(&conf, &b), VG_OK);
	const char *p1[] = {"source.ip", "192.0.2.200", NULL};
	struct vg_incident *inc = NULL;
	bool changed;
	for (int i = 0; i < 3; i++) {
		struct test_alert t;
		char id[17];
		snprintf(id, sizeof(id), "%016x", 0x200 + i);
		mk(&t, id, g_rule_low, 10 + i, p1);
		inc = vg_assembler_add(a, &t.alert, &changed);
	}
	ck_assert_uint_eq(inc->nalerts, 3); /* below the bound: they link */
	char inc_id[21];
	strcpy(inc_id, inc->id);
	ck_assert_int_eq(vg_assembler_restore(b, inc), VG_OK);
	struct test_alert t4;
	mk(&t4, "0000000000000204", g_rule_low, 20, p1);
	char ida[21], idb[21];
	strcpy(ida, vg_assembler_add(a, &t4.alert, &changed)->id);
	strcpy(idb, vg_assembler_add(b, &t4.alert, &changed)->id);
	ck_assert_str_ne(ida, inc_id); /* the fourth opens its own incident */
	ck_assert_str_eq(ida, idb);    /* and the restored assembler agrees */
	struct vg_stop_stat st[4];
	ck_assert_uint_eq(vg_assembler_take_stops(a, st, 4), 1);
	ck_assert(!st[0].configured);
	ck_assert_str_eq(st[0].value, "192.0.2.200");
	ck_assert_uint_eq(st[0].prevented, 1);
	/* past the window the value links again */
	struct test_alert t5;
	mk(&t5, "0000000000000205", g_rule_low, 130, p1);
	struct vg_incident *i5 = vg_assembler_add(a, &t5.alert, &changed);
	/* both open incidents hold it and are joinable: they merge, oldest first */
	ck_assert_str_eq(i5->id, inc_id);
	ck_assert_uint_eq(i5->nalerts, 5);
	vg_assembler_destroy(a);
	vg_assembler_destroy(b);
}
END_TEST

/* The stop-value rate counts the alerts before the one at hand, not after it: an
 * alert assembled out of time order (a late event's, past the watermark) links with
 * its neighbours in time although the value got busy later on. */
START_TEST(later_alerts_do_not_stop_an_earlier_one)
{
	struct vg_assembler_conf conf = {.inactivity_gap = 600 * VG_USEC_PER_SEC,
	                                 .stop_max_alerts = 3,
	                                 .stop_window = 100 * VG_USEC_PER_SEC};
	struct vg_assembler *a;
	ck_assert_int_eq(vg_assembler_new(&conf, &a), VG_OK);
	const char *p1[] = {"source.ip", "192.0.2.201", NULL};
	bool changed;
	for (int i = 0; i < 3; i++) { /* busy at 5,000 s */
		struct test_alert t;
		char id[17];
		snprintf(id, sizeof(id), "%016x", 0x300 + i);
		mk(&t, id, g_rule_low, 5000 + i, p1);
		ck_assert_ptr_nonnull(vg_assembler_add(a, &t.alert, &changed));
	}
	struct test_alert l1, l2;
	mk(&l1, "0000000000000310", g_rule_low, 1000, p1); /* then two late ones */
	mk(&l2, "0000000000000311", g_rule_low, 1001, p1);
	char id1[21];
	strcpy(id1, vg_assembler_add(a, &l1.alert, &changed)->id);
	struct vg_incident *i2 = vg_assembler_add(a, &l2.alert, &changed);
	ck_assert_str_eq(i2->id, id1);
	ck_assert_uint_eq(i2->nalerts, 2);
	struct vg_stop_stat st[4];
	ck_assert_uint_eq(vg_assembler_take_stops(a, st, 4), 0);
	vg_assembler_destroy(a);
}
END_TEST

/* Hosts and accounts link only into an incident with a notable alert, and only when
 * no strong key linked: the attack follows its account to the next host, while
 * two benign logins on one host stay apart. */
START_TEST(weak_links_follow_notable_incidents)
{
	struct vg_assembler *a = mk_assembler(true);
	struct test_alert t1, t2, t3, t4;
	bool changed;
	const char *p1[] = {"host.name", "web02", "user.name", "alice", NULL};
	const char *p2[] = {"host.name", "web02", "user.name", "bob", NULL};
	mk(&t1, "0000000000000301", g_rule_low, 10, p1);
	mk(&t2, "0000000000000302", g_rule_low, 20, p2);
	char b1[21];
	strcpy(b1, vg_assembler_add(a, &t1.alert, &changed)->id);
	ck_assert_str_ne(vg_assembler_add(a, &t2.alert, &changed)->id, b1);
	/* a notable alert on web01 as deploy, then deploy logs in on db01 from
	 * web01's address: same account, another host */
	const char *p3[] = {"source.ip", "203.0.113.5", "host.name", "web01",
	                    "user.name", "deploy",      NULL};
	const char *p4[] = {"source.ip", "10.0.0.11", "host.name", "db01",
	                    "user.name", "deploy",    NULL};
	mk(&t3, "0000000000000303", g_rule_high, 30, p3);
	mk(&t4, "0000000000000304", g_rule_low, 90, p4);
	char att[21];
	strcpy(att, vg_assembler_add(a, &t3.alert, &changed)->id);
	struct vg_incident *inc = vg_assembler_add(a, &t4.alert, &changed);
	ck_assert_str_eq(inc->id, att);
	ck_assert_uint_eq(inc->nalerts, 2);
	/* a benign login on web01 joins the attack's host; on web02 it does not */
	struct test_alert t5, t6;
	const char *p5[] = {"host.name", "web01", "user.name", "carol", NULL};
	const char *p6[] = {"host.name", "web02", "user.name", "dave", NULL};
	mk(&t5, "0000000000000305", g_rule_low, 100, p5);
	mk(&t6, "0000000000000306", g_rule_low, 110, p6);
	ck_assert_str_eq(vg_assembler_add(a, &t5.alert, &changed)->id, att);
	ck_assert_str_ne(vg_assembler_add(a, &t6.alert, &changed)->id, att);
	ck_assert_uint_eq(vg_assembler_open_count(a), 4);
	/* the account link ends a gap after the last notable alert */
	struct test_alert t7;
	const char *p7[] = {"host.name", "app01", "user.name", "deploy", NULL};
	mk(&t7, "0000000000000307", g_rule_low, 30 + 601, p7);
	ck_assert_str_ne(vg_assembler_add(a, &t7.alert, &changed)->id, att);
	vg_assembler_destroy(a);
}
END_TEST

/* A merge keeps what makes its parts notable, detailed or not: the weak links an
 * incident takes do not depend on max_alerts_kept.  Before, the survivor rebuilt it
 * from the absorbed part's detailed alerts only, and lost a notable alert past the
 * bound (counted in alerts_dropped). */
START_TEST(merge_keeps_notable_alerts_past_the_bound)
{
	const char *pa1[] = {"source.ip", "198.51.100.1", "host.name", "h1", NULL};
	const char *pb1[] = {"source.ip",        "198.51.100.2", "host.name", "h2",
	                     "file.hash.sha256", "aa",           NULL};
	const char *pb2[] = {"source.ip", "198.51.100.2", "host.name", "h2", NULL};
	const char *px[] = {"source.ip",        "198.51.100.1", "host.name", "h3",
	                    "file.hash.sha256", "aa",           NULL};
	const char *py[] = {"source.ip", "198.51.100.9", "host.name", "h2", NULL};
	const size_t keep[] = {1000, 1};
	for (size_t k = 0; k < sizeof(keep) / sizeof(keep[0]); k++) {
		struct vg_assembler_conf conf = {.inactivity_gap = 600 * VG_USEC_PER_SEC,
		                                 .link_hosts = true,
		                                 .max_alerts_kept = keep[k]};
		struct vg_assembler *a;
		ck_assert_int_eq(vg_assembler_new(&conf, &a), VG_OK);
		struct test_alert a1, b1, b2, x, y;
		bool changed;
		char ia[21], ib[21];
		mk(&a1, "0000000000000401", g_rule_low, 100, pa1);
		mk(&b1, "0000000000000402", g_rule_low, 110, pb1);
		mk(&b2, "0000000000000403", g_rule_high, 120, pb2); /* by its address */
		mk(&x, "0000000000000404", g_rule_low, 130, px);
		mk(&y, "0000000000000405", g_rule_low, 140, py);
		strcpy(ia, vg_assembler_add(a, &a1.alert, &changed)->id);
		strcpy(ib, vg_assembler_add(a, &b1.alert, &changed)->id);
		struct vg_incident *inc = vg_assembler_add(a, &b2.alert, &changed);
		ck_assert_str_eq(inc->id, ib);
		ck_assert_uint_eq(inc->alerts_dropped, keep[k] == 1); /* b2 */
		/* x bridges them (address of a1, hash of b1) into a1's, the older */
		inc = vg_assembler_add(a, &x.alert, &changed);
		ck_assert_str_eq(inc->id, ia);
		ck_assert_uint_eq(vg_assembler_open_count(a), 1);
		/* y names only h2: a weak link, into a notable incident alone; b2,
		 * high, 20 s before, makes it one, detailed or not */
		inc = vg_assembler_add(a, &y.alert, &changed);
		ck_assert_msg(!strcmp(inc->id, ia), "max_alerts_kept %zu: y opened %s",
		              keep[k], inc->id);
		ck_assert_uint_eq(vg_assembler_open_count(a), 1);
		vg_assembler_destroy(a);
	}
}
END_TEST

/* A restart keeps what makes an incident notable, detailed or not: restored with
 * its notable_last (the store keeps it), an incident whose notable alert is past
 * max_alerts_kept takes the weak link it took before the restart.  Before, the
 * restore rebuilt it from the detailed alerts alone: the restarted engine opened a
 * new incident for the link the uninterrupted one made. */
START_TEST(restore_keeps_notable_alerts_past_the_bound)
{
	const char *pb1[] = {"source.ip", "198.51.100.2", "host.name", "h2", NULL};
	const char *py[] = {"source.ip", "198.51.100.9", "host.name", "h2", NULL};
	struct vg_assembler_conf conf = {.inactivity_gap = 600 * VG_USEC_PER_SEC,
	                                 .link_hosts = true,
	                                 .max_alerts_kept = 1};
	struct vg_assembler *a, *r;
	ck_assert_int_eq(vg_assembler_new(&conf, &a), VG_OK);
	ck_assert_int_eq(vg_assembler_new(&conf, &r), VG_OK);
	struct test_alert b1, b2, y;
	bool changed;
	mk(&b1, "0000000000000501", g_rule_low, 110, pb1);
	mk(&b2, "0000000000000502", g_rule_high, 120, pb1);
	mk(&y, "0000000000000503", g_rule_low, 140, py);
	vg_assembler_add(a, &b1.alert, &changed);
	struct vg_incident *inc = vg_assembler_add(a, &b2.alert, &changed);
	ck_assert_uint_eq(inc->alerts_dropped, 1); /* b2, past the bound */
	ck_assert_int_eq(inc->notable_last, b2.alert.last_ts);
	/* its level and tactic count for the incident's text too */
	const uint16_t privesc =
	    (uint16_t)(1u << vg_tactic_index("attack.privilege-escalation"));
	ck_assert_uint_eq(inc->dropped_level, VG_LEVEL_HIGH);
	ck_assert_uint_eq(inc->dropped_tactics, privesc);
	ck_assert_int_eq(vg_assembler_restore(r, inc), VG_OK);
	ck_assert_int_eq(vg_assembler_get(r, inc->id)->notable_last, b2.alert.last_ts);
	ck_assert_uint_eq(vg_assembler_get(r, inc->id)->dropped_level, VG_LEVEL_HIGH);
	ck_assert_uint_eq(vg_assembler_get(r, inc->id)->dropped_tactics, privesc);
	/* y names only h2 (a weak link): into the notable incident, both ways */
	ck_assert_str_eq(vg_assembler_add(a, &y.alert, &changed)->id, inc->id);
	ck_assert_str_eq(vg_assembler_add(r, &y.alert, &changed)->id, inc->id);
	ck_assert_uint_eq(vg_assembler_open_count(r), 1);
	vg_assembler_destroy(a);
	vg_assembler_destroy(r);
}
END_TEST

/* Third-party alerts repeating one signature on one host are one incident per gap,
 * past the automatic stop-value bound; other signatures or hosts stay apart; the
 * incident carries the signature's stream statistics (runs, hosts). */
START_TEST(signatures_group_per_host_and_gap)
{
	struct vg_assembler_conf conf = {.inactivity_gap = 600 * VG_USEC_PER_SEC,
	                                 .stop_max_alerts = 3};
	struct vg_assembler *a;
	ck_assert_int_eq(vg_assembler_new(&conf, &a), VG_OK);
	const char *cav[] = {"rule.id", "W-Sys-Cav", "host.name", "mail", NULL};
	const char *cav2[] = {"rule.id", "W-Sys-Cav", "host.name", "mail2", NULL};
	const char *nmp[] = {"rule.id", "S-Flw-Nmp", "host.name", "mail", NULL};
	bool changed;
	char first[21];
	struct vg_incident *inc = NULL;
	for (int i = 0; i < 10; i++) {
		struct test_alert t;
		char id[17];
		snprintf(id, sizeof(id), "%016x", 0x400 + i);
		mk(&t, id, g_rule_low, 10 + 5 * i, cav);
		inc = vg_assembler_add(a, &t.alert, &changed);
		if (!i)
			strcpy(first, inc->id);
		ck_assert_str_eq(inc->id, first);
	}
	ck_assert_uint_eq(inc->nalerts, 10);
	ck_assert(inc->has_sig);
	ck_assert_uint_eq(inc->sig_runs_min, 0);
	ck_assert_uint_eq(inc->sig_hosts_max, 1);
	struct test_alert o1, o2, late;
	mk(&o1, "0000000000000501", g_rule_low, 100, nmp);
	mk(&o2, "0000000000000502", g_rule_low, 101, cav2);
	ck_assert_str_ne(vg_assembler_add(a, &o1.alert, &changed)->id, first);
	inc = vg_assembler_add(a, &o2.alert, &changed);
	ck_assert_str_ne(inc->id, first);
	ck_assert_uint_eq(inc->sig_hosts_max, 2); /* W-Sys-Cav on mail and mail2 */
	/* past the gap: a new incident, the pair's second run */
	mk(&late, "0000000000000503", g_rule_low, 55 + 601, cav);
	inc = vg_assembler_add(a, &late.alert, &changed);
	ck_assert_str_ne(inc->id, first);
	ck_assert_uint_eq(inc->sig_runs_min, 1);
	vg_assembler_destroy(a);
}
END_TEST

/* Network novelty: pairs new to the stream past the warm-up are counted by the
 * incidents starting within the gap around them, touched ones are reported, and
 * the stream's start and the novelties survive a restart through the statistics. */
/* A restart's statistics: the rows a changed since the last take, into b. */
static void restore_stats(struct vg_assembler *a, struct vg_assembler *b)
{
	struct vg_sig_stat_row rows[32];
	size_t n;
	while ((n = vg_assembler_take_sig_stats(a, rows, 32)) > 0)
		for (size_t i = 0; i < n; i++)
			ck_assert_int_eq(vg_assembler_restore_sig_stat(b, rows[i].key,
			                                               rows[i].runs,
			                                               rows[i].last_ts),
			                 VG_OK);
}

/* The times in the changed rows of pair's opening slots 0 and 1 (-1: unchanged). */
static void opening_rows(struct vg_assembler *a, const char *pair, vg_time *t0,
                         vg_time *t1)
{
	struct vg_sig_stat_row rows[32];
	char k0[64], k1[64];
	size_t n;
	snprintf(k0, sizeof(k0), "open0:%s", pair);
	snprintf(k1, sizeof(k1), "open1:%s", pair);
	*t0 = *t1 = -1;
	while ((n = vg_assembler_take_sig_stats(a, rows, 32)) > 0)
		for (size_t i = 0; i < n; i++) {
			if (!strcmp(rows[i].key, k0))
				*t0 = rows[i].last_ts;
			if (!strcmp(rows[i].key, k1))
				*t1 = rows[i].last_ts;
		}
}

/* A third-party alert with signature sig (and rule.name name, unless NULL) on host
 * at sec, assembled. */
static struct vg_incident *add_named(struct vg_assembler *a, const char *id, int sec,
                                     const char *sig, const char *name, const char *host)
{
	const char *kv[] = {"rule.id", sig, "host.name", host, name ? "rule.name" : NULL,
	                    name,      NULL};
	struct test_alert t;
	bool changed;
	mk(&t, id, g_rule_low, sec, kv);
	struct vg_incident *inc = vg_assembler_add(a, &t.alert, &changed);
	ck_assert_ptr_nonnull(inc);
	return inc;
}

static struct vg_incident *add_sig(struct vg_assembler *a, const char *id, int sec,
                                   const char *sig, const char *host)
{
	return add_named(a, id, sec, sig, NULL, host);
}

/* A signature and a host as long as alerts can carry them (a crafted third-party
 * alert): every statistics row keeps its whole key, so the rows drain (a row cut
 * short stayed in the assembler's dirty set, and the pipeline's drain of it never
 * ended) and a restart gets the pair's host back from them.  Signatures are kept to
 * their first 256 bytes. */
START_TEST(long_signatures_and_hosts_keep_their_statistics)
{
	struct vg_assembler_conf conf = {.inactivity_gap = 600 * VG_USEC_PER_SEC,
	                                 .novelty_warmup = 1000 * VG_USEC_PER_SEC};
	struct vg_assembler *a, *b;
	char sig[1001], host[VG_ENTITY_VALUE_MAX], open_key[1024], novel_key[1024];
	memset(sig, 'S', sizeof(sig) - 1);
	sig[sizeof(sig) - 1] = '\0';
	memset(host, 'h', sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	snprintf(open_key, sizeof(open_key), "open0:sig:%.256s@%s", sig, host);
	snprintf(novel_key, sizeof(novel_key), "novel:sig:%.256s@%s", sig, host);
	ck_assert_int_eq(vg_assembler_new(&conf, &a), VG_OK);
	ck_assert_int_eq(vg_assembler_new(&conf, &b), VG_OK);
	add_sig(a, "00000000000000d1", 0, "A", "h0"); /* the stream's start */
	ck_assert(add_sig(a, "00000000000000d2", 2000, sig, host)->novel_pair);
	struct vg_sig_stat_row rows[4];
	size_t n, takes = 0;
	bool open_row = false, novel_row = false;
	while ((n = vg_assembler_take_sig_stats(a, rows, 4)) > 0) {
		ck_assert_uint_lt(++takes, 10); /* 7 rows, 4 at a time */
		for (size_t i = 0; i < n; i++) {
			open_row |= !strcmp(rows[i].key, open_key);
			novel_row |= !strcmp(rows[i].key, novel_key);
			ck_assert_int_eq(vg_assembler_restore_sig_stat(b, rows[i].key,
			                                               rows[i].runs,
			                                               rows[i].last_ts),
			                 VG_OK);
		}
	}
	ck_assert(open_row);
	ck_assert(novel_row);
	/* after the restart: the pair is known, and its opening counts on its host */
	struct vg_incident *inc = add_sig(b, "00000000000000d3", 2100, "B", host);
	ck_assert(inc->novel_pair);
	ck_assert_uint_eq(inc->host_neighbours, 1);
	ck_assert_uint_eq(inc->network_novelty, 1);
	inc = add_sig(b, "00000000000000d4", 5000, sig, host);
	ck_assert(!inc->novel_pair);
	vg_assembler_destroy(a);
	vg_assembler_destroy(b);
}
END_TEST

START_TEST(network_novelty_counts_new_pairs_nearby)
{
	struct vg_assembler_conf conf = {.inactivity_gap = 600 * VG_USEC_PER_SEC,
	                                 .novelty_warmup = 1000 * VG_USEC_PER_SEC};
	struct vg_assembler *a, *b;
	char ids[8][21], l_id[21];
	ck_assert_int_eq(vg_assembler_new(&conf, &a), VG_OK);
	/* within the warm-up: new pairs are not novelties */
	struct vg_incident *inc = add_sig(a, "00000000000000a1", 0, "X", "h1");
	ck_assert(!inc->novel_pair);
	inc = add_sig(a, "00000000000000a2", 500, "Y", "h2");
	ck_assert(!inc->novel_pair);
	ck_assert_uint_eq(inc->network_novelty, 0);
	ck_assert_uint_eq(vg_assembler_take_touched(a, ids, 8), 0);
	/* past it: L is a novelty with none before it */
	inc = add_sig(a, "00000000000000a3", 2000, "Z", "h3");
	ck_assert(inc->novel_pair);
	ck_assert_uint_eq(inc->network_novelty, 0);
	strcpy(l_id, inc->id);
	/* M 100 s later: counts L, and L counts M (touched) */
	inc = add_sig(a, "00000000000000a4", 2100, "W", "h4");
	ck_assert(inc->novel_pair);
	ck_assert_uint_eq(inc->network_novelty, 1);
	ck_assert_uint_eq(vg_assembler_take_touched(a, ids, 8), 1);
	ck_assert_str_eq(ids[0], l_id);
	ck_assert_uint_eq(vg_assembler_get(a, l_id)->network_novelty, 1);
	/* a known pair's new run: not novel, counts both */
	inc = add_sig(a, "00000000000000a5", 2150, "X", "h1");
	ck_assert(!inc->novel_pair);
	ck_assert_uint_eq(inc->network_novelty, 2);
	/* later than a gap after them: neither counts nor touches */
	inc = add_sig(a, "00000000000000a6", 3000, "V", "h5");
	ck_assert(inc->novel_pair);
	ck_assert_uint_eq(inc->network_novelty, 0);
	ck_assert_uint_eq(vg_assembler_take_touched(a, ids, 8), 0);
	/* late arrivals (detectors deliver late): a known pair's alert from 2050
	 * counts L and M, after it; a late novelty is counted by the four incidents
	 * that started within the gap of it, either side */
	inc = add_sig(a, "00000000000000a7", 2050, "Y", "h2");
	ck_assert_uint_eq(inc->network_novelty, 2);
	inc = add_sig(a, "00000000000000a8", 2060, "Q", "h7");
	ck_assert(inc->novel_pair);
	ck_assert_uint_eq(inc->network_novelty, 2);
	ck_assert_uint_eq(vg_assembler_take_touched(a, ids, 8), 4);
	ck_assert_uint_eq(vg_assembler_get(a, l_id)->network_novelty, 2);

	/* a restart: the statistics rows give back the start and the novelties */
	ck_assert_int_eq(vg_assembler_new(&conf, &b), VG_OK);
	struct vg_sig_stat_row rows[16];
	size_t n, total = 0;
	while ((n = vg_assembler_take_sig_stats(a, rows, 16)) > 0)
		for (size_t i = 0; i < n; i++, total++)
			ck_assert_int_eq(vg_assembler_restore_sig_stat(b, rows[i].key,
			                                               rows[i].runs,
			                                               rows[i].last_ts),
			                 VG_OK);
	ck_assert_uint_gt(total, 0);
	inc = add_sig(b, "00000000000000b1", 2200, "U", "h6");
	ck_assert(inc->novel_pair);                 /* warm-up from the restored start */
	ck_assert_uint_eq(inc->network_novelty, 3); /* L, M and Q; not V (too late) */
	inc = add_sig(b, "00000000000000b2", 2300, "Z", "h3");
	ck_assert(!inc->novel_pair); /* L's pair is known after the restart */
	vg_assembler_destroy(a);
	vg_assembler_destroy(b);
}
END_TEST

/* Host memory: a new incident counts the novelties on its host within host_memory
 * before its first alert, not its own pair's, not another host's; a restart gets
 * them back from the "novel:" rows; host_memory 0 counts none. */
START_TEST(host_prior_novelties_remember_the_hosts_news)
{
	struct vg_assembler_conf conf = {.inactivity_gap = 600 * VG_USEC_PER_SEC,
	                                 .novelty_warmup = 1000 * VG_USEC_PER_SEC,
	                                 .host_memory = 5000 * VG_USEC_PER_SEC};
	struct vg_assembler *a, *b, *off;
	ck_assert_int_eq(vg_assembler_new(&conf, &a), VG_OK);
	/* within the warm-up: pairs seen, no novelty, nothing counted */
	ck_assert_uint_eq(
	    add_sig(a, "00000000000000c1", 0, "X", "h1")->host_prior_novelties, 0);
	add_sig(a, "00000000000000c2", 10, "K", "h3");
	/* two novelties on h3; the second counts the first, not itself */
	struct vg_incident *inc = add_sig(a, "00000000000000c3", 2000, "Z", "h3");
	ck_assert(inc->novel_pair);
	ck_assert_uint_eq(inc->host_prior_novelties, 0);
	inc = add_sig(a, "00000000000000c4", 2100, "W", "h3");
	ck_assert(inc->novel_pair);
	ck_assert_uint_eq(inc->host_prior_novelties, 1);
	/* hours later, a known pair's new run on h3 counts both; on h1, none */
	inc = add_sig(a, "00000000000000c5", 4000, "K", "h3");
	ck_assert(!inc->novel_pair);
	ck_assert_uint_eq(inc->host_prior_novelties, 2);
	ck_assert_uint_eq(
	    add_sig(a, "00000000000000c6", 4000, "X", "h1")->host_prior_novelties, 0);
	/* a novel pair's later run: its own novelty is no news */
	inc = add_sig(a, "00000000000000c7", 4500, "Z", "h3");
	ck_assert(!inc->novel_pair);
	ck_assert_uint_eq(inc->host_prior_novelties, 1);

	/* a restart: the rows give the host's novelties back */
	ck_assert_int_eq(vg_assembler_new(&conf, &b), VG_OK);
	restore_stats(a, b);
	inc = add_sig(b, "00000000000000d1", 4600, "K", "h3");
	ck_assert_uint_eq(inc->host_prior_novelties, 2);
	/* past host_memory after the first novelty: only the second counts */
	inc = add_sig(a, "00000000000000c8", 7050, "K", "h3");
	ck_assert_uint_eq(inc->host_prior_novelties, 1);
	inc = add_sig(b, "00000000000000d2", 7050, "X", "h3");
	ck_assert(inc->novel_pair);
	ck_assert_uint_eq(inc->host_prior_novelties, 1);

	/* host_memory 0: never counted */
	conf.host_memory = 0;
	ck_assert_int_eq(vg_assembler_new(&conf, &off), VG_OK);
	add_sig(off, "00000000000000e1", 0, "X", "h1");
	add_sig(off, "00000000000000e2", 2000, "Z", "h3");
	ck_assert_uint_eq(
	    add_sig(off, "00000000000000e3", 2100, "W", "h3")->host_prior_novelties, 0);
	vg_assembler_destroy(a);
	vg_assembler_destroy(b);
	vg_assembler_destroy(off);
}
END_TEST

/* A third-party alert's pair is its rule.id and rule.name together: a never-seen
 * name under a known id is a novelty on its host (and counted by its neighbours),
 * the same name again is not, while the alerts still group by the id (one
 * incident); the row is "pair:sig:<id>|<name>@<host>".  A stream restored from
 * statistics without "stream:named-pairs" (an older store, whose pairs were the
 * id's) starts again: its warm-up runs from the next alert, so no known (id, name)
 * is taken for news, and the marker is written. */
START_TEST(named_pairs_find_news_within_a_family)
{
	struct vg_assembler_conf conf = {.inactivity_gap = 600 * VG_USEC_PER_SEC,
	                                 .novelty_warmup = 1000 * VG_USEC_PER_SEC,
	                                 .host_memory = 5000 * VG_USEC_PER_SEC};
	struct vg_assembler *a, *b;
	ck_assert_int_eq(vg_assembler_new(&conf, &a), VG_OK);
	add_named(a, "00000000000000f1", 0, "A-Aud-Com6", "New user_start", "srv");
	struct vg_incident *inc =
	    add_named(a, "00000000000000f2", 2000, "A-Aud-Com6", "New user_start", "srv");
	ck_assert(!inc->novel_pair); /* known since the warm-up */
	char fam[21];
	strcpy(fam, inc->id);
	inc =
	    add_named(a, "00000000000000f3", 2010, "A-Aud-Com6", "New user_acct", "srv");
	ck_assert_str_eq(inc->id, fam); /* grouped by the id */
	ck_assert(inc->novel_pair);
	ck_assert_uint_eq(inc->network_novelty, 0); /* its own */
	inc = add_named(a, "00000000000000f4", 2020, "W-Aut-Sud", "First sudo", "srv");
	ck_assert(inc->novel_pair);
	ck_assert_uint_eq(inc->network_novelty, 1); /* user_acct's */
	ck_assert_uint_eq(inc->host_prior_novelties, 1);
	ck_assert_uint_eq(vg_assembler_get(a, fam)->network_novelty, 1); /* sudo's */
	/* the same (id, name) on the host again: no news; on another host: news */
	inc =
	    add_named(a, "00000000000000f5", 3000, "A-Aud-Com6", "New user_acct", "srv");
	ck_assert(!inc->novel_pair);
	ck_assert_str_ne(inc->id, fam);                  /* a gap later */
	ck_assert_uint_eq(inc->host_prior_novelties, 1); /* sudo's; its own is no news */
	ck_assert(
	    add_named(a, "00000000000000f6", 3000, "A-Aud-Com6", "New user_acct", "srv2")
	        ->novel_pair);
	struct vg_sig_stat_row rows[32];
	size_t n;
	bool pair_row = false, marker = false;
	ck_assert_int_eq(vg_assembler_new(&conf, &b), VG_OK);
	while ((n = vg_assembler_take_sig_stats(a, rows, 32)) > 0)
		for (size_t i = 0; i < n; i++) {
			pair_row |= !strcmp(
			    rows[i].key, "novel:pair:sig:A-Aud-Com6|New user_acct@srv");
			marker |= !strcmp(rows[i].key, "stream:named-pairs");
			if (strcmp(rows[i].key, "stream:named-pairs") != 0)
				ck_assert_int_eq(
				    vg_assembler_restore_sig_stat(
				        b, rows[i].key, rows[i].runs, rows[i].last_ts),
				    VG_OK);
		}
	ck_assert(pair_row);
	ck_assert(marker);
	/* b: restored as an older store would be, without the marker */
	inc = add_named(b, "00000000000000f7", 4000, "A-Aud-Com6", "New user_cmd", "srv");
	ck_assert(!inc->novel_pair); /* warming up again from 4000 */
	ck_assert_uint_eq(inc->host_neighbours, 0);
	marker = false;
	vg_time start = 0;
	while ((n = vg_assembler_take_sig_stats(b, rows, 32)) > 0)
		for (size_t i = 0; i < n; i++) {
			marker |= !strcmp(rows[i].key, "stream:named-pairs");
			if (!strcmp(rows[i].key, "stream:start"))
				start = rows[i].last_ts;
		}
	ck_assert(marker);
	ck_assert_int_eq(start, 4000 * VG_USEC_PER_SEC);
	ck_assert(
	    add_named(b, "00000000000000f8", 5100, "A-Aud-Com6", "New user_end", "srv")
	        ->novel_pair); /* past the new warm-up */
	vg_assembler_destroy(a);
	vg_assembler_destroy(b);
}
END_TEST

/* A family whose names vary freely on a host (a rule description carrying the
 * event's values) shows 16 of them as pairs of their own; past that a new name is
 * its id's pair there, no news -- after a restart too; on another host the count
 * starts afresh.  Each alert a gap after the last, so each opens its incident. */
START_TEST(named_pairs_of_a_family_are_bounded_per_host)
{
	struct vg_assembler_conf conf = {.inactivity_gap = 600 * VG_USEC_PER_SEC,
	                                 .novelty_warmup = 1000 * VG_USEC_PER_SEC};
	struct vg_assembler *a, *b;
	char id[17], name[32];
	ck_assert_int_eq(vg_assembler_new(&conf, &a), VG_OK);
	ck_assert_int_eq(vg_assembler_new(&conf, &b), VG_OK);
	add_named(a, "0000000000000100", 0, "5710", "user u0", "h"); /* name 1 */
	for (int i = 1; i <= 16; i++) {
		snprintf(id, sizeof(id), "%016x", 0x100 + i);
		snprintf(name, sizeof(name), "user u%d", i);
		struct vg_incident *inc =
		    add_named(a, id, 1000 + 700 * i, "5710", name, "h");
		ck_assert_msg(inc->novel_pair == (i < 16), "name %d", i + 1);
	}
	ck_assert(add_named(a, "0000000000000200", 13000, "5710", "user u16", "h2")
	              ->novel_pair);
	restore_stats(a, b);
	ck_assert(!add_named(b, "0000000000000201", 14000, "5710", "user u17", "h")
	               ->novel_pair);
	ck_assert(add_named(b, "0000000000000202", 14000, "5710", "user u17", "h2")
	              ->novel_pair);
	vg_assembler_destroy(a);
	vg_assembler_destroy(b);
}
END_TEST

/* Network novelty against a model of its rule, on random streams of signature
 * alerts with late arrivals (up to 2.5 gaps: some beyond what is remembered),
 * pairs repeated and new (saturating bursts), and merges (a late alert bridging
 * two runs of a pair), and of Vigil's own rules from a new source each (several
 * incidents of one (rule, host) pair open at once, which a signature's alerts,
 * linked by the signature, never are): after every alert each open incident's
 * count must be the model's.  The model, written from the documented rule with no index:
 * an opening counts the novelties within the gap of its first alert that are at most two
 * gaps older than the newest alert, other than its own pair's; a novelty at t is counted
 * by every other open incident whose first alert is within the gap of t and at most two
 * gaps older than the newest alert; a merge keeps the larger count; counts saturate
 * at 64. */
#define NOV_SIGS      40
#define NOV_HOSTS     25
#define NOV_OWN_HOSTS 128 /* hosts of the Vigil rule alerts */
START_TEST(network_novelty_matches_model)
{
	const vg_time gap = 600 * VG_USEC_PER_SEC, memory = 2000 * VG_USEC_PER_SEC;
	struct vg_assembler_conf conf = {.inactivity_gap = gap,
	                                 .novelty_warmup = 1000 * VG_USEC_PER_SEC,
	                                 .host_memory = memory};
	enum { N = 1500 };
	static struct {
		char id[21];
		uint32_t count, host_count;
		bool open;
	} inc_model[N];
	static struct {
		vg_time ts;
		int pair;
		char host[8];
	} marks[N];
	static bool seen[NOV_SIGS * NOV_HOSTS + 2 * NOV_OWN_HOSTS];
	for (uint64_t seed = 1; seed <= 3; seed++) {
		struct vg_assembler *a;
		ck_assert_int_eq(vg_assembler_new(&conf, &a), VG_OK);
		memset(seen, 0, sizeof(seen));
		size_t ninc = 0, nmarks = 0, counted = 0, saturated = 0, merges = 0,
		       own_excluded = 0, host_counted = 0, host_own_excluded = 0;
		vg_time newest = VG_TIME_NONE, start = VG_TIME_NONE;
		uint64_t rng = seed * 0x9e3779b97f4a7c15u;
		int sec = 0;
		for (int i = 0; i < N; i++) {
			rng = rng * 6364136223846793005u + 1442695040888963407u;
			uint32_t r = (uint32_t)(rng >> 33);
			sec +=
			    (int)(i / 200 % 3 == 1 ? r % 2 : r % 16); /* dense phases */
			int at = sec;
			if (r % 10 == 0) /* late, up to 2.5 gaps */
				at = sec < (int)(r / 10 % 1500)
				         ? 0
				         : sec - (int)(r / 10 % 1500);
			/* mostly a few busy pairs, sometimes any (mostly new); one in
			 * five a Vigil rule on one of three hosts that change every 300 s
			 */
			int pair = r / 16 % 10 < 7
			               ? (int)(r / 160 % 30)
			               : (int)(r / 160 % (NOV_SIGS * NOV_HOSTS));
			char id[17], sig[8], host[8], ip[20];
			snprintf(id, sizeof(id), "%016x", 0x10000 + i);
			struct vg_incident *inc;
			rng = rng * 6364136223846793005u + 1442695040888963407u;
			uint32_t q = (uint32_t)(rng >> 33); /* (r decides lateness) */
			if (q % 5 == 0) {
				/* the hosts of its own time or of the stream's (a late
				 * alert of a pair that became novel after it) */
				int base = q / 30 % 2 ? at : sec;
				int h =
				    (base / 300 * 3 + (int)(q / 5 % 3)) % NOV_OWN_HOSTS;
				bool high = q / 15 % 2;
				pair =
				    NOV_SIGS * NOV_HOSTS + (high ? NOV_OWN_HOSTS : 0) + h;
				snprintf(host, sizeof(host), "v%d", h);
				snprintf(ip, sizeof(ip), "10.9.%d.%d", i / 256, i % 256);
				const char *kv[] = {"host.name", host, "source.ip", ip,
				                    NULL};
				struct test_alert ta;
				bool changed;
				mk(&ta, id, high ? g_rule_high : g_rule_low, at, kv);
				inc = vg_assembler_add(a, &ta.alert, &changed);
				ck_assert_ptr_nonnull(inc);
			} else {
				snprintf(sig, sizeof(sig), "S%d", pair / NOV_HOSTS);
				snprintf(host, sizeof(host), "h%d", pair % NOV_HOSTS);
				inc = add_sig(a, id, at, sig, host);
			}
			vg_time t = (vg_time)at * VG_USEC_PER_SEC;
			if (start == VG_TIME_NONE)
				start = t;
			if (t > newest)
				newest = t;
			bool novel = !seen[pair] && t - start >= conf.novelty_warmup;
			seen[pair] = true;
			/* merges first: the assembler merges before counting */
			char from[4][21], into[4][21];
			size_t nm;
			while ((nm = vg_assembler_take_merged(a, from, into, 4)) > 0)
				for (size_t m = 0; m < nm; m++) {
					size_t f = N, k = N;
					for (size_t j = 0; j < ninc; j++) {
						if (!strcmp(inc_model[j].id, from[m]))
							f = j;
						if (!strcmp(inc_model[j].id, into[m]))
							k = j;
					}
					ck_assert(f < N && k < N);
					if (inc_model[f].count > inc_model[k].count)
						inc_model[k].count = inc_model[f].count;
					if (inc_model[f].host_count >
					    inc_model[k].host_count)
						inc_model[k].host_count =
						    inc_model[f].host_count;
					inc_model[f].open = false;
					merges++;
				}
			size_t self = N;
			for (size_t j = 0; j < ninc && self == N; j++)
				if (!strcmp(inc_model[j].id, inc->id))
					self = j;
			if (self == N) { /* opened */
				uint32_t n = 0;
				for (size_t k = 0; k < nmarks; k++) {
					bool near = marks[k].ts >= t - gap &&
					            marks[k].ts <= t + gap &&
					            marks[k].ts >= newest - 2 * gap;
					n += near && marks[k].pair != pair;
					own_excluded += near && marks[k].pair == pair;
				}
				/* host memory: the novelties on its host within
				 * `memory` before it, remembered for memory and two
				 * gaps behind the newest, not its own pair's */
				uint32_t hn = 0;
				for (size_t k = 0; k < nmarks; k++) {
					bool recent =
					    marks[k].ts >= t - memory &&
					    marks[k].ts < t &&
					    marks[k].ts >= newest - memory - 2 * gap &&
					    !strcmp(marks[k].host, host);
					hn += recent && marks[k].pair != pair;
					host_own_excluded +=
					    recent && marks[k].pair == pair;
				}
				self = ninc++;
				snprintf(inc_model[self].id, sizeof(inc_model[self].id),
				         "%s", inc->id);
				inc_model[self].count = n < 64 ? n : 64;
				inc_model[self].host_count =
				    t - start >= conf.novelty_warmup ? hn : 0;
				inc_model[self].open = true;
			}
			if (novel) {
				for (size_t j = 0; j < ninc; j++) {
					if (j == self || !inc_model[j].open ||
					    inc_model[j].count >= 64)
						continue;
					vg_time f = vg_assembler_get(a, inc_model[j].id)
					                ->first_ts;
					if (f + 2 * gap >= newest && f >= t - gap &&
					    f <= t + gap)
						inc_model[j].count++;
				}
				marks[nmarks++].ts = t;
				marks[nmarks - 1].pair = pair;
				snprintf(marks[nmarks - 1].host,
				         sizeof(marks[nmarks - 1].host), "%s", host);
			}
			for (size_t j = 0; j < ninc; j++) {
				if (!inc_model[j].open)
					continue;
				/* (an if, not ck_assert: Check records every assertion's
				 * place in a file, a million writes here) */
				const struct vg_incident *o =
				    vg_assembler_get(a, inc_model[j].id);
				if (!o)
					ck_abort_msg(
					    "seed %llu alert %d: incident %s not open",
					    (unsigned long long)seed, i, inc_model[j].id);
				if (o->network_novelty != inc_model[j].count)
					ck_abort_msg(
					    "seed %llu alert %d: incident %s counts %u, "
					    "model %u",
					    (unsigned long long)seed, i, o->id,
					    o->network_novelty, inc_model[j].count);
				if (o->host_prior_novelties != inc_model[j].host_count)
					ck_abort_msg(
					    "seed %llu alert %d: incident %s has "
					    "%u prior novelties on its host, "
					    "model %u",
					    (unsigned long long)seed, i, o->id,
					    o->host_prior_novelties,
					    inc_model[j].host_count);
			}
		}
		for (size_t j = 0; j < ninc; j++) {
			counted += inc_model[j].open && inc_model[j].count > 0;
			saturated += inc_model[j].open && inc_model[j].count == 64;
			host_counted += inc_model[j].open && inc_model[j].host_count > 0;
		}
		/* the stream exercised what it is meant to */
		ck_assert_uint_gt(nmarks, 100);
		ck_assert_uint_gt(counted, 50);
		ck_assert_uint_gt(saturated, 5);
		ck_assert_uint_gt(merges, 0);
		ck_assert_uint_gt(own_excluded, 0);
		ck_assert_uint_gt(host_counted, 50);
		ck_assert_uint_gt(host_own_excluded, 0);
		vg_assembler_destroy(a);
	}
}
END_TEST

/* Touched incidents are taken in chunks of any size, each once per listing: one
 * still listed when it is touched again is not listed twice, one already taken
 * is listed again, after those still waiting. */
START_TEST(touched_taken_in_chunks)
{
	struct vg_assembler_conf conf = {.inactivity_gap = 600 * VG_USEC_PER_SEC};
	struct vg_assembler *a;
	char ids[64][21], inc_id[50][21], got[100][21];
	ck_assert_int_eq(vg_assembler_new(&conf, &a), VG_OK);
	for (int i = 0; i < 50; i++) { /* 50 novelties (no warm-up), 49 counts each */
		char id[17], sig[8];
		snprintf(id, sizeof(id), "%016x", 0x500 + i);
		snprintf(sig, sizeof(sig), "T%d", i);
		strcpy(inc_id[i], add_sig(a, id, i, sig, "t1")->id);
	}
	while (vg_assembler_take_touched(a, ids, 64) > 0)
		;
	add_sig(a, "0000000000000600", 60, "U1", "t2"); /* touches the 50 */
	size_t n = 0, k;
	for (int chunk = 0; chunk < 3; chunk++) {
		ck_assert_uint_eq(vg_assembler_take_touched(a, ids, 7), 7);
		for (size_t i = 0; i < 7; i++)
			strcpy(got[n++], ids[i]);
	}
	add_sig(a, "0000000000000601", 61, "U2", "t3"); /* the 50 again, and U1's */
	while ((k = vg_assembler_take_touched(a, ids, 7)) > 0) {
		ck_assert_uint_le(n + k, 100);
		for (size_t i = 0; i < k; i++)
			strcpy(got[n++], ids[i]);
	}
	/* 21 taken, then the 29 still listed, then the 21 again and U1's incident */
	ck_assert_uint_eq(n, 21 + 29 + 22);
	for (int i = 0; i < 50; i++) {
		int seen = 0;
		for (size_t j = 0; j < n; j++)
			seen += !strcmp(got[j], inc_id[i]);
		ck_assert_int_eq(seen, i < 21 ? 2 : 1); /* touched in opening order */
	}
	for (size_t j = 0; j < 21; j++)
		ck_assert_str_eq(got[j], inc_id[j]);
	for (size_t j = 21; j < 50; j++) /* those still waiting come first */
		ck_assert_str_eq(got[j], inc_id[j]);
	ck_assert_uint_eq(vg_assembler_get(a, inc_id[0])->network_novelty, 51);
	ck_assert_uint_eq(vg_assembler_take_touched(a, ids, 7), 0);
	vg_assembler_destroy(a);
}
END_TEST

START_TEST(host_neighbours_count_incidents_opened_nearby)
{
	struct vg_assembler_conf conf = {.inactivity_gap = 600 * VG_USEC_PER_SEC};
	struct vg_assembler *a, *b;
	char ids[8][21], a_id[21], b_id[21];
	ck_assert_int_eq(vg_assembler_new(&conf, &a), VG_OK);
	struct vg_incident *inc = add_sig(a, "00000000000000c1", 0, "X", "h1");
	ck_assert_uint_eq(inc->host_neighbours, 0);
	strcpy(a_id, inc->id);
	/* another signature on h1 100 s later: each counts the other */
	inc = add_sig(a, "00000000000000c2", 100, "Y", "h1");
	ck_assert_uint_eq(inc->host_neighbours, 1);
	strcpy(b_id, inc->id);
	ck_assert_uint_eq(vg_assembler_get(a, a_id)->host_neighbours, 1);
	ck_assert_uint_eq(vg_assembler_take_touched(a, ids, 8), 1);
	ck_assert_str_eq(ids[0], a_id);
	/* another host counts nothing; a repeat joins its incident, opening none */
	ck_assert_uint_eq(add_sig(a, "00000000000000c3", 150, "Z", "h2")->host_neighbours,
	                  0);
	inc = add_sig(a, "00000000000000c4", 200, "X", "h1");
	ck_assert_str_eq(inc->id, a_id);
	ck_assert_uint_eq(inc->host_neighbours, 1);
	/* more than a gap after both openings */
	ck_assert_uint_eq(add_sig(a, "00000000000000c5", 900, "W", "h1")->host_neighbours,
	                  0);
	/* a late arrival from 50 s counts both, and both count it */
	inc = add_sig(a, "00000000000000c6", 50, "V", "h1");
	ck_assert_uint_eq(inc->host_neighbours, 2);
	ck_assert_uint_eq(vg_assembler_get(a, a_id)->host_neighbours, 2);
	ck_assert_uint_eq(vg_assembler_get(a, b_id)->host_neighbours, 2);
	/* alerts without a host have no neighbours */
	ck_assert_uint_eq(add_sig(a, "00000000000000c7", 60, "P", "")->host_neighbours,
	                  0);
	ck_assert_uint_eq(add_sig(a, "00000000000000c8", 61, "Q", "")->host_neighbours,
	                  0);

	/* a restart: the statistics rows give back the remembered openings */
	ck_assert_int_eq(vg_assembler_new(&conf, &b), VG_OK);
	restore_stats(a, b);
	inc = add_sig(b, "00000000000000d1", 500, "U", "h1");
	ck_assert_uint_eq(inc->host_neighbours, 4); /* X, Y, W, V; not Z (h2) */

	/* each remembered opening has a row, reused once its opening is forgotten:
	 * X opens again at 1500 and 2900, each more than two gaps after the last
	 * (one row, slot 0), then at 3600, within two gaps of 2900 (slot 1) */
	add_sig(a, "00000000000000c9", 1500, "X", "h1");
	add_sig(a, "00000000000000ca", 2900, "X", "h1");
	vg_time t0, t1;
	opening_rows(a, "sig:X@h1", &t0, &t1);
	ck_assert_int_eq(t0, 2900 * VG_USEC_PER_SEC);
	ck_assert_int_eq(t1, -1);
	add_sig(a, "00000000000000cb", 3600, "X", "h1");
	opening_rows(a, "sig:X@h1", &t0, &t1);
	ck_assert_int_eq(t0, -1); /* unchanged, so not taken again */
	ck_assert_int_eq(t1, 3600 * VG_USEC_PER_SEC);
	vg_assembler_destroy(a);
	vg_assembler_destroy(b);

	/* the count saturates at 64: a busy host re-ranks each incident boundedly */
	struct vg_assembler_conf busy_conf = {.inactivity_gap = 600 * VG_USEC_PER_SEC};
	ck_assert_int_eq(vg_assembler_new(&busy_conf, &a), VG_OK);
	inc = add_sig(a, "00000000000001f0", 0, "S0", "busy");
	strcpy(a_id, inc->id);
	for (int i = 1; i < 80; i++) {
		char id[17], sig[8];
		snprintf(id, sizeof(id), "%016x", 0x1f0 + i);
		snprintf(sig, sizeof(sig), "S%d", i);
		inc = add_sig(a, id, i, sig, "busy");
		ck_assert_uint_eq(inc->host_neighbours, i < 64 ? (uint32_t)i : 64u);
	}
	ck_assert_uint_eq(vg_assembler_get(a, a_id)->host_neighbours, 64);
	vg_assembler_destroy(a);

	/* network novelty saturates at 64 too: a busy network re-ranks (re-stores)
	 * each incident boundedly for its novelties */
	ck_assert_int_eq(vg_assembler_new(&busy_conf, &a), VG_OK);
	inc = add_sig(a, "0000000000000300", 0, "N0", "n0");
	strcpy(a_id, inc->id);
	for (int i = 1; i < 80; i++) {
		char id[17], sig[8], host[8];
		snprintf(id, sizeof(id), "%016x", 0x300 + i);
		snprintf(sig, sizeof(sig), "N%d", i);
		snprintf(host, sizeof(host), "n%d", i);
		inc = add_sig(a, id, i, sig, host);
		ck_assert_uint_eq(inc->network_novelty, i < 64 ? (uint32_t)i : 64u);
	}
	ck_assert_uint_eq(vg_assembler_get(a, a_id)->network_novelty, 64);
	vg_assembler_destroy(a);

	/* within the novelty warm-up a fresh engine opens everything at once: those
	 * openings neither count nor are counted */
	conf.novelty_warmup = 1000 * VG_USEC_PER_SEC;
	ck_assert_int_eq(vg_assembler_new(&conf, &a), VG_OK);
	ck_assert_uint_eq(add_sig(a, "00000000000000e1", 0, "X", "h1")->host_neighbours,
	                  0);
	ck_assert_uint_eq(add_sig(a, "00000000000000e2", 100, "Y", "h1")->host_neighbours,
	                  0);
	inc = add_sig(a, "00000000000000e3", 950, "Z", "h1");
	ck_assert_uint_eq(inc->host_neighbours, 0);
	strcpy(a_id, inc->id);
	/* past it: the warm-up's openings are not neighbours, either way */
	struct vg_incident *e4 = add_sig(a, "00000000000000e4", 1050, "W", "h1");
	ck_assert_uint_eq(e4->host_neighbours, 0);
	ck_assert_uint_eq(vg_assembler_get(a, a_id)->host_neighbours, 0);
	strcpy(b_id, e4->id);
	ck_assert_uint_eq(
	    add_sig(a, "00000000000000e5", 1100, "V", "h1")->host_neighbours, 1);
	ck_assert_uint_eq(vg_assembler_get(a, b_id)->host_neighbours, 1);
	ck_assert_uint_eq(vg_assembler_get(a, a_id)->host_neighbours, 0);
	vg_assembler_destroy(a);
}
END_TEST

/* A host scanned from ever new sources opens an incident per alert (the host alone
 * links nothing): every incident's host_neighbours is the brute-force count of the
 * other openings within the gap of its own (saturating at 64), in bursts and quiet
 * spells, with late alerts among them, and the pair's opening rows are as many as its
 * openings within two gaps at the busiest moment (slots are reused), also after a restart
 * in the middle. */
START_TEST(busy_host_counts_match_brute_force)
{
	enum { N = 400 };
	static int at[N];
	static char ids[N][24];
	struct vg_assembler *a = mk_assembler(false), *b = NULL;
	uint64_t x = 12345;
	int sec = 0;
	for (int i = 0; i < N; i++) { /* bursts 1 s apart, pauses of 5 to 40 min:
		                       * openings exactly a gap apart too */
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		if (sec >= 600 &&
		    (x >> 57) % 8 == 0) { /* one in eight late, by up to a gap (as
			                   * released held alerts can be), often by
			                   * exactly one: the newest opening's gap */
			at[i] = sec - ((x >> 20) % 2 ? 600 : (int)((x >> 21) % 600));
			continue;
		}
		sec += (x >> 60) < 12 ? 1 : 300 * (int)(1 + (x >> 33) % 8);
		at[i] = sec;
	}
	for (int i = 0; i < N; i++) {
		struct test_alert t;
		bool changed;
		char ip[32], id[17];
		snprintf(ip, sizeof(ip), "198.51.%d.%d", i / 250, i % 250);
		snprintf(id, sizeof(id), "%016x", 0x5000 + i);
		const char *kv[] = {"source.ip", ip, "host.name", "scanned", NULL};
		mk(&t, id, g_rule_low, at[i], kv);
		struct vg_incident *inc = vg_assembler_add(b ? b : a, &t.alert, &changed);
		ck_assert_ptr_nonnull(inc);
		snprintf(ids[i], sizeof(ids[i]), "%s", inc->id);
		if (i == N / 2) { /* a restart: b takes a's rows and open incidents */
			b = mk_assembler(false);
			restore_stats(a, b);
			for (int j = 0; j <= i; j++)
				ck_assert_int_eq(
				    vg_assembler_restore(b, vg_assembler_get(a, ids[j])),
				    VG_OK);
		}
	}
	int peak = 0, newest = 0;
	for (int i = 0; i < N; i++) {
		uint32_t want = 0;
		int within2 = 0; /* openings remembered when i opened */
		newest = at[i] > newest ? at[i] : newest;
		for (int j = 0; j < N; j++) {
			want += j != i && abs(at[j] - at[i]) <= 600;
			within2 += j <= i && at[j] + 1200 >= newest;
		}
		if (within2 > peak)
			peak = within2;
		if (want > 64)
			want = 64;
		const struct vg_incident *inc = vg_assembler_get(b, ids[i]);
		ck_assert_ptr_nonnull(inc);
		ck_assert_msg(inc->host_neighbours == want,
		              "incident %d at %d s: %u, want %u", i, at[i],
		              inc->host_neighbours, want);
	}
	/* every slot the pair used, from both lives of the engine */
	struct vg_sig_stat_row rows[32];
	size_t n;
	int slots = 0;
	while ((n = vg_assembler_take_sig_stats(b, rows, 32)) > 0)
		for (size_t i = 0; i < n; i++) {
			unsigned slot;
			if (sscanf(rows[i].key, "open%u:", &slot) == 1 &&
			    (int)slot + 1 > slots)
				slots = (int)slot + 1;
		}
	ck_assert_msg(slots >= 1 && slots <= peak + 1, "%d slots for a peak of %d", slots,
	              peak);
	vg_assembler_destroy(a);
	vg_assembler_destroy(b);
}
END_TEST

/* A restarted assembler counts host neighbours as an uninterrupted one: openings
 * are statistics rows, also when several incidents of one of Vigil's own rules are
 * open on one host at once (their alerts share no entity: four sources), so more
 * than two openings of one pair are within two gaps. */
START_TEST(restore_keeps_every_recent_opening)
{
	static const char *const ips[] = {"192.0.2.1", "192.0.2.2", "192.0.2.3",
	                                  "192.0.2.4", "192.0.2.5"};
	struct vg_assembler *a = mk_assembler(false), *b = mk_assembler(false);
	struct test_alert t;
	bool changed;
	char ids[4][24];
	for (int i = 0; i < 4; i++) {
		const char *kv[] = {"source.ip", ips[i], "host.name", "h1", NULL};
		char id[17];
		snprintf(id, sizeof(id), "00000000000001a%d", i);
		mk(&t, id, g_rule_low, 100 + 100 * i, kv);
		struct vg_incident *inc = vg_assembler_add(a, &t.alert, &changed);
		ck_assert_ptr_nonnull(inc);
		ck_assert_uint_eq(inc->host_neighbours, (uint32_t)i);
		snprintf(ids[i], sizeof(ids[i]), "%s", inc->id);
	}
	/* the restart: b gets a's statistics rows and open incidents */
	restore_stats(a, b);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(vg_assembler_restore(b, vg_assembler_get(a, ids[i])),
		                 VG_OK);
	const char *kv[] = {"source.ip", ips[4], "host.name", "h1", NULL};
	mk(&t, "00000000000001b0", g_rule_low, 600, kv);
	struct vg_incident *ia = vg_assembler_add(a, &t.alert, &changed);
	struct vg_incident *ib = vg_assembler_add(b, &t.alert, &changed);
	ck_assert_uint_eq(ia->host_neighbours, 4);
	ck_assert_uint_eq(ib->host_neighbours, ia->host_neighbours);
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(vg_assembler_get(b, ids[i])->host_neighbours,
		                  vg_assembler_get(a, ids[i])->host_neighbours);
	vg_assembler_destroy(a);
	vg_assembler_destroy(b);
}
END_TEST

/* Closing incidents in an order unrelated to their opening (the open set and the
 * per-host lists are unordered arrays that move their last entry into a hole):
 * every expire closes exactly the incidents idle past the gap, the others stay
 * whole and keep taking alerts. */
START_TEST(expire_in_scattered_order_keeps_the_rest)
{
	enum { N = 200 };
	struct vg_assembler *a = mk_assembler(false);
	char ids[N][21], sig[16], host[16], aid[17];
	int last[N];
	for (int i = 0; i < N; i++) {
		snprintf(sig, sizeof(sig), "S%d", i);
		snprintf(host, sizeof(host), "h%d", i % 4);
		snprintf(aid, sizeof(aid), "%016x", i + 1);
		strcpy(ids[i], add_sig(a, aid, i, sig, host)->id);
	}
	for (int j = 0; j < N; j++) { /* a second alert each, in a scattered order */
		int i = (j * 73) % N;
		snprintf(sig, sizeof(sig), "S%d", i);
		snprintf(host, sizeof(host), "h%d", i % 4);
		snprintf(aid, sizeof(aid), "%016x", 1000 + j);
		last[i] = 200 + 2 * j;
		ck_assert_str_eq(add_sig(a, aid, last[i], sig, host)->id, ids[i]);
	}
	const int steps[] = {20, 50, 51, 90, 140, 180};
	size_t open = N;
	for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
		int now = 200 + 2 * steps[s] + 600 +
		          1; /* closes last < 200 + 2 * steps[s] + 1 */
		size_t want = 0;
		for (int i = 0; i < N; i++)
			want += last[i] + 600 < now;
		ck_assert_uint_eq(vg_assembler_expire(a, (vg_time)now * VG_USEC_PER_SEC),
		                  open - (N - want));
		open = N - want;
		ck_assert_uint_eq(vg_assembler_open_count(a), open);
		for (int i = 0; i < N; i++) {
			struct vg_incident *inc = vg_assembler_get(a, ids[i]);
			if (last[i] + 600 < now) {
				ck_assert_msg(inc == NULL, "incident %d should be closed",
				              i);
				continue;
			}
			ck_assert_msg(inc != NULL, "incident %d lost at step %zu", i, s);
			ck_assert_int_eq(inc->first_ts, (vg_time)i * VG_USEC_PER_SEC);
			ck_assert_uint_eq(inc->nalerts, 2);
		}
	}
	/* an opening on each host counts every incident still open there (the host's
	 * list lost none and holds no closed one) */
	for (int h = 0; h < 4; h++) {
		uint32_t before[N];
		for (int i = 0; i < N; i++) {
			struct vg_incident *o = vg_assembler_get(a, ids[i]);
			before[i] = o ? o->host_neighbours : 0;
		}
		snprintf(sig, sizeof(sig), "N%d", h);
		snprintf(host, sizeof(host), "h%d", h);
		snprintf(aid, sizeof(aid), "%016x", 5000 + h);
		add_sig(a, aid, 600, sig, host);
		for (int i = 0; i < N; i++) {
			struct vg_incident *o = vg_assembler_get(a, ids[i]);
			if (o && i % 4 == h)
				ck_assert_msg(o->host_neighbours == before[i] + 1,
				              "incident %d on h%d: %u neighbours, was %u",
				              i, h, o->host_neighbours, before[i]);
		}
	}
	/* the last one still open (j = 199) takes a third alert */
	int k = (199 * 73) % N;
	snprintf(sig, sizeof(sig), "S%d", k);
	snprintf(host, sizeof(host), "h%d", k % 4);
	struct vg_incident *inc = add_sig(a, "00000000000fffff", last[k] + 10, sig, host);
	ck_assert_str_eq(inc->id, ids[k]);
	ck_assert_uint_eq(inc->nalerts, 3);
	vg_assembler_destroy(a);
}
END_TEST

/* Windows Security events write "-" for an account or address that is not there,
 * and a loopback or unspecified source is the host itself: neither names an
 * entity, so they never glue two hosts' alerts into one incident, while a real
 * address still does, however it is written. */
START_TEST(placeholder_and_host_local_values_never_link)
{
	struct vg_assembler *a = mk_assembler(false);
	const char *srcs[][2] = {{"-", "-"},
	                         {"127.0.0.1", "127.0.0.1"},
	                         {"::1", "[::1]"},
	                         {"0.0.0.0", "::ffff:127.0.0.1"}};
	char id1[21];
	bool changed;
	for (size_t i = 0; i < sizeof(srcs) / sizeof(srcs[0]); i++) {
		struct test_alert t1, t2;
		char x1[17], x2[17];
		snprintf(x1, sizeof(x1), "%015zxa", i);
		snprintf(x2, sizeof(x2), "%015zxb", i);
		const char *p1[] = {"source.ip", srcs[i][0], "host.name", "ws01",
		                    "user.name", "-",        NULL};
		const char *p2[] = {"source.ip", srcs[i][1], "host.name", "db07",
		                    "user.name", "-",        NULL};
		mk(&t1, x1, g_rule_high, 100 + 10 * (int)i, p1);
		mk(&t2, x2, g_rule_high, 101 + 10 * (int)i, p2);
		struct vg_incident *i1 = vg_assembler_add(a, &t1.alert, &changed);
		strcpy(id1, i1->id);
		for (size_t e = 0; e < i1->nentities; e++) /* the host only */
			ck_assert_int_eq(i1->entities[e].type, VG_ENT_HOST);
		struct vg_incident *i2 = vg_assembler_add(a, &t2.alert, &changed);
		ck_assert_msg(strcmp(i2->id, id1) != 0, "%s / %s joined", srcs[i][0],
		              srcs[i][1]);
		ck_assert_uint_eq(i2->nalerts, 1);
	}
	struct test_alert t3, t4;
	const char *p3[] = {"source.ip", "203.0.113.7", "host.name", "ws01", NULL};
	const char *p4[] = {"source.ip", "203.0.113.7", "host.name", "db07", NULL};
	mk(&t3, "00000000000000c1", g_rule_high, 200, p3);
	mk(&t4, "00000000000000c2", g_rule_high, 201, p4);
	strcpy(id1, vg_assembler_add(a, &t3.alert, &changed)->id);
	ck_assert_str_eq(vg_assembler_add(a, &t4.alert, &changed)->id, id1);
	/* Windows writes an IPv4 peer as ::ffff:a.b.c.d: the same address */
	struct test_alert t5, t6;
	const char *p5[] = {"source.ip", "::ffff:198.51.100.7", "host.name", "ws02",
	                    NULL};
	const char *p6[] = {"source.ip", "198.51.100.7", "host.name", "web09", NULL};
	mk(&t5, "00000000000000c5", g_rule_high, 300, p5);
	mk(&t6, "00000000000000c6", g_rule_high, 301, p6);
	struct vg_incident *i5 = vg_assembler_add(a, &t5.alert, &changed);
	strcpy(id1, i5->id);
	bool canonical = false;
	for (size_t e = 0; e < i5->nentities; e++)
		canonical |= i5->entities[e].type == VG_ENT_IP &&
		             !strcmp(i5->entities[e].value, "198.51.100.7");
	ck_assert(canonical);
	ck_assert_str_eq(vg_assembler_add(a, &t6.alert, &changed)->id, id1);
	char v[VG_ENTITY_VALUE_MAX];
	ck_assert(vg_entity_canonical(VG_ENT_IP, "2001:DB8::0:1", v, sizeof(v)));
	ck_assert_str_eq(v, "2001:db8::1");
	ck_assert(vg_entity_canonical(VG_ENT_IP, "scanner.example", v, sizeof(v)));
	ck_assert_str_eq(v, "scanner.example"); /* not an address: as written */
	ck_assert(vg_entity_canonical(VG_ENT_HASH, "9F86D0AB", v, sizeof(v)));
	ck_assert_str_eq(v, "9f86d0ab"); /* Sysmon writes hashes in uppercase */
	ck_assert(vg_entity_canonical(VG_ENT_USER, "Alice", v, 4));
	ck_assert_str_eq(v, "Ali"); /* cut to fit */
	ck_assert(!vg_entity_canonical(VG_ENT_IP, "-", v, sizeof(v)));
	ck_assert(!vg_entity_canonical(VG_ENT_IP, "127.0.0.1", v, sizeof(v)));
	ck_assert(!vg_entity_value_ok(VG_ENT_USER, "-"));
	ck_assert(!vg_entity_value_ok(VG_ENT_HOST, ""));
	ck_assert(!vg_entity_value_ok(VG_ENT_IP, "::"));
	ck_assert(vg_entity_value_ok(VG_ENT_USER, "127.0.0.1")); /* ips only */
	ck_assert(vg_entity_value_ok(VG_ENT_IP, "10.0.0.5"));
	vg_assembler_destroy(a);
}
END_TEST

/* A third-party alert's own detector: its level raises (never lowers) the rule's,
 * its ATT&CK names become Sigma tags (attack.c), and the incident keeps both. */
START_TEST(detector_level_and_attack_tags)
{
	struct test_alert t;
	char tags[VG_ALERT_ATTACK_TAGS_MAX][48];
	const char *p1[] = {
	    "vigil.alert.level",
	    "high",
	    "threat.tactic.name",
	    "[\"Privilege Escalation\",\"Defense_Evasion\",\"privilege-escalation\","
	    "\"Bogus Tactic\",\"a\\\"b\"]",
	    "threat.technique.id",
	    "[\"T1548.003\",\"T1078\",\"T10\",\"X1078\",\"T1548.03\"]",
	    "host.name",
	    "web1",
	    NULL};
	mk(&t, "00000000000000d1", g_rule_low, 100, p1);
	ck_assert_int_eq(vg_alert_level(&t.alert), VG_LEVEL_HIGH);
	size_t n = vg_alert_attack_tags(t.alert.fields, t.alert.nfields, tags);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(tags[0], "attack.privilege-escalation");
	ck_assert_str_eq(tags[1], "attack.defense-evasion");
	ck_assert_str_eq(tags[2], "attack.t1548.003");
	ck_assert_str_eq(tags[3], "attack.t1078");
	/* a lower or unknown level leaves the rule's; one name, not an array */
	const char *p2[] = {"vigil.alert.level", "informational", "threat.tactic.name",
	                    "Command_And_Control", NULL};
	mk(&t, "00000000000000d2", g_rule_high, 100, p2);
	ck_assert_int_eq(vg_alert_level(&t.alert), VG_LEVEL_HIGH);
	n = vg_alert_attack_tags(t.alert.fields, t.alert.nfields, tags);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(tags[0], "attack.command-and-control");
	const char *p3[] = {"vigil.alert.level", "severe", NULL};
	mk(&t, "00000000000000d3", g_rule_low, 100, p3);
	ck_assert_int_eq(vg_alert_level(&t.alert), VG_LEVEL_LOW);
	ck_assert_uint_eq(vg_alert_attack_tags(t.alert.fields, t.alert.nfields, tags), 0);
	ck_assert_int_eq(vg_attack_tactic("Lateral Movement", 16), 9);
	ck_assert_int_eq(vg_attack_tactic("lateral-movement-x", 18), -1);
	ck_assert_int_eq(vg_tactic_index("attack.Initial_Access"), 2);
	ck_assert(vg_attack_technique_id("t1110", 5));
	ck_assert(!vg_attack_technique_id("T1110.", 6));

	/* in the incident: the rule's tag first, then the detector's (no repeat) */
	struct vg_assembler *a = mk_assembler(false);
	const char *p4[] = {"vigil.alert.level",
	                    "critical",
	                    "threat.tactic.name",
	                    "[\"Initial Access\",\"Execution\"]",
	                    "source.ip",
	                    "203.0.113.9",
	                    NULL};
	mk(&t, "00000000000000d4", g_rule_low, 100, p4);
	bool changed;
	struct vg_incident *inc = vg_assembler_add(a, &t.alert, &changed);
	ck_assert_ptr_nonnull(inc);
	ck_assert_int_eq(inc->alerts[0].level, VG_LEVEL_CRITICAL);
	ck_assert_uint_eq(inc->alerts[0].ntags, 2);
	ck_assert_str_eq(inc->alerts[0].tags[0], "attack.initial-access");
	ck_assert_str_eq(inc->alerts[0].tags[1], "attack.execution");
	vg_assembler_destroy(a);
}
END_TEST

/* Host names are case-insensitive (DNS, Windows computer names): WEB01.Corp and
 * web01.corp are one host -- in entities, per-host accounts, signature keys and
 * the alerts' kept fields. */
START_TEST(host_names_ignore_case)
{
	struct vg_assembler *a = mk_assembler(false);
	struct test_alert t1, t2, t3, t4;
	bool changed;
	const char *p1[] = {"host.name", "WEB01.Corp", "user.name", "bob", NULL};
	const char *p2[] = {"host.name", "web01.corp", "user.name", "bob", NULL};
	mk(&t1, "00000000000000e1", g_rule_low, 100, p1);
	mk(&t2, "00000000000000e2", g_rule_low, 101, p2);
	struct vg_incident *i1 = vg_assembler_add(a, &t1.alert, &changed);
	char id1[21];
	strcpy(id1, i1->id);
	struct vg_incident *i2 = vg_assembler_add(a, &t2.alert, &changed);
	ck_assert_str_eq(i2->id, id1); /* one account on one host */
	ck_assert_uint_eq(i2->nalerts, 2);
	size_t hosts = 0, users = 0;
	for (size_t e = 0; e < i2->nentities; e++) {
		if (i2->entities[e].type == VG_ENT_HOST) {
			hosts++;
			ck_assert_str_eq(i2->entities[e].value, "web01.corp");
		}
		if (i2->entities[e].type == VG_ENT_USER) {
			users++;
			ck_assert_str_eq(i2->entities[e].value, "bob@web01.corp");
		}
	}
	ck_assert_uint_eq(hosts, 1);
	ck_assert_uint_eq(users, 1);
	for (size_t f = 0; f < i2->alerts[0].nfields; f++)
		if (!strcmp(i2->alerts[0].fields[f].name, "host.name"))
			ck_assert_str_eq(i2->alerts[0].fields[f].value, "web01.corp");
	/* a detector's signature on MAIL and on mail: one signature on one host */
	const char *p3[] = {"host.name", "MAIL", "rule.name", "ClamAV database update",
	                    NULL};
	const char *p4[] = {"host.name", "mail", "rule.name", "ClamAV database update",
	                    NULL};
	mk(&t3, "00000000000000e3", g_rule_low, 200, p3);
	mk(&t4, "00000000000000e4", g_rule_low, 201, p4);
	strcpy(id1, vg_assembler_add(a, &t3.alert, &changed)->id);
	ck_assert_str_eq(vg_assembler_add(a, &t4.alert, &changed)->id, id1);
	char v[16];
	ck_assert(vg_entity_canonical(VG_ENT_HOST, "DC01.CORP.local", v, sizeof(v)));
	ck_assert_str_eq(v, "dc01.corp.local");
	vg_assembler_destroy(a);
}
END_TEST

/* An incident like `like` stored with a host and a user entity as an older
 * version wrote them is restored under conf with the values it is known by now,
 * and an alert with fields `then` joins it. */
static void restored_joins(const struct vg_assembler_conf *conf,
                           const struct vg_incident *like, const char *host,
                           const char *user, const char *want_host, const char *want_user,
                           const char **then)
{
	struct vg_entity ents[] = {{VG_ENT_HOST, (char *)host, 10, 1},
	                           {VG_ENT_USER, (char *)user, 10, 1}};
	struct vg_incident old = *like;
	snprintf(old.id, sizeof(old.id), "%s", "inc-00000000000000aa");
	old.entities = ents;
	old.nentities = 2;
	struct vg_assembler *b;
	ck_assert_int_eq(vg_assembler_new(conf, &b), VG_OK);
	ck_assert_int_eq(vg_assembler_restore(b, &old), VG_OK);
	struct vg_incident *r = vg_assembler_get(b, old.id);
	ck_assert_str_eq(r->entities[0].value, want_host);
	ck_assert_str_eq(r->entities[1].value, want_user);
	struct test_alert t;
	bool changed;
	mk(&t, "00000000000000f5", g_rule_low, 104, then);
	ck_assert_str_eq(vg_assembler_add(b, &t.alert, &changed)->id, old.id);
	vg_assembler_destroy(b);
}

/* correlation.host_domains: a host in a local domain is known by its first
 * labels, so the FQDN a Windows event names and the short name a syslog header
 * gives are one host; names in other domains, and a domain itself, stay whole. */
START_TEST(local_domains_name_one_host)
{
	static const char *const domains[] = {"Example.COM", ".corp.example.com"};
	static const char *const stops[] = {"host:DC01.corp.example.com"};
	struct vg_assembler_conf conf = {.inactivity_gap = 600 * VG_USEC_PER_SEC,
	                                 .link_hosts = true,
	                                 .host_domains = domains,
	                                 .n_host_domains = 2,
	                                 .stop_values = stops,
	                                 .n_stop_values = 1};
	struct vg_assembler *a;
	ck_assert_int_eq(vg_assembler_new(&conf, &a), VG_OK);
	char v[64];
	static const char *const cases[][2] = {
	    {"WS01.Corp.Example.com", "ws01"}, /* the longest domain first */
	    {"ws01", "ws01"},
	    {"x.sub.corp.example.com", "x.sub"},
	    {"web.example.com", "web"},
	    {"ws01.other.org", "ws01.other.org"},
	    {"corp.example.com", "corp"}, /* in example.com */
	    {"example.com", "example.com"},
	    {"ws01corp.example.com", "ws01corp"},
	    {"ws01.notexample.com", "ws01.notexample.com"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert(vg_assembler_host(a, cases[i][0], v, sizeof(v)));
		ck_assert_str_eq(v, cases[i][1]);
	}
	ck_assert(!vg_assembler_host(a, "-", v, sizeof(v)));

	struct test_alert t1, t2, t3, t4;
	bool changed;
	const char *p1[] = {"host.name", "WS01.corp.example.com", "user.name", "bob",
	                    NULL};
	const char *p2[] = {"host.name", "ws01", "user.name", "bob", NULL};
	const char *p3[] = {"host.name", "ws01.other.org", "user.name", "bob", NULL};
	mk(&t1, "00000000000000d1", g_rule_low, 100, p1);
	mk(&t2, "00000000000000d2", g_rule_low, 101, p2);
	mk(&t3, "00000000000000d3", g_rule_low, 102, p3);
	char id1[21];
	strcpy(id1, vg_assembler_add(a, &t1.alert, &changed)->id);
	struct vg_incident *inc = vg_assembler_add(a, &t2.alert, &changed);
	ck_assert_str_eq(inc->id, id1); /* one account on one host */
	for (size_t e = 0; e < inc->nentities; e++)
		ck_assert_str_eq(inc->entities[e].value,
		                 inc->entities[e].type == VG_ENT_HOST ? "ws01"
		                                                      : "bob@ws01");
	for (size_t f = 0; f < inc->alerts[0].nfields; f++)
		if (!strcmp(inc->alerts[0].fields[f].name, "host.name"))
			ck_assert_str_eq(inc->alerts[0].fields[f].value, "ws01");
	ck_assert_str_ne(vg_assembler_add(a, &t3.alert, &changed)->id, id1);
	/* a configured stop-value in the long form matches the short name */
	const char *p4[] = {"host.name", "dc01", "user.name", "svc", NULL};
	mk(&t4, "00000000000000d4", g_rule_low, 103, p4);
	(void)vg_assembler_add(a, &t4.alert, &changed);
	struct vg_stop_stat st[4];
	ck_assert_uint_eq(vg_assembler_take_stops(a, st, 4), 1);
	ck_assert_int_eq(st[0].type, VG_ENT_HOST);
	ck_assert_str_eq(st[0].value, "dc01");

	/* an incident stored before the domains were configured: restored by the
	 * short name, and bob on ws01 joins it */
	const char *p5[] = {"host.name", "WS02", "user.name", "eve", NULL};
	restored_joins(&conf, inc, "ws02.corp.example.com", "eve@WS02.CORP.EXAMPLE.COM",
	               "ws02", "eve@ws02", p5);
	vg_assembler_destroy(a);
}
END_TEST

/* The account acted upon (user.target.name: logged on to, switched to, created) is
 * an entity of its host like the acting user, named the same way: a logon of
 * CORP\Bob on srv02 (subject "-") and bob's own low alert on srv02 are one
 * incident, and the stored field reads "bob". */
START_TEST(target_account_is_an_entity)
{
	static const char *const domains[] = {"corp"};
	struct vg_assembler_conf conf = {.inactivity_gap = 600 * VG_USEC_PER_SEC,
	                                 .account_domains = domains,
	                                 .n_account_domains = 1};
	struct vg_assembler *a;
	ck_assert_int_eq(vg_assembler_new(&conf, &a), VG_OK);
	struct test_alert t1, t2, t3;
	bool changed;
	const char *p1[] = {"host.name",        "srv02",     "user.name", "-",
	                    "user.target.name", "CORP\\Bob", NULL};
	const char *p2[] = {"host.name", "srv02", "user.name", "bob", NULL};
	const char *p3[] = {"host.name", "srv02", "user.name", "carol", NULL};
	mk(&t1, "00000000000000f1", g_rule_low, 100, p1);
	mk(&t2, "00000000000000f2", g_rule_low, 101, p2);
	mk(&t3, "00000000000000f3", g_rule_low, 102, p3);
	char id1[21];
	strcpy(id1, vg_assembler_add(a, &t1.alert, &changed)->id);
	struct vg_incident *inc = vg_assembler_add(a, &t2.alert, &changed);
	ck_assert_str_eq(inc->id, id1);
	size_t users = 0;
	for (size_t e = 0; e < inc->nentities; e++)
		if (inc->entities[e].type == VG_ENT_USER) {
			ck_assert_str_eq(inc->entities[e].value, "bob@srv02");
			users++;
		}
	ck_assert_uint_eq(users, 1); /* "-" names nobody */
	bool stored = false;
	for (size_t f = 0; f < inc->alerts[0].nfields; f++)
		if (!strcmp(inc->alerts[0].fields[f].name, "user.target.name")) {
			ck_assert_str_eq(inc->alerts[0].fields[f].value, "bob");
			stored = true;
		}
	ck_assert(stored);
	ck_assert_str_eq(vg_alert_account(inc->alerts[0].fields, inc->alerts[0].nfields),
	                 "bob");
	/* another account on the same host stays apart (hosts do not link here) */
	ck_assert_str_ne(vg_assembler_add(a, &t3.alert, &changed)->id, id1);
	vg_assembler_destroy(a);
}
END_TEST

/* correlation.account_domains: an account of a listed directory domain is known
 * by its bare name in lowercase, so Sysmon's CORP\Alice on ws01 and the alice of a
 * Windows Security event on srv02 are one account, which the incident follows
 * across hosts; accounts of other domains stay whole, and configured stop-values
 * and incidents stored before are read the same way. */
START_TEST(account_domains_name_one_account)
{
	static const char *const domains[] = {"corp", ".Corp.Example.com"};
	static const char *const stops[] = {"user:CORP\\svc_backup"};
	struct vg_assembler_conf conf = {.inactivity_gap = 600 * VG_USEC_PER_SEC,
	                                 .link_hosts = true,
	                                 .account_domains = domains,
	                                 .n_account_domains = 2,
	                                 .stop_values = stops,
	                                 .n_stop_values = 1};
	struct vg_assembler *a;
	ck_assert_int_eq(vg_assembler_new(&conf, &a), VG_OK);
	char v[64];
	static const char *const cases[][2] = {
	    {"CORP\\Alice", "alice"},
	    {"corp\\alice", "alice"},
	    {"Alice", "alice"}, /* with domains listed, names ignore case */
	    {"alice@corp.example.com", "alice"},
	    {"Alice@CORP.EXAMPLE.COM", "alice"},
	    {"NT AUTHORITY\\SYSTEM", "nt authority\\system"},
	    {"OTHER\\alice", "other\\alice"},
	    {"alice@other.org", "alice@other.org"},
	    {"alice@sub.corp.example.com", "alice@sub.corp.example.com"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(vg_assembler_account(a, cases[i][0], v, sizeof(v)), "%s",
		              cases[i][0]);
		ck_assert_str_eq(v, cases[i][1]);
	}
	ck_assert(!vg_assembler_account(a, "-", v, sizeof(v)));
	ck_assert(!vg_assembler_account(a, "CORP\\", v, sizeof(v)));

	struct test_alert t1, t2, t3, t4;
	bool changed;
	const char *p1[] = {"host.name", "ws01", "user.name", "CORP\\Alice", NULL};
	const char *p2[] = {"host.name", "srv02", "user.name", "alice", NULL};
	const char *p3[] = {"host.name", "srv03", "user.name", "OTHER\\alice", NULL};
	mk(&t1, "00000000000000e1", g_rule_high, 100, p1);
	mk(&t2, "00000000000000e2", g_rule_high, 101, p2);
	mk(&t3, "00000000000000e3", g_rule_high, 102, p3);
	char id1[21];
	strcpy(id1, vg_assembler_add(a, &t1.alert, &changed)->id);
	struct vg_incident *inc = vg_assembler_add(a, &t2.alert, &changed);
	ck_assert_str_eq(inc->id, id1); /* one account on two hosts */
	bool ws01 = false, srv02 = false;
	for (size_t e = 0; e < inc->nentities; e++) {
		if (inc->entities[e].type != VG_ENT_USER)
			continue;
		ws01 = ws01 || !strcmp(inc->entities[e].value, "alice@ws01");
		srv02 = srv02 || !strcmp(inc->entities[e].value, "alice@srv02");
	}
	ck_assert(ws01 && srv02);
	for (size_t f = 0; f < inc->alerts[0].nfields; f++)
		if (!strcmp(inc->alerts[0].fields[f].name, "user.name"))
			ck_assert_str_eq(inc->alerts[0].fields[f].value, "alice");
	ck_assert_str_ne(vg_assembler_add(a, &t3.alert, &changed)->id, id1);
	/* a configured stop-value with its domain matches the bare name */
	const char *p4[] = {"host.name", "ws05", "user.name", "SVC_BACKUP", NULL};
	mk(&t4, "00000000000000e4", g_rule_low, 103, p4);
	(void)vg_assembler_add(a, &t4.alert, &changed);
	struct vg_stop_stat st[4];
	/* both of its keys: the account on its host, and the account (link_hosts) */
	ck_assert_uint_eq(vg_assembler_take_stops(a, st, 4), 2);
	for (size_t k = 0; k < 2; k++) {
		ck_assert_int_eq(st[k].type, VG_ENT_USER);
		ck_assert(st[k].configured);
		ck_assert_msg(!strcmp(st[k].value, "svc_backup@ws05") ||
		                  !strcmp(st[k].value, "svc_backup"),
		              "%s", st[k].value);
	}

	/* an incident stored before the domains were listed: restored by the bare
	 * name, and eve on ws02 joins it */
	const char *p5[] = {"host.name", "ws02", "user.name", "Eve", NULL};
	restored_joins(&conf, inc, "ws02", "CORP\\Eve@ws02", "ws02", "eve@ws02", p5);
	struct vg_assembler *b;

	/* without domains listed, names keep their case and domain */
	struct vg_assembler_conf plain = {.inactivity_gap = 600 * VG_USEC_PER_SEC};
	ck_assert_int_eq(vg_assembler_new(&plain, &b), VG_OK);
	ck_assert(vg_assembler_account(b, "CORP\\Alice", v, sizeof(v)));
	ck_assert_str_eq(v, "CORP\\Alice");
	vg_assembler_destroy(b);
	vg_assembler_destroy(a);
}
END_TEST

static Suite *assemble_suite(void)
{
	const struct vg_test_case cases[] = {
	    {"join", shared_entity_joins_one_incident},
	    {"account-domains", account_domains_name_one_account},
	    {"target-account", target_account_is_an_entity},
	    {"no-link-values", placeholder_and_host_local_values_never_link},
	    {"entities", entities_are_typed_and_counted},
	    {"many-entities", many_entities_are_counted},
	    {"many-entities-scale", many_entities_at_scale},
	    {"entities-bounded", entities_are_bounded},
	    {"restore-notable", restore_keeps_notable_alerts_past_the_bound},
	    {"replay", replayed_alert_changes_nothing},
	    {"merge", bridging_alert_merges_into_older},
	    {"expire", quiet_incidents_expire},
	    {"expire-scattered", expire_in_scattered_order_keeps_the_rest},
	    {"determinism", ids_are_deterministic_and_restore_resumes},
	    {"bounded", alert_details_are_bounded},
	    {"bounded-replays", replays_of_alerts_past_the_bound_after_a_merge},
	    {"stop-configured", configured_stop_values_never_link},
	    {"stop-canonical", configured_stop_values_are_canonical},
	    {"host-domains", local_domains_name_one_host},
	    {"stop-rate", busy_values_become_stop_values},
	    {"stop-rate-late", later_alerts_do_not_stop_an_earlier_one},
	    {"weak-links", weak_links_follow_notable_incidents},
	    {"merge-notable", merge_keeps_notable_alerts_past_the_bound},
	    {"signatures", signatures_group_per_host_and_gap},
	    {"kv-dup", kv_dup_copies_fields},
	    {"network-novelty", network_novelty_counts_new_pairs_nearby},
	    {"long-keys", long_signatures_and_hosts_keep_their_statistics},
	    {"touched-chunks", touched_taken_in_chunks},
	    {"network-novelty-model", network_novelty_matches_model},
	    {"host-prior-novelties", host_prior_novelties_remember_the_hosts_news},
	    {"named-pairs", named_pairs_find_news_within_a_family},
	    {"named-pairs-bounded", named_pairs_of_a_family_are_bounded_per_host},
	    {"host-neighbours", host_neighbours_count_incidents_opened_nearby},
	    {"restore-openings", restore_keeps_every_recent_opening},
	    {"busy-host", busy_host_counts_match_brute_force},
	    {"detector-level-tags", detector_level_and_attack_tags},
	    {"host-case", host_names_ignore_case},
	};
	return vg_test_suite("assemble", cases, sizeof(cases) / sizeof(cases[0]), setup,
	                     teardown);
}

VG_TEST_MAIN(assemble_suite)
