/*
 * Data-driven checks of parsers/ against third-party logs in ../shared/data:
 *  - loghub OpenSSH_2k.log: every line frames; host, pid and message equal loghub's
 *    structured ground truth (OpenSSH_2k.log_structured.csv); lines of the templates
 *    the sshd / pam_unix decoders cover get the expected ECS action and outcome;
 *  - evtx-attack-samples-json: every JSON line parses, Sysmon lines are
 *    event.dataset sysmon and carry event.code.
 * Not a Check suite: a plain program that exits 77 (skipped) when the data is absent,
 * 0 when every check passes, 1 with the first failures printed otherwise.
 */
#include "vg_parsers.h"
#include "vg_test_data.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static int g_failures;

#define CHECK(cond, ...)                                                                 \
	do {                                                                             \
		if (!(cond)) {                                                           \
			if (g_failures++ < 20) {                                         \
				fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);     \
				fprintf(stderr, __VA_ARGS__);                            \
				fputc('\n', stderr);                                     \
			}                                                                \
		}                                                                        \
	} while (0)

static bool value_is(const struct vg_event *ev, const char *name, const char *want,
                     size_t want_len)
{
	const struct vg_value *v = vg_event_get_named(ev, name);
	return v && v->len == want_len && memcmp(v->ptr, want, want_len) == 0;
}

static bool value_eq(const struct vg_event *ev, const char *name, const char *want)
{
	return value_is(ev, name, want, strlen(want));
}

struct expectation {
	const char *template_prefix;
	const char *action;
	const char *outcome; /* NULL: must be unset */
};

static const struct expectation g_expect[] = {
    {"Accepted password for", "ssh_login", "success"},
    {"Failed password for invalid user", "ssh_login", "failure"},
    {"Failed password for", "ssh_login", "failure"},
    {"Invalid user", "ssh_invalid_user", "failure"},
    {"Connection closed by", "ssh_disconnect", NULL},
    {"Received disconnect from", "ssh_disconnect", NULL},
    {"error: Received disconnect from", "ssh_disconnect", NULL},
    {"Did not receive identification string", "ssh_no_identification", "failure"},
    {"reverse mapping checking getaddrinfo", "ssh_reverse_mapping_failed", NULL},
    {"pam_unix(sshd:auth): authentication failure", "pam_auth_failure", "failure"},
};

