/*
 * cli_feedback.c - `vigil feedback` (analysts' verdicts) and `vigil simulate`
 * (generated traffic written to files).
 *
 * feedback: records "tp" (a real attack) or "fp" (a false alert) for an incident in
 * the store's feedback table, with an optional note and the wall-clock time.  The
 * latest verdict per incident counts; `vigil model train --db DB` adds those
 * incidents' stored features, labelled by the verdict, to the generated training
 * rows.  An incident merged into another is refused with the survivor's id.
 *
 * simulate: the seeded scenario (scenario.c), endpoint campaigns included, split by
 * input format into files a user can feed to `vigil replay` or Kafka: syslog lines,
 * JSON lines (Sysmon / ECS endpoint events) and a ground-truth TSV
 * (file, line, time, host, label, campaign).  Same seed, same bytes.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int vg_cli_feedback(int argc, char **argv)
{
	static const struct option lopts[] = {{"verdict", required_argument, NULL, 'v'},
	                                      {"note", required_argument, NULL, 'n'},
	                                      {"db", required_argument, NULL, 'd'},
	                                      {NULL, 0, NULL, 0}};
	const char *verdict = NULL, *note = NULL, *db = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case 'v': verdict = optarg; break;
		case 'n': note = optarg; break;
		case 'd': db = optarg; break;
		default: goto usage;
		}
	}
	if (optind != argc - 1 || !verdict || !db)
		goto usage;
	const char *id = argv[optind];
	struct vg_store *st;
	char errstr[512];
	if (vg_store_open(db, &st, errstr, sizeof(errstr))) {
		fprintf(stderr, "vigil feedback: %s\n", errstr);
		return 1;
	}
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	vg_time at = (vg_time)now.tv_sec * VG_USEC_PER_SEC + now.tv_nsec / 1000;
	vg_err err = vg_store_begin(st);
	if (!err)
		err = vg_store_put_feedback(st, id, verdict, note, at);
	if (!err)
		err = vg_store_commit(st);
	else
		vg_store_rollback(st);
	if (err)
		fprintf(stderr, "vigil feedback: %s\n", vg_store_errmsg(st));
	else
		printf("recorded %s for %s\n", verdict, id);
	vg_store_close(st);
	return err == VG_ERR_INVALID || err == VG_ERR_NOTFOUND ? 2 : err ? 1 : 0;
usage:
	fprintf(stderr, "usage: vigil feedback INCIDENT --verdict tp|fp [--note TEXT] "
	                "--db DB\n");
	return 2;
}

int vg_cli_simulate(int argc, char **argv)
{
	static const struct option lopts[] = {{"seed", required_argument, NULL, 's'},
	                                      {"hours", required_argument, NULL, 'H'},
	                                      {"hosts", required_argument, NULL, 'n'},
	                                      {"no-attack", no_argument, NULL, 'A'},
	                                      {"variants", no_argument, NULL, 'V'},
	                                      {"start", required_argument, NULL, 'S'},
	                                      {"out", required_argument, NULL, 'o'},
	                                      {NULL, 0, NULL, 0}};
	struct vg_scenario_params params = {
	    .seed = 7,
	    .start = vg_time_from_civil(2026, 11, 20, 6, 0, 0, 0),
	    .hours = 12,
	    .hosts = 4,
	    .attack = true,
	    .endpoint = true};
	const char *out = "vigil-sim";
	int c;
	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case 's': params.seed = strtoull(optarg, NULL, 10); break;
		case 'H': params.hours = atoi(optarg); break;
		case 'n': params.hosts = atoi(optarg); break;
		case 'A': params.attack = false; break;
		case 'V': params.variants = true; break;
		case 'o': out = optarg; break;
		case 'S':
			if (vg_time_parse_rfc3339(optarg, strlen(optarg), INT32_MIN,
			                          &params.start))
				goto usage;
			break;
		default: goto usage;
		}
	}
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
	fprintf(stderr, "usage: vigil simulate [--seed N] [--hours N] [--hosts N] "
	                "[--no-attack] [--variants] [--start TIME] [--out PREFIX]\n");
	return 2;
}
