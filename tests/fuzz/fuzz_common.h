/*
 * fuzz_common.h - shared set-up of the libFuzzer targets for parsers/.
 *
 * One parser (embedded decoders) and one parse context per process, built on the
 * first input; one arena reset after every input, so leaks and use-after-reset show
 * under AddressSanitizer.  Every target checks the parser's contract on each input:
 * VG_OK with an event, or VG_ERR_PARSE with a non-empty reason - never anything else
 * (out-of-memory aside), never a crash or a hang.
 */
#ifndef VG_FUZZ_COMMON_H
#define VG_FUZZ_COMMON_H

#include "vg_parsers.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static struct vg_parser *g_fz_parser;
static struct vg_parse_ctx *g_fz_ctx;
static struct vg_arena *g_fz_arena;

static void fz_init(void)
{
	if (g_fz_parser)
		return;
	struct vg_diag diag;
	vg_diag_init(&diag);
	vg_log_set_level(VG_LOG_ERROR);
	if (vg_parser_new(NULL, &g_fz_parser, &diag) != VG_OK) {
		vg_diag_print(&diag, stderr);
		abort();
	}
	vg_diag_clear(&diag);
	g_fz_ctx = vg_parse_ctx_new(g_fz_parser);
	g_fz_arena = vg_arena_new(0);
	if (!g_fz_ctx || !g_fz_arena)
		abort();
}

/* Parse one record and check the contract. */
static void fz_parse(enum vg_format fmt, const uint8_t *data, size_t size)
{
	struct vg_event *ev = NULL;
	const char *reason = NULL;
	vg_err err = vg_parse(g_fz_parser, g_fz_ctx, fmt, (const char *)data, size, 0,
	                      g_fz_arena, &ev, &reason);
	if (err == VG_OK) {
		if (!ev)
			abort();
		struct vg_buf b;
		vg_buf_init(&b);
		vg_event_to_json(ev, &b); /* touches every value the event points to */
		vg_buf_free(&b);
	} else if (err == VG_ERR_PARSE) {
		if (!reason || !reason[0])
			abort();
	} else if (err != VG_ERR_NOMEM) {
		abort();
	}
	vg_arena_reset(g_fz_arena);
}

#endif
