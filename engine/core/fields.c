/*
 * fields.c - the field registry: field name <-> integer id.
 *
 * Filled at start-up from the embedded schemas/fields.yaml, then grown only by
 * loaders (rules, decoders, mappings) through vg_field_intern.  Lookups are
 * lock-free: entries are written before their hash slot is published with a
 * release store, and readers load slots with acquire.  Names are never removed, so
 * an id stays valid for the life of the process.
 */
#include "vg_core.h"
#include "vg_yaml.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define SLOTS (VG_FIELDS_MAX * 2) /* power of two, load factor <= 0.5 */

struct field_entry {
	char *name;
	size_t len;
	enum vg_field_type type;
	bool schema;
};

static struct field_entry g_fields[VG_FIELDS_MAX];
static _Atomic int32_t g_slots[SLOTS]; /* id + 1; 0 = empty */
static _Atomic size_t g_count;
static pthread_mutex_t g_intern_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static vg_err g_init_err;
static struct vg_diag g_init_diag;

static vg_field lookup_locked_or_not(const char *name, size_t len, uint64_t h)
{
	for (size_t i = 0; i < SLOTS; i++) {
		size_t s = (h + i) & (SLOTS - 1);
		int32_t v = atomic_load_explicit(&g_slots[s], memory_order_acquire);
		if (v == 0)
			return VG_FIELD_NONE;
		const struct field_entry *e = &g_fields[v - 1];
		if (e->len == len && memcmp(e->name, name, len) == 0)
			return v - 1;
	}
	return VG_FIELD_NONE;
}

vg_field vg_field_lookup(const char *name, size_t len)
{
	return lookup_locked_or_not(name, len, vg_hash64(name, len, 0));
}

static vg_field intern_typed(const char *name, size_t len, enum vg_field_type type,
                             bool schema)
{
	uint64_t h = vg_hash64(name, len, 0);
	vg_field id;

	pthread_mutex_lock(&g_intern_lock);
	id = lookup_locked_or_not(name, len, h);
	if (id != VG_FIELD_NONE)
		goto out;
	size_t n = atomic_load(&g_count);
	if (n >= VG_FIELDS_MAX)
		goto out;
	char *copy = malloc(len + 1);
	if (!copy)
		goto out;
	memcpy(copy, name, len);
	copy[len] = '\0';
	g_fields[n] = (struct field_entry){copy, len, type, schema};
	for (size_t i = 0;; i++) {
		size_t s = (h + i) & (SLOTS - 1);
		if (atomic_load_explicit(&g_slots[s], memory_order_relaxed) == 0) {
			atomic_store_explicit(&g_count, n + 1, memory_order_release);
			atomic_store_explicit(&g_slots[s], (int32_t)n + 1,
			                      memory_order_release);
			break;
		}
	}
	id = (vg_field)n;
out:
	pthread_mutex_unlock(&g_intern_lock);
	return id;
}

vg_field vg_field_intern(const char *name, size_t len)
{
	if (vg_fields_init(NULL) != VG_OK)
		return VG_FIELD_NONE;
	return intern_typed(name, len, VG_FT_KEYWORD, false);
}

const char *vg_field_name(vg_field id)
{
	if (id < 0 || (size_t)id >= atomic_load(&g_count))
		return NULL;
	return g_fields[id].name;
}

enum vg_field_type vg_field_type(vg_field id)
{
	if (id < 0 || (size_t)id >= atomic_load(&g_count))
		return VG_FT_KEYWORD;
	return g_fields[id].type;
}

bool vg_field_is_schema(vg_field id)
{
	return id >= 0 && (size_t)id < atomic_load(&g_count) && g_fields[id].schema;
}

size_t vg_field_count(void)
{
	return atomic_load_explicit(&g_count, memory_order_acquire);
}

static bool parse_type(const char *s, enum vg_field_type *t)
{
	static const struct {
		const char *name;
		enum vg_field_type type;
	} types[] = {{"keyword", VG_FT_KEYWORD}, {"text", VG_FT_TEXT},
	             {"long", VG_FT_LONG},       {"double", VG_FT_DOUBLE},
	             {"ip", VG_FT_IP},           {"date", VG_FT_DATE},
	             {"bool", VG_FT_BOOL}};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (strcmp(s, types[i].name) == 0) {
			*t = types[i].type;
			return true;
		}
	}
	return false;
}

