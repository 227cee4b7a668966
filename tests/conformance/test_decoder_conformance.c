/*
 * Decoder conformance against real logs and a peer's rule tests (../shared/data):
 *
 *  - loghub OpenSSH_2k and Linux_2k: every line frames; where loghub's ground-truth
 *    template (the *_structured.csv EventTemplate) has a user or an IPv4 address in
 *    a <*> slot, Vigil must extract the same value (user.name / user.target.name,
 *    source.ip / destination.ip) for at least 99% of such values.
 *  - wazuh-ruleset-tests suites sshd, sudo, su, pam, syslog, iptables
 *    (ruleset/testing/tests/<suite>.ini: "log N pass = LINE" -> "decoder = NAME"):
 *    at least 95% of the lines Wazuh decodes with a decoder Vigil has an equivalent
 *    for must get that decoder and a matched pattern (event.action set); lines
 *    Wazuh leaves undecoded must still frame.  auditd and sysmon suites are framed and
 *    counted only (their normalizers live elsewhere in parsers/).
 *
 * Rates and every miss are printed.  Exit 77 when the data is absent, 1 when a
 * threshold is not met, 0 otherwise.
 */
#include "vg_parsers.h"
#include "vg_test_data.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)n + 1);
	if (!b || fread(b, 1, (size_t)n, f) != (size_t)n)
		abort();
	b[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return b;
}

static bool field_is(const struct vg_event *ev, const char *name, const char *v, size_t n)
{
	const struct vg_value *x = vg_event_get_named(ev, name);
	return x && x->len == n && memcmp(x->ptr, v, n) == 0;
}

static bool is_ipv4(const char *s, size_t n)
{
	int dots = 0, digits = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (!digits)
				return false;
			dots++;
			digits = 0;
		} else if (s[i] >= '0' && s[i] <= '9' && digits < 3) {
			digits++;
		} else {
			return false;
		}
	}
	return dots == 3 && digits;
}

/* Template text right before a <*> that makes the slot a user name. */
static bool user_context(const char *tpl, size_t at)
{
	static const char *const ctx[] = {"invalid user ", "Invalid user ", "for user ",
	                                  "user=",         "password for ", "none for ",
	                                  "publickey for "};
	for (size_t i = 0; i < sizeof(ctx) / sizeof(ctx[0]); i++) {
		size_t n = strlen(ctx[i]);
		if (at >= n && memcmp(tpl + at - n, ctx[i], n) == 0)
			return true;
	}
	return false;
}

struct loghub_stats {
	unsigned lines, framed, values, found;
};

/* Compile a loghub template to a regex: literal text, (.*?) for <*>, anchored. */
static pcre2_code *template_regex(const char *tpl)
{
	char rx[8192];
	size_t k = 0;
	rx[k++] = '^';
	for (const char *p = tpl; *p && k < sizeof(rx) - 16; p++) {
		if (strncmp(p, "<*>", 3) == 0) {
			memcpy(rx + k, "(.*?)", 5);
			k += 5;
			p += 2;
		} else if (strchr("\\^$.|?*+()[]{}", *p)) {
			rx[k++] = '\\';
			rx[k++] = *p;
		} else if (*p == ' ') {
			memcpy(rx + k, "\\s+", 3); /* loghub collapses runs of spaces */
			k += 3;
		} else {
			rx[k++] = *p;
		}
	}
	rx[k++] = '$';
	rx[k] = '\0';
	int ec;
	PCRE2_SIZE eo;
	return pcre2_compile((PCRE2_SPTR)rx, k, PCRE2_DOTALL, &ec, &eo, NULL);
}

