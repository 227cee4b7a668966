/* Unit tests for parsers/: RFC 5424 and RFC 3164 framing, JSON lines, decoder
 * loading errors, the shipped decoders (sshd, sudo, su, pam_unix, kernel, rsyslog,
 * NetworkManager ...), robustness, and that every field name the parsers can set is
 * declared in schemas/fields.yaml (the parser's vocabulary, read from its internals
 * in parsers_int.h). */
#include "parsers_int.h"
#include "vg_parsers.h"
#include "vg_test.h"

#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

/* --------------------------------------------------------------- helpers */

static struct vg_parser *g_parser;
static struct vg_parse_ctx *g_ctx;
static struct vg_arena *g_arena;
static char g_dir[64]; /* temp dir of the decoder-loading tests, removed in teardown */

static void setup(void)
{
	struct vg_diag diag;
	vg_diag_init(&diag);
	vg_err err = vg_parser_new(NULL, &g_parser, &diag);
	if (err != VG_OK)
		vg_diag_print(&diag, stderr);
	ck_assert_int_eq(err, VG_OK);
	ck_assert_uint_eq(diag.errors, 0);
	vg_diag_clear(&diag);
	g_ctx = vg_parse_ctx_new(g_parser);
	ck_assert_ptr_nonnull(g_ctx);
	g_arena = vg_arena_new(0);
	ck_assert_ptr_nonnull(g_arena);
}

static void teardown(void)
{
	if (g_dir[0]) {
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", g_dir);
		g_dir[0] = '\0';
	}
	vg_parse_ctx_destroy(g_ctx);
	vg_parser_destroy(g_parser);
	vg_arena_destroy(g_arena);
	g_ctx = NULL;
	g_parser = NULL;
	g_arena = NULL;
}

static vg_time T(const char *iso)
{
	vg_time t;
	ck_assert_int_eq(vg_time_parse_rfc3339(iso, strlen(iso), INT32_MIN, &t), VG_OK);
	return t;
}

/* A reference time far from every test timestamp's year boundary. */
#define REF_2015 T("2015-12-11T00:00:00Z")

static struct vg_event *parse_ok_n(enum vg_format fmt, const char *line, size_t len,
                                   vg_time ref)
{
	struct vg_event *ev = NULL;
	const char *reason = NULL;
	vg_err err =
	    vg_parse(g_parser, g_ctx, fmt, line, len, ref, g_arena, &ev, &reason);
	ck_assert_msg(err == VG_OK, "parse failed (%s): %s", reason ? reason : "-", line);
	ck_assert_ptr_nonnull(ev);
	return ev;
}

static struct vg_event *parse_ok(enum vg_format fmt, const char *line, vg_time ref)
{
	return parse_ok_n(fmt, line, strlen(line), ref);
}

static const char *parse_fail_n(enum vg_format fmt, const char *line, size_t len)
{
	struct vg_event *ev = NULL;
	const char *reason = NULL;
	vg_err err =
	    vg_parse(g_parser, g_ctx, fmt, line, len, REF_2015, g_arena, &ev, &reason);
	ck_assert_msg(err == VG_ERR_PARSE, "expected a dead letter: %s", line);
	ck_assert_ptr_null(ev);
	ck_assert_ptr_nonnull(reason);
	return reason;
}

static const char *parse_fail(enum vg_format fmt, const char *line)
{
	return parse_fail_n(fmt, line, strlen(line));
}

/* Assert field `name` has exactly `want` (and kind when kind != UNSET). */
static void expect_kind(const struct vg_event *ev, const char *name, const char *want,
                        enum vg_value_kind kind)
{
	const struct vg_value *v = vg_event_get_named(ev, name);
	ck_assert_msg(v != NULL, "field %s is not set (want '%s')", name, want);
	ck_assert_msg(v->len == strlen(want) && memcmp(v->ptr, want, v->len) == 0,
	              "field %s is '%.*s', want '%s'", name, (int)v->len, v->ptr, want);
	if (kind != VG_VK_UNSET)
		ck_assert_msg(v->kind == kind, "field %s has kind %d, want %d", name,
		              v->kind, kind);
}

static void expect(const struct vg_event *ev, const char *name, const char *want)
{
	expect_kind(ev, name, want, VG_VK_UNSET);
}

static void expect_unset(const struct vg_event *ev, const char *name)
{
	const struct vg_value *v = vg_event_get_named(ev, name);
	ck_assert_msg(v == NULL, "field %s should be unset, is '%.*s'", name,
	              v ? (int)v->len : 0, v ? v->ptr : "");
}

static void expect_ts(const struct vg_event *ev, const char *iso)
{
	char buf[32];
	ck_assert_msg(ev->ts != VG_TIME_NONE, "no timestamp, want %s", iso);
	vg_time_format(ev->ts, buf);
	ck_assert_str_eq(buf, iso);
}

/* ------------------------------------------------------------ RFC 5424 */

START_TEST(rfc5424_rfc_example_with_bom)
{
	struct vg_event *ev =
	    parse_ok(VG_FMT_SYSLOG,
	             "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - "
	             "\xEF\xBB\xBF'su root' failed for lonvick on /dev/pts/8\n",
	             REF_2015);
	expect_ts(ev, "2003-10-11T22:14:15.003000Z");
	expect_kind(ev, "log.syslog.priority", "34", VG_VK_NUM);
	expect_kind(ev, "log.syslog.facility.code", "4", VG_VK_NUM);
	expect_kind(ev, "log.syslog.severity.code", "2", VG_VK_NUM);
	expect(ev, "log.syslog.version", "1");
	expect(ev, "host.name", "mymachine.example.com");
	expect(ev, "log.syslog.appname", "su");
	expect(ev, "process.name", "su");
	expect(ev, "log.syslog.msgid", "ID47");
	expect_unset(ev, "log.syslog.procid");
	expect_unset(ev, "process.pid");
	expect_unset(ev, "log.syslog.structured_data");
	expect(ev, "message", "'su root' failed for lonvick on /dev/pts/8");
	expect(ev, "vigil.format", "rfc5424");
	expect(ev, "event.module", "linux");
	expect_unset(ev, "event.original");
	ck_assert_uint_eq(ev->raw.len, strlen((const char *)ev->raw.ptr));
}
END_TEST

START_TEST(rfc5424_offset_and_microseconds)
{
	struct vg_event *ev =
	    parse_ok(VG_FMT_RFC5424,
	             "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 "
	             "myproc 8710 - - %% It's time to make the do-nuts.",
	             REF_2015);
	expect_ts(ev, "2003-08-24T12:14:15.000003Z");
	expect(ev, "log.syslog.facility.code", "20");
	expect(ev, "log.syslog.severity.code", "5");
	expect(ev, "host.name", "192.0.2.1");
	expect(ev, "log.syslog.procid", "8710");
	expect_kind(ev, "process.pid", "8710", VG_VK_NUM);
	expect(ev, "message", "%% It's time to make the do-nuts.");
}
END_TEST

START_TEST(rfc5424_structured_data)
{
	const char *sd = "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" "
	                 "eventID=\"1011\"][examplePriority@32473 class=\"high\"]";
	char line[512];
	snprintf(
	    line, sizeof(line),
	    "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 %s "
	    "An application event log entry...",
	    sd);
	struct vg_event *ev = parse_ok(VG_FMT_SYSLOG, line, REF_2015);
	expect(ev, "log.syslog.structured_data", sd);
	expect(ev, "sd.exampleSDID@32473.iut", "3");
	expect(ev, "sd.exampleSDID@32473.eventSource", "Application");
	expect(ev, "sd.exampleSDID@32473.eventID", "1011");
	expect(ev, "sd.examplePriority@32473.class", "high");
	expect(ev, "message", "An application event log entry...");
	/* a PARAM-NAME repeated in its element (7.2.2: origin's "ip") is one list
	 * (rules test each element), a field (sd.meta.sequenceId) or an extra:
	 * not a key written twice, of which lookups saw one value */
	ev = parse_ok(VG_FMT_SYSLOG,
	              "<34>1 2003-10-11T22:14:15Z h a p m [origin ip=\"10.0.0.1\" "
	              "ip=\"192.0.2.7\" ip=\"a\\\"b\"][meta sequenceId=\"1\" "
	              "sequenceId=\"2\"] x",
	              REF_2015);
	expect_kind(ev, "sd.origin.ip", "[\"10.0.0.1\",\"192.0.2.7\",\"a\\\"b\"]",
	            VG_VK_LIST);
	expect_kind(ev, "sd.meta.sequenceId", "[\"1\",\"2\"]", VG_VK_LIST);
	struct vg_buf js;
	vg_buf_init(&js);
	vg_event_to_json(ev, &js);
	ck_assert_ptr_nonnull(js.data);
	const char *k = strstr(js.data, "\"sd.origin.ip\":");
	ck_assert_ptr_nonnull(k);
	ck_assert_ptr_null(strstr(k + 1, "\"sd.origin.ip\":"));
	vg_buf_free(&js);
}
END_TEST

START_TEST(rfc5424_sd_escapes_kept_as_text)
{
	const char *sd = "[x@1 a=\"q\\\"b\\\\c\\]d\\n\" b=\"\"]";
	char line[256];
	snprintf(line, sizeof(line), "<13>1 2024-01-02T03:04:05Z h app 12 - %s", sd);
	struct vg_event *ev = parse_ok(VG_FMT_SYSLOG, line, REF_2015);
	expect(ev, "log.syslog.structured_data", sd);
	/* \" \\ \] are escapes; any other backslash stays as it is. */
	expect(ev, "sd.x@1.a", "q\"b\\c]d\\n");
	expect(ev, "sd.x@1.b", "");
	expect_unset(ev, "message");
}
END_TEST

START_TEST(rfc5424_nil_timestamp_uses_ref_time)
{
	struct vg_event *ev = parse_ok(VG_FMT_SYSLOG, "<0>1 - - - - - - hello", REF_2015);
	expect_ts(ev, "2015-12-11T00:00:00.000000Z");
	expect(ev, "log.syslog.priority", "0");
	expect_unset(ev, "host.name");
	expect_unset(ev, "process.name");
	expect(ev, "message", "hello");
}
END_TEST

/* PROCID (RFC 5424: any printable text) and a 3164 tag's [PID] stay as written in
 * log.syslog.procid; only a decimal number is also process.pid. */
START_TEST(syslog_pid_only_decimal)
{
	static const struct {
		const char *line, *procid, *pid;
	} cases[] = {
	    {"<13>1 2003-10-11T22:14:15Z h a -12 m - m16", "-12", NULL},
	    {"<13>1 2003-10-11T22:14:15Z h a 0x1f m - m", "0x1f", NULL},
	    {"<13>1 2003-10-11T22:14:15Z h a 4711 m - m", "4711", "4711"},
	    {"<13>Oct 11 22:14:15 h sshd[-12]: m", "-12", NULL},
	    {"<13>Oct 11 22:14:15 h sshd[12]: m", "12", "12"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vg_event *ev = parse_ok(VG_FMT_SYSLOG, cases[i].line, REF_2015);
		expect_kind(ev, "log.syslog.procid", cases[i].procid, VG_VK_STR);
		if (cases[i].pid)
			expect_kind(ev, "process.pid", cases[i].pid, VG_VK_NUM);
		else
			expect_unset(ev, "process.pid");
	}
}
END_TEST

START_TEST(rfc5424_invalid_reasons)
{
	ck_assert_str_eq(
	    parse_fail(VG_FMT_SYSLOG, "<192>1 2003-10-11T22:14:15Z h a - - -"),
	    "rfc5424: invalid PRI at column 1");
	ck_assert_str_eq(
	    parse_fail(VG_FMT_SYSLOG, "<034>1 2003-10-11T22:14:15Z h a - - -"),
	    "rfc5424: invalid PRI at column 1");
	ck_assert_str_eq(
	    parse_fail(VG_FMT_RFC5424, "34>1 2003-10-11T22:14:15Z h a - - -"),
	    "rfc5424: invalid PRI at column 1");
	ck_assert_str_eq(parse_fail(VG_FMT_RFC5424, "<>1 2003-10-11T22:14:15Z h a - - -"),
	                 "rfc5424: invalid PRI at column 1");
	ck_assert_str_eq(
	    parse_fail(VG_FMT_RFC5424, "<34>2 2003-10-11T22:14:15Z h a - - -"),
	    "rfc5424: unsupported version at column 5");
	ck_assert_str_eq(
	    parse_fail(VG_FMT_RFC5424, "<34>x 2003-10-11T22:14:15Z h a - - -"),
	    "rfc5424: invalid version at column 5");
	ck_assert_str_eq(
	    parse_fail(VG_FMT_RFC5424, "<34>01 2003-10-11T22:14:15Z h a - - -"),
	    "rfc5424: invalid version at column 5");
	ck_assert_str_eq(
	    parse_fail(VG_FMT_SYSLOG, "<34>1 2003-13-11T22:14:15Z h a - - -"),
	    "rfc5424: invalid timestamp at column 7");
	ck_assert_str_eq(
	    parse_fail(VG_FMT_SYSLOG, "<34>1 2003-02-29T22:14:15Z h a - - -"),
	    "rfc5424: invalid timestamp at column 7");
	/* no zone; a space instead of 'T'; seven fraction digits */
	ck_assert_str_eq(parse_fail(VG_FMT_SYSLOG, "<34>1 2003-10-11T22:14:15 h a - - -"),
	                 "rfc5424: invalid timestamp at column 7");
	ck_assert_str_eq(
	    parse_fail(VG_FMT_SYSLOG, "<34>1 2003-10-11 22:14:15Z h a - - -"),
	    "rfc5424: invalid timestamp at column 7");
	ck_assert_str_eq(
	    parse_fail(VG_FMT_SYSLOG, "<34>1 2003-10-11T22:14:15.1234567Z h a - - -"),
	    "rfc5424: invalid timestamp at column 7");
	ck_assert_str_eq(parse_fail(VG_FMT_SYSLOG, "<34>1 2003-10-11T22:14:15Z h a - -"),
	                 "rfc5424: invalid msgid at column 34");
	ck_assert_str_eq(
	    parse_fail(
	        VG_FMT_SYSLOG,
	        "<34>1 - h aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa - - -"),
	    "rfc5424: invalid app-name at column 11");
	ck_assert_str_eq(parse_fail(VG_FMT_SYSLOG, "<34>1 - h a - - x"),
	                 "rfc5424: invalid structured data at column 17");
	ck_assert_str_eq(parse_fail(VG_FMT_SYSLOG, "<34>1 - h a - - [x@1 a=b]"),
	                 "rfc5424: invalid structured data at column 24");
	ck_assert_str_eq(parse_fail(VG_FMT_SYSLOG, "<34>1 - h a - - [x@1 a=\"b]"),
	                 "rfc5424: invalid structured data at column 26");
	/* 6.3.3: ']' inside PARAM-VALUE must be escaped */
	ck_assert_str_eq(parse_fail(VG_FMT_SYSLOG, "<34>1 - h a - - [x@1 a=\"]\"] m"),
	                 "rfc5424: invalid structured data at column 25");
	ck_assert_str_eq(parse_fail(VG_FMT_SYSLOG, "<34>1 - h a - - [x@1][x@1] m"),
	                 "rfc5424: invalid structured data at column 23");
	ck_assert_str_eq(parse_fail(VG_FMT_SYSLOG, "<34>1 - h a - - [x@1]m"),
	                 "rfc5424: invalid structured data at column 22");
	ck_assert_str_eq(parse_fail(VG_FMT_SYSLOG, "<34>1 - h a - - -m"),
	                 "rfc5424: invalid structured data at column 18");
	ck_assert_str_eq(parse_fail(VG_FMT_SYSLOG, ""), "empty record");
	ck_assert_str_eq(parse_fail(VG_FMT_SYSLOG, "\r\n"), "empty record");
}
END_TEST

/* ------------------------------------------------------------ RFC 3164 */

START_TEST(rfc3164_file_line_without_pri)
{
	struct vg_event *ev =
	    parse_ok(VG_FMT_AUTO,
	             "Dec 10 06:55:46 LabSZ sshd[24200]: reverse mapping "
	             "checking getaddrinfo for x [1.2.3.4] failed",
	             REF_2015);
	expect_ts(ev, "2015-12-10T06:55:46.000000Z");
	expect(ev, "host.name", "LabSZ");
	expect(ev, "log.syslog.appname", "sshd");
	expect(ev, "process.name", "sshd");
	expect(ev, "log.syslog.procid", "24200");
	expect_kind(ev, "process.pid", "24200", VG_VK_NUM);
	expect(ev, "message",
	       "reverse mapping checking getaddrinfo for x [1.2.3.4] failed");
	expect(ev, "vigil.format", "rfc3164");
	expect(ev, "event.module", "linux");
	expect_unset(ev, "log.syslog.priority");
	expect_unset(ev, "log.syslog.version");
}
END_TEST

START_TEST(rfc3164_with_pri_and_without_pid)
{
	struct vg_event *ev = parse_ok(
	    VG_FMT_SYSLOG, "<13>Feb  5 17:32:18 10.0.0.99 myapp: Use the BFG!", REF_2015);
	/* nearest to ref 2015-12-11: next February, not last */
	expect_ts(ev, "2016-02-05T17:32:18.000000Z");
	expect_kind(ev, "log.syslog.priority", "13", VG_VK_NUM);
	expect(ev, "log.syslog.facility.code", "1");
	expect(ev, "log.syslog.severity.code", "5");
	expect(ev, "host.name", "10.0.0.99");
	expect(ev, "process.name", "myapp");
	expect_unset(ev, "log.syslog.procid");
	expect_unset(ev, "process.pid");
	expect(ev, "message", "Use the BFG!");

	/* no host: the first word is already a tag */
	ev = parse_ok(VG_FMT_SYSLOG, "<38>Dec 10 06:55:46 sshd[7]: x y", REF_2015);
	expect_unset(ev, "host.name");
	expect(ev, "process.name", "sshd");
	expect(ev, "process.pid", "7");
	expect(ev, "message", "x y");

	/* no tag: the message is everything after the host */
	ev = parse_ok(VG_FMT_SYSLOG, "Dec 10 06:55:46 host just some text", REF_2015);
	expect(ev, "host.name", "host");
	expect_unset(ev, "process.name");
	expect(ev, "message", "just some text");

	/* a non-numeric pid stays procid only; "Dec 1" with one digit */
	ev = parse_ok(VG_FMT_SYSLOG, "Dec 1 06:55:46 h postfix/smtpd[abc]: m", REF_2015);
	expect_ts(ev, "2015-12-01T06:55:46.000000Z");
	expect(ev, "process.name", "postfix/smtpd");
	expect(ev, "log.syslog.procid", "abc");
	expect_unset(ev, "process.pid");
}
END_TEST

START_TEST(rfc3164_year_rollover)
{
	/* A "Dec 31" line read on Jan 1 belongs to last year ... */
	struct vg_event *ev =
	    parse_ok(VG_FMT_SYSLOG, "Dec 31 23:59:59 h t: m", T("2024-01-01T00:00:10Z"));
	expect_ts(ev, "2023-12-31T23:59:59.000000Z");
	/* ... and a "Jan 1" line read on Dec 31 (clock skew) to next year. */
	ev = parse_ok(VG_FMT_SYSLOG, "Jan  1 00:00:05 h t: m", T("2023-12-31T23:59:50Z"));
	expect_ts(ev, "2024-01-01T00:00:05.000000Z");
	/* Feb 29 only exists in leap years */
	ev = parse_ok(VG_FMT_SYSLOG, "Feb 29 12:00:00 h t: m", T("2024-03-01T00:00:00Z"));
	expect_ts(ev, "2024-02-29T12:00:00.000000Z");
	/* without a reference time the year is unknown: no event time */
	ev = parse_ok(VG_FMT_SYSLOG, "Feb 29 12:00:00 h t: m", VG_TIME_NONE);
	ck_assert(ev->ts == VG_TIME_NONE);
}
END_TEST

START_TEST(rfc3164_iso_timestamp)
{
	struct vg_event *ev = parse_ok(
	    VG_FMT_SYSLOG, "<13>2024-03-01T10:00:00.5+01:00 host app[12]: msg", REF_2015);
	expect_ts(ev, "2024-03-01T09:00:00.500000Z");
	expect(ev, "host.name", "host");
	expect(ev, "process.pid", "12");
	expect(ev, "message", "msg");
	/* a "+hhmm" zone right after the seconds: exactly 24 bytes, the shortest form */
	const char *lines[] = {"2024-01-01T00:00:00+0100 host1 prog: m",
	                       "<13>2024-01-01T00:00:00+0100 host1 prog: m",
	                       "2023-12-31 22:30:00-0030 host1 prog: m"};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		ev = parse_ok(VG_FMT_SYSLOG, lines[i], REF_2015);
		expect_ts(ev, "2023-12-31T23:00:00.000000Z");
		expect(ev, "host.name", "host1");
		expect(ev, "log.syslog.appname", "prog");
		expect(ev, "message", "m");
	}
}
END_TEST

