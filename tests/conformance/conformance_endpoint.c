/*
 * Conformance of the endpoint / alert normalizers against third-party data in
 * ../shared/data (VIGIL_SHARED_DATA):
 *  - sigma/regression_data/ *.json (one pretty-printed Windows event per file),
 *    otrf-security-datasets (Windows JSONL and Linux auditd, read with `unzip -p`),
 *    evtx-attack-samples-json (JSONL): every event normalizes without a dead letter;
 *    Sysmon events get event.dataset sysmon and, for known EventIDs, event.category;
 *  - ait-alert-data-set (`xz -dc`): every row is an alert event, the header row is
 *    the one dead letter per file, and the raw record never holds the label columns;
 *  - ait-aecid-alert-aggregation: every Wazuh alert is event.module wazuh with a
 *    rule.name;
 *  - auditd (ait-llm-log-parsing-audit Audit_2k.log, wazuh-ruleset-tests auditd and
 *    audit_scp .ini lines, otrf Linux zips): grouped with vg_parse_feed, no dead
 *    letter, and as many events as a naive recount of consecutive audit(ts:serial)
 *    runs.
 * Prints the counts per data set.  Not a Check suite: exits 77 (skipped) when the
 * data is absent, 0 when every check passes, 1 with the first failures otherwise.
 */
#include "vg_parsers.h"
#include "vg_test.h"

#include <dirent.h>
#include <sys/stat.h>

static int g_failures;
static struct vg_parser *g_parser;
static struct vg_parse_ctx *g_ctx;
static struct vg_arena *g_arena;

#define CHECK(cond, ...)                                                                 \
	do {                                                                             \
		if (!(cond)) {                                                           \
			if (g_failures++ < 25) {                                         \
				fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);     \
				fprintf(stderr, __VA_ARGS__);                            \
				fputc('\n', stderr);                                     \
			}                                                                \
		}                                                                        \
	} while (0)

struct counts {
	long events, dead, sysmon, categorized;
};

static bool has(const struct vg_event *ev, const char *name)
{
	return vg_event_get_named(ev, name) != NULL;
}

static bool is(const struct vg_event *ev, const char *name, const char *want)
{
	const struct vg_value *v = vg_event_get_named(ev, name);
	return v && v->len == strlen(want) && memcmp(v->ptr, want, v->len) == 0;
}

/* Windows event checks shared by every Windows source. */
static void check_windows(const char *where, const struct vg_event *ev, struct counts *c)
{
	if (!is(ev, "event.dataset", "sysmon"))
		return;
	c->sysmon++;
	const struct vg_value *code = vg_event_get_named(ev, "event.code");
	CHECK(code != NULL, "%s: Sysmon event without event.code", where);
	if (!code)
		return;
	long id = strtol(code->ptr, NULL, 10);
	if (id >= 1 && id <= 29) {
		CHECK(has(ev, "event.category"), "%s: Sysmon %ld without event.category",
		      where, id);
		c->categorized++;
	}
}

static void parse_json(const char *where, const char *buf, size_t len, struct counts *c)
{
	struct vg_event *ev = NULL;
	const char *reason = NULL;
	vg_arena_reset(g_arena);
	vg_err err =
	    vg_parse(g_parser, g_ctx, VG_FMT_JSON, buf, len, 0, g_arena, &ev, &reason);
	if (err != VG_OK) {
		c->dead++;
		CHECK(false, "%s: dead letter: %s", where, reason ? reason : "?");
		return;
	}
	c->events++;
	check_windows(where, ev, c);
}

/* Each line of fp through f; returns the number of lines. */
static long each_line(FILE *fp, void (*f)(const char *, size_t, void *), void *ud)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long lines = 0;
	while ((n = getline(&line, &cap, fp)) > 0) {
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		lines++;
		f(line, (size_t)n, ud);
	}
	free(line);
	return lines;
}

struct json_lines {
	const char *where;
	struct counts *c;
};

static void json_line(const char *line, size_t n, void *ud)
{
	struct json_lines *jl = ud;
	if (n == 0)
		return;
	parse_json(jl->where, line, n, jl->c);
}

/* Recursively call f on every file under dir whose name ends in ext. */
static void walk(const char *dir, const char *ext, void (*f)(const char *, void *),
                 void *ud)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			walk(path, ext, f, ud);
		else if (strlen(names[i]) > strlen(ext) &&
		         !strcmp(names[i] + strlen(names[i]) - strlen(ext), ext))
			f(path, ud);
		free(names[i]);
	}
	free(names);
}

/* -------------------------------------------------------- Windows JSON */

