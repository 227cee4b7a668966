/*
 * rfc3164.c - framing of BSD syslog (RFC 3164) lines as they occur in practice.
 *
 *   [<PRI>][SP][yyyy ]Mmm dd [yyyy ]hh:mm:ss[.[frac]][:][ yyyy] [HOST] [TAG[[PID]]:] MSG
 *   [<PRI>][SP][NN: ][*|.]Mmm dd ... [ZONE:] ...  (Cisco IOS / PIX / ASA)
 *   [<PRI>][SP]YYYY-MM-DD(T| )hh:mm:ss[.frac][zone|+hhmm] [HOST] [TAG[[PID]]:] MSG
 *   <PRI>[TAG[[PID]]:] MSG                      (no timestamp: RFC 3164 4.3.2)
 *   ... Message forwarded from HOST: TAG: MSG   (AIX)
 *
 * PRI is optional (lines from files have none) but, when present, must be valid.
 * The BSD timestamp has no zone: the zone is the configured UTC offset.  When it has
 * no year either, the year is the one of ref_time's year -1, 0, +1 that puts the time
 * closest to ref_time (a "Dec 31" line read on Jan 1 belongs to last year, a "Jan 1"
 * line read on Dec 31 to next year); without ref_time the event has no time
 * (VG_TIME_NONE).  An ISO timestamp without a zone also uses the configured offset.
 * A line with a valid PRI but no recognisable timestamp is kept, as RFC 3164 4.3.2
 * says: its time is ref_time and it has no HOST.  A line with neither is a dead letter.
 *
 * Cisco: a sequence number "NN: " and a clock marker ('*' not authoritative, '.'
 * no longer synchronised) may precede the timestamp; they are read only when a BSD
 * timestamp follows, and kept as sd.meta.sequenceId and sd.timeQuality.isSynced "0"
 * (RFC 5424 7.3.1, 7.1.2).  A zone name between the time and a mnemonic
 * ("03:32:04.114 gmt: %SEC-6-IPACCESSLOGP: ...") is no program: UTC / GMT replace
 * the configured offset, other names (set on the device) cannot be resolved.
 *
 * HOST is absent when the word after the timestamp already reads as a tag
 * ("sshd[42]:" or "su:"), unless that word is an IPv6 address ("2001:db8::7",
 * whose first group and colon look like "TAG:").  A line without a recognisable
 * tag is still valid: its message is everything after the host.  Everything points
 * into the record.  Dead-letter reasons: "rfc3164: invalid PRI|timestamp at column
 * N" (1-based start of the element).
 */
#include "parsers_int.h"

#include <ctype.h>
#include <string.h>

#define TAG_MAX 128

/* The rare header forms live out of line, so the common path keeps its registers. */
#define COLD __attribute__((cold, noinline))

/* The month of an English abbreviation in any case ("Jan", "JAN"), or 0. */
static int month_of(const char *s)
{
#define M3(a, b, c) ((uint32_t)(a) << 16 | (uint32_t)(b) << 8 | (uint32_t)(c))
	switch (M3(s[0] | 0x20, s[1] | 0x20, s[2] | 0x20) & 0xFFFFFFu) {
	case M3('j', 'a', 'n'): return 1;
	case M3('f', 'e', 'b'): return 2;
	case M3('m', 'a', 'r'): return 3;
	case M3('a', 'p', 'r'): return 4;
	case M3('m', 'a', 'y'): return 5;
	case M3('j', 'u', 'n'): return 6;
	case M3('j', 'u', 'l'): return 7;
	case M3('a', 'u', 'g'): return 8;
	case M3('s', 'e', 'p'): return 9;
	case M3('o', 'c', 't'): return 10;
	case M3('n', 'o', 'v'): return 11;
	case M3('d', 'e', 'c'): return 12;
	default: return 0;
	}
#undef M3
}

