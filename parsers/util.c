/*
 * util.c - small helpers shared by parsers/: a string map for load-time tables,
 * dead-letter reason formatting and number text.
 *
 * The string map is filled while decoders and aliases load and only read while
 * records are parsed, so lookups need no lock; it hashes with vgp_hash (8 bytes
 * per step), never vg_hash64, as nothing about it outlives the process.  Nothing here
 * allocates per record except vgp_reason, which uses the batch arena.
 */
#include "parsers_int.h"

#include <stdlib.h>
#include <string.h>

struct vgp_strmap_slot {
	char *key; /* NULL = empty */
	size_t len;
	uint64_t hash;
	int32_t value;
};

void vgp_strmap_free(struct vgp_strmap *map)
{
	if (!map)
		return;
	for (size_t i = 0; i < map->cap; i++)
		free(map->slots[i].key);
	free(map->slots);
	map->slots = NULL;
	map->cap = map->count = 0;
}

static struct vgp_strmap_slot *find_slot(const struct vgp_strmap *map, const char *key,
                                         size_t len, uint64_t h)
{
	for (size_t i = 0;; i++) {
		struct vgp_strmap_slot *s = &map->slots[(h + i) & (map->cap - 1)];
		if (!s->key ||
		    (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0))
			return s;
	}
}

static vg_err grow(struct vgp_strmap *map)
{
	size_t ncap = map->cap ? map->cap * 2 : 16;
	struct vgp_strmap_slot *old = map->slots;
	size_t ocap = map->cap;

	map->slots = calloc(ncap, sizeof(*map->slots));
	if (!map->slots) {
		map->slots = old;
		return VG_ERR_NOMEM;
	}
	map->cap = ncap;
	for (size_t i = 0; i < ocap; i++) {
		if (!old[i].key)
			continue;
		*find_slot(map, old[i].key, old[i].len, old[i].hash) = old[i];
	}
	free(old);
	return VG_OK;
}

vg_err vgp_strmap_put(struct vgp_strmap *map, const char *key, size_t len, int32_t value,
                      bool *inserted, int32_t *value_out)
{
	uint64_t h = vgp_hash(key, len);

	if ((map->count + 1) * 2 > map->cap && grow(map) != VG_OK)
		return VG_ERR_NOMEM;
	struct vgp_strmap_slot *s = find_slot(map, key, len, h);
	if (s->key) {
		if (inserted)
			*inserted = false;
		if (value_out)
			*value_out = s->value;
		return VG_OK;
	}
	s->key = malloc(len + 1);
	if (!s->key)
		return VG_ERR_NOMEM;
	memcpy(s->key, key, len);
	s->key[len] = '\0';
	s->len = len;
	s->hash = h;
	s->value = value;
	map->count++;
	if (inserted)
		*inserted = true;
	if (value_out)
		*value_out = value;
	return VG_OK;
}

int32_t vgp_strmap_get(const struct vgp_strmap *map, const char *key, size_t len)
{
	if (!map->cap)
		return -1;
	const struct vgp_strmap_slot *s = find_slot(map, key, len, vgp_hash(key, len));
	return s->key ? s->value : -1;
}

const char *vgp_reason(struct vg_arena *arena, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return "parse error";
	if ((size_t)n >= sizeof(tmp))
		n = sizeof(tmp) - 1;
	const char *r = vg_arena_strndup(arena, tmp, (size_t)n);
	return r ? r : "parse error (out of memory formatting the reason)";
}

/* Decimal text of 0..191: PRI values, facilities and severities. */
static const char *const g_nums[192] = {
    "0",   "1",   "2",   "3",   "4",   "5",   "6",   "7",   "8",   "9",   "10",  "11",
    "12",  "13",  "14",  "15",  "16",  "17",  "18",  "19",  "20",  "21",  "22",  "23",
    "24",  "25",  "26",  "27",  "28",  "29",  "30",  "31",  "32",  "33",  "34",  "35",
    "36",  "37",  "38",  "39",  "40",  "41",  "42",  "43",  "44",  "45",  "46",  "47",
    "48",  "49",  "50",  "51",  "52",  "53",  "54",  "55",  "56",  "57",  "58",  "59",
    "60",  "61",  "62",  "63",  "64",  "65",  "66",  "67",  "68",  "69",  "70",  "71",
    "72",  "73",  "74",  "75",  "76",  "77",  "78",  "79",  "80",  "81",  "82",  "83",
    "84",  "85",  "86",  "87",  "88",  "89",  "90",  "91",  "92",  "93",  "94",  "95",
    "96",  "97",  "98",  "99",  "100", "101", "102", "103", "104", "105", "106", "107",
    "108", "109", "110", "111", "112", "113", "114", "115", "116", "117", "118", "119",
    "120", "121", "122", "123", "124", "125", "126", "127", "128", "129", "130", "131",
    "132", "133", "134", "135", "136", "137", "138", "139", "140", "141", "142", "143",
    "144", "145", "146", "147", "148", "149", "150", "151", "152", "153", "154", "155",
    "156", "157", "158", "159", "160", "161", "162", "163", "164", "165", "166", "167",
    "168", "169", "170", "171", "172", "173", "174", "175", "176", "177", "178", "179",
    "180", "181", "182", "183", "184", "185", "186", "187", "188", "189", "190", "191",
};

const char *vgp_small_num(unsigned n, size_t *len)
{
	if (n > 191)
		n = 191;
	*len = n < 10 ? 1 : n < 100 ? 2 : 3;
	return g_nums[n];
}

long vgp_small_uint(struct vg_str s)
{
	long n = 0;
	if (!s.len || s.len > 6)
		return -1;
	for (size_t i = 0; i < s.len; i++) {
		if (s.ptr[i] < '0' || s.ptr[i] > '9')
			return -1;
		n = n * 10 + (s.ptr[i] - '0');
	}
	return n;
}

bool vgp_is_integer(const char *s, size_t len)
{
	size_t i = 0;
	if (len && s[0] == '-')
		i = 1;
	if (i == len || len - i > 19)
		return false;
	for (; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

bool vgp_is_pid(const char *s, size_t len)
{
	if (len == 0 || len > 10)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

int vgp_parse_pri(const char *buf, size_t len, size_t *end)
{
	size_t i = 1;
	unsigned v = 0;

	if (len < 3 || buf[0] != '<')
		return -1;
	while (i < len && i <= 4 && buf[i] >= '0' && buf[i] <= '9')
		v = v * 10 + (unsigned)(buf[i++] - '0');
	size_t ndig = i - 1;
	if (ndig == 0 || ndig > 3 || i >= len || buf[i] != '>')
		return -1;
	if (ndig > 1 && buf[1] == '0')
		return -1; /* leading zero */
	if (v > 191)
		return -1;
	*end = i + 1;
	return (int)v;
}

void vgp_set_pri(const struct vg_parser *parser, struct vg_event *ev, const char *pri,
                 size_t pri_len, unsigned pri_value)
{
	const struct vgp_ids *id = &parser->id;
	size_t n;
	const char *s;

	vgp_set(ev, id->priority, pri, pri_len, VG_VK_NUM);
	s = vgp_small_num(pri_value >> 3, &n);
	vgp_set(ev, id->facility, s, n, VG_VK_NUM);
	s = vgp_small_num(pri_value & 7, &n);
	vgp_set(ev, id->severity, s, n, VG_VK_NUM);
}
