/*
 * rfc5424.c - framing of RFC 5424 syslog records.
 *
 *   <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [SP MSG]
 *
 * The header is checked as the RFC's ABNF says (PRI 0..191 without leading zeros,
 * VERSION 1, TIMESTAMP with 'T', at most 6 fraction digits and a zone, header fields
 * of PRINTUSASCII within their length limits, '-' for NILVALUE).  Structured data is
 * kept as received in log.syslog.structured_data, and each parameter also becomes an
 * extra "sd.<SD-ID>.<PARAM-NAME>" (unescaped into the arena only when it contains
 * \" \\ or \]).  A UTF-8 BOM before MSG is dropped.
 *
 * Dead-letter reasons read "rfc5424: invalid <element> at column N": N is 1-based,
 * the first byte of the header field that is wrong, or for structured data the byte
 * where it stops making sense.  Everything else points into the record: zero copy.
 */
#include "parsers_int.h"

#include <string.h>

static bool printusascii(char c)
{
	return c >= 33 && c <= 126;
}

/* Length of the PRINTUSASCII run at buf[i] (stops at SP, controls, end). */
static size_t token(const char *buf, size_t len, size_t i)
{
	size_t j = i;
	while (j < len && printusascii(buf[j]))
		j++;
	return j - i;
}

static bool sd_name_char(char c)
{
	return printusascii(c) && c != '=' && c != ']' && c != '"';
}

static bool valid_timestamp(const char *s, size_t n)
{
	if (n < 20 || s[10] != 'T')
		return false;
	size_t i = 19;
	if (s[i] == '.') {
		size_t d = ++i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == d || i - d > 6)
			return false;
	}
	if (i >= n)
		return false;
	if (s[i] == 'Z')
		return i + 1 == n;
	return (s[i] == '+' || s[i] == '-') && n - i == 6;
}

/* A header field: NILVALUE or 1..max PRINTUSASCII, followed by SP. */
static bool header_field(const char *buf, size_t len, size_t *i, size_t max,
                         struct vg_str *out)
{
	size_t n = token(buf, len, *i);
	if (n == 0 || n > max || *i + n >= len || buf[*i + n] != ' ')
		return false;
	*out = vg_str_make(buf + *i, n);
	*i += n + 1;
	return true;
}

static bool is_nil(struct vg_str s)
{
	return s.len == 1 && s.ptr[0] == '-';
}

static vg_err set_str(struct vg_event *ev, vg_field id, struct vg_str s)
{
	vgp_set(ev, id, s.ptr, s.len, VG_VK_STR);
	return VG_OK;
}

/* Add "sd.<id>.<name>" = value as an extra, unescaping when needed. */
static vg_err sd_param(struct vg_event *ev, struct vg_str sid, struct vg_str name,
                       const char *v, size_t vlen, bool esc)
{
	size_t nlen = 3 + sid.len + 1 + name.len;
	char *n = vg_arena_alloc(ev->arena, nlen + 1);
	if (!n)
		return VG_ERR_NOMEM;
	memcpy(n, "sd.", 3);
	memcpy(n + 3, sid.ptr, sid.len);
	n[3 + sid.len] = '.';
	memcpy(n + 4 + sid.len, name.ptr, name.len);
	if (esc) {
		char *o = vg_arena_alloc(ev->arena, vlen + 1);
		if (!o)
			return VG_ERR_NOMEM;
		size_t k = 0;
		for (size_t j = 0; j < vlen; j++) {
			if (v[j] == '\\' && j + 1 < vlen &&
			    (v[j + 1] == '"' || v[j + 1] == '\\' || v[j + 1] == ']'))
				j++;
			o[k++] = v[j];
		}
		v = o;
		vlen = k;
	}
	/* A PARAM-NAME may repeat in its element (7.2.2: origin's "ip"): the values
	 * make one list (a JSON array: rules test each element), not two fields of
	 * one name -- the event's JSON had a key twice, and rules saw the first
	 * value (an extra) or the last (a registry field) */
	vg_field id = vg_field_lookup(n, nlen);
	bool reg = id != VG_FIELD_NONE && (uint32_t)id < ev->nslots;
	struct vg_extra *x = NULL;
	const struct vg_value *prev = reg ? vg_event_get(ev, id) : NULL;
	for (x = reg ? NULL : ev->extras; x; x = x->next)
		if (x->name_len == nlen && !memcmp(x->name, n, nlen)) {
			prev = &x->value;
			break;
		}
	if (!prev)
		return vg_event_set_named(ev, n, nlen, v, vlen, VG_VK_STR, false);
	struct vg_buf b;
	vg_buf_init(&b);
	if (prev->kind == VG_VK_LIST) {
		vg_buf_append(&b, prev->ptr, prev->len - 1); /* without its ']' */
	} else {
		vg_buf_putc(&b, '[');
		vg_buf_json_str(&b, prev->ptr, prev->len);
	}
	vg_buf_putc(&b, ',');
	vg_buf_json_str(&b, v, vlen);
	vg_buf_putc(&b, ']');
	char *list = b.oom ? NULL : vg_arena_strndup(ev->arena, b.data, b.len);
	size_t llen = b.len;
	vg_buf_free(&b);
	if (!list)
		return VG_ERR_NOMEM;
	if (x) {
		x->value = (struct vg_value){list, (uint32_t)llen, VG_VK_LIST};
		return VG_OK;
	}
	return vg_event_set(ev, id, list, llen, VG_VK_LIST);
}

