/* Unit tests for engine/core: diagnostics, arena, buffers/JSON, time, hashing,
 * field registry and events. */
#include "vg_core.h"
#include "vg_test.h"

#include <math.h>

START_TEST(diag_collects_every_message)
{
	struct vg_diag d;
	vg_diag_init(&d);
	vg_diag_error(&d, "a.yaml", 3, 7, "unknown key '%s'", "treshold");
	vg_diag_warn(&d, "b.yaml", 0, 0, "odd");
	vg_diag_error(&d, NULL, 0, 0, "plain");
	ck_assert_uint_eq(d.count, 3);
	ck_assert_uint_eq(d.errors, 2);
	ck_assert_str_eq(d.msgs[0], "a.yaml:3:7: error: unknown key 'treshold'");
	ck_assert_str_eq(d.msgs[1], "b.yaml: warning: odd");
	ck_assert_str_eq(d.msgs[2], "error: plain");
	vg_diag_clear(&d);
	ck_assert_uint_eq(d.count, 0);
	vg_diag_clear(NULL);
}
END_TEST

START_TEST(closest_suggests_typo_fix)
{
	const char *keys[] = {"threshold", "timespan", "group-by"};
	ck_assert_str_eq(vg_closest("treshold", keys, 3), "threshold");
	ck_assert_ptr_null(vg_closest("zzzzzzzzzz", keys, 3));
}
END_TEST

/* Appending cuts where snprintf of the same pieces cuts, at every buffer size. */
START_TEST(append_cuts_as_snprintf)
{
	const char *head = "user", *tail = "deploy@web01.example.org";
	for (size_t size = 1; size < 40; size++) {
		char got[41], want[40];
		memset(got, 'x', sizeof(got));
		size_t n = vg_str_append_cstr(got, size, 0, head);
		n = vg_str_append(got, size, n, ":", 1);
		n = vg_str_append(got, size, n, tail, 6); /* "deploy" */
		n = vg_str_append_cstr(got, size, n, NULL);
		snprintf(want, size, "%s:%.6s", head, tail);
		ck_assert_str_eq(got, want);
		ck_assert_uint_eq(n, strlen(want));
		ck_assert_int_eq(got[size], 'x'); /* nothing past the buffer */
	}
}
END_TEST

START_TEST(numbers_parse_whole_text_or_fail)
{
	int64_t i = 7;
	ck_assert(vg_parse_int64("-42", &i) && i == -42);
	ck_assert(vg_parse_int64("9223372036854775807", &i) && i == INT64_MAX);
	static const char *const bad_ints[] = {"",    "x",  "4x",  "4.0",
	                                       "1e3", " 4", "\n4", "9223372036854775808"};
	for (size_t k = 0; k < sizeof(bad_ints) / sizeof(bad_ints[0]); k++) {
		i = 7;
		ck_assert_msg(!vg_parse_int64(bad_ints[k], &i) && i == 7, "%s",
		              bad_ints[k]);
	}
	double d = 7;
	ck_assert(vg_parse_double("0.25", &d) && d == 0.25);
	ck_assert(vg_parse_double("-1e3", &d) && d == -1000);
	ck_assert(vg_parse_double(".5e-1", &d) && d == 0.05);
	static const char *const bad_reals[] = {"",    "abc",   "0.5x",   "nan",
	                                        "inf", "1e999", "1e-400", "0x10",
	                                        " 5",  "5 ",    "\t5",    "-Infinity"};
	for (size_t k = 0; k < sizeof(bad_reals) / sizeof(bad_reals[0]); k++) {
		d = 7;
		ck_assert_msg(!vg_parse_double(bad_reals[k], &d) && d == 7, "%s",
		              bad_reals[k]);
	}
}
END_TEST

/* JSON string text decoded: every escape, pairs of surrogates, and what JSON does
 * not have kept as it is (list elements of events built by other code). */
START_TEST(json_unescape_decodes_and_keeps_what_is_not_json)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"plain", "plain"},
	    {"C:\\\\Windows\\\\x", "C:\\Windows\\x"},
	    {"\\\"q\\\" \\/ \\b\\f\\n\\r\\t", "\"q\" / \b\f\n\r\t"},
	    {"\\u0041\\u00e9\\u20AC", "A\xc3\xa9\xe2\x82\xac"},
	    {"\\ud83d\\ude00", "\xf0\x9f\x98\x80"}, /* a pair: U+1F600 */
	    {"\\ud83dx", "\xef\xbf\xbdx"},          /* unpaired high: U+FFFD */
	    {"\\ude00", "\xef\xbf\xbd"},            /* unpaired low */
	    {"\\ud83d\\u0041", "\xef\xbf\xbd"
	                       "A"}, /* not a low surrogate after it */
	    {"\\u12", "\\u12"},      /* too short: kept */
	    {"\\uzzzz", "\\uzzzz"},  /* not hex: kept */
	    {"\\x", "x"},            /* not JSON: the letter */
	    {"end\\", "end\\"},      /* a lone backslash at the end */
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		char out[64];
		size_t n = vg_json_unescape(out, cases[k].in, strlen(cases[k].in));
		ck_assert_msg(n <= strlen(cases[k].in), "%s grew", cases[k].in);
		out[n] = '\0';
		ck_assert_msg(strcmp(out, cases[k].out) == 0, "%s -> %s", cases[k].in,
		              out);
	}
	ck_assert_int_eq(vg_hex4("00fF"), 0xff);
	ck_assert_int_eq(vg_hex4("123g"), -1);
	ck_assert_int_eq(vg_hex_digit('F'), 15);
	ck_assert_int_eq(vg_hex_digit('g'), -1);
	ck_assert_int_eq(vg_hex_digit('@'), -1);
	/* UTF-8 validity: the offset of the first bad byte */
	ck_assert_uint_eq(vg_utf8_check("abcdefghij\xc3\xa9k", 13), 13);
	ck_assert_uint_eq(vg_utf8_check("abcdefghijkl\xff", 13), 12);
	ck_assert_uint_eq(vg_utf8_check("\xe6\x97\xa5\xe6\x9c", 5), 3); /* cut */
	ck_assert_uint_eq(vg_utf8_check("\xc0\xaf", 2), 0);             /* overlong */
	ck_assert_uint_eq(vg_utf8_check("\xed\xa0\x80", 3), 0);         /* surrogate */
	char u[4];
	ck_assert_uint_eq(vg_utf8_put(u, 0x7f), 1);
	ck_assert_uint_eq(vg_utf8_put(u, 0x7ff), 2);
	ck_assert_uint_eq(vg_utf8_put(u, 0xffff), 3);
	ck_assert_uint_eq(vg_utf8_put(u, 0x10ffff), 4);
	ck_assert(memcmp(u, "\xf4\x8f\xbf\xbf", 4) == 0);
}
END_TEST

