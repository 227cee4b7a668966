/*
 * cli_replay.c - `vigil replay`: the whole pipeline over recorded inputs, without a
 * broker, and the export of the record -> incident map it leaves in the store.
 *
 * Each input (a file, or '-' for stdin) is one partition: topic = the name given on
 * the command line, partition 0, offset = the 0-based record (line) index.  Every
 * input is declared assigned before the first record (vg_pipeline_set_assignment),
 * so held alerts are released only when every input has gone past them and the
 * incidents do not depend on the order the files are read in.  Inputs are read
 * round-robin, one batch from each in turn, which keeps the held alerts (and so
 * memory) bounded when the files cover the same period; an input that has ended
 * says so (vg_pipeline_input_ended): its watermark goes to the end of time, and a
 * later replay into the same store continues the incidents still open.  The last batch
 * calls vg_pipeline_finish_input, so every held alert is assembled, ranked and stored.
 *
 * The store's record_incidents table (schemas/store.sql) then maps every record
 * that raised an alert to the incident it joined, merged incidents resolved to the
 * survivor; `vigil replay --db DB --export-map FILE` writes it as TSV with one
 * line per alert a record raised, and one ("-") for a record that raised none, so
 * any evaluation outside Vigil can join it with its own labels.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double vg_cli_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One batch of records read from one input, kept alive until vg_pipeline_end
 * (vg_pipeline_process's contract). */
struct chunk {
	struct vg_buf data;
	size_t *offs, *lens;
	size_t n, cap;
	char *line;
	size_t line_cap;
};

static vg_err chunk_read(struct chunk *ch, FILE *fp, size_t max, bool *eof)
{
	vg_buf_reset(&ch->data);
	ch->n = 0;
	*eof = false;
	if (ch->cap < max) {
		size_t *no = realloc(ch->offs, max * sizeof(*no));
		size_t *nl = no ? realloc(ch->lens, max * sizeof(*nl)) : NULL;
		if (no)
			ch->offs = no;
		if (!nl)
			return VG_ERR_NOMEM;
		ch->lens = nl;
		ch->cap = max;
	}
	while (ch->n < max) {
		ssize_t len = getline(&ch->line, &ch->line_cap, fp);
		if (len < 0) {
			*eof = true;
			return ferror(fp) ? VG_ERR_IO : VG_OK;
		}
		if (len > 0 && ch->line[len - 1] == '\n')
			len--;
		ch->offs[ch->n] = ch->data.len;
		ch->lens[ch->n] = (size_t)len;
		vg_buf_append(&ch->data, ch->line, (size_t)len);
		vg_buf_putc(&ch->data, '\0');
		if (ch->data.oom)
			return VG_ERR_NOMEM;
		ch->n++;
	}
	return VG_OK;
}

static void chunk_free(struct chunk *ch)
{
	vg_buf_free(&ch->data);
	free(ch->offs);
	free(ch->lens);
	free(ch->line);
}

vg_err vg_cli_replay_inputs(struct vg_pipeline *p, enum vg_format fmt,
                            struct vg_replay_input *in, size_t n, size_t batch)
{
	const char **topics = calloc(n ? n : 1, sizeof(*topics));
	int32_t *parts = calloc(n ? n : 1, sizeof(*parts));
	bool *ended = calloc(n ? n : 1, sizeof(*ended));
	/* each input's format: fmt, or when that is auto, what its first record and
	 * name say (vg_format_of_file) */
	enum vg_format *ifmt = calloc(n ? n : 1, sizeof(*ifmt));
	struct chunk ch;
	struct vg_output *outs;
	size_t nouts, left = n, recs_cap = 0;
	struct vg_record *recs = NULL; /* one chunk's */
	vg_err err = VG_OK;
	vg_time now = vg_time_now(); /* RFC 3164's missing year */

