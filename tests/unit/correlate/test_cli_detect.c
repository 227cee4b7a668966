/* Runs the vigil binary (VIGIL_BIN, set by meson) for `vigil rules check` and
 * `vigil detect`: counts and per-rule reasons; one JSON line per hit and per
 * correlated alert with rule id, 0-based record index and group values (the
 * specification's chained example, end to end through the parser). */
#include "vg_test.h"

#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

static char g_dir[64];

static void setup(void)
{
	snprintf(g_dir, sizeof(g_dir), "/tmp/vg-cli-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(g_dir));
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
	ck_assert_int_eq(system(cmd), 0);
}

static const char *put(const char *name, const char *text)
{
	static char path[4][256];
	static int n;
	char *p = path[n++ % 4];
	snprintf(p, 256, "%s/%s", g_dir, name);
	FILE *f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return p;
}

/* Run a shell command; stdout into out (NUL-terminated); @return exit status. */
static int run(const char *cmd, char *out, size_t cap)
{
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	size_t n = fread(out, 1, cap - 1, p);
	out[n] = '\0';
	int st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const char *bin(void)
{
	const char *b = getenv("VIGIL_BIN");
	ck_assert_msg(b != NULL, "VIGIL_BIN is not set");
	return b;
}

START_TEST(rules_check_counts_and_reasons)
{
	put("good.yml", "title: Good\nid: good-1\nlogsource: {product: linux}\n"
	                "detection:\n  sel: {user.name: root}\n  condition: sel\n");
	put("bad.yml", "title: Bad\nid: bad-1\nlogsource: {product: linux}\n"
	               "detection:\n  sel:\n    a|contians: x\n    b|nope: y\n"
	               "  condition: sel\n");
	put("ph.yml", "title: Ph\nid: ph-1\nlogsource: {product: windows}\n"
	              "detection:\n  sel:\n    a|expand: '%dc%'\n  condition: sel\n");
	static char out[16384], cmd[512];
	snprintf(cmd, sizeof(cmd), "'%s' rules check '%s' 2>&1", bin(), g_dir);
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "/bad.yml:6:5: error: rule 'bad-1': unknown modifier "
	                          "'contians' (did you mean 'contains'?)"),
	              "%s", out);
	ck_assert_msg(strstr(out, "/bad.yml:7:5: error: rule 'bad-1': unknown modifier "
	                          "'nope'"),
	              "%s", out);
	ck_assert_msg(strstr(out, "/ph.yml:6:15: error: rule 'ph-1': placeholder '%dc%' "
	                          "has no value"),
	              "%s", out);
	/* bad-1 has two problems and counts once */
	ck_assert_msg(strstr(out, "1 rules loaded, 2 rules could not be loaded (33.33% "
	                          "loaded), 0 file-level errors"),
	              "%s", out);
}
END_TEST

static const char *SPEC =
    "title: Failed then success\nid: outer\ncorrelation:\n  type: temporal_ordered\n"
    "  rules: [multiple_failed_login, successful_login]\n  group-by: [User]\n"
    "  timespan: 10m\nlevel: high\n---\n"
    "title: Multiple failed logons\nid: inner\nname: multiple_failed_login\n"
    "correlation:\n  type: event_count\n  rules: [failed_login]\n"
    "  group-by: [User]\n  timespan: 10m\n  condition: {gte: 10}\n---\n"
    "title: Failed\nid: failed\nname: failed_login\n"
    "logsource: {product: windows, service: security}\n"
    "detection:\n  selection: {EventID: [529, 4625]}\n  condition: selection\n---\n"
    "title: Success\nid: success\nname: successful_login\n"
    "logsource: {product: windows, service: security}\n"
    "detection:\n  selection: {EventID: [528, 4624]}\n  condition: selection\n---\n"
    "title: Admin\nid: admin\nlogsource: {product: windows, service: security}\n"
    "detection:\n  selection: {User: administrator}\n  condition: selection\n";

