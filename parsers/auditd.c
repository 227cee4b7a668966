/*
 * auditd.c - Linux audit records -> one normalized event per audit(ts:serial).
 *
 * A kernel audit event is written as several records ("type=SYSCALL msg=audit(
 * 1604996384.965:93777): ...", then EXECVE, CWD, PATH..., PROCTITLE, maybe EOE) that
 * share the msg=audit(SEC.MS:SERIAL) stamp.  vgp_parse_auditd takes one or more such
 * records of one stamp and builds one event: newline-separated, or several on one
 * line, as the Wazuh agent forwards them ("type=SYSCALL msg=audit(..): ... type=CWD
 * msg=audit(..): ..."), each optionally prefixed by "node=NAME " (auditd's
 * name_format).  A record starts at a space outside quotes that is followed by a
 * complete header, so a value holding "type=" does not split a record.  Grouping a
 * stream is vg_parse_feed's job (parser.c).  Invariants:
 *  - Every key=value of every record stays addressable under its own name (first
 *    occurrence wins, so PATH item 0 beats item 1), as Sigma's auditd rules name them;
 *    "type" is EXECVE when the event has an EXECVE record (so "type: EXECVE, a0: ..."
 *    rules match), else the first record's type; SYSCALL's register arguments a0..a3
 *    are "syscall.a0".."syscall.a3" so the short names stay the argv.  The ECS fields
 *    are set besides; auditd.record_types lists every record's type in order.
 *  - Values the kernel hex-encodes (EXECVE arguments, proctitle, cwd, name, comm,
 *    exe, acct, key when unquoted and all hex) are decoded into the arena, NUL bytes
 *    as spaces and other control bytes or invalid UTF-8 as '?'; only proctitle drops
 *    its trailing NULs (argv terminators, padding), every other value keeps each
 *    byte, a trailing space too ("/tmp/evil ").
 *  - EXECVE arguments, all of them, join into process.command_line;
 *    auditd.args_missing counts those below argc the event lacks (a huge argv split
 *    over two events).  A long argument comes as chunks a2[0], a2[1]... cut at any
 *    byte: their bytes are joined, then decoded and made text, the whole argument
 *    being a2 like the others (a2[M] keep the kernel's text; a2_len is a number).
 *  - Enriched records (log_format=ENRICHED: a 0x1d byte, then UID="root" ...) give
 *    the user / group names.
 *  - A SYSCALL record is a process start when arch= and syscall= are execve or
 *    execveat on that architecture (x86_64, x32, i386, aarch64, riscv64); another
 *    arch is not guessed at.
 *  - A file syscall's event.type comes from its PATH items' nametype: CREATE ->
 *    creation, DELETE -> deletion, both (rename) -> change, otherwise info.
 *  - Nothing is allocated but from the event's arena; malformed bodies are tolerated
 *    (a token without '=' is free text, an unterminated quote runs to the end), only a
 *    missing or broken header, control bytes and invalid UTF-8 make a dead letter.
 */
#include "parsers_int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define AUDIT_KEY_MAX 63
#define MAX_SEEN      192
#define MAX_ARGS      0x7FFFFFFF /* the kernel's MAX_ARG_STRINGS */

/* ------------------------------------------------------------ header */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Parse "[node=N ]type=T msg=audit(S.M:N):" at buf.  On success *type, *key (the
 * text inside the parentheses), *node and *body (after the colon) are set. */
static bool header(const char *buf, size_t len, struct vg_str *node, struct vg_str *type,
                   struct vg_str *key, size_t *body)
{
	size_t i = 0;
	*node = vg_str_make(NULL, 0);
	if (len > 5 && memcmp(buf, "node=", 5) == 0) {
		size_t s = i = 5;
		while (i < len && buf[i] != ' ')
			i++;
		*node = vg_str_make(buf + s, i - s);
		while (i < len && buf[i] == ' ')
			i++;
	}
	if (len - i < 5 || memcmp(buf + i, "type=", 5) != 0)
		return false;
	size_t ts = i += 5;
	while (i < len && ((buf[i] >= 'A' && buf[i] <= 'Z') || is_digit(buf[i]) ||
	                   buf[i] == '_' || buf[i] == '[' || buf[i] == ']'))
		i++;
	if (i == ts || i - ts > 64)
		return false;
	*type = vg_str_make(buf + ts, i - ts);
	if (len - i < 11 || memcmp(buf + i, " msg=audit(", 11) != 0)
		return false;
	size_t ks = i += 11, d;
	for (d = i; i < len && is_digit(buf[i]); i++)
		;
	if (i == d || i - d > 12 || i >= len || buf[i] != '.')
		return false;
	for (d = ++i; i < len && is_digit(buf[i]); i++)
		;
	if (i == d || i - d > 6 || i >= len || buf[i] != ':')
		return false;
	for (d = ++i; i < len && is_digit(buf[i]); i++)
		;
	if (i == d || i - d > 20 || len - i < 2 || buf[i] != ')' || buf[i + 1] != ':')
		return false;
	*key = vg_str_make(buf + ks, i - ks);
	*body = i + 2;
	return true;
}