/*
 * Walk the document: fields: [ {name: .., type: .., description: ..}, ... ].
 * Anything else is an error with its position, so a broken schema edit fails the
 * build's tests and start-up loudly.
 */
static vg_err load_schema(const unsigned char *data, size_t len, const char *file,
                          struct vg_diag *diag)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	vg_err err = VG_OK;

	if (!yaml_parser_initialize(&parser))
		return VG_ERR_NOMEM;
	yaml_parser_set_input_string(&parser, data, len);
	if (!yaml_parser_load(&parser, &doc)) {
		vg_yaml_error(diag, file, &parser, data, len, NULL);
		yaml_parser_delete(&parser);
		return VG_ERR_CONFIG;
	}
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	yaml_node_t *list = NULL;
	if (root && root->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
		     p < root->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(&doc, p->key);
			if (k->type == YAML_SCALAR_NODE &&
			    strcmp((char *)k->data.scalar.value, "fields") == 0)
				list = yaml_document_get_node(&doc, p->value);
		}
	}
	if (!list || list->type != YAML_SEQUENCE_NODE) {
		vg_diag_error(diag, file, 1, 1, "expected a top-level 'fields' list");
		err = VG_ERR_CONFIG;
		goto out;
	}
	for (yaml_node_item_t *it = list->data.sequence.items.start;
	     it < list->data.sequence.items.top; it++) {
		yaml_node_t *f = yaml_document_get_node(&doc, *it);
		const char *name = NULL, *type = NULL;
		int line = (int)f->start_mark.line + 1,
		    col = (int)f->start_mark.column + 1;
		if (f->type != YAML_MAPPING_NODE) {
			vg_diag_error(diag, file, line, col,
			              "field entry must be a mapping");
			err = VG_ERR_CONFIG;
			continue;
		}
		for (yaml_node_pair_t *p = f->data.mapping.pairs.start;
		     p < f->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(&doc, p->key);
			yaml_node_t *v = yaml_document_get_node(&doc, p->value);
			if (k->type != YAML_SCALAR_NODE || v->type != YAML_SCALAR_NODE)
				continue;
			if (strcmp((char *)k->data.scalar.value, "name") == 0)
				name = (char *)v->data.scalar.value;
			else if (strcmp((char *)k->data.scalar.value, "type") == 0)
				type = (char *)v->data.scalar.value;
		}
		enum vg_field_type t = VG_FT_KEYWORD;
		if (!name || !type || !parse_type(type, &t)) {
			vg_diag_error(
			    diag, file, line, col,
			    "field entry needs 'name' and a 'type' of keyword, text, "
			    "long, double, ip, date or bool");
			err = VG_ERR_CONFIG;
			continue;
		}
		if (vg_field_lookup(name, strlen(name)) != VG_FIELD_NONE) {
			vg_diag_error(diag, file, line, col, "field '%s' is listed twice",
			              name);
			err = VG_ERR_CONFIG;
			continue;
		}
		if (intern_typed(name, strlen(name), t, true) == VG_FIELD_NONE) {
			vg_diag_error(diag, file, line, col, "too many fields");
			err = VG_ERR_FULL;
		}
	}
out:
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return err;
}

static void init_once(void)
{
	const struct vg_resource *r = vg_resource_get("schemas/fields.yaml");
	vg_diag_init(&g_init_diag);
	if (!r) {
		vg_diag_error(&g_init_diag, "schemas/fields.yaml", 0, 0,
		              "not embedded in this binary");
		g_init_err = VG_ERR_CONFIG;
		return;
	}
	g_init_err = load_schema(r->data, r->len, r->name, &g_init_diag);
}

vg_err vg_fields_init(struct vg_diag *diag)
{
	pthread_once(&g_once, init_once);
	if (g_init_err && diag) {
		for (size_t i = 0; i < g_init_diag.count; i++)
			vg_diag_error(diag, NULL, 0, 0, "%s", g_init_diag.msgs[i]);
	}
	return g_init_err;
}
