/*
 * cli_stix.c - `vigil stix`: incidents of a store as STIX 2.1 bundles (stix.c), one
 * JSON object per line on stdout, for sharing with CERTs and other agencies.
 *
 * The incidents are named on the command line, or --surfaced takes every surfaced
 * incident (highest score first).  Each is read from the store with its detailed
 * alerts and entities; its story and text are built as the pipeline builds them
 * for the published document.  An unknown or merged-away id is an error (exit 2)
 * naming the survivor; nothing is printed for it and the others are still written.
 */
#include "cli.h"
#include "stix.h"

#include <getopt.h>
#include <string.h>

struct stix_run {
	struct vg_store *st;
	struct vg_buf out;
	int status; /* 0, or 2 when an id was not found */
};

static vg_err export_one(const char *id, void *ctx)
{
	struct stix_run *r = ctx;
	struct vg_incident inc;
	vg_time created;
	vg_err err = vg_store_load_incident(r->st, id, &inc);
	if (!err && (err = vg_store_stix_created(r->st, id, &created)))
		vg_incident_clear(&inc);
	if (err == VG_ERR_NOTFOUND) {
		fprintf(stderr, "vigil stix: %s\n", vg_store_errmsg(r->st));
		r->status = 2;
		return VG_OK;
	}
	if (err)
		return err;
	struct vg_incident_story story = {0};
	struct vg_incident_text text;
	struct vg_ranking rank = {.score = inc.score, .priority = inc.priority};
	/* the store loads in canonical order already; the view costs a pass and
	 * keeps this the pipeline's way whatever the store's queries become */
	struct vg_incident_order order = {0};
	struct vg_incident view;
	vg_buf_init(&text.title);
	vg_buf_init(&text.summary);
	vg_buf_init(&text.tactics);
	err = vg_incident_canonical(&inc, &order, &view);
	if (!err)
		err = vg_incident_story_build(&view, &story);
	if (!err) {
		vg_incident_text_build_story(&view, &rank, &story, &text);
		vg_buf_reset(&r->out);
		vg_stix_bundle(&view, created, &text, &story, &r->out);
		vg_buf_putc(&r->out, '\n');
		if (text.title.oom || text.summary.oom || text.tactics.oom || r->out.oom)
			err = VG_ERR_NOMEM;
		else if (fwrite(r->out.data, 1, r->out.len, stdout) != r->out.len)
			err = VG_ERR_IO;
	}
	vg_buf_free(&text.title);
	vg_buf_free(&text.summary);
	vg_buf_free(&text.tactics);
	vg_incident_story_free(&story);
	vg_incident_order_free(&order);
	vg_incident_clear(&inc);
	return err;
}

int vg_cli_stix(int argc, char **argv)
{
	static const struct option lopts[] = {{"db", required_argument, NULL, 'd'},
	                                      {"surfaced", no_argument, NULL, 's'},
	                                      {NULL, 0, NULL, 0}};
	const char *db = NULL;
	bool surfaced = false;
	int c;
	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 's': surfaced = true; break;
		default: goto usage;
		}
	}
	if (!db || (surfaced == (optind < argc)))
		goto usage;
	struct stix_run r = {0};
	char errstr[512];
	if (vg_store_open_existing(db, &r.st, errstr, sizeof(errstr))) {
		fprintf(stderr, "vigil stix: %s\n", errstr);
		return 1;
	}
	vg_buf_init(&r.out);
	vg_err err = VG_OK;
	if (surfaced)
		err = vg_store_each_surfaced(r.st, export_one, &r);
	for (int i = optind; i < argc && !err; i++)
		err = export_one(argv[i], &r);
	/* a failed write (VG_ERR_IO) stops the export; main.c's check of stdout
	 * says it, with the reason, as for every command */
	if (err && err != VG_ERR_IO)
		fprintf(stderr, "vigil stix: %s\n",
		        err == VG_ERR_NOMEM ? "out of memory" : vg_store_errmsg(r.st));
	vg_buf_free(&r.out);
	vg_store_close(r.st);
	return err ? 1 : r.status;
usage:
	vg_cli_usage(stderr, "stix");
	return 2;
}
