/* Unit tests for correlate/ rules, detection and correlation: loading errors,
 * modifiers, conditions, wildcards, aliases, logsources, event_count windows,
 * late events, offsets, marks, alert ids, and a differential test against a
 * brute-force recount.  Events are built directly (no parsers). */
#include "vg_correlate.h"
#include "vg_test.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEC VG_USEC_PER_SEC
#define T0  (INT64_C(1700000000) * SEC)

static char g_dir[64];
static int g_nfile;
static struct vg_arena *g_arena;

static void setup(void)
{
	ck_assert_int_eq(vg_fields_init(NULL), VG_OK);
	snprintf(g_dir, sizeof(g_dir), "/tmp/vg-correlate-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(g_dir));
	g_arena = vg_arena_new(0);
	ck_assert_ptr_nonnull(g_arena);
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
	ck_assert_int_eq(system(cmd), 0);
	vg_arena_destroy(g_arena);
}

/* Write text to a new file in the temp dir; @return its path (static buffer). */
static const char *write_file(const char *name, const char *text)
{
	static char path[8][256];
	char *p = path[g_nfile++ % 8];
	snprintf(p, 256, "%s/%s", g_dir, name);
	FILE *f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return p;
}

/* Load one YAML text; the caller checks the result. */
static vg_err load_text(const char *yaml, struct vg_ruleset **rs, struct vg_diag *d)
{
	char name[32];
	snprintf(name, sizeof(name), "r%d.yml", g_nfile);
	const char *p = write_file(name, yaml);
	return vg_ruleset_load(&p, 1, rs, d);
}

/* Load and require no error. */
static struct vg_ruleset *load_ok(const char *yaml)
{
	struct vg_ruleset *rs = NULL;
	struct vg_diag d;
	vg_diag_init(&d);
	vg_err err = load_text(yaml, &rs, &d);
	if (err != VG_OK || d.errors)
		vg_diag_print(&d, stderr);
	ck_assert_int_eq(err, VG_OK);
	ck_assert_uint_eq(d.errors, 0);
	vg_diag_clear(&d);
	return rs;
}

static bool diag_has(const struct vg_diag *d, const char *msg)
{
	for (size_t i = 0; i < d->count; i++)
		if (strcmp(d->msgs[i], msg) == 0)
			return true;
	return false;
}

/* An event at ts with NULL-terminated name/value pairs (registry or extras). */
static struct vg_event *mkev(vg_time ts, ...)
{
	struct vg_event *ev = vg_event_new(g_arena);
	ck_assert_ptr_nonnull(ev);
	ev->ts = ts;
	ev->src.topic = "raw";
	ev->src.partition = 0;
	/* rules with `product: linux` need it (schemas/logsources.yaml) */
	vg_event_set(ev, vg_field_lookup("event.module", 12), "linux", 5, VG_VK_STR);
	va_list ap;
	va_start(ap, ts);
	const char *name;
	while ((name = va_arg(ap, const char *))) {
		const char *val = va_arg(ap, const char *);
		if (strcmp(name, "@raw") == 0) {
			ev->raw = vg_str_make(val, strlen(val));
			continue;
		}
		ck_assert_int_eq(vg_event_set_named(ev, name, strlen(name), val,
		                                    strlen(val), VG_VK_STR, true),
		                 VG_OK);
	}
	va_end(ap);
	return ev;
}

/* Does the (single detection) rule in rs match ev? */
static bool hit(const struct vg_ruleset *rs, const struct vg_event *ev)
{
	struct vg_detect_ctx *ctx = vg_detect_ctx_new(rs);
	const struct vg_rule *hits[8];
	ck_assert_ptr_nonnull(ctx);
	size_t n = vg_detect(rs, ctx, ev, hits, 8);
	vg_detect_ctx_destroy(ctx);
	return n > 0;
}

/* A rule with one selection (YAML lines, indented by 4) and condition "sel". */
static struct vg_ruleset *sel_rule(const char *sel_lines)
{
	char yaml[4096];
	snprintf(yaml, sizeof(yaml),
	         "title: t\nid: test-1\nlogsource: {product: linux}\n"
	         "detection:\n  sel:\n%s  condition: sel\n",
	         sel_lines);
	return load_ok(yaml);
}

/* ------------------------------------------------------------ loading */

START_TEST(load_errors_exact)
{
	write_file("a_good.yml",
	           "title: Good\nid: good-1\nlogsource: {product: linux}\n"
	           "detection:\n  sel: {user.name: root}\n  condition: sel\n");
	write_file("b_badmod.yml",
	           "title: Bad modifier\nid: bad-1\nlogsource: {product: linux}\n"
	           "detection:\n  sel:\n    CommandLine|contians: x\n  condition: sel\n");
	write_file("c_unsupported.yml",
	           "title: Encoded\nid: bad-2\nlogsource: {product: windows}\n"
	           "detection:\n  sel:\n    CommandLine|wide: -x*\n  condition: sel\n");
	write_file("d_cond.yml",
	           "title: Cond\nid: bad-3\nlogsource: {product: linux}\n"
	           "detection:\n  sel: {a: b}\n  condition: sel and nope\n");
	write_file("e_nocond.yml", "title: No condition\nlogsource: {product: linux}\n"
	                           "detection:\n  sel: {a: b}\n");
	write_file("f_syntax.yaml", "title: x\n  id: [unclosed\n");
	write_file("g_corr.yml",
	           "title: Corr\nid: bad-4\ncorrelation:\n  type: event_count\n"
	           "  rules: [missing-rule]\n  group-by: [source.ip]\n"
	           "  timespan: 5x\n  condition: {gte: 3}\n");
	write_file("h_corr2.yml",
	           "title: Corr2\nid: bad-5\ncorrelation:\n  type: temporal\n"
	           "  rules: [good-1]\n  group-by: [source.ip]\n"
	           "  timespan: 5m\n");
	write_file("i_corr3.yml",
	           "title: Corr3\nid: bad-6\ncorrelation:\n  type: event_count\n"
	           "  rules: [nothere]\n  group-by: [source.ip]\n"
	           "  timespan: 5m\n  condition: {gte: 3}\n");
	write_file("j_re.yml",
	           "title: Re\nid: bad-7\nlogsource: {product: linux}\n"
	           "detection:\n  sel:\n    a|re: '(unclosed'\n  condition: sel\n");
	/* a valid correlation after a dropped one (resolution must not trip on it) */
	write_file("k_corr_ok.yml", "title: Ok corr\nid: ok-corr\ncorrelation:\n"
	                            "  type: event_count\n  rules: [good-1]\n"
	                            "  group-by: [source.ip]\n  timespan: 5m\n"
	                            "  condition: {gte: 3}\n");
	/* every problem of one rule is listed: a selection that fails to compile
	 * still names an identifier, so the conditions are checked too (each of a
	 * list) */
	write_file("l_all.yml", "title: All\nid: bad-8\nlogsource: {product: linux}\n"
	                        "detection:\n  sel:\n    a|frob: x\n  other: {b: c}\n"
	                        "  condition:\n    - sel and missing\n"
	                        "    - other or gone\n");
	/* a reference to a rule that failed to load says so, where it is written;
	 * a chain through a correlation that cannot run names it */
	write_file("m_ref_failed.yml", "title: Ref failed\nid: bad-9\ncorrelation:\n"
	                               "  type: event_count\n  rules:\n    - good-1\n"
	                               "    - bad-1\n  group-by: [source.ip]\n"
	                               "  timespan: 5m\n  condition: {gte: 3}\n");
	write_file("n_chain.yml", "title: Chain\nid: bad-10\ncorrelation:\n"
	                          "  type: event_count\n  rules: bad-6\n"
	                          "  group-by: [source.ip]\n  timespan: 5m\n"
	                          "  condition: {gte: 3}\n");
	/* keys written twice: which one the author meant is not sure */
	write_file("o_dup.yml", "title: Dup\nid: bad-11\nlogsource: {product: linux}\n"
	                        "detection:\n  sel:\n    a: x\n    a: y\n"
	                        "  condition: sel\n  condition: not sel\n");
	write_file("ignored.txt", "not yaml at all: [");
	struct vg_ruleset *rs = NULL;
	struct vg_diag d;
	vg_diag_init(&d);
	const char *paths[] = {g_dir};
	ck_assert_int_eq(vg_ruleset_load(paths, 1, &rs, &d), VG_OK);
	ck_assert_uint_eq(vg_ruleset_count(rs), 2);
	ck_assert_ptr_nonnull(vg_ruleset_find(rs, "good-1"));
	ck_assert_ptr_nonnull(vg_ruleset_find(rs, "ok-corr"));
	char want[512];
#define EXPECT(fmt, ...)                                                                 \
	do {                                                                             \
		snprintf(want, sizeof(want), fmt, g_dir, __VA_ARGS__);                   \
		if (!diag_has(&d, want)) {                                               \
			vg_diag_print(&d, stderr);                                       \
			ck_abort_msg("missing diagnostic: %s", want);                    \
		}                                                                        \
	} while (0)
	EXPECT("%s/b_badmod.yml:6:5: error: rule 'bad-1': unknown modifier '%s' (did you "
	       "mean 'contains'?)",
	       "contians");
	EXPECT("%s/c_unsupported.yml:6:23: error: rule 'bad-2': wildcards cannot be "
	       "encoded (base64/utf16) in '%s'",
	       "-x*");
	EXPECT(
	    "%s/d_cond.yml:6:22: error: rule 'bad-3': condition 'sel and nope': unknown "
	    "search identifier '%s'",
	    "nope");
	EXPECT("%s/e_nocond.yml:4:3: error: rule '%s': missing 'condition'",
	       "No condition");
	EXPECT("%s/f_syntax.yaml:2:5: error: YAML: %s",
	       "mapping values are not allowed in "
	       "this context");
	EXPECT(
	    "%s/g_corr.yml:7:13: error: rule 'bad-4': correlation: invalid timespan '%s' "
	    "(expected e.g. 30s, 5m, 1h, 2d)",
	    "5x");
	EXPECT("%s/h_corr2.yml:5:10: error: rule 'bad-5': correlation: '%s' needs at "
	       "least two rules",
	       "temporal");
	/* a correlation that failed for one reason: its references are checked too */
	EXPECT("%s/g_corr.yml:5:11: error: rule 'bad-4': correlation refers to unknown "
	       "rule '%s'",
	       "missing-rule");
	EXPECT("%s/i_corr3.yml:5:11: error: rule 'bad-6': correlation refers to unknown "
	       "rule "
	       "'%s'",
	       "nothere");
	/* the referenced rule's place is named too (g_dir twice) */
	EXPECT("%s/m_ref_failed.yml:7:7: error: rule 'bad-9': correlation refers to "
	       "rule 'bad-1', which failed to load (%s/b_badmod.yml:1:1)",
	       g_dir);
	EXPECT("%s/n_chain.yml:5:10: error: rule 'bad-10': correlation refers to "
	       "rule 'bad-6', which cannot run (%s/i_corr3.yml:1:1)",
	       g_dir);
	EXPECT("%s/j_re.yml:6:11: error: rule 'bad-7': regex '(unclosed' at offset 9: %s",
	       "missing closing parenthesis");
	EXPECT("%s/l_all.yml:6:5: error: rule 'bad-8': unknown modifier '%s'", "frob");
	EXPECT("%s/l_all.yml:9:15: error: rule 'bad-8': condition 'sel and missing': "
	       "unknown search identifier '%s'",
	       "missing");
	EXPECT("%s/l_all.yml:10:16: error: rule 'bad-8': condition 'other or gone': "
	       "unknown search identifier '%s'",
	       "gone");
	EXPECT("%s/o_dup.yml:7:5: error: rule 'bad-11': key '%s' is set twice (first at "
	       "line 6)",
	       "a");
	EXPECT("%s/o_dup.yml:9:3: error: rule 'bad-11': key '%s' is set twice (first at "
	       "line 8)",
	       "condition");
	if (d.errors != 17)
		vg_diag_print(&d, stderr);
	ck_assert_uint_eq(d.errors, 17);
	vg_diag_clear(&d);
	vg_ruleset_destroy(rs);
}
END_TEST

START_TEST(load_nothing_is_config_error)
{
	write_file("bad.yml", "title: Bad\nid: bad\ndetection:\n  sel: {a: b}\n"
	                      "  condition: other\n");
	struct vg_ruleset *rs = NULL;
	struct vg_diag d;
	vg_diag_init(&d);
	const char *paths[] = {g_dir};
	ck_assert_int_eq(vg_ruleset_load(paths, 1, &rs, &d), VG_ERR_CONFIG);
	ck_assert_ptr_null(rs);
	char want[256];
	snprintf(want, sizeof(want), "%s: error: no rule could be loaded", g_dir);
	ck_assert(diag_has(&d, want));
	vg_diag_clear(&d);
	/* the path's verdict comes after every rule's errors, resolution's too */
	const char *bad = write_file("bad.yml", "");
	ck_assert_int_eq(unlink(bad), 0);
	write_file("corr.yml", "title: C\nid: c\ncorrelation:\n  type: event_count\n"
	                       "  rules: [gone]\n  group-by: [source.ip]\n"
	                       "  timespan: 5m\n  condition: {gte: 3}\n");
	ck_assert_int_eq(vg_ruleset_load(paths, 1, &rs, &d), VG_ERR_CONFIG);
	ck_assert_uint_eq(d.count, 2);
	ck_assert_ptr_nonnull(strstr(d.msgs[0], "refers to unknown rule 'gone'"));
	ck_assert_str_eq(d.msgs[1], want);
	vg_diag_clear(&d);
	const char *missing[] = {"/nonexistent/vigil/rules"};
	ck_assert_int_eq(vg_ruleset_load(missing, 1, &rs, &d), VG_ERR_CONFIG);
	ck_assert(
	    diag_has(&d, "/nonexistent/vigil/rules: error: cannot open: No such file or "
	                 "directory"));
	vg_diag_clear(&d);
}
END_TEST

START_TEST(load_multidoc_and_info)
{
	struct vg_ruleset *rs = load_ok(
	    "title: One\nid: one\nlevel: high\ntags: [attack.t1110, "
	    "attack.credential-access]\n"
	    "logsource: {product: linux}\ndetection:\n  s: {a: b}\n  condition: s\n"
	    "---\n"
	    "title: Two\nname: two\nlogsource: {product: linux}\n"
	    "detection:\n  s: {a: c}\n  condition: s\n---\n");
	ck_assert_uint_eq(vg_ruleset_count(rs), 2);
	struct vg_rule_info info;
	vg_rule_info(vg_ruleset_find(rs, "one"), &info);
	ck_assert_str_eq(info.title, "One");
	ck_assert_int_eq(info.line, 1);
	ck_assert_int_eq(info.level, VG_LEVEL_HIGH);
	ck_assert_uint_eq(info.ntags, 2);
	ck_assert_str_eq(info.tags[0], "attack.t1110");
	ck_assert(!info.is_correlation);
	vg_rule_info(vg_ruleset_find(rs, "two"), &info);
	ck_assert_int_eq(info.line, 10);
	ck_assert_int_eq(info.level, VG_LEVEL_MEDIUM);
	ck_assert_str_eq(vg_level_name(VG_LEVEL_CRITICAL), "critical");
	vg_ruleset_destroy(rs);
}
END_TEST

START_TEST(load_embedded_defaults)
{
	struct vg_ruleset *rs = NULL;
	struct vg_diag d;
	vg_diag_init(&d);
	ck_assert_int_eq(vg_ruleset_load(NULL, 0, &rs, &d), VG_OK);
	vg_diag_print(&d, stderr);
	ck_assert_uint_eq(d.errors, 0);
	/* the four SSH/sudo rules, plus any default rule added since */
	ck_assert_uint_ge(vg_ruleset_count(rs), 4);
	struct vg_rule_info info;
	const struct vg_rule *bf = vg_ruleset_find(rs, "ssh_brute_force");
	ck_assert_ptr_nonnull(bf);
	vg_rule_info(bf, &info);
	ck_assert(info.is_correlation);
	ck_assert_int_eq(info.level, VG_LEVEL_HIGH);
	ck_assert_str_eq(info.id, "5efb3b0b-f0fb-46ea-ab8f-038071a7097b");
	ck_assert_str_eq(info.file, "correlate/rules/ssh_brute_force.yml");
	vg_rule_info(vg_ruleset_find(rs, "cea29f04-2e96-4f2a-ae4b-7bc6af498b83"), &info);
	ck_assert_str_eq(info.title, "Sudo to root");
	vg_diag_clear(&d);
	vg_ruleset_destroy(rs);
}
END_TEST

/* ---------------------------------------------------------- modifiers */

START_TEST(mod_plain_and_case)
{
	struct vg_ruleset *rs = sel_rule("    user.name: Root\n");
	ck_assert(hit(rs, mkev(T0, "user.name", "root", NULL)));
	ck_assert(hit(rs, mkev(T0, "user.name", "ROOT", NULL)));
	ck_assert(!hit(rs, mkev(T0, "user.name", "roots", NULL)));
	ck_assert(!hit(rs, mkev(T0, NULL)));
	vg_ruleset_destroy(rs);
	rs = sel_rule("    user.name|cased: Root\n");
	ck_assert(hit(rs, mkev(T0, "user.name", "Root", NULL)));
	ck_assert(!hit(rs, mkev(T0, "user.name", "root", NULL)));
	vg_ruleset_destroy(rs);
}
END_TEST

START_TEST(mod_contains_starts_ends_all)
{
	struct vg_ruleset *rs = sel_rule("    process.command_line|contains: WGET\n");
	ck_assert(hit(rs, mkev(T0, "process.command_line", "x wget y", NULL)));
	ck_assert(!hit(rs, mkev(T0, "process.command_line", "curl", NULL)));
	vg_ruleset_destroy(rs);
	rs = sel_rule("    process.command_line|startswith: /tmp/\n");
	ck_assert(hit(rs, mkev(T0, "process.command_line", "/TMP/x", NULL)));
	ck_assert(!hit(rs, mkev(T0, "process.command_line", "x/tmp/", NULL)));
	vg_ruleset_destroy(rs);
	rs = sel_rule("    process.executable|endswith:\n      - /nc\n      - /ncat\n");
	ck_assert(hit(rs, mkev(T0, "process.executable", "/usr/bin/ncat", NULL)));
	ck_assert(hit(rs, mkev(T0, "process.executable", "/bin/nc", NULL)));
	ck_assert(!hit(rs, mkev(T0, "process.executable", "/bin/nc.sh", NULL)));
	vg_ruleset_destroy(rs);
	rs = sel_rule("    process.command_line|contains|all:\n      - '-e'\n      - "
	              "'/bin/sh'\n");
	ck_assert(
	    hit(rs, mkev(T0, "process.command_line", "nc -e /bin/sh 1.2.3.4", NULL)));
	ck_assert(!hit(rs, mkev(T0, "process.command_line", "nc -e /bin/bash", NULL)));
	vg_ruleset_destroy(rs);
}
END_TEST

START_TEST(mod_re)
{
	struct vg_ruleset *rs =
	    sel_rule("    process.command_line|re: '^nc .*-e [a-z/]+$'\n");
	ck_assert(
	    hit(rs, mkev(T0, "process.command_line", "nc 1.2.3.4 -e /bin/sh", NULL)));
	ck_assert(
	    !hit(rs, mkev(T0, "process.command_line", "NC 1.2.3.4 -e /bin/sh", NULL)));
	vg_ruleset_destroy(rs);
	rs = sel_rule("    process.command_line|re|i: '^nc '\n");
	ck_assert(hit(rs, mkev(T0, "process.command_line", "NC x", NULL)));
	vg_ruleset_destroy(rs);
	/* catastrophic backtracking is cut by the match limit: no match, no hang */
	rs = sel_rule("    message|re: '^(a+)+$'\n");
	ck_assert(!hit(rs, mkev(T0, "message",
	                        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", NULL)));
	ck_assert(hit(rs, mkev(T0, "message", "aaaa", NULL)));
	vg_ruleset_destroy(rs);
	/* \S, \D, \W on characters that are not ASCII: PCRE2 10.42's JIT with
	 * MATCH_INVALID_UTF matched none (José's profile went unseen) */
	rs = sel_rule("    process.command_line|re: '\\\\Users\\\\\\S+\\\\AppData'\n");
	ck_assert(
	    hit(rs, mkev(T0, "process.command_line", "C:\\Users\\Jose\\AppData", NULL)));
	ck_assert(hit(rs, mkev(T0, "process.command_line",
	                       "C:\\Users\\Jos\xc3\xa9\\AppData", NULL)));
	ck_assert(hit(rs, mkev(T0, "process.command_line",
	                       "C:\\Users\\\xe6\x97\xa5\xe6\x9c\xac\\AppData", NULL)));
	/* a subject that is not valid UTF-8 still matches where its bytes do */
	ck_assert(hit(rs, mkev(T0, "process.command_line",
	                       "\xff\xfe C:\\Users\\Jos\xc3\xa9\\AppData", NULL)));
	vg_ruleset_destroy(rs);
	/* the regex pre-check (runs in order, on one line unless something between
	 * may match '\n'): a '\n' past the 64 bytes a run keeps, and \N under a
	 * convention where '\n' is no newline, were taken as "same line" */
	char sub[160], pat[200];
	memset(sub, 'x', 64);
	memcpy(sub + 64, "\nbzzz", 6);
	sub[70] = '\0';
	snprintf(pat, sizeof(pat), "    message|re: '%.64s\\nb+zzz'\n", sub);
	rs = sel_rule(pat);
	ck_assert(hit(rs, mkev(T0, "message", sub, NULL)));
	vg_ruleset_destroy(rs);
	rs = sel_rule("    message|re: '(*CRLF)foo\\Nbar'\n");
	ck_assert(hit(rs, mkev(T0, "message", "foo\nbar", NULL)));
	ck_assert(!hit(rs, mkev(T0, "message", "foo\r\nbar", NULL)));
	vg_ruleset_destroy(rs);
	rs = sel_rule("    message|re: '^\\D\\W\\S$'\n");
	ck_assert(hit(rs, mkev(T0, "message", "\xc3\xa9\xe2\x80\x94\xe6\x97\xa5", NULL)));
	ck_assert(!hit(rs, mkev(T0, "message", "1\xe2\x80\x94\xe6\x97\xa5", NULL)));
	vg_ruleset_destroy(rs);
}
END_TEST

START_TEST(mod_cidr_exists_num_null)
{
	struct vg_ruleset *rs = sel_rule("    source.ip|cidr:\n      - 10.0.0.0/8\n"
	                                 "      - '2001:db8::/32'\n");
	ck_assert(hit(rs, mkev(T0, "source.ip", "10.200.3.4", NULL)));
	ck_assert(!hit(rs, mkev(T0, "source.ip", "11.0.0.1", NULL)));
	ck_assert(hit(rs, mkev(T0, "source.ip", "2001:db8::1", NULL)));
	ck_assert(!hit(rs, mkev(T0, "source.ip", "2001:db9::1", NULL)));
	ck_assert(!hit(rs, mkev(T0, "source.ip", "not-an-ip", NULL)));
	/* one address however written: Windows' IPv4-mapped form, brackets */
	ck_assert(hit(rs, mkev(T0, "source.ip", "::ffff:10.1.2.3", NULL)));
	ck_assert(!hit(rs, mkev(T0, "source.ip", "::ffff:11.1.2.3", NULL)));
	ck_assert(hit(rs, mkev(T0, "source.ip", "[2001:db8::7]", NULL)));
	ck_assert(!hit(rs, mkev(T0, "source.ip", "::10.1.2.3", NULL))); /* not mapped */
	vg_ruleset_destroy(rs);
	rs = sel_rule("    source.ip|cidr: '::ffff:0:0/96'\n"); /* every mapped IPv4 */
	ck_assert(hit(rs, mkev(T0, "source.ip", "203.0.113.9", NULL)));
	ck_assert(hit(rs, mkev(T0, "source.ip", "::ffff:203.0.113.9", NULL)));
	ck_assert(!hit(rs, mkev(T0, "source.ip", "2001:db8::1", NULL)));
	vg_ruleset_destroy(rs);
	rs = sel_rule("    source.ip|cidr: 192.168.1.0/23\n");
	ck_assert(hit(rs, mkev(T0, "source.ip", "192.168.0.9", NULL)));
	ck_assert(!hit(rs, mkev(T0, "source.ip", "192.168.2.9", NULL)));
	vg_ruleset_destroy(rs);
	rs = sel_rule("    user.name|exists: true\n    source.ip|exists: false\n");
	ck_assert(hit(rs, mkev(T0, "user.name", "", NULL)));
	ck_assert(!hit(rs, mkev(T0, "user.name", "x", "source.ip", "1.1.1.1", NULL)));
	ck_assert(!hit(rs, mkev(T0, NULL)));
	vg_ruleset_destroy(rs);
	rs = sel_rule("    destination.port|gte: 1024\n    source.port|lt: 100\n");
	ck_assert(
	    hit(rs, mkev(T0, "destination.port", "1024", "source.port", "99", NULL)));
	ck_assert(
	    !hit(rs, mkev(T0, "destination.port", "1023", "source.port", "99", NULL)));
	ck_assert(
	    !hit(rs, mkev(T0, "destination.port", "2000", "source.port", "100", NULL)));
	ck_assert(
	    !hit(rs, mkev(T0, "destination.port", "abc", "source.port", "1", NULL)));
	vg_ruleset_destroy(rs);
	rs = sel_rule("    destination.port|gt: 10\n    source.port|lte: 5\n");
	ck_assert(hit(rs, mkev(T0, "destination.port", "11", "source.port", "5", NULL)));
	ck_assert(!hit(rs, mkev(T0, "destination.port", "10", "source.port", "5", NULL)));
	vg_ruleset_destroy(rs);
	rs = sel_rule("    user.name: null\n    host.name: ''\n");
	ck_assert(hit(rs, mkev(T0, "host.name", "", NULL)));
	ck_assert(!hit(rs, mkev(T0, "host.name", "", "user.name", "x", NULL)));
	ck_assert(!hit(rs, mkev(T0, "host.name", "h", NULL)));
	vg_ruleset_destroy(rs);
}
END_TEST

START_TEST(mod_windash)
{
	struct vg_ruleset *rs =
	    sel_rule("    process.command_line|windash|contains: ' -enc '\n");
	ck_assert(hit(rs, mkev(T0, "process.command_line", "ps -enc abc", NULL)));
	ck_assert(hit(rs, mkev(T0, "process.command_line", "ps /ENC abc", NULL)));
	ck_assert(hit(rs, mkev(T0, "process.command_line",
	                       "ps \xe2\x80\x94"
	                       "enc abc",
	                       NULL)));
	ck_assert(!hit(rs, mkev(T0, "process.command_line", "ps +enc abc", NULL)));
	vg_ruleset_destroy(rs);
	/* only dashes that start a word; two of them make 25 variants */
	rs = sel_rule("    a|windash: 'x-y -a /b'\n");
	ck_assert(hit(rs, mkev(T0, "a", "x-y /a -b", NULL)));
	ck_assert(!hit(rs, mkev(T0, "a", "x/y -a -b", NULL)));
	vg_ruleset_destroy(rs);
}
END_TEST

/* A small base64 encoder for building test events. */
static void b64enc(const unsigned char *in, size_t n, char *out)
{
	static const char t[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = t[v >> 18];
		out[o++] = t[(v >> 12) & 63];
		out[o++] = i + 1 < n ? t[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? t[v & 63] : '=';
	}
	out[o] = '\0';
}

/* ASCII text as UTF-16 (le or be) bytes; @return the length. */
static size_t utf16(const char *s, bool be, unsigned char *out)
{
	size_t o = 0;
	for (; *s; s++) {
		out[o++] = be ? 0 : (unsigned char)*s;
		out[o++] = be ? (unsigned char)*s : 0;
	}
	return o;
}

START_TEST(mod_base64_offsets)
{
	struct vg_ruleset *rs = sel_rule(
	    "    process.command_line|base64offset|contains: 'IEX (New-Object'\n");
	/* whatever the value's position modulo 3 in the encoded text, it is found */
	for (int shift = 0; shift < 6; shift++) {
		char plain[128], enc[256];
		snprintf(plain, sizeof(plain), "%.*sIEX (New-Object Net.WebClient)",
		         shift, "abcdef");
		b64enc((const unsigned char *)plain, strlen(plain), enc);
		ck_assert_msg(hit(rs, mkev(T0, "process.command_line", enc, NULL)),
		              "shift %d: %s", shift, enc);
		snprintf(plain, sizeof(plain), "%.*sIEX (Old-Object Net.WebClient)",
		         shift, "abcdef");
		b64enc((const unsigned char *)plain, strlen(plain), enc);
		ck_assert(!hit(rs, mkev(T0, "process.command_line", enc, NULL)));
	}
	vg_ruleset_destroy(rs);
	/* plain base64 is the whole value's encoding, case-sensitive */
	rs = sel_rule("    a|base64: 'cmd'\n");
	ck_assert(hit(rs, mkev(T0, "a", "Y21k", NULL)));
	ck_assert(!hit(rs, mkev(T0, "a", "y21k", NULL)));
	vg_ruleset_destroy(rs);
	/* wide (utf16le) then base64offset, as SigmaHQ's PowerShell rules write it */
	rs = sel_rule("    a|wide|base64offset|contains: 'Invoke'\n");
	for (int shift = 0; shift < 3; shift++) {
		char plain[64], enc[256];
		unsigned char u[128];
		snprintf(plain, sizeof(plain), "%.*sInvoke-Mimikatz", shift, "xyz");
		b64enc(u, utf16(plain, false, u), enc);
		ck_assert_msg(hit(rs, mkev(T0, "a", enc, NULL)), "wide shift %d", shift);
		snprintf(plain, sizeof(plain), "%.*sInvoce-Mimikatz", shift, "xyz");
		b64enc(u, utf16(plain, false, u), enc);
		ck_assert(!hit(rs, mkev(T0, "a", enc, NULL)));
	}
	vg_ruleset_destroy(rs);
}
END_TEST

START_TEST(mod_utf16_raw)
{
	/* encoded bytes hold NULs: matched by length, never as C strings */
	unsigned char le[32], be[32];
	size_t nle = utf16("cmd", false, le), nbe = utf16("cmd", true, be);
	vg_field a = vg_field_intern("a", 1);
	struct vg_ruleset *rs = sel_rule("    a|utf16le|contains: cmd\n");
	struct vg_event *ev = mkev(T0, NULL);
	vg_event_set(ev, a, (const char *)le, nle, VG_VK_STR);
	ck_assert(hit(rs, ev));
	ev = mkev(T0, NULL);
	vg_event_set(ev, a, (const char *)be, nbe, VG_VK_STR);
	ck_assert(!hit(rs, ev));
	vg_ruleset_destroy(rs);
	rs = sel_rule("    a|utf16be: cmd\n");
	ck_assert(hit(rs, ev));
	vg_ruleset_destroy(rs);
	/* utf16: byte order mark FF FE, then little endian */
	rs = sel_rule("    a|utf16|startswith: c\n");
	ev = mkev(T0, NULL);
	vg_event_set(ev, a,
	             "\xff\xfe"
	             "c\0m",
	             5, VG_VK_STR);
	ck_assert(hit(rs, ev));
	vg_ruleset_destroy(rs);
}
END_TEST

START_TEST(mod_fieldref_neq_time)
{
	/* fieldref compares with another field as named (no alias mapping) */
	struct vg_ruleset *rs =
	    sel_rule("    SubjectUserName|fieldref: TargetUserName\n");
	ck_assert(
	    hit(rs, mkev(T0, "SubjectUserName", "Bob", "TargetUserName", "bob", NULL)));
	ck_assert(!hit(
	    rs, mkev(T0, "SubjectUserName", "bob", "TargetUserName", "alice", NULL)));
	ck_assert(!hit(rs, mkev(T0, "SubjectUserName", "bob", NULL)));
	vg_ruleset_destroy(rs);
	rs = sel_rule("    file.path|fieldref|endswith: process.name\n");
	ck_assert(hit(rs, mkev(T0, "file.path", "C:\\x\\evil.exe", "process.name",
	                       "EVIL.exe", NULL)));
	ck_assert(!hit(rs, mkev(T0, "file.path", "C:\\x\\evil.exe.bak", "process.name",
	                        "evil.exe", NULL)));
	vg_ruleset_destroy(rs);
	rs = sel_rule("    user.name|neq:\n      - root\n      - admin\n");
	ck_assert(hit(rs, mkev(T0, "user.name", "bob", NULL)));
	ck_assert(!hit(rs, mkev(T0, "user.name", "ROOT", NULL)));
	ck_assert(!hit(rs, mkev(T0, "user.name", "admin", NULL)));
	vg_ruleset_destroy(rs);
	rs = sel_rule("    event.created|hour|gte: 20\n    event.created|year: 2024\n");
	ck_assert(hit(rs, mkev(T0, "event.created", "2024-03-01T21:05:00Z", NULL)));
	ck_assert(!hit(rs, mkev(T0, "event.created", "2024-03-01T19:05:00Z", NULL)));
	ck_assert(!hit(rs, mkev(T0, "event.created", "2023-03-01T21:05:00Z", NULL)));
	ck_assert(!hit(rs, mkev(T0, "event.created", "yesterday", NULL)));
	vg_ruleset_destroy(rs);
	/* ISO weeks: 2021-01-03 is in week 53 of 2020, 2021-01-04 in week 1 */
	rs = sel_rule("    d|week: 53\n");
	ck_assert(hit(rs, mkev(T0, "d", "2021-01-03", NULL)));
	ck_assert(!hit(rs, mkev(T0, "d", "2021-01-04", NULL)));
	vg_ruleset_destroy(rs);
	rs = sel_rule("    d|month|lt: 3\n    d|day: 29\n    d|minute: 7\n");
	ck_assert(hit(rs, mkev(T0, "d", "2024-02-29 10:07:59", NULL)));
	ck_assert(!hit(rs, mkev(T0, "d", "2024-03-29 10:07:59", NULL)));
	vg_ruleset_destroy(rs);
}
END_TEST

START_TEST(mod_expand_placeholders)
{
	struct vg_ruleset *rs = load_ok("placeholders:\n  Admins: [root, 'adm*']\n---\n"
	                                "title: t\nid: x\nlogsource: {product: linux}\n"
	                                "detection:\n  sel:\n    user.name|expand: "
	                                "'%Admins%'\n    host.name|expand: "
	                                "'\\%lit%'\n  condition: sel\n");
	ck_assert_uint_eq(vg_ruleset_count(rs), 1);
	ck_assert(hit(rs, mkev(T0, "user.name", "root", "host.name", "%lit%", NULL)));
	ck_assert(
	    hit(rs, mkev(T0, "user.name", "administrator", "host.name", "%lit%", NULL)));
	ck_assert(!hit(rs, mkev(T0, "user.name", "bob", "host.name", "%lit%", NULL)));
	vg_ruleset_destroy(rs);
}
END_TEST

START_TEST(mod_errors)
{
	static const struct {
		const char *sel, *msg;
	} cases[] = {
	    {"    a|re|q: x\n", "unknown modifier 'q'"},
	    {"    a|i: x\n", "modifier 'i' is only valid after 're'"},
	    {"    a|base64offset|contains: 'x*'\n",
	     "wildcards cannot be encoded (base64/utf16) in 'x*'"},
	    {"    a|expand: '%nowhere%'\n",
	     "placeholder '%nowhere%' has no value (define it in a 'placeholders:' "
	     "document)"},
	    {"    a|fieldref|re: b\n", "conflicting modifiers"},
	    {"    a|hour|contains: 3\n", "conflicting modifiers"},
	    {"    a|gt: abc\n", "numeric modifier needs a number, not 'abc'"},
	    {"    a|cidr: 10.0.0.0/33\n", "invalid CIDR '10.0.0.0/33'"},
	    {"    a|exists: maybe\n", "'exists' needs true or false, not 'maybe'"},
	    {"    a|all: x\n", "'all' needs a list of at least two values"},
	    {"    a|contains|startswith: x\n", "conflicting modifiers"},
	    {"    a|windash|re: '-a'\n",
	     "'windash' combined with a type modifier is not supported"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char yaml[512], want[512];
		snprintf(yaml, sizeof(yaml),
		         "title: t\nid: m\nlogsource: {product: linux}\n"
		         "detection:\n  sel:\n%s  condition: sel\n",
		         cases[i].sel);
		struct vg_ruleset *rs = NULL;
		struct vg_diag d;
		vg_diag_init(&d);
		ck_assert_int_eq(load_text(yaml, &rs, &d), VG_ERR_CONFIG);
		ck_assert_uint_ge(d.errors, 1);
		snprintf(want, sizeof(want), "rule 'm': %s", cases[i].msg);
		ck_assert_msg(strstr(d.msgs[0], want), "case %zu: got '%s', want '%s'", i,
		              d.msgs[0], want);
		vg_diag_clear(&d);
	}
}
END_TEST

static uint64_t rnd_idx(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (*s * UINT64_C(2685821657736338717)) >> 33;
}

/* The detection index (correlate/prefilter.c) against each rule run alone (no
 * index in a one-rule ruleset): random rules of every shape the index handles --
 * exact / prefix / suffix / contains literals of 1..15 bytes (tries, byte pairs,
 * grams at a stride), globs, cased, `|all`, `neq`, `exists`, windash, several maps,
 * AND / OR / NOT of selections, regexes whose required literals and ordered runs
 * are read from the pattern (alternation, groups, classes, quantifiers, escapes,
 * caseless k/s, DOTALL, newlines) -- on random events over a small alphabet (so
 * that matches are frequent) with newlines, UTF-8 case partners of k and s (U+212A,
 * U+017F) and repeated values (the field value cache replays them).  Each event is
 * detected by a context with the default cache, one with a tiny cache (evictions,
 * ring wrap-around) and one without.  The rules' fields a, b, c, d are named
 * names[0..3] (index_differential_units: fields the value cache keys together,
 * with values absent, empty and repeated in every combination). */
static void rename_fields(char *out, size_t cap, const char *in,
                          const char *const names[4])
{
	size_t o = 0;
	bool bol = true; /* at the start of a line (indentation, "- ") */
	for (const char *q = in; *q && o + 1 < cap; q++) {
		if (bol && (*q == ' ' || *q == '-')) {
			out[o++] = *q;
			continue;
		}
		if (bol && *q >= 'a' && *q <= 'd' && (q[1] == ':' || q[1] == '|')) {
			o += (size_t)snprintf(out + o, cap - o, "%s", names[*q - 'a']);
			bol = false;
			continue;
		}
		bol = *q == '\n';
		out[o++] = *q;
	}
	out[o < cap ? o : cap - 1] = '\0';
}

/* sticky: most events repeat the previous event's values of a field, as they
 * are or with one byte changed (the same length), so the value cache's last slot
 * per unit (vg_pfcache_last) answers most lookups, and must tell the changed
 * values apart. */
static void index_diff(const char *const names[4], bool sticky)
{
	static const char *shapes[] = {
	    "    a: '%s'\n",
	    "    a|startswith: '%s'\n",
	    "    a|endswith: '%s'\n",
	    "    a|contains: '%s'\n",
	    "    a|contains|all: ['%s', 'xy']\n",
	    "    b|contains: '%s'\n    a|endswith: y\n",
	    "    a|re: '%r'\n",
	    "    a|contains: '%s'\n  f:\n    b: x\n  condition: not f and sel\n  x:\n"
	    "    c: d\n",
	    "    - a|endswith: '%s'\n    - b|startswith: '%s'\n",
	    "    b|cased: '%s'\n",
	    /* items of literals only under NOT (no requirement covers them): bit
	     * tests a word at a time, `all` and not */
	    "    a|contains: '%s'\n  f:\n    a|contains|all: ['%s%s', 'y', 'Y ']\n"
	    "  condition: sel and not f\n",
	    "    b|contains: '%s'\n  f:\n    a|endswith: ['%s', 'x', 'kz', 'sy']\n"
	    "  condition: sel and not f\n",
	    /* globs (anchored by their best literal run), requirements joined by
	     * AND (a rule is a candidate only when each has a hit), OR, NOT */
	    "    a: '*%s%s*?*'\n",
	    "    a: '%s%s*y'\n",
	    "    a|contains|all: ['%s%s', 'xyz%s']\n",
	    /* value lists of globs of several runs: each run a requirement */
	    "    a|contains:\n      - '%s*%r*x'\n      - '%r*%s'\n",
	    "    a|contains|all: ['%s*%r', 'y?%s*k']\n",
	    "    a:\n      - '%s*%r'\n      - '*%r*y*%s'\n",
	    "    a|contains: '%s%s'\n  s2:\n    b|contains: '%s'\n"
	    "  condition: sel and s2\n",
	    "    a|contains: '%s%s'\n  s2:\n    b|endswith: '%s'\n"
	    "  condition: sel or s2\n",
	    "    a|contains: '%s%s'\n  s2:\n    a|startswith: '%s'\n"
	    "  condition: sel and not s2\n",
	    /* OR of ANDs: requirements are pairwise unions (CNF) */
	    "    a|contains: '%s'\n    b|endswith: '%s'\n  s2:\n    c|contains: '%s'\n"
	    "  condition: sel or s2\n",
	    "    - a|contains: '%s'\n      b: x\n    - a|endswith: '%s'\n",
	    "    a|contains: '%s'\n    a|startswith: '%s'\n",
	    "    a|neq: '%s'\n",
	    "    a|exists: true\n    b|contains: '%s'\n",
	    "    a|contains|windash: '-%s'\n",
	    /* a field without contains literals: probed without a folded copy */
	    "    d: '%s%s'\n",
	    "    d|startswith: '%s'\n",
	    "    d|endswith: '%s'\n",
	    "    d:\n      - '%s'\n      - '%s%s%s'\n",
	    /* a field whose literals are all long: grams at a stride */
	    "    c|contains: '%s%s%s%s%s'\n",
	    "    c|contains|all: ['%s%s%s%s%s', '%s%s%s%s']\n",
	    /* regexes: required literals, ordered runs, exact ".*" sequences */
	    "    a|re: '%r.*%r'\n",
	    "    a|re: '(?i)%r.*%r'\n",
	    "    a|re|i: 'k%rs'\n",
	    "    a|re: 'k.*%r'\n",
	    "    a|re: '\\+.*\\+.*\\+'\n",
	    "    a|re|s: '\\+.*\\+'\n",
	    "    a|re: '%r(?:y|z)+%r'\n",
	    "    a|re: '%r\\s+%r'\n",
	    "    a|re: '^%r|%r$'\n",
	    "    a|re: '%r[xy]?%r{2}'\n",
	    "    a|re: '%r\\n%r'\n",
	    "    a|re: '`.*`'\n",
	    "    a|re: '%r.?%r+%r'\n",
	    "    a|re: '(?i)%r\\.%r'\n",
	};
	const size_t nrules = 80;
	static char yaml[131072];
	static char one[80][1100];
	static char frag[80 * 6][48]; /* the literals used: events are made of them */
	size_t o = 0, nfrag = 0;
	uint64_t s = 12345;
	for (size_t i = 0; i < nrules; i++) {
		char lit[8], rlit[8], sel[900];
		size_t n = 1 + (rnd_idx(&s) % 5), rn = 1 + (rnd_idx(&s) % 3);
		for (size_t k = 0; k < n; k++)
			lit[k] = "xyzXY+` ks"[rnd_idx(&s) % 10];
		for (size_t k = 0; k < rn; k++)
			rlit[k] = "xyzXYks"[rnd_idx(&s) % 7];
		lit[n] = rlit[rn] = '\0';
		snprintf(frag[nfrag++], sizeof(frag[0]), "%s", lit);
		snprintf(frag[nfrag++], sizeof(frag[0]), "%s%s", lit, lit);
		snprintf(frag[nfrag++], sizeof(frag[0]), "%s%s%s%s%s", lit, lit, lit, lit,
		         lit);
		snprintf(frag[nfrag++], sizeof(frag[0]), "%s", rlit);
		snprintf(frag[nfrag++], sizeof(frag[0]), "k%ss", rlit);
		snprintf(frag[nfrag++], sizeof(frag[0]), "%s%s%s", rlit, rlit, rlit);
		/* every shape once, then at random */
		const size_t nshapes = sizeof(shapes) / sizeof(shapes[0]);
		const char *shape = shapes[i < nshapes ? i : rnd_idx(&s) % nshapes];
		size_t so = 0; /* the shape with %s replaced by lit, %r by rlit */
		for (const char *q = shape; *q && so + 8 < sizeof(sel); q++) {
			if (q[0] == '%' && (q[1] == 's' || q[1] == 'r')) {
				so += (size_t)snprintf(sel + so, sizeof(sel) - so, "%s",
				                       q[1] == 's' ? lit : rlit);
				q++;
			} else {
				sel[so++] = *q;
			}
		}
		sel[so] = '\0';
		char named[1000];
		rename_fields(named, sizeof(named), sel, names);
		bool custom = strstr(sel, "condition:") != NULL;
		snprintf(one[i], sizeof(one[i]),
		         "title: r%zu\nid: r%zu\nlogsource: {product: linux}\n"
		         "detection:\n  sel:\n%s%s",
		         i, i, named, custom ? "" : "  condition: sel\n");
		o += (size_t)snprintf(yaml + o, sizeof(yaml) - o, "%s---\n", one[i]);
	}
	struct vg_ruleset *all = load_ok(yaml);
	ck_assert_uint_eq(vg_ruleset_count(all), nrules);
	struct vg_ruleset *alone[80];
	for (size_t i = 0; i < nrules; i++)
		alone[i] = load_ok(one[i]);
	struct vg_detect_ctx *ctx[3] = {vg_detect_ctx_new(all), vg_detect_ctx_new(all),
	                                vg_detect_ctx_new(all)};
	ck_assert_ptr_nonnull(ctx[0]);
	ck_assert_ptr_nonnull(ctx[1]);
	ck_assert_ptr_nonnull(ctx[2]);
	ck_assert_int_eq(vg_detect_ctx_cache(ctx[1], 4), VG_OK);
	ck_assert_int_eq(vg_detect_ctx_cache(ctx[2], 0), VG_OK);
	/* a's alphabet: letters, the regexes' punctuation, a newline, and the
	 * characters PCRE2 also matches to k and s caselessly */
	static const char *const units[] = {
	    "x",       "y", "z", "X", "Y", "q", "k",  "K",
	    "s",       "S", "+", "`", " ", "-", "\n", "\xe2\x84\xaa",
	    "\xc5\xbf"};
	const size_t nunits = sizeof(units) / sizeof(units[0]);
	char pool[32][96];
	char prev[4][96] = {"", "", "", ""};
	size_t total = 0;
	for (int e = 0; e < 4000; e++) {
		char a[96], b[16], c[64];
		size_t ao = 0, na = rnd_idx(&s) % 8, nb = rnd_idx(&s) % 4,
		       nc = rnd_idx(&s) % 60;
		/* pieces: a random character, or a rule's literal, mutated: case
		 * flipped, k and s replaced by their caseless UTF-8 partners, a byte
		 * dropped (near misses) */
		for (size_t k = 0; k < na && ao < 40; k++) {
			if (rnd_idx(&s) % 2) {
				const char *u = units[rnd_idx(&s) % nunits];
				memcpy(a + ao, u, strlen(u));
				ao += strlen(u);
				continue;
			}
			const char *f = frag[rnd_idx(&s) % nfrag];
			for (size_t j = 0; f[j]; j++) {
				unsigned r = (unsigned)(rnd_idx(&s) % 20);
				char ch = f[j];
				if (r == 0)
					continue;
				if (r < 8 && (ch == 'k' || ch == 'K')) {
					memcpy(a + ao, "\xe2\x84\xaa", 3);
					ao += 3;
					continue;
				}
				if (r < 8 && (ch == 's' || ch == 'S')) {
					memcpy(a + ao, "\xc5\xbf", 2);
					ao += 2;
					continue;
				}
				if (r < 5 && ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z'))
					ch ^= 0x20;
				a[ao++] = ch;
			}
		}
		a[ao] = '\0';
		/* repeat earlier values now and then: cache hits */
		if (e >= 32 && rnd_idx(&s) % 3 == 0)
			memcpy(a, pool[rnd_idx(&s) % 32], sizeof(a));
		else
			memcpy(pool[e % 32], a, sizeof(a));
		for (size_t k = 0; k < nb; k++)
			b[k] = "xyzX"[rnd_idx(&s) % 4];
		size_t co = 0;
		while (co < nc) { /* literals with a byte changed now and then */
			const char *f = frag[rnd_idx(&s) % nfrag];
			for (size_t j = 0; f[j] && co < nc; j++)
				c[co++] = rnd_idx(&s) % 16 ? f[j] : 'q';
		}
		b[nb] = c[co] = '\0';
		/* d: one or two literals, case flipped now and then */
		char d[48];
		size_t dl =
		    (size_t)snprintf(d, sizeof(d), "%s%s", frag[rnd_idx(&s) % nfrag],
		                     rnd_idx(&s) % 2 ? frag[rnd_idx(&s) % nfrag] : "");
		for (size_t k = 0; k < dl && k < sizeof(d) - 1; k++)
			if (rnd_idx(&s) % 4 == 0 &&
			    ((d[k] | 0x20) >= 'a' && (d[k] | 0x20) <= 'z'))
				d[k] ^= 0x20;
		if (sticky && e > 0) {
			char *const cur[4] = {a, b, c, d};
			const size_t cap[4] = {sizeof(a), sizeof(b), sizeof(c),
			                       sizeof(d)};
			for (int f = 0; f < 4; f++) {
				unsigned r = (unsigned)(rnd_idx(&s) % 8);
				size_t pl = strlen(prev[f]);
				if (r >= 5 || pl >= cap[f])
					continue; /* a new value */
				memcpy(cur[f], prev[f], pl + 1);
				if (r >= 3 && pl) /* one byte changed */
					cur[f][rnd_idx(&s) % pl] =
					    "xyzXk+ q"[rnd_idx(&s) % 8];
			}
		}
		snprintf(prev[0], sizeof(prev[0]), "%s", a);
		snprintf(prev[1], sizeof(prev[1]), "%s", b);
		snprintf(prev[2], sizeof(prev[2]), "%s", c);
		snprintf(prev[3], sizeof(prev[3]), "%s", d);
		struct vg_event *ev =
		    e % 7   ? mkev(T0, names[0], a, names[1], b, names[2], c, names[3], d,
		                   NULL)
		    : e % 2 ? mkev(T0, names[0], a, NULL)
		            : mkev(T0, names[1], b, names[2], c, names[3], d, NULL);
		bool want[80];
		for (size_t i = 0; i < nrules; i++)
			want[i] = hit(alone[i], ev);
		for (int c3 = 0; c3 < 3; c3++) {
			const struct vg_rule *hits[96];
			size_t nh = vg_detect(all, ctx[c3], ev, hits, 96);
			ck_assert_uint_le(nh, 96);
			for (size_t i = 0; i < nrules; i++) {
				bool in_all = false;
				for (size_t k = 0; k < nh; k++)
					in_all |= hits[k] == vg_ruleset_rule(all, i);
				/* an if, not ck_assert_msg: Check writes every passing
				 * assertion's location to a file (~2 million here) */
				if (in_all != want[i])
					ck_abort_msg(
					    "context %d rule %s a='%s' b='%s' c='%s'", c3,
					    one[i], a, b, c);
				total += in_all;
			}
		}
		if (e % 256 == 0)
			vg_arena_reset(g_arena);
	}
	ck_assert_uint_gt(total, 3000);
	struct vg_detect_stats st;
	vg_detect_ctx_stats(ctx[0], &st);
	ck_assert_uint_gt(st.cache_hits, 0); /* the replay path ran */
	vg_detect_ctx_stats(ctx[2], &st);
	ck_assert_uint_eq(st.cache_lookups, 0);
	for (int c3 = 0; c3 < 3; c3++)
		vg_detect_ctx_destroy(ctx[c3]);
	for (size_t i = 0; i < nrules; i++)
		vg_ruleset_destroy(alone[i]);
	vg_ruleset_destroy(all);
}

START_TEST(index_differential)
{
	static const char *const names[4] = {"a", "b", "c", "d"};
	index_diff(names, false);
}
END_TEST

/* The same on fields the field value cache looks up as one key (prefilter.c,
 * cache_groups): a and b are properties of one image file, c and d of the parent;
 * d's literals alone would not be cached (exact, prefix, suffix). */
START_TEST(index_differential_units)
{
	static const char *const names[4] = {"process.executable", "Description",
	                                     "process.parent.command_line",
	                                     "process.parent.executable"};
	index_diff(names, false);
}
END_TEST

/* The same with values repeated from one event to the next, as they are or with
 * a byte changed: the last slot of each unit (value_cache.c, vg_pfcache_last),
 * with the default cache, a 4-entry one (the last slot evicted or refilled by
 * another key of the same length) and none. */
START_TEST(index_differential_last)
{
	static const char *const units[4] = {"process.executable", "Description",
	                                     "process.parent.command_line",
	                                     "process.parent.executable"};
	static const char *const fields[4] = {"a", "b", "c", "d"};
	index_diff(units, true);
	index_diff(fields, true);
}
END_TEST

/* Two logsource groups of 8 rules each (two prefilters, their literals numbered
 * apart) that hold for the same events and scan the same field: each looks the
 * field's value up in one context's value cache, and the last slot of unit 0
 * (vg_pfcache_last) alternates between them -- one group must never replay the
 * other's literals.  Against a context without the cache. */
START_TEST(value_cache_two_groups)
{
	static const char *const la[8] = {"ab",  "bc",  "cd", "abc",
	                                  "bcd", "dab", "ca", "dd"};
	static const char *const lb[8] = {"cab", "dc", "ba", "bb",
	                                  "acd", "db", "cc", "bcda"};
	static char yaml[8192];
	size_t o = 0;
	for (int g = 0; g < 2; g++)
		for (int i = 0; i < 8; i++)
			o += (size_t)snprintf(
			    yaml + o, sizeof(yaml) - o,
			    "title: g%d-%d\nid: g%d-%d\nlogsource: {product: linux%s}\n"
			    "detection:\n  sel:\n    a|contains: '%s'\n  condition: sel\n"
			    "---\n",
			    g, i, g, i, g ? ", service: syslog" : "", g ? lb[i] : la[i]);
	struct vg_ruleset *rs = load_ok(yaml);
	ck_assert_uint_eq(vg_ruleset_count(rs), 16);
	struct vg_detect_ctx *on = vg_detect_ctx_new(rs), *off = vg_detect_ctx_new(rs);
	ck_assert_ptr_nonnull(on);
	ck_assert_ptr_nonnull(off);
	ck_assert_int_eq(vg_detect_ctx_cache(off, 0), VG_OK);
	uint64_t s = 99;
	size_t total = 0;
	char a[16] = "";
	for (int e = 0; e < 3000; e++) {
		if (rnd_idx(&s) % 3) { /* else: the previous value again */
			size_t n = 1 + rnd_idx(&s) % 6;
			for (size_t k = 0; k < n; k++)
				a[k] = "abcd"[rnd_idx(&s) % 4];
			a[n] = '\0';
		}
		struct vg_event *ev = mkev(T0, "a", a, NULL);
		const struct vg_rule *h1[16], *h2[16];
		size_t n1 = vg_detect(rs, on, ev, h1, 16),
		       n2 = vg_detect(rs, off, ev, h2, 16);
		ck_assert_msg(n1 == n2, "a='%s': %zu hits with the cache, %zu without", a,
		              n1, n2);
		for (size_t k = 0; k < n1; k++)
			ck_assert_msg(h1[k] == h2[k], "a='%s'", a);
		total += n1;
		if (e % 256 == 0)
			vg_arena_reset(g_arena);
	}
	ck_assert_uint_gt(total, 1000);
	struct vg_detect_stats st;
	vg_detect_ctx_stats(on, &st);
	ck_assert_uint_gt(st.cache_hits, 1000);
	vg_detect_ctx_destroy(on);
	vg_detect_ctx_destroy(off);
	vg_ruleset_destroy(rs);
}
END_TEST

/* Values that differ only in their last bytes -- a ping sweep, a script looping
 * over hosts or files -- must spread over the value cache's sets: a hash whose
 * last step left its low bits equal put 512 such values into 8 sets of 4 ways,
 * and seen again in turn they evicted each other (no hits at all the second
 * time).  512 values, short and longer than 64 bytes (hashed by their first and
 * last 32), in a cache of VG_DETECT_CACHE_DEFAULT entries: seen a second time,
 * nearly all are hits, with the same rule hits as the first time. */
START_TEST(value_cache_spread)
{
	static const char *const lits[8] = {"ping",   "-w 100",   "whoami",     "net use",
	                                    "psexec", "certutil", "192.168.7.", "-enc"};
	static char yaml[4096];
	size_t o = 0;
	for (int i = 0; i < 8; i++)
		o += (size_t)snprintf(yaml + o, sizeof(yaml) - o,
		                      "title: s%d\nid: s%d\nlogsource: {product: linux}\n"
		                      "detection:\n  sel:\n    a|contains: '%s'\n"
		                      "  condition: sel\n---\n",
		                      i, i, lits[i]);
	struct vg_ruleset *rs = load_ok(yaml);
	ck_assert_uint_eq(vg_ruleset_count(rs), 8);
	struct vg_detect_ctx *ctx = vg_detect_ctx_new(rs);
	ck_assert_ptr_nonnull(ctx);
	size_t hits_per_pass[2] = {0, 0};
	struct vg_detect_stats before = {0}, after;
	for (int pass = 0; pass < 2; pass++) {
		if (pass)
			vg_detect_ctx_stats(ctx, &before);
		for (int i = 0; i < 512; i++) {
			char a[160];
			if (i < 256)
				snprintf(a, sizeof(a), "ping -n 1 -w 100 192.168.%d.%d",
				         i / 64 + 6, i % 64);
			else
				snprintf(a, sizeof(a),
				         "powershell.exe -NoProfile -ExecutionPolicy "
				         "Bypass -File "
				         "C:\\ProgramData\\inventory\\collect.ps1 "
				         "-Target srv%04d",
				         i);
			struct vg_event *ev = mkev(T0, "a", a, NULL);
			const struct vg_rule *h[8];
			hits_per_pass[pass] += vg_detect(rs, ctx, ev, h, 8);
		}
		vg_arena_reset(g_arena);
	}
	vg_detect_ctx_stats(ctx, &after);
	ck_assert_uint_eq(hits_per_pass[0], hits_per_pass[1]);
	ck_assert_uint_eq(hits_per_pass[0], 256 * 2 + 64); /* ping, -w 100; 192.168.7. */
	uint64_t lookups = after.cache_lookups - before.cache_lookups,
	         hits = after.cache_hits - before.cache_hits;
	ck_assert_uint_eq(lookups, 512);
	ck_assert_msg(hits * 100 >= lookups * 99,
	              "second pass: %llu of %llu lookups hit the value cache",
	              (unsigned long long)hits, (unsigned long long)lookups);
	vg_detect_ctx_destroy(ctx);
	vg_ruleset_destroy(rs);
}
END_TEST

/* The bytes of the character at s, in valid UTF-8: the first byte and the
 * continuation bytes after it. */
static size_t ref_char(const char *s)
{
	size_t n = 1;
	while (((unsigned char)s[n] & 0xc0) == 0x80)
		n++;
	return n;
}

/* Glob reference for regex_prefilter_sound, on valid UTF-8 subjects: '*' any
 * characters, '?' one character, the other bytes themselves (ASCII case folded
 * unless cased); plain backtracking. */
static bool ref_glob(const char *p, const char *s, bool cased)
{
	if (!*p)
		return !*s;
	if (*p == '*')
		return ref_glob(p + 1, s, cased) ||
		       (*s && ref_glob(p, s + ref_char(s), cased));
	if (!*s)
		return false;
	if (*p == '?')
		return ref_glob(p + 1, s + ref_char(s), cased);
	char a = *p, b = *s;
	if (!cased) {
		a = (char)(a >= 'A' && a <= 'Z' ? a + 32 : a);
		b = (char)(b >= 'A' && b <= 'Z' ? b + 32 : b);
	}
	return a == b && ref_glob(p + 1, s + 1, cased);
}

/* The regexes' required literals and ordered runs (read from the pattern text by
 * prefilter.c, used by the index and before PCRE2 runs) against PCRE2 itself:
 * random patterns over the syntax that reading handles (literals, escapes,
 * classes, groups, alternation, quantifiers, anchors, inline options, newlines,
 * ".*" gaps) with the i / s / m modifiers, on random subjects with case variants,
 * k and s's caseless UTF-8 partners, newlines and invalid bytes: a rule matches
 * exactly when PCRE2 finds its pattern. */
START_TEST(regex_prefilter_sound)
{
	static const char *const pieces[] = {
	    "k",     "s",      "K",    "a",    "x",       "ks",  "ax",  "\\+", "\\.",
	    "-",     "`",      " ",    "[xy]", "[^a]",    "\\d", "\\s", "\\w", "\\S",
	    ".",     ".*",     ".*",   ".+",   "(?:a|k)", "(x)", "?",   "*",   "+",
	    "{0,2}", "{1,3}",  "{2}",  "^",    "$",       "|",   "\\n", "\\t", "\\b",
	    "\\x41", "\\p{L}", "\\bk", "\\D",  "\\W"};
	static const char *const mods[] = {"re", "re|i", "re|s", "re|m", "re|i|s"};
	static const char *const units[] = {"k",
	                                    "K",
	                                    "s",
	                                    "S",
	                                    "a",
	                                    "A",
	                                    "x",
	                                    "X",
	                                    "+",
	                                    ".",
	                                    "-",
	                                    "`",
	                                    " ",
	                                    "\n",
	                                    "1",
	                                    "y",
	                                    "\xe2\x84\xaa",
	                                    "\xc5\xbf",
	                                    "\xff"};
	const size_t npieces = sizeof(pieces) / sizeof(pieces[0]);
	const size_t nunits = sizeof(units) / sizeof(units[0]);
	uint64_t s = 777;
	size_t agree = 0, matched = 0;
	for (int round = 0; round < 40; round++) {
		char yaml[16384], pat[16][96];
		uint32_t opts[16];
		pcre2_code *re[16];
		size_t o = 0;
		for (int r = 0; r < 16; r++) {
			/* a pattern PCRE2 compiles: pieces, retried until it does */
			for (;;) {
				size_t po = 0, np = 1 + rnd_idx(&s) % 7;
				if (rnd_idx(&s) % 6 == 0)
					po += (size_t)snprintf(pat[r], sizeof(pat[r]),
					                       "(?i)");
				for (size_t k = 0; k < np; k++)
					po += (size_t)snprintf(
					    pat[r] + po, sizeof(pat[r]) - po, "%s",
					    pieces[rnd_idx(&s) % npieces]);
				const char *m = mods[rnd_idx(&s) % 5];
				opts[r] = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
				if (strstr(m, "|i"))
					opts[r] |= PCRE2_CASELESS;
				if (strstr(m, "|s"))
					opts[r] |= PCRE2_DOTALL;
				if (strstr(m, "|m"))
					opts[r] |= PCRE2_MULTILINE;
				int ec;
				PCRE2_SIZE eo;
				re[r] = pcre2_compile((PCRE2_SPTR)pat[r],
				                      PCRE2_ZERO_TERMINATED, opts[r], &ec,
				                      &eo, NULL);
				if (!re[r])
					continue;
				/* the reference is PCRE2's interpreter (not
				 * JIT-compiled): 10.42's JIT with MATCH_INVALID_UTF has
				 * \S, \D and \W match no character that is not ASCII, and
				 * the engine followed it here before */
				o += (size_t)snprintf(
				    yaml + o, sizeof(yaml) - o,
				    "title: q%d\nid: q%d\nlogsource: {product: "
				    "linux}\ndetection:\n  sel:\n    "
				    "a|%s: '%s'\n  condition: sel\n---\n",
				    r, r, m, pat[r]);
				break;
			}
		}
		struct vg_ruleset *rs = load_ok(yaml);
		ck_assert_uint_eq(vg_ruleset_count(rs), 16);
		struct vg_detect_ctx *ctx = vg_detect_ctx_new(rs);
		pcre2_match_data *md = pcre2_match_data_create(1, NULL);
		for (int e = 0; e < 150; e++) {
			char v[128];
			size_t vo = 0, nv = rnd_idx(&s) % 20;
			for (size_t k = 0; k < nv; k++) {
				const char *u = units[rnd_idx(&s) % nunits];
				memcpy(v + vo, u, strlen(u));
				vo += strlen(u);
			}
			v[vo] = '\0';
			const struct vg_rule *hits[16];
			size_t nh = vg_detect(rs, ctx, mkev(T0, "a", v, NULL), hits, 16);
			for (int r = 0; r < 16; r++) {
				bool in = false;
				for (size_t k = 0; k < nh; k++)
					in |= hits[k] == vg_ruleset_rule(rs, (size_t)r);
				bool want = pcre2_match(re[r], (PCRE2_SPTR)v, vo, 0, 0,
				                        md, NULL) >= 0;
				ck_assert_msg(
				    in == want,
				    "pattern \"%s\" (options %x) on \"%s\": %d, pcre2 %d",
				    pat[r], opts[r], v, in, want);
				agree++;
				matched += want;
			}
			if (e % 64 == 0)
				vg_arena_reset(g_arena);
		}
		pcre2_match_data_free(md);
		for (int r = 0; r < 16; r++)
			pcre2_code_free(re[r]);
		vg_detect_ctx_destroy(ctx);
		vg_ruleset_destroy(rs);
	}
	ck_assert_uint_gt(matched, agree / 50); /* matches are not rare */

	/* globs ('*', '?'; detect.c places each segment between stars at its
	 * leftmost fit, or on a value that is not ASCII scans it character by
	 * character) against a backtracking reference, cased and not, through the
	 * index (16 rules) and their necessary literal runs; '?' is one character of
	 * one, two or three bytes */
	static const char *const gpieces[] = {"a",  "b", "x",        "A",        "-",
	                                      "*",  "*", "?",        "ab",       "b-",
	                                      "Ba", "?", "\xc3\xa9", "a\xc3\xa9"};
	static const char *const gunits[] = {"a", "b", "x", "A",        "B",
	                                     "-", "*", "?", "\xc3\xa9", "\xe2\x80\x94"};
	size_t gagree = 0, gmatched = 0;
	for (int round = 0; round < 20; round++) {
		char yaml[8192], pat[16][64];
		bool cased[16];
		size_t o = 0;
		for (int r = 0; r < 16; r++) {
			size_t po = 0, np = 1 + rnd_idx(&s) % 8;
			for (size_t k = 0; k < np; k++)
				po += (size_t)snprintf(
				    pat[r] + po, sizeof(pat[r]) - po, "%s",
				    gpieces[rnd_idx(&s) %
				            (sizeof(gpieces) / sizeof(*gpieces))]);
			cased[r] = rnd_idx(&s) % 3 == 0;
			o += (size_t)snprintf(yaml + o, sizeof(yaml) - o,
			                      "title: g%d\nid: g%d\nlogsource: {product: "
			                      "linux}\ndetection:\n  sel:\n    "
			                      "a%s: '%s'\n  condition: sel\n---\n",
			                      r, r, cased[r] ? "|cased" : "", pat[r]);
		}
		struct vg_ruleset *rs = load_ok(yaml);
		ck_assert_uint_eq(vg_ruleset_count(rs), 16);
		struct vg_detect_ctx *ctx = vg_detect_ctx_new(rs);
		for (int e = 0; e < 200; e++) {
			char v[64];
			size_t vo = 0, nv = rnd_idx(&s) % 13;
			for (size_t k = 0; k < nv; k++) {
				const char *u = gunits[rnd_idx(&s) % (sizeof(gunits) /
				                                      sizeof(*gunits))];
				memcpy(v + vo, u, strlen(u));
				vo += strlen(u);
			}
			v[vo] = '\0';
			const struct vg_rule *hits[16];
			size_t nh = vg_detect(rs, ctx, mkev(T0, "a", v, NULL), hits, 16);
			for (int r = 0; r < 16; r++) {
				bool in = false;
				for (size_t k = 0; k < nh; k++)
					in |= hits[k] == vg_ruleset_rule(rs, (size_t)r);
				bool want = ref_glob(pat[r], v, cased[r]);
				ck_assert_msg(
				    in == want, "glob '%s'%s on \"%s\": %d, want %d",
				    pat[r], cased[r] ? " (cased)" : "", v, in, want);
				gagree++;
				gmatched += want;
			}
			if (e % 64 == 0)
				vg_arena_reset(g_arena);
		}
		vg_detect_ctx_destroy(ctx);
		vg_ruleset_destroy(rs);
	}
	ck_assert_uint_gt(gmatched, gagree / 50);
}
END_TEST

/* Regexes that are exactly literal runs joined by ".*" are decided by an ordered
 * search (PCRE2 would backtrack through every placement); its answers must be
 * PCRE2's: a long line with many '+', the same split by newlines (no match without
 * DOTALL), and invalid UTF-8 (left to PCRE2). */
START_TEST(regex_literal_runs)
{
	char yaml[4096] = "", pat[256] = "";
	for (int i = 0; i < 14; i++)
		strcat(pat, i ? ".*\\+" : "\\+");
	size_t o = 0;
	for (int r = 0; r < 8; r++) /* 8 rules: the index is built */
		o += (size_t)snprintf(yaml + o, sizeof(yaml) - o,
		                      "title: p%d\nid: p%d\nlogsource: {product: linux}\n"
		                      "detection:\n  sel:\n    a|re: '%s'\n    b: '%d'\n"
		                      "  condition: sel\n---\n",
		                      r, r, pat, r);
	struct vg_ruleset *rs = load_ok(yaml);
	struct vg_detect_ctx *ctx = vg_detect_ctx_new(rs);
	const struct vg_rule *hits[8];
	char v[3000];
	size_t n = 0;
	for (int i = 0; i < 2000; i++)
		v[n++] = i % 57 == 3 ? '+' : "abc-"[i % 4]; /* 35 '+' on one line */
	v[n] = '\0';
	ck_assert_uint_eq(vg_detect(rs, ctx, mkev(T0, "a", v, "b", "0", NULL), hits, 8),
	                  1);
	for (size_t i = 0; i < n; i += 100)
		v[i] = '\n'; /* at most 2 '+' per line now */
	ck_assert_uint_eq(vg_detect(rs, ctx, mkev(T0, "a", v, "b", "0", NULL), hits, 8),
	                  0);
	/* PCRE2: '.' does not cross an invalid byte */
	ck_assert_uint_eq(vg_detect(rs, ctx,
	                            mkev(T0, "a", "+++++++++++++\xff+", "b", "1", NULL),
	                            hits, 8),
	                  0);
	ck_assert_uint_eq(vg_detect(rs, ctx,
	                            mkev(T0, "a", "\xff++++++++++++++", "b", "1", NULL),
	                            hits, 8),
	                  1);
	vg_detect_ctx_destroy(ctx);
	vg_ruleset_destroy(rs);
}
END_TEST

/* Every literal run of a glob or a one-alternative regex is required, not only the
 * best: 'ping*|*find' requires 'find' (and '|') as well as 'ping', so a plain ping
 * is not even evaluated (vg_detect_stats.evaluated), and a real match still hits. */
START_TEST(index_run_requirements)
{
	static const char *const cmds[] = {"ipconfig",   "netstat",  "ping",
	                                   "systeminfo", "tasklist", "whoami"};
	char yaml[8192] = "";
	size_t o = 0;
	o += (size_t)snprintf(yaml + o, sizeof(yaml) - o,
	                      "title: pipe\nid: pipe\nlogsource: {product: linux}\n"
	                      "detection:\n  sel:\n    a|contains:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		o += (size_t)snprintf(yaml + o, sizeof(yaml) - o, "      - '%s*|*find'\n",
		                      cmds[i]);
	o += (size_t)snprintf(yaml + o, sizeof(yaml) - o,
	                      "  condition: sel\n---\n"
	                      "title: re\nid: re\nlogsource: {product: linux}\n"
	                      "detection:\n  sel:\n    a|re: 'route\\s+print'\n"
	                      "  condition: sel\n---\n");
	for (int r = 0; r < 8; r++) /* the index is built */
		o += (size_t)snprintf(yaml + o, sizeof(yaml) - o,
		                      "title: o%d\nid: o%d\nlogsource: {product: linux}\n"
		                      "detection:\n  sel:\n    b: 'other%d'\n"
		                      "  condition: sel\n---\n",
		                      r, r, r);
	struct vg_ruleset *rs = load_ok(yaml);
	struct vg_detect_ctx *ctx = vg_detect_ctx_new(rs);
	const struct vg_rule *hits[8];
	struct vg_detect_stats st;
	ck_assert_uint_eq(
	    vg_detect(rs, ctx, mkev(T0, "a", "ping -n 1 10.0.0.1", NULL), hits, 8), 0);
	ck_assert_uint_eq(
	    vg_detect(rs, ctx, mkev(T0, "a", "route add 10.0.0.0", NULL), hits, 8), 0);
	vg_detect_ctx_stats(ctx, &st);
	ck_assert_uint_eq(st.evaluated, 0);
	ck_assert_uint_eq(
	    vg_detect(rs, ctx, mkev(T0, "a", "PING host | FIND \"TTL\"", NULL), hits, 8),
	    1);
	ck_assert_ptr_eq(hits[0], vg_ruleset_find(rs, "pipe"));
	ck_assert_uint_eq(
	    vg_detect(rs, ctx, mkev(T0, "a", "cmd /c route   print", NULL), hits, 8), 1);
	ck_assert_ptr_eq(hits[0], vg_ruleset_find(rs, "re"));
	vg_detect_ctx_stats(ctx, &st);
	ck_assert_uint_eq(st.evaluated, 2);
	vg_detect_ctx_destroy(ctx);
	vg_ruleset_destroy(rs);
}
END_TEST

/* --------------------------------------------------------- wildcards */

START_TEST(wildcards_and_escapes)
{
	struct vg_ruleset *rs = sel_rule("    a: 'ab?d*z'\n");
	ck_assert(hit(rs, mkev(T0, "a", "abcdz", NULL)));
	ck_assert(hit(rs, mkev(T0, "a", "ABXDyyyZ", NULL)));
	ck_assert(!hit(rs, mkev(T0, "a", "abdz", NULL)));
	vg_ruleset_destroy(rs);
	/* escaped wildcards are literal */
	rs = sel_rule("    a: 'x\\*y\\?'\n");
	ck_assert(hit(rs, mkev(T0, "a", "x*y?", NULL)));
	ck_assert(!hit(rs, mkev(T0, "a", "xzy?", NULL)));
	ck_assert(!hit(rs, mkev(T0, "a", "x*yz", NULL)));
	vg_ruleset_destroy(rs);
	/* "\\*": a backslash then a wildcard; a plain backslash stays */
	rs = sel_rule("    a: 'C:\\Windows\\\\*'\n");
	ck_assert(hit(rs, mkev(T0, "a", "c:\\windows\\system32", NULL)));
	ck_assert(!hit(rs, mkev(T0, "a", "c:\\windowssystem32", NULL)));
	vg_ruleset_destroy(rs);
	/* "\\\*": backslash and a literal star */
	rs = sel_rule("    a: 'x\\\\\\*'\n");
	ck_assert(hit(rs, mkev(T0, "a", "x\\*", NULL)));
	ck_assert(!hit(rs, mkev(T0, "a", "x\\y", NULL)));
	vg_ruleset_destroy(rs);
	/* contains with an inner wildcard, star-only, and ? at the edges */
	rs = sel_rule("    a|contains: 'wget*http'\n");
	ck_assert(hit(rs, mkev(T0, "a", "sh -c wget -q http://x", NULL)));
	ck_assert(!hit(rs, mkev(T0, "a", "http wget", NULL)));
	vg_ruleset_destroy(rs);
	rs = sel_rule("    a: '*'\n    b: '?'\n");
	ck_assert(hit(rs, mkev(T0, "a", "", "b", "x", NULL)));
	ck_assert(!hit(rs, mkev(T0, "a", "", "b", "xy", NULL)));
	vg_ruleset_destroy(rs);
}
END_TEST

/* '?' is one character (Sigma), however many bytes UTF-8 gives it; a byte that
 * is not part of a valid sequence is one character on its own. */
START_TEST(wildcard_one_character)
{
	struct vg_ruleset *rs = sel_rule("    a|endswith: '\\prog?.exe'\n");
	ck_assert(hit(rs, mkev(T0, "a", "C:\\prog1.exe", NULL)));
	ck_assert(hit(rs, mkev(T0, "a", "C:\\prog\xc3\xa9.exe", NULL)));
	ck_assert(hit(rs, mkev(T0, "a", "C:\\prog\xe2\x82\xac.exe", NULL)));
	ck_assert(hit(rs, mkev(T0, "a", "C:\\prog\xf0\x9f\x98\x80.exe", NULL)));
	ck_assert(!hit(rs, mkev(T0, "a", "C:\\prog\xc3\xa9\xc3\xa9.exe", NULL)));
	ck_assert(!hit(rs, mkev(T0, "a", "C:\\prog.exe", NULL)));
	vg_ruleset_destroy(rs);
	rs = sel_rule("    a: '?'\n");
	ck_assert(hit(rs, mkev(T0, "a", "\xc3\xa9", NULL)));
	ck_assert(hit(rs, mkev(T0, "a", "\xf0\x9f\x98\x80", NULL)));
	ck_assert(!hit(rs, mkev(T0, "a", "\xc3\xa9x", NULL)));
	ck_assert(hit(rs, mkev(T0, "a", "\xff", NULL)));      /* invalid: one */
	ck_assert(hit(rs, mkev(T0, "a", "\xa9", NULL)));      /* stray continuation */
	ck_assert(!hit(rs, mkev(T0, "a", "\xc3x", NULL)));    /* lead, then 'x': two */
	ck_assert(!hit(rs, mkev(T0, "a", "\xe2\x82", NULL))); /* cut short: two */
	vg_ruleset_destroy(rs);
	/* stars around: each retry starts on a character boundary */
	rs = sel_rule("    a: '*?\xc3\xa9?z*'\n");
	ck_assert(hit(rs, mkev(T0, "a", "\xc3\xa9\xc3\xa9\xc3\xa9z", NULL)));
	ck_assert(hit(rs, mkev(T0, "a", "xx\xe2\x82\xac\xc3\xa9\xc3\xa9zq", NULL)));
	ck_assert(!hit(rs, mkev(T0, "a", "\xc3\xa9\xc3\xa9z", NULL)));
	vg_ruleset_destroy(rs);
	/* in a group of 8 rules (through the literal index), the same answers */
	char yaml[4096];
	size_t o = 0;
	for (int r = 0; r < 8; r++)
		o += (size_t)snprintf(yaml + o, sizeof(yaml) - o,
		                      "title: q%d\nid: q%d\nlogsource: {product: linux}\n"
		                      "detection:\n  sel:\n    a|endswith: '\\prog?.%c'\n"
		                      "  condition: sel\n---\n",
		                      r, r, 'a' + r);
	rs = load_ok(yaml);
	ck_assert_uint_eq(vg_ruleset_count(rs), 8);
	struct vg_detect_ctx *ctx = vg_detect_ctx_new(rs);
	const struct vg_rule *hits[8];
	ck_assert_uint_eq(
	    vg_detect(rs, ctx, mkev(T0, "a", "C:\\prog\xc3\xa9.c", NULL), hits, 8), 1);
	ck_assert_ptr_eq(hits[0], vg_ruleset_rule(rs, 2));
	ck_assert_uint_eq(vg_detect(rs, ctx,
	                            mkev(T0, "a", "C:\\prog\xc3\xa9\xc3\xa9.c", NULL),
	                            hits, 8),
	                  0);
	vg_detect_ctx_destroy(ctx);
	vg_ruleset_destroy(rs);
}
END_TEST

/* --------------------------------------------------------- keywords */

/* Hits of ev by the rules of rs, as a bit set over their indices (up to 64). */
static uint64_t hit_set(const struct vg_ruleset *rs, const struct vg_event *ev)
{
	struct vg_detect_ctx *ctx = vg_detect_ctx_new(rs);
	const struct vg_rule *hits[64];
	ck_assert_ptr_nonnull(ctx);
	size_t n = vg_detect(rs, ctx, ev, hits, 64);
	uint64_t set = 0;
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < vg_ruleset_count(rs) && i < 64; i++)
			set |= (uint64_t)(hits[k] == vg_ruleset_rule(rs, i)) << i;
	vg_detect_ctx_destroy(ctx);
	return set;
}

/* rule (one YAML document, logsource product linux) hits ev alone exactly when it
 * does in a group of 8 with 7 rules on literals of other fields (so through the
 * literal index and its candidate filter). */
static bool hit_grouped(const char *rule, const struct vg_event *ev)
{
	char yaml[8192];
	size_t o = (size_t)snprintf(yaml, sizeof(yaml), "%s", rule);
	for (int r = 0; r < 7; r++)
		o +=
		    (size_t)snprintf(yaml + o, sizeof(yaml) - o,
		                     "---\ntitle: f%d\nid: f%d\nlogsource: {product: "
		                     "linux}\ndetection:\n  sel:\n    filler%d|contains: "
		                     "'lit%d'\n  condition: sel\n",
		                     r, r, r % 3, r);
	struct vg_ruleset *alone = load_ok(rule), *all = load_ok(yaml);
	ck_assert_uint_eq(vg_ruleset_count(all), 8);
	bool a = hit(alone, ev), g = (hit_set(all, ev) & 1) != 0;
	ck_assert_msg(a == g, "alone %d, in a group of 8 %d", a, g);
	vg_ruleset_destroy(alone);
	vg_ruleset_destroy(all);
	return a;
}

/* Sigma keywords search the whole event: every value of it, decoded (no JSON
 * escapes), not key names, not the raw record's text, and not the classification
 * Vigil adds (vigil.*, event.category, ... unless read from the record). */
START_TEST(keywords_every_value)
{
	static const char kw[] = "title: k\nid: k\nlogsource: {product: linux}\n"
	                         "detection:\n  keywords:\n    - 'Failed password'\n"
	                         "    - 'socat exec:*'\n  condition: keywords\n";
	ck_assert(
	    hit_grouped(kw, mkev(T0, "message", "x failed PASSWORD for root", NULL)));
	ck_assert(
	    hit_grouped(kw, mkev(T0, "message", "run socat EXEC:/bin/sh now", NULL)));
	ck_assert(!hit_grouped(kw, mkev(T0, "message", "accepted password", NULL)));
	/* any field, with or without a message; registry fields and extras */
	ck_assert(hit_grouped(kw, mkev(T0, "message", "hello", "process.command_line",
	                               "a failed password b", NULL)));
	ck_assert(hit_grouped(kw, mkev(T0, "NotInTheRegistry", "socat exec:x", NULL)));
	/* the raw record is not searched: its text is no value */
	ck_assert(!hit_grouped(kw, mkev(T0, "@raw", "<13>sshd: Failed password for x",
	                                "message", "nothing", NULL)));
	ck_assert(!hit_grouped(kw, mkev(T0, "@raw", "Failed password", NULL)));

	/* key names are not values; JSON escapes are not in them */
	static const char names[] =
	    "title: k\nid: kn\nlogsource: {product: linux}\n"
	    "detection:\n  keywords:\n    - Channel\n    - 'C:\\Windows\\Temp\\evil'\n"
	    "    - 'caf\xc3\xa9'\n  condition: keywords\n";
	ck_assert(!hit_grouped(
	    names, mkev(T0, "@raw", "{\"Channel\":\"x\"}", "Channel", "x", NULL)));
	ck_assert(hit_grouped(names, mkev(T0, "Channel", "the channel", NULL)));
	ck_assert(hit_grouped(
	    names,
	    mkev(T0, "@raw", "{\"CommandLine\":\"C:\\\\Windows\\\\Temp\\\\evil.exe\"}",
	         "CommandLine", "C:\\Windows\\Temp\\evil.exe", NULL)));
	ck_assert(hit_grouped(
	    names, mkev(T0, "@raw", "{\"x\":\"caf\\u00e9\"}", "x", "caf\xc3\xa9", NULL)));

	/* Vigil's classification is not searched, unless the record holds it */
	static const char cls[] = "title: k\nid: kc\nlogsource: {product: linux}\n"
	                          "detection:\n  keywords: [process, json]\n"
	                          "  condition: keywords\n";
	ck_assert(!hit_grouped(cls, mkev(T0, "event.category", "process", "vigil.format",
	                                 "json", "x", "y", NULL)));
	static const char rec[] = "{\"event\":{\"category\":\"process\"}}";
	struct vg_event *ev = mkev(T0, "@raw", rec, NULL);
	ck_assert_int_eq(vg_event_set(ev, vg_field_lookup("event.category", 14),
	                              strstr(rec, "process"), 7, VG_VK_STR),
	                 VG_OK);
	ck_assert(hit_grouped(cls, ev));
	/* numbers are searched as their text; null is not "null" */
	static const char num[] = "title: k\nid: kd\nlogsource: {product: linux}\n"
	                          "detection:\n  keywords: ['4625', 'null']\n"
	                          "  condition: keywords\n";
	ev = mkev(T0, NULL);
	ck_assert_int_eq(
	    vg_event_set(ev, vg_field_lookup("event.code", 10), "4625", 4, VG_VK_NUM),
	    VG_OK);
	ck_assert(hit_grouped(num, ev));
	ev = mkev(T0, NULL);
	ck_assert_int_eq(
	    vg_event_set(ev, vg_field_lookup("event.code", 10), "null", 4, VG_VK_NULL),
	    VG_OK);
	ck_assert(!hit_grouped(num, ev));

	/* |all: each keyword somewhere in the event, not all in one value */
	static const char all[] =
	    "title: k\nid: k2\nlogsource: {product: linux}\n"
	    "detection:\n  kw:\n    '|all':\n      - 'Oab'\n      - ' -Ext '\n"
	    "  condition: kw\n";
	ck_assert(hit_grouped(all, mkev(T0, "message", "set-OAB -ext x", NULL)));
	ck_assert(hit_grouped(all, mkev(T0, "a0", "set-OAB", "a1", "x -EXT y", NULL)));
	ck_assert(!hit_grouped(all, mkev(T0, "message", "set-OAB x", NULL)));
	ck_assert(!hit_grouped(all, mkev(T0, "a0", "set-OAB", "@raw", " -ext ", NULL)));
}
END_TEST

/* A long keyword list (hashed lookup over the lowercased values) on every value of
 * the event: any case, at either end, any field, and from one event to the next in
 * one context (the values gathered and folded for one event are not another's). */
START_TEST(keyword_list_on_values)
{
	struct vg_ruleset *rs = load_ok(
	    "title: k\nid: kl\nlogsource: {product: linux}\n"
	    "detection:\n  keywords: ['sekurlsa::', 'lsadump::', 'privilege::debug',\n"
	    "    'kerberos::golden', 'mimidrv.sys', 'gentilkiwi.com', 'event::clear',\n"
	    "    'misc::skeleton']\n"
	    "  sel: {note|contains: ['alpha', 'bravo', 'charlie', 'delta', 'echo',\n"
	    "    'foxtrot', 'golf']}\n"
	    "  condition: keywords or sel\n");
	struct vg_detect_ctx *ctx = vg_detect_ctx_new(rs);
	ck_assert_ptr_nonnull(ctx);
	const struct vg_rule *hits[4];
	static const struct {
		const char *field, *value, *note;
		bool hit;
	} cases[] = {
	    {"CommandLine", "m.exe SEKURLSA::LogonPasswords", "m.exe", true},
	    {"CommandLine", "nothing here", "nothing", false},
	    {"Image", "MiMiDrv.SyS", "x", true},                  /* the whole value */
	    {"message", "loaded from gentilkiwi.com", "y", true}, /* at the end */
	    {"a", "kerberos::gold", "z", false},
	    {"b", "quiet", "run FOXTROT now", true},  /* the selection */
	    {"c", "foxtrot", "quiet", false},         /* another field is not note */
	    {"d", "quiet", "privilege::debug", true}, /* keywords search note too */
	    {"e", "quiet", "quiet", false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vg_event *ev =
		    mkev(T0, cases[i].field, cases[i].value, "note", cases[i].note, NULL);
		ck_assert_msg((vg_detect(rs, ctx, ev, hits, 4) > 0) == cases[i].hit,
		              "case %zu: %s", i, cases[i].value);
	}
	vg_detect_ctx_destroy(ctx);
	vg_ruleset_destroy(rs);
}
END_TEST

/* |all ANDs the values as written; the variants one value expands into
 * (base64offset's three offsets, a placeholder's values, windash's dashes) are
 * alternatives of that value.  Alone and in a group of 8 (the index must require
 * one literal per value, not every variant's). */
START_TEST(all_of_expanded_values)
{
	vg_field_intern("a", 1); /* before the events, which the rules load after */
	static const char b64[] =
	    "title: k\nid: b\nlogsource: {product: linux}\n"
	    "detection:\n  sel:\n    a|base64offset|contains|all: [hello, world]\n"
	    "  condition: sel\n";
	ck_assert(hit_grouped(b64, mkev(T0, "a", "aGVsbG d29ybG", NULL)));
	char h[64], w[64], v[160];
	for (int sh = 0; sh < 3; sh++) { /* each value at its own offset */
		char plain[32];
		snprintf(plain, sizeof(plain), "%.*shello", sh, "xy");
		b64enc((const unsigned char *)plain, strlen(plain), h);
		snprintf(plain, sizeof(plain), "%.*sworld", (sh + 1) % 3, "xy");
		b64enc((const unsigned char *)plain, strlen(plain), w);
		snprintf(v, sizeof(v), "%s %s", h, w);
		ck_assert_msg(hit_grouped(b64, mkev(T0, "a", v, NULL)), "%s", v);
		ck_assert(!hit_grouped(b64, mkev(T0, "a", h, NULL)));
		ck_assert(!hit_grouped(b64, mkev(T0, "a", w, NULL)));
	}
	static const char exp[] =
	    "placeholders:\n  admins: [alice, bob]\n---\n"
	    "title: k\nid: e\nlogsource: {product: linux}\n"
	    "detection:\n  sel:\n    a|contains|expand|all: ['%admins%', runas]\n"
	    "  condition: sel\n";
	ck_assert(hit_grouped(exp, mkev(T0, "a", "runas /user:alice cmd", NULL)));
	ck_assert(hit_grouped(exp, mkev(T0, "a", "RUNAS /user:bob", NULL)));
	ck_assert(!hit_grouped(exp, mkev(T0, "a", "runas /user:carol", NULL)));
	ck_assert(!hit_grouped(exp, mkev(T0, "a", "alice bob", NULL)));
	/* windash's variants too (so windash|all loads now) */
	static const char wd[] =
	    "title: k\nid: w\nlogsource: {product: linux}\n"
	    "detection:\n  sel:\n    a|windash|contains|all: [' -enc ', ' -nop ']\n"
	    "  condition: sel\n";
	ck_assert(hit_grouped(wd, mkev(T0, "a", "ps /enc x -nop y", NULL)));
	ck_assert(hit_grouped(wd, mkev(T0, "a", "ps -nop /enc x", NULL)));
	ck_assert(!hit_grouped(wd, mkev(T0, "a", "ps /enc x", NULL)));
	/* keywords: each value's variants anywhere in the event */
	static const char kwb[] =
	    "title: k\nid: kb\nlogsource: {product: linux}\n"
	    "detection:\n  kw:\n    '|base64offset|all': [hello, world]\n"
	    "  condition: kw\n";
	ck_assert(hit_grouped(kwb, mkev(T0, "a", "aGVsbG", "b", "d29ybG", NULL)));
	ck_assert(!hit_grouped(kwb, mkev(T0, "a", "aGVsbG", NULL)));
}
END_TEST

/* -------------------------------------------------------- conditions */

static struct vg_ruleset *cond_rule(const char *cond)
{
	char yaml[2048];
	snprintf(yaml, sizeof(yaml),
	         "title: c\nid: c\nlogsource: {product: linux}\ndetection:\n"
	         "  sel_a: {a: '1'}\n  sel_b: {b: '1'}\n  filter: {f: '1'}\n"
	         "  _hidden: {h: '1'}\n  condition: %s\n",
	         cond);
	return load_ok(yaml);
}

/* Evaluate the condition for each of the 16 combinations of a, b, f, h and compare
 * with expect(a, b, f, h). */
static void check_cond(const char *cond, bool (*expect)(bool, bool, bool, bool))
{
	struct vg_ruleset *rs = cond_rule(cond);
	for (int m = 0; m < 16; m++) {
		bool a = m & 1, b = m & 2, f = m & 4, h = m & 8;
		struct vg_event *ev = mkev(T0, "a", a ? "1" : "0", "b", b ? "1" : "0",
		                           "f", f ? "1" : "0", "h", h ? "1" : "0", NULL);
		ck_assert_msg(hit(rs, ev) == expect(a, b, f, h),
		              "condition '%s' a=%d b=%d f=%d "
		              "h=%d",
		              cond, a, b, f, h);
	}
	vg_ruleset_destroy(rs);
}

static bool e_and_not(bool a, bool b, bool f, bool h)
{
	(void)h;
	return a && b && !f;
}
static bool e_paren(bool a, bool b, bool f, bool h)
{
	(void)h;
	return a && (b || f);
}
static bool e_prec(bool a, bool b, bool f, bool h)
{
	(void)h;
	return a || (b && !f);
}
static bool e_one_of(bool a, bool b, bool f, bool h)
{
	(void)h;
	return (a || b) && !f;
}
static bool e_all_of(bool a, bool b, bool f, bool h)
{
	(void)f;
	(void)h;
	return a && b;
}
static bool e_one_them(bool a, bool b, bool f, bool h)
{
	(void)h;
	return a || b || f;
}
static bool e_all_them(bool a, bool b, bool f, bool h)
{
	(void)h;
	return a && b && f;
}
static bool e_not_paren(bool a, bool b, bool f, bool h)
{
	return !(a || b) && h && !f;
}

START_TEST(conditions)
{
	check_cond("sel_a and sel_b and not filter", e_and_not);
	check_cond("sel_a and (sel_b or filter)", e_paren);
	check_cond("sel_a or sel_b and not filter", e_prec);
	check_cond("1 of sel_* and not filter", e_one_of);
	check_cond("all of sel_*", e_all_of);
	check_cond("1 of them", e_one_them); /* _hidden is not part of them */
	check_cond("all of them", e_all_them);
	check_cond("not (sel_a or sel_b) and _hidden and not 1 of filt*", e_not_paren);
	/* a list of conditions is OR */
	struct vg_ruleset *rs = load_ok("title: c\nid: c\nlogsource: {product: linux}\n"
	                                "detection:\n  s1: {a: '1'}\n  s2: {b: '1'}\n"
	                                "  condition:\n    - s1\n    - s2\n");
	ck_assert(hit(rs, mkev(T0, "b", "1", NULL)));
	ck_assert(!hit(rs, mkev(T0, "b", "2", NULL)));
	vg_ruleset_destroy(rs);
	/* "any" and "all" not followed by "of" are search identifiers (a selection
	 * named any read as "1" and failed to load) */
	rs = load_ok("title: c\nid: c\nlogsource: {product: linux}\n"
	             "detection:\n  any: {a: '1'}\n  all: {b: '1'}\n"
	             "  condition: any and not all\n");
	ck_assert(hit(rs, mkev(T0, "a", "1", NULL)));
	ck_assert(!hit(rs, mkev(T0, "a", "1", "b", "1", NULL)));
	vg_ruleset_destroy(rs);
	/* list of maps is OR, map is AND */
	rs = sel_rule("    - {a: '1', b: '1'}\n    - {f: '1'}\n");
	ck_assert(hit(rs, mkev(T0, "a", "1", "b", "1", NULL)));
	ck_assert(hit(rs, mkev(T0, "f", "1", NULL)));
	ck_assert(!hit(rs, mkev(T0, "a", "1", NULL)));
	vg_ruleset_destroy(rs);
}
END_TEST

/* A random condition over the selections s0..s3 (each true when its field is
 * '1'), written with parentheses, and its value for the selections' truth m. */
struct cexpr {
	char text[2048];
	size_t len;
};

static bool cond_gen(uint64_t *rs, int depth, unsigned m, struct cexpr *out)
{
	unsigned r = (unsigned)(rnd_idx(rs) % 8);
	if (depth == 0 || r < 2) {
		unsigned k = (unsigned)(rnd_idx(rs) % 6);
		if (k < 4) {
			out->len += (size_t)snprintf(
			    out->text + out->len, sizeof(out->text) - out->len, "s%u", k);
			return (m >> k) & 1;
		}
		out->len +=
		    (size_t)snprintf(out->text + out->len, sizeof(out->text) - out->len,
		                     "%s", k == 4 ? "1 of s*" : "all of s*");
		return k == 4 ? m != 0 : m == 15;
	}
	if (r == 2 || r == 3) {
		out->len += (size_t)snprintf(out->text + out->len,
		                             sizeof(out->text) - out->len, "not ");
		return !cond_gen(rs, depth - 1, m, out);
	}
	out->len +=
	    (size_t)snprintf(out->text + out->len, sizeof(out->text) - out->len, "(");
	bool a = cond_gen(rs, depth - 1, m, out);
	out->len += (size_t)snprintf(out->text + out->len, sizeof(out->text) - out->len,
	                             r < 6 ? " and " : " or ");
	bool b = cond_gen(rs, depth - 1, m, out);
	out->len +=
	    (size_t)snprintf(out->text + out->len, sizeof(out->text) - out->len, ")");
	return r < 6 ? a && b : a || b;
}

/* Rules are evaluated by a flat program compiled from the condition tree
 * (detect.c: each selection jumps to the next one to test): random conditions of
 * AND, OR, NOT, "1 of" and "all of" nested up to 6 deep, against their value on
 * every combination of the selections. */
START_TEST(conditions_random)
{
	for (int t = 0; t < 150; t++) {
		bool want[16];
		struct cexpr ce;
		for (unsigned m = 0; m < 16; m++) {
			uint64_t seed = UINT64_C(0x9E3779B97F4A7C15) * (uint64_t)(t + 1);
			ce.len = 0;
			want[m] = cond_gen(&seed, 1 + t % 6, m, &ce);
		}
		char yaml[4096];
		snprintf(yaml, sizeof(yaml),
		         "title: c\nid: c\nlogsource: {product: linux}\ndetection:\n"
		         "  s0: {p0: '1'}\n  s1: {p1: '1'}\n  s2: {p2: '1'}\n"
		         "  s3: {p3: '1'}\n  condition: %s\n",
		         ce.text);
		struct vg_ruleset *rs = load_ok(yaml);
		for (unsigned m = 0; m < 16; m++) {
			struct vg_event *ev =
			    mkev(T0, "p0", m & 1 ? "1" : "0", "p1", m & 2 ? "1" : "0",
			         "p2", m & 4 ? "1" : "0", "p3", m & 8 ? "1" : "0", NULL);
			ck_assert_msg(hit(rs, ev) == want[m], "condition '%s' m=%u",
			              ce.text, m);
		}
		vg_ruleset_destroy(rs);
		vg_arena_reset(g_arena);
	}
}
END_TEST

/* The same through the literal index (the rule with 7 others of its logsource, so
 * its group has a prefilter): selections of one item of literals only (tested
 * inline by the flat program: vg_cnode.lits), of two such items, of two
 * alternatives, and a regex.  A selection that does not hold fails in one item or
 * in all, at random. */
START_TEST(conditions_random_indexed)
{
	uint64_t rs_seed = 777;
	for (int t = 0; t < 150; t++) {
		bool want[16];
		struct cexpr ce;
		for (unsigned m = 0; m < 16; m++) {
			uint64_t seed = UINT64_C(0x9E3779B97F4A7C15) * (uint64_t)(t + 7);
			ce.len = 0;
			want[m] = cond_gen(&seed, 1 + t % 6, m, &ce);
		}
		static char yaml[8192];
		size_t o = (size_t)snprintf(
		    yaml, sizeof(yaml),
		    "title: c\nid: c\nlogsource: {product: linux}\ndetection:\n"
		    "  s0: {p0|contains: '1'}\n"
		    "  s1: {p1|endswith: '1', q1|startswith: '1'}\n"
		    "  s2:\n    - p2: '1'\n    - q2: '1'\n"
		    "  s3: {p3|re: '^1'}\n  condition: %s\n---\n",
		    ce.text);
		for (int k = 0; k < 7; k++)
			o += (size_t)snprintf(yaml + o, sizeof(yaml) - o,
			                      "title: f%d\nid: f%d\nlogsource: {product: "
			                      "linux}\ndetection:\n  sel: {zz|contains: "
			                      "'never%d'}\n  condition: sel\n---\n",
			                      k, k, k);
		struct vg_ruleset *rs = load_ok(yaml);
		ck_assert_uint_eq(vg_ruleset_count(rs), 8);
		for (unsigned m = 0; m < 16; m++) {
			/* p_k, q_k: s0 and s3 test p_k only (q_k at random); s1
			 * (AND) fails in p1, q1 or both, s2 (OR) holds by p2, q2 or
			 * both */
			const char *v[8];
			for (int k = 0; k < 4; k++) {
				bool on = (m >> k) & 1;
				unsigned r = (unsigned)(rnd_idx(&rs_seed) % 3);
				const char *p = on ? "1" : "0", *q = r ? "1" : "0";
				if (k == 1 && !on)
					p = r == 1 ? "1" : "0", q = r == 0 ? "1" : "0";
				else if (k == 1)
					q = "1";
				else if (k == 2)
					p = on && r != 2 ? "1" : "0",
					q = on && r != 1 ? "1" : "0";
				v[2 * k] = p;
				v[2 * k + 1] = q;
			}
			struct vg_event *ev =
			    mkev(T0, "p0", v[0], "q0", v[1], "p1", v[2], "q1", v[3], "p2",
			         v[4], "q2", v[5], "p3", v[6], "q3", v[7], NULL);
			ck_assert_msg(hit(rs, ev) == want[m], "condition '%s' m=%u",
			              ce.text, m);
		}
		vg_ruleset_destroy(rs);
		vg_arena_reset(g_arena);
	}
}
END_TEST

START_TEST(condition_errors)
{
	/* the column is that of the offending token in the file (the condition's
	 * text starts at column 14; a quote before it moves it by one, an escape
	 * leaves the condition's own column) */
	static const struct {
		const char *cond, *text, *msg;
		int col;
	} cases[] = {
	    {"sel_a and", NULL, "expected a search identifier at 'end'", 23},
	    {"(sel_a", NULL, "expected ')' at ''", 20},
	    {"sel_a sel_b", NULL, "unexpected 'sel_b'", 20},
	    {"1 of nothing*", NULL, "'nothing*' matches no search identifier", 19},
	    {"sel_a | count() > 5", NULL,
	     "aggregation expressions ('|') are not supported: use a "
	     "Sigma correlation rule",
	     20},
	    {"'sel_a or nope'", "sel_a or nope", "unknown search identifier 'nope'", 24},
	    {"\"sel_a or nope\"", "sel_a or nope", "unknown search identifier 'nope'",
	     24},
	    {"\"sel_a or\\tnope\"", "sel_a or\tnope", "unknown search identifier 'nope'",
	     14},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char yaml[512], want[512];
		snprintf(
		    yaml, sizeof(yaml),
		    "title: t\nid: ce\nlogsource: {product: linux}\n"
		    "detection:\n  sel_a: {a: b}\n  sel_b: {a: c}\n  condition: %s\n",
		    cases[i].cond);
		struct vg_ruleset *rs = NULL;
		struct vg_diag d;
		vg_diag_init(&d);
		ck_assert_int_eq(load_text(yaml, &rs, &d), VG_ERR_CONFIG);
		snprintf(want, sizeof(want),
		         ":7:%d: error: rule 'ce': condition '%s': %s", cases[i].col,
		         cases[i].text ? cases[i].text : cases[i].cond, cases[i].msg);
		ck_assert_msg(d.count >= 1 && strstr(d.msgs[0], want),
		              "case %zu: got '%s'", i, d.count ? d.msgs[0] : "");
		vg_diag_clear(&d);
	}
}
END_TEST

/* --------------------------------------------------- aliases, logsources */

START_TEST(alias_mapping)
{
	struct vg_ruleset *rs =
	    load_ok("title: a\nid: al\nlogsource: {product: windows, category: "
	            "process_creation}\n"
	            "detection:\n  sel:\n    Image|endswith: '\\whoami.exe'\n"
	            "    CommandLine|contains: '/all'\n  condition: sel\n");
	ck_assert(hit(rs, mkev(T0, "event.dataset", "sysmon", "event.code", "1",
	                       "process.executable", "C:\\Windows\\System32\\whoami.exe",
	                       "process.command_line", "whoami /all", NULL)));
	/* vendor-named fields that are not aliases are interned as written */
	vg_ruleset_destroy(rs);
	rs = sel_rule("    CustomVendorField: abc\n");
	ck_assert(vg_field_lookup("CustomVendorField", 17) != VG_FIELD_NONE);
	ck_assert(hit(rs, mkev(T0, "CustomVendorField", "ABC", NULL)));
	vg_ruleset_destroy(rs);
	/* Provider_Name is the provider; SourceName (events_only) is the field as
	 * written: the detection source in SigmaHQ's Windows Defender rules */
	rs = sel_rule("    Provider_Name: 'Service Control Manager'\n");
	ck_assert(hit(rs, mkev(T0, "event.provider", "Service Control Manager", NULL)));
	vg_ruleset_destroy(rs);
	rs = sel_rule("    SourceName: AMSI\n");
	ck_assert(hit(rs, mkev(T0, "SourceName", "AMSI", NULL)));
	ck_assert(!hit(rs, mkev(T0, "event.provider", "AMSI", NULL)));
	vg_ruleset_destroy(rs);
	/* the account acted upon (TargetUserName) is not the acting user */
	rs = sel_rule("    TargetUserName|endswith: '$'\n");
	ck_assert(
	    hit(rs, mkev(T0, "user.name", "admin", "user.target.name", "evil$", NULL)));
	ck_assert(
	    !hit(rs, mkev(T0, "user.name", "DC1$", "user.target.name", "bob", NULL)));
	vg_ruleset_destroy(rs);
}
END_TEST

START_TEST(logsource_filtering)
{
	struct vg_ruleset *rs = load_ok(
	    "title: w\nid: w\nlogsource: {product: windows, category: process_creation}\n"
	    "detection:\n  sel: {process.executable|endswith: cmd.exe}\n  condition: "
	    "sel\n"
	    "---\n"
	    "title: s\nid: s\nlogsource: {product: linux, service: sshd}\n"
	    "detection:\n  sel: {event.outcome: failure}\n  condition: sel\n"
	    "---\n"
	    "title: au\nid: au\nlogsource: {product: linux, service: auth}\n"
	    "detection:\n  sel: {event.outcome: failure}\n  condition: sel\n"
	    "---\n"
	    "title: u\nid: u\nlogsource: {product: linux, service: nosuchservice}\n"
	    "detection:\n  sel: {event.outcome: failure}\n  condition: sel\n");
	struct vg_detect_ctx *ctx = vg_detect_ctx_new(rs);
	const struct vg_rule *hits[8];
	size_t n;
	n = vg_detect(rs, ctx,
	              mkev(T0, "event.dataset", "sysmon", "event.code", "1",
	                   "process.executable", "C:\\cmd.exe", NULL),
	              hits, 8);
	ck_assert_uint_eq(n, 1);
	n = vg_detect(rs, ctx,
	              mkev(T0, "event.dataset", "security", "event.code", "4688",
	                   "process.executable", "C:\\cmd.exe", NULL),
	              hits, 8);
	ck_assert_uint_eq(n, 1);
	n = vg_detect(rs, ctx,
	              mkev(T0, "event.dataset", "security", "event.code", "1",
	                   "process.executable", "C:\\cmd.exe", NULL),
	              hits, 8);
	ck_assert_uint_eq(n, 0);
	/* sshd failure: sshd rule, auth rule, and the unmapped linux one (product only)
	 */
	n = vg_detect(rs, ctx,
	              mkev(T0, "event.module", "linux", "event.dataset", "SSHD",
	                   "event.outcome", "failure", NULL),
	              hits, 8);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(vg_ruleset_find(rs, "s") == hits[0] ? "s" : "?", "s");
	/* sudo failure: auth rule and the product-only one */
	n = vg_detect(rs, ctx,
	              mkev(T0, "event.module", "linux", "event.dataset", "sudo",
	                   "event.outcome", "failure", NULL),
	              hits, 1);
	ck_assert_uint_eq(n, 2); /* returns the count even past max_hits */
	/* not linux at all */
	n = vg_detect(
	    rs, ctx,
	    mkev(T0, "event.module", "windows", "event.outcome", "failure", NULL), hits,
	    8);
	ck_assert_uint_eq(n, 0);
	vg_detect_ctx_destroy(ctx);
	vg_ruleset_destroy(rs);
}
END_TEST

START_TEST(logsource_unmapped_warns)
{
	struct vg_ruleset *rs = NULL;
	struct vg_diag d;
	vg_diag_init(&d);
	ck_assert_int_eq(load_text("title: u\nid: u\nlogsource:\n  product: linux\n"
	                           "  service: nosuch\ndetection:\n  sel: {a: b}\n"
	                           "  condition: sel\n",
	                           &rs, &d),
	                 VG_OK);
	ck_assert_uint_eq(d.errors, 0);
	ck_assert_uint_eq(d.count, 1);
	ck_assert_msg(strstr(d.msgs[0],
	                     ":4:3: warning: rule 'u': logsource linux/-/nosuch has "
	                     "no mapping in schemas/logsources.yaml: the rule runs "
	                     "on every linux event"),
	              "%s", d.msgs[0]);
	vg_diag_clear(&d);
	vg_ruleset_destroy(rs);
}
END_TEST

/* --------------------------------------------------------- correlation */

#define MAX_ALERTS 4096
struct got {
	char id[17];
	char rule[64];
	char key[256];
	vg_time first_ts, last_ts;
	uint64_t count;
	size_t nevents;
	int64_t max_offset;
	char fields[512];
};
static struct got g_got[MAX_ALERTS];
static size_t g_ngot;

static void on_alert(const struct vg_alert *a, void *ctx)
{
	(void)ctx;
	ck_assert_uint_lt(g_ngot, MAX_ALERTS);
	struct got *g = &g_got[g_ngot++];
	memcpy(g->id, a->id, 17);
	struct vg_rule_info info;
	vg_rule_info(a->rule, &info);
	snprintf(g->rule, sizeof(g->rule), "%s", info.id);
	snprintf(g->key, sizeof(g->key), "%s", a->group_key);
	g->first_ts = a->first_ts;
	g->last_ts = a->last_ts;
	g->count = a->event_count;
	g->nevents = a->nevents;
	g->max_offset = -1;
	for (size_t i = 0; i < a->nevents; i++) {
		ck_assert_str_eq(a->events[i].topic, "raw");
		if (a->events[i].offset > g->max_offset)
			g->max_offset = a->events[i].offset;
	}
	g->fields[0] = '\0';
	for (size_t i = 0; i < a->nfields; i++) {
		size_t l = strlen(g->fields);
		snprintf(g->fields + l, sizeof(g->fields) - l, "%s%s=%s", i ? "," : "",
		         a->fields[i].name, a->fields[i].value);
	}
}

static const char *CORR_RULES =
    "title: Fail\nid: fail\nname: fail\nlogsource: {product: linux, service: sshd}\n"
    "detection:\n  sel: {event.outcome: failure}\n  condition: sel\n"
    "---\n"
    "title: Brute\nid: brute\ncorrelation:\n  type: event_count\n  rules: [fail]\n"
    "  group-by: [source.ip, host.name]\n  timespan: 5m\n  condition: {gte: 10}\n"
    "level: high\n"
    "---\n"
    "title: Ok\nid: ok\nlogsource: {product: linux, service: sshd}\n"
    "detection:\n  sel: {event.outcome: success}\n  condition: sel\n";

struct fixture {
	struct vg_ruleset *rs;
	struct vg_detect_ctx *ctx;
	struct vg_correlator *c;
};

static void fx_init(struct fixture *fx, const char *rules, vg_time lateness)
{
	fx->rs = load_ok(rules);
	fx->ctx = vg_detect_ctx_new(fx->rs);
	ck_assert_ptr_nonnull(fx->ctx);
	struct vg_correlator_conf conf = {.allowed_lateness = lateness};
	ck_assert_int_eq(vg_correlator_new(fx->rs, &conf, &fx->c), VG_OK);
	g_ngot = 0;
}

static void fx_free(struct fixture *fx)
{
	vg_correlator_destroy(fx->c);
	vg_detect_ctx_destroy(fx->ctx);
	vg_ruleset_destroy(fx->rs);
}

/* Detect + feed one sshd event. */
static void feed(struct fixture *fx, vg_time ts, const char *outcome, const char *ip,
                 const char *host, int64_t offset)
{
	struct vg_event *ev =
	    mkev(ts, "event.dataset", "sshd", "event.module", "linux", "event.outcome",
	         outcome, "source.ip", ip, "host.name", host, "user.name", "admin", NULL);
	ev->src.offset = offset;
	const struct vg_rule *hits[8];
	size_t n = vg_detect(fx->rs, fx->ctx, ev, hits, 8);
	vg_correlator_feed(fx->c, ev, hits, n < 8 ? n : 8, on_alert, NULL);
}

START_TEST(ec_fires_at_threshold)
{
	struct fixture fx;
	fx_init(&fx, CORR_RULES, 0);
	for (int i = 0; i < 9; i++)
		feed(&fx, T0 + i * 10 * SEC, "failure", "1.2.3.4", "web1", i);
	ck_assert_uint_eq(g_ngot, 0);
	feed(&fx, T0 + 90 * SEC, "failure", "1.2.3.4", "web1", 9);
	ck_assert_uint_eq(g_ngot, 1);
	ck_assert_str_eq(g_got[0].rule, "brute");
	ck_assert_str_eq(g_got[0].key, "source.ip=1.2.3.4\x1fhost.name=web1");
	ck_assert_uint_eq(g_got[0].count, 10);
	ck_assert_int_eq(g_got[0].first_ts, T0);
	ck_assert_int_eq(g_got[0].last_ts, T0 + 90 * SEC);
	ck_assert_uint_eq(g_got[0].nevents, 10);
	ck_assert_int_eq(g_got[0].max_offset, 9);
	ck_assert_str_eq(g_got[0].fields,
	                 "source.ip=1.2.3.4,host.name=web1,user.name=admin");
	/* reset after firing: the 11th event starts over */
	feed(&fx, T0 + 95 * SEC, "failure", "1.2.3.4", "web1", 10);
	ck_assert_uint_eq(g_ngot, 1);
	/* the consumed rule raises nothing alone; the other rule does, once per hit */
	feed(&fx, T0 + 96 * SEC, "success", "1.2.3.4", "web1", 11);
	ck_assert_uint_eq(g_ngot, 2);
	ck_assert_str_eq(g_got[1].rule, "ok");
	ck_assert_str_eq(g_got[1].key, "");
	ck_assert_uint_eq(g_got[1].count, 1);
	ck_assert_int_eq(g_got[1].max_offset, 11);
	struct vg_correlator_stats st;
	vg_correlator_stats(fx.c, &st);
	ck_assert_uint_eq(st.events, 12);
	ck_assert_uint_eq(st.hits, 12);
	ck_assert_uint_eq(st.alerts, 2);
	ck_assert_uint_eq(st.open_groups, 1);
	fx_free(&fx);
}
END_TEST

START_TEST(ec_not_beyond_timespan)
{
	struct fixture fx;
	fx_init(&fx, CORR_RULES, 0);
	/* 10 failures 40 s apart span 360 s > 5 min: never 10 in one window */
	for (int i = 0; i < 30; i++)
		feed(&fx, T0 + i * 40 * SEC, "failure", "1.2.3.4", "web1", i);
	ck_assert_uint_eq(g_ngot, 0);
	/* exactly 300 s between first and tenth still counts (inclusive) */
	for (int i = 0; i < 10; i++)
		feed(&fx, T0 + 10000 * SEC + i * 300 * SEC / 9, "failure", "5.5.5.5",
		     "web1", 100 + i);
	ck_assert_uint_eq(g_ngot, 1);
	fx_free(&fx);
}
END_TEST

START_TEST(ec_group_separation)
{
	struct fixture fx;
	fx_init(&fx, CORR_RULES, 0);
	for (int i = 0; i < 9; i++) {
		feed(&fx, T0 + i * SEC, "failure", "1.1.1.1", "web1", 3 * i);
		feed(&fx, T0 + i * SEC, "failure", "1.1.1.1", "web2", 3 * i + 1);
		feed(&fx, T0 + i * SEC, "failure", "2.2.2.2", "web1", 3 * i + 2);
	}
	ck_assert_uint_eq(g_ngot, 0);
	struct vg_correlator_stats st;
	vg_correlator_stats(fx.c, &st);
	ck_assert_uint_eq(st.open_groups, 3);
	feed(&fx, T0 + 10 * SEC, "failure", "1.1.1.1", "web2", 100);
	ck_assert_uint_eq(g_ngot, 1);
	ck_assert_str_eq(g_got[0].key, "source.ip=1.1.1.1\x1fhost.name=web2");
	fx_free(&fx);
}
END_TEST

START_TEST(ec_late_events)
{
	struct fixture fx;
	fx_init(&fx, CORR_RULES, 30 * SEC);
	feed(&fx, T0 + 100 * SEC, "failure", "1.1.1.1", "h", 0);
	/* within lateness: counted */
	for (int i = 0; i < 8; i++)
		feed(&fx, T0 + 75 * SEC, "failure", "1.1.1.1", "h", 1 + i);
	/* older than the watermark (100 - 30 = 70 s): late, not counted */
	feed(&fx, T0 + 60 * SEC, "failure", "1.1.1.1", "h", 20);
	/* late stand-alone hits still alert */
	feed(&fx, T0 + 10 * SEC, "success", "1.1.1.1", "h", 21);
	ck_assert_uint_eq(g_ngot, 1);
	ck_assert_str_eq(g_got[0].rule, "ok");
	struct vg_correlator_stats st;
	vg_correlator_stats(fx.c, &st);
	ck_assert_uint_eq(st.late_events, 2);
	feed(&fx, T0 + 101 * SEC, "failure", "1.1.1.1", "h", 22);
	ck_assert_uint_eq(g_ngot, 2);
	ck_assert_uint_eq(g_got[1].count, 10);
	ck_assert_int_eq(g_got[1].first_ts, T0 + 75 * SEC);
	fx_free(&fx);
}
END_TEST

START_TEST(ec_min_offset_and_expiry)
{
	struct fixture fx;
	fx_init(&fx, CORR_RULES, 0);
	int64_t off;
	ck_assert(!vg_correlator_min_offset(fx.c, "raw", 0, &off));
	feed(&fx, T0, "success", "9.9.9.9", "h", 5); /* not held by any window */
	ck_assert(!vg_correlator_min_offset(fx.c, "raw", 0, &off));
	feed(&fx, T0 + 1 * SEC, "failure", "1.1.1.1", "h", 10);
	feed(&fx, T0 + 2 * SEC, "failure", "2.2.2.2", "h", 11);
	feed(&fx, T0 + 3 * SEC, "failure", "1.1.1.1", "h", 12);
	ck_assert(vg_correlator_min_offset(fx.c, "raw", 0, &off));
	ck_assert_int_eq(off, 10);
	ck_assert(!vg_correlator_min_offset(fx.c, "raw", 1, &off));
	ck_assert(!vg_correlator_min_offset(fx.c, "other", 0, &off));
	/* 1.1.1.1's first event falls out of its window */
	feed(&fx, T0 + 302 * SEC, "failure", "1.1.1.1", "h", 13);
	ck_assert(vg_correlator_min_offset(fx.c, "raw", 0, &off));
	ck_assert_int_eq(off, 11);
	/* the watermark passes every window: all state is gone */
	vg_correlator_advance(fx.c, "raw", 0, T0 + 1000 * SEC, on_alert, NULL);
	ck_assert(!vg_correlator_min_offset(fx.c, "raw", 0, &off));
	struct vg_correlator_stats st;
	vg_correlator_stats(fx.c, &st);
	ck_assert_uint_eq(st.open_groups, 0);
	fx_free(&fx);
}
END_TEST

START_TEST(ec_marks_skip_replay)
{
	struct fixture fx;
	fx_init(&fx, CORR_RULES, 0);
	for (int i = 0; i < 16; i++)
		feed(&fx, T0 + i * SEC, "failure", "1.2.3.4", "web1", 100 + i);
	ck_assert_uint_eq(g_ngot, 1);
	struct got first = g_got[0];
	ck_assert_int_eq(first.max_offset, 109);
	fx_free(&fx);

	/* restart: the mark from the alert makes offsets <= 109 invisible to it */
	fx_init(&fx, CORR_RULES, 0);
	ck_assert_int_eq(vg_correlator_restore_mark(fx.c, "brute", first.key, "raw", 0,
	                                            first.max_offset, NULL),
	                 VG_OK);
	ck_assert_int_eq(
	    vg_correlator_restore_mark(fx.c, "nosuch", first.key, "raw", 0, 1, NULL),
	    VG_ERR_NOTFOUND);
	ck_assert_int_eq(
	    vg_correlator_restore_mark(fx.c, "fail", first.key, "raw", 0, 1, NULL),
	    VG_ERR_NOTFOUND);
	/* one on a partition that never delivers: kept by every sweep */
	ck_assert_int_eq(
	    vg_correlator_restore_mark(fx.c, "brute", first.key, "raw", 1, 7, NULL),
	    VG_OK);
	struct vg_correlator_stats st;
	ck_assert_uint_eq(vg_correlator_sweep_marks(fx.c), 0);
	for (int i = 0; i < 9; i++)
		feed(&fx, T0 + i * SEC, "failure", "1.2.3.4", "web1", 100 + i);
	ck_assert_uint_eq(vg_correlator_sweep_marks(fx.c), 0); /* 108 < 109 */
	for (int i = 9; i < 16; i++)
		feed(&fx, T0 + i * SEC, "failure", "1.2.3.4", "web1", 100 + i);
	ck_assert_uint_eq(g_ngot, 0); /* 110..115 are only 6 */
	/* the partition went past 109: that mark can never apply again */
	ck_assert_uint_eq(vg_correlator_sweep_marks(fx.c), 1);
	vg_correlator_stats(fx.c, &st);
	ck_assert_uint_eq(st.marks, 1);
	/* another group is not affected by the mark */
	for (int i = 0; i < 10; i++)
		feed(&fx, T0 + 20 * SEC, "failure", "1.2.3.4", "web2", 100 + i);
	ck_assert_uint_eq(g_ngot, 1);
	for (int i = 16; i < 20; i++) /* not before the watermark (T0 + 20 s) */
		feed(&fx, T0 + 20 * SEC, "failure", "1.2.3.4", "web1", 100 + i);
	ck_assert_uint_eq(g_ngot, 2);
	ck_assert_int_eq(g_got[1].first_ts, T0 + 10 * SEC);
	fx_free(&fx);
}
END_TEST

START_TEST(ec_alert_id_deterministic)
{
	char ids[2][17];
	for (int run = 0; run < 2; run++) {
		struct fixture fx;
		fx_init(&fx, CORR_RULES, 0);
		for (int i = 0; i < 10; i++)
			feed(&fx, T0 + i * SEC, "failure", "1.2.3.4", "web1", i);
		ck_assert_uint_eq(g_ngot, 1);
		memcpy(ids[run], g_got[0].id, 17);
		fx_free(&fx);
	}
	ck_assert_str_eq(ids[0], ids[1]);
	/* hash of rule id, group key and first event time (little-endian), plus
	 * a hash of each listed event's position (offset, partition, topic) */
	struct vg_buf b;
	vg_buf_init(&b);
	vg_buf_puts(&b, "brute");
	vg_buf_putc(&b, '\0');
	vg_buf_puts(&b, "source.ip=1.2.3.4\x1fhost.name=web1");
	vg_buf_putc(&b, '\0');
	for (int i = 0; i < 8; i++)
		vg_buf_putc(&b, (char)(uint8_t)((uint64_t)T0 >> (8 * i)));
	uint64_t h = vg_hash64(b.data, b.len, 0);
	for (uint64_t off = 0; off < 10; off++) {
		uint8_t pos[12] = {0};
		pos[0] = (uint8_t)off;
		h += vg_hash64(pos, sizeof(pos), vg_hash64("raw", 3, 1));
	}
	char want[17];
	vg_hex64(h, want);
	vg_buf_free(&b);
	ck_assert_str_eq(ids[0], want);
	/* two bursts of one group at the same time: two alerts, two ids (they had
	 * one, and the store kept the second as the first's replay) */
	struct fixture fx;
	fx_init(&fx, CORR_RULES, 0);
	for (int i = 0; i < 20; i++)
		feed(&fx, T0, "failure", "1.2.3.4", "web1", i);
	ck_assert_uint_eq(g_ngot, 2);
	ck_assert_int_eq(g_got[0].first_ts, g_got[1].first_ts);
	ck_assert_str_ne(g_got[0].id, g_got[1].id);
	fx_free(&fx);
}
END_TEST

START_TEST(ec_generate_and_conditions)
{
	struct fixture fx;
	fx_init(&fx,
	        "title: Fail\nid: fail\nlogsource: {product: linux, service: sshd}\n"
	        "detection:\n  sel: {event.outcome: failure}\n  condition: sel\n"
	        "---\n"
	        "title: Few\nid: few\ngenerate: true\ncorrelation:\n  type: event_count\n"
	        "  rules: fail\n  group-by: [source.ip]\n  timespan: 1m\n"
	        "  condition: {gt: 1, lte: 3}\n",
	        0);
	/* generate: the referenced rule alerts per hit as well */
	feed(&fx, T0, "failure", "1.1.1.1", "h", 0);
	ck_assert_uint_eq(g_ngot, 1);
	ck_assert_str_eq(g_got[0].rule, "fail");
	feed(&fx, T0 + 10 * SEC, "failure", "1.1.1.1", "h", 1);
	feed(&fx, T0 + 20 * SEC, "failure", "2.2.2.2", "h", 2);
	for (int i = 0; i < 5; i++)
		feed(&fx, T0 + 30 * SEC, "failure", "3.3.3.3", "h", 3 + i);
	ck_assert_uint_eq(g_ngot, 8);
	/* windows close when the watermark passes their end: only 1.1.1.1 (2 events)
	 * meets 1 < n <= 3; 2.2.2.2 has 1, 3.3.3.3 has 5 */
	vg_correlator_advance(fx.c, "raw", 0, T0 + 60 * SEC, on_alert, NULL);
	ck_assert_uint_eq(g_ngot, 8);
	vg_correlator_advance(fx.c, "raw", 0, T0 + 61 * SEC, on_alert, NULL);
	ck_assert_uint_eq(g_ngot, 9);
	ck_assert_str_eq(g_got[8].rule, "few");
	ck_assert_str_eq(g_got[8].key, "source.ip=1.1.1.1");
	ck_assert_uint_eq(g_got[8].count, 2);
	ck_assert_uint_eq(g_got[8].nevents, 2);
	vg_correlator_advance(fx.c, "raw", 0, T0 + 200 * SEC, on_alert, NULL);
	ck_assert_uint_eq(g_ngot, 9);
	fx_free(&fx);
}
END_TEST

START_TEST(ec_bounded_groups)
{
	struct fixture fx;
	fx.rs = load_ok(CORR_RULES);
	fx.ctx = vg_detect_ctx_new(fx.rs);
	struct vg_correlator_conf conf = {.max_groups_per_rule = 4};
	ck_assert_int_eq(vg_correlator_new(fx.rs, &conf, &fx.c), VG_OK);
	g_ngot = 0;
	char ip[32];
	for (int i = 0; i < 10; i++) {
		snprintf(ip, sizeof(ip), "10.0.0.%d", i);
		feed(&fx, T0 + i * SEC, "failure", ip, "h", i);
	}
	struct vg_correlator_stats st;
	vg_correlator_stats(fx.c, &st);
	ck_assert_uint_eq(st.open_groups, 4);
	ck_assert_uint_eq(st.evicted_groups, 6);
	int64_t off;
	ck_assert(vg_correlator_min_offset(fx.c, "raw", 0, &off));
	ck_assert_int_eq(off, 6); /* the oldest were evicted */
	fx_free(&fx);
}
END_TEST

START_TEST(ec_default_rules_demo)
{
	struct vg_ruleset *rs = NULL;
	ck_assert_int_eq(vg_ruleset_load(NULL, 0, &rs, NULL), VG_OK);
	struct fixture fx = {.rs = rs};
	fx.ctx = vg_detect_ctx_new(rs);
	ck_assert_int_eq(vg_correlator_new(rs, NULL, &fx.c), VG_OK);
	g_ngot = 0;
	const struct vg_rule *hits[8];
	size_t n;
	for (int i = 0; i < 12; i++) {
		struct vg_event *ev =
		    mkev(T0 + i * 5 * SEC, "event.module", "linux", "event.dataset",
		         "sshd", "event.action", "ssh_login", "event.outcome", "failure",
		         "source.ip", "203.0.113.7", "source.port", "50000", "host.name",
		         "srv1", "user.name", "root", NULL);
		ev->src.offset = i;
		n = vg_detect(rs, fx.ctx, ev, hits, 8);
		ck_assert_uint_eq(n, 1);
		vg_correlator_feed(fx.c, ev, hits, n, on_alert, NULL);
	}
	ck_assert_uint_eq(g_ngot, 1);
	ck_assert_str_eq(g_got[0].rule, "5efb3b0b-f0fb-46ea-ab8f-038071a7097b");
	ck_assert_str_eq(g_got[0].fields,
	                 "source.ip=203.0.113.7,host.name=srv1,user.name=root");
	struct vg_event *ok =
	    mkev(T0 + 70 * SEC, "event.module", "linux", "event.dataset", "sshd",
	         "event.action", "ssh_login", "event.outcome", "success", "source.ip",
	         "203.0.113.7", "host.name", "srv1", "user.name", "root", NULL);
	n = vg_detect(rs, fx.ctx, ok, hits, 8);
	vg_correlator_feed(fx.c, ok, hits, n, on_alert, NULL);
	struct vg_event *sudo =
	    mkev(T0 + 90 * SEC, "event.module", "linux", "event.dataset", "sudo",
	         "event.action", "sudo_command", "event.outcome", "success", "user.name",
	         "admin", "user.effective.name", "root", "host.name", "srv1",
	         "process.command_line", "/bin/bash", NULL);
	n = vg_detect(rs, fx.ctx, sudo, hits, 8);
	vg_correlator_feed(fx.c, sudo, hits, n, on_alert, NULL);
	ck_assert_uint_eq(g_ngot, 3);
	ck_assert_str_eq(g_got[1].rule, "f60d953a-5d4d-4734-a6bb-4ace30c46f17");
	ck_assert_str_eq(g_got[2].rule, "cea29f04-2e96-4f2a-ae4b-7bc6af498b83");
	ck_assert_str_eq(g_got[2].fields, "host.name=srv1,user.name=admin");
	fx_free(&fx);
}
END_TEST

/* ------------------------------------------------------- differential */

/* A tiny deterministic PRNG (xorshift64*). */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

struct bf_group {
	char key[64];
	vg_time ts[4096];
	size_t n; /* events since the last reset / window start */
	vg_time start;
	bool open;
	size_t created; /* order of opening, for close order */
};

static int cmp_got(const void *a, const void *b)
{
	const struct got *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	if (c)
		return c;
	return x->first_ts < y->first_ts ? -1 : x->first_ts > y->first_ts;
}

/* Random single-partition streams (in time order, with ties) through detection and
 * the correlator, against a brute-force recount of the same semantics. */
static void differential(bool eager, uint64_t seed)
{
	static const char *ips[] = {"1.1.1.1", "2.2.2.2", "3.3.3.3"};
	static const char *hosts[] = {"a", "b"};
	const vg_time span = 60 * SEC;
	const uint64_t need = 4;
	char rules[1024];
	snprintf(rules, sizeof(rules),
	         "title: Fail\nid: fail\nlogsource: {product: linux, service: sshd}\n"
	         "detection:\n  sel: {event.outcome: failure}\n  condition: sel\n"
	         "---\n"
	         "title: C\nid: c\ncorrelation:\n  type: event_count\n  rules: [fail]\n"
	         "  group-by: [source.ip, host.name]\n  timespan: 60s\n"
	         "  condition: %s\n",
	         eager ? "{gte: 4}" : "{gte: 2, lte: 4}");
	struct fixture fx;
	fx_init(&fx, rules, 0);
	static struct bf_group bf[6];
	static struct got want[MAX_ALERTS];
	size_t nwant = 0, created = 0;
	memset(bf, 0, sizeof(bf));
	for (int i = 0; i < 6; i++)
		snprintf(bf[i].key, sizeof(bf[i].key), "source.ip=%s\x1fhost.name=%s",
		         ips[i / 2], hosts[i % 2]);
	uint64_t s = seed;
	vg_time t = T0;
	for (int e = 0; e < 3000; e++) {
		t += (vg_time)(rnd(&s) % 25) * SEC; /* 0..24 s apart, ties allowed */
		int gi = (int)(rnd(&s) % 6);
		bool fail = rnd(&s) % 5 != 0;
		if (!eager) {
			/* close windows whose end the watermark (= t) passed, in open
			 * order */
			for (size_t order = 0; order < created; order++)
				for (int k = 0; k < 6; k++) {
					struct bf_group *g = &bf[k];
					if (!g->open || g->created != order ||
					    g->start + span >= t)
						continue;
					if (g->n >= 2 && g->n <= 4) {
						struct got *w = &want[nwant++];
						snprintf(w->key, sizeof(w->key), "%.63s",
						         g->key);
						w->first_ts = g->start;
						w->count = g->n;
					}
					g->open = false;
				}
		}
		int64_t off = e;
		feed(&fx, t, fail ? "failure" : "success", ips[gi / 2], hosts[gi % 2],
		     off);
		if (!fail)
			continue;
		struct bf_group *g = &bf[gi];
		if (eager) {
			g->ts[g->n++] = t;
			size_t cnt = 0;
			vg_time first = t;
			for (size_t j = 0; j < g->n; j++)
				if (g->ts[j] >= t - span) {
					cnt++;
					if (g->ts[j] < first)
						first = g->ts[j];
				}
			if (cnt >= need) {
				struct got *w = &want[nwant++];
				snprintf(w->key, sizeof(w->key), "%.63s", g->key);
				w->first_ts = first;
				w->count = cnt;
				g->n = 0;
			}
			ck_assert_uint_lt(g->n, 4096);
		} else {
			if (!g->open) {
				g->open = true;
				g->start = t;
				g->n = 0;
				g->created = created++;
			}
			g->n++;
		}
	}
	if (!eager) {
		for (size_t order = 0; order < created; order++)
			for (int k = 0; k < 6; k++) {
				struct bf_group *g = &bf[k];
				if (g->open && g->created == order && g->n >= 2 &&
				    g->n <= 4) {
					struct got *w = &want[nwant++];
					snprintf(w->key, sizeof(w->key), "%.63s", g->key);
					w->first_ts = g->start;
					w->count = g->n;
				}
			}
		vg_correlator_advance(fx.c, "raw", 0, t + 10 * span, on_alert, NULL);
	}
	/* keep correlation alerts only (the success rule alerts stand alone) */
	size_t ngot = 0;
	for (size_t i = 0; i < g_ngot; i++)
		if (strcmp(g_got[i].rule, "c") == 0)
			g_got[ngot++] = g_got[i];
	ck_assert_uint_gt(nwant, 5);
	ck_assert_uint_eq(ngot, nwant);
	qsort(g_got, ngot, sizeof(g_got[0]), cmp_got);
	qsort(want, nwant, sizeof(want[0]), cmp_got);
	for (size_t i = 0; i < nwant; i++) {
		ck_assert_str_eq(g_got[i].key, want[i].key);
		ck_assert_int_eq(g_got[i].first_ts, want[i].first_ts);
		ck_assert_uint_eq(g_got[i].count, want[i].count);
	}
	fx_free(&fx);
}

START_TEST(differential_eager)
{
	for (uint64_t seed = 1; seed <= 5; seed++)
		differential(true, seed * UINT64_C(0x9E3779B97F4A7C15));
}
END_TEST

START_TEST(differential_windowed)
{
	for (uint64_t seed = 1; seed <= 5; seed++)
		differential(false, seed * UINT64_C(0x9E3779B97F4A7C15));
}
END_TEST

/* One-byte contains literals of a field (prefilter.c): read through a byte table
 * (2..64 of them, values of at most ONES_TAB_PER bytes per literal) or by one memchr
 * each (longer values, one literal, or more than 64).  Groups of 8 rules sharing
 * 2, 5, 64 and 65 one-byte literals of field a (and a two-byte one), on values of
 * lengths around the table's limit with literal bytes at the first, the last or a
 * random position, folded (upper case) or not, or absent: each rule in the group,
 * with the value cache and without, against the rule loaded alone. */
START_TEST(index_one_byte_literals)
{
	/* 65 bytes that are plain one-byte Sigma values in single quotes */
	static const char bytes[] = "0123456789abcdefghijklmnopqrstuvwxyz!\"#$%&()+,-./"
	                            ":;<=>@[]^_`{|}~ ";
	ck_assert_uint_eq(sizeof(bytes) - 1, 65);
	static const size_t counts[] = {2, 5, 64, 65};
	static char yaml[16384], one[8][2048];
	uint64_t s = 4242;
	size_t total = 0;
	for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		size_t nl = counts[c], o = 0;
		struct vg_ruleset *alone[8];
		for (size_t i = 0; i < 8; i++) {
			size_t w = (size_t)snprintf(
			    one[i], sizeof(one[i]),
			    "title: o%zu\nid: o%zu\nlogsource: {product: linux}\n"
			    "detection:\n  sel:\n    a|contains:\n",
			    i, i);
			/* rule i: the bytes i, i + 8, ...; a rule past the count:
			 * the two-byte 'y0' */
			for (size_t k = i; k < nl; k += 8)
				w += (size_t)snprintf(one[i] + w, sizeof(one[i]) - w,
				                      "      - '%c'\n", bytes[k]);
			if (i >= nl)
				w += (size_t)snprintf(one[i] + w, sizeof(one[i]) - w,
				                      "      - 'y0'\n");
			snprintf(one[i] + w, sizeof(one[i]) - w, "  condition: sel\n");
			o += (size_t)snprintf(yaml + o, sizeof(yaml) - o, "%s---\n",
			                      one[i]);
			alone[i] = load_ok(one[i]);
		}
		struct vg_ruleset *all = load_ok(yaml);
		ck_assert_uint_eq(vg_ruleset_count(all), 8);
		struct vg_detect_ctx *ctx[2] = {vg_detect_ctx_new(all),
		                                vg_detect_ctx_new(all)};
		ck_assert_ptr_nonnull(ctx[0]);
		ck_assert_ptr_nonnull(ctx[1]);
		ck_assert_int_eq(vg_detect_ctx_cache(ctx[1], 0), VG_OK);
		/* lengths 1..8 and around 10, 20 and 40 bytes per literal */
		static const size_t per[] = {10, 20, 40};
		for (int e = 0; e < 600; e++) {
			static char a[4096];
			size_t n = e < 200
			               ? 1 + (size_t)e % 8
			               : per[rnd_idx(&s) % 3] * nl - 3 + rnd_idx(&s) % 7;
			if (n >= sizeof(a))
				n = sizeof(a) - 1;
			for (size_t k = 0; k < n; k++) /* no literal */
				a[k] = '\x7f';
			unsigned put = (unsigned)(rnd_idx(&s) % 8);
			for (unsigned k = 0; k < put % 4; k++) {
				size_t at = put >= 4 && k == 0 ? n - 1
				            : k == 1           ? 0
				                               : rnd_idx(&s) % n;
				char ch = bytes[rnd_idx(&s) % nl];
				a[at] = ch >= 'a' && ch <= 'z' && rnd_idx(&s) % 2
				            ? (char)(ch - 32)
				            : ch;
			}
			a[n] = '\0';
			struct vg_event *ev = mkev(T0, "a", a, NULL);
			for (int c2 = 0; c2 < 2; c2++) {
				const struct vg_rule *hits[8];
				size_t nh = vg_detect(all, ctx[c2], ev, hits, 8);
				for (size_t i = 0; i < 8; i++) {
					bool in_all = false;
					for (size_t k = 0; k < nh; k++)
						in_all |=
						    hits[k] == vg_ruleset_rule(all, i);
					ck_assert_msg(
					    in_all == hit(alone[i], ev),
					    "%zu literals, context %d, rule o%zu, "
					    "a='%s'",
					    nl, c2, i, a);
					total += in_all;
				}
			}
			if (e % 128 == 0)
				vg_arena_reset(g_arena);
		}
		for (int c2 = 0; c2 < 2; c2++)
			vg_detect_ctx_destroy(ctx[c2]);
		for (size_t i = 0; i < 8; i++)
			vg_ruleset_destroy(alone[i]);
		vg_ruleset_destroy(all);
	}
	ck_assert_uint_gt(total, 2000);
}
END_TEST

/* ------------------------------------------------------------ lists */

/* Set name to the JSON array text json, as the JSON parser sets an array. */
static struct vg_event *with_list(struct vg_event *ev, const char *name, const char *json)
{
	ck_assert_int_eq(vg_event_set_named(ev, name, strlen(name), json, strlen(json),
	                                    VG_VK_LIST, true),
	                 VG_OK);
	return ev;
}

/* A rule on field f (one selection line, "f|mods: value") hits the list json
 * alone exactly when in a group of 8 (hit_grouped), and says so. */
static bool list_hit(const char *line, const char *f, const char *json)
{
	char rule[1024];
	snprintf(rule, sizeof(rule),
	         "title: l\nid: l\nlogsource: {product: linux}\n"
	         "detection:\n  sel:\n    %s\n  condition: sel\n",
	         line);
	return hit_grouped(rule, with_list(mkev(T0, NULL), f, json));
}

/* A field holding a list (an ECS array) matches when one of its elements does:
 * each element is a value of its own (anchored shapes, numbers, addresses), not
 * the array's JSON text. */
START_TEST(list_elements_match)
{
	const char *f = "process.executable";
	ck_assert(list_hit("process.executable|endswith: '/sh'", f, "[\"/bin/sh\"]"));
	ck_assert(list_hit("process.executable|endswith: '/sh'", f,
	                   "[\"/bin/bash\", \"/bin/sh\"]"));
	ck_assert(list_hit("process.executable|endswith: '/sh'", f,
	                   "[\"/bin/sh\", \"/bin/bash\"]"));
	ck_assert(!list_hit("process.executable|endswith: '/sh'", f,
	                    "[\"/bin/sh \", \"/bin/bash\"]"));
	ck_assert(list_hit("process.executable: /bin/sh", f, "[\"x\", \"/BIN/SH\"]"));
	ck_assert(!list_hit("process.executable: /bin/sh", f, "[\"/bin/shx\"]"));
	ck_assert(list_hit("process.executable|startswith: '/usr'", f,
	                   "[\"/bin/a\",\"/usr/b\"]"));
	ck_assert(!list_hit("process.executable|startswith: '['", f, "[\"/usr/b\"]"));
	ck_assert(
	    list_hit("process.executable|contains: 'bin/s'", f, "[1, \"/bin/sh\"]"));
	/* nothing across two elements, nor the array's punctuation */
	ck_assert(
	    !list_hit("process.executable|contains: 'a\", \"b'", f, "[\"a\", \"b\"]"));
	ck_assert(!list_hit("process.executable|contains: '\"'", f, "[\"a\", \"b\"]"));
	ck_assert(list_hit("process.executable|re: '^/usr/.*b$'", f,
	                   "[\"/bin/a\",\"/usr/b\"]"));
	ck_assert(!list_hit("process.executable|re: '^\\['", f, "[\"/usr/b\"]"));
	ck_assert(
	    list_hit("process.executable|contains: 'é'", f, "[\"\\u00e9t\\u00E9\"]"));
	ck_assert(list_hit("source.ip|cidr: 10.0.0.0/8", "source.ip",
	                   "[\"1.2.3.4\", \"10.1.2.3\"]"));
	ck_assert(!list_hit("source.ip|cidr: 10.0.0.0/8", "source.ip", "[\"1.2.3.4\"]"));
	ck_assert(list_hit("destination.port|gt: 5", "destination.port", "[1, 7]"));
	ck_assert(!list_hit("destination.port|gt: 5", "destination.port", "[1, \"5\"]"));
	ck_assert(list_hit("destination.port|lte: 5", "destination.port", "[9, \"5\"]"));
	/* a nested array is one element: its JSON text */
	ck_assert(list_hit("process.executable|contains: '[1'", f, "[\"a\", [1, 2]]"));
	ck_assert(!list_hit("process.executable: 1", f, "[\"a\", [1, 2]]"));
	/* neq: no element equals */
	ck_assert(list_hit("process.executable|neq: a", f, "[\"b\", \"c\"]"));
	ck_assert(!list_hit("process.executable|neq: a", f, "[\"b\", \"a\"]"));
}
END_TEST

/* A string element is decoded: the JSON text's escapes hide no literal, through
 * the index's anchored matchers (a suffix trie) and its filters alike. */
START_TEST(list_element_escapes)
{
	const char *f = "process.executable";
	const char *win = "[\"x\", \"C:\\\\Windows\\\\x.exe\"]";
	ck_assert(list_hit("process.executable|endswith: '\\x.exe'", f, win));
	ck_assert(list_hit("process.executable|contains: 'Windows\\x'", f, win));
	ck_assert(list_hit("process.executable: 'c:\\windows\\x.exe'", f, win));
	ck_assert(list_hit("process.executable|startswith: 'C:\\Win'", f, win));
	/* the JSON text's "\\\\" is one backslash */
	ck_assert(!list_hit("process.executable|contains: '\\\\\\\\'", f, win));
	ck_assert(list_hit("process.executable|endswith: 'a\"b'", f, "[\"a\\\"b\"]"));
	/* a value that is a string holding an array's text is that text */
	ck_assert(hit_grouped("title: l\nid: l\nlogsource: {product: linux}\n"
	                      "detection:\n  sel:\n    process.executable|contains: "
	                      "'\"a'\n  condition: sel\n",
	                      mkev(T0, f, "[\"a\"]", NULL)));
}
END_TEST

/* `|all` on a list: each value matched by some element; keywords search each
 * element; null and exists; a fieldref to a list. */
START_TEST(list_all_keywords_null)
{
	const char *f = "process.command_line";
	ck_assert(list_hit("process.command_line|contains|all: [alpha, beta]", f,
	                   "[\"x alpha\", \"beta y\"]"));
	ck_assert(!list_hit("process.command_line|contains|all: [alpha, beta]", f,
	                    "[\"x alpha\", \"gamma\"]"));
	ck_assert(list_hit("process.command_line|all: [a, b]", f, "[\"b\", \"a\"]"));
	ck_assert(!list_hit("process.command_line|all: [a, b]", f, "[\"a\", \"c\"]"));

	static const char kw[] = "title: k\nid: k\nlogsource: {product: linux}\n"
	                         "detection:\n  keywords:\n    - 'evil thing'\n"
	                         "    - 'C:\\Temp\\x'\n  condition: keywords\n";
	ck_assert(hit_grouped(kw, with_list(mkev(T0, "message", "m", NULL), "tags",
	                                    "[\"good\", \"an EVIL thing\"]")));
	ck_assert(hit_grouped(kw, with_list(mkev(T0, "message", "m", NULL), "NoSuchField",
	                                    "[null, \"C:\\\\Temp\\\\x\"]")));
	ck_assert(!hit_grouped(kw, with_list(mkev(T0, "message", "m", NULL), "tags",
	                                     "[\"evil\", \"thing\"]")));
	static const char kwall[] = "title: k\nid: k\nlogsource: {product: linux}\n"
	                            "detection:\n  keywords:\n    '|all':\n"
	                            "      - evil\n      - thing\n"
	                            "  condition: keywords\n";
	ck_assert(hit_grouped(kwall, with_list(mkev(T0, "message", "m", NULL), "tags",
	                                       "[\"evil\", \"thing\"]")));

	/* null: no element but nulls (an empty array); exists: the field is there */
	ck_assert(list_hit("process.command_line: null", f, "[]"));
	ck_assert(list_hit("process.command_line: null", f, "[ null ]"));
	ck_assert(!list_hit("process.command_line: null", f, "[null, \"a\"]"));
	ck_assert(list_hit("process.command_line|exists: true", f, "[]"));
	ck_assert(!list_hit("process.command_line|exists: false", f, "[]"));
	ck_assert(!list_hit("process.command_line|contains: ''", f, "[]"));
	ck_assert(list_hit("process.command_line|contains: ''", f, "[\"\"]"));
	ck_assert(!list_hit("process.command_line: ''", f, "[]"));

	/* fieldref to a list, and from one */
	struct vg_ruleset *rs = sel_rule("    user.name|fieldref: user.target.name\n");
	ck_assert(hit(rs, with_list(mkev(T0, "user.name", "bob", NULL),
	                            "user.target.name", "[\"alice\", \"bob\"]")));
	ck_assert(!hit(rs, with_list(mkev(T0, "user.name", "eve", NULL),
	                             "user.target.name", "[\"alice\", \"bob\"]")));
	ck_assert(hit(rs, with_list(mkev(T0, "user.target.name", "bob", NULL),
	                            "user.name", "[\"alice\", \"bob\"]")));
	vg_ruleset_destroy(rs);
}
END_TEST

/* Logsource conditions and dataset buckets accept a list holding their value (ECS
 * writes event.category and event.type as arrays). */
START_TEST(list_logsource_dataset)
{
	static const char pc[] =
	    "title: p\nid: p\nlogsource: {product: linux, category: process_creation}\n"
	    "detection:\n  sel:\n    Image|endswith: '/sh'\n  condition: sel\n";
	char yaml[8192];
	size_t o = (size_t)snprintf(yaml, sizeof(yaml), "%s", pc);
	for (int r = 0; r < 7; r++) /* the same logsource: a group with an index */
		o += (size_t)snprintf(yaml + o, sizeof(yaml) - o,
		                      "---\ntitle: f%d\nid: f%d\nlogsource: {product: "
		                      "linux, category: process_creation}\ndetection:\n"
		                      "  sel:\n    Image|contains: 'lit%d'\n  condition: "
		                      "sel\n",
		                      r, r, r);
	struct vg_ruleset *alone = load_ok(pc), *all = load_ok(yaml);
	struct {
		const char *cat, *type;
		bool want;
	} cases[] = {
	    {"[\"process\"]", "[\"start\"]", true},
	    {"[\"network\", \"process\"]", "[\"info\", \"start\"]", true},
	    {"[\"file\"]", "[\"start\"]", false},
	    {"[\"process\"]", "[]", false},
	    {"[\"processes\"]", "[\"start\"]", false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vg_event *ev = mkev(T0, "process.executable", "/bin/sh", NULL);
		with_list(ev, "event.category", cases[i].cat);
		with_list(ev, "event.type", cases[i].type);
		ck_assert_msg(hit(alone, ev) == cases[i].want, "case %zu alone", i);
		ck_assert_msg(((hit_set(all, ev) & 1) != 0) == cases[i].want,
		              "case %zu grouped", i);
	}
	vg_ruleset_destroy(alone);
	vg_ruleset_destroy(all);

	/* event.dataset: each element's bucket; a rule whose logsource names two
	 * of them (linux auth: sshd, sudo, ...) hits once */
	static const char ds[] =
	    "title: a\nid: a\nlogsource: {product: linux, service: auth}\n"
	    "detection:\n  sel:\n    message|contains: fail\n  condition: sel\n"
	    "---\ntitle: s\nid: s\nlogsource: {product: linux, service: sshd}\n"
	    "detection:\n  sel:\n    message|contains: fail\n  condition: sel\n";
	struct vg_ruleset *rs = load_ok(ds);
	struct vg_detect_ctx *ctx = vg_detect_ctx_new(rs);
	const struct vg_rule *hits[8];
	struct vg_event *ev = mkev(T0, "message", "failed", NULL);
	with_list(ev, "event.dataset", "[\"sudo\", \"SSHD\", \"sudo\"]");
	ck_assert_uint_eq(vg_detect(rs, ctx, ev, hits, 8), 2);
	ck_assert_ptr_eq(hits[0], vg_ruleset_rule(rs, 0));
	ck_assert_ptr_eq(hits[1], vg_ruleset_rule(rs, 1));
	ev = mkev(T0, "message", "failed", NULL);
	with_list(ev, "event.dataset", "[\"sudo\"]");
	ck_assert_uint_eq(vg_detect(rs, ctx, ev, hits, 8), 1);
	ev = mkev(T0, "message", "failed", "event.dataset", "sshd", NULL);
	ck_assert_uint_eq(vg_detect(rs, ctx, ev, hits, 8), 2);
	vg_detect_ctx_destroy(ctx);
	vg_ruleset_destroy(rs);
}
END_TEST

/* The value cache keys on a value's bytes: a string holding an array's text and a
 * list with the same text hold different literals, one context seeing both in
 * turn (the list is never cached). */
START_TEST(list_value_cache)
{
	char yaml[8192];
	size_t o = 0;
	for (int r = 0; r < 8; r++)
		o += (size_t)snprintf(
		    yaml + o, sizeof(yaml) - o,
		    "%stitle: c%d\nid: c%d\nlogsource: {product: linux}\n"
		    "detection:\n  sel:\n    process.executable%s: "
		    "'%s'\n  condition: sel\n",
		    r ? "---\n" : "", r, r,
		    r == 0   ? ""
		    : r == 1 ? "|startswith"
		             : "|contains",
		    r == 0   ? "ab"
		    : r == 1 ? "["
		    : r == 2 ? "\"ab\""
		             : "zz");
	struct vg_ruleset *rs = load_ok(yaml);
	struct vg_detect_ctx *ctx = vg_detect_ctx_new(rs);
	const struct vg_rule *hits[8];
	for (int round = 0; round < 3; round++) {
		struct vg_event *s = mkev(T0, "process.executable", "[\"ab\"]", NULL);
		struct vg_event *l =
		    with_list(mkev(T0, NULL), "process.executable", "[\"ab\"]");
		ck_assert_uint_eq(vg_detect(rs, ctx, s, hits, 8), 2); /* c1, c2 */
		ck_assert_ptr_eq(hits[0], vg_ruleset_rule(rs, 1));
		ck_assert_uint_eq(vg_detect(rs, ctx, l, hits, 8), 1); /* c0 */
		ck_assert_ptr_eq(hits[0], vg_ruleset_rule(rs, 0));
	}
	vg_detect_ctx_destroy(ctx);
	vg_ruleset_destroy(rs);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("correlate");
	struct {
		const char *name;
		const TTest *tests[16];
	} cases[] = {
	    {"load",
	     {load_errors_exact, load_nothing_is_config_error, load_multidoc_and_info,
	      load_embedded_defaults}},
	    {"modifiers",
	     {mod_plain_and_case, mod_contains_starts_ends_all, mod_re,
	      mod_cidr_exists_num_null, mod_windash, mod_errors}},
	    {"encodings", {mod_base64_offsets, mod_utf16_raw, all_of_expanded_values}},
	    {"modifiers_v2", {mod_fieldref_neq_time, mod_expand_placeholders}},
	    {"wildcards",
	     {wildcards_and_escapes, wildcard_one_character, keywords_every_value,
	      keyword_list_on_values}},
	    {"index",
	     {index_differential, index_differential_units, regex_prefilter_sound,
	      regex_literal_runs, index_one_byte_literals, index_run_requirements}},
	    {"value_cache_last",
	     {index_differential_last, value_cache_two_groups, value_cache_spread}},
	    {"conditions", {conditions, conditions_random, condition_errors}},
	    {"conditions_indexed", {conditions_random_indexed}},
	    {"mapping", {alias_mapping, logsource_filtering, logsource_unmapped_warns}},
	    {"event_count",
	     {ec_fires_at_threshold, ec_not_beyond_timespan, ec_group_separation,
	      ec_late_events, ec_min_offset_and_expiry, ec_marks_skip_replay,
	      ec_alert_id_deterministic, ec_generate_and_conditions, ec_bounded_groups,
	      ec_default_rules_demo}},
	    {"differential", {differential_eager, differential_windowed}},
	    {"lists",
	     {list_elements_match, list_element_escapes, list_all_keywords_null,
	      list_logsource_dataset, list_value_cache}},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TCase *tc = tcase_create(cases[i].name);
		tcase_add_checked_fixture(tc, setup, teardown);
		for (size_t j = 0; j < 16 && cases[i].tests[j]; j++)
			_tcase_add_test(tc, cases[i].tests[j], 0, 0, 0, 1);
		suite_add_tcase(s, tc);
	}
	return s;
}

VG_TEST_MAIN(suite)
