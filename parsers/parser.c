/*
 * parser.c - the public face of parsers/: building a parser, per-thread contexts and
 * vg_parse, which picks the framing and then runs the decoders.
 *
 * Invariants: a struct vg_parser is immutable once vg_parser_new returns (decoders,
 * aliases and field ids are fixed), so threads share it freely; everything mutable
 * while parsing (PCRE2 match data, JSON scratch) lives in a struct vg_parse_ctx, one
 * per thread.  vg_parse allocates only from the caller's arena, never with malloc.
 * A record is never dropped silently: it becomes an event or a VG_ERR_PARSE reason.
 */
#include "parsers_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const g_format_names[] = {
    [VG_FMT_AUTO] = "auto",       [VG_FMT_SYSLOG] = "syslog",
    [VG_FMT_RFC3164] = "rfc3164", [VG_FMT_RFC5424] = "rfc5424",
    [VG_FMT_JSON] = "json",       [VG_FMT_AITADS] = "aitads",
    [VG_FMT_AUDITD] = "auditd",
};

bool vg_format_from_name(const char *name, enum vg_format *out)
{
	for (size_t i = 0; i < sizeof(g_format_names) / sizeof(g_format_names[0]); i++) {
		if (name && strcmp(name, g_format_names[i]) == 0) {
			*out = (enum vg_format)i;
			return true;
		}
	}
	return false;
}

const char *vg_format_name(enum vg_format fmt)
{
	if ((size_t)fmt < sizeof(g_format_names) / sizeof(g_format_names[0]))
		return g_format_names[fmt];
	return "unknown";
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

enum vg_format vg_format_of_file(const char *name, const char *first, size_t len)
{
	static const char header[] = "time,name,ip,host,short,time_label,event_label";
	while (len && (first[len - 1] == '\r' || first[len - 1] == '\n'))
		len--;
	if (first && len == sizeof(header) - 1 && memcmp(first, header, len) == 0)
		return VG_FMT_AITADS;
	if (name && (ends_with(name, ".json") || ends_with(name, ".jsonl") ||
	             ends_with(name, ".ndjson")))
		return VG_FMT_JSON;
	return VG_FMT_AUTO;
}

static vg_err lookup_ids(struct vgp_ids *id, struct vg_diag *diag)
{
	static const struct {
		const char *name;
		size_t off;
	} want[] = {
	    {"@timestamp", offsetof(struct vgp_ids, timestamp)},
	    {"message", offsetof(struct vgp_ids, message)},
	    {"host.name", offsetof(struct vgp_ids, host_name)},
	    {"log.syslog.priority", offsetof(struct vgp_ids, priority)},
	    {"log.syslog.facility.code", offsetof(struct vgp_ids, facility)},
	    {"log.syslog.severity.code", offsetof(struct vgp_ids, severity)},
	    {"log.syslog.version", offsetof(struct vgp_ids, version)},
	    {"log.syslog.appname", offsetof(struct vgp_ids, appname)},
	    {"log.syslog.procid", offsetof(struct vgp_ids, procid)},
	    {"log.syslog.msgid", offsetof(struct vgp_ids, msgid)},
	    {"log.syslog.structured_data", offsetof(struct vgp_ids, structured_data)},
	    {"process.name", offsetof(struct vgp_ids, process_name)},
	    {"process.pid", offsetof(struct vgp_ids, process_pid)},
	    {"vigil.format", offsetof(struct vgp_ids, vigil_format)},
	    {"vigil.decoder", offsetof(struct vgp_ids, vigil_decoder)},
	    {"event.module", offsetof(struct vgp_ids, event_module)},
	    {"event.dataset", offsetof(struct vgp_ids, event_dataset)},
	    {"vigil.claimed_time", offsetof(struct vgp_ids, vigil_claimed_time)},
	};
	vg_err err = VG_OK;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		vg_field f = vg_field_lookup(want[i].name, strlen(want[i].name));
		if (f == VG_FIELD_NONE) {
			vg_diag_error(
			    diag, "schemas/fields.yaml", 0, 0,
			    "field '%s' is required by parsers/ but not declared",
			    want[i].name);
			err = VG_ERR_CONFIG;
		}
		*(vg_field *)((char *)id + want[i].off) = f;
	}
	return err;
}

