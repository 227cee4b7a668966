/* libFuzzer target: the detection index and the field value cache (correlate/
 * prefilter.c, value_cache.c) against each rule run alone, on the community's
 * rules.  Every SigmaHQ Windows process_creation rule of ../shared/data (or
 * $VIGIL_SHARED_DATA) is loaded twice: all together (one logsource group, indexed,
 * with the value cache) and each on its own (a one-rule ruleset is not indexed,
 * and its context has no cache).  The input is up to twelve NUL-separated values
 * for the fields those rules read (Image, CommandLine, ParentImage, ...; each
 * byte of 0x80 and above as the code point of that value), made into a Sysmon
 * process creation record and normalized by vg_parse.
 *
 * The contract: the rules the index finds are exactly those that match alone, on
 * the first detection of the event (value cache misses) and on a second one (hits
 * replayed from the cache).  Without the rules (no shared data) every input is a
 * no-op, said once on stderr. */
#include "fuzz_input.h"
#include "vg_correlate.h"
#include "vg_parsers.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_HITS 512

static struct vg_ruleset *g_all;
static struct vg_detect_ctx *g_ctx;
static struct vg_ruleset **g_alone;
static struct vg_detect_ctx **g_alone_ctx;
static size_t g_nalone;
static struct vg_parser *g_parser;
static struct vg_parse_ctx *g_pctx;
static struct vg_arena *g_arena;
static int g_ready; /* 0: not yet, 1: rules loaded, -1: none to load */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void init(void)
{
	vg_log_set_level(VG_LOG_ERROR);
	const char *env = getenv("VIGIL_SHARED_DATA");
	char dir[1024];
	snprintf(dir, sizeof(dir), "%s/sigma/rules/windows/process_creation",
	         env ? env : "../shared/data");
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "fuzz_detect: no rules at %s: every input is a no-op\n",
		        dir);
		g_ready = -1;
		return;
	}
	char **paths = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l < 5 || strcmp(de->d_name + l - 4, ".yml"))
			continue;
		if (!(paths = vg_grow(paths, &cap, n + 1, sizeof(*paths))))
			abort();
		if (!(paths[n] = malloc(strlen(dir) + l + 2)))
			abort();
		sprintf(paths[n++], "%s/%s", dir, de->d_name);
	}
	closedir(d);
	qsort(paths, n, sizeof(*paths), cmp_str);
	struct vg_diag diag;
	vg_diag_init(&diag);
	if (vg_fields_init(NULL) != VG_OK ||
	    vg_parser_new(NULL, &g_parser, &diag) != VG_OK ||
	    !(g_pctx = vg_parse_ctx_new(g_parser)) || !(g_arena = vg_arena_new(0)))
		abort();
	/* the rules Vigil runs: a file it cannot load is left out of both sides */
	if (!(g_alone = calloc(n, sizeof(*g_alone))) ||
	    !(g_alone_ctx = calloc(n, sizeof(*g_alone_ctx))))
		abort();
	const char **ok = calloc(n ? n : 1, sizeof(*ok));
	if (!ok)
		abort();
	for (size_t i = 0; i < n; i++) {
		struct vg_ruleset *rs = NULL;
		vg_diag_clear(&diag);
		if (vg_ruleset_load((const char *const *)&paths[i], 1, &rs, &diag) !=
		        VG_OK ||
		    vg_ruleset_count(rs) != 1) {
			vg_ruleset_destroy(rs);
			continue;
		}
		if (!(g_alone_ctx[g_nalone] = vg_detect_ctx_new(rs)) ||
		    vg_detect_ctx_cache(g_alone_ctx[g_nalone], 0) != VG_OK)
			abort();
		ok[g_nalone] = paths[i];
		g_alone[g_nalone++] = rs;
	}
	vg_diag_clear(&diag);
	if (vg_ruleset_load(ok, g_nalone, &g_all, &diag) != VG_OK ||
	    vg_ruleset_count(g_all) != g_nalone || !(g_ctx = vg_detect_ctx_new(g_all)))
		abort();
	vg_diag_clear(&diag);
	free(ok);
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	fprintf(stderr, "fuzz_detect: %zu rules from %s\n", g_nalone, dir);
	g_ready = 1;
}

static const char *const g_fields[] = {
    "Image",   "CommandLine",   "ParentImage", "ParentCommandLine", "OriginalFileName",
    "Product", "Description",   "Company",     "CurrentDirectory",  "User",
    "Hashes",  "IntegrityLevel"};
#define NFIELDS POOL(g_fields)

/* value as a JSON string's content: quote, backslash and controls escaped, a byte
 * of 0x80 and above as the code point of that value */
static void put_value(struct vg_buf *b, const uint8_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '"' || v[i] == '\\') {
			vg_buf_putc(b, '\\');
			vg_buf_putc(b, (char)v[i]);
		} else if (v[i] < 0x20 || v[i] >= 0x80) {
			vg_buf_printf(b, "\\u%04x", v[i]);
		} else {
			vg_buf_putc(b, (char)v[i]);
		}
	}
}

static const char *rule_id(const struct vg_rule *r)
{
	struct vg_rule_info info;
	vg_rule_info(r, &info);
	return info.id;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!g_ready)
		init();
	if (g_ready < 0)
		return 0;
	struct vg_buf rec;
	vg_buf_init(&rec);
	vg_buf_puts(&rec, "{\"EventID\":1,\"Channel\":\"Microsoft-Windows-Sysmon/"
	                  "Operational\",\"Computer\":\"ws1\",\"UtcTime\":"
	                  "\"2024-01-02 03:04:05.678\"");
	size_t f = 0, start = 0;
	for (size_t i = 0; i <= size && f < NFIELDS; i++)
		if (i == size || data[i] == 0) {
			vg_buf_printf(&rec, ",\"%s\":\"", g_fields[f++]);
			put_value(&rec, data + start, i - start);
			vg_buf_putc(&rec, '"');
			start = i + 1;
		}
	vg_buf_putc(&rec, '}');
	struct vg_event *ev = NULL;
	const char *reason = NULL;
	if (vg_parse(g_parser, g_pctx, VG_FMT_JSON, rec.data, rec.len, 0, g_arena, &ev,
	             &reason) != VG_OK)
		abort(); /* escaped values: the record is valid JSON */
	static const struct vg_rule *hits[MAX_HITS];
	static const char *want[MAX_HITS], *got[MAX_HITS];
	size_t nwant = 0;
	for (size_t i = 0; i < g_nalone; i++) {
		const struct vg_rule *h[2];
		size_t n = vg_detect(g_alone[i], g_alone_ctx[i], ev, h, 2);
		if (n > 1 || nwant == MAX_HITS)
			abort();
		if (n)
			want[nwant++] = rule_id(h[0]);
	}
	qsort(want, nwant, sizeof(*want), cmp_str);
	for (int pass = 0; pass < 2; pass++) { /* cache misses, then hits */
		size_t n = vg_detect(g_all, g_ctx, ev, hits, MAX_HITS);
		if (n != nwant)
			abort();
		for (size_t i = 0; i < n; i++)
			got[i] = rule_id(hits[i]);
		qsort(got, n, sizeof(*got), cmp_str);
		for (size_t i = 0; i < n; i++)
			if (strcmp(got[i], want[i]))
				abort();
	}
	vg_arena_reset(g_arena);
	vg_buf_free(&rec);
	return 0;
}
