/*
 * parsers_int.h - private declarations shared by the files of parsers/.
 *
 * Internal symbols that cross files are named vgp_*; they are hidden from the
 * library's users by -fvisibility=hidden and never appear in vg_parsers.h.
 */
#ifndef VG_PARSERS_INT_H
#define VG_PARSERS_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "vg_parsers.h"

/* Longest dotted key path a JSON record may produce ("Event.System.EventID"). */
#define VGP_JSON_PATH_MAX 1024
/* Deepest nesting of objects and arrays a JSON record may have. */
#define VGP_JSON_DEPTH_MAX 64
/* Bounds on one decoder regex run (backtracking steps, JIT stack). */
#define VGP_MATCH_LIMIT   100000u
#define VGP_DEPTH_LIMIT   10000u
#define VGP_JIT_STACK_MAX (512u * 1024u)

/* ------------------------------------------------------------ string map */

/* An open-addressing map from byte strings to int32 values.  Keys are copied.
 * Built at load time, read-only (and so thread-safe) afterwards. */
struct vgp_strmap {
	struct vgp_strmap_slot *slots;
	size_t cap; /* power of two, or 0 */
	size_t count;
};

void vgp_strmap_free(struct vgp_strmap *map);
/* @return VG_OK, or VG_ERR_NOMEM.  *inserted says whether key was new; an existing
 * key keeps its value.  *value_out (may be NULL) gets the stored value. */
vg_err vgp_strmap_put(struct vgp_strmap *map, const char *key, size_t len, int32_t value,
                      bool *inserted, int32_t *value_out);
/* @return the value of key, or -1 when absent. */
int32_t vgp_strmap_get(const struct vgp_strmap *map, const char *key, size_t len);

/* ------------------------------------------------------------ field ids */

/* Registry ids the framing code sets on every event, looked up once. */
struct vgp_ids {
	vg_field timestamp, message, host_name, priority, facility, severity, version,
	    appname, procid, msgid, structured_data, process_name, process_pid,
	    vigil_format, vigil_decoder, event_module, event_dataset;
};

/* ------------------------------------------------------------ aliases */

/* Special roles a JSON key (its last path component) can have. */
enum vgp_key_role {
	VGP_ROLE_NONE = 0,
	VGP_ROLE_TS_UTCTIME,     /* Sysmon UtcTime */
	VGP_ROLE_TS_SYSTEMTIME,  /* Event.System.TimeCreated.SystemTime */
	VGP_ROLE_TS_TIMECREATED, /* TimeCreated as a string */
	VGP_ROLE_TS_EVENTTIME,   /* nxlog EventTime */
	VGP_ROLE_CHANNEL,        /* Windows channel */
	VGP_ROLE_PROVIDER,       /* Windows provider name */
	VGP_ROLE_PROVIDER_NAME,  /* "Name" / "@Name" under "Provider" */
	VGP_ROLE_EVENTID,        /* EventID / EventId */
	VGP_ROLE_COMPUTER,       /* Computer */
};

/* What the parser knows about one vendor key name. */
struct vgp_keyinfo {
	int16_t target; /* index into vgp_aliases.targets, or -1 */
	int16_t prio;   /* position in the alias list: lower wins */
	uint8_t role;   /* enum vgp_key_role */
};

struct vgp_aliases {
	vg_field *targets; /* ECS field of each target index */
	size_t ntargets;
	struct vgp_keyinfo *infos;
	size_t ninfos;
	struct vgp_strmap names; /* key name -> index into infos */
	int16_t *target_of;      /* field id -> target index or -1, nfields entries */
	size_t nfields;
};

/* Load schemas/field-aliases.yaml (embedded) into al, interning every name.
 * Problems go to diag. */
vg_err vgp_aliases_load(struct vgp_aliases *al, struct vg_diag *diag);
void vgp_aliases_free(struct vgp_aliases *al);

/* ------------------------------------------------------------ decoders */

/* One assignment of a constant (decoder or pattern `set:`). */
struct vgp_assign {
	vg_field id;
	char *value;
	uint32_t len;
	uint8_t kind;
};

/* One capture group copied into a field (pattern `fields:`). */
struct vgp_capture {
	vg_field id;
	uint32_t group;
	bool numeric; /* the field is a long: the value is a number when all digits */
};

struct vgp_pattern {
	char *name;
	pcre2_code *code;
	bool jit; /* JIT-compiled: matched with pcre2_jit_match (no per-call checks) */
	struct vgp_capture *caps;
	size_t ncaps;
	struct vgp_assign *sets;
	size_t nsets;
};

struct vgp_decoder {
	char *name;
	char *file;
	char **programs;
	size_t nprograms;
	char *prefilter; /* NULL, or a literal the message must contain */
	size_t prefilter_len;
	struct vgp_assign *sets;
	size_t nsets;
	struct vgp_pattern *patterns;
	size_t npatterns;
};

/* The decoders of one program name, in load order. */
struct vgp_chain {
	uint32_t *decoders;
	size_t n;
};

