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

#include <string.h>

/* Longest dotted key path a JSON record may produce ("Event.System.EventID"). */
#define VGP_JSON_PATH_MAX 1024
/* Deepest nesting of objects and arrays a JSON record may have. */
#define VGP_JSON_DEPTH_MAX 64
/* Bounds on one decoder regex run (backtracking steps, JIT stack). */
#define VGP_MATCH_LIMIT   100000u
#define VGP_DEPTH_LIMIT   10000u
#define VGP_JIT_STACK_MAX (512u * 1024u)

/* ------------------------------------------------------------ hashing */

/*
 * The hash of the tables parsers/ builds per process (string maps, the JSON key
 * cache): 8 key bytes per multiply, where vg_hash64 (deterministic ids) takes one
 * byte per multiply.  Not stable across versions: never persisted or compared
 * between processes.
 */
static inline uint64_t vgp_hash(const char *s, size_t n)
{
	const uint64_t m = UINT64_C(0x9E3779B97F4A7C15);
	uint64_t h = (uint64_t)n * m, w;
	if (n >= 8) {
		const char *last = s + n - 8;
		for (; s < last; s += 8) {
			memcpy(&w, s, 8);
			h = (h ^ w) * m;
			h ^= h >> 32;
		}
		memcpy(&w, last, 8); /* the last 8 bytes, overlapping the loop's */
	} else if (n >= 4) {
		uint32_t a, b;
		memcpy(&a, s, 4);
		memcpy(&b, s + n - 4, 4);
		w = (uint64_t)a << 32 | b;
	} else {
		w = n ? (uint64_t)(unsigned char)s[0] << 16 |
		            (uint64_t)(unsigned char)s[n >> 1] << 8 |
		            (unsigned char)s[n - 1]
		      : 0;
	}
	h = (h ^ w) * m;
	h ^= h >> 32;
	h *= UINT64_C(0xff51afd7ed558ccd);
	return h ^ (h >> 33);
}

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
	    vigil_format, vigil_decoder, event_module, event_dataset, vigil_claimed_time;
};

/* Registry ids of the endpoint / alert normalizers (auditd.c, alerts.c,
 * json_event.c), looked up (or interned) once by vg_parser_new.  X(member, "name"). */
#define VGP_EP_FIELDS(X)                                                                 \
	X(event_kind, "event.kind")                                                      \
	X(event_category, "event.category")                                              \
	X(event_type, "event.type")                                                      \
	X(event_action, "event.action")                                                  \
	X(event_outcome, "event.outcome")                                                \
	X(event_code, "event.code")                                                      \
	X(event_severity, "event.severity")                                              \
	X(event_provider, "event.provider")                                              \
	X(rule_name, "rule.name")                                                        \
	X(rule_id, "rule.id")                                                            \
	X(rule_category, "rule.category")                                                \
	X(threat_tactic_name, "threat.tactic.name")                                      \
	X(threat_technique_id, "threat.technique.id")                                    \
	X(vigil_alert_level, "vigil.alert.level")                                        \
	X(host_ip, "host.ip")                                                            \
	X(source_ip, "source.ip")                                                        \
	X(source_port, "source.port")                                                    \
	X(destination_ip, "destination.ip")                                              \
	X(destination_port, "destination.port")                                          \
	X(network_transport, "network.transport")                                        \
	X(network_protocol, "network.protocol")                                          \
	X(user_name, "user.name")                                                        \
	X(user_id, "user.id")                                                            \
	X(user_target_name, "user.target.name")                                          \
	X(user_effective_name, "user.effective.name")                                    \
	X(user_effective_id, "user.effective.id")                                        \
	X(user_audit_id, "user.audit.id")                                                \
	X(user_audit_name, "user.audit.name")                                            \
	X(group_id, "group.id")                                                          \
	X(group_name, "group.name")                                                      \
	X(process_executable, "process.executable")                                      \
	X(process_command_line, "process.command_line")                                  \
	X(process_args_count, "process.args_count")                                      \
	X(process_working_directory, "process.working_directory")                        \
	X(process_parent_pid, "process.parent.pid")                                      \
	X(process_hash_sha256, "process.hash.sha256")                                    \
	X(file_hash_sha256, "file.hash.sha256")                                          \
	X(process_title, "process.title")                                                \
	X(file_path, "file.path")                                                        \
	X(url_original, "url.original")                                                  \
	X(http_request_method, "http.request.method")                                    \
	X(http_response_status_code, "http.response.status_code")                        \
	X(user_agent_original, "user_agent.original")                                    \
	X(auditd_sequence, "auditd.sequence")                                            \
	X(auditd_records, "auditd.record_types")                                         \
	X(auditd_result, "auditd.result")                                                \
	X(auditd_key, "auditd.key")                                                      \
	X(auditd_args_missing, "auditd.args_missing")                                    \
	X(osquery_name, "osquery.name")                                                  \
	X(osquery_action, "osquery.action")