/* A regression file holds one or more pretty-printed objects one after another
 * ("}\n{"): split them at depth 0, outside strings. */
static void sigma_file(const char *path, void *ud)
{
	struct vg_buf b;
	vg_buf_init(&b);
	if (vg_buf_read_file(&b, path) != VG_OK) {
		CHECK(false, "%s: cannot read", path);
		vg_buf_free(&b);
		return;
	}
	size_t start = 0, objects = 0;
	int depth = 0;
	bool in_str = false;
	for (size_t i = 0; i < b.len; i++) {
		char ch = b.data[i];
		if (in_str) {
			if (ch == '\\')
				i++;
			else if (ch == '"')
				in_str = false;
		} else if (ch == '"') {
			in_str = true;
		} else if (ch == '{' || ch == '[') {
			if (depth++ == 0)
				start = i;
		} else if ((ch == '}' || ch == ']') && --depth == 0) {
			parse_json(path, b.data + start, i + 1 - start, ud);
			objects++;
		}
	}
	CHECK(objects > 0 && depth == 0 && !in_str, "%s: no complete JSON object", path);
	vg_buf_free(&b);
}

static void jsonl_file(const char *path, void *ud)
{
	FILE *fp = fopen(path, "r");
	if (!fp) {
		CHECK(false, "%s: cannot open", path);
		return;
	}
	struct json_lines jl = {path, ud};
	each_line(fp, json_line, &jl);
	fclose(fp);
}

static FILE *run(const char *tool, const char *path)
{
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "%s '%s'", tool, path);
	return popen(cmd, "r");
}

/* ------------------------------------------------------------ auditd */

struct audit_run {
	const char *where;
	struct counts c;
	long expected; /* naive recount of consecutive serial runs */
	char last_key[64];
	size_t records_in_run;
};

static vg_err audit_emit(void *ud, struct vg_event *ev, const char *reason,
                         const char *raw, size_t len, const struct vg_source *src)
{
	struct audit_run *ar = ud;
	if (ev) {
		ar->c.events++;
		CHECK(is(ev, "event.module", "auditd"), "%s: record %lld: not auditd",
		      ar->where, (long long)src->offset);
	} else {
		ar->c.dead++;
		CHECK(false, "%s: record %lld: dead letter %s: %.*s", ar->where,
		      (long long)src->offset, reason, (int)(len > 120 ? 120 : len), raw);
	}
	return VG_OK;
}

/* The naive grouping: a new event whenever the audit(...) text changes, or after an
 * EOE, or every VG_AUDIT_GROUP_MAX records. */
static void recount(struct audit_run *ar, const char *line, size_t n)
{
	const char *a = memmem(line, n, "msg=audit(", 10);
	const char *e = a ? memchr(a, ')', n - (size_t)(a - line)) : NULL;
	if (!a || !e || (size_t)(e - a) >= sizeof(ar->last_key))
		return;
	char key[64];
	memcpy(key, a, (size_t)(e - a));
	key[e - a] = '\0';
	bool eoe = n >= 8 && !memcmp(line, "type=EOE", 8);
	if (!ar->records_in_run || strcmp(key, ar->last_key) != 0) {
		if (eoe) {
			ar->records_in_run = 0; /* a lone EOE makes no event */
			ar->last_key[0] = '\0';
			return;
		}
		ar->expected++;
		ar->records_in_run = 0;
		strcpy(ar->last_key, key);
	}
	ar->records_in_run++;
	if (eoe || ar->records_in_run >= VG_AUDIT_GROUP_MAX) {
		ar->records_in_run = 0;
		ar->last_key[0] = '\0';
	}
}

static long g_audit_index;

static void audit_line(const char *line, size_t n, void *ud)
{
	struct audit_run *ar = ud;
	/* wazuh-ruleset-tests .ini: "log 1 pass = type=..." */
	if (n > 4 && !memcmp(line, "log ", 4)) {
		const char *eq = memchr(line, '=', n);
		if (!eq)
			return;
		eq++;
		while (eq < line + n && *eq == ' ')
			eq++;
		n -= (size_t)(eq - line);
		line = eq;
		if (n < 5 || memcmp(line, "type=", 5) != 0)
			return;
	} else if (ar->where[0] == 'w' && (n < 5 || memcmp(line, "type=", 5) != 0)) {
		return; /* the rest of a wazuh .ini: comments, [sections], rule = ... */
	}
	recount(ar, line, n);
	struct vg_source src = {ar->where, -1, g_audit_index++};
	if (!vg_parse_pending(g_ctx))
		vg_arena_reset(g_arena);
	vg_parse_feed(g_parser, g_ctx, VG_FMT_AUDITD, line, n, &src, 0, g_arena,
	              audit_emit, ar);
}