static int openssh(const char *data, struct vg_parser *parser, struct vg_parse_ctx *ctx)
{
	char logp[1024], csvp[1024];
	snprintf(logp, sizeof(logp), "%s/loghub/OpenSSH/OpenSSH_2k.log", data);
	snprintf(csvp, sizeof(csvp), "%s/loghub/OpenSSH/OpenSSH_2k.log_structured.csv",
	         data);
	FILE *lf = fopen(logp, "r"), *cf = fopen(csvp, "r");
	if (!lf || !cf) {
		if (lf)
			fclose(lf);
		if (cf)
			fclose(cf);
		return 77;
	}
	struct vg_arena *arena = vg_arena_new(0);
	char line[8192], rec[8192];
	size_t n = 0, decoded = 0, actions = 0;
	/* The log was written in December (loghub: 2016-12-10 .. 2017-01-07). */
	vg_time ref = vg_time_from_civil(2016, 12, 20, 0, 0, 0, 0);

	if (!fgets(rec, sizeof(rec), cf)) /* header */
		rec[0] = '\0';
	while (fgets(line, sizeof(line), lf)) {
		size_t len = strlen(line);
		struct vg_event *ev = NULL;
		const char *reason = NULL;
		n++;
		vg_err err = vg_parse(parser, ctx, VG_FMT_AUTO, line, len, ref, arena,
		                      &ev, &reason);
		CHECK(err == VG_OK, "line %zu does not frame (%s): %s", n, reason, line);
		if (err != VG_OK)
			continue;
		CHECK(value_eq(ev, "process.name", "sshd"), "line %zu: process.name", n);
		CHECK(value_eq(ev, "vigil.format", "rfc3164"), "line %zu: format", n);
		CHECK(ev->ts != VG_TIME_NONE, "line %zu: no time", n);
		decoded += vg_event_get_named(ev, "vigil.decoder") != NULL;

		char *f[9];
		if (!fgets(rec, sizeof(rec), cf) || vg_test_csv_split(rec, f, 9) != 9) {
			CHECK(0, "structured csv ends or is malformed at line %zu", n);
			continue;
		}
		f[8][strcspn(f[8], "\r\n")] = '\0';
		CHECK(value_eq(ev, "host.name", f[4]), "line %zu: host != %s", n, f[4]);
		CHECK(value_eq(ev, "process.pid", f[5]), "line %zu: pid != %s", n, f[5]);
		/* loghub trims trailing spaces from Content */
		const struct vg_value *msg = vg_event_get_named(ev, "message");
		size_t ml = msg ? msg->len : 0;
		while (ml && msg->ptr[ml - 1] == ' ')
			ml--;
		CHECK(msg && ml == strlen(f[6]) && memcmp(msg->ptr, f[6], ml) == 0,
		      "line %zu: message differs from loghub's Content", n);
		for (size_t e = 0; e < sizeof(g_expect) / sizeof(g_expect[0]); e++) {
			const struct expectation *x = &g_expect[e];
			if (strncmp(f[8], x->template_prefix,
			            strlen(x->template_prefix)) != 0)
				continue;
			actions++;
			CHECK(value_eq(ev, "event.action", x->action),
			      "line %zu: template '%s' wants action %s", n, f[8],
			      x->action);
			if (x->outcome)
				CHECK(value_eq(ev, "event.outcome", x->outcome),
				      "line %zu: wants outcome %s", n, x->outcome);
			else
				CHECK(!vg_event_get_named(ev, "event.outcome"),
				      "line %zu: outcome should be unset", n);
			CHECK(vg_event_get_named(ev, "source.ip") ||
			          strstr(f[8], "pam_unix"),
			      "line %zu: no source.ip", n);
			break;
		}
		vg_arena_reset(arena);
	}
	CHECK(n == 2000, "read %zu lines, want 2000", n);
	CHECK(decoded == n, "%zu of %zu lines carry vigil.decoder", decoded, n);
	printf("OpenSSH_2k: %zu lines framed, %zu with a decoder, %zu checked against "
	       "templates\n",
	       n, decoded, actions);

	/* A throughput figure (informational, not asserted): the file 50 times. */
	rewind(lf);
	char *all = NULL;
	size_t all_len = 0;
	{
		struct stat st;
		if (stat(logp, &st) == 0 && (all = malloc((size_t)st.st_size + 1)))
			all_len = fread(all, 1, (size_t)st.st_size, lf);
	}
	if (all) {
		struct timespec t0, t1;
		size_t lines = 0;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (int r = 0; r < 50; r++) {
			for (size_t i = 0; i < all_len;) {
				char *nl = memchr(all + i, '\n', all_len - i);
				size_t e = nl ? (size_t)(nl - all) : all_len;
				struct vg_event *ev;
				const char *reason;
				vg_parse(parser, ctx, VG_FMT_AUTO, all + i, e - i, ref,
				         arena, &ev, &reason);
				lines++;
				i = e + 1;
				if ((lines & 1023) == 0)
					vg_arena_reset(arena);
			}
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double s = (double)(t1.tv_sec - t0.tv_sec) +
		           (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		printf("throughput: %zu syslog lines in %.3f s = %.0f lines/s (this "
		       "build)\n",
		       lines, s, (double)lines / s);
		free(all);
	}
	vg_arena_destroy(arena);
	fclose(lf);
	fclose(cf);
	return 0;
}

struct evtx_stats {
	size_t files, lines, sysmon, windows;
};

static void evtx_file(const char *path, struct vg_parser *parser,
                      struct vg_parse_ctx *ctx, struct vg_arena *arena,
                      struct evtx_stats *st)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	if (!f)
		return;
	st->files++;
	while ((len = getline(&line, &cap, f)) > 0) {
		struct vg_event *ev;
		const char *reason = NULL;
		st->lines++;
		vg_err err = vg_parse(parser, ctx, VG_FMT_AUTO, line, (size_t)len, 0,
		                      arena, &ev, &reason);
		CHECK(err == VG_OK, "%s:%zu: %s", path, st->lines, reason);
		if (err == VG_OK) {
			CHECK(value_eq(ev, "vigil.format", "json"), "%s: format", path);
			const struct vg_value *prov = vg_event_get_named(ev, "Provider");
			if (prov && prov->len == 24 &&
			    memcmp(prov->ptr, "Microsoft-Windows-Sysmon", 24) == 0) {
				st->sysmon++;
				CHECK(value_eq(ev, "event.dataset", "sysmon"),
				      "%s: dataset", path);
				CHECK(vg_event_get_named(ev, "event.code"),
				      "%s: no event.code", path);
				CHECK(ev->ts != 0, "%s: no time from UtcTime/TimeCreated",
				      path);
			}
			st->windows += value_eq(ev, "event.module", "windows");
		}
		vg_arena_reset(arena);
	}
	free(line);
	fclose(f);
}

static void evtx_dir(const char *dir, struct vg_parser *parser, struct vg_parse_ctx *ctx,
                     struct vg_arena *arena, struct evtx_stats *st)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[2048];
		struct stat sb;
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &sb) != 0)
			continue;
		size_t l = strlen(de->d_name);
		if (S_ISDIR(sb.st_mode))
			evtx_dir(path, parser, ctx, arena, st);
		else if (l > 6 && strcmp(de->d_name + l - 6, ".jsonl") == 0)
			evtx_file(path, parser, ctx, arena, st);
	}
	closedir(d);
}

