/*
 * conformance_sigma.c - SigmaHQ regression data: each event file of
 * sigma/REGRESSION_INDEX.tsv is parsed with the parsers module (VG_FMT_JSON) and
 * run through the one rule it was recorded for; the number of events that rule
 * matches must equal the recorded match_count (at least 1 where none is given).
 *
 * The same events also run through one ruleset holding every rule of the index
 * (logsource groups big enough to get the literal prefilter of detect.c): the rule
 * must match exactly the same events there (a differential test of the index).
 *
 * Files hold one or more pretty-printed JSON objects back to back; they are split
 * at top-level brace boundaries here (strings and escapes respected).  Rows listed
 * in tests/conformance/EXCEPTIONS-sigma.md (rule id in the first column of its
 * table) are reported but do not fail the run.  Prints the pass rate.
 * Exits 77 (skip) when ../shared/data is absent.
 *
 * Second part: every Panther correlation rule (panther-analysis/correlation_rules)
 * is translated into Sigma correlation rules and each of its tests into an event
 * stream:
 *  - a member becomes a detection rule matching `panther.member: <ID>`; a member
 *    with MinMatchCount k > 1 becomes an event_count (gte k) over it, grouped by
 *    its MatchCriteria fields;
 *  - a Group becomes `temporal` over the members that must be present (one member:
 *    that member alone), MatchCriteria become `aliases` (one alias per criterion),
 *    LookbackWindowMinutes the timespan;
 *  - Absence members make the result the trigger of an `absence` correlation
 *    (expect: around, the window Panther looks in);
 *  - a test's RuleOutputs (member -> field -> value -> minute offsets or times)
 *    become events, fed in time order; after the stream the watermark is advanced
 *    past every window.  Each stream runs twice: through the correlator as it
 *    counts by default, and in the pipeline's ordered mode (hits held, counted at
 *    the release); both must give the expected result.  The test passes when "the top
 * rule alerted" equals ExpectedResult.
 */
#include "vg_correlate.h"
#include "vg_parsers.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#define SKIP 77

/* Split a buffer into top-level JSON objects; calls fn for each. */
static size_t each_object(const char *s, size_t n,
                          void (*fn)(const char *, size_t, void *), void *ctx)
{
	size_t count = 0, start = 0;
	int depth = 0;
	bool str = false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				str = false;
			continue;
		}
		if (c == '"')
			str = true;
		else if (c == '{') {
			if (depth++ == 0)
				start = i;
		} else if (c == '}' && depth > 0 && --depth == 0) {
			fn(s + start, i + 1 - start, ctx);
			count++;
		}
	}
	return count;
}

struct run {
	const struct vg_parser *parser;
	struct vg_parse_ctx *pctx;
	const struct vg_ruleset *rs;
	struct vg_detect_ctx *dctx;
	const struct vg_rule *rule;
	struct vg_arena *arena;
	size_t matches, parse_errors;
	const struct vg_ruleset *all; /* every rule of the index */
	struct vg_detect_ctx *all_ctx;
	const struct vg_rule *all_rule; /* the row's rule in it */
	size_t all_matches;
	const char *reason;
};

static void run_one(const char *obj, size_t len, void *ctx)
{
	struct run *r = ctx;
	struct vg_event *ev = NULL;
	const char *reason = NULL;
	const struct vg_rule *hits[64];
	vg_arena_reset(r->arena);
	if (vg_parse(r->parser, r->pctx, VG_FMT_JSON, obj, len, 0, r->arena, &ev,
	             &reason) != VG_OK) {
		r->parse_errors++;
		r->reason = reason;
		return;
	}
	size_t n = vg_detect(r->rs, r->dctx, ev, hits, 64);
	for (size_t i = 0; i < n && i < 64; i++)
		if (hits[i] == r->rule)
			r->matches++;
	if (r->all_rule) {
		n = vg_detect(r->all, r->all_ctx, ev, hits, 64);
		for (size_t i = 0; i < n && i < 64; i++)
			if (hits[i] == r->all_rule)
				r->all_matches++;
	}
}