START_TEST(arena_allocates_aligned_and_resets)
{
	struct vg_arena *a = vg_arena_new(128);
	ck_assert_ptr_nonnull(a);
	char *p = vg_arena_alloc(a, 3);
	char *q = vg_arena_alloc(a, 5);
	ck_assert_uint_eq(((uintptr_t)q) % 8, 0);
	ck_assert_ptr_ne(p, q);
	char *big = vg_arena_alloc(a, 10000); /* bigger than a chunk */
	ck_assert_ptr_nonnull(big);
	big[9999] = 1;
	ck_assert_uint_ge(vg_arena_footprint(a), 10128);
	vg_arena_reset(a);
	ck_assert_uint_eq(vg_arena_footprint(a), 128);
	char *s = vg_arena_strndup(a, "hello world", 5);
	ck_assert_str_eq(s, "hello");
	/* Standard chunks survive a reset for reuse: no growth over many batches. */
	for (int batch = 0; batch < 100; batch++) {
		for (int i = 0; i < 10; i++) {
			char *x = vg_arena_alloc(a, 100);
			ck_assert_ptr_nonnull(x);
			memset(x, 0xab, 100);
			ck_assert_int_eq(((char *)vg_arena_alloc(a, 8))[7],
			                 0); /* zeroed */
		}
		vg_arena_reset(a);
	}
	ck_assert_uint_eq(vg_arena_footprint(a), 128 * 10);
	vg_arena_destroy(a);
	vg_arena_destroy(NULL);
}
END_TEST

START_TEST(json_string_escapes_and_repairs_utf8)
{
	struct vg_buf b;
	vg_buf_init(&b);
	vg_buf_json_str(&b, "a\"b\\c\n\x01\xc3\xa9\xff", 10);
	ck_assert_str_eq(b.data, "\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\\ufffd\"");
	/* the same string as RFC 8785 writes it: U+FFFD as UTF-8, \b and \f short */
	vg_buf_reset(&b);
	vg_buf_json_str_canonical(&b, "a\"b\\c\n\x01\b\f\xc3\xa9\xff", 12);
	ck_assert_str_eq(b.data, "\"a\\\"b\\\\c\\n\\u0001\\b\\f\xc3\xa9\xef\xbf\xbd\"");
	vg_buf_reset(&b);
	vg_buf_json_str(&b, "\b\f", 2);
	ck_assert_str_eq(b.data, "\"\\u0008\\u000c\"");
	vg_buf_reset(&b);
	vg_buf_printf(&b, "%d-%s", 42, "x");
	ck_assert_str_eq(b.data, "42-x");
	vg_buf_free(&b);
}
END_TEST

START_TEST(time_round_trips_and_parses_offsets)
{
	vg_time t = vg_time_from_civil(2024, 2, 29, 23, 59, 58, 123456);
	char buf[32];
	vg_time_format(t, buf);
	ck_assert_str_eq(buf, "2024-02-29T23:59:58.123456Z");
	vg_time p;
	ck_assert_int_eq(vg_time_parse_rfc3339("2024-02-29T23:59:58.123456Z", 27, 0, &p),
	                 VG_OK);
	ck_assert_int_eq(p, t);
	ck_assert_int_eq(
	    vg_time_parse_rfc3339("2024-03-01T01:59:58.123456+02:00", 32, 0, &p), VG_OK);
	ck_assert_int_eq(p, t);
	ck_assert_int_eq(vg_time_parse_rfc3339("2003-10-11T22:14:15.003Z", 24, 0, &p),
	                 VG_OK);
	ck_assert_int_eq(p % VG_USEC_PER_SEC, 3000);
	ck_assert_int_eq(vg_time_parse_rfc3339("2023-02-29T00:00:00Z", 20, 0, &p),
	                 VG_ERR_PARSE);
	ck_assert_int_eq(vg_time_parse_rfc3339("2023-01-01T00:00:00", 19, INT32_MIN, &p),
	                 VG_ERR_PARSE);
	ck_assert_int_eq(vg_time_parse_rfc3339("2023-01-01T00:00:00", 19, 3600, &p),
	                 VG_OK);
	ck_assert_int_eq(p, vg_time_from_civil(2022, 12, 31, 23, 0, 0, 0));
	int y;
	vg_time_to_civil(vg_time_from_civil(1969, 12, 31, 0, 0, 0, 0), &y, NULL, NULL,
	                 NULL, NULL, NULL, NULL);
	ck_assert_int_eq(y, 1969);
}
END_TEST

/* vg_time_format writes digits itself for years 0..9999: the same text as
 * printf's "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ" of the civil time, for times
 * spread over +-20,000 years and at the edges of the four-digit years. */
START_TEST(time_format_matches_printf)
{
	vg_time edges[] = {
	    0,
	    -1,
	    vg_time_from_civil(0, 1, 1, 0, 0, 0, 0),
	    vg_time_from_civil(0, 1, 1, 0, 0, 0, 0) - 1,
	    vg_time_from_civil(9999, 12, 31, 23, 59, 59, 999999),
	    vg_time_from_civil(9999, 12, 31, 23, 59, 59, 999999) + 1,
	    vg_time_from_civil(1999, 12, 31, 23, 59, 59, 999999),
	    vg_time_from_civil(2026, 11, 22, 14, 5, 9, 7),
	};
	const vg_time span = (vg_time)20000 * 366 * 86400 * VG_USEC_PER_SEC;
	uint64_t x = 0x9e3779b97f4a7c15u;
	for (size_t i = 0; i < 200000 + sizeof(edges) / sizeof(edges[0]); i++) {
		vg_time t;
		if (i < sizeof(edges) / sizeof(edges[0])) {
			t = edges[i];
		} else {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			t = (vg_time)(x % (uint64_t)(2 * span)) - span;
		}
		int y, mo, d, h, mi, sec, us;
		vg_time_to_civil(t, &y, &mo, &d, &h, &mi, &sec, &us);
		char want[64], got[32];
		int n =
		    snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", y,
		             mo, d, h, mi, sec, us);
		ck_assert_uint_eq(vg_time_format(t, got), (size_t)n);
		ck_assert_str_eq(got, want);
	}
}
END_TEST