static bool two_digits(const char *s, int *out)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return false;
	*out = (s[0] - '0') * 10 + (s[1] - '0');
	return true;
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (s[k] < '0' || s[k] > '9')
			return false;
	return true;
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
	static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && leap(y) ? 29 : dm[m - 1];
}

#define USEC_PER_DAY (INT64_C(86400) * VG_USEC_PER_SEC)

/*
 * Year inference for year-less BSD timestamps needs the civil year of ref_time and
 * the start of that year and its neighbours.  ref_time changes per batch (or per
 * record) but almost never leaves its year, so they are memoized per thread: the
 * memo holds [lo, hi), the local-time range of one year, and is recomputed only
 * when ref_time + offset falls outside it.  A pure cache: the result is the one
 * vg_time_to_civil / vg_time_from_civil would give.  Thread-local because a
 * struct vg_parser is shared by threads and immutable.
 */
struct year_memo {
	vg_time lo, hi;   /* local time of ry-01-01T00:00 and (ry+1)-01-01T00:00 */
	int year;         /* ry */
	vg_time start[3]; /* vg_time of Jan 1 of ry-1, ry, ry+1 (local, no offset) */
};
static _Thread_local struct year_memo g_memo = {1, 0, 0, {0, 0, 0}}; /* empty */

static const struct year_memo *year_of(vg_time local_ref)
{
	struct year_memo *m = &g_memo;
	if (local_ref >= m->lo && local_ref < m->hi)
		return m;
	int ry;
	vg_time_to_civil(local_ref, &ry, NULL, NULL, NULL, NULL, NULL, NULL);
	m->year = ry;
	for (int k = 0; k < 3; k++)
		m->start[k] = vg_time_from_civil(ry - 1 + k, 1, 1, 0, 0, 0, 0);
	m->lo = m->start[1];
	m->hi = m->start[2];
	return m;
}

/* Days from Jan 1 to the first of month m (1-12) in a non-leap year. */
static const int g_cum_days[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};

/*
 * The BSD timestamp at buf[*i].  On success *i is past it and *out is the time
 * (VG_TIME_NONE without ref_time).  @return false when it is not one.
 */
