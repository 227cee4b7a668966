/*
 * vg_core.h - the engine core every Vigil stage depends on.
 *
 * Errors and diagnostics, the per-batch arena, growable byte buffers with JSON
 * writing, event time, logging, deterministic hashing, the field registry and the
 * normalized event.  Nothing here talks to Kafka, SQLite, PCRE2 or XGBoost; the
 * stages (parsers/, correlate/, models/) and engine/ build on it.
 *
 * Invariants:
 *  - Event time is microseconds since the Unix epoch, UTC (vg_time).  Code below
 *    engine/ never reads the clock: "now" is passed in by the caller.
 *  - An event and every value it points to live in one arena (or in the raw record
 *    the arena's owner keeps alive) and die together when the batch is reset.
 *  - The field registry is filled at start-up (schemas/fields.yaml, then rule and
 *    decoder loading) and only read afterwards; lookups are lock-free.
 */
#ifndef VG_CORE_H
#define VG_CORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define VG_PRINTF(fmt_idx, arg_idx) __attribute__((format(printf, fmt_idx, arg_idx)))
#else
#define VG_PRINTF(fmt_idx, arg_idx)
#endif

/* ------------------------------------------------------------------ errors */

/** Error codes; 0 is success.  Details go to a struct vg_diag or an errstr. */
typedef enum vg_err {
	VG_OK = 0,
	VG_ERR_INVALID,  /**< bad argument or bad input */
	VG_ERR_NOMEM,    /**< allocation failed */
	VG_ERR_IO,       /**< file or socket I/O failed */
	VG_ERR_PARSE,    /**< input could not be parsed */
	VG_ERR_CONFIG,   /**< configuration or rule file is wrong */
	VG_ERR_KAFKA,    /**< librdkafka reported an error */
	VG_ERR_STORE,    /**< SQLite reported an error */
	VG_ERR_MODEL,    /**< XGBoost reported an error */
	VG_ERR_FULL,     /**< a bounded table is full */
	VG_ERR_NOTFOUND, /**< the thing asked for does not exist */
} vg_err;

/** @brief Static English name of an error code, never NULL. */
const char *vg_err_str(vg_err err);

/* ------------------------------------------------------------- diagnostics */

/**
 * A list of compiler-style messages, "file:line:col: error: message".
 * Start-up code collects every problem into one vg_diag and prints them all.
 * Lines and columns are 1-based; 0 means "not known" and is left out.
 */
struct vg_diag {
	char **msgs;
	size_t count;
	size_t cap;
	size_t errors; /**< messages added with vg_diag_error */
};

void vg_diag_init(struct vg_diag *diag);
/** @brief Add an error.  file may be NULL.  Allocation failure is ignored. */
void vg_diag_error(struct vg_diag *diag, const char *file, int line, int col,
                   const char *fmt, ...) VG_PRINTF(5, 6);
/** @brief Add a warning (does not count in diag->errors). */
void vg_diag_warn(struct vg_diag *diag, const char *file, int line, int col,
                  const char *fmt, ...) VG_PRINTF(5, 6);
/** Where a configuration named a path (an entry of a config file's list), so that
 *  errors about the path itself -- it cannot be opened, nothing in it loads --
 *  point at the config as file:line:col rather than at the path. */
struct vg_named_at {
	const char *file; /**< the config file; NULL: not named by one */
	int line, col;
};

/** @brief Print every message, one per line. */
void vg_diag_print(const struct vg_diag *diag, FILE *out);
/** @brief Free the messages; the diag can be reused.  NULL is allowed. */
void vg_diag_clear(struct vg_diag *diag);

/* -------------------------------------------------------------- strings */

/** A borrowed string slice: not NUL-terminated, not owned. */
struct vg_str {
	const char *ptr;
	size_t len;
};