/* vg_buf_put_g6 writes what "%.6g" does: every integer within 3,000 of 0 and of
 * +-10^6 (where its own digits stop), the signs of zero, non-finite values,
 * fractions, and 200,000 pseudo-random floats and doubles of every magnitude. */
START_TEST(put_g6_matches_printf)
{
	const double edges[] = {0.0,          -0.0,          NAN,   -NAN,    INFINITY,
	                        -INFINITY,    0.5,           -0.5,  1e-7,    999999.5,
	                        -999999.5,    1e6,           -1e6,  1e6 - 1, -(1e6 - 1),
	                        2147483648.0, -2147483649.0, 1e300, 5e-324,  123456.7};
	const size_t nedges = sizeof(edges) / sizeof(edges[0]);
	uint64_t x = 0x9e3779b97f4a7c15u;
	struct vg_buf got;
	vg_buf_init(&got);
	size_t checked = 0;
	for (size_t i = 0; i < nedges + 3 * 6001 + 200000; i++) {
		double v;
		if (i < nedges) {
			v = edges[i];
		} else if (i < nedges + 3 * 6001) {
			size_t k = i - nedges;
			double centre = k / 6001 == 0 ? 0 : k / 6001 == 1 ? 1e6 : -1e6;
			v = centre + (double)(k % 6001) - 3000;
		} else {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			/* an integer, a float (as features are), or any double */
			int shape = (int)(x % 3);
			double mag = ldexp(1.0, (int)((x >> 8) % 64) - 20);
			v = (double)(int64_t)(x >> 11) / 9007199254740992.0 * mag;
			if (shape == 0)
				v = trunc(v);
			else if (shape == 1)
				v = (double)(float)v;
			if (x & (1u << 5))
				v = -v;
		}
		char want[64];
		snprintf(want, sizeof(want), "%.6g", v);
		vg_buf_reset(&got);
		vg_buf_put_g6(&got, v);
		if (strcmp(got.data, want))
			ck_abort_msg("%.17g: got %s, printf writes %s", v, got.data,
			             want);
		checked++;
	}
	ck_assert_uint_eq(checked, nedges + 3 * 6001 + 200000);
	vg_buf_free(&got);
}
END_TEST

/* vg_buf_put_u64 writes what "%llu" does: 0, every power of ten and its
 * neighbours, the largest value, and 100,000 pseudo-random values of every length. */
START_TEST(put_u64_matches_printf)
{
	uint64_t x = 0x9e3779b97f4a7c15u;
	struct vg_buf got;
	vg_buf_init(&got);
	for (size_t i = 0; i < 3 * 20 + 1 + 100000; i++) {
		uint64_t v;
		if (i < 3 * 20) {
			uint64_t p = 1;
			for (size_t k = 0; k < i / 3; k++)
				p *= 10; /* wraps past 10^19: still a value to print */
			v = p + (uint64_t)(i % 3) - 1;
		} else if (i == 3 * 20) {
			v = UINT64_MAX;
		} else {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			v = x >> (x % 64);
		}
		char want[32];
		snprintf(want, sizeof(want), "%llu", (unsigned long long)v);
		vg_buf_reset(&got);
		vg_buf_puts(&got, "[");
		vg_buf_put_u64(&got, v);
		if (strcmp(got.data + 1, want))
			ck_abort_msg("%s: got %s", want, got.data + 1);
	}
	vg_buf_free(&got);
}
END_TEST

/* vg_json_plain_len stops exactly at the first byte a JSON string cannot take as
 * it is (under 0x20, '"', '\\', from 0x80 on), whatever the bytes after it: 200,000
 * strings of up to 40 bytes drawn mostly from the bytes at those edges. */
START_TEST(json_plain_len_stops_at_the_first_special_byte)
{
	static const unsigned char edge[] = {0x00, 0x01, 0x1f, 0x20, 0x21, '"',  0x23,
	                                     '\\', 0x5b, 0x5d, 0x7e, 0x7f, 0x80, 0x81,
	                                     0xc3, 0xe2, 0xff, 'a',  'Z',  '0',  ' '};
	uint64_t x = 0x9e3779b97f4a7c15u;
	unsigned char buf[48];
	size_t stopped_early = 0;
	for (size_t t = 0; t < 200000; t++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		size_t len = (size_t)(x % 41);
		for (size_t i = 0; i < len; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			/* mostly plain, so that runs of 8 and more occur */
			buf[i] = (x & 7) ? (unsigned char)(0x20 + (x >> 8) % 0x5f)
			                 : edge[(x >> 8) % sizeof(edge)];
			if (buf[i] == '"' && (x & 8))
				buf[i] = 'q';
		}
		size_t want = 0;
		while (want < len && buf[want] >= 0x20 && buf[want] < 0x80 &&
		       buf[want] != '"' && buf[want] != '\\')
			want++;
		size_t got = vg_json_plain_len((const char *)buf, len);
		if (got != want)
			ck_abort_msg("string %zu of %zu bytes: stopped at %zu, not %zu",
			             t, len, got, want);
		stopped_early += want >= 8 && want < len;
	}
	ck_assert_uint_gt(stopped_early, 10000); /* the word steps stopped in words */
}
END_TEST

/* SHA-1: the FIPS 180 examples ("abc", the 448-bit message, a million 'a') and
 * the padding edges (55, 56, 63, 64, 65, 119, 120 bytes), digests from Python's
 * hashlib; a version-5 UUID: Python's uuid5(NAMESPACE_DNS, "python.org") and the
 * STIX 2.1 id of ipv4-addr 203.0.113.45 as the OASIS stix2 library makes it. */
