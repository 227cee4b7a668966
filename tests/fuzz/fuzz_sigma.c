/* libFuzzer target: the Sigma rule loader (correlate/rules.c, prefilter.c) on an
 * arbitrary rule file -- detection rules and correlation rules, several YAML
 * documents -- then, when it loads, detection and correlation over a few fixed
 * events (Sysmon, Windows Security, syslog) at times that open, fill and close
 * windows.  The contract: VG_OK with a ruleset, or VG_ERR_CONFIG with at least one
 * diagnostic; never a crash, a leak or a hang (PCRE2 match limits bound hostile
 * patterns).  Rule files come from people and from the community: a bad one must
 * be reported, never take the engine down. */
#include "fuzz_file.h"
#include "fuzz_loader.h"
#include "vg_correlate.h"
#include "vg_parsers.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vg_parser *g_parser;
static struct vg_parse_ctx *g_pctx;

/* Events that the shipped rules and common community rules read, all in event
 * time (RFC 5424: a year), so every one reaches the correlator's windows. */
static const struct {
	enum vg_format fmt;
	const char *text;
} g_records[] = {
    {VG_FMT_JSON,
     "{\"EventID\":1,\"Channel\":\"Microsoft-Windows-Sysmon/Operational\","
     "\"Computer\":\"ws1.corp\",\"UtcTime\":\"2024-01-02 03:04:05.678\","
     "\"Image\":\"C:\\\\Windows\\\\System32\\\\WindowsPowerShell\\\\v1.0\\\\"
     "powershell.exe\","
     "\"CommandLine\":\"powershell -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0A\","
     "\"ParentImage\":\"C:\\\\Windows\\\\explorer.exe\",\"User\":\"CORP\\\\bob\","
     "\"OriginalFileName\":\"PowerShell.EXE\",\"ProcessId\":4242,"
     "\"Hashes\":\"SHA256=0123456789ABCDEF0123456789ABCDEF"
     "0123456789ABCDEF0123456789ABCDEF\"}"},
    {VG_FMT_JSON,
     "{\"EventID\":4625,\"Channel\":\"Security\",\"Computer\":\"dc1.corp\","
     "\"TimeCreated\":\"2024-01-02T03:04:06Z\",\"TargetUserName\":\"admin\","
     "\"IpAddress\":\"::ffff:203.0.113.7\",\"LogonType\":3,\"Status\":\"0xc000006d\"}"},
    {VG_FMT_JSON,
     "{\"EventID\":3,\"Channel\":\"Microsoft-Windows-Sysmon/Operational\","
     "\"Computer\":\"ws1.corp\",\"UtcTime\":\"2024-01-02 03:05:00.000\","
     "\"Image\":\"C:\\\\Users\\\\bob\\\\a.exe\",\"DestinationIp\":\"198.51.100.9\","
     "\"DestinationPort\":443,\"SourceIp\":\"10.0.0.5\",\"Initiated\":\"true\"}"},
    {VG_FMT_SYSLOG, "<38>1 2024-01-02T03:06:00Z web1 sshd 811 - - Failed password for "
                    "invalid user admin from 203.0.113.7 port 50022 ssh2"},
    {VG_FMT_SYSLOG, "<38>1 2024-01-02T03:06:30Z web1 sshd 811 - - Accepted password "
                    "for root from 203.0.113.7 port 50022 ssh2"},
    {VG_FMT_SYSLOG, "<86>1 2024-01-02T03:07:00Z web1 sudo - - - bob : TTY=pts/0 ; "
                    "PWD=/home/bob ; USER=root ; COMMAND=/bin/cat /etc/shadow"},
};
#define NRECORDS (sizeof(g_records) / sizeof(g_records[0]))

static void on_alert(const struct vg_alert *a, void *ctx)
{
	size_t *n = ctx;
	/* touch what a sink reads */
	size_t len = strlen(a->id) + strlen(a->group_key);
	for (size_t i = 0; i < a->nfields; i++)
		len += strlen(a->fields[i].name) + strlen(a->fields[i].value);
	*n += len ? 1 : 0;
}

static void run(const struct vg_ruleset *rs)
{
	struct vg_detect_ctx *dctx = vg_detect_ctx_new(rs);
	struct vg_correlator *corr = NULL;
	struct vg_arena *arena = vg_arena_new(0);
	struct vg_correlator_conf conf = {.allowed_lateness = 5 * VG_USEC_PER_SEC};
	if (!dctx || !arena || vg_correlator_new(rs, &conf, &corr) != VG_OK)
		abort();
	const struct vg_rule *hits[64];
	size_t alerts = 0;
	/* three rounds over the records: the second a minute on (windows fill),
	 * the third a day on (windows close, new ones open) */
	static const vg_time shift[] = {0, 60 * VG_USEC_PER_SEC, 86400 * VG_USEC_PER_SEC};
	for (size_t round = 0; round < 3; round++) {
		for (size_t i = 0; i < NRECORDS; i++) {
			struct vg_event *ev = NULL;
			const char *reason = NULL;
			const char *t = g_records[i].text;
			if (vg_parse(g_parser, g_pctx, g_records[i].fmt, t, strlen(t), 0,
			             arena, &ev, &reason) != VG_OK)
				abort(); /* fixed records: they parse */
			if (ev->ts != VG_TIME_NONE)
				ev->ts += shift[round];
			ev->src = (struct vg_source){"fuzz", 0,
			                             (int64_t)(round * NRECORDS + i)};
			size_t n = vg_detect(rs, dctx, ev, hits, 64);
			vg_correlator_feed(corr, ev, hits, n < 64 ? n : 64, on_alert,
			                   &alerts);
			vg_arena_reset(arena);
		}
	}
	vg_correlator_advance(corr, "fuzz", 0, (vg_time)400 * 86400 * VG_USEC_PER_SEC,
	                      on_alert, &alerts);
	vg_correlator_destroy(corr);
	vg_detect_ctx_destroy(dctx);
	vg_arena_destroy(arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!g_parser) {
		vg_log_set_level(VG_LOG_ERROR);
		struct vg_diag diag;
		vg_diag_init(&diag);
		if (vg_parser_new(NULL, &g_parser, &diag) != VG_OK)
			abort();
		vg_diag_clear(&diag);
		g_pctx = vg_parse_ctx_new(g_parser);
		if (!g_pctx)
			abort();
	}
	const char *paths[1] = {fz_input_file("sigma", "yml", data, size)};
	struct vg_ruleset *rs = NULL;
	struct vg_diag diag;
	vg_diag_init(&diag);
	vg_err err = vg_ruleset_load(paths, 1, &rs, &diag);
	fz_loader_contract(err, rs != NULL, &diag);
	if (rs)
		run(rs);
	vg_ruleset_destroy(rs);
	vg_diag_clear(&diag);
	return 0;
}
