/*
 * frame.c - splitting a syslog byte stream into records (RFC 6587 section 3.4).
 *
 * Two framings exist on stream transports: octet counting ("MSG-LEN SP MSG", the
 * only one RFC 5425 allows over TLS) and non-transparent framing, where a record ends
 * with LF.  A syslog message starts with '<' (or, from files, a letter or digit of a
 * timestamp), while MSG-LEN starts with NONZERO-DIGIT, so AUTO decides per record.
 * A timestamp without PRI also starts with a digit ("2024-...", or RFC 3164's
 * year-first "2024 Mar  1 ..."): AUTO only takes octet counting when the digits are
 * followed by SP and '<', as a framed message starts with its PRI (RFC 6587, 5425);
 * on digits and SP alone, a year-first line was taken for MSG-LEN 2024 and the
 * records after it were swallowed into one.
 *
 * Invariants: stateless, no allocation; records point into the caller's buffer.
 * Octet counting cannot resynchronise after a bad MSG-LEN, so that error consumes
 * the rest of the buffer; LF framing never fails.
 */
#include "parsers_int.h"

#include <string.h>

/* Digits of MSG-LEN (at most 10) followed by SP at buf[0]? *n gets the value. */
static bool msglen(const char *buf, size_t len, size_t *n, size_t *digits)
{
	size_t i = 0;
	uint64_t v = 0;

	if (!len || buf[0] < '1' || buf[0] > '9')
		return false;
	while (i < len && i < 10 && buf[i] >= '0' && buf[i] <= '9')
		v = v * 10 + (uint64_t)(buf[i++] - '0');
	if (i >= len || buf[i] != ' ')
		return false;
	*n = (size_t)v;
	*digits = i;
	return true;
}

static vg_err frame_octet(const char *buf, size_t len, bool at_eof, size_t max_len,
                          const char **rec, size_t *rec_len, size_t *used,
                          const char **reason)
{
	size_t n = 0, digits = 0;

	if (len == 0) { /* between records: more may come, or the stream ended */
		*used = 0;
		return VG_ERR_NOTFOUND;
	}
	if (!msglen(buf, len, &n, &digits)) {
		size_t i = 0;
		while (i < len && i < 10 && buf[i] >= '0' && buf[i] <= '9')
			i++;
		if (!at_eof && i == len && i < 10 && (len == 0 || buf[0] != '0'))
			return VG_ERR_NOTFOUND; /* MSG-LEN may go on in the next bytes */
		*used = len;
		*reason = i == 0 || buf[0] == '0' ? "octet-counting: expected MSG-LEN"
		          : i == len ? "octet-counting: stream ends in MSG-LEN"
		                     : "octet-counting: expected SP after MSG-LEN";
		return VG_ERR_PARSE;
	}
	if (n > max_len) {
		*used = len;
		*reason = "octet-counting: MSG-LEN exceeds the record size limit";
		return VG_ERR_PARSE;
	}
	if (len - digits - 1 < n) {
		if (!at_eof)
			return VG_ERR_NOTFOUND;
		*used = len;
		*reason = "octet-counting: stream ends before MSG-LEN octets";
		return VG_ERR_PARSE;
	}
	*rec = buf + digits + 1;
	*rec_len = n;
	*used = digits + 1 + n;
	return VG_OK;
}

vg_err vg_frame_next(enum vg_framing mode, const char *buf, size_t len, bool at_eof,
                     size_t max_len, const char **rec, size_t *rec_len, size_t *used,
                     const char **reason)
{
	size_t skip = 0;

	*rec = NULL;
	*rec_len = 0;
	*used = 0;
	*reason = NULL;
	if (!buf && len) {
		*reason = "invalid arguments";
		return VG_ERR_INVALID;
	}
	if (max_len == 0)
		max_len = VG_FRAME_MAX_DEFAULT;
	if (mode == VG_FRAMING_AUTO) {
		/* Blank separators between records are allowed in either framing. */
		while (skip < len && (buf[skip] == '\n' || buf[skip] == '\r'))
			skip++;
		size_t n, digits;
		bool counted = msglen(buf + skip, len - skip, &n, &digits);
		size_t pri = skip + digits + 1; /* after MSG-LEN SP */
		if (counted && pri == len && !at_eof) {
			*used = skip;
			return VG_ERR_NOTFOUND; /* cannot tell yet */
		}
		if (counted && pri < len && buf[pri] == '<') {
			mode = VG_FRAMING_OCTET;
		} else {
			size_t i = skip;
			while (i < len && i - skip < 10 && buf[i] >= '1' && buf[i] <= '9')
				i++;
			if (i == len && i > skip && !at_eof) {
				*used = skip;
				return VG_ERR_NOTFOUND; /* cannot tell yet */
			}
			mode = VG_FRAMING_LF;
		}
	}
	if (mode == VG_FRAMING_OCTET) {
		vg_err err = frame_octet(buf + skip, len - skip, at_eof, max_len, rec,
		                         rec_len, used, reason);
		*used += skip;
		return err;
	}
	for (;;) {
		const char *s = buf + skip;
		size_t left = len - skip;
		const char *nl = left ? memchr(s, '\n', left) : NULL;
		size_t n = nl ? (size_t)(nl - s) : left;
		if (!nl && !at_eof) {
			*used = skip;
			return VG_ERR_NOTFOUND;
		}
		size_t r = n;
		if (r && s[r - 1] == '\r')
			r--;
		size_t consumed = nl ? n + 1 : n;
		if (r == 0) {
			skip += consumed;
			if (consumed == 0 || skip >= len) {
				*used = skip;
				return VG_ERR_NOTFOUND;
			}
			continue;
		}
		*rec = s;
		*rec_len = r;
		*used = skip + consumed;
		return VG_OK;
	}
}