START_TEST(sha1_and_uuid5_match_references)
{
	static const struct {
		size_t as; /* that many 'a', or 0 for text */
		const char *text, *hex;
	} v[] = {
	    {0, "", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
	    {0, "abc", "a9993e364706816aba3e25717850c26c9cd0d89d"},
	    {0, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	     "84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
	    {1000000, NULL, "34aa973cd4c4daa4f61eeb2bdbad27316534016f"},
	    {55, NULL, "c1c8bbdc22796e28c0e15163d20899b65621d65a"},
	    {56, NULL, "c2db330f6083854c99d4b5bfb6e8f29f201be699"},
	    {63, NULL, "03f09f5b158a7a8cdad920bddc29b81c18a551f5"},
	    {64, NULL, "0098ba824b5c16427bd7a1122a5a442a25ec644d"},
	    {65, NULL, "11655326c708d70319be2610e8a57d9a5b959d3b"},
	    {119, NULL, "ee971065aaa017e0632a8ca6c77bb3bf8b1dfc56"},
	    {120, NULL, "f34c1488385346a55709ba056ddd08280dd4c6d6"},
	};
	char *as = malloc(1000000);
	ck_assert_ptr_nonnull(as);
	memset(as, 'a', 1000000);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		unsigned char d[20];
		char hex[41];
		const char *m = v[i].as ? as : v[i].text;
		vg_sha1(m, v[i].as ? v[i].as : strlen(m), d);
		for (int k = 0; k < 20; k++)
			snprintf(hex + 2 * k, 3, "%02x", d[k]);
		ck_assert_str_eq(hex, v[i].hex);
	}
	free(as);
	static const unsigned char dns[16] = {0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad,
	                                      0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0,
	                                      0x4f, 0xd4, 0x30, 0xc8};
	static const unsigned char stix[16] = {0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42,
	                                       0x46, 0x6c, 0x9c, 0x01, 0xfe, 0xd2,
	                                       0x33, 0x15, 0xa9, 0xb7};
	char u[37];
	vg_uuid5(dns, "python.org", 10, u);
	ck_assert_str_eq(u, "886313e1-3b8a-5372-9b90-0c9aee199e5d");
	const char *ip = "{\"value\":\"203.0.113.45\"}";
	vg_uuid5(stix, ip, strlen(ip), u);
	ck_assert_str_eq(u, "cb9d70c5-d244-531c-9efb-bcae57adc793");
}
END_TEST

START_TEST(hash_is_stable)
{
	/* Incident ids depend on this value never changing. */
	char hex[17];
	vg_hex64(vg_hash64("vigil", 5, 0), hex);
	ck_assert_uint_eq(strlen(hex), 16);
	ck_assert_uint_eq(vg_hash64("vigil", 5, 0), vg_hash64("vigil", 5, 0));
	ck_assert_uint_ne(vg_hash64("vigil", 5, 0), vg_hash64("vigil", 5, 1));
	ck_assert_uint_ne(vg_hash64("a", 1, 0), vg_hash64("b", 1, 0));
}
END_TEST

START_TEST(fields_load_schema_and_intern)
{
	struct vg_diag d;
	vg_diag_init(&d);
	ck_assert_int_eq(vg_fields_init(&d), VG_OK);
	ck_assert_uint_eq(d.count, 0);
	vg_field ts = vg_field_lookup("@timestamp", 10);
	ck_assert_int_eq(ts, 0);
	vg_field ip = vg_field_lookup("source.ip", 9);
	ck_assert_int_ge(ip, 0);
	ck_assert_int_eq(vg_field_type(ip), VG_FT_IP);
	ck_assert(vg_field_is_schema(ip));
	ck_assert_int_eq(vg_field_lookup("Image", 5), VG_FIELD_NONE);
	size_t before = vg_field_count();
	vg_field img = vg_field_intern("Image", 5);
	ck_assert_int_eq((size_t)img, before);
	ck_assert_int_eq(vg_field_intern("Image", 5), img);
	ck_assert_str_eq(vg_field_name(img), "Image");
	ck_assert(!vg_field_is_schema(img));
	ck_assert_ptr_null(vg_field_name(-1));
}
END_TEST

START_TEST(event_sets_gets_and_serialises)
{
	vg_fields_init(NULL);
	struct vg_arena *a = vg_arena_new(0);
	struct vg_event *ev = vg_event_new(a);
	vg_field host = vg_field_lookup("host.name", 9);
	vg_field pid = vg_field_lookup("process.pid", 11);
	ck_assert_int_eq(vg_event_set(ev, host, "web01", 5, VG_VK_STR), VG_OK);
	ck_assert_int_eq(vg_event_set(ev, pid, "42", 2, VG_VK_NUM), VG_OK);
	ck_assert_int_eq(vg_event_set(ev, 99999, "x", 1, VG_VK_STR), VG_ERR_INVALID);
	ck_assert_int_eq(
	    vg_event_set_named(ev, "Vendor.Thing", 12, "v\"1", 3, VG_VK_STR, true),
	    VG_OK);
	const struct vg_value *v = vg_event_get(ev, host);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(v->len, 5);
	ck_assert_ptr_nonnull(vg_event_get_named(ev, "Vendor.Thing"));
	ck_assert_ptr_null(vg_event_get_named(ev, "user.name"));
	ev->ts = vg_time_from_civil(2024, 1, 2, 3, 4, 5, 0);
	struct vg_buf b;
	vg_buf_init(&b);
	vg_event_to_json(ev, &b);
	ck_assert_str_eq(b.data, "{\"@timestamp\":\"2024-01-02T03:04:05.000000Z\","
	                         "\"host.name\":\"web01\",\"process.pid\":42,"
	                         "\"Vendor.Thing\":\"v\\\"1\"}");
	vg_buf_free(&b);
	vg_arena_destroy(a);
}
END_TEST

/* The sparse layout: a new event has nothing set, whatever the arena held before. */
START_TEST(event_starts_empty_and_rejects_bad_ids)
{
	vg_fields_init(NULL);
	struct vg_arena *a = vg_arena_new(0);
	struct vg_event *ev = vg_event_new(a);
	ck_assert_ptr_nonnull(ev);
	ck_assert_uint_eq(ev->nset, 0);
	ck_assert_uint_eq(ev->nextras, 0);
	ck_assert(ev->ts == VG_TIME_NONE);
	ck_assert_int_eq(ev->src.partition, -1);
	for (vg_field id = 0; id < (vg_field)vg_field_count(); id++)
		ck_assert_ptr_null(vg_event_get(ev, id));
	ck_assert_ptr_null(vg_event_get(ev, -1));
	ck_assert_ptr_null(vg_event_get(ev, VG_FIELD_NONE));
	ck_assert_ptr_null(vg_event_get(ev, (vg_field)vg_field_count()));
	ck_assert_ptr_null(vg_event_get(ev, VG_FIELDS_MAX + 5));
	vg_field host = vg_field_lookup("host.name", 9);
	ck_assert_int_eq(vg_event_set(ev, -3, "x", 1, VG_VK_STR), VG_ERR_INVALID);
	ck_assert_int_eq(vg_event_set(ev, host, "x", 1, VG_VK_UNSET), VG_ERR_INVALID);
	ck_assert_ptr_null(vg_event_get(ev, host));
	vg_field id = VG_FIELD_NONE;
	ck_assert_ptr_null(vg_event_next(ev, &id));
	struct vg_buf b;
	vg_buf_init(&b);
	vg_event_to_json(ev, &b);
	ck_assert_str_eq(b.data, "{}");
	vg_buf_free(&b);
	vg_arena_destroy(a);
}
END_TEST

START_TEST(event_overwrite_keeps_one_value_per_field)
{
	vg_fields_init(NULL);
	struct vg_arena *a = vg_arena_new(0);
	struct vg_event *ev = vg_event_new(a);
	vg_field user = vg_field_lookup("user.name", 9);
	vg_field host = vg_field_lookup("host.name", 9);
	ck_assert_int_eq(vg_event_set(ev, user, "alice", 5, VG_VK_STR), VG_OK);
	ck_assert_int_eq(vg_event_set(ev, host, "web01", 5, VG_VK_STR), VG_OK);
	ck_assert_int_eq(vg_event_set(ev, user, "7", 1, VG_VK_NUM), VG_OK);
	ck_assert_uint_eq(ev->nset, 2);
	const struct vg_value *v = vg_event_get(ev, user);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(v->len, 1);
	ck_assert_int_eq(v->kind, VG_VK_NUM);
	ck_assert_int_eq(memcmp(v->ptr, "7", 1), 0);
	v = vg_event_get(ev, host);
	ck_assert_int_eq(memcmp(v->ptr, "web01", 5), 0);
	/* set_named on a registry name is a set by id, not an extra */
	ck_assert_int_eq(
	    vg_event_set_named(ev, "host.name", 9, "db01", 4, VG_VK_STR, true), VG_OK);
	ck_assert_uint_eq(ev->nset, 2);
	ck_assert_uint_eq(ev->nextras, 0);
	ck_assert_int_eq(memcmp(vg_event_get(ev, host)->ptr, "db01", 4), 0);
	vg_arena_destroy(a);
}
END_TEST

/* Every registry field set, in reverse id order, forces vals[] to regrow; the
 * values, the id-order iteration and the JSON order must not depend on it. */
START_TEST(event_grows_and_iterates_in_id_order)
{
	vg_fields_init(NULL);
	char name[32];
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "test.grow.f%02d", i);
		ck_assert_int_ne(vg_field_intern(name, strlen(name)), VG_FIELD_NONE);
	}
	struct vg_arena *a = vg_arena_new(4096); /* small chunks: growth crosses them */
	struct vg_event *ev = vg_event_new(a);
	vg_field n = (vg_field)vg_field_count();
	ck_assert_int_gt(n, 64);
	static char vals[VG_FIELDS_MAX][12];
	for (vg_field id = n - 1; id >= 0; id--) {
		snprintf(vals[id], sizeof(vals[id]), "%d", (int)id);
		ck_assert_int_eq(
		    vg_event_set(ev, id, vals[id], strlen(vals[id]), VG_VK_NUM), VG_OK);
	}
	ck_assert_uint_eq(ev->nset, (uint32_t)n);
	ck_assert(!ev->oom);
	for (vg_field id = 0; id < n; id++) {
		const struct vg_value *v = vg_event_get(ev, id);
		ck_assert_ptr_nonnull(v);
		ck_assert_uint_eq(v->len, strlen(vals[id]));
		ck_assert_int_eq(memcmp(v->ptr, vals[id], v->len), 0);
	}
	vg_field it = VG_FIELD_NONE, want = 0;
	const struct vg_value *v;
	while ((v = vg_event_next(ev, &it))) {
		ck_assert_int_eq(it, want);
		ck_assert_ptr_eq(v, vg_event_get(ev, it));
		want++;
	}
	ck_assert_int_eq(want, n);
	vg_arena_destroy(a);
}
END_TEST

