/*
 * vg_parsers.h - normalization: raw record bytes -> struct vg_event.
 *
 * Framing (RFC 3164, RFC 5424, JSON lines) produces the base event; decoders
 * (YAML files with PCRE2 patterns, selected by program name or a literal prefilter)
 * then refine it into ECS fields (schemas/fields.yaml).  A record that cannot be
 * understood is never dropped: vg_parse returns VG_ERR_PARSE with a reason, and the
 * caller sends the original bytes and that reason to the dead-letter topic.
 *
 * Threading: a struct vg_parser is immutable after vg_parser_new and may be shared;
 * each thread uses its own struct vg_parse_ctx (PCRE2 match data lives there).
 * This module knows nothing of Kafka or SQLite.
 */
#ifndef VG_PARSERS_H
#define VG_PARSERS_H

#include "vg_core.h"

#ifdef __cplusplus
extern "C" {
#endif

/** How a record is framed. */
enum vg_format {
	VG_FMT_AUTO = 0, /**< JSON if it starts with '{', else syslog */
	VG_FMT_SYSLOG,   /**< RFC 5424 if "<PRI>1 ", else RFC 3164 */
	VG_FMT_RFC3164,
	VG_FMT_RFC5424,
	VG_FMT_JSON,   /**< one JSON object per record (endpoint events, Suricata EVE,
	                  Wazuh alerts, osquery results: the shape is detected) */
	VG_FMT_AITADS, /**< one AIT-ADS alert CSV row: time,name,ip,host,short,
	                  time_label,event_label.  The two label columns (evaluation
	                  ground truth) never enter the event, not even ev->raw, which
	                  is cut before them.  The header row is a dead letter with the
	                  reason "aitads: header row". */
	VG_FMT_AUDITD, /**< Linux audit records "type=T msg=audit(SEC.MS:SERIAL): k=v",
	                  each optionally prefixed by "node=NAME ".  vg_parse takes one
	                  record, or several records of one event, newline-separated
	                  or several on one line (as the Wazuh agent forwards them);
	                  vg_parse_feed groups a stream.  VG_FMT_AUTO detects a record
	                  with or without the node= prefix. */
};

/** @brief Parse a format name ("auto", "syslog", "rfc3164", "rfc5424", "json",
 *  "aitads", "auditd").  @return true on success. */
bool vg_format_from_name(const char *name, enum vg_format *out);
/** @return the canonical name of fmt. */
const char *vg_format_name(enum vg_format fmt);
/**
 * @brief The format a whole file of records is in, when nobody said: from its
 * first record (without its line terminator) and its name.  VG_FMT_AITADS when the
 * first record is the AIT-ADS header (time,name,ip,host,short,time_label,
 * event_label: its rows are CSV that no per-record test can tell from syslog);
 * VG_FMT_JSON for a name ending in .json, .jsonl or .ndjson (a stray line is then
 * reported as the JSON it is not, rather than as syslog); else VG_FMT_AUTO, each
 * record on its own.
 */
enum vg_format vg_format_of_file(const char *name, const char *first, size_t len);

struct vg_parser_conf {
	/** Decoder files or directories (*.yaml, *.yml).  When n_decoder_paths is 0
	 *  the decoders embedded from parsers/decoders/ are used. */
	const char *const *decoder_paths;
	size_t n_decoder_paths;
	/** NULL, or per decoder path where a config named it: a path that cannot be
	 *  opened, or gives no decoder, is reported there (file:line:col). */
	const struct vg_named_at *decoder_named_at;
	/** UTC offset assumed for RFC 3164 timestamps, which carry no zone. */
	int rfc3164_utc_offset_sec;
	/** An event time more than this after its record's ref_time is flagged:
	 *  ev->ts_future, the claim in vigil.claimed_time (ev->ts unchanged; the
	 *  caller decides).  0: no limit. */
	vg_time max_future;
};

struct vg_parser;
struct vg_parse_ctx;

/**
 * @brief Load decoders and build a parser.
 * @return VG_OK and *out, or VG_ERR_CONFIG with every problem in diag
 *         ("file:line:col: error: ...", PCRE2 compile errors with the pattern offset).
 */
vg_err vg_parser_new(const struct vg_parser_conf *conf, struct vg_parser **out,
                     struct vg_diag *diag);
/** @brief Destroy; NULL is allowed. */
void vg_parser_destroy(struct vg_parser *parser);
/** @return how many decoders were loaded. */
size_t vg_parser_decoder_count(const struct vg_parser *parser);

/** @return per-thread scratch for parser, or NULL when out of memory. */
struct vg_parse_ctx *vg_parse_ctx_new(const struct vg_parser *parser);
/** @brief Destroy; NULL is allowed. */
void vg_parse_ctx_destroy(struct vg_parse_ctx *ctx);

/**
 * @brief Normalize one record.
 * @param buf,len   the record; values in the event may point into it, so it must
 *                  outlive the arena's next reset.
 * @param ref_time  when the record was made (the Kafka message timestamp, or the
 *                  wall clock read by engine/; VG_TIME_NONE: unknown): RFC 3164's
 *                  missing year, and the reference of vg_parser_conf.max_future.
 *                  The clock is never read here.
 * @param arena     where the event is allocated.
 * @param out       the event on success.
 * @param reason    on failure, a short static or arena-allocated reason such as
 *                  "rfc5424: invalid PRI at column 1".
 * @return VG_OK, VG_ERR_PARSE (a dead letter), or VG_ERR_NOMEM.
 */
vg_err vg_parse(const struct vg_parser *parser, struct vg_parse_ctx *ctx,
                enum vg_format fmt, const char *buf, size_t len, vg_time ref_time,
                struct vg_arena *arena, struct vg_event **out, const char **reason);

/*
 * Streams whose events span several records (auditd: SYSCALL, EXECVE, CWD, PATH,
 * PROCTITLE ... records of one audit(ts:serial), which the kernel may interleave
 * with those of other events).
 *
 * vg_parse_feed takes records one at a time and hands every finished result to emit,
 * in input order per group: an event, or a dead letter (ev NULL, reason set).  For
 * VG_FMT_AUDITD a record is held in ctx (copied: buf need not outlive the call) in
 * its audit(ts:serial)'s group, up to 8 open at once, until the group ends, which is
 * when
 *  - an EOE record of its serial arrives (the group is emitted with it),
 *  - a record of another audit(ts:serial) arrives and the group has no SYSCALL
 *    record (a single-record event: a login, a user command), or has one but
 *    its last record came 16 records before (its EOE lost, or not sent) -- a
 *    syscall event waits for its EOE while other events' records come between
 *    its own,
 *  - a ninth event begins (the one that began first ends),
 *  - the group reaches VG_AUDIT_GROUP_MAX records or VG_AUDIT_GROUP_BYTES bytes (it
 *    is emitted; later records of that serial form another event), or
 *  - the caller calls vg_parse_flush (end of input, an idle partition, or before
 *    committing offsets: a pending group holds records not yet in any event).
 * The emitted event's ev->src is the source of the group's FIRST record, and ev->raw
 * the group's records joined by '\n' (in arena); a record that is not auditd is a
 * dead letter emitted at once, without disturbing the pending group.  Every other
 * format is parsed by vg_parse and emitted at once, so callers may use vg_parse_feed
 * for every input.  One ctx groups one stream (one partition): give each input
 * stream its own ctx.
 */
#define VG_AUDIT_GROUP_MAX   128
#define VG_AUDIT_GROUP_BYTES (256u * 1024u)

/**
 * @brief One result of vg_parse_feed / vg_parse_flush.
 * @param ev      the event (in the arena given to the call), or NULL for a dead letter.
 * @param reason  the dead-letter reason (NULL for an event).
 * @param raw,raw_len  the record(s) the result came from (a dead letter's original
 *                bytes; valid during the callback only).
 * @param src     the source of the (first) record.
 * @return VG_OK to go on; another value stops and is returned by the feed/flush.
 */
typedef vg_err (*vg_parse_emit_fn)(void *ud, struct vg_event *ev, const char *reason,
                                   const char *raw, size_t raw_len,
                                   const struct vg_source *src);

/**
 * @brief Feed one record of a stream (see above).  src may be NULL.
 * @return VG_OK (dead letters are emitted, not returned), VG_ERR_NOMEM, or what emit
 *         returned.
 */
vg_err vg_parse_feed(const struct vg_parser *parser, struct vg_parse_ctx *ctx,
                     enum vg_format fmt, const char *buf, size_t len,
                     const struct vg_source *src, vg_time ref_time,
                     struct vg_arena *arena, vg_parse_emit_fn emit, void *ud);
/** @brief Emit the pending groups, if any, in the order they began.  @return as
 *  vg_parse_feed. */
vg_err vg_parse_flush(const struct vg_parser *parser, struct vg_parse_ctx *ctx,
                      vg_time ref_time, struct vg_arena *arena, vg_parse_emit_fn emit,
                      void *ud);
/** @return how many records ctx holds in its pending groups (0 = nothing to flush). */
size_t vg_parse_pending(const struct vg_parse_ctx *ctx);
/** @return the source of the first record of the pending group that began first
 *  (its offset is where a restart must read from), or NULL when nothing is
 *  pending. */
const struct vg_source *vg_parse_pending_source(const struct vg_parse_ctx *ctx);
/** @return whether vg_parse_feed groups this record with others (auditd, named
 *  or found by VG_FMT_AUTO) rather than parsing it on its own. */
bool vg_parse_groups(enum vg_format fmt, const char *buf, size_t len);

/** How records are delimited in a byte stream (RFC 6587 section 3.4). */
enum vg_framing {
	VG_FRAMING_AUTO = 0, /**< per record: octet counting when it starts with 1-9,
	                          else newline-terminated */
	VG_FRAMING_OCTET,    /**< "MSG-LEN SP SYSLOG-MSG" (RFC 6587 3.4.1, RFC 5425) */
	VG_FRAMING_LF,       /**< non-transparent: each record ends with LF (3.4.2) */
};

/** Largest record vg_frame_next accepts when max_len is 0. */
#define VG_FRAME_MAX_DEFAULT 65536u

/**
 * @brief Cut the next record off a syslog byte stream (TCP, a file, a Kafka message
 *        carrying several records).  Stateless: the caller keeps the unread bytes.
 * @param mode     how records are delimited.
 * @param buf,len  the unread bytes.
 * @param at_eof   no more bytes will follow: a last LF record without its LF is a
 *                 record; an octet-counted record shorter than its MSG-LEN is an error.
 * @param max_len  largest octet-counted MSG-LEN accepted; 0 = VG_FRAME_MAX_DEFAULT
 *                 (LF records are as long as the buffer allows).
 * @param rec,rec_len  out: the record, pointing into buf (LF and a CR before it
 *                 are not part of it).  Empty LF lines are skipped, never returned.
 * @param used     out: bytes of buf consumed (record and framing).
 * @param reason   out on VG_ERR_PARSE: a static text such as
 *                 "octet-counting: MSG-LEN 16 exceeds the limit 10".
 * @return VG_OK with a record; VG_ERR_NOTFOUND when buf holds no complete record
 *         (more bytes are needed, or at_eof and nothing is left; *used says how many
 *         blank bytes were skipped); VG_ERR_PARSE when octet-counted framing is broken.
 *         Octet counting cannot resynchronise, so after VG_ERR_PARSE *used == len: the
 *         caller dead-letters the rest of the stream with the reason.  Cost: O(record).
 */
vg_err vg_frame_next(enum vg_framing mode, const char *buf, size_t len, bool at_eof,
                     size_t max_len, const char **rec, size_t *rec_len, size_t *used,
                     const char **reason);

/* ------------------------------------------------------------------ JSON */

/**
 * @brief Called by vg_json_walk once per leaf of the object, in document order.
 * path is the dotted key path ("learner.objective.name", path_len bytes, not
 * NUL-terminated); path_stable says it points into the text and may be kept,
 * otherwise it is overwritten by the next leaf.  val (val_len bytes) is a string
 * unescaped, any other value as it is written (an array as its JSON text); it
 * lives in the text or the arena.  @return VG_OK to go on, anything else to stop
 * the walk with that error.
 */
typedef vg_err (*vg_json_leaf_fn)(void *ud, const char *path, size_t path_len,
                                  bool path_stable, const char *val, size_t val_len,
                                  enum vg_value_kind kind);

/**
 * @brief Walk one JSON text whose top level is an object, with the reader of JSON
 *        records (RFC 8259, strict; parsers/json.c): for small documents
 *        outside the event path, such as XGBoost's learner configuration
 *        (models/booster.c).
 * @param arena   holds unescaped strings and the reason; the caller resets it.
 * @param reason  out on VG_ERR_PARSE: "json: ... at offset N" (0-based), in arena.
 * @return VG_OK; VG_ERR_PARSE; VG_ERR_NOMEM; or the error leaf returned.
 *         Cost: one pass over the text; 1 KiB of stack for the path.
 */
vg_err vg_json_walk(const char *buf, size_t len, struct vg_arena *arena,
                    vg_json_leaf_fn leaf, void *ud, const char **reason);

#ifdef __cplusplus
}
#endif
#endif /* VG_PARSERS_H */
