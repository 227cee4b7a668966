/*
 * test_parse_fastpath.c - the caches and filters of the syslog hot path against
 * naive versions of the same rules.
 *
 *  - Year inference of year-less BSD timestamps memoizes ref_time's year per thread
 *    (rfc3164.c): checked against a brute-force nearest-of-three-years rule over
 *    every month, month ends, leap years, year boundaries, UTC offsets and a
 *    ref_time that jumps back and forth between years (memo invalidation).
 *  - Decoder patterns skip PCRE2 when the message's first byte cannot start a
 *    match (decoder_load.c): checked against PCRE2 itself on real-looking lines,
 *    and the per-byte pattern index against the first-byte sets it is built from.
 *  - JSON string scanning and unescaping go 16 (SSE2) or 8 bytes at a time
 *    (json.c): checked against a byte-by-byte reading of RFC 8259 on generated
 *    keys and values that put escapes, quotes, control bytes and valid and broken
 *    UTF-8 at every block offset, whole and cut short; the block test for every
 *    byte value at every position; "\\" pairs decoded in the block loop with the
 *    record cut inside an escape.
 *  - JSON keys are planned once per context (json_event.c's key cache): a warm
 *    cache, filled past capacity and holding long keys, against a cold one; a key
 *    the registry learns later; an event that outgrows its initial value room.
 *  - Top-level keys are guessed from the key chain (json_event.c, key_guess): a
 *    learnt key order followed by the same key, prefixes, extensions, escaped
 *    forms, raw quote / backslash / control / UTF-8 bytes and cut records, against
 *    a new context.  Decoded values go into the room the last record reserved:
 *    values of every length around that room, against a new context.
 *  - Members after a top-level value are guessed whole (json_event.c,
 *    member_guess): keys of every length around the word boundaries, registry
 *    fields and aliases, each byte changed, every separator and spacing, every
 *    kind of value and every cut, against a new context.
 *  - Integers and null are read inline by the object loop: against vgp_jp_value.
 *    Windows paths are decoded into the reserved room inline (json_walk.h,
 *    string_value): against the naive reading.  Extras nodes a record reserved
 *    and left (in a block that is not zeroed) end the list when more are
 *    appended after the parse.
 *  - The usual timestamp shape is read without the general parser
 *    (vgp_time_fast, and vgp_time_fast_memo with the day count of the last date):
 *    against vg_time_parse_rfc3339 on generated dates, clocks, separators,
 *    fractions and zones, every byte replaced or inserted and every cut; it must
 *    also accept every well-formed input of its shape.
 */
#include "json_walk.h"
#include "parsers_int.h"
#include "vg_parsers.h"
#include "vg_test.h"

#include <stdint.h>

/* The naive rule: of ref's local year -1, 0, +1, the valid date closest to ref. */
static bool naive_time(vg_time ref, int off, int mon, int day, int h, int mi, int s,
                       vg_time *out)
{
	static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int ry;
	vg_time_to_civil(ref + (vg_time)off * VG_USEC_PER_SEC, &ry, NULL, NULL, NULL,
	                 NULL, NULL, NULL);
	bool found = false;
	uint64_t best_d = UINT64_MAX;
	for (int y = ry - 1; y <= ry + 1; y++) {
		bool lp = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
		if (day > (mon == 2 && lp ? 29 : dm[mon - 1]))
			continue;
		vg_time t = vg_time_from_civil(y, mon, day, h, mi, s, 0) -
		            (vg_time)off * VG_USEC_PER_SEC;
		uint64_t d = t > ref ? (uint64_t)(t - ref) : (uint64_t)(ref - t);
		if (d < best_d) {
			best_d = d;
			*out = t;
			found = true;
		}
	}
	return found;
}

static struct vg_parser *new_parser(int off)
{
	struct vg_parser_conf conf = {.rfc3164_utc_offset_sec = off};
	struct vg_parser *parser = NULL;
	struct vg_diag diag;
	vg_diag_init(&diag);
	vg_err err = vg_parser_new(&conf, &parser, &diag);
	if (err != VG_OK)
		vg_diag_print(&diag, stderr);
	vg_diag_clear(&diag);
	ck_assert_int_eq(err, VG_OK);
	return parser;
}

START_TEST(year_inference_matches_naive_rule)
{
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	static const int days[] = {1, 2, 15, 28, 29, 30, 31};
	static const int offs[] = {0, 5 * 3600 + 1800, -11 * 3600};
	/* References around year ends, mid-year (the +-6 month tie zone), leap years
	 * and a century that is not leap (2100); visited alternately so that the
	 * memoized year changes almost every record. */
	const vg_time refs[] = {
	    vg_time_from_civil(2023, 12, 31, 23, 59, 50, 0),
	    vg_time_from_civil(2024, 1, 1, 0, 0, 10, 0),
	    vg_time_from_civil(2024, 2, 29, 12, 0, 0, 0),
	    vg_time_from_civil(2024, 7, 1, 23, 0, 0, 0),
	    vg_time_from_civil(2019, 7, 2, 0, 0, 0, 0),
	    vg_time_from_civil(2099, 12, 31, 12, 0, 0, 0),
	    vg_time_from_civil(2100, 3, 1, 0, 0, 0, 0),
	    vg_time_from_civil(2015, 12, 11, 0, 0, 0, 0),
	    vg_time_from_civil(2024, 12, 31, 22, 0, 0, 0),
	    vg_time_from_civil(2025, 1, 1, 2, 0, 0, 0),
	};
	const size_t nrefs = sizeof(refs) / sizeof(refs[0]);
	struct vg_arena *arena = vg_arena_new(0);
	size_t checked = 0, rejected = 0;

	for (size_t o = 0; o < sizeof(offs) / sizeof(offs[0]); o++) {
		struct vg_parser *parser = new_parser(offs[o]);
		struct vg_parse_ctx *ctx = vg_parse_ctx_new(parser);
		ck_assert_ptr_nonnull(ctx);
		for (int m = 1; m <= 12; m++) {
			for (size_t d = 0; d < sizeof(days) / sizeof(days[0]); d++) {
				for (int hh = 0; hh <= 23; hh += 23) {
					for (size_t r = 0; r < nrefs; r++) {
						/* stride 3 over refs: consecutive records
						 * use different reference years */
						vg_time ref =
						    refs[(r * 3 + (size_t)m) % nrefs];
						char line[64];
						int n = snprintf(
						    line, sizeof(line),
						    "%s %2d %02d:59:58 host prog: m",
						    months[m - 1], days[d], hh);
						struct vg_event *ev = NULL;
						const char *reason = NULL;
						vg_err err = vg_parse(
						    parser, ctx, VG_FMT_SYSLOG, line,
						    (size_t)n, ref, arena, &ev, &reason);
						vg_time want = 0;
						bool ok =
						    naive_time(ref, offs[o], m, days[d],
						               hh, 59, 58, &want);
						ck_assert_msg(
						    ok == (err == VG_OK),
						    "'%s' ref %lld off %d: %s", line,
						    (long long)ref, offs[o],
						    reason ? reason : "accepted");
						if (ok) {
							ck_assert_msg(
							    ev->ts == want,
							    "'%s' ref %lld off %d: "
							    "%lld, want %lld",
							    line, (long long)ref, offs[o],
							    (long long)ev->ts,
							    (long long)want);
							checked++;
						} else {
							rejected++;
						}
						vg_arena_reset(arena);
					}
				}
			}
		}
		vg_parse_ctx_destroy(ctx);
		vg_parser_destroy(parser);
	}
	/* Feb 30/31, Apr 31, ... must have been rejected, and most lines accepted. */
	ck_assert_uint_gt(rejected, 0);
	ck_assert_uint_gt(checked, 1000);
	vg_arena_destroy(arena);
}
END_TEST

static vg_time parse_ts(struct vg_parser *parser, struct vg_parse_ctx *ctx,
                        struct vg_arena *arena, const char *line, vg_time ref)
{
	struct vg_event *ev = NULL;
	const char *reason = NULL;
	ck_assert_int_eq(vg_parse(parser, ctx, VG_FMT_SYSLOG, line, strlen(line), ref,
	                          arena, &ev, &reason),
	                 VG_OK);
	return ev->ts;
}

START_TEST(year_follows_ref_time_changes)
{
	struct vg_parser *parser = new_parser(0);
	struct vg_parse_ctx *ctx = vg_parse_ctx_new(parser);
	struct vg_arena *arena = vg_arena_new(0);
	const char *jan1 = "Jan  1 00:00:05 h t: m";
	const char *dec31 = "Dec 31 23:59:59 h t: m";

	/* Read on Dec 31 2023: next year. */
	ck_assert(parse_ts(parser, ctx, arena, jan1,
	                   vg_time_from_civil(2023, 12, 31, 23, 59, 50, 0)) ==
	          vg_time_from_civil(2024, 1, 1, 0, 0, 5, 0));
	/* Same line, ref ten seconds later (the memo's year changes): same answer. */
	ck_assert(parse_ts(parser, ctx, arena, jan1,
	                   vg_time_from_civil(2024, 1, 1, 0, 0, 0, 0)) ==
	          vg_time_from_civil(2024, 1, 1, 0, 0, 5, 0));
	/* The Dec 31 line read just after new year belongs to the old year. */
	ck_assert(parse_ts(parser, ctx, arena, dec31,
	                   vg_time_from_civil(2024, 1, 1, 0, 0, 10, 0)) ==
	          vg_time_from_civil(2023, 12, 31, 23, 59, 59, 0));
	/* ref jumps two years ahead, then back: no stale year. */
	ck_assert(parse_ts(parser, ctx, arena, dec31,
	                   vg_time_from_civil(2026, 7, 15, 0, 0, 0, 0)) ==
	          vg_time_from_civil(2026, 12, 31, 23, 59, 59, 0));
	ck_assert(parse_ts(parser, ctx, arena, dec31,
	                   vg_time_from_civil(2021, 3, 1, 0, 0, 0, 0)) ==
	          vg_time_from_civil(2020, 12, 31, 23, 59, 59, 0));
	/* Feb 29: only the leap year of the three is a candidate. */
	ck_assert(parse_ts(parser, ctx, arena, "Feb 29 12:00:00 h t: m",
	                   vg_time_from_civil(2025, 1, 15, 0, 0, 0, 0)) ==
	          vg_time_from_civil(2024, 2, 29, 12, 0, 0, 0));
	vg_arena_destroy(arena);
	vg_parse_ctx_destroy(ctx);
	vg_parser_destroy(parser);
}
END_TEST

