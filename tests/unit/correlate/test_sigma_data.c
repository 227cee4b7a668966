/* Data-driven test: every SigmaHQ Linux rule in ../shared/data either loads or is
 * reported with a reason (nothing dropped silently); prints the load rate.  Exits
 * 77 (skip) when the shared data is absent. */
#include "vg_correlate.h"
#include "vg_test.h"

#include <dirent.h>
#include <sys/stat.h>

static char g_root[1024];

/* Append every .yml / .yaml file below dir to files. */
static void walk(const char *dir, char ***files, size_t *n)
{
	DIR *d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char path[2048];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		ck_assert_int_eq(stat(path, &st), 0);
		if (S_ISDIR(st.st_mode)) {
			walk(path, files, n);
			continue;
		}
		size_t l = strlen(path);
		if (!((l > 4 && strcmp(path + l - 4, ".yml") == 0) ||
		      (l > 5 && strcmp(path + l - 5, ".yaml") == 0)))
			continue;
		*files = realloc(*files, (*n + 1) * sizeof(char *));
		ck_assert_ptr_nonnull(*files);
		(*files)[(*n)++] = strdup(path);
	}
	closedir(d);
}

START_TEST(linux_rules_load_or_report)
{
	struct vg_ruleset *rs = NULL;
	struct vg_diag d;
	const char *paths[] = {g_root};
	vg_diag_init(&d);
	ck_assert_int_eq(vg_fields_init(NULL), VG_OK);
	ck_assert_int_eq(vg_ruleset_load(paths, 1, &rs, &d), VG_OK);

	char **files = NULL;
	size_t nfiles = 0, loaded = 0, reported = 0;
	walk(g_root, &files, &nfiles);
	ck_assert_uint_gt(nfiles, 0);
	for (size_t i = 0; i < nfiles; i++) {
		size_t l = strlen(files[i]);
		bool has_rule = false, has_error = false;
		for (size_t r = 0; r < vg_ruleset_count(rs) && !has_rule; r++) {
			struct vg_rule_info info;
			vg_rule_info(vg_ruleset_rule(rs, r), &info);
			has_rule = strcmp(info.file, files[i]) == 0;
		}
		for (size_t m = 0; m < d.count && !has_error; m++)
			has_error = strncmp(d.msgs[m], files[i], l) == 0 &&
			            d.msgs[m][l] == ':' && strstr(d.msgs[m], ": error: ");
		ck_assert_msg(has_rule || has_error, "%s: neither loaded nor reported",
		              files[i]);
		loaded += has_rule;
		reported += has_error;
		free(files[i]);
	}
	free(files);
	/* every error names its place and the rule */
	for (size_t m = 0; m < d.count; m++)
		if (strstr(d.msgs[m], ": error: "))
			ck_assert_msg(strstr(d.msgs[m], ": error: rule '") ||
			                  strstr(d.msgs[m], ": error: YAML: "),
			              "unexpected message: %s", d.msgs[m]);
	printf(
	    "# sigma linux rules: %zu files, %zu rules loaded (%.1f%%), %zu files with "
	    "errors, %zu warnings\n",
	    nfiles, vg_ruleset_count(rs), 100.0 * (double)loaded / (double)nfiles,
	    reported, d.count - d.errors);
	for (size_t m = 0; m < d.count; m++)
		if (strstr(d.msgs[m], ": error: "))
			printf("#   %s\n", d.msgs[m]);
	fflush(stdout);
	vg_diag_clear(&d);
	vg_ruleset_destroy(rs);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("sigma-data");
	TCase *tc = tcase_create("linux");
	tcase_add_test(tc, linux_rules_load_or_report);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	struct stat st;
	snprintf(g_root, sizeof(g_root), "%s/sigma/rules/linux", vg_test_shared_data());
	if (stat(g_root, &st) != 0 || !S_ISDIR(st.st_mode)) {
		printf("skip: %s is absent (set VIGIL_SHARED_DATA)\n", g_root);
		return 77;
	}
	SRunner *sr = srunner_create(suite());
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