/* Is rule id listed in the exceptions file (a table row "| id | ...")? */
static bool excepted(const char *exc, const char *id)
{
	if (!exc)
		return false;
	char pat[128];
	snprintf(pat, sizeof(pat), "| %s |", id);
	return strstr(exc, pat) != NULL;
}

/* ----------------------------------------------------------------- Panther */

static yaml_node_t *ynode(yaml_document_t *d, int i)
{
	return yaml_document_get_node(d, i);
}

static const char *yscalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value
	                                        : NULL;
}

static yaml_node_t *yget(yaml_document_t *d, const yaml_node_t *m, const char *k)
{
	if (!m || m->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start;
	     p < m->data.mapping.pairs.top; p++) {
		const char *s = yscalar(ynode(d, p->key));
		if (s && strcmp(s, k) == 0)
			return ynode(d, p->value);
	}
	return NULL;
}

#define PMAX 8

struct pmember {
	const char *id;
	long min_count;
	bool absence;
	const char *field[PMAX]; /* per criterion */
};

struct pev {
	vg_time ts;
	int member;
	const char *field, *value;
};

static int cmp_pev(const void *a, const void *b)
{
	const struct pev *x = a, *y = b;
	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

static void count_alert(const struct vg_alert *a, void *ctx)
{
	struct vg_rule_info info;
	vg_rule_info(a->rule, &info);
	if (strcmp(info.id, "top") == 0)
		++*(int *)ctx;
}

/* The group-by (one alias per criterion) and aliases of a correlation over the
 * members refs[0..n) (each by its count rule when it has one) and, when not
 * NULL, the correlation named corr (whose alert carries each criterion under the
 * alias's own name). */
static void put_aliases(struct vg_buf *y, const struct pmember *mem, size_t ncrit,
                        const size_t *refs, size_t n, const char *corr)
{
	if (!ncrit)
		return;
	vg_buf_puts(y, "  group-by:\n");
	for (size_t c = 0; c < ncrit; c++)
		vg_buf_printf(y, "    - crit%zu\n", c);
	vg_buf_puts(y, "  aliases:\n");
	for (size_t c = 0; c < ncrit; c++) {
		vg_buf_printf(y, "    crit%zu:\n", c);
		for (size_t i = 0; i < n; i++)
			vg_buf_printf(y, "      %c%zu: '%s'\n",
			              mem[refs[i]].min_count > 1 ? 'c' : 'm', refs[i],
			              mem[refs[i]].field[c]);
		if (corr)
			vg_buf_printf(y, "      %s: 'crit%zu'\n", corr, c);
	}
}

/* Translate one Panther correlation rule; run its tests.  *ntests / *npass are
 * incremented; @return false (with why) when the rule cannot be translated. */
static bool panther_rule(const char *path, size_t *ntests, size_t *npass,
                         const char **why)
{
	FILE *f = fopen(path, "rb");
	yaml_parser_t yp;
	yaml_document_t doc;
	bool ok = false;
	if (!f)
		return *why = "unreadable", false;
	yaml_parser_initialize(&yp);
	yaml_parser_set_input_file(&yp, f);
	if (!yaml_parser_load(&yp, &doc)) {
		yaml_parser_delete(&yp);
		fclose(f);
		return *why = "YAML error", false;
	}
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	yaml_node_t *det = yget(&doc, root, "Detection");
	yaml_node_t *d0 =
	    det && det->type == YAML_SEQUENCE_NODE &&
	            det->data.sequence.items.top > det->data.sequence.items.start
	        ? ynode(&doc, *det->data.sequence.items.start)
	        : NULL;
	yaml_node_t *grp = yget(&doc, d0, "Group");
	yaml_node_t *crit = yget(&doc, d0, "MatchCriteria");
	const char *lookback = yscalar(yget(&doc, d0, "LookbackWindowMinutes"));
	struct pmember mem[PMAX];
	size_t nmem = 0, ncrit = 0;
	struct vg_buf y;
	vg_buf_init(&y);
	if (!grp || grp->type != YAML_SEQUENCE_NODE) {
		*why = yget(&doc, d0, "Sequence")
		           ? "Sequence detections are not translated"
		           : "no Group";
		goto out;
	}
	memset(mem, 0, sizeof(mem));
	for (yaml_node_item_t *it = grp->data.sequence.items.start;
	     it < grp->data.sequence.items.top && nmem < PMAX; it++) {
		yaml_node_t *m = ynode(&doc, *it);
		const char *mc = yscalar(yget(&doc, m, "MinMatchCount"));
		const char *ab = yscalar(yget(&doc, m, "Absence"));
		mem[nmem].id = yscalar(yget(&doc, m, "ID"));
		mem[nmem].min_count = mc ? atol(mc) : 1;
		mem[nmem].absence = ab && strcmp(ab, "true") == 0;
		nmem++;
	}
	if (crit && crit->type == YAML_MAPPING_NODE)
		for (yaml_node_pair_t *p = crit->data.mapping.pairs.start;
		     p < crit->data.mapping.pairs.top && ncrit < PMAX; p++) {
			yaml_node_t *l = ynode(&doc, p->value);
			for (yaml_node_item_t *it = l->data.sequence.items.start;
			     l->type == YAML_SEQUENCE_NODE &&
			     it < l->data.sequence.items.top;
			     it++) {
				yaml_node_t *e = ynode(&doc, *it);
				const char *gid = yscalar(yget(&doc, e, "GroupID"));
				for (size_t k = 0; gid && k < nmem; k++)
					if (mem[k].id && strcmp(mem[k].id, gid) == 0)
						mem[k].field[ncrit] =
						    yscalar(yget(&doc, e, "Match"));
			}
			ncrit++;
		}
	/* Sigma: members, counted members, then the top correlation */
	size_t present[PMAX], npresent = 0, absent[PMAX], nabsent = 0;
	for (size_t k = 0; k < nmem; k++) {
		vg_buf_printf(&y,
		              "title: m%zu\nid: m%zu\nname: m%zu\ndetection:\n  s:\n"
		              "    panther.member: '%s'\n  condition: s\n---\n",
		              k, k, k, mem[k].id ? mem[k].id : "?");
		if (mem[k].min_count > 1) {
			vg_buf_printf(
			    &y,
			    "title: c%zu\nid: c%zu\nname: c%zu\ncorrelation:\n"
			    "  type: event_count\n  rules: [m%zu]\n  group-by:\n",
			    k, k, k, k);
			for (size_t c = 0; c < ncrit; c++)
				vg_buf_printf(&y, "    - '%s'\n",
				              mem[k].field[c] ? mem[k].field[c] : "");
			if (!ncrit)
				vg_buf_puts(&y, "    []\n");
			vg_buf_printf(&y,
			              "  timespan: %sm\n  condition: {gte: %ld}\n---\n",
			              lookback ? lookback : "1440", mem[k].min_count);
		}
		if (mem[k].absence)
			absent[nabsent++] = k;
		else
			present[npresent++] = k;
	}
	if (!npresent) {
		*why = "no member must be present";
		goto out;
	}
	for (size_t c = 0; c < ncrit; c++)
		for (size_t k = 0; k < nmem; k++)
			if (!mem[k].field[c]) {
				*why = "a member lacks a MatchCriteria field";
				goto out;
			}
#define REF(k) (mem[k].min_count > 1 ? 'c' : 'm'), (k)
	const char *span = lookback ? lookback : "1440";
	char present_ref[16];
	if (npresent == 1) {
		snprintf(present_ref, sizeof(present_ref), "%c%zu", REF(present[0]));
	} else {
		snprintf(present_ref, sizeof(present_ref), "present");
		vg_buf_printf(&y,
		              "title: present\nid: %s\nname: present\ncorrelation:\n"
		              "  type: temporal\n  rules:\n",
		              nabsent ? "present" : "top");
		for (size_t i = 0; i < npresent; i++)
			vg_buf_printf(&y, "    - %c%zu\n", REF(present[i]));
		put_aliases(&y, mem, ncrit, present, npresent, NULL);
		vg_buf_printf(&y, "  timespan: %sm\n---\n", span);
	}
	/* the present part is the "present" correlation, else its one member */
	bool by_corr = npresent > 1;
	if (nabsent) {
		vg_buf_printf(&y,
		              "title: top\nid: top\ncorrelation:\n  type: absence\n"
		              "  expect: around\n  rules:\n    - %s\n",
		              present_ref);
		for (size_t i = 0; i < nabsent; i++)
			vg_buf_printf(&y, "    - %c%zu\n", REF(absent[i]));
		size_t refs[PMAX + 1], nrefs = 0;
		if (!by_corr)
			refs[nrefs++] = present[0];
		for (size_t i = 0; i < nabsent; i++)
			refs[nrefs++] = absent[i];
		put_aliases(&y, mem, ncrit, refs, nrefs, by_corr ? "present" : NULL);
		vg_buf_printf(&y, "  timespan: %sm\n", span);
	} else if (npresent == 1) {
		/* one member: alerts when it (or its count) fires */
		vg_buf_printf(&y,
		              "title: top\nid: top\ncorrelation:\n  type: event_count\n"
		              "  rules: [%s]\n",
		              present_ref);
		put_aliases(&y, mem, ncrit, present, 1, NULL);
		vg_buf_printf(&y, "  timespan: %sm\n  condition: {gte: 1}\n", span);
	}

	char tmpl[] = "/tmp/vg-panther-XXXXXX";
	int fd = mkstemp(tmpl);
	if (fd < 0) {
		*why = "temporary file";
		goto out;
	}
	if (write(fd, y.data, y.len) != (ssize_t)y.len) {
		close(fd);
		*why = "temporary file";
		goto out;
	}
	close(fd);
	const char *tp = tmpl;
	struct vg_ruleset *rs = NULL;
	struct vg_diag d;
	vg_diag_init(&d);
	(void)vg_ruleset_load(&tp, 1, &rs, &d);
	remove(tmpl);
	if (!rs || !vg_ruleset_find(rs, "top")) {
		vg_diag_print(&d, stdout);
		printf("%s", y.data);
		vg_diag_clear(&d);
		vg_ruleset_destroy(rs);
		*why = "translated rules did not load";
		goto out;
	}
	vg_diag_clear(&d);
	ok = true;
	yaml_node_t *tests = yget(&doc, root, "Tests");
	vg_field f_member = vg_field_lookup("panther.member", 14);
	for (yaml_node_item_t *ti = tests && tests->type == YAML_SEQUENCE_NODE
	                                ? tests->data.sequence.items.start
	                                : NULL;
	     ti && ti < tests->data.sequence.items.top; ti++) {
		yaml_node_t *t = ynode(&doc, *ti);
		const char *name = yscalar(yget(&doc, t, "Name"));
		const char *exp = yscalar(yget(&doc, t, "ExpectedResult"));
		yaml_node_t *outs = yget(&doc, t, "RuleOutputs");
		struct pev evs[256];
		size_t nev = 0;
		const vg_time t0 = (vg_time)1717200000 * VG_USEC_PER_SEC;
		for (yaml_node_item_t *oi = outs && outs->type == YAML_SEQUENCE_NODE
		                                ? outs->data.sequence.items.start
		                                : NULL;
		     oi && oi < outs->data.sequence.items.top; oi++) {
			yaml_node_t *o = ynode(&doc, *oi);
			const char *id = yscalar(yget(&doc, o, "ID"));
			int mk = -1;
			for (size_t k = 0; id && k < nmem; k++)
				if (mem[k].id && strcmp(mem[k].id, id) == 0)
					mk = (int)k;
			yaml_node_t *ms = yget(&doc, o, "Matches");
			for (yaml_node_pair_t *fp = ms && ms->type == YAML_MAPPING_NODE
			                                ? ms->data.mapping.pairs.start
			                                : NULL;
			     fp && fp < ms->data.mapping.pairs.top; fp++) {
				yaml_node_t *vals = ynode(&doc, fp->value);
				for (yaml_node_pair_t *vp =
				         vals->type == YAML_MAPPING_NODE
				             ? vals->data.mapping.pairs.start
				             : NULL;
				     vp && vp < vals->data.mapping.pairs.top; vp++) {
					yaml_node_t *times = ynode(&doc, vp->value);
					for (yaml_node_item_t *xi =
					         times->type == YAML_SEQUENCE_NODE
					             ? times->data.sequence.items.start
					             : NULL;
					     xi && xi < times->data.sequence.items.top &&
					     nev < 256;
					     xi++) {
						const char *x = yscalar(ynode(&doc, *xi));
						vg_time ts;
						if (!x)
							continue;
						if (strchr(x, 'T')) {
							if (vg_time_parse_rfc3339(
							        x, strlen(x), 0, &ts) !=
							    VG_OK)
								continue;
						} else {
							ts = t0 + (vg_time)atol(x) * 60 *
							              VG_USEC_PER_SEC;
						}
						evs[nev++] = (struct pev){
						    ts, mk, yscalar(ynode(&doc, fp->key)),
						    yscalar(ynode(&doc, vp->key))};
					}
				}
			}
		}
		qsort(evs, nev, sizeof(evs[0]), cmp_pev);
		struct vg_detect_ctx *dc = vg_detect_ctx_new(rs);
		struct vg_arena *ar = vg_arena_new(0);
		bool want = exp && strcmp(exp, "true") == 0, pass = true;
		/* as the correlator counts by default, and in the pipeline's ordered
		 * mode (hits held, then counted at the release) */
		for (int ordered = 0; ordered < 2; ordered++) {
			struct vg_correlator *c = NULL;
			struct vg_correlator_conf conf = {.ordered = ordered};
			int fired = 0;
			vg_correlator_new(rs, &conf, &c);
			vg_time last = t0;
			for (size_t i = 0; i < nev; i++) {
				if (evs[i].member < 0 || !evs[i].field || !evs[i].value)
					continue;
				struct vg_event *ev = vg_event_new(ar);
				ev->ts = evs[i].ts;
				ev->src.topic = "panther";
				ev->src.partition = 0;
				ev->src.offset = (int64_t)i;
				const char *mid = mem[evs[i].member].id;
				vg_event_set(ev, f_member, mid, strlen(mid), VG_VK_STR);
				vg_event_set_named(ev, evs[i].field, strlen(evs[i].field),
				                   evs[i].value, strlen(evs[i].value),
				                   VG_VK_STR, true);
				const struct vg_rule *hits[8];
				size_t nh = vg_detect(rs, dc, ev, hits, 8);
				vg_correlator_feed(c, ev, hits, nh < 8 ? nh : 8,
				                   count_alert, &fired);
				last = evs[i].ts;
			}
			vg_correlator_advance(
			    c, "panther", 0, last + (vg_time)86400 * 30 * VG_USEC_PER_SEC,
			    count_alert, &fired);
			vg_correlator_release(c, VG_CORRELATOR_RELEASE_ALL, count_alert,
			                      &fired);
			if ((fired > 0) != want) {
				pass = false;
				printf("PANTHER FAIL %s: test '%s' (%s): expected %s, "
				       "top rule "
				       "fired %d time(s)\n",
				       path, name ? name : "?",
				       ordered ? "ordered" : "unordered",
				       want ? "an alert" : "no alert", fired);
			}
			vg_correlator_destroy(c);
		}
		(*ntests)++;
		*npass += pass;
		vg_detect_ctx_destroy(dc);
		vg_arena_destroy(ar);
	}
	vg_ruleset_destroy(rs);
out:
	vg_buf_free(&y);
	yaml_document_delete(&doc);
	yaml_parser_delete(&yp);
	fclose(f);
	return ok;
}

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* @return failures (tests that failed plus rules not translated). */
static size_t panther(const char *data)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/panther-analysis/correlation_rules", data);
	DIR *dp = opendir(dir);
	if (!dp) {
		printf("panther correlation rules: %s absent, skipped\n", dir);
		return 0;
	}
	char *names[512];
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(dp)) && n < 512) {
		size_t l = strlen(de->d_name);
		if (l > 4 && strcmp(de->d_name + l - 4, ".yml") == 0)
			names[n++] = strdup(de->d_name);
	}
	closedir(dp);
	qsort(names, n, sizeof(char *), cmp_cstr);
	size_t ntests = 0, npass = 0, untranslated = 0;
	/* the event field naming a member must exist before events are built */
	(void)vg_field_intern("panther.member", 14);
	for (size_t i = 0; i < n; i++) {
		char path[8192];
		const char *why = NULL;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (!panther_rule(path, &ntests, &npass, &why)) {
			printf("PANTHER UNTRANSLATED %s: %s\n", names[i], why);
			untranslated++;
		}
		free(names[i]);
	}
	printf("panther correlation rules: %zu rules, %zu translated, %zu/%zu tests pass "
	       "(%.1f%%)\n",
	       n, n - untranslated, npass, ntests,
	       ntests ? 100.0 * (double)npass / (double)ntests : 0.0);
	return (ntests - npass) + untranslated;
}

