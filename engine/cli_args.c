/*
 * cli_args.c - what every command shares about its arguments and output: the
 * readers of numeric option values (the whole text must be a number in the
 * option's range, else the command stops with a message that names the option:
 * atoi would read "abc" as 0, and a threshold of 0 surfaces every incident without
 * a word), the refusal of arguments a command does not take, and the check that
 * its output was written.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

bool vg_cli_output_written(FILE *f, bool close, const char *cmd, const char *what)
{
	bool failed = ferror(f);
	int e = (close ? fclose(f) : fflush(f)) ? errno : 0;
	if (!e && !failed)
		return true;
	fprintf(stderr, "vigil %s: writing %s: %s\n", cmd, what,
	        e ? strerror(e) : "a write failed");
	return false;
}

bool vg_cli_no_args(const char *cmd, const char *usage, int argc, char **argv)
{
	if (optind >= argc)
		return true;
	fprintf(stderr, "vigil %s: unexpected argument '%s'\n", cmd, argv[optind]);
	vg_cli_usage(stderr, usage);
	return false;
}

bool vg_cli_int_arg(const char *cmd, const char *opt, const char *text, int64_t min,
                    int64_t max, int64_t *out)
{
	int64_t v;
	if (vg_parse_int64(text, &v) && v >= min && v <= max) {
		*out = v;
		return true;
	}
	fprintf(stderr,
	        "vigil %s: %s wants a whole number from %" PRId64 " to %" PRId64
	        ", not '%s'\n",
	        cmd, opt, min, max, text);
	return false;
}

bool vg_cli_seed_arg(const char *cmd, const char *opt, const char *text, uint64_t *out)
{
	char *end;
	errno = 0;
	/* strtoull takes "-1" as 2^64-1: a seed is digits only */
	unsigned long long v = strtoull(text, &end, 10);
	if (text[0] >= '0' && text[0] <= '9' && !errno && !*end) {
		*out = v;
		return true;
	}
	fprintf(stderr,
	        "vigil %s: %s wants a whole number from 0 to %" PRIu64 ", not '%s'\n",
	        cmd, opt, UINT64_MAX, text);
	return false;
}

bool vg_cli_real_arg(const char *cmd, const char *opt, const char *text, double min,
                     double max, double *out)
{
	double v;
	if (vg_parse_double(text, &v) && v >= min && v <= max) {
		*out = v;
		return true;
	}
	fprintf(stderr, "vigil %s: %s wants a number from %g to %g, not '%s'\n", cmd, opt,
	        min, max, text);
	return false;
}