struct vgp_ep_ids {
#define VGP_EP_MEMBER(m, name) vg_field m;
	VGP_EP_FIELDS(VGP_EP_MEMBER)
#undef VGP_EP_MEMBER
};

/* Intern every field of VGP_EP_FIELDS (load time).  @return VG_OK or VG_ERR_CONFIG. */
vg_err vgp_ep_ids_load(struct vgp_ep_ids *ep, struct vg_diag *diag);

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
	VGP_ROLE_HASHES,         /* Sysmon Hashes ("SHA256=...,MD5=...") / Hash */
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
	bool address; /* the field is an ip: only an address goes there, other text
	                 to `domain` (the X.domain of X.ip), or nowhere */
	vg_field domain;
};

struct vgp_pattern {
	char *name;
	pcre2_code *code;
	bool jit; /* JIT-compiled: matched with pcre2_jit_match (no per-call checks) */
	/* Literal text every match starts with (from a leading '^' and plain
	 * characters), checked with memcmp before PCRE2 runs; lit_len 0 = none. */
	uint8_t lit_len;
	char lit[23];
	/* Bytes a match can start with when the pattern is anchored by a leading '^'
	 * (from PCRE2's own analysis of the pattern without it; see decoder_load.c):
	 * a message whose first byte is not in first[] is skipped without a PCRE2
	 * call.  first_set false = no such knowledge, always try. */
	bool first_set;
	uint32_t first[8];
	struct vgp_capture *caps;
	size_t ncaps;
	struct vgp_assign *sets;
	size_t nsets;
};

