/* Unit tests for the endpoint and alert normalizers of parsers/: AIT-ADS alert CSV
 * rows, Suricata EVE and Wazuh alerts in JSON, auditd records and their grouping
 * (vg_parse_feed), Windows event shapes (evtx, NXLog/Mordor, Winlogbeat, Wazuh) with
 * EventID categories, Wazuh's extra escaping of win.eventdata values, osquery
 * results, and hostile input of every kind. */
#include "vg_parsers.h"
#include "vg_test.h"

#include <stdint.h>

static struct vg_parser *g_parser;
static struct vg_parse_ctx *g_ctx;
static struct vg_arena *g_arena;

static void setup(void)
{
	struct vg_diag diag;
	vg_diag_init(&diag);
	vg_err err = vg_parser_new(NULL, &g_parser, &diag);
	if (err != VG_OK)
		vg_diag_print(&diag, stderr);
	ck_assert_int_eq(err, VG_OK);
	vg_diag_clear(&diag);
	g_ctx = vg_parse_ctx_new(g_parser);
	g_arena = vg_arena_new(0);
	ck_assert_ptr_nonnull(g_ctx);
	ck_assert_ptr_nonnull(g_arena);
}

static void teardown(void)
{
	vg_parse_ctx_destroy(g_ctx);
	vg_parser_destroy(g_parser);
	vg_arena_destroy(g_arena);
	g_ctx = NULL;
	g_parser = NULL;
	g_arena = NULL;
}

static struct vg_event *parse_ok(enum vg_format fmt, const char *line)
{
	struct vg_event *ev = NULL;
	const char *reason = NULL;
	vg_err err =
	    vg_parse(g_parser, g_ctx, fmt, line, strlen(line), 0, g_arena, &ev, &reason);
	ck_assert_msg(err == VG_OK, "parse failed (%s): %s", reason ? reason : "-", line);
	return ev;
}

static const char *parse_fail_n(enum vg_format fmt, const char *line, size_t len)
{
	struct vg_event *ev = NULL;
	const char *reason = NULL;
	vg_err err = vg_parse(g_parser, g_ctx, fmt, line, len, 0, g_arena, &ev, &reason);
	ck_assert_msg(err == VG_ERR_PARSE, "expected a dead letter, got %d for %.80s",
	              (int)err, line);
	ck_assert_ptr_null(ev);
	ck_assert_ptr_nonnull(reason);
	ck_assert(reason[0] != '\0');
	return reason;
}

static const char *parse_fail(enum vg_format fmt, const char *line)
{
	return parse_fail_n(fmt, line, strlen(line));
}

static void expect(const struct vg_event *ev, const char *name, const char *want)
{
	const struct vg_value *v = vg_event_get_named(ev, name);
	ck_assert_msg(v != NULL, "field %s unset (want '%s')", name, want);
	ck_assert_msg(v->len == strlen(want) && memcmp(v->ptr, want, v->len) == 0,
	              "field %s = '%.*s', want '%s'", name, (int)v->len, v->ptr, want);
}

static void expect_unset(const struct vg_event *ev, const char *name)
{
	const struct vg_value *v = vg_event_get_named(ev, name);
	ck_assert_msg(v == NULL, "field %s set to '%.*s'", name, v ? (int)v->len : 0,
	              v ? v->ptr : "");
}

static void expect_ts(const struct vg_event *ev, const char *iso)
{
	char buf[32];
	vg_time_format(ev->ts, buf);
	ck_assert_str_eq(buf, iso);
}

/* The event as JSON (for "does not contain" checks). */
static char *to_json(const struct vg_event *ev)
{
	struct vg_buf b;
	vg_buf_init(&b);
	vg_event_to_json(ev, &b);
	char *s = vg_arena_strndup(g_arena, b.data, b.len);
	vg_buf_free(&b);
	return s;
}

/* ------------------------------------------------------------ AIT-ADS */

START_TEST(aitads_row)
{
	const char *row = "1642213952,Wazuh: ClamAV database update,172.17.131.81,mail,"
	                  "W-Sys-Cav,dirb_LABEL_X,webshell_LABEL_Y";
	struct vg_event *ev = parse_ok(VG_FMT_AITADS, row);
	expect_ts(ev, "2022-01-15T02:32:32.000000Z");
	expect(ev, "rule.name", "Wazuh: ClamAV database update");
	expect(ev, "message", "Wazuh: ClamAV database update");
	expect(ev, "host.ip", "172.17.131.81");
	expect(ev, "host.name", "mail");
	expect(ev, "rule.id", "W-Sys-Cav");
	expect(ev, "event.kind", "alert");
	expect(ev, "event.module", "wazuh");
	expect(ev, "event.dataset", "wazuh.alerts");
	expect(ev, "vigil.format", "aitads");
	/* the labels never enter the event, not even its raw record */
	ck_assert_ptr_null(strstr(to_json(ev), "LABEL"));
	ck_assert_uint_eq(ev->raw.len, strlen("1642213952,Wazuh: ClamAV database update,"
	                                      "172.17.131.81,mail,W-Sys-Cav"));
	ck_assert_ptr_null(memmem(ev->raw.ptr, ev->raw.len, "LABEL", 5));

	ev = parse_ok(
	    VG_FMT_AITADS,
	    "1643932807,Suricata: Alert - ET INFO Observed DNS Query to .biz "
	    "TLD,192.168.131.109,internal_share,S-Dns-Qry3,false_positive,dnsteal");
	expect(ev, "event.module", "suricata");
	expect(ev, "event.dataset", "suricata.eve");
	ev = parse_ok(VG_FMT_AITADS, "1642204801,AMiner: New event type.,172.17.129.140,"
	                             "cloud_share,A-All-Evt,false_positive,-\n");
	expect(ev, "event.module", "aminer");
	expect(ev, "event.dataset", "aminer.alerts");
	/* an unknown product prefix is lowercased; no prefix: no module */
	ev = parse_ok(VG_FMT_AITADS, "5.25,Zeek: Notice,,,,a,b");
	expect_ts(ev, "1970-01-01T00:00:05.250000Z");
	expect(ev, "event.module", "zeek");
	expect(ev, "event.dataset", "zeek.alerts");
	expect_unset(ev, "host.ip");
	expect_unset(ev, "host.name");
	expect_unset(ev, "rule.id");
	ev = parse_ok(VG_FMT_AITADS, "5,just a name,1.2.3.4,h,s,a,b");
	expect_unset(ev, "event.module");
}
END_TEST

START_TEST(aitads_quoted_fields)
{
	struct vg_event *ev =
	    parse_ok(VG_FMT_AITADS, "1642213952,\"Suricata: a, b \"\"c\"\"\",\"1.2.3.4\","
	                            "\"h,x\",S-1,\"lab,el\",\"ev,ent\"");
	expect(ev, "rule.name", "Suricata: a, b \"c\"");
	expect(ev, "host.ip", "1.2.3.4");
	expect(ev, "host.name", "h,x");
	expect(ev, "rule.id", "S-1");
	ck_assert_ptr_null(strstr(to_json(ev), "lab,el"));
	ck_assert_ptr_null(strstr(to_json(ev), "ev,ent"));
	ev = parse_ok(VG_FMT_AITADS, "1,n,,,,\"\",");
	expect(ev, "rule.name", "n");
}
END_TEST

START_TEST(aitads_invalid)
{
	ck_assert_str_eq(
	    parse_fail(VG_FMT_AITADS, "time,name,ip,host,short,time_label,event_label"),
	    "aitads: header row");
	ck_assert_str_eq(parse_fail(VG_FMT_AITADS, "1,a,b,c,d,e"),
	                 "aitads: expected 7 fields, found 6");
	ck_assert_str_eq(parse_fail(VG_FMT_AITADS, "1,a,b,c,d,e,f,g"),
	                 "aitads: more than 7 fields at column 14");
	ck_assert_str_eq(parse_fail(VG_FMT_AITADS, "x1,a,b,c,d,e,f"),
	                 "aitads: invalid time at column 1");
	ck_assert_str_eq(parse_fail(VG_FMT_AITADS, "1.,a,b,c,d,e,f"),
	                 "aitads: invalid time at column 1");
	ck_assert_str_eq(parse_fail(VG_FMT_AITADS, "1,,b,c,d,e,f"),
	                 "aitads: empty name at column 3");
	ck_assert_str_eq(parse_fail(VG_FMT_AITADS, "1,a\"b,b,c,d,e,f"),
	                 "aitads: quote inside an unquoted field at column 4");
	ck_assert_str_eq(parse_fail(VG_FMT_AITADS, "1,\"ab,b,c,d,e,f"),
	                 "aitads: unterminated quoted field at column 3");
	ck_assert_str_eq(parse_fail(VG_FMT_AITADS, "1,\"a\"b,b,c,d,e,f"),
	                 "aitads: unexpected character after quoted field at column 6");
	ck_assert_str_eq(parse_fail(VG_FMT_AITADS, "1,a\xff,b,c,d,e,f"),
	                 "aitads: invalid UTF-8 at column 4");
	ck_assert_str_eq(parse_fail_n(VG_FMT_AITADS, "1,a\0,b,c,d,e,f", 14),
	                 "aitads: control character at column 4");
	ck_assert_str_eq(parse_fail(VG_FMT_AITADS, "\n"), "empty record");
}
END_TEST

/* ------------------------------------------------------------ Suricata, Wazuh */

START_TEST(suricata_eve_alert)
{
	struct vg_event *ev = parse_ok(
	    VG_FMT_AUTO,
	    "{\"timestamp\":\"2020-03-04T13:56:40.993961+0100\",\"flow_id\":"
	    "1914330066006315,"
	    "\"in_iface\":\"eth0\",\"event_type\":\"alert\",\"src_ip\":\"192.168.10.18\","
	    "\"src_port\":41410,\"dest_ip\":\"192.168.10.21\",\"dest_port\":80,"
	    "\"proto\":\"TCP\",\"app_proto\":\"http\",\"alert\":{\"action\":\"allowed\","
	    "\"gid\":1,\"signature_id\":2016184,\"rev\":5,\"signature\":\"ET WEB_SERVER "
	    "ColdFusion administrator access\",\"category\":\"Web Application Attack\","
	    "\"severity\":1},\"http\":{\"hostname\":\"mail.insect.com\",\"url\":\"/x\","
	    "\"http_user_agent\":\"Nikto\",\"http_method\":\"GET\",\"status\":302}}");
	expect_ts(ev, "2020-03-04T12:56:40.993961Z");
	expect(ev, "event.kind", "alert");
	expect(ev, "event.module", "suricata");
	expect(ev, "event.dataset", "suricata.eve");
	expect(ev, "event.category", "intrusion_detection");
	expect(ev, "rule.name", "ET WEB_SERVER ColdFusion administrator access");
	expect(ev, "rule.id", "2016184");
	expect(ev, "event.severity", "1");
	expect(ev, "rule.category", "Web Application Attack");
	expect(ev, "event.action", "allowed");
	expect(ev, "source.ip", "192.168.10.18");
	expect(ev, "source.port", "41410");
	expect(ev, "destination.ip", "192.168.10.21");
	expect(ev, "destination.port", "80");
	expect(ev, "network.transport", "tcp");
	expect(ev, "network.protocol", "http");
	expect(ev, "url.original", "/x");
	expect(ev, "http.request.method", "GET");
	expect(ev, "http.response.status_code", "302");
	expect(ev, "user_agent.original", "Nikto");
	/* the web server's name is not the host the event happened on */
	expect_unset(ev, "host.name");
	expect(ev, "http.hostname", "mail.insect.com");
	/* original names stay addressable */
	expect(ev, "alert.signature_id", "2016184");
	expect(ev, "vigil.alert.level", "high"); /* severity 1 */
	expect_unset(ev, "threat.technique.id");

	/* the signature's ATT&CK metadata (ET rules carry it) */
	ev = parse_ok(VG_FMT_JSON,
	              "{\"event_type\":\"alert\",\"src_ip\":\"10.0.0.1\",\"alert\":{"
	              "\"signature\":\"ET MALWARE x\",\"signature_id\":1,\"severity\":3,"
	              "\"metadata\":{\"mitre_tactic_name\":[\"Command_And_Control\"],"
	              "\"mitre_technique_id\":[\"T1071\"]}}}");
	expect(ev, "vigil.alert.level", "low");
	expect(ev, "threat.tactic.name", "[\"Command_And_Control\"]");
	expect(ev, "threat.technique.id", "[\"T1071\"]");

	ev = parse_ok(VG_FMT_JSON, "{\"timestamp\":\"2020-03-04T13:56:40Z\","
	                           "\"event_type\":\"flow\",\"src_ip\":\"10.0.0.1\","
	                           "\"proto\":\"UDP\"}");
	expect(ev, "event.kind", "event");
	expect(ev, "event.category", "network");
	expect(ev, "network.transport", "udp");
	expect_unset(ev, "rule.name");
	expect_unset(ev, "vigil.alert.level"); /* not an alert */

	/* a DHCP client names itself (option 12): not the host the event is on */
	ev = parse_ok(VG_FMT_JSON,
	              "{\"event_type\":\"dhcp\",\"src_ip\":\"10.0.0.50\",\"host\":"
	              "\"sensor1\",\"dhcp\":{\"type\":\"request\",\"hostname\":"
	              "\"db01\"}}");
	expect_unset(ev, "host.name");
	expect(ev, "dhcp.hostname", "db01");
}
END_TEST