int main(void)
{
	const char *data = getenv("VIGIL_SHARED_DATA");
	const char *src = getenv("VIGIL_SOURCE_ROOT");
	char path[4096];
	struct vg_buf idx, exc, file;
	struct vg_diag diag;
	struct stat st;
	if (!data)
		data = "../shared/data";
	snprintf(path, sizeof(path), "%s/sigma/REGRESSION_INDEX.tsv", data);
	if (stat(path, &st) != 0) {
		printf("SKIP: %s absent (shared test data not available)\n", path);
		return SKIP;
	}
	vg_buf_init(&idx);
	vg_buf_init(&exc);
	vg_buf_init(&file);
	vg_diag_init(&diag);
	if (vg_buf_read_file(&idx, path) != VG_OK || vg_fields_init(&diag) != VG_OK) {
		fprintf(stderr, "cannot read %s\n", path);
		return 1;
	}
	vg_buf_putc(&idx, '\0');
	snprintf(path, sizeof(path), "%s/tests/conformance/EXCEPTIONS-sigma.md",
	         src ? src : ".");
	if (vg_buf_read_file(&exc, path) == VG_OK)
		vg_buf_putc(&exc, '\0');

	struct vg_parser *parser = NULL;
	struct vg_parser_conf pconf = {0};
	if (vg_parser_new(&pconf, &parser, &diag) != VG_OK) {
		vg_diag_print(&diag, stderr);
		return 1;
	}
	struct run r = {.parser = parser};
	r.pctx = vg_parse_ctx_new(parser);
	r.arena = vg_arena_new(1 << 16);
	size_t rows = 0, pass = 0, fail = 0, exc_rows = 0, index_diff = 0;
	/* every rule path of the index, loaded together */
	char **rpaths = NULL;
	size_t nrp = 0;
	{
		struct vg_buf copy;
		vg_buf_init(&copy);
		vg_buf_append(&copy, idx.data, idx.len);
		char *sv = NULL;
		for (char *l = strtok_r(copy.data, "\n", &sv); l;
		     l = strtok_r(NULL, "\n", &sv)) {
			char *c1 = strchr(l, '\t'),
			     *c2 = c1 ? strchr(c1 + 1, '\t') : NULL;
			char *c3 = c2 ? strchr(c2 + 1, '\t') : NULL;
			if (l[0] == '#' || !c3 || strncmp(l, "json_event\t", 11) == 0)
				continue;
			char *p = NULL;
			if (asprintf(&p, "%s/sigma/%.*s", data, (int)(c3 - c2 - 1),
			             c2 + 1) < 0)
				return 1;
			bool dup = false;
			for (size_t i = 0; i < nrp && !dup; i++)
				dup = strcmp(rpaths[i], p) == 0;
			if (dup) {
				free(p);
				continue;
			}
			rpaths = realloc(rpaths, (nrp + 1) * sizeof(char *));
			if (!rpaths)
				return 1;
			rpaths[nrp++] = p;
		}
		vg_buf_free(&copy);
	}
	struct vg_ruleset *all = NULL;
	struct vg_diag ad;
	vg_diag_init(&ad);
	(void)vg_ruleset_load((const char *const *)rpaths, nrp, &all, &ad);
	vg_diag_clear(&ad);
	if (!all) {
		fprintf(stderr, "cannot load the index's rules together\n");
		return 1;
	}
	r.all = all;
	r.all_ctx = vg_detect_ctx_new(all);
	char *save = NULL;
	for (char *line = strtok_r(idx.data, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || strncmp(line, "json_event\t", 11) == 0)
			continue;
		char *cols[6] = {0};
		size_t nc = 0;
		for (char *p = line; nc < 6;) {
			cols[nc++] = p;
			char *t = strchr(p, '\t');
			if (!t)
				break;
			*t = '\0';
			p = t + 1;
		}
		if (nc < 4)
			continue;
		rows++;
		long want = cols[3][0] ? strtol(cols[3], NULL, 10) : -1;
		char rpath[4096], epath[4096];
		snprintf(rpath, sizeof(rpath), "%s/sigma/%s", data, cols[2]);
		snprintf(epath, sizeof(epath), "%s/sigma/%s", data, cols[0]);
		const char *rp = rpath;
		struct vg_ruleset *rs = NULL;
		struct vg_diag rd;
		vg_diag_init(&rd);
		(void)vg_ruleset_load(&rp, 1, &rs, &rd);
		bool is_exc = excepted(exc.data, cols[1]);
		const char *why = NULL;
		vg_buf_reset(&file);
		r.rule = rs ? vg_ruleset_find(rs, cols[1]) : NULL;
		r.matches = r.parse_errors = r.all_matches = 0;
		r.all_rule = vg_ruleset_find(all, cols[1]);
		if (!r.rule) {
			why = "rule did not load";
		} else if (vg_buf_read_file(&file, epath) != VG_OK) {
			why = "event file unreadable";
		} else {
			r.rs = rs;
			r.dctx = vg_detect_ctx_new(rs);
			size_t nobj = each_object(file.data ? file.data : "", file.len,
			                          run_one, &r);
			vg_detect_ctx_destroy(r.dctx);
			if (nobj == 0)
				why = "no JSON object in the event file";
			else if (r.parse_errors)
				why = r.reason ? r.reason : "parse error";
		}
		if (r.rule && r.all_rule && r.all_matches != r.matches) {
			printf("INDEX %s: alone %zu matches, among all rules %zu\n",
			       cols[1], r.matches, r.all_matches);
			index_diff++;
		}
		bool ok = !why && (want < 0 ? r.matches >= 1 : (long)r.matches == want);
		if (ok) {
			pass++;
		} else {
			printf("%s %s: %s (rule %s): %s, expected %s%ld, got %zu\n",
			       is_exc ? "EXCEPTION" : "FAIL", cols[1],
			       cols[5] ? cols[5] : "", cols[2],
			       why ? why : "count differs", want < 0 ? ">= " : "",
			       want < 0 ? 1 : want, r.matches);
			if (why && !r.rule)
				vg_diag_print(&rd, stdout);
			if (is_exc)
				exc_rows++;
			else
				fail++;
		}
		vg_diag_clear(&rd);
		vg_ruleset_destroy(rs);
	}
	printf("sigma regression: %zu/%zu pass (%.1f%%), %zu listed exceptions, %zu "
	       "failures; %zu rules loaded together, %zu index differences\n",
	       pass, rows, rows ? 100.0 * (double)pass / (double)rows : 0.0, exc_rows,
	       fail, vg_ruleset_count(all), index_diff);
	vg_detect_ctx_destroy(r.all_ctx);
	vg_ruleset_destroy(all);
	for (size_t i = 0; i < nrp; i++)
		free(rpaths[i]);
	free(rpaths);
	size_t pfail = panther(data);
	vg_arena_destroy(r.arena);
	vg_parse_ctx_destroy(r.pctx);
	vg_parser_destroy(parser);
	vg_buf_free(&idx);
	vg_buf_free(&exc);
	vg_buf_free(&file);
	vg_diag_clear(&diag);
	return rows && !fail && !index_diff && !pfail ? 0 : 1;
}
