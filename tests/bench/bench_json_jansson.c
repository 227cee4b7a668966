/* bench_json_jansson.c - the jansson contender of bench_json.c (a separate unit:
 * jansson's and json-c's headers define the same names). */
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#define PATH_MAX_ 1024

int bench_run_jansson(const char *s, size_t n, uint64_t *sum);

static void ja_walk(json_t *o, char *path, size_t plen, uint64_t *sum)
{
	if (json_is_object(o)) {
		const char *key;
		json_t *val;
		json_object_foreach(o, key, val)
		{
			size_t kl = strlen(key), at = plen;
			if (at + kl + 2 >= PATH_MAX_)
				continue;
			if (at)
				path[at++] = '.';
			memcpy(path + at, key, kl);
			ja_walk(val, path, at + kl, sum);
		}
		return;
	}
	size_t vl = 0;
	if (json_is_string(o))
		vl = json_string_length(o);
	*sum += 1 + plen + vl;
}

int bench_run_jansson(const char *s, size_t n, uint64_t *sum)
{
	json_error_t e;
	json_t *o = json_loadb(s, n, 0, &e);
	if (!o)
		return -1;
	char path[PATH_MAX_];
	ja_walk(o, path, 0, sum);
	json_decref(o);
	return 0;
}