START_TEST(wazuh_alert)
{
	struct vg_event *ev = parse_ok(
	    VG_FMT_JSON,
	    "{\"timestamp\":\"2020-03-04T14:14:30.000000+0000\",\"rule\":{\"level\":5,"
	    "\"description\":\"PAM: User login failed.\",\"id\":\"5503\",\"groups\":"
	    "[\"pam\",\"syslog\"]},\"agent\":{\"id\":\"000\",\"name\":\"user-0\"},"
	    "\"manager\":{\"name\":\"user-0\"},\"full_log\":\"Mar  4 14:14:30 mail auth: "
	    "pam_unix(dovecot:auth): authentication failure\",\"predecoder\":{"
	    "\"hostname\":\"mail\"},\"decoder\":{\"name\":\"pam\"},\"data\":{\"srcip\":"
	    "\"127.0.0.1\",\"dstip\":\"192.168.10.21:80\",\"srcuser\":\"violet\","
	    "\"dstuser\":\"root\"}}");
	expect_ts(ev, "2020-03-04T14:14:30.000000Z");
	expect(ev, "event.kind", "alert");
	expect(ev, "event.module", "wazuh");
	expect(ev, "event.dataset", "wazuh.alerts");
	expect(ev, "rule.id", "5503");
	expect(ev, "rule.name", "PAM: User login failed.");
	expect(ev, "event.severity", "5");
	expect(ev, "host.name", "mail"); /* predecoder.hostname: the logging host */
	expect(ev, "source.ip", "127.0.0.1");
	expect(ev, "destination.ip", "192.168.10.21");
	expect(ev, "destination.port", "80");
	expect(ev, "user.name", "violet");
	expect(ev, "user.target.name", "root");
	expect(
	    ev, "message",
	    "Mar  4 14:14:30 mail auth: pam_unix(dovecot:auth): authentication failure");
	expect(ev, "rule.level", "5");
	expect(ev, "vigil.alert.level", "low"); /* 4-7 */
	expect_unset(ev, "threat.tactic.name");

	/* the rule's ATT&CK mapping as Wazuh writes it, and its level as a Sigma
	 * level (the OSSEC/Wazuh classification, parsers/alerts.c) */
	ev = parse_ok(VG_FMT_JSON,
	              "{\"rule\":{\"level\":3,\"id\":\"5402\",\"description\":"
	              "\"Successful sudo to ROOT executed.\",\"mitre\":{\"id\":"
	              "[\"T1548.003\"],\"tactic\":[\"Privilege Escalation\",\"Defense "
	              "Evasion\"],\"technique\":[\"Sudo and Sudo Caching\"]}},"
	              "\"agent\":{\"name\":\"web01\"}}");
	expect(ev, "vigil.alert.level", "informational");
	expect(ev, "threat.tactic.name",
	       "[\"Privilege Escalation\",\"Defense Evasion\"]");
	expect(ev, "threat.technique.id", "[\"T1548.003\"]");
	static const char *const wl[][2] = {
	    {"7", "low"},   {"8", "medium"},    {"11", "medium"},  {"12", "high"},
	    {"13", "high"}, {"14", "critical"}, {"16", "critical"}};
	for (size_t i = 0; i < sizeof(wl) / sizeof(wl[0]); i++) {
		char rec[160];
		snprintf(rec, sizeof(rec),
		         "{\"rule\":{\"level\":%s,\"id\":\"1\",\"description\":\"d\"},"
		         "\"agent\":{\"name\":\"h\"}}",
		         wl[i][0]);
		expect(parse_ok(VG_FMT_JSON, rec), "vigil.alert.level", wl[i][1]);
	}

	/* without predecoder.hostname, the agent names the host */
	ev = parse_ok(VG_FMT_JSON,
	              "{\"rule\":{\"level\":3,\"id\":\"1\",\"description\":"
	              "\"d\"},\"agent\":{\"name\":\"web01\",\"ip\":\"10.1.1.1\"},"
	              "\"data\":{\"srcip\":\"fe80::1\"}}");
	expect(ev, "host.name", "web01");
	expect(ev, "host.ip", "10.1.1.1");
	expect(ev, "source.ip", "fe80::1");

	/* Wazuh's Suricata rule is level 3 whatever the signature: the embedded EVE
	 * severity gives the same level as the EVE record read directly (high) */
	ev = parse_ok(VG_FMT_JSON,
	              "{\"rule\":{\"level\":3,\"id\":\"86601\",\"description\":"
	              "\"Suricata: Alert - ET x\"},\"agent\":{\"name\":\"ids\"},"
	              "\"data\":{\"event_type\":\"alert\",\"alert\":{\"severity\":"
	              "\"1\",\"signature_id\":\"2000001\"},\"dhcp\":{\"hostname\":"
	              "\"db01\"}}}");
	expect(ev, "vigil.alert.level", "high");
	expect(ev, "rule.id", "86601");
	expect(ev, "host.name", "ids"); /* not data.dhcp.hostname */
	/* a Wazuh level above the EVE severity's stays */
	ev = parse_ok(VG_FMT_JSON,
	              "{\"rule\":{\"level\":14,\"id\":\"1\",\"description\":\"d\"},"
	              "\"agent\":{\"name\":\"ids\"},\"data\":{\"alert\":{"
	              "\"severity\":3}}}");
	expect(ev, "vigil.alert.level", "critical");
}
END_TEST

/* ------------------------------------------------------------ auditd */

static const char *const g_dd[] = {
    "type=SYSCALL msg=audit(1604996384.965:93777): arch=c000003e syscall=59 "
    "success=yes exit=0 a0=558e25052c70 a1=558e251641a0 a2=558e25160800 a3=1b6 "
    "items=2 ppid=29002 pid=2168 auid=1000 uid=0 gid=1000 euid=0 suid=0 fsuid=0 "
    "egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=104 comm=\"dd\" exe=\"/bin/dd\" "
    "key=\"exec\"",
    "type=EXECVE msg=audit(1604996384.965:93777): argc=4 a0=\"dd\" a1=\"if=/dev/zero\" "
    "a2=2F746D702F6120622F63 a3=\"count=1\"",
    "type=CWD msg=audit(1604996384.965:93777): cwd=\"/home/wardog\"",
    "type=PATH msg=audit(1604996384.965:93777): item=0 name=\"/bin/\" inode=20 "
    "nametype=PARENT",
    "type=PATH msg=audit(1604996384.965:93777): item=1 name=\"/bin/dd\" inode=20 "
    "nametype=NORMAL",
    "type=PROCTITLE msg=audit(1604996384.965:93777): "
    "proctitle=64640069663D2F6465762F7A65726F",
};

static char *join(const char *const *lines, size_t n)
{
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += strlen(lines[i]) + 1;
	char *s = vg_arena_alloc(g_arena, total + 1);
	s[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		strcat(s, lines[i]);
		strcat(s, "\n");
	}
	return s;
}

START_TEST(auditd_execve_group)
{
	struct vg_event *ev = parse_ok(VG_FMT_AUDITD, join(g_dd, 6));
	expect_ts(ev, "2020-11-10T08:19:44.965000Z");
	expect(ev, "event.module", "auditd");
	expect(ev, "event.category", "process");
	expect(ev, "event.type", "start");
	expect(ev, "event.outcome", "success");
	/* a2 is hex-encoded (it holds a space) */
	expect(ev, "process.command_line", "dd if=/dev/zero /tmp/a b/c count=1");
	expect(ev, "process.args_count", "4");
	expect(ev, "process.executable", "/bin/dd");
	expect(ev, "process.name", "dd");
	expect(ev, "process.pid", "2168");
	expect(ev, "process.parent.pid", "29002");
	expect(ev, "process.working_directory", "/home/wardog");
	expect(ev, "process.title", "dd if=/dev/zero");
	expect(ev, "file.path", "/bin/dd"); /* not the PARENT item */
	expect(ev, "user.id", "0");
	expect(ev, "user.audit.id", "1000");
	expect(ev, "auditd.sequence", "93777");
	expect(ev, "auditd.key", "exec");
	expect(ev, "auditd.record_types", "SYSCALL,EXECVE,CWD,PATH,PATH,PROCTITLE");
	/* raw names: the argv keeps a0.., the SYSCALL registers move aside */
	expect(ev, "type", "EXECVE");
	expect(ev, "a0", "dd");
	expect(ev, "a2", "/tmp/a b/c");
	expect(ev, "syscall.a0", "558e25052c70");
	expect(ev, "syscall", "59");
	expect(ev, "name", "/bin/");
	expect(ev, "vigil.format", "auditd");
	/* auto-detection */
	ev = parse_ok(VG_FMT_AUTO, g_dd[2]);
	expect(ev, "vigil.format", "auditd");
	expect(ev, "type", "CWD");
}
END_TEST