START_TEST(first_byte_filter_never_hides_a_match)
{
	static const char *const msgs[] = {
	    "Accepted password for root from 10.0.0.1 port 22 ssh2",
	    "Failed password for invalid user admin from 10.0.0.1 port 22 ssh2",
	    "message repeated 2 times: [ Failed password for root from 1.2.3.4 port 5 "
	    "ssh2]",
	    "Invalid user test from 10.0.0.2 port 4242",
	    "error: maximum authentication attempts exceeded for root from 1.2.3.4 port "
	    "22",
	    "maximum authentication attempts exceeded for root from 1.2.3.4 port 22",
	    "Connection closed by 10.0.0.3 port 5555 [preauth]",
	    "Received disconnect from 10.0.0.4 port 1: 11: Bye Bye [preauth]",
	    "error: Received disconnect from 10.0.0.4 port 1: 11: Bye Bye [preauth]",
	    "fatal: Timeout before authentication for 10.0.0.5 port 2",
	    "Timeout before authentication for 10.0.0.5 port 2",
	    "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh "
	    "ruser= rhost=10.0.0.6  user=root",
	    "pam_unix(sudo:session): session opened for user root by alice(uid=0)",
	    "authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= "
	    "rhost=218.188.2.4",
	    "check pass; user unknown",
	    "session opened for user news by (uid=0)",
	    "  alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls",
	    "alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls",
	    "(to root) alice on pts/0",
	    "FAILED su for root by alice",
	    "Disconnecting: Too many authentication failures [preauth]",
	    "debug1: channel 0: connection failed: Connection refused",
	    "ROOT LOGIN REFUSED FROM 1.2.3.4",
	    "User root from 1.2.3.4 not allowed because not listed in AllowUsers",
	    "new user: name=bob, UID=1001, GID=1001, home=/home/bob, shell=/bin/bash",
	    "Started Session 42 of user alice.",
	    "New session 3 of user alice.",
	    "IN=eth0 OUT= MAC=00 SRC=1.2.3.4 DST=5.6.7.8 LEN=60 PROTO=TCP SPT=1 DPT=22",
	    "[UFW BLOCK] IN=eth0 OUT= SRC=1.2.3.4 DST=5.6.7.8 PROTO=TCP SPT=1 DPT=22",
	    "(root) CMD (run-parts /etc/cron.hourly)",
	    "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 2326",
	    "x",
	};
	struct vg_parser *parser = new_parser(0);
	const struct vgp_decoders *decs = &parser->decoders;
	pcre2_match_data *md = pcre2_match_data_create(decs->max_ovector, NULL);
	size_t filtered = 0, matches = 0;

	for (size_t i = 0; i < decs->count; i++) {
		const struct vgp_decoder *d = &decs->list[i];
		for (size_t p = 0; p < d->npatterns; p++) {
			const struct vgp_pattern *pat = &d->patterns[p];
			if (!pat->first_set)
				continue;
			filtered++;
			for (size_t m = 0; m < sizeof(msgs) / sizeof(msgs[0]); m++) {
				/* the message and its first byte in the other case */
				char alt[256];
				size_t len = strlen(msgs[m]);
				memcpy(alt, msgs[m], len);
				alt[len] = '\0';
				alt[0] ^= 0x20;
				const char *cands[] = {msgs[m], alt};
				for (int c = 0; c < 2; c++) {
					int rc =
					    pcre2_match(pat->code, (PCRE2_SPTR)cands[c],
					                len, 0, 0, md, NULL);
					if (rc < 0)
						continue;
					matches++;
					unsigned b = (unsigned char)cands[c][0];
					ck_assert_msg(
					    pat->first[b >> 5] >> (b & 31) & 1u,
					    "decoder '%s' pattern '%s' matches '%s' "
					    "but its first-byte set excludes it",
					    d->name, pat->name, cands[c]);
				}
			}
		}
	}
	/* The filter exists for most patterns and was exercised by real matches. */
	ck_assert_uint_gt(filtered, 20);
	ck_assert_uint_gt(matches, 10);
	pcre2_match_data_free(md);
	vg_parser_destroy(parser);
}
END_TEST

START_TEST(first_byte_filter_of_known_patterns)
{
	/* "^(?:error: )?maximum ..." may start with 'e' or 'm' and nothing else;
	 * "^Accepted ..." only with 'A' (no caseless flag, but both cases allowed). */
	struct vg_parser *parser = new_parser(0);
	const struct vgp_decoders *decs = &parser->decoders;
	bool seen_max = false, seen_acc = false;
	for (size_t i = 0; i < decs->count; i++) {
		const struct vgp_decoder *d = &decs->list[i];
		if (strcmp(d->name, "sshd") != 0)
			continue;
		for (size_t p = 0; p < d->npatterns; p++) {
			const struct vgp_pattern *pat = &d->patterns[p];
			unsigned allowed = 0;
			for (unsigned b = 0; b < 256; b++)
				allowed += pat->first[b >> 5] >> (b & 31) & 1u;
			if (strcmp(pat->name, "max_auth_exceeded") == 0) {
				seen_max = true;
				ck_assert(pat->first_set);
				ck_assert(pat->first['e' >> 5] >> ('e' & 31) & 1u);
				ck_assert(pat->first['m' >> 5] >> ('m' & 31) & 1u);
				ck_assert_uint_le(allowed, 4);
			} else if (strcmp(pat->name, "accepted") == 0) {
				seen_acc = true;
				ck_assert(pat->first_set);
				ck_assert(pat->first['A' >> 5] >> ('A' & 31) & 1u);
				ck_assert(!(pat->first['F' >> 5] >> ('F' & 31) & 1u));
				ck_assert_uint_le(allowed, 2);
			}
		}
	}
	ck_assert(seen_max && seen_acc);
	vg_parser_destroy(parser);
}
END_TEST

/* ------------------------------------------------------------ JSON strings */

/* The naive reading of one JSON string whose opening quote is rec[q]: RFC 8259 byte
 * by byte, decoding as json.c does (unpaired surrogates -> U+FFFD).  @return NULL
 * with the decoded text in out and *end past the closing quote, or the error text
 * with *err_off. */
static const char *naive_string(const unsigned char *rec, size_t len, size_t q, char *out,
                                size_t *olen, size_t *end, size_t *err_off)
{
	size_t i = q + 1, o = 0;
	for (;;) {
		if (i >= len) {
			*err_off = q;
			return "unterminated string";
		}
		unsigned c = rec[i];
		if (c == '"')
			break;
		if (c < 0x20) {
			*err_off = i;
			return "control character in string";
		}
		if (c == '\\') {
			if (i + 1 >= len) {
				*err_off = q;
				return "unterminated string";
			}
			char e = (char)rec[i + 1];
			const char *simple = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
			const char *at = e ? strchr(simple, e) : NULL;
			if (at) {
				out[o++] = to[at - simple];
				i += 2;
				continue;
			}
			if (e != 'u') {
				*err_off = i;
				return "invalid escape";
			}
			if (i + 6 > len) {
				*err_off = q;
				return "unterminated string";
			}
			unsigned cp = 0;
			for (int k = 2; k < 6; k++) {
				unsigned h = rec[i + k];
				int v = h >= '0' && h <= '9'   ? (int)(h - '0')
				        : h >= 'a' && h <= 'f' ? (int)(h - 'a' + 10)
				        : h >= 'A' && h <= 'F' ? (int)(h - 'A' + 10)
				                               : -1;
				if (v < 0) {
					*err_off = i;
					return "invalid \\u escape";
				}
				cp = cp << 4 | (unsigned)v;
			}
			i += 6;
			/* a high surrogate takes a following \uDC00-\uDFFF (checked by
			 * the same rules when its turn comes) */
			if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 <= len &&
			    rec[i] == '\\' && rec[i + 1] == 'u') {
				unsigned lo = 0;
				bool hex = true;
				for (int k = 2; k < 6; k++) {
					unsigned h = rec[i + k];
					int v =
					    h >= '0' && h <= '9'   ? (int)(h - '0')
					    : h >= 'a' && h <= 'f' ? (int)(h - 'a' + 10)
					    : h >= 'A' && h <= 'F' ? (int)(h - 'A' + 10)
					                           : -1;
					hex = hex && v >= 0;
					lo = lo << 4 | (unsigned)(v & 15);
				}
				if (hex && lo >= 0xDC00 && lo <= 0xDFFF) {
					cp = 0x10000 + ((cp - 0xD800) << 10) +
					     (lo - 0xDC00);
					i += 6;
				}
			}
			if (cp >= 0xD800 && cp <= 0xDFFF)
				cp = 0xFFFD;
			if (cp < 0x80) {
				out[o++] = (char)cp;
			} else if (cp < 0x800) {
				out[o++] = (char)(0xC0 | cp >> 6);
				out[o++] = (char)(0x80 | (cp & 0x3F));
			} else if (cp < 0x10000) {
				out[o++] = (char)(0xE0 | cp >> 12);
				out[o++] = (char)(0x80 | (cp >> 6 & 0x3F));
				out[o++] = (char)(0x80 | (cp & 0x3F));
			} else {
				out[o++] = (char)(0xF0 | cp >> 18);
				out[o++] = (char)(0x80 | (cp >> 12 & 0x3F));
				out[o++] = (char)(0x80 | (cp >> 6 & 0x3F));
				out[o++] = (char)(0x80 | (cp & 0x3F));
			}
			continue;
		}
		if (c < 0x80) {
			out[o++] = (char)c;
			i++;
			continue;
		}
		/* RFC 3629: lead byte, then continuation bytes with the narrowed second
		 * byte ranges (no overlongs, no surrogates, nothing above U+10FFFF) */
		size_t n = c >= 0xC2 && c <= 0xDF   ? 2
		           : c >= 0xE0 && c <= 0xEF ? 3
		           : c >= 0xF0 && c <= 0xF4 ? 4
		                                    : 0;
		unsigned lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
		unsigned hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
		bool ok = n && i + n <= len && rec[i + 1] >= lo && rec[i + 1] <= hi;
		for (size_t k = 2; ok && k < n; k++)
			ok = rec[i + k] >= 0x80 && rec[i + k] <= 0xBF;
		if (!ok) {
			*err_off = i;
			return "invalid UTF-8";
		}
		memcpy(out + o, rec + i, n);
		o += n;
		i += n;
	}
	*olen = o;
	*end = i + 1;
	return NULL;
}

struct leaves {
	size_t n;
	char path[4][512];
	size_t plen[4];
	char val[4][512];
	size_t vlen[4];
};

static vg_err collect_leaf(void *ud, const char *path, size_t plen, bool stable,
                           const char *v, size_t vlen, enum vg_value_kind kind)
{
	struct leaves *lv = ud;
	(void)stable, (void)kind;
	ck_assert_uint_lt(lv->n, 4);
	ck_assert_uint_lt(plen, sizeof(lv->path[0]));
	ck_assert_uint_lt(vlen, sizeof(lv->val[0]));
	memcpy(lv->path[lv->n], path, plen);
	lv->plen[lv->n] = plen;
	memcpy(lv->val[lv->n], v, vlen);
	lv->vlen[lv->n++] = vlen;
	return VG_OK;
}

/* Pieces that put every kind of byte a string scan stops at (or skips) at every
 * offset of the 16- and 8-byte blocks json.c reads: plain runs, escapes, quotes,
 * control bytes, valid and broken UTF-8. */
static const char *const g_pieces[] = {
    "a",
    "Zq",
    "hello world",
    "0123456789abcdefXYZ",
    " ",
    "\\\\",
    "\\\"",
    "\\/",
    "\\n",
    "\\t",
    "\\b\\f\\r",
    "\\u00e9",
    "\\u20AC",
    "\\ud83d\\ude00",
    "\\ud800",
    "\\udc00x",
    "\\ud800\\u0041",
    "\\x",
    "\\u12G4",
    "\x01",
    "\x1f",
    "\x7f",
    "\xc3\xa9",
    "\xe2\x82\xac",
    "\xf0\x9f\x98\x80",
    "\xc3",
    "\xff",
    "\xc0\xaf",
    "\xed\xa0\x80",
    "\xf4\x90\x80\x80",
    "\xe0\x80\x80",
    "C:\\\\Windows\\\\x.exe",
};

/* One generated string content (no raw quote) of up to ~70 bytes. */
static size_t gen_content(uint64_t *rng, char *buf, size_t cap)
{
	size_t n = 0;
	*rng = *rng * 6364136223846793005u + 1442695040888963407u;
	unsigned pieces = (unsigned)(*rng >> 59); /* 0..31 */
	for (unsigned k = 0; k < pieces; k++) {
		*rng = *rng * 6364136223846793005u + 1442695040888963407u;
		const char *p =
		    g_pieces[(*rng >> 33) % (sizeof(g_pieces) / sizeof(g_pieces[0]))];
		size_t pl = strlen(p);
		if (n + pl >= cap)
			break;
		/* most records should be valid: broken pieces only now and then */
		if ((*rng >> 20) % 8 != 0 &&
		    (strchr(p, 'x') == p + 1 || p[0] == '\x01' || p[0] == '\x1f' ||
		     (unsigned char)p[0] >= 0xC0))
			continue;
		memcpy(buf + n, p, pl);
		n += pl;
	}
	return n;
}