static bool bsd_time(const char *buf, size_t len, size_t *i, vg_time ref_time,
                     int offset_sec, vg_time *out)
{
	const char *s = buf + *i;
	size_t n = len - *i, j;
	int mon, day, h, mi, sec, usec = 0;

	/* "YYYY Mmm dd hh:mm:ss": a year in front (some devices and relays). */
	int year = 0;
	if (n >= 20 && all_digits(s, 4) && s[4] == ' ' && month_of(s + 5)) {
		year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
		       (s[3] - '0');
		s += 5;
		n -= 5;
		*i += 5;
	}
	if (n < 15 || !(mon = month_of(s)) || s[3] != ' ')
		return false;
	if (s[4] == ' ' && s[5] >= '1' && s[5] <= '9') {
		day = s[5] - '0';
		j = 6;
	} else if (two_digits(s + 4, &day)) {
		j = 6;
	} else if (s[4] >= '1' && s[4] <= '9' && s[5] == ' ') {
		day = s[4] - '0';
		j = 5;
	} else {
		return false;
	}
	/* "Mmm dd yyyy hh:mm:ss" (Cisco, some appliances): an explicit year. */
	if (!year && n >= j + 14 && s[j] == ' ' && all_digits(s + j + 1, 4) &&
	    s[j + 5] == ' ') {
		year = (s[j + 1] - '0') * 1000 + (s[j + 2] - '0') * 100 +
		       (s[j + 3] - '0') * 10 + (s[j + 4] - '0');
		j += 5;
	}
	if (n < j + 9 || s[j] != ' ' || !two_digits(s + j + 1, &h) || s[j + 3] != ':' ||
	    !two_digits(s + j + 4, &mi) || s[j + 6] != ':' ||
	    !two_digits(s + j + 7, &sec))
		return false;
	if (day < 1 || day > 31 || h > 23 || mi > 59 || sec > 60)
		return false;
	if (sec == 60)
		sec = 59;
	j += 9;
	if (j < n && s[j] == '.') {
		/* "02:00:00." (no digits): a fraction of 0, as syslog-ng reads it */
		int scale = 100000;
		for (j++; j < n && s[j] >= '0' && s[j] <= '9'; j++) {
			usec += (s[j] - '0') * scale;
			scale /= 10;
		}
	}
	if (j < n && s[j] == ':' && (j + 1 == n || s[j + 1] == ' '))
		j++; /* "Mar  7 19:06:53: host ..." (Cisco) */
	if (j < n && s[j] != ' ')
		return false;
	/* "Mmm dd hh:mm:ss yyyy host": a year after the time. */
	if (!year && n >= j + 6 && all_digits(s + j + 1, 4) && s[j + 5] == ' ' &&
	    (s[j + 1] == '1' || s[j + 1] == '2')) {
		year = (s[j + 1] - '0') * 1000 + (s[j + 2] - '0') * 100 +
		       (s[j + 3] - '0') * 10 + (s[j + 4] - '0');
		j += 5;
	}
	*i += j;

	if (year) {
		if (day > month_days(year, mon))
			return false;
		*out = vg_time_from_civil(year, mon, day, h, mi, sec, usec) -
		       (vg_time)offset_sec * VG_USEC_PER_SEC;
		return true;
	}
	*out = VG_TIME_NONE;
	if (ref_time == VG_TIME_NONE)
		return day <= month_days(2000, mon); /* any year: 2000 allows Feb 29 */
	const vg_time off = (vg_time)offset_sec * VG_USEC_PER_SEC;
	const struct year_memo *ym = year_of(ref_time + off);
	/* The time within its year, less the leap day (added per candidate year). */
	const vg_time in_year = (vg_time)(g_cum_days[mon - 1] + day - 1) * USEC_PER_DAY +
	                        ((vg_time)h * 3600 + mi * 60 + sec) * VG_USEC_PER_SEC +
	                        usec - off;
	/* ref_time's own year first: when it puts the time within 182 days of
	 * ref_time, the other two years (365 or 366 days away) are farther. */
	if (day <= month_days(ym->year, mon)) {
		vg_time t = ym->start[1] + in_year +
		            (mon > 2 && leap(ym->year) ? USEC_PER_DAY : 0);
		uint64_t d =
		    t > ref_time ? (uint64_t)(t - ref_time) : (uint64_t)(ref_time - t);
		if (d < (uint64_t)(182 * USEC_PER_DAY)) {
			*out = t;
			return true;
		}
	}
	vg_time best = VG_TIME_NONE;
	uint64_t best_d = UINT64_MAX;
	for (int k = 0; k < 3; k++) {
		int y = ym->year - 1 + k;
		if (day > month_days(y, mon))
			continue;
		vg_time t =
		    ym->start[k] + in_year + (mon > 2 && leap(y) ? USEC_PER_DAY : 0);
		uint64_t d =
		    t > ref_time ? (uint64_t)(t - ref_time) : (uint64_t)(ref_time - t);
		if (d < best_d) {
			best_d = d;
			best = t;
		}
	}
	if (best == VG_TIME_NONE)
		return false; /* e.g. Feb 30 */
	*out = best;
	return true;
}

