/*
 * aliases.c - the vendor-name table JSON normalization consults per key.
 *
 * Loaded once from the embedded schemas/field-aliases.yaml ("ECS field -> [vendor
 * names]") plus a few built-in key roles (timestamps, Windows channel/provider).
 * Every ECS and vendor name is interned in the field registry so rules can address
 * them by id.  The result maps a key's last path component to its alias target (with
 * a priority: earlier names in a list win) and role, in one hash lookup per key.
 */
#include "parsers_int.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define ALIASES_FILE "schemas/field-aliases.yaml"

static const struct {
	const char *name;
	enum vgp_key_role role;
} g_roles[] = {
    {"UtcTime", VGP_ROLE_TS_UTCTIME},
    {"SystemTime", VGP_ROLE_TS_SYSTEMTIME},
    {"@SystemTime", VGP_ROLE_TS_SYSTEMTIME},
    {"TimeCreated", VGP_ROLE_TS_TIMECREATED},
    {"EventTime", VGP_ROLE_TS_EVENTTIME},
    {"Channel", VGP_ROLE_CHANNEL},
    {"channel", VGP_ROLE_CHANNEL},
    {"Provider", VGP_ROLE_PROVIDER},
    {"Provider_Name", VGP_ROLE_PROVIDER},
    {"ProviderName", VGP_ROLE_PROVIDER},
    {"provider_name", VGP_ROLE_PROVIDER},
    {"Name", VGP_ROLE_PROVIDER_NAME},
    {"@Name", VGP_ROLE_PROVIDER_NAME},
    {"EventID", VGP_ROLE_EVENTID},
    {"EventId", VGP_ROLE_EVENTID},
    {"event_id", VGP_ROLE_EVENTID},
    {"Computer", VGP_ROLE_COMPUTER},
    {"eventID", VGP_ROLE_EVENTID},
    {"computer", VGP_ROLE_COMPUTER},
    {"computer_name", VGP_ROLE_COMPUTER},
    {"providerName", VGP_ROLE_PROVIDER},
    {"systemTime", VGP_ROLE_TS_SYSTEMTIME},
    {"Hashes", VGP_ROLE_HASHES},
    {"Hash", VGP_ROLE_HASHES},
};

void vgp_aliases_free(struct vgp_aliases *al)
{
	if (!al)
		return;
	free(al->targets);
	free(al->infos);
	free(al->target_of);
	vgp_strmap_free(&al->names);
	memset(al, 0, sizeof(*al));
}

/* The info slot for name, created empty when new.  @return its index or -1 (OOM). */
static int32_t info_for(struct vgp_aliases *al, const char *name, size_t len)
{
	bool inserted;
	int32_t idx;
	if (vgp_strmap_put(&al->names, name, len, (int32_t)al->ninfos, &inserted, &idx))
		return -1;
	if (!inserted)
		return idx;
	struct vgp_keyinfo *n = realloc(al->infos, (al->ninfos + 1) * sizeof(*n));
	if (!n)
		return -1;
	al->infos = n;
	al->infos[al->ninfos] = (struct vgp_keyinfo){-1, 0, VGP_ROLE_NONE};
	return (int32_t)al->ninfos++;
}

static vg_err add_target(struct vgp_aliases *al, vg_field id, int16_t *out)
{
	for (size_t i = 0; i < al->ntargets; i++) {
		if (al->targets[i] == id) {
			*out = (int16_t)i;
			return VG_OK;
		}
	}
	if (al->ntargets >= INT16_MAX)
		return VG_ERR_FULL;
	vg_field *n = realloc(al->targets, (al->ntargets + 1) * sizeof(*n));
	if (!n)
		return VG_ERR_NOMEM;
	al->targets = n;
	al->targets[al->ntargets] = id;
	*out = (int16_t)al->ntargets++;
	return VG_OK;
}

static vg_err load_doc(struct vgp_aliases *al, yaml_document_t *doc, const char *file,
                       struct vg_diag *diag)
{
	yaml_node_t *root = yaml_document_get_root_node(doc);
	yaml_node_t *map = NULL;
	vg_err err = VG_OK;