START_TEST(rfc3164_configured_offset)
{
	struct vg_parser_conf conf = {.rfc3164_utc_offset_sec = 3600};
	struct vg_parser *p;
	struct vg_diag diag;
	struct vg_event *ev;
	const char *reason;

	vg_diag_init(&diag);
	ck_assert_int_eq(vg_parser_new(&conf, &p, &diag), VG_OK);
	struct vg_parse_ctx *ctx = vg_parse_ctx_new(p);
	const char *l1 = "Dec 10 06:55:46 h t: m", *l2 = "2024-03-01T10:00:00 h t: m";
	ck_assert_int_eq(vg_parse(p, ctx, VG_FMT_SYSLOG, l1, strlen(l1), REF_2015,
	                          g_arena, &ev, &reason),
	                 VG_OK);
	expect_ts(ev, "2015-12-10T05:55:46.000000Z");
	/* an ISO timestamp without a zone uses the configured offset too */
	ck_assert_int_eq(vg_parse(p, ctx, VG_FMT_SYSLOG, l2, strlen(l2), REF_2015,
	                          g_arena, &ev, &reason),
	                 VG_OK);
	expect_ts(ev, "2024-03-01T09:00:00.000000Z");
	vg_parse_ctx_destroy(ctx);
	vg_parser_destroy(p);

	conf.rfc3164_utc_offset_sec = 90000;
	ck_assert_int_eq(vg_parser_new(&conf, &p, &diag), VG_ERR_CONFIG);
	ck_assert_ptr_null(p);
	ck_assert_str_eq(diag.msgs[0],
	                 "error: rfc3164 UTC offset 90000 s is not within a day");
	vg_diag_clear(&diag);
}
END_TEST

/* vg_parse_feed's results, for future_event_time_is_flagged. */
static vg_err keep_event(void *ud, struct vg_event *ev, const char *reason,
                         const char *raw, size_t len, const struct vg_source *src)
{
	ck_assert_ptr_nonnull(ev);
	*(struct vg_event **)ud = ev;
	return VG_OK;
}

/* An event time more than max_future after the record's own time is flagged, with
 * the claim in vigil.claimed_time and ts left to the caller; at the limit, without
 * a reference time, or with no limit configured, nothing is. */
START_TEST(future_event_time_is_flagged)
{
	struct vg_parser_conf conf = {.max_future = 3600 * VG_USEC_PER_SEC};
	struct vg_parser *p;
	struct vg_diag diag;
	struct vg_event *ev;
	const char *reason;
	const vg_time ref = T("2026-11-23T12:00:00Z");
	static const struct {
		enum vg_format fmt;
		const char *line;
		vg_time ref;
		bool future;
	} cases[] = {
	    {VG_FMT_SYSLOG, "<38>1 2099-06-01T00:00:00Z web01 sshd 1 - - m", 0, true},
	    {VG_FMT_SYSLOG, "<38>1 2026-11-23T13:00:00.000001Z web01 sshd 1 - - m", 0,
	     true},
	    {VG_FMT_SYSLOG, "<38>1 2026-11-23T13:00:00Z web01 sshd 1 - - m", 0, false},
	    {VG_FMT_SYSLOG, "<38>1 2099-06-01T00:00:00Z web01 sshd 1 - - m", VG_TIME_NONE,
	     false},
	    {VG_FMT_SYSLOG, "Dec 24 10:00:00 web01 sshd[1]: m", 0, true},
	    {VG_FMT_JSON, "{\"@timestamp\":\"2031-01-01T00:00:00Z\",\"message\":\"m\"}",
	     0, true},
	};
	vg_diag_init(&diag);
	ck_assert_int_eq(vg_parser_new(&conf, &p, &diag), VG_OK);
	struct vg_parse_ctx *ctx = vg_parse_ctx_new(p);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		vg_time r = cases[i].ref == VG_TIME_NONE ? VG_TIME_NONE : ref;
		ck_assert_int_eq(vg_parse(p, ctx, cases[i].fmt, cases[i].line,
		                          strlen(cases[i].line), r, g_arena, &ev,
		                          &reason),
		                 VG_OK);
		ck_assert_msg(ev->ts_future == cases[i].future, "%s", cases[i].line);
		if (!cases[i].future) {
			expect_unset(ev, "vigil.claimed_time");
			continue;
		}
		char claimed[32];
		vg_time_format(ev->ts, claimed); /* ts itself is left as claimed */
		expect(ev, "vigil.claimed_time", claimed);
	}
	/* an audit event, grouped from its records, as it is flushed */
	const char *audit = "type=LOGIN msg=audit(4089000000.5:7): pid=1 uid=0 res=1";
	struct vg_source src = {"audit", 0, 0};
	ev = NULL;
	ck_assert_int_eq(vg_parse_feed(p, ctx, VG_FMT_AUDITD, audit, strlen(audit), &src,
	                               ref, g_arena, keep_event, &ev),
	                 VG_OK);
	ck_assert_int_eq(vg_parse_flush(p, ctx, ref, g_arena, keep_event, &ev), VG_OK);
	ck_assert_ptr_nonnull(ev);
	ck_assert(ev->ts_future);
	expect(ev, "vigil.claimed_time", "2099-07-29T09:20:00.500000Z");
	vg_parse_ctx_destroy(ctx);
	vg_parser_destroy(p);

	/* no limit: the default of a parser built without one */
	const char *far = cases[0].line;
	ck_assert_int_eq(vg_parse(g_parser, g_ctx, VG_FMT_SYSLOG, far, strlen(far), ref,
	                          g_arena, &ev, &reason),
	                 VG_OK);
	ck_assert(!ev->ts_future);
	expect_unset(ev, "vigil.claimed_time");
}
END_TEST

START_TEST(rfc3164_invalid_reasons)
{
	ck_assert_str_eq(parse_fail(VG_FMT_AUTO, "hello world"),
	                 "rfc3164: invalid timestamp at column 1");
	ck_assert_str_eq(parse_fail(VG_FMT_SYSLOG, "<999>Dec 10 06:55:46 h t: m"),
	                 "rfc3164: invalid PRI at column 1");
	ck_assert_str_eq(parse_fail(VG_FMT_SYSLOG, "<13 Dec 10 06:55:46 h t: m"),
	                 "rfc3164: invalid PRI at column 1");
	ck_assert_str_eq(parse_fail(VG_FMT_SYSLOG, "Feb 30 06:55:46 h t: m"),
	                 "rfc3164: invalid timestamp at column 1");
	ck_assert_str_eq(parse_fail(VG_FMT_SYSLOG, "Dec 10 24:00:00 h t: m"),
	                 "rfc3164: invalid timestamp at column 1");
	ck_assert_str_eq(parse_fail(VG_FMT_SYSLOG, "Dec 10 06:55:46x h t: m"),
	                 "rfc3164: invalid timestamp at column 1");
	ck_assert_str_eq(parse_fail(VG_FMT_RFC3164, "2024-13-01T00:00:00Z h t: m"),
	                 "rfc3164: invalid timestamp at column 1");
}
END_TEST

/* RFC 3164 4.3.2: a valid PRI without a timestamp is kept, timed at ref_time. */
START_TEST(rfc3164_pri_without_timestamp)
{
	struct vg_event *ev =
	    parse_ok(VG_FMT_SYSLOG, "<15> openvpn[2499]: PTHREAD up", REF_2015);
	expect_ts(ev, "2015-12-11T00:00:00.000000Z");
	expect_unset(ev, "host.name");
	expect(ev, "log.syslog.appname", "openvpn");
	expect(ev, "process.pid", "2499");
	expect(ev, "message", "PTHREAD up");
	ev = parse_ok(VG_FMT_SYSLOG, "<13>Foo 10 06:55:46 h t: m", REF_2015);
	expect_unset(ev, "host.name");
	expect_unset(ev, "log.syslog.appname");
	expect(ev, "message", "Foo 10 06:55:46 h t: m");
	expect(ev, "log.syslog.priority", "13");
}
END_TEST

START_TEST(rfc3164_real_world_timestamps)
{
	/* space after PRI; year before the time; Cisco's colon after the time */
	struct vg_event *ev =
	    parse_ok(VG_FMT_SYSLOG, "<38> Mar  7 19:06:53 example tag: m", REF_2015);
	expect_ts(ev, "2016-03-07T19:06:53.000000Z"); /* closest to ref */
	expect(ev, "host.name", "example");
	ev = parse_ok(VG_FMT_SYSLOG, "<38>Mar 7 2008 19:06:53: example tag: m", REF_2015);
	expect_ts(ev, "2008-03-07T19:06:53.000000Z");
	expect(ev, "host.name", "example");
	expect(ev, "log.syslog.appname", "tag");
	/* year after the time */
	ev = parse_ok(VG_FMT_SYSLOG, "<190>Apr 15 21:28:13 2007 linksys app: msg",
	              REF_2015);
	expect_ts(ev, "2007-04-15T21:28:13.000000Z");
	expect(ev, "host.name", "linksys");
	expect(ev, "message", "msg");
	/* ISO date with a space instead of 'T', no zone: the configured offset (0) */
	ev = parse_ok(VG_FMT_SYSLOG, "2024-05-01 10:11:12 web1 nginx: hi", REF_2015);
	expect_ts(ev, "2024-05-01T10:11:12.000000Z");
	expect(ev, "host.name", "web1");
	expect(ev, "log.syslog.appname", "nginx");
	ev = parse_ok(VG_FMT_SYSLOG, "<7>2006-10-29 02:00:00.156+01:00 h t[1]: x",
	              REF_2015);
	expect_ts(ev, "2006-10-29T01:00:00.156000Z");
	/* no hostname: the tag follows the timestamp directly */
	ev = parse_ok(VG_FMT_SYSLOG, "<34>Dec 10 06:55:46 sshd[42]: hi", REF_2015);
	expect_unset(ev, "host.name");
	expect(ev, "log.syslog.appname", "sshd");
	/* AIX forwarding */
	ev = parse_ok(VG_FMT_SYSLOG,
	              "<38>Sep 22 10:11:56 Message forwarded from cdaix66: sshd[679960]: "
	              "Accepted publickey for nagios from 1.9.1.1 port 42096 ssh2",
	              REF_2015);
	expect(ev, "host.name", "cdaix66");
	expect(ev, "log.syslog.appname", "sshd");
	expect(ev, "user.name", "nagios");
}
END_TEST