static bool iso_time(const char *buf, size_t len, size_t *i, int offset_sec, vg_time *out)
{
	size_t j = *i;
	while (j < len && buf[j] != ' ')
		j++;
	/* "YYYY-MM-DD hh:mm:ss[.frac][zone]": a space instead of the 'T'. */
	if (j - *i == 10 && j + 9 <= len && buf[j + 3] == ':' && buf[j + 6] == ':' &&
	    all_digits(buf + j + 1, 2)) {
		j++;
		while (j < len && buf[j] != ' ')
			j++;
	}
	/* A zone written "+hhmm" (no colon, macOS / ISO 8601 basic): apply it here.
	 * The shortest such timestamp is 19 + 5 bytes (no fraction). */
	size_t n = j - *i;
	const char *z = buf + j - 5;
	if (n >= 19 + 5 && (z[0] == '+' || z[0] == '-') && all_digits(z + 1, 4) &&
	    z[-1] != ':') {
		int off = ((z[1] - '0') * 10 + (z[2] - '0')) * 3600 +
		          ((z[3] - '0') * 10 + (z[4] - '0')) * 60;
		if (z[0] == '-')
			off = -off;
		if (vg_time_parse_rfc3339(buf + *i, n - 5, off, out) != VG_OK)
			return false;
		*i = j;
		return true;
	}
	if (vg_time_parse_rfc3339(buf + *i, j - *i, offset_sec, out) != VG_OK)
		return false;
	*i = j;
	return true;
}

/* Bytes of a TAG: printable, not '[', ']', ':' nor DEL (bytes >= 0x80 are allowed). */
static const uint64_t g_tag_chars[4] = {
    UINT64_C(0xFBFFFFFE00000000), /* 0x21-0x3F except ':' */
    UINT64_C(0x7FFFFFFFD7FFFFFF), /* 0x40-0x7E except '[' and ']' */
    UINT64_MAX,
    UINT64_MAX,
};

static inline bool tag_char(unsigned char c)
{
	return (g_tag_chars[c >> 6] >> (c & 63)) & 1u;
}

/*
 * Read "TAG[PID]:" / "TAG:" / "TAG[PID] " at buf[i].  On success fills tag and pid
 * (pid.len 0 when absent) and *msg_at is where the message starts.
 */
static bool read_tag(const char *buf, size_t len, size_t i, struct vg_str *tag,
                     struct vg_str *pid, size_t *msg_at)
{
	size_t j = i;
	while (j < len && j - i < TAG_MAX && tag_char((unsigned char)buf[j]))
		j++;
	if (j == i || j >= len)
		return false;
	*tag = vg_str_make(buf + i, j - i);
	*pid = vg_str_make(buf + j, 0);
	if (buf[j] == '[') {
		size_t ps = ++j;
		while (j < len && buf[j] != ']' && buf[j] != ' ')
			j++;
		if (j >= len || buf[j] != ']')
			return false;
		*pid = vg_str_make(buf + ps, j - ps);
		j++;
		if (j < len && buf[j] == ' ') {
			*msg_at = j + 1;
			return true;
		}
	}
	if (j >= len) {
		*msg_at = j;
		return pid->len > 0;
	}
	if (buf[j] != ':')
		return false;
	j++;
	if (j < len && buf[j] == ' ')
		j++;
	*msg_at = j;
	return true;
}

/*
 * Cisco IOS / PIX header prefixes before a BSD timestamp, looked for only where
 * the header starts with a digit, '*' or '.' (no month does; the ISO and "yyyy Mmm"
 * forms that start with a digit have no ':' or marker after it):
 *   "91: "  a message sequence number (IOS `service sequence-numbers`);
 *   "*"     the clock is not authoritative (never set from a time source);
 *   "."     the clock is authoritative but no longer synchronised to its source.
 * On success *i is at the timestamp, *seq the sequence number (len 0 when absent)
 * and *mark the marker ('*', '.' or 0).  @return false when neither is there.
 */
COLD static bool cisco_prefix(const char *buf, size_t len, size_t *i, struct vg_str *seq,
                              char *mark)
{
	size_t j = *i, d = j;
	*seq = vg_str_make(buf + j, 0);
	*mark = 0;
	while (j < len && j - d < 10 && buf[j] >= '0' && buf[j] <= '9')
		j++;
	if (j > d && j + 1 < len && buf[j] == ':' && buf[j + 1] == ' ') {
		*seq = vg_str_make(buf + d, j - d);
		j += 2;
		while (j < len && buf[j] == ' ')
			j++;
	} else {
		j = d;
	}
	if (j < len && (buf[j] == '*' || buf[j] == '.'))
		*mark = buf[j++];
	if (!seq->len && !*mark)
		return false;
	*i = j;
	return true;
}