vg_err vgp_ep_ids_load(struct vgp_ep_ids *ep, struct vg_diag *diag)
{
	vg_err err = VG_OK;
#define VGP_EP_LOAD(m, name)                                                             \
	if ((ep->m = vg_field_intern(name, strlen(name))) == VG_FIELD_NONE) {            \
		vg_diag_error(diag, NULL, 0, 0, "field registry full: cannot add '%s'",  \
		              name);                                                     \
		err = VG_ERR_CONFIG;                                                     \
	}
	VGP_EP_FIELDS(VGP_EP_LOAD)
#undef VGP_EP_LOAD
	return err;
}

vg_err vg_parser_new(const struct vg_parser_conf *conf, struct vg_parser **out,
                     struct vg_diag *diag)
{
	struct vg_parser *parser = NULL;
	vg_err err;

	*out = NULL;
	if ((err = vg_fields_init(diag)) != VG_OK)
		return err;
	parser = calloc(1, sizeof(*parser));
	if (!parser)
		return VG_ERR_NOMEM;
	parser->rfc3164_utc_offset_sec = conf ? conf->rfc3164_utc_offset_sec : 0;
	parser->max_future = conf && conf->max_future > 0 ? conf->max_future : 0;
	if (parser->rfc3164_utc_offset_sec <= -86400 ||
	    parser->rfc3164_utc_offset_sec >= 86400) {
		vg_diag_error(diag, NULL, 0, 0,
		              "rfc3164 UTC offset %d s is not within a day",
		              parser->rfc3164_utc_offset_sec);
		err = VG_ERR_CONFIG;
		goto fail;
	}
	if ((err = lookup_ids(&parser->id, diag)) != VG_OK ||
	    (err = vgp_ep_ids_load(&parser->ep, diag)) != VG_OK ||
	    (err = vgp_jpaths_load(parser)) != VG_OK)
		goto fail;
	/* Both always run, so a broken alias file and broken decoders show together. */
	err = vgp_aliases_load(&parser->aliases, diag);
	vg_err derr = vgp_decoders_load(&parser->decoders, conf, diag);
	if (err == VG_OK)
		err = derr;
	if (err != VG_OK)
		goto fail;
	*out = parser;
	return VG_OK;
fail:
	vg_parser_destroy(parser);
	return err == VG_ERR_NOMEM ? err : VG_ERR_CONFIG;
}

void vg_parser_destroy(struct vg_parser *parser)
{
	if (!parser)
		return;
	vgp_aliases_free(&parser->aliases);
	vgp_decoders_free(&parser->decoders);
	vgp_strmap_free(&parser->jpaths);
	free(parser);
}

size_t vg_parser_decoder_count(const struct vg_parser *parser)
{
	return parser ? parser->decoders.count : 0;
}

struct vg_parse_ctx *vg_parse_ctx_new(const struct vg_parser *parser)
{
	struct vg_parse_ctx *ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return NULL;
	ctx->parser = parser;
	ctx->rl = (struct vg_ratelimit)VG_RATELIMIT_INIT(5, 60);
	ctx->md = pcre2_match_data_create(parser->decoders.max_ovector, NULL);
	ctx->mctx = pcre2_match_context_create(NULL);
	ctx->jit_stack = pcre2_jit_stack_create(32 * 1024, VGP_JIT_STACK_MAX, NULL);
	size_t nt = parser->aliases.ntargets;
	ctx->js.prio = malloc((nt ? nt : 1) * sizeof(*ctx->js.prio));
	ctx->keys = calloc(1, sizeof(*ctx->keys)); /* empty: parser NULL */
	if (!ctx->md || !ctx->mctx || !ctx->jit_stack || !ctx->js.prio || !ctx->keys) {
		vg_parse_ctx_destroy(ctx);
		return NULL;
	}
	pcre2_set_match_limit(ctx->mctx, VGP_MATCH_LIMIT);
	pcre2_set_depth_limit(ctx->mctx, VGP_DEPTH_LIMIT);
	pcre2_jit_stack_assign(ctx->mctx, NULL, ctx->jit_stack);
	return ctx;
}

