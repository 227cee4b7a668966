/*
 * bench_json.c - measure JSON parsing for Sysmon events: Vigil's in-house walker
 * (parsers/json.c) against Debian's JSON libraries, and the whole vg_parse path.
 *
 * Input: the Sysmon lines (Microsoft-Windows-Sysmon) of every *.jsonl file under
 * DIR (evtx-attack-samples-json), held in memory and parsed again and again for at
 * least SECONDS of CPU time per contender.  Every contender does the work
 * normalization needs: parse the object and visit every leaf with its dotted key path
 * ("Event.System.EventID") and its value text.  A checksum over the leaves (count
 * and path bytes) is printed so a contender that skips work shows.  CPU time of this
 * thread is measured (CLOCK_THREAD_CPUTIME_ID), so the figure is per core even on a
 * busy machine.  Built and run by scripts/bench-json.sh; not part of the product.
 *
 *   bench_json DIR [SECONDS [NAME-PREFIX]]
 */
#include "parsers_int.h"
#include "vg_parsers.h"

#include <dirent.h>
#ifndef BENCH_JANSSON
#include <json-c/json.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <yajl/yajl_parse.h>

struct corpus {
	char **line;
	size_t *len;
	size_t n, cap, bytes;
};

static void add_file(struct corpus *c, const char *path)
{
	FILE *fp = fopen(path, "r");
	char *l = NULL;
	size_t cap = 0;
	ssize_t n;
	if (!fp)
		return;
	while ((n = getline(&l, &cap, fp)) > 0) {
		while (n && (l[n - 1] == '\n' || l[n - 1] == '\r'))
			n--;
		if (!n || !memmem(l, (size_t)n, "Microsoft-Windows-Sysmon", 24))
			continue;
		if (c->n == c->cap) {
			c->cap = c->cap ? c->cap * 2 : 1024;
			c->line = realloc(c->line, c->cap * sizeof(*c->line));
			c->len = realloc(c->len, c->cap * sizeof(*c->len));
		}
		c->line[c->n] = strndup(l, (size_t)n);
		c->len[c->n++] = (size_t)n;
		c->bytes += (size_t)n;
	}
	free(l);
	fclose(fp);
}

static void walk_dir(struct corpus *c, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	if (!d)
		return;
	while ((de = readdir(d))) {
		char p[4096];
		struct stat st;
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (stat(p, &st) != 0)
			continue;
		size_t nl = strlen(de->d_name);
		if (S_ISDIR(st.st_mode))
			walk_dir(c, p);
		else if (nl > 6 && !strcmp(de->d_name + nl - 6, ".jsonl"))
			add_file(c, p);
	}
	closedir(d);
}

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t g_sum; /* leaves + path bytes: the work done */

/* ------------------------------------------------------------ contenders */

static struct vg_arena *g_arena;
static char g_path[VGP_JSON_PATH_MAX];

static vg_err inhouse_leaf(void *ud, const char *path, size_t plen, bool stable,
                           const char *v, size_t vlen, enum vg_value_kind kind)
{
	(void)ud, (void)path, (void)stable, (void)v, (void)kind;
	g_sum += 1 + plen + vlen;
	return VG_OK;
}

static int run_inhouse(const char *s, size_t n)
{
	const char *reason;
	vg_err err = vgp_json_walk(s, n, g_arena, g_path, inhouse_leaf, NULL, &reason);
	vg_arena_reset(g_arena);
	return err == VG_OK ? 0 : -1;
}

static struct vg_parser *g_parser;
static struct vg_parse_ctx *g_ctx;

static int run_vg_parse(const char *s, size_t n)
{
	struct vg_event *ev;
	const char *reason;
	vg_err err =
	    vg_parse(g_parser, g_ctx, VG_FMT_JSON, s, n, 0, g_arena, &ev, &reason);
	if (err == VG_OK)
		g_sum += 1 + ev->nset + ev->nextras;
	vg_arena_reset(g_arena);
	return err == VG_OK ? 0 : -1;
}

#ifndef BENCH_JANSSON
/* json-c: json_tokener_parse_ex, then a recursive walk building the dotted path. */
static json_tokener *g_tok;

static void jc_walk(struct json_object *o, char *path, size_t plen)
{
	if (json_object_get_type(o) == json_type_object) {
		json_object_object_foreach(o, key, val)
		{
			size_t kl = strlen(key), at = plen;
			if (at + kl + 2 >= VGP_JSON_PATH_MAX)
				continue;
			if (at)
				path[at++] = '.';
			memcpy(path + at, key, kl);
			jc_walk(val, path, at + kl);
		}
		return;
	}
	size_t vl = 0;
	if (json_object_get_type(o) == json_type_string)
		vl = (size_t)json_object_get_string_len(o);
	else if (o && json_object_get_type(o) != json_type_array)
		vl = strlen(json_object_get_string(o)); /* number text is re-formatted */
	g_sum += 1 + plen + vl;
}

static int run_jsonc(const char *s, size_t n)
{
	json_tokener_reset(g_tok);
	struct json_object *o = json_tokener_parse_ex(g_tok, s, (int)n);
	if (!o)
		return -1;
	char path[VGP_JSON_PATH_MAX];
	jc_walk(o, path, 0);
	json_object_put(o);
	return 0;
}

#else
/* jansson lives in bench_json_jansson.c and in its own binary: its headers and its
 * exported symbols (json_object_iter_next ...) clash with json-c's. */
int bench_run_jansson(const char *s, size_t n, uint64_t *sum);

static int run_jansson(const char *s, size_t n)
{
	return bench_run_jansson(s, n, &g_sum);
}
#endif