/*
 * Whether buf[i, i + n) is an IPv6 address (RFC 4291 2.2 text forms: eight groups,
 * one "::", an IPv4 tail, an optional "%zone").  Used only when the word after the
 * timestamp would otherwise read as "TAG:..." (its first group and a colon).
 */
static bool is_ipv6(const char *s, size_t n)
{
	size_t groups = 0, k = 0;
	bool gap = false;
	const char *pct = memchr(s, '%', n);
	if (pct && pct > s)
		n = (size_t)(pct - s); /* "fe80::1%eth0": the zone is not checked */
	if (n < 2 || n > 45)
		return false;
	if (s[0] == ':') {
		if (s[1] != ':')
			return false;
		gap = true;
		k = 2;
		if (k == n)
			return true; /* "::" */
	}
	while (k < n) {
		size_t g = k;
		while (k < n && k - g < 5 &&
		       ((s[k] >= '0' && s[k] <= '9') ||
		        ((s[k] | 0x20) >= 'a' && (s[k] | 0x20) <= 'f')))
			k++;
		if (k < n && s[k] == '.') { /* "::ffff:192.0.2.1": the last 32 bits */
			size_t e = g;
			for (int q = 0; q < 4; q++) {
				unsigned v = 0, nd = 0;
				while (e < n && s[e] >= '0' && s[e] <= '9' && nd < 3) {
					v = v * 10 + (unsigned)(s[e++] - '0');
					nd++;
				}
				if (!nd || v > 255 ||
				    (q < 3 && (e >= n || s[e++] != '.')))
					return false;
			}
			if (e != n)
				return false;
			groups += 2;
			break;
		}
		if (k == g || k - g > 4)
			return false;
		groups++;
		if (k == n)
			break;
		if (s[k] != ':')
			return false;
		k++;
		if (k < n && s[k] == ':') {
			if (gap)
				return false; /* a second "::" */
			gap = true;
			k++;
		} else if (k == n) {
			return false; /* a single trailing ':' */
		}
	}
	return gap ? groups < 8 : groups == 8;
}

/* The Cisco prefixes as RFC 5424's SD-IDs for them (7.3.1, 7.1.2), named as
 * syslog-ng names them: '*' and '.' both mean the clock is not synchronised. */
COLD static vg_err set_cisco(struct vg_event *ev, struct vg_str seq, char mark)
{
	vg_err err;
	if (seq.len && (err = vg_event_set_named(ev, "sd.meta.sequenceId", 18, seq.ptr,
	                                         seq.len, VG_VK_STR, false)) != VG_OK)
		return err;
	if (mark && (err = vg_event_set_named(ev, "sd.timeQuality.isSynced", 23, "0", 1,
	                                      VG_VK_STR, false)) != VG_OK)
		return err;
	return VG_OK;
}

/* Whether tag (a word that read as "TAG:") can be a Cisco time zone name: letters. */
static bool cisco_zone(struct vg_str tag)
{
	for (size_t k = 0; k < tag.len; k++)
		if (((unsigned char)tag.ptr[k] | 0x20) < 'a' ||
		    ((unsigned char)tag.ptr[k] | 0x20) > 'z')
			return false;
	return tag.len > 0;
}

/* "UTC" or "GMT" in any case (tag holds letters only). */
static bool zone_is_utc(struct vg_str tag)
{
	if (tag.len != 3)
		return false;
	char a = (char)(tag.ptr[0] | 0x20), b = (char)(tag.ptr[1] | 0x20),
	     c = (char)(tag.ptr[2] | 0x20);
	return (a == 'u' && b == 't' && c == 'c') || (a == 'g' && b == 'm' && c == 't');
}

