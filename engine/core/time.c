/*
 * time.c - event time: civil conversions, RFC 3339 parsing and formatting.
 *
 * Civil <-> day-number conversion uses the well-known era-based algorithm for the
 * proleptic Gregorian calendar, so it has no table and no time-zone dependence.
 */
#include "vg_core.h"

#include <string.h>
#include <time.h>

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *yy, int *mm, int *dd)
{
	z += 719468;
	const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = (unsigned)(z - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const int64_t y = (int64_t)yoe + era * 400;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	const unsigned d = doy - (153 * mp + 2) / 5 + 1;
	const unsigned m = mp < 10 ? mp + 3 : mp - 9;
	*yy = (int)(y + (m <= 2));
	*mm = (int)m;
	*dd = (int)d;
}

vg_time vg_time_from_civil(int year, int month, int day, int hour, int min, int sec,
                           int usec)
{
	int64_t days = days_from_civil(year, (unsigned)month, (unsigned)day);
	int64_t s = days * 86400 + hour * 3600 + min * 60 + sec;
	return s * VG_USEC_PER_SEC + usec;
}

void vg_time_to_civil(vg_time t, int *year, int *month, int *day, int *hour, int *min,
                      int *sec, int *usec)
{
	int64_t s = t / VG_USEC_PER_SEC, us = t % VG_USEC_PER_SEC;
	if (us < 0) {
		us += VG_USEC_PER_SEC;
		s--;
	}
	int64_t days = s / 86400, rem = s % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	int y, m, d;
	civil_from_days(days, &y, &m, &d);
	if (year)
		*year = y;
	if (month)
		*month = m;
	if (day)
		*day = d;
	if (hour)
		*hour = (int)(rem / 3600);
	if (min)
		*min = (int)(rem % 3600 / 60);
	if (sec)
		*sec = (int)(rem % 60);
	if (usec)
		*usec = (int)us;
}

static bool digits(const char *s, size_t n, int *out)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

static int days_in_month(int y, int m)
{
	static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : dm[m - 1];
}

vg_err vg_time_parse_rfc3339(const char *s, size_t len, int default_offset_sec,
                             vg_time *out)
{
	int y, mo, d, h, mi, sec, usec = 0, off = default_offset_sec;
	size_t i;

	if (len < 19 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
	    s[7] != '-' || !digits(s + 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s + 11, 2, &h) ||
	    s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
	    !digits(s + 17, 2, &sec))
		return VG_ERR_PARSE;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 ||
	    sec > 60)
		return VG_ERR_PARSE;
	if (sec == 60)
		sec = 59; /* leap second: clamp, event order is what matters */
	i = 19;
	if (i < len && (s[i] == '.' || s[i] == ',')) {
		size_t start = ++i;
		int scale = 100000;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			if (scale > 0) {
				usec += (s[i] - '0') * scale;
				scale /= 10;
			}
			i++;
		}
		if (i == start)
			return VG_ERR_PARSE;
	}
	if (i < len) {
		if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == len) {
			off = 0;
		} else if ((s[i] == '+' || s[i] == '-') && len - i == 6 &&
		           s[i + 3] == ':') {
			int oh, om;
			if (!digits(s + i + 1, 2, &oh) || !digits(s + i + 4, 2, &om) ||
			    oh > 23 || om > 59)
				return VG_ERR_PARSE;
			off = (oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
		} else {
			return VG_ERR_PARSE;
		}
	} else if (default_offset_sec == INT32_MIN) {
		return VG_ERR_PARSE; /* caller insists on an explicit zone */
	}
	*out = vg_time_from_civil(y, mo, d, h, mi, sec, usec) -
	       (int64_t)off * VG_USEC_PER_SEC;
	return VG_OK;
}

/* The n decimal digits of v (0 <= v < 10^n) at p, zero-padded. */
static void put_digits(char *p, int v, int n)
{
	while (n-- > 0) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

size_t vg_time_format(vg_time t, char buf[32])
{
	int y, mo, d, h, mi, s, us;
	vg_time_to_civil(t, &y, &mo, &d, &h, &mi, &s, &us);
	if (y < 0 || y > 9999) { /* no four-digit year: as printf writes it */
		int n = snprintf(buf, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", y, mo, d,
		                 h, mi, s, us);
		return n > 0 ? (size_t)n : 0;
	}
	/* Stores and documents format a time per alert: digits, not printf. */
	memcpy(buf, "0000-00-00T00:00:00.000000Z", 28);
	put_digits(buf, y, 4);
	put_digits(buf + 5, mo, 2);
	put_digits(buf + 8, d, 2);
	put_digits(buf + 11, h, 2);
	put_digits(buf + 14, mi, 2);
	put_digits(buf + 17, s, 2);
	put_digits(buf + 20, us, 6);
	return 27;
}

vg_time vg_time_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (vg_time)ts.tv_sec * VG_USEC_PER_SEC + ts.tv_nsec / 1000;
}
