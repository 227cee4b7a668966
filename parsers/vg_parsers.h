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
	VG_FMT_JSON, /**< one JSON object per record (endpoint events) */
};

/** @brief Parse a format name ("auto", "syslog", "rfc3164", "rfc5424", "json").
 *  @return true on success. */
bool vg_format_from_name(const char *name, enum vg_format *out);
/** @return the canonical name of fmt. */
const char *vg_format_name(enum vg_format fmt);

struct vg_parser_conf {
	/** Decoder files or directories (*.yaml, *.yml).  When n_decoder_paths is 0
	 *  the decoders embedded from parsers/decoders/ are used. */
	const char *const *decoder_paths;
	size_t n_decoder_paths;
	/** UTC offset assumed for RFC 3164 timestamps, which carry no zone. */
	int rfc3164_utc_offset_sec;
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
 * @param ref_time  reference time for RFC 3164's missing year (the Kafka message
 *                  timestamp, or the wall clock read by engine/); never read here.
 * @param arena     where the event is allocated.
 * @param out       the event on success.
 * @param reason    on failure, a short static or arena-allocated reason such as
 *                  "rfc5424: invalid PRI at column 1".
 * @return VG_OK, VG_ERR_PARSE (a dead letter), or VG_ERR_NOMEM.
 */
vg_err vg_parse(const struct vg_parser *parser, struct vg_parse_ctx *ctx,
                enum vg_format fmt, const char *buf, size_t len, vg_time ref_time,
                struct vg_arena *arena, struct vg_event **out, const char **reason);

#ifdef __cplusplus
}
#endif
#endif /* VG_PARSERS_H */