#define VG_STR_LIT(lit) ((struct vg_str){(lit), sizeof(lit) - 1})
static inline struct vg_str vg_str_make(const char *p, size_t n)
{
	struct vg_str s = {p, n};
	return s;
}
/** @brief True when s equals the NUL-terminated c exactly. */
bool vg_str_eq(struct vg_str s, const char *c);
/** @brief True when s equals c ignoring ASCII case. */
bool vg_str_ieq(struct vg_str s, const char *c);
/**
 * @brief Append n bytes of s at buf[at] and terminate, cut to what fits in size
 * bytes with the NUL (the bytes snprintf would write).  For keys built on hot
 * paths, where snprintf's format parsing costs more than the copy.
 * @param size > 0
 * @param at   the length so far (at most size - 1)
 * @return the new length, at most size - 1.
 */
size_t vg_str_append(char *buf, size_t size, size_t at, const char *s, size_t n);
/** @brief vg_str_append of a NUL-terminated string (NULL appends nothing). */
size_t vg_str_append_cstr(char *buf, size_t size, size_t at, const char *s);

/** @brief "did you mean" helper: the candidate closest to word by edit distance,
 *  or NULL when none is within a third of the word's length. */
const char *vg_closest(const char *word, const char *const *candidates, size_t n);
/** @brief Lowercase the ASCII letters of s[0..n) in place (other bytes as they are:
 *  host names, domains and hex digits compare without case). */
void vg_ascii_lower(char *s, size_t n);
/** @brief Parse all of s as a decimal integer (an optional sign, digits, nothing
 *  else). @return false when s is empty, has other characters or overflows. */
bool vg_parse_int64(const char *s, int64_t *out);
/** @brief Parse all of s as a finite decimal number (strtod's decimal syntax:
 *  no white space, hexadecimal, inf or nan). @return false when s is empty, has
 *  other characters, overflows or underflows (1e-400). */
bool vg_parse_double(const char *s, double *out);

/** @return the value of the hexadecimal digit c (either case), or -1. */
static inline int vg_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	unsigned char l = (unsigned char)(c | 0x20);
	return l >= 'a' && l <= 'f' ? l - 'a' + 10 : -1;
}
/** @return the value of the four hexadecimal digits at s, or -1 when they are not
 *  four hex digits (reads s[0..3] only up to the first that is not). */
int vg_hex4(const char *s);
/** @return the length of the valid UTF-8 sequence at s (s[0] >= 0x80; avail bytes
 *  there), or 0 when it is not one (overlong forms, surrogates and code points past
 *  U+10FFFF are not). */
static inline size_t vg_utf8_seq(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];
	size_t n;
	unsigned char lo = 0x80, hi = 0xBF;

	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F; /* no UTF-16 surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else
		return 0;
	if (avail < n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t k = 2; k < n; k++)
		if (s[k] < 0x80 || s[k] > 0xBF)
			return 0;
	return n;
}
/** @return the offset of the first byte of s[0..len) that is not valid UTF-8, or
 *  len (ASCII runs 8 bytes a step). */
size_t vg_utf8_check(const char *s, size_t len);
/** @brief Write code point cp (at most 0x10FFFF) as UTF-8 into out (room for 4).
 *  @return the bytes written, 1 to 4. */
size_t vg_utf8_put(char *out, uint32_t cp);
/** @brief The code point of a JSON `\u` escape whose four digits are worth u: a
 *  high surrogate pairs with a valid `\uDC00`-`\uDFFF` escape in the n bytes at
 *  next (*used = 6, else 0); an unpaired surrogate is U+FFFD. */
uint32_t vg_json_u_escape(unsigned u, const char *next, size_t n, size_t *used);
/** @return the byte the one-character JSON escape `\e` stands for; -1 for `u` and
 *  for what JSON does not allow. */
static inline int vg_json_escape_byte(unsigned char e)
{
	switch (e) {
	case '"':
	case '\\':
	case '/': return e;
	case 'b': return '\b';
	case 'f': return '\f';
	case 'n': return '\n';
	case 'r': return '\r';
	case 't': return '\t';
	default: return -1;
	}
}
/** @brief Decode the content s[0..n) of a JSON string (between its quotes) into d,
 *  which has room for n bytes (decoding never grows the text).  Escapes JSON does
 *  not have are kept: `\x` as x, a `\u` without four hex digits as `\u`, a lone
 *  backslash at the end as it is.  @return the decoded length. */
