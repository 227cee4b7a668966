/*
 * cli_tools.c - offline commands over files: parse (see how a record is
 * understood), detect (rule hits and correlated alerts), rules check, scenario
 * (the generated traffic, with ground truth), and the line reader they share.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

void vg_line_reader_init(struct vg_line_reader *lr, const char *cmd, char *const *files,
                         size_t nfiles)
{
	memset(lr, 0, sizeof(*lr));
	lr->cmd = cmd;
	lr->files = files;
	lr->nfiles = nfiles;
}

const char *vg_line_reader_next(struct vg_line_reader *lr, size_t *len, vg_err *err)
{
	*err = VG_OK;
	for (;;) {
		if (!lr->fp) {
			if (lr->nfiles == 0 && lr->next_file == 0) {
				lr->fp = stdin;
				lr->name = "-";
			} else if (lr->next_file < lr->nfiles) {
				lr->name = lr->files[lr->next_file];
				lr->fp = !strcmp(lr->name, "-") ? stdin
				                                : fopen(lr->name, "rb");
				if (!lr->fp) {
					fprintf(stderr, "vigil %s: %s: %s\n", lr->cmd,
					        lr->name, strerror(errno));
					*err = VG_ERR_IO;
					return NULL;
				}
			} else {
				return NULL;
			}
			lr->next_file++;
			lr->index = -1;
		}
		ssize_t n = getline(&lr->line, &lr->cap, lr->fp);
		if (n >= 0) {
			if (n > 0 && lr->line[n - 1] == '\n')
				n--;
			lr->index++;
			*len = (size_t)n;
			return lr->line;
		}
		/* fopen takes a directory; its read fails (EISDIR) and is said
		 * here, as any other read error, not left to an exit status */
		if (ferror(lr->fp)) {
			fprintf(stderr, "vigil %s: %s: %s\n", lr->cmd, lr->name,
			        strerror(errno));
			*err = VG_ERR_IO;
		}
		if (lr->fp != stdin)
			fclose(lr->fp);
		lr->fp = NULL;
		if (*err)
			return NULL;
		if (lr->nfiles == 0)
			return NULL;
	}
}

void vg_line_reader_free(struct vg_line_reader *lr)
{
	if (lr->fp && lr->fp != stdin)
		fclose(lr->fp);
	free(lr->line);
	memset(lr, 0, sizeof(*lr));
}

static int parse_format_opt(const char *s, enum vg_format *fmt)
{
	if (vg_format_from_name(s, fmt))
		return 0;
	fprintf(
	    stderr,
	    "vigil: unknown format '%s' (auto, syslog, rfc3164, rfc5424, json, aitads, "
	    "auditd)\n",
	    s);
	return 2;
}

struct parse_out {
	struct vg_buf out;
	const struct vg_line_reader *lr;
	uint64_t ok, dead;
};

static vg_err parse_emit(void *ud, struct vg_event *ev, const char *reason,
                         const char *raw, size_t len, const struct vg_source *src)
{
	struct parse_out *po = ud;
	vg_buf_reset(&po->out);
	if (ev) {
		vg_event_to_json(ev, &po->out);
		po->ok++;
	} else {
		vg_buf_puts(&po->out, "{\"dead_letter\":{\"reason\":");
		vg_buf_json_str(&po->out, reason ? reason : "unparseable",
		                strlen(reason ? reason : "unparseable"));
		vg_buf_puts(&po->out, ",\"original\":");
		vg_buf_json_str(&po->out, raw, len);
		vg_buf_printf(&po->out, ",\"file\":");
		const char *file = src->topic ? src->topic : po->lr->name;
		vg_buf_json_str(&po->out, file, strlen(file));
		vg_buf_printf(&po->out, ",\"index\":%lld}}", (long long)src->offset);
		po->dead++;
	}
	puts(po->out.data);
	return VG_OK;
}