static void audit_stream(const char *name, FILE *fp, struct counts *total)
{
	struct audit_run ar = {.where = name};
	g_audit_index = 0;
	each_line(fp, audit_line, &ar);
	vg_parse_flush(g_parser, g_ctx, 0, g_arena, audit_emit, &ar);
	CHECK(ar.c.events == ar.expected, "%s: %ld events, a naive recount says %ld",
	      name, ar.c.events, ar.expected);
	printf("  %-58s %6ld events %3ld dead letters\n", name, ar.c.events, ar.c.dead);
	total->events += ar.c.events;
	total->dead += ar.c.dead;
}

static void otrf_zip(const char *path, void *ud)
{
	struct counts *c = ud;
	bool linux_ = strstr(path, "/linux/") != NULL;
	FILE *fp = run("unzip -p", path);
	if (!fp) {
		CHECK(false, "%s: cannot run unzip", path);
		return;
	}
	if (linux_) {
		const char *name = strstr(path, "/atomic/");
		audit_stream(name ? name + 1 : path, fp, c + 1);
	} else {
		struct json_lines jl = {path, c};
		each_line(fp, json_line, &jl);
	}
	CHECK(pclose(fp) == 0, "%s: unzip failed", path);
}

/* ------------------------------------------------------------ alerts */

struct aitads_run {
	const char *where;
	long rows, events, headers, other_dead, leaks;
};

static void aitads_line(const char *line, size_t n, void *ud)
{
	struct aitads_run *ar = ud;
	struct vg_event *ev = NULL;
	const char *reason = NULL;
	ar->rows++;
	vg_arena_reset(g_arena);
	vg_err err =
	    vg_parse(g_parser, g_ctx, VG_FMT_AITADS, line, n, 0, g_arena, &ev, &reason);
	if (err != VG_OK) {
		if (reason && !strcmp(reason, "aitads: header row"))
			ar->headers++;
		else {
			ar->other_dead++;
			CHECK(false, "%s: row %ld: %s", ar->where, ar->rows, reason);
		}
		return;
	}
	ar->events++;
	/* the raw record stops before ",time_label,event_label" (no quotes in the data)
	 */
	const char *c6 = line;
	for (int k = 0; k < 5 && c6; k++)
		c6 = memchr(c6 + (k ? 1 : 0), ',', n - (size_t)(c6 - line) - (k ? 1 : 0));
	if (!c6 || ev->raw.len != (size_t)(c6 - line)) {
		ar->leaks++;
		CHECK(false, "%s: row %ld: raw keeps %zu bytes of %zu", ar->where,
		      ar->rows, ev->raw.len, n);
	}
	CHECK(is(ev, "event.kind", "alert") && has(ev, "rule.name") &&
	          has(ev, "event.module") && ev->ts != VG_TIME_NONE,
	      "%s: row %ld: incomplete alert", ar->where, ar->rows);
}

static void aitads_file(const char *path, void *ud)
{
	long *total = ud;
	struct aitads_run ar = {.where = path};
	FILE *fp = run("xz -dc", path);
	if (!fp) {
		CHECK(false, "%s: cannot run xz", path);
		return;
	}
	each_line(fp, aitads_line, &ar);
	CHECK(pclose(fp) == 0, "%s: xz failed", path);
	CHECK(ar.headers == 1, "%s: %ld header rows", path, ar.headers);
	const char *base = strrchr(path, '/');
	printf("  %-30s %8ld rows %8ld alerts %ld header %ld other dead letters\n",
	       base ? base + 1 : path, ar.rows, ar.events, ar.headers, ar.other_dead);
	total[0] += ar.events;
	total[1] += ar.headers + ar.other_dead;
}

static void wazuh_line(const char *line, size_t n, void *ud)
{
	long *c = ud;
	struct vg_event *ev = NULL;
	const char *reason = NULL;
	if (!n)
		return;
	vg_arena_reset(g_arena);
	if (vg_parse(g_parser, g_ctx, VG_FMT_AUTO, line, n, 0, g_arena, &ev, &reason)) {
		c[1]++;
		CHECK(false, "wazuh alert: dead letter %s", reason);
		return;
	}
	c[0]++;
	CHECK(is(ev, "event.module", "wazuh") && is(ev, "event.kind", "alert") &&
	          has(ev, "rule.name") && has(ev, "rule.id") && has(ev, "event.severity"),
	      "wazuh alert %ld: not normalized as a Wazuh alert", c[0]);
}

