/*
 * cli_scenario.c - `vigil scenario` (the generated traffic on stdout, for kcat or a
 * file) and `vigil simulate` (syslog, Sysmon JSON and ground truth written to files).
 * Both take the same generator options.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

/* The generator options both commands share (getopt_long values below 0x100). */
#define SCENARIO_OPTIONS                                                                 \
	{"seed", required_argument, NULL, 's'}, {"hours", required_argument, NULL, 'H'}, \
	    {"hosts", required_argument, NULL, 'n'},                                     \
	    {"no-attack", no_argument, NULL, 'A'}, {"variants", no_argument, NULL, 'V'}, \
	{                                                                                \
		"start", required_argument, NULL, 'S'                                    \
	}

static struct vg_scenario_params scenario_defaults(bool endpoint)
{
	struct vg_scenario_params p = {
	    .seed = 7,
	    .start = vg_time_from_civil(2026, 11, 20, 6, 0, 0, 0),
	    .hours = 12,
	    .hosts = 4,
	    .attack = true,
	    .endpoint = endpoint,
	};
	return p;
}

/* Apply one shared option.  @return 1 when c is one of them, 0 when it is not, -1
 * when its value is bad (a message was printed). */
static int scenario_option(int c, const char *arg, struct vg_scenario_params *p,
                           const char *cmd)
{
	int64_t v;
	switch (c) {
	case 's': return vg_cli_seed_arg(cmd, "--seed", arg, &p->seed) ? 1 : -1;
	case 'H':
		if (!vg_cli_int_arg(cmd, "--hours", arg, 1, VG_SCENARIO_MAX_HOURS, &v))
			return -1;
		p->hours = (int)v;
		return 1;
	case 'n':
		if (!vg_cli_int_arg(cmd, "--hosts", arg, 1, VG_SCENARIO_MAX_HOSTS, &v))
			return -1;
		p->hosts = (int)v;
		return 1;
	case 'A': p->attack = false; return 1;
	case 'V': p->variants = true; return 1;
	case 'S':
		if (vg_time_parse_rfc3339(arg, strlen(arg), INT32_MIN, &p->start)) {
			fprintf(
			    stderr,
			    "vigil %s: --start wants an RFC 3339 time with a zone, e.g. "
			    "2026-11-20T06:00:00Z\n",
			    cmd);
			return -1;
		}
		return 1;
	}
	return 0;
}

int vg_cli_scenario(int argc, char **argv)
{
	static const struct option lopts[] = {SCENARIO_OPTIONS,
	                                      {"labels", required_argument, NULL, 'l'},
	                                      {"keys", no_argument, NULL, 'k'},
	                                      {NULL, 0, NULL, 0}};
	struct vg_scenario_params params = scenario_defaults(false);
	const char *labels = NULL;
	bool keys = false;
	int c, r;
	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		if ((r = scenario_option(c, optarg, &params, "scenario")) < 0)
			return 2;
		if (r)
			continue;
		if (c == 'l') {
			labels = optarg;
		} else if (c == 'k') {
			keys = true;
		} else {
			vg_cli_usage(stderr, "scenario");
			return 2;
		}
	}
	if (!vg_cli_no_args("scenario", "scenario", argc, argv))
		return 2;
	struct vg_scenario sc;
	if (vg_scenario_generate(&params, &sc))
		return 1;
	FILE *lf = labels ? fopen(labels, "w") : NULL;
	if (labels && !lf) {
		fprintf(stderr, "vigil scenario: %s: %s\n", labels, strerror(errno));
		vg_scenario_free(&sc);
		return 1;
	}
	for (size_t i = 0; i < sc.count; i++) {
		if (keys) /* "host<TAB>line", for kcat -K '\t' */
			printf("%s\t", sc.records[i].host);
		puts(sc.records[i].line);
		if (lf)
			fprintf(lf, "%zu\t%s\n", i,
			        sc.records[i].attack ? "attack" : "benign");
	}
	/* stdout is checked by main.c; the labels file here, as it is closed */
	int rc = lf && !vg_cli_output_written(lf, true, "scenario", labels) ? 1 : 0;
	vg_scenario_free(&sc);
	return rc;
}

int vg_cli_simulate(int argc, char **argv)
{
	static const struct option lopts[] = {
	    SCENARIO_OPTIONS, {"out", required_argument, NULL, 'o'}, {NULL, 0, NULL, 0}};
	struct vg_scenario_params params = scenario_defaults(true);
	const char *out = "vigil-sim";
	int c, known;
	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		if ((known = scenario_option(c, optarg, &params, "simulate")) < 0)
			return 2;
		if (known)
			continue;
		if (c == 'o')
			out = optarg;
		else
			goto usage;
	}
	if (!vg_cli_no_args("simulate", "simulate", argc, argv))
		return 2;
	struct vg_scenario sc;
	if (vg_scenario_generate(&params, &sc))
		return 1;
	char p_sys[1024], p_json[1024], p_truth[1024];
	snprintf(p_sys, sizeof(p_sys), "%s.syslog", out);
	snprintf(p_json, sizeof(p_json), "%s.jsonl", out);
	snprintf(p_truth, sizeof(p_truth), "%s.truth.tsv", out);
	FILE *fs = fopen(p_sys, "w"), *fj = fopen(p_json, "w"), *ft = fopen(p_truth, "w");
	int rc = 0;
	if (!fs || !fj || !ft) {
		fprintf(stderr, "vigil simulate: %s: %s\n", out, strerror(errno));
		rc = 1;
		goto out;
	}
	fprintf(ft, "file\tline\ttime\thost\tlabel\tcampaign\n");
	size_t nsys = 0, njson = 0;
	for (size_t i = 0; i < sc.count; i++) {
		const struct vg_scenario_record *r = &sc.records[i];
		char t[32];
		vg_time_format(r->ts, t);
		fprintf(r->json ? fj : fs, "%s\n", r->line);
		fprintf(ft, "%s\t%zu\t%s\t%s\t%s\t%s\n", r->json ? p_json : p_sys,
		        r->json ? njson : nsys, t, r->host,
		        r->attack ? "attack" : "benign", r->campaign ? r->campaign : "-");
		if (r->json)
			njson++;
		else
			nsys++;
	}
	printf("wrote %s (%zu syslog lines), %s (%zu JSON lines), %s (%zu records, %zu "
	       "attack, %zu campaigns)\n",
	       p_sys, nsys, p_json, njson, p_truth, sc.count, sc.attack_records,
	       sc.campaigns);
out:
	if (fs)
		fclose(fs);
	if (fj)
		fclose(fj);
	if (ft)
		fclose(ft);
	vg_scenario_free(&sc);
	return rc;
usage:
	vg_cli_usage(stderr, "simulate");
	return 2;
}