START_TEST(detect_prints_hits_and_alerts)
{
	const char *rules = put("rules.yml", SPEC);
	static char events[8192];
	size_t o = 0;
	/* record 0: an unrelated admin event; 1..10 failures; 11 success */
	o +=
	    (size_t)snprintf(events + o, sizeof(events) - o,
	                     "{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"event.dataset\":"
	                     "\"security\",\"event.module\":\"windows\",\"EventID\":"
	                     "4672,\"User\":\"administrator\"}\n");
	for (int i = 1; i <= 10; i++)
		o +=
		    (size_t)snprintf(events + o, sizeof(events) - o,
		                     "{\"@timestamp\":\"2024-05-01T10:00:%02dZ\","
		                     "\"event.dataset\":\"security\",\"event.module\":"
		                     "\"windows\",\"EventID\":4625,\"User\":\"alice\"}\n",
		                     i);
	snprintf(events + o, sizeof(events) - o,
	         "{\"@timestamp\":\"2024-05-01T10:01:00Z\",\"event.dataset\":"
	         "\"security\",\"event.module\":\"windows\",\"EventID\":4624,\"User\":"
	         "\"alice\"}\n");
	const char *input = put("events.json", events);
	static char out[16384], cmd[1024];
	snprintf(cmd, sizeof(cmd), "'%s' detect -r '%s' '%s' 2>/dev/null", bin(), rules,
	         input);
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 0);
	size_t lines = 0;
	for (const char *p = out; (p = strchr(p, '\n')); p++)
		lines++;
	ck_assert_msg(lines == 3, "%s", out);
	ck_assert_msg(strstr(out, "{\"type\":\"hit\",\"rule_id\":\"admin\""), "%s", out);
	ck_assert_msg(strstr(out, "\"rule_id\":\"admin\",\"title\":\"Admin\",\"level\":"
	                          "\"medium\""),
	              "%s", out);
	const char *in = strstr(out, "\"rule_id\":\"inner\"");
	const char *ou = strstr(out, "\"rule_id\":\"outer\"");
	ck_assert_msg(in && ou && in < ou, "%s", out);
	ck_assert_msg(strstr(in, "\"record\":10,"), "%s", in);
	ck_assert_msg(strstr(in, "\"event_count\":10,\"records\":[1,2,3,4,5,6,7,8,9,10]"),
	              "%s", in);
	ck_assert_msg(strstr(ou, "\"record\":11,"), "%s", ou);
	ck_assert_msg(strstr(ou, "\"group\":{\"user.name\":\"alice\""), "%s", ou);
	ck_assert_msg(strstr(out, "\"record\":0,"), "%s", out);
}
END_TEST

/* A rule for one Sysmon event type runs on that type only: a process-access
 * (EID 10) event carrying the same SourceImage/TargetImage does not raise a
 * CreateRemoteThread (EID 8) rule, and PowerShell script-block events (EID 4104 in
 * the PowerShell/Operational channel) reach ps_script rules. */
/* a Sysmon event (format: EventID, second) with a source and target image */
#define SYSMON_ACCESS                                                                    \
	"{\"Event\":{\"System\":{\"Provider\":{\"Name\":"                                \
	"\"Microsoft-Windows-Sysmon\"},\"EventID\":%d,\"Channel\":"                      \
	"\"Microsoft-Windows-Sysmon/Operational\",\"Computer\":"                         \
	"\"ws1\",\"TimeCreated\":{\"SystemTime\":"                                       \
	"\"2024-05-01T10:00:0%dZ\"}},\"EventData\":{\"SourceImage\":"                    \
	"\"C:\\\\Windows\\\\System32\\\\rundll32.exe\","                                 \
	"\"TargetImage\":\"C:\\\\Windows\\\\System32\\\\lsass.exe\"}}}\n"