/* An IPv6 address as HOSTNAME: its first group and colon read like "TAG:". */
START_TEST(rfc3164_ipv6_host)
{
	struct vg_event *ev = parse_ok(
	    VG_FMT_SYSLOG,
	    "<0>Jan 10 01:00:00 0000:BABA:BA00:DAB:BABA:BABA:BABA:BAB0 prg0", REF_2015);
	expect(ev, "host.name", "0000:BABA:BA00:DAB:BABA:BABA:BABA:BAB0");
	expect_unset(ev, "log.syslog.appname"); /* a word without ':' is no tag */
	expect(ev, "message", "prg0");
	ev = parse_ok(VG_FMT_SYSLOG, "<0>Jan 10 01:00:00 0002:: prg0: msgtxt", REF_2015);
	expect(ev, "host.name", "0002::");
	expect(ev, "log.syslog.appname", "prg0");
	expect(ev, "message", "msgtxt");
	ev = parse_ok(VG_FMT_SYSLOG,
	              "Jan 10 01:00:00 2001:db8::7 sshd[42]: Accepted password for bob "
	              "from 198.51.100.9 port 50022 ssh2",
	              REF_2015);
	expect(ev, "host.name", "2001:db8::7");
	expect(ev, "log.syslog.appname", "sshd");
	expect(ev, "process.pid", "42");
	expect(ev, "user.name", "bob");
	ev = parse_ok(VG_FMT_SYSLOG, "Jan 10 01:00:00 ::ffff:192.0.2.1 su: x", REF_2015);
	expect(ev, "host.name", "::ffff:192.0.2.1");
	expect(ev, "log.syslog.appname", "su");
	ev = parse_ok(VG_FMT_SYSLOG, "Jan 10 01:00:00 fe80::1%eth0 t: x", REF_2015);
	expect(ev, "host.name", "fe80::1%eth0");
	/* not IPv6: the first word stays a tag, as before */
	static const char *const not_v6[] = {
	    "Jan 10 01:00:00 app:msg text",
	    "Jan 10 01:00:00 dead:beef:1 x",
	    "Jan 10 01:00:00 1:2:3:4:5:6:7:8:9 x",
	    "Jan 10 01:00:00 a::b::c x",
	    "Jan 10 01:00:00 abcde::1 x",
	    "Jan 10 01:00:00 ffff:1.2.3.256 x",
	    "Jan 10 01:00:00 a:b: x",
	};
	for (size_t i = 0; i < sizeof(not_v6) / sizeof(not_v6[0]); i++) {
		ev = parse_ok(VG_FMT_SYSLOG, not_v6[i], REF_2015);
		expect_unset(ev, "host.name");
		ck_assert_ptr_nonnull(vg_event_get_named(ev, "log.syslog.appname"));
	}
}
END_TEST

/* "02:00:00." (a '.' and no digits) is a fraction of 0, as syslog-ng reads it. */
START_TEST(rfc3164_time_with_empty_fraction)
{
	struct vg_event *ev =
	    parse_ok(VG_FMT_SYSLOG,
	             "<7> Aug 29 02:00:00. ctld snmpd[2499]: PTHREAD support initialized",
	             REF_2015);
	expect_ts(ev, "2015-08-29T02:00:00.000000Z");
	expect(ev, "host.name", "ctld");
	expect(ev, "log.syslog.appname", "snmpd");
	expect(ev, "process.pid", "2499");
	expect(ev, "message", "PTHREAD support initialized");
	ev = parse_ok(VG_FMT_SYSLOG, "Aug 29 02:00:00.: h t: m", REF_2015);
	expect_ts(ev, "2015-08-29T02:00:00.000000Z");
	expect(ev, "host.name", "h");
	ck_assert_str_eq(parse_fail(VG_FMT_SYSLOG, "Aug 29 02:00:00.x h t: m"),
	                 "rfc3164: invalid timestamp at column 1");
}
END_TEST

/* Cisco IOS: "NN: " sequence number and '*' (clock not authoritative). */
START_TEST(rfc3164_cisco_ios_header)
{
	struct vg_event *ev = parse_ok(
	    VG_FMT_SYSLOG,
	    "<189>91: *Oct 07 03:10:04: mydevice.com %CRYPTO-4-RECVD_PKT_INV_SPI: "
	    "decaps: rec'd IPSEC packet has invalid spi for destaddr=150.1.1.1",
	    REF_2015);
	expect_ts(ev, "2015-10-07T03:10:04.000000Z");
	expect(ev, "log.syslog.priority", "189");
	expect(ev, "host.name", "mydevice.com");
	expect(ev, "log.syslog.appname", "%CRYPTO-4-RECVD_PKT_INV_SPI");
	expect(ev, "message",
	       "decaps: rec'd IPSEC packet has invalid spi for destaddr=150.1.1.1");
	expect(ev, "sd.meta.sequenceId", "91");
	expect(ev, "sd.timeQuality.isSynced", "0");
	/* a sequence number alone, a fraction, no HOSTNAME, no PRI */
	ev = parse_ok(VG_FMT_SYSLOG,
	              "000123: Mar  1 18:46:11.123: %SYS-5-CONFIG_I: Configured from "
	              "console by vty0 (10.1.1.1)",
	              REF_2015);
	expect_ts(ev, "2016-03-01T18:46:11.123000Z");
	expect_unset(ev, "host.name");
	expect(ev, "log.syslog.appname", "%SYS-5-CONFIG_I");
	expect(ev, "sd.meta.sequenceId", "000123");
	expect_unset(ev, "sd.timeQuality.isSynced");
	/* the marker alone */
	ev = parse_ok(VG_FMT_SYSLOG,
	              "<187>*Mar  1 00:00:05: %LINK-3-UPDOWN: Interface Gi0/1, changed "
	              "state to up",
	              REF_2015);
	expect_ts(ev, "2016-03-01T00:00:05.000000Z");
	expect(ev, "log.syslog.appname", "%LINK-3-UPDOWN");
	expect(ev, "sd.timeQuality.isSynced", "0");
	expect_unset(ev, "sd.meta.sequenceId");
	/* a number and a colon with no timestamp after it: RFC 3164 4.3.2, as before */
	ev = parse_ok(VG_FMT_SYSLOG, "<13>91: hello", REF_2015);
	expect_ts(ev, "2015-12-11T00:00:00.000000Z");
	expect(ev, "log.syslog.appname", "91");
	expect(ev, "message", "hello");
	expect_unset(ev, "sd.meta.sequenceId");
	ev = parse_ok(VG_FMT_SYSLOG, "<13>*Mar  1 99:00:05: x", REF_2015);
	expect_unset(ev, "sd.timeQuality.isSynced");
	ck_assert_str_eq(parse_fail(VG_FMT_SYSLOG, "91: *Oct 07 03:10:04x h t: m"),
	                 "rfc3164: invalid timestamp at column 1");
	ck_assert_str_eq(parse_fail(VG_FMT_SYSLOG, "91:*Oct 07 03:10:04 h t: m"),
	                 "rfc3164: invalid timestamp at column 1");
}
END_TEST