void vg_parse_ctx_destroy(struct vg_parse_ctx *ctx)
{
	if (!ctx)
		return;
	pcre2_match_data_free(ctx->md);
	pcre2_match_context_free(ctx->mctx);
	pcre2_jit_stack_free(ctx->jit_stack);
	free(ctx->js.prio);
	free(ctx->keys);
	for (size_t i = 0; i < VGP_AUDIT_OPEN; i++)
		vg_buf_free(&ctx->audit[i].text);
	free(ctx);
}

/* "<digits>1 " starts an RFC 5424 record (the PRI itself is checked later). */
static bool looks_5424(const char *buf, size_t len)
{
	size_t i = 1;
	if (len < 4 || buf[0] != '<')
		return false;
	while (i < len && i <= 5 && buf[i] >= '0' && buf[i] <= '9')
		i++;
	return i > 1 && i + 2 < len && buf[i] == '>' && buf[i + 1] == '1' &&
	       buf[i + 2] == ' ';
}

/* "[node=NAME ]type=... msg=audit(" at the start: a raw Linux audit record (the
 * node= prefix is auditd's name_format). */
static bool looks_auditd(const char *buf, size_t len)
{
	if (len > 5 && memcmp(buf, "node=", 5) == 0) {
		const char *sp = memchr(buf, ' ', len < 261 ? len : 261);
		if (!sp)
			return false;
		len -= (size_t)(sp + 1 - buf);
		buf = sp + 1;
	}
	if (len < 16 || memcmp(buf, "type=", 5) != 0)
		return false;
	size_t lim = len < 64 ? len : 64;
	return memmem(buf, lim, " msg=audit(", 11) != NULL;
}

/* An event time more than max_future after the record's reference time: flagged
 * (ts_future) with the claim in vigil.claimed_time, for rules and for the caller,
 * who decides what time the event takes.  @return VG_OK or VG_ERR_NOMEM. */
static vg_err mark_future(const struct vg_parser *parser, struct vg_event *ev,
                          vg_time ref_time)
{
	if (!parser->max_future || ev->ts == VG_TIME_NONE || ref_time == VG_TIME_NONE ||
	    ev->ts - parser->max_future <= ref_time)
		return VG_OK;
	char claimed[32];
	size_t n = vg_time_format(ev->ts, claimed);
	ev->ts_future = true;
	return vg_event_set_copy(ev, parser->id.vigil_claimed_time, claimed, n, VG_VK_STR)
	           ? VG_ERR_NOMEM
	           : VG_OK;
}

vg_err vg_parse(const struct vg_parser *parser, struct vg_parse_ctx *ctx,
                enum vg_format fmt, const char *buf, size_t len, vg_time ref_time,
                struct vg_arena *arena, struct vg_event **out, const char **reason)
{
	struct vgp_syslog sl = {{NULL, 0}, {NULL, 0}};
	size_t n = len;
	vg_err err;

	*out = NULL;
	*reason = NULL;
	if (!parser || !ctx || !arena || (!buf && len)) {
		*reason = "invalid arguments";
		return VG_ERR_INVALID;
	}
	/* A line terminator is transport, not content. */
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	if (n == 0) {
		*reason = "empty record";
		return VG_ERR_PARSE;
	}
	struct vg_event *ev = vg_event_new(arena);
	if (!ev)
		return VG_ERR_NOMEM;
	ev->raw = vg_str_make(buf, len);

	if (fmt == VG_FMT_AUTO) {
		size_t i = 0;
		while (i < n && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' ||
		                 buf[i] == '\n'))
			i++;
		fmt = i < n && buf[i] == '{' ? VG_FMT_JSON
		      : looks_auditd(buf, n) ? VG_FMT_AUDITD
		                             : VG_FMT_SYSLOG;
	}
	if (fmt == VG_FMT_SYSLOG)
		fmt = looks_5424(buf, n) ? VG_FMT_RFC5424 : VG_FMT_RFC3164;

	switch (fmt) {
	case VG_FMT_RFC5424:
		err = vgp_parse_rfc5424(parser, buf, n, ref_time, ev, &sl, reason);
		break;
	case VG_FMT_RFC3164:
		err = vgp_parse_rfc3164(parser, buf, n, ref_time, ev, &sl, reason);
		break;
	case VG_FMT_JSON:
		err = vgp_parse_json_event(parser, ctx, buf, n, ref_time, ev, reason);
		break;
	case VG_FMT_AITADS: err = vgp_parse_aitads(parser, buf, n, ev, reason); break;
	case VG_FMT_AUDITD:
		err = vgp_parse_auditd(parser, buf, n, ref_time, ev, reason);
		break;
	default: *reason = "unknown format"; return VG_ERR_INVALID;
	}
	if (err == VG_OK && (fmt == VG_FMT_RFC5424 || fmt == VG_FMT_RFC3164))
		err = vgp_decode(parser, ctx, ev, &sl);
	if (err == VG_OK)
		err = mark_future(parser, ev, ref_time);
	if (err == VG_OK && ev->oom)
		err = VG_ERR_NOMEM; /* a vgp_set could not grow the event */
	if (err != VG_OK) {
		if (err == VG_ERR_NOMEM && !*reason)
			*reason = "out of memory";
		return err;
	}
	*out = ev;
	return VG_OK;
}