START_TEST(auditd_enriched_and_user_records)
{
	struct vg_event *ev = parse_ok(
	    VG_FMT_AUDITD,
	    "type=USER_LOGIN msg=audit(1642723741.072:375): pid=10125 uid=0 "
	    "auid=1001 ses=4 msg='op=login acct=\"alice\" exe=\"/usr/sbin/sshd\" "
	    "hostname=? addr=203.0.113.9 terminal=sshd res=failed'\x1d"
	    "UID=\"root\" AUID=\"alice\"");
	expect(ev, "event.category", "authentication");
	expect(ev, "event.outcome", "failure");
	expect(ev, "user.name", "alice");
	expect(ev, "user.id", "0");
	expect(ev, "user.audit.id", "1001");
	expect(ev, "user.audit.name", "alice");
	expect(ev, "source.ip", "203.0.113.9");
	expect(ev, "op", "login");
	expect(ev, "UID", "root");
	/* enriched SYSCALL: the names come from UID= etc.; unset ids are dropped */
	ev = parse_ok(VG_FMT_AUDITD,
	              "node=web01 type=SYSCALL msg=audit(1.5:7): syscall=2 success=no "
	              "uid=1000 auid=4294967295 gid=5 comm=6C73\x1dSYSCALL=open "
	              "UID=\"bob\" GID=\"tty\" AUID=\"unset\"");
	expect(ev, "host.name", "web01");
	expect(ev, "user.name", "bob");
	expect(ev, "group.name", "tty");
	expect(ev, "event.action", "open");
	expect(ev, "event.outcome", "failure");
	expect(ev, "process.name", "ls"); /* comm hex-decoded */
	expect_unset(ev, "user.audit.id");
	expect_unset(ev, "user.audit.name");
	expect_ts(ev, "1970-01-01T00:00:01.500000Z");
	/* free text and odd tokens are tolerated */
	ev = parse_ok(VG_FMT_AUDITD, "type=DAEMON_START msg=audit(1450875964.131:8728): "
	                             "auditd start, ver=2.4 format=raw =x y= "
	                             "res=failed k='unterminated");
	expect(ev, "ver", "2.4");
	expect(ev, "event.outcome", "failure");
	/* EXECVE with split arguments a1[0], a1[1] */
	ev = parse_ok(VG_FMT_AUDITD, "type=EXECVE msg=audit(2.0:9): argc=2 a0=\"sh\" "
	                             "a1_len=6 a1[0]=616263 a1[1]=\"def\"");
	expect(ev, "process.command_line", "sh abcdef");
}
END_TEST

/* A hex-encoded value keeps every byte, a trailing space too: only proctitle drops
 * its trailing NULs (argv terminators); NUL inside it separates the arguments. */
START_TEST(auditd_hex_values_keep_their_bytes)
{
	struct vg_event *ev = parse_ok(
	    VG_FMT_AUDITD,
	    "type=SYSCALL msg=audit(1700000000.123:100): arch=c000003e syscall=257 "
	    "success=yes exit=3 items=1 ppid=1 pid=2 comm=746F756368 "
	    "exe=\"/usr/bin/touch\"\n"
	    "type=CWD msg=audit(1700000000.123:100): cwd=2F746D702F6120\n"
	    "type=PATH msg=audit(1700000000.123:100): item=0 name=2F746D702F6576696C20 "
	    "inode=2 nametype=CREATE\n"
	    "type=PROCTITLE msg=audit(1700000000.123:100): "
	    "proctitle=746F756368002F746D702F6576696C200000\n");
	expect(ev, "file.path", "/tmp/evil ");
	expect(ev, "name", "/tmp/evil ");
	expect(ev, "process.working_directory", "/tmp/a ");
	expect(ev, "process.name", "touch");
	expect(ev, "process.title", "touch /tmp/evil ");
	/* an EXECVE argument ending in a space keeps it */
	ev = parse_ok(VG_FMT_AUDITD, "type=EXECVE msg=audit(2.0:9): argc=2 a0=\"rm\" "
	                             "a1=2F746D702F6576696C20");
	expect(ev, "a1", "/tmp/evil ");
	expect(ev, "process.command_line", "rm /tmp/evil ");
}
END_TEST

/* A long EXECVE argument comes as chunks aN[0], aN[1]... cut at any byte: joined
 * before decoding, a space or a UTF-8 character across the cut survives; the whole
 * argument is aN, aN_len stays the number it is. */
START_TEST(auditd_execve_chunks_decoded_whole)
{
	struct vg_event *ev =
	    parse_ok(VG_FMT_AUDITD, "type=EXECVE msg=audit(1700000003.000:103): argc=3 "
	                            "a0=\"sh\" a1=\"-c\" a2_len=32 "
	                            "a2[0]=6563686F2068656C6C6F20 a2[1]=776F726C64");
	expect(ev, "process.command_line", "sh -c echo hello world");
	expect(ev, "a2", "echo hello world");
	expect(ev, "a2_len", "32");
	expect(ev, "a2[0]", "6563686F2068656C6C6F20");
	expect(ev, "process.args_count", "3");
	/* "été" = c3 a9 74 c3 a9, cut inside the first character */
	ev = parse_ok(VG_FMT_AUDITD, "type=EXECVE msg=audit(1700000004.000:104): argc=2 "
	                             "a0=\"echo\" a1_len=10 a1[0]=c3 a1[1]=a974c3a9");
	expect(ev, "process.command_line", "echo \xC3\xA9t\xC3\xA9");
	expect(ev, "a1", "\xC3\xA9t\xC3\xA9");
	/* chunks in two EXECVE records of one event */
	ev = parse_ok(
	    VG_FMT_AUDITD,
	    "type=EXECVE msg=audit(5.0:1): argc=2 a0=\"ls\" a1_len=4 a1[0]=4120\n"
	    "type=EXECVE msg=audit(5.0:1): a1[1]=2042");
	expect(ev, "process.command_line", "ls A  B");
}
END_TEST

/* Every EXECVE argument reaches process.command_line (there used to be a limit of
 * 64); when some are not in the event, auditd.args_missing says how many. */
START_TEST(auditd_execve_every_argument)
{
	enum { ARGC = 1000 };
	char *rec = malloc(16 * ARGC + 64), *want = malloc(8 * ARGC);
	ck_assert_ptr_nonnull(rec);
	ck_assert_ptr_nonnull(want);
	int o = sprintf(rec, "type=EXECVE msg=audit(1700000002.000:102): argc=%d", ARGC);
	int w = 0;
	for (int i = 0; i < ARGC; i++) {
		o += sprintf(rec + o, " a%d=\"x%d\"", i, i);
		w += sprintf(want + w, "%sx%d", i ? " " : "", i);
	}
	struct vg_event *ev = parse_ok(VG_FMT_AUDITD, rec);
	/* (expect() would print 4 KB: Check's messages must be short) */
	const struct vg_value *cl = vg_event_get_named(ev, "process.command_line");
	ck_assert_ptr_nonnull(cl);
	ck_assert_msg(
	    cl->len == strlen(want) && memcmp(cl->ptr, want, cl->len) == 0,
	    "command line of %u bytes ending '%.20s', want %zu bytes ending '%s'",
	    (unsigned)cl->len, cl->ptr + (cl->len > 20 ? cl->len - 20 : 0), strlen(want),
	    want + strlen(want) - 20);
	expect(ev, "process.args_count", "1000");
	expect(ev, "a999", "x999");
	expect_unset(ev, "auditd.args_missing");
	free(rec);
	free(want);

	/* argc says 5, the event holds 3: the command line is what there is, marked */
	ev = parse_ok(VG_FMT_AUDITD,
	              "type=EXECVE msg=audit(1.0:1): argc=5 a0=\"a\" a1=\"b\" a2=\"c\"");
	expect(ev, "process.command_line", "a b c");
	expect(ev, "process.args_count", "5");
	expect(ev, "auditd.args_missing", "2");
	ev = parse_ok(VG_FMT_AUDITD, "type=EXECVE msg=audit(1.0:1): argc=2");
	expect(ev, "auditd.args_missing", "2");
	expect_unset(ev, "process.command_line");
	/* the rest of a split argv, without argc: a0..a2 are missing */
	ev =
	    parse_ok(VG_FMT_AUDITD,
	             "type=EXECVE msg=audit(1.0:1): a3=\"d\" a4_len=2 a4[0]=65 a4[1]=66");
	expect(ev, "process.command_line", "d ef");
	expect(ev, "auditd.args_missing", "3");
	/* out of order: put in order; an argument given twice: the first wins */
	ev = parse_ok(VG_FMT_AUDITD, "type=EXECVE msg=audit(1.0:1): argc=3 a2=\"c\" "
	                             "a0=\"a\" a1=\"b\" a0=\"z\"");
	expect(ev, "process.command_line", "a b c");
	expect(ev, "a0", "a");
	expect_unset(ev, "auditd.args_missing");
}
END_TEST

/* A SYSCALL record is a process start by its architecture's execve numbers: 59 is
 * pipe2 on aarch64; an unknown arch is not guessed at. */
START_TEST(auditd_execve_by_arch)
{
	static const struct {
		const char *arch, *nr;
		bool exec;
	} cases[] = {
	    {"c000003e", "59", true},   {"c000003e", "322", true},
	    {"c000003e", "221", false}, {"C000003E", "59", true},
	    {"40000003", "11", true},   {"40000003", "358", true},
	    {"40000003", "59", false},  {"c00000b7", "221", true},
	    {"c00000b7", "281", true},  {"c00000b7", "59", false},
	    {"c00000b7", "322", false}, {"c00000f3", "221", true},
	    {"40000028", "11", false}, /* 32-bit ARM: not in the table */
	    {"", "59", false},
	};
	char rec[256];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(rec, sizeof(rec),
		         "type=SYSCALL msg=audit(1700000001.000:101): arch=%s syscall=%s "
		         "success=yes exit=0 pid=2 comm=\"x\" exe=\"/usr/bin/x\"",
		         cases[i].arch, cases[i].nr);
		struct vg_event *ev = parse_ok(VG_FMT_AUDITD, rec);
		if (cases[i].exec) {
			expect(ev, "event.category", "process");
			expect(ev, "event.type", "start");
			expect(ev, "event.action", "executed");
		} else {
			expect_unset(ev, "event.category");
			expect(ev, "event.action", "syscall");
		}
	}
	/* enriched: auditd's own name for the call */
	struct vg_event *ev =
	    parse_ok(VG_FMT_AUDITD, "type=SYSCALL msg=audit(1.0:1): arch=c00000b7 "
	                            "syscall=281 success=yes\x1dSYSCALL=execveat");
	expect(ev, "event.category", "process");
	expect(ev, "event.action", "execveat");
}
END_TEST

START_TEST(auditd_invalid)
{
	ck_assert_str_eq(parse_fail(VG_FMT_AUDITD, "type=SYSCALL msg=audit(x): a=b"),
	                 "auditd: expected 'type=TYPE msg=audit(SECONDS.MS:SERIAL):'");
	ck_assert_str_eq(parse_fail(VG_FMT_AUDITD, "hello world"),
	                 "auditd: expected 'type=TYPE msg=audit(SECONDS.MS:SERIAL):'");
	ck_assert_str_eq(parse_fail(VG_FMT_AUDITD, "type=A msg=audit(1.2:3) a=b"),
	                 "auditd: expected 'type=TYPE msg=audit(SECONDS.MS:SERIAL):'");
	ck_assert_str_eq(parse_fail(VG_FMT_AUDITD, "type=A msg=audit(1.2:3): a=\xc3"),
	                 "auditd: invalid UTF-8 at column 28");
	ck_assert_str_eq(
	    parse_fail_n(VG_FMT_AUDITD, "type=A msg=audit(1.2:3): a=\x01", 28),
	    "auditd: control character at column 28");
	ck_assert_str_eq(parse_fail(VG_FMT_AUDITD, "type=A msg=audit(1.2:3): a=b\n"
	                                           "type=B msg=audit(1.2:4): c=d"),
	                 "auditd: record 2 belongs to another event (audit(1.2:4), not "
	                 "audit(1.2:3))");
	ck_assert_str_eq(parse_fail(VG_FMT_AUDITD, "type=A msg=audit(1.2:3): a=b\nzzz"),
	                 "auditd: expected 'type=TYPE msg=audit(SECONDS.MS:SERIAL):' "
	                 "(record 2)");
}
END_TEST

/* vg_parse_feed collects what it emits here. */
struct collected {
	int n;
	struct vg_event *ev[32];
	const char *reason[32];
	int64_t offset[32];
};

static vg_err collect(void *ud, struct vg_event *ev, const char *reason, const char *raw,
                      size_t len, const struct vg_source *src)
{
	struct collected *c = ud;
	ck_assert_int_lt(c->n, 32);
	ck_assert_ptr_nonnull(raw);
	ck_assert_uint_gt(len, 0);
	c->ev[c->n] = ev;
	c->reason[c->n] =
	    reason ? vg_arena_strndup(g_arena, reason, strlen(reason)) : NULL;
	c->offset[c->n] = src->offset;
	c->n++;
	return VG_OK;
}