START_TEST(sysmon_categories_select_their_event_type)
{
	const char *rules =
	    put("cat.yml",
	        "title: Remote thread into lsass\nid: crt-lsass\n"
	        "logsource: {product: windows, category: create_remote_thread}\n"
	        "detection:\n  sel: {TargetImage|endswith: '\\lsass.exe'}\n"
	        "  condition: sel\n---\n"
	        "title: Script block\nid: ps-block\n"
	        "logsource: {product: windows, category: ps_script}\n"
	        "detection:\n  sel: {ScriptBlockText|contains: 'Invoke-Mimikatz'}\n"
	        "  condition: sel\n");
	static char events[4096];
	size_t o = 0;
	o += (size_t)snprintf(events + o, sizeof(events) - o, SYSMON_ACCESS, 10, 1);
	o += (size_t)snprintf(events + o, sizeof(events) - o, SYSMON_ACCESS, 8, 2);
	snprintf(events + o, sizeof(events) - o,
	         "{\"Event\":{\"System\":{\"Provider\":{\"Name\":"
	         "\"Microsoft-Windows-PowerShell\"},\"EventID\":4104,\"Channel\":"
	         "\"Microsoft-Windows-PowerShell/Operational\",\"Computer\":\"ws1\","
	         "\"TimeCreated\":{\"SystemTime\":\"2024-05-01T10:00:03Z\"}},"
	         "\"EventData\":{\"ScriptBlockText\":\"IEX (Invoke-Mimikatz "
	         "-DumpCreds)\"}}}\n");
	const char *input = put("sysmon.json", events);
	static char out[8192], cmd[1024];
	snprintf(cmd, sizeof(cmd), "'%s' detect -r '%s' '%s' 2>/dev/null", bin(), rules,
	         input);
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 0);
	size_t lines = 0;
	for (const char *p = out; (p = strchr(p, '\n')); p++)
		lines++;
	ck_assert_msg(lines == 2, "%s", out);
	const char *crt = strstr(out, "\"rule_id\":\"crt-lsass\"");
	ck_assert_msg(crt && strstr(crt, "\"record\":1,"), "%s", out);
	const char *ps = strstr(out, "\"rule_id\":\"ps-block\"");
	ck_assert_msg(ps && strstr(ps, "\"record\":2,"), "%s", out);
}
END_TEST

/* `vigil parse -c` and `vigil detect -c` read a config as `vigil run` does: its
 * decoders (a custom program's lines become events with its fields), its rules,
 * then the command line's --decoders / -r added to them; a config path that
 * cannot be used fails at start-up at its config entry (file:line:col). */
START_TEST(parse_and_detect_read_a_config)
{
	put("app.yaml", "decoder: acme\nmatch:\n  program: [acmed]\nset:\n"
	                "  event.module: acme\n  event.dataset: acme.auth\n"
	                "patterns:\n  - name: login\n"
	                "    regex: '^login (?<u>\\S+)$'\n    fields: {user.name: u}\n");
	put("r1.yml", "title: Acme login\nid: acme-login\nlogsource: {product: acme}\n"
	              "detection:\n  sel: {user.name: mallory}\n  condition: sel\n");
	const char *extra =
	    put("r2.yml", "title: Acme any\nid: acme-any\nlogsource: {product: acme}\n"
	                  "detection:\n  sel: {event.dataset: acme.auth}\n"
	                  "  condition: sel\n");
	static char yaml[1024];
	snprintf(yaml, sizeof(yaml),
	         "rules:\n  paths: [%s/r1.yml]\ndecoders:\n  paths: [%s/app.yaml]\n",
	         g_dir, g_dir);
	const char *cfg = put("vigil.yaml", yaml);
	const char *input = put("acme.log", "<38>May  1 10:00:00 host1 acmed[12]: login "
	                                    "mallory\n");
	static char out[16384], cmd[1024];
	snprintf(cmd, sizeof(cmd), "'%s' parse -c '%s' --format syslog '%s' 2>/dev/null",
	         bin(), cfg, input);
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "\"user.name\":\"mallory\""), "%s", out);
	ck_assert_msg(strstr(out, "\"event.dataset\":\"acme.auth\""), "%s", out);
	/* without the config the line is a plain syslog event */
	snprintf(cmd, sizeof(cmd), "'%s' parse --format syslog '%s' 2>/dev/null", bin(),
	         input);
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 0);
	ck_assert_msg(!strstr(out, "\"user.name\"") && !strstr(out, "acme.auth"), "%s",
	              out);

	snprintf(cmd, sizeof(cmd), "'%s' detect -c '%s' --format syslog '%s' 2>/dev/null",
	         bin(), cfg, input);
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "\"rule_id\":\"acme-login\""), "%s", out);
	ck_assert_msg(!strstr(out, "acme-any"), "%s", out);
	snprintf(cmd, sizeof(cmd),
	         "'%s' detect -c '%s' -r '%s' --format syslog '%s' 2>/dev/null", bin(),
	         cfg, extra, input);
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "\"rule_id\":\"acme-login\""), "%s", out);
	ck_assert_msg(strstr(out, "\"rule_id\":\"acme-any\""), "%s", out);

	/* a missing path: at its config entry; one from -r: by its name */
	snprintf(yaml, sizeof(yaml),
	         "rules:\n  paths: [%s/r1.yml, %s/gone.yml]\ndecoders:\n"
	         "  paths: [%s/no-decoders]\n",
	         g_dir, g_dir, g_dir);
	cfg = put("bad.yaml", yaml);
	snprintf(cmd, sizeof(cmd), "'%s' detect -c '%s' -r '%s/also-gone.yml' '%s' 2>&1",
	         bin(), cfg, g_dir, input);
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 2);
	static char want[512];
	snprintf(want, sizeof(want), "%s:2:%zu: error: rule path '%s/gone.yml'", cfg,
	         strlen("  paths: [") + strlen(g_dir) + strlen("/r1.yml, ") + 1, g_dir);
	ck_assert_msg(strstr(out, want), "want %s in\n%s", want, out);
	snprintf(want, sizeof(want), "%s:4:11: error: decoder path '%s/no-decoders'", cfg,
	         g_dir);
	ck_assert_msg(strstr(out, want), "want %s in\n%s", want, out);
	snprintf(want, sizeof(want), "%s/also-gone.yml: error: cannot open", g_dir);
	const char *m = strstr(out, want);
	ck_assert_msg(m && (m == out || m[-1] == '\n'), "want a line %s in\n%s", want,
	              out);
	snprintf(cmd, sizeof(cmd), "'%s' parse -c '%s' '%s' 2>&1", bin(), cfg, input);
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 2);
	snprintf(want, sizeof(want), "%s:4:11: error: decoder path '%s/no-decoders'", cfg,
	         g_dir);
	ck_assert_msg(strstr(out, want), "want %s in\n%s", want, out);
}
END_TEST

