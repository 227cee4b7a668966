/*
 * Syslog framing conformance against other projects' test tables (../shared/data):
 * go-syslog (RFC 5424, RFC 3164, octet counting), rsyslog legacy .parse1 pairs and
 * syslog-ng's msgparse_params tables.  scripts/syslog-vectors.py reads the original
 * files and prints one case per line (hex-encoded values); this program runs every
 * case through vg_parse / vg_frame_next and requires the peer's verdict (valid or
 * invalid) and every field the peer states.  Cases where Vigil deliberately differs
 * are listed, with the reason, in tests/conformance/EXCEPTIONS.md; an exception that
 * no longer fails is reported too (stale), so the list stays true.  A case the
 * extractor cannot turn into bytes and expectations (n/a: a value computed by the
 * peer's code) must be listed there too: every case is either evaluated or a listed
 * exception.  Cases that need a parse option of the peer's (syslog-ng's flags, a
 * bad_hostname regex) are evaluated like the others; where the option changes the
 * result, the case is a listed exception.
 *
 * Columns: pass, except (evaluated, differs by design, listed), gap (evaluated,
 * differs, listed under "Known gaps": to be fixed), n/a-lst (not evaluable, listed),
 * n/a (not evaluable and not listed: a failure), fail.
 * Exit 77 (skipped) when the data or python3 is absent; 0 when every case passes or
 * is listed; 1 otherwise, with each failure printed.
 */
#include "vg_parsers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_KV 256

struct kv {
	char *key;
	char *val; /* decoded, NUL-terminated (values may hold NUL: use len) */
	size_t len;
};

struct tcase {
	char *suite, *id;
	struct kv kv[MAX_KV];
	size_t nkv;
};

struct suite_stats {
	char name[64];
	unsigned total, skipped, skip_listed, pass, excepted, gap, fail;
};

static struct suite_stats g_stats[16];
static size_t g_nstats;
static char **g_exc;
static size_t g_nexc;
static bool *g_exc_used;
static bool *g_exc_gap; /* listed under "## Known gaps": a difference to fix */
static unsigned g_stale;

/* ------------------------------------------------------------ helpers */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static char *unhex(const char *h, size_t *len)
{
	size_t n = strlen(h) / 2;
	char *o = malloc(n + 1);
	if (!o)
		abort();
	for (size_t i = 0; i < n; i++)
		o[i] = (char)(hexval(h[2 * i]) * 16 + hexval(h[2 * i + 1]));
	o[n] = '\0';
	*len = n;
	return o;
}

static const struct kv *get(const struct tcase *tc, const char *key)
{
	for (size_t i = 0; i < tc->nkv; i++)
		if (strcmp(tc->kv[i].key, key) == 0)
			return &tc->kv[i];
	return NULL;
}

static struct suite_stats *stats_for(const char *suite)
{
	for (size_t i = 0; i < g_nstats; i++)
		if (strcmp(g_stats[i].name, suite) == 0)
			return &g_stats[i];
	if (g_nstats == sizeof(g_stats) / sizeof(g_stats[0]))
		abort();
	struct suite_stats *s = &g_stats[g_nstats++];
	snprintf(s->name, sizeof(s->name), "%s", suite);
	return s;
}

/* EXCEPTIONS.md: every `suite#id` in backticks on a line starting with "- "; those
 * under a "## Known gaps" heading are differences not meant to stay. */
static void load_exceptions(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	bool gaps = false;
	if (!f) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(1);
	}
	g_exc_gap = calloc(1024, sizeof(*g_exc_gap));
	if (!g_exc_gap)
		abort();
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "## ", 3) == 0)
			gaps = strncmp(line, "## Known gaps", 13) == 0;
		if (strncmp(line, "- ", 2) != 0)
			continue;
		for (char *p = strchr(line, '`'); p; p = strchr(p, '`')) {
			char *e = strchr(p + 1, '`');
			if (!e)
				break;
			if (memchr(p + 1, '#', (size_t)(e - p - 1))) {
				g_exc = realloc(g_exc, (g_nexc + 1) * sizeof(*g_exc));
				if (!g_exc)
					abort();
				if (g_nexc == 1024)
					abort();
				g_exc_gap[g_nexc] = gaps;
				g_exc[g_nexc++] = strndup(p + 1, (size_t)(e - p - 1));
			}
			p = e + 1;
		}
	}
	fclose(f);
	g_exc_used = calloc(g_nexc + 1, sizeof(*g_exc_used));
}

static long exception_index(const struct tcase *tc)
{
	char key[256];
	snprintf(key, sizeof(key), "%s#%s", tc->suite, tc->id);
	for (size_t i = 0; i < g_nexc; i++)
		if (strcmp(g_exc[i], key) == 0)
			return (long)i;
	return -1;
}