/* ------------------------------------------------------------ streams */

static vg_err emit_one(vg_parse_emit_fn emit, void *ud, struct vg_event *ev,
                       const char *reason, const char *raw, size_t len,
                       const struct vg_source *src)
{
	static const struct vg_source none = {NULL, -1, 0};
	if (ev && src)
		ev->src = *src;
	return emit(ud, ev, reason, raw, len, src ? src : &none);
}

/* Emit group g (pending) as its event, or a dead letter; the slot is free after. */
static vg_err emit_group(const struct vg_parser *parser, struct vgp_audit_group *g,
                         vg_time ref_time, struct vg_arena *arena, vg_parse_emit_fn emit,
                         void *ud)
{
	const char *reason = NULL;
	if (g->text.oom) {
		g->nrecords = 0;
		vg_buf_reset(&g->text);
		return VG_ERR_NOMEM;
	}
	struct vg_source src = g->src;
	size_t len = g->text.len;
	char *text = vg_arena_strndup(arena, g->text.data, len);
	g->nrecords = 0;
	g->key_len = 0;
	vg_buf_reset(&g->text);
	if (!text)
		return VG_ERR_NOMEM;
	struct vg_event *ev = vg_event_new(arena);
	if (!ev)
		return VG_ERR_NOMEM;
	ev->raw = vg_str_make(text, len);
	vg_err err = vgp_parse_auditd(parser, text, len, ref_time, ev, &reason);
	if (err == VG_OK)
		err = mark_future(parser, ev, ref_time);
	if (err == VG_OK && ev->oom)
		err = VG_ERR_NOMEM;
	if (err == VG_ERR_PARSE)
		return emit_one(emit, ud, NULL, reason, text, len, &src);
	if (err)
		return err;
	return emit_one(emit, ud, ev, NULL, text, len, &src);
}

/* The pending group other than `but` that began first (the smallest offset a
 * restart must read from), or NULL; with seq, the number of a record of another
 * event (0: none), the first of those that record ends (see vg_parse_feed). */
static struct vgp_audit_group *
oldest_group(struct vg_parse_ctx *ctx, const struct vgp_audit_group *but, uint64_t seq)
{
	struct vgp_audit_group *o = NULL;
	for (size_t i = 0; i < VGP_AUDIT_OPEN; i++) {
		struct vgp_audit_group *x = &ctx->audit[i];
		if (x != but && x->nrecords &&
		    (!seq || !x->syscall || x->last + VGP_AUDIT_WAIT < seq) &&
		    (!o || x->first < o->first))
			o = x;
	}
	return o;
}

vg_err vg_parse_flush(const struct vg_parser *parser, struct vg_parse_ctx *ctx,
                      vg_time ref_time, struct vg_arena *arena, vg_parse_emit_fn emit,
                      void *ud)
{
	vg_err err = VG_OK;
	for (struct vgp_audit_group *g; !err && (g = oldest_group(ctx, NULL, 0));)
		err = emit_group(parser, g, ref_time, arena, emit, ud);
	return err;
}

size_t vg_parse_pending(const struct vg_parse_ctx *ctx)
{
	size_t n = 0;
	for (size_t i = 0; ctx && i < VGP_AUDIT_OPEN; i++)
		n += ctx->audit[i].nrecords;
	return n;
}

const struct vg_source *vg_parse_pending_source(const struct vg_parse_ctx *ctx)
{
	const struct vgp_audit_group *o =
	    ctx ? oldest_group((struct vg_parse_ctx *)ctx, NULL, 0) : NULL;
	return o ? &o->src : NULL;
}

