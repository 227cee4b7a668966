/*
 * vg_test.h - small helpers shared by the Check unit tests.
 *
 * Every test executable is a Check suite run with TAP output; main() comes from
 * VG_TEST_MAIN(suite_fn).  Tests locate the source tree through VIGIL_SOURCE_ROOT
 * and third-party data through VIGIL_SHARED_DATA (set by meson), skipping with exit
 * code 77 and a message when that data is absent.
 */
#ifndef VG_TEST_H
#define VG_TEST_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline const char *vg_test_source_root(void)
{
	const char *r = getenv("VIGIL_SOURCE_ROOT");
	return r ? r : ".";
}

static inline const char *vg_test_shared_data(void)
{
	const char *r = getenv("VIGIL_SHARED_DATA");
	return r ? r : "../shared/data";
}

#define VG_TEST_MAIN(suite_fn)                                                           \
	int main(void)                                                                   \
	{                                                                                \
		SRunner *sr = srunner_create(suite_fn());                                \
		srunner_run_all(sr, CK_ENV);                                             \
		int failed = srunner_ntests_failed(sr);                                  \
		srunner_free(sr);                                                        \
		return failed ? EXIT_FAILURE : EXIT_SUCCESS;                             \
	}

#endif