struct vgp_decoder {
	char *name;
	size_t name_len; /* strlen(name), for vigil.decoder on every claimed line */
	char *file;
	char **programs;
	size_t nprograms;
	char *prefilter; /* NULL, or a literal the message must contain */
	size_t prefilter_len;
	struct vgp_assign *sets;
	size_t nsets;
	struct vgp_pattern *patterns;
	size_t npatterns;
	/* The patterns worth trying on a message starting with byte b, in order:
	 * by_byte[by_start[b] .. by_start[b + 1]); b = 256 is every pattern (an empty
	 * message).  Built from each pattern's first[] at load time, so a line visits
	 * only the patterns whose first-byte set admits it. */
	uint32_t by_start[258];
	uint32_t *by_byte;
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

/* ------------------------------------------------------------ event fast path */

/*
 * vg_event_set for the per-record hot path of parsers/: the same contract
 * (last value wins, nset counts distinct fields, out-of-range ids ignored), inlined
 * because the parsers set about fifteen fields per record and a call into core
 * costs more than the store.  It knows struct vg_event's layout (vg_core.h): the
 * uncommon case, vals[] full, goes to vg_event_set, which grows it or sets ev->oom
 * (vg_parse turns that into VG_ERR_NOMEM).  For ids looked up or interned at load
 * time and values no longer than UINT32_MAX (a record is), kind != VG_VK_UNSET.
 */
#if defined(__GNUC__)
#define VGP_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define VGP_ALWAYS_INLINE inline
#endif
/* (always inlined: json_event.c's object loop is large enough that the compiler
 * would otherwise call it out of line) */
static VGP_ALWAYS_INLINE void vgp_set(struct vg_event *ev, vg_field id, const char *ptr,
                                      size_t len, enum vg_value_kind kind)
{
	if ((uint32_t)id >= ev->nslots || ev->nset == ev->cap) {
		/* out of range (also id < 0): ignored; vals[] full: vg_event_set
		 * grows it (or sets ev->oom) */
		if ((uint32_t)id < ev->nslots)
			(void)vg_event_set(ev, id, ptr, len, kind);
		return;
	}
	uint32_t k = ev->slot[id];
	if (!k) {
		k = ++ev->nset;
		ev->slot[id] = (uint16_t)k;
	}
	struct vg_value *v = &ev->vals[k - 1];
	v->ptr = ptr;
	v->len = (uint32_t)len;
	v->kind = (uint8_t)kind;
}

/* ------------------------------------------------------------ parser */

struct vg_parser {
	struct vgp_ids id;
	int rfc3164_utc_offset_sec;
	vg_time max_future; /* vg_parser_conf.max_future */
	struct vgp_aliases aliases;
	struct vgp_decoders decoders;
	struct vgp_ep_ids ep;     /* endpoint / alert normalizers */
	struct vgp_strmap jpaths; /* exact JSON path -> enum vgp_jslot (json_event.c) */
	uint32_t jpath_first[8];  /* bitmap of the first bytes of jpaths' keys */
};

/* Per-event JSON state kept in the context so nothing is allocated per record. */
#define VGP_TS_SLOTS 6
/* Exact JSON paths whose values the shape detection (Suricata EVE, Wazuh, osquery,
 * Windows event renderings) needs after the walk. */
enum vgp_jslot {
	VGP_JS_EVENT_TYPE = 0, /* Suricata event_type */
	VGP_JS_ALERT_SIGNATURE,
	VGP_JS_ALERT_SIGNATURE_ID,
	VGP_JS_ALERT_SEVERITY,
	VGP_JS_ALERT_CATEGORY,
	VGP_JS_ALERT_ACTION,
	VGP_JS_ALERT_MITRE_TACTIC, /* alert.metadata.mitre_tactic_name */
	VGP_JS_ALERT_MITRE_TECHNIQUE,
	VGP_JS_PROTO,
	VGP_JS_APP_PROTO,
	VGP_JS_HTTP_URL,
	VGP_JS_HTTP_METHOD,
	VGP_JS_HTTP_STATUS,
	VGP_JS_HTTP_UA,
	VGP_JS_RULE_LEVEL, /* Wazuh */
	VGP_JS_RULE_DESCRIPTION,
	VGP_JS_RULE_GROUPS,
	VGP_JS_RULE_MITRE_TACTIC, /* Wazuh rule.mitre.tactic */
	VGP_JS_RULE_MITRE_ID,
	VGP_JS_AGENT_NAME,
	VGP_JS_AGENT_IP,
	VGP_JS_MANAGER_NAME,
	VGP_JS_DATA_SRCIP,
	VGP_JS_DATA_DSTIP,
	VGP_JS_DATA_SRCPORT,
	VGP_JS_DATA_DSTPORT,
	VGP_JS_DATA_SRCUSER,
	VGP_JS_DATA_DSTUSER,
	VGP_JS_DATA_PROTOCOL,
	VGP_JS_DATA_ALERT_SEVERITY, /* Wazuh's decoded Suricata EVE: data.alert.severity
	                             */
	VGP_JS_FULL_LOG,
	VGP_JS_DECODER_NAME,
	VGP_JS_OSQ_NAME, /* osquery */
	VGP_JS_OSQ_HOST,
	VGP_JS_OSQ_ACTION,
	VGP_JS_OSQ_UNIXTIME,
	VGP_JS_OSQ_CALENDARTIME,
	VGP_JS_WIN_EVENTID, /* the EventID value, wherever it sits */
	VGP_JS_COUNT,
	/* a `hostname` key that names another machine than the one the event is
	 * about (a web server, a DHCP client's own claim): never host.name */
	VGP_JS_NOT_HOST = VGP_JS_COUNT
};
struct vgp_jp;
struct vgp_json_state {
	struct vg_event *ev;
	struct vg_arena *arena;
	const struct vg_parser *parser;
	int16_t *prio; /* per alias target: priority that set it, INT16_MAX = unset */
	struct vgp_keycache *keys; /* the context's key plans (below) */
	struct vg_str ts[VGP_TS_SLOTS];
	struct vg_str channel, provider, hashes;
	bool has_eventid, has_computer, explicit_module, explicit_dataset;
	bool has_columns; /* osquery "columns.*" seen */
	/* the key chain (json_event.c, key_guess): the key cache entries of the last
	 * cached leaf of this record and of the key expected next, or NULL */
	struct vgp_keycache_entry *last, *pred;
	struct vgp_jp *jp;  /* the record's reader: its decoded-value room */
	uint64_t slots_set; /* bit i: slot[i] was set (json_event.c clears those) */
	/* alias targets a vendor key set to null (json_event.c, alias_set): set to
	 * null at the end of the record when nothing else has set them (the first
	 * VGP_NULL_ALIASES of a record) */
#define VGP_NULL_ALIASES 8
	int32_t null_alias[VGP_NULL_ALIASES];
	uint32_t nnull_alias;
	/* slot[] stays the last member: per record, json_event.c zeroes the state
	 * up to it and only the slots the last record set */
	struct vg_str slot[VGP_JS_COUNT];
};
_Static_assert(VGP_JS_COUNT <= 64, "vgp_json_state.slots_set has a bit per slot");

/*
 * What on_leaf (json_event.c) derives from a JSON key path alone: computed once
 * per distinct path and thread, then found again by one hash probe.  Everything
 * here is a function of the path, the immutable parser and the field registry;
 * what also depends on the value (its kind) is still decided per leaf.
 */
enum {
	VGP_KP_MODULE = 1,       /* id is event.module (the record sets it) */
	VGP_KP_DATASET = 2,      /* id is event.dataset */
	VGP_KP_TS_TIMESTAMP = 4, /* the path is "timestamp" */
	VGP_KP_TS_AT = 8,        /* id is @timestamp */
	VGP_KP_COLUMNS = 16,     /* the path starts with "columns." (osquery) */
	VGP_KP_STOP = 32,        /* http.hostname / data.http.hostname: stored under its
	                            path only, no alias of its last name */
	VGP_KP_WAZUH_ESC = 64,   /* [data.]win.eventdata.*: Wazuh escaped the value once
	                            more (json_event.c, wazuh_unescape) */
	VGP_KP_PLAIN = 128,      /* the store, its alias and role only: no other flag,
	                            no claim, jslot or sid (on_leaf's fast path) */
	VGP_KP_WIN_DATA = 256,   /* EventData.Data (event_data, eventdata): perhaps a list
	                            of named values (json_event.c, data_list) */
	VGP_KP_TEXT = 512,       /* "<element>.#text": an XML element's text beside its
	                            attributes, also taken as the element's own value */
};
struct vgp_keyplan {
	vg_field id;    /* registry id of the whole path, or VG_FIELD_NONE */
	vg_field sid;   /* registry id of the last component when id is NONE and the
	                   parent is EventData / System / ..., else VG_FIELD_NONE */
	int32_t alias;  /* index into aliases.infos of the last component, or -1 */
	int16_t claim;  /* alias target an ECS key claims (its priority -> -1), or -1 */
	int8_t jslot;   /* enum vgp_jslot of the exact path, or -1 */
	uint8_t role;   /* enum vgp_key_role of the alias, path conditions checked */
	uint16_t flags; /* VGP_KP_* */
};

/* A per-context cache of key plans.  Open addressing over a fixed table; when it
 * is full (entries or key bytes), or the registry or parser changed since it was
 * filled, it is emptied and refilled, so hostile input with ever new keys costs
 * the uncached work plus a bounded copy, never unbounded memory.  Keys longer than
 * VGP_KEYCACHE_KEY_MAX and probes longer than VGP_KEYCACHE_PROBES are not cached. */
#define VGP_KEYCACHE_SLOTS   1024 /* power of two */
#define VGP_KEYCACHE_ENTRIES 512
#define VGP_KEYCACHE_BYTES   (16u * 1024u)
#define VGP_KEYCACHE_KEY_MAX 256
#define VGP_KEYCACHE_PROBES  16
struct vgp_keycache_entry {
	uint64_t hash;
	uint32_t off, len; /* the key in bytes[] (up to 16 bytes: its two words,
	                      json_event.c's key_words) */
	struct vgp_keyplan plan;
	/* len when the key has no '"', '\\' or control byte (a top-level key written
	 * with these bytes is this path without a scan: key_guess), else UINT32_MAX */
	uint32_t glen;
	/* the entry of the leaf that followed this one last time (NULL: none): the
	 * guess for the next key, checked.  Only live entries (below count) are
	 * ever reachable from first, succ and the record's chain state: an entry is
	 * created with succ NULL and linked only to entries found or created after
	 * it, a flush kills every entry and empties first, and a flush in the middle
	 * of a record leaves the chain state pointing at the new entry (chain_link),
	 * so no guess reads an entry whose bytes were reused */
	struct vgp_keycache_entry *succ;
	/* The bytes ", \"<key>\": " (mlen of them, 8..32; 0 = none: a key that
	 * cannot be guessed, or of fewer than 2 or more than 26 bytes): the member
	 * as it usually follows the one before it (json_event.c, member_guess) */
	uint32_t mlen;
	char mpat[32];
};
struct vgp_keycache {
	const struct vg_parser *parser; /* the plans were computed for */
	size_t nfields;                 /* vg_field_count() then */
	uint32_t count;
	uint32_t used;                     /* bytes[] in use */
	struct vgp_keycache_entry *first;  /* the last record's first leaf, or NULL */
	uint16_t slot[VGP_KEYCACHE_SLOTS]; /* entry index + 1; 0 = empty */
	struct vgp_keycache_entry entry[VGP_KEYCACHE_ENTRIES];
	char bytes[VGP_KEYCACHE_BYTES];
};

/* A pending auditd group of a stream (vg_parse_feed), owned by ctx: one of the
 * VGP_AUDIT_OPEN events open at once (the kernel interleaves the records of
 * events: a syscall event waits for its EOE, VGP_AUDIT_WAIT records of other
 * events at most). */
#define VGP_AUDIT_OPEN 8
#define VGP_AUDIT_WAIT 16
struct vgp_audit_group {
	struct vg_buf text; /* records joined by '\n' */
	char key[64];       /* "SEC.MS:SERIAL" of the group */
	size_t key_len;
	size_t nrecords;      /* 0: the slot is free */
	struct vg_source src; /* of the first record (topic not owned) */
	uint64_t first, last; /* the stream's numbers of its first and last records */
	bool syscall;         /* holds a SYSCALL record: its event ends with an EOE */
};

/* The most extras nodes a JSON record reserves up front from the last record's
 * count (vg_parse_ctx.extras_hint); more come VGP_EXTRAS_REFILL at a time from
 * the decoded-value room, then from vg_event_add_extra.  Room for decoded string values:
 * the record's length up to VGP_POOL_MAX, plus VGP_POOL_SLACK (the decoders store up to
 * 16 bytes past a value and take the room only while 64 bytes are left); a value past it
 * is allocated on its own. */
#define VGP_EXTRAS_HINT_MAX 64
/* Extras nodes taken at once from the decoded-value room past the reserved ones
 * (the room has that many to spare: json_event.c's extra_refill). */
#define VGP_EXTRAS_REFILL 8
#define VGP_POOL_MAX      4096
#define VGP_POOL_SLACK    64
/* The most registry values a JSON record reserves up front (vals_hint): the last
 * record's count when it was more than vg_event_new's initial room. */
#define VGP_VALS_HINT_MAX 256

/* The last date vgp_time_fast_memo accepted (the first 10 bytes of its text) and
 * its day count since 1970-01-01; valid false = none.  Per parse context. */
struct vgp_date_memo {
	uint64_t date; /* s[0..8) */
	uint16_t dd;   /* s[8..10) */
	bool valid;
	int64_t days;
};

struct vg_parse_ctx {
	const struct vg_parser *parser;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	pcre2_jit_stack *jit_stack;
	struct vg_ratelimit rl;
	uint64_t match_errors;
	struct vgp_json_state js;
	struct vgp_keycache *keys; /* malloc'd; see above */
	uint32_t extras_hint;      /* extras of the last JSON record (json_event.c) */
	uint32_t vals_hint;        /* its registry values (nset), json_event.c */
	/* the most room for decoded values: 0 = VGP_POOL_MAX (tests lower it) */
	uint32_t pool_max;
	struct vgp_date_memo date_memo; /* of the last JSON timestamp (json_event.c) */
	char path[VGP_JSON_PATH_MAX];
	struct vgp_audit_group audit[VGP_AUDIT_OPEN];
	uint64_t audit_seq; /* auditd records fed (vg_parse_feed) */
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
/* The value of s when it is 1 to 6 decimal digits, else -1. */
long vgp_small_uint(struct vg_str s);
/* True when s is an optional '-' followed by 1..19 digits. */
bool vgp_is_integer(const char *s, size_t len);
/* True when s can be a process id: 1..10 decimal digits, no sign. */
bool vgp_is_pid(const char *s, size_t len);

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

/* One AIT-ADS CSV row (alerts.c).  Sets ev->raw to the row without its labels. */
vg_err vgp_parse_aitads(const struct vg_parser *parser, const char *buf, size_t len,
                        struct vg_event *ev, const char **reason);
/* Suricata EVE / Wazuh alert refinement after the JSON walk (alerts.c).
 * @return VG_OK, or VG_ERR_NOMEM; *shape is set to "suricata"/"wazuh" or NULL. */
vg_err vgp_json_alert_shapes(const struct vg_parser *parser, struct vgp_json_state *st,
                             const char **shape);
/* One or more newline-separated audit records of one event (auditd.c). */
vg_err vgp_parse_auditd(const struct vg_parser *parser, const char *buf, size_t len,
                        vg_time ref_time, struct vg_event *ev, const char **reason);
/* Check one audit record and find the "SEC.MS:SERIAL" key of its msg=audit(...)
 * and its type.  A record that passes is accepted by vgp_parse_auditd in any group
 * of its key.  @return VG_OK, or VG_ERR_PARSE with *reason (in arena). */
vg_err vgp_auditd_key(const char *buf, size_t len, struct vg_arena *arena,
                      struct vg_str *key, struct vg_str *type, const char **reason);
/* Fill parser->jpaths (+ jpath_first) with the exact JSON paths of enum vgp_jslot
 * (json_event.c). */
vg_err vgp_jpaths_load(struct vg_parser *parser);
/* Parse "[+-]HH:MM", "[+-]HHMM" or "Z"-zoned RFC 3339 text.  @return VG_OK or
 * VG_ERR_PARSE. */
vg_err vgp_parse_time_loose(const char *s, size_t len, vg_time *out);
/* The usual shape of vgp_parse_time_loose's input, without the general parser:
 * "YYYY-MM-DD hh:mm:ss" ('T' or 't' for the space), then perhaps '.' or ',' and
 * 1-6 digits, then perhaps 'Z' or 'z'.  @return true with *out set exactly as
 * vg_time_parse_rfc3339(s, len, 0, out) would set it; false (*out untouched) for
 * any other text, which the general parser then decides (json_event.c). */
bool vgp_time_fast(const char *s, size_t len, vg_time *out);
/* vgp_time_fast, the same result for every input, that skips the date's checks
 * and day count when its first 10 bytes are those of the date memo holds (memo
 * may be NULL), and keeps the date it accepts there. */
bool vgp_time_fast_memo(const char *s, size_t len, vg_time *out,
                        struct vgp_date_memo *memo);

/* Run the decoders on a framed syslog event.  @return VG_OK or VG_ERR_NOMEM. */
vg_err vgp_decode(const struct vg_parser *parser, struct vg_parse_ctx *ctx,
                  struct vg_event *ev, const struct vgp_syslog *sl);

/* ------------------------------------------------------------ JSON walker */

/* Called once per leaf of a JSON object: see vg_json_leaf_fn (vg_parsers.h). */
typedef vg_json_leaf_fn vgp_json_leaf_fn;

/*
 * Walk one JSON text whose top level must be an object (RFC 8259, strict).
 * @param path      scratch of VGP_JSON_PATH_MAX bytes.
 * @return VG_OK; VG_ERR_PARSE with *reason ("json: ... at offset N", 0-based);
 *         VG_ERR_NOMEM; or the error a leaf callback returned.
 */
vg_err vgp_json_walk(const char *buf, size_t len, struct vg_arena *arena, char *path,
                     vgp_json_leaf_fn leaf, void *ud, const char **reason);

#endif /* VG_PARSERS_INT_H */