/* The config at path (NULL: a config's defaults) with paths[0..n) added to its
 * list option section.paths (the command line's -r or --decoders, after the
 * file's); NULL with the reasons on stderr. */
static struct vg_config *cfg_with_paths(const char *path, const char *section,
                                        const char *const *paths, size_t n)
{
	struct vg_config *cfg = vg_cli_config_or_defaults(path, "<defaults>");
	vg_err err = VG_OK;
	for (size_t i = 0; cfg && i < n; i++)
		if ((err = vg_config_append(cfg, section, "paths", paths[i])) != VG_OK) {
			fprintf(stderr, "vigil: %s path '%s': %s\n", section, paths[i],
			        err == VG_ERR_INVALID ? "empty" : vg_err_str(err));
			vg_config_destroy(cfg);
			cfg = NULL;
		}
	return cfg;
}

int vg_cli_parse(int argc, char **argv)
{
	static const struct option lopts[] = {{"format", required_argument, NULL, 'f'},
	                                      {"decoders", required_argument, NULL, 'd'},
	                                      {"config", required_argument, NULL, 'c'},
	                                      {NULL, 0, NULL, 0}};
	enum vg_format fmt = VG_FMT_AUTO;
	/* every -d, however many: there cannot be more than argc */
	const char **decoders = calloc((size_t)argc, sizeof(*decoders));
	const char *cfg_path = NULL;
	size_t ndec = 0;
	int c;
	if (!decoders) {
		fprintf(stderr, "vigil parse: out of memory\n");
		return 1;
	}
	while ((c = getopt_long(argc, argv, "f:d:c:", lopts, NULL)) != -1) {
		if (c == 'f' && parse_format_opt(optarg, &fmt)) {
			free(decoders);
			return 2;
		} else if (c == 'd') {
			decoders[ndec++] = optarg;
		} else if (c == 'c') {
			cfg_path = optarg;
		} else if (c != 'f') {
			free(decoders);
			return 2;
		}
	}
	struct vg_diag diag;
	struct vg_parser *parser = NULL;
	vg_diag_init(&diag);
	/* the config's decoders and settings (rfc3164_utc_offset, and
	 * correlation.max_future: vigil.claimed_time shows), as `vigil run` parses
	 * with them, then --decoders; without -c a config's defaults */
	struct vg_config *cfg = cfg_with_paths(cfg_path, "decoders", decoders, ndec);
	free(decoders);
	if (!cfg)
		return 2;
	struct vg_named_at *at =
	    vg_config_named_at(cfg, "decoders", "paths", cfg->decoders.npaths);
	struct vg_parser_conf pconf = {
	    .decoder_paths = (const char *const *)cfg->decoders.paths,
	    .n_decoder_paths = cfg->decoders.npaths,
	    .decoder_named_at = at,
	    .rfc3164_utc_offset_sec = (int)cfg->decoders.rfc3164_utc_offset_sec,
	    .max_future = cfg->correlation.max_future,
	};
	vg_err perr = at ? VG_OK : VG_ERR_NOMEM;
	if (!perr && !(perr = vg_fields_init(&diag)))
		perr = vg_parser_new(&pconf, &parser, &diag);
	free(at);
	vg_config_destroy(cfg);
	if (perr) {
		vg_diag_print(&diag, stderr);
		if (!diag.count)
			fprintf(stderr, "vigil parse: %s\n", vg_err_str(perr));
		vg_diag_clear(&diag);
		return 2;
	}
	struct vg_parse_ctx *ctx = vg_parse_ctx_new(parser);
	struct vg_arena *arena = vg_arena_new(0);
	struct vg_line_reader lr;
	struct parse_out po = {.lr = &lr};
	const char *line;
	size_t len;
	vg_err err = VG_OK;
	vg_time now = vg_time_now();

	vg_buf_init(&po.out);
	vg_line_reader_init(&lr, "parse", argv + optind, (size_t)(argc - optind));
	/* vg_parse_feed groups multi-record events (auditd) and emits them with the
	 * position of their first record; other formats come out one per line. */
	enum vg_format ffmt = fmt;
	while ((line = vg_line_reader_next(&lr, &len, &err))) {
		struct vg_source src = {lr.name, -1, (int64_t)lr.index};
		if (lr.index == 0 && fmt == VG_FMT_AUTO)
			ffmt = vg_format_of_file(lr.name, line, len);
		if (!vg_parse_pending(ctx))
			vg_arena_reset(arena);
		if (vg_parse_feed(parser, ctx, ffmt, line, len, &src, now, arena,
		                  parse_emit, &po) != VG_OK)
			break;
	}
	vg_parse_flush(parser, ctx, now, arena, parse_emit, &po);
	uint64_t ok = po.ok, dead = po.dead;
	struct vg_buf out = po.out;
	fprintf(stderr, "vigil parse: %llu events, %llu dead letters\n",
	        (unsigned long long)ok, (unsigned long long)dead);
	vg_buf_free(&out);
	vg_line_reader_free(&lr);
	vg_arena_destroy(arena);
	vg_parse_ctx_destroy(ctx);
	vg_parser_destroy(parser);
	vg_diag_clear(&diag);
	return err ? 1 : 0;
}

