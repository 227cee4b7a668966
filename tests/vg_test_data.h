/*
 * vg_test_data.h - helpers for tests that read third-party data files (CSV ground
 * truth of loghub and others).  No test framework needed: conformance runners that
 * are plain programs include it too.
 */
#ifndef VG_TEST_DATA_H
#define VG_TEST_DATA_H

/* Split one CSV record in place (RFC 4180 quoting): fields[] point into line.
 * @return the field count (at most max). */
static inline int vg_test_csv_split(char *line, char **fields, int max)
{
	int n = 0;
	char *p = line;
	while (n < max) {
		char *out = p;
		fields[n++] = p;
		if (*p == '"') {
			char *r = p + 1;
			for (;;) {
				if (*r == '\0')
					break;
				if (*r == '"' && r[1] == '"') {
					*out++ = '"';
					r += 2;
				} else if (*r == '"') {
					r++;
					break;
				} else {
					*out++ = *r++;
				}
			}
			p = r;
		} else {
			while (*p && *p != ',')
				*out++ = *p++;
		}
		char sep = *p;
		*out = '\0';
		if (sep != ',')
			break;
		p++;
	}
	return n;
}

#endif