#define SD_IDS_MAX 32

/*
 * Parse STRUCTURED-DATA at buf[*i] (not NILVALUE).  @return VG_OK with *i past it;
 * VG_ERR_PARSE with *err_at set to the offending byte; VG_ERR_NOMEM.
 */
static vg_err parse_sd(struct vg_event *ev, const char *buf, size_t len, size_t *i,
                       size_t *err_at)
{
	struct vg_str ids[SD_IDS_MAX];
	size_t nids = 0;
	size_t j = *i;
	vg_err err;

	while (j < len && buf[j] == '[') {
		j++;
		size_t s = j;
		while (j < len && sd_name_char(buf[j]) && buf[j] != ' ' && j - s < 32)
			j++;
		if (j == s || j >= len || (buf[j] != ' ' && buf[j] != ']'))
			goto bad;
		struct vg_str sid = vg_str_make(buf + s, j - s);
		for (size_t k = 0; k < nids; k++) {
			if (ids[k].len == sid.len &&
			    memcmp(ids[k].ptr, sid.ptr, sid.len) == 0) {
				j = s; /* an SD-ID must not repeat */
				goto bad;
			}
		}
		if (nids < SD_IDS_MAX)
			ids[nids++] = sid;
		while (buf[j] == ' ') {
			j++;
			s = j;
			while (j < len && sd_name_char(buf[j]) && j - s < 32)
				j++;
			if (j == s || j >= len || buf[j] != '=')
				goto bad;
			if (++j >= len || buf[j] != '"')
				goto bad;
			struct vg_str pname = vg_str_make(buf + s, j - 1 - s);
			j++;
			size_t vs = j;
			bool esc = false;
			while (j < len && buf[j] != '"') {
				if (buf[j] == '\\' && j + 1 < len &&
				    (buf[j + 1] == '"' || buf[j + 1] == '\\' ||
				     buf[j + 1] == ']')) {
					esc = true;
					j++;
				} else if (buf[j] == ']') {
					goto bad; /* 6.3.3: ']' MUST be escaped */
				}
				j++;
			}
			if (j >= len)
				goto bad;
			if ((err = sd_param(ev, sid, pname, buf + vs, j - vs, esc)) !=
			    VG_OK)
				return err;
			j++; /* closing quote */
			if (j >= len)
				goto bad;
		}
		if (buf[j] != ']')
			goto bad;
		j++;
	}
	*i = j;
	return VG_OK;
bad:
	*err_at = j;
	return VG_ERR_PARSE;
}