/* Where the record starting at rec[0] ends within its line: the offset of the space
 * before the next record's header ("[node=N ]type=T msg=audit(S.M:N):"), looking
 * only outside quoted values (a quote opens right after '=', as body() reads it;
 * msg='...' may hold "..." values), or len when the line holds one record.
 * Cost: O(len), plus a header check at each " type=" / " node=". */
static size_t record_end(const char *rec, size_t len)
{
	struct vg_str node, type, key;
	size_t start;
	char q = 0, inner = 0;
	if (!header(rec, len, &node, &type, &key, &start))
		return len; /* vgp_auditd_key reports it */
	for (size_t i = start; i < len; i++) {
		char c = rec[i];
		if (inner) {
			if (c == inner)
				inner = 0;
			continue;
		}
		if (q) {
			if (c == q)
				q = 0;
			else if (q == '\'' && c == '"' && rec[i - 1] == '=')
				inner = '"';
			continue;
		}
		if ((c == '"' || c == '\'') && rec[i - 1] == '=') {
			q = c;
			continue;
		}
		if (c != ' ' || len - i < 6 ||
		    (memcmp(rec + i + 1, "type=", 5) != 0 &&
		     memcmp(rec + i + 1, "node=", 5) != 0))
			continue;
		size_t off;
		if (header(rec + i + 1, len - i - 1, &node, &type, &key, &off))
			return i;
	}
	return len;
}

vg_err vgp_auditd_key(const char *buf, size_t len, struct vg_arena *arena,
                      struct vg_str *key, struct vg_str *type, const char **reason)
{
	struct vg_str node;
	size_t body;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];
		if (c < 0x20 && c != '\t' && c != 0x1d) {
			*reason = vgp_reason(
			    arena, "auditd: control character at column %zu", i + 1);
			return VG_ERR_PARSE;
		}
	}
	size_t bad = vg_utf8_check(buf, len);
	if (bad < len) {
		*reason =
		    vgp_reason(arena, "auditd: invalid UTF-8 at column %zu", bad + 1);
		return VG_ERR_PARSE;
	}
	if (!header(buf, len, &node, type, key, &body) || key->len > AUDIT_KEY_MAX) {
		*reason = "auditd: expected 'type=TYPE msg=audit(SECONDS.MS:SERIAL):'";
		return VG_ERR_PARSE;
	}
	return VG_OK;
}

/* ------------------------------------------------------------ values */

static bool all_hex_even(const char *s, size_t n)
{
	if (n == 0 || n % 2)
		return false;
	for (size_t i = 0; i < n; i++)
		if (vg_hex_digit(s[i]) < 0)
			return false;
	return true;
}

/* Parse "aN" or "aN[M]" (EXECVE argument names). */
static bool arg_index(struct vg_str k, long *n, long *chunk)
{
	size_t i = 1;
	*n = 0;
	*chunk = -1;
	if (k.len < 2 || k.ptr[0] != 'a' || !is_digit(k.ptr[1]))
		return false;
	for (; i < k.len && is_digit(k.ptr[i]); i++) {
		if (*n > (MAX_ARGS - (k.ptr[i] - '0')) / 10)
			return false; /* no argument index: a name like any other */
		*n = *n * 10 + (k.ptr[i] - '0');
	}
	if (i == k.len)
		return true;
	if (k.ptr[i] != '[')
		return false;
	long c = 0;
	size_t d = ++i;
	while (i < k.len && is_digit(k.ptr[i]) && c < 100000)
		c = c * 10 + (k.ptr[i++] - '0');
	if (i == d || i + 1 != k.len || k.ptr[i] != ']')
		return false;
	*chunk = c;
	return true;
}

/* Fields the kernel writes hex-encoded when they hold unsafe bytes; execve_arg:
 * k is an EXECVE record's aN or aN[M] (arg_index). */
static bool encoded_name(bool execve_arg, const char *k, size_t n)
{
	static const char *const names[] = {"proctitle", "cwd",  "name", "comm", "exe",
	                                    "acct",      "path", "key",  "data", "cmd"};
	if (n >= 2 && k[0] == 'a' && is_digit(k[1]))
		/* EXECVE's aN and aN[M], not aN_len (a decimal length); SYSCALL's aN
		 * are registers */
		return execve_arg;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == n && memcmp(names[i], k, n) == 0)
			return true;
	return false;
}

/* Decode n hex digits (n even, all hex) into n / 2 raw bytes in the arena, plus a
 * NUL.  @return NULL on OOM. */
static char *hex_bytes(struct vg_arena *arena, const char *s, size_t n)
{
	size_t m = n / 2;
	char *o = vg_arena_alloc(arena, m + 1);
	if (!o)
		return NULL;
	for (size_t i = 0; i < m; i++)
		o[i] = (char)(vg_hex_digit(s[2 * i]) << 4 | vg_hex_digit(s[2 * i + 1]));
	o[m] = '\0';
	return o;
}

