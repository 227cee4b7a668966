/* libFuzzer target: what Vigil publishes about an incident -- its title, summary,
 * story, the JSON document for the output topic (vg_incident_document_fit, at a
 * size limit the input picks) and the STIX 2.1 bundle (engine/incident_text.c,
 * stix.c) -- for incidents assembled from alerts whose field values are arbitrary
 * bytes (a syslog line carries any: invalid UTF-8, controls, quotes, backslashes).
 * The input: a size limit, then alerts, each a rule (one of two), a time step and
 * up to eight NUL-separated values for the entity and signature fields.
 *
 * The contract: the document and the bundle are one valid JSON object each (the
 * strict JSON normalizer accepts them: UTF-8, escapes, structure); a document
 * kept whole or without the graph fits the limit; the same incident gives the
 * same bundle twice (a pure function). */
#include "fuzz_input.h"
#include "fuzz_rules.h"
#include "incident_text.h"
#include "stix.h"
#include "vg_correlate.h"
#include "vg_parsers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct vg_rule *g_rule[2];
static struct vg_parser *g_parser;
static struct vg_parse_ctx *g_pctx;
static struct vg_arena *g_arena;

static void init(void)
{
	vg_log_set_level(VG_LOG_ERROR);
	fz_two_rules("incident-text", g_rule);
	struct vg_diag d;
	vg_diag_init(&d);
	if (vg_parser_new(NULL, &g_parser, &d) != VG_OK ||
	    !(g_pctx = vg_parse_ctx_new(g_parser)) || !(g_arena = vg_arena_new(0)))
		abort();
	vg_diag_clear(&d);
}

/* Abort unless text[0..len) is one JSON object the strict normalizer accepts. */
static void valid_json(const char *what, const char *text, size_t len)
{
	struct vg_event *ev = NULL;
	const char *reason = NULL;
	if (!len || text[0] != '{' ||
	    vg_parse(g_parser, g_pctx, VG_FMT_JSON, text, len, 0, g_arena, &ev,
	             &reason) != VG_OK) {
		fprintf(stderr,
		        "fuzz_incident_text: the %s is not valid JSON (%s): %.*s\n", what,
		        reason ? reason : "not an object", (int)(len < 2000 ? len : 2000),
		        text);
		abort();
	}
	vg_arena_reset(g_arena);
}

/* Everything published about inc, checked. */
static void publish(const struct vg_incident *inc, size_t limit)
{
	struct vg_incident_story story = {0};
	struct vg_incident_text t;
	struct vg_ranking rank = {.score = -1};
	vg_buf_init(&t.title);
	vg_buf_init(&t.summary);
	vg_buf_init(&t.tactics);
	if (vg_incident_story_build(inc, &story) != VG_OK)
		abort();
	vg_incident_text_build_story(inc, &rank, &story, &t);
	struct vg_buf doc, b1, b2;
	vg_buf_init(&doc);
	vg_buf_init(&b1);
	vg_buf_init(&b2);
	int level = vg_incident_document_fit(inc, &rank, &t, &story, NULL, limit, &doc);
	valid_json("document", doc.data, doc.len);
	if (level > 0 && doc.len > limit)
		abort(); /* kept whole or without the graph: it fits */
	vg_stix_bundle(inc, inc->first_ts, &t, &story, &b1);
	vg_stix_bundle(inc, inc->first_ts, &t, &story, &b2);
	valid_json("STIX bundle", b1.data, b1.len);
	if (b1.len != b2.len || memcmp(b1.data, b2.data, b1.len))
		abort();
	vg_buf_free(&doc);
	vg_buf_free(&b1);
	vg_buf_free(&b2);
	vg_buf_free(&t.title);
	vg_buf_free(&t.summary);
	vg_buf_free(&t.tactics);
	vg_incident_story_free(&story);
}

static const char *const g_names[] = {"host.name",          "source.ip",
                                      "user.name",          "user.target.name",
                                      "process.executable", "process.parent.executable",
                                      "rule.name",          "destination.ip"};
#define NNAMES POOL(g_names)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!g_rule[0])
		init();
	struct input in = {data, size};
	size_t limit = 256 + 64 * (size_t)take(&in);
	struct vg_assembler_conf conf = {.inactivity_gap = 3600 * VG_USEC_PER_SEC,
	                                 .max_alerts_kept = 8};
	struct vg_assembler *a = NULL;
	if (vg_assembler_new(&conf, &a) != VG_OK)
		abort();
	vg_time now = (vg_time)1700000000 * VG_USEC_PER_SEC;
	char values[NNAMES][128];
	for (unsigned serial = 0; in.n && serial < 64; serial++) {
		uint8_t r = take(&in);
		now += (vg_time)(r >> 1) * VG_USEC_PER_SEC;
		/* up to eight values, each up to 127 bytes, NUL-separated */
		struct vg_kv kv[NNAMES];
		size_t n = 0;
		for (size_t f = 0; f < NNAMES && in.n; f++) {
			size_t len = 0;
			uint8_t c;
			while (in.n && (c = take(&in)) != 0)
				if (len < sizeof(values[f]) - 1)
					values[f][len++] = (char)c;
			values[f][len] = '\0';
			if (len)
				kv[n++] = (struct vg_kv){(char *)g_names[f], values[f]};
		}
		struct vg_alert al = {0};
		snprintf(al.id, sizeof(al.id), "%016x", serial);
		al.rule = g_rule[r & 1];
		al.first_ts = al.last_ts = now;
		al.event_count = 1;
		al.group_key = "";
		al.fields = kv;
		al.nfields = n;
		bool changed;
		struct vg_incident *inc = vg_assembler_add(a, &al, &changed);
		if (!inc)
			abort();
		publish(inc, limit);
	}
	vg_assembler_destroy(a);
	return 0;
}