static void feed(struct collected *c, enum vg_format fmt, const char *line, int64_t off)
{
	struct vg_source src = {"t", 0, off};
	ck_assert_int_eq(vg_parse_feed(g_parser, g_ctx, fmt, line, strlen(line), &src, 0,
	                               g_arena, collect, c),
	                 VG_OK);
}

/* The Wazuh agent forwards an audit event's records on one line; auditd's
 * name_format adds "node=NAME " before each record. */
static const char g_grouped[] =
    "node=localhost type=SYSCALL msg=audit(1479982525.380:50): arch=c000003e "
    "syscall=2 success=yes exit=3 a0=7ffedc40d83b a1=941 a2=1b6 a3=7ffedc40cce0 "
    "items=2 ppid=432 pid=3333 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 "
    "sgid=0 fsgid=0 tty=pts0 ses=2 comm=\"touch\" exe=\"/bin/touch\" "
    "key=\"audit-wazuh-w\" type=CWD msg=audit(1479982525.380:50):  "
    "cwd=\"/var/log/audit\" type=PATH msg=audit(1479982525.380:50): item=0 "
    "name=\"/var/log/audit/tmp_directory1/\" inode=399849 dev=ca:02 mode=040755 "
    "ouid=0 ogid=0 rdev=00:00 nametype=PARENT type=PATH "
    "msg=audit(1479982525.380:50): item=1 "
    "name=\"/var/log/audit/tmp_directory1/malware.py\" inode=399852 dev=ca:02 "
    "mode=0100644 ouid=0 ogid=0 rdev=00:00 nametype=CREATE type=PROCTITLE "
    "msg=audit(1479982525.380:50): proctitle=746F756368002F7661722F6C6F672F6175646974"
    "2F746D705F6469726563746F7279312F6D616C776172652E7079";

START_TEST(auditd_records_on_one_line)
{
	/* auto-detected through the node= prefix, split into its five records */
	struct vg_event *ev = parse_ok(VG_FMT_AUTO, g_grouped);
	expect(ev, "vigil.format", "auditd");
	expect(ev, "event.module", "auditd");
	expect(ev, "event.dataset", "auditd");
	expect(ev, "host.name", "localhost");
	expect(ev, "auditd.record_types", "SYSCALL,CWD,PATH,PATH,PROCTITLE");
	expect(ev, "auditd.sequence", "50");
	expect(ev, "auditd.key", "audit-wazuh-w");
	expect(ev, "type", "SYSCALL");
	expect(ev, "process.executable", "/bin/touch");
	expect(ev, "process.name", "touch");
	expect(ev, "process.working_directory", "/var/log/audit");
	expect(ev, "process.title", "touch /var/log/audit/tmp_directory1/malware.py");
	/* the created item, not its PARENT directory; nametype=CREATE -> creation */
	expect(ev, "file.path", "/var/log/audit/tmp_directory1/malware.py");
	expect(ev, "event.category", "file");
	expect(ev, "event.type", "creation");
	expect(ev, "event.outcome", "success");
	expect_ts(ev, "2016-11-24T10:15:25.380000Z");
	/* the same without node=, and through vg_parse_feed: one event */
	ev = parse_ok(VG_FMT_AUTO, g_grouped + strlen("node=localhost "));
	expect(ev, "auditd.record_types", "SYSCALL,CWD,PATH,PATH,PROCTITLE");
	expect_unset(ev, "host.name");
	struct collected c = {0};
	feed(&c, VG_FMT_AUTO, g_grouped, 7);
	feed(&c, VG_FMT_AUTO,
	     "node=localhost type=EOE msg=audit(1479982525.380:50): ", 8);
	ck_assert_int_eq(c.n, 1);
	expect(c.ev[0], "auditd.record_types", "SYSCALL,CWD,PATH,PATH,PROCTITLE,EOE");
	/* " type=... msg=audit(...):" inside a quoted value does not start a record */
	ev =
	    parse_ok(VG_FMT_AUDITD, "type=USER_CMD msg=audit(1.5:7): pid=1 uid=0 "
	                            "msg='cmd=ls type=CWD msg=audit(1.5:7): x "
	                            "res=success' k=\"a type=PATH msg=audit(1.5:7): y\"");
	expect(ev, "auditd.record_types", "USER_CMD");
	expect(ev, "res", "success"); /* read inside msg='...' */
	expect(ev, "k", "a type=PATH msg=audit(1.5:7): y");
	/* nametype DELETE -> deletion; DELETE and CREATE (rename) -> change */
	ev = parse_ok(VG_FMT_AUDITD,
	              "type=SYSCALL msg=audit(5.0:9): syscall=87 success=yes comm=\"rm\" "
	              "exe=\"/bin/rm\" type=PATH msg=audit(5.0:9): item=0 name=\"/tmp/\" "
	              "nametype=PARENT type=PATH msg=audit(5.0:9): item=1 "
	              "name=\"/tmp/x\" nametype=DELETE");
	expect(ev, "event.type", "deletion");
	expect(ev, "file.path", "/tmp/x");
	ev = parse_ok(
	    VG_FMT_AUDITD,
	    "type=SYSCALL msg=audit(5.0:9): syscall=82 success=yes\n"
	    "type=PATH msg=audit(5.0:9): item=0 name=\"/tmp/a\" nametype=DELETE\n"
	    "type=PATH msg=audit(5.0:9): item=1 name=\"/tmp/b\" nametype=CREATE");
	expect(ev, "event.type", "change");
	ev = parse_ok(VG_FMT_AUDITD,
	              "type=SYSCALL msg=audit(5.0:9): syscall=2 success=yes "
	              "type=PATH msg=audit(5.0:9): item=0 name=\"/etc/x\" "
	              "nametype=NORMAL");
	expect(ev, "event.type", "info");
	/* every record of a line must share the stamp; each is checked */
	ck_assert_str_eq(parse_fail(VG_FMT_AUDITD, "type=A msg=audit(1.2:3): a=b "
	                                           "type=B msg=audit(1.2:4): c=d"),
	                 "auditd: record 2 belongs to another event (audit(1.2:4), not "
	                 "audit(1.2:3))");
	ck_assert_str_eq(parse_fail(VG_FMT_AUDITD,
	                            "type=A msg=audit(1.2:3): a=b\n"
	                            "node=n type=B msg=audit(1.2:3): c=\xc3"),
	                 "auditd: invalid UTF-8 at column 35 (record 2)");
	/* node= alone is not an audit record */
	ck_assert_str_eq(parse_fail(VG_FMT_AUDITD, "node=x"),
	                 "auditd: expected 'type=TYPE msg=audit(SECONDS.MS:SERIAL):'");
}
END_TEST

START_TEST(auditd_stream_grouping)
{
	struct collected c = {0};
	static const char eoe[] = "type=EOE msg=audit(1604996384.965:93777): ";
	/* one event in six records: a syscall event, open until its EOE */
	for (int i = 0; i < 6; i++)
		feed(&c, VG_FMT_AUDITD, g_dd[i], 100 + i);
	ck_assert_int_eq(c.n, 0);
	ck_assert_uint_eq(vg_parse_pending(g_ctx), 6);
	/* a record that is not auditd is a dead letter at once; the group waits */
	feed(&c, VG_FMT_AUDITD, "garbage\n", 106);
	ck_assert_int_eq(c.n, 1);
	ck_assert_ptr_null(c.ev[0]);
	ck_assert_str_eq(c.reason[0],
	                 "auditd: expected 'type=TYPE msg=audit(SECONDS.MS:SERIAL):'");
	ck_assert_int_eq(c.offset[0], 106);
	/* another event's record: the syscall event still waits for its EOE */
	feed(&c, VG_FMT_AUDITD, "type=CWD msg=audit(1604996385.000:93778): cwd=\"/\"",
	     107);
	ck_assert_int_eq(c.n, 1);
	ck_assert_uint_eq(vg_parse_pending(g_ctx), 7);
	ck_assert_int_eq(vg_parse_pending_source(g_ctx)->offset, 100);
	/* its EOE ends it at once; the other event, without a SYSCALL record, ends
	 * with the next record of another event (this EOE) */
	feed(&c, VG_FMT_AUDITD, eoe, 108);
	ck_assert_int_eq(c.n, 3);
	ck_assert_int_eq(c.offset[1], 107);
	expect(c.ev[1], "auditd.record_types", "CWD");
	ck_assert_ptr_nonnull(c.ev[2]);
	ck_assert_int_eq(c.offset[2], 100); /* the group's first record */
	ck_assert_int_eq(c.ev[2]->src.offset, 100);
	expect(c.ev[2], "process.command_line", "dd if=/dev/zero /tmp/a b/c count=1");
	ck_assert_uint_eq(c.ev[2]->raw.len, strlen(join(g_dd, 6)) + strlen(eoe));
	ck_assert_uint_eq(vg_parse_pending(g_ctx), 0);
	feed(&c, VG_FMT_AUDITD, "type=EOE msg=audit(1604996385.000:93778): ", 109);
	ck_assert_int_eq(c.n, 3);
	/* a lone EOE has nothing to end; an event without a SYSCALL record (a
	 * login) ends with the next event's record */
	feed(&c, VG_FMT_AUDITD, "type=EOE msg=audit(9.0:1): ", 110);
	ck_assert_int_eq(c.n, 3);
	feed(&c, VG_FMT_AUTO, "type=LOGIN msg=audit(9.0:2): pid=1 uid=0 res=1", 111);
	ck_assert_int_eq(c.n, 3);
	feed(&c, VG_FMT_AUTO, "type=USER_CMD msg=audit(9.0:3): pid=1 uid=0 res=1", 112);
	ck_assert_int_eq(c.n, 4);
	ck_assert_int_eq(c.offset[3], 111);
	/* flush emits what is pending */
	ck_assert_int_eq(vg_parse_flush(g_parser, g_ctx, 0, g_arena, collect, &c), VG_OK);
	ck_assert_int_eq(c.n, 5);
	ck_assert_int_eq(c.offset[4], 112);
	ck_assert_int_eq(vg_parse_flush(g_parser, g_ctx, 0, g_arena, collect, &c), VG_OK);
	ck_assert_int_eq(c.n, 5);
	/* other formats pass straight through */
	feed(&c, VG_FMT_AUTO, "{\"a\":1}", 113);
	ck_assert_int_eq(c.n, 6);
	ck_assert_ptr_nonnull(c.ev[5]);
	ck_assert_int_eq(c.ev[5]->src.offset, 113);
	feed(&c, VG_FMT_JSON, "{", 114);
	ck_assert_int_eq(c.n, 7);
	ck_assert_ptr_null(c.ev[6]);
}
END_TEST

/* The kernel interleaves the records of concurrent events: a syscall event's
 * records with another's between them still make one event (they made two: the
 * SYSCALL record's, without the command line, and the EXECVE's, without the
 * executable, user or key, and a rule needing both never matched).  A syscall
 * event whose EOE never comes ends VGP_AUDIT_WAIT (16) records of other events
 * after its last record; beyond 8 events open at once, the oldest ends. */