/* ----------------------------------------------------------------- detect */

struct detect_out {
	struct vg_buf buf;
	const struct vg_line_reader *lr;
	int64_t record; /* 0-based index across all input */
};

/* One JSON line per rule hit or correlated alert: rule id, the 0-based index of
 * the input record that produced it (for a correlation: the newest of its
 * records; with -r files, records are counted across all inputs), the records it
 * was built from, and its group values. */
static void print_alert(const struct vg_alert *alert, void *ctx)
{
	struct detect_out *d = ctx;
	struct vg_rule_info info;
	char t[32];
	vg_rule_info(alert->rule, &info);
	int64_t record = d->record;
	for (size_t i = 0; i < alert->nevents; i++)
		if (i == 0 || alert->events[i].offset > record)
			record = alert->events[i].offset;
	vg_buf_reset(&d->buf);
	vg_buf_printf(&d->buf, "{\"type\":\"%s\",\"rule_id\":",
	              info.is_correlation ? "correlation" : "hit");
	vg_buf_json_str(&d->buf, info.id, strlen(info.id));
	vg_buf_puts(&d->buf, ",\"title\":");
	vg_buf_json_str(&d->buf, info.title, strlen(info.title));
	vg_buf_printf(&d->buf, ",\"level\":\"%s\",\"alert_id\":\"%s\",\"record\":%lld",
	              vg_level_name(vg_alert_level(alert)), alert->id, (long long)record);
	vg_buf_puts(&d->buf, ",\"first_seen\":");
	vg_buf_json_str(&d->buf, t, vg_time_format(alert->first_ts, t));
	vg_buf_puts(&d->buf, ",\"last_seen\":");
	vg_buf_json_str(&d->buf, t, vg_time_format(alert->last_ts, t));
	vg_buf_printf(&d->buf, ",\"event_count\":%llu,\"records\":[",
	              (unsigned long long)alert->event_count);
	for (size_t i = 0; i < alert->nevents; i++)
		vg_buf_printf(&d->buf, "%s%lld", i ? "," : "",
		              (long long)alert->events[i].offset);
	vg_buf_puts(&d->buf, "],\"group_key\":");
	vg_buf_json_str(&d->buf, alert->group_key, strlen(alert->group_key));
	vg_buf_puts(&d->buf, ",\"group\":{");
	for (size_t i = 0; i < alert->nfields; i++) {
		if (i)
			vg_buf_putc(&d->buf, ',');
		vg_buf_json_str(&d->buf, alert->fields[i].name,
		                strlen(alert->fields[i].name));
		vg_buf_putc(&d->buf, ':');
		vg_buf_json_str(&d->buf, alert->fields[i].value,
		                strlen(alert->fields[i].value));
	}
	vg_buf_puts(&d->buf, "}}");
	puts(d->buf.data);
}