size_t vg_json_unescape(char *d, const char *s, size_t n);

/* --------------------------------------------------------------- arena */

/**
 * A bump allocator for one batch.  Allocations are 8-byte aligned and freed all at
 * once by vg_arena_reset/destroy.  Not thread-safe: one arena per worker.
 */
struct vg_arena;

/** @return a new arena or NULL when out of memory. chunk_size 0 means 64 KiB. */
struct vg_arena *vg_arena_new(size_t chunk_size);
/** @return zeroed memory, or NULL when out of memory. */
void *vg_arena_alloc(struct vg_arena *arena, size_t size);
/** @return memory as vg_arena_alloc, but not zeroed (its bytes are undefined):
 *  for blocks the caller writes before it reads them.  (Under valgrind memcheck,
 *  PCRE2's JIT reads a subject in aligned 16-byte blocks that may run past its
 *  end into such bytes and discards them: reported as "conditional jump depends
 *  on uninitialised value" in JIT code (???), a known false positive.) */
void *vg_arena_alloc_raw(struct vg_arena *arena, size_t size);
/** @brief Give back the end of the most recent allocation: p, returned by
 *  vg_arena_alloc or vg_arena_alloc_raw for size bytes, keeps its first keep
 *  bytes (keep <= size); the next allocation may start right after them.
 *  @return false (and nothing changes) when another allocation came after p.
 *  O(1).  For a block reserved for the most it might need. */
bool vg_arena_shrink(struct vg_arena *arena, void *p, size_t size, size_t keep);
/** @return a NUL-terminated copy of s[0..len), or NULL when out of memory. */
char *vg_arena_strndup(struct vg_arena *arena, const char *s, size_t len);
/** @brief Free every allocation but keep the first chunk for reuse. */
void vg_arena_reset(struct vg_arena *arena);
/** @brief Bytes currently allocated from the system. */
size_t vg_arena_footprint(const struct vg_arena *arena);
/** @brief Destroy; NULL is allowed. */
void vg_arena_destroy(struct vg_arena *arena);

/* ----------------------------------------------------------------- buffers */

/** A growable byte buffer, always NUL-terminated when data != NULL. */
struct vg_buf {
	char *data;
	size_t len;
	size_t cap;
	bool oom; /**< an append failed; the content is truncated */
};

void vg_buf_init(struct vg_buf *buf);
void vg_buf_free(struct vg_buf *buf);
void vg_buf_reset(struct vg_buf *buf);
void vg_buf_append(struct vg_buf *buf, const void *data, size_t len);
void vg_buf_puts(struct vg_buf *buf, const char *s);
void vg_buf_putc(struct vg_buf *buf, char c);
void vg_buf_printf(struct vg_buf *buf, const char *fmt, ...) VG_PRINTF(2, 3);
/* Appends v exactly as vg_buf_printf(buf, "%.6g", v) does; integral values under
 * 10^6 in magnitude (counts: most features) without printf's cost, ~3,000
 * instructions a double. */
void vg_buf_put_g6(struct vg_buf *buf, double v);
/* Appends v in decimal, as "%llu" writes it (without printf). */
void vg_buf_put_u64(struct vg_buf *buf, uint64_t v);
/** @brief Append s as a quoted, escaped JSON string (invalid UTF-8 becomes U+FFFD). */
void vg_buf_json_str(struct vg_buf *buf, const char *s, size_t len);
/** @brief The same string as vg_buf_json_str writes, as RFC 8785 (JSON
 *  canonicalization) writes it: an invalid byte is U+FFFD in UTF-8, not \ufffd;
 *  backspace and form feed are \b and \f.  For hashes of canonical JSON. */