/* Differential: random sets and overwrites against a plain array indexed by id. */
START_TEST(event_matches_naive_model)
{
	vg_fields_init(NULL);
	struct vg_arena *a = vg_arena_new(0);
	uint32_t n = (uint32_t)vg_field_count();
	static const char *model[VG_FIELDS_MAX];
	static char text[VG_FIELDS_MAX]
	                [24]; /* two ints and a dot, whatever their range */
	uint64_t rng = 0x9e3779b97f4a7c15u;
	for (int round = 0; round < 50; round++) {
		struct vg_event *ev = vg_event_new(a);
		memset(model, 0, sizeof(model[0]) * n);
		uint32_t distinct = 0;
		int nsets = (int)(rng % 120);
		for (int k = 0; k < nsets; k++) {
			rng = rng * 6364136223846793005u + 1442695040888963407u;
			uint32_t id = (uint32_t)(rng >> 33) % (k % 3 ? 24 : n);
			snprintf(text[id], sizeof(text[id]), "%d.%d", round, k);
			if (!model[id])
				distinct++;
			model[id] = text[id];
			ck_assert_int_eq(vg_event_set(ev, (vg_field)id, text[id],
			                              strlen(text[id]), VG_VK_STR),
			                 VG_OK);
		}
		ck_assert_uint_eq(ev->nset, distinct);
		vg_field it = VG_FIELD_NONE;
		uint32_t seen = 0;
		for (uint32_t id = 0; id < n; id++) {
			const struct vg_value *v = vg_event_get(ev, (vg_field)id);
			if (!model[id]) {
				ck_assert_ptr_null(v);
				continue;
			}
			ck_assert_ptr_nonnull(v);
			ck_assert_uint_eq(v->len, strlen(model[id]));
			ck_assert_int_eq(memcmp(v->ptr, model[id], v->len), 0);
			ck_assert_ptr_eq(vg_event_next(ev, &it), v);
			ck_assert_int_eq(it, (vg_field)id);
			seen++;
		}
		ck_assert_ptr_null(vg_event_next(ev, &it));
		ck_assert_uint_eq(seen, distinct);
		if (round % 7 == 6)
			vg_arena_reset(a);
	}
	vg_arena_destroy(a);
}
END_TEST