int vg_cli_detect(int argc, char **argv)
{
	static const struct option lopts[] = {{"rules", required_argument, NULL, 'r'},
	                                      {"format", required_argument, NULL, 'f'},
	                                      {"config", required_argument, NULL, 'c'},
	                                      {NULL, 0, NULL, 0}};
	enum vg_format fmt = VG_FMT_AUTO;
	/* every -r, however many (a rules directory has many files): at most argc */
	const char **rules = calloc((size_t)argc, sizeof(*rules));
	const char *cfg_path = NULL;
	size_t nrules = 0;
	int c;
	if (!rules) {
		fprintf(stderr, "vigil detect: out of memory\n");
		return 1;
	}
	while ((c = getopt_long(argc, argv, "r:f:c:", lopts, NULL)) != -1) {
		if (c == 'r') {
			rules[nrules++] = optarg;
		} else if (c == 'f' && parse_format_opt(optarg, &fmt)) {
			free(rules);
			return 2;
		} else if (c == 'c') {
			cfg_path = optarg;
		} else if (c != 'f') {
			free(rules);
			return 2;
		}
	}
	/* The pipeline minus store and model: detection and correlation only, with
	 * the config's rules, decoders and correlation settings, then -r's rules. */
	struct vg_diag diag;
	vg_diag_init(&diag);
	struct vg_config *cfg = cfg_with_paths(cfg_path, "rules", rules, nrules);
	free(rules);
	char *none = strdup("none");
	if (!cfg || !none) {
		free(none);
		vg_config_destroy(cfg);
		return 2;
	}
	free(cfg->model.path);
	cfg->model.path = none;
	free(cfg->store.path);
	cfg->store.path = NULL;
	struct detect_out d = {.record = -1};
	struct vg_pipeline_hooks hooks = {.alert_tap = print_alert, .ctx = &d};
	struct vg_pipeline *p = NULL;
	vg_err err = vg_pipeline_new(cfg, &hooks, &p, &diag);
	vg_diag_print(&diag, stderr);
	if (err) {
		vg_diag_clear(&diag);
		vg_config_destroy(cfg);
		return 2;
	}
	struct vg_line_reader lr;
	const char *line;
	size_t len;
	struct vg_output *outs;
	size_t nouts;
	vg_buf_init(&d.buf);
	vg_line_reader_init(&lr, "detect", argv + optind, (size_t)(argc - optind));
	d.lr = &lr;
	vg_time now = vg_time_now();
	vg_pipeline_begin(p);
	enum vg_format ffmt = fmt;
	while (!err && (line = vg_line_reader_next(&lr, &len, &err))) {
		d.record++;
		struct vg_source src = {"input", 0, d.record};
		if (lr.index == 0 && fmt == VG_FMT_AUTO)
			ffmt = vg_format_of_file(lr.name, line, len);
		err = vg_pipeline_process(p, ffmt, line, len, &src, now);
		if (!err && (d.record + 1) % 4096 == 0) {
			/* keep the arena bounded: batches end regularly */
			if (!(err = vg_pipeline_end(p, &outs, &nouts)))
				err = vg_pipeline_begin(p);
		}
	}
	if (!err) {
		vg_pipeline_finish_input(p);
		err = vg_pipeline_end(p, &outs, &nouts);
	}
	struct vg_pipeline_stats st;
	vg_pipeline_stats(p, &st);
	char losses[256];
	vg_pipeline_losses_text(&st, NULL, losses, sizeof(losses));
	fprintf(stderr,
	        "vigil detect: %llu records, %llu events, %llu dead letters, %llu hits, "
	        "%llu alerts; %s\n",
	        (unsigned long long)st.records, (unsigned long long)st.events,
	        (unsigned long long)st.dead_letters, (unsigned long long)st.hits,
	        (unsigned long long)st.alerts, losses);
	vg_line_reader_free(&lr);
	vg_buf_free(&d.buf);
	vg_pipeline_destroy(p);
	vg_config_destroy(cfg);
	vg_diag_clear(&diag);
	return err ? 1 : 0;
}