/* ------------------------------------------------------------ parsers per zone */

struct zparser {
	int off;
	struct vg_parser *p;
	struct vg_parse_ctx *ctx;
};
static struct zparser g_zp[8];
static size_t g_nzp;

static struct zparser *parser_for(int off)
{
	for (size_t i = 0; i < g_nzp; i++)
		if (g_zp[i].off == off)
			return &g_zp[i];
	struct vg_parser_conf conf = {.rfc3164_utc_offset_sec = off};
	struct vg_diag diag;
	vg_diag_init(&diag);
	struct zparser *z = &g_zp[g_nzp++];
	z->off = off;
	if (vg_parser_new(&conf, &z->p, &diag) != VG_OK) {
		vg_diag_print(&diag, stderr);
		exit(1);
	}
	vg_diag_clear(&diag);
	z->ctx = vg_parse_ctx_new(z->p);
	if (!z->ctx)
		abort();
	return z;
}

/* ------------------------------------------------------------ comparison */

static char g_why[1024];

#define WHY(...) snprintf(g_why, sizeof(g_why), __VA_ARGS__)

static bool field_eq(const struct vg_event *ev, const char *field, const struct kv *want,
                     bool empty_is_unset)
{
	const struct vg_value *v = vg_event_get_named(ev, field);
	if (!want) {
		if (v && (v->len || !empty_is_unset)) {
			WHY("%s is '%.*s', want unset", field, (int)v->len, v->ptr);
			return false;
		}
		return true;
	}
	if (!v) {
		if (want->len == 0 && empty_is_unset)
			return true;
		WHY("%s is unset, want '%s'", field, want->val);
		return false;
	}
	if (v->len != want->len || memcmp(v->ptr, want->val, v->len) != 0) {
		WHY("%s is '%.*s', want '%.*s'", field, (int)v->len, v->ptr,
		    (int)want->len, want->val);
		return false;
	}
	return true;
}

static const char *const g_mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* Compare ev->ts with "Mmm d hh:mm:ss" (no year) in the zone off seconds east. */
static bool ts_stamp_eq(const struct vg_event *ev, const char *want, int off)
{
	int y, mo, d, h, mi, s;
	char got[64];
	if (ev->ts == VG_TIME_NONE) {
		WHY("no timestamp, want '%s'", want);
		return false;
	}
	vg_time_to_civil(ev->ts + (vg_time)off * VG_USEC_PER_SEC, &y, &mo, &d, &h, &mi,
	                 &s, NULL);
	snprintf(got, sizeof(got), "%s %d %02d:%02d:%02d", g_mon[mo - 1], d, h, mi, s);
	char norm[64];
	size_t k = 0;
	for (const char *p = want; *p && k + 1 < sizeof(norm); p++) {
		if (*p == ' ' && k && norm[k - 1] == ' ')
			continue;
		if (*p == '0' && k && norm[k - 1] == ' ' && p[1] >= '0' && p[1] <= '9' &&
		    p[2] == ' ')
			continue; /* "Mar 07" -> "Mar 7" */
		norm[k++] = *p;
	}
	norm[k] = '\0';
	if (strcmp(got, norm) != 0) {
		WHY("timestamp is '%s', want '%s'", got, norm);
		return false;
	}
	return true;
}

/* Check every stated field of one parsed record.  full: fields not stated must be
 * unset (go-syslog compares whole messages). */