START_TEST(auditd_stream_interleaved)
{
	struct collected c = {0};
	feed(&c, VG_FMT_AUDITD,
	     "type=SYSCALL msg=audit(1604996384.965:100): arch=c000003e syscall=59 "
	     "success=yes exit=0 ppid=1 pid=2 auid=1000 uid=0 comm=\"nc\" "
	     "exe=\"/usr/bin/nc\" key=\"exec\"",
	     0);
	feed(&c, VG_FMT_AUDITD,
	     "type=SYSCALL msg=audit(1604996384.966:101): arch=c000003e syscall=2 "
	     "success=yes exit=3 ppid=1 pid=3 auid=1000 uid=0 comm=\"cat\" "
	     "exe=\"/usr/bin/cat\"",
	     1);
	feed(&c, VG_FMT_AUDITD,
	     "type=EXECVE msg=audit(1604996384.965:100): argc=3 a0=\"nc\" a1=\"-e\" "
	     "a2=\"/bin/sh\"",
	     2);
	ck_assert_int_eq(c.n, 0);
	feed(&c, VG_FMT_AUDITD, "type=EOE msg=audit(1604996384.965:100):", 3);
	ck_assert_int_eq(c.n, 1);
	ck_assert_int_eq(c.offset[0], 0);
	expect(c.ev[0], "process.command_line", "nc -e /bin/sh");
	expect(c.ev[0], "process.executable", "/usr/bin/nc");
	expect(c.ev[0], "process.pid", "2");
	expect(c.ev[0], "auditd.record_types", "SYSCALL,EXECVE,EOE");
	ck_assert_int_eq(vg_parse_pending_source(g_ctx)->offset, 1);
	/* 101 never gets its EOE: the 17th record of other events after its last
	 * (100's EXECVE and EOE, then 15 logins) ends it, before the login that
	 * began after it (each login ends the one before it) */
	char line[96];
	for (int i = 0; i < 17; i++) {
		snprintf(line, sizeof(line), "type=LOGIN msg=audit(9.0:%d): pid=1 res=1",
		         200 + i);
		feed(&c, VG_FMT_AUDITD, line, 4 + i);
	}
	ck_assert_int_eq(c.n, 1 + 16 + 1);
	for (int i = 1; i < 14; i++)
		ck_assert_int_eq(c.offset[i], 3 + i);
	ck_assert_int_eq(c.offset[14], 1);
	expect(c.ev[14], "process.executable", "/usr/bin/cat");
	for (int i = 15; i < 18; i++)
		ck_assert_int_eq(c.offset[i], 2 + i);
	ck_assert_uint_eq(vg_parse_pending(g_ctx), 1);
	ck_assert_int_eq(vg_parse_flush(g_parser, g_ctx, 0, g_arena, collect, &c), VG_OK);
	/* nine syscall events open at once: the oldest ends when the ninth begins */
	struct collected d = {0};
	for (int i = 0; i < 9; i++) {
		snprintf(line, sizeof(line),
		         "type=SYSCALL msg=audit(7.0:%d): syscall=2 success=yes pid=%d",
		         300 + i, i);
		feed(&d, VG_FMT_AUDITD, line, 100 + i);
	}
	ck_assert_int_eq(d.n, 1);
	ck_assert_int_eq(d.offset[0], 100);
	ck_assert_uint_eq(vg_parse_pending(g_ctx), 8);
	ck_assert_int_eq(vg_parse_pending_source(g_ctx)->offset, 101);
	ck_assert_int_eq(vg_parse_flush(g_parser, g_ctx, 0, g_arena, collect, &d), VG_OK);
	ck_assert_int_eq(d.n, 9);
	for (int i = 1; i < 9; i++) /* in the order they began */
		ck_assert_int_eq(d.offset[i], 100 + i);
}
END_TEST

START_TEST(auditd_stream_bounds)
{
	struct collected c = {0};
	char line[128];
	/* VG_AUDIT_GROUP_MAX records of one serial make one event; the rest another */
	for (int i = 0; i < VG_AUDIT_GROUP_MAX + 3; i++) {
		snprintf(line, sizeof(line),
		         "type=PATH msg=audit(5.0:42): item=%d name=\"/f%d\"", i, i);
		feed(&c, VG_FMT_AUDITD, line, i);
	}
	ck_assert_int_eq(c.n, 1);
	ck_assert_int_eq(c.offset[0], 0);
	ck_assert_uint_eq(vg_parse_pending(g_ctx), 3);
	ck_assert_int_eq(vg_parse_flush(g_parser, g_ctx, 0, g_arena, collect, &c), VG_OK);
	ck_assert_int_eq(c.n, 2);
	ck_assert_int_eq(c.offset[1], VG_AUDIT_GROUP_MAX);
	expect(c.ev[1], "file.path", "/f128");
}
END_TEST

/* ------------------------------------------------------------ Windows, osquery */

START_TEST(windows_shapes)
{
	/* evtx rendering, Sysmon 1 */
	struct vg_event *ev = parse_ok(
	    VG_FMT_JSON,
	    "{\"Event\":{\"System\":{\"Provider\":{\"Name\":\"Microsoft-Windows-Sysmon\"}"
	    ","
	    "\"EventID\":1,\"TimeCreated\":{\"SystemTime\":\"2019-03-19T02:01:47.123Z\"},"
	    "\"Channel\":\"Microsoft-Windows-Sysmon/Operational\",\"Computer\":\"ws1\"},"
	    "\"EventData\":{\"Image\":\"C:\\\\Windows\\\\cmd.exe\",\"CommandLine\":"
	    "\"cmd /c "
	    "whoami\",\"User\":\"CORP\\\\bob\",\"Hashes\":\"MD5=42893ADBC36605EC7"
	    "9B5BD610759947E,SHA256=1A061C74619DE6AF8C02CBA0FA00754BDD9E3515C0E08CAD63"
	    "50C7ADFC8CDD5B,IMPHASH=40BEC1A4A3BCB7D3089B5E1532386613\"}}}");
	/* the SHA-256 of Hashes, lowercase (a hash entity links the binary's hosts) */
	expect(ev, "process.hash.sha256",
	       "1a061c74619de6af8c02cba0fa00754bdd9e3515c0e08cad6350c7adfc8cdd5b");
	expect_unset(ev, "file.hash.sha256");
	expect(ev, "event.module", "windows");
	expect(ev, "event.dataset", "sysmon");
	expect(ev, "event.code", "1");
	expect(ev, "event.category", "process");
	expect(ev, "event.type", "start");
	expect(ev, "host.name", "ws1");
	expect(ev, "process.executable", "C:\\Windows\\cmd.exe");
	expect(ev, "Event.EventData.Image", "C:\\Windows\\cmd.exe");
	expect(ev, "event.provider", "Microsoft-Windows-Sysmon"); /* Provider_Name */
	expect_ts(ev, "2019-03-19T02:01:47.123000Z");

	/* flat NXLog / Mordor: Security 4625 */
	ev = parse_ok(VG_FMT_JSON,
	              "{\"TimeCreated\":\"2020-10-18 10:56:18.799\",\"SourceName\":"
	              "\"Microsoft-Windows-Security-Auditing\",\"EventID\":4625,"
	              "\"Channel\":\"Security\",\"Hostname\":\"WORKSTATION5\","
	              "\"TargetUserName\":\"admin\",\"IpAddress\":\"10.0.0.9\"}");
	expect(ev, "event.dataset", "security");
	expect(ev, "event.category", "authentication");
	expect(ev, "event.outcome", "failure");
	/* TargetUserName is the account acted upon, never the acting user */
	expect(ev, "user.target.name", "admin");
	expect_unset(ev, "user.name");
	expect(ev, "source.ip", "10.0.0.9");
	expect(ev, "host.name", "WORKSTATION5");
	expect_ts(ev, "2020-10-18T10:56:18.799000Z");

	/* Winlogbeat: Sysmon 3 */
	ev = parse_ok(VG_FMT_JSON,
	              "{\"@timestamp\":\"2021-01-01T00:00:00Z\",\"winlog\":{\"channel\":"
	              "\"Microsoft-Windows-Sysmon/Operational\",\"event_id\":3,"
	              "\"computer_name\":\"dc1\",\"provider_name\":"
	              "\"Microsoft-Windows-Sysmon\",\"event_data\":{\"DestinationIp\":"
	              "\"8.8.8.8\",\"DestinationPort\":\"53\",\"Image\":\"x.exe\"}}}");
	expect(ev, "event.dataset", "sysmon");
	expect(ev, "event.category", "network");
	expect(ev, "destination.ip", "8.8.8.8");
	expect(ev, "host.name", "dc1");
	expect(ev, "winlog.event_data.Image", "x.exe");
	expect_unset(ev, "process.hash.sha256");

	/* Winlogbeat: Sysmon 7, an image loaded: the DLL's hash is the file's */
	ev = parse_ok(VG_FMT_JSON,
	              "{\"winlog\":{\"channel\":\"Microsoft-Windows-Sysmon/Operational\","
	              "\"event_id\":7,\"event_data\":{\"ImageLoaded\":\"C:\\\\x.dll\","
	              "\"Hashes\":\"SHA256=AB00000000000000000000000000000000000000000000"
	              "000000000000000001\"}}}");
	expect(ev, "file.hash.sha256",
	       "ab00000000000000000000000000000000000000000000000000000000000001");
	expect_unset(ev, "process.hash.sha256");
	/* no SHA-256 among the algorithms, or a malformed one: nothing */
	ev = parse_ok(VG_FMT_JSON, "{\"EventID\":1,\"Channel\":"
	                           "\"Microsoft-Windows-Sysmon/Operational\","
	                           "\"Hashes\":\"MD5=42893ADBC36605EC79B5BD610759947E,"
	                           "XSHA256=AB,SHA256=12345\"}");
	expect_unset(ev, "process.hash.sha256");
	/* every ASCII byte, and one non-ASCII, at each of the 8 places of a word */
	for (int c = 1; c < 129; c++) {
		for (int at = 0; at < 8; at++) {
			char line[512], want[65], esc[16];
			memset(want, 'a', 64);
			want[64] = '\0';
			char digits[65];
			memcpy(digits, want, 65);
			digits[8 + at] = '#'; /* placeholder for the byte */
			if (c == 128)
				snprintf(esc, sizeof(esc),
				         "\\u00e9"); /* two bytes, >= 0x80 */
			else
				snprintf(esc, sizeof(esc), "\\u%04x", c);
			snprintf(line, sizeof(line),
			         "{\"EventID\":1,\"Channel\":\"Microsoft-Windows-Sysmon/"
			         "Operational\",\"Hashes\":\"SHA256=%.*s%s%s\"}",
			         8 + at, digits, esc, digits + 9 + at);
			bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			           (c >= 'A' && c <= 'F');
			ev = parse_ok(VG_FMT_JSON, line);
			if (!hex || c == 128) {
				expect_unset(ev, "process.hash.sha256");
				continue;
			}
			want[8 + at] = (char)(c | 0x20);
			expect(ev, "process.hash.sha256", want);
		}
	}

	/* Wazuh's win.system / win.eventdata: Sysmon 11 */
	ev = parse_ok(
	    VG_FMT_JSON,
	    "{\"win\":{\"system\":{\"providerName\":\"Microsoft-Windows-Sysmon\","
	    "\"eventID\":\"11\",\"computer\":\"ws2\",\"channel\":"
	    "\"Microsoft-Windows-Sysmon/Operational\",\"systemTime\":"
	    "\"2021-02-03T04:05:06.000Z\"},\"eventdata\":{\"image\":\"a.exe\","
	    "\"targetFilename\":\"C:\\\\t\\\\x.dll\"}}}");
	expect(ev, "event.dataset", "sysmon");
	expect(ev, "event.category", "file");
	expect(ev, "event.type", "creation");
	expect(ev, "file.path", "C:\\t\\x.dll");
	expect(ev, "process.executable", "a.exe");
	expect(ev, "host.name", "ws2");
	expect_ts(ev, "2021-02-03T04:05:06.000000Z");

	/* OriginalFileName (Sigma's name) and Wazuh's originalFileName both set
	 * process.pe.original_file_name */
	ev = parse_ok(
	    VG_FMT_JSON,
	    "{\"win\":{\"system\":{\"providerName\":\"Microsoft-Windows-Sysmon\","
	    "\"eventID\":\"1\"},\"eventdata\":{\"originalFileName\":"
	    "\"CertUtil.exe\",\"image\":\"C:\\\\Windows\\\\cert.exe\"}}}");
	expect(ev, "process.pe.original_file_name", "CertUtil.exe");
	expect(ev, "win.eventdata.originalFileName", "CertUtil.exe");
	ev = parse_ok(VG_FMT_JSON, "{\"EventID\":1,\"Channel\":"
	                           "\"Microsoft-Windows-Sysmon/Operational\","
	                           "\"OriginalFileName\":\"PowerShell.EXE\"}");
	expect(ev, "process.pe.original_file_name", "PowerShell.EXE");
	expect(ev, "OriginalFileName", "PowerShell.EXE");

	/* Security 4688: the new process is NewProcessId, its creator ProcessId (the
	 * parent); System.Execution.ProcessID is the logging process */
	ev = parse_ok(
	    VG_FMT_JSON,
	    "{\"Event\":{\"System\":{\"Provider\":{\"Name\":"
	    "\"Microsoft-Windows-Security-Auditing\"},\"EventID\":4688,\"Channel\":"
	    "\"Security\",\"Execution\":{\"ProcessID\":4}},\"EventData\":{"
	    "\"ProcessId\":\"0x3e8\",\"NewProcessId\":\"0x1a2c\",\"NewProcessName\":"
	    "\"C:\\\\Windows\\\\cmd.exe\",\"ParentProcessName\":"
	    "\"C:\\\\Windows\\\\explorer.exe\"}}}");
	expect(ev, "event.category", "process");
	expect(ev, "process.executable", "C:\\Windows\\cmd.exe");
	expect(ev, "process.pid", "6700"); /* 0x1a2c: decimal, as Sysmon writes it */
	expect(ev, "process.parent.executable", "C:\\Windows\\explorer.exe");
	expect(ev, "process.parent.pid", "1000");
	expect(ev, "NewProcessId", "0x1a2c"); /* the vendor field as written */
	/* Wazuh's rendering of the same */
	ev = parse_ok(VG_FMT_JSON,
	              "{\"win\":{\"system\":{\"providerName\":"
	              "\"Microsoft-Windows-Security-Auditing\",\"eventID\":\"4688\","
	              "\"channel\":\"Security\"},\"eventdata\":{\"processId\":\"0x3e8\","
	              "\"newProcessId\":\"0x1a2c\"}}}");
	expect(ev, "process.pid", "6700");
	expect(ev, "process.parent.pid", "1000");
	/* elsewhere ProcessId is the process itself (4624: the one that logged on),
	 * before the logging process's System.Execution.ProcessID */
	ev = parse_ok(VG_FMT_JSON,
	              "{\"Event\":{\"System\":{\"EventID\":4624,\"Channel\":"
	              "\"Security\",\"Execution\":{\"ProcessID\":640}},\"EventData\":{"
	              "\"ProcessId\":\"0x26c\"}}}");
	expect(ev, "process.pid", "620");
	expect_unset(ev, "process.parent.pid");
	/* hex beyond what 64 bits hold, or not hex: as written */
	ev = parse_ok(VG_FMT_JSON, "{\"EventID\":4624,\"Channel\":\"Security\","
	                           "\"ProcessId\":\"0x12345678901234567\"}");
	expect(ev, "process.pid", "0x12345678901234567");
	ev = parse_ok(VG_FMT_JSON, "{\"EventID\":4624,\"Channel\":\"Security\","
	                           "\"ProcessId\":\"0x12g\"}");
	expect(ev, "process.pid", "0x12g");
	ev = parse_ok(VG_FMT_JSON, "{\"EventID\":4624,\"Channel\":\"Security\","
	                           "\"ProcessId\":\"0xFFFFFFFFFFFFFFFF\"}");
	expect(ev, "process.pid", "18446744073709551615");
	ev = parse_ok(VG_FMT_JSON, "{\"Event\":{\"System\":{\"EventID\":7045,\"Channel\":"
	                           "\"System\",\"Execution\":{\"ProcessID\":0}}}}");
	expect(ev, "process.pid", "0");
}
END_TEST