/* After a reset the arena hands the same memory out again: a new event must not
 * see the old one's values or extras. */
START_TEST(event_reuse_after_arena_reset)
{
	vg_fields_init(NULL);
	struct vg_arena *a = vg_arena_new(0);
	vg_field n = (vg_field)vg_field_count();
	for (int round = 0; round < 3; round++) {
		struct vg_event *ev = vg_event_new(a);
		ck_assert_uint_eq(ev->nset, 0);
		ck_assert_ptr_null(ev->extras);
		for (vg_field id = 0; id < n; id++)
			ck_assert_ptr_null(vg_event_get(ev, id));
		ck_assert_ptr_null(vg_event_get_named(ev, "Vendor.Thing"));
		for (vg_field id = 0; id < n; id++)
			vg_event_set(ev, id, "v", 1, VG_VK_STR);
		ck_assert_int_eq(
		    vg_event_add_extra(ev, "Vendor.Thing", 12, "1", 1, VG_VK_NUM), VG_OK);
		ck_assert_int_eq(
		    vg_event_set_named(ev, "Vendor.Other", 12, "x", 1, VG_VK_STR, false),
		    VG_OK);
		ck_assert_uint_eq(ev->nextras, 2);
		ck_assert_str_eq(ev->extras->name, "Vendor.Thing");
		ck_assert_str_eq(ev->extras->next->name, "Vendor.Other");
		ck_assert_ptr_nonnull(vg_event_get_named(ev, "Vendor.Other"));
		vg_arena_reset(a);
	}
	vg_arena_destroy(a);
}
END_TEST

START_TEST(resources_are_embedded)
{
	const struct vg_resource *r = vg_resource_get("schemas/fields.yaml");
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_gt(r->len, 100);
	ck_assert_int_eq(r->data[r->len], 0);
	ck_assert_ptr_null(vg_resource_get("no/such/file"));
}
END_TEST

START_TEST(strmap_put_get_delete_iterate)
{
	struct vg_strmap m;
	char key[32];
	vg_strmap_init(&m);
	ck_assert_ptr_null(vg_strmap_get(&m, "x"));
	for (int i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		ck_assert_int_eq(vg_strmap_put(&m, key, (void *)(intptr_t)(i + 1)),
		                 VG_OK);
	}
	ck_assert_uint_eq(m.count, 1000);
	/* Delete every third key; the rest must stay reachable (backward shift). */
	for (int i = 0; i < 1000; i += 3) {
		snprintf(key, sizeof(key), "k%d", i);
		ck_assert_int_eq((intptr_t)vg_strmap_del(&m, key), i + 1);
	}
	for (int i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		intptr_t want = i % 3 == 0 ? 0 : i + 1;
		ck_assert_int_eq((intptr_t)vg_strmap_get(&m, key), want);
	}
	ck_assert_ptr_null(vg_strmap_del(&m, "k0"));
	vg_strmap_put(&m, "k1", (void *)7);
	ck_assert_int_eq((intptr_t)vg_strmap_get(&m, "k1"), 7);
	size_t it = 0, seen = 0;
	while (vg_strmap_next(&m, &it))
		seen++;
	ck_assert_uint_eq(seen, m.count);
	ck_assert_uint_eq(seen, 666);
	vg_strmap_free(&m);
	vg_strmap_free(NULL);
}
END_TEST

/* ------------------------------------------------------------ addresses */

static int ipc(const char *s)
{
	return vg_ip_classify(s, strlen(s));
}

static int cmp_u32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	return a < b ? -1 : a > b;
}

/* Records of more than the swap buffer's 256 bytes, ordered by their first word. */
struct wide {
	uint32_t key;
	unsigned char pad[300];
};

static int cmp_wide(const void *x, const void *y)
{
	return cmp_u32(&((const struct wide *)x)->key, &((const struct wide *)y)->key);
}

/* A minset's least is the least of what was added and not removed, duplicates
 * included, whatever the order of additions and removals. */
START_TEST(minset_least_follows_removals)
{
	enum { N = 600 };
	static int64_t in[N];
	size_t n = 0;
	struct vg_minset ms = {0};
	int64_t least;
	uint64_t x = 2463534242ULL;
	ck_assert(!vg_minset_least(&ms, &least));
	for (size_t round = 0; round < 20 * N; round++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		if (n < N && (n == 0 || x % 2)) {
			in[n] = (int64_t)(x >> 40) % 200 - 50; /* repeats, negatives */
			ck_assert(vg_minset_add(&ms, in[n++]));
		} else {
			size_t k = (size_t)(x >> 20) % n; /* any member, not the least */
			ck_assert(vg_minset_remove(&ms, in[k]));
			in[k] = in[--n];
		}
		int64_t want = INT64_MAX;
		for (size_t i = 0; i < n; i++)
			want = in[i] < want ? in[i] : want;
		ck_assert_int_eq(vg_minset_least(&ms, &least), n > 0);
		if (n)
			ck_assert_int_eq(least, want);
	}
	vg_minset_free(&ms);
	ck_assert(!vg_minset_least(&ms, &least));
}
END_TEST