static int run_loghub(const char *data, const char *name, vg_time ref,
                      struct vg_parser *parser, struct vg_parse_ctx *ctx,
                      struct vg_arena *arena, struct loghub_stats *st)
{
	char path[4096];
	size_t loglen, csvlen;
	snprintf(path, sizeof(path), "%s/loghub/%s/%s_2k.log", data, name, name);
	char *log = read_all(path, &loglen);
	snprintf(path, sizeof(path), "%s/loghub/%s/%s_2k.log_structured.csv", data, name,
	         name);
	char *csv = read_all(path, &csvlen);
	if (!log || !csv)
		return -1;
	char *lines[4096];
	size_t nl = 0;
	for (char *save = NULL, *l = strtok_r(log, "\n", &save); l && nl < 4096;
	     l = strtok_r(NULL, "\n", &save))
		lines[nl++] = l;
	pcre2_match_data *md = pcre2_match_data_create(32, NULL);
	unsigned printed = 0;
	char *save = NULL;
	for (char *q = csv; *q; q++)
		if (*q == '\r')
			*q = '\n'; /* CRLF files: the empty lines are skipped */
	for (char *q = log; *q; q++)
		if (*q == '\r')
			*q = '\n';
	char *hdr = strtok_r(csv, "\n", &save);
	char *cols[16];
	int ncol = vg_test_csv_split(hdr, cols, 16), c_content = -1, c_tpl = -1;
	for (int i = 0; i < ncol; i++) {
		if (strcmp(cols[i], "Content") == 0)
			c_content = i;
		if (strcmp(cols[i], "EventTemplate") == 0)
			c_tpl = i;
	}
	if (c_content < 0 || c_tpl < 0) {
		printf("  %s: no Content / EventTemplate column\n", name);
		return -1;
	}
	for (char *row = strtok_r(NULL, "\n", &save); row;
	     row = strtok_r(NULL, "\n", &save)) {
		char *f[16];
		int n = vg_test_csv_split(row, f, 16);
		if (n <= c_tpl)
			continue;
		long id = atol(f[0]);
		if (id < 1 || (size_t)id > nl)
			continue;
		const char *line = lines[id - 1];
		st->lines++;
		struct vg_event *ev;
		const char *reason;
		vg_arena_reset(arena);
		if (vg_parse(parser, ctx, VG_FMT_SYSLOG, line, strlen(line), ref, arena,
		             &ev, &reason) != VG_OK) {
			printf("  %s line %ld does not frame (%s): %s\n", name, id,
			       reason, line);
			continue;
		}
		st->framed++;
		const char *tpl = f[c_tpl], *content = f[c_content];
		pcre2_code *re = template_regex(tpl);
		if (!re)
			continue;
		int rc =
		    pcre2_match(re, (PCRE2_SPTR)content, strlen(content), 0, 0, md, NULL);
		if (rc > 1) {
			PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
			int slot = 0;
			for (const char *p = strstr(tpl, "<*>"); p && slot + 1 < rc;
			     p = strstr(p + 3, "<*>")) {
				slot++;
				const char *v = content + ov[2 * slot];
				size_t vl = ov[2 * slot + 1] - ov[2 * slot];
				bool ip = is_ipv4(v, vl);
				bool user =
				    !ip && vl && user_context(tpl, (size_t)(p - tpl));
				if (!ip && !user)
					continue;
				st->values++;
				bool ok =
				    ip ? field_is(ev, "source.ip", v, vl) ||
				             field_is(ev, "destination.ip", v, vl)
				       : field_is(ev, "user.name", v, vl) ||
				             field_is(ev, "user.target.name", v, vl);
				if (ok)
					st->found++;
				else if (printed++ < 40)
					printf("  %s line %ld: %s '%.*s' not extracted: "
					       "%s\n",
					       name, id, ip ? "ip" : "user", (int)vl, v,
					       content);
			}
		}
		pcre2_code_free(re);
	}
	pcre2_match_data_free(md);
	free(log);
	free(csv);
	return 0;
}

/* ------------------------------------------------------------------ wazuh */

struct wz_stats {
	unsigned lines, framed, want, right;
};

/* Vigil decoders that stand for a Wazuh decoder; NULL = no equivalent. */
static const char *const *equivalents(const char *wazuh)
{
	static const char *const sshd[] = {"sshd", NULL};
	static const char *const sudo[] = {"sudo", NULL};
	static const char *const su[] = {"su", "pam_unix_legacy", NULL};
	static const char *const pam[] = {"pam_unix", "pam_unix_legacy", NULL};
	static const char *const kernel[] = {"firewall", "ufw", NULL};
	if (strcmp(wazuh, "sshd") == 0)
		return sshd;
	if (strcmp(wazuh, "sudo") == 0)
		return sudo;
	if (strcmp(wazuh, "su") == 0)
		return su;
	if (strcmp(wazuh, "pam") == 0)
		return pam;
	if (strcmp(wazuh, "kernel") == 0)
		return kernel;
	return NULL;
}