void vg_buf_json_str_canonical(struct vg_buf *buf, const char *s, size_t len);
/** @return how many bytes from s on (at most len) a JSON string takes as they are:
 *  printable ASCII other than '"' and '\\' (8 bytes a step). */
size_t vg_json_plain_len(const char *s, size_t len);
/** @brief Read a whole file into buf (appended).  @return VG_OK or VG_ERR_IO. */
vg_err vg_buf_read_file(struct vg_buf *buf, const char *path);

/** @brief Room for `need` elements of `elem` bytes in the array p of *cap: p as it
 *  is when it has it, else p reallocated to at least twice *cap (8 at first) with
 *  *cap updated.  @return the array, or NULL when out of memory (p and *cap are
 *  then unchanged, and p still the caller's to free). */
void *vg_grow(void *p, size_t *cap, size_t need, size_t elem);

/* ------------------------------------------------------------------ time */

/** Event time: microseconds since 1970-01-01T00:00:00Z. */
typedef int64_t vg_time;
#define VG_TIME_NONE    INT64_MIN
#define VG_USEC_PER_SEC INT64_C(1000000)

/** @brief Proleptic Gregorian civil time (UTC) to vg_time.  No range checks. */
vg_time vg_time_from_civil(int year, int month, int day, int hour, int min, int sec,
                           int usec);
/** @brief Break a vg_time into UTC civil fields (any argument may be NULL). */
void vg_time_to_civil(vg_time t, int *year, int *month, int *day, int *hour, int *min,
                      int *sec, int *usec);
/**
 * @brief Parse an RFC 3339 / ISO 8601 timestamp ("2024-03-01T10:00:00.5+01:00",
 * "Z" or an offset required unless default_offset_sec is used; a space may replace
 * the 'T').  @return VG_OK or VG_ERR_PARSE.
 */
vg_err vg_time_parse_rfc3339(const char *s, size_t len, int default_offset_sec,
                             vg_time *out);
/** @brief Format as "YYYY-MM-DDTHH:MM:SS.ffffffZ"; buf needs 32 bytes. @return length. */
size_t vg_time_format(vg_time t, char buf[32]);
/** @brief Wall clock.  Only engine/ may call this. */
vg_time vg_time_now(void);

/* ---------------------------------------------------------------- logging */

enum vg_log_level { VG_LOG_ERROR = 0, VG_LOG_WARN, VG_LOG_INFO, VG_LOG_DEBUG };

void vg_log_set_level(enum vg_log_level level);
enum vg_log_level vg_log_get_level(void);
/** @brief Log one line to stderr with a level prefix. Thread-safe. */
void vg_log(enum vg_log_level level, const char *fmt, ...) VG_PRINTF(2, 3);

/** Rate limit for per-event messages: at most `burst` lines per `interval_sec`. */
struct vg_ratelimit {
	int64_t window_start; /* wall-clock seconds */
	uint32_t in_window;
	uint32_t burst;
	uint32_t interval_sec;
	uint64_t suppressed;
};
#define VG_RATELIMIT_INIT(burst, secs)                                                   \
	{                                                                                \
		0, 0, (burst), (secs), 0                                                 \
	}
/** @brief Log unless the limit is exhausted; says how many were suppressed. */
void vg_log_limited(struct vg_ratelimit *rl, enum vg_log_level level, const char *fmt,
                    ...) VG_PRINTF(3, 4);

/** @brief part as a percentage of whole (0 when whole is 0). */
static inline double vg_pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* ---------------------------------------------------------------- hashing */

/** @brief The murmur3 fmix64 finalizer: every input bit reaches every output bit,
 * so a hash whose last step left low bits equal (a multiply carries differences
 * only upwards) still spreads over the buckets a mask selects. */
static inline uint64_t vg_mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	h *= UINT64_C(0xc4ceb9fe1a85ec53);
	return h ^ h >> 33;
}