static int evtx(const char *data, struct vg_parser *parser, struct vg_parse_ctx *ctx)
{
	char dir[1024];
	struct evtx_stats st = {0};
	snprintf(dir, sizeof(dir), "%s/evtx-attack-samples-json", data);
	struct vg_arena *arena = vg_arena_new(0);
	evtx_dir(dir, parser, ctx, arena, &st);
	vg_arena_destroy(arena);
	if (!st.files)
		return 77;
	printf(
	    "evtx-attack-samples-json: %zu files, %zu lines, %zu Sysmon, %zu windows\n",
	    st.files, st.lines, st.sysmon, st.windows);
	CHECK(st.sysmon > 0, "no Sysmon events found");
	return 0;
}

int main(void)
{
	const char *data = getenv("VIGIL_SHARED_DATA");
	struct vg_parser *parser;
	struct vg_diag diag;

	if (!data)
		data = "../shared/data";
	vg_diag_init(&diag);
	if (vg_parser_new(NULL, &parser, &diag) != VG_OK) {
		vg_diag_print(&diag, stderr);
		return 1;
	}
	struct vg_parse_ctx *ctx = vg_parse_ctx_new(parser);
	int a = openssh(data, parser, ctx);
	int b = evtx(data, parser, ctx);
	vg_parse_ctx_destroy(ctx);
	vg_parser_destroy(parser);
	vg_diag_clear(&diag);
	if (a == 77 && b == 77) {
		printf(
		    "SKIP: third-party data not found under %s (set VIGIL_SHARED_DATA)\n",
		    data);
		return 77;
	}
	if (a == 77 || b == 77)
		printf("note: part of the data is absent; checked what is there\n");
	if (g_failures)
		fprintf(stderr, "%d check(s) failed\n", g_failures);
	return g_failures ? 1 : 0;
}