/* Make m decoded bytes printable text, in place: NUL bytes become spaces (argv
 * separators), other control bytes and invalid UTF-8 '?'.  Every other byte, a
 * trailing space too, is kept: it is the value's own. */
static void make_text(char *o, size_t m)
{
	for (size_t i = 0; i < m; i++) {
		unsigned char c = (unsigned char)o[i];
		o[i] = c == 0 ? ' ' : c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	for (size_t i = 0; i < m;) {
		size_t bad = vg_utf8_check(o + i, m - i);
		if (bad == m - i)
			break;
		o[i + bad] = '?';
		i += bad + 1;
	}
}

/* ------------------------------------------------------------ building */

struct kv {
	struct vg_str k, v;
	bool quoted;
};

/* One EXECVE argument value (aN) or chunk (aN[M]) as it arrived; finish() orders
 * them by N and joins each argument's chunks. */
struct arg_piece {
	uint32_t n, seq;
	struct vg_str v; /* text for aN; bytes, not yet text, for a chunk */
	bool chunk;
};

struct abuild {
	const struct vg_parser *parser;
	struct vg_event *ev;
	struct vg_str seen[MAX_SEEN];
	size_t nseen;
	/* EXECVE */
	struct arg_piece *pieces; /* every aN and aN[M], in arrival order */
	size_t npieces, cap_pieces;
	long argc;
	bool have_execve;
	/* the interesting values, first occurrence */
	struct vg_str uid, auid, euid, gid, pid, ppid, comm, exe, success, arch, syscall,
	    key, cwd, path0, path_any, proctitle, acct, addr, res, op, terminal, ses;
	struct vg_str e_uid, e_auid, e_euid, e_gid, e_syscall; /* enriched */
	struct vg_str first_type;
	struct vg_str cur_path;        /* name of the PATH record being read */
	bool path_create, path_delete; /* a PATH item with nametype CREATE / DELETE */
	char types[256];
	size_t types_len;
};

static bool seen_before(struct abuild *b, struct vg_str k)
{
	for (size_t i = 0; i < b->nseen; i++)
		if (b->seen[i].len == k.len && memcmp(b->seen[i].ptr, k.ptr, k.len) == 0)
			return true;
	if (b->nseen < MAX_SEEN)
		b->seen[b->nseen++] = k;
	return false;
}

static void remember(struct vg_str *slot, struct vg_str v)
{
	if (!slot->ptr)
		*slot = v;
}

static bool key_is(struct vg_str k, const char *lit)
{
	return vg_str_eq(k, lit);
}

/* Keep one EXECVE argument or chunk.  Every one is kept: their number is bounded by
 * the records' size (VG_AUDIT_GROUP_BYTES per event).  @return VG_OK or
 * VG_ERR_NOMEM. */
static vg_err add_piece(struct abuild *b, long n, struct vg_str v, bool chunk)
{
	if (b->npieces == b->cap_pieces) {
		size_t cap = b->cap_pieces ? 2 * b->cap_pieces : 16;
		struct arg_piece *p = vg_arena_alloc(b->ev->arena, cap * sizeof(*p));
		if (!p)
			return VG_ERR_NOMEM;
		if (b->npieces)
			memcpy(p, b->pieces, b->npieces * sizeof(*p));
		b->pieces = p;
		b->cap_pieces = cap;
	}
	b->pieces[b->npieces] =
	    (struct arg_piece){(uint32_t)n, (uint32_t)b->npieces, v, chunk};
	b->npieces++;
	return VG_OK;
}

static int piece_cmp(const void *a, const void *b)
{
	const struct arg_piece *x = a, *y = b;
	if (x->n != y->n)
		return x->n < y->n ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static vg_err on_kv(struct abuild *b, struct vg_str type, const struct kv *kv,
                    bool enriched)
{
	struct vg_event *ev = b->ev;
	struct vg_str v = kv->v;
	long arg, chunk;
	/* An argument too long for one value is written as chunks aN[0], aN[1]...
	 * cut anywhere, inside a UTF-8 character too: their bytes are joined first
	 * and made text once, in finish().  The chunk's own field keeps the text as
	 * written. */
	bool execve = vg_str_eq(type, "EXECVE");
	bool is_arg = execve && arg_index(kv->k, &arg, &chunk);
	bool is_chunk = is_arg && chunk >= 0;
	struct vg_str bytes = v; /* a chunk's bytes: hex decoded, not yet text */
	vg_err err;

	if (!kv->quoted && encoded_name(is_arg, kv->k.ptr, kv->k.len) &&
	    all_hex_even(v.ptr, v.len)) {
		char *d = hex_bytes(ev->arena, v.ptr, v.len);
		size_t m = v.len / 2;
		if (!d)
			return VG_ERR_NOMEM;
		if (is_chunk) {
			bytes = vg_str_make(d, m);
		} else {
			/* proctitle is the argv, each argument NUL-terminated, and may
			 * end in NUL padding: those NULs are no part of the title.  No
			 * other value loses a byte. */
			if (key_is(kv->k, "proctitle"))
				while (m && d[m - 1] == '\0')
					m--;
			make_text(d, m);
			d[m] = '\0';
			v = vg_str_make(d, m);
		}
	}
	if (enriched) {
		if (key_is(kv->k, "UID"))
			remember(&b->e_uid, v);
		else if (key_is(kv->k, "AUID"))
			remember(&b->e_auid, v);
		else if (key_is(kv->k, "EUID"))
			remember(&b->e_euid, v);
		else if (key_is(kv->k, "GID"))
			remember(&b->e_gid, v);
		else if (key_is(kv->k, "SYSCALL"))
			remember(&b->e_syscall, v);
	} else if (execve) {
		if (key_is(kv->k, "argc")) {
			b->argc = 0;
			for (size_t i = 0; i < v.len && is_digit(v.ptr[i]) &&
			                   b->argc <= (MAX_ARGS - (v.ptr[i] - '0')) / 10;
			     i++)
				b->argc = b->argc * 10 + (v.ptr[i] - '0');
			b->have_execve = true;
		} else if (is_arg) {
			if ((err = add_piece(b, arg, is_chunk ? bytes : v, is_chunk)))
				return err;
			b->have_execve = true;
		}
	} else {
		static const struct {
			const char *k;
			size_t off;
		} slots[] = {
		    {"uid", offsetof(struct abuild, uid)},
		    {"auid", offsetof(struct abuild, auid)},
		    {"euid", offsetof(struct abuild, euid)},
		    {"gid", offsetof(struct abuild, gid)},
		    {"pid", offsetof(struct abuild, pid)},
		    {"ppid", offsetof(struct abuild, ppid)},
		    {"comm", offsetof(struct abuild, comm)},
		    {"exe", offsetof(struct abuild, exe)},
		    {"success", offsetof(struct abuild, success)},
		    {"arch", offsetof(struct abuild, arch)},
		    {"syscall", offsetof(struct abuild, syscall)},
		    {"key", offsetof(struct abuild, key)},
		    {"cwd", offsetof(struct abuild, cwd)},
		    {"proctitle", offsetof(struct abuild, proctitle)},
		    {"acct", offsetof(struct abuild, acct)},
		    {"addr", offsetof(struct abuild, addr)},
		    {"res", offsetof(struct abuild, res)},
		    {"op", offsetof(struct abuild, op)},
		    {"terminal", offsetof(struct abuild, terminal)},
		    {"ses", offsetof(struct abuild, ses)},
		};
		for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
			if (key_is(kv->k, slots[i].k)) {
				remember((struct vg_str *)((char *)b + slots[i].off), v);
				break;
			}
		}
		if (vg_str_eq(type, "PATH") && key_is(kv->k, "name")) {
			b->cur_path = v;
			remember(&b->path_any, v);
		} else if (vg_str_eq(type, "PATH") && key_is(kv->k, "nametype") &&
		           b->cur_path.ptr && !vg_str_eq(v, "PARENT")) {
			remember(&b->path0, b->cur_path);
			b->path_create |= vg_str_eq(v, "CREATE");
			b->path_delete |= vg_str_eq(v, "DELETE");
		}
	}
	struct vg_str name = kv->k;
	if (vg_str_eq(type, "SYSCALL") && name.len == 2 && name.ptr[0] == 'a' &&
	    name.ptr[1] >= '0' && name.ptr[1] <= '3') {
		/* SYSCALL's a0..a3 are registers: EXECVE's a0.. (the argv) keep the
		 * short names Sigma rules use. */
		static const char *const regs[] = {"syscall.a0", "syscall.a1",
		                                   "syscall.a2", "syscall.a3"};
		name = vg_str_make(regs[name.ptr[1] - '0'], 10);
	}
	if (seen_before(b, name))
		return VG_OK;
	return vg_event_set_named(ev, name.ptr, name.len, v.ptr, v.len, VG_VK_STR, false);
}

/* Walk "k=v k='...' k="..." text" between s and e (recursing into msg='...'). */
static vg_err body(struct abuild *b, struct vg_str type, const char *s, const char *e,
                   int depth)
{
	bool enriched = false;
	const char *p = s;
	vg_err err;

	while (p < e) {
		while (p < e && (*p == ' ' || *p == '\t' || *p == ','))
			p++;
		if (p < e && *p == 0x1d) {
			enriched = true;
			p++;
			continue;
		}
		if (p >= e)
			break;
		const char *ks = p;
		while (p < e && *p != '=' && *p != ' ' && *p != 0x1d)
			p++;
		if (p >= e || *p != '=' || p == ks) {
			/* free text ("auditd start,"), skip the word */
			while (p < e && *p != ' ' && *p != 0x1d)
				p++;
			continue;
		}
		struct kv kv = {vg_str_make(ks, (size_t)(p - ks)), {NULL, 0}, false};
		p++; /* '=' */
		if (p < e && (*p == '"' || *p == '\'')) {
			char q = *p++;
			const char *vs = p;
			while (p < e && *p != q)
				p++;
			kv.v = vg_str_make(vs, (size_t)(p - vs));
			kv.quoted = true;
			if (p < e)
				p++;
			if (q == '\'' && key_is(kv.k, "msg") && depth == 0) {
				if ((err = body(b, type, vs, vs + kv.v.len, depth + 1)))
					return err;
				continue;
			}
		} else {
			const char *vs = p;
			while (p < e && *p != ' ' && *p != 0x1d)
				p++;
			kv.v = vg_str_make(vs, (size_t)(p - vs));
		}
		if ((err = on_kv(b, type, &kv, enriched)))
			return err;
	}
	return VG_OK;
}

static vg_err set_s(struct vg_event *ev, vg_field id, struct vg_str v,
                    enum vg_value_kind kind)
{
	if (!v.ptr || !v.len || vg_event_get(ev, id))
		return VG_OK;
	return vg_event_set(ev, id, v.ptr, v.len, kind);
}

static vg_err set_lit(struct vg_event *ev, vg_field id, const char *lit)
{
	if (vg_event_get(ev, id))
		return VG_OK;
	return vg_event_set(ev, id, lit, strlen(lit), VG_VK_STR);
}

/* uid text that means "unset" (4294967295 = -1) or "?" */
static bool unset_id(struct vg_str v)
{
	return !v.len || vg_str_eq(v, "4294967295") || vg_str_eq(v, "?") ||
	       vg_str_eq(v, "-1") || vg_str_eq(v, "unset");
}

static bool numeric(struct vg_str v)
{
	return vgp_is_pid(v.ptr, v.len);
}

static vg_err lower_type(struct vg_event *ev, vg_field id, struct vg_str t)
{
	char *o = vg_arena_alloc(ev->arena, t.len + 1);
	if (!o)
		return VG_ERR_NOMEM;
	for (size_t i = 0; i < t.len; i++)
		o[i] =
		    t.ptr[i] >= 'A' && t.ptr[i] <= 'Z' ? (char)(t.ptr[i] + 32) : t.ptr[i];
	o[t.len] = '\0';
	return set_s(ev, id, vg_str_make(o, t.len), VG_VK_STR);
}

/*
 * Whether SYSCALL's arch= and syscall= name execve or execveat.  The numbers are
 * per architecture (59 is execve on x86_64 but pipe2 on aarch64): arch is the
 * kernel's AUDIT_ARCH_* (linux/audit.h: ELF machine | 64-bit | little-endian), the
 * numbers its syscall tables (asm/unistd_64.h, unistd_x32.h, unistd_32.h,
 * asm-generic/unistd.h).  An architecture not listed is no process start: a number
 * is not guessed at.
 */
static bool execve_syscall(struct vg_str arch, struct vg_str nr)
{
	static const struct {
		const char *arch, *nr;
	} execs[] = {
	    {"c000003e", "59"},         /* x86_64 execve */
	    {"c000003e", "322"},        /* x86_64 execveat */
	    {"c000003e", "1073742344"}, /* x32 execve (0x40000000 + 520) */
	    {"c000003e", "1073742369"}, /* x32 execveat (0x40000000 + 545) */
	    {"40000003", "11"},         /* i386 execve */
	    {"40000003", "358"},        /* i386 execveat */
	    {"c00000b7", "221"},        /* aarch64 execve (asm-generic) */
	    {"c00000b7", "281"},        /* aarch64 execveat */
	    {"c00000f3", "221"},        /* riscv64 execve (asm-generic) */
	    {"c00000f3", "281"},        /* riscv64 execveat */
	};
	if (arch.len != 8)
		return false;
	char a[8]; /* auditd writes it in lower case; accept upper case too */
	for (size_t i = 0; i < 8; i++)
		a[i] = arch.ptr[i] >= 'A' && arch.ptr[i] <= 'F' ? (char)(arch.ptr[i] + 32)
		                                                : arch.ptr[i];
	for (size_t i = 0; i < sizeof(execs) / sizeof(execs[0]); i++)
		if (memcmp(a, execs[i].arch, 8) == 0 && vg_str_eq(nr, execs[i].nr))
			return true;
	return false;
}

/* ECS category / type from the record types and the syscall. */
static vg_err categorize(struct abuild *b)
{
	const struct vgp_ep_ids *ep = &b->parser->ep;
	struct vg_event *ev = b->ev;
	struct vg_str t = b->first_type;
	const char *cat = NULL, *typ = NULL;
	/* the enriched SYSCALL= is auditd's name for the record's own arch */
	bool exec = b->have_execve || vg_str_eq(b->e_syscall, "execve") ||
	            vg_str_eq(b->e_syscall, "execveat") ||
	            (vg_str_eq(t, "SYSCALL") && execve_syscall(b->arch, b->syscall));

	if (exec) {
		cat = "process";
		typ = "start";
	} else if (vg_str_eq(t, "USER_AUTH") || vg_str_eq(t, "USER_LOGIN") ||
	           vg_str_eq(t, "USER_ACCT") || vg_str_eq(t, "CRED_ACQ") ||
	           vg_str_eq(t, "CRED_DISP") || vg_str_eq(t, "CRED_REFR") ||
	           vg_str_eq(t, "LOGIN") || vg_str_eq(t, "USER_ERR") ||
	           vg_str_eq(t, "ANOM_LOGIN_FAILURES")) {
		cat = "authentication";
		typ = "info";
	} else if (vg_str_eq(t, "USER_START") || vg_str_eq(t, "USER_END")) {
		cat = "session";
		typ = vg_str_eq(t, "USER_START") ? "start" : "end";
	} else if (vg_str_eq(t, "ADD_USER") || vg_str_eq(t, "DEL_USER") ||
	           vg_str_eq(t, "ADD_GROUP") || vg_str_eq(t, "DEL_GROUP") ||
	           vg_str_eq(t, "USER_MGMT") || vg_str_eq(t, "GRP_MGMT") ||
	           vg_str_eq(t, "USER_CHAUTHTOK") || vg_str_eq(t, "ACCT_LOCK") ||
	           vg_str_eq(t, "ACCT_UNLOCK")) {
		cat = "iam";
		typ = vg_str_eq(t, "ADD_USER") || vg_str_eq(t, "ADD_GROUP")   ? "creation"
		      : vg_str_eq(t, "DEL_USER") || vg_str_eq(t, "DEL_GROUP") ? "deletion"
		                                                              : "change";
	} else if (vg_str_eq(t, "CONFIG_CHANGE") || vg_str_eq(t, "DAEMON_CONFIG") ||
	           vg_str_eq(t, "MAC_POLICY_LOAD") || vg_str_eq(t, "MAC_STATUS")) {
		cat = "configuration";
		typ = "change";
	} else if (vg_str_eq(t, "SERVICE_START") || vg_str_eq(t, "SERVICE_STOP")) {
		cat = "process";
		typ = vg_str_eq(t, "SERVICE_START") ? "start" : "end";
	} else if (vg_str_eq(t, "AVC") || vg_str_eq(t, "SELINUX_ERR") ||
	           vg_str_eq(t, "APPARMOR_DENIED")) {
		cat = "intrusion_detection";
		typ = "denied";
	} else if (vg_str_eq(t, "SYSCALL") && b->path0.len) {
		cat = "file";
		typ = b->path_create && b->path_delete ? "change"
		      : b->path_create                 ? "creation"
		      : b->path_delete                 ? "deletion"
		                                       : "info";
	}
	vg_err err;
	if (cat && ((err = set_lit(ev, ep->event_category, cat)) ||
	            (err = set_lit(ev, ep->event_type, typ))))
		return err;
	if (b->e_syscall.len)
		return set_s(ev, ep->event_action, b->e_syscall, VG_VK_STR);
	if (exec)
		return set_lit(ev, ep->event_action, "executed");
	return lower_type(ev, ep->event_action, t);
}

/*
 * The EXECVE arguments, every one: the chunks of an argument joined and made text
 * (then addressable as aN like the others; for an aN given twice the first wins),
 * process.command_line the arguments in order, process.args_count argc (else the
 * number of arguments).  When indices below argc (or below the highest one) have no
 * argument -- a huge argv split over two events (VG_AUDIT_GROUP_BYTES), or records
 * lost -- auditd.args_missing says how many, so an incomplete command line never
 * passes for a whole one.
 */
static vg_err execve_args(struct abuild *b)
{
	const struct vgp_ep_ids *ep = &b->parser->ep;
	struct vg_event *ev = b->ev;
	struct arg_piece *p = b->pieces;
	size_t np = b->npieces, nargs = 0, total = 0;
	vg_err err;

	/* the kernel writes them in order: sort only what is not */
	for (size_t i = 1; i < np; i++)
		if (piece_cmp(&p[i - 1], &p[i]) > 0) {
			qsort(p, np, sizeof(*p), piece_cmp);
			break;
		}
	/* one piece per argument: p[0..nargs) */
	for (size_t i = 0; i < np;) {
		size_t j = i, direct = np, bytes = 0;
		for (; j < np && p[j].n == p[i].n; j++) {
			if (!p[j].chunk && direct == np)
				direct = j;
			bytes += p[j].v.len;
		}
		struct arg_piece a = p[direct < np ? direct : i];
		if (direct == np) {
			char *cat = vg_arena_alloc(ev->arena, bytes + 1), *o = cat;
			if (!cat)
				return VG_ERR_NOMEM;
			for (size_t k = i; k < j; k++) {
				if (p[k].v.len)
					memcpy(o, p[k].v.ptr, p[k].v.len);
				o += p[k].v.len;
			}
			*o = '\0';
			make_text(cat, bytes);
			a.v = vg_str_make(cat, bytes);
			char name[16];
			int nl = snprintf(name, sizeof(name), "a%" PRIu32, a.n);
			char *nm = vg_arena_strndup(ev->arena, name, (size_t)nl);
			if (!nm)
				return VG_ERR_NOMEM;
			if (!seen_before(b, vg_str_make(nm, (size_t)nl)) &&
			    (err = vg_event_set_named(ev, nm, (size_t)nl, a.v.ptr,
			                              a.v.len, VG_VK_STR, false)))
				return err;
		}
		p[nargs++] = a;
		total += a.v.len + 1;
		i = j;
	}
	char *cl = vg_arena_alloc(ev->arena, total + 1);
	if (!cl)
		return VG_ERR_NOMEM;
	size_t o = 0;
	for (size_t i = 0; i < nargs; i++) {
		if (i)
			cl[o++] = ' ';
		if (p[i].v.len)
			memcpy(cl + o, p[i].v.ptr, p[i].v.len);
		o += p[i].v.len;
	}
	cl[o] = '\0';
	if ((err = set_s(ev, ep->process_command_line, vg_str_make(cl, o), VG_VK_STR)))
		return err;
	char num[24];
	int k = snprintf(num, sizeof(num), "%ld", b->argc ? b->argc : (long)nargs);
	if (k > 0 && (err = vg_event_set_copy(ev, ep->process_args_count, num, (size_t)k,
	                                      VG_VK_NUM)))
		return err;
	uint64_t want = nargs ? (uint64_t)p[nargs - 1].n + 1 : 0;
	if ((uint64_t)b->argc > want)
		want = (uint64_t)b->argc;
	if (want > nargs) {
		k = snprintf(num, sizeof(num), "%" PRIu64, want - nargs);
		if ((err = vg_event_set_copy(ev, ep->auditd_args_missing, num, (size_t)k,
		                             VG_VK_NUM)))
			return err;
	}
	return VG_OK;
}

static vg_err finish(struct abuild *b, struct vg_str node, struct vg_str key)
{
	const struct vg_parser *parser = b->parser;
	const struct vgp_ep_ids *ep = &parser->ep;
	struct vg_event *ev = b->ev;
	vg_err err;

	/* process.command_line from EXECVE, else the decoded proctitle */
	if (b->have_execve && (b->npieces || b->argc) && (err = execve_args(b)))
		return err;
	if ((err = set_s(ev, ep->process_title, b->proctitle, VG_VK_STR)) ||
	    (err = set_s(ev, ep->process_command_line, b->proctitle, VG_VK_STR)))
		return err;

	struct vg_str path = b->path0.ptr ? b->path0 : b->path_any;
	if ((err = set_s(ev, ep->process_executable, b->exe, VG_VK_STR)) ||
	    (err = set_s(ev, parser->id.process_name, b->comm, VG_VK_STR)) ||
	    (err = set_s(ev, ep->process_working_directory, b->cwd, VG_VK_STR)) ||
	    (err = set_s(ev, ep->file_path, path, VG_VK_STR)))
		return err;
	if (numeric(b->pid) &&
	    (err = set_s(ev, parser->id.process_pid, b->pid, VG_VK_NUM)))
		return err;
	if (numeric(b->ppid) &&
	    (err = set_s(ev, ep->process_parent_pid, b->ppid, VG_VK_NUM)))
		return err;
	if (!unset_id(b->uid) && (err = set_s(ev, ep->user_id, b->uid, VG_VK_STR)))
		return err;
	if (!unset_id(b->auid) &&
	    (err = set_s(ev, ep->user_audit_id, b->auid, VG_VK_STR)))
		return err;
	if (!unset_id(b->euid) &&
	    (err = set_s(ev, ep->user_effective_id, b->euid, VG_VK_STR)))
		return err;
	if (!unset_id(b->gid) && (err = set_s(ev, ep->group_id, b->gid, VG_VK_STR)))
		return err;
	/* names: PAM's acct, else the enriched UID name */
	struct vg_str acct = b->acct;
	if (unset_id(acct))
		acct = b->e_uid;
	if (!unset_id(acct) && (err = set_s(ev, ep->user_name, acct, VG_VK_STR)))
		return err;
	if (!unset_id(b->e_auid) &&
	    (err = set_s(ev, ep->user_audit_name, b->e_auid, VG_VK_STR)))
		return err;
	if (!unset_id(b->e_euid) &&
	    (err = set_s(ev, ep->user_effective_name, b->e_euid, VG_VK_STR)))
		return err;
	if (!unset_id(b->e_gid) && (err = set_s(ev, ep->group_name, b->e_gid, VG_VK_STR)))
		return err;
	if (!unset_id(b->addr) && (err = set_s(ev, ep->source_ip, b->addr, VG_VK_STR)))
		return err;
	if (b->key.len && !vg_str_eq(b->key, "(null)") &&
	    (err = set_s(ev, ep->auditd_key, b->key, VG_VK_STR)))
		return err;
	/* outcome: SYSCALL success=yes/no, PAM res=success/failed, LOGIN res=1/0 */
	const char *outcome = NULL;
	if (vg_str_eq(b->success, "yes"))
		outcome = "success";
	else if (vg_str_eq(b->success, "no"))
		outcome = "failure";
	else if (vg_str_eq(b->res, "success") || vg_str_eq(b->res, "1"))
		outcome = "success";
	else if (vg_str_eq(b->res, "failed") || vg_str_eq(b->res, "0"))
		outcome = "failure";
	if (outcome && ((err = set_lit(ev, ep->event_outcome, outcome)) ||
	                (err = set_lit(ev, ep->auditd_result, outcome))))
		return err;
	if ((err = categorize(b)))
		return err;

	/* key is "SEC.MS:SERIAL" */
	const char *colon = memchr(key.ptr, ':', key.len);
	size_t sl = key.len - (size_t)(colon - key.ptr) - 1;
	if ((err = vg_event_set(ev, ep->auditd_sequence, colon + 1, sl, VG_VK_NUM)) ||
	    (err = vg_event_set_copy(ev, ep->auditd_records, b->types, b->types_len,
	                             VG_VK_STR)) ||
	    (err = set_s(ev, parser->id.host_name, node, VG_VK_STR)) ||
	    (err = set_lit(ev, ep->event_kind, "event")) ||
	    (err = vg_event_set(ev, parser->id.event_module, "auditd", 6, VG_VK_STR)) ||
	    (err = vg_event_set(ev, parser->id.event_dataset, "auditd", 6, VG_VK_STR)))
		return err;
	/* audit(SEC.MS:...) */
	vg_time t = 0;
	size_t i = 0;
	while (key.ptr[i] != '.')
		t = t * 10 + (key.ptr[i++] - '0');
	int64_t frac = 0, scale = 100000;
	for (i++; key.ptr[i] != ':'; i++, scale /= 10)
		frac += (key.ptr[i] - '0') * scale;
	ev->ts = t * VG_USEC_PER_SEC + frac;
	return vg_event_set(ev, parser->id.vigil_format, "auditd", 6, VG_VK_STR);
}

vg_err vgp_parse_auditd(const struct vg_parser *parser, const char *buf, size_t len,
                        vg_time ref_time, struct vg_event *ev, const char **reason)
{
	struct abuild *b = vg_arena_alloc(ev->arena, sizeof(*b));
	struct vg_str key0 = {NULL, 0}, node0 = {NULL, 0};
	size_t rec = 0;
	vg_err err;

	(void)ref_time; /* audit records carry their own time */
	if (!b)
		return VG_ERR_NOMEM;
	memset(b, 0, sizeof(*b));
	b->parser = parser;
	b->ev = ev;
	for (const char *p = buf, *end = buf + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		size_t ll = (size_t)(le - p);
		if (ll && p[ll - 1] == '\r')
			ll--;
		/* the records of this line, one after the other */
		for (const char *r = p; ll; rec++) {
			struct vg_str key, node, type;
			size_t off, rl = record_end(r, ll);
			if ((err =
			         vgp_auditd_key(r, rl, ev->arena, &key, &type, reason))) {
				if (rec > 0 && err == VG_ERR_PARSE)
					*reason = vgp_reason(ev->arena, "%s (record %zu)",
					                     *reason, rec + 1);
				return err;
			}
			header(r, rl, &node, &type, &key, &off);
			if (!key0.ptr) {
				key0 = key;
				node0 = node;
				b->first_type = type;
				seen_before(b, vg_str_make("type", 4));
			} else if (key.len != key0.len ||
			           memcmp(key.ptr, key0.ptr, key.len) != 0) {
				*reason = vgp_reason(
				    ev->arena,
				    "auditd: record %zu belongs to another event "
				    "(audit(%.*s), not audit(%.*s))",
				    rec + 1, (int)key.len, key.ptr, (int)key0.len,
				    key0.ptr);
				return VG_ERR_PARSE;
			}
			if (b->types_len + type.len + 1 < sizeof(b->types)) {
				if (b->types_len)
					b->types[b->types_len++] = ',';
				memcpy(b->types + b->types_len, type.ptr, type.len);
				b->types_len += type.len;
			}
			b->cur_path = vg_str_make(NULL, 0);
			if ((err = body(b, type, r + off, r + rl, 0)))
				return err;
			if (rl == ll)
				ll = 0;
			else {
				r += rl + 1;
				ll -= rl + 1;
			}
		}
		p = le + 1;
	}
	if (!key0.ptr) {
		*reason = "empty record";
		return VG_ERR_PARSE;
	}
	/* "type": EXECVE when the event has one (Sigma's auditd rules pair it with the
	 * argv a0, a1, ...), else the first record's type. */
	struct vg_str type0 = b->have_execve ? vg_str_make("EXECVE", 6) : b->first_type;
	if ((err = vg_event_set_named(ev, "type", 4, type0.ptr, type0.len, VG_VK_STR,
	                              false)))
		return err;
	return finish(b, node0, key0);
}