/** @brief Deterministic 64-bit hash (the same on every platform and run). */
uint64_t vg_hash64(const void *data, size_t len, uint64_t seed);
/** @brief Write h as 16 lowercase hex digits plus NUL into out[17]. */
void vg_hex64(uint64_t h, char out[17]);
/** @brief SHA-1 (FIPS 180-4) of data[0..len) into out (for name-based UUIDs, as
 *  STIX ids ask; not for security). */
void vg_sha1(const void *data, size_t len, unsigned char out[20]);
/** @brief b as a UUID of that version (RFC 4122: its version and variant bits are
 *  set in b first), 36 lowercase characters plus NUL. */
void vg_uuid_format(unsigned char b[16], int version, char out[37]);
/** @brief The name-based (version 5, SHA-1) UUID of name[0..len) in namespace ns
 *  (RFC 4122 4.3), as 36 lowercase characters plus NUL. */
void vg_uuid5(const unsigned char ns[16], const void *name, size_t len, char out[37]);

/* ----------------------------------------------------------- field registry */

/** A field id: an index into the registry; negative means "no such field". */
typedef int32_t vg_field;
#define VG_FIELD_NONE (-1)
#define VG_FIELDS_MAX 16384

enum vg_field_type {
	VG_FT_KEYWORD = 0, /* exact string */
	VG_FT_TEXT,        /* free text */
	VG_FT_LONG,        /* integer */
	VG_FT_DOUBLE,
	VG_FT_IP,
	VG_FT_DATE,
	VG_FT_BOOL,
};

/**
 * @brief Load the built-in registry (schemas/fields.yaml, embedded at build time).
 * Idempotent and thread-safe.  @return VG_OK, or VG_ERR_CONFIG with diag filled.
 */
vg_err vg_fields_init(struct vg_diag *diag);
/** @return the id of name, or VG_FIELD_NONE.  Lock-free, O(1). */
vg_field vg_field_lookup(const char *name, size_t len);
/**
 * @return the id of name, adding it (type keyword) when absent; VG_FIELD_NONE when
 * the registry is full.  Call at load time only (rules, decoders, mappings), never
 * per event: the registry must not grow with input.
 */
vg_field vg_field_intern(const char *name, size_t len);
/** @return the NUL-terminated name of id (static lifetime), or NULL. */
const char *vg_field_name(vg_field id);
enum vg_field_type vg_field_type(vg_field id);
/** @return true when id was declared in schemas/fields.yaml (not interned later). */
bool vg_field_is_schema(vg_field id);
/** @return the number of ids handed out so far. */
size_t vg_field_count(void);

/* ------------------------------------------------------------------ event */

enum vg_value_kind {
	VG_VK_UNSET = 0,
	VG_VK_STR,  /* text (JSON string) */
	VG_VK_NUM,  /* textual number, as it appeared (JSON number) */
	VG_VK_BOOL, /* "true" / "false" */
	VG_VK_NULL, /* JSON null */
	/* a JSON array: ptr/len are its JSON text as in the record, written out as a
	 * JSON string like VG_VK_STR; rules test its elements (correlate/detect.c,
	 * vg_list_next).  After VG_VK_NULL: `kind < VG_VK_NULL` is a plain scalar. */
	VG_VK_LIST,
};

/** A field value: always kept as text; kind says how to write it as JSON. */
struct vg_value {
	const char *ptr;
	uint32_t len;
	uint8_t kind; /* enum vg_value_kind */
};

/** A field the registry does not know (kept for output, invisible to rules). */
struct vg_extra {
	const char *name;
	uint32_t name_len;
	struct vg_value value;
	struct vg_extra *next;
};

/** Where a record came from: a Kafka topic/partition/offset, or a file and index
 *  (partition = -1, offset = 0-based record index). */
struct vg_source {
	const char *topic; /* or file path; not owned */
	int32_t partition;
	int64_t offset;
};