vg_err vgp_parse_rfc5424(const struct vg_parser *parser, const char *buf, size_t len,
                         vg_time ref_time, struct vg_event *ev, struct vgp_syslog *sl,
                         const char **reason)
{
	const struct vgp_ids *id = &parser->id;
	struct vg_arena *arena = ev->arena;
	struct vg_str ts, host, app, procid, msgid;
	size_t i = 0, at;
	int pri = vgp_parse_pri(buf, len, &i);
	vg_err err;

	if (pri < 0) {
		*reason = "rfc5424: invalid PRI at column 1";
		return VG_ERR_PARSE;
	}
	size_t pri_end = i;
	if (i + 1 >= len || buf[i] != '1' || buf[i + 1] != ' ') {
		size_t n = 0;
		while (i + n < len && buf[i + n] >= '0' && buf[i + n] <= '9')
			n++;
		/* A well-formed VERSION other than 1 is a version we do not speak. */
		bool other =
		    n >= 1 && n <= 3 && buf[i] != '0' && i + n < len && buf[i + n] == ' ';
		*reason = vgp_reason(arena, "rfc5424: %s version at column %zu",
		                     other ? "unsupported" : "invalid", i + 1);
		return VG_ERR_PARSE;
	}
	i += 2;

	at = i;
	if (!header_field(buf, len, &i, 32, &ts) ||
	    (!is_nil(ts) && !valid_timestamp(ts.ptr, ts.len))) {
		*reason =
		    vgp_reason(arena, "rfc5424: invalid timestamp at column %zu", at + 1);
		return VG_ERR_PARSE;
	}
	vg_time t = ref_time;
	if (!is_nil(ts) &&
	    vg_time_parse_rfc3339(ts.ptr, ts.len, INT32_MIN, &t) != VG_OK) {
		*reason =
		    vgp_reason(arena, "rfc5424: invalid timestamp at column %zu", at + 1);
		return VG_ERR_PARSE;
	}
	static const struct {
		const char *what;
		size_t max;
	} fields[4] = {
	    {"hostname", 255}, {"app-name", 48}, {"procid", 128}, {"msgid", 32}};
	struct vg_str *outs[4] = {&host, &app, &procid, &msgid};
	for (int f = 0; f < 4; f++) {
		at = i;
		if (!header_field(buf, len, &i, fields[f].max, outs[f])) {
			*reason = vgp_reason(arena, "rfc5424: invalid %s at column %zu",
			                     fields[f].what, at + 1);
			return VG_ERR_PARSE;
		}
	}

	size_t sd_start = i, err_at = i;
	if (i < len && buf[i] == '-') {
		i++;
	} else if (i < len && buf[i] == '[') {
		err = parse_sd(ev, buf, len, &i, &err_at);
		if (err == VG_ERR_NOMEM)
			return err;
		if (err != VG_OK)
			goto bad_sd;
	} else {
		goto bad_sd;
	}
	struct vg_str sd = vg_str_make(buf + sd_start, i - sd_start);
	if (i < len && buf[i] != ' ') {
		err_at = i;
		goto bad_sd;
	}
	struct vg_str msg = vg_str_make(buf + len, 0);
	if (i < len) {
		msg = vg_str_make(buf + i + 1, len - i - 1);
		if (msg.len >= 3 && memcmp(msg.ptr, "\xEF\xBB\xBF", 3) == 0) {
			msg.ptr += 3;
			msg.len -= 3;
		}
	}

	ev->ts = t;
	vgp_set_pri(parser, ev, buf + 1, pri_end - 2, (unsigned)pri);
	vgp_set(ev, id->version, buf + pri_end, 1, VG_VK_STR);
	if (!is_nil(host))
		set_str(ev, id->host_name, host);
	if (!is_nil(app)) {
		set_str(ev, id->appname, app);
		set_str(ev, id->process_name, app);
		sl->program = app;
	}
	if (!is_nil(procid)) {
		set_str(ev, id->procid, procid);
		/* PROCID is any printable text; only a decimal number is a pid */
		if (vgp_is_pid(procid.ptr, procid.len))
			vgp_set(ev, id->process_pid, procid.ptr, procid.len, VG_VK_NUM);
	}
	if (!is_nil(msgid))
		set_str(ev, id->msgid, msgid);
	if (!is_nil(sd))
		set_str(ev, id->structured_data, sd);
	if (i < len)
		set_str(ev, id->message, msg);
	sl->msg = msg;
	vgp_set(ev, id->vigil_format, "rfc5424", 7, VG_VK_STR);
	vgp_set(ev, id->event_module, "linux", 5, VG_VK_STR);
	return VG_OK;

bad_sd:
	*reason = vgp_reason(arena, "rfc5424: invalid structured data at column %zu",
	                     err_at + 1);
	return VG_ERR_PARSE;
}
