/* libFuzzer target: auditd records, alone through vg_parse (VG_FMT_AUDITD) and as a
 * stream through vg_parse_feed (every line of the input is one record, grouped by
 * audit(ts:serial)), plus the auto-detection; see fuzz_common.h. */
#include "fuzz_common.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t g_events;

static vg_err emit(void *ud, struct vg_event *ev, const char *reason, const char *raw,
                   size_t len, const struct vg_source *src)
{
	(void)ud;
	(void)raw;
	(void)len;
	if (!src || (!ev && (!reason || !reason[0])))
		abort();
	if (ev) {
		struct vg_buf b;
		vg_buf_init(&b);
		vg_event_to_json(ev, &b);
		vg_buf_free(&b);
		g_events++;
	}
	return VG_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_init();
	fz_parse(VG_FMT_AUDITD, data, size);
	fz_parse(VG_FMT_AUTO, data, size);

	const char *p = (const char *)data, *end = p + size;
	int64_t i = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct vg_source src = {"fuzz", 0, i++};
		if (vg_parse_feed(g_fz_parser, g_fz_ctx, VG_FMT_AUDITD, p, n, &src, 0,
		                  g_fz_arena, emit, NULL) == VG_ERR_INVALID)
			abort();
		p += n + (nl ? 1 : 0);
	}
	if (vg_parse_flush(g_fz_parser, g_fz_ctx, 0, g_fz_arena, emit, NULL) != VG_OK ||
	    vg_parse_pending(g_fz_ctx) != 0)
		abort();
	vg_arena_reset(g_fz_arena);
	return 0;
}