/* Name a failed rule by "file\0id" from a diagnostic "file:l:c: error: rule 'id':"
 * into key; @return false when the message is not about one rule. */
static bool failed_rule_key(const char *msg, struct vg_buf *key)
{
	const char *e = strstr(msg, ": error: rule '");
	if (!e)
		return false;
	const char *id = e + strlen(": error: rule '");
	const char *end = strstr(id, "': ");
	const char *colon = e;
	for (int k = 0; k < 2 && colon > msg; k++) /* back over ":line:col" */
		while (colon > msg && *--colon != ':')
			;
	if (!end || colon <= msg)
		return false;
	vg_buf_reset(key);
	vg_buf_append(key, msg, (size_t)(colon - msg));
	vg_buf_putc(key, '\x1f');
	vg_buf_append(key, id, (size_t)(end - id));
	return !key->oom;
}

int vg_cli_rules(int argc, char **argv)
{
	static const struct option lopts[] = {{"verbose", no_argument, NULL, 'v'},
	                                      {NULL, 0, NULL, 0}};
	bool verbose = false;
	if (argc < 2 || strcmp(argv[1], "check") != 0) {
		vg_cli_usage(stderr, "rules");
		return 2;
	}
	/* options anywhere among the paths (-- ends them), as the other commands */
	argc--, argv++;
	int c;
	while ((c = getopt_long(argc, argv, "v", lopts, NULL)) != -1) {
		if (c != 'v') {
			vg_cli_usage(stderr, "rules");
			return 2;
		}
		verbose = true;
	}
	int first = optind;
	if (argc <= first) {
		vg_cli_usage(stderr, "rules");
		return 2;
	}
	struct vg_diag diag;
	struct vg_ruleset *rs = NULL;
	vg_diag_init(&diag);
	vg_err err = vg_fields_init(&diag);
	if (!err)
		err = vg_ruleset_load((const char *const *)argv + first,
		                      (size_t)(argc - first), &rs, &diag);
	/* errors always; a rule with several problems is listed once per problem but
	 * counted once */
	struct vg_strmap failed;
	struct vg_buf key;
	size_t nfailed = 0, other = 0, warnings = 0;
	vg_strmap_init(&failed);
	vg_buf_init(&key);
	for (size_t i = 0; i < diag.count; i++) {
		const char *m = diag.msgs[i];
		bool is_err = strstr(m, ": error: ") != NULL;
		if (!is_err) {
			warnings++;
			if (verbose)
				puts(m);
			continue;
		}
		puts(m);
		if (failed_rule_key(m, &key)) {
			if (!vg_strmap_get(&failed, key.data) &&
			    vg_strmap_put(&failed, key.data, (void *)1) == VG_OK)
				nfailed++;
		} else {
			other++; /* a file-level problem (YAML syntax, unreadable path) */
		}
	}
	size_t loaded = rs ? vg_ruleset_count(rs) : 0;
	if (!rs) /* a path that gave no rule fails the whole set, as at start-up */
		printf("rule set not loaded (the errors above); ");
	printf("%zu rules loaded, %zu rules could not be loaded (%.2f%% loaded), %zu "
	       "file-level errors, %zu warnings%s\n",
	       loaded, nfailed,
	       loaded + nfailed ? 100.0 * (double)loaded / (double)(loaded + nfailed)
	                        : 0.0,
	       other, warnings, verbose || !warnings ? "" : " (-v shows them)");
	vg_strmap_free(&failed);
	vg_buf_free(&key);
	vg_ruleset_destroy(rs);
	vg_diag_clear(&diag);
	return err ? 2 : 0;
}