static void run_wazuh(const char *data, const char *suite, bool decode,
                      struct vg_parser *parser, struct vg_parse_ctx *ctx,
                      struct vg_arena *arena, struct wz_stats *st)
{
	char path[4096];
	size_t len;
	snprintf(path, sizeof(path),
	         "%s/wazuh-ruleset-tests/ruleset/testing/tests/%s.ini", data, suite);
	char *txt = read_all(path, &len);
	if (!txt) {
		printf("  %s: cannot read %s\n", suite, path);
		return;
	}
	/* Collect a section's log lines, then judge them when its decoder is known. */
	char *logs[64];
	size_t nlogs = 0;
	char *save = NULL;
	for (char *l = strtok_r(txt, "\n", &save);; l = strtok_r(NULL, "\n", &save)) {
		bool end = !l || l[0] == '[';
		if (l && strncmp(l, "log ", 4) == 0) {
			char *eq = strstr(l, " = ");
			if (eq && nlogs < 64)
				logs[nlogs++] = eq + 3;
			continue;
		}
		if (l && strncmp(l, "decoder", 7) == 0) {
			char *eq = strchr(l, '=');
			char *dec = eq ? eq + 1 : l + 7;
			while (*dec == ' ')
				dec++;
			char *e = dec + strlen(dec);
			while (e > dec && (e[-1] == ' ' || e[-1] == '\r'))
				*--e = '\0';
			const char *const *eqv = equivalents(dec);
			for (size_t i = 0; i < nlogs; i++) {
				struct vg_event *ev;
				const char *reason;
				vg_arena_reset(arena);
				st->lines++;
				vg_err err = vg_parse(
				    parser, ctx, VG_FMT_AUTO, logs[i], strlen(logs[i]),
				    vg_time_from_civil(2020, 6, 1, 0, 0, 0, 0), arena,
				    &ev, &reason);
				if (err != VG_OK) {
					printf("  %s: does not frame (%s): %s\n", suite,
					       reason, logs[i]);
					continue;
				}
				st->framed++;
				if (!decode || !eqv)
					continue;
				st->want++;
				const struct vg_value *d =
				    vg_event_get_named(ev, "vigil.decoder");
				bool ok = false;
				for (size_t k = 0; d && eqv[k]; k++)
					ok |= d->len == strlen(eqv[k]) &&
					      memcmp(d->ptr, eqv[k], d->len) == 0;
				ok = ok && vg_event_get_named(ev, "event.action");
				if (ok)
					st->right++;
				else
					printf(
					    "  %s: want decoder %s, got %.*s%s: %s\n",
					    suite, dec, d ? (int)d->len : 4,
					    d ? d->ptr : "none",
					    d && !vg_event_get_named(ev, "event.action")
					        ? " (no pattern matched)"
					        : "",
					    logs[i]);
			}
			nlogs = 0;
			continue;
		}
		if (end)
			nlogs = 0;
		if (!l)
			break;
	}
	free(txt);
}

int main(void)
{
	const char *data = getenv("VIGIL_SHARED_DATA");
	char path[4096];
	struct stat st;
	snprintf(path, sizeof(path), "%s/loghub/OpenSSH/OpenSSH_2k.log",
	         data ? data : "");
	if (!data || stat(path, &st) != 0) {
		printf(
		    "SKIP: loghub / wazuh data not found (%s); set VIGIL_SHARED_DATA\n",
		    data ? path : "VIGIL_SHARED_DATA unset");
		return 77;
	}
	struct vg_parser *parser;
	struct vg_diag diag;
	vg_diag_init(&diag);
	if (vg_parser_new(NULL, &parser, &diag) != VG_OK) {
		vg_diag_print(&diag, stderr);
		return 1;
	}
	vg_diag_clear(&diag);
	struct vg_parse_ctx *ctx = vg_parse_ctx_new(parser);
	struct vg_arena *arena = vg_arena_new(0);
	int fail = 0;

	static const struct {
		const char *name;
		int year;
	} hubs[] = {{"OpenSSH", 2015}, {"Linux", 2005}};
	for (size_t i = 0; i < 2; i++) {
		struct loghub_stats s = {0};
		printf("loghub %s:\n", hubs[i].name);
		if (run_loghub(data, hubs[i].name,
		               vg_time_from_civil(hubs[i].year, 7, 1, 0, 0, 0, 0), parser,
		               ctx, arena, &s) != 0) {
			printf("  cannot read the %s sample\n", hubs[i].name);
			fail = 1;
			continue;
		}
		double rate = s.values ? 100.0 * s.found / s.values : 100.0;
		printf("loghub %-8s lines %u framed %u (%.1f%%); user/ip values %u "
		       "extracted "
		       "%u (%.2f%%)\n",
		       hubs[i].name, s.lines, s.framed, 100.0 * s.framed / s.lines,
		       s.values, s.found, rate);
		if (s.framed != s.lines || rate < 99.0)
			fail = 1;
	}

	static const struct {
		const char *suite;
		bool decode;
	} wz[] = {{"sshd", true},    {"sudo", true},          {"su", true},
	          {"pam", true},     {"syslog", true},        {"iptables", true},
	          {"auditd", false}, {"sysmon_eid_1", false}, {"sysmon_eid_11", false}};
	unsigned want = 0, right = 0;
	for (size_t i = 0; i < sizeof(wz) / sizeof(wz[0]); i++) {
		struct wz_stats s = {0};
		run_wazuh(data, wz[i].suite, wz[i].decode, parser, ctx, arena, &s);
		if (wz[i].decode)
			printf("wazuh %-14s lines %3u framed %3u; with a Vigil "
			       "equivalent %3u, "
			       "right decoder+pattern %3u (%.1f%%)\n",
			       wz[i].suite, s.lines, s.framed, s.want, s.right,
			       s.want ? 100.0 * s.right / s.want : 100.0);
		else
			printf("wazuh %-14s lines %3u framed %3u (measured only)\n",
			       wz[i].suite, s.lines, s.framed);
		want += s.want;
		right += s.right;
	}
	double wr = want ? 100.0 * right / want : 100.0;
	printf("wazuh syslog suites: %u of %u lines right (%.1f%%, need 95%%)\n", right,
	       want, wr);
	if (wr < 95.0)
		fail = 1;
	vg_arena_destroy(arena);
	vg_parse_ctx_destroy(ctx);
	vg_parser_destroy(parser);
	return fail;
}