/* The shipped sudo-to-root rule on the sudo decoder's lines: a line whose working
 * directory forges a second USER= pair says neither user, so the rule assumes the
 * worst rather than let the forged one hide a root shell. */
START_TEST(shipped_sudo_rule_on_forged_lines)
{
	const char *input =
	    put("sudo.log",
	        "<85>May  1 10:00:00 h1 sudo: eve : TTY=pts/0 ; PWD=/home/eve ; "
	        "USER=root ; COMMAND=/bin/bash\n"
	        "<85>May  1 10:00:01 h1 sudo: eve : TTY=pts/0 ; PWD=/tmp/x ; "
	        "USER=nobody ; COMMAND=/usr/bin/id ; USER=root ; COMMAND=/bin/bash\n"
	        "<85>May  1 10:00:02 h1 sudo: eve : TTY=pts/0 ; PWD=/home/eve ; "
	        "USER=nobody ; COMMAND=/usr/bin/id\n");
	static char out[16384], cmd[1024];
	snprintf(cmd, sizeof(cmd),
	         "'%s' detect -r '%s/correlate/rules/sudo_to_root.yml' --format syslog "
	         "'%s' 2>/dev/null",
	         bin(), vg_test_source_root(), input);
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "\"record\":0,"), "%s", out);
	ck_assert_msg(strstr(out, "\"record\":1,"), "%s", out);
	ck_assert_msg(!strstr(out, "\"record\":2,"), "%s", out);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("cli_detect");
	TCase *tc = tcase_create("rules_check");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rules_check_counts_and_reasons);
	suite_add_tcase(s, tc);
	tc = tcase_create("detect");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, detect_prints_hits_and_alerts);
	tcase_add_test(tc, sysmon_categories_select_their_event_type);
	tcase_add_test(tc, parse_and_detect_read_a_config);
	tcase_add_test(tc, shipped_sudo_rule_on_forged_lines);
	suite_add_tcase(s, tc);
	return s;
}

VG_TEST_MAIN(suite)