/* Wazuh's escaping of win.eventdata values, as JSON text: one Windows '\' is "\\" in
 * Wazuh's value and so "\\\\" in the record (WZ_BS), one '"' is "\"" in the value
 * and "\\\"" in the record (WZ_Q). */
#define WZ_BS "\\\\\\\\"
#define WZ_Q  "\\\\\\\""
#define WZ_SYSMON1                                                                       \
	"\"system\":{\"providerName\":\"Microsoft-Windows-Sysmon\",\"eventID\":\"1\","   \
	"\"channel\":\"Microsoft-Windows-Sysmon/Operational\",\"computer\":\"ws3\"}"

/* Windows data names by their short names: Defender's spaced names without their
 * spaces (Sigma's windefend rules say ThreatName, SourceName), and the fields of the
 * element UserData wraps its data in (WMI-Activity 5858, Security 1102).  The
 * rules' field names are interned first, as loading them would. */
START_TEST(windows_short_names)
{
	static const char *const names[] = {"ThreatName", "SourceName", "Operation",
	                                    "SubjectUserSid"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		ck_assert_int_ne(vg_field_intern(names[i], strlen(names[i])),
		                 VG_FIELD_NONE);
	struct vg_event *ev = parse_ok(
	    VG_FMT_JSON,
	    "{\"Event\":{\"System\":{\"Provider\":{\"#attributes\":{\"Name\":"
	    "\"Microsoft-Windows-Windows "
	    "Defender\"}},\"EventID\":1119,\"Computer\":\"ws2\"},"
	    "\"EventData\":{\"Source Name\":\"Real-Time Protection\",\"Threat Name\":"
	    "\"Tool:Win32/EICAR_Test_File\",\"Detection User\":\"ws2\\\\bob\"}}}");
	/* a vendor key set to null sets its ECS field to null while nothing sets
	 * it (CommandLine|exists reads process.command_line: it was unset), and a
	 * value there still wins over the null */
	ev = parse_ok(VG_FMT_JSON, "{\"EventID\":1,\"Channel\":\"Microsoft-Windows-"
	                           "Sysmon/Operational\",\"CommandLine\":null}");
	const struct vg_value *cl = vg_event_get(
	    ev, vg_field_intern("process.command_line", strlen("process.command_line")));
	ck_assert(cl && cl->kind == VG_VK_NULL);
	ev = parse_ok(VG_FMT_JSON, "{\"EventID\":1,\"Channel\":\"Microsoft-Windows-"
	                           "Sysmon/Operational\",\"CommandLine\":null,"
	                           "\"process\":{\"command_line\":\"real\"}}");
	expect(ev, "process.command_line", "real");
	ev = parse_ok(VG_FMT_JSON, "{\"process\":{\"command_line\":\"real\"},"
	                           "\"CommandLine\":null}");
	expect(ev, "process.command_line", "real");
	/* nor over a fallback of the record's shape: a Wazuh alert's agent.name
	 * for host.name, data.srcuser for user.name */
	ev = parse_ok(VG_FMT_JSON,
	              "{\"timestamp\":\"2024-01-01T00:00:00.000+0000\",\"rule\":{"
	              "\"level\":5,\"description\":\"x\",\"id\":\"1\"},\"agent\":{"
	              "\"id\":\"001\",\"name\":\"web01\"},\"manager\":{\"name\":"
	              "\"m\"},\"data\":{\"hostname\":null,\"username\":null,"
	              "\"srcuser\":\"violet\"},\"location\":\"x\",\"decoder\":{"
	              "\"name\":\"d\"}}");
	expect(ev, "host.name", "web01");
	expect(ev, "user.name", "violet");
	ev = parse_ok(
	    VG_FMT_JSON,
	    "{\"Event\":{\"System\":{\"Provider\":{\"#attributes\":{\"Name\":"
	    "\"Microsoft-Windows-Windows "
	    "Defender\"}},\"EventID\":1119,\"Computer\":\"ws2\"},"
	    "\"EventData\":{\"Source Name\":\"Real-Time Protection\",\"Threat Name\":"
	    "\"Tool:Win32/EICAR_Test_File\",\"Detection User\":\"ws2\\\\bob\"}}}");
	expect(ev, "SourceName", "Real-Time Protection");
	expect(ev, "ThreatName", "Tool:Win32/EICAR_Test_File");
	expect(ev, "Event.EventData.Source Name", "Real-Time Protection");
	expect(ev, "event.provider", "Microsoft-Windows-Windows Defender");
	expect_unset(ev, "DetectionUser"); /* not registered: only its own name */
	expect(ev, "Event.EventData.Detection User", "ws2\\bob");

	ev = parse_ok(
	    VG_FMT_JSON,
	    "{\"Event\":{\"System\":{\"EventID\":5858,\"Channel\":"
	    "\"Microsoft-Windows-WMI-Activity/Operational\"},\"UserData\":{"
	    "\"Operation_ClientFailure\":{\"Operation\":\"Start "
	    "IWbemServices::ExecMethod - Win32_NTEventlogFile::cleareventlog\"}}}}");
	expect(ev, "Operation",
	       "Start IWbemServices::ExecMethod - Win32_NTEventlogFile::cleareventlog");
	ev = parse_ok(
	    VG_FMT_JSON,
	    "{\"Event\":{\"System\":{\"EventID\":1102,\"Channel\":\"Security\"},"
	    "\"UserData\":{\"LogFileCleared\":{\"SubjectUserSid\":\"S-1-5-21-1\","
	    "\"SubjectUserName\":\"alice\"}}}}");
	expect(ev, "SubjectUserSid", "S-1-5-21-1");
	expect(ev, "user.name", "alice");
	/* EventData as a list of named values (xmltodict-style renderings); unnamed
	 * values stay in the list */
	ev =
	    parse_ok(VG_FMT_JSON,
	             "{\"Event\":{\"System\":{\"EventID\":4720,\"Channel\":\"Security\"},"
	             "\"EventData\":{\"Data\":[{\"@Name\":\"SubjectUserName\",\"#text\":"
	             "\"admin\"},\"unnamed\",{\"Name\":\"TargetUserName\",\"Value\":"
	             "\"evil$\"},{\"@Name\":\"ThreatName\",\"#text\":\"a\\\\b\"},"
	             "{\"@Name\":\"Operation\",\"#text\":42},{\"@Name\":\"x.y\","
	             "\"#text\":\"dotted\"}]}}}");
	expect(ev, "user.name", "admin");
	expect(ev, "user.target.name", "evil$");
	expect(ev, "Event.EventData.TargetUserName", "evil$");
	expect(ev, "ThreatName", "a\\b"); /* decoded */
	expect(ev, "Operation", "42");
	expect_unset(ev, "Event.EventData.x.y"); /* a name is one component */
	/* a string that reads like such a list is a string */
	ev = parse_ok(VG_FMT_JSON,
	              "{\"Event\":{\"System\":{\"EventID\":1000,\"Channel\":"
	              "\"Application\"},\"EventData\":{\"Data\":\"[{\\\"@Name\\\":"
	              "\\\"ThreatName\\\",\\\"#text\\\":\\\"x\\\"}]\"}}}");
	expect_unset(ev, "ThreatName");
	ev = parse_ok(VG_FMT_JSON, "{\"Event\":{\"EventData\":{\"Data\":\"[{}]\"}}}");
	expect(ev, "Event.EventData.Data", "[{}]");
	/* deeper than the wrapper: no short name */
	ev =
	    parse_ok(VG_FMT_JSON, "{\"Event\":{\"UserData\":{\"W\":{\"X\":{\"Operation\":"
	                          "\"deep\"}}}}}");
	expect_unset(ev, "Operation");
	/* a key repeated in the record: its last value, for the vendor field and
	 * the ECS field it gives alike (the ECS field kept the first: a rule on
	 * Image and one on process.executable saw two processes, a rule on
	 * EventID 3 matched an event classified as a process start) */
	ev = parse_ok(
	    VG_FMT_JSON,
	    "{\"@timestamp\":\"2024-01-01T00:00:00Z\",\"Image\":\"a\",\"Image\":\"b\"}");
	expect(ev, "Image", "b");
	expect(ev, "process.executable", "b");
	ev = parse_ok(VG_FMT_JSON,
	              "{\"EventID\":1,\"EventID\":3,\"Channel\":\"Microsoft-Windows-"
	              "Sysmon/Operational\",\"UtcTime\":\"2024-01-01 00:00:00.000\"}");
	expect(ev, "EventID", "3");
	expect(ev, "event.code", "3");
	expect(ev, "event.category", "network");
}
END_TEST

/* An element with attributes and text, as evtx_dump ("#attributes") and xmltodict
 * ("@Qualifiers") write it: its "#text" is the element's value, so EventID 7045 is
 * event.code and EventID as when the element has no attributes; the converter's
 * own paths stay. */
START_TEST(windows_element_text)
{
	static const char *const recs[] = {
	    "{\"Event\":{\"#attributes\":{\"xmlns\":\"http://schemas.microsoft.com/win/"
	    "2004/08/events/event\"},\"System\":{\"Provider\":{\"#attributes\":{\"Name\":"
	    "\"Service Control Manager\"}},\"EventID\":{\"#attributes\":{\"Qualifiers\":"
	    "16384},\"#text\":7045},\"TimeCreated\":{\"#attributes\":{\"SystemTime\":"
	    "\"2019-03-19T23:34:25.522630Z\"}},\"Channel\":\"System\",\"Computer\":"
	    "\"WS1\"},\"EventData\":{\"ServiceName\":\"evil\",\"ImagePath\":"
	    "\"c:\\\\evil.exe\"}}}",
	    "{\"Event\":{\"System\":{\"Provider\":{\"@Name\":\"Service Control "
	    "Manager\"},\"EventID\":{\"@Qualifiers\":\"16384\",\"#text\":\"7045\"},"
	    "\"TimeCreated\":{\"@SystemTime\":\"2019-03-19T23:34:25.522630Z\"},"
	    "\"Channel\":\"System\",\"Computer\":\"WS1\"},\"EventData\":{\"ServiceName\":"
	    "\"evil\",\"ImagePath\":\"c:\\\\evil.exe\"}}}",
	};
	for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++) {
		struct vg_event *ev = parse_ok(VG_FMT_JSON, recs[i]);
		expect(ev, "event.code", "7045");
		expect(ev, "EventID", "7045");
		expect(ev, "Event.System.EventID", "7045");
		expect(ev, "Event.System.EventID.#text", "7045");
		expect(ev, "event.dataset", "system");
		expect(ev, "Event.EventData.ServiceName", "evil");
		expect_ts(ev, "2019-03-19T23:34:25.522630Z");
	}
	expect(parse_ok(VG_FMT_JSON, recs[0]),
	       "Event.System.EventID.#attributes.Qualifiers", "16384");
	/* any element written so: its text under the element's path and short name */
	struct vg_event *ev =
	    parse_ok(VG_FMT_JSON,
	             "{\"Event\":{\"System\":{\"EventID\":1,\"Channel\":\"Security\"},"
	             "\"EventData\":{\"TargetUserName\":{\"#attributes\":{\"x\":1},"
	             "\"#text\":\"bob\"}}}}");
	expect(ev, "user.target.name", "bob");
	expect(ev, "Event.EventData.TargetUserName", "bob");
	/* a top-level "#text" has no element */
	ev = parse_ok(VG_FMT_JSON, "{\"#text\":\"t\"}");
	expect(ev, "#text", "t");
}
END_TEST