	if (root && root->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
		     p < root->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(doc, p->key);
			if (k->type == YAML_SCALAR_NODE &&
			    strcmp((char *)k->data.scalar.value, "aliases") == 0)
				map = yaml_document_get_node(doc, p->value);
		}
	}
	if (!map || map->type != YAML_MAPPING_NODE) {
		vg_diag_error(diag, file, 1, 1, "expected a top-level 'aliases' mapping");
		return VG_ERR_CONFIG;
	}
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		yaml_node_t *v = yaml_document_get_node(doc, p->value);
		int line = (int)k->start_mark.line + 1,
		    col = (int)k->start_mark.column + 1;
		if (k->type != YAML_SCALAR_NODE || v->type != YAML_SEQUENCE_NODE) {
			vg_diag_error(
			    diag, file, line, col,
			    "each alias entry must be 'ecs.field: [VendorName, ...]'");
			err = VG_ERR_CONFIG;
			continue;
		}
		const char *ecs = (const char *)k->data.scalar.value;
		vg_field id = vg_field_intern(ecs, k->data.scalar.length);
		int16_t target;
		if (id == VG_FIELD_NONE || add_target(al, id, &target) != VG_OK) {
			vg_diag_error(diag, file, line, col, "cannot register field '%s'",
			              ecs);
			err = VG_ERR_CONFIG;
			continue;
		}
		int16_t prio = 0;
		for (yaml_node_item_t *it = v->data.sequence.items.start;
		     it < v->data.sequence.items.top; it++, prio++) {
			yaml_node_t *n = yaml_document_get_node(doc, *it);
			int nl = (int)n->start_mark.line + 1,
			    nc = (int)n->start_mark.column + 1;
			if (n->type != YAML_SCALAR_NODE || n->data.scalar.length == 0) {
				vg_diag_error(diag, file, nl, nc,
				              "vendor name must be a string");
				err = VG_ERR_CONFIG;
				continue;
			}
			const char *name = (const char *)n->data.scalar.value;
			size_t len = n->data.scalar.length;
			int32_t idx = info_for(al, name, len);
			if (idx < 0 || vg_field_intern(name, len) == VG_FIELD_NONE) {
				err = VG_ERR_NOMEM;
				goto out;
			}
			if (al->infos[idx].target >= 0) {
				vg_diag_error(
				    diag, file, nl, nc,
				    "vendor name '%s' is already an alias of '%s'", name,
				    vg_field_name(al->targets[al->infos[idx].target]));
				err = VG_ERR_CONFIG;
				continue;
			}
			al->infos[idx].target = target;
			al->infos[idx].prio = prio;
		}
	}
out:
	return err;
}

vg_err vgp_aliases_load(struct vgp_aliases *al, struct vg_diag *diag)
{
	const struct vg_resource *r = vg_resource_get(ALIASES_FILE);
	yaml_parser_t yp;
	yaml_document_t doc;
	vg_err err;

	memset(al, 0, sizeof(*al));
	if (!r) {
		vg_diag_error(diag, ALIASES_FILE, 0, 0, "not embedded in this binary");
		return VG_ERR_CONFIG;
	}
	if (!yaml_parser_initialize(&yp))
		return VG_ERR_NOMEM;
	yaml_parser_set_input_string(&yp, r->data, r->len);
	if (!yaml_parser_load(&yp, &doc)) {
		vg_diag_error(diag, ALIASES_FILE, (int)yp.problem_mark.line + 1,
		              (int)yp.problem_mark.column + 1, "%s", yp.problem);
		yaml_parser_delete(&yp);
		return VG_ERR_CONFIG;
	}
	err = load_doc(al, &doc, ALIASES_FILE, diag);
	yaml_document_delete(&doc);
	yaml_parser_delete(&yp);
	if (err != VG_OK)
		return err;

	for (size_t i = 0; i < sizeof(g_roles) / sizeof(g_roles[0]); i++) {
		int32_t idx = info_for(al, g_roles[i].name, strlen(g_roles[i].name));
		if (idx < 0)
			return VG_ERR_NOMEM;
		al->infos[idx].role = (uint8_t)g_roles[i].role;
	}

	/* Field id -> target index, for "an explicit ECS key beats any alias". */
	al->nfields = vg_field_count();
	al->target_of = malloc(al->nfields * sizeof(*al->target_of) + 1);
	if (!al->target_of)
		return VG_ERR_NOMEM;
	for (size_t i = 0; i < al->nfields; i++)
		al->target_of[i] = -1;
	for (size_t t = 0; t < al->ntargets; t++)
		al->target_of[al->targets[t]] = (int16_t)t;
	return VG_OK;
}
