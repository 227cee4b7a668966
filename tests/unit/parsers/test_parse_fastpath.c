/*
 * test_parse_fastpath.c - the caches and filters of the syslog hot path against
 * naive versions of the same rules.
 *
 *  - Year inference of year-less BSD timestamps memoizes ref_time's year per thread
 *    (rfc3164.c): checked against a brute-force nearest-of-three-years rule over
 *    every month, month ends, leap years, year boundaries, UTC offsets and a
 *    ref_time that jumps back and forth between years (memo invalidation).
 *  - Decoder patterns skip PCRE2 when the message's first byte cannot start a
 *    match (decoder_load.c): checked against PCRE2 itself on real-looking lines.
 */
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

static Suite *fastpath_suite(void)
{
	Suite *s = suite_create("parse_fastpath");
	TCase *tc = tcase_create("year_memo_differential");
	tcase_add_test(tc, year_inference_matches_naive_rule);
	suite_add_tcase(s, tc);
	tc = tcase_create("year_memo_ref_changes");
	tcase_add_test(tc, year_follows_ref_time_changes);
	suite_add_tcase(s, tc);
	tc = tcase_create("first_byte_differential");
	tcase_add_test(tc, first_byte_filter_never_hides_a_match);
	suite_add_tcase(s, tc);
	tc = tcase_create("first_byte_known");
	tcase_add_test(tc, first_byte_filter_of_known_patterns);
	suite_add_tcase(s, tc);
	return s;
}

VG_TEST_MAIN(fastpath_suite)