bool vg_parse_groups(enum vg_format fmt, const char *buf, size_t len)
{
	if (fmt == VG_FMT_AUDITD)
		return true;
	if (fmt != VG_FMT_AUTO || !buf)
		return false;
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	return looks_auditd(buf, len);
}

vg_err vg_parse_feed(const struct vg_parser *parser, struct vg_parse_ctx *ctx,
                     enum vg_format fmt, const char *buf, size_t len,
                     const struct vg_source *src, vg_time ref_time,
                     struct vg_arena *arena, vg_parse_emit_fn emit, void *ud)
{
	struct vg_event *ev = NULL;
	const char *reason = NULL;
	vg_err err;

	if (!parser || !ctx || !arena || !emit || (!buf && len))
		return VG_ERR_INVALID;
	size_t n = len;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	if (fmt == VG_FMT_AUTO && looks_auditd(buf, n))
		fmt = VG_FMT_AUDITD;
	if (fmt != VG_FMT_AUDITD) {
		err = vg_parse(parser, ctx, fmt, buf, len, ref_time, arena, &ev, &reason);
		if (err == VG_ERR_PARSE || err == VG_ERR_INVALID)
			return emit_one(emit, ud, NULL, reason, buf, len, src);
		if (err)
			return err;
		return emit_one(emit, ud, ev, NULL, buf, len, src);
	}

	struct vg_str key, type = {NULL, 0};
	err = n ? vgp_auditd_key(buf, n, arena, &key, &type, &reason) : VG_ERR_PARSE;
	if (!n)
		reason = "empty record";
	if (err == VG_ERR_PARSE)
		return emit_one(emit, ud, NULL, reason, buf, len, src);
	if (err)
		return err;
	bool eoe = vg_str_eq(type, "EOE");
	uint64_t seq = ++ctx->audit_seq;
	if (key.len > sizeof(ctx->audit[0].key))
		key.len =
		    sizeof(ctx->audit[0].key); /* vgp_auditd_key bounds it; be safe */
	struct vgp_audit_group *g = NULL;
	for (size_t i = 0; i < VGP_AUDIT_OPEN && !g; i++)
		if (ctx->audit[i].nrecords && ctx->audit[i].key_len == key.len &&
		    !memcmp(ctx->audit[i].key, key.ptr, key.len))
			g = &ctx->audit[i];
	/* A record of one event ends the others that are complete: those without a
	 * SYSCALL record (single-record events: a login, a user command), and a
	 * syscall event VGP_AUDIT_WAIT records of other events after its last one
	 * (its EOE lost, or a source that drops EOE records).  A syscall event
	 * waits for its EOE while other events' records come in between, as the
	 * kernel interleaves them: ended by them, its SYSCALL record and its
	 * EXECVE made two events, neither with both the executable and the
	 * command line. */
	for (struct vgp_audit_group *o;
	     (o = oldest_group(ctx, g, seq));) /* oldest first */
		if ((err = emit_group(parser, o, ref_time, arena, emit, ud)))
			return err;
	if (!g) {
		if (eoe)
			return VG_OK; /* a lone end-of-event marker: nothing to group */
		for (size_t i = 0; i < VGP_AUDIT_OPEN && !g; i++)
			if (!ctx->audit[i].nrecords)
				g = &ctx->audit[i];
		if (!g) { /* VGP_AUDIT_OPEN events open: the oldest ends */
			g = oldest_group(ctx, NULL, 0);
			if ((err = emit_group(parser, g, ref_time, arena, emit, ud)))
				return err;
		}
		memcpy(g->key, key.ptr, key.len);
		g->key_len = key.len;
		g->src = src ? *src : (struct vg_source){NULL, -1, 0};
		g->first = seq;
		g->syscall = false;
	} else {
		vg_buf_putc(&g->text, '\n');
	}
	vg_buf_append(&g->text, buf, n);
	g->nrecords++;
	g->last = seq;
	g->syscall = g->syscall || vg_str_eq(type, "SYSCALL");
	if (eoe || g->nrecords >= VG_AUDIT_GROUP_MAX ||
	    g->text.len >= VG_AUDIT_GROUP_BYTES)
		return emit_group(parser, g, ref_time, arena, emit, ud);
	return VG_OK;
}