/**
 * One normalized event.  Allocated from an arena; see the file comment.
 *
 * Sparse layout: creating an event costs a 2-byte index entry per registry field
 * (zeroed) plus a small value array, not a value per field, and an event holds
 * only the values it has.
 *  - slot[id], for id < nslots, is 0 when field id is unset, otherwise 1 + the
 *    position of its value in vals;
 *  - vals[0..nset) are the set values in the order their fields were first set
 *    (overwriting a field keeps its position); vals has room for cap entries and is
 *    regrown in the arena when full.
 * Read values with vg_event_get / vg_event_next and write them with the setters;
 * these members are not a stable interface.
 */
struct vg_event {
	vg_time ts;            /* @timestamp (event time), VG_TIME_NONE if unknown */
	uint16_t *slot;        /* nslots entries; see above */
	struct vg_value *vals; /* cap entries, nset used */
	uint32_t nslots;       /* registry size at creation: larger ids are ignored */
	uint32_t nset;         /* how many registry fields are set */
	uint32_t cap;
	bool oom;       /* a set failed for lack of memory: event incomplete */
	bool ts_future; /* ts lies too far after the record's own time (the parser's
	                   max_future); vigil.claimed_time holds it */
	struct vg_extra *extras; /* in insertion order */
	struct vg_extra **extras_tail;
	uint32_t nextras;
	uint32_t nspare;        /* extras nodes allocated (in blocks), not yet used, */
	struct vg_extra *spare; /* starting at spare */
	struct vg_str raw;      /* the original record */
	struct vg_source src;
	struct vg_arena *arena;
};

/** @return a new empty event sized for the current registry, or NULL (OOM).
 *  Cost: one arena allocation (with room for the first 32 values), zeroing 2
 *  bytes per registry field plus the header. */
struct vg_event *vg_event_new(struct vg_arena *arena);
/** @brief Set a field by id to a borrowed value (no copy); setting a field again
 *  replaces its value.  @return VG_OK; VG_ERR_INVALID for an id outside the
 *  registry the event was sized for (or kind VG_VK_UNSET); VG_ERR_NOMEM when the
 *  value array could not grow (ev->oom is then set too). */
vg_err vg_event_set(struct vg_event *ev, vg_field id, const char *ptr, size_t len,
                    enum vg_value_kind kind);
/** @brief Set a field by id to a copy (in the event's arena). */
vg_err vg_event_set_copy(struct vg_event *ev, vg_field id, const char *ptr, size_t len,
                         enum vg_value_kind kind);
/** @brief Set a field by name: registry fields by id, others as extras (copied name
 *  and value).  Never grows the registry. */
vg_err vg_event_set_named(struct vg_event *ev, const char *name, size_t name_len,
                          const char *ptr, size_t len, enum vg_value_kind kind,
                          bool copy);
/** @brief Append an extra without looking name up in the registry: for callers
 *  that already know vg_field_lookup(name) is VG_FIELD_NONE.  name and value are
 *  borrowed (they must live as long as the event).  @return VG_OK, VG_ERR_INVALID
 *  (a length above UINT32_MAX) or VG_ERR_NOMEM. */
vg_err vg_event_add_extra(struct vg_event *ev, const char *name, size_t name_len,
                          const char *ptr, size_t len, enum vg_value_kind kind);
/** @brief vg_event_add_extra's last step, inline for parsers that append dozens
 *  of extras per record: fill the next spare node (ev->nspare must be > 0; both
 *  lengths fit 32 bits) and append it.  Sets the node's next itself: the spare
 *  block may be a caller's unzeroed memory. */
static inline void vg_event_push_extra(struct vg_event *ev, const char *name,
                                       size_t name_len, const char *ptr, size_t len,
                                       enum vg_value_kind kind)
{
	struct vg_extra *x = ev->spare++;
	ev->nspare--;
	x->name = name;
	x->name_len = (uint32_t)name_len;
	x->value.ptr = ptr;
	x->value.len = (uint32_t)len;
	x->value.kind = (uint8_t)kind;
	x->next = NULL;
	*ev->extras_tail = x;
	ev->extras_tail = &x->next;
	ev->nextras++;
}
/** @return the value of id, or NULL when unset/out of range.  O(1).  The value
 *  stays readable until the arena is reset; after a field not set before is set,
 *  it may be a stale copy that misses later overwrites of id (get it again). */