/* One record through vgp_json_walk against the naive reading of its strings. */
static void check_record(const char *rec, size_t len, size_t q1, size_t q2, bool nested,
                         bool truncated)
{
	char out1[512], out2[512], path[VGP_JSON_PATH_MAX], want[600];
	size_t o1 = 0, o2 = 0, e1 = 0, e2 = 0, off = 0;
	const unsigned char *u = (const unsigned char *)rec;
	const char *err = naive_string(u, len, q1, out1, &o1, &e1, &off);
	if (!err && q2)
		err = naive_string(u, len, q2, out2, &o2, &e2, &off);
	struct vg_arena *arena = vg_arena_new(0);
	struct leaves lv = {0};
	const char *reason = NULL;
	vg_err rc = vgp_json_walk(rec, len, arena, path, collect_leaf, &lv, &reason);
	if (err) {
		snprintf(want, sizeof(want), "json: %s at offset %zu", err, off);
		ck_assert_msg(rc == VG_ERR_PARSE && !strcmp(reason, want),
		              "record %.*s: want '%s', got %d '%s'", (int)len, rec, want,
		              (int)rc, reason ? reason : "");
	} else if (!truncated) {
		ck_assert_msg(rc == VG_OK, "record %.*s: %s", (int)len, rec,
		              reason ? reason : "");
		ck_assert_uint_eq(lv.n, 1);
		if (nested) { /* {"a":{"<key>":"<value>"}} */
			ck_assert_uint_eq(lv.plen[0], 2 + o1);
			ck_assert_int_eq(memcmp(lv.path[0], "a.", 2), 0);
			ck_assert_int_eq(memcmp(lv.path[0] + 2, out1, o1), 0);
			ck_assert_uint_eq(lv.vlen[0], o2);
			ck_assert_int_eq(memcmp(lv.val[0], out2, o2), 0);
		} else { /* {"<key>":"<value>"} */
			ck_assert_uint_eq(lv.plen[0], o1);
			ck_assert_int_eq(memcmp(lv.path[0], out1, o1), 0);
			ck_assert_uint_eq(lv.vlen[0], o2);
			ck_assert_int_eq(memcmp(lv.val[0], out2, o2), 0);
		}
	}
	vg_arena_destroy(arena);
}

START_TEST(json_strings_match_naive_reading)
{
	uint64_t rng = 0x243F6A8885A308D3u;
	char k[256], v[256], rec[700];
	size_t checked = 0;
	for (int round = 0; round < 20000; round++) {
		size_t kl = gen_content(&rng, k, sizeof(k));
		size_t vl = gen_content(&rng, v, sizeof(v));
		bool nested = round % 3 == 0;
		int n = nested ? snprintf(rec, sizeof(rec), "{\"a\":{\"%.*s\":\"%.*s\"}}",
		                          (int)kl, k, (int)vl, v)
		               : snprintf(rec, sizeof(rec), "{\"%.*s\":\"%.*s\"}",
		                          (int)kl, k, (int)vl, v);
		ck_assert_int_gt(n, 0);
		size_t len = (size_t)n, q1 = nested ? 6 : 1, q2 = q1 + kl + 3;
		/* a piece may not contain a raw quote, so the strings end where meant */
		check_record(rec, len, q1, q2, nested, false);
		/* cut inside the value: unterminated, or an error before the cut */
		if (vl) {
			size_t cut = q2 + 1 + (size_t)(rng >> 40) % vl;
			check_record(rec, cut, q1, q2, nested, true);
		}
		checked++;
	}
	ck_assert_uint_eq(checked, 20000);
}
END_TEST

/* Pieces for values through the decoded-value pool: mostly "\\" pairs and plain
 * runs (json_walk.h's string_value), now and then anything g_pieces has. */
static size_t gen_pool_content(uint64_t *rng, char *buf, size_t cap)
{
	static const char *const usual[] = {"\\\\", "\\\\",     "Windows",
	                                    "x",    "System32", "0123456789abcdef"};
	size_t n = 0;
	*rng = *rng * 6364136223846793005u + 1442695040888963407u;
	unsigned pieces = (unsigned)(*rng >> 57); /* 0..127 */
	for (unsigned k = 0; k < pieces; k++) {
		*rng = *rng * 6364136223846793005u + 1442695040888963407u;
		const char *p =
		    (*rng >> 20) % 64
		        ? usual[(*rng >> 33) % (sizeof(usual) / sizeof(usual[0]))]
		        : g_pieces[(*rng >> 33) %
		                   (sizeof(g_pieces) / sizeof(g_pieces[0]))];
		size_t pl = strlen(p);
		if (n + pl >= cap)
			break;
		memcpy(buf + n, p, pl);
		n += pl;
	}
	return n;
}

/* String values through vg_parse with room reserved for decoded values of 40 to
 * 1,000 bytes (vg_parse_ctx.pool_max, past the extras' share): json_walk.h's
 * string_value decodes "\\" pairs into that room inline and hands anything else
 * to vgp_jp_string_value.  Against the naive reading: values of up to ~1.2 KiB
 * mostly made of pairs and plain runs, with every other piece now and then,
 * whole and cut short, two per record (the second one in what the first left):
 * the same text or the same first error. */
START_TEST(json_pool_strings_match_naive_reading)
{
	struct vg_parser *parser = new_parser(0);
	struct vg_parse_ctx *ctx = vg_parse_ctx_new(parser);
	struct vg_arena *arena = vg_arena_new(0);
	uint64_t rng = 0xA4093822299F31D0u;
	static char v1[1300], v2[1300], rec[2700], learn[1100], out1[1300], out2[1300];
	size_t fast = 0;
	for (int round = 0; round < 6000; round++) {
		/* the room: pool_max (the record before it only warms the context) */
		size_t room = 40 + (size_t)round * 37 % 960;
		ctx->pool_max = (uint32_t)room;
		memcpy(learn, "{\"k\":\"\\\\", 8);
		memset(learn + 8, 'r', room - 2);
		memcpy(learn + 6 + room, "\"}", 3);
		struct vg_event *ev = NULL;
		const char *reason = NULL;
		ck_assert_int_eq(vg_parse(parser, ctx, VG_FMT_JSON, learn, strlen(learn),
		                          0, arena, &ev, &reason),
		                 VG_OK);
		vg_arena_reset(arena);
		size_t l1 = gen_pool_content(&rng, v1, sizeof(v1));
		size_t l2 = gen_pool_content(&rng, v2, sizeof(v2) / 4);
		int n = snprintf(rec, sizeof(rec), "{\"k\":\"%.*s\",\"q\":\"%.*s\"}",
		                 (int)l1, v1, (int)l2, v2);
		ck_assert_int_gt(n, 0);
		size_t len = (size_t)n;
		if (round % 5 == 4) /* cut somewhere */
			len = 6 + (size_t)(rng >> 40) % (len - 6);
		char *exact = malloc(len);
		ck_assert_ptr_nonnull(exact);
		memcpy(exact, rec, len);
		const unsigned char *u = (const unsigned char *)exact;
		size_t o1 = 0, o2 = 0, e1 = 0, e2 = 0, off = 0;
		const char *err = naive_string(u, len, 5, out1, &o1, &e1, &off);
		bool second = !err && e1 + 5 < len && !memcmp(exact + e1, ",\"q\":", 5);
		if (second)
			err = naive_string(u, len, e1 + 5, out2, &o2, &e2, &off);
		vg_err rc = vg_parse(parser, ctx, VG_FMT_JSON, exact, len, 0, arena, &ev,
		                     &reason);
		if (err) {
			char want[160];
			snprintf(want, sizeof(want), "json: %s at offset %zu", err, off);
			ck_assert_msg(rc == VG_ERR_PARSE && !strcmp(reason, want),
			              "record %.*s: want '%s', got %d '%s'", (int)len,
			              exact, want, (int)rc, reason ? reason : "");
		} else if (second && e2 + 1 == len) {
			ck_assert_msg(rc == VG_OK, "record %.*s: %s", (int)len, exact,
			              reason ? reason : "");
			size_t seen = 0;
			for (const struct vg_extra *x = ev->extras; x; x = x->next) {
				const char *want = x->name[0] == 'k' ? out1 : out2;
				size_t wl = x->name[0] == 'k' ? o1 : o2;
				ck_assert_msg(
				    x->value.len == wl && !memcmp(x->value.ptr, want, wl),
				    "room %zu record %.*s: %c = '%.*s'", room, (int)len,
				    exact, x->name[0], (int)x->value.len, x->value.ptr);
				seen++;
			}
			ck_assert_uint_eq(seen, 2);
			fast += o1 > 0 && memchr(v1, '\\', l1) != NULL;
		}
		free(exact);
		vg_arena_reset(arena);
	}
	ck_assert_uint_gt(fast, 1000);
	vg_arena_destroy(arena);
	vg_parse_ctx_destroy(ctx);
	vg_parser_destroy(parser);
}
END_TEST

/* One leaf of any size, for the long strings below. */
struct big_leaf {
	size_t n;
	char val[4096];
	size_t vlen;
};

static vg_err collect_big(void *ud, const char *path, size_t plen, bool stable,
                          const char *v, size_t vlen, enum vg_value_kind kind)
{
	struct big_leaf *bl = ud;
	(void)path, (void)plen, (void)stable, (void)kind;
	ck_assert_uint_lt(vlen, sizeof(bl->val));
	memcpy(bl->val, v, vlen);
	bl->vlen = vlen;
	bl->n++;
	return VG_OK;
}

/* String values around and past the size json.c decodes in one pass (1 KiB of
 * scratch), with escapes, UTF-8 and broken bytes at every offset near the limit:
 * the one-pass decoder, its switch to scanning and decoding in two passes, and
 * the naive reading agree on the value and on the first error. */
START_TEST(json_long_strings_match_naive_reading)
{
	uint64_t rng = 0x13198A2E03707344u;
	static char v[3000], rec[3100], out[3100];
	for (int round = 0; round < 6000; round++) {
		rng = rng * 6364136223846793005u + 1442695040888963407u;
		/* a plain run that puts the pieces near the 1 KiB mark */
		size_t n = 900 + (size_t)(rng >> 33) % 200;
		memset(v, round % 2 ? 'a' : 0x7e, n);
		if (round % 5 == 0) /* or escapes all along */
			for (size_t k = 0; k + 1 < n; k += 2 + (size_t)(rng >> 40) % 30)
				v[k] = '\\', v[k + 1] = 'n';
		while (n < 1200) {
			size_t add = gen_content(&rng, v + n, sizeof(v) - n);
			n += add;
			if (!add)
				v[n++] = 'z';
		}
		int len = snprintf(rec, sizeof(rec), "{\"k\":\"%.*s\"}", (int)n, v);
		ck_assert_int_gt(len, 0);
		size_t rl = (size_t)len, olen = 0, qend = 0, off = 0;
		if (round % 3 == 1)
			rl = 6 + (size_t)(rng >> 20) % n; /* cut inside the value */
		const char *err = naive_string((const unsigned char *)rec, rl, 5, out,
		                               &olen, &qend, &off);
		struct vg_arena *arena = vg_arena_new(0);
		struct big_leaf bl = {0};
		char path[VGP_JSON_PATH_MAX], want[200];
		const char *reason = NULL;
		vg_err rc =
		    vgp_json_walk(rec, rl, arena, path, collect_big, &bl, &reason);
		if (err) {
			snprintf(want, sizeof(want), "json: %s at offset %zu", err, off);
			ck_assert_msg(rc == VG_ERR_PARSE && !strcmp(reason, want),
			              "round %d: want '%s', got %d '%s'", round, want,
			              (int)rc, reason ? reason : "");
		} else if (qend == rl - 1) { /* the whole record */
			ck_assert_msg(rc == VG_OK, "round %d: %s", round,
			              reason ? reason : "");
			ck_assert_uint_eq(bl.n, 1);
			ck_assert_uint_eq(bl.vlen, olen);
			ck_assert_int_eq(memcmp(bl.val, out, olen), 0);
		}
		vg_arena_destroy(arena);
	}
}
END_TEST