static bool check_fields(const struct tcase *tc, const char *prefix,
                         const struct vg_event *ev, bool full, bool is5424, int off)
{
	static const struct {
		const char *key, *field;
	} map[] = {
	    {"pri", "log.syslog.priority"},
	    {"version", "log.syslog.version"},
	    {"host", "host.name"},
	    {"app", "log.syslog.appname"},
	    {"procid", "log.syslog.procid"},
	    {"msgid", "log.syslog.msgid"},
	    {"msg", "message"},
	};
	char key[256];
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		snprintf(key, sizeof(key), "%s%s", prefix, map[i].key);
		const struct kv *want = get(tc, key);
		if (!want && !full)
			continue;
		if (!want && (strcmp(map[i].key, "pri") == 0 ||
		              strcmp(map[i].key, "version") == 0))
			continue;
		if (!field_eq(ev, map[i].field, want, true))
			return false;
	}
	snprintf(key, sizeof(key), "%sts", prefix);
	const struct kv *ts = get(tc, key);
	vg_time t;
	if (ts && is5424 &&
	    vg_time_parse_rfc3339(ts->val, ts->len, INT32_MIN, &t) != VG_OK) {
		/* A "Mmm dd hh:mm:ss" rendering of an RFC 5424 time (rsyslog prints it
		 * in the record's own zone): take the zone from the record. */
		const struct kv *in = get(tc, "in");
		const char *sp = memchr(in->val, ' ', in->len);
		const char *e =
		    sp ? memchr(sp + 1, ' ', in->len - (size_t)(sp + 1 - in->val)) : NULL;
		int zoff = 0;
		if (e && e - sp > 7 && (e[-6] == '+' || e[-6] == '-') && e[-3] == ':')
			zoff = (e[-6] == '-' ? -1 : 1) *
			       (atoi(e - 5) * 3600 + atoi(e - 2) * 60);
		if (!ts_stamp_eq(ev, ts->val, zoff))
			return false;
	} else if (ts && is5424) {
		if (t != ev->ts) {
			char got[32];
			vg_time_format(ev->ts, got);
			WHY("timestamp is %s, want %s",
			    ev->ts == VG_TIME_NONE ? "none" : got, ts->val);
			return false;
		}
	} else if (ts && !ts_stamp_eq(ev, ts->val, off)) {
		return false;
	}
	snprintf(key, sizeof(key), "%sepoch", prefix);
	const struct kv *ep = get(tc, key);
	if (ep) {
		double e = strtod(ep->val, NULL);
		vg_time te = (vg_time)(e * 1e6 + (e >= 0 ? 0.5 : -0.5));
		if (te != ev->ts) {
			char got[32];
			vg_time_format(ev->ts, got);
			WHY("timestamp is %s, want epoch %s", got, ep->val);
			return false;
		}
	}
	/* Structured data: every stated parameter, and (full) no others. */
	size_t plen = strlen(prefix);
	unsigned nsd = 0;
	for (size_t i = 0; i < tc->nkv; i++) {
		const char *k = tc->kv[i].key;
		if (strncmp(k, prefix, plen) != 0)
			continue;
		k += plen;
		if (strncmp(k, "sd.", 3) == 0) {
			nsd++;
			if (!field_eq(ev, k, &tc->kv[i], false))
				return false;
		} else if (strncmp(k, "sdid.", 5) == 0) {
			const struct vg_value *sd =
			    vg_event_get_named(ev, "log.syslog.structured_data");
			char pat[128];
			int n = snprintf(pat, sizeof(pat), "[%s", k + 5);
			bool found = false;
			for (size_t j = 0; sd && j + (size_t)n <= sd->len; j++)
				if (memcmp(sd->ptr + j, pat, (size_t)n) == 0 &&
				    (j + (size_t)n == sd->len || sd->ptr[j + n] == ' ' ||
				     sd->ptr[j + n] == ']'))
					found = true;
			if (!found) {
				WHY("structured data has no element %s", k + 5);
				return false;
			}
		}
	}
	if (full) {
		unsigned have = 0;
		for (const struct vg_extra *x = ev->extras; x; x = x->next)
			if (x->name_len > 3 && memcmp(x->name, "sd.", 3) == 0)
				have++;
		if (have != nsd) {
			WHY("%u structured data parameters, want %u", have, nsd);
			return false;
		}
	}
	return true;
}

static bool run_record(const struct tcase *tc, enum vg_format fmt, const char *in,
                       size_t len, struct vg_arena *arena, struct vg_event **ev,
                       const char **reason)
{
	const struct kv *off = get(tc, "utcoff");
	const struct kv *ref = get(tc, "ref");
	struct zparser *z = parser_for(off ? atoi(off->val) : 0);
	vg_time rt = ref ? (vg_time)(strtod(ref->val, NULL) * 1e6 + 0.5)
	                 : vg_time_from_civil(2018, 6, 15, 0, 0, 0, 0);
	return vg_parse(z->p, z->ctx, fmt, in, len, rt, arena, ev, reason) == VG_OK;
}

