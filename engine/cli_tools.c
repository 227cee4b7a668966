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

void vg_line_reader_init(struct vg_line_reader *lr, char *const *files, size_t nfiles)
{
	memset(lr, 0, sizeof(*lr));
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
					fprintf(stderr, "vigil: %s: %s\n", lr->name,
					        strerror(errno));
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
		if (ferror(lr->fp))
			*err = VG_ERR_IO;
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
	fprintf(stderr,
	        "vigil: unknown format '%s' (auto, syslog, rfc3164, rfc5424, json)\n", s);
	return 2;
}

int vg_cli_parse(int argc, char **argv)
{
	static const struct option lopts[] = {{"format", required_argument, NULL, 'f'},
	                                      {"decoders", required_argument, NULL, 'd'},
	                                      {NULL, 0, NULL, 0}};
	enum vg_format fmt = VG_FMT_AUTO;
	const char *decoders[64];
	size_t ndec = 0;
	int c;
	while ((c = getopt_long(argc, argv, "f:d:", lopts, NULL)) != -1) {
		if (c == 'f' && parse_format_opt(optarg, &fmt))
			return 2;
		else if (c == 'd' && ndec < 64)
			decoders[ndec++] = optarg;
		else if (c != 'f' && c != 'd')
			return 2;
	}
	struct vg_diag diag;
	struct vg_parser *parser = NULL;
	vg_diag_init(&diag);
	struct vg_parser_conf pconf = {decoders, ndec, 0};
	if (vg_fields_init(&diag) || vg_parser_new(&pconf, &parser, &diag)) {
		vg_diag_print(&diag, stderr);
		vg_diag_clear(&diag);
		return 2;
	}
	struct vg_parse_ctx *ctx = vg_parse_ctx_new(parser);
	struct vg_arena *arena = vg_arena_new(0);
	struct vg_line_reader lr;
	struct vg_buf out;
	const char *line;
	size_t len;
	vg_err err = VG_OK;
	uint64_t ok = 0, dead = 0;
	vg_time now = vg_time_now();

	vg_buf_init(&out);
	vg_line_reader_init(&lr, argv + optind, (size_t)(argc - optind));
	while ((line = vg_line_reader_next(&lr, &len, &err))) {
		struct vg_event *ev;
		const char *reason;
		vg_arena_reset(arena);
		vg_buf_reset(&out);
		vg_err perr =
		    vg_parse(parser, ctx, fmt, line, len, now, arena, &ev, &reason);
		if (perr == VG_OK) {
			vg_event_to_json(ev, &out);
			ok++;
		} else {
			vg_buf_puts(&out, "{\"dead_letter\":{\"reason\":");
			vg_buf_json_str(&out, reason ? reason : vg_err_str(perr),
			                strlen(reason ? reason : vg_err_str(perr)));
			vg_buf_puts(&out, ",\"original\":");
			vg_buf_json_str(&out, line, len);
			vg_buf_printf(&out, ",\"file\":");
			vg_buf_json_str(&out, lr.name, strlen(lr.name));
			vg_buf_printf(&out, ",\"index\":%lld}}", (long long)lr.index);
			dead++;
		}
		puts(out.data);
	}
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

static void print_alert(const struct vg_alert *alert, void *ctx)
{
	struct detect_out *d = ctx;
	struct vg_rule_info info;
	char t[32];
	vg_rule_info(alert->rule, &info);
	vg_buf_reset(&d->buf);
	vg_buf_printf(&d->buf, "{\"type\":\"%s\",\"rule_id\":",
	              info.is_correlation ? "correlation" : "hit");
	vg_buf_json_str(&d->buf, info.id, strlen(info.id));
	vg_buf_puts(&d->buf, ",\"title\":");
	vg_buf_json_str(&d->buf, info.title, strlen(info.title));
	vg_buf_printf(&d->buf,
	              ",\"alert_id\":\"%s\",\"record\":%lld,\"first_seen\":", alert->id,
	              (long long)d->record);
	vg_buf_json_str(&d->buf, t, vg_time_format(alert->first_ts, t));
	vg_buf_printf(&d->buf, ",\"event_count\":%llu,\"records\":[",
	              (unsigned long long)alert->event_count);
	for (size_t i = 0; i < alert->nevents; i++)
		vg_buf_printf(&d->buf, "%s%lld", i ? "," : "",
		              (long long)alert->events[i].offset);
	vg_buf_puts(&d->buf, "],\"group\":{");
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
	                                      {NULL, 0, NULL, 0}};
	enum vg_format fmt = VG_FMT_AUTO;
	char *rules[256];
	size_t nrules = 0;
	int c;
	while ((c = getopt_long(argc, argv, "r:f:", lopts, NULL)) != -1) {
		if (c == 'r' && nrules < 256)
			rules[nrules++] = optarg;
		else if (c == 'f' && parse_format_opt(optarg, &fmt))
			return 2;
		else if (c != 'r' && c != 'f')
			return 2;
	}
	/* The pipeline minus store and model: detection and correlation only. */
	struct vg_diag diag;
	struct vg_config *cfg = NULL;
	vg_diag_init(&diag);
	if (vg_config_load_string("<detect>", "model: {path: none}", 19, &cfg, &diag)) {
		vg_diag_print(&diag, stderr);
		return 2;
	}
	free(cfg->store.path);
	cfg->store.path = NULL;
	cfg->rules.paths = calloc(nrules ? nrules : 1, sizeof(char *));
	for (size_t i = 0; i < nrules && cfg->rules.paths; i++)
		cfg->rules.paths[cfg->rules.npaths++] = strdup(rules[i]);
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
	vg_line_reader_init(&lr, argv + optind, (size_t)(argc - optind));
	d.lr = &lr;
	vg_time now = vg_time_now();
	vg_pipeline_begin(p);
	while (!err && (line = vg_line_reader_next(&lr, &len, &err))) {
		d.record++;
		struct vg_source src = {"input", 0, d.record};
		err = vg_pipeline_process(p, fmt, line, len, &src, now);
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
	fprintf(stderr,
	        "vigil detect: %llu records, %llu events, %llu dead letters, %llu hits, "
	        "%llu alerts\n",
	        (unsigned long long)st.records, (unsigned long long)st.events,
	        (unsigned long long)st.dead_letters, (unsigned long long)st.hits,
	        (unsigned long long)st.alerts);
	vg_line_reader_free(&lr);
	vg_buf_free(&d.buf);
	vg_pipeline_destroy(p);
	vg_config_destroy(cfg);
	vg_diag_clear(&diag);
	return err ? 1 : 0;
}

int vg_cli_rules(int argc, char **argv)
{
	if (argc < 3 || strcmp(argv[1], "check") != 0) {
		fprintf(stderr, "usage: vigil rules check PATH...\n");
		return 2;
	}
	struct vg_diag diag;
	struct vg_ruleset *rs = NULL;
	vg_diag_init(&diag);
	vg_err err = vg_fields_init(&diag);
	if (!err)
		err = vg_ruleset_load((const char *const *)argv + 2, (size_t)argc - 2,
		                      &rs, &diag);
	vg_diag_print(&diag, stdout);
	size_t loaded = rs ? vg_ruleset_count(rs) : 0;
	printf("%zu rules loaded, %zu could not be loaded\n", loaded, diag.errors);
	vg_ruleset_destroy(rs);
	vg_diag_clear(&diag);
	return err ? 2 : 0;
}

int vg_cli_scenario(int argc, char **argv)
{
	static const struct option lopts[] = {{"seed", required_argument, NULL, 's'},
	                                      {"hours", required_argument, NULL, 'H'},
	                                      {"hosts", required_argument, NULL, 'n'},
	                                      {"no-attack", no_argument, NULL, 'A'},
	                                      {"variants", no_argument, NULL, 'V'},
	                                      {"labels", required_argument, NULL, 'l'},
	                                      {"start", required_argument, NULL, 'S'},
	                                      {"keys", no_argument, NULL, 'k'},
	                                      {NULL, 0, NULL, 0}};
	struct vg_scenario_params params = {
	    .seed = 7,
	    .start = vg_time_from_civil(2026, 11, 20, 6, 0, 0, 0),
	    .hours = 12,
	    .hosts = 4,
	    .attack = true};
	const char *labels = NULL;
	bool keys = false;
	int c;
	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case 's': params.seed = strtoull(optarg, NULL, 10); break;
		case 'H': params.hours = atoi(optarg); break;
		case 'n': params.hosts = atoi(optarg); break;
		case 'A': params.attack = false; break;
		case 'V': params.variants = true; break;
		case 'l': labels = optarg; break;
		case 'k': keys = true; break;
		case 'S':
			if (vg_time_parse_rfc3339(optarg, strlen(optarg), INT32_MIN,
			                          &params.start)) {
				fprintf(stderr, "vigil scenario: --start wants an RFC "
				                "3339 time with a "
				                "zone, e.g. 2026-11-20T06:00:00Z\n");
				return 2;
			}
			break;
		default:
			fprintf(
			    stderr,
			    "usage: vigil scenario [--seed N] [--hours N] [--hosts N] "
			    "[--no-attack] [--variants] [--start TIME] [--keys] "
			    "[--labels FILE]\n");
			return 2;
		}
	}
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
	if (lf)
		fclose(lf);
	vg_scenario_free(&sc);
	return 0;
}