static inline const struct vg_value *vg_event_get(const struct vg_event *ev, vg_field id)
{
	if ((uint32_t)id >= ev->nslots) /* also id < 0 */
		return NULL;
	uint32_t k = ev->slot[id];
	return k ? &ev->vals[k - 1] : NULL;
}
/**
 * @brief Iterate the set registry fields in id order: start with *id =
 * VG_FIELD_NONE; each call moves *id to the next set field and returns its value,
 * or returns NULL at the end.  A whole pass costs O(nslots).
 */
const struct vg_value *vg_event_next(const struct vg_event *ev, vg_field *id);
/** @return the value of a field by name (registry or extras), or NULL. */
const struct vg_value *vg_event_get_named(const struct vg_event *ev, const char *name);
/** @brief Append the event as one flat JSON object ({"@timestamp":..,"host.name":..}),
 *  registry fields in id order, then extras. */
void vg_event_to_json(const struct vg_event *ev, struct vg_buf *out);

/* ------------------------------------------------------------ string map */

/**
 * A hash map from NUL-terminated string keys (copied, owned) to void * values
 * (borrowed).  Open addressing with linear probing and backward-shift deletion, so
 * there are no tombstones.  Not thread-safe.
 */
struct vg_strmap {
	struct vg_strmap_slot *slots;
	size_t cap; /* power of two, or 0 */
	size_t count;
};
struct vg_strmap_slot {
	char *key; /* NULL = empty */
	uint64_t hash;
	void *value;
};

void vg_strmap_init(struct vg_strmap *m);
/** @brief Free the keys and the table (not the values); NULL is allowed. */
void vg_strmap_free(struct vg_strmap *m);
/** @return the value stored under key, or NULL. */
void *vg_strmap_get(const struct vg_strmap *m, const char *key);
/** @brief Insert or replace.  @return VG_OK or VG_ERR_NOMEM. */
vg_err vg_strmap_put(struct vg_strmap *m, const char *key, void *value);
/** @return the removed value, or NULL when key was absent. */
void *vg_strmap_del(struct vg_strmap *m, const char *key);
/** @brief Iterate: pass i = 0 first; returns the next slot at or after *i (and
 *  advances *i past it), or NULL at the end.  Do not modify the map meanwhile. */
struct vg_strmap_slot *vg_strmap_next(const struct vg_strmap *m, size_t *i);

/* ------------------------------------------------------------------ heap */

/**
 * A binary min-heap over an array the caller owns and grows, ordered by a
 * qsort-style cmp: base[0] is the least.  Push and pop are O(log n).
 */
/** @brief base[n] has just been written: sift it up (the heap then has n + 1). */
void vg_heap_push(void *base, size_t n, size_t size,
                  int (*cmp)(const void *, const void *));
/** @brief Move the least of the n elements to base[n - 1] and make the first n - 1 a
 *  heap again; the caller then takes base[n - 1] and has n - 1 left. */
void vg_heap_pop(void *base, size_t n, size_t size,
                 int (*cmp)(const void *, const void *));

/**
 * A multiset of int64 values with its least at hand (the offsets of a partition
 * that held alerts or hits still need): a min-heap of them, and one of those
 * removed since, cancelled against the first whenever both tops meet, so the
 * first's top is always still in the set.  Add and remove O(log n).  Zero it to
 * start.
 */
struct vg_minset {
	int64_t *live, *gone;
	size_t nlive, live_cap, ngone, gone_cap;
};
/** @return false when out of memory (x is not in the set). */
bool vg_minset_add(struct vg_minset *s, int64_t x);
/** @brief Remove one x, which must be in the set.  @return false when out of
 *  memory (x stays in the set, which only keeps the least lower). */