/* Each event log channel gives the dataset of the Sigma service reading it, so a
 * rule for one log (service: application) never runs on another's events: any
 * System event (not only 7045), Defender's and PowerShell's logs, the classic
 * "Windows PowerShell" log apart from the Operational one, channel names in any
 * case; the provider decides when the channel is unknown or missing. */
START_TEST(windows_channels_name_datasets)
{
	static const char *const cases[][3] = {
	    {"System", "104", "system"},
	    {"System", "7045", "system"},
	    {"Application", "1000", "application"},
	    {"Microsoft-Windows-Windows Defender/Operational", "1116", "windefend"},
	    {"microsoft-windows-windows defender/operational", "1116", "windefend"},
	    {"Microsoft-Windows-PowerShell/Operational", "4104", "powershell"},
	    {"PowerShellCore/Operational", "4104", "powershell"},
	    {"Windows PowerShell", "400", "powershell-classic"},
	    {"Microsoft-Windows-TaskScheduler/Operational", "106", "taskscheduler"},
	    {"Microsoft-Windows-AppLocker/EXE and DLL", "8004", "applocker"},
	    {"Microsoft-Windows-DNS Client Events/Operational", "3008", "dns-client"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char line[512];
		snprintf(line, sizeof(line),
		         "{\"Event\":{\"System\":{\"EventID\":%s,\"Channel\":\"%s\","
		         "\"Computer\":\"ws1\"}}}",
		         cases[i][1], cases[i][0]);
		struct vg_event *ev = parse_ok(VG_FMT_JSON, line);
		expect(ev, "event.dataset", cases[i][2]);
		expect(ev, "event.module", "windows");
	}
	/* only the System log's 7045 is categorized (Security's table is not its) */
	struct vg_event *ev =
	    parse_ok(VG_FMT_JSON, "{\"Event\":{\"System\":{\"EventID\":4624,\"Channel\":"
	                          "\"System\"}}}");
	expect(ev, "event.dataset", "system");
	expect_unset(ev, "event.category");
	ev = parse_ok(VG_FMT_JSON, "{\"Event\":{\"System\":{\"EventID\":7045,\"Channel\":"
	                           "\"System\"}}}");
	expect(ev, "event.category", "configuration");
	/* a channel Vigil does not know: the provider, else no dataset */
	ev = parse_ok(VG_FMT_JSON,
	              "{\"Event\":{\"System\":{\"Provider\":{\"Name\":"
	              "\"Microsoft-Windows-Security-Auditing\"},\"EventID\":4624,"
	              "\"Channel\":\"ForwardedEvents\"}}}");
	expect(ev, "event.dataset", "security");
	ev = parse_ok(VG_FMT_JSON, "{\"Event\":{\"System\":{\"EventID\":1,\"Channel\":"
	                           "\"Some-Vendor/Operational\"}}}");
	expect_unset(ev, "event.dataset");
	expect(ev, "event.module", "windows");
}
END_TEST

START_TEST(wazuh_doubled_backslashes)
{
	/* the agent's event (Wazuh's ruleset tests): win.* at the top */
	struct vg_event *ev = parse_ok(
	    VG_FMT_JSON,
	    "{\"win\":{" WZ_SYSMON1 ",\"eventdata\":{\"image\":\"C:" WZ_BS "Windows" WZ_BS
	    "System32" WZ_BS "cmd.exe\",\"commandLine\":\"" WZ_Q "C:" WZ_BS
	    "Windows" WZ_BS "System32" WZ_BS "cmd.exe" WZ_Q
	    " /c whoami\",\"user\":\"CORP" WZ_BS "bob\","
	    "\"parentImage\":\"" WZ_BS WZ_BS "fs01" WZ_BS "tools$" WZ_BS "run.exe\"}}}");
	expect(ev, "event.dataset", "sysmon");
	expect(ev, "process.executable", "C:\\Windows\\System32\\cmd.exe");
	expect(ev, "win.eventdata.image", "C:\\Windows\\System32\\cmd.exe");
	expect(ev, "process.command_line",
	       "\"C:\\Windows\\System32\\cmd.exe\" /c whoami");
	expect(ev, "win.eventdata.user", "CORP\\bob");
	/* a UNC path keeps its two leading backslashes */
	expect(ev, "process.parent.executable", "\\\\fs01\\tools$\\run.exe");

	/* a Wazuh alert: the same event under data.win */
	ev = parse_ok(
	    VG_FMT_JSON,
	    "{\"timestamp\":\"2021-04-28T20:11:56.123+0000\",\"rule\":{\"level\":4,"
	    "\"id\":\"92000\",\"description\":\"Sysmon - Event 1\"},\"agent\":{"
	    "\"name\":\"ws3\"},\"data\":{\"win\":{" WZ_SYSMON1 ",\"eventdata\":{"
	    "\"image\":\"C:" WZ_BS "Windows" WZ_BS "System32" WZ_BS "cmd.exe\","
	    "\"currentDirectory\":\"C:" WZ_BS "Users" WZ_BS "bob" WZ_BS "\"}}}}");
	expect(ev, "event.dataset", "wazuh.alerts");
	expect(ev, "process.executable", "C:\\Windows\\System32\\cmd.exe");
	expect(ev, "data.win.eventdata.image", "C:\\Windows\\System32\\cmd.exe");
	expect(ev, "process.working_directory", "C:\\Users\\bob\\");

	/* SigmaHQ's "Script Interpreter Execution From Suspicious Folder" wants
	 * CommandLine|contains ':\Users\Public\' (checked with `vigil detect -r
	 * sigma/rules/windows/process_creation` on this record: it matches now; with
	 * the doubled value it did not, and "System File Execution Location Anomaly"
	 * fired instead, its C:\Windows\System32\ filter failing) */
	ev = parse_ok(
	    VG_FMT_JSON,
	    "{\"win\":{" WZ_SYSMON1 ",\"eventdata\":{\"image\":\"C:" WZ_BS "Windows" WZ_BS
	    "System32" WZ_BS "wscript.exe\",\"commandLine\":\"" WZ_Q "C:" WZ_BS
	    "Windows" WZ_BS "System32" WZ_BS "wscript.exe" WZ_Q " C:" WZ_BS "Users" WZ_BS
	    "Public" WZ_BS "update.vbs\",\"parentImage\":\"C:" WZ_BS "Windows" WZ_BS
	    "explorer.exe\",\"originalFileName\":\"wscript.exe\"}}}");
	expect(ev, "event.category", "process");
	expect(ev, "process.command_line",
	       "\"C:\\Windows\\System32\\wscript.exe\" C:\\Users\\Public\\update.vbs");
	expect(ev, "process.parent.executable", "C:\\Windows\\explorer.exe");
}
END_TEST

/* Values Wazuh did not escape, and paths outside win.eventdata, stay as they are. */
START_TEST(wazuh_unescaped_values_kept)
{
	/* a UNC path Wazuh did not double: "\t" and "\r" are no doubled separators, so
	 * it is not turned into a tab and a carriage return */
	struct vg_event *ev =
	    parse_ok(VG_FMT_JSON,
	             "{\"win\":{" WZ_SYSMON1 ",\"eventdata\":{\"image\":"
	             "\"\\\\\\\\fs01\\\\tools\\\\run.exe\",\"commandLine\":"
	             "\"\\\"C:\\\\\\\\x\\\" y\",\"parentImage\":\"C:\\\\\\\\q\\\\/r\","
	             "\"scriptBlockText\":\"C:" WZ_BS "new\\\\nline\","
	             "\"user\":\"a\\\\\"}}}");
	expect(ev, "process.executable", "\\\\fs01\\tools\\run.exe");
	/* a bare '"' (cJSON escapes every one) */
	expect(ev, "process.command_line", "\"C:\\\\x\" y");
	/* "\/": no doubled separator */
	expect(ev, "process.parent.executable", "C:\\\\q\\/r");
	/* a control byte cJSON escaped ("\n") cannot be told from an undoubled "\new" */
	expect(ev, "win.eventdata.scriptBlockText", "C:\\\\new\\nline");
	/* a trailing lone backslash */
	expect(ev, "win.eventdata.user", "a\\");

	/* only win.eventdata: Wazuh's own message, evtx and Winlogbeat shapes keep
	 * doubled backslashes (there they are what the source wrote) */
	ev = parse_ok(VG_FMT_JSON, "{\"win\":{\"system\":{\"providerName\":"
	                           "\"Microsoft-Windows-Sysmon\",\"eventID\":\"1\","
	                           "\"message\":\"Image: C:" WZ_BS "x\"}}}");
	expect(ev, "win.system.message", "Image: C:\\\\x");
	ev = parse_ok(VG_FMT_JSON,
	              "{\"Event\":{\"System\":{\"Provider\":{\"Name\":"
	              "\"Microsoft-Windows-Sysmon\"},\"EventID\":1},\"EventData\":{"
	              "\"Image\":\"C:" WZ_BS "Windows" WZ_BS "cmd.exe\"}}}");
	expect(ev, "process.executable", "C:\\\\Windows\\\\cmd.exe");
	ev =
	    parse_ok(VG_FMT_JSON, "{\"winlog\":{\"channel\":\"Security\",\"event_data\":{"
	                          "\"NewProcessName\":\"C:" WZ_BS "a.exe\"}}}");
	expect(ev, "process.executable", "C:\\\\a.exe");
}
END_TEST

START_TEST(osquery_results)
{
	struct vg_event *ev = parse_ok(
	    VG_FMT_JSON,
	    "{\"name\":\"pack_processes\",\"hostIdentifier\":\"host7\",\"calendarTime\":"
	    "\"Tue Sep 30 17:37:30 2014 UTC\",\"unixTime\":1412123850,\"columns\":{"
	    "\"cmdline\":\"/usr/bin/nc -l "
	    "4444\",\"pid\":\"123\",\"path\":\"/usr/bin/nc\"},"
	    "\"action\":\"added\"}");
	expect(ev, "event.module", "osquery");
	expect(ev, "event.dataset", "osquery.result");
	expect(ev, "osquery.name", "pack_processes");
	expect(ev, "osquery.action", "added");
	expect(ev, "event.type", "creation");
	expect(ev, "host.name", "host7");
	expect(ev, "process.command_line", "/usr/bin/nc -l 4444");
	expect(ev, "columns.path", "/usr/bin/nc");
	expect_ts(ev, "2014-10-01T00:37:30.000000Z");
	/* unixTime: seconds, as text too, before 1970 with a '-', with a fraction;
	 * anything else is a time that cannot be read: a dead letter */
	static const struct {
		const char *t, *want;
	} times[] = {
	    {"\"1484078931\"", "2017-01-10T20:08:51.000000Z"},
	    {"-15", "1969-12-31T23:59:45.000000Z"},
	    {"1484078931.5", "2017-01-10T20:08:51.500000Z"},
	    {"-1.25", "1969-12-31T23:59:58.750000Z"},
	};
	char rec[256];
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		snprintf(rec, sizeof(rec),
		         "{\"name\":\"q\",\"hostIdentifier\":\"h\",\"unixTime\":%s,"
		         "\"action\":\"added\"}",
		         times[i].t);
		expect_ts(parse_ok(VG_FMT_JSON, rec), times[i].want);
	}
	/* a snapshot lists the rows there are: no creation; an unknown action says
	 * nothing */
	ev = parse_ok(VG_FMT_JSON,
	              "{\"name\":\"q\",\"hostIdentifier\":\"h\",\"unixTime\":1,"
	              "\"snapshot\":[{\"pid\":\"1\"}],\"action\":\"snapshot\"}");
	expect(ev, "osquery.action", "snapshot");
	expect(ev, "event.type", "info");
	ev = parse_ok(VG_FMT_JSON,
	              "{\"name\":\"q\",\"hostIdentifier\":\"h\",\"unixTime\":1,"
	              "\"columns\":{},\"action\":\"removed\"}");
	expect(ev, "event.type", "deletion");
	ev = parse_ok(VG_FMT_JSON,
	              "{\"name\":\"q\",\"hostIdentifier\":\"h\",\"unixTime\":1,"
	              "\"columns\":{},\"action\":\"other\"}");
	expect_unset(ev, "event.type");
	static const char *const bad[] = {"\"12x\"", "1e5", "1234567890123", "\"-\""};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(rec, sizeof(rec),
		         "{\"name\":\"q\",\"hostIdentifier\":\"h\",\"unixTime\":%s}",
		         bad[i]);
		ck_assert_str_eq(parse_fail(VG_FMT_JSON, rec),
		                 "json: invalid timestamp in unixTime at offset 44");
	}
}
END_TEST