/* The heap gives its elements back in sorted order, duplicates included, whatever
 * the mix of pushes and pops, and moves whole elements (wider than its buffer). */
START_TEST(heap_pops_in_order)
{
	enum { N = 2000 };
	static uint32_t heap[N], ref[N];
	size_t n = 0, nref = 0;
	uint64_t x = 88172645463325252ULL;
	for (size_t round = 0; round < 4 * N; round++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift */
		if (n < N && (n == 0 || x % 3)) {
			heap[n] = (uint32_t)(x >> 40) % 500; /* many equal keys */
			ref[nref++] = heap[n];
			vg_heap_push(heap, n++, sizeof(heap[0]), cmp_u32);
		} else {
			qsort(ref, nref, sizeof(ref[0]), cmp_u32);
			vg_heap_pop(heap, n, sizeof(heap[0]), cmp_u32);
			ck_assert_uint_eq(heap[--n], ref[0]);
			memmove(ref, ref + 1, --nref * sizeof(ref[0]));
		}
	}
	qsort(ref, nref, sizeof(ref[0]), cmp_u32);
	for (size_t i = 0; i < nref; i++) {
		vg_heap_pop(heap, n, sizeof(heap[0]), cmp_u32);
		ck_assert_uint_eq(heap[--n], ref[i]);
	}
	ck_assert_uint_eq(n, 0);

	/* elements of up to 256 bytes move through a hole, wider ones by swaps: both
	 * keep every byte of what they move */
	static struct mid {
		uint32_t key, serial;
		unsigned char pad[120];
	} md[500];
	for (size_t i = 0; i < 500; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		md[i].key = (uint32_t)(x >> 40) % 50;
		md[i].serial = (uint32_t)i;
		memset(md[i].pad, (int)(i & 0xff), sizeof(md[i].pad));
		vg_heap_push(md, i, sizeof(md[0]), cmp_u32); /* key first */
	}
	uint32_t last = 0;
	for (size_t left = 500; left > 0; left--) {
		vg_heap_pop(md, left, sizeof(md[0]), cmp_u32);
		const struct mid *got = &md[left - 1];
		ck_assert_uint_ge(got->key, last);
		last = got->key;
		for (size_t k = 0; k < sizeof(got->pad); k++)
			if (got->pad[k] != (got->serial & 0xff))
				ck_abort_msg("element %u lost its bytes", got->serial);
	}

	static struct wide w[64];
	for (size_t i = 0; i < 64; i++) {
		w[i].key = (uint32_t)((i * 37) % 64);
		memset(w[i].pad, (int)w[i].key, sizeof(w[i].pad));
		vg_heap_push(w, i, sizeof(w[0]), cmp_wide);
	}
	for (size_t left = 64; left > 0; left--) {
		vg_heap_pop(w, left, sizeof(w[0]), cmp_wide);
		const struct wide *got = &w[left - 1];
		ck_assert_uint_eq(got->key, 64 - left);
		for (size_t k = 0; k < sizeof(got->pad); k++)
			ck_assert_uint_eq(got->pad[k], got->key);
	}
}
END_TEST