	memset(&ch, 0, sizeof(ch));
	vg_buf_init(&ch.data);
	if (!topics || !parts || !ended || !ifmt) {
		err = VG_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		topics[i] = in[i].name;
		parts[i] = in[i].partition;
		in[i].records = 0;
	}
	if ((err = vg_pipeline_set_assignment(p, topics, parts, n)))
		goto out;
	if (!batch)
		batch = 4096;
	while (!err && left > 0) {
		for (size_t i = 0; !err && i < n; i++) {
			bool eof;
			if (ended[i])
				continue;
			if ((err = chunk_read(&ch, in[i].fp, batch, &eof))) {
				fprintf(stderr, "vigil replay: %s: %s\n", in[i].name,
				        err == VG_ERR_IO ? strerror(errno)
				                         : vg_err_str(err));
				break;
			}
			if ((err = vg_pipeline_begin(p)))
				break;
			if (ch.n > recs_cap) {
				struct vg_record *nr = realloc(recs, ch.n * sizeof(*nr));
				if (!nr) {
					err = VG_ERR_NOMEM;
					break;
				}
				recs = nr;
				recs_cap = ch.n;
			}
			if (in[i].records == 0)
				ifmt[i] = fmt != VG_FMT_AUTO || !ch.n
				              ? fmt
				              : vg_format_of_file(
				                    in[i].name, ch.data.data + ch.offs[0],
				                    ch.lens[0]);
			for (size_t j = 0; !err && j < ch.n; j++) {
				int64_t k = in[i].records++;
				struct vg_source src = {in[i].name, in[i].partition, k};
				if (in[i].offsets) {
					if ((size_t)k >= in[i].noffsets) {
						err = VG_ERR_INVALID; /* more records than
						                         offsets */
						break;
					}
					src.offset = in[i].offsets[k];
				}
				recs[j] =
				    (struct vg_record){ifmt[i], ch.data.data + ch.offs[j],
				                       ch.lens[j], src, now};
			}
			if (!err)
				err = vg_pipeline_process_many(p, recs, ch.n);
			if (!err && eof) {
				ended[i] = true;
				left--;
				vg_pipeline_input_ended(p, in[i].name, in[i].partition);
				if (left == 0)
					vg_pipeline_finish_input(p);
			}
			if (!err) /* on error vg_pipeline_destroy rolls back */
				err = vg_pipeline_end(p, &outs, &nouts);
		}
	}
out:
	chunk_free(&ch);
	free(recs);
	free(topics);
	free(parts);
	free(ended);
	free(ifmt);
	return err;
}

/* ------------------------------------------------------------- export map */

struct offset_row {
	char *topic;
	int32_t partition;
	int64_t next;
};

struct export_ctx {
	FILE *out;
	struct offset_row *rows;
	size_t n, cap;
	size_t k;     /* current input position group */
	int64_t next; /* next record index to print in group k */
	uint64_t lines, mapped;
};

static vg_err collect_offset(const char *topic, int32_t partition, int64_t next, void *c)
{
	struct export_ctx *x = c;
	if (x->n == x->cap) {
		size_t ncap = x->cap ? x->cap * 2 : 16;
		struct offset_row *nr = realloc(x->rows, ncap * sizeof(*nr));
		if (!nr)
			return VG_ERR_NOMEM;
		x->rows = nr;
		x->cap = ncap;
	}
	if (!(x->rows[x->n].topic = strdup(topic)))
		return VG_ERR_NOMEM;
	x->rows[x->n].partition = partition;
	x->rows[x->n].next = next;
	x->n++;
	return VG_OK;
}

static int group_cmp(const struct offset_row *r, const char *topic, int32_t partition)
{
	int c = strcmp(r->topic, topic);
	if (c)
		return c;
	return r->partition < partition ? -1 : r->partition > partition;
}

/* Print "none" lines for group k's records [x->next, upto). */
static void print_none(struct export_ctx *x, int64_t upto)
{
	const struct offset_row *r = &x->rows[x->k];
	for (; x->next < upto; x->next++, x->lines++)
		fprintf(x->out, "%s\t%d\t%lld\t-\t-\n", r->topic, r->partition,
		        (long long)x->next);
}

static vg_err export_row(const char *topic, int32_t partition, int64_t offset,
                         const char *alert_id, const char *incident_id, void *c)
{
	struct export_ctx *x = c;
	while (x->k < x->n && group_cmp(&x->rows[x->k], topic, partition) < 0) {
		print_none(x, x->rows[x->k].next);
		x->k++;
		x->next = 0;
	}
	if (x->k < x->n && group_cmp(&x->rows[x->k], topic, partition) == 0) {
		print_none(x, offset);
		if (offset + 1 > x->next)
			x->next = offset + 1;
	}
	fprintf(x->out, "%s\t%d\t%lld\t%s\t%s\n", topic, partition, (long long)offset,
	        alert_id, incident_id);
	x->lines++;
	x->mapped++;
	return ferror(x->out) ? VG_ERR_IO : VG_OK;
}