/* ------------------------------------------------------------ robustness */

static const enum vg_format g_all[] = {VG_FMT_AUTO, VG_FMT_SYSLOG, VG_FMT_JSON,
                                       VG_FMT_AITADS, VG_FMT_AUDITD};

/* Parse len bytes in every format: an event or a dead letter with a reason. */
static void survive(const char *buf, size_t len)
{
	for (size_t f = 0; f < sizeof(g_all) / sizeof(g_all[0]); f++) {
		struct vg_event *ev = NULL;
		const char *reason = NULL;
		vg_err err = vg_parse(g_parser, g_ctx, g_all[f], buf, len, 0, g_arena,
		                      &ev, &reason);
		ck_assert_msg(err == VG_OK || err == VG_ERR_PARSE, "format %s: error %d",
		              vg_format_name(g_all[f]), (int)err);
		if (err == VG_OK) {
			ck_assert_ptr_nonnull(ev);
			to_json(ev);
		} else {
			ck_assert_ptr_nonnull(reason);
		}
		vg_arena_reset(g_arena);
	}
}

START_TEST(hostile_input)
{
	/* truncated records of every format */
	const char *whole[] = {
	    "1642213952,\"Wazuh: x, y\",1.2.3.4,h,W-1,false_positive,-",
	    "type=SYSCALL msg=audit(1604996384.965:93777): a=\"b\" comm=6464",
	    "{\"Event\":{\"System\":{\"EventID\":1,\"Channel\":\"Security\"}}}",
	    "{\"event_type\":\"alert\",\"alert\":{\"signature\":\"x\"}}",
	};
	for (size_t w = 0; w < sizeof(whole) / sizeof(whole[0]); w++)
		for (size_t n = 0; n <= strlen(whole[w]); n++)
			survive(whole[w], n);
	/* binary: every byte value, and pseudo-random bytes */
	char bin[512];
	for (int i = 0; i < 256; i++)
		bin[i] = (char)i;
	uint32_t x = 12345;
	for (int i = 256; i < 512; i++) {
		x = x * 1103515245u + 12345u;
		bin[i] = (char)(x >> 16);
	}
	survive(bin, sizeof(bin));
	survive(bin + 1, 255);
	/* invalid UTF-8 inside otherwise valid records */
	survive("{\"a\":\"\xc0\xaf\"}", 10);
	survive("1,\xed\xa0\x80,1,h,s,l,e", 13);
	survive("type=A msg=audit(1.2:3): a=\xf5\x80", 30);
	/* regex-hostile text */
	char hostile[8192];
	memset(hostile, 'a', sizeof(hostile));
	memcpy(hostile, "Dec 10 06:55:46 h sshd[1]: Failed password for ", 47);
	for (size_t i = 47; i + 3 < sizeof(hostile); i += 3)
		memcpy(hostile + i, " x=", 3);
	survive(hostile, sizeof(hostile));
}
END_TEST

START_TEST(huge_and_deep)
{
	/* 1 MB lines in every format */
	size_t n = 1u << 20;
	char *big = malloc(n + 64);
	ck_assert_ptr_nonnull(big);
	memset(big, 'A', n + 64);
	survive(big, n);
	memcpy(big, "type=EXECVE msg=audit(1.0:1): argc=1 a0=", 40);
	for (size_t i = 40; i < n; i++)
		big[i] = "0123456789ABCDEF"[i % 16];
	struct vg_event *ev = NULL;
	const char *reason = NULL;
	ck_assert_int_eq(
	    vg_parse(g_parser, g_ctx, VG_FMT_AUDITD, big, n, 0, g_arena, &ev, &reason),
	    VG_OK);
	vg_arena_reset(g_arena);
	memcpy(big, "1,", 2);
	survive(big, n);
	big[0] = '{';
	big[1] = '"';
	memset(big + 2, 'k', n - 6);
	memcpy(big + n - 4, "\":1}", 4);
	survive(big, n);
	/* deeply nested JSON: a dead letter, not a stack overflow */
	size_t depth = 100000;
	char *deep = malloc(2 * depth + 16);
	ck_assert_ptr_nonnull(deep);
	size_t o = 0;
	for (size_t i = 0; i < depth; i++) {
		memcpy(deep + o, "{\"a\":", 5);
		o += 5;
		if (o > 2 * depth)
			break;
	}
	survive(deep, o);
	const char *r = parse_fail_n(VG_FMT_JSON, deep, o);
	ck_assert_ptr_nonnull(strstr(r, "nesting deeper than"));
	memset(deep, '[', 2 * depth);
	deep[0] = '{';
	survive(deep, 2 * depth);
	free(deep);
	free(big);
	/* the auditd stream keeps at most VG_AUDIT_GROUP_BYTES per group */
	struct collected c = {0};
	char *rec = malloc(100001);
	ck_assert_ptr_nonnull(rec);
	memcpy(rec, "type=PATH msg=audit(1.0:1): name=", 33);
	memset(rec + 33, 'p', 100000 - 33);
	rec[100000] = '\0';
	for (int i = 0; i < 5; i++)
		feed(&c, VG_FMT_AUDITD, rec, i);
	ck_assert_int_eq(c.n, 1); /* 3 records pass 256 KiB */
	ck_assert_int_eq(vg_parse_flush(g_parser, g_ctx, 0, g_arena, collect, &c), VG_OK);
	ck_assert_int_eq(c.n, 2);
	free(rec);
}
END_TEST

static Suite *endpoint_suite(void)
{
	Suite *s = suite_create("parsers-endpoint");
	struct {
		const char *name;
		const TTest *tests[4];
	} cases[] = {
	    {"aitads", {aitads_row, aitads_quoted_fields, aitads_invalid}},
	    {"third_party_alerts", {suricata_eve_alert, wazuh_alert}},
	    {"auditd",
	     {auditd_execve_group, auditd_enriched_and_user_records, auditd_invalid}},
	    {"auditd_values",
	     {auditd_hex_values_keep_their_bytes, auditd_execve_chunks_decoded_whole,
	      auditd_execve_every_argument, auditd_execve_by_arch}},
	    {"auditd_stream",
	     {auditd_stream_grouping, auditd_stream_interleaved, auditd_stream_bounds,
	      auditd_records_on_one_line}},
	    {"windows",
	     {windows_shapes, windows_short_names, windows_channels_name_datasets,
	      windows_element_text}},
	    {"wazuh_escaping", {wazuh_doubled_backslashes, wazuh_unescaped_values_kept}},
	    {"osquery", {osquery_results}},
	    {"robustness", {hostile_input, huge_and_deep}},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TCase *tc = tcase_create(cases[i].name);
		tcase_add_checked_fixture(tc, setup, teardown);
		tcase_set_timeout(tc, 120);
		for (size_t t = 0; t < 4 && cases[i].tests[t]; t++)
			tcase_add_test(tc, cases[i].tests[t]);
		suite_add_tcase(s, tc);
	}
	return s;
}

VG_TEST_MAIN(endpoint_suite)