int main(void)
{
	const char *data = vg_test_shared_data();
	char path[4096];
	struct stat st;

	if (stat(data, &st) != 0 || !S_ISDIR(st.st_mode)) {
		printf("SKIP: third-party data not found at %s (set VIGIL_SHARED_DATA)\n",
		       data);
		return 77;
	}
	struct vg_diag diag;
	vg_diag_init(&diag);
	if (vg_parser_new(NULL, &g_parser, &diag) != VG_OK) {
		vg_diag_print(&diag, stderr);
		return 1;
	}
	g_ctx = vg_parse_ctx_new(g_parser);
	g_arena = vg_arena_new(0);

	struct counts sig = {0}, evtx = {0}, otrf[2] = {{0}, {0}}, aud = {0};

	printf("Windows JSON:\n");
	snprintf(path, sizeof(path), "%s/sigma/regression_data", data);
	walk(path, ".json", sigma_file, &sig);
	printf("  %-58s %6ld events %3ld dead letters (%ld Sysmon, %ld categorized)\n",
	       "sigma/regression_data", sig.events, sig.dead, sig.sysmon,
	       sig.categorized);
	snprintf(path, sizeof(path), "%s/evtx-attack-samples-json", data);
	walk(path, ".jsonl", jsonl_file, &evtx);
	printf("  %-58s %6ld events %3ld dead letters (%ld Sysmon, %ld categorized)\n",
	       "evtx-attack-samples-json", evtx.events, evtx.dead, evtx.sysmon,
	       evtx.categorized);
	printf("otrf-security-datasets:\n");
	snprintf(path, sizeof(path), "%s/otrf-security-datasets/datasets", data);
	walk(path, ".zip", otrf_zip, otrf);
	printf("  %-58s %6ld events %3ld dead letters (%ld Sysmon, %ld categorized)\n",
	       "Windows zips (JSONL)", otrf[0].events, otrf[0].dead, otrf[0].sysmon,
	       otrf[0].categorized);
	CHECK(sig.events > 100 && evtx.events > 1000 && otrf[0].events > 1000,
	      "too few Windows events found: %ld %ld %ld", sig.events, evtx.events,
	      otrf[0].events);

	printf("auditd:\n");
	snprintf(path, sizeof(path),
	         "%s/ait-llm-log-parsing-audit/data/2k/Audit/Audit_2k.log", data);
	FILE *fp = fopen(path, "r");
	CHECK(fp != NULL, "%s: cannot open", path);
	if (fp) {
		audit_stream("ait-llm-log-parsing-audit Audit_2k.log", fp, &aud);
		fclose(fp);
	}
	const char *ini[] = {"auditd.ini", "audit_scp.ini"};
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path),
		         "%s/wazuh-ruleset-tests/ruleset/testing/tests/%s", data, ini[i]);
		fp = fopen(path, "r");
		CHECK(fp != NULL, "%s: cannot open", path);
		if (fp) {
			char name[64];
			snprintf(name, sizeof(name), "wazuh-ruleset-tests %s", ini[i]);
			audit_stream(name, fp, &aud);
			fclose(fp);
		}
	}
	CHECK(aud.events > 1000 && otrf[1].events > 0, "too few auditd events: %ld %ld",
	      aud.events, otrf[1].events);

	printf("Alerts:\n");
	long ait[2] = {0, 0};
	snprintf(path, sizeof(path), "%s/ait-alert-data-set/alerts", data);
	walk(path, "_alerts.csv.xz", aitads_file, ait);
	printf("  %-30s %8ld alerts %ld dead letters\n", "AIT-ADS total", ait[0], ait[1]);
	CHECK(ait[0] > 1000000, "too few AIT-ADS alerts: %ld", ait[0]);
	long wz[2] = {0, 0};
	const char *ossec[] = {"ossec_insect.json", "ossec_spiral.json"};
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path),
		         "%s/ait-aecid-alert-aggregation/data/ossec/%s", data, ossec[i]);
		fp = fopen(path, "r");
		CHECK(fp != NULL, "%s: cannot open", path);
		if (fp) {
			each_line(fp, wazuh_line, wz);
			fclose(fp);
		}
	}
	printf("  %-30s %8ld alerts %ld dead letters\n", "Wazuh alerts (ossec_*.json)",
	       wz[0], wz[1]);
	CHECK(wz[0] > 1000, "too few Wazuh alerts: %ld", wz[0]);

	vg_arena_destroy(g_arena);
	vg_parse_ctx_destroy(g_ctx);
	vg_parser_destroy(g_parser);
	vg_diag_clear(&diag);
	if (g_failures) {
		fprintf(stderr, "%d check(s) failed\n", g_failures);
		return 1;
	}
	printf("all checks passed\n");
	return 0;
}