START_TEST(ipv4_classification_boundaries)
{
	const struct {
		const char *ip;
		int want;
	} cases[] = {
	    {"10.0.0.0", 0},        {"10.255.255.255", 0}, {"9.255.255.255", 1},
	    {"11.0.0.0", 1},        {"172.15.255.255", 1}, {"172.16.0.0", 0},
	    {"172.31.255.255", 0},  {"172.32.0.0", 1},     {"192.168.0.1", 0},
	    {"192.167.255.255", 1}, {"192.169.0.1", 1},    {"127.0.0.1", 0},
	    {"127.255.255.254", 0}, {"169.254.10.1", 0},   {"169.253.0.1", 1},
	    {"100.63.255.255", 1},  {"100.64.0.0", 0},     {"100.127.255.255", 0},
	    {"100.128.0.0", 1},     {"0.0.0.0", 0},        {"224.0.0.1", 0},
	    {"239.255.255.250", 0}, {"240.0.0.1", 0},      {"255.255.255.255", 0},
	    {"8.8.8.8", 1},         {"203.0.113.7", 1},    {"198.51.100.1", 1},
	    {"223.255.255.255", 1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(ipc(cases[i].ip) == cases[i].want, "%s: got %d, want %d",
		              cases[i].ip, ipc(cases[i].ip), cases[i].want);
}
END_TEST

START_TEST(ipv6_classification)
{
	const struct {
		const char *ip;
		int want;
	} cases[] = {
	    {"::1", 0},
	    {"::", 0},
	    {"fe80::1", 0},
	    {"fe80::1%eth0", 0},
	    {"febf:ffff::1", 0},
	    {"fec0::1", 0},
	    {"fc00::1", 0},
	    {"fd12:3456:789a::1", 0},
	    {"ff02::1", 0},
	    {"2001:4860:4860::8888", 1},
	    {"2001:db8::1", 1},
	    {"[2606:4700::1111]", 1},
	    {"[::1]", 0},
	    {"::ffff:10.1.2.3", 0},
	    {"::ffff:8.8.8.8", 1},
	    {"::FFFF:192.168.0.1", 0},
	    {"64:ff9b::8.8.8.8", 1},
	    {"64:ff9b::a00:1", 0},
	    {"fbff::1", 1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(ipc(cases[i].ip) == cases[i].want, "%s: got %d, want %d",
		              cases[i].ip, ipc(cases[i].ip), cases[i].want);
}
END_TEST

START_TEST(ip_invalid_text_and_length)
{
	const char *bad[] = {"",           "not-an-ip", "999.1.1.1",    "1.2.3",
	                     "10.0.0.1 ",  " 10.0.0.1", "1.2.3.4%eth0", "[10.0.0.1",
	                     "fe80::1::2", "[]",        "1.2.3.4:22"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(ipc(bad[i]) == -1, "'%s' classified %d", bad[i],
		              ipc(bad[i]));
	char longer[128];
	memset(longer, '1', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	ck_assert_int_eq(ipc(longer), -1);
	ck_assert_int_eq(vg_ip_classify(NULL, 0), -1);
	/* only len bytes are read */
	ck_assert_int_eq(vg_ip_classify("10.0.0.1xyz", 8), 0);
	ck_assert_int_eq(vg_ip_classify("8.8.8.8.8", 7), 1);
}
END_TEST

START_TEST(ip_host_local_addresses)
{
	const char *local[] = {
	    "127.0.0.1", "127.255.255.254",  "0.0.0.0",        "0.1.2.3",    "::1", "::",
	    "[::1]",     "::ffff:127.0.0.1", "::FFFF:0.0.0.0", "::127.0.0.2"};
	const char *not_local[] = {"-",
	                           "",
	                           "localhost",
	                           "10.0.0.1",
	                           "128.0.0.1",
	                           "169.254.1.1",
	                           "1::1",
	                           "fe80::1%eth0",
	                           "::ffff:10.0.0.1",
	                           "64:ff9b::7f00:1",
	                           "2001:db8::1",
	                           "1.2.3.4:22"};
	for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++)
		ck_assert_msg(vg_ip_host_local(local[i], strlen(local[i])), "%s",
		              local[i]);
	for (size_t i = 0; i < sizeof(not_local) / sizeof(not_local[0]); i++)
		ck_assert_msg(!vg_ip_host_local(not_local[i], strlen(not_local[i])), "%s",
		              not_local[i]);
	ck_assert(!vg_ip_host_local(NULL, 0));
	ck_assert(vg_ip_host_local("127.0.0.1xyz", 9)); /* only len bytes are read */
}
END_TEST

START_TEST(ip_canonical_text)
{
	const struct {
		const char *in, *want; /* want NULL: not an address */
	} cases[] = {
	    {"203.0.113.7", "203.0.113.7"},
	    {"::ffff:203.0.113.7", "203.0.113.7"},
	    {"::FFFF:cb00:7107", "203.0.113.7"},
	    {"[::ffff:203.0.113.7]", "203.0.113.7"},
	    {"2001:DB8:0:0:0:0:0:1", "2001:db8::1"},
	    {"2001:db8::1", "2001:db8::1"},
	    {"[2001:db8::1]", "2001:db8::1"},
	    {"fe80::1%eth0", "fe80::1%eth0"},
	    {"[fe80::0:1%eth0]", "fe80::1%eth0"},
	    {"::1", "::1"},
	    {"-", NULL},
	    {"host.example.org", NULL},
	    {"203.0.113.7:22", NULL},
	    {"", NULL},
	};
	char out[64];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n =
		    vg_ip_canonical(cases[i].in, strlen(cases[i].in), out, sizeof(out));
		if (!cases[i].want) {
			ck_assert_msg(n == 0, "%s: got '%s'", cases[i].in, out);
			continue;
		}
		ck_assert_msg(n == strlen(cases[i].want) && !strcmp(out, cases[i].want),
		              "%s: got '%s', want '%s'", cases[i].in, n ? out : "",
		              cases[i].want);
	}
	/* too small a buffer is no answer, never a cut address */
	ck_assert_uint_eq(vg_ip_canonical("2001:db8::1", 11, out, 11), 0);
	ck_assert_uint_eq(vg_ip_canonical("2001:db8::1", 11, out, 12), 11);
	ck_assert_uint_eq(vg_ip_canonical(NULL, 0, out, sizeof(out)), 0);
	/* vg_ip_text: canonical for an address, as written (cut) for the rest */
	ck_assert_uint_eq(vg_ip_text("::FFFF:10.1.2.3", 15, out, sizeof(out)), 8);
	ck_assert_str_eq(out, "10.1.2.3");
	ck_assert_uint_eq(vg_ip_text("10.1.2.3", 8, out, sizeof(out)), 8);
	ck_assert_str_eq(out, "10.1.2.3");
	ck_assert_uint_eq(vg_ip_text("scanner.example", 15, out, sizeof(out)), 15);
	ck_assert_str_eq(out, "scanner.example");
	ck_assert_uint_eq(vg_ip_text("scanner.example", 15, out, 5), 4);
	ck_assert_str_eq(out, "scan");
}
END_TEST

static Suite *core_suite(void)
{
	const struct vg_test_case cases[] = {
	    {"diag", diag_collects_every_message},
	    {"closest", closest_suggests_typo_fix},
	    {"append", append_cuts_as_snprintf},
	    {"numbers", numbers_parse_whole_text_or_fail},
	    {"json_unescape", json_unescape_decodes_and_keeps_what_is_not_json},
	    {"arena", arena_allocates_aligned_and_resets},
	    {"json", json_string_escapes_and_repairs_utf8},
	    {"time", time_round_trips_and_parses_offsets},
	    {"time_format", time_format_matches_printf},
	    {"put_g6", put_g6_matches_printf},
	    {"put_u64", put_u64_matches_printf},
	    {"json_plain", json_plain_len_stops_at_the_first_special_byte},
	    {"hash", hash_is_stable},
	    {"sha1", sha1_and_uuid5_match_references},
	    {"fields", fields_load_schema_and_intern},
	    {"event", event_sets_gets_and_serialises},
	    {"event_empty", event_starts_empty_and_rejects_bad_ids},
	    {"event_overwrite", event_overwrite_keeps_one_value_per_field},
	    {"event_grow", event_grows_and_iterates_in_id_order},
	    {"event_model", event_matches_naive_model},
	    {"event_reuse", event_reuse_after_arena_reset},
	    {"resources", resources_are_embedded},
	    {"strmap", strmap_put_get_delete_iterate},
	    {"heap", heap_pops_in_order},
	    {"minset", minset_least_follows_removals},
	    {"ipv4_classify", ipv4_classification_boundaries},
	    {"ipv6_classify", ipv6_classification},
	    {"ip_invalid", ip_invalid_text_and_length},
	    {"ip_host_local", ip_host_local_addresses},
	    {"ip_canonical", ip_canonical_text},
	};
	return vg_test_suite("core", cases, sizeof(cases) / sizeof(cases[0]), NULL, NULL);
}

VG_TEST_MAIN(core_suite)
