/* libFuzzer target: the YAML+PCRE2 decoder loader (parsers/decoder_load.c) on an
 * arbitrary decoder file, then one syslog line through whatever loaded.  The
 * contract: VG_OK, or VG_ERR_CONFIG with at least one diagnostic; never a crash, a
 * leak or a hang (PCRE2 match limits bound hostile patterns). */
#include "fuzz_file.h"
#include "fuzz_loader.h"
#include "vg_parsers.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vg_log_set_level(VG_LOG_ERROR);
	const char *paths[1] = {fz_input_file("dec", "yaml", data, size)};
	struct vg_parser_conf conf = {paths, 1, 0};
	struct vg_parser *parser = NULL;
	struct vg_diag diag;
	vg_diag_init(&diag);
	vg_err err = vg_parser_new(&conf, &parser, &diag);
	fz_loader_contract(err, parser != NULL, &diag);
	if (parser) {
		struct vg_parse_ctx *ctx = vg_parse_ctx_new(parser);
		struct vg_arena *arena = vg_arena_new(0);
		if (ctx && arena) {
			static const char line[] =
			    "Dec 10 06:55:46 LabSZ sshd[24200]: Failed password for root "
			    "from 1.2.3.4 port 22 ssh2";
			struct vg_event *ev;
			const char *reason;
			vg_parse(parser, ctx, VG_FMT_SYSLOG, line, sizeof(line) - 1, 0,
			         arena, &ev, &reason);
		}
		vg_arena_destroy(arena);
		vg_parse_ctx_destroy(ctx);
	}
	vg_parser_destroy(parser);
	vg_diag_clear(&diag);
	return 0;
}