struct vgp_decoders {
	struct vgp_decoder *list;
	size_t count;
	size_t cap;
	struct vgp_strmap programs; /* program -> index into chains */
	struct vgp_chain *chains;
	size_t nchains;
	uint32_t *prefiltered; /* decoders selected by prefilter only */
	size_t nprefiltered;
	uint32_t max_ovector; /* most capture pairs any pattern needs */
};

/* Load every decoder file of conf (or the embedded ones) into decs.  Every problem
 * goes to diag.  @return VG_OK or VG_ERR_CONFIG / VG_ERR_NOMEM. */
vg_err vgp_decoders_load(struct vgp_decoders *decs, const struct vg_parser_conf *conf,
                         struct vg_diag *diag);
void vgp_decoders_free(struct vgp_decoders *decs);

/* ------------------------------------------------------------ parser */

struct vg_parser {
	struct vgp_ids id;
	int rfc3164_utc_offset_sec;
	struct vgp_aliases aliases;
	struct vgp_decoders decoders;
};

/* Per-event JSON state kept in the context so nothing is allocated per record. */
#define VGP_TS_SLOTS 6
struct vgp_json_state {
	struct vg_event *ev;
	struct vg_arena *arena;
	const struct vg_parser *parser;
	int16_t *prio; /* per alias target: priority that set it, INT16_MAX = unset */
	struct vg_str ts[VGP_TS_SLOTS];
	struct vg_str channel, provider;
	bool has_eventid, has_computer, explicit_module, explicit_dataset;
};

struct vg_parse_ctx {
	const struct vg_parser *parser;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	pcre2_jit_stack *jit_stack;
	struct vg_ratelimit rl;
	uint64_t match_errors;
	struct vgp_json_state js;
	char path[VGP_JSON_PATH_MAX];
};

/* What framing found, for the decoders. */
struct vgp_syslog {
	struct vg_str program; /* tag / APP-NAME; len 0 when absent */
	struct vg_str msg;
};

/* Format "prefix: what at column N" into the arena (or a static fallback). */
const char *vgp_reason(struct vg_arena *arena, const char *fmt, ...) VG_PRINTF(2, 3);
/* Decimal text of 0..191 (static storage). */
const char *vgp_small_num(unsigned n, size_t *len);
/* True when s is an optional '-' followed by 1..19 digits. */
bool vgp_is_integer(const char *s, size_t len);

/* Framing.  Each returns VG_OK with the event filled, VG_ERR_PARSE with *reason,
 * or VG_ERR_NOMEM. */
vg_err vgp_parse_rfc5424(const struct vg_parser *parser, const char *buf, size_t len,
                         vg_time ref_time, struct vg_event *ev, struct vgp_syslog *sl,
                         const char **reason);
vg_err vgp_parse_rfc3164(const struct vg_parser *parser, const char *buf, size_t len,
                         vg_time ref_time, struct vg_event *ev, struct vgp_syslog *sl,
                         const char **reason);
vg_err vgp_parse_json_event(const struct vg_parser *parser, struct vg_parse_ctx *ctx,
                            const char *buf, size_t len, vg_time ref_time,
                            struct vg_event *ev, const char **reason);
/* Parse "<PRI>" at buf[0]: 1-3 digits, no leading zero, at most 191.
 * @return the value with *end just past '>', or -1. */
int vgp_parse_pri(const char *buf, size_t len, size_t *end);
/* Set PRI-derived fields (priority text is borrowed from the record). */
void vgp_set_pri(const struct vg_parser *parser, struct vg_event *ev, const char *pri,
                 size_t pri_len, unsigned pri_value);

/* Run the decoders on a framed syslog event.  @return VG_OK or VG_ERR_NOMEM. */
vg_err vgp_decode(const struct vg_parser *parser, struct vg_parse_ctx *ctx,
                  struct vg_event *ev, const struct vgp_syslog *sl);

/* ------------------------------------------------------------ JSON walker */

/*
 * Called once per leaf of a JSON object: path is the dotted key path (path_len
 * bytes, not NUL-terminated); path_stable says it points into the record and may be
 * kept, otherwise it lives in a scratch buffer overwritten by the next leaf.  The
 * value lives in the record or the arena.  Arrays arrive as their raw JSON text.
 * Return VG_OK to go on, anything else to stop with that error.
 */
typedef vg_err (*vgp_json_leaf_fn)(void *ud, const char *path, size_t path_len,
                                   bool path_stable, const char *val, size_t val_len,
                                   enum vg_value_kind kind);

/*
 * Walk one JSON text whose top level must be an object (RFC 8259, strict).
 * @param path      scratch of VGP_JSON_PATH_MAX bytes.
 * @return VG_OK; VG_ERR_PARSE with *reason ("json: ... at offset N", 0-based);
 *         VG_ERR_NOMEM; or the error a leaf callback returned.
 */
vg_err vgp_json_walk(const char *buf, size_t len, struct vg_arena *arena, char *path,
                     vgp_json_leaf_fn leaf, void *ud, const char **reason);

#endif /* VG_PARSERS_INT_H */
