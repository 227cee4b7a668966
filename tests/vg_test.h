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

/** One test case of a suite: a TCase named `name` holding the test `fn`. */
struct vg_test_case {
	const char *name;
	const TTest *fn;
};

/** @brief A suite with one TCase per case, each with the checked fixture
 *  (setup/teardown may be NULL). */
static inline Suite *vg_test_suite(const char *name, const struct vg_test_case *cases,
                                   size_t n, SFun setup, SFun teardown)
{
	Suite *s = suite_create(name);
	for (size_t i = 0; i < n; i++) {
		TCase *tc = tcase_create(cases[i].name);
		if (setup || teardown)
			tcase_add_checked_fixture(tc, setup, teardown);
		tcase_add_test(tc, cases[i].fn);
		suite_add_tcase(s, tc);
	}
	return s;
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