static bool run_octet(const struct tcase *tc, struct vg_arena *arena)
{
	const struct kv *in = get(tc, "in");
	const struct kv *ml = get(tc, "maxlen");
	size_t max = ml ? (size_t)atol(ml->val) : 8192;
	size_t pos = 0;
	char key[64];
	for (int r = 0;; r++) {
		snprintf(key, sizeof(key), "r%d.kind", r);
		const struct kv *kind = get(tc, key);
		const char *rec, *reason;
		size_t rlen, used;
		vg_err err = vg_frame_next(VG_FRAMING_OCTET, in->val + pos, in->len - pos,
		                           true, max, &rec, &rlen, &used, &reason);
		pos += used;
		if (!kind) {
			if (err == VG_OK) {
				WHY("record %d framed, the peer stops before it", r);
				return false;
			}
			return true;
		}
		if (strcmp(kind->val, "framing") == 0) {
			if (err != VG_ERR_PARSE) {
				WHY("record %d: want a framing error, got %s", r,
				    err == VG_OK ? "a record" : "end of stream");
				return false;
			}
			return true;
		}
		if (err != VG_OK) {
			WHY("record %d: framing failed (%s)", r,
			    err == VG_ERR_PARSE ? reason : "end of stream");
			return false;
		}
		struct vg_event *ev;
		bool ok = run_record(tc, VG_FMT_RFC5424, rec, rlen, arena, &ev, &reason);
		if (strcmp(kind->val, "invalid") == 0) {
			if (ok) {
				WHY("record %d: accepted, the peer rejects it", r);
				return false;
			}
			return true; /* the peer stops at the first error */
		}
		if (!ok) {
			WHY("record %d: rejected (%s)", r, reason);
			return false;
		}
		snprintf(key, sizeof(key), "r%d.", r);
		if (!check_fields(tc, key, ev, true, true, 0)) {
			char tmp[sizeof(g_why)];
			int n = snprintf(tmp, sizeof(tmp), "record %d: ", r);
			memcpy(tmp + n, g_why, sizeof(tmp) - (size_t)n - 1);
			tmp[sizeof(tmp) - 1] = '\0';
			memcpy(g_why, tmp, sizeof(g_why));
			return false;
		}
	}
}

static bool run_case(const struct tcase *tc, struct vg_arena *arena)
{
	const struct kv *fmtkv = get(tc, "fmt");
	const struct kv *in = get(tc, "in");
	if (strcmp(fmtkv->val, "octet") == 0)
		return run_octet(tc, arena);
	enum vg_format fmt = VG_FMT_SYSLOG;
	bool is5424 = strcmp(fmtkv->val, "rfc5424") == 0;
	if (is5424)
		fmt = VG_FMT_RFC5424;
	else if (strcmp(fmtkv->val, "rfc3164") == 0)
		fmt = VG_FMT_RFC3164;
	bool want_valid = strcmp(get(tc, "valid")->val, "1") == 0;
	struct vg_event *ev;
	const char *reason;
	bool ok = run_record(tc, fmt, in->val, in->len, arena, &ev, &reason);
	if (!want_valid) {
		if (ok) {
			const struct kv *note = get(tc, "note");
			WHY("accepted, the peer rejects it (%s)", note ? note->val : "-");
		}
		return !ok;
	}
	if (!ok) {
		WHY("rejected: %s", reason);
		return false;
	}
	const struct kv *off = get(tc, "utcoff");
	bool full = strncmp(tc->suite, "go-syslog", 9) == 0;
	if (fmt == VG_FMT_SYSLOG) {
		const struct vg_value *f = vg_event_get_named(ev, "vigil.format");
		is5424 = f && f->len == 7 && memcmp(f->ptr, "rfc5424", 7) == 0;
	}
	return check_fields(tc, "", ev, full, is5424, off ? atoi(off->val) : 0);
}

/* ------------------------------------------------------------ main */

static bool parse_line(char *line, struct tcase *tc)
{
	char *save = NULL;
	tc->suite = strtok_r(line, "\t\n", &save);
	tc->id = strtok_r(NULL, "\t\n", &save);
	tc->nkv = 0;
	if (!tc->suite || !tc->id)
		return false;
	for (char *t = strtok_r(NULL, "\t\n", &save); t;
	     t = strtok_r(NULL, "\t\n", &save)) {
		char *eq = strchr(t, '=');
		if (!eq || tc->nkv == MAX_KV)
			return false;
		*eq = '\0';
		tc->kv[tc->nkv].key = t;
		tc->kv[tc->nkv].val = unhex(eq + 1, &tc->kv[tc->nkv].len);
		tc->nkv++;
	}
	return true;
}