/* Whether buf[at] starts a Cisco message mnemonic, "%FACILITY-SEVERITY-MNEMONIC:"
 * ("%SEC-6-IPACCESSLOGP:", "%ASA-6-302013:"), severity 0-7. */
COLD static bool cisco_mnemonic(const char *buf, size_t len, size_t at)
{
	size_t j = at + 1, f = j;
	while (j < len && (isalnum((unsigned char)buf[j]) || buf[j] == '_'))
		j++;
	if (j == f || j + 3 >= len || buf[j] != '-' || buf[j + 1] < '0' ||
	    buf[j + 1] > '7' || buf[j + 2] != '-')
		return false;
	j += 3;
	f = j;
	while (j < len && (isalnum((unsigned char)buf[j]) || buf[j] == '_'))
		j++;
	return j > f && j < len && buf[j] == ':';
}

/* Whether the word at buf[i] (up to a space or the end) is an IPv6 address. */
COLD static bool ipv6_word(const char *buf, size_t len, size_t i)
{
	const char *sp = memchr(buf + i, ' ', len - i);
	return is_ipv6(buf + i, sp ? (size_t)(sp - buf) - i : len - i);
}

vg_err vgp_parse_rfc3164(const struct vg_parser *parser, const char *buf, size_t len,
                         vg_time ref_time, struct vg_event *ev, struct vgp_syslog *sl,
                         const char **reason)
{
	const struct vgp_ids *id = &parser->id;
	size_t i = 0, pri_end = 0;
	int pri = -1;
	vg_time t = VG_TIME_NONE;

	if (len && buf[0] == '<') {
		pri = vgp_parse_pri(buf, len, &i);
		if (pri < 0) {
			*reason = "rfc3164: invalid PRI at column 1";
			return VG_ERR_PARSE;
		}
		pri_end = i;
	}
	if (pri >= 0)
		while (i < len && buf[i] == ' ')
			i++; /* "<38> Mar  7 ..." */
	size_t ts_at = i;
	struct vg_str seq = {NULL, 0};
	char mark = 0;
	bool ok, cisco = false, iso = false;
	/* An ISO date and Cisco's prefixes start with a digit, '*' or '.', all below
	 * ':', where no month can: one compare for the other lines, and one call of
	 * bsd_time, so that it stays inlined. */
	if (i < len && (unsigned char)buf[i] < ':') {
		iso = len - i >= 10 && buf[i] >= '0' && buf[i + 4] == '-';
		if (!iso)
			cisco = cisco_prefix(buf, len, &i, &seq, &mark);
	}
	if (iso) {
		ok = iso_time(buf, len, &i, parser->rfc3164_utc_offset_sec, &t);
	} else {
		ok = bsd_time(buf, len, &i, ref_time, parser->rfc3164_utc_offset_sec, &t);
		cisco = cisco && ok;
	}
	/* RFC 3164 4.3.2: a valid PRI without a valid TIMESTAMP is still a message;
	 * the receiver supplies the time and there is no HOSTNAME.  Without a PRI the
	 * line has nothing syslog about it and is a dead letter. */
	bool no_header = false;
	if (!ok && pri >= 0) {
		i = ts_at;
		t = ref_time;
		no_header = true;
	} else if (!ok) {
		*reason = vgp_reason(
		    ev->arena, "rfc3164: invalid timestamp at column %zu", ts_at + 1);
		return VG_ERR_PARSE;
	}
	while (i < len && buf[i] == ' ')
		i++;

	struct vg_str host = {NULL, 0}, tag = {NULL, 0}, pid = {NULL, 0};
	size_t msg_at = i;
	/* AIX: "Message forwarded from HOST: TAG[PID]: MSG". */
	static const char fwd[] = "Message forwarded from ";
	if (!no_header && len - i > sizeof(fwd) &&
	    memcmp(buf + i, fwd, sizeof(fwd) - 1) == 0) {
		size_t h = i + sizeof(fwd) - 1, e = h;
		while (e < len && buf[e] != ':' && buf[e] != ' ')
			e++;
		if (e > h && e + 1 < len && buf[e] == ':' && buf[e + 1] == ' ') {
			host = vg_str_make(buf + h, e - h);
			i = e + 2;
			msg_at = i;
			no_header = true;
		}
	}
	if (no_header) {
		if (!read_tag(buf, len, i, &tag, &pid, &msg_at)) {
			tag.len = 0;
			pid.len = 0;
			msg_at = i;
		}
	} else if (!read_tag(buf, len, i, &tag, &pid, &msg_at) ||
	           (!pid.len && msg_at < len && buf[msg_at - 1] == ':' &&
	            buf[msg_at] != ' ' && ipv6_word(buf, len, i))) {
		/* HOST: the word is no tag, or reads as one only because it is an IPv6
		 * address ("fe80::1", "2001:db8::7 sshd[1]: ..."). */
		tag.len = 0;
		size_t h = i;
		while (i < len && buf[i] != ' ')
			i++;
		host = vg_str_make(buf + h, i - h);
		while (i < len && buf[i] == ' ')
			i++;
		msg_at = i;
		if (!read_tag(buf, len, i, &tag, &pid, &msg_at)) {
			tag.len = 0;
			pid.len = 0;
			msg_at = i;
		}
	} else if (!pid.len && tag.len <= 7 && msg_at < len && buf[msg_at] == '%' &&
	           cisco_zone(tag) && cisco_mnemonic(buf, len, msg_at)) {
		/* Cisco `service timestamps ... show-timezone`: "03:32:04.114 gmt:
		 * %SEC-6-IPACCESSLOGP: ..." names the zone, not a program.  UTC / GMT
		 * override the configured offset of a BSD time; other names (set on the
		 * device by `clock timezone`) cannot be resolved and keep it. */
		if (!iso && t != VG_TIME_NONE && zone_is_utc(tag))
			t += (vg_time)parser->rfc3164_utc_offset_sec * VG_USEC_PER_SEC;
		i = msg_at;
		if (!read_tag(buf, len, i, &tag, &pid, &msg_at)) {
			tag.len = 0;
			pid.len = 0;
			msg_at = i;
		}
	}

	ev->ts = t;
	if (pri >= 0)
		vgp_set_pri(parser, ev, buf + 1, pri_end - 2, (unsigned)pri);
	if (host.len)
		vgp_set(ev, id->host_name, host.ptr, host.len, VG_VK_STR);
	if (tag.len) {
		vgp_set(ev, id->appname, tag.ptr, tag.len, VG_VK_STR);
		vgp_set(ev, id->process_name, tag.ptr, tag.len, VG_VK_STR);
		sl->program = tag;
	}
	if (pid.len) {
		vgp_set(ev, id->procid, pid.ptr, pid.len, VG_VK_STR);
		if (vgp_is_pid(pid.ptr, pid.len)) /* "sshd[-12]" has none */
			vgp_set(ev, id->process_pid, pid.ptr, pid.len, VG_VK_NUM);
	}
	/* Solaris: "TAG[PID]: [ID 800047 auth.notice] MSG". */
	if (tag.len && len - msg_at > 8 && memcmp(buf + msg_at, "[ID ", 4) == 0) {
		const char *e = memchr(buf + msg_at, ']', len - msg_at);
		if (e && (size_t)(e - buf) + 1 < len && e[1] == ' ')
			msg_at = (size_t)(e - buf) + 2;
	}
	vg_err err;
	if (cisco && (err = set_cisco(ev, seq, mark)) != VG_OK)
		return err;
	sl->msg = vg_str_make(buf + msg_at, len - msg_at);
	vgp_set(ev, id->message, sl->msg.ptr, sl->msg.len, VG_VK_STR);
	vgp_set(ev, id->vigil_format, "rfc3164", 7, VG_VK_STR);
	vgp_set(ev, id->event_module, "linux", 5, VG_VK_STR);
	return VG_OK;
}