vg_err vg_cli_export_map(struct vg_store *st, FILE *out, uint64_t *lines)
{
	struct export_ctx x = {.out = out};
	vg_err err = vg_store_each_offset(st, collect_offset, &x);
	fprintf(out, "file\tpartition\trecord\talert_id\tincident_id\n");
	if (!err)
		err = vg_store_each_record_incident(st, export_row, &x);
	for (; !err && x.k < x.n; x.k++, x.next = 0)
		print_none(&x, x.rows[x.k].next);
	for (size_t i = 0; i < x.n; i++)
		free(x.rows[i].topic);
	free(x.rows);
	if (!err && (fflush(out) || ferror(out)))
		err = VG_ERR_IO;
	if (lines)
		*lines = x.lines;
	return err;
}

/* ------------------------------------------------------------------ command */

static int export_only(const char *db, const char *path)
{
	struct vg_store *st = NULL;
	char errstr[512];
	uint64_t lines = 0;
	if (vg_store_open_existing(db, &st, errstr, sizeof(errstr))) {
		fprintf(stderr, "vigil replay: %s\n", errstr);
		return 1;
	}
	FILE *out = strcmp(path, "-") ? fopen(path, "w") : stdout;
	if (!out) {
		fprintf(stderr, "vigil replay: %s: %s\n", path, strerror(errno));
		vg_store_close(st);
		return 1;
	}
	vg_err err = vg_cli_export_map(st, out, &lines);
	if (out != stdout && fclose(out) && !err)
		err = VG_ERR_IO;
	/* a failed write to stdout is said by main.c's check of it */
	if (err && !(err == VG_ERR_IO && out == stdout))
		fprintf(stderr, "vigil replay: exporting %s: %s\n", path,
		        err == VG_ERR_STORE ? vg_store_errmsg(st) : vg_err_str(err));
	else if (out != stdout)
		fprintf(
		    stderr,
		    "vigil replay: wrote %llu lines to %s (one per record and alert)\n",
		    (unsigned long long)lines, path);
	vg_store_close(st);
	return err ? 1 : 0;
}

