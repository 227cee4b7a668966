/*
 * bench_parse - normalization throughput on one core (a benchmark, not a test).
 *
 *   bench_parse FILE [TARGET_LINES] [FORMAT]
 *
 * Reads FILE (one record per line), repeats it until TARGET_LINES records have been
 * parsed (default: the file once), and prints records/s, the share of records that
 * framed, that a decoder claimed, and the peak RSS.  Records are framed with
 * vg_frame_next (LF) over the whole buffer and parsed with vg_parse into one arena
 * that is reset every 1024 records, as the pipeline does per batch.  The clocks
 * are read only around the loop: records/s/core is per second of this thread's CPU
 * time (CLOCK_THREAD_CPUTIME_ID), so other jobs on a shared machine do not lower it;
 * the wall-clock rate is printed beside it.  Driven by scripts/bench-parse.sh.
 */
#include "vg_parsers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE [TARGET_LINES] [FORMAT]\n", argv[0]);
		return 2;
	}
	FILE *f = fopen(argv[1], "rb");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "cannot read %s\n", argv[1]);
		return 1;
	}
	fclose(f);
	unsigned long target = argc > 2 ? strtoul(argv[2], NULL, 10) : 0;
	enum vg_format fmt = VG_FMT_SYSLOG;
	if (argc > 3 && !vg_format_from_name(argv[3], &fmt)) {
		fprintf(stderr, "unknown format %s\n", argv[3]);
		return 2;
	}

	struct vg_parser *parser;
	struct vg_diag diag;
	vg_diag_init(&diag);
	if (vg_parser_new(NULL, &parser, &diag) != VG_OK) {
		vg_diag_print(&diag, stderr);
		return 1;
	}
	vg_diag_clear(&diag);
	struct vg_parse_ctx *ctx = vg_parse_ctx_new(parser);
	struct vg_arena *arena = vg_arena_new(0);
	vg_time ref = vg_time_from_civil(2015, 12, 11, 0, 0, 0, 0);
	unsigned long done = 0, ok = 0, decoded = 0, since_reset = 0;
	vg_field dec = vg_field_lookup("vigil.decoder", 13);

	struct timespec t0, t1, c0, c1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
	do {
		size_t pos = 0;
		for (;;) {
			const char *rec, *reason;
			size_t rlen, used;
			if (vg_frame_next(VG_FRAMING_LF, buf + pos, (size_t)n - pos, true,
			                  0, &rec, &rlen, &used, &reason) != VG_OK)
				break;
			pos += used;
			struct vg_event *ev;
			if (vg_parse(parser, ctx, fmt, rec, rlen, ref, arena, &ev,
			             &reason) == VG_OK) {
				ok++;
				if (vg_event_get(ev, dec))
					decoded++;
			}
			done++;
			if (++since_reset == 1024) {
				vg_arena_reset(arena);
				since_reset = 0;
			}
			if (target && done >= target)
				break;
		}
	} while (target && done < target);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
	clock_gettime(CLOCK_MONOTONIC, &t1);

	double sec =
	    (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	double cpu =
	    (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("%s: %lu records in %.3f s CPU = %.0f records/s/core (wall %.3f s = %.0f "
	       "records/s); framed %.2f%%, decoded %.2f%%; peak RSS %ld KiB\n",
	       argv[1], done, cpu, done / cpu, sec, done / sec,
	       done ? 100.0 * ok / done : 0.0, done ? 100.0 * decoded / done : 0.0,
	       ru.ru_maxrss);
	vg_arena_destroy(arena);
	vg_parse_ctx_destroy(ctx);
	vg_parser_destroy(parser);
	free(buf);
	return 0;
}