/* yajl: the streaming (SAX) interface, like the in-house walker: no tree. */
struct ys {
	char path[VGP_JSON_PATH_MAX];
	size_t len;
	size_t stack[VGP_JSON_DEPTH_MAX + 2];
	int depth;
	int arr; /* > 0 inside an array: leaves there are not separate fields */
};

static void ys_leaf(struct ys *y, size_t vl)
{
	if (!y->arr)
		g_sum += 1 + y->len + vl;
}
static int y_null(void *ctx)
{
	ys_leaf(ctx, 4);
	return 1;
}
static int y_bool(void *ctx, int b)
{
	ys_leaf(ctx, b ? 4 : 5);
	return 1;
}
static int y_number(void *ctx, const char *s, size_t l)
{
	(void)s;
	ys_leaf(ctx, l);
	return 1;
}
static int y_string(void *ctx, const unsigned char *s, size_t l)
{
	(void)s;
	ys_leaf(ctx, l);
	return 1;
}
static int y_start_map(void *ctx)
{
	struct ys *y = ctx;
	if (y->depth >= VGP_JSON_DEPTH_MAX)
		return 0;
	y->stack[y->depth++] = y->len;
	return 1;
}
static int y_map_key(void *ctx, const unsigned char *k, size_t l)
{
	struct ys *y = ctx;
	if (y->arr)
		return 1;
	size_t at = y->stack[y->depth - 1];
	if (at + l + 2 >= VGP_JSON_PATH_MAX)
		return 0;
	if (at)
		y->path[at++] = '.';
	memcpy(y->path + at, k, l);
	y->len = at + l;
	return 1;
}
static int y_end_map(void *ctx)
{
	struct ys *y = ctx;
	y->len = y->stack[--y->depth];
	return 1;
}
static int y_start_array(void *ctx)
{
	((struct ys *)ctx)->arr++;
	return 1;
}
static int y_end_array(void *ctx)
{
	struct ys *y = ctx;
	if (--y->arr == 0)
		ys_leaf(y, 2);
	return 1;
}

static const yajl_callbacks g_ycb = {y_null,    y_bool,        NULL,        NULL,
                                     y_number,  y_string,      y_start_map, y_map_key,
                                     y_end_map, y_start_array, y_end_array};

static int run_yajl(const char *s, size_t n)
{
	struct ys y = {.len = 0};
	yajl_handle h = yajl_alloc(&g_ycb, NULL, &y);
	int ok = yajl_parse(h, (const unsigned char *)s, n) == yajl_status_ok &&
	         yajl_complete_parse(h) == yajl_status_ok;
	yajl_free(h);
	return ok ? 0 : -1;
}

/* ------------------------------------------------------------ driver */

static const char *g_only; /* argv[3]: run only contenders whose name starts so */

static void measure(const char *name, int (*fn)(const char *, size_t),
                    const struct corpus *c, double secs)
{
	if (g_only && strncmp(name, g_only, strlen(g_only)) != 0)
		return;
	size_t done = 0, failed = 0, bytes = 0;
	g_sum = 0;
	/* warm-up pass (page faults, caches) */
	for (size_t i = 0; i < c->n; i++)
		fn(c->line[i], c->len[i]);
	g_sum = 0;
	double t0 = cpu_now(), t;
	do {
		for (size_t i = 0; i < c->n; i++) {
			if (fn(c->line[i], c->len[i]))
				failed++;
			bytes += c->len[i];
		}
		done += c->n;
		t = cpu_now() - t0;
	} while (t < secs);
	printf(
	    "%-34s %10.0f events/s/core %8.1f MB/s  (%zu events, %.2f s CPU, %zu failed, "
	    "checksum/event %.1f)\n",
	    name, (double)done / t, (double)bytes / t / 1e6, done, t, failed,
	    (double)g_sum / (double)done);
}

int main(int argc, char **argv)
{
	struct corpus c = {0};
	if (argc < 2) {
		fprintf(stderr, "usage: bench_json DIR [SECONDS]\n");
		return 2;
	}
	double secs = argc > 2 ? atof(argv[2]) : 3.0;
	g_only = argc > 3 ? argv[3] : NULL;
	walk_dir(&c, argv[1]);
	if (!c.n) {
		fprintf(stderr, "no Sysmon JSON lines under %s\n", argv[1]);
		return 1;
	}
#ifndef BENCH_JANSSON
	printf("corpus: %zu Sysmon JSON lines, %.1f MB, mean %.0f bytes/event\n", c.n,
	       (double)c.bytes / 1e6, (double)c.bytes / (double)c.n);
#endif

	struct vg_diag diag;
	vg_diag_init(&diag);
	if (vg_parser_new(NULL, &g_parser, &diag)) {
		vg_diag_print(&diag, stderr);
		return 1;
	}
	g_ctx = vg_parse_ctx_new(g_parser);
	g_arena = vg_arena_new(0);
#ifdef BENCH_JANSSON
	measure("jansson 2.14 tree", run_jansson, &c, secs);
#else
	g_tok = json_tokener_new();
	measure("in-house walker (parsers/json.c)", run_inhouse, &c, secs);
	measure("yajl 2.1 SAX", run_yajl, &c, secs);
	measure("json-c 0.16 tree", run_jsonc, &c, secs);
	measure("vg_parse JSON (whole normalize)", run_vg_parse, &c, secs);
	json_tokener_free(g_tok);
#endif
	vg_arena_destroy(g_arena);
	vg_parse_ctx_destroy(g_ctx);
	vg_parser_destroy(g_parser);
	vg_diag_clear(&diag);
	return 0;
}