int vg_cli_replay(int argc, char **argv)
{
	static const struct option lopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"db", required_argument, NULL, 'd'},
	    {"format", required_argument, NULL, 'f'},
	    {"model", required_argument, NULL, 'm'},
	    {"threshold", required_argument, NULL, 't'},
	    {"batch", required_argument, NULL, 'b'},
	    {"export-map", required_argument, NULL, 'x'},
	    {NULL, 0, NULL, 0}};
	const char *cfg_path = NULL, *db = NULL, *model = NULL, *export_path = NULL;
	const char *replay_opt = NULL; /* the last option only a replay reads */
	enum vg_format fmt = VG_FMT_AUTO;
	double threshold = -1;
	long batch = 4096;
	int c;
	int64_t v;
	while ((c = getopt_long(argc, argv, "c:d:f:m:t:b:x:", lopts, NULL)) != -1) {
		if (c != 'd' && c != 'x' && c != '?')
			for (const struct option *o = lopts; o->name; o++)
				if (o->val == c)
					replay_opt = o->name;
		switch (c) {
		case 'c': cfg_path = optarg; break;
		case 'd': db = optarg; break;
		case 'f':
			if (!vg_format_from_name(optarg, &fmt)) {
				fprintf(stderr, "vigil replay: unknown format '%s'\n",
				        optarg);
				return 2;
			}
			break;
		case 'm': model = optarg; break;
		case 't':
			if (!vg_cli_real_arg("replay", "--threshold", optarg, 0, 1,
			                     &threshold))
				return 2;
			break;
		case 'b':
			if (!vg_cli_int_arg("replay", "--batch", optarg, 1, 1000000, &v))
				return 2;
			batch = (long)v;
			break;
		case 'x': export_path = optarg; break;
		default: vg_cli_usage(stderr, "replay"); return 2;
		}
	}
	if (!db) {
		fprintf(stderr, "vigil replay: --db DB is required\n");
		vg_cli_usage(stderr, "replay");
		return 2;
	}
	/* --export-map reads the store as it is and replays nothing: an input or
	 * a replay's option beside it would be dropped without a word */
	if (export_path && (replay_opt || optind < argc)) {
		if (replay_opt)
			fprintf(stderr, "vigil replay: --export-map takes no --%s\n",
			        replay_opt);
		else
			fprintf(stderr,
			        "vigil replay: --export-map takes no FILE ('%s')\n",
			        argv[optind]);
		fprintf(stderr,
		        "vigil replay: replay the inputs first, then export the map "
		        "with --db DB --export-map OUT alone\n");
		return 2;
	}
	if (export_path)
		return export_only(db, export_path);
	if (optind >= argc || batch <= 0) {
		vg_cli_usage(stderr, "replay");
		return 2;
	}
	struct vg_config *cfg = vg_cli_config_or_defaults(cfg_path, "<replay>");
	if (!cfg)
		return 2;
	char *dbc = strdup(db);
	char *mc = model ? strdup(model) : NULL;
	if (!dbc || (model && !mc)) {
		free(dbc);
		free(mc);
		vg_config_destroy(cfg);
		return 1;
	}
	free(cfg->store.path);
	cfg->store.path = dbc;
	if (mc) {
		free(cfg->model.path);
		cfg->model.path = mc;
	}
	if (threshold >= 0)
		cfg->model.surface_threshold = threshold;

	size_t n = (size_t)(argc - optind);
	struct vg_replay_input *in = calloc(n, sizeof(*in));
	struct vg_pipeline *p = NULL;
	struct vg_diag diag;
	vg_err err = in ? VG_OK : VG_ERR_NOMEM;
	int rc = 1;
	vg_diag_init(&diag);
	for (size_t i = 0; !err && i < n; i++) {
		in[i].name = argv[optind + (int)i];
		in[i].fp = strcmp(in[i].name, "-") ? fopen(in[i].name, "rb") : stdin;
		if (!in[i].fp) {
			fprintf(stderr, "vigil replay: %s: %s\n", in[i].name,
			        strerror(errno));
			err = VG_ERR_IO;
		}
	}
	if (err == VG_ERR_IO)
		goto out; /* said which input, and nothing was stored */
	if (!err && (err = vg_pipeline_new(cfg, NULL, &p, &diag))) {
		vg_diag_print(&diag, stderr);
		rc = 2;
		goto out;
	}
	vg_diag_print(&diag, stderr);
	double t0 = vg_cli_seconds();
	if (!err)
		err = vg_cli_replay_inputs(p, fmt, in, n, (size_t)batch);
	double secs = vg_cli_seconds() - t0;
	if (err) {
		fprintf(stderr, "vigil replay: %s%s%s\n", vg_err_str(err),
		        err == VG_ERR_STORE ? ": " : "",
		        err == VG_ERR_STORE ? vg_store_errmsg(vg_pipeline_store(p)) : "");
		goto out;
	}
	struct vg_pipeline_stats s;
	int64_t incs = 0, surfaced = 0;
	vg_pipeline_stats(p, &s);
	vg_store_count_incidents(vg_pipeline_store(p), &incs, &surfaced);
	char losses[256];
	vg_pipeline_losses_text(&s, NULL, losses, sizeof(losses));
	printf("vigil replay: %llu records, %llu events, %llu dead letters, %llu alerts "
	       "(%llu already stored), %lld incidents, %lld surfaced; %s; value cache "
	       "%.1f%% hits of %llu lookups; "
	       "%.2f s, %.0f records/s\n",
	       (unsigned long long)s.records, (unsigned long long)s.events,
	       (unsigned long long)s.dead_letters, (unsigned long long)s.alerts,
	       (unsigned long long)s.alerts_replayed, (long long)incs,
	       (long long)surfaced, losses,
	       vg_pct(s.value_cache_hits, s.value_cache_lookups),
	       (unsigned long long)s.value_cache_lookups, secs,
	       secs > 0 ? (double)s.records / secs : 0.0);
	rc = 0;
out:
	for (size_t i = 0; in && i < n; i++)
		if (in[i].fp && in[i].fp != stdin)
			fclose(in[i].fp);
	free(in);
	vg_pipeline_destroy(p);
	vg_config_destroy(cfg);
	vg_diag_clear(&diag);
	return rc;
}