int main(void)
{
	const char *data = getenv("VIGIL_SHARED_DATA");
	const char *src = getenv("VIGIL_SOURCE_ROOT");
	char path[4096], cmd[8192];
	struct stat st;

	if (!src)
		src = ".";
	snprintf(path, sizeof(path), "%s/go-syslog/rfc5424/machine_test.go",
	         data ? data : "");
	if (!data || stat(path, &st) != 0) {
		printf("SKIP: syslog conformance data not found (%s); set "
		       "VIGIL_SHARED_DATA\n",
		       data ? path : "VIGIL_SHARED_DATA unset");
		return 77;
	}
	if (system("python3 -c 'import sys' >/dev/null 2>&1") != 0) {
		printf("SKIP: python3 (needed by scripts/syslog-vectors.py) not found\n");
		return 77;
	}
	snprintf(path, sizeof(path), "%s/tests/conformance/EXCEPTIONS.md", src);
	load_exceptions(path);
	snprintf(cmd, sizeof(cmd), "python3 '%s/scripts/syslog-vectors.py' '%s'", src,
	         data);
	FILE *p = popen(cmd, "r");
	if (!p) {
		perror("popen");
		return 1;
	}
	struct vg_arena *arena = vg_arena_new(0);
	static char line[1 << 20];
	static struct tcase tc;
	unsigned failures = 0;
	while (fgets(line, sizeof(line), p)) {
		if (!parse_line(line, &tc)) {
			fprintf(stderr, "malformed case line\n");
			return 1;
		}
		struct suite_stats *s = stats_for(tc.suite);
		s->total++;
		const struct kv *skip = get(&tc, "skip");
		if (skip) {
			long ei = exception_index(&tc);
			if (ei >= 0) {
				s->skip_listed++;
				g_exc_used[ei] = true;
			} else {
				s->skipped++;
				failures++;
				printf("NOT EVALUATED and not listed: %s#%s: %s\n",
				       tc.suite, tc.id, skip->val);
			}
		} else {
			g_why[0] = '\0';
			bool ok = run_case(&tc, arena);
			long ei = exception_index(&tc);
			const struct kv *in = get(&tc, "in");
			if (ok && ei < 0) {
				s->pass++;
			} else if (ok) {
				s->pass++;
				g_exc_used[ei] = true;
				g_stale++;
				printf("STALE exception (now passes): %s#%s\n", tc.suite,
				       tc.id);
			} else if (ei >= 0 && g_exc_gap[ei]) {
				s->gap++;
				g_exc_used[ei] = true;
				printf("known gap %s#%s: %s\n", tc.suite, tc.id, g_why);
			} else if (ei >= 0) {
				s->excepted++;
				g_exc_used[ei] = true;
			} else {
				s->fail++;
				failures++;
				const struct kv *opts = get(&tc, "opts");
				printf("FAIL %s#%s: %s\n    input: %.*s\n", tc.suite,
				       tc.id, g_why, (int)(in->len > 200 ? 200 : in->len),
				       in->val);
				if (opts)
					printf("    peer parse options: %s\n", opts->val);
			}
		}
		for (size_t i = 0; i < tc.nkv; i++)
			free(tc.kv[i].val);
		vg_arena_reset(arena);
	}
	int prc = pclose(p);
	if (prc != 0) {
		fprintf(stderr, "scripts/syslog-vectors.py failed (status %d)\n", prc);
		return 1;
	}
	for (size_t i = 0; i < g_nexc; i++)
		if (!g_exc_used[i]) {
			printf("STALE exception (no such case): %s\n", g_exc[i]);
			g_stale++;
		}
	printf("\n%-26s %6s %6s %6s %6s %7s %6s %6s %8s\n", "suite", "cases", "pass",
	       "except", "gap", "n/a-lst", "n/a", "fail", "pass%");
	unsigned tot = 0, totpass = 0, totexc = 0, totgap = 0, totlst = 0, totna = 0;
	for (size_t i = 0; i < g_nstats; i++) {
		struct suite_stats *s = &g_stats[i];
		unsigned run = s->total - s->skipped - s->skip_listed;
		printf("%-26s %6u %6u %6u %6u %7u %6u %6u %7.1f%%\n", s->name, s->total,
		       s->pass, s->excepted, s->gap, s->skip_listed, s->skipped, s->fail,
		       run ? 100.0 * s->pass / run : 0.0);
		tot += run;
		totpass += s->pass;
		totexc += s->excepted;
		totgap += s->gap;
		totlst += s->skip_listed;
		totna += s->skipped;
	}
	printf("%-26s %6s %6u %6u %6u %7u %6u %6s %7.1f%%  (of %u evaluated cases)\n",
	       "all", "", totpass, totexc, totgap, totlst, totna, "",
	       tot ? 100.0 * totpass / tot : 0.0, tot);
	vg_arena_destroy(arena);
	for (size_t i = 0; i < g_nzp; i++) {
		vg_parse_ctx_destroy(g_zp[i].ctx);
		vg_parser_destroy(g_zp[i].p);
	}
	for (size_t i = 0; i < g_nexc; i++)
		free(g_exc[i]);
	free(g_exc);
	free(g_exc_used);
	free(g_exc_gap);
	return failures || g_stale ? 1 : 0;
}