/* A record that ends inside an escape whose second byte lies just past its end
 * (in the caller's buffer): the 16-byte decoding of "\\" pairs must not reach
 * past the record (an exact-size copy shows a read past it under ASan).  Every
 * cut of a value of an escape, plain bytes and backslashes, the byte after the cut
 * always a backslash, against the naive reading. */
START_TEST(json_escape_cut_at_record_end)
{
	char rec[96], out[96];
	for (size_t plain = 0; plain < 40; plain++)
		for (size_t cut = 7; cut < 8 + plain + 4; cut++) {
			/* {"k":"\\aaa...\\\\\"}: an escape, plain bytes, escapes */
			int n =
			    snprintf(rec, sizeof(rec), "{\"k\":\"\\\\%.*s\\\\\\\\\\\\\"}",
			             (int)plain,
			             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
			ck_assert_int_gt(n, (int)cut);
			/* the bytes past the record are backslashes too */
			memset(rec + cut, '\\', (size_t)n - cut);
			size_t olen = 0, qend = 0, off = 0;
			const char *err = naive_string((const unsigned char *)rec, cut, 5,
			                               out, &olen, &qend, &off);
			ck_assert_ptr_nonnull(err); /* cut before the closing quote */
			struct vg_arena *arena = vg_arena_new(0);
			struct big_leaf bl = {0};
			char path[VGP_JSON_PATH_MAX], want[200];
			const char *reason = NULL;
			snprintf(want, sizeof(want), "json: %s at offset %zu", err, off);
			/* in the buffer, and as an exact-size heap copy (ASan: no read
			 * past it) */
			char *exact = malloc(cut);
			ck_assert_ptr_nonnull(exact);
			memcpy(exact, rec, cut);
			for (int k = 0; k < 2; k++) {
				vg_err rc =
				    vgp_json_walk(k ? exact : rec, cut, arena, path,
				                  collect_big, &bl, &reason);
				ck_assert_msg(rc == VG_ERR_PARSE && !strcmp(reason, want),
				              "plain %zu cut %zu: want '%s', got %d '%s'",
				              plain, cut, want, (int)rc,
				              reason ? reason : "");
			}
			free(exact);
			vg_arena_destroy(arena);
		}
}
END_TEST

/* ------------------------------------------------------------ JSON key cache */

static void event_json(struct vg_parser *parser, struct vg_parse_ctx *ctx,
                       struct vg_arena *arena, const char *rec, struct vg_buf *out)
{
	struct vg_event *ev = NULL;
	const char *reason = NULL;
	vg_buf_reset(out);
	vg_err err =
	    vg_parse(parser, ctx, VG_FMT_JSON, rec, strlen(rec), 0, arena, &ev, &reason);
	if (err == VG_OK)
		vg_event_to_json(ev, out);
	else
		vg_buf_printf(out, "error %d %s", (int)err, reason ? reason : "");
}

/* The same records through one long-lived context (warm cache, flushed when full)
 * and through a new context each (cold cache) give the same events; the second
 * half spaces its records as Sysmon does (", " and ": "), so that members are
 * guessed (member_guess) across the flushes too. */
START_TEST(key_cache_matches_cold_parse)
{
	struct vg_parser *parser = new_parser(0);
	struct vg_parse_ctx *warm = vg_parse_ctx_new(parser);
	struct vg_arena *arena = vg_arena_new(0);
	struct vg_buf a, b;
	vg_buf_init(&a);
	vg_buf_init(&b);
	char rec[2048], longkey[400];
	memset(longkey, 'L', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	static const char *const fixed[] = {
	    "{\"Provider\":\"Microsoft-Windows-Sysmon\",\"EventID\":1,\"Computer\":"
	    "\"w1\","
	    "\"Channel\":\"Microsoft-Windows-Sysmon/Operational\",\"UtcTime\":"
	    "\"2024-03-01 10:00:00.000\",\"Image\":\"C:\\\\a.exe\",\"User\":\"u\"}",
	    "{\"Event\":{\"System\":{\"Provider\":{\"#attributes\":{\"Name\":"
	    "\"Microsoft-Windows-Security-Auditing\"}},\"EventID\":4624,\"Computer\":"
	    "\"dc\"},\"EventData\":{\"TargetUserName\":\"bob\",\"Image\":\"x\"}}}",
	    "{\"timestamp\":\"2024-03-01T10:00:00+0000\",\"event_type\":\"alert\","
	    "\"src_ip\":\"1.2.3.4\",\"alert\":{\"signature\":\"s\",\"severity\":2},"
	    "\"http\":{\"hostname\":\"h\"}}",
	    "{\"name\":\"q\",\"hostIdentifier\":\"h\",\"columns\":{\"pid\":\"1\"},"
	    "\"unixTime\":1709287200,\"event.module\":\"m\"}",
	    "{\"@timestamp\":\"2024-03-01T10:00:00Z\",\"host.name\":\"h\",\"Hostname\":"
	    "\"other\",\"User\":null}",
	    "{\"Event\":{\"System\":{\"EventID\":{\"#attributes\":{\"Qualifiers\":"
	    "16384},\"#text\":7045},\"Channel\":\"System\"},\"EventData\":{"
	    "\"ServiceName\":{\"@a\":\"1\",\"#text\":\"s\"}}}}",
	};
	char spaced[2048];
	for (int round = 0; round < 3000; round++) {
		const char *r;
		if (round % 3 == 0) {
			r = fixed[(size_t)round / 3 % (sizeof(fixed) / sizeof(fixed[0]))];
			if (round >= 1500) { /* Sysmon's spacing: the member guess */
				size_t n = 0;
				for (const char *f = r; *f && n + 3 < sizeof(spaced);
				     f++) {
					spaced[n++] = *f;
					if (*f == ',' || *f == ':')
						spaced[n++] = ' ';
				}
				spaced[n] = '\0';
				r = spaced;
			}
		} else {
			/* ever new keys: the cache fills up and starts over */
			snprintf(
			    rec, sizeof(rec),
			    round < 1500
			        ? "{\"k%d\":\"v\",\"Event\":{\"EventData\":{\"X%d\":1,"
			          "\"Image\":\"c\"}},\"%s%d\":2,\"Provider\":{\"Name\":"
			          "\"p\"}}"
			        : "{\"k%d\": \"v\", \"User\": \"X%d\", \"Image\": \"c\", "
			          "\"%s%d\": 2, \"Computer\": \"h\"}",
			    round, round, round % 10 == 1 ? longkey : "n", round);
			r = rec;
		}
		struct vg_parse_ctx *cold = vg_parse_ctx_new(parser);
		event_json(parser, warm, arena, r, &a);
		event_json(parser, cold, arena, r, &b);
		ck_assert_msg(a.len == b.len && !memcmp(a.data, b.data, a.len),
		              "warm %s\ncold %s", a.data, b.data);
		vg_parse_ctx_destroy(cold);
		vg_arena_reset(arena);
	}
	vg_buf_free(&a);
	vg_buf_free(&b);
	vg_arena_destroy(arena);
	vg_parse_ctx_destroy(warm);
	vg_parser_destroy(parser);
}
END_TEST

/* Keys of Sysmon / Windows / ECS records: registry fields, aliases with and without
 * a role, keys up to 16 bytes and longer ones, 1-3 byte keys, plain extras. */
static const char *const g_keys[] = {
    "Provider",
    "EventID",
    "Level",
    "Channel",
    "Computer",
    "UtcTime",
    "TimeCreated",
    "Image",
    "CommandLine",
    "User",
    "ProcessId",
    "ParentImage",
    "ParentCommandLine",
    "TerminalSessionId",
    "OriginalFileName",
    "Hashes",
    "CurrentDirectory",
    "DestinationIp",
    "DestinationPortName",
    "TargetFilename",
    "host.name",
    "process.executable",
    "event.module",
    "event.dataset",
    "@timestamp",
    "timestamp",
    "a",
    "ab",
    "abc",
    "Keywords",
    "SourceProcessGUID",
    "name",
    "hostIdentifier",
    "action",
    "event_type",
    "proto",
    "EventData",
    "System",
    "win",
};

/* One value of a generated record (kind by the round's random bits). */
static size_t gen_value(uint64_t *rng, char *out, size_t cap)
{
	static const char *const vals[] = {
	    "\"C:\\\\Windows\\\\System32\\\\cmd.exe\"",
	    "\"plain text value\"",
	    "\"\"",
	    "1",
	    "-2.5e3",
	    "true",
	    "null",
	    "[1, \"x\", {\"k\": null}]",
	    "\"2024-03-01 10:00:00.123\"",
	    "\"Microsoft-Windows-Sysmon\"",
	    "\"Microsoft-Windows-Sysmon/Operational\"",
	    "\"\\u00e9t\\u00e9 \\ud83d\\ude00\"",
	    "\"tab\\there\\\"q\\\"\"",
	    "{\"TargetObject\": \"HKLM\\\\x\", \"Image\": \"i\", \"Name\": \"n\"}",
	    ("{\"Provider\": {\"Name\": \"Microsoft-Windows-Security-Auditing\"}, "
	     "\"EventID\": 4624}"),
	    "\"0123456789abcdef0123456789abcdef0123456789\"",
	};
	*rng = *rng * 6364136223846793005u + 1442695040888963407u;
	const char *v = vals[(*rng >> 33) % (sizeof(vals) / sizeof(vals[0]))];
	size_t n = strlen(v);
	if (n >= cap)
		n = 0;
	memcpy(out, v, n);
	return n;
}

/* The leaf fast path (on_leaf's home-slot probe and inline stores, taken when the
 * key's plan is cached) against the first-sight path (a new context per record:
 * every key planned and handled by leaf_slow): generated Sysmon-like records with
 * keys in any order, repeated keys, every value kind, nested EventData / System,
 * whitespace variants and truncations give the same events and errors. */
START_TEST(json_fast_leaf_matches_first_sight)
{
	struct vg_parser *parser = new_parser(0);
	struct vg_parse_ctx *warm = vg_parse_ctx_new(parser);
	struct vg_arena *arena = vg_arena_new(0);
	struct vg_buf a, b;
	vg_buf_init(&a);
	vg_buf_init(&b);
	static const char *const seps[][2] = {
	    {": ", ", "}, {":", ","}, {" : ", " , "}, {"\n:\t", "\r\n,"}};
	uint64_t rng = 0x9E3779B97F4A7C15u;
	char rec[4096];
	size_t nkeys = sizeof(g_keys) / sizeof(g_keys[0]);
	for (int round = 0; round < 4000; round++) {
		rng = rng * 6364136223846793005u + 1442695040888963407u;
		const char *const *sep = seps[(rng >> 40) % 4];
		size_t n = 0, members = 1 + (size_t)(rng >> 58); /* 1..64 */
		rec[n++] = '{';
		for (size_t m = 0; m < members && n + 300 < sizeof(rec); m++) {
			rng = rng * 6364136223846793005u + 1442695040888963407u;
			const char *k = g_keys[(rng >> 33) % nkeys];
			if (m)
				n += (size_t)snprintf(rec + n, sizeof(rec) - n, "%s",
				                      sep[1]);
			n += (size_t)snprintf(rec + n, sizeof(rec) - n, "\"%s\"%s", k,
			                      sep[0]);
			n += gen_value(&rng, rec + n, sizeof(rec) - n - 2);
		}
		rec[n++] = '}';
		rec[n] = '\0';
		if (round % 7 == 3)
			rec[(rng >> 20) % n] = '\0'; /* truncated: an error or less */
		struct vg_parse_ctx *cold = vg_parse_ctx_new(parser);
		event_json(parser, warm, arena, rec, &a);
		event_json(parser, cold, arena, rec, &b);
		ck_assert_msg(a.len == b.len && !memcmp(a.data, b.data, a.len),
		              "record %.600s\nwarm %.600s\ncold %.600s", rec, a.data,
		              b.data);
		vg_parse_ctx_destroy(cold);
		vg_arena_reset(arena);
	}
	vg_buf_free(&a);
	vg_buf_free(&b);
	vg_arena_destroy(arena);
	vg_parse_ctx_destroy(warm);
	vg_parser_destroy(parser);
}
END_TEST

/* The first leaf of a walk, with its kind. */
struct kind_leaf {
	size_t n;
	const char *v;
	size_t vlen;
	enum vg_value_kind kind;
};

static vg_err collect_kind(void *ud, const char *path, size_t plen, bool stable,
                           const char *v, size_t vlen, enum vg_value_kind kind)
{
	struct kind_leaf *kl = ud;
	(void)path, (void)plen, (void)stable;
	if (kl->n++ == 0) {
		kl->v = v;
		kl->vlen = vlen;
		kl->kind = kind;
	}
	return VG_OK;
}

/* Integers and null are read inline by the object loop (json_walk.h) and
 * everything else by vgp_jp_value: against vgp_jp_value itself on every value
 * text made of digits, signs, '.', 'e', 'E', the letters of null and other
 * bytes, as the last member, before another one and cut at the record's end
 * (an exact-size copy), through both instances of the loop (vgp_json_walk and
 * vg_parse's event_object): the same leaf, or the same error. */
START_TEST(json_inline_numbers_match_value_parser)
{
	static const char alphabet[] = "0119-.eE+nulltrx }\"";
	static const char *const fixed[] = {"0",
	                                    "1",
	                                    "12",
	                                    "01",
	                                    "-1",
	                                    "1.5",
	                                    "1.",
	                                    "1e5",
	                                    "1E5",
	                                    "1e",
	                                    "1x",
	                                    "9 ",
	                                    "null",
	                                    "nul",
	                                    "nulx",
	                                    "nulll",
	                                    "true",
	                                    "false",
	                                    "1.5e",
	                                    "10}",
	                                    "null}",
	                                    "1,",
	                                    "123456789012345678901234567890"};
	struct vg_parser *parser = new_parser(0);
	struct vg_parse_ctx *ctx = vg_parse_ctx_new(parser);
	struct vg_arena *arena = vg_arena_new(0);
	char val[40], rec[96], path[VGP_JSON_PATH_MAX];
	uint64_t rng = 0x243F6A8885A308D3u;
	size_t nfixed = sizeof(fixed) / sizeof(fixed[0]), inline_ok = 0;
	for (size_t round = 0; round < 40000; round++) {
		if (round < nfixed) {
			snprintf(val, sizeof(val), "%s", fixed[round]);
		} else {
			rng = rng * 6364136223846793005u + 1442695040888963407u;
			size_t n = 1 + (size_t)(rng >> 61); /* 1..8 */
			for (size_t i = 0; i < n; i++) {
				rng = rng * 6364136223846793005u + 1442695040888963407u;
				val[i] = alphabet[(rng >> 33) % (sizeof(alphabet) - 1)];
			}
			val[n] = '\0';
		}
		for (int form = 0; form < 3; form++) {
			int len = snprintf(rec, sizeof(rec),
			                   form == 0   ? "{\"k\": %s}"
			                   : form == 1 ? "{\"k\": %s, \"z\": 1}"
			                               : "{\"k\": %s",
			                   val);
			char *exact = malloc((size_t)len);
			ck_assert_ptr_nonnull(exact);
			memcpy(exact, rec, (size_t)len);
			/* the reference: vgp_jp_value on the value (past the
			 * whitespace the loop skips) */
			size_t at = 6;
			while (at < (size_t)len && exact[at] == ' ')
				at++;
			struct vgp_jp ref = {.s = (const unsigned char *)exact,
			                     .end = (const unsigned char *)exact + len,
			                     .arena = arena,
			                     .path = path};
			const unsigned char *ve =
			    vgp_jp_value(&ref, (const unsigned char *)exact + at);
			struct kind_leaf kl = {0};
			const char *reason = NULL;
			vg_err rc = vgp_json_walk(exact, (size_t)len, arena, path,
			                          collect_kind, &kl, &reason);
			if (!ve) { /* the value is wrong: the same first error */
				char want[160];
				snprintf(want, sizeof(want), "json: %s at offset %zu",
				         ref.err, ref.err_off);
				ck_assert_msg(rc == VG_ERR_PARSE && !strcmp(reason, want),
				              "%s: want '%s', got '%s'", rec, want,
				              reason ? reason : "ok");
			} else { /* the value ends at ve: that leaf, or a later error */
				size_t vlen =
				    (size_t)(ve - (const unsigned char *)exact) - at;
				/* a string's leaf is its content (no escapes here) */
				bool str = exact[at] == '"';
				if (rc == VG_OK || kl.n) {
					ck_assert_msg(
					    kl.n >= 1 && kl.v == exact + at + str &&
					        kl.vlen == vlen - 2 * str,
					    "%s: leaf '%.*s', want '%.*s'", rec,
					    (int)kl.vlen, kl.v ? kl.v : "",
					    (int)(vlen - 2 * str), exact + at + str);
					enum vg_value_kind want =
					    exact[at] == 't' || exact[at] == 'f'
					        ? VG_VK_BOOL
					    : exact[at] == 'n' ? VG_VK_NULL
					    : exact[at] == '"' ? VG_VK_STR
					                       : VG_VK_NUM;
					ck_assert_int_eq(kl.kind, want);
					inline_ok += rc == VG_OK;
				} else {
					const char *off = strstr(reason, "at offset ");
					ck_assert_ptr_nonnull(off);
					ck_assert_msg(strtoul(off + 10, NULL, 10) >=
					                  at + vlen,
					              "%s: %s, value ends at %zu", rec,
					              reason, at + vlen);
				}
			}
			/* event_object: the same outcome as vgp_json_walk */
			struct vg_event *ev = NULL;
			const char *r2 = NULL;
			vg_err rc2 = vg_parse(parser, ctx, VG_FMT_JSON, exact,
			                      (size_t)len, 0, arena, &ev, &r2);
			ck_assert_msg(rc2 == rc && (rc == VG_OK || !strcmp(reason, r2)),
			              "%s: walk '%s', event '%s'", rec,
			              reason ? reason : "ok", r2 ? r2 : "ok");
			free(exact);
			vg_arena_reset(arena);
		}
	}
	ck_assert_uint_gt(inline_ok, 1000);
	vg_arena_destroy(arena);
	vg_parse_ctx_destroy(ctx);
	vg_parser_destroy(parser);
}
END_TEST

/* json_walk.h's string_stop (16 bytes at a time with SSE2, one signed compare for
 * quotes, control and non-ASCII bytes) against the byte-by-byte rule, for every
 * byte value at every position of a block and of the tail after the last block. */
START_TEST(json_string_stop_every_byte)
{
	unsigned char buf[40];
	for (int b = 0; b < 256; b++)
		for (size_t pos = 0; pos < sizeof(buf); pos++) {
			memset(buf, 'a', sizeof(buf));
			buf[pos] = (unsigned char)b;
			bool stops = b == '"' || b == '\\' || b < 0x20 || b >= 0x80;
			const unsigned char *want = stops ? buf + pos : buf + sizeof(buf);
			ck_assert_msg(string_stop(buf, buf + sizeof(buf)) == want,
			              "byte 0x%02x at %zu", (unsigned)b, pos);
		}
}
END_TEST

/* The key chain (json_event.c, key_guess: a top-level key expected from an earlier
 * record is compared, not scanned) against first sight: after a context has
 * learnt a record's key order, records whose next key is that key, a prefix or an
 * extension of it, the same text escaped, raw bytes that would be a quote, a
 * backslash or a control byte in the learnt path, long keys, UTF-8 and cut
 * records give the same events and errors as through a new context. */
START_TEST(json_key_guess_matches_first_sight)
{
	static const char *const learn[] = {
	    "{\"x\":1,\"User\":\"u\",\"Image\":\"i\"}",
	    "{\"x\":1,\"a\\\"b\":2,\"Image\":\"i\"}",
	    "{\"x\":1,\"a\\\\b\":2,\"Image\":\"i\"}",
	    "{\"x\":1,\"a\\nb\":2,\"Image\":\"i\"}",
	    "{\"x\":1,\"a\\bb\":2}",
	    "{\"x\":1,\"ParentCommandLine\":\"p\",\"TerminalSessionId\":\"1\"}",
	    "{\"x\":1,\"ThisIsAVeryLongKeyNameOfMoreThan32Bytes\":1,\"Image\":2}",
	    "{\"x\":1,\"\\u00e9\":2,\"Image\":\"i\"}",
	    "{\"x\":{\"y\":1},\"User\":2}",
	    "{\"x\":1,\"Use\":2}",
	};
	static const char *const keys[] = {
	    "User",
	    "Use",
	    "UserX",
	    "Us\\u0065r",
	    "a\\\"b",
	    "a\"b",
	    "a\\\\b",
	    "a\\b",
	    "a\\bb",
	    "a\nb",
	    "a\\nb",
	    "ParentCommandLine",
	    "ParentCommandLinf",
	    "TerminalSessionIdX",
	    "TerminalSessionI",
	    "ThisIsAVeryLongKeyNameOfMoreThan32Bytes",
	    "ThisIsAVeryLongKeyNameOfMoreThan32Bytez",
	    "\xc3\xa9",
	    "\\u00e9",
	    "\xc3",
	    "\xc3\xa9\xa9",
	    "Image",
	    "",
	};
	static const char *const tails[] = {
	    "\":2,\"Image\":\"j\"}", "\":{\"User\":1}}", "\"", "", "\" : 3 }", "\":",
	};
	struct vg_parser *parser = new_parser(0);
	struct vg_arena *arena = vg_arena_new(0);
	struct vg_buf a, b;
	vg_buf_init(&a);
	vg_buf_init(&b);
	char rec[256];
	size_t nl = sizeof(learn) / sizeof(learn[0]), nk = sizeof(keys) / sizeof(keys[0]),
	       nt = sizeof(tails) / sizeof(tails[0]);
	for (size_t l = 0; l < nl; l++)
		for (size_t k = 0; k < nk; k++)
			for (size_t t = 0; t < nt; t++) {
				struct vg_parse_ctx *warm = vg_parse_ctx_new(parser);
				struct vg_parse_ctx *cold = vg_parse_ctx_new(parser);
				event_json(parser, warm, arena, learn[l], &a);
				event_json(parser, warm, arena, learn[l], &a);
				snprintf(rec, sizeof(rec), "{\"x\":1,\"%s%s", keys[k],
				         tails[t]);
				event_json(parser, warm, arena, rec, &a);
				event_json(parser, cold, arena, rec, &b);
				ck_assert_msg(a.len == b.len &&
				                  !memcmp(a.data, b.data, a.len),
				              "after %s\nrecord %s\nwarm %s\ncold %s",
				              learn[l], rec, a.data, b.data);
				/* and the learnt record itself once more, after the
				 * variant */
				event_json(parser, warm, arena, learn[l], &a);
				event_json(parser, cold, arena, learn[l], &b);
				ck_assert_msg(a.len == b.len &&
				                  !memcmp(a.data, b.data, a.len),
				              "record %s\nwarm %s\ncold %s", learn[l],
				              a.data, b.data);
				vg_parse_ctx_destroy(cold);
				vg_parse_ctx_destroy(warm);
				vg_arena_reset(arena);
			}
	vg_buf_free(&a);
	vg_buf_free(&b);
	vg_arena_destroy(arena);
	vg_parser_destroy(parser);
}
END_TEST

/* A record with the member guess's shape: {"first": 1<sep><key><colon><val>,
 * "last": 2}. */
static void member_record(char *rec, size_t cap, const char *sep, const char *key,
                          const char *colon, const char *val)
{
	snprintf(rec, cap, "{\"first\": 1%s%s%s%s, \"last\": 2}", sep, key, colon, val);
}

/* The member chain (json_event.c, member_guess: ", \"<key>\": " after a top-level
 * value, compared as two to four words) against first sight.  A context learns
 * records whose second key has 1 to 28 bytes (around the 2-byte floor, the 16-
 * and 24-byte word boundaries and the 26-byte ceiling), is a registry field or
 * an alias, or has an escape; then records
 * whose second member has that key, a prefix, an extension, any one byte
 * changed or another spelling of it, behind every separator, with every
 * spacing after the colon and every kind of value, and every cut of the learnt
 * record, give the same events and errors as a new context. */
START_TEST(json_member_guess_matches_first_sight)
{
	static const char *const seps[] = {", \"", ",\"", " , \"", ",  \"", ",\n\""};
	static const char *const colons[] = {
	    "\": ", "\":", "\" : ", "\":  ", "\": \t", "\":\n"};
	static const char *const vals[] = {"\"v\"",      "12",          "null", "true",
	                                   "{\"a\": 1}", "\"C:\\\\x\"", ""};
	static const size_t lens[] = {1,  2,  3,  7,  8,  9,  10, 15, 16,
	                              17, 18, 23, 24, 25, 26, 27, 28};
	static const char *const special[][2] = {
	    {"a\\\\b", "a\\b"}, {"\\u0041BC", "ABC"}, {"ABC", "\\u0041BC"}};
	/* keys with a plan of their own (registry field, alias, role): a wrong
	 * guess would show in the event */
	static const char *const real[] = {"User",
	                                   "Image",
	                                   "Computer",
	                                   "host.name",
	                                   "CommandLine",
	                                   "event.module",
	                                   "event.dataset",
	                                   "OriginalFileName",
	                                   "ParentCommandLine",
	                                   "process.executable",
	                                   "user_agent.original",
	                                   "process.command_line",
	                                   "http.request.method",
	                                   "process.working_directory",
	                                   "http.response.status_code"};
	size_t nreal = sizeof(real) / sizeof(real[0]);
	size_t nspecial = sizeof(special) / sizeof(special[0]);
	size_t nlens = sizeof(lens) / sizeof(lens[0]);
	struct vg_parser *parser = new_parser(0);
	struct vg_parse_ctx *cold = vg_parse_ctx_new(parser);
	struct vg_arena *arena = vg_arena_new(0);
	struct vg_buf a, b;
	vg_buf_init(&a);
	vg_buf_init(&b);
	char learn[512], rec[512], key[32], probe[6][48];
	size_t checked = 0;
	for (size_t l = 0; l < nlens + nreal + nspecial; l++) {
		size_t nprobe = 0, klen = 0;
		if (l < nlens + nreal) {
			if (l < nlens) {
				klen = lens[l];
				for (size_t i = 0; i < klen; i++)
					key[i] = (char)('A' + (i * 7 + l) % 26);
				key[klen] = '\0';
			} else {
				klen = strlen(real[l - nlens]);
				memcpy(key, real[l - nlens], klen + 1);
			}
			snprintf(probe[nprobe++], sizeof(probe[0]), "%s", key);
			snprintf(probe[nprobe++], sizeof(probe[0]), "%.*s", (int)klen - 1,
			         key);
			snprintf(probe[nprobe++], sizeof(probe[0]), "%sx", key);
			snprintf(probe[nprobe++], sizeof(probe[0]), "%s", key);
			probe[nprobe - 1][klen - 1] ^= 0x20;
			snprintf(probe[nprobe++], sizeof(probe[0]), "%s", key);
			probe[nprobe - 1][0] = 'z';
		} else {
			snprintf(key, sizeof(key), "%s", special[l - nlens - nreal][0]);
			snprintf(probe[nprobe++], sizeof(probe[0]), "%s", key);
			snprintf(probe[nprobe++], sizeof(probe[0]), "%s",
			         special[l - nlens - nreal][1]);
		}
		struct vg_parse_ctx *warm = vg_parse_ctx_new(parser);
		member_record(learn, sizeof(learn), ", \"", key, "\": ", "\"v\"");
		for (int k = 0; k < 2; k++) /* planned, then chained */
			event_json(parser, warm, arena, learn, &a);
		for (size_t pr = 0; pr < nprobe; pr++)
			for (size_t s = 0; s < sizeof(seps) / sizeof(seps[0]); s++)
				for (size_t c = 0; c < sizeof(colons) / sizeof(colons[0]);
				     c++)
					for (size_t v = 0;
					     v < sizeof(vals) / sizeof(vals[0]); v++) {
						member_record(rec, sizeof(rec), seps[s],
						              probe[pr], colons[c],
						              vals[v]);
						event_json(parser, warm, arena, rec, &a);
						event_json(parser, cold, arena, rec, &b);
						ck_assert_msg(
						    a.len == b.len &&
						        !memcmp(a.data, b.data, a.len),
						    "after %s\nrecord %s\nwarm "
						    "%s\ncold %s",
						    learn, rec, a.data, b.data);
						/* back to the learnt chain */
						event_json(parser, warm, arena, learn,
						           &a);
						vg_arena_reset(arena);
						checked++;
					}
		/* the key with any one byte changed, in the usual spacing */
		for (size_t i = 0; i < klen; i++) {
			snprintf(probe[0], sizeof(probe[0]), "%s", key);
			probe[0][i] ^= 0x20;
			member_record(rec, sizeof(rec), ", \"", probe[0],
			              "\": ", "\"v\"");
			event_json(parser, warm, arena, rec, &a);
			event_json(parser, cold, arena, rec, &b);
			ck_assert_msg(a.len == b.len && !memcmp(a.data, b.data, a.len),
			              "after %s\nrecord %s\nwarm %s\ncold %s", learn, rec,
			              a.data, b.data);
			event_json(parser, warm, arena, learn, &a);
			vg_arena_reset(arena);
		}
		/* the learnt record cut anywhere: the guess must not read past it */
		for (size_t cut = 1; cut < strlen(learn); cut++) {
			char *exact = malloc(cut);
			ck_assert_ptr_nonnull(exact);
			memcpy(exact, learn, cut);
			struct vg_event *ev = NULL;
			const char *ra = NULL, *rb = NULL;
			vg_err ea = vg_parse(parser, warm, VG_FMT_JSON, exact, cut, 0,
			                     arena, &ev, &ra);
			vg_err eb = vg_parse(parser, cold, VG_FMT_JSON, exact, cut, 0,
			                     arena, &ev, &rb);
			ck_assert_int_eq(ea, eb);
			ck_assert_msg(ea == VG_OK || !strcmp(ra, rb),
			              "%.*s: warm '%s', cold '%s'", (int)cut, learn, ra,
			              rb);
			free(exact);
			event_json(parser, warm, arena, learn, &a);
			vg_arena_reset(arena);
		}
		vg_parse_ctx_destroy(warm);
	}
	ck_assert_uint_gt(checked, 10000);
	vg_buf_free(&a);
	vg_buf_free(&b);
	vg_arena_destroy(arena);
	vg_parse_ctx_destroy(cold);
	vg_parser_destroy(parser);
}
END_TEST

/* Decoded string values go into the room a record reserves for them, and move
 * to the scratch when they outgrow it: with 64-300 bytes of room
 * (vg_parse_ctx.pool_max; the record's length is more), values with escapes of
 * every length around
 * that room, escapes near its end, several per record, give the same events
 * through the warm context as through a new one. */
START_TEST(json_decoded_pool_matches_first_sight)
{
	struct vg_parser *parser = new_parser(0);
	struct vg_arena *arena = vg_arena_new(0);
	struct vg_buf a, b;
	vg_buf_init(&a);
	vg_buf_init(&b);
	char learn[512], rec[5000], v[2400];
	for (size_t room = 64; room <= 300; room += 59) {
		/* one value that decodes to room - 1 bytes (+ its NUL) */
		memset(v, 'r', room - 1);
		v[room - 1] = '\0';
		snprintf(learn, sizeof(learn), "{\"Image\":\"\\\\%.*s\"}", (int)room - 2,
		         v);
		for (size_t len = 1; len < 1100; len += len < 400 ? 3 : 97)
			for (int kind = 0; kind < 3; kind++) {
				size_t n = 0;
				for (size_t i = 0; i < len; i++) {
					bool e = kind == 0   ? i == len - 1
					         : kind == 1 ? i % 9 == 0
					                     : i > len / 2;
					if (e) {
						v[n++] = '\\';
						v[n++] = i % 2 ? '\\' : 'n';
					} else {
						v[n++] = (char)('a' + i % 26);
					}
				}
				v[n] = '\0';
				snprintf(rec, sizeof(rec),
				         "{\"Image\":\"%s\", \"x\": \"\\\\%s\", "
				         "\"y\":\"q\\\\\"}",
				         v, kind ? v : "");
				struct vg_parse_ctx *warm = vg_parse_ctx_new(parser);
				struct vg_parse_ctx *cold = vg_parse_ctx_new(parser);
				warm->pool_max = (uint32_t)room;
				event_json(parser, warm, arena, learn, &a);
				event_json(parser, warm, arena, rec, &a);
				event_json(parser, cold, arena, rec, &b);
				ck_assert_msg(
				    a.len == b.len && !memcmp(a.data, b.data, a.len),
				    "room %zu len %zu kind %d\nwarm %.300s\ncold %.300s",
				    room, len, kind, a.data, b.data);
				vg_parse_ctx_destroy(cold);
				vg_parse_ctx_destroy(warm);
				vg_arena_reset(arena);
			}
	}
	vg_buf_free(&a);
	vg_buf_free(&b);
	vg_arena_destroy(arena);
	vg_parser_destroy(parser);
}
END_TEST

/* A JSON record reserves extras nodes (and room for decoded values) in one block
 * that is not zeroed; the nodes it does not use stay with the event.  Extras
 * appended after the parse (vg_event_add_extra, as other stages may) take those
 * nodes and must end the list: after records with many extras (the reservation)
 * and in reused arena memory, a record with few extras plus appended ones lists
 * exactly its own and the appended, in order. */
START_TEST(json_spare_extras_end_the_list)
{
	struct vg_parser *parser = new_parser(0);
	struct vg_parse_ctx *ctx = vg_parse_ctx_new(parser);
	struct vg_arena *arena = vg_arena_new(0);
	char big[2048];
	size_t n = (size_t)snprintf(big, sizeof(big), "{\"a0\": \"x\"");
	for (int i = 1; i < 40; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n,
		                      ", \"a%d\": \"C:\\\\w%d\"", i, i);
	snprintf(big + n, sizeof(big) - n, "}");
	for (int round = 0; round < 50; round++) {
		struct vg_event *ev = NULL;
		const char *reason = NULL;
		/* fill the arena with extras nodes, then reuse it */
		ck_assert_int_eq(vg_parse(parser, ctx, VG_FMT_JSON, big, strlen(big), 0,
		                          arena, &ev, &reason),
		                 VG_OK);
		ck_assert_uint_eq(ev->nextras, 40);
		vg_arena_reset(arena);
		ck_assert_int_eq(vg_parse(parser, ctx, VG_FMT_JSON, big, strlen(big), 0,
		                          arena, &ev, &reason),
		                 VG_OK);
		vg_arena_reset(arena);
		const char *small = "{\"s1\": \"x\", \"s2\": 2}";
		ck_assert_int_eq(vg_parse(parser, ctx, VG_FMT_JSON, small, strlen(small),
		                          0, arena, &ev, &reason),
		                 VG_OK);
		ck_assert_uint_gt(ev->nspare, 0); /* nodes of the reservation left */
		int added = 1 + round % 5;
		for (int k = 0; k < added; k++)
			ck_assert_int_eq(
			    vg_event_add_extra(ev, "late", 4, "v", 1, VG_VK_STR), VG_OK);
		size_t seen = 0;
		for (const struct vg_extra *x = ev->extras; x && seen < 100;
		     x = x->next) {
			const char *want = seen == 0 ? "s1" : seen == 1 ? "s2" : "late";
			ck_assert_msg(x->name_len == strlen(want) &&
			                  !memcmp(x->name, want, x->name_len),
			              "extra %zu is '%.*s'", seen, (int)x->name_len,
			              x->name);
			seen++;
		}
		ck_assert_uint_eq(seen, 2 + (size_t)added);
		ck_assert_uint_eq(ev->nextras, seen);
		vg_arena_reset(arena);
	}
	vg_arena_destroy(arena);
	vg_parse_ctx_destroy(ctx);
	vg_parser_destroy(parser);
}
END_TEST

/* A key cached as "not a registry field" must become one once the registry learns
 * it (rules loaded after the context was created). */
START_TEST(key_cache_follows_registry_growth)
{
	struct vg_parser *parser = new_parser(0);
	struct vg_parse_ctx *ctx = vg_parse_ctx_new(parser);
	struct vg_arena *arena = vg_arena_new(0);
	const char *rec = "{\"zz.cache.probe\":\"v1\",\"Image\":\"x\"}";
	struct vg_event *ev = NULL;
	const char *reason = NULL;
	ck_assert_int_eq(vg_field_lookup("zz.cache.probe", 14), VG_FIELD_NONE);
	ck_assert_int_eq(
	    vg_parse(parser, ctx, VG_FMT_JSON, rec, strlen(rec), 0, arena, &ev, &reason),
	    VG_OK);
	ck_assert_uint_eq(ev->nextras, 1);
	vg_field id = vg_field_intern("zz.cache.probe", 14);
	ck_assert_int_ne(id, VG_FIELD_NONE);
	ck_assert_int_eq(
	    vg_parse(parser, ctx, VG_FMT_JSON, rec, strlen(rec), 0, arena, &ev, &reason),
	    VG_OK);
	ck_assert_uint_eq(ev->nextras, 0);
	const struct vg_value *v = vg_event_get(ev, id);
	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(memcmp(v->ptr, "v1", 2), 0);
	vg_arena_destroy(arena);
	vg_parse_ctx_destroy(ctx);
	vg_parser_destroy(parser);
}
END_TEST

/* A record that sets more registry fields than a new event has room for: the
 * event grows inside the parser's inline setter and keeps every value. */
START_TEST(json_event_grows_past_initial_room)
{
	struct vg_parser *parser = new_parser(0);
	struct vg_parse_ctx *ctx = vg_parse_ctx_new(parser);
	struct vg_arena *arena = vg_arena_new(0);
	struct vg_buf rec;
	vg_buf_init(&rec);
	vg_buf_putc(&rec, '{');
	size_t n = vg_field_count(), used = 0;
	for (size_t i = 0; i < n; i++) {
		const char *name = vg_field_name((vg_field)i);
		if (!strcmp(name, "@timestamp") || !strcmp(name, "vigil.format") ||
		    strchr(name, '"') || strchr(name, '\\'))
			continue;
		vg_buf_printf(&rec, "%s\"%s\":\"v%zu\"", used ? "," : "", name, i);
		used++;
	}
	vg_buf_putc(&rec, '}');
	ck_assert_uint_gt(used, 64);
	struct vg_event *ev = NULL;
	const char *reason = NULL;
	ck_assert_int_eq(
	    vg_parse(parser, ctx, VG_FMT_JSON, rec.data, rec.len, 0, arena, &ev, &reason),
	    VG_OK);
	ck_assert(!ev->oom);
	ck_assert_uint_ge(ev->nset, used);
	char want[32];
	for (size_t i = 0; i < n; i++) {
		const char *name = vg_field_name((vg_field)i);
		if (!strcmp(name, "@timestamp") || !strcmp(name, "vigil.format") ||
		    strchr(name, '"') || strchr(name, '\\'))
			continue;
		const struct vg_value *v = vg_event_get(ev, (vg_field)i);
		ck_assert_msg(v != NULL, "%s unset", name);
		snprintf(want, sizeof(want), "v%zu", i);
		/* aliases may copy another key's value over an ECS field: only a
		 * field nobody else targets must hold its own value */
		if (v->len == strlen(want) && !memcmp(v->ptr, want, v->len))
			continue;
		ck_assert_msg(v->ptr[0] == 'v', "%s = %.*s", name, (int)v->len, v->ptr);
	}
	vg_buf_free(&rec);
	vg_arena_destroy(arena);
	vg_parse_ctx_destroy(ctx);
	vg_parser_destroy(parser);
}
END_TEST

/* A record with n registry fields (every k-th with a Windows path, so that the
 * decoded-value room is used too), each field's value naming it. */
static void fields_record(struct vg_buf *rec, size_t n, size_t k)
{
	vg_buf_reset(rec);
	vg_buf_putc(rec, '{');
	size_t nf = vg_field_count(), used = 0;
	for (size_t i = 0; i < nf && used < n; i++) {
		const char *name = vg_field_name((vg_field)i);
		if (!strcmp(name, "@timestamp") || !strcmp(name, "vigil.format") ||
		    strchr(name, '"') || strchr(name, '\\'))
			continue;
		vg_buf_printf(rec, "%s\"%s\":\"%sv%zu\"", used ? ", " : "", name,
		              used % k ? "" : "C:\\\\W\\\\", i);
		used++;
	}
	vg_buf_putc(rec, '}');
	vg_buf_putc(rec, '\0');
}

/* A JSON record reserves room for as many registry values as the context's last
 * record set (vals_hint), in its unzeroed block, when that is more than a new
 * event holds.  Differential: records of 0-150 fields after records of 0-150
 * fields (so the reservation is too small, exact and too large) through one warm
 * context give the events a new context gives each record. */
START_TEST(json_vals_reserved_match_cold_parse)
{
	struct vg_parser *parser = new_parser(0);
	struct vg_parse_ctx *warm = vg_parse_ctx_new(parser);
	struct vg_arena *arena = vg_arena_new(0);
	struct vg_buf rec, a, b;
	vg_buf_init(&rec);
	vg_buf_init(&a);
	vg_buf_init(&b);
	size_t reserved = 0;
	for (size_t n1 = 0; n1 <= 150; n1 += 7)
		for (size_t n2 = 0; n2 <= 150; n2 += 11) {
			fields_record(&rec, n1, 3 + n2 % 5);
			event_json(parser, warm, arena, rec.data, &a);
			fields_record(&rec, n2, 2 + n1 % 4);
			event_json(parser, warm, arena, rec.data, &a);
			struct vg_parse_ctx *cold = vg_parse_ctx_new(parser);
			event_json(parser, cold, arena, rec.data, &b);
			reserved += n1 > 40 && n2 > 40;
			ck_assert_msg(
			    a.len == b.len && !memcmp(a.data, b.data, a.len),
			    "after %zu fields, %zu fields\nwarm %.400s\ncold %.400s", n1,
			    n2, a.data, b.data);
			vg_parse_ctx_destroy(cold);
			vg_arena_reset(arena);
		}
	ck_assert_uint_gt(reserved, 100);
	vg_buf_free(&rec);
	vg_buf_free(&a);
	vg_buf_free(&b);
	vg_arena_destroy(arena);
	vg_parse_ctx_destroy(warm);
	vg_parser_destroy(parser);
}
END_TEST

/* A JSON record reserves room for its decoded values (its own length) and gives
 * back what they did not take (vg_arena_shrink).  The bytes given back must be
 * exactly the unused ones: after each record, the rest of the arena's chunk is
 * allocated and overwritten, and the event must read as before.  Records with
 * 0-63 extras of 1-300 bytes with escapes, each count after another (so that
 * extras past the reserved nodes take theirs from the room: extra_refill), read
 * as the naive reading has them; and vg_arena_shrink itself: the next allocation starts
 * right after the bytes kept, and only the most recent allocation shrinks. */
START_TEST(json_pool_given_back_keeps_values)
{
	struct vg_arena *ar = vg_arena_new(4096);
	char *blk = vg_arena_alloc_raw(ar, 100);
	ck_assert(vg_arena_shrink(ar, blk, 100, 41));
	ck_assert_ptr_eq(vg_arena_alloc_raw(ar, 8), blk + 48);
	ck_assert(!vg_arena_shrink(ar, blk, 48, 8)); /* not the most recent */
	ck_assert(!vg_arena_shrink(ar, blk + 48, 8, 9));
	vg_arena_destroy(ar);

	struct vg_parser *parser = new_parser(0);
	struct vg_parse_ctx *ctx = vg_parse_ctx_new(parser);
	struct vg_arena *arena = vg_arena_new(0);
	struct vg_buf rec, a, b;
	vg_buf_init(&rec);
	vg_buf_init(&a);
	vg_buf_init(&b);
	uint64_t rng = 0x9E3779B97F4A7C15u;
	static char want[64][310];
	static size_t wlen[64];
	for (int round = 0; round < 400; round++) {
		vg_buf_reset(&rec);
		vg_buf_putc(&rec, '{');
		rng = rng * 6364136223846793005u + 1442695040888963407u;
		unsigned nv = (unsigned)(rng >> 58);
		for (unsigned i = 0; i < nv; i++) {
			rng = rng * 6364136223846793005u + 1442695040888963407u;
			unsigned vl = 1 + (unsigned)(rng >> 33) % 300;
			vg_buf_printf(&rec, "%s\"k%u\":\"", i ? "," : "", i);
			wlen[i] = 0;
			for (unsigned j = 0; j < vl; j++) {
				unsigned r = (unsigned)(rng >> (j % 40)) + j;
				if (r % 7 == 0) {
					vg_buf_puts(&rec, r % 3 ? "\\\\" : "\\\"");
					want[i][wlen[i]++] = r % 3 ? '\\' : '"';
				} else {
					vg_buf_putc(&rec, (char)('a' + r % 26));
					want[i][wlen[i]++] = (char)('a' + r % 26);
				}
			}
			vg_buf_putc(&rec, '"');
		}
		vg_buf_putc(&rec, '}');
		vg_buf_putc(&rec, '\0');
		struct vg_event *ev = NULL;
		const char *reason = NULL;
		ck_assert_int_eq(vg_parse(parser, ctx, VG_FMT_JSON, rec.data,
		                          strlen(rec.data), 0, arena, &ev, &reason),
		                 VG_OK);
		/* against the naive reading: every value, in order */
		unsigned seen = 0;
		for (const struct vg_extra *x = ev->extras; x; x = x->next, seen++) {
			char name[16];
			snprintf(name, sizeof(name), "k%u", seen);
			ck_assert_msg(seen < nv && x->name_len == strlen(name) &&
			                  !memcmp(x->name, name, x->name_len) &&
			                  x->value.len == wlen[seen] &&
			                  !memcmp(x->value.ptr, want[seen], wlen[seen]),
			              "round %d extra %u: %.*s = '%.*s'", round, seen,
			              (int)x->name_len, x->name, (int)x->value.len,
			              x->value.ptr);
		}
		ck_assert_uint_eq(seen, nv);
		ck_assert_uint_eq(ev->nextras, nv);
		vg_buf_reset(&a);
		vg_event_to_json(ev, &a);
		for (int k = 0; k < 2048; k++) { /* past the rest of the chunk */
			char *f = vg_arena_alloc_raw(arena, 40);
			ck_assert_ptr_nonnull(f);
			memset(f, 0xA5, 40);
		}
		vg_buf_reset(&b);
		vg_event_to_json(ev, &b);
		ck_assert_msg(a.len == b.len && !memcmp(a.data, b.data, a.len),
		              "record %.300s\nbefore %.400s\nafter %.400s", rec.data,
		              a.data, b.data);
		if (round % 50 == 49)
			vg_arena_reset(arena);
	}
	vg_buf_free(&rec);
	vg_buf_free(&a);
	vg_buf_free(&b);
	vg_arena_destroy(arena);
	vg_parse_ctx_destroy(ctx);
	vg_parser_destroy(parser);
}
END_TEST

/* ------------------------------------------------------------ decoder index */

/* by_byte lists, for each first byte, exactly the patterns the first-byte sets
 * admit, in pattern order; byte 256 (empty message) lists them all. */
START_TEST(pattern_index_lists_admitted_patterns)
{
	struct vg_parser *parser = new_parser(0);
	const struct vgp_decoders *decs = &parser->decoders;
	size_t skipped = 0;
	for (size_t i = 0; i < decs->count; i++) {
		const struct vgp_decoder *d = &decs->list[i];
		for (unsigned b = 0; b <= 256; b++) {
			uint32_t k = d->by_start[b];
			for (size_t p = 0; p < d->npatterns; p++) {
				const struct vgp_pattern *pat = &d->patterns[p];
				bool admit = b == 256 || !pat->first_set ||
				             (pat->first[b >> 5] >> (b & 31) & 1u);
				if (!admit) {
					skipped++;
					continue;
				}
				ck_assert_uint_lt(k, d->by_start[b + 1]);
				ck_assert_uint_eq(d->by_byte[k], p);
				k++;
			}
			ck_assert_uint_eq(k, d->by_start[b + 1]);
		}
	}
	ck_assert_uint_gt(skipped, 1000); /* the index does leave patterns out */
	vg_parser_destroy(parser);
}
END_TEST

/* One timestamp through vgp_time_fast (and vgp_time_fast_memo) and the general
 * parser, from an exact-size heap copy (ASan catches a read past it).  The fast path may
 * decline anything, but what it accepts must be what vg_time_parse_rfc3339(s, len, 0)
 * gives.
 * @return whether the fast path accepted it. */
static bool time_fast_check(const char *text, size_t len)
{
	char *s = malloc(len ? len : 1);
	ck_assert_ptr_nonnull(s);
	memcpy(s, text, len);
	vg_time tf = 12345, tg = 67890;
	bool fast = vgp_time_fast(s, len, &tf);
	vg_err err = vg_time_parse_rfc3339(s, len, 0, &tg);
	if (fast) {
		ck_assert_msg(err == VG_OK, "fast path accepted \"%.*s\"", (int)len,
		              text);
		ck_assert_msg(tf == tg, "\"%.*s\": fast %lld, general %lld", (int)len,
		              text, (long long)tf, (long long)tg);
	} else {
		ck_assert_int_eq(tf, 12345); /* untouched */
		/* and it declines only what is not its shape */
		size_t i = 19;
		bool shape = len >= 19 && (s[10] == ' ' || s[10] == 'T' || s[10] == 't');
		if (shape && i < len && (s[i] == '.' || s[i] == ',')) {
			size_t start = ++i;
			while (i < len && s[i] >= '0' && s[i] <= '9')
				i++;
			shape = i > start && i - start <= 6;
		}
		if (shape && i < len)
			shape = (s[i] == 'Z' || s[i] == 'z') && i + 1 == len;
		ck_assert_msg(!(shape && err == VG_OK), "fast path declined \"%.*s\"",
		              (int)len, text);
	}
	/* vgp_time_fast_memo gives what vgp_time_fast gives: with the memo every
	 * input of the test leaves behind (other clocks and tails on the date it
	 * holds, other dates, broken ones), and twice with a fresh memo (the
	 * second call hits it) */
	static struct vgp_date_memo kept;
	struct vgp_date_memo fresh = {0};
	for (int k = 0; k < 3; k++) {
		vg_time tm = 12345;
		bool fm = vgp_time_fast_memo(s, len, &tm, k ? &fresh : &kept);
		ck_assert_msg(fm == fast && tm == (fast ? tf : 12345),
		              "\"%.*s\": memo %d %lld, fast %d %lld", (int)len, text,
		              (int)fm, (long long)tm, (int)fast, (long long)tf);
	}
	/* vgp_parse_time_loose (fast path first) agrees with the general parser */
	vg_time tl = 0;
	if (err == VG_OK) {
		ck_assert_int_eq(vgp_parse_time_loose(s, len, &tl), VG_OK);
		ck_assert_int_eq(tl, tg);
	}
	free(s);
	return fast;
}

START_TEST(time_fast_matches_general_parser)
{
	static const int years[] = {0,    1,    4,    100,  400,  1600, 1899, 1900, 1970,
	                            1999, 2000, 2019, 2023, 2024, 2100, 2400, 9999};
	static const int days[] = {0, 1, 9, 10, 19, 27, 28, 29, 30, 31, 32, 39, 99};
	static const int clocks[][3] = {{0, 0, 0},  {23, 59, 59}, {23, 59, 60},
	                                {24, 0, 0}, {12, 60, 0},  {12, 0, 61},
	                                {9, 5, 7},  {19, 99, 9}};
	static const char seps[] = {' ', 'T', 't', 'x', '_'};
	static const char *const tails[] = {
	    "",        ".",       ".1",   ".257",      ".446281",  ".1234567", ",5",
	    "Z",       "z",       ".5Z",  ".5z",       ".123456Z", "+01:00",   ".5-05:30",
	    "+0000",   " ",       ".12a", "ZZ",        "Z ",       ".Z",       "-00:00",
	    ".000001", ".999999", "5",    ".1234567Z", "\n",       "Zz"};
	size_t ntails = sizeof(tails) / sizeof(tails[0]), accepted = 0, total = 0;
	char buf[96];

	/* every date of the table with two clocks, a space and a few tails */
	for (size_t y = 0; y < sizeof(years) / sizeof(years[0]); y++)
		for (int mo = 0; mo <= 13; mo++)
			for (size_t d = 0; d < sizeof(days) / sizeof(days[0]); d++)
				for (size_t t = 0; t < 6; t++) {
					int n = snprintf(
					    buf, sizeof(buf),
					    "%04d-%02d-%02d %02d:%02d:%02d%s", years[y],
					    mo, days[d], t & 1 ? 23 : 4, t & 1 ? 59 : 30,
					    t & 1 ? 60 : 0, tails[t]);
					accepted += time_fast_check(buf, (size_t)n);
					total++;
				}
	/* every clock, separator and tail on a leap day and an ordinary one */
	for (int leap = 0; leap < 2; leap++)
		for (size_t c = 0; c < sizeof(clocks) / sizeof(clocks[0]); c++)
			for (size_t sp = 0; sp < sizeof(seps); sp++)
				for (size_t t = 0; t < ntails; t++) {
					int n = snprintf(
					    buf, sizeof(buf), "%s%c%02d:%02d:%02d%s",
					    leap ? "2024-02-29" : "2019-07-19", seps[sp],
					    clocks[c][0], clocks[c][1], clocks[c][2],
					    tails[t]);
					accepted += time_fast_check(buf, (size_t)n);
					total++;
				}
	/* one byte replaced or inserted anywhere, and every truncation, of the shapes
	 * Sysmon, Windows and ECS write */
	static const char *const bases[] = {
	    "2019-07-19 14:42:51.257", "2019-07-19 14:42:51.446281",
	    "2024-02-29T23:59:60.123456Z", "2000-12-31t00:00:00,5z",
	    "1999-01-01 09:09:09"};
	static const unsigned char bytes[] = {0x00, ' ',  '+',  ',',  '-',  '.',  '/',
	                                      '0',  '1',  '2',  '5',  '9',  ':',  ';',
	                                      'T',  'Z',  'a',  'z',  0x7f, 0x80, 0x89,
	                                      0x8a, 0xb9, 0xc0, 0xff, '\t', 0x10, 0x3f};
	for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
		size_t len = strlen(bases[b]);
		ck_assert_msg(time_fast_check(bases[b], len), "%s declined", bases[b]);
		for (size_t cut = 0; cut < len; cut++)
			total += 1, accepted += time_fast_check(bases[b], cut);
		for (size_t i = 0; i <= len; i++)
			for (size_t k = 0; k < sizeof(bytes); k++) {
				memcpy(buf, bases[b], len);
				buf[i] = (char)bytes[k]; /* i == len: appended */
				accepted +=
				    time_fast_check(buf, i == len ? len + 1 : len);
				memcpy(buf, bases[b], i);
				buf[i] = (char)bytes[k];
				memcpy(buf + i + 1, bases[b] + i, len - i);
				accepted += time_fast_check(buf, len + 1);
				total += 2;
			}
	}
	/* the fast path is taken for most well-formed inputs, not declined wholesale */
	ck_assert_uint_gt(accepted, total / 8);
}
END_TEST

static Suite *fastpath_suite(void)
{
	const struct vg_test_case cases[] = {
	    {"year_memo_differential", year_inference_matches_naive_rule},
	    {"year_memo_ref_changes", year_follows_ref_time_changes},
	    {"first_byte_differential", first_byte_filter_never_hides_a_match},
	    {"first_byte_known", first_byte_filter_of_known_patterns},
	    {"pattern_index", pattern_index_lists_admitted_patterns},
	    {"json_strings_differential", json_strings_match_naive_reading},
	    {"key_cache_differential", key_cache_matches_cold_parse},
	    {"key_cache_registry_growth", key_cache_follows_registry_growth},
	    {"json_fast_leaf_first_sight", json_fast_leaf_matches_first_sight},
	    {"json_long_strings", json_long_strings_match_naive_reading},
	    {"json_event_growth", json_event_grows_past_initial_room},
	    {"time_fast_differential", time_fast_matches_general_parser},
	    {"json_key_guess", json_key_guess_matches_first_sight},
	    {"json_string_stop_bytes", json_string_stop_every_byte},
	    {"json_escape_cut", json_escape_cut_at_record_end},
	    {"json_decoded_pool", json_decoded_pool_matches_first_sight},
	    {"json_member_guess", json_member_guess_matches_first_sight},
	    {"json_inline_numbers", json_inline_numbers_match_value_parser},
	    {"json_pool_strings", json_pool_strings_match_naive_reading},
	    {"json_spare_extras", json_spare_extras_end_the_list},
	    {"json_vals_reserved", json_vals_reserved_match_cold_parse},
	    {"json_pool_given_back", json_pool_given_back_keeps_values},
	};
	return vg_test_suite("parse_fastpath", cases, sizeof(cases) / sizeof(cases[0]),
	                     NULL, NULL);
}

VG_TEST_MAIN(fastpath_suite)