/* Cisco `show-timezone`: a zone name between the time and the mnemonic. */
START_TEST(rfc3164_cisco_timezone)
{
	struct vg_parser_conf conf = {.rfc3164_utc_offset_sec = 3600};
	struct vg_parser *p;
	struct vg_diag diag;
	struct vg_event *ev;
	const char *reason;
	vg_diag_init(&diag);
	ck_assert_int_eq(vg_parser_new(&conf, &p, &diag), VG_OK);
	struct vg_parse_ctx *ctx = vg_parse_ctx_new(p);
	static const struct {
		const char *line, *ts, *app;
	} cases[] = {
	    /* UTC / GMT: the zone the line names, not the configured one */
	    {"3924923: *Oct  6 03:32:04.114 gmt: %SEC-6-IPACCESSLOGP: list bcv_out "
	     "denied tcp 10.0.3.100(50150) -> 192.168.216.1(443), 1 packet",
	     "2015-10-06T03:32:04.114000Z", "%SEC-6-IPACCESSLOGP"},
	    {"<189>Oct 6 03:32:02 UTC: %SYS-5-CONFIG_I: Configured from console",
	     "2015-10-06T03:32:02.000000Z", "%SYS-5-CONFIG_I"},
	    /* a name set by `clock timezone`: the configured offset */
	    {"681: Aug 17 17:41:24.776 AEST: %SEC-6-IPACCESSLOGP: list 102 denied tcp",
	     "2015-08-17T16:41:24.776000Z", "%SEC-6-IPACCESSLOGP"},
	    {"Oct 6 03:32:02 mng: %ASA-6-302013: Built outbound",
	     "2015-10-06T02:32:02.000000Z", "%ASA-6-302013"},
	    /* no mnemonic after it: the word is the program, as before */
	    {"Oct 6 03:32:02 kernel: %SEC is not a mnemonic",
	     "2015-10-06T02:32:02.000000Z", "kernel"},
	    {"Oct 6 03:32:02 gmt: %SEC-9-X: severity above 7",
	     "2015-10-06T02:32:02.000000Z", "gmt"},
	    {"Oct 6 03:32:02 cron2: %SEC-6-X: not letters only",
	     "2015-10-06T02:32:02.000000Z", "cron2"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(vg_parse(p, ctx, VG_FMT_SYSLOG, cases[i].line,
		                          strlen(cases[i].line), REF_2015, g_arena, &ev,
		                          &reason),
		                 VG_OK);
		expect_ts(ev, cases[i].ts);
		expect(ev, "log.syslog.appname", cases[i].app);
		expect_unset(ev, "host.name");
	}
	vg_parse_ctx_destroy(ctx);
	vg_parser_destroy(p);
}
END_TEST

/* Cisco PIX / ASA: '.' (clock authoritative but not synchronised) and a year. */
START_TEST(rfc3164_cisco_pix_header)
{
	struct vg_event *ev =
	    parse_ok(VG_FMT_SYSLOG,
	             "<190>.Apr 15 2007 21:28:13: %PIX-6-302014: Teardown TCP connection "
	             "1688438 for bloomberg-net:1.2.3.4/8294 to inside:5.6.7.8/3639",
	             REF_2015);
	expect_ts(ev, "2007-04-15T21:28:13.000000Z");
	expect_unset(ev, "host.name");
	expect(ev, "log.syslog.appname", "%PIX-6-302014");
	expect(ev, "message",
	       "Teardown TCP connection 1688438 for "
	       "bloomberg-net:1.2.3.4/8294 to inside:5.6.7.8/3639");
	expect(ev, "sd.timeQuality.isSynced", "0");
	expect_unset(ev, "sd.meta.sequenceId");
	/* with a HOSTNAME */
	ev = parse_ok(VG_FMT_SYSLOG,
	              "<166>.Apr 15 2007 21:28:13 fw1 %ASA-6-302013: Built outbound",
	              REF_2015);
	expect(ev, "host.name", "fw1");
	expect(ev, "log.syslog.appname", "%ASA-6-302013");
	expect(ev, "message", "Built outbound");
}
END_TEST

START_TEST(frame_octet_and_lf)
{
	const char *rec, *reason;
	size_t n, used;
	const char *s = "16 <1>1 - - - - - -16 <2>1 - h - - - -";
	size_t len = strlen(s);
	ck_assert_int_eq(
	    vg_frame_next(VG_FRAMING_OCTET, s, len, true, 0, &rec, &n, &used, &reason),
	    VG_OK);
	ck_assert_uint_eq(n, 16);
	ck_assert(memcmp(rec, "<1>1 - - - - - -", 16) == 0);
	ck_assert_uint_eq(used, 19);
	ck_assert_int_eq(vg_frame_next(VG_FRAMING_AUTO, s + used, len - used, true, 0,
	                               &rec, &n, &used, &reason),
	                 VG_OK);
	ck_assert(n == 16 && memcmp(rec, "<2>1 - h - - - -", 16) == 0);
	/* a stream that ends between records ends cleanly (nothing left) */
	ck_assert_int_eq(vg_frame_next(VG_FRAMING_OCTET, s + len, 0, true, 0, &rec, &n,
	                               &used, &reason),
	                 VG_ERR_NOTFOUND);
	ck_assert_uint_eq(used, 0);
	ck_assert_int_eq(
	    vg_frame_next(VG_FRAMING_OCTET, "", 0, false, 0, &rec, &n, &used, &reason),
	    VG_ERR_NOTFOUND);
	/* incomplete: more bytes needed, or an error at end of stream */
	ck_assert_int_eq(vg_frame_next(VG_FRAMING_OCTET, "16 <1>1", 7, false, 0, &rec, &n,
	                               &used, &reason),
	                 VG_ERR_NOTFOUND);
	ck_assert_int_eq(vg_frame_next(VG_FRAMING_OCTET, "16 <1>1", 7, true, 0, &rec, &n,
	                               &used, &reason),
	                 VG_ERR_PARSE);
	ck_assert_uint_eq(used, 7);
	ck_assert_str_eq(reason, "octet-counting: stream ends before MSG-LEN octets");
	ck_assert_int_eq(vg_frame_next(VG_FRAMING_OCTET, "16<1>1", 6, true, 0, &rec, &n,
	                               &used, &reason),
	                 VG_ERR_PARSE);
	ck_assert_int_eq(vg_frame_next(VG_FRAMING_OCTET, "16 <1>1 - - - - - -", 19, true,
	                               10, &rec, &n, &used, &reason),
	                 VG_ERR_PARSE);
	ck_assert_str_eq(reason, "octet-counting: MSG-LEN exceeds the record size limit");
	/* LF framing: CR LF, blank lines skipped, last line without LF at EOF */
	const char *l = "a b\r\n\n\nc d";
	len = strlen(l);
	ck_assert_int_eq(
	    vg_frame_next(VG_FRAMING_AUTO, l, len, false, 0, &rec, &n, &used, &reason),
	    VG_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(used, 5);
	ck_assert_int_eq(vg_frame_next(VG_FRAMING_LF, l + 5, len - 5, false, 0, &rec, &n,
	                               &used, &reason),
	                 VG_ERR_NOTFOUND);
	ck_assert_int_eq(vg_frame_next(VG_FRAMING_LF, l + 5, len - 5, true, 0, &rec, &n,
	                               &used, &reason),
	                 VG_OK);
	ck_assert(n == 3 && memcmp(rec, "c d", 3) == 0);
	ck_assert_uint_eq(used, len - 5);
	/* an ISO timestamp starts with digits but is not MSG-LEN */
	l = "2024-05-01T10:11:12Z h t: m\n";
	ck_assert_int_eq(vg_frame_next(VG_FRAMING_AUTO, l, strlen(l), false, 0, &rec, &n,
	                               &used, &reason),
	                 VG_OK);
	ck_assert_uint_eq(n, strlen(l) - 1);
	/* nor RFC 3164's year-first one, digits and SP: a framed message starts
	 * with '<' (it was taken for MSG-LEN 2024, swallowing the lines after it,
	 * or an error consuming the rest of the stream) */
	l = "2024 Mar  1 00:00:01 host sshd[1]: Failed password\n<13>1 - h - - - - x\n";
	for (int eof = 0; eof < 2; eof++) {
		ck_assert_int_eq(vg_frame_next(VG_FRAMING_AUTO, l, strlen(l), eof, 0,
		                               &rec, &n, &used, &reason),
		                 VG_OK);
		ck_assert_uint_eq(
		    n, strlen("2024 Mar  1 00:00:01 host sshd[1]: Failed password"));
		ck_assert_int_eq(vg_frame_next(VG_FRAMING_AUTO, l + used,
		                               strlen(l) - used, eof, 0, &rec, &n, &used,
		                               &reason),
		                 VG_OK);
		ck_assert(n == 19 && memcmp(rec, "<13>1 - h - - - - x", 19) == 0);
	}
	/* digits and SP, the next byte still to come: cannot tell yet */
	ck_assert_int_eq(
	    vg_frame_next(VG_FRAMING_AUTO, "16 ", 3, false, 0, &rec, &n, &used, &reason),
	    VG_ERR_NOTFOUND);
}
END_TEST

START_TEST(format_detection)
{
	struct vg_event *ev = parse_ok(VG_FMT_AUTO, "<34>1 - - - - - -", REF_2015);
	expect(ev, "vigil.format", "rfc5424");
	ev = parse_ok(VG_FMT_AUTO, "<34>Dec 10 06:55:46 h t: m", REF_2015);
	expect(ev, "vigil.format", "rfc3164");
	ev = parse_ok(VG_FMT_AUTO, "  \t{\"a\": 1}", REF_2015);
	expect(ev, "vigil.format", "json");
	/* forcing a format means no guessing */
	ck_assert_str_eq(parse_fail(VG_FMT_JSON, "<34>1 - - - - - -"),
	                 "json: expected an object at offset 0");
	ck_assert_str_eq(parse_fail(VG_FMT_RFC5424, "Dec 10 06:55:46 h t: m"),
	                 "rfc5424: invalid PRI at column 1");

	enum vg_format f;
	ck_assert(vg_format_from_name("rfc5424", &f) && f == VG_FMT_RFC5424);
	ck_assert(vg_format_from_name("auto", &f) && f == VG_FMT_AUTO);
	ck_assert(!vg_format_from_name("xml", &f));
	ck_assert_str_eq(vg_format_name(VG_FMT_JSON), "json");
	ck_assert_str_eq(vg_format_name(VG_FMT_SYSLOG), "syslog");
	/* a whole file's format, when nobody said: the AIT-ADS header, JSON names */
	static const char hdr[] = "time,name,ip,host,short,time_label,event_label\r";
	ck_assert_int_eq(vg_format_of_file("a.csv", hdr, sizeof(hdr) - 1), VG_FMT_AITADS);
	ck_assert_int_eq(vg_format_of_file("-", hdr, sizeof(hdr) - 2), VG_FMT_AITADS);
	ck_assert_int_eq(vg_format_of_file("a.csv", hdr, 20), VG_FMT_AUTO);
	ck_assert_int_eq(vg_format_of_file("x/e.JSONL", "hello", 5), VG_FMT_JSON);
	ck_assert_int_eq(vg_format_of_file("e.ndjson", "{}", 2), VG_FMT_JSON);
	ck_assert_int_eq(vg_format_of_file("e.json", "{}", 2), VG_FMT_JSON);
	ck_assert_int_eq(vg_format_of_file("json", "<34>1 -", 7), VG_FMT_AUTO);
	ck_assert_int_eq(vg_format_of_file("syslog.log", "{}", 2), VG_FMT_AUTO);
	/* 4 + the 10 of this change (+ ufw.yaml, in progress elsewhere) */
	ck_assert_uint_ge(vg_parser_decoder_count(g_parser), 14);
	vg_parser_destroy(NULL);
	vg_parse_ctx_destroy(NULL);
}
END_TEST

/* ---------------------------------------------------------------- JSON */

START_TEST(json_nested_sysmon_event)
{
	const char *line =
	    "{\"Event\":{\"System\":{\"Provider\":{\"@Name\":\"Microsoft-Windows-"
	    "Sysmon\"},"
	    "\"EventID\":1,\"Channel\":\"Microsoft-Windows-Sysmon/Operational\","
	    "\"Computer\":\"WS1.corp\",\"TimeCreated\":{\"@SystemTime\":"
	    "\"2024-03-01T10:00:00.123456Z\"}},\"EventData\":{\"Image\":"
	    "\"C:\\\\Windows\\\\System32\\\\cmd.exe\",\"CommandLine\":\"cmd /c whoami\","
	    "\"User\":\"CORP\\\\bob\",\"TargetObject\":\"HKLM\\\\x\",\"UtcTime\":"
	    "\"2024-03-01 10:00:00.100\",\"ProcessId\":\"4242\"}}}";
	struct vg_event *ev = parse_ok(VG_FMT_AUTO, line, REF_2015);
	/* nested keys flatten to dotted names */
	expect_kind(ev, "Event.System.EventID", "1", VG_VK_NUM);
	expect(ev, "Event.System.Provider.@Name", "Microsoft-Windows-Sysmon");
	expect(ev, "Event.EventData.Image", "C:\\Windows\\System32\\cmd.exe");
	/* vendor names listed in field-aliases.yaml set the ECS field too */
	expect(ev, "process.executable", "C:\\Windows\\System32\\cmd.exe");
	expect(ev, "process.command_line", "cmd /c whoami");
	expect(ev, "user.name", "CORP\\bob");
	expect(ev, "host.name", "WS1.corp");
	expect(ev, "event.code", "1");
	expect(ev, "process.pid", "4242");
	/* and the vendor name itself, which the alias loader registered */
	expect(ev, "Image", "C:\\Windows\\System32\\cmd.exe");
	expect(ev, "EventID", "1");
	expect_unset(ev, "TargetObject"); /* not a registry name: full path only */
	expect(ev, "Event.EventData.TargetObject", "HKLM\\x");
	/* UtcTime (when it happened) beats SystemTime (when it was logged) */
	expect_ts(ev, "2024-03-01T10:00:00.100000Z");
	expect(ev, "event.module", "windows");
	expect(ev, "event.dataset", "sysmon");
	expect(ev, "vigil.format", "json");
}
END_TEST

START_TEST(json_flat_windows_security)
{
	struct vg_event *ev = parse_ok(
	    VG_FMT_JSON,
	    "{\"Provider\": \"Microsoft-Windows-Security-Auditing\", \"EventID\": 4624, "
	    "\"Channel\": \"Security\", \"Computer\": \"DC1\", \"TimeCreated\": "
	    "\"2020-08-02 16:24:07.551365\", \"TargetUserName\": \"t\", "
	    "\"SubjectUserName\": \"s\", \"IpAddress\": \"10.1.2.3\", \"IpPort\": "
	    "\"5050\"}",
	    REF_2015);
	expect_ts(ev, "2020-08-02T16:24:07.551365Z");
	expect(ev, "event.provider", "Microsoft-Windows-Security-Auditing");
	expect(ev, "event.module", "windows");
	expect(ev, "event.dataset", "security");
	expect_kind(ev, "event.code", "4624", VG_VK_NUM);
	/* the subject acts, the target is acted upon: two fields */
	expect(ev, "user.name", "s");
	expect(ev, "user.target.name", "t");
	expect(ev, "source.ip", "10.1.2.3");
	expect(ev, "source.port", "5050");
}
END_TEST

START_TEST(json_explicit_ecs_beats_alias)
{
	struct vg_event *ev =
	    parse_ok(VG_FMT_JSON,
	             "{\"User\":\"a\",\"user\":{\"name\":\"b\"},\"event.module\":\"x\"}",
	             REF_2015);
	expect(ev, "user.name", "b");
	expect(ev, "User", "a");
	ev = parse_ok(VG_FMT_JSON,
	              "{\"user.name\":\"b\",\"User\":\"a\",\"Channel\":\"Security\"}",
	              REF_2015);
	expect(ev, "user.name", "b");
	expect(ev, "event.dataset", "security");
	ev = parse_ok(VG_FMT_JSON,
	              "{\"event\":{\"module\":\"osquery\",\"dataset\":\"d\"},"
	              "\"Channel\":\"Security\"}",
	              REF_2015);
	expect(ev, "event.module", "osquery");
	expect(ev, "event.dataset", "d");
	/* a null vendor value sets the ECS field to null (present, for `exists`),
	 * while nothing else sets it; any value wins over it */
	ev = parse_ok(VG_FMT_JSON, "{\"User\":null}", REF_2015);
	expect_kind(ev, "User", "null", VG_VK_NULL);
	expect_kind(ev, "user.name", "null", VG_VK_NULL);
	expect_unset(ev, "event.module");
}
END_TEST

START_TEST(json_timestamps)
{
	struct vg_event *ev =
	    parse_ok(VG_FMT_JSON,
	             "{\"UtcTime\":\"2024-03-01 "
	             "10:00:00.100\",\"@timestamp\":\"2024-03-01T11:00:00Z\"}",
	             REF_2015);
	expect_ts(ev, "2024-03-01T11:00:00.000000Z");
	ev = parse_ok(VG_FMT_JSON, "{\"timestamp\":\"2024-03-01T11:00:00+02:00\"}",
	              REF_2015);
	expect_ts(ev, "2024-03-01T09:00:00.000000Z");
	/* an unparseable better candidate falls back to the next one */
	ev = parse_ok(
	    VG_FMT_JSON,
	    "{\"@timestamp\":\"yesterday\",\"Event\":{\"System\":{\"TimeCreated\":"
	    "{\"SystemTime\":\"2019-05-14T00:31:14.2234567Z\"}}}}",
	    REF_2015);
	expect_ts(ev, "2019-05-14T00:31:14.223456Z");
	ev = parse_ok(VG_FMT_JSON, "{\"a\":1}", REF_2015);
	expect_ts(ev, "2015-12-11T00:00:00.000000Z");
	/* no time claimed (null, empty): the reference time, as for RFC 5424's "-" */
	ev = parse_ok(VG_FMT_JSON, "{\"@timestamp\":null,\"UtcTime\":\"\"}", REF_2015);
	expect_ts(ev, "2015-12-11T00:00:00.000000Z");
	/* a number since 1970, its unit told by its digits, as loggers write it
	 * (it was a dead letter, and before that the time the record was read) */
	static const struct {
		const char *in, *ts;
	} epoch[] = {
	    {"{\"timestamp\":1700000000}", "2023-11-14T22:13:20.000000Z"},
	    {"{\"@timestamp\":\"1700000000.25\"}", "2023-11-14T22:13:20.250000Z"},
	    {"{\"timestamp\":1700000000123}", "2023-11-14T22:13:20.123000Z"},
	    {"{\"timestamp\":1700000000123.5}", "2023-11-14T22:13:20.123500Z"},
	    {"{\"timestamp\":1700000000123456}", "2023-11-14T22:13:20.123456Z"},
	    {"{\"timestamp\":1700000000123456789}", "2023-11-14T22:13:20.123456Z"},
	    {"{\"timestamp\":-15.5}", "1969-12-31T23:59:44.500000Z"},
	    {"{\"timestamp\":-62167219200}", "0000-01-01T00:00:00.000000Z"},
	};
	for (size_t i = 0; i < sizeof(epoch) / sizeof(epoch[0]); i++)
		expect_ts(parse_ok(VG_FMT_JSON, epoch[i].in, REF_2015), epoch[i].ts);
	/* a time claimed that no candidate can read is a dead letter, not an event
	 * stamped with the time it was read */
	static const struct {
		const char *in, *reason;
	} bad[] = {
	    {"{\"@timestamp\":\"2024-02-30T00:00:00Z\",\"message\":\"m\"}",
	     "json: invalid timestamp in @timestamp at offset 14"},
	    {"{\"message\":\"m\", \"@timestamp\": 1.7e9}",
	     "json: invalid timestamp in @timestamp at offset 30"},
	    {"{\"timestamp\":\"17000000001234567890\"}", /* 20 digits */
	     "json: invalid timestamp in timestamp at offset 13"},
	    {"{\"timestamp\":\"yesterday\"}",
	     "json: invalid timestamp in timestamp at offset 13"},
	    {"{\"Event\":{\"EventData\":{\"UtcTime\":\"2024-13-01 00:00:00\"}}}",
	     "json: invalid timestamp in UtcTime at offset 33"},
	    {"{\"@timestamp\":\"2024-02-30T00:00:00\\u005A\"}",
	     "json: invalid timestamp in @timestamp"}, /* decoded: no offset */
	    {"{\"@timestamp\":\"x\",\"UtcTime\":\"y\"}",
	     "json: invalid timestamp in @timestamp at offset 14"},
	    /* before the year 0000: no RFC 3339 time can write it (it was stored
	     * and published as "-1199-02-15T14:13:21.000000Z", invalid STIX) */
	    {"{\"UtcTime\":\"-99999999999\"}",
	     "json: invalid timestamp in UtcTime at offset 11"},
	    {"{\"timestamp\":-62167219200.5}",
	     "json: invalid timestamp in timestamp at offset 13"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_str_eq(parse_fail(VG_FMT_JSON, bad[i].in), bad[i].reason);
}
END_TEST

START_TEST(json_escapes_and_surrogates)
{
	struct vg_event *ev =
	    parse_ok(VG_FMT_JSON,
	             "{\"s\":\"x\\ny\\\"z\\\\\\/"
	             "\\t\\u00e9\\u20ac\\ud83d\\ude00\",\"k\\u0041y\":\"plain\","
	             "\"lone\":\"\\ud800x\\udc00\",\"utf8\":"
	             "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}",
	             REF_2015);
	expect(ev, "s", "x\ny\"z\\/\t\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	expect(ev, "kAy", "plain");
	expect(ev, "lone", "\xef\xbf\xbdx\xef\xbf\xbd");
	expect(ev, "utf8", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	/* a value without escapes points into the record (zero copy) */
	const struct vg_value *v = vg_event_get_named(ev, "kAy");
	ck_assert(v->ptr > ev->raw.ptr && v->ptr < ev->raw.ptr + ev->raw.len);
}
END_TEST

START_TEST(json_arrays_and_scalars)
{
	struct vg_event *ev = parse_ok(
	    VG_FMT_JSON,
	    "{\"tags\": [\"a\", {\"b\": [1, 2]}, []], \"n\": null, \"t\": true, "
	    "\"f\": false, \"x\": -1.5e+3, \"z\": 0, \"e\": {}, \"o\": {\"p\": [ ]}}",
	    REF_2015);
	expect_kind(ev, "tags", "[\"a\", {\"b\": [1, 2]}, []]", VG_VK_LIST);
	expect_kind(ev, "n", "null", VG_VK_NULL);
	expect_kind(ev, "t", "true", VG_VK_BOOL);
	expect_kind(ev, "f", "false", VG_VK_BOOL);
	expect_kind(ev, "x", "-1.5e+3", VG_VK_NUM);
	expect_kind(ev, "z", "0", VG_VK_NUM);
	expect_unset(ev, "e");
	expect_kind(ev, "o.p", "[ ]", VG_VK_LIST);
	/* vg_event_to_json writes it back as one flat object */
	struct vg_buf b;
	vg_buf_init(&b);
	ev = parse_ok(VG_FMT_JSON, "{\"a\":{\"b\":\"c\"},\"n\":[1]}",
	              T("2024-01-01T00:00:00Z"));
	vg_event_to_json(ev, &b);
	ck_assert_str_eq(b.data,
	                 "{\"@timestamp\":\"2024-01-01T00:00:00.000000Z\","
	                 "\"vigil.format\":\"json\",\"a.b\":\"c\",\"n\":\"[1]\"}");
	vg_buf_free(&b);
}
END_TEST

static char *nested(int depth)
{
	char *s = malloc((size_t)depth * 6 + 16);
	if (!s)
		abort();
	size_t n = 0;
	for (int i = 0; i < depth; i++, n += 5)
		memcpy(s + n, "{\"a\":", 5);
	s[n++] = '1';
	for (int i = 0; i < depth; i++)
		s[n++] = '}';
	s[n] = '\0';
	return s;
}

START_TEST(json_depth_limit)
{
	char *ok = nested(64), *bad = nested(65);
	struct vg_event *ev = parse_ok(VG_FMT_JSON, ok, REF_2015);
	ck_assert_uint_eq(ev->nextras, 1);
	ck_assert_uint_eq(ev->extras->name_len, 64 * 2 - 1);
	ck_assert_str_eq(parse_fail(VG_FMT_JSON, bad),
	                 "json: nesting deeper than 64 at offset 320");
	free(ok);
	free(bad);
	/* arrays count too, and a huge nesting costs no stack */
	size_t n = 200000;
	char *deep = malloc(n + 8);
	ck_assert_ptr_nonnull(deep);
	memcpy(deep, "{\"a\":", 5);
	memset(deep + 5, '[', n);
	deep[n + 5] = '\0';
	ck_assert_str_eq(parse_fail(VG_FMT_JSON, deep),
	                 "json: nesting deeper than 64 at offset 68");
	free(deep);
}
END_TEST

START_TEST(json_invalid_reasons)
{
	static const struct {
		const char *in, *reason;
	} cases[] = {
	    {"{\"a\":1,}", "json: expected a string key at offset 7"},
	    {"{\"a\" 1}", "json: expected ':' at offset 5"},
	    {"[1]", "json: expected an object at offset 0"},
	    {"\"s\"", "json: expected an object at offset 0"},
	    {"{\"a\":tru}", "json: unexpected character at offset 5"},
	    {"{\"a\":01}", "json: unexpected character at offset 6"},
	    {"{\"a\":1.}", "json: invalid number at offset 5"},
	    {"{\"a\":-}", "json: invalid number at offset 5"},
	    {"{\"a\":1e}", "json: invalid number at offset 5"},
	    {"{\"a\":+1}", "json: unexpected character at offset 5"},
	    {"{\"a\":\"\x01\"}", "json: control character in string at offset 6"},
	    {"{\"a\":\"\xff\"}", "json: invalid UTF-8 at offset 6"},
	    {"{\"a\":\"\xed\xa0\x80\"}", "json: invalid UTF-8 at offset 6"},
	    {"{\"a\":\"\xc3\"}", "json: invalid UTF-8 at offset 6"},
	    {"{\"a\":1} x", "json: unexpected character at offset 8"},
	    {"{\"a\":1}{}", "json: unexpected character at offset 7"},
	    {"{\"a\":\"abc", "json: unterminated string at offset 5"},
	    {"{\"a\":\"\\q\"}", "json: invalid escape at offset 6"},
	    {"{\"a\":\"\\u12g4\"}", "json: invalid \\u escape at offset 6"},
	    {"{\"a\":1", "json: unexpected end of input at offset 6"},
	    {"{\"a\":[1,]}", "json: unexpected character at offset 8"},
	    {"{'a':1}", "json: expected a string key at offset 1"},
	    {"{\"a\":NaN}", "json: unexpected character at offset 5"},
	    {"{\"logon\": {\"user\" : x}}", "json: unexpected character at offset 20"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_str_eq(parse_fail(VG_FMT_JSON, cases[i].in), cases[i].reason);
	ck_assert_str_eq(parse_fail_n(VG_FMT_JSON, "{\"a\":\"\0\"}", 8),
	                 "json: control character in string at offset 6");
	/* a key path longer than the limit is refused, not truncated */
	size_t n = 1100;
	char *big = malloc(n + 16);
	ck_assert_ptr_nonnull(big);
	big[0] = '{';
	big[1] = '"';
	memset(big + 2, 'k', n);
	strcpy(big + 2 + n, "\":1}");
	ck_assert_str_eq(parse_fail(VG_FMT_JSON, big),
	                 "json: key path too long at offset 1");
	free(big);
}
END_TEST

/* ------------------------------------------------------ decoder loading */

static void write_file(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", g_dir, name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void make_dir(void)
{
	strcpy(g_dir, "/tmp/vg-decoders-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(g_dir));
}

static void remove_dir(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
	ck_assert_int_eq(system(cmd), 0);
	g_dir[0] = '\0';
}

/* Load one file from the temp dir; @return the error and fill diag. */
static vg_err load_one(const char *name, struct vg_parser **out, struct vg_diag *diag)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", g_dir, name);
	const char *paths[] = {path};
	struct vg_parser_conf conf = {.decoder_paths = paths, .n_decoder_paths = 1};
	vg_diag_init(diag);
	return vg_parser_new(&conf, out, diag);
}

static void expect_msg(const struct vg_diag *diag, size_t i, const char *file,
                       const char *rest)
{
	char want[512];
	snprintf(want, sizeof(want), "%s/%s:%s", g_dir, file, rest);
	ck_assert_msg(i < diag->count, "only %zu messages, want: %s", diag->count, want);
	ck_assert_str_eq(diag->msgs[i], want);
}

START_TEST(decoder_unknown_keys_suggest)
{
	struct vg_parser *p = NULL;
	struct vg_diag diag;
	make_dir();
	write_file("typo.yaml", "decoder: x\n"
	                        "match: {programs: [x]}\n"
	                        "patern:\n"
	                        "  - name: a\n"
	                        "    regex: 'a'\n"
	                        "patterns:\n"
	                        "  - name: a\n"
	                        "    regx: 'a'\n"
	                        "    fields: {user.nmae: g}\n");
	ck_assert_int_eq(load_one("typo.yaml", &p, &diag), VG_ERR_CONFIG);
	ck_assert_ptr_null(p);
	expect_msg(
	    &diag, 0, "typo.yaml",
	    "3:1: error: unknown key 'patern' in decoder (did you mean 'patterns'?)");
	expect_msg(
	    &diag, 1, "typo.yaml",
	    "2:9: error: unknown key 'programs' in match (did you mean 'program'?)");
	expect_msg(&diag, 2, "typo.yaml",
	           "2:8: error: decoder 'x': 'match' needs 'program' or 'prefilter'");
	expect_msg(&diag, 3, "typo.yaml",
	           "8:5: error: unknown key 'regx' in pattern (did you mean 'regex'?)");
	expect_msg(&diag, 4, "typo.yaml",
	           "7:5: error: decoder 'x' pattern 'a': missing 'regex'");
	ck_assert_uint_eq(diag.count, 5);
	vg_diag_clear(&diag);
	remove_dir();
}
END_TEST

START_TEST(decoder_bad_regex_reports_offset)
{
	struct vg_parser *p = NULL;
	struct vg_diag diag;
	make_dir();
	write_file("rx.yaml", "decoder: sshd\n"
	                      "match: {program: sshd}\n"
	                      "patterns:\n"
	                      "  - name: accepted\n"
	                      "    regex: '^Accepted (?<user>\\S+ for'\n"
	                      "  - name: other\n"
	                      "    regex: 'a{2,1}'\n"
	                      "  - name: groups\n"
	                      "    regex: '(?<u>\\S+) (?<v>\\S+)'\n"
	                      "    fields: {user.name: u, source.ip: w, user.nmae: u}\n");
	ck_assert_int_eq(load_one("rx.yaml", &p, &diag), VG_ERR_CONFIG);
	expect_msg(&diag, 0, "rx.yaml",
	           "5:12: error: decoder 'sshd' pattern 'accepted': missing closing "
	           "parenthesis at offset 25");
	expect_msg(&diag, 1, "rx.yaml",
	           "7:12: error: decoder 'sshd' pattern 'other': numbers out of order in "
	           "{} quantifier at offset 5");
	expect_msg(
	    &diag, 2, "rx.yaml",
	    "10:39: error: decoder 'sshd' pattern 'groups': no capture group named 'w'");
	expect_msg(
	    &diag, 3, "rx.yaml",
	    "10:42: error: decoder 'sshd': unknown field 'user.nmae' (did you mean "
	    "'user.name'?)");
	expect_msg(
	    &diag, 4, "rx.yaml",
	    "9:12: warning: decoder 'sshd' pattern 'groups': capture group 'v' is not "
	    "used in 'fields'");
	ck_assert_uint_eq(diag.count, 5);
	ck_assert_uint_eq(diag.errors, 4);
	vg_diag_clear(&diag);
	remove_dir();

	/* a missing name does not hide the problems under it; a pattern may not
	 * turn UTF mode on (pcre2_jit_match does not check a subject's UTF) */
	make_dir();
	write_file("n.yaml",
	           "decoder: n\n"
	           "match: {program: n}\n"
	           "patterns:\n"
	           "  - regex: '^a(?<x>b'\n"
	           "  - {name: u, regex: '(*UTF)^x(?<c>.)', fields: {user.name: "
	           "c}}\n"
	           "---\n"
	           "match: {program: m}\n"
	           "patterns: [{name: q, regex: '^(('}]\n");
	ck_assert_int_eq(load_one("n.yaml", &p, &diag), VG_ERR_CONFIG);
	expect_msg(&diag, 0, "n.yaml", "4:5: error: decoder 'n': pattern needs a 'name'");
	expect_msg(&diag, 1, "n.yaml",
	           "4:12: error: decoder 'n' pattern '#1': missing closing parenthesis "
	           "at offset 8");
	expect_msg(&diag, 2, "n.yaml",
	           "5:22: error: decoder 'n' pattern 'u': using UTF is disabled by the "
	           "application at offset 6 (decoder patterns match bytes, not UTF-8 "
	           "characters)");
	expect_msg(&diag, 3, "n.yaml",
	           "7:1: error: missing 'decoder' (the decoder's name)");
	expect_msg(&diag, 4, "n.yaml",
	           "8:29: error: decoder '(unnamed)' pattern 'q': missing closing "
	           "parenthesis at offset 3");
	ck_assert_uint_eq(diag.errors, 5);
	vg_diag_clear(&diag);
	remove_dir();
}
END_TEST

START_TEST(decoder_structure_errors)
{
	struct vg_parser *p = NULL;
	struct vg_diag diag;
	make_dir();
	write_file("a.yaml",
	           "decoder: dup\nmatch: {program: a}\n"
	           "patterns: [{name: p, regex: 'x'}, {name: p, regex: 'y'}]\n");
	write_file(
	    "b.yaml",
	    "decoder: dup\nmatch: {program: b}\npatterns: [{name: p, regex: x}]\n");
	write_file("c.yml",
	           "decoder: c\nmatch: {prefilter: ''}\nset: [1]\npatterns: []\n");
	write_file("d.yaml", "decoder: d\n  bad: [\n");
	write_file("e.txt", "not yaml, not loaded");
	/* a key written twice: which one is meant is not sure */
	write_file("f.yaml", "decoder: f\nmatch: {program: f}\n"
	                     "patterns: [{name: p, regex: 'x', regex: 'y'}]\n");
	ck_assert_int_eq(load_one("", &p, &diag), VG_ERR_CONFIG);
	expect_msg(&diag, 0, "a.yaml",
	           "3:42: error: decoder 'dup': pattern 'p' is defined twice");
	char want[256];
	snprintf(want, sizeof(want),
	         "%s/b.yaml:1:10: error: decoder 'dup' is already defined in %s/a.yaml",
	         g_dir, g_dir);
	ck_assert_str_eq(diag.msgs[1], want);
	expect_msg(&diag, 2, "c.yml",
	           "2:20: error: decoder 'c': 'prefilter' must be a non-empty string");
	expect_msg(&diag, 3, "c.yml",
	           "2:8: error: decoder 'c': 'match' needs 'program' or 'prefilter'");
	expect_msg(&diag, 4, "c.yml",
	           "3:6: error: decoder 'c': 'set' must be a mapping of field: value");
	expect_msg(&diag, 5, "c.yml",
	           "4:11: error: decoder 'c': 'patterns' must be a non-empty list");
	expect_msg(&diag, 6, "d.yaml",
	           "2:6: error: mapping values are not allowed in this context");
	expect_msg(&diag, 7, "f.yaml",
	           "3:34: error: key 'regex' is set twice (first at line 3)");
	ck_assert_uint_eq(diag.count, 8);
	vg_diag_clear(&diag);

	const char *missing[] = {"/nonexistent/vigil-decoders"};
	struct vg_parser_conf conf = {.decoder_paths = missing, .n_decoder_paths = 1};
	ck_assert_int_eq(vg_parser_new(&conf, &p, &diag), VG_ERR_CONFIG);
	ck_assert_str_eq(diag.msgs[0],
	                 "/nonexistent/vigil-decoders: error: decoder path: "
	                 "cannot open: No such file or directory");
	vg_diag_clear(&diag);
	remove_dir();
}
END_TEST

/* The memcmp fast path must never hide a match PCRE2 would find. */
START_TEST(decoder_literal_fast_path)
{
	struct vg_parser *p = NULL;
	struct vg_diag diag;
	struct vg_event *ev;
	const char *reason;
	make_dir();
	write_file("lit.yaml", "decoder: lit\n"
	                       "match: {program: lit}\n"
	                       "patterns:\n"
	                       "  - name: alt\n"
	                       "    regex: '^alpha one|beta (?<x>\\d+)'\n"
	                       "    fields: {event.code: x}\n"
	                       "    set: {event.action: alt}\n"
	                       "  - name: quant\n"
	                       "    regex: '^abcd?e (?<y>\\w+)'\n"
	                       "    fields: {event.code: y}\n"
	                       "    set: {event.action: quant}\n"
	                       "  - name: esc\n"
	                       "    regex: '^\\(x\\) (?<z>\\w+)'\n"
	                       "    fields: {event.code: z}\n"
	                       "    set: {event.action: esc}\n");
	ck_assert_int_eq(load_one("lit.yaml", &p, &diag), VG_OK);
	struct vg_parse_ctx *ctx = vg_parse_ctx_new(p);
	static const struct {
		const char *line, *action, *code;
	} cases[] = {
	    {"Dec 10 06:55:46 h lit: xx beta 42", "alt",
	     "42"}, /* 2nd branch unanchored */
	    {"Dec 10 06:55:46 h lit: alpha one", "alt", NULL},
	    {"Dec 10 06:55:46 h lit: abce q1", "quant", "q1"}, /* 'd' is optional */
	    {"Dec 10 06:55:46 h lit: abcde q2", "quant", "q2"},
	    {"Dec 10 06:55:46 h lit: (x) q3", "esc", "q3"},
	    {"Dec 10 06:55:46 h lit: abc", NULL, NULL}, /* shorter than the literal */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(vg_parse(p, ctx, VG_FMT_SYSLOG, cases[i].line,
		                          strlen(cases[i].line), REF_2015, g_arena, &ev,
		                          &reason),
		                 VG_OK);
		if (cases[i].action)
			expect(ev, "event.action", cases[i].action);
		else
			expect_unset(ev, "event.action");
		if (cases[i].code)
			expect(ev, "event.code", cases[i].code);
	}
	vg_parse_ctx_destroy(ctx);
	vg_parser_destroy(p);
	vg_diag_clear(&diag);
}
END_TEST

START_TEST(decoder_custom_selection)
{
	struct vg_parser *p = NULL;
	struct vg_diag diag;
	struct vg_event *ev;
	const char *reason;
	make_dir();
	/* two documents in one file: one by program, one by prefilter only */
	write_file(
	    "custom.yaml",
	    "decoder: app\n"
	    "match: {program: [app, app2]}\n"
	    "set: {event.dataset: app, event.severity: 3}\n"
	    "patterns:\n"
	    "  - name: login\n"
	    "    regex: '^login (?<u>\\w+) port (?<port>\\S+)(?: tag (?<t>\\w+))?'\n"
	    "    fields: {user.name: u, source.port: port, app.tag: t}\n"
	    "    set: {event.action: app_login}\n"
	    "---\n"
	    "decoder: anyfw\n"
	    "match: {prefilter: 'FW-DROP '}\n"
	    "set: {event.dataset: firewall}\n"
	    "patterns:\n"
	    "  - name: drop\n"
	    "    regex: 'FW-DROP src=(?<ip>\\S+)'\n"
	    "    fields: {source.ip: ip}\n");
	ck_assert_int_eq(load_one("custom.yaml", &p, &diag), VG_OK);
	ck_assert_uint_eq(diag.count, 0);
	ck_assert_uint_eq(vg_parser_decoder_count(p), 2);
	struct vg_parse_ctx *ctx = vg_parse_ctx_new(p);

	const char *l1 =
	    "Dec 10 06:55:46 h app2[1]: login bob port 22 FW-DROP src=1.1.1.1";
	ck_assert_int_eq(vg_parse(p, ctx, VG_FMT_SYSLOG, l1, strlen(l1), REF_2015,
	                          g_arena, &ev, &reason),
	                 VG_OK);
	expect(ev, "vigil.decoder", "app");
	expect(ev, "event.dataset", "app");
	expect_kind(ev, "event.severity", "3", VG_VK_NUM);
	expect(ev, "user.name", "bob");
	expect_kind(ev, "source.port", "22", VG_VK_NUM);
	expect(ev, "event.action", "app_login");
	expect_unset(ev, "app.tag"); /* optional group did not participate */
	expect_unset(ev, "source.ip");

	/* the program's decoder matches nothing: the prefilter decoder gets the line */
	const char *l2 = "Dec 10 06:55:46 h app: FW-DROP src=2.2.2.2";
	ck_assert_int_eq(vg_parse(p, ctx, VG_FMT_SYSLOG, l2, strlen(l2), REF_2015,
	                          g_arena, &ev, &reason),
	                 VG_OK);
	expect(ev, "vigil.decoder", "anyfw");
	expect(ev, "event.dataset", "firewall");
	expect(ev, "source.ip", "2.2.2.2");

	/* a non-numeric capture for a long field stays text */
	const char *l3 = "Dec 10 06:55:46 h app: login bob port ssh tag x1";
	ck_assert_int_eq(vg_parse(p, ctx, VG_FMT_SYSLOG, l3, strlen(l3), REF_2015,
	                          g_arena, &ev, &reason),
	                 VG_OK);
	expect_kind(ev, "source.port", "ssh", VG_VK_STR);
	expect(ev, "app.tag", "x1");

	/* a prefilter decoder claims nothing when its pattern fails */
	const char *l4 = "Dec 10 06:55:46 h other: FW-DROP nothing";
	ck_assert_int_eq(vg_parse(p, ctx, VG_FMT_SYSLOG, l4, strlen(l4), REF_2015,
	                          g_arena, &ev, &reason),
	                 VG_OK);
	expect_unset(ev, "vigil.decoder");
	expect_unset(ev, "event.dataset");

	vg_parse_ctx_destroy(ctx);
	vg_parser_destroy(p);
	vg_diag_clear(&diag);
	remove_dir();
}
END_TEST

/* ------------------------------------------------------- shipped decoders */

static struct vg_event *sys(const char *line)
{
	return parse_ok(VG_FMT_SYSLOG, line, REF_2015);
}

START_TEST(sshd_accepted)
{
	struct vg_event *ev =
	    sys("Dec 10 09:32:20 LabSZ sshd[24680]: Accepted password for "
	        "fztu from 119.137.62.142 port 49116 ssh2");
	expect(ev, "vigil.decoder", "sshd");
	expect(ev, "event.module", "linux");
	expect(ev, "event.dataset", "sshd");
	expect(ev, "event.category", "authentication");
	expect(ev, "event.type", "start");
	expect(ev, "event.action", "ssh_login");
	expect(ev, "event.outcome", "success");
	expect(ev, "user.name", "fztu");
	expect_kind(ev, "source.ip", "119.137.62.142", VG_VK_STR);
	expect_kind(ev, "source.port", "49116", VG_VK_NUM);
	expect(ev, "network.protocol", "ssh");
	expect(ev, "host.name", "LabSZ");

	ev = sys(
	    "<86>1 2024-03-01T10:00:00Z web1 sshd 77 - - Accepted publickey for alice "
	    "from 2001:db8::1 port 50022 ssh2: RSA SHA256:abc");
	expect(ev, "event.outcome", "success");
	expect(ev, "user.name", "alice");
	expect(ev, "source.ip", "2001:db8::1");
	expect(ev, "source.port", "50022");
	expect(ev, "host.name", "web1");
}
END_TEST

START_TEST(sshd_failures)
{
	struct vg_event *ev =
	    sys("Dec 10 06:55:48 LabSZ sshd[24200]: Failed password for "
	        "invalid user webmaster from 173.234.31.186 port 38926 ssh2");
	expect(ev, "event.category", "authentication");
	expect(ev, "event.action", "ssh_login");
	expect(ev, "event.outcome", "failure");
	expect(ev, "event.reason", "invalid user");
	expect(ev, "user.name", "webmaster");
	expect(ev, "source.ip", "173.234.31.186");
	expect(ev, "source.port", "38926");

	ev = sys("Dec 10 07:07:38 LabSZ sshd[24206]: Failed password for root from "
	         "112.95.230.3 port 47068 ssh2");
	expect(ev, "event.outcome", "failure");
	expect(ev, "user.name", "root");
	expect_unset(ev, "event.reason");

	ev = sys("Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from "
	         "173.234.31.186");
	expect(ev, "event.action", "ssh_invalid_user");
	expect(ev, "event.type", "info");
	expect(ev, "event.outcome", "failure");
	expect(ev, "user.name", "webmaster");
	expect(ev, "source.ip", "173.234.31.186");
	expect_unset(ev, "source.port");
}
END_TEST

/* sshd logs an invalid user name as sent, spaces included: a name carrying its own
 * "from IP port N" must not become the source address.  Each line's real peer is
 * 1.2.3.4 port 22; the name is kept whole. */
START_TEST(sshd_user_name_cannot_spoof_source)
{
	static const struct {
		const char *msg, *user, *action;
	} cases[] = {
	    {"Failed password for invalid user x from 6.6.6.6 port 1 from 1.2.3.4 port "
	     "22 "
	     "ssh2",
	     "x from 6.6.6.6 port 1", "ssh_login"},
	    {"Failed publickey for invalid user x from 6.6.6.6 port 1 ssh2: RSA SHA256:a "
	     "from 1.2.3.4 port 22 ssh2: RSA SHA256:b",
	     "x from 6.6.6.6 port 1 ssh2: RSA SHA256:a", "ssh_login"},
	    {"message repeated 2 times: [ Failed password for invalid user x from "
	     "6.6.6.6 "
	     "port 1 from 1.2.3.4 port 22 ssh2]",
	     "x from 6.6.6.6 port 1", "ssh_login"},
	    {"Invalid user x from 6.6.6.6 port 1 from 1.2.3.4 port 22",
	     "x from 6.6.6.6 port 1", "ssh_invalid_user"},
	    {"error: maximum authentication attempts exceeded for invalid user x from "
	     "6.6.6.6 port 1 from 1.2.3.4 port 22 ssh2 [preauth]",
	     "x from 6.6.6.6 port 1", "ssh_login"},
	    {"Connection closed by invalid user a 6.6.6.6 port 1 1.2.3.4 port 22 "
	     "[preauth]",
	     "a 6.6.6.6 port 1", "ssh_disconnect"},
	    {"Connection reset by authenticating user a 6.6.6.6 port 1 1.2.3.4 port 22 "
	     "[preauth]",
	     "a 6.6.6.6 port 1", "ssh_disconnect"},
	    {"Disconnected from invalid user a 6.6.6.6 port 1 1.2.3.4 port 22 [preauth]",
	     "a 6.6.6.6 port 1", "ssh_disconnect"},
	    {"Disconnecting invalid user a 6.6.6.6 port 1 1.2.3.4 port 22: Too many "
	     "authentication failures [preauth]",
	     "a 6.6.6.6 port 1", "ssh_login"},
	    {"Postponed keyboard-interactive/pam for invalid user x from 6.6.6.6 port 1 "
	     "from 1.2.3.4 port 22 ssh2 [preauth]",
	     "x from 6.6.6.6 port 1", "ssh_auth_postponed"},
	};
	char line[512];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(line, sizeof(line), "Mar  7 10:00:00 host sshd[42]: %s",
		         cases[i].msg);
		struct vg_event *ev = sys(line);
		expect(ev, "event.action", cases[i].action);
		expect(ev, "user.name", cases[i].user);
		expect(ev, "source.ip", "1.2.3.4");
		expect_kind(ev, "source.port", "22", VG_VK_NUM);
	}
	/* PAM's error names the peer without a port */
	struct vg_event *ev =
	    sys("Mar  7 10:00:00 host sshd[42]: error: PAM: Authentication failure for "
	        "illegal user x from 6.6.6.6 from 1.2.3.4");
	expect(ev, "user.name", "x from 6.6.6.6");
	expect(ev, "source.ip", "1.2.3.4");
	/* a certificate's key ID is the client's text too: with spaces in it the line
	 * is not decoded rather than read at the wrong "from" */
	ev =
	    sys("Mar  7 10:00:00 host sshd[42]: Failed publickey for invalid user x from "
	        "1.2.3.4 port 22 ssh2: RSA-CERT ID y from 6.6.6.6 port 1 ssh2: "
	        "RSA SHA256:b (serial 1) CA RSA SHA256:c");
	expect(ev, "vigil.decoder", "sshd");
	expect_unset(ev, "source.ip");
	ev = sys(
	    "Mar  7 10:00:00 host sshd[42]: Failed publickey for invalid user x y from "
	    "1.2.3.4 port 22 ssh2: RSA-CERT ID id1 (serial 1) CA RSA SHA256:c");
	expect(ev, "user.name", "x y");
	expect(ev, "source.ip", "1.2.3.4");
}
END_TEST

START_TEST(sshd_sessions_and_unmatched)
{
	struct vg_event *ev = sys("Dec 10 07:08:28 LabSZ sshd[24208]: Connection closed "
	                          "by 5.36.59.76 [preauth]");
	expect(ev, "event.category", "session");
	expect(ev, "event.type", "end");
	expect(ev, "event.action", "ssh_disconnect");
	expect(ev, "source.ip", "5.36.59.76");
	expect_unset(ev, "event.outcome");

	ev = sys("Mar  1 10:00:00 h sshd[9]: Disconnected from user alice 10.0.0.5 port "
	         "51234");
	expect(ev, "event.action", "ssh_disconnect");
	expect(ev, "user.name", "alice");
	expect(ev, "source.ip", "10.0.0.5");
	expect(ev, "source.port", "51234");

	ev = sys(
	    "Dec 10 07:02:47 LabSZ sshd[24203]: Received disconnect from 52.80.34.196: "
	    "11: Bye Bye [preauth]");
	expect(ev, "event.reason", "Bye Bye");
	expect(ev, "source.ip", "52.80.34.196");

	/* no pattern: still the decoder's constants, no action */
	ev = sys("Dec 10 07:02:47 LabSZ sshd[1]: Server listening on 0.0.0.0 port 22.");
	expect(ev, "vigil.decoder", "sshd");
	expect(ev, "event.dataset", "sshd");
	expect_unset(ev, "event.action");
	expect(ev, "message", "Server listening on 0.0.0.0 port 22.");

	/* a program without a decoder is a valid event with framing fields only */
	ev = sys("Dec 10 07:02:47 h ntpd[5]: (root) CMD (run-parts /etc/cron.hourly)");
	expect_unset(ev, "vigil.decoder");
	expect_unset(ev, "event.dataset");
	expect(ev, "process.name", "ntpd");
	expect(ev, "message", "(root) CMD (run-parts /etc/cron.hourly)");
}
END_TEST

START_TEST(pam_unix_lines)
{
	struct vg_event *ev =
	    sys("Dec 10 06:55:46 LabSZ sshd[24200]: pam_unix(sshd:auth): authentication "
	        "failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=173.234.31.186  "
	        "user=root");
	expect(ev, "vigil.decoder", "pam_unix");
	expect(ev, "event.dataset", "sshd"); /* from the program's decoder */
	expect(ev, "event.category", "authentication");
	expect(ev, "event.action", "pam_auth_failure");
	expect(ev, "event.outcome", "failure");
	expect(ev, "event.provider", "sshd");
	expect(ev, "source.ip", "173.234.31.186");
	expect(ev, "user.name", "root");

	ev = sys("Dec 10 06:55:46 LabSZ sshd[24200]: pam_unix(sshd:auth): authentication "
	         "failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=host.example.com ");
	expect_unset(ev, "source.ip");
	expect_unset(ev, "user.name");

	ev =
	    sys("Mar  1 10:00:00 h sudo: pam_unix(sudo:session): session opened for user "
	        "root(uid=0) by alice(uid=1000)");
	expect(ev, "event.action", "session_opened");
	expect(ev, "user.name", "alice");
	expect(ev, "user.target.name", "root");
	expect(ev, "event.dataset", "sudo");

	/* under su the invoking user is ruser, the account asked for user */
	ev = sys("Mar  1 10:00:00 h su[1]: pam_unix(su:auth): authentication failure; "
	         "logname=alice uid=1000 euid=0 tty=/dev/pts/0 ruser=alice rhost=  "
	         "user=root");
	expect(ev, "event.action", "pam_auth_failure");
	expect(ev, "user.name", "alice");
	expect(ev, "user.target.name", "root");
	/* with UseDNS the remote host is a name: never source.ip, even when it
	 * is made of hex digits */
	ev = sys("Dec 10 06:55:46 LabSZ sshd[24200]: pam_unix(sshd:auth): authentication "
	         "failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=beef.cafe  "
	         "user=root");
	expect_unset(ev, "source.ip");
	expect(ev, "source.domain", "beef.cafe");
	expect(ev, "user.name", "root");
	expect_unset(ev, "user.target.name");
}
END_TEST

START_TEST(sudo_lines)
{
	struct vg_event *ev = sys("Mar  1 10:00:00 host1 sudo:    alice : TTY=pts/0 ; "
	                          "PWD=/home/alice ; USER=root ; COMMAND=/bin/bash -i");
	expect(ev, "vigil.decoder", "sudo");
	expect(ev, "event.dataset", "sudo");
	expect(ev, "event.category", "process");
	expect(ev, "event.type", "start");
	expect(ev, "event.action", "sudo_command");
	expect(ev, "event.outcome", "success");
	expect(ev, "user.name", "alice");
	expect(ev, "user.effective.name", "root");
	expect(ev, "process.command_line", "/bin/bash -i");
	expect(ev, "process.executable", "/bin/bash");
	expect(ev, "process.working_directory", "/home/alice");

	ev = sys("Mar  1 10:00:00 host1 sudo: alice : 3 incorrect password attempts ; "
	         "TTY=pts/1 ; PWD=/tmp ; USER=root ; COMMAND=/usr/bin/id");
	expect(ev, "event.action", "sudo_command");
	expect(ev, "event.outcome", "failure");
	expect(ev, "event.reason", "3 incorrect password attempts");
	expect(ev, "user.name", "alice");
	expect(ev, "user.effective.name", "root");
	expect(ev, "process.command_line", "/usr/bin/id");

	ev =
	    sys("Mar  1 10:00:00 host1 sudo: mallory : user NOT in sudoers ; TTY=pts/1 ; "
	        "PWD=/tmp ; USER=root ; COMMAND=/bin/sh");
	expect(ev, "event.outcome", "failure");
	expect(ev, "event.reason", "user NOT in sudoers");
	expect(ev, "user.name", "mallory");

	/* sudo does not escape the working directory: a directory named to hold a
	 * USER=/COMMAND= pair must not hide the real one behind it */
	ev = sys("Mar  1 10:00:00 host1 sudo: eve : TTY=pts/0 ; PWD=/tmp/x ; "
	         "USER=nobody ; COMMAND=/usr/bin/id ; USER=root ; COMMAND=/bin/bash");
	expect(ev, "event.action", "sudo_command");
	expect(ev, "event.outcome", "unknown");
	expect(ev, "event.reason",
	       "ambiguous: more than one USER= (a forged working "
	       "directory or argument)");
	expect(ev, "user.name", "eve");
	expect_unset(ev, "user.effective.name");
	expect_unset(ev, "process.executable");
	/* one USER= and a COMMAND= in the working directory are not ambiguous */
	ev = sys("Mar  1 10:00:00 host1 sudo: eve : TTY=pts/0 ; PWD=/tmp/x ; "
	         "COMMAND=/usr/bin/id ; USER=root ; COMMAND=/bin/bash");
	expect(ev, "user.effective.name", "root");
	expect(ev, "process.executable", "/bin/bash");
	expect(ev, "process.working_directory", "/tmp/x ; COMMAND=/usr/bin/id");
}
END_TEST

START_TEST(su_lines)
{
	struct vg_event *ev =
	    sys("Mar  1 10:00:00 h su[300]: Successful su for root by alice");
	expect(ev, "vigil.decoder", "su");
	expect(ev, "event.action", "su");
	expect(ev, "event.outcome", "success");
	expect(ev, "user.name", "alice");
	expect(ev, "user.target.name", "root");
	ev = sys("Mar  1 10:00:00 h su[300]: FAILED su for root by bob");
	expect(ev, "event.outcome", "failure");
	expect(ev, "user.name", "bob");
	ev = sys("Mar  1 10:00:00 h su: - pts/0 bob:root");
	expect(ev, "event.outcome", "failure");
	expect(ev, "user.target.name", "root");
	/* util-linux su and runuser (Debian, Ubuntu, RHEL) */
	ev = sys("Mar  1 10:00:00 h su[300]: FAILED SU (to root) alice on pts/0");
	expect(ev, "event.action", "su");
	expect(ev, "event.outcome", "failure");
	expect(ev, "user.name", "alice");
	expect(ev, "user.target.name", "root");
	ev = sys("Mar  1 10:00:00 h runuser[300]: FAILED RUNUSER (to bob) alice on none");
	expect(ev, "vigil.decoder", "su");
	expect(ev, "event.outcome", "failure");
	expect(ev, "user.target.name", "bob");
}
END_TEST

/* ------------------------------------------------------------ robustness */

/* A fixed-seed generator: the same garbage on every run. */
static uint32_t g_seed = 12345;
static uint32_t rnd(void)
{
	g_seed = g_seed * 1103515245u + 12345u;
	return g_seed >> 8;
}

START_TEST(sshd_extended)
{
	struct vg_event *ev =
	    sys("Dec 10 09:32:20 h sshd[1]: Accepted publickey for bob from "
	        "10.0.0.2 port 5022 ssh2: RSA SHA256:abcDEF");
	expect(ev, "event.outcome", "success");
	expect(ev, "ssh.auth.method", "publickey");
	expect(ev, "ssh.key.type", "RSA");
	expect(ev, "ssh.key.fingerprint", "SHA256:abcDEF");
	ev = sys(
	    "Dec 10 09:32:20 h sshd[1]: message repeated 5 times: [ Failed password for "
	    "root from 5.36.59.76 port 42393 ssh2]");
	expect(ev, "event.outcome", "failure");
	expect(ev, "user.name", "root");
	expect(ev, "source.ip", "5.36.59.76");
	expect_kind(ev, "source.port", "42393", VG_VK_NUM);
	ev = sys("Dec 10 09:32:20 h sshd[1]: input_userauth_request: invalid user test9 "
	         "[preauth]");
	expect(ev, "event.action", "ssh_invalid_user");
	expect(ev, "user.name", "test9");
	ev = sys(
	    "Dec 10 09:32:20 h sshd[1]: Disconnecting: Too many authentication failures "
	    "for admin [preauth]");
	expect(ev, "user.name", "admin");
	expect(ev, "event.outcome", "failure");
	ev =
	    sys("Dec 10 09:32:20 h sshd[1]: PAM 2 more authentication failures; logname= "
	        "uid=0 euid=0 tty=ssh ruser= rhost=183.62.140.253  user=root");
	expect(ev, "source.ip", "183.62.140.253");
	expect(ev, "user.name", "root");
	ev = sys(
	    "Dec 10 09:32:20 h sshd[1]: User root from 192.168.33.1 not allowed because "
	    "not listed in AllowUsers");
	expect(ev, "event.outcome", "failure");
	expect(ev, "event.reason", "not listed in AllowUsers");
	expect(ev, "source.ip", "192.168.33.1");
	ev = sys("Dec 10 09:32:20 h sshd[1]: User root from evil.example.com not allowed "
	         "because not listed in AllowUsers"); /* UseDNS yes */
	expect_unset(ev, "source.ip");
	expect(ev, "source.domain", "evil.example.com");
	ev =
	    sys("Dec 10 09:32:20 h sshd[1]: Connection reset by authenticating user user "
	        "192.168.33.1 port 51772 [preauth]");
	expect(ev, "event.action", "ssh_disconnect");
	expect(ev, "user.name", "user");
	ev = sys(
	    "Dec 10 09:32:20 h sshd[1]: fatal: Unable to negotiate with 202.191.177.33 "
	    "port 3579: no matching cipher found. Their offer: 3des-cbc");
	expect(ev, "event.action", "ssh_negotiation_failed");
	expect(ev, "source.ip", "202.191.177.33");
	/* Solaris message id before the text */
	ev =
	    sys("Aug 18 07:30:25 192.168.1.5 sshd[20247]: [ID 800047 auth.notice] Failed "
	        "none for root from 192.168.1.1 port 36942 ssh2");
	expect(ev, "user.name", "root");
	expect(ev, "event.outcome", "failure");
}
END_TEST

START_TEST(pam_legacy_and_chauthtok)
{
	struct vg_event *ev =
	    sys("Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication "
	        "failure; logname= uid=0 euid=0 tty=NODEVssh ruser= "
	        "rhost=218.188.2.4  user=root");
	expect(ev, "vigil.decoder", "pam_unix_legacy");
	expect(ev, "event.action", "pam_auth_failure");
	expect(ev, "source.ip", "218.188.2.4");
	expect(ev, "user.name", "root");
	expect(ev, "process.name", "sshd(pam_unix)");
	ev = sys("Jun 14 15:16:01 combo su(pam_unix)[1]: session opened for user news by "
	         "(uid=0)");
	expect(ev, "event.action", "session_opened");
	expect(ev, "user.target.name", "news");
	ev = sys("Jun 14 15:16:01 combo passwd[1]: pam_unix(passwd:chauthtok): password "
	         "changed for bob");
	expect(ev, "vigil.decoder", "pam_unix");
	expect(ev, "event.category", "iam");
	expect(ev, "event.action", "password_changed");
	expect(ev, "user.target.name", "bob");
}
END_TEST

START_TEST(logind_and_cron)
{
	struct vg_event *ev =
	    sys("Dec 10 09:32:20 h systemd-logind[1]: New session 42 of user alice.");
	expect(ev, "event.dataset", "systemd_logind");
	expect(ev, "event.category", "session");
	expect(ev, "event.type", "start");
	expect(ev, "event.action", "session_opened");
	expect(ev, "session.id", "42");
	expect(ev, "user.name", "alice");
	ev = sys("Dec 10 09:32:20 h systemd-logind[1]: Removed session 42.");
	expect(ev, "event.action", "session_closed");
	expect(ev, "session.id", "42");
	ev = sys("Dec 10 09:32:20 h CRON[5]: (root) CMD (   cd / && run-parts --report "
	         "/etc/cron.hourly)");
	expect(ev, "event.dataset", "cron");
	expect(ev, "event.category", "process");
	expect(ev, "event.action", "cron_command");
	expect(ev, "user.name", "root");
	expect(ev, "process.executable", "cd");
	expect(ev, "process.command_line", "cd / && run-parts --report /etc/cron.hourly");
	/* a one-word command: the closing parenthesis is not part of it */
	ev = sys("Dec 10 09:32:20 h CRON[5]: (root) CMD (/usr/local/bin/backup.sh)");
	expect(ev, "process.executable", "/usr/local/bin/backup.sh");
	expect(ev, "process.command_line", "/usr/local/bin/backup.sh");
	ev = sys(
	    "Dec 10 09:32:20 h CROND[5]: (root) CMD (/root/job.sh --now)"); /* cronie */
	expect(ev, "event.action", "cron_command");
	expect(ev, "process.executable", "/root/job.sh");
	expect(ev, "process.command_line", "/root/job.sh --now");
	ev = sys("Dec 10 09:32:20 h crond[5]: (alice) RELOAD (crontabs/alice)");
	expect(ev, "event.action", "crontab_reload");
	expect(ev, "file.path", "crontabs/alice");
}
END_TEST

START_TEST(user_management)
{
	struct vg_event *ev =
	    sys("Dec 10 09:32:20 h useradd[1]: new user: name=bob, UID=1001, "
	        "GID=1001, home=/home/bob, shell=/bin/bash, from=/dev/pts/0");
	expect(ev, "event.dataset", "user_mgmt");
	expect(ev, "event.category", "iam");
	expect(ev, "event.type", "creation");
	expect(ev, "event.action", "user_created");
	expect(ev, "event.outcome", "success");
	expect(ev, "user.target.name", "bob");
	expect(ev, "group.id", "1001");
	ev = sys("Dec 10 09:32:20 h groupadd[1]: group added to /etc/group: name=devs, "
	         "GID=1002");
	expect(ev, "event.action", "group_created");
	expect(ev, "group.name", "devs");
	ev = sys("Dec 10 09:32:20 h usermod[1]: add 'bob' to group 'sudo'");
	expect(ev, "event.action", "user_added_to_group");
	expect(ev, "user.target.name", "bob");
	expect(ev, "group.name", "sudo");
	ev = sys("Dec 10 09:32:20 h userdel[1]: delete user 'bob'");
	expect(ev, "event.type", "deletion");
	expect(ev, "event.action", "user_deleted");
	ev = sys("Dec 10 09:32:20 h passwd[1]: password for 'bob' changed by 'root'");
	expect(ev, "event.action", "password_changed");
	expect(ev, "user.name", "root");
	ev = sys(
	    "May  4 17:48:43 collectd useradd[15178]: failed adding user 'ansible', data "
	    "deleted");
	expect(ev, "event.outcome", "failure");
	expect(ev, "user.target.name", "ansible");
	ev = sys("Dec 10 09:32:20 h gpasswd[1]: user bob added by root to group sudo");
	expect(ev, "event.action", "user_added_to_group");
	expect(ev, "user.target.name", "bob");
	expect(ev, "user.name", "root");
	expect(ev, "group.name", "sudo");
	ev =
	    sys("Dec 10 09:32:20 h gpasswd[1]: user bob removed by root from group sudo");
	expect(ev, "event.action", "user_removed_from_group");
	expect(ev, "group.name", "sudo");
}
END_TEST

START_TEST(kernel_firewall)
{
	struct vg_event *ev = sys(
	    "Feb  4 23:33:37 h kernel: [4475569.016000] [UFW ALLOW] IN=eth0 OUT= "
	    "MAC=00:00 SRC=203.0.113.9 DST=10.0.0.5 LEN=60 TOS=0x00 PROTO=TCP SPT=51234 "
	    "DPT=22 WINDOW=1 RES=0x00 SYN URGP=0");
	expect(ev, "vigil.decoder", "firewall");
	expect(ev, "event.category", "network");
	expect(ev, "event.type", "allowed");
	expect(ev, "event.action", "allowed");
	expect(ev, "event.outcome", "success");
	expect(ev, "source.ip", "203.0.113.9");
	expect(ev, "destination.ip", "10.0.0.5");
	expect_kind(ev, "source.port", "51234", VG_VK_NUM);
	expect_kind(ev, "destination.port", "22", VG_VK_NUM);
	expect(ev, "network.transport", "tcp");
	ev =
	    sys("Feb  4 23:33:37 h kernel: DROP IN= OUT=wlan0 SRC=192.168.1.102 "
	        "DST=74.125.232.52 LEN=52 TOS=0x00 PREC=0x00 TTL=64 ID=5394 DF PROTO=UDP "
	        "SPT=59534 DPT=443 LEN=32");
	expect(ev, "event.action", "denied");
	expect(ev, "event.outcome", "failure");
	expect(ev, "network.transport", "udp");
	expect(ev, "destination.port", "443");
	/* IN= empty: locally generated, no ingress interface (not an empty name) */
	expect_unset(ev, "observer.ingress.interface.name");
	expect(ev, "observer.egress.interface.name", "wlan0");
	/* bridged traffic (br_netfilter): PHYSIN=/PHYSOUT= before MAC= */
	ev = sys("Feb  4 23:33:37 h kernel: [UFW BLOCK] IN=br0 OUT= PHYSIN=eth1 "
	         "MAC=00:11 SRC=203.0.113.9 DST=10.0.0.5 LEN=60 PROTO=TCP SPT=1 DPT=22");
	expect(ev, "event.action", "denied");
	expect(ev, "source.ip", "203.0.113.9");
	expect(ev, "destination.port", "22");
	expect(ev, "observer.ingress.interface.name", "br0");
	expect_unset(ev, "observer.egress.interface.name");
	ev = sys("Feb  4 23:33:37 h kernel: [UFW ALLOW] IN=br0 OUT=br0 PHYSIN=eth1 "
	         "PHYSOUT=eth2 SRC=10.0.0.7 DST=10.0.0.5 LEN=60 PROTO=UDP SPT=1 DPT=53");
	expect(ev, "event.action", "allowed");
	expect(ev, "network.transport", "udp");
	expect(ev, "destination.ip", "10.0.0.5");
	ev = sys("Aug 17 10:03:37 h kernel: nft reject input: IN=eth0 OUT= MAC=00:08 "
	         "SRC=1.2.3.36 DST=1.2.3.194 LEN=28 TOS=0x00 TTL=44 ID=60200 PROTO=ICMP "
	         "TYPE=8 CODE=0");
	expect(ev, "event.action", "denied");
	expect(ev, "network.transport", "icmp");
	expect_unset(ev, "source.port");
	ev = sys("Aug 17 10:03:37 h kernel: IN= OUT=lo SRC=192.168.2.11 DST=192.168.2.11 "
	         "LEN=52 PROTO=TCP SPT=43068 DPT=22 WINDOW=8192");
	expect(ev, "event.action", "firewall_log");
	expect_unset(ev, "event.outcome");
	expect(ev, "destination.port", "22");
	/* a kernel line without SRC= is not a firewall line: kernel.yaml's */
	ev = sys("Aug 17 10:03:37 h kernel: usb 1-1: new high-speed USB device");
	expect(ev, "vigil.decoder", "kernel");
	expect(ev, "event.dataset", "kernel");
	expect_unset(ev, "event.action");
}
END_TEST

START_TEST(kernel_messages)
{
	struct vg_event *ev =
	    sys("Mar 23 15:04:52 manager kernel: [62828.333722] usb 1-1: "
	        "New USB device found, idVendor=0930, idProduct=6544");
	expect(ev, "vigil.decoder", "kernel");
	expect(ev, "event.module", "linux");
	expect(ev, "event.dataset", "kernel");
	expect(ev, "event.category", "host");
	expect(ev, "event.action", "usb_device_connected");
	ev = sys(
	    "Mar 23 15:05:23 manager kernel: usb 1-1: USB disconnect, device number 2");
	expect(ev, "event.action", "usb_device_disconnected");
	ev = sys(
	    "Mar 23 15:05:23 m kernel: [  259.37] device eth0 entered promiscuous mode");
	expect(ev, "event.action", "promiscuous_mode_enabled");
	expect(ev, "observer.ingress.interface.name", "eth0");
	ev = sys("Mar 23 15:05:23 m kernel: device eth0 left promiscuous mode");
	expect(ev, "event.action", "promiscuous_mode_disabled");
	/* the crashed / killed process is the event's process, not "kernel" */
	ev =
	    sys("Mar 23 15:05:23 m kernel: a.out[4213]: segfault at 0 ip 000055d1c3e0 sp "
	        "00007ffd5c10 error 4 in a.out[55d1c3e0+1000]");
	expect(ev, "event.action", "segfault");
	expect(ev, "event.category", "process");
	expect(ev, "event.outcome", "failure");
	expect(ev, "process.name", "a.out");
	expect_kind(ev, "process.pid", "4213", VG_VK_NUM);
	expect(ev, "log.syslog.appname", "kernel");
	ev = sys("Mar 23 15:05:23 m kernel: Out of memory: Killed process 1234 (java) "
	         "total-vm:4191632kB, anon-rss:1024kB");
	expect(ev, "event.action", "oom_killed");
	expect(ev, "process.name", "java");
	/* driver noise: routed as kernel, no pattern */
	ev = sys("Jul 18 09:21:57 localhost kernel: nouveau E[  PGRAPH][0000:0f:00.0]  "
	         "DATA_ERROR");
	expect(ev, "event.dataset", "kernel");
	expect_unset(ev, "event.action");
	expect_unset(ev, "event.category");
}
END_TEST

START_TEST(rsyslog_and_networkmanager)
{
	/* rsyslog 5-7 tag their messages with an error number: found by text */
	struct vg_event *ev =
	    sys("Feb  5 13:07:52 plugh rsyslogd-2177: imuxsock begins to "
	        "drop messages from pid 12105 due to rate-limiting");
	expect(ev, "vigil.decoder", "rsyslog_numbered");
	expect(ev, "event.dataset", "rsyslog");
	expect(ev, "event.action", "log_messages_dropped");
	expect(ev, "event.outcome", "failure");
	expect(ev, "event.reason", "rate-limiting");
	expect(ev, "process.name", "rsyslogd-2177");
	ev = sys(
	    "2015 Nov 13 13:40:01 ether rsyslogd-2177: imuxsock lost 141 messages from "
	    "pid 17840 due to rate-limiting");
	expect(ev, "event.action", "log_messages_lost");
	expect(ev, "host.name", "ether");
	ev = sys(
	    "Mar 27 03:18:16 system rsyslogd: imuxsock begins to drop messages from pid "
	    "55082 due to rate-limiting");
	expect(ev, "vigil.decoder", "rsyslog");
	expect(ev, "event.action", "log_messages_dropped");
	ev = sys(
	    "Mar 27 03:18:16 system rsyslogd: [origin software=\"rsyslogd\" "
	    "swVersion=\"8.2102.0\" x-pid=\"1006\" x-info=\"https://www.rsyslog.com\"] "
	    "start");
	expect(ev, "event.action", "logging_started");
	expect(ev, "event.type", "start");
	expect(ev, "service.version", "8.2102.0");
	ev = sys(
	    "Mar 27 03:18:16 system rsyslogd: [origin software=\"rsyslogd\" "
	    "swVersion=\"8.2102.0\" x-pid=\"1006\" x-info=\"https://www.rsyslog.com\"] "
	    "exiting on signal 15.");
	expect(ev, "event.action", "logging_stopped");
	expect(ev, "event.reason", "15");
	/* a message imuxsock names elsewhere is not claimed */
	ev = sys("Mar 27 03:18:16 system app: imuxsock something else");
	expect_unset(ev, "vigil.decoder");

	ev = sys(
	    "Jul 18 10:51:43 localhost NetworkManager[1366]: <warn> (enp1s0) firewall "
	    "zone remove failed: (32) COMMAND_FAILED: '/sbin/iptables -D INPUT_ZONES "
	    "-t filter -i enp1s0 -g IN_public' failed: iptables: No chain/target/match "
	    "by that name.");
	expect(ev, "vigil.decoder", "networkmanager");
	expect(ev, "event.dataset", "networkmanager");
	expect(ev, "event.category", "configuration");
	expect(ev, "event.action", "firewall_zone_change");
	expect(ev, "event.outcome", "failure");
	expect(ev, "observer.ingress.interface.name", "enp1s0");
	ck_assert_ptr_nonnull(
	    strstr(vg_event_get_named(ev, "event.reason")->ptr, "COMMAND_FAILED"));
	ev =
	    sys("Oct 28 13:50:20 h NetworkManager[912]: <warn>  [1603893020.1234] device "
	        "(eth0): firewall zone add failed: (32) ZONE_CONFLICT");
	expect(ev, "event.action", "firewall_zone_change");
	expect(ev, "observer.ingress.interface.name", "eth0");
	ev =
	    sys("Oct 28 13:50:20 h NetworkManager[912]: <info>  [1603893020.1234] device "
	        "(eth0): Activation: successful, device activated.");
	expect(ev, "event.action", "network_device_activated");
	ev = sys(
	    "Oct 28 13:50:20 h NetworkManager[912]: <info>  [1603893020.1234] manager: "
	    "NetworkManager state is now CONNECTED_GLOBAL");
	expect(ev, "event.dataset", "networkmanager");
	expect_unset(ev, "event.action");
}
END_TEST

/* Every field id the parser may set must be declared in schemas/fields.yaml, so the
 * schema documents everything an event can carry.  Vendor names (JSON keys, auditd
 * key=value names, RFC 5424 SD parameters) are the record's own and exempt; the
 * names the parsers choose are these: the framing ids, the endpoint normalizers'
 * (VGP_EP_FIELDS), the alias targets, every decoder's `set` and `fields`, and the
 * names auditd.c sets by string. */
static void declared(const char *what, vg_field id, char *missing, size_t msz)
{
	if (id != VG_FIELD_NONE && vg_field_is_schema(id))
		return;
	size_t l = strlen(missing);
	snprintf(missing + l, msz - l, "\n  %s: %s", what,
	         id == VG_FIELD_NONE ? "(no id)" : vg_field_name(id));
}

START_TEST(schema_declares_every_parser_field)
{
	static char missing[16384];
	char what[256];
	missing[0] = '\0';
	const struct vgp_ids *ids = &g_parser->id;
	const vg_field framing[] = {
	    ids->timestamp,    ids->message,      ids->host_name,       ids->priority,
	    ids->facility,     ids->severity,     ids->version,         ids->appname,
	    ids->procid,       ids->msgid,        ids->structured_data, ids->process_name,
	    ids->process_pid,  ids->vigil_format, ids->vigil_decoder,   ids->event_module,
	    ids->event_dataset};
	for (size_t i = 0; i < sizeof(framing) / sizeof(framing[0]); i++)
		declared("framing", framing[i], missing, sizeof(missing));
#define VG_TEST_EP(m, name)                                                              \
	declared("endpoint normalizers", g_parser->ep.m, missing, sizeof(missing));
	VGP_EP_FIELDS(VG_TEST_EP)
#undef VG_TEST_EP
	for (size_t i = 0; i < g_parser->aliases.ntargets; i++)
		declared("schemas/field-aliases.yaml target",
		         g_parser->aliases.targets[i], missing, sizeof(missing));
	size_t checked = 0;
	for (size_t d = 0; d < g_parser->decoders.count; d++) {
		const struct vgp_decoder *dec = &g_parser->decoders.list[d];
		snprintf(what, sizeof(what), "decoder %s set", dec->name);
		for (size_t i = 0; i < dec->nsets; i++, checked++)
			declared(what, dec->sets[i].id, missing, sizeof(missing));
		for (size_t p = 0; p < dec->npatterns; p++) {
			const struct vgp_pattern *pat = &dec->patterns[p];
			snprintf(what, sizeof(what), "decoder %s pattern %s", dec->name,
			         pat->name);
			for (size_t i = 0; i < pat->ncaps; i++, checked++)
				declared(what, pat->caps[i].id, missing, sizeof(missing));
			for (size_t i = 0; i < pat->nsets; i++, checked++)
				declared(what, pat->sets[i].id, missing, sizeof(missing));
		}
	}
	ck_assert_uint_gt(checked, 100); /* the shipped decoders were looked at */
	static const char *const by_name[] = {"syscall.a0", "syscall.a1", "syscall.a2",
	                                      "syscall.a3"};
	for (size_t i = 0; i < sizeof(by_name) / sizeof(by_name[0]); i++)
		declared("auditd.c", vg_field_lookup(by_name[i], strlen(by_name[i])),
		         missing, sizeof(missing));
	ck_assert_msg(!missing[0],
	              "fields set by parsers/ but not declared in "
	              "schemas/fields.yaml:%s",
	              missing);
}
END_TEST

START_TEST(web_access_log)
{
	struct vg_event *ev =
	    sys("Jan 12 06:30:00 web nginx: 1.2.3.4 - alice [12/Jan/2011:06:29:59 +0100] "
	        "\"GET "
	        "/foo/bar.html?a=1 HTTP/1.1\" 301 96 \"-\" \"Mozilla/5.0 (X11)\"");
	expect(ev, "event.dataset", "web_access");
	expect(ev, "event.category", "web");
	expect(ev, "event.action", "http_request");
	expect(ev, "event.outcome", "success");
	expect(ev, "source.ip", "1.2.3.4");
	expect(ev, "user.name", "alice");
	expect(ev, "http.request.method", "GET");
	expect(ev, "url.original", "/foo/bar.html?a=1");
	expect_kind(ev, "http.response.status_code", "301", VG_VK_NUM);
	expect(ev, "user_agent.original", "Mozilla/5.0 (X11)");
	ev = sys(
	    "Jan 12 06:30:00 web apache2[3]: 10.0.0.9 - - [12/Jan/2011:06:29:59 +0100] "
	    "\"POST /login HTTP/1.1\" 403 12");
	expect(ev, "event.outcome", "failure");
	expect_unset(ev, "user.name");
	expect_unset(ev, "user_agent.original");
	expect(ev, "http.response.status_code", "403");
	/* an unknown tag: selected by the literal, claimed because the pattern matches */
	ev = sys(
	    "<34>Jan 12 06:30:00 xxx webfront: 1.2.3.4 - - [12/Jan/2011:06:29:59 +0100] "
	    "\"GET /foo/bar.html HTTP/1.1\" 301 96 \"-\" \"Mozilla/5.0\" PID 18904");
	expect(ev, "vigil.decoder", "web_access_any");
	expect(ev, "url.original", "/foo/bar.html");
}
END_TEST

START_TEST(garbage_never_crashes)
{
	static const char *const seeds[] = {
	    "<34>1 2003-10-11T22:14:15.003Z h app 1 id [a@1 b=\"c\"] msg",
	    "Dec 10 06:55:46 LabSZ sshd[24200]: Failed password for root from 1.2.3.4 "
	    "port 1 ssh2",
	    "{\"Event\":{\"System\":{\"EventID\":1},\"EventData\":{\"Image\":"
	    "\"a\\u00e9\"}}}",
	    "Mar  1 10:00:00 h sudo: alice : TTY=pts/0 ; PWD=/ ; USER=root ; "
	    "COMMAND=/bin/sh",
	};
	char buf[512];
	size_t ok = 0, dead = 0;
	for (int round = 0; round < 20000; round++) {
		const char *s = seeds[round % 4];
		size_t n = strlen(s);
		memcpy(buf, s, n);
		/* mutate: flip, insert binary, truncate */
		int muts = 1 + (int)(rnd() % 4);
		for (int m = 0; m < muts; m++) {
			size_t at = rnd() % n;
			switch (rnd() % 3) {
			case 0: buf[at] = (char)(rnd() & 0xFF); break;
			case 1: buf[at] = "\0\xff\xc3\"\\[]{}<> :"[rnd() % 14]; break;
			default: n = at + 1;
			}
		}
		struct vg_event *ev;
		const char *reason;
		vg_err err = vg_parse(g_parser, g_ctx, (enum vg_format)(round % 5), buf,
		                      n, REF_2015, g_arena, &ev, &reason);
		ck_assert(err == VG_OK || err == VG_ERR_PARSE);
		if (err == VG_OK) {
			ok++;
			struct vg_buf out;
			vg_buf_init(&out);
			vg_event_to_json(ev, &out);
			ck_assert(!out.oom);
			vg_buf_free(&out);
		} else {
			ck_assert_ptr_nonnull(reason);
			dead++;
		}
		if (round % 512 == 0)
			vg_arena_reset(g_arena);
	}
	ck_assert_uint_gt(ok, 1000);
	ck_assert_uint_gt(dead, 1000);
}
END_TEST

START_TEST(huge_and_hostile_lines)
{
	size_t n = 4 << 20;
	char *line = malloc(n + 1);
	ck_assert_ptr_nonnull(line);
	const char *head = "Dec 10 06:55:46 LabSZ sshd[1]: Failed password for ";
	size_t h = strlen(head);
	memcpy(line, head, h);
	memset(line + h, 'a', n - h); /* no " from ": backtracking must stay bounded */
	line[n] = '\0';
	struct vg_event *ev = parse_ok_n(VG_FMT_AUTO, line, n, REF_2015);
	ck_assert_uint_eq(vg_event_get_named(ev, "message")->len, n - 31);
	expect_unset(ev, "event.action");
	/* patterns match bytes: invalid UTF-8 cannot hide a failed login from \S */
	const char *bad =
	    "Dec 10 06:55:46 h sshd[1]: Accepted password for \xff\xfe from "
	    "1.2.3.4 port 22 ssh2";
	ev = parse_ok(VG_FMT_AUTO, bad, REF_2015);
	expect(ev, "user.name", "\xff\xfe");
	free(line);
}
END_TEST

static Suite *parsers_suite(void)
{
	Suite *s = suite_create("parsers");
	struct {
		const char *name;
		const TTest *tests[8];
	} cases[] = {
	    {"rfc5424",
	     {rfc5424_rfc_example_with_bom, rfc5424_offset_and_microseconds,
	      rfc5424_structured_data, rfc5424_sd_escapes_kept_as_text,
	      rfc5424_nil_timestamp_uses_ref_time, syslog_pid_only_decimal}},
	    {"rfc5424_invalid", {rfc5424_invalid_reasons}},
	    {"rfc3164",
	     {rfc3164_file_line_without_pri, rfc3164_with_pri_and_without_pid,
	      rfc3164_iso_timestamp, rfc3164_configured_offset,
	      future_event_time_is_flagged}},
	    {"rfc3164_year", {rfc3164_year_rollover}},
	    {"rfc3164_invalid", {rfc3164_invalid_reasons}},
	    {"rfc3164_variants",
	     {rfc3164_pri_without_timestamp, rfc3164_real_world_timestamps}},
	    {"rfc3164_ipv6_host", {rfc3164_ipv6_host}},
	    {"rfc3164_time_fraction", {rfc3164_time_with_empty_fraction}},
	    {"rfc3164_cisco",
	     {rfc3164_cisco_ios_header, rfc3164_cisco_pix_header,
	      rfc3164_cisco_timezone}},
	    {"framing", {frame_octet_and_lf}},
	    {"detect", {format_detection}},
	    {"json",
	     {json_nested_sysmon_event, json_flat_windows_security,
	      json_explicit_ecs_beats_alias, json_timestamps, json_escapes_and_surrogates,
	      json_arrays_and_scalars}},
	    {"json_invalid", {json_depth_limit, json_invalid_reasons}},
	    {"decoder_load",
	     {decoder_unknown_keys_suggest, decoder_bad_regex_reports_offset,
	      decoder_structure_errors, decoder_custom_selection,
	      decoder_literal_fast_path}},
	    {"sshd",
	     {sshd_accepted, sshd_failures, sshd_sessions_and_unmatched,
	      sshd_user_name_cannot_spoof_source}},
	    {"pam_sudo_su", {pam_unix_lines, sudo_lines, su_lines}},
	    {"decoders_more",
	     {sshd_extended, pam_legacy_and_chauthtok, logind_and_cron, user_management,
	      kernel_firewall, web_access_log, kernel_messages,
	      rsyslog_and_networkmanager}},
	    {"schema", {schema_declares_every_parser_field}},
	    {"robustness", {garbage_never_crashes, huge_and_hostile_lines}},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TCase *tc = tcase_create(cases[i].name);
		tcase_add_checked_fixture(tc, setup, teardown);
		for (size_t t = 0; t < 8 && cases[i].tests[t]; t++)
			tcase_add_test(tc, cases[i].tests[t]);
		suite_add_tcase(s, tc);
	}
	return s;
}

VG_TEST_MAIN(parsers_suite)
