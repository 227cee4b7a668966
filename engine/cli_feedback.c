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
	if (vg_store_open_existing(db, &st, errstr, sizeof(errstr))) {
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
	vg_cli_usage(stderr, "feedback");
	return 2;
}