bool vg_minset_remove(struct vg_minset *s, int64_t x);
/** @return true and *least when the set is not empty. */
static inline bool vg_minset_least(const struct vg_minset *s, int64_t *least)
{
	if (!s->nlive)
		return false;
	*least = s->live[0];
	return true;
}
void vg_minset_free(struct vg_minset *s);

/* ------------------------------------------------------------- addresses */

/**
 * @brief Classify an IP address given as text (not necessarily NUL-terminated).
 * Accepts dotted IPv4, IPv6 (with an optional %zone and optional [brackets]).
 * @return 1 when the address is external (publicly routable), 0 when it is not
 *         (RFC 1918, loopback, link-local, CGNAT, unspecified, multicast,
 *         reserved/broadcast; IPv6 loopback, unspecified, ULA, link-local,
 *         site-local, multicast; IPv4-mapped and NAT64 addresses classified by
 *         their IPv4 part), -1 when the text is not an IP address.  No allocation.
 */
int vg_ip_classify(const char *s, size_t len);

/**
 * @brief Parse an IP address given as text (not necessarily NUL-terminated): dotted
 * IPv4 or IPv6, with an optional %zone (ignored) and optional [brackets].
 * @return 4 (addr[0..4) set) or 6 (addr[0..16) set), 0 when it is not an address.
 */
int vg_ip_parse(const char *s, size_t len, unsigned char addr[16]);

/**
 * @brief vg_ip_parse, in the family asked for when the address has a form in it:
 * an IPv4-mapped IPv6 address (::ffff:a.b.c.d) as IPv4, an IPv4 address as its
 * IPv4-mapped IPv6 form -- one address either way, as Elasticsearch's ip type
 * stores it.  @return the family of addr, 0 when the text is not an address.
 */
int vg_ip_parse_as(const char *s, size_t len, int family, unsigned char addr[16]);

/**
 * @brief Is the text an address that means "this host" wherever it is seen:
 * loopback (127.0.0.0/8, ::1) or unspecified / "this network" (0.0.0.0/8, ::),
 * IPv4-mapped forms included?  The same text on two hosts names two machines.
 * Same syntax as vg_ip_classify; false for anything that is not an address.
 */
bool vg_ip_host_local(const char *s, size_t len);

/**
 * @brief The canonical text of an IP address, so one address written several ways
 * compares equal: IPv4 dotted decimal, IPv4-mapped IPv6 (::ffff:a.b.c.d, as
 * Windows Security events write IPv4 peers) as its IPv4 address, other IPv6 in
 * inet_ntop's compressed lowercase form (RFC 5952) with its %zone as written;
 * [brackets] dropped.  Same syntax as vg_ip_classify.
 * @return its length (written to out with a NUL), 0 when the text is not an
 *         address or the form does not fit in size bytes.
 */
size_t vg_ip_canonical(const char *s, size_t len, char *out, size_t size);

/**
 * @brief The text an address value is compared by, into out (size bytes): its
 * canonical form (vg_ip_canonical) when it is an address, as written otherwise
 * (cut to size - 1 bytes).  Dotted IPv4 is not parsed: it is its canonical form.
 * @return the length written.
 */
size_t vg_ip_text(const char *s, size_t len, char *out, size_t size);

/* ------------------------------------------------------------- resources */

/** A file embedded in the binary at build time (schemas, decoders, rules, model). */
struct vg_resource {
	const char
	    *name; /* path relative to the source root, e.g. "schemas/fields.yaml" */
	const unsigned char *data;
	size_t len;
};
/** @return the embedded resource with that name, or NULL. */
const struct vg_resource *vg_resource_get(const char *name);
/** @return all embedded resources whose name starts with prefix, via callback. */
void vg_resource_each(const char *prefix, void (*fn)(const struct vg_resource *, void *),
                      void *ctx);

#ifdef __cplusplus
}
#endif
#endif /* VG_CORE_H */
